/*
 * DMARC evaluation (RFC 9989; RFC 7489 as an option) as a sans-I/O job.
 *
 * Stage 1 asks for the policy records: in RFC 9989 mode every name of the
 * author domain's DNS tree walk (4.10: at most 8 questions, asked at once
 * and read in walk order, so a psd=y/n stop is still honoured); in RFC 7489
 * mode _dmarc.<author>, then _dmarc.<organizational domain by the PSL>.
 * Stage 2, once the policy is known, asks what the verdict still needs:
 * the tree walks of authenticated identifiers for relaxed alignment
 * (4.10.2) that can align at all (an identifier outside the author's
 * organizational domain never can: see may_align), and whether the author
 * domain exists (np=, 3.2.13).  Stage 3 decides.  Nothing depends on the
 * order in which results were supplied: alignment is a property of the
 * set.
 *
 * Cost: a job is one allocation (its arena starts inside it, and only its
 * head is cleared); names are kept with their lengths and whether they
 * are plain (lower-case LDH, already canonical for DNS); records are
 * parsed once per DNS answer (the answer's memo); the problem text is
 * written only when read.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>
#include <sys/types.h>

#include <libpsl.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "dmarc/dmarc_int.h"
#include "dmarc/from_int.h"
#include "dmarc/record_int.h"
#include "dns/dns_int.h"
#include "mailauth/dkim.h"
#include "mailauth/spf.h"

/* RFC 9989 4.10: a walk asks at most 8 names. */
#define WALK_MAX 8
/* Walks one evaluation may need: the author's, the SPF domain's, and DKIM d= values. */
#define DMARC_MAX_DKIM 32
#define WALKS_MAX (2 + DMARC_MAX_DKIM)

/* ------------------------------------------------------------------ PSL */

struct ma_psl {
    ma_ctx *ctx;
    psl_ctx_t *psl;          /* NULL: the built-in list */
};

static const psl_ctx_t *psl_of(const ma_psl *p)
{
    return p != NULL && p->psl != NULL ? p->psl : psl_builtin();
}

int ma_psl_new(ma_psl **out, ma_ctx *ctx, const char *path)
{
    ma_psl *p;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    if (path == NULL && psl_builtin() == NULL)
        return MA_EUNSUPPORTED;
    p = ma__calloc(ctx, 1, sizeof *p);
    if (p == NULL)
        return MA_ENOMEM;
    p->ctx = ctx;
    if (path != NULL) {
        p->psl = psl_load_file(path);
        if (p->psl == NULL) {
            ma__free(ctx, p);
            return MA_EIO;
        }
    }
    *out = p;
    return MA_OK;
}

void ma_psl_free(ma_psl *p)
{
    if (p == NULL)
        return;
    if (p->psl != NULL)
        psl_free(p->psl);
    ma__free(p->ctx, p);
}

/*
 * A name of labels of 1-63 octets: ASCII labels of letters, digits, '-'
 * and '_' not starting or ending with '-'; labels with non-ASCII bytes
 * (U-labels) are left to the list's own matching.
 */
static int name_ok(const char *s, size_t n)
{
    size_t i, start = 0;
    int ascii = 1;
    for (i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : '.';
        if (c == '.') {
            size_t l = i - start;
            if (l == 0 || l > 63 || (ascii && (s[start] == '-' || s[i - 1] == '-')))
                return 0;
            start = i + 1;
            ascii = 1;
        } else if (c >= 0x80) {
            ascii = 0;
        } else if (!((c | 32) >= 'a' && (c | 32) <= 'z') && !(c >= '0' && c <= '9') && c != '-' &&
                   c != '_') {
            return 0;
        }
    }
    return 1;
}

/*
 * ma_psl_org_domain() for a name of n octets (NUL-terminated), plain when
 * ma__dmarc_domain_plain() holds for it (then it is used as it is); the
 * answer's length goes to *out_len.
 */
static int psl_org(const ma_psl *p, const char *domain, size_t n, int plain, char *out,
                   size_t size, size_t *out_len)
{
    char low[256];
    const char *reg;
    size_t i, k;

    if (plain) {
        /* lower-case LDH labels, no root dot (normalized names, the
           usual case): valid as it is */
        reg = psl_registrable_domain(psl_of(p), domain);
        /* the answer is a tail of the name (compared as addresses: libpsl
           returns a pointer into it, but nothing relies on that) */
        if (reg != NULL && (uintptr_t)reg >= (uintptr_t)domain
            && (uintptr_t)reg <= (uintptr_t)domain + n)
            k = n - (size_t)((uintptr_t)reg - (uintptr_t)domain);
        else
            k = reg != NULL ? strlen(reg) : 0;
    } else {
        if (n > 0 && domain[n - 1] == '.')
            n--;
        if (n == 0 || n >= sizeof low)
            return MA_ENOTFOUND;
        /* Only a valid domain name has an organizational domain ("a..b",
           "foo bar.com", "-a.example.com" have none).  The list is matched
           against the name as given, so a U-label name gets a U-label
           answer. */
        if (!name_ok(domain, n))
            return MA_ENOTFOUND;
        for (i = 0; i < n; i++)
            low[i] = (char)ma__lower((unsigned char)domain[i]);
        low[n] = '\0';
        reg = psl_registrable_domain(psl_of(p), low);
        k = reg != NULL ? strlen(reg) : 0;
    }
    if (reg == NULL)
        return MA_ENOTFOUND;
    if (k >= size)
        return MA_ELIMIT;
    memcpy(out, reg, k + 1);
    *out_len = k;
    return MA_OK;
}

int ma_psl_org_domain(const ma_psl *p, const char *domain, char *out, size_t size)
{
    size_t n, plain, k;
    if (domain == NULL || out == NULL || size == 0)
        return MA_EINVAL;
    n = strlen(domain);
    return psl_org(p, domain, n, ma__dmarc_domain_plain(domain, n, true, &plain) && plain == n,
                   out, size, &k);
}

/* ------------------------------------------------------------ the job */

/*
 * Clear n bytes.  With SSE2, plain 16-byte stores: compilers turn a memset
 * of a few hundred bytes into "rep stos", whose start-up costs more than
 * the stores themselves (every job clears its head).
 */
static void dmarc_zero(void *mem, size_t n)
{
#if defined(__SSE2__) && defined(__GNUC__)
    const __m128i z = _mm_setzero_si128();
    char *p = mem;
    size_t i;
    for (i = 0; i + 16 <= n; i += 16) {
        _mm_storeu_si128((__m128i *)(void *)(p + i), z);
        __asm__("" : : "r"(p) : "memory"); /* kept as stores, not a memset */
    }
    memset(p + i, 0, n - i);
#else
    memset(mem, 0, n);
#endif
}

/* One DNS tree walk (RFC 9989 4.10) from start. */
typedef struct walk {
    const char *start;
    size_t n;
    const char *target[WALK_MAX];    /* the names, longest first (arena) */
    uint32_t qid[WALK_MAX];
} walk;

/* What one _dmarc TXT answer holds. */
/*
 * The DMARC reading of a TXT answer, kept with the answer (its memo) so
 * that evaluations sharing it (a static zone, a cache) parse the record
 * once: state 1 and the record when exactly one valid DMARC record is
 * there, else 0.  One kind per mode, the two parse differently.
 */
static const char memo_9989[] = "dmarc-9989";
static const char memo_7489[] = "dmarc-7489";

typedef struct dmarc_memo {
    ma_dns_memo hdr;
    int state;
    ma_dmarc_record rec;
} dmarc_memo;

static void dmarc_memo_destroy(ma_dns_memo *m, const ma_ctx *ctx)
{
    dmarc_memo *dm = (dmarc_memo *)m;
    if (dm->state == 1)
        ma__dmarc_record_free(&dm->rec, ctx);
    ma__free(ctx, dm);
}

