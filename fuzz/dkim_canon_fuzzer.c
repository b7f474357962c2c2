/*
 * Fuzz harness for DKIM canonicalisation (src/dkim/canon.c).
 *
 * Byte 0 picks the setup: bit 0 the canonicalisation (simple, relaxed),
 * bits 1-3 the l= value (none, 0, 1, 2, byte 1, half the body, the body
 * length, the body length + 1), bits 4-7 the chunking (1-byte spans, spans
 * of 2..14 bytes, for 15 a line per span as a message reader written a line
 * at a time gives them, or, for 0, random spans driven by the body).  The
 * rest is the body, and also a header field.
 *
 * Invariants (abort on violation):
 * - body: the chunked digest and lengths equal the one-shot ones and those
 *   of a naive reference implementation (RFC 6376 3.4.3/3.4.4 applied line
 *   by line to a copy); hashed == min(l=, length) <= length;
 * - header (when the input has a colon): simple output is the input plus
 *   CRLF; relaxed output has no CR or LF but the final CRLF, no two SPs in a
 *   row, no SP next to the first colon or at the end, is no longer than the
 *   input, and canonicalising it again changes nothing; the hashed form
 *   equals the buffer form; a field without a colon is MA_ESYNTAX.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "core/core.h"
#include "crypto/crypto_int.h"
#include "dkim/canon_int.h"

typedef struct out {
    unsigned char md[MA_DIGEST_MAX];
    uint64_t length, hashed;
} out;

/* body_run() chunking: a line (up to and with its LF) per span. */
#define CHUNK_LINES 100

static void body_run(const ma_ctx *ctx, ma_dkim_canon c, uint64_t limit, const uint8_t *p,
                     size_t n, unsigned int chunk, out *o)
{
    ma_digest *d = NULL;
    ma_canon_body b;
    size_t off = 0;
    uint32_t seed = 0x9e3779b9u;

    if (ma__digest_new(&d, ctx, MA_HASH_SHA256) != MA_OK
        || ma__canon_body_init(&b, c, limit, d) != MA_OK)
        abort();
    while (off < n) {
        size_t k;
        if (chunk == 0) {
            k = n - off;
        } else if (chunk == 1) {
            seed = seed * 1103515245u + 12345u + p[off];
            k = 1 + (seed >> 16) % 13;
        } else if (chunk == CHUNK_LINES) {
            const uint8_t *lf = memchr(p + off, '\n', n - off);
            k = lf != NULL ? (size_t)(lf - (p + off)) + 1 : n - off;
        } else {
            k = chunk - 1;
        }
        if (k > n - off)
            k = n - off;
        {
            /* a copy of exactly the span: ASan sees a read past it */
            unsigned char *span = malloc(k ? k : 1);
            if (span == NULL)
                abort();
            if (k)
                memcpy(span, p + off, k);
            if (ma__canon_body_update(&b, span, k) != MA_OK)
                abort();
            free(span);
        }
        off += k;
    }
    if (ma__canon_body_finish(&b) != MA_OK || ma__digest_final(d, o->md, NULL) != MA_OK)
        abort();
    o->length = ma__canon_body_length(&b);
    o->hashed = ma__canon_body_hashed(&b);
    ma__digest_free(d);
}

/* The literal reading of the RFC, on a copy; out holds n + 2 bytes. */
static size_t body_ref(ma_dkim_canon c, const uint8_t *in, size_t n, uint8_t *o)
{
    size_t w = 0, ls = 0;

    if (c == MA_DKIM_SIMPLE) {
        if (n)
            memcpy(o, in, n);
        w = n;
    } else {
        for (;;) {
            size_t le = ls, k;
            int term = 0, sp = 0;
            while (le < n && !(in[le] == '\r' && le + 1 < n && in[le + 1] == '\n'))
                le++;
            term = le < n;
            for (k = ls; k < le; k++) {
                if (in[k] == ' ' || in[k] == '\t') {
                    sp = 1;
                    continue;
                }
                if (sp)
                    o[w++] = ' ';
                sp = 0;
                o[w++] = in[k];
            }
            if (!term)
                break;
            o[w++] = '\r';
            o[w++] = '\n';
            ls = le + 2;
        }
    }
    while (w >= 2 && o[w - 2] == '\r' && o[w - 1] == '\n')
        w -= 2;
    if (c == MA_DKIM_SIMPLE || w > 0) {
        o[w++] = '\r';
        o[w++] = '\n';
    }
    return w;
}

