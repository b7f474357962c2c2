/*
 * SPF check_host() evaluation: mechanisms, include/redirect, limits,
 * explanations, HELO identity, options, the job protocol, header texts.
 * DNS comes from static zones; the clock is injected.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "spf/spf_int.h"
#include "alloc.h"
#include "tap.h"

#include <pthread.h>

static int64_t now_ms = 1700000000000LL;
static int64_t clock_fn(void *p)
{
    (void)p;
    return now_ms;
}

static ma_ctx *ctx;

typedef struct run {
    int rc;
    ma_spf_result result;
    char mech[200];
    char exp[300];
    char problem[300];
    char domain[200];
    unsigned lookups, voids;
    char received[600];
    char authres[300];
} run;

static ma_resolver *zone_resolver(const char *zone)
{
    ma_static_zone *z;
    ma_resolver *r = NULL;
    ma_static_zone_new(&z, ctx);
    if (ma_static_zone_load(z, zone, strlen(zone), NULL) != MA_OK)
        printf("# zone error: %s\n", ma_static_zone_error(z));
    ma_resolver_static_new(&r, ctx, z);
    ma_static_zone_free(z);
    return r;
}

static void do_run(run *out, const char *zone, const char *ip, const char *sender, const char *helo,
                   const ma_spf_params *base)
{
    ma_spf_params p;
    ma_resolver *r = zone_resolver(zone);
    ma_job *job = NULL;
    char *s;

    memset(out, 0, sizeof *out);
    if (base)
        p = *base;
    else
        ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&p.ip, ip, strlen(ip));
    p.sender = sender;
    p.helo = helo;
    if (p.receiver == NULL)
        p.receiver = "mx.receiver.example";
    out->rc = ma_spf_job_new(&job, ctx, &p);
    if (out->rc == MA_OK)
        out->rc = ma_job_run(job, r);
    if (out->rc == MA_JOB_DONE) {
        out->result = ma_spf_job_result(job);
        snprintf(out->mech, sizeof out->mech, "%s", ma_spf_job_mechanism(job));
        snprintf(out->exp, sizeof out->exp, "%s", ma_spf_job_explanation(job));
        snprintf(out->problem, sizeof out->problem, "%s", ma_spf_job_problem(job));
        snprintf(out->domain, sizeof out->domain, "%s", ma_spf_job_domain(job));
        out->lookups = ma_spf_job_lookups(job);
        out->voids = ma_spf_job_void_lookups(job);
        if (ma_spf_received_spf(&s, job) == MA_OK) {
            snprintf(out->received, sizeof out->received, "%s", s);
            ma_free(ctx, s);
        }
        if (ma_spf_authres(&s, job) == MA_OK) {
            snprintf(out->authres, sizeof out->authres, "%s", s);
            ma_free(ctx, s);
        }
    }
    ma_job_free(job);
    ma_resolver_free(r);
}

/* Check the result of one evaluation (and the mechanism when given). */
static void check(const char *zone, const char *ip, const char *sender, ma_spf_result want,
                  const char *mech, const char *what)
{
    run r;
    do_run(&r, zone, ip, sender, "helo.example", NULL);
    if (!is_int(r.rc, MA_JOB_DONE, what) || !is_str(ma_spf_result_name(r.result),
                                                    ma_spf_result_name(want), what))
        printf("#   mechanism '%s' problem '%s'\n", r.mech, r.problem);
    else if (mech != NULL)
        is_str(r.mech, mech, what);
}

static const char base_zone[] =
    "$ORIGIN example.com.\n"
    "@            TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx -all\"\n"
    "@            A 198.51.100.1\n"
    "@            AAAA 2001:db8:ffff::1\n"
    "@            MX 10 mx1\n"
    "@            MX 20 mx2\n"
    "mx1          A 198.51.100.10\n"
    "mx2          A 198.51.100.20\n"
    "mx2          AAAA 2001:db8:2::20\n"
    "@            TXT \"some-other-verification=abc\"\n";