/* What one _dmarc TXT answer holds, for this job. */
typedef struct found {
    int read;                        /* the answer was examined */
    int state;                       /* 0 none, 1 a valid record, -1 a DNS failure */
    const ma_dmarc_record *rec;      /* when state is 1 */
    dmarc_memo *own;                 /* a memo that could not be attached (freed with the job) */
} found;

typedef struct dkim_in {
    int result;
    char *domain;
    size_t domain_len;
    int plain;
    const char *selector;            /* for reports; "" when not given */
    int unsigned_extra;
} dkim_in;

/* Room for the job's arena inside the job itself: a typical evaluation's
   questions, record slots and names fit, so it allocates nothing more. */
#define DMARC_ARENA_SEED 2048

typedef struct dmarc_job {
    ma_job job;
    /* Cleared by ma_dmarc_job_new(): everything up to `from`. */
    ma_dmarc_opts opts;
    ma_msg *msg;
    int hold;                        /* ma__dmarc_job_hold(): wait before stage 2 */
    int oom;                         /* reading a record ran out of memory */
    /* the author */
    int author_state;                /* 0 unknown, 1 known, 2 refused */
    char *author;
    size_t author_len;
    int author_plain;                /* ma__dmarc_domain_plain() holds (lower-case LDH) */
    /* inputs */
    int have_spf, spf_result, spf_scope;
    char *spf_domain;
    size_t spf_domain_len;
    int spf_plain;
    size_t ndkim;
    int have_arc, arc_pass;
    char *arc_sealer;
    char **trusted;
    size_t ntrusted;
    /* progress */
    int stage;
    size_t nwalks;
    long spf_walk;
    uint32_t q7489[2];               /* 7489: _dmarc.<author>, _dmarc.<org> */
    char *org7489;
    uint32_t exists_q;
    found *records;                  /* per question id - 1 (arena, zeroed as made) */
    size_t nrecords;
    /* the policy */
    const ma_dmarc_record *policy;   /* borrowed from records */
    const char *policy_domain;
    const char *org_domain;
    size_t org_len;                  /* of org_domain */
    int policy_at_author;
    /* the verdict */
    int result;
    ma_dmarc_reason reason;
    ma_dmarc_policy applied;
    const char *applied_tag;
    ma_dmarc_disposition disposition;
    ma_dmarc_override override;
    const char *spf_aligned;
    const char *dkim_aligned;
    /* Not cleared (a job is a few KB; most of it is room that a typical
       evaluation never touches): each part is set before it is read. */
    ma_dmarc_from from;              /* reset by ma_dmarc_job_new() */
    /* The problem text is written when first asked for
       (ma_dmarc_job_problem): say() keeps its parts, strings that live as
       long as the job. */
    const char *say_parts[6];
    size_t nsay;                     /* parts kept; 0 with problem[0] the text */
    char problem[300];               /* problem[0] set by ma_dmarc_job_new() */
    dkim_in dkim[DMARC_MAX_DKIM];    /* the first ndkim */
    walk walks[WALKS_MAX];           /* the first nwalks; [0] the author's (9989) */
    long dkim_walk[DMARC_MAX_DKIM];  /* the first ndkim, set when stage 2 starts */
    char author_buf[256];            /* the author domain from From, when it fits */
    union {                          /* the arena's first chunk (16-byte aligned) */
        unsigned char bytes[DMARC_ARENA_SEED];
        long double align_ld;
        void *align_p;
        uint64_t align_u;
    } seed;
} dmarc_job;

static const ma_job_vtable dmarc_vt;

static dmarc_job *as_dmarc_mut(ma_job *job)
{
    return job != NULL && job->vt == &dmarc_vt ? (dmarc_job *)job : NULL;
}

static const dmarc_job *as_dmarc(const ma_job *job)
{
    return job != NULL && job->vt == &dmarc_vt ? (const dmarc_job *)job : NULL;
}

/*
 * The problem text: the strings given, up to a NULL, one after the other
 * (what vsnprintf with "%s%s..." would write), cut to fit.  Only the
 * parts are kept here (each lives as long as the job: literals, names in
 * the arena, the From result); say_text() writes the text when it is read,
 * which most callers never do.
 */
static void say(dmarc_job *d, const char *first, ...)
{
    va_list ap;
    const char *part;

    d->nsay = 0;
    d->problem[0] = '\0';
    va_start(ap, first);
    for (part = first; part != NULL && d->nsay < sizeof d->say_parts / sizeof d->say_parts[0];
         part = va_arg(ap, const char *))
        d->say_parts[d->nsay++] = part;
    va_end(ap);
}

/* A fixed problem text (a string literal). */
#define say_lit(d, lit) say((d), (lit), (char *)NULL)

/* Write the text of the parts say() kept. */
static void say_text(dmarc_job *d)
{
    size_t i, n = 0, k;
    for (i = 0; i < d->nsay; i++) {
        k = strlen(d->say_parts[i]);
        if (k > sizeof d->problem - 1 - n)
            k = sizeof d->problem - 1 - n;
        memcpy(d->problem + n, d->say_parts[i], k);
        n += k;
    }
    d->problem[n] = '\0';
    d->nsay = 0;
}

static char *arena_dup(dmarc_job *d, const char *s, size_t n)
{
    return ma__job_strndup(&d->job, s, n);
}

/* A domain normalized into the arena (lower case, A-labels), or NULL. */
static char *norm_domain(dmarc_job *d, const char *s, int *rc, size_t *len_out, int *plain_out)
{
    char buf[256];
    ma_buf b;
    char *out = NULL;
    size_t n = strlen(s), plain;
    *len_out = 0;
    *plain_out = 0;
    if (ma__dmarc_domain_plain(s, n, true, &plain)) {
        /* what ma__domain_normalize_buf() would give */
        out = arena_dup(d, s, plain);
        *rc = out != NULL ? MA_OK : MA_ENOMEM;
        if (out != NULL) {
            *len_out = plain;
            *plain_out = 1;
        }
        return out;
    }
    ma__buf_init_on(&b, d->job.ctx, buf, sizeof buf);
    *rc = ma__domain_normalize_buf(&b, d->job.ctx, s, n, MA_DOMAIN_ALLOW_UNDERSCORE);
    if (*rc == MA_OK) {
        out = arena_dup(d, b.data, b.len);
        if (out == NULL)
            *rc = MA_ENOMEM;
        else
            *len_out = b.len;
    }
    ma__buf_free(&b);
    return out;
}

/* The parent of a name ("" for a single label). */
static const char *parent_of(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? dot + 1 : "";
}

static size_t label_count(const char *name)
{
    size_t n = *name ? 1 : 0;
    for (; *name; name++)
        n += *name == '.';
    return n;
}

/*
 * Whether "_dmarc." and a name of n octets is a canonical DNS name
 * (ma__dns_name_is_canon): known at once for a plain name (lower-case LDH
 * and '_' labels of 1 to 63 octets, no root dot, every tail of one too)
 * that leaves room for the prefix; -1 (ask ma__dns_name_is_canon) else.
 */
static int dmarc_canon(int plain, size_t n)
{
    return plain && n + 7 <= 253 ? 1 : -1;
}

/* Ask TXT _dmarc.<name> (n octets; plain: see dmarc_canon). */
static int ask_dmarc(dmarc_job *d, const char *name, size_t n, int plain, uint32_t *id)
{
    char q[300];
    if (n > sizeof q - 8)
        return MA_ESYNTAX;
    memcpy(q, "_dmarc.", 7);
    memcpy(q + 7, name, n);
    if (dmarc_canon(plain, n) > 0)
        return ma__job_ask_canon(&d->job, q, n + 7, ma__dns_name_hash(q, n + 7), MA_DNS_TXT, id);
    return ma__job_ask(&d->job, q, n + 7, MA_DNS_TXT, id);
}

