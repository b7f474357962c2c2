/*
 * The crypto layer: SHA-256/SHA-1 digests, DKIM public keys (RFC 6376
 * 3.6.1, RFC 8463 4.2), signature verification and signing (RSASSA-PKCS1-v1_5
 * over a digest, Ed25519 over a SHA-256 digest), private key loading.  A thin
 * wrapper over OpenSSL 3 EVP; the only file of the library that includes
 * OpenSSL headers.
 *
 * Public keys are not run through OpenSSL's DER decoders: a small strict
 * DER reader takes n and e out of the SubjectPublicKeyInfo or PKCS#1
 * structure and EVP_PKEY_fromdata builds the key, twenty times faster.
 *
 * Error queue: every function that calls OpenSSL for keys, signatures or
 * verification sets a mark on the thread's error queue first and pops back
 * to it before returning, whatever the outcome (a bad signature pushes
 * entries too).  The digest hot path (update) does not pay for a mark: when
 * it fails, which SHA-2 and SHA-1 never do in practice, it clears the queue.
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "crypto/crypto_int.h"

/* ------------------------------------------------------------------ helpers */

static const char *hash_name(ma_hash hash)
{
    switch (hash) {
    case MA_HASH_SHA256:
        return "SHA2-256";
    case MA_HASH_SHA1:
        return "SHA1";
    default:
        return NULL;
    }
}

size_t ma__hash_size(ma_hash hash)
{
    switch (hash) {
    case MA_HASH_SHA256:
        return 32;
    case MA_HASH_SHA1:
        return 20;
    default:
        return 0;
    }
}

ma_hash ma__dkim_alg_hash(ma_dkim_alg alg)
{
    switch (alg) {
    case MA_DKIM_RSA_SHA256:
    case MA_DKIM_ED25519_SHA256:
        return MA_HASH_SHA256;
    case MA_DKIM_RSA_SHA1:
        return MA_HASH_SHA1;
    default:
        return MA_HASH_NONE;
    }
}

ma_key_type ma__dkim_alg_key(ma_dkim_alg alg)
{
    switch (alg) {
    case MA_DKIM_RSA_SHA256:
    case MA_DKIM_RSA_SHA1:
        return MA_KEY_RSA;
    case MA_DKIM_ED25519_SHA256:
        return MA_KEY_ED25519;
    default:
        return MA_KEY_NONE;
    }
}

bool ma__crypto_equal(const void *a, const void *b, size_t len)
{
    if (len == 0)
        return true;
    return CRYPTO_memcmp(a, b, len) == 0;
}

/* ------------------------------------------------------------------ digests */

struct ma_digest {
    const ma_ctx *ctx;
    EVP_MD *md;          /* fetched once, reused by every reset */
    bool md_borrowed;    /* md belongs to the context's crypto slot */
    EVP_MD_CTX *mdctx;
    ma_hash hash;
    bool final;
    unsigned char impl;  /* MA_DIGEST_IMPL_*; native: the state below */
    unsigned char nblk;  /* bytes waiting in blk */
    uint32_t h[8];       /* the state, in ma__sha256_blocks() order */
    uint64_t len;        /* bytes added */
    unsigned char blk[64];
};

/* FIPS 180-4 5.3.3, in ma__sha256_blocks() order (H5 H4 H1 H0 H7 H6 H3 H2). */
static const uint32_t sha256_iv[8] = { 0x9b05688c, 0x510e527f, 0xbb67ae85, 0x6a09e667,
                                       0x5be0cd19, 0x1f83d9ab, 0xa54ff53a, 0x3c6ef372 };
/* Where H0..H7 are in that order. */
static const unsigned char sha256_lane[8] = { 3, 2, 7, 6, 1, 0, 5, 4 };

/* The digest methods, fetched once per context (EVP_MD_fetch costs
   thousands of instructions; fetched methods are immutable and may be
   shared by threads). */
typedef struct crypto_slot {
    EVP_MD *sha256;
    EVP_MD *sha1;
    bool sha256_native; /* the CPU runs ma__sha256_blocks() */
} crypto_slot;

static void crypto_slot_destroy(const ma_ctx *ctx, void *obj)
{
    crypto_slot *c = obj;
    EVP_MD_free(c->sha256);
    EVP_MD_free(c->sha1);
    ma__free(ctx, c);
}

