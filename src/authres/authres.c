/*
 * Authentication-Results (RFC 8601): parser, builder, writer, selection.
 *
 * The parser follows the RFC 8601 2.2 grammar in one left-to-right pass
 * (linear in the input; no backtracking beyond one keyword), with CFWS as
 * RFC 5322 3.2.2 defines it (comments nest, quoted-pairs inside them,
 * folding is CRLF followed by WSP).  See authres.h for what is tolerated
 * beyond the grammar and why.
 */
#include "config.h"

#include <string.h>

#include "authres/authres_int.h"

/* ------------------------------------------------------------------ object */

ma_authres *ma__authres_alloc(ma_ctx *ctx)
{
    ma_authres *ar = ma__calloc(ctx, 1, sizeof(*ar));
    if (ar == NULL)
        return NULL;
    ar->ctx = ctx;
    ma__buf_init(&ar->strs, ctx);
    ar->max_results = (size_t)ma__limit(ctx, MA_LIMIT_AUTHRES_RESULTS);
    ar->max_props = (size_t)ma__limit(ctx, MA_LIMIT_AUTHRES_PROPS);
    ar->max_value = (size_t)ma__limit(ctx, MA_LIMIT_AUTHRES_VALUE_BYTES);
    return ar;
}

void ma_authres_free(ma_authres *ar)
{
    if (ar == NULL)
        return;
    ma__buf_free(&ar->strs);
    ma__free(ar->ctx, ar->res);
    ma__free(ar->ctx, ar->props);
    ma__free(ar->ctx, ar);
}

/* Store len bytes plus a NUL; *off receives the offset. */
static int str_add(ma_authres *ar, const char *s, size_t len, size_t *off)
{
    int rc;
    *off = ar->strs.len;
    rc = ma__buf_append(&ar->strs, s, len);
    if (rc == MA_OK)
        rc = ma__buf_putc(&ar->strs, '\0');
    return rc;
}

static const char *str_at(const ma_authres *ar, size_t off)
{
    return ar->strs.data + off;
}

static int res_push(ma_authres *ar)
{
    ma_authres_res_rec *r;
    if (ar->nres >= ar->max_results)
        return MA_ELIMIT;
    if (ar->nres == ar->capres) {
        size_t cap = ar->capres ? ar->capres * 2 : 4;
        ma_authres_res_rec *n;
        if (cap > ar->max_results)
            cap = ar->max_results;
        n = ma__realloc(ar->ctx, ar->res, cap * sizeof(*n));
        if (n == NULL)
            return MA_ENOMEM;
        ar->res = n;
        ar->capres = cap;
    }
    r = &ar->res[ar->nres++];
    memset(r, 0, sizeof(*r));
    r->first_prop = ar->nprops;
    return MA_OK;
}

static int prop_push(ma_authres *ar, size_t ptype, size_t property, size_t value)
{
    ma_authres_res_rec *r = &ar->res[ar->nres - 1];
    if (r->nprops >= ar->max_props)
        return MA_ELIMIT;
    if (ar->nprops == ar->capprops) {
        size_t cap = ar->capprops ? ar->capprops * 2 : 8;
        ma_authres_prop_rec *n = ma__realloc(ar->ctx, ar->props, cap * sizeof(*n));
        if (n == NULL)
            return MA_ENOMEM;
        ar->props = n;
        ar->capprops = cap;
    }
    ar->props[ar->nprops].ptype = ptype;
    ar->props[ar->nprops].property = property;
    ar->props[ar->nprops].value = value;
    ar->nprops++;
    r->nprops++;
    return MA_OK;
}

/* ------------------------------------------------------------- characters */

static int is_kwchar(int c)
{
    return ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '_';
}

/* RFC 2045 5.1 token character: CHAR except SPACE, CTLs and tspecials. */
static int is_tokchar(int c)
{
    if (c <= 0x20 || c >= 0x7f)
        return 0;
    return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A bare property value or reason, as real MTAs write them: any visible
   byte (and UTF-8, RFC 6531 local-parts) except those that end or open
   another construct. */
static int is_barechar(int c)
{
    if (c < 0x80 && (c <= 0x20 || c == 0x7f))
        return 0;
    return c != '(' && c != ')' && c != ';' && c != '"' && c != '\\';
}

/* ------------------------------------------------------------------ parser */

typedef struct parser {
    ma_authres *ar;
    const unsigned char *s;
    size_t len;
    size_t pos;
    size_t err_off;
    const char *err_what;
} parser;

static int fail(parser *p, int rc, size_t off, const char *what)
{
    p->err_off = off;
    p->err_what = what;
    return rc;
}

/* Folding at pos: CRLF or bare LF followed by WSP; returns its length
   without the WSP, 0 when there is none. */
static size_t fold_at(const parser *p, size_t pos)
{
    if (pos + 2 < p->len && p->s[pos] == '\r' && p->s[pos + 1] == '\n'
        && ma__is_wsp(p->s[pos + 2]))
        return 2;
    if (pos + 1 < p->len && p->s[pos] == '\n' && ma__is_wsp(p->s[pos + 1]))
        return 1;
    return 0;
}

/* [CFWS] (RFC 5322 3.2.2); a line end at the very end of input counts as
   the field's final CRLF. */
static int skip_cfws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        size_t f;
        if (ma__is_wsp(c)) {
            p->pos++;
        } else if ((f = fold_at(p, p->pos)) > 0) {
            p->pos += f;
        } else if ((c == '\r' && p->pos + 2 == p->len && p->s[p->pos + 1] == '\n')
                   || (c == '\n' && p->pos + 1 == p->len)) {
            p->pos = p->len;
        } else if (c == '(') {
            size_t start = p->pos, depth = 1;
            p->pos++;
            while (depth > 0) {
                if (p->pos >= p->len)
                    return fail(p, MA_ESYNTAX, start, "unterminated comment");
                c = p->s[p->pos];
                if (c == '\\') {
                    if (p->pos + 1 >= p->len || p->s[p->pos + 1] == '\r'
                        || p->s[p->pos + 1] == '\n' || p->s[p->pos + 1] == '\0')
                        return fail(p, MA_ESYNTAX, p->pos, "bad quoted-pair in comment");
                    p->pos += 2;
                    continue;
                }
                if (c == '\r' || c == '\n') {
                    f = fold_at(p, p->pos);
                    if (f == 0)
                        return fail(p, MA_ESYNTAX, p->pos, "line break in comment");
                    p->pos += f;
                    continue;
                }
                if (c == '\0')
                    return fail(p, MA_ESYNTAX, p->pos, "NUL in comment");
                if (c == '(')
                    depth++;
                else if (c == ')')
                    depth--;
                p->pos++;
            }
        } else {
            break;
        }
    }
    return MA_OK;
}

