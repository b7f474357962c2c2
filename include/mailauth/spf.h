/*
 * libmailauth: SPF (RFC 7208) check_host() as a sans-I/O job.
 *
 *     ma_spf_params p = MA_SPF_PARAMS_INIT;
 *     ma_ip_parse(&p.ip, "192.0.2.1", 9);
 *     p.sender = "user@example.com";
 *     p.helo = "mail.example.com";
 *     ma_spf_job_new(&job, ctx, &p);
 *     ma_job_run(job, resolver);           (or step / questions / answer)
 *     ma_spf_job_result(job) == MA_SPF_PASS ...
 *
 * The limits of RFC 7208 4.6.4 are context limits: MA_LIMIT_SPF_DNS_TERMS
 * (10), MA_LIMIT_SPF_VOID_LOOKUPS (2), MA_LIMIT_SPF_MX_NAMES (10),
 * MA_LIMIT_SPF_PTR_NAMES (10), MA_LIMIT_SPF_TIME_MS (20000, read on the
 * context clock) and MA_LIMIT_SPF_MACRO_BYTES (output of one expansion).
 */
#ifndef MAILAUTH_SPF_H
#define MAILAUTH_SPF_H

#include "common.h"
#include "addr.h"
#include "dns.h"

#ifdef __cplusplus
extern "C" {
#endif

/** SPF results (RFC 7208 2.6). */
typedef enum ma_spf_result {
    MA_SPF_NONE = 0,
    MA_SPF_NEUTRAL = 1,
    MA_SPF_PASS = 2,
    MA_SPF_FAIL = 3,
    MA_SPF_SOFTFAIL = 4,
    MA_SPF_TEMPERROR = 5,
    MA_SPF_PERMERROR = 6
} ma_spf_result;

/** "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"; NULL if unknown. */
MA_EXTERN(const char *) ma_spf_result_name(int result);

/** Whether a result is temporary (temperror): try again later.  Returns 1 or 0. */
MA_EXTERN(int) ma_spf_result_is_temp(int result);

/** Version of ma_spf_params understood by this library. */
#define MA_SPF_PARAMS_VERSION 1

/** Flags of ma_spf_params. */
typedef enum ma_spf_flags {
    /** Check the HELO identity even when a sender is given (RFC 7208 2.3). */
    MA_SPF_CHECK_HELO = 1u << 0
} ma_spf_flags;

/**
 * The inputs of one SPF check.  Strings are copied by ma_spf_job_new().
 * Zero/NULL fields take the documented default.
 */
typedef struct ma_spf_params {
    unsigned int version;      /**< MA_SPF_PARAMS_VERSION */
    ma_ip ip;                  /**< the SMTP client's address (required) */
    const char *helo;          /**< HELO/EHLO name; may be NULL */
    const char *sender;        /**< MAIL FROM address; NULL or "" is the null reverse-path:
                                    the HELO identity is checked (as postmaster@helo) */
    const char *receiver;      /**< the receiving host, for %{r} (default "unknown") */
    unsigned int flags;        /**< ma_spf_flags */
    const char *default_explanation; /**< explanation for fail when the domain gives none
                                    (macro-string; default: none, the explanation is empty) */
    const char *local_policy;  /**< SPF terms tried before a final "all" or after the last
                                    mechanism when none matched, as libspf2's local policy
                                    (default: none) */
    const char *best_guess;    /**< record assumed for domains without SPF, e.g.
                                    "v=spf1 a/24 mx/24 ptr ?all" (default: none) */
} ma_spf_params;

/** Static initialiser for ma_spf_params. */
#define MA_SPF_PARAMS_INIT { MA_SPF_PARAMS_VERSION, { 0, { 0 } }, 0, 0, 0, 0, 0, 0, 0 }

/** Initialise params to the defaults.  @return MA_OK, MA_EINVAL, MA_EVERSION. */
MA_EXTERN(int) ma_spf_params_init(ma_spf_params *params, unsigned int version);

/**
 * Create an SPF check (a job: drive it with ma_job_step() or ma_job_run(),
 * free it with ma_job_free()).  The identity checked is the sender's domain,
 * or the HELO name for a null sender or with MA_SPF_CHECK_HELO.
 * @return MA_OK, MA_EINVAL (NULL, bad family, neither sender nor HELO, a
 *         local_policy that does not parse as SPF terms), MA_EVERSION,
 *         MA_ENOMEM.  (A best_guess record that does not parse gives a
 *         permerror result when it is used.)
 */
MA_EXTERN(int) ma_spf_job_new(ma_job **out, ma_ctx *ctx, const ma_spf_params *params);

/** The result once the job is done (MA_SPF_NONE before). */
MA_EXTERN(ma_spf_result) ma_spf_job_result(const ma_job *job);

/**
 * The explanation for a fail result (RFC 7208 6.2): the expanded exp= text,
 * or the expanded default explanation; "" otherwise.  Printable US-ASCII
 * only, as 6.2 requires of text meant for the SMTP reply: any other byte
 * (one a macro copied from MAIL FROM or HELO) is written '?'.  Borrowed.
 */
MA_EXTERN(const char *) ma_spf_job_explanation(const ma_job *job);

/**
 * The term that decided the result ("-all", "ip4:192.0.2.0/24", "default"
 * when no mechanism matched), or the term at fault for a permerror.  "" if
 * none.  Borrowed.
 */
MA_EXTERN(const char *) ma_spf_job_mechanism(const ma_job *job);

/** The domain whose record gave the result (after include/redirect); borrowed. */
MA_EXTERN(const char *) ma_spf_job_domain(const ma_job *job);

/** The identity checked: "mailfrom" or "helo". */
MA_EXTERN(const char *) ma_spf_job_identity(const ma_job *job);

/**
 * Why a permerror or temperror happened, e.g. "example.com: unknown
 * mechanism 'foo' at offset 7", "" otherwise.  Borrowed.
 */
MA_EXTERN(const char *) ma_spf_job_problem(const ma_job *job);

/** DNS-querying terms evaluated (include, a, mx, ptr, exists, redirect). */
MA_EXTERN(unsigned int) ma_spf_job_lookups(const ma_job *job);

/** Void lookups counted (NXDOMAIN or no answer; RFC 7208 4.6.4). */
MA_EXTERN(unsigned int) ma_spf_job_void_lookups(const ma_job *job);

/**
 * The Received-SPF header field (RFC 7208 9.1) for the finished check,
 * without the trailing CRLF, e.g. "Received-SPF: pass (mx.example.org:
 * domain of user@example.com designates 192.0.2.1 as permitted sender)
 * client-ip=192.0.2.1; envelope-from=\"user@example.com\"; helo=...;".
 * Formatted on request only.
 * @param out receives a NUL-terminated string; free with ma_free(ctx, *out).
 * @return MA_OK, MA_ESTATE (not done), MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_spf_received_spf(char **out, const ma_job *job);

/**
 * The Authentication-Results resinfo for the check (RFC 8601 2.7.2):
 * "spf=pass smtp.mailfrom=user@example.com" or "spf=none
 * smtp.helo=mail.example" (the identity checked, as given).
 * @return as ma_spf_received_spf().
 */
MA_EXTERN(int) ma_spf_authres(char **out, const ma_job *job);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_SPF_H */
