/*
 * libmailauth internals: the dns layer (answers, questions, jobs, resolvers).
 */
#ifndef MA_DNS_INT_H
#define MA_DNS_INT_H

#include "core/core.h"
#include "mailauth/dns.h"

/* ------------------------------------------------------------------ answers */

typedef struct ma_dns_record {
    uint32_t ttl;
    uint16_t pref;        /* MX */
    ma_ip ip;             /* A, AAAA */
    char *text;           /* TXT (joined, NUL after), MX exchange, PTR name */
    size_t len;
} ma_dns_record;

/*
 * Something an evaluator derived from an answer and keeps with it (the
 * compiled SPF record of a TXT answer, a decoded key...), so that every
 * evaluation sharing the answer (through a static zone or a cache) reuses
 * it.  Embedded first in the evaluator's own struct; kind tells whose it is.
 */
typedef struct ma_dns_memo {
    const void *kind;
    void (*destroy)(struct ma_dns_memo *memo, const ma_ctx *ctx);
} ma_dns_memo;

struct ma_dns_answer {
    const ma_ctx *ctx;
    ma_dns_memo *memo;    /* atomic; set once, freed with the answer */
    unsigned long refs;   /* atomic (__atomic builtins) */
    int frozen;           /* set once shared; read-only from then on */
    ma_dns_type type;
    ma_dns_rcode rcode;
    uint32_t ttl;
    int ttl_set;
    ma_dns_record *recs;
    size_t count;
    size_t cap;
};

/*
 * The answer's memo when it is of this kind, else NULL.  Only frozen
 * answers carry memos.
 */
ma_dns_memo *ma__dns_answer_memo(const ma_dns_answer *a, const void *kind);

/*
 * Attach memo to a frozen answer unless one is there already.  Returns the
 * memo now attached: memo itself, or the one of the same kind another
 * thread attached first (then the caller destroys its own).  NULL when the
 * answer is not frozen, or carries a memo of another kind (one TXT answer
 * read by two evaluators): the caller keeps and destroys memo.
 */
ma_dns_memo *ma__dns_answer_set_memo(const ma_dns_answer *a, ma_dns_memo *memo);

/* Mark an answer immutable (idempotent). */
void ma__dns_answer_freeze(ma_dns_answer *a);
int ma__dns_type_valid(int type);

/*
 * Canonical form of a name for comparison and hashing: presentation text
 * (\DDD and \X escapes honoured), ASCII lower-cased, one trailing dot
 * removed, written into out as lowercase presentation text without escapes
 * for LDH bytes.  Returns MA_OK or MA_ESYNTAX (bad escape, empty label,
 * label > 63, name > 255 octets).
 */
int ma__dns_name_canon(ma_buf *out, const char *name, size_t len);

/*
 * Longest name text accepted.  A valid name has at most 255 octets in wire
 * form, so at most 253 label octets; written with \DDD escapes that is at
 * most 4 * 253 + 63 dots (+ a trailing dot) < 1100 characters.
 */
#define MA_DNS_NAME_TEXT_MAX 1100

/* Size of a buffer for ma__dns_name_canon_fixed(): 4 bytes per input byte + NUL. */
#define MA_DNS_CANON_CAP (4 * MA_DNS_NAME_TEXT_MAX + 1)

/*
 * ma__dns_name_canon() into buf (MA_DNS_CANON_CAP bytes) without
 * allocating, for the lookup paths (job, static zone, cache).  Returns MA_OK
 * or MA_ESYNTAX (also for names longer than MA_DNS_NAME_TEXT_MAX, which
 * cannot be valid).
 */
int ma__dns_name_canon_fixed(char *buf, const char *name, size_t len, size_t *out_len);

/*
 * Whether name is already in canonical form and needs no rewriting: only
 * lower-case letters, digits, '-', '_' and dots between labels of 1 to 63
 * octets, at most 253 octets, no root dot.  Most names a job asks are.
 */
int ma__dns_name_is_canon(const char *name, size_t len);

/* The length of name without its root dot (one final dot that is not escaped). */
size_t ma__dns_name_strip_root(const char *name, size_t len);

/* FNV-1a 64 of a span. */
uint64_t ma__hash(const void *data, size_t len, uint64_t seed);

/* --------------------------------------------------------------- questions */

struct ma_dns_question {
    uint64_t hash;        /* of name and type, for deduplication */
    uint32_t id;
    ma_dns_type type;
    char *name;           /* canonical text, NUL-terminated */
    size_t name_len;
    ma_dns_answer *answer; /* NULL while outstanding */
};

/* -------------------------------------------------------------------- jobs */

/*
 * Every evaluator embeds a ma_job as its first member and supplies a vtable.
 * step() is called by ma_job_step(): it advances the evaluator, asking
 * questions with ma__job_ask() and reading answers with ma__job_answer_get().
 * It returns MA_JOB_DONE, MA_JOB_NEED_DNS, or a negative status.  It is only
 * called again after an answer arrived (or on the first step).
 */
