/*
 * libmailauth: DNS answers, the sans-I/O job protocol and resolvers.
 *
 * Evaluators (SPF, DKIM, DMARC, ARC, reverse DNS) never perform I/O.  They
 * are jobs: ma_job_step() advances one as far as it can and says whether it
 * is done or needs DNS; ma_job_questions() lists the questions outstanding;
 * the caller resolves them however it likes and feeds each answer back with
 * ma_job_answer(), in any order.  ma_job_run() is the synchronous driver
 * that does this through a ma_resolver.
 *
 * An event-loop MTA:
 *
 *     for (;;) {
 *         int rc = ma_job_step(job);
 *         if (rc != MA_JOB_NEED_DNS) break;          // done or error
 *         ma_job_questions(job, &qs, &n);
 *         for (i = 0; i < n; i++)                     // ids rise: start only
 *             if (ma_dns_question_id(qs[i]) > last)   // the new ones
 *                 start_async_lookup(qs[i]);
 *         ... later, in the lookup's callback:
 *         ma_job_answer(job, id, answer); ma_dns_answer_free(answer);
 *     }
 */
#ifndef MAILAUTH_DNS_H
#define MAILAUTH_DNS_H

#include "common.h"
#include "addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Record types the library asks for.  CNAMEs are followed by resolvers. */
typedef enum ma_dns_type {
    MA_DNS_TXT = 16,
    MA_DNS_A = 1,
    MA_DNS_AAAA = 28,
    MA_DNS_MX = 15,
    MA_DNS_PTR = 12
} ma_dns_type;

/** Outcome class of a DNS question. */
typedef enum ma_dns_rcode {
    MA_DNS_OK = 0,        /**< records of the asked type (at least one) */
    MA_DNS_NXDOMAIN = 1,  /**< the name does not exist */
    MA_DNS_NODATA = 2,    /**< the name exists, no records of the type */
    MA_DNS_TEMPFAIL = 3,  /**< timeout, SERVFAIL, network error: try later */
    MA_DNS_PERMFAIL = 4   /**< malformed or refused answer (a CNAME loop inside one response) */
} ma_dns_rcode;

/** "TXT", "A"...; NULL for an unknown type. */
MA_EXTERN(const char *) ma_dns_type_name(int type);
/** Parse "txt"/"TXT"... into *out.  @return MA_OK or MA_EINVAL. */
MA_EXTERN(int) ma_dns_type_parse(ma_dns_type *out, const char *name);
/** "ok", "nxdomain", "nodata", "tempfail", "permfail"; NULL when unknown. */
MA_EXTERN(const char *) ma_dns_rcode_name(int rcode);

/* ------------------------------------------------------------------ answers */

/**
 * A DNS answer: an outcome class, a TTL and typed records of one type.
 *
 * Answers are reference counted.  Whoever gets one from ma_dns_answer_new()
 * or a resolver owns one reference and drops it with ma_dns_answer_free().
 * An answer is built with the add functions, then becomes immutable the
 * first time it is shared (passed to ma_job_answer(), stored in a cache,
 * returned by a backend): from then on the add functions return MA_ESTATE,
 * and it may be read from several threads.
 */
typedef struct ma_dns_answer ma_dns_answer;

/**
 * Create an empty answer.  type is the record type its records will have.
 * For rcode MA_DNS_OK, add at least one record; an OK answer with no records
 * is read as NODATA.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dns_answer_new(ma_dns_answer **out, ma_ctx *ctx, ma_dns_type type,
                                 ma_dns_rcode rcode);

/** Drop one reference.  NULL is a no-op. */
MA_EXTERN(void) ma_dns_answer_free(ma_dns_answer *a);

/** Take another reference; returns a. */
MA_EXTERN(ma_dns_answer *) ma_dns_answer_ref(ma_dns_answer *a);

/** Set the TTL (seconds) of the whole answer; default: the least record TTL, or 0. */
MA_EXTERN(int) ma_dns_answer_set_ttl(ma_dns_answer *a, uint32_t ttl);

