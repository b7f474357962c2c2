/*
 * Authentication-Results (RFC 8601): parser, writer, selection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "authres/authres_int.h"
#include "mailauth/message.h"

static ma_ctx *ctx;

static ma_authres *parse(const char *s, int *rc_out, size_t *off_out)
{
    ma_authres *ar = NULL;
    size_t off = 99;
    const char *what = NULL;
    int rc = ma_authres_parse(&ar, &off, &what, ctx, s, strlen(s));
    if (rc_out != NULL)
        *rc_out = rc;
    if (off_out != NULL)
        *off_out = off;
    if (rc != MA_OK && what != NULL && what[0] != '\0') {
        char msg[200];
        snprintf(msg, sizeof(msg), "(parse error at %zu: %s)", off, what);
        tap_diag(msg);
    }
    return ar;
}

/* Property j of result i as "ptype.property=value". */
static const char *prop_str(const ma_authres *ar, size_t i, size_t j)
{
    static char buf[1200];
    const char *t, *q, *v;
    if (ma_authres_prop(ar, i, j, &t, &q, &v) != MA_OK)
        return "(none)";
    snprintf(buf, sizeof(buf), "%s.%s=%s", t, q, v);
    return buf;
}

static void test_rfc_examples(void)
{
    ma_authres *ar;
    int rc;

    /* B.2 */
    ar = parse(" example.org 1; none", &rc, NULL);
    is_int(rc, MA_OK, "B.2 parses");
    is_str(ma_authres_authserv_id(ar), "example.org", "B.2 authserv-id");
    is_int(ma_authres_version(ar), 1, "B.2 version 1");
    is_int(ma_authres_count(ar), 0, "B.2 none: no results");
    ma_authres_free(ar);

    /* B.3 */
    ar = parse(" example.com;\r\n          spf=pass smtp.mailfrom=example.net", &rc, NULL);
    is_int(rc, MA_OK, "B.3 parses");
    is_int(ma_authres_version(ar), 0, "B.3 no version");
    is_int(ma_authres_count(ar), 1, "B.3 one result");
    is_str(ma_authres_method(ar, 0), "spf", "B.3 method");
    is_str(ma_authres_result(ar, 0), "pass", "B.3 result");
    ok(ma_authres_reason(ar, 0) == NULL, "B.3 no reason");
    is_int(ma_authres_prop_count(ar, 0), 1, "B.3 one property");
    is_str(prop_str(ar, 0, 0), "smtp.mailfrom=example.net", "B.3 property");
    ma_authres_free(ar);

    /* B.4 (both fields) */
    ar = parse(" example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
               "          spf=pass smtp.mailfrom=example.net", &rc, NULL);
    is_int(rc, MA_OK, "B.4 first parses");
    is_int(ma_authres_count(ar), 2, "B.4 two results");
    is_str(ma_authres_method(ar, 0), "auth", "B.4 auth method");
    is_str(prop_str(ar, 0, 0), "smtp.auth=sender@example.net", "B.4 address value");
    is_str(ma_authres_method(ar, 1), "spf", "B.4 spf method");
    ma_authres_free(ar);
    ar = parse(" example.com; iprev=pass\r\n          policy.iprev=192.0.2.200", &rc, NULL);
    is_int(rc, MA_OK, "B.4 second parses");
    is_str(prop_str(ar, 0, 0), "policy.iprev=192.0.2.200", "B.4 policy.iprev");
    ma_authres_free(ar);

    /* B.5 */
    ar = parse(" example.com;\r\n          dkim=pass (good signature) header.d=example.com", &rc, NULL);
    is_int(rc, MA_OK, "B.5 parses");
    is_str(ma_authres_result(ar, 0), "pass", "B.5 result after comment");
    is_str(prop_str(ar, 0, 0), "header.d=example.com", "B.5 header.d");
    ma_authres_free(ar);

    /* B.6 */
    ar = parse(" example.com;\r\n      dkim=pass reason=\"good signature\"\r\n"
               "        header.i=@mail-router.example.net;\r\n"
               "      dkim=fail reason=\"bad signature\"\r\n"
               "        header.i=@newyork.example.com", &rc, NULL);
    is_int(rc, MA_OK, "B.6 parses");
    is_int(ma_authres_count(ar), 2, "B.6 two results");
    is_str(ma_authres_reason(ar, 0), "good signature", "B.6 quoted reason decoded");
    is_str(prop_str(ar, 0, 0), "header.i=@mail-router.example.net", "B.6 header.i with empty local-part");
    is_str(ma_authres_result(ar, 1), "fail", "B.6 second result");
    is_str(ma_authres_reason(ar, 1), "bad signature", "B.6 second reason");
    ma_authres_free(ar);

    /* B.7 */
    ar = parse(" foo.example.net (foobar) 1 (baz);\r\n"
               "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
               "      policy (A dot can go here) . (like that) expired\r\n"
               "      (this surprised me) = (as I wasn't expecting it) 1362471462", &rc, NULL);
    is_int(rc, MA_OK, "B.7 comment-heavy parses");
    is_str(ma_authres_authserv_id(ar), "foo.example.net", "B.7 authserv-id");
    is_int(ma_authres_version(ar), 1, "B.7 version");
    is_str(ma_authres_method(ar, 0), "dkim", "B.7 method");
    is_int(ma_authres_method_version(ar, 0), 1, "B.7 method version");
    is_str(ma_authres_result(ar, 0), "fail", "B.7 result");
    is_str(prop_str(ar, 0, 0), "policy.expired=1362471462", "B.7 property");
    ma_authres_free(ar);
}

