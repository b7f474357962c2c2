/*
 * The ARC conformance runner: third-party ARC suites run against the ARC
 * verifier and sealer through the public API only (ma_msg + ma_arc_job +
 * ma_arc_seal + a static resolver).  Formats: shared/testsuites/README.md
 * sections 2 and 4, and arc-valimail/SCHEMA-upstream-README.md.
 *
 * Input: MA_TESTSUITES (or the directory named by argv[1]):
 *   arc-valimail/arc-draft-validation-tests.yml: YAML documents (scenarios),
 *       each with `tests: {id: {spec, description, message, cv}}` and
 *       `txt-records: {key name: TXT value}`;
 *   arc-valimail/arc-draft-sign-tests.yml: scenarios with `domain`, `sel`,
 *       `privatekey`, `txt-records` and `tests: {id: {message, t,
 *       sig-headers, srv-id, AS, AMS, AAR}}`;
 *   stalwart-mail-auth/arc/NNN.txt: "name value" TXT lines, a blank line,
 *       the message.
 * The YAML node accessors are conf-yaml's; the loop over a file's
 * documents is here (conf_ydoc_load() reads only the first).
 *
 * Messages are LF-only and are fed to the reader as they are: the reader
 * turns every bare LF into CRLF before canonicalisation (message.h), which
 * is the conversion the suites ask for; trailing whitespace is kept.  Each
 * validation message is read twice, whole and in 7-byte chunks, and the
 * two readings must agree (one TAP line per message).
 *
 * TXT values are handed to the static zone as they are.  The validation
 * file's values are YAML-folded, so the base64 p= data contains spaces
 * (even "p= MFww..."): RFC 6376 3.6.1 allows FWS inside p= (base64string),
 * so removing it is the key parser's job, not ours.  The sign file's
 * values are literal blocks: their line breaks are removed (README
 * section 2).
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
 * in both suites, so runs are repeatable; for a signing test, its t.
 *
 * Signing (labels "arc-valimail/sign/<id>: ..."): each message is
 * validated and sealed on one reading (relaxed/relaxed, AMS h= =
 * sig-headers, authserv-id = srv-id, this hop's results =
 * ma_authres_select_text(srv-id), the suite's "AR consolidation"), then:
 *   - where the message's Authentication-Results carry arc=, our verdict
 *     on the incoming chain must be it (SCHEMA: the suite stamped "an
 *     accurate chain validation status" there);
 *   - no_additional_sig (AS, AMS, AAR all empty): no new set;
 *   - otherwise: a new set; the AAR equal modulo whitespace; the AMS and
 *     AS tag by tag (names, and values with whitespace removed, h=
 *     case-insensitively), b= apart: b= signs the field's own text (and
 *     the AS the AAR and AMS as well), so it can equal the suite's only
 *     when our layout is the suite's after relaxed canonicalisation.  The
 *     suite's is alphabetical, ours is not, so b= is not compared (one
 *     diagnostic says so; the lines appear by themselves if the layouts
 *     ever agree);
 *   - our set prepended: validated afresh, cv must be pass with N+1 sets
 *     (fail at instance N+1 for a set that says cv=fail: RFC 8617 5.2
 *     step 2 stops at the newest AS);
 *   - the suite's own set prepended (rebuilt in its signer's layout,
 *     SCHEMA "Signing Header Format Standardization"): the same verdict.
 *     This checks the suite's b= values against our verifier, the
 *     nearest thing to comparing b= that a different layout allows.
 *
 * The stalwart files: the chain must pass and at least one DKIM signature
 * must pass (README section 4; arc/001.txt's third signature does not
 * verify).  A DKIM job reads the same message.
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
#include "conf-yaml.h"
#include "tap.h"
#include "testutil.h"

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

/* Both ValiMail files hold one scenario per YAML document (conf-yaml). */
typedef void (*doc_fn)(tally *t, ma_ctx *ctx, ydoc *y, unsigned int docno, void *arg);

/* What each_document() hands conf_ydoc_each() for its callback. */
typedef struct each_arg {
    tally *t;
    ma_ctx *ctx;
    doc_fn fn;
    void *arg;
} each_arg;

static void each_call(ydoc *y, unsigned int docno, void *p)
{
    each_arg *e = p;
    e->fn(e->t, e->ctx, y, docno, e->arg);
}

/* Run fn on every document (scenario) of arc-valimail/file; their number. */
static unsigned int each_document(tally *t, ma_ctx *ctx, const char *root, const char *file,
                                  doc_fn fn, void *arg)
{
    char path[1024], label[320], err[512];
    each_arg e;
    int n;

    e.t = t;
    e.ctx = ctx;
    e.fn = fn;
    e.arg = arg;
    path_join(path, sizeof path, root, "arc-valimail", file);
    n = conf_ydoc_each(path, each_call, &e, err, sizeof err);
    if (n < 0) {
        snprintf(label, sizeof label, "arc-valimail/%s is readable and parses", file);
        check(t, 0, label);
        printf("# %s\n", err);
        return 0;
    }
    return (unsigned int)n;
}

/* A scenario's description, for labels. */
static const char *scenario_name(ydoc *y)
{
    const char *d = conf_ystr(conf_yget(y, yaml_document_get_root_node(&y->doc), "description"));
    return d != NULL ? d : "?";
}

/* Load a scenario's `txt-records: {name: value}`; join: remove CR and LF
   from the values (the sign file's literal blocks, README section 2). */
