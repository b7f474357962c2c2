/*
 * libmailauth internals: SPF records (parsed once per evaluation into
 * compact terms) and macro expansion (RFC 7208 sections 4.6, 5, 6, 7, 12).
 */
#ifndef MA_SPF_INT_H
#define MA_SPF_INT_H

#include "core/core.h"
#include "dns/dns_int.h"
#include "mailauth/spf.h"

/* ------------------------------------------------------------------ records */

typedef enum ma_spf_kind {
    MA_SPF_ALL = 1,
    MA_SPF_INCLUDE,
    MA_SPF_A,
    MA_SPF_MX,
    MA_SPF_PTR,
    MA_SPF_IP4,
    MA_SPF_IP6,
    MA_SPF_EXISTS,
    MA_SPF_REDIRECT,   /* modifier */
    MA_SPF_EXP,        /* modifier */
    MA_SPF_UNKNOWN_MOD /* modifier we ignore (RFC 7208 6: "MUST ignore") */
} ma_spf_kind;

/*
 * One piece of a compiled domain-spec (ma__spf_spec_compile): a run of
 * literal bytes, or a macro-expand "%{x}" with a lower-case letter s, l, o,
 * d, h, i or v and no transformer.  What a literal brings to the name its
 * expansion is part of is worked out once: where its dots are, whether its
 * bytes are all ones canonical names keep, whether the labels between its
 * dots are all 1-63 bytes.
 */
typedef struct ma_spf_piece {
    char letter;           /* the macro letter, or 0 for a literal */
    uint8_t flags;         /* literal: MA_SPF_PIECE_* */
    uint8_t off, len;      /* literal: the bytes, spec[off..off+len) */
    uint8_t first;         /* literal with a dot: the bytes before its first dot */
    uint8_t after;         /* literal with a dot: the offset just past its last dot */
} ma_spf_piece;

/* Most pieces a compiled spec has (in the term: see ma_spf_term), and the
   longest spec compiled (offsets are bytes). */
#define MA_SPF_PIECES_MAX 8
#define MA_SPF_PIECES_SPEC_MAX 255

#define MA_SPF_PIECE_DOT 1u      /* the literal has a dot */
#define MA_SPF_PIECE_OTHER 4u    /* ... a byte canonical names do not keep (not a-z 0-9 - _ .) */
#define MA_SPF_PIECE_BAD 8u      /* ... an empty label, or one over 63 bytes, between two dots */

/* One term.  Spans point into the record's own copy of the text. */
typedef struct ma_spf_term {
    uint8_t kind;          /* ma_spf_kind */
    char qualifier;        /* '+', '-', '~' or '?' (mechanisms; '+' when absent; 0 for modifiers) */
    uint8_t cidr4;         /* a, mx, ip4: prefix length (32 when absent) */
    uint8_t cidr6;         /* a, mx, ip6: prefix length (128 when absent) */
    ma_ip ip;              /* ip4, ip6: the network */
    const char *spec;      /* domain-spec / macro-string (NULL when absent: use <domain>);
                              for MA_SPF_UNKNOWN_MOD the value after "=" (never NULL, may
                              be empty) */
    size_t spec_len;
    const char *text;      /* the whole term as written, e.g. "-ip4:192.0.2.0/24" */
    size_t text_len;
    size_t offset;         /* offset of the term in the record */
    /* A domain-spec without macros names one fixed target, worked out at
       parse time: literal is 1, the expansion is spec's first tname_len
       bytes, and tname (same length, in the record's lower-cased copy) is
       its canonical DNS name with hash thash (ma__dns_name_hash).  0 for
       specs that are expanded at evaluation time. */
    uint8_t literal;
    const char *tname;
    size_t tname_len;
    uint64_t thash;
    /* Worked out at parse time for the evaluator: */
    uint8_t uses_p;        /* spec uses the p macro letter (ma__spf_macro_uses_p) */
    uint8_t mapped;        /* ip6: the network is IPv4-mapped (::ffff:0:0/96) */
    uint32_t net4, mask4;  /* ip4: the network and the prefix mask, host byte order */
    const char *ztext;     /* the term as a C string (in the record's block), or NULL when
                              it has upper-case letters */
    const char *ztarget;   /* a literal's expansion (tname_len bytes of spec as written) as
                              a C string, or NULL (upper case, or more after it) */
    /* A domain-spec with macros that ma__spf_expand_compiled() can expand
       (plain letters, no transformers, at most MA_SPF_PIECES_MAX pieces:
       most are): its pieces.  npieces is 0 for every other term. */
    uint8_t npieces;
    ma_spf_piece pieces[MA_SPF_PIECES_MAX];
} ma_spf_term;

