/*
 * The one-call authenticator end to end: the scenarios through
 * ma_auth_job_* with a static zone (direct mail, a forward, a mailing list
 * with a trusted ARC sealer, a spoofed From, two From fields, nothing at
 * all, DNS failing half-way), the order in which questions come out when
 * the job is driven by hand, the Authentication-Results field, and the
 * API's refusals.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "tap.h"

/* RFC 8032 7.1 TEST 1 secret key, as a seed (RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static const char zone_text[] =
    "$ORIGIN example.\n"
    "$TTL 300\n"
    /* the author's domain and its outbound host */
    "example.com.                 TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.example.com.          TXT \"v=DMARC1; p=reject\"\n"
    "mail.example.com.            A   192.0.2.10\n"
    "10.2.0.192.in-addr.arpa.     PTR mail.example.com.\n"
    /* a forwarder (plain .forward, no SRS) */
    "fwd.example.net.             A   198.51.100.5\n"
    "5.100.51.198.in-addr.arpa.   PTR fwd.example.net.\n"
    "example.net.                 TXT \"v=spf1 ip4:198.51.100.5 -all\"\n"
    /* a mailing list that rewrites the message and seals it */
    "lists.example.org.           TXT \"v=spf1 ip4:203.0.113.7 -all\"\n"
    "mx.lists.example.org.        A   203.0.113.7\n"
    "7.113.0.203.in-addr.arpa.    PTR mx.lists.example.org.\n"
    /* an attacker's host: PTR to a name that does not point back */
    "99.113.0.203.in-addr.arpa.   PTR mail.example.com.\n"
    "evil.example.                TXT \"v=spf1 ip4:203.0.113.99 -all\"\n"
    /* a domain with no authentication at all */
    "plain.example.               A   192.0.2.200\n"
    /* a domain whose key and policy lookups time out */
    "flaky.example.               TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "$TIMEOUT sel._domainkey.flaky.example.\n"
    "$TIMEOUT _dmarc.flaky.example.\n";

static const char body_text[] =
    "To: bob@example.org\r\n"
    "Subject: quarterly figures\r\n"
    "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <q4@example.com>\r\n"
    "\r\n"
    "Bob,\r\n"
    "the figures are attached.\r\n";

static int64_t now_ms = INT64_C(1795000000000);

static int64_t clock_fn(void *payload)
{
    return *(const int64_t *)payload;
}

static ma_ctx *c;
static ma_resolver *r;
static ma_static_zone *z;
static ma_dkim_signer *author_signer, *flaky_signer, *list_signer;

/* A message: the From field (or fields) then the common rest. */
static char *message(const char *from)
{
    char *m = malloc(strlen(from) + sizeof body_text);
    sprintf(m, "%s%s", from, body_text);
    return m;
}

/* text with fields (CRLF-separated, no final CRLF) on top; frees text. */
static char *prepend(char *fields, char *text)
{
    char *m = malloc(strlen(fields) + 2 + strlen(text) + 1);
    sprintf(m, "%s\r\n%s", fields, text);
    ma_free(c, fields);
    free(text);
    return m;
}

static char *dkim_sign(const ma_dkim_signer *s, char *text)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    char *field = NULL;
    ma_msg_new(&m, c);
    ma_dkim_sign_new(&g, s);
    ma_dkim_sign_attach(g, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    if (ma_dkim_sign_field(g, &field) != MA_OK)
        field = NULL;
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    return field != NULL ? prepend(field, text) : text;
}

/* Seal text as the list does, with results as its AAR. */
static char *arc_seal(const ma_dkim_signer *s, char *text, const char *results)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    ma_arc_seal *g = NULL;
    char *fields = NULL;
    ma_msg_new(&m, c);
    ma_arc_job_new(&j, c, NULL);
    ma_arc_job_attach(j, m);
    ma_arc_seal_new(&g, s, "lists.example.org");
    ma_arc_seal_attach(g, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    ma_job_run(j, r);
    if (ma_arc_seal_fields(g, j, results, &fields) != MA_OK)
        fields = NULL;
    ma_arc_seal_free(g);
    ma_job_free(j);
    ma_msg_free(m);
    return fields != NULL ? prepend(fields, text) : text;
}