static void test_mechanisms(void)
{
    tap_diag("mechanisms");
    check(base_zone, "192.0.2.55", "a@example.com", MA_SPF_PASS, "ip4:192.0.2.0/24", "ip4 in range");
    check(base_zone, "2001:db8::7", "a@example.com", MA_SPF_PASS, "ip6:2001:db8::/32", "ip6 in range");
    check(base_zone, "198.51.100.1", "a@example.com", MA_SPF_PASS, "a", "a matches");
    check(base_zone, "198.51.100.20", "a@example.com", MA_SPF_PASS, "mx", "mx matches second host");
    check(base_zone, "203.0.113.9", "a@example.com", MA_SPF_FAIL, "-all", "nothing matches: -all");
    check(base_zone, "::ffff:192.0.2.9", "a@example.com", MA_SPF_PASS, "ip4:192.0.2.0/24",
          "IPv4-mapped client is an IPv4 client");
    check("example.com. TXT \"v=spf1 a/24 -all\"\nexample.com. A 198.51.100.1\n", "198.51.100.77",
          "x@example.com", MA_SPF_PASS, "a/24", "a with CIDR");
    check("example.com. TXT \"v=spf1 a//64 -all\"\nexample.com. AAAA 2001:db8:1:2::1\n",
          "2001:db8:1:2::99", "x@example.com", MA_SPF_PASS, "a//64", "a with IPv6 CIDR");
    check("example.com. TXT \"v=spf1 mx/30 -all\"\nexample.com. MX 0 m.example.com.\n"
          "m.example.com. A 192.0.2.4\n",
          "192.0.2.7", "x@example.com", MA_SPF_PASS, "mx/30", "mx with CIDR");
    check("example.com. TXT \"v=spf1 exists:%{i}.ok.example.com -all\"\n"
          "192.0.2.3.ok.example.com. A 127.0.0.2\n",
          "192.0.2.3", "x@example.com", MA_SPF_PASS, "exists:%{i}.ok.example.com", "exists with a macro");
    check("example.com. TXT \"v=spf1 exists:%{i}.ok.example.com -all\"\n", "192.0.2.4", "x@example.com",
          MA_SPF_FAIL, "-all", "exists misses");
    check("example.com. TXT \"v=spf1 ?all\"\n", "192.0.2.4", "x@example.com", MA_SPF_NEUTRAL, "?all",
          "?all is neutral");
    check("example.com. TXT \"v=spf1 ~all\"\n", "192.0.2.4", "x@example.com", MA_SPF_SOFTFAIL, "~all",
          "~all is softfail");
    check("example.com. TXT \"v=spf1 ip4:10.0.0.1\"\n", "192.0.2.4", "x@example.com", MA_SPF_NEUTRAL,
          "default", "no match and no all: neutral (4.7)");
    check("example.com. TXT \"v=spf1 +ip4:192.0.2.4 -all\"\n", "192.0.2.4", "x@example.com",
          MA_SPF_PASS, "+ip4:192.0.2.4", "explicit + qualifier");
    check("example.com. TXT \"v=spf1 ptr -all\"\n4.2.0.192.in-addr.arpa. PTR host.example.com.\n"
          "host.example.com. A 192.0.2.4\n",
          "192.0.2.4", "x@example.com", MA_SPF_PASS, "ptr", "ptr with a validated name");
    check("example.com. TXT \"v=spf1 ptr -all\"\n4.2.0.192.in-addr.arpa. PTR host.example.com.\n"
          "host.example.com. A 192.0.2.99\n",
          "192.0.2.4", "x@example.com", MA_SPF_FAIL, "-all", "ptr name not validated");
    check("example.com. TXT \"v=spf1 ptr:other.example -all\"\n4.2.0.192.in-addr.arpa. PTR h.example.com.\n"
          "h.example.com. A 192.0.2.4\n",
          "192.0.2.4", "x@example.com", MA_SPF_FAIL, "-all", "ptr name outside the target");
    check("example.com. TXT \"v=spf1 mx -all\"\nexample.com. MX 0 .\n", "192.0.2.4", "x@example.com",
          MA_SPF_FAIL, "-all", "null MX names no host");
}