/* One allocation holds the terms array, the text and its lower-cased copy
   (in which every SP is a NUL, for ztext and ztarget). */
typedef struct ma_spf_record {
    char *text;            /* NUL-terminated copy of the record */
    size_t len;
    ma_spf_term *terms;    /* mechanisms and modifiers, in order */
    size_t nterms;
    int redirect;          /* index of redirect= in terms, or -1 */
    int exp;               /* index of exp= in terms, or -1 */
} ma_spf_record;

/*
 * Whether a TXT record is an SPF record: "v=spf1" (case-insensitive)
 * followed by a space or the end (RFC 7208 4.5).
 */
int ma__spf_is_record(const char *text, size_t len);

/* Most terms one record may have (more is MA_ELIMIT). */

/*
 * Parse a whole SPF record (starting "v=spf1") per the ABNF of RFC 7208
 * section 12, checking every term before any is evaluated (4.6: a syntax
 * error anywhere is a permerror): unknown mechanisms, bad qualifiers, bad
 * CIDR lengths (ip4 0-32, ip6 0-128, leading zeros refused), bad IP
 * literals, macro-string syntax (7.1), duplicate redirect= or exp=
 * (6: permerror), modifiers with a bad name.  Unknown modifiers are kept
 * as MA_SPF_UNKNOWN_MOD.  Terms are separated by one or more SP.
 * Non-ASCII or control characters make the record a syntax error.
 *
 * Every domain-spec (include, a, mx, ptr, exists, redirect=, exp=) must be
 * non-empty, a macro-string without the explanation-only letters c, r, t
 * (7.2; the OpenSPF suite's exp-only-macro-char), and end in a
 * macro-expand or in "." toplabel ["."] (domain-end, 7.1): "a:museum",
 * "a:foo-bar", "a:example.-com", "mx:abc.123" are syntax errors here.  One
 * trailing dot after a final macro-expand ("include:_spf.%{d}.") is
 * accepted too, beyond the ABNF (7.3: trailing dots "MUST be accepted").  The
 * value of an unknown modifier is any macro-string (all eleven letters,
 * empty allowed): it is never expanded.  A trailing "/digits" on a, mx is
 * the CIDR part (dual-cidr-length is matched from the end of the term, so
 * "a:foo:bar/baz.example.com" is a domain-spec); on include, ptr, exists it
 * makes the domain-end invalid.
 *
 * Returns MA_OK, MA_ESYNTAX (err has "<what> in '<term>' at offset N", the
 * offset of the fault in the record), MA_ELIMIT (more than MA_LIMIT_SPF_TERMS
 * terms, or a record longer than MA_LIMIT_TXT_BYTES), MA_EINVAL (NULL
 * arguments), MA_ENOMEM.  rec is overwritten (left empty after an error, so
 * freeing it is always safe); ma__spf_record_free releases it and accepts
 * a zeroed or already freed record.
 */
int ma__spf_record_parse(ma_spf_record *rec, const ma_ctx *ctx, const char *text, size_t len,
                         ma_errbuf *err);
void ma__spf_record_free(ma_spf_record *rec, const ma_ctx *ctx);

