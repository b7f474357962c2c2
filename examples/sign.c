/*
 * sign.c: sign a message with DKIM (RFC 6376).
 *
 *     sign DOMAIN SELECTOR KEYFILE < message > signed
 *
 *     sign example.com sel2026 examples/data/example.com.sel2026.pem \
 *         < message.eml > signed.eml
 *
 * KEYFILE holds the private key: PEM or DER, RSA or Ed25519 (the algorithm
 * follows from the key).  The public half must be published at
 * SELECTOR._domainkey.DOMAIN (ma_dkim_signer_key_record() gives the record).
 * The defaults are relaxed/relaxed canonicalisation, a signing time (t=)
 * and RFC 6376 5.4.1's header fields.  The output is the DKIM-Signature
 * field followed by the message unchanged; the field's line ends are the
 * message's own (CRLF or LF).  Exit status 0, or 1 on an error (one line on
 * stderr).
 *
 * The signature comes before the message but depends on all of it, so the
 * message is kept in memory until the end (the library itself keeps only
 * the header and a running body hash).  A signer parses its key once and
 * may sign any number of messages: an MTA makes it at start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "util.h"

#define PROG "sign"

int main(int argc, char **argv)
{
    ma_ctx *ctx = NULL;
    ma_dkim_signer *signer = NULL;
    ma_dkim_sign *signing = NULL;
    ma_msg *msg = NULL;
    bytes message = { NULL, 0, 0 };
    char *field = NULL;
    char chunk[16384];
    size_t n;
    int rc, lf, status = 1;

    if (argc != 4) {
        fprintf(stderr, "usage: " PROG " DOMAIN SELECTOR KEYFILE < message > signed\n");
        return 1;
    }
    rc = ma_ctx_new(&ctx, NULL);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": %s\n", ma_status_str(rc));
        return 1;
    }

    /* 1. The signer: d=, s= and the key, parsed once (util.c reads the
     *    key file, makes the signer and wipes the key bytes). */
    if (make_signer(PROG, ctx, argv[1], argv[2], argv[3], &signer) != 0)
        goto out;

    /* 2. One signing per message, attached to the message reader before
     *    the message is written. */
    rc = ma_msg_new(&msg, ctx);
    if (rc == MA_OK)
        rc = ma_dkim_sign_new(&signing, signer);
    if (rc == MA_OK)
        rc = ma_dkim_sign_attach(signing, msg);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot start: %s\n", ma_status_str(rc));
        goto out;
    }

    /* 3. Stream the message through the reader, keeping a copy to print. */
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

    /* 4. The field.  MA_ESYNTAX: no From field, which must be signed. */
    rc = ma_dkim_sign_field(signing, &field);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot sign: %s\n",
                rc == MA_ESYNTAX ? "the message has no From field" : ma_status_str(rc));
        goto out;
    }

    /* 5. The field, then the message as it came.  The field is folded with
     *    CRLF; a message with LF line ends gets LF there too. */
    lf = uses_lf(&message);
    put_lines(field, lf);
    fputs(lf ? "\n" : "\r\n", stdout);
    fwrite(message.data, 1, message.len, stdout);
    if (fflush(stdout) != 0) {
        fprintf(stderr, PROG ": cannot write to stdout\n");
        goto out;
    }
    status = 0;

out:
    ma_free(ctx, field);
    ma_dkim_sign_free(signing);
    ma_msg_free(msg);
    ma_dkim_signer_free(signer);
    free(message.data);
    ma_ctx_free(ctx);
    return status;
}