/*
 * The names of the walk from start (RFC 9989 4.10 steps 1-7): start; then,
 * when it has 8 labels or more, its last 7 labels, else its parent; then
 * parents down to one label.  All asked now.  Every question is
 * "_dmarc." and a tail of start: one buffer holds "_dmarc.<start>", and
 * each shorter question is written in place by putting "_dmarc." over
 * the labels before its tail.
 */
static int walk_ask(dmarc_job *d, walk *w, const char *start, size_t len, int plain)
{
    char q[300];
    const char *t = start;
    size_t x = label_count(start);
    int rc, canon = dmarc_canon(plain, len);
    w->start = start;
    w->n = 0;
    if (*t && len > sizeof q - 8)
        return MA_ESYNTAX;
    memcpy(q + 7, start, len);
    while (*t && w->n < WALK_MAX) {
        size_t k = (size_t)(t - start), n = 7 + len - k;
        char *name = q + k;
        memcpy(name, "_dmarc.", 7);
        w->target[w->n] = t;
        /* when the longest name is canonical, so is every tail of it;
           when it is not, each goes through ma__job_ask(), which decides */
        if (canon < 0)
            canon = ma__dns_name_is_canon(name, n) != 0;
        if (canon)
            rc = ma__job_ask_canon(&d->job, name, n, ma__dns_name_hash(name, n), MA_DNS_TXT,
                                   &w->qid[w->n]);
        else
            rc = ma__job_ask(&d->job, name, n, MA_DNS_TXT, &w->qid[w->n]);
        if (rc != MA_OK)
            return rc;
        w->n++;
        if (w->n == 1 && x >= 8) {
            /* step 4: leave 7 labels */
            while (label_count(t) > 7)
                t = parent_of(t);
        } else {
            t = parent_of(t);
        }
    }
    return MA_OK;
}

/*
 * What the answer to question id says (RFC 9989 4.10 steps 2 and 6):
 * records not starting with v=DMARC1 are discarded; several DMARC records
 * are all discarded; one that the record rules refuse counts as none.
 * Parsed once and kept.  NULL while unanswered.
 */
static const found *record_at(dmarc_job *d, uint32_t id)
{
    const ma_dns_answer *a = ma__job_answer_get(&d->job, id);
    found *f;
    size_t i, n, dmarc = 0, which = 0;
    if (a == NULL || id == 0 || id > d->nrecords)
        return NULL;
    f = &d->records[id - 1];
    if (f->read)
        return f;
    f->read = 1;
    switch (ma_dns_answer_rcode(a)) {
    case MA_DNS_OK:
        break;
    case MA_DNS_NXDOMAIN:
    case MA_DNS_NODATA:
        return f;
    default:
        f->state = -1;
        return f;
    }
    {
        const void *kind = d->opts.mode == MA_DMARC_MODE_7489 ? memo_7489 : memo_9989;
        ma_dns_memo *m = ma__dns_answer_memo(a, kind);
        dmarc_memo *dm;
        if (m == NULL) {
            int prc = MA_OK;
            dm = ma__calloc(d->job.ctx, 1, sizeof *dm);
            if (dm == NULL) {
                /* Not read after all: no verdict may come from a record
                   that was never looked at (the step fails). */
                f->read = 0;
                d->oom = 1;
                return NULL;
            }
            dm->hdr.kind = kind;
            dm->hdr.destroy = dmarc_memo_destroy;
            n = ma_dns_answer_count(a);
            for (i = 0; i < n; i++) {
                const char *text;
                size_t len, k = 0;
                ma_dns_answer_txt(a, i, &text, &len);
                while (k < len && (text[k] == ' ' || text[k] == '\t'))
                    k++;
                if (len - k >= 8 && memcmp(text + k, "v=DMARC1", 8) == 0 &&
                    (len - k == 8 || text[k + 8] == ';' || text[k + 8] == ' ' || text[k + 8] == '\t')) {
                    dmarc++;
                    which = i;
                }
            }
            if (dmarc == 1) {
                const char *text;
                size_t len;
                ma_dmarc_perr err;
                ma_dns_answer_txt(a, which, &text, &len);
                prc = ma__dmarc_record_parse(&dm->rec, d->job.ctx, text, len,
                                             (ma_dmarc_mode)d->opts.mode, 0, &err);
                if (prc == MA_OK)
                    dm->state = 1;
                else
                    ma__dmarc_record_free(&dm->rec, d->job.ctx);
            }
            if (prc == MA_ENOMEM) {
                /* Out of memory is not "no valid record": nothing is kept
                   on the answer, and the step fails. */
                dmarc_memo_destroy(&dm->hdr, d->job.ctx);
                f->read = 0;
                d->oom = 1;
                return NULL;
            }
            m = a->ctx == d->job.ctx ? ma__dns_answer_set_memo(a, &dm->hdr) : NULL;
            if (m == NULL) {
                f->own = dm; /* another context's answer: this job's alone */
                m = &dm->hdr;
            } else if (m != &dm->hdr) {
                dmarc_memo_destroy(&dm->hdr, d->job.ctx);
            }
        }
        dm = (dmarc_memo *)m;
        f->state = dm->state;
        f->rec = dm->state == 1 ? &dm->rec : NULL;
    }
    return f;
}

/*
 * Read walk w in order, honouring the psd stop (steps 2 and 6).  *pending
 * is set while answers are missing, *dnsfail when a read answer failed.
 * The records found go to recs/names (longest first), *count of them.
 */
static void walk_read(dmarc_job *d, const walk *w, const found **recs, const char **names,
                      size_t *count, int *pending, int *dnsfail)
{
    size_t i;
    *count = 0;
    for (i = 0; i < w->n; i++) {
        const found *f = record_at(d, w->qid[i]);
        if (f == NULL) {
            *pending = 1;
            return;
        }
        if (f->state < 0) {
            *dnsfail = 1;
            return;
        }
        if (f->state == 1) {
            ma_dmarc_psd psd = ma__dmarc_record_psd(f->rec);
            recs[*count] = f;
            names[*count] = w->target[i];
            (*count)++;
            if (psd == MA_DMARC_PSD_Y || psd == MA_DMARC_PSD_N)
                return;
        }
    }
}

/* The name one label below parent on the way to child ("" if none). */
static const char *one_below(const char *child, const char *parent)
{
    const char *t = child, *prev = NULL;
    while (*t && strcmp(t, parent) != 0) {
        prev = t;
        t = parent_of(t);
    }
    return *t && prev ? prev : "";
}

/*
 * RFC 9989 4.10.2: the organizational domain from a walk's records (longest
 * first): the first psd=n; else one below the first psd=y other than at the
 * start; else the shortest; no records: the start itself.
 */
static const char *org_from(const walk *w, const found **recs, const char **names, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        ma_dmarc_psd psd = ma__dmarc_record_psd(recs[i]->rec);
        if (psd == MA_DMARC_PSD_N)
            return names[i];
        if (psd == MA_DMARC_PSD_Y && names[i] != w->start) {   /* tails: see policy_9989 */
            const char *below = one_below(w->start, names[i]);
            return *below ? below : names[i];
        }
    }
    return n > 0 ? names[n - 1] : w->start;
}

/* ---------------------------------------------------------------- stages */

static int author_ready(dmarc_job *d)
{
    if (d->author_state != 0)
        return 1;
    return 0;
}

