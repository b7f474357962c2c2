/*
 * Unit tests: SPF macro expansion (src/spf/macro.c): the RFC 7208 7.4
 * examples, the OpenSPF suite's macro cases, URL escaping, transformers,
 * syntax errors, the output limit, ma__spf_expand_domain (trailing dot,
 * truncation at 253, label and toplabel checks) and out-of-memory paths.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spf/spf_int.h"
#include "alloc.h"
#include "tap.h"

/* ------------------------------------------------------------------ helpers */

static ma_ctx *ctx;
static ma_ip ip4, ip6;

/* Fill env from a sender "local@domain", a domain and a client address. */
static void env_set(ma_spf_macro_env *env, const char *sender, const char *domain, const ma_ip *ip)
{
    const char *at = strrchr(sender, '@');
    memset(env, 0, sizeof *env);
    env->sender = sender;
    env->sender_len = strlen(sender);
    env->local = sender;
    env->local_len = at ? (size_t)(at - sender) : 0;
    env->sender_domain = at ? at + 1 : "";
    env->sender_domain_len = at ? strlen(at + 1) : 0;
    env->domain = domain;
    env->domain_len = strlen(domain);
    env->ip = ip;
    env->helo = "mail.example.net";
    env->helo_len = strlen(env->helo);
    env->now = 1700000000;
}

/* Expand spec; returns the status and leaves the text in *got (caller frees). */
static int expand(const ma_spf_macro_env *env, const char *spec, unsigned int flags, char **got,
                  ma_errbuf *err)
{
    ma_buf b;
    int rc;
    ma__buf_init(&b, ctx);
    rc = ma__spf_macro_expand(&b, ctx, spec, strlen(spec), env, flags, err);
    *got = ma__buf_steal(&b, NULL);
    return rc;
}

static void check_exp(const ma_spf_macro_env *env, const char *spec, unsigned int flags,
                      const char *want, const char *what)
{
    ma_errbuf err;
    char *got = NULL;
    int rc = expand(env, spec, flags, &got, &err);
    if (!is_int(rc, MA_OK, what))
        printf("#   %s: %s\n", spec, err.text);
    is_str(got, want, what);
    ma_free(ctx, got);
}

/* Expect a syntax error at the given offset of spec, with text in the message. */
static void check_bad(const ma_spf_macro_env *env, const char *spec, size_t len, unsigned int flags,
                      int64_t off, const char *text, const char *what)
{
    ma_errbuf err;
    ma_buf b;
    char buf[300];
    int rc;

    ma__buf_init(&b, ctx);
    ma__buf_append(&b, "keep", 4);
    rc = ma__spf_macro_expand(&b, ctx, spec, len, env, flags, &err);
    is_int(rc, MA_ESYNTAX, what);
    snprintf(buf, sizeof buf, "%s: offset", what);
    is_int(err.offset, off, buf);
    snprintf(buf, sizeof buf, "%s: message has \"%s\"", what, text);
    if (!ok(strstr(err.text, text) != NULL, buf))
        printf("#   message: %s\n", err.text);
    snprintf(buf, sizeof buf, "%s: output untouched", what);
    is_mem(b.data, b.len, "keep", 4, buf);
    ma__buf_free(&b);
}

#define BAD(env, lit, flags, off, text, what) \
    check_bad((env), (lit), sizeof(lit) - 1, (flags), (off), (text), (what))

static void check_domain(const ma_spf_macro_env *env, const char *spec, const char *want,
                         const char *what)
{
    ma_errbuf err;
    ma_buf b;
    int rc;
    ma__buf_init(&b, ctx);
    rc = ma__spf_expand_domain(&b, ctx, spec, strlen(spec), env, &err);
    if (want == NULL) {
        is_int(rc, MA_ESYNTAX, what);
        ok(b.len == 0, "nothing appended after an error");
    } else {
        if (!is_int(rc, MA_OK, what))
            printf("#   %s: %s\n", spec, err.text);
        is_mem(b.data, b.len, want, strlen(want), what);
    }
    ma__buf_free(&b);
}

/* ------------------------------------------------------------------ tests */