static void test_real_world(void)
{
    ma_authres *ar;
    int rc;

    /* Gmail */
    ar = parse(" mx.google.com;\r\n"
               "       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab1/+x2Y;\r\n"
               "       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com);\r\n"
               "       spf=pass (google.com: domain of bounce@example.com designates 2607:f8b0:4864:20::62d as permitted sender) smtp.mailfrom=bounce@example.com;\r\n"
               "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com;\r\n"
               "       dara=pass header.i=@gmail.com", &rc, NULL);
    is_int(rc, MA_OK, "Gmail parses");
    is_int(ma_authres_count(ar), 5, "Gmail five results");
    is_int(ma_authres_prop_count(ar, 0), 3, "Gmail dkim three properties");
    is_str(prop_str(ar, 0, 2), "header.b=Ab1/+x2Y", "Gmail header.b with '/' and '+' kept");
    is_str(ma_authres_method(ar, 1), "arc", "Gmail arc");
    is_int(ma_authres_prop_count(ar, 1), 0, "Gmail arc: comment only");
    is_str(prop_str(ar, 2, 0), "smtp.mailfrom=bounce@example.com", "Gmail spf mailfrom");
    is_str(ma_authres_method(ar, 4), "dara", "Gmail dara");
    ma_authres_free(ar);

    /* Exchange Online shape with an authserv-id: no space after ';',
       ptype-less action=none, trailing ';' */
    ar = parse(" mx.example.org; spf=pass (sender IP is 192.0.2.1)\r\n"
               " smtp.mailfrom=example.com; dkim=pass (signature was verified)\r\n"
               " header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100;",
               &rc, NULL);
    is_int(rc, MA_OK, "Microsoft shape parses");
    is_int(ma_authres_count(ar), 4, "Microsoft four results");
    is_str(prop_str(ar, 2, 0), ".action=none", "Microsoft action=none kept, empty ptype");
    is_str(prop_str(ar, 2, 1), "header.from=example.com", "Microsoft header.from after action");
    is_str(ma_authres_reason(ar, 3), "100", "Microsoft compauth reason");
    ma_authres_free(ar);

    /* Exchange Online without authserv-id: refused, and said so */
    {
        ma_authres *x = NULL;
        size_t off = 99;
        const char *what = NULL;
        const char *s = "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com";
        rc = ma_authres_parse(&x, &off, &what, ctx, s, strlen(s));
        is_int(rc, MA_ESYNTAX, "Microsoft without authserv-id refused");
        ok(x == NULL, "no object on error");
        is_int(off, 0, "error at the first word");
        ok(what != NULL && strstr(what, "authserv-id") != NULL, "error names the authserv-id");
    }

    /* OpenDKIM / OpenDMARC / Postfix */
    ar = parse(" mail.example.org; dkim=pass (2048-bit key; unprotected) header.d=example.com\r\n"
               "\theader.i=@example.com header.a=rsa-sha256 header.s=sel header.b=AbCdEf12", &rc, NULL);
    is_int(rc, MA_OK, "OpenDKIM parses");
    is_int(ma_authres_prop_count(ar, 0), 5, "OpenDKIM five properties");
    is_str(prop_str(ar, 0, 2), "header.a=rsa-sha256", "OpenDKIM header.a");
    ma_authres_free(ar);
    ar = parse(" mail.example.org; dmarc=pass (p=none dis=none) header.from=example.com\n", &rc, NULL);
    is_int(rc, MA_OK, "OpenDMARC with final LF parses");
    is_str(prop_str(ar, 0, 0), "header.from=example.com", "OpenDMARC header.from");
    ma_authres_free(ar);
    ar = parse(" mx.example.net; spf=none smtp.mailfrom=<> smtp.helo=mx.example.com;\r\n"
               "\tiprev=pass policy.iprev=2001:db8::1 smtp.remote-ip=2001:db8::1", &rc, NULL);
    is_int(rc, MA_OK, "null sender and IPv6 parse");
    is_str(prop_str(ar, 0, 0), "smtp.mailfrom=<>", "smtp.mailfrom=<>");
    is_str(prop_str(ar, 1, 1), "smtp.remote-ip=2001:db8::1", "IPv6 value");
    ma_authres_free(ar);

    /* A missing ';' is not guessed: the second word is a ptype-less property */
    ar = parse(" example.com; spf=pass smtp.mailfrom=example.net dkim=pass header.d=example.net", &rc, NULL);
    is_int(rc, MA_OK, "missing ';' parses");
    is_int(ma_authres_count(ar), 1, "missing ';': still one result");
    is_str(prop_str(ar, 0, 1), ".dkim=pass", "missing ';': dkim=pass is a property");
    ma_authres_free(ar);

    /* keywords case-insensitive, versions, reason after properties, empty value */
    ar = parse("Example.COM; DKIM/1=PASS Header.D=Example.NET REASON=\"ok\"; spf=none smtp.mailfrom=;", &rc, NULL);
    is_int(rc, MA_OK, "mixed case parses");
    is_str(ma_authres_authserv_id(ar), "Example.COM", "authserv-id kept as written");
    is_str(ma_authres_method(ar, 0), "dkim", "method lower-cased");
    is_int(ma_authres_method_version(ar, 0), 1, "method version");
    is_str(ma_authres_result(ar, 0), "pass", "result lower-cased");
    is_str(prop_str(ar, 0, 0), "header.d=Example.NET", "value kept as written");
    is_str(ma_authres_reason(ar, 0), "ok", "reason after a property");
    is_str(prop_str(ar, 1, 0), "smtp.mailfrom=", "empty value before ';'");
    ma_authres_free(ar);

    /* quoted values, quoted authserv-id, escapes, address with quoted local-part */
    ar = parse(" \"my \\\"auth\\\" id\"; x-foo=pass header.x=\"a (b) ; c\" smtp.mailfrom=\"j doe\"@example.com"
               " reason=\"line\r\n folded\"", &rc, NULL);
    is_int(rc, MA_OK, "quoted values parse");
    is_str(ma_authres_authserv_id(ar), "my \"auth\" id", "quoted authserv-id decoded");
    is_str(ma_authres_method(ar, 0), "x-foo", "extension method");
    is_str(prop_str(ar, 0, 0), "header.x=a (b) ; c", "quoted value with ( and ; decoded");
    is_str(prop_str(ar, 0, 1), "smtp.mailfrom=\"j doe\"@example.com", "quoted local-part kept as written");
    is_str(ma_authres_reason(ar, 0), "line folded", "folding in quoted-string unfolded");
    ma_authres_free(ar);

    /* nested comments with quoted-pairs; unknown ptype kept */
    ar = parse(" (a (b \\) c) d) example.com (x); spf=pass (nested (deep (deeper))) weird.thing=1", &rc, NULL);
    is_int(rc, MA_OK, "nested comments parse");
    is_str(ma_authres_authserv_id(ar), "example.com", "authserv-id after a comment");
    is_str(prop_str(ar, 0, 0), "weird.thing=1", "unknown ptype kept");
    ma_authres_free(ar);

    /* UTF-8 in a quoted value (RFC 6532) */
    ar = parse(" example.com; dkim=pass reason=\"gr\xc3\xbc\xc3\x9f\"", &rc, NULL);
    is_int(rc, MA_OK, "UTF-8 quoted value parses");
    is_str(ma_authres_reason(ar, 0), "gr\xc3\xbc\xc3\x9f", "UTF-8 value kept");
    ma_authres_free(ar);

    /* "none" with a trailing ';'; a method literally named none */
    ar = parse(" example.com; none;", &rc, NULL);
    is_int(rc, MA_OK, "none; parses");
    is_int(ma_authres_count(ar), 0, "none; has no results");
    ma_authres_free(ar);
}

