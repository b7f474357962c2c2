/*
 * DMARC evaluation through the public API: policy discovery (RFC 9989 tree
 * walk and RFC 7489 with the PSL), alignment, sp/np, pct and t=y, the
 * author domain from From (refusals), HELO-scope SPF refused, the ARC
 * override, order independence, DNS failures.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "tap.h"

static const char zone[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com\"\n"
    "mail.example.com. A 192.0.2.1\n"
    "example.com. A 192.0.2.2\n"
    "_dmarc.strict.example. TXT \"v=DMARC1; p=reject; adkim=s; aspf=s\"\n"
    "strict.example. A 192.0.2.3\n"
    "_dmarc.test.example. TXT \"v=DMARC1; p=reject; t=y\"\n"
    "test.example. A 192.0.2.4\n"
    "_dmarc.pct.example. TXT \"v=DMARC1; p=reject; pct=20\"\n"
    "pct.example. A 192.0.2.5\n"
    /* a public suffix domain with psd=y, and an org below it without a record */
    "_dmarc.psd.example. TXT \"v=DMARC1; p=quarantine; psd=y\"\n"
    "org.psd.example. A 192.0.2.6\n"
    "mail.org.psd.example. A 192.0.2.7\n"
    /* two records: no policy */
    "_dmarc.twice.example. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.twice.example. TXT \"v=DMARC1; p=none\"\n"
    /* a DNS failure */
    "$TIMEOUT _dmarc.slow.example.\n"
    /* a deep name: the walk shortens to 7 labels */
    "_dmarc.deep.example. TXT \"v=DMARC1; p=reject\"\n";

static ma_ctx *c;
static ma_resolver *r;

typedef struct run_in {
    const char *author;
    int mode;
    int spf_result;
    const char *spf_domain;
    int spf_scope;
    int dkim_result;
    const char *dkim_domain;
    int unsigned_extra;
    unsigned int draw;
} run_in;

static unsigned int fixed_draw(void *payload)
{
    return *(const unsigned int *)payload;
}

static ma_job *run(const run_in *in)
{
    ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
    ma_job *j = NULL;
    unsigned int *draw = malloc(sizeof *draw);   /* the sampler's payload is not const */
    *draw = in->draw;
    o.mode = in->mode;
    o.sample = fixed_draw;
    o.sample_payload = draw;
    if (ma_dmarc_job_new(&j, c, &o) != MA_OK || ma_dmarc_job_set_author(j, in->author) != MA_OK) {
        free(draw);
        return j;
    }
    if (in->spf_domain)
        ma_dmarc_job_add_spf(j, in->spf_result, in->spf_domain, in->spf_scope);
    if (in->dkim_domain)
        ma_dmarc_job_add_dkim(j, in->dkim_result, in->dkim_domain, in->unsigned_extra);
    ma_job_run(j, r);
    free(draw);   /* drawn during the run, not after */
    return j;
}

static void expect(const run_in *in, int result, int policy, int disp, const char *what)
{
    ma_job *j = run(in);
    char name[200];
    int ok_ = (int)ma_dmarc_job_result(j) == result && (int)ma_dmarc_job_policy(j) == policy &&
              (int)ma_dmarc_job_disposition(j) == disp;
    snprintf(name, sizeof name, "%s: %s %s %s", what, ma_dmarc_result_name(result),
             ma_dmarc_policy_name(policy), ma_dmarc_disposition_name(disp));
    ok(ok_, name);
    if (!ok_)
        printf("# got %s policy=%s dis=%s (%s) policy domain %s org %s\n",
               ma_dmarc_result_name(ma_dmarc_job_result(j)), ma_dmarc_policy_name(ma_dmarc_job_policy(j)),
               ma_dmarc_disposition_name(ma_dmarc_job_disposition(j)), ma_dmarc_job_problem(j),
               ma_dmarc_job_policy_domain(j), ma_dmarc_job_org_domain(j));
    ma_job_free(j);
}

