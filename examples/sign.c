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

#define PROG "sign"
#define KEY_MAX ((size_t)1 << 20)      /* largest key file read */
#define MESSAGE_MAX ((size_t)1 << 28)  /* largest message kept in memory */

/* A growable byte buffer (the message, the key file). */
typedef struct bytes {
    char *data;
    size_t len, cap;
} bytes;

static int bytes_add(bytes *b, const char *data, size_t len, size_t max)
{
    if (len > max - b->len)
        return -1;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        char *p;
        while (cap < b->len + len)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

/* Read a whole file (at most max bytes).  Returns 0 or -1. */
static int read_file(bytes *b, FILE *in, size_t max)
{
    char chunk[16384];
    size_t n;

    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (bytes_add(b, chunk, n, max) != 0)
            return -1;
    return ferror(in) ? -1 : 0;
}

/* Write text with each CRLF as LF when lf is set. */
static void put_lines(const char *text, int lf)
{
    const char *p;

    for (p = text; *p != '\0'; p++)
        if (!(lf && p[0] == '\r' && p[1] == '\n'))
            putchar(*p);
}

int main(int argc, char **argv)
{
    ma_ctx *ctx = NULL;
    ma_dkim_sign_opts opts;
    ma_dkim_signer *signer = NULL;
    ma_dkim_sign *signing = NULL;
    ma_msg *msg = NULL;
    bytes key = { NULL, 0, 0 }, message = { NULL, 0, 0 };
    const char *eol;
    char *field = NULL;
    char chunk[16384];
    size_t n;
    FILE *in;
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

    /* 1. The signer: d=, s= and the key, parsed once. */
    in = fopen(argv[3], "rb");
    if (in == NULL) {
        fprintf(stderr, PROG ": cannot open %s\n", argv[3]);
        goto out;
    }
    rc = read_file(&key, in, KEY_MAX);
    fclose(in);
    if (rc != 0) {
        fprintf(stderr, PROG ": cannot read %s\n", argv[3]);
        goto out;
    }
    ma_dkim_sign_opts_init(&opts, MA_DKIM_SIGN_OPTS_VERSION);
    opts.domain = argv[1];
    opts.selector = argv[2];
    rc = ma_dkim_signer_new(&signer, ctx, &opts, key.data, key.len);
    if (rc != MA_OK) {
        if (rc == MA_ESYNTAX || rc == MA_EUNSUPPORTED)
            fprintf(stderr, PROG ": %s is not an RSA or Ed25519 private key\n", argv[3]);
        else if (rc == MA_EINVAL)
            fprintf(stderr, PROG ": '%s' or '%s' is not a valid domain or selector\n", argv[1],
                    argv[2]);
        else
            fprintf(stderr, PROG ": cannot make the signer: %s\n", ma_status_str(rc));
        goto out;
    }

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
    eol = message.len > 0 ? memchr(message.data, '\n', message.len) : NULL;
    lf = eol != NULL && (eol == message.data || eol[-1] != '\r');
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
    if (key.data != NULL)
        memset(key.data, 0, key.cap);  /* do not leave the private key in freed memory */
    free(key.data);
    free(message.data);
    ma_ctx_free(ctx);
    return status;
}
