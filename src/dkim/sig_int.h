/*
 * libmailauth internals: DKIM-Signature, ARC-Message-Signature and ARC-Seal
 * tag lists (RFC 6376 3.5, RFC 8617 4.1.2 and 4.1.3), the b= stripping and
 * header selection the verifier and signer share (RFC 6376 3.7, 5.4.2), and
 * DKIM key records (RFC 6376 3.6.1, RFC 8463).  Never installed.
 */
#ifndef MA_SIG_INT_H
#define MA_SIG_INT_H

#include "core/core.h"
#include "mailauth/dkim.h"
#include "mailauth/message.h"

/* ------------------------------------------------------------------ errors */

/*
 * Why a signature or key record was refused: the reason code, the tag at
 * fault ("" when no single tag is: a malformed list, or the tag name is
 * longer than fits), and in e the offset in the parsed input (-1 when
 * there is none) and a short English text.
 */
typedef struct ma_dkim_perr {
    ma_dkim_reason reason;   /* MA_DKIM_R_OK when nothing went wrong */
    char tag[16];            /* NUL-terminated */
    ma_errbuf e;             /* text and offset */
} ma_dkim_perr;

void ma__dkim_perr_clear(ma_dkim_perr *err);

/*
 * After a tag-list error at offset off of s[0..len): set err->tag to the
 * name of the tag whose tag-spec holds off, when that spec starts with a
 * tag name and '=' ("" otherwise).
 */
void ma__dkim_perr_tag_at(ma_dkim_perr *err, const char *s, size_t len, int64_t off);

/* --------------------------------------------------------------- signatures */

/* The three header fields that carry a DKIM-style signature. */
typedef enum ma_dkim_sig_kind {
    MA_DKIM_SIG_DKIM = 0,   /* DKIM-Signature */
    MA_DKIM_SIG_AMS = 1,    /* ARC-Message-Signature */
    MA_DKIM_SIG_AS = 2      /* ARC-Seal */
} ma_dkim_sig_kind;

/* The kind named by a header field name (ASCII case-insensitive), or -1. */
int ma__dkim_sig_kind_of(const char *name, size_t len);

/* The header field name of a kind ("DKIM-Signature"...), or NULL. */
const char *ma__dkim_sig_kind_name(ma_dkim_sig_kind kind);

/* ARC-Seal cv= (RFC 8617 4.1.3); UNSET on the other kinds. */
typedef enum ma_dkim_cv {
    MA_DKIM_CV_UNSET = 0,
    MA_DKIM_CV_NONE = 1,
    MA_DKIM_CV_PASS = 2,
    MA_DKIM_CV_FAIL = 3
} ma_dkim_cv;

/* A span of bytes; not NUL-terminated. */
typedef struct ma_dkim_span {
    const char *p;
    size_t len;
} ma_dkim_span;

/* Most ARC instances (RFC 8617 4.2.1: i= is 1 to 50). */
#define MA_ARC_MAX_INSTANCE 50

/*
 * A parsed signature.  Every pointer is owned by the structure (spans point
 * into text, its own copy of the input), valid until ma__dkim_sig_free().
 * Domain-name strings are NUL-terminated, lower case, A-labels, and carry
 * their length.
 */
