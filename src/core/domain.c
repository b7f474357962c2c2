/*
 * Domain names: validation, case folding and IDNA (RFC 5890, RFC 5891 via
 * libidn2; RFC 8616 for email authentication: U-labels become A-labels
 * before any comparison or DNS query).
 *
 * The input is copied into a bounded stack buffer first, so nothing relies
 * on NUL termination and libidn2 (which wants C strings) never reads past
 * the caller's bytes.  Labels are handled one at a time:
 * - an ASCII label must be letters, digits and hyphens ('_' too with
 *   MA_DOMAIN_ALLOW_UNDERSCORE), 1..63 octets, no hyphen first or last; it
 *   is folded to lower case.  A label starting "xn--" must also be a valid
 *   A-label (RFC 5890 2.3.2.1): libidn2 decodes it to a U-label, which must
 *   be non-ASCII and pass IDNA2008 lookup, and the U-label must encode back
 *   to exactly the same A-label.
 * - a label with non-ASCII bytes goes through idn2_lookup_u8() with UTS 46
 *   non-transitional processing (so "faß" stays "faß" and becomes
 *   "xn--fa-hia"); what comes back is checked by the ASCII rules above.
 * ASCII labels never reach libidn2, so handling of "ab--cd.example" does not
 * depend on whether another label of the name happens to be an IDN.
 * libidn2 allocates with malloc(); its results are copied at once and
 * released with idn2_free(), so nothing from it escapes.
 */
#include "config.h"

#include <string.h>

#include <idn2.h>

#include "core/core.h"

#define MA_DOMAIN_MAX 253        /* RFC 1035 255-octet wire form, as text without the root dot */
#define MA_LABEL_MAX 63
/* Longest input accepted, in bytes.  A 253-octet A-label name comes from at
   most about 4 UTF-8 bytes per code point; anything longer is hostile. */
#define MA_DOMAIN_INPUT_MAX 1024

#define MA_DOMAIN_KNOWN_FLAGS \
    (MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ASCII_ONLY | MA_DOMAIN_ALLOW_SINGLE_LABEL)

/* The output being assembled: at most MA_DOMAIN_MAX octets plus a NUL. */
typedef struct ma_dname {
    char text[MA_DOMAIN_MAX + 1];
    size_t len;
    size_t labels;
} ma_dname;

static int ma_idn2_status(int rc)
{
    return rc == IDN2_MALLOC ? MA_ENOMEM : MA_ESYNTAX;
}

/*
 * Validate an A-label (lower case, NUL-terminated) through libidn2: decode,
 * check the U-label with IDNA2008 lookup rules, and require the round trip
 * to give the same A-label (RFC 5891 5.4 and 5.5; RFC 5890 2.3.2.1).
 */
static int ma_domain_check_alabel(const char *alabel)
{
    char *ulabel = NULL;
    uint8_t *back = NULL;
    const unsigned char *p;
    bool non_ascii = false;
    int rc;

    rc = idn2_to_unicode_8z8z(alabel, &ulabel, 0);
    if (rc != IDN2_OK) {
        idn2_free(ulabel);
        return ma_idn2_status(rc);
    }
    for (p = (const unsigned char *)ulabel; *p; p++)
        if (*p >= 0x80)
            non_ascii = true;
    /* An A-label stands for a U-label with at least one non-ASCII
       character; "xn--abc-" style labels that decode to ASCII are fakes. */
    if (!non_ascii || strchr(ulabel, '.') != NULL) {
        idn2_free(ulabel);
        return MA_ESYNTAX;
    }
    rc = idn2_lookup_u8((const uint8_t *)ulabel, &back, IDN2_NONTRANSITIONAL);
    idn2_free(ulabel);
    if (rc != IDN2_OK) {
        idn2_free(back);
        return ma_idn2_status(rc);
    }
    rc = strcmp((const char *)back, alabel) == 0 ? MA_OK : MA_ESYNTAX;
    idn2_free(back);
    return rc;
}

/*
 * Check one ASCII label s[0..len), fold it to lower case and append it to
 * the name.  Labels starting "xn--" are validated as A-labels.
 */
