/*
 * The ARC conformance runner: third-party ARC validation suites run
 * against the ARC verifier through the public API only (ma_msg +
 * ma_arc_job + a static resolver).  Formats: shared/testsuites/README.md
 * sections 2 and 4.
 *
 * Input: MA_TESTSUITES (or the directory named by argv[1]):
 *   arc-valimail/arc-draft-validation-tests.yml: YAML documents (scenarios),
 *       each with `tests: {id: {spec, description, message, cv}}` and
 *       `txt-records: {key name: TXT value}`;
 *   stalwart-mail-auth/arc/NNN.txt: "name value" TXT lines, a blank line,
 *       the message.
 *
 * Messages are LF-only and are fed to the reader as they are: the reader
 * turns every bare LF into CRLF before canonicalisation (message.h), which
 * is the conversion the suites ask for; trailing whitespace is kept.  Each
 * message is read twice, whole and in 7-byte chunks, and the two readings
 * must agree (one TAP line per message).
 *
 * TXT values are handed to the static zone as they are.  The validation
 * file's values are YAML-folded, so the base64 p= data contains spaces
 * (even "p= MFww..."): RFC 6376 3.6.1 allows FWS inside p= (base64string),
 * so removing it is the key parser's job, not ours.
 *
 * Expectations (cv): "Pass" / "Fail" / "None", compared case-insensitively
 * with ma_arc_result_name().  The three empty cv values
 * (cv_fail_i1_as_cv_fail, cv_fail_i2_as2_fail, cv_fail_i2_as1_fail) count
 * as Fail, as Mail::DKIM reads them (README section 2).  Four ids appear
 * twice in the "Arc Seal Fields" scenario (as_fields_b_head_case,
 * _head_unfold, _eol_wsp, _inl_wsp); a YAML loader that keeps only the last
 * value runs only the second ones, libyaml hands us both, and both run here
 * (the first is labelled "#1", the second "#2").
 *
 * Clock: fixed at 2025-01-01T00:00:00Z (CONF_CLOCK), later than every t=
 * in both suites, so runs are repeatable.
 *
 * The stalwart files: the chain must pass and at least one DKIM signature
 * must pass (README section 4; arc/001.txt's third signature does not
 * verify).  A DKIM job reads the same message.
 *
 * arc-draft-sign-tests.yml is not run: sealing does not exist yet (one
 * diagnostic line says so).
 *
 * Output: TAP, one line per case, "<suite>/<id>: want <cv>", followed on
 * failure by our verdict: result, N, oldest pass, fail instance, the
 * problem text and the per-instance AMS / AS verdicts.  Cases where we
 * believe the suite contradicts an RFC are listed in conf_disagreements[]
 * with the RFC section: they run and are reported with ok_todo() (XFAIL;
 * XPASS, an error, if they start to agree), never skipped.  Totals per
 * suite are printed as diagnostics at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include <mailauth/mailauth.h>

#include "conf-util.h"
#include "tap.h"

#ifndef MA_TESTSUITES
#define MA_TESTSUITES ""
#endif

#define CONF_CLOCK 1735689600000LL /* 2025-01-01T00:00:00Z, ms */
#define CONF_CHUNK 7               /* bytes per write in the chunked reading */
#define CONF_MAX_I 50              /* instances recorded per message (RFC 8617 4.2.1: i <= 50) */

/* ----------------------------------------------------------- utilities */

/* a/b[/c]; an over-long path becomes "" (and then fails to open). */
static void path_join(char *buf, size_t size, const char *a, const char *b, const char *c)
{
    int n = snprintf(buf, size, "%s/%s%s%s", a, b, c != NULL ? "/" : "", c != NULL ? c : "");
    if (n < 0 || (size_t)n >= size)
        buf[0] = '\0';
}

/* A diagnostic line with the bytes escaped. */
static const char *name_or(const char *n)
{
    return n != NULL ? n : "?";
}

static int64_t fixed_clock(void *payload)
{
    return *(const int64_t *)payload;
}

/* ------------------------------------------------------------ the zone */

