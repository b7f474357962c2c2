/*
 * bench-dmarc: DMARC record parses and full DMARC evaluations per second,
 * allocations and peak RSS, libmailauth against libopendmarc in the same run.
 *
 *     bench-dmarc [--seconds S] [--runs N]
 *     bench-dmarc --profile LIB CASE COUNT     (for valgrind --tool=callgrind)
 *
 * Record parses.  A handful of records as published (p=none alone; p=reject
 * with rua= and ruf= carrying report sizes; sp= and np= with strict DKIM
 * alignment; a long one with 8 rua= and 4 ruf= URIs and every RFC 7489 tag).
 * libmailauth: the internal parser alone, ma__dmarc_record_parse +
 * ma__dmarc_record_free (the public ma_dmarc_record_effective also writes the
 * record back out), once in RFC 9989 mode and once in RFC 7489 mode.
 * libopendmarc: opendmarc_policy_parse_dmarc on one policy context, then
 * opendmarc_policy_connect_rset, which frees what the parse stored (the URI
 * lists and the domain copy).
 *
 * Full evaluations.  What an MTA does per message once SPF and DKIM are
 * known: the author domain from the From field, the policy record, the SPF
 * and DKIM results supplied, alignment, the policy.
 *   libmailauth: ma_msg_new + ma_dmarc_job_new + ma_dmarc_job_attach, the
 *     header (the From field alone: what libopendmarc is handed) written and
 *     finished, ma_dmarc_job_add_spf + ma_dmarc_job_add_dkim, ma_job_run over
 *     a static zone (ma_resolver_static_new, no cache), the result and
 *     disposition read, both freed.  RFC 9989 mode (the DNS tree walk) and
 *     RFC 7489 mode (the PSL, loaded with ma_psl_new from the list file
 *     below) are separate rows.
 *   libopendmarc: opendmarc_policy_connect_init, store_from_domain with the
 *     From value, store_dmarc with the record text and the domains the
 *     bench already knows it belongs to ("scripted answers": no DNS, and no
 *     record discovery), store_spf, store_dkim, get_policy_to_enforce,
 *     connect_shutdown.  Its PSL (used for relaxed alignment) is loaded once
 *     with opendmarc_policy_library_init.
 * The PSL both libraries use is a small effective_tld_names file this
 * program writes under /tmp at start (mkstemp) and removes at the end.
 * The cases: dkim-pass (aligned DKIM pass, unaligned SPF pass: pass),
 * fail-reject (nothing aligned, p=reject: reject) and sub-sp (a subdomain
 * author without a record of its own, nothing aligned: the organizational
 * domain's sp=quarantine).
 *
 * First every record is parsed and every case evaluated once by each
 * library: the bench stops (exit 1) unless they agree with each other and
 * with the expected values.  Then each library runs each case in a process
 * of its own (this program, run again with --child), so that the peak RSS
 * (getrusage ru_maxrss) is that library's: a short warm-up, then N timed
 * runs of S seconds of its CPU time each (CLOCK_PROCESS_CPUTIME_ID, so that
 * other load on a shared machine counts less); the median rate is reported.
 * Allocations are every malloc, calloc and realloc call in the process,
 * counted by wrapping them in this program (glibc only; "n/a" elsewhere);
 * libmailauth's context allocator and libpsl call malloc, so all of both
 * libraries' are counted.
 */
#define _GNU_SOURCE 1

#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <opendmarc/dmarc.h>

#include <mailauth/mailauth.h>

#include "dmarc/record_int.h"

/* Operations per timing probe of the clock. */
#define BENCH_BATCH 64

/* The connecting client libopendmarc's context is made for. */
#define BENCH_CLIENT_IP "192.0.2.10"

/* ------------------------------------------------- counting malloc (all) */

#include "bench-malloc.h"
#include "bench-child.h"

