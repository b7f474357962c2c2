/*
 * ARC chain validation (RFC 8617 5.2) as a sans-I/O job.
 *
 * At the end of the header: collect the sets (AAR, AMS, AS by instance),
 * check the structure (5.2 steps 1-3), hash every AMS's signed header
 * fields and every AS's signing scope (5.1.1: the sets 1..k in increasing
 * instance order, AAR, AMS, AS within a set, relaxed; the AS being checked
 * without its b= value and final CRLF), set up the body hashes the AMSes
 * need and ask every key at once.  When the message is complete and the
 * keys are in: the newest AMS must verify (step 4), older ones give the
 * oldest-pass value (step 5), every AS must verify (step 6).  All failures
 * are permanent (5.2.1), DNS failures included.
 *
 * Parsing, canonicalisation, key records and signature checks are the
 * DKIM code's (src/dkim): one implementation.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/canon_int.h"
#include "dkim/keymemo_int.h"
#include "dkim/sig_int.h"
#include "mailauth/arc.h"

typedef struct arc_set {
    long aar, ams, as;           /* field indices, -1 when missing */
    unsigned int naar, nams, nas;
    ma_dkim_sig ams_sig, as_sig;
    int ams_parsed, as_parsed;
    uint32_t ams_q, as_q;
    unsigned char ams_hh[MA_DIGEST_MAX], as_hh[MA_DIGEST_MAX];
    size_t ams_hh_len, as_hh_len;
    long hasher;                 /* body hash of the AMS, or -1 */
    int ams_result, as_result;   /* ma_dkim_result; NONE when not checked */
} arc_set;

typedef struct arc_hasher {
    ma_dkim_canon canon;
    uint64_t limit;
    ma_hash hash;
    ma_digest *digest;
    ma_canon_body body;
    unsigned char md[MA_DIGEST_MAX];
    size_t md_len;
} arc_hasher;

typedef struct arc_job {
    ma_job job;
    ma_msg *msg;
    int header_seen, body_done, checked, status;
    arc_set sets[MA_ARC_MAX_INSTANCE + 1];   /* by instance; [0] unused */
    unsigned int n;
    arc_hasher h[MA_ARC_MAX_INSTANCE];
    size_t nh;
    int result;                  /* ma_arc_result, -1 while undecided */
    unsigned int fail_i, oldest;
    char problem[320];
    ma_buf scratch;
} arc_job;

static const ma_job_vtable arc_vt;

static void arc_fail(arc_job *a, unsigned int i, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void arc_fail(arc_job *a, unsigned int i, const char *fmt, ...)
{
    va_list ap;
    int n = 0;
    a->result = MA_ARC_FAIL;
    a->fail_i = i;
    if (i > a->n)
        a->n = i; /* a failure found while collecting: the sets seen so far */
    if (i > 0)
        n = snprintf(a->problem, sizeof a->problem, "i=%u: ", i);
    va_start(ap, fmt);
    vsnprintf(a->problem + n, sizeof a->problem - (size_t)n, fmt, ap);
    va_end(ap);
}

/* The instance of an ARC-Authentication-Results value: [CFWS] "i" [CFWS]
   "=" [CFWS] 1*2DIGIT [CFWS] ";" (RFC 8617 4.1.1, 4.2.1); 0 if malformed. */
static unsigned int aar_instance(const char *v, size_t len)
{
    size_t i = 0;
    unsigned int n = 0, digits = 0;
    int depth;
#define SKIP_CFWS()                                                              \
    for (;;) {                                                                   \
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) \
            i++;                                                                 \
        if (i < len && v[i] == '(') {                                            \
            for (depth = 0; i < len; i++) {                                      \
                if (v[i] == '\\' && i + 1 < len) {                               \
                    i++;                                                         \
                    continue;                                                    \
                }                                                                \
                if (v[i] == '(' && ++depth > 16)                                 \
                    return 0;                                                    \
                if (v[i] == ')' && --depth == 0) {                               \
                    i++;                                                         \
                    break;                                                       \
                }                                                                \
            }                                                                    \
            if (depth != 0)                                                      \
                return 0;                                                        \
            continue;                                                            \
        }                                                                        \
        break;                                                                   \
    }
    SKIP_CFWS();
    if (i >= len || (v[i] != 'i' && v[i] != 'I'))
        return 0;
    i++;
    SKIP_CFWS();
    if (i >= len || v[i] != '=')
        return 0;
    i++;
    SKIP_CFWS();
    while (i < len && v[i] >= '0' && v[i] <= '9' && digits < 3) {
        n = n * 10 + (unsigned int)(v[i] - '0');
        digits++;
        i++;
    }
    if (digits == 0 || digits > 2)
        return 0;
    SKIP_CFWS();
#undef SKIP_CFWS
    if (i >= len || v[i] != ';')
        return 0;
    return n >= 1 && n <= MA_ARC_MAX_INSTANCE ? n : 0;
}

