/*
 * libmailauth internals: the crypto layer (layer 3), a thin wrapper over
 * OpenSSL 3 EVP.  Never installed.
 *
 * This is the only part of the library that includes OpenSSL headers; the
 * types below are opaque so that nothing above needs them.  One exception to
 * "thin": on CPUs with SHA-NI, SHA-256 digests use our own block function
 * (sha256.c), so that the body canonicaliser can hash block by block inside
 * its loop (see there for why and what it gains).
 *
 * Conventions:
 * - Functions return ma_status codes: MA_OK; MA_EINVAL (NULL or mismatched
 *   arguments); MA_ESYNTAX (input that does not decode); MA_EUNSUPPORTED
 *   (input that decodes, but as a key of another type or form);
 *   MA_ENOMEM; MA_EINTERNAL (OpenSSL failed where it should not).
 * - Our objects are allocated through the context allocator; OpenSSL's own
 *   objects (EVP_MD_CTX, EVP_PKEY) are allocated by OpenSSL.  The context
 *   must outlive every object made from it.
 * - After a failure inside OpenSSL the entries it pushed onto the calling
 *   thread's error queue are removed (ERR_set_mark / ERR_pop_to_mark), so
 *   nothing leaks into later calls and entries the application had queued
 *   before the call are left alone.  Nothing is ever printed.
 * - No global state: every object carries what it fetched from OpenSSL.
 */
#ifndef MA_CRYPTO_INT_H
#define MA_CRYPTO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "mailauth/dkim.h"

/* ------------------------------------------------------------------ digests */

/** Hash functions. */
typedef enum ma_hash {
    MA_HASH_NONE = 0,
    MA_HASH_SHA256 = 1,
    MA_HASH_SHA1 = 2
} ma_hash;

/** The largest digest any ma_hash produces (SHA-256). */
#define MA_DIGEST_MAX 32

/** Digest size in bytes of a hash: 32, 20, or 0 for an unknown one. */
size_t ma__hash_size(ma_hash hash);

/**
 * A streaming digest.  Used by one thread at a time.  Updates never
 * allocate, so it is cheap to feed many small spans.
 */
typedef struct ma_digest ma_digest;

/**
 * Create a digest (the hash implementation is fetched once here; reset
 * reuses it).
 * @return MA_OK, MA_EINVAL (NULL out/ctx, unknown hash), MA_ENOMEM,
 *         MA_EINTERNAL.
 */
int ma__digest_new(ma_digest **out, const ma_ctx *ctx, ma_hash hash);

/** Add len bytes (len 0 is fine, data may then be NULL).
 *  @return MA_OK, MA_EINVAL (NULL d, NULL data with len > 0), MA_ESTATE
 *  (after final without a reset), MA_EINTERNAL. */
int ma__digest_update(ma_digest *d, const void *data, size_t len);

/**
 * Finish: md receives ma__hash_size() bytes (md must hold MA_DIGEST_MAX);
 * *md_len (may be NULL) their number.  The digest then needs a reset before
 * it can be updated again.
 * @return MA_OK, MA_EINVAL, MA_ESTATE (already final), MA_EINTERNAL.
 */
int ma__digest_final(ma_digest *d, unsigned char *md, size_t *md_len);

/** Digest implementations (ma__digest_impl()). */
#define MA_DIGEST_IMPL_EVP 0    /* OpenSSL's EVP digest */
#define MA_DIGEST_IMPL_NATIVE 1 /* SHA-256 only: our block function (sha256.c) on SHA-NI */

/**
 * Choose the implementation of a freshly reset digest: the best available
 * one up to impl (the native one needs SHA-256 and a CPU with SHA-NI).
 * ma__digest_new() picks the best; tests ask for EVP to compare the two.
 * @return the implementation now used; -1 for NULL d.
 */
int ma__digest_impl(ma_digest *d, int impl);

/**
 * Whether whole 64-byte updates go straight to a block function with little
 * cost per call, so that a producer may hand on each block as soon as it
 * has it (the relaxed body canonicaliser does, to overlap its work with the
 * hash's).
 */
bool ma__digest_blockwise(const ma_digest *d);

/**
 * For a producer that compresses whole blocks itself (sha256_x86.h): the
 * state of a native SHA-256 digest, in ma__sha256_blocks() order, or NULL
 * for any other digest.  *partial gets the bytes waiting in the digest's
 * own block; while it is not 0 the state must not be used (add 64 -
 * *partial bytes through ma__digest_update() first).
 */
uint32_t *ma__digest_sha256_state(ma_digest *d, size_t *partial);

/** The producer compressed n more blocks into that state. */
void ma__digest_sha256_added(ma_digest *d, uint64_t n);

/**
 * SHA-256 compression of n 64-byte blocks at p into the state st (FIPS
 * 180-4 6.2.2), on the x86 SHA extensions.  st holds H0..H7 in the order
 * the instructions want them, which saves shuffles on the hash's critical
 * path at every call: { H5, H4, H1, H0, H7, H6, H3, H2 }.  Call only when
 * ma__sha256_blocks_available() said so (a no-op elsewhere).
 */
