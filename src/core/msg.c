/*
 * The streaming RFC 5322 message reader (include/mailauth/message.h).
 *
 * The input is processed, logically, one byte after the other in one pass
 * (runs of ordinary bytes are handled together), so the result (fields, body
 * bytes, error text and offset) does not depend on how the input was cut into
 * chunks; the only state carried from one chunk to the next is a few flags
 * and the field being read.
 *
 * Line endings.  LF and CRLF both end a line and are handed on as CRLF.  A CR
 * that is not followed by LF (a "lone CR") is an ordinary byte: kept in a
 * field value as it is, passed through in the body, and invalid in a field
 * name.  In the header a CR is held back until the next byte tells which it
 * is (it may arrive in the next chunk); in the body nothing has to be held
 * back: a CR is always passed through, and an LF gets a CR put in front of
 * it only when the input byte before it (possibly the last byte of the
 * previous chunk) was not a CR.
 *
 * Header syntax (RFC 5322 2.2, 2.2.3, 3.6.8, 4.5.8):
 *   field      = field-name *WSP ":" value CRLF *(WSP value CRLF)
 *   field-name = 1*ftext, ftext = %d33-57 / %d59-126
 * WSP between the name and the colon is the obsolete syntax of RFC 5322
 * 4.5.8 (obs-optional = field-name *WSP ":" unstructured CRLF); it is
 * accepted because real mail has it, and the name excludes it.  A line that
 * starts with WSP continues (folds) the previous field.  The header ends at
 * the first empty line, which belongs to neither the header nor the body;
 * without one the whole message is header, and a last field that ends at the
 * end of the input without a line ending is complete.
 *
 * Errors (MA_ESYNTAX): a continuation line before the first field, a line
 * without a colon, an empty field name, a byte outside ftext in a field name,
 * a NUL anywhere in the header.  A leading mbox "From " separator line (as in
 * "From alice@example.org Thu Jan  1 00:00:00 2025") is not a header field
 * either: it is a syntax error like any other line without a colon after the
 * name.  Callers that read mbox files strip that line before writing.
 *
 * Limits (MA_ELIMIT), checked as the bytes arrive so that memory stays
 * bounded whatever the input, even a header without any line ending:
 * - MA_LIMIT_HEADER_FIELD_BYTES: the bytes of one field as ma_msg_field_raw()
 *   returns it (name, colon, value, folding CRLFs; not the final CRLF);
 * - MA_LIMIT_HEADER_BYTES: the bytes of all fields, each counted with its
 *   line endings as CRLF (the header as DKIM sees it), the empty line that
 *   ends the header not included;
 * - MA_LIMIT_HEADER_FIELDS: the number of fields.
 * The limits are read from the context when the reader is created (a field
 * limit above 4 GiB - 1 is taken as 4 GiB - 1).  The memory kept is the
 * fields, raw and unfolded (at most about twice MA_LIMIT_HEADER_BYTES), the
 * field index (32 bytes a field, at most MA_LIMIT_HEADER_FIELDS and at most
 * one per 4 header bytes), the field being read and one 8 KiB buffer.
 *
 * Storage.  Complete fields are copied into an arena of blocks that are never
 * moved or freed before the reader, so the pointers the accessors return stay
 * valid while more input is written.  The unfolded value is computed when a
 * field is complete and stored right after the raw field.
 *
 * Body.  The body is never kept.  A span of input that needs no change
 * (anything but a bare LF) is handed to the consumers directly, without a
 * copy, when it is at least MSG_DIRECT_MIN bytes long; shorter spans and the
 * CRLFs that replace bare LFs are gathered in an 8 KiB buffer so that LF-only
 * input still reaches the consumers in large spans.  The buffer is flushed at
 * the end of every ma_msg_write(), so every body byte written has been
 * delivered when the call returns.  Consumers are never called with an empty
 * span, except for the one final (NULL, 0) call from ma_msg_finish().
 *
 * "The body starts" (after which ma_msg_add_body_consumer() returns
 * MA_ESTATE) when the consumers are first called: with the first body span,
 * or with the final call.  A caller that writes the header on its own (or
 * whose write happens to end right after the empty line) may therefore look
 * at the complete header, then add consumers that still see the whole body.
 *
 * A consumer's negative return fails the reader at once: the consumers after
 * it do not get that span, and no consumer is called again.  The error offset
 * is then the input read so far (the end of the failing write).
 *
 * Failure is sticky: after an error every ma_msg_write() and ma_msg_finish()
 * returns the status of that error.  After a successful finish they return
 * MA_ESTATE.
 */
#include "config.h"

#include <string.h>

#include "core/core.h"
#include "mailauth/message.h"

/* The body scan for bare LFs uses AVX2 when the CPU has it (checked at run
   time; the code is compiled in with a target attribute). */
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define MSG_SSE2 1
#endif
#if defined(__GNUC__) && defined(__x86_64__) \
    && (defined(__clang__) ? __clang_major__ >= 4 : __GNUC__ >= 5)
#include <immintrin.h>
#define MSG_AVX2 1
#endif

