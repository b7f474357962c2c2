/*
 * libmailauth internals: DKIM canonicalisation (RFC 6376 3.4), shared by
 * the DKIM verifier and signer and by ARC.  Never installed.
 *
 * Body: one ma_canon_body per (canonicalisation, l=) pair streams the body
 * into a digest, over spans of any size, without copying it; every chunking
 * of the same body gives the same digest.  Header: ma__canon_header()
 * canonicalises one field as the message reader gives it raw.
 */
#ifndef MA_CANON_INT_H
#define MA_CANON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "crypto/crypto_int.h"
#include "mailauth/dkim.h"

/* -------------------------------------------------------------------- body */

/** No l= tag: hash the whole canonical body. */
#define MA_CANON_NO_LIMIT UINT64_MAX

/**
 * A streaming body canonicaliser.  Plain struct, no allocation: embed it or
 * put it on the stack (about 4 KB).  Fields are private to canon.c; use the
 * functions.
 *
 * Input is what a ma_msg body consumer receives: lines end in CRLF.  A CR
 * not followed by LF, and an LF not preceded by CR, are ordinary bytes (not
 * line ends) in both algorithms.  Only the held-back tail is state: the
 * CRLFs of trailing empty lines (and, relaxed, a pending run of WSP, a CR
 * whose LF may come in the next span).
 */
/** Relaxed: canonical bytes are gathered up to this many before they go to
 *  the digest (whose per-call cost would otherwise dominate short pieces). */
#define MA_CANON_BUF_SIZE 4096

typedef struct ma_canon_body {
    ma_digest *digest;   /* borrowed; fed the canonical body up to limit */
    uint64_t limit;      /* l=, or MA_CANON_NO_LIMIT */
    uint64_t total;      /* canonical bytes produced (the whole body) */
    uint64_t hashed;     /* of those, bytes fed to the digest: min(limit, total) */
    uint64_t held;       /* CRLFs seen since the last content byte, not yet produced */
    ma_dkim_canon canon;
    int status;          /* sticky: the first digest failure */
    bool cr_pending;     /* the span ended in a CR */
    bool wsp_pending;    /* relaxed: a WSP run not yet produced (one SP or nothing) */
    bool content;        /* a byte other than a line end (relaxed: and WSP) was produced */
    bool finished;
    bool tail_text;      /* a canonical byte past the limit is not SP, HTAB, CR or LF */
    unsigned char simd;  /* relaxed copy loop: MA_CANON_SIMD_* (set by init) */
    bool blockwise;      /* the digest takes 64-byte blocks cheaply (set by init) */
    size_t buf_len;      /* relaxed: bytes in buf */
    size_t buf_fed;      /* relaxed: of those, bytes already fed (AVX2 loop, blockwise) */
    unsigned char buf[MA_CANON_BUF_SIZE]; /* last: init does not clear it */
} ma_canon_body;

/**
 * Set up b for canonicalisation canon (MA_DKIM_SIMPLE or MA_DKIM_RELAXED),
 * hashing at most limit canonical bytes (the l= value, or
 * MA_CANON_NO_LIMIT) into digest.  digest is borrowed and should be fresh
 * or reset; the caller finalises it after ma__canon_body_finish().  b may
 * be set up again to reuse it.
 * @return MA_OK, MA_EINVAL (NULL b or digest, unknown canon).
 */
int ma__canon_body_init(ma_canon_body *b, ma_dkim_canon canon, uint64_t limit, ma_digest *digest);

/** Relaxed body copy loops (ma__canon_body_simd()). */
#define MA_CANON_SIMD_NONE 0 /* portable: scan, then copy each piece */
#define MA_CANON_SIMD_SSE2 1 /* x86-64: 16 bytes a step, copied as scanned */
#define MA_CANON_SIMD_AVX2 2 /* x86-64 with AVX2 (checked at run time): 32 bytes */
#define MA_CANON_SIMD_SHA 3  /* x86-64 with SHA-NI and a native digest, no l=: 16 bytes
                                a step, each 64 canonical bytes hashed in the loop */

/**
 * Choose the relaxed copy loop (for tests and benchmarks; init picks the
 * best one the CPU has).  A level the build, the CPU or the body (its
 * digest and limit) lacks is lowered to one it has.  Every level gives the same output.
 * @return the level now in use, or -1 for a NULL b.
 */
int ma__canon_body_simd(ma_canon_body *b, int level);

/**
 * Canonicalise and hash len more bytes of body (data may be NULL when len
 * is 0).  Simple hands the digest the input's own spans; relaxed gathers
 * canonical bytes in b's buffer and hands the digest whole buffers (some
 * long pieces go straight through), so the digest has seen everything only
 * after ma__canon_body_finish().
 * @return MA_OK, MA_EINVAL, MA_ESTATE (after finish), or the digest's
 *         failure (sticky: every later call returns it again; a digest that
 *         is already final is reported by the first update either way).
 */
int ma__canon_body_update(ma_canon_body *b, const void *data, size_t len);

