#!/bin/sh
# TAP tests of `mailauth check` (the one-call authenticator) and `mailauth
# rdns` over the README's bundled data (examples/data: a message signed by
# example.com, the copy a mailing list rewrote and sealed with ARC, and the
# zone with their records), plus scenarios made here from them: a
# forward, a spoofed From, two From fields, no authentication at all, DNS
# failing half-way; and the commands' usage and I/O errors.
. "$srcdir/tap.sh"

MAILAUTH="$abs_top_builddir/examples/mailauth"
DATA="$abs_top_srcdir/examples/data"
ZONE="$DATA/example.zone"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-cli-auth.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

if [ ! -x "$MAILAUTH" ]; then
    echo "Bail out! $MAILAUTH not built"
    exit 1
fi

# run ARGS...: run mailauth; sets rc, out and err (MA_CLI_WRAPPER as in test-cli.sh).
run() {
    # shellcheck disable=SC2086
    ${MA_CLI_WRAPPER:-} "$MAILAUTH" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

# check_as IP HELO SENDER [OPTIONS...] FILE: `check` over the bundled zone
# (plus $tmp/extra.zone), authserv-id mx.example.org.
check_as() {
    ip=$1 helo=$2 sender=$3
    shift 3
    run --zone "$ZONE" --zone "$tmp/extra.zone" check --ip "$ip" --helo "$helo" --sender "$sender" \
        --authserv-id mx.example.org "$@"
}

# verdicts: the method=result words of the field in $out, in order.
verdicts() {
    printf '%s\n' "$out" | tr ';\t' '\n\n' | sed -n 's/^ *\(iprev\|spf\|dkim\|arc\|dmarc\)=\([a-z]*\).*/\1=\2/p' |
        tr '\n' ' ' | sed 's/ $//'
}

# is_error WANT_RC DESCRIPTION: that status, no output, one "mailauth: " line.
is_error() {
    n=$(printf '%s\n' "$err" | grep -c '^mailauth: ')
    tap_is "$rc|$out|$n" "$1||1" "$2"
}

: >"$tmp/extra.zone"
cat >"$tmp/extra.zone" <<'ZONE'
; what the scenarios below need beyond the bundled zone
fwd.example.net.             3600 IN A   198.51.100.5
5.100.51.198.in-addr.arpa.   3600 IN PTR fwd.example.net.
99.113.0.203.in-addr.arpa.   3600 IN PTR mail.example.com.
evil.example.                3600 IN TXT "v=spf1 ip4:203.0.113.99 -all"
plain.example.               3600 IN A   192.0.2.200
$TIMEOUT _dmarc.slow.example.
ZONE

# --- direct mail: the README's main job
check_as 192.0.2.10 mail.example.com alice@example.com "$DATA/message.eml"
tap_is "$rc|$err" "0|" "check: exit 0, nothing on stderr"
tap_is "$out" "Authentication-Results: mx.example.org;
	iprev=pass policy.iprev=192.0.2.10;
	spf=pass smtp.mailfrom=alice@example.com;
	dkim=pass header.d=example.com header.i=@example.com header.s=sel2026
	header.a=rsa-sha256 header.b=Re7AiUWpz1F7;
	arc=none;
	dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=reject" \
    "check: direct mail passes everything, the whole field"
longest=$(printf '%s\n' "$out" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
tap_ok "$([ "$longest" -le 78 ]; echo $?)" "check: no line over 78 columns ($longest)"

run --zone "$ZONE" check --ip 192.0.2.10 --helo mail.example.com --sender alice@example.com \
    --authserv-id mx.example.org <"$DATA/message.eml"
tap_is "$(verdicts)" "iprev=pass spf=pass dkim=pass arc=none dmarc=pass" "check: the message from standard input"

check_as 2001:db8::10 mail.example.com '<alice@example.com>' "$DATA/message.eml"
tap_is "$(verdicts)" "iprev=pass spf=pass dkim=pass arc=none dmarc=pass" \
    "check: IPv6 client (ip6.arpa PTR, ip6 mechanism), sender in angle brackets"
case $out in *'policy.iprev="2001:db8::10"'*) f=0 ;; *) f=1 ;; esac
tap_ok $f "check: an IPv6 policy.iprev is a quoted-string"

# --- the mailing list: DKIM broken by the rewrite, ARC from a trusted sealer
check_as 203.0.113.7 mx.lists.example.org team-bounces@lists.example.org \
    --trusted-sealer lists.example.org "$DATA/forwarded.eml"
tap_is "$(verdicts)" "iprev=pass spf=pass dkim=fail arc=pass dmarc=fail" \
    "check: mailing list: DKIM fails, ARC passes, DMARC fails"
