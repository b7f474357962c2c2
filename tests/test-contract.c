/*
 * The API contract, through the shared library: every exported function
 * is called with NULL for each pointer argument (one at a time and all at
 * once), zero and SIZE_MAX sizes and indexes, out-of-range enum values and,
 * where it takes a job, with jobs of every other kind.  Each must return
 * an error status, or the "none" value its doc comment gives (NULL, "" or
 * 0), and allocate nothing it does not free: every call on the error path
 * is made on a context whose allocator counts live blocks, and the count
 * must be the same after the call as before (the CVE-2024-25768 class:
 * a NULL or foreign object given to an accessor).
 *
 * Where a header leaves the answer open (whether an out pointer may be
 * NULL, what a getter gives for NULL when it documents no none value) the
 * check accepts the reasonable answers and says so in its text; the values
 * expected for NULL of undocumented getters are the ones their neighbours
 * document ("" for borrowed strings, 0 for counts).
 *
 * An attach that fails part-way must leave the caller's message reader
 * usable: those checks run in child processes on a poisoning allocator, so
 * a call into a freed job fails the check instead of this program.
 *
 * That none is forgotten is checked at run time: the names in
 * src/libmailauth.map (read from $MA_SRCDIR/../src) are compared with the
 * table below, and every table entry must have been called.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mailauth/mailauth.h>

#include "alloc.h"
#include "tap.h"

/* ------------------------------------------------------ the coverage table */

typedef struct fn_entry {
    const char *name;
    int hits;      /* calls made through T() */
    int in_map;    /* listed in src/libmailauth.map */
} fn_entry;

/* Every function this test exercises; must equal the map's list. */
static fn_entry fns[] = {
    {"ma_arc_job_ams_result", 0, 0},     {"ma_arc_job_as_result", 0, 0},
    {"ma_arc_job_attach", 0, 0},         {"ma_arc_job_count", 0, 0},
    {"ma_arc_job_fail_instance", 0, 0},  {"ma_arc_job_new", 0, 0},
    {"ma_arc_job_oldest_pass", 0, 0},    {"ma_arc_job_problem", 0, 0},
    {"ma_arc_job_result", 0, 0},         {"ma_arc_job_seal_selector", 0, 0},
    {"ma_arc_job_sealer", 0, 0},         {"ma_arc_result_name", 0, 0},
    {"ma_arc_seal_attach", 0, 0},        {"ma_arc_seal_fields", 0, 0},
    {"ma_arc_seal_free", 0, 0},          {"ma_arc_seal_new", 0, 0},
    {"ma_auth_check_name", 0, 0},        {"ma_auth_job_attach", 0, 0},
    {"ma_auth_job_authres", 0, 0},       {"ma_auth_job_check", 0, 0},
    {"ma_auth_job_new", 0, 0},           {"ma_auth_job_problem", 0, 0},
    {"ma_auth_job_results", 0, 0},       {"ma_auth_job_verdict", 0, 0},
    {"ma_auth_params_init", 0, 0},       {"ma_authres_add", 0, 0},
    {"ma_authres_add_prop", 0, 0},       {"ma_authres_authserv_id", 0, 0},
    {"ma_authres_count", 0, 0},          {"ma_authres_forged", 0, 0},
    {"ma_authres_free", 0, 0},
    {"ma_authres_list_count", 0, 0},     {"ma_authres_list_field", 0, 0},
    {"ma_authres_list_free", 0, 0},      {"ma_authres_list_get", 0, 0},
    {"ma_authres_list_malformed", 0, 0}, {"ma_authres_method", 0, 0},
    {"ma_authres_method_version", 0, 0}, {"ma_authres_new", 0, 0},
    {"ma_authres_parse", 0, 0},          {"ma_authres_prop", 0, 0},
    {"ma_authres_prop_count", 0, 0},     {"ma_authres_reason", 0, 0},
    {"ma_authres_result", 0, 0},         {"ma_authres_select", 0, 0},
    {"ma_authres_select_text", 0, 0},    {"ma_authres_version", 0, 0},
    {"ma_authres_write", 0, 0},          {"ma_ctx_free", 0, 0},
    {"ma_ctx_limit", 0, 0},              {"ma_ctx_new", 0, 0},
    {"ma_ctx_now_ms", 0, 0},             {"ma_ctx_opts_init", 0, 0},
    {"ma_ctx_set_limit", 0, 0},          {"ma_dkim_alg_name", 0, 0},
    {"ma_dkim_job_algorithm", 0, 0},     {"ma_dkim_job_attach", 0, 0},
    {"ma_dkim_job_b_prefix", 0, 0},      {"ma_dkim_job_count", 0, 0},
    {"ma_dkim_job_covers_from", 0, 0},   {"ma_dkim_job_domain", 0, 0},
    {"ma_dkim_job_identity", 0, 0},      {"ma_dkim_job_key_bits", 0, 0},
    {"ma_dkim_job_new", 0, 0},           {"ma_dkim_job_problem", 0, 0},
    {"ma_dkim_job_reason", 0, 0},        {"ma_dkim_job_result", 0, 0},
    {"ma_dkim_job_selector", 0, 0},      {"ma_dkim_job_testing", 0, 0},
    {"ma_dkim_job_unsigned_bytes", 0, 0}, {"ma_dkim_job_unsigned_extra", 0, 0},
    {"ma_dkim_keygen", 0, 0},            {"ma_dkim_reason_name", 0, 0},
    {"ma_dkim_result_is_temp", 0, 0},    {"ma_dkim_result_name", 0, 0},
    {"ma_dkim_sign_add", 0, 0},          {"ma_dkim_sign_attach", 0, 0},
    {"ma_dkim_sign_field", 0, 0},        {"ma_dkim_sign_free", 0, 0},
    {"ma_dkim_sign_new", 0, 0},          {"ma_dkim_sign_opts_init", 0, 0},
    {"ma_dkim_signer_free", 0, 0},       {"ma_dkim_signer_key_record", 0, 0},
    {"ma_dkim_signer_new", 0, 0},        {"ma_dkim_signer_new_external", 0, 0},
    {"ma_dkim_verify_opts_init", 0, 0},
    {"ma_dmarc_disposition_name", 0, 0}, {"ma_dmarc_job_add_dkim", 0, 0},
    {"ma_dmarc_job_add_dkim_job", 0, 0}, {"ma_dmarc_job_add_spf", 0, 0},
    {"ma_dmarc_job_attach", 0, 0},       {"ma_dmarc_job_author_domain", 0, 0},
    {"ma_dmarc_job_authres", 0, 0},      {"ma_dmarc_job_disposition", 0, 0},
    {"ma_dmarc_job_dkim_aligned", 0, 0}, {"ma_dmarc_job_new", 0, 0},
    {"ma_dmarc_job_org_domain", 0, 0},   {"ma_dmarc_job_override", 0, 0},
    {"ma_dmarc_job_policy", 0, 0},       {"ma_dmarc_job_policy_domain", 0, 0},
    {"ma_dmarc_job_policy_tag", 0, 0},   {"ma_dmarc_job_problem", 0, 0},
    {"ma_dmarc_job_reason", 0, 0},       {"ma_dmarc_job_report_row", 0, 0},
    {"ma_dmarc_job_result", 0, 0},       {"ma_dmarc_job_set_arc", 0, 0},
    {"ma_dmarc_job_set_author", 0, 0},   {"ma_dmarc_job_spf_aligned", 0, 0},
    {"ma_dmarc_opts_init", 0, 0},        {"ma_dmarc_override_name", 0, 0},
    {"ma_dmarc_policy_name", 0, 0},      {"ma_dmarc_reason_name", 0, 0},
    {"ma_dmarc_record_effective", 0, 0}, {"ma_dmarc_result_name", 0, 0},
    {"ma_dns_answer_add_addr", 0, 0},    {"ma_dns_answer_add_mx", 0, 0},
    {"ma_dns_answer_add_ptr", 0, 0},     {"ma_dns_answer_add_txt", 0, 0},
    {"ma_dns_answer_add_txt_parts", 0, 0}, {"ma_dns_answer_addr", 0, 0},
    {"ma_dns_answer_count", 0, 0},       {"ma_dns_answer_free", 0, 0},
    {"ma_dns_answer_from_wire", 0, 0},   {"ma_dns_answer_mx", 0, 0},
    {"ma_dns_answer_new", 0, 0},         {"ma_dns_answer_ptr", 0, 0},
    {"ma_dns_answer_rcode", 0, 0},       {"ma_dns_answer_ref", 0, 0},
    {"ma_dns_answer_set_ttl", 0, 0},     {"ma_dns_answer_ttl", 0, 0},
    {"ma_dns_answer_txt", 0, 0},         {"ma_dns_answer_type", 0, 0},
    {"ma_dns_question_id", 0, 0},        {"ma_dns_question_name", 0, 0},
    {"ma_dns_question_type", 0, 0},      {"ma_dns_rcode_name", 0, 0},
    {"ma_dns_type_name", 0, 0},          {"ma_dns_type_parse", 0, 0},
    {"ma_domain_equal", 0, 0},           {"ma_domain_is_within", 0, 0},
    {"ma_domain_normalize", 0, 0},       {"ma_free", 0, 0},
    {"ma_helo_check_name", 0, 0},        {"ma_helo_result_name", 0, 0},
    {"ma_ip_equal", 0, 0},               {"ma_ip_format", 0, 0},
    {"ma_ip_in_network", 0, 0},          {"ma_ip_parse", 0, 0},
    {"ma_ip_reverse_name", 0, 0},        {"ma_ip_unmap_v4", 0, 0},
    {"ma_iprev_authres", 0, 0},          {"ma_iprev_job_helo", 0, 0},
    {"ma_iprev_job_name", 0, 0},         {"ma_iprev_job_name_count", 0, 0},
    {"ma_iprev_job_new", 0, 0},          {"ma_iprev_job_problem", 0, 0},
    {"ma_iprev_job_result", 0, 0},       {"ma_iprev_params_init", 0, 0},
    {"ma_iprev_result_name", 0, 0},      {"ma_job_answer", 0, 0},
    {"ma_job_error", 0, 0},              {"ma_job_free", 0, 0},
    {"ma_job_questions", 0, 0},          {"ma_job_run", 0, 0},
    {"ma_job_step", 0, 0},               {"ma_ldns_opts_init", 0, 0},
    {"ma_limit_default", 0, 0},          {"ma_limit_name", 0, 0},
    {"ma_lookup_job_add", 0, 0},         {"ma_lookup_job_new", 0, 0},
    {"ma_lookup_job_result", 0, 0},      {"ma_malloc", 0, 0},
    {"ma_msg_add_body_consumer", 0, 0},  {"ma_msg_body_length", 0, 0},
    {"ma_msg_error", 0, 0},              {"ma_msg_error_offset", 0, 0},
    {"ma_msg_field", 0, 0},              {"ma_msg_field_count", 0, 0},
    {"ma_msg_field_raw", 0, 0},          {"ma_msg_field_unfolded", 0, 0},
    {"ma_msg_find", 0, 0},               {"ma_msg_finish", 0, 0},
    {"ma_msg_free", 0, 0},               {"ma_msg_header_done", 0, 0},
    {"ma_msg_input_length", 0, 0},       {"ma_msg_new", 0, 0},
    {"ma_msg_on_header", 0, 0},          {"ma_msg_write", 0, 0},
    {"ma_psl_free", 0, 0},               {"ma_psl_new", 0, 0},
    {"ma_psl_org_domain", 0, 0},         {"ma_resolver_cache_new", 0, 0},
    {"ma_resolver_cache_stats", 0, 0},   {"ma_resolver_free", 0, 0},
    {"ma_resolver_ldns_new", 0, 0},      {"ma_resolver_new", 0, 0},
    {"ma_resolver_resolve", 0, 0},       {"ma_resolver_static_new", 0, 0},
    {"ma_spf_authres", 0, 0},            {"ma_spf_job_domain", 0, 0},
    {"ma_spf_job_explanation", 0, 0},    {"ma_spf_job_identity", 0, 0},
    {"ma_spf_job_lookups", 0, 0},        {"ma_spf_job_mechanism", 0, 0},
    {"ma_spf_job_new", 0, 0},            {"ma_spf_job_problem", 0, 0},
    {"ma_spf_job_result", 0, 0},         {"ma_spf_job_void_lookups", 0, 0},
    {"ma_spf_params_init", 0, 0},        {"ma_spf_received_spf", 0, 0},
    {"ma_spf_result_is_temp", 0, 0},     {"ma_spf_result_name", 0, 0},
    {"ma_static_zone_add_addr", 0, 0},   {"ma_static_zone_add_cname", 0, 0},
    {"ma_static_zone_add_mx", 0, 0},     {"ma_static_zone_add_ptr", 0, 0},
    {"ma_static_zone_add_servfail", 0, 0}, {"ma_static_zone_add_timeout", 0, 0},
    {"ma_static_zone_add_txt", 0, 0},    {"ma_static_zone_error", 0, 0},
    {"ma_static_zone_free", 0, 0},       {"ma_static_zone_load", 0, 0},
    {"ma_static_zone_load_file", 0, 0},  {"ma_static_zone_new", 0, 0},
    {"ma_status_name", 0, 0},            {"ma_status_str", 0, 0},
    {"ma_version", 0, 0},                {"ma_version_number", 0, 0},
};
#define NFNS (sizeof fns / sizeof fns[0])

static const char *unknown_cover; /* a T() name missing from the table */

static fn_entry *find_fn(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < NFNS; i++)
        if (strlen(fns[i].name) == len && memcmp(fns[i].name, name, len) == 0)
            return &fns[i];
    return NULL;
}

static void cover(const char *name)
{
    fn_entry *e = find_fn(name, strlen(name));
    if (e != NULL)
        e->hits++;
    else if (unknown_cover == NULL)
        unknown_cover = name;
}

/* T(fn)(args): call fn and record that it was exercised. */
#define T(fn) (cover(#fn), fn)

/* ------------------------------------------------- checks with leak counts */

static ta_alloc st;   /* the allocator of c */
static ma_ctx *c;     /* every object of this test is made from it */

static void chk_int(long long got, long long want, long live0, const char *file, int line,
                    const char *what)
{
    int leak = st.live != live0;
    if (!tap_ok_at(got == want && !leak, file, line, what)) {
        if (got != want)
            printf("#   got %lld, want %lld\n", got, want);
        if (leak)
            printf("#   live blocks %ld before, %ld after\n", live0, st.live);
    }
}

static void chk_str(const char *got, const char *want, long live0, const char *file, int line,
                    const char *what)
{
    int leak = st.live != live0;
    int same = want == NULL ? got == NULL : got != NULL && strcmp(got, want) == 0;
    if (!tap_ok_at(same && !leak, file, line, what)) {
        if (!same)
            printf("#   got %s%s%s, want %s%s%s\n", got ? "\"" : "", got ? got : "NULL",
                   got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
        if (leak)
            printf("#   live blocks %ld before, %ld after\n", live0, st.live);
    }
}

/* An int-valued call (a status, or a getter's none value): its value, and
   no block allocated by it is left behind. */
#define ST(expr, want, what)                                                                     \
    do {                                                                                         \
        long l0_ = st.live;                                                                      \
        long long g_ = (long long)(expr);                                                        \
        chk_int(g_, (long long)(want), l0_, TAP_HERE, (what));                                   \
    } while (0)

/* A string-valued call; want NULL means the call must return NULL. */
#define STR(expr, want, what)                                                                    \
    do {                                                                                         \
        long l0_ = st.live;                                                                      \
        const char *g_ = (expr);                                                                 \
        chk_str(g_, (want), l0_, TAP_HERE, (what));                                              \
    } while (0)

/* A call whose status is checked, not its allocations: it makes an object,
   or fails on one that may keep what it grew (freed with it; the count at
   the end of the test catches a leak). */
#define RUN(expr, want, what) is_int((expr), (want), (what))

/* A call that must not crash and has nothing checkable (void functions). */
#define CALL(expr, what)                                                                         \
    do {                                                                                         \
        long l0_ = st.live;                                                                      \
        expr;                                                                                    \
        chk_int(0, 0, l0_, TAP_HERE, (what));                                                    \
    } while (0)

/* -------------------------------------------------------------- fixtures */

/* RFC 8032 7.1 TEST 1 secret key, as a seed (RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static const char msg_text[] =
    "From: Joe <joe@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: contract\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "Message-ID: <1@example.com>\r\n"
    "\r\n"
    "Hi.\r\n";

static const char zone_text[] =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@                         TXT \"v=spf1 ip4:192.0.2.1 include:inc.example.com -all\"\n"
    "inc                       TXT \"v=spf1 mx -all\"\n"
    "inc                       MX  10 mail\n"
    "_dmarc                    TXT \"v=DMARC1; p=reject\"\n"
    "mail                      A   192.0.2.1\n"
    "1.2.0.192.in-addr.arpa.   PTR mail.example.com.\n"
    "$TIMEOUT slow.example.com.\n";

static int64_t now_ms = INT64_C(1700000000000);

static int64_t clock_fn(void *payload)
{
    return *(const int64_t *)payload;
}

static ma_static_zone *z;
static ma_resolver *r;
static ma_dkim_signer *signer;
static char *signed_msg;   /* msg_text with an ARC set and a DKIM-Signature, malloc'd */

/* The kinds of job, one finished job of each. */
enum { K_LOOKUP, K_SPF, K_DKIM, K_DMARC, K_ARC, K_IPREV, K_AUTH, NK };
static const char *const kind_name[NK] = {"lookup", "spf", "dkim", "dmarc", "arc", "iprev", "auth"};
static ma_job *done_job[NK];
static ma_msg *done_msg[NK];   /* the messages read by them (kept to the end) */
static ma_job *fresh_job[NK];  /* never stepped */

/* A message reader holding text, finished. */
static ma_msg *read_msg(const char *text)
{
    ma_msg *m = NULL;
    if (ma_msg_new(&m, c) != MA_OK)
        return NULL;
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    return m;
}

static char *prepend(const char *fields, const char *text)
{
    char *out = malloc(strlen(fields) + 2 + strlen(text) + 1);
    if (out != NULL)
        sprintf(out, "%s\r\n%s", fields, text);
    return out;
}

/* DKIM-sign text, then ARC-seal the result; the new message or NULL. */
static char *sign_and_seal(const char *text)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    ma_arc_seal *s = NULL;
    ma_job *j = NULL;
    char *field = NULL, *t1 = NULL, *t2 = NULL;

    ma_msg_new(&m, c);
    ma_dkim_sign_new(&g, signer);
    ma_dkim_sign_attach(g, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    if (ma_dkim_sign_field(g, &field) == MA_OK)
        t1 = prepend(field, text);
    ma_free(c, field);
    field = NULL;
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    if (t1 == NULL)
        return NULL;

    m = NULL;
    ma_msg_new(&m, c);
    ma_arc_job_new(&j, c, NULL);
    ma_arc_job_attach(j, m);
    ma_arc_seal_new(&s, signer, "mx.example.org");
    ma_arc_seal_attach(s, m);
    ma_msg_write(m, t1, strlen(t1));
    ma_msg_finish(m);
    ma_job_run(j, r);
    if (ma_arc_seal_fields(s, j, "spf=pass smtp.mailfrom=example.com", &field) == MA_OK &&
        field != NULL)
        t2 = prepend(field, t1);
    ma_free(c, field);
    ma_arc_seal_free(s);
    ma_job_free(j);
    ma_msg_free(m);
    free(t1);
    return t2;
}

static ma_spf_params spf_params(void)
{
    ma_spf_params p = MA_SPF_PARAMS_INIT;
    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    p.sender = "joe@example.com";
    p.helo = "mail.example.com";
    return p;
}

static ma_iprev_params iprev_params(void)
{
    ma_iprev_params p = MA_IPREV_PARAMS_INIT;
    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    p.helo = "mail.example.com";
    p.flags = MA_IPREV_HELO_EXACT;
    return p;
}

static ma_auth_params auth_params(void)
{
    ma_auth_params p;
    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = "192.0.2.1";
    p.helo = "mail.example.com";
    p.mail_from = "joe@example.com";
    p.authserv_id = "mx.example.org";
    return p;
}

/* A job of kind k, attached to a new reader of signed_msg when it reads a
   message (the reader in *m), never stepped. */
static ma_job *make_job(int k, ma_msg **m)
{
    ma_job *j = NULL;
    *m = NULL;
    switch (k) {
    case K_LOOKUP:
        ma_lookup_job_new(&j, c);
        ma_lookup_job_add(j, "example.com", MA_DNS_TXT, NULL);
        break;
    case K_SPF: {
        ma_spf_params p = spf_params();
        ma_spf_job_new(&j, c, &p);
        break;
    }
    case K_DKIM:
        ma_dkim_job_new(&j, c, NULL);
        ma_msg_new(m, c);
        ma_dkim_job_attach(j, *m);
        break;
    case K_DMARC:
        ma_dmarc_job_new(&j, c, NULL);
        ma_msg_new(m, c);
        ma_dmarc_job_attach(j, *m);
        ma_dmarc_job_add_dkim(j, MA_DKIM_PASS, "example.com", 0);
        break;
    case K_ARC:
        ma_arc_job_new(&j, c, NULL);
        ma_msg_new(m, c);
        ma_arc_job_attach(j, *m);
        break;
    case K_IPREV: {
        ma_iprev_params p = iprev_params();
        ma_iprev_job_new(&j, c, &p);
        break;
    }
    case K_AUTH: {
        ma_auth_params p = auth_params();
        ma_auth_job_new(&j, c, &p);
        ma_msg_new(m, c);
        ma_auth_job_attach(j, *m);
        break;
    }
    }
    return j;
}

static int setup(void)
{
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    ma_dkim_sign_opts so = MA_DKIM_SIGN_OPTS_INIT;
    char *rec = NULL;
    int k;

    ta_init(&st);
    ta_hooks(&o, &st);
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    if (ma_ctx_new(&c, &o) != MA_OK)
        return 0;
    so.domain = "example.com";
    so.selector = "sel";
    if (ma_dkim_signer_new(&signer, c, &so, seed_b64, strlen(seed_b64)) != MA_OK ||
        ma_dkim_signer_key_record(signer, &rec) != MA_OK || ma_static_zone_new(&z, c) != MA_OK ||
        ma_static_zone_load(z, zone_text, strlen(zone_text), NULL) != MA_OK ||
        ma_static_zone_add_txt(z, "sel._domainkey.example.com", rec, strlen(rec), 300) != MA_OK ||
        ma_resolver_static_new(&r, c, z) != MA_OK)
        return 0;
    ma_free(c, rec);
    signed_msg = sign_and_seal(msg_text);
    if (signed_msg == NULL)
        return 0;
    for (k = 0; k < NK; k++) {
        ma_msg *m;
        done_job[k] = make_job(k, &done_msg[k]);
        if (done_job[k] == NULL)
            return 0;
        if (done_msg[k] != NULL) {
            ma_msg_write(done_msg[k], signed_msg, strlen(signed_msg));
            ma_msg_finish(done_msg[k]);
        }
        if (ma_job_run(done_job[k], r) != MA_JOB_DONE)
            return 0;
        fresh_job[k] = make_job(k, &m);
        ma_msg_free(m);   /* the fresh jobs are never stepped: they do not read it */
        if (fresh_job[k] == NULL)
            return 0;
    }
    return 1;
}

static void teardown(void)
{
    int k;
    for (k = 0; k < NK; k++) {
        ma_job_free(done_job[k]);
        ma_job_free(fresh_job[k]);
        ma_msg_free(done_msg[k]);
    }
    free(signed_msg);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_dkim_signer_free(signer);
}

/* The fixtures are what the foreign-kind checks need: each job done with
   the verdict it should have. */
static void test_fixtures(void)
{
    char *s = NULL;
    is_int(ma_spf_job_result(done_job[K_SPF]), MA_SPF_PASS, "fixture: SPF passes");
    is_int(ma_dkim_job_count(done_job[K_DKIM]), 1, "fixture: one DKIM signature");
    is_int(ma_dkim_job_result(done_job[K_DKIM], 0), MA_DKIM_PASS, "fixture: it passes");
    is_int(ma_dmarc_job_result(done_job[K_DMARC]), MA_DMARC_PASS, "fixture: DMARC passes");
    is_int(ma_arc_job_result(done_job[K_ARC]), MA_ARC_PASS, "fixture: the ARC chain passes");
    is_int(ma_iprev_job_result(done_job[K_IPREV]), MA_IPREV_PASS, "fixture: iprev passes");
    is_str(ma_auth_job_verdict(done_job[K_AUTH], MA_AUTH_DMARC), "pass",
           "fixture: the authenticator's DMARC passes");
    ok(ma_auth_job_authres(done_job[K_AUTH], &s) == MA_OK && s != NULL, "fixture: A-R written");
    ma_free(c, s);
}

/* ------------------------------------------------------------------ common */

static void test_common(void)
{
    ma_ctx_opts o;
    ma_ctx *x = (ma_ctx *)&o;
    char buf[64];
    unsigned long vn;

    STR(T(ma_status_str)(1), "unknown status", "status_str(1): unknown status");
    STR(T(ma_status_str)(MA_STATUS_MIN - 1), "unknown status", "status_str(MIN - 1)");
    STR(T(ma_status_str)(INT_MIN), "unknown status", "status_str(INT_MIN)");
    STR(T(ma_status_str)(INT_MAX), "unknown status", "status_str(INT_MAX)");
    ok(ma_status_str(MA_ENOMEM) != NULL && strcmp(ma_status_str(MA_ENOMEM), "unknown status") != 0,
       "status_str(MA_ENOMEM): a real text");
    STR(T(ma_status_name)(1), NULL, "status_name(1): NULL");
    STR(T(ma_status_name)(MA_STATUS_MIN - 1), NULL, "status_name(MIN - 1): NULL");
    STR(T(ma_status_name)(INT_MIN), NULL, "status_name(INT_MIN): NULL");
    STR(T(ma_status_name)(MA_EINTERNAL), "MA_EINTERNAL", "status_name(MA_EINTERNAL)");

    vn = T(ma_version_number)();
    snprintf(buf, sizeof buf, "%lu.%lu.%lu", vn >> 16, (vn >> 8) & 0xff, vn & 0xff);
    STR(T(ma_version)(), buf, "version string and number agree");

    ST(T(ma_ctx_opts_init)(NULL, MA_CTX_OPTS_VERSION), MA_EINVAL, "ctx_opts_init(NULL)");
    ST(ma_ctx_opts_init(&o, 0), MA_EVERSION, "ctx_opts_init: version 0");
    ST(ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION + 1), MA_EVERSION, "ctx_opts_init: version + 1");
    ST(ma_ctx_opts_init(&o, UINT_MAX), MA_EVERSION, "ctx_opts_init: version UINT_MAX");

    ST(T(ma_ctx_new)(NULL, NULL), MA_EINVAL, "ctx_new(NULL, NULL)");
    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    ST(ma_ctx_new(NULL, &o), MA_EINVAL, "ctx_new(NULL out)");
    o.version = 0;
    ST(ma_ctx_new(&x, &o), MA_EVERSION, "ctx_new: opts version 0");
    o.version = 99;
    ST(ma_ctx_new(&x, &o), MA_EVERSION, "ctx_new: opts version 99");
    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.malloc_fn = ta_malloc;
    ST(ma_ctx_new(&x, &o), MA_EINVAL, "ctx_new: only malloc_fn set");
    o.malloc_fn = NULL;
    o.free_fn = ta_free;
    ST(ma_ctx_new(&x, &o), MA_EINVAL, "ctx_new: only free_fn set");
    o.malloc_fn = ta_malloc;
    o.realloc_fn = NULL;
    ST(ma_ctx_new(&x, &o), MA_EINVAL, "ctx_new: realloc_fn missing");
    CALL(T(ma_ctx_free)(NULL), "ctx_free(NULL)");

    /* Limits, on a context of its own (they are set during setup only). */
    x = NULL;
    ST(ma_ctx_new(&x, NULL), MA_OK, "ctx_new(&x, NULL): defaults");
    ST(T(ma_ctx_set_limit)(NULL, MA_LIMIT_TAGS, 5), MA_EINVAL, "ctx_set_limit(NULL ctx)");
    ST(ma_ctx_set_limit(x, MA_LIMIT_COUNT, 5), MA_EINVAL, "ctx_set_limit: limit COUNT");
    ST(ma_ctx_set_limit(x, (ma_limit)-1, 5), MA_EINVAL, "ctx_set_limit: limit -1");
    ST(ma_ctx_set_limit(x, (ma_limit)INT_MAX, 5), MA_EINVAL, "ctx_set_limit: limit INT_MAX");
    ST(ma_ctx_set_limit(x, MA_LIMIT_TAGS, 0), MA_EINVAL, "ctx_set_limit: value 0");
    ST(ma_ctx_set_limit(x, MA_LIMIT_TAGS, UINT64_MAX), MA_OK, "ctx_set_limit: UINT64_MAX is a value");
    ST(T(ma_ctx_limit)(x, MA_LIMIT_TAGS), UINT64_MAX, "ctx_limit reads it back");
    ST(ma_ctx_limit(NULL, MA_LIMIT_TAGS), 0, "ctx_limit(NULL ctx): 0");
    ST(ma_ctx_limit(x, MA_LIMIT_COUNT), 0, "ctx_limit: limit COUNT: 0");
    ST(ma_ctx_limit(x, (ma_limit)-1), 0, "ctx_limit: limit -1: 0");
    ST(T(ma_limit_default)(MA_LIMIT_COUNT), 0, "limit_default(COUNT): 0");
    ST(ma_limit_default((ma_limit)-1), 0, "limit_default(-1): 0");
    ST(ma_limit_default((ma_limit)INT_MIN), 0, "limit_default(INT_MIN): 0");
    ST(ma_limit_default(MA_LIMIT_TAGS), 64, "limit_default(TAGS): 64");
    STR(T(ma_limit_name)(MA_LIMIT_COUNT), NULL, "limit_name(COUNT): NULL");
    STR(ma_limit_name((ma_limit)-1), NULL, "limit_name(-1): NULL");
    STR(ma_limit_name((ma_limit)INT_MAX), NULL, "limit_name(INT_MAX): NULL");
    ok(ma_limit_name(MA_LIMIT_TAGS) != NULL, "limit_name(TAGS): a name");
    ma_ctx_free(x);

    /* The clock of a NULL context is undocumented: it must not crash. */
    ST(T(ma_ctx_now_ms)(c), now_ms, "ctx_now_ms: the injected clock");
    ok(T(ma_ctx_now_ms)(NULL) > 0, "ctx_now_ms(NULL): the system clock, no crash");

    ok(T(ma_malloc)(NULL, 16) == NULL, "malloc(NULL ctx, 16): NULL");
    {
        long l0 = st.live;
        ok(ma_malloc(c, 0) == NULL && st.live == l0, "malloc(ctx, 0): NULL, nothing allocated");
        ok(ma_malloc(c, SIZE_MAX) == NULL && st.live == l0, "malloc(ctx, SIZE_MAX): NULL");
    }
    CALL(T(ma_free)(NULL, NULL), "free(NULL, NULL)");
    CALL(ma_free(c, NULL), "free(ctx, NULL)");
}