/* RFC 7208 7.4, every row, exactly. */
static void test_rfc_examples(void)
{
    static const struct {
        const char *spec, *want;
    } v4[] = {
        { "%{s}", "strong-bad@email.example.com" },
        { "%{o}", "email.example.com" },
        { "%{d}", "email.example.com" },
        { "%{d4}", "email.example.com" },
        { "%{d3}", "email.example.com" },
        { "%{d2}", "example.com" },
        { "%{d1}", "com" },
        { "%{dr}", "com.example.email" },
        { "%{d2r}", "example.email" },
        { "%{l}", "strong-bad" },
        { "%{l-}", "strong.bad" },
        { "%{lr}", "strong-bad" },
        { "%{lr-}", "bad.strong" },
        { "%{l1r-}", "strong" },
        { "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
        { "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
        { "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
        { "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
        { "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
    };
    ma_spf_macro_env env;
    size_t i;

    env_set(&env, "strong-bad@email.example.com", "email.example.com", &ip4);
    env.validated = "mx.example.org";
    env.validated_len = strlen(env.validated);
    for (i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "7.4: %s", v4[i].spec);
        check_exp(&env, v4[i].spec, 0, v4[i].want, what);
    }
    env.ip = &ip6;
    check_exp(&env, "%{ir}.%{v}._spf.%{d2}", 0,
              "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
              "7.4: IPv6 %{ir}.%{v}._spf.%{d2}");
    check_exp(&env, "%{i}", 0,
              "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1",
              "IPv6 %{i}: 32 nibbles in address order");
    check_exp(&env, "%{p}", 0, "mx.example.org", "%{p}: the validated name");
    env.validated = NULL;
    check_exp(&env, "%{p}", 0, "unknown", "%{p}: unknown without a validated name");
}

/* The OpenSPF suite's macro cases (rfc7208-tests.yml) and stalwart's. */
static void test_suite_cases(void)
{
    ma_spf_macro_env env;
    ma_ip a;

    ma_ip_parse(&a, "192.0.2.1", 9);
    env_set(&env, "someuser@example.com", "example.com", &a);
    check_exp(&env, "%{ir}.%{l1r+-}._spf.%{d}", 0, "1.2.0.192.someuser._spf.example.com",
              "5.7 example %{ir}.%{l1r+-}._spf.%{d}");

    ma_ip_parse(&a, "1.2.3.4", 7);
    env_set(&env, "philip-gladstone-test@e11.example.com", "e11.example.com", &a);
    check_exp(&env, "%{i}.%{l2r-}.user.%{d2}", 0, "1.2.3.4.gladstone.philip.user.example.com",
              "macro-reverse-split-on-dash");
    env_set(&env, "foo-bar+zip+quux@e12.example.com", "e12.example.com", &a);
    check_exp(&env, "%{l2r+-}.user.%{d2}", 0, "bar.foo.user.example.com",
              "macro-multiple-delimiters");
    check_exp(&env, "macro%%percent%_%_space%-url-space.example.com", 0,
              "macro%percent  space%20url-space.example.com", "macro-mania-in-domain");

    ma_ip_parse(&a, "192.168.218.42", 14);
    env_set(&env, "~jack&jill=up-a_b3.c@e8.example.com", "e8.example.com", &a);
    check_exp(&env, "http://example.com/why.html?l=%{L}", MA_SPF_MACRO_EXP,
              "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c", "upper-macro");
    check_exp(&env, "msg8.%{D2}", 0, "msg8.example.com", "upper-macro exp= target %{D2}");

    ma_ip_parse(&a, "192.168.218.40", 14);
    env_set(&env, "test@e4.example.com", "e4.example.com", &a);
    check_exp(&env, "%{c} is queried as %{ir}.%{v}.arpa", MA_SPF_MACRO_EXP,
              "192.168.218.40 is queried as 40.218.168.192.in-addr.arpa", "v-macro-ip4");
    check_exp(&env, "Connections from %{c} not authorized.", MA_SPF_MACRO_EXP,
              "Connections from 192.168.218.40 not authorized.", "exp-txt-macro-char");
    ma_ip_parse(&a, "CAFE:BABE::1", 12);
    check_exp(&env, "%{c} is queried as %{ir}.%{v}.arpa", MA_SPF_MACRO_EXP,
              "cafe:babe::1 is queried as "
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa",
              "v-macro-ip6 (nibbles in lower case, as in 7.4)");
    check_exp(&env, "connect from %{p}", MA_SPF_MACRO_EXP, "connect from unknown",
              "p-macro-ip6-novalid");
    check_exp(&env, "This is a test.", MA_SPF_MACRO_EXP, "This is a test.",
              "trailing-dot-exp: the dot stays in explanations");

    ma_ip_parse(&a, "a:b::1", 6);
    env_set(&env, "sender@test.org", "test.org", &a);
    check_exp(&env, "%{c} is not one of %{d}'s designated mail servers.", MA_SPF_MACRO_EXP,
              "a:b::1 is not one of test.org's designated mail servers.", "stalwart Explanation");
}

static void test_letters(void)
{
    ma_spf_macro_env env;
    ma_ip mapped;

    env_set(&env, "strong-bad@email.example.com", "email.example.com", &ip4);
    check_exp(&env, "%{h}", 0, "mail.example.net", "%{h} is the HELO name");
    check_exp(&env, "%{H2r}", 0, "example.mail", "upper-case letter with transformers");
    check_exp(&env, "%{t}", MA_SPF_MACRO_EXP, "1700000000", "%{t} is env->now");
    check_exp(&env, "%{t1}", MA_SPF_MACRO_EXP, "1700000000", "%{t1}: one part");
    check_exp(&env, "%{r}", MA_SPF_MACRO_EXP, "unknown", "%{r} without a receiver");
    env.receiver = "mx.receiver.example";
    env.receiver_len = strlen(env.receiver);
    check_exp(&env, "%{r}", MA_SPF_MACRO_EXP, "mx.receiver.example", "%{r} is the receiver");
    check_exp(&env, "%{c}", MA_SPF_MACRO_EXP, "192.0.2.3", "%{c} IPv4");
    check_exp(&env, "%{i}", 0, "192.0.2.3", "%{i} IPv4");
    check_exp(&env, "%{v}", 0, "in-addr", "%{v} IPv4");
    env.ip = &ip6;
    check_exp(&env, "%{c}", MA_SPF_MACRO_EXP, "2001:db8::cb01", "%{c} IPv6 is RFC 5952 text");
    check_exp(&env, "%{C}", MA_SPF_MACRO_EXP, "2001%3Adb8%3A%3Acb01", "%{C} escapes colons");
    check_exp(&env, "%{v}", 0, "ip6", "%{v} IPv6");
    check_exp(&env, "%{I}", 0,
              "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1",
              "%{I}: nothing to escape");
    /* An IPv4-mapped client is its IPv4 address. */
    ma_ip_parse(&mapped, "::ffff:192.0.2.3", 16);
    env.ip = &mapped;
    check_exp(&env, "%{ir}.%{v}", 0, "3.2.0.192.in-addr", "a mapped client expands as IPv4");
    check_exp(&env, "%{c}", MA_SPF_MACRO_EXP, "192.0.2.3", "%{c} of a mapped client");
    env.ip = &ip4;
    check_exp(&env, "%{S}", 0, "strong-bad%40email.example.com", "%{S} escapes '@'");
    check_exp(&env, "%{O}", 0, "email.example.com", "%{O}: nothing to escape");
    check_exp(&env, "%{sR}", 0, "com.example.strong-bad@email", "capital R reverses too");
    check_exp(&env, "", 0, "", "empty macro-string");
    check_exp(&env, "%%%_%-", 0, "% %20", "%%, %_, %-");
    check_exp(&env, "%{d}%{d}", 0, "email.example.comemail.example.com", "adjacent macros");
    check_exp(&env, "a}b{c", 0, "a}b{c", "braces are literals outside macros");

    /* Empty and missing values. */
    env.helo = NULL;
    env.helo_len = 5;
    check_exp(&env, "[%{h}]", 0, "[]", "NULL helo expands to nothing");
    env.local_len = 0;
    check_exp(&env, "[%{l}][%{l1r-}]", 0, "[][]", "empty local-part, with transformers");
}

static void test_transformers(void)
{
    ma_spf_macro_env env;

    env_set(&env, "-a--b-@x.y", "a.b.c", &ip4);
    check_exp(&env, "%{l-}", 0, ".a..b.", "empty parts are kept (7.3)");
    check_exp(&env, "%{lr-}", 0, ".b..a.", "reversed with empty parts");
    check_exp(&env, "%{l2-}", 0, "b.", "two rightmost parts, one empty");
    check_exp(&env, "%{l1r-}", 0, "", "first part empty");
    check_exp(&env, "%{l3r-}", 0, ".a.", "three parts reversed");
    check_exp(&env, "%{d200}", 0, "a.b.c", "more digits than parts: all");
    check_exp(&env, "%{d128r}", 0, "c.b.a", "128 reversed");
    check_exp(&env, "%{d99999999999999999999999999999999}", 0, "a.b.c", "a huge digit value");
    check_exp(&env, "%{d01}", 0, "c", "leading zeros in the digit value");
    check_exp(&env, "%{d.}", 0, "a.b.c", "explicit '.' delimiter");
    check_exp(&env, "%{d-}", 0, "a.b.c", "'-' delimiter, dots kept as they are");
    check_exp(&env, "%{d2-}", 0, "a.b.c", "'-' delimiter: one part");
    check_exp(&env, "%{d1.-}", 0, "c", "two delimiters");
    check_exp(&env, "%{dr.-+,/_=}", 0, "c.b.a", "all seven delimiters");
    env_set(&env, "a+b,c/d_e=f@x.y", "d", &ip4);
    check_exp(&env, "%{l+,/_=}", 0, "a.b.c.d.e.f", "each delimiter splits");
    check_exp(&env, "%{lr+,/_=}", 0, "f.e.d.c.b.a", "each delimiter splits, reversed");
    check_exp(&env, "%{L+}", 0, "a.b%2Cc%2Fd_e%3Df", "escaping after the transformers");
    check_exp(&env, "%{l=}", 0, "a+b,c/d_e.f", "'=' delimiter");
}

static void test_syntax_errors(void)
{
    ma_spf_macro_env env;

    env_set(&env, "strong-bad@email.example.com", "email.example.com", &ip4);
    BAD(&env, "%(ir).sbl.example.org", 0, 0, "'%' not followed", "7.3 example %(ir)");
    BAD(&env, "foo%(ir).sbl.example.com", 0, 3, "'%' not followed", "invalid-embedded-macro-char");
    BAD(&env, "foo%.sbl.example.com", 0, 3, "'%' not followed", "invalid-trailing-macro-char");
    BAD(&env, "abc%", 0, 3, "'%' at the end", "lone '%' at the end");
    BAD(&env, "%{x}", 0, 0, "unknown macro letter", "undefined letter x");
    BAD(&env, "x%{a}.example.com", 0, 1, "unknown macro letter", "undef-macro %{a}");
    BAD(&env, "%{z}", MA_SPF_MACRO_EXP, 0, "unknown macro letter", "undefined letter in exp too");
    BAD(&env, "%{}", 0, 0, "unknown macro letter", "no letter");
    BAD(&env, "%{", 0, 0, "unterminated", "'%{' at the end");
    BAD(&env, "%{d", 0, 0, "unterminated", "no closing brace");
    BAD(&env, "%{d2r", 0, 0, "unterminated", "no closing brace after transformers");
    BAD(&env, "ab%{d2rx}", 0, 2, "bad character in macro", "junk after transformers");
    BAD(&env, "%{d-2}", 0, 0, "bad character in macro", "delimiter before digits");
    BAD(&env, "%{dr2}", 0, 0, "bad character in macro", "r before digits");
    BAD(&env, "%{d rr}", MA_SPF_MACRO_EXP, 0, "bad character in macro", "space inside a macro");
    BAD(&env, "%{d0}", 0, 0, "zero digit", "zero digit transformer");
    BAD(&env, "%{d000r}", 0, 0, "zero digit", "zeros digit transformer");
    BAD(&env, "%{c}", 0, 0, "only in explanations", "c outside explanations");
    BAD(&env, "x.%{r}.example.com", 0, 2, "only in explanations", "exp-only-macro-char %{r}");
    BAD(&env, "%{T}", 0, 0, "only in explanations", "T outside explanations");
    BAD(&env, "a b", 0, 1, "space", "space outside explanations");
    BAD(&env, "a\tb", MA_SPF_MACRO_EXP, 1, "bad character", "TAB in an explanation");
    BAD(&env, "a\x01", 0, 1, "bad character", "control character");
    BAD(&env, "\xef\xbb\xbf" "Explanation", MA_SPF_MACRO_EXP, 0, "bad character",
        "non-ascii-exp: non-ASCII explanation");
    BAD(&env, "a\0b", MA_SPF_MACRO_EXP, 1, "bad character", "NUL in an explanation");
    BAD(&env, "The %{x}-files.", MA_SPF_MACRO_EXP, 4, "unknown macro letter",
        "explanation-syntax-error");
    BAD(&env, "%{w} is an invalid macro %{d", MA_SPF_MACRO_EXP, 0, "unknown macro letter",
        "stalwart invalid explanation");

    /* Argument errors. */
    {
        ma_buf b;
        ma_errbuf err;
        ma__buf_init(&b, ctx);
        is_int(ma__spf_macro_expand(&b, ctx, "x", 1, NULL, 0, &err), MA_EINVAL, "NULL env");
        is_int(ma__spf_macro_expand(&b, ctx, NULL, 1, &env, 0, &err), MA_EINVAL, "NULL spec");
        is_int(ma__spf_macro_expand(&b, ctx, NULL, 0, &env, 0, &err), MA_OK, "NULL empty spec");
        is_int(ma__spf_macro_expand(&b, ctx, "x", 1, &env, 4, &err), MA_EINVAL, "unknown flag");
        is_int(ma__spf_macro_expand(NULL, ctx, "x", 1, &env, 0, &err), MA_EINVAL, "NULL out");
        env.ip = NULL;
        is_int(ma__spf_macro_expand(&b, ctx, "%{i}", 4, &env, 0, &err), MA_EINVAL,
               "%{i} without a client address");
        is_int(ma__spf_macro_expand(&b, ctx, "%{d}", 4, &env, 0, &err), MA_OK,
               "%{d} needs no client address");
        is_int(ma__spf_expand_domain(NULL, ctx, "x.com", 5, &env, &err), MA_EINVAL,
               "expand_domain: NULL out");
        ma__buf_free(&b);
    }
}

static void test_check_and_uses_p(void)
{
    size_t bad = 99, em = 99;
    const char *why = NULL;

    is_int(ma__spf_macro_check("%{d}.x", 6, 0, &bad, &why, &em), MA_OK, "check: valid");
    is_int(em, 4, "check: the last macro ends at 4");
    is_int(ma__spf_macro_check("x.%{d}", 6, 0, &bad, &why, &em), MA_OK, "check: ends in macro");
    is_int(em, 6, "check: the macro ends the string");
    ma__spf_macro_check("x.%-", 4, 0, &bad, &why, &em);
    is_int(em, 4, "check: %- is a macro-expand");
    ma__spf_macro_check("x.}", 3, 0, &bad, &why, &em);
    is_int(em, 0, "check: no macro at all");
    ma__spf_macro_check("%%%_x", 5, 0, &bad, &why, &em);
    is_int(em, 4, "check: %% then %_");
    is_int(ma__spf_macro_check("ab%{q}", 6, 0, &bad, &why, &em), MA_ESYNTAX, "check: bad letter");
    is_int(bad, 2, "check: offset of the bad macro");
    ok(why != NULL && strstr(why, "letter") != NULL, "check: reason");
    is_int(ma__spf_macro_check("%{c}", 4, 0, NULL, NULL, NULL), MA_ESYNTAX,
           "check: c outside explanations, NULL outputs");
    is_int(ma__spf_macro_check("%{c}", 4, MA_SPF_MACRO_EXP, NULL, NULL, NULL), MA_OK,
           "check: c in explanations");
    is_int(ma__spf_macro_check(NULL, 4, 0, NULL, NULL, NULL), MA_EINVAL, "check: NULL spec");
    is_int(ma__spf_macro_check(NULL, 0, 0, NULL, NULL, &em), MA_OK, "check: NULL empty spec");
    is_int(em, 0, "check: no macro in an empty spec");

    ok(ma__spf_macro_uses_p("%{p}", 4), "uses_p: %{p}");
    ok(ma__spf_macro_uses_p("x.%{P2r}.y", 10), "uses_p: %{P2r}");
    ok(!ma__spf_macro_uses_p("%%{p}", 5), "uses_p: %%{p} is a literal");
    ok(!ma__spf_macro_uses_p("p.%{d}", 6), "uses_p: literal p");
    ok(!ma__spf_macro_uses_p("%{p}", 2), "uses_p: respects the length");
    ok(!ma__spf_macro_uses_p(NULL, 4), "uses_p: NULL");
    ok(ma__spf_macro_uses_p("%_%{p}", 6), "uses_p: after %_");
}

static void test_limit(void)
{
    ma_spf_macro_env env;
    ma_errbuf err;
    ma_buf b;
    char *spec, *got = NULL;
    size_t i;
    int rc;
    uint64_t def = ma_ctx_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES);

    env_set(&env, "strong-bad@email.example.com", "email.example.com", &ip4);

    /* %{s} repeated: 28 bytes each, 1000 times = 28000 > 8192. */
    spec = malloc(4 * 1000 + 1);
    for (i = 0; i < 1000; i++)
        memcpy(spec + 4 * i, "%{s}", 4);
    spec[4000] = '\0';
    ma__buf_init(&b, ctx);
    ma__buf_append(&b, "pre", 3);
    rc = ma__spf_macro_expand(&b, ctx, spec, 4000, &env, 0, &err);
    is_int(rc, MA_ELIMIT, "%{s} x1000 passes the limit");
    ok(strstr(err.text, "longer than 8192") != NULL, "limit: message names the limit");
    is_mem(b.data, b.len, "pre", 3, "limit: output restored");
    ma__buf_free(&b);
    /* 292 times (8176 bytes) fits, 293 (8204) does not. */
    spec[4 * 292] = '\0';
    rc = expand(&env, spec, 0, &got, &err);
    is_int(rc, MA_OK, "292 x %{s} = 8176 bytes fits");
    is_int(strlen(got), 8176, "292 x %{s}: length");
    ma_free(ctx, got);
    spec[4 * 292] = '%';
    spec[4 * 293] = '\0';
    rc = expand(&env, spec, 0, &got, &err);
    is_int(rc, MA_ELIMIT, "293 x %{s} = 8204 bytes does not");
    ma_free(ctx, got);
    free(spec);

    /* A smaller limit: exactly at it is fine, one more is not. */
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES, 10);
    check_exp(&env, "0123456789", 0, "0123456789", "literal exactly at the limit");
    rc = expand(&env, "0123456789a", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "literal one past the limit");
    ma_free(ctx, got);
    rc = expand(&env, "%{o}", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "a macro value past the limit");
    ma_free(ctx, got);
    rc = expand(&env, "%{o2r}", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "a reversed value past the limit");
    ma_free(ctx, got);
    check_exp(&env, "%{d1r}", 0, "email", "a transformed value under the limit");
    rc = expand(&env, "%{o2}", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "a right-hand-parts value past the limit");
    ma_free(ctx, got);
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES, 7);
    rc = expand(&env, "%{o2r}", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "the joining dot passes the limit");
    ma_free(ctx, got);
    check_exp(&env, "%{o1r}.", 0, "email.", "a shorter value fits");
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES, 10);
    check_exp(&env, "%{d1}%{d1}%{d1}", 0, "comcomcom", "three short values fit");
    BAD(&env, "%{s}%{s}x%{q}", 0, 9, "unknown macro letter",
        "a syntax error past the limit is still a syntax error");
    rc = expand(&env, "%{s}%{s}x%{d}", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "valid syntax past the limit: MA_ELIMIT");
    ma_free(ctx, got);
    check_exp(&env, "%%%%%%%%%%", 0, "%%%%%", "%% counted once each");
    rc = expand(&env, "%-%-%-%-", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "%- counts three bytes each");
    ma_free(ctx, got);
    /* Escaping: "strong-bad" fits, "%{S}" escaped would be 30 bytes. */
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES, 29);
    rc = expand(&env, "%{s}", 0, &got, &err);
    is_int(rc, MA_OK, "28-byte sender under a 29-byte limit");
    ma_free(ctx, got);
    rc = expand(&env, "%{S}", 0, &got, &err);
    is_int(rc, MA_ELIMIT, "escaping pushes it past the limit");
    ma_free(ctx, got);
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES, def);
}

