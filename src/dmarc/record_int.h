/*
 * libmailauth internals: DMARC policy records (RFC 9989, "DMARCbis", the
 * default; RFC 7489 as an option): parser, effective values and writer.
 * Never installed.
 *
 * Two kinds of problems are told apart:
 * - fatal ones make the record unusable (the caller treats it as "not a
 *   DMARC record" or applies no DMARC processing): the parser returns
 *   MA_ESYNTAX and a ma_dmarc_perr says why, which tag and where;
 * - everything else is recovered as both RFCs say (RFC 7489 6.3 last
 *   paragraph, RFC 9989 4.8: syntax errors in the remainder of the record
 *   are "discarded in favor of default values (if any) or ignored
 *   outright"): the parser returns MA_OK and lists what it discarded or
 *   ignored as issues (reason, tag, offset) in the record.  With
 *   MA_DMARC_PARSE_STRICT (for linters) any issue other than
 *   MA_DMARC_REC_NOT_IN_MODE is fatal instead.
 */
#ifndef MA_DMARC_RECORD_INT_H
#define MA_DMARC_RECORD_INT_H

#include "core/core.h"
#include "mailauth/dmarc.h"

/* ------------------------------------------------------------------ enums */

/*
 * The mode (ma_dmarc_mode: MA_DMARC_MODE_9989, the default, or
 * MA_DMARC_MODE_7489) and the policy values (ma_dmarc_policy: UNSET, NONE,
 * QUARANTINE, REJECT) are the public ones of mailauth/dmarc.h.  RFC 9989
 * mode: np, psd, t; no pct, rf, ri.  RFC 7489 mode: pct, rf, ri, report
 * sizes; no np, psd, t.
 */

/* adkim=, aspf=. */
typedef enum ma_dmarc_align {
    MA_DMARC_ALIGN_UNSET = 0,
    MA_DMARC_ALIGN_RELAXED = 1,   /* "r" */
    MA_DMARC_ALIGN_STRICT = 2     /* "s" */
} ma_dmarc_align;

/* t= (RFC 9989 dmarc-yorn). */
typedef enum ma_dmarc_yn {
    MA_DMARC_YN_UNSET = 0,
    MA_DMARC_YN_Y = 1,
    MA_DMARC_YN_N = 2
} ma_dmarc_yn;

/* psd= (RFC 9989 dmarc-psd). */
typedef enum ma_dmarc_psd {
    MA_DMARC_PSD_UNSET = 0,
    MA_DMARC_PSD_Y = 1,
    MA_DMARC_PSD_N = 2,
    MA_DMARC_PSD_U = 3
} ma_dmarc_psd;

/* fo= options (bit set; 0 means the tag is absent). */
#define MA_DMARC_FO_0 1u
#define MA_DMARC_FO_1 2u
#define MA_DMARC_FO_D 4u
#define MA_DMARC_FO_S 8u
#define MA_DMARC_FO_ALL 15u

/* rf= report formats known (bit set; 0 means absent).  Only "afrf" is
   registered (RFC 7489 6.3 and 11.4). */
#define MA_DMARC_RF_AFRF 1u
#define MA_DMARC_RF_ALL 1u

/* The tags this parser knows, for issues and errors. */
typedef enum ma_dmarc_tag {
    MA_DMARC_TAG_NONE = 0,   /* no single tag (a malformed tag-list) */
    MA_DMARC_TAG_V,
    MA_DMARC_TAG_P,
    MA_DMARC_TAG_SP,
    MA_DMARC_TAG_NP,
    MA_DMARC_TAG_ADKIM,
    MA_DMARC_TAG_ASPF,
    MA_DMARC_TAG_PCT,
    MA_DMARC_TAG_T,
    MA_DMARC_TAG_PSD,
    MA_DMARC_TAG_FO,
    MA_DMARC_TAG_RF,
    MA_DMARC_TAG_RI,
    MA_DMARC_TAG_RUA,
    MA_DMARC_TAG_RUF,
    MA_DMARC_TAG_COUNT
} ma_dmarc_tag;

/* The tag's name ("p"...), "" for MA_DMARC_TAG_NONE, NULL when out of range. */
const char *ma__dmarc_tag_name(ma_dmarc_tag tag);

