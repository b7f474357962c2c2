#!/bin/sh
# TAP interop tests of ARC sealing and validation (examples/mailauth's
# arc-seal and arc-verify) against dkimpy (python3-dkim's dkim.arc_sign
# and dkim.arc_verify; arc_sign also needs python3-authres):
#
#  - a set sealed by dkimpy validates here, and one sealed here validates
#    under dkimpy, for CRLF and LF messages (dkimpy's own seal of an LF
#    message does not validate under dkimpy: the verdicts must agree);
#  - both build the same ARC-Authentication-Results from the message's
#    Authentication-Results fields for the authserv-id;
#  - three-hop chains alternating the two (dkimpy -> mailauth -> dkimpy and
#    mailauth -> dkimpy -> mailauth), each verified by both after every hop;
#  - tampered chains both refuse; a cv=fail set (RFC 8617 5.1.2) added to
#    a failed chain by either ends it for both, and mailauth does not
#    extend it;
#  - ed25519-sha256: dkimpy 1.1's ARC code knows rsa-sha256 only
#    (ARC_HASH_ALGORITHMS, and arc_sign always signs rsa-sha256), so these
#    checks are counted skips unless the installed dkimpy can do it.
#
# Both sides read the keys from one zone made with `mailauth dkim-keygen`:
# mailauth through --zone, dkimpy through a dnsfunc reading the same file.
# dkimpy's arc_sign takes the chain validation status of the set it adds
# from the arc= result of the Authentication-Results fields of its srv_id
# (and adds nothing without such a field), so each hop here first adds an
# Authentication-Results field for its own authserv-id, with arc= set to
# what that hop's validator (the other side's, or its own) found.
# A peer that is not installed gives counted skips ("ok N # SKIP peer not
# installed").
. "$srcdir/tap.sh"

MAILAUTH="$abs_top_builddir/examples/mailauth"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-interop-arc.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

if [ ! -x "$MAILAUTH" ]; then
    echo "Bail out! $MAILAUTH not built"
    exit 1
fi

tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

# skip_n N REASON: N counted skips.
skip_n() {
    i=0
    while [ $i -lt "$1" ]; do
        tap_skip "$2"
        i=$((i + 1))
    done
}

nl_='
'
T=1700000000

# ------------------------------------------------------------------- keys
# One RSA key per hop's domain, and an Ed25519 key.
ZONE="$tmp/keys.zone"
: >"$ZONE"
for d in org net com; do
    "$MAILAUTH" dkim-keygen --algorithm rsa-sha256 --selector arc --domain example.$d \
        --out "$tmp/$d.pem" >>"$ZONE" 2>"$tmp/err" || {
        echo "Bail out! dkim-keygen failed: $(cat "$tmp/err")"
        exit 1
    }
done
"$MAILAUTH" dkim-keygen --algorithm ed25519-sha256 --selector ed --domain example.org \
    --out "$tmp/ed.pem" >>"$ZONE" 2>"$tmp/err" || {
    echo "Bail out! dkim-keygen failed: $(cat "$tmp/err")"
    exit 1
}

# -------------------------------------------------------------- messages
# A message as it reaches the first hop, with folding and whitespace for
# the relaxed canonicalisation, and a field of another authserv-id.
printf '%s\r\n' \
    'Authentication-Results: other.example; spf=fail smtp.mailfrom=example.com' \
    'From: Alice Example <alice@example.com>' \
    'To:   Bob  <bob@example.org>' \
    'Subject:  ARC interop ' \
    '  folded  line' \
    'Date: Mon, 01 Jan 2024 12:00:00 +0000' \
    'Message-ID: <arc-interop-1@example.com>' \
    'MIME-Version: 1.0' \
    'Content-Type: text/plain; charset=us-ascii' \
    '' \
    'Hello  Bob, 	' \
    '' \
    'the last line   ' \
    '' >"$tmp/msg.eml"

# ------------------------------------------------------------ the peer
PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import dkim, authres' >/dev/null 2>&1; then
        PY=$p
        break
    fi
done

cat >"$tmp/peer.py" <<'EOF'
# dkimpy as an ARC peer.
#   python3 peer.py ZONE seal DOMAIN SELECTOR KEY SRV_ID T ALG MSG
#       writes the new ARC set and the message (exit 3: dkimpy cannot
#       seal with ALG, exit 4: it added no set);
#   python3 peer.py ZONE verify MSG
#       writes "CV REASON" (CV: pass, fail, none; "None" for a chain
#       whose newest seal says cv=fail);
#   python3 peer.py ZONE can-verify ALG
#       exit 0 when dkimpy's ARC validation knows ALG.
import re, sys
import dkim
import dkim.crypto

