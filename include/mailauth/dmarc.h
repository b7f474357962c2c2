/*
 * libmailauth: DMARC (RFC 9989, formerly DMARCbis; RFC 7489 as an option).
 *
 *     ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
 *     ma_dmarc_job_new(&job, ctx, &o);
 *     ma_dmarc_job_attach(job, msg);              (the author domain from From:)
 *     ma_dmarc_job_add_spf(job, spf_result, "bounces.example.com", MA_DMARC_SPF_MAILFROM);
 *     ma_dmarc_job_add_dkim(job, MA_DKIM_PASS, "example.com", 0);
 *     ma_job_run(job, resolver);
 *     ma_dmarc_job_result(job) ... ma_dmarc_job_disposition(job) ...
 *
 * The policy record and the organizational domains are found with DNS
 * questions the job asks: in RFC 9989 mode the DNS tree walk (section
 * 4.10, at most 8 queries per walk, all asked at once), in RFC 7489 mode
 * _dmarc at the author domain and at its organizational domain from the
 * Public Suffix List (libpsl's built-in list, or a list file: ma_psl_new).
 * SPF and DKIM results supplied by the caller may come from this library's
 * own jobs or from elsewhere; the verdict does not depend on the order in
 * which they are supplied.  Only an SPF result for the MAIL FROM identity
 * counts (for a null reverse-path: postmaster@HELO, RFC 7208 2.4); one
 * supplied for the HELO identity is refused (the CVE-2019-20790 class).
 */
#ifndef MAILAUTH_DMARC_H
#define MAILAUTH_DMARC_H

#include "common.h"
#include "dns.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

/** DMARC results (RFC 8601 2.7.5 result words). */
typedef enum ma_dmarc_result {
    MA_DMARC_NONE = 0,       /**< no policy record: DMARC does not apply */
    MA_DMARC_PASS = 1,
    MA_DMARC_FAIL = 2,       /**< also: the author domain cannot be determined safely */
    MA_DMARC_TEMPERROR = 3,  /**< a DNS lookup failed temporarily */
    MA_DMARC_PERMERROR = 4   /**< a malformed From field */
} ma_dmarc_result;

/** "none", "pass", "fail", "temperror", "permerror"; NULL if unknown. */
MA_EXTERN(const char *) ma_dmarc_result_name(int result);

/** Which specification a job follows. */
typedef enum ma_dmarc_mode {
    MA_DMARC_MODE_9989 = 0,  /**< RFC 9989 (DMARCbis): tree walk, np, psd, t */
    MA_DMARC_MODE_7489 = 1   /**< RFC 7489: Public Suffix List, pct */
} ma_dmarc_mode;

/** A Domain Owner Assessment Policy (p=, sp=, np=). */
typedef enum ma_dmarc_policy {
    MA_DMARC_POLICY_UNSET = 0,   /**< no policy applies */
    MA_DMARC_POLICY_NONE = 1,
    MA_DMARC_POLICY_QUARANTINE = 2,
    MA_DMARC_POLICY_REJECT = 3
} ma_dmarc_policy;

/** "none", "quarantine", "reject"; "" for UNSET; NULL if unknown. */
MA_EXTERN(const char *) ma_dmarc_policy_name(int policy);

/** Why the verdict is what it is.  Append-only. */
typedef enum ma_dmarc_reason {
    MA_DMARC_R_OK = 0,                /**< an identifier aligned: pass */
    MA_DMARC_R_NO_RECORD = 1,         /**< no policy record: none */
    MA_DMARC_R_NOT_ALIGNED = 2,       /**< nothing aligned: fail */
    MA_DMARC_R_DNS = 3,               /**< a policy lookup failed temporarily: temperror */
    MA_DMARC_R_FROM_NONE = 4,         /**< no From field: fail */
    MA_DMARC_R_FROM_MULTIPLE = 5,     /**< several From fields: fail */
    MA_DMARC_R_FROM_ADDRESSES = 6,    /**< not exactly one address in From (several, none, a group): fail */
    MA_DMARC_R_FROM_DOMAIN = 7,       /**< no usable domain in the From address: permerror */
    MA_DMARC_R_FROM_MALFORMED = 8,    /**< the From field does not parse: permerror */
    MA_DMARC_R_NO_AUTHOR = 9          /**< neither a message nor an author domain was given */
} ma_dmarc_reason;

