/*
 * Authentication-Results writer round trip.  The bytes are a program of
 * length-prefixed chunks: the authserv-id, then operations (byte op):
 * op % 4 == 0 adds a result (method, version op/4 % 3, result, and a
 * reason when op & 16), otherwise a property is added to the last result
 * (ptype, property, value).  Keyword chunks are mapped into [a-z0-9-] unless
 * op & 32; values are used raw.  Invariants (abort() on violation):
 * - a builder call returns MA_OK, or MA_EINVAL / MA_ELIMIT for input the
 *   documentation refuses (checked independently here for ASCII input);
 * - the object is written; the text has CRLF only before TAB, no other CR,
 *   LF or NUL; it parses to an equal object; writing that gives the same
 *   text; with MA_AUTHRES_WRITE_FIELD the text is the same after the name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "authres/authres_int.h"

#define CHECK(c)       \
    do {               \
        if (!(c))      \
            abort();   \
    } while (0)

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

/* A chunk of at most 63 bytes (NUL-terminated copy in buf). */
static size_t chunk(reader *r, char *buf, int keyword)
{
    static const char kw[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    size_t len, i;
    if (r->n == 0) {
        buf[0] = '\0';
        return 0;
    }
    len = r->p[0] % 64;
    r->p++;
    r->n--;
    if (len > r->n)
        len = r->n;
    for (i = 0; i < len; i++)
        buf[i] = keyword ? kw[r->p[i] % (sizeof(kw) - 1)] : (char)r->p[i];
    buf[len] = '\0';
    r->p += len;
    r->n -= len;
    return len;
}

/* A malloc'd copy of exactly len bytes, for the (ptr, len) arguments:
   ASan then catches a read past the end. */
static char *dup_exact(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);
    CHECK(p != NULL);
    if (len)
        memcpy(p, s, len);
    return p;
}

/* Ldh-str, as the header documents. */
static int kw_valid(const char *s, size_t len)
{
    size_t i;
    if (len == 0 || s[0] == '-' || s[len - 1] == '-')
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-'))
            return 0;
    }
    return 1;
}

/* Printable ASCII or HTAB only: certainly safe. */
static int ascii_safe(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (!(s[i] == '\t' || (s[i] >= 0x20 && s[i] < 0x7f)))
            return 0;
    return 1;
}

static int ascii_unsafe(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 ? s[i] != '\t' : s[i] == 0x7f)
            return 1;
    return 0;
}

static void check_text(const char *s, size_t len)
{
    size_t i;
    CHECK(strlen(s) == len);
    for (i = 0; i < len; i++) {
        if (s[i] == '\r')
            CHECK(i + 2 < len && s[i + 1] == '\n' && s[i + 2] == '\t');
        else if (s[i] == '\n')
            CHECK(i > 0 && s[i - 1] == '\r');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_authres *ar = NULL, *back = NULL;
    reader r = { data, size };
    char id[64], a[64], b[64], c[64];
    char *s1 = NULL, *s2 = NULL, *s3 = NULL, *exact;
    size_t l1, l2, l3, la, lb, lc;
    int rc;

    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 0;
    /* names are C strings: a NUL in a chunk ends them */
    chunk(&r, id, 0);
    la = strlen(id);
    rc = ma_authres_new(&ar, ctx, id);
    if (rc != MA_OK) {
        CHECK(rc == MA_EINVAL || rc == MA_ENOMEM);
        CHECK(rc == MA_ENOMEM || la == 0 || !ascii_safe(id, la));
        goto out;
    }
    while (r.n > 0) {
        uint8_t op = r.p[0];
        r.p++;
        r.n--;
        chunk(&r, a, !(op & 32));
        chunk(&r, b, !(op & 32));
        la = strlen(a);
        lb = strlen(b);
        if (op % 4 == 0) {
            lc = chunk(&r, c, 0);
            exact = dup_exact(c, lc);
            rc = ma_authres_add(ar, a, (unsigned long)(op / 4 % 3), b, (op & 16) ? exact : NULL, lc);
            free(exact);
            if (rc == MA_OK) {
                CHECK(kw_valid(a, la) && kw_valid(b, lb));
                CHECK(!(op & 16) || !ascii_unsafe(c, lc));
            } else if (rc == MA_EINVAL) {
                CHECK(!kw_valid(a, la) || !kw_valid(b, lb) || ((op & 16) && !ascii_safe(c, lc)));
            } else {
                CHECK(rc == MA_ELIMIT || rc == MA_ENOMEM);
            }
        } else {
            lc = chunk(&r, c, 0);
            exact = dup_exact(c, lc);
            rc = ma_authres_add_prop(ar, a, b, exact, lc);
            free(exact);
            if (rc == MA_OK) {
                CHECK(kw_valid(a, la) && kw_valid(b, lb) && !ascii_unsafe(c, lc));
            } else if (rc == MA_EINVAL) {
                CHECK(ma_authres_count(ar) == 0 || !kw_valid(a, la) || !kw_valid(b, lb)
                      || !ascii_safe(c, lc));
            } else {
                CHECK(rc == MA_ELIMIT || rc == MA_ENOMEM);
            }
        }
    }
    rc = ma_authres_write(&s1, &l1, ar, 0);
    if (rc == MA_ENOMEM)
        goto out;
    CHECK(rc == MA_OK);
    check_text(s1, l1);
    rc = ma_authres_parse(&back, NULL, NULL, ctx, s1, l1);
    if (rc == MA_ENOMEM)
        goto out;
    CHECK(rc == MA_OK);
    CHECK(ma__authres_equal(ar, back));
    rc = ma_authres_write(&s2, &l2, back, 0);
    CHECK(rc == MA_OK || rc == MA_ENOMEM);
    if (rc == MA_OK)
        CHECK(l1 == l2 && memcmp(s1, s2, l1) == 0);
    rc = ma_authres_write(&s3, &l3, ar, MA_AUTHRES_WRITE_FIELD);
    CHECK(rc == MA_OK || rc == MA_ENOMEM);
    if (rc == MA_OK)
        CHECK(l3 == l1 + 24 && memcmp(s3, "Authentication-Results: ", 24) == 0
              && memcmp(s3 + 24, s1, l1) == 0);
out:
    ma_free(ctx, s1);
    ma_free(ctx, s2);
    ma_free(ctx, s3);
    ma_authres_free(back);
    ma_authres_free(ar);
    ma_ctx_free(ctx);
    return 0;
}
