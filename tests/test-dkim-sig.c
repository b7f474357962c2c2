/*
 * DKIM-Signature, ARC-Message-Signature and ARC-Seal parsing (RFC 6376 3.5,
 * RFC 8617 4.1), strip b= (RFC 6376 3.7) and header selection (5.4.2).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "tap.h"
#include "dkim/sig_int.h"
#include "mailauth/message.h"

static ma_ctx *ctx;

/* 32 bytes ("1234...9012"), 20 bytes ("1234...7890"), 13 bytes ("testsignature") */
#define BH256 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="
#define BH1 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="
#define B64 "dGVzdHNpZ25hdHVyZQ=="

enum { DKIM = MA_DKIM_SIG_DKIM, AMS = MA_DKIM_SIG_AMS, AS = MA_DKIM_SIG_AS };

/* ------------------------------------------------------------ builders */

struct tv {
    const char *n, *v;
};

static const struct tv def_dkim[] = {
    { "v", "1" }, { "a", "rsa-sha256" }, { "d", "example.com" }, { "s", "sel" },
    { "h", "from:to:subject" }, { "bh", BH256 }, { "b", B64 }, { NULL, NULL },
};
static const struct tv def_ams[] = {
    { "i", "1" }, { "a", "rsa-sha256" }, { "d", "example.com" }, { "s", "sel" },
    { "h", "from:to" }, { "bh", BH256 }, { "b", B64 }, { NULL, NULL },
};
static const struct tv def_as[] = {
    { "i", "1" }, { "a", "rsa-sha256" }, { "cv", "none" }, { "d", "example.com" },
    { "s", "sel" }, { "b", B64 }, { NULL, NULL },
};

/* A value that drops the tag from the defaults. */
static const char DROP[] = "(drop)";

static char sigbuf[16384];

/*
 * The default tags of kind, with (name, value) pairs applied: a value
 * replaces the default, DROP removes it, a name not among the defaults is
 * appended.  The list of pairs ends with a NULL name.
 */
static const char *S(int kind, ...)
{
    const struct tv *def = kind == DKIM ? def_dkim : kind == AMS ? def_ams : def_as;
    struct tv tags[32];
    size_t n = 0, i;
    const char *name;
    va_list ap;

    for (i = 0; def[i].n; i++)
        tags[n++] = def[i];
    va_start(ap, kind);
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        for (i = 0; i < n; i++)
            if (strcmp(tags[i].n, name) == 0)
                break;
        if (i == n) {
            tags[n].n = name;
            n++;
        }
        tags[i].v = v;
    }
    va_end(ap);
    sigbuf[0] = '\0';
    for (i = 0; i < n; i++) {
        if (tags[i].v == DROP)
            continue;
        if (sigbuf[0])
            strcat(sigbuf, "; ");
        strcat(sigbuf, tags[i].n);
        strcat(sigbuf, "=");
        strcat(sigbuf, tags[i].v);
    }
    return sigbuf;
}

/* s with control and non-ASCII bytes escaped, for test names (TAP lines). */
static const char *esc(const char *s)
{
    static char out[4][512];
    static int which;
    char *o = out[which++ & 3];
    size_t k = 0;
    for (; *s && k + 5 < sizeof out[0]; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f)
            k += (size_t)sprintf(o + k, "\\x%02x", c);
        else
            o[k++] = (char)c;
    }
    o[k] = '\0';
    return o;
}

static int parse_n(ma_dkim_sig *sig, int kind, const char *v, size_t len, ma_dkim_perr *err)
{
    return ma__dkim_sig_parse(sig, ctx, (ma_dkim_sig_kind)kind, v, len, err);
}

/* Parses, and says why not when it does not. */
static int parses(ma_dkim_sig *sig, int kind, const char *v, const char *what)
{
    ma_dkim_perr err;
    int rc = parse_n(sig, kind, v, strlen(v), &err);
    if (!ok(rc == MA_OK, what))
        printf("#   rc %d reason %d tag \"%s\": %s (offset %lld)\n", rc, (int)err.reason, err.tag,
               err.e.text, (long long)err.e.offset);
    return rc == MA_OK;
}

static void check_fail(int kind, const char *v, size_t len, ma_dkim_reason reason, const char *tag,
                       const char *what)
{
    ma_dkim_sig sig;
    ma_dkim_perr err;
    char buf[256];
    int rc = parse_n(&sig, kind, v, len, &err);

    snprintf(buf, sizeof buf, "%s: refused with a text", what);
    ok(rc == MA_ESYNTAX && err.e.text[0] != '\0', buf);
    snprintf(buf, sizeof buf, "%s: reason", what);
    if (!is_int(err.reason, reason, buf))
        printf("#   %s\n", err.e.text);
    if (tag != NULL) {
        snprintf(buf, sizeof buf, "%s: tag", what);
        is_str(err.tag, tag, buf);
    }
    ma__dkim_sig_free(&sig, ctx);
}

#define FAILS(kind, v, reason, tag, what) check_fail((kind), (v), strlen(v), (reason), (tag), (what))

/* ------------------------------------------------------------ basics */

static void test_basic(void)
{
    ma_dkim_sig sig;
    ma_dkim_perr err;
    const char *v = S(DKIM, NULL);

    if (parses(&sig, DKIM, v, "default DKIM-Signature parses")) {
        is_int(sig.kind, MA_DKIM_SIG_DKIM, "kind");
        is_int(sig.version, 1, "version 1");
        is_int(sig.alg, MA_DKIM_RSA_SHA256, "rsa-sha256");
        is_int(sig.hcanon, MA_DKIM_SIMPLE, "c= default: header simple");
        is_int(sig.bcanon, MA_DKIM_SIMPLE, "c= default: body simple");
        is_str(sig.domain, "example.com", "d=");
        is_int(sig.domain_len, 11, "d= length");
        is_str(sig.selector, "sel", "s=");
        is_int(sig.selector_len, 3, "s= length");
        is_int(sig.has_auid, 0, "no i=");
        is_str(sig.auid_local, "", "i= default: empty local part");
        is_str(sig.auid_domain, "example.com", "i= default: @d");
        is_int(sig.auid_domain_len, 11, "i= default: domain length");
        is_int(sig.nheaders, 3, "three h= names");
        is_mem(sig.headers[0].p, sig.headers[0].len, "from", 4, "h[0]");
        is_mem(sig.headers[2].p, sig.headers[2].len, "subject", 7, "h[2]");
        is_mem(sig.bh, sig.bh_len, "12345678901234567890123456789012", 32, "bh= decoded");
        is_mem(sig.b, sig.b_len, "testsignature", 13, "b= decoded");
        is_mem(sig.b_text.p, sig.b_text.len, B64, strlen(B64), "b= text");
        is_mem(sig.text, sig.text_len, v, strlen(v), "text is a copy of the input");
        ok(sig.text != v, "text is not the caller's buffer");
        ok(!sig.has_l && !sig.has_t && !sig.has_x, "no l=, t=, x=");
        is_int(sig.q_dns_txt, 1, "q= default dns/txt");
        is_int(sig.instance, 0, "no instance");
        is_int(sig.cv, MA_DKIM_CV_UNSET, "no cv");
    }
    ma__dkim_sig_free(&sig, ctx);
    ma__dkim_sig_free(&sig, ctx);
    ok(sig.text == NULL && sig.domain == NULL, "free twice is harmless");

    /* NULL err is allowed */
    is_int(ma__dkim_sig_parse(&sig, ctx, MA_DKIM_SIG_DKIM, v, strlen(v), NULL), MA_OK,
           "NULL err accepted");
    ma__dkim_sig_free(&sig, ctx);

    is_int(ma__dkim_sig_parse(NULL, ctx, MA_DKIM_SIG_DKIM, v, strlen(v), &err), MA_EINVAL,
           "NULL sig");
    is_int(ma__dkim_sig_parse(&sig, NULL, MA_DKIM_SIG_DKIM, v, strlen(v), &err), MA_EINVAL,
           "NULL ctx");
    is_int(ma__dkim_sig_parse(&sig, ctx, (ma_dkim_sig_kind)3, v, strlen(v), &err), MA_EINVAL,
           "unknown kind");
    is_int(ma__dkim_sig_parse(&sig, ctx, MA_DKIM_SIG_DKIM, NULL, 5, &err), MA_EINVAL,
           "NULL value with a length");
    ma__dkim_sig_free(&sig, ctx);
    ma__dkim_sig_free(NULL, ctx);
    FAILS(DKIM, "", MA_DKIM_R_SYNTAX, "", "empty value");
    check_fail(DKIM, NULL, 0, MA_DKIM_R_SYNTAX, "", "NULL value, length 0");

    is_int(ma__dkim_sig_kind_of("dkim-signature", 14), MA_DKIM_SIG_DKIM, "kind of dkim-signature");
    is_int(ma__dkim_sig_kind_of("ARC-MESSAGE-SIGNATURE", 21), MA_DKIM_SIG_AMS, "kind of AMS");
    is_int(ma__dkim_sig_kind_of("Arc-Seal", 8), MA_DKIM_SIG_AS, "kind of AS");
    is_int(ma__dkim_sig_kind_of("ARC-Seal2", 9), -1, "not a kind");
    is_int(ma__dkim_sig_kind_of("ARC-Seal", 7), -1, "length is explicit");
    is_str(ma__dkim_sig_kind_name(MA_DKIM_SIG_AMS), "ARC-Message-Signature", "kind name");
    ok(ma__dkim_sig_kind_name((ma_dkim_sig_kind)7) == NULL, "kind name of an unknown kind");
}

