/*
 * arc-seal.c: what a mailing list or forwarder does with ARC (RFC 8617):
 * authenticate the message it received, validate the ARC chain it carries,
 * and add the next ARC set.
 *
 *     arc-seal ZONEFILE DOMAIN SELECTOR KEYFILE AUTHSERV_ID IP HELO MAIL_FROM
 *         < message > sealed
 *
 *     arc-seal examples/data/example.zone lists.example.org arc2026 \
 *         examples/data/lists.example.org.arc2026.pem lists.example.org \
 *         192.0.2.10 mail.example.com alice@example.com < in.eml > out.eml
 *
 * ZONEFILE answers the DNS questions ("-": the system's name servers).
 * DOMAIN, SELECTOR and KEYFILE are the sealer's (d=, s=, private key in
 * PEM or DER); AUTHSERV_ID names this hop in its
 * ARC-Authentication-Results; IP, HELO and MAIL_FROM are the facts of the
 * SMTP connection the message came in on.
 *
 * One message reader feeds both the authentication job and the sealing:
 *   - the job's results ("iprev=pass ...; spf=pass ...; dkim=...") become
 *     the ARC-Authentication-Results (ma_auth_job_results());
 *   - the job's own ARC check, ma_auth_job_check(job, MA_AUTH_ARC), is the
 *     chain validation the seal's cv= comes from (ma_arc_seal_fields()
 *     takes it as it takes a ma_arc_job of its own).
 * The output is the new ARC set (ARC-Seal, ARC-Message-Signature,
 * ARC-Authentication-Results) followed by the message unchanged, with the
 * message's own line ends.  A chain that fails validation gets one last
 * set with cv=fail (RFC 8617 5.1.2), which ends it; a message whose newest
 * seal already says cv=fail is not sealed again (5.1): it is written
 * unchanged, with a note on stderr.  Exit status 0, or 1 on an error (one
 * line on stderr).
 *
 * This program changes nothing in the message, so the message it
 * authenticates is the message it seals.  A list that changes messages (a
 * subject tag, a footer) must record the results of what it received but
 * sign what it sends.  ma_arc_seal_fields() wants a validation that read
 * the very ma_msg the sealing reads; for a first hop (no ARC set yet) such
 * a list can seal a second reader fed with the changed message, validated
 * by a ma_arc_job of its own, and pass the results of the first reader's
 * authentication: test-auth.c does that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "util.h"

#define PROG "arc-seal"

int main(int argc, char **argv)
{
    ma_ctx *ctx = NULL;
    ma_static_zone *zone = NULL;
    ma_resolver *resolver = NULL;
    ma_dkim_signer *signer = NULL;
    ma_arc_seal *seal = NULL;
    ma_job *job = NULL;
    ma_msg *msg = NULL;
    ma_auth_params params;
    const ma_job *arc;
    bytes message = { NULL, 0, 0 };
    char *results = NULL, *fields = NULL;
    char chunk[16384];
    size_t n;
    ma_ip ip;
    int rc, lf, status = 1;

    if (argc != 9) {
        fprintf(stderr, "usage: " PROG " ZONEFILE|- DOMAIN SELECTOR KEYFILE AUTHSERV_ID IP HELO "
                        "MAIL_FROM < message > sealed\n");
        return 1;
    }
    if (ma_ip_parse(&ip, argv[6], strlen(argv[6])) != MA_OK) {
        fprintf(stderr, PROG ": '%s' is not an IP address\n", argv[6]);
        return 1;
    }
    rc = ma_ctx_new(&ctx, NULL);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": %s\n", ma_status_str(rc));
        return 1;
    }
    /* The ARC-Message-Signature is a DKIM signature made by this signer
     * (its canonicalisation and header list); ARC and
     * Authentication-Results fields are never signed in it. */
    if (make_resolver(PROG, ctx, argv[1], &zone, &resolver) != 0 ||
        make_signer(PROG, ctx, argv[2], argv[3], argv[4], &signer) != 0)
        goto out;

    /* 1. The authentication job, as in authenticate.c. */
    ma_auth_params_init(&params, MA_AUTH_PARAMS_VERSION);
    params.ip = argv[6];
    params.helo = argv[7];
    params.mail_from = argv[8];
    params.authserv_id = argv[5];
    rc = ma_auth_job_new(&job, ctx, &params);
    if (rc == MA_EINVAL) {
        fprintf(stderr, PROG ": '%s' is not a valid authserv-id (a token: no space, ';' or quotes)\n",
                argv[5]);
        goto out;
    }

    /* 2. The sealing, for the same authserv-id (ma_arc_seal_new() checks it
     *    too).  Both read the same message reader, attached before the
     *    message is written: the message is read once. */
    if (rc == MA_OK)
        rc = ma_arc_seal_new(&seal, signer, argv[5]);
    if (rc == MA_OK)
        rc = ma_msg_new(&msg, ctx);
    if (rc == MA_OK)
        rc = ma_auth_job_attach(job, msg);
    if (rc == MA_OK)
        rc = ma_arc_seal_attach(seal, msg);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot start: %s\n", ma_status_str(rc));
        goto out;
    }

    /* 3. The message: streamed through the reader, and kept, since the new
     *    fields go in front of it. */
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (bytes_add(&message, chunk, n, MESSAGE_MAX) != 0) {
            fprintf(stderr, PROG ": the message is too large\n");
            goto out;
        }
        rc = ma_msg_write(msg, chunk, n);
        if (rc != MA_OK)
            break;
    }
    if (ferror(stdin)) {
        fprintf(stderr, PROG ": cannot read the message from stdin\n");
        goto out;
    }
    if (rc == MA_OK)
        rc = ma_msg_finish(msg);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": bad message: %s\n", ma_msg_error(msg));
        goto out;
    }

    /* 4. Authenticate: every check, the ARC chain among them. */
    rc = ma_job_run(job, resolver);
    if (rc != MA_JOB_DONE) {
        fprintf(stderr, PROG ": %s\n",
                ma_job_error(job)[0] != '\0' ? ma_job_error(job) : ma_status_str(rc));
        goto out;
    }

    /* 5. The AAR's content (one line, "iprev=pass ...; spf=pass ...") and
     *    the chain's validation (the auth job's ARC sub-job). */
    rc = ma_auth_job_results(job, &results);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot write the results: %s\n", ma_status_str(rc));
        goto out;
    }
    arc = ma_auth_job_check(job, MA_AUTH_ARC);
    if (arc == NULL) {
        fprintf(stderr, PROG ": the ARC chain could not be validated: %s\n",
                ma_auth_job_problem(job, MA_AUTH_ARC));
        goto out;
    }

    /* 6. The new set: cv=none for the first, cv=pass after a passing
     *    chain, cv=fail after a failing one; NULL when an earlier hop
     *    already sealed with cv=fail: the chain has ended. */
    rc = ma_arc_seal_fields(seal, arc, results, &fields);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot seal: %s\n", ma_status_str(rc));
        goto out;
    }
    if (fields == NULL)
        fprintf(stderr, PROG ": not sealed: the ARC chain has ended (%s)\n",
                ma_arc_job_problem(arc));

    /* 7. The set (folded with CRLF: LF for an LF message), then the message. */
    lf = uses_lf(&message);
    if (fields != NULL) {
        put_lines(fields, lf);
        fputs(lf ? "\n" : "\r\n", stdout);
    }
    fwrite(message.data, 1, message.len, stdout);
    if (fflush(stdout) != 0) {
        fprintf(stderr, PROG ": cannot write to stdout\n");
        goto out;
    }
    status = 0;

out:
    ma_free(ctx, fields);
    ma_free(ctx, results);
    ma_arc_seal_free(seal);
    ma_job_free(job);
    ma_msg_free(msg);
    ma_dkim_signer_free(signer);
    ma_resolver_free(resolver);
    ma_static_zone_free(zone);
    free(message.data);
    ma_ctx_free(ctx);
    return status;
}
