/*
 * SPF check_host() (RFC 7208 section 4) as a sans-I/O job.
 *
 * The evaluation is a stack of frames: the checked domain at the bottom,
 * one frame per include: above it.  redirect= replaces the record of its
 * frame (6.1).  Each step runs the top frame as far as the answers it has
 * allow; a term that needs DNS asks its questions and the step returns
 * NEED_DNS, to be resumed at the same term when answers arrive.  Questions
 * are deduplicated by the job core, so resuming re-asks nothing.
 *
 * Limits (4.6.4) are context limits: DNS-querying terms, void lookups, MX
 * names, PTR names, the time budget and the macro output size.
 *
 * Speed: an evaluation is one allocation in the common case (the job, with
 * the first piece of its arena inside it, small enough for the fast caches
 * of common mallocs).  Records are parsed once per answer (a memo kept with
 * the answer, shared by every evaluation that gets the same answer from a
 * zone or cache), and so are the host names of MX answers.  Names known to
 * be canonical (normalized domains, the literal targets of records,
 * expansions made only of canonical bytes) are asked for without being
 * checked or copied again, and strings of a record that live as long as
 * the job (its terms, its literal targets) are borrowed, not copied.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "spf/spf_int.h"

enum frame_kind { FRAME_TOP, FRAME_INCLUDE, FRAME_POLICY };
enum frame_state { FS_FETCH, FS_TERMS, FS_DONE };
/* Where a term's evaluation stands. */
enum term_state { TS_START, TS_PRIMARY, TS_ADDRS };
/* Outcome of evaluating one mechanism. */
enum { M_NOMATCH = 0, M_MATCH = 1, M_WAIT = 2, M_ERROR = 3 };

typedef struct spf_frame {
    struct spf_frame *up;    /* the frame below (the parent), NULL at the bottom */
    const ma_spf_record *rec; /* the record evaluated: own, a memo's, or the policy */
    ma_spf_record *own;      /* a record parsed for this frame only (freed with it), or NULL */
    const char *domain;      /* <domain> of this frame, NUL-terminated (see push_frame) */
    const char *qname;       /* its canonical DNS name (not NUL-terminated), or NULL */
    uint64_t qhash;
    /* the current term's evaluation */
    const char *target;      /* expanded <target-name>, NUL-terminated, or NULL */
    const char *tq;          /* its canonical DNS name when known (not NUL-terminated) */
    uint64_t tqhash;
    uint32_t *sub;           /* address questions for MX names */
    uint32_t dlen, qlen;     /* lengths of domain and qname */
    uint32_t tlen, tqlen;    /* lengths of target and tq */
    uint32_t idx;            /* current term */
    uint32_t qid;            /* primary question */
    uint32_t nsub;
    uint8_t kind;
    uint8_t state;
    uint8_t redirected;      /* the record came through redirect= (none -> permerror) */
    uint8_t guessed;         /* the record is the best-guess record */
    uint8_t policy_done;     /* local policy already tried in this frame */
    uint8_t tstate;
    uint8_t counted;         /* the term was counted against the DNS-term limit */
    uint8_t over;            /* the MX set has more names than the limit */
    uint8_t ttemp;           /* target is in the caller's buffer until asked for */
    /* result of a finished frame */
    uint8_t matched;         /* a mechanism matched (vs. the default) */
    int8_t result;
} spf_frame;

/* The texts of a result, made when the first is written. */
typedef struct spf_texts {
    ma_buf problem;
    ma_buf explanation;
} spf_texts;

/* The validated names of the client (5.5, 7.3 %{p}). */
typedef struct spf_ptr {
    int state;               /* 0 not started, 1 PTR asked, 2 addresses asked, 3 done */
    uint32_t ptr_id;
    char **names;
    uint32_t *ids;
    size_t n;
    unsigned char *valid;    /* per name: the name resolves to the client */
} spf_ptr;

/*
 * The job is allocated SPF_JOB_BYTES long (glibc's tcache serves requests
 * of up to 1032 bytes), and what follows its fields is the first piece of
 * its arena: room for what a typical evaluation of one record allocates
 * (its strings, a few questions), so that it needs no other allocation.
 * SPF_SEED_MIN is the least room given to the arena there.
 */
#define SPF_JOB_BYTES 1032
#define SPF_SEED_MIN 128

/* Every field is set by ma_spf_job_new() (no memset: see there). */
typedef struct spf_job {
    ma_job job;
    /* inputs */
    ma_ip ip;
    uint8_t is_helo;
    int8_t result;           /* -1 while running */
    uint8_t clock_read;      /* start_ms is set (see spf_clock) */
    uint32_t ip4;            /* the client as a number when it is IPv4 */
    const char *sender;      /* local@domain of the identity, postmaster@ filled in */
    const char *mailfrom;    /* MAIL FROM as given ("" for the null reverse-path) */
    const char *helo;        /* NULL when not given */
    const char *receiver;
    const char *default_exp;
    const char *best_guess;
    size_t local_len;        /* length of the local part in sender */
    size_t sender_len, helo_len, receiver_len;
    ma_spf_record *policy;   /* the local policy (arena), or NULL */
    /* state */
    spf_frame *top;          /* the frame evaluated (frame0 at the bottom) */
    spf_frame *spare;        /* popped frames, for reuse (arena) */
    uint32_t nframes, maxframes;
    unsigned int lookups, voids;
    int64_t start_ms;        /* when the check first waited for DNS (see spf_clock) */
    struct spf_memo *private_memo; /* a memo not attached to its answer, in use */
    int exp_state;           /* 0 none, 1 asked, 2 done */
    uint32_t exp_id;
    spf_ptr *ptr;            /* the validated names (arena), once needed */
    /* results */
    const char *mech;        /* the mechanism that decided (a record's, arena or static), or NULL */
    const char *dom;         /* the domain whose record decided, or NULL */
    struct spf_texts *texts; /* problem and explanation (arena), once written */
    /* The checked domain when it was in normal form (spf_domain_is_normal),
       with what macro expansion needs to know of it; else NULL. */
    const char *dom_known;
    uint32_t dom_first, dom_last;
    uint8_t dom_top;
    spf_frame frame0;
    /* The first arena chunk (not zeroed), to the end of the allocation. */
    long double seed[];
} spf_job;

/* Room on the stack for one macro expansion before it moves to the heap. */
#define SPF_EXPAND_STACK 512

static const ma_job_vtable spf_vt;

/* ------------------------------------------------------------------ helpers */

/* Strings and arrays of an evaluation live in the job's arena. */
static char *spf_dup(spf_job *s, const char *p, size_t len)
{
    return ma__job_strndup(&s->job, p, len);
}

