/*
 * Unit tests: domain names (src/core/domain.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "alloc.h"
#include "tap.h"

static ma_ctx *ctx;
static char sentinel[] = "unchanged";

#define US MA_DOMAIN_ALLOW_UNDERSCORE
#define AO MA_DOMAIN_ASCII_ONLY
#define SL MA_DOMAIN_ALLOW_SINGLE_LABEL

static void norm_ok_len(const char *in, size_t len, unsigned int flags, const char *want,
                        const char *what)
{
    char *out = sentinel;
    int rc = ma_domain_normalize(&out, ctx, in, len, flags);
    if (is_int(rc, MA_OK, what))
        is_str(out, want, what);
    else
        ok(0, what);
    if (rc == MA_OK)
        ma_free(ctx, out);
}

static void norm_ok(const char *in, unsigned int flags, const char *want, const char *what)
{
    norm_ok_len(in, strlen(in), flags, want, what);
}

static void norm_bad_len(const char *in, size_t len, unsigned int flags, int want_rc,
                         const char *what)
{
    char *out = sentinel;
    int rc = ma_domain_normalize(&out, ctx, in, len, flags);
    is_int(rc, want_rc, what);
    ok(out == NULL, "output is NULL after an error");
    if (rc == MA_OK)
        ma_free(ctx, out);
}

static void norm_bad(const char *in, unsigned int flags, const char *what)
{
    norm_bad_len(in, strlen(in), flags, MA_ESYNTAX, what);
}

/* A string of n copies of c (static storage, n < 2000). */
static const char *rep(char c, size_t n)
{
    static char buf[2][2048];
    static int which;
    char *b = buf[which ^= 1];
    memset(b, c, n);
    b[n] = '\0';
    return b;
}

