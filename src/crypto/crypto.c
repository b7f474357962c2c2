/*
 * The crypto layer: SHA-256/SHA-1 digests, DKIM public keys (RFC 6376
 * 3.6.1, RFC 8463 4.2), signature verification and signing (RSASSA-PKCS1-v1_5
 * over a digest, Ed25519 over a SHA-256 digest), private key loading.  A thin
 * wrapper over OpenSSL 3 EVP; the only file of the library that includes
 * OpenSSL headers.
 *
 * Error queue: every function that calls OpenSSL for keys, signatures or
 * verification sets a mark on the thread's error queue first and pops back
 * to it before returning, whatever the outcome (a bad signature pushes
 * entries too).  The digest hot path (update) does not pay for a mark: when
 * it fails, which SHA-2 and SHA-1 never do in practice, it clears the queue.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
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
    EVP_MD_CTX *mdctx;
    ma_hash hash;
    bool final;
};

int ma__digest_new(ma_digest **out, const ma_ctx *ctx, ma_hash hash)
{
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
    ERR_set_mark();
    d->md = EVP_MD_fetch(NULL, name, NULL);
    d->mdctx = EVP_MD_CTX_new();
    if (d->md == NULL || d->mdctx == NULL || EVP_DigestInit_ex2(d->mdctx, d->md, NULL) != 1) {
        int rc = (d->md != NULL && d->mdctx == NULL) ? MA_ENOMEM : MA_EINTERNAL;
        ERR_pop_to_mark();
        ma__digest_free(d);
        return rc;
    }
    ERR_pop_to_mark();
    *out = d;
    return MA_OK;
}

int ma__digest_update(ma_digest *d, const void *data, size_t len)
{
    if (d == NULL || (data == NULL && len > 0))
        return MA_EINVAL;
    if (d->final)
        return MA_ESTATE;
    if (len == 0)
        return MA_OK;
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
 * Just enough DER to tell the shapes of a DKIM p= apart before OpenSSL sees
 * it: read one TLV (single-byte tag, definite length) at in[*off] within
 * [0, end); on success *off is the start of its content and *clen its length.
 */
static bool der_tlv(const unsigned char *in, size_t end, size_t *off, unsigned char *tag,
                    size_t *clen)
{
    size_t o = *off, n;

    if (end - o < 2)
        return false;
    *tag = in[o++];
    if ((*tag & 0x1f) == 0x1f)
        return false; /* multi-byte tags: none in the structures we look for */
    n = in[o++];
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > sizeof(size_t) || k > end - o)
            return false;
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

typedef enum {
    SHAPE_NONE,       /* neither form */
    SHAPE_SPKI_RSA,   /* SubjectPublicKeyInfo, algorithm rsaEncryption */
    SHAPE_SPKI_OTHER, /* SubjectPublicKeyInfo of another algorithm */
    SHAPE_PKCS1       /* SEQUENCE { INTEGER, INTEGER }: a bare RSAPublicKey */
} der_shape;

/* rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 A.1), OID content bytes. */
static const unsigned char oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

/*
 * SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
 * subjectPublicKey BIT STRING } with AlgorithmIdentifier ::= SEQUENCE {
 * algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } (RFC 5280 4.1);
 * RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
 * (RFC 8017 A.1.1).  The outer SEQUENCE must take up all len bytes.
 */
static der_shape der_key_shape(const unsigned char *p, size_t len)
{
    size_t off = 0, clen, end, a_off, a_len, o_len;
    unsigned char tag;

    if (!der_tlv(p, len, &off, &tag, &clen) || tag != 0x30 || off + clen != len)
        return SHAPE_NONE;
    end = len;
    if (!der_tlv(p, end, &off, &tag, &clen))
        return SHAPE_NONE;
    if (tag == 0x02) {
        off += clen;
        if (!der_tlv(p, end, &off, &tag, &clen) || tag != 0x02 || off + clen != end)
            return SHAPE_NONE;
        return SHAPE_PKCS1;
    }
    if (tag != 0x30)
        return SHAPE_NONE;
    a_off = off;
    a_len = clen;
    off += clen;
    if (!der_tlv(p, end, &off, &tag, &clen) || tag != 0x03 || off + clen != end)
        return SHAPE_NONE;
    if (!der_tlv(p, a_off + a_len, &a_off, &tag, &o_len) || tag != 0x06)
        return SHAPE_NONE;
    if (o_len == sizeof oid_rsa && memcmp(p + a_off, oid_rsa, sizeof oid_rsa) == 0)
        return SHAPE_SPKI_RSA;
    return SHAPE_SPKI_OTHER;
}

/* Append a DER length; returns the number of bytes written to out (<= 9). */
static size_t der_put_len(unsigned char *out, size_t n)
{
    unsigned char tmp[sizeof(size_t)];
    size_t k = 0, i;

    if (n < 0x80) {
        out[0] = (unsigned char)n;
        return 1;
    }
    while (n) {
        tmp[k++] = (unsigned char)(n & 0xff);
        n >>= 8;
    }
    out[0] = (unsigned char)(0x80 | k);
    for (i = 0; i < k; i++)
        out[1 + i] = tmp[k - 1 - i];
    return 1 + k;
}