static void expect_error(const char *s, int want_rc, size_t want_off, const char *what)
{
    int rc;
    size_t off;
    ma_authres *ar = parse(s, &rc, &off);
    char msg[300];
    snprintf(msg, sizeof(msg), "%s: status", what);
    is_int(rc, want_rc, msg);
    snprintf(msg, sizeof(msg), "%s: offset", what);
    is_int(off, want_off, msg);
    ok(ar == NULL, what);
    ma_authres_free(ar);
}

static void test_errors(void)
{
    ma_authres *ar = (ma_authres *)&ar;
    size_t off = 7;
    const char *what = NULL;

    expect_error("", MA_ESYNTAX, 0, "empty value");
    expect_error("   ", MA_ESYNTAX, 3, "blank value");
    expect_error(" example.com", MA_ESYNTAX, 12, "no results");
    expect_error(" example.com;", MA_ESYNTAX, 13, "only ';'");
    expect_error(" example.com spf=pass", MA_ESYNTAX, 13, "missing ';' after authserv-id");
    expect_error(" example.com; spf", MA_ESYNTAX, 17, "method without '='");
    expect_error(" example.com; spf=", MA_ESYNTAX, 18, "missing result");
    expect_error(" example.com; spf= ; dkim=pass", MA_ESYNTAX, 19, "missing result before ';'");
    expect_error(" example.com; spf=pass smtp", MA_ESYNTAX, 27, "ptype without '.'");
    expect_error(" example.com; spf=pass smtp.=x", MA_ESYNTAX, 28, "missing property");
    expect_error(" example.com; spf=pass smtp.mailfrom", MA_ESYNTAX, 36, "property without '='");
    expect_error(" example.com; spf=pass reason=", MA_ESYNTAX, 30, "missing reason value");
    expect_error(" example.com; spf=pass reason=a reason=b", MA_ESYNTAX, 32, "second reason");
    expect_error(" example.com; spf=pass (unterminated", MA_ESYNTAX, 23, "unterminated comment");
    expect_error(" example.com; spf=pass reason=\"open", MA_ESYNTAX, 30, "unterminated quoted-string");
    expect_error(" example.com; spf=pass\r\nsmtp.mailfrom=x", MA_ESYNTAX, 22, "CRLF without WSP");
    expect_error(" example.com; none; spf=pass", MA_ESYNTAX, 20, "results after none");
    expect_error(" example.com; none spf=pass", MA_ESYNTAX, 19, "text after none");
    expect_error(" example.com 2; spf=pass", MA_EUNSUPPORTED, 13, "version 2");
    expect_error(" example.com 1234567890; spf=pass", MA_ELIMIT, 13, "version too long");
    expect_error(" example.com; dkim/=pass", MA_ESYNTAX, 19, "missing method version");
    expect_error(" example.com; spf=pass reason=\"a\x01\"", MA_ESYNTAX, 32, "control in quoted-string");
    expect_error(" example.com; spf=pass (a\0b)", MA_ESYNTAX, 23, "NUL ends the C string here");
    expect_error(" @example.com; spf=pass", MA_ESYNTAX, 1, "authserv-id not a token");
    expect_error(" example.com; spf=pass smtp.mailfrom=x)", MA_ESYNTAX, 38, "stray ')'");

    /* a NUL given by length */
    {
        static const char nul[] = " example.com; spf=pass (a\0b)";
        int rc = ma_authres_parse(&ar, &off, &what, ctx, nul, sizeof(nul) - 1);
        is_int(rc, MA_ESYNTAX, "NUL in comment refused");
        is_int(off, 25, "NUL offset");
        is_str(what, "NUL in comment", "NUL error text");
    }
    is_int(ma_authres_parse(NULL, NULL, NULL, ctx, "x", 1), MA_EINVAL, "NULL out");
    ar = (ma_authres *)&ar;
    is_int(ma_authres_parse(&ar, NULL, NULL, NULL, "x", 1), MA_EINVAL, "NULL ctx");
    ok(ar == NULL, "out cleared on EINVAL");
    is_int(ma_authres_parse(&ar, NULL, NULL, ctx, NULL, 3), MA_EINVAL, "NULL value with length");
    /* explicit length: bytes past len are not read */
    {
        int rc = ma_authres_parse(&ar, NULL, NULL, ctx, " example.com; spf=pass GARBAGE(", 22);
        is_int(rc, MA_OK, "explicit length stops before garbage");
        is_int(ma_authres_prop_count(ar, 0), 0, "nothing past len");
        ma_authres_free(ar);
    }
    /* accessors on bad indexes */
    ar = parse(" a; b=c", NULL, NULL);
    ok(ma_authres_method(ar, 1) == NULL, "method out of range");
    ok(ma_authres_result(ar, 5) == NULL, "result out of range");
    is_int(ma_authres_prop_count(ar, 1), 0, "prop count out of range");
    is_int(ma_authres_prop(ar, 0, 0, NULL, NULL, NULL), MA_EINVAL, "prop out of range");
    is_int(ma_authres_method_version(ar, 9), 0, "method version out of range");
    ok(ma_authres_authserv_id(NULL) == NULL, "authserv-id of NULL");
    is_int(ma_authres_count(NULL), 0, "count of NULL");
    ma_authres_free(ar);
    ma_authres_free(NULL);
}

