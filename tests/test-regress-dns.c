/*
 * Regression tests from the peers' vulnerability history, part 3: DNS,
 * ARC structure and key sizes.  Each group of assertions is labelled with
 * the CVE or issue it guards against and asserts the safe verdict:
 *
 *  7. DNS: TXT answers of 0 to 65535 bytes, several records, CNAME loops
 *     and chains, NXDOMAIN against NODATA, every DNS question of every
 *     protocol failing in turn (OpenDKIM #434), truncated and hostile wire
 *     answers.
 *  8. ARC structure (OpenARC #30/#46): sets missing or duplicating a field,
 *     gaps, i=0, i=51, h= in an ARC-Seal, cv= rules, 50 sets.
 *  9. RSA keys of 512, 1023, 1024, 4096, 8192 and 16384 bits (RFC 8301,
 *     MA_LIMIT_DKIM_RSA_MAX_BITS); 4096-bit ARC seals (OpenDMARC #183).
 */
#include "regress.h"

/* ==================================================================== 7. DNS */

/* TXT answers of 0 to 65535 bytes. */
static void dns_txt_sizes(void)
{
    static const size_t lens[] = { 0, 1, 254, 255, 256, 511, 512, 4095, 4096, 65534, 65535 };
    char *buf = malloc(65536 + 256);
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    size_t i;
    int ans = 1, zone = 1, res = 1;

    for (i = 0; i < 65536 + 256; i++)
        buf[i] = (char)(i * 7 + 3);   /* any bytes, NUL included */
    ma_static_zone_new(&z, c);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        ma_dns_answer *a = NULL;
        const char *t;
        size_t l;
        char name[32];
        ma_dns_answer_new(&a, c, MA_DNS_TXT, MA_DNS_OK);
        if (ma_dns_answer_add_txt(a, buf, lens[i], 60) != MA_OK || ma_dns_answer_txt(a, 0, &t, &l) != MA_OK ||
            l != lens[i] || memcmp(t, buf, l) != 0 || t[l] != '\0')
            ans = 0;
        ma_dns_answer_free(a);
        snprintf(name, sizeof name, "t%zu.size.example", lens[i]);
        if (ma_static_zone_add_txt(z, name, buf, lens[i], 60) != MA_OK)
            zone = 0;
    }
    ma_resolver_static_new(&r, c, z);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char name[32];
        const char *t;
        size_t l;
        ma_dns_answer *keep = NULL;
        snprintf(name, sizeof name, "t%zu.size.example", lens[i]);
        if (txt_of(r, name, &t, &l, &keep) != MA_DNS_OK || l != lens[i] || memcmp(t, buf, l) != 0)
            res = 0;
        ma_dns_answer_free(keep);
    }
    ok(ans, "DNS: TXT answers of 0 to 65535 bytes (any octet) are kept exactly");
    ok(zone && res, "DNS: the static zone keeps and answers TXT records of 0 to 65535 bytes");
    {
        ma_dns_answer *a = NULL;
        const char *parts[300];
        size_t lens2[300], k;
        ma_dns_answer_new(&a, c, MA_DNS_TXT, MA_DNS_OK);
        is_int(ma_dns_answer_add_txt(a, buf, 65536, 60), MA_ELIMIT,
               "DNS: a 65536-byte TXT record: MA_ELIMIT");
        is_int(ma_static_zone_add_txt(z, "big.size.example", buf, 65536, 60), MA_ELIMIT,
               "DNS: the zone refuses a 65536-byte TXT record");
        for (k = 0; k < 300; k++) {
            parts[k] = buf + k;
            lens2[k] = 255;
        }
        is_int(ma_dns_answer_add_txt_parts(a, parts, lens2, 257, 60), MA_OK,
               "DNS: 257 character-strings of 255 bytes (65535 joined) are one record");
        lens2[257] = 1;
        is_int(ma_dns_answer_add_txt_parts(a, parts, lens2, 258, 60), MA_ELIMIT,
               "DNS: one byte more (65536 joined): MA_ELIMIT");
        ma_dns_answer_free(a);
    }
    /* Zone text: a TXT record of n character-strings of 255 bytes. */
    {
        static const struct {
            int n;
            int whole;   /* 1: loads whole; 0: must be refused, never cut short */
        } zs[] = { { 200, 1 }, { 255, 0 }, { 300, 0 } };
        size_t q;
        for (q = 0; q < sizeof zs / sizeof zs[0]; q++) {
            mbuf t = { NULL, 0, 0 };
            ma_static_zone *zt = NULL;
            ma_resolver *rt = NULL;
            ma_dns_answer *keep = NULL;
            const char *txt;
            size_t tl = 0, want = (size_t)zs[q].n * 255;
            int k, rc, good;
            mb_put(&t, "big.example. TXT", 16);
            for (k = 0; k < zs[q].n; k++) {
                mb_put(&t, " \"", 2);
                for (i = 0; i < 255; i++)
                    mb_put(&t, k % 2 ? "b" : "a", 1);
                mb_put(&t, "\"", 1);
            }
            mb_put(&t, "\n", 1);
            ma_static_zone_new(&zt, c);
            rc = ma_static_zone_load(zt, t.p, t.len, NULL);
            ma_resolver_static_new(&rt, c, zt);
            if (rc == MA_OK)
                txt_of(rt, "big.example", &txt, &tl, &keep);
            good = zs[q].whole ? rc == MA_OK && tl == want : rc != MA_OK;
            /* 255 strings fit the wire (65025 bytes) but their text passes
               what ldns reads of one entry: refused (MA_ELIMIT), as is
               anything over 65535 bytes; never loaded cut short. */
            OKF(good, "DNS: zone text, a TXT record of %d strings of 255 bytes (%zu bytes): %s (got "
                "status %d, %zu bytes)",
                zs[q].n, want, zs[q].whole ? "loaded whole" : "refused", rc, tl);
            ma_dns_answer_free(keep);
            ma_resolver_free(rt);
            ma_static_zone_free(zt);
            free(t.p);
        }
    }
    ma_resolver_free(r);
    ma_static_zone_free(z);
    free(buf);
}

/* Records of 65535 bytes, several records, CNAME loops and chains,
   NXDOMAIN against NODATA, for SPF, DKIM and DMARC. */
