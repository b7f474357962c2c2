/*
 * DMARC policy records: RFC 9989 (DMARCbis; final draft text
 * draft-ietf-dmarc-dmarcbis-41) by default, RFC 7489 as an option.
 *
 * Decisions where the texts leave room (sections cited):
 * - Tag-list: the RFC 6376 3.2 syntax both RFCs refer to (7489 6.3, 9989
 *   4.7), through ma__taglist_parse; empty tag-specs (";;") are tolerated
 *   because published records have them.  A malformed tag-list is fatal:
 *   without it the tags cannot even be told apart.
 * - Case: ABNF literal strings are case-insensitive (RFC 5234 2.3) and
 *   9989 4.8 uses RFC 7405's %s for "DMARC1" alone, so tag names and
 *   keyword values (none, r, y, afrf, fo letters, size units) compare
 *   ASCII case-insensitively, "DMARC1" case-sensitively.  Consequently
 *   "p=none; P=reject" is a duplicate tag, which RFC 6376 3.2 makes fatal.
 * - v= must be the first tag, exactly "DMARC1" (7489 6.3, 9989 4.7).
 *   Whitespace before it is tolerated; a ';' is not.
 * - Errors in the rest of the record are "discarded in favor of default
 *   values (if any) or ignored outright" (7489 6.3: SHOULD; 9989 4.8:
 *   MUST): an invalid tag value is dropped and reported as an issue.
 *   p=, sp= (and, 9989, np=) follow the special rule of 7489 6.6.3 step 6
 *   and 9989 4.10.1: when invalid, a record whose rua= has at least one
 *   syntactically valid URI is read as if it said "p=none" (sp and np
 *   then follow p), otherwise no DMARC processing applies (fatal here).
 * - p= absent: 7489 makes p REQUIRED (6.3) and 6.6.3 step 6 covers a
 *   record that "does not contain a valid p tag", so the rua rule above
 *   applies; 9989 4.7 says an otherwise valid record without p "is
 *   treated as if it included p=none", whatever rua says.
 * - 7489 6.3/6.4 also want p= second; a record with p= elsewhere is
 *   accepted (with an issue) rather than downgraded, so that a
 *   misplaced p=reject is not turned into p=none.
 * - Tags of the other RFC are unknown tags for the selected one and "MUST
 *   be ignored" (7489 6.3, 9989 4.7; 9989 C.5 lists pct, rf, ri as
 *   removed, np, psd, t as added): they are reported, never validated.
 * - URIs (rua=, ruf=): 7489 6.2 and 6.4, 9989 4.6 and 4.8.  A list is
 *   split at ',' with whitespace around; each entry is a URI (RFC 3986
 *   section 3 generic syntax, ASCII only, with ',' '!' ';' and whitespace
 *   excluded since they "MUST be encoded") and an optional "!" size.  A
 *   mailto: URI must name an address (RFC 6068 2: something@something
 *   before any '?'): a report needs a destination.  A bad entry is
 *   dropped on its own, as a syntax error "ignored outright"; the others
 *   stay, and only they count as "syntactically valid reporting URIs" for
 *   the p= fallback.  The size's number must fit in 64 bits (7489 6.4);
 *   units are powers of two.  9989 4.8 keeps the size only as obsolete
 *   syntax that reporters ignore: it is parsed, then dropped.
 * - fo=: 7489 6.4 allows any sequence of 0, 1, d, s; 9989 4.8 makes 0
 *   and 1 mutually exclusive and each value appear at most once.
 *   Whitespace around ':' is allowed in both (7489's ABNF has it).
 * - rf=: a colon list of RFC 5321 Keywords; values outside the registry
 *   (only "afrf", 7489 6.3) "SHOULD" be ignored: they are, and an rf=
 *   left with no known format is discarded (default afrf).
 * - ri=: 1*DIGIT whose value must fit 32 bits (7489 6.3); pct=: 1*3DIGIT
 *   from 0 to 100.
 *
 * One pass reads the tag-list (the RFC 6376 3.2 syntax of
 * ma__taglist_parse, same errors) and what the tags mean; a second look at
 * a value happens only inside it (a URI, a colon list).  Work is linear in
 * the input.  The one allocation is the record's memory: the copy of the
 * text with the URI lists in front of it, sized once the lists are known
 * (a list longer than the parser's own room, when MA_LIMIT_DMARC_URIS is
 * raised, and a record with very many unknown tags borrow heap memory
 * while parsing).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "core/tl_scan.h"
#include "dmarc/record_int.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define MA_DMARC_SSE2 1
#endif

/* ------------------------------------------------------------------ names */

/* Indexed by ma_dmarc_tag. */
static const char *const dmarc_tag_names[MA_DMARC_TAG_COUNT] = {
    "", "v", "p", "sp", "np", "adkim", "aspf", "pct", "t", "psd", "fo", "rf", "ri", "rua", "ruf"
};

#define IN_9989 1u
#define IN_7489 2u
#define IN_BOTH (IN_9989 | IN_7489)

/* Which RFC has which tag, indexed by ma_dmarc_tag. */
static const unsigned char dmarc_tag_modes[MA_DMARC_TAG_COUNT] = {
    0, IN_BOTH, IN_BOTH, IN_BOTH, IN_9989, IN_BOTH, IN_BOTH, IN_7489, IN_9989, IN_9989,
    IN_BOTH, IN_7489, IN_7489, IN_BOTH, IN_BOTH
};

const char *ma__dmarc_tag_name(ma_dmarc_tag tag)
{
    if ((unsigned)tag >= MA_DMARC_TAG_COUNT)
        return NULL;
    return dmarc_tag_names[tag];
}

const char *ma__dmarc_rec_reason_str(ma_dmarc_rec_reason reason)
{
    switch (reason) {
    case MA_DMARC_REC_OK:
        return "no error";
    case MA_DMARC_REC_SYNTAX:
        return "malformed tag-list";
    case MA_DMARC_REC_LIMIT:
        return "record exceeds a limit";
    case MA_DMARC_REC_VERSION:
        return "not a DMARC1 record";
    case MA_DMARC_REC_NO_POLICY:
        return "no p= tag and no valid rua= URI";
    case MA_DMARC_REC_BAD_POLICY:
        return "invalid policy and no valid rua= URI";
    case MA_DMARC_REC_BAD_VALUE:
        return "invalid tag value ignored";
    case MA_DMARC_REC_BAD_URI:
        return "invalid reporting URI ignored";
    case MA_DMARC_REC_URI_LENGTH:
        return "reporting URI too long, ignored";
    case MA_DMARC_REC_URI_COUNT:
        return "too many reporting URIs, the rest ignored";
    case MA_DMARC_REC_UNKNOWN_FORMAT:
        return "unregistered report format ignored";
    case MA_DMARC_REC_P_ORDER:
        return "p= is not the second tag";
    case MA_DMARC_REC_POLICY_FALLBACK:
        return "invalid or missing policy, treated as p=none";
    case MA_DMARC_REC_NOT_IN_MODE:
        return "not part of the selected DMARC specification, ignored";
    }
    return "unknown reason";
}

static const char *const dmarc_policy_names[] = { "", "none", "quarantine", "reject" };

const char *ma__dmarc_policy_str(ma_dmarc_policy p)
{
    if ((unsigned)p > MA_DMARC_POLICY_REJECT)
        return NULL;
    return dmarc_policy_names[p];
}

/* ---------------------------------------------------------------- helpers */

