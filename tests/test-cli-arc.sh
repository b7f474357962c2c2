#!/bin/sh
# TAP tests of the mailauth ARC and Authentication-Results commands
# (examples/cli-arc.c) over a zone made on the fly from `mailauth
# dkim-keygen` output: arc-seal (rsa-sha256 and ed25519-sha256, a first
# set and a second one, the ARC-Authentication-Results taken from the
# message's Authentication-Results, CRLF and LF messages, --headers,
# --algorithm, --now, a failed chain left unchanged) checked by arc-verify
# (cv=none, pass and fail with the instance and the reason, oldest-pass,
# missing and timing-out keys, malformed sets, --json), and authres (every
# field as JSON, malformed ones with their offsets, --authserv-id); with
# every usage error (exit 2, reported before any I/O error) and I/O error
# (exit 1) of the three commands.
. "$srcdir/tap.sh"

MAILAUTH="$abs_top_builddir/examples/mailauth"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-cli-arc.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

if [ ! -x "$MAILAUTH" ]; then
    echo "Bail out! $MAILAUTH not built"
    exit 1
fi

have_python=no
command -v python3 >/dev/null 2>&1 && have_python=yes

# run ARGS...: run mailauth; sets rc, out (stdout) and err (stderr).
# MA_CLI_WRAPPER, when set, runs mailauth under a checker, e.g.
#   MA_CLI_WRAPPER="$PWD/../libtool --mode=execute valgrind -q --error-exitcode=99 --leak-check=full"
run() {
    # shellcheck disable=SC2086  # the wrapper is a command with arguments
    ${MA_CLI_WRAPPER:-} "$MAILAUTH" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

# is_result WANT_OUT DESCRIPTION: exit 0, this stdout, nothing on stderr.
is_result() {
    tap_is "$rc|$out|$err" "0|$1|" "$2"
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

# header FILE: the message's header fields, unfolded (a folding line end
# and the WSP after it become that WSP), CRs removed, one field a line.
header() {
    tr -d '\r' <"$1" | awk '/^$/ { exit } /^[ \t]/ { f = f $0; next } { if (n++) print f; f = $0 } END { if (n) print f }'
}

# field NAME FILE: the value of the first field NAME (case as written),
# unfolded, each run of WSP made one space (as relaxed canonicalisation
# sees it: where the library folds is its own business).
field() {
    header "$2" | sed -n "s/^$1: *//p" | sed -n 1p | tr -s ' \t' '  '
}

# json PYTHON-EXPRESSION: evaluate it with o, the JSON in $tmp/out.
json() {
    python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$tmp/out" "$1" 2>&1
}

nl_='
'
T=1700000000

# ------------------------------------------------------------------- keys
# An RSA key for example.org and an Ed25519 key for example.net, published
# in one zone.
"$MAILAUTH" dkim-keygen --algorithm rsa-sha256 --selector rsa --domain example.org \
    --out "$tmp/rsa.pem" >"$tmp/keys.zone" 2>"$tmp/err" &&
"$MAILAUTH" dkim-keygen --algorithm ed25519-sha256 --selector ed --domain example.net \
    --out "$tmp/ed.pem" >>"$tmp/keys.zone" 2>>"$tmp/err" || {
    echo "Bail out! dkim-keygen failed: $(cat "$tmp/err")"
    exit 1
}
ZONE="$tmp/keys.zone"

# z ARGS...: mailauth over the key zone.
z() {
    run --zone "$ZONE" "$@"
}

# A message as the first hop's MTA has it: its Authentication-Results
# (two fields for mx.example.org, one for another server), then the
# message itself.
printf '%s\r\n' \
    'Authentication-Results: mx.example.org;' \
    '  spf=pass smtp.mailfrom=example.com' \
    'Authentication-Results: other.example; dkim=fail header.d=example.com' \
    'Authentication-Results: MX.Example.ORG; dkim=pass (good) header.d=example.com;' \
    '	dmarc=pass header.from=example.com' \
    'From: Alice <alice@example.com>' \
    'To: bob@example.org' \
    'Subject: Hello' \
    'Date: Tue, 14 Nov 2023 22:13:20 +0000' \
    '' \
    'Hello Bob,' \
    '' \
    'the body.' >"$tmp/msg.eml"

# ------------------------------------------------------ arc-seal: hop one
run --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" \
    --authserv-id mx.example.org "$tmp/msg.eml"
cp "$tmp/out" "$tmp/s1.eml"
msglen=$(wc -c <"$tmp/msg.eml" | tr -d ' ')
tap_is "$rc|$err|$(tail -c "$msglen" "$tmp/s1.eml" | cmp - "$tmp/msg.eml" 2>&1 && echo same)" "0||same" \
    "arc-seal: exit 0, the message follows byte for byte"
tap_is "$(header "$tmp/s1.eml" | sed -n '1,3s/:.*//p' | tr '\n' ' ')" \
    "ARC-Seal ARC-Message-Signature ARC-Authentication-Results " \
    "arc-seal: three new fields on top, ARC-Seal first"
case $(field ARC-Seal "$tmp/s1.eml") in
    "i=1; a=rsa-sha256; t=$T; cv=none; d=example.org; s=rsa; b="?*) f=yes ;;
    *) f=$(field ARC-Seal "$tmp/s1.eml") ;;
