/*
 * Thread safety: two contexts, each set up once and then shared by
 * several threads, each thread running many jobs at the same time as the
 * others: the one-call authenticator over a signed message (DKIM key
 * records memoised on shared DNS answers, one caching resolver per
 * context shared by every thread), DKIM signing with one signer shared by
 * every thread of its context, ARC validation of a sealed copy, and
 * Authentication-Results parsing.  Every verdict must be the one a single
 * thread gets.  Built with --enable-sanitizers=thread, ThreadSanitizer
 * checks the same run for data races.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "tap.h"

#define THREADS 4
#define ROUNDS 40

/* RFC 8032 7.1 TEST 1 secret key, as a seed (RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static const char zone_text[] =
    "example.com.               300 IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.example.com.        300 IN TXT \"v=DMARC1; p=reject\"\n"
    "mail.example.com.          300 IN A   192.0.2.10\n"
    "10.2.0.192.in-addr.arpa.   300 IN PTR mail.example.com.\n";

static const char message_text[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: threads\r\n"
    "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <t@example.com>\r\n"
    "\r\n"
    "Many threads, one context.\r\n";

static int64_t now_ms = INT64_C(1795000000000);

static int64_t clock_fn(void *payload)
{
    return *(const int64_t *)payload;
}

/* Everything one context's threads share, set up before they start. */
typedef struct shared {
    ma_ctx *ctx;
    ma_static_zone *zone;
    ma_resolver *stat, *cache;
    ma_dkim_signer *signer;
    char *signed_msg;      /* message_text with a DKIM-Signature */
    char *sealed_msg;      /* signed_msg with an ARC set */
} shared;

/* What one thread found wrong (counted, and the first one described). */
typedef struct worker {
    shared *sh;
    int errors;
    char first[200];
} worker;

static void bad(worker *w, const char *what)
{
    if (w->errors++ == 0)
        snprintf(w->first, sizeof w->first, "%s", what);
}

static char *prepend(const char *fields, const char *text)
{
    char *m = malloc(strlen(fields) + 2 + strlen(text) + 1);
    if (m != NULL)
        sprintf(m, "%s\r\n%s", fields, text);
    return m;
}

/* Sign text with the shared signer; the field (ma_free), or NULL. */
static char *sign(shared *sh, const char *text)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    char *field = NULL;
    int rc = ma_msg_new(&m, sh->ctx);
    if (rc == MA_OK)
        rc = ma_dkim_sign_new(&g, sh->signer);
    if (rc == MA_OK)
        rc = ma_dkim_sign_attach(g, m);
    if (rc == MA_OK)
        rc = ma_msg_write(m, text, strlen(text));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK)
        rc = ma_dkim_sign_field(g, &field);
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    return rc == MA_OK ? field : NULL;
}

/* The authenticator over text; "iprev spf dkim arc dmarc" into out. */
static int authenticate(shared *sh, const char *text, char *out, size_t size)
{
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    int rc;

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = "192.0.2.10";
    p.helo = "mail.example.com";
    p.mail_from = "alice@example.com";
    p.authserv_id = "mx.example.org";
    rc = ma_auth_job_new(&j, sh->ctx, &p);
    if (rc == MA_OK)
        rc = ma_msg_new(&m, sh->ctx);
    if (rc == MA_OK)
        rc = ma_auth_job_attach(j, m);
    if (rc == MA_OK)
        rc = ma_msg_write(m, text, strlen(text));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK)
        rc = ma_job_run(j, sh->cache) == MA_JOB_DONE ? MA_OK : MA_EINTERNAL;
    if (rc == MA_OK)
        snprintf(out, size, "%s %s %s %s %s", ma_auth_job_verdict(j, MA_AUTH_IPREV),
                 ma_auth_job_verdict(j, MA_AUTH_SPF), ma_auth_job_verdict(j, MA_AUTH_DKIM),
                 ma_auth_job_verdict(j, MA_AUTH_ARC), ma_auth_job_verdict(j, MA_AUTH_DMARC));
    ma_job_free(j);
    ma_msg_free(m);
    return rc;
}

static int arc_validate(shared *sh, const char *text)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int res = -1;
    if (ma_msg_new(&m, sh->ctx) == MA_OK && ma_arc_job_new(&j, sh->ctx, NULL) == MA_OK &&
        ma_arc_job_attach(j, m) == MA_OK && ma_msg_write(m, text, strlen(text)) == MA_OK &&
        ma_msg_finish(m) == MA_OK && ma_job_run(j, sh->cache) == MA_JOB_DONE)
        res = (int)ma_arc_job_result(j);
    ma_job_free(j);
    ma_msg_free(m);
    return res;
}

static void *work(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    int round;

    for (round = 0; round < ROUNDS; round++) {
        char verdicts[128], *field, *msg;
        ma_authres *ar = NULL;

        if (authenticate(sh, sh->signed_msg, verdicts, sizeof verdicts) != MA_OK ||
            strcmp(verdicts, "pass pass pass none pass") != 0)
            bad(w, "the signed message does not pass everything");
        if (authenticate(sh, sh->sealed_msg, verdicts, sizeof verdicts) != MA_OK ||
            strcmp(verdicts, "pass pass pass pass pass") != 0)
            bad(w, "the sealed message does not pass everything");
        /* A fresh signature from the shared signer verifies too. */
        field = sign(sh, message_text);
        msg = field != NULL ? prepend(field, message_text) : NULL;
        if (msg == NULL || authenticate(sh, msg, verdicts, sizeof verdicts) != MA_OK ||
            strcmp(verdicts, "pass pass pass none pass") != 0)
            bad(w, "a signature made in this thread does not pass");
        free(msg);
        ma_free(sh->ctx, field);
        if (arc_validate(sh, sh->sealed_msg) != MA_ARC_PASS)
            bad(w, "the ARC chain does not validate");
        if (ma_authres_parse(&ar, NULL, NULL, sh->ctx, "mx.example.org; spf=pass smtp.mailfrom=a@b.example",
                             50) != MA_OK ||
            ma_authres_count(ar) != 1)
            bad(w, "an Authentication-Results value does not parse");
        ma_authres_free(ar);
    }
    return NULL;
}

