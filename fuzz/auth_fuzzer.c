/*
 * Fuzz harness for the one-call authenticator (src/auth/auth.c and,
 * through it, iprev and the HELO checks, SPF, DKIM, ARC, DMARC and the
 * Authentication-Results writer), driven by hand with a scripted resolver.
 *
 * Input layout:
 *   byte 0   bits 0-1 the client address, bits 2-3 the HELO name, bits 4-5
 *            the MAIL FROM address (tables below), bit 6 trust the sealer
 *            lists.example.org, bit 7 answer each round's questions in
 *            reverse order;
 *   byte 1   chunking: 0 writes the message at once, else chunks of 1 to
 *            (byte & 0x3f) + 1 bytes chosen by a generator seeded with the
 *            byte and the message; bit 7: answer no question before the
 *            message is finished (then the run is repeated with the
 *            message written at once, and both must give the same field);
 *   byte 2   the length of the DNS script that follows;
 *   byte 3   bit 5: leave out the checks named by bits 0-4 (MA_AUTH_NO_*),
 *            bit 6: attach no message, bit 7: small limits;
 *   script   one entry per question, in the order the questions are
 *            answered (see answer_from_script()); a question asked after
 *            the script ran out is answered TEMPFAIL;
 *   message  the rest, streamed in chunks with a step after each.
 *
 * Invariants (abort on violation):
 * - no step ever returns an error (a failing check never fails the job)
 *   and MA_JOB_NEED_DNS always comes with a question outstanding;
 * - the job ends MA_JOB_DONE, unless the message reader refused the
 *   message (then it waits for input, or is done all the same);
 * - when done: every check has a verdict word and a problem string; the
 *   Authentication-Results field starts with its name and authserv-id,
 *   folds only with CRLF TAB, and parses back with ma_authres_parse(); the
 *   one-line results text parses to the same results; each non-DKIM result
 *   written is the check's verdict, every check whose verdict is not
 *   "none" is written, and the DKIM verdict is one of the DKIM results;
 * - when not done, the field is refused with MA_ESTATE;
 * - with answers held until the message is finished, the chunking does
 *   not change the field.
 *
 * Every buffer handed to the library (message chunks, TXT records) is a
 * malloc'd copy of exactly its length, so an over-read is caught by ASan.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "mailauth/mailauth.h"

#define CHECK(c)       \
    do {               \
        if (!(c))      \
            abort();   \
    } while (0)

/* The clock: shortly after the example messages were signed and sealed. */
#define NOW_MS INT64_C(1795857600000)

#define AUTHSERV_ID "mx.example.org"

static const char *const client_ips[4] = { "192.0.2.10", "2001:db8::10", "::ffff:192.0.2.10",
                                           "203.0.113.7" };
static const char *const helos[4] = { NULL, "mail.example.com", "[192.0.2.10]", "not a name!" };
static const char *const senders[4] = { "alice@example.com", "<>", "<list-bounce@lists.example.org>",
                                        "joe@football.example.com" };

/* ------------------------------------------------------------ TXT records */

#define SEL2026_P                                                                                 \
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs5r0203t+vp3NEDu/Xngu1ftT+2ghmcRqObzZL1tnmyqcG1F" \
    "I9rhysXJwjiRoVVeqfbEtlOj9ovrd2OshnKXsz7GEABhURBRHOHaFER+9Qnj51nfnsy2x7X1//qdJ6tIncgjzdlKkCiO" \
    "WTY653qk77oTHvwBzwWjT+uUuFvK1ZlfM6BdwJVkuqCpAUMl90YH2IBd3n82dZbPFM+3VBACCUQggPhks74hvMXvnxSA" \
    "YC93Vnoja0h8aYGdm2Spvo2SJVUWJ0dy14pXCOHk43HDZV8p4Pn/Pl8JZp8+6RzDRuGItYanqbVfbaQoAM1hlDqvxDsf" \
    "+5uZKhkXyZVGLNid3QIDAQAB"
