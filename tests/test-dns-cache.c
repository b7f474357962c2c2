/*
 * The caching resolver, in front of a scripted inner resolver that counts
 * its questions, with an injected clock.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "tap.h"
#include "testutil.h"

static int64_t clock_ms = 1700000000000LL;

static int64_t test_clock(void *payload)
{
    return __atomic_load_n((int64_t *)payload, __ATOMIC_SEQ_CST);
}

static void advance(int64_t ms)
{
    __atomic_add_fetch(&clock_ms, ms, __ATOMIC_SEQ_CST);
}

/*
 * The inner resolver answers by the name's first label:
 *   ttlN...   records with TTL N (TXT: the name asked; A: 192.0.2.1)
 *   nx        NXDOMAIN without TTL      nxttlN   NXDOMAIN with TTL N
 *   nodata    NODATA without TTL        temp     TEMPFAIL
 *   perm      PERMFAIL                  err      MA_EIO (no answer)
 *   anything else: records with TTL 3600.
 * With fail_all set, every answer is TEMPFAIL.
 */
struct inner {
    ma_ctx *ctx;
    unsigned long calls;
    int fail_all;
};

static unsigned long calls(struct inner *in)
{
    return __atomic_load_n(&in->calls, __ATOMIC_SEQ_CST);
}

static int inner_resolve(void *payload, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    struct inner *in = payload;
    ma_dns_rcode rcode = MA_DNS_OK;
    uint32_t ttl = 3600;
    int set_ttl = 0, rc;
    ma_dns_answer *a;

    __atomic_add_fetch(&in->calls, 1, __ATOMIC_SEQ_CST);
    if (strncmp(name, "err.", 4) == 0)
        return MA_EIO;
    if (__atomic_load_n(&in->fail_all, __ATOMIC_SEQ_CST) || strncmp(name, "temp.", 5) == 0)
        rcode = MA_DNS_TEMPFAIL;
    else if (strncmp(name, "perm.", 5) == 0)
        rcode = MA_DNS_PERMFAIL;
    else if (strncmp(name, "nodata.", 7) == 0)
        rcode = MA_DNS_NODATA;
    else if (strncmp(name, "nxttl", 5) == 0) {
        rcode = MA_DNS_NXDOMAIN;
        ttl = (uint32_t)strtoul(name + 5, NULL, 10);
        set_ttl = 1;
    } else if (strncmp(name, "nx.", 3) == 0)
        rcode = MA_DNS_NXDOMAIN;
    else if (strncmp(name, "ttl", 3) == 0)
        ttl = (uint32_t)strtoul(name + 3, NULL, 10);
    rc = ma_dns_answer_new(&a, in->ctx, type, rcode);
    if (rc != MA_OK)
        return rc;
    if (set_ttl)
        ma_dns_answer_set_ttl(a, ttl);
    if (rcode == MA_DNS_OK) {
        if (type == MA_DNS_TXT) {
            rc = ma_dns_answer_add_txt(a, name, strlen(name), ttl);
        } else if (type == MA_DNS_A) {
            ma_ip ip;
            memset(&ip, 0, sizeof ip);
            ip.family = MA_IP_V4;
            memcpy(ip.addr, "\xc0\x00\x02\x01", 4);
            rc = ma_dns_answer_add_addr(a, &ip, ttl);
        } else {
            rc = ma_dns_answer_add_ptr(a, "x.example", ttl);
        }
    }
    if (rc != MA_OK) {
        ma_dns_answer_free(a);
        return rc;
    }
    *out = a;
    return MA_OK;
}

static const ma_resolver_ops inner_ops = { MA_RESOLVER_OPS_VERSION, inner_resolve, NULL };

static ma_ctx *ctx;

static ma_cache_stats stats(ma_resolver *c)
{
    ma_cache_stats s;
    memset(&s, 0xff, sizeof s);
    ma_resolver_cache_stats(c, &s);
    return s;
}

static void test_args(ma_resolver *inner)
{
    ma_resolver *c = NULL;
    ma_cache_stats s;

    tap_diag("arguments");
    is_int(ma_resolver_cache_new(NULL, ctx, inner), MA_EINVAL, "cache_new: NULL out");
    is_int(ma_resolver_cache_new(&c, NULL, inner), MA_EINVAL, "cache_new: NULL ctx");
    is_int(ma_resolver_cache_new(&c, ctx, NULL), MA_EINVAL, "cache_new: NULL inner");
    ok(c == NULL, "cache_new: out cleared on error");
    is_int(ma_resolver_cache_stats(inner, &s), MA_EINVAL, "stats of a resolver that is no cache");
    is_int(ma_resolver_cache_stats(NULL, &s), MA_EINVAL, "stats of NULL");
    is_int(ma_resolver_cache_new(&c, ctx, inner), MA_OK, "cache_new");
    is_int(ma_resolver_cache_stats(c, NULL), MA_EINVAL, "stats into NULL");
    ok(ma__resolver_is_cache(c) && !ma__resolver_is_cache(inner), "is_cache");
    ma_resolver_free(c);
}

