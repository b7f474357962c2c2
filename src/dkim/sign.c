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

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/canon_int.h"
#include "dkim/sig_int.h"
#include "dkim/sign_int.h"

/* Header fields signed when the caller names none (RFC 6376 5.4.1's
   list of fields that SHOULD be signed). */
static const char default_headers[] =
    "from:reply-to:subject:date:to:cc:resent-date:resent-from:resent-to:resent-cc:"
    "in-reply-to:references:list-id:list-help:list-unsubscribe:list-subscribe:list-post:"
    "list-owner:list-archive:message-id:mime-version:content-type:content-transfer-encoding";

/* Longest header list accepted, in bytes. */
#define SIGN_HEADERS_MAX 4096

/* Signers one signing can carry. */
#define SIGN_MAX_SIGNERS 8

/* One body hash per canonicalisation (every algorithm hashes with SHA-256). */
typedef struct sign_body {
    ma_digest *digest;
    ma_canon_body body;
    unsigned char md[MA_DIGEST_MAX];
    size_t md_len;
} sign_hash;

struct ma_dkim_sign {
    const ma_ctx *ctx;
    const ma_dkim_signer *signers[SIGN_MAX_SIGNERS];
    size_t nsigners;
    ma_msg *msg;
    sign_hash bodies[2];     /* by ma_dkim_canon; digest NULL when unused */
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
static char *header_list(const ma_ctx *ctx, const char *in, int *rc)
{
    size_t n = strlen(in), i, w = 0, namelen = 0;
    char *out;
    *rc = MA_EINVAL;
    if (n == 0 || n > SIGN_HEADERS_MAX)
        return NULL;
    out = ma__alloc(ctx, n + 1);
    if (out == NULL) {
        *rc = MA_ENOMEM;
        return NULL;
    }
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
    *rc = MA_OK;
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
    ma__pubkey_free(s->pub);
    ma__free(s->ctx, s->pub_b64);
    ma__free(s->ctx, s->domain);
    ma__free(s->ctx, s->selector);
    ma__free(s->ctx, s->identity);
    ma__free(s->ctx, s->headers);
    ma__free(s->ctx, s->hdisplay);
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

/* The options every signer checks first; MA_OK, MA_EINVAL, MA_EVERSION. */
static int signer_opts_ok(const ma_dkim_sign_opts *opts)
{
    if (opts->version != MA_DKIM_SIGN_OPTS_VERSION)
        return MA_EVERSION;
    if (opts->domain == NULL || opts->selector == NULL ||
        (opts->header_canon != MA_DKIM_SIMPLE && opts->header_canon != MA_DKIM_RELAXED) ||
        (opts->body_canon != MA_DKIM_SIMPLE && opts->body_canon != MA_DKIM_RELAXED) ||
        (opts->flags & ~(unsigned int)(MA_DKIM_SIGN_NO_TIMESTAMP | MA_DKIM_SIGN_BODY_LENGTH |
                                       MA_DKIM_SIGN_OVERSIGN)) != 0)
        return MA_EINVAL;
    return MA_OK;
}

/* A new signer with opts' canonicalisations, expiry and flags; NULL when
   out of memory. */
static ma_dkim_signer *signer_alloc(ma_ctx *ctx, const ma_dkim_sign_opts *opts)
{
    ma_dkim_signer *s = ma__calloc(ctx, 1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->ctx = ctx;
    s->hcanon = (ma_dkim_canon)opts->header_canon;
    s->bcanon = (ma_dkim_canon)opts->body_canon;
    s->expire = opts->expire;
    s->flags = opts->flags;
    return s;
}

/* The rest of opts, once the key is set: d=, s=, i= and the header list.
   MA_OK, MA_EINVAL, MA_ENOMEM (s is left for the caller to free). */
static int signer_names(ma_dkim_signer *s, ma_ctx *ctx, const ma_dkim_sign_opts *opts)
{
    int rc, hrc;
    {
        /* d= and s= must be names a verifier accepts: check them the way
           verifiers do, through the signature parser. */
        ma_buf probe;
        ma_dkim_sig sig;
        ma_dkim_perr perr;
        memset(&sig, 0, sizeof sig);   /* freed below even when the probe is never parsed */
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
        if (rc != MA_OK)
            return rc == MA_ENOMEM ? rc : MA_EINVAL;
    }
    if (opts->identity != NULL) {
        const char *at = strrchr(opts->identity, '@');
        if (at == NULL || !ma_domain_is_within(at + 1, strlen(at + 1), s->domain, strlen(s->domain)) ||
            strpbrk(opts->identity, " \t\r\n;") != NULL)
            return MA_EINVAL;
        s->identity = dup_lower(ctx, opts->identity, strlen(opts->identity));
        if (s->identity == NULL)
            return MA_ENOMEM;
        /* Only the domain is case-insensitive: keep the local part as given. */
        memcpy(s->identity, opts->identity, (size_t)(at - opts->identity));
    }
    s->headers = header_list(ctx, opts->headers ? opts->headers : default_headers, &hrc);
    s->literal = opts->headers != NULL && !(opts->flags & MA_DKIM_SIGN_OVERSIGN);
    s->default_list = opts->headers == NULL;
    if (s->literal && s->headers != NULL) {
        /* h= as the caller wrote it, runs of WSP as one SP (what relaxed
           canonicalisation makes of it anyway). */
        size_t n = strlen(opts->headers), i, w = 0;
        s->hdisplay = ma__alloc(ctx, n + 1);
        if (s->hdisplay == NULL)
            return MA_ENOMEM;
        for (i = 0; i < n; i++) {
            char c = opts->headers[i] == '\t' ? ' ' : opts->headers[i];
            if (c == ' ' && (w == 0 || s->hdisplay[w - 1] == ' '))
                continue;
            s->hdisplay[w++] = c;
        }
        while (w > 0 && s->hdisplay[w - 1] == ' ')
            w--;
        s->hdisplay[w] = '\0';
    }
    if (s->headers == NULL)
        return hrc;
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
        if (!from)
            return MA_EINVAL;
    }
    return MA_OK;
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
    if ((rc = signer_opts_ok(opts)) != MA_OK)
        return rc;
    if ((s = signer_alloc(ctx, opts)) == NULL)
        return MA_ENOMEM;
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
    if ((rc = signer_names(s, ctx, opts)) != MA_OK) {
        ma_dkim_signer_free(s);
        return rc;
    }
    *out = s;
    return MA_OK;
}

int ma_dkim_signer_new_external(ma_dkim_signer **out, ma_ctx *ctx, const ma_dkim_sign_opts *opts,
                                const char *key_record, ma_dkim_sign_fn sign, void *arg)
{
    ma_dkim_signer *s;
    ma_dkim_key key;
    ma_dkim_perr perr;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || opts == NULL || key_record == NULL || sign == NULL)
        return MA_EINVAL;
    if ((rc = signer_opts_ok(opts)) != MA_OK)
        return rc;
    if ((s = signer_alloc(ctx, opts)) == NULL)
        return MA_ENOMEM;
    s->sign_fn = sign;
    s->sign_arg = arg;
    /* The published record: a verifier's parse, then its key. */
    rc = ma__dkim_key_parse(&key, ctx, key_record, strlen(key_record), 0, &perr);
    if (rc == MA_OK) {
        ma_key_type type = key.type == MA_DKIM_KEY_ED25519 ? MA_KEY_ED25519 : MA_KEY_RSA;
        s->alg = type == MA_KEY_ED25519 ? MA_DKIM_ED25519_SHA256 : MA_DKIM_RSA_SHA256;
        rc = ma__pubkey_new(&s->pub, ctx, type, key.p, key.p_len);
        if (rc == MA_OK && type == MA_KEY_RSA && ma__pubkey_bits(s->pub) < 1024)
            rc = MA_EUNSUPPORTED; /* RFC 8301 3.2: verifiers refuse it */
        if (rc == MA_OK) {
            s->pub_b64 = ma__alloc(ctx, MA_BASE64_ENCODED_LEN(key.p_len) + 1);
            if (s->pub_b64 == NULL)
                rc = MA_ENOMEM;
            else
                s->pub_b64[ma__base64_encode(key.p, key.p_len, s->pub_b64)] = '\0';
        }
    } else if (rc == MA_ESYNTAX && perr.reason == MA_DKIM_R_KEY_TYPE) {
        rc = MA_EUNSUPPORTED;
    }
    ma__dkim_key_free(&key, ctx);
    if (rc == MA_OK)
        rc = signer_names(s, ctx, opts);
    if (rc != MA_OK) {
        ma_dkim_signer_free(s);
        return rc == MA_ENOMEM || rc == MA_EINVAL || rc == MA_EUNSUPPORTED ? rc : MA_ESYNTAX;
    }
    *out = s;
    return MA_OK;
}

int ma__dkim_signer_sign(const ma_dkim_signer *s, const unsigned char *hh, size_t hh_len,
                         unsigned char *sig, size_t *sig_len)
{
    size_t cap, n;
    int good = 0, rc;

    if (s == NULL || sig_len == NULL)
        return MA_EINVAL;
    if (s->key != NULL)
        return ma__privkey_sign(s->key, s->alg, hh, hh_len, sig, sig_len);
    cap = n = *sig_len;
    if (s->sign_fn(s->sign_arg, s->alg, hh, hh_len, sig, &n) != 0 || n == 0 || n > cap)
        return MA_EINTERNAL;
    rc = ma__pubkey_verify(s->pub, s->alg, hh, hh_len, sig, n, &good);
    if (rc != MA_OK)
        return rc == MA_ENOMEM ? rc : MA_EINTERNAL;
    if (!good)
        return MA_EINTERNAL;
    *sig_len = n;
    return MA_OK;
}

int ma_dkim_signer_key_record(const ma_dkim_signer *s, char **out)
{
    ma_buf der, rec;
    char *b64 = NULL;
    int rc = MA_OK;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (s == NULL)
        return MA_EINVAL;
    ma__buf_init(&der, s->ctx);
    ma__buf_init(&rec, s->ctx);
    if (s->key != NULL) {
        rc = ma__privkey_public(s->key, &der);
        b64 = rc == MA_OK ? ma__alloc(s->ctx, MA_BASE64_ENCODED_LEN(der.len) + 1) : NULL;
        if (rc == MA_OK && b64 == NULL)
            rc = MA_ENOMEM;
        if (rc == MA_OK)
            b64[ma__base64_encode((const unsigned char *)der.data, der.len, b64)] = '\0';
    }
    /* an external signer's p= is the published one */
    if (rc == MA_OK)
        rc = ma__buf_printf(&rec, "v=DKIM1; k=%s; p=%s",
                            s->alg == MA_DKIM_ED25519_SHA256 ? "ed25519" : "rsa",
                            s->key != NULL ? b64 : s->pub_b64);
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
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (signer == NULL)
        return MA_EINVAL;
    g = ma__calloc(signer->ctx, 1, sizeof *g);
    if (g == NULL)
        return MA_ENOMEM;
    g->ctx = signer->ctx;
    g->signers[g->nsigners++] = signer;
    *out = g;
    return MA_OK;
}

int ma_dkim_sign_add(ma_dkim_sign *g, const ma_dkim_signer *signer)
{
    if (g == NULL || signer == NULL || signer->ctx != g->ctx)
        return MA_EINVAL;
    if (g->msg != NULL)
        return MA_ESTATE;
    if (g->nsigners >= SIGN_MAX_SIGNERS)
        return MA_ELIMIT;
    g->signers[g->nsigners++] = signer;
    return MA_OK;
}

void ma_dkim_sign_free(ma_dkim_sign *g)
{
    if (g == NULL)
        return;
    ma__digest_free(g->bodies[0].digest);
    ma__digest_free(g->bodies[1].digest);
    ma__free(g->ctx, g);
}

static int sign_consume(const char *data, size_t len, void *payload)
{
    ma_dkim_sign *g = payload;
    int k, rc;
    for (k = 0; k < 2; k++) {
        sign_hash *b = &g->bodies[k];
        if (b->digest == NULL)
            continue;
        rc = data ? ma__canon_body_update(&b->body, data, len) : ma__canon_body_finish(&b->body);
        if (rc == MA_OK && data == NULL)
            rc = ma__digest_final(b->digest, b->md, &b->md_len);
        if (rc != MA_OK)
            return g->status = rc;
    }
    if (data == NULL)
        g->body_done = 1;
    return MA_OK;
}

int ma_dkim_sign_attach(ma_dkim_sign *g, ma_msg *msg)
{
    size_t i;
    int rc;
    if (g == NULL || msg == NULL)
        return MA_EINVAL;
    if (g->msg != NULL || ma_msg_header_done(msg))
        return MA_ESTATE;
    for (i = 0; i < g->nsigners; i++) {
        sign_hash *b = &g->bodies[g->signers[i]->bcanon];
        if (b->digest != NULL)
            continue;
        rc = ma__digest_new(&b->digest, g->ctx, MA_HASH_SHA256);
        if (rc == MA_OK)
            rc = ma__canon_body_init(&b->body, g->signers[i]->bcanon, MA_CANON_NO_LIMIT, b->digest);
        if (rc != MA_OK)
            return rc;
    }
    rc = ma_msg_add_body_consumer(msg, sign_consume, g);
    if (rc == MA_OK)
        g->msg = msg;
    return rc;
}

/*
 * Folding (RFC 6376 3.5 allows FWS around tags, between h= names and inside
 * base64): a piece is appended after sep ("" or " "); when the line would
 * pass SIGN_FOLD_AT columns and a break is allowed there, CRLF SP takes the
 * separator's place.
 */
int ma__fold_put(ma_buf *f, size_t *col, const char *sep, const char *text, size_t n, int brk)
{
    size_t sl = strlen(sep);
    int rc;
    if (brk && *col + sl + n > SIGN_FOLD_AT && *col > 1) {
        rc = ma__buf_append(f, "\r\n ", 3);
        *col = 1;
    } else {
        rc = ma__buf_append(f, sep, sl);
        *col += sl;
    }
    if (rc == MA_OK)
        rc = ma__buf_append(f, text, n);
    *col += n;
    return rc;
}

/* A tag "name=value;" as one piece after a space. */
int ma__fold_tag(ma_buf *f, size_t *col, const char *fmt, ...)
{
    char tag[600];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tag, sizeof tag, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tag)
        return MA_EINVAL;
    return ma__fold_put(f, col, " ", tag, (size_t)n, 1);
}