/* Why a record, a tag or a URI was refused or set aside. */
typedef enum ma_dmarc_rec_reason {
    MA_DMARC_REC_OK = 0,
    /* fatal (MA_ESYNTAX) */
    MA_DMARC_REC_SYNTAX = 1,          /* not a tag-list (RFC 6376 3.2), or a duplicate tag */
    MA_DMARC_REC_LIMIT = 2,           /* above MA_LIMIT_TXT_BYTES bytes or MA_LIMIT_TAGS tags */
    MA_DMARC_REC_VERSION = 3,         /* v= absent, not first, or not exactly "DMARC1" */
    MA_DMARC_REC_NO_POLICY = 4,       /* 7489: no p= and no valid rua= URI (6.6.3 step 6.2) */
    MA_DMARC_REC_BAD_POLICY = 5,      /* p=, sp= (9989: np=) invalid and no valid rua= URI */
    /* issues: recovered, MA_OK (fatal only with MA_DMARC_PARSE_STRICT) */
    MA_DMARC_REC_BAD_VALUE = 6,       /* a tag's value is invalid: the tag is discarded */
    MA_DMARC_REC_BAD_URI = 7,         /* a rua=/ruf= entry is not a valid DMARC URI: dropped */
    MA_DMARC_REC_URI_LENGTH = 8,      /* a URI is longer than MA_DMARC_MAX_URI_LEN: dropped */
    MA_DMARC_REC_URI_COUNT = 9,       /* more than MA_LIMIT_DMARC_URIS URIs: the rest dropped */
    MA_DMARC_REC_UNKNOWN_FORMAT = 10, /* rf= lists an unregistered format: ignored */
    MA_DMARC_REC_P_ORDER = 11,        /* 7489: p= is not the second tag (6.3, 6.4); accepted */
    MA_DMARC_REC_POLICY_FALLBACK = 12, /* p=/sp=/np= invalid (or 7489 p= absent), rua= valid:
                                          read as p=none (7489 6.6.3 step 6.1, 9989 4.10.1) */
    MA_DMARC_REC_NOT_IN_MODE = 13     /* a tag or report size the selected RFC does not have:
                                         ignored (never fatal, even when strict) */
} ma_dmarc_rec_reason;

/* A short English text for a reason; never NULL. */
const char *ma__dmarc_rec_reason_str(ma_dmarc_rec_reason reason);

/* "none", "quarantine", "reject"; "" for UNSET; NULL when out of range. */
const char *ma__dmarc_policy_str(ma_dmarc_policy p);

/* --------------------------------------------------------------- errors */

/*
 * Why a record was refused: the reason code, the tag at fault ("" when no
 * single tag is, or when its name is longer than fits), and in e the offset
 * of the fault in the parsed input (always within [0, len] after
 * MA_ESYNTAX; -1 after MA_EINVAL or MA_ENOMEM) and a short English text.
 */
typedef struct ma_dmarc_perr {
    ma_dmarc_rec_reason reason;   /* MA_DMARC_REC_OK when nothing went wrong */
    char tag[16];             /* NUL-terminated */
    ma_errbuf e;
} ma_dmarc_perr;

/* Something the parser discarded or ignored (the record is still usable). */
typedef struct ma_dmarc_issue {
    ma_dmarc_rec_reason reason;
    ma_dmarc_tag tag;
    size_t offset;            /* in the parsed input: the value, URI or '!' at fault */
} ma_dmarc_issue;

/* --------------------------------------------------------------- limits */

/*
 * Most URIs kept per rua= or ruf= list: the context limit
 * MA_LIMIT_DMARC_URIS (default 8).  RFC 7489 6.2: receivers "MAY impose a
 * limit on the number of URIs to which they will send reports but MUST
 * support the ability to send to at least two"; the URIs after the first
 * that many valid ones are dropped (MA_DMARC_REC_URI_COUNT).
 */

/*
 * Longest URI kept (the size suffix not counted).  A mailto: URI holds at
 * most a 256-octet RFC 5321 path plus a short query; 1024 leaves room for
 * https: endpoints.  A longer URI is dropped (MA_DMARC_REC_URI_LENGTH).
 */
#define MA_DMARC_MAX_URI_LEN 1024

/* Most issues kept in a record; later ones set issues_dropped. */
#define MA_DMARC_MAX_ISSUES 16

/* ----------------------------------------------------------------- record */

/* One reporting URI of rua= or ruf=. */
typedef struct ma_dmarc_uri {
    const char *uri;          /* the URI without the size suffix; not NUL-terminated */
    size_t len;
    int has_size;             /* a "!" size suffix was given (RFC 7489 mode only) */
    uint64_t size_num;        /* its number (fits uint64_t, RFC 7489 6.4) */
    char size_unit;           /* 0 (bytes), 'k', 'm', 'g' or 't' (powers of 2) */
} ma_dmarc_uri;

/*
 * A DMARC record.  Fields hold the tags as written and accepted; UNSET (0)
 * means absent, discarded, or not part of the record's mode (np, psd, t in
 * RFC 7489 mode; pct, rf, ri and report sizes in RFC 9989 mode are always
 * absent).  Read values through the effective-value functions below, which
 * apply defaults and the mode.
 *
 * A parsed record owns one block of memory (mem): its URI lists, then text
 * (a copy of the input), into which the URI spans point.  A record built
 * by a tool (ma__dmarc_record_init, then fields set) has mem and text NULL
 * and its lists and URI spans borrow the tool's memory.
 */
