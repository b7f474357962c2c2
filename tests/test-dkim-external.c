/*
 * The external signer (ma_dkim_signer_new_external): a key kept outside the
 * library (HSM, KMS) signs through a callback.  Here the callback signs with
 * OpenSSL the way a device would, so its signatures can be compared with
 * the library's own signer on the same key: both algorithms are
 * deterministic, so the fields must be byte for byte the same.  Also: the
 * callback's failures and wrong signatures are refused, the key record is
 * the published one, ARC seals through it, and bad records are refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "mailauth/mailauth.h"
#include "tap.h"
#include "testutil.h"

static const char msg_text[] = RFC6376_EXAMPLE_MSG;

static int64_t now_ms = INT64_C(1700000000000);

/* What the callback does, and what it saw. */
typedef struct device {
    EVP_PKEY *key;
    int mode;       /* 0 sign; 1 fail; 2 flip a byte; 3 length 0; 4 too long */
    int calls;
    ma_dkim_alg last_alg;
    size_t last_digest_len;
} device;

static int device_sign(void *arg, ma_dkim_alg alg, const unsigned char *digest, size_t digest_len,
                       unsigned char *sig, size_t *sig_len)
{
    device *d = arg;
    size_t n = *sig_len;
    int ok = 0;

    d->calls++;
    d->last_alg = alg;
    d->last_digest_len = digest_len;
    if (d->mode == 1)
        return -1;
    if (alg == MA_DKIM_ED25519_SHA256) {
        /* PureEdDSA over the 32 digest bytes (RFC 8463 3) */
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = m != NULL && EVP_DigestSignInit(m, NULL, NULL, NULL, d->key) == 1
             && EVP_DigestSign(m, sig, &n, digest, digest_len) == 1;
        EVP_MD_CTX_free(m);
    } else {
        /* RSASSA-PKCS1-v1_5 of the digest, wrapped in its DigestInfo */
        EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(d->key, NULL);
        ok = p != NULL && EVP_PKEY_sign_init(p) == 1
             && EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PADDING) == 1
             && EVP_PKEY_CTX_set_signature_md(p, EVP_sha256()) == 1
             && EVP_PKEY_sign(p, sig, &n, digest, digest_len) == 1;
        EVP_PKEY_CTX_free(p);
    }
    if (!ok)
        return -1;
    if (d->mode == 2)
        sig[n / 2] ^= 0x40;
    else if (d->mode == 3)
        n = 0;
    else if (d->mode == 4)
        n = *sig_len + 1;
    *sig_len = n;
    return 0;
}

static EVP_PKEY *load_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

/* The DKIM-Signature field for msg_text, or NULL; *rc the signing's status. */
static char *sign_field(ma_ctx *c, const ma_dkim_signer *s, int *rc)
{
    ma_msg *m = NULL;
    ma_dkim_sign *g = NULL;
    char *field = NULL;
    *rc = ma_msg_new(&m, c);
    if (*rc == MA_OK)
        *rc = ma_dkim_sign_new(&g, s);
    if (*rc == MA_OK)
        *rc = ma_dkim_sign_attach(g, m);
    if (*rc == MA_OK)
        *rc = ma_msg_write(m, msg_text, strlen(msg_text));
    if (*rc == MA_OK)
        *rc = ma_msg_finish(m);
    if (*rc == MA_OK)
        *rc = ma_dkim_sign_field(g, &field);
    ma_dkim_sign_free(g);
    ma_msg_free(m);
    return field;
}

/* The first ARC set for msg_text sealed by s, or NULL. */
static char *seal_set(ma_ctx *c, const ma_dkim_signer *s, int *rc)
{
    ma_msg *m = NULL;
    ma_job *arc = NULL;
    ma_arc_seal *g = NULL;
    ma_resolver *r = NULL;
    ma_static_zone *z = NULL;
    char *set = NULL;
    *rc = ma_msg_new(&m, c);
    if (*rc == MA_OK)
        *rc = ma_arc_job_new(&arc, c, NULL);
    if (*rc == MA_OK)
        *rc = ma_arc_job_attach(arc, m);
    if (*rc == MA_OK)
        *rc = ma_arc_seal_new(&g, s, "mx.example.org");
    if (*rc == MA_OK)
        *rc = ma_arc_seal_attach(g, m);
    if (*rc == MA_OK)
        *rc = ma_msg_write(m, msg_text, strlen(msg_text));
    if (*rc == MA_OK)
        *rc = ma_msg_finish(m);
    if (*rc == MA_OK && (*rc = ma_static_zone_new(&z, c)) == MA_OK)
        *rc = ma_resolver_static_new(&r, c, z);
    if (*rc == MA_OK)
        *rc = ma_job_run(arc, r) == MA_JOB_DONE ? MA_OK : MA_EINTERNAL;
    if (*rc == MA_OK)
        *rc = ma_arc_seal_fields(g, arc, "spf=pass smtp.mailfrom=football.example.com", &set);
    ma_arc_seal_free(g);
    ma_job_free(arc);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_msg_free(m);
    return set;
}

