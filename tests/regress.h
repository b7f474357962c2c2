/*
 * Shared helpers of the regression tests (test-regress.c,
 * test-regress-msg.c, test-regress-dns.c): a world where victim.example
 * publishes p=reject and attacker.example passes SPF and DKIM, message
 * signing and sealing, the authenticator, Authentication-Results readers,
 * a recording resolver, a header-field splitter.  Header-only; one per
 * test program (the globals are per program).
 */
#ifndef MA_TEST_REGRESS_H
#define MA_TEST_REGRESS_H

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "core/core.h"
#include "spf/spf_int.h"
#include "dkim/sig_int.h"
#include "dkim/sign_int.h"
#include "dmarc/from_int.h"
#include "tap.h"

/* ------------------------------------------------------------------ helpers */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static inline int okf_at(int cond, const char *file, int line, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tap_ok_at(cond, file, line, what);
}
#define OKF(cond, ...) okf_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* A copy of n bytes in a block of exactly n bytes (no NUL after it), so that
   a read past the end is caught by the sanitizers and valgrind. */
static inline char *xdup(const void *p, size_t n)
{
    char *d = malloc(n > 0 ? n : 1);
    if (d == NULL)
        abort();
    if (n > 0)
        memcpy(d, p, n);
    else
        d[0] = '\0';
    return d;
}

static inline char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return xdup(s, n);
}

/* A malloc'd concatenation of up to four strings (NULL ends the list). */
static inline char *cat4(const char *a, const char *b, const char *c3, const char *d)
{
    size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, lc = c3 ? strlen(c3) : 0,
           ld = d ? strlen(d) : 0;
    char *s = malloc(la + lb + lc + ld + 1);
    if (s == NULL)
        abort();
    memcpy(s, a ? a : "", la);
    memcpy(s + la, b ? b : "", lb);
    memcpy(s + la + lb, c3 ? c3 : "", lc);
    memcpy(s + la + lb + lc, d ? d : "", ld);
    s[la + lb + lc + ld] = '\0';
    return s;
}

static inline int has(const char *hay, const char *needle)
{
    return hay != NULL && strstr(hay, needle) != NULL;
}

/* Whether s (len bytes) holds a CR, LF or NUL other than CRLF + WSP folding. */
static inline int bad_line_breaks(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (s[i] == '\0')
            return 1;
        if (s[i] == '\r') {
            if (i + 2 >= len || s[i + 1] != '\n' || (s[i + 2] != ' ' && s[i + 2] != '\t'))
                return 1;
            i++;
        } else if (s[i] == '\n') {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ world */

/* RFC 8032 7.1 TEST 1 secret key, as a seed (RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static int64_t now_ms = INT64_C(1795000000000);

static inline int64_t clock_fn(void *payload)
{
    return *(const int64_t *)payload;
}

#define ATTACKER_IP "203.0.113.66"
#define VICTIM_IP "192.0.2.10"

/*
 * victim.example publishes p=reject; attacker.example passes SPF (for
 * ATTACKER_IP) and signs with DKIM (key records added by world_zone()).
 */
static const char world_text[] =
    "$TTL 300\n"
    "victim.example.                 TXT \"v=spf1 ip4:" VICTIM_IP " -all\"\n"
    "_dmarc.victim.example.          TXT \"v=DMARC1; p=reject\"\n"
    "mail.victim.example.            A   " VICTIM_IP "\n"
    "mail.victim.example.            TXT \"v=spf1 ip4:" VICTIM_IP " -all\"\n"
    "10.2.0.192.in-addr.arpa.        PTR mail.victim.example.\n"
    "attacker.example.               TXT \"v=spf1 ip4:" ATTACKER_IP " -all\"\n"
    "_dmarc.attacker.example.        TXT \"v=DMARC1; p=none\"\n"
    "mail.attacker.example.          A   " ATTACKER_IP "\n"
    "mail.attacker.example.          TXT \"v=spf1 ip4:" ATTACKER_IP " -all\"\n"
    "66.113.0.203.in-addr.arpa.      PTR mail.attacker.example.\n"
    "legitimate.com.                 TXT \"v=spf1 ip4:" VICTIM_IP " -all\"\n"
    "_dmarc.legitimate.com.          TXT \"v=DMARC1; p=reject\"\n"
    "attacker.com.                   TXT \"v=spf1 ip4:" ATTACKER_IP " -all\"\n";

static ma_ctx *c;
static ma_dkim_signer *attacker_signer, *victim_signer; /* selector "sel" */
static ma_dkim_signer *attacker_arc, *victim_arc;       /* the same key, selector "arc" */
static char *ed_record;   /* the Ed25519 key record every seed signer uses */

/* A zone with the world's records and keys: the caller frees it. */
static inline ma_static_zone *world_zone(void)
{
    ma_static_zone *z = NULL;
    if (ma_static_zone_new(&z, c) != MA_OK ||
        ma_static_zone_load(z, world_text, strlen(world_text), NULL) != MA_OK) {
        printf("Bail out! world zone: %s\n", z ? ma_static_zone_error(z) : "no zone");
        exit(1);
    }
    ma_static_zone_add_txt(z, "sel._domainkey.attacker.example", ed_record, strlen(ed_record), 300);
    ma_static_zone_add_txt(z, "sel._domainkey.victim.example", ed_record, strlen(ed_record), 300);
    ma_static_zone_add_txt(z, "arc._domainkey.attacker.example", ed_record, strlen(ed_record), 300);
    ma_static_zone_add_txt(z, "arc._domainkey.victim.example", ed_record, strlen(ed_record), 300);
    return z;
}

static inline ma_dkim_signer *seed_signer(const char *domain, const char *selector)
{
    ma_dkim_sign_opts so;
    ma_dkim_signer *s = NULL;
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = domain;
    so.selector = selector;
    if (ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)) != MA_OK) {
        printf("Bail out! signer for %s\n", domain);
        exit(1);
    }
    return s;
}

