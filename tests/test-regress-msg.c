/*
 * Regression tests from the peers' vulnerability history, part 2: header
 * fields.  Each group of assertions is labelled with the CVE or issue it
 * guards against and asserts the safe verdict:
 *
 *  4. '(' and NUL in d=, s=, MAIL FROM, HELO and the Authentication-Results
 *     writer (CVE-2020-12272).
 *  5. Authentication-Results with 10,000 results and 1 KB values
 *     (OpenDMARC #441).
 *  6. Tag lists: tokens without '=', empty and duplicate tags, 64 KB
 *     values, short bh= (OpenDMARC #183/#222, Exim CVE-2020-28025,
 *     go-msgauth's duplicate tags).
 * 10. Removing forged Authentication-Results fields (CVE-2022-48521).
 */
#include "regress.h"

/* ==================================================== 4. '(' and NUL */

/* Parse kind's value built from three pieces (before, the hostile value of
   vlen bytes, after) in an exact-size block. */
static int sig_parse3(ma_dkim_sig_kind kind, const char *pre, const char *v, size_t vlen,
                      const char *post, ma_dkim_perr *pe)
{
    size_t a = strlen(pre), b = strlen(post);
    char *s = malloc(a + vlen + b + 1);
    ma_dkim_sig sig;
    int rc;
    if (s == NULL)
        abort();
    memcpy(s, pre, a);
    memcpy(s + a, v, vlen);
    memcpy(s + a + vlen, post, b);
    rc = ma__dkim_sig_parse(&sig, c, kind, s, a + vlen + b, pe);
    ma__dkim_sig_free(&sig, c);
    free(s);
    return rc;
}

/*
 * CVE-2020-12272: OpenDKIM verified d=legitimate.com(.attacker.com (a name
 * under attacker.com) and wrote header.d=legitimate.com(.attacker.com into
 * Authentication-Results, which OpenDMARC read as header.d=legitimate.com
 * followed by a comment.
 */
