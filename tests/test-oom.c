/*
 * Allocation-failure injection through the context allocator (the OOM
 * torture of CONVENTIONS 14).  Each scenario is a complete use of one part
 * of the API on a context whose allocator counts calls and live blocks
 * (tests/alloc.h).  It runs once to learn its result and how many
 * allocations it makes; then, for N = 1..count, once more with the N-th
 * allocation failing.  Each such run must
 *   - end with MA_ENOMEM, or succeed with exactly the result of the run
 *     without failure (an allocation the library can do without); for the
 *     one-call authenticator a sub-check may instead end in temperror
 *     (include/mailauth/auth.h: a job error is that check's temperror);
 *   - leave no block behind once everything it made is freed;
 *   - leave the context usable: a run without failure right after gives
 *     the first result again.
 * A coarser second pass makes every allocation from the N-th on fail, so
 * that error paths that allocate while cleaning up are tried too.  A
 * scenario with more than MAX_RUNS allocations fails every k-th one, k
 * chosen to stay within MAX_RUNS runs (the output says so).
 *
 * Long-lived fixtures (the static zone and its resolver, the signers that
 * make the test messages) live on an ordinary context; what a scenario
 * makes, it makes on the failing one (the signers it seals or reads keys
 * with are made on it during setup, before any failure is injected).  The
 * "shared-zone" variants ask a zone made on the failing context before
 * each failing run and kept for the clean run after it: evaluators keep
 * what they derive from an answer with the answer (DKIM keys, SPF and
 * DMARC records), and a failure must not be kept there.
 *
 * Each scenario runs in a child process: a crash, or a report from
 * valgrind or a sanitizer, fails that scenario and the others still run.
 * MA_OOM_ONLY=name,name runs only the scenarios named.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailauth/mailauth.h"
#include "alloc.h"
#include "tap.h"

#define MAX_RUNS 2000      /* failing runs of the first pass, per scenario */
#define MAX_FROM_RUNS 150  /* runs of the fail-from-N pass, per scenario */

/* ---------------------------------------------------------------- fixtures */

static const char ed_seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

/* RFC 8463 A.1: the RSA key of its examples (1024 bits, PKCS#1). */
static const char rsa_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
    "-----END RSA PRIVATE KEY-----\n";

/* Everything the scenarios look up (the DKIM key records are added from
   the signers). */
static const char zone_text[] =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    /* SPF: an include that does not match, then mx */
    "@                   TXT \"v=spf1 include:_spf.example.com mx -all\"\n"
    "_spf                TXT \"v=spf1 ip4:198.51.100.0/24 a:out.example.com ~all\"\n"
    "out                 A   198.51.100.99\n"
    "@                   MX  10 mx1\n"
    "@                   MX  20 mx2\n"
    "mx1                 A   192.0.2.10\n"
    "mx2                 A   192.0.2.20\n"
    "20.2.0.192.in-addr.arpa. PTR mx2.example.com.\n"
    /* DMARC */
    "_dmarc              TXT \"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com\"\n"
    "_dmarc.example.net. TXT \"v=DMARC1; p=quarantine; pct=50\"\n"
    /* iprev: three PTR names, two of them confirmed */
    "30.2.0.192.in-addr.arpa. PTR a.example.com.\n"
    "30.2.0.192.in-addr.arpa. PTR b.example.com.\n"
    "30.2.0.192.in-addr.arpa. PTR c.example.com.\n"
    "a                   A   192.0.2.30\n"
    "b                   A   192.0.2.31\n"
    "b                   A   192.0.2.30\n"
    "0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR v6.example.com.\n"
    "v6                  AAAA 2001:db8::30\n"
    /* SPF for example.org: redirect, exists with macros, exp= */
    "example.org.        TXT \"v=spf1 redirect=_spf.example.org\"\n"
    "_spf.example.org.   TXT \"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all exp=exp.example.org\"\n"
    "exp.example.org.    TXT \"%{i} is not one of %{d}'s designated mail servers.\"\n";

static const char msg_text[] =
    "From: Joe SixPack <joe@example.com>\r\n"
    "To: Suzie Q <suzie@example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

static int64_t now_ms = INT64_C(1700000000000);

static int64_t clock_fn(void *payload)
{
    return *(const int64_t *)payload;
}

static ma_ctx *c;          /* ordinary context: fixtures */
static ma_ctx *fc;         /* the failing context */
static ta_alloc fst;       /* its allocator */
static ma_static_zone *zone;
static ma_resolver *zr;    /* on c */
static char *signed_msg;   /* msg_text with two DKIM-Signatures (Ed25519, RSA) */
static char *sealed_msg;   /* signed_msg with an ARC set */
static ma_dkim_signer *ed_fc, *rsa_fc; /* signers on fc, made during setup */
static ma_job *dkim_done;  /* a finished DKIM verification on fc (for DMARC) */
static ma_msg *dkim_done_msg;
static char *key_recs[2];  /* the key records of the two signers (malloc'd) */

/*
 * The resolver the scenarios ask: zr, whose answers belong to the other
 * context (so evaluators keep what they derive from them to themselves),
 * or, for the "shared zone" variants, a zone and resolver made on fc
 * before each failing run and kept for the run without failure that
 * follows it: evaluators then keep what they derive from an answer with
 * the answer (memos), and a failure must not be kept there.
 */
static ma_resolver *cur_r;
static ma_static_zone *pz;
static ma_resolver *pr;

static int prepare_zone(void)
{
    int rc = ma_static_zone_new(&pz, fc);
    if (rc == MA_OK)
        rc = ma_static_zone_load(pz, zone_text, strlen(zone_text), NULL);
    if (rc == MA_OK)
        rc = ma_static_zone_add_txt(pz, "ed._domainkey.example.com", key_recs[0],
                                    strlen(key_recs[0]), 300);
    if (rc == MA_OK)
        rc = ma_static_zone_add_txt(pz, "rsa._domainkey.example.com", key_recs[1],
                                    strlen(key_recs[1]), 300);
    if (rc == MA_OK)
        rc = ma_resolver_static_new(&pr, fc, pz);
    cur_r = pr;
    return rc;
}

static void release_zone(void)
{
    ma_resolver_free(pr);
    ma_static_zone_free(pz);
    pr = NULL;
    pz = NULL;
    cur_r = zr;
}

static char *prepend(char *fields, const char *text, const ma_ctx *owner)
{
    char *out = malloc(strlen(fields) + 2 + strlen(text) + 1);
    if (out != NULL)
        sprintf(out, "%s\r\n%s", fields, text);
    ma_free(owner, fields);
    return out;
}

static char *dkim_sign(ma_dkim_signer *a, ma_dkim_signer *b, const char *text)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    char *field = NULL, *out = NULL;
    if (ma_msg_new(&m, c) == MA_OK && ma_dkim_sign_new(&g, a) == MA_OK &&
        ma_dkim_sign_add(g, b) == MA_OK && ma_dkim_sign_attach(g, m) == MA_OK &&
        ma_msg_write(m, text, strlen(text)) == MA_OK && ma_msg_finish(m) == MA_OK &&
        ma_dkim_sign_field(g, &field) == MA_OK)
        out = prepend(field, text, c);
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    return out;
}

