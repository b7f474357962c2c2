/*
 * The OpenSPF test suite (RFC 7208 edition, as shipped with pyspf) run
 * against the SPF evaluator through the public API.
 *
 * Input: MA_TESTSUITES "/spf-openspf/rfc7208-tests.yml" (or the file named
 * by argv[1]), a stream of YAML documents, one scenario each: description,
 * tests (id -> helo, host, mailfrom, result, optional explanation) and
 * zonedata (name -> list of records).
 *
 * DNS data follows the reference driver (pyspf test/testspf.py), as
 * summarised in shared/testsuites/README.md section 1:
 * - A, AAAA, MX [pref, host], PTR, CNAME and TXT entries become records of
 *   a fresh static zone per scenario; names are case-insensitive and
 *   targets may end in a dot.
 * - A TXT/SPF value is one string or a list of character-strings joined
 *   without separator; "SPF: [ ]" is a TXT record with no strings.
 * - Type SPF (99) is not queried by RFC 7208 evaluators: SPF entries are
 *   copied to TXT records unless the name has an explicit TXT entry; a
 *   "TXT: NONE" or "SPF: NONE" entry means no record of that type and also
 *   stops the copying.
 * - A bare TIMEOUT item: the list is walked in order, and every query type
 *   that matched no entry before the TIMEOUT times out (all types when it
 *   comes first).  Entries after it are never answered, and neither are
 *   the TXT copies of SPF entries, which the reference driver appends at
 *   the end of the list (after the TIMEOUT).  "X: TIMEOUT" makes type X
 *   time out.
 * - Names missing from zonedata are NXDOMAIN; the static resolver answers
 *   NODATA for the empty non-terminals above listed names, as real DNS does.
 * The reference driver sets the default explanation to "DEFAULT"; %{r} is
 * "receiver.example" (no test of this file depends on it: the one record
 * using %{r} outside exp text must be a permerror).
 *
 * Output: TAP, "ok N - <scenario>: <test id>", diagnostics on failure.  A
 * test passes when the result is one of those listed and, if an
 * explanation is given, ma_spf_job_explanation() equals it exactly.  No
 * test is skipped or special-cased.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf-spf.h"
#include "tap.h"

#ifndef MA_TESTSUITES
#define MA_TESTSUITES ""
#endif

#define OPENSPF_FILE MA_TESTSUITES "/spf-openspf/rfc7208-tests.yml"
#define OPENSPF_RECEIVER "receiver.example"
#define OPENSPF_DEFAULT_EXP "DEFAULT"

/* ------------------------------------------------------------ YAML access */

static yaml_node_t *node_at(yaml_document_t *d, int i)
{
    return yaml_document_get_node(d, i);
}

static int scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n != NULL && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
    yaml_node_pair_t *p;
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
        if (scalar_is(node_at(d, p->key), key))
            return node_at(d, p->value);
    return NULL;
}

/* A scalar's bytes as a NUL-terminated malloc'd copy (NULL if not a scalar). */
static char *scalar_dup(const yaml_node_t *n)
{
    char *s;
    if (n == NULL || n->type != YAML_SCALAR_NODE)
        return NULL;
    s = malloc(n->data.scalar.length + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, n->data.scalar.value, n->data.scalar.length);
    s[n->data.scalar.length] = '\0';
    return s;
}

/* A copy of a scalar fit for a TAP line: no newline, no '#'. */
static void scalar_label(char *buf, size_t size, const yaml_node_t *n, const char *dflt)
{
    size_t i, len;
    const unsigned char *v;

    if (n == NULL || n->type != YAML_SCALAR_NODE) {
        snprintf(buf, size, "%s", dflt);
        return;
    }
    v = n->data.scalar.value;
    len = n->data.scalar.length;
    if (len > size - 1)
        len = size - 1;
    for (i = 0; i < len; i++)
        buf[i] = (v[i] < 0x20 || v[i] == '#' || v[i] >= 0x7f) ? ' ' : (char)v[i];
    buf[len] = '\0';
}

/* ------------------------------------------------------------- zonedata */

enum entry_kind { E_TXT, E_SPF, E_A, E_AAAA, E_MX, E_PTR, E_CNAME, E_TIMEOUT, E_BAD };

typedef struct entry {
    enum entry_kind kind;
    yaml_node_t *value; /* NULL for E_TIMEOUT */
} entry;

