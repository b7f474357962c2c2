/*
 * iprev (RFC 8601 3) and the HELO checks: PTR and forward lookups through
 * a static zone, the job protocol driven by hand (every forward question
 * outstanding at once, the HELO question in the first round), limits,
 * hostile PTR names and HELO arguments, the A-R resinfo, bad parameters,
 * out of memory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "alloc.h"
#include "tap.h"

static ma_ctx *ctx;
static ma_resolver *zr;          /* the static zone below */

/* 2001:db8::1 */
#define V6_REV "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."

static const char zone_text[] =
    /* IPv4 pass; the HELO names of the checks */
    "1.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
    "mail.example.com. A 192.0.2.1\n"
    "other.example.com. A 192.0.2.99\n"
    "txtonly.example.com. TXT \"no address\"\n"
    "$SERVFAIL sf.example.com.\n"
    "$TIMEOUT slow.example.com.\n"
    /* IPv6 pass (nibble name written out) */
    V6_REV " PTR v6.example.com.\n"
    "v6.example.com. AAAA 2001:db8::1\n"
    "v6.example.com. A 192.0.2.1\n"
    /* no PTR: NXDOMAIN (192.0.2.2), NODATA (192.0.2.3) */
    "3.2.0.192.in-addr.arpa. TXT \"no ptr\"\n"
    /* PTR failures */
    "$SERVFAIL 4.2.0.192.in-addr.arpa.\n"
    "$TIMEOUT 5.2.0.192.in-addr.arpa.\n"
    /* forward mismatch, forward NXDOMAIN */
    "6.2.0.192.in-addr.arpa. PTR other.example.com.\n"
    "7.2.0.192.in-addr.arpa. PTR gone.example.com.\n"
    /* three names: one tempfails, none matches */
    "8.2.0.192.in-addr.arpa. PTR a8.example.com.\n"
    "8.2.0.192.in-addr.arpa. PTR b8.example.com.\n"
    "8.2.0.192.in-addr.arpa. PTR c8.example.com.\n"
    "a8.example.com. A 192.0.2.99\n"
    "$SERVFAIL b8.example.com.\n"
    /* one matches, another tempfails */
    "9.2.0.192.in-addr.arpa. PTR b9.example.com.\n"
    "9.2.0.192.in-addr.arpa. PTR a9.example.com.\n"
    "$TIMEOUT b9.example.com.\n"
    "a9.example.com. A 192.0.2.9\n"
    /* several verified names, an unverified one, a repeated one */
    "12.2.0.192.in-addr.arpa. PTR x12.example.net.\n"
    "12.2.0.192.in-addr.arpa. PTR y12.example.org.\n"
    "12.2.0.192.in-addr.arpa. PTR z12.example.org.\n"
    "12.2.0.192.in-addr.arpa. PTR Y12.Example.ORG.\n"
    "x12.example.net. A 192.0.2.12\n"
    "y12.example.org. A 192.0.2.12\n"
    "z12.example.org. A 192.0.2.13\n"
    /* organizational domains under a multi-label public suffix */
    "13.2.0.192.in-addr.arpa. PTR mail.foo.co.uk.\n"
    "mail.foo.co.uk. A 192.0.2.13\n"
    /* the forward answer through a CNAME */
    "14.2.0.192.in-addr.arpa. PTR alias.example.com.\n"
    "alias.example.com. CNAME real.example.com.\n"
    "real.example.com. A 192.0.2.14\n";

/* --------------------------------------------------------------- helpers */

/* A resolver in front of zr that counts the questions by type. */
typedef struct counter {
    unsigned ptr, a, aaaa, other;
} counter;

static int count_resolve(void *payload, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    counter *c = payload;
    if (type == MA_DNS_PTR)
        c->ptr++;
    else if (type == MA_DNS_A)
        c->a++;
    else if (type == MA_DNS_AAAA)
        c->aaaa++;
    else
        c->other++;
    return ma_resolver_resolve(zr, name, type, out);
}

static ma_resolver *counting(counter *c)
{
    ma_resolver_ops ops = { MA_RESOLVER_OPS_VERSION, count_resolve, NULL };
    ma_resolver *r = NULL;
    memset(c, 0, sizeof *c);
    if (ma_resolver_new(&r, ctx, &ops, c) != MA_OK)
        return NULL;
    return r;
}

static ma_iprev_params params(const char *ip, const char *helo)
{
    ma_iprev_params p = MA_IPREV_PARAMS_INIT;
    if (ma_ip_parse(&p.ip, ip, strlen(ip)) != MA_OK)
        printf("# bad test address %s\n", ip);
    p.helo = helo;
    return p;
}

/* Run a job to the end through r (zr when NULL); NULL when it cannot be made or run. */
static ma_job *run_p(const ma_iprev_params *p, ma_resolver *r)
{
    ma_job *j = NULL;
    int rc = ma_iprev_job_new(&j, ctx, p);
    if (rc != MA_OK) {
        printf("# ma_iprev_job_new: %s\n", ma_status_str(rc));
        return NULL;
    }
    rc = ma_job_run(j, r ? r : zr);
    if (rc != MA_JOB_DONE) {
        printf("# ma_job_run: %d %s\n", rc, ma_job_error(j));
        ma_job_free(j);
        return NULL;
    }
    return j;
}

static ma_job *run(const char *ip, const char *helo)
{
    ma_iprev_params p = params(ip, helo);
    return run_p(&p, NULL);
}

/* Check the iprev result of a finished job, with a diagnostic. */
static void expect_result(const ma_job *j, ma_iprev_result want, const char *what)
{
    char name[200];
    snprintf(name, sizeof name, "%s: %s", what, ma_iprev_result_name(want));
    if (!is_int(ma_iprev_job_result(j), want, name))
        printf("#   problem: %s\n", ma_iprev_job_problem(j));
}

static int problem_has(const ma_job *j, const char *needle)
{
    int found = strstr(ma_iprev_job_problem(j), needle) != NULL;
    if (!found)
        printf("#   problem \"%s\" lacks \"%s\"\n", ma_iprev_job_problem(j), needle);
    return found;
}