static void test_9989(void)
{
    run_in in;
    ma_job *j;

    memset(&in, 0, sizeof in);
    in.author = "example.com";
    in.dkim_result = MA_DKIM_PASS;
    in.dkim_domain = "example.com";
    expect(&in, MA_DMARC_PASS, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_NONE, "dkim d= the author domain");
    in.dkim_domain = "mail.example.com";
    expect(&in, MA_DMARC_PASS, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_NONE, "dkim d= a subdomain (relaxed)");
    in.dkim_domain = "example.net";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "dkim d= another domain");
    in.unsigned_extra = 1;
    in.dkim_domain = "example.com";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT,
           "dkim with an unsigned extra From never aligns");
    in.unsigned_extra = 0;
    in.dkim_result = MA_DKIM_FAIL;
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "dkim fail does not align");

    memset(&in, 0, sizeof in);
    in.author = "example.com";
    in.spf_result = MA_SPF_PASS;
    in.spf_domain = "bounce.mail.example.com";
    expect(&in, MA_DMARC_PASS, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_NONE, "spf pass, relaxed alignment");
    in.spf_scope = MA_DMARC_SPF_HELO;
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT,
           "spf pass for HELO is refused (CVE-2019-20790 class)");
    in.spf_scope = MA_DMARC_SPF_MAILFROM;
    in.spf_result = MA_SPF_SOFTFAIL;
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "spf softfail does not align");

    /* sp= for an existing subdomain, np= for a non-existent one. */
    memset(&in, 0, sizeof in);
    in.author = "mail.example.com";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_QUARANTINE, MA_DMARC_DISP_QUARANTINE,
           "existing subdomain: sp");
    j = run(&in);
    is_str(ma_dmarc_job_policy_tag(j), "sp", "the sp tag applied");
    is_str(ma_dmarc_job_policy_domain(j), "example.com", "the organizational domain's record");
    is_str(ma_dmarc_job_org_domain(j), "example.com", "organizational domain");
    ma_job_free(j);
    in.author = "nothere.example.com";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "non-existent subdomain: np");

    /* Strict alignment. */
    memset(&in, 0, sizeof in);
    in.author = "strict.example";
    in.dkim_result = MA_DKIM_PASS;
    in.dkim_domain = "mail.strict.example";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "adkim=s: a subdomain does not align");
    in.dkim_domain = "STRICT.example";
    expect(&in, MA_DMARC_PASS, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_NONE, "adkim=s: the same name in another case");

    /* t=y: one level milder. */
    memset(&in, 0, sizeof in);
    in.author = "test.example";
    j = run(&in);
    is_int(ma_dmarc_job_disposition(j), MA_DMARC_DISP_QUARANTINE, "t=y: reject becomes quarantine");
    is_int(ma_dmarc_job_override(j), MA_DMARC_OVERRIDE_TESTING, "t=y: override testing");
    ma_job_free(j);

    /* psd=y: the org is one below the PSD; its policy from the PSD record. */
    memset(&in, 0, sizeof in);
    in.author = "mail.org.psd.example";
    in.dkim_result = MA_DKIM_PASS;
    in.dkim_domain = "org.psd.example";
    j = run(&in);
    is_int(ma_dmarc_job_result(j), MA_DMARC_PASS, "psd=y: d= the org domain aligns");
    is_str(ma_dmarc_job_org_domain(j), "org.psd.example", "psd=y: org is one label below the PSD");
    is_str(ma_dmarc_job_policy_domain(j), "psd.example", "psd=y: the PSD's record applies");
    ma_job_free(j);
    in.dkim_domain = "other.psd.example";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_QUARANTINE, MA_DMARC_DISP_QUARANTINE,
           "psd=y: a sibling under the PSD does not align");

    /* Two records: no policy.  No record: none.  DNS failure: temperror. */
    memset(&in, 0, sizeof in);
    in.author = "twice.example";
    expect(&in, MA_DMARC_NONE, MA_DMARC_POLICY_UNSET, MA_DMARC_DISP_NONE, "two records: no policy");
    in.author = "nothing.invalid";
    expect(&in, MA_DMARC_NONE, MA_DMARC_POLICY_UNSET, MA_DMARC_DISP_NONE, "no record anywhere: none");
    in.author = "slow.example";
    expect(&in, MA_DMARC_TEMPERROR, MA_DMARC_POLICY_UNSET, MA_DMARC_DISP_NONE, "policy lookup times out");

    /* An identifier outside the author's organizational domain can never
       align (RFC 9989 4.4: the organizational domain is the name or one of
       its parents), so its tree walk is not needed: a DNS failure there
       cannot turn a fail into a temperror (5.3.6 counts only the lookups
       DMARC validation requires). */
    memset(&in, 0, sizeof in);
    in.author = "example.com";
    in.spf_result = MA_SPF_PASS;
    in.spf_domain = "slow.example";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT,
           "an unrelated SPF pass whose walk would time out: fail, not temperror");

    /* A deep author domain: at most 8 questions. */
    memset(&in, 0, sizeof in);
    in.author = "a.b.c.d.e.f.g.h.i.j.deep.example";
    {
        ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
        const ma_dns_question *const *qs;
        size_t n;
        ma_dmarc_job_new(&j, c, &o);
        ma_dmarc_job_set_author(j, in.author);
        is_int(ma_job_step(j), MA_JOB_NEED_DNS, "deep: needs DNS");
        ma_job_questions(j, &qs, &n);
        is_int((long)n, 8, "deep: 8 questions (RFC 9989 4.10)");
        is_str(n > 1 ? ma_dns_question_name(qs[1]) : "", "_dmarc.f.g.h.i.j.deep.example",
               "deep: the second is 7 labels");
        ma_job_free(j);
    }
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "deep: the record above applies");
}

