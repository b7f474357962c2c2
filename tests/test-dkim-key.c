/*
 * DKIM key records (RFC 6376 3.6.1, RFC 8463) and the key-against-signature
 * checks.  The records are the shapes met in the wild and in the public
 * test suites (whitespace inside p=, PKCS#1 instead of SubjectPublicKeyInfo,
 * broken v= and k=, extra and unknown tags), written here with keys
 * generated for these tests.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "tap.h"
#include "dkim/sig_int.h"

static ma_ctx *ctx;

/* RSA-1024 public key as SubjectPublicKeyInfo (162 bytes) and as PKCS#1
   RSAPublicKey (140 bytes); an Ed25519 public key raw (32 bytes) and
   wrapped in SubjectPublicKeyInfo (44 bytes). */
#define RSA_SPKI                                                                             \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxcgI2oQlLbdDlMtIFfbkq1eBiwfsnQkuvjYZQVD0cPpzKbrEQ" \
    "Gfs1tYqVicGsg8jtMjFCNQHUAiy73umvacplIHxrvA2jDD4n3ple4+bo746cY8RpHEQzoKGztaVLJwnS2SkDLjiP" \
    "InrxrqyPtMl4Q9mQ1goO89oodWqBT6o2FwIDAQAB"
#define RSA_PKCS1                                                                            \
    "MIGJAoGBALFyAjahCUtt0OUy0gV9uSrV4GLB+ydCS6+NhlBUPRw+nMpusRAZ+zW1ipWJwayDyO0yMUI1AdQCLLve" \
    "6a9pymUgfGu8DaMMPifemV7j5ujvjpxjxGkcRDOgobO1pUsnCdLZKQMuOI8ievGurI+0yXhD2ZDWCg7z2ih1aoFP" \
    "qjYXAgMBAAE="
#define ED_RAW "9MwIxnJm/Ogbnii3ZZ4aoiQwPLO4G32XUhup4YX0TPU="
#define ED_SPKI "MCowBQYDK2VwAyEA9MwIxnJm/Ogbnii3ZZ4aoiQwPLO4G32XUhup4YX0TPU="

static int parse_key(ma_dkim_key *key, const char *txt, size_t p_max, ma_dkim_perr *err)
{
    return ma__dkim_key_parse(key, ctx, txt, strlen(txt), p_max, err);
}

/* Parses; says why not when it does not. */
static int key_ok(ma_dkim_key *key, const char *txt, const char *what)
{
    ma_dkim_perr err;
    int rc = parse_key(key, txt, 0, &err);
    if (!ok(rc == MA_OK && err.reason == MA_DKIM_R_OK, what))
        printf("#   rc %d reason %d tag \"%s\": %s\n", rc, (int)err.reason, err.tag, err.e.text);
    return rc == MA_OK;
}

static void key_fails(const char *txt, size_t p_max, ma_dkim_reason reason, const char *tag,
                      const char *what)
{
    ma_dkim_key key;
    ma_dkim_perr err;
    char buf[256];
    int rc = parse_key(&key, txt, p_max, &err);

    snprintf(buf, sizeof buf, "%s: refused with a text", what);
    ok(rc == MA_ESYNTAX && err.e.text[0] != '\0', buf);
    snprintf(buf, sizeof buf, "%s: reason", what);
    if (!is_int(err.reason, reason, buf))
        printf("#   %s\n", err.e.text);
    if (tag != NULL) {
        snprintf(buf, sizeof buf, "%s: tag", what);
        is_str(err.tag, tag, buf);
    }
    ok(key.p == NULL && key.p_len == 0 && key.type == MA_DKIM_KEY_UNKNOWN, "nothing kept");
    ma__dkim_key_free(&key, ctx);
}

