/*
 * A counting allocator for the context's allocator hooks, with failure
 * injection for out-of-memory tests.  Header-only; everything is static
 * inline, so a test pays nothing for the parts it does not use.
 *
 *     ta_alloc st;
 *     ma_ctx *ctx;
 *     ta_ctx_new(&ctx, &st);     resets st, then a context on these hooks
 *     ta_fail_once(&st, 3);      the 3rd malloc/realloc call from now fails
 *     ta_fail_from(&st, 3);      the 3rd call from now fails, and all after it
 *     ta_fail_never(&st);        every call succeeds again
 *
 * Calls are counted whether they fail or not; n = 1 means the next call.
 * Each block carries a small header with its size, so the state knows both
 * the blocks and the bytes still live (and the peak of the bytes).
 */
#ifndef MA_TEST_ALLOC_H
#define MA_TEST_ALLOC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/common.h"

typedef struct ta_alloc {
    long live;          /* blocks allocated and not yet freed */
    size_t live_bytes;  /* bytes in those blocks */
    size_t peak_bytes;  /* the most live_bytes seen; a test may lower it to measure a stretch */
    long calls;         /* malloc and realloc calls so far, failed ones included */
    long fail_at;       /* the value of calls at which failures start; 0: none */
    int fail_rest;      /* nonzero: the calls after fail_at fail too */
} ta_alloc;

/* The size header in front of each block, as aligned as malloc's blocks. */
typedef union ta_hdr {
    size_t size;
    long double align_ld;
    long long align_ll;
    void *align_p;
    void (*align_fn)(void);
} ta_hdr;

static inline void ta_init(ta_alloc *a)
{
    memset(a, 0, sizeof *a);
}

/* Only the n-th call from now fails (n >= 1). */
static inline void ta_fail_once(ta_alloc *a, long n)
{
    a->fail_at = a->calls + n;
    a->fail_rest = 0;
}

/* The n-th call from now and every later one fail (n >= 1; 1: all from now). */
static inline void ta_fail_from(ta_alloc *a, long n)
{
    a->fail_at = a->calls + n;
    a->fail_rest = 1;
}

static inline void ta_fail_never(ta_alloc *a)
{
    a->fail_at = 0;
    a->fail_rest = 0;
}

/* Count one call; nonzero when it is to fail. */
static inline int ta_call_fails(ta_alloc *a)
{
    a->calls++;
    if (a->fail_at == 0)
        return 0;
    return a->fail_rest ? a->calls >= a->fail_at : a->calls == a->fail_at;
}

static inline void ta_grew(ta_alloc *a, size_t old, size_t size)
{
    a->live_bytes = a->live_bytes - old + size;
    if (a->live_bytes > a->peak_bytes)
        a->peak_bytes = a->live_bytes;
}

/* The hooks: ma_malloc_fn, ma_realloc_fn, ma_free_fn with a ta_alloc payload. */
static inline void *ta_malloc(size_t size, void *payload)
{
    ta_alloc *a = payload;
    ta_hdr *h;
    if (ta_call_fails(a) || size > SIZE_MAX - sizeof *h)
        return NULL;
    h = malloc(sizeof *h + size);
    if (h == NULL)
        return NULL;
    h->size = size;
    a->live++;
    ta_grew(a, 0, size);
    return h + 1;
}

static inline void *ta_realloc(void *ptr, size_t size, void *payload)
{
    ta_alloc *a = payload;
    ta_hdr *h, *q;
    if (ptr == NULL)
        return ta_malloc(size, payload);
    if (ta_call_fails(a) || size > SIZE_MAX - sizeof *h)
        return NULL;
    h = (ta_hdr *)ptr - 1;
    q = realloc(h, sizeof *q + size);
    if (q == NULL)
        return NULL;
    ta_grew(a, q->size, size);
    q->size = size;
    return q + 1;
}

static inline void ta_free(void *ptr, void *payload)
{
    ta_alloc *a = payload;
    ta_hdr *h;
    if (ptr == NULL)
        return;
    h = (ta_hdr *)ptr - 1;
    a->live--;
    a->live_bytes -= h->size;
    free(h);
}

/* Point the allocator hooks of o at a. */
static inline void ta_hooks(ma_ctx_opts *o, ta_alloc *a)
{
    o->malloc_fn = ta_malloc;
    o->realloc_fn = ta_realloc;
    o->free_fn = ta_free;
    o->alloc_payload = a;
}

/* Reset a, then ma_ctx_new with default options but for the hooks; a must
   outlive the context.  The context itself is call 1 (a->calls is 1 after). */
static inline int ta_ctx_new(ma_ctx **out, ta_alloc *a)
{
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    ta_init(a);
    ta_hooks(&o, a);
    return ma_ctx_new(out, &o);
}

#endif
