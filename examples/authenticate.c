/*
 * authenticate.c: check an incoming message the way an MTA does, in one
 * synchronous call chain, and print the Authentication-Results field.
 *
 *     authenticate ZONEFILE IP HELO MAIL_FROM AUTHSERV_ID < message
 *
 *     authenticate examples/data/example.zone 192.0.2.10 mail.example.com \
 *         alice@example.com mx.example.org < examples/data/message.eml
 *
 * ZONEFILE is an RFC 1035 master file answering every DNS question (the
 * static resolver: handy for tests and examples), or "-" for the system's
 * name servers from /etc/resolv.conf (the ldns stub resolver).  IP, HELO
 * and MAIL_FROM are the SMTP connection's facts; AUTHSERV_ID names this
 * host's ADMD in the field it writes.  An empty HELO or MAIL_FROM ("") means
 * none was given; MAIL_FROM "<>" is the null reverse-path.
 *
 * It prints the field (folded; LF line ends here, CRLF when an MTA puts it
 * in a message), then one line per check: "spf: pass", or with the reason
 * when there is one, "dkim: fail (...)".  Exit status 0 whatever the
 * verdicts, 1 on an error (one line on stderr).
 *
 * Everything here is public API: copy it.  The steps are
 *   context -> resolver -> authentication job -> message reader attached
 *   -> message streamed in chunks -> ma_job_run() -> results.
 * examples/event-loop.c does the same without blocking.
 */
#include <stdio.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "util.h"

#define PROG "authenticate"

int main(int argc, char **argv)
{
    ma_ctx *ctx = NULL;
    ma_static_zone *zone = NULL;
    ma_resolver *resolver = NULL;
    ma_job *job = NULL;
    ma_msg *msg = NULL;
    ma_auth_params params;
    ma_ip ip;
    char chunk[16384];
    char *field = NULL;
    size_t n;
    int rc, check, status = 1;

    if (argc != 6) {
        fprintf(stderr, "usage: " PROG " ZONEFILE|- IP HELO MAIL_FROM AUTHSERV_ID < message\n");
        return 1;
    }
    /* The job would refuse a bad address too (MA_EINVAL), but this says which argument. */
    if (ma_ip_parse(&ip, argv[2], strlen(argv[2])) != MA_OK) {
        fprintf(stderr, PROG ": '%s' is not an IP address\n", argv[2]);
        return 1;
    }

    /* 1. A context: allocator, clock and limits (all defaults here).  It
     *    outlives everything made from it. */
    rc = ma_ctx_new(&ctx, NULL);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": %s\n", ma_status_str(rc));
        return 1;
    }

    /* 2. Something to answer DNS questions. */
    if (make_resolver(PROG, ctx, argv[1], &zone, &resolver) != 0)
        goto out;

    /* 3. The job, from the connection's facts.  The strings are copied. */
    ma_auth_params_init(&params, MA_AUTH_PARAMS_VERSION);
    params.ip = argv[2];
    params.helo = argv[3];
    params.mail_from = argv[4];
    params.authserv_id = argv[5];
    rc = ma_auth_job_new(&job, ctx, &params);
    if (rc == MA_EINVAL) {
        fprintf(stderr, PROG ": '%s' is not a valid authserv-id (a token: no space, ';' or quotes)\n",
                argv[5]);
        goto out;
    }

    /* 4. A message reader, attached before any byte is written: DKIM, ARC
     *    and DMARC hook into it to see the header and hash the body. */
    if (rc == MA_OK)
        rc = ma_msg_new(&msg, ctx);
    if (rc == MA_OK)
        rc = ma_auth_job_attach(job, msg);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot start: %s\n", ma_status_str(rc));
        goto out;
    }

    /* 5. Stream the message in.  Chunks of any size give the same result;
     *    the body is hashed as it goes and never kept. */
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
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
        /* A malformed header: the reader says where ("header line 3 ..."). */
        fprintf(stderr, PROG ": bad message: %s\n", ma_msg_error(msg));
        goto out;
    }

    /* 6. Run every check to the end, asking the resolver as it goes.  A
     *    DNS failure is a check's temperror, not an error here. */
    rc = ma_job_run(job, resolver);
    if (rc != MA_JOB_DONE) {
        fprintf(stderr, PROG ": %s\n",
                ma_job_error(job)[0] != '\0' ? ma_job_error(job) : ma_status_str(rc));
        goto out;
    }

    /* 7. The results: the field to prepend to the message... */
    rc = ma_auth_job_authres(job, &field);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot write the field: %s\n", ma_status_str(rc));
        goto out;
    }
    /* (LF line ends here: the library folds it with CRLF TAB, as it must
     * appear in a message) */
    put_lines(field, 1);
    putchar('\n');

    /* ...and each check's verdict, with what went wrong when something did. */
    for (check = MA_AUTH_IPREV; check <= MA_AUTH_DMARC; check++) {
        const char *problem = ma_auth_job_problem(job, check);
        printf("%s: %s", ma_auth_check_name(check), ma_auth_job_verdict(job, check));
        if (problem[0] != '\0')
            printf(" (%s)", problem);
        putchar('\n');
    }
    status = fflush(stdout) == 0 ? 0 : 1;
    if (status != 0)
        fprintf(stderr, PROG ": cannot write to stdout\n");

out:
    /* Free in any order, the context last.  The job reads msg until it is
     * freed, so msg goes after the job. */
    ma_free(ctx, field);
    ma_job_free(job);
    ma_msg_free(msg);
    ma_resolver_free(resolver);
    ma_static_zone_free(zone);
    ma_ctx_free(ctx);
    return status;
}
