/*
 * libmailauth: DKIM (RFC 6376, RFC 8301, RFC 8463) verification.
 *
 *     ma_dkim_verify_opts o = MA_DKIM_VERIFY_OPTS_INIT;
 *     ma_msg_new(&msg, ctx);
 *     ma_dkim_job_new(&job, ctx, &o);
 *     ma_dkim_job_attach(job, msg);        (before the message is written)
 *     ma_msg_write(msg, ...) ...; ma_msg_finish(msg);
 *     ma_job_run(job, resolver);           (or step / questions / answer)
 *     for (i = 0; i < ma_dkim_job_count(job); i++)
 *         ma_dkim_job_result(job, i) ...
 *
 * The key questions are asked as soon as the header is complete, so an
 * event loop can resolve them while the body streams in; stepping the job
 * before the message is complete returns MA_JOB_NEED_INPUT once every
 * question is answered.  The body is hashed as it arrives, once per
 * distinct (canonicalisation, l=, hash) combination, and never kept.
 *
 * Limits: MA_LIMIT_DKIM_SIGNATURES (fields verified; the rest get
 * MA_DKIM_NEUTRAL / MA_DKIM_R_NOT_CHECKED), MA_LIMIT_DKIM_RSA_MAX_BITS,
 * MA_LIMIT_DKIM_CLOCK_SKEW, MA_LIMIT_DKIM_KEY_CHARS.
 */
#ifndef MAILAUTH_DKIM_H
#define MAILAUTH_DKIM_H

#include "common.h"
#include "dns.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The verdict on one signature (RFC 8601 2.7.1 result words). */
typedef enum ma_dkim_result {
    MA_DKIM_NONE = 0,       /**< no signature (message-level only) */
    MA_DKIM_PASS = 1,
    MA_DKIM_FAIL = 2,       /**< the signature did not verify */
    MA_DKIM_NEUTRAL = 3,    /**< not checked (beyond MA_LIMIT_DKIM_SIGNATURES) */
    MA_DKIM_POLICY = 4,     /**< verified, but refused by local policy (l= leaving body unsigned) */
    MA_DKIM_TEMPERROR = 5,  /**< the key could not be fetched now */
    MA_DKIM_PERMERROR = 6   /**< the signature or its key cannot be used */
} ma_dkim_result;

/** Why a signature got its verdict.  Append-only. */
typedef enum ma_dkim_reason {
    MA_DKIM_R_OK = 0,              /**< passed */
    MA_DKIM_R_SYNTAX = 1,          /**< malformed tag list */
    MA_DKIM_R_MISSING_TAG = 2,     /**< a required tag is missing */
    MA_DKIM_R_VERSION = 3,         /**< v= is not 1 */
    MA_DKIM_R_ALGORITHM = 4,       /**< a= unknown or unsupported */
    MA_DKIM_R_SHA1 = 5,            /**< rsa-sha1, refused (RFC 8301) */
    MA_DKIM_R_CANON = 6,           /**< c= unknown */
    MA_DKIM_R_DOMAIN = 7,          /**< d= or s= is not a valid name */
    MA_DKIM_R_IDENTITY = 8,        /**< i= malformed or not within d= */
    MA_DKIM_R_NO_FROM = 9,         /**< h= does not include From */
    MA_DKIM_R_BAD_LENGTH = 10,     /**< bh= or b= of the wrong length, or bad base64 */
    MA_DKIM_R_EXPIRED = 11,        /**< x= is in the past */
    MA_DKIM_R_FUTURE = 12,         /**< t= is in the future beyond the allowed skew */
    MA_DKIM_R_TIMESTAMPS = 13,     /**< x= earlier than t= */
    MA_DKIM_R_BODY_LENGTH = 14,    /**< l= longer than the body, or refused by the l= policy */
    MA_DKIM_R_BODY_HASH = 15,      /**< the body hash does not match bh= */
    MA_DKIM_R_SIGNATURE = 16,      /**< the signature does not verify */
    MA_DKIM_R_KEY_DNS = 17,        /**< the key lookup failed temporarily */
    MA_DKIM_R_KEY_MISSING = 18,    /**< no key record (NXDOMAIN or no TXT) */
    MA_DKIM_R_KEY_MULTIPLE = 19,   /**< more than one key record */
    MA_DKIM_R_KEY_SYNTAX = 20,     /**< the key record is malformed */
    MA_DKIM_R_KEY_REVOKED = 21,    /**< p= is empty */
    MA_DKIM_R_KEY_TYPE = 22,       /**< k= does not match a=, or the key does not decode as k= */
    MA_DKIM_R_KEY_TOO_SMALL = 23,  /**< RSA key under 1024 bits */
    MA_DKIM_R_KEY_TOO_LARGE = 24,  /**< RSA key above MA_LIMIT_DKIM_RSA_MAX_BITS */
    MA_DKIM_R_KEY_HASH = 25,       /**< the key's h= does not allow the hash */
    MA_DKIM_R_KEY_SERVICE = 26,    /**< the key's s= does not include email */
    MA_DKIM_R_KEY_STRICT = 27,     /**< t=s and i= is a subdomain of d= */
    MA_DKIM_R_NOT_CHECKED = 28,    /**< beyond MA_LIMIT_DKIM_SIGNATURES */
    MA_DKIM_R_HEADER = 29,         /**< a signed header field could not be canonicalised */
    MA_DKIM_R_QUERY_METHOD = 30    /**< q= names no key query method we know (dns/txt) */
} ma_dkim_reason;