static void check_body(const ma_ctx *ctx, uint8_t sel, const uint8_t *p, size_t n)
{
    ma_dkim_canon c = (sel & 1) ? MA_DKIM_RELAXED : MA_DKIM_SIMPLE;
    unsigned int chunk = sel >> 4;
    uint64_t limit;
    out one, chunked;
    uint8_t *ref;
    size_t rl;
    unsigned char md[MA_DIGEST_MAX];

    switch ((sel >> 1) & 7) {
    case 0: limit = MA_CANON_NO_LIMIT; break;
    case 1: limit = 0; break;
    case 2: limit = 1; break;
    case 3: limit = 2; break;
    case 4: limit = n ? p[0] : 7; break;
    case 5: limit = n / 2; break;
    case 6: limit = n; break;
    default: limit = (uint64_t)n + 1; break;
    }
    body_run(ctx, c, limit, p, n, 0, &one);
    body_run(ctx, c, limit, p, n, chunk == 0 ? 1 : chunk == 15 ? CHUNK_LINES : chunk + 1,
             &chunked);
    if (memcmp(one.md, chunked.md, 32) != 0 || one.length != chunked.length
        || one.hashed != chunked.hashed)
        abort();
    if (one.hashed > one.length || one.hashed != (limit < one.length ? limit : one.length))
        abort();
    ref = malloc(n + 2);
    if (ref == NULL)
        abort();
    rl = body_ref(c, p, n, ref);
    if (rl != one.length
        || ma__digest_oneshot(MA_HASH_SHA256, ref, (size_t)one.hashed, md, NULL) != MA_OK
        || memcmp(md, one.md, 32) != 0)
        abort();
    free(ref);
}

static void check_header(const ma_ctx *ctx, const uint8_t *p, size_t n)
{
    const char *f = (const char *)p;
    const char *colon = n ? memchr(f, ':', n) : NULL;
    ma_buf a, b;
    ma_digest *d = NULL;
    unsigned char md1[MA_DIGEST_MAX], md2[MA_DIGEST_MAX];
    size_t i, ci;
    int rc;

    ma__buf_init(&a, ctx);
    ma__buf_init(&b, ctx);
    rc = ma__canon_header(&a, MA_DKIM_SIMPLE, f, n, 0);
    if (colon == NULL) {
        if (rc != MA_ESYNTAX || a.len != 0
            || ma__canon_header(&a, MA_DKIM_RELAXED, f, n, 0) != MA_ESYNTAX)
            abort();
        ma__buf_free(&a);
        return;
    }
    if (rc != MA_OK || a.len != n + 2 || memcmp(a.data, f, n) != 0
        || memcmp(a.data + n, "\r\n", 2) != 0)
        abort();
    ma__buf_reset(&a);
    if (ma__canon_header(&a, MA_DKIM_RELAXED, f, n, 0) != MA_OK || a.len < 3 || a.len > n + 2
        || memcmp(a.data + a.len - 2, "\r\n", 2) != 0)
        abort();
    ci = (size_t)((const char *)memchr(a.data, ':', a.len) - a.data);
    for (i = 0; i + 2 < a.len; i++) {
        unsigned char c = (unsigned char)a.data[i];
        if (c == '\r' || c == '\n' || c == '\t')
            abort();
        if (c == ' ' && (i + 3 == a.len || a.data[i + 1] == ' ' || i + 1 == ci || i == ci + 1))
            abort();
        if (i < ci && c >= 'A' && c <= 'Z')
            abort();
    }
    /* idempotent: the canonical form canonicalises to itself */
    if (ma__canon_header(&b, MA_DKIM_RELAXED, a.data, a.len - 2, MA_CANON_NO_CRLF) != MA_OK
        || b.len != a.len - 2 || memcmp(a.data, b.data, b.len) != 0)
        abort();
    /* the hashed form is the same bytes */
    if (ma__digest_new(&d, ctx, MA_HASH_SHA256) != MA_OK
        || ma__canon_header_hash(d, &b, MA_DKIM_RELAXED, f, n, 0) != MA_OK
        || ma__digest_final(d, md1, NULL) != MA_OK
        || ma__digest_oneshot(MA_HASH_SHA256, a.data, a.len, md2, NULL) != MA_OK
        || memcmp(md1, md2, 32) != 0)
        abort();
    ma__digest_free(d);
    ma__buf_free(&a);
    ma__buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;

    if (size == 0)
        return 0;
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        abort();
    check_body(ctx, data[0], data + 1, size - 1);
    check_header(ctx, data + 1, size - 1);
    ma_ctx_free(ctx);
    return 0;
}
