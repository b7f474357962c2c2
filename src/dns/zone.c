/*
 * The master-file loader of the static zone: RFC 1035 5 text parsed with
 * ldns, plus two test directives of our own.
 *
 * Loading is two passes over the text:
 *
 * 1. A pre-scan of the physical lines finds `$TIMEOUT <name> [<type>...]`
 *    and `$SERVFAIL <name> [<type>...]` (at the start of a line, outside a
 *    parenthesised entry), checks them and blanks them out of a copy of the
 *    text, so that ldns never sees them and its line numbers stay right.
 *    It also refuses NUL bytes and checks $TTL values (ldns reads a bad one
 *    as 0 without a word).
 * 2. ldns reads the copy through fmemopen(), one entry at a time, with its
 *    own $ORIGIN/$TTL handling, relative names, "@", parentheses and
 *    escapes.  TXT, A, AAAA, MX, PTR and CNAME records of class IN are
 *    added to the zone through the public add functions; other types and
 *    classes are ignored.
 *
 * On an error at line N, what comes before line N is kept (records and
 * directives alike) and the error text is "line N: <problem>".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/static_int.h"

/* TTL of records when the text gives none and has no $TTL. */
#define MA_ZONE_DEFAULT_TTL 3600u

/* A $TIMEOUT or $SERVFAIL directive found by the pre-scan. */
typedef struct ma_directive {
    int line;
    const char *name;   /* in the caller's text */
    size_t len;
    uint32_t types;     /* MA_DNS_TYPE_BIT() set, 0 for every type */
} ma_directive;

typedef struct ma_zone_loader {
    ma_static_zone *z;
    ma_buf copy;        /* the text as ldns sees it */
    ma_buf txt;         /* scratch: joined TXT strings */
    ma_directive *dirs;
    size_t ndirs;
    size_t dcap;
    int scan_rc;        /* error of the pre-scan (the copy stops before its line) */
} ma_zone_loader;