/* Map a refused From to the verdict an MTA treats as a failure. */
static void author_refused(dmarc_job *d)
{
    ma_dmarc_from_outcome o = d->from.outcome;
    d->result = MA_DMARC_FAIL;
    switch (o) {
    case MA_DMARC_FROM_NO_FIELD:
        d->reason = MA_DMARC_R_FROM_NONE;
        break;
    case MA_DMARC_FROM_MULTIPLE_FIELDS:
        d->reason = MA_DMARC_R_FROM_MULTIPLE;
        break;
    case MA_DMARC_FROM_EMPTY:
    case MA_DMARC_FROM_MULTIPLE_ADDRS:
    case MA_DMARC_FROM_GROUP_EMPTY:
    case MA_DMARC_FROM_GROUP:
        d->reason = MA_DMARC_R_FROM_ADDRESSES;
        break;
    case MA_DMARC_FROM_NO_DOMAIN:
    case MA_DMARC_FROM_DOMAIN_LITERAL:
    case MA_DMARC_FROM_BAD_DOMAIN:
        d->result = MA_DMARC_PERMERROR;
        d->reason = MA_DMARC_R_FROM_DOMAIN;
        break;
    default:
        d->result = MA_DMARC_PERMERROR;
        d->reason = MA_DMARC_R_FROM_MALFORMED;
        break;
    }
    say(d, "the From field gives no single author domain: ", d->from.err.text, (char *)NULL);
    /* RFC 7489 6.6.1: such messages are "typically rejected"; an MTA that
       acts on the disposition alone must not deliver the two-From spoof. */
    d->disposition = MA_DMARC_DISP_REJECT;
}

static int on_header(ma_msg *msg, void *payload)
{
    dmarc_job *d = payload;
    int rc = ma__dmarc_from_extract_buf(&d->from, d->job.ctx, msg, d->author_buf,
                                        sizeof d->author_buf);
    if (rc != MA_OK)
        return rc;
    if (d->from.outcome == MA_DMARC_FROM_OK) {
        d->author_len = d->from.domain_len;
        d->author_plain = d->from.domain_plain;
        if (d->from.domain_borrowed) {
            d->author = d->from.domain;
        } else {
            d->author = arena_dup(d, d->from.domain, d->from.domain_len);
            if (d->author == NULL)
                return MA_ENOMEM;
        }
        d->author_state = 1;
    } else {
        d->author_state = 2;
    }
    return MA_OK;
}

/* Size the per-question record slots to the questions asked so far (the
   slots move: found pointers are not kept across this). */
static int records_grow(dmarc_job *d)
{
    found *r;
    size_t n = d->job.nqs + 16;
    if (d->job.nqs <= d->nrecords)
        return MA_OK;
    r = ma__job_alloc(&d->job, n * sizeof *r);
    if (r == NULL)
        return MA_ENOMEM;
    if (d->nrecords)
        memcpy(r, d->records, d->nrecords * sizeof *r);
    memset(r + d->nrecords, 0, (n - d->nrecords) * sizeof *r);
    d->records = r;
    d->nrecords = n;
    return MA_OK;
}

/*
 * Whether the identifier id (n octets) can be in relaxed alignment with
 * the author at all, org (m octets) being the author's organizational
 * domain: an organizational domain is always the name itself or one of
 * its parents (RFC 9989 4.10.2 from the tree walk, RFC 7489 3.2 from the
 * PSL), so id's can be org only when id is org or a name below it.
 * Otherwise no lookup can change the answer: no walk is asked (9989 5.3.6:
 * only DNS queries "required to perform DMARC validation" matter, so the
 * failure of one whose answer could not have aligned anything must not
 * turn a fail into a temperror), no PSL search is made (7489).
 */
static int may_align(const char *id, size_t n, const char *org, size_t m)
{
    /* normalized names (lower case, no root dot): compared as text */
    if (org == NULL || m == 0 || n < m || (n > m && id[n - m - 1] != '.'))
        return 0;
    return memcmp(id + (n - m), org, m) == 0;
}

/* Whether normalized names are the same (lower case, A-labels, no root
   dot, never empty: the same domain is the same text). */
static int same_name(const char *a, size_t n, const char *b, size_t m)
{
    return n == m && memcmp(a, b, n) == 0;
}

/* Is this authenticated identifier usable and does it need its own walk? */
static int needs_walk(const dmarc_job *d, const char *id, size_t n)
{
    return id != NULL && !same_name(id, n, d->author, d->author_len)
           && may_align(id, n, d->org_domain, d->org_len);
}

/* Stage 2 (9989): the identifiers' walks and the existence check. */
static int stage2_ask(dmarc_job *d)
{
    size_t i;
    int rc;
    int relaxed_spf = ma__dmarc_record_aspf(d->policy) == MA_DMARC_ALIGN_RELAXED;
    int relaxed_dkim = ma__dmarc_record_adkim(d->policy) == MA_DMARC_ALIGN_RELAXED;

    d->spf_walk = -1;
    if (relaxed_spf && d->have_spf && d->spf_result == MA_SPF_PASS &&
        d->spf_scope == MA_DMARC_SPF_MAILFROM && needs_walk(d, d->spf_domain, d->spf_domain_len)) {
        rc = walk_ask(d, &d->walks[d->nwalks], d->spf_domain, d->spf_domain_len, d->spf_plain);
        if (rc != MA_OK && rc != MA_ESYNTAX)
            return rc;
        if (rc == MA_OK)
            d->spf_walk = (long)d->nwalks++;
    }
    for (i = 0; i < d->ndkim; i++) {
        d->dkim_walk[i] = -1;
        if (relaxed_dkim && d->dkim[i].result == MA_DKIM_PASS && !d->dkim[i].unsigned_extra &&
            needs_walk(d, d->dkim[i].domain, d->dkim[i].domain_len) && d->nwalks < WALKS_MAX) {
            rc = walk_ask(d, &d->walks[d->nwalks], d->dkim[i].domain, d->dkim[i].domain_len,
                          d->dkim[i].plain);
            if (rc != MA_OK && rc != MA_ESYNTAX)
                return rc;
            if (rc == MA_OK)
                d->dkim_walk[i] = (long)d->nwalks++;
        }
    }
    /* np= (3.2.13): does the author domain exist?  Only when a record
       above it applies and np says something else than sp. */
    if (!d->policy_at_author && d->opts.mode == MA_DMARC_MODE_9989 &&
        ma__dmarc_record_np(d->policy) != ma__dmarc_record_sp(d->policy)) {
        rc = ma__job_ask(&d->job, d->author, d->author_len, MA_DNS_A, &d->exists_q);
        if (rc != MA_OK)
            return rc;
    }
    return records_grow(d);
}

/* The organizational domain of walk index wi (9989), or NULL while pending. */
static const char *walk_org(dmarc_job *d, size_t wi, int *dnsfail)
{
    const found *recs[WALK_MAX];
    const char *names[WALK_MAX];
    size_t n;
    int pending = 0;
    walk_read(d, &d->walks[wi], recs, names, &n, &pending, dnsfail);
    if (pending)
        return NULL;
    return org_from(&d->walks[wi], recs, names, n);
}

/* Relaxed or strict alignment of id with the author (9989 or 7489). */
static int aligned(dmarc_job *d, const char *id, size_t n, int plain, long wi, int strict,
                   int *dnsfail)
{
    if (id == NULL)
        return 0;
    if (same_name(id, n, d->author, d->author_len))
        return 1;
    if (strict)
        return 0;
    if (d->opts.mode == MA_DMARC_MODE_7489) {
        /* The author's organizational domain was found with the same list
           when the job started (org7489; NULL when it has none). */
        char a[256];
        size_t k;
        if (!may_align(id, n, d->org7489, d->org_len)
            || psl_org(d->opts.psl, id, n, plain, a, sizeof a, &k) != MA_OK)
            return 0;
        return same_name(a, k, d->org7489, d->org_len);
    }
    if (wi < 0)
        return 0;
    {
        const char *o = walk_org(d, (size_t)wi, dnsfail);
        return o != NULL && d->org_domain != NULL && strcmp(o, d->org_domain) == 0;
    }
}

/* A draw from 0 to 99 for pct= when the caller gave no source: the
   kernel's random numbers (no library state), else the clock. */
static unsigned int random_draw(const dmarc_job *d)
{
    unsigned int x = 0;
    if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x)
        x = (unsigned int)ma_ctx_now_ms(d->job.ctx);
    return x % 100;
}