static entry entry_of(yaml_document_t *d, yaml_node_t *item)
{
    static const struct {
        const char *key;
        enum entry_kind kind;
    } keys[] = {
        { "TXT", E_TXT }, { "SPF", E_SPF }, { "A", E_A }, { "AAAA", E_AAAA },
        { "MX", E_MX }, { "PTR", E_PTR }, { "CNAME", E_CNAME },
    };
    entry e = { E_BAD, NULL };
    yaml_node_t *key;
    size_t i;

    if (scalar_is(item, "TIMEOUT")) {
        e.kind = E_TIMEOUT;
        return e;
    }
    if (item == NULL || item->type != YAML_MAPPING_NODE ||
        item->data.mapping.pairs.top - item->data.mapping.pairs.start != 1)
        return e;
    key = node_at(d, item->data.mapping.pairs.start->key);
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (scalar_is(key, keys[i].key)) {
            e.kind = keys[i].kind;
            e.value = node_at(d, item->data.mapping.pairs.start->value);
            return e;
        }
    }
    return e;
}

static uint32_t kind_bit(enum entry_kind k)
{
    switch (k) {
    case E_TXT: return MA_DNS_TYPE_BIT(MA_DNS_TXT);
    case E_A: return MA_DNS_TYPE_BIT(MA_DNS_A);
    case E_AAAA: return MA_DNS_TYPE_BIT(MA_DNS_AAAA);
    case E_MX: return MA_DNS_TYPE_BIT(MA_DNS_MX);
    case E_PTR: return MA_DNS_TYPE_BIT(MA_DNS_PTR);
    default: return 0;
    }
}

typedef struct zone_builder {
    yaml_document_t *doc;
    ma_static_zone *zone;
    char err[512]; /* first problem; "" when none */
} zone_builder;

static void zb_fail(zone_builder *zb, const char *owner, const char *what, int rc)
{
    if (zb->err[0] == '\0')
        snprintf(zb->err, sizeof zb->err, "zonedata %s: %s%s%s", owner, what,
                 rc != MA_OK ? ": " : "", rc != MA_OK ? ma_status_str(rc) : "");
}

/* A TXT value (one string, or a list of character-strings) as a TXT record. */
static void zb_add_txt(zone_builder *zb, const char *owner, yaml_node_t *v)
{
    yaml_node_item_t *it;
    size_t total = 0;
    char *buf;
    int rc;

    if (v != NULL && v->type == YAML_SCALAR_NODE) {
        rc = ma_static_zone_add_txt(zb->zone, owner, (const char *)v->data.scalar.value,
                                    v->data.scalar.length, 0);
        if (rc != MA_OK)
            zb_fail(zb, owner, "TXT", rc);
        return;
    }
    if (v == NULL || v->type != YAML_SEQUENCE_NODE) {
        zb_fail(zb, owner, "TXT/SPF value is neither a string nor a list", MA_OK);
        return;
    }
    for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *s = node_at(zb->doc, *it);
        if (s == NULL || s->type != YAML_SCALAR_NODE) {
            zb_fail(zb, owner, "TXT/SPF list item is not a string", MA_OK);
            return;
        }
        total += s->data.scalar.length;
    }
    buf = malloc(total + 1);
    if (buf == NULL) {
        zb_fail(zb, owner, "TXT", MA_ENOMEM);
        return;
    }
    total = 0;
    for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *s = node_at(zb->doc, *it);
        memcpy(buf + total, s->data.scalar.value, s->data.scalar.length);
        total += s->data.scalar.length;
    }
    rc = ma_static_zone_add_txt(zb->zone, owner, buf, total, 0);
    free(buf);
    if (rc != MA_OK)
        zb_fail(zb, owner, "TXT", rc);
}

static void zb_add_addr(zone_builder *zb, const char *owner, yaml_node_t *v, int family)
{
    ma_ip ip;
    int rc;

    if (v == NULL || v->type != YAML_SCALAR_NODE ||
        ma_ip_parse(&ip, (const char *)v->data.scalar.value, v->data.scalar.length) != MA_OK ||
        ip.family != family) {
        zb_fail(zb, owner, family == MA_IP_V4 ? "bad A value" : "bad AAAA value", MA_OK);
        return;
    }
    rc = ma_static_zone_add_addr(zb->zone, owner, &ip, 0);
    if (rc != MA_OK)
        zb_fail(zb, owner, family == MA_IP_V4 ? "A" : "AAAA", rc);
}