/* The three HELO verdicts of a run as "syntax/resolves/matches", e.g. "pass/fail/none". */
static const char *helo_verdicts(const ma_job *j, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s/%s", ma_helo_result_name(ma_iprev_job_helo(j, MA_HELO_SYNTAX)),
             ma_helo_result_name(ma_iprev_job_helo(j, MA_HELO_RESOLVES)),
             ma_helo_result_name(ma_iprev_job_helo(j, MA_HELO_MATCHES_RDNS)));
    return buf;
}

static void expect_helo_p(const ma_iprev_params *p, const char *want, const char *what)
{
    char buf[64], name[300];
    ma_job *j = run_p(p, NULL);
    snprintf(name, sizeof name, "helo %s: %s", what, want);
    is_str(j ? helo_verdicts(j, buf, sizeof buf) : "(no job)", want, name);
    ma_job_free(j);
}

static void expect_helo(const char *ip, const char *helo, const char *want, const char *what)
{
    ma_iprev_params p = params(ip, helo);
    expect_helo_p(&p, want, what);
}

static char *authres_of(const ma_job *j)
{
    char *s = NULL;
    if (ma_iprev_authres(&s, j) != MA_OK)
        return NULL;
    return s;
}

/* ------------------------------------------------------------ iprev via run */

static void test_results(void)
{
    ma_job *j;

    j = run("192.0.2.1", NULL);
    expect_result(j, MA_IPREV_PASS, "IPv4 forward-confirmed");
    is_int(ma_iprev_job_name_count(j), 1, "one verified name");
    is_str(ma_iprev_job_name(j, 0), "mail.example.com", "the verified name");
    ok(ma_iprev_job_name(j, 1) == NULL, "name index out of range: NULL");
    is_str(ma_iprev_job_problem(j), "", "pass: no problem text");
    ma_job_free(j);

    j = run("2001:db8::1", NULL);
    expect_result(j, MA_IPREV_PASS, "IPv6 through the nibble ip6.arpa name and AAAA");
    is_str(ma_iprev_job_name(j, 0), "v6.example.com", "IPv6 verified name");
    ma_job_free(j);

    j = run("::ffff:192.0.2.1", NULL);
    expect_result(j, MA_IPREV_PASS, "IPv4-mapped client through in-addr.arpa and A");
    is_str(ma_iprev_job_name(j, 0), "mail.example.com", "IPv4-mapped verified name");
    ma_job_free(j);

    j = run("192.0.2.2", NULL);
    expect_result(j, MA_IPREV_PERMERROR, "no PTR (NXDOMAIN)");
    ok(problem_has(j, "no PTR record for 2.2.0.192.in-addr.arpa (nxdomain)"), "NXDOMAIN problem text");
    is_int(ma_iprev_job_name_count(j), 0, "permerror: no verified names");
    ma_job_free(j);

    j = run("192.0.2.3", NULL);
    expect_result(j, MA_IPREV_PERMERROR, "no PTR (NODATA)");
    ok(problem_has(j, "(nodata)"), "NODATA problem text");
    ma_job_free(j);

    j = run("192.0.2.4", NULL);
    expect_result(j, MA_IPREV_TEMPERROR, "PTR SERVFAIL");
    ok(problem_has(j, "PTR lookup for 4.2.0.192.in-addr.arpa failed (tempfail)"), "SERVFAIL problem");
    ma_job_free(j);

    j = run("192.0.2.5", NULL);
    expect_result(j, MA_IPREV_TEMPERROR, "PTR timeout");
    ma_job_free(j);

    j = run("192.0.2.6", NULL);
    expect_result(j, MA_IPREV_FAIL, "forward answer with another address");
    ok(problem_has(j, "no A record of other.example.com holds 192.0.2.6"), "mismatch problem");
    is_int(ma_iprev_job_name_count(j), 0, "fail: no verified names");
    ma_job_free(j);

    j = run("192.0.2.7", NULL);
    expect_result(j, MA_IPREV_FAIL, "forward NXDOMAIN");
    ma_job_free(j);

    j = run("192.0.2.8", NULL);
    expect_result(j, MA_IPREV_TEMPERROR, "one of three names tempfails, none matches");
    ok(problem_has(j, "A lookup for b8.example.com failed"), "the failed name is named");
    ma_job_free(j);

    j = run("192.0.2.9", NULL);
    expect_result(j, MA_IPREV_PASS, "one name matches, another tempfails");
    is_int(ma_iprev_job_name_count(j), 1, "only the matching name is verified");
    is_str(ma_iprev_job_name(j, 0), "a9.example.com", "the matching name");
    ma_job_free(j);

    j = run("192.0.2.12", NULL);
    expect_result(j, MA_IPREV_PASS, "several names");
    is_int(ma_iprev_job_name_count(j), 2, "two verified, one unverified, a repeat folded");
    is_str(ma_iprev_job_name(j, 0), "x12.example.net", "first verified name in PTR order");
    is_str(ma_iprev_job_name(j, 1), "y12.example.org", "second verified name, lower case once");
    ma_job_free(j);

    j = run("192.0.2.14", NULL);
    expect_result(j, MA_IPREV_PASS, "forward name behind a CNAME");
    ma_job_free(j);

    j = run("192.0.2.1", NULL);
    ok(j != NULL && ma_job_step(j) == MA_JOB_DONE, "a finished job stays done");
    ma_job_free(j);
}