static long hasher_for(arc_job *a, ma_dkim_canon canon, uint64_t limit, ma_hash hash)
{
    arc_hasher *h;
    size_t i;
    int rc;
    for (i = 0; i < a->nh; i++)
        if (a->h[i].canon == canon && a->h[i].limit == limit && a->h[i].hash == hash)
            return (long)i;
    h = &a->h[a->nh];
    memset(h, 0, sizeof *h);
    h->canon = canon;
    h->limit = limit;
    h->hash = hash;
    rc = ma__digest_new(&h->digest, a->job.ctx, hash);
    if (rc != MA_OK)
        return rc;
    rc = ma__canon_body_init(&h->body, canon, limit, h->digest);
    if (rc != MA_OK) {
        ma__digest_free(h->digest);
        return rc;
    }
    return (long)a->nh++;
}

/* Hash one raw field, or (last) the field without its b= value and CRLF. */
static int hash_field(arc_job *a, ma_digest *d, ma_dkim_canon canon, long field, int strip)
{
    const char *raw;
    size_t len;
    int rc = ma_msg_field_raw(a->msg, (size_t)field, &raw, &len);
    if (rc != MA_OK)
        return rc;
    if (!strip)
        return ma__canon_header_hash(d, &a->scratch, canon, raw, len, 0);
    {
        ma_buf s;
        ma__buf_init(&s, a->job.ctx);
        rc = ma__dkim_strip_b(&s, a->job.ctx, raw, len);
        if (rc == MA_OK)
            rc = ma__canon_header_hash(d, &a->scratch, canon, s.data, s.len, MA_CANON_NO_CRLF);
        ma__buf_free(&s);
        return rc;
    }
}

/* The AMS header hash (RFC 6376 3.7 with the AMS as the signature field). */
static int ams_hash(arc_job *a, arc_set *s)
{
    const ma_ctx *ctx = a->job.ctx;
    ma_dkim_sig *sig = &s->ams_sig;
    ma_digest *d = NULL;
    long *idx = NULL;
    size_t k;
    int rc;

    if (sig->nheaders > 0 && (idx = ma__calloc(ctx, sig->nheaders, sizeof *idx)) == NULL)
        return MA_ENOMEM;
    rc = ma__dkim_select_headers(idx, NULL, ctx, a->msg, sig->headers, sig->nheaders);
    if (rc == MA_OK)
        rc = ma__digest_new(&d, ctx, ma__dkim_alg_hash(sig->alg));
    for (k = 0; rc == MA_OK && k < sig->nheaders; k++)
        if (idx[k] >= 0)
            rc = hash_field(a, d, sig->hcanon, idx[k], 0);
    if (rc == MA_OK)
        rc = hash_field(a, d, sig->hcanon, s->ams, 1);
    if (rc == MA_OK)
        rc = ma__digest_final(d, s->ams_hh, &s->ams_hh_len);
    ma__digest_free(d);
    ma__free(ctx, idx);
    return rc;
}