#define MSG_MAX_CONSUMERS 32
#define MSG_MAX_HOOKS 16
#define MSG_OBUF_SIZE 8192
#define MSG_DIRECT_MIN 256
#define MSG_BLOCK_MIN 1024
#define MSG_BLOCK_MAX (64 * 1024)
#define MSG_FIELD_MAX UINT32_MAX /* cap on MA_LIMIT_HEADER_FIELD_BYTES */

/* Where the header parser is. */
enum msg_state {
    ST_LINE_START, /* at the first byte of a header line */
    ST_NAME,       /* in a field name */
    ST_NAME_WSP,   /* after a field name and WSP, before the colon */
    ST_VALUE,      /* in a field value (first line or continuation) */
    ST_BODY        /* the header is done */
};

/*
 * One complete field (32 bytes on LP64).  In the arena: raw, NUL, unfolded
 * value, NUL.  The 32-bit members hold at most MSG_FIELD_MAX.
 */
typedef struct msg_field {
    const char *raw;       /* name ":" value, folding kept; NUL-terminated */
    size_t raw_len;
    size_t unfolded_len;   /* the unfolded value is at raw + raw_len + 1 */
    uint32_t name_len;     /* name without WSP before the colon */
    uint32_t value_off;    /* offset of the value (after the colon) in raw */
} msg_field;

typedef struct msg_block {
    struct msg_block *next;
    size_t cap;
    size_t used;
    char data[];
} msg_block;

typedef struct msg_consumer {
    ma_msg_body_fn fn;
    void *payload;
} msg_consumer;

typedef struct msg_header_hook {
    ma_msg_header_fn fn;
    void *payload;
} msg_header_hook;

struct ma_msg {
    ma_ctx *ctx;
    int status;              /* MA_OK, or the error that failed the reader */
    bool finished;
    bool header_done;
    bool body_started;       /* the consumers have been called */
    bool cr_pending;         /* header: a CR whose meaning is not known yet */
    bool body_last_cr;       /* body: the last input byte was a CR */
    bool in_field;           /* cur holds a field (started, not committed) */
    bool avx2;               /* the body scan may use AVX2 */
    enum msg_state state;

    /* limits, read from the context once */
    uint64_t max_header_bytes;
    uint64_t max_fields;
    uint64_t max_field_bytes;

    uint64_t in_len;         /* input bytes read */
    uint64_t body_len;       /* normalized body bytes delivered */
    uint64_t header_used;    /* header bytes counted against MA_LIMIT_HEADER_BYTES */
    uint64_t line_no;        /* current header line, 1-based */
    uint64_t line_off;       /* input offset of the current header line */

    /* the field being read */
    ma_buf cur;
    size_t cur_name_len;
    size_t cur_value_off;

    /* complete fields */
    msg_field *fields;
    size_t nfields;
    size_t fields_cap;
    msg_block *blocks;       /* newest first */

    msg_consumer consumers[MSG_MAX_CONSUMERS];
    size_t nconsumers;
    msg_header_hook hooks[MSG_MAX_HOOKS];
    size_t nhooks;

    ma_errbuf err;
    size_t obuf_len;
    char obuf[MSG_OBUF_SIZE];
};

/* ------------------------------------------------------------------ errors */

static int msg_fail(ma_msg *msg, int status)
{
    msg->status = status;
    return status;
}

static int msg_hdr_error(ma_msg *msg, int status, uint64_t off, const char *what)
{
    ma__err_set(&msg->err, (int64_t)off, "header line %llu (offset %llu): %s",
                (unsigned long long)msg->line_no, (unsigned long long)off, what);
    return msg_fail(msg, status);
}

static int msg_hdr_bad_name_byte(ma_msg *msg, uint64_t off, unsigned char c)
{
    ma__err_set(&msg->err, (int64_t)off,
                "header line %llu (offset %llu): invalid byte 0x%02x in field name",
                (unsigned long long)msg->line_no, (unsigned long long)off, (unsigned)c);
    return msg_fail(msg, MA_ESYNTAX);
}

static int msg_hdr_limit(ma_msg *msg, uint64_t off, ma_limit which)
{
    const char *what;
    uint64_t max;
    switch (which) {
    case MA_LIMIT_HEADER_FIELD_BYTES:
        what = "header field longer than";
        max = msg->max_field_bytes;
        break;
    case MA_LIMIT_HEADER_FIELDS:
        what = "more header fields than";
        max = msg->max_fields;
        break;
    default:
        what = "header larger than";
        max = msg->max_header_bytes;
        break;
    }
    ma__err_set(&msg->err, (int64_t)off, "header line %llu (offset %llu): %s %llu%s (limit %s)",
                (unsigned long long)msg->line_no, (unsigned long long)off, what,
                (unsigned long long)max, which == MA_LIMIT_HEADER_FIELDS ? "" : " bytes",
                ma_limit_name(which));
    return msg_fail(msg, MA_ELIMIT);
}

static int msg_oom(ma_msg *msg, uint64_t off)
{
    ma__err_set(&msg->err, (int64_t)off, "out of memory");
    return msg_fail(msg, MA_ENOMEM);
}