typedef struct ma_job_vtable {
    const char *kind;                  /* "lookup", "spf", ... */
    int (*step)(ma_job *job);
    void (*destroy)(ma_job *job);      /* frees the evaluator's own state, not the job core */
} ma_job_vtable;

/*
 * A job's arena: small allocations that live as long as the job (questions
 * and their names, an evaluator's frames and strings) are carved from
 * chunks and released together by ma_job_free(), so an evaluation costs a
 * few mallocs instead of dozens.
 */
typedef struct ma_arena_chunk {
    struct ma_arena_chunk *next;
    size_t used, size;
    int borrowed;         /* memory of the evaluator's own struct: not freed */
    /* data follows, aligned for any object */
} ma_arena_chunk;

struct ma_job {
    const ma_ctx *ctx;
    const ma_job_vtable *vt;
    ma_arena_chunk *arena;   /* newest chunk first */
    ma_dns_question **qs;    /* every question asked, by id - 1 (arena) */
    size_t nqs;
    size_t qcap;
    const ma_dns_question **outstanding; /* scratch for ma_job_questions() (arena; NULL until a question waits) */
    uint32_t *qtab;          /* open-addressing index of qs by hash: id, 0 empty (arena) */
    size_t qtab_mask;        /* slots - 1; slots = 4 * qcap */
    size_t npending;
    int status;              /* 0 running, MA_JOB_DONE, or <0 failed */
    int started;
    /* While ma_job_run() drives the job through a resolver that answers
       from memory (ma_resolver.immediate), questions are answered as they
       are asked, so the evaluator goes on in the same step. */
    ma_resolver *inline_r;
    int inline_rc;           /* the first failure of inline_r, reported by ma_job_run() */
    ma_errbuf err;
};

/*
 * Memory from the job's arena (16-byte aligned, uninitialised), freed with
 * the job; NULL when out of memory.  ma__job_strndup copies a span and adds
 * a NUL.
 */
void *ma__job_alloc(ma_job *job, size_t size);
char *ma__job_strndup(ma_job *job, const char *s, size_t len);

/* Initialise the job core (called by each evaluator's constructor). */
void ma__job_init(ma_job *job, const ma_ctx *ctx, const ma_job_vtable *vt);

/*
 * Give the job's arena its first chunk from size bytes at mem (inside the
 * evaluator's own struct, 16-byte aligned), so that a typical evaluation
 * needs no allocation beyond the struct itself.  Call right after
 * ma__job_init().
 */
void ma__job_arena_seed(ma_job *job, void *mem, size_t size);

/*
 * Ask a question (deduplicated by canonical name and type).  *id_out gets
 * its id.  When it was already answered, the answer is available at once
 * through ma__job_answer_get().  The name is canonicalized (ma__dns_name_canon);
 * it must already be an A-label name.
 * Returns MA_OK, MA_ESYNTAX (bad name), MA_ELIMIT (MA_LIMIT_JOB_QUESTIONS), MA_ENOMEM.
 */
int ma__job_ask(ma_job *job, const char *name, size_t len, ma_dns_type type, uint32_t *id_out);

/*
 * ma__job_ask() for a name already canonical (as ma__dns_name_canon()
 * writes it, len bytes, not necessarily NUL-terminated) whose
 * ma__dns_name_hash() is hash: no canonicalization, no hashing.
 */
int ma__job_ask_canon(ma_job *job, const char *canon, size_t len, uint64_t hash, ma_dns_type type,
                      uint32_t *id_out);

/* The hash of a canonical name that questions, static zones and caches share. */
#define ma__dns_name_hash(canon, len) ma__hash((canon), (len), 0)

/* The answer for id, or NULL while outstanding (or for an unknown id). */
const ma_dns_answer *ma__job_answer_get(const ma_job *job, uint32_t id);

/* Set the job's error text; returns status for convenience. */
int ma__job_fail(ma_job *job, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* --------------------------------------------------------------- resolvers */

/*
 * A built-in backend may also answer canonical names directly (no
 * canonicalization, the hash given): returns MA_OK with *out set (a new
 * reference), MA__DEFER when it cannot answer from memory now (the
 * question then goes the ordinary way), or an error.
 */
#define MA__DEFER 1
typedef int (*ma_resolve_canon_fn)(void *payload, const char *canon, size_t len, uint64_t hash,
                                   ma_dns_type type, ma_dns_answer **out);

struct ma_resolver {
    const ma_ctx *ctx;
    ma_resolver_ops ops;
    void *payload;
    ma_resolve_canon_fn canon;   /* NULL for backends given through ma_resolver_new() */
};

/*
 * Answer a canonical name through r->canon (checked and frozen as
 * ma_resolver_resolve() does).  MA__DEFER when r has no such path or
 * cannot answer from memory now.
 */
int ma__resolver_resolve_canon(ma_resolver *r, const char *canon, size_t len, uint64_t hash,
                               ma_dns_type type, ma_dns_answer **out);

/* Identifies cache resolvers for ma_resolver_cache_stats(). */
int ma__resolver_is_cache(const ma_resolver *r);

#endif /* MA_DNS_INT_H */