static void test_ascii(void)
{
    char name[600];

    norm_ok("example.com", 0, "example.com", "plain name");
    norm_ok("Example.COM", 0, "example.com", "folded to lower case");
    norm_ok("MAIL.Example.Com.", 0, "mail.example.com", "trailing dot removed");
    norm_ok("a-b.c-d.example", 0, "a-b.c-d.example", "inner hyphens");
    norm_ok("a--b.example", 0, "a--b.example", "double hyphen not in positions 3-4");
    norm_ok("ab--cd.example", 0, "ab--cd.example",
            "R-LDH label that is not xn-- is a valid LDH label");
    norm_ok("123.example", 0, "123.example", "all-digit label");
    norm_ok("1.2.3.4", 0, "1.2.3.4", "digits only (not an address check)");
    norm_ok("x.y", 0, "x.y", "one-letter labels");

    norm_bad("", 0, "empty name");
    norm_bad(".", 0, "root only");
    norm_bad("..", 0, "two dots");
    norm_bad("example.com..", 0, "two trailing dots");
    norm_bad(".example.com", 0, "leading dot");
    norm_bad("a..example", 0, "empty label");
    norm_bad("-a.example", 0, "leading hyphen");
    norm_bad("a-.example", 0, "trailing hyphen");
    norm_bad("example.-com", 0, "leading hyphen in the last label");
    norm_bad("-.example", 0, "label of one hyphen");
    norm_bad("exa mple.com", 0, "space");
    norm_bad("example.com ", 0, "trailing space");
    norm_bad(" example.com", 0, "leading space");
    norm_bad("ex/ample.com", 0, "slash");
    norm_bad("user@example.com", 0, "at sign");
    norm_bad("*.example.com", 0, "wildcard");
    norm_bad("exa\tmple.com", 0, "tab");
    norm_bad("exa\x7fmple.com", 0, "DEL");
    norm_bad("example.com\r\n", 0, "CRLF");
    norm_bad("[192.0.2.1]", 0, "address literal");
    norm_bad_len("exam\0ple.com", 12, 0, MA_ESYNTAX, "embedded NUL");
    norm_bad_len("example.com\0", 12, 0, MA_ESYNTAX, "trailing NUL counted in len");

    /* Single labels. */
    norm_bad("localhost", 0, "single label rejected by default");
    norm_bad("localhost.", 0, "single label with a dot rejected by default");
    norm_ok("LocalHost", SL, "localhost", "single label with the flag");
    norm_ok("com.", SL, "com", "single label and dot with the flag");
    norm_ok("a.b", SL, "a.b", "two labels with the single-label flag");

    /* Underscores. */
    norm_bad("_dmarc.example.com", 0, "underscore needs the flag");
    norm_bad("sel_1._domainkey.example.com", 0, "underscore inside a label needs the flag");
    norm_ok("_dmarc.Example.com", US, "_dmarc.example.com", "underscore with the flag");
    norm_ok("Sel_1._domainkey.example.com", US, "sel_1._domainkey.example.com",
            "DKIM key name with the flag");
    norm_ok("_.example", US, "_.example", "a label of one underscore");
    norm_bad("-_.example", US, "hyphen still may not start a label");

    /* Label length: 63 octets is the most. */
    snprintf(name, sizeof name, "%s.example", rep('a', 63));
    norm_ok(name, 0, name, "63-octet label");
    snprintf(name, sizeof name, "%s.example", rep('a', 64));
    norm_bad(name, 0, "64-octet label");
    snprintf(name, sizeof name, "example.%s", rep('B', 64));
    norm_bad(name, 0, "64-octet last label");
    snprintf(name, sizeof name, "%s", rep('c', 63));
    norm_ok(name, SL, name, "63-octet single label");

    /* Name length: 253 octets without the trailing dot. */
    {
        char want[600];
        /* Exact sizes from three 63-octet labels and one shorter label. */
        char l63[64], l[64];
        memcpy(l63, rep('a', 63), 64);
        /* 63+1+63+1+63+1+61 = 253 */
        memcpy(l, rep('b', 61), 62);
        snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l);
        is_int(strlen(name), 253, "built a 253-octet name");
        norm_ok(name, 0, name, "253-octet name");
        snprintf(want, sizeof want, "%s", name);
        strcat(name, ".");
        is_int(strlen(name), 254, "254 octets with the trailing dot");
        norm_ok(name, 0, want, "253-octet name plus trailing dot");
        memcpy(l, rep('b', 62), 63);
        snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l);
        is_int(strlen(name), 254, "built a 254-octet name");
        norm_bad(name, 0, "254-octet name");
        strcat(name, ".");
        norm_bad(name, 0, "254-octet name plus trailing dot");
        /* Many short labels. */
        {
            size_t n = 0, k;
            for (k = 0; k < 127; k++) {
                name[n++] = 'x';
                name[n++] = '.';
            }
            name[n - 1] = '\0';   /* 127 labels, 253 octets */
            is_int(strlen(name), 253, "built 127 one-letter labels");
            norm_ok(name, 0, name, "127 one-letter labels");
            name[n - 1] = '.';
            name[n] = 'y';
            name[n + 1] = 'y';
            name[n + 2] = '\0';
            norm_bad(name, 0, "256 octets of short labels");
        }
    }

    /* Explicit length: only len bytes are read. */
    norm_ok_len("example.comXXXX", 11, 0, "example.com", "input cut at len");
    norm_ok_len("example.com.evil", 12, 0, "example.com", "input cut after the dot");
    norm_bad_len("a.b", 0, 0, MA_ESYNTAX, "zero length");
    {
        /* Input not NUL-terminated, right at the end of a heap block. */
        char *p = malloc(11);
        memcpy(p, "example.NET", 11);
        norm_ok_len(p, 11, 0, "example.net", "input without a NUL");
        free(p);
    }
}