static void *spf_zalloc(spf_job *s, size_t n, size_t size)
{
    void *p;
    if (n == 0 || n > SIZE_MAX / size)
        return NULL;
    p = ma__job_alloc(&s->job, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

static spf_frame *top(spf_job *s)
{
    return s->top;
}

/* The result's texts, made on first use; NULL when out of memory. */
static spf_texts *spf_texts_get(spf_job *s)
{
    if (s->texts == NULL) {
        spf_texts *t = ma__job_alloc(&s->job, sizeof *t);
        if (t == NULL)
            return NULL;
        ma__buf_init(&t->problem, s->job.ctx);
        ma__buf_init(&t->explanation, s->job.ctx);
        s->texts = t;
    }
    return s->texts;
}

/* The problem text, emptied, to be written; NULL when out of memory. */
static ma_buf *spf_problem(spf_job *s)
{
    spf_texts *t = spf_texts_get(s);
    if (t == NULL)
        return NULL;
    ma__buf_reset(&t->problem);
    return &t->problem;
}

static void frame_term_reset(spf_frame *f)
{
    f->target = NULL;
    f->ttemp = 0;
    f->tq = NULL;
    f->sub = NULL;
    f->nsub = 0;
    f->tstate = TS_START;
    f->counted = 0;
    f->over = 0;
    f->qid = 0;
}

/* Free what the frame owns (its own record). */
static void frame_release(spf_job *s, spf_frame *f)
{
    if (f->own != NULL) {
        ma__spf_record_free(f->own, s->job.ctx);
        f->own = NULL;
    }
}

/* ma__job_answer_get() without the call: the answer for question id, or
   NULL while it is outstanding. */
static const ma_dns_answer *spf_answer(const spf_job *s, uint32_t id)
{
    if (id == 0 || id > s->job.nqs)
        return NULL;
    return s->job.qs[id - 1]->answer;
}

/* The rcode and record count of an answer as ma_dns_answer_rcode() and
   ma_dns_answer_count() give them (a is never NULL here). */
static ma_dns_rcode ans_rcode(const ma_dns_answer *a)
{
    if (a->rcode == MA_DNS_OK && a->count == 0)
        return MA_DNS_NODATA;
    return a->rcode;
}

static size_t ans_count(const ma_dns_answer *a)
{
    return a->rcode != MA_DNS_OK ? 0 : a->count;
}

/* Fill the macro environment for the given current domain. */
static void spf_env(spf_job *s, const char *domain, size_t dlen, ma_spf_macro_env *env)
{
    const char *at = s->sender + s->local_len;
    env->sender = s->sender;
    env->sender_len = s->sender_len;
    env->local = s->sender;
    env->local_len = s->local_len;
    env->sender_domain = at + 1;
    env->sender_domain_len = s->sender_len - s->local_len - 1;
    env->domain = domain;
    env->domain_len = dlen;
    env->ip = &s->ip;
    env->helo = s->helo ? s->helo : "";
    env->helo_len = s->helo_len;
    env->receiver = s->receiver;
    env->receiver_len = s->receiver_len;
    env->now = 0;            /* t is for explanations: see spf_explain_env() */
    env->validated = NULL;
    env->validated_len = 0;
    env->domain_canon = 0;
    if (s->ptr != NULL && s->ptr->state == 3) {
        /* 7.3: prefer a validated name equal to or under <domain>, else any. */
        const spf_ptr *p = s->ptr;
        size_t i, pick = p->n;
        for (i = 0; i < p->n; i++) {
            if (!p->valid[i])
                continue;
            if (pick == p->n)
                pick = i;
            if (ma_domain_is_within(p->names[i], strlen(p->names[i]), domain, dlen)) {
                pick = i;
                break;
            }
        }
        if (pick < p->n) {
            env->validated = p->names[pick];
            env->validated_len = strlen(p->names[pick]);
        }
    }
}

/*
 * The context clock is read only when needed, once: the time budget of
 * 4.6.4 counts from the first time the check waits for DNS (the work
 * before that is bounded and waits for nothing), and %{t} of explanations
 * is that time too, or the time of the first explanation.  A check that
 * finishes without waiting (answers from memory) reads no clock.
 */
static int64_t spf_clock(spf_job *s)
{
    if (!s->clock_read) {
        s->start_ms = ma_ctx_now_ms(s->job.ctx);
        s->clock_read = 1;
    }
    return s->start_ms;
}

/* The macro environment of explanation text (7.3: c, r, t allowed). */
static void spf_explain_env(spf_job *s, const char *domain, size_t dlen, ma_spf_macro_env *env)
{
    spf_env(s, domain, dlen, env);
    env->now = spf_clock(s) / 1000;
}

/* Finish the whole check. */
static int spf_final(spf_job *s, int result)
{
    s->result = result;
    /* The domain whose evaluation ended it, for errors too. */
    if (s->dom == NULL && s->nframes > 0 && top(s)->domain != NULL)
        s->dom = top(s)->domain;
    return MA_JOB_DONE;
}

/* permerror with a problem text: fmt has one %s, filled with arg. */
static int spf_perm(spf_job *s, const char *fmt, const char *arg)
{
    const char *pct = strstr(fmt, "%s");
    ma_buf *b = spf_problem(s);
    int rc;
    if (b == NULL)
        return MA_ENOMEM;
    /* Assemble by hand so the format need not be a literal. */
    rc = ma__buf_append(b, fmt, pct ? (size_t)(pct - fmt) : strlen(fmt));
    if (rc == MA_OK && pct != NULL) {
        rc = ma__buf_append(b, arg, strlen(arg));
        if (rc == MA_OK)
            rc = ma__buf_append(b, pct + 2, strlen(pct + 2));
    }
    if (rc != MA_OK)
        return MA_ENOMEM;
    return spf_final(s, MA_SPF_PERMERROR);
}

static int spf_temp(spf_job *s, const char *what, const char *name)
{
    ma_buf *b = spf_problem(s);
    if (b == NULL || ma__buf_printf(b, "DNS %s for %s", what, name) != MA_OK)
        return MA_ENOMEM;
    return spf_final(s, MA_SPF_TEMPERROR);
}

static ma_dns_type addr_type(const spf_job *s)
{
    return s->ip.family == MA_IP_V6 ? MA_DNS_AAAA : MA_DNS_A;
}

static const char *rcode_word(ma_dns_rcode rc)
{
    return rc == MA_DNS_TEMPFAIL ? "timeout or server failure" : "error";
}

static int is_void(const ma_dns_answer *a)
{
    ma_dns_rcode rc = ans_rcode(a);
    return rc == MA_DNS_NXDOMAIN || rc == MA_DNS_NODATA;
}

static int is_error(const ma_dns_answer *a)
{
    ma_dns_rcode rc = ans_rcode(a);
    return rc == MA_DNS_TEMPFAIL || rc == MA_DNS_PERMFAIL;
}

/* Count a void lookup; returns nonzero (and sets permerror) past the limit. */
static int count_void(spf_job *s, int *rc)
{
    if (++s->voids > ma__limit(s->job.ctx, MA_LIMIT_SPF_VOID_LOOKUPS)) {
        *rc = spf_perm(s, "more than %s void lookups", "the allowed");
        return 1;
    }
    return 0;
}

/* Count a DNS-querying term once (4.6.4). */
static int count_term(spf_job *s, spf_frame *f, const ma_spf_term *t, int *rc)
{
    if (f->counted)
        return 0;
    f->counted = 1;
    if (++s->lookups > ma__limit(s->job.ctx, MA_LIMIT_SPF_DNS_TERMS)) {
        char what[80];
        snprintf(what, sizeof what, "%.*s", (int)(t->text_len > 60 ? 60 : t->text_len), t->text);
        *rc = spf_perm(s, "too many DNS lookups at '%s'", what);
        return 1;
    }
    return 0;
}

/*
 * Expand the term's domain-spec (or take <domain>) into f->target.  Needs
 * the validated names first when the spec uses %{p}: returns M_WAIT then.
 * tmp (SPF_EXPAND_STACK bytes, or NULL) is room of the caller's for a
 * target that is asked for at once (a, exists, mx): a canonical expansion
 * stays there (f->ttemp) until ask_primary() points target at the
 * question's copy of the name.
 */
static int expand_target(spf_job *s, spf_frame *f, const ma_spf_term *t, int *rc, char *tmp);

static int ptr_progress(spf_job *s);

/* ----------------------------------------------------------- validated names */

/*
 * Find the validated names of the client (5.5): PTR of the reverse name,
 * the first MA_LIMIT_SPF_PTR_NAMES names, and for each its A or AAAA
 * records compared with the client.  DNS errors are not fatal here: a
 * failed PTR lookup gives no names, a failed address lookup skips the name.
 * Returns MA_OK when done, MA_JOB_NEED_DNS while waiting, or <0.
 */
static int ptr_progress(spf_job *s)
{
    ma_job *job = &s->job;
    spf_ptr *p = s->ptr;
    const ma_dns_answer *a;
    size_t i, j;
    int rc;

    if (p == NULL) {
        p = s->ptr = spf_zalloc(s, 1, sizeof *p);
        if (p == NULL)
            return MA_ENOMEM;
    }
    if (p->state == 3)
        return MA_OK;
    if (p->state == 0) {
        char rev[MA_IP_REVERSE_MAX];
        if (ma_ip_reverse_name(&s->ip, rev, sizeof rev) != MA_OK)
            return MA_EINTERNAL;
        rc = ma__job_ask(job, rev, strlen(rev), MA_DNS_PTR, &p->ptr_id);
        if (rc != MA_OK)
            return rc;
        p->state = 1;
    }
    if (p->state == 1) {
        size_t n, max = (size_t)ma__limit(job->ctx, MA_LIMIT_SPF_PTR_NAMES);
        a = spf_answer(s, p->ptr_id);
        if (a == NULL)
            return MA_JOB_NEED_DNS;
        n = ma_dns_answer_count(a);
        if (n > max)
            n = max; /* 4.6.4: ignore the rest */
        p->names = n ? spf_zalloc(s, n, sizeof *p->names) : NULL;
        p->ids = n ? spf_zalloc(s, n, sizeof *p->ids) : NULL;
        p->valid = n ? spf_zalloc(s, n, 1) : NULL;
        if (n && (p->names == NULL || p->ids == NULL || p->valid == NULL))
            return MA_ENOMEM;
        for (i = 0; i < n; i++) {
            const char *name;
            ma_dns_answer_ptr(a, i, &name);
            /* The root ("." in the answer, "" here) is no host: asking its
               address would be a question about nothing. */
            if (name[0] == '\0' || strcmp(name, ".") == 0)
                continue;
            p->names[p->n] = spf_dup(s, name, strlen(name));
            if (p->names[p->n] == NULL)
                return MA_ENOMEM;
            rc = ma__job_ask(job, name, strlen(name), addr_type(s), &p->ids[p->n]);
            if (rc == MA_ESYNTAX)
                continue; /* an unusable name is skipped */
            if (rc != MA_OK)
                return rc;
            p->n++;
        }
        p->state = 2;
    }
    for (i = 0; i < p->n; i++)
        if (spf_answer(s, p->ids[i]) == NULL)
            return MA_JOB_NEED_DNS;
    for (i = 0; i < p->n; i++) {
        a = spf_answer(s, p->ids[i]);
        for (j = 0; j < ma_dns_answer_count(a); j++) {
            ma_ip ip;
            if (ma_dns_answer_addr(a, j, &ip) == MA_OK && ma_ip_equal(&ip, &s->ip))
                p->valid[i] = 1;
        }
    }
    p->state = 3;
    return MA_OK;
}

static int expand_target(spf_job *s, spf_frame *f, const ma_spf_term *t, int *rc, char *tmp)
{
    ma_spf_macro_env env;
    ma_errbuf err;
    char local[SPF_EXPAND_STACK];
    char *stack = tmp != NULL ? tmp : local;
    ma_buf out;
    size_t n = 0;
    int r, canon = 0;
    char *target = NULL;

    if (f->target != NULL)
        return M_MATCH;
    if (t->spec == NULL) {
        f->target = f->domain;
        f->tlen = f->dlen;
        f->tq = f->qname;
        f->tqlen = f->qlen;
        f->tqhash = f->qhash;
        return M_MATCH;
    }
    if (t->literal) {
        /* Expanded and canonicalized when the record was parsed.  A record
           of the frame's own goes before the job does (redirect=, the
           frame's end): then the expansion is copied. */
        if (t->ztarget != NULL && f->own == NULL) {
            f->target = t->ztarget;
        } else {
            f->target = spf_dup(s, t->spec, t->tname_len);
            if (f->target == NULL) {
                *rc = MA_ENOMEM;
                return M_ERROR;
            }
        }
        f->tlen = (uint32_t)t->tname_len;
        f->tq = t->tname;
        f->tqlen = (uint32_t)t->tname_len;
        f->tqhash = t->thash;
        return M_MATCH;
    }
    if (t->uses_p) {
        r = ptr_progress(s);
        if (r == MA_JOB_NEED_DNS)
            return M_WAIT;
        if (r < 0) {
            *rc = r;
            return M_ERROR;
        }
    }
    if (t->npieces != 0) {
        /* A compiled spec (never with p): only the letters it may use. */
        env.sender = s->sender;
        env.sender_len = s->sender_len;
        env.local = s->sender;
        env.local_len = s->local_len;
        env.sender_domain = s->sender + s->local_len + 1;
        env.sender_domain_len = s->sender_len - s->local_len - 1;
        env.domain = f->domain;
        env.domain_len = f->dlen;
        env.helo = s->helo ? s->helo : "";
        env.helo_len = s->helo_len;
        env.ip = &s->ip;
        if (f->domain == s->dom_known && f->domain != NULL) {
            /* The checked domain, in normal form: canonical, its labels known. */
            env.domain_canon = 2;
            env.domain_first = s->dom_first;
            env.domain_last = s->dom_last;
            env.domain_top = s->dom_top;
        } else {
            /* A domain that is its own question name is canonical. */
            env.domain_canon = f->qname != NULL && f->qlen == f->dlen &&
                               (f->qname == f->domain ||
                                memcmp(f->qname, f->domain, f->dlen) == 0);
        }
        r = ma__spf_expand_compiled(stack, SPF_EXPAND_STACK, &n, &canon, t->spec, t->pieces,
                                    t->npieces, &env,
                                    ma__limit(s->job.ctx, MA_LIMIT_SPF_MACRO_BYTES), &err);
        if (r == MA__SPF_SLOW)
            spf_env(s, f->domain, f->dlen, &env);
    } else {
        spf_env(s, f->domain, f->dlen, &env);
        r = ma__spf_expand_domain_fast(stack, SPF_EXPAND_STACK, &n, &canon, t->spec, t->spec_len,
                                       &env, ma__limit(s->job.ctx, MA_LIMIT_SPF_MACRO_BYTES),
                                       &err);
    }
    if (r == MA_OK && canon && tmp != NULL) {
        /* Asked for at once: no copy of its own (see ask_primary).  The
           expander left a NUL after it. */
        f->target = f->tq = stack;
        f->tlen = f->tqlen = (uint32_t)n;
        f->tqhash = ma__dns_name_hash(stack, n);
        f->ttemp = 1;
        return M_MATCH;
    }
    if (r == MA_OK) {
        target = spf_dup(s, stack, n);
    } else if (r == MA__SPF_SLOW) {
        ma__buf_init_on(&out, s->job.ctx, stack, SPF_EXPAND_STACK);
        r = ma__spf_expand_domain(&out, s->job.ctx, t->spec, t->spec_len, &env, &err);
        if (r == MA_OK) {
            n = out.len;
            target = spf_dup(s, out.data, n);
        }
        ma__buf_free(&out);
    }
    if (r == MA_ENOMEM || (r == MA_OK && target == NULL)) {
        *rc = MA_ENOMEM;
        return M_ERROR;
    }
    if (r != MA_OK) {
        char what[80];
        /* 4.8 leaves an invalid expansion undefined.  The domain-spec was
           valid syntax, so, as the OpenSPF suite expects ("It is not correct
           to check syntax after macro expansion"), a mechanism whose target
           expands to no valid name simply does not match: no DNS query, no
           void lookup.  include and redirect need a record, so there it is a
           permerror. */
        if (r == MA_ESYNTAX && t->kind != MA_SPF_INCLUDE && t->kind != MA_SPF_REDIRECT)
            return M_NOMATCH;
        snprintf(what, sizeof what, "%.*s", (int)(t->text_len > 60 ? 60 : t->text_len), t->text);
        *rc = spf_perm(s, "invalid domain-spec in '%s'", what);
        return M_ERROR;
    }
    f->target = target;
    f->tlen = (uint32_t)n;
    if (canon) {
        /* Only bytes canonical names keep: the expansion is its own
           canonical name (the fast expander checked the rest). */
        f->tq = target;
        f->tqlen = (uint32_t)n;
        f->tqhash = ma__dns_name_hash(target, n);
    }
    return M_MATCH;
}

/* ---------------------------------------------------------------- mechanisms */

/* Is the client (never IPv4-mapped: see ma_spf_job_new) within ip4 term t? */
static int client_in4(const spf_job *s, const ma_spf_term *t)
{
    /* An IPv6 client is never within an IPv4 network. */
    return s->ip.family == MA_IP_V4 && ((s->ip4 ^ t->net4) & t->mask4) == 0;
}

/* Is the client within the network of answer record ip (prefix from t)? */
static int client_in(const spf_job *s, const ma_ip *net, unsigned int prefix)
{
    if (net->family == MA_IP_V4 && s->ip.family == MA_IP_V4) {
        const unsigned char *a = net->addr;
        uint32_t x = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) |
                     (uint32_t)a[3];
        return prefix == 0 || (prefix <= 32 && ((s->ip4 ^ x) >> (32 - prefix)) == 0);
    }
    return ma_ip_in_network(&s->ip, net, prefix);
}

/* Does any address in answer a match the client within the CIDR lengths? */
static int addrs_match(const spf_job *s, const ma_dns_answer *a, const ma_spf_term *t)
{
    size_t i, n = ans_count(a);
    if (a->type != MA_DNS_A && a->type != MA_DNS_AAAA)
        return 0;
    for (i = 0; i < n; i++) {
        const ma_ip *ip = &a->recs[i].ip;
        if (client_in(s, ip, ip->family == MA_IP_V4 ? t->cidr4 : t->cidr6))
            return 1;
    }
    return 0;
}

/* Ask the term's primary question once. */
static int ask_primary(spf_job *s, spf_frame *f, ma_dns_type type, int *rc)
{
    int r;
    if (f->tstate != TS_START)
        return M_MATCH;
    if (f->tq != NULL)
        r = ma__job_ask_canon(&s->job, f->tq, f->tqlen, f->tqhash, type, &f->qid);
    else
        r = ma__job_ask(&s->job, f->target, f->tlen, type, &f->qid);
    if (r == MA_OK) {
        if (f->ttemp) {
            /* The question's copy of the name is the target from now on
               (the name is canonical: the same text). */
            const ma_dns_question *q = s->job.qs[f->qid - 1];
            f->target = f->tq = q->name;
            f->ttemp = 0;
        }
        f->tstate = TS_PRIMARY;
        return M_MATCH;
    }
    if (r == MA_ESYNTAX)
        *rc = spf_perm(s, "invalid target name '%s'", f->target);
    else
        *rc = r;
    if (f->ttemp) {
        /* The caller's buffer goes with this call. */
        f->target = f->tq = NULL;
        f->ttemp = 0;
    }
    return M_ERROR;
}

static int mech_a_exists(spf_job *s, spf_frame *f, const ma_spf_term *t, int *rc)
{
    const ma_dns_answer *a;
    int r = ask_primary(s, f, t->kind == MA_SPF_EXISTS ? MA_DNS_A : addr_type(s), rc);
    if (r != M_MATCH)
        return r;
    a = spf_answer(s, f->qid);
    if (a == NULL)
        return M_WAIT;
    if (is_error(a)) {
        *rc = spf_temp(s, rcode_word(ans_rcode(a)), f->target);
        return M_ERROR;
    }
    if (is_void(a))
        return count_void(s, rc) ? M_ERROR : M_NOMATCH;
    if (t->kind == MA_SPF_EXISTS)
        return M_MATCH;
    return addrs_match(s, a, t) ? M_MATCH : M_NOMATCH;
}

/*
 * The host names of an MX answer as questions need them (canonical, with
 * their hashes), worked out once per answer and kept with it, as the SPF
 * reading of TXT answers is (see spf_memo below).
 */
static const char mx_memo_kind[] = "spf-mx-hosts";

enum { MX_HOST = 0, MX_SKIP = 1 };

typedef struct mx_host {
    const char *name;        /* canonical, in the memo's block */
    size_t len;
    uint64_t hash;
    int state;               /* MX_HOST, or MX_SKIP: a null MX or no valid name */
} mx_host;

typedef struct mx_memo {
    ma_dns_memo hdr;
    size_t n;
    mx_host *hosts;          /* in the same block, after the memo */
} mx_memo;

static void mx_memo_destroy(ma_dns_memo *m, const ma_ctx *ctx)
{
    ma__free(ctx, m);
}

/* Whether exchange names no host: a null MX (".", RFC 7505) or nothing. */
static int mx_is_null(const char *ex)
{
    return ex[0] == '\0' || (ex[0] == '.' && ex[1] == '\0');
}

/*
 * The memo of MX answer a, built and attached on first use.  NULL (with
 * *rc MA_OK) when it cannot be attached (another context's answer, or
 * another kind of memo there): the caller then reads the answer itself.
 * NULL with *rc MA_ENOMEM when out of memory.
 */
static const mx_memo *mx_memo_get(spf_job *s, const ma_dns_answer *a, int *rc)
{
    const ma_ctx *ctx = s->job.ctx;
    ma_dns_memo *m = ma__dns_answer_memo(a, mx_memo_kind);
    char canon[MA_DNS_CANON_CAP];
    size_t i, n, clen, names = 0, off;
    mx_memo *mm;
    char *text;

    *rc = MA_OK;
    if (m != NULL)
        return (const mx_memo *)m;
    if (a->ctx != ctx)
        return NULL;
    n = ans_count(a);
    /* Pass 1: room for the canonical names. */
    for (i = 0; i < n; i++) {
        const char *ex = a->recs[i].text;
        if (ex == NULL || mx_is_null(ex))
            continue;
        if (ma__dns_name_canon_fixed(canon, ex, strlen(ex), &clen) == MA_OK)
            names += clen + 1;
    }
    off = (sizeof *mm + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1);
    if (n > (SIZE_MAX - off - names) / sizeof *mm->hosts) {
        *rc = MA_ENOMEM;
        return NULL;
    }
    mm = ma__alloc(ctx, off + n * sizeof *mm->hosts + names);
    if (mm == NULL) {
        *rc = MA_ENOMEM;
        return NULL;
    }
    mm->hdr.kind = mx_memo_kind;
    mm->hdr.destroy = mx_memo_destroy;
    mm->n = n;
    mm->hosts = (mx_host *)(void *)((char *)mm + off);
    text = (char *)(mm->hosts + n);
    /* Pass 2: the names, as ma__job_ask() would canonicalize them. */
    for (i = 0; i < n; i++) {
        const char *ex = a->recs[i].text;
        mx_host *h = &mm->hosts[i];
        h->state = MX_SKIP;
        h->name = NULL;
        h->len = 0;
        h->hash = 0;
        if (ex == NULL || mx_is_null(ex))
            continue;
        if (ma__dns_name_canon_fixed(canon, ex, strlen(ex), &clen) != MA_OK)
            continue;
        memcpy(text, canon, clen + 1);
        h->name = text;
        h->len = clen;
        h->hash = ma__dns_name_hash(text, clen);
        h->state = MX_HOST;
        text += clen + 1;
    }
    m = ma__dns_answer_set_memo(a, &mm->hdr);
    if (m == &mm->hdr)
        return mm;
    mx_memo_destroy(&mm->hdr, ctx);
    if (m != NULL && m->kind == mx_memo_kind)
        return (const mx_memo *)m; /* another evaluation attached one first */
    return NULL;
}

static int mech_mx(spf_job *s, spf_frame *f, const ma_spf_term *t, int *rc)
{
    ma_job *job = &s->job;
    const ma_dns_answer *a;
    size_t i, n;
    int r = ask_primary(s, f, MA_DNS_MX, rc);
    if (r != M_MATCH)
        return r;
    a = spf_answer(s, f->qid);
    if (a == NULL)
        return M_WAIT;
    if (f->tstate == TS_PRIMARY) {
        const mx_memo *mm;
        if (is_error(a)) {
            *rc = spf_temp(s, rcode_word(ans_rcode(a)), f->target);
            return M_ERROR;
        }
        if (is_void(a))
            return count_void(s, rc) ? M_ERROR : M_NOMATCH;
        n = ans_count(a);
        /* 4.6.4: evaluating an mx "MUST NOT result in querying more than 10
           address records"; the first 10 hosts are tried and only needing
           an 11th is the permerror (see the end of this function). */
        f->over = n > ma__limit(job->ctx, MA_LIMIT_SPF_MX_NAMES);
        if (f->over)
            n = (size_t)ma__limit(job->ctx, MA_LIMIT_SPF_MX_NAMES);
        f->sub = ma__job_alloc(job, (n ? n : 1) * sizeof *f->sub);
        if (f->sub == NULL)
            return (*rc = MA_ENOMEM), M_ERROR;
        mm = mx_memo_get(s, a, &r);
        if (r != MA_OK)
            return (*rc = r), M_ERROR;
        for (i = 0; i < n; i++) {
            if (mm != NULL) {
                const mx_host *h = &mm->hosts[i];
                if (h->state != MX_HOST)
                    continue; /* a null MX, or a name ma__job_ask() refuses */
                r = ma__job_ask_canon(job, h->name, h->len, h->hash, addr_type(s),
                                      &f->sub[f->nsub]);
            } else {
                uint16_t pref;
                const char *ex;
                ma_dns_answer_mx(a, i, &pref, &ex);
                /* A null MX (".", RFC 7505) names no host. */
                if (mx_is_null(ex))
                    continue;
                r = ma__job_ask(job, ex, strlen(ex), addr_type(s), &f->sub[f->nsub]);
                if (r == MA_ESYNTAX)
                    continue;
            }
            if (r != MA_OK)
                return (*rc = r), M_ERROR;
            f->nsub++;
        }
        f->tstate = TS_ADDRS;
    }
    for (i = 0; i < f->nsub; i++)
        if (spf_answer(s, f->sub[i]) == NULL)
            return M_WAIT;
    for (i = 0; i < f->nsub; i++) {
        a = spf_answer(s, f->sub[i]);
        if (is_error(a)) {
            *rc = spf_temp(s, rcode_word(ans_rcode(a)), "an MX host");
            return M_ERROR;
        }
        if (is_void(a)) {
            if (count_void(s, rc))
                return M_ERROR;
            continue;
        }
        if (addrs_match(s, a, t))
            return M_MATCH;
    }
    if (f->over)
        return (*rc = spf_perm(s, "more than the allowed MX names for %s", f->target)), M_ERROR;
    return M_NOMATCH;
}

static int mech_ptr(spf_job *s, spf_frame *f, const ma_spf_term *t, int *rc)
{
    spf_ptr *p;
    const ma_dns_answer *a;
    size_t i;
    int r = ptr_progress(s);
    (void)t;
    if (r == MA_JOB_NEED_DNS)
        return M_WAIT;
    if (r < 0)
        return (*rc = r), M_ERROR;
    p = s->ptr;
    /* Void lookups: the PTR lookup and the names' address lookups (as pyspf). */
    a = spf_answer(s, p->ptr_id);
    if (is_void(a) && count_void(s, rc))
        return M_ERROR;
    for (i = 0; i < p->n; i++) {
        a = spf_answer(s, p->ids[i]);
        if (is_void(a) && count_void(s, rc))
            return M_ERROR;
    }
    for (i = 0; i < p->n; i++)
        if (p->valid[i] && ma_domain_is_within(p->names[i], strlen(p->names[i]), f->target,
                                               f->tlen))
            return M_MATCH;
    return M_NOMATCH;
}

/* ------------------------------------------------------------------ frames */

/*
 * A new frame for domain (kept as it is: arena memory, the job's strings,
 * or a literal target of a record that lives as long as the job); qname is
 * its canonical name when known (NULL: found when the record is asked
 * for).  The bottom frame is inside the job; the others come from the
 * arena and are reused once popped.
 */
static int push_frame(spf_job *s, int kind, const char *domain, size_t dlen, const char *qname,
                      size_t qlen, uint64_t qhash)
{
    spf_frame *f;
    if (s->nframes == s->maxframes)
        return MA_ELIMIT;
    if (s->nframes == 0) {
        f = &s->frame0;
    } else if (s->spare != NULL) {
        f = s->spare;
        s->spare = f->up;
    } else {
        f = ma__job_alloc(&s->job, sizeof *f);
        if (f == NULL)
            return MA_ENOMEM;
    }
    {
        /* One assignment (the other fields zero), not a memset, which
           compilers make a "rep stos", slow to start. */
        spf_frame init = { 0 };
        init.up = s->nframes ? s->top : NULL;
        init.kind = (uint8_t)kind;
        init.state = FS_FETCH;
        init.domain = domain;
        init.dlen = (uint32_t)dlen;
        init.qname = qname;
        init.qlen = (uint32_t)qlen;
        init.qhash = qhash;
        *f = init;
    }
    s->top = f;
    s->nframes++;
    return MA_OK;
}

/* Pop the top frame (never the bottom one). */
static void pop_frame(spf_job *s)
{
    spf_frame *f = s->top;
    frame_release(s, f);
    s->top = f->up;
    s->nframes--;
    f->up = s->spare;
    s->spare = f;
}

/* ----------------------------------------------------- compiled records */

/*
 * The SPF reading of a TXT answer (4.5): how many records start with
 * "v=spf1", and the one record compiled.  It is kept with the answer, so
 * evaluations that share the answer (a static zone, a cache) select and
 * parse each record once, not once per evaluation as libspf2 does.
 */
static const char spf_memo_kind[] = "spf-record";

typedef struct spf_memo {
    ma_dns_memo hdr;
    int found;              /* SPF records in the answer: 0, 1, or 2 for more */
    int rc;                 /* parse status of the single record */
    char err[256];          /* parse error text */
    ma_spf_record rec;
} spf_memo;

static void spf_memo_destroy(ma_dns_memo *m, const ma_ctx *ctx)
{
    spf_memo *sm = (spf_memo *)m;
    if (sm->found == 1 && sm->rc == MA_OK)
        ma__spf_record_free(&sm->rec, ctx);
    ma__free(ctx, sm);
}

/*
 * The memo of answer a, attached on first use.  When it cannot be attached
 * (an answer from another context, whose limits may differ, or one that
 * carries a memo of another kind) it is built for this evaluation only and
 * left in s->private_memo.  NULL: out of memory.
 */
static spf_memo *spf_memo_get(spf_job *s, const ma_dns_answer *a)
{
    const ma_ctx *ctx = s->job.ctx;
    ma_dns_memo *m = ma__dns_answer_memo(a, spf_memo_kind);
    spf_memo *sm;
    ma_errbuf err;
    size_t i, n, which = 0;

    if (m != NULL)
        return (spf_memo *)m;
    sm = ma__calloc(ctx, 1, sizeof *sm);
    if (sm == NULL)
        return NULL;
    sm->hdr.kind = spf_memo_kind;
    sm->hdr.destroy = spf_memo_destroy;
    n = ma_dns_answer_count(a);
    for (i = 0; i < n; i++) {
        const char *text;
        size_t len;
        ma_dns_answer_txt(a, i, &text, &len);
        if (ma__spf_is_record(text, len) && sm->found++ == 0)
            which = i;
    }
    if (sm->found > 1)
        sm->found = 2;
    if (sm->found == 1) {
        const char *text;
        size_t len;
        ma_dns_answer_txt(a, which, &text, &len);
        ma__err_clear(&err);
        sm->rc = ma__spf_record_parse(&sm->rec, ctx, text, len, &err);
        if (sm->rc == MA_ENOMEM) {
            ma__free(ctx, sm);
            return NULL;
        }
        if (sm->rc != MA_OK)
            snprintf(sm->err, sizeof sm->err, "%s", err.text);
    }
    if (a->ctx == ctx) {
        m = ma__dns_answer_set_memo(a, &sm->hdr);
        if (m == &sm->hdr)
            return sm;
        if (m != NULL && m->kind == spf_memo_kind) {
            /* Another evaluation attached one first: use that. */
            spf_memo_destroy(&sm->hdr, ctx);
            return (spf_memo *)m;
        }
        /* Not attached (or another evaluator's memo is there, which this
           one must not read as its own): this evaluation's alone. */
    }
    s->private_memo = sm;
    return sm;
}

/* The TXT lookup and record selection of 4.4 and 4.5. */
static int frame_fetch(spf_job *s, spf_frame *f)
{
    ma_job *job = &s->job;
    const ma_dns_answer *a;
    spf_memo *memo;
    int found;
    ma_errbuf err;
    int rc;

    if (f->tstate == TS_START) {
        if (f->qname != NULL) {
            rc = ma__job_ask_canon(job, f->qname, f->qlen, f->qhash, MA_DNS_TXT, &f->qid);
        } else {
            rc = ma__job_ask(job, f->domain, f->dlen, MA_DNS_TXT, &f->qid);
            if (rc == MA_OK) {
                /* The question holds the canonical name: a and mx without
                   a domain-spec ask for it too. */
                const ma_dns_question *q = job->qs[f->qid - 1];
                f->qname = q->name;
                f->qlen = (uint32_t)q->name_len;
                f->qhash = q->hash;
            }
        }
        if (rc == MA_ESYNTAX) {
            f->result = MA_SPF_NONE;
            f->state = FS_DONE;
            return MA_OK;
        }
        if (rc != MA_OK)
            return rc;
        f->tstate = TS_PRIMARY;
    }
    a = spf_answer(s, f->qid);
    if (a == NULL)
        return MA_JOB_NEED_DNS;
    f->tstate = TS_START;
    if (is_error(a)) {
        return spf_temp(s, rcode_word(ans_rcode(a)), f->domain);
    }
    memo = spf_memo_get(s, a);
    if (memo == NULL)
        return MA_ENOMEM;
    found = memo->found;
    if (found > 1) {
        rc = spf_perm(s, "%s has more than one SPF record", f->domain);
        goto out;
    }
    if (found == 0) {
        if (f->kind == FRAME_TOP && s->best_guess != NULL && !f->redirected) {
            ma_spf_record *own = ma__job_alloc(job, sizeof *own);
            if (own == NULL) {
                rc = MA_ENOMEM;
                goto out;
            }
            rc = ma__spf_record_parse(own, job->ctx, s->best_guess, strlen(s->best_guess), &err);
            if (rc == MA_OK) {
                f->own = own;
                f->rec = own;
                f->guessed = 1;
                f->state = FS_TERMS;
                f->idx = 0;
            } else if (rc != MA_ENOMEM) {
                rc = spf_perm(s, "best-guess record: %s", err.text);
            }
            goto out;
        }
        f->result = MA_SPF_NONE;
        f->state = FS_DONE;
        rc = MA_OK;
        goto out;
    }
    if (memo->rc != MA_OK) {
        ma_buf *b = spf_problem(s);
        rc = b != NULL ? ma__buf_printf(b, "%s: %s", f->domain, memo->err) : MA_ENOMEM;
        rc = rc == MA_OK ? spf_final(s, MA_SPF_PERMERROR) : MA_ENOMEM;
        goto out;
    }
    if (memo == s->private_memo) {
        /* Not attached to the answer: the frame keeps the record. */
        ma_spf_record *own = ma__job_alloc(job, sizeof *own);
        if (own == NULL) {
            rc = MA_ENOMEM;
            goto out;
        }
        *own = memo->rec;
        f->own = own;
        f->rec = own;
        memo->found = 0;
    } else {
        f->rec = &memo->rec; /* lives as long as the answer, which the job holds */
    }
    f->state = FS_TERMS;
    f->idx = 0;
    rc = MA_OK;
out:
    if (memo == s->private_memo) {
        spf_memo_destroy(&memo->hdr, job->ctx);
        s->private_memo = NULL;
    }
    return rc;
}

static int qualifier_result(char q)
{
    switch (q) {
    case '-': return MA_SPF_FAIL;
    case '~': return MA_SPF_SOFTFAIL;
    case '?': return MA_SPF_NEUTRAL;
    default: return MA_SPF_PASS;
    }
}

/* The frame matched term t: finish it with the qualifier's result. */
static int frame_match(spf_job *s, spf_frame *f, const ma_spf_term *t)
{
    f->result = (int8_t)qualifier_result(t->qualifier);
    f->matched = 1;
    f->state = FS_DONE;
    if (s->nframes == 1 || f->kind == FRAME_POLICY) {
        if (f->kind != FRAME_POLICY && f->own == NULL && t->ztext != NULL) {
            /* The term as a C string, in a record that lives as long as
               the job (a memo's: the job holds its answer). */
            s->mech = t->ztext;
        } else {
            const char *pre = f->kind == FRAME_POLICY ? "local policy: "
                              : f->guessed              ? "best guess: "
                                                        : "";
            size_t plen = strlen(pre);
            char *m = ma__job_alloc(&s->job, plen + t->text_len + 1);
            if (m == NULL)
                return MA_ENOMEM;
            memcpy(m, pre, plen);
            memcpy(m + plen, t->text, t->text_len);
            m[plen + t->text_len] = '\0';
            s->mech = m;
        }
        s->dom = f->domain;
    }
    return MA_OK;
}

/* Is term idx the final "all" of the record (where a local policy goes)? */
static int is_final_all(const spf_frame *f)
{
    size_t i;
    if (f->rec->terms[f->idx].kind != MA_SPF_ALL)
        return 0;
    for (i = f->idx + 1; i < f->rec->nterms; i++)
        if (f->rec->terms[i].kind < MA_SPF_REDIRECT)
            return 0;
    return 1;
}

/* Evaluate the local policy's terms (once) in a frame above f, which
   borrows the job's parsed policy record. */
static int enter_policy(spf_job *s, spf_frame *f)
{
    int rc;
    f->policy_done = 1;
    rc = push_frame(s, FRAME_POLICY, f->domain, f->dlen, f->qname, f->qlen, f->qhash);
    if (rc != MA_OK)
        return rc;
    top(s)->rec = s->policy;
    top(s)->state = FS_TERMS;
    return MA_OK;
}

/* Run the terms of the top frame.  Returns MA_OK when the frame changed
   (done, pushed, redirected), MA_JOB_NEED_DNS, MA_JOB_DONE (final), <0. */
static int frame_terms(spf_job *s)
{
    spf_frame *f = top(s);
    const ma_spf_term *terms = f->rec->terms;
    size_t nterms = f->rec->nterms;
    int rc = MA_OK, m;
    char tmp[SPF_EXPAND_STACK];

    while (f->idx < nterms) {
        const ma_spf_term *t = &terms[f->idx];
        switch (t->kind) {
        case MA_SPF_IP4:
            if (client_in4(s, t))
                return frame_match(s, f, t);
            /* Nothing of the term's state was touched. */
            f->idx++;
            continue;
        case MA_SPF_IP6:
            /* An IPv4 client is only ever within a mapped network. */
            if ((s->ip.family == MA_IP_V6 || t->mapped) &&
                ma_ip_in_network(&s->ip, &t->ip, t->cidr6))
                return frame_match(s, f, t);
            f->idx++;
            continue;
        case MA_SPF_ALL:
            /* A local policy is tried once, before a final non-pass "all"
               of the checked domain's own record (libspf2's placement). */
            if (s->policy != NULL && f->kind == FRAME_TOP && !f->policy_done &&
                f->tstate == TS_START && t->qualifier != '+' && is_final_all(f))
                return enter_policy(s, f);
            m = M_MATCH;
            break;
        case MA_SPF_A:
        case MA_SPF_EXISTS:
        case MA_SPF_MX:
        case MA_SPF_PTR:
        case MA_SPF_INCLUDE:
            if (count_term(s, f, t, &rc))
                return rc;
            m = expand_target(s, f, t, &rc,
                              t->kind == MA_SPF_PTR || t->kind == MA_SPF_INCLUDE ? NULL : tmp);
            if (m == M_MATCH) {
                switch (t->kind) {
                case MA_SPF_A:
                case MA_SPF_EXISTS:
                    m = mech_a_exists(s, f, t, &rc);
                    break;
                case MA_SPF_MX:
                    m = mech_mx(s, f, t, &rc);
                    break;
                case MA_SPF_PTR:
                    m = mech_ptr(s, f, t, &rc);
                    break;
                default: {
                    const char *target = f->target;
                    f->target = NULL;
                    rc = push_frame(s, FRAME_INCLUDE, target, f->tlen, f->tq, f->tqlen,
                                    f->tqhash);
                    if (rc == MA_ELIMIT)
                        return spf_perm(s, "includes nested too deeply at %s", f->domain);
                    return rc;
                }
                }
            }
            break;
        default:
            /* modifiers: redirect= and exp= are read below, others ignored */
            f->idx++;
            continue;
        }
        if (m == M_WAIT)
            return MA_JOB_NEED_DNS;
        if (m == M_ERROR)
            return rc;
        frame_term_reset(f);
        if (m == M_MATCH)
            return frame_match(s, f, t);
        f->idx++;
    }

    /* No mechanism matched. */
    if (s->policy != NULL && f->kind == FRAME_TOP && !f->policy_done && f->rec->redirect < 0)
        return enter_policy(s, f);
    if (f->rec->redirect >= 0 && f->kind != FRAME_POLICY) {
        /* 6.1: redirect= only when no mechanism matched; the target's
           result is the result, and its own exp= applies. */
        const ma_spf_term *t = &f->rec->terms[f->rec->redirect];
        if (count_term(s, f, t, &rc))
            return rc;
        m = expand_target(s, f, t, &rc, NULL);
        if (m == M_WAIT)
            return MA_JOB_NEED_DNS;
        if (m == M_ERROR)
            return rc;
        {
            const char *target = f->target;
            uint32_t tlen = f->tlen;
            /* A canonical name inside a record of the frame's own is freed
               with it: then the TXT question finds the name again.  (The
               target itself was copied then: see expand_target.) */
            const char *tq = f->own != NULL ? NULL : f->tq;
            uint32_t tqlen = f->tqlen;
            uint64_t tqhash = f->tqhash;
            frame_term_reset(f);
            frame_release(s, f);
            f->rec = NULL;
            f->domain = target;
            f->dlen = tlen;
            f->qname = tq;
            f->qlen = tqlen;
            f->qhash = tqhash;
            f->redirected = 1;
            f->guessed = 0;
            f->state = FS_FETCH;
            f->idx = 0;
        }
        return MA_OK;
    }
    /* 4.7: the default result is neutral. */
    f->result = MA_SPF_NEUTRAL;
    f->matched = 0;
    f->state = FS_DONE;
    if (s->nframes == 1) {
        s->mech = "default";
        s->dom = f->domain;
    }
    return MA_OK;
}

/* Hand a finished frame's result to its parent (or finish the check). */
static int frame_pop(spf_job *s)
{
    spf_frame *f = top(s);
    int result = f->result, matched = f->matched, kind = f->kind, redirected = f->redirected;
    /* Arena memory, the job's, or a record's that the job holds: outlives the frame. */
    const char *dom = f->domain ? f->domain : "";
    spf_frame *parent;

    if (s->nframes == 1) {
        if (result == MA_SPF_NONE && redirected)
            return spf_perm(s, "redirect target %s has no SPF record", dom);
        if (result == MA_SPF_NONE)
            s->dom = dom;
        if (result == MA_SPF_FAIL && f->rec != NULL && f->rec->exp >= 0 && matched)
            return MA_OK; /* the explanation is fetched by spf_step */
        return spf_final(s, result);
    }
    pop_frame(s);
    parent = top(s);
    if (kind == FRAME_POLICY) {
        if (matched) {
            parent->result = (int8_t)result;
            parent->matched = 1;
            parent->state = FS_DONE;
            s->dom = parent->domain;
            return MA_OK;
        }
        return MA_OK; /* resume the parent at its final all */
    }
    /* 5.2: include results. */
    switch (result) {
    case MA_SPF_PASS:
        frame_term_reset(parent);
        return frame_match(s, parent, &parent->rec->terms[parent->idx]);
    case MA_SPF_FAIL:
    case MA_SPF_SOFTFAIL:
    case MA_SPF_NEUTRAL:
        frame_term_reset(parent);
        parent->idx++;
        return MA_OK;
    case MA_SPF_TEMPERROR:
        return spf_final(s, MA_SPF_TEMPERROR);
    case MA_SPF_NONE:
        return spf_perm(s, "included domain %s has no SPF record", dom);
    default:
        return spf_final(s, MA_SPF_PERMERROR);
    }
}

/* 6.2: fetch and expand the explanation of a fail. */
static int spf_explain(spf_job *s)
{
    spf_frame *f = top(s);
    ma_job *job = &s->job;
    ma_spf_macro_env env;
    ma_errbuf err;
    const ma_dns_answer *a;
    int rc, ok = 0;

    if (s->exp_state == 0) {
        const ma_spf_term *t = &f->rec->terms[f->rec->exp];
        char stack[SPF_EXPAND_STACK];
        ma_buf out;
        if (t->spec != NULL && t->uses_p) {
            rc = ptr_progress(s);
            if (rc != MA_OK)
                return rc;
        }
        spf_env(s, f->domain, f->dlen, &env);
        ma__buf_init_on(&out, job->ctx, stack, sizeof stack);
        rc = t->spec == NULL ? MA_ESYNTAX
                             : ma__spf_expand_domain(&out, job->ctx, t->spec, t->spec_len, &env,
                                                     &err);
        if (rc == MA_OK)
            rc = ma__job_ask(job, out.data, out.len, MA_DNS_TXT, &s->exp_id);
        ma__buf_free(&out);
        if (rc == MA_ENOMEM)
            return rc;
        if (rc != MA_OK) {
            s->exp_state = 2;
            return MA_OK;
        }
        s->exp_state = 1;
    }
    if (s->exp_state == 1) {
        a = spf_answer(s, s->exp_id);
        if (a == NULL)
            return MA_JOB_NEED_DNS;
        s->exp_state = 2;
        /* Exactly one TXT record, which expands cleanly; else no exp= (6.2). */
        if (ma_dns_answer_rcode(a) == MA_DNS_OK && ma_dns_answer_count(a) == 1) {
            const char *text;
            size_t len;
            ma_dns_answer_txt(a, 0, &text, &len);
            if (ma__spf_macro_uses_p(text, len)) {
                rc = ptr_progress(s);
                if (rc == MA_JOB_NEED_DNS) {
                    s->exp_state = 1;
                    return rc;
                }
                if (rc != MA_OK)
                    return rc;
            }
            if (spf_texts_get(s) == NULL)
                return MA_ENOMEM;
            spf_explain_env(s, f->domain, f->dlen, &env);
            ma__buf_reset(&s->texts->explanation);
            rc = ma__spf_macro_expand(&s->texts->explanation, job->ctx, text, len, &env,
                                      MA_SPF_MACRO_EXP, &err);
            if (rc == MA_ENOMEM)
                return rc;
            ok = rc == MA_OK;
        }
        if (!ok && s->texts != NULL)
            ma__buf_reset(&s->texts->explanation);
        else
            return MA_OK;
    }
    return MA_OK;
}

/*
 * RFC 7208 6.2: the explanation goes into an SMTP reply, so it "MUST be
 * limited to US-ASCII"; macros copy bytes of MAIL FROM and HELO into it,
 * which may be anything.  Every byte outside printable ASCII becomes '?',
 * so no CR or LF can end the reply line early.
 */
static void ascii_only(ma_buf *b)
{
    size_t i;
    for (i = 0; i < b->len; i++)
        if ((unsigned char)b->data[i] < 0x20 || (unsigned char)b->data[i] > 0x7e)
            b->data[i] = '?';
}

/* The default explanation, expanded (only when the domain gave none). */
static int spf_default_explanation(spf_job *s)
{
    ma_spf_macro_env env;
    ma_errbuf err;
    const char *dom = s->dom ? s->dom : "";
    int rc;
    if (s->default_exp == NULL || (s->texts != NULL && s->texts->explanation.len > 0))
        return MA_OK;
    if (ma__spf_macro_uses_p(s->default_exp, strlen(s->default_exp))) {
        rc = ptr_progress(s);
        if (rc != MA_OK)
            return rc;
    }
    if (spf_texts_get(s) == NULL)
        return MA_ENOMEM;
    spf_explain_env(s, dom, strlen(dom), &env);
    rc = ma__spf_macro_expand(&s->texts->explanation, s->job.ctx, s->default_exp,
                              strlen(s->default_exp), &env, MA_SPF_MACRO_EXP, &err);
    if (rc == MA_ENOMEM)
        return rc;
    if (rc != MA_OK)
        ma__buf_reset(&s->texts->explanation);
    return MA_OK;
}

static int spf_run(spf_job *s)
{
    ma_job *job = &s->job;
    int rc;

    if (s->result >= 0)
        goto explain;
    /* 4.6.4: an overall time budget on the context clock, checked each time
       the job resumes (that is, after every round of DNS answers), from
       the first wait (spf_clock). */
    if (s->clock_read &&
        ma_ctx_now_ms(job->ctx) - s->start_ms > (int64_t)ma__limit(job->ctx, MA_LIMIT_SPF_TIME_MS)) {
        ma_buf *b = spf_problem(s);
        if (b == NULL || ma__buf_printf(b, "time budget of %lu ms exhausted",
                                        (unsigned long)ma__limit(job->ctx, MA_LIMIT_SPF_TIME_MS)) !=
                             MA_OK)
            return MA_ENOMEM;
        s->result = MA_SPF_TEMPERROR;
        goto explain;
    }
    for (;;) {
        spf_frame *f;
        f = top(s);
        if (f->state == FS_FETCH) {
            rc = frame_fetch(s, f);
        } else if (f->state == FS_TERMS) {
            rc = frame_terms(s);
        } else {
            rc = frame_pop(s);
            if (rc == MA_OK && s->result < 0 && s->nframes == 1 && top(s)->state == FS_DONE &&
                top(s)->result == MA_SPF_FAIL && top(s)->matched && top(s)->rec->exp >= 0) {
                s->result = MA_SPF_FAIL;
                break;
            }
        }
        if (rc == MA_JOB_NEED_DNS || rc < 0)
            return rc;
        if (s->result >= 0)
            break;
    }
explain:
    if (s->result == MA_SPF_FAIL) {
        spf_frame *f = top(s);
        if (s->exp_state < 2 && f->rec != NULL && f->rec->exp >= 0 && f->matched && f->kind == FRAME_TOP) {
            rc = spf_explain(s);
            if (rc != MA_OK)
                return rc;
        }
        rc = spf_default_explanation(s);
        if (rc != MA_OK)
            return rc;
        if (s->texts != NULL)
            ascii_only(&s->texts->explanation);
    }
    return MA_JOB_DONE;
}

static int spf_step(ma_job *job)
{
    spf_job *s = (spf_job *)job;
    int rc = spf_run(s);
    if (rc == MA_JOB_NEED_DNS)
        (void)spf_clock(s); /* the budget runs from the first wait */
    return rc;
}

static void spf_destroy(ma_job *job)
{
    spf_job *s = (spf_job *)job;
    spf_frame *f;
    for (f = s->nframes ? s->top : NULL; f != NULL; f = f->up)
        frame_release(s, f);
    if (s->policy != NULL)
        ma__spf_record_free(s->policy, job->ctx);
    if (s->texts != NULL) {
        ma__buf_free(&s->texts->problem);
        ma__buf_free(&s->texts->explanation);
    }
}

static const ma_job_vtable spf_vt = { "spf", spf_step, spf_destroy };

/* ---------------------------------------------------------------- public API */

const char *ma_spf_result_name(int result)
{
    static const char *const names[] = { "none", "neutral", "pass", "fail",
                                         "softfail", "temperror", "permerror" };
    if (result < 0 || result > MA_SPF_PERMERROR)
        return NULL;
    return names[result];
}

int ma_spf_result_is_temp(int result)
{
    return result == MA_SPF_TEMPERROR;
}

int ma_spf_params_init(ma_spf_params *params, unsigned int version)
{
    static const ma_spf_params init = MA_SPF_PARAMS_INIT;
    if (params == NULL)
        return MA_EINVAL;
    if (version != MA_SPF_PARAMS_VERSION)
        return MA_EVERSION;
    *params = init;
    return MA_OK;
}

/* Bytes of a name in normal form, as bits: NB_LABEL any label byte (a-z,
   0-9, '-', '_'), with NB_HYPHEN, NB_ALPHA or NB_UNDER; NB_DOT; 0 others. */
#define NB_LABEL 1u
#define NB_HYPHEN 2u
#define NB_ALPHA 4u
#define NB_UNDER 8u
#define NB_DOT 16u
static const unsigned char spf_norm_class[256] = {
    ['-'] = 3, ['.'] = 16, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['_'] = 9, ['a'] = 5, ['b'] = 5, ['c'] = 5,
    ['d'] = 5, ['e'] = 5, ['f'] = 5, ['g'] = 5, ['h'] = 5, ['i'] = 5, ['j'] = 5, ['k'] = 5,
    ['l'] = 5, ['m'] = 5, ['n'] = 5, ['o'] = 5, ['p'] = 5, ['q'] = 5, ['r'] = 5, ['s'] = 5,
    ['t'] = 5, ['u'] = 5, ['v'] = 5, ['w'] = 5, ['x'] = 5, ['y'] = 5, ['z'] = 5,
};

/*
 * Whether ma__domain_normalize_buf(..., MA_DOMAIN_ALLOW_UNDERSCORE) would
 * give the n bytes at d back unchanged, so that it need not be called (the
 * common case): two or more labels of 1-63 lower-case letters, digits, '-'
 * and '_', none starting or ending with '-' nor starting "xn--" (an A-label
 * to check), at most 253 octets, no root dot.  0 means: ask it.  d[n] must
 * be readable: the NUL of the job's copy ends the runs (anything else
 * there, and the answer is 0).  With 1, s->dom_first, s->dom_last and
 * s->dom_top say what macro expansion needs to know of the name (see
 * ma_spf_macro_env).
 */
static int spf_domain_is_normal(spf_job *s, const char *d, size_t n)
{
    const unsigned char *p = (const unsigned char *)d;
    size_t i = 0, start = 0, labels = 0;
    if (n == 0 || n > 253 || p[n] != '\0')
        return 0;
    for (;;) {
        unsigned int k, acc = 0;
        while ((k = spf_norm_class[p[i]]) & NB_LABEL) {
            acc |= k;
            i++;
        }
        if (i == start || i - start > 63 || p[start] == '-' || p[i - 1] == '-')
            return 0;
        if (i - start >= 4 && p[start] == 'x' && p[start + 1] == 'n' && p[start + 2] == '-' &&
            p[start + 3] == '-')
            return 0;
        if (i == n) {
            if (labels == 0)
                return 0;
            /* The last label, never with '-' first or last: a toplabel
               when it has no '_' and a letter or a '-'. */
            s->dom_last = (uint32_t)start;
            s->dom_top = (uint8_t)(!(acc & NB_UNDER) && (acc & (NB_ALPHA | NB_HYPHEN)) != 0);
            return 1;
        }
        if (k != NB_DOT)
            return 0; /* a byte outside the normal form */
        if (labels++ == 0)
            s->dom_first = (uint32_t)i;
        start = ++i;
    }
}

/* A copy of an optional string in the arena (NULL stays NULL). */
static const char *opt_dup(spf_job *job, const char *s, int *failed)
{
    char *p;
    if (s == NULL)
        return NULL;
    p = spf_dup(job, s, strlen(s));
    if (p == NULL)
        *failed = 1;
    return p;
}

int ma_spf_job_new(ma_job **out, ma_ctx *ctx, const ma_spf_params *params)
{
    spf_job *s;
    const char *identity, *at;
    int failed = 0, rc;
    size_t maxframes, dlen, n, size;
    char normbuf[256];
    ma_buf norm;
    const char *dom;
    char *p;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || params == NULL)
        return MA_EINVAL;
    if (params->version != MA_SPF_PARAMS_VERSION)
        return MA_EVERSION;
    if (params->ip.family != MA_IP_V4 && params->ip.family != MA_IP_V6)
        return MA_EINVAL;
    if ((params->sender == NULL || params->sender[0] == '\0' ||
         (params->flags & MA_SPF_CHECK_HELO)) &&
        (params->helo == NULL || params->helo[0] == '\0'))
        return MA_EINVAL;

    size = offsetof(spf_job, seed) + SPF_SEED_MIN;
    if (size < SPF_JOB_BYTES)
        size = SPF_JOB_BYTES;
    s = ma__alloc(ctx, size);
    if (s == NULL)
        return MA_ENOMEM;
    /* Field by field (see ma__job_init): the ones not set further down
       start empty here; push_frame() sets each frame. */
    ma__job_init(&s->job, ctx, &spf_vt);
    ma__job_arena_seed(&s->job, s->seed, size - offsetof(spf_job, seed));
    s->result = -1;
    s->clock_read = 0;
    s->ip4 = 0;
    s->helo = NULL;
    s->helo_len = 0;
    s->policy = NULL;
    s->top = NULL;
    s->spare = NULL;
    s->nframes = 0;
    s->lookups = 0;
    s->voids = 0;
    s->start_ms = 0;
    s->private_memo = NULL;
    s->exp_state = 0;
    s->exp_id = 0;
    s->ptr = NULL;
    s->mech = NULL;
    s->dom = NULL;
    s->texts = NULL;
    s->dom_known = NULL;
    /* 5: an IPv4-mapped IPv6 client is treated as the IPv4 client it is. */
    if (params->ip.family != MA_IP_V6 || !ma_ip_unmap_v4(&params->ip, &s->ip))
        s->ip = params->ip;
    if (s->ip.family == MA_IP_V4)
        s->ip4 = ((uint32_t)s->ip.addr[0] << 24) | ((uint32_t)s->ip.addr[1] << 16) |
                 ((uint32_t)s->ip.addr[2] << 8) | (uint32_t)s->ip.addr[3];

    s->is_helo = params->sender == NULL || params->sender[0] == '\0' ||
                 (params->flags & MA_SPF_CHECK_HELO) != 0;
    if (params->helo != NULL) {
        n = strlen(params->helo);
        s->helo = p = spf_dup(s, params->helo, n);
        failed |= p == NULL;
        s->helo_len = n;
    }
    s->receiver = "unknown";
    if (params->receiver != NULL)
        s->receiver = opt_dup(s, params->receiver, &failed);
    s->receiver_len = s->receiver ? strlen(s->receiver) : 0;
    s->default_exp = opt_dup(s, params->default_explanation, &failed);
    s->best_guess = opt_dup(s, params->best_guess, &failed);
    /* 4.3: <sender> with an empty local-part gets "postmaster". */
    identity = s->is_helo ? params->helo : params->sender;
    at = s->is_helo ? NULL : strrchr(identity, '@');
    n = strlen(identity);
    if (at == NULL || at == identity) {
        const char *d = at ? at + 1 : identity;
        size_t dn = n - (size_t)(d - identity);
        s->local_len = 10;
        s->sender = p = dn < SIZE_MAX - 12 ? ma__job_alloc(&s->job, dn + 12) : NULL;
        if (p != NULL) {
            memcpy(p, "postmaster@", 11);
            memcpy(p + 11, d, dn + 1);
        }
        s->sender_len = 11 + dn;
    } else {
        s->sender = spf_dup(s, identity, n);
        s->local_len = (size_t)(at - identity);
        s->sender_len = n;
    }
    failed |= s->sender == NULL;
    /* MAIL FROM as given: the sender itself when that is what was checked
       and copied whole. */
    if (params->sender == NULL || params->sender[0] == '\0')
        s->mailfrom = "";
    else if (!s->is_helo && at != NULL && at != identity)
        s->mailfrom = s->sender;
    else
        s->mailfrom = opt_dup(s, params->sender, &failed);
    if (!failed && params->local_policy != NULL) {
        ma_errbuf err;
        ma_buf b;
        ma_spf_record *policy = ma__job_alloc(&s->job, sizeof *policy);
        if (policy == NULL) {
            ma_job_free(&s->job);
            return MA_ENOMEM;
        }
        ma__buf_init(&b, ctx);
        rc = ma__buf_append(&b, "v=spf1 ", 7);
        if (rc == MA_OK)
            rc = ma__buf_append(&b, params->local_policy, strlen(params->local_policy));
        if (rc == MA_OK)
            rc = ma__spf_record_parse(policy, ctx, b.data, b.len, &err);
        ma__buf_free(&b);
        if (rc != MA_OK) {
            ma_job_free(&s->job);
            return rc == MA_ENOMEM ? MA_ENOMEM : MA_EINVAL;
        }
        s->policy = policy;
    }
    maxframes = (size_t)ma__limit(ctx, MA_LIMIT_SPF_DNS_TERMS) + 2;
    if (maxframes > 64)
        maxframes = 64;
    s->maxframes = (uint32_t)maxframes;
    if (failed) {
        ma_job_free(&s->job);
        return MA_ENOMEM;
    }

    /* 4.3: a malformed or single-label domain gives "none" at once. */
    dom = s->sender + s->local_len + 1;
    dlen = s->sender_len - s->local_len - 1;
    if (spf_domain_is_normal(s, dom, dlen)) {
        s->dom_known = dom;
        /* Its own normal form, and canonical: its own question name. */
        rc = push_frame(s, FRAME_TOP, dom, dlen, dom, dlen, ma__dns_name_hash(dom, dlen));
        if (rc != MA_OK) {
            ma_job_free(&s->job);
            return rc;
        }
        *out = &s->job;
        return MA_OK;
    }
    ma__buf_init_on(&norm, ctx, normbuf, sizeof normbuf);
    rc = ma__domain_normalize_buf(&norm, ctx, dom, dlen, MA_DOMAIN_ALLOW_UNDERSCORE);
    if (rc == MA_ENOMEM) {
        ma__buf_free(&norm);
        ma_job_free(&s->job);
        return rc;
    }
    if (rc != MA_OK) {
        s->result = MA_SPF_NONE;
        ma_buf *b = spf_problem(s);
        rc = b != NULL ? ma__buf_append(b, "the domain is not a valid multi-label name", 42)
                       : MA_ENOMEM;
        s->dom = dom;
        ma__buf_free(&norm);
        if (rc != MA_OK) {
            ma_job_free(&s->job);
            return rc;
        }
        *out = &s->job;
        return MA_OK;
    }
    /* The normalized name is usually the name as given: no copy then.  It
       is canonical (lower-case letters, digits, '-' and '_' in labels of
       1-63, at most 253 octets, no root dot), so it is its own question
       name. */
    if (norm.len != dlen || memcmp(norm.data, dom, dlen) != 0)
        dom = spf_dup(s, norm.data, norm.len);
    dlen = norm.len;
    ma__buf_free(&norm);
    rc = dom != NULL ? push_frame(s, FRAME_TOP, dom, dlen, dom, dlen, ma__dns_name_hash(dom, dlen))
                     : MA_ENOMEM;
    if (rc != MA_OK) {
        ma_job_free(&s->job);
        return rc;
    }
    *out = &s->job;
    return MA_OK;
}