/** "none", "pass", "fail", "neutral", "policy", "temperror", "permerror"; NULL if unknown. */
MA_EXTERN(const char *) ma_dkim_result_name(int result);

/** A short name for a reason ("body-hash", "key-revoked"...); NULL if unknown. */
MA_EXTERN(const char *) ma_dkim_reason_name(int reason);

/** Whether a result is temporary (temperror): try again later.  Returns 1 or 0. */
MA_EXTERN(int) ma_dkim_result_is_temp(int result);

/** Signing algorithms (a=). */
typedef enum ma_dkim_alg {
    MA_DKIM_ALG_UNKNOWN = 0,
    MA_DKIM_RSA_SHA256 = 1,
    MA_DKIM_ED25519_SHA256 = 2,
    MA_DKIM_RSA_SHA1 = 3
} ma_dkim_alg;

/** Canonicalisation algorithms (c=, one for the header, one for the body). */
typedef enum ma_dkim_canon {
    MA_DKIM_SIMPLE = 0,
    MA_DKIM_RELAXED = 1
} ma_dkim_canon;

/** "rsa-sha256", "ed25519-sha256", "rsa-sha1"; NULL if unknown. */
MA_EXTERN(const char *) ma_dkim_alg_name(int alg);

/* ------------------------------------------------------------ verification */

/** What to do with l= (a body length shorter than the body). */
typedef enum ma_dkim_l_policy {
    /** Pass only when l= covers the whole body; else MA_DKIM_POLICY (default). */
    MA_DKIM_L_WHOLE = 0,
    /** RFC 6376 as written: the signed part is enough. */
    MA_DKIM_L_HONOUR = 1,
    /** Honour l= when the unsigned tail is only whitespace and line ends. */
    MA_DKIM_L_WHITESPACE = 2
} ma_dkim_l_policy;

/** Flags of ma_dkim_verify_opts. */
typedef enum ma_dkim_verify_flags {
    /** Accept rsa-sha1 signatures (refused by default, RFC 8301 3.1). */
    MA_DKIM_ALLOW_SHA1 = 1u << 0
} ma_dkim_verify_flags;

/** Version of ma_dkim_verify_opts understood by this library. */
#define MA_DKIM_VERIFY_OPTS_VERSION 1

/** Options of a verification; zero fields take the documented default. */
typedef struct ma_dkim_verify_opts {
    unsigned int version;      /**< MA_DKIM_VERIFY_OPTS_VERSION */
    unsigned int flags;        /**< ma_dkim_verify_flags */
    int l_policy;              /**< ma_dkim_l_policy (default MA_DKIM_L_WHOLE) */
} ma_dkim_verify_opts;

/** Initialiser for a ma_dkim_verify_opts. */
#define MA_DKIM_VERIFY_OPTS_INIT { MA_DKIM_VERIFY_OPTS_VERSION, 0, MA_DKIM_L_WHOLE }

