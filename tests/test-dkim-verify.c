/*
 * DKIM signer and verifier through the public API: sign, then verify
 * against a static zone holding the signer's own key record; every kind of
 * tampering gives its verdict; the sans-I/O protocol asks the keys at the
 * end of the header; limits and policies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"
#include "tap.h"
#include "testutil.h"

/* RFC 8032 7.1 TEST 1 secret key, as a seed (also RFC 8463 A.1). */
static const char seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static const char msg_text[] = RFC6376_EXAMPLE_MSG;

static int64_t now_ms = INT64_C(1700000000000);

static ma_ctx *new_ctx(void)
{
    ma_ctx_opts o;
    ma_ctx *c = NULL;
    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = fixed_clock;
    o.clock_payload = &now_ms;
    if (ma_ctx_new(&c, &o) != MA_OK)
        return NULL;
    return c;
}

/* Sign text with a signer; the signed message (field + CRLF + text), malloc'd. */
static char *sign_text(ma_ctx *c, const ma_dkim_signer *s, const char *text)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    char *field = NULL, *out = NULL;
    if (ma_msg_new(&m, c) == MA_OK && ma_dkim_sign_new(&g, s) == MA_OK &&
        ma_dkim_sign_attach(g, m) == MA_OK && ma_msg_write(m, text, strlen(text)) == MA_OK &&
        ma_msg_finish(m) == MA_OK && ma_dkim_sign_field(g, &field) == MA_OK) {
        out = malloc(strlen(field) + 2 + strlen(text) + 1);
        if (out)
            sprintf(out, "%s\r\n%s", field, text);
    }
    ma_free(c, field);
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    return out;
}

/* Verify text against resolver r; the job (done) for the caller to read and free. */
static ma_job *verify_text(ma_ctx *c, ma_resolver *r, const ma_dkim_verify_opts *o, const char *text,
                           int *rc_out)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int rc = ma_msg_new(&m, c);
    if (rc == MA_OK)
        rc = ma_dkim_job_new(&j, c, o);
    if (rc == MA_OK)
        rc = ma_dkim_job_attach(j, m);
    if (rc == MA_OK)
        rc = ma_msg_write(m, text, strlen(text));
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK)
        rc = ma_job_run(j, r);
    *rc_out = rc;
    ma_msg_free(m);
    return j;
}

/* Replace the first occurrence of from by to (same or any length). */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    char *out;
    if (p == NULL)
        return NULL;
    out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, text, (size_t)(p - text));
    strcpy(out + (p - text), to);
    strcat(out, p + strlen(from));
    return out;
}

static void expect(ma_ctx *c, ma_resolver *r, const ma_dkim_verify_opts *o, const char *text,
                   ma_dkim_result want, ma_dkim_reason why, const char *what)
{
    int rc;
    ma_job *j = verify_text(c, r, o, text, &rc);
    char name[160];
    snprintf(name, sizeof name, "%s: %s (%s)", what, ma_dkim_result_name(want),
             ma_dkim_reason_name(why));
    if (rc != MA_JOB_DONE || ma_dkim_job_count(j) < 1) {
        ok(0, name);
        printf("# run returned %d, %zu signatures\n", rc, ma_dkim_job_count(j));
    } else {
        ok(ma_dkim_job_result(j, 0) == want && ma_dkim_job_reason(j, 0) == why, name);
        if (ma_dkim_job_result(j, 0) != want || ma_dkim_job_reason(j, 0) != why)
            printf("# got %s (%s): %s\n", ma_dkim_result_name(ma_dkim_job_result(j, 0)),
                     ma_dkim_reason_name(ma_dkim_job_reason(j, 0)), ma_dkim_job_problem(j, 0));
    }
    ma_job_free(j);
}