/**
 * Add a TXT record given as its character-strings joined (RFC 7208 3.3).
 * The bytes are copied; they may contain any octet, NUL included.
 * @return MA_OK, MA_EINVAL (wrong type), MA_ESTATE (shared), MA_ELIMIT, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dns_answer_add_txt(ma_dns_answer *a, const char *text, size_t len, uint32_t ttl);

/** Add a TXT record from its character-strings, joined without separator. */
MA_EXTERN(int) ma_dns_answer_add_txt_parts(ma_dns_answer *a, const char *const *parts,
                                           const size_t *lens, size_t nparts, uint32_t ttl);

/** Add an A (MA_IP_V4) or AAAA (MA_IP_V6) record, matching the answer's type. */
MA_EXTERN(int) ma_dns_answer_add_addr(ma_dns_answer *a, const ma_ip *ip, uint32_t ttl);

/** Add an MX record: preference and exchange host name (copied). */
MA_EXTERN(int) ma_dns_answer_add_mx(ma_dns_answer *a, uint16_t preference, const char *exchange,
                                    uint32_t ttl);

/** Add a PTR record (the name is copied). */
MA_EXTERN(int) ma_dns_answer_add_ptr(ma_dns_answer *a, const char *name, uint32_t ttl);

/** The answer's outcome class.  An MA_DNS_OK answer without records reads as MA_DNS_NODATA. */
MA_EXTERN(ma_dns_rcode) ma_dns_answer_rcode(const ma_dns_answer *a);
/** The record type the answer is for. */
MA_EXTERN(ma_dns_type) ma_dns_answer_type(const ma_dns_answer *a);
/** The answer's TTL in seconds. */
MA_EXTERN(uint32_t) ma_dns_answer_ttl(const ma_dns_answer *a);
/** Number of records. */
MA_EXTERN(size_t) ma_dns_answer_count(const ma_dns_answer *a);

/**
 * Record i of a TXT answer: joined text (not NUL-terminated: use *len; a NUL
 * follows the bytes for convenience).  Borrowed from the answer.
 * @return MA_OK, MA_EINVAL (wrong type, i out of range).
 */
MA_EXTERN(int) ma_dns_answer_txt(const ma_dns_answer *a, size_t i, const char **text, size_t *len);
/** Record i of an A or AAAA answer. */
MA_EXTERN(int) ma_dns_answer_addr(const ma_dns_answer *a, size_t i, ma_ip *ip);
/** Record i of an MX answer; *exchange is borrowed, NUL-terminated, no trailing dot. */
MA_EXTERN(int) ma_dns_answer_mx(const ma_dns_answer *a, size_t i, uint16_t *preference,
                                const char **exchange);
/** Record i of a PTR answer; *name is borrowed, NUL-terminated, no trailing dot. */
MA_EXTERN(int) ma_dns_answer_ptr(const ma_dns_answer *a, size_t i, const char **name);

/**
 * Build an answer from a DNS response in wire format (as c-ares, libunbound
 * or getdns hand back), for the question name and type.  CNAMEs inside the
 * response are followed from name; the response code maps to the outcome
 * class (NXDOMAIN, SERVFAIL -> TEMPFAIL, REFUSED/FORMERR -> PERMFAIL, no
 * records of the type -> NODATA).  A response that does not parse yields
 * MA_OK with a PERMFAIL answer.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dns_answer_from_wire(ma_dns_answer **out, ma_ctx *ctx, const char *name,
                                       ma_dns_type type, const unsigned char *pkt, size_t len);

/* --------------------------------------------------------------- questions */

/** A question a job asks.  Borrowed from the job. */
typedef struct ma_dns_question ma_dns_question;

/** The question's id: unique within its job, rising in the order asked (from 1). */
MA_EXTERN(uint32_t) ma_dns_question_id(const ma_dns_question *q);
/** The name asked: an A-label name without trailing dot, NUL-terminated. */
MA_EXTERN(const char *) ma_dns_question_name(const ma_dns_question *q);
/** The record type asked. */
MA_EXTERN(ma_dns_type) ma_dns_question_type(const ma_dns_question *q);

/* -------------------------------------------------------------------- jobs */

/** A sans-I/O evaluator.  Used by one thread at a time. */
typedef struct ma_job ma_job;

