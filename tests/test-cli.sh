#!/bin/sh
# TAP tests of the mailauth command-line tool (examples/mailauth) answering
# from examples/example.zone: every record type, the outcome words, CNAMEs,
# PTR by address, --json, escapes, exit statuses and messages; and the spf
# command over tests/data/cli/spf.zone: every result, exp= explanations,
# include, redirect, mx, void lookups, the HELO identity, the options, the
# JSON object and the exit statuses; and the DKIM commands: keys from
# dkim-keygen (published in a zone made from its output), messages signed by
# dkim-sign (CRLF and LF, every option, several signatures with --next) and
# checked by dkim-verify (pass, fail, none, policy, expiry, missing key,
# temperror, --json), with their usage and I/O errors; and the DMARC
# commands over a zone made on the fly: dmarc (pass, a forwarded message
# that fails with p=reject, sp= and np=, the null sender, unsigned extra
# fields, several From fields, no record, t=y, RFC 7489 pct= and the PSL,
# temperror, --trusted-sealer, --json) and dmarc-record (effective values,
# issues, refused records with their offsets, --json), with their usage
# and I/O errors.
. "$srcdir/tap.sh"

MAILAUTH="$abs_top_builddir/examples/mailauth"
ZONE="$abs_top_srcdir/examples/example.zone"
SPFZONE="$abs_top_srcdir/tests/data/cli/spf.zone"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-cli.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
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

tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

if [ ! -x "$MAILAUTH" ]; then
    echo "Bail out! $MAILAUTH not built"
    exit 1
fi

# run ARGS...: run mailauth; sets rc, out (stdout) and err (stderr).  Command
# substitution drops trailing newlines; nl counts the lines of stdout.
# MA_CLI_WRAPPER, when set, runs mailauth under a checker, e.g.
#   MA_CLI_WRAPPER="$PWD/../libtool --mode=execute valgrind -q --error-exitcode=99 --leak-check=full"
run() {
    # shellcheck disable=SC2086  # the wrapper is a command with arguments
    ${MA_CLI_WRAPPER:-} "$MAILAUTH" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
    nl=$(wc -l <"$tmp/out" | tr -d ' ')
}

# z ARGS...: run mailauth over the example zone.
z() {
    run --zone "$ZONE" "$@"
}

# is_result WANT_OUT DESCRIPTION: exit 0, this stdout, nothing on stderr.
is_result() {
    tap_is "$rc|$out|$err" "0|$1|" "$2"
}

# is_sorted_result WANT_OUT DESCRIPTION: as is_result, lines in any order.
is_sorted_result() {
    sorted=$(sort "$tmp/out")
    tap_is "$rc|$sorted|$err" "0|$1|" "$2"
}

# is_error WANT_RC DESCRIPTION: that exit status, no output, and exactly one
# line on stderr that starts with "mailauth: ".
is_error() {
    errlines=$(wc -l <"$tmp/err" | tr -d ' ')
    case $err in
        "mailauth: "*) prefix=yes ;;
        *) prefix=no ;;
    esac
    tap_is "$rc|$out|$errlines|$prefix" "$1||1|yes" "$2"
    [ "$rc|$errlines" = "$1|1" ] || echo "#   stderr: $err"
}

nl_='
'

# ------------------------------------------------------------- record types
z dns txt example.com
is_result "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx -all" "txt: apex SPF record"
tap_is "$nl" 1 "txt: one line, newline-terminated"

dkim="v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApWDSelcWhDj1rPOns2n8iDY6xoSuRVCp+qjMa1oonpz/etm4GSNKoMTF"
dkim="${dkim}dUXOPUttL0lgFkgqfrmgANJAM9dl1HraZbSBqTI8NJ4xCKarjmDHSvGB6dWvUxEmzaiAd402A3maemoYBCnTo758ZO5/usmrzhWZ"
dkim="${dkim}TOswE7Q3dXmhU35W5S71yZs3oSWVMLr85M7dVbTm3wjNPVgHjYukUdd1xtc3FVBUbRbu+n4YH2eQID6tOdulPI3p6qvBtaawvQXG"
dkim="${dkim}2MmnG/dFopmPUVkoXRgd/IRS5RVl/B1zvY5zjZgqHz5KtLLpz7wA6ThNFfqOu7/TWuFEQxU40h68eDIHC65NGQIDAQAB"
z dns txt sel._domainkey.example.com
is_result "$dkim" "txt: DKIM key's character-strings joined without separator"

z dns txt multi.example.com
is_sorted_result "first${nl_}second" "txt: two records, one per line"
tap_is "$nl" 2 "txt: two records are two lines"

z dns a example.com
is_result "192.0.2.10" "a: apex address"

z dns aaaa example.com
is_result "2001:db8::10" "aaaa: apex address"

z dns aaaa mx1.example.com
is_result "2001:db8::25" "aaaa: host address"

z dns mx example.com
is_sorted_result "10 mx1.example.com${nl_}20 mx2.example.com" "mx: preference and exchange, no trailing dot"

z dns ptr 10.2.0.192.in-addr.arpa
is_result "example.com" "ptr: by reverse name"

z dns TXT _dmarc.example.com
is_result "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com" "type is case-insensitive (TXT)"

z dns Aaaa mx1.example.com
is_result "2001:db8::25" "type is case-insensitive (Aaaa)"

z dns a MX1.Example.COM.
is_result "192.0.2.25" "name: case-insensitive, trailing dot accepted"

# ------------------------------------------------------------- PTR by address
z dns ptr 192.0.2.25
is_result "mx1.example.com" "ptr: IPv4 address is asked as its in-addr.arpa name"

z dns ptr 2001:db8::25
is_result "mx1.example.com" "ptr: IPv6 address is asked as its ip6.arpa name"

z dns ptr 2001:DB8:0:0::10
is_result "example.com" "ptr: IPv6 address in non-canonical text"

z dns ptr ::ffff:192.0.2.10
is_result "example.com" "ptr: IPv4-mapped IPv6 address uses the in-addr.arpa name"

z dns ptr 192.0.2.99
is_result "nxdomain" "ptr: address without a reverse name"

# ------------------------------------------------------------------- CNAMEs
z dns a www.example.com
is_result "192.0.2.10" "cname: followed to the apex"

z dns aaaa mail.example.com
is_result "2001:db8::25" "cname: followed to mx1"

z dns mx www.example.com
is_sorted_result "10 mx1.example.com${nl_}20 mx2.example.com" "cname: followed for MX"

z dns txt mail.example.com
is_result "nodata" "cname: target without the type is nodata"

# --------------------------------------------------------- negative outcomes
z dns txt nosuch.example.com
is_result "nxdomain" "nxdomain: exit 0, one word"

z dns a nosuch.nosuch.example.com
is_result "nxdomain" "nxdomain: deeper name"

z dns aaaa mx2.example.com
is_result "nodata" "nodata: name exists without the type"

z dns txt _domainkey.example.com
is_result "nodata" "nodata: empty non-terminal (only names below it)"

z dns txt slow.example.com
is_result "tempfail" "tempfail: \$TIMEOUT name"

z dns a broken.example.com
is_result "tempfail" "tempfail: \$SERVFAIL name"

z dns mx broken.example.com
is_result "tempfail" "tempfail: \$SERVFAIL applies to every type"

z dns txt example.org
is_result "nxdomain" "nxdomain: name outside every loaded zone"

# ------------------------------------------------------------------ escapes
z dns txt odd.example.com
is_result 'tab\009quote"backslash\092newline\010\195\169\000\127end' \
    "txt: odd bytes written as \\DDD, printable ASCII as is"
tap_is "$nl" 1 "txt: a newline inside a record stays on one line"

# --------------------------------------------------------------------- JSON
z --json dns txt _dmarc.example.com
is_result '{"name":"_dmarc.example.com","type":"TXT","status":"ok","ttl":300,"records":["v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"]}' \
    "json: txt with its own TTL"
tap_is "$nl" 1 "json: one line"

z --json dns txt odd.example.com
is_result '{"name":"odd.example.com","type":"TXT","status":"ok","ttl":3600,"records":["tab\u0009quote\"backslash\\newline\n\u00c3\u00a9\u0000\u007fend"]}' \
    "json: escapes (quote, backslash, newline, control, 8-bit, NUL)"
tap_is "$(LC_ALL=C tr -d '\n -~' <"$tmp/out" | wc -c | tr -d ' ')" 0 "json: output is printable ASCII"

z --json dns a mx2.example.com
is_result '{"name":"mx2.example.com","type":"A","status":"ok","ttl":600,"records":["192.0.2.26"]}' \
    "json: a"

z --json dns aaaa mx1.example.com
is_result '{"name":"mx1.example.com","type":"AAAA","status":"ok","ttl":3600,"records":["2001:db8::25"]}' \
    "json: aaaa"

z --json dns mx example.com
case $out in
    '{"name":"example.com","type":"MX","status":"ok","ttl":3600,"records":[{"preference":10,"exchange":"mx1.example.com"},{"preference":20,"exchange":"mx2.example.com"}]}' | \
    '{"name":"example.com","type":"MX","status":"ok","ttl":3600,"records":[{"preference":20,"exchange":"mx2.example.com"},{"preference":10,"exchange":"mx1.example.com"}]}')
        json_mx=ok ;;
    *) json_mx="$out" ;;
esac
tap_is "$rc|$json_mx|$err" "0|ok|" "json: mx records are objects"

z --json dns ptr 192.0.2.10
is_result '{"name":"10.2.0.192.in-addr.arpa","type":"PTR","status":"ok","ttl":3600,"records":["example.com"]}' \
    "json: ptr by address shows the reverse name"

z --json dns ptr 2001:db8::10
is_result '{"name":"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa","type":"PTR","status":"ok","ttl":3600,"records":["example.com"]}' \
    "json: ptr by IPv6 address"

z --json dns a WWW.Example.COM.
is_result '{"name":"www.example.com","type":"A","status":"ok","ttl":3600,"records":["192.0.2.10"]}' \
    "json: name shown normalized, CNAME followed"

z --json dns txt nosuch.example.com
case $out in
    '{"name":"nosuch.example.com","type":"TXT","status":"nxdomain","ttl":'[0-9]*',"records":[]}') json_neg=ok ;;
    *) json_neg="$out" ;;
esac
tap_is "$rc|$json_neg|$err" "0|ok|" "json: nxdomain has status and no records"