/**
 * Reset opts to the defaults.
 * @return MA_OK, MA_EINVAL (NULL), MA_EVERSION (unknown version).
 */
MA_EXTERN(int) ma_dkim_verify_opts_init(ma_dkim_verify_opts *opts, unsigned int version);

/**
 * A verification job (free with ma_job_free()).  opts may be NULL for the
 * defaults; it is copied.
 * @return MA_OK, MA_EINVAL, MA_EVERSION, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dkim_job_new(ma_job **out, ma_ctx *ctx, const ma_dkim_verify_opts *opts);

/**
 * Read the message from msg: the job registers a header hook and a body
 * consumer, so call it before the header is complete (before writing the
 * message).  msg must outlive the job's use of it (until the job is done
 * or freed).  One message per job.
 * @return MA_OK, MA_EINVAL, MA_ESTATE (already attached, or msg's header
 *         is already complete), MA_ELIMIT (msg has no room for more hooks).
 */
MA_EXTERN(int) ma_dkim_job_attach(ma_job *job, ma_msg *msg);

/** Number of DKIM-Signature fields in the message (checked or not); 0 before the header. */
MA_EXTERN(size_t) ma_dkim_job_count(const ma_job *job);

/**
 * The verdict on signature i (0 = the topmost DKIM-Signature field):
 * MA_DKIM_NONE when i is out of range or the job is not done.
 */
MA_EXTERN(ma_dkim_result) ma_dkim_job_result(const ma_job *job, size_t i);

/** Why signature i got its verdict (MA_DKIM_R_OK for a pass). */
MA_EXTERN(ma_dkim_reason) ma_dkim_job_reason(const ma_job *job, size_t i);

/** A sentence on what went wrong with signature i (tag, offset...), or "". Borrowed. */
MA_EXTERN(const char *) ma_dkim_job_problem(const ma_job *job, size_t i);

/** d= of signature i, normalized ("" when unreadable).  Borrowed. */
MA_EXTERN(const char *) ma_dkim_job_domain(const ma_job *job, size_t i);

/** s= of signature i ("" when unreadable).  Borrowed. */
MA_EXTERN(const char *) ma_dkim_job_selector(const ma_job *job, size_t i);

/** The AUID of signature i: i= as "local@domain", or "@d" when i= is absent.  Borrowed. */
MA_EXTERN(const char *) ma_dkim_job_identity(const ma_job *job, size_t i);

/** The first characters of b= (for header.b, RFC 6008), or "".  Borrowed. */
MA_EXTERN(const char *) ma_dkim_job_b_prefix(const ma_job *job, size_t i);

/** a= of signature i (ma_dkim_alg; MA_DKIM_ALG_UNKNOWN when unreadable). */
MA_EXTERN(ma_dkim_alg) ma_dkim_job_algorithm(const ma_job *job, size_t i);

/** The size in bits of the key signature i was checked with (0 when no key was decoded). */
MA_EXTERN(unsigned int) ma_dkim_job_key_bits(const ma_job *job, size_t i);

/** Canonical body bytes after l= that signature i does not cover (0 without l=). */
MA_EXTERN(uint64_t) ma_dkim_job_unsigned_bytes(const ma_job *job, size_t i);

/** Whether signature i covers a From field (h= lists From and one was found).  1 or 0. */
MA_EXTERN(int) ma_dkim_job_covers_from(const ma_job *job, size_t i);

/**
 * Whether the message has an instance of a field signature i signs that the
 * signature does not cover (e.g. a second From prepended above the signed
 * one: RFC 6376 8.15).  DMARC refuses such a signature.  1 or 0.
 */
MA_EXTERN(int) ma_dkim_job_unsigned_extra(const ma_job *job, size_t i);

/** Whether the key of signature i says t=y (the domain is testing DKIM).  1 or 0. */
MA_EXTERN(int) ma_dkim_job_testing(const ma_job *job, size_t i);

/* ----------------------------------------------------------------- signing */

/** A signer: a private key and what goes with it, for any number of messages. */
typedef struct ma_dkim_signer ma_dkim_signer;

/** The signing of one message. */
typedef struct ma_dkim_sign ma_dkim_sign;