static const char body_text[] =
    "To: bob@example.org\r\n"
    "Subject: invoice\r\n"
    "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <inv@example>\r\n"
    "\r\n"
    "Please pay.\r\n";

/* text with a DKIM-Signature by s on top (malloc'd); an unsigned copy when
   s cannot sign it (no From field). */
static inline char *dkim_sign(const ma_dkim_signer *s, const char *text)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    char *field = NULL, *out;
    ma_msg_new(&m, c);
    ma_dkim_sign_new(&g, s);
    ma_dkim_sign_attach(g, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    if (ma_dkim_sign_field(g, &field) != MA_OK)
        field = NULL;
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    out = field ? cat4(field, "\r\n", text, NULL) : xstrdup(text);
    ma_free(c, field);
    return out;
}

/* Run the authenticator over text (NULL: no message); the done job or NULL. */
static inline ma_job *authenticate(ma_resolver *r, const char *ip, const char *helo, const char *mail_from,
                                   const char *text)
{
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    int rc;

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = ip;
    p.helo = helo;
    p.mail_from = mail_from;
    p.authserv_id = "mx.example.org";
    if (ma_auth_job_new(&j, c, &p) != MA_OK)
        return NULL;
    if (text == NULL) {
        if (ma_job_run(j, r) != MA_JOB_DONE) {
            ma_job_free(j);
            return NULL;
        }
        return j;
    }
    ma_msg_new(&m, c);
    rc = ma_auth_job_attach(j, m);
    if (rc == MA_OK)
        rc = ma_msg_write(m, text, strlen(text));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK && ma_job_run(j, r) != MA_JOB_DONE)
        rc = MA_EINTERNAL;
    ma_msg_free(m);
    if (rc != MA_OK) {
        ma_job_free(j);
        return NULL;
    }
    return j;
}

static inline const char *verdict(const ma_job *j, int check)
{
    const char *v = j ? ma_auth_job_verdict(j, check) : NULL;
    return v != NULL ? v : "(null)";
}

/* Parse the field the authenticator writes; NULL when it does not parse. */
static inline ma_authres *authres_of(const ma_job *j)
{
    char *field = NULL;
    ma_authres *ar = NULL;
    if (j != NULL && ma_auth_job_authres(j, &field) == MA_OK) {
        const char *v = field + strlen("Authentication-Results:");
        if (ma_authres_parse(&ar, NULL, NULL, c, v, strlen(v)) != MA_OK)
            ar = NULL;
    }
    ma_free(c, field);
    return ar;
}

