/*
 * The DKIM conformance runner: four third-party suites run against the DKIM
 * verifier through the public API only (ma_msg + ma_dkim_job + a static
 * resolver).  Formats: shared/testsuites/README.md sections 3 and 4.
 *
 * Input: MA_TESTSUITES (or the directory named by argv[1]):
 *   dkim-rfc8463/       vectors.yml `verify` (RFC 8463 Appendix A.3),
 *                       keys.list ("name TXT value" lines);
 *   dkim-dkimpy/        vectors.yml (6 fixed-message verify cases),
 *                       keys.list ("name TXT value", "@data/x" = that file's
 *                       contents without the final newline);
 *   dkim-maildkim/      corpus/<file>.txt, FAKE_DNS.dat, expected.yml;
 *   stalwart-mail-auth/dkim/NNN.txt: "name value" TXT lines, a blank line,
 *                       the message.
 *
 * Messages are fed to the reader as they are: LF-only files (rfc8463,
 * dkimpy, stalwart, maildkim bad_1878954) are not converted, since the
 * reader turns every bare LF into CRLF before canonicalisation (message.h),
 * which is exactly the conversion the suites ask for.  Each message is read
 * twice: whole, and again in 7-byte chunks; the second reading must give
 * the same verdicts (one TAP line per message).
 *
 * Clock: the stalwart files are verified at 1667843664 s, as upstream does
 * (stalwart 005.txt has x=1667930064), with the default limits, and again
 * with MA_LIMIT_DKIM_CLOCK_SKEW at a day (004.txt has t= 5.3 hours after
 * that clock; upstream does not look at t=).  The other suites use the
 * real clock upstream; here the clock is fixed at 2025-01-01T00:00:00Z
 * (CONF_CLOCK_OTHER), later than every t= in them, so runs are repeatable.
 *
 * Output: TAP.  Each signature's verdict is one line,
 *   "<suite>/<file> sig <i>: want <expectation>",
 * followed on failure by what we said (result, reason, problem text, d=,
 * s=, a=, key size).  Cases where we believe the suite contradicts an RFC
 * are listed in conf_disagreements[] with the RFC section: they run and are
 * reported with ok_todo() (XFAIL; XPASS, an error, if they start to agree),
 * never skipped.  Totals per suite are printed as diagnostics at the end.
 *
 * Mail::DKIM's vocabulary (expected.yml `expect`) onto ours:
 *   pass    -> MA_DKIM_PASS
 *   fail    -> MA_DKIM_FAIL (the signature was checked and does not verify)
 *   invalid -> MA_DKIM_NEUTRAL, MA_DKIM_POLICY, MA_DKIM_TEMPERROR or
 *              MA_DKIM_PERMERROR (the signature could not be evaluated:
 *              unsupported or bad tags, key missing, revoked or unusable,
 *              DNS error, refused by policy; RFC 8601 2.7.1)
 * with these refinements:
 *   - rfc8301_conflict (upstream wants pass, but a=rsa-sha1 or an RSA key
 *     under 1024 bits): the signature must NOT pass (RFC 8301 3.1, 3.2).
 *     Any "not pass" verdict counts: several of these signatures are
 *     refused earlier anyway (no v=, v=0.5: RFC 6376 6.1.1).
 *   - Every file whose signatures include rsa-sha1 is verified again with
 *     MA_DKIM_ALLOW_SHA1 (lines marked "(sha1 allowed)"): then each signature gets Mail::DKIM's own
 *     expectation, except that RSA keys under 1024 bits still must not pass
 *     (RFC 8301 3.2 has no opt-out).  This checks the corpus's canonicalisation
 *     and key-record cases, which the sha1 refusal would otherwise hide.
 *   - domainkeys files (RFC 4870 DomainKey-Signature, no DKIM-Signature)
 *     must give no DKIM verdict: ma_dkim_job_count() == 0.  Every file gets
 *     a line asserting the number of DKIM-Signature fields we saw.
 *   - upstream_skipped: run all the same; every one of them also carries
 *     rfc8301_conflict or domainkeys, which give a reliable expectation.  One
 *     that carried neither would have no reliable expectation: its verdicts
 *     would be printed as diagnostics only (none in the current data).
 *   - A pass must also report the key size expected.yml lists
 *     (ma_dkim_job_key_bits(); ed25519 = 256 bits).
 *   - Verdict lines with a loose expectation (invalid, not pass) print the
 *     verdict that met it as a diagnostic, so the log shows the reasons.
 *   - multiple_2.txt: per-signature results invalid, pass, fail (from the
 *     comment in expected.yml), plus a 4th field "DKIM-Signature: synerr"
 *     that must be invalid (unparseable tag list).
 */
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

#define CONF_CLOCK_STALWART 1667843664000LL /* ms */
#define CONF_CLOCK_OTHER 1735689600000LL    /* 2025-01-01T00:00:00Z, ms */
#define CONF_MAX_SIGS 16                    /* signatures recorded per message */
#define CONF_CHUNK 7                        /* bytes per write in the chunked reading */

/* ----------------------------------------------------------- utilities */

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* A diagnostic line with the bytes escaped. */
static int ctx_new(ma_ctx **out, int64_t *clock_ms)
{
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    opts.clock_fn = fixed_clock;
    opts.clock_payload = clock_ms;
    return ma_ctx_new(out, &opts);
}

/* ------------------------------------------------------------ the zone */

typedef struct zone {
    ma_static_zone *z;
    char err[512]; /* first problem; "" when none */
} zone;

static void zone_fail(zone *zn, const char *name, const char *what, int rc)
{
    int n;
    if (zn->err[0] != '\0')
        return;
    n = snprintf(zn->err, sizeof zn->err, "zone: %s: %s%s%s", name, what, rc != MA_OK ? ": " : "",
             rc != MA_OK ? ma_status_str(rc) : "");
    if (n < 0)
        snprintf(zn->err, sizeof zn->err, "zone: error");
}

/* Copy a name without its trailing dot; NULL on allocation failure. */
static char *zone_name(const char *name, size_t len)
{
    if (len > 1 && name[len - 1] == '.')
        len--;
    return conf_dup_mem(name, len);
}

static int zone_add_txt(zone *zn, const char *name, size_t name_len, const char *text, size_t len)
{
    char *n = zone_name(name, name_len);
    int rc;
    if (n == NULL) {
        zone_fail(zn, "?", "name", MA_ENOMEM);
        return MA_ENOMEM;
    }
    rc = ma_static_zone_add_txt(zn->z, n, text, len, 300);
    if (rc != MA_OK)
        zone_fail(zn, n, "TXT", rc);
    free(n);
    return rc;
}

/* ------------------------------------------------------ running a message */

