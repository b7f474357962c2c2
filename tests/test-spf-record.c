/*
 * Unit tests: the SPF record parser (src/spf/record.c): every mechanism and
 * modifier form, the ABNF corners, the OpenSPF suite's syntax cases, error
 * texts and offsets, limits, hostile input and memory use.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spf/spf_int.h"
#include "alloc.h"
#include "tap.h"

/* ------------------------------------------------------------------ helpers */

static ma_ctx *ctx;

static int parse_len(ma_spf_record *rec, const char *text, size_t len, ma_errbuf *err)
{
    return ma__spf_record_parse(rec, ctx, text, len, err);
}

static int parse(ma_spf_record *rec, const char *text, ma_errbuf *err)
{
    return parse_len(rec, text, strlen(text), err);
}

/* Parse text, expecting success and n terms; rec must be freed. */
static int parse_good(ma_spf_record *rec, const char *text, size_t n, const char *what)
{
    ma_errbuf err;
    int rc = parse(rec, text, &err);
    if (!is_int(rc, MA_OK, what)) {
        printf("#   \"%s\": %s\n", text, err.text);
        return 0;
    }
    return is_int(rec->nterms, n, what);
}

/*
 * Check term i: kind, qualifier, spec (NULL: absent), CIDR lengths, whole
 * text and offset.
 */
static void check_term(const ma_spf_record *rec, size_t i, int kind, char qual, const char *spec,
                       int cidr4, int cidr6, const char *text, size_t offset, const char *what)
{
    const ma_spf_term *t;
    char buf[200];
    int good = 1;

    if (i >= rec->nterms) {
        ok(0, what);
        printf("#   no term %zu\n", i);
        return;
    }
    t = &rec->terms[i];
    if (t->kind != kind) {
        printf("#   kind %d, want %d\n", t->kind, kind);
        good = 0;
    }
    if (t->qualifier != qual) {
        printf("#   qualifier '%c', want '%c'\n", t->qualifier ? t->qualifier : '0',
               qual ? qual : '0');
        good = 0;
    }
    if (spec == NULL ? t->spec != NULL
                     : (t->spec == NULL || t->spec_len != strlen(spec)
                        || memcmp(t->spec, spec, t->spec_len) != 0)) {
        printf("#   spec \"%.*s\", want \"%s\"\n", t->spec ? (int)t->spec_len : 6,
               t->spec ? t->spec : "(null)", spec ? spec : "(null)");
        good = 0;
    }
    if (t->cidr4 != cidr4 || t->cidr6 != cidr6) {
        printf("#   cidr %d/%d, want %d/%d\n", t->cidr4, t->cidr6, cidr4, cidr6);
        good = 0;
    }
    if (t->text_len != strlen(text) || memcmp(t->text, text, t->text_len) != 0
        || t->offset != offset || t->text != rec->text + offset) {
        printf("#   text \"%.*s\" at %zu, want \"%s\" at %zu\n", (int)t->text_len, t->text,
               t->offset, text, offset);
        good = 0;
    }
    snprintf(buf, sizeof buf, "%s: term %zu", what, i);
    ok(good, buf);
}

/* Check the network of term i. */
static void check_ip(const ma_spf_record *rec, size_t i, const char *want, const char *what)
{
    ma_ip ip;
    ma_ip_parse(&ip, want, strlen(want));
    ok(i < rec->nterms && rec->terms[i].ip.family == ip.family
           && memcmp(rec->terms[i].ip.addr, ip.addr, 16) == 0,
       what);
}

/* Expect status rc, an error at offset off whose text contains msg, and an empty record. */
static void check_bad_len(const char *text, size_t len, int rc_want, int64_t off, const char *msg,
                          const char *what)
{
    ma_spf_record rec;
    ma_errbuf err;
    char buf[300];
    int rc;

    memset(&rec, 0x5a, sizeof rec);
    rc = parse_len(&rec, text, len, &err);
    if (!is_int(rc, rc_want, what))
        printf("#   \"%.*s\"\n", (int)len, text);
    if (off >= -1) {
        snprintf(buf, sizeof buf, "%s: offset", what);
        is_int(err.offset, off, buf);
    }
    if (msg != NULL) {
        snprintf(buf, sizeof buf, "%s: message has \"%s\"", what, msg);
        if (!ok(strstr(err.text, msg) != NULL, buf))
            printf("#   message: %s\n", err.text);
    }
    snprintf(buf, sizeof buf, "%s: record left empty", what);
    ok(rec.text == NULL && rec.terms == NULL && rec.nterms == 0 && rec.redirect == -1
           && rec.exp == -1,
       buf);
    ma__spf_record_free(&rec, ctx);
}

#define BAD(lit, off, msg, what) check_bad_len((lit), sizeof(lit) - 1, MA_ESYNTAX, (off), (msg), (what))

/* Only the status matters (suite cases). */
static void check_rc(const char *text, int rc_want, const char *what)
{
    ma_spf_record rec;
    ma_errbuf err;
    int rc = parse(&rec, text, &err);
    if (!is_int(rc, rc_want, what))
        printf("#   \"%s\": %s\n", text, rc == MA_OK ? "parsed" : err.text);
    ma__spf_record_free(&rec, ctx);
}

/* ------------------------------------------------------------------ tests */

static void test_is_record(void)
{
    ok(ma__spf_is_record("v=spf1", 6), "is_record: bare version");
    ok(ma__spf_is_record("v=spf1 -all", 11), "is_record: with terms");
    ok(ma__spf_is_record("V=SpF1 -all", 11), "is_record: case-insensitive");
    ok(ma__spf_is_record("v=spf1 ", 7), "is_record: trailing space");
    ok(!ma__spf_is_record("v=spf10", 7), "is_record: v=spf10");
    ok(!ma__spf_is_record("v=spf1a", 7), "is_record: v=spf1a");
    ok(!ma__spf_is_record("v=spf1\t-all", 11), "is_record: TAB is not SP");
    ok(!ma__spf_is_record("v=spf", 5), "is_record: too short");
    ok(!ma__spf_is_record(" v=spf1", 7), "is_record: leading space");
    ok(!ma__spf_is_record("v=spf3 -all", 11), "is_record: another version");
    ok(!ma__spf_is_record("", 0), "is_record: empty");
    ok(!ma__spf_is_record(NULL, 6), "is_record: NULL");
    ok(!ma__spf_is_record("v=spf1 -all", 5), "is_record: the length is respected");
    ok(ma__spf_is_record("v=spf1 -all", 6), "is_record: cut after the version");
    ok(!ma__spf_is_record("spf2.0/pra", 10), "is_record: Sender ID");
}