/* Whether ar has a result of method with the given result word. */
static inline int ar_has(const ma_authres *ar, const char *method, const char *result)
{
    size_t i;
    for (i = 0; ar != NULL && i < ma_authres_count(ar); i++)
        if (strcmp(ma_authres_method(ar, i), method) == 0 &&
            (result == NULL || strcmp(ma_authres_result(ar, i), result) == 0))
            return 1;
    return 0;
}

/* The value of ptype.property in the first result of method, or NULL. */
static inline const char *ar_prop(const ma_authres *ar, const char *method, const char *ptype,
                                  const char *property)
{
    size_t i, k;
    for (i = 0; ar != NULL && i < ma_authres_count(ar); i++) {
        if (strcmp(ma_authres_method(ar, i), method) != 0)
            continue;
        for (k = 0; k < ma_authres_prop_count(ar, i); k++) {
            const char *pt, *pp, *pv;
            ma_authres_prop(ar, i, k, &pt, &pp, &pv);
            if (strcmp(pt, ptype) == 0 && strcmp(pp, property) == 0)
                return pv;
        }
        return NULL;
    }
    return NULL;
}

/* A growable text. */
typedef struct mbuf {
    char *p;
    size_t len, cap;
} mbuf;

static inline void mb_put(mbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* A resolver that records the questions it answers through another. */
#define REC_MAX 256
typedef struct rec_res {
    ma_resolver *inner;
    char names[REC_MAX][260];
    ma_dns_type types[REC_MAX];
    size_t n;
} rec_res;

static inline int rec_resolve(void *payload, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    rec_res *rr = payload;
    size_t i;
    for (i = 0; i < rr->n; i++)
        if (rr->types[i] == type && strcmp(rr->names[i], name) == 0)
            break;
    if (i == rr->n && rr->n < REC_MAX) {
        snprintf(rr->names[rr->n], sizeof rr->names[rr->n], "%s", name);
        rr->types[rr->n++] = type;
    }
    return ma_resolver_resolve(rr->inner, name, type, out);
}

static inline ma_resolver *rec_new(rec_res *rr, ma_resolver *inner)
{
    static const ma_resolver_ops ops = { MA_RESOLVER_OPS_VERSION, rec_resolve, NULL };
    ma_resolver *r = NULL;
    memset(rr, 0, sizeof *rr);
    rr->inner = inner;
    if (ma_resolver_new(&r, c, &ops, rr) != MA_OK)
        abort();
    return r;
}

static inline int rec_asked_char(const rec_res *rr, char ch)
{
    size_t i;
    for (i = 0; i < rr->n; i++)
        if (strchr(rr->names[i], ch) != NULL)
            return 1;
    return 0;
}

/* Values the signature parsers accept: bh= is SHA-256 of an empty body,
   B64Z is 64 zero bytes (an Ed25519 signature's size). */
#define BH32 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define B64Z "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

/* ------------------------------------------------------------ job runners */

static inline ma_job *spf_run(ma_resolver *r, const char *ip, const char *sender, const char *helo)
{
    ma_spf_params p;
    ma_job *j = NULL;
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&p.ip, ip, strlen(ip));
    p.sender = sender;
    p.helo = helo;
    if (ma_spf_job_new(&j, c, &p) != MA_OK)
        return NULL;
    ma_job_run(j, r);
    return j;
}

