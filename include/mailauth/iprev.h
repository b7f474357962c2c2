/*
 * libmailauth: iprev (RFC 8601 3, forward-confirmed reverse DNS) and the
 * HELO/EHLO name checks, as one sans-I/O job.
 *
 *     ma_iprev_params p = MA_IPREV_PARAMS_INIT;
 *     ma_ip_parse(&p.ip, "192.0.2.1", 9);
 *     p.helo = "mail.example.com";                (optional)
 *     ma_iprev_job_new(&job, ctx, &p);
 *     ma_job_run(job, resolver);                  (or step / questions / answer)
 *     ma_iprev_job_result(job) == MA_IPREV_PASS ...
 *     ma_iprev_job_helo(job, MA_HELO_RESOLVES) == MA_HELO_PASS ...
 *
 * The first round of questions is the PTR question for the client's
 * reverse name (in-addr.arpa, nibble ip6.arpa; an IPv4-mapped IPv6 client
 * is the IPv4 client it carries) and, when a HELO name is given, the A (or
 * AAAA, the client's family) question for it.  The second round asks A
 * (or AAAA) for every usable PTR name, all at once, at most
 * MA_LIMIT_IPREV_NAMES of them (RFC 8601 3: the number of names evaluated
 * MUST be limited; the rest are ignored and the problem text says so).
 * PTR names that are not host names (empty labels, spaces, escapes, '_',
 * an all-numeric top label, a single label, over 253 octets) are skipped.
 *
 * Results (RFC 8601 2.7.3):
 * - pass: some forward answer holds the client address;
 * - fail: no forward answer holds it, and none failed temporarily;
 * - temperror: the PTR lookup failed (SERVFAIL, timeout, a malformed or
 *   refused answer), or no forward answer holds the address and one
 *   forward lookup failed;
 * - permerror: no PTR data (NXDOMAIN, NODATA, or only unusable names).
 */
#ifndef MAILAUTH_IPREV_H
#define MAILAUTH_IPREV_H

#include "common.h"
#include "addr.h"
#include "dns.h"
#include "dmarc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** iprev results (RFC 8601 2.7.3 result words). */
typedef enum ma_iprev_result {
    MA_IPREV_NONE = 0,       /**< not evaluated (the job is not done) */
    MA_IPREV_PASS = 1,
    MA_IPREV_FAIL = 2,
    MA_IPREV_TEMPERROR = 3,
    MA_IPREV_PERMERROR = 4
} ma_iprev_result;

/** "none", "pass", "fail", "temperror", "permerror"; NULL if unknown. */
MA_EXTERN(const char *) ma_iprev_result_name(int result);

/** The HELO checks, each with its own verdict (ma_iprev_job_helo()). */
typedef enum ma_helo_check {
    /**
     * The HELO is an RFC 5321 Domain that is a fully qualified host name
     * (at least two labels of letters, digits and inner hyphens, 1 to 63
     * octets each, at most 253 octets, the top label not all digits, no
     * trailing dot), or an address literal ("[192.0.2.1]",
     * "[IPv6:2001:db8::1]"; RFC 5321 4.1.3).
     */
    MA_HELO_SYNTAX = 0,
    /**
     * An address literal equals the client address; or a host name
     * (a trailing dot allowed) has an A (IPv4 client) or AAAA (IPv6
     * client) record holding the client address.  NXDOMAIN, NODATA or
     * other addresses fail; a failed lookup is temperror; a HELO that is
     * neither fails without a lookup.
     */
    MA_HELO_RESOLVES = 1,
    /**
     * The HELO name equals a verified (forward-confirmed) PTR name,
     * ASCII case-insensitively, a trailing dot ignored, or (unless
     * MA_IPREV_HELO_EXACT) has the same organizational domain as one
     * (ma_psl_org_domain()).  Fails when none does, when iprev did not
     * pass, or for an address literal; temperror when iprev is temperror.
     */
    MA_HELO_MATCHES_RDNS = 2
} ma_helo_check;

/** Number of HELO checks (for loops over ma_helo_check). */
#define MA_HELO_CHECK_COUNT 3

/** The verdict of one HELO check. */
typedef enum ma_helo_result {
    MA_HELO_NONE = 0,        /**< not checked (no HELO given, or the job is not done) */
    MA_HELO_PASS = 1,
    MA_HELO_FAIL = 2,
    MA_HELO_TEMPERROR = 3
} ma_helo_result;

