/*
 * bench-spf: SPF (RFC 7208) evaluations per second, allocations per
 * evaluation and peak RSS, libmailauth against libspf2 in the same run.
 *
 *     bench-spf [--seconds S] [--runs N]
 *     bench-spf --profile LIB POLICY COUNT     (for valgrind --tool=callgrind)
 *
 * Both libraries answer from memory, from zones built from the one record
 * table below: libmailauth through its static resolver
 * (ma_resolver_static_new), libspf2 through its own zone layer
 * (SPF_dns_zone_new + SPF_dns_zone_add_str), with no cache in either.  One
 * evaluation is what an MTA does per message: a new check for the client,
 * run to its result, freed.  For libmailauth that is ma_spf_job_new +
 * ma_job_run + ma_spf_job_result (and, in the "+rspf" row, the Received-SPF
 * field, which libspf2 always formats).
 *
 * First every policy is evaluated once by both libraries: the bench stops
 * (exit 1) unless both give the expected result.  Then each library runs
 * each policy in a process of its own (this program, run again with
 * --child), so that the peak RSS (getrusage ru_maxrss) is that library's:
 * a short warm-up, then N timed runs of S seconds each; the median rate is
 * reported.  Allocations are counted through the ma_ctx allocator hooks for
 * libmailauth and, for libspf2 (which calls malloc directly), by wrapping
 * malloc/calloc/realloc in this program (glibc only; "n/a" elsewhere).
 *
 * The policies:
 *   chain-hit   an include chain 5 records deep with ip4, ip6, a and mx in
 *               every record; the client matches the ip4 of the 5th;
 *   chain-miss  the same chain, a client that matches nothing: -all;
 *   flat-50     50 ip4 networks in one record, the client in the last;
 *   exists      exists:%{i}.%{l}._spf.%{d}, which exists for the client.
 * The chain needs 12 (hit) and 14 (miss) DNS-querying terms, over RFC 7208's
 * limit of 10: both libraries get the same raised limit (BENCH_DNS_TERMS),
 * which changes no result of the other policies.
 */
#define _GNU_SOURCE 1

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include <mailauth/mailauth.h>

/* The DNS-term limit given to both libraries (RFC 7208 4.6.4 says 10). */
#define BENCH_DNS_TERMS 20

/* Checks per timing probe of the clock. */
#define BENCH_BATCH 64

/* ------------------------------------------------ counting malloc (libspf2) */

#include "bench-malloc.h"
#include "bench-child.h"

/* ------------------------------------------------------------- the records */

enum { R_TXT, R_A, R_AAAA, R_MX };

typedef struct record {
    char *name;
    int type;
    char *data;        /* TXT text, address, or MX exchange */
} record;

typedef struct table {
    record *r;
    size_t n, cap;
} table;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage(void) __attribute__((noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("bench-spf: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        die("out of memory");
    return p;
}

static void add(table *t, const char *name, int type, const char *data)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        record *r = realloc(t->r, cap * sizeof *r);
        if (r == NULL)
            die("out of memory");
        t->r = r;
        t->cap = cap;
    }
    t->r[t->n].name = xstrdup(name);
    t->r[t->n].type = type;
    t->r[t->n].data = xstrdup(data);
    t->n++;
}

#define CHAIN_DEPTH 5
#define FLAT_NETS 50

/* "chain.example" for level 1, "l<k>.chain.example" below it. */
static void chain_name(char *buf, size_t size, int level)
{
    if (level == 1)
        snprintf(buf, size, "chain.example");
    else
        snprintf(buf, size, "l%d.chain.example", level);
}

