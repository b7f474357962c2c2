/*
 * libmailauth: Authentication-Results (RFC 8601) parsing and writing.
 *
 * One object type, ma_authres, holds one field's content: the authserv-id,
 * the optional version, and a list of results (method, optional method
 * version, result, optional reason, properties).  It is filled either by
 * ma_authres_parse() (reading a field value) or by ma_authres_new() and
 * ma_authres_add() / ma_authres_add_prop() (building one), and written with
 * ma_authres_write().
 *
 * Keywords (method, result, ptype, property) are case-insensitive (RFC 8601
 * 2.2, RFC 5321 Keyword): the object keeps them in lower case.  Values
 * (authserv-id, reason, property values) are kept as decoded text: a
 * quoted-string loses its quotes and backslashes; an address whose
 * local-part is a quoted-string ("a b"@example.com) is kept as written.
 *
 * Bounds are the context limits MA_LIMIT_AUTHRES_RESULTS (results per
 * field), MA_LIMIT_AUTHRES_PROPS (properties per result) and
 * MA_LIMIT_AUTHRES_VALUE_BYTES (bytes per value or keyword), read when an
 * object is made; their defaults are the MA_AUTHRES_MAX_* values below.
 * Exceeding one is MA_ELIMIT; parsing is linear in the input whatever it
 * holds.
 */
#ifndef MAILAUTH_AUTHRES_H
#define MAILAUTH_AUTHRES_H

#include "common.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default of MA_LIMIT_AUTHRES_RESULTS: results one field may hold. */
#define MA_AUTHRES_MAX_RESULTS 64
/** Default of MA_LIMIT_AUTHRES_PROPS: properties one result may hold. */
#define MA_AUTHRES_MAX_PROPS 32
/** Default of MA_LIMIT_AUTHRES_VALUE_BYTES: bytes of one decoded value or keyword. */
#define MA_AUTHRES_MAX_VALUE 512

/** One Authentication-Results field's content, parsed or being built. */
typedef struct ma_authres ma_authres;

/** The Authentication-Results fields of a message selected by authserv-id. */
typedef struct ma_authres_list ma_authres_list;

/**
 * Parse one Authentication-Results field value (what follows the colon; the
 * folding CRLFs may be left in) per RFC 8601 2.2.  The input need not be
 * NUL-terminated.  Tolerated beyond the grammar, where nothing is in doubt:
 * a trailing ";" and empty results (";;"), an empty property value before
 * ";" or the end, property values with characters RFC 2045 tokens exclude
 * (Gmail's "header.b=Ab/+x", "smtp.remote-ip=2001:db8::1",
 * "smtp.mailfrom=<>"), a "reason=" after properties, a trailing CRLF, bare
 * LF folding, and "word=value" without a ptype where a property is expected
 * (Microsoft's "dmarc=pass action=none"): kept as a property whose ptype is
 * "".  So a missing ";" between two results is never guessed: "spf=pass
 * dkim=pass" is one result with a ptype-less property "dkim".  Refused: a
 * field without authserv-id (Microsoft's "spf=pass ..." form; the error
 * says so), a method without "=" or without a result, a version other than
 * 1 (RFC 8601 2.6: what follows may not be in the expected format).
 *
 * @param out receives the object; free it with ma_authres_free().  NULL on error.
 * @param err_offset if not NULL, receives the input offset of the error (0 on success).
 * @param err_text if not NULL, receives a static English description of
 *        the error ("" on success).
 * @return MA_OK, MA_EINVAL (NULL out or ctx, NULL value with len > 0),
 *         MA_ESYNTAX, MA_ELIMIT (a bound above was exceeded, or a version
 *         number of more than 9 digits), MA_EUNSUPPORTED (version not 1),
 *         MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_parse(ma_authres **out, size_t *err_offset, const char **err_text,
                                ma_ctx *ctx, const char *value, size_t len);

/**
 * Start building a field for authserv_id (NUL-terminated; a value: written
 * bare when it is an RFC 2045 token, quoted otherwise).
 * @param out receives the object; free it with ma_authres_free().
 * @return MA_OK, MA_EINVAL (NULL argument, empty or unsafe authserv-id: see
 *         ma_authres_add_prop()), MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_new(ma_authres **out, ma_ctx *ctx, const char *authserv_id);

/** Free an object.  NULL is a no-op. */
MA_EXTERN(void) ma_authres_free(ma_authres *ar);