#define ARC2026_P                                                                                 \
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1ya5Nh807TfB039xE/dx4n0RPhY7WBtTF9AOvGEVMynDEPNR" \
    "u1CVpX89maJedq3IYEspXdasmBmKG+E43g2MY0EDNmgAFMpqz8/pe21zNVQlSImBRUIOozzCAyDtBQiMSgcUKfwzxkHk" \
    "K8Am7XzvQ1+QwioEiCGXTwbELhk11PsIsyTR+AJ4eVmXoTpWSduWUcyfNMA2w/wmadf+RfBRGpYy8QIr5/UOuUqAx2yE" \
    "x+qoJ+8IprSZzrzVDsuFhPs4OMwxwgFgV9bdX/oAiYvwEasLrRQcwkEaj8Z3lRlf6bxCRTkRdeu+9wOPvdD6ZOokPbAw" \
    "XlzW3AGxfqB+hxbXQwIDAQAB"
#define BRISBANE_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define TEST_P                                                                                    \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16" \
    "JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2E" \
    "eC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

/* Records for names that are neither DKIM keys nor DMARC policies: SPF
   records (and explanations, for exp=). */
static const char *const spf_records[] = {
    "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all",
    "v=spf1 ip4:203.0.113.7 -all",
    "v=spf1 a mx -all",
    "v=spf1 include:_spf.example.com ~all",
    "v=spf1 redirect=_spf.example.org",
    "v=spf1 exists:%{i}.%{l1r+-}._spf.%{d} -all",
    "v=spf1 ptr ?all",
    "v=spf1 a:%{h} mx:example.org/24//64 -all exp=exp.%{d}",
    "v=spf1 -all",
    "v=spf1 +all",
    "%{s} may not send from %{i} (%{p}, %{v}, %{r}, %{t})",
    "v=spf1 ip4:198.51.100.0/24 include:%{o} ~all",
    "v=spf1 a/24 mx/24//48 ptr:example.com ?all",
    "v=spf1 ip4:192.0.2.1/33 -all",
    "v=spf1 redirect=%{d}",
    "v=spf10 -all",
    "v=spf1 exp=%{r}.explain include:_spf.example.com redirect=example.org",
    "v=spf1 a:mail.example.com ip6:::ffff:192.0.2.0/120 -all",
    "v=spf1 include:example.com include:example.net include:example.org -all",
    "v=spf1 mx:%{d1r}.%{ir}.example ~all",
};

static const char *const dkim_records[] = {
    "v=DKIM1; k=rsa; p=" SEL2026_P,
    "v=DKIM1; k=rsa; p=" ARC2026_P,
    "v=DKIM1; k=ed25519; p=" BRISBANE_P,
    "v=DKIM1; k=rsa; p=" TEST_P,
    "v=DKIM1; p=",
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GN",
    "v=DKIM1; k=ed25519; h=sha1; p=" BRISBANE_P,
    "v=DKIM1; t=y:s; p=" SEL2026_P,
    "v=DKIM2; p=" SEL2026_P,
    "v=DKIM1; s=email; k=rsa; p=" ARC2026_P,
    "v=DKIM1; s=tlsrpt; p=" SEL2026_P,
    "",
};

static const char *const dmarc_records[] = {
    "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
    "v=DMARC1; p=none",
    "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=s; pct=50",
    "v=DMARC1; p=reject; np=reject; psd=n; t=y",
    "v=DMARC1; psd=y; p=none",
    "v=DMARC1",
    "v=DMARC1; p=bogus; rua=mailto:x",
    "v=spf1 -all",
    "v=DMARC1; p=quarantine; fo=1:d:s; ruf=mailto:f@example.com!10m; ri=3600; rf=afrf",
    "v=DMARC1; p=reject; sp=none; np=quarantine; adkim=r; aspf=r",
};

/* Tokens TXT bytes are mapped into, per kind of record. */
static const char *const spf_tokens[] = {
    "v=spf1", " ", " ", "ip4:", "ip6:", "a", "mx", "ptr", "include:", "exists:", "redirect=",
    "exp=", "all", "-", "~", "?", "+", "/", "//", "24", "64", "0", "192.0.2.10", "2001:db8::",
    "::ffff:", "example.com", "example.org", "_spf.", ".", ":", "%{d}", "%{i}", "%{s}", "%{l}",
    "%{o}", "%{h}", "%{p}", "%{v}", "%{c}", "%{r}", "%{t}", "%{ir}", "%{d2}", "%{l1r-}", "%%",
    "%_", "%-", "x", "=", "%", "\t",
};
static const char *const dkim_tokens[] = {
    "v=DKIM1", ";", " ", "k=rsa", "k=ed25519", "p=", "h=sha256", "h=sha1", "t=y", "t=s", ":",
    "s=email", "s=*", "n=note", BRISBANE_P, "MIGfMA0GCSqGSIb3DQEBAQUAA4GN", "AAAA", "=", "\r\n ",
    "k=", "h=", "x", "g=*",
};
static const char *const dmarc_tokens[] = {
    "v=DMARC1", ";", " ", "p=", "sp=", "np=", "none", "quarantine", "reject", "adkim=", "aspf=",
    "r", "s", "pct=", "50", "rua=", "ruf=", "mailto:", "a@example.com", ",", "!", "10m", "fo=",
    "0", "1", "d", "psd=", "y", "n", "u", "t=", "ri=", "rf=", "afrf", "=", "x",
};