typedef struct conn {
    const char *ip, *helo, *mail_from;
    const char *const *sealers;
    size_t nsealers;
} conn;

/* Run the authenticator over text synchronously; the done job, or NULL. */
static ma_job *authenticate(const conn *k, const char *text)
{
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    int rc;

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = k->ip;
    p.helo = k->helo;
    p.mail_from = k->mail_from;
    p.authserv_id = "mx.example.org";
    p.trusted_sealers = k->sealers;
    p.ntrusted_sealers = k->nsealers;
    if (ma_auth_job_new(&j, c, &p) != MA_OK)
        return NULL;
    ma_msg_new(&m, c);
    rc = ma_auth_job_attach(j, m);
    /* Before the message: iprev and SPF run, then the job waits for it. */
    if (rc == MA_OK)
        rc = ma_job_run(j, r) == MA_JOB_NEED_INPUT ? MA_OK : MA_EINTERNAL;
    if (rc == MA_OK)
        rc = ma_msg_write(m, text, strlen(text));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK)
        rc = ma_job_run(j, r) == MA_JOB_DONE ? MA_OK : MA_EINTERNAL;
    ma_msg_free(m);
    if (rc != MA_OK) {
        ma_job_free(j);
        return NULL;
    }
    return j;
}

static const char *verdict(const ma_job *j, int check)
{
    const char *v = ma_auth_job_verdict(j, check);
    return v != NULL ? v : "(null)";
}

/* The verdict words of the five checks, "iprev spf dkim arc dmarc". */
static const char *verdicts(const ma_job *j)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s %s %s %s %s", verdict(j, MA_AUTH_IPREV), verdict(j, MA_AUTH_SPF),
             verdict(j, MA_AUTH_DKIM), verdict(j, MA_AUTH_ARC), verdict(j, MA_AUTH_DMARC));
    return buf;
}

static int has(const char *hay, const char *needle)
{
    return hay != NULL && strstr(hay, needle) != NULL;
}

/* The field parses with the library's own parser, with n results. */
static void check_field(const char *field, size_t nresults, const char *what)
{
    const char *value = field + strlen("Authentication-Results:");
    ma_authres *ar = NULL;
    size_t off = 0, longest = 0, col = 0;
    const char *p;
    int rc = ma_authres_parse(&ar, &off, NULL, c, value, strlen(value));
    char line[160];

    snprintf(line, sizeof line, "%s: the field parses back", what);
    is_int(rc, MA_OK, line);
    snprintf(line, sizeof line, "%s: with every result", what);
    is_int(ar != NULL ? ma_authres_count(ar) : 0, nresults, line);
    ma_authres_free(ar);
    for (p = field; *p != '\0'; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            col = 0;
            p++;
            continue;
        }
        if (++col > longest)
            longest = col;
    }
    snprintf(line, sizeof line, "%s: folded, no line over 78 columns", what);
    ok(longest <= 78, line);
}