/* ------------------------------------------------------------------ fields */

static bool msg_is_ftext(unsigned char c)
{
    return c >= 33 && c <= 126 && c != ':';
}

/* Memory from the arena; never moved, freed with the reader. */
static char *msg_arena_alloc(ma_msg *msg, size_t size)
{
    msg_block *b = msg->blocks;
    char *p;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = b == NULL ? MSG_BLOCK_MIN : b->cap * 2;
        if (cap > MSG_BLOCK_MAX)
            cap = MSG_BLOCK_MAX;
        if (cap < size)
            cap = size;
        if (cap > SIZE_MAX - sizeof *b)
            return NULL;
        b = ma__alloc(msg->ctx, sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->next = msg->blocks;
        b->cap = cap;
        b->used = 0;
        msg->blocks = b;
    }
    p = b->data + b->used;
    b->used += size;
    return p;
}

/*
 * Append n header bytes to the field being read.  The bytes are input bytes
 * at offsets off, off+1...; count says whether they count against
 * MA_LIMIT_HEADER_BYTES (a folding CRLF was counted when its line ended).  On
 * a limit the error names the offset of the first byte that does not fit.
 */
static int msg_cur_append(ma_msg *msg, const char *p, size_t n, uint64_t off, bool count)
{
    uint64_t len = msg->cur.len;
    uint64_t room_field = msg->max_field_bytes > len ? msg->max_field_bytes - len : 0;
    uint64_t room_hdr = 0;
    if (count)
        room_hdr = msg->max_header_bytes > msg->header_used
                       ? msg->max_header_bytes - msg->header_used
                       : 0;
    if (n > room_field || (count && n > room_hdr)) {
        /* a folding CRLF (count false) is reported at the WSP that follows it */
        if (!count || room_field <= room_hdr)
            return msg_hdr_limit(msg, count ? off + room_field : off, MA_LIMIT_HEADER_FIELD_BYTES);
        return msg_hdr_limit(msg, off + room_hdr, MA_LIMIT_HEADER_BYTES);
    }
    if (msg->cur.cap - msg->cur.len <= n && ma__buf_reserve(&msg->cur, n) != MA_OK)
        return msg_oom(msg, off);
    memcpy(msg->cur.data + msg->cur.len, p, n);
    msg->cur.len += n;
    msg->cur.data[msg->cur.len] = '\0';
    if (count)
        msg->header_used += n;
    return MA_OK;
}

/*
 * The unfolded value (RFC 5322 2.2.3): every CRLF followed by WSP removed,
 * leading and trailing WSP trimmed.  out has room for len + 1 bytes.
 */
static size_t msg_unfold(const char *v, size_t len, char *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        const char *cr = memchr(v + i, '\r', len - i);
        size_t run = cr != NULL ? (size_t)(cr - (v + i)) : len - i;
        memcpy(out + o, v + i, run);
        o += run;
        i += run;
        if (i >= len)
            break;
        if (i + 2 < len && v[i + 1] == '\n' && ma__is_wsp((unsigned char)v[i + 2])) {
            i += 2;
        } else {
            out[o++] = v[i++]; /* a lone CR stays */
        }
    }
    while (o > 0 && ma__is_wsp((unsigned char)out[o - 1]))
        o--;
    i = 0;
    while (i < o && ma__is_wsp((unsigned char)out[i]))
        i++;
    if (i > 0)
        memmove(out, out + i, o - i);
    o -= i;
    out[o] = '\0';
    return o;
}

/*
 * A complete field raw[0..raw_len) (name, colon at name_len or after WSP,
 * value from value_off): copy it to the arena and add it to the index.
 */
static int msg_add_field(ma_msg *msg, const char *raw, size_t raw_len, size_t name_len,
                         size_t value_off, uint64_t off)
{
    size_t value_len = raw_len - value_off;
    msg_field *f;
    char *p;

    if (msg->nfields == msg->fields_cap) {
        size_t cap = msg->fields_cap ? msg->fields_cap * 2 : 16;
        msg_field *nf;
        if (cap > SIZE_MAX / sizeof *nf)
            return msg_oom(msg, off);
        nf = ma__realloc(msg->ctx, msg->fields, cap * sizeof *nf);
        if (nf == NULL)
            return msg_oom(msg, off);
        msg->fields = nf;
        msg->fields_cap = cap;
    }
    /* raw_len is bounded by MA_LIMIT_HEADER_FIELD_BYTES and fits in memory */
    p = msg_arena_alloc(msg, raw_len + 1 + value_len + 1);
    if (p == NULL)
        return msg_oom(msg, off);
    f = &msg->fields[msg->nfields];
    memcpy(p, raw, raw_len);
    p[raw_len] = '\0';
    f->raw = p;
    f->raw_len = raw_len;
    f->name_len = (uint32_t)name_len;
    f->value_off = (uint32_t)value_off;
    f->unfolded_len = msg_unfold(p + value_off, value_len, p + raw_len + 1);
    msg->nfields++;
    return MA_OK;
}

