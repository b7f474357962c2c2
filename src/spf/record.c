/*
 * SPF records (RFC 7208 sections 4.5, 4.6, 5, 6 and the ABNF of section 12),
 * parsed once per evaluation into compact terms.
 *
 *   record     = version terms *SP
 *   version    = "v=spf1"
 *   terms      = *( 1*SP ( directive / modifier ) )
 *   directive  = [ qualifier ] mechanism
 *   modifier   = redirect / explanation / unknown-modifier
 *   unknown-modifier = name "=" macro-string
 *   name       = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
 *
 * How a term is read:
 * - A term that starts with a name followed by "=" is a modifier (4.6.1:
 *   "Modifiers always contain an equals ('=') character immediately after
 *   the name, and before any ':' or '/'").  Everything else is a directive:
 *   an optional qualifier, the mechanism name up to ":", "/", "=" or the
 *   end, then the mechanism's arguments.  Names compare case-insensitively.
 * - The CIDR part of a and mx is matched from the end of the term (a
 *   domain-spec may contain "/" and ":", and never ends in "/" DIGIT, since
 *   it ends in a macro-expand or a toplabel): first "//" DIGITs (ip6), then
 *   "/" DIGITs (ip4).  Lengths have no leading zeros (the OpenSPF suite's
 *   cidr4-032) and at most 2 (ip4) or 3 (ip6) digits, values 0-32 / 0-128.
 * - Every domain-spec is checked at parse time: non-empty, a valid
 *   macro-string without c, r, t (7.2), and ending in a macro-expand or in
 *   "." toplabel ["."] (domain-end, 7.1).  Beyond the ABNF, a final
 *   macro-expand may be followed by one trailing dot ("%{d}."), as 7.3 says
 *   trailing dots "MUST be accepted".  The name after expansion is checked
 *   again by ma__spf_expand_domain.
 * - redirect= and exp= (any case) are known modifiers: a bad value is a
 *   syntax error, not an unknown modifier, and each may appear once (6).
 * - Only SP (0x20) and visible ASCII (0x21-0x7E) may appear: any other byte
 *   (TAB, CR, LF, NUL, non-ASCII) is a syntax error (3.1, 4.6.1; the
 *   OpenSPF suite's non-ascii-*, control-char-policy).
 *
 * Work is two linear passes (bytes and term count, then the terms); memory
 * is one allocation holding the terms array and two copies of the text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "spf/spf_int.h"

int ma__spf_is_record(const char *text, size_t len)
{
    /* 4.5: "v=spf1" (case-insensitive, 12), then SP or the end. */
    if (text == NULL || len < 6 || ma__casecmp(text, 6, "v=spf1", 6) != 0)
        return 0;
    return len == 6 || text[6] == ' ';
}

/* ------------------------------------------------------------------ errors */

/* Longest piece of a term quoted in an error text. */
#define MA_SPF_QUOTE_MAX 64

/*
 * Set err to "<what> in '<term>' at offset N" (N: the offset of the fault
 * in the record) and return MA_ESYNTAX.
 */
