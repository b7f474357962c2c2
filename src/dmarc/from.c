/*
 * The DMARC Author Domain: the domain of the one mailbox of the one
 * RFC5322.From field (RFC 7489 6.6.1; draft-ietf-dmarc-dmarcbis-41 5.3.1,
 * 11.5).  See from_int.h for the outcomes.
 *
 * Grammar (RFC 5322 3.2, 3.4, 3.4.1, 3.6.2, with the obsolete forms of
 * 4.1, 4.2, 4.4 and 4.5.2, and UTF-8 per RFC 6532 3.2):
 *
 *   from         = "From" *WSP ":" mailbox-list CRLF
 *   mailbox-list = *([CFWS] ",") mailbox *("," [mailbox / CFWS])
 *   mailbox      = name-addr / addr-spec
 *   name-addr    = [display-name] angle-addr
 *   angle-addr   = [CFWS] "<" [obs-route] addr-spec ">" [CFWS]
 *   obs-route    = *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]) ":"
 *   addr-spec    = local-part "@" domain
 *   local-part   = word *("." word)            (dot-atom and obs-local-part)
 *   display-name = word *(word / "." / CFWS)   (phrase and obs-phrase)
 *   domain       = dot-atom / domain-literal
 *   group        = display-name ":" [group-list] ";" [CFWS]
 *
 * The parser reads the raw value (folding CRLFs in place), so offsets point
 * into exactly what ma_msg_field() returns.  It makes one pass: every byte
 * is looked at a bounded number of times (encoded-word recognition looks
 * ahead at most MA_DMARC_FROM_MAX_EWORD bytes), comments nest at most
 * MA_DMARC_FROM_MAX_COMMENT_DEPTH deep, and nothing is allocated but the
 * normalized domain.
 *
 * Decisions, each refusing rather than guessing:
 * - Group syntax.  RFC 5322 3.6.2 defines From as a mailbox-list, which has
 *   no groups (groups belong to address-list).  RFC 6854 later allowed a
 *   group in From for limited uses, but a group names no author whose
 *   domain DMARC could check, and its display name is what an MUA shows.
 *   An empty group ("undisclosed-recipients:;") yields zero author domains
 *   (dmarcbis 5.3.1: "DMARC validation is not possible"); a group with
 *   members is refused as well, never read as a mailbox-list: both get an
 *   outcome of their own (RFC 7489 6.6.1 lists group syntax among the
 *   exceptions; dmarcbis 11.5 warns about fields without precisely one
 *   author domain).
 * - Several mailboxes: refused whatever the domains (CVE-2019-16378: never
 *   take the first).  dmarcbis 5.3.1 lets a receiver evaluate each; that is
 *   the DMARC layer's choice, made from mailboxes > 1, not ours.
 * - Null members (",a@example.com,") are obsolete syntax (RFC 5322 4.4,
 *   obs-mbox-list) and count for nothing: the field holds one mailbox.
 * - CFWS between the labels of a domain (obs-domain, 4.4: "example . com",
 *   "victim(x).example") is refused as malformed: parsers and MUAs disagree
 *   on what such a domain is.  CFWS around the domain and around "@" is
 *   accepted (3.4.1 says only SHOULD NOT).
 * - A domain must be LDH text (letters, digits, '-', '.') or UTF-8 (a
 *   U-label, RFC 6532); other atext ('_', '!', '=', ...) in a domain is
 *   malformed.  LDH text that is no domain name (one label, a label over 63
 *   octets, a hyphen at a label's end, a bad A-label, a numeric top-level
 *   label as in "user@192.0.2.1": RFC 1123 2.1) is a bad domain.  A
 *   trailing dot is not dot-atom syntax, so it is malformed.
 * - A domain-literal ("[192.0.2.1]") has no DMARC domain: refused with its
 *   own outcome.  Literals in an obsolete route are ignored with the route
 *   (4.4: "the route portion SHOULD be ignored").
 * - Encoded-words (RFC 2047) are opaque text.  One whose encoded-text holds
 *   characters that are special in RFC 5322 ('@', '<', ',', '"', ...) is
 *   not a valid encoded-word in a phrase (RFC 2047 5(3)), but MUAs write
 *   them; such a word is accepted only where a display name is (before
 *   "<" or a group's ":"), and is malformed anywhere else (a local part,
 *   or a phrase with no address after it).  Inside quoted strings and
 *   comments nothing is decoded at all.
 * - NUL anywhere, a CR or LF that is not part of folding (CRLF followed by
 *   WSP), and control characters outside comments and quoted strings are
 *   malformed.  Inside them, obs-ctext and obs-qtext controls are accepted
 *   (4.1); a quoted-pair of NUL, CR or LF (obs-qp) is not.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dmarc/from_int.h"

/* What kind of domain a mailbox has. */
enum {
    FROM_DOM_NONE,    /* no domain text */
    FROM_DOM_ATOM,    /* dot-atom text */
    FROM_DOM_LITERAL  /* [domain literal] */
};