static int ma_zone_fail(ma_zone_loader *ld, int rc, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Record the error text ("line N: ..." when the line is known); returns rc. */
static int ma_zone_fail(ma_zone_loader *ld, int rc, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        ma__err_set(&ld->z->err, line, "line %d: %s", line, msg);
    else
        ma__err_set(&ld->z->err, -1, "%s", msg);
    return rc;
}

/* The longest entry (a line, or the lines of a parenthesised entry) handed
   to ldns, which silently cuts longer ones. */
#define MA_ZONE_ENTRY_MAX 65000

/* A short printable copy of a token for error texts. */
static void ma_printable(char *out, size_t size, const char *s, size_t len)
{
    size_t i, n = len < size - 1 ? len : size - 1;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[n] = '\0';
}

/* ------------------------------------------------------------ pre-scan */

static int ma_is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * The next token of a directive line at *pos: blanks skipped, a token ends
 * at a blank or an unescaped ';' (a comment).  Returns 0 at the end.
 */
static int ma_next_token(const char *s, size_t len, size_t *pos, const char **tok, size_t *tlen)
{
    size_t i = *pos, start;
    while (i < len && ma_is_blank((unsigned char)s[i]))
        i++;
    if (i >= len || s[i] == ';') {
        *pos = len;
        return 0;
    }
    start = i;
    while (i < len && !ma_is_blank((unsigned char)s[i]) && s[i] != ';') {
        if (s[i] == '\\' && i + 1 < len)
            i++;
        i++;
    }
    *tok = s + start;
    *tlen = i - start;
    *pos = i;
    return 1;
}

/* Whether the line starts with keyword (case-insensitive) followed by a blank or its end. */
static int ma_is_directive(const char *s, size_t len, const char *kw, int nocase)
{
    size_t n = strlen(kw);
    if (len < n || (len > n && !ma_is_blank((unsigned char)s[n]) && (!nocase || s[n] != ';')))
        return 0;
    return nocase ? ma__casecmp(s, n, kw, n) == 0 : memcmp(s, kw, n) == 0;
}

/* `$TIMEOUT <name> [<type>...]`: names are absolute, a trailing dot is optional. */
static int ma_scan_directive(ma_zone_loader *ld, const char *s, size_t len, int line,
                             const char *kw)
{
    char canon[MA_DNS_CANON_CAP], shown[24];
    size_t pos = strlen(kw), tlen, clen;
    const char *tok;
    ma_directive d;

    if (!ma_next_token(s, len, &pos, &tok, &tlen))
        return ma_zone_fail(ld, MA_ESYNTAX, line, "%s needs a name", kw);
    if (ma__dns_name_canon_fixed(canon, tok, tlen, &clen) != MA_OK)
        return ma_zone_fail(ld, MA_ESYNTAX, line, "bad name in %s", kw);
    d.line = line;
    d.name = tok;
    d.len = tlen;
    d.types = 0;
    while (ma_next_token(s, len, &pos, &tok, &tlen)) {
        char name[8];
        ma_dns_type t;
        if (tlen >= sizeof name) {
            ma_printable(shown, sizeof shown, tok, tlen);
            return ma_zone_fail(ld, MA_ESYNTAX, line, "unknown record type '%s'", shown);
        }
        memcpy(name, tok, tlen);
        name[tlen] = '\0';
        if (ma_dns_type_parse(&t, name) != MA_OK) {
            ma_printable(shown, sizeof shown, tok, tlen);
            return ma_zone_fail(ld, MA_ESYNTAX, line, "unknown record type '%s'", shown);
        }
        d.types |= MA_DNS_TYPE_BIT(t);
    }
    if (ld->ndirs == ld->dcap) {
        size_t cap = ld->dcap ? ld->dcap * 2 : 8;
        ma_directive *nd;
        if (cap > SIZE_MAX / sizeof *nd)
            return MA_ENOMEM;
        nd = ma__realloc(ld->z->ctx, ld->dirs, cap * sizeof *nd);
        if (nd == NULL)
            return MA_ENOMEM;
        ld->dirs = nd;
        ld->dcap = cap;
    }
    ld->dirs[ld->ndirs++] = d;
    return MA_OK;
}

/* `$TTL <period>`: digits with optional unit letters (1h30m), as ldns reads them. */
static int ma_scan_ttl(ma_zone_loader *ld, const char *s, size_t len, int line)
{
    size_t pos = 4, tlen, i;
    const char *tok;
    if (!ma_next_token(s, len, &pos, &tok, &tlen))
        return ma_zone_fail(ld, MA_ESYNTAX, line, "$TTL needs a value");
    for (i = 0; i < tlen; i++) {
        int c = ma__lower((unsigned char)tok[i]);
        if (ma__is_digit(c))
            continue;
        /* A unit must follow digits. */
        if ((c == 's' || c == 'm' || c == 'h' || c == 'd' || c == 'w') && i > 0 &&
            ma__is_digit((unsigned char)tok[i - 1]))
            continue;
        return ma_zone_fail(ld, MA_ESYNTAX, line, "bad $TTL value");
    }
    if (ma_next_token(s, len, &pos, &tok, &tlen))
        return ma_zone_fail(ld, MA_ESYNTAX, line, "text after the $TTL value");
    return MA_OK;
}

/*
 * Follow quotes, escapes, comments and parentheses over one line so that
 * directives are only recognised where ldns would start a new entry.
 */
static void ma_scan_state(const char *s, size_t len, int *depth, int *quoted)
{
    size_t i;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\') {
            i++;
            continue;
        }
        if (*quoted) {
            if (c == '"')
                *quoted = 0;
            continue;
        }
        if (c == '"')
            *quoted = 1;
        else if (c == ';')
            break;
        else if (c == '(')
            (*depth)++;
        else if (c == ')' && *depth > 0)
            (*depth)--;
    }
    /* Outside parentheses a line ends an entry, even in an unclosed quote. */
    if (*depth == 0)
        *quoted = 0;
}

/*
 * Build the copy ldns reads: every line ends with a newline, directive
 * lines are empty.  On an error at line N the copy stops before line N and
 * the error is kept in ld->scan_rc.  Only MA_ENOMEM is returned.
 */