static void dns_records(void)
{
    static const char zone_text[] =
        /* several records */
        "two.example. TXT \"v=spf1 ip4:" ATTACKER_IP " -all\"\n"
        "two.example. TXT \"v=spf1 -all\"\n"
        "_dmarc.twodm.example. TXT \"v=DMARC1; p=none\"\n"
        "_dmarc.twodm.example. TXT \"v=DMARC1; p=reject\"\n"
        "twodm.example. A 192.0.2.50\n"
        "bigdm.example. A 192.0.2.54\n"
        /* CNAME loops and chains */
        "loop1.example. CNAME loop2.example.\n"
        "loop2.example. CNAME loop1.example.\n"
        "self.example. CNAME self.example.\n"
        "sel._domainkey.keyloop.example. CNAME sel._domainkey.keyloop.example.\n"
        "_dmarc.dmloop.example. CNAME _dmarc.dmloop.example.\n"
        "dmloop.example. A 192.0.2.51\n"
        "spfloop.example. CNAME loop1.example.\n"
        "inc.spfloop2.example. CNAME loop2.example.\n"
        "spfloop2.example. TXT \"v=spf1 include:inc.spfloop2.example ip4:" ATTACKER_IP " -all\"\n"
        "c0.example. CNAME c1.example.\n"
        "c1.example. CNAME c2.example.\n"
        "c2.example. CNAME c3.example.\n"
        "c3.example. CNAME c4.example.\n"
        "c4.example. CNAME c5.example.\n"
        "c5.example. CNAME c6.example.\n"
        "c6.example. CNAME c7.example.\n"
        "c7.example. CNAME c8.example.\n"
        "c8.example. CNAME c9.example.\n"
        "c9.example. TXT \"v=spf1 ip4:" ATTACKER_IP " -all\"\n"
        /* NXDOMAIN and NODATA */
        "nodata.example. A 192.0.2.52\n"
        "sel._domainkey.nodatakey.example. A 192.0.2.53\n"
        "incnx.example. TXT \"v=spf1 include:nx.incnx.example ip4:" ATTACKER_IP " -all\"\n"
        "incnd.example. TXT \"v=spf1 include:nodata.example ip4:" ATTACKER_IP " -all\"\n";
    ma_static_zone *z = world_zone();
    ma_resolver *r = NULL;
    ma_job *j;
    char *text, *signed_text, *big;
    size_t i;

    if (ma_static_zone_load(z, zone_text, strlen(zone_text), NULL) != MA_OK)
        printf("# zone: %s\n", ma_static_zone_error(z));
    /* 65535-byte records */
    big = malloc(65536);
    memcpy(big, "v=spf1", 6);
    memset(big + 6, ' ', 65535 - 6);
    memcpy(big + 65535 - 5, " -all", 5);
    ma_static_zone_add_txt(z, "bigspf.example", big, 65535, 300);
    for (i = 6; i + 14 < 65535; i += 14)
        memcpy(big + i, " ip4:192.0.2.9", 14);
    ma_static_zone_add_txt(z, "manyspf.example", big, 65535, 300);
    memcpy(big, "v=DKIM1; k=rsa; p=", 18);
    memset(big + 18, 'A', 65535 - 18);
    ma_static_zone_add_txt(z, "sel._domainkey.bigkey.example", big, 65535, 300);
    memcpy(big, "v=DMARC1; p=reject; rua=mailto:", 31);
    memset(big + 31, 'a', 65535 - 31);
    memcpy(big + 65535 - 12, "@example.com", 12);
    ma_static_zone_add_txt(z, "_dmarc.bigdm.example", big, 65535, 300);
    ma_static_zone_add_txt(z, "sel._domainkey.twokeys.example", ed_record, strlen(ed_record), 300);
    {
        /* the same key again, as another record (an RRset holds no duplicates) */
        char *second = cat4(ed_record, "; t=y", NULL, NULL);
        ma_static_zone_add_txt(z, "sel._domainkey.twokeys.example", second, strlen(second), 300);
        free(second);
    }
    free(big);
    ma_resolver_static_new(&r, c, z);

    j = spf_run(r, ATTACKER_IP, "u@bigspf.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_FAIL, "DNS: a 65535-byte SPF record (spaces) is read: fail");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@manyspf.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_PERMERROR, "DNS: a 65535-byte SPF record of 4681 terms: permerror");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@two.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_PERMERROR, "DNS: two SPF records: permerror (RFC 7208 4.5)");
    ma_job_free(j);

    /* DKIM keys: 64 KB, two records, a loop, NXDOMAIN, NODATA. */
    {
        static const struct {
            const char *domain;
            int result;
            ma_dkim_reason reason;
            const char *what;
        } keys[] = {
            { "bigkey.example", MA_DKIM_PERMERROR, MA_DKIM_R_KEY_TOO_LARGE, "a 65535-byte key record" },
            { "twokeys.example", MA_DKIM_PERMERROR, MA_DKIM_R_KEY_MULTIPLE, "two key records" },
            { "keyloop.example", MA_DKIM_TEMPERROR, MA_DKIM_R_KEY_DNS, "a CNAME loop at the key" },
            { "nxkey.example", MA_DKIM_PERMERROR, MA_DKIM_R_KEY_MISSING, "NXDOMAIN at the key" },
            { "nodatakey.example", MA_DKIM_PERMERROR, MA_DKIM_R_KEY_MISSING, "NODATA at the key" },
        };
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            ma_dkim_signer *s = seed_signer(keys[i].domain, "sel");
            char from[96];
            snprintf(from, sizeof from, "From: a@%s\r\n", keys[i].domain);
            text = cat4(from, body_text, NULL, NULL);
            signed_text = dkim_sign(s, text);
            j = dkim_run(r, signed_text);
            OKF((int)ma_dkim_job_result(j, 0) == keys[i].result && ma_dkim_job_reason(j, 0) == keys[i].reason,
                "DNS: %s: dkim=%s (%s)", keys[i].what, ma_dkim_result_name(keys[i].result),
                ma_dkim_reason_name(keys[i].reason));
            ma_job_free(j);
            free(signed_text);
            free(text);
            ma_dkim_signer_free(s);
        }
    }
    /* CNAMEs in the resolver and in SPF. */
    {
        const char *t;
        size_t l;
        ma_dns_answer *keep = NULL;
        is_int(txt_of(r, "c1.example", &t, &l, &keep), MA_DNS_OK, "DNS: a chain of 8 CNAMEs is followed");
        ma_dns_answer_free(keep);
        keep = NULL;
        is_int(txt_of(r, "c0.example", &t, &l, &keep), MA_DNS_TEMPFAIL,
               "DNS: a chain of 9 CNAMEs (over MA_LIMIT_CNAME_CHAIN): tempfail");
        ma_dns_answer_free(keep);
        keep = NULL;
        is_int(txt_of(r, "loop1.example", &t, &l, &keep), MA_DNS_TEMPFAIL, "DNS: a CNAME loop: tempfail");
        ma_dns_answer_free(keep);
        keep = NULL;
        is_int(txt_of(r, "self.example", &t, &l, &keep), MA_DNS_TEMPFAIL, "DNS: a CNAME to itself: tempfail");
        ma_dns_answer_free(keep);
    }
    j = spf_run(r, ATTACKER_IP, "u@spfloop.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_TEMPERROR, "DNS: the SPF record behind a CNAME loop: temperror");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@spfloop2.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_TEMPERROR,
           "DNS: an include behind a CNAME loop: temperror, not pass");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@c1.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_PASS, "DNS: an SPF record 8 CNAMEs away: pass");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@c0.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_TEMPERROR, "DNS: an SPF record 9 CNAMEs away: temperror");
    ma_job_free(j);
    /* NXDOMAIN against NODATA in SPF: none at the top, permerror in an include. */
    j = spf_run(r, ATTACKER_IP, "u@nx.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_NONE, "DNS: SPF at an NXDOMAIN sender domain: none");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@nodata.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_NONE, "DNS: SPF at a NODATA sender domain: none");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@incnx.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_PERMERROR, "DNS: an include of an NXDOMAIN name: permerror (5.2)");
    ma_job_free(j);
    j = spf_run(r, ATTACKER_IP, "u@incnd.example", "h.example");
    is_int(ma_spf_job_result(j), MA_SPF_PERMERROR, "DNS: an include of a NODATA name: permerror (5.2)");
    ma_job_free(j);

    /* DMARC: two records, a loop, a 64 KB record. */
    {
        static const struct {
            const char *author;
            int result;
            const char *what;
        } dm[] = {
            { "twodm.example", MA_DMARC_NONE, "two DMARC records: no policy (RFC 7489 6.6.3)" },
            { "dmloop.example", MA_DMARC_TEMPERROR, "the DMARC record behind a CNAME loop: temperror" },
            { "bigdm.example", MA_DMARC_FAIL, "a 65535-byte DMARC record: p=reject applies" },
            { "victim.example", MA_DMARC_FAIL, "control: victim.example fails" },
        };
        for (i = 0; i < sizeof dm / sizeof dm[0]; i++) {
            ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
            ma_job *d = NULL;
            ma_dmarc_job_new(&d, c, &o);
            ma_dmarc_job_set_author(d, dm[i].author);
            ma_dmarc_job_add_spf(d, MA_SPF_PASS, "attacker.example", MA_DMARC_SPF_MAILFROM);
            ma_job_run(d, r);
            OKF((int)ma_dmarc_job_result(d) == dm[i].result, "DNS: %s (got %s)", dm[i].what,
                ma_dmarc_result_name(ma_dmarc_job_result(d)));
            ma_job_free(d);
        }
    }
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* ------------------------------------------- every question failing in turn */

typedef int (*scen_fn)(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize);

typedef struct fscen {
    const char *name;
    const char *extra;        /* zone text added to the world's */
    scen_fn run;              /* 1 when the verdict is the safe one */
    size_t min_questions;     /* the baseline asks at least this many */
} fscen;

static const char scen_zone_text[] =
    "spf.example. TXT \"v=spf1 a:a.spf.example mx:mx.spf.example include:inc.spf.example "
    "exists:%{i}.ex.spf.example a:pass.spf.example -all\"\n"
    "a.spf.example. A 198.51.100.1\n"
    "mx.spf.example. MX 10 mxhost.spf.example.\n"
    "mxhost.spf.example. A 198.51.100.2\n"
    "inc.spf.example. TXT \"v=spf1 a:b.spf.example -all\"\n"
    "b.spf.example. A 198.51.100.3\n"
    "pass.spf.example. A " ATTACKER_IP "\n"
    "spfexp.example. TXT \"v=spf1 -all exp=why.spfexp.example\"\n"
    "why.spfexp.example. TXT \"denied\"\n";

static char *two_sig_text;   /* From b@attacker.example, signed by victim then attacker */
static char *arc_chain_text; /* two ARC sets: attacker's arc, then victim's arc */
static char *full_text;      /* DKIM by attacker, one ARC set by the attacker's arc key */

static int q_is(const char *fname, ma_dns_type ftype, const char *name, ma_dns_type type)
{
    return fname != NULL && ftype == type && strcmp(fname, name) == 0;
}

static int run_spf_pass(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    ma_job *j = spf_run(r, ATTACKER_IP, "u@spf.example", "h.example");
    int res = ma_spf_job_result(j);
    (void)ftype;
    snprintf(what, wsize, "spf=%s", ma_spf_result_name(res));
    ma_job_free(j);
    return fname == NULL ? res == MA_SPF_PASS : res == MA_SPF_TEMPERROR;
}

static int run_spf_exp(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    ma_job *j = spf_run(r, ATTACKER_IP, "u@spfexp.example", "h.example");
    int res = ma_spf_job_result(j), good;
    const char *e = ma_spf_job_explanation(j);
    snprintf(what, wsize, "spf=%s exp=\"%s\"", ma_spf_result_name(res), e);
    if (fname == NULL)
        good = res == MA_SPF_FAIL && strcmp(e, "denied") == 0;
    else if (q_is(fname, ftype, "why.spfexp.example", MA_DNS_TXT))
        good = res == MA_SPF_FAIL && e[0] == '\0';   /* RFC 7208 6.2: as if no exp= */
    else
        good = res == MA_SPF_TEMPERROR;
    ma_job_free(j);
    return good;
}

static int run_dkim2(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    ma_job *j = dkim_run(r, two_sig_text);
    size_t i;
    int good = ma_dkim_job_count(j) == 2;
    what[0] = '\0';
    for (i = 0; i < ma_dkim_job_count(j); i++) {
        char key[128];
        int res = ma_dkim_job_result(j, i);
        snprintf(key, sizeof key, "sel._domainkey.%s", ma_dkim_job_domain(j, i));
        if (q_is(fname, ftype, key, MA_DNS_TXT))
            good = good && res == MA_DKIM_TEMPERROR && ma_dkim_job_reason(j, i) == MA_DKIM_R_KEY_DNS;
        else
            good = good && res == MA_DKIM_PASS;
        snprintf(what + strlen(what), wsize - strlen(what), "%s=%s ", ma_dkim_job_domain(j, i),
                 ma_dkim_result_name(res));
    }
    ma_job_free(j);
    return good;
}

static int dmarc_with(ma_resolver *r, const char *author, char *what, size_t wsize)
{
    ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
    ma_job *d = NULL;
    int res;
    ma_dmarc_job_new(&d, c, &o);
    ma_dmarc_job_set_author(d, author);
    ma_dmarc_job_add_spf(d, MA_SPF_PASS, "attacker.example", MA_DMARC_SPF_MAILFROM);
    ma_dmarc_job_add_dkim(d, MA_DKIM_PASS, "attacker.example", 0);
    ma_job_run(d, r);
    res = ma_dmarc_job_result(d);
    snprintf(what, wsize, "dmarc=%s (%s)", ma_dmarc_result_name(res), ma_dmarc_job_problem(d));
    ma_job_free(d);
    return res;
}

static int run_dmarc_fail(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    int res = dmarc_with(r, "victim.example", what, wsize);
    if (fname == NULL)
        return res == MA_DMARC_FAIL;
    if (q_is(fname, ftype, "_dmarc.victim.example", MA_DNS_TXT))
        return res == MA_DMARC_TEMPERROR;
    return res == MA_DMARC_TEMPERROR || res == MA_DMARC_FAIL;
}

static int run_dmarc_deep(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    int res = dmarc_with(r, "a.b.c.victim.example", what, wsize);
    (void)ftype;
    if (fname == NULL)
        return res == MA_DMARC_FAIL;
    return res == MA_DMARC_TEMPERROR || res == MA_DMARC_FAIL;
}

static int run_dmarc_pass(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    int res = dmarc_with(r, "attacker.example", what, wsize);
    if (fname == NULL)
        return res == MA_DMARC_PASS;
    if (q_is(fname, ftype, "_dmarc.attacker.example", MA_DNS_TXT))
        return res == MA_DMARC_TEMPERROR;
    return res == MA_DMARC_TEMPERROR || res == MA_DMARC_PASS;
}

static int run_arc(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    ma_job *j = arc_run(r, arc_chain_text);
    int res = ma_arc_job_result(j);
    (void)ftype;
    snprintf(what, wsize, "arc=%s (%s)", ma_arc_result_name(res), ma_arc_job_problem(j));
    ma_job_free(j);
    /* RFC 8617 5.2.1: no temporary result; a key that cannot be had fails the chain. */
    return fname == NULL ? res == MA_ARC_PASS : res == MA_ARC_FAIL;
}

static int run_iprev(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    ma_iprev_params p = MA_IPREV_PARAMS_INIT;
    ma_job *j = NULL;
    int res, helo;
    (void)ftype;
    ma_ip_parse(&p.ip, ATTACKER_IP, strlen(ATTACKER_IP));
    p.helo = "mail.attacker.example";
    ma_iprev_job_new(&j, c, &p);
    ma_job_run(j, r);
    res = ma_iprev_job_result(j);
    helo = ma_iprev_job_helo(j, MA_HELO_RESOLVES);
    snprintf(what, wsize, "iprev=%s helo-resolves=%s", ma_iprev_result_name(res), ma_helo_result_name(helo));
    ma_job_free(j);
    if (fname == NULL)
        return res == MA_IPREV_PASS && helo == MA_HELO_PASS;
    if (ftype == MA_DNS_PTR)
        return res == MA_IPREV_TEMPERROR;
    return res == MA_IPREV_TEMPERROR && helo == MA_HELO_TEMPERROR;
}

static int run_auth(ma_resolver *r, const char *fname, ma_dns_type ftype, char *what, size_t wsize)
{
    ma_job *j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "b@attacker.example", full_text);
    ma_authres *ar = authres_of(j);
    const char *owner = NULL, *want = "temperror";
    int good;

    snprintf(what, wsize, "iprev=%s spf=%s dkim=%s arc=%s dmarc=%s", verdict(j, MA_AUTH_IPREV),
             verdict(j, MA_AUTH_SPF), verdict(j, MA_AUTH_DKIM), verdict(j, MA_AUTH_ARC),
             verdict(j, MA_AUTH_DMARC));
    good = j != NULL && ar != NULL && ma_authres_count(ar) == 5;
    if (fname == NULL) {
        good = good && strcmp(what, "iprev=pass spf=pass dkim=pass arc=pass dmarc=pass") == 0;
    } else if (ftype == MA_DNS_PTR || ftype == MA_DNS_A || ftype == MA_DNS_AAAA) {
        owner = "iprev";
        good = good && strcmp(verdict(j, MA_AUTH_IPREV), want) == 0;
    } else if (strcmp(fname, "attacker.example") == 0) {
        owner = "spf";
        good = good && strcmp(verdict(j, MA_AUTH_SPF), want) == 0;
    } else if (strncmp(fname, "sel._domainkey.", 15) == 0) {
        owner = "dkim";
        good = good && strcmp(verdict(j, MA_AUTH_DKIM), want) == 0;
    } else if (strncmp(fname, "arc._domainkey.", 15) == 0) {
        owner = "arc";
        good = good && strcmp(verdict(j, MA_AUTH_ARC), "fail") == 0;
    } else if (strcmp(fname, "_dmarc.attacker.example") == 0) {
        owner = "dmarc";
        good = good && strcmp(verdict(j, MA_AUTH_DMARC), want) == 0;
    } else {
        /* another DMARC question (the tree walk above the policy domain) */
        owner = "dmarc (walk)";
        good = good && (strcmp(verdict(j, MA_AUTH_DMARC), want) == 0 ||
                        strcmp(verdict(j, MA_AUTH_DMARC), "pass") == 0);
    }
    if (owner != NULL)
        snprintf(what + strlen(what), wsize - strlen(what), " [owner %s]", owner);
    ma_authres_free(ar);
    ma_job_free(j);
    return good;
}