typedef struct ma_dkim_sig {
    ma_dkim_sig_kind kind;
    char *text;                 /* copy of the parsed value, NUL-terminated */
    size_t text_len;

    unsigned int version;       /* v= (1); 0 for AMS and AS, which have none */
    ma_dkim_alg alg;            /* a=; rsa-sha1 is reported as such */
    ma_dkim_canon hcanon;       /* c= header part (AS: always relaxed) */
    ma_dkim_canon bcanon;       /* c= body part (AS: unused, relaxed) */

    char *domain;               /* d=, normalized (SDID) */
    size_t domain_len;
    char *selector;             /* s=, normalized (underscores allowed) */
    size_t selector_len;

    /* DKIM-Signature i= (AUID): decoded local part ("" when omitted or when
       i= is absent) and normalized domain (d= when i= is absent). */
    int has_auid;               /* i= was present */
    char *auid_local;
    size_t auid_local_len;
    char *auid_domain;
    size_t auid_domain_len;

    unsigned int instance;      /* AMS and AS i= (1..50); 0 for DKIM-Signature */
    ma_dkim_cv cv;              /* AS cv= */

    ma_dkim_span *headers;      /* h= names, in order, into text; NULL/0 for AS */
    size_t nheaders;

    unsigned char *bh;          /* bh= decoded (32 bytes for sha256, 20 for sha1); AS: NULL */
    size_t bh_len;
    unsigned char *b;           /* b= decoded; its length is checked against the key later */
    size_t b_len;
    ma_dkim_span b_text;        /* b= as written, FWS included (for header.b=, RFC 6008) */

    int has_l;                  /* l= body length */
    uint64_t l;
    int has_t;                  /* t= signature time, seconds */
    uint64_t t;
    int has_x;                  /* x= expiration, seconds; > t when both are present */
    uint64_t x;
    int q_dns_txt;              /* q= absent or lists dns/txt: the key can be fetched */
} ma_dkim_sig;

/* Longest l= value accepted (RFC 6376 3.5: 1*76DIGIT); a value that does
   not fit in uint64_t is refused as MA_DKIM_R_BODY_LENGTH. */
#define MA_DKIM_L_MAX_DIGITS 76
/* Longest t= and x= values (RFC 6376 3.5: 1*12DIGIT). */
#define MA_DKIM_TIME_MAX_DIGITS 12

/*
 * Parse the value of a signature field of the given kind (everything after
 * the colon, unfolded or with its folding CRLFs; FWS is allowed around tags
 * and inside b=, bh=, h=, as the ABNF says).
 *
 * Rules (RFC 6376 3.5 and 6.1.1, RFC 8617 4.1.2 and 4.1.3):
 * - the tag-list syntax of 3.2 (ma__taglist_parse); a duplicate tag, an
 *   empty tag-spec or more than MA_LIMIT_TAGS tags is MA_DKIM_R_SYNTAX;
 * - required tags: v a b bh d h s (DKIM), i a b bh d h s (AMS),
 *   i a b cv d s (AS); else MA_DKIM_R_MISSING_TAG;
 * - v= must be "1" (MA_DKIM_R_VERSION); AMS and AS ignore v=;
 * - a= rsa-sha256, rsa-sha1 or ed25519-sha256 (ASCII case-insensitive),
 *   else MA_DKIM_R_ALGORITHM;
 * - c= "h[/b]" with simple or relaxed (default simple/simple; "relaxed"
 *   alone is relaxed/simple), else MA_DKIM_R_CANON; AS ignores c=;
 * - d= a domain name of two or more LDH labels, s= one or more labels in
 *   which '_' is also allowed; U-labels become A-labels (RFC 8616 5,
 *   RFC 8617 4.1.4); the key name s._domainkey.d must fit in 253 octets;
 *   else MA_DKIM_R_DOMAIN;
 * - DKIM i=: dkim-quoted-printable [local-part] "@" domain-name, split at
 *   the last '@'; no control characters once decoded; its domain must be
 *   d= or a subdomain of it; else MA_DKIM_R_IDENTITY.  AMS/AS i=: 1*2DIGIT
 *   with a value from 1 to 50, else MA_DKIM_R_IDENTITY;
 * - h= hdr-name *([FWS] ":" [FWS] hdr-name), names of RFC 5322 ftext; an
 *   empty list or name is MA_DKIM_R_SYNTAX; must list From (DKIM, AMS:
 *   MA_DKIM_R_NO_FROM); an AS with h= is MA_DKIM_R_SYNTAX (RFC 8617 4.1.3);
 * - bh= and b= base64 with FWS anywhere; bad base64, an empty value, or a
 *   bh= that is not 32 bytes (sha256) or 20 (sha1) is MA_DKIM_R_BAD_LENGTH
 *   (AS ignores bh=);
 * - l= 1*76DIGIT (else MA_DKIM_R_SYNTAX), refused when above UINT64_MAX
 *   (MA_DKIM_R_BODY_LENGTH); AS ignores l=;
 * - q= a colon list of methods; only dns/txt is known: q_dns_txt says
 *   whether it was listed (or q= absent); AS ignores q=;
 * - t= and x= 1*12DIGIT (else MA_DKIM_R_SYNTAX); x= must be greater than
 *   t= (3.5: "MUST be greater"), else MA_DKIM_R_TIMESTAMPS; AS ignores x=;
 * - cv= (AS only) none, pass or fail (case-insensitive), else
 *   MA_DKIM_R_SYNTAX;
 * - z= and unknown tags are ignored.
 * Checks run in this order: v, d, s, required tags, key name length, then
 * a, c, i, h, bh, b, l, q, t, x, cv; the first failure is reported.
 *
 * sig is overwritten (it need not be initialised; free it between parses).
 * After MA_ESYNTAX the tags checked before the fault stay filled in (d= and
 * s= in particular, for Authentication-Results), the rest is zero;
 * ma__dkim_sig_free() must be called either way.
 *
 * Returns MA_OK (err->reason is MA_DKIM_R_OK), MA_ESYNTAX (err says why,
 * which tag and where), MA_EINVAL (NULL arguments, unknown kind), MA_ENOMEM.
 */