static void test_order(void)
{
    /* The same results in either order give the same verdict. */
    ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
    ma_job *a = NULL, *b = NULL;
    ma_dmarc_job_new(&a, c, &o);
    ma_dmarc_job_set_author(a, "example.com");
    ma_dmarc_job_add_dkim(a, MA_DKIM_FAIL, "example.com", 0);
    ma_dmarc_job_add_dkim(a, MA_DKIM_PASS, "mail.example.com", 0);
    ma_dmarc_job_add_spf(a, MA_SPF_FAIL, "example.com", MA_DMARC_SPF_MAILFROM);
    ma_dmarc_job_new(&b, c, &o);
    ma_dmarc_job_add_spf(b, MA_SPF_FAIL, "example.com", MA_DMARC_SPF_MAILFROM);
    ma_dmarc_job_add_dkim(b, MA_DKIM_PASS, "mail.example.com", 0);
    ma_dmarc_job_add_dkim(b, MA_DKIM_FAIL, "example.com", 0);
    ma_dmarc_job_set_author(b, "example.com");
    ma_job_run(a, r);
    ma_job_run(b, r);
    is_int(ma_dmarc_job_result(a), MA_DMARC_PASS, "order: first order passes");
    is_int(ma_dmarc_job_result(b), MA_DMARC_PASS, "order: second order passes");
    is_str(ma_dmarc_job_dkim_aligned(a), ma_dmarc_job_dkim_aligned(b), "order: the same aligned d=");
    is_int(ma_dmarc_job_add_spf(a, MA_SPF_PASS, "x.example", 0), MA_ESTATE, "no input after the run");
    ma_job_free(a);
    ma_job_free(b);
}

static void test_7489(void)
{
    run_in in;
    memset(&in, 0, sizeof in);
    in.mode = MA_DMARC_MODE_7489;
    in.author = "mail.example.com";
    in.spf_result = MA_SPF_PASS;
    in.spf_domain = "example.com";
    expect(&in, MA_DMARC_PASS, MA_DMARC_POLICY_QUARANTINE, MA_DMARC_DISP_NONE, "7489: PSL org alignment");
    in.spf_domain = "example.org";
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_QUARANTINE, MA_DMARC_DISP_QUARANTINE,
           "7489: subdomain under the org record: sp");
    in.author = "pct.example";
    in.draw = 50;
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_QUARANTINE,
           "7489: pct=20, draw 50: sampled out, one level milder");
    in.draw = 10;
    expect(&in, MA_DMARC_FAIL, MA_DMARC_POLICY_REJECT, MA_DMARC_DISP_REJECT, "7489: pct=20, draw 10: applies");
}