static void test_mechanisms(void)
{
    ma_spf_record rec;

    if (parse_good(&rec, "v=spf1 all +all -all ~all ?all ALL", 6, "all forms")) {
        check_term(&rec, 0, MA_SPF_ALL, '+', NULL, 32, 128, "all", 7, "all");
        check_term(&rec, 1, MA_SPF_ALL, '+', NULL, 32, 128, "+all", 11, "+all");
        check_term(&rec, 2, MA_SPF_ALL, '-', NULL, 32, 128, "-all", 16, "-all");
        check_term(&rec, 3, MA_SPF_ALL, '~', NULL, 32, 128, "~all", 21, "~all");
        check_term(&rec, 4, MA_SPF_ALL, '?', NULL, 32, 128, "?all", 26, "?all");
        check_term(&rec, 5, MA_SPF_ALL, '+', NULL, 32, 128, "ALL", 31, "ALL");
        is_int(rec.redirect, -1, "no redirect");
        is_int(rec.exp, -1, "no exp");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 include:example.com -Include:_spf.%{d2}. INCLUDE:o.spf.example.com.",
                   3, "include forms")) {
        check_term(&rec, 0, MA_SPF_INCLUDE, '+', "example.com", 32, 128, "include:example.com", 7,
                   "include");
        check_term(&rec, 1, MA_SPF_INCLUDE, '-', "_spf.%{d2}.", 32, 128, "-Include:_spf.%{d2}.", 27,
                   "-include with a macro and a dot");
        check_term(&rec, 2, MA_SPF_INCLUDE, '+', "o.spf.example.com.", 32, 128,
                   "INCLUDE:o.spf.example.com.", 48, "INCLUDE with a trailing dot");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 a a:foo.com a/24 a//64 a/24//64 ?a:foo.com/0//0 A:%{d}/8 "
                         "a:foo:bar/baz.example.com a//0 a/32//128",
                   10, "a forms")) {
        check_term(&rec, 0, MA_SPF_A, '+', NULL, 32, 128, "a", 7, "a");
        check_term(&rec, 1, MA_SPF_A, '+', "foo.com", 32, 128, "a:foo.com", 9, "a:domain");
        check_term(&rec, 2, MA_SPF_A, '+', NULL, 24, 128, "a/24", 19, "a/24");
        check_term(&rec, 3, MA_SPF_A, '+', NULL, 32, 64, "a//64", 24, "a//64");
        check_term(&rec, 4, MA_SPF_A, '+', NULL, 24, 64, "a/24//64", 30, "a/24//64");
        check_term(&rec, 5, MA_SPF_A, '?', "foo.com", 0, 0, "?a:foo.com/0//0", 39, "?a:domain/0//0");
        check_term(&rec, 6, MA_SPF_A, '+', "%{d}", 8, 128, "A:%{d}/8", 55, "A:macro/8");
        check_term(&rec, 7, MA_SPF_A, '+', "foo:bar/baz.example.com", 32, 128,
                   "a:foo:bar/baz.example.com", 64, "a-colon-domain: ':' and '/' in the domain");
        check_term(&rec, 8, MA_SPF_A, '+', NULL, 32, 0, "a//0", 90, "a//0");
        check_term(&rec, 9, MA_SPF_A, '+', NULL, 32, 128, "a/32//128", 95, "a/32//128 maxima");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 mx -mx:example.org/30 MX//48 mx:%{d}./16//56 mx:foo:bar/baz.example.com",
                   5, "mx forms")) {
        check_term(&rec, 0, MA_SPF_MX, '+', NULL, 32, 128, "mx", 7, "mx");
        check_term(&rec, 1, MA_SPF_MX, '-', "example.org", 30, 128, "-mx:example.org/30", 10,
                   "-mx:domain/30");
        check_term(&rec, 2, MA_SPF_MX, '+', NULL, 32, 48, "MX//48", 29, "MX//48");
        check_term(&rec, 3, MA_SPF_MX, '+', "%{d}.", 16, 56, "mx:%{d}./16//56", 36,
                   "mx:macro./16//56");
        check_term(&rec, 4, MA_SPF_MX, '+', "foo:bar/baz.example.com", 32, 128,
                   "mx:foo:bar/baz.example.com", 52, "mx-colon-domain");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 ptr ~ptr:example.com PTR:%{d}", 3, "ptr forms")) {
        check_term(&rec, 0, MA_SPF_PTR, '+', NULL, 32, 128, "ptr", 7, "ptr");
        check_term(&rec, 1, MA_SPF_PTR, '~', "example.com", 32, 128, "~ptr:example.com", 11,
                   "~ptr:domain");
        check_term(&rec, 2, MA_SPF_PTR, '+', "%{d}", 32, 128, "PTR:%{d}", 28, "PTR:macro");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 ip4:192.0.2.0/24 -ip4:1.2.3.4 IP4:1.1.1.1/0 ip4:255.255.255.255/32",
                   4, "ip4 forms")) {
        check_term(&rec, 0, MA_SPF_IP4, '+', NULL, 24, 128, "ip4:192.0.2.0/24", 7, "ip4/24");
        check_ip(&rec, 0, "192.0.2.0", "ip4/24 network");
        check_term(&rec, 1, MA_SPF_IP4, '-', NULL, 32, 128, "-ip4:1.2.3.4", 24, "-ip4 no CIDR");
        check_ip(&rec, 1, "1.2.3.4", "-ip4 address");
        check_term(&rec, 2, MA_SPF_IP4, '+', NULL, 0, 128, "IP4:1.1.1.1/0", 37, "IP4/0");
        check_term(&rec, 3, MA_SPF_IP4, '+', NULL, 32, 128, "ip4:255.255.255.255/32", 51, "ip4/32");
        check_ip(&rec, 3, "255.255.255.255", "ip4 broadcast");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 ip6:2001:db8::/32 ip6:::1.1.1.1/0 ?ip6:::FFFF:1.2.3.4 "
                         "IP6:Cafe:Babe:8000::/33 ip6:2001:db8::1/128 ip6:::/0",
                   6, "ip6 forms")) {
        check_term(&rec, 0, MA_SPF_IP6, '+', NULL, 32, 32, "ip6:2001:db8::/32", 7, "ip6/32");
        check_ip(&rec, 0, "2001:db8::", "ip6/32 network");
        check_term(&rec, 1, MA_SPF_IP6, '+', NULL, 32, 0, "ip6:::1.1.1.1/0", 25, "ip6 embedded IPv4");
        check_ip(&rec, 1, "::1.1.1.1", "ip6 embedded IPv4 network");
        check_term(&rec, 2, MA_SPF_IP6, '?', NULL, 32, 128, "?ip6:::FFFF:1.2.3.4", 41,
                   "ip6 mapped, kept as IPv6");
        ok(rec.terms[2].ip.family == MA_IP_V6, "ip6 mapped: family stays IPv6");
        check_term(&rec, 3, MA_SPF_IP6, '+', NULL, 32, 33, "IP6:Cafe:Babe:8000::/33", 61,
                   "cidr6-33");
        check_term(&rec, 4, MA_SPF_IP6, '+', NULL, 32, 128, "ip6:2001:db8::1/128", 85, "ip6/128");
        check_term(&rec, 5, MA_SPF_IP6, '+', NULL, 32, 0, "ip6:::/0", 105, "ip6:::/0");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -EXISTS:mail.example.com", 2,
                   "exists forms")) {
        check_term(&rec, 0, MA_SPF_EXISTS, '+', "%{ir}.%{l1r+-}._spf.%{d}", 32, 128,
                   "exists:%{ir}.%{l1r+-}._spf.%{d}", 7, "exists with macros (5.7 example)");
        check_term(&rec, 1, MA_SPF_EXISTS, '-', "mail.example.com", 32, 128,
                   "-EXISTS:mail.example.com", 39, "-EXISTS");
    }
    ma__spf_record_free(&rec, ctx);
}