static inline ma_job *dkim_run(ma_resolver *r, const char *text)
{
    ma_job *j = NULL;
    ma_msg *m = NULL;
    ma_msg_new(&m, c);
    ma_dkim_job_new(&j, c, NULL);
    ma_dkim_job_attach(j, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    ma_job_run(j, r);
    ma_msg_free(m);
    return j;
}

static inline ma_job *arc_run(ma_resolver *r, const char *text)
{
    ma_job *j = NULL;
    ma_msg *m = NULL;
    ma_msg_new(&m, c);
    ma_arc_job_new(&j, c, NULL);
    ma_arc_job_attach(j, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    ma_job_run(j, r);
    ma_msg_free(m);
    return j;
}

/* ARC-seal text with signer s (validating through r first); malloc'd. */
static inline char *arc_seal_text(ma_resolver *r, const ma_dkim_signer *s, const char *text, int *rc_out)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    ma_arc_seal *g = NULL;
    char *fields = NULL, *out = NULL;
    int rc = ma_msg_new(&m, c);
    if (rc == MA_OK)
        rc = ma_arc_job_new(&j, c, NULL);
    if (rc == MA_OK)
        rc = ma_arc_job_attach(j, m);
    if (rc == MA_OK)
        rc = ma_arc_seal_new(&g, s, "mx.hop.example");
    if (rc == MA_OK)
        rc = ma_arc_seal_attach(g, m);
    if (rc == MA_OK)
        rc = ma_msg_write(m, text, strlen(text));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK && ma_job_run(j, r) != MA_JOB_DONE)
        rc = MA_EINTERNAL;
    if (rc == MA_OK)
        rc = ma_arc_seal_fields(g, j, "spf=pass smtp.mailfrom=example.com", &fields);
    if (rc == MA_OK && fields != NULL)
        out = cat4(fields, "\r\n", text, NULL);
    if (rc_out != NULL)
        *rc_out = rc;
    ma_free(c, fields);
    ma_arc_seal_free(g);
    ma_job_free(j);
    ma_msg_free(m);
    return out;
}

/* Resolve through r; the answer's rcode and its first TXT record. */
static inline int txt_of(ma_resolver *r, const char *name, const char **text, size_t *len,
                         ma_dns_answer **keep)
{
    ma_dns_answer *a = NULL;
    int rc = ma_resolver_resolve(r, name, MA_DNS_TXT, &a);
    *text = NULL;
    *len = 0;
    if (rc != MA_OK)
        return -100 + rc;
    rc = (int)ma_dns_answer_rcode(a);
    if (rc == MA_DNS_OK)
        ma_dns_answer_txt(a, 0, text, len);
    *keep = a;
    return rc;
}

/* A message split into its header fields (folding kept, no final CRLF)
   and the rest (the empty line and the body). */
typedef struct fields {
    char *f[512];
    size_t n;
    const char *rest;
} fields;

static inline void fields_split(fields *fs, const char *text)
{
    const char *p = text;
    fs->n = 0;
    while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
        const char *e = p;
        for (;;) {
            e = strstr(e, "\r\n");
            if (e == NULL || (e[2] != ' ' && e[2] != '\t'))
                break;
            e += 2;
        }
        if (e == NULL)
            e = p + strlen(p);
        if (fs->n < 512)
            fs->f[fs->n++] = xdup(p, (size_t)(e - p) + 1);
        fs->f[fs->n - 1][e - p] = '\0';
        p = *e ? e + 2 : e;
    }
    fs->rest = p;
}

static inline char *fields_join(const fields *fs)
{
    mbuf b = { NULL, 0, 0 };
    size_t i;
    for (i = 0; i < fs->n; i++) {
        if (fs->f[i] == NULL)
            continue;
        mb_put(&b, fs->f[i], strlen(fs->f[i]));
        mb_put(&b, "\r\n", 2);
    }
    mb_put(&b, fs->rest, strlen(fs->rest));
    return b.p;
}

static inline void fields_free(fields *fs)
{
    size_t i;
    for (i = 0; i < fs->n; i++)
        free(fs->f[i]);
    fs->n = 0;
}

/* The world's context and signers; call first in main(). */
static inline void regress_setup(void)
{
    ma_ctx_opts o;

    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    if (ma_ctx_new(&c, &o) != MA_OK) {
        printf("Bail out! context\n");
        exit(1);
    }
    attacker_signer = seed_signer("attacker.example", "sel");
    victim_signer = seed_signer("victim.example", "sel");
    attacker_arc = seed_signer("attacker.example", "arc");
    victim_arc = seed_signer("victim.example", "arc");
    if (ma_dkim_signer_key_record(attacker_signer, &ed_record) != MA_OK) {
        printf("Bail out! key record\n");
        exit(1);
    }
}

static inline void regress_teardown(void)
{
    ma_free(c, ed_record);
    ma_dkim_signer_free(attacker_signer);
    ma_dkim_signer_free(victim_signer);
    ma_dkim_signer_free(attacker_arc);
    ma_dkim_signer_free(victim_arc);
    ma_ctx_free(c);
}

#endif
