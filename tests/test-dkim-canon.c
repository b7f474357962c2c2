/*
 * Unit tests: DKIM canonicalisation (src/dkim/canon.c, RFC 6376 3.4).
 *
 * Body cases are checked by the SHA-256 of the expected canonical text
 * (whose length is checked too), fed in one span, in 1-byte spans, split at
 * every point, and in random spans.  A naive line-by-line reference
 * implementation is compared with the streaming one on random bodies.  The
 * RFC 8463 Appendix A message goes through the message reader, the body
 * canonicaliser and the header canonicaliser, and both of its signatures
 * must verify.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "crypto/crypto_int.h"
#include "dkim/canon_int.h"
#include "mailauth/message.h"
#include "alloc.h"
#include "tap.h"

static ma_ctx *ctx;

/* A tiny deterministic generator. */
static uint32_t rng_state = 2024;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* ------------------------------------------------------------ body helpers */

enum { WHOLE, BYTES, SPLIT, RANDOM };

typedef struct result {
    int rc;
    unsigned char md[MA_DIGEST_MAX];
    uint64_t length, hashed;
} result;

/* Canonicalise in (len bytes) fed in spans as mode says (SPLIT: at param;
   RANDOM: spans of random size, param the seed). */
static result run(ma_dkim_canon c, uint64_t limit, const char *in, size_t len, int mode,
                  size_t param)
{
    result r;
    ma_digest *d = NULL;
    ma_canon_body b;
    size_t off = 0;
    uint32_t seed = (uint32_t)param;

    memset(&r, 0, sizeof r);
    r.rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
    if (r.rc == MA_OK)
        r.rc = ma__canon_body_init(&b, c, limit, d);
    while (r.rc == MA_OK && off < len) {
        size_t n;
        switch (mode) {
        case BYTES:
            n = 1;
            break;
        case SPLIT:
            n = off < param ? param - off : len - off;
            break;
        case RANDOM:
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 8) % 9;
            break;
        default:
            n = len - off;
        }
        if (n > len - off)
            n = len - off;
        r.rc = ma__canon_body_update(&b, in + off, n);
        /* an empty span now and then changes nothing */
        if (r.rc == MA_OK && mode == RANDOM && (seed & 0x300) == 0)
            r.rc = ma__canon_body_update(&b, NULL, 0);
        off += n;
    }
    if (r.rc == MA_OK)
        r.rc = ma__canon_body_finish(&b);
    if (r.rc == MA_OK)
        r.rc = ma__digest_final(d, r.md, NULL);
    r.length = ma__canon_body_length(&b);
    r.hashed = ma__canon_body_hashed(&b);
    ma__digest_free(d);
    return r;
}

static int same(const result *a, const result *b)
{
    return a->rc == MA_OK && b->rc == MA_OK && memcmp(a->md, b->md, 32) == 0
           && a->length == b->length && a->hashed == b->hashed;
}

/* The body in every chunking must canonicalise to exp (explen bytes), of
   which min(limit, explen) are hashed. */
static void check_body(ma_dkim_canon c, uint64_t limit, const char *in, size_t len,
                       const char *exp, size_t explen, const char *what)
{
    result want, r;
    size_t k;
    int all = 1;
    char msg[200];
    uint64_t h = limit < explen ? limit : explen;

    memset(&want, 0, sizeof want);
    want.rc = ma__digest_oneshot(MA_HASH_SHA256, exp, (size_t)h, want.md, NULL);
    want.length = explen;
    want.hashed = h;

    r = run(c, limit, in, len, WHOLE, 0);
    snprintf(msg, sizeof msg, "%s %s: canonical text", c == MA_DKIM_SIMPLE ? "simple" : "relaxed",
             what);
    if (!ok(same(&r, &want), msg)) {
        printf("#   length %llu (want %llu), hashed %llu (want %llu), rc %d\n",
               (unsigned long long)r.length, (unsigned long long)want.length,
               (unsigned long long)r.hashed, (unsigned long long)want.hashed, r.rc);
    }
    r = run(c, limit, in, len, BYTES, 0);
    snprintf(msg, sizeof msg, "%s %s: 1-byte spans", c == MA_DKIM_SIMPLE ? "simple" : "relaxed",
             what);
    ok(same(&r, &want), msg);
    for (k = 1; k < len; k++) {
        r = run(c, limit, in, len, SPLIT, k);
        if (!same(&r, &want)) {
            all = 0;
            printf("#   differs when split at %zu\n", k);
        }
    }
    for (k = 1; k <= 5; k++) {
        r = run(c, limit, in, len, RANDOM, k);
        if (!same(&r, &want))
            all = 0;
    }
    snprintf(msg, sizeof msg, "%s %s: every split point, random spans",
             c == MA_DKIM_SIMPLE ? "simple" : "relaxed", what);
    ok(all, msg);
}

#define BODY(c, in, exp, what) check_body((c), MA_CANON_NO_LIMIT, in, sizeof in - 1, exp, sizeof exp - 1, what)
#define BODYL(c, l, in, exp, what) check_body((c), (l), in, sizeof in - 1, exp, sizeof exp - 1, what)

/*
 * The reference: RFC 6376 3.4.3/3.4.4 applied literally to a copy of the
 * body, line by line.  out must hold len + 2 bytes.
 */
static size_t ref_canon(ma_dkim_canon c, const char *in, size_t len, char *out)
{
    size_t o = 0;

    if (c == MA_DKIM_SIMPLE) {
        memcpy(out, in, len);
        o = len;
    } else {
        size_t ls = 0;
        for (;;) {
            size_t le = ls, k;
            int term = 0, sp = 0;
            while (le < len) {
                if (in[le] == '\r' && le + 1 < len && in[le + 1] == '\n') {
                    term = 1;
                    break;
                }
                le++;
            }
            /* (a): WSP runs to one SP, none at the end of the line */
            for (k = ls; k < le; k++) {
                if (in[k] == ' ' || in[k] == '\t') {
                    sp = 1;
                    continue;
                }
                if (sp)
                    out[o++] = ' ';
                sp = 0;
                out[o++] = in[k];
            }
            if (!term)
                break;
            out[o++] = '\r';
            out[o++] = '\n';
            ls = le + 2;
        }
    }
    /* (b) / 3.4.3: no empty lines at the end, then one CRLF (relaxed: only
       when something is left) */
    while (o >= 2 && out[o - 2] == '\r' && out[o - 1] == '\n')
        o -= 2;
    if (c == MA_DKIM_SIMPLE || o > 0) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}

/* ------------------------------------------------------------------- body */

