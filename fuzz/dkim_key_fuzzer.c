/*
 * DKIM key records: the whole input is one TXT record, and so is the input
 * with each byte mapped to a token of the key-record alphabet (so that the
 * fuzzer gets past the tag syntax to the values).  Parsed with the
 * default p= bound and with a small one.  Invariants (abort() on violation):
 * on success the type is known, p= decoded to something, the hash set is
 * within sha1|sha256 and the helpers agree with it; a key accepted under
 * the small bound is accepted, identically, under the default one; on
 * failure there is a key reason and a text, and nothing is kept.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "fuzz_util.h"
#include "dkim/sig_int.h"

#define CHECK(c)       \
    do {               \
        if (!(c))      \
            abort();   \
    } while (0)

/* Tokens of the key-record alphabet, for the mapped pass. */
static const char *const tokens[] = {
    "v=DKIM1", "v=", ";", ";", " ", "=", "k=rsa", "k=ed25519", "k=", "p=", "p=", "h=sha256",
    "h=sha1", "h=sha256:sha1", "h=", "t=y", "t=s", "t=y:s", "t=", "s=email", "s=*", "s=tlsrpt",
    "s=", "n=note", "g=*", ":", "\r\n ", "\t",
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16",
    "JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2E",
    "eC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    "MCowBQYDK2VwAyEA", "AAAA", "==", "=", "x", "", "\xff",
};
#define NTOKENS (sizeof tokens / sizeof tokens[0])

#define SMALL_P_MAX 64

static void check_key(const ma_dkim_key *key)
{
    CHECK(key->type == MA_DKIM_KEY_RSA || key->type == MA_DKIM_KEY_ED25519);
    CHECK(key->p != NULL && key->p_len > 0);
    CHECK((key->hashes & ~(MA_DKIM_HASH_SHA1 | MA_DKIM_HASH_SHA256)) == 0);
    CHECK(ma__dkim_key_hash_ok(key, MA_DKIM_RSA_SHA1) == ((key->hashes & MA_DKIM_HASH_SHA1) != 0));
    CHECK(ma__dkim_key_hash_ok(key, MA_DKIM_RSA_SHA256)
          == ((key->hashes & MA_DKIM_HASH_SHA256) != 0));
    CHECK(ma__dkim_key_type_ok(key, MA_DKIM_ED25519_SHA256) == (key->type == MA_DKIM_KEY_ED25519));
    CHECK(ma__dkim_key_type_ok(key, MA_DKIM_RSA_SHA256) == (key->type == MA_DKIM_KEY_RSA));
}

static void check_failure(int rc, const ma_dkim_key *key, const ma_dkim_perr *err)
{
    CHECK(rc == MA_ESYNTAX || rc == MA_ENOMEM);
    CHECK(key->p == NULL && key->p_len == 0);
    if (rc == MA_ESYNTAX) {
        CHECK(err->reason >= MA_DKIM_R_KEY_SYNTAX && err->reason <= MA_DKIM_R_KEY_SERVICE);
        CHECK(err->e.text[0] != '\0');
    }
}

/* One record, txt[0..size). */
static void one(const char *txt, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_dkim_key key, small;
    ma_dkim_perr err, serr;
    int rc, src;

    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return;
    rc = ma__dkim_key_parse(&key, ctx, size ? txt : NULL, size, 0, &err);
    if (rc == MA_OK) {
        CHECK(err.reason == MA_DKIM_R_OK);
        check_key(&key);
    } else {
        check_failure(rc, &key, &err);
    }

    src = ma__dkim_key_parse(&small, ctx, size ? txt : NULL, size, SMALL_P_MAX, &serr);
    if (src == MA_OK) {
        check_key(&small);
        CHECK(small.p_len <= SMALL_P_MAX / 4 * 3);
        CHECK(rc == MA_OK && key.type == small.type && key.hashes == small.hashes
              && key.testing == small.testing && key.strict == small.strict
              && key.p_len == small.p_len && memcmp(key.p, small.p, key.p_len) == 0);
    } else {
        check_failure(src, &small, &serr);
        /* the same verdict unless the small bound was what refused it */
        if (rc == MA_OK && src == MA_ESYNTAX)
            CHECK(serr.reason == MA_DKIM_R_KEY_TOO_LARGE);
        if (rc != MA_OK && src == MA_ESYNTAX && serr.reason != MA_DKIM_R_KEY_TOO_LARGE)
            CHECK(serr.reason == err.reason);
    }
    ma__dkim_key_free(&key, ctx);
    ma__dkim_key_free(&small, ctx);
    ma_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *mapped;
    size_t len;

    one((const char *)data, size);
    mapped = fuzz_map_tokens(tokens, NTOKENS, data, size, &len);
    one(mapped, len);
    free(mapped);
    return 0;
}