/* Base64 data folded to the line: pieces as long as the line has room. */
int ma__fold_b64(ma_buf *f, size_t *col, const char *b64, size_t n)
{
    size_t i = 0;
    int rc = MA_OK;
    while (rc == MA_OK && i < n) {
        size_t room = *col < SIGN_FOLD_AT ? SIGN_FOLD_AT - *col : 0, take;
        if (room == 0) {
            rc = ma__buf_append(f, "\r\n ", 3);
            *col = 1;
            continue;
        }
        take = n - i < room ? n - i : room;
        rc = ma__buf_append(f, b64 + i, take);
        *col += take;
        i += take;
    }
    return rc;
}

/* The h= names of signer s for this message (at most max), and its h= tag. */
size_t ma__dkim_sign_names(const ma_dkim_signer *s, const ma_msg *msg, ma_dkim_span *names,
                           size_t max)
{
    const char *p = s->headers;
    size_t nnames = 0, k;
    while (*p && nnames < max) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p), inst = 0;
        char nm[128];
        if (s->literal) {
            inst = 1;
        } else if (n < sizeof nm) {
            long at = -1;
            memcpy(nm, p, n);
            nm[n] = '\0';
            while ((at = ma_msg_find(msg, nm, (size_t)(at + 1))) >= 0)
                inst++;
            /* RFC 6376 5.4: From is always signed; oversigning adds one
               more of every listed name (a field added later then breaks
               the signature, 8.15). */
            if (inst == 0 && n == 4 && memcmp(p, "from", 4) == 0)
                inst = 1;
            if (s->flags & MA_DKIM_SIGN_OVERSIGN)
                inst++;
        }
        for (k = 0; k < inst && nnames < max; k++) {
            names[nnames].p = p;
            names[nnames].len = n;
            nnames++;
        }
        p += n + (e != NULL);
    }
    return nnames;
}