static void test_direct(void)
{
    const conn k = { "192.0.2.10", "mail.example.com", "alice@example.com", NULL, 0 };
    char *text = dkim_sign(author_signer, message("From: Alice <alice@example.com>\r\n"));
    ma_job *j = authenticate(&k, text);
    char *field = NULL, *results = NULL;
    const ma_job *iprev;

    ok(j != NULL, "direct: the job finishes");
    is_str(verdicts(j), "pass pass pass none pass", "direct: everything passes (no ARC set)");
    ok(ma_auth_job_problem(j, MA_AUTH_IPREV)[0] == '\0' && ma_auth_job_problem(j, MA_AUTH_SPF)[0] == '\0' &&
           ma_auth_job_problem(j, MA_AUTH_DKIM)[0] == '\0' && ma_auth_job_problem(j, MA_AUTH_DMARC)[0] == '\0',
       "direct: no problem for a pass");
    iprev = ma_auth_job_check(j, MA_AUTH_IPREV);
    ok(iprev != NULL && ma_iprev_job_name_count(iprev) == 1 &&
           strcmp(ma_iprev_job_name(iprev, 0), "mail.example.com") == 0,
       "direct: iprev verified mail.example.com");
    is_int(ma_iprev_job_helo(iprev, MA_HELO_RESOLVES), MA_HELO_PASS, "direct: the HELO name resolves to the client");
    is_int(ma_dkim_job_count(ma_auth_job_check(j, MA_AUTH_DKIM)), 1, "direct: one signature");
    is_str(ma_dmarc_job_dkim_aligned(ma_auth_job_check(j, MA_AUTH_DMARC)), "example.com",
           "direct: DKIM aligned");
    is_int(ma_auth_job_authres(j, &field), MA_OK, "direct: the field is written");
    ok(has(field, "Authentication-Results: mx.example.org;\r\n\tiprev=pass policy.iprev=192.0.2.10;"),
       "direct: authserv-id, then iprev with the client address");
    ok(has(field, "spf=pass smtp.mailfrom=alice@example.com;"), "direct: spf resinfo");
    ok(has(field, "dkim=pass header.d=example.com") && has(field, "header.s=sel") &&
           has(field, "header.a=ed25519-sha256") && has(field, "header.b="),
       "direct: dkim resinfo with header.d, .s, .a and .b");
    ok(has(field, "arc=none;"), "direct: arc=none");
    ok(has(field, "dmarc=pass") && has(field, "header.from=example.com"), "direct: dmarc resinfo");
    check_field(field, 5, "direct");
    is_int(ma_auth_job_results(j, &results), MA_OK, "direct: the results line");
    ok(results != NULL && strncmp(results, "iprev=pass", 10) == 0 && !has(results, "\r\n") &&
           has(results, "; spf=pass") && has(results, "; dmarc=pass"),
       "direct: one line, results joined by '; ' (for an AAR)");
    ma_free(c, field);
    ma_free(c, results);
    ma_job_free(j);
    free(text);
}

static void test_forwarded(void)
{
    const conn k = { "198.51.100.5", "fwd.example.net", "alice@example.com", NULL, 0 };
    char *text = dkim_sign(author_signer, message("From: Alice <alice@example.com>\r\n"));
    ma_job *j = authenticate(&k, text);

    is_str(verdicts(j), "pass fail pass none pass", "forwarded: SPF fails, DKIM carries DMARC");
    is_str(ma_dmarc_job_spf_aligned(ma_auth_job_check(j, MA_AUTH_DMARC)), "",
           "forwarded: SPF did not align");
    is_str(ma_auth_job_problem(j, MA_AUTH_SPF), "-all of example.com matched",
           "forwarded: the SPF problem names the mechanism that matched");
    is_str(ma_auth_job_problem(j, MA_AUTH_DKIM), "", "forwarded: no DKIM problem for a pass");
    ma_job_free(j);
    free(text);
}

static void test_list(void)
{
    static const char *const trusted[] = { "lists.example.org" };
    const conn k = { "203.0.113.7", "mx.lists.example.org", "list-bounces@lists.example.org",
                     trusted, 1 };
    const conn untrusting = { "203.0.113.7", "mx.lists.example.org",
                              "list-bounces@lists.example.org", NULL, 0 };
    char *text = dkim_sign(author_signer, message("From: Alice <alice@example.com>\r\n"));
    char *s, *field = NULL;
    const ma_job *dmarc;
    ma_job *j;

    /* The list tags the subject, then seals what it sends. */
    text = realloc(text, strlen(text) + 8);
    s = strstr(text, "Subject: ");
    memmove(s + 16, s + 9, strlen(s + 9) + 1);
    memcpy(s + 9, "[team] ", 7);
    text = arc_seal(list_signer, text,
                    "spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; "
                    "dmarc=pass header.from=example.com");
    j = authenticate(&k, text);
    is_str(verdicts(j), "pass pass fail pass fail", "list: DKIM broken, ARC passes, DMARC fails");
    dmarc = ma_auth_job_check(j, MA_AUTH_DMARC);
    is_int(ma_dmarc_job_disposition(dmarc), MA_DMARC_DISP_NONE,
           "list: the trusted sealer's chain overrides reject");
    is_int(ma_dmarc_job_override(dmarc), MA_DMARC_OVERRIDE_TRUSTED_FORWARDER,
           "list: the override is recorded");
    ok(strncmp(ma_auth_job_problem(j, MA_AUTH_DKIM), "d=example.com: ", 15) == 0 &&
           strstr(ma_auth_job_problem(j, MA_AUTH_DKIM), "signature") != NULL,
       "list: the DKIM problem names the signature and why (the Subject changed)");
    ma_auth_job_authres(j, &field);
    ok(has(field, "arc=pass header.oldest-pass=0 smtp.remote-ip=203.0.113.7"),
       "list: arc resinfo with oldest-pass and remote-ip");
    ma_job_free(j);
    {
        /* The same client given as an IPv4-mapped address: written as IPv4. */
        const conn mapped = { "::ffff:203.0.113.7", "mx.lists.example.org",
                              "list-bounces@lists.example.org", trusted, 1 };
        char *f2 = NULL;
        j = authenticate(&mapped, text);
        ma_auth_job_authres(j, &f2);
        ok(has(f2, "smtp.remote-ip=203.0.113.7;"), "list: an IPv4-mapped remote-ip is written as IPv4");
        ma_free(c, f2);
    }
    check_field(field, 5, "list");
    ma_free(c, field);
    ma_job_free(j);

    j = authenticate(&untrusting, text);
    is_int(ma_dmarc_job_disposition(ma_auth_job_check(j, MA_AUTH_DMARC)), MA_DMARC_DISP_REJECT,
           "list: without trusting the sealer, reject");
    ma_job_free(j);
    free(text);
}