static void test_modifiers(void)
{
    ma_spf_record rec;

    if (parse_good(&rec, "v=spf1 mx exp=explain._spf.%{d} -all redirect=_spf.example.com", 4,
                   "redirect and exp")) {
        check_term(&rec, 1, MA_SPF_EXP, 0, "explain._spf.%{d}", 32, 128,
                   "exp=explain._spf.%{d}", 10, "exp=");
        check_term(&rec, 3, MA_SPF_REDIRECT, 0, "_spf.example.com", 32, 128,
                   "redirect=_spf.example.com", 37, "redirect=");
        is_int(rec.exp, 1, "exp index");
        is_int(rec.redirect, 3, "redirect index");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 REDIRECT=%{d}.d.spf.example.com. Exp=msg8.%{D2}", 2,
                   "modifier names are case-insensitive")) {
        check_term(&rec, 0, MA_SPF_REDIRECT, 0, "%{d}.d.spf.example.com.", 32, 128,
                   "REDIRECT=%{d}.d.spf.example.com.", 7, "REDIRECT=");
        check_term(&rec, 1, MA_SPF_EXP, 0, "msg8.%{D2}", 32, 128, "Exp=msg8.%{D2}", 40, "Exp=");
        is_int(rec.redirect, 0, "REDIRECT index");
        is_int(rec.exp, 1, "Exp index");
    }
    ma__spf_record_free(&rec, ctx);

    if (parse_good(&rec, "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all default=pass "
                         "default=+ foo= x=%{c}%{r}%{t} a=b redirects=x exp.x=%%",
                   10, "unknown modifiers")) {
        check_term(&rec, 0, MA_SPF_UNKNOWN_MOD, 0, "man:dog/cat", 32, 128,
                   "moo.cow-far_out=man:dog/cat", 7, "modifier-charset-good");
        check_term(&rec, 3, MA_SPF_UNKNOWN_MOD, 0, "pass", 32, 128, "default=pass", 52,
                   "default=pass");
        check_term(&rec, 4, MA_SPF_UNKNOWN_MOD, 0, "+", 32, 128, "default=+", 65, "default=+");
        check_term(&rec, 5, MA_SPF_UNKNOWN_MOD, 0, "", 32, 128, "foo=", 75,
                   "an empty unknown modifier");
        check_term(&rec, 6, MA_SPF_UNKNOWN_MOD, 0, "%{c}%{r}%{t}", 32, 128, "x=%{c}%{r}%{t}", 80,
                   "c, r, t in an unknown modifier");
        check_term(&rec, 7, MA_SPF_UNKNOWN_MOD, 0, "b", 32, 128, "a=b", 95,
                   "a mechanism name followed by '=' is a modifier");
        check_term(&rec, 8, MA_SPF_UNKNOWN_MOD, 0, "x", 32, 128, "redirects=x", 99,
                   "redirects= is not redirect=");
        check_term(&rec, 9, MA_SPF_UNKNOWN_MOD, 0, "%%", 32, 128, "exp.x=%%", 111, "exp.x=");
        is_int(rec.redirect, -1, "unknown modifiers set no redirect");
        is_int(rec.exp, -1, "unknown modifiers set no exp");
    }
    ma__spf_record_free(&rec, ctx);

    /* Unknown modifiers may repeat (6: "MUST be ignored no matter ... how often"). */
    check_rc("v=spf1 foo=1 foo=2 foo=3", MA_OK, "unknown modifiers may repeat");
    check_rc("v=spf1 redirect=a.example.com exp=b.example.com", MA_OK, "one of each");
}

static void test_spacing(void)
{
    ma_spf_record rec;

    if (parse_good(&rec, "v=spf1", 0, "bare version")) {
        is_str(rec.text, "v=spf1", "bare version: text copied");
        is_int(rec.len, 6, "bare version: length");
    }
    ma__spf_record_free(&rec, ctx);
    parse_good(&rec, "v=spf1 ", 0, "version and a space");
    ma__spf_record_free(&rec, ctx);
    parse_good(&rec, "V=SPF1     ", 0, "version and spaces");
    ma__spf_record_free(&rec, ctx);
    if (parse_good(&rec, "v=spf1 a  -all", 2, "two-spaces")) {
        check_term(&rec, 0, MA_SPF_A, '+', NULL, 32, 128, "a", 7, "two-spaces first");
        check_term(&rec, 1, MA_SPF_ALL, '-', NULL, 32, 128, "-all", 10, "two-spaces second");
    }
    ma__spf_record_free(&rec, ctx);
    if (parse_good(&rec, "v=spf1 a -all ", 2, "trailing-space"))
        check_term(&rec, 1, MA_SPF_ALL, '-', NULL, 32, 128, "-all", 9, "trailing-space: term");
    ma__spf_record_free(&rec, ctx);
    if (parse_good(&rec, "v=spf1    mx     ?all   ", 2, "many spaces")) {
        check_term(&rec, 0, MA_SPF_MX, '+', NULL, 32, 128, "mx", 10, "many spaces first");
        check_term(&rec, 1, MA_SPF_ALL, '?', NULL, 32, 128, "?all", 17, "many spaces second");
    }
    ma__spf_record_free(&rec, ctx);
    check_rc("v=spf1 ip4:192.0.2.5", MA_OK, "null-text: strings joined");

    /* The copy is the record's own. */
    {
        char buf[] = "v=spf1 a:example.com -all";
        ma_errbuf err;
        if (is_int(parse(&rec, buf, &err), MA_OK, "parse a mutable buffer")) {
            memset(buf, 'x', sizeof buf - 1);
            ok(rec.text != buf && rec.terms[0].spec_len == 11
                   && memcmp(rec.terms[0].spec, "example.com", 11) == 0,
               "spans point into the record's copy");
            is_int(rec.text[rec.len], 0, "the copy is NUL-terminated");
        }
        ma__spf_record_free(&rec, ctx);
    }
    /* Explicit length: bytes after len are not read. */
    {
        ma_errbuf err;
        if (is_int(parse_len(&rec, "v=spf1 -all\x80junk", 11, &err), MA_OK,
                   "explicit length stops before junk"))
            is_int(rec.nterms, 1, "explicit length: one term");
        ma__spf_record_free(&rec, ctx);
    }
}

