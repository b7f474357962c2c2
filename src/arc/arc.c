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

#include "authres/authres_int.h"
#include "dkim/canon_int.h"
#include "dkim/keymemo_int.h"
#include "dkim/sig_int.h"
#include "dkim/sign_int.h"
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

typedef struct arc_job {
    ma_job job;
    ma_msg *msg;
    int header_seen, body_done, checked, status;
    arc_set sets[MA_ARC_MAX_INSTANCE + 1];   /* by instance; [0] unused */
    unsigned int n;
    ma_body_hash h[MA_ARC_MAX_INSTANCE];
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

/* Step over CFWS at *i (comments nested up to 16 deep); 0 when a comment
   is not closed. */
static int cfws(const char *v, size_t len, size_t *i)
{
    for (;;) {
        int depth = 0;
        while (*i < len && (v[*i] == ' ' || v[*i] == '\t' || v[*i] == '\r' || v[*i] == '\n'))
            (*i)++;
        if (*i >= len || v[*i] != '(')
            return 1;
        for (; *i < len; (*i)++) {
            if (v[*i] == '\\' && *i + 1 < len) {
                (*i)++;
                continue;
            }
            if (v[*i] == '(' && ++depth > 16)
                return 0;
            if (v[*i] == ')' && --depth == 0) {
                (*i)++;
                break;
            }
        }
        if (depth != 0)
            return 0;
    }
}

/* The instance of an ARC-Authentication-Results value: [CFWS] "i" [CFWS]
   "=" [CFWS] 1*2DIGIT [CFWS] ";" (RFC 8617 4.1.1, 4.2.1); 0 if malformed. */
static unsigned int aar_instance(const char *v, size_t len)
{
    size_t i = 0;
    unsigned int n = 0, digits = 0;

    if (!cfws(v, len, &i) || i >= len || (v[i] != 'i' && v[i] != 'I'))
        return 0;
    i++;
    if (!cfws(v, len, &i) || i >= len || v[i] != '=')
        return 0;
    i++;
    if (!cfws(v, len, &i))
        return 0;
    while (i < len && v[i] >= '0' && v[i] <= '9' && digits < 3) {
        n = n * 10 + (unsigned int)(v[i] - '0');
        digits++;
        i++;
    }
    if (digits == 0 || digits > 2 || !cfws(v, len, &i))
        return 0;
    if (i >= len || v[i] != ';')
        return 0;
    return n >= 1 && n <= MA_ARC_MAX_INSTANCE ? n : 0;
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
        h = ma__body_hash_get(a->h, &a->nh, a->job.ctx, s->ams_sig.bcanon,
                              s->ams_sig.has_l ? s->ams_sig.l : MA_CANON_NO_LIMIT,
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
    int rc = ma__body_hash_feed(a->h, a->nh, data, len);
    if (rc != MA_OK)
        return a->status = rc;
    if (data == NULL)
        a->body_done = 1;
    return MA_OK;
}

/* One signature against its key: a ma_dkim_result; *why and text on failure. */
static int check_sig(arc_job *a, const ma_dkim_sig *sig, uint32_t q, const unsigned char *hh,
                     size_t hh_len, const ma_body_hash *body, char *text, size_t tsize, int *rc_out)
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
    ma__body_hash_free(a->h, a->nh);
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
    else
        ma__msg_forget(msg, a);   /* no hook left behind to call a job that may be freed */
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

/* ----------------------------------------------------------------- sealing */

struct ma_arc_seal {
    const ma_dkim_signer *signer;
    char *authserv_id;
    ma_msg *msg;
    ma_digest *digest;
    ma_canon_body body;
    unsigned char bh[MA_DIGEST_MAX];
    size_t bh_len;
    int body_done;
    int status;
};

/* An authserv-id written bare in the AAR: printable ASCII, no space and
   none of the characters that end or open a token, comment or quoted
   string there (';', '(', ')', '"', '\\'). */
static int authserv_id_ok(const char *id)
{
    size_t i;
    if (id[0] == '\0' || strlen(id) > 255)
        return 0;
    for (i = 0; id[i] != '\0'; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c >= 0x7f || strchr(";()\"\\", c) != NULL)
            return 0;
    }
    return 1;
}

int ma_arc_seal_new(ma_arc_seal **out, const ma_dkim_signer *signer, const char *authserv_id)
{
    ma_arc_seal *g;
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (signer == NULL || authserv_id == NULL || !authserv_id_ok(authserv_id))
        return MA_EINVAL;
    g = ma__calloc(signer->ctx, 1, sizeof *g);
    if (g == NULL)
        return MA_ENOMEM;
    g->signer = signer;
    g->authserv_id = ma__strndup(signer->ctx, authserv_id, strlen(authserv_id));
    rc = g->authserv_id ? ma__digest_new(&g->digest, signer->ctx, MA_HASH_SHA256) : MA_ENOMEM;
    if (rc == MA_OK)
        rc = ma__canon_body_init(&g->body, signer->bcanon, MA_CANON_NO_LIMIT, g->digest);
    if (rc != MA_OK) {
        ma_arc_seal_free(g);
        return rc;
    }
    *out = g;
    return MA_OK;
}

void ma_arc_seal_free(ma_arc_seal *g)
{
    if (g == NULL)
        return;
    ma__digest_free(g->digest);
    ma__free(g->signer->ctx, g->authserv_id);
    ma__free(g->signer->ctx, g);
}

static int seal_body(const char *data, size_t len, void *payload)
{
    ma_arc_seal *g = payload;
    int rc = data ? ma__canon_body_update(&g->body, data, len) : ma__canon_body_finish(&g->body);
    if (rc == MA_OK && data == NULL) {
        rc = ma__digest_final(g->digest, g->bh, &g->bh_len);
        g->body_done = 1;
    }
    if (rc != MA_OK)
        g->status = rc;
    return rc;
}

int ma_arc_seal_attach(ma_arc_seal *g, ma_msg *msg)
{
    int rc;
    if (g == NULL || msg == NULL)
        return MA_EINVAL;
    if (g->msg != NULL || ma_msg_header_done(msg))
        return MA_ESTATE;
    rc = ma_msg_add_body_consumer(msg, seal_body, g);
    if (rc == MA_OK)
        g->msg = msg;
    return rc;
}

/* RFC 8617 4.1.2: ARC fields and Authentication-Results are never in an AMS. */
static int ams_may_sign(const ma_dkim_span *n)
{
    return !(n->len >= 4 && ma__casecmp(n->p, 4, "arc-", 4) == 0) &&
           !(n->len == 22 && ma__casecmp(n->p, n->len, "authentication-results", 22) == 0);
}

/* Hash a field text (the new ones, not in the message yet). */
static int hash_text(ma_digest *d, ma_buf *scratch, const char *text, size_t len, int last)
{
    return ma__canon_header_hash(d, scratch, MA_DKIM_RELAXED, text, len, last ? MA_CANON_NO_CRLF : 0);
}

/* Sign hash hh with the signer's key and append b= folded. */
static int seal_sign(const ma_dkim_signer *s, const unsigned char *hh, size_t hh_len, ma_buf *f,
                     size_t *col)
{
    unsigned char sig[2048];
    char b64[MA_BASE64_ENCODED_LEN(2048) + 1];
    size_t sig_len = sizeof sig;
    int rc = ma__dkim_signer_sign(s, hh, hh_len, sig, &sig_len);
    if (rc == MA_OK)
        rc = ma__fold_b64(f, col, b64, ma__base64_encode(sig, sig_len, b64));
    return rc;
}

int ma_arc_seal_fields(ma_arc_seal *g, const ma_job *arc, const char *results, char **out)
{
    const arc_job *a = arc != NULL && arc->vt == &arc_vt ? (const arc_job *)arc : NULL;
    const ma_dkim_signer *s;
    const ma_ctx *ctx;
    ma_buf aar, ams, as, scratch;
    ma_digest *d = NULL;
    ma_dkim_span names[256];
    long idx[256];
    unsigned char hh[MA_DIGEST_MAX];
    char b64[MA_BASE64_ENCODED_LEN(MA_DIGEST_MAX) + 1];
    size_t nnames, nsel = 0, k, col, hh_len = 0;
    unsigned int i, n;
    int64_t now;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (g == NULL || a == NULL || arc->status != MA_JOB_DONE || a->msg == NULL)
        return g == NULL || a == NULL ? MA_EINVAL : MA_ESTATE;
    if (g->status != MA_OK)
        return g->status;
    if (g->msg == NULL || !g->body_done)
        return MA_ESTATE;
    /* The sets the new seal covers (5.1.1): all of a passing chain.  A
       chain that failed validation gets a set with cv=fail that covers
       only itself (5.1.2), at 1 + the highest instance (5.1 step 3),
       unless its newest seal already says cv=fail (5.1 step 2: stop). */
    n = a->result == MA_ARC_PASS ? a->n : 0;
    i = n + 1;
    if (a->result == MA_ARC_FAIL) {
        if (a->n >= 1 && a->n <= MA_ARC_MAX_INSTANCE && a->sets[a->n].as_parsed &&
            a->sets[a->n].as_sig.cv == MA_DKIM_CV_FAIL)
            return MA_OK;
        i = a->n + 1;
    }
    if (i > MA_ARC_MAX_INSTANCE)
        return MA_ELIMIT;
    s = g->signer;
    ctx = s->ctx;
    now = ma_ctx_now_ms(ctx) / 1000;
    ma__buf_init(&aar, ctx);
    ma__buf_init(&ams, ctx);
    ma__buf_init(&as, ctx);
    ma__buf_init(&scratch, ctx);

    /* ARC-Authentication-Results (4.1.1). */
    rc = ma__buf_printf(&aar, "ARC-Authentication-Results: i=%u; %s; ", i, g->authserv_id);
    if (rc == MA_OK && strpbrk(results ? results : "", "\r\n") != NULL)
        rc = MA_EINVAL;
    if (rc == MA_OK) {
        /* Folded like an Authentication-Results field: a hop's results
           easily pass the 998-octet line limit of RFC 5322 2.1.1. */
        col = aar.len;
        rc = ma__authres_fold(&aar, &col, results != NULL && results[0] ? results : "none");
    }

    /* ARC-Message-Signature (4.1.2): DKIM signing with i= for the AUID.
       With the signer's default list it also signs every DKIM-Signature
       field present, as 4.1.2 says it SHOULD; a list the caller gave is
       taken as given. */
    nnames = ma__dkim_sign_names(s, g->msg, names, 256);
    for (k = 0; k < nnames; k++)
        if (ams_may_sign(&names[k]))
            names[nsel++] = names[k];
    if (s->default_list) {
        long at = -1;
        while (nsel < 256 && (at = ma_msg_find(g->msg, "DKIM-Signature", (size_t)(at + 1))) >= 0) {
            names[nsel].p = "dkim-signature";
            names[nsel].len = 14;
            nsel++;
        }
    }
    if (rc == MA_OK)
        rc = ma__dkim_select_headers(idx, NULL, ctx, g->msg, names, nsel);
    if (rc == MA_OK) {
        rc = ma__buf_printf(&ams, "ARC-Message-Signature: i=%u;", i);
        col = ams.len;
    }
    if (rc == MA_OK)
        rc = ma__fold_tag(&ams, &col, "a=%s;", ma_dkim_alg_name(s->alg));
    if (rc == MA_OK)
        rc = ma__fold_tag(&ams, &col, "c=%s/%s;", s->hcanon == MA_DKIM_RELAXED ? "relaxed" : "simple",
                          s->bcanon == MA_DKIM_RELAXED ? "relaxed" : "simple");
    if (rc == MA_OK)
        rc = ma__fold_tag(&ams, &col, "d=%s;", s->domain);
    if (rc == MA_OK)
        rc = ma__fold_tag(&ams, &col, "s=%s;", s->selector);
    if (rc == MA_OK)
        rc = ma__fold_tag(&ams, &col, "t=%lld;", (long long)now);
    for (k = 0; rc == MA_OK && k < nsel; k++) {
        char piece[160];
        if (names[k].len + 4 > sizeof piece) {
            rc = MA_EINVAL;
            break;
        }
        snprintf(piece, sizeof piece, "%s%.*s%s", k == 0 ? "h=" : "", (int)names[k].len, names[k].p,
                 k + 1 < nsel ? ":" : ";");
        rc = ma__fold_put(&ams, &col, k == 0 ? " " : "", piece, strlen(piece), 1);
    }
    if (rc == MA_OK) {
        b64[ma__base64_encode(g->bh, g->bh_len, b64)] = '\0';
        rc = ma__fold_tag(&ams, &col, "bh=%s;", b64);
    }
    if (rc == MA_OK)
        rc = ma__fold_tag(&ams, &col, "b=");
    if (rc == MA_OK)
        rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
    for (k = 0; rc == MA_OK && k < nsel; k++)
        if (idx[k] >= 0) {
            const char *raw;
            size_t raw_len;
            rc = ma_msg_field_raw(g->msg, (size_t)idx[k], &raw, &raw_len);
            if (rc == MA_OK)
                rc = ma__canon_header_hash(d, &scratch, s->hcanon, raw, raw_len, 0);
        }
    if (rc == MA_OK)
        rc = ma__canon_header_hash(d, &scratch, s->hcanon, ams.data, ams.len, MA_CANON_NO_CRLF);
    if (rc == MA_OK)
        rc = ma__digest_final(d, hh, &hh_len);
    ma__digest_free(d);
    d = NULL;
    if (rc == MA_OK)
        rc = seal_sign(s, hh, hh_len, &ams, &col);

    /* ARC-Seal (4.1.3, 5.1.1): the sets 1..n as they are, then the new one. */
    if (rc == MA_OK) {
        rc = ma__buf_printf(&as, "ARC-Seal: i=%u;", i);
        col = as.len;
    }
    if (rc == MA_OK)
        rc = ma__fold_tag(&as, &col, "a=%s;", ma_dkim_alg_name(s->alg));
    if (rc == MA_OK)
        rc = ma__fold_tag(&as, &col, "t=%lld;", (long long)now);
    if (rc == MA_OK)
        rc = ma__fold_tag(&as, &col, "cv=%s;",
                          a->result == MA_ARC_FAIL ? "fail" : n == 0 ? "none" : "pass");
    if (rc == MA_OK)
        rc = ma__fold_tag(&as, &col, "d=%s;", s->domain);
    if (rc == MA_OK)
        rc = ma__fold_tag(&as, &col, "s=%s;", s->selector);
    if (rc == MA_OK)
        rc = ma__fold_tag(&as, &col, "b=");
    if (rc == MA_OK)
        rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
    for (k = 1; rc == MA_OK && k <= n; k++) {
        const arc_set *set = &a->sets[k];
        long f[3];
        size_t j;
        f[0] = set->aar;
        f[1] = set->ams;
        f[2] = set->as;
        for (j = 0; rc == MA_OK && j < 3; j++) {
            const char *raw;
            size_t raw_len;
            /* The sets as validated: the message as received, which may
               be another ma_msg than the one this hop changed and seals
               (RFC 8617 5.1 step 1); the ARC fields are the same in both. */
            rc = ma_msg_field_raw(a->msg, (size_t)f[j], &raw, &raw_len);
            if (rc == MA_OK)
                rc = hash_text(d, &scratch, raw, raw_len, 0);
        }
    }
    if (rc == MA_OK)
        rc = hash_text(d, &scratch, aar.data, aar.len, 0);
    if (rc == MA_OK)
        rc = hash_text(d, &scratch, ams.data, ams.len, 0);
    if (rc == MA_OK)
        rc = hash_text(d, &scratch, as.data, as.len, 1);
    if (rc == MA_OK)
        rc = ma__digest_final(d, hh, &hh_len);
    ma__digest_free(d);
    if (rc == MA_OK)
        rc = seal_sign(s, hh, hh_len, &as, &col);

    /* Newest first, as fields are prepended: AS, AMS, AAR. */
    if (rc == MA_OK) {
        ma_buf all;
        ma__buf_init(&all, ctx);
        rc = ma__buf_printf(&all, "%s\r\n%s\r\n%s", as.data, ams.data, aar.data);
        if (rc == MA_OK)
            *out = ma__buf_steal(&all, NULL);
        ma__buf_free(&all);
        if (rc == MA_OK && *out == NULL)
            rc = MA_ENOMEM;
    }
    ma__buf_free(&aar);
    ma__buf_free(&ams);
    ma__buf_free(&as);
    ma__buf_free(&scratch);
    return rc;
}
