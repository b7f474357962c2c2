/*
 * DKIM key records read from their DNS answers and kept with them (see
 * keymemo_int.h): shared by the DKIM verifier and ARC validation.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dkim/keymemo_int.h"

/*
 * The DKIM reading of a TXT answer: how many records, and the one key
 * record parsed and decoded.  Kept with the answer (ma_dns_memo).
 */
static const char keymemo_kind[] = "dkim-key";


static void keymemo_destroy(ma_dns_memo *m, const ma_ctx *ctx)
{
    ma_dkim_keymemo *k = (ma_dkim_keymemo *)m;
    if (k->parsed)
        ma__dkim_key_free(&k->key, ctx);
    ma__pubkey_free(k->pub);
    ma__free(ctx, k);
}

/* Build the memo of answer a (NULL: out of memory). */
static ma_dkim_keymemo *keymemo_build(const ma_ctx *ctx, const ma_dns_answer *a)
{
    ma_dkim_keymemo *k = ma__calloc(ctx, 1, sizeof *k);
    ma_dkim_perr perr;
    const char *text;
    size_t len;
    int rc;

    if (k == NULL)
        return NULL;
    k->hdr.kind = keymemo_kind;
    k->hdr.destroy = keymemo_destroy;
    k->count = ma_dns_answer_count(a);
    if (k->count != 1) {
        /* RFC 6376 3.6.2.2 leaves several records to the verifier; one
           answer with two keys is ambiguous, so it is refused. */
        k->reason = k->count == 0 ? MA_DKIM_R_KEY_MISSING : MA_DKIM_R_KEY_MULTIPLE;
        snprintf(k->problem, sizeof k->problem, "%s",
                 k->count == 0 ? "no key record" : "more than one key record");
        return k;
    }
    ma_dns_answer_txt(a, 0, &text, &len);
    rc = ma__dkim_key_parse(&k->key, ctx, text, len, (size_t)ma__limit(ctx, MA_LIMIT_DKIM_KEY_CHARS),
                            &perr);
    if (rc == MA_ENOMEM) {
        ma__free(ctx, k);
        return NULL;
    }
    if (rc != MA_OK) {
        ma__dkim_key_free(&k->key, ctx);
        k->reason = perr.reason != MA_DKIM_R_OK ? perr.reason : MA_DKIM_R_KEY_SYNTAX;
        snprintf(k->problem, sizeof k->problem, "key record: %s", perr.e.text);
        return k;
    }
    k->parsed = 1;
    rc = ma__pubkey_new(&k->pub, ctx,
                        k->key.type == MA_DKIM_KEY_ED25519 ? MA_KEY_ED25519 : MA_KEY_RSA,
                        k->key.p, k->key.p_len);
    if (rc == MA_ENOMEM) {
        keymemo_destroy(&k->hdr, ctx);
        return NULL;
    }
    if (rc != MA_OK) {
        k->pub = NULL;
        k->key_reason = rc == MA_EUNSUPPORTED ? MA_DKIM_R_KEY_TYPE : MA_DKIM_R_KEY_SYNTAX;
        snprintf(k->key_problem, sizeof k->key_problem, "p= %s",
                 rc == MA_EUNSUPPORTED ? "is a key of another type" : "does not decode as a key");
        return k;
    }
    if (ma__pubkey_type(k->pub) == MA_KEY_RSA) {
        unsigned int bits = ma__pubkey_bits(k->pub);
        /* RFC 8301 3.2: keys under 1024 bits MUST NOT be considered valid. */
        if (bits < 1024) {
            k->key_reason = MA_DKIM_R_KEY_TOO_SMALL;
            snprintf(k->key_problem, sizeof k->key_problem, "RSA key of %u bits (under 1024)", bits);
        } else if (bits > ma__limit(ctx, MA_LIMIT_DKIM_RSA_MAX_BITS)) {
            k->key_reason = MA_DKIM_R_KEY_TOO_LARGE;
            snprintf(k->key_problem, sizeof k->key_problem, "RSA key of %u bits (over the limit of %llu)",
                     bits, (unsigned long long)ma__limit(ctx, MA_LIMIT_DKIM_RSA_MAX_BITS));
        }
    }
    return k;
}

/*
 * The memo of answer a, attached on first use.  When it cannot be attached
 * (an answer of another context) *own is set and the caller frees it.
 */
ma_dkim_keymemo *ma__dkim_keymemo_get(const ma_ctx *ctx, const ma_dns_answer *a,
                                      ma_dkim_keymemo **own)
{
    ma_dns_memo *m = ma__dns_answer_memo(a, keymemo_kind);
    ma_dkim_keymemo *k;
    *own = NULL;
    if (m != NULL)
        return (ma_dkim_keymemo *)m;
    k = keymemo_build(ctx, a);
    if (k == NULL)
        return NULL;
    if (a->ctx == ctx) {
        m = ma__dns_answer_set_memo(a, &k->hdr);
        if (m == &k->hdr)
            return k;
        if (m != NULL) {
            keymemo_destroy(&k->hdr, ctx);
            return (ma_dkim_keymemo *)m;
        }
    }
    *own = k;
    return k;
}


void ma__dkim_keymemo_release(ma_dkim_keymemo *own, const ma_ctx *ctx)
{
    if (own != NULL)
        keymemo_destroy(&own->hdr, ctx);
}

int ma__dkim_keymemo_check(const ma_dkim_keymemo *k, const ma_dkim_sig *sig,
                           ma_dkim_reason *reason, char *problem, size_t psize, unsigned int *bits)
{
    ma_dkim_reason why;

    *bits = k->pub != NULL ? ma__pubkey_bits(k->pub) : 0;
    *reason = MA_DKIM_R_OK;
    problem[0] = '\0';
    if (k->reason != MA_DKIM_R_OK) {
        *reason = k->reason;
        snprintf(problem, psize, "%s", k->problem);
        return 0;
    }
    why = ma__dkim_key_check(&k->key, sig);
    if (why != MA_DKIM_R_OK) {
        *reason = why;
        snprintf(problem, psize, "the key does not allow this signature (%s)",
                 ma_dkim_reason_name(why));
        return 0;
    }
    if (k->key_reason != MA_DKIM_R_OK) {
        *reason = k->key_reason;
        snprintf(problem, psize, "%s", k->key_problem);
        return 0;
    }
    /* A decoded b= of the wrong size for the key: refused before any use. */
    if (sig->b_len != (ma__pubkey_type(k->pub) == MA_KEY_ED25519 ? 64u : (*bits + 7) / 8)) {
        *reason = MA_DKIM_R_BAD_LENGTH;
        snprintf(problem, psize, "b= is %zu bytes, the key makes signatures of another size",
                 sig->b_len);
        return 0;
    }
    return 1;
}

int ma__dkim_keymemo_signature(const ma_dkim_keymemo *k, const ma_dkim_sig *sig,
                               const unsigned char *hh, size_t hh_len, int *good)
{
    int rc = ma__pubkey_verify(k->pub, sig->alg, hh, hh_len, sig->b, sig->b_len, good);
    if (rc == MA_ENOMEM)
        return rc;
    if (rc != MA_OK)
        *good = 0;
    return MA_OK;
}