def load_zone(path):
    recs = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*(\S+)\s+IN\s+TXT\s+(.*)$', line)
            if m:
                strings = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
                text = "".join(re.sub(r'\\(.)', r'\1', s) for s in strings)
                recs[m.group(1).rstrip('.').lower()] = text.encode('ascii')
    return recs

zone = load_zone(sys.argv[1])

def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode('ascii')
    return zone.get(name.rstrip('.').lower())

cmd = sys.argv[2]
out = sys.stdout.buffer
if cmd == "seal":
    domain, selector, keyfile, srv_id, t, alg, msgfile = sys.argv[3:10]
    msg = open(msgfile, "rb").read()
    key = open(keyfile, "rb").read()
    nl = msg.find(b"\n")
    linesep = b"\n" if nl >= 0 and (nl == 0 or msg[nl - 1:nl] != b"\r") else b"\r\n"
    if alg == "rsa-sha256":
        fields = dkim.arc_sign(msg, selector.encode(), domain.encode(), key, srv_id.encode(),
                               timestamp=t, linesep=linesep)
    else:
        # arc_sign always signs rsa-sha256: try the ARC class itself.
        try:
            a = dkim.ARC(msg, signature_algorithm=alg.encode(), linesep=linesep)
            fields = a.sign(selector.encode(), domain.encode(), key, srv_id.encode(), timestamp=t)
        except Exception as e:
            sys.stderr.write("dkimpy cannot seal with %s: %s\n" % (alg, e))
            sys.exit(3)
    if not fields:
        sys.exit(4)
    out.write(b"".join(fields) + msg)
elif cmd == "verify":
    msg = open(sys.argv[3], "rb").read()
    cv, results, why = dkim.arc_verify(msg, dnsfunc=dnsfunc)
    print("%s %s" % (cv.decode() if cv else "None", why))
elif cmd == "can-verify":
    sys.exit(0 if sys.argv[3].encode() in dkim.crypto.ARC_HASH_ALGORITHMS else 1)
EOF

# py_seal DOMAIN SRV_ID MSG [ALG]: dkimpy seals MSG with example.DOMAIN's
# key into $tmp/py.eml; sets prc.
py_seal() {
    "$PY" "$tmp/peer.py" "$ZONE" seal "example.$1" arc "$tmp/$1.pem" "$2" $T "${4:-rsa-sha256}" "$3" \
        >"$tmp/py.eml" 2>"$tmp/py.err"
    prc=$?
}

# py_verify MSG: dkimpy's verdict ("CV REASON") in $pv.
py_verify() {
    pv=$("$PY" "$tmp/peer.py" "$ZONE" verify "$1" 2>&1)
}

# ma_seal DOMAIN SRV_ID MSG [ARGS...]: mailauth seals into $tmp/ma.eml; sets mrc.
ma_seal() {
    d=$1 srv=$2 m=$3
    shift 3
    "$MAILAUTH" --zone "$ZONE" --now $T arc-seal --domain "example.$d" --selector arc \
        --key "$tmp/$d.pem" --authserv-id "$srv" "$@" "$m" >"$tmp/ma.eml" 2>"$tmp/ma.err"
    mrc=$?
}

# ma_verify MSG: mailauth's arc-verify output in $mv, its first line in $mcv.
ma_verify() {
    mv=$("$MAILAUTH" --zone "$ZONE" arc-verify "$1" 2>&1)
    mcv=$(echo "$mv" | sed -n 1p)
}

# add_ar SRV_ID RESULTS IN OUT: OUT is IN with an Authentication-Results
# field on top (CRLF, or LF when IN's first line ends with LF; a newline
# in RESULTS folds the field with the same line end).
cr=$(printf '\r')
add_ar() {
    if head -n 1 "$3" | grep -q "$cr\$"; then
        printf 'Authentication-Results: %s; %s\n' "$1" "$2" | sed "s/\$/$cr/" >"$4"
    else
        printf 'Authentication-Results: %s; %s\n' "$1" "$2" >"$4"
    fi
    cat "$3" >>"$4"
}

# aar FILE: the first ARC-Authentication-Results value, unfolded, WSP
# runs as one space.
aar() {
    tr -d '\r' <"$1" | awk '/^$/ { exit } /^[ \t]/ { if (on) v = v $0; next }
        { on = 0 } /^ARC-Authentication-Results:/ && !done { on = 1; done = 1; v = substr($0, 28) }
        END { print v }' | tr -s ' \t' '  ' | sed 's/^ //; s/ $//'
}