static int ma_domain_add_ascii_label(ma_dname *dn, const char *s, size_t len, unsigned int flags)
{
    char *dst;
    size_t i;

    if (len == 0 || len > MA_LABEL_MAX)
        return MA_ESYNTAX;
    if (s[0] == '-' || s[len - 1] == '-')
        return MA_ESYNTAX;
    if (dn->len + (dn->labels ? 1 : 0) + len > MA_DOMAIN_MAX)
        return MA_ESYNTAX;
    if (dn->labels)
        dn->text[dn->len++] = '.';
    dst = dn->text + dn->len;
    for (i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (!(ma__is_alpha(c) || ma__is_digit(c) || c == '-'
              || (c == '_' && (flags & MA_DOMAIN_ALLOW_UNDERSCORE))))
            return MA_ESYNTAX;
        dst[i] = (char)ma__lower(c);
    }
    dst[len] = '\0';
    if (len >= 4 && memcmp(dst, "xn--", 4) == 0) {
        int rc = ma_domain_check_alabel(dst);
        if (rc != MA_OK)
            return rc;
    }
    dn->len += len;
    dn->labels++;
    return MA_OK;
}

/* Append the labels of an ASCII string of dot-separated labels. */
static int ma_domain_add_ascii_labels(ma_dname *dn, const char *s, size_t len, unsigned int flags)
{
    size_t start = 0, i;
    int rc;

    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            rc = ma_domain_add_ascii_label(dn, s + start, i - start, flags);
            if (rc != MA_OK)
                return rc;
            start = i + 1;
        }
    }
    return MA_OK;
}

/*
 * A label with non-ASCII bytes: s[0..len) is followed by a byte the caller
 * lets us overwrite with NUL temporarily (its own copy of the input).
 */
static int ma_domain_add_idn_label(ma_dname *dn, char *s, size_t len, unsigned int flags)
{
    uint8_t *alabel = NULL;
    char saved = s[len];
    const char *a;
    int rc;

    if (flags & MA_DOMAIN_ASCII_ONLY)
        return MA_ESYNTAX;
    s[len] = '\0';
    rc = idn2_lookup_u8((const uint8_t *)s, &alabel, IDN2_NONTRANSITIONAL);
    s[len] = saved;
    if (rc != IDN2_OK) {
        idn2_free(alabel);
        return ma_idn2_status(rc);
    }
    a = (const char *)alabel;
    /* UTS 46 mapping may turn U+3002 and friends into '.', so the result
       can hold several labels; each must pass the ASCII rules. */
    rc = ma_domain_add_ascii_labels(dn, a, strlen(a), flags);
    idn2_free(alabel);
    return rc;
}

/* Bytes of names in normal form: 1 a-z, 0-9 and '-', 2 '_', 3 '.', 0 others. */
static const unsigned char ma_domain_class[256] = {
    ['-'] = 1, ['.'] = 3, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['_'] = 2, ['a'] = 1, ['b'] = 1, ['c'] = 1,
    ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,
    ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
    ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/*
 * Whether s is already in normal form: lower-case LDH labels (and '_' when
 * allowed) of 1-63 octets, no '-' at a label's ends, no A-label to check,
 * at most MA_DOMAIN_MAX octets.  *labels gets their number.  Most names
 * are, and need no copy.  Reads a run of label bytes at a time.
 */
static bool ma_domain_plain(const char *s, size_t len, unsigned int flags, size_t *labels)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0, n = 0;
    bool under = (flags & MA_DOMAIN_ALLOW_UNDERSCORE) != 0;

    if (len == 0 || len > MA_DOMAIN_MAX)
        return false;
    for (;;) {
        size_t l;
        while (i < len && ma_domain_class[p[i]] == 1)
            i++;
        if (i < len && ma_domain_class[p[i]] != 3) {
            if (ma_domain_class[p[i]] != 2 || !under)
                return false;
            i++;
            continue;
        }
        /* the end of a label: at a dot or at the end */
        l = i - start;
        if (l == 0 || l > MA_LABEL_MAX || s[start] == '-' || s[i - 1] == '-')
            return false;
        if (l >= 4 && s[start] == 'x' && s[start + 1] == 'n' && s[start + 2] == '-' &&
            s[start + 3] == '-')
            return false;
        n++;
        if (i == len)
            break;
        start = ++i;
    }
    *labels = n;
    return true;
}

