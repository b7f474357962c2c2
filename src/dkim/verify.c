/*
 * DKIM verification (RFC 6376 6) as a sans-I/O job.
 *
 * The job reads its message through a ma_msg it is attached to.  When the
 * header is complete (the reader's header hook) it parses every
 * DKIM-Signature field, up to MA_LIMIT_DKIM_SIGNATURES; checks what needs
 * no key (algorithm policy, x=, t=, q=); hashes the signed header fields
 * (the header is complete, so this is done at once); sets up one body
 * hasher per distinct (body canonicalisation, l=, hash) and asks one key
 * question per distinct key name.  The body then streams through the
 * hashers.  When the message is finished and the keys are in, each
 * signature is checked: key record, key against signature, body hash,
 * signature.
 *
 * Decoded keys are kept with their DNS answer (the answer's memo), so
 * evaluations sharing an answer through a static zone or a cache decode a
 * key record once, not once per message.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/canon_int.h"
#include "dkim/keymemo_int.h"
#include "dkim/sig_int.h"
#include "dns/dns_int.h"

/* Characters of b= given for header.b (RFC 6008 2: at least 8). */
#define DKIM_B_PREFIX 12

/* One (canonicalisation, l=, hash) body hash, shared by the signatures that need it. */
typedef struct dkim_entry {
    ma_dkim_sig sig;
    int parsed;              /* sig holds a parse (free it) */
    long field;              /* index in the message */
    int result;              /* ma_dkim_result; -1 while undecided */
    ma_dkim_reason reason;
    char problem[320];
    char *identity;          /* "local@domain" (arena) */
    char b_prefix[DKIM_B_PREFIX + 1];
    long hasher;             /* index into hashers, or -1 */
    uint32_t qid;            /* key question, 0 when none */
    unsigned char hhash[MA_DIGEST_MAX];
    size_t hhash_len;
    ma_dkim_hsel hsel;
    unsigned int key_bits;
    uint64_t unsigned_bytes;
    int testing;
} dkim_entry;

typedef struct dkim_job {
    ma_job job;
    ma_dkim_verify_opts opts;
    ma_msg *msg;
    int header_seen;
    int body_done;
    int checked;
    int status;              /* a failure seen inside a reader callback */
    dkim_entry *e;
    size_t n;
    ma_body_hash *h;
    size_t nh;
    ma_buf scratch;
} dkim_job;

static const ma_job_vtable dkim_vt;

/* ----------------------------------------------------------------- helpers */