esac
tap_is "$f" yes "arc-seal: ARC-Seal i=1, rsa-sha256, t= from --now, cv=none, d= and s="
case $(field ARC-Message-Signature "$tmp/s1.eml") in
    "i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=rsa; t=$T; h="*"from"*"; bh="?*"; b="?*) f=yes ;;
    *) f=$(field ARC-Message-Signature "$tmp/s1.eml") ;;
esac
tap_is "$f" yes "arc-seal: ARC-Message-Signature i=1, relaxed/relaxed, h= with From, bh=, b="
case $(field ARC-Message-Signature "$tmp/s1.eml") in
    *"h="*authentication-results*) f=no ;;
    *) f=yes ;;
esac
tap_is "$f" yes "arc-seal: the ARC-Message-Signature does not sign Authentication-Results"
tap_is "$(field ARC-Authentication-Results "$tmp/s1.eml")" \
    "i=1; mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=pass (good) header.d=example.com; dmarc=pass header.from=example.com" \
    "arc-seal: the ARC-Authentication-Results holds the authserv-id's results (both fields, any case, in order)"
newlen=$(($(wc -c <"$tmp/s1.eml") - msglen))
tap_is "$(head -c $newlen "$tmp/s1.eml" | grep -c "$(printf '\r')\$")" \
    "$(head -c $newlen "$tmp/s1.eml" | wc -l | tr -d ' ')" \
    "arc-seal: a CRLF message gets fields with CRLF line ends"

# ------------------------------------------------------- arc-verify: pass
z arc-verify "$tmp/s1.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=pass as=pass" "arc-verify: one set: cv=pass, one line"
run --zone "$ZONE" arc-verify <"$tmp/s1.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=pass as=pass" "arc-verify: the message from standard input"
run --zone "$ZONE" arc-verify - <"$tmp/s1.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=pass as=pass" "arc-verify -: standard input"

z --json arc-verify "$tmp/s1.eml"
if [ $have_python = yes ]; then
    got=$(json '",".join(k + ":" + type(v).__name__ for k, v in o.items())')
    tap_is "$rc|$got" "0|cv:str,oldest_pass:int,fail_instance:int,problem:str,sets:list" \
        "arc-verify --json: one object with exactly these keys and types"
    got=$(json '",".join(k + ":" + type(v).__name__ for k, v in o["sets"][0].items())')
    tap_is "$got" "instance:int,domain:str,selector:str,ams:str,as:str,reason:str" \
        "arc-verify --json: a set is an object with exactly these keys and types"
else
    tap_skip "python3 not found"
    tap_skip "python3 not found"
fi
is_result '{"cv":"pass","oldest_pass":0,"fail_instance":0,"problem":"","sets":[{"instance":1,"domain":"example.org","selector":"rsa","ams":"pass","as":"pass","reason":""}]}' \
    "arc-verify --json: the values of a pass, one line"

# ------------------------------------------------------ arc-seal: hop two
# The second hop adds its own Authentication-Results, then seals with
# Ed25519: i=2, cv=pass.
{ printf 'Authentication-Results: mx.example.net; arc=pass (i=1) smtp.remote-ip=192.0.2.1\r\n'; cat "$tmp/s1.eml"; } >"$tmp/h2.eml"
run --zone "$ZONE" --now $((T + 60)) arc-seal --domain example.net --selector ed --key "$tmp/ed.pem" \
    --authserv-id mx.example.net --algorithm ed25519-sha256 "$tmp/h2.eml"
cp "$tmp/out" "$tmp/s2.eml"
case $(field ARC-Seal "$tmp/s2.eml") in
    "i=2; a=ed25519-sha256; t=$((T + 60)); cv=pass; d=example.net; s=ed; b="?*) f=yes ;;
    *) f=$(field ARC-Seal "$tmp/s2.eml") ;;
esac
tap_is "$rc|$err|$f" "0||yes" "arc-seal again: ARC-Seal i=2, ed25519-sha256, cv=pass"
tap_is "$(field ARC-Authentication-Results "$tmp/s2.eml")" \
    "i=2; mx.example.net; arc=pass (i=1) smtp.remote-ip=192.0.2.1" \
    "arc-seal again: the ARC-Authentication-Results of i=2 holds this hop's results only"
tap_is "$(header "$tmp/s2.eml" | sed -n '1,3s/:.*//p' | tr '\n' ' ')$(tail -c "$(wc -c <"$tmp/h2.eml")" "$tmp/s2.eml" | cmp - "$tmp/h2.eml" 2>&1 && echo same)" \
    "ARC-Seal ARC-Message-Signature ARC-Authentication-Results same" \
    "arc-seal again: the new set on top of the message as it was"