/* The field being read is complete: move it to the arena and the index. */
static int msg_commit(ma_msg *msg, uint64_t off)
{
    int rc = msg_add_field(msg, msg->cur.data, msg->cur.len, msg->cur_name_len,
                           msg->cur_value_off, off);
    if (rc != MA_OK)
        return rc;
    msg->in_field = false;
    ma__buf_reset(&msg->cur);
    return MA_OK;
}

/*
 * One header byte that does not end a line (a lone CR included), at input
 * offset off.
 */
static int msg_hdr_byte(ma_msg *msg, unsigned char c, uint64_t off)
{
    char ch = (char)c;
    int rc;

    if (c == 0)
        return msg_hdr_error(msg, MA_ESYNTAX, off, "NUL byte in header");
    switch (msg->state) {
    case ST_LINE_START:
        if (ma__is_wsp(c)) {
            /* RFC 5322 2.2.3: a line starting with WSP folds the previous field */
            if (!msg->in_field)
                return msg_hdr_error(msg, MA_ESYNTAX, off,
                                     "continuation line before the first header field");
            rc = msg_cur_append(msg, "\r\n", 2, off, false);
            if (rc == MA_OK)
                rc = msg_cur_append(msg, &ch, 1, off, true);
            msg->state = ST_VALUE;
            return rc;
        }
        if (msg->in_field && (rc = msg_commit(msg, off)) != MA_OK)
            return rc;
        if (c == ':')
            return msg_hdr_error(msg, MA_ESYNTAX, off, "empty field name");
        if (!msg_is_ftext(c))
            return msg_hdr_bad_name_byte(msg, off, c);
        if (msg->nfields >= msg->max_fields)
            return msg_hdr_limit(msg, off, MA_LIMIT_HEADER_FIELDS);
        msg->in_field = true;
        msg->cur_name_len = 0;
        msg->cur_value_off = 0;
        msg->state = ST_NAME;
        return msg_cur_append(msg, &ch, 1, off, true);
    case ST_NAME:
        if (c == ':') {
            msg->cur_name_len = msg->cur.len;
            msg->cur_value_off = msg->cur.len + 1;
            msg->state = ST_VALUE;
        } else if (ma__is_wsp(c)) {
            msg->cur_name_len = msg->cur.len;
            msg->state = ST_NAME_WSP;
        } else if (!msg_is_ftext(c)) {
            return msg_hdr_bad_name_byte(msg, off, c);
        }
        return msg_cur_append(msg, &ch, 1, off, true);
    case ST_NAME_WSP:
        if (c == ':') {
            msg->cur_value_off = msg->cur.len + 1;
            msg->state = ST_VALUE;
        } else if (!ma__is_wsp(c)) {
            if (msg->cur_name_len == 4 && memcmp(msg->cur.data, "From", 4) == 0)
                return msg_hdr_error(msg, MA_ESYNTAX, off,
                                     "no colon after field name (an mbox \"From \" line?)");
            return msg_hdr_error(msg, MA_ESYNTAX, off, "no colon after field name");
        }
        return msg_cur_append(msg, &ch, 1, off, true);
    case ST_VALUE:
        return msg_cur_append(msg, &ch, 1, off, true);
    case ST_BODY:
        break;
    }
    return msg_fail(msg, MA_EINTERNAL);
}

/*
 * The header is complete: tell the header hooks, which may add body
 * consumers, before any body byte is delivered.
 */
static int msg_header_end(ma_msg *msg, uint64_t off)
{
    size_t i;
    msg->header_done = true;
    msg->state = ST_BODY;
    for (i = 0; i < msg->nhooks; i++) {
        int rc = msg->hooks[i].fn(msg, msg->hooks[i].payload);
        if (rc < 0) {
            ma__err_set(&msg->err, (int64_t)off, "header hook %zu failed with status %d (%s)", i, rc,
                        ma_status_str(rc));
            return msg_fail(msg, rc);
        }
    }
    return MA_OK;
}

/* A header line ended (its LF is at input offset off). */
static int msg_hdr_eol(ma_msg *msg, uint64_t off)
{
    switch (msg->state) {
    case ST_LINE_START:
        /* the empty line: end of the header */
        if (msg->in_field) {
            int rc = msg_commit(msg, off);
            if (rc != MA_OK)
                return rc;
        }
        return msg_header_end(msg, off);
    case ST_NAME:
    case ST_NAME_WSP:
        return msg_hdr_error(msg, MA_ESYNTAX, msg->line_off, "line without a colon");
    case ST_VALUE:
        /* the line ending belongs to the header whether it folds or not */
        if (msg->header_used > msg->max_header_bytes ||
            msg->max_header_bytes - msg->header_used < 2)
            return msg_hdr_limit(msg, off, MA_LIMIT_HEADER_BYTES);
        msg->header_used += 2;
        msg->line_no++;
        msg->line_off = off + 1;
        msg->state = ST_LINE_START;
        return MA_OK;
    case ST_BODY:
        break;
    }
    return msg_fail(msg, MA_EINTERNAL);
}