static int ma_spf_r_fail(ma_errbuf *err, const ma_spf_term *t, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int ma_spf_r_fail(ma_errbuf *err, const ma_spf_term *t, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    bool cut = t->text_len > MA_SPF_QUOTE_MAX;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ma__err_set(err, (int64_t)at, "%s in '%.*s%s' at offset %zu", what,
                (int)(cut ? MA_SPF_QUOTE_MAX : t->text_len), t->text, cut ? "..." : "", at);
    return MA_ESYNTAX;
}

/* A quotable length for a piece of a term. */
static int ma_spf_r_qlen(size_t n)
{
    return (int)(n > MA_SPF_QUOTE_MAX ? MA_SPF_QUOTE_MAX : n);
}

/* ------------------------------------------------------------------ pieces */

static bool ma_spf_r_is_namechar(int c)
{
    return ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '_' || c == '.';
}

/* The mechanism named name[0..len) (any case), or 0. */
static ma_spf_kind ma_spf_r_mechanism(const char *name, size_t len)
{
    char b[8];
    size_t i;

    if (len == 0 || len > 7)
        return (ma_spf_kind)0;
    for (i = 0; i < len; i++)
        b[i] = (char)ma__lower((unsigned char)name[i]);
    switch (len) {
    case 1:
        return b[0] == 'a' ? MA_SPF_A : (ma_spf_kind)0;
    case 2:
        return memcmp(b, "mx", 2) == 0 ? MA_SPF_MX : (ma_spf_kind)0;
    case 3:
        if (memcmp(b, "all", 3) == 0)
            return MA_SPF_ALL;
        if (memcmp(b, "ip4", 3) == 0)
            return MA_SPF_IP4;
        if (memcmp(b, "ip6", 3) == 0)
            return MA_SPF_IP6;
        if (memcmp(b, "ptr", 3) == 0)
            return MA_SPF_PTR;
        return (ma_spf_kind)0;
    case 6:
        return memcmp(b, "exists", 6) == 0 ? MA_SPF_EXISTS : (ma_spf_kind)0;
    case 7:
        return memcmp(b, "include", 7) == 0 ? MA_SPF_INCLUDE : (ma_spf_kind)0;
    default:
        return (ma_spf_kind)0;
    }
}

/*
 * Read a CIDR length from s[0..n) (the digits after "/"): no leading zero,
 * at most maxdigits digits, value at most max.  Returns the value or -1.
 */
static int ma_spf_r_cidr(const char *s, size_t n, size_t maxdigits, unsigned int max)
{
    unsigned int v = 0;
    size_t i;

    if (n == 0 || n > maxdigits || (n > 1 && s[0] == '0'))
        return -1;
    for (i = 0; i < n; i++) {
        if (!ma__is_digit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned int)(s[i] - '0');
    }
    return v <= max ? (int)v : -1;
}

/*
 * Check a domain-spec (7.1): domain-spec = macro-string domain-end,
 * domain-end = ( "." toplabel [ "." ] ) / macro-expand.  spec is at offset
 * at in the record.
 */
static int ma_spf_r_domain_spec(const ma_spf_term *t, const char *spec, size_t n, size_t at,
                                ma_errbuf *err)
{
    size_t bad = 0, end, dot, macro_end = 0;
    const char *why = NULL;

    if (n == 0)
        return ma_spf_r_fail(err, t, at, "empty domain-spec");
    if (ma__spf_macro_check(spec, n, 0, &bad, &why, &macro_end) != MA_OK)
        return ma_spf_r_fail(err, t, at + bad, "bad macro (%s)", why);
    end = n;
    if (spec[end - 1] == '.')
        end--;
    /* A final macro-expand, or one followed by a trailing dot (7.3). */
    if (macro_end != 0 && macro_end == end)
        return MA_OK;
    dot = end;
    while (dot > 0 && spec[dot - 1] != '.')
        dot--;
    if (dot == 0 || !ma__spf_is_toplabel(spec + dot, end - dot))
        return ma_spf_r_fail(err, t, at + dot,
                             "domain-spec does not end in a macro or a valid top label");
    return MA_OK;
}

/* ip4: ip4-network [ ip4-cidr-length ], ip6: ip6-network [ ip6-cidr-length ] */
static int ma_spf_r_ip(ma_spf_term *t, const char *a, size_t n, size_t at, ma_errbuf *err)
{
    bool v4 = t->kind == MA_SPF_IP4;
    const char *slash;
    size_t addr_len;
    int cidr;

    if (n == 0 || a[0] != ':')
        return ma_spf_r_fail(err, t, at, "missing ':' and address");
    a++;
    n--;
    at++;
    slash = memchr(a, '/', n);
    addr_len = slash ? (size_t)(slash - a) : n;
    if (ma_ip_parse(&t->ip, a, addr_len) != MA_OK
        || t->ip.family != (v4 ? MA_IP_V4 : MA_IP_V6)) {
        memset(&t->ip, 0, sizeof t->ip);
        return ma_spf_r_fail(err, t, at, "bad %s address '%.*s'", v4 ? "IPv4" : "IPv6",
                             ma_spf_r_qlen(addr_len), a);
    }
    if (slash != NULL) {
        size_t dn = n - addr_len - 1;
        cidr = ma_spf_r_cidr(slash + 1, dn, v4 ? 2 : 3, v4 ? 32 : 128);
        if (cidr < 0)
            return ma_spf_r_fail(err, t, at + addr_len, "bad CIDR length '/%.*s'",
                                 ma_spf_r_qlen(dn), slash + 1);
        if (v4)
            t->cidr4 = (uint8_t)cidr;
        else
            t->cidr6 = (uint8_t)cidr;
    }
    return MA_OK;
}

/* a, mx: [ ":" domain-spec ] [ dual-cidr-length ], matched from the end. */
static int ma_spf_r_dual(ma_spf_term *t, const char *a, size_t n, size_t at, ma_errbuf *err)
{
    size_t end = n, j;
    int cidr;

    /* "/" "/" ip6-cidr-length digits at the very end */
    j = end;
    while (j > 0 && ma__is_digit((unsigned char)a[j - 1]))
        j--;
    if (j < end && j >= 2 && a[j - 1] == '/' && a[j - 2] == '/') {
        cidr = ma_spf_r_cidr(a + j, end - j, 3, 128);
        if (cidr < 0)
            return ma_spf_r_fail(err, t, at + j - 2, "bad IPv6 CIDR length '//%.*s'",
                                 ma_spf_r_qlen(end - j), a + j);
        t->cidr6 = (uint8_t)cidr;
        end = j - 2;
    }
    /* "/" ip4-cidr-length digits before it */
    j = end;
    while (j > 0 && ma__is_digit((unsigned char)a[j - 1]))
        j--;
    if (j < end && j >= 1 && a[j - 1] == '/') {
        cidr = ma_spf_r_cidr(a + j, end - j, 2, 32);
        if (cidr < 0)
            return ma_spf_r_fail(err, t, at + j - 1, "bad IPv4 CIDR length '/%.*s'",
                                 ma_spf_r_qlen(end - j), a + j);
        t->cidr4 = (uint8_t)cidr;
        end = j - 1;
    }
    if (end == 0)
        return MA_OK;
    if (a[0] == ':') {
        t->spec = a + 1;
        t->spec_len = end - 1;
        return ma_spf_r_domain_spec(t, a + 1, end - 1, at + 1, err);
    }
    return ma_spf_r_fail(err, t, at, "bad CIDR length '%.*s'", ma_spf_r_qlen(n), a);
}

/* include, exists (required) and ptr (optional): ":" domain-spec, no CIDR. */
static int ma_spf_r_spec_only(ma_spf_term *t, const char *a, size_t n, size_t at, bool required,
                              ma_errbuf *err)
{
    if (n == 0) {
        if (!required)
            return MA_OK;
        return ma_spf_r_fail(err, t, at, "missing ':' and domain-spec");
    }
    if (a[0] != ':')
        return ma_spf_r_fail(err, t, at, "unexpected '%c' (expected ':' and domain-spec)", a[0]);
    t->spec = a + 1;
    t->spec_len = n - 1;
    return ma_spf_r_domain_spec(t, a + 1, n - 1, at + 1, err);
}

/*
 * Parse one term, text[off..off+len) of the record (len >= 1, no SP), into t.
 */
static int ma_spf_r_term(ma_spf_term *t, const char *text, size_t off, size_t len, ma_errbuf *err)
{
    const char *s = text + off;
    size_t p = 0, name, nlen;

    memset(t, 0, sizeof *t);
    t->text = s;
    t->text_len = len;
    t->offset = off;
    t->cidr4 = 32;
    t->cidr6 = 128;

    /* modifier = name "=" ... */
    if (ma__is_alpha((unsigned char)s[0])) {
        while (p < len && ma_spf_r_is_namechar((unsigned char)s[p]))
            p++;
        if (p < len && s[p] == '=') {
            const char *v = s + p + 1;
            size_t vlen = len - p - 1;
            if (ma__casecmp(s, p, "redirect", 8) == 0 || ma__casecmp(s, p, "exp", 3) == 0) {
                t->kind = (uint8_t)(p == 3 ? MA_SPF_EXP : MA_SPF_REDIRECT);
                t->spec = v;
                t->spec_len = vlen;
                return ma_spf_r_domain_spec(t, v, vlen, off + p + 1, err);
            } else {
                size_t bad = 0;
                const char *why = NULL;
                t->kind = MA_SPF_UNKNOWN_MOD;
                t->spec = v;
                t->spec_len = vlen;
                /* Never expanded: any macro letter is fine (7.1). */
                if (ma__spf_macro_check(v, vlen, MA_SPF_MACRO_EXP, &bad, &why, NULL) != MA_OK)
                    return ma_spf_r_fail(err, t, off + p + 1 + bad, "bad macro (%s)", why);
                return MA_OK;
            }
        }
        p = 0;
    }

    /* directive = [ qualifier ] mechanism */
    t->qualifier = '+';
    if (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?') {
        t->qualifier = s[0];
        p = 1;
    }
    name = p;
    while (p < len && s[p] != ':' && s[p] != '/' && s[p] != '=')
        p++;
    nlen = p - name;
    t->kind = (uint8_t)ma_spf_r_mechanism(s + name, nlen);
    if (t->kind == 0) {
        t->qualifier = 0;
        if (nlen == 0)
            return ma_spf_r_fail(err, t, off + name, "missing mechanism name");
        if (p < len && s[p] == '=')
            return ma_spf_r_fail(err, t, off, "bad modifier name '%.*s'", ma_spf_r_qlen(p), s);
        return ma_spf_r_fail(err, t, off + name, "unknown mechanism '%.*s'", ma_spf_r_qlen(nlen),
                             s + name);
    }
    switch ((ma_spf_kind)t->kind) {
    case MA_SPF_ALL:
        if (p < len)
            return ma_spf_r_fail(err, t, off + p, "'all' takes no argument");
        return MA_OK;
    case MA_SPF_INCLUDE:
    case MA_SPF_EXISTS:
        return ma_spf_r_spec_only(t, s + p, len - p, off + p, true, err);
    case MA_SPF_PTR:
        return ma_spf_r_spec_only(t, s + p, len - p, off + p, false, err);
    case MA_SPF_A:
    case MA_SPF_MX:
        return ma_spf_r_dual(t, s + p, len - p, off + p, err);
    case MA_SPF_IP4:
    case MA_SPF_IP6:
        return ma_spf_r_ip(t, s + p, len - p, off + p, err);
    default:
        return MA_EINVAL;   /* not reached */
    }
}

/* ------------------------------------------------------------------ record */

/*
 * Pass 1 over s[from..to) (from >= 1), one byte at a time: every byte is SP
 * or visible ASCII; *n counts the terms (a non-SP byte after an SP).
 * Returns the offset of the first bad byte or of the term past
 * max, or to.
 */
static size_t ma_spf_r_scan_bytes(const unsigned char *s, size_t from, size_t to, size_t *n,
                                  size_t max)
{
    size_t i;
    for (i = from; i < to; i++) {
        unsigned char c = s[i];
        if (c == ' ')
            continue;
        if ((unsigned char)(c - 0x21) > 0x7e - 0x21)
            return i;
        if (s[i - 1] == ' ' && ++*n > max)
            return i;
    }
    return to;
}

#define MA_SPF_ONES UINT64_C(0x0101010101010101)
#define MA_SPF_HIGHS UINT64_C(0x8080808080808080)

/* High bit of each byte of w set when that byte is not SP (exact, no carries). */
static uint64_t ma_spf_r_nonspace(uint64_t w)
{
    uint64_t t = w ^ (MA_SPF_ONES * ' ');
    return (((t & (MA_SPF_ONES * 0x7f)) + MA_SPF_ONES * 0x7f) | t) & MA_SPF_HIGHS;
}

/*
 * Pass 1 over the whole record after "v=spf1", eight bytes at a time
 * (records are checked on every evaluation).  A second load one byte back
 * gives each byte's predecessor in the same lane, so byte order does not
 * matter.  Words with a bad byte, or in which the term limit is passed, are
 * rescanned a byte at a time for the exact offset.  Same result as
 * ma_spf_r_scan_bytes(s, 6, len, n, max).
 */
static size_t ma_spf_r_scan(const unsigned char *s, size_t len, size_t *n, size_t max)
{
    size_t i = 6, r;

    *n = 0;
    while (len - i >= 8) {
        uint64_t w, wp, bad, starts;
        memcpy(&w, s + i, 8);
        memcpy(&wp, s + i - 1, 8);
        /* a byte below 0x20 (exact as an existence test), or above 0x7e */
        bad = ((w - MA_SPF_ONES * 0x20) & ~w) | (((w & (MA_SPF_ONES * 0x7f)) + MA_SPF_ONES) | w);
        starts = ma_spf_r_nonspace(w) & ~ma_spf_r_nonspace(wp) & MA_SPF_HIGHS;
        if (bad & MA_SPF_HIGHS) {
            r = ma_spf_r_scan_bytes(s, i, i + 8, n, max);
            if (r < i + 8)
                return r;
        } else if (starts != 0) {
            /* one bit per byte: the sum of the bytes is the top byte of the product */
            size_t c = (size_t)(((starts >> 7) * MA_SPF_ONES) >> 56);
            if (*n + c > max)
                return ma_spf_r_scan_bytes(s, i, i + 8, n, max);
            *n += c;
        }
        i += 8;
    }
    return ma_spf_r_scan_bytes(s, i, len, n, max);
}

/*
 * The fixed target of a domain-spec without macros: what expanding it
 * gives (7.3: one trailing dot is dropped) and its canonical DNS name, so
 * that evaluations ask for it without expanding, canonicalizing or hashing.
 * Only plain names (letters, digits, '-', '_', labels of 1-63, at most 253
 * octets) take this path; any other spec is expanded at evaluation time.
 */
static void ma_spf_r_literal(ma_spf_term *t, const char *copy, const char *lower)
{
    const char *sp = t->spec;
    size_t n = t->spec_len, i, label = 0;

    t->literal = 0;
    t->tname = NULL;
    t->tname_len = 0;
    t->thash = 0;
    t->ztarget = NULL;
    if (sp == NULL || t->kind >= MA_SPF_EXP)
        return;
    if (n > 0 && sp[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)sp[i];
        if (c == '.') {
            if (label == 0)
                return;
            label = 0;
        } else if (ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '_') {
            if (++label > 63)
                return;
        } else {
            return;
        }
    }
    if (label == 0 || !ma__spf_is_toplabel(sp + n - label, label))
        return;
    t->tname = lower + (sp - copy);
    t->tname_len = n;
    t->thash = ma__dns_name_hash(t->tname, n);
    t->literal = 1;
}

/*
 * What the evaluator reads of a term on every evaluation, worked out once:
 * the term as a C string, whether its domain-spec needs the validated names
 * (%{p}), and the ip4 network as a number, the ip6 network's mapped form.
 *
 * The lower-cased copy has a NUL for every SP, so a term written without
 * upper-case letters (most are) is a C string there, exactly as written;
 * and so is a literal target that ends such a term (no trailing dot, no
 * CIDR after it).
 */
static void ma_spf_r_prepare(ma_spf_term *t, const char *copy, const char *lower)
{
    t->ztext = NULL;
    t->ztarget = NULL;
    if (memcmp(copy + t->offset, lower + t->offset, t->text_len) == 0) {
        t->ztext = lower + t->offset;
        if (t->literal && t->tname + t->tname_len == t->ztext + t->text_len)
            t->ztarget = t->tname;
    }
    t->uses_p = (uint8_t)(t->spec != NULL && t->kind != MA_SPF_UNKNOWN_MOD &&
                          ma__spf_macro_uses_p(t->spec, t->spec_len));
    t->npieces = 0;
    t->net4 = 0;
    t->mask4 = 0;
    t->mapped = 0;
    if (t->kind == MA_SPF_IP4) {
        const unsigned char *a = t->ip.addr;
        t->net4 = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) |
                  (uint32_t)a[3];
        t->mask4 = t->cidr4 == 0 ? 0 : UINT32_C(0xffffffff) << (32 - t->cidr4);
    } else if (t->kind == MA_SPF_IP6) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        t->mapped = (uint8_t)(memcmp(t->ip.addr, mapped, 12) == 0);
    }
}

