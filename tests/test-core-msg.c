/*
 * Tests of the streaming message reader (src/core/msg.c, mailauth/message.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "mailauth/message.h"
#include "alloc.h"
#include "tap.h"

/* ------------------------------------------------------------ test helpers */

/* A growable byte string owned by the test (plain malloc). */
typedef struct sbuf {
    char *d;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->d = realloc(b->d, cap);
        if (b->d == NULL)
            abort();
        b->cap = cap;
    }
    if (n)
        memcpy(b->d + b->len, p, n);
    b->len += n;
    b->d[b->len] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_free(sbuf *b)
{
    free(b->d);
    b->d = NULL;
    b->len = b->cap = 0;
}

/* A context on the counting allocator of alloc.h, or on the default one (a NULL). */
static ma_ctx *new_ctx(ta_alloc *a)
{
    ma_ctx *ctx = NULL;
    if ((a != NULL ? ta_ctx_new(&ctx, a) : ma_ctx_new(&ctx, NULL)) != MA_OK)
        abort();
    return ctx;
}

/* A body consumer that collects what it gets and checks the protocol. */
typedef struct coll {
    sbuf data;
    int finals;        /* (NULL, 0) calls */
    int bad;           /* empty non-final spans, calls after the final one */
    long calls;        /* non-final calls */
    long fail_at_call; /* return fail_status at this call (0-based, final included); -1 never */
    int fail_status;
    const char *lo, *hi; /* spans inside [lo, hi) are counted in inside */
    long inside, outside;
    size_t min_span;
} coll;

static void coll_init(coll *c)
{
    memset(c, 0, sizeof *c);
    c->fail_at_call = -1;
    c->min_span = SIZE_MAX;
}

static int coll_fn(const char *data, size_t len, void *payload)
{
    coll *c = payload;
    long call = c->calls + c->finals;
    if (c->finals > 0)
        c->bad++;
    if (data == NULL && len == 0) {
        c->finals++;
    } else {
        if (data == NULL || len == 0)
            c->bad++;
        c->calls++;
        if (len < c->min_span)
            c->min_span = len;
        if (c->lo != NULL && data >= c->lo && data + len <= c->hi)
            c->inside++;
        else
            c->outside++;
        sb_add(&c->data, data, len);
    }
    if (call == c->fail_at_call)
        return c->fail_status;
    return 0;
}

/*
 * Read in[0..len) cut at cuts[0..ncuts) (increasing) with two consumers and
 * describe everything observable in out.  with_inlen: include the input
 * length (differs between LF and CRLF forms of one message).
 */
static void run_msg(sbuf *out, ma_ctx *ctx, const char *in, size_t len, const size_t *cuts,
                    size_t ncuts, int with_inlen)
{
    ma_msg *m = NULL;
    coll a, b;
    size_t i, pos = 0;
    int first = MA_OK, sticky = 1, rc;

    coll_init(&a);
    coll_init(&b);
    if (ma_msg_new(&m, ctx) != MA_OK)
        abort();
    ma_msg_add_body_consumer(m, coll_fn, &a);
    ma_msg_add_body_consumer(m, coll_fn, &b);
    for (i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        rc = ma_msg_write(m, in + pos, end - pos);
        if (first != MA_OK && rc != first)
            sticky = 0;
        if (first == MA_OK)
            first = rc;
        pos = end;
    }
    rc = ma_msg_finish(m);
    if (first != MA_OK && rc != first)
        sticky = 0;
    sb_printf(out, "write=%d finish=%d sticky=%d hd=%d err=[%s] off=%lld nf=%zu\n", first, rc,
              sticky, ma_msg_header_done(m), ma_msg_error(m), (long long)ma_msg_error_offset(m),
              ma_msg_field_count(m));
    for (i = 0; i < ma_msg_field_count(m); i++) {
        const char *n, *v, *r, *u;
        size_t nl, vl, rl, ul;
        ma_msg_field(m, i, &n, &nl, &v, &vl);
        ma_msg_field_raw(m, i, &r, &rl);
        ma_msg_field_unfolded(m, i, &u, &ul);
        sb_printf(out, "F%zu name(%zu)=", i, nl);
        sb_add(out, n, nl);
        sb_printf(out, " value(%zu)=", vl);
        sb_add(out, v, vl);
        sb_printf(out, " raw(%zu)=", rl);
        sb_add(out, r, rl);
        sb_printf(out, " unfolded(%zu)=", ul);
        sb_add(out, u, ul);
        sb_printf(out, " nul=%d\n", u[ul] == '\0');
    }
    sb_printf(out, "body(%zu)=", a.data.len);
    sb_add(out, a.data.d, a.data.len);
    sb_printf(out, "\nsame=%d finals=%d/%d bad=%d/%d bodylen=%llu", a.data.len == b.data.len &&
              (a.data.len == 0 || memcmp(a.data.d, b.data.d, a.data.len) == 0),
              a.finals, b.finals, a.bad, b.bad, (unsigned long long)ma_msg_body_length(m));
    if (with_inlen && first == MA_OK && rc == MA_OK)
        sb_printf(out, " inlen=%llu", (unsigned long long)ma_msg_input_length(m));
    sb_free(&a.data);
    sb_free(&b.data);
    ma_msg_free(m);
}

static void run_whole(sbuf *out, ma_ctx *ctx, const char *in, size_t len)
{
    run_msg(out, ctx, in, len, NULL, 0, 1);
}

/* A simple deterministic PRNG (xorshift). */
static uint32_t rnd_state = 2463534242u;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/*
 * Every chunking of in gives the same result as one write: every single cut,
 * every pair of cuts (for short inputs), byte by byte, and random chunkings.
 */
static void check_chunking(ma_ctx *ctx, const char *in, size_t len, const char *what)
{
    sbuf ref = { 0 }, got = { 0 };
    size_t i, j, *cuts;
    long runs = 0, bad = 0;
    char name[200];

    run_whole(&ref, ctx, in, len);
    cuts = calloc(len + 1, sizeof *cuts);
    if (cuts == NULL)
        abort();
#define CHUNK_CMP()                                                                  \
    do {                                                                             \
        runs++;                                                                      \
        if (got.len != ref.len || memcmp(got.d, ref.d, ref.len) != 0) {              \
            if (bad++ == 0) {                                                        \
                printf("# first mismatch, want:\n# %s\n# got:\n# %s\n", ref.d, got.d); \
            }                                                                        \
        }                                                                            \
        got.len = 0;                                                                 \
    } while (0)
    for (i = 1; i < len; i++) {
        cuts[0] = i;
        run_msg(&got, ctx, in, len, cuts, 1, 1);
        CHUNK_CMP();
    }
    if (len <= 260) {
        for (i = 1; i < len; i++)
            for (j = i + 1; j < len; j++) {
                cuts[0] = i;
                cuts[1] = j;
                run_msg(&got, ctx, in, len, cuts, 2, 1);
                CHUNK_CMP();
            }
    }
    for (i = 1; i < len; i++)
        cuts[i - 1] = i;
    run_msg(&got, ctx, in, len, cuts, len > 0 ? len - 1 : 0, 1);
    CHUNK_CMP();
    for (j = 0; j < 100; j++) {
        size_t n = 0, pos = 0;
        while (1) {
            pos += 1 + rnd() % 9;
            if (pos >= len)
                break;
            cuts[n++] = pos;
        }
        run_msg(&got, ctx, in, len, cuts, n, 1);
        CHUNK_CMP();
    }
#undef CHUNK_CMP
    snprintf(name, sizeof name, "chunking: %s (%ld chunkings, all as one write)", what, runs);
    ok(bad == 0 && runs > 0, name);
    free(cuts);
    sb_free(&ref);
    sb_free(&got);
}

/* The LF form of a CRLF message: each CRLF becomes LF, lone CRs stay. */
static size_t to_lf(const char *in, size_t len, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < len; i++) {
        if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
            continue;
        out[o++] = in[i];
    }
    return o;
}