/* The AS header hash (5.1.1): sets 1..k, AAR, AMS, AS; the AS of k stripped. */
static int as_hash(arc_job *a, unsigned int k)
{
    ma_digest *d = NULL;
    unsigned int i;
    int rc = ma__digest_new(&d, a->job.ctx, ma__dkim_alg_hash(a->sets[k].as_sig.alg));
    for (i = 1; rc == MA_OK && i <= k; i++) {
        rc = hash_field(a, d, MA_DKIM_RELAXED, a->sets[i].aar, 0);
        if (rc == MA_OK)
            rc = hash_field(a, d, MA_DKIM_RELAXED, a->sets[i].ams, 0);
        if (rc == MA_OK)
            rc = hash_field(a, d, MA_DKIM_RELAXED, a->sets[i].as, i == k);
    }
    if (rc == MA_OK)
        rc = ma__digest_final(d, a->sets[k].as_hh, &a->sets[k].as_hh_len);
    ma__digest_free(d);
    return rc;
}

static int ask_key(arc_job *a, const ma_dkim_sig *sig, uint32_t *id)
{
    ma_buf name;
    int rc;
    ma__buf_init(&name, a->job.ctx);
    rc = ma__dkim_sig_key_name(&name, sig);
    if (rc == MA_OK)
        rc = ma__job_ask(&a->job, name.data, name.len, MA_DNS_TXT, id);
    ma__buf_free(&name);
    return rc;
}

