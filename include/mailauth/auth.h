/*
 * libmailauth: the one-call authenticator.
 *
 * One job runs every check an MTA makes on an incoming message: iprev
 * (RFC 8601 3) and the HELO checks, SPF (RFC 7208), DKIM (RFC 6376), ARC
 * (RFC 8617) and DMARC (RFC 9989 or RFC 7489), and writes the
 * Authentication-Results field (RFC 8601).  It is a sans-I/O job like the
 * others: every DNS question of every check comes out of
 * ma_job_questions(), asked as early as its inputs allow, so an event loop
 * sends them in parallel and never blocks.
 *
 *     ma_auth_params p;
 *     ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
 *     p.ip = "192.0.2.1"; p.helo = "mail.example.com";
 *     p.mail_from = "alice@example.com"; p.authserv_id = "mx.example.org";
 *     ma_auth_job_new(&job, ctx, &p);        (iprev and SPF questions now)
 *     ma_msg_new(&msg, ctx); ma_auth_job_attach(job, msg);
 *     ma_msg_write(msg, ...) ...             (DKIM key, ARC key and DMARC
 *                                             record questions once the
 *                                             header is complete)
 *     ma_msg_finish(msg);
 *     ma_job_run(job, resolver);             (or step/questions/answer)
 *     ma_auth_job_authres(job, &field);
 *
 * Driving it by hand: call ma_job_step() after ma_auth_job_new() and
 * after every ma_msg_write()/ma_msg_finish() (it returns MA_JOB_NEED_DNS
 * with questions to send, or MA_JOB_NEED_INPUT when it waits for more of
 * the message), and after feeding answers.  MA_JOB_DONE comes once the
 * message is finished and every check has its verdict.
 *
 * A failing check never fails the job: a DNS failure is that check's
 * temperror, a job error (say, out of memory inside DKIM) is that check's
 * temperror with the reason in ma_auth_job_problem().  The per-protocol
 * jobs stay reachable (ma_auth_job_spf()...) for every detail their own
 * accessors give.
 */
#ifndef MAILAUTH_AUTH_H
#define MAILAUTH_AUTH_H

#include "common.h"
#include "dns.h"
#include "message.h"
#include "dmarc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of ma_auth_params understood by this library. */
#define MA_AUTH_PARAMS_VERSION 1

/** ma_auth_params.flags: leave a check out (its verdict is then "none" and it is not written). */
#define MA_AUTH_NO_IPREV 0x01u
#define MA_AUTH_NO_SPF   0x02u
#define MA_AUTH_NO_DKIM  0x04u
#define MA_AUTH_NO_ARC   0x08u
#define MA_AUTH_NO_DMARC 0x10u

/** The connection facts and options of one message. */
typedef struct ma_auth_params {
    unsigned int version;         /**< MA_AUTH_PARAMS_VERSION */
    const char *ip;               /**< the SMTP client's address, text (required) */
    const char *helo;             /**< the HELO/EHLO name (NULL or "": none given) */
    const char *mail_from;        /**< MAIL FROM address; "" or "<>": the null reverse-path
                                       (SPF then checks the HELO identity, RFC 7208 2.4) */
    const char *authserv_id;      /**< this ADMD's authserv-id, a token (required) */
    const char *const *trusted_sealers; /**< ARC sealer domains whose seals this receiver
                                       trusts for DMARC's override (RFC 9989, RFC 8617 7.2) */
    size_t ntrusted_sealers;
    const char *receiver;         /**< this host's name, for SPF's %{r} (NULL: "unknown") */
    const ma_dmarc_opts *dmarc;   /**< DMARC options (NULL: the defaults); copied */
    const ma_psl *psl;            /**< PSL for the HELO organizational-domain check
                                       (NULL: libpsl's built-in list) */
    unsigned int flags;           /**< MA_AUTH_NO_* */
} ma_auth_params;

/**
 * Reset params to the defaults (all NULL/0 but version).
 * @return MA_OK, MA_EINVAL, MA_EVERSION.
 */
