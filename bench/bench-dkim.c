/*
 * bench-dkim: DKIM (RFC 6376, RFC 8463) verifications and signings per
 * second, allocations and peak RSS, libmailauth against libopendkim in the
 * same run, each rate also as a fraction of the machine's limit.
 *
 *     bench-dkim [--seconds S] [--runs N]
 *     bench-dkim --profile LIB CASE COUNT      (for valgrind --tool=callgrind)
 *
 * The messages: one header (a folded Received, From, To, a Subject with a
 * double space, Date, Message-ID, MIME-Version, a folded Content-Type) and a
 * plain-text body of generated lines (some with runs of spaces, trailing
 * SP/HTAB and empty lines, so relaxed canonicalisation has work to do), 2 KB,
 * 64 KB and 1 MB in all, CRLF line ends.  Keys: one RSA-2048 and one Ed25519
 * private key, embedded below; the key records published for them are the
 * ones libmailauth's signer gives (ma_dkim_signer_key_record).  Both
 * libraries sign the same fields (h= From:To:Subject:Date:Message-ID:
 * MIME-Version:Content-Type), relaxed/relaxed unless a case says simple.
 *
 * Per message each library does what an MTA does, with the message streamed
 * in 64 KB chunks:
 *   libmailauth verify: ma_msg_new + ma_dkim_job_new + ma_dkim_job_attach,
 *     ma_msg_write..., ma_msg_finish, ma_job_run over a static-zone resolver,
 *     ma_dkim_job_result, free.  The zone (and with it the decoded-key memo
 *     kept with each answer) is shared by all messages, as a DNS cache would be.
 *   libmailauth sign: ma_dkim_sign_new + ma_dkim_sign_attach on one signer
 *     made once (ma_dkim_signer_new), ma_msg_write..., ma_msg_finish,
 *     ma_dkim_sign_field, free.
 *   libopendkim verify: dkim_verify, dkim_chunk..., dkim_eom, the signature
 *     checked (DKIM_SIG_CHECK), dkim_free; the key record comes from memory
 *     through the dkim_set_key_lookup() callback (no DNS, no cache).
 *   libopendkim sign: dkim_sign with the PEM key, dkim_chunk..., dkim_eom,
 *     dkim_getsighdr_d, dkim_free.
 * Before any timing every case's message is signed by each library and
 * verified by both: the bench stops (exit 1) unless all four pass.
 *
 * The limit.  A DKIM verification cannot take less than one public-key
 * operation plus SHA-256 over the message; signing, one private-key
 * operation plus the same hashing.  This program measures those with
 * OpenSSL directly, the way `openssl speed` does: RSA-2048 PKCS#1 v1.5
 * verify and sign of a SHA-256 digest (EVP_PKEY_verify / EVP_PKEY_sign on a
 * context set up once), Ed25519 verify and sign of 32 bytes
 * (EVP_DigestVerify / EVP_DigestSign on a context set up once;
 * ed25519-sha256 signs the 32-byte header hash, RFC 8463 3), and SHA-256
 * throughput (EVP_Digest over 16 KB blocks).  The limit for a message of B
 * bytes is then
 *     1 / (1 / key_ops_per_s + B / sha256_bytes_per_s)   messages/s.
 * It is measured once alone (the line printed first), and again inside
 * every timed process right after each of its runs, so that each run is
 * compared with a limit taken under the same machine load: "of limit" is
 * the median over the runs of rate / limit, and "vs peer" the quotient of
 * the two libraries' shares.
 *
 * Each library runs each case in a process of its own (this program run
 * again with --child), so the peak RSS (getrusage ru_maxrss) is that
 * library's plus the message itself: a short warm-up, then N timed runs of S
 * seconds; the median is reported.  Allocations are every malloc, calloc and
 * realloc call in the process (OpenSSL's included, for both libraries), by
 * wrapping them in this program (glibc only; "n/a" elsewhere).
 *
 * Peak RSS against message size: one message of 64 KB and one of 100 MB
 * (rsa-2048, relaxed/relaxed), generated on the fly and streamed in 64 KB
 * chunks, each verified and signed in a fresh process; the 100 MB message
 * never exists in memory, so peak RSS is what the library keeps.  The
 * signature a verifying process checks is made by libmailauth in the parent
 * and handed over as an argument.
 *
 * Note: libopendkim 2.11 leaks the Ed25519 key it loads for each signing
 * (about 650 bytes a message), so its peak RSS in the sign-ed25519 cases
 * grows with the run length.
 */
#define _GNU_SOURCE 1

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

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <opendkim/dkim.h>

#include <mailauth/mailauth.h>

/* Input chunk size: what an MTA might hand over per read. */
#define BENCH_CHUNK 65536

/* The large streamed message: 1600 blocks of 64 KB of body. */
#define BENCH_BIG_BLOCKS 1600

#define BENCH_DOMAIN "example.com"
#define BENCH_HEADERS "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type"

/* ------------------------------------------------- counting malloc (all) */

#include "bench-malloc.h"
#include "bench-child.h"

#ifdef BENCH_SANITIZED
/*
 * libopendkim 2.11 leaks the Ed25519 key it loads for every signing
 * (dkim_privkey_load, with the EVP_PKEY OpenSSL made for it): the peer's
 * leak, not one to stop a sanitizer build of the benchmark for.  Allocation
 * stacks are taken in full so that the suppression sees that frame under
 * OpenSSL's.
 */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void)
{
    return "leak:dkim_privkey_load\n";
}
#endif

/* ------------------------------------------------------------------- keys */

enum { ALG_RSA, ALG_ED25519, NALGS };

/* Generated for this benchmark (openssl genpkey); PKCS#8 PEM, which both
 * libraries read. */