static const spf_job *as_spf(const ma_job *job)
{
    if (job == NULL || job->vt != &spf_vt)
        return NULL;
    return (const spf_job *)job;
}

static const char *buf_str(const ma_buf *b)
{
    return b->data ? b->data : "";
}

ma_spf_result ma_spf_job_result(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    if (s == NULL || job->status != MA_JOB_DONE || s->result < 0)
        return MA_SPF_NONE;
    return (ma_spf_result)s->result;
}

const char *ma_spf_job_explanation(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s && s->texts ? buf_str(&s->texts->explanation) : "";
}

const char *ma_spf_job_mechanism(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s && s->mech ? s->mech : "";
}

const char *ma_spf_job_domain(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s && s->dom ? s->dom : "";
}

const char *ma_spf_job_identity(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s == NULL ? "" : s->is_helo ? "helo" : "mailfrom";
}

const char *ma_spf_job_problem(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s && s->texts ? buf_str(&s->texts->problem) : "";
}

unsigned int ma_spf_job_lookups(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s ? s->lookups : 0;
}

unsigned int ma_spf_job_void_lookups(const ma_job *job)
{
    const spf_job *s = as_spf(job);
    return s ? s->voids : 0;
}

/* ------------------------------------------------------------- header text */

/* RFC 5322 3.2.3 atext: ALPHA, DIGIT and these specials. */
static int is_atext(unsigned char c)
{
    if (ma__is_alpha(c) || ma__is_digit(c))
        return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
        return 1;
    default:
        return 0;
    }
}

