/*
 * Unit tests: the RFC 6376 3.2 tag=value list parser (src/core/taglist.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "alloc.h"
#include "tap.h"

/* ------------------------------------------------------------------ helpers */

static ma_ctx *ctx;

static int parse(ma_taglist *tl, const char *in, unsigned int flags, ma_errbuf *err)
{
    return ma__taglist_parse(tl, ctx, in, strlen(in), flags, err);
}

/* The value of tag name, or NULL. */
static const ma_tag *tag(const ma_taglist *tl, const char *name)
{
    return ma__taglist_get(tl, name);
}

static void check_value(const ma_taglist *tl, const char *name, const char *want, const char *what)
{
    const ma_tag *t = tag(tl, name);
    if (t == NULL) {
        ok(0, what);
        printf("#   tag \"%s\" missing\n", name);
        return;
    }
    is_mem(t->value, t->value_len, want, strlen(want), what);
}

/* Expect a syntax error at the given offset, with a message containing
   the given text. */
static void check_bad(const char *in, size_t len, unsigned int flags, int64_t want_off,
                      const char *want_text, const char *what)
{
    ma_taglist tl = { 0 };
    ma_errbuf err;
    int rc = ma__taglist_parse(&tl, ctx, in, len, flags, &err);
    char buf[300];
    if (!is_int(rc, MA_ESYNTAX, what))
        printf("#   input \"%.*s\"\n", (int)len, in);
    snprintf(buf, sizeof buf, "%s: offset", what);
    is_int(err.offset, want_off, buf);
    snprintf(buf, sizeof buf, "%s: message mentions \"%s\"", what, want_text);
    if (!ok(strstr(err.text, want_text) != NULL, buf))
        printf("#   message: %s\n", err.text);
    is_int(tl.count, 0, "no tags are left after an error");
    ma__taglist_free(&tl, ctx);
}

static void check_good(const char *in, unsigned int flags, size_t want_count, const char *what)
{
    ma_taglist tl = { 0 };
    ma_errbuf err;
    int rc = parse(&tl, in, flags, &err);
    if (!is_int(rc, MA_OK, what))
        printf("#   error: %s (offset %lld)\n", err.text, (long long)err.offset);
    is_int(tl.count, want_count, what);
    ma__taglist_free(&tl, ctx);
}

/* check_bad on a string literal, its length taken from the literal. */
#define BAD(lit, flags, off, text, what) check_bad((lit), sizeof(lit) - 1, (flags), (off), (text), (what))

/* ------------------------------------------------------------------ tests */