typedef struct zone {
    ma_static_zone *z;
    char err[512]; /* first problem; "" when none */
} zone;

static void zone_fail(zone *zn, const char *name, const char *what, int rc)
{
    if (zn->err[0] != '\0')
        return;
    snprintf(zn->err, sizeof zn->err, "zone: %s: %s%s%s", name, what, rc != MA_OK ? ": " : "",
             rc != MA_OK ? ma_status_str(rc) : "");
}

static void zone_add_txt(zone *zn, const char *name, size_t name_len, const char *text, size_t len)
{
    char *n;
    int rc;
    if (name_len > 1 && name[name_len - 1] == '.')
        name_len--;
    n = conf_dup_mem(name, name_len);
    if (n == NULL) {
        zone_fail(zn, "?", "name", MA_ENOMEM);
        return;
    }
    rc = ma_static_zone_add_txt(zn->z, n, text, len, 300);
    if (rc != MA_OK)
        zone_fail(zn, n, "TXT", rc);
    free(n);
}

/* ------------------------------------------------------ running a message */

typedef struct run_out {
    int status;       /* MA_OK, or what went wrong */
    char error[320];  /* when status != MA_OK */
    int result;       /* ma_arc_result */
    unsigned int count, oldest, fail_i;
    char problem[320];
    int ams[CONF_MAX_I + 1], as[CONF_MAX_I + 1]; /* ma_dkim_result by instance */
    char sealer[CONF_MAX_I + 1][64];
    /* with_dkim: the DKIM verdicts of the same reading */
    size_t ndkim, dkim_pass;
    char dkim_problems[320];
} run_out;

static int run_fail(run_out *o, int rc, const char *what, const char *detail)
{
    o->status = rc < 0 ? rc : MA_ESTATE;
    snprintf(o->error, sizeof o->error, "%s: %s%s%s", what,
             rc < 0 ? ma_status_str(rc) : "unexpected step result",
             detail != NULL && *detail ? " - " : "", detail != NULL ? detail : "");
    return o->status;
}

/* Validate one message; chunk 0 feeds it in one write. */
static int run_message(ma_ctx *ctx, ma_resolver *r, int with_dkim, const char *data, size_t len,
                       size_t chunk, run_out *o)
{
    ma_msg *msg = NULL;
    ma_job *job = NULL, *dk = NULL;
    size_t off, i;
    unsigned int k;
    int rc;

    memset(o, 0, sizeof *o);
    rc = ma_msg_new(&msg, ctx);
    if (rc != MA_OK)
        return run_fail(o, rc, "ma_msg_new", NULL);
    rc = ma_arc_job_new(&job, ctx, NULL);
    if (rc != MA_OK) {
        ma_msg_free(msg);
        return run_fail(o, rc, "ma_arc_job_new", NULL);
    }
    rc = ma_arc_job_attach(job, msg);
    if (rc != MA_OK) {
        run_fail(o, rc, "ma_arc_job_attach", ma_job_error(job));
        goto out;
    }
    if (with_dkim) {
        rc = ma_dkim_job_new(&dk, ctx, NULL);
        if (rc == MA_OK)
            rc = ma_dkim_job_attach(dk, msg);
        if (rc != MA_OK) {
            run_fail(o, rc, "ma_dkim_job_new/attach", dk != NULL ? ma_job_error(dk) : NULL);
            goto out;
        }
    }
    if (chunk == 0)
        chunk = len > 0 ? len : 1;
    for (off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        rc = ma_msg_write(msg, data + off, n);
        if (rc != MA_OK) {
            run_fail(o, rc, "ma_msg_write", ma_msg_error(msg));
            goto out;
        }
    }
    rc = ma_msg_finish(msg);
    if (rc != MA_OK) {
        run_fail(o, rc, "ma_msg_finish", ma_msg_error(msg));
        goto out;
    }
    rc = ma_job_run(job, r);
    if (rc != MA_JOB_DONE) {
        run_fail(o, rc, "ma_job_run (ARC)", ma_job_error(job));
        goto out;
    }
    o->result = (int)ma_arc_job_result(job);
    o->count = ma_arc_job_count(job);
    o->oldest = ma_arc_job_oldest_pass(job);
    o->fail_i = ma_arc_job_fail_instance(job);
    snprintf(o->problem, sizeof o->problem, "%s", name_or(ma_arc_job_problem(job)));
    for (k = 1; k <= o->count && k <= CONF_MAX_I; k++) {
        o->ams[k] = ma_arc_job_ams_result(job, k);
        o->as[k] = ma_arc_job_as_result(job, k);
        snprintf(o->sealer[k], sizeof o->sealer[k], "%s", name_or(ma_arc_job_sealer(job, k)));
    }
    if (dk != NULL) {
        size_t used = 0;
        rc = ma_job_run(dk, r);
        if (rc != MA_JOB_DONE) {
            run_fail(o, rc, "ma_job_run (DKIM)", ma_job_error(dk));
            goto out;
        }
        o->ndkim = ma_dkim_job_count(dk);
        for (i = 0; i < o->ndkim; i++) {
            int res = (int)ma_dkim_job_result(dk, i);
            if (res == MA_DKIM_PASS) {
                o->dkim_pass++;
            } else if (used < sizeof o->dkim_problems) {
                int n = snprintf(o->dkim_problems + used, sizeof o->dkim_problems - used,
                                 "%ssig %u %s: %s", used > 0 ? "; " : "", (unsigned)i,
                                 name_or(ma_dkim_result_name(res)),
                                 name_or(ma_dkim_job_problem(dk, i)));
                if (n > 0)
                    used += (size_t)n;
            }
        }
    }
    o->status = MA_OK;
out:
    ma_job_free(dk);
    ma_job_free(job);
    ma_msg_free(msg);
    return o->status;
}