/* Read a whole message (given as a C string) in one write. */
static ma_msg *read_all(ma_ctx *ctx, const char *in, int *write_rc, int *finish_rc, coll *c)
{
    ma_msg *m = NULL;
    int rc;
    if (ma_msg_new(&m, ctx) != MA_OK)
        abort();
    if (c != NULL)
        ma_msg_add_body_consumer(m, coll_fn, c);
    rc = ma_msg_write(m, in, strlen(in));
    if (write_rc)
        *write_rc = rc;
    rc = ma_msg_finish(m);
    if (finish_rc)
        *finish_rc = rc;
    return m;
}

static int field_is(const ma_msg *m, size_t i, const char *name, const char *value)
{
    const char *n, *v;
    size_t nl, vl;
    if (ma_msg_field(m, i, &n, &nl, &v, &vl) != MA_OK)
        return 0;
    return nl == strlen(name) && memcmp(n, name, nl) == 0 && vl == strlen(value) &&
           memcmp(v, value, vl) == 0;
}

static const char *unfolded(const ma_msg *m, size_t i)
{
    const char *u = NULL;
    size_t ul = 0;
    if (ma_msg_field_unfolded(m, i, &u, &ul) != MA_OK)
        return "(error)";
    if (u == NULL || strlen(u) != ul)
        return "(bad length)";
    return u;
}

/* Check that in (C string) fails with status, text and offset. */
static void check_error(ma_ctx *ctx, const char *in, int status, const char *text, int64_t off,
                        const char *what)
{
    int wrc, frc;
    char name[300];
    ma_msg *m = read_all(ctx, in, &wrc, &frc, NULL);
    int final = wrc != MA_OK ? wrc : frc;
    snprintf(name, sizeof name, "%s: status", what);
    is_int(final, status, name);
    snprintf(name, sizeof name, "%s: error text", what);
    is_str(ma_msg_error(m), text, name);
    snprintf(name, sizeof name, "%s: error offset", what);
    is_int(ma_msg_error_offset(m), off, name);
    ma_msg_free(m);
}

/* ------------------------------------------------------------ messages */

static const char msg1[] =
    "Received: from mail.example.org (mail.example.org [192.0.2.25])\r\n"
    "\tby mx.example.net (Postfix) with ESMTPS id 4Y2Lqk0Zz9z\r\n"
    "\tfor <bob@example.net>; Tue,  4 Mar 2025 10:15:02 +0000 (UTC)\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;\r\n"
    " s=sel2025; t=1741083301; h=from:to:subject:date:message-id;\r\n"
    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    " b=dGVzdHNpZ25hdHVyZQ==\r\n"
    "From: Alice Example <alice@example.org>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject : Quarterly report\r\n"
    "  \t(draft) \r\n"
    "Date: Tue, 4 Mar 2025 10:15:00 +0000\r\n"
    "Message-ID: <20250304101500.12345@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hi Bob,\r\n"
    "\r\n"
    "the report is attached.\r\n"
    "  indented line  \r\n"
    "\r\n"
    "-- \r\n"
    "Alice\r\n";

static const char msg1_body[] =
    "Hi Bob,\r\n"
    "\r\n"
    "the report is attached.\r\n"
    "  indented line  \r\n"
    "\r\n"
    "-- \r\n"
    "Alice\r\n";

/* ------------------------------------------------------------ tests */

static void test_basic(ma_ctx *ctx)
{
    ma_msg *m;
    coll c;
    int wrc, frc;
    const char *raw, *n, *v;
    size_t rl, nl, vl;

    coll_init(&c);
    m = read_all(ctx, msg1, &wrc, &frc, &c);
    is_int(wrc, MA_OK, "basic: write");
    is_int(frc, MA_OK, "basic: finish");
    ok(ma_msg_header_done(m), "basic: header done");
    is_int(ma_msg_field_count(m), 9, "basic: 9 fields");
    ok(field_is(m, 0, "Received",
                " from mail.example.org (mail.example.org [192.0.2.25])\r\n"
                "\tby mx.example.net (Postfix) with ESMTPS id 4Y2Lqk0Zz9z\r\n"
                "\tfor <bob@example.net>; Tue,  4 Mar 2025 10:15:02 +0000 (UTC)"),
       "basic: Received name and raw value with folding");
    is_str(unfolded(m, 0),
           "from mail.example.org (mail.example.org [192.0.2.25])"
           "\tby mx.example.net (Postfix) with ESMTPS id 4Y2Lqk0Zz9z"
           "\tfor <bob@example.net>; Tue,  4 Mar 2025 10:15:02 +0000 (UTC)",
           "basic: Received unfolded (CRLF before WSP removed, WSP kept)");
    ok(ma_msg_field_raw(m, 1, &raw, &rl) == MA_OK, "basic: raw of DKIM-Signature");
    is_mem(raw, rl,
           "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;\r\n"
           " s=sel2025; t=1741083301; h=from:to:subject:date:message-id;\r\n"
           " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
           " b=dGVzdHNpZ25hdHVyZQ==",
           strlen("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;\r\n"
                  " s=sel2025; t=1741083301; h=from:to:subject:date:message-id;\r\n"
                  " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
                  " b=dGVzdHNpZ25hdHVyZQ=="),
           "basic: raw field keeps name, colon and folding, not the final CRLF");
    ok(field_is(m, 2, "From", " Alice Example <alice@example.org>"), "basic: From");
    is_str(unfolded(m, 2), "Alice Example <alice@example.org>", "basic: From unfolded");
    ok(field_is(m, 4, "Subject", " Quarterly report\r\n  \t(draft) "),
       "basic: WSP before the colon is not part of the name (RFC 5322 4.5.8)");
    ok(ma_msg_field_raw(m, 4, &raw, &rl) == MA_OK &&
           rl == strlen("Subject : Quarterly report\r\n  \t(draft) ") &&
           memcmp(raw, "Subject : ", 10) == 0,
       "basic: raw keeps the WSP before the colon");
    is_str(unfolded(m, 4), "Quarterly report  \t(draft)", "basic: Subject unfolded and trimmed");
    ok(field_is(m, 8, "Content-Type", " text/plain; charset=utf-8"), "basic: last field");
    is_mem(c.data.d, c.data.len, msg1_body, strlen(msg1_body), "basic: body");
    is_int(c.finals, 1, "basic: one final call");
    is_int(c.bad, 0, "basic: no empty spans, nothing after the final call");
    is_int(ma_msg_body_length(m), strlen(msg1_body), "basic: body length");
    is_int(ma_msg_input_length(m), strlen(msg1), "basic: input length");
    is_str(ma_msg_error(m), "", "basic: no error text");
    is_int(ma_msg_error_offset(m), -1, "basic: no error offset");
    /* any out pointer may be NULL */
    ok(ma_msg_field(m, 3, NULL, &nl, NULL, NULL) == MA_OK && nl == 2,
       "basic: NULL outs (name_len)");
    ok(ma_msg_field(m, 3, &n, NULL, &v, &vl) == MA_OK && memcmp(n, "To", 2) == 0 &&
           vl == strlen(" Bob <bob@example.net>"), "basic: NULL outs (name, value)");
    ok(ma_msg_field_raw(m, 3, NULL, &rl) == MA_OK && rl == strlen("To: Bob <bob@example.net>"),
       "basic: raw with NULL pointer out");
    ok(ma_msg_field_unfolded(m, 3, NULL, NULL) == MA_OK, "basic: unfolded with NULL outs");
    is_int(ma_msg_field(m, 9, &n, &nl, &v, &vl), MA_EINVAL, "basic: field out of range");
    is_int(ma_msg_field_raw(m, 9, &raw, &rl), MA_EINVAL, "basic: raw out of range");
    is_int(ma_msg_field_unfolded(m, (size_t)-1, &raw, &rl), MA_EINVAL,
           "basic: unfolded out of range");
    sb_free(&c.data);
    ma_msg_free(m);
}