#ifdef MSG_SSE2
/* The first CR, LF or NUL in p[i..n), or n. */
static size_t msg_value_run_end(const unsigned char *p, size_t i, size_t n)
{
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), nul = _mm_setzero_si128();

    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned int m = (unsigned int)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)),
                         _mm_cmpeq_epi8(v, nul)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    while (i < n && p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
        i++;
    return i;
}
#endif

/* The first CR, LF or NUL in p[i..n), or n. */
static size_t msg_line_run_end(const unsigned char *p, size_t i, size_t n)
{
#ifdef MSG_SSE2
    return msg_value_run_end(p, i, n);
#else
    while (i < n && p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
        i++;
    return i;
#endif
}

/*
 * The common case in one step: a field starts at p[i] (a new line, no field
 * pending) and its name is ftext up to the colon, its lines end in CRLF and
 * hold no NUL or lone CR, and it is within every limit.  When the byte after
 * its last CRLF is in the chunk and is not WSP, the field is complete and is
 * added straight from the input.  When the chunk ends first (after a CRLF,
 * inside a line, or after its CR: a milter writes a field at a time), the
 * field so far is left in msg->cur in the state the byte-wise path would
 * leave it in.  Either way the counts are the ones the byte-wise path keeps,
 * and the bytes used are returned.  Anything else returns 0 with nothing
 * changed, and the byte-wise path takes the field (and reports what is wrong
 * with it).
 */
static size_t msg_field_whole(ma_msg *msg, const unsigned char *p, size_t i, size_t n,
                              uint64_t base)
{
    size_t j = i, colon, end, raw_len, counted;
    uint64_t lines = 0, line_off = 0;
    enum msg_state open = ST_BODY; /* where the chunk leaves the field; ST_BODY: closed */
    bool cr = false;

    while (j < n && msg_is_ftext(p[j]))
        j++;
    if (j == i || j >= n || p[j] != ':')
        return 0;
    colon = j++;
    for (;;) {
        end = msg_line_run_end(p, j, n);
        if (end == n || (end == n - 1 && p[end] == '\r')) {
            open = ST_VALUE; /* the chunk ends inside this line */
            cr = end < n;
            j = n;
            break;
        }
        if (n - end < 2 || p[end] != '\r' || p[end + 1] != '\n')
            return 0; /* NUL, lone CR or bare LF */
        lines++;
        line_off = base + end + 2;
        j = end + 2;
        if (j == n) {
            open = ST_LINE_START; /* the next chunk says whether it is folded */
            break;
        }
        if (p[j] == '\0')
            return 0; /* the byte-wise path stops there before it adds the field */
        if (!ma__is_wsp(p[j]))
            break; /* not folded: the field ends at end */
    }
    /* every byte but the last line end counts; a line end counts 2 */
    raw_len = end - i;
    counted = open == ST_VALUE ? raw_len : raw_len + 2;
    if (msg->nfields >= msg->max_fields || raw_len > msg->max_field_bytes
        || msg->header_used > msg->max_header_bytes
        || msg->max_header_bytes - msg->header_used < (uint64_t)counted)
        return 0;
    if (open != ST_BODY) {
        if (msg->cur.len != 0
            || (msg->cur.cap <= raw_len && ma__buf_reserve(&msg->cur, raw_len) != MA_OK))
            return 0;
        memcpy(msg->cur.data, p + i, raw_len);
        msg->cur.len = raw_len;
        msg->cur.data[raw_len] = '\0';
        msg->cur_name_len = colon - i;
        msg->cur_value_off = colon - i + 1;
        msg->in_field = true;
        msg->state = open;
        msg->cr_pending = cr;
    } else if (msg_add_field(msg, (const char *)p + i, raw_len, colon - i, colon - i + 1,
                             base + i)
               != MA_OK) {
        return 0; /* out of memory: the byte-wise path meets it again */
    }
    msg->header_used += counted;
    if (lines > 0) {
        msg->line_no += lines;
        msg->line_off = line_off;
    }
    return j - i;
}

/*
 * Read header bytes from p[0..n) (input offset base) until the header ends.
 * Returns the number of bytes used in *used.
 *
 * Runs of value bytes and of name bytes are appended in one go.  Value runs
 * end at the first CR, LF or NUL: with SSE2 one scan finds it, 16 bytes a
 * step; elsewhere memchr: the next LF of the chunk is searched once and
 * remembered (lf_at), then CR and NUL only up to it.  Either way every byte
 * is scanned a bounded number of times whatever the input (many lone CRs
 * included).
 */
static int msg_header(ma_msg *msg, const unsigned char *p, size_t n, uint64_t base, size_t *used)
{
    size_t i = 0;
#ifndef MSG_SSE2
    size_t lf_at = 0;
    bool lf_known = false;
#endif
    int rc = MA_OK;

    while (i < n && msg->state != ST_BODY) {
        unsigned char c = p[i];
        uint64_t off = base + i;

        if (msg->cr_pending) {
            msg->cr_pending = false;
            if (c == '\n') {
                rc = msg_hdr_eol(msg, off);
                i++;
                if (rc != MA_OK)
                    break;
                continue;
            }
            /* a lone CR: an ordinary byte, at the offset before this one */
            if ((rc = msg_hdr_byte(msg, '\r', off - 1)) != MA_OK)
                break;
            /* c is processed below */
        }
        if (msg->state == ST_LINE_START && msg_is_ftext(c)) {
            /* a new field: the one before it is complete */
            size_t k;
            if (msg->in_field && (rc = msg_commit(msg, off)) != MA_OK)
                break;
            if ((k = msg_field_whole(msg, p, i, n, base)) > 0) {
                i += k;
                continue;
            }
        }
        if (c == '\r') {
            msg->cr_pending = true;
            i++;
        } else if (c == '\n') {
            rc = msg_hdr_eol(msg, off);
            i++;
            if (rc != MA_OK)
                break;
        } else if (msg->state == ST_VALUE && c != 0) {
            /* a run of value bytes up to the next CR, LF or NUL */
            size_t end;
#ifdef MSG_SSE2
            /* one pass for the first CR, LF or NUL, 16 bytes a step */
            end = msg_value_run_end(p, i, n);
#else
            const unsigned char *q;
            if (!lf_known || lf_at < i) {
                q = memchr(p + i, '\n', n - i);
                lf_at = q != NULL ? (size_t)(q - p) : n;
                lf_known = true;
            }
            end = lf_at;
            if ((q = memchr(p + i, '\r', end - i)) != NULL)
                end = (size_t)(q - p);
            if ((q = memchr(p + i, '\0', end - i)) != NULL)
                end = (size_t)(q - p);
#endif
            rc = msg_cur_append(msg, (const char *)p + i, end - i, off, true);
            if (rc != MA_OK)
                break;
            i = end;
        } else if (msg->state == ST_NAME && msg_is_ftext(c)) {
            /* a run of name bytes */
            size_t end = i + 1;
            while (end < n && msg_is_ftext(p[end]))
                end++;
            rc = msg_cur_append(msg, (const char *)p + i, end - i, off, true);
            if (rc != MA_OK)
                break;
            i = end;
        } else {
            rc = msg_hdr_byte(msg, c, off);
            i++;
            if (rc != MA_OK)
                break;
        }
    }
    *used = i;
    return rc;
}

/* ------------------------------------------------------------------ body */

/* Call the consumers with one span (len > 0), or the final (NULL, 0). */
static int msg_deliver(ma_msg *msg, const char *data, size_t len)
{
    size_t i;
    msg->body_started = true;
    for (i = 0; i < msg->nconsumers; i++) {
        int rc = msg->consumers[i].fn(data, len, msg->consumers[i].payload);
        if (rc < 0) {
            ma__err_set(&msg->err, (int64_t)msg->in_len,
                        "body consumer %zu failed with status %d (%s) after %llu body bytes", i,
                        rc, ma_status_str(rc), (unsigned long long)msg->body_len);
            return msg_fail(msg, rc);
        }
    }
    msg->body_len += len;
    return MA_OK;
}

static int msg_flush(ma_msg *msg)
{
    size_t len = msg->obuf_len;
    if (len == 0)
        return MA_OK;
    msg->obuf_len = 0;
    return msg_deliver(msg, msg->obuf, len);
}

/* Copy body bytes into the gathering buffer, flushing it when full. */
static int msg_gather(ma_msg *msg, const char *data, size_t len)
{
    while (len > 0) {
        size_t room = MSG_OBUF_SIZE - msg->obuf_len;
        size_t k = len < room ? len : room;
        int rc;
        memcpy(msg->obuf + msg->obuf_len, data, k);
        msg->obuf_len += k;
        data += k;
        len -= k;
        if (msg->obuf_len == MSG_OBUF_SIZE && (rc = msg_flush(msg)) != MA_OK)
            return rc;
    }
    return MA_OK;
}

/* Hand on a span of input that needs no change. */
static int msg_emit(ma_msg *msg, const char *data, size_t len)
{
    int rc;
    if (len == 0)
        return MA_OK;
    if (len < MSG_DIRECT_MIN)
        return msg_gather(msg, data, len);
    if ((rc = msg_flush(msg)) != MA_OK)
        return rc;
    return msg_deliver(msg, data, len);
}

/* The first bare LF (one not after a CR) in p[i..n), or n; i >= 1, so the
   byte before each candidate is in p. */
static size_t msg_bare_lf(const char *p, size_t i, size_t n)
{
    while (i < n) {
        const char *lf = memchr(p + i, '\n', n - i);
        size_t at;
        if (lf == NULL)
            return n;
        at = (size_t)(lf - p);
        if (p[at - 1] != '\r')
            return at;
        i = at + 1;
    }
    return n;
}

#ifdef MSG_AVX2
/* The same, 64 bytes a step: the LF lanes of p[i..] and the CR lanes of
   p[i-1..] (a second load one byte back). */
__attribute__((target("avx2"))) static size_t msg_bare_lf_avx2(const char *p, size_t i, size_t n)
{
    const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');

    while (n - i >= 64) {
        const char *q = p + i;
        __m256i a0 = _mm256_loadu_si256((const __m256i *)(const void *)q);
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(const void *)(q - 1));
        __m256i a1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 31));
        __m256i x0 = _mm256_andnot_si256(_mm256_cmpeq_epi8(b0, cr), _mm256_cmpeq_epi8(a0, lf));
        __m256i x1 = _mm256_andnot_si256(_mm256_cmpeq_epi8(b1, cr), _mm256_cmpeq_epi8(a1, lf));
        __m256i x = _mm256_or_si256(x0, x1);
        if (!_mm256_testz_si256(x, x)) {
            uint64_t m = (uint64_t)(uint32_t)_mm256_movemask_epi8(x0)
                         | (uint64_t)(uint32_t)_mm256_movemask_epi8(x1) << 32;
            return i + (size_t)__builtin_ctzll(m);
        }
        i += 64;
    }
    return msg_bare_lf(p, i, n);
}
#endif