static void test_rfc_examples(void)
{
    /* RFC 6376 appendix A.2, folded with CRLF as in a message. */
    static const char sig[] =
        " v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
        "     c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
        "     h=Received : From : To : Subject : Date : Message-ID;\r\n"
        "     bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
        "     b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
        "       4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
        "       KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
        "       4bmp/YzhwvcubU4=;";
    /* RFC 6376 3.5, with the z= copy folded inside the value. */
    static const char sig2[] =
        "v=1; a=rsa-sha256; d=example.net; s=brisbane;\r\n"
        "   c=simple; q=dns/txt; i=@eng.example.net;\r\n"
        "   t=1117574938; x=1118006938;\r\n"
        "   h=from:to:subject:date;\r\n"
        "   z=From:foo@eng.example.net|To:joe@example.com|\r\n"
        "    Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700;\r\n"
        "   bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=;\r\n"
        "   b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR";
    ma_taglist tl = { 0 };
    ma_errbuf err;
    const ma_tag *t;

    is_int(parse(&tl, sig, 0, &err), MA_OK, "RFC 6376 A.2 signature parses");
    is_int(tl.count, 10, "A.2: ten tags");
    check_value(&tl, "v", "1", "A.2: v=");
    check_value(&tl, "a", "rsa-sha256", "A.2: a=");
    check_value(&tl, "c", "simple/simple", "A.2: c= after a fold");
    check_value(&tl, "h", "Received : From : To : Subject : Date : Message-ID",
                "A.2: h= keeps inner spaces");
    check_value(&tl, "bh", "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", "A.2: bh=");
    check_value(&tl, "b",
                "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
                "       4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
                "       KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
                "       4bmp/YzhwvcubU4=",
                "A.2: b= keeps its folding");
    t = tag(&tl, "v");
    is_int(t ? t->offset : 999, 1, "A.2: offset of v");
    t = tag(&tl, "c");
    is_int(t ? (long long)t->offset : -1, (long long)(strstr(sig, "c=simple") - sig),
           "A.2: offset of c after a fold");
    t = tag(&tl, "b");
    is_int(t ? (long long)t->offset : -1, (long long)(strstr(sig, "b=AuUo") - sig),
           "A.2: offset of b");
    ok(tl.tags[0].name == sig + 1 && tl.tags[0].name_len == 1, "A.2: name points into the input");
    ok(tag(&tl, "z") == NULL, "A.2: no z=");

    /* Re-parse into the same list: it is reset first. */
    is_int(parse(&tl, sig2, 0, &err), MA_OK, "RFC 6376 3.5 signature parses into a reused list");
    is_int(tl.count, 13, "3.5: thirteen tags (the list was reset)");
    check_value(&tl, "i", "@eng.example.net", "3.5: i=");
    check_value(&tl, "z",
                "From:foo@eng.example.net|To:joe@example.com|\r\n"
                "    Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700",
                "3.5: z= keeps its fold and '=' characters");
    check_value(&tl, "b", "dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR",
                "3.5: last tag without trailing ';'");
    ok(tag(&tl, "a") != NULL && tag(&tl, "s") != NULL, "3.5: a= and s= present");
    ok(tag(&tl, "bh") != tag(&tl, "b"), "3.5: b and bh are distinct tags");

    /* A DKIM key record (RFC 6376 appendix C, strings joined). */
    is_int(parse(&tl,
                 "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt"
                 "IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhi"
                 "tdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
                 0, &err),
           MA_OK, "RFC 6376 C key record parses");
    is_int(tl.count, 2, "key record: two tags");
    t = tag(&tl, "p");
    ok(t && t->value_len == 216 && memcmp(t->value, "MIGf", 4) == 0, "key record: p= value");

    /* A DMARC record (RFC 7489 6.4 allows WSP around ';'). */
    is_int(parse(&tl, "v=DMARC1; p=reject; rua=mailto:dmarc@example.com; pct=100 ; ", 0, &err),
           MA_OK, "DMARC record with trailing '; ' parses");
    is_int(tl.count, 4, "DMARC: four tags");
    check_value(&tl, "rua", "mailto:dmarc@example.com", "DMARC: rua=");
    check_value(&tl, "pct", "100", "DMARC: space before ';' is not part of the value");
    ma__taglist_free(&tl, ctx);
    ok(tl.tags == NULL && tl.count == 0 && tl.cap == 0, "free resets the list");
    ma__taglist_free(&tl, ctx);
    ok(1, "free twice is harmless");
}