#define FROM_NO_OFFSET ((size_t)-1)

typedef struct from_parser {
    const unsigned char *s;
    size_t len;
    size_t i;

    /* the first syntax error */
    size_t err_off;
    char err[160];

    /* what the value holds */
    size_t nmbox;
    size_t ngroups;
    size_t group_off;        /* where the first group starts */
    size_t second_off;       /* where the second mailbox starts */
    int dom_kind;            /* of the first mailbox */
    size_t dom_off;          /* its domain (or where one was expected) */
    size_t dom_len;
    const char *nodom_what;  /* why it has no domain */
} from_parser;

static const char *const from_outcome_names[MA_DMARC_FROM_OUTCOME_COUNT] = {
    "ok",
    "no_field",
    "multiple_fields",
    "empty",
    "multiple_addrs",
    "group_empty",
    "group",
    "no_domain",
    "domain_literal",
    "bad_domain",
    "malformed",
};

const char *ma__dmarc_from_outcome_name(ma_dmarc_from_outcome o)
{
    if ((int)o < 0 || (int)o >= MA_DMARC_FROM_OUTCOME_COUNT)
        return "unknown";
    return from_outcome_names[o];
}

/* ------------------------------------------------------------ characters */

/* atext (RFC 5322 3.2.3), with UTF8-non-ascii (RFC 6532 3.2). */
static bool from_is_atext(unsigned char c)
{
    if (c >= 0x80 || ma__is_alpha(c) || ma__is_digit(c))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
        return true;
    default:
        return false;
    }
}

/* RFC 2047 2: token = 1*<any CHAR except SPACE, CTLs, and especials>. */
static bool from_is_ew_token(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return false;
    return strchr("()<>@,;:\\\"/[]?.=", c) == NULL;
}

/* ------------------------------------------------------------ errors */

static int from_fail(from_parser *p, size_t off, const char *what)
{
    if (p->err[0] == '\0') {
        p->err_off = off;
        snprintf(p->err, sizeof p->err, "%s at offset %zu", what, off);
    }
    return -1;
}

/* An unexpected byte at p->i (or the end of the value); where ("after an address"...) may be "". */
static int from_unexpected(from_parser *p, const char *where)
{
    char what[96];
    const char *sep = where[0] ? " " : "";
    unsigned char c;

    if (p->i >= p->len)
        return from_fail(p, p->i, "unexpected end of the value");
    c = p->s[p->i];
    if (c == '>')
        snprintf(what, sizeof what, "'>' without a matching '<'%s%s", sep, where);
    else if (c == ')')
        snprintf(what, sizeof what, "')' without a matching '('%s%s", sep, where);
    else if (c == ']')
        snprintf(what, sizeof what, "']' without a matching '['%s%s", sep, where);
    else if (c == 0)
        snprintf(what, sizeof what, "NUL byte%s%s", sep, where);
    else if (c > 0x20 && c < 0x7f)
        snprintf(what, sizeof what, "unexpected '%c'%s%s", (char)c, sep, where);
    else
        snprintf(what, sizeof what, "unexpected byte 0x%02x%s%s", (unsigned)c, sep, where);
    return from_fail(p, p->i, what);
}