z arc-verify "$tmp/s2.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=pass as=pass${nl_}i=2 d=example.net s=ed ams=pass as=pass" \
    "arc-verify: two sets (rsa-sha256, ed25519-sha256): cv=pass, one line per set, i=1 first"
z --json arc-verify "$tmp/s2.eml"
is_result '{"cv":"pass","oldest_pass":0,"fail_instance":0,"problem":"","sets":[{"instance":1,"domain":"example.org","selector":"rsa","ams":"pass","as":"pass","reason":""},{"instance":2,"domain":"example.net","selector":"ed","ams":"pass","as":"pass","reason":""}]}' \
    "arc-verify --json: two sets"

# Ed25519 for a first set too.
run --now $T arc-seal --domain example.net --selector ed --key "$tmp/ed.pem" --authserv-id mx.example.org \
    "$tmp/msg.eml"
cp "$tmp/out" "$tmp/e1.eml"
case $(field ARC-Seal "$tmp/e1.eml") in
    "i=1; a=ed25519-sha256; t=$T; cv=none; d=example.net; s=ed; b="?*) f=yes ;;
    *) f=$(field ARC-Seal "$tmp/e1.eml") ;;
esac
tap_is "$rc|$f" "0|yes" "arc-seal with an Ed25519 key: a first set signed ed25519-sha256"
z arc-verify "$tmp/e1.eml"
is_result "cv=pass${nl_}i=1 d=example.net s=ed ams=pass as=pass" "arc-verify: an ed25519-sha256 first set passes"

# ------------------------------------------------------- arc-verify: fail
sed 's/^the body\./the b0dy./' "$tmp/s2.eml" >"$tmp/bad.eml"
z arc-verify "$tmp/bad.eml"
is_result "cv=fail${nl_}i=1 d=example.org s=rsa ams=none as=none${nl_}i=2 d=example.net s=ed ams=fail as=none (ARC-Message-Signature: the body hash does not match bh=)" \
    "arc-verify: body changed: cv=fail, the newest AMS fails with the reason, older sets not checked"
z --json arc-verify "$tmp/bad.eml"
if [ $have_python = yes ]; then
    got=$(json '"%s %d %d %s|%s" % (o["cv"], o["fail_instance"], o["oldest_pass"], o["problem"], "|".join(s["reason"] for s in o["sets"]))')
    tap_is "$rc|$got" "0|fail 2 0 i=2: ARC-Message-Signature: the body hash does not match bh=||ARC-Message-Signature: the body hash does not match bh=" \
        "arc-verify --json: fail_instance, problem, and the reason on the failing set only"
else
    tap_skip "python3 not found"
fi

# The AAR of i=1 changed: the ARC-Seal of i=2 (which covers it) fails.
sed 's/^ARC-Authentication-Results: i=1; mx.example.org; spf=pass/ARC-Authentication-Results: i=1; mx.example.org; spf=fail/' \
    "$tmp/s2.eml" >"$tmp/bad.eml"
z arc-verify "$tmp/bad.eml"
is_result "cv=fail${nl_}i=1 d=example.org s=rsa ams=pass as=none${nl_}i=2 d=example.net s=ed ams=pass as=fail (ARC-Seal: the signature does not verify)" \
    "arc-verify: an older ARC-Authentication-Results changed: the newest ARC-Seal fails"

# The newest seal says cv=fail: the chain has failed, nothing is checked.
sed 's/cv=pass; d=example.net/cv=fail; d=example.net/' "$tmp/s2.eml" >"$tmp/cvfail.eml"
z arc-verify "$tmp/cvfail.eml"
is_result "cv=fail${nl_}i=1 d=example.org s=rsa ams=none as=none${nl_}i=2 d=example.net s=ed ams=none as=none (the newest ARC-Seal says cv=fail)" \
    "arc-verify: the newest ARC-Seal says cv=fail"

# A set without its AMS.
header "$tmp/s2.eml" | grep -v '^ARC-Message-Signature: i=1;' >"$tmp/bad.eml"
printf '\nthe body.\n' >>"$tmp/bad.eml"
z arc-verify "$tmp/bad.eml"
case $out in
    "cv=fail${nl_}i=1 d=example.org s=rsa ams=none as=none (the set has 1 AAR, 0 AMS and 1 AS fields"*")${nl_}i=2 "*) f=yes ;;
    *) f=$out ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "arc-verify: a set without its ARC-Message-Signature: cv=fail at that set"

# A failure that belongs to no set.
printf 'ARC-Authentication-Results: mx.example.org; spf=pass\r\nFrom: a@example.com\r\n\r\nhi\r\n' >"$tmp/bad.eml"
z arc-verify "$tmp/bad.eml"
is_result "cv=fail${nl_}problem: an ARC-Authentication-Results field without a valid instance" \
    "arc-verify: an ARC-Authentication-Results without i=: cv=fail and a problem line"
z --json arc-verify "$tmp/bad.eml"
is_result '{"cv":"fail","oldest_pass":0,"fail_instance":0,"problem":"an ARC-Authentication-Results field without a valid instance","sets":[]}' \
    "arc-verify --json: a failure without an instance"

