/*
 * The job protocol: step / questions / answer / run, deduplication, answers
 * in any order, state errors, limits, and the synchronous driver.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"
#include "alloc.h"
#include "tap.h"

/* ---------------------------------------------------------------------------
 * A scripted evaluator for the protocol tests: round 1 asks TXT for
 * "a.example" and "b.example" (and "A.EXAMPLE." again, which must be the same
 * question); once both are answered, round 2 asks A for every TXT string
 * and TXT for "a.example" once more (already answered: no new question).
 */
typedef struct two_round {
    ma_job job;
    uint32_t ida, idb, ida_again, idc;
    int round;
    int steps;
    int destroyed_flag;
    int *destroyed;
} two_round;

static int two_round_step(ma_job *job)
{
    two_round *t = (two_round *)job;
    int rc;
    t->steps++;
    if (t->round == 0) {
        rc = ma__job_ask(job, "a.example", 9, MA_DNS_TXT, &t->ida);
        if (rc == MA_OK)
            rc = ma__job_ask(job, "b.example", 9, MA_DNS_TXT, &t->idb);
        if (rc == MA_OK)
            rc = ma__job_ask(job, "A.EXAMPLE.", 10, MA_DNS_TXT, &t->ida_again);
        if (rc != MA_OK)
            return rc;
        t->round = 1;
    }
    if (t->round == 1) {
        const ma_dns_answer *a = ma__job_answer_get(job, t->ida);
        const ma_dns_answer *b = ma__job_answer_get(job, t->idb);
        uint32_t again;
        if (a == NULL || b == NULL)
            return MA_JOB_NEED_DNS;
        rc = ma__job_ask(job, "a.example", 9, MA_DNS_TXT, &again);
        if (rc != MA_OK || again != t->ida)
            return ma__job_fail(job, MA_EINTERNAL, "dedup after answer failed");
        rc = ma__job_ask(job, "c.example", 9, MA_DNS_A, &t->idc);
        if (rc != MA_OK)
            return rc;
        t->round = 2;
    }
    if (ma__job_answer_get(job, t->idc) == NULL)
        return MA_JOB_NEED_DNS;
    return MA_JOB_DONE;
}

static void two_round_destroy(ma_job *job)
{
    two_round *t = (two_round *)job;
    if (t->destroyed)
        (*t->destroyed)++;
}

static const ma_job_vtable two_round_vt = { "two-round", two_round_step, two_round_destroy };

static two_round *two_round_new(ma_ctx *ctx, int *destroyed)
{
    two_round *t = ma__calloc(ctx, 1, sizeof *t);
    ma__job_init(&t->job, ctx, &two_round_vt);
    t->destroyed = destroyed;
    return t;
}

/* An evaluator that claims to need DNS but asks nothing: a bug to catch. */
static int stall_step(ma_job *job)
{
    (void)job;
    return MA_JOB_NEED_DNS;
}
static const ma_job_vtable stall_vt = { "stall", stall_step, NULL };

static ma_dns_answer *txt_answer(ma_ctx *ctx, const char *text)
{
    ma_dns_answer *a;
    ma_dns_answer_new(&a, ctx, MA_DNS_TXT, MA_DNS_OK);
    ma_dns_answer_add_txt(a, text, strlen(text), 300);
    return a;
}