/** Positive results of ma_job_step(). */
#define MA_JOB_DONE 1      /**< the job finished: read its results */
#define MA_JOB_NEED_DNS 2  /**< answer the questions from ma_job_questions(), then step again */
#define MA_JOB_NEED_INPUT 3 /**< the job waits for the message: feed it, then step again */

/**
 * Advance the job as far as the answers given so far allow.
 * @return MA_JOB_DONE, MA_JOB_NEED_DNS, MA_JOB_NEED_INPUT (a job that
 *         reads a message, e.g. DKIM verification, before the message is
 *         complete and with no question outstanding), or a negative
 *         ma_status (the job is then failed, and every later step returns
 *         the same status).
 */
MA_EXTERN(int) ma_job_step(ma_job *job);

/**
 * The questions outstanding now (asked and not yet answered), by rising id.
 * The array and the questions are borrowed; they stay valid until the next
 * ma_job_step(), ma_job_answer() or ma_job_free() on this job.
 * @return MA_OK, MA_EINVAL.
 */
MA_EXTERN(int) ma_job_questions(ma_job *job, const ma_dns_question *const **qs_out, size_t *n_out);

/**
 * Feed the answer for question id.  The job keeps a reference to the answer
 * (which becomes immutable); the caller still owns its own reference.  The
 * answer's type must be the question's type.
 * @return MA_OK, MA_EINVAL (NULL or wrong type), MA_ESTATE (no such
 *         question, or already answered).
 */
MA_EXTERN(int) ma_job_answer(ma_job *job, uint32_t question_id, ma_dns_answer *answer);

/** A short text explaining the last error of the job ("" when none). Borrowed. */
MA_EXTERN(const char *) ma_job_error(const ma_job *job);

/** Free a job (whatever its state).  NULL is a no-op. */
MA_EXTERN(void) ma_job_free(ma_job *job);

/* --------------------------------------------------------------- resolvers */

/** A resolver: answers one question at a time, blocking. */
typedef struct ma_resolver ma_resolver;

/** Version of ma_resolver_ops understood by this library. */
#define MA_RESOLVER_OPS_VERSION 1

/**
 * A resolver implementation.  resolve() answers one question: on MA_OK it
 * stores a new answer (one reference, handed to the caller) in *answer_out;
 * DNS failures are answers (TEMPFAIL...), not errors.  It may be called from
 * several threads at once when the implementation says so.  destroy() is
 * called by ma_resolver_free(); it may be NULL.
 */
typedef struct ma_resolver_ops {
    unsigned int version; /**< MA_RESOLVER_OPS_VERSION */
    int (*resolve)(void *payload, const char *name, ma_dns_type type, ma_dns_answer **answer_out);
    void (*destroy)(void *payload);
} ma_resolver_ops;

/**
 * Wrap an implementation.  The ops table is copied; payload is owned by the
 * resolver from now on when ops->destroy is set.
 * @return MA_OK, MA_EINVAL, MA_EVERSION, MA_ENOMEM.
 */
MA_EXTERN(int) ma_resolver_new(ma_resolver **out, ma_ctx *ctx, const ma_resolver_ops *ops,
                               void *payload);

/** Free a resolver.  NULL is a no-op. */
MA_EXTERN(void) ma_resolver_free(ma_resolver *r);

/**
 * Answer one question through the resolver.  name may carry a trailing dot.
 * @return MA_OK with a new answer in *answer_out, or a negative status.
 */
MA_EXTERN(int) ma_resolver_resolve(ma_resolver *r, const char *name, ma_dns_type type,
                                   ma_dns_answer **answer_out);

/**
 * The synchronous driver: step the job, resolve its outstanding questions
 * through r, answer them, and repeat until the job is done.
 * @return MA_JOB_DONE, MA_JOB_NEED_INPUT (the job waits for the rest of
 *         its message), or a negative status from the job or the resolver.
 */
MA_EXTERN(int) ma_job_run(ma_job *job, ma_resolver *r);

/* ------------------------------------------------- backend: ldns stub resolver */

/** Version of ma_ldns_opts understood by this library. */
#define MA_LDNS_OPTS_VERSION 1