static void build_table(table *t)
{
    char name[256], next[256], host[256], text[2048], addr[64];
    size_t len;
    int k, i;

    /* (1, 2) The include chain: record k has ip4, ip6, a, mx, then include
     * of record k+1, then -all; record 5 has no include. */
    for (k = 1; k <= CHAIN_DEPTH; k++) {
        chain_name(name, sizeof name, k);
        snprintf(host, sizeof host, "mx%d.chain.example", k);
        len = (size_t)snprintf(text, sizeof text,
                               "v=spf1 ip4:10.%d.0.0/16 ip6:2001:db8:%d::/48 a mx", k, k);
        if (k < CHAIN_DEPTH) {
            chain_name(next, sizeof next, k + 1);
            len += (size_t)snprintf(text + len, sizeof text - len, " include:%s", next);
        }
        snprintf(text + len, sizeof text - len, " -all");
        add(t, name, R_TXT, text);
        snprintf(addr, sizeof addr, "192.0.2.%d", k);
        add(t, name, R_A, addr);
        add(t, name, R_MX, host);
        snprintf(addr, sizeof addr, "198.51.100.%d", k);
        add(t, host, R_A, addr);
    }

    /* (3) 50 networks, the client in the last. */
    len = (size_t)snprintf(text, sizeof text, "v=spf1");
    for (i = 0; i < FLAT_NETS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, " ip4:172.16.%d.0/24", i);
    snprintf(text + len, sizeof text - len, " -all");
    add(t, "flat.example", R_TXT, text);

    /* (4) exists: with macros; the name it builds for the client exists. */
    add(t, "exists.example", R_TXT, "v=spf1 exists:%{i}.%{l}._spf.%{d} -all");
    add(t, "192.0.2.99.alice._spf.exists.example", R_A, "127.0.0.2");
}

/* -------------------------------------------------------------- the policies */

typedef struct policy {
    const char *name;
    const char *what;
    const char *ip;
    const char *sender;
    const char *helo;
    ma_spf_result expected;
} policy;

static const policy policies[] = {
    { "chain-hit", "include chain, depth 5, ip4/ip6/a/mx per level, ip4 hit at level 5",
      "10.5.1.2", "user@chain.example", "client.example", MA_SPF_PASS },
    { "chain-miss", "the same chain, no match: -all",
      "203.0.113.9", "user@chain.example", "client.example", MA_SPF_FAIL },
    { "flat-50", "50 ip4 networks, hit at the last",
      "172.16.49.20", "user@flat.example", "client.example", MA_SPF_PASS },
    { "exists", "exists:%{i}.%{l}._spf.%{d}, hit",
      "192.0.2.99", "alice@exists.example", "client.example", MA_SPF_PASS },
};

#define NPOLICIES (sizeof policies / sizeof policies[0])

static const policy *find_policy(const char *name)
{
    size_t i;

    for (i = 0; i < NPOLICIES; i++)
        if (strcmp(policies[i].name, name) == 0)
            return &policies[i];
    return NULL;
}

/* ------------------------------------------------------------- libmailauth */

typedef struct ours {
    ma_ctx *ctx;
    ma_static_zone *zone;
    ma_resolver *resolver;
    unsigned long long allocs;   /* counted by the context's hooks */
    ma_spf_params params;
    int rspf;                    /* also format Received-SPF */
} ours;

static void *count_malloc(size_t size, void *payload)
{
    ((ours *)payload)->allocs++;
    return malloc(size);
}

static void *count_realloc(void *p, size_t size, void *payload)
{
    ((ours *)payload)->allocs++;
    return realloc(p, size);
}

static void count_free(void *p, void *payload)
{
    (void)payload;
    free(p);
}

static void ours_setup(ours *o, const table *t)
{
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    size_t i;
    int rc = MA_OK;

    memset(o, 0, sizeof *o);
    opts.malloc_fn = count_malloc;
    opts.realloc_fn = count_realloc;
    opts.free_fn = count_free;
    opts.alloc_payload = o;
    if (ma_ctx_new(&o->ctx, &opts) != MA_OK
        || ma_ctx_set_limit(o->ctx, MA_LIMIT_SPF_DNS_TERMS, BENCH_DNS_TERMS) != MA_OK
        || ma_static_zone_new(&o->zone, o->ctx) != MA_OK)
        die("libmailauth: cannot create the context and zone");
    for (i = 0; i < t->n && rc == MA_OK; i++) {
        const record *r = &t->r[i];
        ma_ip ip;
        switch (r->type) {
        case R_TXT:
            rc = ma_static_zone_add_txt(o->zone, r->name, r->data, strlen(r->data), 3600);
            break;
        case R_A:
        case R_AAAA:
            rc = ma_ip_parse(&ip, r->data, strlen(r->data));
            if (rc == MA_OK)
                rc = ma_static_zone_add_addr(o->zone, r->name, &ip, 3600);
            break;
        case R_MX:
            rc = ma_static_zone_add_mx(o->zone, r->name, 10, r->data, 3600);
            break;
        }
        if (rc != MA_OK)
            die("libmailauth: cannot add %s to the zone: %s", r->name, ma_status_str(rc));
    }
    rc = ma_resolver_static_new(&o->resolver, o->ctx, o->zone);
    if (rc != MA_OK)
        die("libmailauth: cannot create the static resolver: %s", ma_status_str(rc));
}

