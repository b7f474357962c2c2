/*
 * The one-call authenticator: iprev, SPF, DKIM, ARC and DMARC as one
 * sans-I/O job.
 *
 * The job owns one sub-job per check and stands between them and the
 * caller: each step, every sub-job that can move is stepped, and each new
 * question of a sub-job is asked again on this job (ma__job_ask
 * deduplicates, so a DKIM key that ARC needs too, or a name two checks
 * ask, goes out once).  Answers fed to this job are handed down to every
 * sub-job that asked.  The caller therefore sees one list of questions,
 * which holds everything that can be asked at that moment:
 *
 *   - at the first step: iprev's PTR (and the HELO name's address) and
 *     SPF's first record;
 *   - once the message header is complete: every DKIM and ARC key and the
 *     DMARC policy records (the DMARC job is held after its policy lookup,
 *     ma__dmarc_job_hold(), because alignment needs the other verdicts);
 *   - once SPF, DKIM and ARC are done: what DMARC's alignment still needs.
 *
 * A sub-job that fails (a negative status) does not fail this job: its
 * check reports temperror with the job's error text as the problem.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "authres/authres_int.h"
#include "core/core.h"
#include "dmarc/dmarc_int.h"
#include "dns/dns_int.h"
#include "mailauth/arc.h"
#include "mailauth/auth.h"
#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/iprev.h"
#include "mailauth/spf.h"

#define NCHECKS 5
#define PROBLEM_MAX 200

/* One question of a sub-job, asked again on the authenticator. */
typedef struct relay {
    uint32_t parent_id;     /* the question on this job */
    uint32_t child_id;      /* the same question on the sub-job */
    unsigned char check;    /* which sub-job */
    unsigned char handed;   /* the answer was handed down */
} relay;

typedef struct auth_job {
    ma_job job;
    ma_ctx *ctx;
    /* the inputs, copied */
    char *ip_text;
    ma_ip ip;
    char *helo;             /* NULL when none was given */
    char *sender;           /* "" for the null reverse-path */
    char *authserv_id;
    char *receiver;         /* NULL: SPF's default */
    char **sealers;
    size_t nsealers;
    unsigned int flags;
    ma_dmarc_opts dmarc_opts;
    const ma_psl *psl;
    /* the checks */
    ma_job *sub[NCHECKS];
    int state[NCHECKS];     /* the last step's result: 0 before the first, or MA_JOB_* or <0 */
    int fresh[NCHECKS];     /* an answer was handed down since the last step */
    uint32_t asked[NCHECKS]; /* the highest question id of the sub-job relayed so far */
    char problem[NCHECKS][PROBLEM_MAX];
    ma_msg *msg;
    int dmarc_released;
    relay *relays;
    size_t nrelays, caprelays;
} auth_job;

static const ma_job_vtable auth_vt;
static void fill_problems(auth_job *a);

static const auth_job *as_auth(const ma_job *job)
{
    return job != NULL && job->vt == &auth_vt ? (const auth_job *)job : NULL;
}

static char *dup_str(auth_job *a, const char *s)
{
    return ma__job_strndup(&a->job, s, strlen(s));
}

static void set_problem(auth_job *a, int check, const char *text)
{
    if (a->problem[check][0] == '\0')
        snprintf(a->problem[check], PROBLEM_MAX, "%s", text);
}

/* Whether a check has its verdict (or will never run). */
static int finished(const auth_job *a, int check)
{
    return a->sub[check] == NULL || a->state[check] == MA_JOB_DONE || a->state[check] < 0;
}

/* --------------------------------------------------------------- relaying */

