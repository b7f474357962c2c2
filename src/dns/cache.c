/*
 * The caching resolver: answers of an inner resolver kept for their TTL.
 *
 * Entries are keyed by (canonical name, type) in a chained hash table and
 * linked in a doubly linked list in order of use, most recent first; when
 * the cache holds MA_LIMIT_CACHE_ENTRIES entries the least recently used
 * one makes room.  An expired entry is dropped when it is found.  Answers
 * are immutable once shared, so the cache keeps a reference and hands out
 * references: nothing is copied.
 *
 * How long an answer is kept (seconds, capped by MA_LIMIT_CACHE_MAX_TTL):
 * - records: the answer's TTL; a TTL of 0 means "do not cache" (RFC 1035
 *   3.2.1);
 * - NXDOMAIN, NODATA and PERMFAIL: the answer's TTL when it has one (a
 *   backend reads it from the SOA, RFC 2308 5), else
 *   MA_LIMIT_CACHE_NEGATIVE_TTL;
 * - TEMPFAIL: never kept, the next question asks again.
 *
 * One mutex guards the table, the list and the statistics.  It is never
 * held while the inner resolver runs, so two threads asking the same
 * question at once may both ask the inner resolver; the second answer then
 * replaces the first in the cache.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "dns/dns_int.h"

#define MA_CACHE_INITIAL_BUCKETS 64

typedef struct ma_cache_entry {
    struct ma_cache_entry *hnext;   /* hash bucket chain */
    struct ma_cache_entry *prev;    /* use order: towards the most recent */
    struct ma_cache_entry *next;    /* use order: towards the least recent */
    uint64_t hash;
    ma_dns_type type;
    int64_t expires_ms;
    ma_dns_answer *answer;          /* one reference */
    size_t len;
    char *name;                     /* canonical text */
} ma_cache_entry;

typedef struct ma_cache {
    const ma_ctx *ctx;
    ma_resolver *inner;             /* not owned */
    pthread_mutex_t lock;
    ma_cache_entry **buckets;
    size_t nbuckets;                /* power of two */
    ma_cache_entry *head;           /* most recently used */
    ma_cache_entry *tail;           /* least recently used */
    size_t count;
    uint64_t seed;
    uint64_t hits;
    uint64_t misses;
    uint64_t evictions;
} ma_cache;

static uint64_t ma_key_hash(const ma_cache *c, const char *name, size_t len, ma_dns_type type)
{
    unsigned char t = (unsigned char)type;
    return ma__hash(&t, 1, ma__hash(name, len, c->seed));
}

static void ma_entry_free(const ma_ctx *ctx, ma_cache_entry *e)
{
    if (e == NULL)
        return;
    ma_dns_answer_free(e->answer);
    ma__free(ctx, e->name);
    ma__free(ctx, e);
}

/* ----------------------------------------- table and list (lock held) */

static void ma_lru_unlink(ma_cache *c, ma_cache_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void ma_lru_push_front(ma_cache *c, ma_cache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
}

static ma_cache_entry **ma_bucket_find(ma_cache *c, const char *name, size_t len,
                                       ma_dns_type type, uint64_t h)
{
    ma_cache_entry **pp = &c->buckets[h & (c->nbuckets - 1)];
    for (; *pp != NULL; pp = &(*pp)->hnext) {
        const ma_cache_entry *e = *pp;
        if (e->hash == h && e->type == type && e->len == len && memcmp(e->name, name, len) == 0)
            return pp;
    }
    return pp;
}

/* Take e out of the table and the list; the caller frees it. */
static void ma_entry_remove(ma_cache *c, ma_cache_entry *e)
{
    ma_cache_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*pp != NULL && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp == e)
        *pp = e->hnext;
    e->hnext = NULL;
    ma_lru_unlink(c, e);
    c->count--;
}

/* Double the table when it is full; a failed allocation only costs speed. */
static void ma_cache_grow(ma_cache *c)
{
    ma_cache_entry **nb;
    size_t n, i;
    if (c->count < c->nbuckets || c->nbuckets > SIZE_MAX / 2 / sizeof *nb)
        return;
    n = c->nbuckets * 2;
    nb = ma__calloc(c->ctx, n, sizeof *nb);
    if (nb == NULL)
        return;
    for (i = 0; i < c->nbuckets; i++) {
        ma_cache_entry *e = c->buckets[i], *next;
        for (; e != NULL; e = next) {
            next = e->hnext;
            e->hnext = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
        }
    }
    ma__free(c->ctx, c->buckets);
    c->buckets = nb;
    c->nbuckets = n;
}

/* ------------------------------------------------------------- resolving */

/* Seconds to keep an answer, 0 for not at all. */
static uint64_t ma_cache_ttl(const ma_cache *c, const ma_dns_answer *a)
{
    uint64_t ttl = ma_dns_answer_ttl(a);
    uint64_t max = ma__limit(c->ctx, MA_LIMIT_CACHE_MAX_TTL);

    switch (ma_dns_answer_rcode(a)) {
    case MA_DNS_OK:
        break;
    case MA_DNS_NXDOMAIN:
    case MA_DNS_NODATA:
    case MA_DNS_PERMFAIL:
        if (ttl == 0)
            ttl = ma__limit(c->ctx, MA_LIMIT_CACHE_NEGATIVE_TTL);
        break;
    default:
        return 0;
    }
    return ttl < max ? ttl : max;
}