/* 15 PTR names n1..n15; n2 and n12 have the client's address. */
static void test_limit(void)
{
    ma_static_zone *z = NULL;
    ma_resolver *saved = zr, *r15 = NULL, *cr;
    counter c;
    ma_ctx *small = NULL;
    ma_job *j;
    ma_iprev_params p = params("192.0.2.10", NULL);
    char name[64];
    int i;

    ma_static_zone_new(&z, ctx);
    for (i = 1; i <= 15; i++) {
        ma_ip other;
        snprintf(name, sizeof name, "n%d.example.com", i);
        ma_static_zone_add_ptr(z, "10.2.0.192.in-addr.arpa", name, 300);
        if (i == 2 || i == 12) {
            ma_static_zone_add_addr(z, name, &p.ip, 300);
        } else {
            ma_ip_parse(&other, "198.51.100.1", 12);
            ma_static_zone_add_addr(z, name, &other, 300);
        }
    }
    ma_resolver_static_new(&r15, ctx, z);
    ma_static_zone_free(z);
    zr = r15;

    cr = counting(&c);
    j = run_p(&p, cr);
    expect_result(j, MA_IPREV_PASS, "15 PTR names, default limit");
    is_int(c.ptr, 1, "one PTR question");
    is_int(c.a, 10, "only 10 forward questions (MA_LIMIT_IPREV_NAMES default)");
    is_int(ma_iprev_job_name_count(j), 1, "n12 is beyond the limit: not verified");
    is_str(ma_iprev_job_name(j, 0), "n2.example.com", "n2 verified");
    ok(problem_has(j, "5 PTR names beyond the limit of 10 ignored"), "the ignored names are reported");
    ma_job_free(j);
    ma_resolver_free(cr);

    /* the limit is the context's */
    ma_ctx_new(&small, NULL);
    ma_ctx_set_limit(small, MA_LIMIT_IPREV_NAMES, 1);
    cr = counting(&c);
    j = NULL;
    ok(ma_iprev_job_new(&j, small, &p) == MA_OK && ma_job_run(j, cr) == MA_JOB_DONE,
       "limit 1: runs");
    expect_result(j, MA_IPREV_FAIL, "limit 1: n1 only, which does not match");
    is_int(c.a, 1, "limit 1: one forward question");
    ok(problem_has(j, "14 PTR names beyond the limit of 1 ignored"), "limit 1: 14 ignored");
    ma_job_free(j);
    ma_resolver_free(cr);

    ma_ctx_set_limit(small, MA_LIMIT_IPREV_NAMES, 3);
    cr = counting(&c);
    j = NULL;
    ok(ma_iprev_job_new(&j, small, &p) == MA_OK && ma_job_run(j, cr) == MA_JOB_DONE,
       "limit 3: runs");
    expect_result(j, MA_IPREV_PASS, "limit 3: n2 matches");
    is_int(c.a, 3, "limit 3: three forward questions");
    ma_job_free(j);
    ma_resolver_free(cr);

    ma_ctx_set_limit(small, MA_LIMIT_IPREV_NAMES, 100);
    cr = counting(&c);
    j = NULL;
    ok(ma_iprev_job_new(&j, small, &p) == MA_OK && ma_job_run(j, cr) == MA_JOB_DONE,
       "limit 100: runs");
    is_int(c.a, 15, "limit 100: all 15 names looked up");
    is_int(ma_iprev_job_name_count(j), 2, "limit 100: n2 and n12 verified");
    is_str(ma_iprev_job_name(j, 1), "n12.example.com", "limit 100: n12 second");
    is_str(ma_iprev_job_problem(j), "", "limit 100: nothing ignored");
    ma_job_free(j);
    ma_resolver_free(cr);

    /* the job's own question limit: the rest are ignored, not an error */
    ma_ctx_set_limit(small, MA_LIMIT_JOB_QUESTIONS, 4);
    cr = counting(&c);
    j = NULL;
    ok(ma_iprev_job_new(&j, small, &p) == MA_OK && ma_job_run(j, cr) == MA_JOB_DONE,
       "MA_LIMIT_JOB_QUESTIONS 4: runs");
    is_int(c.a, 3, "MA_LIMIT_JOB_QUESTIONS 4: PTR + 3 forward questions");
    expect_result(j, MA_IPREV_PASS, "MA_LIMIT_JOB_QUESTIONS 4: n2 still found");
    ma_job_free(j);
    ma_resolver_free(cr);

    ma_ctx_free(small);
    zr = saved;
    ma_resolver_free(r15);
}

/* ------------------------------------------------------------ HELO checks */

static void test_helo_syntax(void)
{
    static const char *const good[] = {
        "mail.example.com", "MAIL.Example.COM", "a-b.example.com", "x.y", "1.example.com",
        "mail.example.com4", "[192.0.2.1]", "[0.0.0.0]", "[010.000.002.001]", "[IPv6:2001:db8::1]",
        "[ipv6:2001:DB8::1]", "[IPv6:::ffff:192.0.2.1]",
    };
    static const char *const bad[] = {
        "localhost", "192.0.2.1", "mail..example.com", ".mail.example.com", "-mail.example.com",
        "mail-.example.com", "mail.-example.com", "mail.example.com.", "mail_x.example.com",
        "mail example.com", " mail.example.com", "mail.example.com\n", "mail.example.com\r\n",
        "m\x01.example.com", "m\x7f.example.com", "m\xc3\xa9.example.com", "[192.0.2.256]",
        "[192.0.2]", "[192.0.2.1.5]", "[1922.0.2.1]", "[192.0.2.1", "192.0.2.1]", "[]",
        "[IPv6:192.0.2.1]", "[IPv6:2001:db8::g]", "[IPv6:]", "[foo:bar]", "[192.0.2.1]x",
        "[ 192.0.2.1]", "example.123", ".", "..", "-", "[IPv6:2001:db8::1%eth0]",
    };
    char label[64 + 2 + 4];
    char long_name[260];
    char *huge;
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        ma_iprev_params p = params("192.0.2.6", good[i]);
        ma_job *j = run_p(&p, NULL);
        char name[200];
        snprintf(name, sizeof name, "syntax pass: %s", good[i]);
        is_int(j ? ma_iprev_job_helo(j, MA_HELO_SYNTAX) : -1, MA_HELO_PASS, name);
        ma_job_free(j);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_iprev_params p = params("192.0.2.6", bad[i]);
        ma_job *j = run_p(&p, NULL);
        char name[200], shown[60];
        size_t k;
        for (k = 0; bad[i][k] && k + 1 < sizeof shown; k++)
            shown[k] = (unsigned char)bad[i][k] >= 0x20 && (unsigned char)bad[i][k] < 0x7f ? bad[i][k] : '?';
        shown[k] = '\0';
        snprintf(name, sizeof name, "syntax fail: \"%s\"", shown);
        is_int(j ? ma_iprev_job_helo(j, MA_HELO_SYNTAX) : -1, MA_HELO_FAIL, name);
        ma_job_free(j);
    }

    /* label and name lengths: 63 octets per label, 253 in all */
    memset(label, 'a', 63);
    memcpy(label + 63, ".com", 5);
    expect_helo("192.0.2.6", label, "pass/fail/fail", "a 63-octet label");
    memset(label, 'a', 64);
    memcpy(label + 64, ".com", 5);
    expect_helo("192.0.2.6", label, "fail/fail/fail", "a 64-octet label");
    /* 253 octets: 3 labels of 63, one of 61, dots */
    memset(long_name, 'b', sizeof long_name);
    long_name[63] = long_name[127] = long_name[191] = '.';
    long_name[253] = '\0';
    expect_helo("192.0.2.6", long_name, "pass/fail/fail", "a 253-octet name");
    long_name[253] = 'b';
    long_name[254] = '\0';
    expect_helo("192.0.2.6", long_name, "fail/fail/fail", "a 254-octet name");

    /* 10 KB of text: refused after a bounded scan */
    huge = malloc(10241);
    if (huge != NULL) {
        memset(huge, 'a', 10240);
        huge[5] = '.';
        huge[10240] = '\0';
        expect_helo("192.0.2.1", huge, "fail/fail/fail", "10 KB HELO");
        free(huge);
    }

    /* absent HELO: nothing checked */
    expect_helo("192.0.2.1", NULL, "none/none/none", "NULL");
    expect_helo("192.0.2.1", "", "none/none/none", "empty");
}