static void test_hits(ma_resolver *inner, struct inner *in)
{
    ma_resolver *c;
    ma_dns_answer *a1, *a2;
    ma_cache_stats s;
    unsigned long base = calls(in);
    const char *t = NULL;
    size_t len;

    tap_diag("hits and misses");
    ma_resolver_cache_new(&c, ctx, inner);
    s = stats(c);
    ok(s.hits == 0 && s.misses == 0 && s.evictions == 0 && s.entries == 0, "empty stats");
    is_int(ma_resolver_resolve(c, "host.example", MA_DNS_TXT, &a1), MA_OK, "first question");
    is_int(ma_resolver_resolve(c, "host.example", MA_DNS_TXT, &a2), MA_OK, "second question");
    is_int(calls(in) - base, 1, "inner asked once");
    ok(a1 == a2, "the cached answer is shared, not copied");
    ma_dns_answer_txt(a2, 0, &t, &len);
    is_str(t, "host.example", "the inner resolver's record");
    is_int(ma_dns_answer_add_txt(a1, "x", 1, 1), MA_ESTATE, "a cached answer is frozen");
    ma_dns_answer_free(a1);
    ma_dns_answer_free(a2);
    s = stats(c);
    ok(s.hits == 1 && s.misses == 1 && s.entries == 1, "1 hit, 1 miss, 1 entry");
    is_int(ask_rcode(c, "HOST.Example.", MA_DNS_TXT), MA_DNS_OK, "other spelling of the name");
    is_int(calls(in) - base, 1, "the key is the canonical name");
    is_int(ask_rcode(c, "host.example", MA_DNS_A), MA_DNS_OK, "same name, other type");
    is_int(calls(in) - base, 2, "the type is part of the key");
    s = stats(c);
    ok(s.hits == 2 && s.misses == 2 && s.entries == 2, "2 hits, 2 misses, 2 entries");
    is_int(ask_rcode(c, "bad..name", MA_DNS_TXT), -100 + MA_ESYNTAX, "bad name: ESYNTAX");
    is_int(calls(in) - base, 2, "bad name: inner not asked");
    is_int(ask_rcode(c, "err.example", MA_DNS_TXT), -100 + MA_EIO, "inner error passed on");
    is_int(ask_rcode(c, "err.example", MA_DNS_TXT), -100 + MA_EIO, "inner error again");
    is_int(calls(in) - base, 4, "errors are not cached");
    is_int(stats(c).entries, 2, "errors add no entry");
    ma_resolver_free(c);
}

