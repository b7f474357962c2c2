#!/bin/sh
# TAP tests of the example programs (examples/authenticate, sign, arc-seal,
# event-loop) on the bundled data of examples/data: the README's main job
# authenticates (exact field and verdict lines), a changed body fails DKIM
# while DMARC passes through SPF, sign then authenticate round trips with
# the bundled key (CRLF and LF, tampering, the wrong key), arc-seal then
# authenticate from the list's address verifies the seal (and a second hop,
# and a broken chain that is not sealed), event-loop against nsd serving
# example.zone gives what authenticate gives and sends the key and policy
# questions while the body is still coming, event-loop against a port
# where nothing answers ends in bounded time with temperrors, and every
# program's errors are one line on stderr with exit status 1.
#
# MA_EXAMPLES_WRAPPER, when set, runs the programs under a checker, e.g.
#   MA_EXAMPLES_WRAPPER="$PWD/../libtool --mode=execute valgrind -q --error-exitcode=99 --leak-check=full"
. "$srcdir/tap.sh"

EX="$abs_top_builddir/examples"
DATA="$abs_top_srcdir/examples/data"
ZONE="$DATA/example.zone"
MSG="$DATA/message.eml"
AUTHOR_KEY="$DATA/example.com.sel2026.pem"
LIST_KEY="$DATA/lists.example.org.arc2026.pem"
MAILAUTH="$abs_top_builddir/examples/mailauth"
freeport="$abs_top_builddir/tests/freeport"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-examples.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
nsd_pid=
cleanup() {
    if [ -n "$nsd_pid" ]; then
        kill "$nsd_pid" 2>/dev/null
        wait "$nsd_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

for p in authenticate sign arc-seal event-loop; do
    if [ ! -x "$EX/$p" ]; then
        echo "Bail out! $EX/$p not built"
        exit 1
    fi
done

tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

# run PROG ARGS... <INPUT: run an example; sets rc, out, err ($tmp/out and
# $tmp/err keep them whole).  Command substitution drops trailing newlines.
run() {
    prog=$1
    shift
    # shellcheck disable=SC2086  # the wrapper is a command with arguments
    ${MA_EXAMPLES_WRAPPER:-} "$EX/$prog" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

# auth INPUT IP HELO MAIL_FROM: authenticate INPUT over the example zone as
# mx.example.org.
auth() {
    run authenticate "$ZONE" "$2" "$3" "$4" mx.example.org <"$1"
}

# The verdict lines (the last five) and the field (the rest) of the output.
verdicts() {
    tail -n 5 "$tmp/out"
}
field() {
    head -n -5 "$tmp/out"
}

# is_error PROG-PREFIX DESCRIPTION: exit 1, no output, one line on stderr
# starting with the prefix.
is_error() {
    errlines=$(wc -l <"$tmp/err" | tr -d ' ')
    case $err in
        "$1"*) prefix=yes ;;
        *) prefix=no ;;
    esac
    tap_is "$rc|$out|$errlines|$prefix" "1||1|yes" "$2"
    [ "$rc|$errlines|$prefix" = "1|1|yes" ] || echo "#   stderr: $err"
}

nl='
'

# ------------------------------------------------------------ authenticate
direct_field="Authentication-Results: mx.example.org;
	iprev=pass policy.iprev=192.0.2.10;
	spf=pass smtp.mailfrom=alice@example.com;
	dkim=pass header.d=example.com header.i=@example.com header.s=sel2026
	header.a=rsa-sha256 header.b=Re7AiUWpz1F7;
	arc=none;
	dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=reject"
direct_verdicts="iprev: pass
spf: pass
dkim: pass
arc: none
dmarc: pass"

auth "$MSG" 192.0.2.10 mail.example.com alice@example.com
tap_is "$rc|$err" "0|" "authenticate: the bundled message, exit 0, nothing on stderr"
tap_is "$(verdicts)" "$direct_verdicts" "authenticate: every check passes (exact verdict lines)"
tap_is "$(field)" "$direct_field" "authenticate: the exact Authentication-Results field"
direct_out=$out

sed 's/$/\r/' "$MSG" >"$tmp/crlf.eml"
auth "$tmp/crlf.eml" 192.0.2.10 mail.example.com alice@example.com
tap_is "$rc|$out" "0|$direct_out" "authenticate: the message with CRLF line ends, the same output"

