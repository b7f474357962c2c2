/*
 * The job core shared by every sans-I/O evaluator: questions (deduplicated,
 * numbered from 1 in the order asked), answers fed in any order, and the
 * step / questions / answer protocol of include/mailauth/dns.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns_int.h"

void ma__job_init(ma_job *job, const ma_ctx *ctx, const ma_job_vtable *vt)
{
    memset(job, 0, sizeof *job);
    job->ctx = ctx;
    job->vt = vt;
    ma__err_clear(&job->err);
}

void ma__job_arena_seed(ma_job *job, void *mem, size_t size)
{
    ma_arena_chunk *c = mem;
    size_t hdr = (sizeof *c + 15) & ~(size_t)15;
    if (mem == NULL || ((uintptr_t)mem & 15) != 0 || size <= hdr)
        return;
    c->next = job->arena;
    c->used = 0;
    c->size = (size - hdr) & ~(size_t)15;
    c->borrowed = 1;
    job->arena = c;
}

/* First chunk size: enough for a typical SPF evaluation's questions and strings. */
#define MA_ARENA_FIRST 2048

void *ma__job_alloc(ma_job *job, size_t size)
{
    ma_arena_chunk *c = job->arena;
    size_t hdr = (sizeof *c + 15) & ~(size_t)15;
    void *p;

    size = (size + 15) & ~(size_t)15;
    if (size == 0 || size > SIZE_MAX / 2)
        return NULL;
    if (c == NULL || c->size - c->used < size) {
        size_t want = c ? c->size * 2 : MA_ARENA_FIRST;
        if (want < size)
            want = size;
        c = ma__alloc(job->ctx, hdr + want);
        if (c == NULL)
            return NULL;
        c->size = want;
        c->used = 0;
        c->borrowed = 0;
        c->next = job->arena;
        job->arena = c;
    }
    p = (char *)c + hdr + c->used;
    c->used += size;
    return p;
}

char *ma__job_strndup(ma_job *job, const char *s, size_t len)
{
    char *p;
    if (len == SIZE_MAX)
        return NULL;
    p = ma__job_alloc(job, len + 1);
    if (p == NULL)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

int ma__job_fail(ma_job *job, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->err.text, sizeof job->err.text, fmt, ap);
    va_end(ap);
    return status;
}

int ma__job_ask(ma_job *job, const char *name, size_t len, ma_dns_type type, uint32_t *id_out)
{
    char stack[MA_DNS_CANON_CAP];
    int rc;

    if (!ma__dns_type_valid(type))
        return MA_EINVAL;
    if (ma__dns_name_is_canon(name, len))
        return ma__job_ask_canon(job, name, len, ma__dns_name_hash(name, len), type, id_out);
    rc = ma__dns_name_canon_fixed(stack, name, len, &len);
    if (rc != MA_OK)
        return rc;
    return ma__job_ask_canon(job, stack, len, ma__dns_name_hash(stack, len), type, id_out);
}

int ma__job_ask_canon(ma_job *job, const char *canon, size_t len, uint64_t h, ma_dns_type type,
                      uint32_t *id_out)
{
    ma_dns_question *q;
    size_t slot;

    /* Deduplicate through the index: most probes hit an empty slot or the
       question at once. */
    if (job->qtab != NULL) {
        for (slot = h & job->qtab_mask; job->qtab[slot] != 0; slot = (slot + 1) & job->qtab_mask) {
            q = job->qs[job->qtab[slot] - 1];
            if (q->hash == h && q->type == type && q->name_len == len &&
                memcmp(q->name, canon, len) == 0) {
                *id_out = q->id;
                return MA_OK;
            }
        }
    }
    if (!ma__dns_type_valid(type))
        return MA_EINVAL;
    if (job->nqs >= ma__limit(job->ctx, MA_LIMIT_JOB_QUESTIONS))
        return MA_ELIMIT;
    if (job->nqs == job->qcap) {
        /* The arrays live in the arena: grow by copying into new room, and
           index the questions again in a table twice the capacity. */
        size_t cap = job->qcap ? job->qcap * 2 : 32, i;
        ma_dns_question **qs = ma__job_alloc(job, cap * sizeof *qs);
        const ma_dns_question **out = ma__job_alloc(job, cap * sizeof *out);
        uint32_t *tab = ma__job_alloc(job, 2 * cap * sizeof *tab);
        if (qs == NULL || out == NULL || tab == NULL)
            return MA_ENOMEM;
        if (job->nqs)
            memcpy(qs, job->qs, job->nqs * sizeof *qs);
        memset(tab, 0, 2 * cap * sizeof *tab);
        job->qs = qs;
        job->outstanding = out;
        job->qcap = cap;
        job->qtab = tab;
        job->qtab_mask = 2 * cap - 1;
        for (i = 0; i < job->nqs; i++) {
            for (slot = qs[i]->hash & job->qtab_mask; tab[slot] != 0;
                 slot = (slot + 1) & job->qtab_mask)
                ;
            tab[slot] = qs[i]->id;
        }
    }
    for (slot = h & job->qtab_mask; job->qtab[slot] != 0; slot = (slot + 1) & job->qtab_mask)
        ;
    /* The question and its name in one piece of the arena. */
    q = ma__job_alloc(job, sizeof *q + len + 1);
    if (q == NULL)
        return MA_ENOMEM;
    q->name = (char *)(q + 1);
    memcpy(q->name, canon, len);
    q->name[len] = '\0';
    q->name_len = len;
    q->hash = h;
    q->type = type;
    q->id = (uint32_t)job->nqs + 1;
    q->answer = NULL;
    job->qs[job->nqs++] = q;
    job->qtab[slot] = q->id;
    *id_out = q->id;
    if (job->inline_r != NULL && job->inline_rc == 0) {
        int rc = ma__resolver_resolve_canon(job->inline_r, q->name, len, h, type, &q->answer);
        if (rc == MA_OK)
            return MA_OK;
        if (rc != MA__DEFER)
            job->inline_rc = rc; /* ma_job_run() stops with it */
    }
    job->npending++;
    return MA_OK;
}