# Keys: missing, and timing out (ARC treats both as permanent: RFC 8617 5.2.1).
grep -v '^rsa\._domainkey' "$ZONE" >"$tmp/nokey.zone"
run --zone "$tmp/nokey.zone" arc-verify "$tmp/s1.eml"
is_result "cv=fail${nl_}i=1 d=example.org s=rsa ams=permerror as=none (ARC-Message-Signature: no key at rsa._domainkey.example.org)" \
    "arc-verify: the key is not published: cv=fail, permerror"
{ cat "$tmp/nokey.zone"; echo '$TIMEOUT rsa._domainkey.example.org'; } >"$tmp/slow.zone"
run --zone "$tmp/slow.zone" arc-verify "$tmp/s1.eml"
is_result "cv=fail${nl_}i=1 d=example.org s=rsa ams=permerror as=none (ARC-Message-Signature: no key at rsa._domainkey.example.org)" \
    "arc-verify: the key lookup times out: cv=fail too (5.2.1)"

# No ARC set at all.
z arc-verify "$tmp/msg.eml"
is_result "cv=none" "arc-verify: no ARC set: the single line cv=none"
z --json arc-verify "$tmp/msg.eml"
is_result '{"cv":"none","oldest_pass":0,"fail_instance":0,"problem":"","sets":[]}' "arc-verify --json: cv=none"
# Without --zone or --nameserver a message without sets needs no resolver.
run arc-verify "$tmp/msg.eml"
is_result "cv=none" "arc-verify: no ARC set and no --zone: no DNS needed"

# ------------------------------------------------ arc-seal: a failed chain
# A chain that fails validation gets a last set with cv=fail (RFC 8617
# 5.1.2), after which the chain has ended: sealing again changes nothing.
sed 's/^the body\./the b0dy./' "$tmp/s2.eml" >"$tmp/bad.eml"
z --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id mx.example.org "$tmp/bad.eml"
cp "$tmp/out" "$tmp/failed.eml"
case $(field ARC-Seal "$tmp/failed.eml") in
    "i=3; a=rsa-sha256; t=$T; cv=fail; d=example.org; s=rsa; b="?*) f=yes ;;
    *) f=$(field ARC-Seal "$tmp/failed.eml") ;;
esac
tap_is "$rc|$err|$f|$(tail -c "$(wc -c <"$tmp/bad.eml")" "$tmp/failed.eml" | cmp - "$tmp/bad.eml" 2>&1 && echo same)" \
    "0||yes|same" "arc-seal: a chain that fails validation gets a set i=3 with cv=fail"
z arc-verify "$tmp/failed.eml"
is_result "cv=fail${nl_}i=1 d=example.org s=rsa ams=none as=none${nl_}i=2 d=example.net s=ed ams=none as=none${nl_}i=3 d=example.org s=rsa ams=none as=none (the newest ARC-Seal says cv=fail)" \
    "arc-verify: after the cv=fail set, the chain has failed"
z arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id mx.example.org "$tmp/failed.eml"
tap_is "$rc|$err|$(cmp "$tmp/out" "$tmp/failed.eml" 2>&1 && echo same)" "0||same" \
    "arc-seal: a chain whose newest seal says cv=fail is not extended: unchanged, exit 0"
z arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id mx.example.org "$tmp/cvfail.eml"
tap_is "$rc|$err|$(cmp "$tmp/out" "$tmp/cvfail.eml" 2>&1 && echo same)" "0||same" \
    "arc-seal: a chain whose newest seal was edited to cv=fail: unchanged too"

# Fifty sets, the most there may be (RFC 8617 4.2.1): they validate, and a
# fifty-first is refused.
cp "$tmp/msg.eml" "$tmp/long.eml"
k=0
while [ $k -lt 50 ]; do
    "$MAILAUTH" --zone "$ZONE" --now $T arc-seal --domain example.net --selector ed --key "$tmp/ed.pem" \
        --authserv-id mx.example.net "$tmp/long.eml" >"$tmp/long2.eml" 2>"$tmp/err" || break
    mv "$tmp/long2.eml" "$tmp/long.eml"
    k=$((k + 1))
done
z arc-verify "$tmp/long.eml"
tap_is "$k|$rc|$(echo "$out" | sed -n 1p)|$(echo "$out" | sed -n '$p')|$(echo "$out" | grep -c 'ams=pass as=pass$')" \
    "50|0|cv=pass|i=50 d=example.net s=ed ams=pass as=pass|50" "arc-verify: fifty sets validate"
z arc-seal --domain example.net --selector ed --key "$tmp/ed.pem" --authserv-id mx.example.net "$tmp/long.eml"
is_error 1 "arc-seal: a chain of fifty sets cannot take another: exit 1"

# -------------------------------------------- --headers and oldest-pass
# Hop two signs From and To only; Subject changed after it breaks the
# AMS of i=1 (which signs Subject) but not that of i=2: the chain still
# passes, oldest-pass 2.
run --zone "$ZONE" --now $T arc-seal --domain example.net --selector ed --key "$tmp/ed.pem" \
    --authserv-id mx.example.net --headers 'From : to' "$tmp/h2.eml"