static void diag_run(const run_out *o)
{
    unsigned int k;
    if (o->status != MA_OK) {
        printf("#   got error %s\n", o->error);
        return;
    }
    printf("#   got cv=%s; N=%u oldest-pass=%u fail-instance=%u\n",
           name_or(ma_arc_result_name(o->result)), o->count, o->oldest, o->fail_i);
    if (o->problem[0] != '\0')
        conf_diag_bytes("  problem: ", o->problem, strlen(o->problem));
    for (k = 1; k <= o->count && k <= CONF_MAX_I; k++)
        printf("#   i=%u: AMS %s, AS %s (d=%s)\n", k, name_or(ma_dkim_result_name(o->ams[k])),
               name_or(ma_dkim_result_name(o->as[k])), o->sealer[k]);
}

/* --------------------------------------------------------- bookkeeping */

/*
 * Suite cases whose expectation we believe contradicts an RFC.  Each runs
 * and is reported as "# TODO <reason>": an expected failure that stays
 * visible in the totals, and an error (XPASS) the day it starts passing.
 * The suite predates RFC 8617, which signs the AMS with DKIM's rules
 * (RFC 8617 4.1.2: "same syntax and semantics as the DKIM-Signature
 * field", with the noted exceptions, none of which touches c= or h=).
 */
#define VM "arc-valimail/"
static const struct {
    const char *label;
    const char *reason;
} conf_disagreements[] = {
    { VM "ams_fields_c_na: want pass",
      "RFC 6376 3.5 (c= default simple/simple) via RFC 8617 4.1.2: the AMS was made with "
      "relaxed/relaxed, so without c= it does not verify: Fail" },
    { VM "ams_fields_h_empty: want pass",
      "RFC 6376 3.5 (h= is required and lists at least one field) via RFC 8617 4.1.2: an "
      "empty h= is a syntax error: Fail" },
    { VM "ams_fields_h_mis_hdr: want pass",
      "RFC 6376 3.5 (h= is a colon-separated list of field names, none empty) via RFC 8617 "
      "4.1.2: h= naming an empty field is a syntax error: Fail" },
    { VM "ams_fields_h_includes_as: want fail",
      "RFC 8617 4.1.2 forbids sealers to sign ARC fields in an AMS, but the validator steps of "
      "5.2 do not fail such an AMS when it verifies (the suite is draft-era): Pass" },
};