/* The informative example of RFC 6376 3.5, folded as in a message. */
static void test_rfc_example(void)
{
    static const char v[] =
        " v=1; a=rsa-sha256; d=example.net; s=brisbane;\r\n"
        "   c=simple; q=dns/txt; i=@eng.example.net;\r\n"
        "   t=1117574938; x=1118006938;\r\n"
        "   h=from:to:subject:date;\r\n"
        "   z=From:foo@eng.example.net|To:joe@example.com|\r\n"
        "    Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700;\r\n"
        "   bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=;\r\n"
        "   b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR";
    ma_dkim_sig sig;

    if (parses(&sig, DKIM, v, "RFC 6376 3.5 example (folded)")) {
        is_str(sig.domain, "example.net", "example: d=");
        is_str(sig.selector, "brisbane", "example: s=");
        is_int(sig.hcanon, MA_DKIM_SIMPLE, "example: c=simple header");
        is_int(sig.bcanon, MA_DKIM_SIMPLE, "example: c=simple body");
        is_int(sig.has_auid, 1, "example: i= present");
        is_str(sig.auid_local, "", "example: i= local part empty");
        is_str(sig.auid_domain, "eng.example.net", "example: i= domain");
        ok(sig.has_t && sig.t == 1117574938u, "example: t=");
        ok(sig.has_x && sig.x == 1118006938u, "example: x=");
        is_int(sig.nheaders, 4, "example: h= names");
        is_mem(sig.headers[3].p, sig.headers[3].len, "date", 4, "example: h[3]");
        is_int(sig.b_len, 48, "example: b= 64 characters, 48 bytes");
    }
    ma__dkim_sig_free(&sig, ctx);
}

/* ------------------------------------------------------------ tags */

static void test_version(void)
{
    ma_dkim_sig sig;

    FAILS(DKIM, S(DKIM, "v", "2", NULL), MA_DKIM_R_VERSION, "v", "v=2");
    FAILS(DKIM, S(DKIM, "v", "01", NULL), MA_DKIM_R_VERSION, "v", "v=01");
    FAILS(DKIM, S(DKIM, "v", "", NULL), MA_DKIM_R_VERSION, "v", "v= empty");
    FAILS(DKIM, S(DKIM, "v", "1.0", NULL), MA_DKIM_R_VERSION, "v", "v=1.0");
    FAILS(DKIM, S(DKIM, "v", DROP, NULL), MA_DKIM_R_MISSING_TAG, "v", "v= missing");
    /* v= is checked before anything else: another version has other tags */
    FAILS(DKIM, "v=2; d=x", MA_DKIM_R_VERSION, "v", "v=2 before missing tags");
    if (parses(&sig, AMS, S(AMS, "v", "2", NULL), "AMS ignores v= (RFC 8617 4.1.2)"))
        is_int(sig.version, 0, "AMS has no version");
    ma__dkim_sig_free(&sig, ctx);
    parses(&sig, AS, S(AS, "v", "x", NULL), "AS ignores v=");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_missing(void)
{
    static const char *const req[3][8] = {
        { "v", "a", "b", "bh", "d", "h", "s", NULL },
        { "i", "a", "b", "bh", "d", "h", "s", NULL },
        { "i", "a", "b", "cv", "d", "s", NULL },
    };
    static const char *const kn[3] = { "DKIM", "AMS", "AS" };
    int k, i;
    char what[64];

    for (k = 0; k < 3; k++) {
        for (i = 0; req[k][i]; i++) {
            snprintf(what, sizeof what, "%s without %s=", kn[k], req[k][i]);
            FAILS(k, S(k, req[k][i], DROP, NULL), MA_DKIM_R_MISSING_TAG, req[k][i], what);
        }
    }
}

static void test_alg(void)
{
    ma_dkim_sig sig;

    if (parses(&sig, DKIM, S(DKIM, "a", "rsa-sha1", "bh", BH1, NULL), "rsa-sha1 parses"))
        is_int(sig.alg, MA_DKIM_RSA_SHA1, "rsa-sha1 reported as such");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "a", "ed25519-sha256", NULL), "ed25519-sha256 parses"))
        is_int(sig.alg, MA_DKIM_ED25519_SHA256, "ed25519-sha256");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "a", "RSA-SHA256", NULL), "a= is case-insensitive"))
        is_int(sig.alg, MA_DKIM_RSA_SHA256, "RSA-SHA256");
    ma__dkim_sig_free(&sig, ctx);
    FAILS(DKIM, S(DKIM, "a", "rsa-sha512", NULL), MA_DKIM_R_ALGORITHM, "a", "a=rsa-sha512");
    FAILS(DKIM, S(DKIM, "a", "ed25519", NULL), MA_DKIM_R_ALGORITHM, "a", "a=ed25519");
    FAILS(DKIM, S(DKIM, "a", "", NULL), MA_DKIM_R_ALGORITHM, "a", "a= empty");
    FAILS(DKIM, S(DKIM, "a", "rsa-sha256 x", NULL), MA_DKIM_R_ALGORITHM, "a", "a= with junk");
    FAILS(AMS, S(AMS, "a", "sha-rsa1", NULL), MA_DKIM_R_ALGORITHM, "a", "AMS a=sha-rsa1");
    FAILS(AS, S(AS, "a", "", NULL), MA_DKIM_R_ALGORITHM, "a", "AS a= empty");
}