static void test_helo_resolves(void)
{
    counter c;
    ma_resolver *cr;
    ma_job *j;
    ma_iprev_params p;

    expect_helo("192.0.2.1", "mail.example.com", "pass/pass/pass", "the client's own name");
    expect_helo("192.0.2.1", "other.example.com", "pass/fail/pass",
                "another address (org domain still matches)");
    expect_helo("192.0.2.1", "nx.example.com", "pass/fail/pass", "NXDOMAIN");
    expect_helo("192.0.2.1", "txtonly.example.com", "pass/fail/pass", "NODATA");
    expect_helo("192.0.2.1", "sf.example.com", "pass/temperror/pass", "SERVFAIL");
    expect_helo("192.0.2.1", "slow.example.com", "pass/temperror/pass", "timeout");
    expect_helo("192.0.2.1", "mail.example.com.", "fail/pass/pass", "a root dot: looked up, not RFC 5321");
    expect_helo("192.0.2.1", "[192.0.2.1]", "pass/pass/fail", "literal of the client");
    expect_helo("192.0.2.1", "[192.0.2.2]", "pass/fail/fail", "literal of another address");
    expect_helo("192.0.2.1", "[IPv6:::ffff:192.0.2.1]", "pass/pass/fail", "IPv4-mapped literal");
    expect_helo("::ffff:192.0.2.1", "[192.0.2.1]", "pass/pass/fail", "literal, IPv4-mapped client");
    expect_helo("2001:db8::1", "[IPv6:2001:DB8:0::1]", "pass/pass/fail", "IPv6 literal");
    expect_helo("2001:db8::1", "[192.0.2.1]", "pass/fail/fail", "IPv4 literal, IPv6 client");
    /* v6.example.com has A 192.0.2.1 too: an IPv6 client is checked against AAAA only */
    expect_helo("2001:db8::1", "v6.example.com", "pass/pass/pass", "IPv6 client, AAAA");
    expect_helo("192.0.2.1", "v6.example.com", "pass/pass/pass", "IPv4 client, A (org domain match)");

    /* no lookup for what is not a host name */
    p = params("192.0.2.1", "192.0.2.1");
    cr = counting(&c);
    j = run_p(&p, cr);
    is_int(j ? ma_iprev_job_helo(j, MA_HELO_RESOLVES) : -1, MA_HELO_FAIL, "bare address: resolves fails");
    is_int(c.a, 1, "bare address: only the PTR name's A asked, not the HELO");
    ma_job_free(j);
    ma_resolver_free(cr);

    p = params("192.0.2.2", "localhost");
    cr = counting(&c);
    j = run_p(&p, cr);
    is_int(c.a + c.aaaa + c.other, 0, "single label: not looked up");
    ma_job_free(j);
    ma_resolver_free(cr);

    /* the HELO question shares the PTR name's question */
    p = params("192.0.2.1", "mail.example.com");
    cr = counting(&c);
    j = run_p(&p, cr);
    is_int(c.a, 1, "HELO equal to the PTR name: one A question");
    ma_job_free(j);
    ma_resolver_free(cr);
}

static void test_helo_matches(void)
{
    ma_iprev_params p;

    expect_helo("192.0.2.1", "Mail.EXAMPLE.com", "pass/pass/pass", "exact match, other case");
    expect_helo("192.0.2.1", "mx.example.com", "pass/fail/pass", "same organizational domain");
    p = params("192.0.2.1", "mx.example.com");
    p.flags = MA_IPREV_HELO_EXACT;
    expect_helo_p(&p, "pass/fail/fail", "same organizational domain, MA_IPREV_HELO_EXACT");
    p = params("192.0.2.1", "mail.example.com");
    p.flags = MA_IPREV_HELO_EXACT;
    expect_helo_p(&p, "pass/pass/pass", "exact match, MA_IPREV_HELO_EXACT");
    expect_helo("192.0.2.1", "mail.example.net", "pass/fail/fail", "another domain");
    expect_helo("192.0.2.1", "example.com", "pass/fail/pass", "the organizational domain itself");
    expect_helo("192.0.2.12", "y12.example.org", "pass/pass/pass", "the second verified name");
    expect_helo("192.0.2.12", "x12.example.net", "pass/pass/pass", "the first verified name");
    /* z12.example.org is a PTR name but not verified; y12 shares its org */
    expect_helo("192.0.2.12", "z12.example.org", "pass/fail/pass", "org of another verified name");
    /* co.uk is a public suffix: foo.co.uk and bar.co.uk are different organizations */
    expect_helo("192.0.2.13", "mx.foo.co.uk", "pass/fail/pass", "org domain below a public suffix");
    expect_helo("192.0.2.13", "mx.bar.co.uk", "pass/fail/fail", "another org under co.uk");
    expect_helo("192.0.2.13", "co.uk", "pass/fail/fail", "a public suffix HELO");
    /* iprev not passing */
    expect_helo("192.0.2.6", "other.example.com", "pass/fail/fail", "iprev fail (PTR name, unverified)");
    expect_helo("192.0.2.2", "mail.example.com", "pass/fail/fail", "iprev permerror");
    expect_helo("192.0.2.8", "a8.example.com", "pass/fail/temperror", "iprev temperror");
    expect_helo("192.0.2.4", "mail.example.com", "pass/fail/temperror", "iprev temperror (PTR)");
    expect_helo("192.0.2.8", "[192.0.2.8]", "pass/pass/fail", "a literal never matches a name");
    expect_helo("192.0.2.8", "bad_name.example.com", "fail/fail/fail", "an invalid name never matches");
}