static void *crypto_slot_make(const ma_ctx *ctx)
{
    crypto_slot *c = ma__calloc(ctx, 1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->sha256_native = ma__sha256_blocks_available();
    ERR_set_mark();
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    c->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    ERR_pop_to_mark();
    if (c->sha256 == NULL || c->sha1 == NULL) {
        crypto_slot_destroy(ctx, c);
        return NULL;
    }
    return c;
}

int ma__digest_new(ma_digest **out, const ma_ctx *ctx, ma_hash hash)
{
    crypto_slot *slot;
    ma_digest *d;
    const char *name = hash_name(hash);

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || name == NULL)
        return MA_EINVAL;
    d = ma__calloc(ctx, 1, sizeof *d);
    if (d == NULL)
        return MA_ENOMEM;
    d->ctx = ctx;
    d->hash = hash;
    slot = ma__ctx_slot(ctx, MA_CTX_SLOT_CRYPTO, crypto_slot_make, crypto_slot_destroy);
    ERR_set_mark();
    if (slot != NULL) {
        d->md = hash == MA_HASH_SHA1 ? slot->sha1 : slot->sha256;
        d->md_borrowed = true;
    } else {
        d->md = EVP_MD_fetch(NULL, name, NULL);
    }
    d->mdctx = EVP_MD_CTX_new();
    if (d->md == NULL || d->mdctx == NULL) {
        int rc = d->md != NULL ? MA_ENOMEM : MA_EINTERNAL;
        ERR_pop_to_mark();
        ma__digest_free(d);
        return rc;
    }
    ERR_pop_to_mark();
    if (hash == MA_HASH_SHA256 && slot != NULL && slot->sha256_native)
        d->impl = MA_DIGEST_IMPL_NATIVE;
    else
        d->impl = MA_DIGEST_IMPL_EVP;
    if (ma__digest_reset(d) != MA_OK) {
        ma__digest_free(d);
        return MA_EINTERNAL;
    }
    *out = d;
    return MA_OK;
}

int ma__digest_impl(ma_digest *d, int impl)
{
    if (d == NULL)
        return -1;
    if (impl < MA_DIGEST_IMPL_NATIVE || d->impl != MA_DIGEST_IMPL_NATIVE) {
        d->impl = MA_DIGEST_IMPL_EVP;
        ma__digest_reset(d);
    }
    return d->impl;
}

bool ma__digest_blockwise(const ma_digest *d)
{
    return d != NULL && d->impl == MA_DIGEST_IMPL_NATIVE;
}

uint32_t *ma__digest_sha256_state(ma_digest *d, size_t *partial)
{
    *partial = 0;
    if (d == NULL || d->impl != MA_DIGEST_IMPL_NATIVE || d->final)
        return NULL;
    *partial = d->nblk;
    return d->h;
}

void ma__digest_sha256_added(ma_digest *d, uint64_t n)
{
    d->len += 64 * n;
}

/* Native SHA-256: whole blocks straight from the caller's memory, the rest
   through blk. */