static void test_canon(void)
{
    static const struct {
        const char *c;
        ma_dkim_canon h, b;
    } good[] = {
        { "simple", MA_DKIM_SIMPLE, MA_DKIM_SIMPLE },
        { "relaxed", MA_DKIM_RELAXED, MA_DKIM_SIMPLE },
        { "simple/simple", MA_DKIM_SIMPLE, MA_DKIM_SIMPLE },
        { "simple/relaxed", MA_DKIM_SIMPLE, MA_DKIM_RELAXED },
        { "relaxed/simple", MA_DKIM_RELAXED, MA_DKIM_SIMPLE },
        { "relaxed/relaxed", MA_DKIM_RELAXED, MA_DKIM_RELAXED },
        { "Relaxed/SIMPLE", MA_DKIM_RELAXED, MA_DKIM_SIMPLE },
    };
    static const char *const bad[] = {
        "", "relaxed/", "/relaxed", "nowsp", "relaxed/relaxed/relaxed", "relaxed / simple",
        "relaxed/ simple", "simple relaxed", "relax",
    };
    ma_dkim_sig sig;
    size_t i;
    char what[96];

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(what, sizeof what, "c=%s", good[i].c);
        if (parses(&sig, DKIM, S(DKIM, "c", good[i].c, NULL), what))
            ok(sig.hcanon == good[i].h && sig.bcanon == good[i].b, what);
        ma__dkim_sig_free(&sig, ctx);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(what, sizeof what, "c=\"%s\"", bad[i]);
        FAILS(DKIM, S(DKIM, "c", bad[i], NULL), MA_DKIM_R_CANON, "c", what);
    }
    if (parses(&sig, AMS, S(AMS, "c", "relaxed/relaxed", NULL), "AMS c=relaxed/relaxed"))
        ok(sig.hcanon == MA_DKIM_RELAXED && sig.bcanon == MA_DKIM_RELAXED, "AMS canon");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, AMS, S(AMS, NULL), "AMS without c="))
        ok(sig.hcanon == MA_DKIM_SIMPLE && sig.bcanon == MA_DKIM_SIMPLE, "AMS default simple/simple");
    ma__dkim_sig_free(&sig, ctx);
    FAILS(AMS, S(AMS, "c", "", NULL), MA_DKIM_R_CANON, "c", "AMS c= empty");
    if (parses(&sig, AS, S(AS, "c", "bogus", NULL), "AS ignores c="))
        is_int(sig.hcanon, MA_DKIM_RELAXED, "AS header canonicalization is relaxed");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_domain(void)
{
    static const char label63[] =
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123";
    static const char *const bad_d[] = {
        "legitimate.com(.attacker.com", "com", "a..example.com", ".example.com",
        "example.com.", "-a.example.com", "a-.example.com", "_dmarc.example.com",
        "exa mple.com", "exa\tmple.com", "example.com/x", "[192.0.2.1]",
        "user@example.com", "a.b\\c.com", "xn--abc.com", "\xe2\x98\x83.com",
        "exa\r\n mple.com",
    };
    static const char *const bad_s[] = {
        "", "sel(", "a..b", ".sel", "sel.", "-sel", "sel-", "se l", "sel@x", "\xe2\x98\x83",
    };
    ma_dkim_sig sig;
    ma_dkim_perr err;
    char buf[512], what[128];
    size_t i;
    int rc;

    for (i = 0; i < sizeof bad_d / sizeof bad_d[0]; i++) {
        snprintf(what, sizeof what, "d=%s", esc(bad_d[i]));
        FAILS(DKIM, S(DKIM, "d", bad_d[i], NULL), MA_DKIM_R_DOMAIN, "d", what);
    }
    for (i = 0; i < sizeof bad_s / sizeof bad_s[0]; i++) {
        snprintf(what, sizeof what, "s=%s", esc(bad_s[i]));
        FAILS(DKIM, S(DKIM, "s", bad_s[i], NULL), MA_DKIM_R_DOMAIN, "s", what);
    }
    FAILS(DKIM, S(DKIM, "d", "", NULL), MA_DKIM_R_DOMAIN, "d", "d= empty");

    /* label lengths */
    snprintf(buf, sizeof buf, "%s.example.com", label63);
    if (parses(&sig, DKIM, S(DKIM, "d", buf, NULL), "63-octet label"))
        is_int(sig.domain_len, 75, "63-octet label kept");
    ma__dkim_sig_free(&sig, ctx);
    snprintf(buf, sizeof buf, "%sx.example.com", label63);
    FAILS(DKIM, S(DKIM, "d", buf, NULL), MA_DKIM_R_DOMAIN, "d", "64-octet label in d=");
    snprintf(buf, sizeof buf, "%sx", label63);
    FAILS(DKIM, S(DKIM, "s", buf, NULL), MA_DKIM_R_DOMAIN, "s", "64-octet label in s=");

    /* hostile bytes the tag-list refuses before the name check */
    rc = snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=example.com%cevil.com; s=sel; h=from; bh="
                  BH256 "; b=" B64, 0);
    rc = parse_n(&sig, DKIM, buf, (size_t)rc, &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_SYNTAX, "NUL inside d= (explicit length)");
    is_str(err.tag, "d", "NUL inside d=: tag");
    is_int(err.e.offset, (long long)strlen(buf), "NUL inside d=: offset of the NUL");
    ma__dkim_sig_free(&sig, ctx);
    memcpy(buf, "d=ab\0c.com", 10);
    rc = parse_n(&sig, DKIM, buf, 10, &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_SYNTAX && strcmp(err.tag, "d") == 0,
       "NUL inside d= alone");
    ma__dkim_sig_free(&sig, ctx);
    FAILS(DKIM, S(DKIM, "d", "exa\rmple.com", NULL), MA_DKIM_R_SYNTAX, "d", "CR inside d=");
    FAILS(DKIM, S(DKIM, "d", "exa\nmple.com", NULL), MA_DKIM_R_SYNTAX, "d", "LF inside d=");
    FAILS(DKIM, S(DKIM, "d", "example.com\r\n", NULL), MA_DKIM_R_SYNTAX, "d", "CRLF after d=");
    FAILS(DKIM, S(DKIM, "d", "exa\xffmple.com", NULL), MA_DKIM_R_SYNTAX, "d",
          "malformed UTF-8 in d=");
    FAILS(DKIM, S(DKIM, "s", "se\x01l", NULL), MA_DKIM_R_SYNTAX, "s", "control byte in s=");
    FAILS(DKIM, S(DKIM, "s", "se\x7fl", NULL), MA_DKIM_R_SYNTAX, "s", "DEL in s=");
    memcpy(buf, "s=se\0l; d=example.com", 21);
    rc = parse_n(&sig, DKIM, buf, 21, &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_SYNTAX && strcmp(err.tag, "s") == 0,
       "NUL inside s=");
    ma__dkim_sig_free(&sig, ctx);

    /* normalization */
    if (parses(&sig, DKIM, S(DKIM, "d", "EXAMPLE.Com", "s", "SeL_1.Sub", NULL),
               "upper case d= and s="))
        ok(strcmp(sig.domain, "example.com") == 0 && strcmp(sig.selector, "sel_1.sub") == 0,
           "d= and s= stored in lower case");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "d", "b\xc3\xbc" "cher.example", NULL),
               "U-label in d= (RFC 8616 5)"))
        is_str(sig.domain, "xn--bcher-kva.example", "U-label stored as an A-label");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "d", "xn--bcher-kva.example", NULL), "A-label in d="))
        is_str(sig.domain, "xn--bcher-kva.example", "A-label kept");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "s", "_x-1", NULL), "underscore and digits in s="))
        is_str(sig.selector, "_x-1", "s=_x-1");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "s", "2024", NULL), "all-digit selector"))
        is_str(sig.selector, "2024", "s=2024");
    ma__dkim_sig_free(&sig, ctx);

    /* the key name must fit in 253 octets */
    {
        char d[300], s[80];
        /* d = 3 labels of 63 + ".com": 4 + 63*3 + 2 = 195; s = 46 -> 195+12+46 = 253 */
        snprintf(d, sizeof d, "%s.%s.%s.com", label63, label63, label63);
        memset(s, 'k', 46);
        s[46] = '\0';
        if (parses(&sig, DKIM, S(DKIM, "d", d, "s", s, NULL), "key name of 253 octets")) {
            ma_buf b;
            ma__buf_init(&b, ctx);
            is_int(ma__dkim_sig_key_name(&b, &sig), MA_OK, "key name built");
            is_int(b.len, 253, "key name length 253");
            ok(b.len == 253 && memcmp(b.data, s, 46) == 0
                   && memcmp(b.data + 46, "._domainkey.", 12) == 0
                   && strcmp(b.data + 58, d) == 0,
               "key name is s._domainkey.d");
            ma__buf_free(&b);
        }
        ma__dkim_sig_free(&sig, ctx);
        s[46] = 'k';
        s[47] = '\0';
        FAILS(DKIM, S(DKIM, "d", d, "s", s, NULL), MA_DKIM_R_DOMAIN, "s", "key name of 254 octets");
    }
    {
        ma_buf b;
        ma__buf_init(&b, ctx);
        memset(&sig, 0, sizeof sig);
        is_int(ma__dkim_sig_key_name(&b, &sig), MA_EINVAL, "key name of an empty signature");
        is_int(ma__dkim_sig_key_name(NULL, &sig), MA_EINVAL, "key name without a buffer");
        ma__buf_free(&b);
    }
}