static void test_idn(void)
{
    char name[1200];
    size_t n;

    /* U-labels to A-labels (RFC 5891; RFC 8616). */
    norm_ok("b\xc3\xbc" "cher.example", 0, "xn--bcher-kva.example", "b\xc3\xbc" "cher.example");
    norm_ok("B\xc3\x9c" "CHER.Example", 0, "xn--bcher-kva.example", "upper case U-label mapped");
    norm_ok("m\xc3\xbcnchen.de.", 0, "xn--mnchen-3ya.de", "m\xc3\xbcnchen.de. (trailing dot)");
    norm_ok("fa\xc3\x9f.de", 0, "xn--fa-hia.de", "fa\xc3\x9f.de non-transitional (not fass.de)");
    norm_ok("\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 0,
            "xn--r8jz45g.xn--zckzah", "Japanese IDN test TLD");
    norm_ok("\xce\xb2\xcf\x8c\xce\xbb\xce\xbf\xcf\x82.example", 0, "xn--nxasmm1c.example",
            "Greek with final sigma kept (non-transitional)");
    norm_ok("_dmarc.b\xc3\xbc" "cher.example", US, "_dmarc.xn--bcher-kva.example",
            "ASCII underscore label next to a U-label");
    norm_ok("ab--cd.b\xc3\xbc" "cher.example", 0, "ab--cd.xn--bcher-kva.example",
            "ASCII labels are judged alone, whatever the other labels");

    /* UTS 46 mapping: full-width letters and the ideographic full stop. */
    norm_ok("\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90\xef\xbd\x8c\xef\xbd\x85.com",
            0, "example.com", "full-width letters map to ASCII");
    norm_ok("b\xc3\xbc" "cher\xe3\x80\x82" "example", 0, "xn--bcher-kva.example",
            "U+3002 ideographic full stop separates labels");
    norm_bad("\xc2\xad.example", 0, "label of only U+00AD (maps to nothing)");

    /* Rejected U-labels. */
    norm_bad("a\xe2\x98\x83" "b.example", 0, "snowman is DISALLOWED in IDNA2008");
    norm_bad("\xf0\x9f\x92\xa9.la", 0, "emoji is DISALLOWED");
    norm_bad("b\xfc" "cher.example", 0, "Latin-1 byte (invalid UTF-8)");
    norm_bad("b\xc3" "cher.example", 0, "truncated UTF-8");
    norm_bad("\xc0\xae.example", 0, "overlong UTF-8");
    norm_bad("b\xc3\xbc" "cher.example", AO, "U-label with ASCII_ONLY");
    norm_bad("-b\xc3\xbc" "cher.example", 0, "U-label starting with a hyphen");
    norm_bad("b\xc3\xbc" "cher-.example", 0, "U-label ending with a hyphen");
    norm_bad("b\xc3\xbc" "_cher.example", 0, "underscore in a U-label without the flag");
    norm_bad("b\xc3\xbc" "cher.exa mple", 0, "space in an ASCII label of an IDN");
    norm_bad("b\xc3\xbc" "cher..example", 0, "empty label next to a U-label");

    /* A-labels are validated. */
    norm_ok("xn--bcher-kva.example", 0, "xn--bcher-kva.example", "valid A-label");
    norm_ok("XN--BCHER-KVA.EXAMPLE", 0, "xn--bcher-kva.example", "upper-case A-label folded");
    norm_ok("xn--bcher-kva.example", AO, "xn--bcher-kva.example", "A-label with ASCII_ONLY");
    norm_ok("xn--fa-hia.de", 0, "xn--fa-hia.de", "A-label with a deviation character");
    norm_ok("xn--r8jz45g.xn--zckzah", 0, "xn--r8jz45g.xn--zckzah", "two A-labels");
    norm_bad("xn--.example", 0, "empty A-label");
    norm_bad("xn--a.example", 0, "A-label decoding to nothing");
    norm_bad("xn--zz-zzz.example", 0, "A-label decoding to a DISALLOWED character");
    norm_bad("xn--abc-.example", 0, "fake A-label (ASCII payload, trailing hyphen)");
    norm_bad("xn--ls8h.la", 0, "A-label of an emoji");
    norm_bad("xn--bung-fna.example", 0, "A-label of an upper-case U-label (\xc3\x9c" "bung)");
    norm_bad("xn--0.example", 0, "bad punycode digit");
    norm_bad("xn--bcher-kva9.example", 0, "punycode with a corrupted tail");
    norm_ok("xn--nxasmq6b.example", 0, "xn--nxasmq6b.example", "A-label with a plain sigma at the end");
    norm_ok("xn--nxasmm1c.example", 0, "xn--nxasmm1c.example", "A-label of the final sigma form");

    /* Lengths are counted on the A-label form. */
    {
        char want[200], in[400];
        size_t k;
        /* 57 x u-umlaut -> "xn--tda" + 56 "a" = 63 octets */
        n = 0;
        for (k = 0; k < 57; k++) {
            in[n++] = '\xc3';
            in[n++] = '\xbc';
        }
        memcpy(in + n, ".example", 9);
        snprintf(want, sizeof want, "xn--tda%s.example", rep('a', 56));
        norm_ok(in, 0, want, "U-label whose A-label is 63 octets");
        n = 0;
        for (k = 0; k < 58; k++) {
            in[n++] = '\xc3';
            in[n++] = '\xbc';
        }
        memcpy(in + n, ".example", 9);
        norm_bad(in, 0, "U-label whose A-label is 64 octets");
    }
    {
        /* Four labels of 40 x u-umlaut: 323 bytes of UTF-8, but 4 x 46 + 3
           = 187 octets as A-labels. */
        char want[300], lab[50];
        size_t k, j;
        n = 0;
        for (j = 0; j < 4; j++) {
            for (k = 0; k < 40; k++) {
                name[n++] = '\xc3';
                name[n++] = '\xbc';
            }
            name[n++] = '.';
        }
        name[n - 1] = '\0';
        is_int(strlen(name), 323, "built 323 bytes of UTF-8");
        snprintf(lab, sizeof lab, "xn--tda%s", rep('a', 39));
        snprintf(want, sizeof want, "%s.%s.%s.%s", lab, lab, lab, lab);
        norm_ok(name, 0, want, "long UTF-8 input, short A-label form");
        /* Six of them: 6 x 46 + 5 = 281 octets as A-labels: too long. */
        n = 0;
        for (j = 0; j < 6; j++) {
            for (k = 0; k < 40; k++) {
                name[n++] = '\xc3';
                name[n++] = '\xbc';
            }
            name[n++] = '.';
        }
        name[n - 1] = '\0';
        norm_bad(name, 0, "A-label form longer than 253 octets");
    }
    /* Input length bound. */
    memset(name, 'a', 1100);
    norm_bad_len(name, 1100, SL, MA_ESYNTAX, "1100-byte input");
    {
        /* 1024 bytes of soft hyphens and a few letters: TR46 maps U+00AD to
           nothing, so this is a short name, but the input is at the bound. */
        size_t k;
        n = 0;
        for (k = 0; k < 510; k++) {
            name[n++] = '\xc2';
            name[n++] = '\xad';
        }
        memcpy(name + n, "a.bc", 4);
        n += 4;
        is_int(n, 1024, "built a 1024-byte input");
        norm_ok_len(name, n, 0, "a.bc", "1024-byte input (the bound) of mostly ignorable code points");
        name[n++] = 'd';
        norm_bad_len(name, n, 0, MA_ESYNTAX, "1025-byte input");
    }
}

