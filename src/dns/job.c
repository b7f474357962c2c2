/*
 * The job core shared by every sans-I/O evaluator: questions (deduplicated,
 * numbered from 1 in the order asked), answers fed in any order, and the
 * step / questions / answer protocol of include/mailauth/dns.h.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns_int.h"

/* The record types a question may ask (as ma__dns_type_valid()), as bits. */
#define MA_JOB_TYPE_BITS                                                                       \
    ((1u << MA_DNS_TXT) | (1u << MA_DNS_A) | (1u << MA_DNS_AAAA) | (1u << MA_DNS_MX) |         \
     (1u << MA_DNS_PTR))

static int ma_job_type_ok(ma_dns_type type)
{
    return (unsigned)type < 32 && ((1u << (unsigned)type) & MA_JOB_TYPE_BITS) != 0;
}

/* ma__job_init() sets every field before err, inline_rc last: */
typedef char ma_job_init_sets_all[offsetof(ma_job, err) - offsetof(ma_job, inline_rc) <
                                          sizeof(int) + 8
                                      ? 1
                                      : -1];

void ma__job_init(ma_job *job, const ma_ctx *ctx, const ma_job_vtable *vt)
{
    /* Field by field, not a memset (which compilers make a "rep stos":
       slow to start, for a job whose whole life is a microsecond); the
       error text only needs its first byte. */
    job->ctx = ctx;
    job->vt = vt;
    job->arena = NULL;
    job->qs = NULL;
    job->nqs = 0;
    job->qcap = 0;
    job->outstanding = NULL;
    job->qtab = NULL;
    job->qtab_mask = 0;
    job->npending = 0;
    job->status = 0;
    job->started = 0;
    job->inline_r = NULL;
    job->inline_rc = 0;
    ma__err_clear(&job->err);
}

/* The chunk header, rounded up so that the data after it is 16-aligned. */
#define MA_ARENA_HDR ((sizeof(ma_arena_chunk) + 15) & ~(size_t)15)

void ma__job_arena_seed(ma_job *job, void *mem, size_t size)
{
    ma_arena_chunk *c = mem;
    if (mem == NULL || ((uintptr_t)mem & 15) != 0 || size <= MA_ARENA_HDR)
        return;
    c->next = job->arena;
    c->used = 0;
    c->size = (size - MA_ARENA_HDR) & ~(size_t)15;
    c->borrowed = 1;
    job->arena = c;
}

/*
 * Chunks after the first: the first few are small enough for the fast
 * per-thread caches of common mallocs (glibc's tcache takes requests of up
 * to 1032 bytes), since most jobs need little more than their seed; after
 * MA_ARENA_SMALL_CHUNKS of them each chunk doubles the last.
 */
#define MA_ARENA_SMALL (1032 - MA_ARENA_HDR)
#define MA_ARENA_SMALL_CHUNKS 4

/* A new chunk with room for size bytes (a multiple of 16). */
static ma_arena_chunk *ma_arena_grow(ma_job *job, size_t size)
{
    ma_arena_chunk *c, *last = NULL;
    size_t owned = 0, want;

    for (c = job->arena; c != NULL; c = c->next) {
        if (c->borrowed)
            continue;
        if (last == NULL)
            last = c;
        owned++;
    }
    want = MA_ARENA_SMALL;
    if (owned >= MA_ARENA_SMALL_CHUNKS && last != NULL && last->size <= SIZE_MAX / 4)
        want = last->size * 2;
    if (want < size)
        want = size;
    c = ma__alloc(job->ctx, MA_ARENA_HDR + want);
    if (c == NULL)
        return NULL;
    c->size = want;
    c->used = 0;
    c->borrowed = 0;
    c->next = job->arena;
    job->arena = c;
    return c;
}

/* ma_arena_carve() when the newest chunk has no room. */
static void *ma_arena_carve_new(ma_job *job, size_t size)
{
    ma_arena_chunk *c;
    if (size == 0 || size > SIZE_MAX / 4)
        return NULL;
    c = ma_arena_grow(job, (size + 15) & ~(size_t)15);
    if (c == NULL)
        return NULL;
    c->used = size;
    return (char *)c + MA_ARENA_HDR;
}

/*
 * size bytes (0 < size <= SIZE_MAX / 4, else NULL) of the newest chunk at
 * an offset that is a multiple of align_mask + 1 (8 or 16); chunk data
 * starts 16-aligned.
 */
static inline void *ma_arena_carve(ma_job *job, size_t size, size_t align_mask)
{
    ma_arena_chunk *c = job->arena;
    if (c != NULL && size != 0) {
        size_t at = (c->used + align_mask) & ~align_mask;
        if (at <= c->size && c->size - at >= size) {
            c->used = at + size;
            return (char *)c + MA_ARENA_HDR + at;
        }
    }
    return ma_arena_carve_new(job, size);
}

void *ma__job_alloc(ma_job *job, size_t size)
{
    return ma_arena_carve(job, (size + 15) & ~(size_t)15, 15);
}