static void native_update(ma_digest *d, const unsigned char *p, size_t len)
{
    d->len += len;
    if (d->nblk > 0) {
        size_t k = 64 - (size_t)d->nblk;
        if (k > len)
            k = len;
        memcpy(d->blk + d->nblk, p, k);
        d->nblk = (unsigned char)(d->nblk + k);
        p += k;
        len -= k;
        if (d->nblk < 64)
            return;
        ma__sha256_blocks(d->h, d->blk, 1);
        d->nblk = 0;
    }
    if (len >= 64) {
        ma__sha256_blocks(d->h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len > 0) {
        memcpy(d->blk, p, len);
        d->nblk = (unsigned char)len;
    }
}

/* FIPS 180-4 5.1.1: 0x80, zeros, the length in bits (64-bit big-endian). */
static void native_final(ma_digest *d, unsigned char md[32])
{
    uint64_t bits = d->len * 8;
    size_t n = d->nblk;

    d->blk[n++] = 0x80;
    if (n > 56) {
        memset(d->blk + n, 0, 64 - n);
        ma__sha256_blocks(d->h, d->blk, 1);
        n = 0;
    }
    memset(d->blk + n, 0, 56 - n);
    for (int i = 0; i < 8; i++)
        d->blk[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    ma__sha256_blocks(d->h, d->blk, 1);
    for (int i = 0; i < 8; i++) {
        uint32_t v = d->h[sha256_lane[i]];
        md[4 * i] = (unsigned char)(v >> 24);
        md[4 * i + 1] = (unsigned char)(v >> 16);
        md[4 * i + 2] = (unsigned char)(v >> 8);
        md[4 * i + 3] = (unsigned char)v;
    }
}

int ma__digest_update(ma_digest *d, const void *data, size_t len)
{
    if (d == NULL || (data == NULL && len > 0))
        return MA_EINVAL;
    if (d->final)
        return MA_ESTATE;
    if (len == 0)
        return MA_OK;
    if (d->impl == MA_DIGEST_IMPL_NATIVE) {
        native_update(d, data, len);
        return MA_OK;
    }
    if (EVP_DigestUpdate(d->mdctx, data, len) != 1) {
        ERR_clear_error();
        return MA_EINTERNAL;
    }
    return MA_OK;
}

int ma__digest_final(ma_digest *d, unsigned char *md, size_t *md_len)
{
    unsigned int n = 0;

    if (md_len != NULL)
        *md_len = 0;
    if (d == NULL || md == NULL)
        return MA_EINVAL;
    if (d->final)
        return MA_ESTATE;
    d->final = true;
    if (d->impl == MA_DIGEST_IMPL_NATIVE) {
        native_final(d, md);
        if (md_len != NULL)
            *md_len = 32;
        return MA_OK;
    }
    if (EVP_DigestFinal_ex(d->mdctx, md, &n) != 1 || n != ma__hash_size(d->hash)) {
        ERR_clear_error();
        return MA_EINTERNAL;
    }
    if (md_len != NULL)
        *md_len = n;
    return MA_OK;
}

int ma__digest_reset(ma_digest *d)
{
    if (d == NULL)
        return MA_EINVAL;
    if (d->impl == MA_DIGEST_IMPL_NATIVE) {
        memcpy(d->h, sha256_iv, sizeof d->h);
        d->len = 0;
        d->nblk = 0;
        d->final = false;
        return MA_OK;
    }
    if (EVP_DigestInit_ex2(d->mdctx, d->md, NULL) != 1) {
        ERR_clear_error();
        d->final = true; /* unusable until a reset works */
        return MA_EINTERNAL;
    }
    d->final = false;
    return MA_OK;
}

ma_hash ma__digest_hash(const ma_digest *d)
{
    return d != NULL ? d->hash : MA_HASH_NONE;
}

void ma__digest_free(ma_digest *d)
{
    if (d == NULL)
        return;
    EVP_MD_CTX_free(d->mdctx);
    if (!d->md_borrowed)
        EVP_MD_free(d->md);
    ma__free(d->ctx, d);
}

int ma__digest_oneshot(ma_hash hash, const void *data, size_t len, unsigned char *md,
                       size_t *md_len)
{
    const char *name = hash_name(hash);
    size_t n = 0;
    int rc = MA_OK;

    if (md_len != NULL)
        *md_len = 0;
    if (name == NULL || md == NULL || (data == NULL && len > 0))
        return MA_EINVAL;
    ERR_set_mark();
    if (EVP_Q_digest(NULL, name, NULL, len ? data : "", len, md, &n) != 1
        || n != ma__hash_size(hash))
        rc = MA_EINTERNAL;
    ERR_pop_to_mark();
    if (rc == MA_OK && md_len != NULL)
        *md_len = n;
    return rc;
}

/* --------------------------------------------------------------------- DER */

/*
 * Just enough DER for DKIM public keys.  Read one TLV (single-byte tag,
 * definite length) at in[*off] within [*off, end); on success *off is the
 * start of its content and *clen its length.
 */
static bool der_tlv(const unsigned char *in, size_t end, size_t *off, unsigned char *tag,
                    size_t *clen)
{
    size_t o = *off, n;

    if (o > end || end - o < 2)
        return false;
    *tag = in[o++];
    if ((*tag & 0x1f) == 0x1f)
        return false; /* multi-byte tags: none in the structures we read */
    n = in[o++];
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > sizeof(size_t) || k > end - o)
            return false; /* indefinite, or absurd */
        n = 0;
        while (k--) {
            if (n > (SIZE_MAX >> 8))
                return false;
            n = (n << 8) | in[o++];
        }
    }
    if (n > end - o)
        return false;
    *off = o;
    *clen = n;
    return true;
}

/*
 * An INTEGER at in[*off], read as an unsigned magnitude with its leading
 * zero bytes dropped (at least one byte stays); *off moves past it.  This is
 * how OpenSSL's own RSA key decoding reads n and e (BN_bin2bn, no check of
 * X.690 8.3.2 minimality or sign), so a key that OpenSSL-based verifiers
 * take is taken here too.
 */
static bool der_uint(const unsigned char *in, size_t end, size_t *off, const unsigned char **v,
                     size_t *vlen)
{
    unsigned char tag;
    size_t n;

    if (!der_tlv(in, end, off, &tag, &n) || tag != 0x02 || n == 0)
        return false;
    *v = in + *off;
    *off += n;
    while (n > 1 && (*v)[0] == 0) {
        (*v)++;
        n--;
    }
    *vlen = n;
    return true;
}

