/*
 * The static (in-memory) resolver: records added through the API or loaded
 * from master-file text (zone.c), names marked as timing out or failing.
 *
 * A zone is a hash table of nodes keyed by the canonical text of their name
 * (ma__dns_name_canon).  Each node holds one prebuilt answer per record
 * type, so a lookup is: canonicalize the name into a stack buffer, find the
 * node, take a reference on the answer.  Nothing is allocated per question.
 *
 * Threads: adding records (and loading zone text) is not thread-safe.  In
 * particular, adding after resolving has begun is not thread-safe: no add
 * may overlap with a question from any thread.  Set the zone up first, then
 * resolve.  Resolving only reads the table and takes answer references
 * (atomic), so any number of threads may resolve at once.  An add made
 * while no question is running is fine: answers already handed out are
 * never changed (copy-on-write, ma_node_add()).
 */
#include "config.h"

#include <string.h>

#include "dns/static_int.h"

#define MA_STATIC_INITIAL_BUCKETS 64

/* Every bit ma_static_zone_add_timeout() accepts. */
#define MA_STATIC_ALL_TYPES                                                                     \
    (MA_DNS_TYPE_BIT(MA_DNS_TXT) | MA_DNS_TYPE_BIT(MA_DNS_A) | MA_DNS_TYPE_BIT(MA_DNS_AAAA) |   \
     MA_DNS_TYPE_BIT(MA_DNS_MX) | MA_DNS_TYPE_BIT(MA_DNS_PTR))

static const ma_dns_type ma_static_types[MA_STATIC_NTYPES] = {
    MA_DNS_TXT, MA_DNS_A, MA_DNS_AAAA, MA_DNS_MX, MA_DNS_PTR,
};

static int ma_type_index(int type)
{
    switch (type) {
    case MA_DNS_TXT: return 0;
    case MA_DNS_A: return 1;
    case MA_DNS_AAAA: return 2;
    case MA_DNS_MX: return 3;
    case MA_DNS_PTR: return 4;
    default: return -1;
    }
}

/* ------------------------------------------------------------ hash table */

static uint64_t ma_name_hash(const char *name, size_t len)
{
    return ma__dns_name_hash(name, len);
}

/* Whether a[0..len) and b[0..len) are the same bytes (names are short:
   compared a word at a time, without a call). */
