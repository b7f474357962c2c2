/*
 * Verdict-safety properties, checked over many generated cases (a fixed
 * pseudo-random seed, so a failure is reproducible):
 *
 *  1. DMARC: the order in which SPF, DKIM and ARC verdicts are supplied
 *     never changes the result, reason, policy or disposition.
 *  2. DKIM: a signature whose tag values were altered (any byte of d=, s=,
 *     bh=, b=, h=, a=, c= replaced or removed) never passes.
 *  3. SPF: a record the parser refuses always gives permerror for the
 *     domain that publishes it (never pass, never none; RFC 7208 4.6).
 *  4. DMARC: a From field made malformed never gives pass or none.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "mailauth/mailauth.h"
#include "spf/spf_int.h"
#include "tap.h"

/* RFC 8032 7.1 TEST 1 secret key, as a seed (RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static ma_ctx *c;
static ma_static_zone *z;
static ma_resolver *r;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned int rnd(unsigned int n)
{
    /* xorshift64*: fixed seed, the same cases every run */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned int)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

/* ------------------------------------------------ 1. DMARC order-independence */

typedef struct input {
    int kind;               /* 0 SPF, 1 DKIM, 2 ARC */
    int result;
    const char *domain;
    int extra;              /* DKIM: unsigned extra */
} input;

/* Run a DMARC job for author with inputs in the given order. */
static int dmarc_run(const char *author, const input *in, const size_t *order, size_t n,
                     char *out, size_t size)
{
    static const char *const trusted[] = { "forwarder.example" };
    ma_job *j = NULL;
    size_t k;
    int rc = ma_dmarc_job_new(&j, c, NULL);

    if (rc == MA_OK)
        rc = ma_dmarc_job_set_author(j, author);
    for (k = 0; rc == MA_OK && k < n; k++) {
        const input *x = &in[order[k]];
        if (x->kind == 0)
            rc = ma_dmarc_job_add_spf(j, x->result, x->domain, MA_DMARC_SPF_MAILFROM);
        else if (x->kind == 1)
            rc = ma_dmarc_job_add_dkim(j, x->result, x->domain, x->extra);
        else
            rc = ma_dmarc_job_set_arc(j, x->result, x->domain, trusted, 1);
    }
    if (rc == MA_OK)
        rc = ma_job_run(j, r) == MA_JOB_DONE ? MA_OK : MA_EINTERNAL;
    if (rc == MA_OK)
        snprintf(out, size, "%s/%s/%s/%s/%s", ma_dmarc_result_name(ma_dmarc_job_result(j)),
                 ma_dmarc_reason_name(ma_dmarc_job_reason(j)),
                 ma_dmarc_policy_name(ma_dmarc_job_policy(j)),
                 ma_dmarc_disposition_name(ma_dmarc_job_disposition(j)),
                 ma_dmarc_override_name(ma_dmarc_job_override(j)));
    ma_job_free(j);
    return rc;
}