/* A Keyword, stored lower-cased; *off receives its offset, *n its length
   (0 when there is none). */
static int read_keyword(parser *p, size_t *off, size_t *n)
{
    size_t start = p->pos, i;
    int rc;
    while (p->pos < p->len && is_kwchar(p->s[p->pos]))
        p->pos++;
    *n = p->pos - start;
    if (*n == 0)
        return MA_OK;
    if (*n > p->ar->max_value)
        return fail(p, MA_ELIMIT, start, "keyword too long");
    *off = p->ar->strs.len;
    rc = ma__buf_reserve(&p->ar->strs, *n + 1);
    if (rc != MA_OK)
        return rc;
    for (i = start; i < p->pos; i++)
        p->ar->strs.data[p->ar->strs.len++] = (char)ma__lower(p->s[i]);
    p->ar->strs.data[p->ar->strs.len++] = '\0';
    p->ar->strs.data[p->ar->strs.len] = '\0';
    return MA_OK;
}

/*
 * A quoted-string (RFC 5322 3.2.4, UTF-8 allowed by RFC 6532) at pos.  With
 * decode, the content is appended without quotes and backslashes; without,
 * the text is appended as written, folding CRLFs removed.  *n counts the
 * bytes appended.
 */
static int read_quoted(parser *p, int decode, size_t *n)
{
    size_t start = p->pos;
    int rc;
    *n = 0;
    if (!decode) {
        if ((rc = ma__buf_putc(&p->ar->strs, '"')) != MA_OK)
            return rc;
        (*n)++;
    }
    p->pos++;
    for (;;) {
        unsigned char c;
        size_t f;
        if (p->pos >= p->len)
            return fail(p, MA_ESYNTAX, start, "unterminated quoted-string");
        c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            if (!decode) {
                if ((rc = ma__buf_putc(&p->ar->strs, '"')) != MA_OK)
                    return rc;
                (*n)++;
            }
            break;
        }
        if (c == '\\') {
            unsigned char d;
            if (p->pos + 1 >= p->len)
                return fail(p, MA_ESYNTAX, start, "unterminated quoted-string");
            d = p->s[p->pos + 1];
            if ((d < 0x20 && d != '\t') || d == 0x7f)
                return fail(p, MA_ESYNTAX, p->pos, "bad quoted-pair");
            if (!decode) {
                if ((rc = ma__buf_putc(&p->ar->strs, '\\')) != MA_OK)
                    return rc;
                (*n)++;
            }
            c = d;
            p->pos++;
        } else if (c == '\r' || c == '\n') {
            f = fold_at(p, p->pos);
            if (f == 0)
                return fail(p, MA_ESYNTAX, p->pos, "line break in quoted-string");
            p->pos += f;   /* the WSP that follows is kept */
            continue;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return fail(p, MA_ESYNTAX, p->pos, "control character in quoted-string");
        }
        if (*n >= p->ar->max_value + 2)
            return fail(p, MA_ELIMIT, start, "value too long");
        if ((rc = ma__buf_putc(&p->ar->strs, (char)c)) != MA_OK)
            return rc;
        (*n)++;
        p->pos++;
    }
    return MA_OK;
}

/* Append the run of bytes accepted by ok() at pos; *n is its length. */
static int read_run(parser *p, int (*ok)(int), size_t *n)
{
    size_t start = p->pos;
    while (p->pos < p->len && ok(p->s[p->pos])) {
        p->pos++;
        if (p->pos - start > p->ar->max_value)
            return fail(p, MA_ELIMIT, start, "value too long");
    }
    *n = p->pos - start;
    if (*n == 0)
        return MA_OK;
    return ma__buf_append(&p->ar->strs, p->s + start, *n);
}

/*
 * A value (RFC 2045 token, leniently extended as is_barechar() says, or a
 * quoted-string) or an address ([local-part] "@" domain-name).  With
 * allow_empty, nothing before ";" or the end gives "".  Stored NUL-ended
 * at *off.
 */
static int read_value(parser *p, size_t *off, int allow_empty, const char *missing)
{
    size_t start, n = 0, m;
    int rc;
    if ((rc = skip_cfws(p)) != MA_OK)
        return rc;
    start = p->pos;
    *off = p->ar->strs.len;
    if (p->pos < p->len && p->s[p->pos] == '"') {
        /* "local part"@domain keeps its quotes; a plain quoted-string is decoded */
        size_t save = p->pos, save_len = p->ar->strs.len;
        if ((rc = read_quoted(p, 1, &n)) != MA_OK)
            return rc;
        if (p->pos < p->len && p->s[p->pos] == '@') {
            p->pos = save;
            p->ar->strs.len = save_len;
            if ((rc = read_quoted(p, 0, &n)) != MA_OK)
                return rc;
            if ((rc = read_run(p, is_barechar, &m)) != MA_OK)
                return rc;
            n += m;
            if (m < 2)
                return fail(p, MA_ESYNTAX, p->pos, "missing domain after '@'");
        }
    } else if (p->pos < p->len && is_barechar(p->s[p->pos])) {
        if ((rc = read_run(p, is_barechar, &n)) != MA_OK)
            return rc;
    } else if (!allow_empty || (p->pos < p->len && p->s[p->pos] != ';')) {
        return fail(p, MA_ESYNTAX, start, missing);
    }
    if (n > p->ar->max_value)
        return fail(p, MA_ELIMIT, start, "value too long");
    return ma__buf_putc(&p->ar->strs, '\0');
}