z --json dns aaaa mx2.example.com
case $out in
    '{"name":"mx2.example.com","type":"AAAA","status":"nodata","ttl":'[0-9]*',"records":[]}') json_neg=ok ;;
    *) json_neg="$out" ;;
esac
tap_is "$rc|$json_neg|$err" "0|ok|" "json: nodata"

z --json dns txt slow.example.com
case $out in
    '{"name":"slow.example.com","type":"TXT","status":"tempfail","ttl":'[0-9]*',"records":[]}') json_neg=ok ;;
    *) json_neg="$out" ;;
esac
tap_is "$rc|$json_neg|$err" "0|ok|" "json: tempfail"

if command -v python3 >/dev/null 2>&1; then
    z --json dns txt odd.example.com
    got=$(python3 -c 'import json,sys; r=json.load(sys.stdin)["records"][0]; sys.stdout.write(r.encode("latin-1").hex())' <"$tmp/out" 2>&1)
    tap_is "$got" "$(printf 'tab\tquote"backslash\\newline\n\303\251\000\177end' | od -An -v -tx1 | tr -d ' \n')" \
        "json: a JSON parser gets the record's exact bytes back"
else
    tap_skip "python3 not found"
fi

# ------------------------------------------------------------- several zones
printf '$ORIGIN example.net.\n$TTL 60\n@ IN TXT "second zone"\n' >"$tmp/net.zone"
run --zone "$ZONE" --zone "$tmp/net.zone" dns txt example.net
is_result "second zone" "--zone twice: the second file is loaded"
run --zone "$ZONE" --zone "$tmp/net.zone" dns a example.com
is_result "192.0.2.10" "--zone twice: the first file is still there"

# -------------------------------------------------------------------- --now
z --now 1700000000 dns a example.com
is_result "192.0.2.10" "--now with a valid time"
z --now 0 dns a example.com
is_result "192.0.2.10" "--now 0 is the epoch, accepted"

# ------------------------------------------------------------------ spf
# s ARGS...: run mailauth over the SPF zone.
s() {
    run --zone "$SPFZONE" "$@"
}

have_python=no
command -v python3 >/dev/null 2>&1 && have_python=yes

# is_spf WORD DESCRIPTION: exit 0, nothing on stderr, two lines: the result
# word, then a Received-SPF field for that result.
is_spf() {
    first=${out%%${nl_}*}
    second=${out#*${nl_}}
    case $second in
        "Received-SPF: $1 ("*) field=ok ;;
        *) field="$second" ;;
    esac
    tap_is "$rc|$nl|$first|$field|$err" "0|2|$1|ok|" "$2"
}

# is_json "KEY..." WANT DESCRIPTION: exit 0, nothing on stderr, and the
# values of the KEYs of the JSON object on stdout, joined with "|".
is_json() {
    if [ $have_python = yes ]; then
        got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print("|".join(str(o[k]) for k in sys.argv[2:]))' "$tmp/out" $1 2>&1)
        tap_is "$rc|$got|$err" "0|$2|" "$3"
    else
        tap_skip "python3 not found"
    fi
}

s spf --ip 192.0.2.1 --sender user@example.net
is_result "pass
Received-SPF: pass (unknown: domain of user@example.net designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=\"user@example.net\"; receiver=unknown; mechanism=\"ip4:192.0.2.0/24\"; identity=mailfrom;" \
    "spf pass: the result word, then the Received-SPF field"
tap_is "$nl" 2 "spf: two lines, newline-terminated"

s --json spf --ip 2001:db8:1::5 --sender user@example.net
is_json "result mechanism domain identity lookups" "pass|ip6:2001:db8:1::/48|example.net|mailfrom|0" \
    "spf pass: IPv6 client, ip6 mechanism"

s --json spf --ip 2001:db8:1:0::5 --sender user@Example.NET.
is_json "result domain" "pass|example.net" "spf: IPv6 in other text and a domain in other case with a root dot"

# fail with an exp= explanation: the macros see the client, the domain, the
# local-part, the time (--now) and the receiver (--receiver).
s --now 1700000000 --json spf --ip 198.51.100.7 --sender alice@fail.example.net --receiver mx.example.org
is_json "result explanation mechanism domain problem" \
    "fail|198.51.100.7 may not send for fail.example.net (user alice at 1700000000 by mx.example.org)|-all|fail.example.net|" \
    "spf fail: exp= explanation expanded with --now and --receiver"
s --now 1700000000 spf --ip 198.51.100.7 --sender alice@fail.example.net --receiver mx.example.org
is_spf fail "spf fail: plain output"
case $out in
    *"Received-SPF: fail (mx.example.org: "*"receiver=mx.example.org;"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$f" yes "spf: --receiver names the receiver in Received-SPF"
s --now 1600000000 --json spf --ip 198.51.100.7 --sender alice@fail.example.net
is_json "explanation" "198.51.100.7 may not send for fail.example.net (user alice at 1600000000 by unknown)" \
    "spf: %{t} is the --now time; %{r} defaults to unknown"

s --json spf --ip 198.51.100.7 --sender user@example.net
is_json "result explanation" "fail|" "spf fail: no exp=, no --default-exp: empty explanation"
s --json spf --ip 198.51.100.7 --sender user@example.net --default-exp 'not from %{i}, see %{d}'
is_json "result explanation" "fail|not from 198.51.100.7, see example.net" \
    "spf: --default-exp explains a fail without exp="
s --now 1700000000 --json spf --ip 198.51.100.7 --sender alice@fail.example.net --default-exp 'default text'
is_json "explanation" "198.51.100.7 may not send for fail.example.net (user alice at 1700000000 by unknown)" \
    "spf: the domain's exp= wins over --default-exp"

s spf --ip 198.51.100.7 --sender user@softfail.example.net
is_spf softfail "spf softfail"
s --json spf --ip 198.51.100.7 --sender user@softfail.example.net
is_json "result mechanism" "softfail|~all" "spf softfail: ~all decided"

s spf --ip 198.51.100.7 --sender user@neutral.example.net
is_spf neutral "spf neutral"
s --json spf --ip 198.51.100.7 --sender user@neutral.example.net
is_json "result mechanism" "neutral|?all" "spf neutral: ?all decided"

s spf --ip 192.0.2.1 --sender user@nospf.example.net
is_spf none "spf none: no SPF record among the TXT records"
s --json spf --ip 192.0.2.1 --sender user@nosuch.example.net
is_json "result mechanism domain lookups" "none||nosuch.example.net|0" "spf none: no such domain"
s --json spf --ip 192.0.2.1 --sender 'user@bad..example.net'
is_json "result identity" "none|mailfrom" "spf none: malformed sender domain, still exit 0"

s spf --ip 192.0.2.1 --sender user@permerror.example.net
is_spf permerror "spf permerror: unknown mechanism"
s --json spf --ip 192.0.2.1 --sender user@permerror.example.net
case $out in *'"problem":"'*frobnicate*) f=yes ;; *) f=no ;; esac
tap_is "$rc|$f" "0|yes" "spf permerror: the problem names the term at fault"
s --json spf --ip 192.0.2.1 --sender user@twice.example.net
case $out in *'"result":"permerror"'*'"problem":"'*twice.example.net*) f=yes ;; *) f=no ;; esac
tap_is "$rc|$f" "0|yes" "spf permerror: two SPF records"

s spf --ip 192.0.2.1 --sender user@temperror.example.net
is_spf temperror "spf temperror: the include target times out (\$TIMEOUT)"
s --json spf --ip 192.0.2.1 --sender user@temperror.example.net
case $out in *'"problem":"'*slow.example.net*) f=yes ;; *) f=no ;; esac
tap_is "$rc|$f" "0|yes" "spf temperror: the problem names the name that failed"
s spf --ip 192.0.2.1 --sender user@slow.example.net
is_spf temperror "spf temperror: the sender's own record times out"

s --json spf --ip 203.0.113.5 --sender user@include.example.net
is_json "result mechanism domain lookups" "pass|include:inc.example.net|include.example.net|1" \
    "spf include: a match in the included record passes"
s --json spf --ip 198.51.100.5 --sender user@include.example.net
is_json "result mechanism lookups" "fail|-all|1" "spf include: no match there, -all"

s --json spf --ip 2001:db8:2::1 --sender user@redirect.example.net
is_json "result mechanism domain lookups" "pass|ip6:2001:db8:2::/48|target.example.net|1" \
    "spf redirect: the target's record decides"
s --json spf --ip 192.0.2.5 --sender user@redirect.example.net
is_json "result domain lookups" "pass|redirect.example.net|0" "spf redirect: not followed when a mechanism matched"
s --json spf --ip 203.0.113.5 --sender user@redirect.example.net
is_json "result mechanism domain" "fail|-all|target.example.net" "spf redirect: the target's -all"

s --json spf --ip 198.51.100.25 --sender user@mx.example.net
is_json "result mechanism lookups" "pass|mx|1" "spf mx: an MX host's IPv4 address"
s --json spf --ip 2001:db8:25::2 --sender user@mx.example.net
is_json "result mechanism" "pass|mx" "spf mx: an MX host's IPv6 address"
s spf --ip 198.51.100.26 --sender user@mx.example.net
is_spf fail "spf mx: not an MX host"

s --json spf --ip 203.0.113.5 --sender user@void.example.net
is_json "result lookups void_lookups" "fail|3|2" "spf: two void lookups are allowed"
s --json spf --ip 203.0.113.5 --sender user@voids.example.net
is_json "result void_lookups" "permerror|3" "spf: a third void lookup is a permerror"

# The HELO identity: with a null or absent sender, or --helo-check.
s spf --ip 192.0.2.25 --helo mail.example.net
is_spf pass "spf helo: no --sender checks the HELO identity"
s --json spf --ip 192.0.2.25 --helo mail.example.net
is_json "result identity mechanism domain authres" "pass|helo|a|mail.example.net|spf=pass smtp.helo=mail.example.net" \
    "spf helo: identity helo, a mechanism, smtp.helo in the resinfo"