static void test_dmarc_order(void)
{
    static const char *const authors[] = { "example.com", "sub.example.com", "strict.example",
                                           "other.example" };
    static const char *const domains[] = { "example.com", "sub.example.com", "mail.example.com",
                                           "strict.example", "a.strict.example", "other.example",
                                           "forwarder.example", "unrelated.example" };
    static const int spf_results[] = { MA_SPF_PASS, MA_SPF_FAIL, MA_SPF_SOFTFAIL, MA_SPF_NONE,
                                       MA_SPF_TEMPERROR, MA_SPF_PERMERROR };
    static const int dkim_results[] = { MA_DKIM_PASS, MA_DKIM_FAIL, MA_DKIM_TEMPERROR,
                                        MA_DKIM_PERMERROR, MA_DKIM_POLICY };
    int trial, bad = 0, runs = 0, errors = 0;
    char first[300] = "";

    for (trial = 0; trial < 300; trial++) {
        input in[8];
        size_t n = 0, order[8], k, perm;
        const char *author = authors[rnd(4)];
        char want[128], got[128];

        if (rnd(4) != 0) {
            in[n].kind = 0;
            in[n].result = spf_results[rnd(6)];
            in[n].domain = domains[rnd(8)];
            in[n].extra = 0;
            n++;
        }
        for (k = rnd(5); k > 0; k--) {
            in[n].kind = 1;
            in[n].result = dkim_results[rnd(5)];
            in[n].domain = domains[rnd(8)];
            in[n].extra = rnd(6) == 0;
            n++;
        }
        if (rnd(3) == 0) {
            in[n].kind = 2;
            in[n].result = (int)rnd(2);
            in[n].domain = rnd(2) ? "forwarder.example" : "unrelated.example";
            in[n].extra = 0;
            n++;
        }
        for (k = 0; k < n; k++)
            order[k] = k;
        if (dmarc_run(author, in, order, n, want, sizeof want) != MA_OK) {
            errors++;
            continue;
        }
        /* Several shuffles of the same inputs. */
        for (perm = 0; perm < 6; perm++) {
            for (k = n; k > 1; k--) {
                size_t a = rnd((unsigned int)k), t = order[k - 1];
                order[k - 1] = order[a];
                order[a] = t;
            }
            runs++;
            if (dmarc_run(author, in, order, n, got, sizeof got) != MA_OK) {
                errors++;
                continue;
            }
            if (strcmp(got, want) != 0 && bad++ == 0)
                snprintf(first, sizeof first, "author %s, %lu inputs: %s, then %s", author,
                         (unsigned long)n, want, got);
        }
    }
    is_int(errors, 0, "DMARC: every generated case runs");
    if (bad)
        printf("# first difference: %s\n", first);
    is_int(bad, 0, "DMARC: the order of the verdicts never changes the result (1800 shuffles)");
    ok(runs == 1800, "DMARC: 300 cases, 6 shuffles each");
}

/* ------------------------------------------------ 2. DKIM altered tag values */

static const char body[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: properties\r\n"
    "\r\n"
    "Signed text.\r\n";

static int dkim_verdict(const char *text)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int res = -1;
    if (ma_msg_new(&m, c) == MA_OK && ma_dkim_job_new(&j, c, NULL) == MA_OK &&
        ma_dkim_job_attach(j, m) == MA_OK && ma_msg_write(m, text, strlen(text)) == MA_OK &&
        ma_msg_finish(m) == MA_OK && ma_job_run(j, r) == MA_JOB_DONE)
        res = ma_dkim_job_count(j) > 0 ? (int)ma_dkim_job_result(j, 0) : MA_DKIM_NONE;
    ma_job_free(j);
    ma_msg_free(m);
    return res;
}