static void test_body_simple(void)
{
    const ma_dkim_canon S = MA_DKIM_SIMPLE;

    BODY(S, "", "\r\n", "empty body");
    BODY(S, "\r\n", "\r\n", "one CRLF");
    BODY(S, "\r\n\r\n\r\n", "\r\n", "only CRLFs");
    BODY(S, "abc", "abc\r\n", "no final CRLF");
    BODY(S, "abc\r\n", "abc\r\n", "one line");
    BODY(S, "abc\r\n\r\n\r\n", "abc\r\n", "trailing empty lines");
    BODY(S, "\r\n\r\nabc\r\n", "\r\n\r\nabc\r\n", "leading empty lines kept");
    BODY(S, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n", "inner empty line kept");
    BODY(S, "a \r\n \r\n\t\r\n", "a \r\n \r\n\t\r\n", "WSP-only lines are not empty");
    BODY(S, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", "RFC 6376 3.4.5 example 2");
    BODY(S, "a\rb\r\n", "a\rb\r\n", "lone CR inside a line");
    BODY(S, "a\r", "a\r\r\n", "lone CR at the end");
    BODY(S, "\r", "\r\r\n", "only a lone CR");
    BODY(S, "a\r\r\n\r\n", "a\r\r\n", "lone CR before CRLFs");
    BODY(S, "\r\r\r\n", "\r\r\r\n", "two lone CRs");
    BODY(S, "a\nb", "a\nb\r\n", "bare LF is content");
    BODY(S, "a\r\n\n", "a\r\n\n\r\n", "bare LF after CRLF is content");
    BODY(S, "a\0b\r\n\r\n", "a\0b\r\n", "NUL bytes");
}

static void test_body_relaxed(void)
{
    const ma_dkim_canon R = MA_DKIM_RELAXED;

    BODY(R, "", "", "empty body stays empty");
    BODY(R, "\r\n", "", "one CRLF");
    BODY(R, "\r\n\r\n\r\n", "", "only CRLFs");
    BODY(R, " \t \r\n", "", "one WSP-only line (erratum 1384: a, then b)");
    BODY(R, "\r\n\r\n  \r\n", "", "CRLF CRLF SP SP CRLF (erratum 1942 example)");
    BODY(R, " ", "", "only WSP, no CRLF");
    BODY(R, "abc", "abc\r\n", "no final CRLF");
    BODY(R, "abc  ", "abc\r\n", "trailing WSP without CRLF");
    BODY(R, "abc\r\n", "abc\r\n", "one line");
    BODY(R, "a  b\t\tc \r\n", "a b c\r\n", "WSP runs and trailing WSP");
    BODY(R, "a b c d\r\n", "a b c d\r\n", "single spaces kept");
    BODY(R, "a\tb\r\n", "a b\r\n", "a tab becomes a space");
    BODY(R, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "RFC 6376 3.4.5 example 1");
    BODY(R, "a\r\n \r\nb\r\n", "a\r\n\r\nb\r\n", "inner WSP-only line becomes empty, kept");
    BODY(R, "a\r\n\t\r\n \r\n\r\n", "a\r\n", "trailing WSP-only lines ignored");
    BODY(R, "  a", " a\r\n", "leading WSP becomes one SP");
    BODY(R, "\r\n\r\n a\r\n", "\r\n\r\n a\r\n", "leading empty lines kept");
    BODY(R, "a \r b\r\n", "a \r b\r\n", "lone CR is content, WSP around it kept");
    BODY(R, "a\r \r\n", "a\r\r\n", "WSP after a lone CR at the line end dropped");
    BODY(R, "a \r", "a \r\r\n", "lone CR at the very end");
    BODY(R, "a\t\r", "a \r\r\n", "tab then lone CR at the very end");
    BODY(R, "a \n b", "a \n b\r\n", "bare LF is content");
    BODY(R, "a\0 \0", "a\0 \0\r\n", "NUL bytes");
    BODY(R, "x  \t  y  \t \r\n  \t z \t\r\n", "x y\r\n z\r\n", "long WSP runs");
}

static void test_body_cases(void)
{
    static char big_in[4000], big_exp[4000];
    size_t n, m, i;

    /* RFC 6376 3.4.3 and 3.4.4 give the empty-body hashes. */
    {
        static const struct {
            ma_dkim_canon c;
            ma_hash h;
            const char *b64;
        } e[] = {
            { MA_DKIM_SIMPLE, MA_HASH_SHA256, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
            { MA_DKIM_SIMPLE, MA_HASH_SHA1, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=" },
            { MA_DKIM_RELAXED, MA_HASH_SHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
            { MA_DKIM_RELAXED, MA_HASH_SHA1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=" },
        };
        for (i = 0; i < 4; i++) {
            ma_digest *d = NULL;
            ma_canon_body b;
            unsigned char md[MA_DIGEST_MAX];
            char enc[64];
            size_t ml = 0, el;
            int rc = ma__digest_new(&d, ctx, e[i].h);
            if (rc == MA_OK)
                rc = ma__canon_body_init(&b, e[i].c, MA_CANON_NO_LIMIT, d);
            if (rc == MA_OK)
                rc = ma__canon_body_finish(&b);
            if (rc == MA_OK)
                rc = ma__digest_final(d, md, &ml);
            el = rc == MA_OK ? ma__base64_encode(md, ml, enc) : 0;
            enc[el] = '\0';
            is_str(enc, e[i].b64, "RFC 6376 empty-body hash");
            ma__digest_free(d);
        }
    }

    /* RFC 6376 Appendix A body, as corrected by erratum 3192 (one space
       after "game."), gives the published bh= with simple; relaxed gets
       there from the text as printed (two spaces). */
    {
        static const char fixed[] = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";
        static const char printed[] = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n"
                                      "\r\n";
        unsigned char want[40];
        size_t wl;
        result r;
        ma__base64_decode("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", 44, want, &wl);
        r = run(MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, fixed, sizeof fixed - 1, WHOLE, 0);
        ok(r.rc == MA_OK && memcmp(r.md, want, 32) == 0, "RFC 6376 A body (erratum 3192), simple");
        r = run(MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, printed, sizeof printed - 1, BYTES, 0);
        ok(r.rc == MA_OK && memcmp(r.md, want, 32) == 0, "same body as printed, relaxed");
        r = run(MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, printed, sizeof printed - 1, WHOLE, 0);
        ok(r.rc == MA_OK && memcmp(r.md, want, 32) != 0, "as printed, simple differs (the erratum)");
    }

    /* Many held CRLFs, produced across span boundaries (more than the 64 a
       constant holds). */
    n = 0;
    big_in[n++] = 'a';
    for (i = 0; i < 200; i++) {
        big_in[n++] = '\r';
        big_in[n++] = '\n';
    }
    m = n;
    memcpy(big_exp, big_in, n);
    big_in[n++] = 'b';
    big_exp[m++] = 'b';
    big_exp[m++] = '\r';
    big_exp[m++] = '\n';
    check_body(MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, big_in, n, big_exp, m, "200 empty lines inside");
    check_body(MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, big_in, n, big_exp, m, "200 empty lines inside");
    check_body(MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, big_in, n - 1, "a\r\n", 3, "200 empty lines at the end");
    /* relaxed: 200 WSP-only lines inside */
    n = 0;
    m = 0;
    big_in[n++] = 'a';
    big_exp[m++] = 'a';
    for (i = 0; i < 200; i++) {
        big_in[n++] = i % 3 ? ' ' : '\t';
        big_in[n++] = '\r';
        big_in[n++] = '\n';
        big_exp[m++] = '\r';
        big_exp[m++] = '\n';
    }
    big_in[n++] = 'b';
    memcpy(big_exp + m, "b\r\n", 3);
    m += 3;
    check_body(MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, big_in, n, big_exp, m, "200 WSP-only lines inside");
}

static void test_body_limit(void)
{
    const ma_dkim_canon S = MA_DKIM_SIMPLE, R = MA_DKIM_RELAXED;
    result r;

    BODYL(S, 0, "abc\r\n", "abc\r\n", "l=0");
    BODYL(S, 2, "abc\r\n", "abc\r\n", "l shorter than the body");
    BODYL(S, 5, "abc\r\n", "abc\r\n", "l equal to the body");
    BODYL(S, 9, "abc\r\n", "abc\r\n", "l longer than the body");
    BODYL(S, 4, "abc\r\n\r\n\r\n", "abc\r\n", "l cuts the final CRLF");
    BODYL(S, 1, "", "\r\n", "l=1, empty body");
    BODYL(R, 0, "", "", "l=0, empty body");
    BODYL(R, 3, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "l=3 (inside a held CRLF)");
    BODYL(R, 6, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "l=6 (at a shortened WSP run)");
    BODYL(R, 7, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "l=7");
    BODYL(R, 100, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "l longer than the body");

    /* What a verifier sees: l= larger than the canonical body. */
    r = run(S, 9, "abc\r\n", 5, WHOLE, 0);
    ok(r.length == 5 && r.hashed == 5 && r.hashed < 9, "l > length: both numbers show it");
    r = run(R, 2, "a  b\r\n\r\n", 8, BYTES, 0);
    ok(r.length == 5 && r.hashed == 2, "length counts the whole body, past l=");
    r = run(R, MA_CANON_NO_LIMIT, "a  b\r\n\r\n", 8, WHOLE, 0);
    ok(r.length == 5 && r.hashed == 5, "no limit: everything hashed");
}

/* The streaming canonicaliser against the reference, on random bodies. */
static void test_body_random(void)
{
    static const char alphabet[] = "ab  \t\r\r\n\n";
    char in[80], exp[84];
    int iter, bad = 0;

    for (iter = 0; iter < 4000; iter++) {
        size_t len = rng() % 60, i, el;
        ma_dkim_canon c = iter % 2 ? MA_DKIM_RELAXED : MA_DKIM_SIMPLE;
        uint64_t limit = rng() % 3 == 0 ? (uint64_t)(rng() % 70) : MA_CANON_NO_LIMIT;
        result want, r;
        for (i = 0; i < len; i++)
            in[i] = alphabet[rng() % (sizeof alphabet - 1)];
        el = ref_canon(c, in, len, exp);
        memset(&want, 0, sizeof want);
        want.length = el;
        want.hashed = limit < el ? limit : el;
        want.rc = ma__digest_oneshot(MA_HASH_SHA256, exp, (size_t)want.hashed, want.md, NULL);
        r = run(c, limit, in, len, (int)(rng() % 4), rng() % (len + 1));
        if (!same(&r, &want)) {
            if (bad++ < 3) {
                printf("# mismatch (%s, limit %llu): \"", c ? "relaxed" : "simple",
                       (unsigned long long)limit);
                for (i = 0; i < len; i++)
                    printf(in[i] == '\r' ? "\\r" : in[i] == '\n' ? "\\n" : in[i] == '\t' ? "\\t" : "%c",
                           in[i]);
                printf("\"\n");
            }
        }
    }
    ok(bad == 0, "4000 random bodies: streaming == reference, any chunking and l=");
}

/*
 * Large bodies against the reference: long verbatim runs (over the 1 KB at
 * which relaxed pieces skip its buffer) mixed with WSP runs, trailing WSP,
 * lone CRs and empty lines, so that relaxed fills and flushes its 4 KB
 * buffer many times; fed whole, in spans of 4095, 4096 and 4097 bytes, in
 * spans of random sizes up to 9000, and with l= anywhere (also inside the
 * buffer) with the tail_text flag checked.
 */
static void test_body_large(void)
{
    enum { MAXLEN = 60000 };
    char *in = malloc(MAXLEN + 4096), *exp = malloc(MAXLEN + 4096 + 2); /* a segment adds < 3100 */
    int iter, bad = 0, checked = 0;

    if (in == NULL || exp == NULL) {
        ok(0, "large bodies: memory");
        free(in);
        free(exp);
        return;
    }
    for (iter = 0; iter < 48; iter++) {
        ma_dkim_canon c = iter % 4 ? MA_DKIM_RELAXED : MA_DKIM_SIMPLE;
        size_t len = 0, target = 1000 + rng() % (MAXLEN - 1000), el, mode;
        uint64_t limit;
        bool tail_want = false;
        size_t i;

        while (len < target) {
            size_t k, n;
            switch (rng() % 6) {
            case 0: /* a long run of text with single spaces */
                n = rng() % 3000;
                for (k = 0; k < n; k++)
                    in[len++] = k % 7 == 6 ? ' ' : (char)('a' + rng() % 26);
                break;
            case 1: /* a WSP run */
                n = 1 + rng() % 5;
                for (k = 0; k < n; k++)
                    in[len++] = rng() % 2 ? ' ' : '\t';
                break;
            case 2: /* line end, maybe after trailing WSP, maybe empty lines */
                if (rng() % 2)
                    in[len++] = ' ';
                n = 1 + (rng() % 4 == 0 ? rng() % 5 : 0);
                for (k = 0; k < n; k++) {
                    in[len++] = '\r';
                    in[len++] = '\n';
                }
                break;
            case 3: /* a lone CR or bare LF */
                in[len++] = rng() % 2 ? '\r' : '\n';
                break;
            default: /* a short word */
                n = 1 + rng() % 12;
                for (k = 0; k < n; k++)
                    in[len++] = (char)('A' + rng() % 26);
                break;
            }
        }
        el = ref_canon(c, in, len, exp);
        limit = rng() % 3 == 0 ? MA_CANON_NO_LIMIT : (uint64_t)(rng() % (el + 10));
        for (i = limit < el ? (size_t)limit : el; i < el; i++)
            if (exp[i] != ' ' && exp[i] != '\t' && exp[i] != '\r' && exp[i] != '\n')
                tail_want = true;
        for (mode = 0; mode < 5; mode++) {
            ma_digest *d = NULL;
            ma_canon_body b;
            unsigned char md[MA_DIGEST_MAX], want[MA_DIGEST_MAX];
            size_t off = 0;
            int rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
            if (rc == MA_OK)
                rc = ma__canon_body_init(&b, c, limit, d);
            while (rc == MA_OK && off < len) {
                size_t n = mode == 0 ? len : mode == 4 ? 1 + rng() % 9000 : 4094 + mode;
                if (n > len - off)
                    n = len - off;
                rc = ma__canon_body_update(&b, in + off, n);
                off += n;
            }
            if (rc == MA_OK)
                rc = ma__canon_body_finish(&b);
            if (rc == MA_OK)
                rc = ma__digest_final(d, md, NULL);
            if (rc == MA_OK)
                rc = ma__digest_oneshot(MA_HASH_SHA256, exp, limit < el ? (size_t)limit : el, want,
                                        NULL);
            checked++;
            if (rc != MA_OK || memcmp(md, want, 32) != 0 || ma__canon_body_length(&b) != el
                || ma__canon_body_hashed(&b) != (limit < el ? limit : el)
                || ma__canon_body_tail_text(&b) != tail_want) {
                if (bad++ < 3)
                    printf("# large body %d (%s, %zu bytes, limit %llu) differs in mode %zu\n",
                           iter, c == MA_DKIM_SIMPLE ? "simple" : "relaxed", len,
                           (unsigned long long)limit, mode);
            }
            ma__digest_free(d);
        }
    }
    ok(bad == 0 && checked == 48 * 5,
       "48 large bodies: streaming == reference, l= and tail text, any chunking");
    free(in);
    free(exp);
}

/*
 * The copy loops (MA_CANON_SIMD_*) against the reference: long bodies of
 * words with single SPs (the loops' fast case) and every kind of stop: SP
 * and HTAB runs, trailing WSP, CRLF runs of 1 to 12 (the loops take up to 8
 * at once), WSP-only lines, lone CRs (also before LF-less text and at a
 * vector's last lanes), bare LFs, 8-bit bytes and NULs.  Each body is shifted
 * by 0 to 40 leading letters (so every stop falls in every lane of a 16- and
 * 32-byte step) and placed at every address alignment modulo 32, and fed
 * whole, in spans of 17/18/19 and 33/34/35 bytes (around the loops' minimum
 * span), and in random spans; l= is random.  Every level must agree with
 * the reference.
 */
static size_t gen_stops_body(char *in, size_t target)
{
    size_t len = 0;

    while (len < target) {
        size_t k, n;
        switch (rng() % 14) {
        case 0: case 1: case 2: case 3: /* words with single spaces */
            n = 1 + rng() % 80;
            for (k = 0; k < n; k++)
                in[len++] = k % 6 == 5 ? ' ' : (char)('a' + rng() % 26);
            break;
        case 4: /* an SP/HTAB run */
            n = 1 + rng() % 6;
            for (k = 0; k < n; k++)
                in[len++] = rng() % 3 ? ' ' : '\t';
            break;
        case 5: /* trailing WSP, then a line end */
            n = rng() % 4;
            for (k = 0; k < n; k++)
                in[len++] = rng() % 2 ? ' ' : '\t';
            in[len++] = '\r';
            in[len++] = '\n';
            break;
        case 6: /* a run of line ends, maybe with WSP-only lines */
            n = 1 + rng() % 12;
            for (k = 0; k < n; k++) {
                if (rng() % 4 == 0)
                    in[len++] = rng() % 2 ? ' ' : '\t';
                in[len++] = '\r';
                in[len++] = '\n';
            }
            break;
        case 7: /* a line end, then a line starting with WSP */
            in[len++] = '\r';
            in[len++] = '\n';
            n = 1 + rng() % 3;
            for (k = 0; k < n; k++)
                in[len++] = rng() % 2 ? ' ' : '\t';
            break;
        case 8: /* lone CRs, alone or in pairs, or CR CR LF */
            in[len++] = '\r';
            if (rng() % 3 == 0)
                in[len++] = '\r';
            if (rng() % 3 == 0)
                in[len++] = '\n';
            break;
        case 9: /* a bare LF */
            in[len++] = '\n';
            break;
        case 10: /* WSP then a lone CR */
            in[len++] = ' ';
            in[len++] = '\r';
            in[len++] = 'q';
            break;
        case 11: /* 8-bit and NUL bytes */
            in[len++] = (char)(0x80 + rng() % 128);
            in[len++] = rng() % 2 ? '\0' : (char)0xff;
            break;
        default: /* a long verbatim run */
            n = 30 + rng() % 200;
            for (k = 0; k < n; k++)
                in[len++] = (char)('A' + rng() % 26);
            break;
        }
    }
    return len;
}

/* The copy loop levels, MA_CANON_SIMD_NONE to MA_CANON_SIMD_SHA. */
#define NLEVELS 4

static int simd_run(int level, ma_dkim_canon c, uint64_t limit, const char *in, size_t len,
                    int mode, const unsigned char *want, uint64_t el)
{
    ma_digest *d = NULL;
    ma_canon_body b;
    unsigned char md[MA_DIGEST_MAX];
    size_t off = 0;
    uint64_t h = limit < el ? limit : el;
    int rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);

    if (rc == MA_OK)
        rc = ma__canon_body_init(&b, c, limit, d);
    if (rc == MA_OK)
        ma__canon_body_simd(&b, level);
    while (rc == MA_OK && off < len) {
        size_t n;
        switch (mode) {
        case 0:
            n = len;
            break;
        case 1:
            n = 17 + off % 3;
            break;
        case 2:
            n = 33 + off % 3;
            break;
        default:
            n = 1 + rng() % 300;
        }
        if (n > len - off)
            n = len - off;
        rc = ma__canon_body_update(&b, in + off, n);
        off += n;
    }
    if (rc == MA_OK)
        rc = ma__canon_body_finish(&b);
    if (rc == MA_OK)
        rc = ma__digest_final(d, md, NULL);
    ma__digest_free(d);
    return rc == MA_OK && memcmp(md, want, 32) == 0 && ma__canon_body_length(&b) == el
           && ma__canon_body_hashed(&b) == h;
}

static void test_body_simd(void)
{
    enum { MAXLEN = 6000, SHIFT = 40, ALIGN = 32 };
    char *raw = malloc(MAXLEN + 400 + SHIFT + 2 * ALIGN);
    char *body = malloc(MAXLEN + 400), *exp = malloc(MAXLEN + 400 + SHIFT + 2);
    int level, bad[NLEVELS] = { 0 }, runs = 0, lv;
    int have[NLEVELS];
    size_t iter;

    if (raw == NULL || body == NULL || exp == NULL) {
        ok(0, "copy loops: memory");
        free(raw);
        free(body);
        free(exp);
        return;
    }
    {
        ma_canon_body b;
        ma_digest *d = NULL;
        ma__digest_new(&d, ctx, MA_HASH_SHA256);
        ma__canon_body_init(&b, MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, d);
        is_int(ma__canon_body_simd(NULL, MA_CANON_SIMD_NONE), -1, "simd: NULL body");
        is_int(ma__canon_body_simd(&b, MA_CANON_SIMD_NONE), MA_CANON_SIMD_NONE,
               "simd: the portable loop is always there");
        is_int(ma__canon_body_simd(&b, -5), MA_CANON_SIMD_NONE, "simd: below range: portable");
        for (level = 0; level < NLEVELS; level++)
            have[level] = ma__canon_body_simd(&b, level);
        ok(have[1] <= 1 && have[2] <= 2 && have[3] <= 3 && have[2] >= have[1]
               && have[3] >= have[2],
           "simd: a level is lowered to one the CPU has, never raised");
        ok(ma__canon_body_simd(&b, 99) == have[3], "simd: above range: the best there is");
        if (ma__digest_blockwise(d)) {
            ma_canon_body bl;
            ma__canon_body_init(&bl, MA_DKIM_RELAXED, 100, d);
            is_int(ma__canon_body_simd(&bl, MA_CANON_SIMD_SHA), have[2],
                   "simd: the hashing loop is not used with l=");
        } else {
            is_int(have[3], have[2], "simd: no hashing loop without a native digest");
        }
#if defined(__x86_64__) && defined(__GNUC__)
        is_int(have[1], MA_CANON_SIMD_SSE2, "simd: x86-64 has SSE2");
#else
        ok(1, "simd: (not x86-64)");
#endif
        printf("# copy loops in use: %d (0 portable, 1 SSE2, 2 AVX2, 3 SHA-NI hashing)\n",
               have[3]);
        ma__digest_free(d);
    }
    for (iter = 0; iter < 60; iter++) {
        size_t blen = gen_stops_body(body, 100 + rng() % (MAXLEN - 100));
        size_t shift = iter < SHIFT ? iter : rng() % SHIFT, k;
        size_t align = (iter * 7) % ALIGN;
        char *in = raw + ALIGN - ((uintptr_t)raw % ALIGN) + align;
        size_t len = shift + blen, el;
        ma_dkim_canon c = iter % 5 == 4 ? MA_DKIM_SIMPLE : MA_DKIM_RELAXED;
        uint64_t limit;
        unsigned char want[MA_DIGEST_MAX];
        int mode;

        for (k = 0; k < shift; k++)
            in[k] = (char)('a' + k % 26);
        memcpy(in + shift, body, blen);
        el = ref_canon(c, in, len, exp);
        limit = rng() % 3 ? MA_CANON_NO_LIMIT : (uint64_t)(rng() % (el + 5));
        ma__digest_oneshot(MA_HASH_SHA256, exp, limit < el ? (size_t)limit : el, want, NULL);
        for (mode = 0; mode < 4; mode++)
            for (level = 0; level < NLEVELS; level++) {
                runs++;
                if (!simd_run(level, c, limit, in, len, mode, want, el) && bad[level]++ < 2)
                    printf("# level %d: body %zu (%s, %zu bytes, shift %zu, align %zu, limit "
                           "%llu) differs in mode %d\n",
                           level, iter, c == MA_DKIM_SIMPLE ? "simple" : "relaxed", len, shift,
                           align, (unsigned long long)limit, mode);
            }
    }
    for (lv = 0; lv < NLEVELS; lv++) {
        char msg[120];
        snprintf(msg, sizeof msg,
                 "copy loop level %d (in use: %d): 60 long bodies == reference, every shift, "
                 "alignment and chunking",
                 lv, have[lv]);
        ok(bad[lv] == 0 && runs == 60 * 4 * NLEVELS, msg);
    }
    free(raw);
    free(body);
    free(exp);
}

/*
 * The relaxed buffer filled to the brim before a copy loop starts: bodies
 * written a line per update (each line its own span, so the byte-wise path
 * fills the buffer and the loops start with it nearly full), and one span
 * of lone CRs and blank lines that the byte-wise path gathers first.  The
 * buffer must never hold more than its size (an early SHA-NI loop wrote
 * past it here), and the digest must equal the reference, at every level.
 */
static int full_buffer_run(int level, const char *in, size_t len, const size_t *spans,
                           size_t nspans, const unsigned char *want, uint64_t el)
{
    ma_digest *d = NULL;
    ma_canon_body b;
    unsigned char md[MA_DIGEST_MAX];
    size_t off = 0, i;
    int good = ma__digest_new(&d, ctx, MA_HASH_SHA256) == MA_OK
               && ma__canon_body_init(&b, MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, d) == MA_OK;

    if (good)
        ma__canon_body_simd(&b, level);
    for (i = 0; good && i < nspans; i++) {
        good = ma__canon_body_update(&b, in + off, spans[i]) == MA_OK
               && b.buf_len <= MA_CANON_BUF_SIZE && b.buf_fed <= b.buf_len;
        off += spans[i];
    }
    good = good && off == len && ma__canon_body_finish(&b) == MA_OK
           && ma__digest_final(d, md, NULL) == MA_OK && memcmp(md, want, 32) == 0
           && ma__canon_body_length(&b) == el;
    ma__digest_free(d);
    return good;
}

static void test_body_full_buffer(void)
{
    static const char line32[] = "abcdefghijklmnopqrstuvwxyz0123\r\n";
    static const char line40[] = "abcdefghijklmnopqrstuvwxyz0123456789AB\r\n";
    enum { LINES = 128 + 1 + 600, CRS_MAX = 1368 };
    size_t cap = LINES * 40 + CRS_MAX * 4 + 64;
    char *in = malloc(cap), *exp = malloc(cap + 2);
    size_t *spans = malloc(LINES * sizeof *spans);
    unsigned char want[MA_DIGEST_MAX];
    int bad = 0, runs = 0, level;
    size_t len = 0, n = 0, el, k, crs;

    if (in == NULL || exp == NULL || spans == NULL) {
        ok(0, "full buffer: memory");
        free(in);
        free(exp);
        free(spans);
        return;
    }
    /* 128 lines of 32 bytes fill the 4096-byte buffer exactly */
    for (k = 0; k < LINES; k++) {
        const char *l = k == 128 ? line40 : line32;
        size_t ll = strlen(l);
        memcpy(in + len, l, ll);
        len += ll;
        spans[n++] = ll;
    }
    el = ref_canon(MA_DKIM_RELAXED, in, len, exp);
    ma__digest_oneshot(MA_HASH_SHA256, exp, el, want, NULL);
    for (level = 0; level < NLEVELS; level++) {
        runs++;
        bad += !full_buffer_run(level, in, len, spans, n, want, el);
    }
    /* one span: lone CRs and blank lines, then a line of content */
    for (crs = 1360; crs <= CRS_MAX; crs++) {
        len = 0;
        for (k = 0; k < crs; k++) {
            memcpy(in + len, "\r \r\n", 4);
            len += 4;
        }
        memcpy(in + len, "\rABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\r\n\r\n", 58);
        len += 58;
        spans[0] = len;
        el = ref_canon(MA_DKIM_RELAXED, in, len, exp);
        ma__digest_oneshot(MA_HASH_SHA256, exp, el, want, NULL);
        for (level = 0; level < NLEVELS; level++) {
            runs++;
            bad += !full_buffer_run(level, in, len, spans, 1, want, el);
        }
    }
    ok(bad == 0 && runs == NLEVELS * 10,
       "relaxed buffer full when a copy loop starts: never overfilled, == reference, every "
       "level");
    free(in);
    free(exp);
    free(spans);
}

/* Every stop at every lane: one stop pattern after 0..70 letters, then a
   word, in every level, whole and byte by byte. */
static void test_body_stops_every_lane(void)
{
    static const char *const stops[] = {
        "  ", "\t", " \t ", " \r\n", "\t\r\n", "\r\n\r\n", "\r\n \r\n", "\r\n  ", "\r\n\t",
        "\r", "\r\r", " \r", "\r\r\n", "\n", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
        "  \r\n\r\n  \r\n", " ",
        /* several drops in one block, a kept tab after a drop, blocks of
           only line ends and WSP, a CRLF across a block boundary */
        "  a  b  c  d", "  x\ty", " \t \t \t \t \t \t \t \t \t \t \t \t \t \t \t \t \t",
        ("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
         "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"),
        "\r\n \r\n\t\r\n  \r\n \t\r\n\r\n \r\n\t\r\n  \r\n \t\r\n\r\n \r\n\t\r\n  \r\n \t\r\n",
        "x\r\ny\r\n", "\r\n\r\nz\r\n\r\n",
    };
    static const size_t posts[] = { 0, 40, 100 };
    char in[400], exp[410];
    size_t si, pre, post, pi;
    int bad = 0, runs = 0, level;

    for (si = 0; si < sizeof stops / sizeof stops[0]; si++) {
        for (pre = 0; pre <= 70; pre++) {
            for (pi = 0; pi < sizeof posts / sizeof posts[0]; pi++) {
                size_t len = 0, k, el, sl = strlen(stops[si]);
                unsigned char want[MA_DIGEST_MAX];
                for (k = 0; k < pre; k++)
                    in[len++] = (char)('a' + k % 26);
                memcpy(in + len, stops[si], sl);
                len += sl;
                /* then content (none: the stop ends the body) */
                post = posts[pi] ? posts[pi] + pre % 7 : 0;
                for (k = 0; k < post; k++)
                    in[len++] = (char)('A' + k % 26);
                el = ref_canon(MA_DKIM_RELAXED, in, len, exp);
                ma__digest_oneshot(MA_HASH_SHA256, exp, el, want, NULL);
                for (level = 0; level < NLEVELS; level++) {
                    int mode;
                    for (mode = 0; mode < 4; mode += 1 + (mode == 1)) { /* 0, 1, 3 */
                        runs++;
                        if (!simd_run(level, MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, in, len, mode,
                                      want, el))
                            bad++;
                    }
                }
            }
        }
    }
    ok(bad == 0 && runs > 0, "every stop kind at every lane, every level: == reference");
}

static void test_body_errors(void)
{
    ma_canon_body b;
    ma_digest *d = NULL;
    unsigned char md[MA_DIGEST_MAX];

    ma__digest_new(&d, ctx, MA_HASH_SHA256);
    is_int(ma__canon_body_init(NULL, MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, d), MA_EINVAL, "init NULL body");
    is_int(ma__canon_body_init(&b, MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, NULL), MA_EINVAL,
           "init NULL digest");
    is_int(ma__canon_body_init(&b, (ma_dkim_canon)2, MA_CANON_NO_LIMIT, d), MA_EINVAL,
           "init unknown canonicalisation");
    is_int(ma__canon_body_init(&b, MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, d), MA_OK, "init");
    is_int(ma__canon_body_update(NULL, "a", 1), MA_EINVAL, "update NULL body");
    is_int(ma__canon_body_update(&b, NULL, 1), MA_EINVAL, "update NULL data with a length");
    is_int(ma__canon_body_update(&b, NULL, 0), MA_OK, "update nothing");
    is_int(ma__canon_body_update(&b, "x\r", 2), MA_OK, "update");
    is_int(ma__canon_body_finish(&b), MA_OK, "finish");
    is_int(ma__canon_body_length(&b), 4, "x CR CRLF: 4 bytes");
    is_int(ma__canon_body_update(&b, "y", 1), MA_ESTATE, "update after finish");
    is_int(ma__canon_body_finish(&b), MA_ESTATE, "finish twice");
    is_int(ma__canon_body_finish(NULL), MA_EINVAL, "finish NULL");
    is_int(ma__canon_body_length(NULL), 0, "length of NULL");
    is_int(ma__canon_body_hashed(NULL), 0, "hashed of NULL");

    /* The digest's failure is sticky: here the digest was already final. */
    ma__digest_final(d, md, NULL);
    ma__canon_body_init(&b, MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, d);
    is_int(ma__canon_body_update(&b, "abc", 3), MA_ESTATE, "digest failure reported");
    is_int(ma__canon_body_update(&b, "def", 3), MA_ESTATE, "and again");
    is_int(ma__canon_body_finish(&b), MA_ESTATE, "and at finish");
    /* reuse: init again on a reset digest */
    ma__digest_reset(d);
    is_int(ma__canon_body_init(&b, MA_DKIM_SIMPLE, MA_CANON_NO_LIMIT, d), MA_OK, "init again");
    ok(ma__canon_body_consume("ab", 2, &b) == MA_OK && ma__canon_body_consume(NULL, 0, &b) == MA_OK
           && ma__canon_body_length(&b) == 4,
       "the body-consumer adapter updates, then finishes");
    is_int(ma__canon_body_consume("c", 1, &b), MA_ESTATE, "adapter after the end");
    ma__digest_free(d);
}

/* ------------------------------------------------------------------ header */

static void check_header(ma_dkim_canon c, const char *field, size_t len, unsigned int flags,
                         const char *exp, const char *what)
{
    ma_buf out;
    ma_digest *d = NULL;
    unsigned char md[MA_DIGEST_MAX], want[MA_DIGEST_MAX];
    int rc;

    ma__buf_init(&out, ctx);
    rc = ma__canon_header(&out, c, field, len, flags);
    if (is_int(rc, MA_OK, what))
        is_mem(out.data, out.len, exp, strlen(exp), what);
    else
        ok(0, what);
    /* the digest form gives the same bytes */
    ma__buf_reset(&out);
    rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
    if (rc == MA_OK)
        rc = ma__canon_header_hash(d, &out, c, field, len, flags);
    if (rc == MA_OK)
        rc = ma__digest_final(d, md, NULL);
    ma__digest_oneshot(MA_HASH_SHA256, exp, strlen(exp), want, NULL);
    ok(rc == MA_OK && memcmp(md, want, 32) == 0, "(hashed form)");
    ma__digest_free(d);
    ma__buf_free(&out);
}

#define HDR(c, f, flags, exp, what) check_header((c), f, sizeof f - 1, (flags), exp, what)

static void test_header(void)
{
    const ma_dkim_canon S = MA_DKIM_SIMPLE, R = MA_DKIM_RELAXED;
    ma_buf out;
    int rc;

    /* RFC 6376 3.4.5: the two fields as the reader gives them. */
    HDR(R, "A: X", 0, "a:X\r\n", "RFC 3.4.5 example 1, field A");
    HDR(R, "B : Y\t\r\n\tZ  ", 0, "b:Y Z\r\n", "RFC 3.4.5 example 1, field B");
    HDR(S, "A: X", 0, "A: X\r\n", "RFC 3.4.5 example 2, field A");
    HDR(S, "B : Y\t\r\n\tZ  ", 0, "B : Y\t\r\n\tZ  \r\n", "RFC 3.4.5 example 2, field B");
    /* RFC 6376 3.4.2's own example */
    HDR(R, "SUBJect: AbC", 0, "subject:AbC\r\n", "name lower-cased, value not");
    HDR(S, "SUBJect: AbC", 0, "SUBJect: AbC\r\n", "simple keeps the case");
    HDR(R, "SUBJect: AbC", MA_CANON_NO_CRLF, "subject:AbC", "relaxed without CRLF");
    HDR(S, "SUBJect: AbC", MA_CANON_NO_CRLF, "SUBJect: AbC", "simple without CRLF");
    HDR(R, "X-Test\t :\t  v", 0, "x-test:v\r\n", "WSP around the colon deleted");
    HDR(R, "Subject:", 0, "subject:\r\n", "empty value");
    HDR(R, "Subject: \t \r\n ", 0, "subject:\r\n", "WSP-only value");
    HDR(R, "To: a \t b\r\n\t c", 0, "to:a b c\r\n", "runs and a fold become one SP");
    HDR(R, "Subject:\r\n x", 0, "subject:x\r\n", "fold right after the colon");
    HDR(R, "Subject: a\r\n\r\n b", 0, "subject:a b\r\n", "two folds in a row");
    HDR(R, "X: a\rb", 0, "x:a b\r\n", "a lone CR counts as WSP");
    HDR(R, "X: a\nb", 0, "x:a b\r\n", "a bare LF counts as WSP");
    HDR(S, "X: a\rb", 0, "X: a\rb\r\n", "simple keeps a lone CR");
    HDR(R, "X: a:b", 0, "x:a:b\r\n", "only the first colon separates");
    HDR(R, ":v", 0, ":v\r\n", "empty name");
    HDR(R, "X-\xc3\x89: caf\xc3\xa9", 0, "x-\xc3\x89:caf\xc3\xa9\r\n", "8-bit bytes unchanged");
    HDR(R, "Sub ject : x", 0, "sub ject:x\r\n", "WSP inside a name becomes one SP");

    /* The DKIM-Signature field of RFC 8463 A.3 with b= emptied. */
    HDR(R,
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
        " d=football.example.com; i=@football.example.com;\r\n"
        " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
        " date : message-id : from : subject : date;\r\n"
        " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
        " b=",
        MA_CANON_NO_CRLF,
        "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=football.example.com; "
        "i=@football.example.com; q=dns/txt; s=test; t=1528637909; h=from : to : subject : "
        "date : message-id : from : subject : date; "
        "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=",
        "RFC 8463 signature field");

    /* Errors leave the buffer as it was; output is appended. */
    ma__buf_init(&out, ctx);
    ma__buf_append(&out, "keep", 4);
    is_int(ma__canon_header(&out, R, "no colon here", 13, 0), MA_ESYNTAX, "no colon: relaxed");
    is_int(ma__canon_header(&out, S, "no colon here", 13, 0), MA_ESYNTAX, "no colon: simple");
    is_int(ma__canon_header(&out, R, "", 0, 0), MA_ESYNTAX, "empty field");
    is_int(ma__canon_header(&out, (ma_dkim_canon)5, "a:b", 3, 0), MA_EINVAL, "unknown canon");
    is_int(ma__canon_header(&out, R, "a:b", 3, 4), MA_EINVAL, "unknown flag");
    is_int(ma__canon_header(&out, R, NULL, 3, 0), MA_EINVAL, "NULL field");
    is_int(ma__canon_header(NULL, R, "a:b", 3, 0), MA_EINVAL, "NULL buffer");
    is_mem(out.data, out.len, "keep", 4, "buffer unchanged by the errors");
    rc = ma__canon_header(&out, R, "A: 1", 4, 0);
    rc |= ma__canon_header(&out, S, "B: 2", 4, 0);
    ok(rc == MA_OK, "two more fields");
    is_mem(out.data, out.len, "keepa:1\r\nB: 2\r\n", 15, "appended in order");
    ma__buf_free(&out);
    {
        ma_digest *d = NULL;
        ma__digest_new(&d, ctx, MA_HASH_SHA256);
        ma__buf_init(&out, ctx);
        is_int(ma__canon_header_hash(d, &out, S, "nocolon", 7, 0), MA_ESYNTAX, "hash: no colon, simple");
        is_int(ma__canon_header_hash(d, &out, R, "nocolon", 7, 0), MA_ESYNTAX, "hash: no colon, relaxed");
        is_int(ma__canon_header_hash(d, &out, S, "a:b", 3, 8), MA_EINVAL, "hash: unknown flag");
        is_int(ma__canon_header_hash(d, NULL, S, "a:b", 3, 0), MA_EINVAL, "hash: NULL scratch");
        is_int(ma__canon_header_hash(NULL, &out, S, "a:b", 3, 0), MA_EINVAL, "hash: NULL digest");
        ma__buf_free(&out);
        ma__digest_free(d);
    }

    /* Out of memory: the buffer cannot grow. */
    {
        ta_alloc st;
        ma_ctx *tctx;
        ta_ctx_new(&tctx, &st);
        ma__buf_init(&out, tctx);
        ta_fail_once(&st, 1);
        is_int(ma__canon_header(&out, R, "A: 1", 4, 0), MA_ENOMEM, "allocation failure");
        ok(out.len == 0 && out.data == NULL, "buffer untouched");
        is_int(ma__canon_header(&out, R, "A: 1", 4, 0), MA_OK, "works once memory is back");
        ma__buf_free(&out);
        is_int(st.live, 1, "no leak");
        ma_ctx_free(tctx);
    }
}

/* ------------------------------------------- RFC 8463 A.3, end to end */

static const char rfc8463_msg[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\n"
    " d=football.example.com; i=@football.example.com;\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\n"
    " subject : date : message-id : from : subject : date;\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n"
    " d=football.example.com; i=@football.example.com;\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\n"
    " date : message-id : from : subject : date;\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\n"
    "From: Joe SixPack <joe@football.example.com>\n"
    "To: Suzie Q <suzie@shopping.example.net>\n"
    "Subject: Is dinner ready?\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\n"
    "\n"
    "Hi.\n"
    "\n"
    "We lost the game.  Are you hungry yet?\n"
    "\n"
    "Joe.\n"
    "\n";

/* Hash the signed fields of one signature of msg (RFC 6376 5.4.2: for each
   name in h=, the last field of that name not used yet; names with no field
   left add nothing), then its own field with b= emptied and no CRLF. */
static int header_hash(ma_msg *msg, size_t sig_index, unsigned char *md)
{
    static const char *const h[] = { "from", "to", "subject", "date", "message-id",
                                     "from", "subject", "date" };
    char used[64] = { 0 };
    ma_digest *d = NULL;
    ma_buf scratch;
    const char *raw, *b;
    size_t len, i, nf = ma_msg_field_count(msg);
    int rc;

    ma__buf_init(&scratch, ctx);
    rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
    for (i = 0; rc == MA_OK && i < sizeof h / sizeof h[0]; i++) {
        long j, pick = -1;
        for (j = 0; (j = ma_msg_find(msg, h[i], (size_t)j)) >= 0; j++)
            if (!used[j])
                pick = j;
        if (pick < 0)
            continue;
        used[pick] = 1;
        rc = ma_msg_field_raw(msg, (size_t)pick, &raw, &len);
        if (rc == MA_OK)
            rc = ma__canon_header_hash(d, &scratch, MA_DKIM_RELAXED, raw, len, 0);
    }
    if (rc == MA_OK && sig_index < nf)
        rc = ma_msg_field_raw(msg, sig_index, &raw, &len);
    if (rc == MA_OK) {
        /* b= is the last tag here: keep "b=", drop its value */
        b = strstr(raw, "\r\n b=");
        rc = b != NULL && (size_t)(b - raw) < len ? MA_OK : MA_ESYNTAX;
        if (rc == MA_OK)
            rc = ma__canon_header_hash(d, &scratch, MA_DKIM_RELAXED, raw, (size_t)(b - raw) + 5,
                                       MA_CANON_NO_CRLF);
    }
    if (rc == MA_OK)
        rc = ma__digest_final(d, md, NULL);
    ma__digest_free(d);
    ma__buf_free(&scratch);
    return rc;
}

static void test_rfc8463_message(void)
{
    static const size_t chunks[] = { 0, 1, 7, 64 };
    unsigned char want_bh[40];
    size_t wl, ci;

    ma__base64_decode("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", 44, want_bh, &wl);
    for (ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
        ma_msg *msg = NULL;
        ma_digest *bd = NULL, *bd_simple = NULL;
        ma_canon_body body, body_simple;
        unsigned char bh[MA_DIGEST_MAX], hh[MA_DIGEST_MAX];
        size_t off = 0, len = sizeof rfc8463_msg - 1, step = chunks[ci] ? chunks[ci] : len;
        int rc, i;
        char what[100];

        rc = ma_msg_new(&msg, ctx);
        if (rc == MA_OK)
            rc = ma__digest_new(&bd, ctx, MA_HASH_SHA256);
        if (rc == MA_OK)
            rc = ma__digest_new(&bd_simple, ctx, MA_HASH_SHA256);
        if (rc == MA_OK)
            rc = ma__canon_body_init(&body, MA_DKIM_RELAXED, MA_CANON_NO_LIMIT, bd);
        if (rc == MA_OK)
            rc = ma__canon_body_init(&body_simple, MA_DKIM_SIMPLE, 3, bd_simple);
        if (rc == MA_OK)
            rc = ma_msg_add_body_consumer(msg, ma__canon_body_consume, &body);
        if (rc == MA_OK)
            rc = ma_msg_add_body_consumer(msg, ma__canon_body_consume, &body_simple);
        while (rc == MA_OK && off < len) {
            size_t n = step < len - off ? step : len - off;
            rc = ma_msg_write(msg, rfc8463_msg + off, n);
            off += n;
        }
        if (rc == MA_OK)
            rc = ma_msg_finish(msg);
        if (rc == MA_OK)
            rc = ma__digest_final(bd, bh, NULL);
        snprintf(what, sizeof what, "RFC 8463 A.3 through the reader (spans of %zu): relaxed bh=", step);
        ok(rc == MA_OK && memcmp(bh, want_bh, 32) == 0, what);
        ok(ma__canon_body_length(&body) == 54 && ma__canon_body_length(&body_simple) == 55
               && ma__canon_body_hashed(&body_simple) == 3,
           "two consumers, their own lengths and l=");

        for (i = 0; i < 2; i++) {
            static const char *const p[] = {
                "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J1"
                "6JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2"
                "EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
            };
            static const char *const bval[] = {
                "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
                "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tF"
                "OeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
            };
            unsigned char key[200], sig[200];
            size_t kl, sl;
            ma_pubkey *k = NULL;
            int good = 0;
            ma__base64_decode(p[i], strlen(p[i]), key, &kl);
            ma__base64_decode(bval[i], strlen(bval[i]), sig, &sl);
            rc = header_hash(msg, (size_t)i, hh);
            if (rc == MA_OK)
                rc = ma__pubkey_new(&k, ctx, i == 0 ? MA_KEY_ED25519 : MA_KEY_RSA, key, kl);
            if (rc == MA_OK)
                rc = ma__pubkey_verify(k, i == 0 ? MA_DKIM_ED25519_SHA256 : MA_DKIM_RSA_SHA256, hh,
                                       32, sig, sl, &good);
            ok(rc == MA_OK && good == 1,
               i == 0 ? "ed25519-sha256 signature verifies over the canonical header"
                      : "rsa-sha256 signature verifies over the canonical header");
            ma__pubkey_free(k);
        }
        ma__digest_free(bd);
        ma__digest_free(bd_simple);
        ma_msg_free(msg);
    }
}

/* ma__canon_header_hash_gap() against ma__canon_header_hash() on the field
   with the gap cut out by hand: every gap after the colon of a few fields,
   both canonicalisations, with and without the CRLF. */
static void test_header_gap(void)
{
    static const char *const fields[] = {
        "DKIM-Signature: v=1; a=rsa-sha256; b=AB CD\r\n\tEF; bh=xyz=;  d=example.com",
        "X:\t a  b \r\n c\t",
        "Name :v",
        "A:",
    };
    ma_buf scratch, cut;
    ma_digest *d1 = NULL, *d2 = NULL;
    size_t fi, off, gl;
    int bad = 0, runs = 0, c, fl;

    ma__buf_init(&scratch, ctx);
    ma__buf_init(&cut, ctx);
    ma__digest_new(&d1, ctx, MA_HASH_SHA256);
    ma__digest_new(&d2, ctx, MA_HASH_SHA256);
    for (fi = 0; fi < sizeof fields / sizeof fields[0]; fi++) {
        const char *f = fields[fi];
        size_t len = strlen(f), colon = (size_t)(strchr(f, ':') - f);
        for (off = colon + 1; off <= len; off++)
            for (gl = 0; gl <= len - off; gl++)
                for (c = 0; c < 2; c++)
                    for (fl = 0; fl < 2; fl++) {
                        ma_dkim_canon cn = c ? MA_DKIM_RELAXED : MA_DKIM_SIMPLE;
                        unsigned int flags = fl ? MA_CANON_NO_CRLF : 0;
                        unsigned char m1[MA_DIGEST_MAX], m2[MA_DIGEST_MAX];
                        int r1, r2;
                        ma__buf_reset(&cut);
                        ma__buf_append(&cut, f, off);
                        ma__buf_append(&cut, f + off + gl, len - off - gl);
                        ma__digest_reset(d1);
                        ma__digest_reset(d2);
                        r1 = ma__canon_header_hash_gap(d1, &scratch, cn, f, len, off, gl, flags);
                        r2 = ma__canon_header_hash(d2, &scratch, cn, cut.data, cut.len, flags);
                        if (r1 == MA_OK)
                            r1 = ma__digest_final(d1, m1, NULL);
                        if (r2 == MA_OK)
                            r2 = ma__digest_final(d2, m2, NULL);
                        runs++;
                        if (r1 != MA_OK || r2 != MA_OK || memcmp(m1, m2, 32) != 0) {
                            if (bad++ < 3)
                                printf("# gap %zu+%zu in field %zu (%s, flags %u) differs\n", off,
                                       gl, fi, c ? "relaxed" : "simple", flags);
                        }
                    }
    }
    ok(bad == 0 && runs > 1000, "header with a gap == the header with the gap cut out");
    ma__digest_reset(d1);
    is_int(ma__canon_header_hash_gap(d1, &scratch, MA_DKIM_RELAXED, "A: b", 4, 3, 2, 0), MA_EINVAL,
           "gap: past the end");
    is_int(ma__canon_header_hash_gap(d1, &scratch, MA_DKIM_RELAXED, "A: b", 4, 5, 0, 0), MA_EINVAL,
           "gap: offset past the end");
    is_int(ma__canon_header_hash_gap(d1, &scratch, MA_DKIM_RELAXED, "A: b", 4, 0, 2, 0), MA_EINVAL,
           "gap: over the colon");
    is_int(ma__canon_header_hash_gap(d1, &scratch, MA_DKIM_RELAXED, "A: b", 4, 1, 0, 0), MA_EINVAL,
           "gap: before the colon");
    is_int(ma__canon_header_hash_gap(d1, &scratch, MA_DKIM_SIMPLE, "Ab", 2, 1, 1, 0), MA_ESYNTAX,
           "gap: no colon");
    is_int(ma__canon_header_hash_gap(NULL, &scratch, MA_DKIM_SIMPLE, "A:b", 3, 2, 1, 0), MA_EINVAL,
           "gap: NULL digest");
    is_int(ma__canon_header_hash_gap(d1, NULL, MA_DKIM_SIMPLE, "A:b", 3, 2, 1, 0), MA_EINVAL,
           "gap: NULL scratch");
    is_int(ma__canon_header_hash_gap(d1, &scratch, (ma_dkim_canon)7, "A:b", 3, 2, 1, 0), MA_EINVAL,
           "gap: unknown canonicalisation");
    is_int(ma__canon_header_hash_gap(d1, &scratch, MA_DKIM_SIMPLE, "A:b", 3, 2, 1, 4), MA_EINVAL,
           "gap: unknown flag");
    ma__digest_free(d1);
    ma__digest_free(d2);
    ma__buf_free(&scratch);
    ma__buf_free(&cut);
}

/* Relaxed header fields against a reference, on random fields with long
   values (the vector copy of runs of content and single SPs): WSP runs,
   folds, trailing WSP, stray CR and LF, control and 8-bit bytes. */
static int ref_is_hwsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t ref_header(const char *f, size_t len, char *out)
{
    size_t colon = (size_t)((const char *)memchr(f, ':', len) - f), i, o = 0;
    int sp = 0;

    for (i = 0; i < colon; i++) {
        if (ref_is_hwsp(f[i])) {
            sp = 1;
            continue;
        }
        if (sp)
            out[o++] = ' ';
        sp = 0;
        out[o++] = (char)(f[i] >= 'A' && f[i] <= 'Z' ? f[i] + 32 : f[i]);
    }
    out[o++] = ':';
    sp = 0;
    for (i = colon + 1; i < len; i++) {
        if (ref_is_hwsp(f[i])) {
            sp = 1;
            continue;
        }
        if (sp && out[o - 1] != ':')
            out[o++] = ' ';
        sp = 0;
        out[o++] = f[i];
    }
    out[o++] = '\r';
    out[o++] = '\n';
    return o;
}

static void test_header_random(void)
{
    static const char alphabet[] = "abcXYZ;=   \t\r\n\x01\x1f\x7f\x80\xff";
    static char f[3100], exp[3120], cut[3100];
    ma_buf out, scratch;
    ma_digest *d = NULL;
    int iter, bad = 0, hbad = 0;

    ma__buf_init(&out, ctx);
    ma__buf_init(&scratch, ctx);
    ma__digest_new(&d, ctx, MA_HASH_SHA256);
    for (iter = 0; iter < 3000; iter++) {
        /* every fourth field long: past the on-stack size of the hashing path */
        size_t nl = 1 + rng() % 12, vl = rng() % (iter % 4 == 0 ? 3000 : 300), len = 0, k, el;
        size_t colon, goff, glen, cl;
        unsigned char want[MA_DIGEST_MAX], got[MA_DIGEST_MAX];
        size_t got_len = 0;
        int rc;
        for (k = 0; k < nl; k++)
            f[len++] = rng() % 8 ? (char)('A' + rng() % 26) : ' ';
        f[len++] = ':';
        for (k = 0; k < vl; k++) {
            uint32_t r = rng() % 10;
            if (r < 6)
                f[len++] = (char)('a' + rng() % 26);
            else if (r < 8)
                f[len++] = ' ';
            else
                f[len++] = alphabet[rng() % (sizeof alphabet - 1)];
        }
        el = ref_header(f, len, exp);
        ma__buf_reset(&out);
        rc = ma__canon_header(&out, MA_DKIM_RELAXED, f, len, 0);
        if (rc != MA_OK || out.len != el || memcmp(out.data, exp, el) != 0) {
            if (bad++ < 3)
                printf("# random field %d (%zu bytes) differs\n", iter, len);
        }
        /* hashed straight, whole and with a gap cut out after the colon */
        ma__digest_oneshot(MA_HASH_SHA256, exp, el, want, NULL);
        ma__digest_reset(d);
        if (ma__canon_header_hash(d, &scratch, MA_DKIM_RELAXED, f, len, 0) != MA_OK
            || ma__digest_final(d, got, &got_len) != MA_OK || memcmp(got, want, 32) != 0)
            hbad++;
        colon = nl;
        goff = colon + 1 + (len > colon + 1 ? rng() % (len - colon) : 0);
        glen = rng() % (len - goff + 1);
        memcpy(cut, f, goff);
        memcpy(cut + goff, f + goff + glen, len - goff - glen);
        cl = ref_header(cut, len - glen, exp);
        ma__digest_oneshot(MA_HASH_SHA256, exp, cl, want, NULL);
        ma__digest_reset(d);
        if (ma__canon_header_hash_gap(d, &scratch, MA_DKIM_RELAXED, f, len, goff, glen, 0) != MA_OK
            || ma__digest_final(d, got, &got_len) != MA_OK || memcmp(got, want, 32) != 0)
            hbad++;
    }
    ok(bad == 0, "3000 random relaxed fields == reference");
    ok(hbad == 0, "and hashed (on the stack or in scratch, with and without a gap) == reference");
    ma__digest_free(d);
    ma__buf_free(&scratch);
    ma__buf_free(&out);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_body_simple();
    test_body_relaxed();
    test_body_cases();
    test_body_limit();
    test_body_random();
    test_body_large();
    test_body_simd();
    test_body_full_buffer();
    test_body_stops_every_lane();
    test_body_errors();
    test_header();
    test_header_gap();
    test_header_random();
    test_rfc8463_message();
    ma_ctx_free(ctx);
    return tap_done();
}