static int ma_cache_resolve(void *payload, const char *name, ma_dns_type type,
                            ma_dns_answer **answer_out)
{
    ma_cache *c = payload;
    char canon[MA_DNS_CANON_CAP];
    ma_cache_entry **pp, *e, *dead = NULL, *fresh;
    ma_dns_answer *a = NULL;
    uint64_t h, ttl;
    int64_t now, ms;
    size_t len;
    int rc;

    if (answer_out == NULL)
        return MA_EINVAL;
    *answer_out = NULL;
    if (c == NULL || name == NULL || !ma__dns_type_valid(type))
        return MA_EINVAL;
    rc = ma__dns_name_canon_fixed(canon, name, strnlen(name, MA_DNS_NAME_TEXT_MAX + 1),
                                  &len);
    if (rc != MA_OK)
        return rc;
    h = ma_key_hash(c, canon, len, type);

    now = ma_ctx_now_ms(c->ctx);
    pthread_mutex_lock(&c->lock);
    pp = ma_bucket_find(c, canon, len, type, h);
    e = *pp;
    if (e != NULL && now >= e->expires_ms) {
        ma_entry_remove(c, e);
        dead = e;
        e = NULL;
    }
    if (e != NULL) {
        c->hits++;
        ma_lru_unlink(c, e);
        ma_lru_push_front(c, e);
        a = ma_dns_answer_ref(e->answer);
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    ma_entry_free(c->ctx, dead);
    if (a != NULL) {
        *answer_out = a;
        return MA_OK;
    }

    /* Ask the inner resolver without the lock. */
    rc = ma_resolver_resolve(c->inner, name, type, &a);
    if (rc != MA_OK)
        return rc;
    if (a == NULL)
        return MA_EINTERNAL;
    ttl = ma_cache_ttl(c, a);
    if (ttl == 0) {
        *answer_out = a;
        return MA_OK;
    }
    /* A failed allocation only means the answer is not kept. */
    fresh = ma__calloc(c->ctx, 1, sizeof *fresh);
    if (fresh != NULL)
        fresh->name = ma__strndup(c->ctx, canon, len);
    if (fresh == NULL || fresh->name == NULL) {
        ma__free(c->ctx, fresh);
        *answer_out = a;
        return MA_OK;
    }
    fresh->hash = h;
    fresh->type = type;
    fresh->len = len;
    now = ma_ctx_now_ms(c->ctx);
    ms = ttl > (uint64_t)(INT64_MAX / 1000) ? INT64_MAX : (int64_t)ttl * 1000;
    fresh->expires_ms = now > INT64_MAX - ms ? INT64_MAX : now + ms;
    fresh->answer = ma_dns_answer_ref(a);

    pthread_mutex_lock(&c->lock);
    pp = ma_bucket_find(c, canon, len, type, h);
    dead = *pp;
    if (dead != NULL)
        ma_entry_remove(c, dead);  /* another thread's answer: ours is newer */
    else if (c->count >= ma__limit(c->ctx, MA_LIMIT_CACHE_ENTRIES) && c->tail != NULL) {
        dead = c->tail;
        ma_entry_remove(c, dead);
        c->evictions++;
    }
    ma_cache_grow(c);
    pp = &c->buckets[h & (c->nbuckets - 1)];
    fresh->hnext = *pp;
    *pp = fresh;
    ma_lru_push_front(c, fresh);
    c->count++;
    pthread_mutex_unlock(&c->lock);
    ma_entry_free(c->ctx, dead);
    *answer_out = a;
    return MA_OK;
}

static void ma_cache_destroy(void *payload)
{
    ma_cache *c = payload;
    ma_cache_entry *e, *next;
    if (c == NULL)
        return;
    for (e = c->head; e != NULL; e = next) {
        next = e->next;
        ma_entry_free(c->ctx, e);
    }
    pthread_mutex_destroy(&c->lock);
    ma__free(c->ctx, c->buckets);
    ma__free(c->ctx, c);
}

static const ma_resolver_ops ma_cache_ops = {
    MA_RESOLVER_OPS_VERSION,
    ma_cache_resolve,
    ma_cache_destroy,
};

int ma__resolver_is_cache(const ma_resolver *r)
{
    return r != NULL && r->ops.resolve == ma_cache_resolve;
}

int ma_resolver_cache_new(ma_resolver **out, ma_ctx *ctx, ma_resolver *inner)
{
    ma_cache *c;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || inner == NULL)
        return MA_EINVAL;
    c = ma__calloc(ctx, 1, sizeof *c);
    if (c == NULL)
        return MA_ENOMEM;
    c->ctx = ctx;
    c->inner = inner;
    c->nbuckets = MA_CACHE_INITIAL_BUCKETS;
    c->buckets = ma__calloc(ctx, c->nbuckets, sizeof *c->buckets);
    if (c->buckets == NULL) {
        ma__free(ctx, c);
        return MA_ENOMEM;
    }
    /* Names come from hostile mail (SPF, DKIM): a per-cache seed keeps
       bucket collisions from being planned in advance. */
    c->seed = ma__hash(&c, sizeof c, (uint64_t)ma_ctx_now_ms(ctx));
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        ma__free(ctx, c->buckets);
        ma__free(ctx, c);
        return MA_ENOMEM;
    }
    rc = ma_resolver_new(out, ctx, &ma_cache_ops, c);
    if (rc != MA_OK) {
        *out = NULL;
        ma_cache_destroy(c);
    }
    return rc;
}

int ma_resolver_cache_stats(ma_resolver *cache, ma_cache_stats *out)
{
    ma_cache *c;
    if (cache == NULL || out == NULL || !ma__resolver_is_cache(cache))
        return MA_EINVAL;
    c = cache->payload;
    pthread_mutex_lock(&c->lock);
    out->hits = c->hits;
    out->misses = c->misses;
    out->evictions = c->evictions;
    out->entries = c->count;
    pthread_mutex_unlock(&c->lock);
    return MA_OK;
}