/* One level milder (t=y, sampled out). */
static ma_dmarc_disposition milder(ma_dmarc_policy p)
{
    return p == MA_DMARC_POLICY_REJECT ? MA_DMARC_DISP_QUARANTINE : MA_DMARC_DISP_NONE;
}

static ma_dmarc_disposition disp_of(ma_dmarc_policy p)
{
    return p == MA_DMARC_POLICY_REJECT       ? MA_DMARC_DISP_REJECT
           : p == MA_DMARC_POLICY_QUARANTINE ? MA_DMARC_DISP_QUARANTINE
                                             : MA_DMARC_DISP_NONE;
}

static void decide(dmarc_job *d)
{
    int dnsfail = 0;
    size_t i;
    int strict_spf = ma__dmarc_record_aspf(d->policy) == MA_DMARC_ALIGN_STRICT;
    int strict_dkim = ma__dmarc_record_adkim(d->policy) == MA_DMARC_ALIGN_STRICT;

    /* Which policy applies (9989 4.10.1; 7489 6.6.3 step 4). */
    if (d->policy_at_author) {
        d->applied = ma__dmarc_record_p(d->policy);
        d->applied_tag = "p";
    } else {
        int nx = 0;
        if (d->exists_q != 0) {
            const ma_dns_answer *a = ma__job_answer_get(&d->job, d->exists_q);
            nx = a != NULL && ma_dns_answer_rcode(a) == MA_DNS_NXDOMAIN;
        }
        if (nx) {
            d->applied = ma__dmarc_record_np(d->policy);
            d->applied_tag = "np";
        } else {
            d->applied = ma__dmarc_record_sp(d->policy);
            d->applied_tag = "sp";
        }
    }
    /* Alignment: a property of the set of results, in any order. */
    if (d->have_spf && d->spf_result == MA_SPF_PASS && d->spf_scope == MA_DMARC_SPF_MAILFROM &&
        aligned(d, d->spf_domain, d->spf_domain_len, d->spf_plain, d->spf_walk, strict_spf,
                &dnsfail))
        d->spf_aligned = d->spf_domain;
    for (i = 0; i < d->ndkim && d->dkim_aligned == NULL; i++)
        if (d->dkim[i].result == MA_DKIM_PASS && !d->dkim[i].unsigned_extra &&
            aligned(d, d->dkim[i].domain, d->dkim[i].domain_len, d->dkim[i].plain, d->dkim_walk[i],
                    strict_dkim, &dnsfail))
            d->dkim_aligned = d->dkim[i].domain;
    if (d->spf_aligned != NULL || d->dkim_aligned != NULL) {
        d->result = MA_DMARC_PASS;
        d->reason = MA_DMARC_R_OK;
        d->disposition = MA_DMARC_DISP_NONE;
        say(d, "aligned: ", d->spf_aligned ? "spf " : "", d->spf_aligned ? d->spf_aligned : "",
            d->dkim_aligned ? (d->spf_aligned ? ", dkim " : "dkim ") : "",
            d->dkim_aligned ? d->dkim_aligned : "", (char *)NULL);
        return;
    }
    if (dnsfail) {
        /* An identifier's walk failed: its alignment is unknown. */
        d->result = MA_DMARC_TEMPERROR;
        d->reason = MA_DMARC_R_DNS;
        say_lit(d, "a DNS lookup for alignment failed");
        return;
    }
    d->result = MA_DMARC_FAIL;
    d->reason = MA_DMARC_R_NOT_ALIGNED;
    say_lit(d, "no SPF or DKIM identifier aligned with the author domain");
    d->disposition = disp_of(d->applied);
    if (d->opts.mode == MA_DMARC_MODE_7489) {
        unsigned int pct = ma__dmarc_record_pct(d->policy);
        if (pct < 100 && d->disposition != MA_DMARC_DISP_NONE &&
            (d->opts.sample ? d->opts.sample(d->opts.sample_payload) % 100 : random_draw(d)) >= pct) {
            d->disposition = milder(d->applied);
            d->override = MA_DMARC_OVERRIDE_SAMPLED_OUT;
        }
    } else if (ma__dmarc_record_t(d->policy) && d->disposition != MA_DMARC_DISP_NONE) {
        d->disposition = milder(d->applied);
        d->override = MA_DMARC_OVERRIDE_TESTING;
    }
    if (d->have_arc && d->arc_pass && d->arc_sealer != NULL && d->disposition != MA_DMARC_DISP_NONE) {
        for (i = 0; i < d->ntrusted; i++)
            if (ma_domain_equal(d->arc_sealer, strlen(d->arc_sealer), d->trusted[i],
                                strlen(d->trusted[i]))) {
                d->disposition = MA_DMARC_DISP_NONE;
                d->override = MA_DMARC_OVERRIDE_TRUSTED_FORWARDER;
                break;
            }
    }
}

/* Stage 1 for 9989: find the policy from the author's walk.  Returns
   MA_OK when decided (policy found or verdict final), NEED_DNS, or <0. */
static int policy_9989(dmarc_job *d)
{
    const found *recs[WALK_MAX];
    const char *names[WALK_MAX];
    size_t n, i;
    int pending = 0, dnsfail = 0;
    walk *w = &d->walks[0];

    walk_read(d, w, recs, names, &n, &pending, &dnsfail);
    if (pending)
        return MA_JOB_NEED_DNS;
    if (dnsfail) {
        d->result = MA_DMARC_TEMPERROR;
        d->reason = MA_DMARC_R_DNS;
        say(d, "the policy lookup for ", d->author, " failed", (char *)NULL);
        return MA_OK;
    }
    if (n == 0) {
        d->result = MA_DMARC_NONE;
        d->reason = MA_DMARC_R_NO_RECORD;
        say(d, "no DMARC record for ", d->author, " or above it", (char *)NULL);
        return MA_OK;
    }
    d->org_domain = org_from(w, recs, names, n);
    d->org_len = strlen(d->org_domain);
    /* the walk's names are tails of the author domain (its start): only
       the tail at offset 0 is the author domain */
    if (names[0] == w->start) {
        /* 4.10.1: a record at the author domain applies. */
        d->policy = recs[0]->rec;
        d->policy_domain = names[0];
        d->policy_at_author = 1;
        return MA_OK;
    }
    /* Else the organizational domain's record, or the public suffix domain's. */
    for (i = 0; i < n; i++)
        if (strcmp(names[i], d->org_domain) == 0)
            break;
    if (i == n)
        for (i = 0; i < n; i++)
            if (ma__dmarc_record_psd(recs[i]->rec) == MA_DMARC_PSD_Y)
                break;
    if (i == n)
        i = n - 1;
    d->policy = recs[i]->rec;
    d->policy_domain = names[i];
    return MA_OK;
}

/* Stage 1 for 7489 (6.6.3): _dmarc.<author>, else _dmarc.<PSL org>. */
static int policy_7489(dmarc_job *d)
{
    const found *f = record_at(d, d->q7489[0]);
    if (f == NULL)
        return MA_JOB_NEED_DNS;
    if (f->state < 0)
        goto dnsfail;
    if (f->state == 1) {
        d->policy = f->rec;
        d->policy_domain = d->author;
        d->policy_at_author = 1;
        return MA_OK;
    }
    if (d->org7489 == NULL || strcmp(d->org7489, d->author) == 0) {
        d->result = MA_DMARC_NONE;
        d->reason = MA_DMARC_R_NO_RECORD;
        say(d, "no DMARC record for ", d->author, (char *)NULL);
        return MA_OK;
    }
    if (d->q7489[1] == 0) {
        /* a tail of the author domain: plain when it is */
        int rc = ask_dmarc(d, d->org7489, d->org_len, d->author_plain, &d->q7489[1]);
        if (rc != MA_OK)
            return rc;
        rc = records_grow(d);
        if (rc != MA_OK)
            return rc;
    }
    f = record_at(d, d->q7489[1]);
    if (f == NULL)
        return MA_JOB_NEED_DNS;
    if (f->state < 0)
        goto dnsfail;
    if (f->state == 0) {
        d->result = MA_DMARC_NONE;
        d->reason = MA_DMARC_R_NO_RECORD;
        say(d, "no DMARC record for ", d->author, " or ", d->org7489, (char *)NULL);
        return MA_OK;
    }
    d->policy = f->rec;
    d->policy_domain = d->org7489;
    return MA_OK;
dnsfail:
    d->result = MA_DMARC_TEMPERROR;
    d->reason = MA_DMARC_R_DNS;
    say(d, "the policy lookup for ", d->author, " failed", (char *)NULL);
    return MA_OK;
}