helo_out=$out
s --json spf --ip 192.0.2.25 --helo mail.example.net --sender ''
tap_is "$rc|$out" "0|$helo_out" "spf helo: --sender '' is the null reverse-path"
s --json spf --ip 192.0.2.25 --helo mail.example.net --sender '<>'
tap_is "$rc|$out" "0|$helo_out" "spf helo: --sender '<>' is the null reverse-path"
s --json spf --ip 192.0.2.26 --helo mail.example.net --sender user@example.net
is_json "result identity authres" "pass|mailfrom|spf=pass smtp.mailfrom=user@example.net" \
    "spf: with a sender, MAIL FROM is checked"
s --json spf --ip 192.0.2.26 --helo mail.example.net --sender user@example.net --helo-check
is_json "result identity domain" "fail|helo|mail.example.net" \
    "spf --helo-check: the HELO identity instead, with a sender"
s spf --ip 192.0.2.26 --helo mail.example.net --sender user@example.net --helo-check
case $out in *"identity=helo;"*) f=yes ;; *) f=no ;; esac
tap_is "$rc|$f" "0|yes" "spf --helo-check: Received-SPF says identity=helo"

# --local-policy and --best-guess.
s --json spf --ip 198.51.100.7 --sender user@softfail.example.net --local-policy '+ip4:198.51.100.0/24'
is_json "result" "pass" "spf --local-policy: tried before the final ~all"
s --json spf --ip 203.0.113.7 --sender user@softfail.example.net --local-policy '+ip4:198.51.100.0/24'
is_json "result mechanism" "softfail|~all" "spf --local-policy: no match, the record's result"
s --json spf --ip 192.0.2.77 --sender user@nospf.example.net --best-guess 'v=spf1 a -all'
is_json "result" "pass" "spf --best-guess: applies to a domain without SPF"
s --json spf --ip 192.0.2.78 --sender user@nospf.example.net --best-guess 'v=spf1 a -all'
is_json "result" "fail" "spf --best-guess: its -all"
s --json spf --ip 192.0.2.78 --sender user@example.net --best-guess 'v=spf1 +all'
is_json "result mechanism" "pass|ip4:192.0.2.0/24" "spf --best-guess: not used when the domain has SPF"

# JSON: the exact keys, in order, one line, escapes.
s --json spf --ip 192.0.2.1 --sender user@example.net
tap_is "$nl" 1 "spf --json: one line"
if [ $have_python = yes ]; then
    got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(",".join(k + ":" + type(v).__name__ for k, v in o.items()))' "$tmp/out" 2>&1)
    tap_is "$got" "result:str,explanation:str,mechanism:str,domain:str,identity:str,lookups:int,void_lookups:int,problem:str,received_spf:str,authres:str" \
        "spf --json: exactly these keys, in this order, with these types"
else
    tap_skip "python3 not found"
fi
s spf --ip 192.0.2.1 --sender user@example.net
plain_field=$(sed -n 2p "$tmp/out")
s --json spf --ip 192.0.2.1 --sender user@example.net
is_json "received_spf authres" "$plain_field|spf=pass smtp.mailfrom=user@example.net" \
    "spf --json: received_spf is the plain output's second line; authres"
s --json spf --ip 198.51.100.7 --sender user@quote.example.net
case $out in
    *'"explanation":"say \"no\" \\ to 198.51.100.7"'*) f=yes ;;
    *) f="$out" ;;
esac
tap_is "$rc|$f" "0|yes" "spf --json: quote and backslash escaped in the explanation"

# Exit statuses: 0 whatever the result, 2 for usage errors, 1 for I/O.
s spf --ip 192.0.2.1 --sender user@voids.example.net
tap_is "$rc" 0 "spf: exit 0 on permerror"
s spf
is_error 2 "spf: no --ip: exit 2"
s spf --sender user@example.net
is_error 2 "spf: --sender without --ip: exit 2"
s spf --ip 192.0.2.300 --sender user@example.net
is_error 2 "spf: bad IPv4 address: exit 2"
s spf --ip mail.example.net --sender user@example.net
is_error 2 "spf: a name is not an address: exit 2"
s spf --ip '' --sender user@example.net
is_error 2 "spf: empty --ip: exit 2"
s spf --sender user@example.net --ip
is_error 2 "spf: --ip without its argument: exit 2"
s spf --ip 192.0.2.1
is_error 2 "spf: neither sender nor HELO: exit 2"
s spf --ip 192.0.2.1 --sender ''
is_error 2 "spf: null sender without --helo: exit 2"
s spf --ip 192.0.2.1 --sender user@example.net --helo-check
is_error 2 "spf: --helo-check without --helo: exit 2"
s spf --ip 192.0.2.1 --sender user@example.net --local-policy 'frobnicate -all'
is_error 2 "spf: --local-policy that is not SPF terms: exit 2"
s --json spf --ip 192.0.2.1 --sender user@nospf.example.net --best-guess 'v=spf1 frobnicate'
is_json "result" "permerror" "spf: a bad --best-guess record is a permerror, exit 0"
s spf --ip 192.0.2.1 --sender user@example.net --bogus
is_error 2 "spf: unknown option: exit 2"
s spf --ip 192.0.2.1 --helo-check=yes --helo mail.example.net
is_error 2 "spf: argument to a flag option: exit 2"
s spf --ip 192.0.2.1 --sender user@example.net extra
is_error 2 "spf: extra argument: exit 2"
s spf --ip 192.0.2.1 --ip 192.0.2.2 --sender user@example.net
is_error 2 "spf: an option given twice: exit 2"
s spf --ip 192.0.2.1 --sender user@example.net --json
is_error 2 "spf: global options go before the command: exit 2"
run --zone "$tmp/missing.zone" spf --ip 192.0.2.1 --sender user@example.net
is_error 1 "spf: missing zone file: exit 1"
run --zone "$tmp/missing.zone" spf --ip bogus --sender user@example.net
is_error 2 "spf: usage errors are reported before I/O errors"
run spf --help
case $out in
    "Usage: mailauth [OPTIONS] spf --ip IP"*"--helo-check"*"--best-guess RECORD"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "spf --help: the command's usage on stdout, exit 0"

# ------------------------------------------------------------------- dkim
# Keys made by dkim-keygen, published in a zone made on the fly from its
# output; messages signed by dkim-sign and checked by dkim-verify over it.
dk="$tmp/dkim"
mkdir "$dk"
DKZONE="$dk/keys.zone"
T=1700000000

# dv ARGS...: mailauth over the key zone.
dv() {
    run --zone "$DKZONE" "$@"
}

# ------------------------------------------------------------ dkim-keygen
run dkim-keygen --algorithm rsa-sha256 --selector rsa --domain example.com --out "$dk/rsa.pem"
case $out in
    'rsa._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p='*'"') f=yes ;;
    *) f="$out" ;;
esac
tap_is "$rc|$nl|$f|$err" "0|1|yes|" "dkim-keygen --out: one zone line on stdout"
cp "$tmp/out" "$DKZONE"
tap_is "$(awk '{ n = split($0, s, "\""); for (i = 2; i <= n; i += 2) printf "%d ", length(s[i]) }' "$DKZONE")" \
    "255 155 " "dkim-keygen: an RSA-2048 record is split into strings of 255 bytes"
tap_is "$(stat -c %a "$dk/rsa.pem" 2>&1)|$(sed -n 1p "$dk/rsa.pem")|$(sed -n '$p' "$dk/rsa.pem")" \
    "600|-----BEGIN PRIVATE KEY-----|-----END PRIVATE KEY-----" "dkim-keygen --out: PKCS#8 PEM, mode 0600"

run dkim-keygen --algorithm ed25519-sha256 --selector ed --domain Example.COM.
sed -n '/^-----BEGIN PRIVATE KEY-----$/,/^-----END PRIVATE KEY-----$/p' "$tmp/out" >"$dk/ed.pem"
last=$(sed -n '$p' "$tmp/out")
sed -n '$p' "$tmp/out" >>"$DKZONE"
case $last in
    'ed._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p='????????????????????????????????????????????'"') f=yes ;;
    *) f="$last" ;;
esac
tap_is "$rc|$nl|$(wc -l <"$dk/ed.pem" | tr -d ' ')|$f|$err" "0|4|3|yes|" \
    "dkim-keygen ed25519 without --out: the PEM, then the zone line (name normalized)"

run dkim-keygen --algorithm rsa-sha256 --bits 1024 --selector small --domain example.com --out "$dk/small.pem"
case $out in
    'small._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p='*) f=$(echo "$out" | awk -F'"' '{ print NF }') ;;
    *) f="$out" ;;
esac
tap_is "$rc|$f" "0|3" "dkim-keygen --bits 1024: a record short enough for one string"
cat "$tmp/out" >>"$DKZONE"

run --json dkim-keygen --algorithm ed25519-sha256 --selector j --domain example.com
if [ $have_python = yes ]; then
    got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(",".join(o.keys()), o["name"], o["record"][:22], o["key_file"] == "", o["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n"))' "$tmp/out" 2>&1)
    tap_is "$rc|$nl|$got" "0|1|name,record,key_file,private_key j._domainkey.example.com v=DKIM1; k=ed25519; p= True True" \
        "dkim-keygen --json: one object (name, record, key_file, private_key)"
else
    tap_skip "python3 not found"
fi

echo "keep me" >"$dk/exists.pem"
run dkim-keygen --algorithm ed25519-sha256 --selector x --domain example.com --out "$dk/exists.pem"
is_error 1 "dkim-keygen --out: an existing file is an error (exit 1)"
tap_is "$(cat "$dk/exists.pem")" "keep me" "dkim-keygen --out: the existing file is left alone"
run dkim-keygen --algorithm ed25519-sha256 --selector x --domain example.com --out "$dk/no/such/dir.pem"
is_error 1 "dkim-keygen --out in a missing directory: exit 1"
run dkim-keygen --selector x --domain example.com
is_error 2 "dkim-keygen: no --algorithm: exit 2"
run dkim-keygen --algorithm rsa-sha1 --selector x --domain example.com
is_error 2 "dkim-keygen: --algorithm rsa-sha1: exit 2"
run dkim-keygen --algorithm ed25519-sha256 --bits 2048 --selector x --domain example.com
is_error 2 "dkim-keygen: --bits with ed25519: exit 2"
run dkim-keygen --algorithm rsa-sha256 --bits 512 --selector x --domain example.com
is_error 2 "dkim-keygen: --bits below 1024: exit 2"
run dkim-keygen --algorithm rsa-sha256 --bits 2048x --selector x --domain example.com
is_error 2 "dkim-keygen: --bits not a number: exit 2"
run dkim-keygen --algorithm rsa-sha256 --selector 'a b' --domain example.com
is_error 2 "dkim-keygen: a selector with a space: exit 2"
run dkim-keygen --algorithm rsa-sha256 --selector x --domain 'example..com'
is_error 2 "dkim-keygen: an invalid domain: exit 2"
run dkim-keygen --algorithm rsa-sha256 --selector x --domain '"; evil'
is_error 2 "dkim-keygen: a domain that would break the zone line: exit 2"
run dkim-keygen --algorithm rsa-sha256 --selector x --domain example.com extra
is_error 2 "dkim-keygen: extra argument: exit 2"
run dkim-keygen --algorithm rsa-sha256 --selector x --selector y --domain example.com
is_error 2 "dkim-keygen: option given twice: exit 2"
run dkim-keygen --help
case $out in
    "Usage: mailauth [OPTIONS] dkim-keygen --algorithm ALG"*"--bits N"*"--out FILE"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dkim-keygen --help: the command's usage, exit 0"

