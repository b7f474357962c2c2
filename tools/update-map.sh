#!/bin/sh
# Rewrite src/libmailauth.map's single node from the MA_EXTERN declarations
# in include/mailauth/*.h (sorted, C locale).  Run from the source tree after
# adding public API; tests/check-symbols.sh then checks the library agrees.
# Only valid while 1.0 is unreleased: after a release, new names go in a new node.
set -e
cd "$(dirname "$0")/.."
LC_ALL=C
export LC_ALL
names=$(sed -n 's/.*MA_EXTERN([^)]*) *\(ma_[a-z0-9_]*\)(.*/\1/p' include/mailauth/*.h | sort -u)
tmp=src/libmailauth.map.tmp
sed -n '1,/^global:$/p' src/libmailauth.map >"$tmp"
for n in $names; do printf '\t%s;\n' "$n"; done >>"$tmp"
printf 'local:\n\t*;\n};\n' >>"$tmp"
mv "$tmp" src/libmailauth.map