/* Steps 1-3 and the setup of 4-6. */
static int collect(arc_job *a, ma_msg *msg)
{
    const ma_ctx *ctx = a->job.ctx;
    size_t nf = ma_msg_field_count(msg), f;
    unsigned int i, max = 0, nsets = 0;
    int rc;

    for (i = 0; i <= MA_ARC_MAX_INSTANCE; i++) {
        a->sets[i].aar = a->sets[i].ams = a->sets[i].as = -1;
        a->sets[i].hasher = -1;
    }
    for (f = 0; f < nf; f++) {
        const char *name, *value;
        size_t nlen, vlen;
        int kind;
        ma_dkim_sig sig;
        ma_dkim_perr perr;
        ma_msg_field(msg, f, &name, &nlen, &value, &vlen);
        if (nlen == 26 && ma__casecmp(name, nlen, "ARC-Authentication-Results", 26) == 0) {
            unsigned int in = aar_instance(value, vlen);
            if (in == 0) {
                arc_fail(a, 0, "an ARC-Authentication-Results field without a valid instance");
                return MA_OK;
            }
            if (a->sets[in].naar++ == 0)
                a->sets[in].aar = (long)f;
            max = in > max ? in : max;
            nsets++;
            continue;
        }
        kind = ma__dkim_sig_kind_of(name, nlen);
        if (kind != MA_DKIM_SIG_AMS && kind != MA_DKIM_SIG_AS)
            continue;
        nsets++;
        rc = ma__dkim_sig_parse(&sig, ctx, (ma_dkim_sig_kind)kind, value, vlen, &perr);
        if (rc == MA_ENOMEM) {
            ma__dkim_sig_free(&sig, ctx);
            return rc;
        }
        if (rc != MA_OK || sig.instance == 0) {
            arc_fail(a, sig.instance, "%s: %s", ma__dkim_sig_kind_name((ma_dkim_sig_kind)kind),
                     perr.e.text);
            ma__dkim_sig_free(&sig, ctx);
            return MA_OK;
        }
        i = sig.instance;
        max = i > max ? i : max;
        if (kind == MA_DKIM_SIG_AMS) {
            if (a->sets[i].nams++ == 0) {
                a->sets[i].ams = (long)f;
                a->sets[i].ams_sig = sig;
                a->sets[i].ams_parsed = 1;
                continue;
            }
        } else if (a->sets[i].nas++ == 0) {
            a->sets[i].as = (long)f;
            a->sets[i].as_sig = sig;
            a->sets[i].as_parsed = 1;
            continue;
        }
        ma__dkim_sig_free(&sig, ctx);
    }
    if (nsets == 0) {
        a->result = MA_ARC_NONE;
        return MA_OK;
    }
    a->n = max;
    /* 5.2 step 1: at most 50 sets (bigger instances were refused above). */
    if (nsets > 3 * MA_ARC_MAX_INSTANCE) {
        arc_fail(a, 0, "more than %d ARC sets", MA_ARC_MAX_INSTANCE);
        return MA_OK;
    }
    /* Step 2: the newest seal says the chain already failed. */
    if (a->sets[max].as_parsed && a->sets[max].as_sig.cv == MA_DKIM_CV_FAIL) {
        arc_fail(a, max, "the newest ARC-Seal says cv=fail");
        return MA_OK;
    }
    /* Step 3: exactly one of each per set, instances 1..N, cv rules. */
    for (i = 1; i <= max; i++) {
        arc_set *s = &a->sets[i];
        if (s->naar != 1 || s->nams != 1 || s->nas != 1) {
            arc_fail(a, i, "the set has %u AAR, %u AMS and %u AS fields (one each needed)", s->naar,
                     s->nams, s->nas);
            return MA_OK;
        }
        if (s->as_sig.cv != (i == 1 ? MA_DKIM_CV_NONE : MA_DKIM_CV_PASS)) {
            arc_fail(a, i, "cv= must be %s", i == 1 ? "none" : "pass");
            return MA_OK;
        }
    }
    /* Steps 4-6: hashes and keys, all at once. */
    for (i = 1; i <= max; i++) {
        arc_set *s = &a->sets[i];
        long h;
        rc = ams_hash(a, s);
        if (rc == MA_OK)
            rc = as_hash(a, i);
        if (rc != MA_OK)
            return rc;
        h = hasher_for(a, s->ams_sig.bcanon, s->ams_sig.has_l ? s->ams_sig.l : MA_CANON_NO_LIMIT,
                       ma__dkim_alg_hash(s->ams_sig.alg));
        if (h < 0)
            return (int)h;
        s->hasher = h;
        rc = ask_key(a, &s->ams_sig, &s->ams_q);
        if (rc == MA_OK)
            rc = ask_key(a, &s->as_sig, &s->as_q);
        if (rc == MA_ESYNTAX) {
            arc_fail(a, i, "a key name is not a valid DNS name");
            return MA_OK;
        }
        if (rc != MA_OK)
            return rc;
    }
    return MA_OK;
}

static int on_header(ma_msg *msg, void *payload)
{
    arc_job *a = payload;
    int rc;
    a->header_seen = 1;
    rc = collect(a, msg);
    if (rc != MA_OK)
        a->status = rc;
    return rc;
}

static int on_body(const char *data, size_t len, void *payload)
{
    arc_job *a = payload;
    size_t i;
    int rc;
    for (i = 0; i < a->nh; i++) {
        arc_hasher *h = &a->h[i];
        rc = data ? ma__canon_body_update(&h->body, data, len) : ma__canon_body_finish(&h->body);
        if (rc == MA_OK && data == NULL)
            rc = ma__digest_final(h->digest, h->md, &h->md_len);
        if (rc != MA_OK)
            return a->status = rc;
    }
    if (data == NULL)
        a->body_done = 1;
    return MA_OK;
}