/* A target host name (MX, PTR, CNAME) in presentation form; NULL on error. */
static char *zb_target(zone_builder *zb, const char *owner, yaml_node_t *v)
{
    char *t;
    if (v == NULL || v->type != YAML_SCALAR_NODE) {
        zb_fail(zb, owner, "target is not a string", MA_OK);
        return NULL;
    }
    t = conf_zone_name((const char *)v->data.scalar.value, v->data.scalar.length);
    if (t == NULL)
        zb_fail(zb, owner, "target", MA_ENOMEM);
    return t;
}

static void zb_add_mx(zone_builder *zb, const char *owner, yaml_node_t *v)
{
    yaml_node_t *pref, *host;
    unsigned long p;
    char *end, *ps, *t;
    int rc;

    if (v == NULL || v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top - v->data.sequence.items.start != 2) {
        zb_fail(zb, owner, "MX value is not [pref, host]", MA_OK);
        return;
    }
    pref = node_at(zb->doc, v->data.sequence.items.start[0]);
    host = node_at(zb->doc, v->data.sequence.items.start[1]);
    ps = scalar_dup(pref);
    if (ps == NULL) {
        zb_fail(zb, owner, "MX preference", MA_OK);
        return;
    }
    errno = 0;
    p = strtoul(ps, &end, 10);
    if (*ps == '\0' || *end != '\0' || errno != 0 || p > 65535) {
        free(ps);
        zb_fail(zb, owner, "bad MX preference", MA_OK);
        return;
    }
    free(ps);
    t = zb_target(zb, owner, host);
    if (t == NULL)
        return;
    rc = ma_static_zone_add_mx(zb->zone, owner, (uint16_t)p, t, 0);
    free(t);
    if (rc != MA_OK)
        zb_fail(zb, owner, "MX", rc);
}

static void zb_add_host(zone_builder *zb, const char *owner, yaml_node_t *v, enum entry_kind k)
{
    char *t = zb_target(zb, owner, v);
    int rc;
    if (t == NULL)
        return;
    rc = k == E_PTR ? ma_static_zone_add_ptr(zb->zone, owner, t, 0)
                    : ma_static_zone_add_cname(zb->zone, owner, t, 0);
    free(t);
    if (rc != MA_OK)
        zb_fail(zb, owner, k == E_PTR ? "PTR" : "CNAME", rc);
}

/* One name of zonedata with its list of entries. */
static void zb_add_name(zone_builder *zb, yaml_node_t *name, yaml_node_t *list)
{
    yaml_node_item_t *it;
    int has_txt = 0, stop_copy = 0, has_timeout = 0;
    uint32_t seen = 0, timeouts = 0;
    char *owner;
    int rc;

    if (name == NULL || name->type != YAML_SCALAR_NODE) {
        zb_fail(zb, "?", "name is not a string", MA_OK);
        return;
    }
    owner = conf_zone_name((const char *)name->data.scalar.value, name->data.scalar.length);
    if (owner == NULL) {
        zb_fail(zb, "?", "name", MA_ENOMEM);
        return;
    }
    if (list == NULL || list->type != YAML_SEQUENCE_NODE) {
        zb_fail(zb, owner, "entries are not a list", MA_OK);
        free(owner);
        return;
    }
    /* First pass: what decides the copying of SPF entries to TXT. */
    for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        entry e = entry_of(zb->doc, node_at(zb->doc, *it));
        if (e.kind == E_TXT)
            has_txt = 1;
        else if (e.kind == E_SPF && scalar_is(e.value, "NONE"))
            stop_copy = 1;
        else if (e.kind == E_TIMEOUT)
            has_timeout = 1;
    }
    for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        entry e = entry_of(zb->doc, node_at(zb->doc, *it));
        if (e.kind == E_TIMEOUT) {
            timeouts |= CONF_ALL_TYPES & ~seen;
            break;
        }
        if (e.kind == E_BAD) {
            zb_fail(zb, owner, "unknown entry", MA_OK);
            continue;
        }
        if (scalar_is(e.value, "NONE"))
            continue;
        if (e.kind == E_SPF) {
            /* Copied to TXT at the end of the list: never reached past a
               TIMEOUT. */
            if (has_txt || stop_copy || has_timeout)
                continue;
            e.kind = E_TXT;
        }
        if (scalar_is(e.value, "TIMEOUT")) {
            timeouts |= kind_bit(e.kind);
            continue;
        }
        seen |= kind_bit(e.kind);
        switch (e.kind) {
        case E_TXT: zb_add_txt(zb, owner, e.value); break;
        case E_A: zb_add_addr(zb, owner, e.value, MA_IP_V4); break;
        case E_AAAA: zb_add_addr(zb, owner, e.value, MA_IP_V6); break;
        case E_MX: zb_add_mx(zb, owner, e.value); break;
        case E_PTR:
        case E_CNAME: zb_add_host(zb, owner, e.value, e.kind); break;
        default: break;
        }
    }
    if (timeouts != 0) {
        rc = ma_static_zone_add_timeout(zb->zone, owner, timeouts);
        if (rc != MA_OK)
            zb_fail(zb, owner, "TIMEOUT", rc);
    }
    free(owner);
}