static void test_from(void)
{
    static const struct {
        const char *msg;
        int result;
        int reason;
        const char *what;
    } cases[] = {
        { "From: a@example.com\r\n\r\nx", MA_DMARC_FAIL, MA_DMARC_R_NOT_ALIGNED, "one From" },
        { "Subject: x\r\n\r\nx", MA_DMARC_FAIL, MA_DMARC_R_FROM_NONE, "no From" },
        { "From: a@example.com\r\nFrom: b@example.org\r\n\r\nx", MA_DMARC_FAIL, MA_DMARC_R_FROM_MULTIPLE,
          "two From fields" },
        { "From: a@victim.example, b@attacker.example\r\n\r\nx", MA_DMARC_FAIL,
          MA_DMARC_R_FROM_ADDRESSES, "two addresses (CVE-2019-16378)" },
        { "From: user@example.net>\r\n\r\nx", MA_DMARC_PERMERROR, MA_DMARC_R_FROM_MALFORMED,
          "user@example.net> is malformed" },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
        ma_msg *m = NULL;
        ma_job *j = NULL;
        char name[160];
        ma_msg_new(&m, c);
        ma_dmarc_job_new(&j, c, &o);
        ma_dmarc_job_attach(j, m);
        ma_msg_write(m, cases[i].msg, strlen(cases[i].msg));
        ma_msg_finish(m);
        ma_job_run(j, r);
        snprintf(name, sizeof name, "From: %s: %s (%s)", cases[i].what, ma_dmarc_result_name(cases[i].result),
                 ma_dmarc_reason_name(cases[i].reason));
        ok((int)ma_dmarc_job_result(j) == cases[i].result && (int)ma_dmarc_job_reason(j) == cases[i].reason,
           name);
        if (cases[i].reason != MA_DMARC_R_NOT_ALIGNED)
            is_int(ma_dmarc_job_disposition(j), MA_DMARC_DISP_REJECT,
                   "no single author domain: disposition reject (RFC 7489 6.6.1)");
        ma_job_free(j);
        ma_msg_free(m);
    }
}

static void test_arc(void)
{
    ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
    const char *trusted[] = { "lists.example.org" };
    ma_job *j = NULL;
    ma_dmarc_job_new(&j, c, &o);
    ma_dmarc_job_set_author(j, "example.com");
    ma_dmarc_job_set_arc(j, 1, "Lists.Example.ORG", trusted, 1);
    ma_job_run(j, r);
    is_int(ma_dmarc_job_result(j), MA_DMARC_FAIL, "arc: the result stays fail");
    is_int(ma_dmarc_job_disposition(j), MA_DMARC_DISP_NONE, "arc: trusted forwarder: deliver");
    is_int(ma_dmarc_job_override(j), MA_DMARC_OVERRIDE_TRUSTED_FORWARDER, "arc: override recorded");
    ma_job_free(j);
    ma_dmarc_job_new(&j, c, &o);
    ma_dmarc_job_set_author(j, "example.com");
    ma_dmarc_job_set_arc(j, 1, "evil.example", trusted, 1);
    ma_job_run(j, r);
    is_int(ma_dmarc_job_disposition(j), MA_DMARC_DISP_REJECT, "arc: untrusted sealer: no override");
    ma_job_free(j);
}