/* ------------------------------------------------------------ lexical */

/*
 * At a CR or LF: only CRLF followed by WSP is folding (RFC 5322 2.2.3,
 * 3.2.2 FWS, 4.2 obs-FWS); the CRLF is skipped, the WSP left to the caller.
 */
static int from_fold(from_parser *p)
{
    size_t i = p->i;
    if (p->s[i] == '\r' && i + 2 < p->len && p->s[i + 1] == '\n' && ma__is_wsp(p->s[i + 2])) {
        p->i = i + 2;
        return 0;
    }
    return from_fail(p, i, p->s[i] == '\r' ? "CR outside folding" : "LF outside folding");
}

/* At a backslash: quoted-pair (3.2.1); obs-qp controls allowed, not NUL, CR or LF. */
static int from_quoted_pair(from_parser *p)
{
    unsigned char c;
    if (p->i + 1 >= p->len)
        return from_fail(p, p->i, "backslash at the end of the value");
    c = p->s[p->i + 1];
    if (c == 0)
        return from_fail(p, p->i + 1, "NUL byte");
    if (c == '\r' || c == '\n')
        return from_fail(p, p->i + 1, "quoted CR or LF");
    p->i += 2;
    return 0;
}

/* At '(': a comment (3.2.2), nesting at most MA_DMARC_FROM_MAX_COMMENT_DEPTH deep. */
static int from_comment(from_parser *p)
{
    size_t open = p->i;
    unsigned depth = 0;

    while (p->i < p->len) {
        unsigned char c = p->s[p->i];
        if (c == '(') {
            if (++depth > MA_DMARC_FROM_MAX_COMMENT_DEPTH)
                return from_fail(p, p->i, "comments nested too deep");
            p->i++;
        } else if (c == ')') {
            p->i++;
            if (--depth == 0)
                return 0;
        } else if (c == '\\') {
            if (from_quoted_pair(p) < 0)
                return -1;
        } else if (c == '\r' || c == '\n') {
            if (from_fold(p) < 0)
                return -1;
        } else if (c == 0) {
            return from_fail(p, p->i, "NUL byte in a comment");
        } else {
            p->i++; /* ctext, WSP, obs-ctext, UTF-8 */
        }
    }
    return from_fail(p, open, "unterminated comment");
}

/* Skip CFWS (3.2.2); *saw (when not NULL) tells whether anything was skipped. */
static int from_cfws(from_parser *p, bool *saw)
{
    size_t start = p->i;
    while (p->i < p->len) {
        unsigned char c = p->s[p->i];
        if (ma__is_wsp(c)) {
            p->i++;
        } else if (c == '\r' || c == '\n') {
            if (from_fold(p) < 0)
                return -1;
        } else if (c == '(') {
            if (from_comment(p) < 0)
                return -1;
        } else {
            break;
        }
    }
    if (saw != NULL)
        *saw = p->i != start;
    return 0;
}

/* At '"': a quoted-string (3.2.4); obs-qtext controls and UTF-8 allowed. */
static int from_qstring(from_parser *p)
{
    size_t open = p->i;

    p->i++;
    while (p->i < p->len) {
        unsigned char c = p->s[p->i];
        if (c == '"') {
            p->i++;
            return 0;
        } else if (c == '\\') {
            if (from_quoted_pair(p) < 0)
                return -1;
        } else if (c == '\r' || c == '\n') {
            if (from_fold(p) < 0)
                return -1;
        } else if (c == 0) {
            return from_fail(p, p->i, "NUL byte in a quoted string");
        } else {
            p->i++;
        }
    }
    return from_fail(p, open, "unterminated quoted string");
}

/*
 * At "=?": an encoded-word (RFC 2047 2), "=?" charset "?" encoding "?"
 * encoded-text "?=", at most MA_DMARC_FROM_MAX_EWORD bytes, followed by
 * the end, white space or a delimiter (RFC 2047 5(3): encoded-words are
 * separated from neighbouring words by white space).  On a match the
 * cursor moves past it and *special tells whether its text holds bytes
 * that are not atext.  No match leaves the cursor alone.
 */
