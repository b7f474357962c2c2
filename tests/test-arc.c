/*
 * ARC sealing and validation through the public API: a first hop seals,
 * validation passes; a second hop seals on top, the two-set chain passes;
 * a change in the body after the newest seal fails the chain; a failed
 * chain gets a closing set with cv=fail, and nothing after it; structure
 * errors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "tap.h"

/* RFC 8032 7.1 TEST 1 secret key, as a seed (RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static const char msg_text[] =
    "From: Joe <joe@example.com>\r\n"
    "To: list@lists.example.org\r\n"
    "Subject: hello\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
    "Message-ID: <1@example.com>\r\n"
    "\r\n"
    "Hi.\r\n";

static int64_t now_ms = INT64_C(1700000000000);

static int64_t clock_fn(void *payload)
{
    return *(const int64_t *)payload;
}

static ma_ctx *c;
static ma_resolver *r;

/* Validate text; the job (done) for the caller to read and free. */
static ma_job *validate(const char *text)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    ma_msg_new(&m, c);
    ma_arc_job_new(&j, c, NULL);
    ma_arc_job_attach(j, m);
    ma_msg_write(m, text, strlen(text));
    ma_msg_finish(m);
    ma_job_run(j, r);
    ma_msg_free(m);
    return j;
}

/* Seal text with signer: the new message (malloc'd), or NULL when no set
   was added (*rc_out says why). */
static char *seal(const ma_dkim_signer *s, const char *text, const char *id, int *rc_out)
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
        rc = ma_arc_seal_new(&g, s, id);
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
    if (rc == MA_OK && fields != NULL) {
        out = malloc(strlen(fields) + 2 + strlen(text) + 1);
        sprintf(out, "%s\r\n%s", fields, text);
    }
    *rc_out = rc;
    ma_free(c, fields);
    ma_arc_seal_free(g);
    ma_job_free(j);
    ma_msg_free(m);
    return out;
}