static void test_spoofed(void)
{
    const conn k = { "203.0.113.99", "mail.example.com", "attacker@evil.example", NULL, 0 };
    char *text = message("From: CEO <ceo@example.com>\r\n");
    ma_job *j = authenticate(&k, text);

    is_str(verdicts(j), "fail pass none none fail",
           "spoofed From: iprev fails (PTR does not point back), SPF passes for evil.example, DMARC fails");
    is_int(ma_dmarc_job_disposition(ma_auth_job_check(j, MA_AUTH_DMARC)), MA_DMARC_DISP_REJECT,
           "spoofed From: reject");
    is_int(ma_iprev_job_helo(ma_auth_job_check(j, MA_AUTH_IPREV), MA_HELO_RESOLVES), MA_HELO_FAIL,
           "spoofed From: the HELO name does not resolve to the client");
    ma_job_free(j);
    free(text);
}

static void test_two_from(void)
{
    const conn k = { "192.0.2.10", "mail.example.com", "alice@example.com", NULL, 0 };
    char *text = dkim_sign(author_signer,
                           message("From: Alice <alice@example.com>\r\nFrom: Mallory <m@evil.example>\r\n"));
    ma_job *j = authenticate(&k, text);
    const ma_job *dmarc = ma_auth_job_check(j, MA_AUTH_DMARC);

    is_str(verdict(j, MA_AUTH_DMARC), "fail", "two From fields: DMARC fails");
    is_int(ma_dmarc_job_reason(dmarc), MA_DMARC_R_FROM_MULTIPLE, "two From fields: the reason");
    is_int(ma_dmarc_job_disposition(dmarc), MA_DMARC_DISP_REJECT, "two From fields: reject");
    ma_job_free(j);
    free(text);
}

static void test_nothing(void)
{
    const conn k = { "192.0.2.200", "plain.example", "bob@plain.example", NULL, 0 };
    char *text = message("From: Bob <bob@plain.example>\r\n");
    ma_job *j = authenticate(&k, text);
    char *field = NULL;

    is_str(verdicts(j), "permerror none none none none",
           "no authentication: iprev permerror (no PTR), the rest none");
    ok(has(ma_auth_job_problem(j, MA_AUTH_IPREV), "PTR") || ma_auth_job_problem(j, MA_AUTH_IPREV)[0] != '\0',
       "no authentication: iprev says why");
    ma_auth_job_authres(j, &field);
    ok(has(field, "dkim=none") && has(field, "dmarc=none"), "no authentication: written as none");
    check_field(field, 5, "nothing");
    ma_free(c, field);
    ma_job_free(j);
    free(text);
}

