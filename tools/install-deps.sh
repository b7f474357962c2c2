#!/bin/sh
# Install the Debian 12 packages libmailauth needs to build and test.
# Only what is missing is installed; run as root (or through sudo).
set -e
pkgs="build-essential autoconf automake libtool pkg-config
      libssl-dev libidn2-dev libldns-dev libpsl-dev libyaml-dev
      nsd clang valgrind python3"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing:$missing (run as root or with sudo)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nsd's package may try to start a system service; tests start their own.
apt-get install -y -qq --no-install-recommends $missing >/dev/null
