/*
 * libmailauth: ARC (RFC 8617) chain validation.
 *
 *     ma_arc_job_new(&job, ctx, NULL);
 *     ma_arc_job_attach(job, msg);         (before the message is written)
 *     ma_msg_write(msg, ...) ...; ma_msg_finish(msg);
 *     ma_job_run(job, resolver);
 *     ma_arc_job_result(job) == MA_ARC_PASS ...
 *
 * The ARC sets are collected when the header is complete (RFC 8617 5.2
 * steps 1-3), and every key question (each ARC-Message-Signature's and
 * ARC-Seal's) is asked at once.  The newest AMS must verify; the older
 * ones give the oldest-pass instance; every AS must verify.  The DKIM
 * canonicalisation, signature parsing, key records and body hashing are
 * the DKIM verifier's own code.
 */
#ifndef MAILAUTH_ARC_H
#define MAILAUTH_ARC_H

#include "common.h"
#include "dns.h"
#include "message.h"
#include "dkim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The Chain Validation Status (RFC 8617 4.4; RFC 8601 arc= result words). */
typedef enum ma_arc_result {
    MA_ARC_NONE = 0,   /**< no ARC set */
    MA_ARC_PASS = 1,
    MA_ARC_FAIL = 2
} ma_arc_result;

/** "none", "pass", "fail"; NULL if unknown. */
MA_EXTERN(const char *) ma_arc_result_name(int result);

/**
 * A validation job (free with ma_job_free()).  opts is reserved: pass NULL.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_arc_job_new(ma_job **out, ma_ctx *ctx, const void *opts);

/**
 * Read the message from msg (a header hook and a body consumer are
 * registered: call before the message is written).  msg must outlive the
 * job's use of it.
 * @return MA_OK, MA_EINVAL, MA_ESTATE, MA_ELIMIT.
 */
MA_EXTERN(int) ma_arc_job_attach(ma_job *job, ma_msg *msg);

/** The chain's status (MA_ARC_NONE until the job is done). */
MA_EXTERN(ma_arc_result) ma_arc_job_result(const ma_job *job);

/** The number of ARC sets (the highest instance, N), 0 when there are none. */
MA_EXTERN(unsigned int) ma_arc_job_count(const ma_job *job);

/**
 * The oldest-pass instance (RFC 8617 5.2 step 5): 0 when every AMS
 * verified, else the lowest instance whose AMS and all newer ones passed.
 */
MA_EXTERN(unsigned int) ma_arc_job_oldest_pass(const ma_job *job);

/** The instance at which the chain failed, or 0. */
MA_EXTERN(unsigned int) ma_arc_job_fail_instance(const ma_job *job);

/** Why the chain failed (or ""), e.g. "i=2: ARC-Seal: the signature does not verify".  Borrowed. */
MA_EXTERN(const char *) ma_arc_job_problem(const ma_job *job);

/** d= of the ARC-Seal of instance i (1..N), or "".  Borrowed. */
MA_EXTERN(const char *) ma_arc_job_sealer(const ma_job *job, unsigned int i);

/** s= of the ARC-Seal of instance i (1..N), or "".  Borrowed. */
MA_EXTERN(const char *) ma_arc_job_seal_selector(const ma_job *job, unsigned int i);

/** The verdict on the AMS of instance i as a ma_dkim_result (NONE when it was not checked). */
MA_EXTERN(int) ma_arc_job_ams_result(const ma_job *job, unsigned int i);

/** The verdict on the AS of instance i as a ma_dkim_result (NONE when it was not checked). */
MA_EXTERN(int) ma_arc_job_as_result(const ma_job *job, unsigned int i);

/* ----------------------------------------------------------------- sealing */

/** The sealing of one message (RFC 8617 5.1). */
typedef struct ma_arc_seal ma_arc_seal;

/**
 * Seal with signer (a DKIM signer: its key, d=, s=, canonicalisation and
 * header list make the ARC-Message-Signature; ARC fields and
 * Authentication-Results are never signed in it, and with the signer's
 * default header list every DKIM-Signature field is, RFC 8617 4.1.2) for
 * this hop's authserv-id (printable ASCII, at most 255 bytes, without
 * space, ';', '(', ')', '"' or '\\').  signer must outlive the sealing.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_arc_seal_new(ma_arc_seal **out, const ma_dkim_signer *signer,
                               const char *authserv_id);

/**
 * Read the message from msg (a body consumer: call before it is written;
 * attach the validation job arc to the same msg too).
 * @return MA_OK, MA_EINVAL, MA_ESTATE, MA_ELIMIT.
 */
MA_EXTERN(int) ma_arc_seal_attach(ma_arc_seal *g, ma_msg *msg);

/**
 * After the message is finished and arc is done: the next ARC set, "ARC-Seal: ..." CRLF "ARC-Message-Signature:
 * ..." CRLF "ARC-Authentication-Results: i=N; authserv-id; results", to
 * prepend to the message (no final CRLF; free with ma_free()).  results is
 * the Authentication-Results payload of this hop (resinfo list, e.g.
 * "spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com"; NULL
 * or "" gives "none"; the AAR is folded at 78 columns).  cv= is none for a
 * first set, pass after a passing chain, and fail after a chain that
 * failed validation: that set's seal covers only itself (RFC 8617 5.1.2)
 * and ends the chain.  A chain whose newest seal already says cv=fail is
 * not extended (5.1 step 2): MA_OK with *out NULL.  t= is the context
 * clock.
 *
 * arc is a ma_arc_job that validated the message as this hop received it:
 * the same msg as the sealing's, or, for a hop that changes the message
 * (a mailing list; RFC 8617 5.1 step 1 has every change made before
 * sealing), the received copy, whose ma_msg must still be alive.  The new
 * ARC-Seal covers the earlier sets as validated there; the new
 * ARC-Message-Signature covers the message as changed.
 * @return MA_OK, MA_EINVAL (also CR/LF in results), MA_ESTATE (not attached,
 *         message or validation not finished), MA_ELIMIT (already 50
 *         sets), MA_ENOMEM, MA_EINTERNAL.
 */
MA_EXTERN(int) ma_arc_seal_fields(ma_arc_seal *g, const ma_job *arc, const char *results,
                                  char **out);

/** Free a sealing.  NULL is a no-op. */
MA_EXTERN(void) ma_arc_seal_free(ma_arc_seal *g);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_ARC_H */
