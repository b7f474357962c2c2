/*
 * libmailauth internals: the core layer.  Never installed.
 *
 * Internal functions with external linkage are named ma__<area>_<verb> and
 * are hidden by -fvisibility=hidden and the version script.
 */
#ifndef MA_CORE_H
#define MA_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailauth/common.h"
#include "mailauth/addr.h"

/* ------------------------------------------------------------------ context */

struct ma_ctx {
    ma_malloc_fn malloc_fn;
    ma_realloc_fn realloc_fn;
    ma_free_fn free_fn;
    void *alloc_payload;
    ma_clock_fn clock_fn;
    void *clock_payload;
    ma_log_fn log_fn;
    void *log_payload;
    ma_log_level log_level;
    uint64_t limits[MA_LIMIT_COUNT];
    /* Objects a layer derives once per context (see ma__ctx_slot); atomic. */
    void *slots[2];
    void (*slot_destroy[2])(const ma_ctx *ctx, void *obj);
};

/* The per-context caches (ma__ctx_slot). */
typedef enum ma_ctx_slot {
    MA_CTX_SLOT_CRYPTO = 0,   /* src/crypto: fetched digest methods */
    MA_CTX_SLOT_COUNT = 1
} ma_ctx_slot;

/*
 * A context's object for slot which, made by make(ctx) on first use and
 * freed with destroy(ctx, obj) by ma_ctx_free().  The context stays
 * immutable for its users: the slot is set once, atomically; two threads
 * racing both make one, the loser destroys its own.  NULL when make fails
 * (the caller falls back to doing the work itself).
 */
void *ma__ctx_slot(const ma_ctx *ctx, ma_ctx_slot which, void *(*make)(const ma_ctx *ctx),
                   void (*destroy)(const ma_ctx *ctx, void *obj));

void *ma__alloc(const ma_ctx *ctx, size_t size);          /* uninitialised */
void *ma__calloc(const ma_ctx *ctx, size_t n, size_t size); /* zeroed, overflow-checked */
void *ma__realloc(const ma_ctx *ctx, void *ptr, size_t size);
void ma__free(const ma_ctx *ctx, void *ptr);
char *ma__strndup(const ma_ctx *ctx, const char *s, size_t len); /* NUL-terminated copy */
void ma__wipe(void *p, size_t len);                        /* not optimised away */