/** "syntax", "resolves", "matches-rdns"; NULL if unknown. */
MA_EXTERN(const char *) ma_helo_check_name(int which);

/** "none", "pass", "fail", "temperror"; NULL if unknown. */
MA_EXTERN(const char *) ma_helo_result_name(int result);

/** Version of ma_iprev_params understood by this library. */
#define MA_IPREV_PARAMS_VERSION 1

/** Flags of ma_iprev_params. */
typedef enum ma_iprev_flags {
    /** MA_HELO_MATCHES_RDNS: exact name matches only, no organizational domain. */
    MA_IPREV_HELO_EXACT = 1u << 0
} ma_iprev_flags;

/**
 * The inputs of one iprev evaluation.  Strings are copied by
 * ma_iprev_job_new(); zero/NULL fields take the documented default.
 */
typedef struct ma_iprev_params {
    unsigned int version;      /**< MA_IPREV_PARAMS_VERSION */
    ma_ip ip;                  /**< the SMTP client's address (required) */
    const char *helo;          /**< HELO/EHLO argument as received; NULL or "": no HELO checks.
                                    Any bytes are accepted (control characters, non-ASCII,
                                    any length fail the checks); at most 300 are read. */
    const ma_psl *psl;         /**< for organizational domains; NULL: libpsl's built-in list.
                                    Must outlive the job. */
    unsigned int flags;        /**< ma_iprev_flags */
} ma_iprev_params;

/** Static initialiser for ma_iprev_params. */
#define MA_IPREV_PARAMS_INIT { MA_IPREV_PARAMS_VERSION, { 0, { 0 } }, 0, 0, 0 }

/** Initialise params to the defaults.  @return MA_OK, MA_EINVAL, MA_EVERSION. */
MA_EXTERN(int) ma_iprev_params_init(ma_iprev_params *params, unsigned int version);

/**
 * Create an iprev evaluation with the HELO checks (a job: drive it with
 * ma_job_step() or ma_job_run(), free it with ma_job_free()).
 * @param out receives the job (NULL on error).
 * @return MA_OK, MA_EINVAL (NULL out, ctx or params, an address family
 *         other than MA_IP_V4/MA_IP_V6, unknown flags), MA_EVERSION,
 *         MA_ENOMEM.
 */
MA_EXTERN(int) ma_iprev_job_new(ma_job **out, ma_ctx *ctx, const ma_iprev_params *params);

/** The result once the job is done; MA_IPREV_NONE before (or for another kind of job). */
MA_EXTERN(ma_iprev_result) ma_iprev_job_result(const ma_job *job);

/**
 * The number of verified names: PTR names whose forward answer holds the
 * client address (0 until the job is done).
 */
MA_EXTERN(size_t) ma_iprev_job_name_count(const ma_job *job);

/**
 * Verified name i (in PTR answer order, duplicates removed), lower case,
 * without trailing dot; NULL when i is out of range.  Borrowed from the job.
 */
MA_EXTERN(const char *) ma_iprev_job_name(const ma_job *job, size_t i);

/**
 * Why the result is fail, temperror or permerror, and what was left out
 * (names skipped or beyond the limit), e.g. "no PTR record for
 * 1.2.0.192.in-addr.arpa (nxdomain)"; "" when there is nothing to say.
 * Borrowed.
 */
MA_EXTERN(const char *) ma_iprev_job_problem(const ma_job *job);

/**
 * The verdict of one HELO check (a ma_helo_result): MA_HELO_NONE when no
 * HELO was given or the job is not done.
 * @return a ma_helo_result, or MA_EINVAL (NULL or another kind of job,
 *         unknown check).
 */
MA_EXTERN(int) ma_iprev_job_helo(const ma_job *job, int which);

/**
 * The Authentication-Results resinfo for the finished evaluation
 * (RFC 8601 2.7.3, appendix B.4): "iprev=pass policy.iprev=192.0.2.1".
 * The value is the client address as evaluated (an IPv4-mapped address as
 * IPv4); an IPv6 address is written as a quoted-string, since ':' may not
 * stand in an RFC 2045 token: policy.iprev="2001:db8::1".
 * @param out receives a NUL-terminated string; free with ma_free(ctx, *out).
 * @return MA_OK, MA_EINVAL, MA_ESTATE (not done), MA_ENOMEM.
 */
MA_EXTERN(int) ma_iprev_authres(char **out, const ma_job *job);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_IPREV_H */
