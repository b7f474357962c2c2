/*
 * Authentication-Results parser.  Byte 0 picks the mode: with bit 0 set,
 * every other byte is mapped into the grammar's alphabet (so the fuzzer
 * reaches results, properties, comments and quoted-strings quickly); else
 * the bytes are used as they are.  Invariants (abort() on violation):
 * - success: at most MA_AUTHRES_MAX_RESULTS results and
 *   MA_AUTHRES_MAX_PROPS properties each; keywords are non-empty lower-case
 *   [a-z0-9_-] of at most MA_AUTHRES_MAX_VALUE bytes (ptype may be empty);
 *   values hold no CR, LF or NUL and are at most MA_AUTHRES_MAX_VALUE
 *   bytes (+2 for a kept quoted local-part); out-of-range accessors give
 *   NULL/0/MA_EINVAL; when the object can be written, the text parses to
 *   an equal object and writing that gives the same text;
 * - failure: MA_ESYNTAX, MA_ELIMIT or MA_EUNSUPPORTED (or MA_ENOMEM), an
 *   offset within [0, len], a non-empty text, no object;
 * - parsing the same bytes again gives the same status, offset and content.
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

static const char alphabet[] = " \t;;==..()\"\\@\r\n/"
                               "abcdefhimnoprsty0123456789-_:<>,";

static void check_keyword(const char *k, int may_be_empty)
{
    size_t n = strlen(k), i;
    CHECK(n <= MA_AUTHRES_MAX_VALUE);
    CHECK(n > 0 || may_be_empty);
    for (i = 0; i < n; i++)
        CHECK((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'
              || k[i] == '_');
}

static void check_value(const char *v)
{
    size_t n = strlen(v);
    CHECK(n <= MA_AUTHRES_MAX_VALUE + 2);
    CHECK(strchr(v, '\r') == NULL && strchr(v, '\n') == NULL);
}

static void check_object(const ma_authres *ar)
{
    size_t i, j, n = ma_authres_count(ar);
    const char *t, *q, *v;
    CHECK(n <= MA_AUTHRES_MAX_RESULTS);
    CHECK(ma_authres_authserv_id(ar) != NULL);
    check_value(ma_authres_authserv_id(ar));
    CHECK(ma_authres_version(ar) == 0 || ma_authres_version(ar) == 1);
    for (i = 0; i < n; i++) {
        size_t np = ma_authres_prop_count(ar, i);
        check_keyword(ma_authres_method(ar, i), 0);
        check_keyword(ma_authres_result(ar, i), 0);
        CHECK(ma_authres_method_version(ar, i) <= 999999999UL);
        if (ma_authres_reason(ar, i) != NULL)
            check_value(ma_authres_reason(ar, i));
        CHECK(np <= MA_AUTHRES_MAX_PROPS);
        for (j = 0; j < np; j++) {
            CHECK(ma_authres_prop(ar, i, j, &t, &q, &v) == MA_OK);
            check_keyword(t, 1);
            check_keyword(q, 0);
            check_value(v);
        }
        CHECK(ma_authres_prop(ar, i, np, &t, &q, &v) == MA_EINVAL);
    }
    CHECK(ma_authres_method(ar, n) == NULL && ma_authres_result(ar, n) == NULL);
    CHECK(ma_authres_reason(ar, n) == NULL && ma_authres_prop_count(ar, n) == 0);
}

static void check_write(ma_ctx *ctx, const ma_authres *ar)
{
    char *s1 = NULL, *s2 = NULL;
    size_t l1, l2;
    ma_authres *back = NULL;
    int rc = ma_authres_write(&s1, &l1, ar, 0);
    if (rc != MA_OK) {
        CHECK(rc == MA_EINVAL || rc == MA_ENOMEM);
        return;
    }
    rc = ma_authres_parse(&back, NULL, NULL, ctx, s1, l1);
    if (rc == MA_OK) {
        CHECK(ma__authres_equal(ar, back));
        rc = ma_authres_write(&s2, &l2, back, 0);
        CHECK(rc == MA_OK || rc == MA_ENOMEM);
        if (rc == MA_OK)
            CHECK(l1 == l2 && memcmp(s1, s2, l1) == 0);
    } else {
        CHECK(rc == MA_ENOMEM);
    }
    ma_free(ctx, s2);
    ma_free(ctx, s1);
    ma_authres_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_authres *a = NULL, *b = NULL;
    size_t len, i, off1 = 0, off2 = 0;
    const char *w1 = NULL, *w2 = NULL;
    char *in;
    int rc1, rc2;

    if (size == 0)
        return 0;
    len = size - 1;
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 0;
    in = malloc(len ? len : 1);
    if (in == NULL) {
        ma_ctx_free(ctx);
        return 0;
    }
    for (i = 0; i < len; i++)
        in[i] = (data[0] & 1) ? alphabet[data[i + 1] % (sizeof(alphabet) - 1)] : (char)data[i + 1];

    rc1 = ma_authres_parse(&a, &off1, &w1, ctx, len ? in : NULL, len);
    rc2 = ma_authres_parse(&b, &off2, &w2, ctx, len ? in : NULL, len);
    if (rc1 != MA_ENOMEM && rc2 != MA_ENOMEM) {
        CHECK(rc1 == rc2 && off1 == off2 && strcmp(w1, w2) == 0);
    }
    if (rc1 == MA_OK) {
        CHECK(a != NULL && off1 == 0 && w1[0] == '\0');
        check_object(a);
        if (rc2 == MA_OK)
            CHECK(ma__authres_equal(a, b));
        check_write(ctx, a);
    } else {
        CHECK(a == NULL);
        CHECK(rc1 == MA_ESYNTAX || rc1 == MA_ELIMIT || rc1 == MA_EUNSUPPORTED
              || rc1 == MA_ENOMEM);
        CHECK(off1 <= len && w1 != NULL && w1[0] != '\0');
    }
    ma_authres_free(a);
    ma_authres_free(b);
    free(in);
    ma_ctx_free(ctx);
    return 0;
}