/* RFC 5322 dot-atom-text: can the n bytes at v stand unquoted? */
static int is_dot_atom_n(const char *v, size_t n)
{
    const char *p;
    int prev_dot = 1;
    if (n == 0)
        return 0;
    for (p = v; p < v + n; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (prev_dot)
                return 0;
            prev_dot = 1;
            continue;
        }
        prev_dot = 0;
        if (!is_atext(c))
            return 0;
    }
    return !prev_dot;
}

static int is_dot_atom(const char *v)
{
    return is_dot_atom_n(v, strlen(v));
}

/*
 * The header writers below write into one allocation sized for the worst
 * case: every value byte escaped (2 bytes), plus quotes and fixed text.
 */

/* value as a dot-atom or a quoted-string (non-printables dropped) at w. */
static char *put_value(char *w, const char *v, size_t n)
{
    size_t i;
    if (is_dot_atom_n(v, n)) {
        memcpy(w, v, n);
        return w + n;
    }
    *w++ = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f)
            continue;
        if (c == '"' || c == '\\')
            *w++ = '\\';
        *w++ = (char)c;
    }
    *w++ = '"';
    return w;
}

/* Text inside a comment at w: parentheses and backslashes escaped,
   non-printables dropped. */
static char *put_comment(char *w, const char *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f)
            continue;
        if (c == '(' || c == ')' || c == '\\')
            *w++ = '\\';
        *w++ = (char)c;
    }
    return w;
}

