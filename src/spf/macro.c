/*
 * SPF macros (RFC 7208 section 7): syntax checking, expansion, and the
 * expansion of a domain-spec into a name to query.
 *
 *   macro-string   = *( macro-expand / macro-literal )
 *   explain-string = *( macro-string / SP )
 *   macro-expand   = ( "%{" macro-letter transformers *delimiter "}" )
 *                    / "%%" / "%_" / "%-"
 *   macro-literal  = %x21-24 / %x26-7E
 *   macro-letter   = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
 *   transformers   = *DIGIT [ "r" ]
 *   delimiter      = "." / "-" / "+" / "," / "/" / "_" / "="
 *
 * Choices where the text leaves room:
 * - ABNF literals are case-insensitive (RFC 5234 2.3), so "R" is the
 *   reverse transformer as well as "r".  An upper-case macro letter
 *   URL-escapes its value (7.3); the escape uses upper-case hex digits
 *   (RFC 3986 2.1) and keeps only the unreserved set (ALPHA DIGIT - . _ ~).
 * - A digit transformer whose value is zero is a syntax error (7.3: the
 *   value "MUST be nonzero").  Large values are saturated: any value above
 *   the number of parts means all parts (7.3), however many digits it has.
 * - c, r and t are syntax errors outside explanation text (7.2); with
 *   MA_SPF_MACRO_EXP a space is literal text too (explain-string).
 * - %{i} of an IPv6 client is its 32 nibbles, lower case, dot-separated, in
 *   address order (7.3 and the 7.4 example); %{c} is the RFC 5952 text.
 *   An IPv4-mapped client is expanded as its IPv4 address.
 *
 * Work is linear in the input plus the output, and the output of one
 * expansion is bounded by MA_LIMIT_SPF_MACRO_BYTES.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "spf/spf_int.h"

/* Delimiter bits (delimiter = "." / "-" / "+" / "," / "/" / "_" / "="). */
#define MA_SPF_DELIM_DOT 1u

/* Saturation point of a digit transformer: more parts than any value has. */
#define MA_SPF_DIGITS_MAX 100000000u

typedef enum ma_spf_tok_type {
    MA_SPF_TOK_LITERAL = 1,  /* a run of literal characters */
    MA_SPF_TOK_MACRO,        /* %{...} */
    MA_SPF_TOK_PERCENT,      /* %% */
    MA_SPF_TOK_SPACE,        /* %_ */
    MA_SPF_TOK_URLSPACE      /* %- */
} ma_spf_tok_type;

typedef struct ma_spf_tok {
    ma_spf_tok_type type;
    size_t start, end;       /* span in the input */
    char letter;             /* macro letter, lower case */
    bool upper;              /* upper-case letter: URL-escape */
    bool reverse;            /* "r" transformer */
    size_t digits;           /* digit transformer; 0 when absent */
    unsigned int delims;     /* delimiter bits; 0 when none given */
} ma_spf_tok;

static unsigned int ma_spf_m_delim_bit(int c)
{
    switch (c) {
    case '.': return MA_SPF_DELIM_DOT;
    case '-': return 1u << 1;
    case '+': return 1u << 2;
    case ',': return 1u << 3;
    case '/': return 1u << 4;
    case '_': return 1u << 5;
    case '=': return 1u << 6;
    default: return 0;
    }
}

static bool ma_spf_m_is_literal(int c, unsigned int flags)
{
    if (c == ' ')
        return (flags & MA_SPF_MACRO_EXP) != 0;
    return c >= 0x21 && c <= 0x7e && c != '%';
}

/*
 * Read the token at *pos (which is < len).  On a syntax error returns
 * MA_ESYNTAX with *bad at the offending offset and *why set.
 */
static int ma_spf_m_next(const char *spec, size_t len, size_t *pos, unsigned int flags,
                         ma_spf_tok *t, size_t *bad, const char **why)
{
    const unsigned char *s = (const unsigned char *)spec;
    size_t i = *pos;
    int c;

    memset(t, 0, sizeof *t);
    t->start = i;
    if (s[i] != '%') {
        if (!ma_spf_m_is_literal(s[i], flags)) {
            *bad = i;
            *why = s[i] == ' ' ? "space in macro-string" : "bad character";
            return MA_ESYNTAX;
        }
        if (flags & MA_SPF_MACRO_EXP) {
            while (i < len && (unsigned char)(s[i] - 0x20) <= 0x7e - 0x20 && s[i] != '%')
                i++;
        } else {
            while (i < len && (unsigned char)(s[i] - 0x21) <= 0x7e - 0x21 && s[i] != '%')
                i++;
        }
        t->type = MA_SPF_TOK_LITERAL;
        t->end = *pos = i;
        return MA_OK;
    }
    if (i + 1 >= len) {
        *bad = i;
        *why = "'%' at the end";
        return MA_ESYNTAX;
    }
    switch (s[i + 1]) {
    case '%':
        t->type = MA_SPF_TOK_PERCENT;
        t->end = *pos = i + 2;
        return MA_OK;
    case '_':
        t->type = MA_SPF_TOK_SPACE;
        t->end = *pos = i + 2;
        return MA_OK;
    case '-':
        t->type = MA_SPF_TOK_URLSPACE;
        t->end = *pos = i + 2;
        return MA_OK;
    case '{':
        break;
    default:
        /* 7.3: "A '%' character not followed by a '{', '%', '-', or '_'
           character is a syntax error." */
        *bad = i;
        *why = "'%' not followed by '{', '%', '_' or '-'";
        return MA_ESYNTAX;
    }
    i += 2;
    if (i >= len) {
        *bad = t->start;
        *why = "unterminated macro";
        return MA_ESYNTAX;
    }
    c = s[i];
    t->letter = (char)ma__lower(c);
    t->upper = c >= 'A' && c <= 'Z';
    switch (t->letter) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v':
        break;
    case 'c': case 'r': case 't':
        if (!(flags & MA_SPF_MACRO_EXP)) {
            *bad = t->start;
            *why = "macro letter allowed only in explanations";
            return MA_ESYNTAX;
        }
        break;
    default:
        *bad = t->start;
        *why = "unknown macro letter";
        return MA_ESYNTAX;
    }
    i++;
    if (i < len && ma__is_digit(s[i])) {
        size_t d = 0;
        while (i < len && ma__is_digit(s[i])) {
            if (d < MA_SPF_DIGITS_MAX)
                d = d * 10 + (size_t)(s[i] - '0');
            i++;
        }
        if (d == 0) {
            *bad = t->start;
            *why = "zero digit transformer";
            return MA_ESYNTAX;
        }
        t->digits = d;
    }
    if (i < len && (s[i] == 'r' || s[i] == 'R')) {
        t->reverse = true;
        i++;
    }
    while (i < len && ma_spf_m_delim_bit(s[i]) != 0) {
        t->delims |= ma_spf_m_delim_bit(s[i]);
        i++;
    }
    if (i >= len || s[i] != '}') {
        *bad = t->start;
        *why = i >= len ? "unterminated macro" : "bad character in macro";
        return MA_ESYNTAX;
    }
    t->type = MA_SPF_TOK_MACRO;
    t->end = *pos = i + 1;
    return MA_OK;
}

