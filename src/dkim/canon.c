/*
 * DKIM canonicalisation (RFC 6376 3.4): the streaming body canonicaliser and
 * the header field canonicaliser.
 *
 * Body.  The canonical body is produced as a sequence of pieces, and most
 * pieces are runs of the input itself: a run is only broken where the output
 * differs from the input (a WSP run shortened or dropped, a CRLF held back
 * across a span boundary).  Simple only looks at the tail of each span and
 * merges adjacent verbatim pieces, so it hands the digest one update per
 * span, straight from the input.  Relaxed gathers its canonical bytes in a
 * 4 KB buffer inside the ma_canon_body, which goes to the digest when full
 * and at the end (pieces are short where the body has WSP to change, and
 * each digest call has a fixed cost).  In the middle of content a copy loop
 * writes the canonical bytes into the buffer a vector at a time.  With AVX2
 * (chosen at run time) each 32-byte block is produced whole: relaxed only
 * drops WSP bytes and makes the kept ones SP, so the block is stored with
 * its dropped lanes squeezed out (see copy_avx2()).  Where the digest is
 * our SHA-NI SHA-256 and there is no l=, copy_sha() makes the same blocks
 * 16 bytes at a time and hashes each 64 canonical bytes inside the loop,
 * so that canonicalising runs beside the hash's chain of rounds instead of
 * after it.  With SSE2 the loop
 * copies 16 bytes a step while it looks for a "stop", a byte that may change
 * the output (an HTAB, an SP before SP, HTAB or CR, a CR not starting a CRLF
 * followed by content; the "followed by" tests come from two more loads one
 * and two bytes on).  Common stops (a WSP run before content, trailing WSP
 * and a few line ends before content, a lone CR) are produced in the loop,
 * which then goes on from the next content byte; the rest, and the last few
 * bytes of a span, go through the byte-wise path, which finds
 * run ends 8 bytes at a time (SWAR; SSE2 on x86-64) and copies whole runs
 * (a piece of CANON_DIRECT_MIN bytes or more goes to the digest directly).
 * Between spans the only state kept is that buffer and the held-back tail:
 *
 *   held         CRLFs since the last content byte.  They are produced when
 *                more content follows; at the end, RFC 6376 3.4.3/3.4.4
 *                ("ignore all empty lines at the end") turn them into one
 *                CRLF after content, or none.
 *   wsp_pending  relaxed: a WSP run in the current line.  It becomes one SP
 *                when content follows on the same line, and is dropped at a
 *                line end (trailing WSP) or at the end of the body.
 *   cr_pending   the span ended in a CR; the next byte says whether it was a
 *                line end (LF) or an ordinary byte.
 *
 * Line ends are CRLF only.  A lone CR and a bare LF are ordinary content
 * bytes (the message reader hands on CRLF line ends and keeps lone CRs;
 * RFC 6376 3.4 assumes "network normal" CRLF text).
 *
 * Relaxed and the errata.  Errata 1384 (against RFC 4871, folded into RFC
 * 6376 3.4.4) settled two things that this code follows: the steps apply in
 * order, (a) WSP reduction first, then (b) trailing empty lines, so a line
 * holding only WSP is an empty line once (a) is done and is ignored at the
 * end of the body (e.g. "<CRLF><SP><SP><CRLF>" canonicalises to nothing);
 * and an empty body (including one that (a) and (b) empty) stays empty
 * instead of becoming CRLF, while a non-empty body that lacks a final CRLF
 * gets one.  We apply the "non-empty" test after (a) and (b), so a body of
 * only WSP without a line end (" ") is empty too.  Trailing WSP on a last
 * line without CRLF is removed like any trailing WSP.  Erratum 3192 (RFC
 * 6376) corrects the Appendix A example body ("game.  Are" has one space,
 * not two); it changes no rule, and the test suite checks the corrected
 * body against the published bh=.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define CANON_SSE2 1
#endif
/* AVX2 is compiled in with a target attribute and chosen at run time. */
#if defined(CANON_SSE2) && defined(__x86_64__) \
    && (defined(__clang__) ? __clang_major__ >= 4 : __GNUC__ >= 5)
#include <immintrin.h>
#define CANON_AVX2 1
#endif

#include "crypto/sha256_x86.h"
#include "dkim/canon_int.h"

/* The fused loop (copy_sha()) where SHA-NI code is compiled in. */
#if defined(CANON_AVX2) && defined(MA_SHA256_X86)
#define CANON_SHA 1
#endif

/* --------------------------------------------------------------------- body */

/* 64 CRLFs, to produce held CRLFs that are not in the current span. */
static const char crlf64[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
                             "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
                             "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
                             "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* Relaxed: bytes that end a run of verbatim content (CR, SP, HTAB). */
static const unsigned char relaxed_special[256] = { ['\r'] = 1, [' '] = 1, ['\t'] = 1 };

/* Simple: working state for one update call, pointers into the span. */
typedef struct span {
    ma_canon_body *b;
    const unsigned char *run_start; /* verbatim output not yet fed (NULL: none) */
    const unsigned char *run_end;
    const unsigned char *held_pos;  /* the held CRLFs are [held_pos, +2*held) here, or NULL */
} span;

/* Relaxed pieces at least this long skip the buffer (after flushing it):
   the digest's per-call cost is small against hashing them. */
#define CANON_DIRECT_MIN 1024

/* Produce n canonical bytes: count them, feed the digest up to the limit,
   and note text past the limit. */
static void feed(ma_canon_body *b, const void *p, size_t n)
{
    uint64_t room;
    size_t k;
    int rc;

    b->total += n;
    room = b->limit - b->hashed;
    k = (uint64_t)n < room ? n : (size_t)room;
    if (k < n && !b->tail_text) {
        /* Past l=: note text (anything but SP, HTAB, CR, LF) for the
           verifier's whitespace policy. */
        const unsigned char *q = (const unsigned char *)p + k, *e = (const unsigned char *)p + n;
        for (; q < e; q++)
            if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n') {
                b->tail_text = true;
                break;
            }
    }
    if (b->status != MA_OK || k == 0)
        return;
    rc = ma__digest_update(b->digest, p, k);
    if (rc != MA_OK) {
        b->status = rc;
        return;
    }
    b->hashed += k;
}

/* ---- simple: pieces of the input go straight to the digest ---- */

static void flush_run(span *s)
{
    if (s->run_start != NULL) {
        feed(s->b, s->run_start, (size_t)(s->run_end - s->run_start));
        s->run_start = s->run_end = NULL;
    }
}

/* Produce the input bytes [a, e) as they are. */
static void out_verbatim(span *s, const unsigned char *a, const unsigned char *e)
{
    if (s->run_start != NULL && s->run_end == a) {
        s->run_end = e;
        return;
    }
    flush_run(s);
    s->run_start = a;
    s->run_end = e;
}

/* Produce n bytes that are not (or not adjacent) in the input. */
static void out_const(span *s, const char *p, size_t n)
{
    flush_run(s);
    feed(s->b, p, n);
}

/* A CRLF: hold it.  cr is its CR in this span, or NULL (previous span). */
static void hold_crlf(span *s, const unsigned char *cr)
{
    ma_canon_body *b = s->b;

    if (b->held == 0)
        s->held_pos = cr;
    else if (s->held_pos != NULL && cr != s->held_pos + 2 * b->held)
        s->held_pos = NULL; /* something was dropped in between */
    b->held++;
}

