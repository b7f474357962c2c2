/*
 * The resolver interface and the synchronous job driver.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"

static int ma_job_loop(ma_job *job, ma_resolver *r);

int ma_resolver_new(ma_resolver **out, ma_ctx *ctx, const ma_resolver_ops *ops, void *payload)
{
    ma_resolver *r;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || ops == NULL)
        return MA_EINVAL;
    if (ops->version != MA_RESOLVER_OPS_VERSION)
        return MA_EVERSION;
    if (ops->resolve == NULL)
        return MA_EINVAL;
    r = ma__calloc(ctx, 1, sizeof *r);
    if (r == NULL)
        return MA_ENOMEM;
    r->ctx = ctx;
    r->ops = *ops;
    r->payload = payload;
    *out = r;
    return MA_OK;
}

void ma_resolver_free(ma_resolver *r)
{
    if (r == NULL)
        return;
    if (r->ops.destroy)
        r->ops.destroy(r->payload);
    ma__free(r->ctx, r);
}

int ma_resolver_resolve(ma_resolver *r, const char *name, ma_dns_type type, ma_dns_answer **answer_out)
{
    ma_dns_answer *a = NULL;
    int rc;
    if (answer_out == NULL)
        return MA_EINVAL;
    *answer_out = NULL;
    if (r == NULL || name == NULL || !ma__dns_type_valid(type))
        return MA_EINVAL;
    rc = r->ops.resolve(r->payload, name, type, &a);
    if (rc != MA_OK) {
        ma_dns_answer_free(a);
        /* A status must be negative: a positive one from a backend would
           read as MA_JOB_DONE in ma_job_run(). */
        return rc > 0 ? MA_EINTERNAL : rc;
    }
    if (a == NULL)
        return MA_EINTERNAL;
    if (a->type != type) {
        /* A backend answering another type than asked is broken: refuse it. */
        ma_dns_answer_free(a);
        return MA_EINTERNAL;
    }
    ma__dns_answer_freeze(a);
    *answer_out = a;
    return MA_OK;
}

int ma__resolver_resolve_canon(ma_resolver *r, const char *canon, size_t len, uint64_t hash,
                               ma_dns_type type, ma_dns_answer **out)
{
    ma_dns_answer *a = NULL;
    int rc;
    *out = NULL;
    if (r->canon == NULL)
        return MA__DEFER;
    rc = r->canon(r->payload, canon, len, hash, type, &a);
    if (rc != MA_OK) {
        ma_dns_answer_free(a);
        return rc;
    }
    if (a == NULL || a->type != type) {
        ma_dns_answer_free(a);
        return MA_EINTERNAL;
    }
    /* Built-in backends hand out frozen answers: no call then. */
    if (!__atomic_load_n(&a->frozen, __ATOMIC_ACQUIRE))
        ma__dns_answer_freeze(a);
    *out = a;
    return MA_OK;
}

/*
 * Questions a resolver can answer from memory (r->canon) are answered as
 * they are asked (see ma__job_ask_canon); the rest, and any asked before
 * this call, go round the step / questions / answer loop.
 */
int ma_job_run(ma_job *job, ma_resolver *r)
{
    int rc;
    if (job == NULL || r == NULL)
        return MA_EINVAL;
    job->inline_r = r->canon != NULL ? r : NULL;
    job->inline_rc = 0;
    rc = ma_job_loop(job, r);
    job->inline_r = NULL;
    return rc;
}

static int ma_job_loop(ma_job *job, ma_resolver *r)
{
    for (;;) {
        const ma_dns_question *const *qs;
        size_t n, i;
        int rc = ma_job_step(job);
        if (job->inline_rc != 0)
            return job->inline_rc;
        if (rc != MA_JOB_NEED_DNS)
            return rc;
        rc = ma_job_questions(job, &qs, &n);
        if (rc != MA_OK)
            return rc;
        /* The array is only valid until the next answer: copy the ids first. */
        for (i = 0; i < n; i++) {
            const ma_dns_question *q = job->qs[qs[i]->id - 1];
            ma_dns_answer *a;
            if (q->answer != NULL)
                continue;
            rc = ma_resolver_resolve(r, q->name, q->type, &a);
            if (rc != MA_OK)
                return rc;
            rc = ma_job_answer(job, q->id, a);
            ma_dns_answer_free(a);
            if (rc != MA_OK)
                return rc;
        }
    }
}