int ma__dkim_sig_parse(ma_dkim_sig *sig, const ma_ctx *ctx, ma_dkim_sig_kind kind,
                       const char *value, size_t len, ma_dkim_perr *err);
void ma__dkim_sig_free(ma_dkim_sig *sig, const ma_ctx *ctx);

/* Whether h= lists a name (ASCII case-insensitive). */
int ma__dkim_sig_signs(const ma_dkim_sig *sig, const char *name);

/* Append the key's DNS name "<s>._domainkey.<d>" to out.  MA_OK, MA_EINVAL, MA_ENOMEM. */
int ma__dkim_sig_key_name(ma_buf *out, const ma_dkim_sig *sig);

/*
 * "Strip b=" (RFC 6376 3.7 step 2 and the b= note of 3.5): raw is a whole
 * signature field as ma_msg_field_raw() gives it (name, colon, value with
 * its folding).  Appends to out the same text without the value of the b=
 * tag: the tag name, '=', the FWS around the value and the ';' stay, only
 * the base64 data and the FWS between its characters go.  Tags are found
 * with the tag-list parser, so "bh=" and a "b=" inside another tag's value
 * are left alone.
 * Returns MA_OK, MA_ENOTFOUND (no b= tag; out unchanged), MA_ESYNTAX (no
 * colon, or the value is not a tag-list), MA_ELIMIT (more than
 * MA_LIMIT_TAGS tags), MA_EINVAL, MA_ENOMEM (out unchanged after an error).
 */
int ma__dkim_strip_b(ma_buf *out, const ma_ctx *ctx, const char *raw, size_t len);

/* What ma__dkim_select_headers() found beyond the indices. */
typedef struct ma_dkim_hsel {
    int from_covered;       /* a From field is selected */
    int extra;              /* a field whose name h= lists is not selected */
    int from_extra;         /* a From field is not selected (RFC 6376 8.15) */
    long first_extra;       /* index of the topmost such field, or -1 */
} ma_dkim_hsel;

/*
 * Select the header fields for h= names[0..n) (RFC 6376 5.4.2): for each
 * name in order, the next unused field of that name (ASCII
 * case-insensitive) counting from the bottom of the header; idx[k] gets the
 * field index, or -1 when no instance is left (a null string: oversigning).
 * info (may be NULL) reports whether From is covered and whether a field
 * with a listed name is left out (those are always the topmost ones: an
 * unsigned From prepended above a signed one).  Linear in fields + names.
 * idx must hold n entries.  Returns MA_OK, MA_EINVAL, MA_ENOMEM.
 */
int ma__dkim_select_headers(long *idx, ma_dkim_hsel *info, const ma_ctx *ctx, const ma_msg *msg,
                            const ma_dkim_span *names, size_t n);

/* -------------------------------------------------------------- key records */

/* k= key types. */
typedef enum ma_dkim_keytype {
    MA_DKIM_KEY_UNKNOWN = 0,
    MA_DKIM_KEY_RSA = 1,      /* p= is DER SubjectPublicKeyInfo or PKCS#1 RSAPublicKey */
    MA_DKIM_KEY_ED25519 = 2   /* p= is the raw 32-byte public key (RFC 8463) */
} ma_dkim_keytype;