/* 1*DIGIT, at most 9 of them. */
static int read_number(parser *p, unsigned long *v, const char *missing)
{
    size_t start = p->pos;
    *v = 0;
    while (p->pos < p->len && ma__is_digit(p->s[p->pos])) {
        if (p->pos - start >= 9)
            return fail(p, MA_ELIMIT, start, "version number too long");
        *v = *v * 10 + (unsigned long)(p->s[p->pos] - '0');
        p->pos++;
    }
    if (p->pos == start)
        return fail(p, MA_ESYNTAX, start, missing);
    return MA_OK;
}

static int at(const parser *p, char c)
{
    return p->pos < p->len && p->s[p->pos] == (unsigned char)c;
}

/* What follows "method=result": reasonspec and propspecs (RFC 8601 2.2). */
static int parse_resinfo_tail(parser *p)
{
    ma_authres *ar = p->ar;
    ma_authres_res_rec *r;
    int rc;
    for (;;) {
        size_t k, kn, kstart, pstart, prop, pn, val, empty;
        if ((rc = skip_cfws(p)) != MA_OK)
            return rc;
        if (p->pos >= p->len || at(p, ';'))
            return MA_OK;
        kstart = p->pos;
        if ((rc = read_keyword(p, &k, &kn)) != MA_OK)
            return rc;
        if (kn == 0)
            return fail(p, MA_ESYNTAX, kstart, "expected a property or ';'");
        if ((rc = skip_cfws(p)) != MA_OK)
            return rc;
        r = &ar->res[ar->nres - 1];
        if (at(p, '.')) {
            p->pos++;
            if ((rc = skip_cfws(p)) != MA_OK)
                return rc;
            pstart = p->pos;
            if ((rc = read_keyword(p, &prop, &pn)) != MA_OK)
                return rc;
            if (pn == 0)
                return fail(p, MA_ESYNTAX, pstart, "missing property after '.'");
            if ((rc = skip_cfws(p)) != MA_OK)
                return rc;
            if (!at(p, '='))
                return fail(p, MA_ESYNTAX, p->pos, "expected '=' after property");
            p->pos++;
            if ((rc = read_value(p, &val, 1, "missing property value")) != MA_OK)
                return rc;
            if (r->nprops >= p->ar->max_props)
                return fail(p, MA_ELIMIT, kstart, "too many properties");
            if ((rc = prop_push(ar, k, prop, val)) != MA_OK)
                return rc;
        } else if (at(p, '=')) {
            p->pos++;
            if (strcmp(str_at(ar, k), "reason") == 0) {
                /* reasonspec; accepted after properties too */
                if (r->has_reason)
                    return fail(p, MA_ESYNTAX, kstart, "second reason");
                if ((rc = read_value(p, &val, 0, "missing reason value")) != MA_OK)
                    return rc;
                r = &ar->res[ar->nres - 1];
                r->reason = val;
                r->has_reason = 1;
            } else {
                /* "word=value" without a ptype (Microsoft's action=none) */
                if ((rc = read_value(p, &val, 1, "missing property value")) != MA_OK)
                    return rc;
                if (r->nprops >= p->ar->max_props)
                    return fail(p, MA_ELIMIT, kstart, "too many properties");
                if ((rc = str_add(ar, "", 0, &empty)) != MA_OK)
                    return rc;
                if ((rc = prop_push(ar, empty, k, val)) != MA_OK)
                    return rc;
            }
        } else {
            return fail(p, MA_ESYNTAX, p->pos, "expected '.' or '=' after keyword");
        }
    }
}