static const char rsa_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDCT9kt/L57EhYH\n"
    "AnhKr5IrndWPGQ6fJcjrQbBxY9PtY3CtBl3FZaXGFoFIwinAg22fLPFVwThPjxhb\n"
    "lr4ihyA2TZIPpyXj15jDenUnYa9raJMBeTwGGJwoSgabFnE26eZqh46o4cFSMLyu\n"
    "letWaE1k0IVbpF7V3vULo/TxKa+wme0T4/rqg1aaYy/qF9ORSFUdTtFyqb+dDfgs\n"
    "0aqKgyBs2xoTN5bsSvjzIW+NWXZi8bxaXkkPuzyLG1449iFd+bOC9lrq8PoxOSSl\n"
    "URlRej7lEoxauuQhGv2KXVsPa9pFMYhx6lRNSQv97M3mT2RqrKEGS+4y4YIBtC11\n"
    "t1WZaRndAgMBAAECggEACQZUCW6VhY9zph6yFJHuoYeinWimBQk9uYN4XO6B2iLb\n"
    "XwXj1rZftSwNaXeEdemvboxT/HjNaJCLqpFSl7Wb7uRlFhoGyKbA9G9HFVhUS+ee\n"
    "+vC1CM7II0I7kqS/sbO6XRSaW8ikcHCitXRxajbM8BOT5guOe14awSV7y7RKcdLC\n"
    "LxMfCGLe3Sf7DSRJAihgaGJrJxw8ArlXzJ5s9uzhl2cz5A1RrBfUp0FK8w4kq0mA\n"
    "DgErqq5emA9DI87+nLPaax6CMbRorGcLbdkDNm+YpURfLUXVYkbuegS2biw6HdHH\n"
    "m9MRmHQtpdjpf6udVzSJyYiNNEyGIydWmeOHUHcwMQKBgQD4QJnc/vUDiCuH5Hrg\n"
    "mr1jQEds84qFTLN3h/lVQVLh6iQJxo764cNOVQKZOLikp1clK6DOEJ+VQvgomPQ8\n"
    "9bBajajB2/t6nRZefKkDKuf6XlkmjES4NmbYZvKnRv58Mj9QBtre2ElMKDOcexhu\n"
    "Ni2TDBRM6f6cF5HjtbXZknSbBQKBgQDIYEsE2zvaYQW5Doq6UtCl2mFTPRwFirTQ\n"
    "kw1TcriTfP/RPeFx/wyoL3i2tMB3Om7lxx5XI3AnweB4RZkI3TVrJ7dDSC7zs2Pt\n"
    "WLaTUQSklccG/pxMvH1iv8PfEHamlQlXVPQ6zmg2a4W/gaINyJKKGHdnPLbKaVgQ\n"
    "w6AaOmmq+QKBgHs93uSWcd5SAIJTDClqyHB4Xb0Z3n+0hzfk+gO4DUR4L3Hm795e\n"
    "q828aDDWttuO87VRRmBmYkMAXyAQZtfIhMc/ojKzWdISICPCMUmQSF/D7PA1HHxz\n"
    "DXWLDhW7KeVQMJwy+v88Uo8LOiwJ9CPqo49npMBWPf8RuGxaLjAYA+ldAoGBAKGo\n"
    "Fj33xYT8a4qOMdv6fjygP47RKW9LJW90g/bEAidzXEvqeZznoMV7bw8wKmrGaLvW\n"
    "diLlA1H/92Hw/HMLTFKD+zU74i1YmBDfVoTpgy5pa+W3uk+qbhoiDhtDhAYHDT84\n"
    "2cUryyXEf2YuZphqLdddv885S1tnu9XijaM7Zw65AoGAFz1iUqTLbY7kpUZLSx29\n"
    "o4ElbcbLh2xxStpidWlbTJR5tEnGBrZr5kd+dNYcQlh6UBs9FnXohfs0p/f2iMOu\n"
    "IG5nt0W9hh7BfTRqqJl8sS7n/9Ha9wuep7GGeBQ3SC+g/DV9ahZskIxRYMTgu73v\n"
    "soQcsQxk5q1HUYha/lF1B9A=\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char ed25519_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIKtreKwoD5OIHxGZcZKMMMaTdbDnkS7UEdztuqMDj+Sy\n"
    "-----END PRIVATE KEY-----\n"
    ;

static const char *const key_pem[NALGS] = { rsa_key_pem, ed25519_key_pem };
static const char *const alg_names[NALGS] = { "rsa", "ed25519" };
static const char *const selectors[NALGS] = { "rsa2048", "ed25519" };