/* Produce the held CRLFs (content follows them). */
static void flush_held(span *s)
{
    ma_canon_body *b = s->b;
    uint64_t h = b->held;

    if (h == 0)
        return;
    if (s->held_pos != NULL) {
        out_verbatim(s, s->held_pos, s->held_pos + 2 * h);
    } else {
        while (h > 0) {
            size_t k = h < 64 ? (size_t)h : 64;
            out_const(s, crlf64, 2 * k);
            h -= k;
        }
    }
    b->held = 0;
    s->held_pos = NULL;
}

/* Content bytes [a, e) (a NULL: the lone CR that ended the previous span),
   after the held CRLFs they make final. */
static void content(span *s, const unsigned char *a, const unsigned char *e)
{
    flush_held(s);
    if (a != NULL)
        out_verbatim(s, a, e);
    else
        out_const(s, "\r", 1);
    s->b->content = true;
}

/* ---- relaxed: canonical bytes are gathered in b->buf ---- */

static void flush_buf(ma_canon_body *b)
{
    size_t f = b->buf_fed, n = b->buf_len;

    b->buf_len = b->buf_fed = 0;
    if (n > f)
        feed(b, b->buf + f, n - f);
}

/* n canonical bytes that do not fit in the buffer: fill it and flush, or
   (long ones) flush and send them straight on. */
static void put_slow(ma_canon_body *b, const void *p, size_t n)
{
    size_t room = MA_CANON_BUF_SIZE - b->buf_len;

    if (n >= CANON_DIRECT_MIN) {
        flush_buf(b);
        feed(b, p, n);
    } else {
        /* n < CANON_DIRECT_MIN <= MA_CANON_BUF_SIZE: fill, flush, the rest */
        memcpy(b->buf + b->buf_len, p, room);
        b->buf_len = MA_CANON_BUF_SIZE;
        flush_buf(b);
        memcpy(b->buf, (const unsigned char *)p + room, n - room);
        b->buf_len = n - room;
    }
}

/* n canonical bytes: into the buffer, or on through put_slow(). */
static inline void put(ma_canon_body *b, const void *p, size_t n)
{
    if (n <= MA_CANON_BUF_SIZE - b->buf_len) {
        memcpy(b->buf + b->buf_len, p, n);
        b->buf_len += n;
    } else {
        put_slow(b, p, n);
    }
}

static inline void put1(ma_canon_body *b, char c)
{
    if (b->buf_len == MA_CANON_BUF_SIZE)
        flush_buf(b);
    b->buf[b->buf_len++] = (unsigned char)c;
}

/* Content follows: produce what it makes final, the held CRLFs, then the
   WSP run in front of it as one SP. */
static void relaxed_content(ma_canon_body *b)
{
    uint64_t h = b->held;

    if (h > 0 && h <= 8 && 2 * h <= MA_CANON_BUF_SIZE - b->buf_len) {
        unsigned char *w = b->buf + b->buf_len; /* the usual: a few */
        b->buf_len += 2 * (size_t)h;
        while (h-- > 0) {
            *w++ = '\r';
            *w++ = '\n';
        }
        h = 0;
    }
    while (h > 0) {
        size_t k = h < 64 ? (size_t)h : 64;
        put(b, crlf64, 2 * k);
        h -= k;
    }
    b->held = 0;
    if (b->wsp_pending) {
        put1(b, ' ');
        b->wsp_pending = false;
    }
    b->content = true;
}

/*
 * RFC 6376 3.4.3: the output is the input but for the CRLFs at the very end,
 * so only the tail of a span needs looking at: a CR at its end may be half a
 * CRLF, and the CRLFs before that are held.  Everything before them is one
 * verbatim piece, whatever CRs, LFs and CRLFs it holds (a CR followed by LF
 * is a CRLF, one followed by anything else is an ordinary byte).
 */
static void update_simple(span *s, const unsigned char *p, const unsigned char *e)
{
    ma_canon_body *b = s->b;
    const unsigned char *t = e;
    uint64_t k = 0;
    bool cr = false;

    if (p == e)
        return;
    if (t[-1] == '\r') {
        cr = true;
        t--;
    }
    while (t - p >= 2 && t[-2] == '\r' && t[-1] == '\n') {
        t -= 2;
        k++;
    }
    if (t > p)
        content(s, p, t); /* its last byte is not part of a CRLF: content */
    if (k > 0) {
        if (b->held == 0)
            s->held_pos = t;
        else if (s->held_pos != NULL && s->held_pos + 2 * b->held != t)
            s->held_pos = NULL;
        b->held += k;
    }
    b->cr_pending = cr;
}

/*
 * Relaxed: whether the 8 bytes at q (word w; w2 is the 8 bytes at q + 1)
 * hold anything that may end a verbatim run: a CR, an HTAB, or an SP that is
 * followed by SP, HTAB or CR.  SWAR: a byte of v is zero iff haszero says
 * so (no false positives in the "any" test).  Lane i of w and of w2 are the
 * bytes q[i] and q[i + 1] whatever the byte order.
 */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define HASZERO(v) (((v) - ONES) & ~(v) & HIGHS)

static bool swar_special(uint64_t w, uint64_t w2)
{
    const uint64_t cr = ONES * '\r', tab = ONES * '\t', sp = ONES * ' ';
    return (HASZERO(w ^ cr) | HASZERO(w ^ tab) | HASZERO(w2 ^ cr) | HASZERO(w2 ^ tab)
            | HASZERO((w ^ sp) | (w2 ^ sp)))
           != 0;
}

#if defined(__SSE2__) && defined(__GNUC__)
/*
 * The same test on 16 bytes at once (x86-64 always has SSE2): a bit mask of
 * the lanes of q[0..15] that hold a CR, an HTAB, or an SP followed by SP,
 * HTAB or CR.  Reads q[0..16].  One compare per class: whether the next
 * byte is special is the special mask shifted by one lane, with q[16] added.
 */
static unsigned int sse2_special(const unsigned char *q)
{
    const __m128i cr = _mm_set1_epi8('\r'), tab = _mm_set1_epi8('\t'), sp = _mm_set1_epi8(' ');
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i is_sp = _mm_cmpeq_epi8(a, sp);
    __m128i sp_tab_cr = _mm_or_si128(_mm_or_si128(is_sp, _mm_cmpeq_epi8(a, tab)),
                                     _mm_cmpeq_epi8(a, cr));
    unsigned int ms = (unsigned int)_mm_movemask_epi8(sp_tab_cr);
    unsigned int msp = (unsigned int)_mm_movemask_epi8(is_sp);
    unsigned int next = (ms >> 1) | ((unsigned int)relaxed_special[q[16]] << 15);
    return (ms & ~msp) | (msp & next);
}
#endif

/*
 * The end of a run of verbatim content starting at q: bytes that are not
 * CR/SP/HTAB, single SPs between such bytes, lone CRs, and CRLFs followed by
 * such a byte (the line end is produced as it is, since content follows it
 * at once).  Many bytes at a time while nothing in them can end the run,
 * then byte by byte.
 */