static void paren_domains(void)
{
    static const struct {
        const char *v;
        size_t len;
    } bad[] = {
        { "legitimate.com(.attacker.com", 28 },
        { "legitimate.com).attacker.com", 28 },
        { "legitimate.com\".attacker.com", 28 },
        { "legitimate.com\\.attacker.com", 28 },
        { "legitimate.com,attacker.com", 27 },
        { "legitimate.com@attacker.com", 27 },
        { "legitimate.com/attacker.com", 27 },
        { "legitimate.com:attacker.com", 27 },
        { "legitimate.com%28.attacker.com", 30 },
        { "legitimate.com\0.attacker.com", 28 },
        { "legitimate.com\x80.attacker.com", 28 },
        { "legitimate.com (.attacker.com", 29 },
        { "legitimate.com\r\n (.attacker.com", 32 },
    };
    static const struct {
        ma_dkim_sig_kind kind;
        const char *d_pre, *d_post, *s_pre, *s_post;
    } kinds[] = {
        { MA_DKIM_SIG_DKIM, "v=1; a=ed25519-sha256; s=sel; h=from; bh=" BH32 "; b=" B64Z "; d=", "",
          "v=1; a=ed25519-sha256; d=example.com; h=from; bh=" BH32 "; b=" B64Z "; s=", "" },
        { MA_DKIM_SIG_AMS, "i=1; a=ed25519-sha256; s=sel; h=from; bh=" BH32 "; b=" B64Z "; d=", "",
          "i=1; a=ed25519-sha256; d=example.com; h=from; bh=" BH32 "; b=" B64Z "; s=", "" },
        { MA_DKIM_SIG_AS, "i=1; a=ed25519-sha256; cv=none; s=sel; b=" B64Z "; d=", "",
          "i=1; a=ed25519-sha256; cv=none; d=example.com; b=" B64Z "; s=", "" },
    };
    size_t i, k;
    int sel_all = 1;

    for (k = 0; k < 3; k++) {
        int all = 1;
        ma_dkim_perr pe;
        /* The templates parse with a good value. */
        OKF(sig_parse3(kinds[k].kind, kinds[k].d_pre, "example.com", 11, kinds[k].d_post, &pe) == MA_OK &&
                sig_parse3(kinds[k].kind, kinds[k].s_pre, "sel", 3, kinds[k].s_post, &pe) == MA_OK,
            "CVE-2020-12272 control: the %s template parses", ma__dkim_sig_kind_name(kinds[k].kind));
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            int rc = sig_parse3(kinds[k].kind, kinds[k].d_pre, bad[i].v, bad[i].len, kinds[k].d_post, &pe);
            if (rc != MA_ESYNTAX || (pe.reason != MA_DKIM_R_DOMAIN && pe.reason != MA_DKIM_R_SYNTAX))
                all = 0;
            {
                /* s= with the hostile byte in the middle: "s" X "l" */
                char sv[4] = { 's', bad[i].v[14], 'l', 0 };
                rc = sig_parse3(kinds[k].kind, kinds[k].s_pre, sv, 3, kinds[k].s_post, &pe);
                if (bad[i].v[14] != '.' &&
                    (rc != MA_ESYNTAX || (pe.reason != MA_DKIM_R_DOMAIN && pe.reason != MA_DKIM_R_SYNTAX)))
                    sel_all = 0;
            }
        }
        OKF(all, "CVE-2020-12272: %s d= with '(', ')', quote, backslash, ',', '@', '/', ':', '%%', "
                 "NUL, 0x80, FWS: refused (domain or syntax)",
            ma__dkim_sig_kind_name(kinds[k].kind));
    }
    ok(sel_all, "CVE-2020-12272: s= with those bytes: refused");

    /*
     * End to end: a signature that really verifies under the name
     * sel._domainkey.legitimate.com(.attacker.com (the attacker controls it),
     * made by a signer whose d= is patched after it was checked.
     */
    {
        ma_static_zone *z = world_zone();
        ma_resolver *inner = NULL, *r;
        rec_res rr;
        ma_dkim_signer *s = seed_signer("legitimate.comx.attacker.com", "sel");
        ma_dkim_signer *s2 = seed_signer("attacker.example", "abcde");
        char *text = cat4("From: ceo@legitimate.com\r\n", body_text, NULL, NULL);
        char *signed_text, *signed2;
        ma_job *j;
        ma_authres *ar;
        const char *hd;

        memcpy(s->domain, "legitimate.com(.attacker.com", 28);
        memcpy(s2->selector, "ab(de", 5);
        ma_static_zone_add_txt(z, "sel._domainkey.legitimate.com(.attacker.com", ed_record,
                               strlen(ed_record), 300);
        ma_static_zone_add_txt(z, "ab(de._domainkey.attacker.example", ed_record, strlen(ed_record), 300);
        ma_resolver_static_new(&inner, c, z);
        r = rec_new(&rr, inner);
        signed_text = dkim_sign(s, text);
        ok(has(signed_text, "d=legitimate.com(.attacker.com;"),
           "CVE-2020-12272 setup: the signature carries d=legitimate.com(.attacker.com");
        {
            const char *t;
            size_t tl;
            ma_dns_answer *keep = NULL;
            ok(txt_of(inner, "sel._domainkey.legitimate.com(.attacker.com", &t, &tl, &keep) == MA_DNS_OK &&
                   tl == strlen(ed_record),
               "CVE-2020-12272 setup: the attacker publishes the key at that name");
            ma_dns_answer_free(keep);
        }
        j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "bounce@attacker.com", signed_text);
        ok(j != NULL && strcmp(verdict(j, MA_AUTH_DKIM), "permerror") == 0 &&
               ma_dkim_job_reason(ma_auth_job_check(j, MA_AUTH_DKIM), 0) == MA_DKIM_R_DOMAIN,
           "CVE-2020-12272: d=legitimate.com(.attacker.com: dkim=permerror (domain)");
        ok(!rec_asked_char(&rr, '('), "CVE-2020-12272: no DNS question with '(' was asked");
        ok(strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0 &&
               ma_dmarc_job_disposition(ma_auth_job_check(j, MA_AUTH_DMARC)) == MA_DMARC_DISP_REJECT,
           "CVE-2020-12272: DMARC for legitimate.com fails, reject");
        ar = authres_of(j);
        hd = ar_prop(ar, "dkim", "header", "d");
        ok(ar != NULL && !ar_has(ar, "dkim", "pass") && (hd == NULL || strcmp(hd, "legitimate.com") != 0),
           "CVE-2020-12272: the field, parsed back, has no dkim=pass and no header.d=legitimate.com");
        ma_authres_free(ar);
        ma_job_free(j);

        signed2 = dkim_sign(s2, text);
        rr.n = 0;
        j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "bounce@attacker.com", signed2);
        ok(j != NULL && strcmp(verdict(j, MA_AUTH_DKIM), "permerror") == 0 && !rec_asked_char(&rr, '('),
           "CVE-2020-12272: s=ab(de: dkim=permerror, no question with '('");
        ma_job_free(j);

        /* MAIL FROM and HELO with '(': never read back as legitimate.com. */
        j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "ceo@legitimate.com(.attacker.com", text);
        ar = authres_of(j);
        hd = ar_prop(ar, "spf", "smtp", "mailfrom");
        ok(j != NULL && ar != NULL && hd != NULL && strcmp(hd, "ceo@legitimate.com(.attacker.com") == 0 &&
               !rec_asked_char(&rr, '(') && strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0,
           "CVE-2020-12272: MAIL FROM ceo@legitimate.com(.attacker.com: written whole (quoted), "
           "no question with '(', DMARC fails");
        ma_authres_free(ar);
        ma_job_free(j);
        j = authenticate(r, ATTACKER_IP, "mail.legitimate.com(.attacker.com", "", text);
        ar = authres_of(j);
        hd = ar_prop(ar, "spf", "smtp", "helo");
        ok(j != NULL && ar != NULL && hd != NULL && strcmp(hd, "mail.legitimate.com(.attacker.com") == 0 &&
               strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0,
           "CVE-2020-12272: HELO mail.legitimate.com(.attacker.com: written whole, DMARC fails");
        ma_authres_free(ar);
        ma_job_free(j);

        /* A MAIL FROM local part longer than 255 bytes whose first 255 are
           dot-atom text, followed by ";dkim=pass header.d=legitimate.com". */
        {
            char mf[400];
            memset(mf, 'a', 255);
            snprintf(mf + 255, sizeof mf - 255,
                     ";dkim=pass header.d=legitimate.com header.x=@attacker.com");
            j = authenticate(r, ATTACKER_IP, "mail.attacker.example", mf, NULL);
            ar = authres_of(j);
            ok(j != NULL && ar != NULL && ma_authres_count(ar) == 2 && !ar_has(ar, "dkim", NULL),
               "CVE-2020-12272: a 300-byte MAIL FROM local part with ';' cannot inject a result "
               "(the field holds iprev and spf only)");
            ma_authres_free(ar);
            ma_job_free(j);
        }

        /* The DMARC job: such names are never an author, never aligned. */
        {
            ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
            ma_job *d = NULL;
            ma_dmarc_job_new(&d, c, &o);
            is_int(ma_dmarc_job_set_author(d, "legitimate.com(.attacker.com"), MA_EINVAL,
                   "CVE-2020-12272: set_author refuses legitimate.com(.attacker.com");
            ma_dmarc_job_set_author(d, "legitimate.com");
            ma_dmarc_job_add_dkim(d, MA_DKIM_PASS, "legitimate.com(.attacker.com", 0);
            ma_dmarc_job_add_spf(d, MA_SPF_PASS, "legitimate.com(.attacker.com", MA_DMARC_SPF_MAILFROM);
            ma_job_run(d, r);
            ok(ma_dmarc_job_result(d) == MA_DMARC_FAIL && ma_dmarc_job_dkim_aligned(d)[0] == '\0' &&
                   ma_dmarc_job_spf_aligned(d)[0] == '\0',
               "CVE-2020-12272: DKIM and SPF passes for legitimate.com(.attacker.com never align");
            {
                char *row = NULL;
                ok(ma_dmarc_job_report_row(d, ATTACKER_IP, &row) == MA_OK && row != NULL &&
                       !has(row, "attacker.com") && !has(row, "("),
                   "CVE-2020-12272: nor do they reach the aggregate report row");
                ma_free(c, row);
            }
            ma_job_free(d);
        }
        ma_resolver_free(r);
        ma_resolver_free(inner);
        ma_static_zone_free(z);
        ma_dkim_signer_free(s);
        ma_dkim_signer_free(s2);
        free(signed_text);
        free(signed2);
        free(text);
    }
}