static int relay_add(auth_job *a, int check, uint32_t child_id, uint32_t parent_id)
{
    relay *r;
    if (a->nrelays == a->caprelays) {
        size_t cap = a->caprelays ? a->caprelays * 2 : 32;
        relay *nr = ma__job_alloc(&a->job, cap * sizeof *nr);
        if (nr == NULL)
            return MA_ENOMEM;
        if (a->nrelays)
            memcpy(nr, a->relays, a->nrelays * sizeof *nr);
        a->relays = nr;
        a->caprelays = cap;
    }
    r = &a->relays[a->nrelays++];
    r->parent_id = parent_id;
    r->child_id = child_id;
    r->check = (unsigned char)check;
    r->handed = 0;
    return MA_OK;
}

/* A sub-job failed: its check is a temperror, the others go on. */
static void sub_failed(auth_job *a, int check, int status)
{
    const char *why = ma_job_error(a->sub[check]);
    a->state[check] = status < 0 ? status : MA_EINTERNAL;
    set_problem(a, check, why != NULL && why[0] != '\0' ? why : ma_status_str(status));
}

/* Ask on this job every question of the sub-job not relayed yet. */
static int relay_questions(auth_job *a, int check)
{
    const ma_dns_question *const *qs;
    size_t n, i;
    uint32_t top = a->asked[check];
    int rc = ma_job_questions(a->sub[check], &qs, &n);

    if (rc != MA_OK)
        return rc;
    for (i = 0; i < n; i++) {
        uint32_t cid = ma_dns_question_id(qs[i]), pid;
        const char *name;
        if (cid <= a->asked[check])
            continue;
        name = ma_dns_question_name(qs[i]);
        rc = ma__job_ask(&a->job, name, strlen(name), ma_dns_question_type(qs[i]), &pid);
        if (rc == MA_OK)
            rc = relay_add(a, check, cid, pid);
        if (rc == MA_ENOMEM)
            return rc;
        if (rc != MA_OK) {
            /* MA_LIMIT_JOB_QUESTIONS over all the checks: this one stops. */
            sub_failed(a, check, rc);
            return MA_OK;
        }
        if (cid > top)
            top = cid;
    }
    a->asked[check] = top;
    return MA_OK;
}

/* Hand every answer that arrived down to the sub-jobs; 1 when any was. */
static int hand_down(auth_job *a)
{
    size_t i;
    int moved = 0;
    for (i = 0; i < a->nrelays; i++) {
        relay *r = &a->relays[i];
        ma_dns_answer *ans;
        int rc;
        if (r->handed || finished(a, r->check))
            continue;
        ans = a->job.qs[r->parent_id - 1]->answer;
        if (ans == NULL)
            continue;
        r->handed = 1;
        rc = ma_job_answer(a->sub[r->check], r->child_id, ans);
        if (rc != MA_OK) {
            sub_failed(a, r->check, rc);
            continue;
        }
        a->fresh[r->check] = 1;
        moved = 1;
    }
    return moved;
}

/* ---------------------------------------------------------------- DMARC */

/* The SPF domain DMARC gets (RFC 7489 3.1.2, RFC 9989 3.2.7): MAIL FROM's
   domain, or the HELO name for the null reverse-path (RFC 7208 2.4). */
static const char *spf_domain(const auth_job *a)
{
    const char *at;
    if (a->sender[0] == '\0')
        return a->helo;
    at = strrchr(a->sender, '@');
    return at != NULL ? at + 1 : a->sender;
}