static void test_ttl(ma_resolver *inner, struct inner *in)
{
    ma_resolver *c;
    unsigned long base = calls(in);
    int64_t t0;

    tap_diag("TTLs");
    ma_resolver_cache_new(&c, ctx, inner);
    t0 = clock_ms;
    ask_rcode(c, "ttl10.example", MA_DNS_TXT);
    advance(9999);
    ask_rcode(c, "ttl10.example", MA_DNS_TXT);
    is_int(calls(in) - base, 1, "TTL 10: cached after 9.999 s");
    advance(1);
    ask_rcode(c, "ttl10.example", MA_DNS_TXT);
    is_int(calls(in) - base, 2, "TTL 10: expired after 10 s");
    is_int(stats(c).entries, 1, "the expired entry was replaced");

    ma_ctx_set_limit(ctx, MA_LIMIT_CACHE_MAX_TTL, 100);
    base = calls(in);
    ask_rcode(c, "ttl1000.example", MA_DNS_TXT);
    advance(99999);
    ask_rcode(c, "ttl1000.example", MA_DNS_TXT);
    is_int(calls(in) - base, 1, "TTL 1000, max 100: cached after 99.999 s");
    advance(1);
    ask_rcode(c, "ttl1000.example", MA_DNS_TXT);
    is_int(calls(in) - base, 2, "TTL 1000, max 100: expired after 100 s");
    ma_ctx_set_limit(ctx, MA_LIMIT_CACHE_MAX_TTL, ma_limit_default(MA_LIMIT_CACHE_MAX_TTL));

    base = calls(in);
    is_int(ask_rcode(c, "nx.example", MA_DNS_TXT), MA_DNS_NXDOMAIN, "NXDOMAIN");
    is_int(ask_rcode(c, "nodata.example", MA_DNS_TXT), MA_DNS_NODATA, "NODATA");
    advance(299999);
    is_int(ask_rcode(c, "nx.example", MA_DNS_TXT), MA_DNS_NXDOMAIN, "NXDOMAIN again");
    is_int(ask_rcode(c, "nodata.example", MA_DNS_TXT), MA_DNS_NODATA, "NODATA again");
    is_int(calls(in) - base, 2, "negative answers without TTL: cached for 299.999 s");
    advance(1);
    ask_rcode(c, "nx.example", MA_DNS_TXT);
    ask_rcode(c, "nodata.example", MA_DNS_TXT);
    is_int(calls(in) - base, 4, "... and gone after the default negative TTL (300 s)");

    base = calls(in);
    ask_rcode(c, "nxttl60.example", MA_DNS_TXT);
    advance(59999);
    ask_rcode(c, "nxttl60.example", MA_DNS_TXT);
    is_int(calls(in) - base, 1, "NXDOMAIN with TTL 60: cached after 59.999 s");
    advance(1);
    ask_rcode(c, "nxttl60.example", MA_DNS_TXT);
    is_int(calls(in) - base, 2, "NXDOMAIN with TTL 60: expired after 60 s");

    base = calls(in);
    is_int(ask_rcode(c, "temp.example", MA_DNS_TXT), MA_DNS_TEMPFAIL, "TEMPFAIL");
    is_int(ask_rcode(c, "temp.example", MA_DNS_TXT), MA_DNS_TEMPFAIL, "TEMPFAIL again");
    is_int(calls(in) - base, 2, "TEMPFAIL is not cached");
    ask_rcode(c, "ttl0.example", MA_DNS_TXT);
    ask_rcode(c, "ttl0.example", MA_DNS_TXT);
    is_int(calls(in) - base, 4, "records with TTL 0 are not cached");
    ask_rcode(c, "perm.example", MA_DNS_TXT);
    is_int(ask_rcode(c, "perm.example", MA_DNS_TXT), MA_DNS_PERMFAIL, "PERMFAIL again");
    is_int(calls(in) - base, 5, "PERMFAIL is cached like a negative answer");

    /* An entry found expired is dropped even when the new answer is not kept. */
    base = calls(in);
    ask_rcode(c, "ttl5.example", MA_DNS_TXT);
    is_int(stats(c).entries, 7, "7 entries");
    advance(5000);
    __atomic_store_n(&in->fail_all, 1, __ATOMIC_SEQ_CST);
    is_int(ask_rcode(c, "ttl5.example", MA_DNS_TXT), MA_DNS_TEMPFAIL, "expired, then TEMPFAIL");
    __atomic_store_n(&in->fail_all, 0, __ATOMIC_SEQ_CST);
    is_int(stats(c).entries, 6, "the expired entry was dropped");
    is_int(calls(in) - base, 2, "and the inner resolver asked again");

    /* A clock set back keeps entries (they expire later, never earlier). */
    __atomic_store_n(&clock_ms, t0, __ATOMIC_SEQ_CST);
    base = calls(in);
    ask_rcode(c, "ttl1000.example", MA_DNS_TXT);
    is_int(calls(in) - base, 0, "clock set back: entry still cached");
    ma_resolver_free(c);
}