/**
 * End of the body: produce the held-back tail (RFC 6376 3.4.3 and 3.4.4:
 * one final CRLF, or nothing for an empty relaxed body).  Then read the
 * lengths and finalise the digest.
 * @return as ma__canon_body_update(); MA_ESTATE when called twice.
 */
int ma__canon_body_finish(ma_canon_body *b);

/**
 * The canonical body length so far; after finish, of the whole body (also
 * past l=).  A verifier compares it with l=: when l= is larger than this,
 * the signature claims more body than there is (RFC 6376 6.1.3).
 */
uint64_t ma__canon_body_length(const ma_canon_body *b);

/** Canonical bytes fed to the digest: min(l=, length). */
uint64_t ma__canon_body_hashed(const ma_canon_body *b);

/**
 * Whether the canonical body past the limit holds anything but SP, HTAB,
 * CR and LF (for a verifier that accepts an unsigned tail of whitespace).
 */
bool ma__canon_body_tail_text(const ma_canon_body *b);

/**
 * A ma_msg_body_fn for ma_msg_add_body_consumer() with a ma_canon_body as
 * payload: spans go to update, the final (NULL, 0) call to finish.
 */
int ma__canon_body_consume(const char *data, size_t len, void *payload);

/* ------------------------------------------------------------------ header */

/** ma__canon_header() flag: no CRLF after the field (the DKIM-Signature
 *  field being verified or signed is hashed without it, RFC 6376 3.7). */
#define MA_CANON_NO_CRLF 1u

/**
 * Append the canonical form of one header field to out.  field is the field
 * as ma_msg_field_raw() gives it: name, colon, value with its folding CRLFs,
 * no final CRLF; it must contain a colon.
 * - simple (3.4.1): unchanged.
 * - relaxed (3.4.2): the name lower-cased (ASCII); unfolded; every run of
 *   WSP turned into one SP; WSP at the end of the value and before and after
 *   the colon deleted.  CR and LF bytes count as WSP here: a folding CRLF is
 *   always followed by WSP, so this is exactly unfolding plus step 3, and a
 *   stray CR or LF (RFC 5322 4.1 obs-unstruct allows them) becomes WSP as
 *   in OpenDKIM rather than surviving into the output.  So the output has no
 *   CR or LF but the final CRLF.
 * Then CRLF, unless flags has MA_CANON_NO_CRLF.
 * @return MA_OK; MA_ESYNTAX (no colon); MA_EINVAL (NULL out, NULL field
 *         with len > 0, unknown canon or flags); MA_ENOMEM.  On error out is
 *         as it was.
 */
int ma__canon_header(ma_buf *out, ma_dkim_canon canon, const char *field, size_t len,
                     unsigned int flags);

/**
 * Canonicalise one header field (as ma__canon_header()) straight into a
 * digest.  simple hashes the field in place; relaxed goes through scratch,
 * which is reset first and may be reused across calls.
 * @return as ma__canon_header(), or the digest's failure.
 */
int ma__canon_header_hash(ma_digest *d, ma_buf *scratch, ma_dkim_canon canon, const char *field,
                          size_t len, unsigned int flags);

/**
 * As ma__canon_header_hash(), for the field without its bytes
 * [gap_off, gap_off + gap_len): the signature field with its b= value cut
 * out (RFC 6376 3.7), without copying it first.  The gap must lie after the
 * field's first colon.
 * @return as ma__canon_header_hash(); MA_EINVAL for a gap outside the
 *         field or not after the colon.
 */
int ma__canon_header_hash_gap(ma_digest *d, ma_buf *scratch, ma_dkim_canon canon,
                              const char *field, size_t len, size_t gap_off, size_t gap_len,
                              unsigned int flags);

/* ------------------------------------------------------ body hash sets */

/*
 * The body hashes a verifier needs: one per distinct (canonicalisation,
 * l=, hash) among its signatures, each fed the body once as it streams
 * (RFC 6376 5.3-5.4; DKIM verification and ARC validation both use it).
 */
typedef struct ma_body_hash {
    ma_dkim_canon canon;
    uint64_t limit;              /* l=, or MA_CANON_NO_LIMIT */
    ma_hash hash;
    ma_digest *digest;
    ma_canon_body body;
    unsigned char md[MA_DIGEST_MAX]; /* the body hash, once fed the end */
    size_t md_len;
} ma_body_hash;

/*
 * The index in set[0..*n) of the body hash for (canon, limit, hash), made
 * (set[*n], *n grown) on first use; the caller has room for one more.
 * Returns the index, or a negative status.
 */
long ma__body_hash_get(ma_body_hash *set, size_t *n, const ma_ctx *ctx, ma_dkim_canon canon,
                       uint64_t limit, ma_hash hash);

/* Feed every body hash a span of the body; data NULL: the end (each
   canonicaliser finishes and its digest is finalised into md). */
int ma__body_hash_feed(ma_body_hash *set, size_t n, const char *data, size_t len);

/* Release the digests of set[0..n). */
void ma__body_hash_free(ma_body_hash *set, size_t n);

#endif /* MA_CANON_INT_H */
