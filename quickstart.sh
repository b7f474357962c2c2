#!/bin/sh
# Quick start on a fresh Debian 12 machine: install what is missing, build
# in this tree, and run the main job offline on bundled data: the one-call
# authenticator over a signed message from its sender's host, then over
# the copy a mailing list rewrote and sealed with ARC.
set -e
cd "$(dirname "$0")"
sh tools/install-deps.sh
[ -x configure ] || autoreconf -fi >/dev/null
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null
d=examples/data
echo "== direct: mailauth --zone $d/example.zone check --ip 192.0.2.10 --helo mail.example.com --sender alice@example.com $d/message.eml"
examples/mailauth --zone $d/example.zone check --ip 192.0.2.10 --helo mail.example.com \
    --sender alice@example.com --authserv-id mx.example.org $d/message.eml
echo "== through a mailing list that seals with ARC (trusted): $d/forwarded.eml"
examples/mailauth --zone $d/example.zone check --ip 203.0.113.7 --helo mx.lists.example.org \
    --sender team-bounces@lists.example.org --authserv-id mx.example.org \
    --trusted-sealer lists.example.org $d/forwarded.eml