int ma__authres_parse_into(ma_authres *ar, const char *in, size_t len, size_t *err_off,
                           const char **err_what)
{
    parser p;
    size_t start, n, kw, kn;
    int rc, none = 0;

    memset(&p, 0, sizeof(p));
    p.ar = ar;
    p.s = (const unsigned char *)in;
    p.len = len;
    p.err_what = "";
    /* the strings buffer always exists, so offsets resolve */
    if ((rc = ma__buf_reserve(&ar->strs, 64)) != MA_OK)
        goto out;

    /* authserv-id = value (RFC 8601 2.2, 2.5): a token or a quoted-string */
    if ((rc = skip_cfws(&p)) != MA_OK)
        goto out;
    start = p.pos;
    ar->authserv_id = ar->strs.len;
    if (at(&p, '"')) {
        if ((rc = read_quoted(&p, 1, &n)) != MA_OK)
            goto out;
        if (n > ar->max_value) {
            rc = fail(&p, MA_ELIMIT, start, "value too long");
            goto out;
        }
    } else {
        if ((rc = read_run(&p, is_tokchar, &n)) != MA_OK)
            goto out;
        if (n == 0) {
            rc = fail(&p, MA_ESYNTAX, start, "missing authserv-id");
            goto out;
        }
    }
    if ((rc = ma__buf_putc(&ar->strs, '\0')) != MA_OK)
        goto out;
    if ((rc = skip_cfws(&p)) != MA_OK)
        goto out;
    if (at(&p, '=') || at(&p, '/')) {
        /* "spf=pass ..." (Exchange Online): the first word is a method */
        rc = fail(&p, MA_ESYNTAX, start, "missing authserv-id (field starts with a result)");
        goto out;
    }
    ar->has_id = 1;

    /* [ CFWS authres-version ]; RFC 8601 2.6: stop at an unknown version */
    if (p.pos < p.len && ma__is_digit(p.s[p.pos])) {
        start = p.pos;
        if ((rc = read_number(&p, &ar->version, "missing version")) != MA_OK)
            goto out;
        if (ar->version != 1) {
            rc = fail(&p, MA_EUNSUPPORTED, start, "unknown Authentication-Results version");
            goto out;
        }
        if ((rc = skip_cfws(&p)) != MA_OK)
            goto out;
    }
    if (!at(&p, ';')) {
        rc = fail(&p, MA_ESYNTAX, p.pos,
                  p.pos >= p.len ? "missing results" : "expected ';' after authserv-id");
        goto out;
    }

    ar->results_off = p.pos + 1;

    /* no-result / 1*resinfo */
    while (at(&p, ';')) {
        size_t mstart, save_strs;
        ma_authres_res_rec *r;
        p.pos++;
        if ((rc = skip_cfws(&p)) != MA_OK)
            goto out;
        if (p.pos >= p.len || at(&p, ';'))
            continue;   /* trailing ';' or empty resinfo */
        if (none) {
            rc = fail(&p, MA_ESYNTAX, p.pos, "results after 'none'");
            goto out;
        }
        mstart = p.pos;
        save_strs = ar->strs.len;
        if ((rc = read_keyword(&p, &kw, &kn)) != MA_OK)
            goto out;
        if (kn == 0) {
            rc = fail(&p, MA_ESYNTAX, mstart, "expected a method");
            goto out;
        }
        if ((rc = skip_cfws(&p)) != MA_OK)
            goto out;
        if (ar->nres == 0 && strcmp(str_at(ar, kw), "none") == 0 && !at(&p, '=')
            && !at(&p, '/')) {
            if (p.pos < p.len && !at(&p, ';')) {
                rc = fail(&p, MA_ESYNTAX, p.pos, "unexpected text after 'none'");
                goto out;
            }
            ar->strs.len = save_strs;
            ar->strs.data[save_strs] = '\0';
            none = 1;
            continue;
        }
        if (ar->nres >= ar->max_results) {
            rc = fail(&p, MA_ELIMIT, mstart, "too many results");
            goto out;
        }
        if ((rc = res_push(ar)) != MA_OK)
            goto out;
        r = &ar->res[ar->nres - 1];
        r->method = kw;
        if (at(&p, '/')) {
            p.pos++;
            if ((rc = skip_cfws(&p)) != MA_OK)
                goto out;
            if ((rc = read_number(&p, &r->method_version, "missing method version")) != MA_OK)
                goto out;
            if ((rc = skip_cfws(&p)) != MA_OK)
                goto out;
        }
        if (!at(&p, '=')) {
            rc = fail(&p, MA_ESYNTAX, p.pos, "expected '=' after method");
            goto out;
        }
        p.pos++;
        if ((rc = skip_cfws(&p)) != MA_OK)
            goto out;
        start = p.pos;
        if ((rc = read_keyword(&p, &kw, &kn)) != MA_OK)
            goto out;
        if (kn == 0) {
            rc = fail(&p, MA_ESYNTAX, start, "missing result");
            goto out;
        }
        ar->res[ar->nres - 1].result = kw;
        if ((rc = parse_resinfo_tail(&p)) != MA_OK)
            goto out;
    }
    if (p.pos < p.len) {
        rc = fail(&p, MA_ESYNTAX, p.pos, "unexpected character");
        goto out;
    }
    if (ar->nres == 0 && !none) {
        rc = fail(&p, MA_ESYNTAX, p.pos, "missing results");
        goto out;
    }
    rc = MA_OK;
out:
    if (rc == MA_ENOMEM && p.err_what[0] == '\0') {
        p.err_off = p.pos;
        p.err_what = "out of memory";
    }
    if (err_off != NULL)
        *err_off = rc == MA_OK ? 0 : p.err_off;
    if (err_what != NULL)
        *err_what = rc == MA_OK ? "" : p.err_what;
    return rc;
}

int ma_authres_parse(ma_authres **out, size_t *err_offset, const char **err_text, ma_ctx *ctx,
                     const char *value, size_t len)
{
    ma_authres *ar;
    int rc;
    if (err_offset != NULL)
        *err_offset = 0;
    if (err_text != NULL)
        *err_text = "invalid argument";
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || (value == NULL && len > 0))
        return MA_EINVAL;
    ar = ma__authres_alloc(ctx);
    if (ar == NULL) {
        if (err_text != NULL)
            *err_text = "out of memory";
        return MA_ENOMEM;
    }
    rc = ma__authres_parse_into(ar, value, len, err_offset, err_text);
    if (rc != MA_OK) {
        ma_authres_free(ar);
        return rc;
    }
    *out = ar;
    return MA_OK;
}

/* --------------------------------------------------------------- accessors */

const char *ma_authres_authserv_id(const ma_authres *ar)
{
    return (ar != NULL && ar->has_id) ? str_at(ar, ar->authserv_id) : NULL;
}

unsigned long ma_authres_version(const ma_authres *ar)
{
    return ar != NULL ? ar->version : 0;
}

size_t ma_authres_count(const ma_authres *ar)
{
    return ar != NULL ? ar->nres : 0;
}

static const ma_authres_res_rec *res_get(const ma_authres *ar, size_t i)
{
    return (ar != NULL && i < ar->nres) ? &ar->res[i] : NULL;
}

const char *ma_authres_method(const ma_authres *ar, size_t i)
{
    const ma_authres_res_rec *r = res_get(ar, i);
    return r != NULL ? str_at(ar, r->method) : NULL;
}

unsigned long ma_authres_method_version(const ma_authres *ar, size_t i)
{
    const ma_authres_res_rec *r = res_get(ar, i);
    return r != NULL ? r->method_version : 0;
}

const char *ma_authres_result(const ma_authres *ar, size_t i)
{
    const ma_authres_res_rec *r = res_get(ar, i);
    return r != NULL ? str_at(ar, r->result) : NULL;
}

const char *ma_authres_reason(const ma_authres *ar, size_t i)
{
    const ma_authres_res_rec *r = res_get(ar, i);
    return (r != NULL && r->has_reason) ? str_at(ar, r->reason) : NULL;
}

size_t ma_authres_prop_count(const ma_authres *ar, size_t i)
{
    const ma_authres_res_rec *r = res_get(ar, i);
    return r != NULL ? r->nprops : 0;
}

int ma_authres_prop(const ma_authres *ar, size_t i, size_t j, const char **ptype,
                    const char **property, const char **value)
{
    const ma_authres_res_rec *r = res_get(ar, i);
    const ma_authres_prop_rec *pr;
    if (r == NULL || j >= r->nprops)
        return MA_EINVAL;
    pr = &ar->props[r->first_prop + j];
    if (ptype != NULL)
        *ptype = str_at(ar, pr->ptype);
    if (property != NULL)
        *property = str_at(ar, pr->property);
    if (value != NULL)
        *value = str_at(ar, pr->value);
    return MA_OK;
}