sed 's/better than we feared/worse than we hoped/' "$MSG" >"$tmp/changed.eml"
auth "$tmp/changed.eml" 192.0.2.10 mail.example.com alice@example.com
tap_is "$rc|$(verdicts)" "0|iprev: pass
spf: pass
dkim: fail (d=example.com: the body hash does not match bh=)
arc: none
dmarc: pass" "authenticate: changed body: dkim fails, dmarc passes through SPF alone"
case $out in
    *"dkim=fail reason=body-hash header.d=example.com"*) r=0 ;;
    *) r=1 ;;
esac
tap_ok $r "authenticate: changed body: the field says dkim=fail reason=body-hash"
changed_out=$out

auth "$tmp/changed.eml" 192.0.2.99 mail.example.com alice@example.com
tap_is "$rc|$(verdicts | cut -d' ' -f1-2)" "0|iprev: permerror
spf: fail
dkim: fail
arc: none
dmarc: fail" "authenticate: changed body from an address SPF does not list: dmarc fails"
other_ip_out=$out

auth "$MSG" 192.0.2.10 "" "<>"
tap_is "$rc|$(verdicts | sed -n 3p)" "0|dkim: pass" "authenticate: no HELO and the null sender still verify DKIM"

# ---------------------------------------------------------------------- sign
# The bundled message without its signature (the lines before Return-Path).
sed -n '/^Return-Path:/,$p' "$MSG" >"$tmp/unsigned.eml"
run sign example.com sel2026 "$AUTHOR_KEY" <"$tmp/unsigned.eml"
cp "$tmp/out" "$tmp/signed.eml"
first=$(head -n 1 "$tmp/out")
rest=$(sed -n '/^Return-Path:/,$p' "$tmp/out")
tap_is "$rc|$err|$first" "0||DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;" \
    "sign: exit 0, the output starts with the DKIM-Signature field"
tap_is "$rest" "$(cat "$tmp/unsigned.eml")" "sign: the message follows unchanged"
tap_is "$(sed -n '/^Return-Path:/q;p' "$tmp/out" | grep -c '^[^ ]')" 1 \
    "sign: one field (its continuation lines start with a space)"

auth "$tmp/signed.eml" 192.0.2.10 mail.example.com alice@example.com
tap_is "$rc|$(verdicts)" "0|iprev: pass
spf: pass
dkim: pass
arc: none
dmarc: pass" "sign then authenticate: the new signature verifies with the published key"
case $out in
    *"header.s=sel2026"*"header.b=Re7AiUWpz1F7"*) r=1 ;;
    *"header.s=sel2026"*) r=0 ;;
    *) r=1 ;;
esac
tap_ok $r "sign then authenticate: the field reports the new signature, not the bundled one"

auth "$tmp/signed.eml" 192.0.2.99 x.example bob@example.com
tap_is "$rc|$(verdicts | sed -n '3p;5p')" "0|dkim: pass
dmarc: pass" "sign then authenticate: from anywhere, DMARC passes through DKIM"

sed 's/$/\r/' "$tmp/unsigned.eml" >"$tmp/unsigned-crlf.eml"
run sign example.com sel2026 "$AUTHOR_KEY" <"$tmp/unsigned-crlf.eml"
cp "$tmp/out" "$tmp/signed-crlf.eml"
tap_is "$rc|$(grep -vc "$(printf '\r')\$" "$tmp/out")" "0|0" "sign: CRLF message: the field uses CRLF too"
auth "$tmp/signed-crlf.eml" 192.0.2.99 x.example bob@example.com
tap_is "$rc|$(verdicts | sed -n 3p)" "0|dkim: pass" "sign then authenticate: CRLF message verifies"

sed 's/better than we feared/worse than we hoped/' "$tmp/signed.eml" >"$tmp/signed-changed.eml"
auth "$tmp/signed-changed.eml" 192.0.2.99 x.example bob@example.com
tap_is "$rc|$(verdicts | sed -n 3p)" "0|dkim: fail (d=example.com: the body hash does not match bh=)" \
    "sign then change the body: dkim fails"

run sign example.com sel2026 "$LIST_KEY" <"$tmp/unsigned.eml"
cp "$tmp/out" "$tmp/wrong-key.eml"
auth "$tmp/wrong-key.eml" 192.0.2.99 x.example bob@example.com
tap_is "$rc|$(verdicts | sed -n 3p | cut -d' ' -f1-2)" "0|dkim: fail" \
    "sign with a key other than the published one: dkim fails"