/* ------------------------------------------------------------ by hand */

static ma_dns_answer *answer_new(ma_dns_type type, ma_dns_rcode rcode)
{
    ma_dns_answer *a = NULL;
    ma_dns_answer_new(&a, ctx, type, rcode);
    return a;
}

static int feed(ma_job *j, uint32_t id, ma_dns_answer *a)
{
    int rc = ma_job_answer(j, id, a);
    ma_dns_answer_free(a);
    return rc;
}

static const ma_dns_question *find_q(ma_job *j, const char *name, ma_dns_type type)
{
    const ma_dns_question *const *qs;
    size_t n, i;
    if (ma_job_questions(j, &qs, &n) != MA_OK)
        return NULL;
    for (i = 0; i < n; i++)
        if (strcmp(ma_dns_question_name(qs[i]), name) == 0 && ma_dns_question_type(qs[i]) == type)
            return qs[i];
    return NULL;
}

static size_t outstanding(ma_job *j)
{
    const ma_dns_question *const *qs;
    size_t n = 0;
    ma_job_questions(j, &qs, &n);
    return n;
}

static void test_by_hand(void)
{
    ma_iprev_params p = params("192.0.2.20", "helo.example.com");
    ma_job *j = NULL;
    const ma_dns_question *q;
    ma_dns_answer *a;
    uint32_t ids[3], helo_id, ptr_id;
    ma_ip ip, other;
    char *ar;
    int i;

    ma_ip_parse(&ip, "192.0.2.20", 10);
    ma_ip_parse(&other, "198.51.100.7", 12);
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK, "by hand: job made");
    is_int(ma_iprev_job_result(j), MA_IPREV_NONE, "by hand: none before the first step");
    is_int(ma_iprev_job_helo(j, MA_HELO_SYNTAX), MA_HELO_NONE, "by hand: HELO none before done");
    is_int(ma_iprev_authres(&ar, j), MA_ESTATE, "by hand: no A-R before done");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "round 1: needs DNS");
    is_int(outstanding(j), 2, "round 1: two questions");
    q = find_q(j, "20.2.0.192.in-addr.arpa", MA_DNS_PTR);
    ok(q != NULL, "round 1: PTR for the in-addr.arpa name");
    ptr_id = q ? ma_dns_question_id(q) : 0;
    q = find_q(j, "helo.example.com", MA_DNS_A);
    ok(q != NULL, "round 1: A for the HELO name, in the same round");
    helo_id = q ? ma_dns_question_id(q) : 0;
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "stepping again without answers: still waiting");

    /* a wrong-type answer is refused, the job goes on */
    a = answer_new(MA_DNS_AAAA, MA_DNS_NXDOMAIN);
    is_int(feed(j, helo_id, a), MA_EINVAL, "AAAA answer to the A question refused");
    a = answer_new(MA_DNS_A, MA_DNS_NXDOMAIN);
    is_int(feed(j, 999, a), MA_ESTATE, "answer for an unknown question refused");

    a = answer_new(MA_DNS_PTR, MA_DNS_OK);
    ma_dns_answer_add_ptr(a, "a20.example.com", 60);
    ma_dns_answer_add_ptr(a, "b20.example.com.", 60);
    ma_dns_answer_add_ptr(a, "C20.EXAMPLE.COM", 60);
    is_int(feed(j, ptr_id, a), MA_OK, "PTR answer fed");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "round 2: needs DNS");
    is_int(outstanding(j), 4, "round 2: three forward questions and the HELO one, all outstanding");
    q = find_q(j, "a20.example.com", MA_DNS_A);
    ids[0] = q ? ma_dns_question_id(q) : 0;
    q = find_q(j, "b20.example.com", MA_DNS_A);
    ids[1] = q ? ma_dns_question_id(q) : 0;
    q = find_q(j, "c20.example.com", MA_DNS_A);
    ids[2] = q ? ma_dns_question_id(q) : 0;
    ok(ids[0] && ids[1] && ids[2], "round 2: A for every PTR name (lower case, no root dot)");

    /* answered in reverse order: c matches, b tempfails, a has another address */
    a = answer_new(MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_add_addr(a, &ip, 60);
    is_int(feed(j, ids[2], a), MA_OK, "c20 answered");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "still waiting for a20, b20 and the HELO");
    a = answer_new(MA_DNS_A, MA_DNS_TEMPFAIL);
    is_int(feed(j, ids[1], a), MA_OK, "b20 answered");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "still waiting for a20 and the HELO");
    a = answer_new(MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_add_addr(a, &other, 60);
    is_int(feed(j, ids[0], a), MA_OK, "a20 answered");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "still waiting for the HELO");
    is_int(ma_iprev_job_result(j), MA_IPREV_NONE, "no result while the job is not done");
    is_int(outstanding(j), 1, "only the HELO question is left");
    a = answer_new(MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_add_addr(a, &other, 60);
    ma_dns_answer_add_addr(a, &ip, 60);
    is_int(feed(j, helo_id, a), MA_OK, "HELO answered");
    is_int(ma_job_step(j), MA_JOB_DONE, "done");
    a = answer_new(MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_add_addr(a, &ip, 60);
    is_int(feed(j, helo_id, a), MA_ESTATE, "a second answer is refused");
    expect_result(j, MA_IPREV_PASS, "by hand");
    is_int(ma_iprev_job_name_count(j), 1, "by hand: one verified name");
    is_str(ma_iprev_job_name(j, 0), "c20.example.com", "by hand: the verified name, lower case");
    is_int(ma_iprev_job_helo(j, MA_HELO_SYNTAX), MA_HELO_PASS, "by hand: HELO syntax");
    is_int(ma_iprev_job_helo(j, MA_HELO_RESOLVES), MA_HELO_PASS, "by hand: HELO resolves");
    is_int(ma_iprev_job_helo(j, MA_HELO_MATCHES_RDNS), MA_HELO_PASS, "by hand: HELO org domain matches");
    ar = authres_of(j);
    is_str(ar, "iprev=pass policy.iprev=192.0.2.20", "by hand: A-R");
    ma_free(ctx, ar);
    ma_job_free(j);

    /* IPv6: the nibble name, AAAA forward questions */
    p = params("2001:db8::1", "v6.example.com");
    j = NULL;
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS, "IPv6 by hand: asks");
    q = find_q(j, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", MA_DNS_PTR);
    ok(q != NULL, "IPv6 by hand: PTR for the nibble name");
    ok(find_q(j, "v6.example.com", MA_DNS_AAAA) != NULL, "IPv6 by hand: AAAA for the HELO");
    if (q != NULL) {
        a = answer_new(MA_DNS_PTR, MA_DNS_OK);
        ma_dns_answer_add_ptr(a, "host.example.net", 60);
        feed(j, ma_dns_question_id(q), a);
    }
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "IPv6 by hand: round 2");
    ok(find_q(j, "host.example.net", MA_DNS_AAAA) != NULL, "IPv6 by hand: AAAA for the PTR name");
    ok(find_q(j, "host.example.net", MA_DNS_A) == NULL, "IPv6 by hand: no A question");
    ma_job_free(j); /* freed with questions outstanding */

    /* IPv4-mapped: in-addr.arpa and A */
    p = params("::ffff:192.0.2.20", "helo.example.com");
    j = NULL;
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS,
       "IPv4-mapped by hand: asks");
    ok(find_q(j, "20.2.0.192.in-addr.arpa", MA_DNS_PTR) != NULL, "IPv4-mapped: in-addr.arpa name");
    ok(find_q(j, "helo.example.com", MA_DNS_A) != NULL, "IPv4-mapped: A for the HELO");
    ma_job_free(j);

    /* no HELO: one question in round 1 */
    p = params("192.0.2.20", NULL);
    j = NULL;
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS, "no HELO: asks");
    is_int(outstanding(j), 1, "no HELO: only the PTR question");
    for (i = 0; i < 2; i++)
        ma_job_step(j);
    is_int(outstanding(j), 1, "stepping adds no question");
    ma_job_free(j);
}