/* One signature against its key: a ma_dkim_result; *why and text on failure. */
static int check_sig(arc_job *a, const ma_dkim_sig *sig, uint32_t q, const unsigned char *hh,
                     size_t hh_len, const arc_hasher *body, char *text, size_t tsize, int *rc_out)
{
    const ma_dns_answer *ans = ma__job_answer_get(&a->job, q);
    ma_dkim_keymemo *k, *own = NULL;
    ma_dkim_reason why;
    unsigned int bits;
    int r, good = 0;

    *rc_out = MA_OK;
    if (sig->alg == MA_DKIM_RSA_SHA1) {
        snprintf(text, tsize, "rsa-sha1 is not accepted (RFC 8301)");
        return MA_DKIM_PERMERROR;
    }
    if (ans == NULL || ma_dns_answer_rcode(ans) != MA_DNS_OK) {
        /* 5.2.1: DNS failures are permanent for ARC. */
        snprintf(text, tsize, "no key at %s._domainkey.%s", sig->selector, sig->domain);
        return MA_DKIM_PERMERROR;
    }
    k = ma__dkim_keymemo_get(a->job.ctx, ans, &own);
    if (k == NULL) {
        *rc_out = MA_ENOMEM;
        return MA_DKIM_PERMERROR;
    }
    r = MA_DKIM_PERMERROR;
    if (!ma__dkim_keymemo_check(k, sig, &why, text, tsize, &bits))
        goto out;
    r = MA_DKIM_FAIL;
    if (body != NULL) {
        if (sig->has_l && sig->l > ma__canon_body_length(&body->body)) {
            snprintf(text, tsize, "l= is longer than the body");
            goto out;
        }
        if (sig->bh_len != body->md_len || !ma__crypto_equal(sig->bh, body->md, body->md_len)) {
            snprintf(text, tsize, "the body hash does not match bh=");
            goto out;
        }
    }
    *rc_out = ma__dkim_keymemo_signature(k, sig, hh, hh_len, &good);
    if (*rc_out == MA_OK && good)
        r = MA_DKIM_PASS;
    else if (*rc_out == MA_OK)
        snprintf(text, tsize, "the signature does not verify");
out:
    ma__dkim_keymemo_release(own, a->job.ctx);
    return r;
}

static int arc_step(ma_job *job)
{
    arc_job *a = (arc_job *)job;
    char text[300];
    unsigned int i;
    int rc, r;

    if (a->status != MA_OK)
        return a->status;
    if (a->msg == NULL)
        return ma__job_fail(job, MA_ESTATE, "no message attached");
    if (!a->header_seen)
        return job->npending ? MA_JOB_NEED_DNS : MA_JOB_NEED_INPUT;
    if (a->result >= 0)
        return MA_JOB_DONE;
    if (job->npending > 0)
        return MA_JOB_NEED_DNS;
    if (!a->body_done)
        return MA_JOB_NEED_INPUT;
    a->checked = 1;
    /* Step 4: the newest AMS. */
    for (i = a->n; i >= 1; i--) {
        arc_set *s = &a->sets[i];
        s->ams_result = check_sig(a, &s->ams_sig, s->ams_q, s->ams_hh, s->ams_hh_len, &a->h[s->hasher],
                                  text, sizeof text, &rc);
        if (rc != MA_OK)
            return rc;
        if (s->ams_result != MA_DKIM_PASS) {
            if (i == a->n) {
                arc_fail(a, i, "ARC-Message-Signature: %s", text);
                return MA_JOB_DONE;
            }
            /* Step 5: older AMSes only give the oldest pass. */
            a->oldest = i + 1;
            break;
        }
    }
    /* Step 6: every AS, newest first. */
    for (i = a->n; i >= 1; i--) {
        arc_set *s = &a->sets[i];
        r = check_sig(a, &s->as_sig, s->as_q, s->as_hh, s->as_hh_len, NULL, text, sizeof text, &rc);
        if (rc != MA_OK)
            return rc;
        s->as_result = r;
        if (r != MA_DKIM_PASS) {
            arc_fail(a, i, "ARC-Seal: %s", text);
            return MA_JOB_DONE;
        }
    }
    a->result = MA_ARC_PASS;
    return MA_JOB_DONE;
}