static const unsigned char *relaxed_run_end(const unsigned char *q, const unsigned char *e)
{
#if defined(__SSE2__) && defined(__GNUC__)
    while (e - q >= 18) { /* sse2_special reads q[16], and r[2] may be q[17] */
        unsigned int m = sse2_special(q);
        /* Each lane's flag depends only on its byte and the next, so the
           flagged lanes are taken in order without loading again. */
        while (m != 0) {
            const unsigned char *r = q + __builtin_ctz(m); /* may end the run */
            if (*r != '\r' || (r[1] == '\n' && relaxed_special[r[2]]))
                return r;
            /* a lone CR is content; CRLF then content: the line end stays
               as it is (the LF and the content byte are not flagged) */
            m &= m - 1;
        }
        q += 16;
    }
#endif
    while (q < e) {
        const unsigned char *stop = e;
        if (e - q >= 9) {
            uint64_t w, w2;
            memcpy(&w, q, 8);
            memcpy(&w2, q + 1, 8);
            if (!swar_special(w, w2)) {
                q += 8;
                continue;
            }
            stop = q + 8;
        }
        while (q < stop) {
            unsigned char c = *q;
            if (!relaxed_special[c])
                q++;
            else if (c == ' ' && q + 1 < e && !relaxed_special[q[1]])
                q += 2;
            else if (c == '\r' && q + 1 < e && q[1] != '\n')
                q++;
            else if (c == '\r' && q + 2 < e && q[1] == '\n' && !relaxed_special[q[2]])
                q += 3;
            else
                return q;
        }
    }
    return e;
}

/*
 * The SSE2 copy loop.  In the middle of content (nothing held, no WSP pending)
 * the canonical bytes are the input bytes but where a "stop" is: a byte
 * that relaxed_run_end() would end a run at (an HTAB, an SP followed by SP,
 * HTAB or CR, a CR not followed by LF and content), except that a lone CR
 * (not followed by LF) is flagged too.  The loop copies the input into b->buf
 * a whole vector at a time while looking for stops, then take the common
 * stops here without leaving the loop: a WSP run before content (one SP), a
 * lone CR (itself), and trailing WSP, CRLFs and empty or blank lines before
 * content (the CRLFs).  Anything else (the end of the span close by, more
 * than COPY_MAX_CRLF line ends) goes back to update_relaxed() with nothing
 * of it produced.
 *
 * A lane's flag depends on its byte and the two after it, which come from
 * two more loads at +1 and +2: a step of W bytes reads W + 2.
 */
#define COPY_MAX_CRLF 8
/* Room a step needs in the buffer: W = 32 stored, then a stop inside the
   vector adds at most 2 * COPY_MAX_CRLF + 1. */
#define COPY_ROOM 64

/*
 * The stop at r (the bytes before it are produced, up to *wp), r + 2 < e.
 * Returns where content resumes, with its canonical prefix written at *wp,
 * or NULL when update_relaxed() must take r.
 */
static inline const unsigned char *copy_stop(const unsigned char *r, const unsigned char *e,
                                             unsigned char **wp)
{
    const unsigned char *t = r;
    unsigned char *w = *wp;
    unsigned int crlf = 0;
    bool wsp = false;

    for (;;) {
        if (*t == ' ' || *t == '\t') {
            do
                t++;
            while (t < e && (*t == ' ' || *t == '\t'));
            wsp = true; /* one SP if content follows on this line */
        }
        if (e - t >= 2 && t[0] == '\r' && t[1] == '\n' && crlf < COPY_MAX_CRLF) {
            crlf++;
            wsp = false; /* trailing WSP: dropped */
            t += 2;
            if (t < e)
                continue;
        }
        break;
    }
    /* content at t?  A CR must be seen not to start a CRLF. */
    if (e - t < 2 || *t == ' ' || *t == '\t' || (*t == '\r' && t[1] == '\n'))
        return NULL;
    if (t == r) {
        /* a lone CR: content as it is, already in place */
        *wp = w + 1;
        return r + 1;
    }
    while (crlf-- > 0) {
        *w++ = '\r';
        *w++ = '\n';
    }
    if (wsp)
        *w++ = ' ';
    *wp = w;
    return t;
}

#ifdef CANON_SSE2
static const unsigned char *copy_sse2(ma_canon_body *b, const unsigned char *q,
                                      const unsigned char *e)
{
    const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'),
                  lf = _mm_set1_epi8('\n');
    unsigned char *w = b->buf + b->buf_len;
    unsigned char *const wlim = b->buf + (MA_CANON_BUF_SIZE - COPY_ROOM);

    while (e - q >= 18) { /* a step reads q[0..17] */
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(q + 2));
        __m128i p0 = _mm_cmpeq_epi8(v0, sp), c0 = _mm_cmpeq_epi8(v0, cr);
        __m128i s0 = _mm_or_si128(_mm_or_si128(p0, c0), _mm_cmpeq_epi8(v0, tab));
        __m128i s1 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v1, sp), _mm_cmpeq_epi8(v1, cr)),
                                  _mm_cmpeq_epi8(v1, tab));
        __m128i s2 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v2, sp), _mm_cmpeq_epi8(v2, cr)),
                                  _mm_cmpeq_epi8(v2, tab));
        /* not stops: an SP before content, a CR before LF and content */
        __m128i good = _mm_or_si128(_mm_andnot_si128(s1, p0),
                                    _mm_and_si128(c0, _mm_andnot_si128(s2, _mm_cmpeq_epi8(v1, lf))));
        unsigned int m = (unsigned int)_mm_movemask_epi8(_mm_andnot_si128(good, s0));
        const unsigned char *r, *t;

        if (w > wlim) {
            b->buf_len = (size_t)(w - b->buf);
            flush_buf(b);
            w = b->buf;
        }
        _mm_storeu_si128((__m128i *)(void *)w, v0);
        if (m == 0) {
            q += 16;
            w += 16;
            continue;
        }
        r = q + __builtin_ctz(m);
        w += r - q;
        if ((t = copy_stop(r, e, &w)) == NULL) {
            q = r;
            break;
        }
        q = t;
    }
    b->buf_len = (size_t)(w - b->buf);
    return q;
}
#endif





#ifdef CANON_AVX2
/*
 * AVX2: the canonical bytes of a whole 32-byte block at once, without
 * stopping.  Relaxed (RFC 6376 3.4.4 (a)) only ever drops WSP bytes and
 * turns the WSP it keeps into SP: a WSP byte is dropped when the next byte
 * is WSP or starts a CRLF (the run is one SP before content, nothing at a
 * line end), and kept as SP otherwise.  So each block is the input with
 * tabs made SP and the dropped lanes squeezed out, 8 lanes at a time by one
 * PSHUFB whose indices come from drop8[mask].  Line ends stay as they are:
 * CRLFs followed by more content are produced verbatim, and those at the
 * end of what the loop produced go back into held when it stops.  A WSP
 * run that crosses the end of a block is decided lane by lane from the
 * bytes after it, so no WSP is ever pending between blocks.
 *
 * drop8[m] lists, for an 8-lane group whose lanes with a bit set in m are
 * dropped, the kept lanes in order, then 0x80 (PSHUFB: zero) as padding.
 */