static ma_static_zone *scen_zone(const fscen *s)
{
    ma_static_zone *z = world_zone();
    if (s->extra != NULL && ma_static_zone_load(z, s->extra, strlen(s->extra), NULL) != MA_OK)
        printf("# scenario zone: %s\n", ma_static_zone_error(z));
    return z;
}

/* OpenDKIM #434 and kin: a DNS failure must never turn into a pass (or into
   "no record"): run the scenario once to learn its questions, then once
   per question with that question timing out or answered SERVFAIL. */
static void fail_each(const fscen *s)
{
    rec_res *rr = malloc(sizeof *rr);
    ma_static_zone *z = scen_zone(s);
    ma_resolver *inner = NULL, *r;
    char what[600];
    size_t k, n;
    int base, all = 1;

    ma_resolver_static_new(&inner, c, z);
    r = rec_new(rr, inner);
    base = s->run(r, NULL, (ma_dns_type)0, what, sizeof what);
    OKF(base, "OpenDKIM #434 %s: baseline %s", s->name, what);
    n = rr->n;
    OKF(n >= s->min_questions, "OpenDKIM #434 %s: the baseline asks %zu questions (at least %zu)", s->name,
        n, s->min_questions);
    ma_resolver_free(r);
    ma_resolver_free(inner);
    ma_static_zone_free(z);
    for (k = 0; k < n; k++) {
        ma_static_zone *zf = scen_zone(s);
        ma_resolver *rf = NULL;
        const char *how;
        int good;
        if (k % 3 == 0) {
            ma_static_zone_add_timeout(zf, rr->names[k], MA_DNS_TYPE_BIT(rr->types[k]));
            how = "timeout";
        } else if (k % 3 == 1) {
            ma_static_zone_add_servfail(zf, rr->names[k], MA_DNS_TYPE_BIT(rr->types[k]));
            how = "servfail";
        } else {
            char line[400];
            snprintf(line, sizeof line, "$TIMEOUT %s. %s\n", rr->names[k], ma_dns_type_name(rr->types[k]));
            if (ma_static_zone_load(zf, line, strlen(line), NULL) != MA_OK)
                printf("# $TIMEOUT: %s\n", ma_static_zone_error(zf));
            how = "$TIMEOUT";
        }
        ma_resolver_static_new(&rf, c, zf);
        good = s->run(rf, rr->names[k], rr->types[k], what, sizeof what);
        if (!good) {
            all = 0;
            printf("#   %s %s %s (%s): %s\n", s->name, rr->names[k], ma_dns_type_name(rr->types[k]), how,
                   what);
        }
        ma_resolver_free(rf);
        ma_static_zone_free(zf);
    }
    OKF(all, "OpenDKIM #434 %s: each of its %zu questions failing in turn (timeout, SERVFAIL, "
             "$TIMEOUT): the safe verdict",
        s->name, n);
    free(rr);
}

static void dns_fail_each(void)
{
    static const fscen scens[] = {
        { "SPF pass through a, mx, include, exists", scen_zone_text, run_spf_pass, 8 },
        { "SPF fail with exp=", scen_zone_text, run_spf_exp, 2 },
        { "DKIM, two signatures", NULL, run_dkim2, 2 },
        { "DMARC fail (victim.example)", NULL, run_dmarc_fail, 1 },
        { "DMARC fail (a.b.c.victim.example, tree walk)", NULL, run_dmarc_deep, 2 },
        { "DMARC pass (attacker.example)", NULL, run_dmarc_pass, 1 },
        { "ARC, two sets", NULL, run_arc, 2 },
        { "iprev and HELO", NULL, run_iprev, 2 },
        { "the authenticator", NULL, run_auth, 5 },
    };
    ma_static_zone *z = world_zone();
    ma_resolver *r = NULL;
    char *text = cat4("From: b@attacker.example\r\n", body_text, NULL, NULL), *t1, *t2;
    size_t i;

    ma_resolver_static_new(&r, c, z);
    t1 = dkim_sign(victim_signer, text);
    two_sig_text = dkim_sign(attacker_signer, t1);
    free(t1);
    t1 = arc_seal_text(r, attacker_arc, text, NULL);
    arc_chain_text = t1 ? arc_seal_text(r, victim_arc, t1, NULL) : NULL;
    free(t1);
    t2 = dkim_sign(attacker_signer, text);
    full_text = arc_seal_text(r, attacker_arc, t2, NULL);
    free(t2);
    if (arc_chain_text == NULL || full_text == NULL) {
        ok(0, "OpenDKIM #434: setup: ARC sealing");
    } else {
        for (i = 0; i < sizeof scens / sizeof scens[0]; i++)
            fail_each(&scens[i]);
    }
    free(two_sig_text);
    free(arc_chain_text);
    free(full_text);
    free(text);
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* ---------------------------------------------------- truncated wire answers */

typedef struct wbuf {
    unsigned char b[2048];
    size_t n;
} wbuf;

static void w8(wbuf *w, unsigned int v)
{
    w->b[w->n++] = (unsigned char)v;
}

static void w16(wbuf *w, unsigned int v)
{
    w8(w, (v >> 8) & 0xff);
    w8(w, v & 0xff);
}

static void wname(wbuf *w, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        w8(w, (unsigned int)l);
        memcpy(w->b + w->n, name, l);
        w->n += l;
        name += l + (dot ? 1 : 0);
    }
    w8(w, 0);
}

/* A response header and the question example.com TXT IN. */
static void whead(wbuf *w, unsigned int flags, unsigned int an)
{
    w->n = 0;
    w16(w, 0x1234);
    w16(w, flags);
    w16(w, 1);
    w16(w, an);
    w16(w, 0);
    w16(w, 0);
    wname(w, "example.com");
    w16(w, 16);
    w16(w, 1);
}

/* An answer RR: owner by pointer to the question name (offset 12). */
static void wtxt(wbuf *w, const char *s1, const char *s2)
{
    size_t l1 = strlen(s1), l2 = strlen(s2);
    w16(w, 0xc00c);
    w16(w, 16);
    w16(w, 1);
    w16(w, 0);
    w16(w, 300);
    w16(w, (unsigned int)(2 + l1 + l2));
    w8(w, (unsigned int)l1);
    memcpy(w->b + w->n, s1, l1);
    w->n += l1;
    w8(w, (unsigned int)l2);
    memcpy(w->b + w->n, s2, l2);
    w->n += l2;
}

static int wire_rcode(const unsigned char *p, size_t n, size_t *count)
{
    ma_dns_answer *a = NULL;
    unsigned char *e = (unsigned char *)xdup(p, n);
    int rc = ma_dns_answer_from_wire(&a, c, "example.com", MA_DNS_TXT, e, n);
    free(e);
    *count = 0;
    if (rc != MA_OK)
        return -100 + rc;
    rc = (int)ma_dns_answer_rcode(a);
    *count = ma_dns_answer_count(a);
    ma_dns_answer_free(a);
    return rc;
}

/* Truncated and hostile wire responses (for event-loop MTAs that hand the
   library what c-ares or libunbound received). */