static void test_lru(ma_resolver *inner, struct inner *in)
{
    ma_resolver *c;
    ma_cache_stats s;
    unsigned long base;

    tap_diag("LRU");
    ma_ctx_set_limit(ctx, MA_LIMIT_CACHE_ENTRIES, 3);
    ma_resolver_cache_new(&c, ctx, inner);
    ask_rcode(c, "a.example", MA_DNS_TXT);
    ask_rcode(c, "b.example", MA_DNS_TXT);
    ask_rcode(c, "c.example", MA_DNS_TXT);
    ask_rcode(c, "a.example", MA_DNS_TXT); /* a is now the most recent, b the least */
    s = stats(c);
    ok(s.entries == 3 && s.evictions == 0 && s.hits == 1, "3 entries, no eviction yet");
    ask_rcode(c, "d.example", MA_DNS_TXT);
    s = stats(c);
    ok(s.entries == 3 && s.evictions == 1, "a fourth entry evicts one");
    base = calls(in);
    ask_rcode(c, "a.example", MA_DNS_TXT);
    ask_rcode(c, "c.example", MA_DNS_TXT);
    ask_rcode(c, "d.example", MA_DNS_TXT);
    is_int(calls(in) - base, 0, "a, c and d are still cached");
    ask_rcode(c, "b.example", MA_DNS_TXT);
    is_int(calls(in) - base, 1, "b, the least recently used, was evicted");
    /* Order now (most recent first): b d c.  Using c makes d the least
       recently used, though c was inserted first: e evicts d. */
    ask_rcode(c, "c.example", MA_DNS_TXT);
    ask_rcode(c, "e.example", MA_DNS_TXT);
    base = calls(in);
    ask_rcode(c, "c.example", MA_DNS_TXT);
    ask_rcode(c, "b.example", MA_DNS_TXT);
    ask_rcode(c, "e.example", MA_DNS_TXT);
    is_int(calls(in) - base, 0, "c, b and e cached");
    ask_rcode(c, "d.example", MA_DNS_TXT);
    is_int(calls(in) - base, 1, "d evicted: use counts, not insertion order");
    s = stats(c);
    ok(s.entries == 3 && s.evictions == 4, "entries stay at the limit; 4 evictions");
    ma_resolver_free(c);
    ma_ctx_set_limit(ctx, MA_LIMIT_CACHE_ENTRIES, ma_limit_default(MA_LIMIT_CACHE_ENTRIES));
}

/* ------------------------------------------------------------ hammering */

struct worker {
    ma_resolver *c;
    int id;
    int errors;
    int asked;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    char name[64];
    int i;
    for (i = 0; i < 20000; i++) {
        ma_dns_answer *a = NULL;
        const char *t;
        size_t len;
        /* Each name asked four times running (hits), 64 names through 16 slots (evictions). */
        int n = ((i / 4) * 7 + w->id * 13) % 64;
        snprintf(name, sizeof name, "ttl%d.h%d.example", 1 + n % 5, n);
        if (ma_resolver_resolve(w->c, name, MA_DNS_TXT, &a) != MA_OK ||
            ma_dns_answer_txt(a, 0, &t, &len) != MA_OK || len != strlen(name) ||
            memcmp(t, name, len) != 0)
            w->errors++;
        ma_dns_answer_free(a);
        w->asked++;
        advance(1);
    }
    return NULL;
}

static void test_threads(ma_resolver *inner, struct inner *in)
{
    ma_resolver *c;
    struct worker w[2];
    pthread_t th[2];
    ma_cache_stats s;
    unsigned long base = calls(in);
    int i;

    tap_diag("two threads");
    ma_ctx_set_limit(ctx, MA_LIMIT_CACHE_ENTRIES, 16);
    ma_resolver_cache_new(&c, ctx, inner);
    memset(w, 0, sizeof w);
    for (i = 0; i < 2; i++) {
        w[i].c = c;
        w[i].id = i;
        pthread_create(&th[i], NULL, hammer, &w[i]);
    }
    for (i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    s = stats(c);
    is_int(w[0].errors + w[1].errors, 0, "every answer right");
    is_int(s.hits + s.misses, w[0].asked + w[1].asked, "hits + misses = questions");
    is_int(calls(in) - base, s.misses, "inner asked once per miss");
    ok(s.hits > 0 && s.evictions > 0, "hits and evictions happened");
    ok(s.entries <= 16, "entries within the limit");
    ma_resolver_free(c);
    ma_ctx_set_limit(ctx, MA_LIMIT_CACHE_ENTRIES, ma_limit_default(MA_LIMIT_CACHE_ENTRIES));
}

int main(void)
{
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    ma_resolver *inner, *c;
    struct inner in;

    opts.clock_fn = test_clock;
    opts.clock_payload = &clock_ms;
    if (ma_ctx_new(&ctx, &opts) != MA_OK)
        return 1;
    memset(&in, 0, sizeof in);
    in.ctx = ctx;
    if (ma_resolver_new(&inner, ctx, &inner_ops, &in) != MA_OK)
        return 1;
    test_args(inner);
    test_hits(inner, &in);
    test_ttl(inner, &in);
    test_lru(inner, &in);
    test_threads(inner, &in);

    /* The cache does not own the inner resolver. */
    ma_resolver_cache_new(&c, ctx, inner);
    ask_rcode(c, "host.example", MA_DNS_TXT);
    ma_resolver_free(c);
    is_int(ask_rcode(inner, "host.example", MA_DNS_TXT), MA_DNS_OK,
           "inner usable after the cache is freed");
    ma_resolver_free(inner);
    ma_ctx_free(ctx);
    return tap_done();
}