static int msg_body(ma_msg *msg, const char *p, size_t n)
{
    size_t start = 0, i = 1, at;
    int rc;

    if (n == 0)
        return MA_OK;
    if (p[0] == '\n' && !msg->body_last_cr) {
        /* a bare LF first: the CR before it is not in this span */
        if ((rc = msg_gather(msg, "\r\n", 2)) != MA_OK)
            return rc;
        start = 1;
    }
    for (;;) {
#ifdef MSG_AVX2
        at = msg->avx2 ? msg_bare_lf_avx2(p, i, n) : msg_bare_lf(p, i, n);
#else
        at = msg_bare_lf(p, i, n);
#endif
        if (at >= n)
            break;
        if ((rc = msg_emit(msg, p + start, at - start)) != MA_OK)
            return rc;
        if ((rc = msg_gather(msg, "\r\n", 2)) != MA_OK)
            return rc;
        start = i = at + 1;
    }
    msg->body_last_cr = p[n - 1] == '\r';
    return msg_emit(msg, p + start, n - start);
}

/* ------------------------------------------------------------------ API */

int ma_msg_new(ma_msg **out, ma_ctx *ctx)
{
    ma_msg *msg;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    msg = ma__alloc(ctx, sizeof *msg);
    if (msg == NULL)
        return MA_ENOMEM;
    memset(msg, 0, offsetof(ma_msg, obuf)); /* the gathering buffer needs no zeroing */
    msg->ctx = ctx;
    msg->status = MA_OK;
    msg->state = ST_LINE_START;
    msg->max_header_bytes = ma__limit(ctx, MA_LIMIT_HEADER_BYTES);
    msg->max_fields = ma__limit(ctx, MA_LIMIT_HEADER_FIELDS);
    msg->max_field_bytes = ma__limit(ctx, MA_LIMIT_HEADER_FIELD_BYTES);
    if (msg->max_field_bytes > MSG_FIELD_MAX)
        msg->max_field_bytes = MSG_FIELD_MAX;
    msg->line_no = 1;
    msg->line_off = 0;
#ifdef MSG_AVX2
    msg->avx2 = __builtin_cpu_supports("avx2") != 0;
#endif
    ma__buf_init(&msg->cur, ctx);
    ma__err_clear(&msg->err);
    *out = msg;
    return MA_OK;
}