static void test_limits(void)
{
    ma_buf b;
    int rc;
    size_t off, i;
    const char *what;
    ma_authres *ar = NULL;

    /* 10,000 results: MA_ELIMIT at the 65th */
    ma__buf_init(&b, ctx);
    ma__buf_append(&b, "example.com", 11);
    for (i = 0; i < 10000; i++)
        ma__buf_append(&b, "; spf=pass", 10);
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ELIMIT, "10,000 results: MA_ELIMIT");
    is_int(off, 11 + 10 * MA_AUTHRES_MAX_RESULTS + 2, "limit error at the first result too many");
    ok(ar == NULL, "no object past the limit");
    /* exactly the limit is fine */
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, 11 + 10 * MA_AUTHRES_MAX_RESULTS);
    is_int(rc, MA_OK, "MA_AUTHRES_MAX_RESULTS results parse");
    is_int(ma_authres_count(ar), MA_AUTHRES_MAX_RESULTS, "all of them");
    ma_authres_free(ar);

    /* 1 KB values: token, quoted, reason, keyword, authserv-id */
    ma__buf_reset(&b);
    ma__buf_append(&b, "example.com; dkim=pass header.b=", 32);
    for (i = 0; i < 1024; i++)
        ma__buf_putc(&b, 'A');
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ELIMIT, "1 KB token value: MA_ELIMIT");
    is_int(off, 32, "at the value");
    ma__buf_reset(&b);
    ma__buf_append(&b, "example.com; dkim=pass reason=\"", 31);
    for (i = 0; i < 1024; i++)
        ma__buf_putc(&b, 'a');
    ma__buf_putc(&b, '"');
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ELIMIT, "1 KB quoted reason: MA_ELIMIT");
    ma__buf_reset(&b);
    ma__buf_append(&b, "example.com; ", 13);
    for (i = 0; i < 1024; i++)
        ma__buf_putc(&b, 'm');
    ma__buf_append(&b, "=pass", 5);
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ELIMIT, "1 KB method: MA_ELIMIT");
    ma__buf_reset(&b);
    for (i = 0; i < 1024; i++)
        ma__buf_putc(&b, 'h');
    ma__buf_append(&b, "; spf=pass", 10);
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ELIMIT, "1 KB authserv-id: MA_ELIMIT");
    /* exactly MA_AUTHRES_MAX_VALUE is fine */
    ma__buf_reset(&b);
    ma__buf_append(&b, "example.com; dkim=pass header.b=", 32);
    for (i = 0; i < MA_AUTHRES_MAX_VALUE; i++)
        ma__buf_putc(&b, 'A');
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_OK, "MA_AUTHRES_MAX_VALUE bytes parse");
    ma_authres_free(ar);

    /* too many properties */
    ma__buf_reset(&b);
    ma__buf_append(&b, "example.com; dkim=pass", 22);
    for (i = 0; i < 1000; i++)
        ma__buf_append(&b, " header.d=x", 11);
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ELIMIT, "1000 properties: MA_ELIMIT");
    is_int(off, 22 + 11 * MA_AUTHRES_MAX_PROPS + 1, "at the first property too many");

    /* 100,000 nested comment openers: linear, clean error */
    ma__buf_reset(&b);
    ma__buf_append(&b, "example.com; spf=pass ", 22);
    for (i = 0; i < 100000; i++)
        ma__buf_putc(&b, '(');
    rc = ma_authres_parse(&ar, &off, &what, ctx, b.data, b.len);
    is_int(rc, MA_ESYNTAX, "deeply nested unterminated comment");
    is_int(off, 22, "at the comment");
    ma__buf_free(&b);
}