void ma__sha256_blocks(uint32_t st[8], const unsigned char *p, size_t n);

/** Whether this CPU runs ma__sha256_blocks() (cpuid; not cheap in a VM). */
bool ma__sha256_blocks_available(void);

/** Start over with the same hash, whatever the state.
 *  @return MA_OK, MA_EINVAL, MA_EINTERNAL. */
int ma__digest_reset(ma_digest *d);

/** The digest's hash function (MA_HASH_NONE for NULL). */
ma_hash ma__digest_hash(const ma_digest *d);

/** Free a digest.  NULL is a no-op. */
void ma__digest_free(ma_digest *d);

/**
 * One-shot digest of len bytes into md (MA_DIGEST_MAX bytes); *md_len (may
 * be NULL) receives the size.  For tests and small inputs: it fetches the
 * implementation on every call, so streams should use a ma_digest.
 * @return MA_OK, MA_EINVAL, MA_EINTERNAL.
 */
int ma__digest_oneshot(ma_hash hash, const void *data, size_t len, unsigned char *md,
                       size_t *md_len);

/* --------------------------------------------------------------- algorithms */

/** Key types (DKIM k=). */
typedef enum ma_key_type {
    MA_KEY_NONE = 0,
    MA_KEY_RSA = 1,
    MA_KEY_ED25519 = 2
} ma_key_type;

/** The hash a DKIM algorithm signs with (MA_HASH_NONE when unknown). */
ma_hash ma__dkim_alg_hash(ma_dkim_alg alg);

/** The key type a DKIM algorithm needs (MA_KEY_NONE when unknown). */
ma_key_type ma__dkim_alg_key(ma_dkim_alg alg);

/* --------------------------------------------------------------- public keys */

/**
 * A decoded public key.  Immutable once built: any number of threads may
 * verify with it at once (each call makes its own OpenSSL state).
 * Reference-counted: ma__pubkey_ref() adds a reference, ma__pubkey_free()
 * drops one, and the last one frees it.
 */
typedef struct ma_pubkey ma_pubkey;

/**
 * Build a public key from the decoded (base64) bytes of a DKIM key record's
 * p= and its k= (RFC 6376 3.6.1, RFC 8463 4.2):
 * - MA_KEY_RSA: a DER SubjectPublicKeyInfo with algorithm rsaEncryption
 *   (its parameters, NULL or absent in practice, are not judged, as OpenSSL
 *   does not judge them), or else a bare PKCS#1 RSAPublicKey (seen
 *   in real records; dkimpy accepts both).  The DER must take up all len
 *   bytes; the two INTEGERs are read as unsigned numbers (as OpenSSL
 *   reads them: leading zero bytes and the sign bit are not judged).  A
 *   SubjectPublicKeyInfo of another algorithm (EC, Ed25519, RSA-PSS...) is
 *   refused.  Sizes are not judged here: a caller's policy reads the bits.
 * - MA_KEY_ED25519: exactly the 32-byte raw public key.
 * An RSA-2048 key decodes in about 5 to 10 microseconds (OpenSSL's DER
 * decoders, which are not used, take about 100).
 * @return MA_OK; MA_ESYNTAX when the bytes do not decode as a key at all
 *         (len 0 included); MA_EUNSUPPORTED when they are a well-formed key
 *         of another type or form (an EC or Ed25519 SubjectPublicKeyInfo
 *         under k=rsa, any SubjectPublicKeyInfo under k=ed25519);
 *         MA_EINVAL (NULL out/ctx, NULL p with len > 0, unknown type);
 *         MA_ENOMEM; MA_EINTERNAL.
 */
int ma__pubkey_new(ma_pubkey **out, const ma_ctx *ctx, ma_key_type type, const unsigned char *p,
                   size_t len);

/** Add a reference; returns key (NULL stays NULL).  Thread-safe. */
ma_pubkey *ma__pubkey_ref(ma_pubkey *key);

/** Drop a reference; the last one frees the key.  NULL is a no-op.  Thread-safe. */
void ma__pubkey_free(ma_pubkey *key);

/** The key's type (MA_KEY_NONE for NULL). */
ma_key_type ma__pubkey_type(const ma_pubkey *key);

/** The key's size in bits: the RSA modulus size, 256 for Ed25519; 0 for NULL. */
unsigned int ma__pubkey_bits(const ma_pubkey *key);