/** Flags of ma_dkim_sign_opts. */
typedef enum ma_dkim_sign_flags {
    /** Leave out t= (the signing time). */
    MA_DKIM_SIGN_NO_TIMESTAMP = 1u << 0,
    /** Add l= with the whole canonical body length (not recommended: RFC 6376 8.2). */
    MA_DKIM_SIGN_BODY_LENGTH = 1u << 1,
    /** Sign each listed field once more than present, so that an instance
        added later breaks the signature (RFC 6376 8.15). */
    MA_DKIM_SIGN_OVERSIGN = 1u << 2
} ma_dkim_sign_flags;

/** Version of ma_dkim_sign_opts understood by this library. */
#define MA_DKIM_SIGN_OPTS_VERSION 1

/** What a signer signs with; strings are copied by ma_dkim_signer_new(). */
typedef struct ma_dkim_sign_opts {
    unsigned int version;      /**< MA_DKIM_SIGN_OPTS_VERSION */
    const char *domain;        /**< d= (required) */
    const char *selector;      /**< s= (required) */
    const char *identity;      /**< i= (optional): "local@domain", domain within d= */
    /** Colon list of fields to sign; must include From.  Taken as h=
        exactly as written (repeat a name to sign more instances), unless
        MA_DKIM_SIGN_OVERSIGN is set: then each name is signed as often as
        it occurs, plus once.  NULL: the fields of RFC 6376 5.4.1's list
        that are present, From always (plus one each with OVERSIGN). */
    const char *headers;
    int header_canon;          /**< ma_dkim_canon (default relaxed) */
    int body_canon;            /**< ma_dkim_canon (default relaxed) */
    uint64_t expire;           /**< seconds from t= to x=; 0: no x= */
    unsigned int flags;        /**< ma_dkim_sign_flags */
} ma_dkim_sign_opts;

/** Initialiser for a ma_dkim_sign_opts (relaxed/relaxed). */
#define MA_DKIM_SIGN_OPTS_INIT \
    { MA_DKIM_SIGN_OPTS_VERSION, NULL, NULL, NULL, NULL, MA_DKIM_RELAXED, MA_DKIM_RELAXED, 0, 0 }

/**
 * Reset opts to the defaults.
 * @return MA_OK, MA_EINVAL (NULL), MA_EVERSION.
 */
MA_EXTERN(int) ma_dkim_sign_opts_init(ma_dkim_sign_opts *opts, unsigned int version);

/**
 * A signer.  key is a private key in PEM or DER (PKCS#1 or PKCS#8; RSA or
 * Ed25519), or a 32-byte Ed25519 seed, raw or in base64; the algorithm
 * follows from it (rsa-sha256 or ed25519-sha256).  The key is parsed once
 * here.  A signer may sign from several threads at once.
 * @return MA_OK, MA_EINVAL (missing or invalid option: d=, s=, i= not
 *         within d=, a header list without From), MA_EVERSION, MA_ESYNTAX
 *         (the key does not decode), MA_EUNSUPPORTED (a key of another
 *         type), MA_ENOMEM.
 */
MA_EXTERN(int) ma_dkim_signer_new(ma_dkim_signer **out, ma_ctx *ctx, const ma_dkim_sign_opts *opts,
                                  const void *key, size_t key_len);

/**
 * A signing function in place of a private key, for a key kept in an HSM or
 * a KMS (ma_dkim_signer_new_external()).  It gets the digest a signature
 * covers, the SHA-256 hash of the canonicalised header data (RFC 6376 3.7;
 * digest_len is 32), and writes the signature to sig:
 * - rsa-sha256: RSASSA-PKCS1-v1_5 (RFC 8017 8.2) of that digest, wrapped in
 *   its DigestInfo and not hashed again (PKCS#11: CKM_RSA_PKCS over the
 *   DigestInfo, not CKM_SHA256_RSA_PKCS, which would hash it again);
 * - ed25519-sha256: Ed25519 (RFC 8032 PureEdDSA) with the 32 digest bytes
 *   as the message (RFC 8463 section 3).
 * sig has room for *sig_len bytes (at least 1024); set *sig_len to the
 * signature's length and return 0, or return anything else on failure.
 * The call blocks the signing that makes it, and a signer shared between
 * threads may make it from several threads at once.
 */