static void test_values(void)
{
    ma_taglist tl = { 0 };
    ma_errbuf err;
    const ma_tag *t;

    is_int(parse(&tl, "a=; b= ;c=\t", 0, &err), MA_OK, "empty values");
    t = tag(&tl, "a");
    ok(t && t->value_len == 0, "a= is empty");
    t = tag(&tl, "b");
    ok(t && t->value_len == 0, "b= ; is empty");
    t = tag(&tl, "c");
    ok(t && t->value_len == 0 && t->value != NULL, "c=<tab> is empty");

    is_int(parse(&tl, "n = hello \t world ; m=x", 0, &err), MA_OK, "spaces around '=' and inside");
    check_value(&tl, "n", "hello \t world", "inner WSP kept, outer removed");
    is_int(tl.tags[0].offset, 0, "offset of the first tag");
    is_int(tl.tags[1].offset, 20, "offset of the second tag");

    is_int(parse(&tl, "a=b=c; d==", 0, &err), MA_OK, "'=' is a VALCHAR");
    check_value(&tl, "a", "b=c", "a=b=c has value b=c");
    check_value(&tl, "d", "=", "d== has value =");

    {
        static const char all[] = "x=!\"#$%&'()*+,-./0123456789:<=>?@AZ[\\]^_`az{|}~";
        is_int(parse(&tl, all, 0, &err), MA_OK, "every VALCHAR class");
        check_value(&tl, "x", all + 2, "all VALCHAR classes kept");
    }

    is_int(parse(&tl, "a=1\r\n\t2\r\n 3", 0, &err), MA_OK, "folds inside a value");
    check_value(&tl, "a", "1\r\n\t2\r\n 3", "value keeps CRLF WSP");
    is_int(parse(&tl, "a=1 \r\n \r\n 2", 0, &err), MA_OK, "two folds in a row (FWS FWS)");
    check_value(&tl, "a", "1 \r\n \r\n 2", "value keeps both folds");
    is_int(parse(&tl, "a=\r\n 1\r\n ;\r\n b\r\n =\r\n 2\r\n ", 0, &err), MA_OK,
           "folds before and after names, '=', values and ';'");
    check_value(&tl, "a", "1", "folded value trimmed");
    check_value(&tl, "b", "2", "folded name and value");
    t = tag(&tl, "b");
    is_int(t ? t->offset : 0, 13, "offset of a tag name after a fold");

    is_int(parse(&tl, "Tag_9=1; t=2; T=3", 0, &err), MA_OK, "names with digits, '_', any case");
    check_value(&tl, "Tag_9", "1", "Tag_9");
    check_value(&tl, "t", "2", "t and T are different tags");
    check_value(&tl, "T", "3", "T");
    ok(tag(&tl, "tag_9") == NULL, "get is case-sensitive");
    ok(tag(&tl, "Tag_") == NULL, "get matches whole names only");
    ok(tag(&tl, "") == NULL, "get of an empty name");
    ok(ma__taglist_get(&tl, NULL) == NULL, "get of NULL");
    ok(ma__taglist_get(NULL, "t") == NULL, "get on NULL list");

    /* UTF-8 in values (RFC 6376 3.2 note, RFC 8616 5). */
    is_int(parse(&tl, "d=b\xc3\xbc" "cher.example; s=\xe4\xbe\x8b; x=\xf0\x9f\x92\xa9", 0, &err),
           MA_OK, "UTF-8 values");
    check_value(&tl, "d", "b\xc3\xbc" "cher.example", "2-byte UTF-8 kept");
    check_value(&tl, "s", "\xe4\xbe\x8b", "3-byte UTF-8 kept");
    check_value(&tl, "x", "\xf0\x9f\x92\xa9", "4-byte UTF-8 kept");

    /* Explicit length: bytes after len are not read. */
    {
        const char buf[] = "a=1; b=2XYZ; c=3";
        is_int(ma__taglist_parse(&tl, ctx, buf, 8, 0, &err), MA_OK, "parse honours len");
        is_int(tl.count, 2, "two tags within len");
        check_value(&tl, "b", "2", "value cut at len");
    }
    ma__taglist_free(&tl, ctx);

    /* Trailing separators. */
    check_good("a=1;", 0, 1, "one trailing ';'");
    check_good("a=1 ; ", 0, 1, "trailing ' ; '");
    check_good("a=1;\r\n ", 0, 1, "trailing ';' and a fold");
    check_good("  a=1  ", 0, 1, "whitespace around a single tag");

    /* Empty tag-specs with the flag. */
    check_good("a=1;;b=2", MA_TAGLIST_ALLOW_EMPTY_SPEC, 2, "';;' with ALLOW_EMPTY_SPEC");
    check_good(";a=1; ; ;b=2;;", MA_TAGLIST_ALLOW_EMPTY_SPEC, 2, "leading, inner, trailing empties");
}