/* CVE-2020-12272, the writer's side: every value either round-trips exactly
   as one property of one result, or is refused. */
static void authres_writer(void)
{
    static const char *const values[] = {
        "legitimate.com(.attacker.com", "legitimate.com)", "a;b", "x; dkim=pass header.d=victim.example",
        "\"", "\\", "a\"b\\c", "(", ")", "()", "a b", "a\tb", "=", "a=b", "@", "user@(x)",
        "\"a b\"@example.com", "caf\xc3\xa9.example", "", "header.d=victim.example",
        "legitimate.com (comment", "a)(b",
    };
    static const struct {
        const char *v;
        size_t len;
    } refused[] = {
        { "a\0b", 3 }, { "a\rb", 3 }, { "a\nb", 3 }, { "a\r\n b", 5 }, { "\x01", 1 }, { "a\x7f", 2 },
        { "\x80", 1 }, { "\xc3\x28", 2 }, { "\xff", 1 }, { "\xed\xa0\x80", 3 }, { "\xc0\xaf", 2 },
    };
    size_t i;
    int all = 1, bytes = 1, refused_all = 1;
    unsigned int b;

    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        ma_authres *w = NULL, *p = NULL;
        char *out = NULL;
        size_t len = 0;
        const char *pv = NULL;
        int rc = ma_authres_new(&w, c, "mx.example.org");
        if (rc == MA_OK)
            rc = ma_authres_add(w, "dkim", 0, "pass", NULL, 0);
        if (rc == MA_OK)
            rc = ma_authres_add_prop(w, "header", "d", values[i], strlen(values[i]));
        if (rc == MA_OK)
            rc = ma_authres_write(&out, &len, w, 0);
        if (rc == MA_OK)
            rc = ma_authres_parse(&p, NULL, NULL, c, out, len);
        if (rc == MA_OK && ma_authres_count(p) == 1 && ma_authres_prop_count(p, 0) == 1)
            ma_authres_prop(p, 0, 0, NULL, NULL, &pv);
        if (rc != MA_OK || pv == NULL || strcmp(pv, values[i]) != 0) {
            all = 0;
            printf("#   value \"%s\": rc %d, written %s\n", values[i], rc, out ? out : "(none)");
        }
        ma_free(c, out);
        ma_authres_free(w);
        ma_authres_free(p);
    }
    ok(all, "CVE-2020-12272: hostile header.d values round-trip exactly, one result, one property");
    for (b = 0x20; b < 0x7f; b++) {
        char v[3] = { 'a', (char)b, 'b' };
        ma_authres *w = NULL, *p = NULL;
        char *out = NULL;
        size_t len = 0;
        const char *pv = NULL;
        int rc;
        ma_authres_new(&w, c, "mx.example.org");
        ma_authres_add(w, "spf", 0, "pass", NULL, 0);
        rc = ma_authres_add_prop(w, "smtp", "mailfrom", v, 3);
        if (rc == MA_OK)
            rc = ma_authres_write(&out, &len, w, 0);
        if (rc == MA_OK)
            rc = ma_authres_parse(&p, NULL, NULL, c, out, len);
        if (rc == MA_OK && ma_authres_count(p) == 1 && ma_authres_prop_count(p, 0) == 1)
            ma_authres_prop(p, 0, 0, NULL, NULL, &pv);
        if (rc != MA_OK || pv == NULL || strlen(pv) != 3 || memcmp(pv, v, 3) != 0)
            bytes = 0;
        ma_free(c, out);
        ma_authres_free(w);
        ma_authres_free(p);
    }
    ok(bytes, "CVE-2020-12272: \"a\" + every printable byte + \"b\" round-trips");
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ma_authres *w = NULL;
        ma_authres_new(&w, c, "mx.example.org");
        ma_authres_add(w, "dkim", 0, "pass", NULL, 0);
        if (ma_authres_add_prop(w, "header", "d", refused[i].v, refused[i].len) != MA_EINVAL ||
            ma_authres_add(w, "dkim", 0, "fail", refused[i].v, refused[i].len) != MA_EINVAL)
            refused_all = 0;
        ma_authres_free(w);
    }
    ok(refused_all, "CVE-2020-12272: values and reasons with NUL, CR, LF, controls, DEL or bad "
                    "UTF-8 are refused (MA_EINVAL)");
    {
        ma_authres *w = NULL;
        ok(ma_authres_new(&w, c, "mx.example.org; dkim=pass") != MA_OK || w == NULL ||
               ma_authres_count(w) == 0,
           "CVE-2020-12272: an authserv-id with '; dkim=pass' adds no result");
        ma_authres_free(w);
        w = NULL;
        is_int(ma_authres_new(&w, c, "mx\r\n.example.org"), MA_EINVAL,
               "CVE-2020-12272: an authserv-id with CRLF is refused");
        ma_authres_free(w);
    }
}

/* ================================== 5. Authentication-Results, big */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
    mbuf b = { NULL, 0, 0 };
    size_t i, u = strlen(unit);
    mb_put(&b, head, strlen(head));
    for (i = 0; i < n; i++)
        mb_put(&b, unit, u);
    mb_put(&b, tail, strlen(tail));
    *len = b.len;
    return b.p;
}