static const unsigned long long drop8[256] = {
    0x0706050403020100ull, 0x8007060504030201ull, 0x8007060504030200ull, 0x8080070605040302ull,
    0x8007060504030100ull, 0x8080070605040301ull, 0x8080070605040300ull, 0x8080800706050403ull,
    0x8007060504020100ull, 0x8080070605040201ull, 0x8080070605040200ull, 0x8080800706050402ull,
    0x8080070605040100ull, 0x8080800706050401ull, 0x8080800706050400ull, 0x8080808007060504ull,
    0x8007060503020100ull, 0x8080070605030201ull, 0x8080070605030200ull, 0x8080800706050302ull,
    0x8080070605030100ull, 0x8080800706050301ull, 0x8080800706050300ull, 0x8080808007060503ull,
    0x8080070605020100ull, 0x8080800706050201ull, 0x8080800706050200ull, 0x8080808007060502ull,
    0x8080800706050100ull, 0x8080808007060501ull, 0x8080808007060500ull, 0x8080808080070605ull,
    0x8007060403020100ull, 0x8080070604030201ull, 0x8080070604030200ull, 0x8080800706040302ull,
    0x8080070604030100ull, 0x8080800706040301ull, 0x8080800706040300ull, 0x8080808007060403ull,
    0x8080070604020100ull, 0x8080800706040201ull, 0x8080800706040200ull, 0x8080808007060402ull,
    0x8080800706040100ull, 0x8080808007060401ull, 0x8080808007060400ull, 0x8080808080070604ull,
    0x8080070603020100ull, 0x8080800706030201ull, 0x8080800706030200ull, 0x8080808007060302ull,
    0x8080800706030100ull, 0x8080808007060301ull, 0x8080808007060300ull, 0x8080808080070603ull,
    0x8080800706020100ull, 0x8080808007060201ull, 0x8080808007060200ull, 0x8080808080070602ull,
    0x8080808007060100ull, 0x8080808080070601ull, 0x8080808080070600ull, 0x8080808080800706ull,
    0x8007050403020100ull, 0x8080070504030201ull, 0x8080070504030200ull, 0x8080800705040302ull,
    0x8080070504030100ull, 0x8080800705040301ull, 0x8080800705040300ull, 0x8080808007050403ull,
    0x8080070504020100ull, 0x8080800705040201ull, 0x8080800705040200ull, 0x8080808007050402ull,
    0x8080800705040100ull, 0x8080808007050401ull, 0x8080808007050400ull, 0x8080808080070504ull,
    0x8080070503020100ull, 0x8080800705030201ull, 0x8080800705030200ull, 0x8080808007050302ull,
    0x8080800705030100ull, 0x8080808007050301ull, 0x8080808007050300ull, 0x8080808080070503ull,
    0x8080800705020100ull, 0x8080808007050201ull, 0x8080808007050200ull, 0x8080808080070502ull,
    0x8080808007050100ull, 0x8080808080070501ull, 0x8080808080070500ull, 0x8080808080800705ull,
    0x8080070403020100ull, 0x8080800704030201ull, 0x8080800704030200ull, 0x8080808007040302ull,
    0x8080800704030100ull, 0x8080808007040301ull, 0x8080808007040300ull, 0x8080808080070403ull,
    0x8080800704020100ull, 0x8080808007040201ull, 0x8080808007040200ull, 0x8080808080070402ull,
    0x8080808007040100ull, 0x8080808080070401ull, 0x8080808080070400ull, 0x8080808080800704ull,
    0x8080800703020100ull, 0x8080808007030201ull, 0x8080808007030200ull, 0x8080808080070302ull,
    0x8080808007030100ull, 0x8080808080070301ull, 0x8080808080070300ull, 0x8080808080800703ull,
    0x8080808007020100ull, 0x8080808080070201ull, 0x8080808080070200ull, 0x8080808080800702ull,
    0x8080808080070100ull, 0x8080808080800701ull, 0x8080808080800700ull, 0x8080808080808007ull,
    0x8006050403020100ull, 0x8080060504030201ull, 0x8080060504030200ull, 0x8080800605040302ull,
    0x8080060504030100ull, 0x8080800605040301ull, 0x8080800605040300ull, 0x8080808006050403ull,
    0x8080060504020100ull, 0x8080800605040201ull, 0x8080800605040200ull, 0x8080808006050402ull,
    0x8080800605040100ull, 0x8080808006050401ull, 0x8080808006050400ull, 0x8080808080060504ull,
    0x8080060503020100ull, 0x8080800605030201ull, 0x8080800605030200ull, 0x8080808006050302ull,
    0x8080800605030100ull, 0x8080808006050301ull, 0x8080808006050300ull, 0x8080808080060503ull,
    0x8080800605020100ull, 0x8080808006050201ull, 0x8080808006050200ull, 0x8080808080060502ull,
    0x8080808006050100ull, 0x8080808080060501ull, 0x8080808080060500ull, 0x8080808080800605ull,
    0x8080060403020100ull, 0x8080800604030201ull, 0x8080800604030200ull, 0x8080808006040302ull,
    0x8080800604030100ull, 0x8080808006040301ull, 0x8080808006040300ull, 0x8080808080060403ull,
    0x8080800604020100ull, 0x8080808006040201ull, 0x8080808006040200ull, 0x8080808080060402ull,
    0x8080808006040100ull, 0x8080808080060401ull, 0x8080808080060400ull, 0x8080808080800604ull,
    0x8080800603020100ull, 0x8080808006030201ull, 0x8080808006030200ull, 0x8080808080060302ull,
    0x8080808006030100ull, 0x8080808080060301ull, 0x8080808080060300ull, 0x8080808080800603ull,
    0x8080808006020100ull, 0x8080808080060201ull, 0x8080808080060200ull, 0x8080808080800602ull,
    0x8080808080060100ull, 0x8080808080800601ull, 0x8080808080800600ull, 0x8080808080808006ull,
    0x8080050403020100ull, 0x8080800504030201ull, 0x8080800504030200ull, 0x8080808005040302ull,
    0x8080800504030100ull, 0x8080808005040301ull, 0x8080808005040300ull, 0x8080808080050403ull,
    0x8080800504020100ull, 0x8080808005040201ull, 0x8080808005040200ull, 0x8080808080050402ull,
    0x8080808005040100ull, 0x8080808080050401ull, 0x8080808080050400ull, 0x8080808080800504ull,
    0x8080800503020100ull, 0x8080808005030201ull, 0x8080808005030200ull, 0x8080808080050302ull,
    0x8080808005030100ull, 0x8080808080050301ull, 0x8080808080050300ull, 0x8080808080800503ull,
    0x8080808005020100ull, 0x8080808080050201ull, 0x8080808080050200ull, 0x8080808080800502ull,
    0x8080808080050100ull, 0x8080808080800501ull, 0x8080808080800500ull, 0x8080808080808005ull,
    0x8080800403020100ull, 0x8080808004030201ull, 0x8080808004030200ull, 0x8080808080040302ull,
    0x8080808004030100ull, 0x8080808080040301ull, 0x8080808080040300ull, 0x8080808080800403ull,
    0x8080808004020100ull, 0x8080808080040201ull, 0x8080808080040200ull, 0x8080808080800402ull,
    0x8080808080040100ull, 0x8080808080800401ull, 0x8080808080800400ull, 0x8080808080808004ull,
    0x8080808003020100ull, 0x8080808080030201ull, 0x8080808080030200ull, 0x8080808080800302ull,
    0x8080808080030100ull, 0x8080808080800301ull, 0x8080808080800300ull, 0x8080808080808003ull,
    0x8080808080020100ull, 0x8080808080800201ull, 0x8080808080800200ull, 0x8080808080808002ull,
    0x8080808080800100ull, 0x8080808080808001ull, 0x8080808080808000ull, 0x8080808080808080ull,
};