static void test_records(void)
{
    tap_diag("record selection");
    check("example.com. TXT \"v=spf1 -all\"\nexample.com. TXT \"v=spf1 +all\"\n", "192.0.2.1",
          "x@example.com", MA_SPF_PERMERROR, NULL, "two SPF records: permerror (4.5)");
    check("example.com. TXT \"v=spf10 +all\"\nexample.com. TXT \"spf1 +all\"\n", "192.0.2.1",
          "x@example.com", MA_SPF_NONE, NULL, "no record starting v=spf1<SP>: none");
    check("example.com. TXT \"V=SpF1 +all\"\n", "192.0.2.1", "x@example.com", MA_SPF_PASS, "+all",
          "version tag case-insensitive");
    check("example.com. TXT \"v=spf1 \" \"+all\"\n", "192.0.2.1", "x@example.com", MA_SPF_PASS, "+all",
          "strings of one record joined (3.3)");
    check("example.com. A 192.0.2.1\n", "192.0.2.1", "x@example.com", MA_SPF_NONE, NULL,
          "no TXT: none");
    check("other.com. A 192.0.2.1\n", "192.0.2.1", "x@example.com", MA_SPF_NONE, NULL, "NXDOMAIN: none");
    check("$TIMEOUT example.com.\n", "192.0.2.1", "x@example.com", MA_SPF_TEMPERROR, NULL,
          "record lookup timeout: temperror");
    check("example.com. TXT \"v=spf1 foo:bar -all\"\n", "192.0.2.1", "x@example.com", MA_SPF_PERMERROR,
          NULL, "unknown mechanism: permerror");
    check("example.com. TXT \"v=spf1 -all foo:bar\"\n", "192.0.2.1", "x@example.com", MA_SPF_PERMERROR,
          NULL, "syntax error after the match still permerror (4.6)");
    check("example.com. TXT \"v=spf1 +all moo=cow\"\n", "192.0.2.1", "x@example.com", MA_SPF_PASS, NULL,
          "unknown modifier ignored");
    check("example.com. TXT \"v=spf1 redirect=a.example redirect=b.example\"\n", "192.0.2.1",
          "x@example.com", MA_SPF_PERMERROR, NULL, "two redirects: permerror");
    check("", "192.0.2.1", "x@bad..example.com", MA_SPF_NONE, NULL, "malformed domain: none (4.3)");
    check("", "192.0.2.1", "x@localhost", MA_SPF_NONE, NULL, "single-label domain: none (4.3)");
}

static void test_include_redirect(void)
{
    static const char zone[] =
        "example.com. TXT \"v=spf1 include:inc.example.net -all\"\n"
        "inc.example.net. TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n"
        "perm.example.com. TXT \"v=spf1 include:broken.example.net -all\"\n"
        "broken.example.net. TXT \"v=spf1 bogus\"\n"
        "none.example.com. TXT \"v=spf1 include:nothing.example.net -all\"\n"
        "temp.example.com. TXT \"v=spf1 include:slow.example.net -all\"\n"
        "$TIMEOUT slow.example.net.\n"
        "redir.example.com. TXT \"v=spf1 redirect=inc.example.net\"\n"
        "redir2.example.com. TXT \"v=spf1 ip4:10.0.0.1 redirect=inc.example.net\"\n"
        "redir3.example.com. TXT \"v=spf1 +all redirect=nothing.example.net\"\n"
        "redirnone.example.com. TXT \"v=spf1 redirect=nothing.example.net\"\n";

    tap_diag("include and redirect");
    check(zone, "192.0.2.8", "x@example.com", MA_SPF_PASS, "include:inc.example.net",
          "include pass is a match");
    check(zone, "203.0.113.8", "x@example.com", MA_SPF_FAIL, "-all",
          "include softfail is no match: outer -all decides");
    check(zone, "192.0.2.8", "x@perm.example.com", MA_SPF_PERMERROR, NULL, "include permerror propagates");
    check(zone, "192.0.2.8", "x@none.example.com", MA_SPF_PERMERROR, NULL, "include of none: permerror");
    check(zone, "192.0.2.8", "x@temp.example.com", MA_SPF_TEMPERROR, NULL, "include temperror propagates");
    check(zone, "203.0.113.8", "x@redir.example.com", MA_SPF_SOFTFAIL, "~all", "redirect takes the target's result");
    check(zone, "192.0.2.8", "x@redir2.example.com", MA_SPF_PASS, NULL, "redirect after no match");
    check(zone, "203.0.113.8", "x@redir3.example.com", MA_SPF_PASS, "+all", "redirect ignored when a mechanism matched");
    check(zone, "203.0.113.8", "x@redirnone.example.com", MA_SPF_PERMERROR, NULL, "redirect to none: permerror");
}