/* Write the h= tag: the caller's text as written, or the names joined by
   ':'; folded after a colon or at a space. */
static int fold_h(ma_buf *f, size_t *col, const ma_dkim_signer *s, const ma_dkim_span *names,
                  size_t nnames)
{
    char piece[160];
    size_t k;
    int rc = MA_OK;
    if (s->hdisplay != NULL) {
        /* Pieces end at a space (which becomes the separator) or just
           after a colon. */
        const char *p = s->hdisplay, *sep = " ";
        int first = 1;
        while (rc == MA_OK && *p) {
            size_t n = 0;
            while (p[n] && p[n] != ' ' && (n == 0 || p[n - 1] != ':'))
                n++;
            if (n + 4 > sizeof piece)
                return MA_EINVAL;
            snprintf(piece, sizeof piece, "%s%.*s%s", first ? "h=" : "", (int)n, p, p[n] ? "" : ";");
            rc = ma__fold_put(f, col, sep, piece, strlen(piece), 1);
            first = 0;
            p += n;
            sep = "";
            if (*p == ' ') {
                sep = " ";
                p++;
            }
        }
        return rc;
    }
    for (k = 0; rc == MA_OK && k < nnames; k++) {
        if (names[k].len + 4 > sizeof piece)
            return MA_EINVAL;
        snprintf(piece, sizeof piece, "%s%.*s%s", k == 0 ? "h=" : "", (int)names[k].len,
                 names[k].p, k + 1 < nnames ? ":" : ";");
        rc = ma__fold_put(f, col, k == 0 ? " " : "", piece, strlen(piece), 1);
    }
    return rc;
}