static void test_find(ma_ctx *ctx)
{
    ma_msg *m = read_all(ctx,
                         "Received: from a.example by b.example; Mon, 3 Mar 2025 09:00:00 +0000\n"
                         "received: from c.example by a.example; Mon, 3 Mar 2025 08:59:00 +0000\n"
                         "From: x@example.com\n"
                         "RECEIVED: from d.example\n"
                         "Subject\t: tab before colon\n"
                         "\n",
                         NULL, NULL, NULL);
    is_int(ma_msg_find(m, "Received", 0), 0, "find: first");
    is_int(ma_msg_find(m, "Received", 1), 1, "find: case-insensitive, from start");
    is_int(ma_msg_find(m, "rEcEiVeD", 2), 3, "find: skips other names");
    is_int(ma_msg_find(m, "received", 4), -1, "find: none after the last one");
    is_int(ma_msg_find(m, "received", 100), -1, "find: start beyond the count");
    is_int(ma_msg_find(m, "subject", 0), 4, "find: name with WSP before the colon");
    is_int(ma_msg_find(m, "Subj", 0), -1, "find: a prefix does not match");
    is_int(ma_msg_find(m, "Subject ", 0), -1, "find: the WSP is not part of the name");
    is_int(ma_msg_find(m, "", 0), -1, "find: empty name");
    is_int(ma_msg_find(m, NULL, 0), -1, "find: NULL name");
    is_int(ma_msg_find(NULL, "From", 0), -1, "find: NULL msg");
    is_str(unfolded(m, 4), "tab before colon", "find: value after tab and colon");
    ma_msg_free(m);
}

static void test_lf_crlf(ma_ctx *ctx)
{
    static const char *msgs[] = {
        msg1,
        "From: a@example.org\r\nSubject: folded\r\n\tvalue\r\n\r\n"
        "body line 1\r\n\r\nline 3 with lone\rCR\r\n",
        "X-A: 1\r\nX-B:\r\n  \r\n\r\n\r\n\r\n",
        "From: no body at all\r\n",
        "From: no final newline\r\nSubject: x\r\n\r\nlast line without newline",
    };
    size_t i;
    for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        size_t len = strlen(msgs[i]);
        char *lf = malloc(len + 1);
        sbuf a = { 0 }, b = { 0 };
        char name[100];
        size_t lflen;
        if (lf == NULL)
            abort();
        lflen = to_lf(msgs[i], len, lf);
        run_msg(&a, ctx, msgs[i], len, NULL, 0, 0);
        run_msg(&b, ctx, lf, lflen, NULL, 0, 0);
        snprintf(name, sizeof name, "LF and CRLF input give the same result (message %zu)", i);
        ok(a.len == b.len && memcmp(a.d, b.d, a.len) == 0 && lflen < len, name);
        sb_free(&a);
        sb_free(&b);
        free(lf);
    }
}

static void test_chunking(ma_ctx *ctx)
{
    static const char m_mixed[] =
        "From: Alice <alice@example.org>\r\n"
        "Subject : Hi\n"
        " there\r\n"
        "\tand more \r\n"
        "X-Lone: a\rb\r\r\n"
        "\r\n"
        "line1\n"
        "line2\r\n"
        "\r\r\n"
        "cr\rx\n"
        "\n"
        "end\r";
    static const char m_lf[] =
        "Return-Path: <bounce@lists.example.org>\n"
        "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.org;\n"
        "\tdkim=pass header.d=example.org\n"
        "To: list@lists.example.org\n"
        "\n"
        "body\n\nmore\n";
    static const char m_nobody[] = "From: a@example.org\r\nSubject: header only, no newline";
    static const char m_empty_hdr[] = "\r\nbody with empty header\r\n";
    static const char m_cr_eof[] = "Subject: ends in CR\r";
    static const char m_err1[] = "From: a@example.org\nSubject: x\nBad Line\n\nbody\n";
    static const char m_err2[] = "From: a@example.org\r\n\rX: y\r\n\r\n";
    static const char m_err3[] = "From: a@example.org\r\nX-Bad\x01: y\r\n\r\n";
    static const char m_err4[] = "Subject: a\r\n b\r\nTo: x\r\n\r\n";
    static const char m_mbox[] = "From alice@example.org Tue Mar  4 10:15:00 2025\nFrom: a\n\nb\n";
    static const char m_cont[] = " folded first\r\nFrom: a\r\n\r\n";
    static const char m_noclneof[] = "From: a\r\nNoColonAtEOF";
    static const char m_nul_body[] = "A: b\n\nx\0y\n\0";
    /* cases of the whole-field path: a NUL or a colon starting the next
       line (the field before is added or not, as byte by byte), a NUL
       inside a value, folds and lone CRs in a field */
    static const char m_nul_line[] = "From: a@example.org\r\n\0X: y\r\n\r\nbody\r\n";
    static const char m_colon_line[] = "From: a@example.org\r\n: y\r\n\r\n";
    static const char m_nul_value[] = "From: a@exa\0mple.org\r\nTo: b\r\n\r\n";
    static const char m_folds[] =
        "Subject: one\r\n two\r\n\tthree\r\nX-Lone: a\rb\r\r\nTo: c\r\n \r\n\r\nbody\r\n";
    ma_ctx *small;

    check_chunking(ctx, msg1, strlen(msg1), "real-looking CRLF message");
    check_chunking(ctx, m_mixed, strlen(m_mixed), "mixed LF/CRLF and lone CRs");
    check_chunking(ctx, m_lf, strlen(m_lf), "LF-only message");
    check_chunking(ctx, m_nobody, strlen(m_nobody), "header only");
    check_chunking(ctx, m_empty_hdr, strlen(m_empty_hdr), "empty header");
    check_chunking(ctx, m_cr_eof, strlen(m_cr_eof), "CR at end of input");
    check_chunking(ctx, m_err1, strlen(m_err1), "line without a colon");
    check_chunking(ctx, m_err2, strlen(m_err2), "lone CR starting a line");
    check_chunking(ctx, m_err3, strlen(m_err3), "control byte in a name");
    check_chunking(ctx, m_mbox, strlen(m_mbox), "mbox From line");
    check_chunking(ctx, m_cont, strlen(m_cont), "continuation first");
    check_chunking(ctx, m_noclneof, strlen(m_noclneof), "no colon at EOF");
    check_chunking(ctx, m_nul_body, sizeof m_nul_body - 1, "NUL in body");
    check_chunking(ctx, m_nul_line, sizeof m_nul_line - 1, "NUL starting the line after a field");
    check_chunking(ctx, m_colon_line, sizeof m_colon_line - 1, "colon starting the line after a field");
    check_chunking(ctx, m_nul_value, sizeof m_nul_value - 1, "NUL inside a value");
    check_chunking(ctx, m_folds, sizeof m_folds - 1, "folds and lone CRs in fields");
    check_chunking(ctx, "", 0, "empty input");

    /* limits hit in the middle of a run, at a folding CRLF and at a line end */
    small = new_ctx(NULL);
    ma_ctx_set_limit(small, MA_LIMIT_HEADER_FIELD_BYTES, 12);
    check_chunking(small, m_err4, strlen(m_err4), "field limit at a folding CRLF");
    check_chunking(small, m_lf, strlen(m_lf), "field limit in a run");
    ma_ctx_set_limit(small, MA_LIMIT_HEADER_FIELD_BYTES, 100);
    ma_ctx_set_limit(small, MA_LIMIT_HEADER_BYTES, 28);
    check_chunking(small, m_err4, strlen(m_err4), "header limit at a line end");
    ma_ctx_set_limit(small, MA_LIMIT_HEADER_BYTES, 1000);
    ma_ctx_set_limit(small, MA_LIMIT_HEADER_FIELDS, 2);
    check_chunking(small, m_err4, strlen(m_err4), "field count limit");
    ma_ctx_free(small);
}