# ------------------------------------------------------------------ arc-seal
# The list (lists.example.org) received the bundled message from
# mail.example.com, and seals it.
seal() {
    run arc-seal "$ZONE" lists.example.org arc2026 "$LIST_KEY" lists.example.org "$2" "$3" "$4" <"$1"
}
# aar I: the ARC-Authentication-Results field of instance I in $tmp/out,
# unfolded (the library folds it with CRLF TAB: LF TAB in an LF message).
aar() {
    awk -v start="ARC-Authentication-Results: i=$1;" '
        index($0, start) == 1 { f = $0; on = 1; next }
        on && /^[ \t]/ { sub(/^[ \t]/, " "); f = f $0; next }
        { on = 0 }
        END { print f }' "$tmp/out"
}
seal "$MSG" 192.0.2.10 mail.example.com alice@example.com
cp "$tmp/out" "$tmp/sealed.eml"
names=$(grep -o '^[A-Za-z-]*:' "$tmp/out" | head -n 4 | tr '\n' ' ')
tap_is "$rc|$err|$names" "0||ARC-Seal: ARC-Message-Signature: ARC-Authentication-Results: DKIM-Signature: " \
    "arc-seal: exit 0, a new set (AS, AMS, AAR) on top of the message"
tap_is "$(sed -n '/^DKIM-Signature:/,$p' "$tmp/out")" "$(cat "$MSG")" "arc-seal: the message follows unchanged"
case $(head -n 1 "$tmp/out") in
    "ARC-Seal: i=1; a=rsa-sha256; t="*"; cv=none; d=lists.example.org;") r=0 ;;
    *) r=1 ;;
esac
tap_ok $r "arc-seal: i=1, cv=none, d=lists.example.org"
tap_is "$(aar 1)" \
    "ARC-Authentication-Results: i=1; lists.example.org; iprev=pass policy.iprev=192.0.2.10; spf=pass smtp.mailfrom=alice@example.com; dkim=pass header.d=example.com header.i=@example.com header.s=sel2026 header.a=rsa-sha256 header.b=Re7AiUWpz1F7; arc=none; dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=reject" \
    "arc-seal: the AAR carries the authenticator's results for the hop"

# The list relays it from mx.lists.example.org.
auth "$tmp/sealed.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
tap_is "$rc|$(verdicts)" "0|iprev: pass
spf: pass
dkim: pass
arc: pass
dmarc: pass" "arc-seal then authenticate from the list's address: the seal verifies (arc=pass)"
case $out in
    *"arc=pass header.oldest-pass=0 smtp.remote-ip=203.0.113.7;"*) r=0 ;;
    *) r=1 ;;
esac
tap_ok $r "arc-seal then authenticate: the field says arc=pass with the list's address"

# A second hop, sealing what the list sent.
seal "$tmp/sealed.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
cp "$tmp/out" "$tmp/sealed2.eml"
case $(head -n 1 "$tmp/out") in
    "ARC-Seal: i=2; a=rsa-sha256; t="*"; cv=pass; d=lists.example.org;") r=0 ;;
    *) r=1 ;;
esac
tap_is "$rc|$err|$r" "0||0" "arc-seal, second hop: i=2, cv=pass"
auth "$tmp/sealed2.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
tap_is "$rc|$(verdicts | sed -n 4p)" "0|arc: pass" "arc-seal, second hop: the chain of two verifies"

# Changed after sealing: the chain fails; the next hop closes it with a
# set that says cv=fail (RFC 8617 5.1.2), and later hops add nothing.
sed 's/better than we feared/worse than we hoped/' "$tmp/sealed.eml" >"$tmp/sealed-changed.eml"
auth "$tmp/sealed-changed.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
tap_is "$rc|$(verdicts | sed -n 4p | cut -d' ' -f1-2)" "0|arc: fail" "authenticate: changed after sealing: arc fails"
seal "$tmp/sealed-changed.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
cp "$tmp/out" "$tmp/sealed-fail.eml"
case $(head -n 1 "$tmp/out") in
    "ARC-Seal: i=2; a=rsa-sha256; t="*"; cv=fail; d=lists.example.org;") r=0 ;;
    *) r=1 ;;
esac
tap_is "$rc|$err|$r" "0||0" "arc-seal: a failed chain gets a closing set, i=2, cv=fail"
case $(aar 2) in
    *"; arc=fail smtp.remote-ip=203.0.113.7;"*) r=0 ;;
    *) r=1 ;;