/* --------------------------------------------------------------- tests */

/* The expectation of a test; 0 and a reason when malformed. */
static int test_expect(yaml_document_t *d, yaml_node_t *t, conf_expect *e, const char **why)
{
    yaml_node_t *res = map_get(d, t, "result"), *exp = map_get(d, t, "explanation");
    yaml_node_item_t *it;
    int r;

    memset(e, 0, sizeof *e);
    if (res != NULL && res->type == YAML_SCALAR_NODE) {
        r = conf_result_parse((const char *)res->data.scalar.value, res->data.scalar.length);
        if (r < 0) {
            *why = "unknown result";
            return 0;
        }
        e->want[e->nwant++] = r;
    } else if (res != NULL && res->type == YAML_SEQUENCE_NODE) {
        for (it = res->data.sequence.items.start; it < res->data.sequence.items.top; it++) {
            yaml_node_t *s = node_at(d, *it);
            if (s == NULL || s->type != YAML_SCALAR_NODE || e->nwant == CONF_MAX_WANT) {
                *why = "bad result list";
                return 0;
            }
            r = conf_result_parse((const char *)s->data.scalar.value, s->data.scalar.length);
            if (r < 0) {
                *why = "unknown result";
                return 0;
            }
            e->want[e->nwant++] = r;
        }
    }
    if (e->nwant == 0) {
        *why = "no result";
        return 0;
    }
    if (exp != NULL) {
        if (exp->type != YAML_SCALAR_NODE) {
            *why = "explanation is not a string";
            return 0;
        }
        e->exp = (const char *)exp->data.scalar.value;
        e->exp_len = exp->data.scalar.length;
    }
    return 1;
}

static void run_test(ma_ctx *ctx, ma_resolver *r, yaml_document_t *d, const char *scenario,
                     yaml_node_t *id, yaml_node_t *t, const char *zone_err)
{
    char label[256], idbuf[96];
    conf_check c;
    conf_outcome o;
    conf_expect e;
    const char *why = NULL;
    char *helo = NULL, *host = NULL, *mailfrom = NULL;
    int passed;

    scalar_label(idbuf, sizeof idbuf, id, "?");
    snprintf(label, sizeof label, "%s: %s", scenario, idbuf);
    if (zone_err[0] != '\0') {
        ok(0, label);
        tap_diag(zone_err);
        return;
    }
    if (t == NULL || t->type != YAML_MAPPING_NODE) {
        why = "test is not a mapping";
    } else if (test_expect(d, t, &e, &why)) {
        helo = scalar_dup(map_get(d, t, "helo"));
        host = scalar_dup(map_get(d, t, "host"));
        mailfrom = scalar_dup(map_get(d, t, "mailfrom"));
        if (helo == NULL || host == NULL || mailfrom == NULL)
            why = "helo, host or mailfrom missing";
    }
    if (why != NULL) {
        ok(0, label);
        tap_diag(why);
        free(helo);
        free(host);
        free(mailfrom);
        return;
    }
    memset(&c, 0, sizeof c);
    c.helo = helo;
    c.ip = host;
    c.sender = mailfrom; /* "" is the null reverse-path: the HELO identity */
    c.receiver = OPENSPF_RECEIVER;
    c.default_explanation = OPENSPF_DEFAULT_EXP;
    conf_run(ctx, r, &c, &o);
    passed = conf_matches(&o, &e);
    if (conf_disagreement(label) != NULL)
        ok_todo(passed, label, conf_disagreement(label));
    else
        ok(passed, label);
    if (!passed) {
        yaml_node_t *spec = map_get(d, t, "spec");
        if (spec != NULL && spec->type == YAML_SCALAR_NODE)
            conf_diag_bytes("spec:        ", (const char *)spec->data.scalar.value,
                            spec->data.scalar.length);
        conf_diag(&c, &o, &e);
    }
    conf_outcome_clear(&o);
    free(helo);
    free(host);
    free(mailfrom);
}