case $out in *"dmarc=fail (p=reject dis=none override=trusted_forwarder)"*) f=0 ;; *) f=1 ;; esac
tap_ok $f "check: mailing list: the trusted sealer's override is recorded (dis=none)"
case $out in *"arc=pass header.oldest-pass=0 smtp.remote-ip=203.0.113.7"*) f=0 ;; *) f=1 ;; esac
tap_ok $f "check: mailing list: arc resinfo"
check_as 203.0.113.7 mx.lists.example.org team-bounces@lists.example.org "$DATA/forwarded.eml"
case $out in *"dmarc=fail (p=reject dis=reject)"*) f=0 ;; *) f=1 ;; esac
tap_ok $f "check: mailing list without --trusted-sealer: reject"

# --- a plain forward: SPF fails, the untouched signature carries DMARC
check_as 198.51.100.5 fwd.example.net alice@example.com "$DATA/message.eml"
tap_is "$(verdicts)" "iprev=pass spf=fail dkim=pass arc=none dmarc=pass" \
    "check: forwarded: SPF fails, DKIM passes, DMARC passes"

# --- a spoofed From from an attacker's host
sed -n '/^Return-Path:/,$p' "$DATA/message.eml" | sed 's/^From: .*/From: CEO <ceo@example.com>/' >"$tmp/spoof.eml"
check_as 203.0.113.99 mail.example.com attacker@evil.example "$tmp/spoof.eml"
tap_is "$(verdicts)" "iprev=fail spf=pass dkim=none arc=none dmarc=fail" \
    "check: spoofed From: iprev fails, SPF passes for evil.example only, DMARC fails"
case $out in *"dis=reject"*) f=0 ;; *) f=1 ;; esac
tap_ok $f "check: spoofed From: reject"

# --- two From fields: never a pass
sed 's/^From: .*/&\nFrom: Mallory <m@evil.example>/' "$DATA/message.eml" >"$tmp/two.eml"
check_as 192.0.2.10 mail.example.com alice@example.com "$tmp/two.eml"
case $(verdicts) in *"dmarc=fail"*) f=0 ;; *) f=1 ;; esac
tap_ok $f "check: two From fields: DMARC fails"
run --zone "$ZONE" --zone "$tmp/extra.zone" --json check --ip 192.0.2.10 --helo mail.example.com \
    --sender alice@example.com --authserv-id mx.example.org "$tmp/two.eml"
got=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["dmarc"]; print(d["result"], d["reason"], d["disposition"])' 2>&1)
tap_is "$got" "fail from-multiple reject" "check --json: two From fields: reason and disposition"

# --- no authentication at all
printf 'From: Bob <bob@plain.example>\nTo: x@example.org\nSubject: hi\n\nhello\n' >"$tmp/plain.eml"
check_as 192.0.2.200 plain.example bob@plain.example "$tmp/plain.eml"
tap_is "$(verdicts)" "iprev=permerror spf=none dkim=none arc=none dmarc=none" \
    "check: no authentication: iprev permerror (no PTR), the rest none"

# --- DNS failing half-way: the policy lookup times out
printf 'From: Sam <sam@slow.example>\nTo: x@example.org\nSubject: hi\n\nhello\n' >"$tmp/slow.eml"
check_as 192.0.2.10 mail.example.com sam@slow.example "$tmp/slow.eml"
tap_is "$rc|$(verdicts)" "0|iprev=pass spf=none dkim=none arc=none dmarc=temperror" \
    "check: the DMARC lookup times out: temperror, exit 0, the other verdicts stand"
run --zone "$ZONE" --zone "$tmp/extra.zone" --json check --ip 192.0.2.10 --helo mail.example.com \
    --sender sam@slow.example --authserv-id mx.example.org "$tmp/slow.eml"
got=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["dmarc"]; print(d["result"], "|", d["problem"])' 2>&1)
tap_is "$got" "temperror | the policy lookup for slow.example failed" "check --json: the problem says what failed"

# --- JSON shape
run --zone "$ZONE" --json check --ip 192.0.2.10 --helo mail.example.com --sender alice@example.com \
    --authserv-id mx.example.org "$DATA/message.eml"
got=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sorted(d), sorted(d["iprev"]), sorted(d["spf"]), sorted(d["arc"]), sorted(d["dmarc"]),
      len(d["dkim"]), d["iprev"]["names"], d["iprev"]["helo"]["matches_rdns"], d["dkim"][0]["result"],
      d["authres"].startswith("Authentication-Results: mx.example.org;\r\n\tiprev=pass"))' 2>&1)
