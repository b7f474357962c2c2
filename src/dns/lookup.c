/*
 * The lookup job: a set of (name, type) questions asked all at once.  The
 * smallest evaluator; `mailauth dns` runs it.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"

static int ma_lookup_step(ma_job *job)
{
    return job->npending ? MA_JOB_NEED_DNS : MA_JOB_DONE;
}

static const ma_job_vtable ma_lookup_vt = { "lookup", ma_lookup_step, NULL };

int ma_lookup_job_new(ma_job **out, ma_ctx *ctx)
{
    ma_job *job;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    job = ma__alloc(ctx, sizeof *job);
    if (job == NULL)
        return MA_ENOMEM;
    ma__job_init(job, ctx, &ma_lookup_vt);
    *out = job;
    return MA_OK;
}

int ma_lookup_job_add(ma_job *job, const char *name, ma_dns_type type, uint32_t *id_out)
{
    ma_buf norm;
    uint32_t id;
    int rc;
    if (job == NULL || name == NULL || job->vt != &ma_lookup_vt || !ma__dns_type_valid(type))
        return MA_EINVAL;
    if (job->started)
        return MA_ESTATE;
    ma__buf_init(&norm, job->ctx);
    rc = ma__domain_normalize_buf(&norm, job->ctx, name, strlen(name),
                                  MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ALLOW_SINGLE_LABEL);
    if (rc == MA_OK)
        rc = ma__job_ask(job, norm.data, norm.len, type, &id);
    ma__buf_free(&norm);
    if (rc == MA_OK && id_out != NULL)
        *id_out = id;
    return rc;
}

int ma_lookup_job_result(const ma_job *job, uint32_t id, const ma_dns_answer **out)
{
    if (job == NULL || out == NULL || job->vt != &ma_lookup_vt)
        return MA_EINVAL;
    *out = NULL;
    if (id == 0 || id > job->nqs)
        return MA_ENOTFOUND;
    if (job->status != MA_JOB_DONE)
        return MA_ESTATE;
    *out = ma__job_answer_get(job, id);
    return MA_OK;
}