int ma__authres_equal(const ma_authres *a, const ma_authres *b)
{
    size_t i, j;
    if (strcmp(ma_authres_authserv_id(a), ma_authres_authserv_id(b)) != 0
        || a->version != b->version || a->nres != b->nres)
        return 0;
    for (i = 0; i < a->nres; i++) {
        const char *ra = ma_authres_reason(a, i), *rb = ma_authres_reason(b, i);
        if (strcmp(ma_authres_method(a, i), ma_authres_method(b, i)) != 0
            || strcmp(ma_authres_result(a, i), ma_authres_result(b, i)) != 0
            || a->res[i].method_version != b->res[i].method_version
            || (ra == NULL) != (rb == NULL) || (ra != NULL && strcmp(ra, rb) != 0)
            || a->res[i].nprops != b->res[i].nprops)
            return 0;
        for (j = 0; j < a->res[i].nprops; j++) {
            const char *pa, *qa, *va, *pb, *qb, *vb;
            ma_authres_prop(a, i, j, &pa, &qa, &va);
            ma_authres_prop(b, i, j, &pb, &qb, &vb);
            if (strcmp(pa, pb) != 0 || strcmp(qa, qb) != 0 || strcmp(va, vb) != 0)
                return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ builder */

/* RFC 5321 Keyword (Ldh-str): letters, digits, hyphens, not first or last. */
static int keyword_ok(const char *s, size_t len, size_t max)
{
    size_t i;
    if (len == 0 || len > max || s[0] == '-' || s[len - 1] == '-')
        return 0;
    for (i = 0; i < len; i++)
        if (!ma__is_alpha((unsigned char)s[i]) && !ma__is_digit((unsigned char)s[i])
            && s[i] != '-')
            return 0;
    return 1;
}

/* Safe to write: no NUL, CR, LF or other control but HTAB, no DEL, and
   bytes >= 0x80 only as well-formed UTF-8 (RFC 3629). */
static int value_safe(const char *v, size_t len)
{
    const unsigned char *s = (const unsigned char *)v;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t need;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        need = ma__utf8_len(s + i, len - i);
        if (need == 0)
            return 0;
        i += need;
    }
    return 1;
}

static int check_value(const char *v, size_t len, size_t max)
{
    /* The length first: a huge value is refused without reading it all. */
    if (len > max)
        return MA_ELIMIT;
    return value_safe(v, len) ? MA_OK : MA_EINVAL;
}

/* Store a keyword lower-cased. */
static int kw_add(ma_authres *ar, const char *s, size_t len, size_t *off)
{
    size_t i;
    int rc = str_add(ar, s, len, off);
    if (rc != MA_OK)
        return rc;
    for (i = 0; i < len; i++)
        ar->strs.data[*off + i] = (char)ma__lower((unsigned char)ar->strs.data[*off + i]);
    return MA_OK;
}

int ma_authres_new(ma_authres **out, ma_ctx *ctx, const char *authserv_id)
{
    ma_authres *ar;
    size_t len;
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || authserv_id == NULL)
        return MA_EINVAL;
    len = strlen(authserv_id);
    if (len == 0)
        return MA_EINVAL;
    rc = check_value(authserv_id, len, (size_t)ma__limit(ctx, MA_LIMIT_AUTHRES_VALUE_BYTES));
    if (rc != MA_OK)
        return rc;
    ar = ma__authres_alloc(ctx);
    if (ar == NULL)
        return MA_ENOMEM;
    if ((rc = str_add(ar, authserv_id, len, &ar->authserv_id)) != MA_OK) {
        ma_authres_free(ar);
        return rc;
    }
    ar->has_id = 1;
    *out = ar;
    return MA_OK;
}

int ma_authres_add(ma_authres *ar, const char *method, unsigned long method_version,
                   const char *result, const char *reason, size_t reason_len)
{
    size_t m, r, why = 0, strs_len;
    int rc;
    if (ar == NULL || method == NULL || result == NULL || !ar->has_id)
        return MA_EINVAL;
    if (!keyword_ok(method, strlen(method), ar->max_value) ||
        !keyword_ok(result, strlen(result), ar->max_value))
        return MA_EINVAL;
    if (method_version > 999999999UL)
        return MA_EINVAL;
    if (reason != NULL && (rc = check_value(reason, reason_len, ar->max_value)) != MA_OK)
        return rc;
    if (ar->nres >= ar->max_results)
        return MA_ELIMIT;
    strs_len = ar->strs.len;
    if ((rc = kw_add(ar, method, strlen(method), &m)) != MA_OK
        || (rc = kw_add(ar, result, strlen(result), &r)) != MA_OK
        || (reason != NULL && (rc = str_add(ar, reason, reason_len, &why)) != MA_OK)
        || (rc = res_push(ar)) != MA_OK) {
        ar->strs.len = strs_len;
        return rc;
    }
    ar->res[ar->nres - 1].method = m;
    ar->res[ar->nres - 1].result = r;
    ar->res[ar->nres - 1].method_version = method_version;
    ar->res[ar->nres - 1].reason = why;
    ar->res[ar->nres - 1].has_reason = reason != NULL;
    return MA_OK;
}

int ma_authres_add_prop(ma_authres *ar, const char *ptype, const char *property,
                        const char *value, size_t value_len)
{
    size_t t, q, v, strs_len;
    int rc;
    if (ar == NULL || ptype == NULL || property == NULL || (value == NULL && value_len > 0)
        || ar->nres == 0)
        return MA_EINVAL;
    if (!keyword_ok(ptype, strlen(ptype), ar->max_value) ||
        !keyword_ok(property, strlen(property), ar->max_value))
        return MA_EINVAL;
    if ((rc = check_value(value, value_len, ar->max_value)) != MA_OK)
        return rc;
    if (ar->res[ar->nres - 1].nprops >= ar->max_props)
        return MA_ELIMIT;
    strs_len = ar->strs.len;
    if ((rc = kw_add(ar, ptype, strlen(ptype), &t)) != MA_OK
        || (rc = kw_add(ar, property, strlen(property), &q)) != MA_OK
        || (rc = str_add(ar, value_len ? value : "", value_len, &v)) != MA_OK
        || (rc = prop_push(ar, t, q, v)) != MA_OK) {
        ar->strs.len = strs_len;
        return rc;
    }
    return MA_OK;
}

/* ------------------------------------------------------------------ writer */

#define FOLD_WIDTH 78
#define FIELD_PREFIX "Authentication-Results: "

static int is_token(const char *s, size_t len)
{
    size_t i;
    if (len == 0)
        return 0;
    for (i = 0; i < len; i++)
        if (!is_tokchar((unsigned char)s[i]))
            return 0;
    return 1;
}

static int is_atext(int c)
{
    return ma__is_alpha(c) || ma__is_digit(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* [local-part] "@" domain-name, written bare: a dot-atom or a printable
   ASCII quoted-string local-part, a domain of letters, digits, '.', '-',
   '_'.  Everything in it reads back unchanged through read_value(). */
static int is_plain_address(const char *s, size_t len)
{
    size_t i = 0, at_pos, k;
    if (len > 0 && s[0] == '"') {
        i = 1;
        for (;;) {
            if (i >= len)
                return 0;
            if (s[i] == '"')
                break;
            if (s[i] == '\\') {
                if (i + 1 >= len || (unsigned char)s[i + 1] < 0x20
                    || (unsigned char)s[i + 1] > 0x7e)
                    return 0;
                i += 2;
                continue;
            }
            if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
                return 0;
            i++;
        }
        i++;
    } else {
        int prev_dot = 1;
        while (i < len && s[i] != '@') {
            if (s[i] == '.') {
                if (prev_dot)
                    return 0;
                prev_dot = 1;
            } else if (is_atext((unsigned char)s[i])) {
                prev_dot = 0;
            } else {
                return 0;
            }
            i++;
        }
        if (i > 0 && prev_dot)
            return 0;
    }
    if (i >= len || s[i] != '@')
        return 0;
    at_pos = i;
    if (at_pos + 1 >= len)
        return 0;
    for (k = at_pos + 1; k < len; k++)
        if (!ma__is_alpha((unsigned char)s[k]) && !ma__is_digit((unsigned char)s[k])
            && s[k] != '.' && s[k] != '-' && s[k] != '_')
            return 0;
    return 1;
}

static int put_value(ma_buf *b, const char *s, size_t len, int address_ok)
{
    size_t i;
    int rc;
    if (is_token(s, len) || (address_ok && is_plain_address(s, len)))
        return ma__buf_append(b, s, len);
    if ((rc = ma__buf_putc(b, '"')) != MA_OK)
        return rc;
    for (i = 0; i < len; i++) {
        if ((s[i] == '"' || s[i] == '\\') && (rc = ma__buf_putc(b, '\\')) != MA_OK)
            return rc;
        if ((rc = ma__buf_putc(b, s[i])) != MA_OK)
            return rc;
    }
    return ma__buf_putc(b, '"');
}

typedef struct writer {
    ma_buf out;
    ma_buf unit;
    size_t col;
    int first;
} writer;

/* Place the unit: after a space, or on a new folded line when the unit
   (and a ';' that may follow it) would pass FOLD_WIDTH. */
int ma__authres_put_value(ma_buf *b, const char *s, size_t len)
{
    if (!value_safe(s, len))
        return MA_EINVAL;
    return put_value(b, s, len, 1);
}

/*
 * Append text (results), folding it at spaces outside quoted-strings and
 * comments so that lines stay within FOLD_WIDTH where a unit allows.
 * *col is the current column.
 */
int ma__authres_fold(ma_buf *out, size_t *col, const char *s)
{
    size_t i = 0, n = strlen(s);
    int rc = MA_OK;

    while (i < n && rc == MA_OK) {
        size_t start = i, depth = 0;
        int quoted = 0;
        /* a unit: up to the next space outside quotes and comments */
        for (; i < n; i++) {
            char c = s[i];
            if (quoted) {
                if (c == '\\' && i + 1 < n)
                    i++;
                else if (c == '"')
                    quoted = 0;
            } else if (c == '"') {
                quoted = 1;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (c == ' ' && depth == 0) {
                break;
            }
        }
        if (start > 0) {
            if (*col + 1 + (i - start) > FOLD_WIDTH) {
                rc = ma__buf_append(out, "\r\n\t", 3);
                *col = 1;
            } else {
                rc = ma__buf_putc(out, ' ');
                (*col)++;
            }
        }
        if (rc == MA_OK)
            rc = ma__buf_append(out, s + start, i - start);
        *col += i - start;
        while (i < n && s[i] == ' ')
            i++;
    }
    return rc;
}

static int emit_unit(writer *w)
{
    int rc;
    if (w->first) {
        w->first = 0;
    } else if (w->col + 1 + w->unit.len + 1 > FOLD_WIDTH) {
        if ((rc = ma__buf_append(&w->out, "\r\n\t", 3)) != MA_OK)
            return rc;
        w->col = 1;
    } else {
        if ((rc = ma__buf_putc(&w->out, ' ')) != MA_OK)
            return rc;
        w->col++;
    }
    if ((rc = ma__buf_append(&w->out, w->unit.data, w->unit.len)) != MA_OK)
        return rc;
    w->col += w->unit.len;
    ma__buf_reset(&w->unit);
    return MA_OK;
}

static int semicolon(writer *w)
{
    w->col++;
    return ma__buf_putc(&w->out, ';');
}

/* Whether every item can be written safely (see ma_authres_add_prop()). */
static int writable(const ma_authres *ar)
{
    size_t i, j;
    const char *id = ma_authres_authserv_id(ar);
    if (id == NULL || id[0] == '\0' || check_value(id, strlen(id), ar->max_value) != MA_OK)
        return 0;
    for (i = 0; i < ar->nres; i++) {
        const char *m = ma_authres_method(ar, i), *r = ma_authres_result(ar, i);
        const char *why = ma_authres_reason(ar, i);
        if (!keyword_ok(m, strlen(m), ar->max_value) || !keyword_ok(r, strlen(r), ar->max_value)
            || ar->res[i].method_version > 999999999UL
            || (why != NULL && check_value(why, strlen(why), ar->max_value) != MA_OK))
            return 0;
        for (j = 0; j < ar->res[i].nprops; j++) {
            const char *t, *q, *v;
            ma_authres_prop(ar, i, j, &t, &q, &v);
            if (!keyword_ok(t, strlen(t), ar->max_value) || !keyword_ok(q, strlen(q), ar->max_value)
                || check_value(v, strlen(v), ar->max_value) != MA_OK)
                return 0;
        }
    }
    return 1;
}

int ma_authres_write(char **out, size_t *len_out, const ma_authres *ar, unsigned int flags)
{
    writer w;
    size_t i, j;
    int rc;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (len_out != NULL)
        *len_out = 0;
    if (ar == NULL || (flags & ~MA_AUTHRES_WRITE_FIELD) != 0 || !writable(ar))
        return MA_EINVAL;
    ma__buf_init(&w.out, ar->ctx);
    ma__buf_init(&w.unit, ar->ctx);
    w.first = 1;
    w.col = sizeof(FIELD_PREFIX) - 1;
    if ((flags & MA_AUTHRES_WRITE_FIELD)
        && (rc = ma__buf_append(&w.out, FIELD_PREFIX, w.col)) != MA_OK)
        goto out;
    {
        const char *id = ma_authres_authserv_id(ar);
        if ((rc = put_value(&w.unit, id, strlen(id), 0)) != MA_OK || (rc = emit_unit(&w)) != MA_OK)
            goto out;
    }
    if (ar->version != 0) {
        if ((rc = ma__buf_printf(&w.unit, "%lu", ar->version)) != MA_OK
            || (rc = emit_unit(&w)) != MA_OK)
            goto out;
    }
    if (ar->nres == 0) {
        if ((rc = semicolon(&w)) != MA_OK || (rc = ma__buf_append(&w.unit, "none", 4)) != MA_OK
            || (rc = emit_unit(&w)) != MA_OK)
            goto out;
    }
    for (i = 0; i < ar->nres; i++) {
        const ma_authres_res_rec *r = &ar->res[i];
        const char *why = ma_authres_reason(ar, i);
        if ((rc = semicolon(&w)) != MA_OK)
            goto out;
        if (r->method_version != 0)
            rc = ma__buf_printf(&w.unit, "%s/%lu=%s", str_at(ar, r->method), r->method_version,
                                str_at(ar, r->result));
        else
            rc = ma__buf_printf(&w.unit, "%s=%s", str_at(ar, r->method), str_at(ar, r->result));
        if (rc != MA_OK || (rc = emit_unit(&w)) != MA_OK)
            goto out;
        if (why != NULL) {
            if ((rc = ma__buf_append(&w.unit, "reason=", 7)) != MA_OK
                || (rc = put_value(&w.unit, why, strlen(why), 0)) != MA_OK
                || (rc = emit_unit(&w)) != MA_OK)
                goto out;
        }
        for (j = 0; j < r->nprops; j++) {
            const char *t, *q, *v;
            ma_authres_prop(ar, i, j, &t, &q, &v);
            if ((rc = ma__buf_printf(&w.unit, "%s.%s=", t, q)) != MA_OK
                || (rc = put_value(&w.unit, v, strlen(v), 1)) != MA_OK
                || (rc = emit_unit(&w)) != MA_OK)
                goto out;
        }
    }
    if (w.out.data == NULL && (rc = ma__buf_reserve(&w.out, 1)) != MA_OK)
        goto out;
    *out = ma__buf_steal(&w.out, len_out);
    rc = MA_OK;
out:
    ma__buf_free(&w.unit);
    ma__buf_free(&w.out);
    return rc;
}

/* ------------------------------------------------------------------ select */

struct ma_authres_list {
    ma_ctx *ctx;
    ma_authres **items;
    long *fields;
    size_t count;
    size_t malformed;
};

void ma_authres_list_free(ma_authres_list *list)
{
    size_t i;
    if (list == NULL)
        return;
    for (i = 0; i < list->count; i++)
        ma_authres_free(list->items[i]);
    ma__free(list->ctx, list->items);
    ma__free(list->ctx, list->fields);
    ma__free(list->ctx, list);
}

/*
 * Parse Authentication-Results field idx of msg into *arp (the caller frees
 * it): *claims says whether its authserv-id is id (ASCII case-insensitive),
 * whether or not the rest parsed; *parsed is the parse status.  Returns
 * MA_OK, MA_ENOTFOUND (the field cannot be read: skip it) or MA_ENOMEM
 * (nothing left to free).
 */
static int ar_field_parse(ma_authres **arp, int *claims, int *parsed, ma_ctx *ctx,
                          const ma_msg *msg, size_t idx, const char *id, size_t idlen)
{
    const char *value, *aid;
    size_t vlen;
    ma_authres *ar;

    *arp = NULL;
    if (ma_msg_field(msg, idx, NULL, NULL, &value, &vlen) != MA_OK)
        return MA_ENOTFOUND;
    if ((ar = ma__authres_alloc(ctx)) == NULL)
        return MA_ENOMEM;
    *parsed = ma__authres_parse_into(ar, value, vlen, NULL, NULL);
    if (*parsed == MA_ENOMEM) {
        ma_authres_free(ar);
        return MA_ENOMEM;
    }
    aid = ar->has_id ? str_at(ar, ar->authserv_id) : NULL;
    *claims = aid != NULL && ma__casecmp(aid, strlen(aid), id, idlen) == 0;
    *arp = ar;
    return MA_OK;
}

int ma_authres_select(ma_authres_list **out, ma_ctx *ctx, const ma_msg *msg,
                      const char *authserv_id)
{
    ma_authres_list *list;
    size_t nfields, idlen;
    long idx;
    int rc = MA_OK;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || msg == NULL || authserv_id == NULL)
        return MA_EINVAL;
    idlen = strlen(authserv_id);
    nfields = ma_msg_field_count(msg);
    list = ma__calloc(ctx, 1, sizeof(*list));
    if (list == NULL)
        return MA_ENOMEM;
    list->ctx = ctx;
    for (idx = ma_msg_find(msg, "Authentication-Results", 0); idx >= 0;
         idx = ma_msg_find(msg, "Authentication-Results", (size_t)idx + 1)) {
        ma_authres *ar;
        int claims, parsed;
        rc = ar_field_parse(&ar, &claims, &parsed, ctx, msg, (size_t)idx, authserv_id, idlen);
        if (rc == MA_ENOTFOUND) {
            rc = MA_OK;
            continue;
        }
        if (rc != MA_OK)
            break;
        if (!claims || parsed != MA_OK) {
            if (claims)
                list->malformed++;
            ma_authres_free(ar);
            continue;
        }
        if (list->items == NULL) {
            /* at most one entry per field */
            list->items = ma__calloc(ctx, nfields, sizeof(*list->items));
            list->fields = ma__calloc(ctx, nfields, sizeof(*list->fields));
            if (list->items == NULL || list->fields == NULL) {
                ma_authres_free(ar);
                rc = MA_ENOMEM;
                break;
            }
        }
        list->items[list->count] = ar;
        list->fields[list->count] = idx;
        list->count++;
    }
    if (rc != MA_OK) {
        ma_authres_list_free(list);
        return rc;
    }
    *out = list;
    return MA_OK;
}

int ma_authres_forged(long **out, size_t *n_out, ma_ctx *ctx, const ma_msg *msg,
                      const char *authserv_id)
{
    size_t idlen, n = 0, cap;
    long idx, *list;
    int rc = MA_OK;

    if (out == NULL || n_out == NULL)
        return MA_EINVAL;
    *out = NULL;
    *n_out = 0;
    if (ctx == NULL || msg == NULL || authserv_id == NULL || authserv_id[0] == '\0')
        return MA_EINVAL;
    idlen = strlen(authserv_id);
    cap = ma_msg_field_count(msg);
    if (cap == 0)
        return MA_OK;
    list = ma__alloc(ctx, cap * sizeof *list);
    if (list == NULL)
        return MA_ENOMEM;
    for (idx = ma_msg_find(msg, "Authentication-Results", 0); idx >= 0;
         idx = ma_msg_find(msg, "Authentication-Results", (size_t)idx + 1)) {
        ma_authres *ar;
        int claims, parsed;
        rc = ar_field_parse(&ar, &claims, &parsed, ctx, msg, (size_t)idx, authserv_id, idlen);
        if (rc == MA_ENOTFOUND) {
            rc = MA_OK;
            continue;
        }
        if (rc != MA_OK)
            break;
        /* Whether it parsed does not matter: it claims the id. */
        if (claims)
            list[n++] = idx;
        ma_authres_free(ar);
    }
    if (rc != MA_OK || n == 0) {
        ma__free(ctx, list);
        return rc;
    }
    /* Highest first: deleting in this order never moves one still to go. */
    for (cap = 0; cap < n / 2; cap++) {
        long t = list[cap];
        list[cap] = list[n - 1 - cap];
        list[n - 1 - cap] = t;
    }
    *out = list;
    *n_out = n;
    return MA_OK;
}

/*
 * Append the results text of one field (value[off..len)) to b: folding
 * and runs of WSP become one space, leading and trailing space and ';'
 * are dropped.  The text was parsed, so it holds no bare CR or LF.
 */
static int put_results_text(ma_buf *b, const char *value, size_t len, size_t off)
{
    size_t start;
    int space = 0, rc;

    if (b->len > 0 && (rc = ma__buf_append(b, "; ", 2)) != MA_OK)
        return rc;
    start = b->len;
    for (; off < len; off++) {
        char ch = value[off];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            space = 1;
            continue;
        }
        if (space && b->len > start && (rc = ma__buf_putc(b, ' ')) != MA_OK)
            return rc;
        space = 0;
        if ((rc = ma__buf_putc(b, ch)) != MA_OK)
            return rc;
    }
    while (b->len > start && (b->data[b->len - 1] == ';' || b->data[b->len - 1] == ' '))
        b->len--;
    return MA_OK;
}

int ma_authres_select_text(char **out, ma_ctx *ctx, const ma_msg *msg, const char *authserv_id)
{
    ma_authres_list *list = NULL;
    ma_buf b;
    size_t i;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    rc = ma_authres_select(&list, ctx, msg, authserv_id);
    if (rc != MA_OK)
        return rc;
    ma__buf_init(&b, ctx);
    for (i = 0; i < list->count && rc == MA_OK; i++) {
        const ma_authres *ar = list->items[i];
        const char *value;
        size_t vlen, before = b.len;
        if (ar->nres == 0)
            continue;   /* "none" */
        if (ma_msg_field(msg, (size_t)list->fields[i], NULL, NULL, &value, &vlen) != MA_OK)
            continue;
        rc = put_results_text(&b, value, vlen, ar->results_off);
        if (rc == MA_OK && b.len == before + (before > 0 ? 2 : 0))
            b.len = before;   /* nothing but CFWS: leave no empty entry */
    }
    ma_authres_list_free(list);
    if (rc == MA_OK && b.len > 0) {
        b.data[b.len] = '\0';   /* the trimming above moved the end */
        *out = ma__buf_steal(&b, NULL);
        if (*out == NULL)
            rc = MA_ENOMEM;
    }
    ma__buf_free(&b);
    return rc;
}

size_t ma_authres_list_count(const ma_authres_list *list)
{
    return list != NULL ? list->count : 0;
}

const ma_authres *ma_authres_list_get(const ma_authres_list *list, size_t i)
{
    return (list != NULL && i < list->count) ? list->items[i] : NULL;
}

long ma_authres_list_field(const ma_authres_list *list, size_t i)
{
    return (list != NULL && i < list->count) ? list->fields[i] : -1;
}

size_t ma_authres_list_malformed(const ma_authres_list *list)
{
    return list != NULL ? list->malformed : 0;
}