static void test_auid(void)
{
    static const struct {
        const char *i, *local, *domain;
    } good[] = {
        { "@example.com", "", "example.com" },
        { "user@example.com", "user", "example.com" },
        { "user@sub.example.com", "user", "sub.example.com" },
        { "User@SUB.Example.COM", "User", "sub.example.com" },
        { "first.last+tag@a.b.example.com", "first.last+tag", "a.b.example.com" },
        { "us=40er@example.com", "us@er", "example.com" },
        { "\"a@b\"@example.com", "\"a@b\"", "example.com" },
        { "joe=3Dx@example.com", "joe=x", "example.com" },
        { "us er@exa mple.com", "user", "example.com" },
        { "user@exa\r\n mple.com", "user", "example.com" },
        { "us=20er@example.com", "us er", "example.com" },
        { "j\xc3\xb6rg@example.com", "j\xc3\xb6rg", "example.com" },
        { "@EXAMPLE.com", "", "example.com" },
    };
    static const char *const bad[] = {
        "", "userexample.com", "user@", "@", "user@example.org", "user@badexample.com",
        "user@com", "user@example.com.", "user@example.com(.evil.com", "a=00b@example.com",
        "a=0Db@example.com", "a=0ab@example.com", "a=7Fb@example.com", "us=4@example.com",
        "us=ZZer@example.com", "user=@example.com", "user@exa_mple.com",
        "user@example.com=", "user@.example.com", "user@ex..ample.com",
    };
    ma_dkim_sig sig;
    char what[128];
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(what, sizeof what, "i=%s", esc(good[i].i));
        if (parses(&sig, DKIM, S(DKIM, "i", good[i].i, NULL), what)) {
            ok(sig.has_auid == 1 && strcmp(sig.auid_local, good[i].local) == 0
                   && sig.auid_local_len == strlen(good[i].local)
                   && strcmp(sig.auid_domain, good[i].domain) == 0
                   && sig.auid_domain_len == strlen(good[i].domain),
               what);
        }
        ma__dkim_sig_free(&sig, ctx);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(what, sizeof what, "i=%s", esc(bad[i]));
        FAILS(DKIM, S(DKIM, "i", bad[i], NULL), MA_DKIM_R_IDENTITY, "i", what);
    }
    if (parses(&sig, DKIM,
               S(DKIM, "d", "b\xc3\xbc" "cher.example", "i", "x@mail.b\xc3\xbc" "cher.example", NULL),
               "U-label in i= within a U-label d="))
        is_str(sig.auid_domain, "mail.xn--bcher-kva.example", "i= domain as A-labels");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM,
               S(DKIM, "d", "xn--bcher-kva.example", "i", "@b\xc3\xbc" "cher.example", NULL),
               "U-label i= within the A-label d="))
        ok(sig.has_auid, "i= matched across label forms");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_instance(void)
{
    static const struct {
        const char *i;
        int ok;
        unsigned v;
    } cases[] = {
        { "1", 1, 1 }, { "50", 1, 50 }, { "01", 1, 1 }, { "9", 1, 9 }, { "0", 0, 0 },
        { "51", 0, 0 }, { "99", 0, 0 }, { "001", 0, 0 }, { "", 0, 0 }, { "a", 0, 0 },
        { "-1", 0, 0 }, { "1 0", 0, 0 }, { "@example.com", 0, 0 }, { "+1", 0, 0 },
    };
    ma_dkim_sig sig;
    char what[96];
    size_t i;
    int k;

    for (k = AMS; k <= AS; k++) {
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            snprintf(what, sizeof what, "%s i=%s", k == AMS ? "AMS" : "AS", cases[i].i);
            if (cases[i].ok) {
                if (parses(&sig, k, S(k, "i", cases[i].i, NULL), what))
                    is_int(sig.instance, cases[i].v, what);
                ma__dkim_sig_free(&sig, ctx);
            } else {
                FAILS(k, S(k, "i", cases[i].i, NULL), MA_DKIM_R_IDENTITY, "i", what);
            }
        }
    }
    if (parses(&sig, AMS, S(AMS, NULL), "AMS basics")) {
        ok(sig.kind == MA_DKIM_SIG_AMS && sig.has_auid == 0 && sig.auid_local == NULL,
           "AMS has no AUID");
        is_int(sig.nheaders, 2, "AMS h=");
    }
    ma__dkim_sig_free(&sig, ctx);
}