/** A short name for a reason ("ok", "no-record"...); NULL if unknown. */
MA_EXTERN(const char *) ma_dmarc_reason_name(int reason);

/** What the receiver should do with the message (after pct / t=y and overrides). */
typedef enum ma_dmarc_disposition {
    MA_DMARC_DISP_NONE = 0,          /**< deliver */
    MA_DMARC_DISP_QUARANTINE = 1,
    MA_DMARC_DISP_REJECT = 2
} ma_dmarc_disposition;

/** "none", "quarantine", "reject"; NULL if unknown. */
MA_EXTERN(const char *) ma_dmarc_disposition_name(int disposition);

/** Why the disposition is milder than the policy (RFC 7489 appendix C PolicyOverrideType). */
typedef enum ma_dmarc_override {
    MA_DMARC_OVERRIDE_NONE = 0,
    MA_DMARC_OVERRIDE_SAMPLED_OUT = 1,       /**< pct= (RFC 7489) left this message out */
    MA_DMARC_OVERRIDE_TESTING = 2,           /**< t=y (RFC 9989): one level below the policy */
    MA_DMARC_OVERRIDE_TRUSTED_FORWARDER = 3  /**< an ARC chain sealed by a trusted forwarder passed */
} ma_dmarc_override;

/** "", "sampled_out", "testing", "trusted_forwarder"; NULL if unknown. */
MA_EXTERN(const char *) ma_dmarc_override_name(int override);

/** Which identity an SPF result is for. */
typedef enum ma_dmarc_spf_scope {
    MA_DMARC_SPF_MAILFROM = 0,
    MA_DMARC_SPF_HELO = 1
} ma_dmarc_spf_scope;

/**
 * Parse a DMARC record (mode: ma_dmarc_mode) and write its effective
 * values, every tag of the mode with defaults filled in ("v=DMARC1;
 * p=none; sp=none; np=none; adkim=r; aspf=r; t=n; psd=u; fo=0"...), into
 * *out (free with ma_free()).  *problem (may be NULL; free with ma_free())
 * gets what was refused, or the recovered issues ("p: ... at offset 12"),
 * or NULL when there is nothing to say.
 * @return MA_OK; MA_ESYNTAX (a refused record: *out is NULL, *problem says
 *         why); MA_EINVAL; MA_ENOMEM.
 */
MA_EXTERN(int) ma_dmarc_record_effective(char **out, char **problem, ma_ctx *ctx,
                                         const char *record, size_t len, int mode);

/* ----------------------------------------------------------- the PSL */

/** A Public Suffix List (for RFC 7489 mode). */
typedef struct ma_psl ma_psl;

/**
 * A Public Suffix List: libpsl's built-in list (path NULL), or a list file
 * in the publicsuffix.org format.  Immutable; may be shared by threads and
 * jobs.
 * @return MA_OK, MA_EINVAL, MA_EIO (the file cannot be read or parsed),
 *         MA_EUNSUPPORTED (libpsl has no built-in list), MA_ENOMEM.
 */
MA_EXTERN(int) ma_psl_new(ma_psl **out, ma_ctx *ctx, const char *path);

/** Free a list (after the jobs that use it).  NULL is a no-op. */
MA_EXTERN(void) ma_psl_free(ma_psl *psl);

/**
 * The organizational domain of domain by the list (RFC 7489 3.2: the
 * registrable domain), written lower-case into out (size bytes).
 * @return MA_OK, MA_EINVAL, MA_ENOTFOUND (domain is itself a public
 *         suffix, or not a valid name), MA_ELIMIT (out too small).
 */
MA_EXTERN(int) ma_psl_org_domain(const ma_psl *psl, const char *domain, char *out, size_t size);