static void test_expand_domain(void)
{
    ma_spf_macro_env env;
    char sender[300], want[300];
    ma_ip a;
    size_t i;

    env_set(&env, "strong-bad@email.example.com", "email.example.com", &ip4);
    check_domain(&env, "%{d}", "email.example.com", "plain %{d}");
    check_domain(&env, "foo.example.com.", "foo.example.com", "one trailing dot removed");
    check_domain(&env, "%{d}.", "email.example.com", "trailing dot after a macro");
    check_domain(&env, "foo.example.com..", NULL, "two trailing dots: an empty label");
    check_domain(&env, "mail.example...com", NULL, "invalid-domain-empty-label");
    check_domain(&env, ".example.com", NULL, "leading empty label");
    check_domain(&env, ".", NULL, "only a dot");
    check_domain(&env, "", NULL, "empty");
    check_domain(&env, "%{d1}", "com", "a single label is a name");
    check_domain(&env, "foo.xn--zckzah", "foo.xn--zckzah", "a-dash-in-toplabel");
    check_domain(&env, "foo.123-456", "foo.123-456", "numeric toplabel with a hyphen");
    check_domain(&env, "abc.123", NULL, "all-numeric toplabel");
    check_domain(&env, "example.-com", NULL, "toplabel starting with '-'");
    check_domain(&env, "example.com-", NULL, "toplabel ending with '-'");
    check_domain(&env, "foo:bar/baz.example.com", "foo:bar/baz.example.com",
                 "a-colon-domain: any printable character in inner labels");
    check_domain(&env, "macro%%percent%_%_space%-url-space.example.com",
                 "macro%percent  space%20url-space.example.com", "macro-mania-in-domain");
    check_domain(&env, "a123456789012345678901234567890123456789012345678901234567890123.example.com",
                 NULL, "invalid-domain-long: a 64-octet label");
    check_domain(&env, "a12345678901234567890123456789012345678901234567890123456789012.example.com",
                 "a12345678901234567890123456789012345678901234567890123456789012.example.com",
                 "a 63-octet label");
    env.helo = "JUMPIN' JUPITER";
    env.helo_len = strlen(env.helo);
    check_domain(&env, "%{H}", NULL, "invalid-hello-macro");
    env.helo = "[192.168.218.40]";
    env.helo_len = strlen(env.helo);
    check_domain(&env, "%{H}", NULL, "hello-domain-literal");
    env.helo = "msgbas2x.cos.example.com";
    env.helo_len = strlen(env.helo);
    check_domain(&env, "%{H}", "msgbas2x.cos.example.com", "hello-macro");
    env.helo = "%%%%%%%%%%%%%%%%%%%%%%";
    env.helo_len = strlen(env.helo);
    check_domain(&env, "%{H}.bar", NULL, "invalid-domain-long-via-macro");
    env.helo = "bad\x80.example.com";
    env.helo_len = strlen(env.helo);
    check_domain(&env, "%{h}", NULL, "a non-ASCII byte in the expansion");
    env.helo = "bad\x01.example.com";
    env.helo_len = strlen(env.helo);
    check_domain(&env, "%{h}", NULL, "a control byte in the expansion");
    check_domain(&env, "%{r}.example.com", NULL, "%{r} is not allowed in a domain-spec");

    /* domain-name-truncation: foobar.%{o} x8 .example.com is 259 + ... */
    ma_ip_parse(&a, "192.168.218.40", 14);
    env_set(&env, "test@somewhat.long.exp.example.com", "somewhat.long.exp.example.com", &a);
    check_domain(&env, "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com",
                 "somewhat.long.exp.example.com.somewhat.long.exp.example.com."
                 "somewhat.long.exp.example.com.somewhat.long.exp.example.com."
                 "somewhat.long.exp.example.com.somewhat.long.exp.example.com."
                 "somewhat.long.exp.example.com.somewhat.long.exp.example.com.example.com",
                 "domain-name-truncation");

    /* Truncation boundaries: 253 stays, 254 loses its first label. */
    /* x@ + 3 x (61 "a" + ".") + 59 "b" + ".abc.com": a 253-character domain. */
    memset(sender, 0, sizeof sender);
    strcpy(sender, "x@");
    for (i = 0; i < 3; i++) {
        memset(sender + strlen(sender), 'a', 61);
        strcat(sender, ".");
    }
    memset(sender + strlen(sender), 'b', 59);
    strcat(sender, ".abc.com");
    env_set(&env, sender, "d.com", &a);
    is_int(strlen(sender + 2), 253, "test setup: a 253-character domain");
    check_domain(&env, "%{o}", sender + 2, "253 characters are kept whole");
    check_domain(&env, "%{o}.", sender + 2, "253 characters and a trailing dot");
    snprintf(want, sizeof want, "%s", sender + 2 + 62);
    check_domain(&env, "z%{o}", want, "254 characters: the first label goes");
    check_domain(&env, "%{o2}", "abc.com", "a short tail");
    check_domain(&env, "%{o}.%{o}", sender + 2, "507 characters: six labels go");
    /* A single label too long to truncate. */
    memset(sender, 'a', 299);
    sender[299] = '\0';
    env_set(&env, sender, "d.com", &a);
    check_domain(&env, "%{s}", NULL, "300 characters in one label cannot be truncated");
    check_domain(&env, "%{s}.com", "com", "a 299-character label before .com: only com is left");
}