cp "$tmp/out" "$tmp/hd.eml"
case $(field ARC-Message-Signature "$tmp/hd.eml") in
    *" h=From:to; "*|*" h=from:to; "*) f=yes ;;
    *) f=$(field ARC-Message-Signature "$tmp/hd.eml") ;;
esac
tap_is "$rc|$err|$f" "0||yes" "arc-seal --headers: the AMS signs the fields listed"
sed 's/^Subject: Hello/Subject: Hello again/' "$tmp/hd.eml" >"$tmp/bad.eml"
z arc-verify "$tmp/bad.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=fail as=pass${nl_}i=2 d=example.net s=ed ams=pass as=pass" \
    "arc-verify: an older AMS fails, the newest passes: cv=pass"
z --json arc-verify "$tmp/bad.eml"
case $out in
    '{"cv":"pass","oldest_pass":2,"fail_instance":0,"problem":"",'*) f=yes ;;
    *) f=$out ;;
esac
tap_is "$rc|$f" "0|yes" "arc-verify --json: oldest_pass 2"

# ----------------------------------------------- arc-seal: other messages
# Bare LF: the fields are written with LF too, and the result validates.
tr -d '\r' <"$tmp/msg.eml" >"$tmp/msg-lf.eml"
run --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" \
    --authserv-id mx.example.org "$tmp/msg-lf.eml"
cp "$tmp/out" "$tmp/s1-lf.eml"
tap_is "$rc|$(tr -cd '\r' <"$tmp/s1-lf.eml" | wc -c | tr -d ' ')|$(tail -c "$(wc -c <"$tmp/msg-lf.eml")" "$tmp/s1-lf.eml" | cmp - "$tmp/msg-lf.eml" 2>&1 && echo same)" \
    "0|0|same" "arc-seal: an LF message gets fields with LF line ends, no CR anywhere"
z arc-verify "$tmp/s1-lf.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=pass as=pass" "arc-verify: LF message sealed with LF: pass"

# No Authentication-Results for the authserv-id: the results are "none".
printf 'Authentication-Results: other.example; spf=pass smtp.mailfrom=example.com\r\nFrom: a@example.com\r\n\r\nhi\r\n' >"$tmp/noar.eml"
run --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" \
    --authserv-id mx.example.org "$tmp/noar.eml"
cp "$tmp/out" "$tmp/noar-s.eml"
tap_is "$rc|$(field ARC-Authentication-Results "$tmp/noar-s.eml")" "0|i=1; mx.example.org; none" \
    "arc-seal: no Authentication-Results for the authserv-id: the AAR says none"
z arc-verify "$tmp/noar-s.eml"
is_result "cv=pass${nl_}i=1 d=example.org s=rsa ams=pass as=pass" "arc-verify: a set whose AAR says none passes"

# A message from standard input, and "-".
run --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" \
    --authserv-id mx.example.org <"$tmp/msg.eml"
tap_is "$rc|$(cmp "$tmp/out" "$tmp/s1.eml" 2>&1 && echo same)" "0|same" \
    "arc-seal: the message from standard input, the same set (RSA signatures are deterministic)"
run --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" \
    --authserv-id mx.example.org - <"$tmp/msg.eml"
tap_is "$rc|$(cmp "$tmp/out" "$tmp/s1.eml" 2>&1 && echo same)" "0|same" "arc-seal -: standard input"
run --now $T arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --algorithm rsa-sha256 \
    --authserv-id mx.example.org "$tmp/msg.eml"
tap_is "$rc|$(cmp "$tmp/out" "$tmp/s1.eml" 2>&1 && echo same)" "0|same" \
    "arc-seal --algorithm rsa-sha256 with an RSA key: accepted"
run --now $((T + 1)) arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" \
    --authserv-id mx.example.org "$tmp/msg.eml"
case $(field ARC-Seal "$tmp/out")$(field ARC-Message-Signature "$tmp/out") in
    *"t=$((T + 1));"*"t=$((T + 1));"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f" "0|yes" "arc-seal: --now is t= of both signatures"

# ---------------------------------------------------------------- authres
printf '%s\r\n' \
    'Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com;' \
    '	dkim=pass (good) header.d=example.com header.b=Ab/+x reason="all fine"' \
    'Received: from x by y; Tue, 14 Nov 2023 22:13:20 +0000' \
    'authentication-results: MX.Example.ORG 1; none' \
    'Authentication-Results: spf=pass smtp.mailfrom=example.com' \
    'Authentication-Results: "quoted id"; dkim/2=fail header.i=@example.com' \
    'Authentication-Results: other.example; dmarc=pass action=none' \
    'Authentication-Results: mx.example.org; spf=' \
    'Authentication-Results: mx.example.org 2; spf=pass' \
    'Authentication-Results: mx.example.org; iprev=pass policy.iprev="caf'"$(printf '\303\251')"'"' \
    'From: a@example.com' \
    '' \
    'body' >"$tmp/ar.eml"
