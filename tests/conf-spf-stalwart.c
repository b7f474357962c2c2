/*
 * The SPF tests of stalwartlabs/mail-auth (resources/spf/ *.yml files) run against
 * the SPF evaluator through the public API.
 *
 * The files are not valid YAML (keys repeat); they are read line by line
 * the way upstream's test (src/spf/verify.rs, spf_verify) reads them, as
 * shared/testsuites/README.md section 4 describes:
 * - a file is split on "---\n"; each line is trimmed and a leading "-" (and
 *   the blanks after it) dropped;
 * - "name: X" names the scenario;
 * - records: "spf: <name> <record>" and "exp: <name> <text>" (TXT),
 *   "a: <name> <ip>[, ip...]", "aaaa: ...", "ptr: <ip> <name>[, name...]",
 *   "mx: <name> <ip>[, ip...]" (MX hosts "mx.<ip>.<pos>", preference pos+1,
 *   each with an A or AAAA record of that address);
 * - tests: "domain:" (HELO name), "sender:" (MAIL FROM, may be empty),
 *   "ip:", and "expect: <result> [explanation]", which runs a check with the
 *   values seen so far in this part of the file.
 *
 * Upstream keeps its fake DNS in caches that live for the whole file, one
 * per record type (TXT, A, AAAA, MX, PTR), where a later line for the same
 * name replaces the earlier value: spf: and exp: share the TXT cache.  So
 * does this runner: it keeps the record sets of the file so far, the last
 * one per (type, name) winning, and builds a fresh static zone from them
 * whenever they changed before a check.
 *
 * Names upstream did not cache go to its mock resolver, which fails any name
 * containing "_parse_error." (a TXT record that does not parse),
 * "_invalid_record." (a TXT record that is not SPF) or "_dns_error." (a DNS
 * error), in that order of precedence, and answers NXDOMAIN for the rest.
 * The static zone has no wildcard failures, so every name containing one of
 * these markers that appears literally in the file (records, test values)
 * gets, for each type without records of its own: a timeout for
 * "_dns_error."; for the two others a TXT record ("v=spf1 ip4:", which is a
 * syntax error, or "not an SPF record") and a timeout for the other types
 * (upstream's A/AAAA/MX lookups fail with a non-NXDOMAIN error there, which
 * its evaluator treats as temperror).  Names built by macro expansion are
 * not covered; no file has such a name.
 *
 * Upstream checks with SpfParameters::verify(ip, helo, "localdomain.org",
 * sender): the HELO identity first (sender postmaster@helo), and only when
 * that passes, the MAIL FROM identity (the HELO name when the sender is
 * empty).  The result is the last check's.  This runner does the same with
 * two jobs: a null sender (the HELO identity), then the sender.
 *
 * Output: TAP, "ok N - <file>/<scenario>: test <n>" (n counts the checks
 * of one part of a file, as upstream's test_num does); a check passes when
 * the result matches and, when the expectation gives one, the explanation
 * equals it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-spf.h"
#include "tap.h"

#ifndef MA_TESTSUITES
#define MA_TESTSUITES ""
#endif

#define STALWART_DIR MA_TESTSUITES "/stalwart-mail-auth/spf"
#define STALWART_RECEIVER "localdomain.org"
#define STALWART_MAX_FILES 64

/* ------------------------------------------------------------ record sets */

/* A NUL-terminated copy of len bytes; NULL when out of memory. */
static char *dup_n(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

typedef struct rdata {
    char *text; /* TXT bytes; MX/PTR target */
    size_t len;
    uint16_t pref;
    ma_ip ip;
} rdata;

typedef struct rrset {
    ma_dns_type type;
    char *owner; /* lower case, no trailing dot */
    rdata *rd;
    size_t n;
    int skip_noted; /* a diagnostic said this set cannot be in the zone */
} rrset;

typedef struct store {
    rrset *sets;
    size_t n, cap;
    int dirty;
} store;

static void rrset_clear(rrset *s)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        free(s->rd[i].text);
    free(s->rd);
    s->rd = NULL;
    s->n = 0;
}