static void test_h(void)
{
    ma_dkim_sig sig;

    if (parses(&sig, DKIM, S(DKIM, "h", "From", NULL), "h=From")) {
        is_int(sig.nheaders, 1, "one name");
        ok(ma__dkim_sig_signs(&sig, "from") && ma__dkim_sig_signs(&sig, "FROM"),
           "signs From, case-insensitively");
        ok(!ma__dkim_sig_signs(&sig, "to") && !ma__dkim_sig_signs(&sig, "fro"),
           "does not sign To or a prefix");
    }
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "h", "from : to :subject: date", NULL), "h= with spaces")) {
        is_int(sig.nheaders, 4, "spaces: four names");
        is_mem(sig.headers[1].p, sig.headers[1].len, "to", 2, "spaces trimmed around a name");
        is_mem(sig.headers[2].p, sig.headers[2].len, "subject", 7, "spaces trimmed (2)");
    }
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "h", "from:\r\n\tto\r\n :\r\n subject", NULL), "h= folded")) {
        is_int(sig.nheaders, 3, "folded: three names");
        is_mem(sig.headers[1].p, sig.headers[1].len, "to", 2, "folded: name");
        is_mem(sig.headers[2].p, sig.headers[2].len, "subject", 7, "folded: last name");
    }
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "h", "from:from:X-Odd!#$%&'*+-.^_`{|}~Name:to", NULL),
               "h= with repeated names and odd ftext"))
        ok(sig.nheaders == 4 && sig.headers[2].len == strlen("X-Odd!#$%&'*+-.^_`{|}~Name"),
           "odd ftext name kept");
    ma__dkim_sig_free(&sig, ctx);
    FAILS(DKIM, S(DKIM, "h", "", NULL), MA_DKIM_R_SYNTAX, "h", "h= empty");
    FAILS(DKIM, S(DKIM, "h", "from::to", NULL), MA_DKIM_R_SYNTAX, "h", "h= empty name");
    FAILS(DKIM, S(DKIM, "h", "from:", NULL), MA_DKIM_R_SYNTAX, "h", "h= trailing colon");
    FAILS(DKIM, S(DKIM, "h", ":from", NULL), MA_DKIM_R_SYNTAX, "h", "h= leading colon");
    FAILS(DKIM, S(DKIM, "h", "from: :to", NULL), MA_DKIM_R_SYNTAX, "h", "h= blank name");
    FAILS(DKIM, S(DKIM, "h", "fr om", NULL), MA_DKIM_R_SYNTAX, "h", "h= space inside a name");
    FAILS(DKIM, S(DKIM, "h", "from:t\xc3\xb6", NULL), MA_DKIM_R_SYNTAX, "h", "h= non-ASCII name");
    FAILS(DKIM, S(DKIM, "h", "to:subject", NULL), MA_DKIM_R_NO_FROM, "h", "h= without From");
    FAILS(DKIM, S(DKIM, "h", "x-from:from-x", NULL), MA_DKIM_R_NO_FROM, "h", "h= near misses");
    FAILS(AMS, S(AMS, "h", "to:subject", NULL), MA_DKIM_R_NO_FROM, "h", "AMS h= without From");
    FAILS(AMS, S(AMS, "h", "from::date", NULL), MA_DKIM_R_SYNTAX, "h", "AMS h= empty name");
    FAILS(AS, S(AS, "h", "from", NULL), MA_DKIM_R_SYNTAX, "h", "AS with h= (RFC 8617 4.1.3)");
    FAILS(AS, S(AS, "h", "", NULL), MA_DKIM_R_SYNTAX, "h", "AS with an empty h=");
    if (parses(&sig, AS, S(AS, NULL), "AS without h="))
        ok(sig.nheaders == 0 && sig.headers == NULL, "AS has no h= list");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_hashes(void)
{
    ma_dkim_sig sig;

    if (parses(&sig, DKIM,
               S(DKIM, "bh", "MTIzNDU2 Nzg5MDEy\r\n MzQ1Njc4OTAx\tMjM0NTY3ODkw\r\n\tMTI=",
                 "b", "dGVzdHNp\r\n Z25hdHVy ZQ==", NULL),
               "bh= and b= with FWS inside")) {
        is_mem(sig.bh, sig.bh_len, "12345678901234567890123456789012", 32, "bh= with FWS decoded");
        is_mem(sig.b, sig.b_len, "testsignature", 13, "b= with FWS decoded");
        is_mem(sig.b_text.p, sig.b_text.len, "dGVzdHNp\r\n Z25hdHVy ZQ==", 24, "b= text with FWS");
    }
    ma__dkim_sig_free(&sig, ctx);
    FAILS(DKIM, S(DKIM, "bh", BH1, NULL), MA_DKIM_R_BAD_LENGTH, "bh", "20-byte bh= with sha256");
    FAILS(DKIM, S(DKIM, "a", "rsa-sha1", NULL), MA_DKIM_R_BAD_LENGTH, "bh", "32-byte bh= with sha1");
    FAILS(DKIM, S(DKIM, "a", "ed25519-sha256", "bh", BH1, NULL), MA_DKIM_R_BAD_LENGTH, "bh",
          "20-byte bh= with ed25519-sha256");
    FAILS(DKIM, S(DKIM, "bh", "dGVzdA==", NULL), MA_DKIM_R_BAD_LENGTH, "bh", "short bh=");
    FAILS(DKIM, S(DKIM, "bh", "", NULL), MA_DKIM_R_BAD_LENGTH, "bh", "bh= empty");
    FAILS(DKIM, S(DKIM, "bh", "!!!!", NULL), MA_DKIM_R_BAD_LENGTH, "bh", "bh= not base64");
    FAILS(DKIM, S(DKIM, "bh", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI", NULL),
          MA_DKIM_R_BAD_LENGTH, "bh", "bh= without its padding");
    FAILS(DKIM, S(DKIM, "bh", BH256 "AAAA", NULL), MA_DKIM_R_BAD_LENGTH, "bh",
          "bh= with data after the padding");
    FAILS(DKIM, S(DKIM, "b", "", NULL), MA_DKIM_R_BAD_LENGTH, "b", "b= empty");
    FAILS(DKIM, S(DKIM, "b", "dGVzd!==", NULL), MA_DKIM_R_BAD_LENGTH, "b", "b= not base64");
    FAILS(DKIM, S(DKIM, "b", "dGVzdA=", NULL), MA_DKIM_R_BAD_LENGTH, "b", "b= bad padding");
    FAILS(AMS, S(AMS, "bh", "", NULL), MA_DKIM_R_BAD_LENGTH, "bh", "AMS bh= empty");
    FAILS(AMS, S(AMS, "b", "x", NULL), MA_DKIM_R_BAD_LENGTH, "b", "AMS b= not base64");
    FAILS(AS, S(AS, "b", "", NULL), MA_DKIM_R_BAD_LENGTH, "b", "AS b= empty");
    if (parses(&sig, AS, S(AS, "bh", "!!", NULL), "AS ignores bh="))
        ok(sig.bh == NULL && sig.bh_len == 0, "AS has no body hash");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_numbers(void)
{
    static const char d76[] =
        "0000000000000000000000000000000000000000000000000000000000000000000000000001";
    ma_dkim_sig sig;
    char buf[128];

    if (parses(&sig, DKIM, S(DKIM, "l", "0", NULL), "l=0"))
        ok(sig.has_l && sig.l == 0, "l=0 kept");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "l", "18446744073709551615", NULL), "l=UINT64_MAX"))
        ok(sig.has_l && sig.l == UINT64_MAX, "l=UINT64_MAX kept");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "l", d76, NULL), "l= of 76 digits"))
        ok(sig.has_l && sig.l == 1, "l= leading zeros");
    ma__dkim_sig_free(&sig, ctx);
    snprintf(buf, sizeof buf, "0%s", d76);
    FAILS(DKIM, S(DKIM, "l", buf, NULL), MA_DKIM_R_SYNTAX, "l", "l= of 77 digits");
    FAILS(DKIM, S(DKIM, "l", "18446744073709551616", NULL), MA_DKIM_R_BODY_LENGTH, "l",
          "l= just above UINT64_MAX");
    FAILS(DKIM, S(DKIM, "l", "99999999999999999999999999999999999999999999", NULL),
          MA_DKIM_R_BODY_LENGTH, "l", "l= far above UINT64_MAX");
    FAILS(DKIM, S(DKIM, "l", "", NULL), MA_DKIM_R_SYNTAX, "l", "l= empty");
    FAILS(DKIM, S(DKIM, "l", "12a", NULL), MA_DKIM_R_SYNTAX, "l", "l=12a");
    FAILS(DKIM, S(DKIM, "l", "-1", NULL), MA_DKIM_R_SYNTAX, "l", "l=-1");
    FAILS(DKIM, S(DKIM, "l", "+1", NULL), MA_DKIM_R_SYNTAX, "l", "l=+1");
    FAILS(DKIM, S(DKIM, "l", "1 2", NULL), MA_DKIM_R_SYNTAX, "l", "l=1 2");
    FAILS(DKIM, S(DKIM, "l", "0x10", NULL), MA_DKIM_R_SYNTAX, "l", "l=0x10");
    if (parses(&sig, AS, S(AS, "l", "junk", NULL), "AS ignores l="))
        is_int(sig.has_l, 0, "AS has no l=");
    ma__dkim_sig_free(&sig, ctx);

    if (parses(&sig, DKIM, S(DKIM, "t", "999999999999", "x", DROP, NULL), "t= of 12 digits"))
        ok(sig.has_t && sig.t == 999999999999ull && !sig.has_x, "t= kept");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "x", "1700000000", NULL), "x= alone"))
        ok(sig.has_x && sig.x == 1700000000u && !sig.has_t, "x= kept");
    ma__dkim_sig_free(&sig, ctx);
    if (parses(&sig, DKIM, S(DKIM, "t", "100", "x", "101", NULL), "x = t + 1"))
        ok(sig.t == 100 && sig.x == 101, "t= and x= kept");
    ma__dkim_sig_free(&sig, ctx);
    FAILS(DKIM, S(DKIM, "t", "1000000000000", NULL), MA_DKIM_R_SYNTAX, "t", "t= of 13 digits");
    FAILS(DKIM, S(DKIM, "x", "1000000000000", NULL), MA_DKIM_R_SYNTAX, "x", "x= of 13 digits");
    FAILS(DKIM, S(DKIM, "t", "", NULL), MA_DKIM_R_SYNTAX, "t", "t= empty");
    FAILS(DKIM, S(DKIM, "t", "icecream", NULL), MA_DKIM_R_SYNTAX, "t", "t=icecream");
    FAILS(DKIM, S(DKIM, "x", "1.5", NULL), MA_DKIM_R_SYNTAX, "x", "x=1.5");
    FAILS(DKIM, S(DKIM, "t", "200", "x", "100", NULL), MA_DKIM_R_TIMESTAMPS, "x", "x < t");
    FAILS(DKIM, S(DKIM, "t", "200", "x", "200", NULL), MA_DKIM_R_TIMESTAMPS, "x",
          "x = t (3.5: MUST be greater)");
    FAILS(AMS, S(AMS, "t", "", NULL), MA_DKIM_R_SYNTAX, "t", "AMS t= empty");
    FAILS(AMS, S(AMS, "t", "5", "x", "4", NULL), MA_DKIM_R_TIMESTAMPS, "x", "AMS x < t");
    FAILS(AS, S(AS, "t", "icecream", NULL), MA_DKIM_R_SYNTAX, "t", "AS t=icecream");
    if (parses(&sig, AS, S(AS, "t", "5", "x", "4", NULL), "AS ignores x="))
        ok(sig.has_t && sig.t == 5 && !sig.has_x, "AS t= kept, x= ignored");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_q_z_unknown(void)
{
    static const struct {
        const char *q;
        int dns;
    } qs[] = {
        { "dns/txt", 1 }, { "DNS/TXT", 1 }, { "foo/bar:dns/txt", 1 }, { "dns/txt : x", 1 },
        { "foo/bar", 0 }, { "dns", 0 }, { "dns/txt/x", 0 }, { "https", 0 },
    };
    ma_dkim_sig sig;
    char what[96];
    size_t i;

    for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        snprintf(what, sizeof what, "q=%s", qs[i].q);
        if (parses(&sig, DKIM, S(DKIM, "q", qs[i].q, NULL), what))
            is_int(sig.q_dns_txt, qs[i].dns, what);
        ma__dkim_sig_free(&sig, ctx);
    }
    FAILS(DKIM, S(DKIM, "q", "", NULL), MA_DKIM_R_SYNTAX, "q", "q= empty");
    FAILS(DKIM, S(DKIM, "q", "dns/txt:", NULL), MA_DKIM_R_SYNTAX, "q", "q= empty method");
    if (parses(&sig, AS, S(AS, "q", "foo", NULL), "AS ignores q="))
        is_int(sig.q_dns_txt, 1, "AS keys come from dns/txt");
    ma__dkim_sig_free(&sig, ctx);

    parses(&sig, DKIM, S(DKIM, "z", "From:foo@example.com|To:bar=20x", NULL), "z= ignored");
    ma__dkim_sig_free(&sig, ctx);
    parses(&sig, DKIM, S(DKIM, "foo", "bar", "x_y1", "", "cv", "bogus", NULL),
           "unknown tags ignored (cv= means nothing in DKIM)");
    ma__dkim_sig_free(&sig, ctx);
}