/* Log through the context's callback when level is enabled. */
void ma__log(const ma_ctx *ctx, ma_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static inline uint64_t ma__limit(const ma_ctx *ctx, ma_limit which)
{
    return ctx->limits[which];
}

/* ------------------------------------------------------------------ buffers */

/* A growable byte buffer, always NUL-terminated when data != NULL. */
typedef struct ma_buf {
    const ma_ctx *ctx;
    char *data;
    size_t len;
    size_t cap;
    int borrowed;         /* data is the caller's memory (ma__buf_init_on) */
} ma_buf;

void ma__buf_init(ma_buf *b, const ma_ctx *ctx);
/*
 * A buffer that starts in the caller's memory (cap bytes, e.g. on the
 * stack): no allocation while the content fits; when it outgrows it, the
 * content moves to the heap (or, with ctx NULL, the growth fails with
 * MA_ENOMEM).  ma__buf_free() releases only heap storage.
 */
void ma__buf_init_on(ma_buf *b, const ma_ctx *ctx, char *mem, size_t cap);
void ma__buf_free(ma_buf *b);                 /* releases the storage */
void ma__buf_reset(ma_buf *b);                /* len = 0, keeps storage */
int ma__buf_reserve(ma_buf *b, size_t extra); /* room for extra more bytes + NUL */
int ma__buf_append(ma_buf *b, const void *data, size_t len);
int ma__buf_putc(ma_buf *b, char c);
int ma__buf_printf(ma_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hand the storage to the caller (NUL-terminated, ma_free-able); the buffer is emptied. */
char *ma__buf_steal(ma_buf *b, size_t *len_out);

/* Error text holder for objects (per-object error detail, never global). */
typedef struct ma_errbuf {
    char text[256];
    int64_t offset;
} ma_errbuf;

void ma__err_set(ma_errbuf *e, int64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void ma__err_clear(ma_errbuf *e);

/* ------------------------------------------------------------------ ASCII */

static inline int ma__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static inline bool ma__is_alpha(int c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static inline bool ma__is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool ma__is_wsp(int c) { return c == ' ' || c == '\t'; }
/* ASCII case-insensitive comparison of two spans; 0 when equal. */
int ma__casecmp(const char *a, size_t alen, const char *b, size_t blen);

/* ------------------------------------------------------------------ base64 */

/* Decoded size upper bound for n input bytes. */
#define MA_BASE64_DECODED_MAX(n) (((n) / 4 + 1) * 3)
/* Encoded size for n input bytes (no NUL). */
#define MA_BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)

/*
 * Decode base64 (RFC 4648 alphabet, '=' padding required to a multiple of 4
 * data characters, WSP/CR/LF anywhere skipped as RFC 6376 3.5 allows for
 * b=, bh= and p=).  out must hold MA_BASE64_DECODED_MAX(len) bytes.
 * Returns MA_OK, MA_ESYNTAX (bad character, bad padding, data after padding,
 * nonzero pad bits) or MA_EINVAL (NULL out_len, or NULL in/out with len > 0);
 * *out_len is 0 after an error.
 */
int ma__base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len);
/* Encode; out must hold MA_BASE64_ENCODED_LEN(len) bytes.  Returns the length written. */
size_t ma__base64_encode(const unsigned char *in, size_t len, char *out);

/* ------------------------------------------------------------------ tag=value */

/* One tag of an RFC 6376 3.2 tag-list; spans point into the parsed input. */
typedef struct ma_tag {
    const char *name;
    size_t name_len;
    const char *value;   /* tag-value with surrounding FWS removed; inner FWS kept */
    size_t value_len;
    size_t offset;       /* offset of the tag name in the input */
} ma_tag;

typedef struct ma_taglist {
    ma_tag *tags;
    size_t count;
    size_t cap;
} ma_taglist;

/*
 * Parse an RFC 6376 3.2 tag-list:
 *   tag-list = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 * tag-name = ALPHA *(ALPHA / DIGIT / "_"); tag-value bytes are VALCHAR
 * (%x21-3A / %x3C-7E) separated by FWS.  Empty values are allowed; a
 * duplicate tag name (case-sensitive) is an error (3.2: "MUST be
 * interpreted as a syntax error").  FWS may contain CRLF followed by WSP.
 *
 * flags: MA_TAGLIST_ALLOW_EMPTY_SPEC accepts empty tag-specs (";;"), seen in
 * real DMARC records.  Returns MA_OK, MA_ESYNTAX (err says where), MA_ELIMIT
 * (more than MA_LIMIT_TAGS tags), MA_EINVAL (bad arguments, unknown flags),
 * MA_ENOMEM.  The list must be zeroed ({0}) before its first use; it is reset
 * at each parse and left empty after an error.
 */
#define MA_TAGLIST_ALLOW_EMPTY_SPEC 1u
int ma__taglist_parse(ma_taglist *tl, const ma_ctx *ctx, const char *in, size_t len,
                      unsigned int flags, ma_errbuf *err);
void ma__taglist_free(ma_taglist *tl, const ma_ctx *ctx);
/*
 * Length of the well-formed non-ASCII UTF-8 sequence at s[0..avail), or 0
 * when it is malformed (RFC 3629 4: no overlongs, no surrogates, nothing
 * above U+10FFFF).
 */
size_t ma__utf8_len(const unsigned char *s, size_t avail);
/* The tag-list parser's error text for the byte at off (where: "after '='"...). */
void ma__taglist_err_char(ma_errbuf *err, size_t off, const unsigned char *s, size_t len,
                          const char *where);
/* The tag named name (case-sensitive), or NULL. */
const ma_tag *ma__taglist_get(const ma_taglist *tl, const char *name);

/* ------------------------------------------------------------------ names */

/*
 * Validate and normalize a domain name (see ma_domain_normalize) into a
 * ma_buf (appended).  Internal entry point used by the protocols.
 */
int ma__domain_normalize_buf(ma_buf *out, const ma_ctx *ctx, const char *name, size_t len,
                             unsigned int flags);

/* ----------------------------------------------------------------- messages */

struct ma_msg;
/*
 * Remove every header hook and body consumer registered with payload: an
 * attach that fails part-way, or a caller that frees what it attached,
 * leaves nothing behind that would be called with freed memory.
 */
void ma__msg_forget(struct ma_msg *msg, const void *payload);

#endif /* MA_CORE_H */