static void test_folding(ma_ctx *ctx)
{
    ma_msg *m = read_all(ctx,
                         "Subject: This\r\n is a test\r\n"
                         "X-Tabs:\t\tlead\t \r\n\t trail \t\r\n"
                         "X-Empty:\r\n"
                         "X-Blank: \r\n \r\n\t\r\n"
                         "X-Nospace:value\r\n"
                         "X-Lone: a\rb \r\n c\r\n"
                         "X-Colons: a: b: c\r\n"
                         "X-Trailing-Fold: x\r\n   \r\n"
                         "\r\n",
                         NULL, NULL, NULL);
    const char *u;
    size_t ul;
    is_int(ma_msg_field_count(m), 8, "folding: 8 fields");
    is_str(unfolded(m, 0), "This is a test", "folding: RFC 5322 2.2.3 example");
    ok(field_is(m, 0, "Subject", " This\r\n is a test"), "folding: raw value keeps the CRLF");
    is_str(unfolded(m, 1), "lead\t \t trail",
           "folding: leading and trailing WSP trimmed, inner kept");
    ok(ma_msg_field_unfolded(m, 2, &u, &ul) == MA_OK && ul == 0 && u != NULL && u[0] == '\0',
       "folding: empty value gives an empty NUL-terminated string");
    ok(field_is(m, 2, "X-Empty", ""), "folding: empty raw value");
    is_str(unfolded(m, 3), "", "folding: value of WSP-only continuation lines");
    ok(field_is(m, 3, "X-Blank", " \r\n \r\n\t"), "folding: WSP-only continuation lines kept raw");
    ok(field_is(m, 4, "X-Nospace", "value"), "folding: no space after the colon");
    is_str(unfolded(m, 5), "a\rb  c", "folding: lone CR kept in the unfolded value");
    ok(field_is(m, 5, "X-Lone", " a\rb \r\n c"), "folding: lone CR kept in the raw value");
    ok(field_is(m, 6, "X-Colons", " a: b: c"), "folding: the first colon ends the name");
    is_str(unfolded(m, 7), "x", "folding: trailing WSP-only continuation trimmed");
    ma_msg_free(m);
}

static void test_errors(ma_ctx *ctx)
{
    ma_msg *m;
    int rc;
    coll c;

    check_error(ctx, " folded\r\nFrom: a@example.org\r\n\r\n", MA_ESYNTAX,
                "header line 1 (offset 0): continuation line before the first header field", 0,
                "continuation first");
    check_error(ctx, "\tx: y\n", MA_ESYNTAX,
                "header line 1 (offset 0): continuation line before the first header field", 0,
                "tab continuation first");
    check_error(ctx, "From: a@example.org\r\nGarbage line here\r\n\r\nbody\r\n", MA_ESYNTAX,
                "header line 2 (offset 29): no colon after field name", 29,
                "WSP inside a name then no colon");
    check_error(ctx, "From: a@example.org\nNoColon\n\nbody\n", MA_ESYNTAX,
                "header line 2 (offset 20): line without a colon", 20, "line without a colon");
    check_error(ctx, "From: a@example.org\nTo: b\nNoColonAtEOF", MA_ESYNTAX,
                "header line 3 (offset 26): line without a colon", 26,
                "line without a colon at the end of input");
    check_error(ctx, "From: a@example.org\nTo : \n", MA_OK, "", -1, "WSP then colon is fine");
    check_error(ctx, "From: a@example.org\r\n: no name\r\n", MA_ESYNTAX,
                "header line 2 (offset 21): empty field name", 21, "empty field name");
    check_error(ctx, "X-Bad\x7f: y\r\n", MA_ESYNTAX,
                "header line 1 (offset 5): invalid byte 0x7f in field name", 5, "DEL in name");
    check_error(ctx, "X-B\xc3\xa4" "d: y\r\n", MA_ESYNTAX,
                "header line 1 (offset 3): invalid byte 0xc3 in field name", 3,
                "8-bit byte in name");
    check_error(ctx, "From: a\r\nX\x01: y\r\n", MA_ESYNTAX,
                "header line 2 (offset 10): invalid byte 0x01 in field name", 10,
                "control byte in name");
    check_error(ctx, "From: a\r\n\x7f: y\r\n", MA_ESYNTAX,
                "header line 2 (offset 9): invalid byte 0x7f in field name", 9,
                "invalid first byte of a name");
    check_error(ctx, "From: a\r\n\rX: y\r\n\r\n", MA_ESYNTAX,
                "header line 2 (offset 9): invalid byte 0x0d in field name", 9,
                "lone CR at the start of a line");
    check_error(ctx, "From: a\r\nX\rY: y\r\n\r\n", MA_ESYNTAX,
                "header line 2 (offset 10): invalid byte 0x0d in field name", 10,
                "lone CR in a name");
    check_error(ctx, "From: a\r\nSubject\r", MA_ESYNTAX,
                "header line 2 (offset 16): invalid byte 0x0d in field name", 16,
                "CR at end of input in a name");
    check_error(ctx, "Subject: ok\r\n\r", MA_ESYNTAX,
                "header line 2 (offset 13): invalid byte 0x0d in field name", 13,
                "lone CR alone on the last line");
    /* NUL anywhere in the header */
    {
        static const char n1[] = "From: a\0b\r\n\r\n";
        static const char n2[] = "Fr\0m: a\r\n\r\n";
        static const char n3[] = "From: a\r\n \0\r\n\r\n";
        static const char n4[] = "\0";
        static const char n5[] = "From: a\r\n\0";
        static const char n6[] = "From \0: a\r\n";
        struct {
            const char *in;
            size_t len;
            long line, off;
        } v[] = {
            { n1, sizeof n1 - 1, 1, 7 }, { n2, sizeof n2 - 1, 1, 2 }, { n3, sizeof n3 - 1, 2, 10 },
            { n4, sizeof n4 - 1, 1, 0 }, { n5, sizeof n5 - 1, 2, 9 }, { n6, sizeof n6 - 1, 1, 5 },
        };
        size_t i;
        for (i = 0; i < sizeof v / sizeof v[0]; i++) {
            char want[100], name[100];
            ma_msg_new(&m, ctx);
            rc = ma_msg_write(m, v[i].in, v[i].len);
            snprintf(name, sizeof name, "NUL in header %zu: MA_ESYNTAX", i);
            is_int(rc, MA_ESYNTAX, name);
            snprintf(want, sizeof want, "header line %ld (offset %ld): NUL byte in header",
                     v[i].line, v[i].off);
            snprintf(name, sizeof name, "NUL in header %zu: error text", i);
            is_str(ma_msg_error(m), want, name);
            ma_msg_free(m);
        }
    }

    check_error(ctx,
                "From alice@example.org Tue Mar  4 10:15:00 2025\n"
                "From: Alice <alice@example.org>\n\nbody\n",
                MA_ESYNTAX,
                "header line 1 (offset 5): no colon after field name (an mbox \"From \" line?)", 5,
                "mbox From line");
    check_error(ctx, ">From alice@example.org\n", MA_ESYNTAX,
                "header line 1 (offset 6): no colon after field name", 6, "quoted From line");

    /* the reader stays failed */
    coll_init(&c);
    ma_msg_new(&m, ctx);
    ma_msg_add_body_consumer(m, coll_fn, &c);
    is_int(ma_msg_write(m, "From: a\nbad\n", 12), MA_ESYNTAX, "failed: first error");
    is_int(ma_msg_write(m, "\nbody\n", 6), MA_ESYNTAX, "failed: write returns the same status");
    is_int(ma_msg_write(m, NULL, 0), MA_ESYNTAX, "failed: empty write too");
    is_int(ma_msg_finish(m), MA_ESYNTAX, "failed: finish returns the same status");
    is_int(ma_msg_finish(m), MA_ESYNTAX, "failed: and again");
    is_str(ma_msg_error(m), "header line 2 (offset 8): line without a colon",
           "failed: error text kept");
    is_int(ma_msg_add_body_consumer(m, coll_fn, &c), MA_ESTATE, "failed: no consumer added");
    is_int(c.calls + c.finals, 0, "failed: consumers never called");
    is_int(ma_msg_field_count(m), 1, "failed: fields before the error kept");
    ok(!ma_msg_header_done(m), "failed: header not done");
    ma_msg_free(m);
}