/*
 * Compile the domain-spec of a term that is expanded at evaluation time
 * (a, mx, ptr, exists, include, redirect= with macros) into its pieces, so
 * that evaluations check only the macro values.
 */
static void ma_spf_r_compile(ma_spf_term *t)
{
    if (t->spec == NULL || t->literal || t->kind >= MA_SPF_EXP)
        return;
    t->npieces = (uint8_t)ma__spf_spec_compile(t->pieces, MA_SPF_PIECES_MAX, t->spec, t->spec_len);
}

static void ma_spf_r_reset(ma_spf_record *rec)
{
    rec->text = NULL;
    rec->len = 0;
    rec->terms = NULL;
    rec->nterms = 0;
    rec->redirect = -1;
    rec->exp = -1;
}

int ma__spf_record_parse(ma_spf_record *rec, const ma_ctx *ctx, const char *text, size_t len,
                         ma_errbuf *err)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i, n = 0, k = 0, size, max_terms;
    ma_spf_term *terms;
    char *copy, *lower;
    void *block;
    int rc;

    ma__err_clear(err);
    if (rec == NULL || ctx == NULL || (text == NULL && len > 0)) {
        ma__err_set(err, -1, "spf record: invalid argument");
        return MA_EINVAL;
    }
    ma_spf_r_reset(rec);
    if ((uint64_t)len > ma__limit(ctx, MA_LIMIT_TXT_BYTES)) {
        ma__err_set(err, 0, "record longer than %llu bytes",
                    (unsigned long long)ma__limit(ctx, MA_LIMIT_TXT_BYTES));
        return MA_ELIMIT;
    }
    if (!ma__spf_is_record(text, len)) {
        ma__err_set(err, 0, "record does not start with 'v=spf1' at offset 0");
        return MA_ESYNTAX;
    }

    /* Pass 1: bytes, and the number of terms (each starts after an SP). */
    max_terms = (size_t)ma__limit(ctx, MA_LIMIT_SPF_TERMS);
    i = ma_spf_r_scan(s, len, &n, max_terms);
    if (i < len) {
        unsigned char c = s[i];
        if ((unsigned char)(c - 0x21) > 0x7e - 0x21) {
            ma__err_set(err, (int64_t)i, "%s 0x%02x at offset %zu",
                        c >= 0x80 ? "non-ASCII byte" : "control character", c, i);
            return MA_ESYNTAX;
        }
        ma__err_set(err, (int64_t)i, "more than %zu terms at offset %zu", max_terms, i);
        return MA_ELIMIT;
    }

    /* One block: the terms, the text, the text lower-cased (with a NUL
       for every SP: see ma_spf_r_prepare). */
    size = n * sizeof *terms;
    if (len > (SIZE_MAX - size) / 2 - 1)
        return MA_ENOMEM;
    block = ma__alloc(ctx, size + 2 * (len + 1));
    if (block == NULL)
        return MA_ENOMEM;
    terms = block;
    copy = (char *)block + size;
    memcpy(copy, text, len);
    copy[len] = '\0';
    lower = copy + len + 1;
    for (i = 0; i <= len; i++)
        lower[i] = copy[i] == ' ' ? '\0' : (char)ma__lower((unsigned char)copy[i]);

    /* Pass 2: the terms. */
    i = 6;
    while (i < len) {
        size_t start;
        const char *sp;
        ma_spf_term *t;
        while (i < len && copy[i] == ' ')
            i++;
        if (i == len)
            break;
        start = i;
        sp = memchr(copy + i, ' ', len - i);
        i = sp != NULL ? (size_t)(sp - copy) : len;
        t = &terms[k];
        rc = ma_spf_r_term(t, copy, start, i - start, err);
        if (rc == MA_OK) {
            ma_spf_r_literal(t, copy, lower);
            ma_spf_r_prepare(t, copy, lower);
            ma_spf_r_compile(t);
        }
        if (rc == MA_OK && (t->kind == MA_SPF_REDIRECT || t->kind == MA_SPF_EXP)) {
            int *slot = t->kind == MA_SPF_REDIRECT ? &rec->redirect : &rec->exp;
            /* 6: "MUST NOT appear in a record more than once each" */
            if (*slot >= 0)
                rc = ma_spf_r_fail(err, t, start, "second %s= modifier",
                                   t->kind == MA_SPF_REDIRECT ? "redirect" : "exp");
            else
                *slot = (int)k;
        }
        if (rc != MA_OK) {
            ma__free(ctx, block);
            ma_spf_r_reset(rec);
            return rc;
        }
        k++;
    }
    rec->text = copy;
    rec->len = len;
    rec->terms = terms;
    rec->nterms = k;
    return MA_OK;
}

void ma__spf_record_free(ma_spf_record *rec, const ma_ctx *ctx)
{
    if (rec == NULL)
        return;
    if (ctx != NULL)
        ma__free(ctx, rec->terms);   /* the block: terms, then text */
    ma_spf_r_reset(rec);
}