/* One signer's field, appended to f. */
static int sign_one(ma_dkim_sign *g, const ma_dkim_signer *s, int64_t now, ma_buf *f)
{
    const ma_ctx *ctx = g->ctx;
    const sign_hash *body = &g->bodies[s->bcanon];
    unsigned char hh[MA_DIGEST_MAX], sig[2048];
    size_t hh_len = 0, sig_len = sizeof sig, col, nnames, k, start = f->len;
    char b64[MA_BASE64_ENCODED_LEN(2048) + 1];
    ma_dkim_span names[256];
    long idx[256];
    ma_buf scratch;
    ma_digest *d = NULL;
    int rc;

    nnames = ma__dkim_sign_names(s, g->msg, names, 256);
    rc = ma__dkim_select_headers(idx, NULL, ctx, g->msg, names, nnames);
    if (rc != MA_OK)
        return rc;
    rc = ma__buf_append(f, "DKIM-Signature:", 15);
    col = 15;
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "v=1;");
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "a=%s;", ma_dkim_alg_name(s->alg));
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "c=%s/%s;", s->hcanon == MA_DKIM_RELAXED ? "relaxed" : "simple",
                      s->bcanon == MA_DKIM_RELAXED ? "relaxed" : "simple");
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "d=%s;", s->domain);
    if (rc == MA_OK && s->identity)
        rc = ma__fold_tag(f, &col, "i=%s;", s->identity);
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "q=dns/txt;");
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "s=%s;", s->selector);
    if (rc == MA_OK && !(s->flags & MA_DKIM_SIGN_NO_TIMESTAMP))
        rc = ma__fold_tag(f, &col, "t=%lld;", (long long)now);
    if (rc == MA_OK && s->expire > 0)
        rc = ma__fold_tag(f, &col, "x=%llu;", (unsigned long long)now + (unsigned long long)s->expire);
    if (rc == MA_OK && (s->flags & MA_DKIM_SIGN_BODY_LENGTH))
        rc = ma__fold_tag(f, &col, "l=%llu;", (unsigned long long)ma__canon_body_length(&body->body));
    if (rc == MA_OK)
        rc = fold_h(f, &col, s, names, nnames);
    if (rc == MA_OK) {
        b64[ma__base64_encode(body->md, body->md_len, b64)] = '\0';
        rc = ma__fold_tag(f, &col, "bh=%s;", b64);
    }
    if (rc == MA_OK)
        rc = ma__fold_tag(f, &col, "b=");
    /* RFC 6376 3.7: the selected fields, then this field with an empty b=
       and no final CRLF, exactly as written. */
    ma__buf_init(&scratch, ctx);
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
        rc = ma__canon_header_hash(d, &scratch, s->hcanon, f->data + start, f->len - start,
                                   MA_CANON_NO_CRLF);
    if (rc == MA_OK)
        rc = ma__digest_final(d, hh, &hh_len);
    ma__digest_free(d);
    ma__buf_free(&scratch);
    if (rc == MA_OK)
        rc = ma__dkim_signer_sign(s, hh, hh_len, sig, &sig_len);
    if (rc == MA_OK)
        rc = ma__fold_b64(f, &col, b64, ma__base64_encode(sig, sig_len, b64));
    return rc;
}