/* ------------------------------------------------------------------- macros */

/* What macro letters expand to (RFC 7208 7.3).  Spans, not C strings. */
typedef struct ma_spf_macro_env {
    const char *sender;        /* s: <sender> (local-part@domain; postmaster@ added when empty) */
    size_t sender_len;
    const char *local;         /* l: local-part of <sender> */
    size_t local_len;
    const char *sender_domain; /* o: domain of <sender> */
    size_t sender_domain_len;
    const char *domain;        /* d: the current <domain> */
    size_t domain_len;
    const ma_ip *ip;           /* i, c, v: the client (IPv4-mapped already unmapped) */
    const char *validated;     /* p: validated domain name (7.3), or NULL for "unknown" */
    size_t validated_len;
    const char *helo;          /* h: HELO/EHLO domain */
    size_t helo_len;
    const char *receiver;      /* r: receiving host ("unknown" when not configured) */
    size_t receiver_len;
    int64_t now;               /* t: seconds since the epoch */
    /* What is known of domain, so that ma__spf_expand_compiled() need not
       look at its bytes: 0 nothing; 1 it is a canonical DNS name
       (ma__dns_name_is_canon); 2 that, with at least two labels, and the
       three fields below are set. */
    int domain_canon;
    size_t domain_first;       /* 2: the length of its first label */
    size_t domain_last;        /* 2: the offset of its last label */
    int domain_top;            /* 2: 1 when its last label is a toplabel (section 12) */
} ma_spf_macro_env;

#define MA_SPF_MACRO_EXP 1u    /* expanding explanation text: c, r, t allowed (7.3) */

/*
 * Expand a macro-string (7.1, 7.3, 7.4): "%{" letter [digits] ["r"]
 * [delimiters] "}", "%%", "%_", "%-"; an upper-case letter URL-escapes its
 * expansion (RFC 3986 unreserved kept, %XX upper-case hex).  Appends to out.
 * c, r and t are only allowed with MA_SPF_MACRO_EXP, which also makes SP
 * literal text (explain-string, 7.1).  The output is bounded by
 * MA_LIMIT_SPF_MACRO_BYTES (then MA_ELIMIT), so a hostile %{s}%{s}... or a
 * huge digit transformer cannot blow up.  A digit transformer of 0 is a
 * syntax error (7.3: the value "MUST be nonzero"); any larger value than
 * there are parts means all parts (7.3), however many digits it has.
 * NULL string fields of env expand to ""; NULL validated and receiver to
 * "unknown"; i, c, v need env->ip (else MA_EINVAL).
 * Returns MA_OK, MA_ESYNTAX (bad macro anywhere in spec, even past the
 * point where the limit was hit; err has the offset in spec), MA_ELIMIT,
 * MA_EINVAL, MA_ENOMEM; out is left as it was after an error.
 */
int ma__spf_macro_expand(ma_buf *out, const ma_ctx *ctx, const char *spec, size_t len,
                         const ma_spf_macro_env *env, unsigned int flags, ma_errbuf *err);

/* Whether a macro-string uses the p letter (the caller must find the validated name first). */
int ma__spf_macro_uses_p(const char *spec, size_t len);

/*
 * Check the syntax of a macro-string without expanding it (flags as for
 * ma__spf_macro_expand).  Returns MA_OK (then *macro_end, if not NULL, is
 * the offset just past the last macro-expand, 0 when there is none: for
 * domain-end) or MA_ESYNTAX with *bad_off (offset in spec) and *why (static
 * text) set when not NULL; MA_EINVAL for NULL spec with len > 0.
 */
int ma__spf_macro_check(const char *spec, size_t len, unsigned int flags, size_t *bad_off,
                        const char **why, size_t *macro_end);

/* Whether s[0..n) is a toplabel (section 12).  Returns 1 or 0. */
int ma__spf_is_toplabel(const char *s, size_t n);