static void test_limits(void)
{
    ta_alloc st;
    ma_ctx *ctx = new_ctx(&st);
    ma_msg *m;
    char *big;
    size_t i, n, base;
    int rc;

    /* MA_LIMIT_HEADER_FIELDS */
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELDS, 3);
    check_error(ctx, "A: 1\r\nB: 2\r\nC: 3\r\n\r\nbody\r\n", MA_OK, "", -1,
                "field count: exactly at the limit");
    check_error(ctx, "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", MA_ELIMIT,
                "header line 4 (offset 18): more header fields than 3 (limit header_fields)", 18,
                "field count: one over");
    m = read_all(ctx, "A: 1\nB: 2\nC: 3\nD: 4\n\n", NULL, NULL, NULL);
    is_int(ma_msg_field_count(m), 3, "field count: 3 fields kept");
    ma_msg_free(m);
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELDS, 1000);

    /* MA_LIMIT_HEADER_FIELD_BYTES: the raw field, folding included, final CRLF not */
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELD_BYTES, 20);
    check_error(ctx, "Subject: 12345678901\r\n\r\n", MA_OK, "", -1, "field bytes: exactly 20");
    check_error(ctx, "Subject: 12345678901", MA_OK, "", -1, "field bytes: 20 at EOF");
    check_error(ctx, "Subject: 123456789012\r\n\r\n", MA_ELIMIT,
                "header line 1 (offset 20): header field longer than 20 bytes "
                "(limit header_field_bytes)", 20, "field bytes: 21");
    check_error(ctx, "Subject: 1234567\r\n 9\r\n", MA_OK, "", -1, "field bytes: 20 with folding");
    check_error(ctx, "Subject: 12345678\r\n 9\r\n", MA_ELIMIT,
                "header line 2 (offset 20): header field longer than 20 bytes "
                "(limit header_field_bytes)", 20, "field bytes: folding CRLF counts");
    check_error(ctx, "X-Averyveryverylongname: 1\r\n", MA_ELIMIT,
                "header line 1 (offset 20): header field longer than 20 bytes "
                "(limit header_field_bytes)", 20, "field bytes: in the name");
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELD_BYTES, 64 * 1024);

    /* MA_LIMIT_HEADER_BYTES: fields with their CRLFs */
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_BYTES, 30);
    check_error(ctx, "A: 0123456789\r\nB: 0123456789\r\n\r\nbody", MA_OK, "", -1,
                "header bytes: exactly 30");
    check_error(ctx, "A: 0123456789\nB: 0123456789\n\nbody", MA_OK, "", -1,
                "header bytes: LF counts as CRLF");
    check_error(ctx, "A: 0123456789\r\nB: 0123456789012\r\n\r\n", MA_ELIMIT,
                "header line 2 (offset 30): header larger than 30 bytes (limit header_bytes)", 30,
                "header bytes: one over in the value");
    check_error(ctx, "A: 0123456789\r\nB: 01234567890\r\n\r\n", MA_ELIMIT,
                "header line 2 (offset 30): header larger than 30 bytes (limit header_bytes)", 30,
                "header bytes: over at a line end (CRLF)");
    check_error(ctx, "A: 0123456789\nB: 01234567890\n\n", MA_ELIMIT,
                "header line 2 (offset 28): header larger than 30 bytes (limit header_bytes)", 28,
                "header bytes: over at a line end (LF)");
    check_error(ctx, "A: 0123456789\r\nB: 012345678\r\n 9\r\n", MA_ELIMIT,
                "header line 3 (offset 30): header larger than 30 bytes (limit header_bytes)", 30,
                "header bytes: over in a continuation line");
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_BYTES, 1024 * 1024);

    /* bounded memory whatever the input: no line ending at all */
    n = 4u * 1024 * 1024;
    big = malloc(n);
    if (big == NULL)
        abort();
    memset(big, 'X', n);
    base = st.peak_bytes = st.live_bytes;
    ma_msg_new(&m, ctx);
    for (i = 0, rc = MA_OK; i < n && rc == MA_OK; i += 4096)
        rc = ma_msg_write(m, big + i, 4096);
    is_int(rc, MA_ELIMIT, "no line ending: limit");
    is_int(ma_msg_error_offset(m), 64 * 1024, "no line ending: stops at the field limit");
    ok(st.peak_bytes - base < 3 * 64 * 1024 + 16 * 1024, "no line ending: memory bounded");
    ma_msg_free(m);

    /* a value that never ends, through folding */
    base = st.peak_bytes = st.live_bytes;
    ma_msg_new(&m, ctx);
    rc = ma_msg_write(m, "Subject: x", 10);
    for (i = 0; i < 100000 && rc == MA_OK; i++)
        rc = ma_msg_write(m, "\r\n folded text", 14);
    is_int(rc, MA_ELIMIT, "endless folding: limit");
    ok(strstr(ma_msg_error(m), "header_field_bytes") != NULL, "endless folding: which limit");
    ok(st.peak_bytes - base < 3 * 64 * 1024 + 16 * 1024, "endless folding: memory bounded");
    ma_msg_free(m);

    /* many small fields: the header limit, with memory bounded by it */
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELDS, 10000000);
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_BYTES, 64 * 1024);
    base = st.peak_bytes = st.live_bytes;
    ma_msg_new(&m, ctx);
    rc = MA_OK;
    for (i = 0; i < 1000000 && rc == MA_OK; i++)
        rc = ma_msg_write(m, "X:\n", 3);
    is_int(rc, MA_ELIMIT, "many fields: header limit");
    ok(strstr(ma_msg_error(m), "(limit header_bytes)") != NULL, "many fields: which limit");
    is_int(ma_msg_field_count(m), 64 * 1024 / 4, "many fields: fields kept up to the limit");
    /* fields (2 x 4 bytes each) and index (32 bytes a field, 1.5 x while growing) */
    ok(st.peak_bytes - base < 16 * 64 * 1024, "many fields: memory bounded by the limit");
    ma_msg_free(m);
    /* the default field count */
    ma_ctx_set_limit(ctx, MA_LIMIT_HEADER_FIELDS, ma_limit_default(MA_LIMIT_HEADER_FIELDS));
    ma_msg_new(&m, ctx);
    rc = MA_OK;
    for (i = 0; i < 100000 && rc == MA_OK; i++)
        rc = ma_msg_write(m, "X-F: v\n", 7);
    is_int(rc, MA_ELIMIT, "default field count: limit");
    is_int(ma_msg_field_count(m), 1000, "default field count: 1000 fields");
    ma_msg_free(m);

    free(big);
    is_int(st.live_bytes, sizeof(struct ma_ctx), "limits: nothing leaked");
    ma_ctx_free(ctx);
}

static void test_body(ma_ctx *ctx)
{
    static const struct {
        const char *in;
        size_t len;
        const char *body;
        size_t blen;
        const char *what;
    } v[] = {
#define V(in, body, what) { in, sizeof in - 1, body, sizeof body - 1, what }
        V("From: a\r\n\r\n", "", "empty body"),
        V("From: a\n\n", "", "empty body (LF)"),
        V("From: a\r\n", "", "no body"),
        V("From: a", "", "no body, no newline"),
        V("", "", "empty input"),
        V("\r\n", "", "empty header and body"),
        V("\n\n", "\r\n", "empty header, one empty body line"),
        V("From: a\n\nhello", "hello", "body without final newline"),
        V("From: a\n\nhello\nworld\n", "hello\r\nworld\r\n", "LF body"),
        V("From: a\n\n\n\n\n", "\r\n\r\n\r\n", "empty lines"),
        V("From: a\r\n\r\n\r\n\r\n", "\r\n\r\n", "empty CRLF lines"),
        V("From: a\n\na\rb\r\n", "a\rb\r\n", "lone CR in the body"),
        V("From: a\n\n\r\r\n\rx\r", "\r\r\n\rx\r", "lone CRs before CRLF and at the end"),
        V("From: a\n\nx\0y\n\0", "x\0y\r\n\0", "NUL in the body"),
        V("From: a\n\n\xff\xfe\x80\n", "\xff\xfe\x80\r\n", "8-bit body"),
        V("From: a\n\nFrom b\n>From c\n", "From b\r\n>From c\r\n", "From lines in the body"),
#undef V
    };
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        ma_msg *m;
        coll c;
        int wrc, frc;
        char name[100];
        coll_init(&c);
        ma_msg_new(&m, ctx);
        ma_msg_add_body_consumer(m, coll_fn, &c);
        wrc = ma_msg_write(m, v[i].in, v[i].len);
        frc = ma_msg_finish(m);
        snprintf(name, sizeof name, "body: %s: status", v[i].what);
        ok(wrc == MA_OK && frc == MA_OK, name);
        snprintf(name, sizeof name, "body: %s: bytes", v[i].what);
        ok(c.data.len == v[i].blen &&
               (v[i].blen == 0 || memcmp(c.data.d, v[i].body, v[i].blen) == 0),
           name);
        snprintf(name, sizeof name, "body: %s: one final call, no empty spans", v[i].what);
        ok(c.finals == 1 && c.bad == 0 && ma_msg_body_length(m) == v[i].blen &&
               ma_msg_header_done(m), name);
        sb_free(&c.data);
        ma_msg_free(m);
    }
}