int ma_dkim_sign_field(ma_dkim_sign *g, char **out)
{
    ma_buf f;
    size_t i;
    int64_t now;
    int rc = MA_OK;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (g == NULL)
        return MA_EINVAL;
    if (g->status != MA_OK)
        return g->status;
    if (g->msg == NULL || !g->body_done)
        return MA_ESTATE;
    /* RFC 6376 5.4: From MUST be signed; a message without one cannot be. */
    if (ma_msg_find(g->msg, "from", 0) < 0)
        return MA_ESYNTAX;
    now = ma_ctx_now_ms(g->ctx) / 1000;
    ma__buf_init(&f, g->ctx);
    for (i = 0; rc == MA_OK && i < g->nsigners; i++) {
        if (i > 0)
            rc = ma__buf_append(&f, "\r\n", 2);
        if (rc == MA_OK)
            rc = sign_one(g, g->signers[i], now, &f);
    }
    if (rc == MA_OK)
        *out = ma__buf_steal(&f, NULL);
    ma__buf_free(&f);
    if (rc == MA_OK && *out == NULL)
        return MA_ENOMEM;
    return rc;
}

/* ----------------------------------------------------------------- keygen */

int ma_dkim_keygen(char **key_pem, char **record, ma_ctx *ctx, ma_dkim_alg alg, unsigned int bits)
{
    ma_privkey *key = NULL;
    ma_buf pem, der, rec;
    char *b64 = NULL;
    int rc;

    if (key_pem == NULL || record == NULL)
        return MA_EINVAL;
    *key_pem = NULL;
    *record = NULL;
    if (ctx == NULL || (alg != MA_DKIM_RSA_SHA256 && alg != MA_DKIM_ED25519_SHA256))
        return MA_EINVAL;
    if (alg == MA_DKIM_RSA_SHA256 && bits == 0)
        bits = 2048;
    if (alg == MA_DKIM_RSA_SHA256 && (bits < 1024 || bits > 8192))
        return MA_EINVAL;
    rc = ma__privkey_generate(&key, ctx, alg == MA_DKIM_RSA_SHA256 ? MA_KEY_RSA : MA_KEY_ED25519,
                              bits);
    if (rc != MA_OK)
        return rc;
    ma__buf_init(&pem, ctx);
    ma__buf_init(&der, ctx);
    ma__buf_init(&rec, ctx);
    rc = ma__privkey_pem(key, &pem);
    if (rc == MA_OK)
        rc = ma__privkey_public(key, &der);
    if (rc == MA_OK) {
        b64 = ma__alloc(ctx, MA_BASE64_ENCODED_LEN(der.len) + 1);
        if (b64 == NULL)
            rc = MA_ENOMEM;
    }
    if (rc == MA_OK) {
        b64[ma__base64_encode((const unsigned char *)der.data, der.len, b64)] = '\0';
        rc = ma__buf_printf(&rec, "v=DKIM1; k=%s; p=%s",
                            alg == MA_DKIM_ED25519_SHA256 ? "ed25519" : "rsa", b64);
    }
    if (rc == MA_OK) {
        *key_pem = ma__buf_steal(&pem, NULL);
        *record = ma__buf_steal(&rec, NULL);
        if (*key_pem == NULL || *record == NULL) {
            ma_free(ctx, *key_pem);
            ma_free(ctx, *record);
            *key_pem = *record = NULL;
            rc = MA_ENOMEM;
        }
    }
    if (pem.data != NULL)
        memset(pem.data, 0, pem.len);
    ma__buf_free(&pem);
    ma__buf_free(&der);
    ma__buf_free(&rec);
    ma__free(ctx, b64);
    ma__privkey_free(key);
    return rc;
}