/* ------------------------------------------------------------ small tools */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage(void) __attribute__((noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("bench-dkim: ", stderr);
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

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const void *data, size_t len)
{
    if (len > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;
        while (cap - b->len < len)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL)
            die("out of memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n > 0 ? v[n / 2] : 0;
}

/* --------------------------------------------------------------- messages */

static const char msg_header[] =
    "Received: from client.example.net (client.example.net [192.0.2.10])\r\n"
    "\tby mx.example.com (Postfix) with ESMTPS id 4XyZ1k2LmNz9\r\n"
    "\tfor <bob@example.org>; Mon, 15 Jan 2024 09:30:02 +0000 (UTC)\r\n"
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob Example <bob@example.org>\r\n"
    "Subject: Quarterly figures and the  minutes of Monday's meeting\r\n"
    "Date: Mon, 15 Jan 2024 09:30:00 +0000\r\n"
    "Message-ID: <20240115093000.4XyZ1k2LmNz9@mail.example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain;\r\n"
    "\tcharset=\"utf-8\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n";

static const char *const words[] = {
    "the", "quarterly", "figures", "are", "attached", "and", "we", "expect", "a",
    "review", "of", "all", "regional", "budgets", "before", "Friday", "meeting",
    "minutes", "were", "circulated", "to", "everyone", "on", "list", "please",
    "send", "comments", "by", "end", "day", "thanks", "for", "your", "patience",
    "revenue", "grew", "in", "third", "quarter", "costs", "remained", "flat",
};

#define NWORDS (sizeof words / sizeof words[0])

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 16;
}

/*
 * Append text lines to b until it holds `size` bytes (size - b->len >= 2):
 * 48-76 characters of words, every 5th line with a double space, every 7th
 * with a trailing space, every 11th with a trailing tab, every 17th empty;
 * the last line is cut (x's) to end exactly at size, with CRLF.
 */
static void gen_body(buf *b, size_t size, uint32_t seed)
{
    char line[160];
    unsigned long k = 0;

    while (b->len < size) {
        size_t room = size - b->len, n = 0, want;
        k++;
        if (k % 17 != 0) {
            want = 48 + rnd(&seed) % 29;
            while (n < want) {
                const char *w = words[rnd(&seed) % NWORDS];
                size_t wl = strlen(w);
                if (n > 0) {
                    line[n++] = ' ';
                    if (k % 5 == 0 && n < 20)
                        line[n++] = ' ';
                }
                memcpy(line + n, w, wl);
                n += wl;
            }
            if (k % 7 == 0)
                line[n++] = ' ';
            if (k % 11 == 0)
                line[n++] = '\t';
        }
        line[n++] = '\r';
        line[n++] = '\n';
        if (n != room && n + 2 > room) {
            n = room;
            memset(line, 'x', n - 2);
            line[n - 2] = '\r';
            line[n - 1] = '\n';
        }
        buf_add(b, line, n);
    }
}

/* A whole message of `size` bytes, header included. */
static void build_message(buf *b, size_t size)
{
    b->len = 0;
    buf_add(b, msg_header, sizeof msg_header - 1);
    gen_body(b, size, (uint32_t)size);
}

/*
 * What is fed to a library: an optional DKIM-Signature field (given
 * without its final CRLF), then `text`, then `blocks` copies of `block`.
 */
typedef struct source {
    const char *field;
    size_t field_len;
    const char *text;
    size_t text_len;
    const char *block;
    size_t block_len;
    unsigned long blocks;
} source;

static uint64_t source_len(const source *s)
{
    return (s->field != NULL ? s->field_len + 2 : 0) + s->text_len
           + (uint64_t)s->block_len * s->blocks;
}

typedef int (*sink_fn)(void *payload, const char *data, size_t len);

/* Feed s to fn in pieces of at most BENCH_CHUNK bytes; 0, or fn's nonzero return. */
static int feed(const source *s, sink_fn fn, void *payload)
{
    size_t off, n;
    unsigned long i;
    int rc;

    if (s->field != NULL) {
        if ((rc = fn(payload, s->field, s->field_len)) != 0
            || (rc = fn(payload, "\r\n", 2)) != 0)
            return rc;
    }
    for (off = 0; off < s->text_len; off += n) {
        n = s->text_len - off < BENCH_CHUNK ? s->text_len - off : BENCH_CHUNK;
        if ((rc = fn(payload, s->text + off, n)) != 0)
            return rc;
    }
    for (i = 0; i < s->blocks; i++)
        if ((rc = fn(payload, s->block, s->block_len)) != 0)
            return rc;
    return 0;
}

/* ------------------------------------------------------------- libmailauth */

typedef struct ours {
    ma_ctx *ctx;
    ma_static_zone *zone;
    ma_resolver *resolver;
    ma_dkim_signer *signer[NALGS][2];    /* [alg][ma_dkim_canon, both parts] */
    char *record[NALGS];                 /* key records (ma_free) */
} ours;

static void ours_setup(ours *o)
{
    char name[128];
    int a, c, rc;

    memset(o, 0, sizeof *o);
    if (ma_ctx_new(&o->ctx, NULL) != MA_OK || ma_static_zone_new(&o->zone, o->ctx) != MA_OK)
        die("libmailauth: cannot create the context and zone");
    for (a = 0; a < NALGS; a++) {
        for (c = 0; c < 2; c++) {
            ma_dkim_sign_opts so = MA_DKIM_SIGN_OPTS_INIT;
            so.domain = BENCH_DOMAIN;
            so.selector = selectors[a];
            so.headers = BENCH_HEADERS;
            so.header_canon = c;
            so.body_canon = c;
            rc = ma_dkim_signer_new(&o->signer[a][c], o->ctx, &so, key_pem[a], strlen(key_pem[a]));
            if (rc != MA_OK)
                die("libmailauth: cannot make the %s signer: %s", alg_names[a], ma_status_str(rc));
        }
        if ((rc = ma_dkim_signer_key_record(o->signer[a][0], &o->record[a])) != MA_OK)
            die("libmailauth: no key record: %s", ma_status_str(rc));
        snprintf(name, sizeof name, "%s._domainkey.%s", selectors[a], BENCH_DOMAIN);
        rc = ma_static_zone_add_txt(o->zone, name, o->record[a], strlen(o->record[a]), 3600);
        if (rc != MA_OK)
            die("libmailauth: cannot add %s: %s", name, ma_status_str(rc));
    }
    if ((rc = ma_resolver_static_new(&o->resolver, o->ctx, o->zone)) != MA_OK)
        die("libmailauth: cannot create the static resolver: %s", ma_status_str(rc));
}

static void ours_teardown(ours *o)
{
    int a, c;

    for (a = 0; a < NALGS; a++) {
        for (c = 0; c < 2; c++)
            ma_dkim_signer_free(o->signer[a][c]);
        ma_free(o->ctx, o->record[a]);
    }
    ma_resolver_free(o->resolver);
    ma_static_zone_free(o->zone);
    ma_ctx_free(o->ctx);
}

static int ours_sink(void *payload, const char *data, size_t len)
{
    int rc = ma_msg_write(payload, data, len);
    return rc == MA_OK ? 0 : rc;
}

/* Verify one message: its first signature's ma_dkim_result, or -1. */
static int ours_verify(ours *o, const source *s)
{
    ma_msg *msg;
    ma_job *job;
    int result = -1;

    if (ma_msg_new(&msg, o->ctx) != MA_OK)
        return -1;
    if (ma_dkim_job_new(&job, o->ctx, NULL) != MA_OK) {
        ma_msg_free(msg);
        return -1;
    }
    if (ma_dkim_job_attach(job, msg) == MA_OK && feed(s, ours_sink, msg) == 0
        && ma_msg_finish(msg) == MA_OK && ma_job_run(job, o->resolver) == MA_JOB_DONE
        && ma_dkim_job_count(job) >= 1)
        result = (int)ma_dkim_job_result(job, 0);
    ma_job_free(job);
    ma_msg_free(msg);
    return result;
}

/* Sign one message; 0 or -1.  *field_out (if not NULL) gets the field (free()). */
static int ours_sign(ours *o, int alg, int canon, const source *s, char **field_out)
{
    ma_msg *msg;
    ma_dkim_sign *g;
    char *field = NULL;
    int rc = -1;

    if (ma_msg_new(&msg, o->ctx) != MA_OK)
        return -1;
    if (ma_dkim_sign_new(&g, o->signer[alg][canon]) != MA_OK) {
        ma_msg_free(msg);
        return -1;
    }
    if (ma_dkim_sign_attach(g, msg) == MA_OK && feed(s, ours_sink, msg) == 0
        && ma_msg_finish(msg) == MA_OK && ma_dkim_sign_field(g, &field) == MA_OK) {
        rc = 0;
        if (field_out != NULL)
            *field_out = xstrdup(field);
        ma_free(o->ctx, field);
    }
    ma_dkim_sign_free(g);
    ma_msg_free(msg);
    return rc;
}

/* ------------------------------------------------------------- libopendkim */

typedef struct peer {
    DKIM_LIB *lib;
    char *record[NALGS];                 /* served by the key lookup callback */
} peer;

/* The key lookup: the record for the signature's selector, from memory. */
static DKIM_CBSTAT peer_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *out, size_t size)
{
    const peer *p = dkim_get_user_context(dkim);
    const char *sel = (const char *)dkim_sig_getselector(sig);
    int a;

    if (p == NULL || sel == NULL)
        return DKIM_CBSTAT_ERROR;
    for (a = 0; a < NALGS; a++) {
        if (strcmp(sel, selectors[a]) == 0) {
            size_t n = strlen(p->record[a]);
            if (n >= size)
                return DKIM_CBSTAT_ERROR;
            memcpy(out, p->record[a], n + 1);
            return DKIM_CBSTAT_CONTINUE;
        }
    }
    return DKIM_CBSTAT_NOTFOUND;
}

static const char *peer_signhdrs[] = {
    "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", NULL
};

/* records: copied. */
static void peer_setup(peer *p, char *const records[NALGS])
{
    int a;

    memset(p, 0, sizeof *p);
    for (a = 0; a < NALGS; a++)
        p->record[a] = xstrdup(records[a]);
    p->lib = dkim_init(NULL, NULL);
    if (p->lib == NULL)
        die("libopendkim: dkim_init failed");
    if (dkim_set_key_lookup(p->lib, peer_key_lookup) != DKIM_STAT_OK
        || dkim_options(p->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, peer_signhdrs,
                        sizeof(char **)) != DKIM_STAT_OK)
        die("libopendkim: cannot set the key lookup and the signed fields");
}

static void peer_teardown(peer *p)
{
    int a;

    dkim_close(p->lib);
    for (a = 0; a < NALGS; a++)
        free(p->record[a]);
}

static int peer_sink(void *payload, const char *data, size_t len)
{
    DKIM_STAT st = dkim_chunk(payload, (u_char *)(uintptr_t)data, len);
    return st == DKIM_STAT_OK ? 0 : 1;
}