static void ours_policy(ours *o, const policy *p)
{
    ma_spf_params params = MA_SPF_PARAMS_INIT;

    if (ma_ip_parse(&params.ip, p->ip, strlen(p->ip)) != MA_OK)
        die("bad address %s", p->ip);
    params.sender = p->sender;
    params.helo = p->helo;
    o->params = params;
}

/* One check; the result, or -1.  *lookups (if not NULL) gets the DNS terms. */
static int ours_eval(ours *o, unsigned int *lookups)
{
    ma_job *job;
    char *text;
    int result;

    if (ma_spf_job_new(&job, o->ctx, &o->params) != MA_OK)
        return -1;
    if (ma_job_run(job, o->resolver) != MA_JOB_DONE) {
        ma_job_free(job);
        return -1;
    }
    result = (int)ma_spf_job_result(job);
    if (lookups != NULL)
        *lookups = ma_spf_job_lookups(job);
    if (o->rspf) {
        if (ma_spf_received_spf(&text, job) != MA_OK)
            result = -1;
        else
            ma_free(o->ctx, text);
    }
    ma_job_free(job);
    return result;
}

static void ours_teardown(ours *o)
{
    ma_resolver_free(o->resolver);
    ma_static_zone_free(o->zone);
    ma_ctx_free(o->ctx);
}

/* ------------------------------------------------------------------ libspf2 */

typedef struct peer {
    SPF_server_t *server;
    SPF_dns_server_t *dns;
    int v6;
    struct in_addr in4;
    struct in6_addr in6;
    const char *sender, *helo;
} peer;

static void peer_setup(peer *s, const table *t)
{
    SPF_dns_server_t *dns;
    size_t i;

    memset(s, 0, sizeof *s);
    dns = SPF_dns_zone_new(NULL, "bench", 0);
    if (dns == NULL)
        die("libspf2: cannot create the zone");
    for (i = 0; i < t->n; i++) {
        const record *r = &t->r[i];
        SPF_errcode_t err = SPF_E_SUCCESS;
        switch (r->type) {
        case R_TXT:
            err = SPF_dns_zone_add_str(dns, r->name, ns_t_txt, NETDB_SUCCESS, r->data);
            break;
        case R_A:
            err = SPF_dns_zone_add_str(dns, r->name, ns_t_a, NETDB_SUCCESS, r->data);
            break;
        case R_AAAA:
            err = SPF_dns_zone_add_str(dns, r->name, ns_t_aaaa, NETDB_SUCCESS, r->data);
            break;
        case R_MX:
            err = SPF_dns_zone_add_str(dns, r->name, ns_t_mx, NETDB_SUCCESS, r->data);
            break;
        }
        if (err != SPF_E_SUCCESS)
            die("libspf2: cannot add %s to the zone: %s", r->name, SPF_strerror(err));
    }
    /* A layer given to SPF_server_new_dns() stays the caller's to free. */
    s->dns = dns;
    s->server = SPF_server_new_dns(dns, 0);
    if (s->server == NULL)
        die("libspf2: cannot create the server");
    SPF_server_set_max_dns_mech(s->server, BENCH_DNS_TERMS);
    SPF_server_set_rec_dom(s->server, "mx.bench.example");
}

static void peer_policy(peer *s, const policy *p)
{
    s->v6 = strchr(p->ip, ':') != NULL;
    if (inet_pton(s->v6 ? AF_INET6 : AF_INET, p->ip, s->v6 ? (void *)&s->in6 : (void *)&s->in4)
        != 1)
        die("bad address %s", p->ip);
    s->sender = p->sender;
    s->helo = p->helo;
}

static int peer_result(SPF_result_t r)
{
    switch (r) {
    case SPF_RESULT_NONE: return MA_SPF_NONE;
    case SPF_RESULT_NEUTRAL: return MA_SPF_NEUTRAL;
    case SPF_RESULT_PASS: return MA_SPF_PASS;
    case SPF_RESULT_FAIL: return MA_SPF_FAIL;
    case SPF_RESULT_SOFTFAIL: return MA_SPF_SOFTFAIL;
    case SPF_RESULT_TEMPERROR: return MA_SPF_TEMPERROR;
    case SPF_RESULT_PERMERROR: return MA_SPF_PERMERROR;
    default: return -1;
    }
}