static void verdict(dkim_entry *e, int result, ma_dkim_reason reason, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void verdict(dkim_entry *e, int result, ma_dkim_reason reason, const char *fmt, ...)
{
    va_list ap;
    e->result = result;
    e->reason = reason;
    va_start(ap, fmt);
    vsnprintf(e->problem, sizeof e->problem, fmt, ap);
    va_end(ap);
}

/* A verdict with no problem text (a pass): no formatting. */
static void verdict_ok(dkim_entry *e, int result, ma_dkim_reason reason)
{
    e->result = result;
    e->reason = reason;
    e->problem[0] = '\0';
}

/* ------------------------------------------------------------ the header */

/* Indices of the signed fields kept on the stack up to this many h= names. */
#define DKIM_IDX_STACK 32

/* The signature field without its b= value (RFC 6376 3.7 step 2), hashed
   with no final CRLF.  The parse already found the value: b_text points
   into sig->text, a copy of the field's value. */
static int hash_sig_field(dkim_job *d, dkim_entry *e, ma_digest *dg)
{
    const ma_dkim_sig *sig = &e->sig;
    const char *raw, *value;
    size_t raw_len, vlen, voff, boff;
    ma_buf stripped;
    int rc;

    rc = ma_msg_field_raw(d->msg, (size_t)e->field, &raw, &raw_len);
    if (rc == MA_OK)
        rc = ma_msg_field(d->msg, (size_t)e->field, NULL, NULL, &value, &vlen);
    if (rc != MA_OK)
        return rc;
    voff = (size_t)(value - raw);
    if (sig->b_text.p != NULL && sig->text != NULL && vlen == sig->text_len
        && voff <= raw_len && raw_len - voff == vlen && sig->b_text.p >= sig->text
        && (boff = (size_t)(sig->b_text.p - sig->text)) <= vlen
        && sig->b_text.len <= vlen - boff)
        return ma__canon_header_hash_gap(dg, &d->scratch, sig->hcanon, raw, raw_len, voff + boff,
                                         sig->b_text.len, MA_CANON_NO_CRLF);
    /* not reached for a signature that parsed; find b= again */
    ma__buf_init(&stripped, d->job.ctx);
    rc = ma__dkim_strip_b(&stripped, d->job.ctx, raw, raw_len);
    if (rc == MA_OK)
        rc = ma__canon_header_hash(dg, &d->scratch, sig->hcanon, stripped.data, stripped.len,
                                   MA_CANON_NO_CRLF);
    ma__buf_free(&stripped);
    return rc;
}

/* RFC 6376 3.7: hash the signed fields, then the signature field without
   its b= value and final CRLF. */
static int header_hash(dkim_job *d, dkim_entry *e)
{
    const ma_ctx *ctx = d->job.ctx;
    ma_dkim_sig *sig = &e->sig;
    ma_digest *dg = NULL;
    long idx_stack[DKIM_IDX_STACK], *idx = idx_stack;
    const char *raw;
    size_t raw_len, k;
    int rc;

    if (sig->nheaders > DKIM_IDX_STACK) {
        idx = ma__calloc(ctx, sig->nheaders, sizeof *idx);
        if (idx == NULL)
            return MA_ENOMEM;
    }
    rc = ma__dkim_select_headers(idx, &e->hsel, ctx, d->msg, sig->headers, sig->nheaders);
    if (rc == MA_OK)
        rc = ma__digest_new(&dg, ctx, ma__dkim_alg_hash(sig->alg));
    for (k = 0; rc == MA_OK && k < sig->nheaders; k++) {
        if (idx[k] < 0)
            continue; /* a null string: nothing is hashed (5.4.2) */
        rc = ma_msg_field_raw(d->msg, (size_t)idx[k], &raw, &raw_len);
        if (rc == MA_OK)
            rc = ma__canon_header_hash(dg, &d->scratch, sig->hcanon, raw, raw_len, 0);
    }
    if (idx != idx_stack)
        ma__free(ctx, idx);
    if (rc == MA_OK)
        rc = hash_sig_field(d, e, dg);
    if (rc == MA_OK)
        rc = ma__digest_final(dg, e->hhash, &e->hhash_len);
    ma__digest_free(dg);
    if (rc == MA_ENOMEM)
        return rc;
    if (rc != MA_OK)
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_HEADER, "the signed header could not be hashed");
    return MA_OK;
}