run authres "$tmp/ar.eml"
tap_is "$rc|$err|$(wc -l <"$tmp/out" | tr -d ' ')" "0||1" "authres: exit 0, one line"
if [ $have_python = yes ]; then
    got=$(json '" ".join(str(f["field"]) + ("!" if "error" in f else "") for f in o)')
    tap_is "$got" "0 2 3! 4 5 6! 7! 8" \
        "authres: one object per Authentication-Results field, message order, header positions, errors marked"
    got=$(json '",".join(k + ":" + type(v).__name__ for k, v in o[0].items())')
    tap_is "$got" "field:int,authserv_id:str,version:int,results:list" "authres: a field's keys and types"
    got=$(json '",".join(k + ":" + type(v).__name__ for k, v in o[0]["results"][1].items())')
    tap_is "$got" "method:str,version:int,result:str,reason:str,properties:list" "authres: a result's keys and types"
    got=$(json '",".join(k + ":" + type(v).__name__ for k, v in o[2].items())')
    tap_is "$got" "field:int,error:str,offset:int" "authres: a malformed field's keys and types"
    got=$(json 'json.dumps(o[0], separators=(",", ":"))')
    tap_is "$got" '{"field":0,"authserv_id":"mx.example.org","version":1,"results":[{"method":"spf","version":1,"result":"pass","reason":"","properties":[{"ptype":"smtp","property":"mailfrom","value":"example.com"}]},{"method":"dkim","version":1,"result":"pass","reason":"all fine","properties":[{"ptype":"header","property":"d","value":"example.com"},{"ptype":"header","property":"b","value":"Ab/+x"}]}]}' \
        "authres: the values of a field with two results (folded, a comment, reason=)"
    got=$(json '"%s|%d|%s" % (o[1]["authserv_id"], o[1]["version"], o[1]["results"])')
    tap_is "$got" "MX.Example.ORG|1|[]" "authres: a field that says none: no results, the id as written"
    got=$(json '"%s|%s" % (o[2]["error"], o[2]["offset"])')
    tap_is "$got" "missing authserv-id (field starts with a result)|1" \
        "authres: a field without authserv-id: the error and its offset"
    got=$(json '"%s|%d|%s" % (o[3]["authserv_id"], o[3]["results"][0]["version"], o[3]["results"][0]["properties"][0]["value"])')
    tap_is "$got" "quoted id|2|@example.com" "authres: a quoted authserv-id decoded, a method version"
    got=$(json 'o[4]["results"][0]["properties"]')
    tap_is "$got" "[{'ptype': '', 'property': 'action', 'value': 'none'}]" \
        "authres: a property without ptype (Microsoft's action=none) has ptype \"\""
    got=$(json '"%s|%s;%s|%s" % (o[5]["error"], o[5]["offset"], o[6]["error"], o[6]["offset"])')
    tap_is "$got" "missing result|21;unknown Authentication-Results version|16" \
        "authres: a method without a result and a version 2 field: errors with offsets"
else
    k=0
    while [ $k -lt 10 ]; do
        tap_skip "python3 not found"
        k=$((k + 1))
    done
fi
tap_is "$(LC_ALL=C tr -d '\n -~' <"$tmp/out" | wc -c | tr -d ' ')" 0 "authres: output is printable ASCII"
case $out in
    *'"value":"caf\u00c3\u00a9"'*) f=yes ;;
    *) f=$out ;;
esac
tap_is "$f" yes "authres: 8-bit bytes in a value written as \\u00XX"

run authres --authserv-id MX.EXAMPLE.org "$tmp/ar.eml"
if [ $have_python = yes ]; then
    got=$(json '" ".join(str(f["field"]) for f in o)')
    tap_is "$rc|$got" "0|0 2 6 7 8" \
        "authres --authserv-id: that id's fields (any case), malformed ones whose id can be read"
else
    tap_skip "python3 not found"
fi
run authres --authserv-id '"quoted id"' "$tmp/ar.eml"
is_result "[]" "authres --authserv-id: the id is compared decoded (no match with quotes)"
run authres --authserv-id 'quoted id' "$tmp/ar.eml"
case $out in
    '[{"field":4,"authserv_id":"quoted id",'*) f=yes ;;
    *) f=$out ;;
esac
tap_is "$rc|$f" "0|yes" "authres --authserv-id: a quoted-string id"
run authres --authserv-id nosuch.example "$tmp/ar.eml"
is_result "[]" "authres --authserv-id: no field of that id: an empty array"
run authres <"$tmp/msg.eml"
case $out in
    '[{"field":0,"authserv_id":"mx.example.org",'*'{"field":1,"authserv_id":"other.example",'*'{"field":2,"authserv_id":"MX.Example.ORG",'*']') f=yes ;;
    *) f=$out ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "authres: the message from standard input"
run authres "$tmp/noar-s.eml"
case $out in
    '[{"field":3,"authserv_id":"other.example",'*) f=yes ;;
    *) f=$out ;;