/* Verify one message: 1 when the (first) signature passes, 0 when not, -1 on error. */
static int peer_verify(peer *p, const source *s)
{
    DKIM_STAT st;
    DKIM *d = dkim_verify(p->lib, (const u_char *)"bench", NULL, &st);
    DKIM_SIGINFO *sig;
    int result = -1;

    if (d == NULL)
        return -1;
    dkim_set_user_context(d, p);
    if (feed(s, peer_sink, d) == 0 && dkim_chunk(d, NULL, 0) == DKIM_STAT_OK) {
        st = dkim_eom(d, NULL);
        sig = dkim_getsignature(d);
        result = st == DKIM_STAT_OK && sig != NULL && DKIM_SIG_CHECK(sig);
    }
    dkim_free(d);
    return result;
}

/* Sign one message; 0 or -1.  *field_out (if not NULL) gets the field (free()). */
static int peer_sign(peer *p, int alg, int canon, const source *s, char **field_out)
{
    static const char name[] = "DKIM-Signature: ";
    DKIM_STAT st;
    DKIM *d;
    u_char *value = NULL;
    size_t len = 0;
    int rc = -1;

    d = dkim_sign(p->lib, (const u_char *)"bench", NULL,
                  (dkim_sigkey_t)(uintptr_t)key_pem[alg], (const u_char *)selectors[alg],
                  (const u_char *)BENCH_DOMAIN,
                  canon == MA_DKIM_SIMPLE ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED,
                  canon == MA_DKIM_SIMPLE ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED,
                  alg == ALG_RSA ? DKIM_SIGN_RSASHA256 : DKIM_SIGN_ED25519SHA256, -1, &st);
    if (d == NULL)
        return -1;
    if (feed(s, peer_sink, d) == 0 && dkim_chunk(d, NULL, 0) == DKIM_STAT_OK
        && dkim_eom(d, NULL) == DKIM_STAT_OK
        && dkim_getsighdr_d(d, sizeof name - 1, &value, &len) == DKIM_STAT_OK) {
        rc = 0;
        if (field_out != NULL) {
            /* The field as it goes into the message: name, value, its
               folding turned into CRLF + WSP. */
            buf f = { NULL, 0, 0 };
            size_t i;
            buf_add(&f, name, sizeof name - 1);
            for (i = 0; i < len; i++) {
                if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
                    buf_add(&f, "\r", 1);
                buf_add(&f, &value[i], 1);
            }
            buf_add(&f, "", 1);
            *field_out = f.p;
        }
    }
    dkim_free(d);
    return rc;
}

/* -------------------------------------------------------------- the limit */

enum { LIM_RSA_VERIFY, LIM_RSA_SIGN, LIM_ED_VERIFY, LIM_ED_SIGN, LIM_SHA256, NLIMS };

static const char *const lim_names[NLIMS] = {
    "RSA-2048 verify/s", "RSA-2048 sign/s", "Ed25519 verify/s", "Ed25519 sign/s",
    "SHA-256 MB/s"
};

typedef struct primitives {
    EVP_PKEY *priv[NALGS], *pub[NALGS];
    EVP_PKEY_CTX *rsa_vctx, *rsa_sctx;
    EVP_MD_CTX *ed_vctx, *ed_sctx;
    EVP_MD *sha256;
    unsigned char digest[32];            /* what is signed: a SHA-256 digest */
    unsigned char sig[NALGS][512];
    size_t sig_len[NALGS];
    unsigned char block[16384];
} primitives;

static EVP_PKEY *load_private(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (k == NULL)
        die("OpenSSL: cannot read an embedded key");
    return k;
}

/* The public half alone, as a verifier decodes it from p=. */
static EVP_PKEY *public_of(EVP_PKEY *k)
{
    unsigned char *der = NULL;
    const unsigned char *q;
    int n = i2d_PUBKEY(k, &der);
    EVP_PKEY *pub;

    if (n <= 0)
        die("OpenSSL: i2d_PUBKEY failed");
    q = der;
    pub = d2i_PUBKEY(NULL, &q, n);
    OPENSSL_free(der);
    if (pub == NULL)
        die("OpenSSL: d2i_PUBKEY failed");
    return pub;
}