static char *arc_seal(ma_dkim_signer *s, const char *text)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    ma_arc_seal *g = NULL;
    char *fields = NULL, *out = NULL;
    if (ma_msg_new(&m, c) == MA_OK && ma_arc_job_new(&j, c, NULL) == MA_OK &&
        ma_arc_job_attach(j, m) == MA_OK && ma_arc_seal_new(&g, s, "mx.example.com") == MA_OK &&
        ma_arc_seal_attach(g, m) == MA_OK && ma_msg_write(m, text, strlen(text)) == MA_OK &&
        ma_msg_finish(m) == MA_OK && ma_job_run(j, zr) == MA_JOB_DONE &&
        ma_arc_seal_fields(g, j, "spf=pass smtp.mailfrom=example.com", &fields) == MA_OK &&
        fields != NULL)
        out = prepend(fields, text, c);
    ma_arc_seal_free(g);
    ma_job_free(j);
    ma_msg_free(m);
    return out;
}

static int new_ctx(ma_ctx **out, ta_alloc *a)
{
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    if (a != NULL) {
        ta_init(a);
        ta_hooks(&o, a);
    }
    return ma_ctx_new(out, &o);
}

static int add_key(ma_dkim_signer *s, const char *name, char **keep)
{
    char *rec = NULL;
    int rc = ma_dkim_signer_key_record(s, &rec);
    if (rc == MA_OK)
        rc = ma_static_zone_add_txt(zone, name, rec, strlen(rec), 300);
    if (rc == MA_OK && (*keep = malloc(strlen(rec) + 1)) != NULL)
        strcpy(*keep, rec);
    else
        rc = MA_ENOMEM;
    ma_free(c, rec);
    return rc;
}

static int setup(void)
{
    ma_dkim_sign_opts so = MA_DKIM_SIGN_OPTS_INIT;
    ma_dkim_signer *ed = NULL, *rsa = NULL;
    int ok_ = 0;

    if (new_ctx(&c, NULL) != MA_OK || new_ctx(&fc, &fst) != MA_OK ||
        ma_static_zone_new(&zone, c) != MA_OK ||
        ma_static_zone_load(zone, zone_text, strlen(zone_text), NULL) != MA_OK)
        return 0;
    so.domain = "example.com";
    so.selector = "ed";
    if (ma_dkim_signer_new(&ed, c, &so, ed_seed, strlen(ed_seed)) != MA_OK ||
        ma_dkim_signer_new(&ed_fc, fc, &so, ed_seed, strlen(ed_seed)) != MA_OK)
        goto out;
    so.selector = "rsa";
    so.header_canon = MA_DKIM_SIMPLE;
    if (ma_dkim_signer_new(&rsa, c, &so, rsa_pem, strlen(rsa_pem)) != MA_OK ||
        ma_dkim_signer_new(&rsa_fc, fc, &so, rsa_pem, strlen(rsa_pem)) != MA_OK)
        goto out;
    if (add_key(ed, "ed._domainkey.example.com", &key_recs[0]) != MA_OK ||
        add_key(rsa, "rsa._domainkey.example.com", &key_recs[1]) != MA_OK ||
        ma_resolver_static_new(&zr, c, zone) != MA_OK)
        goto out;
    cur_r = zr;
    signed_msg = dkim_sign(ed, rsa, msg_text);
    if (signed_msg == NULL)
        goto out;
    sealed_msg = arc_seal(ed, signed_msg);
    if (sealed_msg == NULL)
        goto out;
    if (ma_msg_new(&dkim_done_msg, fc) != MA_OK || ma_dkim_job_new(&dkim_done, fc, NULL) != MA_OK ||
        ma_dkim_job_attach(dkim_done, dkim_done_msg) != MA_OK ||
        ma_msg_write(dkim_done_msg, signed_msg, strlen(signed_msg)) != MA_OK ||
        ma_msg_finish(dkim_done_msg) != MA_OK || ma_job_run(dkim_done, zr) != MA_JOB_DONE)
        goto out;
    ok_ = 1;
out:
    ma_dkim_signer_free(ed);
    ma_dkim_signer_free(rsa);
    return ok_;
}

static void teardown(void)
{
    ma_job_free(dkim_done);
    ma_msg_free(dkim_done_msg);
    ma_dkim_signer_free(ed_fc);
    ma_dkim_signer_free(rsa_fc);
    ma_resolver_free(zr);
    ma_static_zone_free(zone);
    free(signed_msg);
    free(sealed_msg);
    free(key_recs[0]);
    free(key_recs[1]);
}

/* ------------------------------------------------------------- fingerprints */

/* What a run produced, as text: equal texts, equal results. */
typedef struct fpbuf {
    char s[32768];
    size_t n;
} fpbuf;