/* Everything about one parsed signature that needs no key. */
static int entry_setup(dkim_job *d, dkim_entry *e, int64_t now)
{
    ma_dkim_sig *sig = &e->sig;
    ma_job *job = &d->job;
    uint64_t skew = ma__limit(job->ctx, MA_LIMIT_DKIM_CLOCK_SKEW);
    ma_buf name;
    long h;
    int rc;

    if (sig->alg == MA_DKIM_RSA_SHA1 && !(d->opts.flags & MA_DKIM_ALLOW_SHA1)) {
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_SHA1, "rsa-sha1 is not accepted (RFC 8301)");
        return MA_OK;
    }
    if (!sig->q_dns_txt) {
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_QUERY_METHOD, "q= does not list dns/txt");
        return MA_OK;
    }
    /* 6.1.1: x= in the past, t= in the future (beyond the allowed skew). */
    if (sig->has_x && now >= 0 && (uint64_t)now > sig->x) {
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_EXPIRED, "expired at x=%llu",
                (unsigned long long)sig->x);
        return MA_OK;
    }
    if (sig->has_t && now >= 0 && sig->t > (uint64_t)now && sig->t - (uint64_t)now > skew) {
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_FUTURE, "t=%llu is in the future",
                (unsigned long long)sig->t);
        return MA_OK;
    }
    rc = header_hash(d, e);
    if (rc != MA_OK || e->result >= 0)
        return rc;
    h = ma__body_hash_get(d->h, &d->nh, d->job.ctx, sig->bcanon,
                          sig->has_l ? sig->l : MA_CANON_NO_LIMIT, ma__dkim_alg_hash(sig->alg));
    if (h < 0)
        return (int)h;
    e->hasher = h;
    ma__buf_init(&name, job->ctx);
    rc = ma__dkim_sig_key_name(&name, sig);
    if (rc == MA_OK)
        rc = ma__job_ask(job, name.data, name.len, MA_DNS_TXT, &e->qid);
    ma__buf_free(&name);
    if (rc == MA_ESYNTAX) {
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_DOMAIN, "the key name is not a valid DNS name");
        return MA_OK;
    }
    return rc;
}

static char *identity_of(dkim_job *d, const ma_dkim_sig *sig)
{
    size_t ll = sig->auid_local ? sig->auid_local_len : 0;
    const char *dom = sig->auid_domain ? sig->auid_domain : sig->domain ? sig->domain : "";
    size_t dl = strlen(dom);
    char *p = ma__job_alloc(&d->job, ll + dl + 2);
    if (p == NULL)
        return NULL;
    if (ll)
        memcpy(p, sig->auid_local, ll);
    p[ll] = '@';
    memcpy(p + ll + 1, dom, dl + 1);
    return p;
}

/* The header hook: find and set up every signature. */
static int on_header(ma_msg *msg, void *payload)
{
    dkim_job *d = payload;
    const ma_ctx *ctx = d->job.ctx;
    size_t nf = ma_msg_field_count(msg), i, n = 0, max;
    int64_t now = ma_ctx_now_ms(ctx);
    int rc;

    now = now >= 0 ? now / 1000 : -1;
    d->header_seen = 1;
    for (i = 0; i < nf; i++) {
        const char *name;
        size_t len;
        ma_msg_field(msg, i, &name, &len, NULL, NULL);
        if (ma__dkim_sig_kind_of(name, len) == MA_DKIM_SIG_DKIM)
            n++;
    }
    if (n == 0)
        return MA_OK;
    d->e = ma__job_alloc(&d->job, n * sizeof *d->e);
    max = (size_t)ma__limit(ctx, MA_LIMIT_DKIM_SIGNATURES);
    d->h = ma__job_alloc(&d->job, (n < max ? n : max) * sizeof *d->h);
    if (d->e == NULL || d->h == NULL)
        return d->status = MA_ENOMEM;
    memset(d->e, 0, n * sizeof *d->e);
    for (i = 0; i < nf; i++) {
        const char *name, *value;
        size_t len, vlen;
        dkim_entry *e;
        ma_dkim_perr perr;

        ma_msg_field(msg, i, &name, &len, &value, &vlen);
        if (ma__dkim_sig_kind_of(name, len) != MA_DKIM_SIG_DKIM)
            continue;
        e = &d->e[d->n++];
        e->field = (long)i;
        e->result = -1;
        e->hasher = -1;
        if (d->n > max) {
            verdict(e, MA_DKIM_NEUTRAL, MA_DKIM_R_NOT_CHECKED,
                    "beyond the %llu signatures checked", (unsigned long long)max);
            continue;
        }
        rc = ma__dkim_sig_parse(&e->sig, ctx, MA_DKIM_SIG_DKIM, value, vlen, &perr);
        e->parsed = 1;
        if (rc == MA_ENOMEM)
            return d->status = rc;
        e->identity = identity_of(d, &e->sig);
        if (e->identity == NULL)
            return d->status = MA_ENOMEM;
        if (e->sig.b_text.p != NULL) {
            size_t k, w = 0;
            for (k = 0; k < e->sig.b_text.len && w < DKIM_B_PREFIX; k++) {
                char c = e->sig.b_text.p[k];
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                    e->b_prefix[w++] = c;
            }
            e->b_prefix[w] = '\0';
        }
        if (rc != MA_OK) {
            verdict(e, MA_DKIM_PERMERROR, perr.reason != MA_DKIM_R_OK ? perr.reason : MA_DKIM_R_SYNTAX,
                    "%s%s%s", perr.tag[0] ? perr.tag : "", perr.tag[0] ? "=: " : "", perr.e.text);
            continue;
        }
        rc = entry_setup(d, e, now);
        if (rc != MA_OK)
            return d->status = rc;
    }
    return MA_OK;
}