static int ma_prescan(ma_zone_loader *ld, const char *text, size_t len)
{
    size_t pos = 0;
    int line = 1, depth = 0, quoted = 0, rc, open_line = 0;
    size_t open_at = 0;

    while (pos < len) {
        const char *s = text + pos, *eol = memchr(s, '\n', len - pos);
        size_t n = eol != NULL ? (size_t)(eol - s) : len - pos;
        size_t keep = n;

        rc = MA_OK;
        if (memchr(s, '\0', n) != NULL) {
            rc = ma_zone_fail(ld, MA_ESYNTAX, line, "NUL byte in zone text");
        } else if (depth == 0 && n > 0 && s[0] == '$') {
            if (ma_is_directive(s, n, "$TIMEOUT", 1)) {
                rc = ma_scan_directive(ld, s, n, line, "$TIMEOUT");
                keep = 0;
            } else if (ma_is_directive(s, n, "$SERVFAIL", 1)) {
                rc = ma_scan_directive(ld, s, n, line, "$SERVFAIL");
                keep = 0;
            } else if (ma_is_directive(s, n, "$TTL", 0)) {
                rc = ma_scan_ttl(ld, s, n, line);
            } else if (!ma_is_directive(s, n, "$ORIGIN", 0) && !ma_is_directive(s, n, "$INCLUDE", 0)) {
                /* ldns skips directives it does not know: a typo would go unnoticed. */
                rc = ma_zone_fail(ld, MA_ESYNTAX, line, "unknown directive");
            }
        }
        if (rc == MA_ENOMEM)
            return rc;
        if (rc != MA_OK) {
            ld->scan_rc = rc;
            return MA_OK;
        }
        if (depth == 0) {
            open_at = ld->copy.len;
            open_line = line;
        }
        ma_scan_state(s, keep, &depth, &quoted);
        rc = ma__buf_append(&ld->copy, s, keep);
        if (rc == MA_OK)
            rc = ma__buf_putc(&ld->copy, '\n');
        if (rc != MA_OK)
            return rc;
        if (ld->copy.len - open_at > MA_ZONE_ENTRY_MAX) {
            /* ldns reads an entry into a buffer of about 64 KiB and cuts
               what does not fit without a word: refuse the entry rather
               than load a record shorter than the text says. */
            ld->copy.len = open_at;
            ld->scan_rc = ma_zone_fail(ld, MA_ELIMIT, open_line,
                                       "entry longer than %d characters", MA_ZONE_ENTRY_MAX);
            return MA_OK;
        }
        pos += n + (eol != NULL ? 1 : 0);
        line++;
    }
    if (depth > 0) {
        /* ldns accepts an entry left open at the end of the text: refuse it,
           and keep it from ldns like any other bad line. */
        ld->copy.len = open_at;
        ld->scan_rc = ma_zone_fail(ld, MA_ESYNTAX, open_line, "unclosed '('");
    }
    return MA_OK;
}

/* ---------------------------------------------------------- ldns records */

/* Presentation text of a dname rdf (escapes as ldns writes them); free() it. */
static char *ma_dname_text(const ldns_rdf *rdf)
{
    if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
        return NULL;
    return ldns_rdf2str(rdf);
}

static int ma_add_error(ma_zone_loader *ld, int rc, int line)
{
    switch (rc) {
    case MA_OK: return MA_OK;
    case MA_ESTATE:
        return ma_zone_fail(ld, MA_ESYNTAX, line, "a name with a CNAME cannot have other data");
    case MA_ELIMIT:
        return ma_zone_fail(ld, MA_ELIMIT, line, "too many records or TXT record too long");
    case MA_ENOMEM: return ma_zone_fail(ld, MA_ENOMEM, line, "out of memory");
    default: return ma_zone_fail(ld, MA_ESYNTAX, line, "bad name");
    }
}

/* TXT: the character-strings of the record joined (RFC 7208 3.3). */
static int ma_take_txt(ma_zone_loader *ld, const ldns_rr *rr, const char *owner, int line)
{
    size_t i;
    int rc;
    ma__buf_reset(&ld->txt);
    for (i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
        const uint8_t *d;
        if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR || ldns_rdf_size(rdf) < 1)
            return ma_zone_fail(ld, MA_ESYNTAX, line, "unsupported TXT rdata");
        d = ldns_rdf_data(rdf);
        if ((size_t)d[0] + 1 != ldns_rdf_size(rdf))
            return ma_zone_fail(ld, MA_ESYNTAX, line, "unsupported TXT rdata");
        rc = ma__buf_append(&ld->txt, d + 1, d[0]);
        if (rc != MA_OK)
            return rc;
    }
    rc = ma_static_zone_add_txt(ld->z, owner, ld->txt.data != NULL ? ld->txt.data : "", ld->txt.len,
                                ldns_rr_ttl(rr));
    return ma_add_error(ld, rc, line);
}