/* Unusable and hostile PTR names, fed by hand. */
static void test_hostile_ptr(void)
{
    ma_iprev_params p = params("192.0.2.30", NULL);
    ma_job *j = NULL;
    const ma_dns_question *q;
    ma_dns_answer *a;
    ma_ip ip;
    char big[256], name[64];
    int i;

    ma_ip_parse(&ip, "192.0.2.30", 10);
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS, "hostile: asks");
    q = find_q(j, "30.2.0.192.in-addr.arpa", MA_DNS_PTR);
    a = answer_new(MA_DNS_PTR, MA_DNS_OK);
    ma_dns_answer_add_ptr(a, "bad name.example.com", 60);
    ma_dns_answer_add_ptr(a, "a..example.com", 60);
    ma_dns_answer_add_ptr(a, "under_score.example.com", 60);
    ma_dns_answer_add_ptr(a, "192.0.2.30", 60);
    ma_dns_answer_add_ptr(a, "single", 60);
    ma_dns_answer_add_ptr(a, "-lead.example.com", 60);
    ma_dns_answer_add_ptr(a, "esc\\046aped.example.com", 60);
    ma_dns_answer_add_ptr(a, "ctl\001.example.com", 60);
    memset(big, 'a', 255);
    big[255] = '\0';
    for (i = 63; i < 255; i += 64)
        big[i] = '.';
    ma_dns_answer_add_ptr(a, big, 60); /* 255 octets */
    ma_dns_answer_add_ptr(a, "good.example.com", 60);
    ma_dns_answer_add_ptr(a, "GOOD.example.com.", 60);
    ok(q != NULL && feed(j, ma_dns_question_id(q), a) == MA_OK, "hostile: PTR answer fed");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "hostile: round 2");
    is_int(outstanding(j), 1, "hostile: only the usable name is looked up, once");
    q = find_q(j, "good.example.com", MA_DNS_A);
    a = answer_new(MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_add_addr(a, &ip, 60);
    ok(q != NULL && feed(j, ma_dns_question_id(q), a) == MA_OK, "hostile: forward answer fed");
    is_int(ma_job_step(j), MA_JOB_DONE, "hostile: done");
    expect_result(j, MA_IPREV_PASS, "hostile: the usable name passes");
    is_int(ma_iprev_job_name_count(j), 1, "hostile: one verified name");
    ok(problem_has(j, "9 unusable PTR names skipped (first: \"bad name.example.com\")"),
       "hostile: the skipped names are reported");
    ma_job_free(j);

    /* only unusable names: permerror, no forward question */
    j = NULL;
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS, "unusable: asks");
    q = find_q(j, "30.2.0.192.in-addr.arpa", MA_DNS_PTR);
    a = answer_new(MA_DNS_PTR, MA_DNS_OK);
    ma_dns_answer_add_ptr(a, "ctl\001\002\003.example.com with a long tail that goes on and on and on", 60);
    ok(q != NULL && feed(j, ma_dns_question_id(q), a) == MA_OK, "unusable: PTR answer fed");
    is_int(ma_job_step(j), MA_JOB_DONE, "unusable: done without forward lookups");
    expect_result(j, MA_IPREV_PERMERROR, "unusable PTR names only");
    ok(problem_has(j, "no usable PTR name for 30.2.0.192.in-addr.arpa"), "unusable: problem text");
    ok(problem_has(j, "\"ctl???.example.com with"), "unusable: control bytes not copied into the text");
    ok(strlen(ma_iprev_job_problem(j)) < 512, "unusable: problem text bounded");
    ma_job_free(j);

    /* hundreds of names: bounded by the answer's records limit and the names limit */
    j = NULL;
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS, "many: asks");
    q = find_q(j, "30.2.0.192.in-addr.arpa", MA_DNS_PTR);
    a = answer_new(MA_DNS_PTR, MA_DNS_OK);
    for (i = 0; i < 600; i++) {
        snprintf(name, sizeof name, "h%d.example.com", i);
        if (ma_dns_answer_add_ptr(a, name, 60) != MA_OK)
            break;
    }
    ok(i >= 200, "many: hundreds of PTR records in the answer");
    ok(q != NULL && feed(j, ma_dns_question_id(q), a) == MA_OK, "many: PTR answer fed");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "many: round 2");
    is_int(outstanding(j), 10, "many: ten forward questions");
    {
        const ma_dns_question *const *qs;
        size_t n = 0, k;
        ma_job_questions(j, &qs, &n);
        for (k = 0; k < n; k++) {
            a = answer_new(MA_DNS_A, MA_DNS_NXDOMAIN);
            feed(j, ma_dns_question_id(qs[k]), a);
            ma_job_questions(j, &qs, &n); /* the array is only valid until an answer */
            k = (size_t)-1;
        }
    }
    is_int(ma_job_step(j), MA_JOB_DONE, "many: done");
    expect_result(j, MA_IPREV_FAIL, "many: all NXDOMAIN");
    ok(problem_has(j, "PTR names beyond the limit of 10 ignored"), "many: the rest ignored");
    ma_job_free(j);

    /* a PERMFAIL (malformed) PTR answer is an error, not "no PTR data" */
    j = NULL;
    ok(ma_iprev_job_new(&j, ctx, &p) == MA_OK && ma_job_step(j) == MA_JOB_NEED_DNS, "permfail: asks");
    q = find_q(j, "30.2.0.192.in-addr.arpa", MA_DNS_PTR);
    a = answer_new(MA_DNS_PTR, MA_DNS_PERMFAIL);
    ok(q != NULL && feed(j, ma_dns_question_id(q), a) == MA_OK, "permfail: fed");
    is_int(ma_job_step(j), MA_JOB_DONE, "permfail: done");
    expect_result(j, MA_IPREV_TEMPERROR, "malformed PTR answer");
    ma_job_free(j);
}