/* The OpenSPF rfc7208-tests.yml records whose result is decided by syntax. */
static void test_suite_syntax(void)
{
    static const struct {
        const char *record;
        int rc;
        const char *name;
    } cases[] = {
        { "v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all", MA_ESYNTAX, "non-ascii-policy" },
        { "v=spf1 \x80" "a:example.net -all", MA_ESYNTAX, "non-ascii-mech" },
        { "v=spf1 a:example.net \x96" "all", MA_ESYNTAX, "non-ascii-result" },
        { "v=spf1 a:ctrl.example.com\x0dptr -all", MA_ESYNTAX, "control-char-policy" },
        { "v=spf1 ip4:192.0.2.5\x0a include:spf.protection.outlook.com ~all", MA_ESYNTAX, "badip4" },
        { "v=spf1 a  -all", MA_OK, "two-spaces" },
        { "v=spf1 a -all ", MA_OK, "trailing-space" },
        { "v=spf1 ip4:1.2.3.4 -all moo", MA_ESYNTAX, "detect-errors-anywhere" },
        { "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", MA_OK, "modifier-charset-good" },
        { "v=spf1 moo.cow/far_out=man:dog/cat ip4:1.2.3.4 -all", MA_ESYNTAX, "modifier-charset-bad1" },
        { "v=spf1 moo.cow:far_out=man:dog/cat ip4:1.2.3.4 -all", MA_ESYNTAX, "modifier-charset-bad2" },
        { "v=spf1 redirect=t5.example.com ~all", MA_OK, "redirect-after-mechanisms1" },
        { "v=spf1 ip4:1.2.3.4 redirect:t2.example.com", MA_ESYNTAX, "redirect-is-modifier" },
        { "v=spf1 a:foo-bar -all", MA_ESYNTAX, "invalid-domain" },
        { "v=spf1 a:mail.example...com -all", MA_OK, "invalid-domain-empty-label (checked later)" },
        { "v=spf1 a:a123456789012345678901234567890123456789012345678901234567890123.example.com -all",
          MA_OK, "invalid-domain-long (checked later)" },
        { "v=spf1 a:%{H}.bar -all", MA_OK, "invalid-domain-long-via-macro (checked later)" },
        { "v=spf1 -all.", MA_ESYNTAX, "all-dot" },
        { "v=spf1 -all:foobar", MA_ESYNTAX, "all-arg" },
        { "v=spf1 -all/8", MA_ESYNTAX, "all-cidr" },
        { "v=spf1 all -all", MA_OK, "all-double" },
        { "v=spf1 ptr/0 -all", MA_ESYNTAX, "ptr-cidr" },
        { "v=spf1 ptr:", MA_ESYNTAX, "ptr-empty-domain" },
        { "v=spf1 ptr:example.Com -all", MA_OK, "ptr-case-change" },
        { "v=spf1 a//33 -all", MA_OK, "a-cidr6" },
        { "v=spf1 a/33 -all", MA_ESYNTAX, "a-bad-cidr4" },
        { "v=spf1 a//129 -all", MA_ESYNTAX, "a-bad-cidr6" },
        { "v=spf1 a/24//64 -all", MA_OK, "a-dual-cidr-ip4-match" },
        { "v=spf1 a/24/64 -all", MA_ESYNTAX, "a-dual-cidr-ip4-err" },
        { "v=spf1 a:example.com:8080", MA_ESYNTAX, "a-bad-domain" },
        { "v=spf1 a:foo.example.com/24", MA_OK, "a-multi-ip1" },
        { "v=spf1 a:111.222.33.44", MA_ESYNTAX, "a-numeric" },
        { "v=spf1 a:abc.123", MA_ESYNTAX, "a-numeric-toplabel" },
        { "v=spf1 a:foo.example.xn--zckzah -all", MA_OK, "a-dash-in-toplabel" },
        { "v=spf1 a:example.-com", MA_ESYNTAX, "a-bad-toplabel" },
        { "v=spf1 a:museum", MA_ESYNTAX, "a-only-toplabel" },
        { "v=spf1 a:museum.", MA_ESYNTAX, "a-only-toplabel-trailing-dot" },
        { "v=spf1 a:foo:bar/baz.example.com", MA_OK, "a-colon-domain" },
        { "v=spf1 a:", MA_ESYNTAX, "a-empty-domain" },
        { "v=spf1 include +all", MA_ESYNTAX, "include-syntax-error" },
        { "v=spf1 include:ip5.example.com/24 -all", MA_ESYNTAX, "include-cidr" },
        { "v=spf1 include: -all", MA_ESYNTAX, "include-empty-domain" },
        { "v=spf1 mx//33 -all", MA_OK, "mx-cidr6" },
        { "v=spf1 mx/33 -all", MA_ESYNTAX, "mx-bad-cidr4" },
        { "v=spf1 mx//129 -all", MA_ESYNTAX, "mx-bad-cidr6" },
        { "v=spf1 mx:example.com:8080", MA_ESYNTAX, "mx-bad-domain" },
        { "v=spf1 mx:abc.123", MA_ESYNTAX, "mx-numeric-top-label" },
        { "v=spf1 mx:foo:bar/baz.example.com", MA_OK, "mx-colon-domain" },
        { "v=spf1 mx:example.-com", MA_ESYNTAX, "mx-bad-toplab" },
        { "v=spf1 mx: -all", MA_ESYNTAX, "mx-empty-domain" },
        { "v=spf1 exists:", MA_ESYNTAX, "exists-empty-domain" },
        { "v=spf1 exists", MA_ESYNTAX, "exists-implicit" },
        { "v=spf1 exists:mail.example.com/24", MA_ESYNTAX, "exists-cidr" },
        { "v=spf1 ip4:1.1.1.1/0 -all", MA_OK, "cidr4-0" },
        { "v=spf1 ip4:1.2.3.4/32 -all", MA_OK, "cidr4-32" },
        { "v=spf1 ip4:1.2.3.4/33 -all", MA_ESYNTAX, "cidr4-33" },
        { "v=spf1 ip4:1.2.3.4/032 -all", MA_ESYNTAX, "cidr4-032" },
        { "v=spf1 ip4", MA_ESYNTAX, "bare-ip4" },
        { "v=spf1 ip4:1.2.3.4//32", MA_ESYNTAX, "ip4-dual-cidr" },
        { "v=spf1 -ip4:1.2.3.4 ip6:::FFFF:1.2.3.4", MA_OK, "ip4-mapped-ip6" },
        { "v=spf1 ip4:1.2.3.4:8080", MA_ESYNTAX, "bad-ip4-port" },
        { "v=spf1 ip4:1.2.3", MA_ESYNTAX, "bad-ip4-short" },
        { "v=spf1 -all ip6", MA_ESYNTAX, "bare-ip6" },
        { "v=spf1 ip6:::1.1.1.1/0", MA_OK, "cidr6-0-ip4" },
        { "v=spf1 ip6:::1.1.1.1/129", MA_ESYNTAX, "cidr6-129" },
        { "v=spf1 ip6:::1.1.1.1//33", MA_ESYNTAX, "cidr6-bad" },
        { "v=spf1 ip6:Cafe:Babe:8000::/33", MA_OK, "cidr6-33" },
        { "v=spf1 ip6::CAFE::BABE", MA_ESYNTAX, "ip6-bad1" },
        { "v=spf1 1up=foo", MA_ESYNTAX, "invalid-modifier" },
        { "v=spf1 =all", MA_ESYNTAX, "empty-modifier-name" },
        { "v=spf1 -all foo=%abc", MA_ESYNTAX, "unknown-modifier-syntax" },
        { "v=spf1 -all foo=%z", MA_ESYNTAX, "bad macro in an unknown modifier" },
        { "v=spf1 redirect=-all ?all", MA_ESYNTAX, "redirect-syntax-error" },
        { "v=spf1 exp=-all", MA_ESYNTAX, "exp-syntax-error" },
        { "v=spf1 exp= -all", MA_ESYNTAX, "exp-empty-domain" },
        { "v=spf1 ?all redirect=", MA_ESYNTAX, "redirect-empty-domain" },
        { "v=spf1 exp=e13msg.example.com -all exp=e11msg.example.com", MA_ESYNTAX, "exp-twice" },
        { "v=spf1 redirect=e12.example.com -all redirect=e12.example.com", MA_ESYNTAX,
          "redirect-twice" },
        { "v=spf1 default=pass", MA_OK, "default-modifier-obsolete" },
        { "v=spf1 default=+", MA_OK, "default-modifier-obsolete2" },
        { "v=spf1 a:erehwon.example.com a:foobar.com exp=nxdomain.com -all", MA_OK, "exp-void" },
        { "v=spf1 redirect=%{d}.d.spf.example.com.", MA_OK, "trailing-dot-domain" },
        { "v=spf1 include:o.spf.example.com. ~all", MA_OK, "trailing dot on include" },
        { "v=spf1 exp=msg.example.com. -all", MA_OK, "trailing-dot-exp" },
        { "v=spf1 -all exp=%{r}.example.com", MA_ESYNTAX, "exp-only-macro-char" },
        { "v=spf1 -exists:%(ir).sbl.example.com ?all", MA_ESYNTAX, "invalid-macro-char" },
        { "v=spf1 exists:foo%(ir).sbl.example.com ?all", MA_ESYNTAX, "invalid-embedded-macro-char" },
        { "v=spf1 exists:foo%.sbl.example.com ?all", MA_ESYNTAX, "invalid-trailing-macro-char" },
        { "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all", MA_OK,
          "macro-mania-in-domain" },
        { "v=spf1 -all exp=%{ir}.example.com", MA_OK, "exp-txt-macro-char" },
        { "v=spf1 -all exp=foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com", MA_OK,
          "domain-name-truncation" },
        { "v=spf1 a:%{a}.example.com -all", MA_ESYNTAX, "undef-macro" },
        { "v=spf1 exists:%{p}.should.example.com ~exists:%{p}.ok.example.com", MA_OK,
          "p-macro-multiple" },
        { "v=spf1 -all exp=msg8.%{D2}", MA_OK, "upper-macro" },
        { "v=spf1 a:%{H} -all", MA_OK, "hello-macro" },
        { "v=spf1 -include:_spfh.%{d2} ip4:1.2.3.0/24 -all", MA_OK, "require-valid-helo" },
        { "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}", MA_OK, "macro-reverse-split-on-dash" },
        { "v=spf1 exists:%{l2r+-}.user.%{d2}", MA_OK, "macro-multiple-delimiters" },
        { "v=spf1 ?a:%{x}.example.com", MA_ESYNTAX, "bad macro letter in a domain-spec" },
        { "v=spf1 a mx a mx a mx a mx a ptr ip4:1.2.3.4 -all", MA_OK, "mech-at-limit (parses)" },
        { "v=spf1 mx redirect=_spf.example.com", MA_OK, "bytes-bug" },
        { "v=spf1 ptr:fe.example.org ptr:sgp.example.com exp=_expspf.example.org -all", MA_OK,
          "cname-aliasing" },
        { "v=spf1 ip4:192.0.2.225 ?include:webmail.pair.com ?include:relay.pair.com -all", MA_OK,
          "a.example.org" },
        { "v=spf1 mx -all exp=explain._spf.%{d}", MA_OK, "6.2 example" },
        { "v=spf1 +mx redirect=_spf.example.com", MA_OK, "4.7 example" },
        { "v=spf1 ", MA_OK, "empty record" },
        { "v=spf10", MA_ESYNTAX, "v=spf10 is no record" },
        { "v=spf1 a:foo.example.com\0", MA_ESYNTAX, "a-null (NUL byte)" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].record);
        ma_spf_record rec;
        ma_errbuf err;
        int rc;
        if (strcmp(cases[i].name, "a-null (NUL byte)") == 0)
            len++;
        rc = parse_len(&rec, cases[i].record, len, &err);
        if (!is_int(rc, cases[i].rc, cases[i].name))
            printf("#   \"%s\": %s\n", cases[i].record, rc == MA_OK ? "parsed" : err.text);
        ma__spf_record_free(&rec, ctx);
    }
}