static void test_shapes(void)
{
    ma_dkim_key key, plain;
    ma_dkim_perr err;
    char buf[1024];

    if (key_ok(&key, "v=DKIM1; g=*; k=rsa; p=" RSA_SPKI, "v=DKIM1; g=*; k=rsa; p=SPKI")) {
        is_int(key.type, MA_DKIM_KEY_RSA, "rsa");
        is_int(key.p_len, 162, "SPKI decoded");
        is_int(key.p[0], 0x30, "DER sequence");
        is_int(key.hashes, MA_DKIM_HASH_SHA1 | MA_DKIM_HASH_SHA256, "no h=: all hashes");
        ok(!key.testing && !key.strict, "no flags");
    }
    ma__dkim_key_free(&key, ctx);
    ma__dkim_key_free(&key, ctx);
    ok(key.p == NULL, "free twice");

    if (key_ok(&plain, "p=" RSA_SPKI, "p= alone"))
        is_int(plain.type, MA_DKIM_KEY_RSA, "k= defaults to rsa");
    if (key_ok(&key, "v=DKIM1; g=*; p=" RSA_SPKI, "no k="))
        ok(key.p_len == plain.p_len && memcmp(key.p, plain.p, key.p_len) == 0, "same key");
    ma__dkim_key_free(&key, ctx);

    if (key_ok(&key, "v=DKIM1; g=*; k=rsa; p=" RSA_PKCS1, "PKCS#1 RSAPublicKey in p="))
        ok(key.type == MA_DKIM_KEY_RSA && key.p_len == 140, "PKCS#1 kept for the crypto layer");
    ma__dkim_key_free(&key, ctx);

    if (key_ok(&key, "v=DKIM1; k=ed25519; p=" ED_RAW, "ed25519 (RFC 8463)")) {
        is_int(key.type, MA_DKIM_KEY_ED25519, "ed25519");
        is_int(key.p_len, 32, "raw 32-byte key");
    }
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "k=ed25519; p=" ED_RAW, "ed25519 without v="))
        is_int(key.type, MA_DKIM_KEY_ED25519, "ed25519 without v=");
    ma__dkim_key_free(&key, ctx);
    /* SPKI-wrapped Ed25519 is not what RFC 8463 publishes; the size tells
       the crypto layer, which refuses it. */
    if (key_ok(&key, "v=DKIM1; k=ed25519; p=" ED_SPKI, "ed25519 wrapped in SPKI parses"))
        is_int(key.p_len, 44, "wrapped ed25519 is 44 bytes");
    ma__dkim_key_free(&key, ctx);

    /* whitespace inside p=: YAML-folded spaces, FWS, tabs, around '=' */
    if (key_ok(&key,
               "v=DKIM1; k=rsa; p= MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxcgI2oQlLbdDlMtIFfbkq1eBiwfsnQkuvjYZQVD0cPpzKbrEQ"
               " Gfs1tYqVicGsg8jtMjFCNQHUAiy73umvacplIHxrvA2jDD4n3ple4+bo746cY8RpHEQzoKGztaVLJwnS2SkDLjiP"
               " InrxrqyPtMl4Q9mQ1goO89oodWqBT6o2FwIDAQAB",
               "spaces inside p="))
        ok(key.p_len == plain.p_len && memcmp(key.p, plain.p, key.p_len) == 0,
           "spaces: same key");
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key,
               "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxcgI2oQlLbdDlMtIFfbkq1eBiwfsnQkuvjYZQVD0cPpzKbrEQ\r\n"
               "\tGfs1tYqVicGsg8jtMjFCNQHUAiy73umvacplIHxrvA2jDD4n3ple4+bo746cY8RpHEQzoKGztaVLJwnS2SkDLjiP\r\n"
               " InrxrqyPtMl4Q9mQ1goO89oodWqBT6o2\tFwIDAQAB ; ",
               "FWS and tabs inside p="))
        ok(key.p_len == plain.p_len && memcmp(key.p, plain.p, key.p_len) == 0, "FWS: same key");
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v = DKIM1 ; k = rsa ; p = " RSA_SPKI " ;", "FWS around tags and '='"))
        is_int(key.p_len, 162, "FWS around tags: key");
    ma__dkim_key_free(&key, ctx);
    /* a bare LF is not FWS (3.6.1: "any CRLFs must be followed by at least one WSP") */
    key_fails("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxcgI2oQlLbdDlMtIFfbkq1eBiwfsnQkuvjYZQVD0cPpzKbrEQ\n"
              "Gfs1tYqVicGsg8jtMjFCNQHUAiy73umvacplIHxrvA2jDD4n3ple4+bo746cY8RpHEQzoKGztaVLJwnS2SkDLjiP"
              "InrxrqyPtMl4Q9mQ1goO89oodWqBT6o2FwIDAQAB",
              0, MA_DKIM_R_KEY_SYNTAX, "p", "bare LF inside p=");
    key_fails("v=DKIM1; p=" RSA_SPKI "\r\n", 0, MA_DKIM_R_KEY_SYNTAX, NULL,
              "CRLF without WSP at the end");

    /* Mail::DKIM-style records: unknown tags with spaces, lists, trailing "; " */
    if (key_ok(&key,
               "v=DKIM1; s=email:web:fine; x1 = extra ; t = y:n:extra; h=md5:sha1; p=" RSA_SPKI " ; ",
               "lists and unknown tags")) {
        ok(key.testing && !key.strict, "t=y:n:extra: testing");
        is_int(key.hashes, MA_DKIM_HASH_SHA1, "h=md5:sha1: only sha1");
    }
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key,
               "v=DKIM1; k=rsa; h=sha1:sha256:sha512;n=send%20comments%20to%20x%40example%2Ecom; "
               "g=*; s=*;p=" RSA_SPKI,
               "n=, g=, s=*, h= with sha512"))
        is_int(key.hashes, MA_DKIM_HASH_SHA1 | MA_DKIM_HASH_SHA256, "h=sha1:sha256:sha512");
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v=DKIM1; h=SHA256 : Sha1; s = Email : x; t= S : Y; k=RSA; p=" RSA_SPKI,
               "case-insensitive names, FWS around colons")) {
        is_int(key.hashes, MA_DKIM_HASH_SHA1 | MA_DKIM_HASH_SHA256, "h= upper case");
        ok(key.strict && key.testing, "t=S:Y");
    }
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v=DKIM1; h=sha256; t=s; p=" RSA_SPKI, "h=sha256; t=s")) {
        is_int(key.hashes, MA_DKIM_HASH_SHA256, "only sha256");
        ok(key.strict && !key.testing, "strict");
    }
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v=DKIM1; h=bad; p=" RSA_SPKI, "h=bad parses"))
        is_int(key.hashes, 0, "h=bad: no known hash");
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v=DKIM1; h=sha1:; t=y::s; s=email:; p=" RSA_SPKI, "empty list elements"))
        ok(key.hashes == MA_DKIM_HASH_SHA1 && key.testing && key.strict, "empty elements ignored");
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v=DKIM1; t=x:yy; p=" RSA_SPKI, "unknown flags"))
        ok(!key.testing && !key.strict, "t=x:yy sets nothing");
    ma__dkim_key_free(&key, ctx);
    if (key_ok(&key, "v=DKIM1; g=jl*g; p=" RSA_SPKI, "obsolete g= ignored"))
        is_int(key.p_len, 162, "g= ignored");
    ma__dkim_key_free(&key, ctx);

    /* broken records */
    key_fails("v=DKIM1: g=*; k=rsa; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "v", "v=DKIM1: g=*");
    key_fails("v=DKIM3; t=y; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "v", "v=DKIM3");
    key_fails("v=dkim1; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "v", "v=dkim1 (case matters)");
    key_fails("v=DKIM1.0; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "v", "v=DKIM1.0");
    key_fails("v=; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "v", "v= empty");
    key_fails("k=rsa; v=DKIM1; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "v", "v= not first");
    key_fails("v=DKIM1; g=*; k=ed25519-sha256; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_TYPE, "k",
              "k=ed25519-sha256");
    key_fails("k=foobar; t=y; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_TYPE, "k", "k=foobar");
    key_fails("k=; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_TYPE, "k", "k= empty");
    key_fails("k=rsa; t; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "", "a tag without '='");
    key_fails("v=DKIM1; k=rsa; omgwhatsgoingon", 0, MA_DKIM_R_KEY_SYNTAX, "", "junk after tags");
    key_fails("\"\"", 0, MA_DKIM_R_KEY_SYNTAX, "", "two quote characters");
    key_fails("", 0, MA_DKIM_R_KEY_SYNTAX, "", "empty record");
    key_fails("v=DKIM1; k=rsa", 0, MA_DKIM_R_KEY_SYNTAX, "p", "p= missing");
    key_fails("v=DKIM1; p=" RSA_SPKI "; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "p", "duplicate p=");
    key_fails("v=DKIM1; k=rsa; k=rsa; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "k", "duplicate k=");
    key_fails("v=DKIM1; p=MIGf!", 0, MA_DKIM_R_KEY_SYNTAX, "p", "p= not base64");
    key_fails("v=DKIM1; p=abc", 0, MA_DKIM_R_KEY_SYNTAX, "p", "p= truncated base64");
    key_fails("v=DKIM1; p=" RSA_SPKI "=", 0, MA_DKIM_R_KEY_SYNTAX, "p", "p= extra padding");
    key_fails("v=DKIM1; h=; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "h", "h= empty");
    key_fails("v=DKIM1; s=; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "s", "s= empty");
    key_fails("v=DKIM1; t=; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SYNTAX, "t", "t= empty");
    key_fails("v=DKIM1; s=chat; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SERVICE, "s", "s=chat");
    key_fails("v=DKIM1; g=*; k=rsa; s=tlsrpt; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SERVICE, "s",
              "s=tlsrpt");
    key_fails("v=DKIM1; s=emails:mail; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SERVICE, "s",
              "s= near misses");
    key_fails("k=rsa; t=y; p=", 0, MA_DKIM_R_KEY_REVOKED, "p", "revoked (empty p=)");
    key_fails("v=DKIM1; p= ", 0, MA_DKIM_R_KEY_REVOKED, "p", "revoked (blank p=)");
    key_fails("v=DKIM1; p=\r\n ;", 0, MA_DKIM_R_KEY_REVOKED, "p", "revoked (folded blank p=)");
    key_fails("v=DKIM1; p=; k=ed25519", 0, MA_DKIM_R_KEY_REVOKED, "p", "revoked ed25519");

    /* order: syntax, then service, then revocation, then type (6.1.2) */
    key_fails("v=DKIM1; k=foo; p=!!", 0, MA_DKIM_R_KEY_SYNTAX, "p", "syntax before type");
    key_fails("v=DKIM1; s=chat; p=", 0, MA_DKIM_R_KEY_SERVICE, "s", "service before revoked");
    key_fails("v=DKIM1; k=foo; p=", 0, MA_DKIM_R_KEY_REVOKED, "p", "revoked before type");
    key_fails("v=DKIM1; k=foo; s=chat; p=" RSA_SPKI, 0, MA_DKIM_R_KEY_SERVICE, "s",
              "service before type");
    key_fails("v=DKIM2; s=chat; p=", 0, MA_DKIM_R_KEY_SYNTAX, "v", "version first");

    /* offsets */
    parse_key(&key, "v=DKIM1; s=chat; p=" RSA_SPKI, 0, &err);
    is_int(err.e.offset, 11, "offset of the s= value");
    parse_key(&key, "k=rsa; v=DKIM1; p=x", 0, &err);
    is_int(err.e.offset, 7, "offset of the misplaced v=");
    parse_key(&key, "v=DKIM1; p=" RSA_SPKI "; p=x", 0, &err);
    is_int(err.e.offset, 11 + (long long)strlen(RSA_SPKI) + 2, "offset of the duplicate");
    is_int(err.e.offset >= 0, 1, "duplicate offset set");
    parse_key(&key, "v=DKIM1", 0, &err);
    is_int(err.e.offset, -1, "missing p=: no offset");

    /* explicit length: nothing past it is read */
    memcpy(buf, "p=" RSA_SPKI "; s=chat", strlen("p=" RSA_SPKI "; s=chat"));
    ok(ma__dkim_key_parse(&key, ctx, buf, 2 + strlen(RSA_SPKI), 0, &err) == MA_OK,
       "length is explicit");
    ma__dkim_key_free(&key, ctx);
    memcpy(buf, "p=" RSA_SPKI, 2 + strlen(RSA_SPKI));
    buf[20] = '\0';
    ok(ma__dkim_key_parse(&key, ctx, buf, 2 + strlen(RSA_SPKI), 0, &err) == MA_ESYNTAX
           && err.reason == MA_DKIM_R_KEY_SYNTAX,
       "NUL inside p=");
    ma__dkim_key_free(&key, ctx);

    ma__dkim_key_free(&plain, ctx);
}

static void test_size(void)
{
    ma_dkim_key key;
    ma_dkim_perr err;
    char *txt;
    size_t i, n;

    /* exactly MA_DKIM_KEY_P_MAX base64 characters: accepted (1536 bytes) */
    txt = malloc(3 * MA_DKIM_KEY_P_MAX + 64);
    if (!ok(txt != NULL, "buffer"))
        return;
    strcpy(txt, "v=DKIM1; p=");
    n = strlen(txt);
    for (i = 0; i < MA_DKIM_KEY_P_MAX; i++)
        txt[n++] = 'A';
    txt[n] = '\0';
    if (key_ok(&key, txt, "p= of MA_DKIM_KEY_P_MAX characters"))
        is_int(key.p_len, MA_DKIM_KEY_P_MAX / 4 * 3, "decoded");
    ma__dkim_key_free(&key, ctx);
    strcat(txt, "AAAA");
    key_fails(txt, 0, MA_DKIM_R_KEY_TOO_LARGE, "p", "p= over MA_DKIM_KEY_P_MAX");
    /* whitespace does not count */
    strcpy(txt, "v=DKIM1; p=");
    n = strlen(txt);
    for (i = 0; i < MA_DKIM_KEY_P_MAX; i++) {
        txt[n++] = 'A';
        txt[n++] = ' ';
    }
    txt[n] = '\0';
    if (key_ok(&key, txt, "spaces are not counted"))
        is_int(key.p_len, MA_DKIM_KEY_P_MAX / 4 * 3, "spaced key decoded");
    ma__dkim_key_free(&key, ctx);
    free(txt);

    /* a caller's bound */
    ok(parse_key(&key, "p=" RSA_SPKI, 216, &err) == MA_OK, "bound equal to the key");
    ma__dkim_key_free(&key, ctx);
    key_fails("p=" RSA_SPKI, 215, MA_DKIM_R_KEY_TOO_LARGE, "p", "bound one below the key");
    key_fails("p=" RSA_SPKI, 100, MA_DKIM_R_KEY_TOO_LARGE, "p", "small bound");
    /* the size is checked before the base64 */
    key_fails("p=!!!!!!!!!!!!!!!!!!!!", 8, MA_DKIM_R_KEY_TOO_LARGE, "p", "size before syntax");
}

static void test_args_oom(void)
{
    ma_dkim_key key;
    ma_dkim_perr err;
    ta_alloc st;
    ma_ctx *tctx;
    const char *txt = "v=DKIM1; k=rsa; h=sha256; p=" RSA_SPKI;
    long n, base;
    int rc = MA_ENOMEM, bad = 0;

    is_int(ma__dkim_key_parse(NULL, ctx, "p=", 2, 0, &err), MA_EINVAL, "NULL key");
    is_int(ma__dkim_key_parse(&key, NULL, "p=", 2, 0, &err), MA_EINVAL, "NULL ctx");
    is_int(ma__dkim_key_parse(&key, ctx, NULL, 2, 0, &err), MA_EINVAL, "NULL text");
    is_int(ma__dkim_key_parse(&key, ctx, NULL, 0, 0, &err), MA_ESYNTAX, "NULL text, length 0");
    is_int(ma__dkim_key_parse(&key, ctx, txt, strlen(txt), 0, NULL), MA_OK, "NULL err");
    ma__dkim_key_free(&key, ctx);
    ma__dkim_key_free(NULL, ctx);
    ok(ma__dkim_key_hash_ok(NULL, MA_DKIM_RSA_SHA256) == 0 && ma__dkim_key_type_ok(NULL, MA_DKIM_RSA_SHA256) == 0,
       "NULL key helpers");

    if (ta_ctx_new(&tctx, &st) != MA_OK) {
        ok(0, "test context");
        return;
    }
    base = st.live;
    for (n = 1; n < 50; n++) {
        ta_fail_once(&st, n);
        rc = ma__dkim_key_parse(&key, tctx, txt, strlen(txt), 0, &err);
        ma__dkim_key_free(&key, tctx);
        if (rc == MA_OK)
            break;
        if (rc != MA_ENOMEM || st.live != base)
            bad++;
    }
    ta_fail_never(&st);
    is_int(rc, MA_OK, "key parse succeeds once allocations do");
    is_int(bad, 0, "each failed allocation gives MA_ENOMEM and leaks nothing");
    ok(n >= 3, "several allocations were tested");
    ma_ctx_free(tctx);
}

/* the checks of a key against a signature */
static void test_checks(void)
{
    static const char bh256[] = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=";
    static const char bh1[] = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=";
    ma_dkim_key rsa, rsa_strict, rsa_sha1, rsa_sha256, ed, nohash;
    ma_dkim_sig s256, s1, sed, ssub, ssame, snoi, sams;
    char buf[512];
    int good = 1;

#define SIG(var, kind, extra, bh)                                                            \
    do {                                                                                     \
        snprintf(buf, sizeof buf, "%sa=%s; d=example.com; s=sel; h=from; bh=%s; b=dGVzdA==", \
                 kind == MA_DKIM_SIG_DKIM ? "v=1; " : "i=1; ", extra, bh);                    \
        if (ma__dkim_sig_parse(&var, ctx, kind, buf, strlen(buf), NULL) != MA_OK)           \
            good = 0;                                                                        \
    } while (0)

    SIG(s256, MA_DKIM_SIG_DKIM, "rsa-sha256", bh256);
    SIG(s1, MA_DKIM_SIG_DKIM, "rsa-sha1", bh1);
    SIG(sed, MA_DKIM_SIG_DKIM, "ed25519-sha256", bh256);
    SIG(ssub, MA_DKIM_SIG_DKIM, "rsa-sha256; i=user@mail.example.com", bh256);
    SIG(ssame, MA_DKIM_SIG_DKIM, "rsa-sha256; i=user@EXAMPLE.com", bh256);
    SIG(snoi, MA_DKIM_SIG_DKIM, "rsa-sha256", bh256);
    SIG(sams, MA_DKIM_SIG_AMS, "rsa-sha256", bh256);
#undef SIG
    ok(good, "signatures for the checks parse");
    good = key_ok(&rsa, "p=" RSA_SPKI, "rsa key");
    good &= key_ok(&rsa_strict, "t=s; p=" RSA_SPKI, "strict key");
    good &= key_ok(&rsa_sha1, "h=sha1; p=" RSA_SPKI, "sha1-only key");
    good &= key_ok(&rsa_sha256, "h=sha256; p=" RSA_SPKI, "sha256-only key");
    good &= key_ok(&ed, "k=ed25519; p=" ED_RAW, "ed25519 key");
    good &= key_ok(&nohash, "h=md5; p=" RSA_SPKI, "key with no known hash");

    if (good) {
        ok(ma__dkim_key_hash_ok(&rsa, MA_DKIM_RSA_SHA256) && ma__dkim_key_hash_ok(&rsa, MA_DKIM_RSA_SHA1),
           "no h=: every hash");
        ok(ma__dkim_key_hash_ok(&rsa_sha1, MA_DKIM_RSA_SHA1)
               && !ma__dkim_key_hash_ok(&rsa_sha1, MA_DKIM_RSA_SHA256)
               && !ma__dkim_key_hash_ok(&rsa_sha1, MA_DKIM_ED25519_SHA256),
           "h=sha1");
        ok(!ma__dkim_key_hash_ok(&rsa_sha256, MA_DKIM_RSA_SHA1)
               && ma__dkim_key_hash_ok(&rsa_sha256, MA_DKIM_ED25519_SHA256),
           "h=sha256");
        ok(!ma__dkim_key_hash_ok(&rsa, MA_DKIM_ALG_UNKNOWN), "unknown alg: no hash");
        ok(ma__dkim_key_type_ok(&rsa, MA_DKIM_RSA_SHA1) && ma__dkim_key_type_ok(&rsa, MA_DKIM_RSA_SHA256)
               && !ma__dkim_key_type_ok(&rsa, MA_DKIM_ED25519_SHA256),
           "rsa key types");
        ok(ma__dkim_key_type_ok(&ed, MA_DKIM_ED25519_SHA256) && !ma__dkim_key_type_ok(&ed, MA_DKIM_RSA_SHA256)
               && !ma__dkim_key_type_ok(&ed, MA_DKIM_ALG_UNKNOWN),
           "ed25519 key types");

        is_int(ma__dkim_key_check(&rsa, &s256), MA_DKIM_R_OK, "rsa key, rsa-sha256");
        is_int(ma__dkim_key_check(&rsa, &s1), MA_DKIM_R_OK, "rsa key, rsa-sha1 (policy is the verifier's)");
        is_int(ma__dkim_key_check(&rsa_sha1, &s256), MA_DKIM_R_KEY_HASH, "h=sha1, rsa-sha256");
        is_int(ma__dkim_key_check(&rsa_sha256, &s1), MA_DKIM_R_KEY_HASH, "h=sha256, rsa-sha1");
        is_int(ma__dkim_key_check(&nohash, &s256), MA_DKIM_R_KEY_HASH, "h=md5, rsa-sha256");
        is_int(ma__dkim_key_check(&ed, &s256), MA_DKIM_R_KEY_TYPE, "ed25519 key, rsa-sha256");
        is_int(ma__dkim_key_check(&rsa, &sed), MA_DKIM_R_KEY_TYPE, "rsa key, ed25519-sha256");
        is_int(ma__dkim_key_check(&ed, &sed), MA_DKIM_R_OK, "ed25519 key, ed25519-sha256");
        is_int(ma__dkim_key_check(&rsa_sha1, &sed), MA_DKIM_R_KEY_HASH, "hash checked before type");

        ok(ma__dkim_key_strict_ok(&rsa, &ssub), "not strict: subdomain i= fine");
        ok(!ma__dkim_key_strict_ok(&rsa_strict, &ssub), "t=s: subdomain i= refused");
        ok(ma__dkim_key_strict_ok(&rsa_strict, &ssame), "t=s: i= domain equal to d=");
        ok(ma__dkim_key_strict_ok(&rsa_strict, &snoi), "t=s: no i=");
        ok(ma__dkim_key_strict_ok(&rsa_strict, &sams), "t=s: ARC has no AUID");
        ok(!ma__dkim_key_strict_ok(NULL, &sams) && !ma__dkim_key_strict_ok(&rsa, NULL), "NULL args");
        is_int(ma__dkim_key_check(&rsa_strict, &ssub), MA_DKIM_R_KEY_STRICT, "check: strict");
        is_int(ma__dkim_key_check(&rsa_strict, &ssame), MA_DKIM_R_OK, "check: strict, same domain");
        is_int(ma__dkim_key_check(NULL, &ssame), MA_DKIM_R_KEY_SYNTAX, "check: NULL key");
    }
    ma__dkim_sig_free(&s256, ctx);
    ma__dkim_sig_free(&s1, ctx);
    ma__dkim_sig_free(&sed, ctx);
    ma__dkim_sig_free(&ssub, ctx);
    ma__dkim_sig_free(&ssame, ctx);
    ma__dkim_sig_free(&snoi, ctx);
    ma__dkim_sig_free(&sams, ctx);
    ma__dkim_key_free(&rsa, ctx);
    ma__dkim_key_free(&rsa_strict, ctx);
    ma__dkim_key_free(&rsa_sha1, ctx);
    ma__dkim_key_free(&rsa_sha256, ctx);
    ma__dkim_key_free(&ed, ctx);
    ma__dkim_key_free(&nohash, ctx);
}

static void test_limits(void)
{
    ma_ctx *lctx;
    ma_dkim_key key;
    ma_dkim_perr err;
    int rc;

    if (ma_ctx_new(&lctx, NULL) != MA_OK || ma_ctx_set_limit(lctx, MA_LIMIT_TAGS, 2) != MA_OK) {
        ok(0, "limited context");
        return;
    }
    rc = ma__dkim_key_parse(&key, lctx, "v=DKIM1; k=rsa; p=" RSA_SPKI,
                            strlen("v=DKIM1; k=rsa; p=" RSA_SPKI), 0, &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_KEY_SYNTAX, "more tags than MA_LIMIT_TAGS");
    ma__dkim_key_free(&key, lctx);
    rc = ma__dkim_key_parse(&key, lctx, "k=rsa; p=" RSA_SPKI, strlen("k=rsa; p=" RSA_SPKI), 0, &err);
    is_int(rc, MA_OK, "within MA_LIMIT_TAGS");
    ma__dkim_key_free(&key, lctx);
    ma_ctx_free(lctx);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_shapes();
    test_size();
    test_args_oom();
    test_checks();
    test_limits();
    ma_ctx_free(ctx);
    return tap_done();
}