static void test_dns_failing(void)
{
    const conn k = { "192.0.2.10", "mail.example.com", "carol@flaky.example", NULL, 0 };
    char *text = dkim_sign(flaky_signer, message("From: Carol <carol@flaky.example>\r\n"));
    ma_job *j = authenticate(&k, text);
    char *field = NULL;

    ok(j != NULL, "DNS failing half-way: the job still finishes");
    is_str(verdicts(j), "pass pass temperror none temperror",
           "DNS failing half-way: key and policy lookups temperror, the rest stands");
    ok(ma_auth_job_problem(j, MA_AUTH_DMARC)[0] != '\0', "DNS failing half-way: DMARC says what failed");
    is_int(ma_dkim_job_reason(ma_auth_job_check(j, MA_AUTH_DKIM), 0), MA_DKIM_R_KEY_DNS,
           "DNS failing half-way: the key lookup is what failed");
    ma_auth_job_authres(j, &field);
    ok(has(field, "dkim=temperror") && has(field, "dmarc=temperror"), "DNS failing half-way: written");
    ma_free(c, field);
    ma_job_free(j);
    free(text);
}

/* Whether the outstanding questions include name/type. */
static int asks(ma_job *j, const char *name, ma_dns_type type)
{
    const ma_dns_question *const *qs;
    size_t n, i;
    if (ma_job_questions(j, &qs, &n) != MA_OK)
        return 0;
    for (i = 0; i < n; i++)
        if (strcmp(ma_dns_question_name(qs[i]), name) == 0 && ma_dns_question_type(qs[i]) == type)
            return 1;
    return 0;
}

/* Answer every outstanding question through the resolver. */
static void answer_all(ma_job *j)
{
    const ma_dns_question *const *qs;
    size_t n, i;
    uint32_t ids[64];
    char names[64][256];
    ma_dns_type types[64];
    ma_job_questions(j, &qs, &n);
    if (n > 64)
        n = 64;
    for (i = 0; i < n; i++) {
        ids[i] = ma_dns_question_id(qs[i]);
        snprintf(names[i], sizeof names[i], "%s", ma_dns_question_name(qs[i]));
        types[i] = ma_dns_question_type(qs[i]);
    }
    for (i = 0; i < n; i++) {
        ma_dns_answer *a = NULL;
        if (ma_resolver_resolve(r, names[i], types[i], &a) == MA_OK)
            ma_job_answer(j, ids[i], a);
        ma_dns_answer_free(a);
    }
}

/* Driven by hand, as an event loop would: which questions come when. */
static void test_by_hand(void)
{
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    char *text = dkim_sign(author_signer, message("From: Alice <alice@example.com>\r\n"));
    const char *body = strstr(text, "\r\n\r\n") + 4;
    int rc, rounds = 0;

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = "192.0.2.10";
    p.helo = "mail.example.com";
    p.mail_from = "<alice@example.com>";
    p.authserv_id = "mx.example.org";
    is_int(ma_auth_job_new(&j, c, &p), MA_OK, "by hand: job");
    ma_msg_new(&m, c);
    is_int(ma_auth_job_attach(j, m), MA_OK, "by hand: attached");
    is_int(ma_job_step(j), MA_JOB_NEED_DNS, "by hand: first step asks");
    ok(asks(j, "10.2.0.192.in-addr.arpa", MA_DNS_PTR), "by hand: iprev's PTR question at once");
    ok(asks(j, "example.com", MA_DNS_TXT), "by hand: SPF's record question at once (brackets dropped)");
    ok(asks(j, "mail.example.com", MA_DNS_A), "by hand: the HELO name's address at once");
    ok(!asks(j, "_dmarc.example.com", MA_DNS_TXT), "by hand: no DMARC question before the header");

    /* The header only: keys and policy are asked before the body comes. */
    ma_msg_write(m, text, (size_t)(body - text));
    rc = ma_job_step(j);
    ok(rc == MA_JOB_NEED_DNS, "by hand: after the header, more questions");
    ok(asks(j, "sel._domainkey.example.com", MA_DNS_TXT), "by hand: the DKIM key at the end of the header");
    ok(asks(j, "_dmarc.example.com", MA_DNS_TXT), "by hand: the DMARC policy at the end of the header");
    ok(!ma_msg_header_done(m) || ma_msg_body_length(m) == 0, "by hand: no body byte seen yet");

    /* Answer what is out; the job then waits for the body. */
    for (rc = MA_JOB_NEED_DNS; rc == MA_JOB_NEED_DNS && rounds < 20; rounds++) {
        answer_all(j);
        rc = ma_job_step(j);
    }
    is_int(rc, MA_JOB_NEED_INPUT, "by hand: every answer in, the job waits for the body");
    ma_msg_write(m, body, strlen(body));
    ma_msg_finish(m);
    for (rc = ma_job_step(j); rc == MA_JOB_NEED_DNS && rounds < 40; rounds++) {
        answer_all(j);
        rc = ma_job_step(j);
    }
    is_int(rc, MA_JOB_DONE, "by hand: done after the body");
    is_str(verdicts(j), "pass pass pass none pass", "by hand: the same verdicts as run synchronously");
    ma_job_free(j);
    ma_msg_free(m);
    free(text);
}

