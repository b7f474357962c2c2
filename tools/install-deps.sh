#!/bin/sh
# Install the Debian 12 packages libmailauth needs to build and test.
# Only what is missing is installed, as root or through sudo.
set -e
pkgs="build-essential autoconf automake libtool pkg-config
      libssl-dev libidn2-dev libldns-dev libpsl-dev libyaml-dev
      nsd clang valgrind python3 libspf2-dev
      python3-dkim python3-authres opendkim-tools libopendkim-dev libopendmarc-dev"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
as_root=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: missing:$missing (run as root, or install sudo)" >&2
        exit 1
    }
    as_root=sudo
fi
echo "install-deps: installing$missing"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# nsd's package may try to start a system service; tests start their own.
$as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