/* ---------------------------------------------------------------- the body */

static int on_body(const char *data, size_t len, void *payload)
{
    dkim_job *d = payload;
    int rc = ma__body_hash_feed(d->h, d->nh, data, len);
    if (rc != MA_OK)
        return d->status = rc;
    if (data == NULL)
        d->body_done = 1;
    return MA_OK;
}

/* ------------------------------------------------------------ the verdicts */

static int check_entry(dkim_job *d, dkim_entry *e)
{
    const ma_ctx *ctx = d->job.ctx;
    ma_dkim_sig *sig = &e->sig;
    const ma_dns_answer *a = ma__job_answer_get(&d->job, e->qid);
    const ma_body_hash *h = &d->h[e->hasher];
    ma_dkim_keymemo *k, *own = NULL;
    ma_dkim_reason why;
    int good = 0, rc;

    switch (ma_dns_answer_rcode(a)) {
    case MA_DNS_OK:
        break;
    case MA_DNS_NXDOMAIN:
    case MA_DNS_NODATA:
        verdict(e, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_MISSING, "no key record at %s._domainkey.%s",
                sig->selector, sig->domain);
        return MA_OK;
    default:
        verdict(e, MA_DKIM_TEMPERROR, MA_DKIM_R_KEY_DNS, "the key lookup failed (%s)",
                ma_dns_rcode_name(ma_dns_answer_rcode(a)));
        return MA_OK;
    }
    k = ma__dkim_keymemo_get(ctx, a, &own);
    if (k == NULL)
        return MA_ENOMEM;
    if (k->parsed)
        e->testing = k->key.testing;
    if (!ma__dkim_keymemo_check(k, sig, &why, e->problem, sizeof e->problem, &e->key_bits)) {
        e->result = MA_DKIM_PERMERROR;
        e->reason = why;
        goto out;
    }
    /* 6.1.3: l= longer than the body. */
    if (sig->has_l && sig->l > ma__canon_body_length(&h->body)) {
        verdict(e, MA_DKIM_FAIL, MA_DKIM_R_BODY_LENGTH, "l=%llu is longer than the body (%llu)",
                (unsigned long long)sig->l, (unsigned long long)ma__canon_body_length(&h->body));
        goto out;
    }
    e->unsigned_bytes = ma__canon_body_length(&h->body) - ma__canon_body_hashed(&h->body);
    if (sig->bh_len != h->md_len || !ma__crypto_equal(sig->bh, h->md, h->md_len)) {
        verdict(e, MA_DKIM_FAIL, MA_DKIM_R_BODY_HASH, "the body hash does not match bh=");
        goto out;
    }
    rc = ma__dkim_keymemo_signature(k, sig, e->hhash, e->hhash_len, &good);
    if (rc != MA_OK) {
        ma__dkim_keymemo_release(own, ctx);
        return rc;
    }
    if (!good) {
        verdict(e, MA_DKIM_FAIL, MA_DKIM_R_SIGNATURE, "the signature does not verify");
        goto out;
    }
    if (e->unsigned_bytes > 0 &&
        (d->opts.l_policy == MA_DKIM_L_WHOLE ||
         (d->opts.l_policy == MA_DKIM_L_WHITESPACE && ma__canon_body_tail_text(&h->body)))) {
        verdict(e, MA_DKIM_POLICY, MA_DKIM_R_BODY_LENGTH,
                "verified, but l= leaves %llu body bytes unsigned",
                (unsigned long long)e->unsigned_bytes);
        goto out;
    }
    verdict_ok(e, MA_DKIM_PASS, MA_DKIM_R_OK);
out:
    ma__dkim_keymemo_release(own, ctx);
    return MA_OK;
}