/* Without a message: iprev and SPF only, the rest none. */
static void test_no_message(void)
{
    ma_auth_params p;
    ma_job *j = NULL;
    char *field = NULL;

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = "192.0.2.10";
    p.helo = "mail.example.com";
    p.mail_from = "";
    p.authserv_id = "mx.example.org";
    ma_auth_job_new(&j, c, &p);
    is_int(ma_job_run(j, r), MA_JOB_DONE, "no message: done with iprev and SPF");
    is_str(verdicts(j), "pass none none none none",
           "no message: null sender, HELO mail.example.com has no SPF record: none");
    ma_auth_job_authres(j, &field);
    ok(has(field, "spf=none smtp.helo=mail.example.com") && !has(field, "dkim="),
       "no message: SPF checked the HELO identity; checks not run are not written");
    check_field(field, 2, "no message");
    ma_free(c, field);
    ma_job_free(j);
}

/* A message the reader refuses still gets verdicts and a field. */
static void test_refused_message(void)
{
    const conn k = { "::ffff:192.0.2.10", "mail.example.com", "alice@example.com", NULL, 0 };
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    char *field = NULL;
    static const char bad[] = "From: a@example.com\r\nno colon on this line\r\n\r\nbody\r\n";

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = k.ip;
    p.helo = k.helo;
    p.mail_from = k.mail_from;
    p.authserv_id = "mx.example.org";
    ma_auth_job_new(&j, c, &p);
    ma_msg_new(&m, c);
    ma_auth_job_attach(j, m);
    ok(ma_msg_write(m, bad, sizeof bad - 1) != MA_OK, "refused message: the reader refuses it");
    is_int(ma_job_run(j, r), MA_JOB_DONE, "refused message: the job still finishes");
    is_str(verdicts(j), "pass pass permerror permerror permerror",
           "refused message: iprev and SPF stand, the message checks are permerror");
    ok(has(ma_auth_job_problem(j, MA_AUTH_DKIM), "the message was refused: "),
       "refused message: the problem gives the reader's reason");
    ma_auth_job_authres(j, &field);
    ok(has(field, "dkim=permerror;") && has(field, "dmarc=permerror"), "refused message: written");
    ok(has(field, "policy.iprev=192.0.2.10;"), "an IPv4-mapped client is written as IPv4");
    ma_free(c, field);
    ma_job_free(j);
    ma_msg_free(m);
}