static void test_cv(void)
{
    static const struct {
        const char *cv;
        int v;
    } good[] = {
        { "none", MA_DKIM_CV_NONE }, { "pass", MA_DKIM_CV_PASS }, { "fail", MA_DKIM_CV_FAIL },
        { "Pass", MA_DKIM_CV_PASS }, { "FAIL", MA_DKIM_CV_FAIL },
    };
    ma_dkim_sig sig;
    char what[64];
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(what, sizeof what, "cv=%s", good[i].cv);
        if (parses(&sig, AS, S(AS, "cv", good[i].cv, NULL), what))
            is_int(sig.cv, good[i].v, what);
        ma__dkim_sig_free(&sig, ctx);
    }
    FAILS(AS, S(AS, "cv", "", NULL), MA_DKIM_R_SYNTAX, "cv", "cv= empty");
    FAILS(AS, S(AS, "cv", "maybe", NULL), MA_DKIM_R_SYNTAX, "cv", "cv=maybe");
    FAILS(AS, S(AS, "cv", "pass fail", NULL), MA_DKIM_R_SYNTAX, "cv", "cv=pass fail");
    if (parses(&sig, AS, S(AS, NULL), "AS basics")) {
        ok(sig.kind == MA_DKIM_SIG_AS && sig.instance == 1 && sig.version == 0, "AS kind, i=");
        is_str(sig.domain, "example.com", "AS d=");
        is_int(sig.b_len, 13, "AS b=");
    }
    ma__dkim_sig_free(&sig, ctx);
}

static void test_taglist(void)
{
    ma_dkim_sig sig;
    ma_dkim_perr err;
    const char *v;
    char buf[2048];
    int rc, i;

    FAILS(DKIM, "v=1; a=rsa-sha256; d=example.com; d=example.com; s=sel; h=from; bh=" BH256
                "; b=" B64,
          MA_DKIM_R_SYNTAX, "d", "duplicate d=");
    /* a duplicate unknown tag is a syntax error too (3.2) */
    FAILS(DKIM, "foo=1; v=1; foo=2", MA_DKIM_R_SYNTAX, "foo", "duplicate unknown tag");
    FAILS(AS, "i=1; i=1; a=rsa-sha256", MA_DKIM_R_SYNTAX, "i", "AS duplicate i=");
    FAILS(DKIM, "v=1; a", MA_DKIM_R_SYNTAX, "", "tag without =");
    FAILS(DKIM, "v=1;; a=rsa-sha256", MA_DKIM_R_SYNTAX, NULL, "empty tag-spec");
    FAILS(DKIM, "v=1; 1a=x", MA_DKIM_R_SYNTAX, "", "tag name starting with a digit");
    FAILS(DKIM, "v=1; x-y=z", MA_DKIM_R_SYNTAX, NULL, "hyphen in a tag name");
    FAILS(DKIM, "v=1;\r\nd=example.com", MA_DKIM_R_SYNTAX, NULL, "CRLF without WSP");
    FAILS(DKIM, "v=1;\n d=example.com", MA_DKIM_R_SYNTAX, NULL, "bare LF folding");
    FAILS(DKIM, "v=1; d=exa;mple.com", MA_DKIM_R_SYNTAX, NULL, "';' splits a value");
    FAILS(DKIM, ";", MA_DKIM_R_SYNTAX, "", "only a semicolon");

    /* the offset is where the fault is */
    strcpy(buf, "v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=sel; h=from; bh=" BH256
                "; b=" B64);
    rc = parse_n(&sig, DKIM, buf, strlen(buf), &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_DOMAIN, "d=legitimate.com(.attacker.com");
    is_int(err.e.offset, 21, "offset of the d= value");
    ma__dkim_sig_free(&sig, ctx);
    strcpy(buf, "v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; bh=" BH256 "; b=" B64);
    rc = parse_n(&sig, DKIM, buf, strlen(buf), &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_SYNTAX, "empty h= name");
    is_int(err.e.offset, 48, "offset of the empty name");
    ma__dkim_sig_free(&sig, ctx);
    FAILS(DKIM, "v=1; a=rsa-sha256", MA_DKIM_R_MISSING_TAG, "b", "first missing tag named");

    /* partial results after a failure: d= and s= stay for reporting */
    v = S(DKIM, "t", "9", "x", "8", NULL);
    rc = parse_n(&sig, DKIM, v, strlen(v), &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_TIMESTAMPS, "x < t refused");
    ok(sig.domain && strcmp(sig.domain, "example.com") == 0 && sig.selector
           && strcmp(sig.selector, "sel") == 0,
       "d= and s= kept after a later failure");
    ok(sig.bh_len == 32 && sig.b_len == 13 && sig.nheaders == 3, "earlier tags kept");
    ma__dkim_sig_free(&sig, ctx);
    ok(sig.domain == NULL && sig.headers == NULL, "freed after a failure");
    v = S(DKIM, "h", "to", NULL);
    rc = parse_n(&sig, DKIM, v, strlen(v), &err);
    ok(rc == MA_ESYNTAX && sig.headers == NULL && sig.nheaders == 0 && sig.bh == NULL,
       "nothing half-made after h= fails");
    ma__dkim_sig_free(&sig, ctx);
    v = S(DKIM, "i", "a@example.org", NULL);
    rc = parse_n(&sig, DKIM, v, strlen(v), &err);
    ok(rc == MA_ESYNTAX && sig.auid_domain == NULL && sig.auid_local == NULL && !sig.has_auid,
       "no AUID after i= fails");
    ma__dkim_sig_free(&sig, ctx);
    v = S(DKIM, "bh", BH1, NULL);
    rc = parse_n(&sig, DKIM, v, strlen(v), &err);
    ok(rc == MA_ESYNTAX && sig.bh == NULL && sig.bh_len == 0, "no bh= after a bad length");
    ma__dkim_sig_free(&sig, ctx);

    /* more tags than MA_LIMIT_TAGS */
    buf[0] = '\0';
    for (i = 0; i < 70; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "x%d=%d; ", i, i);
    strcat(buf, S(DKIM, NULL));
    rc = parse_n(&sig, DKIM, buf, strlen(buf), &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_SYNTAX, "more than 64 tags refused");
    ok(strstr(err.e.text, "tags") != NULL, "the text says why");
    ma__dkim_sig_free(&sig, ctx);
}

