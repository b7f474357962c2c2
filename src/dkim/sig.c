/*
 * DKIM-Signature, ARC-Message-Signature and ARC-Seal tag lists (RFC 6376
 * 3.5 and 6.1.1; RFC 8617 4.1.2, 4.1.3 and 4.2.1), the "strip b=" step of
 * RFC 6376 3.7 and the bottom-up header selection of RFC 6376 5.4.2.
 *
 * One parser serves the three kinds; they differ only in which tags are
 * required, which are ignored, and what i= means.  The value is copied
 * once; h= names and the raw b= point into that copy, so the parsed
 * signature does not depend on the caller's buffer.  Work is linear in the
 * input (the tag-list parser, one pass per tag value, base64 decoding).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/sig_int.h"
#include "mailauth/addr.h"

#define MA_DKIM_KEY_LABEL "._domainkey."
#define MA_DKIM_KEY_LABEL_LEN 12
#define MA_DKIM_NAME_MAX 253   /* RFC 1035 name as text, no root dot */

/* ------------------------------------------------------------------ errors */

void ma__dkim_perr_clear(ma_dkim_perr *err)
{
    if (err == NULL)
        return;
    err->reason = MA_DKIM_R_OK;
    err->tag[0] = '\0';
    ma__err_clear(&err->e);
}