/* Names for PTR and MX records. */
static const char *const host_names[] = {
    "mail.example.com", "mx.lists.example.org", "example.com", "lists.example.org",
    "mail.example.com.", "fwd.example.net", "localhost", "a", ".", "x..y", "bad name",
    "192.0.2.10", "_spf.example.com", "xn--bcher-kva.example", "MAIL.Example.COM",
    "*.example.com", "mail.football.example.com", "-bad-.example.com",
};
static const char name_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-._.*\\ ";

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- script */

typedef struct script {
    const uint8_t *p;
    size_t n;
} script;

static int next(script *s, uint8_t *b)
{
    if (s->n == 0)
        return 0;
    *b = *s->p++;
    s->n--;
    return 1;
}

static uint8_t next0(script *s)
{
    uint8_t b = 0;
    next(s, &b);
    return b;
}

enum { KIND_SPF, KIND_DKIM, KIND_DMARC };

static int txt_kind(const char *name)
{
    if (strncmp(name, "_dmarc.", 7) == 0)
        return KIND_DMARC;
    if (strstr(name, "._domainkey.") != NULL)
        return KIND_DKIM;
    return KIND_SPF;
}

/* Add a TXT record from a malloc'd copy of exactly len bytes. */
static void add_txt(ma_dns_answer *a, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    int rc;
    CHECK(copy != NULL);
    if (len)
        memcpy(copy, text, len);
    rc = ma_dns_answer_add_txt(a, copy, len, 300);
    CHECK(rc == MA_OK || rc == MA_ELIMIT);
    free(copy);
}

/*
 * A TXT record: the selector's top two bits pick a canned record of the
 * question's kind (00, 01: the record selector % count), raw bytes (10:
 * a length byte, then that many bytes) or tokens of the kind (11: a length
 * byte, then one token per byte).
 */
static void script_txt(ma_dns_answer *a, script *s, const char *name, uint8_t sel)
{
    static const char *const *canned[3] = { spf_records, dkim_records, dmarc_records };
    static const size_t ncanned[3] = { COUNT(spf_records), COUNT(dkim_records),
                                       COUNT(dmarc_records) };
    static const char *const *tokens[3] = { spf_tokens, dkim_tokens, dmarc_tokens };
    static const size_t ntokens[3] = { COUNT(spf_tokens), COUNT(dkim_tokens),
                                       COUNT(dmarc_tokens) };
    int kind = txt_kind(name);
    size_t n, i;

    if (sel < 0x80) {
        const char *t = canned[kind][sel % ncanned[kind]];
        add_txt(a, t, strlen(t));
        return;
    }
    n = next0(s);
    if (n > s->n)
        n = s->n;
    if (sel < 0xc0) {
        add_txt(a, (const char *)s->p, n);
        s->p += n;
        s->n -= n;
        return;
    }
    {
        char buf[255 * 128];
        size_t len = 0;
        for (i = 0; i < n; i++) {
            const char *t = tokens[kind][next0(s) % ntokens[kind]];
            size_t tl = strlen(t);
            memcpy(buf + len, t, tl);
            len += tl;
        }
        add_txt(a, buf, len);
    }
}

/* A host name: from the table, or (selector >= 0xc0) a length byte and
   bytes mapped into a name alphabet. */
static void script_name(char *out, size_t size, script *s, uint8_t sel)
{
    if (sel < 0xc0) {
        const char *t = host_names[sel % COUNT(host_names)];
        size_t n = strlen(t);
        memcpy(out, t, n + 1);
    } else {
        size_t n = next0(s) % 80, i;
        if (n >= size)
            n = size - 1;
        for (i = 0; i < n; i++)
            out[i] = name_alphabet[next0(s) % (sizeof name_alphabet - 1)];
        out[n] = '\0';
    }
}