static void test_writer(void)
{
    ma_authres *ar = NULL, *back = NULL;
    char *s = NULL;
    size_t len = 0, i;
    int rc;

    is_int(ma_authres_new(&ar, ctx, "example.com"), MA_OK, "new");
    is_int(ma_authres_write(&s, &len, ar, 0), MA_OK, "write none");
    is_str(s, "example.com; none", "none when there are no results");
    is_int(len, strlen("example.com; none"), "length");
    ma_free(ctx, s);
    is_int(ma_authres_add(ar, "SPF", 0, "Pass", NULL, 0), MA_OK, "add spf");
    is_int(ma_authres_add_prop(ar, "smtp", "mailfrom", "user@example.net", 16), MA_OK, "add address");
    is_int(ma_authres_add(ar, "dkim", 1, "fail", "bad signature", 13), MA_OK, "add dkim/1");
    is_int(ma_authres_add_prop(ar, "header", "i", "@example.net", 12), MA_OK, "add header.i");
    is_int(ma_authres_add_prop(ar, "header", "x", "a\"b\\c", 5), MA_OK, "add value to escape");
    is_int(ma_authres_add_prop(ar, "header", "y", "", 0), MA_OK, "add empty value");
    is_int(ma_authres_write(&s, &len, ar, MA_AUTHRES_WRITE_FIELD), MA_OK, "write");
    is_str(s, "Authentication-Results: example.com; spf=pass smtp.mailfrom=user@example.net;\r\n"
              "\tdkim/1=fail reason=\"bad signature\" header.i=@example.net header.x=\"a\\\"b\\\\c\"\r\n"
              "\theader.y=\"\"",
           "written, folded, quoted, lower-cased");
    ma_free(ctx, s);

    /* refusals */
    is_int(ma_authres_add_prop(ar, "header", "d", "a\r\nX-Evil: 1", 13), MA_EINVAL, "CRLF in value refused");
    is_int(ma_authres_add_prop(ar, "header", "d", "a\nb", 3), MA_EINVAL, "LF in value refused");
    is_int(ma_authres_add_prop(ar, "header", "d", "a\0b", 3), MA_EINVAL, "NUL in value refused");
    is_int(ma_authres_add_prop(ar, "header", "d", "a\x7f", 2), MA_EINVAL, "DEL refused");
    is_int(ma_authres_add_prop(ar, "header", "d", "\xff\xfe", 2), MA_EINVAL, "bad UTF-8 refused");
    is_int(ma_authres_add_prop(ar, "header", "d", "\xc0\x80", 2), MA_EINVAL, "overlong UTF-8 refused");
    is_int(ma_authres_add_prop(ar, "h\xc3\xa9", "d", "x", 1), MA_EINVAL, "non-ASCII ptype refused");
    is_int(ma_authres_add_prop(ar, "header", "d.x", "x", 1), MA_EINVAL, "'.' in property refused");
    is_int(ma_authres_add_prop(ar, "header", "", "x", 1), MA_EINVAL, "empty property refused");
    is_int(ma_authres_add_prop(ar, "-x", "d", "x", 1), MA_EINVAL, "leading hyphen refused");
    is_int(ma_authres_add(ar, "dk im", 0, "pass", NULL, 0), MA_EINVAL, "space in method refused");
    is_int(ma_authres_add(ar, "dkim", 0, "pass;x", NULL, 0), MA_EINVAL, "';' in result refused");
    is_int(ma_authres_add(ar, "dkim", 0, "", NULL, 0), MA_EINVAL, "empty result refused");
    is_int(ma_authres_add(ar, "dkim", 0, "pass", "a\rb", 3), MA_EINVAL, "CR in reason refused");
    is_int(ma_authres_new(&back, ctx, "ex\r\nample"), MA_EINVAL, "CRLF in authserv-id refused");
    ok(back == NULL, "no object");
    is_int(ma_authres_new(&back, ctx, ""), MA_EINVAL, "empty authserv-id refused");
    is_int(ma_authres_write(&s, NULL, ar, 8), MA_EINVAL, "unknown flag refused");
    ok(s == NULL, "no output on error");
    is_int(ma_authres_count(ar), 2, "refusals added nothing");
    is_int(ma_authres_prop_count(ar, 1), 3, "refused properties not added");
    ma_authres_free(ar);

    /* injection shapes are escaped: CVE-2020-12272 */
    ma_authres_new(&ar, ctx, "mx.example.org");
    ma_authres_add(ar, "spf", 0, "pass", NULL, 0);
    ma_authres_add_prop(ar, "smtp", "mailfrom", "user@example.com(", 17);
    ma_authres_add_prop(ar, "header", "from", "example.com; dkim=pass header.d=bank.example", 44);
    ma_authres_add_prop(ar, "header", "d", "(example.com)", 13);
    rc = ma_authres_write(&s, &len, ar, 0);
    is_int(rc, MA_OK, "injection shapes written");
    is_str(s, "mx.example.org; spf=pass\r\n\tsmtp.mailfrom=\"user@example.com(\"\r\n"
              "\theader.from=\"example.com; dkim=pass header.d=bank.example\"\r\n"
              "\theader.d=\"(example.com)\"", "quoted, never bare");
    rc = ma_authres_parse(&back, NULL, NULL, ctx, s, len);
    is_int(rc, MA_OK, "reads back");
    is_int(ma_authres_count(back), 1, "still one result");
    ok(back != NULL && ma__authres_equal(ar, back), "reads back equal");
    ma_free(ctx, s);
    ma_authres_free(back);
    ma_authres_free(ar);

    /* folding: no line over 78, no unit split; a long unit on its own line */
    ma_authres_new(&ar, ctx, "mx.example.org");
    for (i = 0; i < 12; i++) {
        char v[40];
        snprintf(v, sizeof(v), "sub%zu.example.com", i * 1000);
        ma_authres_add(ar, "dkim", 0, "pass", NULL, 0);
        ma_authres_add_prop(ar, "header", "d", v, strlen(v));
        ma_authres_add_prop(ar, "header", "s", "selector2024", 12);
    }
    {
        char big[300];
        memset(big, 'x', sizeof(big));
        ma_authres_add(ar, "x-long", 0, "pass", big, sizeof(big));
    }
    rc = ma_authres_write(&s, &len, ar, MA_AUTHRES_WRITE_FIELD);
    is_int(rc, MA_OK, "long field written");
    {
        const char *line = s, *end;
        size_t longest = 0, nlines = 0, over = 0;
        int tabs_ok = 1;
        for (;;) {
            end = strstr(line, "\r\n");
            size_t l = end ? (size_t)(end - line) : strlen(line);
            nlines++;
            if (l > 78) {
                over++;
                if (strncmp(line, "\treason=", 8) != 0)
                    longest = l;
            }
            if (!end)
                break;
            if (end[2] != '\t')
                tabs_ok = 0;
            line = end + 2;
        }
        ok(nlines > 5, "folded onto several lines");
        is_int(over, 1, "only the 300-byte reason passes 78 columns");
        is_int(longest, 0, "and it is alone on its line");
        ok(tabs_ok, "continuation lines start with TAB");
        ok(strstr(s, "x-long=pass\r\n\treason=") != NULL, "long unit moved to its own line");
    }
    rc = ma_authres_parse(&back, NULL, NULL, ctx, s + 23, len - 23);
    is_int(rc, MA_OK, "folded field parses");
    ok(back != NULL && ma__authres_equal(ar, back), "folded field reads back equal");
    ma_free(ctx, s);
    ma_authres_free(back);
    ma_authres_free(ar);

    /* a parsed object with a ptype-less property cannot be written */
    ar = parse(" example.com; dmarc=pass action=none", NULL, NULL);
    is_int(ma_authres_write(&s, NULL, ar, 0), MA_EINVAL, "ptype-less property not written");
    ma_authres_free(ar);
    /* a parsed object with a version is written with it */
    ar = parse(" example.com 1; none", NULL, NULL);
    is_int(ma_authres_write(&s, NULL, ar, 0), MA_OK, "parsed none written");
    is_str(s, "example.com 1; none", "version kept");
    ma_free(ctx, s);
    ma_authres_free(ar);
    /* the add limits */
    ma_authres_new(&ar, ctx, "example.com");
    is_int(ma_authres_add_prop(ar, "header", "d", "x", 1), MA_EINVAL, "property before any result");
    for (i = 0; i < MA_AUTHRES_MAX_RESULTS; i++)
        ma_authres_add(ar, "spf", 0, "pass", NULL, 0);
    is_int(ma_authres_add(ar, "spf", 0, "pass", NULL, 0), MA_ELIMIT, "results limit on add");
    for (i = 0; i < MA_AUTHRES_MAX_PROPS; i++)
        ma_authres_add_prop(ar, "smtp", "helo", "x", 1);
    is_int(ma_authres_add_prop(ar, "smtp", "helo", "x", 1), MA_ELIMIT, "properties limit on add");
    {
        char big[MA_AUTHRES_MAX_VALUE + 1];
        memset(big, 'v', sizeof(big));
        ma_authres_free(ar);
        ma_authres_new(&ar, ctx, "example.com");
        ma_authres_add(ar, "spf", 0, "pass", NULL, 0);
        is_int(ma_authres_add_prop(ar, "smtp", "helo", big, sizeof(big)), MA_ELIMIT, "value limit on add");
        is_int(ma_authres_add_prop(ar, "smtp", "helo", big, sizeof(big) - 1), MA_OK, "value at the limit");
    }
    ma_authres_free(ar);
}