static int dkim_step(ma_job *job)
{
    dkim_job *d = (dkim_job *)job;
    size_t i;
    int rc;

    if (d->status != MA_OK)
        return d->status;
    if (d->msg == NULL)
        return ma__job_fail(job, MA_ESTATE, "no message attached");
    if (!d->header_seen)
        return job->npending ? MA_JOB_NEED_DNS : MA_JOB_NEED_INPUT;
    if (job->npending > 0)
        return MA_JOB_NEED_DNS;
    if (!d->body_done)
        return MA_JOB_NEED_INPUT;
    if (!d->checked) {
        for (i = 0; i < d->n; i++) {
            if (d->e[i].result >= 0)
                continue;
            rc = check_entry(d, &d->e[i]);
            if (rc != MA_OK)
                return rc;
        }
        d->checked = 1;
    }
    return MA_JOB_DONE;
}

static void dkim_destroy(ma_job *job)
{
    dkim_job *d = (dkim_job *)job;
    size_t i;
    for (i = 0; i < d->n; i++)
        if (d->e[i].parsed)
            ma__dkim_sig_free(&d->e[i].sig, job->ctx);
    ma__body_hash_free(d->h, d->nh);
    ma__buf_free(&d->scratch);
}

static const ma_job_vtable dkim_vt = { "dkim", dkim_step, dkim_destroy };

/* -------------------------------------------------------------- public API */

const char *ma_dkim_result_name(int result)
{
    static const char *const names[] = { "none", "pass", "fail", "neutral",
                                         "policy", "temperror", "permerror" };
    if (result < 0 || result > MA_DKIM_PERMERROR)
        return NULL;
    return names[result];
}

const char *ma_dkim_reason_name(int reason)
{
    static const char *const names[] = {
        "ok", "syntax", "missing-tag", "version", "algorithm", "sha1", "canonicalization",
        "domain", "identity", "no-from", "bad-length", "expired", "future", "timestamps",
        "body-length", "body-hash", "signature", "key-dns", "key-missing", "key-multiple",
        "key-syntax", "key-revoked", "key-type", "key-too-small", "key-too-large", "key-hash",
        "key-service", "key-strict", "not-checked", "header", "query-method",
    };
    if (reason < 0 || (size_t)reason >= sizeof names / sizeof names[0])
        return NULL;
    return names[reason];
}

int ma_dkim_result_is_temp(int result)
{
    return result == MA_DKIM_TEMPERROR;
}

const char *ma_dkim_alg_name(int alg)
{
    switch (alg) {
    case MA_DKIM_RSA_SHA256: return "rsa-sha256";
    case MA_DKIM_ED25519_SHA256: return "ed25519-sha256";
    case MA_DKIM_RSA_SHA1: return "rsa-sha1";
    default: return NULL;
    }
}

int ma_dkim_verify_opts_init(ma_dkim_verify_opts *opts, unsigned int version)
{
    static const ma_dkim_verify_opts init = MA_DKIM_VERIFY_OPTS_INIT;
    if (opts == NULL)
        return MA_EINVAL;
    if (version != MA_DKIM_VERIFY_OPTS_VERSION)
        return MA_EVERSION;
    *opts = init;
    return MA_OK;
}

