/*
 * Unit tests: base64 (src/core/base64.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "tap.h"

/* Decode a NUL-terminated string into a heap buffer of exactly the
   documented size, so ASan/valgrind catch any overrun. */
static int dec(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    int rc;
    *out = malloc(MA_BASE64_DECODED_MAX(len));
    if (*out == NULL)
        return MA_ENOMEM;
    *out_len = 12345;
    rc = ma__base64_decode(in, len, *out, out_len);
    return rc;
}

static void check_decode_ok(const char *in, const void *want, size_t want_len, const char *what)
{
    unsigned char *out;
    size_t n;
    int rc = dec(in, strlen(in), &out, &n);
    if (is_int(rc, MA_OK, what))
        is_mem(out, n, want, want_len, what);
    else
        ok(0, what);
    free(out);
}

static void check_decode_bad(const char *in, size_t len, const char *what)
{
    unsigned char *out;
    size_t n;
    int rc = dec(in, len, &out, &n);
    is_int(rc, MA_ESYNTAX, what);
    free(out);
}

static void check_encode(const char *in, const char *want, const char *what)
{
    size_t len = strlen(in);
    char *out = malloc(MA_BASE64_ENCODED_LEN(len) + 1);
    size_t n = ma__base64_encode((const unsigned char *)in, len, out);
    is_int(n, MA_BASE64_ENCODED_LEN(len), what);
    is_mem(out, n, want, strlen(want), what);
    free(out);
}

/* A tiny deterministic generator for the round-trip tests. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static int b64_value(int c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(a, c) : NULL;
    return p ? (int)(p - a) : -1;
}

/*
 * The strict decoder as the rules say it, one character at a time: the
 * table-driven decoder (with its four-at-a-time fast path) must agree with
 * it on every input, good or bad.
 */
static int ref_decode(const char *in, size_t len, unsigned char *out, size_t *out_len)
{
    unsigned int q[4] = { 0, 0, 0, 0 };
    size_t nq = 0, pad = 0, o = 0, i;

    *out_len = 0;
    for (i = 0; i < len; i++) {
        int c = (unsigned char)in[i], v;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            if (nq + pad < 2 || nq + pad + 1 > 4)
                return MA_ESYNTAX;
            pad++;
            continue;
        }
        if (pad > 0 || (v = b64_value(c)) < 0)
            return MA_ESYNTAX;
        q[nq++] = (unsigned int)v;
        if (nq == 4) {
            out[o++] = (unsigned char)((q[0] << 2) | (q[1] >> 4));
            out[o++] = (unsigned char)((q[1] << 4) | (q[2] >> 2));
            out[o++] = (unsigned char)((q[2] << 6) | q[3]);
            nq = 0;
        }
    }
    if (pad == 0 && nq != 0)
        return MA_ESYNTAX;
    if (pad > 0) {
        if (nq + pad != 4 || (nq == 2 && (q[1] & 0x0f)) || (nq == 3 && (q[2] & 0x03)))
            return MA_ESYNTAX;
        out[o++] = (unsigned char)((q[0] << 2) | (q[1] >> 4));
        if (nq == 3)
            out[o++] = (unsigned char)((q[1] << 4) | (q[2] >> 2));
    }
    *out_len = o;
    return MA_OK;
}

static void test_against_reference(void)
{
    static const char pool[] = "QUJDRGVmZ2hpams0NTY3+/AB ==\t\r\n*-_\x80";
    char in[64];
    unsigned char got[MA_BASE64_DECODED_MAX(64)], want[MA_BASE64_DECODED_MAX(64)];
    int iter, bad = 0, good = 0;

    for (iter = 0; iter < 20000; iter++) {
        size_t len = rng() % 40, i, gl = 0, wl = 0;
        int grc, wrc;
        /* mostly alphabet characters, so that many inputs are valid */
        for (i = 0; i < len; i++)
            in[i] = rng() % 4 ? pool[rng() % 20] : pool[rng() % (sizeof pool - 1)];
        if (len >= 2 && rng() % 3 == 0)
            in[len - 1] = '=';
        grc = ma__base64_decode(in, len, got, &gl);
        wrc = ref_decode(in, len, want, &wl);
        if (wrc == MA_OK)
            good++;
        if (grc != wrc || gl != wl || (grc == MA_OK && memcmp(got, want, gl) != 0))
            bad++;
    }
    ok(bad == 0 && good > 1000, "20000 random inputs: same result as the reference decoder");
}

