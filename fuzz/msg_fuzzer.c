/*
 * Fuzz harness for the streaming message reader (src/core/msg.c).
 *
 * Input: byte 0 picks the chunking, byte 1 the limits (small limits reach
 * the limit paths), the rest is the message.  The message is read twice,
 * once in one write and once in chunks; everything observable (statuses,
 * error text and offset, every field through every accessor, the body as the
 * consumers saw it) must be identical, and the accessors must agree with one
 * another.  Any difference aborts.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "fuzz_util.h"
#include "mailauth/message.h"

/* What one reading of the message gave. */
typedef struct result {
    unsigned char *text; /* serialized description */
    size_t len, cap;
} result;

static void res_add(result *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        unsigned char *d;
        while (cap < r->len + n)
            cap *= 2;
        d = realloc(r->text, cap);
        if (d == NULL)
            abort();
        r->text = d;
        r->cap = cap;
    }
    if (n)
        memcpy(r->text + r->len, p, n);
    r->len += n;
}

static void res_num(result *r, long long v)
{
    res_add(r, &v, sizeof v);
}

/* A body consumer: records the bytes and checks the calling protocol. */
typedef struct sink {
    result *r;
    int finals;
} sink;

static int sink_fn(const char *data, size_t len, void *payload)
{
    sink *s = payload;
    if (s->finals != 0)
        abort(); /* nothing after the final call */
    if (data == NULL) {
        if (len != 0)
            abort();
        s->finals++;
        return 0;
    }
    if (len == 0)
        abort(); /* no empty spans */
    res_add(s->r, data, len);
    return 0;
}

/* The chunk generator: seeded by byte 0 and stirred by the byte at the
   chunk's start, so the fuzzer steers where chunks end. */
static uint32_t next_rand(uint32_t *st, uint8_t stir)
{
    *st = *st * 1103515245u + 12345u + stir;
    return *st >> 8;
}

static void check_fields(const ma_msg *m, result *r)
{
    size_t i, n = ma_msg_field_count(m);
    res_num(r, (long long)n);
    for (i = 0; i < n; i++) {
        const char *name, *value, *raw, *unf;
        size_t nl, vl, rl, ul;
        long found;
        char key[80];
        if (ma_msg_field(m, i, &name, &nl, &value, &vl) != 0 ||
            ma_msg_field_raw(m, i, &raw, &rl) != 0 || ma_msg_field_unfolded(m, i, &unf, &ul) != 0)
            abort();
        /* the accessors agree: name and value lie in the raw field */
        if (name != raw || nl == 0 || nl >= rl || value + vl != raw + rl || value <= name + nl ||
            value[-1] != ':' || ul > vl || unf[ul] != '\0' || strlen(unf) != ul)
            abort();
        res_num(r, (long long)nl);
        res_num(r, (long long)rl);
        res_add(r, raw, rl);
        res_num(r, (long long)ul);
        res_add(r, unf, ul);
        /* find (names have no NUL: ftext) */
        if (nl < sizeof key) {
            memcpy(key, name, nl);
            key[nl] = '\0';
            found = ma_msg_find(m, key, 0);
            if (found < 0 || (size_t)found > i || ma_msg_find(m, key, i) != (long)i)
                abort();
        }
    }
    if (ma_msg_field(m, n, NULL, NULL, NULL, NULL) == 0)
        abort();
}

/* Read in[0..len), in one write when rs == NULL, else in random chunks. */
static void read_msg(ma_ctx *ctx, const uint8_t *in, size_t len, uint32_t *rs, unsigned maxchunk,
                     result *r)
{
    ma_msg *m = NULL;
    sink s1, s2;
    result body2 = { NULL, 0, 0 };
    size_t pos = 0;
    int first = 0, rc;

    if (ma_msg_new(&m, ctx) != MA_OK)
        return;
    s1.r = r;
    s1.finals = 0;
    s2.r = &body2;
    s2.finals = 0;
    ma_msg_add_body_consumer(m, sink_fn, &s1);
    ma_msg_add_body_consumer(m, sink_fn, &s2);
    while (pos < len) {
        size_t n = rs == NULL ? len - pos : 1 + next_rand(rs, in[pos]) % maxchunk;
        if (n > len - pos)
            n = len - pos;
        rc = fuzz_write_exact(m, in + pos, n);
        if (first != 0 && rc != first)
            abort(); /* a failed reader stays failed */
        if (first == 0)
            first = rc;
        pos += n;
    }
    rc = ma_msg_finish(m);
    if (first != 0 && rc != first)
        abort();
    if (first == 0) {
        first = rc;
        if (rc == 0 && (s1.finals != 1 || ma_msg_finish(m) != MA_ESTATE ||
                        ma_msg_write(m, "x", 1) != MA_ESTATE))
            abort();
    }
    if (first == 0 && !ma_msg_header_done(m))
        abort();
    /* both consumers saw the same body, and it is what body_length says */
    if (body2.len != r->len || (body2.len != 0 && memcmp(body2.text, r->text, body2.len) != 0))
        abort();
    if (first == 0 && ma_msg_body_length(m) != r->len)
        abort();
    res_num(r, first);
    res_num(r, ma_msg_error_offset(m));
    res_add(r, ma_msg_error(m), strlen(ma_msg_error(m)));
    res_num(r, ma_msg_header_done(m));
    res_num(r, (long long)ma_msg_body_length(m));
    if (first == 0 && ma_msg_input_length(m) != len)
        abort();
    check_fields(m, r);
    free(body2.text);
    ma_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    result a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
    uint32_t rs;
    unsigned maxchunk;

    if (size < 2)
        return 0;
    if (ma_ctx_new(&ctx, NULL) != 0)
        return 0;
    if (data[1] & 1)
        ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELD_BYTES, 1 + (data[1] >> 1));
    if (data[1] & 2)
        ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_BYTES, 1 + (data[1] >> 2) * 4);
    if (data[1] & 4)
        ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELDS, 1 + (data[1] >> 5));
    rs = data[0];
    maxchunk = (data[0] & 0x80) ? 4096 : 1 + (data[0] & 15);

    read_msg(ctx, data + 2, size - 2, NULL, 0, &a);
    read_msg(ctx, data + 2, size - 2, &rs, maxchunk, &b);
    if (a.len != b.len || (a.len != 0 && memcmp(a.text, b.text, a.len) != 0))
        abort(); /* the chunking changed the result */
    free(a.text);
    free(b.text);
    ma_ctx_free(ctx);
    return 0;
}