static void test_protocol(ma_ctx *ctx)
{
    int destroyed = 0;
    two_round *t = two_round_new(ctx, &destroyed);
    ma_job *job = &t->job;
    const ma_dns_question *const *qs;
    size_t n;
    ma_dns_answer *a, *b, *c;

    is_int(ma_job_step(job), MA_JOB_NEED_DNS, "first step needs DNS");
    is_int(ma_job_questions(job, &qs, &n), MA_OK, "questions");
    is_int(n, 2, "duplicate question folded: two outstanding");
    is_int(t->ida_again, t->ida, "same name in other case and with dot gets the same id");
    is_int(ma_dns_question_id(qs[0]), 1, "ids start at 1");
    is_int(ma_dns_question_id(qs[1]), 2, "ids rise in asking order");
    is_str(ma_dns_question_name(qs[0]), "a.example", "question name canonical");
    is_int(ma_dns_question_type(qs[1]), MA_DNS_TXT, "question type");

    b = txt_answer(ctx, "second");
    is_int(ma_job_answer(job, 2, b), MA_OK, "answer the second question first");
    ma_dns_answer_free(b); /* the job keeps its own reference */
    is_int(ma_job_answer(job, 2, b), MA_ESTATE, "second answer to the same question refused");
    is_int(ma_job_answer(job, 7, b), MA_ESTATE, "answer to an unknown question refused");
    is_str(ma_job_error(job), "answer for unknown question 7", "state error explained");
    is_int(ma_job_answer(job, 0, b), MA_ESTATE, "question id 0 refused");
    is_int(ma_job_step(job), MA_JOB_NEED_DNS, "still waiting for the first");
    ma_job_questions(job, &qs, &n);
    is_int(n, 1, "one outstanding");
    is_int(ma_dns_question_id(qs[0]), 1, "the first question is outstanding");

    ma_dns_answer_new(&c, ctx, MA_DNS_A, MA_DNS_NXDOMAIN);
    is_int(ma_job_answer(job, 1, c), MA_EINVAL, "answer of another type refused");
    ma_dns_answer_free(c);
    a = txt_answer(ctx, "first");
    is_int(ma_job_answer(job, 1, a), MA_OK, "answer the first");
    is_int(ma_dns_answer_add_txt(a, "x", 1, 1), MA_ESTATE, "an answer given to a job is frozen");
    ma_dns_answer_free(a);
    is_int(ma_job_step(job), MA_JOB_NEED_DNS, "round two needs DNS");
    ma_job_questions(job, &qs, &n);
    is_int(n, 1, "round two asks one new question");
    is_int(ma_dns_question_id(qs[0]), 3, "its id continues the sequence");
    is_int(ma_dns_question_type(qs[0]), MA_DNS_A, "round two type");
    ma_dns_answer_new(&c, ctx, MA_DNS_A, MA_DNS_TEMPFAIL);
    is_int(ma_job_answer(job, 3, c), MA_OK, "answer round two");
    ma_dns_answer_free(c);
    is_int(ma_job_step(job), MA_JOB_DONE, "done");
    is_int(ma_job_step(job), MA_JOB_DONE, "done stays done");
    is_int(t->steps, 4, "the evaluator is stepped only when useful");
    ma_job_questions(job, &qs, &n);
    is_int(n, 0, "nothing outstanding when done");
    ok(ma__job_answer_get(job, 1) != NULL && ma_dns_answer_count(ma__job_answer_get(job, 1)) == 1,
       "answers kept by the job");
    ma_job_free(job);
    is_int(destroyed, 1, "evaluator destroy hook called once");
}

static void test_failures(ma_ctx *ctx)
{
    ma_job *job;
    two_round *t;
    const ma_dns_question *const *qs;
    size_t n;
    ma_ctx *small;

    job = ma__alloc(ctx, sizeof *job);
    ma__job_init(job, ctx, &stall_vt);
    is_int(ma_job_step(job), MA_EINTERNAL, "a job that asks nothing cannot wait");
    is_int(ma_job_step(job), MA_EINTERNAL, "failure is sticky");
    is_str(ma_job_error(job), "stall job stalled", "failure explained");
    ma_job_free(job);

    ma_ctx_new(&small, NULL);
    ma_ctx_set_limit(small, MA_LIMIT_JOB_QUESTIONS, 2);
    t = two_round_new(small, NULL);
    is_int(ma_job_step(&t->job), MA_JOB_NEED_DNS, "two questions fit the limit");
    ma_job_questions(&t->job, &qs, &n);
    {
        ma_dns_answer *a = txt_answer(small, "x");
        ma_job_answer(&t->job, 1, a);
        ma_job_answer(&t->job, 2, a);
        ma_dns_answer_free(a);
    }
    is_int(ma_job_step(&t->job), MA_ELIMIT, "third question over MA_LIMIT_JOB_QUESTIONS");
    ma_job_free(&t->job);
    ma_ctx_free(small);

    is_int(ma_job_step(NULL), MA_EINVAL, "step NULL");
    is_int(ma_job_questions(NULL, &qs, &n), MA_EINVAL, "questions NULL");
    is_int(ma_job_answer(NULL, 1, NULL), MA_EINVAL, "answer NULL");
    is_str(ma_job_error(NULL), "", "error of NULL");
    ma_job_free(NULL);
}