static char *put_lit(char *w, const char *lit, size_t n)
{
    memcpy(w, lit, n);
    return w + n;
}

/* Arguments and state shared by the two header formatters. */
static int header_ready(char **out, const ma_job *job)
{
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (as_spf(job) == NULL)
        return MA_EINVAL;
    return job->status == MA_JOB_DONE ? MA_OK : MA_ESTATE;
}

/* The comment of Received-SPF is made of at most this many bytes (before
   escaping); longer ones are cut, as they always were. */
#define RSPF_COMMENT_MAX 511

/* Append s to the comment text c (length *n), cut at RSPF_COMMENT_MAX. */
static void comment_cat(char *c, size_t *n, const char *s)
{
    size_t k = strlen(s);
    if (k > RSPF_COMMENT_MAX - *n)
        k = RSPF_COMMENT_MAX - *n;
    memcpy(c + *n, s, k);
    *n += k;
}

int ma_spf_received_spf(char **out, const ma_job *job)
{
    const spf_job *s = as_spf(job);
    char ip[MA_IP_TEXT_MAX];
    char comment[RSPF_COMMENT_MAX + 1];
    const char *result, *problem = NULL, *who, *helo = NULL, *mech = NULL;
    size_t cn = 0, ipn, mfn, hn = 0, rn, mn = 0, pn = 0, rsn, cap;
    char *buf, *w;

    int ready = header_ready(out, job);
    if (ready != MA_OK)
        return ready;
    ma_ip_format(&s->ip, ip, sizeof ip);
    who = s->sender;
    /* RFC 7208 9.1 suggests no wording; these follow the common one */
    comment_cat(comment, &cn, s->receiver);
    switch (s->result) {
    case MA_SPF_PASS:
        comment_cat(comment, &cn, ": domain of ");
        comment_cat(comment, &cn, who);
        comment_cat(comment, &cn, " designates ");
        comment_cat(comment, &cn, ip);
        comment_cat(comment, &cn, " as permitted sender");
        break;
    case MA_SPF_FAIL:
        comment_cat(comment, &cn, ": domain of ");
        comment_cat(comment, &cn, who);
        comment_cat(comment, &cn, " does not designate ");
        comment_cat(comment, &cn, ip);
        comment_cat(comment, &cn, " as permitted sender");
        break;
    case MA_SPF_SOFTFAIL:
        comment_cat(comment, &cn, ": domain of transitioning ");
        comment_cat(comment, &cn, who);
        comment_cat(comment, &cn, " does not designate ");
        comment_cat(comment, &cn, ip);
        comment_cat(comment, &cn, " as permitted sender");
        break;
    case MA_SPF_NEUTRAL:
        comment_cat(comment, &cn, ": ");
        comment_cat(comment, &cn, ip);
        comment_cat(comment, &cn, " is neither permitted nor denied by domain of ");
        comment_cat(comment, &cn, who);
        break;
    case MA_SPF_NONE:
        comment_cat(comment, &cn, ": domain of ");
        comment_cat(comment, &cn, who);
        comment_cat(comment, &cn, " does not publish an SPF record");
        break;
    case MA_SPF_TEMPERROR:
        comment_cat(comment, &cn, ": temporary error checking ");
        comment_cat(comment, &cn, who);
        comment_cat(comment, &cn, ": ");
        comment_cat(comment, &cn, ma_spf_job_problem(job));
        break;
    default:
        comment_cat(comment, &cn, ": permanent error in the SPF policy of ");
        comment_cat(comment, &cn, who);
        comment_cat(comment, &cn, ": ");
        comment_cat(comment, &cn, ma_spf_job_problem(job));
        break;
    }
    result = ma_spf_result_name(s->result);
    rsn = strlen(result);
    ipn = strlen(ip);
    mfn = strlen(s->mailfrom);
    rn = strlen(s->receiver);
    if (s->helo != NULL && s->helo[0] != '\0')
        hn = strlen(helo = s->helo);
    if (s->mech != NULL && s->mech[0] != '\0')
        mn = strlen(mech = s->mech);
    if (s->texts != NULL && s->texts->problem.len > 0
        && (s->result == MA_SPF_PERMERROR || s->result == MA_SPF_TEMPERROR)) {
        problem = s->texts->problem.data;
        pn = s->texts->problem.len;
    }
    /* fixed text (under 128 bytes), the result, the ip, then each escaped
       piece at most doubled, with its quotes */
    cap = 128 + rsn + ipn + 2 * cn + 2 * (mfn + hn + rn + mn + pn) + 10;
    buf = ma__alloc(job->ctx, cap);
    if (buf == NULL)
        return MA_ENOMEM;
    w = put_lit(buf, "Received-SPF: ", 14);
    w = put_lit(w, result, rsn);
    w = put_lit(w, " (", 2);
    w = put_comment(w, comment, cn);
    w = put_lit(w, ") client-ip=", 12);
    w = put_lit(w, ip, ipn);
    /* 9.1: envelope-from is the envelope sender, whichever identity was checked. */
    w = put_lit(w, "; envelope-from=", 16);
    w = put_value(w, s->mailfrom, mfn);
    if (helo != NULL) {
        w = put_lit(w, "; helo=", 7);
        w = put_value(w, helo, hn);
    }
    w = put_lit(w, "; receiver=", 11);
    w = put_value(w, s->receiver, rn);
    if (mech != NULL) {
        w = put_lit(w, "; mechanism=", 12);
        w = put_value(w, mech, mn);
    }
    if (problem != NULL) {
        w = put_lit(w, "; problem=", 10);
        w = put_value(w, problem, pn);
    }
    if (s->is_helo)
        w = put_lit(w, "; identity=helo;", 16);
    else
        w = put_lit(w, "; identity=mailfrom;", 20);
    *w = '\0';
    *out = buf;
    return MA_OK;
}