MA_EXTERN(int) ma_auth_params_init(ma_auth_params *params, unsigned int version);

/**
 * An authentication job (free with ma_job_free()).  Everything params
 * points to is copied.  iprev and SPF start at the first step.
 * @return MA_OK, MA_EINVAL (NULL, no or bad ip, no or bad authserv_id,
 *         a bad trusted sealer domain), MA_EVERSION, MA_ENOMEM.
 */
MA_EXTERN(int) ma_auth_job_new(ma_job **out, ma_ctx *ctx, const ma_auth_params *params);

/**
 * Read the message from msg: DKIM, ARC and DMARC register their header
 * hooks and body consumers, so call this before the message is written.
 * msg must outlive the job.  A job never attached finishes with iprev and
 * SPF only (DKIM, ARC and DMARC "none").
 * @return MA_OK, MA_EINVAL, MA_ESTATE (attached already, or the message
 *         has started), MA_ENOMEM.
 */
MA_EXTERN(int) ma_auth_job_attach(ma_job *job, ma_msg *msg);

/** The checks, to name one in ma_auth_job_check() and ma_auth_job_problem(). */
typedef enum ma_auth_check {
    MA_AUTH_IPREV = 0,
    MA_AUTH_SPF = 1,
    MA_AUTH_DKIM = 2,
    MA_AUTH_ARC = 3,
    MA_AUTH_DMARC = 4
} ma_auth_check;

/** "iprev", "spf", "dkim", "arc", "dmarc"; NULL if unknown. */
MA_EXTERN(const char *) ma_auth_check_name(int check);

/**
 * The finished per-protocol job of a check, for its own accessors
 * (ma_spf_job_result(), ma_dkim_job_count(), ma_iprev_job_name()...), or
 * NULL when the check did not run (left out, no message, or it failed
 * before it could start: see ma_auth_job_problem()).  Borrowed from the
 * job; valid once the job is done.
 */
MA_EXTERN(const ma_job *) ma_auth_job_check(const ma_job *job, int check);

/**
 * The check's verdict word as Authentication-Results writes it: "pass",
 * "fail", "none", "temperror"...; for DKIM the best verdict among the
 * signatures (pass before fail before the rest), "none" without any.
 * Borrowed (static text).  NULL for an unknown check or before the job is done.
 */
MA_EXTERN(const char *) ma_auth_job_verdict(const ma_job *job, int check);

/**
 * Why a check's verdict is not a pass, once the job is done: a DNS
 * failure, a record's error, the SPF mechanism that matched, the first
 * DKIM signature's reason ("d=example.com: the body hash does not match
 * bh="), DMARC's finding; "" for a pass, for a check that did not run
 * without a known reason, and before the job is done.  Borrowed.
 */
MA_EXTERN(const char *) ma_auth_job_problem(const ma_job *job, int check);

/**
 * The Authentication-Results field for the verdicts ("Authentication-Results:
 * " authserv-id, then one resinfo per check that ran: iprev, spf, one dkim
 * per signature, arc, dmarc), folded with CRLF TAB at about 78 columns,
 * no final CRLF.  Values from the message (domains, the MAIL FROM local
 * part) are written as RFC 8601 values: quoted when they are not tokens,
 * refused when they hold control characters.  Free with ma_free().
 * @return MA_OK, MA_EINVAL, MA_ESTATE (not done), MA_ENOMEM.
 */
MA_EXTERN(int) ma_auth_job_authres(const ma_job *job, char **out);

/**
 * The resinfo list alone ("iprev=pass policy.iprev=...; spf=pass ..."),
 * one line: the results text an ARC sealer puts in its
 * ARC-Authentication-Results (ma_arc_seal_fields()).  Free with ma_free().
 * @return as ma_auth_job_authres().
 */
MA_EXTERN(int) ma_auth_job_results(const ma_job *job, char **out);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_AUTH_H */