/**
 * Verify a DKIM signature over a digest the caller computed (the hash of the
 * canonicalised header data, RFC 6376 3.7):
 * - rsa-sha256, rsa-sha1: RSASSA-PKCS1-v1_5 over the digest (the prehashed
 *   form: the digest is wrapped in its DigestInfo, not hashed again);
 *   digest_len must be 32 or 20;
 * - ed25519-sha256: PureEdDSA (Ed25519) whose message is the 32-byte SHA-256
 *   digest itself (RFC 8463 section 3).
 * *good is set to 1 when the signature verifies, else 0 (a signature of the
 * wrong length, or any other bytes that do not verify, give MA_OK and 0).
 * Costs one EVP_PKEY_CTX (for rsa-sha256, a copy of one the key prepared
 * when it was built; for Ed25519, the one inside an EVP_MD_CTX).  The key is
 * not modified.
 * @return MA_OK (then read *good); MA_EINVAL (NULL arguments, the algorithm
 *         does not fit the key type, wrong digest_len); MA_ENOMEM;
 *         MA_EINTERNAL.
 */
MA_WARN_UNUSED int ma__pubkey_verify(const ma_pubkey *key, ma_dkim_alg alg,
                                     const unsigned char *digest, size_t digest_len,
                                     const unsigned char *sig, size_t sig_len, int *good);

/* -------------------------------------------------------------- private keys */

/** A private key for signing.  Immutable once loaded: may sign from any
 *  number of threads at once.  Freed with ma__privkey_free(). */
typedef struct ma_privkey ma_privkey;

/**
 * Load a private key from memory: PEM ("RSA PRIVATE KEY" PKCS#1, "PRIVATE
 * KEY" PKCS#8 for RSA or Ed25519) or the same structures in DER.  Encrypted
 * keys are refused (no passphrase prompt).  Only RSA and Ed25519 keys are
 * accepted.
 * @return MA_OK; MA_ESYNTAX (not a private key we can decode, len 0
 *         included); MA_EUNSUPPORTED (a private key of another type);
 *         MA_EINVAL; MA_ENOMEM; MA_EINTERNAL.
 */
int ma__privkey_load(ma_privkey **out, const ma_ctx *ctx, const void *data, size_t len);

/**
 * An Ed25519 private key from its 32-byte seed (RFC 8032 5.1.5; the form
 * RFC 8463 A.1 and dkimpy give in base64).
 * @return MA_OK; MA_ESYNTAX (len is not 32); MA_EINVAL; MA_ENOMEM;
 *         MA_EINTERNAL.
 */
int ma__privkey_from_seed(ma_privkey **out, const ma_ctx *ctx, const unsigned char *seed,
                          size_t len);

/**
 * Generate a private key: RSA of bits bits (1024 to 16384) or Ed25519 (bits
 * ignored).
 * @return MA_OK, MA_EINVAL, MA_ENOMEM, MA_EINTERNAL.
 */
int ma__privkey_generate(ma_privkey **out, const ma_ctx *ctx, ma_key_type type, unsigned int bits);

/**
 * Append the key as unencrypted PKCS#8 PEM to out (the caller should wipe
 * out when done: it is key material).
 * @return MA_OK, MA_EINVAL, MA_ENOMEM, MA_EINTERNAL.
 */
int ma__privkey_pem(const ma_privkey *key, ma_buf *out);

/** Free a private key (OpenSSL clears the key material).  NULL is a no-op. */
void ma__privkey_free(ma_privkey *key);

/** The key's type (MA_KEY_NONE for NULL). */
ma_key_type ma__privkey_type(const ma_privkey *key);

/** The key's size in bits: the RSA modulus size, 256 for Ed25519; 0 for NULL. */
unsigned int ma__privkey_bits(const ma_privkey *key);

/** The size of the signatures the key makes (modulus bytes, or 64); 0 for NULL. */
size_t ma__privkey_sig_size(const ma_privkey *key);

/**
 * Append the key's public half to out in the form a DKIM key record's p=
 * carries before base64: a DER SubjectPublicKeyInfo for RSA, the raw 32
 * bytes for Ed25519.
 * @return MA_OK, MA_EINVAL, MA_ENOMEM, MA_EINTERNAL.
 */
int ma__privkey_public(const ma_privkey *key, ma_buf *out);

/**
 * Sign a digest the way ma__pubkey_verify() checks it (RSASSA-PKCS1-v1_5
 * over the digest, or Ed25519 over the 32-byte digest).  sig has room for
 * *sig_len bytes on input (at least ma__privkey_sig_size()); *sig_len is the
 * signature's length on output.  Both algorithms are deterministic.
 * @return MA_OK; MA_EINVAL (NULL arguments, algorithm and key type do not
 *         fit, wrong digest_len, sig too small); MA_ENOMEM; MA_EINTERNAL.
 */
int ma__privkey_sign(const ma_privkey *key, ma_dkim_alg alg, const unsigned char *digest,
                     size_t digest_len, unsigned char *sig, size_t *sig_len);

/* -------------------------------------------------------------------- misc */

/** Whether two len-byte strings are equal, in time that depends only on len
 *  (CRYPTO_memcmp).  For comparing bh= with a computed body hash. */
bool ma__crypto_equal(const void *a, const void *b, size_t len);

#endif /* MA_CRYPTO_INT_H */
