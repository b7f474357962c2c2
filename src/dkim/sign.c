/*
 * DKIM signing (RFC 6376 5).
 *
 * A signer holds what does not change between messages: the parsed private
 * key (parsing it per message is where the peers' signers spend most of
 * their time), d=, s=, i=, the header list and the canonicalisations.  A
 * signing (ma_dkim_sign) is one message: it hashes the body as the message
 * reader streams it, then builds the field.
 *
 * The field is written, folded, with an empty b=; that exact text is hashed
 * (RFC 6376 3.7) and the signature is appended after "b=" with folding
 * whitespace only inside the base64, which verifiers remove with the value.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dkim/canon_int.h"
#include "dkim/sig_int.h"

/* Header fields signed when the caller names none (RFC 6376 5.4.1's
   list of fields that SHOULD be signed). */
static const char default_headers[] =
    "from:reply-to:subject:date:to:cc:resent-date:resent-from:resent-to:resent-cc:"
    "in-reply-to:references:list-id:list-help:list-unsubscribe:list-subscribe:list-post:"
    "list-owner:list-archive:message-id:mime-version:content-type:content-transfer-encoding";

/* Longest header list accepted, in bytes. */
#define SIGN_HEADERS_MAX 4096
/* Fold the field before a line would pass this many characters. */
#define SIGN_FOLD_AT 76

struct ma_dkim_signer {
    ma_ctx *ctx;
    ma_privkey *key;
    ma_dkim_alg alg;
    ma_dkim_canon hcanon, bcanon;
    char *domain, *selector, *identity;
    char *headers;           /* lower-case names separated by ':' */
    uint64_t expire;
    unsigned int flags;
    int literal;             /* the caller's header list: h= exactly */
};

struct ma_dkim_sign {
    const ma_dkim_signer *signer;
    ma_msg *msg;
    ma_digest *digest;
    ma_canon_body body;
    int body_done;
    int status;
};

/* ---------------------------------------------------------------- signer */

int ma_dkim_sign_opts_init(ma_dkim_sign_opts *opts, unsigned int version)
{
    static const ma_dkim_sign_opts init = MA_DKIM_SIGN_OPTS_INIT;
    if (opts == NULL)
        return MA_EINVAL;
    if (version != MA_DKIM_SIGN_OPTS_VERSION)
        return MA_EVERSION;
    *opts = init;
    return MA_OK;
}

static char *dup_lower(const ma_ctx *ctx, const char *s, size_t n)
{
    char *p = ma__alloc(ctx, n + 1);
    size_t i;
    if (p == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        p[i] = (char)ma__lower((unsigned char)s[i]);
    p[n] = '\0';
    return p;
}

/* A colon list of field names (FWS around colons allowed), lower-cased
   and written "a:b:c"; NULL when a name is empty or not ftext. */
static char *header_list(const ma_ctx *ctx, const char *in)
{
    size_t n = strlen(in), i, w = 0, namelen = 0;
    char *out;
    if (n == 0 || n > SIGN_HEADERS_MAX)
        return NULL;
    out = ma__alloc(ctx, n + 1);
    if (out == NULL)
        return NULL;
    for (i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)in[i] : ':';
        if (c == ' ' || c == '\t')
            continue;
        if (c == ':') {
            if (namelen == 0)
                goto bad;
            if (i < n)
                out[w++] = ':';
            namelen = 0;
            continue;
        }
        if (c < 33 || c > 126)
            goto bad;
        out[w++] = (char)ma__lower(c);
        namelen++;
    }
    out[w] = '\0';
    return out;
bad:
    ma__free(ctx, out);
    return NULL;
}

void ma_dkim_signer_free(ma_dkim_signer *s)
{
    if (s == NULL)
        return;
    ma__privkey_free(s->key);
    ma__free(s->ctx, s->domain);
    ma__free(s->ctx, s->selector);
    ma__free(s->ctx, s->identity);
    ma__free(s->ctx, s->headers);
    ma__free(s->ctx, s);
}

/* A 32-byte Ed25519 seed, raw or as 44 base64 characters; else 0. */
static int seed_of(const void *key, size_t len, unsigned char seed[32])
{
    size_t n = 0;
    const char *k = key;
    if (len == 32) {
        memcpy(seed, key, 32);
        return 1;
    }
    while (len > 0 && (k[len - 1] == '\n' || k[len - 1] == '\r' || k[len - 1] == ' '))
        len--;
    if (len == 44 && ma__base64_decode(k, len, seed, &n) == MA_OK && n == 32)
        return 1;
    return 0;
}

