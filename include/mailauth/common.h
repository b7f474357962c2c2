/*
 * libmailauth: common definitions.
 *
 * Export macros, status codes, the library context (allocator, clock, log
 * callback and named limits) and library-wide memory helpers.
 *
 * Conventions used throughout the API:
 * - Fallible functions return an int that is a value of ma_status: MA_OK (0)
 *   on success, a negative code on failure.  Codes are never renumbered.
 * - Constructors are ma_x_new(&out, ctx, ...); the object belongs to the
 *   caller and is released with ma_x_free(), which accepts NULL.
 * - Getters return borrowed pointers that stay valid until their owner is
 *   changed or freed.
 * - Strings handed out by the library for the caller to keep are released
 *   with ma_free(ctx, ptr).
 * - The library never prints, never exits and keeps no global mutable state.
 */
#ifndef MAILAUTH_COMMON_H
#define MAILAUTH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ export */

/** Marks a public function.  Define MA_STATIC when linking the static library
 *  on Windows. */
#if defined(_WIN32) && !defined(MA_STATIC)
# ifdef MA_BUILDING
#  define MA_EXTERN(type) __declspec(dllexport) type
# else
#  define MA_EXTERN(type) __declspec(dllimport) type
# endif
#elif defined(__GNUC__) && !defined(MA_STATIC)
# define MA_EXTERN(type) __attribute__((visibility("default"))) type
#else
# define MA_EXTERN(type) type
#endif

/** Warns when the result of a verification-like call is ignored. */
#if defined(__GNUC__)
# define MA_WARN_UNUSED __attribute__((warn_unused_result))
#else
# define MA_WARN_UNUSED
#endif

/** Marks a function deprecated in favour of another one. */
#if defined(__GNUC__)
# define MA_DEPRECATED_FOR(fn) __attribute__((deprecated("use " #fn)))
#else
# define MA_DEPRECATED_FOR(fn)
#endif

/* ------------------------------------------------------------------ status */

/**
 * API status codes.  Append-only: values are never renumbered or reused.
 * Authentication verdicts (SPF fail, DKIM permerror...) are not statuses:
 * they are results with their own enums.
 */
typedef enum ma_status {
    MA_OK = 0,             /**< success */
    MA_ENOMEM = -1,        /**< an allocation failed */
    MA_EINVAL = -2,        /**< invalid argument (NULL where not allowed, bad enum value) */
    MA_ESTATE = -3,        /**< call not valid in the object's current state */
    MA_ELIMIT = -4,        /**< a named limit (ma_limit) was exceeded */
    MA_EVERSION = -5,      /**< unknown version in an options or ops struct */
    MA_ESYNTAX = -6,       /**< malformed input (details from the object's error text) */
    MA_ENOTFOUND = -7,     /**< the requested item does not exist */
    MA_EIO = -8,           /**< input/output or network error */
    MA_EUNSUPPORTED = -9,  /**< valid but unsupported input or feature */
    MA_EINTERNAL = -10     /**< a dependency failed unexpectedly */
} ma_status;

/** One past the most negative status; for range checks in bindings. */
#define MA_STATUS_MIN (-10)

/**
 * The English text for a status code ("out of memory"...).  Never NULL: an
 * unknown code gives "unknown status".  The string is static.
 */
MA_EXTERN(const char *) ma_status_str(int status);

/**
 * The symbolic name of a status code ("MA_ENOMEM"...), or NULL when the code
 * is unknown.  The string is static.
 */
MA_EXTERN(const char *) ma_status_name(int status);

/* ----------------------------------------------------------------- version */

/** The library's version string at run time ("MAJOR.MINOR.PATCH"). */
MA_EXTERN(const char *) ma_version(void);

/** The library's version at run time as 0xMMmmpp (see MA_VERSION_NUMBER). */
MA_EXTERN(unsigned long) ma_version_number(void);

/* ----------------------------------------------------------------- context */

/** The library context: allocator, clock, log callback and limits. */
typedef struct ma_ctx ma_ctx;

/** Allocator hooks.  All three must be set, or all NULL for the C library's. */
typedef void *(*ma_malloc_fn)(size_t size, void *payload);
typedef void *(*ma_realloc_fn)(void *ptr, size_t size, void *payload);
typedef void (*ma_free_fn)(void *ptr, void *payload);