static bool from_eword(from_parser *p, bool *special)
{
    const unsigned char *s = p->s;
    size_t lim = p->len - p->i > MA_DMARC_FROM_MAX_EWORD ? p->i + MA_DMARC_FROM_MAX_EWORD : p->len;
    size_t j = p->i + 2, k;
    int part;
    bool sp = false;

    for (part = 0; part < 2; part++) { /* charset, encoding */
        k = j;
        while (j < lim && from_is_ew_token(s[j]))
            j++;
        if (j == k || j >= lim || s[j] != '?')
            return false;
        j++;
    }
    k = j;
    while (j < lim && s[j] > 0x20 && s[j] < 0x7f && s[j] != '?') {
        if (!from_is_atext(s[j]))
            sp = true;
        j++;
    }
    if (j == k || j + 2 > lim || s[j] != '?' || s[j + 1] != '=')
        return false;
    j += 2;
    if (j < p->len) {
        unsigned char c = s[j];
        if (!(ma__is_wsp(c) || c == '\r' || c == '\n' || c == '(' || c == '<' || c == ','
              || c == ';' || c == ':'))
            return false;
    }
    p->i = j;
    *special = sp;
    return true;
}

/* ------------------------------------------------------------ grammar */

static void from_mailbox(from_parser *p, size_t start, int kind, size_t dom_off, size_t dom_len,
                         const char *nodom_what)
{
    p->nmbox++;
    if (p->nmbox == 1) {
        p->dom_kind = kind;
        p->dom_off = dom_off;
        p->dom_len = dom_len;
        p->nodom_what = nodom_what;
    } else if (p->nmbox == 2) {
        p->second_off = start;
    }
}

/*
 * After "@": domain = dot-atom / domain-literal, with CFWS around it
 * (obs-domain's CFWS between labels is refused).  *kind is FROM_DOM_NONE
 * when no domain text follows (*off then says where it was expected).
 */
static int from_domain(from_parser *p, int *kind, size_t *off, size_t *len)
{
    bool saw;
    size_t open, k;

    if (from_cfws(p, NULL) < 0)
        return -1;
    *kind = FROM_DOM_NONE;
    *off = p->i;
    *len = 0;
    if (p->i >= p->len)
        return 0;
    if (p->s[p->i] == '[') {
        /* domain-literal = [CFWS] "[" *([FWS] dtext) [FWS] "]" [CFWS]; obs-dtext (4.4) */
        open = p->i++;
        for (;;) {
            unsigned char c;
            if (p->i >= p->len)
                return from_fail(p, open, "unterminated domain literal");
            c = p->s[p->i];
            if (c == ']') {
                p->i++;
                break;
            } else if (c == '[') {
                return from_fail(p, p->i, "'[' inside a domain literal");
            } else if (c == '\\') {
                if (from_quoted_pair(p) < 0)
                    return -1;
            } else if (c == '\r' || c == '\n') {
                if (from_fold(p) < 0)
                    return -1;
            } else if (c == 0) {
                return from_fail(p, p->i, "NUL byte in a domain literal");
            } else {
                p->i++;
            }
        }
        *kind = FROM_DOM_LITERAL;
        *len = p->i - open;
    } else if (from_is_atext(p->s[p->i]) || p->s[p->i] == '.') {
        /* dot-atom-text = 1*atext *("." 1*atext) */
        open = p->i;
        while (p->i < p->len && (from_is_atext(p->s[p->i]) || p->s[p->i] == '.'))
            p->i++;
        for (k = open; k < p->i; k++) {
            if (p->s[k] == '.' && (k == open || k + 1 == p->i || p->s[k + 1] == '.'))
                return from_fail(p, k, k + 1 == p->i && k != open
                                           ? "domain ends with '.'"
                                           : "empty label in the domain");
        }
        *kind = FROM_DOM_ATOM;
        *len = p->i - open;
    } else {
        return 0;
    }
    if (from_cfws(p, &saw) < 0)
        return -1;
    if (saw && p->i < p->len && p->s[p->i] == '.')
        return from_fail(p, p->i, "comment or white space inside the domain");
    return 0;
}