static int ma_take_addr(ma_zone_loader *ld, const ldns_rr *rr, const char *owner, int line)
{
    const ldns_rdf *rdf = ldns_rr_rdf(rr, 0);
    int v4 = ldns_rr_get_type(rr) == LDNS_RR_TYPE_A;
    ma_ip ip;
    if (rdf == NULL || ldns_rdf_get_type(rdf) != (v4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA) ||
        ldns_rdf_size(rdf) != (v4 ? 4u : 16u))
        return ma_zone_fail(ld, MA_ESYNTAX, line, "unsupported address rdata");
    memset(&ip, 0, sizeof ip);
    ip.family = v4 ? MA_IP_V4 : MA_IP_V6;
    memcpy(ip.addr, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
    return ma_add_error(ld, ma_static_zone_add_addr(ld->z, owner, &ip, ldns_rr_ttl(rr)), line);
}

/* MX, PTR, CNAME: the target converted to presentation text, so escapes round-trip. */
static int ma_take_host(ma_zone_loader *ld, const ldns_rr *rr, const char *owner, int line)
{
    ldns_rr_type type = ldns_rr_get_type(rr);
    const ldns_rdf *pref = NULL;
    uint16_t preference = 0;
    char *target;
    int rc;

    if (type == LDNS_RR_TYPE_MX) {
        pref = ldns_rr_rdf(rr, 0);
        if (pref == NULL || ldns_rdf_get_type(pref) != LDNS_RDF_TYPE_INT16 ||
            ldns_rdf_size(pref) != 2)
            return ma_zone_fail(ld, MA_ESYNTAX, line, "unsupported MX rdata");
        preference = ldns_rdf2native_int16(pref);
    }
    if (ldns_rr_rdf(rr, pref != NULL ? 1 : 0) == NULL ||
        ldns_rdf_get_type(ldns_rr_rdf(rr, pref != NULL ? 1 : 0)) != LDNS_RDF_TYPE_DNAME)
        return ma_zone_fail(ld, MA_ESYNTAX, line, "unsupported target rdata");
    target = ma_dname_text(ldns_rr_rdf(rr, pref != NULL ? 1 : 0));
    if (target == NULL)
        return ma_zone_fail(ld, MA_ENOMEM, line, "out of memory");
    if (type == LDNS_RR_TYPE_MX)
        rc = ma_static_zone_add_mx(ld->z, owner, preference, target, ldns_rr_ttl(rr));
    else if (type == LDNS_RR_TYPE_PTR)
        rc = ma_static_zone_add_ptr(ld->z, owner, target, ldns_rr_ttl(rr));
    else
        rc = ma_static_zone_add_cname(ld->z, owner, target, ldns_rr_ttl(rr));
    free(target);
    return ma_add_error(ld, rc, line);
}

static int ma_take_rr(ma_zone_loader *ld, const ldns_rr *rr, int line)
{
    ldns_rr_type type = ldns_rr_get_type(rr);
    char *owner;
    int rc;

    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
        return MA_OK;
    owner = ma_dname_text(ldns_rr_owner(rr));
    if (owner == NULL)
        return ma_zone_fail(ld, MA_ENOMEM, line, "out of memory");
    if (type != LDNS_RR_TYPE_TXT && type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA &&
        type != LDNS_RR_TYPE_MX && type != LDNS_RR_TYPE_PTR && type != LDNS_RR_TYPE_CNAME)
        /* SPF (99), SOA, NS...: not kept, but the owner exists. */
        rc = ma_add_error(ld, ma__static_zone_touch(ld->z, owner, strlen(owner)), line);
    else if (type == LDNS_RR_TYPE_TXT)
        rc = ma_take_txt(ld, rr, owner, line);
    else if (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA)
        rc = ma_take_addr(ld, rr, owner, line);
    else
        rc = ma_take_host(ld, rr, owner, line);
    free(owner);
    return rc;
}

/* Apply the directives found before line `before` (0: all). */
static int ma_apply_directives(ma_zone_loader *ld, int before)
{
    size_t i;
    int rc;
    for (i = 0; i < ld->ndirs; i++) {
        if (before > 0 && ld->dirs[i].line >= before)
            break;
        rc = ma__static_zone_fail(ld->z, ld->dirs[i].name, ld->dirs[i].len, ld->dirs[i].types);
        if (rc != MA_OK)
            return ma_zone_fail(ld, rc, ld->dirs[i].line, "%s", ma_status_str(rc));
    }
    return MA_OK;
}

/* Feed the copy to ldns, entry by entry. */
static int ma_parse_copy(ma_zone_loader *ld, ldns_rdf **orig)
{
    ldns_rdf *prev = NULL;
    uint32_t ttl = MA_ZONE_DEFAULT_TTL;
    int line = 0, rc = MA_OK;
    FILE *f;

    f = fmemopen(ld->copy.data, ld->copy.len, "r");
    if (f == NULL)
        return ma_zone_fail(ld, MA_ENOMEM, 0, "out of memory");
    while (rc == MA_OK && !feof(f)) {
        ldns_rr *rr = NULL;
        int before = line, at;
        ldns_status s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, orig, &prev, &line);

        /* Every line of the copy ends with a newline, so after an entry
           line is its last line; ldns does not always count a line it did
           not finish. */
        at = line > before ? line : before + 1;
        switch (s) {
        case LDNS_STATUS_OK:
            rc = ma_take_rr(ld, rr, at);
            ldns_rr_free(rr);
            break;
        case LDNS_STATUS_SYNTAX_EMPTY:
        case LDNS_STATUS_SYNTAX_TTL:
        case LDNS_STATUS_SYNTAX_ORIGIN:
            break;
        case LDNS_STATUS_SYNTAX_INCLUDE:
            rc = ma_zone_fail(ld, MA_ESYNTAX, at, "$INCLUDE is not supported");
            break;
        case LDNS_STATUS_MEM_ERR:
            rc = ma_zone_fail(ld, MA_ENOMEM, at, "out of memory");
            break;
        default: {
            const char *why = ldns_get_errorstr_by_id(s);
            rc = ma_zone_fail(ld, MA_ESYNTAX, at, "%s", why != NULL ? why : "syntax error");
            break;
        }
        }
        if (rc != MA_OK) {
            /* Keep the directives above the bad line. */
            if (rc != MA_ENOMEM)
                ma_apply_directives(ld, at);
        }
    }
    fclose(f);
    if (prev != NULL)
        ldns_rdf_deep_free(prev);
    return rc;
}