static int dmarc_step(ma_job *job)
{
    dmarc_job *d = (dmarc_job *)job;
    int rc;
    size_t i;

    if (d->result >= 0)
        return MA_JOB_DONE;
    if (!author_ready(d)) {
        if (d->msg == NULL) {
            d->result = MA_DMARC_NONE;
            d->reason = MA_DMARC_R_NO_AUTHOR;
            say_lit(d, "no message and no author domain were given");
            return MA_JOB_DONE;
        }
        return MA_JOB_NEED_INPUT;
    }
    if (d->author_state == 2) {
        author_refused(d);
        return MA_JOB_DONE;
    }
    if (d->stage == 0) {
        d->stage = 1;
        if (d->opts.mode == MA_DMARC_MODE_7489) {
            char org[256];
            if (psl_org(d->opts.psl, d->author, d->author_len, d->author_plain, org, sizeof org,
                        &d->org_len)
                == MA_OK) {
                d->org7489 = arena_dup(d, org, d->org_len);
                if (d->org7489 == NULL)
                    return MA_ENOMEM;
                d->org_domain = d->org7489;
            }
            rc = ask_dmarc(d, d->author, d->author_len, d->author_plain, &d->q7489[0]);
        } else {
            rc = walk_ask(d, &d->walks[0], d->author, d->author_len, d->author_plain);
            d->nwalks = 1;
        }
        if (rc == MA_ESYNTAX) {
            d->result = MA_DMARC_PERMERROR;
            d->reason = MA_DMARC_R_FROM_DOMAIN;
            say(d, d->author, " cannot be looked up", (char *)NULL);
            return MA_JOB_DONE;
        }
        if (rc == MA_OK)
            rc = records_grow(d);
        if (rc != MA_OK)
            return rc;
    }
    if (d->stage == 1) {
        rc = d->opts.mode == MA_DMARC_MODE_7489 ? policy_7489(d) : policy_9989(d);
        if (rc != MA_OK)
            return rc;
        if (d->result >= 0)
            return MA_JOB_DONE;
        if (d->hold)
            return MA_JOB_NEED_INPUT;   /* the policy is known; the results are not */
        d->stage = 2;
        if (d->opts.mode == MA_DMARC_MODE_9989) {
            rc = stage2_ask(d);
            if (rc != MA_OK)
                return rc;
        } else {
            d->spf_walk = -1;
            for (i = 0; i < d->ndkim; i++)
                d->dkim_walk[i] = -1;
        }
    }
    if (job->npending > 0)
        return MA_JOB_NEED_DNS;
    decide(d);
    return MA_JOB_DONE;
}

static void dmarc_destroy(ma_job *job)
{
    dmarc_job *d = (dmarc_job *)job;
    size_t i;
    /* slots past the questions asked were never filled */
    for (i = 0; i < d->nrecords && i < job->nqs; i++)
        if (d->records[i].own != NULL)
            dmarc_memo_destroy(&d->records[i].own->hdr, job->ctx);
    ma__dmarc_from_free(&d->from, job->ctx);
}

/* A record that could not be read for lack of memory fails the step: it
   must never read as "no record" (which would skip a p=reject). */
static int dmarc_step_checked(ma_job *job)
{
    dmarc_job *d = (dmarc_job *)job;
    int rc = dmarc_step(job);
    return d->oom ? MA_ENOMEM : rc;
}

static const ma_job_vtable dmarc_vt = { "dmarc", dmarc_step_checked, dmarc_destroy };

/* Whether SPF, DKIM and ARC verdicts may still be supplied: before the
   first step, or while a held job has not gone past its policy lookup. */
static int inputs_open(const dmarc_job *d)
{
    return !d->job.started || (d->hold && d->stage < 2);
}

int ma__dmarc_job_hold(ma_job *job, int on)
{
    dmarc_job *d = as_dmarc_mut(job);
    if (d == NULL)
        return MA_EINVAL;
    if (on && d->job.started)
        return MA_ESTATE;
    d->hold = on != 0;
    return MA_OK;
}

/* -------------------------------------------------------------- public API */

const char *ma_dmarc_result_name(int result)
{
    static const char *const names[] = { "none", "pass", "fail", "temperror", "permerror" };
    return result >= 0 && result <= MA_DMARC_PERMERROR ? names[result] : NULL;
}

const char *ma_dmarc_policy_name(int policy)
{
    static const char *const names[] = { "", "none", "quarantine", "reject" };
    return policy >= 0 && policy <= MA_DMARC_POLICY_REJECT ? names[policy] : NULL;
}

const char *ma_dmarc_reason_name(int reason)
{
    static const char *const names[] = { "ok", "no-record", "not-aligned", "dns", "from-none",
                                         "from-multiple", "from-addresses", "from-domain",
                                         "from-malformed", "no-author" };
    return reason >= 0 && (size_t)reason < sizeof names / sizeof names[0] ? names[reason] : NULL;
}

const char *ma_dmarc_disposition_name(int disposition)
{
    static const char *const names[] = { "none", "quarantine", "reject" };
    return disposition >= 0 && disposition <= MA_DMARC_DISP_REJECT ? names[disposition] : NULL;
}

const char *ma_dmarc_override_name(int override)
{
    static const char *const names[] = { "", "sampled_out", "testing", "trusted_forwarder" };
    return override >= 0 && override <= MA_DMARC_OVERRIDE_TRUSTED_FORWARDER ? names[override] : NULL;
}

int ma_dmarc_opts_init(ma_dmarc_opts *opts, unsigned int version)
{
    static const ma_dmarc_opts init = MA_DMARC_OPTS_INIT;
    if (opts == NULL)
        return MA_EINVAL;
    if (version != MA_DMARC_OPTS_VERSION)
        return MA_EVERSION;
    *opts = init;
    return MA_OK;
}

int ma_dmarc_job_new(ma_job **out, ma_ctx *ctx, const ma_dmarc_opts *opts)
{
    dmarc_job *d;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    if (opts != NULL && opts->version != MA_DMARC_OPTS_VERSION)
        return MA_EVERSION;
    if (opts != NULL && opts->mode != MA_DMARC_MODE_9989 && opts->mode != MA_DMARC_MODE_7489)
        return MA_EINVAL;
    /* Not calloc: only the head is cleared (see struct dmarc_job). */
    d = ma__alloc(ctx, sizeof *d);
    if (d == NULL)
        return MA_ENOMEM;
    dmarc_zero((char *)d + offsetof(dmarc_job, opts),
               offsetof(dmarc_job, from) - offsetof(dmarc_job, opts));
    ma__job_init(&d->job, ctx, &dmarc_vt);
    ma__job_arena_seed(&d->job, d->seed.bytes, sizeof d->seed.bytes);
    ma_dmarc_opts_init(&d->opts, MA_DMARC_OPTS_VERSION);
    if (opts != NULL)
        d->opts = *opts;
    d->result = -1;
    memset(&d->from, 0, offsetof(ma_dmarc_from, err));
    d->from.field = -1;
    ma__err_clear(&d->from.err);
    d->problem[0] = '\0';
    d->nsay = 0;
    *out = &d->job;
    return MA_OK;
}