static void test_limits(void)
{
    char zone[4096];
    run r;
    int i;
    size_t n = 0;

    tap_diag("limits (4.6.4)");
    /* A chain of 11 includes: the 11th DNS term is a permerror. */
    for (i = 0; i < 11; i++)
        n += (size_t)snprintf(zone + n, sizeof zone - n, "d%d.example. TXT \"v=spf1 include:d%d.example -all\"\n",
                              i, i + 1);
    snprintf(zone + n, sizeof zone - n, "d11.example. TXT \"v=spf1 +all\"\n");
    do_run(&r, zone, "192.0.2.1", "x@d0.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PERMERROR, "11 DNS terms: permerror");
    ok(r.domain[0] != '\0', "the domain is reported on a permerror too");
    is_int(r.lookups, 11, "lookups counted to the one over the limit");
    ok(strstr(r.problem, "too many DNS lookups") != NULL, "problem names the limit");
    snprintf(zone + n, sizeof zone - n, "d11.example. TXT \"v=spf1 +all\"\n");
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_DNS_TERMS, 11);
    do_run(&r, zone, "192.0.2.1", "x@d0.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PASS, "limit raised to 11: pass");
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_DNS_TERMS, 10);

    do_run(&r, "v.example. TXT \"v=spf1 a:n1.v.example a:n2.v.example a:n3.v.example -all\"\n",
           "192.0.2.1", "x@v.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PERMERROR, "third void lookup: permerror");
    is_int(r.voids, 3, "void lookups counted");
    do_run(&r, "v.example. TXT \"v=spf1 a:n1.v.example a:n2.v.example -all\"\n", "192.0.2.1",
           "x@v.example", "h.example", NULL);
    is_int(r.result, MA_SPF_FAIL, "two void lookups allowed");
    is_int(r.voids, 2, "two counted");

    n = (size_t)snprintf(zone, sizeof zone, "m.example. TXT \"v=spf1 mx -all\"\n");
    for (i = 0; i < 11; i++)
        n += (size_t)snprintf(zone + n, sizeof zone - n, "m.example. MX %d h%d.m.example.\nh%d.m.example. A 192.0.2.%d\n",
                              i, i, i, i + 1);
    do_run(&r, zone, "192.0.2.1", "x@m.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PASS, "11 MX names: a match among the first 10 passes");
    do_run(&r, zone, "192.0.2.11", "x@m.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PERMERROR, "11 MX names: needing the 11th is a permerror");
    do_run(&r, zone, "198.51.100.1", "x@m.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PERMERROR, "11 MX names and no match: permerror");
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MX_NAMES, 11);
    do_run(&r, zone, "192.0.2.11", "x@m.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PASS, "MX limit raised: the 11th host matches");
    ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MX_NAMES, 10);

    n = (size_t)snprintf(zone, sizeof zone, "p.example. TXT \"v=spf1 ptr -all\"\n");
    for (i = 0; i < 11; i++)
        n += (size_t)snprintf(zone + n, sizeof zone - n,
                              "1.2.0.192.in-addr.arpa. PTR h%02d.p.example.\nh%02d.p.example. A 192.0.2.1\n", i, i);
    do_run(&r, zone, "192.0.2.1", "x@p.example", "h.example", NULL);
    is_int(r.result, MA_SPF_PASS, "11 PTR names: the first 10 are used, no error");
}

static void test_explanations(void)
{
    static const char zone[] =
        "example.com. TXT \"v=spf1 -all exp=why.example.com\"\n"
        "why.example.com. TXT \"%{i} is not one of %{d}'s designated mail servers.\"\n"
        "two.example.com. TXT \"v=spf1 -all exp=two-why.example.com\"\n"
        "two-why.example.com. TXT \"one\"\ntwo-why.example.com. TXT \"two\"\n"
        "inc.example.com. TXT \"v=spf1 include:example.com -all exp=outer.example.com\"\n"
        "outer.example.com. TXT \"outer says no\"\n"
        "red.example.com. TXT \"v=spf1 redirect=example.com exp=outer.example.com\"\n";
    ma_spf_params p;
    run r;

    tap_diag("explanations (6.2)");
    do_run(&r, zone, "192.0.2.1", "x@example.com", "h.example", NULL);
    is_str(r.exp, "192.0.2.1 is not one of example.com's designated mail servers.", "exp= expanded");
    do_run(&r, zone, "192.0.2.1", "x@two.example.com", "h.example", NULL);
    is_str(r.exp, "", "two exp TXT records: no explanation");
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    p.default_explanation = "See http://%{d}/why.html?s=%{S}";
    do_run(&r, zone, "192.0.2.1", "x@two.example.com", "h.example", &p);
    is_str(r.exp, "See http://two.example.com/why.html?s=x%40two.example.com",
           "default explanation expanded when exp= fails");
    do_run(&r, zone, "192.0.2.1", "x@inc.example.com", "h.example", NULL);
    is_str(r.exp, "outer says no", "included record's exp= not used");
    do_run(&r, zone, "192.0.2.1", "x@red.example.com", "h.example", NULL);
    is_str(r.exp, "192.0.2.1 is not one of example.com's designated mail servers.",
           "redirect: the target's exp= applies, not the original's");
    do_run(&r, "example.com. TXT \"v=spf1 ~all exp=why.example.com\"\nwhy.example.com. TXT \"x\"\n",
           "192.0.2.1", "x@example.com", "h.example", NULL);
    is_str(r.exp, "", "no explanation for softfail");
}

static void test_identities(void)
{
    static const char zone[] =
        "helo.example. TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
        "example.com. TXT \"v=spf1 exists:%{l}.%{o}.users.example.com -all\"\n"
        "postmaster.example.com.users.example.com. A 127.0.0.2\n";
    ma_spf_params p;
    run r;

    tap_diag("identities");
    do_run(&r, zone, "192.0.2.1", "", "helo.example", NULL);
    is_int(r.result, MA_SPF_PASS, "null sender: HELO identity checked");
    ok(strstr(r.authres, "smtp.helo=helo.example") != NULL, "authres names smtp.helo");
    ok(strstr(r.received, "identity=helo") != NULL, "Received-SPF identity=helo");
    do_run(&r, zone, "192.0.2.1", "@example.com", "helo.example", NULL);
    is_int(r.result, MA_SPF_PASS, "empty local part becomes postmaster (4.3)");
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    p.flags = MA_SPF_CHECK_HELO;
    do_run(&r, zone, "192.0.2.99", "someone@example.com", "helo.example", &p);
    is_int(r.result, MA_SPF_FAIL, "explicit HELO check");
    ok(strstr(r.received, "envelope-from=\"someone@example.com\"") != NULL,
       "HELO check: envelope-from is still the envelope sender (9.1)");
    is_str(r.domain, "helo.example", "the domain checked is the HELO name");
    do_run(&r, zone, "192.0.2.1", "", "[192.0.2.1]", NULL);
    is_int(r.result, MA_SPF_NONE, "address-literal HELO: none");
}

static void test_options(void)
{
    static const char zone[] =
        "example.com. TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
        "nospf.example. A 192.0.2.50\n"
        "trusted.example. TXT \"v=spf1 +all\"\n";
    ma_spf_params p;
    run r;

    tap_diag("options");
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    p.local_policy = "ip4:203.0.113.0/24";
    do_run(&r, zone, "203.0.113.5", "x@example.com", "h.example", &p);
    is_int(r.result, MA_SPF_PASS, "local policy matches before the final -all");
    is_str(r.mech, "local policy: ip4:203.0.113.0/24", "mechanism names the local policy");
    do_run(&r, zone, "198.51.100.5", "x@example.com", "h.example", &p);
    is_int(r.result, MA_SPF_FAIL, "local policy does not match: -all");
    do_run(&r, zone, "192.0.2.1", "x@example.com", "h.example", &p);
    is_int(r.result, MA_SPF_PASS, "the domain's own pass comes first");
    p.local_policy = "include:trusted.example";
    do_run(&r, zone, "198.51.100.5", "x@example.com", "h.example", &p);
    is_int(r.result, MA_SPF_PASS, "local policy include");

    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    do_run(&r, zone, "192.0.2.50", "x@nospf.example", "h.example", &p);
    is_int(r.result, MA_SPF_NONE, "no record, no best guess: none");
    p.best_guess = "v=spf1 a/24 mx/24 ptr ?all";
    do_run(&r, zone, "192.0.2.50", "x@nospf.example", "h.example", &p);
    is_int(r.result, MA_SPF_PASS, "best guess used for a domain without SPF");
    is_str(r.mech, "best guess: a/24", "mechanism names the best guess");
    do_run(&r, zone, "198.51.100.50", "x@nospf.example", "h.example", &p);
    is_int(r.result, MA_SPF_NEUTRAL, "best guess ?all");
    do_run(&r, zone, "198.51.100.50", "x@example.com", "h.example", &p);
    is_int(r.result, MA_SPF_FAIL, "best guess not used when the domain has SPF");

    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    p.receiver = "mx.our.example";
    do_run(&r, "example.com. TXT \"v=spf1 -all exp=e.example.com\"\ne.example.com. TXT \"r=%{r} t=%{t}\"\n",
           "192.0.2.9", "x@example.com", "h.example", &p);
    is_str(r.exp, "r=mx.our.example t=1700000000", "%{r} and %{t} in the explanation");
}

/* The time budget on the context clock. */
static void test_time_budget(void)
{
    ma_spf_params p;
    ma_job *job;
    ma_resolver *r = zone_resolver("example.com. TXT \"v=spf1 a:x.example.com -all\"\nx.example.com. A 192.0.2.1\n");
    const ma_dns_question *const *qs;
    size_t n;
    ma_dns_answer *a;

    tap_diag("time budget");
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    p.sender = "x@example.com";
    ma_spf_job_new(&job, ctx, &p);
    is_int(ma_job_step(job), MA_JOB_NEED_DNS, "asks for the record");
    ma_job_questions(job, &qs, &n);
    ma_resolver_resolve(r, ma_dns_question_name(qs[0]), ma_dns_question_type(qs[0]), &a);
    ma_job_answer(job, ma_dns_question_id(qs[0]), a);
    ma_dns_answer_free(a);
    now_ms += 20001;
    is_int(ma_job_step(job), MA_JOB_DONE, "done after the budget ran out");
    is_int(ma_spf_job_result(job), MA_SPF_TEMPERROR, "budget exhausted: temperror");
    ok(strstr(ma_spf_job_problem(job), "time budget") != NULL, "problem says why");
    ma_job_free(job);
    ma_resolver_free(r);
}

/* MX host addresses are asked all at once. */
static void test_parallel(void)
{
    ma_spf_params p;
    ma_job *job;
    ma_resolver *r = zone_resolver(base_zone);
    const ma_dns_question *const *qs;
    size_t n, i;
    int rounds = 0, rc, max_n = 0;

    tap_diag("job protocol");
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&p.ip, "198.51.100.20", 13);
    p.sender = "x@example.com";
    ma_spf_job_new(&job, ctx, &p);
    while ((rc = ma_job_step(job)) == MA_JOB_NEED_DNS) {
        rounds++;
        ma_job_questions(job, &qs, &n);
        if ((int)n > max_n)
            max_n = (int)n;
        for (i = n; i-- > 0;) {
            ma_dns_answer *a;
            ma_resolver_resolve(r, ma_dns_question_name(qs[i]), ma_dns_question_type(qs[i]), &a);
            ma_job_answer(job, ma_dns_question_id(qs[i]), a);
            ma_dns_answer_free(a);
        }
    }
    is_int(rc, MA_JOB_DONE, "driven by hand to the end");
    is_int(ma_spf_job_result(job), MA_SPF_PASS, "pass through the second MX host");
    is_int(max_n, 2, "both MX hosts' addresses asked at once");
    is_int(rounds, 4, "record, a, mx, mx hosts: four rounds");
    ma_job_free(job);
    ma_resolver_free(r);
}

static void test_texts(void)
{
    run r;
    tap_diag("header texts");
    do_run(&r, base_zone, "192.0.2.55", "a@example.com", "helo.example", NULL);
    is_str(r.received,
           "Received-SPF: pass (mx.receiver.example: domain of a@example.com designates 192.0.2.55 "
           "as permitted sender) client-ip=192.0.2.55; envelope-from=\"a@example.com\"; helo=helo.example; "
           "receiver=mx.receiver.example; mechanism=\"ip4:192.0.2.0/24\"; identity=mailfrom;",
           "Received-SPF for pass");
    is_str(r.authres, "spf=pass smtp.mailfrom=a@example.com", "Authentication-Results resinfo");
    do_run(&r, "example.com. TXT \"v=spf1 foo\"\n", "192.0.2.55", "a b@example.com", "helo.example", NULL);
    ok(strstr(r.received, "Received-SPF: permerror (") == r.received, "permerror header");
    ok(strstr(r.received, "envelope-from=\"a b@example.com\"") != NULL, "odd sender quoted");
    is_str(r.authres, "spf=permerror smtp.mailfrom=\"a b@example.com\"", "odd sender quoted in authres");
}

static void test_api_errors(void)
{
    ma_spf_params p;
    ma_job *job;
    char *s;

    tap_diag("API errors");
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    is_int(ma_spf_job_new(&job, ctx, &p), MA_EINVAL, "no client address");
    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    is_int(ma_spf_job_new(&job, ctx, &p), MA_EINVAL, "neither sender nor HELO");
    p.version = 7;
    is_int(ma_spf_job_new(&job, ctx, &p), MA_EVERSION, "unknown params version");
    p.version = MA_SPF_PARAMS_VERSION;
    p.sender = "x@example.com";
    p.local_policy = "bogus:";
    is_int(ma_spf_job_new(&job, ctx, &p), MA_EINVAL, "bad local policy");
    p.local_policy = NULL;
    is_int(ma_spf_job_new(&job, ctx, &p), MA_OK, "valid");
    is_int(ma_spf_received_spf(&s, job), MA_ESTATE, "no header before the job is done");
    is_int(ma_spf_job_result(job), MA_SPF_NONE, "no result before done");
    ma_job_free(job);
    is_str(ma_spf_result_name(MA_SPF_SOFTFAIL), "softfail", "result name");
    ok(ma_spf_result_name(9) == NULL, "unknown result name");
    ok(ma_spf_result_is_temp(MA_SPF_TEMPERROR) && !ma_spf_result_is_temp(MA_SPF_PERMERROR), "is_temp");
}

/* Every allocation of an evaluation failed in turn: MA_ENOMEM or the right
   result, never a crash, and nothing leaked (compiled-record memos stay with
   the zone's answers, so they are made before the baseline is taken). */
static void test_oom(void)
{
    static const char zone[] =
        "example.com. TXT \"v=spf1 include:inc.example.net mx a:%{l}.x.example.com -all exp=e.example.com\"\n"
        "inc.example.net. TXT \"v=spf1 ip4:10.0.0.0/8 ~all\"\n"
        "example.com. MX 10 mx.example.com.\nmx.example.com. A 198.51.100.9\n"
        "e.example.com. TXT \"no %{i}\"\n";
    ta_alloc a;
    ma_ctx_opts o;
    ma_ctx *c;
    ma_static_zone *z;
    ma_resolver *r;
    ma_spf_params p;
    long n, baseline, calls = 0;
    int bad = 0, enomem = 0, done_ok = 0;

    tap_diag("allocation failures");
    ta_init(&a);
    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    ta_hooks(&o, &a);
    ma_ctx_new(&c, &o);
    ma_static_zone_new(&z, c);
    ma_static_zone_load(z, zone, strlen(zone), NULL);
    ma_resolver_static_new(&r, c, z);
    ma_static_zone_free(z);
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    p.sender = "user@example.com";
    p.default_explanation = "see %{d}";
    for (n = 0; n <= 400; n++) {
        ma_job *job = NULL;
        int rc;
        if (n == 1) {
            /* Memos were attached by run 0.  Count the allocations of one
               evaluation now, without failures. */
            baseline = a.live;
            calls = a.calls;
            if (ma_spf_job_new(&job, c, &p) != MA_OK || ma_job_run(job, r) != MA_JOB_DONE)
                bad++;
            ma_job_free(job);
            job = NULL;
            calls = a.calls - calls;
        }
        if (n > 0)
            ta_fail_once(&a, n);
        rc = ma_spf_job_new(&job, c, &p);
        if (rc == MA_OK)
            rc = ma_job_run(job, r);
        ta_fail_never(&a);
        if (rc == MA_JOB_DONE) {
            if (ma_spf_job_result(job) == MA_SPF_FAIL && strcmp(ma_spf_job_explanation(job), "no 192.0.2.1") == 0)
                done_ok++;
            else
                bad++;
        } else if (rc == MA_ENOMEM) {
            enomem++;
        } else {
            bad++;
        }
        ma_job_free(job);
        if (n > 0 && a.live != baseline)
            bad++;
    }
    printf("# %d runs failed with MA_ENOMEM, %d completed\n", enomem, done_ok);
    /* Run 1 fails its first allocation, run 2 its second...: each of the
       allocations of an evaluation failed once, and that run said so. */
    printf("# one evaluation allocates %ld times\n", calls);
    ok(calls >= 2, "an evaluation with an explanation allocates");
    is_int(enomem, calls, "each allocation that failed gave MA_ENOMEM");
    is_int(done_ok, 401 - enomem, "runs whose failures came after the end give the right result");
    is_int(bad, 0, "no wrong result and no leak after any failed allocation");
    ma_resolver_free(r);
    ma_ctx_free(c);
    is_int(a.live, 0, "everything freed");
}

/* Two threads evaluate against one zone (through a cache too): the answers'
   compiled-record memos are attached concurrently. */
struct worker {
    ma_resolver *r;
    int wrong;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    int i;
    for (i = 0; i < 300; i++) {
        ma_spf_params p;
        ma_job *job;
        ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
        ma_ip_parse(&p.ip, i % 2 ? "198.51.100.20" : "203.0.113.1", i % 2 ? 13 : 11);
        p.sender = "x@example.com";
        if (ma_spf_job_new(&job, ctx, &p) != MA_OK || ma_job_run(job, w->r) != MA_JOB_DONE ||
            ma_spf_job_result(job) != (i % 2 ? MA_SPF_PASS : MA_SPF_FAIL))
            w->wrong++;
        ma_job_free(job);
    }
    return NULL;
}

static void test_threads(void)
{
    int round;
    tap_diag("threads");
    for (round = 0; round < 2; round++) {
        ma_resolver *zr = zone_resolver(base_zone), *cache = NULL;
        struct worker w[2];
        pthread_t t[2];
        int i;
        if (round == 1)
            ma_resolver_cache_new(&cache, ctx, zr);
        for (i = 0; i < 2; i++) {
            w[i].r = cache ? cache : zr;
            w[i].wrong = 0;
            pthread_create(&t[i], NULL, worker_run, &w[i]);
        }
        for (i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        is_int(w[0].wrong + w[1].wrong, 0,
               round ? "two threads through a shared cache: every result right"
                     : "two threads on a shared zone: every result right");
        ma_resolver_free(cache);
        ma_resolver_free(zr);
    }
}

int main(void)
{
    ma_ctx_opts o;
    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = clock_fn;
    ma_ctx_new(&ctx, &o);
    test_mechanisms();
    test_records();
    test_include_redirect();
    test_limits();
    test_explanations();
    test_identities();
    test_options();
    test_time_budget();
    test_parallel();
    test_texts();
    test_api_errors();
    test_oom();
    test_threads();
    ma_ctx_free(ctx);
    return tap_done();
}