/* -------------------------------------------------------------- the job */

/**
 * Where pct= sampling draws from (RFC 7489 6.6.4): returns a number from
 * 0 to 99; the message is subject to the policy when it is below pct.
 */
typedef unsigned int (*ma_dmarc_sample_fn)(void *payload);

/** Version of ma_dmarc_opts understood by this library. */
#define MA_DMARC_OPTS_VERSION 1

/** Options of a DMARC evaluation; zero fields take the documented default. */
typedef struct ma_dmarc_opts {
    unsigned int version;          /**< MA_DMARC_OPTS_VERSION */
    int mode;                      /**< ma_dmarc_mode (default RFC 9989) */
    const ma_psl *psl;             /**< RFC 7489 mode: the list (NULL: libpsl's built-in list) */
    ma_dmarc_sample_fn sample;     /**< RFC 7489 pct= sampling (NULL: a random draw) */
    void *sample_payload;
} ma_dmarc_opts;

/** Initialiser for a ma_dmarc_opts. */
#define MA_DMARC_OPTS_INIT { MA_DMARC_OPTS_VERSION, MA_DMARC_MODE_9989, NULL, NULL, NULL }

/**
 * Reset opts to the defaults.
 * @return MA_OK, MA_EINVAL, MA_EVERSION.
 */
MA_EXTERN(int) ma_dmarc_opts_init(ma_dmarc_opts *opts, unsigned int version);

/**
 * A DMARC job (free with ma_job_free()).  opts may be NULL for the
 * defaults; it is copied (a PSL it names must outlive the job).
 * @return MA_OK, MA_EINVAL, MA_EVERSION, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dmarc_job_new(ma_job **out, ma_ctx *ctx, const ma_dmarc_opts *opts);

/**
 * Take the author domain from msg's From field (RFC 7489 6.6.1): the job
 * registers a header hook, so call it before the header is complete.  msg
 * must outlive the job's use of it.
 * @return MA_OK, MA_EINVAL, MA_ESTATE (an author is already set, or the
 *         header is complete), MA_ELIMIT.
 */
MA_EXTERN(int) ma_dmarc_job_attach(ma_job *job, ma_msg *msg);

/**
 * Give the author domain directly instead (a caller that parsed From
 * itself).  It is normalized (lower case, A-labels).
 * @return MA_OK, MA_EINVAL (not a valid domain name), MA_ESTATE, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dmarc_job_set_author(ma_job *job, const char *domain);

/**
 * Supply the SPF result (at most one; before the job is stepped).  domain
 * is the domain SPF checked: of MAIL FROM, or of the HELO name for a null
 * reverse-path (then still MA_DMARC_SPF_MAILFROM scope).  A result with
 * scope MA_DMARC_SPF_HELO is recorded but never aligns.
 * @return MA_OK, MA_EINVAL, MA_ESTATE (a second SPF result, or the job started).
 */
MA_EXTERN(int) ma_dmarc_job_add_spf(ma_job *job, int spf_result, const char *domain, int scope);

/**
 * Supply one DKIM verdict (ma_dkim_result and d=; at most 32; before the
 * job is stepped).  unsigned_extra: the signature left an instance of a
 * field it signs unsigned (ma_dkim_job_unsigned_extra): such a signature
 * never aligns.
 * @return MA_OK, MA_EINVAL, MA_ESTATE, MA_ELIMIT.
 */
MA_EXTERN(int) ma_dmarc_job_add_dkim(ma_job *job, int dkim_result, const char *domain,
                                     int unsigned_extra);

/**
 * Supply every verdict of a finished DKIM verification job (this
 * library's ma_dkim_job_*): result, d=, s= and the unsigned-extra flag of
 * each signature with a readable d=, passes first; what does not fit in
 * the job's 32 verdicts is left out (only a pass can align).
 * @return as ma_dmarc_job_add_dkim() but never MA_ELIMIT (MA_EINVAL also when
 *         dkim is not a DKIM verification job); MA_ESTATE when
 *         dkim is not done.
 */
