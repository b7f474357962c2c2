/*
 * Shared helpers of the SPF conformance runners; see conf-spf.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-spf.h"

static int64_t conf_fixed_clock(void *payload)
{
    (void)payload;
    return CONF_CLOCK_MS;
}

int conf_ctx_new(ma_ctx **out)
{
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    opts.clock_fn = conf_fixed_clock;
    return ma_ctx_new(out, &opts);
}

char *conf_zone_name(const char *raw, size_t len)
{
    char *out = malloc(len * 4 + 1), *p = out;
    size_t i;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\\') {
            *p++ = '\\';
            *p++ = '\\';
        } else if (c > 0x20 && c < 0x7f) {
            *p++ = (char)c;
        } else {
            *p++ = '\\';
            *p++ = (char)('0' + c / 100);
            *p++ = (char)('0' + (c / 10) % 10);
            *p++ = (char)('0' + c % 10);
        }
    }
    *p = '\0';
    return out;
}

int conf_result_parse(const char *name, size_t len)
{
    int r;
    for (r = MA_SPF_NONE; r <= MA_SPF_PERMERROR; r++) {
        const char *n = ma_spf_result_name(r);
        size_t i;
        if (n == NULL || strlen(n) != len)
            continue;
        for (i = 0; i < len; i++) {
            char a = name[i], b = n[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (a != b)
                break;
        }
        if (i == len)
            return r;
    }
    return -1;
}

static char *conf_strdup(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    char *d = malloc(n + 1);
    if (d != NULL) {
        if (n > 0)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void conf_outcome_clear(conf_outcome *o)
{
    free(o->explanation);
    free(o->mechanism);
    free(o->problem);
    free(o->domain);
    free(o->identity);
    o->explanation = o->mechanism = o->problem = o->domain = o->identity = NULL;
}

static int conf_fail(conf_outcome *out, int status, const char *what, const char *detail)
{
    out->status = status;
    snprintf(out->error, sizeof out->error, "%s: %s%s%s", what, ma_status_str(status),
             detail != NULL && *detail ? " - " : "", detail != NULL ? detail : "");
    return status;
}

int conf_run(ma_ctx *ctx, ma_resolver *r, const conf_check *c, conf_outcome *out)
{
    ma_spf_params p = MA_SPF_PARAMS_INIT;
    ma_job *job = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    out->result = -1;
    if (c->ip == NULL)
        return conf_fail(out, MA_EINVAL, "client address", "missing");
    rc = ma_ip_parse(&p.ip, c->ip, strlen(c->ip));
    if (rc != MA_OK)
        return conf_fail(out, rc, "client address", c->ip);
    p.helo = c->helo;
    p.sender = c->sender;
    p.receiver = c->receiver;
    p.default_explanation = c->default_explanation;
    p.flags = c->flags;
    rc = ma_spf_job_new(&job, ctx, &p);
    if (rc != MA_OK)
        return conf_fail(out, rc, "ma_spf_job_new", NULL);
    rc = ma_job_run(job, r);
    if (rc != MA_JOB_DONE) {
        conf_fail(out, rc < 0 ? rc : MA_ESTATE, "ma_job_run", ma_job_error(job));
        ma_job_free(job);
        return out->status;
    }
    out->result = (int)ma_spf_job_result(job);
    out->explanation = conf_strdup(ma_spf_job_explanation(job));
    out->mechanism = conf_strdup(ma_spf_job_mechanism(job));
    out->problem = conf_strdup(ma_spf_job_problem(job));
    out->domain = conf_strdup(ma_spf_job_domain(job));
    out->identity = conf_strdup(ma_spf_job_identity(job));
    out->lookups = ma_spf_job_lookups(job);
    out->void_lookups = ma_spf_job_void_lookups(job);
    ma_job_free(job);
    if (out->explanation == NULL || out->mechanism == NULL || out->problem == NULL ||
        out->domain == NULL || out->identity == NULL) {
        conf_outcome_clear(out);
        out->result = -1;
        return conf_fail(out, MA_ENOMEM, "copying the outcome", NULL);
    }
    out->status = MA_OK;
    return MA_OK;
}

int conf_matches(const conf_outcome *o, const conf_expect *e)
{
    size_t i;
    int result_ok = 0;

    if (o->status != MA_OK || o->result < 0)
        return 0;
    for (i = 0; i < e->nwant; i++)
        if (o->result == e->want[i])
            result_ok = 1;
    if (!result_ok)
        return 0;
    if (e->exp != NULL) {
        size_t n = strlen(o->explanation);
        if (n != e->exp_len || memcmp(o->explanation, e->exp, n) != 0)
            return 0;
    }
    return 1;
}

static const char *conf_name(int r)
{
    const char *n = ma_spf_result_name(r);
    return n != NULL ? n : "?";
}

void conf_diag(const conf_check *c, const conf_outcome *o, const conf_expect *e)
{
    size_t i;
    char want[160] = "";

    conf_diag_bytes("helo:        ", c->helo, c->helo ? strlen(c->helo) : 0);
    conf_diag_bytes("ip:          ", c->ip, c->ip ? strlen(c->ip) : 0);
    conf_diag_bytes("sender:      ", c->sender, c->sender ? strlen(c->sender) : 0);
    for (i = 0; i < e->nwant; i++) {
        size_t used = strlen(want);
        snprintf(want + used, sizeof want - used, "%s%s", i ? " or " : "", conf_name(e->want[i]));
    }
    if (o->status != MA_OK) {
        printf("#   got error %s, want %s\n", o->error, want);
        fflush(stdout);
        return;
    }
    printf("#   got %s, want %s\n", conf_name(o->result), want);
    conf_diag_bytes("  identity:    ", o->identity, strlen(o->identity));
    conf_diag_bytes("  domain:      ", o->domain, strlen(o->domain));
    conf_diag_bytes("  mechanism:   ", o->mechanism, strlen(o->mechanism));
    conf_diag_bytes("  problem:     ", o->problem, strlen(o->problem));
    printf("#   lookups:     %u (void %u)\n", o->lookups, o->void_lookups);
    conf_diag_bytes("  explanation: ", o->explanation, strlen(o->explanation));
    if (e->exp != NULL)
        conf_diag_bytes("  want expl.:  ", e->exp, e->exp_len);
    fflush(stdout);
}

/*
 * Suite cases whose expectation we believe contradicts the RFC (or, for
 * one, the void-lookup counting this project chose, see below).  Each runs
 * and is reported as TAP "# TODO <reason>": an expected failure that stays
 * visible in the totals, and an error (XPASS) the day it starts passing.
 * The library is never bent to these cases.
 */