static void test_api(void)
{
    char *out = sentinel;
    ma_buf b;

    is_int(ma_domain_normalize(NULL, ctx, "a.b", 3, 0), MA_EINVAL, "NULL out");
    is_int(ma_domain_normalize(&out, NULL, "a.b", 3, 0), MA_EINVAL, "NULL context");
    ok(out == NULL, "out cleared on NULL context");
    is_int(ma_domain_normalize(&out, ctx, NULL, 3, 0), MA_EINVAL, "NULL name with a length");
    is_int(ma_domain_normalize(&out, ctx, NULL, 0, 0), MA_ESYNTAX, "NULL name, zero length");
    is_int(ma_domain_normalize(&out, ctx, "a.b", 3, 1u << 7), MA_EINVAL, "unknown flag");

    /* The internal entry point appends, and leaves the buffer alone on error. */
    ma__buf_init(&b, ctx);
    ma__buf_append(&b, "d=", 2);
    is_int(ma__domain_normalize_buf(&b, ctx, "Example.ORG", 11, 0), MA_OK, "normalize_buf");
    is_mem(b.data, b.len, "d=example.org", 13, "normalize_buf appends");
    is_int(ma__domain_normalize_buf(&b, ctx, "bad..name", 9, 0), MA_ESYNTAX, "normalize_buf error");
    is_mem(b.data, b.len, "d=example.org", 13, "buffer unchanged after an error");
    is_int(ma__domain_normalize_buf(NULL, ctx, "a.b", 3, 0), MA_EINVAL, "normalize_buf NULL buffer");
    ma__buf_free(&b);
}