static void test_errors(void)
{
    const char *s;

    BAD("", 0, 0, "no tags", "empty input");
    BAD("   ", 0, 3, "no tags", "whitespace only");
    BAD(";", 0, 0, "empty tag-spec", "lone ';'");
    BAD(";", MA_TAGLIST_ALLOW_EMPTY_SPEC, 1, "no tags", "lone ';' with flag");
    BAD(";;  ;", MA_TAGLIST_ALLOW_EMPTY_SPEC, 5, "no tags", "only empties with flag");
    BAD("a=1;;b=2", 0, 4, "empty tag-spec", "';;' without the flag");
    BAD("a=1; ;", 0, 5, "empty tag-spec", "'; ;' at the end without the flag");
    BAD(";a=1", 0, 0, "empty tag-spec", "leading ';' without the flag");

    BAD("a", 0, 1, "expected '='", "name without '='");
    BAD("a;b=1", 0, 1, "expected '='", "name followed by ';'");
    BAD("a b=1", 0, 2, "found 'b'", "two words before '='");
    BAD("=1", 0, 0, "'='", "missing name");
    BAD("1a=b", 0, 0, "'1'", "name starting with a digit");
    BAD("_a=b", 0, 0, "'_'", "name starting with '_'");
    BAD("a-b=c", 0, 1, "expected '='", "'-' in a name");
    BAD("a.b=c", 0, 1, "expected '='", "'.' in a name");
    BAD("v=1; \xc3\xa4=2", 0, 5, "0xc3", "non-ASCII name");

    BAD("a=1 2;b", 0, 7, "expected '='", "last tag without '='");
    BAD("a=1;\r\nb=2", 0, 4, "CRLF not followed by whitespace", "CRLF without WSP");
    BAD("a=1\r\n", 0, 3, "CRLF not followed by whitespace", "CRLF at the end");
    BAD("a=1\r\n\r\n b=2", 0, 3, "CRLF not followed", "blank line inside");
    BAD("a=1\nb=2", 0, 3, "bare LF", "bare LF");
    BAD("a=1\n b=2", 0, 3, "bare LF", "bare LF before WSP (obs-FWS style)");
    BAD("a=1\rb=2", 0, 3, "bare CR", "bare CR");
    BAD("a=1 \r", 0, 4, "bare CR", "bare CR at the end after WSP");
    BAD("a=\r\n", 0, 2, "CRLF not followed", "CRLF after '='");
    BAD("a\r\n=1", 0, 1, "CRLF not followed", "CRLF after a name");
    BAD("\r\na=1", 0, 0, "CRLF not followed", "CRLF at the start");

    BAD("a=1\x01", 0, 3, "0x01", "control character in a value");
    BAD("a=x\x7f", 0, 3, "0x7f", "DEL in a value");
    s = "a=1\0b";
    check_bad(s, 5, 0, 3, "0x00", "embedded NUL");
    BAD("a=\x80", 0, 2, "UTF-8", "lone continuation byte");
    BAD("a=\xc3(", 0, 2, "UTF-8", "truncated 2-byte sequence");
    BAD("a=\xc0\xaf", 0, 2, "UTF-8", "overlong '/'");
    BAD("a=\xe0\x80\xaf", 0, 2, "UTF-8", "overlong 3-byte");
    BAD("a=\xed\xa0\x80", 0, 2, "UTF-8", "UTF-16 surrogate");
    BAD("a=\xf4\x90\x80\x80", 0, 2, "UTF-8", "above U+10FFFF");
    BAD("a=\xf5\x80\x80\x80", 0, 2, "UTF-8", "0xf5 lead byte");
    BAD("a=\xe2\x82", 0, 2, "UTF-8", "sequence cut by the end of input");
    BAD("a=\xff", 0, 2, "UTF-8", "0xff");

    /* Duplicates: RFC 6376 3.2 makes the whole list invalid. */
    BAD("a=1; a=2", 0, 5, "duplicate tag \"a\"", "duplicate tag");
    BAD("v=1; bh=x; b=y; bh=z", 0, 16, "duplicate tag \"bh\"", "duplicate bh");
    BAD("a=1;;a=1", MA_TAGLIST_ALLOW_EMPTY_SPEC, 5, "duplicate", "duplicate with flag");
    {
        /* Many tags, the duplicate far from the original (hash path). */
        char buf[1024];
        size_t n = 0;
        int k;
        for (k = 0; k < 60; k++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "t%d=%d;", k, k);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "t7=x");
        check_bad(buf, n, 0, (int64_t)(n - 4), "duplicate tag \"t7\"", "duplicate among 61 tags");
    }

    /* err may be NULL. */
    {
        ma_taglist tl = { 0 };
        is_int(ma__taglist_parse(&tl, ctx, "a", 1, 0, NULL), MA_ESYNTAX, "NULL errbuf");
        is_int(ma__taglist_parse(&tl, ctx, NULL, 3, 0, NULL), MA_EINVAL, "NULL input with length");
        is_int(ma__taglist_parse(NULL, ctx, "a=1", 3, 0, NULL), MA_EINVAL, "NULL list");
        is_int(ma__taglist_parse(&tl, NULL, "a=1", 3, 0, NULL), MA_EINVAL, "NULL context");
        is_int(ma__taglist_parse(&tl, ctx, "a=1", 3, 0x80, NULL), MA_EINVAL, "unknown flag");
        is_int(ma__taglist_parse(&tl, ctx, NULL, 0, 0, NULL), MA_ESYNTAX, "NULL empty input");
        ma__taglist_free(&tl, ctx);
        ma__taglist_free(NULL, ctx);
        ok(1, "free of NULL list");
    }
}