/* Byte classes by low nibble, for one VPSHUFB each: a byte is in the class
   iff the entry for its low nibble is the byte itself (bytes >= 0x80 look
   up 0, which they are not; 0xff matches no byte below 0x80). */
#define X (-1)
#define NIB_WSP ' ', X, X, X, X, X, X, X, X, '\t', X, X, X, X, X, X
#define NIB_WSP_CR ' ', X, X, X, X, X, X, X, X, '\t', X, X, X, '\r', X, X
#define NIB_WSP_CRLF ' ', X, X, X, X, X, X, X, X, '\t', '\n', X, X, '\r', X, X
#define IN_CLASS(v, tbl) _mm256_cmpeq_epi8(_mm256_shuffle_epi8((tbl), (v)), (v))

/* Squeeze the 16 lanes of v not in the 16-bit mask m to w; the end. */
__attribute__((target("ssse3,popcnt"))) static inline unsigned char *squeeze16(unsigned char *w,
                                                                             __m128i v,
                                                                             unsigned int m)
{
    const __m128i hi8 = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8);
    unsigned int m0 = m & 0xff, m1 = (m >> 8) & 0xff;
    __m128i idx = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(const void *)&drop8[m0]),
                                     _mm_loadl_epi64((const __m128i *)(const void *)&drop8[m1]));
    __m128i c = _mm_shuffle_epi8(v, _mm_add_epi8(idx, hi8));

    _mm_storel_epi64((__m128i *)(void *)w, c);
    w += 8 - __builtin_popcount(m0);
    _mm_storeh_pd((double *)(void *)w, _mm_castsi128_pd(c));
    return w + 8 - __builtin_popcount(m1);
}

/*
 * Where a block loop stopped (q, output up to w; it began at start): the
 * state update_relaxed() goes on with.  CRLFs at the end of the output
 * (after the last content byte) are taken back into held, and a CRLF split
 * by the last block boundary is left whole.
 */
static const unsigned char *block_loop_end(ma_canon_body *b, const unsigned char *start,
                                           const unsigned char *q, unsigned char *w)
{
    size_t n = (size_t)(w - b->buf);

    if (q != start) {
        /* The last block holds content, so what follows its last content
           byte is in the buffer (and not yet hashed).  Only WSP is ever
           dropped, so a CR at the end of the output is the last input
           byte. */
        if (q[-1] == '\r' && q[0] == '\n') {
            n--;
            q--;
        }
        while (n >= 2 && b->buf[n - 2] == '\r' && b->buf[n - 1] == '\n') {
            n -= 2;
            b->held++;
        }
    }
    b->buf_len = n;
    return q;
}

/*
 * The loop.  A block with at most one dropped lane and no tab kept (nearly
 * all of them in text) is stored as it is, and again from the lane after
 * the dropped one (k = 32 when none: the second store lands past the end,
 * where the next block goes), with no branch on the mask.  The others go
 * through the blend and squeeze16().  Stops before a block that has no
 * content byte (so trailing empty lines at the end of a span are never
 * more than a block back) and before the last 65 bytes of the span.
 * Returns where update_relaxed() goes on, with the state there set: CRLFs
 * at the end of the output (after the last content byte) are taken back
 * into held, and a CRLF split by the last block boundary is left whole.
 */
__attribute__((target("avx2,bmi,popcnt"))) static const unsigned char *
copy_avx2(ma_canon_body *b, const unsigned char *q, const unsigned char *e)
{
    const __m256i nib_wsp_cr = _mm256_setr_epi8(NIB_WSP_CR, NIB_WSP_CR),
                  nib_any = _mm256_setr_epi8(NIB_WSP_CRLF, NIB_WSP_CRLF);
    const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t'),
                  cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n'),
                  ones = _mm256_set1_epi8(-1);
    const unsigned char *const start = q;
    unsigned char *w = b->buf + b->buf_len;
    unsigned char *const wlim = b->buf + (MA_CANON_BUF_SIZE - 64);

    while (e - q >= 65) { /* a step reads q[0..64] */
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)q);
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 1));
        __m256i v2 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 2));
        __m256i t0 = _mm256_cmpeq_epi8(v0, tab);
        __m256i wsp = _mm256_or_si256(_mm256_cmpeq_epi8(v0, sp), t0);
        /* the next byte is WSP, or a CR before LF */
        __m256i next = _mm256_andnot_si256(
            _mm256_andnot_si256(_mm256_cmpeq_epi8(v2, lf), _mm256_cmpeq_epi8(v1, cr)),
            IN_CLASS(v1, nib_wsp_cr));
        unsigned int d = (unsigned int)_mm256_movemask_epi8(_mm256_and_si256(wsp, next));
        unsigned int t = (unsigned int)_mm256_movemask_epi8(t0);

        if (_mm256_testc_si256(IN_CLASS(v0, nib_any), ones))
            break; /* only WSP and line ends */
        if (w > wlim) {
            b->buf_len = (size_t)(w - b->buf);
            flush_buf(b);
            w = b->buf;
        }
        if (((d & (d - 1)) | (t & ~d)) == 0) {
            unsigned int k = _tzcnt_u32(d);
            _mm256_storeu_si256((__m256i *)(void *)w, v0);
            _mm256_storeu_si256((__m256i *)(void *)(w + k),
                                _mm256_loadu_si256((const __m256i *)(const void *)(q + k + 1)));
            w += 32 - (d != 0);
        } else {
            __m256i out = _mm256_blendv_epi8(v0, sp, wsp);
            w = squeeze16(w, _mm256_castsi256_si128(out), d & 0xffff);
            w = squeeze16(w, _mm256_extracti128_si256(out, 1), d >> 16);
        }
        q += 32;
    }
    return block_loop_end(b, start, q, w);
}
#ifdef CANON_SHA
/*
 * The same blocks, 16 bytes each, with the hash in the loop: as soon as
 * 128 canonical bytes wait in the buffer, the first 64 are hashed, the
 * digest's state staying in registers from block to block.  The rounds of
 * a block are one chain of dependent SHA256RNDS2, which leaves most of the
 * core idle; the next blocks' canonicalisation runs in that shadow.  On
 * the 1 MB bench body this takes relaxed canonicalisation from about 140
 * microseconds on top of the hash to about 30.  No 256-bit vectors here:
 * legacy-SSE SHA256RNDS2 after a 256-bit write pays a state transition
 * each, and the compiler would reload 256-bit constants in the middle of
 * the rounds.  At least 64 bytes always stay unhashed, so the CRLFs that
 * block_loop_end() takes back (all in the last block's output) never are.
 * Only used with no l= (ma__canon_body_simd()): every byte is hashed.
 */
/* The state copy_sha() kept in registers back into the digest (st), with
   the *blocks it hashed counted. */
__attribute__((target("sse2"))) static inline void sha_state_out(ma_canon_body *b, uint32_t *st,
                                                                 __m128i s0, __m128i s1,
                                                                 uint64_t *blocks)
{
    _mm_storeu_si128((__m128i *)(void *)st, s0);
    _mm_storeu_si128((__m128i *)(void *)(st + 4), s1);
    ma__digest_sha256_added(b->digest, *blocks);
    b->total += 64 * *blocks;
    b->hashed += 64 * *blocks;
    *blocks = 0;
}