static void test_errors(void)
{
    BAD("v=spf1 foo", 7, "unknown mechanism 'foo' in 'foo' at offset 7", "unknown mechanism text");
    BAD("v=spf1 -all -foo:bar", 13, "unknown mechanism 'foo'", "unknown mechanism after qualifier");
    BAD("v=spf1 redirect:t2.example.com", 7, "unknown mechanism 'redirect'", "redirect with ':'");
    BAD("v=spf1 moo.cow/far_out=man:dog/cat", 7, "unknown mechanism 'moo.cow'", "name before '/'");
    BAD("v=spf1 1up=foo", 7, "bad modifier name '1up'", "modifier name starting with a digit");
    BAD("v=spf1 -redirect=a.com", 7, "bad modifier name '-redirect'", "qualifier on a modifier");
    BAD("v=spf1 =all", 7, "missing mechanism name", "empty modifier name");
    BAD("v=spf1 a +", 10, "missing mechanism name", "a lone qualifier");
    BAD("v=spf1 ++all", 8, "unknown mechanism '+all'", "two qualifiers");
    BAD("v=spf1 -all.", 8, "unknown mechanism 'all.' in '-all.' at offset 8", "all-dot text");
    BAD("v=spf1 all:x", 10, "'all' takes no argument", "all with an argument");
    BAD("v=spf1 a/33", 8, "bad IPv4 CIDR length '/33' in 'a/33' at offset 8", "a/33 text");
    BAD("v=spf1 a:foo.com//129", 16, "bad IPv6 CIDR length '//129'", "a//129 offset");
    BAD("v=spf1 a/024", 8, "bad IPv4 CIDR length '/024'", "leading zero in an ip4 CIDR");
    BAD("v=spf1 a//064", 8, "bad IPv6 CIDR length '//064'", "leading zero in an ip6 CIDR");
    BAD("v=spf1 a//00", 8, "bad IPv6 CIDR length", "ip6 CIDR 00");
    BAD("v=spf1 a/00", 8, "bad IPv4 CIDR length", "ip4 CIDR 00");
    BAD("v=spf1 a//1280", 8, "bad IPv6 CIDR length", "four digits of ip6 CIDR");
    BAD("v=spf1 a/99999999999999999999999999", 8, "bad IPv4 CIDR length", "huge CIDR digits");
    BAD("v=spf1 a/", 8, "bad CIDR length '/'", "slash without digits");
    BAD("v=spf1 a/x", 8, "bad CIDR length '/x'", "slash and a letter");
    BAD("v=spf1 a/24/64", 11, "bad IPv4 CIDR length '/64'", "a-dual-cidr-ip4-err text");
    BAD("v=spf1 a//64/24", 8, "bad CIDR length '//64/24'", "ip6 before ip4");
    BAD("v=spf1 a/24//", 8, "bad CIDR length '/24//'", "empty ip6 CIDR");
    BAD("v=spf1 mx:/24", 10, "empty domain-spec", "a CIDR and no domain");
    BAD("v=spf1 a:", 9, "empty domain-spec in 'a:' at offset 9", "a: empty");
    BAD("v=spf1 include:", 15, "empty domain-spec", "include: empty");
    BAD("v=spf1 include", 14, "missing ':' and domain-spec", "include without a domain");
    BAD("v=spf1 exists/24", 13, "expected ':'", "exists with a CIDR");
    BAD("v=spf1 ptr/0", 10, "unexpected '/'", "ptr-cidr text");
    BAD("v=spf1 a:foo-bar", 9, "does not end in a macro or a valid top label", "a:foo-bar text");
    BAD("v=spf1 a:example.-com", 17, "valid top label", "a:example.-com offset");
    BAD("v=spf1 mx:abc.123", 14, "valid top label", "mx:abc.123 offset");
    BAD("v=spf1 a:museum.", 9, "valid top label", "only a toplabel and a dot");
    BAD("v=spf1 a:foo.com..", 17, "valid top label", "two trailing dots");
    BAD("v=spf1 a:.", 9, "valid top label", "only a dot");
    BAD("v=spf1 a:foo.%{d}com", 13, "valid top label", "macro glued to the toplabel");
    BAD("v=spf1 a:foo.a%%b", 13, "valid top label", "%% inside the toplabel");
    BAD("v=spf1 a:foo.com}", 13, "valid top label", "a literal '}' at the end");
    BAD("v=spf1 a:foo.%{d}..", 18, "valid top label", "two dots after a macro");
    BAD("v=spf1 a:%{d}x", 9, "valid top label", "a letter after a macro");
    BAD("v=spf1 a:%{d}-", 9, "valid top label", "a hyphen after a macro");
    BAD("v=spf1 exists:mail.example.com/24", 27, "valid top label", "exists-cidr offset");
    BAD("v=spf1 include:ip5.example.com/24", 27, "valid top label", "include-cidr offset");
    BAD("v=spf1 -all foo=%z", 16, "bad macro ('%' not followed", "foo=%z offset and text");
    BAD("v=spf1 ?a:%{x}.example.com", 10, "bad macro (unknown macro letter)", "%{x} text");
    BAD("v=spf1 a:%{r}.example.com", 9, "allowed only in explanations", "%{r} in a:");
    BAD("v=spf1 exp=%{c}.example.com", 11, "allowed only in explanations", "%{c} in exp=");
    BAD("v=spf1 redirect=%{t}.example.com", 16, "allowed only in explanations", "%{t} in redirect=");
    BAD("v=spf1 exists:%{d0}.x.com", 14, "zero digit", "%{d0}");
    BAD("v=spf1 exists:x.com%", 19, "'%' at the end", "trailing '%'");
    BAD("v=spf1 exp=", 11, "empty domain-spec in 'exp=' at offset 11", "exp= empty");
    BAD("v=spf1 redirect=", 16, "empty domain-spec", "redirect= empty");
    BAD("v=spf1 redirect=a.com redirect=b.com", 22,
        "second redirect= modifier in 'redirect=b.com' at offset 22", "redirect twice");
    BAD("v=spf1 exp=a.com -all EXP=b.com", 22, "second exp= modifier", "exp twice, any case");
    BAD("v=spf1 ip4:1.2.3", 11, "bad IPv4 address '1.2.3' in 'ip4:1.2.3' at offset 11",
        "bad-ip4-short text");
    BAD("v=spf1 ip4:1.2.3.4:8080", 11, "bad IPv4 address '1.2.3.4:8080'", "bad-ip4-port text");
    BAD("v=spf1 ip4:01.2.3.4", 11, "bad IPv4 address", "leading zero in an address");
    BAD("v=spf1 ip4:::1", 11, "bad IPv4 address '::1'", "IPv6 literal in ip4");
    BAD("v=spf1 ip6:1.2.3.4", 11, "bad IPv6 address '1.2.3.4'", "IPv4 literal in ip6");
    BAD("v=spf1 ip6::CAFE::BABE", 11, "bad IPv6 address", "ip6-bad1 text");
    BAD("v=spf1 ip4:", 11, "bad IPv4 address ''", "ip4: empty");
    BAD("v=spf1 ip4", 10, "missing ':' and address", "bare ip4");
    BAD("v=spf1 ip4/24", 10, "missing ':'", "ip4 without an address");
    BAD("v=spf1 ip4:1.2.3.4/032", 18, "bad CIDR length '/032'", "cidr4-032 text");
    BAD("v=spf1 ip4:1.2.3.4/33", 18, "bad CIDR length '/33'", "cidr4-33 text");
    BAD("v=spf1 ip4:1.2.3.4//32", 18, "bad CIDR length '//32'", "ip4-dual-cidr text");
    BAD("v=spf1 ip4:1.2.3.4/", 18, "bad CIDR length '/'", "ip4 slash only");
    BAD("v=spf1 ip6:::1/129", 14, "bad CIDR length '/129'", "cidr6-129 text");
    BAD("v=spf1 ip6:::1/0128", 14, "bad CIDR length '/0128'", "ip6 CIDR leading zero");
    BAD("v=spf1 ip6:::1.1.1.1//33", 20, "bad CIDR length '//33'", "cidr6-bad text");
    BAD("v=spf1 a:b.com\x80", 14, "non-ASCII byte 0x80 at offset 14", "non-ASCII text");
    BAD("v=spf1 a\tmx", 8, "control character 0x09 at offset 8", "TAB between terms");
    BAD("v=spf1 a\r\nmx", 8, "control character 0x0d", "CRLF between terms");
    BAD("v=spf1 a\x7f", 8, "control character 0x7f", "DEL");
    BAD("v=spf1 a\0mx", 8, "control character 0x00", "NUL between terms");
    BAD("v=spf10", 0, "does not start with 'v=spf1'", "v=spf10 text");
    BAD("", 0, "does not start with 'v=spf1'", "empty text");
    BAD("spf1 a", 0, "does not start with 'v=spf1'", "no version");

    /* A long term is quoted shortened. */
    {
        char rec[400];
        ma_spf_record r;
        ma_errbuf err;
        memset(rec, 0, sizeof rec);
        strcpy(rec, "v=spf1 a:");
        memset(rec + 9, 'x', 300);
        strcat(rec, ".-com");
        is_int(parse(&r, rec, &err), MA_ESYNTAX, "long bad term");
        ok(strstr(err.text, "...' at offset 310") != NULL && strlen(err.text) < 200,
           "long bad term: quoted shortened, offset kept");
        ma__spf_record_free(&r, ctx);
    }

    /* Argument errors. */
    {
        ma_spf_record r;
        ma_errbuf err;
        is_int(ma__spf_record_parse(NULL, ctx, "v=spf1", 6, &err), MA_EINVAL, "NULL record");
        is_int(ma__spf_record_parse(&r, NULL, "v=spf1", 6, &err), MA_EINVAL, "NULL context");
        is_int(ma__spf_record_parse(&r, ctx, NULL, 6, &err), MA_EINVAL, "NULL text");
        is_int(ma__spf_record_parse(&r, ctx, NULL, 0, &err), MA_ESYNTAX, "NULL empty text");
        is_int(ma__spf_record_parse(&r, ctx, "v=spf1 mx", 9, NULL), MA_OK, "NULL errbuf is fine");
        ma__spf_record_free(&r, ctx);
        is_int(ma__spf_record_parse(&r, ctx, "v=spf1 mx/", 10, NULL), MA_ESYNTAX,
               "NULL errbuf on error");
    }
}