/* The verdict of our verifier on the field over msg_text, with record published. */
static int verify_field(ma_ctx *c, const char *field, const char *record)
{
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    ma_msg *m = NULL;
    ma_job *j = NULL;
    int result = -1;
    if (ma_static_zone_new(&z, c) == MA_OK
        && ma_static_zone_add_txt(z, "dev._domainkey.football.example.com", record, strlen(record),
                                  300)
               == MA_OK
        && ma_resolver_static_new(&r, c, z) == MA_OK && ma_msg_new(&m, c) == MA_OK
        && ma_dkim_job_new(&j, c, NULL) == MA_OK && ma_dkim_job_attach(j, m) == MA_OK
        && ma_msg_write(m, field, strlen(field)) == MA_OK && ma_msg_write(m, "\r\n", 2) == MA_OK
        && ma_msg_write(m, msg_text, strlen(msg_text)) == MA_OK && ma_msg_finish(m) == MA_OK
        && ma_job_run(j, r) == MA_JOB_DONE && ma_dkim_job_count(j) == 1)
        result = ma_dkim_job_result(j, 0);
    ma_job_free(j);
    ma_msg_free(m);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    return result;
}

static void one_algorithm(ma_ctx *c, ma_dkim_alg alg, const char *name)
{
    char *pem = NULL, *rec = NULL, *rec2 = NULL, *f1, *f2, *s1, *s2;
    ma_dkim_signer *own = NULL, *ext = NULL;
    ma_dkim_sign_opts so;
    device dev;
    char what[120];
    int rc, rc2;

    memset(&dev, 0, sizeof dev);
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "football.example.com";
    so.selector = "dev";
    if (ma_dkim_keygen(&pem, &rec, c, alg, 2048) != MA_OK || (dev.key = load_pem(pem)) == NULL) {
        ok(0, "key for the device");
        return;
    }
    snprintf(what, sizeof what, "%s: external signer from the key record", name);
    is_int(ma_dkim_signer_new_external(&ext, c, &so, rec, device_sign, &dev), MA_OK, what);
    is_int(ma_dkim_signer_new(&own, c, &so, pem, strlen(pem)), MA_OK, "and the library's own");

    f1 = sign_field(c, own, &rc);
    f2 = sign_field(c, ext, &rc2);
    snprintf(what, sizeof what, "%s: the device's field is the library's, byte for byte", name);
    ok(rc == MA_OK && rc2 == MA_OK && f1 && f2 && strcmp(f1, f2) == 0, what);
    ok(dev.calls == 1 && dev.last_alg == alg && dev.last_digest_len == 32,
       "the callback got the algorithm and a 32-byte digest, once");
    is_int(verify_field(c, f2 ? f2 : "", rec), MA_DKIM_PASS, "and the field verifies");
    is_int(ma_dkim_signer_key_record(ext, &rec2), MA_OK, "key record of an external signer");
    is_str(rec2, rec, "is the published one");

    s1 = seal_set(c, own, &rc);
    s2 = seal_set(c, ext, &rc2);
    snprintf(what, sizeof what, "%s: ARC set sealed through the device is the library's", name);
    ok(rc == MA_OK && rc2 == MA_OK && s1 && s2 && strcmp(s1, s2) == 0, what);
    ok(dev.calls == 3, "two more calls: ARC-Message-Signature and ARC-Seal");

    /* What the device may get wrong, each refused. */
    {
        static const char *const bad[] = { "", "a failing device", "a wrong signature",
                                           "an empty signature", "a signature too long" };
        int mode;
        for (mode = 1; mode <= 4; mode++) {
            char *f;
            dev.mode = mode;
            f = sign_field(c, ext, &rc);
            snprintf(what, sizeof what, "%s: %s is refused (MA_EINTERNAL, no field)", name,
                     bad[mode]);
            ok(rc == MA_EINTERNAL && f == NULL, what);
            ma_free(c, f);
        }
        dev.mode = 0;
    }
    /* A device holding another key than the published one. */
    {
        char *pem2 = NULL, *rec3 = NULL, *f;
        EVP_PKEY *k2;
        if (ma_dkim_keygen(&pem2, &rec3, c, alg, 2048) == MA_OK && (k2 = load_pem(pem2)) != NULL) {
            EVP_PKEY *mine = dev.key;
            dev.key = k2;
            f = sign_field(c, ext, &rc);
            snprintf(what, sizeof what, "%s: a device with another key is refused", name);
            ok(rc == MA_EINTERNAL && f == NULL, what);
            ma_free(c, f);
            dev.key = mine;
            EVP_PKEY_free(k2);
        } else {
            ok(0, "second key");
        }
        ma_free(c, pem2);
        ma_free(c, rec3);
    }
    ma_free(c, f1);
    ma_free(c, f2);
    ma_free(c, s1);
    ma_free(c, s2);
    ma_free(c, rec2);
    ma_free(c, pem);
    ma_free(c, rec);
    ma_dkim_signer_free(own);
    ma_dkim_signer_free(ext);
    EVP_PKEY_free(dev.key);
}