/* ------------------------------------------------------------ A-R, API */

static void test_authres(void)
{
    ma_job *j;
    char *s;
    ma_authres *ar = NULL;
    const char *ptype, *prop, *value;
    char field[200];

    j = run("192.0.2.1", NULL);
    s = authres_of(j);
    is_str(s, "iprev=pass policy.iprev=192.0.2.1", "A-R: pass, IPv4 (RFC 8601 B.4)");
    ma_free(ctx, s);
    ma_job_free(j);

    j = run("192.0.2.2", NULL);
    s = authres_of(j);
    is_str(s, "iprev=permerror policy.iprev=192.0.2.2", "A-R: permerror");
    ma_free(ctx, s);
    ma_job_free(j);

    j = run("192.0.2.8", NULL);
    s = authres_of(j);
    is_str(s, "iprev=temperror policy.iprev=192.0.2.8", "A-R: temperror");
    ma_free(ctx, s);
    ma_job_free(j);

    j = run("192.0.2.6", NULL);
    s = authres_of(j);
    is_str(s, "iprev=fail policy.iprev=192.0.2.6", "A-R: fail");
    ma_free(ctx, s);
    ma_job_free(j);

    j = run("::ffff:192.0.2.1", NULL);
    s = authres_of(j);
    is_str(s, "iprev=pass policy.iprev=192.0.2.1", "A-R: IPv4-mapped client written as IPv4");
    ma_free(ctx, s);
    ma_job_free(j);

    j = run("2001:db8::1", NULL);
    s = authres_of(j);
    is_str(s, "iprev=pass policy.iprev=\"2001:db8::1\"", "A-R: IPv6 as a quoted-string");
    /* it reads back through the library's parser */
    snprintf(field, sizeof field, "mx.example.org; %s", s ? s : "");
    ok(ma_authres_parse(&ar, NULL, NULL, ctx, field, strlen(field)) == MA_OK, "A-R: parses");
    ok(ar != NULL && ma_authres_count(ar) == 1 && strcmp(ma_authres_method(ar, 0), "iprev") == 0 &&
           strcmp(ma_authres_result(ar, 0), "pass") == 0,
       "A-R: method and result read back");
    ok(ar != NULL && ma_authres_prop(ar, 0, 0, &ptype, &prop, &value) == MA_OK &&
           strcmp(ptype, "policy") == 0 && strcmp(prop, "iprev") == 0 &&
           strcmp(value, "2001:db8::1") == 0,
       "A-R: policy.iprev value read back");
    ma_authres_free(ar);
    ma_free(ctx, s);
    is_int(ma_iprev_authres(NULL, j), MA_EINVAL, "A-R: NULL out");
    ma_job_free(j);
    s = (char *)1;
    is_int(ma_iprev_authres(&s, NULL), MA_EINVAL, "A-R: NULL job");
    ok(s == NULL, "A-R: *out cleared on error");
}