esac
tap_is "$rc|$f" "0|yes" "authres: ARC-Authentication-Results fields are not Authentication-Results"
printf 'From: a@example.com\r\n\r\nhi\r\n' >"$tmp/plain.eml"
run authres "$tmp/plain.eml"
is_result "[]" "authres: no Authentication-Results: an empty array"
run --json authres "$tmp/plain.eml"
is_result "[]" "authres: --json changes nothing (always JSON)"

# ------------------------------------------------------- usage errors (2)
seal_args="--domain example.org --selector rsa --key $tmp/rsa.pem --authserv-id mx.example.org"
# shellcheck disable=SC2086  # seal_args are words
{
run arc-seal --selector rsa --key "$tmp/rsa.pem" --authserv-id mx.example.org "$tmp/msg.eml"
is_error 2 "arc-seal: no --domain: exit 2"
run arc-seal --domain example.org --key "$tmp/rsa.pem" --authserv-id mx.example.org "$tmp/msg.eml"
is_error 2 "arc-seal: no --selector: exit 2"
run arc-seal --domain example.org --selector rsa --authserv-id mx.example.org "$tmp/msg.eml"
is_error 2 "arc-seal: no --key: exit 2"
run arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" "$tmp/msg.eml"
is_error 2 "arc-seal: no --authserv-id: exit 2"
run arc-seal $seal_args --algorithm rsa-sha1 "$tmp/msg.eml"
is_error 2 "arc-seal: --algorithm rsa-sha1: exit 2"
run arc-seal $seal_args --algorithm ed25519-sha256 "$tmp/msg.eml"
is_error 2 "arc-seal: --algorithm that does not match the key: exit 2"
run arc-seal $seal_args --headers to:subject "$tmp/msg.eml"
is_error 2 "arc-seal: --headers without From: exit 2"
run arc-seal $seal_args --headers from:arc-seal "$tmp/msg.eml"
is_error 2 "arc-seal: --headers with ARC-Seal (RFC 8617 4.1.2): exit 2"
run arc-seal $seal_args --headers 'from: Authentication-Results' "$tmp/msg.eml"
is_error 2 "arc-seal: --headers with Authentication-Results: exit 2"
run arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id 'mx example' "$tmp/msg.eml"
is_error 2 "arc-seal: --authserv-id with a space: exit 2"
run arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id 'mx;spf=pass' "$tmp/msg.eml"
is_error 2 "arc-seal: --authserv-id with ';': exit 2"
run arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id '' "$tmp/msg.eml"
is_error 2 "arc-seal: an empty --authserv-id: exit 2"
run arc-seal --domain example.org --selector rsa --key "$tmp/rsa.pem" --authserv-id "$(printf 'mx\001')" "$tmp/msg.eml"
is_error 2 "arc-seal: --authserv-id with a control character: exit 2"
run arc-seal --domain 'example..org' --selector rsa --key "$tmp/rsa.pem" --authserv-id mx "$tmp/msg.eml"
is_error 2 "arc-seal: an invalid --domain: exit 2"
run arc-seal --domain 'example.org; d=evil.example' --selector rsa --key "$tmp/rsa.pem" --authserv-id mx "$tmp/msg.eml"
is_error 2 "arc-seal: a --domain that would add a tag: exit 2"
run arc-seal --domain example.org --selector 'a b' --key "$tmp/rsa.pem" --authserv-id mx "$tmp/msg.eml"
is_error 2 "arc-seal: an invalid --selector: exit 2"
run arc-seal $seal_args "$tmp/msg.eml" extra
is_error 2 "arc-seal: extra argument: exit 2"
run arc-seal $seal_args --domain example.net "$tmp/msg.eml"
is_error 2 "arc-seal: option given twice: exit 2"
run arc-seal $seal_args --oversign "$tmp/msg.eml"
is_error 2 "arc-seal: unknown option: exit 2"
run arc-seal $seal_args -x "$tmp/msg.eml"
is_error 2 "arc-seal: unknown short option: exit 2"
run arc-seal $seal_args --help=yes
is_error 2 "arc-seal: --help with an argument: exit 2"
run arc-seal $seal_args --headers
is_error 2 "arc-seal: option without its argument: exit 2"
run --json arc-seal $seal_args "$tmp/msg.eml"
is_error 2 "arc-seal: --json does not apply: exit 2"
run --now soon arc-seal $seal_args "$tmp/msg.eml"
is_error 2 "arc-seal: --now not a number: exit 2"
# Usage errors come before I/O errors.
run arc-seal --domain example.org --selector rsa --key "$tmp/nosuch.pem" --authserv-id mx \
    --algorithm rsa-sha1 "$tmp/nosuch.eml"
is_error 2 "arc-seal: a usage error is reported before a missing key or message"
run arc-seal --domain example.org --selector rsa --key "$tmp/nosuch.pem" --authserv-id 'a b' "$tmp/nosuch.eml"
is_error 2 "arc-seal: a bad --authserv-id is reported before a missing key"
run arc-seal --domain example.org --selector rsa --key "$tmp/nosuch.pem" --authserv-id mx "$tmp/nosuch.eml" extra
is_error 2 "arc-seal: an extra argument is reported before a missing key"
}