esac
tap_ok $r "arc-seal: its AAR records arc=fail"
seal "$tmp/sealed-fail.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
case $err in
    "arc-seal: not sealed: the ARC chain has ended"*) r=0 ;;
    *) r=1 ;;
esac
tap_is "$rc|$r|$(wc -l <"$tmp/err" | tr -d ' ')" "0|0|1" "arc-seal: after cv=fail, not sealed again (one line on stderr, exit 0)"
tap_is "$out" "$(cat "$tmp/sealed-fail.eml")" "arc-seal: after cv=fail, the message is written unchanged"
auth "$tmp/sealed-fail.eml" 203.0.113.7 mx.lists.example.org list-bounces@lists.example.org
tap_is "$rc|$(verdicts | sed -n 4p | cut -d' ' -f1-2)" "0|arc: fail" "authenticate: a chain closed with cv=fail: arc fails"

# ---------------------------------------------------------------- event-loop
# nsd serves example.zone (as the root zone: its names span several zones)
# on 127.0.0.1; event-loop must print what authenticate prints.
nsd_tests=6
nsd_skip() {
    i=0
    while [ $i -lt $nsd_tests ]; do
        tap_skip "$1"
        i=$((i + 1))
    done
}
nsd_up=no
if [ -z "$NSD" ] || [ ! -x "$NSD" ]; then
    nsd_skip "nsd not installed"
elif [ ! -x "$freeport" ] || [ ! -x "$MAILAUTH" ]; then
    nsd_skip "tests/freeport or examples/mailauth not built"
else
    nsd_dir="$tmp/nsd"
    mkdir "$nsd_dir"
    {
        printf '$ORIGIN .\n$TTL 3600\n'
        printf '. IN SOA ns.test. hostmaster.test. 1 7200 900 1209600 300\n'
        printf '. IN NS ns.test.\nns.test. IN A 127.0.0.1\n'
        cat "$ZONE"
    } >"$nsd_dir/root.zone"
    for attempt in 1 2 3; do
        port=$("$freeport") || break
        {
            printf 'server:\n'
            printf '    ip-address: 127.0.0.1@%s\n    port: %s\n    do-ip6: no\n' "$port" "$port"
            printf '    username: ""\n    chroot: ""\n    zonesdir: "%s"\n' "$nsd_dir"
            printf '    pidfile: "%s/nsd.pid"\n    xfrdfile: "%s/xfrd.state"\n' "$nsd_dir" "$nsd_dir"
            printf '    xfrdir: "%s"\n    zonelistfile: "%s/zone.list"\n' "$nsd_dir" "$nsd_dir"
            printf '    database: ""\n    logfile: "%s/nsd.log"\n    server-count: 1\n    verbosity: 1\n' "$nsd_dir"
            printf 'remote-control:\n    control-enable: no\n'
            printf 'zone:\n    name: "."\n    zonefile: "root.zone"\n'
        } >"$nsd_dir/nsd.conf"
        "$NSD" -d -c "$nsd_dir/nsd.conf" >"$nsd_dir/nsd.out" 2>&1 &
        nsd_pid=$!
        i=0
        while [ $i -lt 20 ] && ! grep -q "nsd started" "$nsd_dir/nsd.log" 2>/dev/null; do
            kill -0 "$nsd_pid" 2>/dev/null || break
            sleep 0.5 2>/dev/null || sleep 1
            i=$((i + 1))
        done
        if kill -0 "$nsd_pid" 2>/dev/null &&
            [ "$("$MAILAUTH" --nameserver "127.0.0.1:$port" dns a mail.example.com 2>/dev/null)" = 192.0.2.10 ]; then
            nsd_up=yes
            break
        fi
        kill "$nsd_pid" 2>/dev/null
        wait "$nsd_pid" 2>/dev/null
        nsd_pid=
    done
    if [ $nsd_up = no ]; then
        echo "# nsd did not start:"
        cat "$nsd_dir/nsd.out" "$nsd_dir/nsd.log" 2>/dev/null | sed 's/^/#   /'
        nsd_skip "nsd did not start"
    fi
fi