__attribute__((target("sha,sse4.1,ssse3,popcnt,bmi"))) static const unsigned char *
copy_sha(ma_canon_body *b, const unsigned char *q, const unsigned char *e)
{
    const __m128i nib_wsp_cr = _mm_setr_epi8(NIB_WSP_CR), nib_any = _mm_setr_epi8(NIB_WSP_CRLF);
    const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'),
                  lf = _mm_set1_epi8('\n'), ones = _mm_set1_epi8(-1);
    const unsigned char *const start = q;
    unsigned char *w = b->buf + b->buf_len;
    unsigned char *const wlim = b->buf + (MA_CANON_BUF_SIZE - 32);
    uint32_t *st = NULL;
    __m128i s0 = _mm_setzero_si128(), s1 = s0;
    uint64_t blocks = 0;

    while (e - q >= 33) { /* a step reads q[0..32] */
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(q + 2));
        __m128i t0 = _mm_cmpeq_epi8(v0, tab);
        __m128i wsp = _mm_or_si128(_mm_cmpeq_epi8(v0, sp), t0);
        __m128i next = _mm_andnot_si128(
            _mm_andnot_si128(_mm_cmpeq_epi8(v2, lf), _mm_cmpeq_epi8(v1, cr)),
            _mm_cmpeq_epi8(_mm_shuffle_epi8(nib_wsp_cr, v1), v1));
        unsigned int d = (unsigned int)_mm_movemask_epi8(_mm_and_si128(wsp, next));
        unsigned int t = (unsigned int)_mm_movemask_epi8(t0);
        size_t unfed;

        if (_mm_testc_si128(_mm_cmpeq_epi8(_mm_shuffle_epi8(nib_any, v0), v0), ones))
            break; /* only WSP and line ends */
        if (w > wlim) {
            unfed = (size_t)(w - b->buf) - b->buf_fed;
            if (st != NULL && unfed <= 256) {
                /* The usual: hashing keeps up, a few bytes wait (fewer
                   than 128 and a step); they go to the front. */
                memmove(b->buf, b->buf + b->buf_fed, unfed);
                b->buf_fed = 0;
                w = b->buf + unfed;
            } else {
                /* The buffer filled before hashing caught up (it can be
                   nearly full when the loop starts): the state back into
                   the digest, and the buffer to it (only the output of the
                   block still to come can be taken back). */
                if (blocks > 0)
                    sha_state_out(b, st, s0, s1, &blocks);
                st = NULL;
                b->buf_len = (size_t)(w - b->buf);
                flush_buf(b);
                w = b->buf;
            }
        }
        if (((d & (d - 1)) | (t & ~d)) == 0) {
            unsigned int k = _tzcnt_u32(d | 0x10000u);
            _mm_storeu_si128((__m128i *)(void *)w, v0);
            _mm_storeu_si128((__m128i *)(void *)(w + k),
                             _mm_loadu_si128((const __m128i *)(const void *)(q + k + 1)));
            w += 16 - (d != 0);
        } else {
            w = squeeze16(w, _mm_blendv_epi8(v0, sp, wsp), d);
        }
        q += 16;
        unfed = (size_t)(w - b->buf) - b->buf_fed;
        if (unfed >= 128) {
            const unsigned char *blk = b->buf + b->buf_fed;
            if (st == NULL) {
                size_t partial;
                st = ma__digest_sha256_state(b->digest, &partial);
                if (st == NULL || partial > 0) {
                    /* complete the digest's block first, then take its
                       state next step (st NULL after a failure: feed()
                       keeps counting, and the buffer keeps draining) */
                    st = NULL;
                    feed(b, blk, 64 - partial);
                    b->buf_fed += 64 - partial;
                    continue;
                }
                s0 = _mm_loadu_si128((const __m128i *)(const void *)st);
                s1 = _mm_loadu_si128((const __m128i *)(const void *)(st + 4));
            }
            ma__sha256_block_x86(&s0, &s1, blk);
            b->buf_fed += 64;
            blocks++;
        }
    }
    if (blocks > 0)
        sha_state_out(b, st, s0, s1, &blocks);
    return block_loop_end(b, start, q, w);
}
#endif

#undef X
#undef NIB_WSP
#undef NIB_WSP_CR
#undef NIB_WSP_CRLF
#undef IN_CLASS
#endif

/* Content starts at p (nothing held or pending): produce it up to the next
   byte the copy loops and relaxed_run_end() stop at, which is returned. */
static const unsigned char *relaxed_copy(ma_canon_body *b, const unsigned char *p,
                                         const unsigned char *e)
{
    const unsigned char *q = p, *r;

#ifdef CANON_SHA
    if (b->simd == MA_CANON_SIMD_SHA) {
        q = copy_sha(b, p, e);
        if (q != p)
            return q; /* state set there (held CRLFs) */
    } else
#endif
#ifdef CANON_AVX2
    if (b->simd == MA_CANON_SIMD_AVX2) {
        q = copy_avx2(b, p, e);
        if (q != p)
            return q; /* state set there (held CRLFs) */
    } else
#endif
#ifdef CANON_SSE2
    if (b->simd == MA_CANON_SIMD_SSE2)
        q = copy_sse2(b, p, e);
#endif
    /* The rest (the end of the span, or a stop the loop left): from q,
       which is in content mode (a stop there ends the run at once); p is
       content, so a scan from p starts after it. */
    r = relaxed_run_end(q == p ? q + 1 : q, e);
    put(b, q, (size_t)(r - q));
    return r;
}

/* RFC 6376 3.4.4 (a) within lines; (b) through held. */
static void update_relaxed(ma_canon_body *b, const unsigned char *p, const unsigned char *e)
{
    while (p < e) {
        const unsigned char *q;
        unsigned char c = *p;

        if (c == ' ' || c == '\t') {
            /* a run of any length: one SP, or nothing */
            do
                p++;
            while (p < e && (*p == ' ' || *p == '\t'));
            b->wsp_pending = true;
            continue;
        }
        if (c == '\r') {
            if (p + 1 == e) {
                b->cr_pending = true;
                return;
            }
            if (p[1] == '\n') {
                b->wsp_pending = false; /* WSP at the end of a line is ignored */
                b->held++;
                p += 2;
                continue;
            }
            /* a lone CR: content, and so the start of a run */
        }
        /* a run of content from p */
        if (b->held > 0) {
            relaxed_content(b);
        } else if (b->wsp_pending) {
            put1(b, ' ');
            b->wsp_pending = false;
        }
        b->content = true;
        q = relaxed_copy(b, p, e);
        p = q;
    }
}

int ma__canon_body_init(ma_canon_body *b, ma_dkim_canon canon, uint64_t limit, ma_digest *digest)
{
    if (b == NULL || digest == NULL || (canon != MA_DKIM_SIMPLE && canon != MA_DKIM_RELAXED))
        return MA_EINVAL;
    memset(b, 0, offsetof(ma_canon_body, buf)); /* the buffer needs no clearing */
    b->digest = digest;
    b->limit = limit;
    b->canon = canon;
    b->status = MA_OK;
    b->blockwise = ma__digest_blockwise(digest);
    ma__canon_body_simd(b, MA_CANON_SIMD_SHA);
    return MA_OK;
}