typedef struct ma_dmarc_record {
    ma_dmarc_mode mode;
    void *mem;                   /* what a parsed record owns (freed by _free), or NULL */
    char *text;                  /* the copy of the parsed input (in mem), or NULL */
    size_t text_len;

    ma_dmarc_policy p, sp, np;
    ma_dmarc_align adkim, aspf;
    ma_dmarc_yn t;               /* 9989 */
    ma_dmarc_psd psd;            /* 9989 */
    int has_pct;                 /* 7489 */
    unsigned int pct;            /* 0..100 */
    unsigned int fo;             /* MA_DMARC_FO_* bits, 0: absent */
    unsigned int rf;             /* MA_DMARC_RF_* bits, 0: absent (7489) */
    int has_ri;                  /* 7489 */
    uint32_t ri;
    ma_dmarc_uri *rua;           /* in mem for a parsed record (NULL when none) */
    size_t nrua, cap_rua;        /* valid URIs kept, room */
    ma_dmarc_uri *ruf;
    size_t nruf, cap_ruf;
    size_t max_uris;             /* parse: MA_LIMIT_DMARC_URIS; write: 0 means no bound */

    /* What the parser did (not compared by ma__dmarc_record_equal). */
    int policy_fallback;         /* the p=none fallback was applied */
    size_t nissues;
    int issues_dropped;          /* more issues than MA_DMARC_MAX_ISSUES */
    size_t nerrors;              /* issues other than NOT_IN_MODE, dropped ones included */
    ma_dmarc_issue first_error;  /* the first of those (kept even when dropped) */
    /* Last: only the first nissues are meaningful, and init and free
       leave the array alone. */
    ma_dmarc_issue issues[MA_DMARC_MAX_ISSUES];
} ma_dmarc_record;

/* An empty record of the given mode (all tags absent, no issues), for the
   writer.  issues[] is not cleared: entries from nissues on mean nothing. */
void ma__dmarc_record_init(ma_dmarc_record *rec, ma_dmarc_mode mode);

/* ------------------------------------------------------------------ parse */

/* Parse flags. */
#define MA_DMARC_PARSE_STRICT 1u   /* every issue but NOT_IN_MODE is fatal */

/*
 * Parse one DMARC record (the TXT strings joined, RFC 7489 6.1, RFC 9989
 * 4.5), txt[0..len) (no NUL needed; a NUL byte is a syntax error).
 *
 * Fatal (MA_ESYNTAX; err says why, which tag and where):
 * - longer than MA_LIMIT_TXT_BYTES, or more than MA_LIMIT_TAGS tags:
 *   MA_DMARC_REC_LIMIT;
 * - not an RFC 6376 3.2 tag-list (empty tag-specs ";;" are tolerated), a
 *   duplicate tag (tag names compare ASCII case-insensitively):
 *   MA_DMARC_REC_SYNTAX;
 * - the first tag is not v= with the value "DMARC1" (case-sensitive), or
 *   something other than whitespace comes before it: MA_DMARC_REC_VERSION;
 * - RFC 7489: p= absent and no valid rua= URI: MA_DMARC_REC_NO_POLICY;
 * - p=, sp= (9989: or np=) present but invalid and no valid rua= URI:
 *   MA_DMARC_REC_BAD_POLICY.
 * Recovered (MA_OK, listed in rec->issues):
 * - any other known tag with an invalid value is discarded (default
 *   applies): MA_DMARC_REC_BAD_VALUE; rf= naming only unregistered formats
 *   is discarded: MA_DMARC_REC_UNKNOWN_FORMAT;
 * - a rua=/ruf= entry that is not a DMARC URI is dropped: BAD_URI,
 *   URI_LENGTH, URI_COUNT;
 * - p=, sp= (9989: np=) invalid, or (7489) p= absent, with a valid rua=
 *   URI: p becomes none and sp, np absent, as if the record said "p=none"
 *   (rec->policy_fallback; MA_DMARC_REC_POLICY_FALLBACK);
 * - RFC 7489: p= not the second tag: accepted (MA_DMARC_REC_P_ORDER);
 * - tags of the other RFC (7489 mode: np, psd, t; 9989 mode: pct, rf, ri)
 *   and, in 9989 mode, report sizes: ignored (MA_DMARC_REC_NOT_IN_MODE);
 * - unknown tags: ignored silently.
 * Keyword values (none, r, y, afrf, the fo letters, size units) compare
 * ASCII case-insensitively; "DMARC1" does not.
 *
 * rec is overwritten (it need not be initialised) and, after an error, left
 * empty; ma__dmarc_record_free() must be called after MA_OK and may be
 * called after an error.  Returns MA_OK (err->reason is MA_DMARC_REC_OK),
 * MA_ESYNTAX, MA_EINVAL (NULL rec, ctx or err, NULL txt with len > 0,
 * unknown mode or flags), MA_ENOMEM.
 */