const ma_dns_answer *ma__job_answer_get(const ma_job *job, uint32_t id)
{
    if (id == 0 || id > job->nqs)
        return NULL;
    return job->qs[id - 1]->answer;
}

int ma_job_step(ma_job *job)
{
    int rc;
    if (job == NULL)
        return MA_EINVAL;
    if (job->status != 0)
        return job->status;
    job->started = 1;
    for (;;) {
        size_t asked = job->nqs;
        rc = job->vt->step(job);
        /* Everything asked in that step was answered inline: go on. */
        if (rc != MA_JOB_NEED_DNS || job->npending != 0 || job->inline_r == NULL ||
            job->nqs == asked)
            break;
    }
    if (rc < 0) {
        if (job->err.text[0] == '\0')
            ma__job_fail(job, rc, "%s", ma_status_str(rc));
        job->status = rc;
        return rc;
    }
    if (rc == MA_JOB_DONE) {
        job->status = MA_JOB_DONE;
        return rc;
    }
    if (rc == MA_JOB_NEED_INPUT)
        return rc;
    if (rc != MA_JOB_NEED_DNS || job->npending == 0) {
        /* An evaluator that waits for nothing would never finish. */
        job->status = ma__job_fail(job, MA_EINTERNAL, "%s job stalled", job->vt->kind);
        return job->status;
    }
    return MA_JOB_NEED_DNS;
}

int ma_job_questions(ma_job *job, const ma_dns_question *const **qs_out, size_t *n_out)
{
    size_t i, n = 0;
    if (job == NULL || qs_out == NULL || n_out == NULL)
        return MA_EINVAL;
    for (i = 0; i < job->nqs; i++)
        if (job->qs[i]->answer == NULL)
            job->outstanding[n++] = job->qs[i];
    *qs_out = job->outstanding;
    *n_out = n;
    return MA_OK;
}

int ma_job_answer(ma_job *job, uint32_t question_id, ma_dns_answer *answer)
{
    ma_dns_question *q;
    if (job == NULL || answer == NULL)
        return MA_EINVAL;
    if (question_id == 0 || question_id > job->nqs)
        return ma__job_fail(job, MA_ESTATE, "answer for unknown question %u", (unsigned)question_id);
    q = job->qs[question_id - 1];
    if (q->answer != NULL)
        return ma__job_fail(job, MA_ESTATE, "question %u was already answered", (unsigned)question_id);
    if (answer->type != q->type)
        return MA_EINVAL;
    q->answer = ma_dns_answer_ref(answer);
    job->npending--;
    return MA_OK;
}

const char *ma_job_error(const ma_job *job)
{
    return job ? job->err.text : "";
}

void ma_job_free(ma_job *job)
{
    size_t i;
    if (job == NULL)
        return;
    if (job->vt->destroy)
        job->vt->destroy(job);
    for (i = 0; i < job->nqs; i++)
        ma_dns_answer_free(job->qs[i]->answer);
    while (job->arena != NULL) {
        ma_arena_chunk *next = job->arena->next;
        if (!job->arena->borrowed)
            ma__free(job->ctx, job->arena);
        job->arena = next;
    }
    ma__free(job->ctx, job);
}

uint32_t ma_dns_question_id(const ma_dns_question *q)
{
    return q ? q->id : 0;
}

const char *ma_dns_question_name(const ma_dns_question *q)
{
    return q ? q->name : "";
}

ma_dns_type ma_dns_question_type(const ma_dns_question *q)
{
    return q ? q->type : (ma_dns_type)0;
}