/** The authserv-id, decoded (never NULL for a valid object).  Borrowed. */
MA_EXTERN(const char *) ma_authres_authserv_id(const ma_authres *ar);

/** The field's version as written after the authserv-id, or 0 when absent (meaning 1). */
MA_EXTERN(unsigned long) ma_authres_version(const ma_authres *ar);

/** The number of results; 0 for a field that says "none" (RFC 8601 2.2 no-result). */
MA_EXTERN(size_t) ma_authres_count(const ma_authres *ar);

/** Result i's method in lower case ("dkim"), or NULL when i is out of range.  Borrowed. */
MA_EXTERN(const char *) ma_authres_method(const ma_authres *ar, size_t i);

/** Result i's method version ("dkim/1" gives 1), 0 when absent or i is out of range. */
MA_EXTERN(unsigned long) ma_authres_method_version(const ma_authres *ar, size_t i);

/** Result i's result keyword in lower case ("pass"), or NULL when i is out of range.  Borrowed. */
MA_EXTERN(const char *) ma_authres_result(const ma_authres *ar, size_t i);

/** Result i's decoded reason= value, or NULL when it has none (or i is out of range).  Borrowed. */
MA_EXTERN(const char *) ma_authres_reason(const ma_authres *ar, size_t i);

/** The number of properties of result i (0 when i is out of range). */
MA_EXTERN(size_t) ma_authres_prop_count(const ma_authres *ar, size_t i);

/**
 * Property j of result i: ptype and property in lower case ("header", "d";
 * ptype "" for a ptype-less "word=value"), and the decoded value.  Any out
 * pointer may be NULL; strings are NUL-terminated and borrowed.
 * @return MA_OK, MA_EINVAL (NULL ar, i or j out of range).
 */
MA_EXTERN(int) ma_authres_prop(const ma_authres *ar, size_t i, size_t j, const char **ptype,
                               const char **property, const char **value);

/**
 * Append a result.  method and result are Keywords (RFC 5321 Ldh-str:
 * letters, digits, inner hyphens), stored in lower case; method_version 0
 * means none; reason (reason_len bytes, may hold any safe text) is NULL
 * for none.
 * @return MA_OK, MA_EINVAL (NULL ar, bad keyword, unsafe reason),
 *         MA_ELIMIT (MA_LIMIT_AUTHRES_RESULTS, or a reason longer than
 *         MA_LIMIT_AUTHRES_VALUE_BYTES), MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_add(ma_authres *ar, const char *method, unsigned long method_version,
                              const char *result, const char *reason, size_t reason_len);

/**
 * Append a property ptype.property=value to the last result.  ptype and
 * property are Keywords as for ma_authres_add().  value is value_len bytes.
 *
 * Safety (CVE-2020-12272 class, header injection): a value is refused
 * (MA_EINVAL) when it holds NUL, CR, LF, any other control character but
 * HTAB, DEL, or bytes >= 0x80 that are not well-formed UTF-8 (RFC 6532).
 * Everything else is escaped by the writer: a value that is not an RFC 2045
 * token and not a plain address ([local-part] "@" domain, dot-atom or
 * quoted-string local-part, domain of letters, digits, '.', '-', '_') is
 * written as a quoted-string with '"' and '\' backslash-escaped, so
 * "example.com(foo" or "x; dkim=pass" can never be read as a comment or a
 * further result.
 * @return MA_OK, MA_EINVAL (NULL ar, no result yet, bad keyword, unsafe
 *         value), MA_ELIMIT (MA_LIMIT_AUTHRES_PROPS, MA_LIMIT_AUTHRES_VALUE_BYTES),
 *         MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_add_prop(ma_authres *ar, const char *ptype, const char *property,
                                   const char *value, size_t value_len);

/** ma_authres_write() flag: start with "Authentication-Results: ". */
#define MA_AUTHRES_WRITE_FIELD 1u