typedef struct sig_out {
    int result;
    int reason;
    int alg;
    unsigned int bits;
    char problem[320];
    char domain[128];
    char selector[96];
} sig_out;

typedef struct run_out {
    int status;      /* MA_OK, or what went wrong */
    char error[320]; /* when status != MA_OK */
    size_t count;    /* ma_dkim_job_count() */
    sig_out sig[CONF_MAX_SIGS];
} run_out;

static int run_fail(run_out *o, int rc, const char *what, const char *detail)
{
    o->status = rc < 0 ? rc : MA_ESTATE;
    snprintf(o->error, sizeof o->error, "%s: %s%s%s", what,
             rc < 0 ? ma_status_str(rc) : "unexpected step result",
             detail != NULL && *detail ? " - " : "", detail != NULL ? detail : "");
    return o->status;
}

/* Verify one message; chunk 0 feeds it in one write. */
static int run_message(ma_ctx *ctx, ma_resolver *r, unsigned int flags, const char *data,
                       size_t len, size_t chunk, run_out *o)
{
    ma_dkim_verify_opts opts = MA_DKIM_VERIFY_OPTS_INIT;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    size_t i, off;
    int rc;

    memset(o, 0, sizeof *o);
    opts.flags = flags;
    rc = ma_msg_new(&msg, ctx);
    if (rc != MA_OK)
        return run_fail(o, rc, "ma_msg_new", NULL);
    rc = ma_dkim_job_new(&job, ctx, &opts);
    if (rc != MA_OK) {
        ma_msg_free(msg);
        return run_fail(o, rc, "ma_dkim_job_new", NULL);
    }
    rc = ma_dkim_job_attach(job, msg);
    if (rc != MA_OK) {
        run_fail(o, rc, "ma_dkim_job_attach", ma_job_error(job));
        goto out;
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
        run_fail(o, rc, "ma_job_run", ma_job_error(job));
        goto out;
    }
    o->count = ma_dkim_job_count(job);
    for (i = 0; i < o->count && i < CONF_MAX_SIGS; i++) {
        sig_out *s = &o->sig[i];
        s->result = (int)ma_dkim_job_result(job, i);
        s->reason = (int)ma_dkim_job_reason(job, i);
        s->alg = (int)ma_dkim_job_algorithm(job, i);
        s->bits = ma_dkim_job_key_bits(job, i);
        copy_str(s->problem, sizeof s->problem, ma_dkim_job_problem(job, i));
        copy_str(s->domain, sizeof s->domain, ma_dkim_job_domain(job, i));
        copy_str(s->selector, sizeof s->selector, ma_dkim_job_selector(job, i));
    }
    o->status = MA_OK;
out:
    ma_job_free(job);
    ma_msg_free(msg);
    return o->status;
}

static const char *name_or(const char *n)
{
    return n != NULL ? n : "?";
}

static void diag_sig(const run_out *o, size_t i)
{
    const sig_out *s;
    if (o->status != MA_OK) {
        printf("#   got error %s\n", o->error);
        return;
    }
    if (i >= o->count || i >= CONF_MAX_SIGS) {
        printf("#   got no signature %u (the message has %u)\n", (unsigned)i, (unsigned)o->count);
        return;
    }
    s = &o->sig[i];
    printf("#   got %s (%s); d=%s s=%s a=%s key %u bits\n", name_or(ma_dkim_result_name(s->result)),
           name_or(ma_dkim_reason_name(s->reason)), s->domain, s->selector,
           name_or(ma_dkim_alg_name(s->alg)), s->bits);
    if (s->problem[0] != '\0')
        conf_diag_bytes("  problem: ", s->problem, strlen(s->problem));
}

/* --------------------------------------------------------- expectations */

enum want {
    W_PASS,     /* MA_DKIM_PASS */
    W_FAIL,     /* MA_DKIM_FAIL */
    W_INVALID,  /* neutral, policy, temperror or permerror */
    W_NOT_PASS, /* any verdict but pass (and not "none") */
    W_RFC8301,  /* not pass, as RFC 8301 requires (sha1, key under 1024 bits) */
    W_DOMAIN    /* permerror because d= is not a domain name */
};

static const char *want_name(enum want w)
{
    switch (w) {
    case W_PASS: return "pass";
    case W_FAIL: return "fail";
    case W_INVALID: return "invalid (neutral/policy/temperror/permerror)";
    case W_NOT_PASS: return "not pass";
    case W_RFC8301: return "not pass (RFC 8301: rsa-sha1 or RSA < 1024 bits)";
    case W_DOMAIN: return "permerror on d= syntax";
    }
    return "?";
}

static int want_matches(enum want w, const run_out *o, size_t i)
{
    const sig_out *s;
    if (o->status != MA_OK || i >= o->count || i >= CONF_MAX_SIGS)
        return 0;
    s = &o->sig[i];
    switch (w) {
    case W_PASS: return s->result == MA_DKIM_PASS;
    case W_FAIL: return s->result == MA_DKIM_FAIL;
    case W_INVALID:
        return s->result == MA_DKIM_NEUTRAL || s->result == MA_DKIM_POLICY ||
               s->result == MA_DKIM_TEMPERROR || s->result == MA_DKIM_PERMERROR;
    case W_NOT_PASS:
    case W_RFC8301: return s->result >= MA_DKIM_FAIL && s->result <= MA_DKIM_PERMERROR;
    case W_DOMAIN: return s->result == MA_DKIM_PERMERROR && s->reason == MA_DKIM_R_DOMAIN;
    }
    return 0;
}

/*
 * Suite cases whose expectation we believe contradicts an RFC.  Each runs
 * and is reported as "# TODO <reason>": an expected failure that stays
 * visible in the totals, and an error (XPASS) the day it starts passing.
 */