static void test_compare(void)
{
#define EQ(a, b) ma_domain_equal((a), strlen(a), (b), strlen(b))
#define IN(c, p) ma_domain_is_within((c), strlen(c), (p), strlen(p))
    is_int(EQ("example.com", "example.com"), 1, "equal");
    is_int(EQ("Example.COM", "example.com"), 1, "equal ignoring case");
    is_int(EQ("example.com.", "EXAMPLE.com"), 1, "equal ignoring a trailing dot");
    is_int(EQ("example.com", "example.com."), 1, "trailing dot on the other side");
    is_int(EQ("example.com", "example.org"), 0, "different TLD");
    is_int(EQ("example.com", "example.co"), 0, "prefix is not equal");
    is_int(EQ("example.com", "mail.example.com"), 0, "subdomain is not equal");
    is_int(EQ("example.com..", "example.com"), 0, "only one trailing dot ignored");
    is_int(EQ("", ""), 0, "empty names never equal");
    is_int(EQ(".", "."), 0, "root names never equal");
    is_int(EQ("", "."), 0, "empty and root");
    is_int(ma_domain_equal(NULL, 0, NULL, 0), 0, "NULL names");
    is_int(ma_domain_equal("a.b", 3, NULL, 0), 0, "one NULL name");
    is_int(ma_domain_equal("a.bXX", 3, "A.Byy", 3), 1, "lengths honoured");
    is_int(ma_domain_equal("xn--bcher-kva.example", 21, "XN--BCHER-KVA.example", 21), 1,
           "A-labels compare case-insensitively");
    is_int(EQ("\xc3\xa4.example", "\xc3\x84.example"), 0, "no Unicode case folding (normalize first)");

    is_int(IN("mail.example.com", "example.com"), 1, "subdomain within parent");
    is_int(IN("a.b.mail.example.com", "example.com"), 1, "deep subdomain");
    is_int(IN("example.com", "example.com"), 1, "a name is within itself");
    is_int(IN("MAIL.Example.com.", "example.COM"), 1, "case and trailing dot ignored");
    is_int(IN("mail.example.com", "example.com."), 1, "parent's trailing dot ignored");
    is_int(IN("badexample.com", "example.com"), 0, "no label boundary");
    is_int(IN("example.com", "mail.example.com"), 0, "parent within child");
    is_int(IN("example.org", "example.com"), 0, "unrelated");
    is_int(IN("example.com", "com"), 1, "within a TLD");
    is_int(IN("example.com", "om"), 0, "partial TLD");
    is_int(IN("example.com", ""), 0, "empty parent");
    is_int(IN("example.com", "."), 0, "root parent");
    is_int(IN("", "example.com"), 0, "empty child");
    is_int(IN(".example.com", "example.com"), 1, "label boundary even with an empty label");
    is_int(ma_domain_is_within(NULL, 0, "a", 1), 0, "NULL child");
    is_int(ma_domain_is_within("a.b", 3, NULL, 0), 0, "NULL parent");
    is_int(ma_domain_is_within("mail.example.comZZ", 16, "example.com", 11), 1, "lengths honoured");
#undef EQ
#undef IN
}

static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *c;
    char *out = NULL;
    long n;
    int rc = MA_ENOMEM, saw_enomem = 0, leaks = 0;

    for (n = 1; n < 20 && rc != MA_OK; n++) {
        if (ta_ctx_new(&c, &st) != MA_OK)
            break;
        ta_fail_once(&st, n);
        out = NULL;
        rc = ma_domain_normalize(&out, c, "Mail.B\xc3\xbc" "cher.example", 20, 0);
        if (rc == MA_ENOMEM)
            saw_enomem = 1;
        else if (rc != MA_OK)
            break;
        if (rc == MA_ENOMEM && out != NULL)
            leaks = 1;
        if (rc == MA_OK && strcmp(out, "mail.xn--bcher-kva.example") != 0)
            rc = MA_EINTERNAL;
        ma_free(c, out);
        ma_ctx_free(c);
        if (st.live != 0)
            leaks = 1;
    }
    is_int(rc, MA_OK, "normalize succeeds once allocations stop failing");
    ok(saw_enomem, "an allocation failure gives MA_ENOMEM");
    ok(!leaks, "no leaks after allocation failures");
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK) {
        ok(0, "context");
        return tap_done();
    }
    test_ascii();
    test_idn();
    test_api();
    test_compare();
    test_oom();
    ma_ctx_free(ctx);
    tap_diag("domain done");
    return tap_done();
}