static void sig_tagname(ma_dkim_perr *err, const char *name, size_t len)
{
    if (len >= sizeof err->tag)
        len = 0;   /* a name that does not fit is no help: leave it out */
    memcpy(err->tag, name, len);
    err->tag[len] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void sig_fail(ma_dkim_perr *err, ma_dkim_reason reason, const char *tag, int64_t offset,
                     const char *fmt, ...)
{
    va_list ap;

    err->reason = reason;
    sig_tagname(err, tag ? tag : "", tag ? strlen(tag) : 0);
    va_start(ap, fmt);
    vsnprintf(err->e.text, sizeof err->e.text, fmt, ap);
    va_end(ap);
    err->e.offset = offset;
}

static bool sig_is_fws_byte(int c)
{
    return ma__is_wsp(c) || c == '\r' || c == '\n';
}

static bool sig_is_namechar(int c)
{
    return ma__is_alpha(c) || ma__is_digit(c) || c == '_';
}

void ma__dkim_perr_tag_at(ma_dkim_perr *err, const char *s, size_t len, int64_t off)
{
    size_t start, i, name;

    err->tag[0] = '\0';
    if (off < 0)
        return;
    start = (size_t)off > len ? len : (size_t)off;
    while (start > 0 && s[start - 1] != ';')
        start--;
    i = start;
    while (i < len && sig_is_fws_byte((unsigned char)s[i]))
        i++;
    name = i;
    if (i >= len || !ma__is_alpha((unsigned char)s[i]))
        return;
    while (i < len && sig_is_namechar((unsigned char)s[i]))
        i++;
    sig_tagname(err, s + name, i - name);
    while (i < len && sig_is_fws_byte((unsigned char)s[i]))
        i++;
    if (i >= len || s[i] != '=')
        err->tag[0] = '\0';
}

/* ------------------------------------------------------------------ helpers */

/* RFC 5322 3.6.8 ftext: printable ASCII but ':'. */
static bool sig_is_ftext(int c)
{
    return (c >= 33 && c <= 57) || (c >= 59 && c <= 126);
}

static int64_t sig_off(const ma_dkim_sig *sig, const char *p)
{
    return (int64_t)(p - sig->text);
}

/* Whether s[0..len) equals the NUL-terminated lit, ASCII case-insensitively. */
static bool sig_eq(const char *s, size_t len, const char *lit)
{
    return ma__casecmp(s, len, lit, strlen(lit)) == 0;
}

/*
 * Unsigned decimal of 1..max_digits digits and nothing else.  Returns false
 * for anything else; *overflow is set when the digits do not fit in
 * uint64_t (then *out is UINT64_MAX).
 */
static bool sig_digits(const char *s, size_t len, size_t max_digits, uint64_t *out, bool *overflow)
{
    uint64_t v = 0;
    size_t i;

    *overflow = false;
    if (len == 0 || len > max_digits)
        return false;
    for (i = 0; i < len; i++) {
        unsigned d;
        if (!ma__is_digit((unsigned char)s[i]))
            return false;
        d = (unsigned)(s[i] - '0');
        if (!*overflow && v > (UINT64_MAX - d) / 10)
            *overflow = true;
        if (!*overflow)
            v = v * 10 + d;
    }
    *out = *overflow ? UINT64_MAX : v;
    return true;
}

/* The next element of a colon-separated list, FWS around it trimmed.
   *pos is the start of the element; returns false at the end of the list. */
static bool sig_list_next(const char *s, size_t len, size_t *pos, const char **el, size_t *el_len)
{
    size_t i = *pos, start, end;

    if (i > len)
        return false;
    start = i;
    while (i < len && s[i] != ':')
        i++;
    end = i;
    while (start < end && sig_is_fws_byte((unsigned char)s[start]))
        start++;
    while (end > start && sig_is_fws_byte((unsigned char)s[end - 1]))
        end--;
    *el = s + start;
    *el_len = end - start;
    *pos = i + 1;   /* past the ':' (or len + 1 at the end) */
    return true;
}

/*
 * Normalize a domain for d=, s= or the i= domain into a fresh string.
 * Returns MA_OK, MA_ESYNTAX, MA_ENOMEM.
 */
static int sig_domain(char **out, size_t *out_len, const ma_ctx *ctx, const char *s, size_t len,
                      unsigned int flags)
{
    ma_buf b;
    int rc;

    *out = NULL;
    *out_len = 0;
    /* The ABNF has no root dot; ma__domain_normalize_buf would drop one. */
    if (len == 0 || s[len - 1] == '.')
        return MA_ESYNTAX;
    ma__buf_init(&b, ctx);
    rc = ma__domain_normalize_buf(&b, ctx, s, len, flags);
    if (rc != MA_OK) {
        ma__buf_free(&b);
        return rc == MA_ENOMEM ? MA_ENOMEM : MA_ESYNTAX;
    }
    *out = ma__buf_steal(&b, out_len);
    if (*out == NULL) {
        ma__buf_free(&b);
        return MA_ENOMEM;
    }
    return MA_OK;
}

/* Decode a base64 value with FWS into a fresh buffer (*out NULL when empty). */
static int sig_base64(unsigned char **out, size_t *out_len, const ma_ctx *ctx, const char *s,
                      size_t len)
{
    unsigned char *buf;
    int rc;

    *out = NULL;
    *out_len = 0;
    buf = ma__alloc(ctx, MA_BASE64_DECODED_MAX(len));
    if (buf == NULL)
        return MA_ENOMEM;
    rc = ma__base64_decode(s, len, buf, out_len);
    if (rc != MA_OK || *out_len == 0) {
        ma__free(ctx, buf);
        *out_len = 0;
        return rc != MA_OK ? rc : MA_ESYNTAX;
    }
    *out = buf;
    return MA_OK;
}

/* ------------------------------------------------------------------ kinds */

static const char *const sig_kind_names[] = {
    [MA_DKIM_SIG_DKIM] = "DKIM-Signature",
    [MA_DKIM_SIG_AMS] = "ARC-Message-Signature",
    [MA_DKIM_SIG_AS] = "ARC-Seal",
};

int ma__dkim_sig_kind_of(const char *name, size_t len)
{
    int k;

    if (name == NULL)
        return -1;
    /* called for every header field: the lengths (14, 21, 8) differ */
    switch (len) {
    case sizeof "DKIM-Signature" - 1:
        k = MA_DKIM_SIG_DKIM;
        break;
    case sizeof "ARC-Message-Signature" - 1:
        k = MA_DKIM_SIG_AMS;
        break;
    case sizeof "ARC-Seal" - 1:
        k = MA_DKIM_SIG_AS;
        break;
    default:
        return -1;
    }
    return ma__casecmp(name, len, sig_kind_names[k], len) == 0 ? k : -1;
}

const char *ma__dkim_sig_kind_name(ma_dkim_sig_kind kind)
{
    if ((unsigned)kind > MA_DKIM_SIG_AS)
        return NULL;
    return sig_kind_names[kind];
}

/* ------------------------------------------------------------------ tags */

static const struct {
    const char *name;
    ma_dkim_alg alg;
} sig_algs[] = {
    { "rsa-sha256", MA_DKIM_RSA_SHA256 },
    { "ed25519-sha256", MA_DKIM_ED25519_SHA256 },
    { "rsa-sha1", MA_DKIM_RSA_SHA1 },
};

static int sig_parse_a(ma_dkim_sig *sig, const ma_tag *t, ma_dkim_perr *err)
{
    size_t i;

    for (i = 0; i < sizeof sig_algs / sizeof sig_algs[0]; i++) {
        if (sig_eq(t->value, t->value_len, sig_algs[i].name)) {
            sig->alg = sig_algs[i].alg;
            return MA_OK;
        }
    }
    sig_fail(err, MA_DKIM_R_ALGORITHM, "a", sig_off(sig, t->value), "unknown algorithm \"%.*s\"",
             (int)(t->value_len > 40 ? 40 : t->value_len), t->value);
    return MA_ESYNTAX;
}

static bool sig_canon_name(const char *s, size_t len, ma_dkim_canon *out)
{
    if (sig_eq(s, len, "simple")) {
        *out = MA_DKIM_SIMPLE;
        return true;
    }
    if (sig_eq(s, len, "relaxed")) {
        *out = MA_DKIM_RELAXED;
        return true;
    }
    return false;
}

/* sig-c-tag-alg ["/" sig-c-tag-alg]: no FWS around the slash. */
static int sig_parse_c(ma_dkim_sig *sig, const ma_tag *t, ma_dkim_perr *err)
{
    const char *slash = memchr(t->value, '/', t->value_len);
    size_t hlen = slash ? (size_t)(slash - t->value) : t->value_len;

    sig->bcanon = MA_DKIM_SIMPLE;
    if (!sig_canon_name(t->value, hlen, &sig->hcanon)
        || (slash && !sig_canon_name(slash + 1, t->value_len - hlen - 1, &sig->bcanon))) {
        sig_fail(err, MA_DKIM_R_CANON, "c", sig_off(sig, t->value),
                 "unknown canonicalization \"%.*s\"",
                 (int)(t->value_len > 40 ? 40 : t->value_len), t->value);
        return MA_ESYNTAX;
    }
    return MA_OK;
}

static int sig_parse_d(ma_dkim_sig *sig, const ma_ctx *ctx, const ma_tag *t, ma_dkim_perr *err)
{
    int rc = sig_domain(&sig->domain, &sig->domain_len, ctx, t->value, t->value_len, 0);
    if (rc == MA_ESYNTAX)
        sig_fail(err, MA_DKIM_R_DOMAIN, "d", sig_off(sig, t->value),
                 "d= is not a valid domain name");
    return rc;
}

static int sig_parse_s(ma_dkim_sig *sig, const ma_ctx *ctx, const ma_tag *t, ma_dkim_perr *err)
{
    int rc = sig_domain(&sig->selector, &sig->selector_len, ctx, t->value, t->value_len,
                        MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ALLOW_SINGLE_LABEL);
    if (rc == MA_ESYNTAX)
        sig_fail(err, MA_DKIM_R_DOMAIN, "s", sig_off(sig, t->value),
                 "s= is not a valid selector");
    return rc;
}

static int sig_hexval(int c)
{
    if (ma__is_digit(c))
        return c - '0';
    c = ma__lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*
 * DKIM i= (RFC 6376 3.5): dkim-quoted-printable (2.11: FWS is dropped,
 * "=" 2HEXDIG is an octet) of [Local-part] "@" domain-name.  The last '@'
 * splits the two (a quoted local part may hold '@'); the local part may be
 * empty but may not hold control characters once decoded.
 */
static int sig_parse_auid(ma_dkim_sig *sig, const ma_ctx *ctx, const ma_tag *t, ma_dkim_perr *err)
{
    const char *v = t->value;
    int64_t voff = sig_off(sig, v);
    char *dec;
    size_t i, n = 0, at;
    int rc;

    dec = ma__alloc(ctx, t->value_len + 1);
    if (dec == NULL)
        return MA_ENOMEM;
    for (i = 0; i < t->value_len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (sig_is_fws_byte(c))
            continue;
        if (c == '=') {
            int hi = i + 2 < t->value_len ? sig_hexval((unsigned char)v[i + 1]) : -1;
            int lo = hi >= 0 ? sig_hexval((unsigned char)v[i + 2]) : -1;
            if (lo < 0) {
                sig_fail(err, MA_DKIM_R_IDENTITY, "i", voff + (int64_t)i,
                         "i= has a bad quoted-printable escape");
                goto fail;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f) {
            sig_fail(err, MA_DKIM_R_IDENTITY, "i", voff + (int64_t)i,
                     "i= has a control character (0x%02x)", c);
            goto fail;
        }
        dec[n++] = (char)c;
    }
    dec[n] = '\0';
    for (at = n; at > 0 && dec[at - 1] != '@'; at--)
        ;
    if (at == 0) {
        sig_fail(err, MA_DKIM_R_IDENTITY, "i", voff, "i= has no '@'");
        goto fail;
    }
    rc = sig_domain(&sig->auid_domain, &sig->auid_domain_len, ctx, dec + at, n - at, 0);
    if (rc != MA_OK) {
        if (rc == MA_ESYNTAX)
            sig_fail(err, MA_DKIM_R_IDENTITY, "i", voff, "i= has no valid domain name");
        ma__free(ctx, dec);
        return rc;
    }
    /* RFC 6376 3.5 and 6.1.1: the domain of i= is d= or a subdomain of it. */
    if (!ma_domain_is_within(sig->auid_domain, sig->auid_domain_len, sig->domain,
                             sig->domain_len)) {
        sig_fail(err, MA_DKIM_R_IDENTITY, "i", voff, "i= domain %s is not within d=%s",
                 sig->auid_domain, sig->domain);
        goto fail;
    }
    dec[at - 1] = '\0';
    sig->auid_local = dec;
    sig->auid_local_len = at - 1;
    sig->has_auid = 1;
    return MA_OK;

fail:
    ma__free(ctx, dec);
    return MA_ESYNTAX;
}

/* ARC i= (RFC 8617 3.9: position = 1*2DIGIT, 1 to 50). */
static int sig_parse_instance(ma_dkim_sig *sig, const ma_tag *t, ma_dkim_perr *err)
{
    uint64_t v = 0;
    bool ovf;

    if (!sig_digits(t->value, t->value_len, 2, &v, &ovf) || v < 1 || v > MA_ARC_MAX_INSTANCE) {
        sig_fail(err, MA_DKIM_R_IDENTITY, "i", sig_off(sig, t->value),
                 "i= is not an ARC instance from 1 to %d", MA_ARC_MAX_INSTANCE);
        return MA_ESYNTAX;
    }
    sig->instance = (unsigned int)v;
    return MA_OK;
}

/* sig-h-tag = hdr-name *( [FWS] ":" [FWS] hdr-name ) */
static int sig_parse_h(ma_dkim_sig *sig, const ma_ctx *ctx, const ma_tag *t, ma_dkim_perr *err)
{
    const char *el;
    size_t n = 1, i, pos = 0, el_len, k = 0;
    bool from = false;

    if (t->value_len == 0) {
        sig_fail(err, MA_DKIM_R_SYNTAX, "h", sig_off(sig, t->value), "h= is empty");
        return MA_ESYNTAX;
    }
    for (i = 0; i < t->value_len; i++)
        if (t->value[i] == ':')
            n++;
    sig->headers = ma__calloc(ctx, n, sizeof *sig->headers);
    if (sig->headers == NULL)
        return MA_ENOMEM;
    while (sig_list_next(t->value, t->value_len, &pos, &el, &el_len)) {
        if (el_len == 0) {
            sig_fail(err, MA_DKIM_R_SYNTAX, "h", sig_off(sig, el), "h= has an empty name");
            return MA_ESYNTAX;
        }
        for (i = 0; i < el_len; i++) {
            if (!sig_is_ftext((unsigned char)el[i])) {
                sig_fail(err, MA_DKIM_R_SYNTAX, "h", sig_off(sig, el + i),
                         "h= has an invalid header field name");
                return MA_ESYNTAX;
            }
        }
        if (sig_eq(el, el_len, "from"))
            from = true;
        sig->headers[k].p = el;
        sig->headers[k].len = el_len;
        k++;
    }
    /* RFC 6376 5.4 and 6.1.1: From MUST be signed; an AMS has "the same
       syntax and semantics" (RFC 8617 4.1.2). */
    if (!from) {
        sig_fail(err, MA_DKIM_R_NO_FROM, "h", sig_off(sig, t->value), "h= does not list From");
        return MA_ESYNTAX;
    }
    sig->nheaders = k;
    return MA_OK;
}

static int sig_parse_bh(ma_dkim_sig *sig, const ma_ctx *ctx, const ma_tag *t, ma_dkim_perr *err)
{
    size_t want = sig->alg == MA_DKIM_RSA_SHA1 ? 20 : 32;
    int rc = sig_base64(&sig->bh, &sig->bh_len, ctx, t->value, t->value_len);

    if (rc == MA_ENOMEM)
        return rc;
    if (rc != MA_OK) {
        sig_fail(err, MA_DKIM_R_BAD_LENGTH, "bh", sig_off(sig, t->value),
                 t->value_len ? "bh= is not valid base64" : "bh= is empty");
        return MA_ESYNTAX;
    }
    if (sig->bh_len != want) {
        sig_fail(err, MA_DKIM_R_BAD_LENGTH, "bh", sig_off(sig, t->value),
                 "bh= is %zu bytes, not %zu", sig->bh_len, want);
        ma__free(ctx, sig->bh);
        sig->bh = NULL;
        sig->bh_len = 0;
        return MA_ESYNTAX;
    }
    return MA_OK;
}

static int sig_parse_b(ma_dkim_sig *sig, const ma_ctx *ctx, const ma_tag *t, ma_dkim_perr *err)
{
    int rc = sig_base64(&sig->b, &sig->b_len, ctx, t->value, t->value_len);

    if (rc == MA_ENOMEM)
        return rc;
    if (rc != MA_OK) {
        sig_fail(err, MA_DKIM_R_BAD_LENGTH, "b", sig_off(sig, t->value),
                 t->value_len ? "b= is not valid base64" : "b= is empty");
        return MA_ESYNTAX;
    }
    sig->b_text.p = t->value;
    sig->b_text.len = t->value_len;
    return MA_OK;
}

static int sig_parse_l(ma_dkim_sig *sig, const ma_tag *t, ma_dkim_perr *err)
{
    bool ovf;

    if (!sig_digits(t->value, t->value_len, MA_DKIM_L_MAX_DIGITS, &sig->l, &ovf)) {
        sig_fail(err, MA_DKIM_R_SYNTAX, "l", sig_off(sig, t->value),
                 "l= is not 1 to %d digits", MA_DKIM_L_MAX_DIGITS);
        return MA_ESYNTAX;
    }
    if (ovf) {
        /* No body is that long: the signature can never verify. */
        sig_fail(err, MA_DKIM_R_BODY_LENGTH, "l", sig_off(sig, t->value), "l= is too large");
        return MA_ESYNTAX;
    }
    sig->has_l = 1;
    return MA_OK;
}

/* sig-q-tag-method *([FWS] ":" [FWS] sig-q-tag-method); only dns/txt is known. */
static int sig_parse_q(ma_dkim_sig *sig, const ma_tag *t, ma_dkim_perr *err)
{
    const char *el;
    size_t pos = 0, el_len;

    sig->q_dns_txt = 0;
    if (t->value_len == 0) {
        sig_fail(err, MA_DKIM_R_SYNTAX, "q", sig_off(sig, t->value), "q= is empty");
        return MA_ESYNTAX;
    }
    while (sig_list_next(t->value, t->value_len, &pos, &el, &el_len)) {
        if (el_len == 0) {
            sig_fail(err, MA_DKIM_R_SYNTAX, "q", sig_off(sig, el), "q= has an empty method");
            return MA_ESYNTAX;
        }
        if (sig_eq(el, el_len, "dns/txt"))
            sig->q_dns_txt = 1;
    }
    return MA_OK;
}

static int sig_parse_time(ma_dkim_sig *sig, const ma_tag *t, const char *name, uint64_t *out,
                          int *has, ma_dkim_perr *err)
{
    bool ovf;

    if (!sig_digits(t->value, t->value_len, MA_DKIM_TIME_MAX_DIGITS, out, &ovf)) {
        sig_fail(err, MA_DKIM_R_SYNTAX, name, sig_off(sig, t->value),
                 "%s= is not 1 to %d digits", name, MA_DKIM_TIME_MAX_DIGITS);
        return MA_ESYNTAX;
    }
    *has = 1;
    return MA_OK;
}

static int sig_parse_cv(ma_dkim_sig *sig, const ma_tag *t, ma_dkim_perr *err)
{
    if (sig_eq(t->value, t->value_len, "none"))
        sig->cv = MA_DKIM_CV_NONE;
    else if (sig_eq(t->value, t->value_len, "pass"))
        sig->cv = MA_DKIM_CV_PASS;
    else if (sig_eq(t->value, t->value_len, "fail"))
        sig->cv = MA_DKIM_CV_FAIL;
    else {
        sig_fail(err, MA_DKIM_R_SYNTAX, "cv", sig_off(sig, t->value),
                 "cv= is not none, pass or fail");
        return MA_ESYNTAX;
    }
    return MA_OK;
}

/* ------------------------------------------------------------------ parse */

static const char *const sig_required[][8] = {
    [MA_DKIM_SIG_DKIM] = { "v", "a", "b", "bh", "d", "h", "s", NULL },
    [MA_DKIM_SIG_AMS] = { "i", "a", "b", "bh", "d", "h", "s", NULL },
    [MA_DKIM_SIG_AS] = { "i", "a", "b", "cv", "d", "s", NULL },
};

static void sig_release(ma_dkim_sig *sig, const ma_ctx *ctx)
{
    ma__free(ctx, sig->text);
    ma__free(ctx, sig->domain);
    ma__free(ctx, sig->selector);
    ma__free(ctx, sig->auid_local);
    ma__free(ctx, sig->auid_domain);
    ma__free(ctx, sig->headers);
    ma__free(ctx, sig->bh);
    ma__free(ctx, sig->b);
    memset(sig, 0, sizeof *sig);
}

void ma__dkim_sig_free(ma_dkim_sig *sig, const ma_ctx *ctx)
{
    if (sig == NULL || ctx == NULL)
        return;
    sig_release(sig, ctx);
}

/*
 * The tags of a parsed list by name, looked up without a scan: the DKIM and
 * ARC tags are one lower-case letter, but for bh= and cv=.  The first tag of
 * a name counts, as in ma__taglist_get().
 */
typedef struct sig_tags {
    const ma_taglist *tl;
    const ma_tag *by[28]; /* a..z, bh, cv */
} sig_tags;

static void sig_tags_index(sig_tags *x, const ma_taglist *tl)
{
    size_t i;

    memset(x, 0, sizeof *x);
    x->tl = tl;
    for (i = 0; i < tl->count; i++) {
        const ma_tag *t = &tl->tags[i];
        int slot = -1;
        if (t->name_len == 1 && t->name[0] >= 'a' && t->name[0] <= 'z')
            slot = t->name[0] - 'a';
        else if (t->name_len == 2 && t->name[0] == 'b' && t->name[1] == 'h')
            slot = 26;
        else if (t->name_len == 2 && t->name[0] == 'c' && t->name[1] == 'v')
            slot = 27;
        if (slot >= 0 && x->by[slot] == NULL)
            x->by[slot] = t;
    }
}

static const ma_tag *sig_tag(const sig_tags *x, const char *name)
{
    if (name[0] >= 'a' && name[0] <= 'z' && name[1] == '\0')
        return x->by[name[0] - 'a'];
    if (strcmp(name, "bh") == 0)
        return x->by[26];
    if (strcmp(name, "cv") == 0)
        return x->by[27];
    return ma__taglist_get(x->tl, name);
}

/* The checks after the tag-list syntax, in the documented order. */
static int sig_check(ma_dkim_sig *sig, const ma_ctx *ctx, const sig_tags *tl,
                     ma_dkim_perr *err)
{
    ma_dkim_sig_kind kind = sig->kind;
    const ma_tag *t;
    size_t i;
    int rc;

    /* v= first: a different version may have different tags (6.1.1). */
    if (kind == MA_DKIM_SIG_DKIM && (t = sig_tag(tl, "v")) != NULL) {
        if (t->value_len != 1 || t->value[0] != '1') {
            sig_fail(err, MA_DKIM_R_VERSION, "v", sig_off(sig, t->value),
                     "unsupported version \"%.*s\"",
                     (int)(t->value_len > 20 ? 20 : t->value_len), t->value);
            return MA_ESYNTAX;
        }
        sig->version = 1;
    }
    /* d= and s= before the required-tag check, so that they are known for
       reporting even when another tag is missing. */
    if ((t = sig_tag(tl, "d")) != NULL && (rc = sig_parse_d(sig, ctx, t, err)) != MA_OK)
        return rc;
    if ((t = sig_tag(tl, "s")) != NULL && (rc = sig_parse_s(sig, ctx, t, err)) != MA_OK)
        return rc;
    for (i = 0; sig_required[kind][i] != NULL; i++) {
        if (sig_tag(tl, sig_required[kind][i]) == NULL) {
            sig_fail(err, MA_DKIM_R_MISSING_TAG, sig_required[kind][i], -1,
                     "required tag %s= is missing", sig_required[kind][i]);
            return MA_ESYNTAX;
        }
    }
    if (sig->selector_len + MA_DKIM_KEY_LABEL_LEN + sig->domain_len > MA_DKIM_NAME_MAX) {
        sig_fail(err, MA_DKIM_R_DOMAIN, "s", sig_off(sig, sig_tag(tl, "s")->value),
                 "the key name %s" MA_DKIM_KEY_LABEL "%s is longer than %d octets",
                 sig->selector, sig->domain, MA_DKIM_NAME_MAX);
        return MA_ESYNTAX;
    }

    if ((rc = sig_parse_a(sig, sig_tag(tl, "a"), err)) != MA_OK)
        return rc;

    sig->hcanon = sig->bcanon = MA_DKIM_SIMPLE;
    if (kind == MA_DKIM_SIG_AS) {
        /* RFC 8617 4.1.3: only relaxed header canonicalization; no body. */
        sig->hcanon = sig->bcanon = MA_DKIM_RELAXED;
    } else if ((t = sig_tag(tl, "c")) != NULL && (rc = sig_parse_c(sig, t, err)) != MA_OK) {
        return rc;
    }

    t = sig_tag(tl, "i");
    if (kind == MA_DKIM_SIG_DKIM) {
        if (t != NULL) {
            if ((rc = sig_parse_auid(sig, ctx, t, err)) != MA_OK)
                return rc;
        } else {
            /* 6.1.1: no i= behaves as "@d". */
            sig->auid_local = ma__strndup(ctx, "", 0);
            sig->auid_domain = ma__strndup(ctx, sig->domain, sig->domain_len);
            if (sig->auid_local == NULL || sig->auid_domain == NULL)
                return MA_ENOMEM;
            sig->auid_domain_len = sig->domain_len;
        }
    } else if ((rc = sig_parse_instance(sig, t, err)) != MA_OK) {
        return rc;
    }

    t = sig_tag(tl, "h");
    if (kind == MA_DKIM_SIG_AS) {
        if (t != NULL) {
            /* RFC 8617 4.1.3: h= "is NOT allowed and, if found, MUST result
               in a cv status of fail". */
            sig_fail(err, MA_DKIM_R_SYNTAX, "h", sig_off(sig, t->value),
                     "h= is not allowed in an ARC-Seal");
            return MA_ESYNTAX;
        }
    } else if ((rc = sig_parse_h(sig, ctx, t, err)) != MA_OK) {
        return rc;
    }

    if (kind != MA_DKIM_SIG_AS
        && (rc = sig_parse_bh(sig, ctx, sig_tag(tl, "bh"), err)) != MA_OK)
        return rc;
    if ((rc = sig_parse_b(sig, ctx, sig_tag(tl, "b"), err)) != MA_OK)
        return rc;

    sig->q_dns_txt = 1;
    if (kind != MA_DKIM_SIG_AS) {
        if ((t = sig_tag(tl, "l")) != NULL && (rc = sig_parse_l(sig, t, err)) != MA_OK)
            return rc;
        if ((t = sig_tag(tl, "q")) != NULL && (rc = sig_parse_q(sig, t, err)) != MA_OK)
            return rc;
    }
    if ((t = sig_tag(tl, "t")) != NULL
        && (rc = sig_parse_time(sig, t, "t", &sig->t, &sig->has_t, err)) != MA_OK)
        return rc;
    if (kind != MA_DKIM_SIG_AS && (t = sig_tag(tl, "x")) != NULL) {
        if ((rc = sig_parse_time(sig, t, "x", &sig->x, &sig->has_x, err)) != MA_OK)
            return rc;
        /* 3.5: "The value of the x= tag MUST be greater than the value of
           the t= tag if both are present." */
        if (sig->has_t && sig->x <= sig->t) {
            sig_fail(err, MA_DKIM_R_TIMESTAMPS, "x", sig_off(sig, t->value),
                     "x=%llu is not after t=%llu", (unsigned long long)sig->x,
                     (unsigned long long)sig->t);
            return MA_ESYNTAX;
        }
    }
    if (kind == MA_DKIM_SIG_AS && (rc = sig_parse_cv(sig, sig_tag(tl, "cv"), err)) != MA_OK)
        return rc;
    return MA_OK;
}

/* Keep what was filled in before the fault, but nothing half-made. */
static void sig_partial(ma_dkim_sig *sig, const ma_ctx *ctx)
{
    if (sig->nheaders == 0) {
        ma__free(ctx, sig->headers);
        sig->headers = NULL;
    }
    if (sig->auid_local == NULL || sig->auid_domain == NULL) {
        ma__free(ctx, sig->auid_local);
        ma__free(ctx, sig->auid_domain);
        sig->auid_local = sig->auid_domain = NULL;
        sig->auid_local_len = sig->auid_domain_len = 0;
        sig->has_auid = 0;
    }
}

/*
 * After a refusal, d=, s= and a= that are themselves valid are still filled
 * in (best effort, errors ignored), so that a verdict on, say, a v=0.5
 * signature can name the domain for Authentication-Results.
 */
static void sig_report_fill(ma_dkim_sig *sig, const ma_ctx *ctx, const sig_tags *tl)
{
    ma_dkim_perr scratch;
    const ma_tag *t;
    if (sig->domain == NULL && (t = sig_tag(tl, "d")) != NULL &&
        sig_parse_d(sig, ctx, t, &scratch) != MA_OK) {
        ma__free(ctx, sig->domain);
        sig->domain = NULL;
        sig->domain_len = 0;
    }
    if (sig->selector == NULL && (t = sig_tag(tl, "s")) != NULL &&
        sig_parse_s(sig, ctx, t, &scratch) != MA_OK) {
        ma__free(ctx, sig->selector);
        sig->selector = NULL;
        sig->selector_len = 0;
    }
    if (sig->alg == MA_DKIM_ALG_UNKNOWN && (t = sig_tag(tl, "a")) != NULL &&
        sig_parse_a(sig, t, &scratch) != MA_OK)
        sig->alg = MA_DKIM_ALG_UNKNOWN;
}

int ma__dkim_sig_parse(ma_dkim_sig *sig, const ma_ctx *ctx, ma_dkim_sig_kind kind,
                       const char *value, size_t len, ma_dkim_perr *err)
{
    ma_dkim_perr dummy;
    ma_taglist tl = { 0 };
    int rc;

    if (err == NULL)
        err = &dummy;
    ma__dkim_perr_clear(err);
    if (sig != NULL)
        memset(sig, 0, sizeof *sig);
    if (sig == NULL || ctx == NULL || (value == NULL && len > 0) || (unsigned)kind > MA_DKIM_SIG_AS
        || len == SIZE_MAX) {
        ma__err_set(&err->e, -1, "invalid argument");
        return MA_EINVAL;
    }
    sig->kind = kind;
    sig->text = ma__strndup(ctx, len ? value : "", len);
    if (sig->text == NULL)
        return MA_ENOMEM;
    sig->text_len = len;

    rc = ma__taglist_parse(&tl, ctx, sig->text, len, 0, &err->e);
    if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        /* A list that is not a tag-list, a duplicate tag (3.2: "MUST be
           interpreted as a syntax error"), or more tags than anyone needs. */
        err->reason = MA_DKIM_R_SYNTAX;
        ma__dkim_perr_tag_at(err, sig->text, len, err->e.offset);
        rc = MA_ESYNTAX;
    } else if (rc == MA_OK) {
        sig_tags tags;
        sig_tags_index(&tags, &tl);
        rc = sig_check(sig, ctx, &tags, err);
        if (rc == MA_ESYNTAX)
            sig_report_fill(sig, ctx, &tags);
    }
    ma__taglist_free(&tl, ctx);
    if (rc == MA_ESYNTAX) {
        sig_partial(sig, ctx);
    } else if (rc != MA_OK) {
        sig_release(sig, ctx);
        ma__dkim_perr_clear(err);
        ma__err_set(&err->e, -1, "%s", ma_status_str(rc));
    }
    return rc;
}

int ma__dkim_sig_signs(const ma_dkim_sig *sig, const char *name)
{
    size_t i, n;

    if (sig == NULL || name == NULL)
        return 0;
    n = strlen(name);
    for (i = 0; i < sig->nheaders; i++)
        if (ma__casecmp(sig->headers[i].p, sig->headers[i].len, name, n) == 0)
            return 1;
    return 0;
}

int ma__dkim_sig_key_name(ma_buf *out, const ma_dkim_sig *sig)
{
    int rc;

    if (out == NULL || sig == NULL || sig->selector == NULL || sig->domain == NULL)
        return MA_EINVAL;
    rc = ma__buf_reserve(out, sig->selector_len + MA_DKIM_KEY_LABEL_LEN + sig->domain_len);
    if (rc != MA_OK)
        return rc;
    ma__buf_append(out, sig->selector, sig->selector_len);
    ma__buf_append(out, MA_DKIM_KEY_LABEL, MA_DKIM_KEY_LABEL_LEN);
    ma__buf_append(out, sig->domain, sig->domain_len);
    return MA_OK;
}

/* ------------------------------------------------------------------ strip b= */

int ma__dkim_strip_b(ma_buf *out, const ma_ctx *ctx, const char *raw, size_t len)
{
    ma_taglist tl = { 0 };
    ma_errbuf e;
    const ma_tag *t;
    const char *colon;
    size_t vstart, voff, vend;
    int rc;

    if (out == NULL || ctx == NULL || (raw == NULL && len > 0))
        return MA_EINVAL;
    colon = len ? memchr(raw, ':', len) : NULL;
    if (colon == NULL)
        return MA_ESYNTAX;
    vstart = (size_t)(colon - raw) + 1;
    rc = ma__taglist_parse(&tl, ctx, raw + vstart, len - vstart, 0, &e);
    if (rc != MA_OK) {
        ma__taglist_free(&tl, ctx);
        return rc;
    }
    t = ma__taglist_get(&tl, "b");
    if (t == NULL) {
        ma__taglist_free(&tl, ctx);
        return MA_ENOTFOUND;
    }
    /* The tag-value (3.2: tag-spec = [FWS] tag-name [FWS] "=" [FWS]
       tag-value [FWS]) is exactly what goes: the FWS around it stays. */
    voff = (size_t)(t->value - raw);
    vend = voff + t->value_len;
    ma__taglist_free(&tl, ctx);
    rc = ma__buf_reserve(out, len - (vend - voff));
    if (rc != MA_OK)
        return rc;
    ma__buf_append(out, raw, voff);
    ma__buf_append(out, raw + vend, len - vend);
    return MA_OK;
}

/* ------------------------------------------------------------ header selection */

/* The slot of a name: its length and its first, second and last bytes
   (lower-cased), which tell the usual header names apart; a clash costs a
   probe and a compare.  h= may name any field, so the table is open
   addressed and never assumes a perfect hash. */
static size_t sel_hash(const char *s, size_t len)
{
    uint32_t h = (uint32_t)len * 0x9e3779b1u;
    if (len > 0) {
        h ^= (uint32_t)ma__lower((unsigned char)s[0]) * 0x85ebca6bu;
        h ^= (uint32_t)ma__lower((unsigned char)s[len - 1]) * 0xc2b2ae35u;
        h ^= (uint32_t)ma__lower((unsigned char)s[len > 1]) * 0x27d4eb2fu;
    }
    return h ^ (h >> 15);
}

/* The group of a name: the index of the first h= entry with that name, or SIZE_MAX. */
static size_t sel_find(const size_t *slots, size_t mask, const ma_dkim_span *names,
                       const char *s, size_t len)
{
    size_t h = sel_hash(s, len) & mask;
    while (slots[h] != 0) {
        const ma_dkim_span *o = &names[slots[h] - 1];
        if (ma__casecmp(o->p, o->len, s, len) == 0)
            return slots[h] - 1;
        h = (h + 1) & mask;
    }
    return SIZE_MAX;
}

int ma__dkim_select_headers(long *idx, ma_dkim_hsel *info, const ma_ctx *ctx, const ma_msg *msg,
                            const ma_dkim_span *names, size_t n)
{
    size_t nf, nslots = 16, mask, i, total, from_g;
    size_t *mem, *slots, *group, *rank, *gentries, *gfields, *gstart, *ffill, *fld, *fgroup;
    ma_dkim_hsel dummy;

    if (info == NULL)
        info = &dummy;
    info->from_covered = info->extra = info->from_extra = 0;
    info->first_extra = -1;
    if (ctx == NULL || msg == NULL || (n > 0 && (idx == NULL || names == NULL)))
        return MA_EINVAL;
    nf = ma_msg_field_count(msg);
    if (n == 0)
        return MA_OK;
    if (n > SIZE_MAX / 16 || nf > SIZE_MAX / 16)
        return MA_ENOMEM;
    while (nslots < 2 * n)
        nslots *= 2;
    mask = nslots - 1;
    /* slots | per entry: group, rank | per group (indexed by its first
       entry): entries, fields, start, fill | per matched field: index |
       per field: its group */
    total = nslots + 6 * n + 2 * nf;
    if (total < nslots)
        return MA_ENOMEM;
    mem = ma__calloc(ctx, total, sizeof *mem);
    if (mem == NULL)
        return MA_ENOMEM;
    slots = mem;
    group = slots + nslots;
    rank = group + n;
    gentries = rank + n;
    gfields = gentries + n;
    gstart = gfields + n;
    ffill = gstart + n;
    fld = ffill + n;
    fgroup = fld + nf;

    /* Group the h= entries by name; rank = how many earlier entries share it. */
    for (i = 0; i < n; i++) {
        size_t g = sel_find(slots, mask, names, names[i].p, names[i].len);
        if (g == SIZE_MAX) {
            size_t h = sel_hash(names[i].p, names[i].len) & mask;
            while (slots[h] != 0)
                h = (h + 1) & mask;
            slots[h] = i + 1;
            g = i;
        }
        group[i] = g;
        rank[i] = gentries[g]++;
    }
    /* Count the fields of each group (noting each field's group), then lay
       them out bottom-up. */
    for (i = 0; i < nf; i++) {
        const char *name;
        size_t name_len, g = SIZE_MAX;
        if (ma_msg_field(msg, i, &name, &name_len, NULL, NULL) == MA_OK)
            g = sel_find(slots, mask, names, name, name_len);
        fgroup[i] = g;
        if (g != SIZE_MAX)
            gfields[g]++;
    }
    total = 0;
    for (i = 0; i < n; i++) {
        gstart[i] = total;
        total += gfields[i];
    }
    for (i = nf; i-- > 0;) {
        size_t g = fgroup[i];
        if (g != SIZE_MAX)
            fld[gstart[g] + ffill[g]++] = i;
    }

    for (i = 0; i < n; i++) {
        size_t g = group[i];
        idx[i] = rank[i] < gfields[g] ? (long)fld[gstart[g] + rank[i]] : -1;
    }
    /* Fields left over are the topmost ones of their name (the fill ran
       bottom-up): the last of each group is the highest in the header. */
    for (i = 0; i < n; i++) {
        if (group[i] == i && gfields[i] > gentries[i]) {
            long top = (long)fld[gstart[i] + gfields[i] - 1];
            info->extra = 1;
            if (info->first_extra < 0 || top < info->first_extra)
                info->first_extra = top;
        }
    }
    from_g = sel_find(slots, mask, names, "from", 4);
    if (from_g != SIZE_MAX) {
        info->from_covered = gfields[from_g] > 0;
        info->from_extra = gfields[from_g] > gentries[from_g];
    }
    ma__free(ctx, mem);
    return MA_OK;
}