int ma__spf_macro_check(const char *spec, size_t len, unsigned int flags, size_t *bad_off,
                        const char **why, size_t *macro_end)
{
    size_t pos = 0, bad = 0, last_end = 0;
    const char *w = NULL;
    ma_spf_tok t;

    if (spec == NULL && len > 0)
        return MA_EINVAL;
    while (pos < len) {
        if (ma_spf_m_next(spec, len, &pos, flags, &t, &bad, &w) != MA_OK) {
            if (bad_off != NULL)
                *bad_off = bad;
            if (why != NULL)
                *why = w;
            return MA_ESYNTAX;
        }
        if (t.type != MA_SPF_TOK_LITERAL)
            last_end = t.end;
    }
    if (macro_end != NULL)
        *macro_end = last_end;
    return MA_OK;
}

int ma__spf_macro_uses_p(const char *spec, size_t len)
{
    size_t i = 0;
    if (spec == NULL)
        return 0;
    while (i + 2 < len) {
        if (spec[i] != '%') {
            i++;
        } else if (spec[i + 1] == '{') {
            if (spec[i + 2] == 'p' || spec[i + 2] == 'P')
                return 1;
            i += 3;
        } else {
            i += 2;   /* "%%", "%_", "%-" (or an error the parser reports) */
        }
    }
    return 0;
}

/* ------------------------------------------------------------- expansion */

/* Append, failing with MA_ELIMIT when the expansion would pass the limit. */
static int ma_spf_m_put(ma_buf *out, size_t start, uint64_t limit, const char *p, size_t n)
{
    if ((uint64_t)(out->len - start) + n > limit)
        return MA_ELIMIT;
    return ma__buf_append(out, p, n);
}

static bool ma_spf_m_unreserved(int c)
{
    /* RFC 3986 2.3 */
    return ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* URL-escape out->data[from..len) in place (7.3: upper-case macro letters). */
static int ma_spf_m_escape(ma_buf *out, size_t start, uint64_t limit, size_t from)
{
    static const char hex[16] = "0123456789ABCDEF";
    size_t i, extra = 0, r, w;
    int rc;

    for (i = from; i < out->len; i++)
        if (!ma_spf_m_unreserved((unsigned char)out->data[i]))
            extra += 2;
    if (extra == 0)
        return MA_OK;
    if ((uint64_t)(out->len - start) + extra > limit)
        return MA_ELIMIT;
    rc = ma__buf_reserve(out, extra);
    if (rc != MA_OK)
        return rc;
    r = out->len;
    w = out->len + extra;
    out->data[w] = '\0';
    while (r > from) {
        unsigned char c = (unsigned char)out->data[--r];
        if (ma_spf_m_unreserved(c)) {
            out->data[--w] = (char)c;
        } else {
            out->data[--w] = hex[c & 0xf];
            out->data[--w] = hex[c >> 4];
            out->data[--w] = '%';
        }
    }
    out->len += extra;
    return MA_OK;
}

/*
 * Append the value v of a macro after its transformers (7.3): split on the
 * delimiters (default "."), reverse when asked, keep the rightmost parts,
 * join with ".".
 */
static int ma_spf_m_transform(ma_buf *out, size_t start, uint64_t limit, const char *v,
                              size_t vlen, const ma_spf_tok *t)
{
    unsigned int dm = t->delims ? t->delims : MA_SPF_DELIM_DOT;
    size_t nparts = 1, keep, i, from = out->len;
    int rc;

    if (t->digits == 0 && !t->reverse && t->delims == 0) {
        rc = ma_spf_m_put(out, start, limit, v, vlen);
    } else {
        for (i = 0; i < vlen; i++)
            if (ma_spf_m_delim_bit((unsigned char)v[i]) & dm)
                nparts++;
        keep = (t->digits != 0 && t->digits < nparts) ? t->digits : nparts;
        rc = MA_OK;
        if (!t->reverse) {
            /* The rightmost keep parts: skip nparts - keep from the left. */
            size_t skip = nparts - keep;
            i = 0;
            while (skip > 0) {
                if (ma_spf_m_delim_bit((unsigned char)v[i]) & dm)
                    skip--;
                i++;
            }
            if ((uint64_t)(out->len - start) + (vlen - i) > limit)
                return MA_ELIMIT;
            rc = ma__buf_reserve(out, vlen - i);
            if (rc != MA_OK)
                return rc;
            for (; i < vlen; i++) {
                char c = v[i];
                out->data[out->len++] = (ma_spf_m_delim_bit((unsigned char)c) & dm) ? '.' : c;
            }
            out->data[out->len] = '\0';
        } else {
            /* Reversed, the rightmost keep parts are the first keep parts
               of the value, last one first. */
            size_t e = 0, seen = 0, pos, s;
            while (e < vlen) {
                if ((ma_spf_m_delim_bit((unsigned char)v[e]) & dm) && ++seen == keep)
                    break;
                e++;
            }
            pos = e;
            for (;;) {
                s = pos;
                while (s > 0 && !(ma_spf_m_delim_bit((unsigned char)v[s - 1]) & dm))
                    s--;
                rc = ma_spf_m_put(out, start, limit, v + s, pos - s);
                if (rc != MA_OK || s == 0)
                    break;
                rc = ma_spf_m_put(out, start, limit, ".", 1);
                if (rc != MA_OK)
                    break;
                pos = s - 1;
            }
        }
    }
    if (rc == MA_OK && t->upper)
        rc = ma_spf_m_escape(out, start, limit, from);
    return rc;
}

/* 32 dot-separated nibbles of an IPv6 address (7.3, 7.4). */
static size_t ma_spf_m_nibbles(const ma_ip *ip, char *buf)
{
    static const char hex[16] = "0123456789abcdef";
    size_t n = 0;
    int k;
    for (k = 0; k < 16; k++) {
        if (k)
            buf[n++] = '.';
        buf[n++] = hex[ip->addr[k] >> 4];
        buf[n++] = '.';
        buf[n++] = hex[ip->addr[k] & 0xf];
    }
    buf[n] = '\0';
    return n;
}

/* A span, or "" when the pointer is NULL. */
static const char *ma_spf_m_span(const char *p, size_t len, size_t *n)
{
    if (p == NULL) {
        *n = 0;
        return "";
    }
    *n = len;
    return p;
}

static int ma_spf_m_letter(ma_buf *out, size_t start, uint64_t limit, const ma_spf_tok *t,
                           const ma_spf_macro_env *env, ma_errbuf *err)
{
    char tmp[80];
    const char *v = "";
    size_t n = 0;
    ma_ip ip;

    memset(&ip, 0, sizeof ip);
    if (t->letter == 'i' || t->letter == 'c' || t->letter == 'v') {
        if (env->ip == NULL || (env->ip->family != MA_IP_V4 && env->ip->family != MA_IP_V6)) {
            ma__err_set(err, (int64_t)t->start, "no client address for macro at offset %zu",
                        t->start);
            return MA_EINVAL;
        }
        ip = *env->ip;
        (void)ma_ip_unmap_v4(env->ip, &ip);
    }
    switch (t->letter) {
    case 's':
        v = ma_spf_m_span(env->sender, env->sender_len, &n);
        break;
    case 'l':
        v = ma_spf_m_span(env->local, env->local_len, &n);
        break;
    case 'o':
        v = ma_spf_m_span(env->sender_domain, env->sender_domain_len, &n);
        break;
    case 'd':
        v = ma_spf_m_span(env->domain, env->domain_len, &n);
        break;
    case 'h':
        v = ma_spf_m_span(env->helo, env->helo_len, &n);
        break;
    case 'p':
        if (env->validated != NULL) {
            v = env->validated;
            n = env->validated_len;
        } else {
            v = "unknown";
            n = 7;
        }
        break;
    case 'r':
        if (env->receiver != NULL) {
            v = env->receiver;
            n = env->receiver_len;
        } else {
            v = "unknown";
            n = 7;
        }
        break;
    case 'i':
    case 'c':
        /* 7.3: for IPv4 both are the dotted quad. */
        if (t->letter == 'i' && ip.family == MA_IP_V6) {
            n = ma_spf_m_nibbles(&ip, tmp);
            v = tmp;
            break;
        }
        if (ma_ip_format(&ip, tmp, sizeof tmp) != MA_OK) {
            ma__err_set(err, (int64_t)t->start, "cannot format the client address");
            return MA_EINVAL;
        }
        v = tmp;
        n = strlen(tmp);
        break;
    case 'v':
        v = ip.family == MA_IP_V4 ? "in-addr" : "ip6";
        n = strlen(v);
        break;
    case 't':
        n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)env->now);
        v = tmp;
        break;
    default:
        return MA_EINVAL;   /* not reached: the tokenizer checked the letter */
    }
    return ma_spf_m_transform(out, start, limit, v, n, t);
}