run arc-verify --deep "$tmp/s1.eml"
is_error 2 "arc-verify: unknown option: exit 2"
run arc-verify "$tmp/s1.eml" extra
is_error 2 "arc-verify: extra argument: exit 2"
run arc-verify "$tmp/nosuch.eml" extra
is_error 2 "arc-verify: extra argument reported before a missing file"
run authres --all "$tmp/ar.eml"
is_error 2 "authres: unknown option: exit 2"
run authres "$tmp/ar.eml" extra
is_error 2 "authres: extra argument: exit 2"
run authres --authserv-id a --authserv-id b "$tmp/ar.eml"
is_error 2 "authres: --authserv-id given twice: exit 2"
run authres --authserv-id '' "$tmp/ar.eml"
is_error 2 "authres: an empty --authserv-id: exit 2"
run authres --authserv-id
is_error 2 "authres: --authserv-id without its argument: exit 2"
run authres --authserv-id '' "$tmp/nosuch.eml"
is_error 2 "authres: a usage error is reported before a missing file"

# --------------------------------------------------------- I/O errors (1)
# shellcheck disable=SC2086  # seal_args are words
{
run arc-seal $seal_args "$tmp/nosuch.eml"
is_error 1 "arc-seal: a missing message file: exit 1"
run arc-seal --domain example.org --selector rsa --key "$tmp/nosuch.pem" --authserv-id mx "$tmp/msg.eml"
is_error 1 "arc-seal: a missing key file: exit 1"
run arc-seal --domain example.org --selector rsa --key "$tmp/msg.eml" --authserv-id mx "$tmp/msg.eml"
is_error 1 "arc-seal: a key file that holds no key: exit 1"
: >"$tmp/empty.pem"
run arc-seal --domain example.org --selector rsa --key "$tmp/empty.pem" --authserv-id mx "$tmp/msg.eml"
is_error 1 "arc-seal: an empty key file: exit 1"
run arc-seal --domain example.org --selector rsa --key "$tmp" --authserv-id mx "$tmp/msg.eml"
is_error 1 "arc-seal: a key that is a directory: exit 1"
printf 'From: a@example.com\r\nno colon here\r\n\r\nbody\r\n' >"$tmp/broken.eml"
run arc-seal $seal_args "$tmp/broken.eml"
is_error 1 "arc-seal: a malformed message: exit 1"
case $err in
    "mailauth: arc-seal: $tmp/broken.eml: malformed message: "*) f=yes ;;
    *) f=$err ;;
esac
tap_is "$f" yes "arc-seal: the malformed message is named, with what is wrong"
run --zone "$tmp/nosuch.zone" arc-seal $seal_args "$tmp/s1.eml"
is_error 1 "arc-seal: a missing zone file: exit 1"
}
run arc-verify "$tmp/nosuch.eml"
is_error 1 "arc-verify: a missing message file: exit 1"
run arc-verify "$tmp/broken.eml"
is_error 1 "arc-verify: a malformed message: exit 1"
run arc-verify "$tmp"
is_error 1 "arc-verify: a directory: exit 1"
run --zone "$tmp/nosuch.zone" arc-verify "$tmp/s1.eml"
is_error 1 "arc-verify: a missing zone file: exit 1"
run --zone "$tmp/nosuch.zone" arc-verify "$tmp/msg.eml"
is_error 1 "arc-verify: a missing zone file is an error even when no key is needed"
run authres "$tmp/nosuch.eml"
is_error 1 "authres: a missing message file: exit 1"
run authres "$tmp/broken.eml"
is_error 1 "authres: a malformed message: exit 1"

# ------------------------------------------------------------------ help
run arc-verify --help
case $out in
    "Usage: mailauth [OPTIONS] arc-verify [FILE]"*"cv=none"*"--json"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "arc-verify --help: the command's usage, exit 0"
run arc-seal --help
case $out in
    "Usage: mailauth [OPTIONS] arc-seal --domain D --selector S --key FILE"*"--authserv-id ID"*"--headers LIST"*"--algorithm ALG"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "arc-seal --help: the command's usage, exit 0"
run arc-seal -h
case $out in
    "Usage: mailauth [OPTIONS] arc-seal "*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f" "0|yes" "arc-seal -h: the usage too"
run authres --help
case $out in
    "Usage: mailauth [OPTIONS] authres [--authserv-id ID] [FILE]"*'"error"'*) f=yes ;;
    *) f=no ;;
esac
tap_is "$rc|$f|$err" "0|yes|" "authres --help: the command's usage, exit 0"
run --help
case $out in
    *"  arc-verify [FILE]"*"  arc-seal --domain D"*"  authres [FILE]"*) f=yes ;;
    *) f=no ;;
esac
tap_is "$f" yes "--help lists arc-verify, arc-seal and authres"

tap_done