/*
 * A run of words and dots: quoted strings, atoms and, when ewords is set,
 * encoded-words.  Reports the number of words, whether the run is a valid
 * local-part (word *("." word)), and the offset of the first encoded-word
 * with special characters (FROM_NO_OFFSET when none).  Stops, after CFWS,
 * at the first byte that starts none of these.
 */
static int from_words(from_parser *p, bool ewords, size_t *nwords_out, size_t *ndots_out,
                      bool *local_ok_out, size_t *special_out)
{
    size_t nwords = 0, ndots = 0, special = FROM_NO_OFFSET;
    bool local_ok = true, expect_word = true;

    for (;;) {
        size_t at;
        unsigned char c;
        bool sp = false;

        if (from_cfws(p, NULL) < 0)
            return -1;
        if (p->i >= p->len)
            break;
        at = p->i;
        c = p->s[at];
        if (c == '"') {
            if (from_qstring(p) < 0)
                return -1;
        } else if (ewords && c == '=' && at + 1 < p->len && p->s[at + 1] == '?'
                   && from_eword(p, &sp)) {
            if (sp && special == FROM_NO_OFFSET)
                special = at;
        } else if (from_is_atext(c)) {
            while (p->i < p->len && from_is_atext(p->s[p->i]))
                p->i++;
        } else if (c == '.') {
            if (expect_word)
                local_ok = false;
            expect_word = true;
            ndots++;
            p->i++;
            continue;
        } else {
            break;
        }
        if (!expect_word)
            local_ok = false; /* two words without a '.' between them */
        expect_word = false;
        nwords++;
    }
    *nwords_out = nwords;
    *ndots_out = ndots;
    *local_ok_out = local_ok && nwords > 0 && !expect_word;
    *special_out = special;
    return 0;
}

/*
 * At '<': angle-addr / obs-angle-addr (3.4, 4.4).  start is where the
 * mailbox (its display name, if any) starts.
 */