/* Give the held DMARC job the other verdicts and let it go on. */
static int dmarc_release(auth_job *a)
{
    ma_job *d = a->sub[MA_AUTH_DMARC];
    const ma_job *spf = a->sub[MA_AUTH_SPF], *dkim = a->sub[MA_AUTH_DKIM], *arc = a->sub[MA_AUTH_ARC];
    const char *dom = spf_domain(a);
    int rc = MA_OK;

    if (spf != NULL && dom != NULL) {
        /* A failed SPF job counts as its verdict, temperror. */
        int res = a->state[MA_AUTH_SPF] == MA_JOB_DONE ? (int)ma_spf_job_result(spf) : MA_SPF_TEMPERROR;
        rc = ma_dmarc_job_add_spf(d, res, dom, MA_DMARC_SPF_MAILFROM);
        if (rc == MA_EINVAL)
            rc = MA_OK;   /* a domain DMARC cannot use aligns with nothing */
    }
    if (rc == MA_OK && dkim != NULL && a->state[MA_AUTH_DKIM] == MA_JOB_DONE)
        rc = ma_dmarc_job_add_dkim_job(d, dkim);
    if (rc == MA_OK && arc != NULL && a->state[MA_AUTH_ARC] == MA_JOB_DONE) {
        unsigned int n = ma_arc_job_count(arc);
        rc = ma_dmarc_job_set_arc(d, ma_arc_job_result(arc) == MA_ARC_PASS,
                                  n > 0 ? ma_arc_job_sealer(arc, n) : NULL,
                                  (const char *const *)a->sealers, a->nsealers);
    }
    /* MA_ESTATE: the job already decided at its policy lookup (no record,
       DNS failure, no author): the verdict does not need them. */
    if (rc != MA_OK && rc != MA_ESTATE)
        return rc;
    a->dmarc_released = 1;
    a->fresh[MA_AUTH_DMARC] = 1;
    return ma__dmarc_job_hold(d, 0);
}

/* ----------------------------------------------------------------- step */

static int auth_step(ma_job *job)
{
    auth_job *a = (auth_job *)job;
    int check, rc, moved;

    /* A message the reader refused never completes: the checks that read
       it end here, each with the reader's reason. */
    if (a->msg != NULL && ma_msg_error(a->msg)[0] != '\0') {
        char why[PROBLEM_MAX];
        snprintf(why, sizeof why, "the message was refused: %s", ma_msg_error(a->msg));
        for (check = MA_AUTH_DKIM; check <= MA_AUTH_DMARC; check++)
            if (!finished(a, check)) {
                set_problem(a, check, why);
                a->state[check] = MA_ESYNTAX;
            }
    }

    do {
        moved = hand_down(a);
        for (check = 0; check < NCHECKS; check++) {
            if (finished(a, check))
                continue;
            /* A sub-job waiting for answers moves only when one came. */
            if (a->state[check] == MA_JOB_NEED_DNS && !a->fresh[check])
                continue;
            a->fresh[check] = 0;
            rc = ma_job_step(a->sub[check]);
            a->state[check] = rc;
            if (rc < 0) {
                sub_failed(a, check, rc);
                moved = 1;
            } else if (rc == MA_JOB_DONE) {
                moved = 1;
            } else if (rc == MA_JOB_NEED_DNS) {
                size_t before = a->nrelays;
                if ((rc = relay_questions(a, check)) != MA_OK)
                    return rc;
                if (a->nrelays != before)
                    moved = 1;   /* answers may be there already (deduplicated, or inline) */
            }
        }
        if (a->sub[MA_AUTH_DMARC] != NULL && !a->dmarc_released && !finished(a, MA_AUTH_DMARC) &&
            finished(a, MA_AUTH_SPF) && finished(a, MA_AUTH_DKIM) && finished(a, MA_AUTH_ARC)) {
            if ((rc = dmarc_release(a)) != MA_OK)
                return rc;
            moved = 1;
        }
    } while (moved);

    for (check = 0; check < NCHECKS; check++)
        if (!finished(a, check))
            break;
    if (check == NCHECKS) {
        job->status = MA_JOB_DONE;   /* the verdicts are final: read them */
        fill_problems(a);
        return MA_JOB_DONE;
    }
    if (job->npending > 0)
        return MA_JOB_NEED_DNS;
    return MA_JOB_NEED_INPUT;
}

static void auth_destroy(ma_job *job)
{
    auth_job *a = (auth_job *)job;
    int check;
    for (check = 0; check < NCHECKS; check++)
        ma_job_free(a->sub[check]);
}

static const ma_job_vtable auth_vt = { "auth", auth_step, auth_destroy };