/**
 * Clock: the current time in milliseconds since the Unix epoch (UTC).
 * Evaluators read it for time budgets, signature timestamps and cache TTLs;
 * tests inject a fixed clock.  Must be safe to call from any thread that
 * uses the context.
 */
typedef int64_t (*ma_clock_fn)(void *payload);

/** Log levels of the optional log callback. */
typedef enum ma_log_level {
    MA_LOG_ERROR = 0,
    MA_LOG_WARNING = 1,
    MA_LOG_INFO = 2,
    MA_LOG_DEBUG = 3
} ma_log_level;

/**
 * Log callback.  msg is NUL-terminated and only valid during the call.  It
 * may be called from any thread that uses the context.
 */
typedef void (*ma_log_fn)(ma_log_level level, const char *msg, void *payload);

/** Version of ma_ctx_opts understood by this library. */
#define MA_CTX_OPTS_VERSION 1

/**
 * Options for ma_ctx_new().  Zero (NULL) fields mean the documented default.
 * Initialise with MA_CTX_OPTS_INIT or ma_ctx_opts_init().
 */
typedef struct ma_ctx_opts {
    unsigned int version;          /**< MA_CTX_OPTS_VERSION */
    ma_malloc_fn malloc_fn;        /**< default: malloc() */
    ma_realloc_fn realloc_fn;      /**< default: realloc() */
    ma_free_fn free_fn;            /**< default: free() */
    void *alloc_payload;           /**< passed to the allocator hooks */
    ma_clock_fn clock_fn;          /**< default: the system clock */
    void *clock_payload;           /**< passed to clock_fn */
    ma_log_fn log_fn;              /**< default: no logging */
    void *log_payload;             /**< passed to log_fn */
    ma_log_level log_level;        /**< highest level passed to log_fn (default MA_LOG_ERROR) */
} ma_ctx_opts;

/** Static initialiser for ma_ctx_opts. */
#define MA_CTX_OPTS_INIT { MA_CTX_OPTS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, MA_LOG_ERROR }

/**
 * Initialise opts to the defaults for the given version.
 * @return MA_OK, MA_EINVAL when opts is NULL, MA_EVERSION for an unknown version.
 */
MA_EXTERN(int) ma_ctx_opts_init(ma_ctx_opts *opts, unsigned int version);

/**
 * Create a context.  opts may be NULL for all defaults.
 *
 * A context is set up with ma_ctx_set_limit() right after creation; from
 * then on it is only read, so it may be shared by any number of threads.  It
 * must outlive every object created from it.
 *
 * @param out receives the context; the caller frees it with ma_ctx_free().
 * @return MA_OK, MA_EINVAL (NULL out, or only some allocator hooks set),
 *         MA_EVERSION (unknown opts->version), MA_ENOMEM.
 */
MA_EXTERN(int) ma_ctx_new(ma_ctx **out, const ma_ctx_opts *opts);

/** Free a context.  NULL is a no-op. */
MA_EXTERN(void) ma_ctx_free(ma_ctx *ctx);

/**
 * The named limits.  Every bound the library enforces on hostile input is
 * one of these; each has a documented default and may be changed with
 * ma_ctx_set_limit().  Append-only.
 */
