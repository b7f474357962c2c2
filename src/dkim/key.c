/*
 * DKIM key records (RFC 6376 3.6.1; RFC 8463 for k=ed25519) and the checks
 * of a key against a signature (RFC 6376 6.1.2 steps 6 to 8, t=s).
 *
 * Only the record's syntax and tags are handled here; whether the decoded
 * p= is a usable RSA or Ed25519 public key is for the crypto layer.  The
 * decoded p= is bounded before any decoding (MA_DKIM_KEY_P_MAX or the
 * caller's bound), so a hostile record costs one linear pass.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/sig_int.h"
#include "mailauth/addr.h"

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void key_fail(ma_dkim_perr *err, ma_dkim_reason reason, const char *tag, int64_t offset,
                     const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(tag);

    err->reason = reason;
    if (n >= sizeof err->tag)
        n = 0;
    memcpy(err->tag, tag, n);
    err->tag[n] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->e.text, sizeof err->e.text, fmt, ap);
    va_end(ap);
    err->e.offset = offset;
}

static bool key_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool key_eq(const char *s, size_t len, const char *lit)
{
    return ma__casecmp(s, len, lit, strlen(lit)) == 0;
}

/*
 * Walk a colon-separated list (key-h-tag, key-s-tag, key-t-tag: FWS is
 * allowed around the colons), calling fn on each element with FWS trimmed.
 * An empty list is a syntax error (each ABNF needs one element); empty
 * elements are unknown names and so ignored, like any other.
 */
typedef void (*key_list_fn)(const char *el, size_t len, void *payload);

static bool key_list(const ma_tag *t, key_list_fn fn, void *payload)
{
    size_t i = 0, len = t->value_len;
    const char *s = t->value;

    if (len == 0)
        return false;
    while (i <= len) {
        size_t start = i, end;
        while (i < len && s[i] != ':')
            i++;
        end = i;
        while (start < end && key_is_space((unsigned char)s[start]))
            start++;
        while (end > start && key_is_space((unsigned char)s[end - 1]))
            end--;
        fn(s + start, end - start, payload);
        i++;
    }
    return true;
}

static void key_h_el(const char *el, size_t len, void *payload)
{
    unsigned int *hashes = payload;
    if (key_eq(el, len, "sha1"))
        *hashes |= MA_DKIM_HASH_SHA1;
    else if (key_eq(el, len, "sha256"))
        *hashes |= MA_DKIM_HASH_SHA256;
}

static void key_s_el(const char *el, size_t len, void *payload)
{
    int *email = payload;
    if (key_eq(el, len, "*") || key_eq(el, len, "email"))
        *email = 1;
}

static void key_t_el(const char *el, size_t len, void *payload)
{
    ma_dkim_key *key = payload;
    if (key_eq(el, len, "y"))
        key->testing = 1;
    else if (key_eq(el, len, "s"))
        key->strict = 1;
}