static void test_limits(void)
{
    char buf[2048];
    size_t n = 0;
    int k;
    ma_taglist tl = { 0 };
    ma_errbuf err;
    ma_ctx *small;

    for (k = 0; k < 64; k++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "t%d=%d;", k, k);
    is_int(ma__taglist_parse(&tl, ctx, buf, n, 0, &err), MA_OK, "64 tags (the default limit)");
    is_int(tl.count, 64, "64 tags kept");
    n += (size_t)snprintf(buf + n, sizeof buf - n, "z=1");
    is_int(ma__taglist_parse(&tl, ctx, buf, n, 0, &err), MA_ELIMIT, "65 tags exceed the limit");
    is_int(tl.count, 0, "no tags after ELIMIT");
    is_int(err.offset, (int64_t)(n - 3), "ELIMIT offset is the 65th tag");
    is_str(err.text, "tag-list: more than 64 tags", "ELIMIT message names the limit");

    if (ma_ctx_new(&small, NULL) == MA_OK) {
        ma_ctx_set_limit(small, MA_LIMIT_TAGS, 2);
        is_int(ma__taglist_parse(&tl, small, "a=1;b=2", 7, 0, &err), MA_OK, "limit 2: two tags");
        is_int(ma__taglist_parse(&tl, small, "a=1;b=2;c=3", 11, 0, &err), MA_ELIMIT,
               "limit 2: three tags");
        is_int(ma__taglist_parse(&tl, small, "a=1;b=2;;;", 10, MA_TAGLIST_ALLOW_EMPTY_SPEC, &err),
               MA_OK, "limit 2: empty specs do not count");
        ma__taglist_free(&tl, small);
        ma_ctx_free(small);
    } else {
        ok(0, "context");
    }

    /* Hostile sizes: linear work, no recursion. */
    {
        size_t big = 1u << 20, i;
        char *p = malloc(big + 8);
        memcpy(p, "a=", 2);
        for (i = 2; i < big; i++)
            p[i] = (i % 3) ? 'x' : ' ';
        p[big - 1] = 'x';
        is_int(ma__taglist_parse(&tl, ctx, p, big, 0, &err), MA_OK, "1 MiB value");
        is_int(tl.count ? tl.tags[0].value_len : 0, big - 2, "1 MiB value kept whole");
        for (i = 0; i < big; i++)
            p[i] = (i % 2) ? ' ' : '\t';
        is_int(ma__taglist_parse(&tl, ctx, p, big, 0, &err), MA_ESYNTAX, "1 MiB of whitespace");
        for (i = 0; i < big; i++)
            p[i] = ';';
        is_int(ma__taglist_parse(&tl, ctx, p, big, MA_TAGLIST_ALLOW_EMPTY_SPEC, &err), MA_ESYNTAX,
               "1 MiB of ';' with the flag");
        for (i = 0; i + 4 <= big; i += 4)
            memcpy(p + i, "\r\n \t", 4);
        memcpy(p + big - 4, "a=1 ", 4);
        is_int(ma__taglist_parse(&tl, ctx, p, big, 0, &err), MA_OK, "1 MiB of folds then a tag");
        free(p);
    }
    ma__taglist_free(&tl, ctx);
}