static void test_header_done(ma_ctx *ctx)
{
    static const char filler[] =
        "X-Filler: 0123456789012345678901234567890123456789012345678901234567"
        "890123456789012345678901234567890123456789\r\n";
    ma_msg *m;
    coll c1, c2;
    const char *raw0;
    size_t rl0, i;
    char saved[64];
    int rc = MA_OK;

    coll_init(&c1);
    coll_init(&c2);
    ma_msg_new(&m, ctx);
    ok(!ma_msg_header_done(m), "header done: not at first");
    is_int(ma_msg_add_body_consumer(m, coll_fn, &c1), MA_OK, "consumer added before input");
    ma_msg_write(m, "From: alice@example.org\r\nTo: bob", 32);
    is_int(ma_msg_field_count(m), 1, "streaming: a field counts once its line is over");
    ma_msg_write(m, "@example.net\r\n", 14);
    is_int(ma_msg_field_count(m), 1, "streaming: the next line may still fold it");
    ma_msg_write(m, " (Bob)\r\n", 8);
    is_int(ma_msg_field_count(m), 1, "streaming: folded");
    ma_msg_write(m, "\r", 1);
    ok(!ma_msg_header_done(m), "header done: not on CR alone");
    ma_msg_write(m, "\n", 1);
    ok(ma_msg_header_done(m), "header done: after the empty line");
    is_int(ma_msg_field_count(m), 2, "streaming: both fields after the empty line");
    ok(field_is(m, 1, "To", " bob@example.net\r\n (Bob)"), "streaming: folded field across writes");
    is_int(ma_msg_add_body_consumer(m, coll_fn, &c2), MA_OK,
           "consumer added after the header, before any body byte");
    ma_msg_write(m, "Body\n", 5);
    is_int(ma_msg_add_body_consumer(m, coll_fn, &c1), MA_ESTATE,
           "consumer after the body started: MA_ESTATE");
    ma_msg_write(m, "text\r\n", 6);
    is_int(ma_msg_finish(m), MA_OK, "finish");
    ok(c1.data.len == 12 && memcmp(c1.data.d, "Body\r\ntext\r\n", 12) == 0 && c2.data.len == 12 &&
           memcmp(c2.data.d, "Body\r\ntext\r\n", 12) == 0,
       "a consumer added after the header sees the whole body");
    is_int(ma_msg_write(m, "x", 1), MA_ESTATE, "write after finish: MA_ESTATE");
    is_int(ma_msg_finish(m), MA_ESTATE, "finish twice: MA_ESTATE");
    is_int(ma_msg_add_body_consumer(m, coll_fn, &c1), MA_ESTATE,
           "consumer after finish: MA_ESTATE");
    is_int(c1.finals + c2.finals, 2, "each consumer got one final call");
    sb_free(&c1.data);
    sb_free(&c2.data);
    ma_msg_free(m);

    /* without an empty line the header is done only at finish */
    ma_msg_new(&m, ctx);
    ma_msg_write(m, "From: a\r\n", 9);
    ok(!ma_msg_header_done(m), "header done: not before finish without an empty line");
    is_int(ma_msg_field_count(m), 0, "the last field waits for a possible continuation");
    ma_msg_finish(m);
    ok(ma_msg_header_done(m), "header done: after finish");
    is_int(ma_msg_field_count(m), 1, "the last field is complete at finish");
    ma_msg_free(m);

    /* returned pointers stay valid while more fields arrive */
    ma_msg_new(&m, ctx);
    ma_msg_write(m, "Subject: the first field\r\nX: y\r\n", 32);
    ma_msg_field_raw(m, 0, &raw0, &rl0);
    memcpy(saved, raw0, rl0);
    for (i = 0; i < 900 && rc == MA_OK; i++)
        rc = ma_msg_write(m, filler, strlen(filler));
    is_int(rc, MA_OK, "many fields written");
    ok(rl0 == 24 && memcmp(raw0, saved, rl0) == 0, "pointers stay valid while the header grows");
    ma_msg_free(m);
}

/* A header hook that counts its calls, checks the header is complete and
   adds a body consumer (or fails with status when set). */
typedef struct hook_st {
    int calls;
    size_t fields;
    int complete;
    int status;
    coll *add;
} hook_st;

static int hook_fn(ma_msg *m, void *payload)
{
    hook_st *h = payload;
    h->calls++;
    h->fields = ma_msg_field_count(m);
    h->complete = ma_msg_header_done(m);
    if (h->status < 0)
        return h->status;
    return h->add ? ma_msg_add_body_consumer(m, coll_fn, h->add) : MA_OK;
}

static void test_header_hooks(ma_ctx *ctx)
{
    static const char in[] = "From: a\r\nTo: b\r\n\r\nbody line\r\n";
    hook_st h1, h2;
    ma_msg *m;
    coll c;

    /* One write holds the header and the body: the hook still adds its
       consumer before the first body byte. */
    memset(&h1, 0, sizeof h1);
    memset(&h2, 0, sizeof h2);
    coll_init(&c);
    h1.add = &c;
    ma_msg_new(&m, ctx);
    is_int(ma_msg_on_header(m, hook_fn, &h1), MA_OK, "hook: registered");
    is_int(ma_msg_on_header(m, hook_fn, &h2), MA_OK, "hook: second registered");
    is_int(ma_msg_on_header(m, NULL, &h2), MA_EINVAL, "hook: NULL function refused");
    is_int(ma_msg_write(m, in, sizeof in - 1), MA_OK, "hook: one write");
    is_int(h1.calls, 1, "hook: called once");
    is_int(h2.calls, 1, "hook: the second called once too");
    is_int((long)h1.fields, 2, "hook: saw both fields");
    ok(h1.complete, "hook: the header was complete");
    is_int((long)c.data.len, 11, "hook: its consumer got the whole body");
    is_int(ma_msg_on_header(m, hook_fn, &h2), MA_ESTATE, "hook: too late after the header");
    is_int(ma_msg_finish(m), MA_OK, "hook: finish");
    is_int(h1.calls, 1, "hook: not called again at finish");
    is_int(c.finals, 1, "hook: its consumer got the final call");
    sb_free(&c.data);
    ma_msg_free(m);

    /* No empty line: the hook runs at finish. */
    memset(&h1, 0, sizeof h1);
    ma_msg_new(&m, ctx);
    ma_msg_on_header(m, hook_fn, &h1);
    ma_msg_write(m, "Subject: x\r\n", 12);
    is_int(h1.calls, 0, "hook: not before the header ends");
    is_int(ma_msg_finish(m), MA_OK, "hook: finish without body");
    is_int(h1.calls, 1, "hook: called at finish");
    ma_msg_free(m);

    /* A failing hook fails the reader with its status. */
    memset(&h1, 0, sizeof h1);
    h1.status = MA_EIO;
    ma_msg_new(&m, ctx);
    ma_msg_on_header(m, hook_fn, &h1);
    is_int(ma_msg_write(m, in, sizeof in - 1), MA_EIO, "hook: its failure stops the write");
    is_int(ma_msg_finish(m), MA_EIO, "hook: and stays");
    ok(strstr(ma_msg_error(m), "header hook") != NULL, "hook: the error says so");
    ma_msg_free(m);
}

