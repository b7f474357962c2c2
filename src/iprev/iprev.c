/*
 * iprev (RFC 8601 3: the client address, its PTR names, and their forward
 * lookups) and the HELO/EHLO checks, as one sans-I/O job.
 *
 * Round 1 asks PTR for the client's reverse name and, when a HELO host
 * name was given, A/AAAA for it.  Round 2 asks A/AAAA for every usable PTR
 * name at once (at most MA_LIMIT_IPREV_NAMES of them), so an event loop
 * sends them in parallel.  The verdicts are decided once every answer
 * needed is in; answers may come in any order.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns_int.h"
#include "mailauth/iprev.h"

/* Bytes of HELO read: a host name has at most 253 octets (+ a root dot),
   an address literal fewer; anything longer fails every check. */
#define HELO_SCAN_MAX 300

/* A host name has at most 253 octets in text form without the root dot. */
#define HOST_MAX 253

typedef enum helo_kind {
    HELO_ABSENT = 0,   /* no HELO: no checks */
    HELO_NAME,         /* a host name (maybe with a root dot): looked up */
    HELO_LITERAL,      /* an address literal */
    HELO_INVALID       /* anything else: every check fails, no lookup */
} helo_kind;

/* One PTR name looked up. */
typedef struct fwd_name {
    const char *name;  /* lower case, no root dot, NUL-terminated (arena) */
    size_t len;
    uint32_t qid;
} fwd_name;

typedef struct iprev_job {
    ma_job job;
    ma_ip ip;                  /* the client as evaluated (IPv4-mapped made IPv4) */
    const ma_psl *psl;
    unsigned int flags;
    /* HELO */
    helo_kind kind;
    int helo_syntax;           /* MA_HELO_PASS / MA_HELO_FAIL */
    char *helo;                /* HELO_NAME: lower case, no root dot (arena) */
    size_t helo_len;
    ma_ip helo_ip;             /* HELO_LITERAL */
    uint32_t helo_qid;         /* 0: not asked */
    /* iprev */
    int stage;                 /* 0 start, 1 PTR asked, 2 forwards asked, 3 decided */
    uint32_t ptr_qid;
    fwd_name *names;           /* arena */
    size_t nnames;
    size_t skipped;            /* unusable PTR names */
    size_t ignored;            /* usable names beyond the limit */
    const char **verified;     /* arena; into names */
    size_t nverified;
    int result;
    int helo_res[MA_HELO_CHECK_COUNT];
    char problem[512];
    /* The arena's first chunk: a typical evaluation allocates nothing more. */
    union {
        long double align;
        unsigned char bytes[2048];
    } arena0;
} iprev_job;

static const ma_job_vtable iprev_vt;

static const iprev_job *as_iprev(const ma_job *job)
{
    return job != NULL && job->vt == &iprev_vt ? (const iprev_job *)job : NULL;
}

/* The job when it is an iprev job that is done, else NULL. */
static const iprev_job *done(const ma_job *job)
{
    const iprev_job *p = as_iprev(job);
    return p != NULL && job->status == MA_JOB_DONE ? p : NULL;
}