int ma__spf_macro_expand(ma_buf *out, const ma_ctx *ctx, const char *spec, size_t len,
                         const ma_spf_macro_env *env, unsigned int flags, ma_errbuf *err)
{
    size_t start, pos = 0, bad = 0;
    const char *why = NULL;
    uint64_t limit;
    ma_spf_tok t;
    int rc = MA_OK;

    ma__err_clear(err);
    if (out == NULL || ctx == NULL || env == NULL || (spec == NULL && len > 0)
        || (flags & ~MA_SPF_MACRO_EXP) != 0) {
        ma__err_set(err, -1, "macro: invalid argument");
        return MA_EINVAL;
    }
    start = out->len;
    limit = ma__limit(ctx, MA_LIMIT_SPF_MACRO_BYTES);
    while (pos < len) {
        rc = ma_spf_m_next(spec, len, &pos, flags, &t, &bad, &why);
        if (rc != MA_OK) {
            ma__err_set(err, (int64_t)bad, "%s at offset %zu", why, bad);
            break;
        }
        switch (t.type) {
        case MA_SPF_TOK_LITERAL:
            rc = ma_spf_m_put(out, start, limit, spec + t.start, t.end - t.start);
            break;
        case MA_SPF_TOK_PERCENT:
            rc = ma_spf_m_put(out, start, limit, "%", 1);
            break;
        case MA_SPF_TOK_SPACE:
            rc = ma_spf_m_put(out, start, limit, " ", 1);
            break;
        case MA_SPF_TOK_URLSPACE:
            rc = ma_spf_m_put(out, start, limit, "%20", 3);
            break;
        case MA_SPF_TOK_MACRO:
            rc = ma_spf_m_letter(out, start, limit, &t, env, err);
            break;
        }
        if (rc == MA_ELIMIT) {
            /* A syntax error further on wins: the status must not depend
               on the limit. */
            if (ma__spf_macro_check(spec + pos, len - pos, flags, &bad, &why, NULL) != MA_OK) {
                rc = MA_ESYNTAX;
                bad += pos;
                ma__err_set(err, (int64_t)bad, "%s at offset %zu", why, bad);
            } else {
                ma__err_set(err, (int64_t)t.start,
                            "macro expansion longer than %llu bytes at offset %zu",
                            (unsigned long long)limit, t.start);
            }
        }
        if (rc != MA_OK)
            break;
    }
    if (rc != MA_OK) {
        /* Leave out as it was. */
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
    }
    return rc;
}

/* ------------------------------------------------------------ domain-spec */