int ma_dkim_signer_new(ma_dkim_signer **out, ma_ctx *ctx, const ma_dkim_sign_opts *opts,
                       const void *key, size_t key_len)
{
    ma_dkim_signer *s;
    unsigned char seed[32];
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || opts == NULL || key == NULL || key_len == 0)
        return MA_EINVAL;
    if (opts->version != MA_DKIM_SIGN_OPTS_VERSION)
        return MA_EVERSION;
    if (opts->domain == NULL || opts->selector == NULL ||
        (opts->header_canon != MA_DKIM_SIMPLE && opts->header_canon != MA_DKIM_RELAXED) ||
        (opts->body_canon != MA_DKIM_SIMPLE && opts->body_canon != MA_DKIM_RELAXED) ||
        (opts->flags & ~(unsigned int)(MA_DKIM_SIGN_NO_TIMESTAMP | MA_DKIM_SIGN_BODY_LENGTH)) != 0)
        return MA_EINVAL;
    s = ma__calloc(ctx, 1, sizeof *s);
    if (s == NULL)
        return MA_ENOMEM;
    s->ctx = ctx;
    s->hcanon = (ma_dkim_canon)opts->header_canon;
    s->bcanon = (ma_dkim_canon)opts->body_canon;
    s->expire = opts->expire;
    s->flags = opts->flags;
    if (seed_of(key, key_len, seed)) {
        rc = ma__privkey_from_seed(&s->key, ctx, seed, 32);
        memset(seed, 0, sizeof seed);
    } else {
        rc = ma__privkey_load(&s->key, ctx, key, key_len);
    }
    if (rc != MA_OK) {
        ma_dkim_signer_free(s);
        return rc == MA_ENOMEM ? rc : rc == MA_EUNSUPPORTED ? MA_EUNSUPPORTED : MA_ESYNTAX;
    }
    s->alg = ma__privkey_type(s->key) == MA_KEY_ED25519 ? MA_DKIM_ED25519_SHA256 : MA_DKIM_RSA_SHA256;
    {
        /* d= and s= must be names a verifier accepts: check them the way
           verifiers do, through the signature parser. */
        ma_buf probe;
        ma_dkim_sig sig;
        ma_dkim_perr perr;
        ma__buf_init(&probe, ctx);
        rc = ma__buf_printf(&probe, "v=1; a=rsa-sha256; d=%s; s=%s; h=from; bh=%s; b=AA==",
                            opts->domain, opts->selector,
                            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        if (rc == MA_OK)
            rc = ma__dkim_sig_parse(&sig, ctx, MA_DKIM_SIG_DKIM, probe.data, probe.len, &perr);
        if (rc == MA_OK) {
            s->domain = dup_lower(ctx, sig.domain, sig.domain_len);
            s->selector = dup_lower(ctx, sig.selector, sig.selector_len);
            if (s->domain == NULL || s->selector == NULL)
                rc = MA_ENOMEM;
        }
        ma__dkim_sig_free(&sig, ctx);
        ma__buf_free(&probe);
        if (rc != MA_OK) {
            ma_dkim_signer_free(s);
            return rc == MA_ENOMEM ? rc : MA_EINVAL;
        }
    }
    if (opts->identity != NULL) {
        const char *at = strrchr(opts->identity, '@');
        if (at == NULL || !ma_domain_is_within(at + 1, strlen(at + 1), s->domain, strlen(s->domain)) ||
            strpbrk(opts->identity, " \t\r\n;") != NULL) {
            ma_dkim_signer_free(s);
            return MA_EINVAL;
        }
        s->identity = dup_lower(ctx, opts->identity, strlen(opts->identity));
        if (s->identity == NULL) {
            ma_dkim_signer_free(s);
            return MA_ENOMEM;
        }
        /* Only the domain is case-insensitive: keep the local part as given. */
        memcpy(s->identity, opts->identity, (size_t)(at - opts->identity));
    }
    s->headers = header_list(ctx, opts->headers ? opts->headers : default_headers);
    s->literal = opts->headers != NULL;
    if (s->headers == NULL) {
        ma_dkim_signer_free(s);
        return MA_EINVAL;
    }
    {
        /* h= must list From (RFC 6376 5.4). */
        const char *p = s->headers;
        int from = 0;
        while (*p) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n == 4 && memcmp(p, "from", 4) == 0)
                from = 1;
            p += n + (e != NULL);
        }
        if (!from) {
            ma_dkim_signer_free(s);
            return MA_EINVAL;
        }
    }
    *out = s;
    return MA_OK;
}