int ma__dmarc_record_parse(ma_dmarc_record *rec, const ma_ctx *ctx, const char *txt, size_t len,
                           ma_dmarc_mode mode, unsigned int flags, ma_dmarc_perr *err);
void ma__dmarc_record_free(ma_dmarc_record *rec, const ma_ctx *ctx);

/* ------------------------------------------------------ effective values */

/*
 * The values a receiver acts on, defaults and mode applied:
 * p: as written; absent (9989, 4.7) is none.  sp: as written, else p.
 * np: as written (9989), else sp.  adkim, aspf: default relaxed.
 * pct: as written (7489), else 100 (9989 has no pct: always 100).
 * t: 1 for t=y (9989), else 0.  fo: as written, else MA_DMARC_FO_0 (RFC
 * 7489 6.3 and 9989 4.7: fo is to be ignored when there is no ruf=; that
 * is left to the report generator).  rf: as written (7489), else
 * MA_DMARC_RF_AFRF.  ri: as written (7489), else 86400.  psd: as written
 * (9989), else u.
 */
ma_dmarc_policy ma__dmarc_record_p(const ma_dmarc_record *rec);
ma_dmarc_policy ma__dmarc_record_sp(const ma_dmarc_record *rec);
ma_dmarc_policy ma__dmarc_record_np(const ma_dmarc_record *rec);
ma_dmarc_align ma__dmarc_record_adkim(const ma_dmarc_record *rec);
ma_dmarc_align ma__dmarc_record_aspf(const ma_dmarc_record *rec);
unsigned int ma__dmarc_record_pct(const ma_dmarc_record *rec);
int ma__dmarc_record_t(const ma_dmarc_record *rec);
unsigned int ma__dmarc_record_fo(const ma_dmarc_record *rec);
unsigned int ma__dmarc_record_rf(const ma_dmarc_record *rec);
uint32_t ma__dmarc_record_ri(const ma_dmarc_record *rec);
ma_dmarc_psd ma__dmarc_record_psd(const ma_dmarc_record *rec);

/*
 * The largest report a URI accepts, in bytes: its size suffix times the
 * unit (k = 2^10 ... t = 2^40, RFC 7489 6.4), saturated at UINT64_MAX; 0
 * when there is no suffix, and always 0 in 9989 mode ("reporters should
 * ignore the obs-dmarc-report-size", 9989 4.8).
 */
uint64_t ma__dmarc_uri_max_bytes(const ma_dmarc_record *rec, const ma_dmarc_uri *uri);

/*
 * Whether two records mean the same: same mode, same effective values and
 * the same rua= and ruf= lists (URI bytes, sizes).  Issues, text and the
 * fallback flag are not compared.
 */
int ma__dmarc_record_equal(const ma_dmarc_record *a, const ma_dmarc_record *b);

/* ------------------------------------------------------------------ write */

/* Writer flags. */
#define MA_DMARC_WRITE_ALL 1u   /* write every tag of the mode, defaults included */

/*
 * Append the record's text to out (for tools that publish records), tags
 * in the canonical order v, p, sp, np, adkim, aspf, t, psd, pct, fo, rf,
 * ri, rua, ruf, separated by "; ".  By default only tags whose effective
 * value differs from the default are written (p always when set; sp when
 * it differs from p, np when it differs from sp); with MA_DMARC_WRITE_ALL
 * every tag of the mode is, with its effective value (rua= and ruf= only
 * when they list URIs).  parse(write(rec)) succeeds without issues and is
 * ma__dmarc_record_equal to rec.
 *
 * Refused with MA_EINVAL (out unchanged): NULL arguments, unknown mode or
 * flags, an enum value out of range, a tag the mode does not have (7489:
 * np, psd, t; 9989: pct, rf, ri, URI sizes), pct above 100, fo bits
 * outside MA_DMARC_FO_ALL (9989: 0 and 1 together), rf bits outside
 * MA_DMARC_RF_ALL, more URIs than rec->max_uris (when set), a URI that is not
 * a valid DMARC URI or is longer than MA_DMARC_MAX_URI_LEN, a bad size
 * unit, and (7489, where p= is REQUIRED, 6.3) p absent.  MA_ENOMEM.
 */
int ma__dmarc_record_write(ma_buf *out, const ma_dmarc_record *rec, unsigned int flags);

/*
 * Whether uri[0..len) is a DMARC URI the parser would keep (see record.c:
 * RFC 3986 generic syntax, no ',' '!' or whitespace, mailto: with an
 * address); 1 or 0.  Exposed for tools that check URIs before writing.
 */
int ma__dmarc_uri_valid(const char *uri, size_t len);

#endif /* MA_DMARC_RECORD_INT_H */