static int from_angle(from_parser *p, size_t start)
{
    size_t open = p->i, local_at, nwords, ndots, special, dom_off, dom_len;
    const char *nodom;
    bool local_ok;
    int kind;

    p->i++;
    if (from_cfws(p, NULL) < 0)
        return -1;
    if (p->i < p->len && (p->s[p->i] == '@' || p->s[p->i] == ',')) {
        /* obs-route = *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]) ":" */
        for (;;) {
            if (from_cfws(p, NULL) < 0)
                return -1;
            if (p->i < p->len && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            break;
        }
        for (;;) {
            if (p->i >= p->len || p->s[p->i] != '@')
                return from_unexpected(p, "in a route");
            p->i++;
            if (from_domain(p, &kind, &dom_off, &dom_len) < 0)
                return -1;
            if (kind == FROM_DOM_NONE)
                return from_fail(p, p->i, "route without a domain");
            /* then "," [CFWS] ["@" domain] ... ":" */
            while (p->i < p->len && p->s[p->i] == ',') {
                p->i++;
                if (from_cfws(p, NULL) < 0)
                    return -1;
            }
            if (p->i < p->len && p->s[p->i] == ':') {
                p->i++;
                break;
            }
        }
        if (from_cfws(p, NULL) < 0)
            return -1;
    }
    local_at = p->i;
    if (from_words(p, false, &nwords, &ndots, &local_ok, &special) < 0)
        return -1;
    if (p->i >= p->len)
        return from_fail(p, open, "'<' without a matching '>'");
    if (p->s[p->i] == '>' && nwords == 0 && ndots == 0) {
        p->i++;
        from_mailbox(p, start, FROM_DOM_NONE, local_at, 0, "empty address <>");
        return 0;
    }
    if (p->s[p->i] == '@') {
        if (nwords == 0)
            return from_fail(p, p->i, "'@' without a local part");
        if (!local_ok)
            return from_fail(p, local_at, "invalid local part");
        p->i++;
        if (from_domain(p, &kind, &dom_off, &dom_len) < 0)
            return -1;
        nodom = "'@' without a domain";
    } else if (p->s[p->i] == '>') {
        if (!local_ok)
            return from_fail(p, local_at, "invalid local part");
        kind = FROM_DOM_NONE;
        dom_off = p->i;
        dom_len = 0;
        nodom = "address without '@domain'";
    } else {
        return from_unexpected(p, "in an angle-addr");
    }
    if (p->i >= p->len)
        return from_fail(p, open, "'<' without a matching '>'");
    if (p->s[p->i] != '>')
        return from_unexpected(p, "in an angle-addr");
    p->i++;
    from_mailbox(p, start, kind, dom_off, dom_len, nodom);
    return 0;
}

static int from_list(from_parser *p, bool in_group);

/* One address at p->i (after CFWS): a mailbox, or a group when !in_group. */
static int from_address(from_parser *p, bool in_group)
{
    size_t start = p->i, nwords, ndots, special, dom_off, dom_len, at;
    bool local_ok;
    int kind;

    if (p->s[p->i] == '<')
        return from_angle(p, start);
    if (from_words(p, true, &nwords, &ndots, &local_ok, &special) < 0)
        return -1;
    at = p->i;
    if (at < p->len && p->s[at] == '<') {
        /* name-addr: the run was the display name (obs-phrase allows '.') */
        if (nwords == 0)
            return from_fail(p, start, "display name without a word");
        return from_angle(p, start);
    }
    if (at < p->len && p->s[at] == ':') {
        /* group = display-name ":" [group-list] ";" [CFWS] */
        if (in_group)
            return from_fail(p, at, "group inside a group");
        if (nwords == 0)
            return from_fail(p, at, "group without a display name");
        if (p->ngroups++ == 0)
            p->group_off = start;
        p->i++;
        if (from_list(p, true) < 0)
            return -1;
        if (p->i >= p->len)
            return from_fail(p, at, "group without ';'");
        p->i++; /* ';' */
        return 0;
    }
    if (special != FROM_NO_OFFSET)
        return from_fail(p, special,
                         "encoded-word with special characters outside a display name");
    if (at < p->len && p->s[at] == '@') {
        /* addr-spec = local-part "@" domain */
        if (nwords == 0)
            return from_fail(p, at, "'@' without a local part");
        if (!local_ok)
            return from_fail(p, start, "invalid local part");
        p->i++;
        if (from_domain(p, &kind, &dom_off, &dom_len) < 0)
            return -1;
        from_mailbox(p, start, kind, dom_off, dom_len, "'@' without a domain");
        return 0;
    }
    if (nwords == 0 && ndots == 0)
        return from_unexpected(p, in_group ? "in a group" : "");
    if (at < p->len && p->s[at] != ',' && !(in_group && p->s[at] == ';'))
        return from_unexpected(p, "after a word");
    if (!local_ok)
        return from_fail(p, start, "display name without an address");
    from_mailbox(p, start, FROM_DOM_NONE, at, 0, "address without '@domain'");
    return 0;
}

/*
 * mailbox-list (obs-mbox-list: null members allowed), or inside a group
 * the group-list up to, not including, its ';'.
 */
static int from_list(from_parser *p, bool in_group)
{
    for (;;) {
        if (from_cfws(p, NULL) < 0)
            return -1;
        if (p->i >= p->len)
            return 0;
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (in_group && p->s[p->i] == ';')
            return 0;
        if (from_address(p, in_group) < 0)
            return -1;
        if (from_cfws(p, NULL) < 0)
            return -1;
        if (p->i >= p->len)
            return 0;
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (in_group && p->s[p->i] == ';')
            return 0;
        return from_unexpected(p, "after an address");
    }
}

/* ------------------------------------------------------------ outcomes */

/* The one mailbox's domain: LDH or UTF-8 text, normalized. */
static int from_domain_outcome(ma_dmarc_from *out, const ma_ctx *ctx, const from_parser *p)
{
    const char *d = (const char *)p->s + p->dom_off;
    size_t n = p->dom_len, k, last;
    bool numeric = true;
    ma_buf b;
    int rc;

    for (k = 0; k < n; k++) {
        unsigned char c = (unsigned char)d[k];
        if (c < 0x80 && !(ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '.')) {
            out->outcome = MA_DMARC_FROM_MALFORMED;
            ma__err_set(&out->err, (int64_t)(p->dom_off + k),
                        "invalid character '%c' in the domain at offset %zu", (char)c,
                        p->dom_off + k);
            return MA_OK;
        }
    }
    ma__buf_init(&b, ctx);
    rc = ma__domain_normalize_buf(&b, ctx, d, n, 0);
    if (rc == MA_ENOMEM) {
        ma__buf_free(&b);
        return rc;
    }
    if (rc != MA_OK) {
        ma__buf_free(&b);
        out->outcome = MA_DMARC_FROM_BAD_DOMAIN;
        ma__err_set(&out->err, (int64_t)p->dom_off, "invalid domain name '%.*s' at offset %zu",
                    n > 64 ? 64 : (int)n, d, p->dom_off);
        return MA_OK;
    }
    /* RFC 1123 2.1: a top-level label is never all-numeric; "user@192.0.2.1"
       is an address without its brackets, not a DMARC domain. */
    last = b.len;
    while (last > 0 && b.data[last - 1] != '.')
        last--;
    for (k = last; k < b.len; k++)
        if (!ma__is_digit((unsigned char)b.data[k]))
            numeric = false;
    if (numeric) {
        ma__buf_free(&b);
        out->outcome = MA_DMARC_FROM_BAD_DOMAIN;
        ma__err_set(&out->err, (int64_t)p->dom_off,
                    "numeric top-level label in '%.*s' at offset %zu (RFC 1123 2.1)",
                    n > 64 ? 64 : (int)n, d, p->dom_off);
        return MA_OK;
    }
    out->domain = ma__buf_steal(&b, &out->domain_len);
    if (out->domain == NULL) {
        ma__buf_free(&b);
        out->domain_len = 0;
        return MA_ENOMEM;
    }
    out->outcome = MA_DMARC_FROM_OK;
    out->err.text[0] = '\0';
    out->err.offset = (int64_t)p->dom_off;
    return MA_OK;
}

static void from_init(ma_dmarc_from *out)
{
    out->outcome = MA_DMARC_FROM_MALFORMED;
    out->domain = NULL;
    out->domain_len = 0;
    out->field = -1;
    out->mailboxes = 0;
    ma__err_clear(&out->err);
}

int ma__dmarc_from_parse(ma_dmarc_from *out, const ma_ctx *ctx, const char *value, size_t len)
{
    from_parser p;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    from_init(out);
    if (ctx == NULL || (value == NULL && len > 0)) {
        ma__err_set(&out->err, -1, "invalid argument");
        return MA_EINVAL;
    }
    if (len > ma__limit(ctx, MA_LIMIT_HEADER_FIELD_BYTES)) {
        ma__err_set(&out->err, -1, "From value of %zu bytes is longer than %s", len,
                    ma_limit_name(MA_LIMIT_HEADER_FIELD_BYTES));
        return MA_ELIMIT;
    }

    memset(&p, 0, sizeof p);
    p.s = (const unsigned char *)(value != NULL ? value : "");
    p.len = len;
    p.dom_kind = FROM_DOM_NONE;
    if (from_list(&p, false) < 0) {
        out->mailboxes = p.nmbox;
        out->outcome = MA_DMARC_FROM_MALFORMED;
        ma__err_set(&out->err, (int64_t)p.err_off, "malformed From: %s", p.err);
        return MA_OK;
    }
    out->mailboxes = p.nmbox;
    if (p.ngroups > 0) {
        out->outcome = p.nmbox == 0 ? MA_DMARC_FROM_GROUP_EMPTY : MA_DMARC_FROM_GROUP;
        ma__err_set(&out->err, (int64_t)p.group_off, "group syntax%s at offset %zu",
                    p.nmbox == 0 ? " without mailboxes" : "", p.group_off);
        return MA_OK;
    }
    if (p.nmbox == 0) {
        out->outcome = MA_DMARC_FROM_EMPTY;
        ma__err_set(&out->err, 0, "no mailbox in From");
        return MA_OK;
    }
    if (p.nmbox > 1) {
        out->outcome = MA_DMARC_FROM_MULTIPLE_ADDRS;
        ma__err_set(&out->err, (int64_t)p.second_off,
                    "%zu mailboxes in From (the second at offset %zu)", p.nmbox, p.second_off);
        return MA_OK;
    }
    switch (p.dom_kind) {
    case FROM_DOM_NONE:
        out->outcome = MA_DMARC_FROM_NO_DOMAIN;
        ma__err_set(&out->err, (int64_t)p.dom_off, "%s at offset %zu", p.nodom_what,
                    p.dom_off);
        return MA_OK;
    case FROM_DOM_LITERAL:
        out->outcome = MA_DMARC_FROM_DOMAIN_LITERAL;
        ma__err_set(&out->err, (int64_t)p.dom_off,
                    "domain literal '%.*s' at offset %zu has no DMARC domain",
                    p.dom_len > 64 ? 64 : (int)p.dom_len, (const char *)p.s + p.dom_off,
                    p.dom_off);
        return MA_OK;
    default:
        break;
    }
    rc = from_domain_outcome(out, ctx, &p);
    if (rc != MA_OK) {
        from_init(out);
        ma__err_set(&out->err, -1, "out of memory");
    }
    return rc;
}

int ma__dmarc_from_extract(ma_dmarc_from *out, const ma_ctx *ctx, const ma_msg *msg)
{
    size_t n, i, count = 0;
    long first = -1, second = -1;
    const char *value = NULL;
    size_t value_len = 0;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    from_init(out);
    if (ctx == NULL || msg == NULL) {
        ma__err_set(&out->err, -1, "invalid argument");
        return MA_EINVAL;
    }
    if (!ma_msg_header_done(msg)) {
        ma__err_set(&out->err, -1, "the header is not complete");
        return MA_ESTATE;
    }
    n = ma_msg_field_count(msg);
    for (i = 0; i < n; i++) {
        const char *name, *v;
        size_t name_len, v_len;
        if (ma_msg_field(msg, i, &name, &name_len, &v, &v_len) != MA_OK)
            continue;
        /* The reader reports the name without the WSP of obs-from ("From :",
           RFC 5322 4.5.2); trim it here too so that never depends on it. */
        while (name_len > 0 && ma__is_wsp((unsigned char)name[name_len - 1]))
            name_len--;
        if (ma__casecmp(name, name_len, "From", 4) != 0)
            continue;
        if (count == 0) {
            first = (long)i;
            value = v;
            value_len = v_len;
        } else if (count == 1) {
            second = (long)i;
        }
        count++;
    }
    if (count == 0) {
        out->outcome = MA_DMARC_FROM_NO_FIELD;
        ma__err_set(&out->err, -1, "no From field");
        return MA_OK;
    }
    if (count > 1) {
        /* RFC 5322 3.6: From occurs exactly once; RFC 7489 6.6.1 */
        out->outcome = MA_DMARC_FROM_MULTIPLE_FIELDS;
        out->field = second;
        ma__err_set(&out->err, -1, "%zu From fields (fields %ld and %ld, ...)", count, first,
                    second);
        return MA_OK;
    }
    rc = ma__dmarc_from_parse(out, ctx, value, value_len);
    out->field = first;
    return rc;
}

void ma__dmarc_from_free(ma_dmarc_from *out, const ma_ctx *ctx)
{
    if (out == NULL)
        return;
    if (out->domain != NULL && ctx != NULL)
        ma__free(ctx, out->domain);
    out->domain = NULL;
    out->domain_len = 0;
}