/* write -> parse -> compare over a table of awkward values */
static void test_round_trip(void)
{
    static const char *values[] = {
        "example.com", "user@example.com", "@example.com", "\"j doe\"@example.com", "",
        "a b", "a\tb", "\"", "\\", "(x)", "a;b", "x=y", "<>", "2001:db8::1", "gr\xc3\xbc\xc3\x9f",
        "\"a\"@", "a..b@example.com", ".a@example.com", "a@", "@", "a@b@c", "\"unterminated@x",
        "Ab1/+x2Y", "a,b", "[192.0.2.1]", "user@[192.0.2.1]", "\xf0\x9f\x93\xa7",
    };
    size_t i, n = sizeof(values) / sizeof(values[0]);
    for (i = 0; i < n; i++) {
        ma_authres *ar = NULL, *back = NULL;
        char *s = NULL, msg[200];
        size_t len;
        int rc;
        ma_authres_new(&ar, ctx, i % 2 ? "mx.example.org" : values[i][0] ? values[i] : "x");
        ma_authres_add(ar, "dkim", i % 3, "pass", values[i], strlen(values[i]));
        ma_authres_add_prop(ar, "header", "d", values[i], strlen(values[i]));
        rc = ma_authres_write(&s, &len, ar, 0);
        snprintf(msg, sizeof(msg), "round trip %zu writes", i);
        is_int(rc, MA_OK, msg);
        rc = ma_authres_parse(&back, NULL, NULL, ctx, s, len);
        snprintf(msg, sizeof(msg), "round trip %zu parses", i);
        if (!is_int(rc, MA_OK, msg) && s != NULL)
            tap_diag(s);
        snprintf(msg, sizeof(msg), "round trip %zu equal", i);
        ok(back != NULL && ma__authres_equal(ar, back), msg);
        ma_free(ctx, s);
        ma_authres_free(back);
        ma_authres_free(ar);
    }
}