static int ma_same_bytes(const char *a, const char *b, size_t len)
{
    uint64_t x, y;
    size_t i;
    if (len >= 8) {
        /* Whole words, then the last 8 bytes (overlapping). */
        for (i = 0; i + 8 < len; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return 0;
        }
        memcpy(&x, a + len - 8, 8);
        memcpy(&y, b + len - 8, 8);
        return x == y;
    }
    for (i = 0; i < len; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static ma_static_node *ma_node_find(const ma_static_zone *z, const char *name, size_t len,
                                    uint64_t h)
{
    ma_static_node *n;
    for (n = z->buckets[h & (z->nbuckets - 1)]; n != NULL; n = n->next)
        if (n->hash == h && n->len == len && ma_same_bytes(n->name, name, len))
            return n;
    return NULL;
}

/* Double the table when it is full; a failed allocation only costs speed. */
static void ma_zone_grow(ma_static_zone *z)
{
    ma_static_node **nb;
    size_t n, i;

    if (z->count < z->nbuckets || z->nbuckets > SIZE_MAX / 2 / sizeof *nb)
        return;
    n = z->nbuckets * 2;
    nb = ma__calloc(z->ctx, n, sizeof *nb);
    if (nb == NULL)
        return;
    for (i = 0; i < z->nbuckets; i++) {
        ma_static_node *node = z->buckets[i], *next;
        for (; node != NULL; node = next) {
            next = node->next;
            node->next = nb[node->hash & (n - 1)];
            nb[node->hash & (n - 1)] = node;
        }
    }
    ma__free(z->ctx, z->buckets);
    z->buckets = nb;
    z->nbuckets = n;
}

static int ma_node_insert(ma_static_zone *z, const char *name, size_t len, uint64_t h,
                          ma_static_node **out)
{
    ma_static_node *n = ma__calloc(z->ctx, 1, sizeof *n);
    if (n == NULL)
        return MA_ENOMEM;
    n->name = ma__strndup(z->ctx, name, len);
    if (n->name == NULL) {
        ma__free(z->ctx, n);
        return MA_ENOMEM;
    }
    n->len = len;
    n->hash = h;
    ma_zone_grow(z);
    n->next = z->buckets[h & (z->nbuckets - 1)];
    z->buckets[h & (z->nbuckets - 1)] = n;
    z->count++;
    *out = n;
    return MA_OK;
}

/*
 * The node of a canonical name, created with every missing ancestor (the
 * ancestors exist as empty non-terminals: RFC 8020 makes "no such name"
 * mean nothing below it exists either).  Ancestors are created first, so
 * that a failed allocation never leaves a node without its ancestors.  In
 * canonical text every '.' separates labels (a dot inside a label is \046).
 */
static int ma_node_get(ma_static_zone *z, const char *name, size_t len, ma_static_node **out)
{
    size_t starts[128]; /* a valid name has at most 127 labels */
    size_t nstarts = 0, i;
    int rc;

    *out = ma_node_find(z, name, len, ma_name_hash(name, len));
    if (*out != NULL)
        return MA_OK;
    /* Offsets of the missing names, from the name itself upwards. */
    starts[nstarts++] = 0;
    for (i = 0; i < len; i++) {
        if (name[i] != '.')
            continue;
        if (ma_node_find(z, name + i + 1, len - i - 1, ma_name_hash(name + i + 1, len - i - 1)))
            break;
        if (nstarts == sizeof starts / sizeof starts[0])
            return MA_ESYNTAX;
        starts[nstarts++] = i + 1;
    }
    while (nstarts > 0) {
        size_t s = starts[--nstarts];
        rc = ma_node_insert(z, name + s, len - s, ma_name_hash(name + s, len - s), out);
        if (rc != MA_OK)
            return rc;
    }
    return MA_OK;
}

static void ma_node_free(const ma_ctx *ctx, ma_static_node *n)
{
    int i;
    for (i = 0; i < MA_STATIC_NTYPES; i++)
        ma_dns_answer_free(n->answers[i]);
    ma__free(ctx, n->cname);
    ma__free(ctx, n->name);
    ma__free(ctx, n);
}

/* ------------------------------------------------------------- the zone */

static void ma_zone_destroy(ma_static_zone *z)
{
    size_t i;
    int t;
    for (i = 0; i < z->nbuckets; i++) {
        ma_static_node *n = z->buckets[i], *next;
        for (; n != NULL; n = next) {
            next = n->next;
            ma_node_free(z->ctx, n);
        }
    }
    for (t = 0; t < MA_STATIC_NTYPES; t++) {
        ma_dns_answer_free(z->nxdomain[t]);
        ma_dns_answer_free(z->nodata[t]);
        ma_dns_answer_free(z->tempfail[t]);
    }
    ma__free(z->ctx, z->buckets);
    ma__free(z->ctx, z);
}

static void ma_zone_unref(ma_static_zone *z)
{
    if (__atomic_sub_fetch(&z->refs, 1, __ATOMIC_ACQ_REL) == 0)
        ma_zone_destroy(z);
}

int ma_static_zone_new(ma_static_zone **out, ma_ctx *ctx)
{
    ma_static_zone *z;
    int t, rc = MA_OK;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    z = ma__calloc(ctx, 1, sizeof *z);
    if (z == NULL)
        return MA_ENOMEM;
    z->ctx = ctx;
    z->refs = 1;
    ma__err_clear(&z->err);
    z->nbuckets = MA_STATIC_INITIAL_BUCKETS;
    z->buckets = ma__calloc(ctx, z->nbuckets, sizeof *z->buckets);
    if (z->buckets == NULL)
        rc = MA_ENOMEM;
    /* The answers without records are shared by every question. */
    for (t = 0; t < MA_STATIC_NTYPES && rc == MA_OK; t++) {
        rc = ma_dns_answer_new(&z->nxdomain[t], ctx, ma_static_types[t], MA_DNS_NXDOMAIN);
        if (rc == MA_OK)
            rc = ma_dns_answer_new(&z->nodata[t], ctx, ma_static_types[t], MA_DNS_NODATA);
        if (rc == MA_OK)
            rc = ma_dns_answer_new(&z->tempfail[t], ctx, ma_static_types[t], MA_DNS_TEMPFAIL);
    }
    if (rc != MA_OK) {
        if (z->buckets == NULL)
            z->nbuckets = 0;
        ma_zone_destroy(z);
        return rc;
    }
    *out = z;
    return MA_OK;
}

void ma_static_zone_free(ma_static_zone *z)
{
    if (z != NULL)
        ma_zone_unref(z);
}

const char *ma_static_zone_error(const ma_static_zone *z)
{
    return z != NULL ? z->err.text : "";
}

/* --------------------------------------------------------------- records */

/* A record to add, as a value. */
typedef struct ma_rec_value {
    const char *text;  /* TXT bytes; MX/PTR host name, NUL-terminated */
    size_t len;
    uint16_t pref;
    ma_ip ip;
    uint32_t ttl;
} ma_rec_value;

static void ma_rec_value_of(ma_rec_value *v, const ma_dns_record *r)
{
    v->text = r->text;
    v->len = r->len;
    v->pref = r->pref;
    v->ip = r->ip;
    v->ttl = r->ttl;
}

static int ma_answer_put(ma_dns_answer *a, const ma_rec_value *v)
{
    switch (a->type) {
    case MA_DNS_TXT: return ma_dns_answer_add_txt(a, v->text, v->len, v->ttl);
    case MA_DNS_A:
    case MA_DNS_AAAA: return ma_dns_answer_add_addr(a, &v->ip, v->ttl);
    case MA_DNS_MX: return ma_dns_answer_add_mx(a, v->pref, v->text, v->ttl);
    case MA_DNS_PTR: return ma_dns_answer_add_ptr(a, v->text, v->ttl);
    default: return MA_EINVAL;
    }
}

static int ma_record_equal(int type, const ma_dns_record *x, const ma_rec_value *y)
{
    switch (type) {
    case MA_DNS_TXT:
        return x->len == y->len && (x->len == 0 || memcmp(x->text, y->text, x->len) == 0);
    case MA_DNS_A: return memcmp(x->ip.addr, y->ip.addr, 4) == 0;
    case MA_DNS_AAAA: return memcmp(x->ip.addr, y->ip.addr, 16) == 0;
    case MA_DNS_MX:
        if (x->pref != y->pref)
            return 0;
        /* fall through */
    case MA_DNS_PTR: return ma__casecmp(x->text, x->len, y->text, y->len) == 0;
    default: return 0;
    }
}

/*
 * Add a record to the answer of node for type.  An answer already handed
 * out (frozen) is never changed: a new one is built with the old records
 * plus the new one, and replaces it in the node; holders of the old one
 * keep it intact.  A record equal to one present is not added again (an
 * RRset is a set, RFC 2181 5).
 */
static int ma_node_add(ma_static_zone *z, ma_static_node *n, ma_dns_type type,
                       const ma_rec_value *rec)
{
    int idx = ma_type_index(type);
    ma_dns_answer *old = n->answers[idx], *a;
    ma_rec_value v;
    size_t i;
    int rc;

    if (old != NULL) {
        for (i = 0; i < old->count; i++)
            if (ma_record_equal(type, &old->recs[i], rec))
                return MA_OK;
        if (!__atomic_load_n(&old->frozen, __ATOMIC_ACQUIRE))
            return ma_answer_put(old, rec);
    }
    rc = ma_dns_answer_new(&a, z->ctx, type, MA_DNS_OK);
    if (rc != MA_OK)
        return rc;
    for (i = 0; old != NULL && i < old->count && rc == MA_OK; i++) {
        ma_rec_value_of(&v, &old->recs[i]);
        rc = ma_answer_put(a, &v);
    }
    if (rc == MA_OK)
        rc = ma_answer_put(a, rec);
    if (rc != MA_OK) {
        ma_dns_answer_free(a);
        return rc;
    }
    n->answers[idx] = a;
    ma_dns_answer_free(old);
    return MA_OK;
}

/* The node for an owner name given as presentation text. */
static int ma_owner_node(ma_static_zone *z, const char *name, ma_static_node **out)
{
    char canon[MA_DNS_CANON_CAP];
    size_t len;
    int rc = ma__dns_name_canon_fixed(canon, name,
                                      strnlen(name, MA_DNS_NAME_TEXT_MAX + 1), &len);
    if (rc != MA_OK)
        return rc;
    return ma_node_get(z, canon, len, out);
}

static int ma_zone_add(ma_static_zone *z, const char *name, ma_dns_type type,
                       const ma_rec_value *rec)
{
    ma_static_node *n;
    int rc = ma_owner_node(z, name, &n);
    if (rc != MA_OK)
        return rc;
    /* A name with a CNAME has no other data (RFC 1034 3.6.2). */
    if (n->cname != NULL)
        return MA_ESTATE;
    return ma_node_add(z, n, type, rec);
}

/*
 * A target host name (MX exchange, PTR): validated, stored as given but
 * without its trailing dot.  The root stays ".".  A name whose last label
 * ends in an escaped dot is stored in canonical form, so that the stored
 * text never ends with a dot that could be taken for a trailing one.
 * out has room for MA_DNS_CANON_CAP bytes.
 */
static int ma_target_text(const ma_static_zone *z, const char *target, char *out, size_t *out_len)
{
    char canon[MA_DNS_CANON_CAP];
    size_t len = strnlen(target, MA_DNS_NAME_TEXT_MAX + 1), clen, bs;
    int rc = ma__dns_name_canon_fixed(canon, target, len, &clen);

    if (rc != MA_OK)
        return rc;
    if (clen == 0) {
        memcpy(out, ".", 2);
        *out_len = 1;
        return MA_OK;
    }
    if (len > 0 && target[len - 1] == '.') {
        /* Trailing when preceded by an even number of backslashes. */
        for (bs = 0; bs < len - 1 && target[len - 2 - bs] == '\\'; bs++)
            ;
        if (bs % 2 == 0)
            len--;
    }
    if (len > 0 && target[len - 1] == '.') {
        memcpy(out, canon, clen + 1);
        *out_len = clen;
        return MA_OK;
    }
    memcpy(out, target, len);
    out[len] = '\0';
    *out_len = len;
    return MA_OK;
}

int ma_static_zone_add_txt(ma_static_zone *z, const char *name, const char *text, size_t len,
                           uint32_t ttl)
{
    ma_rec_value rec;
    if (z == NULL || name == NULL || (text == NULL && len > 0))
        return MA_EINVAL;
    /* Refused before the owner name is made: a refused record must leave
       no name behind (NODATA where NXDOMAIN is due). */
    if ((uint64_t)len > ma__limit(z->ctx, MA_LIMIT_TXT_BYTES))
        return MA_ELIMIT;
    memset(&rec, 0, sizeof rec);
    rec.text = text != NULL ? text : "";
    rec.len = len;
    rec.ttl = ttl;
    return ma_zone_add(z, name, MA_DNS_TXT, &rec);
}

int ma_static_zone_add_addr(ma_static_zone *z, const char *name, const ma_ip *ip, uint32_t ttl)
{
    ma_rec_value rec;
    if (z == NULL || name == NULL || ip == NULL ||
        (ip->family != MA_IP_V4 && ip->family != MA_IP_V6))
        return MA_EINVAL;
    memset(&rec, 0, sizeof rec);
    rec.ip = *ip;
    rec.ttl = ttl;
    return ma_zone_add(z, name, ip->family == MA_IP_V4 ? MA_DNS_A : MA_DNS_AAAA, &rec);
}

static int ma_zone_add_host(ma_static_zone *z, const char *name, ma_dns_type type, uint16_t pref,
                            const char *target, uint32_t ttl)
{
    char text[MA_DNS_CANON_CAP];
    ma_rec_value rec;
    int rc;
    if (z == NULL || name == NULL || target == NULL)
        return MA_EINVAL;
    memset(&rec, 0, sizeof rec);
    rc = ma_target_text(z, target, text, &rec.len);
    if (rc != MA_OK)
        return rc;
    rec.text = text;
    rec.pref = pref;
    rec.ttl = ttl;
    return ma_zone_add(z, name, type, &rec);
}

int ma_static_zone_add_mx(ma_static_zone *z, const char *name, uint16_t preference,
                          const char *exchange, uint32_t ttl)
{
    return ma_zone_add_host(z, name, MA_DNS_MX, preference, exchange, ttl);
}

int ma_static_zone_add_ptr(ma_static_zone *z, const char *name, const char *target, uint32_t ttl)
{
    return ma_zone_add_host(z, name, MA_DNS_PTR, 0, target, ttl);
}

int ma_static_zone_add_cname(ma_static_zone *z, const char *name, const char *target,
                             uint32_t ttl)
{
    char canon[MA_DNS_CANON_CAP];
    ma_static_node *n;
    size_t len;
    int rc, i;

    (void)ttl; /* the target's answer is returned as is, with its own TTL */
    if (z == NULL || name == NULL || target == NULL)
        return MA_EINVAL;
    rc = ma__dns_name_canon_fixed(canon, target,
                                  strnlen(target, MA_DNS_NAME_TEXT_MAX + 1), &len);
    if (rc != MA_OK)
        return rc;
    rc = ma_owner_node(z, name, &n);
    if (rc != MA_OK)
        return rc;
    if (n->cname != NULL)
        return (n->cname_len == len && memcmp(n->cname, canon, len) == 0) ? MA_OK : MA_ESTATE;
    for (i = 0; i < MA_STATIC_NTYPES; i++)
        if (n->answers[i] != NULL)
            return MA_ESTATE;
    n->cname = ma__strndup(z->ctx, canon, len);
    if (n->cname == NULL)
        return MA_ENOMEM;
    n->cname_len = len;
    return MA_OK;
}

int ma__static_zone_fail(ma_static_zone *z, const char *name, size_t len, uint32_t types)
{
    char canon[MA_DNS_CANON_CAP];
    ma_static_node *n;
    size_t clen;
    int rc;

    if ((types & ~(uint32_t)MA_STATIC_ALL_TYPES) != 0)
        return MA_EINVAL;
    rc = ma__dns_name_canon_fixed(canon, name, len, &clen);
    if (rc != MA_OK)
        return rc;
    rc = ma_node_get(z, canon, clen, &n);
    if (rc != MA_OK)
        return rc;
    n->fail_types |= types != 0 ? types : (uint32_t)MA_STATIC_ALL_TYPES;
    return MA_OK;
}

int ma__static_zone_touch(ma_static_zone *z, const char *name, size_t len)
{
    char canon[MA_DNS_CANON_CAP];
    ma_static_node *n;
    size_t clen;
    int rc = ma__dns_name_canon_fixed(canon, name, len, &clen);
    if (rc != MA_OK)
        return rc;
    return ma_node_get(z, canon, clen, &n);
}

/*
 * A timeout and a SERVFAIL look the same to the caller: a TEMPFAIL answer.
 * They are kept apart in the API (and the zone directives) because they are
 * different conditions in a test's description.
 */
int ma_static_zone_add_timeout(ma_static_zone *z, const char *name, uint32_t types)
{
    if (z == NULL || name == NULL)
        return MA_EINVAL;
    return ma__static_zone_fail(z, name, strnlen(name, MA_DNS_NAME_TEXT_MAX + 1), types);
}

int ma_static_zone_add_servfail(ma_static_zone *z, const char *name, uint32_t types)
{
    if (z == NULL || name == NULL)
        return MA_EINVAL;
    return ma__static_zone_fail(z, name, strnlen(name, MA_DNS_NAME_TEXT_MAX + 1), types);
}

/* -------------------------------------------------------------- resolver */

/*
 * Answer a question: $TIMEOUT/$SERVFAIL marks first, then CNAMEs (followed
 * for at most MA_LIMIT_CNAME_CHAIN links; a longer chain or a loop is a
 * TEMPFAIL, as recursive resolvers answer SERVFAIL there), then records.
 * A name that is not in the zone (even as an empty non-terminal) is
 * NXDOMAIN, also at the end of a CNAME chain.
 */
static int ma_static_answer(const ma_static_zone *z, const ma_static_node *n, const char *key,
                            size_t len, ma_dns_type type, int idx, ma_dns_answer **answer_out)
{
    uint64_t hops, limit = ma__limit(z->ctx, MA_LIMIT_CNAME_CHAIN);
    for (hops = 0;; hops++) {
        if (hops > 0)
            n = ma_node_find(z, key, len, ma_name_hash(key, len));
        if (n == NULL) {
            *answer_out = ma_dns_answer_ref(z->nxdomain[idx]);
            return MA_OK;
        }
        if (n->fail_types & MA_DNS_TYPE_BIT(type))
            break;
        if (n->cname == NULL) {
            ma_dns_answer *a = n->answers[idx] != NULL ? n->answers[idx] : z->nodata[idx];
            *answer_out = ma_dns_answer_ref(a);
            return MA_OK;
        }
        if (hops >= limit)
            break;
        key = n->cname;
        len = n->cname_len;
    }
    *answer_out = ma_dns_answer_ref(z->tempfail[idx]);
    return MA_OK;
}

static int ma_static_resolve(void *payload, const char *name, ma_dns_type type,
                             ma_dns_answer **answer_out)
{
    ma_static_zone *z = payload;
    char canon[MA_DNS_CANON_CAP];
    const char *key = canon;
    const ma_static_node *n;
    size_t len;
    int idx, rc;

    if (answer_out == NULL)
        return MA_EINVAL;
    *answer_out = NULL;
    idx = ma_type_index(type);
    if (z == NULL || name == NULL || idx < 0)
        return MA_EINVAL;
    len = strnlen(name, MA_DNS_NAME_TEXT_MAX + 1);
    /* Names that jobs ask are canonical already, and node names are
       canonical: an exact match needs no canonicalization.  Anything else
       (upper case, a root dot, escapes) is canonicalized and looked up. */
    n = len == 0 || len > MA_DNS_NAME_TEXT_MAX ? NULL
                                                : ma_node_find(z, name, len, ma_name_hash(name, len));
    if (n != NULL)
        return ma_static_answer(z, n, name, len, type, idx, answer_out);
    rc = ma__dns_name_canon_fixed(canon, name, len, &len);
    if (rc != MA_OK)
        return rc;
    n = ma_node_find(z, key, len, ma_name_hash(key, len));
    return ma_static_answer(z, n, key, len, type, idx, answer_out);
}

/* The in-memory path (ma_resolver.canon): the name is canonical and hashed. */
static int ma_static_resolve_canon(void *payload, const char *canon, size_t len, uint64_t hash,
                                   ma_dns_type type, ma_dns_answer **answer_out)
{
    const ma_static_zone *z = payload;
    const ma_static_node *n;
    int idx = ma_type_index(type);
    if (idx < 0)
        return MA_EINVAL;
    n = ma_node_find(z, canon, len, hash);
    if (n != NULL && n->fail_types == 0 && n->cname == NULL) {
        /* The common case of ma_static_answer(): the node's records, with
           a reference taken as ma_dns_answer_ref() takes it (an answer
           handed out before is frozen already). */
        ma_dns_answer *a = n->answers[idx] != NULL ? n->answers[idx] : z->nodata[idx];
        if (a != NULL) {
            __atomic_fetch_add(&a->refs, 1, __ATOMIC_RELAXED);
            if (!__atomic_load_n(&a->frozen, __ATOMIC_ACQUIRE))
                ma__dns_answer_freeze(a);
        }
        *answer_out = a;
        return MA_OK;
    }
    return ma_static_answer(z, n, canon, len, type, idx, answer_out);
}

static void ma_static_destroy(void *payload)
{
    ma_zone_unref(payload);
}

static const ma_resolver_ops ma_static_ops = {
    MA_RESOLVER_OPS_VERSION,
    ma_static_resolve,
    ma_static_destroy,
};

int ma_resolver_static_new(ma_resolver **out, ma_ctx *ctx, ma_static_zone *z)
{
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || z == NULL)
        return MA_EINVAL;
    __atomic_add_fetch(&z->refs, 1, __ATOMIC_RELAXED);
    rc = ma_resolver_new(out, ctx, &ma_static_ops, z);
    if (rc != MA_OK) {
        *out = NULL;
        ma_zone_unref(z);
        return rc;
    }
    (*out)->canon = ma_static_resolve_canon;
    return MA_OK;
}