MA_EXTERN(int) ma_dmarc_job_add_dkim_job(ma_job *job, const ma_job *dkim);

/**
 * Supply an ARC verdict for the trusted-forwarder override: arc_pass is 1
 * when the chain validated, sealer the d= of its newest ARC-Seal, and
 * trusted the domains whose seals this receiver trusts (compared
 * case-insensitively).  When DMARC fails, the chain passed and the sealer
 * is trusted, the disposition becomes none with override
 * MA_DMARC_OVERRIDE_TRUSTED_FORWARDER; the result stays fail.
 * @return MA_OK, MA_EINVAL (also a passing chain without a sealer), MA_ESTATE.
 */
MA_EXTERN(int) ma_dmarc_job_set_arc(ma_job *job, int arc_pass, const char *sealer,
                                    const char *const *trusted, size_t ntrusted);

/** The verdict (MA_DMARC_NONE until the job is done). */
MA_EXTERN(ma_dmarc_result) ma_dmarc_job_result(const ma_job *job);

/** Why. */
MA_EXTERN(ma_dmarc_reason) ma_dmarc_job_reason(const ma_job *job);

/** A sentence on what was found, or "".  Borrowed. */
MA_EXTERN(const char *) ma_dmarc_job_problem(const ma_job *job);

/** The author domain (RFC5322.From), or "".  Borrowed. */
MA_EXTERN(const char *) ma_dmarc_job_author_domain(const ma_job *job);

/** The domain whose record applies (the author's, its organizational or public suffix domain), or "". */
MA_EXTERN(const char *) ma_dmarc_job_policy_domain(const ma_job *job);

/** The author domain's organizational domain, or "" when it was not needed. */
MA_EXTERN(const char *) ma_dmarc_job_org_domain(const ma_job *job);

/** The policy that applies to the author domain (p, sp or np of the record). */
MA_EXTERN(ma_dmarc_policy) ma_dmarc_job_policy(const ma_job *job);

/** Which tag it came from: "p", "sp", "np", or "" when none applies. */
MA_EXTERN(const char *) ma_dmarc_job_policy_tag(const ma_job *job);

/**
 * What to do with the message.  When the From field gives no single author
 * domain (none, several fields, several addresses, malformed) it is
 * MA_DMARC_DISP_REJECT: RFC 7489 6.6.1 says such messages are typically
 * rejected, and no policy can be looked up for them.
 */
MA_EXTERN(ma_dmarc_disposition) ma_dmarc_job_disposition(const ma_job *job);

/** Why the disposition is milder than the policy, if it is. */
MA_EXTERN(ma_dmarc_override) ma_dmarc_job_override(const ma_job *job);

/** The SPF domain that aligned, or "".  Borrowed. */
MA_EXTERN(const char *) ma_dmarc_job_spf_aligned(const ma_job *job);

/** The DKIM d= that aligned (the first), or "".  Borrowed. */
MA_EXTERN(const char *) ma_dmarc_job_dkim_aligned(const ma_job *job);

/**
 * The Authentication-Results resinfo for this verdict, e.g.
 * "dmarc=fail (p=reject dis=quarantine) header.from=example.com
 * policy.dmarc=reject".  Free with ma_free().
 * @return MA_OK, MA_EINVAL, MA_ESTATE (not done), MA_ENOMEM.
 */
MA_EXTERN(int) ma_dmarc_job_authres(const ma_job *job, char **out);

/**
 * The aggregate-report <record> element for this message (the DMARC
 * aggregate reporting XSD, version 0.2: row with source_ip, count 1 and
 * policy_evaluated; identifiers; auth_results), one line without
 * whitespace.  source_ip is the SMTP client's address.  Free with
 * ma_free().
 * @return MA_OK, MA_EINVAL (also an invalid address), MA_ESTATE (not done),
 *         MA_ENOMEM.
 */
MA_EXTERN(int) ma_dmarc_job_report_row(const ma_job *job, const char *source_ip, char **out);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_DMARC_H */