static void store_free(store *st)
{
    size_t i;
    for (i = 0; i < st->n; i++) {
        rrset_clear(&st->sets[i]);
        free(st->sets[i].owner);
    }
    free(st->sets);
    memset(st, 0, sizeof *st);
}

/* The key of a name, as upstream's to_fqdn(): lower case (and here without
   the trailing dot). */
static char *owner_key(const char *name, size_t len)
{
    char *k;
    size_t i;
    if (len > 0 && name[len - 1] == '.')
        len--;
    k = malloc(len + 1);
    if (k == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        k[i] = (char)tolower((unsigned char)name[i]);
    k[len] = '\0';
    return k;
}

static rrset *store_find(store *st, ma_dns_type type, const char *owner)
{
    size_t i;
    for (i = 0; i < st->n; i++)
        if (st->sets[i].type == type && strcmp(st->sets[i].owner, owner) == 0)
            return &st->sets[i];
    return NULL;
}

/* Replace (or create) the set of (type, owner) with rd[0..n-1], taking
   ownership of rd and its texts.  0, or -1 when out of memory. */
static int store_put(store *st, ma_dns_type type, const char *owner, rdata *rd, size_t n)
{
    rrset *s = store_find(st, type, owner);
    if (s == NULL) {
        if (st->n == st->cap) {
            size_t cap = st->cap ? st->cap * 2 : 32;
            rrset *ns = realloc(st->sets, cap * sizeof *ns);
            if (ns == NULL)
                goto oom;
            st->sets = ns;
            st->cap = cap;
        }
        s = &st->sets[st->n];
        memset(s, 0, sizeof *s);
        s->owner = dup_n(owner, strlen(owner));
        if (s->owner == NULL)
            goto oom;
        s->type = type;
        st->n++;
    }
    rrset_clear(s);
    s->rd = rd;
    s->n = n;
    st->dirty = 1;
    return 0;
oom:
    while (n > 0)
        free(rd[--n].text);
    free(rd);
    return -1;
}

/* Which types the store has records for at owner (a MA_DNS_TYPE_BIT set). */
static uint32_t store_types(const store *st, const char *owner)
{
    uint32_t types = 0;
    size_t i;
    for (i = 0; i < st->n; i++)
        if (st->sets[i].n > 0 && strcmp(st->sets[i].owner, owner) == 0)
            types |= MA_DNS_TYPE_BIT(st->sets[i].type);
    return types;
}

/* ------------------------------------------------------------ the markers */

static const char *const markers[] = { "_parse_error.", "_invalid_record.", "_dns_error." };

typedef struct marker_name {
    char *owner; /* as owner_key() */
    int marker;  /* index into markers, by upstream's precedence */
} marker_name;

typedef struct marker_set {
    marker_name *names;
    size_t n, cap;
} marker_set;

static int name_char(int c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/* Every name-like token of text containing a marker. 0 or -1 (memory). */
static int markers_collect(marker_set *ms, const char *text, size_t len)
{
    size_t m, i;

    for (m = 0; m < sizeof markers / sizeof markers[0]; m++) {
        size_t mlen = strlen(markers[m]);
        for (i = 0; i + mlen <= len; i++) {
            size_t l = i, r = i + mlen, k;
            char *owner;
            int dup = 0;
            if (memcmp(text + i, markers[m], mlen) != 0)
                continue;
            while (l > 0 && name_char((unsigned char)text[l - 1]))
                l--;
            while (r < len && name_char((unsigned char)text[r]))
                r++;
            while (r > l && text[r - 1] == '.')
                r--;
            owner = owner_key(text + l, r - l);
            if (owner == NULL)
                return -1;
            for (k = 0; k < ms->n; k++)
                if (strcmp(ms->names[k].owner, owner) == 0)
                    dup = 1;
            if (dup) {
                free(owner);
                continue;
            }
            if (ms->n == ms->cap) {
                size_t cap = ms->cap ? ms->cap * 2 : 8;
                marker_name *nn = realloc(ms->names, cap * sizeof *nn);
                if (nn == NULL) {
                    free(owner);
                    return -1;
                }
                ms->names = nn;
                ms->cap = cap;
            }
            ms->names[ms->n].owner = owner;
            ms->names[ms->n].marker = -1;
            ms->n++;
        }
    }
    /* The marker that decides, by upstream's precedence. */
    for (i = 0; i < ms->n; i++)
        for (m = sizeof markers / sizeof markers[0]; m-- > 0;)
            if (strstr(ms->names[i].owner, markers[m]) != NULL)
                ms->names[i].marker = (int)m;
    return 0;
}

static void markers_free(marker_set *ms)
{
    size_t i;
    for (i = 0; i < ms->n; i++)
        free(ms->names[i].owner);
    free(ms->names);
    memset(ms, 0, sizeof *ms);
}

/* ------------------------------------------------------------- the zone */

/* Build a static zone from the store and the markers; "" or an error in err. */
static ma_static_zone *zone_build(ma_ctx *ctx, const char *file, store *st,
                                  const marker_set *ms, char *err, size_t errsize)
{
    ma_static_zone *z = NULL;
    size_t i, j;
    int rc = ma_static_zone_new(&z, ctx);

    err[0] = '\0';
    if (rc != MA_OK) {
        snprintf(err, errsize, "ma_static_zone_new: %s", ma_status_str(rc));
        return NULL;
    }
    for (i = 0; i < st->n && rc == MA_OK; i++) {
        rrset *s = &st->sets[i];
        char *owner = conf_zone_name(s->owner, strlen(s->owner));
        if (owner == NULL) {
            rc = MA_ENOMEM;
            break;
        }
        for (j = 0; j < s->n && rc == MA_OK; j++) {
            const rdata *d = &s->rd[j];
            switch (s->type) {
            case MA_DNS_TXT: rc = ma_static_zone_add_txt(z, owner, d->text, d->len, 0); break;
            case MA_DNS_A:
            case MA_DNS_AAAA: rc = ma_static_zone_add_addr(z, owner, &d->ip, 0); break;
            case MA_DNS_MX: rc = ma_static_zone_add_mx(z, owner, d->pref, d->text, 0); break;
            case MA_DNS_PTR: rc = ma_static_zone_add_ptr(z, owner, d->text, 0); break;
            }
            if (rc == MA_ESYNTAX && !s->skip_noted) {
                /* A name DNS cannot hold (a label over 63 octets, a name
                   over 255 in wire form): upstream caches it, but no
                   resolver could answer for it, and the checks that name
                   it must end before any lookup (4.3: "none").  Left out. */
                printf("# %s: skipped %s records of %.60s...: not a valid DNS name\n", file,
                       ma_dns_type_name(s->type), s->owner);
                s->skip_noted = 1;
            }
            if (rc == MA_ESYNTAX)
                rc = MA_OK;
            if (rc != MA_OK)
                snprintf(err, errsize, "%s %s %.*s: %s", ma_dns_type_name(s->type), s->owner,
                         (int)(d->len > 80 ? 80 : d->len), d->text ? d->text : "",
                         ma_status_str(rc));
        }
        free(owner);
    }
    for (i = 0; i < ms->n && rc == MA_OK; i++) {
        const marker_name *m = &ms->names[i];
        uint32_t have = store_types(st, m->owner), fail;
        char *owner = conf_zone_name(m->owner, strlen(m->owner));
        if (owner == NULL) {
            rc = MA_ENOMEM;
            break;
        }
        fail = CONF_ALL_TYPES & ~have;
        if (m->marker != 2 && (fail & MA_DNS_TYPE_BIT(MA_DNS_TXT))) {
            const char *txt = m->marker == 0 ? "v=spf1 ip4:" : "not an SPF record";
            rc = ma_static_zone_add_txt(z, owner, txt, strlen(txt), 0);
            fail &= ~MA_DNS_TYPE_BIT(MA_DNS_TXT);
        }
        if (rc == MA_OK && fail != 0)
            rc = ma_static_zone_add_timeout(z, owner, fail);
        if (rc != MA_OK)
            snprintf(err, errsize, "marker name %s: %s", m->owner, ma_status_str(rc));
        free(owner);
    }
    if (rc != MA_OK) {
        if (err[0] == '\0')
            snprintf(err, errsize, "%s", ma_status_str(rc));
        ma_static_zone_free(z);
        return NULL;
    }
    return z;
}

/* ------------------------------------------------------------ one file */

typedef struct runner {
    ma_ctx *ctx;
    const char *file;   /* base name, for labels */
    store st;
    marker_set ms;
    ma_static_zone *zone;
    ma_resolver *resolver;
    char zone_err[512];
} runner;

/* Trim ASCII white space at both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static int strip_prefix(const char **s, size_t *len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (*len < n || memcmp(*s, prefix, n) != 0)
        return 0;
    *s += n;
    *len -= n;
    return 1;
}

/* Set *out to a copy of s (replacing the old value). -1 when out of memory. */
static int set_value(char **out, const char *s, size_t len)
{
    char *d = dup_n(s, len);
    if (d == NULL)
        return -1;
    free(*out);
    *out = d;
    return 0;
}

/* Parse an address; 0, or -1 when malformed. */
static int parse_ip(ma_ip *ip, const char *s, size_t len)
{
    trim(&s, &len);
    return ma_ip_parse(ip, s, len) == MA_OK ? 0 : -1;
}

/*
 * A record line ("name value" after the prefix) into the store.
 * Returns 0, or -1 with a reason in *why.
 */
static int record_line(runner *rn, const char *kind, const char *s, size_t len, const char **why)
{
    const char *sp, *val, *p, *end;
    size_t nlen, vlen, n = 0, cap = 0;
    rdata *rd = NULL;
    char *owner = NULL;
    int rc = -1;

    trim(&s, &len);
    sp = memchr(s, ' ', len);
    if (sp == NULL) {
        *why = "record without a value";
        return -1;
    }
    nlen = (size_t)(sp - s);
    val = sp + 1;
    vlen = len - nlen - 1;

    if (strcmp(kind, "spf") == 0 || strcmp(kind, "exp") == 0) {
        rd = calloc(1, sizeof *rd);
        owner = owner_key(s, nlen);
        if (rd == NULL || owner == NULL || (rd->text = dup_n(val, vlen)) == NULL)
            goto oom;
        rd->len = vlen;
        rc = store_put(&rn->st, MA_DNS_TXT, owner, rd, 1);
        rd = NULL;
        free(owner);
        if (rc != 0)
            *why = "out of memory";
        return rc;
    }

    if (strcmp(kind, "ptr") == 0) {
        ma_ip ip;
        char rev[MA_IP_REVERSE_MAX];
        if (parse_ip(&ip, s, nlen) != 0 || ma_ip_reverse_name(&ip, rev, sizeof rev) != MA_OK) {
            *why = "bad ptr address";
            return -1;
        }
        owner = owner_key(rev, strlen(rev));
        if (owner == NULL)
            goto oom;
    } else {
        owner = owner_key(s, nlen);
        if (owner == NULL)
            goto oom;
    }

    /* A comma-separated list of items, each trimmed. */
    for (p = val, end = val + vlen; p <= end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *item = p;
        size_t ilen = (size_t)((comma ? comma : end) - p);
        p = comma ? comma + 1 : end + 1;
        trim(&item, &ilen);
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            rdata *nr = realloc(rd, ncap * sizeof *nr);
            if (nr == NULL)
                goto oom;
            rd = nr;
            cap = ncap;
        }
        memset(&rd[n], 0, sizeof rd[n]);
        if (strcmp(kind, "ptr") == 0) {
            if (ilen == 0)
                continue; /* nothing to add for an empty name */
            rd[n].text = dup_n(item, ilen);
            if (rd[n].text == NULL)
                goto oom;
            rd[n].len = ilen;
            n++;
            continue;
        }
        if (parse_ip(&rd[n].ip, item, ilen) != 0) {
            *why = "bad address";
            goto fail;
        }
        if (strcmp(kind, "mx") == 0) {
            /* Upstream: exchange mx.<ip>.<pos>, preference pos + 1, and an
               A or AAAA record of the address for it. */
            char ipt[MA_IP_TEXT_MAX], host[MA_IP_TEXT_MAX + 32];
            rdata *addr;
            char *hkey;
            if (ma_ip_format(&rd[n].ip, ipt, sizeof ipt) != MA_OK) {
                *why = "bad mx address";
                goto fail;
            }
            snprintf(host, sizeof host, "mx.%s.%zu", ipt, n);
            addr = calloc(1, sizeof *addr);
            hkey = owner_key(host, strlen(host));
            if (addr == NULL || hkey == NULL) {
                free(addr);
                free(hkey);
                goto oom;
            }
            addr->ip = rd[n].ip;
            rc = store_put(&rn->st, addr->ip.family == MA_IP_V4 ? MA_DNS_A : MA_DNS_AAAA, hkey,
                           addr, 1);
            free(hkey);
            if (rc != 0)
                goto oom;
            rd[n].text = dup_n(host, strlen(host));
            if (rd[n].text == NULL)
                goto oom;
            rd[n].len = strlen(host);
            rd[n].pref = (uint16_t)(n + 1);
        } else if ((strcmp(kind, "a") == 0) != (rd[n].ip.family == MA_IP_V4)) {
            *why = "address of the wrong family";
            goto fail;
        }
        n++;
    }
    if (strcmp(kind, "ptr") == 0)
        rc = store_put(&rn->st, MA_DNS_PTR, owner, rd, n);
    else if (strcmp(kind, "mx") == 0)
        rc = store_put(&rn->st, MA_DNS_MX, owner, rd, n);
    else
        rc = store_put(&rn->st, strcmp(kind, "a") == 0 ? MA_DNS_A : MA_DNS_AAAA, owner, rd, n);
    free(owner);
    if (rc != 0)
        *why = "out of memory";
    return rc;
oom:
    *why = "out of memory";
fail:
    while (n > 0)
        free(rd[--n].text);
    if (rd != NULL && n < cap)
        free(rd[n].text);
    free(rd);
    free(owner);
    return -1;
}

/* Make sure the zone reflects the store.  0, or -1 (zone_err says why). */
static int refresh_zone(runner *rn)
{
    int rc;
    if (!rn->st.dirty && rn->resolver != NULL)
        return rn->zone_err[0] ? -1 : 0;
    ma_resolver_free(rn->resolver);
    ma_static_zone_free(rn->zone);
    rn->resolver = NULL;
    rn->zone = zone_build(rn->ctx, rn->file, &rn->st, &rn->ms, rn->zone_err, sizeof rn->zone_err);
    rn->st.dirty = 0;
    if (rn->zone == NULL)
        return -1;
    rc = ma_resolver_static_new(&rn->resolver, rn->ctx, rn->zone);
    if (rc != MA_OK) {
        snprintf(rn->zone_err, sizeof rn->zone_err, "ma_resolver_static_new: %s",
                 ma_status_str(rc));
        return -1;
    }
    return 0;
}

typedef struct part_state {
    char *name;
    char *helo;
    char *sender;
    char *ip;
    unsigned int test_num;
} part_state;

static void check_line(runner *rn, part_state *ps, const char *v, size_t vlen)
{
    char label[320];
    const char *sp, *rs = v, *es = NULL;
    size_t rlen = vlen, elen = 0;
    conf_expect e;
    conf_check c;
    conf_outcome o, helo_o;
    int r, passed, helo_passed = 0;

    snprintf(label, sizeof label, "%s/%s: test %u", rn->file, ps->name ? ps->name : "",
             ps->test_num);
    {
        char *h;
        for (h = label; *h; h++)
            if (*h == '#' || (unsigned char)*h < 0x20)
                *h = ' ';
    }
    ps->test_num++;

    /* "expect: <result> [explanation]" */
    trim(&rs, &rlen);
    sp = memchr(rs, ' ', rlen);
    if (sp != NULL) {
        es = sp + 1;
        elen = rlen - (size_t)(es - rs);
        rlen = (size_t)(sp - rs);
        trim(&es, &elen);
    }
    memset(&e, 0, sizeof e);
    r = conf_result_parse(rs, rlen);
    if (r < 0) {
        ok(0, label);
        conf_diag_bytes("unknown expected result: ", rs, rlen);
        return;
    }
    e.want[e.nwant++] = r;
    if (es != NULL && elen > 0) {
        e.exp = es;
        e.exp_len = elen;
    }
    if (refresh_zone(rn) != 0) {
        ok(0, label);
        conf_diag_bytes("zone: ", rn->zone_err, strlen(rn->zone_err));
        return;
    }

    memset(&c, 0, sizeof c);
    c.helo = ps->helo ? ps->helo : "";
    c.ip = ps->ip ? ps->ip : "127.0.0.1"; /* upstream's default client */
    c.receiver = STALWART_RECEIVER;
    /* First the HELO identity: a null sender checks postmaster@helo. */
    c.sender = NULL;
    conf_run(rn->ctx, rn->resolver, &c, &o);
    if (o.status == MA_OK && o.result == MA_SPF_PASS) {
        /* Then MAIL FROM (for an empty sender, the HELO name again). */
        helo_passed = 1;
        helo_o = o;
        c.sender = ps->sender ? ps->sender : "";
        conf_run(rn->ctx, rn->resolver, &c, &o);
        conf_outcome_clear(&helo_o);
    }
    passed = conf_matches(&o, &e);
    if (conf_disagreement(label) != NULL)
        ok_todo(passed, label, conf_disagreement(label));
    else
        ok(passed, label);
    if (!passed) {
        if (!helo_passed) {
            tap_diag("(the HELO check gave this result; MAIL FROM was not checked)");
            conf_diag_bytes("mail from:   ", ps->sender, ps->sender ? strlen(ps->sender) : 0);
        } else {
            tap_diag("(the HELO check passed; this is the MAIL FROM check)");
        }
        conf_diag(&c, &o, &e);
    }
    conf_outcome_clear(&o);
}

static void part_free(part_state *ps)
{
    free(ps->name);
    free(ps->helo);
    free(ps->sender);
    free(ps->ip);
    memset(ps, 0, sizeof *ps);
}

/* One part of a file (between "---\n" separators). */
static void run_part(runner *rn, const char *text, size_t len)
{
    static const char *const record_kinds[] = { "spf", "exp", "a", "aaaa", "ptr", "mx" };
    part_state ps;
    const char *p = text, *end = text + len;
    unsigned int lineno = 0;

    memset(&ps, 0, sizeof ps);
    ps.test_num = 1;
    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line = p;
        size_t llen = (size_t)((nl ? nl : end) - p), k;
        const char *why = NULL;
        int handled = 0, mem = 0;

        p = nl ? nl + 1 : end + 1;
        lineno++;
        trim(&line, &llen);
        if (llen > 0 && line[0] == '-') {
            line++;
            llen--;
            trim(&line, &llen);
        }
        if (strip_prefix(&line, &llen, "name:")) {
            trim(&line, &llen);
            mem = set_value(&ps.name, line, llen);
            handled = 1;
        }
        for (k = 0; !handled && k < sizeof record_kinds / sizeof record_kinds[0]; k++) {
            char prefix[8];
            snprintf(prefix, sizeof prefix, "%s:", record_kinds[k]);
            if (strip_prefix(&line, &llen, prefix)) {
                handled = 1;
                if (record_line(rn, record_kinds[k], line, llen, &why) != 0) {
                    char label[320];
                    snprintf(label, sizeof label, "%s/%s: record line %u", rn->file,
                             ps.name ? ps.name : "", lineno);
                    ok(0, label);
                    tap_diag(why);
                }
            }
        }
        if (handled) {
            /* done */
        } else if (strip_prefix(&line, &llen, "domain:")) {
            trim(&line, &llen);
            mem = set_value(&ps.helo, line, llen);
        } else if (strip_prefix(&line, &llen, "sender:")) {
            trim(&line, &llen);
            mem = set_value(&ps.sender, line, llen);
        } else if (strip_prefix(&line, &llen, "ip:")) {
            trim(&line, &llen);
            mem = set_value(&ps.ip, line, llen);
        } else if (strip_prefix(&line, &llen, "expect:")) {
            check_line(rn, &ps, line, llen);
        }
        if (mem != 0) {
            ok(0, "out of memory");
            break;
        }
    }
    part_free(&ps);
}