static void load_txt_records(zone *zn, ydoc *y, const char *what, int join)
{
    yaml_node_t *txt = conf_yget(y, yaml_document_get_root_node(&y->doc), "txt-records");
    yaml_node_pair_t *p;
    if (txt == NULL || txt->type != YAML_MAPPING_NODE) {
        zone_fail(zn, what, "no txt-records mapping", MA_OK);
        return;
    }
    for (p = txt->data.mapping.pairs.start; p < txt->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = conf_ynode(y, p->key), *vn = conf_ynode(y, p->value);
        const char *v;
        size_t vlen, i, n = 0;
        char *j;
        if (kn == NULL || vn == NULL || kn->type != YAML_SCALAR_NODE ||
            vn->type != YAML_SCALAR_NODE) {
            zone_fail(zn, what, "txt-records entry that is not name: value", MA_OK);
            continue;
        }
        v = (const char *)vn->data.scalar.value;
        vlen = vn->data.scalar.length;
        if (!join) {
            zone_add_txt(zn, (const char *)kn->data.scalar.value, kn->data.scalar.length, v, vlen);
            continue;
        }
        j = malloc(vlen + 1);
        if (j == NULL) {
            zone_fail(zn, what, "txt-records", MA_ENOMEM);
            continue;
        }
        for (i = 0; i < vlen; i++)
            if (v[i] != '\r' && v[i] != '\n')
                j[n++] = v[i];
        zone_add_txt(zn, (const char *)kn->data.scalar.value, kn->data.scalar.length, j, n);
        free(j);
    }
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
static void run_valimail_case(tally *t, ma_ctx *ctx, ma_resolver *r, ydoc *y, const char *id,
                              yaml_node_t *e)
{
    yaml_node_t *m, *cv;
    char what[256], label[320];
    int want, empty = 0;
    run_out o;

    snprintf(what, sizeof what, VM "%s", id);
    m = conf_yget(y, e, "message");
    cv = conf_yget(y, e, "cv");
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

static void run_valimail_doc(tally *t, ma_ctx *ctx, ydoc *y, unsigned int docno, void *arg)
{
    yaml_node_t *tests = conf_yget(y, yaml_document_get_root_node(&y->doc), "tests");
    yaml_node_pair_t *p, *q;
    char what[256];
    zone zn;
    ma_resolver *r = NULL;

    (void)arg;
    snprintf(what, sizeof what, VM "scenario %u (%s)", docno, scenario_name(y));
    memset(&zn, 0, sizeof zn);
    if (ma_static_zone_new(&zn.z, ctx) != MA_OK) {
        check(t, 0, "ma_static_zone_new");
        return;
    }
    load_txt_records(&zn, y, what, 0);
    check_zone(t, what, &zn);
    if (ma_resolver_static_new(&r, ctx, zn.z) != MA_OK) {
        check(t, 0, "ma_resolver_static_new");
        ma_static_zone_free(zn.z);
        return;
    }
    /* A scenario whose `tests:` is empty (a null scalar) has nothing to run. */
    if (tests != NULL && tests->type == YAML_MAPPING_NODE) {
        for (p = tests->data.mapping.pairs.start; p < tests->data.mapping.pairs.top; p++) {
            yaml_node_t *kn = conf_ynode(y, p->key);
            unsigned int nth = 1, total = 0;
            if (kn == NULL || kn->type != YAML_SCALAR_NODE) {
                check(t, 0, VM "a test id that is a scalar");
                continue;
            }
            for (q = tests->data.mapping.pairs.start; q < tests->data.mapping.pairs.top; q++)
                if (conf_yscalar_is(conf_ynode(y, q->key), (const char *)kn->data.scalar.value)) {
                    total++;
                    if (q < p)
                        nth++;
                }
            if (total > 1) {
                char id[200];
                snprintf(id, sizeof id, "%s #%u", (const char *)kn->data.scalar.value, nth);
                t->dup += nth > 1;
                run_valimail_case(t, ctx, r, y, id, conf_ynode(y, p->value));
            } else {
                run_valimail_case(t, ctx, r, y, (const char *)kn->data.scalar.value,
                                  conf_ynode(y, p->value));
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
    if (each_document(t, ctx, root, "arc-draft-validation-tests.yml", run_valimail_doc, NULL) == 0)
        check(t, 0, VM "arc-draft-validation-tests.yml has scenarios");
}

/* ------------------------------------------------ 2. arc-valimail signing */

#define VS "arc-valimail/sign/"

/* ASCII whitespace of a header field: SP, HTAB and the folding CR LF. */
static int is_fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int all_fws(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (!is_fws(s[i]))
            return 0;
    return 1;
}

/*
 * s with every run of whitespace made one space and none at the ends:
 * for a field value that is what relaxed header canonicalisation (RFC 6376
 * 3.4.2) does to it.  With around_semi, no space either side of ';' either
 * (the AAR comparison, "modulo whitespace", where a YAML line break of the
 * suite's stands for CRLF + WSP).  malloc'd, NULL when out of memory.
 */
static char *squeeze(const char *s, size_t len, int around_semi)
{
    char *o = malloc(len + 1);
    size_t i, n = 0;
    int sp = 0;
    if (o == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        if (is_fws(s[i])) {
            sp = 1;
            continue;
        }
        if (sp && n > 0 && !(around_semi && (s[i] == ';' || o[n - 1] == ';')))
            o[n++] = ' ';
        sp = 0;
        o[n++] = s[i];
    }
    o[n] = '\0';
    return o;
}

/*
 * What a signature over this field value hashes of it, for comparing
 * layouts: squeezed as relaxed canonicalisation does, with the value of
 * b= removed (RFC 6376 3.7: b= is hashed as the empty string).  malloc'd.
 */
static char *layout_of(const char *s, size_t len)
{
    char *q = squeeze(s, len, 0), *o;
    size_t i = 0, n = 0, qlen;
    if (q == NULL)
        return NULL;
    qlen = strlen(q);
    o = malloc(qlen + 1);
    if (o == NULL) {
        free(q);
        return NULL;
    }
    while (i < qlen) {
        size_t a = i, e, k;
        while (i < qlen && q[i] != ';')
            i++;
        e = i; /* one tag-spec, q[a..e) */
        k = a;
        while (k < e && q[k] == ' ')
            k++;
        if (k < e && q[k] == 'b') {
            size_t m = k + 1;
            while (m < e && q[m] == ' ')
                m++;
            if (m < e && q[m] == '=')
                e = m + 1; /* keep "b=", drop its value */
        }
        memcpy(o + n, q + a, e - a);
        n += e - a;
        if (i < qlen)
            o[n++] = q[i++];
    }
    o[n] = '\0';
    free(q);
    return o;
}

/* A tag-list (RFC 6376 3.2) with all whitespace removed from the values
   (FWS may appear inside b=, bh= and h=). */
#define TAGS_MAX 24
typedef struct tagset {
    size_t n;
    int bad; /* a tag-spec without '=', an empty or repeated name, too many or too long */
    char name[TAGS_MAX][16];
    char value[TAGS_MAX][1024];
} tagset;

static void tags_parse(tagset *ts, const char *s, size_t len)
{
    size_t i = 0, j, k;
    ts->n = 0;
    ts->bad = 0;
    while (i < len) {
        size_t a = i, e, nl, vl = 0;
        const char *eq;
        while (i < len && s[i] != ';')
            i++;
        e = i;
        if (i < len)
            i++;
        while (a < e && is_fws(s[a]))
            a++;
        if (a == e)
            continue; /* a trailing ';' */
        eq = memchr(s + a, '=', e - a);
        if (eq == NULL || ts->n == TAGS_MAX) {
            ts->bad = 1;
            continue;
        }
        nl = (size_t)(eq - (s + a));
        while (nl > 0 && is_fws(s[a + nl - 1]))
            nl--;
        if (nl == 0 || nl >= sizeof ts->name[0]) {
            ts->bad = 1;
            continue;
        }
        memcpy(ts->name[ts->n], s + a, nl);
        ts->name[ts->n][nl] = '\0';
        for (k = (size_t)(eq - s) + 1; k < e; k++) {
            if (is_fws(s[k]))
                continue;
            if (vl + 1 >= sizeof ts->value[0]) {
                ts->bad = 1;
                break;
            }
            ts->value[ts->n][vl++] = s[k];
        }
        ts->value[ts->n][vl] = '\0';
        for (j = 0; j < ts->n; j++)
            if (strcmp(ts->name[j], ts->name[ts->n]) == 0)
                ts->bad = 1;
        ts->n++;
    }
}

static const char *tags_get(const tagset *ts, const char *name)
{
    size_t i;
    for (i = 0; i < ts->n; i++)
        if (strcmp(ts->name[i], name) == 0)
            return ts->value[i];
    return NULL;
}

/* "i a c d ..." : the tag names in order. */
static void tags_order(const tagset *ts, char *buf, size_t size)
{
    size_t i, used = 0;
    buf[0] = '\0';
    for (i = 0; i < ts->n && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? " " : "", ts->name[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int ascii_ncaseeq(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int ascii_caseeq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/*
 * The same tag names on both sides, and the same values except b= (the
 * suite's layout is not ours: see run_sign_case); h= ASCII
 * case-insensitively (field names, RFC 5322 1.2.2).  diag: print what
 * differs.
 */
static int tags_same(const tagset *ours, const tagset *suite, int diag)
{
    int same = !ours->bad && !suite->bad;
    size_t i;
    if (diag && ours->bad)
        tap_diag("  ours is not a well-formed tag-list (or has a repeated tag)");
    if (diag && suite->bad)
        tap_diag("  the suite's is not a well-formed tag-list (or has a repeated tag)");
    for (i = 0; i < ours->n; i++) {
        const char *sv = tags_get(suite, ours->name[i]);
        const char *ov = ours->value[i];
        if (sv == NULL) {
            same = 0;
            if (diag)
                printf("#   %s=: only ours has it (%s)\n", ours->name[i], ov);
        } else if (strcmp(ours->name[i], "b") != 0 &&
                   !(strcmp(ours->name[i], "h") == 0 ? ascii_caseeq(ov, sv)
                                                     : strcmp(ov, sv) == 0)) {
            same = 0;
            if (diag)
                printf("#   %s=: ours %s, suite %s\n", ours->name[i], ov, sv);
        }
    }
    for (i = 0; i < suite->n; i++)
        if (tags_get(ours, suite->name[i]) == NULL) {
            same = 0;
            if (diag)
                printf("#   %s=: only the suite has it (%s)\n", suite->name[i], suite->value[i]);
        }
    return same;
}

typedef struct span {
    const char *p;
    size_t len;
} span;

/* The value (after the colon) of each of the three fields of a set "AS
   CRLF AMS CRLF AAR"; 1 when each is there exactly once and nothing else. */
static int split_set(const char *set, span *aar, span *ams, span *as)
{
    static const char *const names[3] = { "ARC-Authentication-Results", "ARC-Message-Signature",
                                          "ARC-Seal" };
    span *dst[3];
    int seen[3] = { 0, 0, 0 };
    const char *p = set, *end = set + strlen(set);
    dst[0] = aar;
    dst[1] = ams;
    dst[2] = as;
    while (p < end) {
        const char *f = p, *colon, *q = p;
        size_t k;
        int which = -1;
        /* A field runs to a CRLF not followed by WSP. */
        for (;;) {
            q = strstr(q, "\r\n");
            if (q == NULL || (q[2] != ' ' && q[2] != '\t'))
                break;
            q += 2;
        }
        if (q == NULL)
            q = end;
        colon = memchr(f, ':', (size_t)(q - f));
        if (colon == NULL)
            return 0;
        for (k = 0; k < 3; k++) {
            size_t nl = strlen(names[k]);
            if ((size_t)(colon - f) == nl && ascii_ncaseeq(f, names[k], nl))
                which = (int)k;
        }
        if (which < 0 || seen[which]++)
            return 0;
        dst[which]->p = colon + 1;
        dst[which]->len = (size_t)(q - colon - 1);
        p = q < end ? q + 2 : end;
    }
    return seen[0] && seen[1] && seen[2];
}

/* Each line of s as a diagnostic (CRLF and LF end lines). */
static void diag_lines(const char *prefix, const char *s, size_t len)
{
    size_t a = 0, i;
    for (i = 0; i <= len; i++)
        if (i == len || s[i] == '\n') {
            size_t e = i;
            if (e > a && s[e - 1] == '\r')
                e--;
            if (i < len || e > a)
                conf_diag_bytes(prefix, s + a, e - a);
            a = i + 1;
        }
}

/* The arc= result that the Authentication-Results for srv hold (the
   suite's "accurate chain validation status", SCHEMA: Signing Suite
   Assumptions), -1 when none does. */
static int stamped_arc(ma_ctx *ctx, const ma_msg *msg, const char *srv)
{
    ma_authres_list *l = NULL;
    size_t i, j;
    int res = -1, k;
    if (ma_authres_select(&l, ctx, msg, srv) != MA_OK)
        return -1;
    for (i = 0; res < 0 && i < ma_authres_list_count(l); i++) {
        const ma_authres *ar = ma_authres_list_get(l, i);
        for (j = 0; res < 0 && j < ma_authres_count(ar); j++) {
            if (strcmp(name_or(ma_authres_method(ar, j)), "arc") != 0)
                continue;
            for (k = MA_ARC_NONE; k <= MA_ARC_FAIL; k++)
                if (strcmp(name_or(ma_authres_result(ar, j)), name_or(ma_arc_result_name(k))) == 0)
                    res = k;
        }
    }
    ma_authres_list_free(l);
    return res;
}

/*
 * The suite's expected set as header fields, newest first as they are
 * prepended, in the layout its signer wrote them (SCHEMA "Signing Header
 * Format Standardization": one space after each ';', no other
 * whitespace): the YAML values are wrapped for display, so a line break
 * after ';' is that one space and any other disappears (b= is wrapped
 * mid-value); spaces at the ends of lines go.  One unfolded line per
 * field.  malloc'd and NUL-terminated; *len its length.
 */
static char *suite_set(const char *as, size_t as_len, const char *ams, size_t ams_len,
                       const char *aar, size_t aar_len, size_t *len)
{
    static const char *const names[3] = { "ARC-Seal: ", "ARC-Message-Signature: ",
                                          "ARC-Authentication-Results: " };
    const char *val[3];
    size_t vlen[3], f, i, n = 0;
    char *o = malloc(100 + as_len + ams_len + aar_len);
    if (o == NULL)
        return NULL;
    val[0] = as;
    val[1] = ams;
    val[2] = aar;
    vlen[0] = as_len;
    vlen[1] = ams_len;
    vlen[2] = aar_len;
    for (f = 0; f < 3; f++) {
        size_t start;
        if (f > 0) {
            o[n++] = '\r';
            o[n++] = '\n';
        }
        memcpy(o + n, names[f], strlen(names[f]));
        n += strlen(names[f]);
        start = n;
        for (i = 0; i < vlen[f]; i++) {
            char c = val[f][i];
            if (c == '\r' || c == '\n') {
                while (n > start && (o[n - 1] == ' ' || o[n - 1] == '\t'))
                    n--;
                if (c == '\n' && n > start && o[n - 1] == ';')
                    o[n++] = ' ';
            } else {
                o[n++] = c;
            }
        }
        while (n > start && is_fws(o[n - 1]))
            n--;
    }
    o[n] = '\0';
    *len = n;
    return o;
}

typedef struct sign_scn {
    const char *domain, *sel, *key;
    size_t key_len;
    ma_resolver *r;
    int64_t *clock_ms;
    int *b_noted; /* the "b= not compared" diagnostic has been printed */
} sign_scn;

/* A scalar entry of test e: its text and length; NULL when missing. */
static const char *yfield(ydoc *y, yaml_node_t *e, const char *key, size_t *len)
{
    yaml_node_t *n = conf_yget(y, e, key);
    if (n == NULL || n->type != YAML_SCALAR_NODE)
        return NULL;
    *len = n->data.scalar.length;
    return (const char *)n->data.scalar.value;
}

/* "t: 12345" as a clock in ms; -1 when it is not a plain decimal number. */
static int64_t clock_of(const char *s, size_t len)
{
    int64_t v = 0;
    size_t i;
    if (len == 0 || len > 12)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v * 1000;
}

/* A test's entries, in this order. */
enum { T_MESSAGE, T_T, T_SIG_HEADERS, T_SRV_ID, T_AS, T_AMS, T_AAR, T_N };
static const char *const t_key[T_N] = { "message", "t",  "sig-headers", "srv-id",
                                        "AS",      "AMS", "AAR" };

/* What sealing one message gave. */
typedef struct sealed {
    char err[400];      /* the first API failure, "" when none */
    char problem[320];  /* the incoming chain's problem text */
    int validated;      /* the incoming chain was validated */
    int result;         /* its ma_arc_result */
    unsigned int n;     /* its sets */
    int stamped;        /* the arc= of its Authentication-Results, -1 when none */
    int seal_rc;        /* ma_arc_seal_fields() */
    char *set;          /* the new set (ma_free) */
} sealed;

/* 1. Validate the message's chain and seal it, as the suite asks (README
   section 2): relaxed/relaxed, h= sig-headers, authserv-id srv-id, this
   hop's results the Authentication-Results for srv-id, clock t. */
static void seal_message(ma_ctx *ctx, const sign_scn *sc, const char *const v[T_N],
                         const size_t vl[T_N], const char *srv, const char *hdrs, sealed *o)
{
    ma_dkim_sign_opts so = MA_DKIM_SIGN_OPTS_INIT;
    ma_dkim_signer *signer = NULL;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    ma_arc_seal *seal = NULL;
    char *results = NULL;
    int rc;

    memset(o, 0, sizeof *o);
    o->result = -1;
    o->stamped = -1;
    o->seal_rc = MA_EINTERNAL;
    so.domain = sc->domain;
    so.selector = sc->sel;
    so.headers = hdrs;
    so.header_canon = MA_DKIM_RELAXED;
    so.body_canon = MA_DKIM_RELAXED;
    rc = ma_dkim_signer_new(&signer, ctx, &so, sc->key, sc->key_len);
    if (rc != MA_OK) {
        snprintf(o->err, sizeof o->err, "ma_dkim_signer_new: %s", ma_status_str(rc));
        goto out;
    }
    if ((rc = ma_msg_new(&msg, ctx)) != MA_OK || (rc = ma_arc_job_new(&job, ctx, NULL)) != MA_OK ||
        (rc = ma_arc_job_attach(job, msg)) != MA_OK ||
        (rc = ma_arc_seal_new(&seal, signer, srv)) != MA_OK ||
        (rc = ma_arc_seal_attach(seal, msg)) != MA_OK) {
        snprintf(o->err, sizeof o->err, "setting up: %s", ma_status_str(rc));
        goto out;
    }
    if ((rc = ma_msg_write(msg, v[T_MESSAGE], vl[T_MESSAGE])) != MA_OK ||
        (rc = ma_msg_finish(msg)) != MA_OK) {
        snprintf(o->err, sizeof o->err, "reading the message: %s: %s", ma_status_str(rc),
                 name_or(ma_msg_error(msg)));
        goto out;
    }
    rc = ma_job_run(job, sc->r);
    if (rc != MA_JOB_DONE) {
        snprintf(o->err, sizeof o->err, "ma_job_run: %s: %s",
                 rc < 0 ? ma_status_str(rc) : "not done", name_or(ma_job_error(job)));
        goto out;
    }
    o->validated = 1;
    o->result = (int)ma_arc_job_result(job);
    o->n = ma_arc_job_count(job);
    snprintf(o->problem, sizeof o->problem, "%s", name_or(ma_arc_job_problem(job)));
    o->stamped = stamped_arc(ctx, msg, srv);
    rc = ma_authres_select_text(&results, ctx, msg, srv);
    if (rc != MA_OK) {
        snprintf(o->err, sizeof o->err, "ma_authres_select_text: %s", ma_status_str(rc));
        goto out;
    }
    o->seal_rc = ma_arc_seal_fields(seal, job, results, &o->set);
    if (o->seal_rc != MA_OK)
        snprintf(o->err, sizeof o->err, "ma_arc_seal_fields: %s", ma_status_str(o->seal_rc));
out:
    ma_free(ctx, results);
    ma_arc_seal_free(seal);
    ma_job_free(job);
    ma_msg_free(msg);
    ma_dkim_signer_free(signer);
}

/*
 * 3. Our set's fields against the suite's: ours[] and layout[] are AAR,
 * AMS, AS values (ours, and the suite's in its signer's layout); v the
 * test's entries.  ours is NULL when there is no set: the lines fail.
 */
static void compare_set(tally *t, const sign_scn *sc, const char *what, const span *ours,
                        const span *layout, const char *const v[T_N], const size_t vl[T_N],
                        tagset *mine, tagset *theirs)
{
    static const char *const fname[3] = { "ARC-Authentication-Results", "ARC-Message-Signature",
                                          "ARC-Seal" };
    static const int entry[3] = { T_AAR, T_AMS, T_AS };
    char label[512];
    char *a, *b;
    int f, same_layout = ours != NULL && layout != NULL;

    /* The AAR: modulo whitespace. */
    a = ours != NULL ? squeeze(ours[0].p, ours[0].len, 1) : NULL;
    b = squeeze(v[T_AAR], vl[T_AAR], 1);
    snprintf(label, sizeof label, "%s: %s as the suite's", what, fname[0]);
    if (!check(t, a != NULL && b != NULL && strcmp(a, b) == 0, label)) {
        free(a);
        free(b);
        a = ours != NULL ? squeeze(ours[0].p, ours[0].len, 0) : NULL;
        b = squeeze(v[T_AAR], vl[T_AAR], 0);
        conf_diag_bytes("  ours:  ", a != NULL ? a : "(none)", a != NULL ? strlen(a) : 6);
        conf_diag_bytes("  suite: ", b != NULL ? b : "?", b != NULL ? strlen(b) : 1);
    }
    free(a);
    free(b);

    /* The AMS and the AS: tag by tag, b= apart. */
    for (f = 1; f < 3; f++) {
        tags_parse(theirs, v[entry[f]], vl[entry[f]]);
        if (ours != NULL) {
            tags_parse(mine, ours[f].p, ours[f].len);
        } else {
            mine->n = 0;
            mine->bad = 1;
        }
        snprintf(label, sizeof label, "%s: %s tags but b= as the suite's", what, fname[f]);
        if (!check(t, ours != NULL && tags_same(mine, theirs, 0), label)) {
            if (ours != NULL)
                tags_same(mine, theirs, 1);
            else
                tap_diag("  no set to compare");
        }
    }

    /* b= signs the field itself with b= empty, and the AS the AAR and AMS
       before it (RFC 8617 5.1.1): it can equal the suite's only where
       what is hashed is the same, i.e. the same layout after relaxed
       canonicalisation. */
    for (f = 0; same_layout && f < 3; f++) {
        a = layout_of(ours[f].p, ours[f].len);
        b = layout_of(layout[f].p, layout[f].len);
        if (a == NULL || b == NULL || strcmp(a, b) != 0) {
            same_layout = 0;
            if (!*sc->b_noted && f > 0) {
                char o1[128], o2[128];
                *sc->b_noted = 1;
                tags_parse(mine, ours[f].p, ours[f].len);
                tags_parse(theirs, layout[f].p, layout[f].len);
                tags_order(mine, o1, sizeof o1);
                tags_order(theirs, o2, sizeof o2);
                printf("# %s: b= is not compared: our fields are laid out otherwise than the "
                       "suite's (%s tags: ours \"%s\", the suite's \"%s\"); b= signs the field "
                       "itself, and the AS the AAR and AMS too, so the values cannot agree.  "
                       "Our b= values are checked by validating the sealed message instead, "
                       "and the suite's by validating the message with its set\n",
                       VS, fname[f], o1, o2);
            } else if (!*sc->b_noted) {
                *sc->b_noted = 1;
                conf_diag_bytes("  b= is not compared: the AAR differs in layout: ours: ", a,
                                a != NULL ? strlen(a) : 0);
                conf_diag_bytes("  suite's: ", b, b != NULL ? strlen(b) : 0);
            }
        }
        free(a);
        free(b);
    }
    for (f = 1; same_layout && f < 3; f++) {
        const char *ob, *sb;
        tags_parse(mine, ours[f].p, ours[f].len);
        tags_parse(theirs, layout[f].p, layout[f].len);
        ob = tags_get(mine, "b");
        sb = tags_get(theirs, "b");
        snprintf(label, sizeof label, "%s: %s b= as the suite's (same layout)", what, fname[f]);
        if (!check(t, ob != NULL && sb != NULL && strcmp(ob, sb) == 0, label))
            printf("#   ours:  %s\n#   suite: %s\n", name_or(ob), name_or(sb));
    }
}

/*
 * 4. A set prepended to the message, validated afresh: want cv (pass, or
 * fail for a set that says cv=fail: RFC 8617 5.2 step 2 stops at the
 * newest AS, whose instance is then the failing one) with n sets.
 */
static void check_sealed(tally *t, ma_ctx *ctx, ma_resolver *r, const char *label,
                         const char *set, size_t set_len, const char *message, size_t len,
                         int want, unsigned int n)
{
    run_out *o = malloc(sizeof *o);
    char *whole = set != NULL ? malloc(set_len + 2 + len) : NULL;
    int ran = 0;
    if (o != NULL && whole != NULL) {
        memcpy(whole, set, set_len);
        memcpy(whole + set_len, "\r\n", 2);
        memcpy(whole + set_len + 2, message, len);
        ran = run_message(ctx, r, 0, whole, set_len + 2 + len, 0, o) == MA_OK;
    }
    if (!check(t,
               ran && o->result == want && o->count == n &&
                   (want != MA_ARC_FAIL || o->fail_i == n),
               label)) {
        if (o != NULL && whole != NULL)
            diag_run(o);
        else
            tap_diag(set == NULL ? "  no set to prepend" : "  out of memory");
    }
    free(whole);
    free(o);
}

/*
 * One signing test (README section 2, SCHEMA "Signing Suite"):
 *   1. validate the message's chain and seal it; where its
 *      Authentication-Results hold arc=, our incoming verdict must be it;
 *   2. all three expected values empty: no new set;
 *   3. otherwise the new AAR, AMS and AS against the suite's (b= too
 *      where our layout is the suite's);
 *   4. the new set prepended, a fresh validation: cv pass (fail for a
 *      cv=fail set) with N+1 sets; and the same for the suite's set, an
 *      interoperability check of its b= values against our verifier.
 */
static void run_sign_case(tally *t, ma_ctx *ctx, const sign_scn *sc, ydoc *y, const char *id,
                          yaml_node_t *e)
{
    const char *v[T_N], *cv;
    size_t vl[T_N], k, xlen = 0;
    char what[256], label[512], *srv = NULL, *hdrs = NULL, *x = NULL;
    int noset, have_set, empties = 0, want_cv = MA_ARC_PASS;
    int64_t clock_ms;
    span ours[3], layout[3];
    tagset *mine = NULL, *theirs = NULL;
    sealed o;

    memset(&o, 0, sizeof o);
    snprintf(what, sizeof what, VS "%s", id);
    for (k = 0; k < T_N; k++)
        if ((v[k] = yfield(y, e, t_key[k], &vl[k])) == NULL) {
            snprintf(label, sizeof label, "%s: has %s", what, t_key[k]);
            check(t, 0, label);
            return;
        }
    for (k = T_AS; k <= T_AAR; k++)
        empties += all_fws(v[k], vl[k]);
    noset = empties == 3;
    clock_ms = clock_of(v[T_T], vl[T_T]);
    if ((empties != 0 && empties != 3) || clock_ms < 0) {
        snprintf(label, sizeof label, "%s: t is a number, AS, AMS and AAR all given or all empty",
                 what);
        check(t, 0, label);
        return;
    }
    mine = malloc(sizeof *mine);
    theirs = malloc(sizeof *theirs);
    srv = conf_dup_mem(v[T_SRV_ID], vl[T_SRV_ID]);
    hdrs = conf_dup_mem(v[T_SIG_HEADERS], vl[T_SIG_HEADERS]);
    if (!noset)
        x = suite_set(v[T_AS], vl[T_AS], v[T_AMS], vl[T_AMS], v[T_AAR], vl[T_AAR], &xlen);
    if (mine == NULL || theirs == NULL || srv == NULL || hdrs == NULL || (!noset && x == NULL)) {
        check(t, 0, "out of memory");
        goto out;
    }
    t->cases++;
    if (noset) {
        t->empty++;
    } else {
        tags_parse(theirs, v[T_AS], vl[T_AS]);
        cv = tags_get(theirs, "cv");
        want_cv = cv != NULL && strcmp(cv, "fail") == 0 ? MA_ARC_FAIL : MA_ARC_PASS;
        t->want[cv != NULL && strcmp(cv, "none") == 0 ? MA_ARC_NONE : want_cv]++;
    }

    /* 1 */
    *sc->clock_ms = clock_ms;
    seal_message(ctx, sc, v, vl, srv, hdrs, &o);
    if (o.stamped >= 0) {
        snprintf(label, sizeof label,
                 "%s: incoming chain: want %s (the arc= result in its Authentication-Results)",
                 what, name_or(ma_arc_result_name(o.stamped)));
        if (!check(t, o.validated && o.result == o.stamped, label)) {
            if (!o.validated)
                conf_diag_bytes("  ", o.err, strlen(o.err));
            else
                printf("#   got %s, N=%u\n", name_or(ma_arc_result_name(o.result)), o.n);
            conf_diag_bytes("  problem: ", o.problem, strlen(o.problem));
        }
    }

    /* 2 */
    if (noset) {
        snprintf(label, sizeof label,
                 "%s: no new ARC set (the newest ARC-Seal says cv=fail: RFC 8617 5.1 step 2)",
                 what);
        if (!check(t, o.validated && o.seal_rc == MA_OK && o.set == NULL, label)) {
            conf_diag_bytes("  ", o.err, strlen(o.err));
            if (o.set != NULL)
                diag_lines("  ours: ", o.set, strlen(o.set));
        }
        goto out;
    }
    have_set = o.seal_rc == MA_OK && o.set != NULL &&
               split_set(o.set, &ours[0], &ours[1], &ours[2]);
    snprintf(label, sizeof label, "%s: a new ARC set (i=%u)", what, o.n + 1);
    if (!check(t, have_set, label)) {
        if (o.err[0] != '\0')
            conf_diag_bytes("  ", o.err, strlen(o.err));
        else if (o.set == NULL)
            printf("#   no set (incoming chain %s, N=%u)\n",
                   name_or(ma_arc_result_name(o.result)), o.n);
        else
            diag_lines("  not three ARC fields: ", o.set, strlen(o.set));
        if (o.validated)
            conf_diag_bytes("  incoming chain problem: ", o.problem, strlen(o.problem));
    }

    /* 3 */
    compare_set(t, sc, what, have_set ? ours : NULL,
                split_set(x, &layout[0], &layout[1], &layout[2]) ? layout : NULL, v, vl, mine,
                theirs);

    /* 4 */
    snprintf(label, sizeof label, "%s: the sealed message validates: want %s%s, N=%u", what,
             name_or(ma_arc_result_name(want_cv)),
             want_cv == MA_ARC_FAIL ? " at the new set (cv=fail, RFC 8617 5.2 step 2)" : "",
             o.n + 1);
    check_sealed(t, ctx, sc->r, label, have_set ? o.set : NULL, have_set ? strlen(o.set) : 0,
                 v[T_MESSAGE], vl[T_MESSAGE], want_cv, o.n + 1);
    snprintf(label, sizeof label, "%s: the message with the suite's set validates: want %s, N=%u",
             what, name_or(ma_arc_result_name(want_cv)), o.n + 1);
    check_sealed(t, ctx, sc->r, label, x, xlen, v[T_MESSAGE], vl[T_MESSAGE], want_cv, o.n + 1);

out:
    ma_free(ctx, o.set);
    free(x);
    free(mine);
    free(theirs);
    free(srv);
    free(hdrs);
}

typedef struct sign_run {
    int64_t *clock_ms;
    int b_noted;
} sign_run;

static void run_sign_doc(tally *t, ma_ctx *ctx, ydoc *y, unsigned int docno, void *arg)
{
    sign_run *sr = arg;
    yaml_node_t *root = yaml_document_get_root_node(&y->doc);
    yaml_node_t *tests = conf_yget(y, root, "tests");
    yaml_node_pair_t *p;
    char what[256], label[320];
    size_t dl = 0, sl = 0;
    sign_scn sc;
    zone zn;

    snprintf(what, sizeof what, VS "scenario %u (%s)", docno, scenario_name(y));
    memset(&sc, 0, sizeof sc);
    sc.clock_ms = sr->clock_ms;
    sc.b_noted = &sr->b_noted;
    sc.domain = conf_ystr(conf_yget(y, root, "domain"));
    sc.sel = conf_ystr(conf_yget(y, root, "sel"));
    sc.key = yfield(y, root, "privatekey", &sc.key_len);
    if (sc.domain != NULL)
        dl = strlen(sc.domain);
    if (sc.sel != NULL)
        sl = strlen(sc.sel);
    snprintf(label, sizeof label, "%s: has domain, sel and privatekey", what);
    if (!check(t, dl > 0 && sl > 0 && sc.key != NULL, label))
        return;
    memset(&zn, 0, sizeof zn);
    if (ma_static_zone_new(&zn.z, ctx) != MA_OK) {
        check(t, 0, "ma_static_zone_new");
        return;
    }
    load_txt_records(&zn, y, what, 1);
    check_zone(t, what, &zn);
    if (ma_resolver_static_new(&sc.r, ctx, zn.z) != MA_OK) {
        check(t, 0, "ma_resolver_static_new");
        ma_static_zone_free(zn.z);
        return;
    }
    if (tests != NULL && tests->type == YAML_MAPPING_NODE) {
        for (p = tests->data.mapping.pairs.start; p < tests->data.mapping.pairs.top; p++) {
            const char *tid = conf_ystr(conf_ynode(y, p->key));
            if (tid == NULL) {
                check(t, 0, VS "a test id that is a scalar");
                continue;
            }
            run_sign_case(t, ctx, &sc, y, tid, conf_ynode(y, p->value));
        }
    } else {
        snprintf(label, sizeof label, "%s: tests is a mapping", what);
        check(t, 0, label);
    }
    ma_resolver_free(sc.r);
    ma_static_zone_free(zn.z);
}

static void run_sign(tally *t, ma_ctx *ctx, const char *root, int64_t *clock_ms)
{
    sign_run sr;
    int64_t saved = *clock_ms;
    sr.clock_ms = clock_ms;
    sr.b_noted = 0;
    if (each_document(t, ctx, root, "arc-draft-sign-tests.yml", run_sign_doc, &sr) == 0)
        check(t, 0, VS "arc-draft-sign-tests.yml has scenarios");
    *clock_ms = saved;
}

/* ---------------------------------------------- 3. stalwart-mail-auth/arc */

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

enum { SUITE_VALIDATE, SUITE_SIGN, SUITE_TOTAL };

static void totals(const tally *t, int kind)
{
    if (kind == SUITE_VALIDATE)
        printf("# %-20s %3u cases (want pass %u, fail %u [%u with cv empty], none %u; %u repeated "
               "ids), %3u lines: %u ok, %u todo, %u failed\n",
               t->suite, t->cases, t->want[MA_ARC_PASS], t->want[MA_ARC_FAIL], t->empty,
               t->want[MA_ARC_NONE], t->dup, t->checks, t->ok, t->todo, t->failed);
    else if (kind == SUITE_SIGN)
        printf("# %-20s %3u cases (new set with cv=none %u, cv=pass %u, cv=fail %u; no new set "
               "%u), %3u lines: %u ok, %u todo, %u failed\n",
               t->suite, t->cases, t->want[MA_ARC_NONE], t->want[MA_ARC_PASS],
               t->want[MA_ARC_FAIL], t->empty, t->checks, t->ok, t->todo, t->failed);
    else
        printf("# %-20s %3u cases, %3u lines: %u ok, %u todo, %u failed\n", t->suite, t->cases,
               t->checks, t->ok, t->todo, t->failed);
}

int main(int argc, char **argv)
{
    static const int kinds[3] = { SUITE_VALIDATE, SUITE_SIGN, SUITE_VALIDATE };
    const char *root = argc > 1 ? argv[1] : MA_TESTSUITES;
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    int64_t clock_ms = CONF_CLOCK;
    ma_ctx *ctx = NULL;
    tally t[3], all;
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
    t[1].suite = "arc-valimail-sign";
    t[2].suite = "stalwart-arc";
    run_valimail(&t[0], ctx, root);
    run_sign(&t[1], ctx, root, &clock_ms);
    run_stalwart(&t[2], ctx, root);
    ma_ctx_free(ctx);

    memset(&all, 0, sizeof all);
    all.suite = "total";
    tap_diag("totals:");
    for (i = 0; i < 3; i++) {
        totals(&t[i], kinds[i]);
        all.cases += t[i].cases;
        all.checks += t[i].checks;
        all.ok += t[i].ok;
        all.todo += t[i].todo;
        all.failed += t[i].failed;
    }
    totals(&all, SUITE_TOTAL);
    return tap_done();
}