static const struct {
    const char *label;
    const char *reason;
} conf_disagreements[] = {
#define MD "dkim-maildkim/corpus/"
#define NO_V "RFC 6376 3.5 and 6.1.1: v= is required, a signature without it MUST be PERMFAIL " \
             "(Mail::DKIM still accepts draft-era signatures)"
#define V05 "RFC 6376 6.1.1: v=0.5 is an incompatible version, MUST be PERMFAIL " \
            "(Mail::DKIM still accepts draft-era signatures)"
#define NO_V_SMALL NO_V "; the key is also RSA-768 (RFC 8301 3.2)"
    { MD "mine_ietf01_1.txt (sha1 allowed) sig 0: want pass, 1024-bit key", NO_V },
    { MD "mine_ietf01_2.txt (sha1 allowed) sig 0: want pass, 1024-bit key", NO_V },
    { MD "mine_ietf01_3.txt sig 0: want pass, 1024-bit key", NO_V },
    { MD "mine_ietf01_4.txt sig 0: want pass, 1024-bit key", NO_V },
    { MD "mine_ietf05_1.txt (sha1 allowed) sig 0: want pass, 1024-bit key", V05 },
    { MD "no_body_1.txt (sha1 allowed) sig 0: want pass, 1024-bit key", V05 },
    { MD "no_body_2.txt (sha1 allowed) sig 0: want pass, 1024-bit key", V05 },
    { MD "no_body_3.txt (sha1 allowed) sig 0: want pass, 1024-bit key", V05 },
    { MD "bad_ietf01_1.txt sig 0: want fail", NO_V_SMALL },
    { MD "bad_ietf01_2.txt sig 0: want fail", NO_V_SMALL },
    { MD "bad_ietf01_3.txt sig 0: want fail", NO_V_SMALL },
    { MD "bad_1.txt sig 0: want fail", NO_V_SMALL },
    { MD "bad_1878954.txt sig 0: want fail",
      "RFC 8301 3.1: rsa-sha1 signatures have permanently failed evaluation, a permerror "
      "before any check (the sha1-allowed run gives fail)" },
    { "stalwart-mail-auth/dkim/004.txt sig 0: want pass",
      "RFC 6376 3.5: verifiers MAY ignore signatures with a timestamp in the future; t= is "
      "5.3 hours after the suite's fixed clock, beyond MA_LIMIT_DKIM_CLOCK_SKEW (300 s); "
      "passes with a skew of a day (upstream ignores t=)" },
#undef MD
#undef NO_V
#undef V05
#undef NO_V_SMALL
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
    unsigned int messages;
    unsigned int sigs;     /* per-signature verdict lines */
    unsigned int checks;   /* every TAP line of the suite */
    unsigned int ok;       /* lines that passed */
    unsigned int todo;     /* known disagreements (ok_todo) */
    unsigned int failed;   /* lines that failed (not TODO) */
    unsigned int conflict; /* rfc8301_conflict signatures asserted "not pass" */
    unsigned int conflict_files; /* files marked rfc8301_conflict */
    unsigned int dk;       /* domainkeys files asserted "no DKIM verdict" */
    unsigned int skipped;  /* upstream_skipped files run */
    unsigned int sha1;     /* verdict lines of the MA_DKIM_ALLOW_SHA1 runs */
    unsigned int diag;     /* signatures reported as diagnostics only */
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

/* A verdict line; bits != 0 also wants ma_dkim_job_key_bits() == bits. */
static void check_sig_bits(tally *t, const char *what, size_t i, enum want w, unsigned int bits,
                           const run_out *o)
{
    char label[512], kb[32] = "";
    int good = want_matches(w, o, i);
    if (bits != 0) {
        snprintf(kb, sizeof kb, ", %u-bit key", bits);
        good = good && o->sig[i].bits == bits;
    }
    snprintf(label, sizeof label, "%s sig %u: want %s%s", what, (unsigned)i, want_name(w), kb);
    t->sigs++;
    /* Loose expectations also show which verdict met them. */
    if (!check(t, good, label) || disagreement(label) != NULL || w == W_INVALID ||
        w == W_NOT_PASS || w == W_RFC8301)
        diag_sig(o, i);
}

static void check_sig(tally *t, const char *what, size_t i, enum want w, const run_out *o)
{
    check_sig_bits(t, what, i, w, 0, o);
}

static void check_count(tally *t, const char *what, size_t want, const run_out *o)
{
    char label[512];
    snprintf(label, sizeof label, "%s: %u DKIM-Signature field%s", what, (unsigned)want,
             want == 1 ? "" : "s");
    if (!check(t, o->status == MA_OK && o->count == want, label)) {
        if (o->status != MA_OK)
            printf("#   got error %s\n", o->error);
        else
            printf("#   got %u\n", (unsigned)o->count);
    }
}

/* The chunked reading must give the verdicts of the whole one. */
static void check_same(tally *t, const char *what, const run_out *a, const run_out *b)
{
    char label[512];
    size_t i;
    int same = a->status == b->status && a->count == b->count;
    for (i = 0; same && i < a->count && i < CONF_MAX_SIGS; i++)
        same = a->sig[i].result == b->sig[i].result && a->sig[i].reason == b->sig[i].reason;
    snprintf(label, sizeof label, "%s: same verdicts when fed in %d-byte chunks", what, CONF_CHUNK);
    if (!check(t, same, label)) {
        printf("#   whole: status %d, %u signatures; chunked: status %d, %u signatures\n",
               a->status, (unsigned)a->count, b->status, (unsigned)b->count);
        for (i = 0; i < a->count && i < b->count && i < CONF_MAX_SIGS; i++)
            printf("#   sig %u: %s/%s vs %s/%s\n", (unsigned)i,
                   name_or(ma_dkim_result_name(a->sig[i].result)),
                   name_or(ma_dkim_reason_name(a->sig[i].reason)),
                   name_or(ma_dkim_result_name(b->sig[i].result)),
                   name_or(ma_dkim_reason_name(b->sig[i].reason)));
    }
}

/* Verdicts of signatures without a reliable expectation. */
static void diag_only(tally *t, const char *what, size_t i, const run_out *o)
{
    t->diag++;
    printf("# %s sig %u (no expectation from the suite):\n", what, (unsigned)i);
    diag_sig(o, i);
}

/* Run a message whole and chunked; the whole reading goes to *o. */
static void run_both(tally *t, ma_ctx *ctx, ma_resolver *r, unsigned int flags, const char *what,
                     const char *data, size_t len, run_out *o)
{
    run_out *c = malloc(sizeof *c);
    run_message(ctx, r, flags, data, len, 0, o);
    if (c == NULL) {
        check(t, 0, "out of memory");
        return;
    }
    run_message(ctx, r, flags, data, len, CONF_CHUNK, c);
    check_same(t, what, o, c);
    free(c);
}

/* Bundle of the things one suite needs. */
typedef struct suite {
    const char *root; /* testsuites directory */
    tally t;
    int64_t clock_ms;
    ma_ctx *ctx;
    ma_ctx *lenient; /* same clock, MA_LIMIT_DKIM_CLOCK_SKEW of a day (stalwart) */
} suite;

static int suite_open(suite *s, const char *root, const char *name, int64_t clock_ms)
{
    int rc;
    memset(s, 0, sizeof *s);
    s->root = root;
    s->t.suite = name;
    s->clock_ms = clock_ms;
    rc = ctx_new(&s->ctx, &s->clock_ms);
    if (rc != MA_OK) {
        printf("Bail out! ma_ctx_new: %s\n", ma_status_str(rc));
        return 0;
    }
    return 1;
}

static void suite_close(suite *s)
{
    ma_ctx_free(s->lenient);
    ma_ctx_free(s->ctx);
    s->ctx = s->lenient = NULL;
}

/* a/b[/c]; an over-long path becomes "" (and then fails to open). */
static void path_join(char *buf, size_t size, const char *a, const char *b, const char *c)
{
    int n = snprintf(buf, size, "%s/%s%s%s", a, b, c != NULL ? "/" : "", c != NULL ? c : "");
    if (n < 0 || (size_t)n >= size)
        buf[0] = '\0';
}

/* A zone-building failure is a failed TAP line of its own. */
static void check_zone(tally *t, const char *what, const zone *zn)
{
    char label[512];
    snprintf(label, sizeof label, "%s: DNS data loaded", what);
    if (!check(t, zn->err[0] == '\0', label))
        conf_diag_bytes("  ", zn->err, strlen(zn->err));
}

/* ------------------------------------------- "name TXT value" key lists */

/* One line of a keys.list: name, value (borrowed from the text). */
typedef struct key_line {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} key_line;

/*
 * Parse "name TXT value" lines (# comments, blank lines ignored).  The value
 * runs to the end of the line and may be empty.  Returns the number of
 * lines found (at most max), or -1 on a malformed line.
 */
static int key_lines(const char *text, size_t len, key_line *out, int max, char *err,
                     size_t errsize)
{
    size_t pos = 0;
    int n = 0, lineno = 0;

    while (pos < len) {
        const char *line = text + pos, *end = memchr(line, '\n', len - pos), *p, *q;
        size_t ll = end != NULL ? (size_t)(end - line) : len - pos;
        pos += ll + (end != NULL);
        lineno++;
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (ll == 0 || line[0] == '#')
            continue;
        if (n == max) {
            snprintf(err, errsize, "line %d: too many records", lineno);
            return -1;
        }
        p = line;
        while (p < line + ll && *p != ' ' && *p != '\t')
            p++;
        out[n].name = line;
        out[n].name_len = (size_t)(p - line);
        while (p < line + ll && (*p == ' ' || *p == '\t'))
            p++;
        q = p;
        while (q < line + ll && *q != ' ' && *q != '\t')
            q++;
        if (out[n].name_len == 0 || (size_t)(q - p) != 3 || memcmp(p, "TXT", 3) != 0) {
            snprintf(err, errsize, "line %d: not \"name TXT value\"", lineno);
            return -1;
        }
        if (q < line + ll)
            q++; /* the one separator after TXT */
        out[n].value = q;
        out[n].value_len = (size_t)(line + ll - q);
        n++;
    }
    return n;
}

/*
 * Add a TXT value to the zone: "@data/x" names a file under dir (its
 * contents without the final newline).
 */
static void zone_add_value(zone *zn, const char *dir, const char *name, size_t name_len,
                           const char *value, size_t value_len)
{
    char path[1024], *file, *content;
    size_t clen;

    if (value_len > 1 && value[0] == '@') {
        file = conf_dup_mem(value + 1, value_len - 1);
        if (file == NULL) {
            zone_fail(zn, "?", "file name", MA_ENOMEM);
            return;
        }
        path_join(path, sizeof path, dir, file, NULL);
        free(file);
        content = conf_read_file(path, &clen);
        if (content == NULL) {
            zone_fail(zn, path, strerror(errno), MA_OK);
            return;
        }
        while (clen > 0 && (content[clen - 1] == '\n' || content[clen - 1] == '\r'))
            clen--;
        zone_add_txt(zn, name, name_len, content, clen);
        free(content);
        return;
    }
    zone_add_txt(zn, name, name_len, value, value_len);
}

/* ----------------------------------------------------- 1. dkim-rfc8463 */

/* The value of tag name in a DKIM-Signature field, FWS removed, into buf. */
static void tag_value(const char *field, const char *name, char *buf, size_t size)
{
    size_t nl = strlen(name), w = 0;
    const char *p = field;
    buf[0] = '\0';
    while ((p = strstr(p, name)) != NULL) {
        if ((p == field || p[-1] == ' ' || p[-1] == ';' || p[-1] == '\t' || p[-1] == '\n') &&
            p[nl] == '=')
            break;
        p += nl;
    }
    if (p == NULL)
        return;
    for (p += nl + 1; *p && *p != ';' && w + 1 < size; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            buf[w++] = *p;
    buf[w] = '\0';
}

/*
 * The exact signing vectors: with the vector's key, d=, s=, i=, header
 * list, canonicalisation and time, bh= and b= must come out byte for byte
 * (both algorithms are deterministic).
 */
static void run_rfc8463_sign(suite *s, ydoc *y, const char *dir)
{
    yaml_node_t *sign = conf_yget(y, yaml_document_get_root_node(&y->doc), "sign");
    size_t i, n = conf_yseq_len(sign);
    check(&s->t, n > 0, "dkim-rfc8463/vectors.yml has signing vectors");
    for (i = 0; i < n; i++) {
        yaml_node_t *v = conf_yseq_at(y, sign, i);
        const char *msgname = conf_ystr(conf_yget(y, v, "message"));
        const char *keyname = conf_ystr(conf_yget(y, v, "private_key"));
        const char *canon = conf_ystr(conf_yget(y, v, "canonicalization"));
        const char *ts = conf_ystr(conf_yget(y, v, "timestamp"));
        const char *want_bh = conf_ystr(conf_yget(y, v, "expected_bh"));
        const char *want_b = conf_ystr(conf_yget(y, v, "expected_b"));
        ma_dkim_sign_opts so = MA_DKIM_SIGN_OPTS_INIT;
        char path[1024], what[256], bh[128], b[1024];
        char *msgtext = NULL, *keytext = NULL, *field = NULL;
        size_t msglen = 0, keylen = 0;
        int64_t clock_ms;
        ma_ctx *ctx = NULL;
        ma_dkim_signer *signer = NULL;
        ma_dkim_sign *g = NULL;
        ma_msg *m = NULL;
        int rc;

        so.domain = conf_ystr(conf_yget(y, v, "domain"));
        so.selector = conf_ystr(conf_yget(y, v, "selector"));
        so.identity = conf_ystr(conf_yget(y, v, "identity"));
        so.headers = conf_ystr(conf_yget(y, v, "headers"));
        snprintf(what, sizeof what, "dkim-rfc8463 sign %s with %s", msgname ? msgname : "?",
                 keyname ? keyname : "?");
        if (msgname == NULL || keyname == NULL || canon == NULL || ts == NULL || want_bh == NULL ||
            want_b == NULL || so.domain == NULL || so.selector == NULL) {
            check(&s->t, 0, what);
            tap_diag("vector lacks a field");
            continue;
        }
        so.header_canon = strncmp(canon, "relaxed/", 8) == 0 ? MA_DKIM_RELAXED : MA_DKIM_SIMPLE;
        so.body_canon = strstr(canon, "/relaxed") != NULL ? MA_DKIM_RELAXED : MA_DKIM_SIMPLE;
        clock_ms = (int64_t)strtoll(ts, NULL, 10) * 1000;
        path_join(path, sizeof path, dir, msgname, NULL);
        msgtext = conf_read_file(path, &msglen);
        path_join(path, sizeof path, dir, keyname, NULL);
        keytext = conf_read_file(path, &keylen);
        rc = msgtext && keytext ? ctx_new(&ctx, &clock_ms) : MA_EIO;
        if (rc == MA_OK)
            rc = ma_dkim_signer_new(&signer, ctx, &so, keytext, keylen);
        if (rc == MA_OK)
            rc = ma_msg_new(&m, ctx);
        if (rc == MA_OK)
            rc = ma_dkim_sign_new(&g, signer);
        if (rc == MA_OK)
            rc = ma_dkim_sign_attach(g, m);
        if (rc == MA_OK)
            rc = ma_msg_write(m, msgtext, msglen);
        if (rc == MA_OK)
            rc = ma_msg_finish(m);
        if (rc == MA_OK)
            rc = ma_dkim_sign_field(g, &field);
        if (rc != MA_OK) {
            check(&s->t, 0, what);
            tap_diag(ma_status_str(rc));
        } else {
            char label[300];
            tag_value(field, "bh", bh, sizeof bh);
            tag_value(field, "b", b, sizeof b);
            snprintf(label, sizeof label, "%s: bh= as RFC 8463 A.3", what);
            check(&s->t, strcmp(bh, want_bh) == 0, label);
            snprintf(label, sizeof label, "%s: b= byte for byte as RFC 8463 A.3", what);
            check(&s->t, strcmp(b, want_b) == 0, label);
            if (strcmp(b, want_b) != 0)
                tap_diag(field);
        }
        ma_free(ctx, field);
        ma_dkim_sign_free(g);
        ma_msg_free(m);
        ma_dkim_signer_free(signer);
        ma_ctx_free(ctx);
        free(msgtext);
        free(keytext);
    }
}

static void run_rfc8463(suite *s)
{
    char dir[1024], path[1024], err[512];
    ydoc y;
    yaml_node_t *verify, *per;
    const char *msgname, *zonename;
    char *msgtext = NULL, *keytext = NULL;
    size_t msglen, keylen, i, nwant;
    key_line lines[16];
    int n;
    zone zn;
    ma_resolver *r = NULL;
    run_out o;
    char what[512];

    path_join(dir, sizeof dir, s->root, "dkim-rfc8463", NULL);
    path_join(path, sizeof path, dir, "vectors.yml", NULL);
    memset(&zn, 0, sizeof zn);
    if (!conf_ydoc_load(&y, path, err, sizeof err)) {
        check(&s->t, 0, "dkim-rfc8463/vectors.yml loads");
        tap_diag(err);
        conf_ydoc_free(&y);
        return;
    }
    verify = conf_yget(&y, yaml_document_get_root_node(&y.doc), "verify");
    msgname = conf_ystr(conf_yget(&y, verify, "message"));
    zonename = conf_ystr(conf_yget(&y, verify, "zone"));
    per = conf_yget(&y, verify, "per_signature");
    nwant = conf_yseq_len(per);
    if (msgname == NULL || zonename == NULL || nwant == 0) {
        check(&s->t, 0, "dkim-rfc8463/vectors.yml: verify has message, zone, per_signature");
        goto out;
    }
    snprintf(what, sizeof what, "dkim-rfc8463/%s", msgname);
    path_join(path, sizeof path, dir, msgname, NULL);
    msgtext = conf_read_file(path, &msglen);
    path_join(path, sizeof path, dir, zonename, NULL);
    keytext = conf_read_file(path, &keylen);
    if (msgtext == NULL || keytext == NULL) {
        check(&s->t, 0, "dkim-rfc8463: message and zone readable");
        goto out;
    }
    if (ma_static_zone_new(&zn.z, s->ctx) != MA_OK) {
        check(&s->t, 0, "dkim-rfc8463: ma_static_zone_new");
        goto out;
    }
    n = key_lines(keytext, keylen, lines, 16, zn.err, sizeof zn.err);
    for (i = 0; n > 0 && i < (size_t)n; i++)
        zone_add_txt(&zn, lines[i].name, lines[i].name_len, lines[i].value, lines[i].value_len);
    check_zone(&s->t, what, &zn);
    if (ma_resolver_static_new(&r, s->ctx, zn.z) != MA_OK) {
        check(&s->t, 0, "dkim-rfc8463: ma_resolver_static_new");
        goto out;
    }
    s->t.messages++;
    run_both(&s->t, s->ctx, r, 0, what, msgtext, msglen, &o);
    check_count(&s->t, what, nwant, &o);
    for (i = 0; i < nwant; i++) {
        const char *w = conf_ystr(conf_yseq_at(&y, per, i));
        check_sig(&s->t, what, i, w != NULL && strcmp(w, "pass") == 0 ? W_PASS : W_FAIL, &o);
    }
    run_rfc8463_sign(s, &y, dir);
out:
    ma_resolver_free(r);
    ma_static_zone_free(zn.z);
    free(msgtext);
    free(keytext);
    conf_ydoc_free(&y);
}

/* ------------------------------------------------------ 2. dkim-dkimpy */

#define DKIMPY_MAX_KEYS 64

static void run_dkimpy_vector(suite *s, ydoc *y, yaml_node_t *v, const char *dir,
                              const key_line *base, int nbase)
{
    const char *id = conf_ystr(conf_yget(y, v, "id")), *msgname = conf_ystr(conf_yget(y, v, "message"));
    yaml_node_t *dns = conf_yget(y, v, "dns"), *expect = conf_yget(y, v, "expect");
    yaml_node_t *per = conf_yget(y, v, "per_signature");
    char what[512], path[1024];
    char *msgtext = NULL;
    size_t msglen, i;
    yaml_node_pair_t *p;
    zone zn;
    ma_resolver *r = NULL;
    run_out o;
    int k;

    snprintf(what, sizeof what, "dkim-dkimpy/%s [%s]", msgname != NULL ? msgname : "?",
             id != NULL ? id : "?");
    memset(&zn, 0, sizeof zn);
    if (msgname == NULL || (!conf_yscalar_is(expect, "true") && !conf_yscalar_is(expect, "false"))) {
        check(&s->t, 0, what);
        tap_diag("vector without message or boolean expect");
        return;
    }
    path_join(path, sizeof path, dir, msgname, NULL);
    msgtext = conf_read_file(path, &msglen);
    if (msgtext == NULL || ma_static_zone_new(&zn.z, s->ctx) != MA_OK) {
        check(&s->t, 0, what);
        tap_diag("message unreadable, or ma_static_zone_new failed");
        free(msgtext);
        return;
    }
    /* keys.list, with the names the vector rebinds left out. */
    for (k = 0; k < nbase; k++) {
        int rebound = 0;
        if (dns != NULL && dns->type == YAML_MAPPING_NODE)
            for (p = dns->data.mapping.pairs.start; p < dns->data.mapping.pairs.top; p++) {
                const yaml_node_t *kn = conf_ynode(y, p->key);
                if (kn != NULL && kn->type == YAML_SCALAR_NODE &&
                    kn->data.scalar.length == base[k].name_len &&
                    memcmp(kn->data.scalar.value, base[k].name, base[k].name_len) == 0)
                    rebound = 1;
            }
        if (!rebound)
            zone_add_value(&zn, dir, base[k].name, base[k].name_len, base[k].value,
                           base[k].value_len);
    }
    if (dns != NULL && dns->type == YAML_MAPPING_NODE)
        for (p = dns->data.mapping.pairs.start; p < dns->data.mapping.pairs.top; p++) {
            const yaml_node_t *kn = conf_ynode(y, p->key), *vn = conf_ynode(y, p->value);
            if (kn == NULL || vn == NULL || kn->type != YAML_SCALAR_NODE ||
                vn->type != YAML_SCALAR_NODE) {
                zone_fail(&zn, "?", "dns entry is not name: value", MA_OK);
                continue;
            }
            zone_add_value(&zn, dir, (const char *)kn->data.scalar.value, kn->data.scalar.length,
                           (const char *)vn->data.scalar.value, vn->data.scalar.length);
        }
    check_zone(&s->t, what, &zn);
    if (ma_resolver_static_new(&r, s->ctx, zn.z) != MA_OK) {
        check(&s->t, 0, what);
        tap_diag("ma_resolver_static_new failed");
        goto out;
    }
    s->t.messages++;
    run_both(&s->t, s->ctx, r, 0, what, msgtext, msglen, &o);
    if (per != NULL) {
        /* Every signature has an expectation: the count is known. */
        check_count(&s->t, what, conf_yseq_len(per), &o);
        for (i = 0; i < conf_yseq_len(per); i++)
            check_sig(&s->t, what, i, conf_yscalar_is(conf_yseq_at(y, per, i), "pass") ? W_PASS : W_FAIL,
                      &o);
    } else {
        enum want w = conf_yscalar_is(expect, "true") ? W_PASS : W_NOT_PASS;
        /*
         * d=legitimate.com(.attacker.com: the key exists under that very
         * name and the signature is valid, so only d= syntax can reject it
         * (RFC 6376 3.5: d= is a domain-name).
         */
        if (id != NULL && strcmp(id, "hostile-domain") == 0)
            w = W_DOMAIN;
        /* dkimpy's verify() answers for the first signature only. */
        check_sig(&s->t, what, 0, w, &o);
        for (i = 1; o.status == MA_OK && i < o.count && i < CONF_MAX_SIGS; i++)
            diag_only(&s->t, what, i, &o);
    }
out:
    ma_resolver_free(r);
    ma_static_zone_free(zn.z);
    free(msgtext);
}

static void run_dkimpy(suite *s)
{
    char dir[1024], path[1024], err[512];
    ydoc y;
    yaml_node_t *root;
    char *keytext;
    size_t keylen, i;
    key_line base[DKIMPY_MAX_KEYS];
    int nbase;

    path_join(dir, sizeof dir, s->root, "dkim-dkimpy", NULL);
    path_join(path, sizeof path, dir, "keys.list", NULL);
    keytext = conf_read_file(path, &keylen);
    if (keytext == NULL) {
        check(&s->t, 0, "dkim-dkimpy/keys.list readable");
        return;
    }
    nbase = key_lines(keytext, keylen, base, DKIMPY_MAX_KEYS, err, sizeof err);
    if (nbase < 0) {
        check(&s->t, 0, "dkim-dkimpy/keys.list parses");
        tap_diag(err);
        free(keytext);
        return;
    }
    path_join(path, sizeof path, dir, "vectors.yml", NULL);
    if (!conf_ydoc_load(&y, path, err, sizeof err)) {
        check(&s->t, 0, "dkim-dkimpy/vectors.yml loads");
        tap_diag(err);
        conf_ydoc_free(&y);
        free(keytext);
        return;
    }
    root = yaml_document_get_root_node(&y.doc);
    if (conf_yseq_len(root) == 0)
        check(&s->t, 0, "dkim-dkimpy/vectors.yml is a non-empty list");
    for (i = 0; i < conf_yseq_len(root); i++)
        run_dkimpy_vector(s, &y, conf_yseq_at(&y, root, i), dir, base, nbase);
    conf_ydoc_free(&y);
    free(keytext);
}

/* ---------------------------------------------------- 3. dkim-maildkim */

/*
 * FAKE_DNS.dat: "name<whitespace>value".  The value is DNS presentation
 * text, as upstream hands it to its fake resolver: whitespace separates
 * character-strings, which DKIM joins without separator (RFC 6376
 * 3.6.2.2), so whitespace is dropped; `""` is one empty string.  NXDOMAIN:
 * the name is simply absent.  ~~Query timed out~~ / ~~SERVFAIL~~: the
 * static zone's timeout / SERVFAIL marks (both TEMPFAIL answers).
 */
static void maildkim_zone(zone *zn, const char *text, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *line = text + pos, *end = memchr(line, '\n', len - pos), *p, *v;
        size_t ll = end != NULL ? (size_t)(end - line) : len - pos, vl, name_len;
        char *val, *name;
        size_t j, k;
        pos += ll + (end != NULL);
        while (ll > 0 && (line[ll - 1] == '\r' || line[ll - 1] == ' ' || line[ll - 1] == '\t'))
            ll--;
        if (ll == 0 || line[0] == '#' || line[0] == ';')
            continue;
        p = line;
        while (p < line + ll && *p != ' ' && *p != '\t')
            p++;
        name_len = (size_t)(p - line);
        while (p < line + ll && (*p == ' ' || *p == '\t'))
            p++;
        v = p;
        vl = (size_t)(line + ll - v);
        if (vl == 8 && memcmp(v, "NXDOMAIN", 8) == 0)
            continue;
        name = zone_name(line, name_len);
        if (name == NULL) {
            zone_fail(zn, "?", "name", MA_ENOMEM);
            return;
        }
        if (vl == 19 && memcmp(v, "~~Query timed out~~", 19) == 0) {
            int rc = ma_static_zone_add_timeout(zn->z, name, 0);
            if (rc != MA_OK)
                zone_fail(zn, name, "timeout", rc);
        } else if (vl == 12 && memcmp(v, "~~SERVFAIL~~", 12) == 0) {
            int rc = ma_static_zone_add_servfail(zn->z, name, 0);
            if (rc != MA_OK)
                zone_fail(zn, name, "servfail", rc);
        } else {
            val = malloc(vl + 1);
            if (val == NULL) {
                free(name);
                zone_fail(zn, "?", "value", MA_ENOMEM);
                return;
            }
            for (j = 0, k = 0; j < vl; j++)
                if (v[j] != ' ' && v[j] != '\t')
                    val[k++] = v[j];
            if (k == 2 && val[0] == '"' && val[1] == '"')
                k = 0; /* "" : one empty character-string */
            else if (memchr(val, '"', k) != NULL)
                zone_fail(zn, name, "quoted strings are not handled here", MA_OK);
            zone_add_txt(zn, name, strlen(name), val, k);
            free(val);
        }
        free(name);
    }
}

/* Per-signature expectations that expected.yml gives only in a comment. */
static const struct {
    const char *file;
    const char *want; /* one letter per signature: p(ass) f(ail) i(nvalid) */
} maildkim_per_sig[] = {
    { "corpus/multiple_2.txt", "ipfi" }, /* 4th: "DKIM-Signature: synerr" */
};

static enum want letter_want(char c)
{
    return c == 'p' ? W_PASS : c == 'f' ? W_FAIL : W_INVALID;
}

static enum want word_want(const char *w)
{
    if (w != NULL && strcmp(w, "pass") == 0)
        return W_PASS;
    if (w != NULL && strcmp(w, "fail") == 0)
        return W_FAIL;
    return W_INVALID;
}

/*
 * The key size expected.yml gives for signature i ("1024", "ed25519(32
 * bytes)"), in bits; 0 when unknown.
 */
static unsigned int listed_bits(ydoc *y, yaml_node_t *sigs, size_t i)
{
    const char *b = conf_ystr(conf_yget(y, conf_yseq_at(y, sigs, i), "key_bits"));
    char *end;
    unsigned long v;
    if (b == NULL)
        return 0;
    if (strcmp(b, "ed25519(32 bytes)") == 0)
        return 256;
    errno = 0;
    v = strtoul(b, &end, 10);
    return errno == 0 && end != b && *end == '\0' && v < 65536 ? (unsigned int)v : 0;
}

static void run_maildkim_file(suite *s, ydoc *y, yaml_node_t *e, const char *dir, ma_resolver *r)
{
    const char *file = conf_ystr(conf_yget(y, e, "file")), *expect = conf_ystr(conf_yget(y, e, "expect"));
    const char *per = NULL;
    yaml_node_t *sigs = conf_yget(y, e, "signatures");
    int conflict = conf_yscalar_is(conf_yget(y, e, "rfc8301_conflict"), "true");
    int dk = conf_yscalar_is(conf_yget(y, e, "domainkeys"), "true");
    int skipped = conf_yscalar_is(conf_yget(y, e, "upstream_skipped"), "true");
    char what[512], what1[560], path[1024];
    char *msgtext;
    size_t msglen, i, nsig = 0, ndkim;
    int any_sha1 = 0;
    run_out *o = malloc(sizeof *o);
    enum want w;

    if (o == NULL) {
        check(&s->t, 0, "out of memory");
        return;
    }
    snprintf(what, sizeof what, "dkim-maildkim/%s", file != NULL ? file : "?");
    if (file == NULL || expect == NULL) {
        check(&s->t, 0, what);
        tap_diag("entry without file or expect");
        free(o);
        return;
    }
    path_join(path, sizeof path, dir, file, NULL);
    msgtext = conf_read_file(path, &msglen);
    if (msgtext == NULL) {
        check(&s->t, 0, what);
        printf("# cannot read %s: %s\n", path, strerror(errno));
        free(o);
        return;
    }
    for (i = 0; i < sizeof maildkim_per_sig / sizeof maildkim_per_sig[0]; i++)
        if (strcmp(maildkim_per_sig[i].file, file) == 0)
            per = maildkim_per_sig[i].want;
    /* The DKIM-Signature fields listed (DomainKey-Signature ones are not ours). */
    for (i = 0; i < conf_yseq_len(sigs); i++) {
        yaml_node_t *sg = conf_yseq_at(y, sigs, i);
        if (conf_yscalar_is(conf_yget(y, sg, "type"), "DKIM-Signature")) {
            nsig++;
            if (conf_yscalar_is(conf_yget(y, sg, "a"), "rsa-sha1"))
                any_sha1 = 1;
        }
    }
    ndkim = per != NULL ? strlen(per) : nsig;
    s->t.messages++;
    s->t.skipped += skipped;
    s->t.conflict_files += conflict;
    run_both(&s->t, s->ctx, r, 0, what, msgtext, msglen, o);
    check_count(&s->t, what, ndkim, o);
    if (dk && ndkim == 0)
        s->t.dk++;
    for (i = 0; i < ndkim; i++) {
        if (skipped && !conflict && !dk) {
            /* No reliable expectation (none in the current data). */
            diag_only(&s->t, what, i, o);
            continue;
        } else if (conflict) {
            /* RFC 8301 3.1 / 3.2: never a pass, whatever upstream says. */
            w = W_RFC8301;
            s->t.conflict++;
        } else {
            w = per != NULL ? letter_want(per[i]) : word_want(expect);
        }
        /* A pass must also report the size of the key it was checked with. */
        check_sig_bits(&s->t, what, i, w, w == W_PASS && i < nsig ? listed_bits(y, sigs, i) : 0,
                       o);
    }
    /* Again with rsa-sha1 allowed: upstream's own expectations. */
    if (any_sha1 && ndkim > 0 && !(skipped && !conflict && !dk)) {
        snprintf(what1, sizeof what1, "%s (sha1 allowed)", what);
        run_both(&s->t, s->ctx, r, MA_DKIM_ALLOW_SHA1, what1, msgtext, msglen, o);
        for (i = 0; i < ndkim; i++) {
            unsigned int b = i < nsig ? listed_bits(y, sigs, i) : 0;
            w = per != NULL ? letter_want(per[i]) : word_want(expect);
            /* RFC 8301 3.2: an RSA key under 1024 bits stays refused. */
            if (b > 0 && b < 1024)
                w = W_RFC8301;
            s->t.sha1++;
            check_sig_bits(&s->t, what1, i, w, w == W_PASS ? b : 0, o);
        }
    }
    free(msgtext);
    free(o);
}

static void run_maildkim(suite *s)
{
    char dir[1024], path[1024], err[512];
    ydoc y;
    yaml_node_t *root;
    char *dnstext;
    size_t dnslen, i;
    zone zn;
    ma_resolver *r = NULL;

    path_join(dir, sizeof dir, s->root, "dkim-maildkim", NULL);
    path_join(path, sizeof path, dir, "FAKE_DNS.dat", NULL);
    memset(&zn, 0, sizeof zn);
    dnstext = conf_read_file(path, &dnslen);
    if (dnstext == NULL || ma_static_zone_new(&zn.z, s->ctx) != MA_OK) {
        check(&s->t, 0, "dkim-maildkim/FAKE_DNS.dat loads");
        free(dnstext);
        return;
    }
    maildkim_zone(&zn, dnstext, dnslen);
    free(dnstext);
    check_zone(&s->t, "dkim-maildkim/FAKE_DNS.dat", &zn);
    if (ma_resolver_static_new(&r, s->ctx, zn.z) != MA_OK) {
        check(&s->t, 0, "dkim-maildkim: ma_resolver_static_new");
        ma_static_zone_free(zn.z);
        return;
    }
    path_join(path, sizeof path, dir, "expected.yml", NULL);
    if (!conf_ydoc_load(&y, path, err, sizeof err)) {
        check(&s->t, 0, "dkim-maildkim/expected.yml loads");
        tap_diag(err);
    } else {
        root = yaml_document_get_root_node(&y.doc);
        if (conf_yseq_len(root) == 0)
            check(&s->t, 0, "dkim-maildkim/expected.yml is a non-empty list");
        for (i = 0; i < conf_yseq_len(root); i++)
            run_maildkim_file(s, &y, conf_yseq_at(&y, root, i), dir, r);
    }
    conf_ydoc_free(&y);
    ma_resolver_free(r);
    ma_static_zone_free(zn.z);
}

/* ---------------------------------------------- 4. stalwart-mail-auth/dkim */

static void run_stalwart_file(suite *s, const char *dir, const char *file)
{
    char what[512], path[1024];
    char *text;
    size_t len, pos = 0, i, nsig = 0;
    zone zn;
    ma_resolver *r = NULL;
    run_out o;

    snprintf(what, sizeof what, "stalwart-mail-auth/dkim/%s", file);
    path_join(path, sizeof path, dir, file, NULL);
    text = conf_read_file(path, &len);
    memset(&zn, 0, sizeof zn);
    if (text == NULL || ma_static_zone_new(&zn.z, s->ctx) != MA_OK) {
        check(&s->t, 0, what);
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
    check_zone(&s->t, what, &zn);
    if (ma_resolver_static_new(&r, s->ctx, zn.z) != MA_OK) {
        check(&s->t, 0, what);
        tap_diag("ma_resolver_static_new failed");
        goto out;
    }
    s->t.messages++;
    run_both(&s->t, s->ctx, r, 0, what, text + pos, len - pos, &o);
    /* The expectation is "every signature passes": count them independently. */
    for (i = pos; i < len; i++)
        if ((i == pos || text[i - 1] == '\n') && len - i >= 15 &&
            strncmp(text + i, "DKIM-Signature:", 15) == 0)
            nsig++;
    check_count(&s->t, what, nsig, &o);
    for (i = 0; i < nsig; i++)
        check_sig(&s->t, what, i, W_PASS, &o);
    /*
     * Again with t= allowed up to a day in the future: upstream does not
     * look at t= (RFC 6376 3.5: verifiers MAY ignore signatures with a
     * future timestamp), and one file is signed hours after the fixed clock.
     */
    if (s->lenient != NULL) {
        char what1[560];
        snprintf(what1, sizeof what1, "%s (t= skew 1 day)", what);
        run_both(&s->t, s->lenient, r, 0, what1, text + pos, len - pos, &o);
        for (i = 0; i < nsig; i++)
            check_sig(&s->t, what1, i, W_PASS, &o);
    }
out:
    ma_resolver_free(r);
    ma_static_zone_free(zn.z);
    free(text);
}

static void run_stalwart(suite *s)
{
    static const char *const files[] = { "001.txt", "002.txt", "003.txt",
                                         "004.txt", "005.txt", "006.txt" };
    char dir[1024];
    size_t i;
    path_join(dir, sizeof dir, s->root, "stalwart-mail-auth", "dkim");
    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        run_stalwart_file(s, dir, files[i]);
}

/* ------------------------------------------------------------------ main */

static void totals(const tally *t)
{
    printf("# %-20s %3u messages, %3u signature verdicts (%u with sha1 allowed), %3u lines: "
           "%u ok, %u todo, %u failed; rfc8301 conflicts %u signatures in %u files, domainkeys %u, "
           "upstream-skipped %u, diagnostic-only %u\n",
           t->suite, t->messages, t->sigs, t->sha1, t->checks, t->ok, t->todo, t->failed,
           t->conflict, t->conflict_files, t->dk, t->skipped, t->diag);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : MA_TESTSUITES;
    suite s[4];
    tally all;
    size_t i;

    if (root[0] == '\0') {
        printf("Bail out! no test-suite directory (configure --with-testsuites=DIR)\n");
        return 1;
    }
    if (!suite_open(&s[0], root, "dkim-rfc8463", CONF_CLOCK_OTHER))
        return 1;
    run_rfc8463(&s[0]);
    suite_close(&s[0]);
    if (!suite_open(&s[1], root, "dkim-dkimpy", CONF_CLOCK_OTHER))
        return 1;
    run_dkimpy(&s[1]);
    suite_close(&s[1]);
    if (!suite_open(&s[2], root, "dkim-maildkim", CONF_CLOCK_OTHER))
        return 1;
    run_maildkim(&s[2]);
    suite_close(&s[2]);
    if (!suite_open(&s[3], root, "stalwart-dkim", CONF_CLOCK_STALWART))
        return 1;
    if (ctx_new(&s[3].lenient, &s[3].clock_ms) != MA_OK ||
        ma_ctx_set_limit(s[3].lenient, MA_LIMIT_DKIM_CLOCK_SKEW, 86400) != MA_OK) {
        printf("Bail out! cannot set up the lenient context\n");
        suite_close(&s[3]);
        return 1;
    }
    run_stalwart(&s[3]);
    suite_close(&s[3]);

    memset(&all, 0, sizeof all);
    all.suite = "total";
    tap_diag("totals:");
    for (i = 0; i < 4; i++) {
        totals(&s[i].t);
        all.messages += s[i].t.messages;
        all.sigs += s[i].t.sigs;
        all.sha1 += s[i].t.sha1;
        all.checks += s[i].t.checks;
        all.ok += s[i].t.ok;
        all.todo += s[i].t.todo;
        all.failed += s[i].t.failed;
        all.conflict += s[i].t.conflict;
        all.conflict_files += s[i].t.conflict_files;
        all.dk += s[i].t.dk;
        all.skipped += s[i].t.skipped;
        all.diag += s[i].t.diag;
    }
    totals(&all);
    return tap_done();
}