/* ------------------------------------------------------------ creation */

int ma_auth_params_init(ma_auth_params *params, unsigned int version)
{
    if (params == NULL)
        return MA_EINVAL;
    if (version != MA_AUTH_PARAMS_VERSION)
        return MA_EVERSION;
    memset(params, 0, sizeof *params);
    params->version = version;
    return MA_OK;
}

/* An authserv-id this library writes bare: a dot-atom of letters, digits,
   '-', '_' (RFC 8601 2.5 allows any value; a token keeps it simple). */
static int authserv_id_ok(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n > 255 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!ma__is_alpha(c) && !ma__is_digit(c) && c != '-' && c != '_' && c != '.')
            return 0;
        if (c == '.' && s[i + 1] == '.')
            return 0;
    }
    return 1;
}

/* MAIL FROM as given: "<>" and "" are the null reverse-path; angle
   brackets around an address are dropped. */
static char *sender_copy(auth_job *a, const char *from)
{
    size_t n;
    if (from == NULL)
        return dup_str(a, "");
    n = strlen(from);
    if (n >= 2 && from[0] == '<' && from[n - 1] == '>')
        return ma__job_strndup(&a->job, from + 1, n - 2);
    return dup_str(a, from);
}

static int start_iprev(auth_job *a)
{
    ma_iprev_params p;
    int rc;
    ma_iprev_params_init(&p, MA_IPREV_PARAMS_VERSION);
    p.ip = a->ip;
    p.helo = a->helo;
    p.psl = a->psl;
    rc = ma_iprev_job_new(&a->sub[MA_AUTH_IPREV], a->ctx, &p);
    if (rc == MA_EINVAL) {
        set_problem(a, MA_AUTH_IPREV, "the HELO name cannot be checked");
        /* Without the HELO checks, iprev itself still runs. */
        p.helo = NULL;
        rc = ma_iprev_job_new(&a->sub[MA_AUTH_IPREV], a->ctx, &p);
    }
    return rc;
}

static int start_spf(auth_job *a)
{
    ma_spf_params p;
    int rc;
    ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
    p.ip = a->ip;
    p.helo = a->helo;
    p.sender = a->sender;
    p.receiver = a->receiver;
    rc = ma_spf_job_new(&a->sub[MA_AUTH_SPF], a->ctx, &p);
    if (rc == MA_EINVAL) {
        /* The null reverse-path without a HELO name: no identity. */
        set_problem(a, MA_AUTH_SPF, "no identity to check (null sender and no HELO name)");
        return MA_OK;
    }
    return rc;
}