static void run_file(ma_ctx *ctx, const char *dir, const char *base)
{
    char path[4096];
    runner rn;
    char *text;
    size_t len;
    const char *p, *end;

    snprintf(path, sizeof path, "%s/%s", dir, base);
    text = conf_read_file(path, &len);
    if (text == NULL) {
        char label[320];
        snprintf(label, sizeof label, "%s: readable", base);
        ok(0, label);
        tap_diag(strerror(errno));
        return;
    }
    memset(&rn, 0, sizeof rn);
    rn.ctx = ctx;
    rn.file = base;
    if (markers_collect(&rn.ms, text, len) != 0) {
        ok(0, "out of memory");
        markers_free(&rn.ms);
        free(text);
        return;
    }
    /* Upstream: test_suite.split("---\n"). */
    for (p = text, end = text + len; p <= end;) {
        const char *sep = NULL, *q;
        for (q = p; q + 4 <= end; q++)
            if (memcmp(q, "---\n", 4) == 0) {
                sep = q;
                break;
            }
        run_part(&rn, p, (size_t)((sep ? sep : end) - p));
        p = sep ? sep + 4 : end + 1;
    }
    ma_resolver_free(rn.resolver);
    ma_static_zone_free(rn.zone);
    store_free(&rn.st);
    markers_free(&rn.ms);
    free(text);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : STALWART_DIR;
    char *names[STALWART_MAX_FILES];
    size_t n = 0, i;
    struct dirent *de;
    ma_ctx *ctx = NULL;
    DIR *d;
    int rc;

    d = opendir(dir);
    if (d == NULL) {
        printf("Bail out! cannot open %s: %s\n", dir, strerror(errno));
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".yml") != 0 || de->d_name[0] == '.')
            continue;
        if (n == STALWART_MAX_FILES) {
            printf("Bail out! more than %d files in %s\n", STALWART_MAX_FILES, dir);
            closedir(d);
            while (n > 0)
                free(names[--n]);
            return 1;
        }
        names[n] = dup_n(de->d_name, l);
        if (names[n] == NULL) {
            printf("Bail out! out of memory\n");
            closedir(d);
            while (n > 0)
                free(names[--n]);
            return 1;
        }
        n++;
    }
    closedir(d);
    if (n == 0) {
        printf("Bail out! no .yml files in %s\n", dir);
        return 1;
    }
    qsort(names, n, sizeof names[0], cmp_names);
    rc = conf_ctx_new(&ctx);
    if (rc != MA_OK) {
        printf("Bail out! ma_ctx_new: %s\n", ma_status_str(rc));
        for (i = 0; i < n; i++)
            free(names[i]);
        return 1;
    }
    for (i = 0; i < n; i++) {
        run_file(ctx, dir, names[i]);
        free(names[i]);
    }
    ma_ctx_free(ctx);
    return tap_done();
}