# -------------------------------------------------------------- dkim-sign
printf '%s\r\n' 'From: Alice <alice@example.com>' 'To: bob@example.org' 'Subject:  Hello   there' \
    'Date: Tue, 14 Nov 2023 22:13:20 +0000' 'X-Other: not signed' '' 'Hello  Bob, ' '' '' >"$dk/msg.eml"
tr -d '\r' <"$dk/msg.eml" >"$dk/msg-lf.eml"

run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml"
cp "$tmp/out" "$dk/signed.eml"
# The message, byte for byte, after the field.
msglen=$(wc -c <"$dk/msg.eml" | tr -d ' ')
tap_is "$rc|$err|$(tail -c "$msglen" "$dk/signed.eml" | cmp - "$dk/msg.eml" 2>&1 && echo same)" "0||same" \
    "dkim-sign: exit 0, the message follows byte for byte"
field=$(head -c $(($(wc -c <"$dk/signed.eml") - msglen)) "$dk/signed.eml" | tr -d '\r' | tr '\n' '|')
case $field in
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;|"*"s=rsa;"*"t=$T;"*"h=from:subject:date:to;"*"bh="*"b="*) f=yes ;;
    *) f="$field" ;;
esac
tap_is "$f" yes "dkim-sign: the field (rsa-sha256, relaxed/relaxed, t= from --now, default h=)"
tap_is "$(head -c $(($(wc -c <"$dk/signed.eml") - msglen)) "$dk/signed.eml" | grep -c "$(printf '\r')\$")" \
    "$(head -c $(($(wc -c <"$dk/signed.eml") - msglen)) "$dk/signed.eml" | wc -l | tr -d ' ')" \
    "dkim-sign: a CRLF message gets a field with CRLF line ends"

# ----------------------------------------------------------- dkim-verify
dv --now $T dkim-verify "$dk/signed.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: pass, one line"
run --zone "$DKZONE" --now $T dkim-verify <"$dk/signed.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: the message from standard input"
run --zone "$DKZONE" --now $T dkim-verify - <"$dk/signed.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify -: standard input"

dv --now $T --json dkim-verify "$dk/signed.eml"
if [ $have_python = yes ]; then
    got=$(python3 -c 'import json, sys
a = json.load(open(sys.argv[1]))
print(type(a).__name__, len(a), ",".join(k + ":" + type(v).__name__ for k, v in a[0].items()))' "$tmp/out" 2>&1)
    tap_is "$rc|$nl|$got" "0|1|list 1 result:str,reason:str,domain:str,selector:str,algorithm:str,identity:str,key_bits:int,unsigned_bytes:int,covers_from:bool,unsigned_extra:bool,problem:str" \
        "dkim-verify --json: an array of objects with exactly these keys and types"
    got=$(python3 -c 'import json, sys
print("|".join(str(v) for v in json.load(open(sys.argv[1]))[0].values()))' "$tmp/out" 2>&1)
    tap_is "$got" "pass|ok|example.com|rsa|rsa-sha256|@example.com|2048|0|True|False|" \
        "dkim-verify --json: the values of a pass"
else
    tap_skip "python3 not found"
    tap_skip "python3 not found"
fi

sed 's/Hello  Bob/Hello  Eve/' "$dk/signed.eml" >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
case $out in
    "fail d=example.com s=rsa a=rsa-sha256 (body-hash: "*")") f=yes ;;
    *) f="$out" ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dkim-verify: body changed: fail (body-hash: ...), exit 0"
sed 's/^Subject:  Hello/Subject:  Bye/' "$dk/signed.eml" >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
case $out in
    "fail d=example.com s=rsa a=rsa-sha256 (signature: "*")") f=yes ;;
    *) f="$out" ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-verify: signed header changed: fail (signature: ...)"
sed 's/^X-Other: not signed/X-Other: changed/' "$dk/signed.eml" >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: an unsigned header changed: still pass"
sed 's/Hello  Bob, /Hello Bob,/' "$dk/signed.eml" >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: whitespace changed: relaxed still passes"
dv --now $T --json dkim-verify "$dk/bad.eml"
case $out in
    '[{"result":"pass",'*'}]') f=yes ;;
    *) f="$out" ;;
esac
tap_is "$f" yes "dkim-verify --json: pass"

dv dkim-verify "$dk/msg.eml"
is_result "none" "dkim-verify: no signature: the word none"
dv --json dkim-verify "$dk/msg.eml"
is_result "[]" "dkim-verify --json: no signature: an empty array"

# The key is not published: permerror, with the name asked for.
run --now $T dkim-sign --domain example.com --selector nokey --key "$dk/rsa.pem" "$dk/msg.eml"
cp "$tmp/out" "$dk/nokey.eml"
dv --now $T dkim-verify "$dk/nokey.eml"
is_result "permerror d=example.com s=nokey a=rsa-sha256 (key-missing: no key record at nokey._domainkey.example.com)" \
    "dkim-verify: no key record: permerror (key-missing: ...)"
# A key lookup that times out: temperror.
{ cat "$DKZONE"; echo '$TIMEOUT slow._domainkey.example.com'; } >"$dk/slow.zone"
run --now $T dkim-sign --domain example.com --selector slow --key "$dk/rsa.pem" "$dk/msg.eml"
cp "$tmp/out" "$dk/slow.eml"
run --zone "$dk/slow.zone" --now $T --json dkim-verify "$dk/slow.eml"
case $out in
    '[{"result":"temperror","reason":"key-dns",'*) f=yes ;;
    *) f="$out" ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-verify: key lookup timing out: temperror (key-dns)"

# Bare LF: the field is written with LF too, and the result verifies.
run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/msg-lf.eml"
cp "$tmp/out" "$dk/signed-lf.eml"
tap_is "$rc|$(tr -cd '\r' <"$dk/signed-lf.eml" | wc -c | tr -d ' ')|$(tail -c "$(wc -c <"$dk/msg-lf.eml")" "$dk/signed-lf.eml" | cmp - "$dk/msg-lf.eml" 2>&1 && echo same)" \
    "0|0|same" "dkim-sign: an LF message gets a field with LF line ends, no CR anywhere"
dv --now $T dkim-verify "$dk/signed-lf.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: LF message signed with LF: pass"

# A message whose last line has no line end, with 8-bit bytes: kept as is.
printf 'From: a@example.com\r\nSubject: caf\303\251\r\n\r\nno newline \377 at the end' >"$dk/odd.eml"
run --now $T dkim-sign --domain example.com --selector ed --key "$dk/ed.pem" "$dk/odd.eml"
cp "$tmp/out" "$dk/signed-odd.eml"
tap_is "$rc|$(tail -c "$(wc -c <"$dk/odd.eml")" "$dk/signed-odd.eml" | cmp - "$dk/odd.eml" 2>&1 && echo same)" \
    "0|same" "dkim-sign: no final newline, 8-bit bytes: the message is copied exactly"
dv --now $T dkim-verify "$dk/signed-odd.eml"
is_result "pass d=example.com s=ed a=ed25519-sha256" "dkim-verify: ed25519 pass"

# Options.
run --now $T dkim-sign --domain example.com --selector ed --key "$dk/ed.pem" --algorithm ed25519-sha256 \
    --canon simple/simple --headers 'From : Subject' "$dk/msg.eml"
cp "$tmp/out" "$dk/opt.eml"
case $(tr -d '\r\n' <"$dk/opt.eml") in
    "DKIM-Signature: v=1; a=ed25519-sha256; c=simple/simple;"*"h=From : Subject;"*) f=yes ;;
    *) f=$(head -3 "$dk/opt.eml") ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-sign --algorithm --canon --headers: a=, c= and h= as given"
dv --now $T dkim-verify "$dk/opt.eml"
is_result "pass d=example.com s=ed a=ed25519-sha256" "dkim-verify: simple/simple, h= as given: pass"
sed 's/^To: bob/To: eve/' "$dk/opt.eml" >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
is_result "pass d=example.com s=ed a=ed25519-sha256" "dkim-verify: a field outside h= changed: pass"

run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" --canon relaxed "$dk/msg.eml"
case $(tr -d '\r\n' <"$tmp/out") in
    *"c=relaxed/simple;"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-sign --canon relaxed: the body is simple (as c=relaxed)"

run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" --headers from:subject --oversign "$dk/msg.eml"
cp "$tmp/out" "$dk/over.eml"
case $(tr -d '\r\n ' <"$dk/over.eml") in
    *"h=from:from:subject:subject;"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-sign --oversign: each listed field once more than present"
dv --now $T dkim-verify "$dk/over.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: oversigned: pass"
{ head -c $(($(wc -c <"$dk/over.eml") - msglen)) "$dk/over.eml"; printf 'Subject: added\r\n'; cat "$dk/msg.eml"; } >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
tap_is "$rc|${out%% *}" "0|fail" "dkim-verify: oversigned Subject, a second Subject added: fail"

run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" --body-length "$dk/msg.eml"
cp "$tmp/out" "$dk/len.eml"
case $(tr -d '\r\n' <"$dk/len.eml") in
    *" l=12;"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-sign --body-length: l= is the canonical body length"
dv --now $T dkim-verify "$dk/len.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-verify: l= covering the body: pass"
printf 'appended\r\n' >>"$dk/len.eml"
dv --now $T --json dkim-verify "$dk/len.eml"
if [ $have_python = yes ]; then
    got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))[0]