typedef enum {
    SHAPE_NONE,       /* neither form */
    SHAPE_SPKI_RSA,   /* SubjectPublicKeyInfo, algorithm rsaEncryption */
    SHAPE_SPKI_OTHER, /* SubjectPublicKeyInfo of another algorithm */
    SHAPE_PKCS1       /* SEQUENCE whose first element is an INTEGER */
} der_shape;

/* rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 A.1), OID content bytes. */
static const unsigned char oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

/*
 * Tell the forms of a DKIM p= apart:
 *   SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
 *       subjectPublicKey BIT STRING }, AlgorithmIdentifier ::= SEQUENCE {
 *       algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } (RFC 5280 4.1)
 *   RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
 *       (RFC 8017 A.1.1)
 * The outer SEQUENCE must take up all len bytes.  For an SPKI, spki says
 * where the algorithm's parameters and the BIT STRING's content are.  Only
 * the shape is checked here; rsa_decode() reads the rest strictly.
 */
typedef struct der_spki {
    size_t alg_params, alg_end; /* [alg_params, alg_end): the parameters */
    size_t key, key_len;        /* the BIT STRING content */
} der_spki;

static der_shape der_key_shape(const unsigned char *p, size_t len, der_spki *spki)
{
    size_t off = 0, clen, a_off, a_len, o_len;
    unsigned char tag;

    if (!der_tlv(p, len, &off, &tag, &clen) || tag != 0x30 || off + clen != len)
        return SHAPE_NONE;
    if (!der_tlv(p, len, &off, &tag, &clen))
        return SHAPE_NONE;
    if (tag == 0x02)
        return SHAPE_PKCS1;
    if (tag != 0x30)
        return SHAPE_NONE;
    a_off = off;
    a_len = clen;
    off += clen;
    if (!der_tlv(p, len, &off, &tag, &clen) || tag != 0x03 || off + clen != len)
        return SHAPE_NONE;
    spki->key = off;
    spki->key_len = clen;
    spki->alg_end = a_off + a_len;
    if (!der_tlv(p, spki->alg_end, &a_off, &tag, &o_len) || tag != 0x06)
        return SHAPE_NONE;
    spki->alg_params = a_off + o_len;
    if (o_len == sizeof oid_rsa && memcmp(p + a_off, oid_rsa, sizeof oid_rsa) == 0)
        return SHAPE_SPKI_RSA;
    return SHAPE_SPKI_OTHER;
}

/*
 * Build an RSA key from the big-endian magnitudes of n and e, through
 * EVP_PKEY_fromdata: about twenty times cheaper than OpenSSL's DER decoders
 * (d2i_PUBKEY), which matters on a key cache miss.  OSSL_PARAM wants the
 * numbers in native byte order.
 */
static int rsa_from_ne(EVP_PKEY **out, const ma_ctx *ctx, const unsigned char *n, size_t nl,
                       const unsigned char *e, size_t el)
{
    const uint16_t one = 1;
    const bool little = *(const unsigned char *)&one == 1;
    unsigned char *buf;
    EVP_PKEY_CTX *pctx;
    OSSL_PARAM params[3];
    size_t i;
    int rc = MA_OK;

    if (nl > SIZE_MAX - el)
        return MA_ESYNTAX;
    buf = ma__alloc(ctx, nl + el);
    if (buf == NULL)
        return MA_ENOMEM;
    for (i = 0; i < nl; i++)
        buf[i] = little ? n[nl - 1 - i] : n[i];
    for (i = 0; i < el; i++)
        buf[nl + i] = little ? e[el - 1 - i] : e[i];
    params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, buf, nl);
    params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, buf + nl, el);
    params[2] = OSSL_PARAM_construct_end();
    *out = NULL;
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (pctx == NULL)
        rc = MA_ENOMEM;
    else if (EVP_PKEY_fromdata_init(pctx) != 1
             || EVP_PKEY_fromdata(pctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1 || *out == NULL)
        rc = MA_ESYNTAX;
    EVP_PKEY_CTX_free(pctx);
    ma__free(ctx, buf);
    return rc;
}