int ma_auth_job_new(ma_job **out, ma_ctx *ctx, const ma_auth_params *params)
{
    auth_job *a;
    size_t i;
    int rc = MA_OK;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || params == NULL)
        return MA_EINVAL;
    if (params->version != MA_AUTH_PARAMS_VERSION)
        return MA_EVERSION;
    if (params->dmarc != NULL && params->dmarc->version != MA_DMARC_OPTS_VERSION)
        return MA_EVERSION;
    if (params->ip == NULL || params->authserv_id == NULL || !authserv_id_ok(params->authserv_id) ||
        (params->ntrusted_sealers > 0 && params->trusted_sealers == NULL) ||
        (params->dmarc != NULL && params->dmarc->mode != MA_DMARC_MODE_9989 &&
         params->dmarc->mode != MA_DMARC_MODE_7489))
        return MA_EINVAL;
    a = ma__calloc(ctx, 1, sizeof *a);
    if (a == NULL)
        return MA_ENOMEM;
    ma__job_init(&a->job, ctx, &auth_vt);
    a->ctx = ctx;
    if (ma_ip_parse(&a->ip, params->ip, strlen(params->ip)) != MA_OK) {
        ma_job_free(&a->job);
        return MA_EINVAL;
    }
    a->flags = params->flags;
    a->psl = params->psl;
    ma_dmarc_opts_init(&a->dmarc_opts, MA_DMARC_OPTS_VERSION);
    if (params->dmarc != NULL)
        a->dmarc_opts = *params->dmarc;
    a->ip_text = dup_str(a, params->ip);
    a->authserv_id = dup_str(a, params->authserv_id);
    a->sender = sender_copy(a, params->mail_from);
    if (params->receiver != NULL && (a->receiver = dup_str(a, params->receiver)) == NULL)
        rc = MA_ENOMEM;
    a->helo = params->helo != NULL && params->helo[0] != '\0' ? dup_str(a, params->helo) : NULL;
    if (a->ip_text == NULL || a->authserv_id == NULL || a->sender == NULL ||
        (params->helo != NULL && params->helo[0] != '\0' && a->helo == NULL))
        rc = MA_ENOMEM;
    if (rc == MA_OK && params->ntrusted_sealers > 0) {
        a->sealers = ma__job_alloc(&a->job, params->ntrusted_sealers * sizeof *a->sealers);
        if (a->sealers == NULL)
            rc = MA_ENOMEM;
        for (i = 0; rc == MA_OK && i < params->ntrusted_sealers; i++) {
            const char *s = params->trusted_sealers[i];
            char *norm = NULL;
            int nrc = s == NULL ? MA_EINVAL : ma_domain_normalize(&norm, ctx, s, strlen(s), 0);
            if (nrc != MA_OK) {
                rc = nrc == MA_ENOMEM ? MA_ENOMEM : MA_EINVAL;
                break;
            }
            a->sealers[i] = dup_str(a, norm);
            ma_free(ctx, norm);
            if (a->sealers[i] == NULL)
                rc = MA_ENOMEM;
            a->nsealers = i + 1;
        }
    }
    if (rc == MA_OK && !(a->flags & MA_AUTH_NO_IPREV))
        rc = start_iprev(a);
    if (rc == MA_OK && !(a->flags & MA_AUTH_NO_SPF))
        rc = start_spf(a);
    if (rc != MA_OK) {
        ma_job_free(&a->job);
        return rc;
    }
    *out = &a->job;
    return MA_OK;
}

int ma_auth_job_attach(ma_job *job, ma_msg *msg)
{
    auth_job *a = (auth_job *)(job != NULL && job->vt == &auth_vt ? job : NULL);
    int rc = MA_OK;

    if (a == NULL || msg == NULL)
        return MA_EINVAL;
    if (a->msg != NULL || ma_msg_header_done(msg) || ma_msg_input_length(msg) > 0)
        return MA_ESTATE;
    if (!(a->flags & MA_AUTH_NO_DKIM)) {
        rc = ma_dkim_job_new(&a->sub[MA_AUTH_DKIM], a->ctx, NULL);
        if (rc == MA_OK)
            rc = ma_dkim_job_attach(a->sub[MA_AUTH_DKIM], msg);
    }
    if (rc == MA_OK && !(a->flags & MA_AUTH_NO_ARC)) {
        rc = ma_arc_job_new(&a->sub[MA_AUTH_ARC], a->ctx, NULL);
        if (rc == MA_OK)
            rc = ma_arc_job_attach(a->sub[MA_AUTH_ARC], msg);
    }
    if (rc == MA_OK && !(a->flags & MA_AUTH_NO_DMARC)) {
        rc = ma_dmarc_job_new(&a->sub[MA_AUTH_DMARC], a->ctx, &a->dmarc_opts);
        if (rc == MA_OK)
            rc = ma__dmarc_job_hold(a->sub[MA_AUTH_DMARC], 1);
        if (rc == MA_OK)
            rc = ma_dmarc_job_attach(a->sub[MA_AUTH_DMARC], msg);
    }
    if (rc != MA_OK) {
        /* Undo: the sub-jobs' hooks and consumers leave msg (which stays
           usable), then the sub-jobs go, leaving the message-less checks. */
        int check;
        for (check = MA_AUTH_DKIM; check <= MA_AUTH_DMARC; check++) {
            ma__msg_forget(msg, a->sub[check]);
            ma_job_free(a->sub[check]);
            a->sub[check] = NULL;
        }
        return rc;
    }
    a->msg = msg;
    return MA_OK;
}