/* An address: the client's (0), the example host's (1), raw bytes (2) or
   loopback (3), in the question's family. */
static void script_addr(ma_dns_answer *a, script *s, ma_dns_type type, const ma_ip *client,
                        uint8_t sel)
{
    ma_ip ip;
    int v6 = type == MA_DNS_AAAA;
    size_t i;
    int rc;

    memset(&ip, 0, sizeof ip);
    ip.family = v6 ? MA_IP_V6 : MA_IP_V4;
    sel &= 3;
    if (sel == 0) {
        /* the client's address, or the example host's when the client
           is of the other family */
        if (!v6 && ma_ip_unmap_v4(client, &ip))
            sel = 4;
        else if ((client->family == MA_IP_V6) == v6)
            ip = *client, sel = 4;
        else
            sel = 1;
    }
    if (sel == 1) {
        static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                           0, 0, 0, 0, 0, 0, 0, 0x10 };
        static const uint8_t host4[4] = { 192, 0, 2, 10 };
        memcpy(ip.addr, v6 ? host6 : host4, v6 ? 16 : 4);
    } else if (sel == 2) {
        for (i = 0; i < (v6 ? 16u : 4u); i++)
            ip.addr[i] = next0(s);
    } else if (sel == 3) {
        if (v6)
            ip.addr[15] = 1;
        else
            ip.addr[0] = 127, ip.addr[3] = 2;
    }
    ip.family = v6 ? MA_IP_V6 : MA_IP_V4;
    rc = ma_dns_answer_add_addr(a, &ip, 300);
    CHECK(rc == MA_OK || rc == MA_ELIMIT);
}

/*
 * The answer to one question.  An entry is an opcode byte: bits 0-2 the
 * outcome (0-3 OK, 4 NXDOMAIN, 5 NODATA, 6 TEMPFAIL, 7 PERMFAIL), and for
 * OK bits 3-4 the number of records less one; then per record a selector
 * byte and what it calls for (script_txt, script_addr; for MX the
 * preference is the selector and a name selector follows; for PTR the
 * selector names the host).
 */
static ma_dns_answer *answer_from_script(ma_ctx *ctx, script *s, const char *name,
                                         ma_dns_type type, const ma_ip *client)
{
    static const ma_dns_rcode rcodes[8] = { MA_DNS_OK, MA_DNS_OK, MA_DNS_OK, MA_DNS_OK,
                                            MA_DNS_NXDOMAIN, MA_DNS_NODATA, MA_DNS_TEMPFAIL,
                                            MA_DNS_PERMFAIL };
    ma_dns_answer *a = NULL;
    uint8_t op;
    ma_dns_rcode rcode;
    unsigned int nrec, i;

    rcode = next(s, &op) ? rcodes[op & 7] : MA_DNS_TEMPFAIL;
    CHECK(ma_dns_answer_new(&a, ctx, type, rcode) == MA_OK);
    if (rcode != MA_DNS_OK)
        return a;
    nrec = 1 + ((op >> 3) & 3);
    for (i = 0; i < nrec; i++) {
        uint8_t sel = next0(s);
        char host[128];
        int rc;
        switch (type) {
        case MA_DNS_TXT:
            script_txt(a, s, name, sel);
            break;
        case MA_DNS_A:
        case MA_DNS_AAAA:
            script_addr(a, s, type, client, sel);
            break;
        case MA_DNS_MX:
            script_name(host, sizeof host, s, next0(s));
            rc = ma_dns_answer_add_mx(a, sel, host, 300);
            CHECK(rc == MA_OK || rc == MA_ESYNTAX || rc == MA_EINVAL || rc == MA_ELIMIT);
            break;
        case MA_DNS_PTR:
            script_name(host, sizeof host, s, sel);
            rc = ma_dns_answer_add_ptr(a, host, 300);
            CHECK(rc == MA_OK || rc == MA_ESYNTAX || rc == MA_EINVAL || rc == MA_ELIMIT);
            break;
        }
    }
    return a;
}

/* ----------------------------------------------------------------- driving */

typedef struct setup {
    ma_auth_params params;
    const char *sealer[1];
    ma_ip client;
    int reverse;       /* answer each round backwards */
    int hold;          /* answer nothing before the message is finished */
    int attach;
    unsigned int chunk_seed, max_chunk;
} setup;