/* k=rsa: an rsaEncryption SubjectPublicKeyInfo or a bare RSAPublicKey. */
static int rsa_decode(EVP_PKEY **out, const ma_ctx *ctx, const unsigned char *p, size_t len)
{
    der_spki spki;
    const unsigned char *n, *e;
    size_t off = 0, nl = 0, el = 0, clen;
    unsigned char tag;

    switch (der_key_shape(p, len, &spki)) {
    case SHAPE_SPKI_OTHER:
        return MA_EUNSUPPORTED;
    case SHAPE_SPKI_RSA:
        /* The parameters should be NULL (RFC 8017 A.1) and are sometimes
           absent; like OpenSSL, take anything that is one TLV.  The BIT
           STRING must have no unused bits (OpenSSL would clear them in the
           key's last byte, making another key), then the RSAPublicKey
           follows, with nothing after it. */
        if (spki.alg_params != spki.alg_end) {
            size_t q = spki.alg_params, ql;
            if (!der_tlv(p, spki.alg_end, &q, &tag, &ql) || q + ql != spki.alg_end)
                return MA_ESYNTAX;
        }
        if (spki.key_len < 1 || p[spki.key] != 0)
            return MA_ESYNTAX;
        p += spki.key + 1;
        len = spki.key_len - 1;
        break;
    case SHAPE_PKCS1:
        break;
    default:
        return MA_ESYNTAX;
    }
    if (!der_tlv(p, len, &off, &tag, &clen) || tag != 0x30 || off + clen != len
        || !der_uint(p, len, &off, &n, &nl) || !der_uint(p, len, &off, &e, &el) || off != len)
        return MA_ESYNTAX;
    return rsa_from_ne(out, ctx, n, nl, e, el);
}

/* ------------------------------------------------------------- public keys */

struct ma_pubkey {
    const ma_ctx *ctx;
    EVP_PKEY *pkey;
    /* RSA: an EVP_PKEY_CTX set up for rsa-sha256 verification.  Never used
       itself: each verification works on a copy (EVP_PKEY_CTX_dup takes it
       as const, and OpenSSL's rule is that objects only read are safe to
       share), which costs less than setting up a new one. */
    EVP_PKEY_CTX *rsa_sha256;
    /* Ed25519: a digest-verify context initialised with the key, copied
       for each verification for the same reason (the copy skips fetching
       the algorithm from the provider store, with its locks). */
    EVP_MD_CTX *ed25519;
    ma_key_type type;
    unsigned int bits;
    unsigned long refs; /* atomic */
};

static int pubkey_decode(EVP_PKEY **pkey_out, const ma_ctx *ctx, ma_key_type type,
                         const unsigned char *p, size_t len)
{
    der_spki spki;

    *pkey_out = NULL;
    if (len == 0)
        return MA_ESYNTAX;
    if (type == MA_KEY_RSA)
        return rsa_decode(pkey_out, ctx, p, len);
    /* RFC 8463 4.2: p= is the raw 32-byte key, nothing else. */
    if (len != 32)
        return der_key_shape(p, len, &spki) != SHAPE_NONE ? MA_EUNSUPPORTED : MA_ESYNTAX;
    *pkey_out = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, p, len);
    return *pkey_out != NULL ? MA_OK : MA_EINTERNAL;
}

static EVP_PKEY_CTX *rsa_pctx(EVP_PKEY *pkey, const char *md_name, bool sign, int *rc);

int ma__pubkey_new(ma_pubkey **out, const ma_ctx *ctx, ma_key_type type, const unsigned char *p,
                   size_t len)
{
    ma_pubkey *k;
    EVP_PKEY *pkey;
    int rc, bits;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || (p == NULL && len > 0) || (type != MA_KEY_RSA && type != MA_KEY_ED25519))
        return MA_EINVAL;
    k = ma__calloc(ctx, 1, sizeof *k);
    if (k == NULL)
        return MA_ENOMEM;
    ERR_set_mark();
    rc = pubkey_decode(&pkey, ctx, type, p, len);
    if (rc == MA_OK && type == MA_KEY_RSA) {
        /* Without the template verification still works, only slower. */
        int ignored;
        k->rsa_sha256 = rsa_pctx(pkey, "SHA2-256", false, &ignored);
    } else if (rc == MA_OK) {
        k->ed25519 = EVP_MD_CTX_new();
        if (k->ed25519 != NULL &&
            EVP_DigestVerifyInit_ex(k->ed25519, NULL, NULL, NULL, NULL, pkey, NULL) != 1) {
            EVP_MD_CTX_free(k->ed25519);
            k->ed25519 = NULL;
        }
    }
    ERR_pop_to_mark();
    if (rc != MA_OK) {
        ma__free(ctx, k);
        return rc;
    }
    bits = EVP_PKEY_get_bits(pkey);
    k->ctx = ctx;
    k->pkey = pkey;
    k->type = type;
    k->bits = type == MA_KEY_ED25519 ? 256u : (bits > 0 ? (unsigned int)bits : 0u);
    k->refs = 1;
    *out = k;
    return MA_OK;
}