/* Fail the n-th allocation of a run, for n = 1, 2, ... until a run needs
   fewer than n allocations (and so succeeds). */
static void oom_pass(ma_ctx *tctx, ta_alloc *st, const ma_spf_macro_env *env, const char *spec,
                     int domain, const char *what)
{
    long n;
    int done = 0, all_good = 1, fails = 0;
    char buf[200];

    for (n = 1; n < 100 && !done; n++) {
        ma_buf b;
        ma_errbuf err;
        long before;
        int rc;
        ma__buf_init(&b, tctx);
        ma__buf_append(&b, "pre", 3);
        before = st->calls;
        ta_fail_once(st, n);
        if (domain)
            rc = ma__spf_expand_domain(&b, tctx, spec, strlen(spec), env, &err);
        else
            rc = ma__spf_macro_expand(&b, tctx, spec, strlen(spec), env, 0, &err);
        ta_fail_never(st);
        if (st->calls - before < n) {
            done = 1;
            if (rc != MA_OK)
                all_good = 0;
        } else if (rc != MA_ENOMEM || b.len != 3 || memcmp(b.data, "pre", 3) != 0) {
            all_good = 0;
        } else {
            fails++;
        }
        ma__buf_free(&b);
    }
    snprintf(buf, sizeof buf, "oom %s: every failure is MA_ENOMEM, out untouched", what);
    ok(all_good, buf);
    snprintf(buf, sizeof buf, "oom %s: several allocations failed, then it succeeded", what);
    ok(done && fails >= 2, buf);
    snprintf(buf, sizeof buf, "oom %s: nothing leaked", what);
    is_int(st->live, 1, buf);
}