/* A resolver that answers TXT "<name>" for every name and counts calls. */
struct echo {
    ma_ctx *ctx;
    int calls;
    int fail_on;
};

static int echo_resolve(void *p, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    struct echo *e = p;
    ma_dns_answer *a;
    int rc;
    e->calls++;
    if (e->fail_on && e->calls == e->fail_on)
        return MA_EIO;
    rc = ma_dns_answer_new(&a, e->ctx, type, MA_DNS_OK);
    if (rc != MA_OK)
        return rc;
    if (type == MA_DNS_TXT) {
        ma_dns_answer_add_txt(a, name, strlen(name), 60);
    } else if (type == MA_DNS_A) {
        ma_ip ip;
        memset(&ip, 0, sizeof ip);
        ip.family = MA_IP_V4;
        ip.addr[0] = 192;
        ip.addr[3] = 1;
        ma_dns_answer_add_addr(a, &ip, 60);
    }
    *out = a;
    return MA_OK;
}

static int wrong_type_resolve(void *p, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    (void)name;
    (void)type;
    return ma_dns_answer_new(out, ((struct echo *)p)->ctx, MA_DNS_PTR, MA_DNS_NXDOMAIN);
}

static int destroyed_payloads;
static void echo_destroy(void *p)
{
    (void)p;
    destroyed_payloads++;
}

static void test_run(ma_ctx *ctx)
{
    struct echo e = { ctx, 0, 0 };
    ma_resolver_ops ops = { MA_RESOLVER_OPS_VERSION, echo_resolve, echo_destroy };
    ma_resolver *r;
    two_round *t;
    const ma_dns_answer *a;
    const char *text;
    size_t len;
    ma_dns_answer *ans;

    is_int(ma_resolver_new(&r, ctx, &ops, &e), MA_OK, "resolver from ops");
    t = two_round_new(ctx, NULL);
    is_int(ma_job_run(&t->job, r), MA_JOB_DONE, "run drives the job to the end");
    is_int(e.calls, 3, "one resolve per distinct question");
    a = ma__job_answer_get(&t->job, t->idb);
    ma_dns_answer_txt(a, 0, &text, &len);
    is_mem(text, len, "b.example", 9, "the resolver saw the canonical name");
    ma_job_free(&t->job);

    e.calls = 0;
    e.fail_on = 2;
    t = two_round_new(ctx, NULL);
    is_int(ma_job_run(&t->job, r), MA_EIO, "a resolver error stops the run");
    ma_job_free(&t->job);

    is_int(ma_resolver_resolve(r, "x.example.", MA_DNS_A, &ans), MA_OK, "direct resolve");
    is_int(ma_dns_answer_count(ans), 1, "direct answer");
    {
        ma_ip ip;
        ma_dns_answer_addr(ans, 0, &ip);
        is_int(ma_dns_answer_add_addr(ans, &ip, 1), MA_ESTATE, "resolved answers are read-only");
    }
    ma_dns_answer_free(ans);
    is_int(ma_resolver_resolve(r, "x", (ma_dns_type)3, &ans), MA_EINVAL, "unknown type refused");
    ma_resolver_free(r);
    is_int(destroyed_payloads, 1, "destroy called by ma_resolver_free");

    ops.resolve = wrong_type_resolve;
    ops.destroy = NULL;
    ma_resolver_new(&r, ctx, &ops, &e);
    is_int(ma_resolver_resolve(r, "x", MA_DNS_A, &ans), MA_EINTERNAL, "answer of the wrong type refused");
    ok(ans == NULL, "no answer handed out");
    ma_resolver_free(r);

    ops.version = 9;
    is_int(ma_resolver_new(&r, ctx, &ops, &e), MA_EVERSION, "unknown ops version");
    ops.version = MA_RESOLVER_OPS_VERSION;
    ops.resolve = NULL;
    is_int(ma_resolver_new(&r, ctx, &ops, &e), MA_EINVAL, "ops without resolve");
    ma_resolver_free(NULL);
}