/* OpenDMARC #441: a field with 10,000 results, 1 KB values. */
static void authres_big(void)
{
    ma_ctx *big = NULL;
    ma_authres *ar = NULL;
    size_t len, off = 0;
    const char *why = NULL;
    char *v, *e;
    int rc;

    ma_ctx_new(&big, NULL);
    ma_ctx_set_limit(big, MA_LIMIT_AUTHRES_RESULTS, 10000);
    ma_ctx_set_limit(big, MA_LIMIT_AUTHRES_VALUE_BYTES, 2048);

    v = repeat("mx.example.org; ", "dkim=pass header.d=a.example; ", 10000, "", &len);
    e = xdup(v, len);
    rc = ma_authres_parse(&ar, &off, &why, c, e, len);
    ok(rc == MA_ELIMIT && ar == NULL && off <= len && why != NULL && why[0] != '\0',
       "OpenDMARC #441: 10,000 results: MA_ELIMIT, no object, an offset and a reason");
    rc = ma_authres_parse(&ar, &off, &why, big, e, len);
    ok(rc == MA_OK && ar != NULL && ma_authres_count(ar) == 10000 &&
           strcmp(ar_prop(ar, "dkim", "header", "d"), "a.example") == 0,
       "OpenDMARC #441: with the limit raised to 10,000 they all parse");
    ma_authres_free(ar);
    ar = NULL;
    free(e);
    free(v);
    v = repeat("mx.example.org; ", "dkim=pass header.d=a.example; ", 10001, "", &len);
    e = xdup(v, len);
    is_int(ma_authres_parse(&ar, NULL, NULL, big, e, len), MA_ELIMIT,
           "OpenDMARC #441: 10,001 over a limit of 10,000: MA_ELIMIT");
    ma_authres_free(ar);
    ar = NULL;
    free(e);
    free(v);

    v = repeat("mx.example.org; dkim=pass header.d=", "a", 1024, "", &len);
    e = xdup(v, len);
    rc = ma_authres_parse(&ar, &off, &why, c, e, len);
    ok(rc == MA_ELIMIT && ar == NULL, "OpenDMARC #441: a 1 KB property value: MA_ELIMIT");
    rc = ma_authres_parse(&ar, &off, &why, big, e, len);
    ok(rc == MA_OK && strlen(ar_prop(ar, "dkim", "header", "d")) == 1024,
       "OpenDMARC #441: a 1 KB value under a 2 KB limit parses exactly");
    ma_authres_free(ar);
    ar = NULL;
    free(e);
    free(v);
    {
        static const struct {
            const char *head, *unit, *tail, *what;
        } k[] = {
            { "mx.example.org; dkim=fail reason=\"", "r", "\"", "reason" },
            { "", "m", ".example.org; dkim=pass", "authserv-id" },
            { "mx.example.org; ", "m", "=pass", "method" },
            { "mx.example.org; dkim=", "p", "", "result" },
            { "mx.example.org; dkim=pass header.", "d", "=x", "property" },
            { "mx.example.org; dkim=pass (", "c", ") header.d=x", "comment" },
        };
        size_t i;
        for (i = 0; i < sizeof k / sizeof k[0]; i++) {
            v = repeat(k[i].head, k[i].unit, 1024, k[i].tail, &len);
            e = xdup(v, len);
            rc = ma_authres_parse(&ar, &off, &why, c, e, len);
            OKF(i == 5 ? rc == MA_OK : (rc == MA_ELIMIT && ar == NULL),
                "OpenDMARC #441: a 1 KB %s: %s", k[i].what, i == 5 ? "comments are skipped" : "MA_ELIMIT");
            ma_authres_free(ar);
            ar = NULL;
            free(e);
            free(v);
        }
    }
    /* Hostile nesting and unclosed constructs, 100 KB of them. */
    {
        static const char *const units[] = { "(", ")", "\"", "\\", ";", "=", ".", "(a", "\"\\" };
        size_t i;
        int all = 1;
        for (i = 0; i < sizeof units / sizeof units[0]; i++) {
            v = repeat("mx.example.org; dkim=pass ", units[i], 100000 / strlen(units[i]), "", &len);
            e = xdup(v, len);
            rc = ma_authres_parse(&ar, &off, &why, c, e, len);
            if (rc == MA_OK ? ar == NULL : (ar != NULL || off > len))
                all = 0;
            ma_authres_free(ar);
            ar = NULL;
            free(e);
            free(v);
        }
        ok(all, "OpenDMARC #441: 100 KB of '(', ')', quotes, backslashes, ';', '=': a clean answer");
    }
    v = repeat("mx.example.org; dkim=pass", " header.d=x", 33, "", &len);
    e = xdup(v, len);
    is_int(ma_authres_parse(&ar, NULL, NULL, c, e, len), MA_ELIMIT,
           "OpenDMARC #441: 33 properties in a result: MA_ELIMIT");
    ma_authres_free(ar);
    ar = NULL;
    free(e);
    free(v);

    /* The writer's bounds. */
    {
        ma_authres *w = NULL;
        char *out = NULL;
        char kb[1025];
        int i, at = -1;
        memset(kb, 'k', 1024);
        kb[1024] = '\0';
        ma_authres_new(&w, c, "mx.example.org");
        for (i = 0; i < 10000 && at < 0; i++)
            if (ma_authres_add(w, "dkim", 0, "pass", NULL, 0) != MA_OK)
                at = i;
        ok(at == 64 && ma_authres_count(w) == 64,
           "OpenDMARC #441: the writer stops at 64 results with MA_ELIMIT");
        ok(ma_authres_write(&out, NULL, w, MA_AUTHRES_WRITE_FIELD) == MA_OK && out != NULL,
           "OpenDMARC #441: the 64 results are written");
        ma_free(c, out);
        is_int(ma_authres_add_prop(w, "header", "d", kb, 1024), MA_ELIMIT,
               "OpenDMARC #441: the writer refuses a 1 KB value");
        ma_authres_free(w);
        w = NULL;
        ma_authres_new(&w, c, "mx.example.org");
        is_int(ma_authres_add(w, "dkim", 0, "fail", kb, 1024), MA_ELIMIT,
               "OpenDMARC #441: the writer refuses a 1 KB reason");
        ma_authres_free(w);
    }

    /* In a message: a 60 KB field of our authserv-id is counted as malformed. */
    {
        ma_msg *m = NULL;
        ma_authres_list *l = NULL;
        char *msg, *field, *txt = NULL;
        v = repeat("Authentication-Results: mx.example.org;", "\r\n dkim=pass header.d=a.example;", 1900,
                   "\r\n", &len);
        field = v;
        msg = cat4(field, "From: a@victim.example\r\n\r\nbody\r\n", NULL, NULL);
        ma_msg_new(&m, c);
        rc = ma_msg_write(m, msg, strlen(msg));
        if (rc == MA_OK)
            rc = ma_msg_finish(m);
        is_int(rc, MA_OK, "OpenDMARC #441: a 60 KB Authentication-Results field is read");
        ma_authres_select(&l, c, m, "mx.example.org");
        ok(l != NULL && ma_authres_list_count(l) == 0 && ma_authres_list_malformed(l) == 1,
           "OpenDMARC #441: over the result limit, it is not listed but counted as malformed");
        ok(ma_authres_select_text(&txt, c, m, "mx.example.org") == MA_OK && txt == NULL,
           "OpenDMARC #441: and contributes no results text");
        ma_authres_list_free(l);
        ma_msg_free(m);
        free(msg);
        free(v);
        v = repeat("Authentication-Results: mx.example.org;", " dkim=pass;", 7000, "\r\n\r\n", &len);
        ma_msg_new(&m, c);
        is_int(ma_msg_write(m, v, len), MA_ELIMIT,
               "OpenDMARC #441: a field over MA_LIMIT_HEADER_FIELD_BYTES is refused by the reader");
        ma_msg_free(m);
        free(v);
    }
    ma_ctx_free(big);
}