#ifndef AUTH_FUZZ_OBSERVE
/* A hook for tools that build seeds: sees each question as it is answered,
   with whether the script still had an entry for it. */
#define AUTH_FUZZ_OBSERVE(name, type, scripted) ((void)0)
#endif

/* Answer every outstanding question once; 0 when there was none. */
static int answer_round(ma_ctx *ctx, ma_job *j, script *s, const setup *st)
{
    const ma_dns_question *const *qs;
    size_t n, i;
    uint32_t ids[64];
    ma_dns_type types[64];
    char names[64][256];

    CHECK(ma_job_questions(j, &qs, &n) == MA_OK);
    if (n > 64)
        n = 64;
    /* The array is borrowed until the next answer: copy what we need. */
    for (i = 0; i < n; i++) {
        const char *name = ma_dns_question_name(qs[i]);
        size_t len = strlen(name);
        CHECK(len < sizeof names[i]); /* "" is the root (a PTR name ".") */
        memcpy(names[i], name, len + 1);
        ids[i] = ma_dns_question_id(qs[i]);
        types[i] = ma_dns_question_type(qs[i]);
        CHECK(ma_dns_type_name(types[i]) != NULL);
        CHECK(i == 0 || ids[i] > ids[i - 1]);
    }
    for (i = 0; i < n; i++) {
        size_t k = st->reverse ? n - 1 - i : i;
        ma_dns_answer *a;
        AUTH_FUZZ_OBSERVE(names[k], types[k], s->n > 0);
        a = answer_from_script(ctx, s, names[k], types[k], &st->client);
        CHECK(ma_job_answer(j, ids[k], a) == MA_OK);
        /* a second answer for the same question is refused */
        CHECK(ma_job_answer(j, ids[k], a) == MA_ESTATE);
        ma_dns_answer_free(a);
    }
    return n > 0;
}

/* Step; when the job needs DNS and answering is allowed, answer one round
   and step again, until it stops asking or rounds run out. */
static int step(ma_ctx *ctx, ma_job *j, script *s, const setup *st, int answer, int rounds)
{
    int rc = ma_job_step(j);
    CHECK(rc == MA_JOB_DONE || rc == MA_JOB_NEED_DNS || rc == MA_JOB_NEED_INPUT);
    while (rc == MA_JOB_NEED_DNS && answer && rounds-- > 0) {
        CHECK(answer_round(ctx, j, s, st));
        rc = ma_job_step(j);
        CHECK(rc == MA_JOB_DONE || rc == MA_JOB_NEED_DNS || rc == MA_JOB_NEED_INPUT);
    }
    if (rc == MA_JOB_NEED_DNS) {
        const ma_dns_question *const *qs;
        size_t n;
        CHECK(ma_job_questions(j, &qs, &n) == MA_OK && n > 0);
    }
    return rc;
}

static const char *const verdict_words[] = {
    "none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "policy",
};

static int known_verdict(const char *v)
{
    size_t i;
    for (i = 0; i < COUNT(verdict_words); i++)
        if (strcmp(v, verdict_words[i]) == 0)
            return 1;
    return 0;
}

static int check_of(const char *method)
{
    int c;
    for (c = MA_AUTH_IPREV; c <= MA_AUTH_DMARC; c++)
        if (strcmp(method, ma_auth_check_name(c)) == 0)
            return c;
    return -1;
}

/* The done job's field and results text agree with each other and with
   the verdicts.  Returns the field (the caller frees it). */