static void dns_wire(void)
{
    wbuf w;
    size_t n, cnt, full;
    int all = 1;
    ma_dns_answer *a = NULL;
    const char *t;
    size_t tl;

    whead(&w, 0x8180, 1);
    wtxt(&w, "v=spf1 ", "-all");
    full = w.n;
    {
        unsigned char *e = (unsigned char *)xdup(w.b, full);
        int rc = ma_dns_answer_from_wire(&a, c, "example.com", MA_DNS_TXT, e, full);
        ok(rc == MA_OK && ma_dns_answer_rcode(a) == MA_DNS_OK && ma_dns_answer_count(a) == 1 &&
               ma_dns_answer_txt(a, 0, &t, &tl) == MA_OK && tl == 11 && memcmp(t, "v=spf1 -all", 11) == 0,
           "OpenDKIM #434 wire: the whole response gives the record, strings joined");
        ma_dns_answer_free(a);
        free(e);
    }
    for (n = 0; n < full; n++) {
        int rc = wire_rcode(w.b, n, &cnt);
        if (rc != MA_DNS_PERMFAIL || cnt != 0) {
            if (all)
                printf("#   %zu of %zu bytes: %d, %zu records\n", n, full, rc, cnt);
            all = 0;
        }
    }
    OKF(all, "OpenDKIM #434 wire: each of the %zu truncations of a response is MA_OK with a permfail "
             "answer, no records",
        full);
    {
        static const struct {
            unsigned int flags, an;
            int mutate;
            int want;
            const char *what;
        } v[] = {
            { 0x8380, 0, 0, MA_DNS_TEMPFAIL, "TC set, no answer: tempfail, not nodata" },
            { 0x8182, 0, 0, MA_DNS_TEMPFAIL, "SERVFAIL: tempfail" },
            { 0x8185, 0, 0, MA_DNS_PERMFAIL, "REFUSED: permfail" },
            { 0x8183, 0, 0, MA_DNS_NXDOMAIN, "NXDOMAIN" },
            { 0x8180, 0, 0, MA_DNS_NODATA, "NOERROR without records: nodata" },
            { 0x0180, 1, 0, MA_DNS_PERMFAIL, "QR clear (a query, not a response): permfail" },
            { 0x8180, 1, 1, MA_DNS_PERMFAIL, "rdlength past the end: permfail" },
            { 0x8180, 1, 2, MA_DNS_PERMFAIL, "a character-string longer than its rdata: permfail" },
            { 0x8180, 1, 3, MA_DNS_PERMFAIL, "a compression pointer to itself: permfail" },
            { 0x8180, 1, 4, MA_DNS_PERMFAIL, "a compression pointer past the end: permfail" },
            { 0x8180, 65535, 0, MA_DNS_PERMFAIL, "ANCOUNT 65535 with one answer: permfail" },
            { 0x8180, 1, 5, MA_DNS_NODATA, "an answer for another name: nodata, no records" },
            { 0x8180, 2, 6, MA_DNS_PERMFAIL, "a CNAME loop inside the response: permfail" },
        };
        size_t i;
        for (i = 0; i < sizeof v / sizeof v[0]; i++) {
            int rc;
            whead(&w, v[i].flags, v[i].an);
            switch (v[i].mutate) {
            case 0:
                if (v[i].an > 0)
                    wtxt(&w, "v=spf1 ", "-all");
                break;
            case 1:
                wtxt(&w, "v=spf1 ", "-all");
                w.b[w.n - 14] = 0x40;   /* rdlength 0x40.. */
                break;
            case 2:
                wtxt(&w, "v=spf1 ", "-all");
                w.b[w.n - 13] = 200;    /* the first string's length */
                break;
            case 3:
                w.n = 12;
                w16(&w, 0xc00c);        /* the question name points at itself */
                w16(&w, 16);
                w16(&w, 1);
                wtxt(&w, "x", "y");
                break;
            case 4:
                wtxt(&w, "v=spf1 ", "-all");
                w.b[w.n - 25] = 0xc7;   /* owner pointer far past the end */
                w.b[w.n - 24] = 0xff;
                break;
            case 5:
                w16(&w, 0xc014);        /* owner "com", not example.com */
                w16(&w, 16);
                w16(&w, 1);
                w16(&w, 0);
                w16(&w, 300);
                w16(&w, 2);
                w8(&w, 1);
                w8(&w, 'x');
                break;
            default:
                /* example.com CNAME a.example.com; a.example.com CNAME example.com */
                w16(&w, 0xc00c);
                w16(&w, 5);
                w16(&w, 1);
                w16(&w, 0);
                w16(&w, 300);
                w16(&w, 4);
                w8(&w, 1);
                w8(&w, 'a');
                w16(&w, 0xc00c);
                {
                    size_t a_off = w.n - 4;   /* the name a.example.com */
                    w16(&w, 0xc000 | (unsigned int)a_off);
                    w16(&w, 5);
                    w16(&w, 1);
                    w16(&w, 0);
                    w16(&w, 300);
                    w16(&w, 2);
                    w16(&w, 0xc00c);
                }
                break;
            }
            rc = wire_rcode(w.b, w.n, &cnt);
            OKF(rc == v[i].want && cnt == 0, "OpenDKIM #434 wire: %s (got %s, %zu records)", v[i].what,
                rc >= 0 ? ma_dns_rcode_name(rc) : "an error", cnt);
        }
    }
}

/* ========================================================= 8. ARC structure */

static const char *const arc_names[] = { "ARC-Seal:", "ARC-Message-Signature:",
                                         "ARC-Authentication-Results:" };

/* The index of the field of kind k (0 AS, 1 AMS, 2 AAR) and instance i, or -1. */
static long arc_field(const fields *fs, int k, unsigned int i)
{
    size_t j;
    char tag[16];
    snprintf(tag, sizeof tag, " i=%u;", i);
    for (j = 0; j < fs->n; j++)
        if (fs->f[j] != NULL && strncmp(fs->f[j], arc_names[k], strlen(arc_names[k])) == 0 &&
            strncmp(fs->f[j] + strlen(arc_names[k]), tag, strlen(tag)) == 0)
            return (long)j;
    return -1;
}

/* Rewrite the instance of field j from "i=<from>;" to "i=<to>;". */
static void arc_renumber(fields *fs, long j, int k, const char *to)
{
    const char *name = arc_names[k];
    char *f = fs->f[j], *semi = strchr(f + strlen(name), ';');
    char *nf = malloc(strlen(f) + 16);
    sprintf(nf, "%s i=%s%s", name, to, semi);
    free(f);
    fs->f[j] = nf;
}

/* OpenARC #30 (memory corruption in arc_validate_seal) and #46 (the milter
   died): every broken ARC structure fails, and the validator's structure
   check is what fails it. */
