/*
 * libmailauth internals: the DMARC Author Domain, taken from the
 * RFC5322.From field (RFC 7489 6.6.1; draft-ietf-dmarc-dmarcbis-41 3.2.2,
 * 5.3.1 and 11.5).
 *
 * Exactly one From field holding exactly one mailbox whose domain is a
 * valid domain name gives the Author Domain, normalized (lower case,
 * U-labels converted to A-labels, RFC 5891 via src/core/domain.c).  Every
 * other shape of the header gets an outcome of its own; none of them names
 * a domain, and the DMARC layer must map each of them to a verdict the MTA
 * treats as a failure (dmarcbis 11.5: messages without precisely one
 * author domain are an attack vector).  No outcome means "no DMARC
 * applies": a parser that gave up and said "none" was a real OpenDMARC
 * bypass.
 *
 * The field value is parsed with the full RFC 5322 3.4 grammar and its
 * obsolete forms (4.4), with explicit lengths, in one pass whose work is
 * linear in the value's length (comment nesting bounded by
 * MA_DMARC_FROM_MAX_COMMENT_DEPTH, encoded-word recognition by
 * MA_DMARC_FROM_MAX_EWORD).
 */
#ifndef MA_DMARC_FROM_INT_H
#define MA_DMARC_FROM_INT_H

#include "core/core.h"
#include "mailauth/message.h"

/* Deepest nesting of comments accepted ("((((x))))" is depth 4); deeper is malformed. */
#define MA_DMARC_FROM_MAX_COMMENT_DEPTH 32
/* Longest encoded-word recognised as one opaque word (RFC 2047 2: "may not be more than 75
   characters long"); a longer "=?...?=" is lexed as ordinary RFC 5322 text. */
#define MA_DMARC_FROM_MAX_EWORD 75

typedef enum ma_dmarc_from_outcome {
    MA_DMARC_FROM_OK = 0,             /* one From field, one mailbox, a valid domain */
    MA_DMARC_FROM_NO_FIELD,           /* no From field at all (RFC 5322 3.6: exactly one) */
    MA_DMARC_FROM_MULTIPLE_FIELDS,    /* more than one From field (RFC 5322 3.6) */
    MA_DMARC_FROM_EMPTY,              /* a From field without any mailbox ("From:", "From: (x)") */
    MA_DMARC_FROM_MULTIPLE_ADDRS,     /* a mailbox-list of several mailboxes (CVE-2019-16378) */
    MA_DMARC_FROM_GROUP_EMPTY,        /* group syntax without mailboxes ("undisclosed:;") */
    MA_DMARC_FROM_GROUP,              /* group syntax holding mailboxes ("list: a@example.com;") */
    MA_DMARC_FROM_NO_DOMAIN,          /* the mailbox has no "@domain" ("user", "<>", "<user@>") */
    MA_DMARC_FROM_DOMAIN_LITERAL,     /* the domain is a domain-literal ("user@[192.0.2.1]") */
    MA_DMARC_FROM_BAD_DOMAIN,         /* LDH or U-label text that is no valid domain name */
    MA_DMARC_FROM_MALFORMED           /* the value does not parse (permerror) */
} ma_dmarc_from_outcome;

/* Number of outcomes (for tables and range checks). */
#define MA_DMARC_FROM_OUTCOME_COUNT 11

/* A short lower-case name ("ok", "no_field", "multiple_addrs"...), or "unknown". */
const char *ma__dmarc_from_outcome_name(ma_dmarc_from_outcome o);

/*
 * The result.  domain is set (NUL-terminated, domain_len octets;
 * ctx-allocated, or in the caller's buffer with domain_borrowed set after
 * ma__dmarc_from_extract_buf) only for MA_DMARC_FROM_OK, and NULL
 * otherwise.  err.text says what was found or what is wrong ("" for OK);
 * err.offset is the offset in the raw field value (as ma_msg_field() gives
 * it: after the colon, folding CRLFs included) of the domain for OK, of
 * the problem otherwise, or -1 when there is no place in a value to point
 * at (no field, several fields).
 */