static const char *disagreement(const char *label)
{
    size_t i;
    for (i = 0; i < sizeof conf_disagreements / sizeof conf_disagreements[0]; i++)
        if (strcmp(conf_disagreements[i].label, label) == 0)
            return conf_disagreements[i].reason;
    return NULL;
}

typedef struct tally {
    const char *suite;
    unsigned int cases;   /* messages run */
    unsigned int want[3]; /* cases by expected cv (none, pass, fail) */
    unsigned int empty;   /* empty cv, counted as fail */
    unsigned int dup;     /* ids seen twice in one scenario */
    unsigned int checks;  /* every TAP line of the suite */
    unsigned int ok;      /* lines that passed */
    unsigned int todo;    /* known disagreements (ok_todo) */
    unsigned int failed;  /* lines that failed (not TODO) */
} tally;

/* One TAP line, through the disagreement table. */
static int check(tally *t, int cond, const char *label)
{
    const char *why = disagreement(label);
    t->checks++;
    if (why != NULL) {
        t->todo++;
        return ok_todo(cond, label, why);
    }
    if (cond)
        t->ok++;
    else
        t->failed++;
    return ok(cond, label);
}

/* The chunked reading must give the verdicts of the whole one. */
static void check_same(tally *t, const char *what, const run_out *a, const run_out *b)
{
    char label[512];
    unsigned int k;
    int same = a->status == b->status && a->result == b->result && a->count == b->count &&
               a->oldest == b->oldest && a->fail_i == b->fail_i && a->ndkim == b->ndkim &&
               a->dkim_pass == b->dkim_pass;
    for (k = 1; same && k <= a->count && k <= CONF_MAX_I; k++)
        same = a->ams[k] == b->ams[k] && a->as[k] == b->as[k];
    snprintf(label, sizeof label, "%s: same verdict when fed in %d-byte chunks", what, CONF_CHUNK);
    if (!check(t, same, label)) {
        tap_diag("  whole:");
        diag_run(a);
        tap_diag("  chunked:");
        diag_run(b);
    }
}

/* Run a message whole and chunked; the whole reading goes to *o. */
static void run_both(tally *t, ma_ctx *ctx, ma_resolver *r, int with_dkim, const char *what,
                     const char *data, size_t len, run_out *o)
{
    run_out *c = malloc(sizeof *c);
    run_message(ctx, r, with_dkim, data, len, 0, o);
    if (c == NULL) {
        check(t, 0, "out of memory");
        return;
    }
    run_message(ctx, r, with_dkim, data, len, CONF_CHUNK, c);
    check_same(t, what, o, c);
    free(c);
}

static void check_zone(tally *t, const char *what, const zone *zn)
{
    char label[512];
    snprintf(label, sizeof label, "%s: DNS data loaded", what);
    if (!check(t, zn->err[0] == '\0', label))
        conf_diag_bytes("  ", zn->err, strlen(zn->err));
}

/* ------------------------------------------------------------ YAML access */

static yaml_node_t *ynode(yaml_document_t *d, int i)
{
    return yaml_document_get_node(d, i);
}

static int yscalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n != NULL && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

static yaml_node_t *yget(yaml_document_t *d, yaml_node_t *m, const char *key)
{
    yaml_node_pair_t *p;
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
        if (yscalar_is(ynode(d, p->key), key))
            return ynode(d, p->value);
    return NULL;
}

/* --------------------------------------------- 1. arc-valimail validation */

/* ASCII case-insensitive: v (len 4) equals the lowercase word w. */
static int word_is(const char *v, const char *w)
{
    size_t i;
    for (i = 0; i < 4; i++)
        if (tolower((unsigned char)v[i]) != w[i])
            return 0;
    return 1;
}

/* The expected result from a cv value; -1 when it is none of the words. */
static int cv_want(const char *v, size_t len, int *empty)
{
    size_t a = 0;
    *empty = 0;
    while (a < len && isspace((unsigned char)v[a]))
        a++;
    while (len > a && isspace((unsigned char)v[len - 1]))
        len--;
    if (len == a) {
        *empty = 1; /* README section 2: read as Fail */
        return MA_ARC_FAIL;
    }
    v += a;
    len -= a;
    if (len == 4 && word_is(v, "pass"))
        return MA_ARC_PASS;
    if (len == 4 && word_is(v, "fail"))
        return MA_ARC_FAIL;
    if (len == 4 && word_is(v, "none"))
        return MA_ARC_NONE;
    return -1;
}