static void test_select(void)
{
    static const char msg_text[] =
        "Authentication-Results: mx.example.org;\r\n"
        "\tspf=pass smtp.mailfrom=example.com\r\n"
        "Authentication-Results: evil.example; dkim=pass header.d=bank.example\r\n"
        "Received: from x by y; Sun, 29 Nov 2026 12:00:00 +0000\r\n"
        "authentication-results: MX.Example.ORG; dkim=pass header.d=example.com\r\n"
        "Authentication-Results: mx.example.org; dkim=\r\n"
        "Authentication-Results: mx.example.org.evil; spf=pass\r\n"
        "Authentication-Results: spf=pass smtp.mailfrom=example.com\r\n"
        "From: a@example.com\r\n"
        "\r\n"
        "body\r\n";
    ma_msg *m = NULL;
    ma_authres_list *list = NULL;
    const ma_authres *ar;

    ma_msg_new(&m, ctx);
    ma_msg_write(m, msg_text, sizeof(msg_text) - 1);
    ma_msg_finish(m);
    is_int(ma_authres_select(&list, ctx, m, "mx.example.org"), MA_OK, "select");
    is_int(ma_authres_list_count(list), 2, "two fields match");
    is_int(ma_authres_list_malformed(list), 1, "one malformed match");
    is_int(ma_authres_list_field(list, 0), 0, "first at field 0");
    is_int(ma_authres_list_field(list, 1), 3, "second at field 3 (case-insensitive name)");
    ar = ma_authres_list_get(list, 1);
    is_str(ma_authres_method(ar, 0), "dkim", "second field's method");
    ok(ma_authres_list_get(list, 2) == NULL, "out of range");
    is_int(ma_authres_list_field(list, 2), -1, "field out of range");
    ma_authres_list_free(list);
    is_int(ma_authres_select(&list, ctx, m, "nobody.example"), MA_OK, "select none");
    is_int(ma_authres_list_count(list), 0, "empty list");
    ma_authres_list_free(list);
    is_int(ma_authres_select(&list, ctx, m, NULL), MA_EINVAL, "NULL authserv-id");
    ok(list == NULL, "no list on error");
    ma_authres_list_free(NULL);
    ma_msg_free(m);
}

/* The results text for an ARC-Authentication-Results (the ValiMail
 * suite's consolidation: fields in order, comments kept). */
static void test_select_text(void)
{
    static const char msg_text[] =
        "Authentication-Results: lists.example.org; arc=none;\r\n"
        "  spf=pass smtp.mfrom=jqd@d1.example\r\n"
        "Authentication-Results: lists.example.org 1; dkim=pass (1024-bit key)\r\n"
        "\t header.i=@d1.example;\r\n"
        "Authentication-Results: nobody.example.org; something=ignored\r\n"
        "Authentication-Results: lists.example.org; none\r\n"
        "Authentication-Results: lists.example.org; dkim=\r\n"
        "Authentication-Results: (c) \"lists.example.org\" (c); dmarc=pass reason=\"x; y\"\r\n"
        "From: a@example.com\r\n"
        "\r\n"
        "body\r\n";
    ma_msg *m = NULL;
    static char unset[] = "unset";
    char *text = unset;

    ma_msg_new(&m, ctx);
    ma_msg_write(m, msg_text, sizeof(msg_text) - 1);
    ma_msg_finish(m);
    is_int(ma_authres_select_text(&text, ctx, m, "lists.example.org"), MA_OK, "select_text");
    is_str(text, "arc=none; spf=pass smtp.mfrom=jqd@d1.example; "
           "dkim=pass (1024-bit key) header.i=@d1.example; dmarc=pass reason=\"x; y\"",
           "fields joined in order, folding made one space, comments and quotes kept, "
           "none and malformed fields left out");
    ma_free(ctx, text);
    text = unset;
    is_int(ma_authres_select_text(&text, ctx, m, "nobody.example"), MA_OK, "no field for the id");
    ok(text == NULL, "no field: NULL text");
    is_int(ma_authres_select_text(&text, ctx, NULL, "x"), MA_EINVAL, "NULL msg");
    is_int(ma_authres_select_text(NULL, ctx, m, "x"), MA_EINVAL, "NULL out");
    ma_msg_free(m);
}