ma_pubkey *ma__pubkey_ref(ma_pubkey *key)
{
    if (key != NULL)
        __atomic_add_fetch(&key->refs, 1, __ATOMIC_RELAXED);
    return key;
}

void ma__pubkey_free(ma_pubkey *key)
{
    if (key == NULL)
        return;
    if (__atomic_sub_fetch(&key->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    EVP_PKEY_CTX_free(key->rsa_sha256);
    EVP_MD_CTX_free(key->ed25519);
    EVP_PKEY_free(key->pkey);
    ma__free(key->ctx, key);
}

ma_key_type ma__pubkey_type(const ma_pubkey *key)
{
    return key != NULL ? key->type : MA_KEY_NONE;
}

unsigned int ma__pubkey_bits(const ma_pubkey *key)
{
    return key != NULL ? key->bits : 0;
}

/* ------------------------------------------------------ sign and verify core */

/*
 * Check that alg fits the key type and digest_len fits alg; the hash name
 * for RSA through *md_name.
 */
static int check_alg(ma_key_type type, ma_dkim_alg alg, size_t digest_len, const char **md_name)
{
    ma_hash hash = ma__dkim_alg_hash(alg);

    if (hash == MA_HASH_NONE || ma__dkim_alg_key(alg) != type || digest_len != ma__hash_size(hash))
        return MA_EINVAL;
    *md_name = hash_name(hash);
    return MA_OK;
}

/* An EVP_PKEY_CTX set up for RSASSA-PKCS1-v1_5 with the digest named md_name
   (the prehashed form: EVP_PKEY_sign/verify take the digest). */
static EVP_PKEY_CTX *rsa_pctx(EVP_PKEY *pkey, const char *md_name, bool sign, int *rc)
{
    /* OSSL_PARAM wants writable strings; these are only read. */
    char md[16], pad[] = OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *pctx;
    size_t n = strlen(md_name);
    int ok;

    if (n >= sizeof md) {
        *rc = MA_EINTERNAL;
        return NULL;
    }
    memcpy(md, md_name, n + 1);
    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (pctx == NULL) {
        *rc = MA_ENOMEM;
        return NULL;
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, md, 0);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pad, 0);
    params[2] = OSSL_PARAM_construct_end();
    ok = sign ? EVP_PKEY_sign_init_ex(pctx, params) : EVP_PKEY_verify_init_ex(pctx, params);
    if (ok != 1) {
        EVP_PKEY_CTX_free(pctx);
        *rc = MA_EINTERNAL;
        return NULL;
    }
    return pctx;
}

static int verify_core(const ma_pubkey *key, ma_hash hash, const char *md_name,
                       const unsigned char *digest, size_t digest_len, const unsigned char *sig,
                       size_t sig_len, int *good)
{
    int rc = MA_OK;

    if (key->type == MA_KEY_RSA) {
        EVP_PKEY_CTX *pctx;
        if (hash == MA_HASH_SHA256 && key->rsa_sha256 != NULL) {
            pctx = EVP_PKEY_CTX_dup(key->rsa_sha256);
            if (pctx == NULL)
                return MA_ENOMEM;
        } else {
            pctx = rsa_pctx(key->pkey, md_name, false, &rc);
            if (pctx == NULL)
                return rc;
        }
        /* Anything but 1 is a signature that does not verify: hostile bytes
           make OpenSSL fail in many ways (wrong length, bad padding...). */
        *good = EVP_PKEY_verify(pctx, sig, sig_len, digest, digest_len) == 1;
        EVP_PKEY_CTX_free(pctx);
    } else {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        int ready;
        if (mctx == NULL)
            return MA_ENOMEM;
        /* PureEdDSA: no digest of its own; the message is the digest. */
        if (key->ed25519 != NULL)
            ready = EVP_MD_CTX_copy_ex(mctx, key->ed25519) == 1;
        else
            ready = EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, key->pkey, NULL) == 1;
        if (!ready)
            rc = MA_EINTERNAL;
        else
            *good = EVP_DigestVerify(mctx, sig, sig_len, digest, digest_len) == 1;
        EVP_MD_CTX_free(mctx);
    }
    return rc;
}