static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *tctx;
    ma_spf_macro_env env;
    char sender[400];

    if (ta_ctx_new(&tctx, &st) != MA_OK) {
        ok(0, "oom: context");
        return;
    }
    /* A long sender makes the buffer grow inside every kind of append. */
    memset(sender, 'q', 150);
    strcpy(sender + 150, "@a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.example.com");
    env_set(&env, sender, "email.example.com", &ip6);
    oom_pass(tctx, &st, &env, "%{O}.%{o}.%{o}.%{ir}.%{v}._spf.%{d2}", 1, "expand_domain");
    oom_pass(tctx, &st, &env, "%{S}%{S}%{S}%{S}", 0, "escaping");
    oom_pass(tctx, &st, &env, "%{s}%{s}%{s}%{s}", 0, "plain values");
    oom_pass(tctx, &st, &env, "%{s40}%{s40}%{s40}%{s40}", 0, "right-hand parts");
    oom_pass(tctx, &st, &env, "%{s40r}%{s40r}%{s40r}%{s40r}", 0, "reversed parts");
    ma_ctx_free(tctx);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    ma_ip_parse(&ip4, "192.0.2.3", 9);
    ma_ip_parse(&ip6, "2001:db8::cb01", 14);
    test_rfc_examples();
    test_suite_cases();
    test_letters();
    test_transformers();
    test_syntax_errors();
    test_check_and_uses_p();
    test_limit();
    test_expand_domain();
    test_oom();
    ma_ctx_free(ctx);
    return tap_done();
}