/* One test: id is its label ("<id>", or "<id> #n" for a repeated id). */
static void run_valimail_case(tally *t, ma_ctx *ctx, ma_resolver *r, yaml_document_t *d,
                              const char *id, yaml_node_t *e)
{
    yaml_node_t *m, *cv;
    char what[256], label[320];
    int want, empty = 0;
    run_out o;

    snprintf(what, sizeof what, VM "%s", id);
    m = yget(d, e, "message");
    cv = yget(d, e, "cv");
    if (m == NULL || m->type != YAML_SCALAR_NODE || cv == NULL || cv->type != YAML_SCALAR_NODE) {
        snprintf(label, sizeof label, "%s: has message and cv", what);
        check(t, 0, label);
        return;
    }
    want = cv_want((const char *)cv->data.scalar.value, cv->data.scalar.length, &empty);
    if (want < 0) {
        snprintf(label, sizeof label, "%s: cv is Pass, Fail, None or empty", what);
        check(t, 0, label);
        conf_diag_bytes("  cv: ", (const char *)cv->data.scalar.value, cv->data.scalar.length);
        return;
    }
    t->cases++;
    t->want[want]++;
    t->empty += empty;
    run_both(t, ctx, r, 0, what, (const char *)m->data.scalar.value, m->data.scalar.length, &o);
    snprintf(label, sizeof label, "%s: want %s%s", what, name_or(ma_arc_result_name(want)),
             empty ? " (cv empty)" : "");
    if (!check(t, o.status == MA_OK && o.result == want, label) || disagreement(label) != NULL)
        diag_run(&o);
}

static void run_valimail_doc(tally *t, ma_ctx *ctx, yaml_document_t *d, unsigned int docno)
{
    yaml_node_t *root = yaml_document_get_root_node(d), *tests, *txt, *desc;
    yaml_node_pair_t *p, *q;
    char what[256];
    zone zn;
    ma_resolver *r = NULL;

    desc = yget(d, root, "description");
    snprintf(what, sizeof what, VM "scenario %u (%s)", docno,
             desc != NULL && desc->type == YAML_SCALAR_NODE ? (const char *)desc->data.scalar.value
                                                            : "?");
    tests = yget(d, root, "tests");
    txt = yget(d, root, "txt-records");
    memset(&zn, 0, sizeof zn);
    if (ma_static_zone_new(&zn.z, ctx) != MA_OK) {
        check(t, 0, "ma_static_zone_new");
        return;
    }
    if (txt == NULL || txt->type != YAML_MAPPING_NODE) {
        zone_fail(&zn, what, "no txt-records mapping", MA_OK);
    } else {
        for (p = txt->data.mapping.pairs.start; p < txt->data.mapping.pairs.top; p++) {
            yaml_node_t *kn = ynode(d, p->key), *vn = ynode(d, p->value);
            if (kn == NULL || vn == NULL || kn->type != YAML_SCALAR_NODE ||
                vn->type != YAML_SCALAR_NODE) {
                zone_fail(&zn, what, "txt-records entry that is not name: value", MA_OK);
                continue;
            }
            zone_add_txt(&zn, (const char *)kn->data.scalar.value, kn->data.scalar.length,
                         (const char *)vn->data.scalar.value, vn->data.scalar.length);
        }
    }
    check_zone(t, what, &zn);
    if (ma_resolver_static_new(&r, ctx, zn.z) != MA_OK) {
        check(t, 0, "ma_resolver_static_new");
        ma_static_zone_free(zn.z);
        return;
    }
    /* A scenario whose `tests:` is empty (a null scalar) has nothing to run. */
    if (tests != NULL && tests->type == YAML_MAPPING_NODE) {
        for (p = tests->data.mapping.pairs.start; p < tests->data.mapping.pairs.top; p++) {
            yaml_node_t *kn = ynode(d, p->key);
            unsigned int nth = 1, total = 0;
            for (q = tests->data.mapping.pairs.start; q < tests->data.mapping.pairs.top; q++) {
                yaml_node_t *qn = ynode(d, q->key);
                if (kn != NULL && qn != NULL && kn->type == YAML_SCALAR_NODE &&
                    yscalar_is(qn, (const char *)kn->data.scalar.value)) {
                    total++;
                    if (q < p)
                        nth++;
                }
            }
            if (kn == NULL || kn->type != YAML_SCALAR_NODE) {
                check(t, 0, VM "a test id that is a scalar");
                continue;
            }
            if (total > 1) {
                char id[200];
                snprintf(id, sizeof id, "%s #%u", (const char *)kn->data.scalar.value, nth);
                t->dup += nth > 1;
                run_valimail_case(t, ctx, r, d, id, ynode(d, p->value));
            } else {
                run_valimail_case(t, ctx, r, d, (const char *)kn->data.scalar.value,
                                  ynode(d, p->value));
            }
        }
    } else if (tests == NULL || tests->type != YAML_SCALAR_NODE || tests->data.scalar.length > 0) {
        char label[320];
        snprintf(label, sizeof label, "%s: tests is a mapping", what);
        check(t, 0, label);
    }
    ma_resolver_free(r);
    ma_static_zone_free(zn.z);
}