/** Options of the ldns stub resolver.  Zero fields mean the default. */
typedef struct ma_ldns_opts {
    unsigned int version;        /**< MA_LDNS_OPTS_VERSION */
    const char *const *servers;  /**< "IP", "IP:PORT" or "[IPv6]:PORT"; NULL: from resolv_conf */
    size_t nservers;             /**< number of entries in servers */
    const char *resolv_conf;     /**< default: /etc/resolv.conf (used when servers is NULL) */
    unsigned int timeout_ms;     /**< per try (default 2000) */
    unsigned int retries;        /**< tries per server (default 2) */
    unsigned int edns_size;      /**< EDNS0 UDP payload size (default 1232); 512 disables EDNS0 */
    int no_tcp_fallback;         /**< nonzero: do not retry over TCP on truncation */
} ma_ldns_opts;

/** Static initialiser for ma_ldns_opts. */
#define MA_LDNS_OPTS_INIT { MA_LDNS_OPTS_VERSION, 0, 0, 0, 0, 0, 0, 0 }

/** Initialise opts to the defaults.  @return MA_OK, MA_EINVAL, MA_EVERSION. */
MA_EXTERN(int) ma_ldns_opts_init(ma_ldns_opts *opts, unsigned int version);

/**
 * A stub resolver over ldns: sends recursive queries to the configured
 * servers, follows CNAMEs, retries over TCP when a UDP answer is truncated.
 * Timeouts and SERVFAIL become TEMPFAIL answers.  Safe to call from several
 * threads (queries are serialised).  All servers share one port.
 * @return MA_OK, MA_EINVAL (bad server text, different ports), MA_EVERSION,
 *         MA_EIO (resolv.conf unreadable or without servers), MA_ENOMEM.
 */
MA_EXTERN(int) ma_resolver_ldns_new(ma_resolver **out, ma_ctx *ctx, const ma_ldns_opts *opts);

/* ---------------------------------------------------- backend: static data */

/**
 * A resolver over records held in memory: added through the API or loaded
 * from RFC 1035 master-file text.  Add everything first, then resolve:
 * adding is not thread-safe, resolving is.  Names are compared
 * case-insensitively; a name that only has names below it exists (NODATA);
 * every other unknown name is NXDOMAIN.  CNAMEs are followed up to
 * MA_LIMIT_CNAME_CHAIN links; a loop or a longer chain is TEMPFAIL, as a
 * recursive resolver answers SERVFAIL there.
 */
typedef struct ma_static_zone ma_static_zone;

/** Create an empty static data set.  @return MA_OK, MA_EINVAL, MA_ENOMEM. */
MA_EXTERN(int) ma_static_zone_new(ma_static_zone **out, ma_ctx *ctx);

/** Free it.  Resolvers made from it keep their own reference. NULL is a no-op. */
MA_EXTERN(void) ma_static_zone_free(ma_static_zone *z);

/** Add a TXT record (joined strings, any bytes). */
MA_EXTERN(int) ma_static_zone_add_txt(ma_static_zone *z, const char *name, const char *text,
                                      size_t len, uint32_t ttl);
/** Add an A or AAAA record (by the address family). */
MA_EXTERN(int) ma_static_zone_add_addr(ma_static_zone *z, const char *name, const ma_ip *ip,
                                       uint32_t ttl);
/** Add an MX record. */
MA_EXTERN(int) ma_static_zone_add_mx(ma_static_zone *z, const char *name, uint16_t preference,
                                     const char *exchange, uint32_t ttl);
/** Add a PTR record. */
MA_EXTERN(int) ma_static_zone_add_ptr(ma_static_zone *z, const char *name, const char *target,
                                      uint32_t ttl);
/** Make name an alias (CNAME) of target.  A name with a CNAME has no other records. */
MA_EXTERN(int) ma_static_zone_add_cname(ma_static_zone *z, const char *name, const char *target,
                                        uint32_t ttl);

/**
 * Make questions for name fail: _add_timeout() as if the server never
 * answered, _add_servfail() as if it answered SERVFAIL.  Both yield TEMPFAIL
 * answers.  types is a bit set of MA_DNS_TYPE_BIT() values; 0 means every type.
 * @return MA_OK, MA_ESYNTAX (bad name), MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_static_zone_add_timeout(ma_static_zone *z, const char *name, uint32_t types);
MA_EXTERN(int) ma_static_zone_add_servfail(ma_static_zone *z, const char *name, uint32_t types);

/** Bit for a type in the types set of ma_static_zone_add_timeout(). */
#define MA_DNS_TYPE_BIT(t) (1u << ((unsigned)(t) & 31u))