/* ------------------------------------------------------------ small tools */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage(void) __attribute__((noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("bench-dmarc: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/*
 * The process's CPU time: the machine may be shared, and a library's
 * children are not run at the same time as its peer's, so wall-clock rates
 * would carry whatever else ran meanwhile.  On an idle machine the two are
 * the same (the work is single-threaded and never sleeps).
 */
static double now_s(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ the PSL */

/*
 * A small list in the publicsuffix.org format (effective_tld_names.dat),
 * which libpsl (psl_load_file) and libopendmarc (opendmarc_tld_read_file
 * with "//" comments, "*." wildcards and "!" exceptions) both read.  The
 * names the cases use are under com, net and org.
 */
static const char psl_text[] =
    "// Public Suffix List excerpt for bench-dmarc\n"
    "// ===BEGIN ICANN DOMAINS===\n"
    "com\n"
    "net\n"
    "org\n"
    "edu\n"
    "uk\n"
    "co.uk\n"
    "org.uk\n"
    "ac.uk\n"
    "de\n"
    "jp\n"
    "co.jp\n"
    "ck\n"
    "*.ck\n"
    "!www.ck\n"
    "// ===END ICANN DOMAINS===\n"
    "// ===BEGIN PRIVATE DOMAINS===\n"
    "blogspot.com\n"
    "github.io\n"
    "// ===END PRIVATE DOMAINS===\n";

/* Write the list to a new file under /tmp; its name goes to path. */
static void psl_file_create(char *path, size_t size)
{
    FILE *f;
    int fd;

    snprintf(path, size, "/tmp/bench-dmarc-psl-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        die("cannot create a PSL file under /tmp: %s", strerror(errno));
    f = fdopen(fd, "w");
    if (f == NULL)
        die("fdopen: %s", strerror(errno));
    if (fputs(psl_text, f) == EOF || fclose(f) != 0)
        die("cannot write %s", path);
}

/* --------------------------------------------------------------- the cases */

enum { K_PARSE, K_EVAL };

/* The verdicts both libraries can state. */
enum { V_PASS, V_NONE, V_QUARANTINE, V_REJECT, V_ABSENT, V_ERROR, NVERDICTS };

static const char *const verdict_names[NVERDICTS] = {
    "pass", "none", "quarantine", "reject", "no-policy", "error"
};

typedef struct bcase {
    const char *name;
    int kind;
    const char *what;
    /* K_PARSE: the record; K_EVAL: the record of the policy domain. */
    const char *record;
    /* K_EVAL */
    const char *from;          /* the From field value */
    const char *author;        /* its domain */
    const char *org;           /* where the record is when not at author, else NULL */
    int spf_result;            /* ma_spf_result */
    const char *spf_domain;
    int dkim_result;           /* ma_dkim_result */
    const char *dkim_domain;
    int expected;              /* V_* */
} bcase;

/* Published at _dmarc.example.com for the evaluations. */
#define EVAL_RECORD \
    "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc-rua@example.com; " \
    "ruf=mailto:dmarc-ruf@example.com; fo=1"

static const bcase cases[] = {
    { "minimal", K_PARSE, "p=none alone",
      "v=DMARC1; p=none",
      NULL, NULL, NULL, 0, NULL, 0, NULL, 0 },
    { "reject", K_PARSE, "p=reject, rua= and ruf= with sizes, fo, pct",
      "v=DMARC1; p=reject; pct=100; rua=mailto:dmarc-rua@example.com!10m; "
      "ruf=mailto:dmarc-ruf@example.com!1m; fo=1",
      NULL, NULL, NULL, 0, NULL, 0, NULL, 0 },
    { "sp-np", K_PARSE, "p=quarantine, sp=, np=, adkim=s, one rua=",
      "v=DMARC1; p=quarantine; sp=reject; np=reject; adkim=s; aspf=r; "
      "rua=mailto:dmarc@example.org",
      NULL, NULL, NULL, 0, NULL, 0, NULL, 0 },
    { "long", K_PARSE, "8 rua= and 4 ruf= URIs with sizes, every RFC 7489 tag",
      "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s; pct=50; fo=0:1:d:s; "
      "rf=afrf; ri=3600; "
      "rua=mailto:dmarc-agg@example.com!50m,mailto:aggregate@reports.example.net!20m,"
      "mailto:dmarc@vendor-one.example.org!10m,mailto:rua+example.com@dmarc.vendor2.example,"
      "mailto:dmarc_agg@analytics.example.co.uk!5m,mailto:reports@dmarc.example.io!1g,"
      "mailto:postmaster@example.com!100k,mailto:rua@inbox.monitor.example.net; "
      "ruf=mailto:dmarc-forensic@example.com!1m,mailto:ruf@reports.example.net!512k,"
      "mailto:forensic@vendor-one.example.org,mailto:ruf+example.com@dmarc.vendor2.example!2m",
      NULL, NULL, NULL, 0, NULL, 0, NULL, 0 },
    { "dkim-pass", K_EVAL, "DKIM d= the author domain passes; SPF passes unaligned",
      EVAL_RECORD,
      "Alice Example <alice@example.com>", "example.com", NULL,
      MA_SPF_PASS, "bounces.esp.example.net", MA_DKIM_PASS, "example.com", V_PASS },
    { "fail-reject", K_EVAL, "SPF and DKIM pass, neither aligned; p=reject",
      EVAL_RECORD,
      "Alice Example <alice@example.com>", "example.com", NULL,
      MA_SPF_PASS, "bounces.esp.example.net", MA_DKIM_PASS, "esp.example.net", V_REJECT },
    { "sub-sp", K_EVAL, "author mail.example.com, no record of its own, nothing aligned: sp",
      EVAL_RECORD,
      "\"Example News\" <news@mail.example.com>", "mail.example.com", "example.com",
      MA_SPF_FAIL, "mail.example.com", MA_DKIM_PASS, "esp.example.net", V_QUARANTINE },
};

#define NCASES (sizeof cases / sizeof cases[0])

static const bcase *find_case(const char *name)
{
    size_t i;

    for (i = 0; i < NCASES; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

/* ------------------------------------------------------------- libmailauth */

typedef struct ours {
    ma_ctx *ctx;
    ma_static_zone *zone;
    ma_resolver *resolver;
    ma_psl *psl;
    ma_dmarc_opts opts;
    ma_dmarc_mode mode;
    const bcase *c;
    char header[512];
    size_t header_len;
} ours;

static void zone_addr(ours *o, const char *name, const char *addr)
{
    ma_ip ip;
    int rc = ma_ip_parse(&ip, addr, strlen(addr));

    if (rc == MA_OK)
        rc = ma_static_zone_add_addr(o->zone, name, &ip, 3600);
    if (rc != MA_OK)
        die("libmailauth: cannot add %s to the zone: %s", name, ma_status_str(rc));
}

static void ours_setup(ours *o, ma_dmarc_mode mode, const char *psl_path)
{
    ma_ctx_opts copts = MA_CTX_OPTS_INIT;
    ma_dmarc_opts dopts = MA_DMARC_OPTS_INIT;
    int rc;

    memset(o, 0, sizeof *o);
    o->mode = mode;
    if (ma_ctx_new(&o->ctx, &copts) != MA_OK || ma_static_zone_new(&o->zone, o->ctx) != MA_OK)
        die("libmailauth: cannot create the context and zone");
    rc = ma_static_zone_add_txt(o->zone, "_dmarc.example.com", EVAL_RECORD,
                                strlen(EVAL_RECORD), 3600);
    if (rc != MA_OK)
        die("libmailauth: cannot add the record to the zone: %s", ma_status_str(rc));
    zone_addr(o, "example.com", "192.0.2.1");
    zone_addr(o, "mail.example.com", "192.0.2.2");
    zone_addr(o, "esp.example.net", "198.51.100.1");
    zone_addr(o, "bounces.esp.example.net", "198.51.100.2");
    rc = ma_resolver_static_new(&o->resolver, o->ctx, o->zone);
    if (rc != MA_OK)
        die("libmailauth: cannot create the static resolver: %s", ma_status_str(rc));
    if (mode == MA_DMARC_MODE_7489) {
        rc = ma_psl_new(&o->psl, o->ctx, psl_path);
        if (rc != MA_OK)
            die("libmailauth: cannot load the PSL %s: %s", psl_path, ma_status_str(rc));
    }
    dopts.mode = mode;
    dopts.psl = o->psl;
    o->opts = dopts;
}

static void ours_case(ours *o, const bcase *c)
{
    o->c = c;
    if (c->kind == K_EVAL) {
        int n = snprintf(o->header, sizeof o->header, "From: %s\r\n\r\n", c->from);
        if (n < 0 || (size_t)n >= sizeof o->header)
            die("the From field of %s is too long", c->name);
        o->header_len = (size_t)n;
    }
}

/* One parse: 0, or -1 when the record is refused. */
static int ours_parse(ours *o, ma_dmarc_record *keep)
{
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    const char *r = o->c->record;

    if (ma__dmarc_record_parse(&rec, o->ctx, r, strlen(r), o->mode, 0, &err) != MA_OK)
        return -1;
    if (keep != NULL)
        *keep = rec;
    else
        ma__dmarc_record_free(&rec, o->ctx);
    return 0;
}

static int ours_verdict(const ma_job *job)
{
    switch (ma_dmarc_job_result(job)) {
    case MA_DMARC_PASS:
        return V_PASS;
    case MA_DMARC_NONE:
        return V_ABSENT;
    case MA_DMARC_FAIL:
        switch (ma_dmarc_job_disposition(job)) {
        case MA_DMARC_DISP_NONE: return V_NONE;
        case MA_DMARC_DISP_QUARANTINE: return V_QUARANTINE;
        case MA_DMARC_DISP_REJECT: return V_REJECT;
        }
        return V_ERROR;
    default:
        return V_ERROR;
    }
}

/* One evaluation: its V_* verdict. */
static int ours_eval(ours *o)
{
    const bcase *c = o->c;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    int v = V_ERROR;

    if (ma_msg_new(&msg, o->ctx) != MA_OK)
        return V_ERROR;
    if (ma_dmarc_job_new(&job, o->ctx, &o->opts) != MA_OK)
        goto out;
    if (ma_dmarc_job_attach(job, msg) != MA_OK
        || ma_msg_write(msg, o->header, o->header_len) != MA_OK
        || ma_msg_finish(msg) != MA_OK
        || ma_dmarc_job_add_spf(job, c->spf_result, c->spf_domain, MA_DMARC_SPF_MAILFROM) != MA_OK
        || ma_dmarc_job_add_dkim(job, c->dkim_result, c->dkim_domain, 0) != MA_OK)
        goto out;
    if (ma_job_run(job, o->resolver) == MA_JOB_DONE)
        v = ours_verdict(job);
out:
    ma_job_free(job);
    ma_msg_free(msg);
    return v;
}

static void ours_teardown(ours *o)
{
    ma_psl_free(o->psl);
    ma_resolver_free(o->resolver);
    ma_static_zone_free(o->zone);
    ma_ctx_free(o->ctx);
}

/* ------------------------------------------------------------ libopendmarc */

typedef struct peer {
    OPENDMARC_LIB_T lib;
    DMARC_POLICY_T *pctx;      /* for parses */
    const bcase *c;
    /* libopendmarc takes u_char * everywhere: writable copies. */
    u_char record[2048], from[256], author[256], org[256], spf[256], dkim[256];
    u_char ip[64], selector[32];
    int spf_outcome, dkim_outcome;
} peer;

static void peer_setup(peer *p, const char *psl_path)
{
    int rc;

    memset(p, 0, sizeof *p);
    memset(&p->lib, 0, sizeof p->lib);
    p->lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
    snprintf((char *)p->lib.tld_source_file, sizeof p->lib.tld_source_file, "%s", psl_path);
    rc = opendmarc_policy_library_init(&p->lib);
    if (rc != DMARC_PARSE_OKAY)
        die("libopendmarc: cannot initialise with %s: %s", psl_path,
            opendmarc_policy_status_to_str(rc));
    snprintf((char *)p->ip, sizeof p->ip, "%s", BENCH_CLIENT_IP);
    snprintf((char *)p->selector, sizeof p->selector, "s2024");
    p->pctx = opendmarc_policy_connect_init(p->ip, 0);
    if (p->pctx == NULL)
        die("libopendmarc: cannot create a policy context");
}

static void copy_u(u_char *dst, size_t size, const char *src, const char *what)
{
    if (src == NULL) {
        dst[0] = '\0';
        return;
    }
    if (strlen(src) >= size)
        die("%s too long for the libopendmarc buffers", what);
    memcpy(dst, src, strlen(src) + 1);
}

static void peer_case(peer *p, const bcase *c)
{
    p->c = c;
    copy_u(p->record, sizeof p->record, c->record, "record");
    copy_u(p->from, sizeof p->from, c->from, "From value");
    copy_u(p->author, sizeof p->author, c->author != NULL ? c->author : "example.com", "domain");
    copy_u(p->org, sizeof p->org, c->org, "organizational domain");
    copy_u(p->spf, sizeof p->spf, c->spf_domain, "SPF domain");
    copy_u(p->dkim, sizeof p->dkim, c->dkim_domain, "DKIM domain");
    p->spf_outcome = c->spf_result == MA_SPF_PASS ? DMARC_POLICY_SPF_OUTCOME_PASS
                   : c->spf_result == MA_SPF_TEMPERROR ? DMARC_POLICY_SPF_OUTCOME_TMPFAIL
                   : c->spf_result == MA_SPF_NONE ? DMARC_POLICY_SPF_OUTCOME_NONE
                   : DMARC_POLICY_SPF_OUTCOME_FAIL;
    p->dkim_outcome = c->dkim_result == MA_DKIM_PASS ? DMARC_POLICY_DKIM_OUTCOME_PASS
                    : DMARC_POLICY_DKIM_OUTCOME_FAIL;
}

/* One parse: 0, or -1 when the record is refused.  With keep set the
   parsed values stay in the context (the caller resets it). */
static int peer_parse(peer *p, int keep)
{
    int rc = opendmarc_policy_parse_dmarc(p->pctx, p->author, p->record);

    if (!keep)
        opendmarc_policy_connect_rset(p->pctx);
    return rc == DMARC_PARSE_OKAY ? 0 : -1;
}

static int peer_eval(peer *p)
{
    DMARC_POLICY_T *pctx = opendmarc_policy_connect_init(p->ip, 0);
    int v = V_ERROR;

    if (pctx == NULL)
        return V_ERROR;
    /* store_dkim compares with the From domain and the record's adkim=:
       both are stored first, as the opendmarc filter does. */
    if (opendmarc_policy_store_from_domain(pctx, p->from) != DMARC_PARSE_OKAY
        || opendmarc_policy_store_dmarc(pctx, p->record, p->author,
                                        p->org[0] != '\0' ? p->org : NULL) != DMARC_PARSE_OKAY
        || opendmarc_policy_store_spf(pctx, p->spf, p->spf_outcome,
                                      DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL) != DMARC_PARSE_OKAY
        || opendmarc_policy_store_dkim(pctx, p->dkim, p->selector, p->dkim_outcome, NULL)
               != DMARC_PARSE_OKAY)
        goto out;
    switch (opendmarc_get_policy_to_enforce(pctx)) {
    case DMARC_POLICY_PASS: v = V_PASS; break;
    case DMARC_POLICY_NONE: v = V_NONE; break;
    case DMARC_POLICY_QUARANTINE: v = V_QUARANTINE; break;
    case DMARC_POLICY_REJECT: v = V_REJECT; break;
    case DMARC_POLICY_ABSENT: v = V_ABSENT; break;
    default: v = V_ERROR; break;
    }
out:
    opendmarc_policy_connect_shutdown(pctx);
    return v;
}

static void peer_teardown(peer *p)
{
    opendmarc_policy_connect_shutdown(p->pctx);
    opendmarc_policy_library_shutdown(&p->lib);
}

/* ------------------------------------------------------------------- timing */

enum { LIB_OURS_9989, LIB_OURS_7489, LIB_PEER, LIB_IDLE, NLIBS };

static const char *const lib_names[NLIBS] = { "ours-9989", "ours-7489", "libopendmarc", "idle" };
static const char *const lib_labels[NLIBS] = {
    "libmailauth 9989", "libmailauth 7489", "libopendmarc", "idle"
};

typedef struct bench_lib {
    int which;
    ours o;
    peer p;
} bench_lib;

static void lib_setup(bench_lib *b, int which, const bcase *c, const char *psl_path)
{
    memset(b, 0, sizeof *b);
    b->which = which;
    if (which == LIB_PEER) {
        peer_setup(&b->p, psl_path);
        peer_case(&b->p, c);
    } else {
        ours_setup(&b->o, which == LIB_OURS_7489 ? MA_DMARC_MODE_7489 : MA_DMARC_MODE_9989,
                   psl_path);
        ours_case(&b->o, c);
    }
}

static void lib_teardown(bench_lib *b)
{
    if (b->which == LIB_PEER)
        peer_teardown(&b->p);
    else
        ours_teardown(&b->o);
}

/* One operation: 0 when it gave what the case expects. */
static int lib_op(bench_lib *b)
{
    const bcase *c = b->which == LIB_PEER ? b->p.c : b->o.c;

    if (c->kind == K_PARSE)
        return b->which == LIB_PEER ? peer_parse(&b->p, 0) : ours_parse(&b->o, NULL);
    return (b->which == LIB_PEER ? peer_eval(&b->p) : ours_eval(&b->o)) == c->expected ? 0 : -1;
}

/*
 * The child: set one library up for one case, warm up, then time `runs`
 * runs of `seconds` each.  Prints one line on stdout:
 *     rate rate ... allocs_per_op maxrss_kib
 * (allocs_per_op is -1 when not counted).
 */
static int child(int which, const bcase *c, double seconds, int runs, const char *psl_path)
{
    bench_lib b;
    struct rusage ru;
    double rates[16], t0, el;
    unsigned long long n, a0, allocs = 0, ops = 0;
    int r, i;

    memset(&b, 0, sizeof b);
    if (which != LIB_IDLE) {
        lib_setup(&b, which, c, psl_path);
        /* Warm-up: caches, lazy binding, the allocator's free lists. */
        t0 = now_s();
        do {
            for (i = 0; i < BENCH_BATCH; i++)
                if (lib_op(&b) != 0)
                    die("%s: %s: unexpected result", lib_names[which], c->name);
        } while (now_s() - t0 < seconds / 10);
        for (r = 0; r < runs; r++) {
            a0 = malloc_calls;
            n = 0;
            t0 = now_s();
            do {
                for (i = 0; i < BENCH_BATCH; i++)
                    if (lib_op(&b) != 0)
                        die("%s: %s: unexpected result", lib_names[which], c->name);
                n += BENCH_BATCH;
            } while ((el = now_s() - t0) < seconds);
            rates[r] = (double)n / el;
            allocs += malloc_calls - a0;
            ops += n;
        }
    }
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        die("getrusage: %s", strerror(errno));
    for (r = 0; r < runs && which != LIB_IDLE; r++)
        printf("%.1f ", rates[r]);
#ifndef BENCH_COUNT_MALLOC
    ops = 0;
#endif
    printf("%.2f %ld\n", ops > 0 ? (double)allocs / (double)ops : -1.0, (long)ru.ru_maxrss);
    if (which != LIB_IDLE)
        lib_teardown(&b);
    return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * --profile LIB CASE N: N operations, untimed, for valgrind --tool=callgrind
 * (instructions per operation = the inclusive cost of lib_op / N).
 */
static int profile(const char *lib_name, const char *case_name, long count)
{
    const bcase *c = find_case(case_name);
    bench_lib b;
    char psl_path[64];
    unsigned long long a0;
    long i;
    int which;

    for (which = 0; which < LIB_IDLE; which++)
        if (strcmp(lib_name, lib_names[which]) == 0)
            break;
    if (c == NULL || which == LIB_IDLE || count < 1)
        usage();
    psl_file_create(psl_path, sizeof psl_path);
    lib_setup(&b, which, c, psl_path);
    a0 = malloc_calls;
    for (i = 0; i < count; i++)
        if (lib_op(&b) != 0) {
            unlink(psl_path);
            die("%s: %s: unexpected result", lib_name, case_name);
        }
#ifdef BENCH_COUNT_MALLOC
    printf("%s %s: %ld operations, %.1f allocations each\n", lib_name, case_name, count,
           (double)(malloc_calls - a0) / (double)count);
#else
    (void)a0;
    printf("%s %s: %ld operations\n", lib_name, case_name, count);
#endif
    lib_teardown(&b);
    unlink(psl_path);
    return 0;
}

/* ----------------------------------------------------------------- parent */

typedef struct measure {
    double rate;          /* median operations/s */
    double allocs;        /* per operation, < 0 when not counted */
    long rss_kib;
} measure;

static const char *self_path;

/* Run this program as a child for (which, case) and read its line. */
static void spawn(measure *m, int which, const char *case_name, double seconds, int runs,
                  const char *psl_path)
{
    char a0[] = "bench-dmarc", a1[] = "--child", lib[32], cs[64], psl[256];
    char sec[32], nruns[16], line[1024];
    double rates[16];
    char *argv[8], *p, *end;
    const char *why;
    int i, nfields;

    snprintf(sec, sizeof sec, "%g", seconds);
    snprintf(nruns, sizeof nruns, "%d", runs);
    snprintf(lib, sizeof lib, "%s", lib_names[which]);
    snprintf(cs, sizeof cs, "%s", case_name);
    snprintf(psl, sizeof psl, "%s", psl_path);
    argv[0] = a0;
    argv[1] = a1;
    argv[2] = lib;
    argv[3] = cs;
    argv[4] = sec;
    argv[5] = nruns;
    argv[6] = psl;
    argv[7] = NULL;
    why = bench_child_line(self_path, argv, line, sizeof line);
    if (why != NULL && strcmp(why, "child") != 0)
        die("%s: %s", why, strerror(errno));
    if (why != NULL)
        die("the %s run of %s failed", lib_names[which], case_name);

    nfields = which == LIB_IDLE ? 0 : runs;
    p = line;
    for (i = 0; i < nfields; i++) {
        rates[i] = strtod(p, &end);
        if (end == p)
            die("bad output from the %s run of %s: %s", lib_names[which], case_name, line);
        p = end;
    }
    m->allocs = strtod(p, &end);
    if (end == p)
        die("bad output from the %s run of %s: %s", lib_names[which], case_name, line);
    p = end;
    m->rss_kib = strtol(p, &end, 10);
    if (end == p)
        die("bad output from the %s run of %s: %s", lib_names[which], case_name, line);
    qsort(rates, (size_t)nfields, sizeof rates[0], cmp_double);
    m->rate = nfields > 0 ? rates[nfields / 2] : 0;
}

static const char *policy_letter(ma_dmarc_policy p)
{
    switch (p) {
    case MA_DMARC_POLICY_NONE: return "none";
    case MA_DMARC_POLICY_QUARANTINE: return "quarantine";
    case MA_DMARC_POLICY_REJECT: return "reject";
    default: return "-";
    }
}

static const char *peer_policy_name(int p)
{
    switch (p) {
    case DMARC_RECORD_P_NONE: return "none";
    case DMARC_RECORD_P_QUARANTINE: return "quarantine";
    case DMARC_RECORD_P_REJECT: return "reject";
    default: return "-";
    }
}

/*
 * Parse every record with each library and evaluate every case with each:
 * the parsed p=, sp= (absent: p), adkim=, aspf=, pct= and the numbers of
 * rua= and ruf= URIs must agree (pct and alignment modes against RFC 7489
 * mode only: RFC 9989 has no pct), and every evaluation must give the
 * expected verdict.  Stop otherwise.
 */
static void check_results(const char *psl_path)
{
    bench_lib b9, b7, bp;
    size_t i;
    int bad = 0;

    ours_setup(&b9.o, MA_DMARC_MODE_9989, psl_path);
    ours_setup(&b7.o, MA_DMARC_MODE_7489, psl_path);
    peer_setup(&bp.p, psl_path);
    b9.which = LIB_OURS_9989;
    b7.which = LIB_OURS_7489;
    bp.which = LIB_PEER;

    printf("%-8s %-18s %-10s %-10s %-5s %-5s %-4s %-4s %-4s\n", "record", "library", "p", "sp",
           "adkim", "aspf", "pct", "rua", "ruf");
    for (i = 0; i < NCASES; i++) {
        const bcase *c = &cases[i];
        ma_dmarc_record r9, r7;
        int pp = 0, psp = 0, padkim = 0, paspf = 0, ppct = 0, nrua = 0, nruf = 0;
        u_char **list;
        int k, ok9, ok7, okp;

        if (c->kind != K_PARSE)
            continue;
        ours_case(&b9.o, c);
        ours_case(&b7.o, c);
        peer_case(&bp.p, c);
        ok9 = ours_parse(&b9.o, &r9) == 0;
        ok7 = ours_parse(&b7.o, &r7) == 0;
        okp = peer_parse(&bp.p, 1) == 0;
        if (!ok9 || !ok7 || !okp)
            die("record %s: refused by %s", c->name, !ok9 ? "libmailauth (RFC 9989)"
                : !ok7 ? "libmailauth (RFC 7489)" : "libopendmarc");
        opendmarc_policy_fetch_p(bp.p.pctx, &pp);
        opendmarc_policy_fetch_sp(bp.p.pctx, &psp);
        opendmarc_policy_fetch_adkim(bp.p.pctx, &padkim);
        opendmarc_policy_fetch_aspf(bp.p.pctx, &paspf);
        opendmarc_policy_fetch_pct(bp.p.pctx, &ppct);
        /* constant != 0 and no buffer: the lists as parsed, no DNS. */
        list = opendmarc_policy_fetch_rua(bp.p.pctx, NULL, 0, 1);
        for (k = 0; list != NULL && list[k] != NULL; k++)
            nrua++;
        list = opendmarc_policy_fetch_ruf(bp.p.pctx, NULL, 0, 1);
        for (k = 0; list != NULL && list[k] != NULL; k++)
            nruf++;
        if (psp == DMARC_RECORD_P_UNSPECIFIED)
            psp = pp;
        printf("%-8s %-18s %-10s %-10s %-5s %-5s %-4u %-4zu %-4zu\n", c->name,
               lib_labels[LIB_OURS_9989], policy_letter(ma__dmarc_record_p(&r9)),
               policy_letter(ma__dmarc_record_sp(&r9)),
               ma__dmarc_record_adkim(&r9) == MA_DMARC_ALIGN_STRICT ? "s" : "r",
               ma__dmarc_record_aspf(&r9) == MA_DMARC_ALIGN_STRICT ? "s" : "r",
               ma__dmarc_record_pct(&r9), r9.nrua, r9.nruf);
        printf("%-8s %-18s %-10s %-10s %-5s %-5s %-4u %-4zu %-4zu\n", "",
               lib_labels[LIB_OURS_7489], policy_letter(ma__dmarc_record_p(&r7)),
               policy_letter(ma__dmarc_record_sp(&r7)),
               ma__dmarc_record_adkim(&r7) == MA_DMARC_ALIGN_STRICT ? "s" : "r",
               ma__dmarc_record_aspf(&r7) == MA_DMARC_ALIGN_STRICT ? "s" : "r",
               ma__dmarc_record_pct(&r7), r7.nrua, r7.nruf);
        printf("%-8s %-18s %-10s %-10s %-5c %-5c %-4d %-4d %-4d\n", "", lib_labels[LIB_PEER],
               peer_policy_name(pp), peer_policy_name(psp), padkim, paspf, ppct, nrua, nruf);
        if (strcmp(policy_letter(ma__dmarc_record_p(&r9)), peer_policy_name(pp)) != 0
            || strcmp(policy_letter(ma__dmarc_record_p(&r7)), peer_policy_name(pp)) != 0
            || strcmp(policy_letter(ma__dmarc_record_sp(&r9)), peer_policy_name(psp)) != 0
            || strcmp(policy_letter(ma__dmarc_record_sp(&r7)), peer_policy_name(psp)) != 0
            || (ma__dmarc_record_adkim(&r7) == MA_DMARC_ALIGN_STRICT) != (padkim == 's')
            || (ma__dmarc_record_aspf(&r7) == MA_DMARC_ALIGN_STRICT) != (paspf == 's')
            || (int)ma__dmarc_record_pct(&r7) != ppct
            || (int)r9.nrua != nrua || (int)r7.nrua != nrua
            || (int)r9.nruf != nruf || (int)r7.nruf != nruf)
            bad = 1;
        ma__dmarc_record_free(&r9, b9.o.ctx);
        ma__dmarc_record_free(&r7, b7.o.ctx);
        opendmarc_policy_connect_rset(bp.p.pctx);
    }
    putchar('\n');

    printf("%-12s %-11s %-18s %-18s %s\n", "case", "expected", lib_labels[LIB_OURS_9989],
           lib_labels[LIB_OURS_7489], lib_labels[LIB_PEER]);
    for (i = 0; i < NCASES; i++) {
        const bcase *c = &cases[i];
        int v9, v7, vp;

        if (c->kind != K_EVAL)
            continue;
        ours_case(&b9.o, c);
        ours_case(&b7.o, c);
        peer_case(&bp.p, c);
        v9 = ours_eval(&b9.o);
        v7 = ours_eval(&b7.o);
        vp = peer_eval(&bp.p);
        printf("%-12s %-11s %-18s %-18s %s\n", c->name, verdict_names[c->expected],
               verdict_names[v9], verdict_names[v7], verdict_names[vp]);
        if (v9 != c->expected || v7 != c->expected || vp != c->expected)
            bad = 1;
    }
    ours_teardown(&b9.o);
    ours_teardown(&b7.o);
    peer_teardown(&bp.p);
    if (bad)
        die("the libraries do not agree on every record and case: no benchmark");
    putchar('\n');
}

static void usage(void)
{
    fputs("Usage: bench-dmarc [--seconds S] [--runs N]\n"
          "  S seconds per timed run (default 1), N runs per library and case\n"
          "  (default 3, odd, at most 15); the median run is reported.\n"
          "       bench-dmarc --profile LIB CASE COUNT\n"
          "  COUNT untimed operations, for valgrind --tool=callgrind; LIB is ours-9989,\n"
          "  ours-7489 or libopendmarc; CASE a record (minimal, reject, sp-np, long:\n"
          "  parses) or an evaluation (dkim-pass, fail-reject, sub-sp).\n",
          stderr);
    exit(2);
}

/* Print one group of rows (parses or evaluations); returns the number of
   libmailauth rows below the target. */
static int run_group(int kind, double seconds, int runs, const char *psl_path, int *rows)
{
    static const int order[3] = { LIB_OURS_9989, LIB_OURS_7489, LIB_PEER };
    const char *unit = kind == K_PARSE ? "parses/s" : "evals/s";
    const char *aunit = kind == K_PARSE ? "allocs/parse" : "allocs/eval";
    size_t k;
    int i, missed = 0;

    printf("%-12s %-17s %12s %13s %13s %7s  %s\n", kind == K_PARSE ? "record" : "case",
           "library", unit, aunit, "peak RSS KiB", "ratio", "target 3x");
    for (k = 0; k < NCASES; k++) {
        const bcase *c = &cases[k];
        measure m[3];

        if (c->kind != kind)
            continue;
        for (i = 0; i < 3; i++)
            spawn(&m[i], order[i], c->name, seconds, runs, psl_path);
        for (i = 0; i < 3; i++) {
            char allocs[32], ratio[32], target[32];
            double q = m[2].rate > 0 ? m[i].rate / m[2].rate : 0;
            if (m[i].allocs < 0)
                snprintf(allocs, sizeof allocs, "n/a");
            else
                snprintf(allocs, sizeof allocs, "%.1f", m[i].allocs);
            ratio[0] = target[0] = '\0';
            if (order[i] != LIB_PEER) {
                snprintf(ratio, sizeof ratio, "%.1fx", q);
                snprintf(target, sizeof target, "%s", q >= 3 ? "met" : "NOT met");
                missed += q < 3;
                ++*rows;
            }
            printf("%-12s %-17s %12.0f %13s %13ld %7s  %s\n", i == 0 ? c->name : "",
                   lib_labels[order[i]], m[i].rate, allocs, m[i].rss_kib, ratio, target);
        }
        fflush(stdout);
    }
    return missed;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    int runs = 3, i, missed, rows = 0;
    char psl_path[64];
    measure idle;

    if (argc == 5 && strcmp(argv[1], "--profile") == 0)
        return profile(argv[2], argv[3], atol(argv[4]));
    if (argc == 7 && strcmp(argv[1], "--child") == 0) {
        const bcase *c = find_case(argv[3]);
        int which;
        for (which = 0; which < NLIBS; which++)
            if (strcmp(argv[2], lib_names[which]) == 0)
                break;
        seconds = atof(argv[4]);
        runs = atoi(argv[5]);
        if (c == NULL || which == NLIBS || seconds <= 0 || runs < 1 || runs > 15)
            usage();
        return child(which, c, seconds, runs, argv[6]);
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

    psl_file_create(psl_path, sizeof psl_path);
    printf("bench-dmarc: libmailauth %s against libopendmarc (Debian libopendmarc2)\n",
           ma_version());
    printf("Parses: libmailauth's internal parser alone (RFC 9989 and RFC 7489 modes),\n"
           "libopendmarc's opendmarc_policy_parse_dmarc + connect_rset.  Evaluations: the\n"
           "From field, the policy record (libmailauth: static zone; libopendmarc: the\n"
           "record text handed over), SPF and DKIM results supplied, alignment, policy;\n"
           "PSL %s for both.\n"
           "%g s of CPU time per run, median of %d runs, each library in a process of\n"
           "its own.\n\n", psl_path, seconds, runs);
    check_results(psl_path);

    spawn(&idle, LIB_IDLE, cases[0].name, seconds, runs, psl_path);
    printf("Peak RSS of an idle process of this program: %ld KiB.\n\n", idle.rss_kib);

    missed = run_group(K_PARSE, seconds, runs, psl_path, &rows);
    putchar('\n');
    missed += run_group(K_EVAL, seconds, runs, psl_path, &rows);
    unlink(psl_path);
    printf("\nratio: operations per CPU second of libmailauth over libopendmarc's in the\n"
           "same run (target: 3x or more on every row; %d of %d rows met).  allocs:\n"
           "malloc, calloc and realloc calls per operation in the whole process.\n"
           "libopendmarc is handed the record and the domain it belongs to; libmailauth\n"
           "finds it (tree walk or PSL) through its resolver.\n", rows - missed, rows);
    return 0;
}