void ma_msg_free(ma_msg *msg)
{
    msg_block *b, *next;
    if (msg == NULL)
        return;
    for (b = msg->blocks; b != NULL; b = next) {
        next = b->next;
        ma__free(msg->ctx, b);
    }
    ma__free(msg->ctx, msg->fields);
    ma__buf_free(&msg->cur);
    ma__free(msg->ctx, msg);
}

int ma_msg_on_header(ma_msg *msg, ma_msg_header_fn fn, void *payload)
{
    if (msg == NULL || fn == NULL)
        return MA_EINVAL;
    if (msg->header_done)
        return MA_ESTATE;
    if (msg->nhooks >= MSG_MAX_HOOKS)
        return MA_ELIMIT;
    msg->hooks[msg->nhooks].fn = fn;
    msg->hooks[msg->nhooks].payload = payload;
    msg->nhooks++;
    return MA_OK;
}

void ma__msg_forget(ma_msg *msg, const void *payload)
{
    size_t i, n;
    if (msg == NULL)
        return;
    for (i = n = 0; i < msg->nhooks; i++)
        if (msg->hooks[i].payload != payload)
            msg->hooks[n++] = msg->hooks[i];
    msg->nhooks = n;
    for (i = n = 0; i < msg->nconsumers; i++)
        if (msg->consumers[i].payload != payload)
            msg->consumers[n++] = msg->consumers[i];
    msg->nconsumers = n;
}