static void test_lookup_job(ma_ctx *ctx)
{
    struct echo e = { ctx, 0, 0 };
    ma_resolver_ops ops = { MA_RESOLVER_OPS_VERSION, echo_resolve, NULL };
    ma_resolver *r;
    ma_job *job;
    uint32_t id1, id2, id3, id4;
    const ma_dns_answer *a;
    const char *text;
    size_t len;
    const ma_dns_question *const *qs;
    size_t n;

    ma_resolver_new(&r, ctx, &ops, &e);
    is_int(ma_lookup_job_new(&job, ctx), MA_OK, "lookup job");
    is_int(ma_lookup_job_add(job, "Example.COM", MA_DNS_TXT, &id1), MA_OK, "add");
    is_int(ma_lookup_job_add(job, "example.com.", MA_DNS_TXT, &id2), MA_OK, "add again");
    is_int(id2, id1, "same question, same id");
    is_int(ma_lookup_job_add(job, "b\xc3\xbc" "cher.example", MA_DNS_A, &id3), MA_OK, "add U-label name");
    is_int(ma_lookup_job_add(job, "_dmarc.example.com", MA_DNS_TXT, &id4), MA_OK, "underscore allowed");
    is_int(ma_lookup_job_add(job, "bad..name", MA_DNS_TXT, NULL), MA_ESYNTAX, "bad name refused");
    is_int(ma_lookup_job_add(job, "x.example", (ma_dns_type)2, NULL), MA_EINVAL, "bad type refused");
    is_int(ma_lookup_job_result(job, id1, &a), MA_ESTATE, "no result before done");
    is_int(ma_job_step(job), MA_JOB_NEED_DNS, "needs DNS");
    ma_job_questions(job, &qs, &n);
    is_int(n, 3, "three distinct questions outstanding at once");
    is_str(ma_dns_question_name(qs[1]), "xn--bcher-kva.example", "U-label asked as A-label");
    is_int(ma_lookup_job_add(job, "late.example", MA_DNS_TXT, NULL), MA_ESTATE, "no add after step");
    is_int(ma_job_run(job, r), MA_JOB_DONE, "run");
    is_int(ma_lookup_job_result(job, id4, &a), MA_OK, "result");
    ma_dns_answer_txt(a, 0, &text, &len);
    is_mem(text, len, "_dmarc.example.com", 18, "answer for the question");
    is_int(ma_lookup_job_result(job, 99, &a), MA_ENOTFOUND, "unknown id");
    ma_job_free(job);
    ma_resolver_free(r);
}

/* Allocation failure at every point of a full lookup run: no crash, no leak. */
static void test_oom(void)
{
    ta_alloc f;
    long at;
    int clean = 1, completed = 0;

    for (at = 1; at < 200 && !completed; at++) {
        ma_ctx *ctx;
        struct echo e;
        ma_resolver_ops ops = { MA_RESOLVER_OPS_VERSION, echo_resolve, NULL };
        ma_resolver *r = NULL;
        two_round *t;
        int rc;
        if (ta_ctx_new(&ctx, &f) != MA_OK)
            continue;
        ta_fail_once(&f, at);
        e.ctx = ctx;
        e.calls = 0;
        e.fail_on = 0;
        t = ma__calloc(ctx, 1, sizeof *t);
        if (t != NULL && ma_resolver_new(&r, ctx, &ops, &e) == MA_OK) {
            ma__job_init(&t->job, ctx, &two_round_vt);
            rc = ma_job_run(&t->job, r);
            if (rc == MA_JOB_DONE)
                completed = 1;
            else if (rc != MA_ENOMEM)
                clean = 0;
            ma_job_free(&t->job);
        } else {
            ma__free(ctx, t);
        }
        ma_resolver_free(r);
        ma_ctx_free(ctx);
        if (f.live != 0)
            clean = 0;
    }
    ok(completed, "the run completes once allocations stop failing");
    ok(clean, "every allocation failure gives MA_ENOMEM and leaks nothing");
}

int main(void)
{
    ma_ctx *ctx;
    ma_ctx_new(&ctx, NULL);
    test_protocol(ctx);
    test_failures(ctx);
    test_run(ctx);
    test_lookup_job(ctx);
    test_oom();
    ma_ctx_free(ctx);
    return tap_done();
}