/* -------------------------------------------------------------------- addr */

static void test_addr(void)
{
    char *out = NULL;
    ma_ip ip, net, v4, bad;
    char buf[MA_IP_REVERSE_MAX + 8];

    ST(T(ma_domain_normalize)(NULL, c, "example.com", 11, 0), MA_EINVAL, "domain_normalize(NULL out)");
    ST(ma_domain_normalize(&out, NULL, "example.com", 11, 0), MA_EINVAL, "domain_normalize(NULL ctx)");
    ST(ma_domain_normalize(&out, c, NULL, 11, 0), MA_EINVAL, "domain_normalize(NULL name)");
    ST(ma_domain_normalize(&out, c, NULL, SIZE_MAX, 0), MA_EINVAL, "domain_normalize(NULL name, SIZE_MAX)");
    ST(ma_domain_normalize(NULL, NULL, NULL, 0, 0), MA_EINVAL, "domain_normalize(all NULL)");
    ST(ma_domain_normalize(&out, c, "example.com", 0, 0), MA_ESYNTAX, "domain_normalize: length 0");
    ST(ma_domain_normalize(&out, c, "example.com", SIZE_MAX, 0), MA_ESYNTAX,
       "domain_normalize: length SIZE_MAX is over 1024: ESYNTAX, nothing read");
    ST(ma_domain_normalize(&out, c, "example.com", 11, 1u << 3), MA_EINVAL, "domain_normalize: unknown flag");
    ST(ma_domain_normalize(&out, c, "example.com", 11, UINT_MAX), MA_EINVAL, "domain_normalize: flags UINT_MAX");
    ok(out == NULL, "domain_normalize: nothing handed out on errors");
    RUN(ma_domain_normalize(&out, c, "Example.COM.", 12, 0), MA_OK, "domain_normalize: valid");
    STR(out, "example.com", "domain_normalize: folded");
    ma_free(c, out);

    ST(T(ma_domain_equal)(NULL, 0, NULL, 0), 0, "domain_equal(NULL, NULL)");
    ST(ma_domain_equal(NULL, 11, "example.com", 11), 0, "domain_equal(NULL a)");
    ST(ma_domain_equal("example.com", 11, NULL, 11), 0, "domain_equal(NULL b)");
    ST(ma_domain_equal(NULL, SIZE_MAX, NULL, SIZE_MAX), 0, "domain_equal(NULL, SIZE_MAX)");
    ST(ma_domain_equal("", 0, "", 0), 0, "domain_equal: empty equals nothing");
    ST(ma_domain_equal(".", 1, ".", 1), 0, "domain_equal: root equals nothing");
    ST(ma_domain_equal("example.com", 11, "EXAMPLE.com.", 12), 1, "domain_equal: equal");
    ST(T(ma_domain_is_within)(NULL, 0, NULL, 0), 0, "domain_is_within(NULL, NULL)");
    ST(ma_domain_is_within(NULL, 11, "example.com", 11), 0, "domain_is_within(NULL child)");
    ST(ma_domain_is_within("a.example.com", 13, NULL, 11), 0, "domain_is_within(NULL parent)");
    ST(ma_domain_is_within(NULL, SIZE_MAX, NULL, SIZE_MAX), 0, "domain_is_within(NULL, SIZE_MAX)");
    ST(ma_domain_is_within("a.example.com", 13, "", 0), 0, "domain_is_within: empty parent");
    ST(ma_domain_is_within("a.example.com", 13, ".", 1), 0, "domain_is_within: root parent");
    ST(ma_domain_is_within("a.example.com", 13, "example.com", 11), 1, "domain_is_within: within");

    ST(T(ma_ip_parse)(NULL, "192.0.2.1", 9), MA_EINVAL, "ip_parse(NULL out)");
    ST(ma_ip_parse(&ip, NULL, 9), MA_EINVAL, "ip_parse(NULL text)");
    ST(ma_ip_parse(&ip, NULL, SIZE_MAX), MA_EINVAL, "ip_parse(NULL text, SIZE_MAX)");
    ST(ma_ip_parse(NULL, NULL, 0), MA_EINVAL, "ip_parse(all NULL)");
    ST(ma_ip_parse(&ip, "192.0.2.1", 0), MA_ESYNTAX, "ip_parse: length 0");
    ST(ma_ip_parse(&ip, "192.0.2.1", 9), MA_OK, "ip_parse: valid");
    ma_ip_parse(&net, "192.0.2.0", 9);
    memset(&bad, 0, sizeof bad);
    bad.family = 5;

    ST(T(ma_ip_format)(NULL, buf, sizeof buf), MA_EINVAL, "ip_format(NULL ip)");
    ST(ma_ip_format(&ip, NULL, sizeof buf), MA_EINVAL, "ip_format(NULL buf)");
    ST(ma_ip_format(&ip, NULL, SIZE_MAX), MA_EINVAL, "ip_format(NULL buf, SIZE_MAX)");
    ST(ma_ip_format(NULL, NULL, 0), MA_EINVAL, "ip_format(all NULL)");
    ST(ma_ip_format(&ip, buf, 0), MA_EINVAL, "ip_format: size 0");
    ST(ma_ip_format(&ip, buf, MA_IP_TEXT_MAX - 1), MA_EINVAL, "ip_format: size below MA_IP_TEXT_MAX");
    ST(ma_ip_format(&bad, buf, sizeof buf), MA_EINVAL, "ip_format: family 5");
    bad.family = 0;
    ST(ma_ip_format(&bad, buf, sizeof buf), MA_EINVAL, "ip_format: family 0");
    ST(ma_ip_format(&ip, buf, SIZE_MAX), MA_OK, "ip_format: size SIZE_MAX (writes only what it needs)");
    STR(buf, "192.0.2.1", "ip_format: text");

    ST(T(ma_ip_reverse_name)(NULL, buf, sizeof buf), MA_EINVAL, "ip_reverse_name(NULL ip)");
    ST(ma_ip_reverse_name(&ip, NULL, sizeof buf), MA_EINVAL, "ip_reverse_name(NULL buf)");
    ST(ma_ip_reverse_name(NULL, NULL, 0), MA_EINVAL, "ip_reverse_name(all NULL)");
    ST(ma_ip_reverse_name(&ip, buf, 0), MA_EINVAL, "ip_reverse_name: size 0");
    ST(ma_ip_reverse_name(&ip, buf, MA_IP_REVERSE_MAX - 1), MA_EINVAL,
       "ip_reverse_name: size below MA_IP_REVERSE_MAX");
    ST(ma_ip_reverse_name(&bad, buf, sizeof buf), MA_EINVAL, "ip_reverse_name: family 0");
    ST(ma_ip_reverse_name(&ip, buf, SIZE_MAX), MA_OK, "ip_reverse_name: size SIZE_MAX");
    STR(buf, "1.2.0.192.in-addr.arpa", "ip_reverse_name: text");

    ma_ip_parse(&v4, "::ffff:192.0.2.1", 16);
    ST(T(ma_ip_unmap_v4)(NULL, &ip), 0, "ip_unmap_v4(NULL ip)");
    ST(ma_ip_unmap_v4(&v4, NULL), 0, "ip_unmap_v4(NULL out)");
    ST(ma_ip_unmap_v4(NULL, NULL), 0, "ip_unmap_v4(all NULL)");
    ST(ma_ip_unmap_v4(&bad, &ip), 0, "ip_unmap_v4: family 0");
    ST(ma_ip_unmap_v4(&ip, &ip), 0, "ip_unmap_v4: an IPv4 address is not mapped");

    ST(T(ma_ip_in_network)(NULL, &net, 24), 0, "ip_in_network(NULL ip)");
    ST(ma_ip_in_network(&ip, NULL, 24), 0, "ip_in_network(NULL network)");
    ST(ma_ip_in_network(NULL, NULL, 0), 0, "ip_in_network(all NULL)");
    ST(ma_ip_in_network(&ip, &net, 33), 0, "ip_in_network: prefix 33 for IPv4");
    ST(ma_ip_in_network(&ip, &net, UINT_MAX), 0, "ip_in_network: prefix UINT_MAX");
    ST(ma_ip_in_network(&bad, &bad, 0), 0, "ip_in_network: family 0");
    ST(ma_ip_in_network(&ip, &net, 24), 1, "ip_in_network: inside");
    ST(T(ma_ip_equal)(NULL, &ip), 0, "ip_equal(NULL a)");
    ST(ma_ip_equal(&ip, NULL), 0, "ip_equal(NULL b)");
    ST(ma_ip_equal(NULL, NULL), 0, "ip_equal(all NULL)");
    ST(ma_ip_equal(&bad, &bad), 0, "ip_equal: family 0 is no address");
    ST(ma_ip_equal(&ip, &v4), 1, "ip_equal: mapped equals IPv4");
}

/* --------------------------------------------------------------------- dns */

/* A resolver implementation that misbehaves as its mode says. */
enum { BAD_NULL_ANSWER, BAD_POSITIVE, BAD_WRONG_TYPE, BAD_ERROR_WITH_ANSWER, BAD_NONE };

static int bad_resolve(void *payload, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    int mode = *(const int *)payload;
    (void)name;
    switch (mode) {
    case BAD_NULL_ANSWER:
        *out = NULL;
        return MA_OK;
    case BAD_POSITIVE:
        return 1;
    case BAD_WRONG_TYPE:
        return ma_dns_answer_new(out, c, type == MA_DNS_A ? MA_DNS_TXT : MA_DNS_A, MA_DNS_NXDOMAIN);
    case BAD_ERROR_WITH_ANSWER:
        ma_dns_answer_new(out, c, type, MA_DNS_NXDOMAIN);
        return MA_EIO;
    default:
        return ma_dns_answer_new(out, c, type, MA_DNS_NXDOMAIN);
    }
}

static void test_dns_names(void)
{
    ma_dns_type t = MA_DNS_TXT;
    STR(T(ma_dns_type_name)(0), NULL, "dns_type_name(0): NULL");
    STR(ma_dns_type_name(2), NULL, "dns_type_name(2): NULL");
    STR(ma_dns_type_name(-1), NULL, "dns_type_name(-1): NULL");
    STR(ma_dns_type_name(INT_MAX), NULL, "dns_type_name(INT_MAX): NULL");
    STR(ma_dns_type_name(5), NULL, "dns_type_name(CNAME): NULL (not a ma_dns_type)");
    STR(ma_dns_type_name(MA_DNS_TXT), "TXT", "dns_type_name(TXT)");
    ST(T(ma_dns_type_parse)(NULL, "txt"), MA_EINVAL, "dns_type_parse(NULL out)");
    ST(ma_dns_type_parse(&t, NULL), MA_EINVAL, "dns_type_parse(NULL name)");
    ST(ma_dns_type_parse(NULL, NULL), MA_EINVAL, "dns_type_parse(all NULL)");
    ST(ma_dns_type_parse(&t, ""), MA_EINVAL, "dns_type_parse(\"\")");
    ST(ma_dns_type_parse(&t, "CNAME"), MA_EINVAL, "dns_type_parse(CNAME)");
    ST(ma_dns_type_parse(&t, "txt "), MA_EINVAL, "dns_type_parse(\"txt \")");
    ST(ma_dns_type_parse(&t, "aaaa"), MA_OK, "dns_type_parse(aaaa)");
    ST(t, MA_DNS_AAAA, "dns_type_parse: AAAA");
    STR(T(ma_dns_rcode_name)(5), NULL, "dns_rcode_name(5): NULL");
    STR(ma_dns_rcode_name(-1), NULL, "dns_rcode_name(-1): NULL");
    STR(ma_dns_rcode_name(INT_MIN), NULL, "dns_rcode_name(INT_MIN): NULL");
    STR(ma_dns_rcode_name(MA_DNS_NODATA), "nodata", "dns_rcode_name(NODATA)");
}