static void arc_destroy(ma_job *job)
{
    arc_job *a = (arc_job *)job;
    unsigned int i;
    for (i = 0; i <= MA_ARC_MAX_INSTANCE; i++) {
        if (a->sets[i].ams_parsed)
            ma__dkim_sig_free(&a->sets[i].ams_sig, job->ctx);
        if (a->sets[i].as_parsed)
            ma__dkim_sig_free(&a->sets[i].as_sig, job->ctx);
    }
    for (i = 0; i < a->nh; i++)
        ma__digest_free(a->h[i].digest);
    ma__buf_free(&a->scratch);
}

static const ma_job_vtable arc_vt = { "arc", arc_step, arc_destroy };

/* -------------------------------------------------------------- public API */

const char *ma_arc_result_name(int result)
{
    static const char *const names[] = { "none", "pass", "fail" };
    return result >= 0 && result <= MA_ARC_FAIL ? names[result] : NULL;
}

int ma_arc_job_new(ma_job **out, ma_ctx *ctx, const void *opts)
{
    arc_job *a;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || opts != NULL)
        return MA_EINVAL;
    a = ma__calloc(ctx, 1, sizeof *a);
    if (a == NULL)
        return MA_ENOMEM;
    ma__job_init(&a->job, ctx, &arc_vt);
    ma__buf_init(&a->scratch, ctx);
    a->result = -1;
    *out = &a->job;
    return MA_OK;
}

int ma_arc_job_attach(ma_job *job, ma_msg *msg)
{
    arc_job *a = job != NULL && job->vt == &arc_vt ? (arc_job *)job : NULL;
    int rc;
    if (a == NULL || msg == NULL)
        return MA_EINVAL;
    if (a->msg != NULL || ma_msg_header_done(msg))
        return MA_ESTATE;
    rc = ma_msg_on_header(msg, on_header, a);
    if (rc == MA_OK)
        rc = ma_msg_add_body_consumer(msg, on_body, a);
    if (rc == MA_OK)
        a->msg = msg;
    return rc;
}

static const arc_job *as_arc(const ma_job *job)
{
    return job != NULL && job->vt == &arc_vt ? (const arc_job *)job : NULL;
}

ma_arc_result ma_arc_job_result(const ma_job *job)
{
    const arc_job *a = as_arc(job);
    return a && job->status == MA_JOB_DONE && a->result >= 0 ? (ma_arc_result)a->result : MA_ARC_NONE;
}

unsigned int ma_arc_job_count(const ma_job *job)
{
    const arc_job *a = as_arc(job);
    return a ? a->n : 0;
}

unsigned int ma_arc_job_oldest_pass(const ma_job *job)
{
    const arc_job *a = as_arc(job);
    return a ? a->oldest : 0;
}

unsigned int ma_arc_job_fail_instance(const ma_job *job)
{
    const arc_job *a = as_arc(job);
    return a ? a->fail_i : 0;
}

const char *ma_arc_job_problem(const ma_job *job)
{
    const arc_job *a = as_arc(job);
    return a ? a->problem : "";
}

static const arc_set *set_at(const ma_job *job, unsigned int i)
{
    const arc_job *a = as_arc(job);
    return a && i >= 1 && i <= a->n ? &a->sets[i] : NULL;
}

const char *ma_arc_job_sealer(const ma_job *job, unsigned int i)
{
    const arc_set *s = set_at(job, i);
    return s && s->as_parsed && s->as_sig.domain ? s->as_sig.domain : "";
}

const char *ma_arc_job_seal_selector(const ma_job *job, unsigned int i)
{
    const arc_set *s = set_at(job, i);
    return s && s->as_parsed && s->as_sig.selector ? s->as_sig.selector : "";
}

int ma_arc_job_ams_result(const ma_job *job, unsigned int i)
{
    const arc_set *s = set_at(job, i);
    return s ? s->ams_result : 0;
}

int ma_arc_job_as_result(const ma_job *job, unsigned int i)
{
    const arc_set *s = set_at(job, i);
    return s ? s->as_result : 0;
}