print(o["result"], o["reason"], o["unsigned_bytes"])' "$tmp/out" 2>&1)
    # The empty lines that ended the body are no longer at its end: they
    # count too (2 + 2 + 10 bytes).
    tap_is "$rc|$got" "0|policy body-length 14" "dkim-verify: text appended after l=: policy, unsigned_bytes"
else
    tap_skip "python3 not found"
fi

run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" --expire 60 \
    --identity alice@mail.example.com "$dk/msg.eml"
cp "$tmp/out" "$dk/exp.eml"
case $(tr -d '\r\n' <"$dk/exp.eml") in
    *"i=alice@mail.example.com;"*"t=$T; x=$((T + 60));"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-sign --expire --identity: x= is t= + SECONDS; i="
dv --now $((T + 30)) --json dkim-verify "$dk/exp.eml"
case $out in
    '[{"result":"pass",'*'"identity":"alice@mail.example.com",'*) f=yes ;;
    *) f="$out" ;;
esac
tap_is "$rc|$f" "0|yes" "dkim-verify: before x=: pass, the identity is i="
dv --now $((T + 120)) dkim-verify "$dk/exp.eml"
is_result "permerror d=example.com s=rsa a=rsa-sha256 (expired: expired at x=$((T + 60)))" \
    "dkim-verify: after x=: permerror (expired)"

# An Ed25519 seed as the key (base64 of the last 32 bytes of the PKCS#8).
if command -v base64 >/dev/null 2>&1; then
    sed '1d;$d' "$dk/ed.pem" | base64 -d | tail -c 32 | base64 >"$dk/ed.seed"
    run --now $T dkim-sign --domain example.com --selector ed --key "$dk/ed.seed" "$dk/msg.eml"
    cp "$tmp/out" "$dk/seed.eml"
    dv --now $T dkim-verify "$dk/seed.eml"
    is_result "pass d=example.com s=ed a=ed25519-sha256" "dkim-sign --key: an Ed25519 seed in base64"
else
    tap_skip "base64 not found"
fi

# The RSA key as DER and as PKCS#1 PEM (made by the openssl tool).
if command -v openssl >/dev/null 2>&1 &&
    openssl pkey -in "$dk/rsa.pem" -outform DER -out "$dk/rsa.der" 2>/dev/null &&
    openssl pkey -in "$dk/rsa.pem" -traditional -out "$dk/rsa1.pem" 2>/dev/null; then
    for k in rsa.der rsa1.pem; do
        run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/$k" "$dk/msg.eml"
        cp "$tmp/out" "$dk/k.eml"
        dv --now $T dkim-verify "$dk/k.eml"
        is_result "pass d=example.com s=rsa a=rsa-sha256" "dkim-sign --key: the RSA key as $k"
    done
else
    tap_skip "openssl not found"
    tap_skip "openssl not found"
fi

# Several signatures in one run: --next.
run --now $T dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" --canon simple/simple \
    --next --domain example.com --selector ed --key "$dk/ed.pem" --headers from:to \
    --next --selector small --key "$dk/small.pem" --domain example.com "$dk/msg.eml"
cp "$tmp/out" "$dk/multi.eml"
tap_is "$rc|$(grep -c '^DKIM-Signature:' "$dk/multi.eml")|$(tail -c "$msglen" "$dk/multi.eml" | cmp - "$dk/msg.eml" 2>&1 && echo same)" \
    "0|3|same" "dkim-sign --next: three fields, then the message"
dv --now $T dkim-verify "$dk/multi.eml"
is_result "pass d=example.com s=rsa a=rsa-sha256
pass d=example.com s=ed a=ed25519-sha256
pass d=example.com s=small a=rsa-sha256" "dkim-verify: three signatures, in the order given, all pass"
dv --now $T --json dkim-verify "$dk/multi.eml"
if [ $have_python = yes ]; then
    got=$(python3 -c 'import json, sys
print(" ".join("%s/%s/%d" % (o["selector"], o["result"], o["key_bits"]) for o in json.load(open(sys.argv[1]))))' "$tmp/out" 2>&1)
    tap_is "$got" "rsa/pass/2048 ed/pass/256 small/pass/1024" "dkim-verify --json: one object per signature, key sizes"
else
    tap_skip "python3 not found"
fi
sed 's/^To: bob/To: eve/' "$dk/multi.eml" >"$dk/bad.eml"
dv --now $T dkim-verify "$dk/bad.eml"
tap_is "$rc|$(cut -d' ' -f1,3 "$tmp/out" | tr '\n' ' ')" "0|fail s=rsa fail s=ed fail s=small " \
    "dkim-verify: To changed: every signature that signs To fails"

# dkim-sign usage and I/O errors.
ds() {
    run --now $T dkim-sign "$@"
}
ds --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: no --domain: exit 2"
ds --domain example.com --selector rsa "$dk/msg.eml"
is_error 2 "dkim-sign: no --key: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --next --domain example.com --key "$dk/ed.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: no --selector in the second signature: exit 2"
case $err in *"signature 2: "*) f=yes ;; *) f=no ;; esac
tap_is "$f" yes "dkim-sign: the message names the signature at fault"
ds --next --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: --next first: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --next "$dk/msg.eml"
is_error 2 "dkim-sign: --next last: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --selector ed "$dk/msg.eml"
is_error 2 "dkim-sign: an option twice in one signature: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --algorithm ed25519-sha256 "$dk/msg.eml"
is_error 2 "dkim-sign: --algorithm that is not the key's: exit 2"
ds --domain example.com --selector ed --key "$dk/ed.pem" --algorithm rsa-sha256 "$dk/msg.eml"
is_error 2 "dkim-sign: --algorithm rsa-sha256 with an Ed25519 key: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --algorithm rsa-sha1 "$dk/msg.eml"
is_error 2 "dkim-sign: --algorithm rsa-sha1: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --canon relaxed/loose "$dk/msg.eml"
is_error 2 "dkim-sign: bad --canon: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --canon /relaxed "$dk/msg.eml"
is_error 2 "dkim-sign: --canon without the header part: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --headers to:subject "$dk/msg.eml"
is_error 2 "dkim-sign: --headers without From: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --headers 'from::to' "$dk/msg.eml"
is_error 2 "dkim-sign: --headers with an empty name: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --identity alice@example.org "$dk/msg.eml"
is_error 2 "dkim-sign: --identity outside --domain: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --identity 'a b@example.com' "$dk/msg.eml"
is_error 2 "dkim-sign: --identity with a space: exit 2"
ds --domain example.com --selector 'bad sel' --key "$dk/rsa.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: an invalid --selector: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --next --domain example.com --selector rsa --key "$dk/rsa.pem" \
    --next --domain example.com --selector rsa --key "$dk/rsa.pem" --next --domain example.com --selector rsa --key "$dk/rsa.pem" \
    --next --domain example.com --selector rsa --key "$dk/rsa.pem" --next --domain example.com --selector rsa --key "$dk/rsa.pem" \
    --next --domain example.com --selector rsa --key "$dk/rsa.pem" --next --domain example.com --selector rsa --key "$dk/rsa.pem" \
    --next --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: nine signatures (more than 8): exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --expire 0 "$dk/msg.eml"
is_error 2 "dkim-sign: --expire 0: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --expire soon "$dk/msg.eml"
is_error 2 "dkim-sign: --expire not a number: exit 2"
ds --domain 'example..com' --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: an invalid --domain: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --bogus "$dk/msg.eml"
is_error 2 "dkim-sign: unknown option: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" --oversign=yes "$dk/msg.eml"
is_error 2 "dkim-sign: argument to a flag option: exit 2"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml" "$dk/msg.eml"
is_error 2 "dkim-sign: two messages: exit 2"
run --json dkim-sign --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/msg.eml"
is_error 2 "dkim-sign: --json does not apply: exit 2"
ds --domain example.com --selector rsa --key "$dk/missing.pem" "$dk/msg.eml"
is_error 1 "dkim-sign: key file missing: exit 1"
ds --domain example.com --selector rsa --key "$DKZONE" "$dk/msg.eml"
is_error 1 "dkim-sign: a key file that holds no key: exit 1"
: >"$dk/empty.pem"
ds --domain example.com --selector rsa --key "$dk/empty.pem" "$dk/msg.eml"
is_error 1 "dkim-sign: an empty key file: exit 1"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/missing.eml"
is_error 1 "dkim-sign: message file missing: exit 1"
printf 'From: a@example.com\r\nno colon here\r\n\r\nbody\r\n' >"$dk/malformed.eml"
ds --domain example.com --selector rsa --key "$dk/rsa.pem" "$dk/malformed.eml"
is_error 1 "dkim-sign: malformed header: exit 1"
case $err in *"malformed.eml: malformed message: "*"line 2"*) f=yes ;; *) f="$err" ;; esac
tap_is "$f" yes "dkim-sign: the message names the file and the line"
run dkim-sign --help
case $out in
    "Usage: mailauth [OPTIONS] dkim-sign --domain D --selector S --key FILE"*"--oversign"*"--next"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dkim-sign --help: the command's usage with --next, exit 0"

# dkim-verify usage and I/O errors.
dv dkim-verify --bogus "$dk/signed.eml"
is_error 2 "dkim-verify: unknown option: exit 2"
dv dkim-verify "$dk/signed.eml" "$dk/signed.eml"
is_error 2 "dkim-verify: two messages: exit 2"
dv dkim-verify "$dk/missing.eml"
is_error 1 "dkim-verify: message file missing: exit 1"
dv dkim-verify "$dk/malformed.eml"
is_error 1 "dkim-verify: malformed header: exit 1"
run --zone "$dk/missing.zone" dkim-verify "$dk/signed.eml"
is_error 1 "dkim-verify: missing zone file: exit 1"
run --zone "$dk/missing.zone" dkim-verify --bogus
is_error 2 "dkim-verify: usage errors are reported before I/O errors"
run dkim-verify --help
case $out in
    "Usage: mailauth [OPTIONS] dkim-verify [FILE]"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dkim-verify --help: the command's usage, exit 0"
run --help
case $out in
    *"  dkim-verify [FILE]"*"  dkim-sign --domain D"*"  dkim-keygen --algorithm ALG"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$f" yes "--help lists dkim-verify, dkim-sign and dkim-keygen"