int ma__pubkey_verify(const ma_pubkey *key, ma_dkim_alg alg, const unsigned char *digest,
                      size_t digest_len, const unsigned char *sig, size_t sig_len, int *good)
{
    const char *md_name = NULL;
    int rc;

    if (good != NULL)
        *good = 0;
    if (key == NULL || digest == NULL || good == NULL || (sig == NULL && sig_len > 0))
        return MA_EINVAL;
    rc = check_alg(key->type, alg, digest_len, &md_name);
    if (rc != MA_OK)
        return rc;
    if (sig_len == 0)
        return MA_OK; /* an empty signature verifies nothing */
    ERR_set_mark();
    rc = verify_core(key, ma__dkim_alg_hash(alg), md_name, digest, digest_len, sig, sig_len,
                     good);
    ERR_pop_to_mark();
    return rc;
}

/* ------------------------------------------------------------ private keys */

struct ma_privkey {
    const ma_ctx *ctx;
    EVP_PKEY *pkey;
    ma_key_type type;
    unsigned int bits;
    size_t sig_size;
};

/* Passphrase callback for the decoder: there is no passphrase, and no
   prompt on a terminal either. */
static int no_passphrase(char *pass, size_t pass_size, size_t *pass_len,
                         const OSSL_PARAM params[], void *arg)
{
    (void)pass;
    (void)pass_size;
    (void)params;
    (void)arg;
    *pass_len = 0;
    return 0;
}

static int privkey_wrap(ma_privkey **out, const ma_ctx *ctx, EVP_PKEY *pkey)
{
    ma_privkey *k;
    int id = EVP_PKEY_get_base_id(pkey), bits = EVP_PKEY_get_bits(pkey),
        size = EVP_PKEY_get_size(pkey);
    ma_key_type type = id == EVP_PKEY_RSA ? MA_KEY_RSA : id == EVP_PKEY_ED25519 ? MA_KEY_ED25519
                                                                               : MA_KEY_NONE;

    if (type == MA_KEY_NONE) {
        EVP_PKEY_free(pkey);
        return MA_EUNSUPPORTED;
    }
    if (bits <= 0 || size <= 0) {
        EVP_PKEY_free(pkey);
        return MA_EINTERNAL;
    }
    k = ma__calloc(ctx, 1, sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return MA_ENOMEM;
    }
    k->ctx = ctx;
    k->pkey = pkey;
    k->type = type;
    k->bits = type == MA_KEY_ED25519 ? 256u : (unsigned int)bits;
    k->sig_size = (size_t)size;
    *out = k;
    return MA_OK;
}

int ma__privkey_load(ma_privkey **out, const ma_ctx *ctx, const void *data, size_t len)
{
    OSSL_DECODER_CTX *dctx;
    EVP_PKEY *pkey = NULL;
    const unsigned char *pp = data;
    size_t left = len;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || (data == NULL && len > 0))
        return MA_EINVAL;
    if (len == 0)
        return MA_ESYNTAX;
    ERR_set_mark();
    /* Any input form (PEM or DER), any structure, any key type: the type is
       checked afterwards so that another type is MA_EUNSUPPORTED. */
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
    if (dctx == NULL) {
        rc = MA_ENOMEM;
    } else if (OSSL_DECODER_CTX_set_passphrase_cb(dctx, no_passphrase, NULL) != 1) {
        rc = MA_EINTERNAL;
    } else if (OSSL_DECODER_from_data(dctx, &pp, &left) != 1 || pkey == NULL) {
        rc = MA_ESYNTAX;
    } else {
        rc = privkey_wrap(out, ctx, pkey);
        pkey = NULL;
    }
    EVP_PKEY_free(pkey);
    OSSL_DECODER_CTX_free(dctx);
    ERR_pop_to_mark();
    return rc;
}

int ma__privkey_from_seed(ma_privkey **out, const ma_ctx *ctx, const unsigned char *seed,
                          size_t len)
{
    EVP_PKEY *pkey;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || (seed == NULL && len > 0))
        return MA_EINVAL;
    if (len != 32)
        return MA_ESYNTAX;
    ERR_set_mark();
    pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed, len);
    rc = pkey != NULL ? privkey_wrap(out, ctx, pkey) : MA_EINTERNAL;
    ERR_pop_to_mark();
    return rc;
}

int ma__privkey_generate(ma_privkey **out, const ma_ctx *ctx, ma_key_type type, unsigned int bits)
{
    EVP_PKEY *pkey = NULL;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || (type != MA_KEY_RSA && type != MA_KEY_ED25519))
        return MA_EINVAL;
    if (type == MA_KEY_RSA && (bits < 1024 || bits > 16384))
        return MA_EINVAL;
    ERR_set_mark();
    if (type == MA_KEY_RSA)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    else
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    rc = pkey != NULL ? privkey_wrap(out, ctx, pkey) : MA_EINTERNAL;
    ERR_pop_to_mark();
    return rc;
}