static void bad_arguments(ma_ctx *c)
{
    /* a 512-bit RSA key (SubjectPublicKeyInfo) */
    static const char rsa512[] =
        "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALl+ixVyXUtd81DfK4t5ccaNAfxiAkkUiyEbMz"
        "4D/4V7N+mdDhR4cX7j5cGsA8sgOLproBZb/pisvtZ5cD7kiCcCAwEAAQ==";
    ma_dkim_signer *s = NULL;
    ma_dkim_sign_opts so;
    device dev;
    char *pem = NULL, *rec = NULL;

    memset(&dev, 0, sizeof dev);
    ma_dkim_sign_opts_init(&so, MA_DKIM_SIGN_OPTS_VERSION);
    so.domain = "football.example.com";
    so.selector = "dev";
    ma_dkim_keygen(&pem, &rec, c, MA_DKIM_ED25519_SHA256, 0);
    is_int(ma_dkim_signer_new_external(NULL, c, &so, rec, device_sign, &dev), MA_EINVAL, "NULL out");
    is_int(ma_dkim_signer_new_external(&s, NULL, &so, rec, device_sign, &dev), MA_EINVAL, "NULL ctx");
    is_int(ma_dkim_signer_new_external(&s, c, NULL, rec, device_sign, &dev), MA_EINVAL, "NULL opts");
    is_int(ma_dkim_signer_new_external(&s, c, &so, NULL, device_sign, &dev), MA_EINVAL,
           "NULL key record");
    is_int(ma_dkim_signer_new_external(&s, c, &so, rec, NULL, &dev), MA_EINVAL, "NULL function");
    is_int(ma_dkim_signer_new_external(&s, c, &so, "v=DKIM1; p=", device_sign, &dev), MA_ESYNTAX,
           "a revoked key (empty p=)");
    is_int(ma_dkim_signer_new_external(&s, c, &so, "not a record", device_sign, &dev), MA_ESYNTAX,
           "a record that does not parse");
    is_int(ma_dkim_signer_new_external(&s, c, &so, "v=DKIM1; k=rsa; p=AAAA", device_sign, &dev),
           MA_ESYNTAX, "a p= that is no key");
    is_int(ma_dkim_signer_new_external(&s, c, &so, "v=DKIM1; k=dsa; p=AAAA", device_sign, &dev),
           MA_EUNSUPPORTED, "k= of another type");
    is_int(ma_dkim_signer_new_external(&s, c, &so, rsa512, device_sign, &dev), MA_EUNSUPPORTED,
           "an RSA key under 1024 bits (RFC 8301)");
    so.headers = "to:subject";
    is_int(ma_dkim_signer_new_external(&s, c, &so, rec, device_sign, &dev), MA_EINVAL,
           "h= without From");
    so.headers = NULL;
    so.version = 99;
    is_int(ma_dkim_signer_new_external(&s, c, &so, rec, device_sign, &dev), MA_EVERSION,
           "unknown options version");
    ok(s == NULL && dev.calls == 0, "no signer, and the device never called");
    ma_free(c, pem);
    ma_free(c, rec);
}

int main(void)
{
    ma_ctx_opts o;
    ma_ctx *c = NULL;

    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = fixed_clock;
    o.clock_payload = &now_ms;
    if (ma_ctx_new(&c, &o) != MA_OK) {
        ok(0, "context");
        return tap_done();
    }
    one_algorithm(c, MA_DKIM_ED25519_SHA256, "ed25519-sha256");
    one_algorithm(c, MA_DKIM_RSA_SHA256, "rsa-sha256");
    bad_arguments(c);
    ma_ctx_free(c);
    return tap_done();
}