# ------------------------------------------------------------------- dmarc
# A zone made on the fly: an Ed25519 key from dkim-keygen, SPF records, and
# DMARC records for every policy path; messages signed by dkim-sign.
dm="$tmp/dmarc"
mkdir "$dm"
DMZONE="$dm/dmarc.zone"
run dkim-keygen --algorithm ed25519-sha256 --selector dm --domain example.com --out "$dm/dm.pem"
cp "$tmp/out" "$DMZONE"
cat >>"$DMZONE" <<'EOF'
example.com. IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
mail.example.com. IN A 192.0.2.25
mail.example.com. IN TXT "v=spf1 a -all"
_dmarc.example.com. IN TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com"
sub.example.com. IN A 192.0.2.26
fwd.example.org. IN A 198.51.100.7
fwd.example.org. IN TXT "v=spf1 a -all"
example.net. IN TXT "v=spf1 -all"
_dmarc.example.net. IN TXT "v=DMARC1; p=reject; t=y; pct=0"
_dmarc.example.org. IN TXT "v=DMARC1; p=quarantine; pct=0"
a.b.example.org. IN A 192.0.2.27
$TIMEOUT _dmarc.example.edu
EOF

# dm ARGS...: mailauth dmarc over the DMARC zone at time T.
dm() {
    run --zone "$DMZONE" --now $T "$@"
}
# line N: line N of stdout.
line() {
    sed -n "${1}p" "$tmp/out"
}
# detail KEY: the value of the detail line KEY=.
detail() {
    sed -n "s/^$1=//p" "$tmp/out"
}

printf '%s\r\n' 'From: Alice <alice@example.com>' 'To: bob@example.org' 'Subject: Report' \
    'Date: Tue, 14 Nov 2023 22:13:20 +0000' '' 'Numbers attached.' >"$dm/msg.eml"
run --now $T dkim-sign --domain example.com --selector dm --key "$dm/dm.pem" "$dm/msg.eml"
cp "$tmp/out" "$dm/signed.eml"
tap_is "$rc|$err" "0|" "dmarc: the test message is signed"

# Sent by the domain's own server: SPF and DKIM pass and align.
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender bounces@example.com "$dm/signed.eml"
is_result "dmarc=pass policy=reject disposition=none header.from=example.com
spf=pass domain=example.com
dkim=pass d=example.com s=dm a=ed25519-sha256
spf.aligned=example.com
dkim.aligned=example.com
policy.domain=example.com
policy.tag=p
org.domain=example.com
override=
reason=ok
problem=aligned: spf example.com, dkim example.com
authres=dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=reject" \
    "dmarc: SPF and DKIM pass and align: pass, the verdict line then the details"
tap_is "$nl" 12 "dmarc: twelve newline-terminated lines"
run --zone "$DMZONE" --now $T dmarc --ip 192.0.2.1 --helo mail.example.com --sender bounces@example.com <"$dm/signed.eml"
tap_is "$rc|$(line 1)|$err" "0|dmarc=pass policy=reject disposition=none header.from=example.com|" \
    "dmarc: the message from standard input"

# Forwarded unchanged through another server: SPF fails, DKIM still aligns.
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender alice@example.com "$dm/signed.eml"
tap_is "$rc|$(line 1)|$(line 2)|$(detail spf.aligned)|$(detail dkim.aligned)|$err" \
    "0|dmarc=pass policy=reject disposition=none header.from=example.com|spf=fail domain=example.com||example.com|" \
    "dmarc: forwarded unchanged: SPF fails, the DKIM signature aligns: pass"

# Forwarded by a list that changed the body: nothing aligns, p=reject.
sed 's/Numbers attached\./Numbers attached.  -- list footer/' "$dm/signed.eml" >"$dm/modified.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender list@fwd.example.org "$dm/modified.eml"
case $(line 3) in
    "dkim=fail d=example.com s=dm a=ed25519-sha256 (body-hash: "*")") f=yes ;;
    *) f=$(line 3) ;;
esac
tap_is "$rc|$(line 1)|$(line 2)|$f|$(detail reason)|$err" \
    "0|dmarc=fail policy=reject disposition=reject header.from=example.com|spf=pass domain=fwd.example.org|yes|not-aligned|" \
    "dmarc: modified and forwarded: SPF passes for the forwarder only, DKIM fails: disposition reject"
tap_is "$(detail spf.aligned)|$(detail dkim.aligned)|$(detail authres)" \
    "||dmarc=fail (p=reject dis=reject) header.from=example.com policy.dmarc=reject" \
    "dmarc: nothing aligned; the Authentication-Results resinfo"

# A subdomain that exists takes sp=; one that does not exist takes np=.
printf '%s\r\n' 'From: news@sub.example.com' 'Subject: s' '' 'x' >"$dm/sub.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@fwd.example.org "$dm/sub.eml"
tap_is "$rc|$(line 1)|$(detail policy.tag)|$(detail policy.domain)|$(detail org.domain)" \
    "0|dmarc=fail policy=quarantine disposition=quarantine header.from=sub.example.com|sp|example.com|example.com" \
    "dmarc: subdomain: the organizational domain's sp=quarantine"
sed 's/sub\.example/nosuch.example/' "$dm/sub.eml" >"$dm/nx.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@fwd.example.org "$dm/nx.eml"
tap_is "$rc|$(line 1)|$(detail policy.tag)" \
    "0|dmarc=fail policy=reject disposition=reject header.from=nosuch.example.com|np" \
    "dmarc: a subdomain that does not exist: np=reject"

# Null sender: SPF checks postmaster@HELO; the HELO domain counts as the
# MAIL FROM domain (RFC 7208 2.4) and aligns (relaxed).
dm dmarc --ip 192.0.2.25 --helo mail.example.com --sender '' "$dm/msg.eml"
tap_is "$rc|$(line 1)|$(line 2)|$(line 3)|$(detail spf.aligned)|$err" \
    "0|dmarc=pass policy=reject disposition=none header.from=example.com|spf=pass domain=mail.example.com|dkim=none|mail.example.com|" \
    "dmarc: null sender: SPF of the HELO domain aligns: pass"
dm dmarc --ip 192.0.2.25 --helo mail.example.com --sender '<>' "$dm/msg.eml"
tap_is "$rc|$(line 2)|$(detail spf.aligned)" "0|spf=pass domain=mail.example.com|mail.example.com" \
    "dmarc: null sender written <>"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender '' "$dm/msg.eml"
tap_is "$rc|$(line 1)|$(line 2)|$(detail spf.aligned)" \
    "0|dmarc=fail policy=reject disposition=reject header.from=example.com|spf=pass domain=fwd.example.org|" \
    "dmarc: null sender from another domain's HELO: SPF passes but does not align"

# A second Subject above the signed one: the signature passes but leaves a
# signed field's instance unsigned, so DMARC does not count it.
{ printf 'Subject: Pay now\r\n'; cat "$dm/signed.eml"; } >"$dm/extra.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@fwd.example.org "$dm/extra.eml"
tap_is "$rc|$(line 1)|$(line 3)|$(detail dkim.aligned)|$(detail reason)" \
    "0|dmarc=fail policy=reject disposition=reject header.from=example.com|dkim=pass d=example.com s=dm a=ed25519-sha256 unsigned-extra||not-aligned" \
    "dmarc: a signature with an unsigned extra Subject does not align"

# Two From fields: no author domain.
{ printf 'From: mallory@example.net\r\n'; cat "$dm/signed.eml"; } >"$dm/twofrom.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@fwd.example.org "$dm/twofrom.eml"
tap_is "$rc|$(line 1)|$(detail policy.tag)|$(detail reason)" \
    "0|dmarc=fail policy=none disposition=reject header.from=||from-multiple" \
    "dmarc: two From fields: fail (from-multiple), no policy applies, rejected (RFC 7489 6.6.1)"

# No record: none; the policy word is none and the tag empty.
printf '%s\r\n' 'From: a@example.info' '' 'x' >"$dm/norec.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@fwd.example.org "$dm/norec.eml"
tap_is "$rc|$(line 1)|$(detail policy.tag)|$(detail policy.domain)|$(detail reason)|$(detail authres)" \
    "0|dmarc=none policy=none disposition=none header.from=example.info|||no-record|dmarc=none header.from=example.info" \
    "dmarc: no DMARC record: none, no policy tag"

# t=y (RFC 9989): one level below the policy.  The pct=0 beside it is not
# part of RFC 9989 and is ignored.
printf '%s\r\n' 'From: a@example.net' '' 'x' >"$dm/net.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@example.net "$dm/net.eml"
tap_is "$rc|$(line 1)|$(detail override)" \
    "0|dmarc=fail policy=reject disposition=quarantine header.from=example.net|testing" \
    "dmarc: t=y: reject becomes quarantine (override testing)"
# RFC 7489: t= is ignored and pct=0 samples every message out.
dm dmarc --mode 7489 --ip 198.51.100.7 --helo fwd.example.org --sender x@example.net "$dm/net.eml"
tap_is "$rc|$(line 1)|$(detail override)" \
    "0|dmarc=fail policy=reject disposition=quarantine header.from=example.net|sampled_out" \
    "dmarc --mode 7489: pct=0 with p=reject: quarantine (override sampled_out)"

# RFC 7489 discovery: the organizational domain by the PSL, libpsl's own
# list or one from --psl.
printf '%s\r\n' 'From: a@a.b.example.org' '' 'x' >"$dm/deep.eml"
dm dmarc --mode 7489 --ip 198.51.100.7 --helo fwd.example.org --sender x@example.net "$dm/deep.eml"
tap_is "$rc|$(line 1)|$(detail org.domain)|$(detail policy.domain)|$(detail override)" \
    "0|dmarc=fail policy=quarantine disposition=none header.from=a.b.example.org|example.org|example.org|sampled_out" \
    "dmarc --mode 7489: libpsl's list: the record of example.org; pct=0 quarantine: none"
printf '// a private list\norg\nb.example.org\n' >"$dm/psl.dat"
dm dmarc --mode 7489 --psl "$dm/psl.dat" --ip 198.51.100.7 --helo fwd.example.org --sender x@example.net "$dm/deep.eml"
tap_is "$rc|$(line 1)|$(detail org.domain)|$(detail reason)" \
    "0|dmarc=none policy=none disposition=none header.from=a.b.example.org|a.b.example.org|no-record" \
    "dmarc --psl: b.example.org a public suffix: a.b.example.org is its own organizational domain"