int ma__privkey_pem(const ma_privkey *key, ma_buf *out)
{
    BIO *bio;
    char *data = NULL;
    long n;
    int rc = MA_EINTERNAL;

    if (key == NULL || out == NULL)
        return MA_EINVAL;
    ERR_set_mark();
    bio = BIO_new(BIO_s_mem());
    if (bio != NULL && PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        n = BIO_get_mem_data(bio, &data);
        rc = n > 0 ? ma__buf_append(out, data, (size_t)n) : MA_EINTERNAL;
        /* The PEM text is key material: clear the BIO's copy. */
        if (n > 0)
            OPENSSL_cleanse(data, (size_t)n);
    }
    BIO_free(bio);
    ERR_pop_to_mark();
    return rc;
}

void ma__privkey_free(ma_privkey *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    ma__free(key->ctx, key);
}

ma_key_type ma__privkey_type(const ma_privkey *key)
{
    return key != NULL ? key->type : MA_KEY_NONE;
}

unsigned int ma__privkey_bits(const ma_privkey *key)
{
    return key != NULL ? key->bits : 0;
}

size_t ma__privkey_sig_size(const ma_privkey *key)
{
    return key != NULL ? key->sig_size : 0;
}

int ma__privkey_public(const ma_privkey *key, ma_buf *out)
{
    int rc = MA_OK;

    if (key == NULL || out == NULL)
        return MA_EINVAL;
    ERR_set_mark();
    if (key->type == MA_KEY_ED25519) {
        size_t n = 32;
        rc = ma__buf_reserve(out, n);
        if (rc == MA_OK) {
            if (EVP_PKEY_get_raw_public_key(key->pkey, (unsigned char *)out->data + out->len, &n) != 1
                || n != 32) {
                rc = MA_EINTERNAL;
            } else {
                out->len += n;
                out->data[out->len] = '\0';
            }
        }
    } else {
        int n = i2d_PUBKEY(key->pkey, NULL);
        if (n <= 0) {
            rc = MA_EINTERNAL;
        } else {
            rc = ma__buf_reserve(out, (size_t)n);
            if (rc == MA_OK) {
                unsigned char *w = (unsigned char *)out->data + out->len;
                if (i2d_PUBKEY(key->pkey, &w) != n) {
                    rc = MA_EINTERNAL;
                } else {
                    out->len += (size_t)n;
                    out->data[out->len] = '\0';
                }
            }
        }
    }
    ERR_pop_to_mark();
    return rc;
}

static int sign_core(EVP_PKEY *pkey, ma_key_type type, const char *md_name,
                     const unsigned char *digest, size_t digest_len, unsigned char *sig,
                     size_t *sig_len)
{
    int rc = MA_OK;

    if (type == MA_KEY_RSA) {
        EVP_PKEY_CTX *pctx = rsa_pctx(pkey, md_name, true, &rc);
        if (pctx == NULL)
            return rc;
        if (EVP_PKEY_sign(pctx, sig, sig_len, digest, digest_len) != 1)
            rc = MA_EINTERNAL;
        EVP_PKEY_CTX_free(pctx);
    } else {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        if (mctx == NULL)
            return MA_ENOMEM;
        if (EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL, pkey, NULL) != 1
            || EVP_DigestSign(mctx, sig, sig_len, digest, digest_len) != 1)
            rc = MA_EINTERNAL;
        EVP_MD_CTX_free(mctx);
    }
    return rc;
}

int ma__privkey_sign(const ma_privkey *key, ma_dkim_alg alg, const unsigned char *digest,
                     size_t digest_len, unsigned char *sig, size_t *sig_len)
{
    const char *md_name = NULL;
    size_t cap;
    int rc;

    if (key == NULL || digest == NULL || sig == NULL || sig_len == NULL)
        return MA_EINVAL;
    cap = *sig_len;
    *sig_len = 0;
    rc = check_alg(key->type, alg, digest_len, &md_name);
    if (rc != MA_OK)
        return rc;
    if (cap < key->sig_size)
        return MA_EINVAL;
    *sig_len = cap;
    ERR_set_mark();
    rc = sign_core(key->pkey, key->type, md_name, digest, digest_len, sig, sig_len);
    ERR_pop_to_mark();
    if (rc != MA_OK)
        *sig_len = 0;
    return rc;
}