int ma__canon_body_simd(ma_canon_body *b, int level)
{
    bool have[MA_CANON_SIMD_SHA + 1] = { true, false, false, false };

    if (b == NULL)
        return -1;
#ifdef CANON_SSE2
    have[MA_CANON_SIMD_SSE2] = true;
#endif
#ifdef CANON_AVX2
    have[MA_CANON_SIMD_AVX2] = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi")
                               && __builtin_cpu_supports("popcnt");
#endif
#ifdef CANON_SHA
    /* A blockwise digest means SHA-NI, SSSE3 and SSE4.1; the loop also
       uses BMI1 and POPCNT, which some CPUs with SHA-NI (Goldmont Atoms,
       as in appliances) lack in part.  It needs no AVX2. */
    have[MA_CANON_SIMD_SHA] = b->blockwise && b->limit == MA_CANON_NO_LIMIT
                              && __builtin_cpu_supports("bmi")
                              && __builtin_cpu_supports("popcnt");
#endif
    if (level > MA_CANON_SIMD_SHA)
        level = MA_CANON_SIMD_SHA;
    while (level > MA_CANON_SIMD_NONE && !have[level])
        level--;
    if (level < MA_CANON_SIMD_NONE)
        level = MA_CANON_SIMD_NONE;
    b->simd = (unsigned char)level;
    return b->simd;
}

int ma__canon_body_update(ma_canon_body *b, const void *data, size_t len)
{
    const unsigned char *p = data, *e;
    span s;

    if (b == NULL || (data == NULL && len > 0))
        return MA_EINVAL;
    if (b->status != MA_OK)
        return b->status;
    if (b->finished)
        return MA_ESTATE;
    if (len == 0)
        return MA_OK;
    if (b->canon == MA_DKIM_RELAXED) {
        /* Bytes may wait in the buffer: a digest that cannot take them
           (already final) is still reported now. */
        int rc = ma__digest_update(b->digest, NULL, 0);
        if (rc != MA_OK)
            return b->status = rc;
    }
    e = p + len;
    if (b->canon == MA_DKIM_RELAXED) {
        if (b->cr_pending) {
            b->cr_pending = false;
            if (*p == '\n') {
                b->wsp_pending = false;
                b->held++;
                p++;
            } else {
                relaxed_content(b);
                put1(b, '\r'); /* the lone CR that ended the previous span */
            }
        }
        update_relaxed(b, p, e);
        return b->status;
    }
    memset(&s, 0, sizeof s);
    s.b = b;
    if (b->cr_pending) {
        b->cr_pending = false;
        if (*p == '\n') {
            hold_crlf(&s, NULL);
            p++;
        } else {
            content(&s, NULL, NULL);
        }
    }
    update_simple(&s, p, e);
    flush_run(&s);
    return b->status;
}

int ma__canon_body_finish(ma_canon_body *b)
{
    span s;

    if (b == NULL)
        return MA_EINVAL;
    if (b->status != MA_OK)
        return b->status;
    if (b->finished)
        return MA_ESTATE;
    b->finished = true;
    /* The held CRLFs are empty lines at the end, bar the one that ends the
       last content line: one CRLF after content, whether it was held or
       missing (3.4.3 and 3.4.4 both add a missing one).  No content:
       simple gives one CRLF, relaxed nothing. */
    if (b->canon == MA_DKIM_RELAXED) {
        if (b->cr_pending) {
            b->cr_pending = false;
            relaxed_content(b); /* a CR at the very end is a lone CR */
            put1(b, '\r');
        }
        b->wsp_pending = false; /* trailing WSP of a last line without CRLF */
        b->held = 0;
        if (b->content)
            put(b, "\r\n", 2);
        flush_buf(b);
        return b->status;
    }
    memset(&s, 0, sizeof s);
    s.b = b;
    if (b->cr_pending) {
        b->cr_pending = false;
        content(&s, NULL, NULL); /* a CR at the very end is a lone CR */
    }
    out_const(&s, "\r\n", 2);
    b->held = 0;
    return b->status;
}

/* The accessors count the relaxed bytes still in the buffer as produced
   (and hashed up to the limit), as they will be. */

uint64_t ma__canon_body_length(const ma_canon_body *b)
{
    return b != NULL ? b->total + (b->buf_len - b->buf_fed) : 0;
}

bool ma__canon_body_tail_text(const ma_canon_body *b)
{
    uint64_t room;
    size_t i;

    if (b == NULL)
        return false;
    if (b->tail_text)
        return true;
    room = b->limit - b->hashed;
    for (i = (uint64_t)b->buf_len < room ? b->buf_len : (size_t)room; i < b->buf_len; i++) {
        unsigned char c = b->buf[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return true;
    }
    return false;
}

uint64_t ma__canon_body_hashed(const ma_canon_body *b)
{
    uint64_t room;
    size_t n;

    if (b == NULL)
        return 0;
    room = b->limit - b->hashed;
    n = b->buf_len - b->buf_fed; /* in the buffer, not yet fed */
    return b->hashed + ((uint64_t)n < room ? n : room);
}

int ma__canon_body_consume(const char *data, size_t len, void *payload)
{
    if (data == NULL && len == 0)
        return ma__canon_body_finish(payload);
    return ma__canon_body_update(payload, data, len);
}

/* ------------------------------------------------------------------- header */

static bool is_hwsp(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* relaxed_header() may store this many bytes past its output (copying a
   vector at a time): its buffer needs len + 2 + HDR_SLACK bytes. */
#define HDR_SLACK 16
/* Fields up to about this long are canonicalised for hashing on the stack. */
#define CANON_HDR_STACK 1024

/* RFC 6376 3.4.2, writing into w (room for len + 2 + HDR_SLACK bytes, not
   overlapping f); returns the end. */
static char *relaxed_header(char *w, const unsigned char *f, size_t len, size_t colon)
{
    size_t i;
    bool sp = false;

    /* The name: lower-cased, WSP runs to one SP, none before the colon. */
    for (i = 0; i < colon; i++) {
        unsigned char c = f[i];
        if (is_hwsp(c)) {
            sp = true;
            continue;
        }
        if (sp) {
            *w++ = ' ';
            sp = false;
        }
        *w++ = (char)ma__lower(c);
    }
    *w++ = ':';
    /* The value: no WSP after the colon or at the end, runs to one SP. */
    sp = false;
    for (i = colon + 1; i < len && is_hwsp(f[i]); i++)
        ;
    while (i < len) {
        /* f[i] is content: a run of content and single SPs before content
           is copied as it is */
        if (sp) {
            *w++ = ' ';
            sp = false;
        }
#ifdef CANON_SSE2
        while (len - i >= 16) {
            const __m128i lim = _mm_set1_epi8(0x20);
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(f + i));
            /* bytes <= 0x20: the WSP, CR and LF among them stop the copy */
            unsigned int m = (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, lim), v));
            size_t k = 0;
            _mm_storeu_si128((__m128i *)(void *)w, v);
            for (; m != 0; m &= m - 1) {
                unsigned char c;
                k = (size_t)__builtin_ctz(m);
                c = f[i + k];
                if (!is_hwsp(c) || (c == ' ' && i + k + 1 < len && !is_hwsp(f[i + k + 1])))
                    continue; /* a control byte, or one SP before content */
                break;
            }
            if (m != 0) {
                w += k;
                i += k;
                goto wsp;
            }
            w += 16;
            i += 16;
        }
#endif
        while (i < len && !is_hwsp(f[i]))
            *w++ = (char)f[i++];
#ifdef CANON_SSE2
    wsp:
#endif
        while (i < len && is_hwsp(f[i])) {
            sp = true;
            i++;
        }
    }
    return w;
}