# A policy lookup that times out: temperror.
printf '%s\r\n' 'From: a@example.edu' '' 'x' >"$dm/edu.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@example.net "$dm/edu.eml"
tap_is "$rc|$(line 1)|$(detail reason)|$err" \
    "0|dmarc=temperror policy=none disposition=none header.from=example.edu|dns|" \
    "dmarc: the policy lookup times out: temperror (exit 0)"

# --trusted-sealer: a message without an ARC chain gets no override.
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender list@fwd.example.org "$dm/modified.eml"
want=$out
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender list@fwd.example.org \
    --trusted-sealer fwd.example.org --trusted-sealer Lists.Example.NET "$dm/modified.eml"
tap_is "$rc|$out|$err" "0|$want|" "dmarc --trusted-sealer: no ARC chain on the message, so no override"

# A bare-LF message signed with LF.
tr -d '\r' <"$dm/msg.eml" >"$dm/msg-lf.eml"
run --now $T dkim-sign --domain example.com --selector dm --key "$dm/dm.pem" "$dm/msg-lf.eml"
cp "$tmp/out" "$dm/signed-lf.eml"
dm dmarc --ip 198.51.100.7 --helo fwd.example.org --sender x@fwd.example.org "$dm/signed-lf.eml"
tap_is "$rc|$(line 1)|$(detail dkim.aligned)" \
    "0|dmarc=pass policy=reject disposition=none header.from=example.com|example.com" \
    "dmarc: an LF message: DKIM aligns"

# --json: one object, the same content.
dm --json dmarc --ip 198.51.100.7 --helo fwd.example.org --sender list@fwd.example.org "$dm/modified.eml"
tap_is "$nl" 1 "dmarc --json: one line"
if [ $have_python = yes ]; then
    got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(",".join(k + ":" + type(v).__name__ for k, v in o.items()))
print(",".join(k + ":" + type(v).__name__ for k, v in o["spf"].items()))
print(",".join(sorted(o["dkim"][0].keys())))' "$tmp/out" 2>&1 | tr '\n' ' ')
    tap_is "$rc|$got" "0|dmarc:str,policy:str,disposition:str,header_from:str,spf:dict,dkim:list,spf_aligned:str,dkim_aligned:str,policy_domain:str,policy_tag:str,org_domain:str,override:str,reason:str,problem:str,authres:str result:str,domain:str algorithm,covers_from,domain,identity,key_bits,problem,reason,result,selector,unsigned_bytes,unsigned_extra " \
        "dmarc --json: exactly these keys and types (dkim objects as dkim-verify --json)"
    got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print("|".join(str(o[k]) for k in ("dmarc", "policy", "disposition", "header_from", "spf_aligned",
      "dkim_aligned", "policy_domain", "policy_tag", "org_domain", "override", "reason")),
      o["spf"]["result"], o["spf"]["domain"], len(o["dkim"]), o["dkim"][0]["result"], o["dkim"][0]["reason"])' "$tmp/out" 2>&1)
    tap_is "$got" "fail|reject|reject|example.com|||example.com|p|example.com||not-aligned pass fwd.example.org 1 fail body-hash" \
        "dmarc --json: the values"
    dm --json dmarc --ip 192.0.2.25 --helo mail.example.com --sender '' "$dm/norec.eml"
    got=$(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(o["dmarc"], o["policy"], repr(o["policy_tag"]), o["dkim"], o["reason"])' "$tmp/out" 2>&1)
    tap_is "$rc|$got" "0|none none '' [] no-record" "dmarc --json: no record, no signature: an empty dkim array"
else
    tap_skip "python3 not found"
    tap_skip "python3 not found"
    tap_skip "python3 not found"
fi

# dmarc usage and I/O errors.
dm dmarc --helo mail.example.com --sender a@example.com "$dm/msg.eml"
is_error 2 "dmarc: no --ip: exit 2"
dm dmarc --ip 192.0.2.1 --sender a@example.com "$dm/msg.eml"
is_error 2 "dmarc: no --helo: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com "$dm/msg.eml"
is_error 2 "dmarc: no --sender (the null sender is --sender ''): exit 2"
dm dmarc --ip 192.0.2.1 --helo '' --sender a@example.com "$dm/msg.eml"
is_error 2 "dmarc: empty --helo: exit 2"
dm dmarc --ip 192.0.2.300 --helo mail.example.com --sender a@example.com "$dm/msg.eml"
is_error 2 "dmarc: bad --ip: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com --mode 7208 "$dm/msg.eml"
is_error 2 "dmarc: bad --mode: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com --psl "$dm/psl.dat" "$dm/msg.eml"
is_error 2 "dmarc: --psl without --mode 7489: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com --trusted-sealer 'bad..name' "$dm/msg.eml"
is_error 2 "dmarc: an invalid --trusted-sealer: exit 2"
dm dmarc --ip 192.0.2.1 --ip 192.0.2.2 --helo mail.example.com --sender a@example.com "$dm/msg.eml"
is_error 2 "dmarc: an option twice: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com --bogus "$dm/msg.eml"
is_error 2 "dmarc: unknown option: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com "$dm/msg.eml" "$dm/msg.eml"
is_error 2 "dmarc: two messages: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com --mode
is_error 2 "dmarc: --mode without its argument: exit 2"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com --mode 7489 --psl "$dm/missing.dat" "$dm/msg.eml"
is_error 1 "dmarc: --psl file missing: exit 1"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com "$dm/missing.eml"
is_error 1 "dmarc: message file missing: exit 1"
printf 'From: a@example.com\r\nno colon here\r\n\r\nbody\r\n' >"$dm/malformed.eml"
dm dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com "$dm/malformed.eml"
is_error 1 "dmarc: malformed header: exit 1"
run --zone "$dm/missing.zone" dmarc --ip 192.0.2.1 --helo mail.example.com --sender a@example.com "$dm/msg.eml"
is_error 1 "dmarc: missing zone file: exit 1"
run --zone "$dm/missing.zone" dmarc --ip 192.0.2.1 --helo mail.example.com "$dm/msg.eml"
is_error 2 "dmarc: usage errors are reported before I/O errors"
run dmarc --help
case $out in
    "Usage: mailauth [OPTIONS] dmarc --ip IP --helo NAME --sender ADDRESS"*"--trusted-sealer DOMAIN"*"ARC chain"*"dmarc=RESULT policy=POLICY disposition=DISPOSITION header.from=DOMAIN"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dmarc --help: the usage, the output format and the ARC override, exit 0"

# ------------------------------------------------------------ dmarc-record
run dmarc-record 'v=DMARC1; p=reject; rua=mailto:dmarc@example.com'
is_result "v=DMARC1; p=reject; sp=reject; np=reject; adkim=r; aspf=r; t=n; psd=u; fo=0; rua=mailto:dmarc@example.com" \
    "dmarc-record: the effective values of every RFC 9989 tag"
run dmarc-record --mode 7489 'v=DMARC1; p=quarantine; sp=none; aspf=s; pct=20'
is_result "v=DMARC1; p=quarantine; sp=none; adkim=r; aspf=s; pct=20; fo=0; rf=afrf; ri=86400" \
    "dmarc-record --mode 7489: the RFC 7489 tags (pct, rf, ri; no np, t, psd)"
run dmarc-record 'v=DMARC1; p=none; adkim=x; pct=50; fo=z'
is_result "v=DMARC1; p=none; sp=none; np=none; adkim=r; aspf=r; t=n; psd=u; fo=0
issue: adkim: invalid tag value ignored at offset 24
issue: pct: not part of the selected DMARC specification, ignored at offset 27
issue: fo: invalid tag value ignored at offset 38" \
    "dmarc-record: recovered issues, one line each, with tag and offset"
run dmarc-record 'v=DMARC1; p=bogus'
is_result "error: p: invalid p= and no valid rua= URI at offset 12" \
    "dmarc-record: a refused record: error with the tag and the offset on stdout, exit 0"
run dmarc-record 'v=DMARC1; p=bogus; rua=mailto:d@example.com'
tap_is "$rc|$(line 1)|$(line 2)|$(line 3)|$nl" \
    "0|v=DMARC1; p=none; sp=none; np=none; adkim=r; aspf=r; t=n; psd=u; fo=0; rua=mailto:d@example.com|issue: p: invalid tag value ignored at offset 12|issue: p: invalid or missing policy, treated as p=none at offset 12|3" \
    "dmarc-record: a bad p= with a valid rua=: read as p=none, and said so"
run dmarc-record 'v=spf1 -all'
is_result 'error: v: v= is not "DMARC1" at offset 2' "dmarc-record: not a DMARC record: error at the v= value"
run dmarc-record ''
case $out in "error: "*) f=yes ;; *) f="$out" ;; esac
tap_is "$rc|$f|$err" "0|yes|" "dmarc-record: the empty string: error, exit 0"
run dmarc-record "$(printf 'v=DMARC1; p=reject; rua=mailto:a@example.com,\033[31m')"
case $out in *"$(printf '\033')"*) f=raw ;; "error: rua: "*" at offset 45") f=yes ;; *) f="$out" ;; esac
tap_is "$rc|$nl|$f|$err" "0|1|yes|" "dmarc-record: a control byte in a value: error at its offset, not echoed raw"

run --json dmarc-record 'v=DMARC1; p=reject'
is_result '{"valid":true,"record":"v=DMARC1; p=reject; sp=reject; np=reject; adkim=r; aspf=r; t=n; psd=u; fo=0","problem":""}' \
    "dmarc-record --json: a valid record"
run --json dmarc-record 'v=DMARC1; p=bogus'
is_result '{"valid":false,"record":"","problem":"p: invalid p= and no valid rua= URI at offset 12"}' \
    "dmarc-record --json: a refused record"
run --json dmarc-record --mode 7489 'v=DMARC1; p=reject; np=reject; ri=x'
is_result '{"valid":true,"record":"v=DMARC1; p=reject; sp=reject; adkim=r; aspf=r; pct=100; fo=0; rf=afrf; ri=86400","problem":"np: not part of the selected DMARC specification, ignored at offset 20; ri: invalid tag value ignored at offset 34"}' \
    "dmarc-record --json: issues joined in problem"