int ma_dkim_job_new(ma_job **out, ma_ctx *ctx, const ma_dkim_verify_opts *opts)
{
    dkim_job *d;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    if (opts != NULL && opts->version != MA_DKIM_VERIFY_OPTS_VERSION)
        return MA_EVERSION;
    if (opts != NULL && (opts->l_policy < MA_DKIM_L_WHOLE || opts->l_policy > MA_DKIM_L_WHITESPACE ||
                         (opts->flags & ~(unsigned int)MA_DKIM_ALLOW_SHA1) != 0))
        return MA_EINVAL;
    d = ma__calloc(ctx, 1, sizeof *d);
    if (d == NULL)
        return MA_ENOMEM;
    ma__job_init(&d->job, ctx, &dkim_vt);
    ma_dkim_verify_opts_init(&d->opts, MA_DKIM_VERIFY_OPTS_VERSION);
    if (opts != NULL)
        d->opts = *opts;
    ma__buf_init(&d->scratch, ctx);
    *out = &d->job;
    return MA_OK;
}

static const dkim_job *as_dkim(const ma_job *job)
{
    if (job == NULL || job->vt != &dkim_vt)
        return NULL;
    return (const dkim_job *)job;
}

int ma_dkim_job_attach(ma_job *job, ma_msg *msg)
{
    dkim_job *d = job != NULL && job->vt == &dkim_vt ? (dkim_job *)job : NULL;
    int rc;
    if (d == NULL || msg == NULL)
        return MA_EINVAL;
    if (d->msg != NULL || ma_msg_header_done(msg))
        return MA_ESTATE;
    rc = ma_msg_on_header(msg, on_header, d);
    if (rc == MA_OK)
        rc = ma_msg_add_body_consumer(msg, on_body, d);
    if (rc == MA_OK)
        d->msg = msg;
    else
        ma__msg_forget(msg, d);   /* no hook left behind to call a job that may be freed */
    return rc;
}

/* Entry i of a job, or NULL. */
static const dkim_entry *entry(const ma_job *job, size_t i)
{
    const dkim_job *d = as_dkim(job);
    if (d == NULL || i >= d->n)
        return NULL;
    return &d->e[i];
}

size_t ma_dkim_job_count(const ma_job *job)
{
    const dkim_job *d = as_dkim(job);
    return d ? d->n : 0;
}

ma_dkim_result ma_dkim_job_result(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    if (e == NULL || job->status != MA_JOB_DONE || e->result < 0)
        return MA_DKIM_NONE;
    return (ma_dkim_result)e->result;
}

ma_dkim_reason ma_dkim_job_reason(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e && e->result >= 0 ? e->reason : MA_DKIM_R_OK;
}

const char *ma_dkim_job_problem(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e ? e->problem : "";
}

const char *ma_dkim_job_domain(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e && e->parsed && e->sig.domain ? e->sig.domain : "";
}

const char *ma_dkim_job_selector(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e && e->parsed && e->sig.selector ? e->sig.selector : "";
}

const char *ma_dkim_job_identity(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e && e->identity ? e->identity : "";
}

const char *ma_dkim_job_b_prefix(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e ? e->b_prefix : "";
}

ma_dkim_alg ma_dkim_job_algorithm(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e && e->parsed ? e->sig.alg : MA_DKIM_ALG_UNKNOWN;
}

unsigned int ma_dkim_job_key_bits(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e ? e->key_bits : 0;
}

uint64_t ma_dkim_job_unsigned_bytes(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e ? e->unsigned_bytes : 0;
}

int ma_dkim_job_covers_from(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e != NULL && e->hsel.from_covered;
}

int ma_dkim_job_unsigned_extra(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e != NULL && e->hsel.extra;
}

int ma_dkim_job_testing(const ma_job *job, size_t i)
{
    const dkim_entry *e = entry(job, i);
    return e != NULL && e->testing;
}
