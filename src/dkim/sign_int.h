/*
 * libmailauth internals: the DKIM signer's parts that ARC sealing reuses
 * (the signer object, folding, the h= names).  Never installed.
 */
#ifndef MA_DKIM_SIGN_INT_H
#define MA_DKIM_SIGN_INT_H

#include "crypto/crypto_int.h"
#include "dkim/sig_int.h"

/* Fold a field before a line would pass this many characters. */
#define SIGN_FOLD_AT 76

struct ma_dkim_signer {
    ma_ctx *ctx;
    ma_privkey *key;         /* NULL for an external signer: */
    ma_dkim_sign_fn sign_fn; /*   it signs, */
    void *sign_arg;
    ma_pubkey *pub;          /*   and its signatures are checked with this key */
    char *pub_b64;           /*   (p= of its key record) */
    ma_dkim_alg alg;
    ma_dkim_canon hcanon, bcanon;
    char *domain, *selector, *identity;
    char *headers;           /* lower-case names separated by ':' */
    char *hdisplay;          /* the caller's list as written (WSP runs as one SP), or NULL */
    uint64_t expire;
    unsigned int flags;
    int literal;             /* the caller's header list: h= exactly */
    int default_list;        /* no list given: RFC 6376 5.4.1's fields */
};

/*
 * Sign the header hash hh with the signer's key, or through its external
 * function (whose signature must verify with the published key).  sig has
 * room for *sig_len bytes; *sig_len is the signature's length after.
 * MA_OK, MA_EINVAL, MA_ENOMEM, MA_EINTERNAL (the external function failed
 * or gave a signature that does not verify).
 */
int ma__dkim_signer_sign(const ma_dkim_signer *s, const unsigned char *hh, size_t hh_len,
                         unsigned char *sig, size_t *sig_len);

/*
 * Folding (RFC 6376 3.5 allows FWS around tags, between h= names and
 * inside base64): append text after sep ("" or " "), or after CRLF SP when
 * the line would pass SIGN_FOLD_AT and brk allows a break there; *col is
 * the current column.  ma__fold_tag appends one formatted "tag=value;"
 * after a space; ma__fold_b64 appends base64 folded to the line.
 * MA_OK, MA_EINVAL (a tag over 600 bytes), MA_ENOMEM.
 */
int ma__fold_put(ma_buf *f, size_t *col, const char *sep, const char *text, size_t n, int brk);
int ma__fold_tag(ma_buf *f, size_t *col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int ma__fold_b64(ma_buf *f, size_t *col, const char *b64, size_t n);

/* The h= names signer s signs in msg (at most max): see ma_dkim_sign_opts.headers. */
size_t ma__dkim_sign_names(const ma_dkim_signer *s, const ma_msg *msg, ma_dkim_span *names,
                           size_t max);

#endif /* MA_DKIM_SIGN_INT_H */