int ma__domain_normalize_buf(ma_buf *out, const ma_ctx *ctx, const char *name, size_t len,
                             unsigned int flags)
{
    char in[MA_DOMAIN_INPUT_MAX + 1];
    ma_dname dn;
    size_t start, i;
    int rc;

    if (out == NULL || ctx == NULL || (name == NULL && len > 0)
        || (flags & ~(unsigned int)MA_DOMAIN_KNOWN_FLAGS) != 0)
        return MA_EINVAL;
    if (len == 0 || len > MA_DOMAIN_INPUT_MAX)
        return MA_ESYNTAX;
    {
        size_t n = name[len - 1] == '.' ? len - 1 : len, labels;
        if (ma_domain_plain(name, n, flags, &labels)) {
            if (labels < 2 && !(flags & MA_DOMAIN_ALLOW_SINGLE_LABEL))
                return MA_ESYNTAX;
            return ma__buf_append(out, name, n);
        }
    }
    memcpy(in, name, len);
    if (memchr(in, '\0', len) != NULL)
        return MA_ESYNTAX;
    /* One trailing dot (the root) is dropped; "a.." keeps an empty label. */
    if (in[len - 1] == '.')
        len--;
    if (len == 0)
        return MA_ESYNTAX;
    in[len] = '\0';

    dn.len = 0;
    dn.labels = 0;
    dn.text[0] = '\0';
    start = 0;
    for (i = 0; i <= len; i++) {
        bool ascii = true;
        size_t k;

        if (i < len && in[i] != '.')
            continue;
        for (k = start; k < i; k++)
            if ((unsigned char)in[k] >= 0x80)
                ascii = false;
        if (ascii)
            rc = ma_domain_add_ascii_label(&dn, in + start, i - start, flags);
        else
            rc = ma_domain_add_idn_label(&dn, in + start, i - start, flags);
        if (rc != MA_OK)
            return rc;
        start = i + 1;
    }
    if (dn.labels < 2 && !(flags & MA_DOMAIN_ALLOW_SINGLE_LABEL))
        return MA_ESYNTAX;
    return ma__buf_append(out, dn.text, dn.len);
}

int ma_domain_normalize(char **out, ma_ctx *ctx, const char *name, size_t len, unsigned int flags)
{
    ma_buf b;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    ma__buf_init(&b, ctx);
    rc = ma__domain_normalize_buf(&b, ctx, name, len, flags);
    if (rc != MA_OK) {
        ma__buf_free(&b);
        return rc;
    }
    *out = ma__buf_steal(&b, NULL);
    if (*out == NULL) {
        ma__buf_free(&b);
        return MA_ENOMEM;
    }
    return MA_OK;
}

/* Drop one trailing dot. */
static size_t ma_domain_trim(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '.')
        len--;
    return len;
}

/*
 * Empty names (or a lone ".") are never equal to anything, not even to each
 * other: two missing domains must not look like a match to a caller doing
 * alignment checks.
 */
int ma_domain_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (a == NULL || b == NULL)
        return 0;
    alen = ma_domain_trim(a, alen);
    blen = ma_domain_trim(b, blen);
    if (alen == 0 || blen == 0)
        return 0;
    return ma__casecmp(a, alen, b, blen) == 0;
}

int ma_domain_is_within(const char *child, size_t clen, const char *parent, size_t plen)
{
    if (child == NULL || parent == NULL)
        return 0;
    clen = ma_domain_trim(child, clen);
    plen = ma_domain_trim(parent, plen);
    if (clen == 0 || plen == 0 || clen < plen)
        return 0;
    if (clen == plen)
        return ma__casecmp(child, clen, parent, plen) == 0;
    /* A label boundary must precede the parent: "badexample.com" is not
       within "example.com". */
    if (child[clen - plen - 1] != '.')
        return 0;
    return ma__casecmp(child + (clen - plen), plen, parent, plen) == 0;
}