/* Append to the problem text ("; " between parts), truncating quietly. */
static void say(iprev_job *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(iprev_job *p, const char *fmt, ...)
{
    size_t n = strlen(p->problem);
    va_list ap;
    if (n + 3 >= sizeof p->problem)
        return;
    if (n > 0) {
        memcpy(p->problem + n, "; ", 3);
        n += 2;
    }
    va_start(ap, fmt);
    vsnprintf(p->problem + n, sizeof p->problem - n, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ syntax */

static int is_let_dig(int c)
{
    return ma__is_alpha(c) || ma__is_digit(c);
}

/*
 * Whether s (n bytes, no root dot) is a fully qualified host name:
 * RFC 5321 Domain (sub-domain = Let-dig [Ldh-str]: letters, digits, inner
 * hyphens) with labels of 1 to 63 octets, at least two labels, at most 253
 * octets, and a top label that is not all digits (RFC 3696 2), so that
 * "192.0.2.1" is not taken for a name.
 */
static int host_name_ok(const char *s, size_t n)
{
    size_t i, start = 0, labels = 0;
    int all_digits = 1;
    if (n == 0 || n > HOST_MAX)
        return 0;
    for (i = 0; i <= n; i++) {
        int c = i < n ? (unsigned char)s[i] : '.';
        if (c == '.') {
            size_t l = i - start;
            if (l == 0 || l > 63 || s[i - 1] == '-')
                return 0;
            labels++;
            if (i < n)
                all_digits = 1;
            start = i + 1;
        } else if (is_let_dig(c)) {
            if (!ma__is_digit(c))
                all_digits = 0;
        } else if (c == '-') {
            if (i == start)
                return 0;
            all_digits = 0;
        } else {
            return 0;
        }
    }
    return labels >= 2 && !all_digits;
}

/* RFC 5321 4.1.3 IPv4-address-literal: Snum 3("." Snum), Snum 1*3DIGIT <= 255. */
static int parse_v4_literal(const char *s, size_t n, ma_ip *out)
{
    size_t i = 0;
    int part;
    memset(out, 0, sizeof *out);
    out->family = MA_IP_V4;
    for (part = 0; part < 4; part++) {
        unsigned int v = 0;
        size_t digits = 0;
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
        while (i < n && ma__is_digit((unsigned char)s[i]) && digits < 3) {
            v = v * 10 + (unsigned int)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || v > 255)
            return 0;
        out->addr[part] = (unsigned char)v;
    }
    return i == n;
}

/*
 * An address literal "[...]" (RFC 5321 4.1.3): an IPv4 address or
 * "IPv6:" and an IPv6 address (the tag compared case-insensitively, ABNF
 * strings being so).  General-address-literals with other tags name no
 * standardized address and are refused.
 */
static int parse_literal(const char *s, size_t n, ma_ip *out)
{
    if (n < 3 || s[0] != '[' || s[n - 1] != ']')
        return 0;
    s++;
    n -= 2;
    if (n > 5 && ma__casecmp(s, 5, "IPv6:", 5) == 0)
        return ma_ip_parse(out, s + 5, n - 5) == MA_OK && out->family == MA_IP_V6;
    return parse_v4_literal(s, n, out);
}

/* Classify the HELO (at most HELO_SCAN_MAX bytes are read). */
static int helo_setup(iprev_job *p, const char *helo)
{
    size_t n = 0, i;
    if (helo == NULL || helo[0] == '\0') {
        p->kind = HELO_ABSENT;
        return MA_OK;
    }
    while (n <= HELO_SCAN_MAX && helo[n] != '\0')
        n++;
    p->kind = HELO_INVALID;
    p->helo_syntax = MA_HELO_FAIL;
    if (n > HELO_SCAN_MAX)
        return MA_OK;
    /* Controls, space, DEL and non-ASCII: not a Domain nor a literal. */
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)helo[i];
        if (c <= 0x20 || c >= 0x7f)
            return MA_OK;
    }
    if (helo[0] == '[') {
        if (parse_literal(helo, n, &p->helo_ip)) {
            p->kind = HELO_LITERAL;
            p->helo_syntax = MA_HELO_PASS;
        }
        return MA_OK;
    }
    {
        /* RFC 5321 Domain has no root dot: syntax fails with one, but the
           name is still looked up and compared without it. */
        int rooted = n > 1 && helo[n - 1] == '.';
        size_t len = rooted ? n - 1 : n;
        if (!host_name_ok(helo, len))
            return MA_OK;
        p->helo = ma__job_alloc(&p->job, len + 1);
        if (p->helo == NULL)
            return MA_ENOMEM;
        for (i = 0; i < len; i++)
            p->helo[i] = (char)ma__lower((unsigned char)helo[i]);
        p->helo[len] = '\0';
        p->helo_len = len;
        p->kind = HELO_NAME;
        p->helo_syntax = rooted ? MA_HELO_FAIL : MA_HELO_PASS;
    }
    return MA_OK;
}

/* ------------------------------------------------------------ the job */

static ma_dns_type addr_type(const iprev_job *p)
{
    return p->ip.family == MA_IP_V4 ? MA_DNS_A : MA_DNS_AAAA;
}

static const char *addr_type_name(const iprev_job *p)
{
    return p->ip.family == MA_IP_V4 ? "A" : "AAAA";
}

/* Whether an answer's addresses hold the client. */
static int holds_client(const iprev_job *p, const ma_dns_answer *a)
{
    size_t i, n = ma_dns_answer_count(a);
    for (i = 0; i < n; i++) {
        ma_ip ip;
        if (ma_dns_answer_addr(a, i, &ip) == MA_OK && ma_ip_equal(&ip, &p->ip))
            return 1;
    }
    return 0;
}

static int is_dns_error(ma_dns_rcode rc)
{
    /* A malformed or refused answer is no more final than a timeout
       (RFC 8601 2.7.3 temperror: "or other error condition resulted"). */
    return rc == MA_DNS_TEMPFAIL || rc == MA_DNS_PERMFAIL;
}

/*
 * Read the PTR answer: keep the usable names (at most the limit, each
 * once) and ask for their addresses, all at once.  Sets the stage to 2
 * (forwards asked) or 3 (decided).
 */
static int read_ptr(iprev_job *p, const ma_dns_answer *a, const char *rev)
{
    ma_dns_rcode rc = ma_dns_answer_rcode(a);
    size_t i, n, max = (size_t)ma__limit(p->job.ctx, MA_LIMIT_IPREV_NAMES);
    const char *first_skipped = NULL;
    int limit_hit = 0;

    if (rc != MA_DNS_OK) {
        if (is_dns_error(rc)) {
            p->result = MA_IPREV_TEMPERROR;
            say(p, "PTR lookup for %s failed (%s)", rev, ma_dns_rcode_name(rc));
        } else {
            /* 2.7.3 permerror: no PTR data published. */
            p->result = MA_IPREV_PERMERROR;
            say(p, "no PTR record for %s (%s)", rev, ma_dns_rcode_name(rc));
        }
        p->stage = 3;
        return MA_OK;
    }
    n = ma_dns_answer_count(a);
    if (max > n)
        max = n;
    p->names = ma__job_alloc(&p->job, max * sizeof *p->names);
    p->verified = ma__job_alloc(&p->job, max * sizeof *p->verified);
    if (p->names == NULL || p->verified == NULL)
        return MA_ENOMEM;
    for (i = 0; i < n; i++) {
        const char *name;
        char low[HOST_MAX + 1];
        size_t len, k;
        int dup = 0, r;
        uint32_t qid;
        if (ma_dns_answer_ptr(a, i, &name) != MA_OK)
            continue;
        len = strlen(name);
        if (len > 0 && name[len - 1] == '.')
            len--;
        if (!host_name_ok(name, len)) {
            if (p->skipped++ == 0)
                first_skipped = name;
            continue;
        }
        for (k = 0; k < len; k++)
            low[k] = (char)ma__lower((unsigned char)name[k]);
        low[len] = '\0';
        for (k = 0; k < p->nnames && !dup; k++)
            dup = p->names[k].len == len && memcmp(p->names[k].name, low, len) == 0;
        if (dup)
            continue;
        if (limit_hit || p->nnames == max) {
            p->ignored++;
            continue;
        }
        r = ma__job_ask(&p->job, low, len, addr_type(p), &qid);
        if (r == MA_ELIMIT) {
            /* The job's question limit: treat the rest as beyond the limit. */
            limit_hit = 1;
            p->ignored++;
            continue;
        }
        if (r != MA_OK)
            return r;
        p->names[p->nnames].name = ma__job_strndup(&p->job, low, len);
        if (p->names[p->nnames].name == NULL)
            return MA_ENOMEM;
        p->names[p->nnames].len = len;
        p->names[p->nnames].qid = qid;
        p->nnames++;
    }
    if (p->skipped > 0) {
        /* The name may hold anything: show a safe prefix of it. */
        char shown[64];
        size_t k;
        for (k = 0; k + 1 < sizeof shown && first_skipped[k] != '\0'; k++) {
            unsigned char c = (unsigned char)first_skipped[k];
            shown[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        shown[k] = '\0';
        say(p, "%zu unusable PTR name%s skipped (first: \"%s%s\")", p->skipped,
            p->skipped == 1 ? "" : "s", shown, first_skipped[k] != '\0' ? "..." : "");
    }
    if (p->ignored > 0)
        say(p, "%zu PTR name%s beyond the limit of %zu ignored", p->ignored,
            p->ignored == 1 ? "" : "s", p->nnames);
    if (p->nnames == 0) {
        p->result = MA_IPREV_PERMERROR;
        say(p, "no usable PTR name for %s", rev);
        p->stage = 3;
        return MA_OK;
    }
    p->stage = 2;
    return MA_OK;
}

/* Every forward answer is in: the iprev verdict. */
static void decide(iprev_job *p)
{
    size_t i, failed = 0;
    const char *first_failed = NULL;
    char ipt[MA_IP_TEXT_MAX];

    for (i = 0; i < p->nnames; i++) {
        const ma_dns_answer *a = ma__job_answer_get(&p->job, p->names[i].qid);
        ma_dns_rcode rc = ma_dns_answer_rcode(a);
        if (rc == MA_DNS_OK && holds_client(p, a)) {
            p->verified[p->nverified++] = p->names[i].name;
        } else if (is_dns_error(rc)) {
            if (failed++ == 0)
                first_failed = p->names[i].name;
        }
    }
    if (ma_ip_format(&p->ip, ipt, sizeof ipt) != MA_OK)
        ipt[0] = '\0';
    if (p->nverified > 0) {
        p->result = MA_IPREV_PASS;
    } else if (failed > 0) {
        p->result = MA_IPREV_TEMPERROR;
        say(p, "%s lookup for %s failed, and no other PTR name has %s", addr_type_name(p),
            first_failed, ipt);
    } else {
        p->result = MA_IPREV_FAIL;
        if (p->nnames == 1)
            say(p, "no %s record of %s holds %s", addr_type_name(p), p->names[0].name, ipt);
        else
            say(p, "no %s record of the %zu PTR names (first: %s) holds %s", addr_type_name(p),
                p->nnames, p->names[0].name, ipt);
    }
    p->stage = 3;
}

/* The HELO verdicts, once iprev is decided and the HELO answer is in. */
static void decide_helo(iprev_job *p)
{
    int resolves, matches = MA_HELO_FAIL;
    size_t i;

    if (p->kind == HELO_ABSENT)
        return;
    p->helo_res[MA_HELO_SYNTAX] = p->helo_syntax;
    if (p->kind == HELO_LITERAL) {
        resolves = ma_ip_equal(&p->helo_ip, &p->ip) ? MA_HELO_PASS : MA_HELO_FAIL;
    } else if (p->kind == HELO_NAME && p->helo_qid != 0) {
        const ma_dns_answer *a = ma__job_answer_get(&p->job, p->helo_qid);
        ma_dns_rcode rc = ma_dns_answer_rcode(a);
        if (is_dns_error(rc))
            resolves = MA_HELO_TEMPERROR;
        else
            resolves = rc == MA_DNS_OK && holds_client(p, a) ? MA_HELO_PASS : MA_HELO_FAIL;
    } else {
        resolves = MA_HELO_FAIL;
    }
    p->helo_res[MA_HELO_RESOLVES] = resolves;

    if (p->kind == HELO_NAME) {
        if (p->result == MA_IPREV_TEMPERROR) {
            matches = MA_HELO_TEMPERROR;
        } else if (p->result == MA_IPREV_PASS) {
            char horg[256];
            int have_horg = -1; /* not computed yet */
            for (i = 0; i < p->nverified && matches != MA_HELO_PASS; i++)
                if (ma_domain_equal(p->helo, p->helo_len, p->verified[i], strlen(p->verified[i])))
                    matches = MA_HELO_PASS;
            for (i = 0; i < p->nverified && matches != MA_HELO_PASS &&
                        !(p->flags & MA_IPREV_HELO_EXACT);
                 i++) {
                char org[256];
                if (have_horg < 0)
                    have_horg = ma_psl_org_domain(p->psl, p->helo, horg, sizeof horg) == MA_OK;
                if (!have_horg)
                    break;
                if (ma_psl_org_domain(p->psl, p->verified[i], org, sizeof org) == MA_OK &&
                    strcmp(org, horg) == 0)
                    matches = MA_HELO_PASS;
            }
        }
    }
    p->helo_res[MA_HELO_MATCHES_RDNS] = matches;
}

static int iprev_step(ma_job *job)
{
    iprev_job *p = (iprev_job *)job;
    char rev[MA_IP_REVERSE_MAX];
    const ma_dns_answer *a;
    size_t i;
    int rc;

    if (ma_ip_reverse_name(&p->ip, rev, sizeof rev) != MA_OK)
        return ma__job_fail(job, MA_EINTERNAL, "no reverse name for the client address");
    if (p->stage == 0) {
        rc = ma__job_ask(job, rev, strlen(rev), MA_DNS_PTR, &p->ptr_qid);
        if (rc != MA_OK)
            return rc;
        /* The HELO question goes in the same round. */
        if (p->kind == HELO_NAME) {
            rc = ma__job_ask(job, p->helo, p->helo_len, addr_type(p), &p->helo_qid);
            if (rc != MA_OK)
                return rc;
        }
        p->stage = 1;
    }
    if (p->stage == 1) {
        a = ma__job_answer_get(job, p->ptr_qid);
        if (a == NULL)
            return MA_JOB_NEED_DNS;
        rc = read_ptr(p, a, rev);
        if (rc != MA_OK)
            return rc;
    }
    if (p->stage == 2) {
        for (i = 0; i < p->nnames; i++)
            if (ma__job_answer_get(job, p->names[i].qid) == NULL)
                return MA_JOB_NEED_DNS;
        decide(p);
    }
    if (p->helo_qid != 0 && ma__job_answer_get(job, p->helo_qid) == NULL)
        return MA_JOB_NEED_DNS;
    decide_helo(p);
    return MA_JOB_DONE;
}

static const ma_job_vtable iprev_vt = { "iprev", iprev_step, NULL };

/* ------------------------------------------------------------ public API */

const char *ma_iprev_result_name(int result)
{
    static const char *const names[] = { "none", "pass", "fail", "temperror", "permerror" };
    return result >= 0 && result <= MA_IPREV_PERMERROR ? names[result] : NULL;
}

const char *ma_helo_check_name(int which)
{
    static const char *const names[] = { "syntax", "resolves", "matches-rdns" };
    return which >= 0 && which < MA_HELO_CHECK_COUNT ? names[which] : NULL;
}

const char *ma_helo_result_name(int result)
{
    static const char *const names[] = { "none", "pass", "fail", "temperror" };
    return result >= 0 && result <= MA_HELO_TEMPERROR ? names[result] : NULL;
}

int ma_iprev_params_init(ma_iprev_params *params, unsigned int version)
{
    static const ma_iprev_params init = MA_IPREV_PARAMS_INIT;
    if (params == NULL)
        return MA_EINVAL;
    if (version != MA_IPREV_PARAMS_VERSION)
        return MA_EVERSION;
    *params = init;
    return MA_OK;
}

int ma_iprev_job_new(ma_job **out, ma_ctx *ctx, const ma_iprev_params *params)
{
    iprev_job *p;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || params == NULL)
        return MA_EINVAL;
    if (params->version != MA_IPREV_PARAMS_VERSION)
        return MA_EVERSION;
    if ((params->ip.family != MA_IP_V4 && params->ip.family != MA_IP_V6) ||
        (params->flags & ~(unsigned int)MA_IPREV_HELO_EXACT) != 0)
        return MA_EINVAL;
    p = ma__alloc(ctx, sizeof *p);
    if (p == NULL)
        return MA_ENOMEM;
    /* Everything but the arena's first chunk starts zeroed. */
    memset(p, 0, offsetof(iprev_job, arena0));
    ma__job_init(&p->job, ctx, &iprev_vt);
    ma__job_arena_seed(&p->job, p->arena0.bytes, sizeof p->arena0.bytes);
    /* An IPv4-mapped IPv6 client is the IPv4 client it carries: in-addr.arpa, A. */
    if (!ma_ip_unmap_v4(&params->ip, &p->ip))
        p->ip = params->ip;
    p->psl = params->psl;
    p->flags = params->flags;
    p->result = MA_IPREV_NONE;
    rc = helo_setup(p, params->helo);
    if (rc != MA_OK) {
        ma_job_free(&p->job);
        return rc;
    }
    *out = &p->job;
    return MA_OK;
}

ma_iprev_result ma_iprev_job_result(const ma_job *job)
{
    const iprev_job *p = done(job);
    return p ? (ma_iprev_result)p->result : MA_IPREV_NONE;
}

size_t ma_iprev_job_name_count(const ma_job *job)
{
    const iprev_job *p = done(job);
    return p ? p->nverified : 0;
}

const char *ma_iprev_job_name(const ma_job *job, size_t i)
{
    const iprev_job *p = done(job);
    return p && i < p->nverified ? p->verified[i] : NULL;
}

const char *ma_iprev_job_problem(const ma_job *job)
{
    const iprev_job *p = as_iprev(job);
    return p ? p->problem : "";
}

int ma_iprev_job_helo(const ma_job *job, int which)
{
    const iprev_job *p = as_iprev(job);
    if (p == NULL || which < 0 || which >= MA_HELO_CHECK_COUNT)
        return MA_EINVAL;
    return job->status == MA_JOB_DONE ? p->helo_res[which] : MA_HELO_NONE;
}

int ma_iprev_authres(char **out, const ma_job *job)
{
    const iprev_job *p = as_iprev(job);
    char ipt[MA_IP_TEXT_MAX];
    ma_buf b;
    int rc, v6;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (p == NULL)
        return MA_EINVAL;
    if (job->status != MA_JOB_DONE)
        return MA_ESTATE;
    rc = ma_ip_format(&p->ip, ipt, sizeof ipt);
    if (rc != MA_OK)
        return rc;
    /* RFC 8601 2.7.3 and B.4: ptype "policy", property "iprev", the
       client address as the value; ':' is a tspecial (RFC 2045), so an
       IPv6 address is a quoted-string. */
    v6 = p->ip.family == MA_IP_V6;
    ma__buf_init(&b, job->ctx);
    rc = ma__buf_printf(&b, "iprev=%s policy.iprev=%s%s%s", ma_iprev_result_name(p->result),
                        v6 ? "\"" : "", ipt, v6 ? "\"" : "");
    if (rc != MA_OK) {
        ma__buf_free(&b);
        return rc;
    }
    *out = ma__buf_steal(&b, NULL);
    return *out ? MA_OK : MA_ENOMEM;
}