static int peer_eval(peer *s)
{
    SPF_request_t *req = SPF_request_new(s->server);
    SPF_response_t *resp = NULL;
    int result = -1;

    if (req == NULL)
        return -1;
    if (s->v6)
        SPF_request_set_ipv6(req, s->in6);
    else
        SPF_request_set_ipv4(req, s->in4);
    SPF_request_set_helo_dom(req, s->helo);
    SPF_request_set_env_from(req, s->sender);
    SPF_request_query_mailfrom(req, &resp);
    if (resp != NULL) {
        result = peer_result(SPF_response_result(resp));
        SPF_response_free(resp);
    }
    SPF_request_free(req);
    return result;
}

static void peer_teardown(peer *s)
{
    SPF_server_free(s->server);
    SPF_dns_free(s->dns);
}

/* ------------------------------------------------------------------- timing */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { LIB_OURS, LIB_OURS_RSPF, LIB_PEER, LIB_IDLE, NLIBS };

static const char *const lib_names[NLIBS] = { "ours", "ours+rspf", "libspf2", "idle" };
static const char *const lib_labels[NLIBS] = {
    "libmailauth", "libmailauth+rspf", "libspf2", "idle"
};

typedef struct bench_lib {
    int which;
    ours o;
    peer s;
} bench_lib;

static int lib_eval(bench_lib *b)
{
    return b->which == LIB_PEER ? peer_eval(&b->s) : ours_eval(&b->o, NULL);
}