int main(void)
{
    ma_static_zone *z = NULL;
    char *ar = NULL;
    ma_job *j;
    run_in in;

    ma_ctx_new(&c, NULL);
    ma_static_zone_new(&z, c);
    if (ma_static_zone_load(z, zone, strlen(zone), NULL) != MA_OK) {
        printf("# zone: %s\n", ma_static_zone_error(z));
        return 1;
    }
    ma_resolver_static_new(&r, c, z);
    test_9989();
    test_order();
    test_7489();
    test_from();
    test_arc();

    memset(&in, 0, sizeof in);
    in.author = "example.com";
    j = run(&in);
    is_int(ma_dmarc_job_authres(j, &ar), MA_OK, "authres");
    is_str(ar, "dmarc=fail (p=reject dis=reject) header.from=example.com policy.dmarc=reject",
           "authres text");
    ma_free(c, ar);
    ma_job_free(j);

    {
        /* The aggregate-report row. */
        char *row = NULL;
        memset(&in, 0, sizeof in);
        in.author = "example.com";
        in.spf_result = MA_SPF_PASS;
        in.spf_domain = "bounce.example.com";
        in.dkim_result = MA_DKIM_FAIL;
        in.dkim_domain = "example.com";
        j = run(&in);
        is_int(ma_dmarc_job_report_row(j, "192.0.2.1", &row), MA_OK, "report row");
        is_str(row,
               "<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated>"
               "<disposition>pass</disposition><dkim>fail</dkim><spf>pass</spf></policy_evaluated></row>"
               "<identifiers><header_from>example.com</header_from><envelope_from>bounce.example.com"
               "</envelope_from></identifiers><auth_results><dkim><domain>example.com</domain><selector>"
               "</selector><result>fail</result></dkim><spf><domain>bounce.example.com</domain><scope>mfrom"
               "</scope><result>pass</result></spf></auth_results></record>",
               "report row text");
        ma_free(c, row);
        is_int(ma_dmarc_job_report_row(j, "not-an-ip", &row), MA_EINVAL,
               "report row: a bad address is refused");
        ok(row == NULL, "report row: nothing after a refusal");
        ma_job_free(j);
    }
    {
        /* Verdicts from an unfinished DKIM job are refused. */
        ma_job *dk = NULL, *dm = NULL;
        ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
        ma_dkim_job_new(&dk, c, NULL);
        ma_dmarc_job_new(&dm, c, &o);
        is_int(ma_dmarc_job_add_dkim_job(dm, dk), MA_ESTATE, "add_dkim_job: the DKIM job must be done");
        is_int(ma_dmarc_job_add_dkim_job(dm, NULL), MA_EINVAL, "add_dkim_job: NULL refused");
        ma_job_free(dk);
        ma_job_free(dm);
    }
    {
        char *eff = NULL, *prob = NULL;
        static const char rec1[] = "v=DMARC1; p=reject; rua=mailto:a@example.com";
        static const char rec2[] = "v=DMARC1; p=bogus";
        static const char rec3[] = "v=DMARC1; p=quarantine; adkim=x";
        is_int(ma_dmarc_record_effective(&eff, &prob, c, rec1, strlen(rec1), MA_DMARC_MODE_9989), MA_OK,
               "effective: valid");
        ok(eff && strstr(eff, "p=reject") && strstr(eff, "sp=reject") && strstr(eff, "np=reject") &&
               strstr(eff, "adkim=r") && strstr(eff, "rua=mailto:a@example.com"),
           "effective: defaults filled in");
        ok(prob == NULL, "effective: no issue");
        ma_free(c, eff);
        is_int(ma_dmarc_record_effective(&eff, &prob, c, rec2, strlen(rec2), MA_DMARC_MODE_9989),
               MA_ESYNTAX, "effective: a bad p= without rua= is refused");
        ok(eff == NULL && prob && strstr(prob, "offset") != NULL, "effective: the problem has an offset");
        ma_free(c, prob);
        is_int(ma_dmarc_record_effective(&eff, &prob, c, rec3, strlen(rec3), MA_DMARC_MODE_9989), MA_OK,
               "effective: a bad adkim= is recovered");
        ok(eff && strstr(eff, "adkim=r") && prob && strstr(prob, "adkim") != NULL,
           "effective: default applied, issue reported");
        ma_free(c, eff);
        ma_free(c, prob);
    }

    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(c);
    return tap_done();
}