static int run_scenario(ma_ctx *ctx, yaml_document_t *d, yaml_node_t *root, int index)
{
    char scenario[128], dflt[32];
    yaml_node_t *tests, *zonedata;
    yaml_node_pair_t *p;
    zone_builder zb;
    ma_resolver *r = NULL;
    int rc;

    snprintf(dflt, sizeof dflt, "scenario %d", index);
    scalar_label(scenario, sizeof scenario, map_get(d, root, "description"), dflt);
    tests = map_get(d, root, "tests");
    zonedata = map_get(d, root, "zonedata");
    if (tests == NULL || tests->type != YAML_MAPPING_NODE) {
        printf("Bail out! %s: no tests mapping\n", scenario);
        return -1;
    }
    memset(&zb, 0, sizeof zb);
    zb.doc = d;
    rc = ma_static_zone_new(&zb.zone, ctx);
    if (rc != MA_OK) {
        printf("Bail out! ma_static_zone_new: %s\n", ma_status_str(rc));
        return -1;
    }
    if (zonedata != NULL && zonedata->type == YAML_MAPPING_NODE) {
        for (p = zonedata->data.mapping.pairs.start; p < zonedata->data.mapping.pairs.top; p++)
            zb_add_name(&zb, node_at(d, p->key), node_at(d, p->value));
    } else if (zonedata != NULL) {
        zb_fail(&zb, "", "zonedata is not a mapping", MA_OK);
    }
    rc = ma_resolver_static_new(&r, ctx, zb.zone);
    if (rc != MA_OK) {
        printf("Bail out! ma_resolver_static_new: %s\n", ma_status_str(rc));
        ma_static_zone_free(zb.zone);
        return -1;
    }
    for (p = tests->data.mapping.pairs.start; p < tests->data.mapping.pairs.top; p++)
        run_test(ctx, r, d, scenario, node_at(d, p->key), node_at(d, p->value), zb.err);
    ma_resolver_free(r);
    ma_static_zone_free(zb.zone);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : OPENSPF_FILE;
    yaml_parser_t parser;
    yaml_document_t doc;
    ma_ctx *ctx = NULL;
    char *text;
    size_t len;
    int rc, index = 0, status = 0;

    text = conf_read_file(path, &len);
    if (text == NULL) {
        printf("Bail out! cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    rc = conf_ctx_new(&ctx);
    if (rc != MA_OK) {
        printf("Bail out! ma_ctx_new: %s\n", ma_status_str(rc));
        free(text);
        return 1;
    }
    if (!yaml_parser_initialize(&parser)) {
        printf("Bail out! yaml_parser_initialize failed\n");
        ma_ctx_free(ctx);
        free(text);
        return 1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_node_t *root;
        if (!yaml_parser_load(&parser, &doc)) {
            printf("Bail out! %s: YAML error at line %lu: %s\n", path,
                   (unsigned long)parser.problem_mark.line + 1,
                   parser.problem ? parser.problem : "?");
            status = -1;
            break;
        }
        root = yaml_document_get_root_node(&doc);
        if (root == NULL) { /* end of the stream */
            yaml_document_delete(&doc);
            break;
        }
        index++;
        if (root->type != YAML_MAPPING_NODE) {
            printf("Bail out! %s: document %d is not a mapping\n", path, index);
            status = -1;
        } else {
            status = run_scenario(ctx, &doc, root, index);
        }
        yaml_document_delete(&doc);
        if (status != 0)
            break;
    }
    yaml_parser_delete(&parser);
    ma_ctx_free(ctx);
    free(text);
    if (status != 0)
        return 1;
    if (index == 0) {
        printf("Bail out! %s: no scenarios\n", path);
        return 1;
    }
    return tap_done();
}