int ma_dmarc_job_attach(ma_job *job, ma_msg *msg)
{
    dmarc_job *d = as_dmarc_mut(job);
    int rc;
    if (d == NULL || msg == NULL)
        return MA_EINVAL;
    if (d->msg != NULL || d->author_state != 0 || ma_msg_header_done(msg) || job->started)
        return MA_ESTATE;
    rc = ma_msg_on_header(msg, on_header, d);
    if (rc == MA_OK)
        d->msg = msg;
    return rc;
}

int ma_dmarc_job_set_author(ma_job *job, const char *domain)
{
    dmarc_job *d = as_dmarc_mut(job);
    int rc;
    if (d == NULL || domain == NULL)
        return MA_EINVAL;
    if (d->msg != NULL || d->author_state != 0 || job->started)
        return MA_ESTATE;
    d->author = norm_domain(d, domain, &rc, &d->author_len, &d->author_plain);
    if (d->author == NULL)
        return rc == MA_ENOMEM ? rc : MA_EINVAL;
    d->author_state = 1;
    return MA_OK;
}

int ma_dmarc_job_add_spf(ma_job *job, int spf_result, const char *domain, int scope)
{
    dmarc_job *d = as_dmarc_mut(job);
    int rc;
    if (d == NULL || domain == NULL || (scope != MA_DMARC_SPF_MAILFROM && scope != MA_DMARC_SPF_HELO) ||
        spf_result < MA_SPF_NONE || spf_result > MA_SPF_PERMERROR)
        return MA_EINVAL;
    if (d->have_spf || !inputs_open(d))
        return MA_ESTATE;
    d->spf_domain = norm_domain(d, domain, &rc, &d->spf_domain_len, &d->spf_plain);
    if (d->spf_domain == NULL && rc == MA_ENOMEM)
        return rc;
    d->have_spf = 1;
    d->spf_result = d->spf_domain != NULL ? spf_result : MA_SPF_NONE;
    d->spf_scope = scope;
    return MA_OK;
}

int ma_dmarc_job_add_dkim(ma_job *job, int dkim_result, const char *domain, int unsigned_extra)
{
    dmarc_job *d = as_dmarc_mut(job);
    dkim_in *k;
    int rc;
    if (d == NULL || domain == NULL || dkim_result < MA_DKIM_NONE || dkim_result > MA_DKIM_PERMERROR)
        return MA_EINVAL;
    if (!inputs_open(d))
        return MA_ESTATE;
    if (d->ndkim >= DMARC_MAX_DKIM)
        return MA_ELIMIT;
    k = &d->dkim[d->ndkim];
    k->domain = norm_domain(d, domain, &rc, &k->domain_len, &k->plain);
    if (k->domain == NULL && rc == MA_ENOMEM)
        return rc;
    k->result = k->domain != NULL ? dkim_result : MA_DKIM_PERMERROR;
    k->unsigned_extra = unsigned_extra != 0;
    k->selector = "";
    d->ndkim++;
    return MA_OK;
}

int ma_dmarc_job_add_dkim_job(ma_job *job, const ma_job *dkim)
{
    dmarc_job *d = as_dmarc_mut(job);
    size_t i, n;
    int rc, pass;
    if (d == NULL || dkim == NULL || strcmp(dkim->vt->kind, "dkim") != 0)
        return MA_EINVAL;
    if (dkim->status != MA_JOB_DONE)
        return MA_ESTATE;
    n = ma_dkim_job_count(dkim);
    /* Passes first: the job keeps DMARC_MAX_DKIM verdicts, and only a
       pass can align, so a flood of failing signatures cannot push an
       aligned pass out. */
    for (pass = 1; pass >= 0; pass--) {
        for (i = 0; i < n; i++) {
            const char *dom = ma_dkim_job_domain(dkim, i), *sel = ma_dkim_job_selector(dkim, i);
            ma_dkim_result res = ma_dkim_job_result(dkim, i);
            if (dom[0] == '\0' || (res == MA_DKIM_PASS) != pass)
                continue; /* a signature without a readable d= names nobody */
            rc = ma_dmarc_job_add_dkim(job, res, dom, ma_dkim_job_unsigned_extra(dkim, i));
            if (rc == MA_ELIMIT)
                return MA_OK;   /* the rest cannot be taken into account */
            if (rc != MA_OK)
                return rc;
            d->dkim[d->ndkim - 1].selector = arena_dup(d, sel, strlen(sel));
            if (d->dkim[d->ndkim - 1].selector == NULL)
                return MA_ENOMEM;
        }
    }
    return MA_OK;
}

int ma_dmarc_job_set_arc(ma_job *job, int arc_pass, const char *sealer, const char *const *trusted,
                         size_t ntrusted)
{
    dmarc_job *d = as_dmarc_mut(job);
    size_t i;
    /* A passing chain has a newest sealer: without one nothing can be
       trusted, so the call is a mistake, not a verdict. */
    if (d == NULL || (ntrusted > 0 && trusted == NULL) || (arc_pass && sealer == NULL))
        return MA_EINVAL;
    if (d->have_arc || !inputs_open(d))
        return MA_ESTATE;
    d->arc_sealer = sealer ? arena_dup(d, sealer, strlen(sealer)) : NULL;
    d->trusted = ntrusted ? ma__job_alloc(job, ntrusted * sizeof *d->trusted) : NULL;
    if ((sealer && d->arc_sealer == NULL) || (ntrusted && d->trusted == NULL))
        return MA_ENOMEM;
    for (i = 0; i < ntrusted; i++) {
        if (trusted[i] == NULL)
            return MA_EINVAL;
        d->trusted[i] = arena_dup(d, trusted[i], strlen(trusted[i]));
        if (d->trusted[i] == NULL)
            return MA_ENOMEM;
    }
    d->ntrusted = ntrusted;
    d->arc_pass = arc_pass != 0;
    d->have_arc = 1;
    return MA_OK;
}

static const dmarc_job *done(const ma_job *job)
{
    const dmarc_job *d = as_dmarc(job);
    return d != NULL && job->status == MA_JOB_DONE ? d : NULL;
}

ma_dmarc_result ma_dmarc_job_result(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d && d->result >= 0 ? (ma_dmarc_result)d->result : MA_DMARC_NONE;
}

ma_dmarc_reason ma_dmarc_job_reason(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d ? d->reason : MA_DMARC_R_OK;
}

const char *ma_dmarc_job_problem(const ma_job *job)
{
    const dmarc_job *d = as_dmarc(job);
    if (d == NULL)
        return "";
    if (d->nsay > 0) {
        /* the text is made on first use; a job is used by one thread at a
           time, so this getter may finish what say() started */
        say_text((dmarc_job *)(uintptr_t)d);
    }
    return d->problem;
}

const char *ma_dmarc_job_author_domain(const ma_job *job)
{
    const dmarc_job *d = as_dmarc(job);
    return d && d->author ? d->author : "";
}

const char *ma_dmarc_job_policy_domain(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d && d->policy_domain ? d->policy_domain : "";
}

const char *ma_dmarc_job_org_domain(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d && d->org_domain ? d->org_domain : "";
}

ma_dmarc_policy ma_dmarc_job_policy(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d ? d->applied : MA_DMARC_POLICY_UNSET;
}

const char *ma_dmarc_job_policy_tag(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d && d->applied_tag ? d->applied_tag : "";
}

ma_dmarc_disposition ma_dmarc_job_disposition(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d ? d->disposition : MA_DMARC_DISP_NONE;
}

ma_dmarc_override ma_dmarc_job_override(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d ? d->override : MA_DMARC_OVERRIDE_NONE;
}

const char *ma_dmarc_job_spf_aligned(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d && d->spf_aligned ? d->spf_aligned : "";
}

const char *ma_dmarc_job_dkim_aligned(const ma_job *job)
{
    const dmarc_job *d = done(job);
    return d && d->dkim_aligned ? d->dkim_aligned : "";
}