static char *check_done(ma_ctx *ctx, const ma_job *j)
{
    static const char name[] = "Authentication-Results: " AUTHSERV_ID ";";
    char *field = NULL, *results = NULL, *line;
    ma_authres *ar = NULL, *ar2 = NULL;
    const char *verdict[5];
    int written[5] = { 0 }, dkim_seen = 0;
    size_t i, n, len, off = 0;
    int c;

    for (c = MA_AUTH_IPREV; c <= MA_AUTH_DMARC; c++) {
        verdict[c] = ma_auth_job_verdict(j, c);
        CHECK(verdict[c] != NULL && known_verdict(verdict[c]));
        CHECK(ma_auth_job_problem(j, c) != NULL);
    }
    CHECK(ma_auth_job_verdict(j, 5) == NULL && ma_auth_job_check(j, 5) == NULL);

    CHECK(ma_auth_job_authres(j, &field) == MA_OK && field != NULL);
    len = strlen(field);
    CHECK(len >= sizeof name - 1 && memcmp(field, name, sizeof name - 1) == 0);
    for (i = 0; i < len; i++) {
        if (field[i] == '\r')
            CHECK(field[i + 1] == '\n' && field[i + 2] == '\t');
        else if (field[i] == '\n')
            CHECK(i > 0 && field[i - 1] == '\r');
        else
            CHECK(field[i] == '\t' || ((unsigned char)field[i] >= 0x20 && field[i] != 0x7f));
    }
    /* The value parses back (from an exact-size copy). */
    {
        size_t vl = len - 23;
        char *value = malloc(vl);
        CHECK(value != NULL);
        memcpy(value, field + 23, vl);
        c = ma_authres_parse(&ar, &off, NULL, ctx, value, vl);
        free(value);
        CHECK(c == MA_OK);
    }
    CHECK(strcmp(ma_authres_authserv_id(ar), AUTHSERV_ID) == 0);

    /* The one-line results say the same. */
    CHECK(ma_auth_job_results(j, &results) == MA_OK && results != NULL);
    CHECK(strchr(results, '\r') == NULL && strchr(results, '\n') == NULL);
    {
        /* "id; " results, or "id; none" when no check ran */
        const char *body = results[0] != '\0' ? results : "none";
        size_t rl = strlen(body), ll = sizeof AUTHSERV_ID + 1 + rl;
        line = malloc(ll);
        CHECK(line != NULL);
        memcpy(line, AUTHSERV_ID "; ", sizeof AUTHSERV_ID + 1);
        memcpy(line + sizeof AUTHSERV_ID + 1, body, rl);
        c = ma_authres_parse(&ar2, &off, NULL, ctx, line, ll);
        free(line);
        CHECK(c == MA_OK);
    }
    n = ma_authres_count(ar);
    CHECK(ma_authres_count(ar2) == n);
    for (i = 0; i < n; i++) {
        const char *m = ma_authres_method(ar, i), *r = ma_authres_result(ar, i);
        CHECK(strcmp(m, ma_authres_method(ar2, i)) == 0);
        CHECK(strcmp(r, ma_authres_result(ar2, i)) == 0);
        CHECK(ma_authres_prop_count(ar, i) == ma_authres_prop_count(ar2, i));
        c = check_of(m);
        CHECK(c >= 0);
        written[c] = 1;
        if (c == MA_AUTH_DKIM) {
            if (strcmp(r, verdict[c]) == 0)
                dkim_seen = 1;
        } else {
            CHECK(strcmp(r, verdict[c]) == 0);
        }
    }
    for (c = MA_AUTH_IPREV; c <= MA_AUTH_DMARC; c++)
        if (strcmp(verdict[c], "none") != 0)
            CHECK(written[c]);
    if (written[MA_AUTH_DKIM])
        CHECK(dkim_seen);
    ma_authres_free(ar);
    ma_authres_free(ar2);
    ma_free(ctx, results);
    return field;
}

static int64_t fixed_clock(void *payload)
{
    (void)payload;
    return NOW_MS;
}