/* Hash names allowed by a key's h= (bit set). */
#define MA_DKIM_HASH_SHA1 1u
#define MA_DKIM_HASH_SHA256 2u

/*
 * Default bound on the base64 characters of p= (FWS not counted).  An
 * 8192-bit RSA SubjectPublicKeyInfo is 1062 octets, 1416 base64
 * characters; 2048 leaves room for larger exponents and encodings while
 * refusing absurd records before decoding them.
 */
#define MA_DKIM_KEY_P_MAX 2048

typedef struct ma_dkim_key {
    ma_dkim_keytype type;     /* k= (rsa when absent) */
    unsigned int hashes;      /* h=: MA_DKIM_HASH_* allowed (both when h= is absent) */
    int testing;              /* t=y */
    int strict;               /* t=s */
    unsigned char *p;         /* p= decoded, for the crypto layer */
    size_t p_len;
} ma_dkim_key;

/*
 * Parse one key record (the TXT strings joined), RFC 6376 3.6.1:
 * - tag-list syntax, duplicate tags, missing p=: MA_DKIM_R_KEY_SYNTAX;
 * - v= must be the first tag and exactly "DKIM1": else MA_DKIM_R_KEY_SYNTAX;
 * - h=, s=, t= colon lists (FWS around colons allowed; an empty list is
 *   MA_DKIM_R_KEY_SYNTAX); unknown entries are ignored; names compare
 *   ASCII case-insensitively;
 * - p= base64 with whitespace anywhere: more than p_max base64 characters
 *   is MA_DKIM_R_KEY_TOO_LARGE (p_max 0: MA_DKIM_KEY_P_MAX), invalid base64
 *   MA_DKIM_R_KEY_SYNTAX;
 * - s= must list "*" or "email": else MA_DKIM_R_KEY_SERVICE;
 * - an empty p= is MA_DKIM_R_KEY_REVOKED;
 * - k= rsa (default) or ed25519, else MA_DKIM_R_KEY_TYPE.
 * Checked in this order (syntax first, then service, revocation and type,
 * as in RFC 6376 6.1.2).  Whether the decoded p= is a usable key of type k=
 * is for the crypto layer.
 * key is overwritten (it need not be initialised) and left empty after an
 * error; ma__dkim_key_free() accepts both.
 * Returns MA_OK, MA_ESYNTAX (err says why), MA_EINVAL, MA_ENOMEM.
 */
int ma__dkim_key_parse(ma_dkim_key *key, const ma_ctx *ctx, const char *txt, size_t len,
                       size_t p_max, ma_dkim_perr *err);
void ma__dkim_key_free(ma_dkim_key *key, const ma_ctx *ctx);

/* Whether the key's h= allows the hash of alg (0 for an unknown alg). */
int ma__dkim_key_hash_ok(const ma_dkim_key *key, ma_dkim_alg alg);

/* Whether the key's k= suits alg (rsa for rsa-sha*, ed25519 for ed25519-sha256). */
int ma__dkim_key_type_ok(const ma_dkim_key *key, ma_dkim_alg alg);

/*
 * The t=s check (RFC 6376 3.6.1): with a strict key, a signature whose i=
 * domain is a subdomain of d= (not equal to it) is refused.  Signatures
 * without i= (and ARC ones, which have no AUID) always pass.  Returns 1
 * when acceptable.
 */
int ma__dkim_key_strict_ok(const ma_dkim_key *key, const ma_dkim_sig *sig);

/*
 * All three key-against-signature checks in RFC 6376 6.1.2 order: hash
 * (MA_DKIM_R_KEY_HASH), type (MA_DKIM_R_KEY_TYPE), strict
 * (MA_DKIM_R_KEY_STRICT); MA_DKIM_R_OK when the key may be used.
 */
ma_dkim_reason ma__dkim_key_check(const ma_dkim_key *key, const ma_dkim_sig *sig);

#endif /* MA_SIG_INT_H */