static void prim_setup(primitives *m)
{
    size_t i;
    int a;

    memset(m, 0, sizeof *m);
    for (i = 0; i < sizeof m->block; i++)
        m->block[i] = (unsigned char)(i * 131u + 7u);
    for (a = 0; a < NALGS; a++) {
        m->priv[a] = load_private(key_pem[a]);
        m->pub[a] = public_of(m->priv[a]);
    }
    m->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (m->sha256 == NULL || EVP_Digest("bench", 5, m->digest, NULL, m->sha256, NULL) != 1)
        die("OpenSSL: no SHA-256");

    /* RSA: PKCS#1 v1.5 over a SHA-256 digest, contexts set up once. */
    m->rsa_sctx = EVP_PKEY_CTX_new(m->priv[ALG_RSA], NULL);
    m->rsa_vctx = EVP_PKEY_CTX_new(m->pub[ALG_RSA], NULL);
    if (m->rsa_sctx == NULL || m->rsa_vctx == NULL
        || EVP_PKEY_sign_init(m->rsa_sctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(m->rsa_sctx, RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_CTX_set_signature_md(m->rsa_sctx, m->sha256) != 1
        || EVP_PKEY_verify_init(m->rsa_vctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(m->rsa_vctx, RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_CTX_set_signature_md(m->rsa_vctx, m->sha256) != 1)
        die("OpenSSL: cannot set up RSA");
    m->sig_len[ALG_RSA] = sizeof m->sig[ALG_RSA];
    if (EVP_PKEY_sign(m->rsa_sctx, m->sig[ALG_RSA], &m->sig_len[ALG_RSA], m->digest, 32) != 1
        || EVP_PKEY_verify(m->rsa_vctx, m->sig[ALG_RSA], m->sig_len[ALG_RSA], m->digest, 32)
               != 1)
        die("OpenSSL: RSA sign/verify failed");

    /* Ed25519: one-shot EVP_DigestSign/Verify on contexts set up once. */
    m->ed_sctx = EVP_MD_CTX_new();
    m->ed_vctx = EVP_MD_CTX_new();
    if (m->ed_sctx == NULL || m->ed_vctx == NULL
        || EVP_DigestSignInit(m->ed_sctx, NULL, NULL, NULL, m->priv[ALG_ED25519]) != 1
        || EVP_DigestVerifyInit(m->ed_vctx, NULL, NULL, NULL, m->pub[ALG_ED25519]) != 1)
        die("OpenSSL: cannot set up Ed25519");
    m->sig_len[ALG_ED25519] = sizeof m->sig[ALG_ED25519];
    if (EVP_DigestSign(m->ed_sctx, m->sig[ALG_ED25519], &m->sig_len[ALG_ED25519], m->digest, 32)
            != 1
        || EVP_DigestVerify(m->ed_vctx, m->sig[ALG_ED25519], m->sig_len[ALG_ED25519], m->digest,
                            32) != 1)
        die("OpenSSL: Ed25519 sign/verify failed");
}

static void prim_teardown(primitives *m)
{
    int a;

    EVP_PKEY_CTX_free(m->rsa_sctx);
    EVP_PKEY_CTX_free(m->rsa_vctx);
    EVP_MD_CTX_free(m->ed_sctx);
    EVP_MD_CTX_free(m->ed_vctx);
    EVP_MD_free(m->sha256);
    for (a = 0; a < NALGS; a++) {
        EVP_PKEY_free(m->priv[a]);
        EVP_PKEY_free(m->pub[a]);
    }
}

/* One operation of primitive `which`; bytes processed (SHA-256) or 1. */
static double prim_op(primitives *m, int which)
{
    unsigned char sig[512], md[32];
    size_t len = sizeof sig;
    int ok = 0;

    switch (which) {
    case LIM_RSA_VERIFY:
        ok = EVP_PKEY_verify(m->rsa_vctx, m->sig[ALG_RSA], m->sig_len[ALG_RSA], m->digest, 32);
        break;
    case LIM_RSA_SIGN:
        ok = EVP_PKEY_sign(m->rsa_sctx, sig, &len, m->digest, 32);
        break;
    case LIM_ED_VERIFY:
        ok = EVP_DigestVerify(m->ed_vctx, m->sig[ALG_ED25519], m->sig_len[ALG_ED25519],
                              m->digest, 32);
        break;
    case LIM_ED_SIGN:
        ok = EVP_DigestSign(m->ed_sctx, sig, &len, m->digest, 32);
        break;
    case LIM_SHA256:
        ok = EVP_Digest(m->block, sizeof m->block, md, NULL, m->sha256, NULL);
        return ok == 1 ? (double)sizeof m->block : (die("OpenSSL: SHA-256 failed"), 0);
    }
    if (ok != 1)
        die("OpenSSL: %s failed", lim_names[which]);
    return 1;
}

/* The limits: operations/s (bytes/s for SHA-256), medians of `runs` runs. */
static void child_limit(double seconds, int runs)
{
    primitives m;
    double rates[16], t0, el, done;
    int w, r;

    prim_setup(&m);
    for (w = 0; w < NLIMS; w++) {
        t0 = now_s();
        while (now_s() - t0 < seconds / 20)
            prim_op(&m, w);
        for (r = 0; r < runs; r++) {
            done = 0;
            t0 = now_s();
            do
                done += prim_op(&m, w);
            while ((el = now_s() - t0) < seconds / 2);
            rates[r] = done / el;
        }
        printf("%.1f ", median(rates, runs));
    }
    printf("\n");
    prim_teardown(&m);
}

/* -------------------------------------------------------------- the cases */

enum { OP_VERIFY, OP_SIGN };

/* What a case's libmailauth figure is held to. */
enum { T_NONE, T_LIMIT, T_PEER };

typedef struct bcase {
    const char *name;
    int op, alg, canon;
    size_t size;            /* whole message before signing (timed cases) */
    unsigned long blocks;   /* streamed cases: 64 KB body blocks after the header */
    int target_kind;
    double target;          /* fraction of the limit, or times libopendkim */
} bcase;

#define R MA_DKIM_RELAXED
#define S MA_DKIM_SIMPLE
static const bcase cases[] = {
    { "verify-rsa-2k", OP_VERIFY, ALG_RSA, R, 2048, 0, T_LIMIT, 0.80 },
    { "verify-rsa-64k", OP_VERIFY, ALG_RSA, R, 65536, 0, T_NONE, 0 },
    { "verify-rsa-1m", OP_VERIFY, ALG_RSA, R, 1048576, 0, T_LIMIT, 0.70 },
    { "verify-rsa-1m-simple", OP_VERIFY, ALG_RSA, S, 1048576, 0, T_NONE, 0 },
    { "verify-ed25519-2k", OP_VERIFY, ALG_ED25519, R, 2048, 0, T_LIMIT, 0.90 },
    { "verify-ed25519-64k", OP_VERIFY, ALG_ED25519, R, 65536, 0, T_LIMIT, 0.90 },
    { "verify-ed25519-1m", OP_VERIFY, ALG_ED25519, R, 1048576, 0, T_LIMIT, 0.90 },
    { "sign-rsa-2k", OP_SIGN, ALG_RSA, R, 2048, 0, T_LIMIT, 0.95 },
    { "sign-rsa-64k", OP_SIGN, ALG_RSA, R, 65536, 0, T_LIMIT, 0.95 },
    { "sign-rsa-1m", OP_SIGN, ALG_RSA, R, 1048576, 0, T_LIMIT, 0.95 },
    { "sign-ed25519-2k", OP_SIGN, ALG_ED25519, R, 2048, 0, T_PEER, 10 },
    { "sign-ed25519-64k", OP_SIGN, ALG_ED25519, R, 65536, 0, T_PEER, 10 },
    { "sign-ed25519-1m", OP_SIGN, ALG_ED25519, R, 1048576, 0, T_PEER, 10 },
    /* peak RSS against size: streamed, one message per process */
    { "rss-verify-64k", OP_VERIFY, ALG_RSA, R, 0, 1, T_NONE, 0 },
    { "rss-verify-100m", OP_VERIFY, ALG_RSA, R, 0, BENCH_BIG_BLOCKS, T_NONE, 0 },
    { "rss-sign-64k", OP_SIGN, ALG_RSA, R, 0, 1, T_NONE, 0 },
    { "rss-sign-100m", OP_SIGN, ALG_RSA, R, 0, BENCH_BIG_BLOCKS, T_NONE, 0 },
};
#undef R
#undef S

#define NCASES (sizeof cases / sizeof cases[0])

static const bcase *find_case(const char *name)
{
    size_t i;

    for (i = 0; i < NCASES; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

/* ------------------------------------------------------- one library, one case */

enum { LIB_OURS, LIB_PEER, LIB_LIMIT, LIB_IDLE, NLIBS };

static const char *const lib_names[NLIBS] = { "ours", "libopendkim", "limit", "idle" };
static const char *const lib_labels[NLIBS] = { "libmailauth", "libopendkim", "limit", "idle" };

typedef struct bench_lib {
    int which;
    const bcase *c;
    ours o;
    peer p;
    source s;
    buf msg, block;
    char *field;
} bench_lib;

/*
 * Build the case's message and set one library up for it.  A verify case's
 * message is signed by libmailauth here, unless field (a DKIM-Signature
 * field, as ma_dkim_sign_field gives it) is given.
 */
static void lib_setup(bench_lib *b, int which, const bcase *c, const char *field)
{
    memset(b, 0, sizeof *b);
    b->which = which;
    b->c = c;
    if (c->blocks == 0) {
        build_message(&b->msg, c->size);
        b->s.text = b->msg.p;
        b->s.text_len = b->msg.len;
    } else {
        gen_body(&b->block, BENCH_CHUNK, 1);
        b->s.text = msg_header;
        b->s.text_len = sizeof msg_header - 1;
        b->s.block = b->block.p;
        b->s.block_len = b->block.len;
        b->s.blocks = c->blocks;
    }
    ours_setup(&b->o);
    if (c->op == OP_VERIFY) {
        if (field != NULL)
            b->field = xstrdup(field);
        else if (ours_sign(&b->o, c->alg, c->canon, &b->s, &b->field) != 0)
            die("libmailauth: %s: cannot sign the message", c->name);
        b->s.field = b->field;
        b->s.field_len = strlen(b->field);
    }
    if (which == LIB_PEER) {
        peer_setup(&b->p, b->o.record);
        ours_teardown(&b->o);
    }
}

static void lib_teardown(bench_lib *b)
{
    if (b->which == LIB_PEER)
        peer_teardown(&b->p);
    else
        ours_teardown(&b->o);
    free(b->field);
    free(b->msg.p);
    free(b->block.p);
}

/* One message, the way an MTA handles it; 1 when it gave the expected
 * outcome (a pass, a signature), 0 when not.  For callgrind: the inclusive
 * cost of this function / the count is the cost per message. */
static __attribute__((noinline)) int lib_message(bench_lib *b)
{
    const bcase *c = b->c;

    if (c->op == OP_VERIFY)
        return b->which == LIB_PEER ? peer_verify(&b->p, &b->s) == 1
                                    : ours_verify(&b->o, &b->s) == MA_DKIM_PASS;
    return (b->which == LIB_PEER ? peer_sign(&b->p, c->alg, c->canon, &b->s, NULL)
                                 : ours_sign(&b->o, c->alg, c->canon, &b->s, NULL)) == 0;
}

/* The key operation a case needs (a LIM_* index). */
static int case_pk(const bcase *c)
{
    if (c->op == OP_VERIFY)
        return c->alg == ALG_RSA ? LIM_RSA_VERIFY : LIM_ED_VERIFY;
    return c->alg == ALG_RSA ? LIM_RSA_SIGN : LIM_ED_SIGN;
}

/* Time primitive `which` for `seconds`: operations (bytes for SHA-256) per second. */
static double prim_rate(primitives *m, int which, double seconds)
{
    double t0 = now_s(), el, done = 0;

    do
        done += prim_op(m, which);
    while ((el = now_s() - t0) < seconds);
    return done / el;
}

/*
 * The child: one library, one case.  Timed cases: a warm-up, then `runs`
 * runs of `seconds` each, each followed by a measure of the limit for this
 * message (the key operation and SHA-256, seconds / 8 each) in the same
 * process, so that a rate and its limit see the same machine load; streamed
 * cases: one message.  Prints one line:
 *     bytes_per_message (rate limit)... mallocs_per_message maxrss_kib
 * (limit 0 for streamed cases; mallocs_per_message -1 when not counted).
 */
static int child(int which, const bcase *c, double seconds, int runs, const char *field)
{
    bench_lib b;
    primitives m;
    struct rusage ru;
    double rates[16], limits[16], t0, el, bytes = 0;
    unsigned long long n, m0, mallocs = 0, msgs = 0;
    int r;

    if (which == LIB_LIMIT) {
        child_limit(seconds, runs);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    memset(&b, 0, sizeof b);
    if (which != LIB_IDLE) {
        lib_setup(&b, which, c, field);
        bytes = (double)source_len(&b.s);
        if (c->blocks > 0) {
            runs = 1;
            m0 = malloc_calls;
            t0 = now_s();
            if (!lib_message(&b))
                die("%s: %s: unexpected result", lib_names[which], c->name);
            rates[0] = 1 / (now_s() - t0);
            limits[0] = 0;
            mallocs = malloc_calls - m0;
            msgs = 1;
        } else {
            prim_setup(&m);
            t0 = now_s();
            do
                if (!lib_message(&b))
                    die("%s: %s: unexpected result", lib_names[which], c->name);
            while (now_s() - t0 < seconds / 10);
            for (r = 0; r < runs; r++) {
                double pk, sha;
                m0 = malloc_calls;
                n = 0;
                t0 = now_s();
                do {
                    if (!lib_message(&b))
                        die("%s: %s: unexpected result", lib_names[which], c->name);
                    n++;
                } while ((el = now_s() - t0) < seconds);
                rates[r] = (double)n / el;
                mallocs += malloc_calls - m0;
                msgs += n;
                pk = prim_rate(&m, case_pk(c), seconds / 8);
                sha = prim_rate(&m, LIM_SHA256, seconds / 8);
                limits[r] = 1 / (1 / pk + bytes / sha);
            }
            prim_teardown(&m);
        }
    }
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        die("getrusage: %s", strerror(errno));
    printf("%.0f ", bytes);
    for (r = 0; r < runs && which != LIB_IDLE; r++)
        printf("%.2f %.2f ", rates[r], limits[r]);
#ifndef BENCH_COUNT_MALLOC
    msgs = 0;
#endif
    printf("%.2f %ld\n", msgs > 0 ? (double)mallocs / (double)msgs : -1.0, (long)ru.ru_maxrss);
    if (which != LIB_IDLE)
        lib_teardown(&b);
    return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * --profile LIB CASE N: N messages, untimed, for valgrind --tool=callgrind
 * (instructions per message = the inclusive cost of lib_message / N).
 */
static int profile(const char *lib_name, const char *case_name, long count)
{
    const bcase *c = find_case(case_name);
    bench_lib b;
    unsigned long long m0;
    long i;
    int which;

    for (which = 0; which < LIB_LIMIT; which++)
        if (strcmp(lib_name, lib_names[which]) == 0)
            break;
    if (c == NULL || which == LIB_LIMIT || count < 1)
        usage();
    lib_setup(&b, which, c, NULL);
    m0 = malloc_calls;
    for (i = 0; i < count; i++)
        if (!lib_message(&b))
            die("%s: %s: unexpected result", lib_name, case_name);
    printf("%s %s: %ld messages of %llu bytes", lib_name, case_name, count,
           (unsigned long long)source_len(&b.s));
#ifdef BENCH_COUNT_MALLOC
    printf(", %.1f allocations each", (double)(malloc_calls - m0) / (double)count);
#else
    (void)m0;
#endif
    printf("\n");
    lib_teardown(&b);
    return 0;
}

/* ----------------------------------------------------------------- parent */

typedef struct measure {
    double bytes;         /* per message */
    double rate;          /* median messages/s */
    double limit;         /* median limit measured beside the runs, messages/s */
    double of_limit;      /* median of rate / limit, run by run */
    double mallocs;       /* per message, < 0 when not counted */
    long rss_kib;
} measure;

static const char *self_path;

/* Run this program as a child with args (NULL-terminated) and read its line. */
static void spawn_line(char *line, size_t size, char *const *args, const char *what)
{
    char a0[] = "bench-dkim", a1[] = "--child";
    char *argv[12];
    const char *why;
    int i;

    argv[0] = a0;
    argv[1] = a1;
    for (i = 0; args[i] != NULL && i < 9; i++)
        argv[i + 2] = args[i];
    argv[i + 2] = NULL;
    why = bench_child_line(self_path, argv, line, size);
    if (why != NULL && strcmp(why, "child") != 0)
        die("%s: %s", why, strerror(errno));
    if (why != NULL)
        die("the %s run failed", what);
}

static double field_num(char **p, const char *line, const char *what)
{
    char *end;
    double v = strtod(*p, &end);

    if (end == *p)
        die("bad output from the %s run: %s", what, line);
    *p = end;
    return v;
}

static void spawn(measure *m, int which, const bcase *c, double seconds, int runs,
                  const char *field)
{
    char lib[32], cs[64], sec[32], nruns[16], line[1024], what[128];
    char *args[6], *p;
    double rates[16], limits[16], ratios[16];
    int i, nrates;

    snprintf(lib, sizeof lib, "%s", lib_names[which]);
    snprintf(cs, sizeof cs, "%s", c->name);
    snprintf(sec, sizeof sec, "%g", seconds);
    snprintf(nruns, sizeof nruns, "%d", runs);
    snprintf(what, sizeof what, "%s %s", lib_names[which], c->name);
    args[0] = lib;
    args[1] = cs;
    args[2] = sec;
    args[3] = nruns;
    args[4] = (char *)(uintptr_t)field;
    args[5] = NULL;
    spawn_line(line, sizeof line, args, what);
    p = line;
    m->bytes = field_num(&p, line, what);
    nrates = which == LIB_IDLE ? 0 : c->blocks > 0 ? 1 : runs;
    for (i = 0; i < nrates; i++) {
        rates[i] = field_num(&p, line, what);
        limits[i] = field_num(&p, line, what);
        ratios[i] = limits[i] > 0 ? rates[i] / limits[i] : 0;
    }
    m->mallocs = field_num(&p, line, what);
    m->rss_kib = (long)field_num(&p, line, what);
    m->rate = median(rates, nrates);
    m->limit = median(limits, nrates);
    m->of_limit = median(ratios, nrates);
}

static void spawn_limit(double lim[NLIMS], double seconds, int runs)
{
    char lib[] = "limit", cs[] = "-", sec[32], nruns[16], line[1024];
    char *args[5], *p;
    int i;

    snprintf(sec, sizeof sec, "%g", seconds);
    snprintf(nruns, sizeof nruns, "%d", runs);
    args[0] = lib;
    args[1] = cs;
    args[2] = sec;
    args[3] = nruns;
    args[4] = NULL;
    spawn_line(line, sizeof line, args, "limit");
    p = line;
    for (i = 0; i < NLIMS; i++)
        lim[i] = field_num(&p, line, "limit");
}

static const char *verdict(int pass)
{
    return pass ? "pass" : "FAIL";
}

/*
 * Every timed case's message, signed by each library and verified by both;
 * stop unless all four pass.  Also sign the streamed messages the RSS runs
 * verify (fields[i] for cases[i], or NULL).
 */
static void check_results(char *fields[NCASES])
{
    ours o;
    peer p;
    size_t i, j;
    int bad = 0;

    ours_setup(&o);
    peer_setup(&p, o.record);
    printf("%-22s %8s  %-26s %s\n", "message", "bytes", "signed by libmailauth:",
           "signed by libopendkim:");
    printf("%-22s %8s  %-26s %s\n", "", "", "verified by ours/opendkim", "verified by ours/opendkim");
    for (i = 0; i < NCASES; i++) {
        const bcase *c = &cases[i];
        bench_lib b;
        source s1, s2;
        char *f1 = NULL, *f2 = NULL, label[64];
        int v[4];

        fields[i] = NULL;
        if (c->blocks > 0) {
            if (c->op == OP_VERIFY) {
                lib_setup(&b, LIB_OURS, c, NULL);
                fields[i] = xstrdup(b.field);
                lib_teardown(&b);
            }
            continue;
        }
        for (j = 0; j < i; j++)
            if (cases[j].blocks == 0 && cases[j].alg == c->alg && cases[j].canon == c->canon
                && cases[j].size == c->size)
                break;
        if (j < i)
            continue;
        memset(&b, 0, sizeof b);
        build_message(&b.msg, c->size);
        memset(&s1, 0, sizeof s1);
        s1.text = b.msg.p;
        s1.text_len = b.msg.len;
        s2 = s1;
        if (ours_sign(&o, c->alg, c->canon, &s1, &f1) != 0)
            die("libmailauth: cannot sign the %s message", c->name);
        if (peer_sign(&p, c->alg, c->canon, &s2, &f2) != 0)
            die("libopendkim: cannot sign the %s message", c->name);
        s1.field = f1;
        s1.field_len = strlen(f1);
        s2.field = f2;
        s2.field_len = strlen(f2);
        v[0] = ours_verify(&o, &s1) == MA_DKIM_PASS;
        v[1] = peer_verify(&p, &s1) == 1;
        v[2] = ours_verify(&o, &s2) == MA_DKIM_PASS;
        v[3] = peer_verify(&p, &s2) == 1;
        snprintf(label, sizeof label, "%s-%s%s", alg_names[c->alg],
                 c->size >= 1048576 ? "1m" : c->size >= 65536 ? "64k" : "2k",
                 c->canon == MA_DKIM_SIMPLE ? " simple" : " relaxed");
        printf("%-22s %8zu  %-4s / %-19s %s / %s\n", label, b.msg.len, verdict(v[0]),
               verdict(v[1]), verdict(v[2]), verdict(v[3]));
        if (!v[0] || !v[1] || !v[2] || !v[3])
            bad = 1;
        free(f1);
        free(f2);
        free(b.msg.p);
    }
    peer_teardown(&p);
    ours_teardown(&o);
    if (bad)
        die("the libraries do not both verify every message: no benchmark");
    putchar('\n');
}

static void usage(void)
{
    fputs("Usage: bench-dkim [--seconds S] [--runs N]\n"
          "  S seconds per timed run (default 0.4), N runs per library and case\n"
          "  (default 3, odd, at most 15); the median run is reported.\n"
          "       bench-dkim --profile LIB CASE COUNT\n"
          "  COUNT untimed messages, for valgrind --tool=callgrind; LIB is ours or\n"
          "  libopendkim; CASE verify-rsa-2k, verify-rsa-64k, verify-rsa-1m,\n"
          "  verify-rsa-1m-simple, verify-ed25519-{2k,64k,1m}, sign-rsa-{2k,64k,1m},\n"
          "  sign-ed25519-{2k,64k,1m}, rss-verify-{64k,100m} or rss-sign-{64k,100m}.\n",
          stderr);
    exit(2);
}

static const char *pct(char *out, size_t size, double v)
{
    snprintf(out, size, "%.1f%%", 100 * v);
    return out;
}

int main(int argc, char **argv)
{
    double seconds = 0.4, lim[NLIMS];
    int runs = 3, i, missed = 0, targets = 0;
    size_t k;
    char *fields[NCASES];
    measure idle;
    char summary[4096];
    size_t slen = 0;

    if (argc == 5 && strcmp(argv[1], "--profile") == 0)
        return profile(argv[2], argv[3], atol(argv[4]));
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "--child") == 0) {
        const bcase *c = find_case(argv[3]);
        int which;
        for (which = 0; which < NLIBS; which++)
            if (strcmp(argv[2], lib_names[which]) == 0)
                break;
        seconds = atof(argv[4]);
        runs = atoi(argv[5]);
        if (which == NLIBS || (c == NULL && which != LIB_LIMIT && which != LIB_IDLE)
            || seconds <= 0 || runs < 1 || runs > 15)
            usage();
        return child(which, c, seconds, runs, argc == 7 ? argv[6] : NULL);
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
        uint32_t v = dkim_libversion();
        printf("bench-dkim: libmailauth %s against libopendkim %u.%u.%u, %s\n", ma_version(),
               (unsigned)(v >> 24), (unsigned)((v >> 16) & 0xff), (unsigned)((v >> 8) & 0xff),
               OpenSSL_version(OPENSSL_VERSION));
    }
    printf("Keys from memory (libmailauth: static zone shared by all messages; libopendkim:\n"
           "dkim_set_key_lookup callback), messages streamed in %d KB chunks, relaxed/relaxed\n"
           "unless marked simple.  %g s per run, median of %d runs, each library in a\n"
           "process of its own.\n\n",
           BENCH_CHUNK / 1024, seconds, runs);
    check_results(fields);

    spawn_limit(lim, seconds, runs);
    printf("The limit, measured alone first (OpenSSL %s, as openssl speed does):\n ",
           OpenSSL_version(OPENSSL_VERSION_STRING));
    for (i = 0; i < NLIMS; i++)
        printf(" %s %.0f%s", lim_names[i], i == LIM_SHA256 ? lim[i] / 1e6 : lim[i],
               i + 1 < NLIMS ? ";" : "\n");
    printf("  limit for a message of B bytes = 1 / (1 / key ops per s + B / SHA-256 bytes per s)\n\n");

    {
        bcase idle_case = cases[0];
        spawn(&idle, LIB_IDLE, &idle_case, seconds, runs, NULL);
    }
    printf("Peak RSS of an idle process of this program: %ld KiB.\n\n", idle.rss_kib);

    printf("%-20s %-11s %9s %8s %9s %8s %8s %9s %8s  %s\n", "case", "library", "msgs/s", "MB/s",
           "limit/s", "of limit", "vs peer", "allocs", "RSS KiB", "target (libmailauth)");
    for (k = 0; k < NCASES; k++) {
        const bcase *c = &cases[k];
        measure m[2];
        double vs;
        char t1[32], t2[32], allocs[32], target[96];

        if (c->blocks > 0)
            continue;
        spawn(&m[0], LIB_OURS, c, seconds, runs, NULL);
        spawn(&m[1], LIB_PEER, c, seconds, runs, NULL);
        /* Each share of the limit was taken against a limit measured in the
           same process at the same time, so their quotient is the speed-up
           with the machine's changing load taken out. */
        vs = m[1].of_limit > 0 ? m[0].of_limit / m[1].of_limit : 0;
        for (i = 0; i < 2; i++) {
            if (m[i].mallocs < 0)
                snprintf(allocs, sizeof allocs, "n/a");
            else
                snprintf(allocs, sizeof allocs, "%.1f", m[i].mallocs);
            target[0] = '\0';
            if (i == 0 && c->target_kind != T_NONE) {
                double got = c->target_kind == T_LIMIT ? m[0].of_limit : vs;
                int met = got >= c->target;
                char line[160];
                if (c->target_kind == T_LIMIT)
                    snprintf(target, sizeof target, ">= %.0f%% of limit: %s", 100 * c->target,
                             met ? "met" : "MISSED");
                else
                    snprintf(target, sizeof target, ">= %.0fx libopendkim: %s", c->target,
                             met ? "met" : "MISSED");
                targets++;
                missed += !met;
                if (c->target_kind == T_LIMIT)
                    snprintf(line, sizeof line, "  %-20s %s (%s)\n", c->name, target,
                             pct(t1, sizeof t1, got));
                else
                    snprintf(line, sizeof line, "  %-20s %s (%.1fx)\n", c->name, target, got);
                if (slen + strlen(line) < sizeof summary) {
                    memcpy(summary + slen, line, strlen(line) + 1);
                    slen += strlen(line);
                }
            }
            if (i == 0)
                snprintf(t2, sizeof t2, "%.1fx", vs);
            else
                t2[0] = '\0';
            printf("%-20s %-11s %9.0f %8.1f %9.0f %8s %8s %9s %8ld  %s\n", i == 0 ? c->name : "",
                   lib_labels[i == 0 ? LIB_OURS : LIB_PEER], m[i].rate,
                   m[i].rate * m[i].bytes / 1e6, m[i].limit, pct(t1, sizeof t1, m[i].of_limit),
                   t2, allocs, m[i].rss_kib, target);
        }
        fflush(stdout);
    }
    printf("\nmsgs/s: messages per second (median run); MB/s: message bytes per second;\n"
           "limit/s: the limit for this message, measured in the same process after each\n"
           "run (median); of limit: median over the runs of msgs/s over that run's limit;\n"
           "vs peer: libmailauth's share of the limit over libopendkim's (the speed-up,\n"
           "load-corrected); allocs: malloc, calloc and realloc calls per message in the\n"
           "whole process (OpenSSL's included); RSS KiB: peak RSS of the process, the\n"
           "message buffer included.\n\n");

    printf("Peak RSS against message size: one rsa-2048 relaxed/relaxed message, generated\n"
           "and streamed in %d KB chunks (the 100 MB one never held in memory), per process:\n",
           BENCH_CHUNK / 1024);
    printf("%-8s %-11s %12s %12s %10s %10s\n", "op", "library", "64 KB: KiB", "100 MB: KiB",
           "growth", "100 MB s");
    for (i = 0; i < 2; i++) {
        int op, which;
        for (op = OP_VERIFY; op <= OP_SIGN; op++) {
            const bcase *small = NULL, *big = NULL;
            measure ms, mb;
            for (k = 0; k < NCASES; k++) {
                if (cases[k].blocks == 0 || cases[k].op != op)
                    continue;
                if (cases[k].blocks == 1)
                    small = &cases[k];
                else
                    big = &cases[k];
            }
            if (small == NULL || big == NULL)
                die("internal: no streamed cases");
            which = i == 0 ? LIB_OURS : LIB_PEER;
            spawn(&ms, which, small, seconds, 1, fields[small - cases]);
            spawn(&mb, which, big, seconds, 1, fields[big - cases]);
            printf("%-8s %-11s %12ld %12ld %+10ld %10.2f", op == OP_VERIFY ? "verify" : "sign",
                   lib_labels[which], ms.rss_kib, mb.rss_kib, mb.rss_kib - ms.rss_kib,
                   1 / mb.rate);
            if (which == LIB_OURS) {
                int met = mb.rss_kib - ms.rss_kib <= 1024;
                char line[160];
                printf("  growth <= 1024 KiB: %s", met ? "met" : "MISSED");
                targets++;
                missed += !met;
                snprintf(line, sizeof line, "  rss-%-16s growth <= 1024 KiB: %s (%+ld KiB)\n",
                         op == OP_VERIFY ? "verify-100m" : "sign-100m", met ? "met" : "MISSED",
                         mb.rss_kib - ms.rss_kib);
                if (slen + strlen(line) < sizeof summary) {
                    memcpy(summary + slen, line, strlen(line) + 1);
                    slen += strlen(line);
                }
            }
            printf("\n");
            fflush(stdout);
        }
    }
    for (k = 0; k < NCASES; k++)
        free(fields[k]);
    printf("\nTargets (libmailauth): %d of %d met.\n%s", targets - missed, targets,
           slen > 0 ? summary : "");
    return 0;
}