static void test_limits(void)
{
    ma_spf_record rec;
    ma_errbuf err;
    char *big;
    size_t i, n;
    int rc;

    /* 512 terms: fine; 513: MA_ELIMIT. */
    big = malloc(7 + 10000 * 2 + 1);
    memcpy(big, "v=spf1", 6);
    n = 6;
    for (i = 0; i < 512; i++) {
        memcpy(big + n, " a", 2);
        n += 2;
    }
    rc = parse_len(&rec, big, n, &err);
    is_int(rc, MA_OK, "512 terms");
    is_int(rec.nterms, 512, "512 terms: count");
    ok(rec.terms[511].offset == n - 1, "512 terms: last offset");
    ma__spf_record_free(&rec, ctx);
    memcpy(big + n, " a", 2);
    check_bad_len(big, n + 2, MA_ELIMIT, (int64_t)n + 1, "more than 512 terms", "513 terms");
    for (i = 0; i < 10000; i++)
        memcpy(big + 6 + 2 * i, " a", 2);
    check_bad_len(big, 6 + 20000, MA_ELIMIT, 6 + 2 * 512 + 1, "more than 512 terms", "10k terms");
    /* A syntax error before the limit is reported as such. */
    big[8] = '\x01';
    check_bad_len(big, 6 + 20000, MA_ESYNTAX, 8, "control character", "bad byte before the limit");
    free(big);

    /* The term limit is a context limit (MA_LIMIT_SPF_TERMS). */
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_TERMS, 3);
    check_rc("v=spf1 a mx ~all", MA_OK, "3 terms within a limit of 3");
    check_bad_len("v=spf1 a mx ip4:1.2.3.4 ~all", 28, MA_ELIMIT, 24, "more than 3 terms",
                  "4 terms over a limit of 3");
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_TERMS, ma_limit_default(MA_LIMIT_SPF_TERMS));

    /* The TXT byte limit bounds the record. */
    ma_ctx_set_limit(ctx, MA_LIMIT_TXT_BYTES, 16);
    check_rc("v=spf1 ip4:1.2.3", MA_ESYNTAX, "16 bytes: within the TXT limit");
    check_bad_len("v=spf1 ip4:1.2.3.4", 18, MA_ELIMIT, 0, "longer than 16 bytes",
                  "over the TXT limit");
    ma_ctx_set_limit(ctx, MA_LIMIT_TXT_BYTES, ma_limit_default(MA_LIMIT_TXT_BYTES));

    /* A long valid record of every kind: parses in one go. */
    big = malloc(70000);
    strcpy(big, "v=spf1");
    for (i = 0; i < 400; i++)
        strcat(big, " a:%{d}.example.com/24//64");
    rc = parse(&rec, big, &err);
    is_int(rc, MA_OK, "400 long terms");
    is_int(rec.nterms, 400, "400 long terms: count");
    ma__spf_record_free(&rec, ctx);
    /* A 60000-byte unknown modifier value. */
    strcpy(big, "v=spf1 x=");
    memset(big + 9, 'y', 60000);
    big[60009] = '\0';
    rc = parse(&rec, big, &err);
    is_int(rc, MA_OK, "a 60000-byte modifier");
    is_int(rec.terms[0].spec_len, 60000, "a 60000-byte modifier: value length");
    ma__spf_record_free(&rec, ctx);
    /* A 60000-digit CIDR. */
    strcpy(big, "v=spf1 a/");
    memset(big + 9, '9', 60000);
    big[60009] = '\0';
    check_bad_len(big, 60009, MA_ESYNTAX, 8, "bad IPv4 CIDR length", "60000 CIDR digits");
    free(big);
}