/*
 * Expand a domain-spec for a query (4.8, 7.3): expand, remove one trailing
 * dot, then if longer than 253 characters drop labels from the left until it
 * fits; the result must be a valid domain name whose last label is a
 * toplabel (section 12: toplabel = ( *alphanum ALPHA *alphanum ) /
 * ( 1*alphanum "-" *( alphanum / "-" ) alphanum )), labels 1-63 octets.
 * Labels other than the last may hold any printable ASCII but "." (SP
 * included: "%_" and the OpenSPF suite's macro-mania-in-domain and
 * a-colon-domain need it); a single label is accepted ("%{d1}").  An invalid
 * result is MA_ESYNTAX (RFC 7208 4.8 leaves it open: not-match or
 * permerror; the OpenSPF suite's invalid-hello-macro wants not-match for a,
 * 6.1 wants permerror for redirect).  Appends to out (unchanged after an
 * error).  Returns as ma__spf_macro_expand; a bad resulting name is
 * MA_ESYNTAX with err offset -1 (the fault is in the expansion, not spec).
 */
int ma__spf_expand_domain(ma_buf *out, const ma_ctx *ctx, const char *spec, size_t len,
                          const ma_spf_macro_env *env, ma_errbuf *err);

/* ma__spf_expand_domain_plain(): the spec needs the general expander. */
#define MA__SPF_SLOW 1

/*
 * The fast path of ma__spf_expand_domain() for the domain-specs most
 * records use: literals and lower-case macros s, l, o, d, h, i, v without
 * transformers ("%{i}.%{l}._spf.%{d}"), written into out (cap bytes, no
 * NUL).  Returns MA_OK (*n_out set), MA_ESYNTAX (the expansion is no valid
 * name; err says why, as ma__spf_expand_domain), or MA__SPF_SLOW: anything
 * else (transformers, upper case, %%, %_, %-, p, an output over cap or the
 * limit), to be expanded by ma__spf_expand_domain(), which gives the same
 * result for everything this accepts.
 */
int ma__spf_expand_domain_plain(char *out, size_t cap, size_t *n_out, const char *spec,
                                size_t len, const ma_spf_macro_env *env, uint64_t limit,
                                ma_errbuf *err);

/*
 * ma__spf_expand_domain_plain() that also says whether the name it wrote
 * is already canonical (*canon_out: 1 exactly when ma__dns_name_is_canon()
 * holds for it), so that the evaluator can ask for it without checking it
 * again.  *canon_out is set only with MA_OK.
 */
int ma__spf_expand_domain_fast(char *out, size_t cap, size_t *n_out, int *canon_out,
                               const char *spec, size_t len, const ma_spf_macro_env *env,
                               uint64_t limit, ma_errbuf *err);

/*
 * Compile a domain-spec (already checked: ma__spf_macro_check) into at
 * most cap pieces at out.  Returns the number of pieces, or 0 when the spec
 * has anything but literals and plain "%{x}" (x one of s l o d h i v, lower
 * case, no transformer or delimiter), is empty or longer than
 * MA_SPF_PIECES_SPEC_MAX bytes, or needs more than cap pieces: such specs
 * are expanded as before.
 */
size_t ma__spf_spec_compile(ma_spf_piece *out, size_t cap, const char *spec, size_t len);

/*
 * ma__spf_expand_domain_fast() for a compiled spec (pieces of spec): the
 * same results (status, name, *canon_out, error text), with the checks of
 * the name made piece by piece: the literals' parts are known, and the
 * values of i, v and (with env->domain_canon) d need no byte-by-byte look.
 * Only env's s, l, o, d, h and ip fields and the domain_* facts are read.
 */
int ma__spf_expand_compiled(char *out, size_t cap, size_t *n_out, int *canon_out,
                            const char *spec, const ma_spf_piece *pieces, size_t npieces,
                            const ma_spf_macro_env *env, uint64_t limit, ma_errbuf *err);

#endif /* MA_SPF_INT_H */