int main(void)
{
    ma_ctx *c = new_ctx();
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    ma_dkim_signer *s = NULL, *sl = NULL;
    ma_dkim_sign_opts so;
    ma_dkim_verify_opts vo;
    char *rec = NULL, *signed_msg, *t;
    ma_job *j;
    int rc;

    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "Football.Example.COM";
    so.selector = "brisbane";
    so.expire = 3600;
    is_int(ma_dkim_signer_new(&s, c, &so, seed_b64, strlen(seed_b64)), MA_OK, "signer from a base64 seed");
    is_int(ma_dkim_signer_key_record(s, &rec), MA_OK, "key record");
    is_str(rec, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
           "key record of the RFC 8463 A.2 key");
    ma_static_zone_new(&z, c);
    ma_static_zone_add_txt(z, "brisbane._domainkey.football.example.com", rec, strlen(rec), 300);
    ma_static_zone_add_txt(z, "revoked._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=",
                           22, 300);
    ma_static_zone_add_txt(z, "rsa._domainkey.football.example.com", "v=DKIM1; k=rsa; p=MIGfMA0G",
                           26, 300);
    ma_static_zone_add_timeout(z, "slow._domainkey.football.example.com", 0);
    ma_resolver_static_new(&r, c, z);
    ma_free(c, rec);

    signed_msg = sign_text(c, s, msg_text);
    ok(signed_msg != NULL, "signed");
    ok(signed_msg && strstr(signed_msg, "d=football.example.com;") != NULL, "d= lower-cased");
    ok(signed_msg && strstr(signed_msg, "x=1700003600;") != NULL, "x= from the clock and expire");
    expect(c, r, NULL, signed_msg, MA_DKIM_PASS, MA_DKIM_R_OK, "own signature");

    /* The verdict's details. */
    j = verify_text(c, r, NULL, signed_msg, &rc);
    is_int(rc, MA_JOB_DONE, "run done");
    is_int((long)ma_dkim_job_count(j), 1, "one signature");
    is_str(ma_dkim_job_domain(j, 0), "football.example.com", "domain");
    is_str(ma_dkim_job_selector(j, 0), "brisbane", "selector");
    is_str(ma_dkim_job_identity(j, 0), "@football.example.com", "identity defaults to @d");
    is_int(ma_dkim_job_algorithm(j, 0), MA_DKIM_ED25519_SHA256, "algorithm");
    is_int(ma_dkim_job_key_bits(j, 0), 256, "key bits");
    ok(ma_dkim_job_covers_from(j, 0), "covers From");
    ok(!ma_dkim_job_unsigned_extra(j, 0), "no unsigned extra field");
    is_int((long)strlen(ma_dkim_job_b_prefix(j, 0)), 12, "b= prefix of 12 characters");
    ma_job_free(j);

    /* Tampering. */
    t = edit(signed_msg, "We lost", "We won");
    expect(c, r, NULL, t, MA_DKIM_FAIL, MA_DKIM_R_BODY_HASH, "body changed");
    free(t);
    t = edit(signed_msg, "Subject: Is dinner", "Subject: Is lunch");
    expect(c, r, NULL, t, MA_DKIM_FAIL, MA_DKIM_R_SIGNATURE, "signed header changed");
    free(t);
    t = edit(signed_msg, "Subject: Is dinner", "Subject:   Is \t dinner");
    expect(c, r, NULL, t, MA_DKIM_PASS, MA_DKIM_R_OK, "relaxed header survives whitespace");
    free(t);
    t = edit(signed_msg, "Joe.\r\n", "Joe.  \r\n\r\n\r\n");
    expect(c, r, NULL, t, MA_DKIM_PASS, MA_DKIM_R_OK, "relaxed body survives trailing space and lines");
    free(t);
    {
        /* A From prepended to an oversigned signature breaks it (RFC 6376
           8.15). */
        ma_dkim_signer *ov = NULL;
        ma_dkim_sign_opts oo = so;
        char *m1, *two;
        oo.flags = MA_DKIM_SIGN_OVERSIGN;
        is_int(ma_dkim_signer_new(&ov, c, &oo, seed_b64, strlen(seed_b64)), MA_OK, "oversigning signer");
        m1 = sign_text(c, ov, msg_text);
        ok(m1 && strstr(m1, "h=from:to:subject:date:message-id:from:to:subject:date:message-id;") == NULL &&
           strstr(m1, "from:") != NULL, "oversigned h= lists present names once more");
        two = malloc(strlen(m1) + 64);
        sprintf(two, "From: attacker@evil.example\r\n%s", m1);
        expect(c, r, NULL, m1, MA_DKIM_PASS, MA_DKIM_R_OK, "oversigned signature");
        expect(c, r, NULL, two, MA_DKIM_FAIL, MA_DKIM_R_SIGNATURE, "From prepended breaks an oversigned From");
        free(two);
        free(m1);
        ma_dkim_signer_free(ov);
    }
    {
        /* Header order and whitespace: relaxed tolerates whitespace, simple
           does not; reordering two signed fields of different names is
           harmless (h= names them), swapping two To fields is not. */
        ma_dkim_signer *sim = NULL;
        ma_dkim_sign_opts si = so;
        char *m1, *m2;
        si.header_canon = MA_DKIM_SIMPLE;
        si.body_canon = MA_DKIM_SIMPLE;
        is_int(ma_dkim_signer_new(&sim, c, &si, seed_b64, strlen(seed_b64)), MA_OK, "simple/simple signer");
        m1 = sign_text(c, sim, msg_text);
        expect(c, r, NULL, m1, MA_DKIM_PASS, MA_DKIM_R_OK, "simple/simple signature");
        m2 = edit(m1, "Subject: Is dinner", "Subject:  Is dinner");
        expect(c, r, NULL, m2, MA_DKIM_FAIL, MA_DKIM_R_SIGNATURE, "simple: header whitespace changed");
        free(m2);
        m2 = edit(m1, "Joe.\r\n", "Joe. \r\n");
        expect(c, r, NULL, m2, MA_DKIM_FAIL, MA_DKIM_R_BODY_HASH, "simple: body whitespace changed");
        free(m2);
        free(m1);
        ma_dkim_signer_free(sim);
    }
    {
        const char *two_to = "From: a@football.example.com\r\nTo: x@example.net\r\nTo: y@example.net\r\n"
                             "Subject: s\r\n\r\nbody\r\n";
        char *m1 = sign_text(c, s, two_to), *m2;
        expect(c, r, NULL, m1, MA_DKIM_PASS, MA_DKIM_R_OK, "two To fields signed");
        m2 = edit(m1, "To: x@example.net\r\nTo: y@example.net", "To: y@example.net\r\nTo: x@example.net");
        expect(c, r, NULL, m2, MA_DKIM_FAIL, MA_DKIM_R_SIGNATURE, "header order changed: two To swapped");
        free(m2);
        free(m1);
    }
    {
        /* Without oversigning the signature survives, and the verdict
           says that an unsigned From is present. */
        ma_dkim_signer *lit = NULL;
        char *m1, *two;
        ma_dkim_sign_opts lo = so;
        lo.headers = "from:to:subject";
        ma_dkim_signer_new(&lit, c, &lo, seed_b64, strlen(seed_b64));
        m1 = sign_text(c, lit, msg_text);
        two = malloc(strlen(m1) + 64);
        sprintf(two, "From: attacker@evil.example\r\n%s", m1);
        j = verify_text(c, r, NULL, two, &rc);
        is_int(ma_dkim_job_result(j, 0), MA_DKIM_PASS, "From prepended, not oversigned: passes");
        ok(ma_dkim_job_unsigned_extra(j, 0), "but an unsigned extra field is reported");
        ok(ma_dkim_job_covers_from(j, 0), "and the signed From is covered");
        ma_job_free(j);
        free(two);
        free(m1);
        ma_dkim_signer_free(lit);
    }
    t = edit(signed_msg, "v=1;", "v=0.5;");
    expect(c, r, NULL, t, MA_DKIM_PERMERROR, MA_DKIM_R_VERSION, "v=0.5");
    j = verify_text(c, r, NULL, t, &rc);
    is_str(ma_dkim_job_domain(j, 0), "football.example.com", "v=0.5: d= still reported");
    is_str(ma_dkim_job_selector(j, 0), "brisbane", "v=0.5: s= still reported");
    is_int(ma_dkim_job_algorithm(j, 0), MA_DKIM_ED25519_SHA256, "v=0.5: a= still reported");
    ma_job_free(j);
    free(t);
    t = edit(signed_msg, "s=brisbane;", "s=revoked;");
    expect(c, r, NULL, t, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_REVOKED, "revoked key");
    free(t);
    t = edit(signed_msg, "s=brisbane;", "s=missing;");
    expect(c, r, NULL, t, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_MISSING, "no key record");
    free(t);
    t = edit(signed_msg, "s=brisbane;", "s=slow;");
    expect(c, r, NULL, t, MA_DKIM_TEMPERROR, MA_DKIM_R_KEY_DNS, "key lookup times out");
    free(t);
    t = edit(signed_msg, "s=brisbane;", "s=rsa;");
    expect(c, r, NULL, t, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_TYPE,
           "k=rsa key for an ed25519 signature");
    free(t);
    t = edit(signed_msg, "d=football.example.com;", "d=football.example.com(.evil.example;");
    expect(c, r, NULL, t, MA_DKIM_PERMERROR, MA_DKIM_R_DOMAIN, "'(' in d=");
    free(t);
    t = edit(signed_msg, "a=ed25519-sha256;", "a=rsa-sha1;");
    expect(c, r, NULL, t, MA_DKIM_PERMERROR, MA_DKIM_R_BAD_LENGTH, "rsa-sha1 with a SHA-256 bh=");
    {
        /* With a bh= of SHA-1 size the signature parses, and is refused. */
        char *u = t ? strstr(t, "bh=") : NULL;
        if (u != NULL) {
            char *semi = strchr(u, ';');
            char *v = malloc(strlen(t) + 1);
            memcpy(v, t, (size_t)(u - t));
            strcpy(v + (u - t), "bh=qUqP5cyxm6YcTAhz05Hph5gvu9M=");
            strcat(v, semi);
            expect(c, r, NULL, v, MA_DKIM_PERMERROR, MA_DKIM_R_SHA1, "rsa-sha1 refused (RFC 8301)");
            free(v);
        }
    }
    free(t);

    /* The clock: expired, and t= in the future. */
    now_ms = INT64_C(1700003601000);
    expect(c, r, NULL, signed_msg, MA_DKIM_PERMERROR, MA_DKIM_R_EXPIRED, "past x=");
    now_ms = INT64_C(1699999000000);
    expect(c, r, NULL, signed_msg, MA_DKIM_PERMERROR, MA_DKIM_R_FUTURE, "t= 1000 s in the future");
    now_ms = INT64_C(1699999800000);
    expect(c, r, NULL, signed_msg, MA_DKIM_PASS, MA_DKIM_R_OK, "t= 200 s ahead, within the skew");
    now_ms = INT64_C(1700000000000);

    /* l=: content appended after a signature with l=. */
    so.flags = MA_DKIM_SIGN_BODY_LENGTH;
    so.expire = 0;
    is_int(ma_dkim_signer_new(&sl, c, &so, seed_b64, strlen(seed_b64)), MA_OK, "signer with l=");
    free(signed_msg);
    signed_msg = sign_text(c, sl, msg_text);
    expect(c, r, NULL, signed_msg, MA_DKIM_PASS, MA_DKIM_R_OK, "l= covering the body");
    t = malloc(strlen(signed_msg) + 64);
    sprintf(t, "%sClick here: http://evil.example/\r\n", signed_msg);
    expect(c, r, NULL, t, MA_DKIM_POLICY, MA_DKIM_R_BODY_LENGTH, "appended text: refused by default");
    ma_dkim_verify_opts_init(&vo, MA_DKIM_VERIFY_OPTS_VERSION);
    vo.l_policy = MA_DKIM_L_HONOUR;
    expect(c, r, &vo, t, MA_DKIM_PASS, MA_DKIM_R_OK, "appended text: RFC 6376 honours l=");
    vo.l_policy = MA_DKIM_L_WHITESPACE;
    expect(c, r, &vo, t, MA_DKIM_POLICY, MA_DKIM_R_BODY_LENGTH, "appended text: not whitespace");
    free(t);
    t = malloc(strlen(signed_msg) + 64);
    sprintf(t, "%s   \r\n\r\n", signed_msg);
    j = verify_text(c, r, &vo, t, &rc);
    is_int(ma_dkim_job_result(j, 0), MA_DKIM_PASS, "appended blank lines: pass");
    is_int((long)ma_dkim_job_unsigned_bytes(j, 0), 0, "relaxed: they are not in the canonical body");
    ma_job_free(j);
    free(t);

    {
        /* simple body canonicalisation keeps a whitespace line past l=. */
        ma_dkim_signer *sl2 = NULL;
        ma_dkim_sign_opts o2 = so;
        char *m1, *m2;
        o2.body_canon = MA_DKIM_SIMPLE;
        o2.flags = MA_DKIM_SIGN_BODY_LENGTH;
        ma_dkim_signer_new(&sl2, c, &o2, seed_b64, strlen(seed_b64));
        m1 = sign_text(c, sl2, msg_text);
        m2 = malloc(strlen(m1) + 16);
        sprintf(m2, "%s \t \r\n", m1);
        vo.l_policy = MA_DKIM_L_WHITESPACE;
        j = verify_text(c, r, &vo, m2, &rc);
        is_int(ma_dkim_job_result(j, 0), MA_DKIM_PASS, "simple: a whitespace tail is accepted by the whitespace policy");
        is_int((long)ma_dkim_job_unsigned_bytes(j, 0), 5, "and its 5 bytes are reported unsigned");
        ma_job_free(j);
        expect(c, r, NULL, m2, MA_DKIM_POLICY, MA_DKIM_R_BODY_LENGTH, "simple: the same tail under the default policy");
        free(m2);
        m2 = malloc(strlen(m1) + 16);
        sprintf(m2, "%s x\r\n", m1);
        expect(c, r, &vo, m2, MA_DKIM_POLICY, MA_DKIM_R_BODY_LENGTH, "simple: one letter in the tail is text");
        free(m2);
        free(m1);
        ma_dkim_signer_free(sl2);
    }

    /* Sans-I/O: the key question is out as soon as the header is complete. */
    {
        ma_msg *m;
        const ma_dns_question *const *qs;
        size_t n;
        const char *body = strstr(signed_msg, "\r\n\r\n");
        ma_msg_new(&m, c);
        ma_dkim_job_new(&j, c, NULL);
        is_int(ma_job_step(j), MA_ESTATE, "step without a message: MA_ESTATE");
        ma_job_free(j);
        ma_dkim_job_new(&j, c, NULL);
        is_int(ma_dkim_job_attach(j, m), MA_OK, "attach");
        is_int(ma_dkim_job_attach(j, m), MA_ESTATE, "attach twice: MA_ESTATE");
        is_int(ma_job_step(j), MA_JOB_NEED_INPUT, "before the header: need input");
        ma_msg_write(m, signed_msg, (size_t)(body - signed_msg) + 4);
        is_int(ma_job_step(j), MA_JOB_NEED_DNS, "header complete: need DNS");
        ma_job_questions(j, &qs, &n);
        is_int((long)n, 1, "one question");
        is_str(n ? ma_dns_question_name(qs[0]) : "", "brisbane._domainkey.football.example.com",
               "for the key");
        {
            ma_dns_answer *a = NULL;
            ma_resolver_resolve(r, ma_dns_question_name(qs[0]), MA_DNS_TXT, &a);
            is_int(ma_job_answer(j, ma_dns_question_id(qs[0]), a), MA_OK, "answered while the body is pending");
            ma_dns_answer_free(a);
        }
        is_int(ma_job_step(j), MA_JOB_NEED_INPUT, "key in, body pending: need input");
        ma_msg_write(m, body + 4, strlen(body + 4));
        ma_msg_finish(m);
        is_int(ma_job_step(j), MA_JOB_DONE, "finished: done");
        is_int(ma_dkim_job_result(j, 0), MA_DKIM_PASS, "and passes");
        ma_job_free(j);
        ma_msg_free(m);
    }

    /* More signatures than the limit: the rest are reported, not checked. */
    {
        char *many = strdup(signed_msg), *tmp;
        const char *end = strstr(signed_msg, "\r\nFrom:");
        size_t flen = (size_t)(end - signed_msg) + 2, k;
        ma_ctx_set_limit(c, MA_LIMIT_DKIM_SIGNATURES, 2);
        for (k = 0; k < 3; k++) {
            tmp = malloc(strlen(many) + flen + 1);
            memcpy(tmp, signed_msg, flen);
            strcpy(tmp + flen, many);
            free(many);
            many = tmp;
        }
        j = verify_text(c, r, NULL, many, &rc);
        is_int((long)ma_dkim_job_count(j), 4, "four signature fields seen");
        is_int(ma_dkim_job_result(j, 1), MA_DKIM_PASS, "the second checked");
        is_int(ma_dkim_job_result(j, 2), MA_DKIM_NEUTRAL, "the third not checked");
        is_int(ma_dkim_job_reason(j, 3), MA_DKIM_R_NOT_CHECKED, "the fourth: not-checked");
        ma_job_free(j);
        free(many);
        ma_ctx_set_limit(c, MA_LIMIT_DKIM_SIGNATURES, 10);
    }

    /* Two signers in one pass: rsa and ed25519, both verify; keygen. */
    {
        char *pem = NULL, *rrec = NULL, *both, *line;
        ma_dkim_signer *rs = NULL;
        ma_dkim_sign_opts ro = so;
        ma_msg *m = NULL;
        ma_dkim_sign *g = NULL;
        char *fields = NULL;
        size_t maxline = 0, cur = 0;
        is_int(ma_dkim_keygen(&pem, &rrec, c, MA_DKIM_RSA_SHA256, 2048), MA_OK, "keygen rsa-2048");
        ok(pem && strstr(pem, "-----BEGIN PRIVATE KEY-----") != NULL, "keygen: PKCS#8 PEM");
        ok(rrec && strncmp(rrec, "v=DKIM1; k=rsa; p=MIIBIjAN", 26) == 0, "keygen: rsa key record");
        ro.selector = "rsa2048";
        is_int(ma_dkim_signer_new(&rs, c, &ro, pem, pem ? strlen(pem) : 0), MA_OK, "signer from the generated key");
        ma_static_zone_free(z);
        ma_resolver_free(r);
        ma_static_zone_new(&z, c);
        {
            char *edrec = NULL;
            ma_dkim_signer_key_record(s, &edrec);
            ma_static_zone_add_txt(z, "brisbane._domainkey.football.example.com", edrec, strlen(edrec), 300);
            ma_static_zone_add_txt(z, "rsa2048._domainkey.football.example.com", rrec, strlen(rrec), 300);
            ma_free(c, edrec);
        }
        ma_resolver_static_new(&r, c, z);
        ma_msg_new(&m, c);
        ma_dkim_sign_new(&g, s);
        is_int(ma_dkim_sign_add(g, rs), MA_OK, "second signer added");
        ma_dkim_sign_attach(g, m);
        is_int(ma_dkim_sign_add(g, rs), MA_ESTATE, "no signer after attach");
        ma_msg_write(m, msg_text, strlen(msg_text));
        ma_msg_finish(m);
        is_int(ma_dkim_sign_field(g, &fields), MA_OK, "two fields");
        for (line = fields; line && *line; line++) {
            if (*line == '\r' && line[1] == '\n') {
                maxline = cur > maxline ? cur : maxline;
                cur = 0;
                line++;
            } else {
                cur++;
            }
        }
        maxline = cur > maxline ? cur : maxline;
        ok(maxline <= 78, "folded at 78 columns");
        both = malloc(strlen(fields) + strlen(msg_text) + 3);
        sprintf(both, "%s\r\n%s", fields, msg_text);
        j = verify_text(c, r, NULL, both, &rc);
        is_int((long)ma_dkim_job_count(j), 2, "two signatures");
        is_int(ma_dkim_job_result(j, 0), MA_DKIM_PASS, "ed25519 one passes");
        is_int(ma_dkim_job_result(j, 1), MA_DKIM_PASS, "rsa one passes");
        is_int(ma_dkim_job_key_bits(j, 1), 2048, "rsa key bits");
        ma_job_free(j);
        free(both);
        ma_free(c, fields);
        ma_dkim_sign_free(g);
        ma_msg_free(m);
        ma_dkim_signer_free(rs);
        ma_free(c, pem);
        ma_free(c, rrec);
    }

    {
        /* No From field: nothing to sign (RFC 6376 5.4). */
        ma_msg *m = NULL;
        ma_dkim_sign *g = NULL;
        char *f = NULL;
        ma_msg_new(&m, c);
        ma_dkim_sign_new(&g, s);
        ma_dkim_sign_attach(g, m);
        ma_msg_write(m, "Subject: x\r\n\r\nbody\r\n", 21);
        ma_msg_finish(m);
        is_int(ma_dkim_sign_field(g, &f), MA_ESYNTAX, "a message without From is not signed");
        ok(f == NULL, "and no field is returned");
        ma_dkim_sign_free(g);
        ma_msg_free(m);
    }

    /* Bad signer options. */
    {
        ma_dkim_signer *bad = NULL;
        ma_dkim_sign_opts b;
        ma_dkim_sign_opts_init(&b, MA_DKIM_SIGN_OPTS_VERSION);
        b.domain = "example.com";
        b.selector = "s";
        b.headers = "to:subject";
        is_int(ma_dkim_signer_new(&bad, c, &b, seed_b64, strlen(seed_b64)), MA_EINVAL, "h= without From refused");
        b.headers = NULL;
        b.domain = "exa(mple.com";
        is_int(ma_dkim_signer_new(&bad, c, &b, seed_b64, strlen(seed_b64)), MA_EINVAL, "bad d= refused");
        b.domain = "example.com";
        b.identity = "user@other.example";
        is_int(ma_dkim_signer_new(&bad, c, &b, seed_b64, strlen(seed_b64)), MA_EINVAL, "i= outside d= refused");
        b.identity = NULL;
        is_int(ma_dkim_signer_new(&bad, c, &b, "not a key", 9), MA_ESYNTAX, "garbage key refused");
        ok(bad == NULL, "no signer after failures");
    }

    free(signed_msg);
    ma_dkim_signer_free(s);
    ma_dkim_signer_free(sl);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(c);
    return tap_done();
}