/*
 * The byte check and the term count run eight bytes at a time: a bad byte
 * and the 513th term are found at every position and alignment.
 */
static void test_scan_positions(void)
{
    static const char bads[] = { '\0', '\t', '\r', '\n', 0x1f, 0x7f, (char)0x80, (char)0xff };
    char buf[1200], what[100];
    ma_spf_record rec;
    ma_errbuf err;
    size_t pos, k, n, extra;
    int good = 1, rc;

    /* A bad byte at each offset 7..70 of a record of a and spaces. */
    for (pos = 7; pos < 71; pos++) {
        for (k = 0; k < sizeof bads; k++) {
            memcpy(buf, "v=spf1", 6);
            for (n = 6; n < 80; n++)
                buf[n] = (n % 3 == 0) ? ' ' : 'a';
            buf[pos] = bads[k];
            rc = parse_len(&rec, buf, 80, &err);
            if (rc != MA_ESYNTAX || err.offset != (int64_t)pos) {
                printf("#   byte 0x%02x at %zu: rc %d offset %lld\n", (unsigned char)bads[k], pos, rc,
                       (long long)err.offset);
                good = 0;
            }
            ma__spf_record_free(&rec, ctx);
        }
    }
    ok(good, "a bad byte is found at each offset, whatever the alignment");

    /* Visible bytes next to the limits are fine everywhere. */
    memcpy(buf, "v=spf1 x=", 9);
    for (n = 9; n < 100; n++)
        buf[n] = (n & 1) ? '~' : '!';
    is_int(parse_len(&rec, buf, 100, &err), MA_OK, "'!' and '~' pass the word check");
    ma__spf_record_free(&rec, ctx);

    /* The 513th term at every alignment: 1..9 extra spaces somewhere. */
    good = 1;
    for (extra = 0; extra < 9; extra++) {
        size_t at = 0, len = 6;
        memcpy(buf, "v=spf1", 6);
        for (k = 0; k < 513; k++) {
            buf[len++] = ' ';
            if (k == 100)
                for (n = 0; n < extra; n++)
                    buf[len++] = ' ';
            if (k == 512)
                at = len;
            buf[len++] = 'a';
        }
        rc = parse_len(&rec, buf, len, &err);
        if (rc != MA_ELIMIT || err.offset != (int64_t)at)
            good = 0;
        ma__spf_record_free(&rec, ctx);
        rc = parse_len(&rec, buf, at - 1, &err);
        if (rc != MA_OK || rec.nterms != 512)
            good = 0;
        ma__spf_record_free(&rec, ctx);
    }
    ok(good, "the 513th term is found at every alignment, 512 parse");
    snprintf(what, sizeof what, "terms counted across word boundaries");
    {
        /* terms of every length 1..20, separated by 1..3 spaces */
        size_t len = 6, want = 0;
        memcpy(buf, "v=spf1", 6);
        for (k = 1; k <= 20 && len < 1100; k++) {
            for (n = 0; n < 1 + k % 3; n++)
                buf[len++] = ' ';
            buf[len++] = 'x';
            buf[len++] = '=';
            for (n = 2; n < k + 2; n++)
                buf[len++] = 'v';
            want++;
        }
        rc = parse_len(&rec, buf, len, &err);
        if (is_int(rc, MA_OK, what))
            is_int(rec.nterms, want, what);
        ma__spf_record_free(&rec, ctx);
    }
}