int ma_dkim_signer_key_record(const ma_dkim_signer *s, char **out)
{
    ma_buf der, rec;
    char *b64;
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (s == NULL)
        return MA_EINVAL;
    ma__buf_init(&der, s->ctx);
    ma__buf_init(&rec, s->ctx);
    rc = ma__privkey_public(s->key, &der);
    b64 = rc == MA_OK ? ma__alloc(s->ctx, MA_BASE64_ENCODED_LEN(der.len) + 1) : NULL;
    if (rc == MA_OK && b64 == NULL)
        rc = MA_ENOMEM;
    if (rc == MA_OK) {
        b64[ma__base64_encode((const unsigned char *)der.data, der.len, b64)] = '\0';
        rc = ma__buf_printf(&rec, "v=DKIM1; k=%s; p=%s",
                            s->alg == MA_DKIM_ED25519_SHA256 ? "ed25519" : "rsa", b64);
    }
    ma__free(s->ctx, b64);
    ma__buf_free(&der);
    if (rc == MA_OK)
        *out = ma__buf_steal(&rec, NULL);
    ma__buf_free(&rec);
    return rc == MA_OK && *out == NULL ? MA_ENOMEM : rc;
}

/* --------------------------------------------------------------- signings */

int ma_dkim_sign_new(ma_dkim_sign **out, const ma_dkim_signer *signer)
{
    ma_dkim_sign *g;
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (signer == NULL)
        return MA_EINVAL;
    g = ma__calloc(signer->ctx, 1, sizeof *g);
    if (g == NULL)
        return MA_ENOMEM;
    g->signer = signer;
    rc = ma__digest_new(&g->digest, signer->ctx, MA_HASH_SHA256);
    if (rc == MA_OK)
        rc = ma__canon_body_init(&g->body, signer->bcanon, MA_CANON_NO_LIMIT, g->digest);
    if (rc != MA_OK) {
        ma_dkim_sign_free(g);
        return rc;
    }
    *out = g;
    return MA_OK;
}

void ma_dkim_sign_free(ma_dkim_sign *g)
{
    if (g == NULL)
        return;
    ma__digest_free(g->digest);
    ma__free(g->signer->ctx, g);
}

static int sign_body(const char *data, size_t len, void *payload)
{
    ma_dkim_sign *g = payload;
    int rc = data ? ma__canon_body_update(&g->body, data, len) : ma__canon_body_finish(&g->body);
    if (rc != MA_OK)
        return g->status = rc;
    if (data == NULL)
        g->body_done = 1;
    return MA_OK;
}

int ma_dkim_sign_attach(ma_dkim_sign *g, ma_msg *msg)
{
    int rc;
    if (g == NULL || msg == NULL)
        return MA_EINVAL;
    if (g->msg != NULL || ma_msg_header_done(msg))
        return MA_ESTATE;
    rc = ma_msg_add_body_consumer(msg, sign_body, g);
    if (rc == MA_OK)
        g->msg = msg;
    return rc;
}

/* Append "tag" text to the field, folding before it when the line would
   grow past SIGN_FOLD_AT. */
static int put(ma_buf *f, size_t *col, const char *text, size_t n)
{
    int rc;
    if (*col + n + 1 > SIGN_FOLD_AT && *col > 1) {
        rc = ma__buf_append(f, "\r\n\t", 3);
        if (rc != MA_OK)
            return rc;
        *col = 1;
    } else if (*col > 0) {
        rc = ma__buf_putc(f, ' ');
        if (rc != MA_OK)
            return rc;
        (*col)++;
    }
    *col += n;
    return ma__buf_append(f, text, n);
}

int ma_dkim_sign_field(ma_dkim_sign *g, char **out)
{
    const ma_dkim_signer *s;
    const ma_ctx *ctx;
    unsigned char bh[MA_DIGEST_MAX], hh[MA_DIGEST_MAX], sig[1024];
    size_t bh_len = 0, hh_len = 0, sig_len = sizeof sig, col = 0, nnames = 0, k;
    char b64[MA_BASE64_ENCODED_LEN(1024) + 1], tag[600];
    ma_dkim_span names[256];
    long idx[256];
    ma_buf f, h, scratch;
    ma_digest *d = NULL;
    int64_t now;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (g == NULL)
        return MA_EINVAL;
    if (g->status != MA_OK)
        return g->status;
    if (g->msg == NULL || !g->body_done)
        return MA_ESTATE;
    s = g->signer;
    ctx = s->ctx;

    rc = ma__digest_final(g->digest, bh, &bh_len);
    if (rc != MA_OK)
        return rc;
    /* The names of h=: a list the caller gave is h= as it stands; with
       the default list, each name once per instance present, and From once
       more (a From prepended later then breaks the signature: RFC 6376
       8.15). */
    {
        const char *p = s->headers;
        while (*p && nnames < 256) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p), inst = 0;
            long at = -1;
            char nm[128];
            if (n < sizeof nm) {
                memcpy(nm, p, n);
                nm[n] = '\0';
                if (s->literal) {
                    inst = 1;
                } else {
                    while ((at = ma_msg_find(g->msg, nm, (size_t)(at + 1))) >= 0)
                        inst++;
                    if (n == 4 && memcmp(p, "from", 4) == 0)
                        inst++;
                }
            }
            for (k = 0; k < inst && nnames < 256; k++) {
                names[nnames].p = p;
                names[nnames].len = n;
                nnames++;
            }
            p += n + (e != NULL);
        }
    }
    rc = ma__dkim_select_headers(idx, NULL, ctx, g->msg, names, nnames);
    if (rc != MA_OK)
        return rc;

    ma__buf_init(&f, ctx);
    ma__buf_init(&h, ctx);
    ma__buf_init(&scratch, ctx);
    rc = ma__buf_append(&f, "DKIM-Signature:", 15);
    col = 15;