static void test_api(void)
{
    ma_auth_params p;
    ma_job *j = NULL, *spf = NULL;
    ma_msg *m = NULL;
    char *out = NULL;

    is_int(ma_auth_params_init(NULL, MA_AUTH_PARAMS_VERSION), MA_EINVAL, "params_init(NULL)");
    is_int(ma_auth_params_init(&p, 99), MA_EVERSION, "params_init: unknown version");
    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.authserv_id = "mx.example.org";
    is_int(ma_auth_job_new(&j, c, &p), MA_EINVAL, "no ip");
    ok(j == NULL, "no job on error");
    p.ip = "192.0.2.300";
    is_int(ma_auth_job_new(&j, c, &p), MA_EINVAL, "bad ip");
    p.ip = "192.0.2.1";
    p.authserv_id = "mx example";
    is_int(ma_auth_job_new(&j, c, &p), MA_EINVAL, "authserv-id with a space");
    p.authserv_id = "mx.example.org;dkim=pass";
    is_int(ma_auth_job_new(&j, c, &p), MA_EINVAL, "authserv-id that would inject a result");
    p.authserv_id = "mx.example.org";
    p.ntrusted_sealers = 1;
    is_int(ma_auth_job_new(&j, c, &p), MA_EINVAL, "sealer count without sealers");
    p.ntrusted_sealers = 0;
    p.version = 7;
    is_int(ma_auth_job_new(&j, c, &p), MA_EVERSION, "unknown params version");
    p.version = MA_AUTH_PARAMS_VERSION;
    is_int(ma_auth_job_new(NULL, c, &p), MA_EINVAL, "NULL out");
    is_int(ma_auth_job_new(&j, NULL, &p), MA_EINVAL, "NULL ctx");
    is_int(ma_auth_job_new(&j, c, &p), MA_OK, "valid params");
    ma_msg_new(&m, c);
    is_int(ma_auth_job_attach(j, NULL), MA_EINVAL, "attach NULL msg");
    is_int(ma_auth_job_attach(j, m), MA_OK, "attach");
    is_int(ma_auth_job_attach(j, m), MA_ESTATE, "attach twice");
    is_int(ma_auth_job_authres(j, &out), MA_ESTATE, "authres before done");
    ok(out == NULL, "no field before done");
    ok(ma_auth_job_verdict(j, MA_AUTH_SPF) == NULL, "no verdict before done");
    ok(ma_auth_job_verdict(j, 9) == NULL, "unknown check");
    ok(ma_auth_job_check(j, -1) == NULL, "check out of range");
    is_str(ma_auth_check_name(MA_AUTH_ARC), "arc", "check name");
    ok(ma_auth_check_name(5) == NULL, "unknown check name");
    ma_spf_params sp;
    ma_spf_params_init(&sp, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&sp.ip, "192.0.2.1", 9);
    sp.helo = "x.example";
    ma_spf_job_new(&spf, c, &sp);
    is_int(ma_auth_job_attach(spf, m), MA_EINVAL, "attach on another kind of job");
    is_int(ma_auth_job_authres(spf, &out), MA_EINVAL, "authres of another kind of job");
    ok(ma_auth_job_verdict(spf, MA_AUTH_SPF) == NULL, "verdict of another kind of job");
    is_str(ma_auth_job_problem(spf, MA_AUTH_SPF), "", "problem of another kind of job");
    ma_job_free(spf);
    ma_job_free(j);
    ma_msg_free(m);

    /* A message already written cannot be attached. */
    ma_auth_job_new(&j, c, &p);
    ma_msg_new(&m, c);
    ma_msg_write(m, "From: a@example.com\r\n", 21);
    is_int(ma_auth_job_attach(j, m), MA_ESTATE, "attach after the message started");
    ma_job_free(j);
    ma_msg_free(m);
}

int main(void)
{
    ma_ctx_opts o;
    ma_dkim_sign_opts so;
    char *rec = NULL;

    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    ma_ctx_new(&c, &o);
    ma_static_zone_new(&z, c);
    if (ma_static_zone_load(z, zone_text, strlen(zone_text), NULL) != MA_OK) {
        printf("Bail out! zone: %s\n", ma_static_zone_error(z));
        return 1;
    }
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "example.com";
    so.selector = "sel";
    ma_dkim_signer_new(&author_signer, c, &so, seed_b64, strlen(seed_b64));
    so.domain = "flaky.example";
    ma_dkim_signer_new(&flaky_signer, c, &so, seed_b64, strlen(seed_b64));
    so.domain = "lists.example.org";
    so.selector = "arc";
    ma_dkim_signer_new(&list_signer, c, &so, seed_b64, strlen(seed_b64));
    ma_dkim_signer_key_record(author_signer, &rec);
    ma_static_zone_add_txt(z, "sel._domainkey.example.com", rec, strlen(rec), 300);
    ma_static_zone_add_txt(z, "arc._domainkey.lists.example.org", rec, strlen(rec), 300);
    ma_free(c, rec);
    ma_resolver_static_new(&r, c, z);

    test_direct();
    test_forwarded();
    test_list();
    test_spoofed();
    test_two_from();
    test_nothing();
    test_dns_failing();
    test_by_hand();
    test_no_message();
    test_refused_message();
    test_api();

    ma_dkim_signer_free(author_signer);
    ma_dkim_signer_free(flaky_signer);
    ma_dkim_signer_free(list_signer);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(c);
    return tap_done();
}