static void arc_structure(void)
{
    ma_static_zone *z = world_zone();
    ma_resolver *r = NULL;
    char *text = cat4("From: b@attacker.example\r\n", body_text, NULL, NULL), *hop1, *hop2, *t;
    fields base;
    ma_job *j;
    int k;
    unsigned int i;

    ma_resolver_static_new(&r, c, z);
    hop1 = arc_seal_text(r, victim_arc, text, NULL);
    hop2 = hop1 ? arc_seal_text(r, attacker_arc, hop1, NULL) : NULL;
    if (hop2 == NULL) {
        ok(0, "OpenARC #30: setup: a two-set chain");
        free(hop1);
        free(text);
        ma_resolver_free(r);
        ma_static_zone_free(z);
        return;
    }
    j = arc_run(r, hop2);
    ok(ma_arc_job_result(j) == MA_ARC_PASS && ma_arc_job_count(j) == 2,
       "OpenARC #30 control: the two-set chain passes");
    ma_job_free(j);
    fields_split(&base, hop2);

    for (k = 0; k < 3; k++) {
        for (i = 1; i <= 2; i++) {
            fields fs;
            long f;
            int mode;
            for (mode = 0; mode < 2; mode++) {
                fields_split(&fs, hop2);
                f = arc_field(&fs, k, i);
                if (f < 0) {
                    ok(0, "OpenARC #30: field not found");
                    fields_free(&fs);
                    continue;
                }
                if (mode == 0) {
                    free(fs.f[f]);
                    fs.f[f] = NULL;
                } else {
                    /* duplicate: the copy goes on top */
                    memmove(&fs.f[1], &fs.f[0], fs.n * sizeof fs.f[0]);
                    fs.n++;
                    fs.f[0] = xstrdup(fs.f[f + 1]);
                }
                t = fields_join(&fs);
                j = arc_run(r, t);
                OKF(ma_arc_job_result(j) == MA_ARC_FAIL && has(ma_arc_job_problem(j), "one each"),
                    "OpenARC #30: set %u %s its %s: fail (%s)", i, mode ? "duplicating" : "missing",
                    arc_names[k], ma_arc_job_problem(j));
                ma_job_free(j);
                free(t);
                fields_free(&fs);
            }
        }
    }
    {
        static const struct {
            unsigned int inst;   /* the set renumbered */
            const char *to;
            const char *what;
        } ren[] = {
            { 2, "3", "a gap (sets 1 and 3)" },
            { 1, "0", "i=0" },
            { 2, "51", "i=51" },
            { 2, "1", "two sets numbered 1" },
            { 1, "2", "two sets numbered 2" },
            { 2, "x", "a non-numeric instance" },
            { 2, "-2", "a negative instance" },
            { 2, "4294967298", "an instance that wraps a 32-bit counter to 2" },
        };
        size_t q;
        for (q = 0; q < sizeof ren / sizeof ren[0]; q++) {
            fields fs;
            fields_split(&fs, hop2);
            for (k = 0; k < 3; k++) {
                long f = arc_field(&fs, k, ren[q].inst);
                if (f >= 0)
                    arc_renumber(&fs, f, k, ren[q].to);
            }
            t = fields_join(&fs);
            j = arc_run(r, t);
            OKF(ma_arc_job_result(j) == MA_ARC_FAIL, "OpenARC #46: %s: fail (%s)", ren[q].what,
                ma_arc_job_problem(j));
            ma_job_free(j);
            free(t);
            fields_free(&fs);
        }
    }
    {
        static const struct {
            unsigned int inst;
            const char *from, *to, *what;
        } mut[] = {
            { 2, "ARC-Seal:", "ARC-Seal: h=from:to;", "h= in the newest ARC-Seal" },
            { 1, "ARC-Seal:", "ARC-Seal: h=from;", "h= in the oldest ARC-Seal" },
            { 2, "cv=pass", "cv=none", "cv=none on set 2" },
            { 1, "cv=none", "cv=pass", "cv=pass on set 1" },
            { 2, "cv=pass", "cv=fail", "cv=fail on the newest set" },
            { 2, "cv=pass", "cv=bogus", "an unknown cv=" },
        };
        size_t q;
        for (q = 0; q < sizeof mut / sizeof mut[0]; q++) {
            fields fs;
            long f;
            char *p, *nf;
            fields_split(&fs, hop2);
            f = arc_field(&fs, 0, mut[q].inst);
            p = f >= 0 ? strstr(fs.f[f], mut[q].from) : NULL;
            if (p == NULL) {
                OKF(0, "OpenARC #46: %s: setup", mut[q].what);
                fields_free(&fs);
                continue;
            }
            nf = malloc(strlen(fs.f[f]) + strlen(mut[q].to) + 1);
            sprintf(nf, "%.*s%s%s", (int)(p - fs.f[f]), fs.f[f], mut[q].to, p + strlen(mut[q].from));
            free(fs.f[f]);
            fs.f[f] = nf;
            t = fields_join(&fs);
            j = arc_run(r, t);
            OKF(ma_arc_job_result(j) == MA_ARC_FAIL, "OpenARC #46: %s: fail (%s)", mut[q].what,
                ma_arc_job_problem(j));
            ma_job_free(j);
            free(t);
            fields_free(&fs);
        }
    }
    /* Only AARs; only seals; an AAR without an instance. */
    {
        fields fs;
        size_t q;
        fields_split(&fs, hop2);
        for (q = 0; q < fs.n; q++)
            if (strncmp(fs.f[q], "ARC-Seal:", 9) == 0 ||
                strncmp(fs.f[q], "ARC-Message-Signature:", 22) == 0) {
                free(fs.f[q]);
                fs.f[q] = NULL;
            }
        t = fields_join(&fs);
        j = arc_run(r, t);
        ok(ma_arc_job_result(j) == MA_ARC_FAIL, "OpenARC #46: only ARC-Authentication-Results: fail");
        ma_job_free(j);
        free(t);
        fields_free(&fs);
        t = cat4("ARC-Authentication-Results: mx.example.org; spf=pass\r\n", hop2, NULL, NULL);
        j = arc_run(r, t);
        ok(ma_arc_job_result(j) == MA_ARC_FAIL, "OpenARC #46: an AAR without i=: fail");
        ma_job_free(j);
        free(t);
    }
    fields_free(&base);

    /* 50 sets pass; the sealer refuses a 51st (RFC 8617 4.2.1). */
    {
        char *cur = xstrdup(text), *next;
        int rc = MA_OK, n = 0;
        while (n < 50) {
            next = arc_seal_text(r, n % 2 ? attacker_arc : victim_arc, cur, &rc);
            if (next == NULL)
                break;
            free(cur);
            cur = next;
            n++;
        }
        OKF(n == 50, "OpenARC #46: 50 hops sealed (got %d)", n);
        j = arc_run(r, cur);
        ok(ma_arc_job_result(j) == MA_ARC_PASS && ma_arc_job_count(j) == 50,
           "OpenARC #46: a 50-set chain passes");
        ma_job_free(j);
        next = arc_seal_text(r, victim_arc, cur, &rc);
        ok(next == NULL && rc == MA_ELIMIT, "OpenARC #46: a 51st set is refused (MA_ELIMIT)");
        free(next);
        free(cur);
    }
    free(hop1);
    free(hop2);
    free(text);
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* =========================================================== 9. RSA keys */

/* Test keys made once with `openssl genrsa` (8192-bit generation takes
   about 40 s, too slow for every run). */
static const char key_rsa512[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA0O22upmOXtXdN7ef\n"
    "jwfxA8InDFlopHCxD5oz7fW8lg6GUwLpQXVC8uwmcROgNyw+szjSQkUIr1GIMf6U\n"
    "hOxd+QIDAQABAkA6+8FosM1WzL3lavuq360VSIzJmbxHIGF8bCZY+dVB71k6/1aK\n"
    "3ojxX1R/axl7gYfmyKeJ/bfkjMcea03FUqdZAiEA6Glh2Xw2uPIlKBDZJV5a9VVY\n"
    "KrJs3WU3mgjcTorFKVsCIQDmIi8qzce+KtYFj3il3p1hfjEKCkA/Z16la5kKuKVi\n"
    "OwIgJqWvgczoBKUvjJQQp+gi0/0XJjJ5a+9y6YhjqiPlWVUCIQCPKucTBu/jc3yv\n"
    "+uCAuCxKkZnqeBQeHa241WZhUBu7LwIhAI5Lircwe82b6Mx7kfFGSuAkckQrD67o\n"
    "Qiugq1UqYiCb\n"
    "-----END PRIVATE KEY-----\n";

static const char key_rsa1023[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIICdAIBADANBgkqhkiG9w0BAQEFAASCAl4wggJaAgEAAoGAVzOd3ynrC3S1tbRh\n"
    "Z8Boy6R6UFy0TG/LRGeoFayfG0dGmmxd5fJIu0uZ/uZ3LTEx33uCBYCjfMd2hFPl\n"
    "PAni8YzAQW90dxycNi9bJlvPKJYuiEU1u6wcwXPfFU4PKMjPP5jRArmSmMxNwt8K\n"
    "RGaxCm/gNZJvV6AplaSQMJlR+40CAwEAAQKBgCYmbusza6GXbegRAoxhoXd2fgyq\n"
    "gjbusf87Wk4hN3q3tCvbPTlcxnUqnjTmnz0mSKt9XWUK4nu0yCUcjy21JZP+kOvP\n"
    "4vggNEjEpK6Jvsgz9mZ7yDivbg0I+jN6NTVP9CmX5Y1iH/wzN0+5l2I+owimfwYb\n"
    "+2zmqju6ZD00S0ABAkEAzYKvLu89iMmrkCWjly3J/KN063tX2c6vYXpGo0pPhgYx\n"
    "GTIvAn7g9Dlh/wbSCaW8n7e5Tvhfhmh1aiRGc8vlswJAbKAM0PW5jJGar1/pNfCj\n"
    "SiCNwnQ1CfWH3cH7V4xspLNmZA5+gPUpYwxaJxfFBiPPcTuEBbyap0MawiLYyOB5\n"
    "vwJAbFxH+rty+rk7mRn/lCs0od2ePLwgqlvs5b0PmfII1GZXZS2s0+gKvTu0jEAQ\n"
    "Z73YI29Aan9T/w79OiY+b7hHOQJAPRt8mkDh9RYkMux9wX5yHc1acj31aHjbygDK\n"
    "aGHy7GSQAVG2EM3aToIwZTWV/PJATK7yglermNTDRNtdoQPG+QJBALlPyblDiUz5\n"
    "gwSzVw2VjCALj3jtZA0M4JXJJKf625ScM1NcXfys+38VWBRcA3tf7HY6VWRnwEOj\n"
    "+zr/EfAGcM0=\n"
    "-----END PRIVATE KEY-----\n";

static const char key_rsa4096[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0wggkpAgEAAoICAQC72ub17ESeYLZH\n"
    "uhLZIcqOKGkFufIdA8VWGobvxn8QLdX2pyj/ZzZv+6jPkqrIS2CDg8VfoIzf9RLZ\n"
    "4Wh2YdlXn4rNw5DThhCzl7fBwTWBrb3pYJ7orBuZxvo1ngxo8d6iW6BtgFZSajVd\n"
    "HaCUb2BtEczYgOuXrhrrrlPrp1iDwwaLnDnCashBahoACJw/iY9RWmdUrK2ZVy+W\n"
    "v7+1MvfvxmfBfmmG+3xTbRu9FKW+QpDbdqazTa1LTH+LPu3fd+s9kTK9WKNsAWyh\n"
    "KyHEhRVhPVp7pgQQ7fS+YMCPja/hTd7dEhCpJDswkOcQ6WhJNWi0F9NFIQ8u34ze\n"
    "iNE3ugskKXEiknRUaQjJkdQJJIbxb7AM56ykrLklAkt+ftZIDZbJXPshZAmQoy06\n"
    "dGcXtNF1yp/j91iTPC0vPdWHubNGF+9kJjGe8+1hR9whQ+4Z54t477BkSQhRzRrx\n"
    "eeAWw7JGAR3Z+xbI39qAonHH/0YcxeMJ/5Ztum118ddaMW3kbybLp0yi6xgrmsDQ\n"
    "lFf37zO6CMv6FZcIPhYuGcU+qLAmZvHwW5/6TnfZFemOITcaoF4WFY4nSSgNYW1Y\n"
    "JW2tB/x2G00aWiIDWIbcb3DFSM3GCAxpwzqBxsup/C8UnttwONEr8aOX1iIQze9t\n"
    "zqOlBt9+eK40gPWU/RXtCIyDZ3m1QwIDAQABAoICABGhd7LArtH/JAHIWh4sgze4\n"
    "st6kNy/M8PeQpssYjJ1b8pcN1OsKPfw1mNWJH46L2y43WaNiIfFKWC9rGI71G7Jo\n"
    "brJldpFmUD6ixc7L+jXGX4ATSZFvHGoK2DncWwV7Hy41aPGjWAwFHCa18ffBxOwy\n"
    "UvubjJZK82Dc7Cho/Nrk8hd78pnSGXhg47l5ary12uXDlStychqQVGQ9cS8pmPEq\n"
    "jwYEfhVP7g5gZk2RLgW/dpv6X1E4au7EamYLDRqU79bylS9bLdSkWj8oGVO55Sn1\n"
    "Wal9iSfTms2cBAaVFtrk9ZPhrv7zlRCM+6Vv2pH1uXLJl6exyhyCmP8xGmhfWs3W\n"
    "YVMbjSmH5pV0gaCfwREv9XoK222DNpFgXH1I0nbV2+wpV5grZHnCSR+ILFM4KJs8\n"
    "o27DU3F71WEAwBA9s8vpIp9iBOds2uXbJXq16p36Y8IzHs0XrcGClo2tWwiBGEny\n"
    "3BiGD9EEAhmcFs+sMjKHqYy3lWulC2A3ZtGz44M3p9oThwqnAXETao31i5J39w3S\n"
    "ySbbyBn+K/c1EiuqS4WZ6o6k0nf/CvY59R3WINf33f0bJhZI047SvfE1yUyZA/cY\n"
    "UPzbONftCUFFNGmor7ILJaiAbalOC4/mHROh/oVIvYMX2tsxV5m9J5Do7GN24CX+\n"
    "IP/+SH4SGSMtAS9PJTRVAoIBAQD5Jph592loBznFYl2FoeqLIZ3vvSQzbXy+6qhI\n"
    "D0qCn2b/80yKYsz0BgoelBBpCnOOg+lHzcQRQqfzyczBaHHXc4tA94AhOj5uomdR\n"
    "n0aKt9MAYhsf0G2abAA7ZoPdQRpTURFP9L/iyncmnZBTqOrv9UiQoRL4+EMTI/mA\n"
    "OUTQazS4rR3XXAzOT1Gj5CFDFVdNPFyd8s6zwDEuX0sDKNvh+rQmaNlays18QGxE\n"
    "zF+0mFY/2owVw4CXtNj2dv7qs6FPXUG0RS/iKyPSdzmw7RlhCoRTKii/ffFXyly0\n"
    "A/v9Fu+aQlJ6+cMf0gHdJ6rcgT3AS/eUYaIT++fVqaFYWT0VAoIBAQDBBO/SLg7N\n"
    "QNn7sY8mfGHBhOGsmpoJZxopCcSPl364EnUaNJKnTje5jJj2psNEp1cIdxjnvCpB\n"
    "lYoe+RBgsgk3dvL8SWIuiRkCqlmgnwhRO4kuHiuzmTg/+LQUamp9BrmFm08cEAf0\n"
    "j3IsAR80R6tU1Tftk2Q2QCuhW5M+0R5f9ZzTkKIQT6Wz/i2L5XfzItAsVRrPVJKf\n"
    "1aSHur5Rhhov1OVYH4thsbksqBDOqSurM0K329I9iK1ZsgGK9w13qt7Qv19GLtNs\n"
    "/HXM30nbUM3UksVEvn+fcgtXauVO8G21d/gYrI2irwg7nIxkzUtSONBXM1HeQtgB\n"
    "kpxixPV0Ti73AoIBAQCAhviBcrBdidyzhlrYZP6pZ14iHmBeZ0zC8Cp/gePeHnzz\n"
    "7H6/pNg1yifOPnN4vHuAOWxOLkfG36vkh2WpIEgZ7PEZQpRGj9VFHWJPKOsrBElF\n"
    "GVcEwnDICI7WFbxQlxUNhfR4WrniNK/iq8WYYrtPrikQ8wbmiKuRZC2BiAmHusYn\n"
    "vqZ2QnYYt7JV6Yl/IbM3lLvyfx9CexLj6SS5LIrBuKLWbaAyxgva3SD9HLECaNOV\n"
    "fRhm4cOkfxatjhVS3feJCYKrjEV3VunT2M1aB/XfqZ05ibYbksy9jRblhmin1v0j\n"
    "hrMl3VJbR+rOO3hY6BMC8C13ziXeSUT/Y9Jn0SFBAoIBAE1CJJwEQ3h0lMvh7mKB\n"
    "Nr+26H2mBDHvStFST5MKGHalLKookOrWrAdg93kClvZL5NJGmXloH6HQsVBkcOHD\n"
    "YV0KB4hj9yCZT6F5fhaEkVeydN44xVVF5vX0HmBtl+IjZu7Lk4awA/8ny5NBf7P1\n"
    "W+bA0XoOnPX6CXy0ouNp4LaYIQWtxrCwsKqy+pgcaT6wmJKmHe0O9QF1Cj4pyTPo\n"
    "cWLj3EjBl5CrCmuNeey+WfRUuEfPfP+UTY6xaVyuNn3HrxfvAbud0pK1GpG+blmS\n"
    "plCHzt4NQhgYFeIPr2lBYyhXtL5rkuWjGbCCoM9YPOXUR9Afgo1sQ/mdLWt7WqQL\n"
    "B1ECggEBAMZKkgrNrxdUD8YxphqnkcpVKWz5vDgJbO4BMNKdDqz3eiV3ajoIvHoG\n"
    "8+M5ACXMV83jXAGdIPtadyUv2T8YXy2IVrgLAhCw96PsrfhPk3palb+GEhZ+r2nj\n"
    "gMOTborfsWmd5n9GhPY3oWM12hhwz8UkPTNSTyroJLwm5L86/ls1TnJ2ItkrAu/W\n"
    "5x5WyN1BRoToJSRfWH6yyCNYGUMxe8ah0swAsAvkMt3oc7FNrN1HGdZeWmO9euxp\n"
    "qMHVWwSKjBxvN0odgG4cjFYSf79tnyJJT1kzYWd5FXdM7E1WSieGaXcXZiGmtAL7\n"
    "i+sHtaNE8qyC0aTpluE6Bblp75D0c8E=\n"
    "-----END PRIVATE KEY-----\n";

static const char key_rsa8192[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIISQgIBADANBgkqhkiG9w0BAQEFAASCEiwwghIoAgEAAoIEAQCteoz8XqlDa/r8\n"
    "Dxx+OsjPmZecNPMnvuAC6oCxRVkEtlQL4rMOYciELiJx+H2TPe/D8NYDlhcbIpBr\n"
    "x7XMhAD/ZOY62qcyg0C4o0gKJQ0W9nRJO5xsS+Ch9xnQPWVm5hMUKipK+X94d+0u\n"
    "Dpdp0ww2iv92FiOhfi6rreJ2qygNYw06UeHG/kLVHAC5aAamFdLJ51FBUfuiezNC\n"
    "6As/Yz4hEqCdc6lXPW99JK033Ilt6bJkt9+hLq7rTscO9niJN/+ZQmLTNExOB1aK\n"
    "EV14bYWOTFM/7kVZuMC1/1CDlTMJcOpLZgJxhpg6ZtQaGbovtipRWXkDwJET5ahB\n"
    "Y3Rkk9PY+K5j2c20NLfgGMXdDzJ9KJmhR7FcOVXOMb5wW4iOoAA2Kd/4Q0/wPIqT\n"
    "6SiVz+GX5LFTG7AIpF6DSE/knyQ7a2fd/IwJVlIUVCd9Ffn0UUC8+EC0GfPp4yeF\n"
    "KUcnXpkIk2+fpY2lOWB3GyNkQGqzhcilZopLNVqk3sali/Vw/t05eQF9j0HlT9iR\n"
    "A/L9LkdwL3vTX0Yq3/6kboP3H9Ye8OHDDt/WMH5GUEQxGfuiNbcQfRYcU9mc5yNo\n"
    "3NMvrTwCnzqqDYC2VcFOkc18tv0gg76e2TJAZwM/cvrs8jKPJOrUBQp0xbw2VwLo\n"
    "EoKeniGBY4yjOvxVY4trhdaGjdOilEbpG8fTg/ehxHAHmBE8Ht1thiay/sQfEsD1\n"
    "VwqqXPMMZ5zQ00Nr2xLhjsjQZ4yw5dkluT37WC3NXeJK9KZw+Ge467ccHOZ3wv35\n"
    "oJgNL9OHe8O+qSapEsNt8twQ5WUwEcVh3WIHCz+8qlvRr7Zmi6K8lZgRFE2u7jzu\n"
    "dF9lsg9d37sysPNDvsfzIAJ3pD5UR4hmkbXO5JHuHZGf2ndzJldudvxqiY56HsW0\n"
    "N0AG3ha8WmvwZMmBGdL/+k98JrQ9LEBQVWylTXL0kEiGt/UHpw8jJXFB6FmNpEE0\n"
    "CQFvzQmvmFj32J7qJ03x2zJkSIaBi1wGLMvQ8Xy3LponBmBzmzD+G3ogsF5QzbL8\n"
    "GOgN70+qHi6WHQrOTFoR0qU3pbq9RfoYPTcVlUp5kZ3r9XOlY/mHvVgpjctfQ897\n"
    "eGexwwS+y8mme6ygR2sdLv3RLrU2nK8REf73Bin0l/mCWBthlRmT7YM4xsgzs3/j\n"
    "m1K6KSufTYA+Nk3uEsXMMLZUcw63Hkce1rn5Gfrf52j5no6TOs9Caq2OBQbjnlbX\n"
    "fgpKHELhGx2k99CwGy5q1Nk1qd+Uyr5A34BUNRGSXirViQI6+w6zoDzk4nRnnMOi\n"
    "nayZSu9Awy0vaFc2NIgfuynyFmMTVSk9ScNshIkLV9o9qZQFjmMIr2jqMLTWSTjY\n"
    "xktt4g1jAgMBAAECggQAFjFXV/HENZvav+QvAPcEOYqsmo8rjCoe/kCBtivo93Fb\n"
    "zylxPqXDwSUlwu7HIc8KnUZyGoNY8V+6mg8ycrdwaTu/OEhAm3WvEe/Rh3q18foV\n"
    "Zkj5+eC7G/1AkCNKlZ9ZUXsTbgP9CqxM61dyh1c4eMHPbIvogwBheBUGo6fBt/Sz\n"
    "/IH9IDfm1NyAOzfToeuoy6uL+Y9DYcXhCO4mgjVv/UskwP/K6h4x5RCMGFleO3Fq\n"
    "IPhk43nVZsTtMjzVrrg7OqADhIFsQY8uwvr1ujJIo6uf+s3AkXnRLXc8FZlArjSD\n"
    "xKGILn3Je68r8yrXZsMnJsELei9oX+NBYxwWB8fhkiA+LwfuCN+1pjWFGoKXMuu+\n"
    "u6MwTVwIXhh/BGCxV42geU1iGaCC2XjlQYbSalftxEC9bqRcIL7mWGUn01eIixFy\n"
    "eDOWtpsUZQVfB+GH2HmMjqAzptarHYCxzZc6Qw8XBMHXxdSoCjsM3C/clzamb9Dt\n"
    "mjtD9dsdfXoCb6s3+vyf0HpqdmWdSHiue97Fdx40hWWNsby+fT2qld6Ng0/PVKX8\n"
    "O7frartJbDVYg++PAXFduf5GldkkPa5UGVYmrjK7OpqkJp0Tmj/eOu7sGshOGZrB\n"
    "CBFBHHwRLkzHTQiu7yEJ6ZW7gLTLHyiCdq3nh+My5hqWI0uofEP/0gGNMCl0qZeY\n"
    "jRccJ9ABJ0nHVOeBOSVVyFPxKQmitVHGvuRXqjfOIS52Zco3uLfYtRBW6WU2j9ti\n"
    "yVOvcZ6GxEVTV3o+F7wFoPJ2npD4rQH1/sRXAfwENbtBxOCj9NxFRQqYRXPA0vFp\n"
    "sTs3h0m9O1NfGRAsYQdqXT0Y4J8Mazf6GWEXnuQRMarzlkmSHvJCGWMA53ceOqVm\n"
    "DETpJeI8Q98n906bE4WKm25J6ybwbwpFmVUbxfcGrO/mHrbp03VrHvlijio79gr5\n"
    "vrO3KsFyGOCo+Dflu7BMQvdM33mq1Vbk6KOTosInOdL9AED+wJE9XW2i+taMIl31\n"
    "idV0/M3AGCUELQbwi2c8ddssDAk5PiWaI0HKC5+wrh639jQeFL9mMBDKEKv2zhRV\n"
    "bm3M9CFExJQAZ8iCkxxX4M0trqrDRzT0Q9Yxplum93dNi1EqgsDn6J2RjUSfkijC\n"
    "ntM6YMaacXYj1Lna7sKlOyesKQJIbb5GKsjHLAqOgDNw8GA+5d4TSTn6c03x6wgX\n"
    "SWjacBVv29IFQcImE3uHy/Un+1GqUZTKE2Tz6mS6ce1G3iO4xP/daMyU01oZdtQp\n"
    "+8ro6FEJTzaYJ/mtpvenvmJ5k2DgzrA7ioz8JF/09AeLKysZmbAUohx0bvZsQ7IB\n"
    "b5432TwrkzsvWIO/dEUkPT8++DWTYAo5BhtCeEbIAQKCAgEA1px4SWHGAALrN2wo\n"
    "c/ybxPSNJJ2RdDgw6CHrkq88nvvQ9LDrMl6PKsRVy+zVBijguWlyDqtj9koF6vt3\n"
    "/Bo6ivOiiIsWNxDvNogF/KY957PILTBtnZffsNCmf70coZjvx3udalh6N5wX3ZPd\n"
    "5dP7E64yZytEurQie3jQ1heb+vI3jyaj/5ZbiucFT6WXj3EJFJg3KZTEVx73zIjA\n"
    "84CxKP3VDtBNoJvMBZCQSPQ8qq1oDM4sqZwM0JqsDres/k9OA+OmRi7lHxnHy8zD\n"
    "uxcKG2+oXcu0XMUVRecrUzz2/jD7IC4GhO5IawHOmvplgierBGypSW3fovTzkaqW\n"
    "Vux0PXeAnJm9WmXsky0wkst36JFh5SIXXOkVl1/WYCLHopjaT8PFX0u8Sf9RQM7B\n"
    "kM3JjoYnRWfzNSui1lOeuCKUpnWNra8M1SIHII7xNyNwLiFWsS5BR/mxG/tvXknq\n"
    "eaZME2eYh8q7EiegDItH/lwlWlOexR91AslI691hMfIKXfce2SJqM0uFagQ1xEee\n"
    "l38/ZO9Q08dPnuz5E9by62rugtyF93dR3fYhMlK2tWWJErnpO02qcjV3S/+S8jXM\n"
    "v3sRvQl6Yl2MMbTlm6VTSRwmRAl/6AOz6g2/KNTKc0yoJFrmGhCFVIbgeMqK28/0\n"
    "fiCoXVI8Bfu8U1BmorPFSb48sVMCggIBAM7vVgVRIGFpwFjkQ/I8YWsb2fCWkCEI\n"
    "dIgx3B+Y8alJXUPXlRbTLBuBlmx4NbPPxv9Y56ZbQKm/jfZuVuCB6emQw5OqMuwL\n"
    "JMlgMGpao5BqMOqU/6mhzaI1PclFvNjh0ASoiu/J4vhWyGdjdc0dr3plHxiKNcV5\n"
    "r0HoGzNSIFYzGlUMIyscpKwUvgxk26eBbFrW0B9wfvFXGqkLqZCVnUyzSs2O+KTk\n"
    "WPXFCQH4puYTJJlQO8WvVVuqislUshK+wWsHoce7B7DaNd2tOam1UH7Wji4gBMWb\n"
    "jyhC1fo4CIyYMgVkQ3mxH3ArUPnXhQCotpL2+sBdH5/uC0SD6j+vdtVTEv2NI7WG\n"
    "RgBFQswOYgT3Cz8LGo5bhRVGx6+KbIXCXtsZvlXGe2rNhpANS/9P0cbw0jYPBn8u\n"
    "AN4EWvvg2e5QIpj0ioLauhpjFOqAHt5TjamftJYibprq+Q4vtHtclKCfPFTQSrCs\n"
    "HZc4mhwJcWtZTXmJthQ9TvIjK0CPGWLL5+iQ8FEnO6bN9QfBaEaKKXuvCpXacdBp\n"
    "+HKhTlE2XXrt36DxuMpmK75FvICjs/NsDXTIjdPiWJekYnJRBdwib7WiBOCzecv+\n"
    "aK0IwWPvlT0rpQEt9MTzZkdJcQCOoDkJlfyPdwOtVb+pJNqmxfECEjhy7KmLI+ez\n"
    "4dI54Xo/+WGxAoICAHBI44J5XnAJFuojc7Ljutg8n1BGBKFK+QOrI6bWeqAv3m73\n"
    "1ca/xKY6nS0Z14bmglVf/yX/tEhbCGeedHN5gaHLwQExzEi5Wn8sgf1jOUZuQNCr\n"
    "4t4uZQIM2OBCoKVH8ERtv7mxWxiXWcE7qUCjPV1ZqdNixw3sS5JQbutk5N5SNpF2\n"
    "RR3nnDO7lYLLf9Wz7W1SCqJ9zJBMipgAAPwmHAr3a67Ze5QJj6Blt6gD6W3fVm5E\n"
    "vQdstyO5mUYGAcP42DeetxNHW+d+xJMzqkDL2CTssamJd++FyhCN15QwdIYgOHPo\n"
    "wM5yIX+jLWbWlZ+Yg5jIBXZ+vyByirFvEEOgaVzzll3Y7kJKy5FhdmWHgVA0KIUK\n"
    "5jBdX0eZA/++krbWxHoxUqX+aSBKLkf7JTlPAiLIu+lLbuslzofWrldm+GFzZdI2\n"
    "oT8uE46MW1Ze+0WXedUv/0XaNTkPv4AUqlJFmM4aSKrbfi8Mfmexw9Qof/6Xe51l\n"
    "TQJNMBL/++d23Me3EPPIVspJvB7w3vS4CBj5ocB8mcyEHntnPxaLQwO7Kdlb6dfF\n"
    "HRdFvK6oqiGUYzhh/s5hX0lsAePIbyi8z0hr6qb+O4MVsNEc9XkO8dlxme/FDJ/m\n"
    "uA5AbQC+/MGAnQSQbo26kRfdjbqFNku1rRUEnzJcYT08LZdlnJ2J8zIXD4gzAoIC\n"
    "AG/JNLPcllxpL0IV1WqnGY0t13azLxrZIXJtVNcw3OMxQZOjguN4oiwdve/MpF4F\n"
    "UR+hnEnuo6jPVNYZ1w6iv4Sv8ibz21xNzMqIDr91RUR/SPuAD/hH8vi8QCtZY+HZ\n"
    "YnERxzQv4E99Ofc38GwkrCW3OKweBVwvFvDIfOElbViDdKcazmi8qWxYLC4v0cTU\n"
    "En+j6XwCXmDrR/in1yrG19mWRUN0B3ez7yadEPeipi5FixDTGeb5h2fkYeLOwP+F\n"
    "UqEJ12g47beouU6OBEdcLibGqrnaDBnfpd7+8+6elGe209a7ygOUHkKO88hzl2K6\n"
    "wR31E5IU/D997VJO3J0YoV4t6WVU+ERYS7pbr/DhmCvMdKPS0L60S9kpijeW1HcR\n"
    "gAJmDr7xYLxaWGW6+SHrsYwBjd0sErtjU46b1baZScEGQxpTh/uWQtB8U9E18vbx\n"
    "Nea64mf0I8HGS1JRjPLTGWsHeiTq/F4iLD4DkqSwqTdvX33XWafnUp1VSEkwxGrt\n"
    "cdLdcSS1x/Cc89ADt9vbSPuKnHJFNhR7Gn56Cv+uGaONmq+rxMJ5nQnFTEZFqLFH\n"
    "3qEGsi8S5/7LC29ru3mmlKgO5QmpipMbVNqcjzP4Oat4x0My2zYFsmuyDbxaT81g\n"
    "E0kDCyzOVzMZIVKIowdFsigSVSxlgLjrIINbRyWuJ36RAoICAQCfCzAAd7eiHofD\n"
    "TA/wZjmcOYJWFl4lZITg7+mvDjCQgVLnipCtgX3D/WlZx/4RXHnGmNVhY4Z+Ioq2\n"
    "K+ilS7w/MWIaa9tO5W88NWUD7feChWirNCtCjSRxWLvIKR8CdQkkZGHA9hWRm6GP\n"
    "USsOalmGaekhxMkHtP99RkZwabQM7Gub3LpEvFv1uKcJnD9J77yk4V7zsTWvhcI2\n"
    "N7btKcST9N49VL9nSUhzsDA8uLOhj5wsT2Dq63bhGJAF50Z56YqvpWAfpdb0Un8l\n"
    "b3Ankeg0FI+LglwjqaF48U93CLsn/IcYIpf0FK1KOjeeOBEkyET689wijr84PhLM\n"
    "U/IYF3bXc4JBoQBOe1kwMmSIIRkh3OOIl3+EbMDVH3lCK6mX06VI7DZR1lzyy/S6\n"
    "4eU9Ls87LN/QuhXa+ieFMzGSEUf+8+tioSJ1cKLCQSGxbhj1aE7JZdw8jai716tG\n"
    "TbO8jfD+8pEXYzVKTyxCZhMxkWBJ7moB9byfN5d9XqLbDHNXBoc1rvnS1UY3I460\n"
    "Qv0+MNVBPnZ/X6mFU/qPmHmoPDYKzbcM04lFGZqlw4mHdNYVH2UFtHlLzbLu0LS2\n"
    "ZinT4hACwkyfEGrTox/gfSYIXxaLYgqOSRKgqp6VEaklLS3e0lqS9gCHhnTAKL7Y\n"
    "rbjom8ik7dsm5U2L+2fmpwNOeysdRA==\n"
    "-----END PRIVATE KEY-----\n";

static size_t der_len(unsigned char *out, size_t n)
{
    if (n < 128) {
        out[0] = (unsigned char)n;
        return 1;
    }
    if (n < 256) {
        out[0] = 0x81;
        out[1] = (unsigned char)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)n;
    return 3;
}

/* A DER SubjectPublicKeyInfo for an RSA key whose modulus has exactly bits
   bits (not a real key: its size is all that is judged before the math). */
static size_t fake_spki(unsigned char *out, unsigned int bits)
{
    static const unsigned char alg[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
    static const unsigned char e[] = { 0x02, 0x03, 0x01, 0x00, 0x01 };
    size_t nb = (bits + 7) / 8, pad = (bits % 8) == 0, i, n = 0;
    unsigned char mod[2100], rsa[2200], bs[2300], hdr[8];
    size_t ml = 0, rl = 0, bl = 0, hl;

    mod[ml++] = 0x02;
    ml += der_len(mod + ml, nb + pad);
    if (pad)
        mod[ml++] = 0;
    for (i = 0; i < nb; i++)
        mod[ml + i] = 0xa5;
    mod[ml] = (unsigned char)((1u << ((bits - 1) % 8)) | (((1u << ((bits - 1) % 8)) - 1) & 0xa5));
    mod[ml + nb - 1] |= 1;
    ml += nb;
    rsa[rl++] = 0x30;
    rl += der_len(rsa + rl, ml + sizeof e);
    memcpy(rsa + rl, mod, ml);
    rl += ml;
    memcpy(rsa + rl, e, sizeof e);
    rl += sizeof e;
    bs[bl++] = 0x03;
    bl += der_len(bs + bl, rl + 1);
    bs[bl++] = 0;
    memcpy(bs + bl, rsa, rl);
    bl += rl;
    hl = 0;
    hdr[hl++] = 0x30;
    hl += der_len(hdr + hl, sizeof alg + bl);
    memcpy(out + n, hdr, hl);
    n += hl;
    memcpy(out + n, alg, sizeof alg);
    n += sizeof alg;
    memcpy(out + n, bs, bl);
    n += bl;
    return n;
}

static ma_dkim_signer *pem_signer(const char *pem, size_t len, const char *selector)
{
    ma_dkim_sign_opts so;
    ma_dkim_signer *s = NULL;
    int rc;
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "keys.example";
    so.selector = selector;
    rc = ma_dkim_signer_new(&s, c, &so, pem, len);
    if (rc != MA_OK)
        printf("# signer %s: %s\n", selector, ma_status_str(rc));
    return s;
}

/* RFC 8301 3.2 and MA_LIMIT_DKIM_RSA_MAX_BITS: keys of 512, 1023, 1024,
   4096, 8192 and 16384 bits; 3072+ bit signatures crashed OpenDMARC's ARC
   code (#183). */
static void rsa_keys(void)
{
    static const unsigned int fakes[] = { 1023, 8192, 8193, 16384 };
    ma_static_zone *z = world_zone();
    ma_resolver *r = NULL;
    char *text = cat4("From: a@keys.example\r\n", body_text, NULL, NULL);
    char *pem1024 = NULL, *rec1024 = NULL, *signed_text;
    struct {
        const char *pem;
        size_t len;
        unsigned int bits;
        int result;
        ma_dkim_reason reason;
    } keys[] = {
        { key_rsa512, sizeof key_rsa512 - 1, 512, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_TOO_SMALL },
        { key_rsa1023, sizeof key_rsa1023 - 1, 1023, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_TOO_SMALL },
        { NULL, 0, 1024, MA_DKIM_PASS, MA_DKIM_R_OK },
        { key_rsa4096, sizeof key_rsa4096 - 1, 4096, MA_DKIM_PASS, MA_DKIM_R_OK },
        { key_rsa8192, sizeof key_rsa8192 - 1, 8192, MA_DKIM_PASS, MA_DKIM_R_OK },
    };
    ma_dkim_signer *signers[5] = { NULL, NULL, NULL, NULL, NULL }, *s1024f[4];
    ma_job *j;
    size_t i;

    is_int(ma_dkim_keygen(&pem1024, &rec1024, c, MA_DKIM_RSA_SHA256, 1024), MA_OK,
           "RFC 8301: a 1024-bit key is generated");
    keys[2].pem = pem1024;
    keys[2].len = pem1024 ? strlen(pem1024) : 0;
    for (i = 0; i < 5; i++) {
        char sel[16], name[64], *rec = NULL;
        snprintf(sel, sizeof sel, "k%u", keys[i].bits);
        signers[i] = pem_signer(keys[i].pem, keys[i].len, sel);
        if (signers[i] != NULL && ma_dkim_signer_key_record(signers[i], &rec) == MA_OK) {
            snprintf(name, sizeof name, "%s._domainkey.keys.example", sel);
            ma_static_zone_add_txt(z, name, rec, strlen(rec), 300);
        }
        ma_free(c, rec);
    }
    /* Fake moduli, signed for with the 1024-bit key. */
    for (i = 0; i < 4; i++) {
        unsigned char der[2400];
        char *b64 = malloc(4000), *rec, sel[16], name[64];
        size_t n = fake_spki(der, fakes[i]), bl = ma__base64_encode(der, n, b64);
        b64[bl] = '\0';
        rec = cat4("v=DKIM1; k=rsa; p=", b64, NULL, NULL);
        snprintf(sel, sizeof sel, "f%u", fakes[i]);
        snprintf(name, sizeof name, "%s._domainkey.keys.example", sel);
        ma_static_zone_add_txt(z, name, rec, strlen(rec), 300);
        s1024f[i] = pem_signer(pem1024, keys[2].len, sel);
        free(rec);
        free(b64);
    }
    ma_resolver_static_new(&r, c, z);
    for (i = 0; i < 5; i++) {
        signed_text = dkim_sign(signers[i], text);
        j = dkim_run(r, signed_text);
        OKF((int)ma_dkim_job_result(j, 0) == keys[i].result && ma_dkim_job_reason(j, 0) == keys[i].reason &&
                ma_dkim_job_key_bits(j, 0) == keys[i].bits,
            "RFC 8301: a real %u-bit key: dkim=%s (%s), %u bits reported (got %s, %s, %u)", keys[i].bits,
            ma_dkim_result_name(keys[i].result), ma_dkim_reason_name(keys[i].reason), keys[i].bits,
            ma_dkim_result_name(ma_dkim_job_result(j, 0)), ma_dkim_reason_name(ma_dkim_job_reason(j, 0)),
            ma_dkim_job_key_bits(j, 0));
        ma_job_free(j);
        free(signed_text);
    }
    for (i = 0; i < 4; i++) {
        /* 8192 bits pass the size check; the 1024-bit key's 128-byte b= then does not fit. */
        static const int want[] = { MA_DKIM_PERMERROR, MA_DKIM_PERMERROR, MA_DKIM_PERMERROR,
                                    MA_DKIM_PERMERROR };
        static const ma_dkim_reason why[] = { MA_DKIM_R_KEY_TOO_SMALL, MA_DKIM_R_BAD_LENGTH,
                                              MA_DKIM_R_KEY_TOO_LARGE, MA_DKIM_R_KEY_TOO_LARGE };
        signed_text = dkim_sign(s1024f[i], text);
        j = dkim_run(r, signed_text);
        if (!OKF((int)ma_dkim_job_result(j, 0) == want[i] && ma_dkim_job_reason(j, 0) == why[i],
                 "RFC 8301: a %u-bit modulus: dkim=%s (%s)", fakes[i], ma_dkim_result_name(want[i]),
                 ma_dkim_reason_name(why[i])))
            printf("#   got %s (%s): %s\n", ma_dkim_result_name(ma_dkim_job_result(j, 0)),
                   ma_dkim_reason_name(ma_dkim_job_reason(j, 0)), ma_dkim_job_problem(j, 0));
        ma_job_free(j);
        free(signed_text);
    }
    /* Lower and raise the limits: a fresh context and zone (keys are memoised per answer). */
    {
        static const struct {
            ma_limit which;
            uint64_t value;
            const char *selector;
            int signer;        /* index into signers, or -1 - fake index */
            int result;
            ma_dkim_reason reason;
            const char *what;
        } lim[] = {
            { MA_LIMIT_DKIM_RSA_MAX_BITS, 4096, "k8192", 4, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_TOO_LARGE,
              "a real 8192-bit key over a 4096-bit limit" },
            { MA_LIMIT_DKIM_RSA_MAX_BITS, 4096, "k4096", 3, MA_DKIM_PASS, MA_DKIM_R_OK,
              "a 4096-bit key at a 4096-bit limit" },
            { MA_LIMIT_DKIM_KEY_CHARS, 4096, "f16384", -4, MA_DKIM_PERMERROR, MA_DKIM_R_KEY_TOO_LARGE,
              "a 16384-bit modulus with p= allowed 4096 characters (the bits check)" },
        };
        for (i = 0; i < sizeof lim / sizeof lim[0]; i++) {
            ma_ctx *c2 = NULL;
            ma_static_zone *z2 = NULL;
            ma_resolver *r2 = NULL;
            ma_dns_answer *a = NULL;
            const char *t;
            size_t tl;
            char name[64];
            ma_job *j2 = NULL;
            ma_msg *m = NULL;
            ma_dkim_signer *s = lim[i].signer >= 0 ? signers[lim[i].signer] : s1024f[-lim[i].signer - 1];
            ma_ctx_new(&c2, NULL);
            ma_ctx_set_limit(c2, lim[i].which, lim[i].value);
            ma_static_zone_new(&z2, c2);
            snprintf(name, sizeof name, "%s._domainkey.keys.example", lim[i].selector);
            if (txt_of(r, name, &t, &tl, &a) == MA_DNS_OK)
                ma_static_zone_add_txt(z2, name, t, tl, 300);
            ma_dns_answer_free(a);
            ma_resolver_static_new(&r2, c2, z2);
            signed_text = dkim_sign(s, text);
            ma_msg_new(&m, c2);
            ma_dkim_job_new(&j2, c2, NULL);
            ma_dkim_job_attach(j2, m);
            ma_msg_write(m, signed_text, strlen(signed_text));
            ma_msg_finish(m);
            ma_job_run(j2, r2);
            OKF((int)ma_dkim_job_result(j2, 0) == lim[i].result && ma_dkim_job_reason(j2, 0) == lim[i].reason,
                "MA_LIMIT_DKIM_RSA_MAX_BITS: %s: dkim=%s", lim[i].what, ma_dkim_result_name(lim[i].result));
            ma_job_free(j2);
            ma_msg_free(m);
            free(signed_text);
            ma_resolver_free(r2);
            ma_static_zone_free(z2);
            ma_ctx_free(c2);
        }
    }
    /* OpenDMARC #183: an ARC set sealed with a 4096-bit key (a 512-byte b=). */
    if (signers[3] != NULL) {
        int rc;
        char *sealed = arc_seal_text(r, signers[3], text, &rc);
        j = sealed ? arc_run(r, sealed) : NULL;
        ok(j != NULL && ma_arc_job_result(j) == MA_ARC_PASS && ma_arc_job_as_result(j, 1) == MA_DKIM_PASS,
           "OpenDMARC #183: an ARC set sealed with a 4096-bit key passes");
        ma_job_free(j);
        free(sealed);
    }
    for (i = 0; i < 5; i++)
        ma_dkim_signer_free(signers[i]);
    for (i = 0; i < 4; i++)
        ma_dkim_signer_free(s1024f[i]);
    if (pem1024 != NULL)
        ma__wipe(pem1024, strlen(pem1024));
    ma_free(c, pem1024);
    ma_free(c, rec1024);
    free(text);
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* ===================================================================== main */

/*
 * One TXT answer read by two evaluators: "include:_dmarc.example.com"
 * makes SPF read the DMARC record's answer.  Each evaluator keeps what it
 * learns of an answer in a memo attached to it; another kind's memo must
 * never be taken for one's own (it crashed SPF, and turned a DMARC pass
 * into none), whichever evaluator reads the answer first.
 */
static void memo_kinds(void)
{
    static const char zt[] =
        "example.com. 300 IN TXT \"v=spf1 include:_dmarc.example.com -all\"\n"
        "_dmarc.example.com. 300 IN TXT \"v=DMARC1; p=reject\"\n";
    int order;

    for (order = 0; order < 2; order++) {
        ma_static_zone *z = NULL;
        ma_resolver *rs = NULL;
        ma_job *spf = NULL, *dm = NULL;
        ma_spf_params p;
        int k, spf_res = -1, dm_res = -1;

        ma_static_zone_new(&z, c);
        ma_static_zone_load(z, zt, strlen(zt), NULL);
        ma_resolver_static_new(&rs, c, z);
        for (k = 0; k < 2; k++) {
            if ((k == 0) == (order == 0)) {
                ma_dmarc_job_new(&dm, c, NULL);
                ma_dmarc_job_set_author(dm, "example.com");
                ma_dmarc_job_add_dkim(dm, MA_DKIM_PASS, "example.com", 0);
                if (ma_job_run(dm, rs) == MA_JOB_DONE)
                    dm_res = (int)ma_dmarc_job_result(dm);
            } else {
                ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
                ma_ip_parse(&p.ip, "192.0.2.1", 9);
                p.sender = "user@example.com";
                ma_spf_job_new(&spf, c, &p);
                if (ma_job_run(spf, rs) == MA_JOB_DONE)
                    spf_res = (int)ma_spf_job_result(spf);
            }
        }
        OKF(spf_res == MA_SPF_PERMERROR,
            "memo kinds (%s first): SPF including a DMARC record's name: permerror (the included "
            "domain has no SPF record)", order == 0 ? "DMARC" : "SPF");
        OKF(dm_res == MA_DMARC_PASS, "memo kinds (%s first): DMARC still reads its record: pass",
            order == 0 ? "DMARC" : "SPF");
        ma_job_free(spf);
        ma_job_free(dm);
        ma_resolver_free(rs);
        ma_static_zone_free(z);
    }
}

/* A PTR answer naming the root: SPF's ptr never asks the root's address. */
static void ptr_root(void)
{
    static const char zt[] =
        "root-ptr.example. 300 IN TXT \"v=spf1 ptr -all\"\n"
        "1.2.0.192.in-addr.arpa. 300 IN PTR .\n";
    ma_static_zone *z = NULL;
    ma_resolver *rs = NULL;
    ma_job *j = NULL;
    ma_spf_params p;
    int rc, rounds = 0, empty = 0;

    ma_static_zone_new(&z, c);
    ma_static_zone_load(z, zt, strlen(zt), NULL);
    ma_resolver_static_new(&rs, c, z);
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    ma_ip_parse(&p.ip, "192.0.2.1", 9);
    p.sender = "user@root-ptr.example";
    ma_spf_job_new(&j, c, &p);
    for (rc = ma_job_step(j); rc == MA_JOB_NEED_DNS && rounds < 20; rc = ma_job_step(j), rounds++) {
        const ma_dns_question *const *qs;
        size_t n, i;
        uint32_t ids[16];
        char names[16][256];
        ma_dns_type types[16];
        ma_job_questions(j, &qs, &n);
        for (i = 0; i < n && i < 16; i++) {
            ids[i] = ma_dns_question_id(qs[i]);
            snprintf(names[i], sizeof names[i], "%s", ma_dns_question_name(qs[i]));
            types[i] = ma_dns_question_type(qs[i]);
            empty |= names[i][0] == '\0';
        }
        for (i = 0; i < n && i < 16; i++) {
            ma_dns_answer *a = NULL;
            if (ma_resolver_resolve(rs, names[i], types[i], &a) == MA_OK)
                ma_job_answer(j, ids[i], a);
            ma_dns_answer_free(a);
        }
    }
    ok(rc == MA_JOB_DONE && ma_spf_job_result(j) == MA_SPF_FAIL,
       "SPF ptr with a PTR to the root: no validated name, -all: fail");
    ok(!empty, "SPF ptr with a PTR to the root: no question about the root's address");
    ma_job_free(j);
    ma_resolver_free(rs);
    ma_static_zone_free(z);
}

int main(void)
{
    regress_setup();
    memo_kinds();
    ptr_root();
    dns_txt_sizes();
    dns_records();
    dns_fail_each();
    dns_wire();
    arc_structure();
    rsa_keys();
    regress_teardown();
    return tap_done();
}
