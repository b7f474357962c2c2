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
 * normalized domain (and not even that when the caller gives a buffer).
 *
 * The two shapes nearly every From field has, "local@domain" and
 * "Display Name <local@domain>" without comments, folding or
 * encoded-words, are first tried by a short path (from_fast) that finds
 * what the general parser would find for them (one mailbox, its dot-atom
 * domain) and, in the same pass, whether that domain is already in
 * normal form (lower-case LDH), so that it is used as written.  Anything
 * else, errors included, goes to the general parser.
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
    int dom_plain;           /* -1 not known, else whether ma__dmarc_domain_plain() holds */
    size_t dom_tld;          /* with dom_plain 1: where its last label starts */
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

/* atext (RFC 5322 3.2.3), with UTF8-non-ascii (RFC 6532 3.2): ALPHA,
   DIGIT, "!#$%&'*+-/=?^_`{|}~" and every byte from 0x80. */
static const unsigned char from_atext_tab[256] = {
    /* 0x00-0x1f */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* SP ! " # $ % & ' ( ) * + , - . / */
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1,
    /* 0-9 : ; < = > ? */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1,
    /* @ A-O */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* P-Z [ \ ] ^ _ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    /* ` a-o */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* p-z { | } ~ DEL */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    /* 0x80-0xff */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static inline bool from_is_atext(unsigned char c)
{
    return from_atext_tab[c] != 0;
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

/* ------------------------------------------------------------ fast path */

/* Lower-case LDH: a-z, 0-9, '-'. */
static const unsigned char from_ldh_tab[256] = {
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['-'] = 1,
};

/*
 * A dot-atom-text at i (1*atext *("." 1*atext)): its end, or 0 when what
 * starts there is not one or runs on with '.' (the general parser takes
 * the atext and '.' run as a whole and words the error).  With plain set,
 * also whether it is a name ma__dmarc_domain_plain() accepts (lower-case
 * LDH labels of 1 to 63 octets without a hyphen at either end or an
 * "xn--" start, at least two, at most 253 octets), found in the same pass,
 * and where its last label starts (*last_label).
 */
static size_t from_dot_atom(const unsigned char *s, size_t len, size_t i, bool *plain,
                            size_t *last_label)
{
    const size_t start = i;
    size_t labels = 0, l0;
    unsigned int ldh = 1;
    bool ok = true;

    for (;;) {
        l0 = i;
        while (i < len && from_is_atext(s[i]))
            ldh &= from_ldh_tab[s[i++]];
        if (i == l0)
            return 0;   /* empty: nothing, a leading '.', or ".." */
        if (i - l0 > 63 || s[l0] == '-' || s[i - 1] == '-'
            || (i - l0 >= 4 && s[l0] == 'x' && s[l0 + 1] == 'n' && s[l0 + 2] == '-'
                && s[l0 + 3] == '-'))
            ok = false;
        labels++;
        if (i >= len || s[i] != '.')
            break;
        i++;
    }
    if (plain != NULL) {
        *plain = ok && ldh && labels >= 2 && i - start <= 253;
        *last_label = l0;
    }
    return i;
}

/*
 * "local@domain" at i, both dot-atom text without CFWS: the end of the
 * domain (0 when it is not that shape); the domain's span goes to
 * *dom_off, *dom_len, whether it is plain to *plain, where its last label
 * starts to *tld.
 */
static size_t from_fast_addr(const unsigned char *s, size_t len, size_t i, size_t *dom_off,
                             size_t *dom_len, bool *plain, size_t *tld)
{
    size_t at = from_dot_atom(s, len, i, NULL, NULL), end;
    if (at == 0 || at >= len || s[at] != '@')
        return 0;
    end = from_dot_atom(s, len, at + 1, plain, tld);
    if (end == 0)
        return 0;
    *dom_off = at + 1;
    *dom_len = end - (at + 1);
    return end;
}

/*
 * The shapes nearly every From value has, read without the general parser:
 *     [WSP] local "@" domain [WSP]
 *     [WSP] [display-name] "<" local "@" domain ">" [WSP]
 * local and domain are dot-atom text without CFWS inside or around them;
 * the display name is atoms, '.', WSP and quoted strings without
 * quoted-pairs or folding, at least one atom or quoted string; no CR, LF
 * or comment anywhere, and no "=?" (nothing that could be an
 * encoded-word).  For such a value the general parser (from_list) finds
 * exactly one mailbox, no group, and that dot-atom domain: true with its
 * span (and whether it is plain, see from_dot_atom).  false for
 * everything else, left to the general parser (which also words every
 * error).
 */
static bool from_fast(const unsigned char *s, size_t len, size_t *dom_off, size_t *dom_len,
                      bool *plain, size_t *tld)
{
    size_t i = 0, end, k, words = 0, dots = 0;

    for (k = 0; k + 1 < len; k++) {
        const unsigned char *eq = memchr(s + k, '=', len - 1 - k);
        if (eq == NULL)
            break;
        k = (size_t)(eq - s);
        if (s[k + 1] == '?')
            return false;
    }
    while (i < len && ma__is_wsp(s[i]))
        i++;
    end = from_fast_addr(s, len, i, dom_off, dom_len, plain, tld);
    if (end == 0) {
        /* [display-name] "<" addr-spec ">" */
        while (i < len && s[i] != '<') {
            unsigned char c = s[i];
            if (ma__is_wsp(c)) {
                i++;
            } else if (c == '.') {
                i++;
                dots++;
            } else if (from_is_atext(c)) {
                while (i < len && from_is_atext(s[i]))
                    i++;
                words++;
            } else if (c == '"') {
                for (i++; i < len && s[i] != '"'; i++)
                    if (s[i] == '\\' || s[i] == '\r' || s[i] == '\n' || s[i] == 0)
                        return false;
                if (i >= len)
                    return false;
                i++;
                words++;
            } else {
                return false;
            }
        }
        /* no display name at all, or one with a word ("." alone is none) */
        if (i >= len || (words == 0 && dots > 0))
            return false;
        end = from_fast_addr(s, len, i + 1, dom_off, dom_len, plain, tld);
        if (end == 0 || end >= len || s[end] != '>')
            return false;
        end++;
    }
    while (end < len && ma__is_wsp(s[end]))
        end++;
    return end == len;
}

/* ------------------------------------------------------------ outcomes */

/* The one mailbox's domain: LDH or UTF-8 text, normalized (into buf, cap
   bytes, when given and large enough; else onto the heap). */
static int from_domain_outcome(ma_dmarc_from *out, const ma_ctx *ctx, const from_parser *p,
                               char *buf, size_t cap)
{
    const char *d = (const char *)p->s + p->dom_off;
    size_t n = p->dom_len, k, last, plain_len = n;
    const bool plain =
        p->dom_plain >= 0 ? p->dom_plain != 0 : ma__dmarc_domain_plain(d, n, false, &plain_len);
    bool numeric = true;
    ma_buf b;
    int rc;

    last = SIZE_MAX;
    if (plain && buf != NULL && cap > plain_len) {
        /* the usual case: the name as written, into the caller's buffer */
        ma__buf_init_on(&b, ctx, buf, cap);
        memcpy(buf, d, plain_len);
        buf[plain_len] = '\0';
        b.len = plain_len;
        if (p->dom_plain > 0)
            last = p->dom_tld - p->dom_off;   /* found by the fast path */
    } else {
        /* a plain name has only LDH characters: nothing to check */
        for (k = plain ? n : 0; k < n; k++) {
            unsigned char c = (unsigned char)d[k];
            if (c < 0x80 && !(ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '.')) {
                out->outcome = MA_DMARC_FROM_MALFORMED;
                ma__err_set(&out->err, (int64_t)(p->dom_off + k),
                            "invalid character '%c' in the domain at offset %zu", (char)c,
                            p->dom_off + k);
                return MA_OK;
            }
        }
        if (buf != NULL && cap > 0)
            ma__buf_init_on(&b, ctx, buf, cap);
        else
            ma__buf_init(&b, ctx);
        if (plain) {
            /* already what ma__domain_normalize_buf() would give */
            rc = ma__buf_append(&b, d, plain_len);
        } else {
            rc = ma__domain_normalize_buf(&b, ctx, d, n, 0);
        }
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
    }
    /* RFC 1123 2.1: a top-level label is never all-numeric; "user@192.0.2.1"
       is an address without its brackets, not a DMARC domain. */
    if (last == SIZE_MAX) {
        last = b.len;
        while (last > 0 && b.data[last - 1] != '.')
            last--;
    }
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
    if (b.borrowed) {
        /* still in the caller's buffer */
        out->domain = b.data;
        out->domain_len = b.len;
        out->domain_borrowed = 1;
    } else {
        out->domain = ma__buf_steal(&b, &out->domain_len);
        if (out->domain == NULL) {
            ma__buf_free(&b);
            out->domain_len = 0;
            return MA_ENOMEM;
        }
    }
    out->outcome = MA_DMARC_FROM_OK;
    out->domain_plain = plain;
    out->err.text[0] = '\0';
    out->err.offset = (int64_t)p->dom_off;
    return MA_OK;
}

static void from_init(ma_dmarc_from *out)
{
    out->outcome = MA_DMARC_FROM_MALFORMED;
    out->domain = NULL;
    out->domain_len = 0;
    out->domain_borrowed = 0;
    out->domain_plain = 0;
    out->field = -1;
    out->mailboxes = 0;
    ma__err_clear(&out->err);
}

static int from_parse_into(ma_dmarc_from *out, const ma_ctx *ctx, const char *value, size_t len,
                           char *buf, size_t cap)
{
    from_parser p;
    bool plain = false;
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

    /* field by field: a memset of the error text would cost more than the
       usual parse */
    p.s = (const unsigned char *)(value != NULL ? value : "");
    p.len = len;
    p.i = 0;
    p.err_off = 0;
    p.err[0] = '\0';
    p.nmbox = 0;
    p.ngroups = 0;
    p.group_off = 0;
    p.second_off = 0;
    p.dom_kind = FROM_DOM_NONE;
    p.dom_off = 0;
    p.dom_len = 0;
    p.nodom_what = NULL;
    p.dom_plain = -1;
    p.dom_tld = 0;
    if (from_fast(p.s, len, &p.dom_off, &p.dom_len, &plain, &p.dom_tld)) {
        /* what from_list() finds for these shapes: one mailbox, its
           dot-atom domain */
        p.nmbox = 1;
        p.dom_kind = FROM_DOM_ATOM;
        p.dom_plain = plain;
    } else if (from_list(&p, false) < 0) {
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
    rc = from_domain_outcome(out, ctx, &p, buf, cap);
    if (rc != MA_OK) {
        from_init(out);
        ma__err_set(&out->err, -1, "out of memory");
    }
    return rc;
}

int ma__dmarc_from_parse(ma_dmarc_from *out, const ma_ctx *ctx, const char *value, size_t len)
{
    return from_parse_into(out, ctx, value, len, NULL, 0);
}

static int from_extract_into(ma_dmarc_from *out, const ma_ctx *ctx, const ma_msg *msg, char *buf,
                             size_t cap)
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
        if (name_len != 4 || (name[0] | 0x20) != 'f' || (name[1] | 0x20) != 'r'
            || (name[2] | 0x20) != 'o' || (name[3] | 0x20) != 'm')
            continue;   /* "From", ASCII case-insensitively (letters only) */
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
    rc = from_parse_into(out, ctx, value, value_len, buf, cap);
    out->field = first;
    return rc;
}

int ma__dmarc_from_extract(ma_dmarc_from *out, const ma_ctx *ctx, const ma_msg *msg)
{
    return from_extract_into(out, ctx, msg, NULL, 0);
}

int ma__dmarc_from_extract_buf(ma_dmarc_from *out, const ma_ctx *ctx, const ma_msg *msg,
                               char *buf, size_t cap)
{
    return from_extract_into(out, ctx, msg, buf, cap);
}

void ma__dmarc_from_free(ma_dmarc_from *out, const ma_ctx *ctx)
{
    if (out == NULL)
        return;
    if (out->domain != NULL && ctx != NULL && !out->domain_borrowed)
        ma__free(ctx, out->domain);
    out->domain = NULL;
    out->domain_len = 0;
    out->domain_borrowed = 0;
}