/* ------------------------------------------------------------ results */

const char *ma_auth_check_name(int check)
{
    static const char *const names[NCHECKS] = { "iprev", "spf", "dkim", "arc", "dmarc" };
    return check >= 0 && check < NCHECKS ? names[check] : NULL;
}

const ma_job *ma_auth_job_check(const ma_job *job, int check)
{
    const auth_job *a = as_auth(job);
    if (a == NULL || check < 0 || check >= NCHECKS || a->state[check] != MA_JOB_DONE)
        return NULL;
    return a->sub[check];
}

/* The best DKIM verdict: pass, then fail, then the rest by severity. */
static int dkim_best(const ma_job *dkim)
{
    static const int order[] = { MA_DKIM_PASS, MA_DKIM_FAIL, MA_DKIM_POLICY, MA_DKIM_TEMPERROR,
                                 MA_DKIM_PERMERROR, MA_DKIM_NEUTRAL };
    size_t i, k, n = ma_dkim_job_count(dkim);
    for (k = 0; k < sizeof order / sizeof order[0]; k++)
        for (i = 0; i < n; i++)
            if ((int)ma_dkim_job_result(dkim, i) == order[k])
                return order[k];
    return MA_DKIM_NONE;
}

const char *ma_auth_job_verdict(const ma_job *job, int check)
{
    const auth_job *a = as_auth(job);
    const ma_job *sub;
    if (a == NULL || check < 0 || check >= NCHECKS || job->status != MA_JOB_DONE)
        return NULL;
    if (a->sub[check] == NULL)
        return "none";
    if (a->state[check] == MA_ESYNTAX)
        return "permerror";   /* the message itself cannot be checked */
    if (a->state[check] != MA_JOB_DONE)
        return "temperror";
    sub = a->sub[check];
    switch (check) {
    case MA_AUTH_IPREV:
        return ma_iprev_result_name(ma_iprev_job_result(sub));
    case MA_AUTH_SPF:
        return ma_spf_result_name(ma_spf_job_result(sub));
    case MA_AUTH_DKIM:
        return ma_dkim_result_name(dkim_best(sub));
    case MA_AUTH_ARC:
        return ma_arc_result_name(ma_arc_job_result(sub));
    default:
        return ma_dmarc_result_name(ma_dmarc_job_result(sub));
    }
}

const char *ma_auth_job_problem(const ma_job *job, int check)
{
    const auth_job *a = as_auth(job);
    if (a == NULL || check < 0 || check >= NCHECKS)
        return "";
    return a->problem[check];
}

/*
 * Once every check is done: say why each verdict is not a pass, where the
 * check's own job did not already (SPF explains errors only, DKIM per
 * signature, DMARC also explains a pass).
 */
static void fill_problems(auth_job *a)
{
    int check;
    char line[PROBLEM_MAX];

    for (check = 0; check < NCHECKS; check++) {
        const ma_job *sub = a->sub[check];
        const char *v = ma_auth_job_verdict(&a->job, check), *p = "";
        if (a->problem[check][0] != '\0' || sub == NULL || a->state[check] != MA_JOB_DONE ||
            v == NULL || strcmp(v, "pass") == 0)
            continue;
        line[0] = '\0';
        switch (check) {
        case MA_AUTH_IPREV:
            p = ma_iprev_job_problem(sub);
            break;
        case MA_AUTH_SPF:
            p = ma_spf_job_problem(sub);
            if (p[0] == '\0' && ma_spf_job_mechanism(sub)[0] != '\0') {
                snprintf(line, sizeof line, "%s of %s matched", ma_spf_job_mechanism(sub),
                         ma_spf_job_domain(sub));
                p = line;
            }
            break;
        case MA_AUTH_DKIM: {
            /* No signature passed: the first one's reason. */
            if (ma_dkim_job_count(sub) > 0) {
                snprintf(line, sizeof line, "d=%s: %s", ma_dkim_job_domain(sub, 0),
                         ma_dkim_job_problem(sub, 0));
                p = line;
            }
            break;
        }
        case MA_AUTH_ARC:
            p = ma_arc_job_problem(sub);
            break;
        default:
            p = ma_dmarc_job_problem(sub);
            break;
        }
        snprintf(a->problem[check], PROBLEM_MAX, "%s", p);
    }
}