if [ $nsd_up = yes ]; then
    server="127.0.0.1:$port"
    run event-loop "$server" 192.0.2.10 mail.example.com alice@example.com mx.example.org <"$MSG"
    tap_is "$rc|$err|$out" "0||$direct_out" "event-loop through nsd: the same field and verdicts as authenticate"
    run event-loop "$server" 192.0.2.10 mail.example.com alice@example.com mx.example.org <"$tmp/changed.eml"
    tap_is "$rc|$err|$out" "0||$changed_out" "event-loop through nsd: changed body, the same as authenticate"
    run event-loop "$server" 192.0.2.99 mail.example.com alice@example.com mx.example.org <"$tmp/changed.eml"
    tap_is "$rc|$err|$out" "0||$other_ip_out" "event-loop through nsd: NXDOMAIN PTR and SPF fail, the same as authenticate"

    # The header, a pause, then the body: the key and policy questions go
    # out (and are answered) while the body has not come yet.
    sed '/^$/q' "$MSG" >"$tmp/header"
    sed '1,/^$/d' "$MSG" >"$tmp/body"
    # shellcheck disable=SC2086
    (cat "$tmp/header"; sleep 1; cat "$tmp/body") |
        ${MA_EXAMPLES_WRAPPER:-} "$EX/event-loop" -v "$server" 192.0.2.10 mail.example.com \
            alice@example.com mx.example.org >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    tap_is "$rc|$out" "0|$direct_out" "event-loop, message in two parts: the same output"
    trace=$(grep -n -e ' ask #[0-9]* TXT sel2026._domainkey.example.com$' -e ' ask #[0-9]* TXT _dmarc.example.com$' \
        -e ' message: end$' "$tmp/err" | sed 's/:.*event-loop: / /; s/ #[0-9]*//' | sort -n | cut -d' ' -f2- | tr '\n' '|')
    tap_is "$trace" "ask TXT sel2026._domainkey.example.com|ask TXT _dmarc.example.com|message: end|" \
        "event-loop -v: the DKIM key and DMARC policy are asked before the body is read"
    key_id=$(sed -n 's/.* ask #\([0-9]*\) TXT sel2026._domainkey.example.com$/\1/p' "$tmp/err")
    answered=$(sed -n -e "/ reply #$key_id ok, 1 record(s)\$/=" -e '/ message: end$/=' "$tmp/err" | tr '\n' ' ')
    case $answered in
        [0-9]*" "[0-9]*" ") first=${answered%% *}; second=${answered#* }; second=${second% } ;;
        *) first=1; second=0 ;;
    esac
    tap_ok "$([ "$first" -lt "$second" ] && [ "$(grep -c " reply #$key_id ok" "$tmp/err")" = 1 ] && echo 0 || echo 1)" \
        "event-loop -v: the key's reply is in before the body is read"
    [ "$first" -lt "$second" ] || sed 's/^/#   /' "$tmp/err"
fi

# A port where nothing answers: every question times out (2 tries of 2 s,
# all in parallel), every DNS-based check is temperror, in bounded time.
if [ -x "$freeport" ] && silent=$("$freeport"); then
    start=$(date +%s)
    # coreutils' timeout, when there is one, keeps a hang from stalling the suite.
    limit=
    if command -v timeout >/dev/null 2>&1; then
        limit="timeout 120"
    fi
    # shellcheck disable=SC2086
    $limit ${MA_EXAMPLES_WRAPPER:-} "$EX/event-loop" -v "127.0.0.1:$silent" 192.0.2.10 \
        mail.example.com alice@example.com mx.example.org <"$MSG" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    elapsed=$(($(date +%s) - start))
    out=$(cat "$tmp/out")
    tap_is "$rc|$(verdicts | cut -d' ' -f1-2)" "0|iprev: temperror
spf: temperror
dkim: temperror
arc: none
dmarc: temperror" "event-loop, nothing answers: exit 0, every DNS-based check temperror"
    tap_ok "$([ "$elapsed" -ge 3 ] && [ "$elapsed" -le 60 ] && echo 0 || echo 1)" \
        "event-loop, nothing answers: done in bounded time (${elapsed} s: two 2 s tries, questions in parallel)"
    retries=$(grep -c ' retry #' "$tmp/err")
    gaveup=$(grep -c ' no reply #[0-9]*: tempfail$' "$tmp/err")
    asked=$(grep -c ' ask #' "$tmp/err")
    tap_is "$retries|$gaveup" "$asked|$asked" "event-loop, nothing answers: each question retried once, then tempfail ($asked questions)"
    case $out in
        *"dkim=temperror"*"dmarc=temperror"*) r=0 ;;
        *) r=1 ;;
    esac
    tap_ok $r "event-loop, nothing answers: the field says temperror"
else
    for i in 1 2 3 4; do
        tap_skip "tests/freeport not built"
    done