static void test_consumers(ma_ctx *ctx)
{
    ma_msg *m;
    coll c[33];
    size_t i;
    int rc, same = 1;
    static const char in[] = "From: a\n\nline one\nline two\r\nthree";

    for (i = 0; i < 33; i++)
        coll_init(&c[i]);
    ma_msg_new(&m, ctx);
    for (i = 0; i < 32; i++)
        if (ma_msg_add_body_consumer(m, coll_fn, &c[i]) != MA_OK)
            same = 0;
    ok(same, "32 consumers accepted");
    is_int(ma_msg_add_body_consumer(m, coll_fn, &c[32]), MA_ELIMIT, "the 33rd: MA_ELIMIT");
    is_int(ma_msg_add_body_consumer(m, NULL, &c[32]), MA_EINVAL, "NULL function: MA_EINVAL");
    is_int(ma_msg_add_body_consumer(NULL, coll_fn, &c[32]), MA_EINVAL, "NULL reader: MA_EINVAL");
    for (i = 0; i + 1 < sizeof in; i += 3)
        ma_msg_write(m, in + i, sizeof in - 1 - i < 3 ? sizeof in - 1 - i : 3);
    is_int(ma_msg_finish(m), MA_OK, "finish");
    for (i = 0; i < 32; i++)
        if (c[i].data.len != 25 || memcmp(c[i].data.d, "line one\r\nline two\r\nthree", 25) != 0 ||
            c[i].finals != 1 || c[i].bad != 0)
            same = 0;
    ok(same, "every consumer saw the same bytes and one final call");
    is_int(c[32].calls + c[32].finals, 0, "the rejected consumer was never called");
    for (i = 0; i < 33; i++)
        sb_free(&c[i].data);
    ma_msg_free(m);

    /* a failing consumer stops the reader with its status */
    coll_init(&c[0]);
    coll_init(&c[1]);
    coll_init(&c[2]);
    c[1].fail_at_call = 1;
    c[1].fail_status = MA_EIO;
    ma_msg_new(&m, ctx);
    ma_msg_add_body_consumer(m, coll_fn, &c[0]);
    ma_msg_add_body_consumer(m, coll_fn, &c[1]);
    ma_msg_add_body_consumer(m, coll_fn, &c[2]);
    is_int(ma_msg_write(m, "From: a\r\n\r\nfirst\r\n", 18), MA_OK, "consumer: first span fine");
    rc = ma_msg_write(m, "second\r\n", 8);
    is_int(rc, MA_EIO, "consumer: its negative status is returned");
    is_str(ma_msg_error(m),
           "body consumer 1 failed with status -8 (input/output error) after 7 body bytes",
           "consumer: error text");
    is_int(ma_msg_error_offset(m), 26, "consumer: offset is the input read so far");
    is_int(c[0].calls, 2, "consumer: the ones before it got the span");
    is_int(c[2].calls, 1, "consumer: the ones after it did not");
    is_int(ma_msg_write(m, "third\r\n", 7), MA_EIO, "consumer: write keeps failing");
    is_int(ma_msg_finish(m), MA_EIO, "consumer: finish too");
    ok(c[0].finals == 0 && c[1].finals == 0 && c[2].finals == 0,
       "consumer: no final call after a failure");
    is_int(ma_msg_body_length(m), 7, "consumer: the failed span is not counted");
    for (i = 0; i < 3; i++)
        sb_free(&c[i].data);
    ma_msg_free(m);

    /* a positive return is not a failure; a failure in the final call */
    coll_init(&c[0]);
    c[0].fail_at_call = 0;
    c[0].fail_status = 7;
    coll_init(&c[1]);
    c[1].fail_at_call = 1;
    c[1].fail_status = -1234;
    ma_msg_new(&m, ctx);
    ma_msg_add_body_consumer(m, coll_fn, &c[0]);
    ma_msg_add_body_consumer(m, coll_fn, &c[1]);
    is_int(ma_msg_write(m, "A: b\n\nx\n", 8), MA_OK, "consumer: positive return ignored");
    is_int(ma_msg_finish(m), -1234, "consumer: failure in the final call");
    ok(strstr(ma_msg_error(m), "at the end of the body") != NULL,
       "consumer: final-call error text");
    is_int(ma_msg_finish(m), -1234, "consumer: finish keeps failing");
    is_int(ma_msg_write(m, "y", 1), -1234, "consumer: write too");
    for (i = 0; i < 2; i++)
        sb_free(&c[i].data);
    ma_msg_free(m);

    /* no consumers at all */
    ma_msg_new(&m, ctx);
    is_int(ma_msg_write(m, "A: b\n\nx\ny\n", 10), MA_OK, "no consumers: write");
    is_int(ma_msg_finish(m), MA_OK, "no consumers: finish");
    is_int(ma_msg_body_length(m), 6, "no consumers: body length still counted");
    ma_msg_free(m);
}

static uint64_t fnv(uint64_t h, const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

typedef struct hasher {
    uint64_t h, len;
    long calls, inside;
    const char *lo, *hi;
} hasher;

static int hash_fn(const char *data, size_t len, void *payload)
{
    hasher *hs = payload;
    if (data == NULL)
        return 0;
    hs->h = fnv(hs->h, data, len);
    hs->len += len;
    hs->calls++;
    if (hs->lo != NULL && data >= hs->lo && data + len <= hs->hi)
        hs->inside++;
    return 0;
}

static void test_large(void)
{
    ta_alloc st;
    ma_ctx *ctx = new_ctx(&st);
    static const char hdr[] = "From: big@example.org\r\nSubject: large\r\n\r\n";
    size_t total = 4u * 1024 * 1024, pos, n, i;
    char *crlf = malloc(total + 256), *lf = malloc(total + 256);
    size_t crlf_len = 0, lf_len = 0, hlen = sizeof hdr - 1;
    uint64_t want;
    hasher hs;
    size_t base;
    ma_msg *m;
    int rc;
    int pass;

    if (crlf == NULL || lf == NULL)
        abort();
    /* the same message with CRLF and with LF line ends */
    memcpy(crlf, hdr, hlen);
    crlf_len = hlen;
    lf_len = to_lf(hdr, hlen, lf);
    while (crlf_len < total) {
        size_t ll = rnd() % 120;
        for (i = 0; i < ll; i++) {
            char ch = (char)(' ' + rnd() % 95);
            crlf[crlf_len++] = ch;
            lf[lf_len++] = ch;
        }
        crlf[crlf_len++] = '\r';
        crlf[crlf_len++] = '\n';
        lf[lf_len++] = '\n';
    }
    want = fnv(14695981039346656037ull, crlf + hlen, crlf_len - hlen);

    for (pass = 0; pass < 4; pass++) {
        const char *in = (pass & 1) ? lf : crlf;
        size_t len = (pass & 1) ? lf_len : crlf_len;
        size_t chunk = pass < 2 ? 1024 : 65536;
        char name[120];
        const char *kind = (pass & 1) ? "LF" : "CRLF";

        memset(&hs, 0, sizeof hs);
        hs.h = 14695981039346656037ull;
        hs.lo = in;
        hs.hi = in + len;
        base = st.peak_bytes = st.live_bytes;
        ma_msg_new(&m, ctx);
        ma_msg_add_body_consumer(m, hash_fn, &hs);
        rc = MA_OK;
        for (pos = 0; pos < len && rc == MA_OK; pos += n) {
            n = len - pos < chunk ? len - pos : chunk;
            rc = ma_msg_write(m, in + pos, n);
        }
        if (rc == MA_OK)
            rc = ma_msg_finish(m);
        snprintf(name, sizeof name, "large %s body, %zu-byte chunks: read", kind, chunk);
        is_int(rc, MA_OK, name);
        snprintf(name, sizeof name, "large %s body, %zu-byte chunks: same bytes", kind, chunk);
        ok(hs.h == want && hs.len == crlf_len - hlen && ma_msg_body_length(m) == hs.len, name);
        snprintf(name, sizeof name, "large %s body, %zu-byte chunks: small memory", kind, chunk);
        ok(st.peak_bytes - base < 32 * 1024, name);
        if (pass == 2) {
            /* CRLF input: spans handed through without copies */
            is_int(hs.calls, (long)((len + chunk - 1) / chunk),
                   "large CRLF body, 64 KiB chunks: one span per write");
            /* only a tail shorter than 256 bytes may be gathered (copied) */
            is_int(hs.inside, hs.calls - (len % chunk < 256 ? 1 : 0),
                   "large CRLF body: every span points into the input");
        }
        if (pass == 3) {
            ok(hs.calls <= (long)(hs.len / 4096 + 2 * ((len + chunk - 1) / chunk)),
               "large LF body, 64 KiB chunks: large spans");
        }
        ma_msg_free(m);
    }
    free(crlf);
    free(lf);
    is_int(st.live_bytes, sizeof(struct ma_ctx), "large: nothing leaked");
    ma_ctx_free(ctx);
}

static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *ctx = new_ctx(&st);
    long k;
    int bad = 0, saw_oom = 0, done = 0;
    size_t base = st.live_bytes;

    for (k = 0; k < 10000 && !done; k++) {
        ma_msg *m = NULL;
        coll c;
        int rc;
        size_t i, len = strlen(msg1);
        coll_init(&c);
        ta_fail_from(&st, k + 1);
        rc = ma_msg_new(&m, ctx);
        if (rc == MA_ENOMEM) {
            saw_oom = 1;
            if (m != NULL)
                bad++;
            continue;
        }
        ma_msg_add_body_consumer(m, coll_fn, &c);
        for (i = 0; i < len && rc == MA_OK; i += 7)
            rc = ma_msg_write(m, msg1 + i, len - i < 7 ? len - i : 7);
        if (rc == MA_OK)
            rc = ma_msg_finish(m);
        if (rc == MA_ENOMEM) {
            saw_oom = 1;
            if (strcmp(ma_msg_error(m), "out of memory") != 0 ||
                ma_msg_write(m, "x", 1) != MA_ENOMEM)
                bad++;
        } else if (rc == MA_OK) {
            done = 1;
            if (ma_msg_field_count(m) != 9 || c.data.len != strlen(msg1_body))
                bad++;
        } else {
            bad++;
        }
        ma_msg_free(m);
        sb_free(&c.data);
        if (st.live_bytes != base)
            bad++;
    }
    ta_fail_never(&st);
    ok(saw_oom && done && bad == 0, "allocation failures: MA_ENOMEM, reader failed, no leak");
    ma_ctx_free(ctx);
}