/* A counting allocator that fails the nth allocation. */
static long fail_at = -1, calls;
static void *t_malloc(size_t n, void *p)
{
    (void)p;
    if (fail_at >= 0 && calls++ == fail_at)
        return NULL;
    return malloc(n);
}
static void *t_realloc(void *q, size_t n, void *p)
{
    (void)p;
    if (fail_at >= 0 && calls++ == fail_at)
        return NULL;
    return realloc(q, n);
}
static void t_free(void *q, void *p)
{
    (void)p;
    free(q);
}

static void test_oom(void)
{
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    ma_ctx *c = NULL;
    const char *in = " example.com; dkim=pass reason=\"x y\" header.d=example.com header.i=@example.com;"
                     " spf=pass smtp.mailfrom=\"a b\"@example.com; dmarc=pass action=none";
    long i;
    int ok_all = 1, seen_ok = 0;
    o.malloc_fn = t_malloc;
    o.realloc_fn = t_realloc;
    o.free_fn = t_free;
    ma_ctx_new(&c, &o);
    for (i = 0; i < 200 && !seen_ok; i++) {
        ma_authres *ar = NULL;
        char *s = NULL;
        int rc;
        calls = 0;
        fail_at = i;
        rc = ma_authres_parse(&ar, NULL, NULL, c, in, strlen(in));
        if (rc != MA_OK && rc != MA_ENOMEM)
            ok_all = 0;
        if (rc == MA_OK) {
            ma_authres_free(ar);
            ar = NULL;
            if (ma_authres_new(&ar, c, "example.com") == MA_OK
                && ma_authres_add(ar, "dkim", 0, "pass", "x y", 3) == MA_OK
                && ma_authres_add_prop(ar, "header", "d", "a b", 3) == MA_OK) {
                rc = ma_authres_write(&s, NULL, ar, 0);
                if (rc == MA_OK)
                    seen_ok = 1;
                else if (rc != MA_ENOMEM)
                    ok_all = 0;
                ma_free(c, s);
            }
        }
        ma_authres_free(ar);
    }
    fail_at = -1;
    ok(ok_all, "every allocation failure gives MA_ENOMEM");
    ok(seen_ok, "and the sequence eventually succeeds");
    ma_ctx_free(c);
}

/* The bounds are context limits: lowered, they bite at the new value. */
static void test_ctx_limits(void)
{
    static const char two[] = "mx; spf=pass; dkim=pass";
    static const char three[] = "mx; spf=pass; dkim=pass; dmarc=pass";
    static const char props[] = "mx; spf=pass smtp.mailfrom=a@b.ex smtp.helo=h.ex";
    ma_ctx *lc = NULL;
    ma_authres *ar = NULL;
    size_t off = 0;
    const char *what = NULL;
    ma_ctx_new(&lc, NULL);
    ma_ctx_set_limit(lc, MA_LIMIT_AUTHRES_RESULTS, 2);
    ma_ctx_set_limit(lc, MA_LIMIT_AUTHRES_PROPS, 1);
    ma_ctx_set_limit(lc, MA_LIMIT_AUTHRES_VALUE_BYTES, 8);
    is_int(ma_authres_parse(&ar, &off, &what, lc, two, strlen(two)), MA_OK, "limits: 2 results within 2");
    ma_authres_free(ar);
    ar = NULL;
    is_int(ma_authres_parse(&ar, &off, &what, lc, three, strlen(three)), MA_ELIMIT,
           "limits: 3 results over MA_LIMIT_AUTHRES_RESULTS=2");
    ma_authres_free(ar);
    ar = NULL;
    is_int(ma_authres_parse(&ar, &off, &what, lc, props, strlen(props)), MA_ELIMIT,
           "limits: 2 properties over MA_LIMIT_AUTHRES_PROPS=1");
    ma_authres_free(ar);
    ar = NULL;
    is_int(ma_authres_new(&ar, lc, "mx.example.org"), MA_ELIMIT,
           "limits: a 14-byte authserv-id over MA_LIMIT_AUTHRES_VALUE_BYTES=8");
    ma_authres_free(ar);
    ma_ctx_free(lc);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_rfc_examples();
    test_real_world();
    test_errors();
    test_limits();
    test_writer();
    test_round_trip();
    test_select();
    test_select_text();
    test_oom();
    test_ctx_limits();
    ma_ctx_free(ctx);
    return tap_done();
}