/* AlgorithmIdentifier { rsaEncryption, NULL }, whole TLV. */
static const unsigned char algid_rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };

/* Decode a DER SubjectPublicKeyInfo that must use all len bytes. */
static EVP_PKEY *decode_spki(const unsigned char *der, size_t len)
{
    const unsigned char *pp = der;
    EVP_PKEY *pkey;

    if (len > LONG_MAX)
        return NULL;
    pkey = d2i_PUBKEY(NULL, &pp, (long)len);
    if (pkey != NULL && pp != der + len) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    return pkey;
}

/*
 * A bare PKCS#1 RSAPublicKey: wrap it in a SubjectPublicKeyInfo (the
 * rsaEncryption AlgorithmIdentifier and a BIT STRING with no unused bits)
 * and decode that, so that there is one decoding path and no deprecated
 * RSA-level API.  *rc tells ENOMEM from a key that does not decode.
 */
static EVP_PKEY *decode_pkcs1_public(const ma_ctx *ctx, const unsigned char *p, size_t len,
                                     int *rc)
{
    unsigned char lenbuf[2][1 + sizeof(size_t)];
    size_t bl, sl, inner, total, o = 0;
    unsigned char *w;
    EVP_PKEY *pkey;

    if (len > SIZE_MAX / 2) {
        *rc = MA_ESYNTAX;
        return NULL;
    }
    bl = der_put_len(lenbuf[0], len + 1);                     /* BIT STRING length */
    inner = sizeof algid_rsa + 1 + bl + 1 + len;              /* SEQUENCE content */
    sl = der_put_len(lenbuf[1], inner);
    total = 1 + sl + inner;
    w = ma__alloc(ctx, total);
    if (w == NULL) {
        *rc = MA_ENOMEM;
        return NULL;
    }
    w[o++] = 0x30;
    memcpy(w + o, lenbuf[1], sl);
    o += sl;
    memcpy(w + o, algid_rsa, sizeof algid_rsa);
    o += sizeof algid_rsa;
    w[o++] = 0x03;
    memcpy(w + o, lenbuf[0], bl);
    o += bl;
    w[o++] = 0x00;
    memcpy(w + o, p, len);
    pkey = decode_spki(w, total);
    ma__free(ctx, w);
    *rc = pkey != NULL ? MA_OK : MA_ESYNTAX;
    return pkey;
}

/* ------------------------------------------------------------- public keys */

struct ma_pubkey {
    const ma_ctx *ctx;
    EVP_PKEY *pkey;
    ma_key_type type;
    unsigned int bits;
    unsigned long refs; /* atomic */
};

static int pubkey_decode(EVP_PKEY **pkey_out, const ma_ctx *ctx, ma_key_type type,
                         const unsigned char *p, size_t len)
{
    der_shape shape;
    EVP_PKEY *pkey = NULL;
    int rc = MA_OK;

    *pkey_out = NULL;
    if (len == 0)
        return MA_ESYNTAX;
    shape = der_key_shape(p, len);
    if (type == MA_KEY_ED25519) {
        /* RFC 8463 4.2: p= is the raw 32-byte key, nothing else. */
        if (len != 32)
            return shape != SHAPE_NONE ? MA_EUNSUPPORTED : MA_ESYNTAX;
        pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, p, len);
        if (pkey == NULL)
            return MA_EINTERNAL;
        *pkey_out = pkey;
        return MA_OK;
    }
    switch (shape) {
    case SHAPE_SPKI_OTHER:
        return MA_EUNSUPPORTED;
    case SHAPE_SPKI_RSA:
        pkey = decode_spki(p, len);
        rc = pkey != NULL ? MA_OK : MA_ESYNTAX;
        break;
    case SHAPE_PKCS1:
        pkey = decode_pkcs1_public(ctx, p, len, &rc);
        break;
    default:
        return MA_ESYNTAX;
    }
    if (rc != MA_OK)
        return rc;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pkey);
        return MA_EUNSUPPORTED;
    }
    *pkey_out = pkey;
    return MA_OK;
}

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

static int verify_core(EVP_PKEY *pkey, ma_key_type type, const char *md_name,
                       const unsigned char *digest, size_t digest_len, const unsigned char *sig,
                       size_t sig_len, int *good)
{
    int rc = MA_OK;

    if (type == MA_KEY_RSA) {
        EVP_PKEY_CTX *pctx = rsa_pctx(pkey, md_name, false, &rc);
        if (pctx == NULL)
            return rc;
        /* Anything but 1 is a signature that does not verify: hostile bytes
           make OpenSSL fail in many ways (wrong length, bad padding...). */
        *good = EVP_PKEY_verify(pctx, sig, sig_len, digest, digest_len) == 1;
        EVP_PKEY_CTX_free(pctx);
    } else {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        if (mctx == NULL)
            return MA_ENOMEM;
        /* PureEdDSA: no digest of its own; the message is the digest. */
        if (EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pkey, NULL) != 1)
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
    rc = verify_core(key->pkey, key->type, md_name, digest, digest_len, sig, sig_len, good);
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