int main(void)
{
    ma_ctx_opts o;
    ma_static_zone *z = NULL;
    ma_dkim_signer *s1 = NULL, *s2 = NULL;
    ma_dkim_sign_opts so;
    char *rec = NULL, *hop1, *hop2, *t;
    ma_job *j;
    int rc;

    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = clock_fn;
    o.clock_payload = &now_ms;
    ma_ctx_new(&c, &o);
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "example.org";
    so.selector = "arc";
    ma_dkim_signer_new(&s1, c, &so, seed_b64, strlen(seed_b64));
    so.domain = "forwarder.example";
    so.selector = "seal";
    ma_dkim_signer_new(&s2, c, &so, seed_b64, strlen(seed_b64));
    ma_dkim_signer_key_record(s1, &rec);
    ma_static_zone_new(&z, c);
    ma_static_zone_add_txt(z, "arc._domainkey.example.org", rec, strlen(rec), 300);
    ma_static_zone_add_txt(z, "seal._domainkey.forwarder.example", rec, strlen(rec), 300);
    ma_resolver_static_new(&r, c, z);
    ma_free(c, rec);

    j = validate(msg_text);
    is_int(ma_arc_job_result(j), MA_ARC_NONE, "no ARC set: none");
    ma_job_free(j);

    hop1 = seal(s1, msg_text, "mx.example.org", &rc);
    is_int(rc, MA_OK, "first hop sealed");
    ok(hop1 && strstr(hop1, "ARC-Seal: i=1;") && strstr(hop1, "cv=none;") &&
           strstr(hop1, "ARC-Authentication-Results: i=1; mx.example.org; spf=pass"),
       "first set: i=1, cv=none, the AAR");
    j = validate(hop1);
    is_int(ma_arc_job_result(j), MA_ARC_PASS, "one-set chain passes");
    is_int(ma_arc_job_count(j), 1, "N=1");
    is_str(ma_arc_job_sealer(j, 1), "example.org", "sealer d=");
    ma_job_free(j);

    /* The forwarder modifies nothing and seals again. */
    hop2 = seal(s2, hop1, "mx.forwarder.example", &rc);
    is_int(rc, MA_OK, "second hop sealed");
    ok(hop2 && strstr(hop2, "ARC-Seal: i=2;") && strstr(hop2, "cv=pass;"), "second set: i=2, cv=pass");
    j = validate(hop2);
    is_int(ma_arc_job_result(j), MA_ARC_PASS, "two-set chain passes");
    is_int(ma_arc_job_count(j), 2, "N=2");
    is_int(ma_arc_job_oldest_pass(j), 0, "every AMS verifies: oldest-pass 0");
    ma_job_free(j);

    /* A change after the newest seal: its AMS fails, so the chain fails. */
    t = malloc(strlen(hop2) + 16);
    sprintf(t, "%sPS.\r\n", hop2);
    j = validate(t);
    is_int(ma_arc_job_result(j), MA_ARC_FAIL, "body changed after the last seal: fail");
    is_int(ma_arc_job_fail_instance(j), 2, "failing instance 2");
    ma_job_free(j);
    free(t);

    /* A change between hops breaks the first AMS: the second hop finds
       the chain failed and adds a set with cv=fail (RFC 8617 5.1.2), whose
       seal covers only itself; the chain then stays failed, and a third
       hop adds nothing (5.1 step 2). */
    t = malloc(strlen(hop1) + 16);
    sprintf(t, "%sFooter.\r\n", hop1);
    {
        char *hop2b = seal(s2, t, "mx.forwarder.example", &rc), *hop3b;
        is_int(rc, MA_OK, "modified between hops: sealing runs");
        ok(hop2b != NULL && strstr(hop2b, "ARC-Seal: i=2;") && strstr(hop2b, "cv=fail;"),
           "modified between hops: a set i=2 with cv=fail");
        if (hop2b != NULL) {
            j = validate(hop2b);
            is_int(ma_arc_job_result(j), MA_ARC_FAIL, "the cv=fail chain validates as fail");
            is_int(ma_arc_job_fail_instance(j), 2, "failing at the cv=fail set");
            ma_job_free(j);
            hop3b = seal(s1, hop2b, "mx.example.org", &rc);
            is_int(rc, MA_OK, "sealing after cv=fail: no error");
            ok(hop3b == NULL, "after cv=fail: no new set (RFC 8617 5.1 step 2)");
            free(hop3b);
        } else {
            ok(0, "the cv=fail chain validates as fail");
            ok(0, "failing at the cv=fail set");
            ok(0, "sealing after cv=fail: no error");
            ok(0, "after cv=fail: no new set (RFC 8617 5.1 step 2)");
        }
        free(hop2b);
    }
    free(t);

    /* A two-set chain broken after its newest seal: the next hop's set
       is i=3 with cv=fail. */
    t = malloc(strlen(hop2) + 16);
    sprintf(t, "%sPS.\r\n", hop2);
    {
        char *hop3 = seal(s1, t, "mx.example.org", &rc);
        is_int(rc, MA_OK, "sealing a failed two-set chain: no error");
        ok(hop3 != NULL && strstr(hop3, "ARC-Seal: i=3;") && strstr(hop3, "cv=fail;") &&
               strstr(hop3, "ARC-Authentication-Results: i=3;"),
           "a failed two-set chain: the next set is i=3 with cv=fail");
        free(hop3);
    }
    free(t);

    /* A list validates what it received, changes it, then seals what it
       sends (RFC 8617 5.1 step 1): the validation reads one message, the
       sealing another.  Downstream, the first AMS no longer verifies
       (the body changed), the new one does, every seal does: cv=pass,
       oldest-pass 2. */
    {
        ma_msg *rx = NULL, *tx = NULL;
        ma_job *v = NULL;
        ma_arc_seal *g = NULL;
        char *changed = malloc(strlen(hop1) + 32), *fields = NULL, *out = NULL;
        sprintf(changed, "%s-- \r\nlist footer\r\n", hop1);
        ma_msg_new(&rx, c);
        ma_arc_job_new(&v, c, NULL);
        ma_arc_job_attach(v, rx);
        ma_msg_write(rx, hop1, strlen(hop1));
        ma_msg_finish(rx);
        is_int(ma_job_run(v, r), MA_JOB_DONE, "list: the received copy validated");
        ma_msg_new(&tx, c);
        ma_arc_seal_new(&g, s2, "lists.forwarder.example");
        ma_arc_seal_attach(g, tx);
        ma_msg_write(tx, changed, strlen(changed));
        ma_msg_finish(tx);
        is_int(ma_arc_seal_fields(g, v, "dkim=pass header.d=example.org", &fields), MA_OK,
               "list: sealing the changed copy with the received copy's validation");
        ok(fields != NULL && strstr(fields, "ARC-Seal: i=2;") && strstr(fields, "cv=pass;"),
           "list: set i=2, cv=pass");
        if (fields != NULL) {
            out = malloc(strlen(fields) + 2 + strlen(changed) + 1);
            sprintf(out, "%s\r\n%s", fields, changed);
            j = validate(out);
            is_int(ma_arc_job_result(j), MA_ARC_PASS, "list: downstream the chain passes");
            is_int(ma_arc_job_oldest_pass(j), 2, "list: oldest-pass 2 (the first AMS saw another body)");
            ma_job_free(j);
        } else {
            ok(0, "list: downstream the chain passes");
            ok(0, "list: oldest-pass 2 (the first AMS saw another body)");
        }
        free(out);
        ma_free(c, fields);
        ma_arc_seal_free(g);
        ma_job_free(v);
        ma_msg_free(tx);
        ma_msg_free(rx);
        free(changed);
    }

    /* The authserv-id is written bare in the AAR: anything that could
       break out of it is refused. */
    {
        static const char *const bad_ids[] = { "", "mx example", "mx;x", "mx(x", "mx\"x", "mx\\x",
                                               "mx\001x", "mx\177", "mx\303\251" };
        size_t k;
        int refused = 0;
        ma_arc_seal *g = NULL;
        for (k = 0; k < sizeof bad_ids / sizeof bad_ids[0]; k++) {
            if (ma_arc_seal_new(&g, s1, bad_ids[k]) == MA_EINVAL && g == NULL)
                refused++;
            ma_arc_seal_free(g);
            g = NULL;
        }
        is_int(refused, (int)(sizeof bad_ids / sizeof bad_ids[0]),
               "authserv-ids with space, ';', '(', quote, backslash, control or 8-bit bytes refused");
    }

    /* With the default header list, the AMS signs DKIM-Signature fields
       (RFC 8617 4.1.2 SHOULD). */
    {
        static const char signed_text[] =
            "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=x; h=from;\r\n"
            "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpzWJ64D9Sy8=; b=AAAA\r\n"
            "From: Joe <joe@example.com>\r\n"
            "Subject: hello\r\n"
            "\r\n"
            "Hi.\r\n";
        char *sealed = seal(s1, signed_text, "mx.example.org", &rc);
        const char *h = sealed != NULL ? strstr(sealed, " h=") : NULL;
        ok(h != NULL && strstr(h, "dkim-signature") != NULL &&
               strstr(h, "dkim-signature") < strstr(h, "bh="),
           "default list: the AMS signs the DKIM-Signature field");
        if (sealed != NULL) {
            j = validate(sealed);
            is_int(ma_arc_job_result(j), MA_ARC_PASS, "and the chain validates");
            ma_job_free(j);
        } else {
            ok(0, "and the chain validates");
        }
        free(sealed);
    }

    /* Structure: a set without its AMS. */
    t = malloc(strlen(hop1) + 1);
    {
        const char *ams = strstr(hop1, "ARC-Message-Signature:");
        const char *end = strstr(ams, "\r\nARC-Authentication-Results:");
        size_t pre = (size_t)(ams - hop1);
        memcpy(t, hop1, pre);
        strcpy(t + pre, end + 2);
    }
    j = validate(t);
    is_int(ma_arc_job_result(j), MA_ARC_FAIL, "a set without its AMS: fail");
    ok(strstr(ma_arc_job_problem(j), "one each") != NULL, "the problem says so");
    ma_job_free(j);
    free(t);

    free(hop1);
    free(hop2);
    ma_dkim_signer_free(s1);
    ma_dkim_signer_free(s2);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(c);
    return tap_done();
}