int ma_dmarc_job_authres(const ma_job *job, char **out)
{
    const dmarc_job *d = as_dmarc(job);
    ma_buf b;
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (d == NULL)
        return MA_EINVAL;
    if (job->status != MA_JOB_DONE)
        return MA_ESTATE;
    ma__buf_init(&b, job->ctx);
    rc = ma__buf_printf(&b, "dmarc=%s", ma_dmarc_result_name(d->result));
    if (rc == MA_OK && d->applied != MA_DMARC_POLICY_UNSET)
        rc = ma__buf_printf(&b, " (%s=%s dis=%s%s%s)", d->applied_tag, ma_dmarc_policy_name(d->applied),
                            ma_dmarc_disposition_name(d->disposition),
                            d->override ? " override=" : "", ma_dmarc_override_name(d->override));
    /* The author domain is a normalized LDH name: safe as a property value. */
    if (rc == MA_OK && d->author != NULL)
        rc = ma__buf_printf(&b, " header.from=%s", d->author);
    if (rc == MA_OK && d->applied != MA_DMARC_POLICY_UNSET)
        rc = ma__buf_printf(&b, " policy.dmarc=%s", ma_dmarc_policy_name(d->applied));
    if (rc == MA_OK)
        *out = ma__buf_steal(&b, NULL);
    ma__buf_free(&b);
    return rc == MA_OK && *out == NULL ? MA_ENOMEM : rc;
}

/* ----------------------------------------------------------- records */

int ma_dmarc_record_effective(char **out, char **problem, ma_ctx *ctx, const char *record,
                              size_t len, int mode)
{
    ma_dmarc_record rec, eff;
    ma_dmarc_perr err;
    ma_buf b, p;
    size_t i;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (problem != NULL)
        *problem = NULL;
    if (ctx == NULL || (record == NULL && len > 0) ||
        (mode != MA_DMARC_MODE_9989 && mode != MA_DMARC_MODE_7489))
        return MA_EINVAL;
    ma__buf_init(&b, ctx);
    ma__buf_init(&p, ctx);
    rc = ma__dmarc_record_parse(&rec, ctx, record ? record : "", len, (ma_dmarc_mode)mode, 0, &err);
    if (rc == MA_ESYNTAX) {
        int r2 = ma__buf_printf(&p, "%s%s%s at offset %lld", err.tag, err.tag[0] ? ": " : "",
                                err.e.text, (long long)err.e.offset);
        if (r2 == MA_OK && problem != NULL)
            *problem = ma__buf_steal(&p, NULL);
        ma__buf_free(&p);
        ma__dmarc_record_free(&rec, ctx);
        return r2 == MA_OK ? MA_ESYNTAX : r2;
    }
    if (rc != MA_OK) {
        ma__dmarc_record_free(&rec, ctx);
        return rc;
    }
    /* The effective values, written with every tag of the mode. */
    eff = rec;
    eff.p = ma__dmarc_record_p(&rec);
    eff.sp = ma__dmarc_record_sp(&rec);
    eff.np = mode == MA_DMARC_MODE_9989 ? ma__dmarc_record_np(&rec) : MA_DMARC_POLICY_UNSET;
    rc = ma__dmarc_record_write(&b, &eff, MA_DMARC_WRITE_ALL);
    for (i = 0; rc == MA_OK && i < rec.nissues; i++)
        rc = ma__buf_printf(&p, "%s%s%s%s at offset %zu", i ? "; " : "",
                            ma__dmarc_tag_name(rec.issues[i].tag),
                            rec.issues[i].tag != MA_DMARC_TAG_NONE ? ": " : "",
                            ma__dmarc_rec_reason_str(rec.issues[i].reason), rec.issues[i].offset);
    if (rc == MA_OK) {
        *out = ma__buf_steal(&b, NULL);
        if (*out == NULL)
            rc = MA_ENOMEM;
    }
    if (rc == MA_OK && rec.issues_dropped)
        rc = ma__buf_printf(&p, "; and more issues than the %d listed", MA_DMARC_MAX_ISSUES);
    if (rc == MA_OK && problem != NULL && p.len > 0) {
        *problem = ma__buf_steal(&p, NULL);
        if (*problem == NULL) {
            ma_free(ctx, *out);
            *out = NULL;
            rc = MA_ENOMEM;
        }
    }
    ma__buf_free(&b);
    ma__buf_free(&p);
    ma__dmarc_record_free(&rec, ctx);
    return rc;
}

/* ------------------------------------------------------- report rows */

int ma_dmarc_job_report_row(const ma_job *job, const char *source_ip, char **out)
{
    const dmarc_job *d = as_dmarc(job);
    ma_ip ip;
    char ipt[MA_IP_TEXT_MAX];
    ma_buf b;
    size_t i;
    int rc;
    const char *disp, *reason = NULL;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (d == NULL || source_ip == NULL || ma_ip_parse(&ip, source_ip, strlen(source_ip)) != MA_OK ||
        ma_ip_format(&ip, ipt, sizeof ipt) != MA_OK)
        return MA_EINVAL;
    if (job->status != MA_JOB_DONE)
        return MA_ESTATE;
    disp = d->result == MA_DMARC_PASS ? "pass" : ma_dmarc_disposition_name(d->disposition);
    switch (d->override) {
    case MA_DMARC_OVERRIDE_SAMPLED_OUT:
        reason = "sampled_out";
        break;
    case MA_DMARC_OVERRIDE_TESTING:
        reason = "policy_test_mode";
        break;
    case MA_DMARC_OVERRIDE_TRUSTED_FORWARDER:
        reason = "trusted_forwarder";
        break;
    default:
        break;
    }
    /* Every string written is a normalized LDH name, an address, or a
       keyword: nothing needs XML escaping. */
    ma__buf_init(&b, job->ctx);
    rc = ma__buf_printf(&b,
                        "<record><row><source_ip>%s</source_ip><count>1</count><policy_evaluated>"
                        "<disposition>%s</disposition><dkim>%s</dkim><spf>%s</spf>",
                        ipt, disp, d->dkim_aligned ? "pass" : "fail", d->spf_aligned ? "pass" : "fail");
    if (rc == MA_OK && reason != NULL)
        rc = ma__buf_printf(&b, "<reason><type>%s</type></reason>", reason);
    if (rc == MA_OK)
        rc = ma__buf_printf(&b, "</policy_evaluated></row><identifiers><header_from>%s</header_from>",
                            d->author ? d->author : "");
    if (rc == MA_OK && d->have_spf && d->spf_domain != NULL && d->spf_scope == MA_DMARC_SPF_MAILFROM)
        rc = ma__buf_printf(&b, "<envelope_from>%s</envelope_from>", d->spf_domain);
    if (rc == MA_OK)
        rc = ma__buf_printf(&b, "</identifiers><auth_results>");
    for (i = 0; rc == MA_OK && i < d->ndkim; i++)
        if (d->dkim[i].domain != NULL)
            rc = ma__buf_printf(&b,
                                "<dkim><domain>%s</domain><selector>%s</selector><result>%s</result></dkim>",
                                d->dkim[i].domain, d->dkim[i].selector ? d->dkim[i].selector : "",
                                ma_dkim_result_name(d->dkim[i].result));
    if (rc == MA_OK && d->have_spf && d->spf_domain != NULL)
        rc = ma__buf_printf(&b, "<spf><domain>%s</domain><scope>%s</scope><result>%s</result></spf>",
                            d->spf_domain, d->spf_scope == MA_DMARC_SPF_MAILFROM ? "mfrom" : "helo",
                            ma_spf_result_name(d->spf_result));
    if (rc == MA_OK)
        rc = ma__buf_printf(&b, "</auth_results></record>");
    if (rc == MA_OK)
        *out = ma__buf_steal(&b, NULL);
    ma__buf_free(&b);
    return rc == MA_OK && *out == NULL ? MA_ENOMEM : rc;
}