typedef struct ma_dmarc_from {
    ma_dmarc_from_outcome outcome;
    char *domain;
    size_t domain_len;
    int domain_borrowed; /* domain is the caller's buffer (not freed) */
    int domain_plain;    /* domain is as written, ma__dmarc_domain_plain() holds */
    long field;        /* index of the From field (the second one for MULTIPLE_FIELDS), or -1 */
    size_t mailboxes;  /* mailboxes found in the value, groups' members included (for
                          MALFORMED: those read before the error; 0 without a parse) */
    ma_errbuf err;
} ma_dmarc_from;

/*
 * Parse one From field value, value[0..len) (need not be NUL-terminated;
 * FWS may contain CRLF followed by WSP; any other CR or LF, and any NUL,
 * is malformed).  out is overwritten (out->field is -1); free it with
 * ma__dmarc_from_free().  Returns MA_OK whatever the outcome, MA_EINVAL
 * (NULL out or ctx, NULL value with len > 0), MA_ELIMIT (len above
 * MA_LIMIT_HEADER_FIELD_BYTES), MA_ENOMEM; after an error out holds no
 * domain and outcome MA_DMARC_FROM_MALFORMED.
 */
int ma__dmarc_from_parse(ma_dmarc_from *out, const ma_ctx *ctx, const char *value, size_t len);

/*
 * The Author Domain of a message whose header is complete: finds the From
 * fields (name compared ASCII case-insensitively, WSP before the colon
 * allowed: RFC 5322 4.5.2 obs-from), refuses none or several, and parses
 * the one value with ma__dmarc_from_parse().  Returns as that function, and
 * MA_ESTATE when the header is not complete (ma_msg_header_done()).
 */
int ma__dmarc_from_extract(ma_dmarc_from *out, const ma_ctx *ctx, const ma_msg *msg);

/*
 * ma__dmarc_from_extract(), the domain normalized into buf (cap bytes) when
 * it fits (domain_borrowed set: it lives as long as buf), else onto the
 * heap as there.  For callers that keep the domain in memory of their own.
 */
int ma__dmarc_from_extract_buf(ma_dmarc_from *out, const ma_ctx *ctx, const ma_msg *msg,
                               char *buf, size_t cap);

/*
 * Whether name[0..len) is a domain name that ma__domain_normalize_buf()
 * would return unchanged (less one root dot): lower-case LDH labels ('_'
 * too when underscore is set) of 1 to 63 octets, no hyphen at either end,
 * none starting "xn--" (A-labels are checked by IDNA), at least two, at
 * most 253 octets.  *n_out gets the length without the root dot.  A name
 * this refuses may still be valid: the caller then normalizes it.
 */
static inline bool ma__dmarc_domain_plain(const char *name, size_t len, bool underscore,
                                          size_t *n_out)
{
    /* 1: a-z 0-9 '-'; 2: '_' */
    static const unsigned char cls[256] = {
        ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
        ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
        ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
        ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
        ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['-'] = 1, ['_'] = 2,
    };
    const unsigned char *s = (const unsigned char *)name;
    const unsigned char ok = underscore ? 3 : 1;
    size_t i = 0, start, labels = 0;

    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return false;
    for (;;) {
        start = i;
        while (i < len && (cls[s[i]] & ok))
            i++;
        if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
            return false;
        if (i - start >= 4 && s[start] == 'x' && s[start + 1] == 'n' && s[start + 2] == '-'
            && s[start + 3] == '-')
            return false;
        labels++;
        if (i == len)
            break;
        if (s[i] != '.')
            return false;
        i++;
    }
    *n_out = len;
    return labels >= 2;
}

/* Release out->domain; out may be zeroed or already freed (NULL is a no-op). */
void ma__dmarc_from_free(ma_dmarc_from *out, const ma_ctx *ctx);

#endif /* MA_DMARC_FROM_INT_H */