/* One run; returns the field when the job is done (free with ma_free). */
static char *run(ma_ctx *ctx, const setup *st, script s, const uint8_t *msg, size_t size,
                 int chunked)
{
    ma_job *j = NULL;
    ma_msg *m = NULL;
    char *field = NULL;
    uint32_t rs = st->chunk_seed;
    size_t pos = 0;
    int rc, refused = 0, answer = !st->hold;

    CHECK(ma_auth_job_new(&j, ctx, &st->params) == MA_OK);
    if (st->attach) {
        CHECK(ma_msg_new(&m, ctx) == MA_OK);
        CHECK(ma_auth_job_attach(j, m) == MA_OK);
        CHECK(ma_auth_job_attach(j, m) == MA_ESTATE);
    }
    rc = step(ctx, j, &s, st, answer, 1);
    if (m != NULL) {
        while (pos < size && !refused) {
            size_t n = size - pos;
            unsigned char *copy;
            if (chunked && st->max_chunk > 0) {
                rs = rs * 1103515245u + 12345u + msg[pos];
                n = 1 + (rs >> 16) % st->max_chunk;
                if (n > size - pos)
                    n = size - pos;
            }
            copy = malloc(n);
            CHECK(copy != NULL);
            memcpy(copy, msg + pos, n);
            if (ma_msg_write(m, copy, n) != MA_OK)
                refused = 1;
            free(copy);
            pos += n;
            /* one round of answers between chunks, as an event loop would */
            rc = step(ctx, j, &s, st, answer, 1);
        }
        if (!refused && ma_msg_finish(m) != MA_OK)
            refused = 1;
    }
    /* Everything else: at most one round per question the job may ask. */
    rc = step(ctx, j, &s, st, 1, 600);
    if (refused) {
        CHECK(rc == MA_JOB_DONE || rc == MA_JOB_NEED_INPUT);
    } else {
        CHECK(rc == MA_JOB_DONE);
    }
    if (rc == MA_JOB_DONE) {
        field = check_done(ctx, j);
        CHECK(ma_job_step(j) == MA_JOB_DONE);
    } else {
        char *f = NULL;
        CHECK(ma_auth_job_authres(j, &f) == MA_ESTATE && f == NULL);
        CHECK(ma_auth_job_verdict(j, MA_AUTH_SPF) == NULL);
    }
    ma_job_free(j);
    ma_msg_free(m);
    return field;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx_opts co;
    ma_ctx *ctx = NULL;
    setup st;
    script s;
    size_t slen;
    const uint8_t *msg;
    size_t msize;
    char *a, *b;

    if (size < 4 || size > 256 * 1024)
        return 0;
    memset(&st, 0, sizeof st);
    ma_auth_params_init(&st.params, MA_AUTH_PARAMS_VERSION);
    st.params.ip = client_ips[data[0] & 3];
    st.params.helo = helos[(data[0] >> 2) & 3];
    st.params.mail_from = senders[(data[0] >> 4) & 3];
    st.params.authserv_id = AUTHSERV_ID;
    st.params.receiver = "mx.example.org";
    if (data[0] & 0x40) {
        st.sealer[0] = "lists.example.org";
        st.params.trusted_sealers = st.sealer;
        st.params.ntrusted_sealers = 1;
    }
    st.reverse = (data[0] & 0x80) != 0;
    CHECK(ma_ip_parse(&st.client, st.params.ip, strlen(st.params.ip)) == MA_OK);
    st.chunk_seed = data[1];
    st.max_chunk = data[1] & 0x3f ? (data[1] & 0x3fu) + 1 : 0;
    st.hold = (data[1] & 0x80) != 0;
    if (data[3] & 0x20)
        st.params.flags = data[3] & 0x1fu;
    st.attach = !(data[3] & 0x40);

    slen = data[2];
    if (slen > size - 4)
        slen = size - 4;
    s.p = data + 4;
    s.n = slen;
    msg = data + 4 + slen;
    msize = size - 4 - slen;

    ma_ctx_opts_init(&co, MA_CTX_OPTS_VERSION);
    co.clock_fn = fixed_clock;
    CHECK(ma_ctx_new(&ctx, &co) == MA_OK);
    if (data[3] & 0x80) {
        ma_ctx_set_limit(ctx, MA_LIMIT_JOB_QUESTIONS, 6);
        ma_ctx_set_limit(ctx, MA_LIMIT_DKIM_SIGNATURES, 1);
        ma_ctx_set_limit(ctx, MA_LIMIT_IPREV_NAMES, 1);
        ma_ctx_set_limit(ctx, MA_LIMIT_SPF_DNS_TERMS, 2);
        ma_ctx_set_limit(ctx, MA_LIMIT_SPF_VOID_LOOKUPS, 1);
        ma_ctx_set_limit(ctx, MA_LIMIT_DNS_RECORDS, 2);
        ma_ctx_set_limit(ctx, MA_LIMIT_TXT_BYTES, 64);
        ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELDS, 12);
    }

    a = run(ctx, &st, s, msg, msize, 1);
    if (st.hold && st.attach && st.max_chunk > 0) {
        /* Nothing answered before the end: the chunking cannot matter. */
        b = run(ctx, &st, s, msg, msize, 0);
        CHECK((a == NULL) == (b == NULL));
        CHECK(a == NULL || strcmp(a, b) == 0);
        ma_free(ctx, b);
    }
    ma_free(ctx, a);
    ma_ctx_free(ctx);
    return 0;
}