int ma__spf_is_toplabel(const char *s, size_t n)
{
    bool alpha = false, hyphen = false;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (ma__is_alpha(c))
            alpha = true;
        else if (c == '-')
            hyphen = true;
        else if (!ma__is_digit(c))
            return 0;
    }
    /* toplabel = ( *alphanum ALPHA *alphanum ) /
                  ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
    if (!hyphen)
        return alpha;
    return s[0] != '-' && s[n - 1] != '-';
}

/*
 * Bytes of an expanded name, for ma_spf_domain_finish(): 0 not allowed
 * (control, DEL, non-ASCII), 1 a byte canonical names keep as it is
 * (a-z, 0-9, '-', '_'), 2 the dot, 3 any other printable byte (SP included).
 */
static const unsigned char ma_spf_fin_class[256] = {
    [' '] = 3, ['!'] = 3, ['"'] = 3, ['#'] = 3, ['$'] = 3, ['%'] = 3, ['&'] = 3, ['\''] = 3,
    ['('] = 3, [')'] = 3, ['*'] = 3, ['+'] = 3, [','] = 3, ['-'] = 1, ['.'] = 2, ['/'] = 3,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, [':'] = 3, [';'] = 3, ['<'] = 3, ['='] = 3, ['>'] = 3, ['?'] = 3,
    ['@'] = 3, ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3,
    ['H'] = 3, ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3, ['O'] = 3,
    ['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3, ['V'] = 3, ['W'] = 3,
    ['X'] = 3, ['Y'] = 3, ['Z'] = 3, ['['] = 3, ['\\'] = 3, [']'] = 3, ['^'] = 3, ['_'] = 1,
    ['`'] = 3, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1, ['{'] = 3, ['|'] = 3, ['}'] = 3, ['~'] = 3,
};

static int ma_spf_domain_label_bad(ma_errbuf *err, const char *s, size_t n, int empty)
{
    ma__err_set(err, -1, "expanded domain '%.*s' has a label %s", (int)(n > 80 ? 80 : n), s,
                empty ? "that is empty" : "longer than 63 characters");
    return MA_ESYNTAX;
}

/* Bytes of a toplabel (section 12): 1 digit, 2 letter, 4 '-', 0 others. */
static const unsigned char ma_spf_top_class[256] = {
    ['-'] = 4, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
    ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2,
    ['F'] = 2, ['G'] = 2, ['H'] = 2, ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2,
    ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2, ['S'] = 2, ['T'] = 2, ['U'] = 2,
    ['V'] = 2, ['W'] = 2, ['X'] = 2, ['Y'] = 2, ['Z'] = 2, ['a'] = 2, ['b'] = 2, ['c'] = 2,
    ['d'] = 2, ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 2, ['j'] = 2, ['k'] = 2,
    ['l'] = 2, ['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2, ['s'] = 2,
    ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2, ['y'] = 2, ['z'] = 2,
};

/* ma__spf_is_toplabel() for n > 0, by table. */
static int ma_spf_toplabel(const unsigned char *s, size_t n)
{
    unsigned int seen = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned int k = ma_spf_top_class[s[i]];
        if (k == 0)
            return 0;
        seen |= k;
    }
    if (seen & 4)
        return s[0] != '-' && s[n - 1] != '-';
    return (seen & 2) != 0;
}

/*
 * The domain-name rules of 7.3 on an expansion s[0..*n) (RFC 7208 7.3: one
 * trailing dot dropped; over 253 characters, labels dropped from the left),
 * then labels of 1-63 printable characters and a final toplabel.  Shortens
 * *n in place and writes a NUL at s[*n] (so s must have room for one byte
 * past the expansion).  MA_OK or MA_ESYNTAX (err says why; the first fault
 * from the left is reported).  With MA_OK, *canon (when not NULL) is 1 when
 * the result is a canonical DNS name as ma__dns_name_is_canon() defines
 * it: the length and label rules hold already, so only the bytes decide.
 */
static int ma_spf_domain_finish(char *s, size_t *np, int *canon, ma_errbuf *err)
{
    const unsigned char *p = (const unsigned char *)s, *q;
    size_t n = *np, i, label;
    unsigned char seen = 0;

    /* 7.3: trailing dots "MUST be accepted"; one is removed. */
    if (n > 0 && s[n - 1] == '.')
        n--;
    /* 7.3: over 253 characters, drop labels (and their dots) from the left
       until it fits. */
    if (n > 253) {
        size_t cut = 0;
        while (n - cut > 253) {
            const char *dot = memchr(s + cut, '.', n - cut);
            if (dot == NULL)
                break;
            cut = (size_t)(dot - s) + 1;
        }
        if (n - cut > 253) {
            ma__err_set(err, -1, "expanded domain longer than 253 characters");
            return MA_ESYNTAX;
        }
        memmove(s, s + cut, n - cut);
        n -= cut;
    }
    *np = n;
    if (n == 0) {
        ma__err_set(err, -1, "expanded domain is empty");
        return MA_ESYNTAX;
    }
    /* Labels of 1-63 printable characters (no control or non-ASCII bytes),
       the last one a toplabel (section 12). */
    s[n] = '\0'; /* stops the runs below (class 0) */
    label = 0;
    for (q = p;;) {
        unsigned char k;
        /* The common bytes first: letters, digits, '-', '_' (four at a
           time while they last). */
        while (ma_spf_fin_class[q[0]] == 1 && ma_spf_fin_class[q[1]] == 1 &&
               ma_spf_fin_class[q[2]] == 1 && ma_spf_fin_class[q[3]] == 1)
            q += 4;
        while (ma_spf_fin_class[*q] == 1)
            q++;
        i = (size_t)(q - p);
        if (i == n)
            break;
        k = ma_spf_fin_class[*q];
        if (k == 0) {
            ma__err_set(err, -1, "expanded domain has a bad byte 0x%02x", p[i]);
            return MA_ESYNTAX;
        }
        if (k == 2) {
            if (i == label || i - label > 63)
                return ma_spf_domain_label_bad(err, s, n, i == label);
            label = i + 1;
        }
        seen |= k;
        q++;
    }
    /* The last label (n > 0, and s[n - 1] is not the removed dot). */
    if (n == label || n - label > 63)
        return ma_spf_domain_label_bad(err, s, n, n == label);
    if (!ma_spf_toplabel(p + label, n - label)) {
        ma__err_set(err, -1, "expanded domain '%.*s' does not end in a valid top label",
                    (int)(n > 80 ? 80 : n), s);
        return MA_ESYNTAX;
    }
    if (canon != NULL)
        *canon = (seen & 1) == 0; /* no byte of class 3 (3 has bit 0; 2 does not) */
    return MA_OK;
}

int ma__spf_expand_domain(ma_buf *out, const ma_ctx *ctx, const char *spec, size_t len,
                          const ma_spf_macro_env *env, ma_errbuf *err)
{
    size_t start, n;
    int rc;

    if (out == NULL) {
        ma__err_clear(err);
        ma__err_set(err, -1, "macro: invalid argument");
        return MA_EINVAL;
    }
    start = out->len;
    rc = ma__spf_macro_expand(out, ctx, spec, len, env, 0, err);
    if (rc == MA_OK)
        rc = ma__buf_reserve(out, 0);   /* data is not NULL from here on */
    if (rc != MA_OK)
        return rc;
    n = out->len - start;
    rc = ma_spf_domain_finish(out->data + start, &n, NULL, err);
    if (rc != MA_OK)
        n = 0;
    out->len = start + n;
    out->data[out->len] = '\0';
    return rc;
}

/* Dotted-quad text of an IPv4 address; returns its length (at most 15). */
static size_t ma_spf_m_quad(const unsigned char *a, char *buf)
{
    size_t n = 0;
    int k;
    for (k = 0; k < 4; k++) {
        unsigned v = a[k];
        if (k)
            buf[n++] = '.';
        if (v >= 100)
            buf[n++] = (char)('0' + v / 100);
        if (v >= 10)
            buf[n++] = (char)('0' + (v / 10) % 10);
        buf[n++] = (char)('0' + v % 10);
    }
    return n;
}

int ma__spf_expand_domain_fast(char *out, size_t cap, size_t *n_out, int *canon_out,
                               const char *spec, size_t len, const ma_spf_macro_env *env,
                               uint64_t limit, ma_errbuf *err)
{
    size_t i = 0, n = 0;

    ma__err_clear(err);
    *n_out = 0;
    if (cap == 0)
        return MA__SPF_SLOW;
    cap--; /* room for the NUL that ma_spf_domain_finish() writes */
    if (limit < cap)
        cap = (size_t)limit;
    while (i < len) {
        const char *v;
        size_t vn;
        char tmp[80];
        if (spec[i] != '%') {
            /* A run of literal bytes, copied as it is scanned. */
            do {
                if (n == cap)
                    return MA__SPF_SLOW; /* the general expander reports the limit */
                out[n++] = spec[i++];
            } while (i < len && spec[i] != '%');
            continue;
        }
        /* Only "%{x}" with a lower-case letter and no transformer. */
        if (i + 3 >= len || spec[i + 1] != '{' || spec[i + 3] != '}')
            return MA__SPF_SLOW;
        switch (spec[i + 2]) {
        case 's':
            v = env->sender;
            vn = env->sender_len;
            break;
        case 'l':
            v = env->local;
            vn = env->local_len;
            break;
        case 'o':
            v = env->sender_domain;
            vn = env->sender_domain_len;
            break;
        case 'd':
            v = env->domain;
            vn = env->domain_len;
            break;
        case 'h':
            v = env->helo;
            vn = env->helo_len;
            break;
        case 'i':
        case 'v': {
            /* As the general expander: a mapped client is its IPv4 self. */
            ma_ip ip;
            if (env->ip == NULL)
                return MA__SPF_SLOW;
            if (!ma_ip_unmap_v4(env->ip, &ip))
                ip = *env->ip;
            if (ip.family != MA_IP_V4 && ip.family != MA_IP_V6)
                return MA__SPF_SLOW;
            if (spec[i + 2] == 'v') {
                v = ip.family == MA_IP_V4 ? "in-addr" : "ip6";
                vn = ip.family == MA_IP_V4 ? 7 : 3;
                break;
            }
            vn = ip.family == MA_IP_V4 ? ma_spf_m_quad(ip.addr, tmp) : ma_spf_m_nibbles(&ip, tmp);
            v = tmp;
            break;
        }
        default:
            return MA__SPF_SLOW;
        }
        if (v == NULL)
            vn = 0;
        i += 4;
        if (vn > cap - n)
            return MA__SPF_SLOW; /* the general expander reports the limit */
        if (vn)
            memcpy(out + n, v, vn);
        n += vn;
    }
    if (ma_spf_domain_finish(out, &n, canon_out, err) != MA_OK)
        return MA_ESYNTAX;
    *n_out = n;
    return MA_OK;
}

/* ------------------------------------------------------ compiled specs */

size_t ma__spf_spec_compile(ma_spf_piece *out, size_t cap, const char *spec, size_t len)
{
    size_t pos = 0, bad = 0, k = 0;
    const char *why = NULL;
    ma_spf_tok t;

    if (spec == NULL || len == 0 || len > MA_SPF_PIECES_SPEC_MAX)
        return 0;
    while (pos < len) {
        ma_spf_piece *p;
        if (k == cap || ma_spf_m_next(spec, len, &pos, 0, &t, &bad, &why) != MA_OK)
            return 0;
        p = &out[k++];
        memset(p, 0, sizeof *p);
        if (t.type == MA_SPF_TOK_LITERAL) {
            size_t i, dot = 0;
            int dots = 0;
            p->off = (uint8_t)t.start;
            p->len = (uint8_t)(t.end - t.start);
            for (i = t.start; i < t.end; i++) {
                unsigned char k2 = ma_spf_fin_class[(unsigned char)spec[i]];
                if (k2 == 3)
                    p->flags |= MA_SPF_PIECE_OTHER;
                if (k2 != 2)
                    continue;
                if (!dots)
                    p->first = (uint8_t)(i - t.start);
                else if (i == dot + 1 || i - dot - 1 > 63)
                    p->flags |= MA_SPF_PIECE_BAD;
                dots = 1;
                dot = i;
            }
            if (dots) {
                p->flags |= MA_SPF_PIECE_DOT;
                p->after = (uint8_t)(dot + 1 - t.start);
            }
            continue;
        }
        if (t.type != MA_SPF_TOK_MACRO || t.upper || t.digits != 0 || t.reverse ||
            t.delims != 0)
            return 0;
        switch (t.letter) {
        case 's': case 'l': case 'o': case 'd': case 'h': case 'i': case 'v':
            p->letter = t.letter;
            break;
        default:
            return 0;   /* p, and the explanation-only letters */
        }
    }
    return k;
}

/*
 * Bytes of a macro's value, for ma__spf_expand_compiled(): 1 a byte
 * canonical names keep (a-z, 0-9, '-', '_'), 2 the dot, 4 any other
 * printable byte (SP included), 8 a byte no name may have (control, DEL,
 * non-ASCII).  The classes of ma_spf_fin_class, as bits.
 */
static const unsigned char ma_spf_val_class[256] = {
    8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 2, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1,
    4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 8,
    8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
};

/* What ma__spf_expand_compiled() has seen (its "seen" bits; the
   MA_SPF_PIECE_* flags of literals are the same bits). */
#define MA_SPF_SEEN_OTHER 4u     /* a byte canonical names do not keep */
#define MA_SPF_SEEN_BAD 8u       /* a bad byte, or a label empty or over 63: finish it the long way */
typedef char ma_spf_seen_bits[MA_SPF_PIECE_OTHER == MA_SPF_SEEN_OTHER &&
                                      MA_SPF_PIECE_BAD == MA_SPF_SEEN_BAD
                                  ? 1
                                  : -1];

/*
 * Copy n bytes (the short pieces of names): up to 16 by a few fixed-size
 * moves, each within the n bytes (overlapping when n is not a power of
 * two), without a call.
 */
static inline void ma_spf_copy(char *d, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n > 0) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/* The decimal digits of each byte value, then their count. */
static const char ma_spf_dec[256][4] = {
    { '0', 0, 0, 1 }, { '1', 0, 0, 1 }, { '2', 0, 0, 1 }, { '3', 0, 0, 1 },
    { '4', 0, 0, 1 }, { '5', 0, 0, 1 }, { '6', 0, 0, 1 }, { '7', 0, 0, 1 },
    { '8', 0, 0, 1 }, { '9', 0, 0, 1 }, { '1', '0', 0, 2 }, { '1', '1', 0, 2 },
    { '1', '2', 0, 2 }, { '1', '3', 0, 2 }, { '1', '4', 0, 2 }, { '1', '5', 0, 2 },
    { '1', '6', 0, 2 }, { '1', '7', 0, 2 }, { '1', '8', 0, 2 }, { '1', '9', 0, 2 },
    { '2', '0', 0, 2 }, { '2', '1', 0, 2 }, { '2', '2', 0, 2 }, { '2', '3', 0, 2 },
    { '2', '4', 0, 2 }, { '2', '5', 0, 2 }, { '2', '6', 0, 2 }, { '2', '7', 0, 2 },
    { '2', '8', 0, 2 }, { '2', '9', 0, 2 }, { '3', '0', 0, 2 }, { '3', '1', 0, 2 },
    { '3', '2', 0, 2 }, { '3', '3', 0, 2 }, { '3', '4', 0, 2 }, { '3', '5', 0, 2 },
    { '3', '6', 0, 2 }, { '3', '7', 0, 2 }, { '3', '8', 0, 2 }, { '3', '9', 0, 2 },
    { '4', '0', 0, 2 }, { '4', '1', 0, 2 }, { '4', '2', 0, 2 }, { '4', '3', 0, 2 },
    { '4', '4', 0, 2 }, { '4', '5', 0, 2 }, { '4', '6', 0, 2 }, { '4', '7', 0, 2 },
    { '4', '8', 0, 2 }, { '4', '9', 0, 2 }, { '5', '0', 0, 2 }, { '5', '1', 0, 2 },
    { '5', '2', 0, 2 }, { '5', '3', 0, 2 }, { '5', '4', 0, 2 }, { '5', '5', 0, 2 },
    { '5', '6', 0, 2 }, { '5', '7', 0, 2 }, { '5', '8', 0, 2 }, { '5', '9', 0, 2 },
    { '6', '0', 0, 2 }, { '6', '1', 0, 2 }, { '6', '2', 0, 2 }, { '6', '3', 0, 2 },
    { '6', '4', 0, 2 }, { '6', '5', 0, 2 }, { '6', '6', 0, 2 }, { '6', '7', 0, 2 },
    { '6', '8', 0, 2 }, { '6', '9', 0, 2 }, { '7', '0', 0, 2 }, { '7', '1', 0, 2 },
    { '7', '2', 0, 2 }, { '7', '3', 0, 2 }, { '7', '4', 0, 2 }, { '7', '5', 0, 2 },
    { '7', '6', 0, 2 }, { '7', '7', 0, 2 }, { '7', '8', 0, 2 }, { '7', '9', 0, 2 },
    { '8', '0', 0, 2 }, { '8', '1', 0, 2 }, { '8', '2', 0, 2 }, { '8', '3', 0, 2 },
    { '8', '4', 0, 2 }, { '8', '5', 0, 2 }, { '8', '6', 0, 2 }, { '8', '7', 0, 2 },
    { '8', '8', 0, 2 }, { '8', '9', 0, 2 }, { '9', '0', 0, 2 }, { '9', '1', 0, 2 },
    { '9', '2', 0, 2 }, { '9', '3', 0, 2 }, { '9', '4', 0, 2 }, { '9', '5', 0, 2 },
    { '9', '6', 0, 2 }, { '9', '7', 0, 2 }, { '9', '8', 0, 2 }, { '9', '9', 0, 2 },
    { '1', '0', '0', 3 }, { '1', '0', '1', 3 }, { '1', '0', '2', 3 }, { '1', '0', '3', 3 },
    { '1', '0', '4', 3 }, { '1', '0', '5', 3 }, { '1', '0', '6', 3 }, { '1', '0', '7', 3 },
    { '1', '0', '8', 3 }, { '1', '0', '9', 3 }, { '1', '1', '0', 3 }, { '1', '1', '1', 3 },
    { '1', '1', '2', 3 }, { '1', '1', '3', 3 }, { '1', '1', '4', 3 }, { '1', '1', '5', 3 },
    { '1', '1', '6', 3 }, { '1', '1', '7', 3 }, { '1', '1', '8', 3 }, { '1', '1', '9', 3 },
    { '1', '2', '0', 3 }, { '1', '2', '1', 3 }, { '1', '2', '2', 3 }, { '1', '2', '3', 3 },
    { '1', '2', '4', 3 }, { '1', '2', '5', 3 }, { '1', '2', '6', 3 }, { '1', '2', '7', 3 },
    { '1', '2', '8', 3 }, { '1', '2', '9', 3 }, { '1', '3', '0', 3 }, { '1', '3', '1', 3 },
    { '1', '3', '2', 3 }, { '1', '3', '3', 3 }, { '1', '3', '4', 3 }, { '1', '3', '5', 3 },
    { '1', '3', '6', 3 }, { '1', '3', '7', 3 }, { '1', '3', '8', 3 }, { '1', '3', '9', 3 },
    { '1', '4', '0', 3 }, { '1', '4', '1', 3 }, { '1', '4', '2', 3 }, { '1', '4', '3', 3 },
    { '1', '4', '4', 3 }, { '1', '4', '5', 3 }, { '1', '4', '6', 3 }, { '1', '4', '7', 3 },
    { '1', '4', '8', 3 }, { '1', '4', '9', 3 }, { '1', '5', '0', 3 }, { '1', '5', '1', 3 },
    { '1', '5', '2', 3 }, { '1', '5', '3', 3 }, { '1', '5', '4', 3 }, { '1', '5', '5', 3 },
    { '1', '5', '6', 3 }, { '1', '5', '7', 3 }, { '1', '5', '8', 3 }, { '1', '5', '9', 3 },
    { '1', '6', '0', 3 }, { '1', '6', '1', 3 }, { '1', '6', '2', 3 }, { '1', '6', '3', 3 },
    { '1', '6', '4', 3 }, { '1', '6', '5', 3 }, { '1', '6', '6', 3 }, { '1', '6', '7', 3 },
    { '1', '6', '8', 3 }, { '1', '6', '9', 3 }, { '1', '7', '0', 3 }, { '1', '7', '1', 3 },
    { '1', '7', '2', 3 }, { '1', '7', '3', 3 }, { '1', '7', '4', 3 }, { '1', '7', '5', 3 },
    { '1', '7', '6', 3 }, { '1', '7', '7', 3 }, { '1', '7', '8', 3 }, { '1', '7', '9', 3 },
    { '1', '8', '0', 3 }, { '1', '8', '1', 3 }, { '1', '8', '2', 3 }, { '1', '8', '3', 3 },
    { '1', '8', '4', 3 }, { '1', '8', '5', 3 }, { '1', '8', '6', 3 }, { '1', '8', '7', 3 },
    { '1', '8', '8', 3 }, { '1', '8', '9', 3 }, { '1', '9', '0', 3 }, { '1', '9', '1', 3 },
    { '1', '9', '2', 3 }, { '1', '9', '3', 3 }, { '1', '9', '4', 3 }, { '1', '9', '5', 3 },
    { '1', '9', '6', 3 }, { '1', '9', '7', 3 }, { '1', '9', '8', 3 }, { '1', '9', '9', 3 },
    { '2', '0', '0', 3 }, { '2', '0', '1', 3 }, { '2', '0', '2', 3 }, { '2', '0', '3', 3 },
    { '2', '0', '4', 3 }, { '2', '0', '5', 3 }, { '2', '0', '6', 3 }, { '2', '0', '7', 3 },
    { '2', '0', '8', 3 }, { '2', '0', '9', 3 }, { '2', '1', '0', 3 }, { '2', '1', '1', 3 },
    { '2', '1', '2', 3 }, { '2', '1', '3', 3 }, { '2', '1', '4', 3 }, { '2', '1', '5', 3 },
    { '2', '1', '6', 3 }, { '2', '1', '7', 3 }, { '2', '1', '8', 3 }, { '2', '1', '9', 3 },
    { '2', '2', '0', 3 }, { '2', '2', '1', 3 }, { '2', '2', '2', 3 }, { '2', '2', '3', 3 },
    { '2', '2', '4', 3 }, { '2', '2', '5', 3 }, { '2', '2', '6', 3 }, { '2', '2', '7', 3 },
    { '2', '2', '8', 3 }, { '2', '2', '9', 3 }, { '2', '3', '0', 3 }, { '2', '3', '1', 3 },
    { '2', '3', '2', 3 }, { '2', '3', '3', 3 }, { '2', '3', '4', 3 }, { '2', '3', '5', 3 },
    { '2', '3', '6', 3 }, { '2', '3', '7', 3 }, { '2', '3', '8', 3 }, { '2', '3', '9', 3 },
    { '2', '4', '0', 3 }, { '2', '4', '1', 3 }, { '2', '4', '2', 3 }, { '2', '4', '3', 3 },
    { '2', '4', '4', 3 }, { '2', '4', '5', 3 }, { '2', '4', '6', 3 }, { '2', '4', '7', 3 },
    { '2', '4', '8', 3 }, { '2', '4', '9', 3 }, { '2', '5', '0', 3 }, { '2', '5', '1', 3 },
    { '2', '5', '2', 3 }, { '2', '5', '3', 3 }, { '2', '5', '4', 3 }, { '2', '5', '5', 3 },
};

/* Decimal digits of v at p, which has room for 4 bytes; returns the end. */
static char *ma_spf_put_dec(char *p, unsigned char v)
{
    memcpy(p, ma_spf_dec[v], 4);
    return p + ma_spf_dec[v][3];
}

int ma__spf_expand_compiled(char *out, size_t cap, size_t *n_out, int *canon_out,
                            const char *spec, const ma_spf_piece *pieces, size_t npieces,
                            const ma_spf_macro_env *env, uint64_t limit, ma_errbuf *err)
{
    /* n: bytes written; lstart: where the label being written began. */
    size_t n = 0, lstart = 0, k;
    /* top: the output length when the last label written is known to be a
       toplabel (the last one of a known domain), else SIZE_MAX. */
    size_t top = SIZE_MAX;
    unsigned int seen = 0;

    if (err != NULL) {
        /* ma__err_clear(err), without the call */
        err->text[0] = '\0';
        err->offset = -1;
    }
    *n_out = 0;
    if (cap == 0)
        return MA__SPF_SLOW;
    cap--; /* room for the NUL at the end */
    if (limit < cap)
        cap = (size_t)limit;
    for (k = 0; k < npieces; k++) {
        const ma_spf_piece *p = &pieces[k];
        const unsigned char *v;
        size_t vn, i;
        char tmp[80];

        switch (p->letter) {
        case 0:
            vn = p->len;
            if (vn > cap - n)
                return MA__SPF_SLOW; /* the general expander reports the limit */
            ma_spf_copy(out + n, spec + p->off, vn);
            if (p->flags & MA_SPF_PIECE_DOT) {
                size_t first = n + p->first - lstart;
                if (first == 0 || first > 63)
                    seen |= MA_SPF_SEEN_BAD;
                lstart = n + p->after;
            }
            seen |= p->flags; /* MA_SPF_PIECE_OTHER and _BAD are seen bits */
            n += vn;
            continue;
        case 'i':
        case 'v': {
            /* As the general expander: a mapped client is its IPv4 self. */
            const ma_ip *ipp = env->ip;
            ma_ip ip;
            if (ipp == NULL)
                return MA__SPF_SLOW;
            if (ipp->family != MA_IP_V4) {
                if (ma_ip_unmap_v4(ipp, &ip))
                    ipp = &ip;
                else if (ipp->family != MA_IP_V6)
                    return MA__SPF_SLOW;
            }
            if (p->letter == 'v') {
                /* One label of canonical bytes. */
                v = (const unsigned char *)(ipp->family == MA_IP_V4 ? "in-addr" : "ip6");
                vn = ipp->family == MA_IP_V4 ? 7 : 3;
                if (vn > cap - n)
                    return MA__SPF_SLOW;
                memcpy(out + n, v, vn);
                n += vn;
                continue;
            }
            if (ipp->family == MA_IP_V4) {
                /* Four labels of 1-3 digits. */
                char *w, *end;
                size_t first;
                w = ma_spf_put_dec(tmp, ipp->addr[0]);
                first = (size_t)(w - tmp);
                *w++ = '.';
                w = ma_spf_put_dec(w, ipp->addr[1]);
                *w++ = '.';
                w = ma_spf_put_dec(w, ipp->addr[2]);
                *w++ = '.';
                end = ma_spf_put_dec(w, ipp->addr[3]);
                vn = (size_t)(end - tmp);
                if (vn > cap - n)
                    return MA__SPF_SLOW;
                ma_spf_copy(out + n, tmp, vn);
                if (n + first - lstart > 63)
                    seen |= MA_SPF_SEEN_BAD;
                lstart = n + (size_t)(w - tmp);
                n += vn;
                continue;
            }
            /* 32 labels of one hex digit. */
            vn = ma_spf_m_nibbles(ipp, tmp);
            if (vn > cap - n)
                return MA__SPF_SLOW;
            memcpy(out + n, tmp, vn);
            if (n + 1 - lstart > 63)
                seen |= MA_SPF_SEEN_BAD;
            lstart = n + vn - 1;
            n += vn;
            continue;
        }
        case 's':
            v = (const unsigned char *)env->sender;
            vn = env->sender_len;
            break;
        case 'l':
            v = (const unsigned char *)env->local;
            vn = env->local_len;
            break;
        case 'o':
            v = (const unsigned char *)env->sender_domain;
            vn = env->sender_domain_len;
            break;
        case 'd':
            v = (const unsigned char *)env->domain;
            vn = env->domain_len;
            if (v != NULL && vn != 0 && env->domain_canon == 2) {
                /* All its labels known. */
                if (vn > cap - n)
                    return MA__SPF_SLOW;
                ma_spf_copy(out + n, (const char *)v, vn);
                if (n + env->domain_first - lstart > 63)
                    seen |= MA_SPF_SEEN_BAD;
                lstart = n + env->domain_last;
                n += vn;
                if (env->domain_top)
                    top = n;
                continue;
            }
            if (v != NULL && vn != 0 && env->domain_canon) {
                /* Labels of 1-63 canonical bytes: only the first and the
                   last meet other pieces. */
                size_t first = 0, last = vn;
                if (vn > cap - n)
                    return MA__SPF_SLOW;
                memcpy(out + n, v, vn);
                while (first < vn && v[first] != '.')
                    first++;
                if (first < vn) {
                    while (v[last - 1] != '.')
                        last--;
                    if (n + first - lstart > 63)
                        seen |= MA_SPF_SEEN_BAD;
                    lstart = n + last;
                }
                n += vn;
                continue;
            }
            break;
        case 'h':
            v = (const unsigned char *)env->helo;
            vn = env->helo_len;
            break;
        default:
            return MA__SPF_SLOW; /* not reached: ma__spf_spec_compile() took no other */
        }
        /* Any other value: byte by byte. */
        if (v == NULL)
            vn = 0;
        if (vn > cap - n)
            return MA__SPF_SLOW; /* the general expander reports the limit */
        ma_spf_copy(out + n, (const char *)v, vn);
        for (i = 0; i < vn; i++) {
            unsigned int c = ma_spf_val_class[v[i]];
            seen |= c;
            if (c == 2) {
                if (n + i == lstart || n + i - lstart > 63)
                    seen |= MA_SPF_SEEN_BAD;
                lstart = n + i + 1;
            }
        }
        n += vn;
    }
    /* The name as it stands is valid (no dot to remove, short enough,
       labels of 1-63, a toplabel last): what ma_spf_domain_finish() would
       find.  Anything else, it works out (and words the error). */
    if (!(seen & MA_SPF_SEEN_BAD) && n <= 253 && lstart < n && n - lstart <= 63 &&
        (top == n || ma_spf_toplabel((const unsigned char *)out + lstart, n - lstart))) {
        out[n] = '\0';
        *canon_out = (seen & MA_SPF_SEEN_OTHER) == 0;
        *n_out = n;
        return MA_OK;
    }
    if (ma_spf_domain_finish(out, &n, canon_out, err) != MA_OK)
        return MA_ESYNTAX;
    *n_out = n;
    return MA_OK;
}

int ma__spf_expand_domain_plain(char *out, size_t cap, size_t *n_out, const char *spec,
                                size_t len, const ma_spf_macro_env *env, uint64_t limit,
                                ma_errbuf *err)
{
    int canon;
    return ma__spf_expand_domain_fast(out, cap, n_out, &canon, spec, len, env, limit, err);
}