int main(void)
{
    static const struct {
        const char *plain, *enc;
    } rfc4648[] = {
        /* RFC 4648 section 10 test vectors */
        { "", "" },
        { "f", "Zg==" },
        { "fo", "Zm8=" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" },
        { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" },
    };
    size_t i;

    for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "RFC 4648 encode \"%s\"", rfc4648[i].plain);
        check_encode(rfc4648[i].plain, rfc4648[i].enc, what);
        snprintf(what, sizeof what, "RFC 4648 decode \"%s\"", rfc4648[i].enc);
        check_decode_ok(rfc4648[i].enc, rfc4648[i].plain, strlen(rfc4648[i].plain), what);
    }

    /* The SHA-256 of the empty string, the bh= of an empty relaxed body. */
    {
        static const unsigned char sha_empty[32] = {
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
            0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55
        };
        check_decode_ok("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", sha_empty, 32,
                        "decode a 32-byte digest with + and /");
        check_decode_ok("47DEQpj8HBSa+/TImW+5\r\n\tJCeuQeRkm5NMpJWZG3hSuFU=", sha_empty, 32,
                        "decode a digest folded like a DKIM b= value (CRLF HTAB)");
        check_decode_ok(" 47DE Qpj8 HBSa +/TI mW+5 JCeu QeRk m5NM pJWZ G3hS uFU= ", sha_empty, 32,
                        "spaces anywhere, leading and trailing");
    }

    /* Whitespace rules (RFC 6376 3.5: ignored in b=, bh=, p=). */
    check_decode_ok("Zg= =", "f", 1, "whitespace between padding characters");
    check_decode_ok("Z\ng\r=\t=", "f", 1, "bare CR, LF and HTAB are all skipped");
    check_decode_ok("Zg==  \r\n ", "f", 1, "whitespace after padding");
    check_decode_ok("", "", 0, "empty input decodes to nothing");
    check_decode_ok(" \t\r\n", "", 0, "whitespace-only input decodes to nothing");
    check_decode_bad("Zm9v\vYmFy", 9, "vertical tab is not whitespace here");
    check_decode_bad("Zm9v\fYmFy", 9, "form feed is not whitespace here");

    /* Padding. */
    check_decode_bad("Zg", 2, "missing padding");
    check_decode_bad("Zm8", 3, "missing single padding");
    check_decode_bad("Zg=", 3, "incomplete padding");
    check_decode_bad("Zg===", 5, "too much padding");
    check_decode_bad("Z===", 4, "three padding characters");
    check_decode_bad("====", 4, "padding only");
    check_decode_bad("=", 1, "a lone '='");
    check_decode_bad("Zm9v=", 5, "padding after a complete quantum");
    check_decode_bad("Zm9v====", 8, "a quantum of padding");
    check_decode_bad("Zg==Zg==", 8, "data after padding");
    check_decode_bad("Zg==x", 5, "one character after padding");
    check_decode_bad("Zm=9", 4, "padding in the middle of a quantum");
    check_decode_bad("Zm=8", 4, "data after padding completing a quantum");
    check_decode_bad("Zg=A", 4, "data after one '=' completing a quantum");
    check_decode_bad("Z", 1, "one character");
    check_decode_bad("Zm9vY", 5, "five characters");

    /* Canonical pad bits (RFC 4648 3.5). */
    check_decode_bad("Zh==", 4, "non-zero pad bits after one byte");
    check_decode_bad("Zm9=", 4, "non-zero pad bits after two bytes");
    check_decode_ok("Zm8=", "fo", 2, "zero pad bits after two bytes");

    /* Characters outside the alphabet. */
    check_decode_bad("Zm9v!", 5, "'!' rejected");
    check_decode_bad("Zm-v", 4, "URL-safe '-' rejected");
    check_decode_bad("Zm_v", 4, "URL-safe '_' rejected");
    check_decode_bad("Zm9v\0YmFy", 9, "embedded NUL rejected");
    check_decode_bad("Zm9v\xc3\xa9", 6, "non-ASCII rejected");
    check_decode_bad("Zm9;", 4, "';' rejected");

    /* Explicit length: bytes after len are never read. */
    {
        unsigned char out[16];
        size_t n = 0;
        is_int(ma__base64_decode("Zm9vYmFy!!!!", 8, out, &n), MA_OK, "decode honours len");
        is_mem(out, n, "foobar", 6, "decode honours len: value");
        is_int(ma__base64_decode("Zm9vYmFy", 4, out, &n), MA_OK, "decode of a prefix");
        is_mem(out, n, "foo", 3, "decode of a prefix: value");
    }

    /* Argument errors. */
    {
        unsigned char out[8];
        size_t n = 99;
        is_int(ma__base64_decode("Zg==", 4, out, NULL), MA_EINVAL, "NULL out_len");
        is_int(ma__base64_decode(NULL, 4, out, &n), MA_EINVAL, "NULL input with a length");
        is_int(ma__base64_decode("Zg==", 4, NULL, &n), MA_EINVAL, "NULL output with a length");
        is_int(ma__base64_decode(NULL, 0, out, &n), MA_OK, "NULL input of length 0");
        is_int(n, 0, "NULL input of length 0 gives 0 bytes");
        n = 99;
        is_int(ma__base64_decode("Zg", 2, out, &n), MA_ESYNTAX, "error status");
        is_int(n, 0, "out_len is 0 after an error");
        is_int(ma__base64_encode(NULL, 3, (char *)out), 0, "encode of NULL writes nothing");
    }

    /* Every pair of characters before "==": valid exactly when both are in
       the alphabet and the second has its low four bits clear. */
    {
        int bad = 0, c1, c2;
        for (c1 = 0; c1 < 256 && !bad; c1++) {
            for (c2 = 0; c2 < 256; c2++) {
                char in[4];
                unsigned char out[6];
                size_t n = 0;
                int v1 = b64_value(c1), v2 = b64_value(c2);
                int want_ok = v1 >= 0 && v2 >= 0 && (v2 & 15) == 0;
                int rc;
                if (c1 == ' ' || c1 == '\t' || c1 == '\r' || c1 == '\n' || c2 == ' ' || c2 == '\t'
                    || c2 == '\r' || c2 == '\n' || c1 == '=' || c2 == '=')
                    continue;   /* whitespace and '=' change the shape */
                in[0] = (char)c1;
                in[1] = (char)c2;
                in[2] = in[3] = '=';
                rc = ma__base64_decode(in, 4, out, &n);
                if (want_ok ? (rc != MA_OK || n != 1 || out[0] != (unsigned char)((v1 << 2) | (v2 >> 4)))
                            : rc != MA_ESYNTAX) {
                    bad = 1;
                    printf("# pair 0x%02x 0x%02x: rc %d\n", c1, c2, rc);
                    break;
                }
            }
        }
        ok(!bad, "all 65536 two-character quanta decode exactly when canonical");
    }

    /* Round trips on random data of every length 0..300. */
    {
        int bad = 0;
        size_t len;
        for (len = 0; len <= 300 && !bad; len++) {
            unsigned char *raw = malloc(len + 1);
            char *enc = malloc(MA_BASE64_ENCODED_LEN(len) + 1);
            unsigned char *back = malloc(MA_BASE64_DECODED_MAX(MA_BASE64_ENCODED_LEN(len)));
            size_t k, elen, blen = 0;
            for (k = 0; k < len; k++)
                raw[k] = (unsigned char)rng();
            elen = ma__base64_encode(raw, len, enc);
            if (elen != MA_BASE64_ENCODED_LEN(len)
                || ma__base64_decode(enc, elen, back, &blen) != MA_OK || blen != len
                || (len && memcmp(raw, back, len) != 0))
                bad = 1;
            free(raw);
            free(enc);
            free(back);
        }
        ok(!bad, "encode/decode round trip for lengths 0..300");
    }

    /* All 256 byte values survive. */
    {
        unsigned char raw[256], back[MA_BASE64_DECODED_MAX(MA_BASE64_ENCODED_LEN(256))];
        char enc[MA_BASE64_ENCODED_LEN(256) + 1];
        size_t n = 0, elen;
        for (i = 0; i < 256; i++)
            raw[i] = (unsigned char)i;
        elen = ma__base64_encode(raw, 256, enc);
        is_int(elen, 344, "256 bytes encode to 344 characters");
        enc[elen < sizeof enc ? elen : 0] = '\0';
        is_str(enc + 340, "/w==", "256 bytes end in /w==");
        is_int(ma__base64_decode(enc, elen, back, &n), MA_OK, "256 bytes decode");
        is_mem(back, n, raw, 256, "all byte values round-trip");
    }

    /* A large input with whitespace every few characters (bounded work and
       no overrun on long input). */
    {
        size_t len = 3 * 100000, k, elen, flen = 0, n = 0;
        unsigned char *raw = malloc(len), *back;
        char *enc = malloc(MA_BASE64_ENCODED_LEN(len)), *folded;
        for (k = 0; k < len; k++)
            raw[k] = (unsigned char)(k * 7);
        elen = ma__base64_encode(raw, len, enc);
        folded = malloc(elen * 2);
        for (k = 0; k < elen; k++) {
            folded[flen++] = enc[k];
            if (k % 7 == 6)
                folded[flen++] = (k % 2) ? ' ' : '\n';
        }
        back = malloc(MA_BASE64_DECODED_MAX(flen));
        is_int(ma__base64_decode(folded, flen, back, &n), MA_OK, "large folded input decodes");
        ok(n == len && memcmp(back, raw, len) == 0, "large folded input round-trips");
        free(raw);
        free(enc);
        free(folded);
        free(back);
    }

    test_against_reference();

    tap_diag("base64 done");
    return tap_done();
}