#define PUT(...)                                                             \
    do {                                                                     \
        if (rc == MA_OK) {                                                   \
            int n_ = snprintf(tag, sizeof tag, __VA_ARGS__);                 \
            rc = n_ < 0 || (size_t)n_ >= sizeof tag ? MA_EINVAL              \
                                                    : put(&f, &col, tag, (size_t)n_); \
        }                                                                    \
    } while (0)
    PUT("v=1;");
    PUT("a=%s;", ma_dkim_alg_name(s->alg));
    PUT("c=%s/%s;", s->hcanon == MA_DKIM_RELAXED ? "relaxed" : "simple",
        s->bcanon == MA_DKIM_RELAXED ? "relaxed" : "simple");
    PUT("d=%s;", s->domain);
    PUT("s=%s;", s->selector);
    if (s->identity)
        PUT("i=%s;", s->identity);
    now = ma_ctx_now_ms(ctx) / 1000;
    if (!(s->flags & MA_DKIM_SIGN_NO_TIMESTAMP))
        PUT("t=%lld;", (long long)now);
    if (s->expire > 0)
        PUT("x=%llu;", (unsigned long long)now + (unsigned long long)s->expire);
    if (s->flags & MA_DKIM_SIGN_BODY_LENGTH)
        PUT("l=%llu;", (unsigned long long)ma__canon_body_length(&g->body));
    /* h=, folded after a colon when the line grows long (FWS is allowed
       around the colons). */
    for (k = 0; rc == MA_OK && k < nnames; k++) {
        int n_ = snprintf(tag, sizeof tag, "%s%.*s%s", k == 0 ? "h=" : "", (int)names[k].len,
                          names[k].p, k + 1 < nnames ? ":" : ";");
        if (k == 0) {
            rc = put(&f, &col, tag, (size_t)n_);
            continue;
        }
        if (col + (size_t)n_ > SIGN_FOLD_AT) {
            rc = ma__buf_append(&f, "\r\n\t", 3);
            col = 1;
        }
        if (rc == MA_OK)
            rc = ma__buf_append(&f, tag, (size_t)n_);
        col += (size_t)n_;
    }
    b64[ma__base64_encode(bh, bh_len, b64)] = '\0';
    PUT("bh=%s;", b64);
    PUT("b=");
#undef PUT
    /* RFC 6376 3.7: the selected fields, then this field without CRLF. */
    if (rc == MA_OK)
        rc = ma__digest_new(&d, ctx, MA_HASH_SHA256);
    for (k = 0; rc == MA_OK && k < nnames; k++) {
        const char *raw;
        size_t raw_len;
        if (idx[k] < 0)
            continue;
        rc = ma_msg_field_raw(g->msg, (size_t)idx[k], &raw, &raw_len);
        if (rc == MA_OK)
            rc = ma__canon_header_hash(d, &scratch, s->hcanon, raw, raw_len, 0);
    }
    if (rc == MA_OK)
        rc = ma__canon_header_hash(d, &scratch, s->hcanon, f.data, f.len, MA_CANON_NO_CRLF);
    if (rc == MA_OK)
        rc = ma__digest_final(d, hh, &hh_len);
    ma__digest_free(d);
    if (rc == MA_OK)
        rc = ma__privkey_sign(s->key, s->alg, hh, hh_len, sig, &sig_len);
    if (rc == MA_OK) {
        /* The signature, folded inside the value only. */
        size_t n = ma__base64_encode(sig, sig_len, b64), i = 0;
        while (rc == MA_OK && i < n) {
            size_t room = col < SIGN_FOLD_AT ? SIGN_FOLD_AT - col : 0, take;
            if (room < 8) {
                rc = ma__buf_append(&f, "\r\n\t", 3);
                col = 1;
                continue;
            }
            take = n - i < room ? n - i : room;
            rc = ma__buf_append(&f, b64 + i, take);
            col += take;
            i += take;
        }
    }
    ma__buf_free(&h);
    ma__buf_free(&scratch);
    if (rc == MA_OK)
        *out = ma__buf_steal(&f, NULL);
    ma__buf_free(&f);
    if (rc == MA_OK && *out == NULL)
        return MA_ENOMEM;
    return rc;
}