/* ============================================================ 6. tag lists */

/* The value of tags[0..n) joined with "; ", with text inserted at slot
   at (0..n; NULL: nothing inserted). */
static char *tags_join(const char *const *tags, size_t n, size_t at, const char *text, size_t *len)
{
    mbuf b = { NULL, 0, 0 };
    size_t i;
    mb_put(&b, "", 0);
    for (i = 0; i <= n; i++) {
        if (i == at && text != NULL) {
            if (b.len > 0)
                mb_put(&b, "; ", 2);
            mb_put(&b, text, strlen(text));
        }
        if (i < n) {
            if (b.len > 0)
                mb_put(&b, "; ", 2);
            mb_put(&b, tags[i], strlen(tags[i]));
        }
    }
    *len = b.len;
    return b.p;
}

static int sig_parse_reason(ma_dkim_sig_kind kind, const char *v, size_t len, ma_dkim_reason *why)
{
    char *e = xdup(v, len);
    ma_dkim_sig sig;
    ma_dkim_perr pe;
    int rc = ma__dkim_sig_parse(&sig, c, kind, e, len, &pe);
    *why = pe.reason;
    ma__dkim_sig_free(&sig, c);
    free(e);
    return rc;
}

/*
 * OpenDMARC #183/#222 (ARC-Seal "i=1; none" and big b= crashed it), Exim
 * CVE-2020-28025 (a short bh= read out of bounds), go-msgauth (a
 * duplicated tag took one of its values): every tag-list mutation is a
 * permerror-class refusal.
 */