/**
 * Load RFC 1035 master-file text (parsed with ldns): $ORIGIN, $TTL, relative
 * names, parentheses, backslash escapes (decimal and quoted characters).
 * Record types other than TXT, A, AAAA, MX, PTR and CNAME are accepted and
 * ignored.  Two test directives, on
 * lines of their own, are added: `$TIMEOUT <name> [<type>...]` and
 * `$SERVFAIL <name> [<type>...]` (names there are absolute).
 * TXT records join their character-strings (RFC 7208 3.3).
 * An entry (a line, or the lines of a parenthesised entry) longer than
 * 65000 characters is refused with MA_ELIMIT: ldns would cut it short.
 * On MA_ESYNTAX or that MA_ELIMIT the zone keeps what was added before the
 * bad line, and ma_static_zone_error() names the line and the problem.
 * @param origin default origin for relative names; NULL for the root.
 * @return MA_OK, MA_ESYNTAX, MA_ELIMIT (MA_LIMIT_ZONE_BYTES), MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_static_zone_load(ma_static_zone *z, const char *text, size_t len,
                                   const char *origin);

/** Load a master file from a path.  As ma_static_zone_load(), plus MA_EIO. */
MA_EXTERN(int) ma_static_zone_load_file(ma_static_zone *z, const char *path, const char *origin);

/** The last load error ("line 3: bad TTL"...), "" when none.  Borrowed. */
MA_EXTERN(const char *) ma_static_zone_error(const ma_static_zone *z);

/** A resolver answering from z (which it references).  @return MA_OK, MA_EINVAL, MA_ENOMEM. */
MA_EXTERN(int) ma_resolver_static_new(ma_resolver **out, ma_ctx *ctx, ma_static_zone *z);

/* -------------------------------------------------------- backend: cache */

/**
 * A caching resolver in front of another: answers are kept for their TTL
 * (capped by MA_LIMIT_CACHE_MAX_TTL; negative answers without a TTL for
 * MA_LIMIT_CACHE_NEGATIVE_TTL), at most MA_LIMIT_CACHE_ENTRIES of them,
 * least recently used dropped first.  TEMPFAIL answers are not kept.  The
 * clock is the context's.  Safe to share between threads when the inner
 * resolver is.  The cache does not own inner: free inner after the cache.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_resolver_cache_new(ma_resolver **out, ma_ctx *ctx, ma_resolver *inner);

/** Cache statistics, for tests and monitoring. */
typedef struct ma_cache_stats {
    uint64_t hits;
    uint64_t misses;
    uint64_t evictions;
    uint64_t entries;
} ma_cache_stats;

/** Read the statistics of a resolver made by ma_resolver_cache_new().  @return MA_OK, MA_EINVAL. */
MA_EXTERN(int) ma_resolver_cache_stats(ma_resolver *cache, ma_cache_stats *out);

/* ------------------------------------------------------------ lookup job */

/**
 * The simplest job: looks up a set of (name, type) questions, all at once.
 * It is what `mailauth dns` runs, and a model of the job protocol.
 */
MA_EXTERN(int) ma_lookup_job_new(ma_job **out, ma_ctx *ctx);

/**
 * Ask a question.  The name is normalized (IDNA, case; '_' allowed); asking
 * the same name and type again returns the same id.  Only before the first
 * ma_job_step().
 * @return MA_OK, MA_ESYNTAX (bad name), MA_ESTATE, MA_ELIMIT, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_lookup_job_add(ma_job *job, const char *name, ma_dns_type type, uint32_t *id_out);

/**
 * The answer to question id once the job is done.  Borrowed from the job.
 * @return MA_OK, MA_ESTATE (not done), MA_ENOTFOUND (no such id), MA_EINVAL.
 */
MA_EXTERN(int) ma_lookup_job_result(const ma_job *job, uint32_t id, const ma_dns_answer **out);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_DNS_H */