static const struct {
    const char *label;
    const char *reason;
} conf_disagreements[] = {
    { "Macro expansion rules: v-macro-ip6",
      "RFC 7208 7.4 example writes %{ir} nibbles of an IPv6 address in lower case; the suite "
      "wants upper case (pyspf's output)" },
    { "all.yml/All test: test 1",
      "RFC 7208 4.6: 'ip:' is an unknown mechanism, a syntax error anywhere is a permerror "
      "(OpenSPF detect-errors-anywhere agrees); the suite wants fail" },
    { "basic.yml/DNS Lookup Limits: test 1",
      "RFC 7208 4.6.4: void lookups SHOULD be limited to two (OpenSPF void-over-limit agrees); "
      "the suite has no void limit" },
    { "basic.yml/DNS Lookup Limits: test 8",
      "void lookups are counted per query, the address lookups of PTR names included, as pyspf "
      "does (issue 3); the suite counts them per term (RFC 7208 4.6.4 wording)" },
    { "exists.yml/Exists: test 2",
      "RFC 7208 5.7: exists looks up A records only, even for an IPv6 client (OpenSPF "
      "exists-ip6only agrees); the suite also tries AAAA" },
    { "macro.yml/Macro expansion 2: test 2",
      "RFC 7208 5.7: exists looks up A records only; the name here has only AAAA" },
};

const char *conf_disagreement(const char *label)
{
    size_t i;
    for (i = 0; i < sizeof conf_disagreements / sizeof conf_disagreements[0]; i++)
        if (strcmp(conf_disagreements[i].label, label) == 0)
            return conf_disagreements[i].reason;
    return NULL;
}