static void tag_lists(void)
{
    static const char *const dkim_tags[] = { "v=1", "a=ed25519-sha256", "c=relaxed/relaxed",
                                             "d=example.com", "s=sel", "h=from:to", ("bh=" BH32),
                                             ("b=" B64Z) };
    static const char *const ams_tags[] = { "i=1", "a=ed25519-sha256", "c=relaxed/relaxed",
                                            "d=example.com", "s=sel", "h=from", ("bh=" BH32), ("b=" B64Z) };
    static const char *const as_tags[] = { "i=1", "a=ed25519-sha256", "cv=none", "d=example.com",
                                           "s=sel", ("b=" B64Z) };
    static const struct {
        ma_dkim_sig_kind kind;
        const char *const *tags;
        size_t n;
    } kinds[] = {
        { MA_DKIM_SIG_DKIM, dkim_tags, 8 },
        { MA_DKIM_SIG_AMS, ams_tags, 8 },
        { MA_DKIM_SIG_AS, as_tags, 6 },
    };
    static const char *const inserts[] = { "none", ";", "=x", " = ", "v", "tag with space=1",
                                           "9x=1", "\x01=1", "d =" };
    size_t k, i, at, len;
    ma_dkim_reason why;
    char *v;

    for (k = 0; k < 3; k++) {
        const char *kn = ma__dkim_sig_kind_name(kinds[k].kind);
        int bare = 1, dup = 1, dupdiff = 1, shortbh = 1;
        v = tags_join(kinds[k].tags, kinds[k].n, 0, NULL, &len);
        OKF(sig_parse_reason(kinds[k].kind, v, len, &why) == MA_OK, "tag lists control: the %s template "
            "parses", kn);
        free(v);
        for (i = 0; i < sizeof inserts / sizeof inserts[0]; i++) {
            for (at = 0; at <= kinds[k].n; at++) {
                v = tags_join(kinds[k].tags, kinds[k].n, at, inserts[i], &len);
                if (sig_parse_reason(kinds[k].kind, v, len, &why) != MA_ESYNTAX || why != MA_DKIM_R_SYNTAX) {
                    if (bare)
                        printf("#   \"%s\" at %zu: not a syntax error\n", inserts[i], at);
                    bare = 0;
                }
                free(v);
            }
        }
        OKF(bare, "OpenDMARC #222: %s with a token without '=', an empty tag, an empty tag name, "
                  "at every position: syntax error",
            kn);
        for (i = 0; i < kinds[k].n; i++) {
            char other[64];
            size_t nl = (size_t)(strchr(kinds[k].tags[i], '=') - kinds[k].tags[i]);
            v = tags_join(kinds[k].tags, kinds[k].n, kinds[k].n, kinds[k].tags[i], &len);
            if (sig_parse_reason(kinds[k].kind, v, len, &why) != MA_ESYNTAX || why != MA_DKIM_R_SYNTAX)
                dup = 0;
            free(v);
            snprintf(other, sizeof other, "%.*s=attacker.example", (int)nl, kinds[k].tags[i]);
            v = tags_join(kinds[k].tags, kinds[k].n, 0, other, &len);
            if (sig_parse_reason(kinds[k].kind, v, len, &why) != MA_ESYNTAX || why != MA_DKIM_R_SYNTAX)
                dupdiff = 0;
            free(v);
        }
        OKF(dup, "go-msgauth duplicate tag: %s with each tag twice: syntax error", kn);
        OKF(dupdiff, "go-msgauth duplicate tag: %s with each tag given first another value: "
                     "syntax error",
            kn);
        if (kinds[k].kind != MA_DKIM_SIG_AS) {
            static const char *const bhs[] = { "bh=", "bh=AA==", "bh=AAAAAAAAAAAAAAAAAAAAAA==",
                                               "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
                                               "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
                                               "bh=====", "bh=A", "bh=!!!!" };
            const char *t[8];
            memcpy(t, kinds[k].tags, kinds[k].n * sizeof t[0]);
            for (i = 0; i < sizeof bhs / sizeof bhs[0]; i++) {
                t[6] = bhs[i];
                v = tags_join(t, kinds[k].n, 0, NULL, &len);
                if (sig_parse_reason(kinds[k].kind, v, len, &why) != MA_ESYNTAX ||
                    why != MA_DKIM_R_BAD_LENGTH)
                    shortbh = 0;
                free(v);
            }
            OKF(shortbh, "Exim CVE-2020-28025: %s with bh= of 0, 1, 16, 31, 33 bytes or bad "
                         "base64: bad length",
                kn);
        }
        /* 64 KB values. */
        {
            size_t big = 65536, j;
            char *val = malloc(big + 8);
            const char *t[9];
            int rc_unknown, rc_d, rc_b;
            ma_dkim_reason w_d;
            memcpy(t, kinds[k].tags, kinds[k].n * sizeof t[0]);
            memcpy(val, "xfoo=", 5);
            memset(val + 5, 'q', big);
            val[5 + big] = '\0';
            t[kinds[k].n] = val;
            v = tags_join(t, kinds[k].n + 1, 0, NULL, &len);
            rc_unknown = sig_parse_reason(kinds[k].kind, v, len, &why);
            free(v);
            memcpy(val, "d=", 2);
            for (j = 2; j < big; j++)
                val[j] = j % 60 == 0 ? '.' : 'a';
            val[big] = '\0';
            memcpy(t, kinds[k].tags, kinds[k].n * sizeof t[0]);
            t[3] = val;
            v = tags_join(t, kinds[k].n, 0, NULL, &len);
            rc_d = sig_parse_reason(kinds[k].kind, v, len, &w_d);
            free(v);
            memcpy(val, "b=", 2);
            memset(val + 2, 'A', big);
            val[2 + big] = '\0';
            memcpy(t, kinds[k].tags, kinds[k].n * sizeof t[0]);
            t[kinds[k].n - 1] = val;
            v = tags_join(t, kinds[k].n, 0, NULL, &len);
            rc_b = sig_parse_reason(kinds[k].kind, v, len, &why);
            free(v);
            OKF(rc_unknown == MA_OK && rc_d == MA_ESYNTAX && w_d == MA_DKIM_R_DOMAIN && rc_b == MA_OK,
                "OpenDMARC #183: %s with 64 KB values: an unknown tag is ignored, d= refused, "
                "a 48 KB b= parsed (its length is judged against the key)",
                kn);
            free(val);
        }
        /* More tags than MA_LIMIT_TAGS. */
        {
            const char *t[80];
            char names[80][8];
            size_t n = kinds[k].n, j;
            memcpy(t, kinds[k].tags, n * sizeof t[0]);
            for (j = n; j < 70; j++) {
                snprintf(names[j], sizeof names[j], "x%zu=1", j);
                t[j] = names[j];
            }
            v = tags_join(t, 70, 0, NULL, &len);
            OKF(sig_parse_reason(kinds[k].kind, v, len, &why) == MA_ESYNTAX && why == MA_DKIM_R_SYNTAX,
                "OpenDMARC #222: %s with 70 tags (over MA_LIMIT_TAGS): syntax error", kn);
            free(v);
        }
    }

    /* Key records. */
    {
        static const char *const key_tags[] = { "v=DKIM1", "k=ed25519",
                                                "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" };
        int bare = 1, dup = 1;
        ma_dkim_key key;
        ma_dkim_perr pe;
        char *e;
        v = tags_join(key_tags, 3, 0, NULL, &len);
        e = xdup(v, len);
        OKF(ma__dkim_key_parse(&key, c, e, len, 0, &pe) == MA_OK, "tag lists control: the key "
            "record parses");
        ma__dkim_key_free(&key, c);
        free(e);
        free(v);
        for (i = 0; i + 1 < sizeof inserts / sizeof inserts[0]; i++) {   /* not "d =" */
            for (at = 0; at <= 3; at++) {
                v = tags_join(key_tags, 3, at, inserts[i], &len);
                e = xdup(v, len);
                if (ma__dkim_key_parse(&key, c, e, len, 0, &pe) != MA_ESYNTAX ||
                    pe.reason != MA_DKIM_R_KEY_SYNTAX)
                    bare = 0;
                ma__dkim_key_free(&key, c);
                free(e);
                free(v);
            }
        }
        ok(bare, "OpenDMARC #222: key records with a bare token or empty tag anywhere: key-syntax");
        for (i = 0; i < 3; i++) {
            v = tags_join(key_tags, 3, 3, key_tags[i], &len);
            e = xdup(v, len);
            if (ma__dkim_key_parse(&key, c, e, len, 0, &pe) != MA_ESYNTAX ||
                pe.reason != MA_DKIM_R_KEY_SYNTAX)
                dup = 0;
            ma__dkim_key_free(&key, c);
            free(e);
            free(v);
        }
        ok(dup, "go-msgauth duplicate tag: key records with v=, k= or p= twice: key-syntax");
        v = repeat("v=DKIM1; k=rsa; p=", "A", 65536, "", &len);
        e = xdup(v, len);
        ok(ma__dkim_key_parse(&key, c, e, len, 0, &pe) == MA_ESYNTAX && pe.reason == MA_DKIM_R_KEY_TOO_LARGE,
           "OpenDMARC #183: a 64 KB p=: key-too-large before decoding");
        ma__dkim_key_free(&key, c);
        free(e);
        free(v);
    }

    /* DMARC records: a malformed tag-list is refused whole, never read as a weaker policy. */
    {
        static const char *const recs[] = {
            "v=DMARC1; p=reject; none", "v=DMARC1; none; p=reject", "v=DMARC1; p=none; p=reject",
            "v=DMARC1; p=reject; p=none", "v=DMARC1; =x; p=reject", "none; v=DMARC1; p=reject",
            "v=DMARC1; v=DMARC1; p=reject",
        };
        int all = 1;
        for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
            char *out = NULL, *prob = NULL;
            int rc = ma_dmarc_record_effective(&out, &prob, c, recs[i], strlen(recs[i]), MA_DMARC_MODE_9989);
            if (rc == MA_OK ? !has(out, "p=reject") : (rc != MA_ESYNTAX || out != NULL || prob == NULL))
                all = 0;
            ma_free(c, out);
            ma_free(c, prob);
        }
        ok(all, "go-msgauth duplicate tag: DMARC records with bare tokens or duplicate tags are "
                "refused with a reason (or keep p=reject)");
        v = repeat("v=DMARC1; p=reject; rua=mailto:", "a", 65000, "@example.com", &len);
        {
            char *out = NULL, *prob = NULL, *e = xdup(v, len);
            int rc = ma_dmarc_record_effective(&out, &prob, c, e, len, MA_DMARC_MODE_9989);
            ok(rc == MA_ESYNTAX || (rc == MA_OK && has(out, "p=reject")),
               "OpenDMARC #183: a 64 KB DMARC record: refused or p=reject kept");
            ma_free(c, out);
            ma_free(c, prob);
            free(e);
        }
        free(v);
    }

    /* End to end: a short bh=, a duplicated d=, an ARC-Seal "i=1; none". */
    {
        ma_static_zone *z = world_zone();
        ma_resolver *r = NULL;
        char *text = cat4("From: b@attacker.example\r\n", body_text, NULL, NULL);
        char *signed_text = dkim_sign(attacker_signer, text), *t, *p;
        ma_job *j;
        ma_resolver_static_new(&r, c, z);

        t = cat4("DKIM-Signature: v=1; a=ed25519-sha256; d=attacker.example; s=sel; h=from; "
                 "bh=AAAA; b=" B64Z "\r\n", text, NULL, NULL);
        j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "b@attacker.example", t);
        ok(j != NULL && strcmp(verdict(j, MA_AUTH_DKIM), "permerror") == 0 &&
               ma_dkim_job_reason(ma_auth_job_check(j, MA_AUTH_DKIM), 0) == MA_DKIM_R_BAD_LENGTH,
           "Exim CVE-2020-28025: a 3-byte bh= in a message: dkim=permerror (bad length)");
        ma_job_free(j);
        free(t);

        /* Insert "d=victim.example; " right after the field name of a passing signature. */
        p = strstr(signed_text, "DKIM-Signature:") + strlen("DKIM-Signature:");
        t = malloc(strlen(signed_text) + 32);
        memcpy(t, signed_text, (size_t)(p - signed_text));
        sprintf(t + (p - signed_text), " d=victim.example;%s", p);
        j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "b@attacker.example", t);
        ok(j != NULL && strcmp(verdict(j, MA_AUTH_DKIM), "permerror") == 0 &&
               ma_dkim_job_reason(ma_auth_job_check(j, MA_AUTH_DKIM), 0) == MA_DKIM_R_SYNTAX,
           "go-msgauth duplicate tag: a passing signature with a second d=: dkim=permerror");
        ma_job_free(j);
        free(t);

        t = cat4("ARC-Seal: i=1; none\r\n"
                 "ARC-Message-Signature: i=1; a=ed25519-sha256; d=attacker.example; s=sel; "
                 "h=from; bh=" BH32 "; b=" B64Z "\r\n"
                 "ARC-Authentication-Results: i=1; mx.attacker.example; spf=pass\r\n",
                 signed_text, NULL, NULL);
        j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "b@attacker.example", t);
        ok(j != NULL && strcmp(verdict(j, MA_AUTH_ARC), "fail") == 0,
           "OpenDMARC #222: \"ARC-Seal: i=1; none\": arc=fail");
        ma_job_free(j);
        free(t);
        ma_resolver_free(r);
        ma_static_zone_free(z);
        free(signed_text);
        free(text);
    }
}