/* ------------------------------------------------------ Authentication-Results */

/* " ptype.property=value" for a value that may need quoting. */
static int put_prop(ma_buf *b, const char *name, const char *value)
{
    int rc = ma__buf_printf(b, " %s=", name);
    return rc == MA_OK ? ma__authres_put_value(b, value, strlen(value)) : rc;
}

/* One dkim resinfo per signature (RFC 8601 2.7.1, header.d/i/s/a/b). */
static int put_dkim(ma_buf *b, const ma_job *dkim, size_t i)
{
    const char *d = ma_dkim_job_domain(dkim, i), *id = ma_dkim_job_identity(dkim, i);
    const char *s = ma_dkim_job_selector(dkim, i), *bp = ma_dkim_job_b_prefix(dkim, i);
    const char *alg = ma_dkim_alg_name(ma_dkim_job_algorithm(dkim, i));
    ma_dkim_result res = ma_dkim_job_result(dkim, i);
    int rc = ma__buf_printf(b, "dkim=%s", ma_dkim_result_name(res));

    if (rc == MA_OK && res != MA_DKIM_PASS) {
        const char *why = ma_dkim_reason_name(ma_dkim_job_reason(dkim, i));
        if (why != NULL && why[0] != '\0')
            rc = put_prop(b, "reason", why);
    }
    if (rc == MA_OK && d[0] != '\0')
        rc = put_prop(b, "header.d", d);
    if (rc == MA_OK && id != NULL && id[0] != '\0')
        rc = put_prop(b, "header.i", id);
    if (rc == MA_OK && s[0] != '\0')
        rc = put_prop(b, "header.s", s);
    if (rc == MA_OK && alg != NULL && alg[0] != '\0')
        rc = put_prop(b, "header.a", alg);
    if (rc == MA_OK && bp != NULL && bp[0] != '\0')
        rc = put_prop(b, "header.b", bp);
    return rc;
}

static int put_arc(const auth_job *a, ma_buf *b, const ma_job *arc)
{
    ma_arc_result res = ma_arc_job_result(arc);
    int rc = ma__buf_printf(b, "arc=%s", ma_arc_result_name(res));
    if (rc == MA_OK && res == MA_ARC_PASS)
        rc = ma__buf_printf(b, " header.oldest-pass=%u", ma_arc_job_oldest_pass(arc));
    if (rc == MA_OK && res != MA_ARC_NONE) {
        /* As iprev writes it: an IPv4-mapped client as IPv4. */
        char text[MA_IP_TEXT_MAX];
        ma_ip v4;
        const ma_ip *ip = ma_ip_unmap_v4(&a->ip, &v4) == 1 ? &v4 : &a->ip;
        rc = ma_ip_format(ip, text, sizeof text) == MA_OK ? put_prop(b, "smtp.remote-ip", text)
                                                          : put_prop(b, "smtp.remote-ip", a->ip_text);
    }
    return rc;
}

/* A library-made resinfo string (rc: how making it went) appended as is; freed. */
static int put_owned(const auth_job *a, ma_buf *b, int rc, char *s)
{
    if (rc == MA_OK && s != NULL)
        rc = ma__buf_append(b, s, strlen(s));
    ma_free(a->ctx, s);
    return rc;
}