static void test_dns_answers(void)
{
    ma_dns_answer *a = NULL, *txt = NULL, *addr = NULL, *mx = NULL, *ptr = NULL, *sh = NULL;
    ma_ip ip, ip6, bad;
    const char *s = NULL;
    size_t len = 0;
    uint16_t pref = 0;
    static const unsigned char junk[3] = {1, 2, 3};
    const char *parts[2] = {"v=spf1", " -all"};
    size_t lens[2] = {6, 5};

    ma_ip_parse(&ip, "192.0.2.1", 9);
    ma_ip_parse(&ip6, "2001:db8::1", 11);
    memset(&bad, 0, sizeof bad);
    bad.family = 7;

    ST(T(ma_dns_answer_new)(NULL, c, MA_DNS_TXT, MA_DNS_OK), MA_EINVAL, "dns_answer_new(NULL out)");
    ST(ma_dns_answer_new(&a, NULL, MA_DNS_TXT, MA_DNS_OK), MA_EINVAL, "dns_answer_new(NULL ctx)");
    ST(ma_dns_answer_new(NULL, NULL, MA_DNS_TXT, MA_DNS_OK), MA_EINVAL, "dns_answer_new(all NULL)");
    ST(ma_dns_answer_new(&a, c, (ma_dns_type)0, MA_DNS_OK), MA_EINVAL, "dns_answer_new: type 0");
    ST(ma_dns_answer_new(&a, c, (ma_dns_type)5, MA_DNS_OK), MA_EINVAL, "dns_answer_new: type CNAME");
    ST(ma_dns_answer_new(&a, c, (ma_dns_type)-1, MA_DNS_OK), MA_EINVAL, "dns_answer_new: type -1");
    ST(ma_dns_answer_new(&a, c, MA_DNS_TXT, (ma_dns_rcode)5), MA_EINVAL, "dns_answer_new: rcode 5");
    ST(ma_dns_answer_new(&a, c, MA_DNS_TXT, (ma_dns_rcode)-1), MA_EINVAL, "dns_answer_new: rcode -1");
    ok(a == NULL, "dns_answer_new: nothing handed out on errors");
    CALL(T(ma_dns_answer_free)(NULL), "dns_answer_free(NULL)");
    ok(T(ma_dns_answer_ref)(NULL) == NULL, "dns_answer_ref(NULL): NULL");
    ST(T(ma_dns_answer_set_ttl)(NULL, 5), MA_EINVAL, "dns_answer_set_ttl(NULL)");

    ma_dns_answer_new(&txt, c, MA_DNS_TXT, MA_DNS_OK);
    ma_dns_answer_new(&addr, c, MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_new(&mx, c, MA_DNS_MX, MA_DNS_OK);
    ma_dns_answer_new(&ptr, c, MA_DNS_PTR, MA_DNS_OK);

    ST(T(ma_dns_answer_add_txt)(NULL, "x", 1, 0), MA_EINVAL, "add_txt(NULL answer)");
    RUN(ma_dns_answer_add_txt(txt, NULL, 1, 0), MA_EINVAL, "add_txt(NULL text, 1)");
    ST(ma_dns_answer_add_txt(txt, NULL, SIZE_MAX, 0), MA_EINVAL, "add_txt(NULL text, SIZE_MAX)");
    ST(ma_dns_answer_add_txt(NULL, NULL, 0, 0), MA_EINVAL, "add_txt(all NULL)");
    ST(ma_dns_answer_add_txt(txt, "x", SIZE_MAX, 0), MA_ELIMIT,
       "add_txt: length SIZE_MAX is over MA_LIMIT_TXT_BYTES");
    ST(ma_dns_answer_add_txt(addr, "x", 1, 0), MA_EINVAL, "add_txt to an A answer");
    RUN(ma_dns_answer_add_txt(txt, "v=spf1 -all", 11, 60), MA_OK, "add_txt: valid");

    ST(T(ma_dns_answer_add_txt_parts)(NULL, parts, lens, 2, 0), MA_EINVAL, "add_txt_parts(NULL answer)");
    ST(ma_dns_answer_add_txt_parts(txt, NULL, lens, 2, 0), MA_EINVAL, "add_txt_parts(NULL parts)");
    ST(ma_dns_answer_add_txt_parts(txt, parts, NULL, 2, 0), MA_EINVAL, "add_txt_parts(NULL lens)");
    ST(ma_dns_answer_add_txt_parts(NULL, NULL, NULL, 2, 0), MA_EINVAL, "add_txt_parts(all NULL)");
    ST(ma_dns_answer_add_txt_parts(txt, NULL, NULL, SIZE_MAX, 0), MA_EINVAL,
       "add_txt_parts(NULL, nparts SIZE_MAX)");
    {
        const char *np[2] = {"x", NULL};
        ST(ma_dns_answer_add_txt_parts(txt, np, lens, 2, 0), MA_EINVAL, "add_txt_parts: a NULL part");
    }
    {
        /* Lengths whose sum wraps around to 1: the total must not be
           computed modulo SIZE_MAX + 1. */
        size_t wrap[2] = {SIZE_MAX, 2};
        ST(ma_dns_answer_add_txt_parts(txt, parts, wrap, 2, 0), MA_ELIMIT,
           "add_txt_parts: part lengths summing past SIZE_MAX");
    }
    ST(ma_dns_answer_add_txt_parts(addr, parts, lens, 2, 0), MA_EINVAL, "add_txt_parts to an A answer");
    RUN(ma_dns_answer_add_txt_parts(txt, parts, lens, 2, 0), MA_OK, "add_txt_parts: valid");

    ST(T(ma_dns_answer_add_addr)(NULL, &ip, 0), MA_EINVAL, "add_addr(NULL answer)");
    ST(ma_dns_answer_add_addr(addr, NULL, 0), MA_EINVAL, "add_addr(NULL ip)");
    ST(ma_dns_answer_add_addr(NULL, NULL, 0), MA_EINVAL, "add_addr(all NULL)");
    ST(ma_dns_answer_add_addr(addr, &ip6, 0), MA_EINVAL, "add_addr: IPv6 to an A answer");
    ST(ma_dns_answer_add_addr(addr, &bad, 0), MA_EINVAL, "add_addr: family 7");
    ST(ma_dns_answer_add_addr(txt, &ip, 0), MA_EINVAL, "add_addr to a TXT answer");
    RUN(ma_dns_answer_add_addr(addr, &ip, 60), MA_OK, "add_addr: valid");

    ST(T(ma_dns_answer_add_mx)(NULL, 10, "mx.example.com", 0), MA_EINVAL, "add_mx(NULL answer)");
    ST(ma_dns_answer_add_mx(mx, 10, NULL, 0), MA_EINVAL, "add_mx(NULL exchange)");
    ST(ma_dns_answer_add_mx(NULL, 10, NULL, 0), MA_EINVAL, "add_mx(all NULL)");
    ST(ma_dns_answer_add_mx(txt, 10, "mx.example.com", 0), MA_EINVAL, "add_mx to a TXT answer");
    RUN(ma_dns_answer_add_mx(mx, 10, "mx.example.com", 60), MA_OK, "add_mx: valid");

    ST(T(ma_dns_answer_add_ptr)(NULL, "a.example.com", 0), MA_EINVAL, "add_ptr(NULL answer)");
    ST(ma_dns_answer_add_ptr(ptr, NULL, 0), MA_EINVAL, "add_ptr(NULL name)");
    ST(ma_dns_answer_add_ptr(NULL, NULL, 0), MA_EINVAL, "add_ptr(all NULL)");
    ST(ma_dns_answer_add_ptr(mx, "a.example.com", 0), MA_EINVAL, "add_ptr to an MX answer");
    RUN(ma_dns_answer_add_ptr(ptr, "a.example.com", 60), MA_OK, "add_ptr: valid");

    ST(T(ma_dns_answer_rcode)(NULL), MA_DNS_PERMFAIL, "dns_answer_rcode(NULL): PERMFAIL");
    ST(T(ma_dns_answer_type)(NULL), 0, "dns_answer_type(NULL): 0");
    ST(T(ma_dns_answer_ttl)(NULL), 0, "dns_answer_ttl(NULL): 0");
    ST(T(ma_dns_answer_count)(NULL), 0, "dns_answer_count(NULL): 0");

    ST(T(ma_dns_answer_txt)(NULL, 0, &s, &len), MA_EINVAL, "answer_txt(NULL answer)");
    ST(ma_dns_answer_txt(txt, 0, NULL, &len), MA_EINVAL, "answer_txt(NULL text)");
    ST(ma_dns_answer_txt(txt, 0, &s, NULL), MA_EINVAL, "answer_txt(NULL len)");
    ST(ma_dns_answer_txt(NULL, 0, NULL, NULL), MA_EINVAL, "answer_txt(all NULL)");
    ST(ma_dns_answer_txt(txt, 2, &s, &len), MA_EINVAL, "answer_txt: index = count");
    ST(ma_dns_answer_txt(txt, SIZE_MAX, &s, &len), MA_EINVAL, "answer_txt: index SIZE_MAX");
    ST(ma_dns_answer_txt(addr, 0, &s, &len), MA_EINVAL, "answer_txt of an A answer");
    ST(ma_dns_answer_txt(txt, 1, &s, &len), MA_OK, "answer_txt: record 1");
    is_mem(s, len, "v=spf1 -all", 11, "answer_txt: parts joined");

    ST(T(ma_dns_answer_addr)(NULL, 0, &ip), MA_EINVAL, "answer_addr(NULL answer)");
    ST(ma_dns_answer_addr(addr, 0, NULL), MA_EINVAL, "answer_addr(NULL ip)");
    ST(ma_dns_answer_addr(NULL, 0, NULL), MA_EINVAL, "answer_addr(all NULL)");
    ST(ma_dns_answer_addr(addr, SIZE_MAX, &ip), MA_EINVAL, "answer_addr: index SIZE_MAX");
    ST(ma_dns_answer_addr(txt, 0, &ip), MA_EINVAL, "answer_addr of a TXT answer");

    ST(T(ma_dns_answer_mx)(NULL, 0, &pref, &s), MA_EINVAL, "answer_mx(NULL answer)");
    ST(ma_dns_answer_mx(mx, 0, NULL, &s), MA_EINVAL, "answer_mx(NULL preference)");
    ST(ma_dns_answer_mx(mx, 0, &pref, NULL), MA_EINVAL, "answer_mx(NULL exchange)");
    ST(ma_dns_answer_mx(NULL, 0, NULL, NULL), MA_EINVAL, "answer_mx(all NULL)");
    ST(ma_dns_answer_mx(mx, SIZE_MAX, &pref, &s), MA_EINVAL, "answer_mx: index SIZE_MAX");
    ST(ma_dns_answer_mx(ptr, 0, &pref, &s), MA_EINVAL, "answer_mx of a PTR answer");

    ST(T(ma_dns_answer_ptr)(NULL, 0, &s), MA_EINVAL, "answer_ptr(NULL answer)");
    ST(ma_dns_answer_ptr(ptr, 0, NULL), MA_EINVAL, "answer_ptr(NULL name)");
    ST(ma_dns_answer_ptr(NULL, 0, NULL), MA_EINVAL, "answer_ptr(all NULL)");
    ST(ma_dns_answer_ptr(ptr, SIZE_MAX, &s), MA_EINVAL, "answer_ptr: index SIZE_MAX");
    ST(ma_dns_answer_ptr(mx, 0, &s), MA_EINVAL, "answer_ptr of an MX answer");

    /* A shared answer is immutable. */
    sh = ma_dns_answer_ref(txt);
    {
        ma_job *j = NULL;
        uint32_t id = 0;
        const ma_dns_question *const *qs;
        size_t n;
        ma_lookup_job_new(&j, c);
        ma_lookup_job_add(j, "example.com", MA_DNS_TXT, &id);
        ma_job_step(j);
        ma_job_questions(j, &qs, &n);
        ST(ma_job_answer(j, id, txt), MA_OK, "a built answer fed to a job");
        ST(ma_dns_answer_add_txt(txt, "x", 1, 0), MA_ESTATE, "add_txt to a shared answer");
        ST(ma_dns_answer_add_txt_parts(txt, parts, lens, 2, 0), MA_ESTATE,
           "add_txt_parts to a shared answer");
        ma_job_free(j);
    }
    ma_dns_answer_free(sh);

    ST(T(ma_dns_answer_from_wire)(NULL, c, "example.com", MA_DNS_TXT, junk, 3), MA_EINVAL,
       "from_wire(NULL out)");
    ST(ma_dns_answer_from_wire(&a, NULL, "example.com", MA_DNS_TXT, junk, 3), MA_EINVAL,
       "from_wire(NULL ctx)");
    ST(ma_dns_answer_from_wire(&a, c, NULL, MA_DNS_TXT, junk, 3), MA_EINVAL, "from_wire(NULL name)");
    ST(ma_dns_answer_from_wire(&a, c, "example.com", MA_DNS_TXT, NULL, 3), MA_EINVAL,
       "from_wire(NULL packet, 3)");
    ST(ma_dns_answer_from_wire(&a, c, "example.com", MA_DNS_TXT, NULL, SIZE_MAX), MA_EINVAL,
       "from_wire(NULL packet, SIZE_MAX)");
    ST(ma_dns_answer_from_wire(NULL, NULL, NULL, MA_DNS_TXT, NULL, 0), MA_EINVAL, "from_wire(all NULL)");
    ST(ma_dns_answer_from_wire(&a, c, "example.com", (ma_dns_type)99, junk, 3), MA_EINVAL,
       "from_wire: type 99");
    ok(a == NULL, "from_wire: nothing handed out on errors");
    {
        long l0 = st.live;
        RUN(ma_dns_answer_from_wire(&a, c, "example.com", MA_DNS_TXT, junk, 3), MA_OK,
           "from_wire: 3 bytes of junk: MA_OK");
        ST(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "from_wire: junk is PERMFAIL");
        ma_dns_answer_free(a);
        a = NULL;
        RUN(ma_dns_answer_from_wire(&a, c, "example.com", MA_DNS_TXT, junk, 0), MA_OK,
           "from_wire: 0 bytes: MA_OK");
        ST(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "from_wire: an empty packet is PERMFAIL");
        ma_dns_answer_free(a);
        a = NULL;
        ok(st.live == l0, "from_wire: nothing left behind");
    }

    ma_dns_answer_free(txt);
    ma_dns_answer_free(addr);
    ma_dns_answer_free(mx);
    ma_dns_answer_free(ptr);
}

static void test_dns_jobs(void)
{
    ma_job *j = NULL;
    uint32_t id = 0, id2 = 0;
    const ma_dns_question *const *qs = NULL;
    size_t n = 0;
    ma_dns_answer *txt = NULL, *aa = NULL;
    const ma_dns_answer *res = NULL;
    int k;

    ST(T(ma_dns_question_id)(NULL), 0, "dns_question_id(NULL): 0");
    STR(T(ma_dns_question_name)(NULL), "", "dns_question_name(NULL): \"\"");
    ST(T(ma_dns_question_type)(NULL), 0, "dns_question_type(NULL): 0");

    ST(T(ma_job_step)(NULL), MA_EINVAL, "job_step(NULL)");
    ST(T(ma_job_questions)(NULL, &qs, &n), MA_EINVAL, "job_questions(NULL job)");
    ST(ma_job_questions(done_job[K_LOOKUP], NULL, &n), MA_EINVAL, "job_questions(NULL qs)");
    ST(ma_job_questions(done_job[K_LOOKUP], &qs, NULL), MA_EINVAL, "job_questions(NULL n)");
    ST(ma_job_questions(NULL, NULL, NULL), MA_EINVAL, "job_questions(all NULL)");
    ST(T(ma_job_answer)(NULL, 1, NULL), MA_EINVAL, "job_answer(all NULL)");
    STR(T(ma_job_error)(NULL), "", "job_error(NULL): \"\"");
    CALL(T(ma_job_free)(NULL), "job_free(NULL)");
    for (k = 0; k < NK; k++) {
        char what[96];
        snprintf(what, sizeof what, "job_error of a done %s job: \"\"", kind_name[k]);
        STR(ma_job_error(done_job[k]), "", what);
        snprintf(what, sizeof what, "job_questions of a done %s job: none", kind_name[k]);
        ST(ma_job_questions(done_job[k], &qs, &n) == MA_OK && n == 0, 1, what);
        snprintf(what, sizeof what, "job_step of a done %s job: DONE again", kind_name[k]);
        ST(ma_job_step(done_job[k]), MA_JOB_DONE, what);
    }

    ST(T(ma_lookup_job_new)(NULL, c), MA_EINVAL, "lookup_job_new(NULL out)");
    ST(ma_lookup_job_new(&j, NULL), MA_EINVAL, "lookup_job_new(NULL ctx)");
    ST(ma_lookup_job_new(NULL, NULL), MA_EINVAL, "lookup_job_new(all NULL)");
    ok(j == NULL, "lookup_job_new: nothing handed out on errors");
    ma_lookup_job_new(&j, c);
    ST(T(ma_lookup_job_add)(NULL, "example.com", MA_DNS_TXT, &id), MA_EINVAL, "lookup_job_add(NULL job)");
    ST(ma_lookup_job_add(j, NULL, MA_DNS_TXT, &id), MA_EINVAL, "lookup_job_add(NULL name)");
    ST(ma_lookup_job_add(NULL, NULL, MA_DNS_TXT, NULL), MA_EINVAL, "lookup_job_add(all NULL)");
    {
        /* Whether id_out may be NULL is not documented: either answer. */
        ma_job *j2 = NULL;
        int rc;
        ma_lookup_job_new(&j2, c);
        rc = ma_lookup_job_add(j2, "example.org", MA_DNS_MX, NULL);
        ok(rc == MA_OK || rc == MA_EINVAL, "lookup_job_add(NULL id_out): MA_OK or MA_EINVAL");
        ma_job_free(j2);
    }
    ST(ma_lookup_job_add(j, "example.com", (ma_dns_type)0, &id), MA_EINVAL, "lookup_job_add: type 0");
    ST(ma_lookup_job_add(j, "example.com", (ma_dns_type)INT_MAX, &id), MA_EINVAL,
       "lookup_job_add: type INT_MAX");
    ST(ma_lookup_job_add(j, "exa mple.com", MA_DNS_TXT, &id), MA_ESYNTAX, "lookup_job_add: bad name");
    ST(ma_lookup_job_add(j, "", MA_DNS_TXT, &id), MA_ESYNTAX, "lookup_job_add: empty name");
    RUN(ma_lookup_job_add(j, "example.com", MA_DNS_TXT, &id), MA_OK, "lookup_job_add: valid");
    ST(ma_lookup_job_add(j, "example.com", MA_DNS_A, &id2), MA_OK, "lookup_job_add: a second question");
    ST(T(ma_lookup_job_result)(j, id, &res), MA_ESTATE, "lookup_job_result before the job is done");

    ST(ma_job_step(j), MA_JOB_NEED_DNS, "lookup job: needs DNS");
    ST(ma_lookup_job_add(j, "example.org", MA_DNS_TXT, &id), MA_ESTATE, "lookup_job_add after a step");
    ST(ma_job_questions(j, &qs, &n), MA_OK, "job_questions: valid");
    ST(n, 2, "job_questions: two outstanding");
    ma_dns_answer_new(&txt, c, MA_DNS_TXT, MA_DNS_NXDOMAIN);
    ma_dns_answer_new(&aa, c, MA_DNS_A, MA_DNS_NXDOMAIN);
    ST(ma_job_answer(NULL, id, txt), MA_EINVAL, "job_answer(NULL job)");
    ST(ma_job_answer(j, id, NULL), MA_EINVAL, "job_answer(NULL answer)");
    ST(ma_job_answer(j, id, aa), MA_EINVAL, "job_answer: an A answer for a TXT question");
    ST(ma_job_answer(j, 0, txt), MA_ESTATE, "job_answer: id 0");
    ST(ma_job_answer(j, 3, txt), MA_ESTATE, "job_answer: id never asked");
    ST(ma_job_answer(j, UINT32_MAX, txt), MA_ESTATE, "job_answer: id UINT32_MAX");
    ST(ma_job_answer(j, id, txt), MA_OK, "job_answer: valid");
    ST(ma_job_answer(j, id, txt), MA_ESTATE, "job_answer: already answered");
    ST(ma_job_answer(done_job[K_SPF], 1, txt), MA_ESTATE, "job_answer to a done SPF job");
    ST(ma_job_answer(fresh_job[K_SPF], 1, txt), MA_ESTATE, "job_answer to an SPF job not stepped");
    ST(ma_job_step(j), MA_JOB_NEED_DNS, "lookup job: still one question");
    ST(ma_job_answer(j, id2, aa), MA_OK, "job_answer: the second");
    ST(ma_job_step(j), MA_JOB_DONE, "lookup job: done");
    ST(ma_lookup_job_result(NULL, id, &res), MA_EINVAL, "lookup_job_result(NULL job)");
    ST(ma_lookup_job_result(j, id, NULL), MA_EINVAL, "lookup_job_result(NULL out)");
    ST(ma_lookup_job_result(NULL, 0, NULL), MA_EINVAL, "lookup_job_result(all NULL)");
    ST(ma_lookup_job_result(j, 0, &res), MA_ENOTFOUND, "lookup_job_result: id 0");
    ST(ma_lookup_job_result(j, UINT32_MAX, &res), MA_ENOTFOUND, "lookup_job_result: id UINT32_MAX");
    ST(ma_lookup_job_result(j, id, &res), MA_OK, "lookup_job_result: valid");
    ok(res == txt, "lookup_job_result: the answer fed");
    ma_dns_answer_free(txt);
    ma_dns_answer_free(aa);
    ma_job_free(j);
    ST(ma_lookup_job_result(fresh_job[K_LOOKUP], 1, &res), MA_ESTATE, "lookup_job_result: not stepped");

    /* ma_job_run with NULL arguments. */
    ST(T(ma_job_run)(NULL, r), MA_EINVAL, "job_run(NULL job)");
    ST(ma_job_run(fresh_job[K_LOOKUP], NULL), MA_EINVAL, "job_run(NULL resolver)");
    ST(ma_job_run(NULL, NULL), MA_EINVAL, "job_run(all NULL)");
}

static void test_resolvers(void)
{
    ma_resolver *x = NULL, *cache = NULL;
    ma_resolver_ops ops = {MA_RESOLVER_OPS_VERSION, bad_resolve, NULL};
    ma_dns_answer *a = NULL;
    ma_cache_stats cs;
    ma_ldns_opts lo;
    int mode = BAD_NONE, i;
    static const char *const modes[] = {"OK without an answer", "a positive status",
                                        "an answer of another type", "an error with an answer"};

    ST(T(ma_resolver_new)(NULL, c, &ops, &mode), MA_EINVAL, "resolver_new(NULL out)");
    ST(ma_resolver_new(&x, NULL, &ops, &mode), MA_EINVAL, "resolver_new(NULL ctx)");
    ST(ma_resolver_new(&x, c, NULL, &mode), MA_EINVAL, "resolver_new(NULL ops)");
    ST(ma_resolver_new(NULL, NULL, NULL, NULL), MA_EINVAL, "resolver_new(all NULL)");
    ops.resolve = NULL;
    ST(ma_resolver_new(&x, c, &ops, &mode), MA_EINVAL, "resolver_new: NULL resolve");
    ops.resolve = bad_resolve;
    ops.version = 0;
    ST(ma_resolver_new(&x, c, &ops, &mode), MA_EVERSION, "resolver_new: ops version 0");
    ops.version = MA_RESOLVER_OPS_VERSION + 1;
    ST(ma_resolver_new(&x, c, &ops, &mode), MA_EVERSION, "resolver_new: ops version + 1");
    ops.version = MA_RESOLVER_OPS_VERSION;
    ok(x == NULL, "resolver_new: nothing handed out on errors");
    CALL(T(ma_resolver_free)(NULL), "resolver_free(NULL)");
    RUN(ma_resolver_new(&x, c, &ops, &mode), MA_OK, "resolver_new: valid (NULL destroy)");

    ST(T(ma_resolver_resolve)(NULL, "example.com", MA_DNS_TXT, &a), MA_EINVAL, "resolve(NULL resolver)");
    ST(ma_resolver_resolve(r, NULL, MA_DNS_TXT, &a), MA_EINVAL, "resolve(NULL name)");
    ST(ma_resolver_resolve(r, "example.com", MA_DNS_TXT, NULL), MA_EINVAL, "resolve(NULL out)");
    ST(ma_resolver_resolve(NULL, NULL, MA_DNS_TXT, NULL), MA_EINVAL, "resolve(all NULL)");
    ST(ma_resolver_resolve(r, "example.com", (ma_dns_type)0, &a), MA_EINVAL, "resolve: type 0");
    ST(ma_resolver_resolve(r, "example.com", (ma_dns_type)-1, &a), MA_EINVAL, "resolve: type -1");
    ok(a == NULL, "resolve: nothing handed out on errors");

    /* Implementations that break their contract: a negative status from
       resolve and from a job run through it, never a crash, a leak or a
       status that reads as a job result. */
    for (i = 0; i < BAD_NONE; i++) {
        char what[128];
        ma_job *j = NULL;
        int rc;
        long l0;
        mode = i;
        l0 = st.live;
        rc = ma_resolver_resolve(x, "example.com", MA_DNS_TXT, &a);
        snprintf(what, sizeof what, "resolve through a resolver returning %s: a negative status",
                 modes[i]);
        if (!ok(rc < 0 && a == NULL && st.live == l0, what))
            printf("#   returned %d\n", rc);
        ma_dns_answer_free(a);
        a = NULL;
        ma_lookup_job_new(&j, c);
        ma_lookup_job_add(j, "example.com", MA_DNS_TXT, NULL);
        rc = ma_job_run(j, x);
        snprintf(what, sizeof what, "job_run through a resolver returning %s: a negative status",
                 modes[i]);
        if (!ok(rc < 0, what))
            printf("#   returned %d (MA_JOB_DONE is %d) for a job that is not done\n", rc, MA_JOB_DONE);
        ma_job_free(j);
        snprintf(what, sizeof what, "job_run through a resolver returning %s: nothing leaked",
                 modes[i]);
        is_int(st.live, l0, what);
    }
    ma_resolver_free(x);

    ST(T(ma_ldns_opts_init)(NULL, MA_LDNS_OPTS_VERSION), MA_EINVAL, "ldns_opts_init(NULL)");
    ST(ma_ldns_opts_init(&lo, 0), MA_EVERSION, "ldns_opts_init: version 0");
    ST(ma_ldns_opts_init(&lo, UINT_MAX), MA_EVERSION, "ldns_opts_init: version UINT_MAX");
    ST(ma_ldns_opts_init(&lo, MA_LDNS_OPTS_VERSION), MA_OK, "ldns_opts_init: valid");
    {
        const char *one[1] = {"127.0.0.1:53"};
        const char *nul[1] = {NULL};
        const char *junk[1] = {"not an address"};
        const char *ports[2] = {"127.0.0.1:53", "127.0.0.2:5353"};
        lo.servers = one;
        lo.nservers = 1;
        ST(T(ma_resolver_ldns_new)(NULL, c, &lo), MA_EINVAL, "resolver_ldns_new(NULL out)");
        ST(ma_resolver_ldns_new(&x, NULL, &lo), MA_EINVAL, "resolver_ldns_new(NULL ctx)");
        ST(ma_resolver_ldns_new(NULL, NULL, NULL), MA_EINVAL, "resolver_ldns_new(all NULL)");
        lo.servers = nul;
        ST(ma_resolver_ldns_new(&x, c, &lo), MA_EINVAL, "resolver_ldns_new: a NULL server");
        lo.servers = junk;
        ST(ma_resolver_ldns_new(&x, c, &lo), MA_EINVAL, "resolver_ldns_new: a server that is no address");
        lo.servers = ports;
        lo.nservers = 2;
        ST(ma_resolver_ldns_new(&x, c, &lo), MA_EINVAL, "resolver_ldns_new: servers on two ports");
        lo.servers = NULL;
        lo.nservers = 0;
        lo.resolv_conf = "/nonexistent/resolv.conf";
        ST(ma_resolver_ldns_new(&x, c, &lo), MA_EIO, "resolver_ldns_new: resolv.conf missing");
        lo.resolv_conf = NULL;
        lo.servers = one;
        lo.nservers = 1;
        lo.version = 0;
        ST(ma_resolver_ldns_new(&x, c, &lo), MA_EVERSION, "resolver_ldns_new: opts version 0");
        lo.version = MA_LDNS_OPTS_VERSION;
        ok(x == NULL, "resolver_ldns_new: nothing handed out on errors");
        RUN(ma_resolver_ldns_new(&x, c, &lo), MA_OK, "resolver_ldns_new: one server (not asked)");
        ST(ma_resolver_cache_stats(x, &cs), MA_EINVAL, "resolver_cache_stats of an ldns resolver");
        ma_resolver_free(x);
        x = NULL;
    }

    ST(T(ma_resolver_static_new)(NULL, c, z), MA_EINVAL, "resolver_static_new(NULL out)");
    ST(ma_resolver_static_new(&x, NULL, z), MA_EINVAL, "resolver_static_new(NULL ctx)");
    ST(ma_resolver_static_new(&x, c, NULL), MA_EINVAL, "resolver_static_new(NULL zone)");
    ST(ma_resolver_static_new(NULL, NULL, NULL), MA_EINVAL, "resolver_static_new(all NULL)");

    ST(T(ma_resolver_cache_new)(NULL, c, r), MA_EINVAL, "resolver_cache_new(NULL out)");
    ST(ma_resolver_cache_new(&cache, NULL, r), MA_EINVAL, "resolver_cache_new(NULL ctx)");
    ST(ma_resolver_cache_new(&cache, c, NULL), MA_EINVAL, "resolver_cache_new(NULL inner)");
    ST(ma_resolver_cache_new(NULL, NULL, NULL), MA_EINVAL, "resolver_cache_new(all NULL)");
    ok(x == NULL && cache == NULL, "resolver constructors: nothing handed out on errors");
    RUN(ma_resolver_cache_new(&cache, c, r), MA_OK, "resolver_cache_new: valid");
    ST(T(ma_resolver_cache_stats)(NULL, &cs), MA_EINVAL, "cache_stats(NULL resolver)");
    ST(ma_resolver_cache_stats(cache, NULL), MA_EINVAL, "cache_stats(NULL out)");
    ST(ma_resolver_cache_stats(NULL, NULL), MA_EINVAL, "cache_stats(all NULL)");
    ST(ma_resolver_cache_stats(r, &cs), MA_EINVAL, "cache_stats of a static resolver");
    ST(ma_resolver_cache_stats(cache, &cs), MA_OK, "cache_stats: valid");
    ma_resolver_free(cache);
}

static void test_static_zone(void)
{
    ma_static_zone *y = NULL;
    ma_ip ip, bad;
    char path[4096];

    ma_ip_parse(&ip, "192.0.2.9", 9);
    memset(&bad, 0, sizeof bad);
    bad.family = 9;
    ST(T(ma_static_zone_new)(NULL, c), MA_EINVAL, "static_zone_new(NULL out)");
    ST(ma_static_zone_new(&y, NULL), MA_EINVAL, "static_zone_new(NULL ctx)");
    ST(ma_static_zone_new(NULL, NULL), MA_EINVAL, "static_zone_new(all NULL)");
    ok(y == NULL, "static_zone_new: nothing handed out on errors");
    CALL(T(ma_static_zone_free)(NULL), "static_zone_free(NULL)");
    ma_static_zone_new(&y, c);

    ST(T(ma_static_zone_add_txt)(NULL, "a.example", "x", 1, 0), MA_EINVAL, "zone_add_txt(NULL zone)");
    ST(ma_static_zone_add_txt(y, NULL, "x", 1, 0), MA_EINVAL, "zone_add_txt(NULL name)");
    ST(ma_static_zone_add_txt(y, "a.example", NULL, 1, 0), MA_EINVAL, "zone_add_txt(NULL text)");
    ST(ma_static_zone_add_txt(y, "a.example", NULL, SIZE_MAX, 0), MA_EINVAL,
       "zone_add_txt(NULL text, SIZE_MAX)");
    ST(ma_static_zone_add_txt(NULL, NULL, NULL, 0, 0), MA_EINVAL, "zone_add_txt(all NULL)");
    ST(ma_static_zone_add_txt(y, "a..example", "x", 1, 0), MA_ESYNTAX, "zone_add_txt: bad name");
    RUN(ma_static_zone_add_txt(y, "a.example", "x", SIZE_MAX, 0), MA_ELIMIT,
       "zone_add_txt: length SIZE_MAX is over MA_LIMIT_TXT_BYTES");
    {
        /* A refused record leaves the zone as it was: the name it named
           still does not exist. */
        ma_resolver *yr = NULL;
        ma_dns_answer *a = NULL;
        ma_resolver_static_new(&yr, c, y);
        ma_resolver_resolve(yr, "a.example", MA_DNS_TXT, &a);
        is_int(ma_dns_answer_rcode(a), MA_DNS_NXDOMAIN,
               "zone_add_txt refused: the name still does not exist (NXDOMAIN)");
        ma_dns_answer_free(a);
        ma_resolver_free(yr);
    }

    ST(T(ma_static_zone_add_addr)(NULL, "a.example", &ip, 0), MA_EINVAL, "zone_add_addr(NULL zone)");
    ST(ma_static_zone_add_addr(y, NULL, &ip, 0), MA_EINVAL, "zone_add_addr(NULL name)");
    ST(ma_static_zone_add_addr(y, "a.example", NULL, 0), MA_EINVAL, "zone_add_addr(NULL ip)");
    ST(ma_static_zone_add_addr(NULL, NULL, NULL, 0), MA_EINVAL, "zone_add_addr(all NULL)");
    ST(ma_static_zone_add_addr(y, "a.example", &bad, 0), MA_EINVAL, "zone_add_addr: family 9");
    ST(ma_static_zone_add_addr(y, "a..example", &ip, 0), MA_ESYNTAX, "zone_add_addr: bad name");

    ST(T(ma_static_zone_add_mx)(NULL, "a.example", 10, "mx.example", 0), MA_EINVAL, "zone_add_mx(NULL zone)");
    ST(ma_static_zone_add_mx(y, NULL, 10, "mx.example", 0), MA_EINVAL, "zone_add_mx(NULL name)");
    ST(ma_static_zone_add_mx(y, "a.example", 10, NULL, 0), MA_EINVAL, "zone_add_mx(NULL exchange)");
    ST(ma_static_zone_add_mx(NULL, NULL, 10, NULL, 0), MA_EINVAL, "zone_add_mx(all NULL)");

    ST(T(ma_static_zone_add_ptr)(NULL, "a.example", "b.example", 0), MA_EINVAL, "zone_add_ptr(NULL zone)");
    ST(ma_static_zone_add_ptr(y, NULL, "b.example", 0), MA_EINVAL, "zone_add_ptr(NULL name)");
    ST(ma_static_zone_add_ptr(y, "a.example", NULL, 0), MA_EINVAL, "zone_add_ptr(NULL target)");
    ST(ma_static_zone_add_ptr(NULL, NULL, NULL, 0), MA_EINVAL, "zone_add_ptr(all NULL)");

    ST(T(ma_static_zone_add_cname)(NULL, "a.example", "b.example", 0), MA_EINVAL,
       "zone_add_cname(NULL zone)");
    ST(ma_static_zone_add_cname(y, NULL, "b.example", 0), MA_EINVAL, "zone_add_cname(NULL name)");
    ST(ma_static_zone_add_cname(y, "c.example", NULL, 0), MA_EINVAL, "zone_add_cname(NULL target)");
    ST(ma_static_zone_add_cname(NULL, NULL, NULL, 0), MA_EINVAL, "zone_add_cname(all NULL)");

    ST(T(ma_static_zone_add_timeout)(NULL, "a.example", 0), MA_EINVAL, "zone_add_timeout(NULL zone)");
    ST(ma_static_zone_add_timeout(y, NULL, 0), MA_EINVAL, "zone_add_timeout(NULL name)");
    ST(ma_static_zone_add_timeout(NULL, NULL, 0), MA_EINVAL, "zone_add_timeout(all NULL)");
    ST(ma_static_zone_add_timeout(y, "a..example", 0), MA_ESYNTAX, "zone_add_timeout: bad name");
    ST(T(ma_static_zone_add_servfail)(NULL, "a.example", 0), MA_EINVAL, "zone_add_servfail(NULL zone)");
    ST(ma_static_zone_add_servfail(y, NULL, 0), MA_EINVAL, "zone_add_servfail(NULL name)");
    ST(ma_static_zone_add_servfail(NULL, NULL, 0), MA_EINVAL, "zone_add_servfail(all NULL)");
    ST(ma_static_zone_add_servfail(y, "a..example", 0), MA_ESYNTAX, "zone_add_servfail: bad name");

    ST(T(ma_static_zone_load)(NULL, "a.example. TXT x\n", 17, NULL), MA_EINVAL, "zone_load(NULL zone)");
    ST(ma_static_zone_load(y, NULL, 17, NULL), MA_EINVAL, "zone_load(NULL text)");
    ST(ma_static_zone_load(y, NULL, SIZE_MAX, NULL), MA_EINVAL, "zone_load(NULL text, SIZE_MAX)");
    ST(ma_static_zone_load(NULL, NULL, 0, NULL), MA_EINVAL, "zone_load(all NULL)");
    RUN(ma_static_zone_load(y, "", 0, NULL), MA_OK, "zone_load: length 0 (nothing to add)");
    ST(ma_static_zone_load(y, "a.example. TXT x\n", SIZE_MAX, NULL), MA_ELIMIT,
       "zone_load: length SIZE_MAX is over MA_LIMIT_ZONE_BYTES");
    ST(ma_static_zone_load(y, "a.example. A 999.0.0.1\n", 23, NULL), MA_ESYNTAX, "zone_load: bad line");
    ok(strlen(ma_static_zone_error(y)) > 0, "zone_load: the error is said");
    ST(T(ma_static_zone_load_file)(NULL, "/nonexistent", NULL), MA_EINVAL, "zone_load_file(NULL zone)");
    ST(ma_static_zone_load_file(y, NULL, NULL), MA_EINVAL, "zone_load_file(NULL path)");
    ST(ma_static_zone_load_file(NULL, NULL, NULL), MA_EINVAL, "zone_load_file(all NULL)");
    ST(ma_static_zone_load_file(y, "/nonexistent/zone", NULL), MA_EIO, "zone_load_file: no such file");
    snprintf(path, sizeof path, "%s", MA_SRCDIR);
    ST(ma_static_zone_load_file(y, path, NULL), MA_EIO, "zone_load_file: a directory");
    STR(T(ma_static_zone_error)(NULL), "", "static_zone_error(NULL): \"\"");
    ma_static_zone_free(y);
}

/* ----------------------------------------------------------------- message */

static int hook_ok(ma_msg *m, void *p)
{
    (void)m;
    (void)p;
    return MA_OK;
}

static int body_ok(const char *d, size_t n, void *p)
{
    (void)d;
    (void)n;
    (void)p;
    return MA_OK;
}

static void test_message(void)
{
    ma_msg *m = NULL, *m2 = NULL;
    const char *name = NULL, *value = NULL;
    size_t nl = 0, vl = 0;
    int i, rc;

    ST(T(ma_msg_new)(NULL, c), MA_EINVAL, "msg_new(NULL out)");
    ST(ma_msg_new(&m, NULL), MA_EINVAL, "msg_new(NULL ctx)");
    ST(ma_msg_new(NULL, NULL), MA_EINVAL, "msg_new(all NULL)");
    ok(m == NULL, "msg_new: nothing handed out on errors");
    CALL(T(ma_msg_free)(NULL), "msg_free(NULL)");
    ma_msg_new(&m, c);

    ST(T(ma_msg_on_header)(NULL, hook_ok, NULL), MA_EINVAL, "msg_on_header(NULL msg)");
    ST(ma_msg_on_header(m, NULL, NULL), MA_EINVAL, "msg_on_header(NULL fn)");
    ST(ma_msg_on_header(NULL, NULL, NULL), MA_EINVAL, "msg_on_header(all NULL)");
    for (i = 0, rc = MA_OK; i < 16 && rc == MA_OK; i++)
        rc = ma_msg_on_header(m, hook_ok, NULL);
    ST(rc, MA_OK, "msg_on_header: 16 hooks");
    ST(ma_msg_on_header(m, hook_ok, NULL), MA_ELIMIT, "msg_on_header: a 17th");

    ST(T(ma_msg_add_body_consumer)(NULL, body_ok, NULL), MA_EINVAL, "msg_add_body_consumer(NULL msg)");
    ST(ma_msg_add_body_consumer(m, NULL, NULL), MA_EINVAL, "msg_add_body_consumer(NULL fn)");
    ST(ma_msg_add_body_consumer(NULL, NULL, NULL), MA_EINVAL, "msg_add_body_consumer(all NULL)");
    for (i = 0, rc = MA_OK; i < 32 && rc == MA_OK; i++)
        rc = ma_msg_add_body_consumer(m, body_ok, NULL);
    ST(rc, MA_OK, "msg_add_body_consumer: 32 consumers");
    ST(ma_msg_add_body_consumer(m, body_ok, NULL), MA_ELIMIT, "msg_add_body_consumer: a 33rd");

    ST(T(ma_msg_write)(NULL, "x", 1), MA_EINVAL, "msg_write(NULL msg)");
    ST(ma_msg_write(m, NULL, 1), MA_EINVAL, "msg_write(NULL data, 1)");
    ST(ma_msg_write(m, NULL, SIZE_MAX), MA_EINVAL, "msg_write(NULL data, SIZE_MAX)");
    ST(ma_msg_write(NULL, NULL, 0), MA_EINVAL, "msg_write(all NULL)");
    ST(ma_msg_write(m, msg_text, 0), MA_OK, "msg_write: 0 bytes");
    RUN(ma_msg_write(m, msg_text, strlen(msg_text)), MA_OK,
       "msg_write: a message after refused calls (they did not fail the reader)");
    ST(T(ma_msg_finish)(NULL), MA_EINVAL, "msg_finish(NULL)");
    ST(ma_msg_finish(m), MA_OK, "msg_finish");
    ST(ma_msg_finish(m), MA_ESTATE, "msg_finish twice");
    ST(ma_msg_write(m, "x", 1), MA_ESTATE, "msg_write after finish");
    ST(ma_msg_on_header(m, hook_ok, NULL), MA_ESTATE, "msg_on_header after the header");

    ST(T(ma_msg_header_done)(NULL), 0, "msg_header_done(NULL): 0");
    ST(T(ma_msg_field_count)(NULL), 0, "msg_field_count(NULL): 0");
    ST(ma_msg_field_count(m), 5, "msg_field_count: 5");
    ST(T(ma_msg_field)(NULL, 0, &name, &nl, &value, &vl), MA_EINVAL, "msg_field(NULL msg)");
    ST(ma_msg_field(NULL, 0, NULL, NULL, NULL, NULL), MA_EINVAL, "msg_field(all NULL)");
    ST(ma_msg_field(m, 5, &name, &nl, &value, &vl), MA_EINVAL, "msg_field: index = count");
    ST(ma_msg_field(m, SIZE_MAX, &name, &nl, &value, &vl), MA_EINVAL, "msg_field: index SIZE_MAX");
    ST(ma_msg_field(m, 0, NULL, NULL, NULL, NULL), MA_OK, "msg_field: every out pointer may be NULL");
    ST(T(ma_msg_field_raw)(NULL, 0, &value, &vl), MA_EINVAL, "msg_field_raw(NULL msg)");
    /* Whether the out pointers of these two may be NULL is not documented
       (it is for ma_msg_field): either answer, no crash. */
    ST(ma_msg_field_raw(m, 0, NULL, &vl) == MA_OK || ma_msg_field_raw(m, 0, NULL, &vl) == MA_EINVAL, 1,
       "msg_field_raw(NULL raw): MA_OK or MA_EINVAL");
    ST(ma_msg_field_raw(m, 0, &value, NULL) == MA_OK || ma_msg_field_raw(m, 0, &value, NULL) == MA_EINVAL,
       1, "msg_field_raw(NULL len): MA_OK or MA_EINVAL");
    ST(ma_msg_field_raw(NULL, 0, NULL, NULL), MA_EINVAL, "msg_field_raw(all NULL)");
    ST(ma_msg_field_raw(m, SIZE_MAX, &value, &vl), MA_EINVAL, "msg_field_raw: index SIZE_MAX");
    ST(T(ma_msg_field_unfolded)(NULL, 0, &value, &vl), MA_EINVAL, "msg_field_unfolded(NULL msg)");
    ST(ma_msg_field_unfolded(m, 0, NULL, &vl) == MA_OK ||
           ma_msg_field_unfolded(m, 0, NULL, &vl) == MA_EINVAL,
       1, "msg_field_unfolded(NULL value): MA_OK or MA_EINVAL");
    ST(ma_msg_field_unfolded(m, 0, &value, NULL) == MA_OK ||
           ma_msg_field_unfolded(m, 0, &value, NULL) == MA_EINVAL,
       1, "msg_field_unfolded(NULL len): MA_OK or MA_EINVAL");
    ST(ma_msg_field_unfolded(NULL, 0, NULL, NULL), MA_EINVAL, "msg_field_unfolded(all NULL)");
    ST(ma_msg_field_unfolded(m, SIZE_MAX, &value, &vl), MA_EINVAL, "msg_field_unfolded: index SIZE_MAX");
    ST(T(ma_msg_find)(NULL, "From", 0), -1, "msg_find(NULL msg): -1");
    ST(ma_msg_find(m, NULL, 0), -1, "msg_find(NULL name): -1");
    ST(ma_msg_find(NULL, NULL, 0), -1, "msg_find(all NULL): -1");
    ST(ma_msg_find(m, "From", SIZE_MAX), -1, "msg_find: start SIZE_MAX: -1");
    ST(ma_msg_find(m, "", 0), -1, "msg_find: empty name: -1");
    ST(ma_msg_find(m, "from", 0), 0, "msg_find: From at 0");
    ST(T(ma_msg_body_length)(NULL), 0, "msg_body_length(NULL): 0");
    ST(T(ma_msg_input_length)(NULL), 0, "msg_input_length(NULL): 0");
    STR(T(ma_msg_error)(NULL), "", "msg_error(NULL): \"\"");
    ST(T(ma_msg_error_offset)(NULL), -1, "msg_error_offset(NULL): -1");
    STR(ma_msg_error(m), "", "msg_error of a good message: \"\"");
    ST(ma_msg_error_offset(m), -1, "msg_error_offset of a good message: -1");

    /* A failed reader keeps failing, and says why. */
    ma_msg_new(&m2, c);
    RUN(ma_msg_write(m2, "no colon here\r\n", 15), MA_ESYNTAX, "msg_write: a header line without colon");
    ST(ma_msg_write(m2, "\r\n", 2), MA_ESYNTAX, "msg_write after an error: the same status");
    ST(ma_msg_finish(m2), MA_ESYNTAX, "msg_finish after an error: the same status");
    ok(strlen(ma_msg_error(m2)) > 0 && ma_msg_error_offset(m2) >= 0 && ma_msg_error_offset(m2) < 15,
       "msg_error: said, with an offset in the line");
    ma_msg_free(m2);
    ma_msg_free(m);
}

/* --------------------------------------------------------------------- spf */

static void test_spf(void)
{
    ma_spf_params p;
    ma_job *j = NULL;
    char *s = NULL;

    STR(T(ma_spf_result_name)(-1), NULL, "spf_result_name(-1): NULL");
    STR(ma_spf_result_name(7), NULL, "spf_result_name(7): NULL");
    STR(ma_spf_result_name(INT_MIN), NULL, "spf_result_name(INT_MIN): NULL");
    STR(ma_spf_result_name(MA_SPF_PERMERROR), "permerror", "spf_result_name(PERMERROR)");
    ST(T(ma_spf_result_is_temp)(-1), 0, "spf_result_is_temp(-1): 0");
    ST(ma_spf_result_is_temp(7), 0, "spf_result_is_temp(7): 0");
    ST(ma_spf_result_is_temp(INT_MAX), 0, "spf_result_is_temp(INT_MAX): 0");
    ST(ma_spf_result_is_temp(MA_SPF_TEMPERROR), 1, "spf_result_is_temp(TEMPERROR): 1");

    ST(T(ma_spf_params_init)(NULL, MA_SPF_PARAMS_VERSION), MA_EINVAL, "spf_params_init(NULL)");
    ST(ma_spf_params_init(&p, 0), MA_EVERSION, "spf_params_init: version 0");
    ST(ma_spf_params_init(&p, UINT_MAX), MA_EVERSION, "spf_params_init: version UINT_MAX");

    p = spf_params();
    ST(T(ma_spf_job_new)(NULL, c, &p), MA_EINVAL, "spf_job_new(NULL out)");
    ST(ma_spf_job_new(&j, NULL, &p), MA_EINVAL, "spf_job_new(NULL ctx)");
    ST(ma_spf_job_new(&j, c, NULL), MA_EINVAL, "spf_job_new(NULL params)");
    ST(ma_spf_job_new(NULL, NULL, NULL), MA_EINVAL, "spf_job_new(all NULL)");
    p.version = 0;
    ST(ma_spf_job_new(&j, c, &p), MA_EVERSION, "spf_job_new: params version 0");
    p = spf_params();
    p.ip.family = 0;
    ST(ma_spf_job_new(&j, c, &p), MA_EINVAL, "spf_job_new: address family 0");
    p.ip.family = 5;
    ST(ma_spf_job_new(&j, c, &p), MA_EINVAL, "spf_job_new: address family 5");
    p = spf_params();
    p.sender = NULL;
    p.helo = NULL;
    ST(ma_spf_job_new(&j, c, &p), MA_EINVAL, "spf_job_new: neither sender nor HELO");
    p = spf_params();
    p.local_policy = "bogus:::";
    ST(ma_spf_job_new(&j, c, &p), MA_EINVAL, "spf_job_new: local_policy that does not parse");
    ok(j == NULL, "spf_job_new: nothing handed out on errors");

    ST(T(ma_spf_received_spf)(NULL, done_job[K_SPF]), MA_EINVAL, "received_spf(NULL out)");
    ST(ma_spf_received_spf(&s, NULL), MA_EINVAL, "received_spf(NULL job)");
    ST(ma_spf_received_spf(NULL, NULL), MA_EINVAL, "received_spf(all NULL)");
    ST(ma_spf_received_spf(&s, fresh_job[K_SPF]), MA_ESTATE, "received_spf: not done");
    ST(T(ma_spf_authres)(NULL, done_job[K_SPF]), MA_EINVAL, "spf_authres(NULL out)");
    ST(ma_spf_authres(&s, NULL), MA_EINVAL, "spf_authres(NULL job)");
    ST(ma_spf_authres(NULL, NULL), MA_EINVAL, "spf_authres(all NULL)");
    ST(ma_spf_authres(&s, fresh_job[K_SPF]), MA_ESTATE, "spf_authres: not done");
    ok(s == NULL, "SPF writers: nothing handed out on errors");
    RUN(ma_spf_authres(&s, done_job[K_SPF]), MA_OK, "spf_authres: done");
    STR(s, "spf=pass smtp.mailfrom=joe@example.com", "spf_authres: text");
    ma_free(c, s);
}

/* -------------------------------------------------------------------- dkim */

static void test_dkim(void)
{
    ma_dkim_verify_opts vo;
    ma_dkim_sign_opts so;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    ma_dkim_signer *s = NULL, *s2 = NULL;
    ma_dkim_sign *g = NULL;
    char *out = NULL, *key = NULL, *rec = NULL;
    ma_ctx *c2 = NULL;

    STR(T(ma_dkim_result_name)(-1), NULL, "dkim_result_name(-1): NULL");
    STR(ma_dkim_result_name(7), NULL, "dkim_result_name(7): NULL");
    STR(ma_dkim_result_name(MA_DKIM_POLICY), "policy", "dkim_result_name(POLICY)");
    STR(T(ma_dkim_reason_name)(-1), NULL, "dkim_reason_name(-1): NULL");
    STR(ma_dkim_reason_name(31), NULL, "dkim_reason_name(31): NULL");
    STR(ma_dkim_reason_name(INT_MAX), NULL, "dkim_reason_name(INT_MAX): NULL");
    ok(ma_dkim_reason_name(MA_DKIM_R_QUERY_METHOD) != NULL, "dkim_reason_name(QUERY_METHOD): a name");
    ST(T(ma_dkim_result_is_temp)(-1), 0, "dkim_result_is_temp(-1): 0");
    ST(ma_dkim_result_is_temp(7), 0, "dkim_result_is_temp(7): 0");
    ST(ma_dkim_result_is_temp(MA_DKIM_TEMPERROR), 1, "dkim_result_is_temp(TEMPERROR): 1");
    STR(T(ma_dkim_alg_name)(-1), NULL, "dkim_alg_name(-1): NULL");
    STR(ma_dkim_alg_name(4), NULL, "dkim_alg_name(4): NULL");
    STR(ma_dkim_alg_name(MA_DKIM_ALG_UNKNOWN), NULL, "dkim_alg_name(UNKNOWN): NULL");
    STR(ma_dkim_alg_name(MA_DKIM_ED25519_SHA256), "ed25519-sha256", "dkim_alg_name(ED25519)");

    ST(T(ma_dkim_verify_opts_init)(NULL, MA_DKIM_VERIFY_OPTS_VERSION), MA_EINVAL, "verify_opts_init(NULL)");
    ST(ma_dkim_verify_opts_init(&vo, 0), MA_EVERSION, "verify_opts_init: version 0");
    ST(ma_dkim_verify_opts_init(&vo, UINT_MAX), MA_EVERSION, "verify_opts_init: version UINT_MAX");
    ma_dkim_verify_opts_init(&vo, MA_DKIM_VERIFY_OPTS_VERSION);

    ST(T(ma_dkim_job_new)(NULL, c, &vo), MA_EINVAL, "dkim_job_new(NULL out)");
    ST(ma_dkim_job_new(&j, NULL, &vo), MA_EINVAL, "dkim_job_new(NULL ctx)");
    ST(ma_dkim_job_new(NULL, NULL, NULL), MA_EINVAL, "dkim_job_new(all NULL)");
    vo.version = 0;
    ST(ma_dkim_job_new(&j, c, &vo), MA_EVERSION, "dkim_job_new: opts version 0");
    vo.version = MA_DKIM_VERIFY_OPTS_VERSION;
    vo.l_policy = 3;
    ST(ma_dkim_job_new(&j, c, &vo), MA_EINVAL, "dkim_job_new: l_policy 3");
    vo.l_policy = -1;
    ST(ma_dkim_job_new(&j, c, &vo), MA_EINVAL, "dkim_job_new: l_policy -1");
    vo.l_policy = INT_MAX;
    ST(ma_dkim_job_new(&j, c, &vo), MA_EINVAL, "dkim_job_new: l_policy INT_MAX");
    ok(j == NULL, "dkim_job_new: nothing handed out on errors");

    ma_dkim_job_new(&j, c, NULL);
    ma_msg_new(&m, c);
    ST(T(ma_dkim_job_attach)(NULL, m), MA_EINVAL, "dkim_job_attach(NULL job)");
    ST(ma_dkim_job_attach(j, NULL), MA_EINVAL, "dkim_job_attach(NULL msg)");
    ST(ma_dkim_job_attach(NULL, NULL), MA_EINVAL, "dkim_job_attach(all NULL)");
    ST(ma_dkim_job_attach(j, done_msg[K_DKIM]), MA_ESTATE, "dkim_job_attach: a finished message");
    ST(ma_dkim_job_attach(j, m), MA_OK, "dkim_job_attach: valid");
    ST(ma_dkim_job_attach(j, m), MA_ESTATE, "dkim_job_attach: twice");
    ma_job_free(j);
    ma_msg_free(m);
    m = NULL;

    ST(T(ma_dkim_sign_opts_init)(NULL, MA_DKIM_SIGN_OPTS_VERSION), MA_EINVAL, "sign_opts_init(NULL)");
    ST(ma_dkim_sign_opts_init(&so, 0), MA_EVERSION, "sign_opts_init: version 0");
    ST(ma_dkim_sign_opts_init(&so, UINT_MAX), MA_EVERSION, "sign_opts_init: version UINT_MAX");
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "example.com";
    so.selector = "sel";

    ST(T(ma_dkim_signer_new)(NULL, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new(NULL out)");
    ST(ma_dkim_signer_new(&s, NULL, &so, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new(NULL ctx)");
    ST(ma_dkim_signer_new(&s, c, NULL, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new(NULL opts)");
    ST(ma_dkim_signer_new(&s, c, &so, NULL, strlen(seed_b64)), MA_EINVAL, "signer_new(NULL key)");
    ST(ma_dkim_signer_new(&s, c, &so, NULL, SIZE_MAX), MA_EINVAL, "signer_new(NULL key, SIZE_MAX)");
    ST(ma_dkim_signer_new(NULL, NULL, NULL, NULL, 0), MA_EINVAL, "signer_new(all NULL)");
    ST(T(ma_dkim_signer_new_external)(NULL, c, &so, "v=DKIM1; p=", NULL, NULL), MA_EINVAL,
       "signer_new_external(NULL out)");
    ST(ma_dkim_signer_new_external(NULL, NULL, NULL, NULL, NULL, NULL), MA_EINVAL,
       "signer_new_external(all NULL)");
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, 0) < 0, 1, "signer_new: key length 0 refused");
    ST(ma_dkim_signer_new(&s, c, &so, "junk", 4), MA_ESYNTAX, "signer_new: a key that does not decode");
    so.domain = NULL;
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new: no d=");
    so.domain = "example.com";
    so.selector = NULL;
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new: no s=");
    so.selector = "sel";
    so.identity = "joe@example.net";
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL,
       "signer_new: i= not within d=");
    so.identity = NULL;
    so.headers = "To:Subject";
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL,
       "signer_new: a header list without From");
    so.headers = NULL;
    so.header_canon = 2;
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new: header_canon 2");
    so.header_canon = MA_DKIM_RELAXED;
    so.body_canon = -1;
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EINVAL, "signer_new: body_canon -1");
    so.body_canon = MA_DKIM_RELAXED;
    so.version = 0;
    ST(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_EVERSION, "signer_new: opts version 0");
    so.version = MA_DKIM_SIGN_OPTS_VERSION;
    ok(s == NULL, "signer_new: nothing handed out on errors");
    CALL(T(ma_dkim_signer_free)(NULL), "signer_free(NULL)");

    ST(T(ma_dkim_signer_key_record)(NULL, &out), MA_EINVAL, "signer_key_record(NULL signer)");
    ST(ma_dkim_signer_key_record(signer, NULL), MA_EINVAL, "signer_key_record(NULL out)");
    ST(ma_dkim_signer_key_record(NULL, NULL), MA_EINVAL, "signer_key_record(all NULL)");

    ST(T(ma_dkim_sign_new)(NULL, signer), MA_EINVAL, "sign_new(NULL out)");
    ST(ma_dkim_sign_new(&g, NULL), MA_EINVAL, "sign_new(NULL signer)");
    ST(ma_dkim_sign_new(NULL, NULL), MA_EINVAL, "sign_new(all NULL)");
    ok(g == NULL, "sign_new: nothing handed out on errors");
    CALL(T(ma_dkim_sign_free)(NULL), "sign_free(NULL)");
    ma_dkim_sign_new(&g, signer);
    ST(T(ma_dkim_sign_add)(NULL, signer), MA_EINVAL, "sign_add(NULL signing)");
    ST(ma_dkim_sign_add(g, NULL), MA_EINVAL, "sign_add(NULL signer)");
    ST(ma_dkim_sign_add(NULL, NULL), MA_EINVAL, "sign_add(all NULL)");
    if (ma_ctx_new(&c2, NULL) == MA_OK &&
        ma_dkim_signer_new(&s2, c2, &so, seed_b64, strlen(seed_b64)) == MA_OK)
        ST(ma_dkim_sign_add(g, s2), MA_EINVAL, "sign_add: a signer of another context");
    else
        ok(0, "sign_add: a signer of another context");
    ST(T(ma_dkim_sign_field)(g, &out), MA_ESTATE, "sign_field: not attached");
    ST(T(ma_dkim_sign_attach)(NULL, m), MA_EINVAL, "sign_attach(NULL signing)");
    ST(ma_dkim_sign_attach(g, NULL), MA_EINVAL, "sign_attach(NULL msg)");
    ST(ma_dkim_sign_attach(NULL, NULL), MA_EINVAL, "sign_attach(all NULL)");
    ma_msg_new(&m, c);
    RUN(ma_dkim_sign_attach(g, m), MA_OK, "sign_attach: valid");
    ST(ma_dkim_sign_attach(g, m), MA_ESTATE, "sign_attach: twice");
    ST(ma_dkim_sign_add(g, signer), MA_ESTATE, "sign_add after attach");
    ST(ma_dkim_sign_field(NULL, &out), MA_EINVAL, "sign_field(NULL signing)");
    ST(ma_dkim_sign_field(g, NULL), MA_EINVAL, "sign_field(NULL out)");
    ST(ma_dkim_sign_field(NULL, NULL), MA_EINVAL, "sign_field(all NULL)");
    ST(ma_dkim_sign_field(g, &out), MA_ESTATE, "sign_field: message not finished");
    ma_msg_write(m, "To: x@example.org\r\n\r\nbody\r\n", 27);
    ma_msg_finish(m);
    ST(ma_dkim_sign_field(g, &out), MA_ESYNTAX, "sign_field: a message without From");
    ok(out == NULL, "signing: nothing handed out on errors");
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    m = NULL;
    ma_dkim_signer_free(s2);
    ma_ctx_free(c2);

    ST(T(ma_dkim_keygen)(NULL, &rec, c, MA_DKIM_ED25519_SHA256, 0), MA_EINVAL, "keygen(NULL key_pem)");
    ST(ma_dkim_keygen(&key, NULL, c, MA_DKIM_ED25519_SHA256, 0), MA_EINVAL, "keygen(NULL record)");
    ST(ma_dkim_keygen(&key, &rec, NULL, MA_DKIM_ED25519_SHA256, 0), MA_EINVAL, "keygen(NULL ctx)");
    ST(ma_dkim_keygen(NULL, NULL, NULL, MA_DKIM_ED25519_SHA256, 0), MA_EINVAL, "keygen(all NULL)");
    ST(ma_dkim_keygen(&key, &rec, c, MA_DKIM_ALG_UNKNOWN, 0), MA_EINVAL, "keygen: alg UNKNOWN");
    ST(ma_dkim_keygen(&key, &rec, c, MA_DKIM_RSA_SHA1, 0), MA_EINVAL, "keygen: alg rsa-sha1");
    ST(ma_dkim_keygen(&key, &rec, c, (ma_dkim_alg)99, 0), MA_EINVAL, "keygen: alg 99");
    ST(ma_dkim_keygen(&key, &rec, c, (ma_dkim_alg)-1, 0), MA_EINVAL, "keygen: alg -1");
    ST(ma_dkim_keygen(&key, &rec, c, MA_DKIM_RSA_SHA256, 512), MA_EINVAL, "keygen: RSA 512 bits");
    ST(ma_dkim_keygen(&key, &rec, c, MA_DKIM_RSA_SHA256, 8193), MA_EINVAL, "keygen: RSA 8193 bits");
    ST(ma_dkim_keygen(&key, &rec, c, MA_DKIM_RSA_SHA256, UINT_MAX), MA_EINVAL, "keygen: RSA UINT_MAX bits");
    ok(key == NULL && rec == NULL, "keygen: nothing handed out on errors");
    RUN(ma_dkim_keygen(&key, &rec, c, MA_DKIM_ED25519_SHA256, UINT_MAX), MA_OK,
       "keygen: Ed25519 ignores bits UINT_MAX");
    ok(key != NULL && rec != NULL && strncmp(rec, "v=DKIM1; k=ed25519; p=", 22) == 0,
       "keygen: a key and its record");
    if (key != NULL)
        memset(key, 0, strlen(key));
    ma_free(c, key);
    ma_free(c, rec);
}

/* ------------------------------------------------------------------- dmarc */

static void test_dmarc(void)
{
    ma_dmarc_opts o;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    ma_psl *psl = NULL;
    char *out = NULL, *problem = NULL;
    char buf[256];
    const char *trusted[2] = {"example.com", NULL};
    static const char rec[] = "v=DMARC1; p=reject";
    int rc;

    STR(T(ma_dmarc_result_name)(-1), NULL, "dmarc_result_name(-1): NULL");
    STR(ma_dmarc_result_name(5), NULL, "dmarc_result_name(5): NULL");
    STR(ma_dmarc_result_name(MA_DMARC_PERMERROR), "permerror", "dmarc_result_name(PERMERROR)");
    STR(T(ma_dmarc_policy_name)(-1), NULL, "dmarc_policy_name(-1): NULL");
    STR(ma_dmarc_policy_name(4), NULL, "dmarc_policy_name(4): NULL");
    STR(ma_dmarc_policy_name(MA_DMARC_POLICY_UNSET), "", "dmarc_policy_name(UNSET): \"\"");
    STR(T(ma_dmarc_reason_name)(-1), NULL, "dmarc_reason_name(-1): NULL");
    STR(ma_dmarc_reason_name(10), NULL, "dmarc_reason_name(10): NULL");
    STR(ma_dmarc_reason_name(MA_DMARC_R_OK), "ok", "dmarc_reason_name(OK)");
    STR(T(ma_dmarc_disposition_name)(-1), NULL, "dmarc_disposition_name(-1): NULL");
    STR(ma_dmarc_disposition_name(3), NULL, "dmarc_disposition_name(3): NULL");
    STR(ma_dmarc_disposition_name(MA_DMARC_DISP_REJECT), "reject", "dmarc_disposition_name(REJECT)");
    STR(T(ma_dmarc_override_name)(-1), NULL, "dmarc_override_name(-1): NULL");
    STR(ma_dmarc_override_name(4), NULL, "dmarc_override_name(4): NULL");
    STR(ma_dmarc_override_name(MA_DMARC_OVERRIDE_NONE), "", "dmarc_override_name(NONE): \"\"");

    ST(T(ma_dmarc_record_effective)(NULL, &problem, c, rec, sizeof rec - 1, 0), MA_EINVAL,
       "record_effective(NULL out)");
    ST(ma_dmarc_record_effective(&out, &problem, NULL, rec, sizeof rec - 1, 0), MA_EINVAL,
       "record_effective(NULL ctx)");
    ST(ma_dmarc_record_effective(&out, &problem, c, NULL, sizeof rec - 1, 0), MA_EINVAL,
       "record_effective(NULL record)");
    ST(ma_dmarc_record_effective(&out, &problem, c, NULL, SIZE_MAX, 0), MA_EINVAL,
       "record_effective(NULL record, SIZE_MAX)");
    ST(ma_dmarc_record_effective(NULL, NULL, NULL, NULL, 0, 0), MA_EINVAL, "record_effective(all NULL)");
    ST(ma_dmarc_record_effective(&out, &problem, c, rec, sizeof rec - 1, 2), MA_EINVAL,
       "record_effective: mode 2");
    ST(ma_dmarc_record_effective(&out, &problem, c, rec, sizeof rec - 1, -1), MA_EINVAL,
       "record_effective: mode -1");
    ok(out == NULL && problem == NULL, "record_effective: nothing handed out on errors");
    RUN(ma_dmarc_record_effective(&out, &problem, c, rec, 0, 0), MA_ESYNTAX, "record_effective: length 0");
    ok(out == NULL, "record_effective: refused: *out NULL");
    ma_free(c, problem);
    problem = NULL;
    RUN(ma_dmarc_record_effective(&out, NULL, c, rec, sizeof rec - 1, 0), MA_OK,
       "record_effective: problem may be NULL");
    ma_free(c, out);
    out = NULL;

    ST(T(ma_psl_new)(NULL, c, NULL), MA_EINVAL, "psl_new(NULL out)");
    ST(ma_psl_new(&psl, NULL, NULL), MA_EINVAL, "psl_new(NULL ctx)");
    ST(ma_psl_new(NULL, NULL, NULL), MA_EINVAL, "psl_new(all NULL)");
    ST(ma_psl_new(&psl, c, "/nonexistent/psl.dat"), MA_EIO, "psl_new: no such file");
    ok(psl == NULL, "psl_new: nothing handed out on errors");
    CALL(T(ma_psl_free)(NULL), "psl_free(NULL)");
    rc = ma_psl_new(&psl, c, NULL);
    ok(rc == MA_OK || rc == MA_EUNSUPPORTED, "psl_new: the built-in list, or EUNSUPPORTED");
    /* A NULL list: undocumented; the implementation takes libpsl's
       built-in list, as ma_iprev_params.psl documents for NULL. */
    rc = T(ma_psl_org_domain)(NULL, "a.example.com", buf, sizeof buf);
    ok(rc == MA_EINVAL || (rc == MA_OK && strcmp(buf, "example.com") == 0) ||
           (rc == MA_EUNSUPPORTED && psl == NULL),
       "psl_org_domain(NULL psl): MA_EINVAL, or the built-in list's answer");
    if (psl != NULL) {
        ST(ma_psl_org_domain(psl, NULL, buf, sizeof buf), MA_EINVAL, "psl_org_domain(NULL domain)");
        ST(ma_psl_org_domain(psl, "a.example.com", NULL, sizeof buf), MA_EINVAL, "psl_org_domain(NULL out)");
        ST(ma_psl_org_domain(psl, "a.example.com", NULL, SIZE_MAX), MA_EINVAL,
           "psl_org_domain(NULL out, SIZE_MAX)");
        rc = ma_psl_org_domain(psl, "a.example.com", buf, 0);
        ok(rc == MA_ELIMIT || rc == MA_EINVAL, "psl_org_domain: size 0: MA_ELIMIT or MA_EINVAL");
        ST(ma_psl_org_domain(psl, "a.example.com", buf, 11), MA_ELIMIT, "psl_org_domain: size 11");
        ST(ma_psl_org_domain(psl, "com", buf, sizeof buf), MA_ENOTFOUND, "psl_org_domain: a public suffix");
        ST(ma_psl_org_domain(psl, "a..b", buf, sizeof buf), MA_ENOTFOUND, "psl_org_domain: not a name");
        ST(ma_psl_org_domain(psl, "", buf, sizeof buf), MA_ENOTFOUND, "psl_org_domain: empty");
        ST(ma_psl_org_domain(psl, "A.Example.COM", buf, SIZE_MAX), MA_OK, "psl_org_domain: size SIZE_MAX");
        STR(buf, "example.com", "psl_org_domain: lower case");
    }
    ST(ma_psl_org_domain(NULL, NULL, NULL, 0), MA_EINVAL, "psl_org_domain(all NULL)");

    ST(T(ma_dmarc_opts_init)(NULL, MA_DMARC_OPTS_VERSION), MA_EINVAL, "dmarc_opts_init(NULL)");
    ST(ma_dmarc_opts_init(&o, 0), MA_EVERSION, "dmarc_opts_init: version 0");
    ST(ma_dmarc_opts_init(&o, UINT_MAX), MA_EVERSION, "dmarc_opts_init: version UINT_MAX");
    ma_dmarc_opts_init(&o, MA_DMARC_OPTS_VERSION);
    ST(T(ma_dmarc_job_new)(NULL, c, &o), MA_EINVAL, "dmarc_job_new(NULL out)");
    ST(ma_dmarc_job_new(&j, NULL, &o), MA_EINVAL, "dmarc_job_new(NULL ctx)");
    ST(ma_dmarc_job_new(NULL, NULL, NULL), MA_EINVAL, "dmarc_job_new(all NULL)");
    o.version = 0;
    ST(ma_dmarc_job_new(&j, c, &o), MA_EVERSION, "dmarc_job_new: opts version 0");
    o.version = MA_DMARC_OPTS_VERSION;
    o.mode = 2;
    ST(ma_dmarc_job_new(&j, c, &o), MA_EINVAL, "dmarc_job_new: mode 2");
    o.mode = -1;
    ST(ma_dmarc_job_new(&j, c, &o), MA_EINVAL, "dmarc_job_new: mode -1");
    o.mode = MA_DMARC_MODE_9989;
    ok(j == NULL, "dmarc_job_new: nothing handed out on errors");

    ma_dmarc_job_new(&j, c, &o);
    ma_msg_new(&m, c);
    ST(T(ma_dmarc_job_attach)(NULL, m), MA_EINVAL, "dmarc_job_attach(NULL job)");
    ST(ma_dmarc_job_attach(j, NULL), MA_EINVAL, "dmarc_job_attach(NULL msg)");
    ST(ma_dmarc_job_attach(NULL, NULL), MA_EINVAL, "dmarc_job_attach(all NULL)");
    ST(ma_dmarc_job_attach(j, done_msg[K_DMARC]), MA_ESTATE, "dmarc_job_attach: a finished message");
    ST(T(ma_dmarc_job_set_author)(NULL, "example.com"), MA_EINVAL, "set_author(NULL job)");
    ST(ma_dmarc_job_set_author(j, NULL), MA_EINVAL, "set_author(NULL domain)");
    ST(ma_dmarc_job_set_author(NULL, NULL), MA_EINVAL, "set_author(all NULL)");
    ST(ma_dmarc_job_set_author(j, "exa mple.com"), MA_EINVAL, "set_author: not a domain");
    ST(ma_dmarc_job_set_author(j, ""), MA_EINVAL, "set_author: empty");
    RUN(ma_dmarc_job_set_author(j, "example.com"), MA_OK, "set_author: valid");
    ST(ma_dmarc_job_set_author(j, "example.com"), MA_ESTATE, "set_author: twice");
    ST(ma_dmarc_job_attach(j, m), MA_ESTATE, "dmarc_job_attach after set_author");

    ST(T(ma_dmarc_job_add_spf)(NULL, MA_SPF_PASS, "example.com", MA_DMARC_SPF_MAILFROM), MA_EINVAL,
       "add_spf(NULL job)");
    ST(ma_dmarc_job_add_spf(j, MA_SPF_PASS, NULL, MA_DMARC_SPF_MAILFROM), MA_EINVAL, "add_spf(NULL domain)");
    ST(ma_dmarc_job_add_spf(NULL, MA_SPF_PASS, NULL, 0), MA_EINVAL, "add_spf(all NULL)");
    ST(ma_dmarc_job_add_spf(j, -1, "example.com", MA_DMARC_SPF_MAILFROM), MA_EINVAL, "add_spf: result -1");
    ST(ma_dmarc_job_add_spf(j, 7, "example.com", MA_DMARC_SPF_MAILFROM), MA_EINVAL, "add_spf: result 7");
    ST(ma_dmarc_job_add_spf(j, MA_SPF_PASS, "example.com", 2), MA_EINVAL, "add_spf: scope 2");
    ST(ma_dmarc_job_add_spf(j, MA_SPF_PASS, "example.com", -1), MA_EINVAL, "add_spf: scope -1");
    ST(ma_dmarc_job_add_spf(j, MA_SPF_PASS, "example.com", MA_DMARC_SPF_MAILFROM), MA_OK, "add_spf: valid");
    ST(ma_dmarc_job_add_spf(j, MA_SPF_PASS, "example.com", MA_DMARC_SPF_MAILFROM), MA_ESTATE,
       "add_spf: a second");

    ST(T(ma_dmarc_job_add_dkim)(NULL, MA_DKIM_PASS, "example.com", 0), MA_EINVAL, "add_dkim(NULL job)");
    ST(ma_dmarc_job_add_dkim(j, MA_DKIM_PASS, NULL, 0), MA_EINVAL, "add_dkim(NULL domain)");
    ST(ma_dmarc_job_add_dkim(NULL, MA_DKIM_PASS, NULL, 0), MA_EINVAL, "add_dkim(all NULL)");
    ST(ma_dmarc_job_add_dkim(j, -1, "example.com", 0), MA_EINVAL, "add_dkim: result -1");
    ST(ma_dmarc_job_add_dkim(j, 7, "example.com", 0), MA_EINVAL, "add_dkim: result 7");
    {
        int i;
        rc = MA_OK;
        for (i = 0; i < 32 && rc == MA_OK; i++)
            rc = ma_dmarc_job_add_dkim(j, MA_DKIM_FAIL, "example.net", 0);
        ST(rc, MA_OK, "add_dkim: 32 verdicts");
        ST(ma_dmarc_job_add_dkim(j, MA_DKIM_FAIL, "example.net", 0), MA_ELIMIT, "add_dkim: a 33rd");
    }

    ST(T(ma_dmarc_job_add_dkim_job)(NULL, done_job[K_DKIM]), MA_EINVAL, "add_dkim_job(NULL job)");
    ST(ma_dmarc_job_add_dkim_job(j, NULL), MA_EINVAL, "add_dkim_job(NULL dkim)");
    ST(ma_dmarc_job_add_dkim_job(NULL, NULL), MA_EINVAL, "add_dkim_job(all NULL)");
    ST(ma_dmarc_job_add_dkim_job(j, fresh_job[K_DKIM]), MA_ESTATE, "add_dkim_job: a DKIM job not done");

    ST(T(ma_dmarc_job_set_arc)(NULL, 1, "example.com", trusted, 1), MA_EINVAL, "set_arc(NULL job)");
    ST(ma_dmarc_job_set_arc(j, 1, "example.com", NULL, 1), MA_EINVAL, "set_arc(NULL trusted, 1)");
    ST(ma_dmarc_job_set_arc(j, 1, "example.com", NULL, SIZE_MAX), MA_EINVAL,
       "set_arc(NULL trusted, SIZE_MAX)");
    ST(ma_dmarc_job_set_arc(j, 1, "example.com", trusted, 2), MA_EINVAL, "set_arc: a NULL trusted domain");
    ST(ma_dmarc_job_set_arc(NULL, 1, NULL, NULL, 0), MA_EINVAL, "set_arc(all NULL)");
    /* last: a call that wrongly succeeds closes the ARC input */
    ST(ma_dmarc_job_set_arc(j, 1, NULL, trusted, 1), MA_EINVAL, "set_arc(NULL sealer) for a passing chain");

    ST(T(ma_dmarc_job_authres)(NULL, &out), MA_EINVAL, "dmarc_authres(NULL job)");
    ST(ma_dmarc_job_authres(done_job[K_DMARC], NULL), MA_EINVAL, "dmarc_authres(NULL out)");
    ST(ma_dmarc_job_authres(NULL, NULL), MA_EINVAL, "dmarc_authres(all NULL)");
    ST(ma_dmarc_job_authres(j, &out), MA_ESTATE, "dmarc_authres: not done");
    ST(T(ma_dmarc_job_report_row)(NULL, "192.0.2.1", &out), MA_EINVAL, "report_row(NULL job)");
    ST(ma_dmarc_job_report_row(done_job[K_DMARC], NULL, &out), MA_EINVAL, "report_row(NULL ip)");
    ST(ma_dmarc_job_report_row(done_job[K_DMARC], "192.0.2.1", NULL), MA_EINVAL, "report_row(NULL out)");
    ST(ma_dmarc_job_report_row(NULL, NULL, NULL), MA_EINVAL, "report_row(all NULL)");
    ST(ma_dmarc_job_report_row(done_job[K_DMARC], "192.0.2.300", &out), MA_EINVAL, "report_row: bad address");
    ST(ma_dmarc_job_report_row(done_job[K_DMARC], "", &out), MA_EINVAL, "report_row: empty address");
    ST(ma_dmarc_job_report_row(j, "192.0.2.1", &out), MA_ESTATE, "report_row: not done");
    ok(out == NULL, "DMARC writers: nothing handed out on errors");

    /* After a step the inputs are closed. */
    ST(ma_job_run(j, r), MA_JOB_DONE, "dmarc job with 33 inputs: done");
    ST(ma_dmarc_job_add_dkim(j, MA_DKIM_PASS, "example.com", 0), MA_ESTATE, "add_dkim after the job ran");
    ST(ma_dmarc_job_add_dkim_job(j, done_job[K_DKIM]), MA_ESTATE, "add_dkim_job after the job ran");
    ST(ma_dmarc_job_set_arc(j, 1, "example.com", trusted, 1), MA_ESTATE, "set_arc after the job ran");
    RUN(ma_dmarc_job_report_row(j, "192.0.2.1", &out), MA_OK, "report_row: done");
    ma_free(c, out);
    ma_job_free(j);
    ma_msg_free(m);
    ma_psl_free(psl);
}

/* --------------------------------------------------------------------- arc */

static void test_arc(void)
{
    ma_job *j = NULL, *other = NULL;
    ma_msg *m = NULL, *m2 = NULL;
    ma_arc_seal *g = NULL;
    char *out = NULL;

    STR(T(ma_arc_result_name)(-1), NULL, "arc_result_name(-1): NULL");
    STR(ma_arc_result_name(3), NULL, "arc_result_name(3): NULL");
    STR(ma_arc_result_name(MA_ARC_FAIL), "fail", "arc_result_name(FAIL)");

    ST(T(ma_arc_job_new)(NULL, c, NULL), MA_EINVAL, "arc_job_new(NULL out)");
    ST(ma_arc_job_new(&j, NULL, NULL), MA_EINVAL, "arc_job_new(NULL ctx)");
    ST(ma_arc_job_new(NULL, NULL, NULL), MA_EINVAL, "arc_job_new(all NULL)");
    ST(ma_arc_job_new(&j, c, &out), MA_EINVAL, "arc_job_new: opts is reserved (non-NULL)");
    ok(j == NULL, "arc_job_new: nothing handed out on errors");
    ma_arc_job_new(&j, c, NULL);
    ma_msg_new(&m, c);
    ST(T(ma_arc_job_attach)(NULL, m), MA_EINVAL, "arc_job_attach(NULL job)");
    ST(ma_arc_job_attach(j, NULL), MA_EINVAL, "arc_job_attach(NULL msg)");
    ST(ma_arc_job_attach(NULL, NULL), MA_EINVAL, "arc_job_attach(all NULL)");
    ST(ma_arc_job_attach(j, done_msg[K_ARC]), MA_ESTATE, "arc_job_attach: a finished message");

    ST(T(ma_arc_seal_new)(NULL, signer, "mx.example.org"), MA_EINVAL, "seal_new(NULL out)");
    ST(ma_arc_seal_new(&g, NULL, "mx.example.org"), MA_EINVAL, "seal_new(NULL signer)");
    ST(ma_arc_seal_new(&g, signer, NULL), MA_EINVAL, "seal_new(NULL authserv-id)");
    ST(ma_arc_seal_new(NULL, NULL, NULL), MA_EINVAL, "seal_new(all NULL)");
    ST(ma_arc_seal_new(&g, signer, ""), MA_EINVAL, "seal_new: empty authserv-id");
    ST(ma_arc_seal_new(&g, signer, "mx example"), MA_EINVAL, "seal_new: authserv-id with a space");
    ST(ma_arc_seal_new(&g, signer, "mx;example"), MA_EINVAL, "seal_new: authserv-id with ';'");
    ST(ma_arc_seal_new(&g, signer, "mx\"example"), MA_EINVAL, "seal_new: authserv-id with a quote");
    ST(ma_arc_seal_new(&g, signer, "mx\\example"), MA_EINVAL, "seal_new: authserv-id with a backslash");
    ST(ma_arc_seal_new(&g, signer, "mx\x01"), MA_EINVAL, "seal_new: authserv-id with a control character");
    {
        char longid[300];
        memset(longid, 'a', 256);
        longid[256] = '\0';
        ST(ma_arc_seal_new(&g, signer, longid), MA_EINVAL, "seal_new: authserv-id of 256 bytes");
    }
    ok(g == NULL, "seal_new: nothing handed out on errors");
    CALL(T(ma_arc_seal_free)(NULL), "seal_free(NULL)");
    ma_arc_seal_new(&g, signer, "mx.example.org");
    ST(T(ma_arc_seal_fields)(g, j, NULL, &out), MA_ESTATE, "seal_fields: not attached");
    ST(T(ma_arc_seal_attach)(NULL, m), MA_EINVAL, "seal_attach(NULL seal)");
    ST(ma_arc_seal_attach(g, NULL), MA_EINVAL, "seal_attach(NULL msg)");
    ST(ma_arc_seal_attach(NULL, NULL), MA_EINVAL, "seal_attach(all NULL)");
    ST(ma_arc_seal_attach(g, m), MA_OK, "seal_attach: valid");
    ST(ma_arc_seal_attach(g, m), MA_ESTATE, "seal_attach: twice");
    ST(ma_arc_job_attach(j, m), MA_OK, "arc_job_attach: valid");
    ST(ma_arc_job_attach(j, m), MA_ESTATE, "arc_job_attach: twice");
    ST(ma_arc_seal_fields(NULL, j, NULL, &out), MA_EINVAL, "seal_fields(NULL seal)");
    ST(ma_arc_seal_fields(g, NULL, NULL, &out), MA_EINVAL, "seal_fields(NULL arc)");
    ST(ma_arc_seal_fields(g, j, NULL, NULL), MA_EINVAL, "seal_fields(NULL out)");
    ST(ma_arc_seal_fields(NULL, NULL, NULL, NULL), MA_EINVAL, "seal_fields(all NULL)");
    ST(ma_arc_seal_fields(g, j, NULL, &out), MA_ESTATE, "seal_fields: message not finished");
    ma_msg_write(m, signed_msg, strlen(signed_msg));
    ma_msg_finish(m);
    ST(ma_arc_seal_fields(g, j, NULL, &out), MA_ESTATE, "seal_fields: validation not done");
    ma_job_run(j, r);
    ST(ma_arc_seal_fields(g, j, "spf=pass\r\n", &out), MA_EINVAL, "seal_fields: CRLF in results");
    ST(ma_arc_seal_fields(g, j, "spf=pass\n", &out), MA_EINVAL, "seal_fields: LF in results");
    ok(out == NULL, "seal_fields: nothing handed out on errors");
    /* The validation of the message as received may come from a job on
       another reader (a hop that changes the message before sealing). */
    ma_msg_new(&m2, c);
    ma_arc_job_new(&other, c, NULL);
    ma_arc_job_attach(other, m2);
    ma_msg_write(m2, signed_msg, strlen(signed_msg));
    ma_msg_finish(m2);
    ma_job_run(other, r);
    RUN(ma_arc_seal_fields(g, other, NULL, &out), MA_OK, "seal_fields: an ARC job on another reader");
    ok(out != NULL && strstr(out, "ARC-Seal: i=2;") != NULL, "seal_fields: the second set");
    ma_free(c, out);
    out = NULL;
    RUN(ma_arc_seal_fields(g, j, NULL, &out), MA_OK, "seal_fields: valid (NULL results)");
    ok(out != NULL && strstr(out, "ARC-Seal: i=2;") != NULL, "seal_fields: the second set");
    ma_free(c, out);
    ma_job_free(other);
    ma_msg_free(m2);
    ma_arc_seal_free(g);
    ma_job_free(j);
    ma_msg_free(m);
}

/* ----------------------------------------------------------------- authres */

static void test_authres(void)
{
    ma_authres *ar = NULL, *bogus = (ma_authres *)&ar;
    ma_authres_list *l = NULL;
    size_t off = 7;
    const char *et = NULL, *p1, *p2, *p3;
    char *out = NULL;
    size_t len;
    static const char v[] = "mx.example.org; spf=pass smtp.mailfrom=example.com";
    ma_msg *m = NULL;
    int i, rc;
    char big[MA_AUTHRES_MAX_VALUE + 1];

    memset(big, 'a', sizeof big);
    ST(T(ma_authres_parse)(NULL, &off, &et, c, v, sizeof v - 1), MA_EINVAL, "authres_parse(NULL out)");
    ar = bogus;
    ST(ma_authres_parse(&ar, &off, &et, NULL, v, sizeof v - 1), MA_EINVAL, "authres_parse(NULL ctx)");
    ok(ar == NULL, "authres_parse: *out NULL on error");
    ST(ma_authres_parse(&ar, &off, &et, c, NULL, 5), MA_EINVAL, "authres_parse(NULL value, 5)");
    ST(ma_authres_parse(&ar, &off, &et, c, NULL, SIZE_MAX), MA_EINVAL, "authres_parse(NULL value, SIZE_MAX)");
    ST(ma_authres_parse(NULL, NULL, NULL, NULL, NULL, 0), MA_EINVAL, "authres_parse(all NULL)");
    ST(ma_authres_parse(&ar, NULL, NULL, c, NULL, 0), MA_ESYNTAX,
       "authres_parse(NULL value, 0): empty input, no authserv-id");
    ar = bogus;
    ST(ma_authres_parse(&ar, &off, &et, c, "spf=pass", 8), MA_ESYNTAX, "authres_parse: no authserv-id");
    ok(ar == NULL && et != NULL && strlen(et) > 0, "authres_parse: *out NULL, the error said");
    RUN(ma_authres_parse(&ar, NULL, NULL, c, v, sizeof v - 1), MA_OK,
       "authres_parse: err_offset and err_text may be NULL");

    ST(T(ma_authres_new)(NULL, c, "mx"), MA_EINVAL, "authres_new(NULL out)");
    {
        ma_authres *b = NULL;
        ST(ma_authres_new(&b, NULL, "mx"), MA_EINVAL, "authres_new(NULL ctx)");
        ST(ma_authres_new(&b, c, NULL), MA_EINVAL, "authres_new(NULL authserv-id)");
        ST(ma_authres_new(NULL, NULL, NULL), MA_EINVAL, "authres_new(all NULL)");
        ST(ma_authres_new(&b, c, ""), MA_EINVAL, "authres_new: empty authserv-id");
        ST(ma_authres_new(&b, c, "mx\r\n.example"), MA_EINVAL, "authres_new: CRLF in the authserv-id");
        ok(b == NULL, "authres_new: nothing handed out on errors");
    }
    CALL(T(ma_authres_free)(NULL), "authres_free(NULL)");

    STR(T(ma_authres_authserv_id)(NULL), NULL, "authserv_id(NULL): NULL");
    ST(T(ma_authres_version)(NULL), 0, "authres_version(NULL): 0");
    ST(T(ma_authres_count)(NULL), 0, "authres_count(NULL): 0");
    STR(T(ma_authres_method)(NULL, 0), NULL, "authres_method(NULL): NULL");
    STR(ma_authres_method(ar, 1), NULL, "authres_method: index = count");
    STR(ma_authres_method(ar, SIZE_MAX), NULL, "authres_method: index SIZE_MAX");
    ST(T(ma_authres_method_version)(NULL, 0), 0, "method_version(NULL): 0");
    ST(ma_authres_method_version(ar, SIZE_MAX), 0, "method_version: index SIZE_MAX");
    STR(T(ma_authres_result)(NULL, 0), NULL, "authres_result(NULL): NULL");
    STR(ma_authres_result(ar, SIZE_MAX), NULL, "authres_result: index SIZE_MAX");
    STR(T(ma_authres_reason)(NULL, 0), NULL, "authres_reason(NULL): NULL");
    STR(ma_authres_reason(ar, SIZE_MAX), NULL, "authres_reason: index SIZE_MAX");
    STR(ma_authres_reason(ar, 0), NULL, "authres_reason: none");
    ST(T(ma_authres_prop_count)(NULL, 0), 0, "prop_count(NULL): 0");
    ST(ma_authres_prop_count(ar, SIZE_MAX), 0, "prop_count: index SIZE_MAX");
    ST(T(ma_authres_prop)(NULL, 0, 0, &p1, &p2, &p3), MA_EINVAL, "authres_prop(NULL ar)");
    ST(ma_authres_prop(NULL, 0, 0, NULL, NULL, NULL), MA_EINVAL, "authres_prop(all NULL)");
    ST(ma_authres_prop(ar, SIZE_MAX, 0, &p1, &p2, &p3), MA_EINVAL, "authres_prop: result SIZE_MAX");
    ST(ma_authres_prop(ar, 0, 1, &p1, &p2, &p3), MA_EINVAL, "authres_prop: property = count");
    ST(ma_authres_prop(ar, 0, SIZE_MAX, &p1, &p2, &p3), MA_EINVAL, "authres_prop: property SIZE_MAX");
    ST(ma_authres_prop(ar, 0, 0, NULL, NULL, NULL), MA_OK, "authres_prop: every out pointer may be NULL");

    ST(T(ma_authres_add)(NULL, "spf", 0, "pass", NULL, 0), MA_EINVAL, "authres_add(NULL ar)");
    ST(ma_authres_add(ar, NULL, 0, "pass", NULL, 0), MA_EINVAL, "authres_add(NULL method)");
    ST(ma_authres_add(ar, "spf", 0, NULL, NULL, 0), MA_EINVAL, "authres_add(NULL result)");
    ST(ma_authres_add(NULL, NULL, 0, NULL, NULL, 0), MA_EINVAL, "authres_add(all NULL)");
    ST(ma_authres_add(ar, "", 0, "pass", NULL, 0), MA_EINVAL, "authres_add: empty method");
    ST(ma_authres_add(ar, "s p f", 0, "pass", NULL, 0), MA_EINVAL, "authres_add: method with spaces");
    ST(ma_authres_add(ar, "-spf", 0, "pass", NULL, 0), MA_EINVAL, "authres_add: method with a leading hyphen");
    ST(ma_authres_add(ar, "spf", 0, "pa;ss", NULL, 0), MA_EINVAL, "authres_add: bad result keyword");
    ST(ma_authres_add(ar, "spf", 0, "pass", "a\r\nb", 4), MA_EINVAL, "authres_add: CRLF in the reason");
    ST(ma_authres_add(ar, "spf", 0, "pass", big, MA_AUTHRES_MAX_VALUE + 1), MA_ELIMIT,
       "authres_add: reason one byte over MA_LIMIT_AUTHRES_VALUE_BYTES");
    ST(ma_authres_add(ar, "spf", 0, "pass", big, MA_AUTHRES_MAX_VALUE), MA_OK,
       "authres_add: reason of MA_LIMIT_AUTHRES_VALUE_BYTES");
    ST(ma_authres_add(ar, "spf", 0, "pass", "x", SIZE_MAX) < 0, 1,
       "authres_add: reason length SIZE_MAX refused");

    ST(T(ma_authres_add_prop)(NULL, "smtp", "helo", "x", 1), MA_EINVAL, "add_prop(NULL ar)");
    ST(ma_authres_add_prop(ar, NULL, "helo", "x", 1), MA_EINVAL, "add_prop(NULL ptype)");
    ST(ma_authres_add_prop(ar, "smtp", NULL, "x", 1), MA_EINVAL, "add_prop(NULL property)");
    ST(ma_authres_add_prop(ar, "smtp", "helo", NULL, 1), MA_EINVAL, "add_prop(NULL value, 1)");
    ST(ma_authres_add_prop(ar, "smtp", "helo", NULL, SIZE_MAX), MA_EINVAL, "add_prop(NULL value, SIZE_MAX)");
    ST(ma_authres_add_prop(NULL, NULL, NULL, NULL, 0), MA_EINVAL, "add_prop(all NULL)");
    ST(ma_authres_add_prop(ar, "smtp", "helo", big, MA_AUTHRES_MAX_VALUE + 1), MA_ELIMIT,
       "add_prop: value one byte over MA_LIMIT_AUTHRES_VALUE_BYTES");
    ST(ma_authres_add_prop(ar, "smtp", "helo", "x", SIZE_MAX) < 0, 1,
       "add_prop: value length SIZE_MAX refused");
    ST(ma_authres_add_prop(ar, "smtp", "helo", "a\nb", 3), MA_EINVAL, "add_prop: LF in the value");
    ST(ma_authres_add_prop(ar, "smtp", "helo", "a\0b", 3), MA_EINVAL, "add_prop: NUL in the value");
    ST(ma_authres_add_prop(ar, "smtp", "helo", "\xff", 1), MA_EINVAL, "add_prop: invalid UTF-8");
    ST(ma_authres_add_prop(ar, "sm tp", "helo", "x", 1), MA_EINVAL, "add_prop: bad ptype");
    {
        ma_authres *b = NULL;
        ma_authres_new(&b, c, "mx.example.org");
        ST(ma_authres_add_prop(b, "smtp", "helo", "x", 1), MA_EINVAL, "add_prop: no result yet");
        for (i = 0, rc = MA_OK; i < MA_AUTHRES_MAX_RESULTS && rc == MA_OK; i++)
            rc = ma_authres_add(b, "spf", 0, "pass", NULL, 0);
        ST(rc, MA_OK, "authres_add: MA_AUTHRES_MAX_RESULTS results");
        ST(ma_authres_add(b, "spf", 0, "pass", NULL, 0), MA_ELIMIT, "authres_add: one more");
        for (i = 0, rc = MA_OK; i < MA_AUTHRES_MAX_PROPS && rc == MA_OK; i++)
            rc = ma_authres_add_prop(b, "smtp", "helo", "x", 1);
        ST(rc, MA_OK, "add_prop: MA_AUTHRES_MAX_PROPS properties");
        ST(ma_authres_add_prop(b, "smtp", "helo", "x", 1), MA_ELIMIT, "add_prop: one more");
        ma_authres_free(b);
    }

    ST(T(ma_authres_write)(NULL, &len, ar, 0), MA_EINVAL, "authres_write(NULL out)");
    ST(ma_authres_write(&out, &len, NULL, 0), MA_EINVAL, "authres_write(NULL ar)");
    ST(ma_authres_write(NULL, NULL, NULL, 0), MA_EINVAL, "authres_write(all NULL)");
    ST(ma_authres_write(&out, &len, ar, 2), MA_EINVAL, "authres_write: unknown flag");
    ST(ma_authres_write(&out, &len, ar, UINT_MAX), MA_EINVAL, "authres_write: flags UINT_MAX");
    ok(out == NULL, "authres_write: nothing handed out on errors");
    RUN(ma_authres_write(&out, NULL, ar, MA_AUTHRES_WRITE_FIELD), MA_OK, "authres_write: len_out may be NULL");
    ma_free(c, out);
    out = NULL;
    {
        /* A parsed object with a ptype-less property is refused by the writer. */
        ma_authres *b = NULL;
        static const char ms[] = "mx.example.org; dmarc=pass action=none";
        ma_authres_parse(&b, NULL, NULL, c, ms, sizeof ms - 1);
        ST(ma_authres_write(&out, &len, b, 0), MA_EINVAL, "authres_write: a ptype-less property");
        ma_authres_free(b);
    }

    m = read_msg("Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com\r\n"
                 "Authentication-Results: mx.example.org; spf=\r\n"
                 "From: x@example.com\r\n\r\n");
    ST(T(ma_authres_select)(NULL, c, m, "mx.example.org"), MA_EINVAL, "authres_select(NULL out)");
    ST(ma_authres_select(&l, NULL, m, "mx.example.org"), MA_EINVAL, "authres_select(NULL ctx)");
    ST(ma_authres_select(&l, c, NULL, "mx.example.org"), MA_EINVAL, "authres_select(NULL msg)");
    ST(ma_authres_select(&l, c, m, NULL), MA_EINVAL, "authres_select(NULL authserv-id)");
    ST(ma_authres_select(NULL, NULL, NULL, NULL), MA_EINVAL, "authres_select(all NULL)");
    ok(l == NULL, "authres_select: nothing handed out on errors");
    ST(T(ma_authres_select_text)(NULL, c, m, "mx.example.org"), MA_EINVAL, "select_text(NULL out)");
    ST(ma_authres_select_text(&out, NULL, m, "mx.example.org"), MA_EINVAL, "select_text(NULL ctx)");
    ST(ma_authres_select_text(&out, c, NULL, "mx.example.org"), MA_EINVAL, "select_text(NULL msg)");
    ST(ma_authres_select_text(&out, c, m, NULL), MA_EINVAL, "select_text(NULL authserv-id)");
    ST(ma_authres_select_text(NULL, NULL, NULL, NULL), MA_EINVAL, "select_text(all NULL)");
    ST(ma_authres_select_text(&out, c, m, "other.example"), MA_OK, "select_text: no field for the id");
    ok(out == NULL, "select_text: NULL when no field has a result");
    {
        long *idx = (long *)&len;
        size_t n = 7;
        ST(T(ma_authres_forged)(NULL, &n, c, m, "mx.example.org"), MA_EINVAL, "authres_forged(NULL out)");
        ST(ma_authres_forged(&idx, &n, NULL, m, "mx.example.org"), MA_EINVAL, "authres_forged(NULL ctx)");
        ST(ma_authres_forged(&idx, &n, c, NULL, "mx.example.org"), MA_EINVAL, "authres_forged(NULL msg)");
        ST(ma_authres_forged(&idx, &n, c, m, NULL), MA_EINVAL, "authres_forged(NULL authserv-id)");
        ST(ma_authres_forged(&idx, &n, c, m, ""), MA_EINVAL, "authres_forged: empty authserv-id");
        ST(ma_authres_forged(NULL, NULL, NULL, NULL, NULL), MA_EINVAL, "authres_forged(all NULL)");
        /* n_out is not documented as optional: MA_EINVAL, or MA_OK without it */
        rc = ma_authres_forged(&idx, NULL, c, m, "other.example");
        ok(rc == MA_EINVAL || (rc == MA_OK && idx == NULL), "authres_forged(NULL n_out): MA_EINVAL or MA_OK");
        ST(ma_authres_forged(&idx, &n, c, m, "other.example"), MA_OK, "authres_forged: no field claims the id");
        ok(idx == NULL && n == 0, "authres_forged: NULL and 0 when there is none");
        RUN(ma_authres_forged(&idx, &n, c, m, "MX.example.org"), MA_OK, "authres_forged: valid");
        ok(idx != NULL && n == 2 && idx[0] == 1 && idx[1] == 0,
           "authres_forged: both fields (the malformed one too), highest index first");
        ma_free(c, idx);
    }

    ST(T(ma_authres_list_count)(NULL), 0, "list_count(NULL): 0");
    ok(T(ma_authres_list_get)(NULL, 0) == NULL, "list_get(NULL): NULL");
    ST(T(ma_authres_list_field)(NULL, 0), -1, "list_field(NULL): -1");
    ST(T(ma_authres_list_malformed)(NULL), 0, "list_malformed(NULL): 0");
    CALL(T(ma_authres_list_free)(NULL), "list_free(NULL)");
    RUN(ma_authres_select(&l, c, m, "MX.example.org"), MA_OK, "authres_select: valid");
    ST(ma_authres_list_count(l), 1, "authres_select: one field parses");
    ST(ma_authres_list_malformed(l), 1, "authres_select: one is malformed");
    ok(ma_authres_list_get(l, 1) == NULL, "list_get: index = count");
    ok(ma_authres_list_get(l, SIZE_MAX) == NULL, "list_get: index SIZE_MAX");
    ST(ma_authres_list_field(l, 1), -1, "list_field: index = count");
    ST(ma_authres_list_field(l, SIZE_MAX), -1, "list_field: index SIZE_MAX");
    ST(ma_authres_list_field(l, 0), 0, "list_field: field 0");
    ma_authres_list_free(l);
    ma_msg_free(m);
    ma_authres_free(ar);
}

/* ------------------------------------------------------------------- iprev */

static void test_iprev(void)
{
    ma_iprev_params p;
    ma_job *j = (ma_job *)&p;
    char *out = NULL;

    STR(T(ma_iprev_result_name)(-1), NULL, "iprev_result_name(-1): NULL");
    STR(ma_iprev_result_name(5), NULL, "iprev_result_name(5): NULL");
    STR(ma_iprev_result_name(MA_IPREV_PERMERROR), "permerror", "iprev_result_name(PERMERROR)");
    STR(T(ma_helo_check_name)(-1), NULL, "helo_check_name(-1): NULL");
    STR(ma_helo_check_name(MA_HELO_CHECK_COUNT), NULL, "helo_check_name(COUNT): NULL");
    STR(ma_helo_check_name(MA_HELO_MATCHES_RDNS), "matches-rdns", "helo_check_name(MATCHES_RDNS)");
    STR(T(ma_helo_result_name)(-1), NULL, "helo_result_name(-1): NULL");
    STR(ma_helo_result_name(4), NULL, "helo_result_name(4): NULL");
    STR(ma_helo_result_name(MA_HELO_TEMPERROR), "temperror", "helo_result_name(TEMPERROR)");

    ST(T(ma_iprev_params_init)(NULL, MA_IPREV_PARAMS_VERSION), MA_EINVAL, "iprev_params_init(NULL)");
    ST(ma_iprev_params_init(&p, 0), MA_EVERSION, "iprev_params_init: version 0");
    ST(ma_iprev_params_init(&p, UINT_MAX), MA_EVERSION, "iprev_params_init: version UINT_MAX");

    p = iprev_params();
    ST(T(ma_iprev_job_new)(NULL, c, &p), MA_EINVAL, "iprev_job_new(NULL out)");
    ST(ma_iprev_job_new(&j, NULL, &p), MA_EINVAL, "iprev_job_new(NULL ctx)");
    ok(j == NULL, "iprev_job_new: *out NULL on error");
    j = (ma_job *)&p;
    ST(ma_iprev_job_new(&j, c, NULL), MA_EINVAL, "iprev_job_new(NULL params)");
    ok(j == NULL, "iprev_job_new(NULL params): *out NULL");
    ST(ma_iprev_job_new(NULL, NULL, NULL), MA_EINVAL, "iprev_job_new(all NULL)");
    p.version = 0;
    ST(ma_iprev_job_new(&j, c, &p), MA_EVERSION, "iprev_job_new: params version 0");
    p = iprev_params();
    p.ip.family = 0;
    ST(ma_iprev_job_new(&j, c, &p), MA_EINVAL, "iprev_job_new: address family 0");
    p.ip.family = 255;
    ST(ma_iprev_job_new(&j, c, &p), MA_EINVAL, "iprev_job_new: address family 255");
    p = iprev_params();
    p.flags = 1u << 5;
    ST(ma_iprev_job_new(&j, c, &p), MA_EINVAL, "iprev_job_new: unknown flag");
    p.flags = UINT_MAX;
    ST(ma_iprev_job_new(&j, c, &p), MA_EINVAL, "iprev_job_new: flags UINT_MAX");
    ok(j == NULL, "iprev_job_new: nothing handed out on errors");

    ST(T(ma_iprev_authres)(NULL, done_job[K_IPREV]), MA_EINVAL, "iprev_authres(NULL out)");
    ST(ma_iprev_authres(&out, NULL), MA_EINVAL, "iprev_authres(NULL job)");
    ST(ma_iprev_authres(NULL, NULL), MA_EINVAL, "iprev_authres(all NULL)");
    ST(ma_iprev_authres(&out, fresh_job[K_IPREV]), MA_ESTATE, "iprev_authres: not done");
    ok(out == NULL, "iprev_authres: nothing handed out on errors");
    RUN(ma_iprev_authres(&out, done_job[K_IPREV]), MA_OK, "iprev_authres: done");
    STR(out, "iprev=pass policy.iprev=192.0.2.1", "iprev_authres: text");
    ma_free(c, out);

    ST(T(ma_iprev_job_helo)(done_job[K_IPREV], -1), MA_EINVAL, "iprev_job_helo: check -1");
    ST(ma_iprev_job_helo(done_job[K_IPREV], MA_HELO_CHECK_COUNT), MA_EINVAL, "iprev_job_helo: check COUNT");
    ST(ma_iprev_job_helo(done_job[K_IPREV], INT_MIN), MA_EINVAL, "iprev_job_helo: check INT_MIN");
    ST(ma_iprev_job_helo(fresh_job[K_IPREV], MA_HELO_RESOLVES), MA_HELO_NONE, "iprev_job_helo: not done: NONE");
    ST(ma_iprev_job_helo(done_job[K_IPREV], MA_HELO_RESOLVES), MA_HELO_PASS, "iprev_job_helo: RESOLVES passes");
}

/* -------------------------------------------------------------------- auth */

static void test_auth(void)
{
    ma_auth_params p;
    ma_job *j = NULL;
    ma_msg *m = NULL;
    char *out = NULL;
    ma_dmarc_opts dopts = MA_DMARC_OPTS_INIT;
    const char *sealers[2] = {"example.com", NULL};
    const char *bad_sealers[1] = {"exa mple.com"};

    STR(T(ma_auth_check_name)(-1), NULL, "auth_check_name(-1): NULL");
    STR(ma_auth_check_name(5), NULL, "auth_check_name(5): NULL");
    STR(ma_auth_check_name(MA_AUTH_DMARC), "dmarc", "auth_check_name(DMARC)");

    ST(T(ma_auth_params_init)(NULL, MA_AUTH_PARAMS_VERSION), MA_EINVAL, "auth_params_init(NULL)");
    ST(ma_auth_params_init(&p, 0), MA_EVERSION, "auth_params_init: version 0");
    ST(ma_auth_params_init(&p, UINT_MAX), MA_EVERSION, "auth_params_init: version UINT_MAX");

    p = auth_params();
    ST(T(ma_auth_job_new)(NULL, c, &p), MA_EINVAL, "auth_job_new(NULL out)");
    ST(ma_auth_job_new(&j, NULL, &p), MA_EINVAL, "auth_job_new(NULL ctx)");
    ST(ma_auth_job_new(&j, c, NULL), MA_EINVAL, "auth_job_new(NULL params)");
    ST(ma_auth_job_new(NULL, NULL, NULL), MA_EINVAL, "auth_job_new(all NULL)");
    p.ip = NULL;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: no ip");
    p.ip = "192.0.2.256";
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: bad ip");
    p.ip = "";
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: empty ip");
    p = auth_params();
    p.authserv_id = NULL;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: no authserv_id");
    p.authserv_id = "mx example";
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: authserv_id not a token");
    p.authserv_id = "";
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: empty authserv_id");
    p = auth_params();
    p.trusted_sealers = NULL;
    p.ntrusted_sealers = 1;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: NULL trusted_sealers, 1");
    p.ntrusted_sealers = SIZE_MAX;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: NULL trusted_sealers, SIZE_MAX");
    p.trusted_sealers = sealers;
    p.ntrusted_sealers = 2;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: a NULL trusted sealer");
    p.trusted_sealers = bad_sealers;
    p.ntrusted_sealers = 1;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: a bad trusted sealer domain");
    p = auth_params();
    p.version = 0;
    ST(ma_auth_job_new(&j, c, &p), MA_EVERSION, "auth_job_new: params version 0");
    ok(j == NULL, "auth_job_new: nothing handed out on errors");
    /* The DMARC options are copied: an unknown version is MA_EVERSION
       (common.h), an unknown mode refused now rather than on every message. */
    p = auth_params();
    dopts.version = 0;
    p.dmarc = &dopts;
    ST(ma_auth_job_new(&j, c, &p), MA_EVERSION, "auth_job_new: DMARC opts version 0");
    ma_job_free(j);
    j = NULL;
    dopts.version = MA_DMARC_OPTS_VERSION;
    dopts.mode = 7;
    ST(ma_auth_job_new(&j, c, &p), MA_EINVAL, "auth_job_new: DMARC mode 7");
    ok(j == NULL, "auth_job_new: DMARC mode 7: no job handed out");
    ma_job_free(j);
    j = NULL;

    p = auth_params();
    ma_auth_job_new(&j, c, &p);
    ma_msg_new(&m, c);
    ST(T(ma_auth_job_attach)(NULL, m), MA_EINVAL, "auth_job_attach(NULL job)");
    ST(ma_auth_job_attach(j, NULL), MA_EINVAL, "auth_job_attach(NULL msg)");
    ST(ma_auth_job_attach(NULL, NULL), MA_EINVAL, "auth_job_attach(all NULL)");
    ST(ma_auth_job_attach(j, done_msg[K_AUTH]), MA_ESTATE, "auth_job_attach: a finished message");
    RUN(ma_auth_job_attach(j, m), MA_OK, "auth_job_attach: valid");
    ST(ma_auth_job_attach(j, m), MA_ESTATE, "auth_job_attach: twice");

    ST(T(ma_auth_job_authres)(NULL, &out), MA_EINVAL, "auth_job_authres(NULL job)");
    ST(ma_auth_job_authres(done_job[K_AUTH], NULL), MA_EINVAL, "auth_job_authres(NULL out)");
    ST(ma_auth_job_authres(NULL, NULL), MA_EINVAL, "auth_job_authres(all NULL)");
    ST(ma_auth_job_authres(j, &out), MA_ESTATE, "auth_job_authres: not done");
    ST(T(ma_auth_job_results)(NULL, &out), MA_EINVAL, "auth_job_results(NULL job)");
    ST(ma_auth_job_results(done_job[K_AUTH], NULL), MA_EINVAL, "auth_job_results(NULL out)");
    ST(ma_auth_job_results(NULL, NULL), MA_EINVAL, "auth_job_results(all NULL)");
    ST(ma_auth_job_results(j, &out), MA_ESTATE, "auth_job_results: not done");
    ok(out == NULL, "auth writers: nothing handed out on errors");
    STR(ma_auth_job_verdict(j, MA_AUTH_SPF), NULL, "auth_job_verdict: not done: NULL");
    ma_job_free(j);
    ma_msg_free(m);

    STR(ma_auth_job_verdict(done_job[K_AUTH], 5), NULL, "auth_job_verdict: check 5: NULL");
    STR(ma_auth_job_verdict(done_job[K_AUTH], -1), NULL, "auth_job_verdict: check -1: NULL");
    ok(ma_auth_job_check(done_job[K_AUTH], 5) == NULL, "auth_job_check: check 5: NULL");
    ok(ma_auth_job_check(done_job[K_AUTH], INT_MIN) == NULL, "auth_job_check: check INT_MIN: NULL");
    STR(ma_auth_job_problem(done_job[K_AUTH], 5), "", "auth_job_problem: check 5: \"\"");
    STR(ma_auth_job_problem(done_job[K_AUTH], -1), "", "auth_job_problem: check -1: \"\"");
    ok(ma_auth_job_check(done_job[K_AUTH], MA_AUTH_SPF) != NULL &&
           ma_spf_job_result(ma_auth_job_check(done_job[K_AUTH], MA_AUTH_SPF)) == MA_SPF_PASS,
       "auth_job_check: the SPF job, passed");
}

/* ------------------------------------------- job getters: NULL and foreign */

/* A job getter with fixed further arguments, as an int or a string. */
typedef struct jgetter {
    const char *what;
    int own;                                /* the kind it reads */
    long long (*ival)(const ma_job *j);     /* NULL for a string getter */
    const char *(*sval)(const ma_job *j);
    long long inone;                        /* the none value */
    const char *snone;                      /* NULL: NULL */
    int none_before_done;                   /* documented: none until the job is done */
    int differs;
} jgetter;

#define GI(name, call)                                                                           \
    static long long name(const ma_job *j)                                                       \
    {                                                                                            \
        return (long long)(call);                                                                \
    }
#define GS(name, call)                                                                           \
    static const char *name(const ma_job *j)                                                     \
    {                                                                                            \
        return call;                                                                             \
    }

GI(g_spf_result, T(ma_spf_job_result)(j))
GS(g_spf_expl, T(ma_spf_job_explanation)(j))
GS(g_spf_mech, T(ma_spf_job_mechanism)(j))
GS(g_spf_domain, T(ma_spf_job_domain)(j))
GS(g_spf_identity, T(ma_spf_job_identity)(j))
GS(g_spf_problem, T(ma_spf_job_problem)(j))
GI(g_spf_lookups, T(ma_spf_job_lookups)(j))
GI(g_spf_void, T(ma_spf_job_void_lookups)(j))

GI(g_dkim_count, T(ma_dkim_job_count)(j))
GI(g_dkim_result, T(ma_dkim_job_result)(j, 0))
GI(g_dkim_reason, T(ma_dkim_job_reason)(j, 0))
GS(g_dkim_problem, T(ma_dkim_job_problem)(j, 0))
GS(g_dkim_domain, T(ma_dkim_job_domain)(j, 0))
GS(g_dkim_selector, T(ma_dkim_job_selector)(j, 0))
GS(g_dkim_identity, T(ma_dkim_job_identity)(j, 0))
GS(g_dkim_bprefix, T(ma_dkim_job_b_prefix)(j, 0))
GI(g_dkim_alg, T(ma_dkim_job_algorithm)(j, 0))
GI(g_dkim_bits, T(ma_dkim_job_key_bits)(j, 0))
GI(g_dkim_unsigned, T(ma_dkim_job_unsigned_bytes)(j, 0))
GI(g_dkim_from, T(ma_dkim_job_covers_from)(j, 0))
GI(g_dkim_extra, T(ma_dkim_job_unsigned_extra)(j, 0))
GI(g_dkim_testing, T(ma_dkim_job_testing)(j, 0))
/* the same at an index past the end */
GI(g_dkim_result_x, ma_dkim_job_result(j, SIZE_MAX))
GI(g_dkim_reason_x, ma_dkim_job_reason(j, 1))
GS(g_dkim_problem_x, ma_dkim_job_problem(j, SIZE_MAX))
GS(g_dkim_domain_x, ma_dkim_job_domain(j, 1))
GS(g_dkim_selector_x, ma_dkim_job_selector(j, SIZE_MAX))
GS(g_dkim_identity_x, ma_dkim_job_identity(j, SIZE_MAX))
GS(g_dkim_bprefix_x, ma_dkim_job_b_prefix(j, 1))
GI(g_dkim_alg_x, ma_dkim_job_algorithm(j, SIZE_MAX))
GI(g_dkim_bits_x, ma_dkim_job_key_bits(j, 1))
GI(g_dkim_unsigned_x, ma_dkim_job_unsigned_bytes(j, SIZE_MAX))
GI(g_dkim_from_x, ma_dkim_job_covers_from(j, SIZE_MAX))
GI(g_dkim_extra_x, ma_dkim_job_unsigned_extra(j, 1))
GI(g_dkim_testing_x, ma_dkim_job_testing(j, SIZE_MAX))

GI(g_dmarc_result, T(ma_dmarc_job_result)(j))
GI(g_dmarc_reason, T(ma_dmarc_job_reason)(j))
GS(g_dmarc_problem, T(ma_dmarc_job_problem)(j))
GS(g_dmarc_author, T(ma_dmarc_job_author_domain)(j))
GS(g_dmarc_pdomain, T(ma_dmarc_job_policy_domain)(j))
GS(g_dmarc_org, T(ma_dmarc_job_org_domain)(j))
GI(g_dmarc_policy, T(ma_dmarc_job_policy)(j))
GS(g_dmarc_ptag, T(ma_dmarc_job_policy_tag)(j))
GI(g_dmarc_disp, T(ma_dmarc_job_disposition)(j))
GI(g_dmarc_override, T(ma_dmarc_job_override)(j))
GS(g_dmarc_spf, T(ma_dmarc_job_spf_aligned)(j))
GS(g_dmarc_dkim, T(ma_dmarc_job_dkim_aligned)(j))

GI(g_arc_result, T(ma_arc_job_result)(j))
GI(g_arc_count, T(ma_arc_job_count)(j))
GI(g_arc_oldest, T(ma_arc_job_oldest_pass)(j))
GI(g_arc_fail, T(ma_arc_job_fail_instance)(j))
GS(g_arc_problem, T(ma_arc_job_problem)(j))
GS(g_arc_sealer, T(ma_arc_job_sealer)(j, 1))
GS(g_arc_selector, T(ma_arc_job_seal_selector)(j, 1))
GI(g_arc_ams, T(ma_arc_job_ams_result)(j, 1))
GI(g_arc_as, T(ma_arc_job_as_result)(j, 1))
GS(g_arc_sealer_0, ma_arc_job_sealer(j, 0))
GS(g_arc_sealer_x, ma_arc_job_sealer(j, UINT_MAX))
GS(g_arc_selector_0, ma_arc_job_seal_selector(j, 0))
GS(g_arc_selector_x, ma_arc_job_seal_selector(j, 2))
GI(g_arc_ams_0, ma_arc_job_ams_result(j, 0))
GI(g_arc_ams_x, ma_arc_job_ams_result(j, UINT_MAX))
GI(g_arc_as_0, ma_arc_job_as_result(j, 0))
GI(g_arc_as_x, ma_arc_job_as_result(j, 2))

GI(g_iprev_result, T(ma_iprev_job_result)(j))
GI(g_iprev_count, T(ma_iprev_job_name_count)(j))
GS(g_iprev_name, T(ma_iprev_job_name)(j, 0))
GS(g_iprev_name_x, ma_iprev_job_name(j, SIZE_MAX))
GS(g_iprev_problem, T(ma_iprev_job_problem)(j))
GI(g_iprev_helo, T(ma_iprev_job_helo)(j, MA_HELO_SYNTAX))

GI(g_auth_check, T(ma_auth_job_check)(j, MA_AUTH_SPF) != NULL)
GS(g_auth_verdict, T(ma_auth_job_verdict)(j, MA_AUTH_SPF))
GS(g_auth_problem, T(ma_auth_job_problem)(j, MA_AUTH_SPF))

/* differs: the done fixture of its own kind has another value (so the
   foreign-kind check has something to tell apart) */
#define JI(g, own, none, before, differs) {#g, own, g, NULL, none, NULL, before, differs}
#define JS(g, own, none, before, differs) {#g, own, NULL, g, 0, none, before, differs}

static const jgetter jgetters[] = {
    JI(g_spf_result, K_SPF, MA_SPF_NONE, 1, 1),
    JS(g_spf_expl, K_SPF, "", 1, 0),
    JS(g_spf_mech, K_SPF, "", 1, 1),
    JS(g_spf_domain, K_SPF, "", 0, 1),
    JS(g_spf_identity, K_SPF, "", 0, 1),
    JS(g_spf_problem, K_SPF, "", 1, 0),
    JI(g_spf_lookups, K_SPF, 0, 1, 0),
    JI(g_spf_void, K_SPF, 0, 1, 0),
    JI(g_dkim_count, K_DKIM, 0, 1, 1),
    JI(g_dkim_result, K_DKIM, MA_DKIM_NONE, 1, 1),
    JI(g_dkim_reason, K_DKIM, MA_DKIM_R_OK, 1, 0),
    JS(g_dkim_problem, K_DKIM, "", 1, 0),
    JS(g_dkim_domain, K_DKIM, "", 0, 1),
    JS(g_dkim_selector, K_DKIM, "", 0, 1),
    JS(g_dkim_identity, K_DKIM, "", 0, 1),
    JS(g_dkim_bprefix, K_DKIM, "", 0, 1),
    JI(g_dkim_alg, K_DKIM, MA_DKIM_ALG_UNKNOWN, 0, 1),
    JI(g_dkim_bits, K_DKIM, 0, 1, 1),
    JI(g_dkim_unsigned, K_DKIM, 0, 1, 0),
    JI(g_dkim_from, K_DKIM, 0, 0, 1),
    JI(g_dkim_extra, K_DKIM, 0, 0, 0),
    JI(g_dkim_testing, K_DKIM, 0, 1, 0),
    JI(g_dmarc_result, K_DMARC, MA_DMARC_NONE, 1, 1),
    JI(g_dmarc_reason, K_DMARC, MA_DMARC_R_OK, 0, 0),
    JS(g_dmarc_problem, K_DMARC, "", 1, 1),
    JS(g_dmarc_author, K_DMARC, "", 1, 1),
    JS(g_dmarc_pdomain, K_DMARC, "", 1, 1),
    JS(g_dmarc_org, K_DMARC, "", 1, 1),
    JI(g_dmarc_policy, K_DMARC, MA_DMARC_POLICY_UNSET, 1, 1),
    JS(g_dmarc_ptag, K_DMARC, "", 1, 1),
    JI(g_dmarc_disp, K_DMARC, MA_DMARC_DISP_NONE, 1, 0),
    JI(g_dmarc_override, K_DMARC, MA_DMARC_OVERRIDE_NONE, 1, 0),
    JS(g_dmarc_spf, K_DMARC, "", 1, 0),
    JS(g_dmarc_dkim, K_DMARC, "", 1, 1),
    JI(g_arc_result, K_ARC, MA_ARC_NONE, 1, 1),
    JI(g_arc_count, K_ARC, 0, 1, 1),
    JI(g_arc_oldest, K_ARC, 0, 1, 0),
    JI(g_arc_fail, K_ARC, 0, 1, 0),
    JS(g_arc_problem, K_ARC, "", 1, 0),
    JS(g_arc_sealer, K_ARC, "", 1, 1),
    JS(g_arc_selector, K_ARC, "", 1, 1),
    JI(g_arc_ams, K_ARC, MA_DKIM_NONE, 1, 1),
    JI(g_arc_as, K_ARC, MA_DKIM_NONE, 1, 1),
    JI(g_iprev_result, K_IPREV, MA_IPREV_NONE, 1, 1),
    JI(g_iprev_count, K_IPREV, 0, 1, 1),
    JS(g_iprev_name, K_IPREV, NULL, 1, 1),
    JS(g_iprev_problem, K_IPREV, "", 1, 0),
    JI(g_iprev_helo, K_IPREV, MA_EINVAL, 0, 1),
    JI(g_auth_check, K_AUTH, 0, 0, 1),
    JS(g_auth_verdict, K_AUTH, NULL, 1, 1),
    JS(g_auth_problem, K_AUTH, "", 1, 0),
};

/* Getters at an index out of range, on the done job of their kind. */
static const jgetter oor_getters[] = {
    JI(g_dkim_result_x, K_DKIM, MA_DKIM_NONE, 0, 1),
    JI(g_dkim_reason_x, K_DKIM, MA_DKIM_R_OK, 0, 1),
    JS(g_dkim_problem_x, K_DKIM, "", 0, 1),
    JS(g_dkim_domain_x, K_DKIM, "", 0, 1),
    JS(g_dkim_selector_x, K_DKIM, "", 0, 1),
    JS(g_dkim_identity_x, K_DKIM, "", 0, 1),
    JS(g_dkim_bprefix_x, K_DKIM, "", 0, 1),
    JI(g_dkim_alg_x, K_DKIM, MA_DKIM_ALG_UNKNOWN, 0, 1),
    JI(g_dkim_bits_x, K_DKIM, 0, 0, 1),
    JI(g_dkim_unsigned_x, K_DKIM, 0, 0, 1),
    JI(g_dkim_from_x, K_DKIM, 0, 0, 1),
    JI(g_dkim_extra_x, K_DKIM, 0, 0, 1),
    JI(g_dkim_testing_x, K_DKIM, 0, 0, 1),
    JS(g_arc_sealer_0, K_ARC, "", 0, 1),
    JS(g_arc_sealer_x, K_ARC, "", 0, 1),
    JS(g_arc_selector_0, K_ARC, "", 0, 1),
    JS(g_arc_selector_x, K_ARC, "", 0, 1),
    JI(g_arc_ams_0, K_ARC, MA_DKIM_NONE, 0, 1),
    JI(g_arc_ams_x, K_ARC, MA_DKIM_NONE, 0, 1),
    JI(g_arc_as_0, K_ARC, MA_DKIM_NONE, 0, 1),
    JI(g_arc_as_x, K_ARC, MA_DKIM_NONE, 0, 1),
    JS(g_iprev_name_x, K_IPREV, NULL, 0, 1),
};

/* Whether g(j) gives g's none value, allocating nothing. */
static int gives_none(const jgetter *g, const ma_job *j, char *got, size_t gotsize)
{
    long l0 = st.live;
    int same;
    if (g->ival != NULL) {
        long long v = g->ival(j);
        same = v == g->inone;
        snprintf(got, gotsize, "%lld", v);
    } else {
        const char *s = g->sval(j);
        same = g->snone == NULL ? s == NULL : s != NULL && strcmp(s, g->snone) == 0;
        snprintf(got, gotsize, "%s%s%s", s ? "\"" : "", s ? s : "NULL", s ? "\"" : "");
    }
    if (st.live != l0) {
        snprintf(got, gotsize, "%ld blocks leaked", st.live - l0);
        same = 0;
    }
    return same;
}

static void test_job_getters(void)
{
    size_t i;
    char what[160], got[96];
    int k;

    for (i = 0; i < sizeof jgetters / sizeof jgetters[0]; i++) {
        const jgetter *g = &jgetters[i];
        int bad = 0;
        snprintf(what, sizeof what, "%s(NULL): the none value", g->what);
        if (!ok(gives_none(g, NULL, got, sizeof got), what))
            printf("#   got %s\n", got);
        for (k = 0; k < NK; k++) {
            if (k == g->own)
                continue;
            if (!gives_none(g, done_job[k], got, sizeof got)) {
                printf("#   %s of a done %s job: got %s\n", g->what, kind_name[k], got);
                bad++;
            }
            if (!gives_none(g, fresh_job[k], got, sizeof got)) {
                printf("#   %s of a new %s job: got %s\n", g->what, kind_name[k], got);
                bad++;
            }
        }
        snprintf(what, sizeof what, "%s of every other kind of job: the none value", g->what);
        ok(bad == 0, what);
        if (g->none_before_done) {
            snprintf(what, sizeof what, "%s before its job is done: the none value", g->what);
            if (!ok(gives_none(g, fresh_job[g->own], got, sizeof got), what))
                printf("#   got %s\n", got);
        }
        /* And the done job of its own kind gives something else, so that
           the check above can fail. */
        if (g->differs) {
            snprintf(what, sizeof what, "%s of its own done job: not the none value", g->what);
            ok(!gives_none(g, done_job[g->own], got, sizeof got), what);
        }
    }
    for (i = 0; i < sizeof oor_getters / sizeof oor_getters[0]; i++) {
        const jgetter *g = &oor_getters[i];
        snprintf(what, sizeof what, "%s: index out of range: the none value", g->what);
        if (!ok(gives_none(g, done_job[g->own], got, sizeof got), what))
            printf("#   got %s\n", got);
    }
}

/* ------------------------------------- job-taking calls: foreign kinds */

/* A call taking a job (any kind), with valid further arguments; returns
   its status and frees whatever it made. */
typedef struct jcall {
    const char *what;
    int own;
    int (*fn)(ma_job *j);
} jcall;

static ma_arc_seal *ready_seal;   /* attached to ready_msg, finished */
static ma_msg *ready_msg;

/* A call that writes a string into s (freed here), and one that attaches
   a fresh message reader (freed here), as jcall functions. */
#define TEXT_CALL(name, call)    \
    static int name(ma_job *j)   \
    {                            \
        char *s = NULL;          \
        int rc = call;           \
        ma_free(c, s);           \
        return rc;               \
    }
#define ATTACH_CALL(name, attach) \
    static int name(ma_job *j)    \
    {                             \
        ma_msg *m = NULL;         \
        int rc;                   \
        ma_msg_new(&m, c);        \
        rc = attach(j, m);        \
        ma_msg_free(m);           \
        return rc;                \
    }

TEXT_CALL(c_spf_received, ma_spf_received_spf(&s, j))
TEXT_CALL(c_spf_authres, ma_spf_authres(&s, j))
ATTACH_CALL(c_dkim_attach, ma_dkim_job_attach)
ATTACH_CALL(c_dmarc_attach, ma_dmarc_job_attach)
static int c_dmarc_author(ma_job *j)
{
    return ma_dmarc_job_set_author(j, "example.com");
}
static int c_dmarc_spf(ma_job *j)
{
    return ma_dmarc_job_add_spf(j, MA_SPF_PASS, "example.com", MA_DMARC_SPF_MAILFROM);
}
static int c_dmarc_dkim(ma_job *j)
{
    return ma_dmarc_job_add_dkim(j, MA_DKIM_PASS, "example.com", 0);
}
static int c_dmarc_dkim_job(ma_job *j)
{
    return ma_dmarc_job_add_dkim_job(j, done_job[K_DKIM]);
}
/* the DKIM job argument of another kind (the DMARC job is a new one) */
static int c_dmarc_dkim_job_arg(ma_job *j)
{
    ma_job *d = NULL;
    int rc;
    ma_dmarc_job_new(&d, c, NULL);
    rc = ma_dmarc_job_add_dkim_job(d, j);
    ma_job_free(d);
    return rc;
}
static int c_dmarc_arc(ma_job *j)
{
    const char *t[1] = {"example.com"};
    return ma_dmarc_job_set_arc(j, 1, "example.com", t, 1);
}
TEXT_CALL(c_dmarc_authres, ma_dmarc_job_authres(j, &s))
TEXT_CALL(c_dmarc_row, ma_dmarc_job_report_row(j, "192.0.2.1", &s))
ATTACH_CALL(c_arc_attach, ma_arc_job_attach)
TEXT_CALL(c_arc_seal_fields, ma_arc_seal_fields(ready_seal, j, NULL, &s))
TEXT_CALL(c_iprev_authres, ma_iprev_authres(&s, j))
ATTACH_CALL(c_auth_attach, ma_auth_job_attach)
TEXT_CALL(c_auth_authres, ma_auth_job_authres(j, &s))
TEXT_CALL(c_auth_results, ma_auth_job_results(j, &s))
static int c_lookup_add(ma_job *j)
{
    uint32_t id;
    return ma_lookup_job_add(j, "example.com", MA_DNS_TXT, &id);
}
static int c_lookup_result(ma_job *j)
{
    const ma_dns_answer *a;
    return ma_lookup_job_result(j, 1, &a);
}

static const jcall jcalls[] = {
    {"spf_received_spf", K_SPF, c_spf_received},
    {"spf_authres", K_SPF, c_spf_authres},
    {"dkim_job_attach", K_DKIM, c_dkim_attach},
    {"dmarc_job_attach", K_DMARC, c_dmarc_attach},
    {"dmarc_job_set_author", K_DMARC, c_dmarc_author},
    {"dmarc_job_add_spf", K_DMARC, c_dmarc_spf},
    {"dmarc_job_add_dkim", K_DMARC, c_dmarc_dkim},
    {"dmarc_job_add_dkim_job", K_DMARC, c_dmarc_dkim_job},
    {"dmarc_job_add_dkim_job (as its DKIM job)", K_DKIM, c_dmarc_dkim_job_arg},
    {"dmarc_job_set_arc", K_DMARC, c_dmarc_arc},
    {"dmarc_job_authres", K_DMARC, c_dmarc_authres},
    {"dmarc_job_report_row", K_DMARC, c_dmarc_row},
    {"arc_job_attach", K_ARC, c_arc_attach},
    {"arc_seal_fields (as its ARC job)", K_ARC, c_arc_seal_fields},
    {"iprev_authres", K_IPREV, c_iprev_authres},
    {"auth_job_attach", K_AUTH, c_auth_attach},
    {"auth_job_authres", K_AUTH, c_auth_authres},
    {"auth_job_results", K_AUTH, c_auth_results},
    {"lookup_job_add", K_LOOKUP, c_lookup_add},
    {"lookup_job_result", K_LOOKUP, c_lookup_result},
};

static void test_job_calls(void)
{
    size_t i;
    int k;
    char what[160];

    ma_msg_new(&ready_msg, c);
    ma_arc_seal_new(&ready_seal, signer, "mx.example.org");
    ma_arc_seal_attach(ready_seal, ready_msg);
    ma_msg_write(ready_msg, msg_text, strlen(msg_text));
    ma_msg_finish(ready_msg);

    for (i = 0; i < sizeof jcalls / sizeof jcalls[0]; i++) {
        const jcall *f = &jcalls[i];
        int bad = 0;
        for (k = 0; k < NK; k++) {
            int pass;
            long l0;
            if (k == f->own)
                continue;
            for (pass = 0; pass < 2; pass++) {
                ma_job *j = pass ? done_job[k] : fresh_job[k];
                int rc;
                l0 = st.live;
                rc = f->fn(j);
                if (rc != MA_EINVAL || st.live != l0) {
                    printf("#   %s with a %s %s job: %s, %ld blocks more\n", f->what,
                           pass ? "done" : "new", kind_name[k], ma_status_name(rc), st.live - l0);
                    bad++;
                }
            }
        }
        snprintf(what, sizeof what, "%s with every other kind of job: MA_EINVAL", f->what);
        ok(bad == 0, what);
    }
    ma_arc_seal_free(ready_seal);
    ma_msg_free(ready_msg);
}

/* ------------------------------------- a refused attach leaves msg usable */

/*
 * An attach that fails part-way must not leave the message reader calling
 * into a job that is gone: the caller still owns the reader and may go on
 * writing to it (other consumers, a signer...).  These run in a child
 * process on a context whose allocator poisons what is freed and never
 * reuses it, so a call into freed memory crashes the child (or is reported
 * by valgrind or the sanitizers) without stopping this test.  The blocks
 * stay listed, so that leak checkers see them as reachable.
 */
static void **kept;
static size_t nkept, capkept;

static void *poison_malloc(size_t size, void *payload)
{
    size_t *h;
    (void)payload;
    if (size > SIZE_MAX - 2 * sizeof *h)
        return NULL;
    if (nkept == capkept) {
        size_t cap = capkept ? 2 * capkept : 256;
        void **k = realloc(kept, cap * sizeof *k);
        if (k == NULL)
            return NULL;
        kept = k;
        capkept = cap;
    }
    h = malloc(2 * sizeof *h + size);
    if (h == NULL)
        return NULL;
    kept[nkept++] = h;
    h[0] = size;
    return h + 2;
}

static void poison_free(void *ptr, void *payload)
{
    size_t *h;
    (void)payload;
    if (ptr == NULL)
        return;
    h = (size_t *)ptr - 2;
    memset(ptr, 0x5a, h[0]);   /* kept, poisoned: the child exits soon */
}

static void *poison_realloc(void *ptr, size_t size, void *payload)
{
    size_t *h;
    void *n;
    if (ptr == NULL)
        return poison_malloc(size, payload);
    h = (size_t *)ptr - 2;
    n = poison_malloc(size, payload);
    if (n == NULL)
        return NULL;
    memcpy(n, ptr, h[0] < size ? h[0] : size);
    poison_free(ptr, payload);
    return n;
}

static ma_ctx *poison_ctx(void)
{
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    ma_ctx *x = NULL;
    o.malloc_fn = poison_malloc;
    o.realloc_fn = poison_realloc;
    o.free_fn = poison_free;
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    if (ma_ctx_new(&x, &o) != MA_OK)
        _exit(3);
    return x;
}

/* Exit status of the child: 0 fine, 2 the attach did not fail as set up. */
static void write_rest(ma_msg *m)
{
    ma_msg_write(m, signed_msg, strlen(signed_msg));
    ma_msg_finish(m);
    ma_msg_free(m);
}

/* The control: the same with room, through to the verdicts. */
static void child_control(void)
{
    ma_ctx *x = poison_ctx();
    ma_auth_params p = auth_params();
    ma_msg *m = NULL;
    ma_job *j = NULL, *d = NULL;
    int i;
    ma_msg_new(&m, x);
    for (i = 0; i < 12; i++)   /* 16 hooks with auth's 3 and DKIM's */
        ma_msg_on_header(m, hook_ok, NULL);
    for (i = 0; i < 29; i++)   /* 32 consumers with auth's 2 and DKIM's */
        ma_msg_add_body_consumer(m, body_ok, NULL);
    ma_auth_job_new(&j, x, &p);
    ma_dkim_job_new(&d, x, NULL);
    if (ma_auth_job_attach(j, m) != MA_OK || ma_dkim_job_attach(d, m) != MA_OK)
        _exit(2);
    ma_msg_write(m, signed_msg, strlen(signed_msg));
    ma_msg_finish(m);
    if (ma_job_run(j, r) != MA_JOB_DONE || ma_job_run(d, r) != MA_JOB_DONE ||
        ma_dkim_job_result(d, 0) != MA_DKIM_PASS)
        _exit(4);
    ma_job_free(j);
    ma_job_free(d);
    ma_msg_free(m);
}

/* DKIM and ARC register a header hook and a body consumer: with no room
   for the consumer, the hook must not stay behind. */
static void child_dkim_attach_full(void)
{
    ma_ctx *x = poison_ctx();
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int i;
    ma_msg_new(&m, x);
    for (i = 0; i < 32; i++)
        ma_msg_add_body_consumer(m, body_ok, NULL);
    ma_dkim_job_new(&j, x, NULL);
    if (ma_dkim_job_attach(j, m) != MA_ELIMIT)
        _exit(2);
    ma_job_free(j);
    write_rest(m);
}

static void child_arc_attach_full(void)
{
    ma_ctx *x = poison_ctx();
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int i;
    ma_msg_new(&m, x);
    for (i = 0; i < 32; i++)
        ma_msg_add_body_consumer(m, body_ok, NULL);
    ma_arc_job_new(&j, x, NULL);
    if (ma_arc_job_attach(j, m) != MA_ELIMIT)
        _exit(2);
    ma_job_free(j);
    write_rest(m);
}

/* The authenticator attaches DKIM, ARC and DMARC in turn; when ARC finds
   no room for its hook, DKIM's must not stay behind. */
static void child_auth_attach_full(void)
{
    ma_ctx *x = poison_ctx();
    ma_auth_params p = auth_params();
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int i;
    ma_msg_new(&m, x);
    for (i = 0; i < 15; i++)
        ma_msg_on_header(m, hook_ok, NULL);
    ma_auth_job_new(&j, x, &p);
    if (ma_auth_job_attach(j, m) >= 0)
        _exit(2);
    write_rest(m);
    ma_job_free(j);
}

/* The same when DMARC cannot start (here: a DMARC mode the constructor
   let through; an allocation failure takes the same path). */
static void child_auth_attach_dmarc(void)
{
    ma_ctx *x = poison_ctx();
    ma_auth_params p = auth_params();
    ma_dmarc_opts d = MA_DMARC_OPTS_INIT;
    ma_msg *m = NULL;
    ma_job *j = NULL;
    d.mode = 7;
    p.dmarc = &d;
    if (ma_auth_job_new(&j, x, &p) != MA_OK)
        _exit(0); /* refused up front: nothing to attach */
    ma_msg_new(&m, x);
    if (ma_auth_job_attach(j, m) >= 0)
        _exit(2);
    write_rest(m);
    ma_job_free(j);
}

/* 1 when fn runs to its end in a child process (no crash, no report); the
   child frees the fixtures before it exits, for the leak checkers. */
static int survives(void (*fn)(void), int *status_out)
{
    pid_t pid;
    int status = -1;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        fn();
        teardown();
        ma_ctx_free(c);
        exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    *status_out = status;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_attach_refused(void)
{
    static const struct {
        const char *what;
        void (*fn)(void);
    } cases[] = {
        {"control: in a child on the poisoning allocator, attach, write and verify",
         child_control},
        {"dkim_job_attach refused (no room for its consumer): the message can still be written",
         child_dkim_attach_full},
        {"arc_job_attach refused (no room for its consumer): the message can still be written",
         child_arc_attach_full},
        {"auth_job_attach refused (no room for ARC's hook): the message can still be written",
         child_auth_attach_full},
        {"auth_job_attach refused (DMARC cannot start): the message can still be written",
         child_auth_attach_dmarc},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = 0;
        if (!ok(survives(cases[i].fn, &status), cases[i].what)) {
            if (WIFSIGNALED(status))
                printf("#   the child died of signal %d\n", WTERMSIG(status));
            else
                printf("#   the child exited with %d%s\n", WEXITSTATUS(status),
                       WEXITSTATUS(status) == 2 ? " (the attach did not go as set up)" : "");
        }
    }
}

/* ---------------------------------------------------------- map vs table */

static void test_map(void)
{
    char path[4096], line[256];
    FILE *f;
    size_t i, listed = 0, missing = 0;

    snprintf(path, sizeof path, "%s/../src/libmailauth.map", MA_SRCDIR);
    f = fopen(path, "r");
    if (!ok(f != NULL, "src/libmailauth.map opens")) {
        printf("#   %s\n", path);
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line, *e;
        fn_entry *fe;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "ma_", 3) != 0)
            continue;
        for (e = p; (*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_'; e++)
            ;
        if (*e != ';')
            continue;
        listed++;
        fe = find_fn(p, (size_t)(e - p));
        if (fe != NULL) {
            fe->in_map = 1;
        } else {
            char what[160];
            snprintf(what, sizeof what, "%.*s: exported but not in this test's table", (int)(e - p), p);
            ok(0, what);
            missing++;
        }
    }
    fclose(f);
    ok(listed >= NFNS, "the map lists at least as many names as the table");
    printf("# %zu names in the map, %zu in the table\n", listed, (size_t)NFNS);
    is_int(missing, 0, "every exported name has a table entry");
    missing = 0;
    for (i = 0; i < NFNS; i++) {
        char what[160];
        if (!fns[i].in_map) {
            snprintf(what, sizeof what, "%s: in the table but not exported", fns[i].name);
            ok(0, what);
            missing++;
        }
        if (fns[i].hits == 0) {
            snprintf(what, sizeof what, "%s: in the table but never called", fns[i].name);
            ok(0, what);
            missing++;
        }
    }
    is_int(missing, 0, "every table entry is exported and was called");
    ok(unknown_cover == NULL, "every function called through T() is in the table");
    if (unknown_cover != NULL)
        printf("#   %s\n", unknown_cover);
}

int main(void)
{
    if (!setup()) {
        printf("Bail out! fixtures could not be set up\n");
        return 1;
    }
    test_fixtures();
    test_common();
    test_addr();
    test_dns_names();
    test_dns_answers();
    test_dns_jobs();
    test_resolvers();
    test_static_zone();
    test_message();
    test_spf();
    test_dkim();
    test_dmarc();
    test_arc();
    test_authres();
    test_iprev();
    test_auth();
    test_job_getters();
    test_job_calls();
    test_attach_refused();
    teardown();
    ma_ctx_free(c);
    is_int(st.live, 0, "every block of the context's allocator freed at the end");
    test_map();
    return tap_done();
}