static unsigned long long lib_allocs(const bench_lib *b)
{
    return b->which == LIB_PEER ? malloc_calls : b->o.allocs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*
 * The child: set one library up for one policy, warm up, then time `runs`
 * runs of `seconds` each.  Prints one line on stdout:
 *     rate rate ... allocs_per_eval maxrss_kib
 * (allocs_per_eval is -1 when not counted).
 */
static int child(int which, const policy *p, double seconds, int runs)
{
    bench_lib b;
    table t = { NULL, 0, 0 };
    struct rusage ru;
    double rates[16], t0, el;
    unsigned long long n, a0, allocs = 0, evals = 0;
    int r, i, want = (int)p->expected;

    memset(&b, 0, sizeof b);
    b.which = which;
    if (which != LIB_IDLE) {
        build_table(&t);
        if (which == LIB_PEER) {
            peer_setup(&b.s, &t);
            peer_policy(&b.s, p);
        } else {
            ours_setup(&b.o, &t);
            ours_policy(&b.o, p);
            b.o.rspf = which == LIB_OURS_RSPF;
        }
        /* Warm-up: caches, lazy binding, the allocator's free lists. */
        t0 = now_s();
        do {
            for (i = 0; i < BENCH_BATCH; i++)
                if (lib_eval(&b) != want)
                    die("%s: %s: unexpected result", lib_names[which], p->name);
        } while (now_s() - t0 < seconds / 10);
        for (r = 0; r < runs; r++) {
            a0 = lib_allocs(&b);
            n = 0;
            t0 = now_s();
            do {
                for (i = 0; i < BENCH_BATCH; i++)
                    if (lib_eval(&b) != want)
                        die("%s: %s: unexpected result", lib_names[which], p->name);
                n += BENCH_BATCH;
            } while ((el = now_s() - t0) < seconds);
            rates[r] = (double)n / el;
            allocs += lib_allocs(&b) - a0;
            evals += n;
        }
    }
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        die("getrusage: %s", strerror(errno));
    for (r = 0; r < runs && which != LIB_IDLE; r++)
        printf("%.1f ", rates[r]);
#ifndef BENCH_COUNT_MALLOC
    if (which == LIB_PEER)
        evals = 0;
#endif
    printf("%.2f %ld\n", evals > 0 ? (double)allocs / (double)evals : -1.0, (long)ru.ru_maxrss);
    if (which == LIB_PEER)
        peer_teardown(&b.s);
    else if (which != LIB_IDLE)
        ours_teardown(&b.o);
    for (i = 0; i < (int)t.n; i++) {
        free(t.r[i].name);
        free(t.r[i].data);
    }
    free(t.r);
    return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * --profile LIB POLICY N: N evaluations, untimed, for valgrind --tool=callgrind
 * (instructions per evaluation = the inclusive cost of lib_eval / N).
 */
static int profile(const char *lib_name, const char *policy_name, long count)
{
    const policy *p = find_policy(policy_name);
    bench_lib b;
    table t = { NULL, 0, 0 };
    unsigned long long a0;
    long i;
    size_t k;
    int which;

    for (which = 0; which < LIB_IDLE; which++)
        if (strcmp(lib_name, lib_names[which]) == 0)
            break;
    if (p == NULL || which == LIB_IDLE || count < 1)
        usage();
    memset(&b, 0, sizeof b);
    b.which = which;
    build_table(&t);
    if (which == LIB_PEER) {
        peer_setup(&b.s, &t);
        peer_policy(&b.s, p);
    } else {
        ours_setup(&b.o, &t);
        ours_policy(&b.o, p);
        b.o.rspf = which == LIB_OURS_RSPF;
    }
    a0 = lib_allocs(&b);
    for (i = 0; i < count; i++)
        if (lib_eval(&b) != (int)p->expected)
            die("%s: %s: unexpected result", lib_name, policy_name);
    printf("%s %s: %ld evaluations, %.1f allocations each\n", lib_name, policy_name, count,
           (double)(lib_allocs(&b) - a0) / (double)count);
    if (which == LIB_PEER)
        peer_teardown(&b.s);
    else
        ours_teardown(&b.o);
    for (k = 0; k < t.n; k++) {
        free(t.r[k].name);
        free(t.r[k].data);
    }
    free(t.r);
    return 0;
}

/* ----------------------------------------------------------------- parent */

typedef struct measure {
    double rate;          /* median evaluations/s */
    double allocs;        /* per evaluation, < 0 when not counted */
    long rss_kib;
} measure;

static const char *self_path;

/* Run this program as a child for (which, policy) and read its line. */
static void spawn(measure *m, int which, const char *policy_name, double seconds, int runs)
{
    char a0[] = "bench-spf", a1[] = "--child", lib[32], pol[64];
    char sec[32], nruns[16], line[1024];
    double rates[16];
    char *argv[8], *p, *end;
    const char *why;
    int i, nfields;

    snprintf(sec, sizeof sec, "%g", seconds);
    snprintf(nruns, sizeof nruns, "%d", runs);
    snprintf(lib, sizeof lib, "%s", lib_names[which]);
    snprintf(pol, sizeof pol, "%s", policy_name);
    argv[0] = a0;
    argv[1] = a1;
    argv[2] = lib;
    argv[3] = pol;
    argv[4] = sec;
    argv[5] = nruns;
    argv[6] = NULL;
    why = bench_child_line(self_path, argv, line, sizeof line);
    if (why != NULL && strcmp(why, "child") != 0)
        die("%s: %s", why, strerror(errno));
    if (why != NULL)
        die("the %s run of %s failed", lib_names[which], policy_name);

    nfields = which == LIB_IDLE ? 0 : runs;
    p = line;
    for (i = 0; i < nfields; i++) {
        rates[i] = strtod(p, &end);
        if (end == p)
            die("bad output from the %s run of %s: %s", lib_names[which], policy_name, line);
        p = end;
    }
    m->allocs = strtod(p, &end);
    if (end == p)
        die("bad output from the %s run of %s: %s", lib_names[which], policy_name, line);
    p = end;
    m->rss_kib = strtol(p, &end, 10);
    if (end == p)
        die("bad output from the %s run of %s: %s", lib_names[which], policy_name, line);
    qsort(rates, (size_t)nfields, sizeof rates[0], cmp_double);
    m->rate = nfields > 0 ? rates[nfields / 2] : 0;
}

/* Evaluate every policy once with both libraries; stop unless both give the
 * expected result. */
static void check_results(void)
{
    table t = { NULL, 0, 0 };
    ours o;
    peer s;
    size_t i;
    int bad = 0;

    build_table(&t);
    ours_setup(&o, &t);
    peer_setup(&s, &t);
    printf("%-11s %-9s %-9s %-9s %s\n", "policy", "expected", "ours", "libspf2", "DNS terms (ours)");
    for (i = 0; i < NPOLICIES; i++) {
        const policy *p = &policies[i];
        unsigned int lookups = 0;
        int a, b;
        const char *an, *bn;

        ours_policy(&o, p);
        peer_policy(&s, p);
        a = ours_eval(&o, &lookups);
        b = peer_eval(&s);
        an = a < 0 ? "error" : ma_spf_result_name(a);
        bn = b < 0 ? "error" : ma_spf_result_name(b);
        printf("%-11s %-9s %-9s %-9s %u\n", p->name, ma_spf_result_name(p->expected),
               an != NULL ? an : "?", bn != NULL ? bn : "?", lookups);
        if (a != (int)p->expected || b != (int)p->expected)
            bad = 1;
    }
    ours_teardown(&o);
    peer_teardown(&s);
    for (i = 0; i < t.n; i++) {
        free(t.r[i].name);
        free(t.r[i].data);
    }
    free(t.r);
    if (bad)
        die("the libraries do not both give the expected results: no benchmark");
    putchar('\n');
}

static void usage(void)
{
    fputs("Usage: bench-spf [--seconds S] [--runs N]\n"
          "  S seconds per timed run (default 2), N runs per library and policy\n"
          "  (default 3, odd, at most 15); the median run is reported.\n"
          "       bench-spf --profile LIB POLICY COUNT\n"
          "  COUNT untimed evaluations, for valgrind --tool=callgrind; LIB is ours,\n"
          "  ours+rspf or libspf2, POLICY chain-hit, chain-miss, flat-50 or exists.\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    int runs = 3, i, all_met = 1;
    size_t k;
    measure idle;

    if (argc == 5 && strcmp(argv[1], "--profile") == 0)
        return profile(argv[2], argv[3], atol(argv[4]));
    if (argc == 6 && strcmp(argv[1], "--child") == 0) {
        const policy *p = find_policy(argv[3]);
        int which;
        for (which = 0; which < NLIBS; which++)
            if (strcmp(argv[2], lib_names[which]) == 0)
                break;
        seconds = atof(argv[4]);
        runs = atoi(argv[5]);
        if (p == NULL || which == NLIBS || seconds <= 0 || runs < 1 || runs > 15)
            usage();
        return child(which, p, seconds, runs);
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
            if (!(seconds > 0 && seconds <= 600))
                usage();
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > 15 || runs % 2 == 0)
                usage();
        } else {
            usage();
        }
    }
    /* The children are this very program: on Linux /proc/self/exe is the
     * binary itself, not a libtool wrapper script. */
    self_path = access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : argv[0];

    {
        int maj, min, pat;
        SPF_get_lib_version(&maj, &min, &pat);
        printf("bench-spf: libmailauth %s against libspf2 %d.%d.%d\n", ma_version(), maj, min,
               pat);
    }
    printf("In-memory zones from one record table (libmailauth static resolver, libspf2\n"
           "SPF_dns_zone), no cache; DNS-term limit %d in both (the chain needs 12 and 14).\n"
           "%g s per run, median of %d runs, each library in a process of its own.\n\n",
           BENCH_DNS_TERMS, seconds, runs);
    check_results();

    spawn(&idle, LIB_IDLE, policies[0].name, seconds, runs);
    printf("Peak RSS of an idle process of this program: %ld KiB.\n\n", idle.rss_kib);
    printf("%-11s %-17s %12s %12s %14s %8s\n", "policy", "library", "evals/s", "allocs/eval",
           "peak RSS KiB", "ratio");
    for (k = 0; k < NPOLICIES; k++) {
        measure m[3];
        const int order[3] = { LIB_OURS, LIB_OURS_RSPF, LIB_PEER };
        for (i = 0; i < 3; i++)
            spawn(&m[i], order[i], policies[k].name, seconds, runs);
        for (i = 0; i < 3; i++) {
            char allocs[32], ratio[32];
            if (m[i].allocs < 0)
                snprintf(allocs, sizeof allocs, "n/a");
            else
                snprintf(allocs, sizeof allocs, "%.1f", m[i].allocs);
            if (order[i] != LIB_PEER && m[2].rate > 0)
                snprintf(ratio, sizeof ratio, "%.1fx", m[i].rate / m[2].rate);
            else
                ratio[0] = '\0';
            printf("%-11s %-17s %12.0f %12s %14ld %8s\n", i == 0 ? policies[k].name : "",
                   lib_labels[order[i]], m[i].rate, allocs, m[i].rss_kib, ratio);
        }
        if (m[2].rate <= 0 || m[0].rate / m[2].rate < 10)
            all_met = 0;
        fflush(stdout);
    }
    printf("\nratio: evaluations/s of libmailauth over libspf2's (target: 10x or more on\n"
           "every policy; %s).  +rspf: each evaluation also formats Received-SPF,\n"
           "as libspf2 always does.\n", all_met ? "met" : "NOT met");
    return 0;
}