typedef int (*ma_dkim_sign_fn)(void *arg, ma_dkim_alg alg, const unsigned char *digest,
                               size_t digest_len, unsigned char *sig, size_t *sig_len);

/**
 * A signer whose private key stays outside the library: sign makes every
 * signature (DKIM-Signature, and ARC-Message-Signature and ARC-Seal when
 * the signer seals), called with arg.  key_record is the key record
 * published for the key ("v=DKIM1; k=rsa; p=...", as
 * ma_dkim_signer_key_record() would write it): its k= gives the algorithm,
 * and each signature sign returns is verified with its key before it is
 * used, so a wrong key or a failing device makes the signing fail with
 * MA_EINTERNAL rather than put out a signature nobody can verify.  opts as
 * for ma_dkim_signer_new().
 * @return MA_OK; MA_EINVAL (as ma_dkim_signer_new(), or NULL sign or
 *         key_record); MA_EVERSION; MA_ESYNTAX (the record does not parse,
 *         or its key is revoked or does not decode); MA_EUNSUPPORTED (k=
 *         names another key type, or an RSA key under 1024 bits);
 *         MA_ENOMEM.
 */
MA_EXTERN(int) ma_dkim_signer_new_external(ma_dkim_signer **out, ma_ctx *ctx,
                                           const ma_dkim_sign_opts *opts, const char *key_record,
                                           ma_dkim_sign_fn sign, void *arg);

/** Free a signer (after its signings).  NULL is a no-op. */
MA_EXTERN(void) ma_dkim_signer_free(ma_dkim_signer *s);

/**
 * The key record to publish at <selector>._domainkey.<domain>:
 * "v=DKIM1; k=...; p=...".  Free with ma_free().
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dkim_signer_key_record(const ma_dkim_signer *s, char **out);

/**
 * Start signing one message with signer (which must outlive it).
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_dkim_sign_new(ma_dkim_sign **out, const ma_dkim_signer *signer);

/**
 * Add another signer to a signing, before ma_dkim_sign_attach(): all sign
 * in one pass, the body hashed once per canonicalisation (at most 8).
 * @return MA_OK, MA_EINVAL (NULL, or a signer of another context),
 *         MA_ESTATE (already attached), MA_ELIMIT.
 */
MA_EXTERN(int) ma_dkim_sign_add(ma_dkim_sign *g, const ma_dkim_signer *signer);

/**
 * Read the message from msg (a body consumer is added: call before the
 * message is written).  msg must outlive the signing.
 * @return MA_OK, MA_EINVAL, MA_ESTATE, MA_ELIMIT.
 */
MA_EXTERN(int) ma_dkim_sign_attach(ma_dkim_sign *g, ma_msg *msg);

/**
 * After ma_msg_finish(): the DKIM-Signature field to prepend to the message,
 * name included, folded with CRLF at 78 columns (tags v a c d i q s t x l h
 * bh, b= last), without a final CRLF; with several signers, one field per
 * signer in the order added, separated by CRLF.  Free with ma_free().
 * @return MA_OK, MA_EINVAL, MA_ESTATE (not attached, or the message is not
 *         finished), MA_ESYNTAX (the message has no From field, which RFC
 *         6376 5.4 requires signing), MA_ENOMEM, MA_EINTERNAL.
 */
MA_EXTERN(int) ma_dkim_sign_field(ma_dkim_sign *g, char **out);

/** Free a signing.  NULL is a no-op. */
MA_EXTERN(void) ma_dkim_sign_free(ma_dkim_sign *g);

/**
 * Generate a key pair: alg MA_DKIM_RSA_SHA256 (bits 1024 to 8192, 0 means
 * 2048) or MA_DKIM_ED25519_SHA256 (bits ignored).  *key_pem gets the
 * private key as unencrypted PKCS#8 PEM, *record the key record to publish
 * ("v=DKIM1; k=...; p=...").  Free both with ma_free() (wipe the key first).
 * @return MA_OK, MA_EINVAL, MA_ENOMEM, MA_EINTERNAL.
 */
MA_EXTERN(int) ma_dkim_keygen(char **key_pem, char **record, ma_ctx *ctx, ma_dkim_alg alg,
                              unsigned int bits);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_DKIM_H */