/**
 * Write the field value: authserv-id (and version when set), then "; " and
 * each result ("method[/v]=result [reason=R] [ptype.property=value]..."),
 * or "; none" when there are none.  Lines are folded with CRLF + TAB before
 * a unit that would pass column 78 (a unit, such as "header.d=example.com",
 * is never split; one longer than a line goes on its own line).  Columns
 * count from the start of the field (the folding TAB counts as one, as
 * RFC 5322 2.1.1 counts characters): without MA_AUTHRES_WRITE_FIELD the
 * value is assumed to follow "Authentication-Results: " (24 columns).  No
 * final CRLF.  Every item is checked again as ma_authres_add_prop() does,
 * so a parsed object with a ptype-less property or an unsafe value is
 * refused.
 * @param out receives a NUL-terminated string; free it with ma_free(ctx, *out).
 * @param len_out if not NULL, receives its length.
 * @return MA_OK, MA_EINVAL (NULL argument, unknown flag, unwritable item), MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_write(char **out, size_t *len_out, const ma_authres *ar,
                                unsigned int flags);

/**
 * Parse every Authentication-Results field of msg (any position, top
 * first) whose authserv-id equals authserv_id (ASCII case-insensitive,
 * RFC 8601 5).  A field that fails to parse is not listed; when its
 * authserv-id could still be read and matches, it is counted by
 * ma_authres_list_malformed().
 * @param out receives the list; free it with ma_authres_list_free().
 * @return MA_OK (possibly an empty list), MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_select(ma_authres_list **out, ma_ctx *ctx, const ma_msg *msg,
                                 const char *authserv_id);

/**
 * The results of every Authentication-Results field of msg for
 * authserv_id, as text for an ARC-Authentication-Results (RFC 8617 4.1.1):
 * each field that parses contributes what follows its authserv-id and ';'
 * (comments kept, folding and WSP runs made one space, outer ';' and space
 * dropped), fields in message order, joined by "; ".  Fields that say
 * "none" contribute nothing.
 * @param out receives the text (free with ma_free(ctx, *out)), or NULL
 *        when no field has a result for authserv_id.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_select_text(char **out, ma_ctx *ctx, const ma_msg *msg,
                                      const char *authserv_id);

/**
 * The fields an MTA must delete before adding its own (RFC 8601 5, the
 * CVE-2022-48521 class): the message field indexes (for ma_msg_field()) of
 * every Authentication-Results field that claims authserv_id (ASCII
 * case-insensitive), whether the rest of it parses or not, highest index
 * first, so that deleting them in this order never shifts an index still
 * to be used.
 * @param out receives the array (free with ma_free(ctx, *out)), NULL when
 *        there is none.
 * @return MA_OK, MA_EINVAL (NULL or empty authserv_id), MA_ENOMEM.
 */
MA_EXTERN(int) ma_authres_forged(long **out, size_t *n_out, ma_ctx *ctx, const ma_msg *msg,
                                 const char *authserv_id);

/** The number of fields in the list. */
MA_EXTERN(size_t) ma_authres_list_count(const ma_authres_list *list);

/** Field i of the list, or NULL when out of range.  Borrowed from the list. */
MA_EXTERN(const ma_authres *) ma_authres_list_get(const ma_authres_list *list, size_t i);

/** The message field index (for ma_msg_field()) of list entry i, or -1 when out of range. */
MA_EXTERN(long) ma_authres_list_field(const ma_authres_list *list, size_t i);

/** Fields with the wanted authserv-id that failed to parse. */
MA_EXTERN(size_t) ma_authres_list_malformed(const ma_authres_list *list);

/** Free a list and its fields.  NULL is a no-op. */
MA_EXTERN(void) ma_authres_list_free(ma_authres_list *list);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_AUTHRES_H */
