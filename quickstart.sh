#!/bin/sh
# Quick start on a fresh Debian 12 machine: install what is missing, build
# in this tree, and run the main job offline on bundled data.
set -e
cd "$(dirname "$0")"
sh tools/install-deps.sh
[ -x configure ] || autoreconf -fi >/dev/null
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null
echo "== mailauth --zone examples/example.zone dns txt example.com"
examples/mailauth --zone examples/example.zone dns txt example.com
echo "== mailauth --zone examples/example.zone --json dns mx example.com"
examples/mailauth --zone examples/example.zone --json dns mx example.com