fi

# -------------------------------------------------------------------- errors
run authenticate "$ZONE" 192.0.2.10 mail.example.com alice@example.com </dev/null
is_error "usage: authenticate " "authenticate: too few arguments: usage"
run authenticate "$tmp/nosuch.zone" 192.0.2.10 h a@example.com mx </dev/null
is_error "authenticate: $tmp/nosuch.zone: " "authenticate: missing zone file"
run authenticate "$MSG" 192.0.2.10 h a@example.com mx </dev/null
is_error "authenticate: $MSG: line " "authenticate: a file that is not a zone: the line at fault"
run authenticate "$ZONE" 192.0.2.300 h a@example.com mx </dev/null
is_error "authenticate: '192.0.2.300' is not an IP address" "authenticate: bad IP address"
run authenticate "$ZONE" 192.0.2.10 h a@example.com "mx;dkim=pass" </dev/null
is_error "authenticate: 'mx;dkim=pass' is not a valid authserv-id" "authenticate: an authserv-id that would inject a result"
printf 'not a header line\n\nbody\n' >"$tmp/bad.eml"
run authenticate "$ZONE" 192.0.2.10 h a@example.com mx <"$tmp/bad.eml"
is_error "authenticate: bad message: header line 1" "authenticate: a malformed header"

run sign example.com sel2026 </dev/null
is_error "usage: sign " "sign: too few arguments: usage"
run sign example.com sel2026 "$tmp/nosuch.pem" <"$tmp/unsigned.eml"
is_error "sign: cannot open $tmp/nosuch.pem" "sign: missing key file"
run sign example.com sel2026 "$ZONE" <"$tmp/unsigned.eml"
is_error "sign: $ZONE is not an RSA or Ed25519 private key" "sign: a file that is not a key"
run sign "bad domain" sel2026 "$AUTHOR_KEY" <"$tmp/unsigned.eml"
is_error "sign: 'bad domain' or 'sel2026' is not a valid domain or selector" "sign: bad domain"
grep -v '^From:' "$tmp/unsigned.eml" >"$tmp/nofrom.eml"
run sign example.com sel2026 "$AUTHOR_KEY" <"$tmp/nofrom.eml"
is_error "sign: cannot sign: the message has no From field" "sign: no From field"
run sign example.com sel2026 "$AUTHOR_KEY" <"$tmp/bad.eml"
is_error "sign: bad message: " "sign: a malformed header"

run arc-seal "$ZONE" lists.example.org arc2026 "$LIST_KEY" lists.example.org 192.0.2.10 h </dev/null
is_error "usage: arc-seal " "arc-seal: too few arguments: usage"
run arc-seal "$ZONE" lists.example.org arc2026 "$tmp/nosuch.pem" lists.example.org 192.0.2.10 h a@example.com <"$MSG"
is_error "arc-seal: cannot open $tmp/nosuch.pem" "arc-seal: missing key file"
run arc-seal "$ZONE" lists.example.org arc2026 "$LIST_KEY" "lists example" 192.0.2.10 h a@example.com <"$MSG"
is_error "arc-seal: 'lists example' is not a valid authserv-id" "arc-seal: bad authserv-id"
run arc-seal "$ZONE" lists.example.org arc2026 "$LIST_KEY" lists.example.org 192.0.2.10 h a@example.com <"$tmp/bad.eml"
is_error "arc-seal: bad message: " "arc-seal: a malformed header"

run event-loop 127.0.0.1 192.0.2.10 h a@example.com </dev/null
is_error "usage: event-loop " "event-loop: too few arguments: usage"
for s in 127.0.0.1:0 127.0.0.1:65536 localhost:53 "[::1" 300.0.0.1; do
    run event-loop "$s" 192.0.2.10 h a@example.com mx </dev/null
    is_error "event-loop: '$s' is not a usable server" "event-loop: bad server '$s'"
done
run event-loop 127.0.0.1:53 192.0.2.1.5 h a@example.com mx </dev/null
is_error "event-loop: '192.0.2.1.5' is not an IP address" "event-loop: bad IP address"
if [ -n "${silent:-}" ]; then
    # Questions are in flight when the header turns out malformed.
    run event-loop "127.0.0.1:$silent" 192.0.2.10 h a@example.com mx <"$tmp/bad.eml"
    is_error "event-loop: bad message: header line 1" "event-loop: a malformed header, with questions in flight"
else
    tap_skip "tests/freeport not built"
fi

tap_done