static void test_args(ma_ctx *ctx)
{
    ma_msg *m = (ma_msg *)&m;
    is_int(ma_msg_new(NULL, ctx), MA_EINVAL, "new: NULL out");
    is_int(ma_msg_new(&m, NULL), MA_EINVAL, "new: NULL ctx");
    ok(m == NULL, "new: out cleared on error");
    ma_msg_free(NULL);
    is_int(ma_msg_write(NULL, "x", 1), MA_EINVAL, "write: NULL reader");
    is_int(ma_msg_finish(NULL), MA_EINVAL, "finish: NULL reader");
    ok(!ma_msg_header_done(NULL) && ma_msg_field_count(NULL) == 0 &&
           ma_msg_body_length(NULL) == 0 &&
           ma_msg_input_length(NULL) == 0 && ma_msg_error_offset(NULL) == -1 &&
           strcmp(ma_msg_error(NULL), "") == 0,
       "getters accept NULL");
    is_int(ma_msg_field(NULL, 0, NULL, NULL, NULL, NULL), MA_EINVAL, "field: NULL reader");
    ma_msg_new(&m, ctx);
    is_int(ma_msg_write(m, NULL, 5), MA_EINVAL, "write: NULL data with a length");
    is_int(ma_msg_write(m, NULL, 0), MA_OK, "write: nothing");
    is_int(ma_msg_write(m, "A: b\n", 5), MA_OK, "write: the reader was not failed by MA_EINVAL");
    is_int(ma_msg_field(m, 0, NULL, NULL, NULL, NULL), MA_EINVAL, "field: not complete yet");
    is_int(ma_msg_finish(m), MA_OK, "finish");
    is_int(ma_msg_input_length(m), 5, "input length");
    ma_msg_free(m);
}

/*
 * The body scan for bare LFs (64 bytes a step with AVX2, memchr otherwise):
 * bodies of CRLF lines with bare LFs, lone CRs and CR-LF pairs split across
 * writes, a bare LF at every offset of a 64-byte step, written whole and cut
 * at every point, against a byte-by-byte reference (an LF gets a CR in front
 * unless the input byte before it is a CR).
 */
static size_t ref_body(const char *in, size_t len, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < len; i++) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
            out[o++] = '\r';
        out[o++] = in[i];
    }
    return o;
}

static int body_matches(ma_ctx *ctx, const char *hdr, const char *body, size_t blen, size_t cut,
                        const char *want, size_t wlen)
{
    ma_msg *m = NULL;
    coll c;
    size_t hl = strlen(hdr);
    int good;

    coll_init(&c);
    if (ma_msg_new(&m, ctx) != MA_OK)
        return 0;
    ma_msg_add_body_consumer(m, coll_fn, &c);
    good = ma_msg_write(m, hdr, hl) == MA_OK && ma_msg_write(m, body, cut) == MA_OK
           && ma_msg_write(m, body + cut, blen - cut) == MA_OK && ma_msg_finish(m) == MA_OK;
    good = good && c.bad == 0 && c.data.len == wlen && memcmp(c.data.d, want, wlen) == 0
           && ma_msg_body_length(m) == wlen;
    sb_free(&c.data);
    ma_msg_free(m);
    return good;
}

static void test_bare_lf_scan(ma_ctx *ctx)
{
    static const char hdr[] = "A: b\r\n\r\n";
    char body[700], want[1400];
    size_t k, cut, blen, wlen;
    int bad = 0, runs = 0, iter;

    /* one bare LF at every offset, in CRLF text */
    for (k = 0; k < 300; k++) {
        blen = 300;
        for (cut = 0; cut < blen; cut++)
            body[cut] = cut % 37 == 35 ? '\r' : cut % 37 == 36 ? '\n' : (char)('a' + cut % 26);
        if (body[k] == '\n' || body[k] == '\r')
            continue;
        body[k] = '\n';
        wlen = ref_body(body, blen, want);
        for (cut = 0; cut <= blen; cut += (cut < k + 3 && cut + 3 > k) ? 1 : 29) {
            runs++;
            if (!body_matches(ctx, hdr, body, blen, cut, want, wlen) && bad++ < 3)
                printf("# bare LF at %zu, cut at %zu: wrong body\n", k, cut);
        }
    }
    ok(bad == 0 && runs > 300, "body: a bare LF at every offset, any cut");

    /* random mixes of LF, CR, CRLF and text, cut anywhere */
    bad = runs = 0;
    for (iter = 0; iter < 300; iter++) {
        blen = 1 + rnd() % 690;
        for (k = 0; k < blen; k++) {
            uint32_t r = rnd() % 16;
            body[k] = r == 0 ? '\n' : r == 1 ? '\r' : r == 2 ? '\0' : (char)('a' + r);
        }
        wlen = ref_body(body, blen, want);
        for (k = 0; k < 4; k++) {
            cut = k == 0 ? 0 : k == 1 ? blen : rnd() % (blen + 1);
            runs++;
            if (!body_matches(ctx, hdr, body, blen, cut, want, wlen) && bad++ < 3)
                printf("# random body %d (%zu bytes) cut at %zu: wrong body\n", iter, blen, cut);
        }
    }
    ok(bad == 0 && runs == 1200, "body: random LF/CR/CRLF mixes, any cut == reference");

    /* a CR ending one write, the LF starting the next: not a bare LF */
    ok(body_matches(ctx, hdr, "x\r\ny", 4, 2, "x\r\ny", 4), "body: CR | LF across writes");
    ok(body_matches(ctx, hdr, "x\ny", 3, 1, "x\r\ny", 4), "body: x | LF across writes");
    ok(body_matches(ctx, hdr, "\n\n", 2, 1, "\r\n\r\n", 4), "body: LF | LF across writes");
}

int main(void)
{
    ma_ctx *ctx = new_ctx(NULL);

    test_args(ctx);
    test_basic(ctx);
    test_find(ctx);
    test_folding(ctx);
    test_lf_crlf(ctx);
    test_body(ctx);
    test_bare_lf_scan(ctx);
    test_header_done(ctx);
    test_consumers(ctx);
    test_header_hooks(ctx);
    test_errors(ctx);
    test_limits();
    test_large();
    test_oom();
    tap_diag("chunking equivalence (every cut, every pair of cuts, byte by byte, random)");
    test_chunking(ctx);
    ma_ctx_free(ctx);
    return tap_done();
}
