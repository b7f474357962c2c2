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
 * Work is linear in the input; the only allocations are the copy of the
 * record and the tag array.
 */
#include "config.h"

#include <string.h>

#include "dmarc/record_int.h"

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

/* Trim whitespace (the tag-list parser has checked any CRLF is FWS). */
static void dmarc_trim(const char **s, size_t *len)
{
    while (*len > 0 && dmarc_is_space((unsigned char)(*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && dmarc_is_space((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static bool dmarc_word_is(const char *s, size_t len, const char *word)
{
    return ma__casecmp(s, len, word, strlen(word)) == 0;
}

static bool dmarc_is_hex(int c)
{
    return ma__is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

static ma_dmarc_tag dmarc_tag_lookup(const char *name, size_t len)
{
    int i;
    for (i = 1; i < MA_DMARC_TAG_COUNT; i++)
        if (dmarc_word_is(name, len, dmarc_tag_names[i]))
            return (ma_dmarc_tag)i;
    return MA_DMARC_TAG_NONE;
}

static unsigned int dmarc_mode_bit(ma_dmarc_mode mode)
{
    return mode == MA_DMARC_MODE_7489 ? IN_7489 : IN_9989;
}

static void dmarc_perr_clear(ma_dmarc_perr *err)
{
    err->reason = MA_DMARC_REC_OK;
    err->tag[0] = '\0';
    ma__err_clear(&err->e);
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

static int dmarc_fatal(ma_dmarc_perr *err, ma_dmarc_rec_reason reason, ma_dmarc_tag tag, size_t off,
                       const char *text)
{
    const char *name = dmarc_tag_names[tag];
    err->reason = reason;
    dmarc_perr_tag(err, name, strlen(name));
    ma__err_set(&err->e, (int64_t)off, "%s", text);
    return MA_ESYNTAX;
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

static ma_dmarc_policy dmarc_parse_policy(const char *v, size_t n)
{
    if (dmarc_word_is(v, n, "none"))
        return MA_DMARC_POLICY_NONE;
    if (dmarc_word_is(v, n, "quarantine"))
        return MA_DMARC_POLICY_QUARANTINE;
    if (dmarc_word_is(v, n, "reject"))
        return MA_DMARC_POLICY_REJECT;
    return MA_DMARC_POLICY_UNSET;
}

static ma_dmarc_align dmarc_parse_align(const char *v, size_t n)
{
    if (dmarc_word_is(v, n, "r"))
        return MA_DMARC_ALIGN_RELAXED;
    if (dmarc_word_is(v, n, "s"))
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
        if (dmarc_word_is(item, ilen, "afrf"))
            *known |= MA_DMARC_RF_AFRF;
        else
            *unknown = true;
    }
    return true;
}

/* ------------------------------------------------------------------ URIs */

static bool dmarc_uri_char(unsigned char c)
{
    if (ma__is_alpha(c) || ma__is_digit(c))
        return true;
    /* unreserved "-._~", sub-delims without "!", ",", ";", and ":@/?" */
    return c != '\0' && strchr("-._~$&'()*+=:@/?", c) != NULL;
}

int ma__dmarc_uri_valid(const char *uri, size_t len)
{
    const unsigned char *s = (const unsigned char *)uri;
    size_t i, scheme_len, auth_end = 0, to_end;
    bool fragment = false, mailto;

    if (uri == NULL || len == 0 || len > MA_DMARC_MAX_URI_LEN)
        return 0;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (RFC 3986 3.1) */
    if (!ma__is_alpha(s[0]))
        return 0;
    for (i = 1; i < len && s[i] != ':'; i++)
        if (!ma__is_alpha(s[i]) && !ma__is_digit(s[i]) && s[i] != '+' && s[i] != '-'
            && s[i] != '.')
            return 0;
    if (i >= len)
        return 0;
    scheme_len = i;
    i++;
    if (i == len)
        return 0;   /* nothing after the scheme: no destination */
    /* "//" authority: the only place '[' and ']' may appear (3.2.2) */
    if (len - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
        auth_end = i + 2;
        while (auth_end < len && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
            auth_end++;
    }
    for (; i < len; i++) {
        unsigned char c = s[i];
        if (c == '%') {
            if (len - i < 3 || !dmarc_is_hex(s[i + 1]) || !dmarc_is_hex(s[i + 2]))
                return 0;
            i += 2;
        } else if (c == '#') {
            if (fragment)
                return 0;
            fragment = true;
        } else if (c == '[' || c == ']') {
            if (i >= auth_end)
                return 0;
        } else if (!dmarc_uri_char(c)) {
            return 0;
        }
    }
    /* mailto: (RFC 6068 2) needs an address: "x@y" before any '?' or '#'. */
    mailto = scheme_len == 6 && dmarc_word_is(uri, 6, "mailto");
    if (mailto) {
        const char *to = uri + scheme_len + 1;
        const char *at;
        size_t n;
        for (to_end = 0; to + to_end < uri + len && to[to_end] != '?' && to[to_end] != '#';
             to_end++)
            ;
        n = to_end;
        at = memchr(to, '@', n);
        if (at == NULL || at == to || at == to + n - 1)
            return 0;
    }
    return 1;
}

/* Store a URI, or report why not.  Returns false when the list is full. */
static bool dmarc_add_uri(const ma_ctx *ctx, ma_dmarc_record *rec, ma_dmarc_tag tag,
                          const char *base, const char *e, size_t elen, bool *full_reported)
{
    ma_dmarc_uri **list = tag == MA_DMARC_TAG_RUA ? &rec->rua : &rec->ruf;
    size_t *count = tag == MA_DMARC_TAG_RUA ? &rec->nrua : &rec->nruf;
    size_t *cap = tag == MA_DMARC_TAG_RUA ? &rec->cap_rua : &rec->cap_ruf;
    const char *bang;
    size_t ulen, off = (size_t)(e - base);
    ma_dmarc_uri u;

    if (elen == 0) {
        dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, off);
        return true;
    }
    bang = memchr(e, '!', elen);
    ulen = bang ? (size_t)(bang - e) : elen;
    memset(&u, 0, sizeof u);
    u.uri = e;
    u.len = ulen;
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
        char unit = 0;
        while (nd < dn && ma__is_digit((unsigned char)d[nd]))
            nd++;
        if (nd + 1 == dn) {
            unit = (char)ma__lower((unsigned char)d[nd]);
            if (unit != 'k' && unit != 'm' && unit != 'g' && unit != 't') {
                dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, (size_t)(bang - base));
                return true;
            }
        } else if (nd != dn) {
            dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, (size_t)(bang - base));
            return true;
        }
        if (!dmarc_parse_uint(d, nd, SIZE_MAX, UINT64_MAX, &u.size_num)) {
            dmarc_issue(rec, MA_DMARC_REC_BAD_URI, tag, (size_t)(bang - base));
            return true;
        }
        if (rec->mode == MA_DMARC_MODE_9989) {
            /* obsolete syntax, "reporters should ignore" it (9989 4.8) */
            dmarc_issue(rec, MA_DMARC_REC_NOT_IN_MODE, tag, (size_t)(bang - base));
            u.size_num = 0;
        } else {
            u.has_size = 1;
            u.size_unit = unit;
        }
    }
    if (*count >= rec->max_uris) {
        if (!*full_reported)
            dmarc_issue(rec, MA_DMARC_REC_URI_COUNT, tag, off);
        *full_reported = true;
        return false;
    }
    if (*count == *cap) {
        /* Grown as URIs come: a record names few, the limit may be large. */
        size_t ncap = *cap ? *cap * 2 : 2;
        ma_dmarc_uri *nl;
        if (ncap > rec->max_uris)
            ncap = rec->max_uris;
        nl = ma__realloc(ctx, *list, ncap * sizeof *nl);
        if (nl == NULL) {
            rec->oom = 1;
            return false;
        }
        *list = nl;
        *cap = ncap;
    }
    (*list)[(*count)++] = u;
    return true;
}

/* rua= / ruf=: dmarc-uri *(*WSP "," *WSP dmarc-uri) */
static void dmarc_parse_urilist(const ma_ctx *ctx, ma_dmarc_record *rec, ma_dmarc_tag tag,
                                const char *v, size_t n)
{
    size_t pos = 0;
    bool full = false;

    if (n == 0) {
        dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, tag, (size_t)(v - rec->text));
        return;
    }
    for (;;) {
        size_t i = pos;
        const char *e;
        size_t elen;
        while (i < n && v[i] != ',')
            i++;
        e = v + pos;
        elen = i - pos;
        dmarc_trim(&e, &elen);
        if (elen == 0)
            e = v + pos;   /* report an empty entry where it starts */
        if (!dmarc_add_uri(ctx, rec, tag, rec->text, e, elen, &full))
            return;
        if (i >= n)
            return;
        pos = i + 1;
    }
}

/* ------------------------------------------------------------------ parse */

void ma__dmarc_record_init(ma_dmarc_record *rec, ma_dmarc_mode mode)
{
    if (rec == NULL)
        return;
    memset(rec, 0, sizeof *rec);
    rec->mode = mode;
}

void ma__dmarc_record_free(ma_dmarc_record *rec, const ma_ctx *ctx)
{
    ma_dmarc_mode mode;
    if (rec == NULL)
        return;
    mode = rec->mode;
    if (ctx != NULL && rec->text != NULL) {
        /* A parsed record owns its URI lists; a tool's record borrows. */
        ma__free(ctx, rec->rua);
        ma__free(ctx, rec->ruf);
    }
    if (ctx != NULL)
        ma__free(ctx, rec->text);
    memset(rec, 0, sizeof *rec);
    rec->mode = mode;
}

/* The state of p=, sp=, np= while parsing. */
typedef struct dmarc_pol_state {
    bool present;
    bool valid;
    size_t off;   /* of the value */
} dmarc_pol_state;

static int dmarc_parse_tags(const ma_ctx *ctx, ma_dmarc_record *rec, const ma_taglist *tl,
                            ma_dmarc_perr *err)
{
    const size_t len = rec->text_len;
    const unsigned int here = dmarc_mode_bit(rec->mode);
    const ma_tag *seen[MA_DMARC_TAG_COUNT];
    dmarc_pol_state pol[3];   /* p, sp, np */
    const ma_tag *v = &tl->tags[0];
    size_t i, k;
    bool bad_policy;

    memset(seen, 0, sizeof seen);
    memset(pol, 0, sizeof pol);

    /* v= first, exactly "DMARC1" (7489 6.3, 9989 4.7); before it only
       whitespace (7489 6.6.3 step 2: records that "do not start with"
       v= are discarded). */
    if (!dmarc_word_is(v->name, v->name_len, "v")) {
        for (i = 1; i < tl->count; i++)
            if (dmarc_word_is(tl->tags[i].name, tl->tags[i].name_len, "v"))
                return dmarc_fatal(err, MA_DMARC_REC_VERSION, MA_DMARC_TAG_V, tl->tags[i].offset,
                                   "v= is not the first tag");
        return dmarc_fatal(err, MA_DMARC_REC_VERSION, MA_DMARC_TAG_V, v->offset,
                           "the record does not start with v=");
    }
    for (i = 0; i < v->offset; i++)
        if (!dmarc_is_space((unsigned char)rec->text[i]))
            return dmarc_fatal(err, MA_DMARC_REC_VERSION, MA_DMARC_TAG_V, i,
                               "the record does not start with v=");
    if (v->value_len != 6 || memcmp(v->value, "DMARC1", 6) != 0)
        return dmarc_fatal(err, MA_DMARC_REC_VERSION, MA_DMARC_TAG_V,
                           (size_t)(v->value - rec->text),
                           "v= is not \"DMARC1\"");
    seen[MA_DMARC_TAG_V] = v;

    for (i = 1; i < tl->count; i++) {
        const ma_tag *t = &tl->tags[i];
        ma_dmarc_tag kt = dmarc_tag_lookup(t->name, t->name_len);
        const char *val = t->value;
        size_t vn = t->value_len, voff = (size_t)(t->value - rec->text);
        uint64_t num;

        if (kt == MA_DMARC_TAG_NONE)
            continue;   /* unknown tags MUST be ignored (7489 6.3, 9989 4.7) */
        if (seen[kt] != NULL) {
            /* RFC 6376 3.2: a repeated tag invalidates the list; names
               compare case-insensitively here (see the top comment) */
            err->reason = MA_DMARC_REC_SYNTAX;
            dmarc_perr_tag(err, t->name, t->name_len);
            ma__err_set(&err->e, (int64_t)t->offset, "duplicate tag \"%s\"",
                        dmarc_tag_names[kt]);
            return MA_ESYNTAX;
        }
        seen[kt] = t;
        if (!(dmarc_tag_modes[kt] & here)) {
            dmarc_issue(rec, MA_DMARC_REC_NOT_IN_MODE, kt, t->offset);
            continue;
        }
        switch (kt) {
        case MA_DMARC_TAG_P:
        case MA_DMARC_TAG_SP:
        case MA_DMARC_TAG_NP: {
            ma_dmarc_policy p = dmarc_parse_policy(val, vn);
            dmarc_pol_state *st = &pol[kt == MA_DMARC_TAG_P ? 0 : kt == MA_DMARC_TAG_SP ? 1 : 2];
            st->present = true;
            st->valid = p != MA_DMARC_POLICY_UNSET;
            st->off = voff;
            if (!st->valid)
                dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
            if (kt == MA_DMARC_TAG_P) {
                rec->p = p;
                /* 7489 6.3: "v" and "p" "MUST appear in that order";
                   6.4: p= right after v= */
                if (rec->mode == MA_DMARC_MODE_7489 && i != 1)
                    dmarc_issue(rec, MA_DMARC_REC_P_ORDER, kt, t->offset);
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
            if (dmarc_word_is(val, vn, "y"))
                rec->t = MA_DMARC_YN_Y;
            else if (dmarc_word_is(val, vn, "n"))
                rec->t = MA_DMARC_YN_N;
            else
                dmarc_issue(rec, MA_DMARC_REC_BAD_VALUE, kt, voff);
            break;
        case MA_DMARC_TAG_PSD:
            if (dmarc_word_is(val, vn, "y"))
                rec->psd = MA_DMARC_PSD_Y;
            else if (dmarc_word_is(val, vn, "n"))
                rec->psd = MA_DMARC_PSD_N;
            else if (dmarc_word_is(val, vn, "u"))
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
            dmarc_parse_urilist(ctx, rec, kt, val, vn);
            break;
        default:
            break;
        }
    }

    /* 7489 6.6.3 step 6 and 9989 4.10.1: an invalid p= or sp= (9989: or
       np=), or under 7489 a missing p=, gives p=none when rua= has a
       valid URI, and no DMARC processing otherwise.  9989 4.7: an absent
       p= alone is p=none. */
    bad_policy = false;
    for (k = 0; k < 3; k++)
        if (pol[k].present && !pol[k].valid)
            bad_policy = true;
    if (bad_policy || (rec->mode == MA_DMARC_MODE_7489 && !pol[0].present)) {
        ma_dmarc_tag at = MA_DMARC_TAG_P;
        size_t off = len;   /* a missing p= is reported at the end */
        static const ma_dmarc_tag pol_tags[3] = { MA_DMARC_TAG_P, MA_DMARC_TAG_SP,
                                                   MA_DMARC_TAG_NP };
        for (k = 0; k < 3; k++)
            if (pol[k].present && !pol[k].valid) {
                at = pol_tags[k];
                off = pol[k].off;
                break;
            }
        if (rec->nrua == 0) {
            if (!bad_policy)
                return dmarc_fatal(err, MA_DMARC_REC_NO_POLICY, MA_DMARC_TAG_P, len,
                                   "no p= tag and no valid rua= URI (RFC 7489 6.6.3)");
            return dmarc_fatal(err, MA_DMARC_REC_BAD_POLICY, at, off,
                               at == MA_DMARC_TAG_P    ? "invalid p= and no valid rua= URI"
                               : at == MA_DMARC_TAG_SP ? "invalid sp= and no valid rua= URI"
                                                       : "invalid np= and no valid rua= URI");
        }
        rec->p = MA_DMARC_POLICY_NONE;
        rec->sp = MA_DMARC_POLICY_UNSET;
        rec->np = MA_DMARC_POLICY_UNSET;
        rec->policy_fallback = 1;
        dmarc_issue(rec, MA_DMARC_REC_POLICY_FALLBACK, at, off);
    }
    return MA_OK;
}

int ma__dmarc_record_parse(ma_dmarc_record *rec, const ma_ctx *ctx, const char *txt, size_t len,
                           ma_dmarc_mode mode, unsigned int flags, ma_dmarc_perr *err)
{
    ma_taglist tl = { 0 };
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

    rec->text = ma__strndup(ctx, len ? txt : "", len);
    if (rec->text == NULL) {
        ma__err_set(&err->e, -1, "out of memory");
        return MA_ENOMEM;
    }
    rec->text_len = len;
    rec->max_uris = (size_t)ma__limit(ctx, MA_LIMIT_DMARC_URIS);

    rc = ma__taglist_parse(&tl, ctx, rec->text, len, MA_TAGLIST_ALLOW_EMPTY_SPEC, &err->e);
    if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        err->reason = rc == MA_ELIMIT ? MA_DMARC_REC_LIMIT : MA_DMARC_REC_SYNTAX;
        if (err->e.offset < 0 || (uint64_t)err->e.offset > len)
            err->e.offset = (int64_t)len;
        dmarc_perr_tag_at(err, rec->text, len, err->e.offset);
        rc = MA_ESYNTAX;
        goto fail;
    }
    if (rc != MA_OK)
        goto fail;

    rc = dmarc_parse_tags(ctx, rec, &tl, err);
    if (rc == MA_OK && rec->oom)
        rc = MA_ENOMEM;
    if (rc != MA_OK)
        goto fail;

    if ((flags & MA_DMARC_PARSE_STRICT) && rec->nerrors > 0) {
        const ma_dmarc_issue *is = &rec->first_error;
        const char *name = dmarc_tag_names[is->tag];
        err->reason = is->reason;
        dmarc_perr_tag(err, name, strlen(name));
        ma__err_set(&err->e, (int64_t)is->offset, "%s=: %s", name,
                    ma__dmarc_rec_reason_str(is->reason));
        rc = MA_ESYNTAX;
        goto fail;
    }
    ma__taglist_free(&tl, ctx);
    return MA_OK;

fail:
    ma__taglist_free(&tl, ctx);
    ma__dmarc_record_free(rec, ctx);
    if (rc == MA_ENOMEM) {
        dmarc_perr_clear(err);
        ma__err_set(&err->e, -1, "out of memory");
    }
    return rc;
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