int ma_spf_authres(char **out, const ma_job *job)
{
    const spf_job *s = as_spf(job);
    ma_buf b;
    int rc;

    int ready = header_ready(out, job);
    if (ready != MA_OK)
        return ready;
    ma__buf_init(&b, job->ctx);
    rc = ma__buf_printf(&b, "spf=%s ", ma_spf_result_name(s->result));
    if (rc == MA_OK)
        rc = ma__buf_append(&b, s->is_helo ? "smtp.helo=" : "smtp.mailfrom=",
                            s->is_helo ? 10 : 14);
    if (rc == MA_OK) {
        /* RFC 8601 pvalue: an address or domain stands bare; else quote it. */
        const char *v = s->is_helo ? (s->helo ? s->helo : "") : s->sender;
        const char *at = strrchr(v, '@');
        /* The whole local part decides (a copy into a fixed buffer once let
           a long one through unchecked: an injected "; dkim=pass"). */
        size_t vn = strlen(v);
        if (at != NULL && at > v && is_dot_atom(at + 1) && is_dot_atom_n(v, (size_t)(at - v))) {
            rc = ma__buf_append(&b, v, vn);
        } else if (vn > (SIZE_MAX - 3) / 2) {
            rc = MA_ENOMEM;
        } else if ((rc = ma__buf_reserve(&b, 2 * vn + 2)) == MA_OK) {
            b.len = (size_t)(put_value(b.data + b.len, v, vn) - b.data);
            b.data[b.len] = '\0';
        }
    }
    if (rc != MA_OK) {
        ma__buf_free(&b);
        return rc;
    }
    *out = ma__buf_steal(&b, NULL);
    return *out ? MA_OK : MA_ENOMEM;
}