tap_is "$got" "['arc', 'authres', 'authserv_id', 'dkim', 'dmarc', 'iprev', 'spf'] ['helo', 'names', 'problem', 'result'] ['domain', 'identity', 'mechanism', 'problem', 'result'] ['fail_instance', 'oldest_pass', 'problem', 'result', 'sealers', 'sets'] ['disposition', 'dkim_aligned', 'header_from', 'override', 'policy', 'policy_domain', 'problem', 'reason', 'result', 'spf_aligned'] 1 ['mail.example.com'] pass pass True" \
    "check --json: the object's keys and values"
tap_is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "1" "check --json: one line"

# --- rdns
run --zone "$ZONE" rdns --ip 192.0.2.10
tap_is "$rc|$out|$err" "0|pass mail.example.com|" "rdns: pass and the verified name"
run --zone "$ZONE" rdns --ip 192.0.2.10 --helo mail.example.com
tap_is "$out" "pass mail.example.com
helo-syntax pass
helo-resolves pass
helo-matches-rdns pass" "rdns --helo: one line per HELO check"
run --zone "$ZONE" --zone "$tmp/extra.zone" rdns --ip 203.0.113.99 --helo '[203.0.113.99]'
tap_is "$(printf '%s\n' "$out" | sed -n '1,4p')" "fail
helo-syntax pass
helo-resolves pass
helo-matches-rdns fail" "rdns: PTR not confirmed: fail; an address literal HELO resolves to itself"
case $out in *"problem: "*) f=0 ;; *) f=1 ;; esac
tap_ok $f "rdns: fail: a problem line says why"
run --zone "$ZONE" --zone "$tmp/extra.zone" rdns --ip 192.0.2.200 --helo 'bad name'
tap_is "$(printf '%s\n' "$out" | sed -n '1,3p')" "permerror
helo-syntax fail
helo-resolves fail" "rdns: no PTR: permerror; a HELO with a space fails its syntax"
run --zone "$ZONE" --json rdns --ip 192.0.2.10 --helo mail.example.com
got=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["iprev"], d["names"], d["helo"], d["authres"])' 2>&1)
tap_is "$got" "pass ['mail.example.com'] {'syntax': 'pass', 'resolves': 'pass', 'matches_rdns': 'pass'} iprev=pass policy.iprev=192.0.2.10" \
    "rdns --json: verdict, names, HELO checks, resinfo"

# --- usage and I/O errors
run --zone "$ZONE" check --helo a.example --sender a@a.example "$DATA/message.eml"
is_error 2 "check: no --ip: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --sender a@a.example "$DATA/message.eml"
is_error 2 "check: no --helo: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example "$DATA/message.eml"
is_error 2 "check: no --sender: exit 2"
run --zone "$ZONE" check --ip 192.0.2.300 --helo a.example --sender a@a.example "$DATA/message.eml"
is_error 2 "check: bad --ip: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example --authserv-id 'a;b' "$DATA/message.eml"
is_error 2 "check: an authserv-id that is not a token: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example --trusted-sealer 'no such' "$DATA/message.eml"
is_error 2 "check: a --trusted-sealer that is not a domain: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example --mode 1234 "$DATA/message.eml"
is_error 2 "check: bad --mode: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example a b
is_error 2 "check: two messages: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example --ip 192.0.2.2 "$DATA/message.eml"
is_error 2 "check: an option twice: exit 2"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example "$tmp/missing.eml"
is_error 1 "check: message file missing: exit 1"
printf 'no colon here\n\nbody\n' >"$tmp/bad.eml"
run --zone "$ZONE" check --ip 192.0.2.1 --helo a.example --sender a@a.example "$tmp/bad.eml"
is_error 1 "check: malformed header: exit 1"
run --zone "$ZONE" check --help
tap_is "$rc|$(printf '%s\n' "$out" | head -1)" "0|Usage: mailauth [OPTIONS] check --ip IP --helo NAME --sender ADDRESS" \
    "check --help: the usage, exit 0"
run --zone "$ZONE" rdns
is_error 2 "rdns: no --ip: exit 2"
run --zone "$ZONE" rdns --ip nope
is_error 2 "rdns: bad --ip: exit 2"
run --zone "$ZONE" rdns --ip 192.0.2.10 extra
is_error 2 "rdns: extra argument: exit 2"
run --zone "$ZONE" rdns --ip 192.0.2.10 --helo ''
is_error 2 "rdns: empty --helo: exit 2"
run --zone "$ZONE" rdns --help
tap_is "$rc|$(printf '%s\n' "$out" | head -1)" "0|Usage: mailauth [OPTIONS] rdns --ip IP [--helo NAME]" "rdns --help: exit 0"
run --help
case $out in *"  rdns --ip IP"*"  check --ip IP"*) f=0 ;; *) f=1 ;; esac
tap_ok $f "--help lists rdns and check"

tap_done