static void test_dkim_altered(const char *field)
{
    static const char pool[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=.-:;";
    size_t flen = strlen(field), blen = strlen(body);
    char *msg = malloc(flen + 2 + blen + 1);
    int i, passes = 0, tried = 0;
    char first[200] = "";

    sprintf(msg, "%s\r\n%s", field, body);
    is_int(dkim_verdict(msg), MA_DKIM_PASS, "DKIM: the unaltered signature passes");
    for (i = 0; i < 400; i++) {
        /* A byte inside a tag value (after '=', not whitespace, not the
           tag name) of d=, s=, bh=, b=, h=, a= or c=. */
        size_t pos = 11 + rnd((unsigned int)(flen - 11)), k;
        char *t;
        int in_value = 0;
        for (k = pos; k > 0 && field[k - 1] != ';' && field[k - 1] != ':'; k--)
            if (field[k - 1] == '=') {
                in_value = 1;
                break;
            }
        if (!in_value || field[pos] == ' ' || field[pos] == '\t' || field[pos] == '\r' ||
            field[pos] == '\n' || field[pos] == ';')
            continue;
        /* the t= value and v= are not security-relevant to alter here */
        if (k >= 2 && (field[k - 2] == 't' || field[k - 2] == 'v') &&
            (k < 3 || field[k - 3] == ' ' || field[k - 3] == '\t' || field[k - 3] == ';'))
            continue;
        t = malloc(flen + 2 + blen + 1);
        memcpy(t, field, flen + 1);
        if (rnd(3) == 0) {
            memmove(t + pos, t + pos + 1, flen - pos);   /* remove the byte */
        } else {
            char ch = pool[rnd(sizeof pool - 1)];
            if (ch == t[pos] || ((t[pos] | 0x20) == (ch | 0x20) && t[pos] != '=' && field[k - 2] != 'b'))
                ch = t[pos] == 'x' ? 'y' : 'x';         /* a real change, not a case change of a name */
            t[pos] = ch;
        }
        strcat(t, "\r\n");
        strcat(t, body);
        tried++;
        if (dkim_verdict(t) == MA_DKIM_PASS && passes++ == 0)
            snprintf(first, sizeof first, "byte %lu of the field", (unsigned long)pos);
        free(t);
    }
    printf("# %d alterations tried\n", tried);
    if (passes)
        printf("# first: %s\n", first);
    ok(tried > 150, "DKIM: at least 150 alterations tried");
    is_int(passes, 0, "DKIM: no altered signature passes");
    free(msg);
}

/* ------------------------------------------------ 3. SPF refused records */

static void test_spf_refused(void)
{
    static const char *const words[] = { "v=spf1", "a", "mx", "ip4:192.0.2.1", "ip4:192.0.2.0/33",
                                         "ip6:::1", "ip6:2001:db8::/129", "include:", "include:x.example",
                                         "exists:%{i}.x.example", "exists:%{z}", "redirect=x.example",
                                         "redirect=", "exp=e.example", "-all", "+all", "?all", "~all",
                                         "all:x", "ptr", "a/24", "a//64", "mx/0", "foo=bar", "=x",
                                         "%{", "a:%%", "include:%{ir}.x", "unknown", "ip4:1.2.3",
                                         "a:-.example", "mx:x..example", "+", "-" };
    int trial, refused = 0, wrong = 0;
    char first[400] = "";

    for (trial = 0; trial < 400; trial++) {
        char rec[300], name[64];
        ma_spf_record parsed;
        ma_errbuf err;
        ma_spf_params p;
        ma_job *j = NULL;
        size_t k, n = 1 + rnd(5);
        int prc, res;

        snprintf(rec, sizeof rec, "v=spf1");
        for (k = 0; k < n; k++) {
            strncat(rec, " ", sizeof rec - strlen(rec) - 1);
            strncat(rec, words[1 + rnd(sizeof words / sizeof words[0] - 1)], sizeof rec - strlen(rec) - 1);
        }
        memset(&parsed, 0, sizeof parsed);
        prc = ma__spf_record_parse(&parsed, c, rec, strlen(rec), &err);
        ma__spf_record_free(&parsed, c);
        if (prc != MA_ESYNTAX)
            continue;
        refused++;
        snprintf(name, sizeof name, "r%d.spf.example", trial);
        ma_static_zone_add_txt(z, name, rec, strlen(rec), 300);
        ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
        ma_ip_parse(&p.ip, "192.0.2.1", 9);
        snprintf(rec + 200, 100, "user@%s", name);
        p.sender = rec + 200;
        p.helo = "helo.example";
        res = -1;
        if (ma_spf_job_new(&j, c, &p) == MA_OK && ma_job_run(j, r) == MA_JOB_DONE)
            res = (int)ma_spf_job_result(j);
        ma_job_free(j);
        if (res != MA_SPF_PERMERROR && wrong++ == 0) {
            rec[200] = '\0';
            snprintf(first, sizeof first, "\"%s\" gave %s", rec, res >= 0 ? ma_spf_result_name(res) : "an error");
        }
    }
    printf("# %d of 400 generated records refused by the parser\n", refused);
    if (wrong)
        printf("# first: %s\n", first);
    ok(refused > 100, "SPF: more than 100 generated records are refused by the parser");
    is_int(wrong, 0, "SPF: every refused record gives permerror");
}

/* ------------------------------------------------ 4. malformed From */

static void test_from_malformed(void)
{
    static const char *const froms[] = {
        "From: a@example.com, b@attacker.example\r\n",
        "From: a@example.com\r\nFrom: b@attacker.example\r\n",
        "From: <a@example.com\r\n",
        "From: a@example.com>\r\n",
        "From: \r\n",
        "From: undisclosed-recipients:;\r\n",
        "From: a@\r\n",
        "From: @example.com\r\n",
        "From: a@[192.0.2.1]\r\n",
        "From: a@example..com\r\n",
        "From: \"a@example.com\"\r\n",
        "From: a@example.com (comment\r\n",
        "From: =?utf-8?q?a@example.com?=\r\n",
        "From: group: a@example.com, b@attacker.example;\r\n",
        "From: a@exa mple.com\r\n",
        "Sender: a@example.com\r\n",
    };
    size_t i;
    int bad = 0;
    char first[200] = "";

    for (i = 0; i < sizeof froms / sizeof froms[0]; i++) {
        char text[512];
        ma_msg *m = NULL;
        ma_job *j = NULL;
        int res = -1;
        snprintf(text, sizeof text, "%sTo: x@example.org\r\nSubject: s\r\n\r\nbody\r\n", froms[i]);
        if (ma_msg_new(&m, c) == MA_OK && ma_dmarc_job_new(&j, c, NULL) == MA_OK &&
            ma_dmarc_job_attach(j, m) == MA_OK && ma_dmarc_job_add_spf(j, MA_SPF_PASS, "example.com",
                                                                         MA_DMARC_SPF_MAILFROM) == MA_OK &&
            ma_dmarc_job_add_dkim(j, MA_DKIM_PASS, "example.com", 0) == MA_OK &&
            ma_msg_write(m, text, strlen(text)) == MA_OK && ma_msg_finish(m) == MA_OK &&
            ma_job_run(j, r) == MA_JOB_DONE)
            res = (int)ma_dmarc_job_result(j);
        if ((res == MA_DMARC_PASS || res == MA_DMARC_NONE || res < 0) && bad++ == 0)
            snprintf(first, sizeof first, "%.*s gave %s", (int)strcspn(froms[i], "\r"), froms[i],
                     res >= 0 ? ma_dmarc_result_name(res) : "an error");
        ma_job_free(j);
        ma_msg_free(m);
    }
    if (bad)
        printf("# first: %s\n", first);
    is_int(bad, 0, "DMARC: no malformed From gives pass or none, even with aligned SPF and DKIM passes");
}

int main(void)
{
    static const char zone_text[] =
        "_dmarc.example.com.       300 IN TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
        "_dmarc.strict.example.    300 IN TXT \"v=DMARC1; p=quarantine; adkim=s; aspf=s\"\n"
        "_dmarc.other.example.     300 IN TXT \"v=DMARC1; p=none\"\n"
        "_dmarc.attacker.example.  300 IN TXT \"v=DMARC1; p=none\"\n"
        "x.example.                300 IN TXT \"v=spf1 -all\"\n"
        "e.example.                300 IN TXT \"denied\"\n";
    ma_dkim_sign_opts so;
    ma_dkim_signer *s = NULL;
    ma_dkim_sign *g = NULL;
    ma_msg *m = NULL;
    char *rec = NULL, *field = NULL;

    ma_ctx_new(&c, NULL);
    ma_static_zone_new(&z, c);
    ma_static_zone_load(z, zone_text, strlen(zone_text), NULL);
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "example.com";
    so.selector = "sel";
    ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64));
    ma_dkim_signer_key_record(s, &rec);
    ma_static_zone_add_txt(z, "sel._domainkey.example.com", rec, strlen(rec), 300);
    ma_free(c, rec);
    ma_resolver_static_new(&r, c, z);

    ma_msg_new(&m, c);
    ma_dkim_sign_new(&g, s);
    ma_dkim_sign_attach(g, m);
    ma_msg_write(m, body, strlen(body));
    ma_msg_finish(m);
    ma_dkim_sign_field(g, &field);

    test_dmarc_order();
    if (field != NULL)
        test_dkim_altered(field);
    else
        ok(0, "DKIM: the test message is signed");
    test_spf_refused();
    test_from_malformed();

    ma_free(c, field);
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    ma_dkim_signer_free(s);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(c);
    return tap_done();
}