/* ================================================ 10. forged A-R removal */

/* Whether field f (name:value) is an Authentication-Results field. */
static int is_ar_field(const char *f)
{
    return ma__casecmp(f, strcspn(f, ":"), "Authentication-Results", 22) == 0;
}

/* A message of fields; returns the text, and the indices of the forged ones
   in want[] (*nwant of them). */
static char *forged_message(size_t n, long *want, size_t *nwant, int malformed)
{
    static const char *const forged[] = {
        "Authentication-Results: mx.example.org; dkim=pass header.d=victim.example",
        "Authentication-Results: MX.Example.ORG; spf=pass smtp.mailfrom=victim.example",
        "Authentication-Results: (forged) mx.example.org; dmarc=pass header.from=victim.example",
        "Authentication-Results: \"mx.example.org\"; dkim=pass header.d=victim.example",
        "Authentication-Results: mx.example.org 1; arc=pass",
        "Authentication-Results: mx.example.org; none",
        "Authentication-Results:mx.example.org;dkim=pass",
        "authentication-results: mx.example.org;\r\n\tdkim=pass header.d=victim.example",
    };
    static const char *const others[] = {
        "Authentication-Results: other.example; dkim=pass header.d=victim.example",
        "Authentication-Results: mx.example.org.evil.example; dkim=pass",
        "Received: from a by b; Sun, 29 Nov 2026 10:00:00 +0000",
        "Authentication-Results: xmx.example.org; spf=pass",
        "X-Authentication-Results: mx.example.org; dkim=pass",
        "Authentication-Results: mx.example.or; dkim=pass",
    };
    mbuf b = { NULL, 0, 0 };
    size_t k, idx = 0;
    *nwant = 0;
    for (k = 0; k < n; k++) {
        const char *o = others[k % 6], *f = forged[k % 8];
        mb_put(&b, o, strlen(o));
        mb_put(&b, "\r\n", 2);
        idx++;
        want[(*nwant)++] = (long)idx;
        mb_put(&b, f, strlen(f));
        mb_put(&b, "\r\n", 2);
        idx++;
    }
    if (malformed) {
        mb_put(&b, "Authentication-Results: mx.example.org; dkim\r\n", 46);
        idx++;
    }
    mb_put(&b, "From: a@victim.example\r\nSubject: s\r\n\r\nbody\r\n", 44);
    return b.p;
}

static ma_msg *read_msg(const char *text)
{
    ma_msg *m = NULL;
    ma_msg_new(&m, c);
    if (ma_msg_write(m, text, strlen(text)) != MA_OK || ma_msg_finish(m) != MA_OK) {
        ma_msg_free(m);
        return NULL;
    }
    return m;
}