static void test_api(void)
{
    ma_iprev_params p = MA_IPREV_PARAMS_INIT, q;
    ma_job *j = (ma_job *)1, *lookup = NULL;

    is_str(ma_iprev_result_name(MA_IPREV_NONE), "none", "result name none");
    is_str(ma_iprev_result_name(MA_IPREV_PASS), "pass", "result name pass");
    is_str(ma_iprev_result_name(MA_IPREV_FAIL), "fail", "result name fail");
    is_str(ma_iprev_result_name(MA_IPREV_TEMPERROR), "temperror", "result name temperror");
    is_str(ma_iprev_result_name(MA_IPREV_PERMERROR), "permerror", "result name permerror");
    ok(ma_iprev_result_name(5) == NULL && ma_iprev_result_name(-1) == NULL, "unknown result: NULL");
    is_str(ma_helo_check_name(MA_HELO_SYNTAX), "syntax", "check name syntax");
    is_str(ma_helo_check_name(MA_HELO_RESOLVES), "resolves", "check name resolves");
    is_str(ma_helo_check_name(MA_HELO_MATCHES_RDNS), "matches-rdns", "check name matches-rdns");
    ok(ma_helo_check_name(3) == NULL && ma_helo_check_name(-1) == NULL, "unknown check: NULL");
    is_str(ma_helo_result_name(MA_HELO_NONE), "none", "HELO result none");
    is_str(ma_helo_result_name(MA_HELO_TEMPERROR), "temperror", "HELO result temperror");
    ok(ma_helo_result_name(4) == NULL && ma_helo_result_name(-1) == NULL, "unknown HELO result: NULL");

    memset(&q, 0xff, sizeof q);
    is_int(ma_iprev_params_init(&q, MA_IPREV_PARAMS_VERSION), MA_OK, "params_init");
    ok(q.version == MA_IPREV_PARAMS_VERSION && q.helo == NULL && q.psl == NULL && q.flags == 0 &&
           q.ip.family == 0,
       "params_init: the defaults");
    is_int(ma_iprev_params_init(&q, 99), MA_EVERSION, "params_init: unknown version");
    is_int(ma_iprev_params_init(NULL, MA_IPREV_PARAMS_VERSION), MA_EINVAL, "params_init: NULL");

    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    is_int(ma_iprev_job_new(NULL, ctx, &p), MA_EINVAL, "job_new: NULL out");
    is_int(ma_iprev_job_new(&j, NULL, &p), MA_EINVAL, "job_new: NULL ctx");
    ok(j == NULL, "job_new: *out cleared on error");
    is_int(ma_iprev_job_new(&j, ctx, NULL), MA_EINVAL, "job_new: NULL params");
    q = p;
    q.version = 2;
    is_int(ma_iprev_job_new(&j, ctx, &q), MA_EVERSION, "job_new: unknown version");
    q = p;
    q.ip.family = 0;
    is_int(ma_iprev_job_new(&j, ctx, &q), MA_EINVAL, "job_new: no address");
    q.ip.family = 5;
    is_int(ma_iprev_job_new(&j, ctx, &q), MA_EINVAL, "job_new: bad family");
    q = p;
    q.flags = 1u << 7;
    is_int(ma_iprev_job_new(&j, ctx, &q), MA_EINVAL, "job_new: unknown flag");
    ok(j == NULL, "job_new: nothing made");

    /* accessors on NULL and on another kind of job */
    is_int(ma_iprev_job_result(NULL), MA_IPREV_NONE, "result of NULL");
    is_int(ma_iprev_job_name_count(NULL), 0, "name count of NULL");
    ok(ma_iprev_job_name(NULL, 0) == NULL, "name of NULL");
    is_str(ma_iprev_job_problem(NULL), "", "problem of NULL");
    is_int(ma_iprev_job_helo(NULL, MA_HELO_SYNTAX), MA_EINVAL, "helo of NULL");
    ma_lookup_job_new(&lookup, ctx);
    is_int(ma_iprev_job_result(lookup), MA_IPREV_NONE, "result of a lookup job");
    is_int(ma_iprev_job_helo(lookup, MA_HELO_SYNTAX), MA_EINVAL, "helo of a lookup job");
    is_str(ma_iprev_job_problem(lookup), "", "problem of a lookup job");
    {
        char *s = NULL;
        is_int(ma_iprev_authres(&s, lookup), MA_EINVAL, "A-R of a lookup job");
    }
    ma_job_free(lookup);
    j = run("192.0.2.1", "mail.example.com");
    is_int(ma_iprev_job_helo(j, 3), MA_EINVAL, "helo: unknown check");
    is_int(ma_iprev_job_helo(j, -1), MA_EINVAL, "helo: negative check");
    ma_job_free(j);
    ma_job_free(NULL);
}

/* Every allocation failure in turn: an error status or the right result, never a crash or a leak. */
static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *oc = NULL;
    ma_iprev_params p = params("192.0.2.12", "y12.example.org");
    long n;
    int bad = 0, passed = 0;

    if (ta_ctx_new(&oc, &st) != MA_OK) {
        ok(0, "oom: context");
        return;
    }
    for (n = 1; n < 200 && !passed; n++) {
        ma_job *j = NULL;
        int rc;
        long live = st.live;
        ta_fail_once(&st, n);
        rc = ma_iprev_job_new(&j, oc, &p);
        if (rc == MA_OK) {
            rc = ma_job_run(j, zr);
            if (rc == MA_JOB_DONE) {
                char *s = NULL;
                int r2 = ma_iprev_authres(&s, j);
                if (ma_iprev_job_result(j) != MA_IPREV_PASS ||
                    ma_iprev_job_helo(j, MA_HELO_MATCHES_RDNS) != MA_HELO_PASS)
                    bad++;
                if (r2 == MA_OK)
                    ma_free(oc, s);
                else if (r2 != MA_ENOMEM)
                    bad++;
                /* the failure point was past everything: done */
                passed = st.calls < st.fail_at;
            } else if (rc != MA_ENOMEM) {
                bad++;
            }
        } else if (rc != MA_ENOMEM || j != NULL) {
            bad++;
        }
        ma_job_free(j);
        if (st.live != live)
            bad++;
    }
    ta_fail_never(&st);
    printf("# oom: %ld allocation points tried\n", n - 1);
    ok(n > 3, "oom: at least three allocation points failed in turn");
    is_int(bad, 0, "oom: every failure is MA_ENOMEM or a correct result, nothing leaks");
    ok(passed, "oom: a run without failure reached");
    ma_ctx_free(oc);
}

int main(void)
{
    ma_static_zone *z = NULL;

    if (ma_ctx_new(&ctx, NULL) != MA_OK || ma_static_zone_new(&z, ctx) != MA_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    if (ma_static_zone_load(z, zone_text, strlen(zone_text), NULL) != MA_OK) {
        printf("Bail out! zone: %s\n", ma_static_zone_error(z));
        return 1;
    }
    ma_resolver_static_new(&zr, ctx, z);
    ma_static_zone_free(z);

    test_results();
    test_limit();
    test_helo_syntax();
    test_helo_resolves();
    test_helo_matches();
    test_by_hand();
    test_hostile_ptr();
    test_authres();
    test_api();
    test_oom();

    ma_resolver_free(zr);
    ma_ctx_free(ctx);
    return tap_done();
}
