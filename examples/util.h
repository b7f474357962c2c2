/*
 * util.h: the plumbing the example programs share (reading files, making a
 * resolver and a signer, printing folded fields), so that each program
 * shows only its own steps.  Public API only, like the programs.
 */
#ifndef EXAMPLES_UTIL_H
#define EXAMPLES_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include <mailauth/mailauth.h>

#define KEY_MAX ((size_t)1 << 20)      /* largest key file read */
#define MESSAGE_MAX ((size_t)1 << 28)  /* largest message kept in memory */

/* A growable byte buffer (a message, a key file); start it as { NULL, 0, 0 }. */
typedef struct bytes {
    char *data;
    size_t len, cap;
} bytes;

/* Append len bytes, keeping b at most max bytes.  Returns 0 or -1. */
int bytes_add(bytes *b, const char *data, size_t len, size_t max);

/* Read the rest of in (at most max bytes) into b.  Returns 0 or -1. */
int read_file(bytes *b, FILE *in, size_t max);

/* Write text to stdout, with each CRLF as LF when lf is set. */
void put_lines(const char *text, int lf);

/* Whether a message uses LF line ends (its first line end is a bare LF). */
int uses_lf(const bytes *message);

/*
 * The resolver: a static zone loaded from zonefile, or "-" for the system's
 * name servers from /etc/resolv.conf (the ldns stub resolver).  Returns 0,
 * or 1 after a message on stderr that starts with prog.
 */
int make_resolver(const char *prog, ma_ctx *ctx, const char *zonefile, ma_static_zone **zone,
                  ma_resolver **resolver);

/*
 * A DKIM signer for d=domain, s=selector from the private key in the file
 * at path (PEM or DER, RSA or Ed25519), with the default options.  The key
 * bytes are wiped once the signer has parsed them.  Returns 0, or 1 after a
 * message on stderr that starts with prog.
 */
int make_signer(const char *prog, ma_ctx *ctx, const char *domain, const char *selector,
                const char *path, ma_dkim_signer **signer);

#endif /* EXAMPLES_UTIL_H */