/*
 * CVE-2022-48521: OpenDKIM deleted forged Authentication-Results fields by
 * index while the indices shifted under it, leaving some in place.  The
 * library lists the message's fields that claim our authserv-id with their
 * field indices: ma_authres_select() the ones that parse, ma_authres_forged()
 * all of them, highest first.  An MTA deletes them through its own
 * interface (milter's smfi_chgheader counts fields of the same name,
 * 1-based), from the highest down.
 */
static void forged_authres(void)
{
    size_t n;
    int exact = 1, gone = 1, ascending_breaks = 1;

    for (n = 1; n <= 100; n++) {
        long want[256];
        size_t nwant, i;
        char *text = forged_message(n, want, &nwant, 0), *after;
        ma_msg *m = read_msg(text);
        ma_authres_list *l = NULL;
        fields fs;
        size_t nocc = 0, del[256], ndel = 0;

        if (m == NULL || ma_authres_select(&l, c, m, "mx.example.org") != MA_OK ||
            ma_authres_list_count(l) != nwant || ma_authres_list_malformed(l) != 0) {
            exact = 0;
        } else {
            for (i = 0; i < nwant; i++)
                if (ma_authres_list_field(l, i) != want[i] || (i > 0 && want[i] <= want[i - 1]))
                    exact = 0;
        }
        /* Milter indices: the occurrence (1-based) among Authentication-Results fields. */
        fields_split(&fs, text);
        for (i = 0; i < fs.n; i++) {
            size_t q;
            if (!is_ar_field(fs.f[i]))
                continue;
            nocc++;
            for (q = 0; l != NULL && q < ma_authres_list_count(l); q++)
                if ((size_t)ma_authres_list_field(l, q) == i)
                    del[ndel++] = nocc;
        }
        /* Delete from the highest occurrence down: the lower ones keep their numbers. */
        for (i = ndel; i-- > 0;) {
            size_t o = del[i], q, seen = 0;
            for (q = 0; q < fs.n; q++) {
                if (fs.f[q] == NULL || !is_ar_field(fs.f[q]))
                    continue;
                if (++seen == o) {
                    free(fs.f[q]);
                    fs.f[q] = NULL;
                    break;
                }
            }
        }
        after = fields_join(&fs);
        fields_free(&fs);
        {
            ma_msg *m2 = read_msg(after);
            ma_authres_list *l2 = NULL;
            if (m2 == NULL || ma_authres_select(&l2, c, m2, "mx.example.org") != MA_OK ||
                ma_authres_list_count(l2) != 0 || ma_authres_list_malformed(l2) != 0)
                gone = 0;
            /* the other fields are all still there */
            if (m2 == NULL || ma_msg_field_count(m2) != ma_msg_field_count(m) - nwant)
                gone = 0;
            ma_authres_list_free(l2);
            ma_msg_free(m2);
        }
        free(after);
        /* The CVE's mistake, deleting by the same numbers from the lowest up, leaves some. */
        if (n >= 2) {
            fields f2;
            ma_msg *m3;
            ma_authres_list *l3 = NULL;
            fields_split(&f2, text);
            for (i = 0; i < ndel; i++) {
                size_t o = del[i], q, seen = 0;
                for (q = 0; q < f2.n; q++) {
                    if (f2.f[q] == NULL || !is_ar_field(f2.f[q]))
                        continue;
                    if (++seen == o) {
                        free(f2.f[q]);
                        f2.f[q] = NULL;
                        break;
                    }
                }
            }
            after = fields_join(&f2);
            fields_free(&f2);
            m3 = read_msg(after);
            if (m3 == NULL || ma_authres_select(&l3, c, m3, "mx.example.org") != MA_OK ||
                ma_authres_list_count(l3) == 0)
                ascending_breaks = 0;
            ma_authres_list_free(l3);
            ma_msg_free(m3);
            free(after);
        }
        ma_authres_list_free(l);
        ma_msg_free(m);
        free(text);
    }
    ok(exact, "CVE-2022-48521: 1 to 100 forged fields (case, comment, quoted id, version, none, "
              "no space, folded): listed exactly, indices strictly increasing, lookalikes left out");
    ok(gone, "CVE-2022-48521: deleting them from the highest down leaves no forged field and "
             "every other field");
    ok(ascending_breaks, "CVE-2022-48521 control: deleting by the same numbers from the lowest up "
                         "(the CVE's mistake) leaves forged fields behind");
    /* A forged field that does not parse is counted, not listed. */
    {
        long want[8];
        size_t nwant;
        char *text = forged_message(3, want, &nwant, 1);
        ma_msg *m = read_msg(text);
        ma_authres_list *l = NULL;
        ma_authres_select(&l, c, m, "mx.example.org");
        ok(l != NULL && ma_authres_list_count(l) == 3 && ma_authres_list_malformed(l) == 1,
           "CVE-2022-48521: a malformed field with our authserv-id is counted by select");
        {
            /* ma_authres_forged lists it too: every field claiming the id,
               highest index first. */
            long *idx = NULL;
            size_t nidx = 0, i;
            int sorted = 1, has_all = 1;
            is_int(ma_authres_forged(&idx, &nidx, c, m, "MX.example.org"), MA_OK,
                   "CVE-2022-48521: ma_authres_forged");
            for (i = 1; i < nidx; i++)
                if (idx[i] >= idx[i - 1])
                    sorted = 0;
            for (i = 0; l != NULL && i < ma_authres_list_count(l); i++) {
                size_t k;
                int found = 0;
                for (k = 0; k < nidx; k++)
                    found |= idx[k] == ma_authres_list_field(l, i);
                has_all &= found;
            }
            ok(nidx == 4 && sorted && has_all,
               "CVE-2022-48521: ma_authres_forged lists the 3 parsed and the malformed field, "
               "highest first");
            ma_free(c, idx);
            idx = (long *)&nidx;
            is_int(ma_authres_forged(&idx, &nidx, c, m, "nobody.example"), MA_OK, "forged: none");
            ok(idx == NULL && nidx == 0, "forged: none gives NULL and 0");
            is_int(ma_authres_forged(&idx, &nidx, c, m, ""), MA_EINVAL, "forged: empty id refused");
        }
        ma_authres_list_free(l);
        ma_msg_free(m);
        free(text);
    }
}

/* ===================================================================== main */

int main(void)
{
    regress_setup();
    paren_domains();
    authres_writer();
    authres_big();
    tag_lists();
    forged_authres();
    regress_teardown();
    return tap_done();
}
