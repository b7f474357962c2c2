/*
 * libmailauth: the streaming RFC 5322 message reader.
 *
 * Feed the message in chunks of any size with ma_msg_write(), then call
 * ma_msg_finish().  Line endings may be CRLF or bare LF; the reader hands
 * everything on with CRLF line endings (bare LF becomes CRLF; a lone CR that
 * is not followed by LF is kept as it is).  Header fields are kept and
 * indexed, within three limits read when the reader is created:
 * MA_LIMIT_HEADER_FIELD_BYTES bounds one field as ma_msg_field_raw() gives
 * it (name, colon, value, folding CRLFs; not the final CRLF);
 * MA_LIMIT_HEADER_BYTES bounds all fields with CRLF line endings (not the
 * empty line); MA_LIMIT_HEADER_FIELDS bounds their number.  The body is never kept: it is passed to the
 * body consumers as it arrives.
 */
#ifndef MAILAUTH_MESSAGE_H
#define MAILAUTH_MESSAGE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A message being read.  Used by one thread at a time. */
typedef struct ma_msg ma_msg;

/**
 * A body consumer: receives the body, CRLF-normalized, in spans of any size,
 * then one call with data == NULL and len == 0 at the end of the message.
 * A negative return stops the reader, which returns that status.
 */
typedef int (*ma_msg_body_fn)(const char *data, size_t len, void *payload);

/** Create a reader.  @return MA_OK, MA_EINVAL, MA_ENOMEM. */
MA_EXTERN(int) ma_msg_new(ma_msg **out, ma_ctx *ctx);

/** Free a reader.  NULL is a no-op. */
MA_EXTERN(void) ma_msg_free(ma_msg *msg);

/**
 * Called once when the header is complete (at the empty line, or at
 * ma_msg_finish() for a message without one), before any body byte reaches
 * the consumers: the place to read the fields and add the body consumers
 * they call for.  A negative return fails the reader with that status.
 */
typedef int (*ma_msg_header_fn)(ma_msg *msg, void *payload);

/**
 * Register a header hook (see ma_msg_header_fn); hooks run in the order
 * registered.  At most 16.
 * @return MA_OK, MA_EINVAL, MA_ESTATE (the header is already complete),
 *         MA_ELIMIT.
 */
MA_EXTERN(int) ma_msg_on_header(ma_msg *msg, ma_msg_header_fn fn, void *payload);

/**
 * Add a body consumer.  Consumers added before the body starts see all of
 * it; adding one later returns MA_ESTATE.  The body starts with the first
 * call to the consumers, so a caller that writes the header on its own
 * (say, up to the empty line) may read the fields and add consumers once
 * ma_msg_header_done() is true.  At most 32 consumers.
 * @return MA_OK, MA_EINVAL, MA_ESTATE, MA_ELIMIT.
 */
MA_EXTERN(int) ma_msg_add_body_consumer(ma_msg *msg, ma_msg_body_fn fn, void *payload);

/**
 * Feed len bytes.  Any chunking gives the same result.
 * @return MA_OK; MA_ESYNTAX for a malformed header (a line that is neither a
 *         field nor a continuation, an empty or invalid field name, a NUL);
 *         MA_ELIMIT when a header limit is exceeded; a consumer's negative
 *         status; MA_ESTATE after finish.  After an error the reader is
 *         failed: every later call returns that error's status again, and
 *         ma_msg_error() says why and where.
 */
MA_EXTERN(int) ma_msg_write(ma_msg *msg, const void *data, size_t len);

/**
 * End of input: completes the last line and tells the consumers.  A message
 * without a body (no empty line) is valid.
 * @return as ma_msg_write().
 */
MA_EXTERN(int) ma_msg_finish(ma_msg *msg);

/** Whether the header is complete (the empty line was read, or finish was called). */
MA_EXTERN(int) ma_msg_header_done(const ma_msg *msg);

/** The number of header fields read so far. */
MA_EXTERN(size_t) ma_msg_field_count(const ma_msg *msg);

/**
 * Field i (0 = topmost): its name as written, and its raw value (everything
 * after the colon up to, not including, the final CRLF; folding kept).  Not
 * NUL-terminated; borrowed until the message is freed.  Any out pointer may
 * be NULL.
 * @return MA_OK, MA_EINVAL (i out of range).
 */
MA_EXTERN(int) ma_msg_field(const ma_msg *msg, size_t i, const char **name, size_t *name_len,
                            const char **value, size_t *value_len);

/**
 * Field i as it was read: name, colon, value and folding CRLFs, without the
 * final CRLF (what DKIM "simple" header canonicalisation signs).
 * @return MA_OK, MA_EINVAL.
 */
MA_EXTERN(int) ma_msg_field_raw(const ma_msg *msg, size_t i, const char **raw, size_t *raw_len);

/**
 * The unfolded value of field i: the raw value with every CRLF that is
 * followed by WSP removed (RFC 5322 2.2.3), leading and trailing WSP
 * trimmed.  NUL-terminated; borrowed until the message is freed.
 * @return MA_OK, MA_EINVAL.
 */
MA_EXTERN(int) ma_msg_field_unfolded(const ma_msg *msg, size_t i, const char **value, size_t *len);

/**
 * Find the next field named name (ASCII case-insensitive) at an index >=
 * start.  Returns its index, or -1 when there is none.
 */
MA_EXTERN(long) ma_msg_find(const ma_msg *msg, const char *name, size_t start);

/** Body bytes passed to consumers so far (after CRLF normalization). */
MA_EXTERN(uint64_t) ma_msg_body_length(const ma_msg *msg);

/** Bytes of input read so far (before normalization). */
MA_EXTERN(uint64_t) ma_msg_input_length(const ma_msg *msg);

/**
 * What went wrong, e.g. "header line 3 (offset 120): no colon", or "" when
 * nothing did.  Borrowed.
 */
MA_EXTERN(const char *) ma_msg_error(const ma_msg *msg);

/** Input offset of the error, or -1 when there is none. */
MA_EXTERN(int64_t) ma_msg_error_offset(const ma_msg *msg);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_MESSAGE_H */