static void run_valimail(tally *t, ma_ctx *ctx, const char *root)
{
    char path[1024];
    yaml_parser_t parser;
    yaml_document_t doc;
    char *text;
    size_t len;
    unsigned int docno = 0;

    path_join(path, sizeof path, root, "arc-valimail", "arc-draft-validation-tests.yml");
    text = conf_read_file(path, &len);
    if (text == NULL) {
        check(t, 0, VM "arc-draft-validation-tests.yml is readable");
        printf("# %s: %s\n", path, strerror(errno));
        return;
    }
    if (!yaml_parser_initialize(&parser)) {
        check(t, 0, "yaml_parser_initialize");
        free(text);
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        if (!yaml_parser_load(&parser, &doc)) {
            check(t, 0, VM "arc-draft-validation-tests.yml parses");
            printf("# YAML error at line %lu: %s\n", (unsigned long)parser.problem_mark.line + 1,
                   parser.problem ? parser.problem : "?");
            break;
        }
        if (yaml_document_get_root_node(&doc) == NULL) {
            yaml_document_delete(&doc);
            break;
        }
        docno++;
        run_valimail_doc(t, ctx, &doc, docno);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    free(text);
    if (docno == 0)
        check(t, 0, VM "arc-draft-validation-tests.yml has scenarios");
}

/* ---------------------------------------------- 2. stalwart-mail-auth/arc */

static void run_stalwart_file(tally *t, ma_ctx *ctx, const char *dir, const char *file)
{
    char what[512], label[600], path[1024];
    char *text;
    size_t len, pos = 0;
    zone zn;
    ma_resolver *r = NULL;
    run_out o;

    snprintf(what, sizeof what, "stalwart-mail-auth/arc/%s", file);
    path_join(path, sizeof path, dir, file, NULL);
    text = conf_read_file(path, &len);
    memset(&zn, 0, sizeof zn);
    if (text == NULL || ma_static_zone_new(&zn.z, ctx) != MA_OK) {
        check(t, 0, what);
        tap_diag("unreadable, or ma_static_zone_new failed");
        free(text);
        return;
    }
    /* "name value" lines up to the first blank line; the value is one string. */
    while (pos < len) {
        const char *line = text + pos, *end = memchr(line, '\n', len - pos), *sp;
        size_t ll = end != NULL ? (size_t)(end - line) : len - pos;
        pos += ll + (end != NULL);
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            break;
        sp = memchr(line, ' ', ll);
        if (sp == NULL) {
            zone_fail(&zn, "?", "record line without a value", MA_OK);
            continue;
        }
        zone_add_txt(&zn, line, (size_t)(sp - line), sp + 1, ll - (size_t)(sp - line) - 1);
    }
    check_zone(t, what, &zn);
    if (ma_resolver_static_new(&r, ctx, zn.z) != MA_OK) {
        check(t, 0, what);
        tap_diag("ma_resolver_static_new failed");
        goto out;
    }
    t->cases++;
    t->want[MA_ARC_PASS]++;
    run_both(t, ctx, r, 1, what, text + pos, len - pos, &o);
    snprintf(label, sizeof label, "%s: want pass", what);
    if (!check(t, o.status == MA_OK && o.result == MA_ARC_PASS && o.count > 0, label))
        diag_run(&o);
    /* README section 4: at least one DKIM signature passes as well. */
    snprintf(label, sizeof label, "%s: at least one DKIM signature passes", what);
    if (!check(t, o.status == MA_OK && o.dkim_pass > 0, label)) {
        if (o.status != MA_OK)
            printf("#   got error %s\n", o.error);
        else
            printf("#   %u signatures, none passes\n", (unsigned)o.ndkim);
    }
    if (o.status == MA_OK && o.dkim_problems[0] != '\0') {
        printf("#   %s: %u of %u DKIM signatures pass; the others:\n", what,
               (unsigned)o.dkim_pass, (unsigned)o.ndkim);
        conf_diag_bytes("    ", o.dkim_problems, strlen(o.dkim_problems));
    }
out:
    ma_resolver_free(r);
    ma_static_zone_free(zn.z);
    free(text);
}

static void run_stalwart(tally *t, ma_ctx *ctx, const char *root)
{
    static const char *const files[] = { "001.txt", "002.txt" };
    char dir[1024];
    size_t i;
    path_join(dir, sizeof dir, root, "stalwart-mail-auth", "arc");
    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        run_stalwart_file(t, ctx, dir, files[i]);
}

/* ------------------------------------------------------------------ main */

static void totals(const tally *t)
{
    printf("# %-20s %3u cases (want pass %u, fail %u [%u with cv empty], none %u; %u repeated "
           "ids), %3u lines: %u ok, %u todo, %u failed\n",
           t->suite, t->cases, t->want[MA_ARC_PASS], t->want[MA_ARC_FAIL], t->empty,
           t->want[MA_ARC_NONE], t->dup, t->checks, t->ok, t->todo, t->failed);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : MA_TESTSUITES;
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    int64_t clock_ms = CONF_CLOCK;
    ma_ctx *ctx = NULL;
    tally t[2], all;
    size_t i;
    int rc;

    if (root[0] == '\0') {
        printf("Bail out! no test-suite directory (configure --with-testsuites=DIR)\n");
        return 1;
    }
    opts.clock_fn = fixed_clock;
    opts.clock_payload = &clock_ms;
    rc = ma_ctx_new(&ctx, &opts);
    if (rc != MA_OK) {
        printf("Bail out! ma_ctx_new: %s\n", ma_status_str(rc));
        return 1;
    }
    memset(t, 0, sizeof t);
    t[0].suite = "arc-valimail";
    t[1].suite = "stalwart-arc";
    run_valimail(&t[0], ctx, root);
    tap_diag("arc-valimail/arc-draft-sign-tests.yml: not run yet: ARC sealing (RFC 8617 5.1) "
             "does not exist in the library yet, so there is nothing to compare AS/AMS/AAR "
             "output against");
    run_stalwart(&t[1], ctx, root);
    ma_ctx_free(ctx);

    memset(&all, 0, sizeof all);
    all.suite = "total";
    tap_diag("totals:");
    for (i = 0; i < 2; i++) {
        totals(&t[i]);
        all.cases += t[i].cases;
        all.want[0] += t[i].want[0];
        all.want[1] += t[i].want[1];
        all.want[2] += t[i].want[2];
        all.empty += t[i].empty;
        all.dup += t[i].dup;
        all.checks += t[i].checks;
        all.ok += t[i].ok;
        all.todo += t[i].todo;
        all.failed += t[i].failed;
    }
    totals(&all);
    return tap_done();
}