int ma_msg_add_body_consumer(ma_msg *msg, ma_msg_body_fn fn, void *payload)
{
    if (msg == NULL || fn == NULL)
        return MA_EINVAL;
    if (msg->body_started || msg->finished || msg->status != MA_OK)
        return MA_ESTATE;
    if (msg->nconsumers >= MSG_MAX_CONSUMERS)
        return MA_ELIMIT;
    msg->consumers[msg->nconsumers].fn = fn;
    msg->consumers[msg->nconsumers].payload = payload;
    msg->nconsumers++;
    return MA_OK;
}

int ma_msg_write(ma_msg *msg, const void *data, size_t len)
{
    const char *p = data;
    uint64_t base;
    size_t used = 0;
    int rc;

    if (msg == NULL || (data == NULL && len > 0))
        return MA_EINVAL;
    if (msg->status != MA_OK)
        return msg->status;
    if (msg->finished)
        return MA_ESTATE;
    if (len == 0)
        return MA_OK;
    base = msg->in_len;
    msg->in_len += len;
    if (msg->state != ST_BODY) {
        rc = msg_header(msg, (const unsigned char *)p, len, base, &used);
        if (rc != MA_OK)
            return rc;
    }
    if ((rc = msg_body(msg, p + used, len - used)) != MA_OK)
        return rc;
    return msg_flush(msg);
}

int ma_msg_finish(ma_msg *msg)
{
    int rc;
    size_t i;

    if (msg == NULL)
        return MA_EINVAL;
    if (msg->status != MA_OK)
        return msg->status;
    if (msg->finished)
        return MA_ESTATE;
    if (msg->state != ST_BODY) {
        /* a CR at the very end is not followed by LF: a lone CR */
        if (msg->cr_pending) {
            msg->cr_pending = false;
            if ((rc = msg_hdr_byte(msg, '\r', msg->in_len - 1)) != MA_OK)
                return rc;
        }
        if (msg->state == ST_NAME || msg->state == ST_NAME_WSP)
            return msg_hdr_error(msg, MA_ESYNTAX, msg->line_off, "line without a colon");
        if (msg->in_field && (rc = msg_commit(msg, msg->in_len)) != MA_OK)
            return rc;
        if ((rc = msg_header_end(msg, msg->in_len)) != MA_OK)
            return rc;
    }
    if ((rc = msg_flush(msg)) != MA_OK)
        return rc;
    msg->finished = true;
    for (i = 0; i < msg->nconsumers; i++) {
        rc = msg->consumers[i].fn(NULL, 0, msg->consumers[i].payload);
        if (rc < 0) {
            ma__err_set(&msg->err, (int64_t)msg->in_len,
                        "body consumer %zu failed with status %d (%s) at the end of the body", i,
                        rc, ma_status_str(rc));
            return msg_fail(msg, rc);
        }
    }
    msg->body_started = true;
    return MA_OK;
}

int ma_msg_header_done(const ma_msg *msg)
{
    return msg != NULL && msg->header_done;
}

size_t ma_msg_field_count(const ma_msg *msg)
{
    return msg != NULL ? msg->nfields : 0;
}

int ma_msg_field(const ma_msg *msg, size_t i, const char **name, size_t *name_len,
                 const char **value, size_t *value_len)
{
    const msg_field *f;
    if (msg == NULL || i >= msg->nfields)
        return MA_EINVAL;
    f = &msg->fields[i];
    if (name)
        *name = f->raw;
    if (name_len)
        *name_len = f->name_len;
    if (value)
        *value = f->raw + f->value_off;
    if (value_len)
        *value_len = f->raw_len - f->value_off;
    return MA_OK;
}

int ma_msg_field_raw(const ma_msg *msg, size_t i, const char **raw, size_t *raw_len)
{
    const msg_field *f;
    if (msg == NULL || i >= msg->nfields)
        return MA_EINVAL;
    f = &msg->fields[i];
    if (raw)
        *raw = f->raw;
    if (raw_len)
        *raw_len = f->raw_len;
    return MA_OK;
}

int ma_msg_field_unfolded(const ma_msg *msg, size_t i, const char **value, size_t *len)
{
    const msg_field *f;
    if (msg == NULL || i >= msg->nfields)
        return MA_EINVAL;
    f = &msg->fields[i];
    if (value)
        *value = f->raw + f->raw_len + 1;
    if (len)
        *len = f->unfolded_len;
    return MA_OK;
}

long ma_msg_find(const ma_msg *msg, const char *name, size_t start)
{
    size_t i, len;
    if (msg == NULL || name == NULL)
        return -1;
    len = strlen(name);
    for (i = start; i < msg->nfields; i++) {
        const msg_field *f = &msg->fields[i];
        if (ma__casecmp(f->raw, f->name_len, name, len) == 0)
            return (long)i;
    }
    return -1;
}

uint64_t ma_msg_body_length(const ma_msg *msg)
{
    return msg != NULL ? msg->body_len : 0;
}

uint64_t ma_msg_input_length(const ma_msg *msg)
{
    return msg != NULL ? msg->in_len : 0;
}

const char *ma_msg_error(const ma_msg *msg)
{
    return msg != NULL ? msg->err.text : "";
}

int64_t ma_msg_error_offset(const ma_msg *msg)
{
    return msg != NULL ? msg->err.offset : -1;
}