static bool dmarc_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim whitespace (the tag-list syntax has checked any CRLF is FWS). */
static void dmarc_trim(const char **s, size_t *len)
{
    while (*len > 0 && dmarc_is_space((unsigned char)(*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && dmarc_is_space((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* A one-letter value ('y', 'n'...: a lower-case letter), ASCII
   case-insensitively. */
static bool dmarc_letter_is(const char *s, size_t n, char w)
{
    return n == 1 && ((unsigned char)s[0] | 0x20) == (unsigned char)w;
}

static bool dmarc_is_hex(int c)
{
    return ma__is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

/*
 * Up to 8 bytes s[0..n) as one number (byte i in bits 8i..8i+7), each
 * ORed with 0x20; the bytes from lo to end (s..s+n among them) may be
 * read.  For a word w of lower-case letters, the key of s equals
 * DMARC_Kn(w) exactly when s equals w ASCII case-insensitively:
 * (c | 0x20) is a given lower-case letter only for that letter and its
 * upper case.  Keys of different lengths differ (every byte of a key is
 * nonzero).
 */
static inline uint64_t dmarc_key(const char *s, size_t n, const char *lo, const char *end)
{
    uint64_t k = 0;
    size_t i;
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t mask = n >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * n)) - 1;
    if (end - s >= 8) {
        memcpy(&k, s, 8);
        return (k | UINT64_C(0x2020202020202020)) & mask;
    }
    if (end - lo >= 8) {
        /* the 8 bytes that end the input, s's first */
        memcpy(&k, end - 8, 8);
        k >>= 8 * (size_t)(8 - (end - s));
        return (k | UINT64_C(0x2020202020202020)) & mask;
    }
#else
    (void)lo;
    (void)end;
#endif
    for (i = 0; i < n && i < 8; i++)
        k |= (uint64_t)((unsigned char)s[i] | 0x20) << (8 * i);
    return k;
}

#define DMARC_K2(a, b) ((uint64_t)(a) | ((uint64_t)(b) << 8))
#define DMARC_K3(a, b, c) (DMARC_K2(a, b) | ((uint64_t)(c) << 16))
#define DMARC_K4(a, b, c, d) (DMARC_K3(a, b, c) | ((uint64_t)(d) << 24))
#define DMARC_K5(a, b, c, d, e) (DMARC_K4(a, b, c, d) | ((uint64_t)(e) << 32))
#define DMARC_K6(a, b, c, d, e, f) (DMARC_K5(a, b, c, d, e) | ((uint64_t)(f) << 40))
#define DMARC_K8(a, b, c, d, e, f, g, h) \
    (DMARC_K6(a, b, c, d, e, f) | ((uint64_t)(g) << 48) | ((uint64_t)(h) << 56))

/* The tag a name stands for (ASCII case-insensitively), MA_DMARC_TAG_NONE
   for the unknown. */
static ma_dmarc_tag dmarc_tag_lookup(const char *name, size_t len, const char *lo,
                                     const char *end)
{
    if (len > 5)
        return MA_DMARC_TAG_NONE;
    switch (dmarc_key(name, len, lo, end)) {
    case 'v':
        return MA_DMARC_TAG_V;
    case 'p':
        return MA_DMARC_TAG_P;
    case 't':
        return MA_DMARC_TAG_T;
    case DMARC_K2('s', 'p'):
        return MA_DMARC_TAG_SP;
    case DMARC_K2('n', 'p'):
        return MA_DMARC_TAG_NP;
    case DMARC_K2('f', 'o'):
        return MA_DMARC_TAG_FO;
    case DMARC_K2('r', 'f'):
        return MA_DMARC_TAG_RF;
    case DMARC_K2('r', 'i'):
        return MA_DMARC_TAG_RI;
    case DMARC_K3('p', 'c', 't'):
        return MA_DMARC_TAG_PCT;
    case DMARC_K3('p', 's', 'd'):
        return MA_DMARC_TAG_PSD;
    case DMARC_K3('r', 'u', 'a'):
        return MA_DMARC_TAG_RUA;
    case DMARC_K3('r', 'u', 'f'):
        return MA_DMARC_TAG_RUF;
    case DMARC_K4('a', 's', 'p', 'f'):
        return MA_DMARC_TAG_ASPF;
    case DMARC_K5('a', 'd', 'k', 'i', 'm'):
        return MA_DMARC_TAG_ADKIM;
    default:
        return MA_DMARC_TAG_NONE;
    }
}

static unsigned int dmarc_mode_bit(ma_dmarc_mode mode)
{
    return mode == MA_DMARC_MODE_7489 ? IN_7489 : IN_9989;
}

static void dmarc_perr_clear(ma_dmarc_perr *err)
{
    err->reason = MA_DMARC_REC_OK;
    err->tag[0] = '\0';
    err->e.text[0] = '\0';
    err->e.offset = -1;
}

static void dmarc_perr_tag(ma_dmarc_perr *err, const char *name, size_t len)
{
    if (len >= sizeof err->tag)
        len = 0;   /* a name that does not fit is no help */
    if (len)
        memcpy(err->tag, name, len);
    err->tag[len] = '\0';
}

/*
 * After a tag-list error at off: the name of the tag whose tag-spec holds
 * off, when that spec starts with a name and '='.  A ';' never occurs
 * inside a tag-spec, so the spec starts after the last ';' before off.
 */
static void dmarc_perr_tag_at(ma_dmarc_perr *err, const char *s, size_t len, int64_t off)
{
    size_t i, start, n;

    err->tag[0] = '\0';
    if (off < 0)
        return;
    i = (uint64_t)off > len ? len : (size_t)off;
    while (i > 0 && s[i - 1] != ';')
        i--;
    while (i < len && dmarc_is_space((unsigned char)s[i]))
        i++;
    start = i;
    while (i < len && (ma__is_alpha((unsigned char)s[i]) || ma__is_digit((unsigned char)s[i])
                       || s[i] == '_'))
        i++;
    n = i - start;
    if (n == 0 || !ma__is_alpha((unsigned char)s[start]))
        return;
    while (i < len && dmarc_is_space((unsigned char)s[i]))
        i++;
    if (i < len && s[i] == '=')
        dmarc_perr_tag(err, s + start, n);
}

static void dmarc_issue(ma_dmarc_record *rec, ma_dmarc_rec_reason reason, ma_dmarc_tag tag,
                        size_t off)
{
    if (reason != MA_DMARC_REC_NOT_IN_MODE && rec->nerrors++ == 0) {
        rec->first_error.reason = reason;
        rec->first_error.tag = tag;
        rec->first_error.offset = off;
    }
    if (rec->nissues == MA_DMARC_MAX_ISSUES) {
        rec->issues_dropped = 1;
        return;
    }
    rec->issues[rec->nissues].reason = reason;
    rec->issues[rec->nissues].tag = tag;
    rec->issues[rec->nissues].offset = off;
    rec->nissues++;
}

/* ------------------------------------------------------------ tag values */

static ma_dmarc_policy dmarc_parse_policy(const char *v, size_t n, const char *lo,
                                          const char *end)
{
    switch (n) {
    case 4:
        return dmarc_key(v, 4, lo, end) == DMARC_K4('n', 'o', 'n', 'e') ? MA_DMARC_POLICY_NONE
                                                                     : MA_DMARC_POLICY_UNSET;
    case 6:
        return dmarc_key(v, 6, lo, end) == DMARC_K6('r', 'e', 'j', 'e', 'c', 't')
                   ? MA_DMARC_POLICY_REJECT
                   : MA_DMARC_POLICY_UNSET;
    case 10:
        return dmarc_key(v, 8, lo, end) == DMARC_K8('q', 'u', 'a', 'r', 'a', 'n', 't', 'i')
                       && dmarc_key(v + 8, 2, lo, end) == DMARC_K2('n', 'e')
                   ? MA_DMARC_POLICY_QUARANTINE
                   : MA_DMARC_POLICY_UNSET;
    default:
        return MA_DMARC_POLICY_UNSET;
    }
}

static ma_dmarc_align dmarc_parse_align(const char *v, size_t n)
{
    if (dmarc_letter_is(v, n, 'r'))
        return MA_DMARC_ALIGN_RELAXED;
    if (dmarc_letter_is(v, n, 's'))
        return MA_DMARC_ALIGN_STRICT;
    return MA_DMARC_ALIGN_UNSET;
}

/* 1*DIGIT up to max; false when not digits or above max. */
static bool dmarc_parse_uint(const char *v, size_t n, size_t max_digits, uint64_t max,
                             uint64_t *out)
{
    uint64_t x = 0;
    size_t i;

    if (n == 0 || n > max_digits)
        return false;
    for (i = 0; i < n; i++) {
        unsigned d;
        if (!ma__is_digit((unsigned char)v[i]))
            return false;
        d = (unsigned)(v[i] - '0');
        if (x > (max - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

/* Next item of a colon list (whitespace around items trimmed); false at the end. */
static bool dmarc_next_item(const char *v, size_t n, size_t *pos, const char **item,
                            size_t *item_len, bool *last)
{
    size_t start = *pos, i = *pos;

    if (start > n)
        return false;
    while (i < n && v[i] != ':')
        i++;
    *item = v + start;
    *item_len = i - start;
    dmarc_trim(item, item_len);
    *last = (i >= n);
    *pos = i + 1;
    return true;
}

/* fo=: colon list of 0, 1, d, s (case-insensitive); 0 when invalid. */
static unsigned int dmarc_parse_fo(const char *v, size_t n, ma_dmarc_mode mode)
{
    unsigned int fo = 0, bit;
    size_t pos = 0, ilen;
    const char *item;
    bool last = false;

    if (n == 0)
        return 0;
    while (!last && dmarc_next_item(v, n, &pos, &item, &ilen, &last)) {
        if (ilen != 1)
            return 0;
        switch (ma__lower((unsigned char)item[0])) {
        case '0':
            bit = MA_DMARC_FO_0;
            break;
        case '1':
            bit = MA_DMARC_FO_1;
            break;
        case 'd':
            bit = MA_DMARC_FO_D;
            break;
        case 's':
            bit = MA_DMARC_FO_S;
            break;
        default:
            return 0;
        }
        /* 9989 4.8: "0" and "1" are mutually exclusive, each value at
           most once; 7489 6.4 allows any sequence. */
        if (mode == MA_DMARC_MODE_9989 && (fo & bit))
            return 0;
        fo |= bit;
    }
    if (mode == MA_DMARC_MODE_9989 && (fo & MA_DMARC_FO_0) && (fo & MA_DMARC_FO_1))
        return 0;
    return fo;
}

/* RFC 5321 4.1.2 Keyword = Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig. */
static bool dmarc_is_keyword(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || s[n - 1] == '-')
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!ma__is_alpha(c) && !ma__is_digit(c) && c != '-')
            return false;
    }
    return true;
}

/* rf=: returns false on a syntax error; *known gets the registered formats,
   *unknown whether others were listed. */
static bool dmarc_parse_rf(const char *v, size_t n, unsigned int *known, bool *unknown)
{
    size_t pos = 0, ilen;
    const char *item;
    bool last = false;

    *known = 0;
    *unknown = false;
    if (n == 0)
        return false;
    while (!last && dmarc_next_item(v, n, &pos, &item, &ilen, &last)) {
        if (!dmarc_is_keyword(item, ilen))
            return false;
        if (ilen == 4 && dmarc_key(item, 4, item, item + 4) == DMARC_K4('a', 'f', 'r', 'f'))
            *known |= MA_DMARC_RF_AFRF;
        else
            *unknown = true;
    }
    return true;
}

/* ------------------------------------------------------------------ URIs */

/*
 * Bytes of a DMARC URI after its scheme: 1 for the plain ones (ALPHA,
 * DIGIT, unreserved "-._~", the sub-delims but "!", ",", ";", and ":/"),
 * 2 for those that need a look ('%', '#', '[', ']', '@', '?'), 0 for the
 * rest.
 */
static const unsigned char dmarc_uri_class[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,
    [')'] = 1, ['*'] = 1, ['+'] = 1, ['='] = 1, [':'] = 1, ['/'] = 1,
    ['%'] = 2, ['#'] = 2, ['['] = 2, [']'] = 2, ['@'] = 2, ['?'] = 2,
};

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1) */
static bool dmarc_scheme_char(unsigned char c)
{
    return ma__is_alpha(c) || ma__is_digit(c) || c == '+' || c == '-' || c == '.';
}

/*
 * One pass: the scheme, then every byte by class; '[' and ']' only inside
 * a "//" authority (RFC 3986 3.2.2, whose end is found when one is met);
 * a mailto: URI (RFC 6068 2) needs an address, "x@y", before any '?' or
 * '#': its first '@' must be neither the first nor the last byte there.
 */
int ma__dmarc_uri_valid(const char *uri, size_t len)
{
    const unsigned char *s = (const unsigned char *)uri;
    size_t i, scheme_len, to_end = SIZE_MAX, at = SIZE_MAX;
    bool fragment = false;

    if (uri == NULL || len == 0 || len > MA_DMARC_MAX_URI_LEN)
        return 0;
    if (!ma__is_alpha(s[0]))
        return 0;
    for (i = 1; i < len && s[i] != ':'; i++)
        if (!dmarc_scheme_char(s[i]))
            return 0;
    if (i >= len)
        return 0;
    scheme_len = i;
    i++;
    if (i == len)
        return 0;   /* nothing after the scheme: no destination */
    for (;;) {
        unsigned char c;
        /* four plain bytes a step: the AND of four classes is 1 only
           when each is 1 */
        while (len - i >= 4
               && (dmarc_uri_class[s[i]] & dmarc_uri_class[s[i + 1]] & dmarc_uri_class[s[i + 2]]
                   & dmarc_uri_class[s[i + 3]])
                      == 1)
            i += 4;
        while (i < len && dmarc_uri_class[s[i]] == 1)
            i++;
        if (i >= len)
            break;
        c = s[i];
        switch (c) {
        case '%':
            if (len - i < 3 || !dmarc_is_hex(s[i + 1]) || !dmarc_is_hex(s[i + 2]))
                return 0;
            i += 3;
            break;
        case '#':
            if (fragment)
                return 0;
            fragment = true;
            /* fall through */
        case '?':
            if (to_end == SIZE_MAX)
                to_end = i;
            i++;
            break;
        case '@':
            if (at == SIZE_MAX && to_end == SIZE_MAX)
                at = i;
            i++;
            break;
        case '[':
        case ']': {
            /* inside the authority: after "//" right behind the scheme, and
               before the '/', '?' or '#' that ends it */
            size_t a = scheme_len + 1, k;
            if (len - a < 2 || s[a] != '/' || s[a + 1] != '/')
                return 0;
            for (k = a + 2; k < i; k++)
                if (s[k] == '/' || s[k] == '?' || s[k] == '#')
                    return 0;
            i++;
            break;
        }
        default:
            return 0;
        }
    }
    if (scheme_len == 6
        && dmarc_key(uri, 6, uri, uri + len) == DMARC_K6('m', 'a', 'i', 'l', 't', 'o')) {
        size_t to = scheme_len + 1;
        if (to_end == SIZE_MAX)
            to_end = len;
        if (at == SIZE_MAX || at == to || at == to_end - 1)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ parse */

void ma__dmarc_record_init(ma_dmarc_record *rec, ma_dmarc_mode mode)
{
    if (rec == NULL)
        return;
#ifdef MA_DMARC_SSE2
    {
        /* 16-byte stores: compilers turn a small memset into "rep stos",
           whose start-up costs more than the stores (every parse and every
           free clears a record) */
        const __m128i z = _mm_setzero_si128();
        char *p = (char *)rec;
        size_t i;
#pragma GCC unroll 16
        for (i = 0; i + 16 <= offsetof(ma_dmarc_record, issues); i += 16) {
            _mm_storeu_si128((__m128i *)(void *)(p + i), z);
            __asm__("" : : "r"(p) : "memory");   /* kept as stores, not a memset */
        }
        memset(p + i, 0, offsetof(ma_dmarc_record, issues) - i);
    }
#else
    memset(rec, 0, offsetof(ma_dmarc_record, issues));
#endif
    rec->mode = mode;
}

void ma__dmarc_record_free(ma_dmarc_record *rec, const ma_ctx *ctx)
{
    ma_dmarc_mode mode;
    if (rec == NULL)
        return;
    mode = rec->mode;
    /* A parsed record's text and URI lists are one block; a tool's record
       borrows everything. */
    if (ctx != NULL && rec->mem != NULL)
        ma__free(ctx, rec->mem);
    ma__dmarc_record_init(rec, mode);
}

/* URIs kept in the parser itself before they spill to the heap. */
#define DMARC_URIS_LOCAL 8

/* A rua= or ruf= list being read. */
typedef struct dmarc_ulist {
    ma_dmarc_uri *v;           /* local, or heap once it outgrew it */
    size_t n, cap;
    ma_dmarc_uri local[DMARC_URIS_LOCAL];
} dmarc_ulist;

/* A tag name (for the duplicate check). */
typedef struct dmarc_name {
    const char *s;
    size_t n;
} dmarc_name;

/* Slots of the name table kept in the parser (half may be used). */
#define DMARC_NAMES_LOCAL 32

/* The state of p=, sp=, np= while parsing. */
typedef struct dmarc_pol_state {
    bool present;
    bool valid;
    size_t off;   /* of the value */
} dmarc_pol_state;

/* A fatal DMARC error found while the tag-list is still being read: it is
   reported only if the rest of the list is well-formed. */
enum {
    DMARC_SEM_NONE = 0,
    DMARC_SEM_NOT_V,     /* the first tag is not v= */
    DMARC_SEM_FATAL      /* sem_* below say what */
};

typedef struct dmarc_parser {
    const ma_ctx *ctx;
    ma_dmarc_record *rec;
    const char *s;                /* the caller's text: spans point here until the end */
    size_t len;
    unsigned int here;            /* IN_9989 or IN_7489 */
    size_t ntags;
    size_t first_semi;            /* a ';' before the first tag, or SIZE_MAX */
    dmarc_ulist uris[2];          /* rua, ruf */
    dmarc_pol_state pol[3];       /* p, sp, np */
    bool bad_policy;              /* one of them is invalid */
    /* the duplicate check (RFC 6376 3.2, names compared exactly): the
       first spelling of every known tag, and a hash set of the others */
    unsigned int known_set;       /* bit kt: known[kt] is set */
    const char *known[MA_DMARC_TAG_COUNT];
    dmarc_name *names;
    size_t names_mask, nnames;
    dmarc_name names_local[DMARC_NAMES_LOCAL];
    int names_oom;                /* the name set could not grow */
    int uris_oom;                 /* a URI list could not grow */
    /* the first exact duplicate: a tag-list error */
    bool dup;
    size_t dup_off;
    const char *dup_name;
    size_t dup_len;
    /* a fatal DMARC error, see above */
    int sem;
    bool sem_v_later;             /* NOT_V: a later tag is v= (at sem_off) */
    ma_dmarc_rec_reason sem_reason;
    const char *sem_tag;          /* the name to report */
    size_t sem_tag_len;
    size_t sem_off;
    const char *sem_text;         /* NULL: a duplicate of sem_dup */
    ma_dmarc_tag sem_dup;
} dmarc_parser;

static void dmarc_sem_fatal(dmarc_parser *P, ma_dmarc_rec_reason reason, const char *tag,
                            size_t tag_len, size_t off, const char *text)
{
    P->sem = DMARC_SEM_FATAL;
    P->sem_reason = reason;
    P->sem_tag = tag;
    P->sem_tag_len = tag_len;
    P->sem_off = off;
    P->sem_text = text;
}

/* FNV-1a of a tag name. */
static size_t dmarc_name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Whether name was in the set; adds it when not.  Sets P->names_oom (and says
   "not seen") when the set cannot grow. */
static bool dmarc_name_seen(dmarc_parser *P, const char *s, size_t n)
{
    size_t h, slots;

    if (P->names == NULL) {
        memset(P->names_local, 0, sizeof P->names_local);
        P->names = P->names_local;
        P->names_mask = DMARC_NAMES_LOCAL - 1;
    }
    for (h = dmarc_name_hash(s, n) & P->names_mask; P->names[h].s != NULL;
         h = (h + 1) & P->names_mask)
        if (P->names[h].n == n && memcmp(P->names[h].s, s, n) == 0)
            return true;
    slots = P->names_mask + 1;
    if ((P->nnames + 1) * 2 > slots) {
        /* grow: twice the slots, everything hashed again */
        dmarc_name *nt;
        size_t i, k, nslots = slots * 2;
        if (nslots < slots || nslots > SIZE_MAX / sizeof *nt) {
            P->names_oom = 1;
            return false;
        }
        nt = ma__calloc(P->ctx, nslots, sizeof *nt);
        if (nt == NULL) {
            P->names_oom = 1;
            return false;
        }
        for (i = 0; i < slots; i++) {
            if (P->names[i].s == NULL)
                continue;
            for (k = dmarc_name_hash(P->names[i].s, P->names[i].n) & (nslots - 1);
                 nt[k].s != NULL; k = (k + 1) & (nslots - 1))
                ;
            nt[k] = P->names[i];
        }
        if (P->names != P->names_local)
            ma__free(P->ctx, P->names);
        P->names = nt;
        P->names_mask = nslots - 1;
        for (h = dmarc_name_hash(s, n) & P->names_mask; P->names[h].s != NULL;
             h = (h + 1) & P->names_mask)
            ;
    }
    P->names[h].s = s;
    P->names[h].n = n;
    P->nnames++;
    return false;
}

/* Store a URI, or report why not.  Returns false when the list is full. */
static bool dmarc_add_uri(dmarc_parser *P, ma_dmarc_tag tag, const char *e, size_t elen,
                          bool *full_reported)
{
    ma_dmarc_record *rec = P->rec;
    dmarc_ulist *L = &P->uris[tag == MA_DMARC_TAG_RUA ? 0 : 1];
    const char *bang;
    size_t ulen, off = (size_t)(e - P->s);
    ma_dmarc_uri *u;
    uint64_t num = 0;
    char unit = 0;
    bool has_size = false;

    if (elen == 0) {
        dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, off);
        return true;
    }
    bang = memchr(e, '!', elen);
    ulen = bang ? (size_t)(bang - e) : elen;
    if (ulen > MA_DMARC_MAX_URI_LEN) {
        dmarc_issue(rec, MA_DMARC_REC_URI_LENGTH, tag, off);
        return true;
    }
    if (!ma__dmarc_uri_valid(e, ulen)) {
        dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, off);
        return true;
    }
    if (bang != NULL) {
        /* "!" 1*DIGIT [ "k" / "m" / "g" / "t" ], number within 64 bits
           (7489 6.4, 9989 4.8 obs-dmarc-report-size) */
        const char *d = bang + 1;
        size_t dn = elen - ulen - 1, nd = 0;
        size_t boff = (size_t)(bang - P->s);
        while (nd < dn && ma__is_digit((unsigned char)d[nd]))
            nd++;
        if (nd + 1 == dn) {
            unit = (char)ma__lower((unsigned char)d[nd]);
            if (unit != 'k' && unit != 'm' && unit != 'g' && unit != 't') {
                dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, boff);
                return true;
            }
        } else if (nd != dn) {
            dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, boff);
            return true;
        }
        if (!dmarc_parse_uint(d, nd, SIZE_MAX, UINT64_MAX, &num)) {
            dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, boff);
            return true;
        }
        if (rec->mode == MA_DMARC_MODE_9989) {
            /* obsolete syntax, "reporters should ignore" it (9989 4.8) */
            dmarc_issue(rec, MA_DMARC_REC_NOT_IN_MODE, tag, boff);
            num = 0;
            unit = 0;
        } else {
            has_size = true;
        }
    }
    if (L->n >= rec->max_uris) {
        if (!*full_reported)
            dmarc_issue(rec, MA_DMARC_REC_URI_COUNT, tag, off);
        *full_reported = true;
        return false;
    }
    if (L->n == L->cap) {
        /* Beyond the parser's own room (the limit was raised): the heap,
           grown as URIs come, never beyond the limit. */
        size_t ncap = L->cap * 2;
        ma_dmarc_uri *nl;
        if (ncap > rec->max_uris)
            ncap = rec->max_uris;
        if (ncap > SIZE_MAX / sizeof *nl) {
            P->uris_oom = 1;
            return false;
        }
        nl = ma__alloc(P->ctx, ncap * sizeof *nl);
        if (nl == NULL) {
            P->uris_oom = 1;
            return false;
        }
        memcpy(nl, L->v, L->n * sizeof *nl);
        if (L->v != L->local)
            ma__free(P->ctx, L->v);
        L->v = nl;
        L->cap = ncap;
    }
    u = &L->v[L->n++];
    u->uri = e;
    u->len = ulen;
    u->has_size = has_size;
    u->size_num = num;
    u->size_unit = has_size ? unit : 0;
    return true;
}

/* rua= / ruf=: dmarc-uri *(*WSP "," *WSP dmarc-uri) */
static void dmarc_parse_urilist(dmarc_parser *P, ma_dmarc_tag tag, const char *v, size_t n)
{
    size_t pos = 0;
    bool full = false;

    if (n == 0) {
        dmarc_issue(P->rec, MA_DMARC_REC_BAD_VALUE, tag, (size_t)(v - P->s));
        return;
    }
    for (;;) {
        const char *comma = memchr(v + pos, ',', n - pos);
        size_t i = comma ? (size_t)(comma - v) : n;
        const char *e = v + pos;
        size_t elen = i - pos;
        dmarc_trim(&e, &elen);
        if (elen == 0)
            e = v + pos;   /* report an empty entry where it starts */
        if (!dmarc_add_uri(P, tag, e, elen, &full))
            return;
        if (i >= n)
            return;
        pos = i + 1;
    }
}

/* A known tag's value, once the tag is accepted for the mode. */
static void dmarc_tag_value(dmarc_parser *P, ma_dmarc_tag kt, size_t idx, size_t name_off,
                            const char *val, size_t vn)
{
    ma_dmarc_record *rec = P->rec;
    size_t voff = (size_t)(val - P->s);
    uint64_t num;

    switch (kt) {
    case MA_DMARC_TAG_P:
    case MA_DMARC_TAG_SP:
    case MA_DMARC_TAG_NP: {
        ma_dmarc_policy p = dmarc_parse_policy(val, vn, P->s, P->s + P->len);
        dmarc_pol_state *st = &P->pol[kt == MA_DMARC_TAG_P ? 0 : kt == MA_DMARC_TAG_SP ? 1 : 2];
        st->present = true;
        st->valid = p != MA_DMARC_POLICY_UNSET;
        st->off = voff;
        if (!st->valid) {
            P->bad_policy = true;
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        }
        if (kt == MA_DMARC_TAG_P) {
            rec->p = p;
            /* 7489 6.3: "v" and "p" "MUST appear in that order";
               6.4: p= right after v= */
            if (rec->mode == MA_DMARC_MODE_7489 && idx != 1)
                dmarc_issue(rec, MA_DMARC_REC_P_ORDER, kt, name_off);
        } else if (kt == MA_DMARC_TAG_SP) {
            rec->sp = p;
        } else {
            rec->np = p;
        }
        break;
    }
    case MA_DMARC_TAG_ADKIM:
    case MA_DMARC_TAG_ASPF: {
        ma_dmarc_align a = dmarc_parse_align(val, vn);
        if (a == MA_DMARC_ALIGN_UNSET)
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        if (kt == MA_DMARC_TAG_ADKIM)
            rec->adkim = a;
        else
            rec->aspf = a;
        break;
    }
    case MA_DMARC_TAG_T:
        if (dmarc_letter_is(val, vn, 'y'))
            rec->t = MA_DMARC_YN_Y;
        else if (dmarc_letter_is(val, vn, 'n'))
            rec->t = MA_DMARC_YN_N;
        else
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        break;
    case MA_DMARC_TAG_PSD:
        if (dmarc_letter_is(val, vn, 'y'))
            rec->psd = MA_DMARC_PSD_Y;
        else if (dmarc_letter_is(val, vn, 'n'))
            rec->psd = MA_DMARC_PSD_N;
        else if (dmarc_letter_is(val, vn, 'u'))
            rec->psd = MA_DMARC_PSD_U;
        else
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        break;
    case MA_DMARC_TAG_PCT:
        /* 1*3DIGIT, "between 0 and 100, inclusive" (7489 6.3, 6.4) */
        if (dmarc_parse_uint(val, vn, 3, 100, &num)) {
            rec->has_pct = 1;
            rec->pct = (unsigned int)num;
        } else {
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        }
        break;
    case MA_DMARC_TAG_RI:
        /* "32-bit unsigned integer" (7489 6.3), 1*DIGIT (6.4): leading
           zeros allowed, so the digit count is bounded only by the
           record; the value must fit */
        if (dmarc_parse_uint(val, vn, SIZE_MAX, UINT32_MAX, &num)) {
            rec->has_ri = 1;
            rec->ri = (uint32_t)num;
        } else {
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        }
        break;
    case MA_DMARC_TAG_FO:
        rec->fo = dmarc_parse_fo(val, vn, rec->mode);
        if (rec->fo == 0)
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
        break;
    case MA_DMARC_TAG_RF: {
        unsigned int known;
        bool unknown;
        if (!dmarc_parse_rf(val, vn, &known, &unknown)) {
            dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
            break;
        }
        if (unknown)
            dmarc_issue(rec, MA_DMARC_REC_UNKNOWN_FORMAT, kt, voff);
        rec->rf = known;
        break;
    }
    case MA_DMARC_TAG_RUA:
    case MA_DMARC_TAG_RUF:
        dmarc_parse_urilist(P, kt, val, vn);
        break;
    default:
        break;
    }
}

/*
 * One tag-spec, well-formed: the duplicate check, then (while no fatal
 * error is known) what the tag means.  Tags are seen in input order, so
 * the first duplicate found is the one the tag-list rules report, and
 * issues come in the order of the tags.
 */
static void dmarc_tag(dmarc_parser *P, const char *name, size_t nlen, size_t noff,
                      const char *val, size_t vn)
{
    size_t idx = P->ntags++;
    ma_dmarc_tag kt = dmarc_tag_lookup(name, nlen, P->s, P->s + P->len);
    bool repeat = false;

    if (P->dup)
        return;   /* the list is invalid whatever follows */
    if (kt != MA_DMARC_TAG_NONE) {
        if (!(P->known_set & (1u << kt))) {
            P->known_set |= 1u << kt;
            P->known[kt] = name;
        } else {
            repeat = true;
            if (memcmp(P->known[kt], name, nlen) == 0 || dmarc_name_seen(P, name, nlen))
                P->dup = true;
        }
    } else if (dmarc_name_seen(P, name, nlen)) {
        P->dup = true;
    }
    if (P->dup) {
        P->dup_off = noff;
        P->dup_name = name;
        P->dup_len = nlen;
        return;
    }
    if (P->sem == DMARC_SEM_FATAL)
        return;

    if (idx == 0) {
        /* v= first, exactly "DMARC1" (7489 6.3, 9989 4.7); before it only
           whitespace (7489 6.6.3 step 2: records that "do not start with"
           v= are discarded). */
        if (kt != MA_DMARC_TAG_V) {
            P->sem = DMARC_SEM_NOT_V;
            P->sem_off = noff;
        } else if (P->first_semi != SIZE_MAX) {
            dmarc_sem_fatal(P, MA_DMARC_REC_VERSION, "v", 1, P->first_semi,
                            "the record does not start with v=");
        } else if (vn != 6 || memcmp(val, "DMARC1", 6) != 0) {
            dmarc_sem_fatal(P, MA_DMARC_REC_VERSION, "v", 1, (size_t)(val - P->s),
                            "v= is not \"DMARC1\"");
        }
        return;
    }
    if (P->sem == DMARC_SEM_NOT_V) {
        if (kt == MA_DMARC_TAG_V && !P->sem_v_later) {
            P->sem_v_later = true;
            P->sem_off = noff;
        }
        return;
    }
    if (kt == MA_DMARC_TAG_NONE)
        return;   /* unknown tags MUST be ignored (7489 6.3, 9989 4.7) */
    if (repeat) {
        /* RFC 6376 3.2: a repeated tag invalidates the list; names
           compare case-insensitively here (see the top comment) */
        dmarc_sem_fatal(P, MA_DMARC_REC_SYNTAX, name, nlen, noff, NULL);
        P->sem_dup = kt;
        return;
    }
    if (!(dmarc_tag_modes[kt] & P->here)) {
        dmarc_issue(P->rec, MA_DMARC_REC_NOT_IN_MODE, kt, noff);
        return;
    }
    dmarc_tag_value(P, kt, idx, noff, val, vn);
}

/* ------------------------------------------------------ the tag-list scan */

/*
 * The RFC 6376 3.2 tag-list, read exactly as ma__taglist_parse() reads it
 * with MA_TAGLIST_ALLOW_EMPTY_SPEC (same errors, same texts, same
 * offsets), but in the same pass as the tags' meaning and without storing
 * the list:
 *   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  =  ALPHA *ALNUMPUNC
 *   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      =  1*VALCHAR,  VALCHAR = %x21-3A / %x3C-7E
 * plus well-formed non-ASCII UTF-8 in values, whitespace after the last
 * ";", and empty tag-specs.
 */

/*
 * Read the whole list.  Returns MA_OK (the tags were all seen; P->dup,
 * P->sem and the oom flags tell the rest), MA_ESYNTAX (not a tag-list: err->e
 * set) or MA_ELIMIT (more than MA_LIMIT_TAGS tags: err->e set).
 */
static int dmarc_scan(dmarc_parser *P, ma_dmarc_perr *err)
{
    const unsigned char *s = (const unsigned char *)P->s;
    const size_t len = P->len;
    const uint64_t max_tags = ma__limit(P->ctx, MA_LIMIT_TAGS);
    size_t pos = 0;

    for (;;) {
        size_t name_start, name_len, value_start, value_end;

        /* [FWS] before the tag name */
        if (!ma_tl_skip_fws(s, len, &pos)) {
            ma__taglist_err_char(&err->e, pos, s, len, "before a tag name");
            return MA_ESYNTAX;
        }
        if (pos == len) {
            /* the end: after a ";" (and whitespace), but the list needs a tag */
            if (P->ntags == 0) {
                ma__err_set(&err->e, (int64_t)pos, "tag-list: no tags");
                return MA_ESYNTAX;
            }
            return MA_OK;
        }
        if (s[pos] == ';') {
            /* an empty tag-spec, tolerated */
            if (P->ntags == 0 && P->first_semi == SIZE_MAX)
                P->first_semi = pos;
            pos++;
            continue;
        }

        /* tag-name = ALPHA *ALNUMPUNC */
        if (!ma__is_alpha(s[pos])) {
            ma__taglist_err_char(&err->e, pos, s, len, "at the start of a tag name");
            return MA_ESYNTAX;
        }
        name_start = pos++;
        while (pos < len && (ma_tl_class[s[pos]] & MA_TL_NAMECHAR))
            pos++;
        name_len = pos - name_start;

        /* [FWS] "=" [FWS] */
        if (!ma_tl_skip_fws(s, len, &pos)) {
            ma__taglist_err_char(&err->e, pos, s, len, "after a tag name");
            return MA_ESYNTAX;
        }
        if (pos >= len || s[pos] != '=') {
            int nl = (int)(name_len > 64 ? 64 : name_len);
            if (pos < len && s[pos] >= 0x21 && s[pos] <= 0x7e)
                ma__err_set(&err->e, (int64_t)pos,
                            "tag-list: expected '=' after tag name \"%.*s\", found '%c'", nl,
                            P->s + name_start, s[pos]);
            else
                ma__err_set(&err->e, (int64_t)pos,
                            "tag-list: expected '=' after tag name \"%.*s\"", nl,
                            P->s + name_start);
            return MA_ESYNTAX;
        }
        pos++;
        if (!ma_tl_skip_fws(s, len, &pos)) {
            ma__taglist_err_char(&err->e, pos, s, len, "after '='");
            return MA_ESYNTAX;
        }

        /* tag-value: tvals separated by whitespace runs; trailing whitespace
           is not part of the value */
        value_start = value_end = pos;
        while (pos < len && s[pos] != ';') {
            unsigned char c = s[pos];
            if (c >= 0x21 && c <= 0x7e) {
                pos = ma_tl_value_end(s, pos + 1, len);
                value_end = pos;
            } else if (c >= 0x80) {
                size_t n = ma__utf8_len(s + pos, len - pos);
                if (n == 0) {
                    ma__err_set(&err->e, (int64_t)pos,
                                "tag-list: malformed UTF-8 in the value of tag \"%.*s\"",
                                (int)(name_len > 64 ? 64 : name_len), P->s + name_start);
                    return MA_ESYNTAX;
                }
                pos += n;
                value_end = pos;
            } else if (ma__is_wsp(c) || c == '\r' || c == '\n') {
                size_t before = pos;
                if (!ma_tl_skip_fws(s, len, &pos) || pos == before) {
                    ma__taglist_err_char(&err->e, pos, s, len, "in a tag value");
                    return MA_ESYNTAX;
                }
            } else {
                ma__err_set(&err->e, (int64_t)pos,
                            "tag-list: invalid byte 0x%02x in the value of tag \"%.*s\"", c,
                            (int)(name_len > 64 ? 64 : name_len), P->s + name_start);
                return MA_ESYNTAX;
            }
        }

        if ((uint64_t)P->ntags >= max_tags) {
            ma__err_set(&err->e, (int64_t)name_start, "tag-list: more than %llu tags",
                        (unsigned long long)max_tags);
            return MA_ELIMIT;
        }
        dmarc_tag(P, P->s + name_start, name_len, name_start, P->s + value_start,
                  value_end - value_start);

        if (pos == len)
            return MA_OK;
        pos++;   /* the ";" */
    }
}

/*
 * After a well-formed list without fatal errors: the policy rules.
 * 7489 6.6.3 step 6 and 9989 4.10.1: an invalid p= or sp= (9989: or np=),
 * or under 7489 a missing p=, gives p=none when rua= has a valid URI, and
 * no DMARC processing otherwise.  9989 4.7: an absent p= alone is p=none.
 */
static int dmarc_policy_rules(dmarc_parser *P, ma_dmarc_perr *err)
{
    static const ma_dmarc_tag pol_tags[3] = { MA_DMARC_TAG_P, MA_DMARC_TAG_SP, MA_DMARC_TAG_NP };
    ma_dmarc_record *rec = P->rec;
    ma_dmarc_tag at = MA_DMARC_TAG_P;
    size_t off = P->len;   /* a missing p= is reported at the end */
    const bool bad_policy = P->bad_policy;
    size_t k;

    if (!bad_policy && !(rec->mode == MA_DMARC_MODE_7489 && !P->pol[0].present))
        return MA_OK;
    for (k = 0; k < 3; k++)
        if (P->pol[k].present && !P->pol[k].valid) {
            at = pol_tags[k];
            off = P->pol[k].off;
            break;
        }
    if (P->uris[0].n == 0) {
        const char *name = dmarc_tag_names[at];
        err->reason = bad_policy ? MA_DMARC_REC_BAD_POLICY : MA_DMARC_REC_NO_POLICY;
        dmarc_perr_tag(err, name, strlen(name));
        if (!bad_policy)
            ma__err_set(&err->e, (int64_t)P->len, "%s",
                        "no p= tag and no valid rua= URI (RFC 7489 6.6.3)");
        else
            ma__err_set(&err->e, (int64_t)off, "%s",
                        at == MA_DMARC_TAG_P    ? "invalid p= and no valid rua= URI"
                        : at == MA_DMARC_TAG_SP ? "invalid sp= and no valid rua= URI"
                                                : "invalid np= and no valid rua= URI");
        return MA_ESYNTAX;
    }
    rec->p = MA_DMARC_POLICY_NONE;
    rec->sp = MA_DMARC_POLICY_UNSET;
    rec->np = MA_DMARC_POLICY_UNSET;
    rec->policy_fallback = 1;
    dmarc_issue(rec, MA_DMARC_REC_POLICY_FALLBACK, at, off);
    return MA_OK;
}

/* The text and both URI lists in one block: the record's memory. */
static int dmarc_keep(dmarc_parser *P)
{
    ma_dmarc_record *rec = P->rec;
    const size_t n0 = P->uris[0].n, n1 = P->uris[1].n, len = P->len;
    ma_dmarc_uri *u;
    char *text;
    size_t i, head;

    /* n0 + n1 <= 2 * max_uris, each list held in memory already */
    head = (n0 + n1) * sizeof *u;
    if (len >= SIZE_MAX - head)
        return MA_ENOMEM;
    u = ma__alloc(P->ctx, head + len + 1);
    if (u == NULL)
        return MA_ENOMEM;
    text = (char *)(u + n0 + n1);
    if (len)
        memcpy(text, P->s, len);
    text[len] = '\0';
    for (i = 0; i < n0; i++) {
        u[i] = P->uris[0].v[i];
        u[i].uri = text + (u[i].uri - P->s);
    }
    for (i = 0; i < n1; i++) {
        u[n0 + i] = P->uris[1].v[i];
        u[n0 + i].uri = text + (u[n0 + i].uri - P->s);
    }
    rec->mem = u;
    rec->text = text;
    rec->text_len = len;
    rec->rua = n0 ? u : NULL;
    rec->nrua = rec->cap_rua = n0;
    rec->ruf = n1 ? u + n0 : NULL;
    rec->nruf = rec->cap_ruf = n1;
    return MA_OK;
}

/*
 * The outcome, in the order the rules rank the faults: the tag-list's own
 * errors (found while reading it, the first one ends the scan), then a
 * duplicate name, then the DMARC errors, then the policy rules; in strict
 * mode any issue but NOT_IN_MODE after that.  Keeps the record or empties
 * it, and frees what the parser borrowed from the heap.
 */
static int dmarc_finish(dmarc_parser *P, int rc, unsigned int flags, ma_dmarc_perr *err)
{
    ma_dmarc_record *rec = P->rec;

    if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        err->reason = rc == MA_ELIMIT ? MA_DMARC_REC_LIMIT : MA_DMARC_REC_SYNTAX;
        if (err->e.offset < 0 || (uint64_t)err->e.offset > P->len)
            err->e.offset = (int64_t)P->len;
        dmarc_perr_tag_at(err, P->s, P->len, err->e.offset);
        rc = MA_ESYNTAX;
    } else if (P->names_oom) {
        rc = MA_ENOMEM;
    } else if (P->dup) {
        /* RFC 6376 3.2: "if a tag name does occur more than once, the
           entire tag-list is invalid" */
        err->reason = MA_DMARC_REC_SYNTAX;
        ma__err_set(&err->e, (int64_t)P->dup_off, "tag-list: duplicate tag \"%.*s\"",
                    (int)(P->dup_len > 64 ? 64 : P->dup_len), P->dup_name);
        dmarc_perr_tag_at(err, P->s, P->len, err->e.offset);
        rc = MA_ESYNTAX;
    } else if (P->sem == DMARC_SEM_NOT_V) {
        err->reason = MA_DMARC_REC_VERSION;
        dmarc_perr_tag(err, "v", 1);
        ma__err_set(&err->e, (int64_t)P->sem_off, "%s",
                    P->sem_v_later ? "v= is not the first tag"
                                   : "the record does not start with v=");
        rc = MA_ESYNTAX;
    } else if (P->sem == DMARC_SEM_FATAL) {
        err->reason = P->sem_reason;
        dmarc_perr_tag(err, P->sem_tag, P->sem_tag_len);
        if (P->sem_text != NULL)
            ma__err_set(&err->e, (int64_t)P->sem_off, "%s", P->sem_text);
        else
            ma__err_set(&err->e, (int64_t)P->sem_off, "duplicate tag \"%s\"",
                        dmarc_tag_names[P->sem_dup]);
        rc = MA_ESYNTAX;
    } else {
        rc = dmarc_policy_rules(P, err);
        if (rc == MA_OK && P->uris_oom)
            rc = MA_ENOMEM;
        if (rc == MA_OK && (flags & MA_DMARC_PARSE_STRICT) && rec->nerrors > 0) {
            const ma_dmarc_issue *is = &rec->first_error;
            const char *name = dmarc_tag_names[is->tag];
            err->reason = is->reason;
            dmarc_perr_tag(err, name, strlen(name));
            ma__err_set(&err->e, (int64_t)is->offset, "%s=: %s", name,
                        ma__dmarc_rec_reason_str(is->reason));
            rc = MA_ESYNTAX;
        }
        if (rc == MA_OK)
            rc = dmarc_keep(P);
    }

    if (P->names != NULL && P->names != P->names_local)
        ma__free(P->ctx, P->names);
    if (P->uris[0].v != P->uris[0].local)
        ma__free(P->ctx, P->uris[0].v);
    if (P->uris[1].v != P->uris[1].local)
        ma__free(P->ctx, P->uris[1].v);
    if (rc != MA_OK) {
        ma__dmarc_record_init(rec, rec->mode);
        if (rc == MA_ENOMEM) {
            dmarc_perr_clear(err);
            ma__err_set(&err->e, -1, "out of memory");
        }
    }
    return rc;
}

int ma__dmarc_record_parse(ma_dmarc_record *rec, const ma_ctx *ctx, const char *txt, size_t len,
                           ma_dmarc_mode mode, unsigned int flags, ma_dmarc_perr *err)
{
    dmarc_parser P;
    uint64_t max_len;
    int rc;

    if (err != NULL)
        dmarc_perr_clear(err);
    if (rec != NULL)
        ma__dmarc_record_init(rec, mode);
    if (rec == NULL || ctx == NULL || err == NULL || (txt == NULL && len > 0)
        || (mode != MA_DMARC_MODE_9989 && mode != MA_DMARC_MODE_7489)
        || (flags & ~MA_DMARC_PARSE_STRICT) != 0) {
        if (err != NULL)
            ma__err_set(&err->e, -1, "invalid argument");
        return MA_EINVAL;
    }

    max_len = ma__limit(ctx, MA_LIMIT_TXT_BYTES);
    if ((uint64_t)len > max_len) {
        err->reason = MA_DMARC_REC_LIMIT;
        ma__err_set(&err->e, (int64_t)max_len, "record longer than %llu bytes",
                    (unsigned long long)max_len);
        return MA_ESYNTAX;
    }
    rec->max_uris = (size_t)ma__limit(ctx, MA_LIMIT_DMARC_URIS);

    /* Only what the scan reads before it writes is set here: the URI
       lists' and the name set's storage stays uninitialised. */
    P.ctx = ctx;
    P.rec = rec;
    P.s = len ? txt : "";
    P.len = len;
    P.here = dmarc_mode_bit(mode);
    P.ntags = 0;
    P.first_semi = SIZE_MAX;
    P.uris[0].v = P.uris[0].local;
    P.uris[0].n = 0;
    P.uris[0].cap = DMARC_URIS_LOCAL;
    P.uris[1].v = P.uris[1].local;
    P.uris[1].n = 0;
    P.uris[1].cap = DMARC_URIS_LOCAL;
    memset(P.pol, 0, sizeof P.pol);
    P.bad_policy = false;
    P.known_set = 0;
    P.names = NULL;
    P.names_mask = 0;
    P.nnames = 0;
    P.names_oom = 0;
    P.uris_oom = 0;
    P.dup = false;
    P.sem = DMARC_SEM_NONE;
    P.sem_v_later = false;

    rc = dmarc_scan(&P, err);
    return dmarc_finish(&P, rc, flags, err);
}

/* ------------------------------------------------------- effective values */

ma_dmarc_policy ma__dmarc_record_p(const ma_dmarc_record *rec)
{
    if (rec == NULL)
        return MA_DMARC_POLICY_UNSET;
    return rec->p != MA_DMARC_POLICY_UNSET ? rec->p : MA_DMARC_POLICY_NONE;
}

ma_dmarc_policy ma__dmarc_record_sp(const ma_dmarc_record *rec)
{
    if (rec == NULL)
        return MA_DMARC_POLICY_UNSET;
    return rec->sp != MA_DMARC_POLICY_UNSET ? rec->sp : ma__dmarc_record_p(rec);
}

ma_dmarc_policy ma__dmarc_record_np(const ma_dmarc_record *rec)
{
    if (rec == NULL)
        return MA_DMARC_POLICY_UNSET;
    if (rec->mode == MA_DMARC_MODE_9989 && rec->np != MA_DMARC_POLICY_UNSET)
        return rec->np;
    return ma__dmarc_record_sp(rec);
}

ma_dmarc_align ma__dmarc_record_adkim(const ma_dmarc_record *rec)
{
    if (rec == NULL)
        return MA_DMARC_ALIGN_UNSET;
    return rec->adkim != MA_DMARC_ALIGN_UNSET ? rec->adkim : MA_DMARC_ALIGN_RELAXED;
}

ma_dmarc_align ma__dmarc_record_aspf(const ma_dmarc_record *rec)
{
    if (rec == NULL)
        return MA_DMARC_ALIGN_UNSET;
    return rec->aspf != MA_DMARC_ALIGN_UNSET ? rec->aspf : MA_DMARC_ALIGN_RELAXED;
}

unsigned int ma__dmarc_record_pct(const ma_dmarc_record *rec)
{
    if (rec != NULL && rec->mode == MA_DMARC_MODE_7489 && rec->has_pct)
        return rec->pct;
    return 100;
}

int ma__dmarc_record_t(const ma_dmarc_record *rec)
{
    return rec != NULL && rec->mode == MA_DMARC_MODE_9989 && rec->t == MA_DMARC_YN_Y;
}

unsigned int ma__dmarc_record_fo(const ma_dmarc_record *rec)
{
    if (rec != NULL && rec->fo != 0)
        return rec->fo;
    return MA_DMARC_FO_0;
}

unsigned int ma__dmarc_record_rf(const ma_dmarc_record *rec)
{
    if (rec != NULL && rec->mode == MA_DMARC_MODE_7489 && rec->rf != 0)
        return rec->rf;
    return MA_DMARC_RF_AFRF;
}

uint32_t ma__dmarc_record_ri(const ma_dmarc_record *rec)
{
    if (rec != NULL && rec->mode == MA_DMARC_MODE_7489 && rec->has_ri)
        return rec->ri;
    return 86400;
}

ma_dmarc_psd ma__dmarc_record_psd(const ma_dmarc_record *rec)
{
    if (rec != NULL && rec->mode == MA_DMARC_MODE_9989 && rec->psd != MA_DMARC_PSD_UNSET)
        return rec->psd;
    return MA_DMARC_PSD_U;
}

static unsigned dmarc_unit_shift(char unit)
{
    switch (unit) {
    case 'k':
        return 10;
    case 'm':
        return 20;
    case 'g':
        return 30;
    case 't':
        return 40;
    default:
        return 0;
    }
}

uint64_t ma__dmarc_uri_max_bytes(const ma_dmarc_record *rec, const ma_dmarc_uri *uri)
{
    unsigned shift;

    if (rec == NULL || uri == NULL || rec->mode != MA_DMARC_MODE_7489 || !uri->has_size)
        return 0;
    shift = dmarc_unit_shift(uri->size_unit);
    if (shift && uri->size_num > (UINT64_MAX >> shift))
        return UINT64_MAX;
    return uri->size_num << shift;
}

static bool dmarc_uris_equal(const ma_dmarc_uri *a, size_t na, const ma_dmarc_uri *b, size_t nb)
{
    size_t i;
    if (na != nb)
        return false;
    for (i = 0; i < na; i++) {
        if (a[i].len != b[i].len || (a[i].len && memcmp(a[i].uri, b[i].uri, a[i].len) != 0))
            return false;
        if ((a[i].has_size != 0) != (b[i].has_size != 0))
            return false;
        if (a[i].has_size && (a[i].size_num != b[i].size_num || a[i].size_unit != b[i].size_unit))
            return false;
    }
    return true;
}

int ma__dmarc_record_equal(const ma_dmarc_record *a, const ma_dmarc_record *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return a->mode == b->mode && ma__dmarc_record_p(a) == ma__dmarc_record_p(b)
           && ma__dmarc_record_sp(a) == ma__dmarc_record_sp(b)
           && ma__dmarc_record_np(a) == ma__dmarc_record_np(b)
           && ma__dmarc_record_adkim(a) == ma__dmarc_record_adkim(b)
           && ma__dmarc_record_aspf(a) == ma__dmarc_record_aspf(b)
           && ma__dmarc_record_pct(a) == ma__dmarc_record_pct(b)
           && ma__dmarc_record_t(a) == ma__dmarc_record_t(b)
           && ma__dmarc_record_fo(a) == ma__dmarc_record_fo(b)
           && ma__dmarc_record_rf(a) == ma__dmarc_record_rf(b)
           && ma__dmarc_record_ri(a) == ma__dmarc_record_ri(b)
           && ma__dmarc_record_psd(a) == ma__dmarc_record_psd(b)
           && dmarc_uris_equal(a->rua, a->nrua, b->rua, b->nrua)
           && dmarc_uris_equal(a->ruf, a->nruf, b->ruf, b->nruf);
}

/* ------------------------------------------------------------------ write */

static bool dmarc_write_uris_ok(const ma_dmarc_record *rec, const ma_dmarc_uri *list, size_t n)
{
    size_t i;
    if (rec->max_uris != 0 && n > rec->max_uris)
        return false;
    for (i = 0; i < n; i++) {
        const ma_dmarc_uri *u = &list[i];
        if (!ma__dmarc_uri_valid(u->uri, u->len))
            return false;
        if (u->has_size) {
            if (rec->mode != MA_DMARC_MODE_7489)
                return false;
            if (u->size_unit != 0 && u->size_unit != 'k' && u->size_unit != 'm'
                && u->size_unit != 'g' && u->size_unit != 't')
                return false;
        }
    }
    return true;
}

static bool dmarc_write_ok(const ma_dmarc_record *rec)
{
    const bool b9989 = rec->mode == MA_DMARC_MODE_9989;

    if (rec->mode != MA_DMARC_MODE_9989 && rec->mode != MA_DMARC_MODE_7489)
        return false;
    if ((unsigned)rec->p > MA_DMARC_POLICY_REJECT || (unsigned)rec->sp > MA_DMARC_POLICY_REJECT
        || (unsigned)rec->np > MA_DMARC_POLICY_REJECT
        || (unsigned)rec->adkim > MA_DMARC_ALIGN_STRICT
        || (unsigned)rec->aspf > MA_DMARC_ALIGN_STRICT || (unsigned)rec->t > MA_DMARC_YN_N
        || (unsigned)rec->psd > MA_DMARC_PSD_U)
        return false;
    if (b9989) {
        if (rec->has_pct || rec->rf != 0 || rec->has_ri)
            return false;
        if ((rec->fo & MA_DMARC_FO_0) && (rec->fo & MA_DMARC_FO_1))
            return false;
    } else {
        if (rec->np != MA_DMARC_POLICY_UNSET || rec->t != MA_DMARC_YN_UNSET
            || rec->psd != MA_DMARC_PSD_UNSET)
            return false;
        if (rec->p == MA_DMARC_POLICY_UNSET)
            return false;   /* REQUIRED (7489 6.3) */
        if (rec->has_pct && rec->pct > 100)
            return false;
        if ((rec->rf & ~MA_DMARC_RF_ALL) != 0)
            return false;
    }
    if ((rec->fo & ~MA_DMARC_FO_ALL) != 0)
        return false;
    return dmarc_write_uris_ok(rec, rec->rua, rec->nrua)
           && dmarc_write_uris_ok(rec, rec->ruf, rec->nruf);
}

static int dmarc_write_tag(ma_buf *out, const char *name, const char *value)
{
    return ma__buf_printf(out, "; %s=%s", name, value);
}

static int dmarc_write_uris(ma_buf *out, const char *name, const ma_dmarc_uri *list, size_t n)
{
    size_t i;
    int rc;

    if (n == 0)
        return MA_OK;
    rc = ma__buf_printf(out, "; %s=", name);
    for (i = 0; rc == MA_OK && i < n; i++) {
        if (i > 0)
            rc = ma__buf_putc(out, ',');
        if (rc == MA_OK)
            rc = ma__buf_append(out, list[i].uri, list[i].len);
        if (rc == MA_OK && list[i].has_size) {
            rc = ma__buf_printf(out, "!%llu", (unsigned long long)list[i].size_num);
            if (rc == MA_OK && list[i].size_unit != 0)
                rc = ma__buf_putc(out, list[i].size_unit);
        }
    }
    return rc;
}

int ma__dmarc_record_write(ma_buf *out, const ma_dmarc_record *rec, unsigned int flags)
{
    static const char *const align_names[] = { "", "r", "s" };
    static const char *const psd_names[] = { "", "y", "n", "u" };
    const bool all = (flags & MA_DMARC_WRITE_ALL) != 0;
    const bool b9989 = rec != NULL && rec->mode == MA_DMARC_MODE_9989;
    size_t start;
    int rc;

    if (out == NULL || rec == NULL || (flags & ~MA_DMARC_WRITE_ALL) != 0 || !dmarc_write_ok(rec))
        return MA_EINVAL;
    start = out->len;

    rc = ma__buf_append(out, "v=DMARC1", 8);
    if (rc == MA_OK && (rec->p != MA_DMARC_POLICY_UNSET || all))
        rc = dmarc_write_tag(out, "p", dmarc_policy_names[ma__dmarc_record_p(rec)]);
    if (rc == MA_OK
        && ((rec->sp != MA_DMARC_POLICY_UNSET && rec->sp != ma__dmarc_record_p(rec)) || all))
        rc = dmarc_write_tag(out, "sp", dmarc_policy_names[ma__dmarc_record_sp(rec)]);
    if (rc == MA_OK && b9989
        && ((rec->np != MA_DMARC_POLICY_UNSET && rec->np != ma__dmarc_record_sp(rec)) || all))
        rc = dmarc_write_tag(out, "np", dmarc_policy_names[ma__dmarc_record_np(rec)]);
    if (rc == MA_OK && (ma__dmarc_record_adkim(rec) != MA_DMARC_ALIGN_RELAXED || all))
        rc = dmarc_write_tag(out, "adkim", align_names[ma__dmarc_record_adkim(rec)]);
    if (rc == MA_OK && (ma__dmarc_record_aspf(rec) != MA_DMARC_ALIGN_RELAXED || all))
        rc = dmarc_write_tag(out, "aspf", align_names[ma__dmarc_record_aspf(rec)]);
    if (rc == MA_OK && b9989 && (ma__dmarc_record_t(rec) || all))
        rc = dmarc_write_tag(out, "t", ma__dmarc_record_t(rec) ? "y" : "n");
    if (rc == MA_OK && b9989 && (ma__dmarc_record_psd(rec) != MA_DMARC_PSD_U || all))
        rc = dmarc_write_tag(out, "psd", psd_names[ma__dmarc_record_psd(rec)]);
    if (rc == MA_OK && !b9989 && (ma__dmarc_record_pct(rec) != 100 || all))
        rc = ma__buf_printf(out, "; pct=%u", ma__dmarc_record_pct(rec));
    if (rc == MA_OK && (ma__dmarc_record_fo(rec) != MA_DMARC_FO_0 || all)) {
        static const char fo_chars[4] = { '0', '1', 'd', 's' };
        unsigned int fo = ma__dmarc_record_fo(rec), bit;
        bool first = true;
        rc = ma__buf_append(out, "; fo=", 5);
        for (bit = 0; rc == MA_OK && bit < 4; bit++) {
            if (!(fo & (1u << bit)))
                continue;
            if (!first)
                rc = ma__buf_putc(out, ':');
            if (rc == MA_OK)
                rc = ma__buf_putc(out, fo_chars[bit]);
            first = false;
        }
    }
    if (rc == MA_OK && !b9989 && (ma__dmarc_record_rf(rec) != MA_DMARC_RF_AFRF || all))
        rc = dmarc_write_tag(out, "rf", "afrf");   /* the only registered format */
    if (rc == MA_OK && !b9989 && (ma__dmarc_record_ri(rec) != 86400 || all))
        rc = ma__buf_printf(out, "; ri=%lu", (unsigned long)ma__dmarc_record_ri(rec));
    if (rc == MA_OK)
        rc = dmarc_write_uris(out, "rua", rec->rua, rec->nrua);
    if (rc == MA_OK)
        rc = dmarc_write_uris(out, "ruf", rec->ruf, rec->nruf);

    if (rc != MA_OK && out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}