static void fpf(fpbuf *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fpf(fpbuf *f, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (f->n >= sizeof f->s - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(f->s + f->n, sizeof f->s - f->n, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->n += (size_t)n < sizeof f->s - f->n ? (size_t)n : sizeof f->s - f->n - 1;
}

/* A library string into the fingerprint, then freed (NULL: "-"). */
static void fp_take(fpbuf *f, const char *label, char *s)
{
    fpf(f, "%s: %s\n", label, s != NULL ? s : "-");
    ma_free(fc, s);
}

/* A status for a job run that did not finish (not a ma_status). */
#define NOT_DONE 1000

/* ma_job_run to MA_OK, or the failure (NOT_DONE when it stopped without one). */
static int run_job(ma_job *j, ma_resolver *r)
{
    int rc = ma_job_run(j, r);
    if (rc == MA_JOB_DONE)
        return MA_OK;
    return rc < 0 ? rc : NOT_DONE;
}

#define TRY(expr)                                                                                \
    do {                                                                                         \
        rc = (expr);                                                                             \
        if (rc != MA_OK)                                                                         \
            goto out;                                                                            \
    } while (0)

/* ---------------------------------------------------------------- scenarios */

/* SPF: include (no match) then mx; and a fail through redirect, exists
   with macros and an exp= explanation.  Received-SPF and A-R written. */
static int sc_spf(fpbuf *f)
{
    ma_spf_params p = MA_SPF_PARAMS_INIT;
    ma_job *a = NULL, *b = NULL;
    char *s = NULL;
    int rc;

    ma_ip_parse(&p.ip, "192.0.2.20", 10);
    p.sender = "joe@example.com";
    p.helo = "mx2.example.com";
    p.receiver = "mx.example.net";
    TRY(ma_spf_job_new(&a, fc, &p));
    TRY(run_job(a, cur_r));
    fpf(f, "a: %s %s %s %u %u\n", ma_spf_result_name(ma_spf_job_result(a)), ma_spf_job_mechanism(a),
        ma_spf_job_domain(a), ma_spf_job_lookups(a), ma_spf_job_void_lookups(a));
    TRY(ma_spf_received_spf(&s, a));
    fp_take(f, "received", s);
    s = NULL;
    TRY(ma_spf_authres(&s, a));
    fp_take(f, "authres", s);
    s = NULL;

    ma_ip_parse(&p.ip, "203.0.113.5", 11);
    p.sender = "first.last@example.org";
    p.helo = "evil.example";
    p.flags = MA_SPF_CHECK_HELO;
    p.default_explanation = "see %{d}";
    TRY(ma_spf_job_new(&b, fc, &p));
    TRY(run_job(b, cur_r));
    fpf(f, "b: %s %s %s %u %u [%s] [%s]\n", ma_spf_result_name(ma_spf_job_result(b)),
        ma_spf_job_mechanism(b), ma_spf_job_domain(b), ma_spf_job_lookups(b),
        ma_spf_job_void_lookups(b), ma_spf_job_explanation(b), ma_spf_job_problem(b));
    TRY(ma_spf_received_spf(&s, b));
    fp_take(f, "received", s);
    s = NULL;
out:
    ma_free(fc, s);
    ma_job_free(a);
    ma_job_free(b);
    return rc;
}

static void fp_dkim(fpbuf *f, const ma_job *j)
{
    size_t i, n = ma_dkim_job_count(j);
    fpf(f, "signatures %zu\n", n);
    for (i = 0; i < n; i++)
        fpf(f, "%zu: %s %s d=%s s=%s i=%s b=%s %s %u from=%d extra=%d [%s]\n", i,
            ma_dkim_result_name(ma_dkim_job_result(j, i)),
            ma_dkim_reason_name(ma_dkim_job_reason(j, i)), ma_dkim_job_domain(j, i),
            ma_dkim_job_selector(j, i), ma_dkim_job_identity(j, i), ma_dkim_job_b_prefix(j, i),
            ma_dkim_alg_name(ma_dkim_job_algorithm(j, i)), ma_dkim_job_key_bits(j, i),
            ma_dkim_job_covers_from(j, i), ma_dkim_job_unsigned_extra(j, i),
            ma_dkim_job_problem(j, i));
}

/* DKIM verification of a message with an Ed25519 and an RSA signature,
   written in 61-byte chunks, twice (the second time through the same
   answers: with the shared zone, the keys decoded the first time). */
static int sc_dkim_verify(fpbuf *f)
{
    ma_resolver *r = cur_r;
    ma_msg *m = NULL;
    ma_job *j = NULL;
    ma_dkim_verify_opts o = MA_DKIM_VERIFY_OPTS_INIT;
    size_t off, len = strlen(signed_msg);
    int rc;

    TRY(ma_msg_new(&m, fc));
    o.l_policy = MA_DKIM_L_HONOUR;
    TRY(ma_dkim_job_new(&j, fc, &o));
    TRY(ma_dkim_job_attach(j, m));
    for (off = 0; off < len; off += 61)
        TRY(ma_msg_write(m, signed_msg + off, len - off < 61 ? len - off : 61));
    TRY(ma_msg_finish(m));
    TRY(run_job(j, r));
    fp_dkim(f, j);
    ma_job_free(j);
    j = NULL;
    ma_msg_free(m);
    m = NULL;
    TRY(ma_msg_new(&m, fc));
    TRY(ma_dkim_job_new(&j, fc, NULL));
    TRY(ma_dkim_job_attach(j, m));
    TRY(ma_msg_write(m, signed_msg, len));
    TRY(ma_msg_finish(m));
    TRY(run_job(j, r));
    fp_dkim(f, j);
out:
    ma_job_free(j);
    ma_msg_free(m);
    return rc;
}

/* DKIM signing: two signers made here (Ed25519 seed, RSA PEM), oversigned
   header list with l= on one, both in one pass; the key records. */
static int sc_dkim_sign(fpbuf *f)
{
    ma_dkim_sign_opts so = MA_DKIM_SIGN_OPTS_INIT;
    ma_dkim_signer *a = NULL, *b = NULL;
    ma_dkim_sign *g = NULL;
    ma_msg *m = NULL;
    char *s = NULL;
    int rc;

    so.domain = "example.com";
    so.selector = "ed";
    so.identity = "joe@sub.example.com";
    so.flags = MA_DKIM_SIGN_OVERSIGN;
    so.expire = 86400;
    TRY(ma_dkim_signer_new(&a, fc, &so, ed_seed, strlen(ed_seed)));
    so.selector = "rsa";
    so.identity = NULL;
    so.headers = "From:To:Subject:Date";
    so.flags = MA_DKIM_SIGN_BODY_LENGTH;
    so.body_canon = MA_DKIM_SIMPLE;
    TRY(ma_dkim_signer_new(&b, fc, &so, rsa_pem, strlen(rsa_pem)));
    TRY(ma_dkim_signer_key_record(a, &s));
    fp_take(f, "record a", s);
    s = NULL;
    TRY(ma_dkim_signer_key_record(b, &s));
    fp_take(f, "record b", s);
    s = NULL;
    TRY(ma_msg_new(&m, fc));
    TRY(ma_dkim_sign_new(&g, a));
    TRY(ma_dkim_sign_add(g, b));
    TRY(ma_dkim_sign_attach(g, m));
    TRY(ma_msg_write(m, msg_text, strlen(msg_text)));
    TRY(ma_msg_finish(m));
    TRY(ma_dkim_sign_field(g, &s));
    fp_take(f, "fields", s);
    s = NULL;
out:
    ma_free(fc, s);
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    ma_dkim_signer_free(a);
    ma_dkim_signer_free(b);
    return rc;
}

static unsigned int sample_70(void *payload)
{
    (void)payload;
    return 70;
}

static void fp_dmarc(fpbuf *f, const char *label, const ma_job *j)
{
    fpf(f, "%s: %s %s [%s] author=%s policy=%s/%s org=%s %s disp=%s override=%s spf=%s dkim=%s\n",
        label, ma_dmarc_result_name(ma_dmarc_job_result(j)),
        ma_dmarc_reason_name(ma_dmarc_job_reason(j)), ma_dmarc_job_problem(j),
        ma_dmarc_job_author_domain(j), ma_dmarc_job_policy_domain(j), ma_dmarc_job_policy_tag(j),
        ma_dmarc_job_org_domain(j), ma_dmarc_policy_name(ma_dmarc_job_policy(j)),
        ma_dmarc_disposition_name(ma_dmarc_job_disposition(j)),
        ma_dmarc_override_name(ma_dmarc_job_override(j)), ma_dmarc_job_spf_aligned(j),
        ma_dmarc_job_dkim_aligned(j));
}

/* DMARC: an RFC 9989 job reading From from the message, with an SPF
   result, a DKIM verification job's verdicts and an ARC verdict; an RFC
   7489 job on a PSL made here, sampled out by pct=; the records' effective
   values; A-R and report rows. */
static int sc_dmarc(fpbuf *f)
{
    ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
    ma_job *a = NULL, *b = NULL;
    ma_msg *m = NULL;
    ma_psl *psl = NULL;
    char *s = NULL, *problem = NULL;
    const char *trusted[2] = {"lists.example.org", "example.com"};
    static const char rec[] = "v=DMARC1; p=reject; pct=150; rua=mailto:a@example.com,bogus; fo=1:d";
    int rc;

    TRY(ma_dmarc_record_effective(&s, &problem, fc, rec, sizeof rec - 1, MA_DMARC_MODE_7489));
    fp_take(f, "effective", s);
    s = NULL;
    fp_take(f, "problem", problem);
    problem = NULL;

    TRY(ma_msg_new(&m, fc));
    TRY(ma_dmarc_job_new(&a, fc, &o));
    TRY(ma_dmarc_job_attach(a, m));
    TRY(ma_msg_write(m, msg_text, strlen(msg_text)));
    TRY(ma_msg_finish(m));
    TRY(ma_dmarc_job_add_spf(a, MA_SPF_FAIL, "bounces.example.net", MA_DMARC_SPF_MAILFROM));
    TRY(ma_dmarc_job_add_dkim(a, MA_DKIM_FAIL, "example.net", 0));
    TRY(ma_dmarc_job_add_dkim_job(a, dkim_done));
    TRY(ma_dmarc_job_set_arc(a, 1, "lists.example.org", trusted, 2));
    TRY(run_job(a, cur_r));
    fp_dmarc(f, "a", a);
    TRY(ma_dmarc_job_authres(a, &s));
    fp_take(f, "authres", s);
    s = NULL;
    TRY(ma_dmarc_job_report_row(a, "192.0.2.20", &s));
    fp_take(f, "row", s);
    s = NULL;

    TRY(ma_psl_new(&psl, fc, NULL));
    o.mode = MA_DMARC_MODE_7489;
    o.psl = psl;
    o.sample = sample_70;
    TRY(ma_dmarc_job_new(&b, fc, &o));
    TRY(ma_dmarc_job_set_author(b, "Mail.Example.NET"));
    TRY(ma_dmarc_job_add_spf(b, MA_SPF_PASS, "other.example", MA_DMARC_SPF_MAILFROM));
    TRY(run_job(b, cur_r));
    fp_dmarc(f, "b", b);
    TRY(ma_dmarc_job_authres(b, &s));
    fp_take(f, "authres", s);
    s = NULL;
    TRY(ma_dmarc_job_report_row(b, "2001:db8::1", &s));
    fp_take(f, "row", s);
    s = NULL;
out:
    ma_free(fc, s);
    ma_free(fc, problem);
    ma_job_free(a);
    ma_job_free(b);
    ma_msg_free(m);
    ma_psl_free(psl);
    return rc;
}

/* ARC: validate a message with one ARC set and add the second. */
static int sc_arc(fpbuf *f)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    ma_arc_seal *g = NULL;
    char *s = NULL;
    int rc;

    TRY(ma_msg_new(&m, fc));
    TRY(ma_arc_job_new(&j, fc, NULL));
    TRY(ma_arc_job_attach(j, m));
    TRY(ma_arc_seal_new(&g, ed_fc, "mx.example.net"));
    TRY(ma_arc_seal_attach(g, m));
    TRY(ma_msg_write(m, sealed_msg, strlen(sealed_msg)));
    TRY(ma_msg_finish(m));
    TRY(run_job(j, cur_r));
    fpf(f, "%s n=%u oldest=%u fail=%u [%s] sealer=%s/%s ams=%d as=%d\n",
        ma_arc_result_name(ma_arc_job_result(j)), ma_arc_job_count(j), ma_arc_job_oldest_pass(j),
        ma_arc_job_fail_instance(j), ma_arc_job_problem(j), ma_arc_job_sealer(j, 1),
        ma_arc_job_seal_selector(j, 1), ma_arc_job_ams_result(j, 1), ma_arc_job_as_result(j, 1));
    TRY(ma_arc_seal_fields(g, j, "iprev=pass policy.iprev=192.0.2.20; spf=pass "
                                 "smtp.mailfrom=example.com; dkim=pass header.d=example.com "
                                 "header.s=ed; dmarc=pass header.from=example.com",
                           &s));
    fp_take(f, "set", s);
    s = NULL;
out:
    ma_free(fc, s);
    ma_arc_seal_free(g);
    ma_job_free(j);
    ma_msg_free(m);
    return rc;
}

static void fp_authres(fpbuf *f, const ma_authres *ar)
{
    size_t i, j, n = ma_authres_count(ar);
    fpf(f, "id=%s v=%lu n=%zu\n", ma_authres_authserv_id(ar), ma_authres_version(ar), n);
    for (i = 0; i < n; i++) {
        const char *reason = ma_authres_reason(ar, i);
        fpf(f, " %s/%lu=%s reason=%s:", ma_authres_method(ar, i), ma_authres_method_version(ar, i),
            ma_authres_result(ar, i), reason ? reason : "-");
        for (j = 0; j < ma_authres_prop_count(ar, i); j++) {
            const char *pt, *prop, *v;
            ma_authres_prop(ar, i, j, &pt, &prop, &v);
            fpf(f, " %s.%s=%s", pt, prop, v);
        }
        fpf(f, "\n");
    }
}

/* Authentication-Results: parse a field full of tolerated forms; build
   and write one with quoted values and folding; select the fields of a
   message for an authserv-id, as objects and as text, and list those an
   MTA must delete. */
static int sc_authres(fpbuf *f)
{
    static const char v[] =
        "mx.example.org 1; dkim/1=pass (good signature) reason=\"all \\\"fine\\\"\" "
        "header.d=example.com header.b=Ab/+x header.i=@example.com;\r\n\t"
        "spf=pass smtp.mailfrom=\"a b\"@example.com smtp.remote-ip=2001:db8::1;;"
        " dmarc=pass action=none header.from=example.com; iprev=fail policy.iprev=192.0.2.1;";
    static const char msg[] =
        "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com\r\n"
        "Authentication-Results: other.example; dkim=fail\r\n"
        "Authentication-Results: MX.example.org; dkim=pass (ok) header.d=example.com;\r\n"
        "  dmarc=pass header.from=example.com\r\n"
        "Authentication-Results: mx.example.org; none\r\n"
        "Authentication-Results: mx.example.org; spf\r\n"
        "From: joe@example.com\r\n"
        "\r\n"
        "body\r\n";
    ma_authres *ar = NULL, *w = NULL;
    ma_authres_list *l = NULL;
    ma_msg *m = NULL;
    char *s = NULL;
    long *forged = NULL;
    size_t len = 0, i;
    int rc;

    TRY(ma_authres_parse(&ar, NULL, NULL, fc, v, sizeof v - 1));
    fp_authres(f, ar);

    TRY(ma_authres_new(&w, fc, "mx (the \"best\") host"));
    TRY(ma_authres_add(w, "DKIM", 1, "Pass", "signature \"ok\"", 14));
    TRY(ma_authres_add_prop(w, "header", "d", "example.com", 11));
    TRY(ma_authres_add_prop(w, "header", "b", "x; dkim=pass", 12));
    TRY(ma_authres_add_prop(w, "header", "i", "\"a b\"@example.com", 17));
    TRY(ma_authres_add(w, "spf", 0, "softfail", NULL, 0));
    TRY(ma_authres_add_prop(w, "smtp", "mailfrom",
                            "a-very-long-local-part-that-needs-folding@mail.example.com", 58));
    TRY(ma_authres_add_prop(w, "smtp", "helo", "\xc3\xa9t\xc3\xa9.example", 13));
    TRY(ma_authres_write(&s, &len, w, MA_AUTHRES_WRITE_FIELD));
    fpf(f, "written %zu\n", len);
    fp_take(f, "field", s);
    s = NULL;
    TRY(ma_authres_write(&s, NULL, w, 0));
    fp_take(f, "value", s);
    s = NULL;

    TRY(ma_msg_new(&m, fc));
    TRY(ma_msg_write(m, msg, sizeof msg - 1));
    TRY(ma_msg_finish(m));
    TRY(ma_authres_select(&l, fc, m, "mx.example.org"));
    fpf(f, "selected %zu malformed %zu\n", ma_authres_list_count(l), ma_authres_list_malformed(l));
    for (i = 0; i < ma_authres_list_count(l); i++) {
        fpf(f, "field %ld\n", ma_authres_list_field(l, i));
        fp_authres(f, ma_authres_list_get(l, i));
    }
    TRY(ma_authres_select_text(&s, fc, m, "mx.example.org"));
    fp_take(f, "text", s);
    s = NULL;
    TRY(ma_authres_forged(&forged, &len, fc, m, "mx.example.org"));
    fpf(f, "forged %zu:", len);
    for (i = 0; i < len; i++)
        fpf(f, " %ld", forged[i]);
    fpf(f, "\n");
out:
    ma_free(fc, forged);
    ma_free(fc, s);
    ma_authres_list_free(l);
    ma_msg_free(m);
    ma_authres_free(w);
    ma_authres_free(ar);
    return rc;
}

static void fp_iprev(fpbuf *f, const ma_job *j)
{
    size_t i;
    fpf(f, "%s [%s] names", ma_iprev_result_name(ma_iprev_job_result(j)), ma_iprev_job_problem(j));
    for (i = 0; i < ma_iprev_job_name_count(j); i++)
        fpf(f, " %s", ma_iprev_job_name(j, i));
    fpf(f, " helo %d %d %d\n", ma_iprev_job_helo(j, MA_HELO_SYNTAX),
        ma_iprev_job_helo(j, MA_HELO_RESOLVES), ma_iprev_job_helo(j, MA_HELO_MATCHES_RDNS));
}

/* iprev and the HELO checks: three PTR names (two confirmed, one with no
   address), organizational-domain HELO match; an IPv6 client. */
static int sc_iprev(fpbuf *f)
{
    ma_iprev_params p = MA_IPREV_PARAMS_INIT;
    ma_job *a = NULL, *b = NULL;
    char *s = NULL;
    int rc;

    ma_ip_parse(&p.ip, "192.0.2.30", 10);
    p.helo = "mail.b.example.com";
    TRY(ma_iprev_job_new(&a, fc, &p));
    TRY(run_job(a, cur_r));
    fp_iprev(f, a);
    TRY(ma_iprev_authres(&s, a));
    fp_take(f, "authres", s);
    s = NULL;

    ma_ip_parse(&p.ip, "2001:db8::30", 12);
    p.helo = "[IPv6:2001:db8::30]";
    TRY(ma_iprev_job_new(&b, fc, &p));
    TRY(run_job(b, cur_r));
    fp_iprev(f, b);
    TRY(ma_iprev_authres(&s, b));
    fp_take(f, "authres", s);
    s = NULL;
out:
    ma_free(fc, s);
    ma_job_free(a);
    ma_job_free(b);
    return rc;
}

/* The one-call authenticator over an ARC-sealed, DKIM-signed message, the
   message written in two parts with a step between them. */
static int sc_auth(fpbuf *f)
{
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    char *s = NULL;
    const char *sealers[1] = {"example.com"};
    size_t half = strlen(sealed_msg) / 2;
    int rc, i;

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = "192.0.2.20";
    p.helo = "mx2.example.com";
    p.mail_from = "joe@example.com";
    p.authserv_id = "mx.example.net";
    p.trusted_sealers = sealers;
    p.ntrusted_sealers = 1;
    p.receiver = "mx.example.net";
    TRY(ma_auth_job_new(&j, fc, &p));
    TRY(ma_msg_new(&m, fc));
    rc = ma_auth_job_attach(j, m);
    if (rc != MA_OK) {
        /* The reader is still the caller's, who may go on writing it (to
           other consumers): a refused attach must leave nothing in it. */
        ma_msg_write(m, sealed_msg, strlen(sealed_msg));
        ma_msg_finish(m);
        goto out;
    }
    rc = ma_job_run(j, cur_r);
    if (rc != MA_JOB_NEED_INPUT) {
        rc = rc < 0 ? rc : NOT_DONE;
        goto out;
    }
    TRY(ma_msg_write(m, sealed_msg, half));
    TRY(ma_msg_write(m, sealed_msg + half, strlen(sealed_msg) - half));
    TRY(ma_msg_finish(m));
    TRY(run_job(j, cur_r));
    /* line 1: the verdicts (compared one by one when degraded) */
    for (i = MA_AUTH_IPREV; i <= MA_AUTH_DMARC; i++)
        fpf(f, "%s ", ma_auth_job_verdict(j, i));
    fpf(f, "\n");
    for (i = MA_AUTH_IPREV; i <= MA_AUTH_DMARC; i++)
        fpf(f, "%s: [%s] %s\n", ma_auth_check_name(i), ma_auth_job_problem(j, i),
            ma_auth_job_check(j, i) != NULL ? "ran" : "-");
    TRY(ma_auth_job_authres(j, &s));
    fp_take(f, "field", s);
    s = NULL;
    TRY(ma_auth_job_results(j, &s));
    fp_take(f, "results", s);
    s = NULL;
out:
    ma_free(fc, s);
    ma_job_free(j);
    ma_msg_free(m);
    return rc;
}

/* Whether an authenticator run that succeeded differs from the base only
   by checks that ended in temperror, each with its problem said. */
static int auth_degraded_ok(const fpbuf *got, const fpbuf *base)
{
    char g[256], b[256];
    const char *ge = strchr(got->s, '\n'), *be = strchr(base->s, '\n');
    char *gs, *bs, *gp = NULL, *bp = NULL;
    int i, changed = 0;
    if (ge == NULL || be == NULL || (size_t)(ge - got->s) >= sizeof g || (size_t)(be - base->s) >= sizeof b)
        return 0;
    memcpy(g, got->s, (size_t)(ge - got->s));
    g[ge - got->s] = '\0';
    memcpy(b, base->s, (size_t)(be - base->s));
    b[be - base->s] = '\0';
    gs = strtok_r(g, " ", &gp);
    bs = strtok_r(b, " ", &bp);
    for (i = MA_AUTH_IPREV; i <= MA_AUTH_DMARC; i++) {
        if (gs == NULL || bs == NULL)
            return 0;
        if (strcmp(gs, bs) != 0) {
            char want[64];
            if (strcmp(gs, "temperror") != 0)
                return 0;
            /* its problem line is not empty */
            snprintf(want, sizeof want, "\n%s: []", ma_auth_check_name(i));
            if (strstr(got->s, want) != NULL)
                return 0;
            changed++;
        }
        gs = strtok_r(NULL, " ", &gp);
        bs = strtok_r(NULL, " ", &bp);
    }
    return changed > 0;
}

/* The static zone: master-file text with every construct it takes, records
   added through the API, a resolver over it and a cache in front, asked
   every kind of question twice. */
static int sc_zone(fpbuf *f)
{
    static const char text[] =
        "$ORIGIN example.test.\n"
        "$TTL 3600\n"
        "@        IN SOA ns hostmaster 1 7200 3600 1209600 300\n"
        "@        IN NS  ns\n"
        "@           TXT \"v=spf1 \" \"ip4:192.0.2.0/24 \" \"-all\"\n"
        "@           TXT ( \"second\"\n"
        "                  \" record\" )\n"
        "@           MX  10 mx\n"
        "@           MX  20 mx2.example.test.\n"
        "mx       60 A   192.0.2.25\n"
        "mx          AAAA 2001:db8::25\n"
        "alias       CNAME mx\n"
        "loop1       CNAME loop2\n"
        "loop2       CNAME loop1\n"
        "esc         TXT \"a\\\"b\\059c\\\\d\"\n"
        "_dmarc      TXT \"v=DMARC1; p=none\"\n"
        "25.2.0.192.in-addr.arpa. PTR mx.example.test.\n"
        "a.b.c.deep  TXT \"deep\"\n"
        "$TIMEOUT slow.example.test.\n"
        "$SERVFAIL broken.example.test. TXT MX\n";
    static const struct {
        const char *name;
        ma_dns_type type;
    } qs[] = {
        {"example.test", MA_DNS_TXT},       {"EXAMPLE.test.", MA_DNS_MX},
        {"alias.example.test", MA_DNS_A},   {"alias.example.test", MA_DNS_AAAA},
        {"loop1.example.test", MA_DNS_TXT}, {"esc.example.test", MA_DNS_TXT},
        {"b.c.deep.example.test", MA_DNS_TXT}, {"none.example.test", MA_DNS_A},
        {"slow.example.test", MA_DNS_TXT},  {"broken.example.test", MA_DNS_MX},
        {"broken.example.test", MA_DNS_A},  {"25.2.0.192.in-addr.arpa", MA_DNS_PTR},
        {"api.example.test", MA_DNS_TXT},   {"api.example.test", MA_DNS_A},
        {"api.example.test", MA_DNS_MX},    {"api-alias.example.test", MA_DNS_PTR},
    };
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL, *cache = NULL;
    ma_dns_answer *a = NULL;
    ma_ip ip;
    ma_cache_stats st;
    size_t i, k, round;
    int rc;

    TRY(ma_static_zone_new(&z, fc));
    TRY(ma_static_zone_load(z, text, sizeof text - 1, NULL));
    TRY(ma_static_zone_add_txt(z, "api.example.test", "bin\0ary", 7, 60));
    ma_ip_parse(&ip, "198.51.100.7", 12);
    TRY(ma_static_zone_add_addr(z, "api.example.test", &ip, 60));
    TRY(ma_static_zone_add_mx(z, "api.example.test", 5, "mx.example.test.", 60));
    TRY(ma_static_zone_add_ptr(z, "ptr.example.test", "api.example.test", 60));
    TRY(ma_static_zone_add_cname(z, "api-alias.example.test", "ptr.example.test", 60));
    TRY(ma_static_zone_add_timeout(z, "slow2.example.test", MA_DNS_TYPE_BIT(MA_DNS_TXT)));
    TRY(ma_static_zone_add_servfail(z, "bad2.example.test", 0));
    TRY(ma_resolver_static_new(&r, fc, z));
    TRY(ma_resolver_cache_new(&cache, fc, r));
    for (round = 0; round < 2; round++) {
        for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
            TRY(ma_resolver_resolve(cache, qs[i].name, qs[i].type, &a));
            fpf(f, "%s %s: %s ttl %u:", qs[i].name, ma_dns_type_name(qs[i].type),
                ma_dns_rcode_name(ma_dns_answer_rcode(a)), ma_dns_answer_ttl(a));
            for (k = 0; k < ma_dns_answer_count(a); k++) {
                const char *t = NULL;
                size_t tl = 0;
                uint16_t pref = 0;
                ma_ip rip;
                char buf[MA_IP_TEXT_MAX];
                if (ma_dns_answer_txt(a, k, &t, &tl) == MA_OK)
                    fpf(f, " \"%.*s\"(%zu)", (int)strlen(t), t, tl);
                else if (ma_dns_answer_addr(a, k, &rip) == MA_OK && ma_ip_format(&rip, buf, sizeof buf) == MA_OK)
                    fpf(f, " %s", buf);
                else if (ma_dns_answer_mx(a, k, &pref, &t) == MA_OK)
                    fpf(f, " %u %s", pref, t);
                else if (ma_dns_answer_ptr(a, k, &t) == MA_OK)
                    fpf(f, " %s", t);
            }
            fpf(f, "\n");
            ma_dns_answer_free(a);
            a = NULL;
        }
    }
    /* A cache that cannot store an entry answers all the same: how many
       it answered from memory is not part of the result. */
    TRY(ma_resolver_cache_stats(cache, &st));
    fpf(f, "cache: %llu questions\n", (unsigned long long)(st.hits + st.misses));
out:
    ma_dns_answer_free(a);
    ma_resolver_free(cache);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    return rc;
}

static int on_header(ma_msg *m, void *payload)
{
    fpbuf *f = payload;
    const char *v;
    size_t len, i;
    int rc;
    fpf(f, "header done %d, %zu fields\n", ma_msg_header_done(m), ma_msg_field_count(m));
    for (i = 0; i < ma_msg_field_count(m); i++) {
        rc = ma_msg_field_unfolded(m, i, &v, &len);
        if (rc != MA_OK)
            return rc;
        fpf(f, "%zu: [%s] %zu\n", i, v, len);
    }
    return MA_OK;
}

static int on_body(const char *data, size_t len, void *payload)
{
    fpbuf *f = payload;
    size_t i, crlf = 0;
    for (i = 0; i + 1 < len; i++)
        if (data[i] == '\r' && data[i + 1] == '\n')
            crlf++;
    if (data == NULL)
        fpf(f, "body end\n");
    else
        fpf(f, "body %zu %zu\n", len, crlf);
    return MA_OK;
}

/* The message reader: bare LF and CRLF, folded fields, a header hook that
   reads every unfolded value, a body consumer, 7-byte chunks. */
static int sc_msg(fpbuf *f)
{
    static const char text[] =
        "Received: from a by b;\n"
        "\tFri, 11 Jul 2003 21:00:37 -0700\r\n"
        "From: Joe <joe@example.com>\n"
        "Subject: a subject that is folded\n"
        "  over three\r\n"
        "\tlines\n"
        "X-Empty:\n"
        "X-Space:   \r\n"
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\n"
        " h=from:subject; bh=abc=; b=def=\n"
        "\n"
        "line one\n"
        "line two\r\n"
        "\r\n"
        "trailing\n\n\n";
    ma_msg *m = NULL;
    const char *raw, *name, *value;
    size_t off, n = sizeof text - 1, rl, nl, vl;
    int rc;

    TRY(ma_msg_new(&m, fc));
    TRY(ma_msg_on_header(m, on_header, f));
    TRY(ma_msg_add_body_consumer(m, on_body, f));
    for (off = 0; off < n; off += 7)
        TRY(ma_msg_write(m, text + off, n - off < 7 ? n - off : 7));
    TRY(ma_msg_finish(m));
    TRY(ma_msg_field_raw(m, 3, &raw, &rl));
    fpf(f, "raw3 %zu [%.*s]\n", rl, (int)rl, raw);
    TRY(ma_msg_field(m, 5, &name, &nl, &value, &vl));
    fpf(f, "field5 %.*s [%.*s]\n", (int)nl, name, (int)vl, value);
    fpf(f, "find %ld %ld %ld body %llu input %llu [%s]\n", ma_msg_find(m, "subject", 0),
        ma_msg_find(m, "x-space", 3), ma_msg_find(m, "nothing", 0),
        (unsigned long long)ma_msg_body_length(m), (unsigned long long)ma_msg_input_length(m),
        ma_msg_error(m));
out:
    ma_msg_free(m);
    return rc;
}

/* DNS answers by hand and from wire format, a lookup job answered by hand. */
static int sc_dns(fpbuf *f)
{
    /* example.com TXT: one answer of two character-strings. */
    static const unsigned char pkt[] = {
        0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 16, 0, 1,
        0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 1, 0x2c, 0, 13,
        6, 'v', '=', 's', 'p', 'f', '1', 5, ' ', '-', 'a', 'l', 'l'};
    const char *parts[3] = {"v=DKIM1; ", "k=ed25519; ", "p=x"};
    size_t lens[3] = {9, 11, 3};
    ma_dns_answer *w = NULL, *t = NULL, *mx = NULL;
    ma_job *j = NULL;
    const ma_dns_question *const *qs;
    const ma_dns_answer *res;
    size_t n, i;
    uint32_t id[3];
    int rc;

    TRY(ma_dns_answer_from_wire(&w, fc, "example.com", MA_DNS_TXT, pkt, sizeof pkt));
    TRY(ma_dns_answer_new(&t, fc, MA_DNS_TXT, MA_DNS_OK));
    TRY(ma_dns_answer_add_txt_parts(t, parts, lens, 3, 60));
    TRY(ma_dns_answer_add_txt(t, "second", 6, 30));
    TRY(ma_dns_answer_new(&mx, fc, MA_DNS_MX, MA_DNS_OK));
    TRY(ma_dns_answer_add_mx(mx, 10, "mx1.example.com.", 60));
    TRY(ma_dns_answer_add_mx(mx, 20, "mx2.example.com", 60));
    TRY(ma_lookup_job_new(&j, fc));
    TRY(ma_lookup_job_add(j, "example.com", MA_DNS_TXT, &id[0]));
    TRY(ma_lookup_job_add(j, "ed._domainkey.example.com", MA_DNS_TXT, &id[1]));
    TRY(ma_lookup_job_add(j, "Example.COM.", MA_DNS_MX, &id[2]));
    rc = ma_job_step(j);
    if (rc != MA_JOB_NEED_DNS) {
        rc = rc < 0 ? rc : NOT_DONE;
        goto out;
    }
    TRY(ma_job_questions(j, &qs, &n));
    fpf(f, "%zu questions:", n);
    for (i = 0; i < n; i++)
        fpf(f, " %u %s %s", ma_dns_question_id(qs[i]), ma_dns_question_name(qs[i]),
            ma_dns_type_name(ma_dns_question_type(qs[i])));
    fpf(f, "\n");
    TRY(ma_job_answer(j, id[2], mx));
    TRY(ma_job_answer(j, id[1], t));
    TRY(ma_job_answer(j, id[0], w));
    rc = ma_job_step(j);
    if (rc != MA_JOB_DONE) {
        rc = rc < 0 ? rc : NOT_DONE;
        goto out;
    }
    for (i = 0; i < 3; i++) {
        const char *txt;
        size_t len;
        TRY(ma_lookup_job_result(j, id[i], &res));
        fpf(f, "%u: %s %zu", id[i], ma_dns_rcode_name(ma_dns_answer_rcode(res)),
            ma_dns_answer_count(res));
        if (ma_dns_answer_txt(res, 0, &txt, &len) == MA_OK)
            fpf(f, " [%.*s]", (int)len, txt);
        fpf(f, "\n");
    }
    rc = MA_OK;
out:
    ma_job_free(j);
    ma_dns_answer_free(w);
    ma_dns_answer_free(t);
    ma_dns_answer_free(mx);
    return rc;
}

/* ------------------------------------------------------------------ driver */

typedef struct scenario {
    const char *name;
    int (*run)(fpbuf *f);
    int auth;    /* sub-checks may end in temperror instead */
    int shared;  /* ask a zone of fc kept from a failing run to the next run */
} scenario;

static const scenario scenarios[] = {
    {"spf", sc_spf, 0, 0},
    {"spf/shared-zone", sc_spf, 0, 1},
    {"dkim-verify", sc_dkim_verify, 0, 0},
    {"dkim-verify/shared-zone", sc_dkim_verify, 0, 1},
    {"dkim-sign", sc_dkim_sign, 0, 0},
    {"dmarc", sc_dmarc, 0, 0},
    {"dmarc/shared-zone", sc_dmarc, 0, 1},
    {"arc", sc_arc, 0, 0},
    {"arc/shared-zone", sc_arc, 0, 1},
    {"authres", sc_authres, 0, 0},
    {"iprev", sc_iprev, 0, 0},
    {"auth", sc_auth, 1, 0},
    {"auth/shared-zone", sc_auth, 1, 1},
    {"zone", sc_zone, 0, 0},
    {"msg", sc_msg, 0, 0},
    {"dns", sc_dns, 0, 0},
};

static fpbuf base_fp, run_fp;

static int same_fp(const fpbuf *a, const fpbuf *b)
{
    return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

/* Show where two fingerprints part (the first differing line of each). */
static void show_diff(const fpbuf *got, const fpbuf *want)
{
    size_t i = 0, ls = 0;
    while (i < got->n && i < want->n && got->s[i] == want->s[i]) {
        if (got->s[i] == '\n')
            ls = i + 1;
        i++;
    }
    printf("#     want: %.*s\n", (int)strcspn(want->s + ls, "\n"), want->s + ls);
    printf("#     got:  %.*s\n", (int)strcspn(got->s + ls, "\n"), got->s + ls);
}

static int run_once(const scenario *s, fpbuf *f)
{
    f->n = 0;
    f->s[0] = '\0';
    return s->run(f);
}

/* Before and after a run (or a failing run and the clean one after it). */
static int begin(const scenario *s)
{
    return s->shared ? prepare_zone() : MA_OK;
}

static void end(const scenario *s)
{
    if (s->shared)
        release_zone();
}

/* Where a crash happened, for the signal handler. */
static const char *volatile cur_name = "setup";
static volatile long cur_n;
static volatile int cur_pass;

static void on_crash(int sig)
{
    char line[200];
    int n = snprintf(line, sizeof line, "# signal %d in scenario %s with allocation %ld%s failing\n",
                     sig, cur_name, cur_n, cur_pass ? " and all after it" : "");
    if (n > 0)
        (void)!write(1, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* What a scenario's runs came to (sent from the child to the parent). */
typedef struct outcome {
    int setup_rc;       /* MA_OK, or the shared zone could not be made */
    int base_rc;        /* the run without failure */
    int second_same;    /* a second run: same result, nothing kept */
    long count;         /* allocations of one run */
    long step, from_step;
    long runs, enomem, absorbed, degraded, unreached;
    long bad, leaks, unusable;
} outcome;

/* Run scenario s: the first run, then the failing runs (diagnostics on
   stdout, the counts in *o). */
static void drive(const scenario *s, outcome *o)
{
    long live0, calls0, n, shown = 0;
    int rc, pass;

    cur_name = s->name;
    cur_n = 0;
    o->setup_rc = begin(s);
    if (o->setup_rc != MA_OK) {
        end(s);
        return;
    }
    o->base_rc = rc = run_once(s, &base_fp);
    end(s);
    if (rc != MA_OK) {
        printf("# %s: %s\n%s", s->name, rc == NOT_DONE ? "job not done" : ma_status_name(rc),
               base_fp.s);
        return;
    }
    live0 = fst.live;
    begin(s);
    calls0 = fst.calls;
    rc = run_once(s, &run_fp);
    o->count = fst.calls - calls0;
    end(s);
    o->second_same = rc == MA_OK && same_fp(&run_fp, &base_fp) && fst.live == live0;
    if (!o->second_same)
        show_diff(&run_fp, &base_fp);
    o->step = o->count > MAX_RUNS ? (o->count + MAX_RUNS - 1) / MAX_RUNS : 1;
    o->from_step = o->count > MAX_FROM_RUNS ? (o->count + MAX_FROM_RUNS - 1) / MAX_FROM_RUNS : 1;
    printf("# %s: %ld allocations; failing %s, then every one from the N-th on for every %ld-th N\n",
           s->name, o->count, o->step == 1 ? "each in turn" : "every k-th", o->from_step);
    if (o->step > 1)
        printf("# %s: k = %ld (more than %d allocations)\n", s->name, o->step, MAX_RUNS);

    for (pass = 0; pass < 2; pass++) {
        for (n = 1; n <= o->count; n += pass ? o->from_step : o->step) {
            const char *why = NULL;
            int reached;
            cur_n = n;
            cur_pass = pass;
            begin(s);
            if (pass)
                ta_fail_from(&fst, n);
            else
                ta_fail_once(&fst, n);
            rc = run_once(s, &run_fp);
            reached = fst.calls >= fst.fail_at;
            ta_fail_never(&fst);
            cur_n = 0;
            o->runs++;
            if (!reached)
                o->unreached++;
            else if (rc == MA_ENOMEM)
                o->enomem++;
            else if (rc == MA_OK && same_fp(&run_fp, &base_fp))
                o->absorbed++;
            else if (rc == MA_OK && s->auth && auth_degraded_ok(&run_fp, &base_fp))
                o->degraded++;
            else
                why = rc == MA_OK ? "succeeded with another result" : "returned another status";
            if (why != NULL) {
                o->bad++;
                if (shown++ < 8) {
                    printf("#   %s: allocation %ld%s failing: %s (%s)\n", s->name, n,
                           pass ? " and all after it" : "", why,
                           rc == NOT_DONE ? "job not done" : ma_status_name(rc));
                    if (rc == MA_OK)
                        show_diff(&run_fp, &base_fp);
                }
            }
            /* The context (and a shared zone) still work: a clean run
               gives the first result. */
            rc = run_once(s, &run_fp);
            end(s);
            if (rc != MA_OK || !same_fp(&run_fp, &base_fp)) {
                o->unusable++;
                if (shown++ < 8) {
                    printf("#   %s: the clean run after allocation %ld%s failing: %s\n", s->name, n,
                           pass ? " and all after it" : "",
                           rc == NOT_DONE ? "job not done" : ma_status_name(rc));
                    show_diff(&run_fp, &base_fp);
                }
            }
            if (fst.live != live0) {
                o->leaks++;
                if (shown++ < 8)
                    printf("#   %s: allocation %ld%s failing: %ld blocks left behind\n", s->name, n,
                           pass ? " and all after it" : "", fst.live - live0);
                live0 = fst.live; /* report each leak once */
            }
        }
    }
    printf("# %s: %ld failing runs: %ld MA_ENOMEM, %ld same result, %ld temperror sub-checks,"
           " %ld past the end\n",
           s->name, o->runs, o->enomem, o->absorbed, o->degraded, o->unreached);
}

/*
 * Each scenario runs in a child process, so that a crash (or a report by
 * valgrind or a sanitizer, which ends the process with an error status)
 * fails that scenario and the others still run; the child sends its
 * counts back through a pipe and the assertions are made here.
 */
static void check(const scenario *s)
{
    char what[200];
    outcome o;
    int fds[2], status = 0;
    size_t got = 0;
    pid_t pid;

    memset(&o, 0, sizeof o);
    fflush(stdout);
    if (pipe(fds) != 0 || (pid = fork()) < 0) {
        snprintf(what, sizeof what, "%s: a child process to run it in", s->name);
        ok(0, what);
        return;
    }
    if (pid == 0) {
        /* The child frees everything before it exits, so that valgrind
           and the leak sanitizer check it too. */
        const char *p = (const char *)&o;
        close(fds[0]);
        drive(s, &o);
        fflush(stdout);
        while (got < sizeof o) {
            ssize_t w = write(fds[1], p + got, sizeof o - got);
            if (w <= 0)
                _exit(5);
            got += (size_t)w;
        }
        close(fds[1]);
        cur_name = "teardown";
        teardown();
        ma_ctx_free(fc);
        ma_ctx_free(c);
        exit(0);
    }
    close(fds[1]);
    while (got < sizeof o) {
        ssize_t r = read(fds[0], (char *)&o + got, sizeof o - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    waitpid(pid, &status, 0);
    snprintf(what, sizeof what, "%s: runs to its end (no crash, no valgrind or sanitizer report)",
             s->name);
    if (!ok(got == sizeof o && WIFEXITED(status) && WEXITSTATUS(status) == 0, what)) {
        if (WIFSIGNALED(status))
            printf("#   killed by signal %d\n", WTERMSIG(status));
        else
            printf("#   exit status %d\n", WEXITSTATUS(status));
        if (got != sizeof o)
            return;
    }
    snprintf(what, sizeof what, "%s: runs without failure", s->name);
    if (!is_int(o.setup_rc == MA_OK ? o.base_rc : o.setup_rc, MA_OK, what))
        return;
    snprintf(what, sizeof what, "%s: a second run gives the same result and keeps nothing", s->name);
    ok(o.second_same, what);
    snprintf(what, sizeof what, "%s: every failure ends in MA_ENOMEM or the same result", s->name);
    is_int(o.bad, 0, what);
    snprintf(what, sizeof what, "%s: nothing left behind after a failure", s->name);
    is_int(o.leaks, 0, what);
    snprintf(what, sizeof what, "%s: the context works after every failure", s->name);
    is_int(o.unusable, 0, what);
    snprintf(what, sizeof what, "%s: the failures were injected (some MA_ENOMEM)", s->name);
    ok(o.enomem > 0 && o.unreached == 0, what);
}

/* MA_OOM_ONLY="dmarc,arc" runs only the scenarios named (for debugging). */
static int selected(const char *name)
{
    const char *only = getenv("MA_OOM_ONLY"), *p;
    size_t n = strlen(name);
    if (only == NULL || *only == '\0')
        return 1;
    for (p = only; (p = strstr(p, name)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int main(void)
{
    size_t i;

    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    if (!setup()) {
        printf("Bail out! fixtures could not be set up\n");
        return 1;
    }
    for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (selected(scenarios[i].name))
            check(&scenarios[i]);
        else
            printf("# %s: skipped (MA_OOM_ONLY)\n", scenarios[i].name);
    }
    cur_name = "teardown";
    teardown();
    ma_ctx_free(fc);
    is_int(fst.live, 0, "every block of the failing context freed at the end");
    ma_ctx_free(c);
    return tap_done();
}