/* Every allocation fails in turn: ENOMEM, no leak, then success. */
static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *tctx;
    ma_dkim_sig sig;
    ma_dkim_perr err;
    const char *v = S(DKIM, "d", "b\xc3\xbc" "cher.example", "i", "u@b\xc3\xbc" "cher.example",
                      "z", "x", NULL);
    long n, base;
    int rc = MA_ENOMEM, bad = 0;

    if (ta_ctx_new(&tctx, &st) != MA_OK) {
        ok(0, "test context");
        return;
    }
    base = st.live;
    for (n = 1; n < 200; n++) {
        ta_fail_once(&st, n);
        rc = ma__dkim_sig_parse(&sig, tctx, MA_DKIM_SIG_DKIM, v, strlen(v), &err);
        ma__dkim_sig_free(&sig, tctx);
        if (rc == MA_OK)
            break;
        if (rc != MA_ENOMEM)
            bad++;
        if (st.live != base)
            bad++;
    }
    ta_fail_never(&st);
    is_int(rc, MA_OK, "parse succeeds once allocations do");
    is_int(bad, 0, "each failed allocation gives MA_ENOMEM and leaks nothing");
    ok(n > 5, "several allocations were tested");
    is_int(st.live, base, "nothing live after the OOM loop");
    ma_ctx_free(tctx);
}

/* ------------------------------------------------------------ strip b= */

static void strip_is(const char *raw, const char *want, const char *what)
{
    ma_buf b;
    int rc;

    ma__buf_init(&b, ctx);
    rc = ma__dkim_strip_b(&b, ctx, raw, strlen(raw));
    if (is_int(rc, MA_OK, what))
        is_mem(b.data, b.len, want, strlen(want), what);
    else
        ok(0, what);
    ok(b.len <= strlen(raw), "strip: never longer");
    ma__buf_free(&b);
}

static void test_strip_b(void)
{
    ma_buf b;
    ma_dkim_sig sig;
    ma_dkim_perr err;
    const char *raw;
    int rc;

    strip_is("DKIM-Signature: v=1; a=rsa-sha256; b=abcd; bh=xyz=; d=x",
             "DKIM-Signature: v=1; a=rsa-sha256; b=; bh=xyz=; d=x", "b= in the middle");
    strip_is("DKIM-Signature: b=abcd; v=1", "DKIM-Signature: b=; v=1", "b= first");
    strip_is("DKIM-Signature:b=abcd", "DKIM-Signature:b=", "b= alone, no space after the colon");
    strip_is("DKIM-Signature: v=1; b=abcd", "DKIM-Signature: v=1; b=", "b= last");
    strip_is("DKIM-Signature: v=1; b=abcd; ", "DKIM-Signature: v=1; b=; ",
             "b= last with ';' and space");
    strip_is("DKIM-Signature: v=1; d=example.com;\r\n b=dGVz\r\n dHNp Z25h\r\n\tdHVyZQ==",
             "DKIM-Signature: v=1; d=example.com;\r\n b=", "b= folded over lines");
    strip_is("DKIM-Signature: v=1; b = \r\n dGVz\r\n dA== \r\n ; d=x",
             "DKIM-Signature: v=1; b = \r\n  \r\n ; d=x", "FWS around the value kept");
    strip_is("DKIM-Signature: v=1; bh=abc=; b=def; h=from",
             "DKIM-Signature: v=1; bh=abc=; b=; h=from", "bh= before b=");
    strip_is("DKIM-Signature: bh=abc=;b=def", "DKIM-Signature: bh=abc=;b=", "bh= right before b=");
    strip_is("DKIM-Signature: z=From:b=x|To:y; b=abc; v=1",
             "DKIM-Signature: z=From:b=x|To:y; b=; v=1", "\"b=\" inside another value");
    strip_is("DKIM-Signature: v=1; B=abc; b=def", "DKIM-Signature: v=1; B=abc; b=",
             "tag names are case-sensitive");
    strip_is("DKIM-Signature: b=; v=1", "DKIM-Signature: b=; v=1", "empty b= stays");
    strip_is("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=dummy;\r\n"
             "        b=Ke8hLzB2fNAAA+ybEGMCC+\r\n          yt3mU=",
             "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=dummy;\r\n        b=",
             "ARC-Seal");
    strip_is("DKIM-Signature : b=abc", "DKIM-Signature : b=", "space before the colon");

    ma__buf_init(&b, ctx);
    ma__buf_append(&b, "prefix|", 7);
    rc = ma__dkim_strip_b(&b, ctx, "X: b=1; c=2", 11);
    ok(rc == MA_OK && b.len == 17 && memcmp(b.data, "prefix|X: b=; c=2", 17) == 0,
       "strip appends to what the buffer holds");
    ma__buf_reset(&b);
    raw = "DKIM-Signature: v=1; z=b=abc";
    is_int(ma__dkim_strip_b(&b, ctx, raw, strlen(raw)), MA_ENOTFOUND, "no b= tag");
    is_int(b.len, 0, "no b=: nothing appended");
    raw = "DKIM-Signature: v=1; bh=abc";
    is_int(ma__dkim_strip_b(&b, ctx, raw, strlen(raw)), MA_ENOTFOUND, "only bh=");
    raw = "DKIM-Signature v=1; b=abc";
    is_int(ma__dkim_strip_b(&b, ctx, raw, strlen(raw)), MA_ESYNTAX, "no colon");
    raw = "DKIM-Signature: v=1; b=abc;;";
    is_int(ma__dkim_strip_b(&b, ctx, raw, strlen(raw)), MA_ESYNTAX, "not a tag-list");
    raw = "DKIM-Signature: b=abc; b=def";
    is_int(ma__dkim_strip_b(&b, ctx, raw, strlen(raw)), MA_ESYNTAX, "two b= tags");
    is_int(ma__dkim_strip_b(&b, ctx, NULL, 0), MA_ESYNTAX, "empty input");
    is_int(ma__dkim_strip_b(&b, ctx, NULL, 4), MA_EINVAL, "NULL input with a length");
    is_int(ma__dkim_strip_b(NULL, ctx, "a:b=c", 5), MA_EINVAL, "NULL buffer");
    is_int(b.len, 0, "errors append nothing");

    /* the length is explicit: a b= past len is not seen */
    raw = "X: v=1; b=abc";
    rc = ma__dkim_strip_b(&b, ctx, raw, 7);
    ok(rc == MA_ENOTFOUND && b.len == 0, "bytes past the length are not read");

    /* a stripped field parses the same but for b=, now empty */
    ma__buf_reset(&b);
    raw = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\r\n"
          "\th=from:to; bh=" BH256 ";\r\n\tb=" B64 "; t=5";
    rc = ma__dkim_strip_b(&b, ctx, raw, strlen(raw));
    ok(rc == MA_OK, "strip a real signature");
    rc = parse_n(&sig, DKIM, b.data + 15, b.len - 15, &err);
    ok(rc == MA_ESYNTAX && err.reason == MA_DKIM_R_BAD_LENGTH && strcmp(err.tag, "b") == 0,
       "stripped value: only b= is wrong");
    ok(sig.domain && strcmp(sig.domain, "example.com") == 0 && sig.nheaders == 2 && sig.bh_len == 32,
       "stripped value: the other tags parse as before");
    ma__dkim_sig_free(&sig, ctx);
    ma__buf_free(&b);
}