run dmarc-record
is_error 2 "dmarc-record: no RECORD: exit 2"
run dmarc-record 'v=DMARC1; p=none' 'v=DMARC1; p=reject'
is_error 2 "dmarc-record: two RECORDs: exit 2"
run dmarc-record --mode 9999 'v=DMARC1; p=none'
is_error 2 "dmarc-record: bad --mode: exit 2"
run dmarc-record --mode 7489 --mode 9989 'v=DMARC1; p=none'
is_error 2 "dmarc-record: --mode twice: exit 2"
run dmarc-record --strict 'v=DMARC1; p=none'
is_error 2 "dmarc-record: unknown option: exit 2"
run dmarc-record -- '-v=DMARC1'
case $out in "error: "*) f=yes ;; *) f="$out" ;; esac
tap_is "$rc|$f|$err" "0|yes|" "dmarc-record: -- before a RECORD starting with '-'"
run dmarc-record --help
case $out in
    "Usage: mailauth [OPTIONS] dmarc-record [--mode 9989|7489] RECORD"*"error: TAG: WHY at offset N"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dmarc-record --help: the usage, exit 0"
run --help
case $out in
    *"  dmarc --ip IP --helo NAME --sender ADDRESS"*"  dmarc-record [--mode 9989|7489] RECORD"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$f" yes "--help lists dmarc and dmarc-record"
tap_is "$(grep -A1 '^  dmarc' "$tmp/out" | awk 'length > 79')" "" "--help: the dmarc lines fit in 79 columns"

# ------------------------------------------------------------ I/O errors: 1
run --zone "$tmp/missing.zone" dns txt example.com
is_error 1 "missing zone file: exit 1"
case $err in *missing.zone*) f=yes ;; *) f=no ;; esac
tap_is "$f" yes "missing zone file: the message names the file"

printf '$ORIGIN example.com.\n@ IN A 192.0.2.1\nbad IN A 999.0.2.1\n' >"$tmp/bad.zone"
run --zone "$tmp/bad.zone" dns a example.com
is_error 1 "malformed zone (bad address): exit 1"
case $err in *bad.zone*"line 3"*) f=yes ;; *) f=no ;; esac
tap_is "$f" yes "malformed zone: the message names the file and the line"

printf '$ORIGIN example.com.\n@ IN MX ten mx1.example.com.\n' >"$tmp/bad2.zone"
run --zone "$tmp/bad2.zone" dns mx example.com
is_error 1 "malformed zone (MX preference not a number): exit 1"

printf '$ORIGIN example.com.\n$TIMEOUT\n' >"$tmp/bad3.zone"
run --zone "$tmp/bad3.zone" dns txt example.com
is_error 1 "malformed zone (\$TIMEOUT without a name): exit 1"

run --zone "$ZONE" --zone "$tmp/bad.zone" dns a example.com
is_error 1 "malformed second zone: exit 1"

mkdir "$tmp/dir.zone"
run --zone "$tmp/dir.zone" dns a example.com
is_error 1 "zone path is a directory: exit 1"

if [ -w /dev/full ]; then
    "$MAILAUTH" --version >/dev/full 2>"$tmp/err"
    rc=$?
    tap_is "$rc" 1 "write error on stdout: exit 1"
else
    tap_skip "no /dev/full"
fi

# ---------------------------------------------------------- usage errors: 2
run --bogus dns txt example.com
is_error 2 "unknown long option: exit 2"

run -x dns txt example.com
is_error 2 "unknown short option: exit 2"

run --zone
is_error 2 "--zone without its argument: exit 2"

run --json=yes dns txt example.com
is_error 2 "argument to a flag option: exit 2"

z dns spf example.com
is_error 2 "unknown record type: exit 2"

z dns cname www.example.com
is_error 2 "unsupported record type (cname): exit 2"

run
is_error 2 "no command: exit 2"

z --json
is_error 2 "options without a command: exit 2"

z frobnicate example.com
is_error 2 "unknown command: exit 2"

z dns txt
is_error 2 "dns: missing NAME: exit 2"

z dns
is_error 2 "dns: missing TYPE and NAME: exit 2"

z dns txt example.com extra
is_error 2 "dns: extra argument: exit 2"

z dns --bogus txt example.com
is_error 2 "dns: unknown command option: exit 2"

z dns -- txt example.com
is_result "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx -all" "dns: -- ends the command's options"

z dns txt 'bad..name'
is_error 2 "dns: invalid domain name: exit 2"

run --zone "$ZONE" --nameserver 192.0.2.53 dns txt example.com
is_error 2 "--zone with --nameserver: exit 2"

z --now yesterday dns a example.com
is_error 2 "--now not a number: exit 2"

z --now -5 dns a example.com
is_error 2 "--now negative: exit 2"

z --now 99999999999999999999 dns a example.com
is_error 2 "--now out of range: exit 2"

run --zone "$tmp/missing.zone" dns bogus example.com
is_error 2 "usage errors are reported before I/O errors"

run --nameserver not-an-address dns txt example.com
is_error 2 "--nameserver with a bad address: exit 2"

# ------------------------------------------------------- --version and --help
version=$(sed -n 's/^#define MA_VERSION_STRING "\(.*\)"$/\1/p' "$abs_top_builddir/include/mailauth/version.h")
run --version
is_result "mailauth $version" "--version prints the library version"

run -V
is_result "mailauth $version" "-V is --version"

run --help
case $out in
    "Usage: mailauth "*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "--help: usage on stdout, exit 0"
case $out in
    *"--zone FILE"*"--nameserver IP"*"--now UNIX_TIME"*"--json"*"  dns TYPE NAME"*"  spf --ip IP"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$f" yes "--help lists the options and the dns and spf commands"

run -h
tap_is "$rc|${out%%${nl_}*}" "0|Usage: mailauth [OPTIONS] COMMAND [ARGS...]" "-h is --help"

run dns --help
case $out in
    *"dns TYPE NAME"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "dns --help: the command's usage, exit 0"

# ------------------------------------------------ --nameserver, through nsd
# Serve example.zone with nsd on 127.0.0.1 and ask the same questions through
# the ldns stub resolver: the two backends must give the same output.
queries="txt:example.com txt:sel._domainkey.example.com txt:multi.example.com
txt:odd.example.com a:example.com aaaa:mx1.example.com mx:example.com
a:www.example.com aaaa:mail.example.com ptr:192.0.2.25 ptr:2001:db8::25
txt:nosuch.example.com aaaa:mx2.example.com txt:mail.example.com"
json_queries="txt:_dmarc.example.com a:mx2.example.com ptr:2001:db8::10 txt:odd.example.com"
# SPF checks (IP,SENDER) of example.com's record: ip4, ip6, mx and -all.
spf_queries="192.0.2.7,user@example.com 2001:db8::99,user@example.com 192.0.2.25,user@example.com
198.51.100.1,user@example.com 198.51.100.1,user@nosuch.example.com"
nsd_tests=$(($(echo $queries | wc -w) + $(echo $json_queries | wc -w) + $(echo $spf_queries | wc -w)))

nsd_skip() {
    i=0
    while [ $i -lt $nsd_tests ]; do
        tap_skip "--nameserver: $1"
        i=$((i + 1))
    done
}

freeport="$abs_top_builddir/tests/freeport"
if [ -z "$NSD" ] || [ ! -x "$NSD" ]; then
    nsd_skip "nsd not found"
elif [ ! -x "$freeport" ]; then
    nsd_skip "tests/freeport not built"
else
    # One file per $ORIGIN section of the example zone, each with an SOA;
    # the $TIMEOUT and $SERVFAIL lines are for the static resolver only.
    nsd_dir="$tmp/nsd"
    mkdir "$nsd_dir"
    awk -v dir="$nsd_dir" '
        /^\$(TIMEOUT|SERVFAIL)/ { next }
        /^\$ORIGIN/ {
            origin = $2
            sub(/\.$/, "", origin)
            file = dir "/" origin ".zone"
            print origin >(dir "/zones")
            print "$TTL 3600" >file
            print >file
            if (origin != "example.com")
                print "@ IN SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300" >file
            next
        }
        file != "" { print >file }' "$ZONE"
    nsd_up=no
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
            while read -r zn; do
                printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$zn" "$zn"
            done <"$nsd_dir/zones"
        } >"$nsd_dir/nsd.conf"
        "$NSD" -d -c "$nsd_dir/nsd.conf" >"$nsd_dir/nsd.out" 2>&1 &
        nsd_pid=$!
        # Wait up to about 10 s for an answer (each failed try costs the
        # resolver's timeout, so poll for the log line first).
        i=0
        while [ $i -lt 20 ] && ! grep -q "nsd started" "$nsd_dir/nsd.log" 2>/dev/null; do
            kill -0 "$nsd_pid" 2>/dev/null || break
            sleep 0.5 2>/dev/null || sleep 1
            i=$((i + 1))
        done
        if kill -0 "$nsd_pid" 2>/dev/null \
            && [ "$("$MAILAUTH" --nameserver "127.0.0.1:$port" dns a example.com 2>/dev/null)" = 192.0.2.10 ]; then
            nsd_up=yes
            break
        fi
        kill "$nsd_pid" 2>/dev/null
        wait "$nsd_pid" 2>/dev/null
        nsd_pid=
    done
    if [ $nsd_up = yes ]; then
        for q in $queries; do
            type=${q%%:*}
            name=${q#*:}
            z dns "$type" "$name"
            want=$(sort "$tmp/out")
            run --nameserver "127.0.0.1:$port" dns "$type" "$name"
            is_sorted_result "$want" "--nameserver: dns $type $name, same as from the zone"
        done
        for q in $json_queries; do
            type=${q%%:*}
            name=${q#*:}
            z --json dns "$type" "$name"
            want=$out
            run --json --nameserver "127.0.0.1:$port" dns "$type" "$name"
            is_result "$want" "--nameserver: --json dns $type $name, same as from the zone"
        done
        for q in $spf_queries; do
            ip=${q%%,*}
            sender=${q#*,}
            z --json spf --ip "$ip" --sender "$sender"
            want=$out
            run --json --nameserver "127.0.0.1:$port" spf --ip "$ip" --sender "$sender"
            is_result "$want" "--nameserver: --json spf --ip $ip --sender $sender, same as from the zone"
        done
    else
        echo "# nsd did not start:"
        cat "$nsd_dir/nsd.out" "$nsd_dir/nsd.log" 2>/dev/null | sed 's/^/#   /'
        nsd_skip "nsd did not start"
    fi
fi

tap_done