# sets_pass N: mailauth's lines for a chain of N sets that all pass.
sets_pass() {
    printf 'cv=pass'
    k=1
    while [ $k -le "$1" ]; do
        dd= && eval "dd=\$dom_$k"
        printf '\ni=%s d=example.%s s=arc ams=pass as=pass' "$k" "$dd"
        k=$((k + 1))
    done
}

# 6 + 12 + 5 + 2 checks.
py_tests=25
if [ -z "$PY" ]; then
    skip_n $py_tests "peer not installed (python3-dkim, python3-authres)"
else
    # ---------------------------------------------------- one set each way
    add_ar mx.example.org "spf=pass smtp.mailfrom=example.com;${nl_}	dkim=none" "$tmp/msg.eml" "$tmp/h1.eml"
    py_seal org mx.example.org "$tmp/h1.eml"
    ma_verify "$tmp/py.eml"
    tap_is "$prc|$mv" "0|cv=pass${nl_}i=1 d=example.org s=arc ams=pass as=pass" \
        "dkimpy seals (rsa-sha256, i=1), mailauth validates"
    ma_seal org mx.example.org "$tmp/h1.eml"
    py_verify "$tmp/ma.eml"
    tap_is "$mrc|$pv" "0|pass success" "mailauth seals (rsa-sha256, i=1), dkimpy validates"
    # Both take the same results from the message for the AAR.
    tap_is "$(aar "$tmp/ma.eml")" "$(aar "$tmp/py.eml")" \
        "both build the same ARC-Authentication-Results from the Authentication-Results"

    # Bare LF line endings.  dkimpy 1.1 seals an LF message (linesep LF)
    # with an ARC-Seal it cannot validate itself: it hashes its new AMS
    # with the LF folds left in (its relaxed unfolding removes CRLF only),
    # and ends the AAR with CRLF.  The verdicts must agree.
    tr -d '\r' <"$tmp/h1.eml" >"$tmp/h1-lf.eml"
    py_seal org mx.example.org "$tmp/h1-lf.eml"
    ma_verify "$tmp/py.eml"
    py_verify "$tmp/py.eml"
    tap_is "$prc|${mcv#cv=}" "0|${pv%% *}" \
        "LF message: dkimpy seals, mailauth's verdict is dkimpy's own"
    ma_seal org mx.example.org "$tmp/h1-lf.eml"
    py_verify "$tmp/ma.eml"
    crs=$(tr -cd '\r' <"$tmp/ma.eml" | wc -c | tr -d ' ')
    tap_is "$mrc|$pv|$crs" "0|pass success|0" "LF message: mailauth seals with LF line ends, dkimpy validates"

    # --headers: the AMS signs what is listed.
    ma_seal org mx.example.org "$tmp/h1.eml" --headers from:to:subject:date:message-id
    py_verify "$tmp/ma.eml"
    tap_is "$mrc|$pv" "0|pass success" "mailauth seals with --headers, dkimpy validates"

    # ------------------------------------------------------ three hops
    # chain FIRST: hops 1-3 over example.org, .net, .com, sealed by FIRST,
    # the other, then FIRST again; after each hop both validate.
    chain() {
        cur="$tmp/msg.eml"
        sealer=$1
        k=1
        for d in org net com; do
            eval "dom_$k=$d"
            # The hop's own Authentication-Results: arc= as its validator says.
            if [ $k -eq 1 ]; then
                arc=none
            elif [ "$sealer" = mailauth ]; then
                ma_verify "$cur"
                arc=${mcv#cv=}
            else
                py_verify "$cur"
                arc=${pv%% *}
            fi
            add_ar "mx$k.example.$d" "arc=$arc; spf=pass smtp.mailfrom=example.com" "$cur" "$tmp/hop$k-in.eml"
            if [ "$sealer" = mailauth ]; then
                ma_seal $d "mx$k.example.$d" "$tmp/hop$k-in.eml"
                cp "$tmp/ma.eml" "$tmp/hop$k.eml"
                src=$mrc
                sealer=dkimpy
                by=mailauth
            else
                py_seal $d "mx$k.example.$d" "$tmp/hop$k-in.eml"
                cp "$tmp/py.eml" "$tmp/hop$k.eml"
                src=$prc
                sealer=mailauth
                by=dkimpy
            fi
            cur="$tmp/hop$k.eml"
            ma_verify "$cur"
            tap_is "$src|$mv" "0|$(sets_pass $k)" "$1 chain, hop $k sealed by $by: mailauth validates every set"
            py_verify "$cur"
            tap_is "$pv" "pass success" "$1 chain, hop $k sealed by $by: dkimpy validates"
            k=$((k + 1))
        done
    }
    chain dkimpy
    cp "$tmp/hop3.eml" "$tmp/py-chain.eml"
    chain mailauth
    cp "$tmp/hop3.eml" "$tmp/ma-chain.eml"

    # ---------------------------------------------------------- tampering
    sed 's/^the last line/the l4st line/' "$tmp/py-chain.eml" >"$tmp/bad.eml"
    ma_verify "$tmp/bad.eml"
    case $mv in
        "cv=fail${nl_}"*"${nl_}i=3 d=example.com s=arc ams=fail as=none (ARC-Message-Signature: the body hash does not match bh=)") f=yes ;;
        *) f=$mv ;;
    esac
    tap_is "$f" yes "dkimpy-sealed chain, body changed: mailauth says cv=fail at i=3 (body hash)"
    sed 's/^the last line/the l4st line/' "$tmp/ma-chain.eml" >"$tmp/bad.eml"
    py_verify "$tmp/bad.eml"
    tap_is "${pv%% *}" "fail" "mailauth-sealed chain, body changed: dkimpy says fail"

    # A failed chain: dkimpy adds a cv=fail set when its A-R says arc=fail;
    # mailauth reports the chain as failed there and adds nothing.
    sed 's/^the last line/the l4st line/' "$tmp/py-chain.eml" >"$tmp/bad.eml"
    add_ar mx4.example.org "arc=fail" "$tmp/bad.eml" "$tmp/bad-ar.eml"
    py_seal org mx4.example.org "$tmp/bad-ar.eml"
    ma_verify "$tmp/py.eml"
    case $mv in
        "cv=fail${nl_}"*"${nl_}i=4 d=example.org s=arc ams=none as=none (the newest ARC-Seal says cv=fail)") f=yes ;;
        *) f=$mv ;;
    esac
    tap_is "$prc|$f" "0|yes" "dkimpy seals a failed chain with cv=fail: mailauth says cv=fail at i=4"
    cp "$tmp/py.eml" "$tmp/cvfail.eml"
    ma_seal net mx5.example.net "$tmp/cvfail.eml"
    tap_is "$mrc|$(cmp "$tmp/ma.eml" "$tmp/cvfail.eml" 2>&1 && echo same)" "0|same" \
        "mailauth does not extend the chain dkimpy marked cv=fail"
    # And the other way: mailauth marks the failed chain (a set with
    # cv=fail, RFC 8617 5.1.2); dkimpy sees the chain terminated there.
    add_ar mx4.example.org "arc=fail" "$tmp/bad.eml" "$tmp/bad-ar.eml"
    ma_seal org mx4.example.org "$tmp/bad-ar.eml"
    py_verify "$tmp/ma.eml"
    ma_verify "$tmp/ma.eml"
    case $mv in
        "cv=fail${nl_}"*"${nl_}i=4 d=example.org s=arc ams=none as=none (the newest ARC-Seal says cv=fail)") f=yes ;;
        *) f=$mv ;;
    esac
    tap_is "$mrc|$pv|$f" "0|None ARC-Seal[4] reported failure, the chain is terminated|yes" \
        "mailauth seals a failed chain with cv=fail: dkimpy and mailauth see it ended at i=4"

    # ------------------------------------------------------------ ed25519
    # mailauth seals with Ed25519; dkimpy validates, if its ARC code can.
    if "$PY" "$tmp/peer.py" "$ZONE" can-verify ed25519-sha256; then
        "$MAILAUTH" --now $T arc-seal --domain example.org --selector ed --key "$tmp/ed.pem" \
            --authserv-id mx.example.org "$tmp/h1.eml" >"$tmp/ma.eml" 2>"$tmp/ma.err"
        py_verify "$tmp/ma.eml"
        tap_is "$pv" "pass success" "mailauth seals (ed25519-sha256), dkimpy validates"
    else
        tap_skip "dkimpy's ARC validation knows rsa-sha256 only (dkim.crypto.ARC_HASH_ALGORITHMS)"
    fi
    "$PY" "$tmp/peer.py" "$ZONE" seal example.org ed "$tmp/ed.pem" mx.example.org $T ed25519-sha256 \
        "$tmp/h1.eml" >"$tmp/py.eml" 2>"$tmp/py.err"
    prc=$?
    if [ $prc -eq 3 ]; then
        tap_skip "dkimpy's ARC signer takes RSA keys only ($(sed -n 1p "$tmp/py.err" | cut -c1-60))"
    else
        ma_verify "$tmp/py.eml"
        tap_is "$prc|$mv" "0|cv=pass${nl_}i=1 d=example.org s=ed ams=pass as=pass" \
            "dkimpy seals (ed25519-sha256), mailauth validates"
    fi
fi

tap_done