int ma_static_zone_load(ma_static_zone *z, const char *text, size_t len, const char *origin)
{
    ma_zone_loader ld;
    ldns_rdf *orig;
    int rc;

    if (z == NULL || (text == NULL && len > 0))
        return MA_EINVAL;
    ma__err_clear(&z->err);
    memset(&ld, 0, sizeof ld);
    ld.z = z;
    if (len > ma__limit(z->ctx, MA_LIMIT_ZONE_BYTES)) {
        ma__err_set(&z->err, -1, "zone text larger than %llu bytes",
                    (unsigned long long)ma__limit(z->ctx, MA_LIMIT_ZONE_BYTES));
        return MA_ELIMIT;
    }
    /* ldns replaces the origin at each $ORIGIN. */
    orig = ldns_dname_new_frm_str(origin != NULL ? origin : ".");
    if (orig == NULL) {
        ma__err_set(&z->err, -1, "bad origin");
        return MA_EINVAL;
    }
    ma__buf_init(&ld.copy, z->ctx);
    ma__buf_init(&ld.txt, z->ctx);
    rc = ma_prescan(&ld, text, len);
    if (rc == MA_OK && ld.copy.len > 0)
        rc = ma_parse_copy(&ld, &orig);
    if (orig != NULL)
        ldns_rdf_deep_free(orig);
    if (rc == MA_OK) {
        rc = ma_apply_directives(&ld, 0);
        if (rc == MA_OK)
            rc = ld.scan_rc;
    }
    if (rc == MA_ENOMEM && z->err.text[0] == '\0')
        ma__err_set(&z->err, -1, "out of memory");
    ma__free(z->ctx, ld.dirs);
    ma__buf_free(&ld.copy);
    ma__buf_free(&ld.txt);
    return rc;
}

int ma_static_zone_load_file(ma_static_zone *z, const char *path, const char *origin)
{
    ma_buf b;
    FILE *f;
    uint64_t limit;
    int rc = MA_OK;

    if (z == NULL || path == NULL)
        return MA_EINVAL;
    ma__err_clear(&z->err);
    f = fopen(path, "rb");
    if (f == NULL) {
        ma__err_set(&z->err, -1, "cannot open %.200s", path);
        return MA_EIO;
    }
    limit = ma__limit(z->ctx, MA_LIMIT_ZONE_BYTES);
    ma__buf_init(&b, z->ctx);
    for (;;) {
        size_t n;
        rc = ma__buf_reserve(&b, 65536);
        if (rc != MA_OK)
            break;
        n = fread(b.data + b.len, 1, 65536, f);
        b.len += n;
        b.data[b.len] = '\0';
        if (b.len > limit) {
            ma__err_set(&z->err, -1, "%.200s: larger than %llu bytes", path,
                        (unsigned long long)limit);
            rc = MA_ELIMIT;
            break;
        }
        if (n < 65536) {
            if (ferror(f)) {
                ma__err_set(&z->err, -1, "cannot read %.200s", path);
                rc = MA_EIO;
            }
            break;
        }
    }
    fclose(f);
    if (rc == MA_OK)
        rc = ma_static_zone_load(z, b.data != NULL ? b.data : "", b.len, origin);
    ma__buf_free(&b);
    return rc;
}