/* ------------------------------------------------------------ header selection */

static ma_msg *mkmsg(const char *text)
{
    ma_msg *m = NULL;
    if (ma_msg_new(&m, ctx) != MA_OK)
        return NULL;
    if (ma_msg_write(m, text, strlen(text)) != MA_OK || ma_msg_finish(m) != MA_OK) {
        ma_msg_free(m);
        return NULL;
    }
    return m;
}

static size_t spans(ma_dkim_span *out, const char *list)
{
    size_t n = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ':');
        if (e == NULL)
            e = p + strlen(p);
        out[n].p = p;
        out[n].len = (size_t)(e - p);
        n++;
        p = *e ? e + 1 : e;
    }
    return n;
}

static void test_select(void)
{
    static const char text[] =
        "Received: by x\r\n"       /* 0 */
        "From: attacker\r\n"       /* 1: prepended, unsigned */
        "Subject: one\r\n"         /* 2 */
        "FROM: real\r\n"           /* 3 */
        "To: t\r\n"                /* 4 */
        "subject: two\r\n"         /* 5 */
        "Date: d\r\n"              /* 6 */
        "\r\n"
        "body\r\n";
    ma_dkim_span names[2048];
    long idx[2048];
    ma_dkim_hsel info;
    ma_msg *m = mkmsg(text);
    ma_dkim_sig sig;
    size_t n;
    int rc;

    if (!ok(m != NULL, "message built"))
        return;
    n = spans(names, "from:to:subject:subject:subject:date:x-missing");
    rc = ma__dkim_select_headers(idx, &info, ctx, m, names, n);
    is_int(rc, MA_OK, "select");
    ok(idx[0] == 3 && idx[1] == 4, "from: bottom-most From; to");
    ok(idx[2] == 5 && idx[3] == 2, "subject twice: bottom-up");
    is_int(idx[4], -1, "third subject: none left (oversigned)");
    is_int(idx[5], 6, "date");
    is_int(idx[6], -1, "absent name selects nothing");
    is_int(info.from_covered, 1, "From covered");
    is_int(info.extra, 1, "an unsigned From is above the signed one");
    is_int(info.from_extra, 1, "the extra one is a From");
    is_int(info.first_extra, 1, "the extra From's index");

    n = spans(names, "From:from:TO:Subject:SUBJECT:date");
    rc = ma__dkim_select_headers(idx, &info, ctx, m, names, n);
    ok(rc == MA_OK && idx[0] == 3 && idx[1] == 1 && idx[2] == 4 && idx[3] == 5 && idx[4] == 2
           && idx[5] == 6,
       "case-insensitive names; both From instances");
    ok(info.from_covered && !info.extra && !info.from_extra && info.first_extra == -1,
       "everything named is covered");

    n = spans(names, "from:from:from:to");
    rc = ma__dkim_select_headers(idx, &info, ctx, m, names, n);
    ok(rc == MA_OK && idx[0] == 3 && idx[1] == 1 && idx[2] == -1 && idx[3] == 4,
       "oversigned From: the third selects nothing");
    ok(info.from_covered && !info.extra && !info.from_extra, "oversigning leaves nothing out");

    n = spans(names, "to:subject");
    rc = ma__dkim_select_headers(idx, &info, ctx, m, names, n);
    ok(rc == MA_OK && idx[0] == 4 && idx[1] == 5, "without From");
    ok(!info.from_covered && !info.from_extra, "From not covered, and not named");
    ok(info.extra && info.first_extra == 2, "the upper Subject is left out");

    n = spans(names, "from:x-a:received");
    rc = ma__dkim_select_headers(idx, NULL, ctx, m, names, n);
    ok(rc == MA_OK && idx[0] == 3 && idx[1] == -1 && idx[2] == 0, "NULL info allowed");

    rc = ma__dkim_select_headers(NULL, &info, ctx, m, names, 0);
    ok(rc == MA_OK && !info.from_covered && !info.extra && info.first_extra == -1,
       "no names: nothing selected");
    is_int(ma__dkim_select_headers(idx, &info, ctx, NULL, names, 1), MA_EINVAL, "NULL message");
    is_int(ma__dkim_select_headers(NULL, &info, ctx, m, names, 1), MA_EINVAL, "NULL idx");
    is_int(ma__dkim_select_headers(idx, &info, NULL, m, names, 1), MA_EINVAL, "NULL ctx");

    /* straight from a parsed h= (spans into the signature's copy) */
    if (parses(&sig, DKIM, S(DKIM, "h", "From : Subject:\r\n subject : x-none", NULL),
               "h= for selection")) {
        rc = ma__dkim_select_headers(idx, &info, ctx, m, sig.headers, sig.nheaders);
        ok(rc == MA_OK && idx[0] == 3 && idx[1] == 5 && idx[2] == 2 && idx[3] == -1,
           "selection from a parsed h=");
        ok(info.from_covered && info.from_extra && info.first_extra == 1, "parsed h=: From extra");
    }
    ma__dkim_sig_free(&sig, ctx);
    ma_msg_free(m);

    /* many instances and many names: linear, and still bottom-up */
    {
        static char big[600 * 16 + 16];
        size_t i, k = 0;
        int good = 1;
        for (i = 0; i < 500; i++)
            k += (size_t)sprintf(big + k, "X-N: %zu\r\n", i);
        k += (size_t)sprintf(big + k, "From: f\r\n\r\n");
        m = mkmsg(big);
        if (ok(m != NULL, "message with 501 fields")) {
            for (i = 0; i < 2000; i++) {
                names[i].p = (i % 4 == 3) ? "FROM" : "x-n";
                names[i].len = (i % 4 == 3) ? 4 : 3;
            }
            rc = ma__dkim_select_headers(idx, &info, ctx, m, names, 2000);
            is_int(rc, MA_OK, "2000 names");
            /* entries k (not k % 4 == 3) get x-n instances 499, 498, ... */
            for (i = 0, k = 0; i < 2000; i++) {
                long want;
                if (i % 4 == 3)
                    want = i == 3 ? 500 : -1;
                else {
                    want = k < 500 ? (long)(499 - k) : -1;
                    k++;
                }
                if (idx[i] != want)
                    good = 0;
            }
            ok(good, "every entry got the right instance");
            ok(info.from_covered && !info.extra, "all covered");
        }
        ma_msg_free(m);
    }

    /* OOM */
    {
        ta_alloc st;
        ma_ctx *tctx;
        if (ta_ctx_new(&tctx, &st) == MA_OK) {
            m = mkmsg(text);
            n = spans(names, "from:to");
            ta_fail_once(&st, 1);
            rc = ma__dkim_select_headers(idx, &info, tctx, m, names, n);
            is_int(rc, MA_ENOMEM, "select: out of memory");
            rc = ma__dkim_select_headers(idx, &info, tctx, m, names, n);
            ok(rc == MA_OK && idx[0] == 3, "select after the failure");
            is_int(st.live, 1, "select: nothing leaked");
            ma_msg_free(m);
            ma_ctx_free(tctx);
        }
    }
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_basic();
    test_rfc_example();
    test_version();
    test_missing();
    test_alg();
    test_canon();
    test_domain();
    test_auid();
    test_instance();
    test_h();
    test_hashes();
    test_numbers();
    test_q_z_unknown();
    test_cv();
    test_taglist();
    test_oom();
    test_strip_b();
    test_select();
    ma_ctx_free(ctx);
    return tap_done();
}