/*
 * The resinfo of every check that ran, each NUL-terminated in b, in the
 * order iprev, spf, dkim (one per signature, "dkim=none" without any),
 * arc, dmarc.  A check that failed is written as "<method>=temperror".
 */
static int resinfos(const auth_job *a, ma_buf *b, size_t *count)
{
    int check, rc = MA_OK;
    size_t i, n;
    *count = 0;
    for (check = 0; check < NCHECKS && rc == MA_OK; check++) {
        const ma_job *sub = a->sub[check];
        char *s = NULL;
        if (sub == NULL)
            continue;
        if (a->state[check] != MA_JOB_DONE) {
            rc = ma__buf_printf(b, "%s=%s", ma_auth_check_name(check),
                                a->state[check] == MA_ESYNTAX ? "permerror" : "temperror");
        } else {
            switch (check) {
            case MA_AUTH_IPREV:
                rc = ma_iprev_authres(&s, sub);
                rc = put_owned(a, b, rc, s);
                break;
            case MA_AUTH_SPF:
                rc = ma_spf_authres(&s, sub);
                rc = put_owned(a, b, rc, s);
                break;
            case MA_AUTH_DKIM:
                n = ma_dkim_job_count(sub);
                if (n == 0)
                    rc = ma__buf_append(b, "dkim=none", 9);
                for (i = 0; i < n && rc == MA_OK; i++) {
                    if (i > 0) {
                        rc = ma__buf_putc(b, '\0');
                        (*count)++;
                    }
                    if (rc == MA_OK)
                        rc = put_dkim(b, sub, i);
                }
                break;
            case MA_AUTH_ARC:
                rc = put_arc(a, b, sub);
                break;
            default:
                rc = ma_dmarc_job_authres(sub, &s);
                rc = put_owned(a, b, rc, s);
                break;
            }
        }
        if (rc == MA_OK)
            rc = ma__buf_putc(b, '\0');
        (*count)++;
    }
    return rc;
}

static int write_results(const ma_job *job, char **out, int field)
{
    const auth_job *a = as_auth(job);
    ma_buf list, b;
    size_t count, k, col = 0, off = 0;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (a == NULL)
        return MA_EINVAL;
    if (job->status != MA_JOB_DONE)
        return MA_ESTATE;
    ma__buf_init(&list, a->ctx);
    ma__buf_init(&b, a->ctx);
    rc = resinfos(a, &list, &count);
    if (rc == MA_OK && field) {
        rc = ma__buf_printf(&b, "Authentication-Results: %s;", a->authserv_id);
        col = b.len;
    }
    for (k = 0; k < count && rc == MA_OK; k++) {
        const char *s = list.data + off;
        off += strlen(s) + 1;
        if (field) {
            /* each result on a line of its own */
            rc = ma__buf_append(&b, "\r\n\t", 3);
            col = 1;
        } else if (k > 0) {
            rc = ma__buf_append(&b, "; ", 2);
        }
        if (rc == MA_OK)
            rc = field ? ma__authres_fold(&b, &col, s) : ma__buf_append(&b, s, strlen(s));
        if (rc == MA_OK && field && k + 1 < count) {
            rc = ma__buf_putc(&b, ';');
            col++;
        }
    }
    if (rc == MA_OK && field && count == 0)
        rc = ma__buf_append(&b, " none", 5);
    if (rc == MA_OK) {
        *out = ma__buf_steal(&b, NULL);
        if (*out == NULL)
            rc = MA_ENOMEM;
    }
    ma__buf_free(&b);
    ma__buf_free(&list);
    return rc;
}

int ma_auth_job_authres(const ma_job *job, char **out)
{
    return write_results(job, out, 1);
}

int ma_auth_job_results(const ma_job *job, char **out)
{
    return write_results(job, out, 0);
}