/* Set up one context: zone, caching resolver, signer, signed and sealed messages. */
static int setup(shared *sh)
{
    ma_ctx_opts o;
    ma_dkim_sign_opts so;
    ma_arc_seal *g = NULL;
    ma_job *arc = NULL;
    ma_msg *m = NULL;
    char *rec = NULL, *field = NULL, *set = NULL;
    int rc;

    memset(sh, 0, sizeof *sh);
    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    rc = ma_ctx_new(&sh->ctx, &o);
    if (rc == MA_OK)
        rc = ma_static_zone_new(&sh->zone, sh->ctx);
    if (rc == MA_OK)
        rc = ma_static_zone_load(sh->zone, zone_text, strlen(zone_text), NULL);
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "example.com";
    so.selector = "sel";
    if (rc == MA_OK)
        rc = ma_dkim_signer_new(&sh->signer, sh->ctx, &so, seed_b64, strlen(seed_b64));
    if (rc == MA_OK)
        rc = ma_dkim_signer_key_record(sh->signer, &rec);
    if (rc == MA_OK)
        rc = ma_static_zone_add_txt(sh->zone, "sel._domainkey.example.com", rec, strlen(rec), 300);
    ma_free(sh->ctx, rec);
    if (rc == MA_OK)
        rc = ma_resolver_static_new(&sh->stat, sh->ctx, sh->zone);
    if (rc == MA_OK)
        rc = ma_resolver_cache_new(&sh->cache, sh->ctx, sh->stat);
    if (rc == MA_OK && (field = sign(sh, message_text)) == NULL)
        rc = MA_EINTERNAL;
    if (rc == MA_OK && (sh->signed_msg = prepend(field, message_text)) == NULL)
        rc = MA_ENOMEM;
    ma_free(sh->ctx, field);
    /* The author's own domain seals (the same key), as a first hop. */
    if (rc == MA_OK)
        rc = ma_msg_new(&m, sh->ctx);
    if (rc == MA_OK)
        rc = ma_arc_job_new(&arc, sh->ctx, NULL);
    if (rc == MA_OK)
        rc = ma_arc_job_attach(arc, m);
    if (rc == MA_OK)
        rc = ma_arc_seal_new(&g, sh->signer, "mx.example.com");
    if (rc == MA_OK)
        rc = ma_arc_seal_attach(g, m);
    if (rc == MA_OK)
        rc = ma_msg_write(m, sh->signed_msg, strlen(sh->signed_msg));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK && ma_job_run(arc, sh->cache) != MA_JOB_DONE)
        rc = MA_EINTERNAL;
    if (rc == MA_OK)
        rc = ma_arc_seal_fields(g, arc, "spf=pass smtp.mailfrom=example.com", &set);
    if (rc == MA_OK && (set == NULL || (sh->sealed_msg = prepend(set, sh->signed_msg)) == NULL))
        rc = MA_ENOMEM;
    ma_free(sh->ctx, set);
    ma_arc_seal_free(g);
    ma_job_free(arc);
    ma_msg_free(m);
    return rc;
}

static void teardown(shared *sh)
{
    free(sh->signed_msg);
    free(sh->sealed_msg);
    ma_dkim_signer_free(sh->signer);
    ma_resolver_free(sh->cache);
    ma_resolver_free(sh->stat);
    ma_static_zone_free(sh->zone);
    ma_ctx_free(sh->ctx);
}

int main(void)
{
    shared sh[2];
    worker w[THREADS];
    pthread_t tid[THREADS];
    ma_cache_stats st;
    int i, started = 0;
    char label[300];

    is_int(setup(&sh[0]), MA_OK, "context A set up");
    is_int(setup(&sh[1]), MA_OK, "context B set up");
    for (i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].sh = &sh[i % 2];
        if (pthread_create(&tid[i], NULL, work, &w[i]) == 0)
            started++;
        else
            break;
    }
    is_int(started, THREADS, "every thread started");
    for (i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    for (i = 0; i < started; i++) {
        snprintf(label, sizeof label, "thread %d (context %c): %d rounds, every verdict as expected%s%s", i,
                 i % 2 ? 'B' : 'A', ROUNDS, w[i].errors ? ": " : "", w[i].first);
        is_int(w[i].errors, 0, label);
    }
    /* The shared caches served the threads: far more hits than entries. */
    for (i = 0; i < 2; i++) {
        memset(&st, 0, sizeof st);
        ma_resolver_cache_stats(sh[i].cache, &st);
        snprintf(label, sizeof label, "context %c: the shared cache answered from memory", i ? 'B' : 'A');
        ok(st.hits > st.misses, label);
    }
    teardown(&sh[0]);
    teardown(&sh[1]);
    return tap_done();
}
