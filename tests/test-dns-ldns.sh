#!/bin/sh
# Tests of the ldns stub resolver against a real DNS server: starts nsd on
# 127.0.0.1 with the zones in $srcdir/data/ldns/, then runs test-dns-ldns,
# which prints TAP.  Without nsd ($NSD empty or not executable) only the
# tests that need no server run (wire decoding, options, a silent server).
#
# Environment (set by tests/Makefile.am): NSD, srcdir, abs_top_builddir.

srcdir=${srcdir:-.}
bindir=${abs_top_builddir:+$abs_top_builddir/tests}
bindir=${bindir:-.}
prog="$bindir/test-dns-ldns"
data="$srcdir/data/ldns"

if [ ! -x "$prog" ]; then
    echo "Bail out! $prog not built"
    exit 1
fi

if [ -z "$NSD" ] || [ ! -x "$NSD" ]; then
    exec "$prog"
fi

dir=
nsd_pid=
cleanup() {
    if [ -n "$nsd_pid" ]; then
        kill "$nsd_pid" 2>/dev/null
        # nsd -d stays in the foreground of its job: reap it
        wait "$nsd_pid" 2>/dev/null
        nsd_pid=
    fi
    if [ -n "$dir" ]; then
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

dir=$(mktemp -d "${TMPDIR:-/tmp}/ma-nsd.XXXXXX") || {
    echo "Bail out! cannot create a temporary directory"
    exit 1
}

for z in example.test other.test 2.0.192.in-addr.arpa; do
    if ! cp "$data/$z.zone" "$dir/"; then
        echo "Bail out! missing zone file $data/$z.zone"
        exit 1
    fi
done

write_conf() {
    cat >"$dir/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$1
    port: $1
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$dir"
    pidfile: "$dir/nsd.pid"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    zonelistfile: "$dir/zone.list"
    database: ""
    logfile: "$dir/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "example.test"
    zonefile: "example.test.zone"
zone:
    name: "other.test"
    zonefile: "other.test.zone"
zone:
    name: "2.0.192.in-addr.arpa"
    zonefile: "2.0.192.in-addr.arpa.zone"
EOF
}

checkconf="$(dirname "$NSD")/nsd-checkconf"

# A port can be taken between freeport and nsd's bind: try a few.
port=
for attempt in 1 2 3; do
    p=$("$bindir/freeport") || {
        echo "Bail out! no free port"
        exit 1
    }
    write_conf "$p"
    if [ -x "$checkconf" ] && ! "$checkconf" "$dir/nsd.conf" >"$dir/checkconf.out" 2>&1; then
        echo "Bail out! nsd-checkconf rejects the configuration"
        sed 's/^/# /' "$dir/checkconf.out"
        exit 1
    fi
    "$NSD" -d -c "$dir/nsd.conf" >"$dir/nsd.out" 2>&1 &
    nsd_pid=$!
    # --wait polls the server for up to about 10 seconds
    if "$prog" --wait "$p"; then
        port=$p
        break
    fi
    kill "$nsd_pid" 2>/dev/null
    wait "$nsd_pid" 2>/dev/null
    nsd_pid=
done

if [ -z "$port" ]; then
    echo "Bail out! nsd did not answer"
    cat "$dir/nsd.out" "$dir/nsd.log" 2>/dev/null | sed 's/^/# /'
    exit 1
fi

"$prog" "$port"
status=$?
if [ "$status" -ne 0 ] && [ -f "$dir/nsd.log" ]; then
    sed 's/^/# nsd: /' "$dir/nsd.log"
fi
exit $status