char *ma__job_strndup(ma_job *job, const char *s, size_t len)
{
    char *p;
    if (len >= SIZE_MAX / 4)
        return NULL;
    /* Strings need no alignment: packed at 8 bytes. */
    p = ma_arena_carve(job, len + 1, 7);
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

    if (!ma_job_type_ok(type))
        return MA_EINVAL;
    if (ma__dns_name_is_canon(name, len))
        return ma__job_ask_canon(job, name, len, ma__dns_name_hash(name, len), type, id_out);
    rc = ma__dns_name_canon_fixed(stack, name, len, &len);
    if (rc != MA_OK)
        return rc;
    return ma__job_ask_canon(job, stack, len, ma__dns_name_hash(stack, len), type, id_out);
}

/* First size of the question arrays (4 times larger each time they fill). */
#define MA_JOB_QCAP0 2

/*
 * The index slot where the search for a question starts.  The hash is of
 * the name alone, and one name is often asked with several types (TXT, A,
 * MX of one domain): the type is mixed in so that those spread out.
 */
static size_t ma_job_slot(uint64_t h, ma_dns_type type, size_t mask)
{
    uint64_t x = (h ^ ((uint64_t)type << 40)) * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(x >> 32) & mask;
}

/*
 * The array ma_job_questions() fills: qcap entries.  It is made only when
 * a question waits for an answer (jobs answered from memory never need
 * it); job->outstanding is then not NULL until the arrays grow again.
 */
static int ma_job_need_outstanding(ma_job *job)
{
    if (job->outstanding == NULL) {
        job->outstanding = ma__job_alloc(job, job->qcap * sizeof *job->outstanding);
        if (job->outstanding == NULL)
            return MA_ENOMEM;
    }
    return MA_OK;
}

/*
 * Room for 4 times the questions: the arrays live in the arena, so they grow
 * by moving into new room (one piece for both), and the index is built
 * again in a table of four times the capacity (probes stay short).
 */
static int ma_job_grow_questions(ma_job *job)
{
    size_t cap = job->qcap ? job->qcap * 4 : MA_JOB_QCAP0, i, slot, mask;
    ma_dns_question **qs;
    const ma_dns_question **out = NULL;
    uint32_t *tab;
    char *mem;

    if (cap > SIZE_MAX / 32)
        return MA_ENOMEM;
    /* Questions already waiting need the new outstanding array now. */
    if (job->npending > 0) {
        out = ma__job_alloc(job, cap * sizeof *out);
        if (out == NULL)
            return MA_ENOMEM;
    }
    mem = ma__job_alloc(job, cap * (sizeof *qs + 4 * sizeof *tab));
    if (mem == NULL)
        return MA_ENOMEM;
    qs = (ma_dns_question **)(void *)mem;
    tab = (uint32_t *)(void *)(mem + cap * sizeof *qs);
    if (job->nqs)
        memcpy(qs, job->qs, job->nqs * sizeof *qs);
    if (cap == MA_JOB_QCAP0)
        memset(tab, 0, 4 * MA_JOB_QCAP0 * sizeof *tab); /* a few stores, no call */
    else
        memset(tab, 0, 4 * cap * sizeof *tab);
    mask = 4 * cap - 1;
    for (i = 0; i < job->nqs; i++) {
        for (slot = ma_job_slot(qs[i]->hash, qs[i]->type, mask); tab[slot] != 0;
             slot = (slot + 1) & mask)
            ;
        tab[slot] = qs[i]->id;
    }
    job->qs = qs;
    job->outstanding = out;
    job->qcap = cap;
    job->qtab = tab;
    job->qtab_mask = mask;
    return MA_OK;
}

int ma__job_ask_canon(ma_job *job, const char *canon, size_t len, uint64_t h, ma_dns_type type,
                      uint32_t *id_out)
{
    ma_dns_question *q;
    size_t slot = 0;

    /* Deduplicate through the index: most probes hit an empty slot or the
       question at once. */
    if (job->qtab != NULL) {
        for (slot = ma_job_slot(h, type, job->qtab_mask); job->qtab[slot] != 0;
             slot = (slot + 1) & job->qtab_mask) {
            q = job->qs[job->qtab[slot] - 1];
            if (q->hash == h && q->type == type && q->name_len == len &&
                memcmp(q->name, canon, len) == 0) {
                *id_out = q->id;
                return MA_OK;
            }
        }
    }
    if (!ma_job_type_ok(type))
        return MA_EINVAL;
    if (job->nqs >= ma__limit(job->ctx, MA_LIMIT_JOB_QUESTIONS))
        return MA_ELIMIT;
    if (job->nqs == job->qcap) {
        int rc = ma_job_grow_questions(job);
        if (rc != MA_OK)
            return rc;
        for (slot = ma_job_slot(h, type, job->qtab_mask); job->qtab[slot] != 0;
             slot = (slot + 1) & job->qtab_mask)
            ;
    }
    /* The question and its name in one piece of the arena (8-aligned is
       enough for the struct). */
    q = len < SIZE_MAX / 8 ? ma_arena_carve(job, sizeof *q + len + 1, 7) : NULL;
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
    if (ma_job_need_outstanding(job) != MA_OK) {
        /* Take the question back: it is the newest, so no other was
           placed after it in the index. */
        job->qtab[slot] = 0;
        job->nqs--;
        return MA_ENOMEM;
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
    /* outstanding is there whenever a question waits (see ask_canon). */
    for (i = 0; i < job->nqs && job->outstanding != NULL; i++)
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