/* The arguments every header entry point checks: MA_EINVAL (NULL field
   with len > 0, unknown flags or canon), MA_ESYNTAX (no colon), or MA_OK
   with *colon the field's first colon. */
static int header_args(ma_dkim_canon canon, const char *field, size_t len, unsigned int flags,
                       const char **colon)
{
    if ((field == NULL && len > 0) || (flags & ~MA_CANON_NO_CRLF) != 0
        || (canon != MA_DKIM_SIMPLE && canon != MA_DKIM_RELAXED))
        return MA_EINVAL;
    *colon = len ? memchr(field, ':', len) : NULL;
    return *colon == NULL ? MA_ESYNTAX : MA_OK;
}

/* The canonical form of a field (w has room for len + 2 + HDR_SLACK
   bytes); returns its end. */
static char *header_into(char *w, ma_dkim_canon canon, const char *field, size_t len,
                         const char *colon, unsigned int flags)
{
    if (canon == MA_DKIM_SIMPLE) {
        memcpy(w, field, len);
        w += len;
    } else {
        w = relaxed_header(w, (const unsigned char *)field, len, (size_t)(colon - field));
    }
    if (!(flags & MA_CANON_NO_CRLF)) {
        *w++ = '\r';
        *w++ = '\n';
    }
    return w;
}

int ma__canon_header(ma_buf *out, ma_dkim_canon canon, const char *field, size_t len,
                     unsigned int flags)
{
    const char *colon;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    if ((rc = header_args(canon, field, len, flags, &colon)) != MA_OK)
        return rc;
    if (len > SIZE_MAX - 3 - HDR_SLACK)
        return MA_ENOMEM;
    rc = ma__buf_reserve(out, len + 2 + HDR_SLACK);
    if (rc != MA_OK)
        return rc;
    out->len = (size_t)(header_into(out->data + out->len, canon, field, len, colon, flags)
                        - out->data);
    out->data[out->len] = '\0';
    return MA_OK;
}

int ma__canon_header_hash(ma_digest *d, ma_buf *scratch, ma_dkim_canon canon, const char *field,
                          size_t len, unsigned int flags)
{
    char tmp[CANON_HDR_STACK];
    const char *colon;
    char *buf;
    int rc;

    if (d == NULL || scratch == NULL)
        return MA_EINVAL;
    if ((rc = header_args(canon, field, len, flags, &colon)) != MA_OK)
        return rc;
    if (canon == MA_DKIM_SIMPLE) {
        /* the field in place, no copy */
        rc = ma__digest_update(d, field, len);
        if (rc == MA_OK && !(flags & MA_CANON_NO_CRLF))
            rc = ma__digest_update(d, "\r\n", 2);
        return rc;
    }
    if (len <= CANON_HDR_STACK - 2 - HDR_SLACK) {
        buf = tmp; /* the usual field: on the stack */
    } else {
        ma__buf_reset(scratch);
        if (len > SIZE_MAX - 3 - HDR_SLACK)
            return MA_ENOMEM;
        if ((rc = ma__buf_reserve(scratch, len + 2 + HDR_SLACK)) != MA_OK)
            return rc;
        buf = scratch->data;
    }
    return ma__digest_update(d, buf,
                             (size_t)(header_into(buf, canon, field, len, colon, flags) - buf));
}

int ma__canon_header_hash_gap(ma_digest *d, ma_buf *scratch, ma_dkim_canon canon,
                              const char *field, size_t len, size_t gap_off, size_t gap_len,
                              unsigned int flags)
{
    char tmp[CANON_HDR_STACK];
    const char *colon;
    size_t n, tail;
    char *in, *w, *out;
    int rc;

    if (d == NULL || scratch == NULL || (field == NULL && len > 0) || gap_off > len
        || gap_len > len - gap_off || (flags & ~MA_CANON_NO_CRLF) != 0
        || (canon != MA_DKIM_SIMPLE && canon != MA_DKIM_RELAXED))
        return MA_EINVAL;
    colon = gap_off ? memchr(field, ':', gap_off) : NULL;
    if (colon == NULL)
        return len > 0 && memchr(field, ':', len) != NULL ? MA_EINVAL : MA_ESYNTAX;
    tail = len - gap_off - gap_len;
    if (canon == MA_DKIM_SIMPLE) {
        rc = ma__digest_update(d, field, gap_off);
        if (rc == MA_OK && tail > 0)
            rc = ma__digest_update(d, field + gap_off + gap_len, tail);
        if (rc == MA_OK && !(flags & MA_CANON_NO_CRLF))
            rc = ma__digest_update(d, "\r\n", 2);
        return rc;
    }
    /* The two pieces side by side in the upper half of scratch, the
       canonical form (at most n + 2 + HDR_SLACK bytes) written below them. */
    n = len - gap_len;
    if (n <= (CANON_HDR_STACK - 2 - HDR_SLACK) / 2) {
        out = tmp; /* the usual signature field: on the stack */
    } else {
        ma__buf_reset(scratch);
        if (n > (SIZE_MAX - 3 - HDR_SLACK) / 2)
            return MA_ENOMEM;
        rc = ma__buf_reserve(scratch, 2 * n + 2 + HDR_SLACK);
        if (rc != MA_OK)
            return rc;
        out = scratch->data;
    }
    in = out + n + 2 + HDR_SLACK;
    memcpy(in, field, gap_off);
    memcpy(in + gap_off, field + gap_off + gap_len, tail);
    w = header_into(out, canon, in, n, in + (colon - field), flags);
    return ma__digest_update(d, out, (size_t)(w - out));
}

/* ------------------------------------------------------ body hash sets */

long ma__body_hash_get(ma_body_hash *set, size_t *n, const ma_ctx *ctx, ma_dkim_canon canon,
                       uint64_t limit, ma_hash hash)
{
    ma_body_hash *h;
    size_t i;
    int rc;
    for (i = 0; i < *n; i++)
        if (set[i].canon == canon && set[i].limit == limit && set[i].hash == hash)
            return (long)i;
    h = &set[*n];
    /* not the whole struct: the canonicaliser's 4 KB buffer needs no clearing */
    memset(h, 0, offsetof(ma_body_hash, body));
    memset(h->md, 0, sizeof h->md);
    h->md_len = 0;
    h->canon = canon;
    h->limit = limit;
    h->hash = hash;
    rc = ma__digest_new(&h->digest, ctx, hash);
    if (rc != MA_OK)
        return rc;
    rc = ma__canon_body_init(&h->body, canon, limit, h->digest);
    if (rc != MA_OK) {
        ma__digest_free(h->digest);
        return rc;
    }
    return (long)(*n)++;
}

int ma__body_hash_feed(ma_body_hash *set, size_t n, const char *data, size_t len)
{
    size_t i;
    int rc = MA_OK;
    for (i = 0; i < n && rc == MA_OK; i++) {
        ma_body_hash *h = &set[i];
        rc = data ? ma__canon_body_update(&h->body, data, len) : ma__canon_body_finish(&h->body);
        if (rc == MA_OK && data == NULL)
            rc = ma__digest_final(h->digest, h->md, &h->md_len);
    }
    return rc;
}

void ma__body_hash_free(ma_body_hash *set, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        ma__digest_free(set[i].digest);
}