static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *c;
    long n;
    int rc = MA_ENOMEM, saw_enomem = 0, leaks = 0;
    char buf[512];
    size_t len = 0;
    int k;

    for (k = 0; k < 40; k++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "t%d=%d; ", k, k);

    /* Fail each allocation in turn until the parse succeeds. */
    for (n = 1; n < 100 && rc != MA_OK; n++) {
        ma_taglist tl = { 0 };
        if (ta_ctx_new(&c, &st) != MA_OK)
            break;
        ta_fail_once(&st, n);
        rc = ma__taglist_parse(&tl, c, buf, len, 0, NULL);
        if (rc == MA_ENOMEM)
            saw_enomem = 1;
        else if (rc != MA_OK)
            break;
        ma__taglist_free(&tl, c);
        ma_ctx_free(c);
        if (st.live != 0)
            leaks = 1;
    }
    is_int(rc, MA_OK, "parse eventually succeeds under allocation failures");
    ok(saw_enomem, "allocation failures give MA_ENOMEM");
    ok(!leaks, "no leaks on any allocation failure");
}

/* Long tvals (read 16 bytes a step): a ';', a space, an invalid byte (DEL,
   a control byte, a stray 0x80) or the end of the input at every position
   of a 70-byte run, against what the grammar says. */
static void test_long_values(void)
{
    static const unsigned char stoppers[] = { ';', ' ', 0x7f, 0x01, 0x80, 0 };
    char in[100];
    size_t at, si;
    int bad = 0, runs = 0;

    for (si = 0; si < sizeof stoppers; si++) {
        for (at = 0; at <= 70; at++) {
            ma_taglist tl = { 0 };
            ma_errbuf err;
            size_t len = 0, k;
            int rc, good;
            const ma_tag *t;
            in[len++] = 'b';
            in[len++] = '=';
            for (k = 0; k < 70; k++)
                in[len++] = (char)(0x21 + (k * 7) % 26 + (k % 3 ? 32 : 0));
            if (stoppers[si] != 0 && at < 70)
                in[2 + at] = (char)stoppers[si];
            else if (at < 70)
                len = 2 + at; /* the input ends there */
            rc = ma__taglist_parse(&tl, ctx, in, len, 0, &err);
            t = rc == MA_OK ? ma__taglist_get(&tl, "b") : NULL;
            switch (stoppers[si]) {
            case ';': /* the value ends at the ';'; text after it must be a tag */
                good = at >= 69 ? t != NULL && t->value_len == at : rc == MA_ESYNTAX;
                break;
            case ' ': /* a space inside the value: two tvals, one value */
                good = t != NULL && t->value_len == (at == 69 ? 69u : 70u);
                if (at == 0)
                    good = t != NULL && t->value == in + 3 && t->value_len == 69;
                break;
            case 0: /* the value ends with the input */
                good = at == 0 ? t != NULL && t->value_len == 0 : t != NULL && t->value_len == at;
                break;
            default: /* an invalid byte: an error at it */
                good = at == 70 ? t != NULL && t->value_len == 70
                                : rc == MA_ESYNTAX && err.offset == (int64_t)(2 + at);
                break;
            }
            runs++;
            if (!good && bad++ < 3)
                printf("# stopper 0x%02x at %zu: rc %d, offset %lld, value length %zu\n",
                       stoppers[si], at, rc, (long long)err.offset, t ? t->value_len : 0);
            ma__taglist_free(&tl, ctx);
        }
    }
    ok(bad == 0 && runs == 6 * 71, "long values: every stop at every position");
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK) {
        ok(0, "context");
        return tap_done();
    }
    test_rfc_examples();
    test_values();
    test_errors();
    test_limits();
    test_long_values();
    test_oom();
    ma_ctx_free(ctx);
    tap_diag("done");
    return tap_done();
}