/* Offsets increase and spans lie inside the text, over odd spacing. */
static void test_spans(void)
{
    static const char text[] = "v=spf1   a  mx:x.com/1 exp=%{d}.x.com  ip6:::/0 foo=   -all  ";
    ma_spf_record rec;
    ma_errbuf err;
    size_t i;
    int good = 1;

    if (!is_int(parse(&rec, text, &err), MA_OK, "spans: parse"))
        return;
    is_int(rec.nterms, 6, "spans: six terms");
    for (i = 0; i < rec.nterms; i++) {
        const ma_spf_term *t = &rec.terms[i];
        if (t->text != rec.text + t->offset || t->offset + t->text_len > rec.len
            || (i > 0 && t->offset <= rec.terms[i - 1].offset + rec.terms[i - 1].text_len)
            || rec.text[t->offset - 1] != ' ')
            good = 0;
        if (t->spec != NULL && (t->spec < t->text || t->spec + t->spec_len > t->text + t->text_len))
            good = 0;
    }
    ok(good, "spans: inside the text, in order, each after a space");
    is_int(rec.exp, 2, "spans: exp index");
    ma__spf_record_free(&rec, ctx);
}

static void test_memory(void)
{
    ta_alloc st;
    ma_ctx *tctx;
    ma_spf_record rec;
    ma_errbuf err;
    long before;
    size_t bytes;
    int rc;
    static const char text[] = "v=spf1 a mx/24 include:_spf.example.com ip4:192.0.2.0/24 "
                               "exists:%{i}.x.example.com redirect=b.example.com";

    if (ta_ctx_new(&tctx, &st) != MA_OK) {
        ok(0, "memory: context");
        return;
    }
    before = st.calls;
    bytes = st.live_bytes;
    rc = ma__spf_record_parse(&rec, tctx, text, sizeof text - 1, &err);
    is_int(rc, MA_OK, "memory: parse");
    is_int(st.calls - before, 1, "memory: one allocation per record");
    is_int(st.live_bytes - bytes, 6 * sizeof(ma_spf_term) + 2 * sizeof text,
           "memory: exactly the terms, the text and its lower-cased copy");
    ma__spf_record_free(&rec, tctx);
    is_int(st.live, 1, "memory: freed");
    ok(rec.terms == NULL && rec.text == NULL && rec.nterms == 0, "memory: free empties the record");
    ma__spf_record_free(&rec, tctx);
    ok(1, "memory: a second free is harmless");
    {
        ma_spf_record z;
        memset(&z, 0, sizeof z);
        ma__spf_record_free(&z, tctx);
        ma__spf_record_free(NULL, tctx);
        ok(1, "memory: freeing a zeroed record or NULL is harmless");
    }
    /* A syntax error allocates and keeps nothing. */
    before = st.calls;
    rc = ma__spf_record_parse(&rec, tctx, "v=spf1 a mx foo", 15, &err);
    is_int(rc, MA_ESYNTAX, "memory: syntax error");
    is_int(st.live, 1, "memory: nothing kept after a syntax error");
    rc = ma__spf_record_parse(&rec, tctx, "v=spf1 a\x80", 9, &err);
    is_int(st.calls - before, 1, "memory: a bad byte is found before allocating");

    /* Out of memory. */
    ta_fail_once(&st, 1);
    memset(&rec, 0x5a, sizeof rec);
    rc = ma__spf_record_parse(&rec, tctx, text, sizeof text - 1, &err);
    is_int(rc, MA_ENOMEM, "memory: MA_ENOMEM");
    ok(rec.terms == NULL && rec.text == NULL && rec.nterms == 0 && rec.redirect == -1,
       "memory: record empty after MA_ENOMEM");
    ma__spf_record_free(&rec, tctx);
    is_int(st.live, 1, "memory: nothing leaked");
    ma_ctx_free(tctx);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_is_record();
    test_mechanisms();
    test_modifiers();
    test_spacing();
    test_suite_syntax();
    test_errors();
    test_limits();
    test_scan_positions();
    test_spans();
    test_memory();
    ma_ctx_free(ctx);
    return tap_done();
}