typedef enum ma_limit {
    /** Bytes of message header kept by the message reader (default 1 MiB). */
    MA_LIMIT_HEADER_BYTES = 0,
    /** Header fields kept by the message reader (default 1000). */
    MA_LIMIT_HEADER_FIELDS = 1,
    /** Bytes of one header field, folding included (default 64 KiB). */
    MA_LIMIT_HEADER_FIELD_BYTES = 2,
    /** Tags in one tag=value list (default 64). */
    MA_LIMIT_TAGS = 3,
    /** Distinct DNS questions one job may ask (default 512). */
    MA_LIMIT_JOB_QUESTIONS = 4,
    /** CNAME links a resolver backend follows (default 8). */
    MA_LIMIT_CNAME_CHAIN = 5,
    /** Records kept from one DNS answer (default 256). */
    MA_LIMIT_DNS_RECORDS = 6,
    /** Bytes of one TXT record after joining its strings (default 65535). */
    MA_LIMIT_TXT_BYTES = 7,
    /** Entries held by a caching resolver (default 10000). */
    MA_LIMIT_CACHE_ENTRIES = 8,
    /** Longest TTL a cache honours, seconds (default 86400). */
    MA_LIMIT_CACHE_MAX_TTL = 9,
    /** TTL for negative answers when the answer carries none, seconds (default 300). */
    MA_LIMIT_CACHE_NEGATIVE_TTL = 10,
    /** Bytes of zone text the static resolver loads (default 64 MiB). */
    MA_LIMIT_ZONE_BYTES = 11,
    /** SPF terms that query DNS (include, a, mx, ptr, exists, redirect); RFC 7208 4.6.4 (default 10). */
    MA_LIMIT_SPF_DNS_TERMS = 12,
    /** SPF void lookups (NXDOMAIN or no answer); RFC 7208 4.6.4 (default 2). */
    MA_LIMIT_SPF_VOID_LOOKUPS = 13,
    /** MX names one SPF mx mechanism may have; more is a permerror (default 10). */
    MA_LIMIT_SPF_MX_NAMES = 14,
    /** PTR names one SPF ptr mechanism or %{p} looks at; the rest are ignored (default 10). */
    MA_LIMIT_SPF_PTR_NAMES = 15,
    /** Milliseconds one SPF check may take on the context clock; then temperror (default 20000). */
    MA_LIMIT_SPF_TIME_MS = 16,
    /** Bytes one SPF macro expansion may produce (default 8192). */
    MA_LIMIT_SPF_MACRO_BYTES = 17,
    /** DKIM-Signature fields verified per message; the rest are reported, not checked (default 10). */
    MA_LIMIT_DKIM_SIGNATURES = 18,
    /** Largest RSA key accepted for DKIM, bits (default 8192). */
    MA_LIMIT_DKIM_RSA_MAX_BITS = 19,
    /** Seconds a DKIM t= may lie in the future before the signature is refused (default 300). */
    MA_LIMIT_DKIM_CLOCK_SKEW = 20,
    /** Base64 characters of a DKIM key record's p= (default 2048). */
    MA_LIMIT_DKIM_KEY_CHARS = 21,
    /** Terms (mechanisms and modifiers) of one SPF record (default 512). */
    MA_LIMIT_SPF_TERMS = 22,
    /** Results in one Authentication-Results field (default 64). */
    MA_LIMIT_AUTHRES_RESULTS = 23,
    /** Properties of one Authentication-Results result (default 32). */
    MA_LIMIT_AUTHRES_PROPS = 24,
    /** Bytes of one Authentication-Results value or keyword (default 512). */
    MA_LIMIT_AUTHRES_VALUE_BYTES = 25,
    /** PTR names iprev and the HELO checks look up (RFC 8601 3; default 10). */
    MA_LIMIT_IPREV_NAMES = 26,
    /** URIs kept from one DMARC rua= or ruf= list; the rest are dropped (default 8). */
    MA_LIMIT_DMARC_URIS = 27
} ma_limit;

/** Number of limits defined by this version of the library. */
#define MA_LIMIT_COUNT 28

/**
 * Set a limit.  Call during setup only, before the context is shared.
 * @return MA_OK, MA_EINVAL (NULL ctx, unknown limit, or value 0).
 */
MA_EXTERN(int) ma_ctx_set_limit(ma_ctx *ctx, ma_limit which, uint64_t value);

/** The current value of a limit, or 0 for an unknown limit or NULL ctx. */
MA_EXTERN(uint64_t) ma_ctx_limit(const ma_ctx *ctx, ma_limit which);

/** The default value of a limit, or 0 for an unknown limit. */
MA_EXTERN(uint64_t) ma_limit_default(ma_limit which);

/** The name of a limit ("header_bytes"...), or NULL for an unknown one. */
MA_EXTERN(const char *) ma_limit_name(ma_limit which);

/** The context's clock, in milliseconds since the Unix epoch. */
MA_EXTERN(int64_t) ma_ctx_now_ms(const ma_ctx *ctx);

/* ------------------------------------------------------------------ memory */

/** Allocate through the context's allocator; NULL on failure or size 0. */
MA_EXTERN(void *) ma_malloc(const ma_ctx *ctx, size_t size);

/** Free memory the library handed to the caller (strings, buffers).  NULL is a no-op. */
MA_EXTERN(void) ma_free(const ma_ctx *ctx, void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_COMMON_H */