int ma__dkim_key_parse(ma_dkim_key *key, const ma_ctx *ctx, const char *txt, size_t len,
                       size_t p_max, ma_dkim_perr *err)
{
    ma_dkim_perr dummy;
    ma_taglist tl = { 0 };
    const ma_tag *t, *p;
    ma_dkim_keytype type = MA_DKIM_KEY_RSA;
    int email = 1, rc;
    size_t i, nb64;
    const char *bad = NULL;   /* the tag of a list that is empty */

    if (err == NULL)
        err = &dummy;
    ma__dkim_perr_clear(err);
    if (key != NULL)
        memset(key, 0, sizeof *key);
    if (key == NULL || ctx == NULL || (txt == NULL && len > 0)) {
        ma__err_set(&err->e, -1, "invalid argument");
        return MA_EINVAL;
    }
    if (p_max == 0)
        p_max = MA_DKIM_KEY_P_MAX;

    rc = ma__taglist_parse(&tl, ctx, txt, len, 0, &err->e);
    if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        err->reason = MA_DKIM_R_KEY_SYNTAX;
        ma__dkim_perr_tag_at(err, txt, len, err->e.offset);
        ma__taglist_free(&tl, ctx);
        return MA_ESYNTAX;
    }
    if (rc != MA_OK) {
        ma__taglist_free(&tl, ctx);
        return rc;
    }

    /* v= "MUST be the first tag"; "DKIM1" compared as a string (3.6.1). */
    t = ma__taglist_get(&tl, "v");
    if (t != NULL && (t != &tl.tags[0] || t->value_len != 5 || memcmp(t->value, "DKIM1", 5) != 0)) {
        if (t != &tl.tags[0])
            key_fail(err, MA_DKIM_R_KEY_SYNTAX, "v", (int64_t)t->offset,
                     "v= is not the first tag");
        else
            key_fail(err, MA_DKIM_R_KEY_SYNTAX, "v", (int64_t)(t->value - txt),
                     "unsupported key version \"%.*s\"",
                     (int)(t->value_len > 20 ? 20 : t->value_len), t->value);
        goto syntax;
    }
    p = ma__taglist_get(&tl, "p");
    if (p == NULL) {
        key_fail(err, MA_DKIM_R_KEY_SYNTAX, "p", -1, "required tag p= is missing");
        goto syntax;
    }

    key->hashes = MA_DKIM_HASH_SHA1 | MA_DKIM_HASH_SHA256;
    if ((t = ma__taglist_get(&tl, "h")) != NULL) {
        key->hashes = 0;
        if (!key_list(t, key_h_el, &key->hashes))
            bad = "h";
    }
    if (bad == NULL && (t = ma__taglist_get(&tl, "s")) != NULL) {
        email = 0;
        if (!key_list(t, key_s_el, &email))
            bad = "s";
    }
    if (bad == NULL && (t = ma__taglist_get(&tl, "t")) != NULL && !key_list(t, key_t_el, key))
        bad = "t";
    if (bad != NULL) {
        key_fail(err, MA_DKIM_R_KEY_SYNTAX, bad, (int64_t)(t->value - txt), "%s= is empty", bad);
        goto syntax;
    }
    if ((t = ma__taglist_get(&tl, "k")) != NULL) {
        if (key_eq(t->value, t->value_len, "rsa"))
            type = MA_DKIM_KEY_RSA;
        else if (key_eq(t->value, t->value_len, "ed25519"))
            type = MA_DKIM_KEY_ED25519;
        else
            type = MA_DKIM_KEY_UNKNOWN;
    }

    /* p=: bound the size, then decode (whitespace anywhere is skipped). */
    for (i = 0, nb64 = 0; i < p->value_len; i++)
        if (!key_is_space((unsigned char)p->value[i]))
            nb64++;
    if (nb64 > p_max) {
        key_fail(err, MA_DKIM_R_KEY_TOO_LARGE, "p", (int64_t)(p->value - txt),
                 "p= has %zu base64 characters, more than %zu", nb64, p_max);
        goto syntax;
    }
    if (nb64 > 0) {
        key->p = ma__alloc(ctx, MA_BASE64_DECODED_MAX(nb64));
        if (key->p == NULL) {
            rc = MA_ENOMEM;
            goto fail;
        }
        /* Decoding over the whole value: the spaces cost nothing more. */
        rc = ma__base64_decode(p->value, p->value_len, key->p, &key->p_len);
        if (rc != MA_OK) {
            key_fail(err, MA_DKIM_R_KEY_SYNTAX, "p", (int64_t)(p->value - txt),
                     "p= is not valid base64");
            goto syntax;
        }
    }

    if (!email) {
        t = ma__taglist_get(&tl, "s");
        key_fail(err, MA_DKIM_R_KEY_SERVICE, "s", (int64_t)(t->value - txt),
                 "s= lists neither email nor *");
        goto syntax;
    }
    if (nb64 == 0) {
        key_fail(err, MA_DKIM_R_KEY_REVOKED, "p", (int64_t)(p->value - txt),
                 "the key is revoked (empty p=)");
        goto syntax;
    }
    if (type == MA_DKIM_KEY_UNKNOWN) {
        t = ma__taglist_get(&tl, "k");
        key_fail(err, MA_DKIM_R_KEY_TYPE, "k", (int64_t)(t->value - txt),
                 "unknown key type \"%.*s\"", (int)(t->value_len > 20 ? 20 : t->value_len),
                 t->value);
        goto syntax;
    }
    key->type = type;
    ma__taglist_free(&tl, ctx);
    return MA_OK;

syntax:
    rc = MA_ESYNTAX;
fail:
    ma__taglist_free(&tl, ctx);
    ma__dkim_key_free(key, ctx);
    if (rc != MA_ESYNTAX) {
        ma__dkim_perr_clear(err);
        ma__err_set(&err->e, -1, "%s", ma_status_str(rc));
    }
    return rc;
}

void ma__dkim_key_free(ma_dkim_key *key, const ma_ctx *ctx)
{
    if (key == NULL || ctx == NULL)
        return;
    ma__free(ctx, key->p);
    memset(key, 0, sizeof *key);
}

int ma__dkim_key_hash_ok(const ma_dkim_key *key, ma_dkim_alg alg)
{
    if (key == NULL)
        return 0;
    switch (alg) {
    case MA_DKIM_RSA_SHA1:
        return (key->hashes & MA_DKIM_HASH_SHA1) != 0;
    case MA_DKIM_RSA_SHA256:
    case MA_DKIM_ED25519_SHA256:
        return (key->hashes & MA_DKIM_HASH_SHA256) != 0;
    default:
        return 0;
    }
}

int ma__dkim_key_type_ok(const ma_dkim_key *key, ma_dkim_alg alg)
{
    if (key == NULL)
        return 0;
    switch (alg) {
    case MA_DKIM_RSA_SHA1:
    case MA_DKIM_RSA_SHA256:
        return key->type == MA_DKIM_KEY_RSA;
    case MA_DKIM_ED25519_SHA256:
        return key->type == MA_DKIM_KEY_ED25519;
    default:
        return 0;
    }
}

int ma__dkim_key_strict_ok(const ma_dkim_key *key, const ma_dkim_sig *sig)
{
    if (key == NULL || sig == NULL)
        return 0;
    if (!key->strict || sig->kind != MA_DKIM_SIG_DKIM || !sig->has_auid)
        return 1;
    /* 3.6.1 t=s: "the i= domain MUST NOT be a subdomain of d=". */
    return ma_domain_equal(sig->auid_domain, sig->auid_domain_len, sig->domain, sig->domain_len);
}

ma_dkim_reason ma__dkim_key_check(const ma_dkim_key *key, const ma_dkim_sig *sig)
{
    if (key == NULL || sig == NULL)
        return MA_DKIM_R_KEY_SYNTAX;
    if (!ma__dkim_key_hash_ok(key, sig->alg))
        return MA_DKIM_R_KEY_HASH;
    if (!ma__dkim_key_type_ok(key, sig->alg))
        return MA_DKIM_R_KEY_TYPE;
    if (!ma__dkim_key_strict_ok(key, sig))
        return MA_DKIM_R_KEY_STRICT;
    return MA_DKIM_R_OK;
}
