/*
 * Canonical DNS names for comparison and hashing.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"

uint64_t ma__hash(const void *data, size_t len, uint64_t seed)
{
    /* Word at a time: names are hashed on every static-zone and cache
       lookup.  Only for in-memory tables; the value is never stored. */
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    const unsigned char *p = data;
    uint64_t h = seed ^ ((uint64_t)len * k), w;
    while (len >= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    /* The last 0-7 bytes as memcpy(&w, p, len) into a zeroed w would give
       them, without a call for the variable length. */
    w = 0;
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + len - 4, 4);
        /* hi holds bytes len-4 .. len-1: keep the ones past the first 4 */
        w = (uint64_t)lo | (((uint64_t)hi >> (8 * (8 - len))) << 32);
    } else {
        size_t i;
        for (i = 0; i < len; i++)
            w |= (uint64_t)p[i] << (8 * i);
    }
#else
    if (len)
        memcpy(&w, p, len);
#endif
    h = (h ^ w) * k;
    h ^= h >> 32;
    return h;
}

/* Leave the buffer as it was (nothing was committed to out->len yet). */
static int ma_canon_bad(ma_buf *out)
{
    out->data[out->len] = '\0';
    return MA_ESYNTAX;
}

size_t ma__dns_name_strip_root(const char *name, size_t len)
{
    size_t k, bs = 0;
    if (len == 0 || name[len - 1] != '.')
        return len;
    /* The final dot is the root unless it is escaped: an odd number of
       backslashes before it. */
    for (k = len - 1; k > 0 && name[k - 1] == '\\'; k--)
        bs++;
    return bs % 2 == 0 ? len - 1 : len;
}

/* Bytes written as themselves (lower-cased): 2 for letters, digits, '-' and
   '_' (the fast path), 1 for other printables; 0 means a \DDD escape. */
static const unsigned char ma_plain[256] = {
    ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,
    [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 2, ['/'] = 1, ['0'] = 2, ['1'] = 2,
    ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2,
    [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1, ['@'] = 1, ['A'] = 2,
    ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, ['G'] = 2, ['H'] = 2, ['I'] = 2,
    ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2,
    ['R'] = 2, ['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2, ['Y'] = 2,
    ['Z'] = 2, ['['] = 1, [']'] = 1, ['^'] = 1, ['_'] = 2, ['`'] = 1, ['a'] = 2, ['b'] = 2,
    ['c'] = 2, ['d'] = 2, ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 2, ['j'] = 2,
    ['k'] = 2, ['l'] = 2, ['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2,
    ['s'] = 2, ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2, ['y'] = 2, ['z'] = 2,
    ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

/*
 * RFC 1035 5.1 presentation form: "\X" quotes X, "\DDD" is the octet DDD.
 * Labels are 1-63 octets and the whole name at most 255 octets in wire form
 * (RFC 1035 2.3.4).  The root ("" or ".") canonicalizes to "".
 *
 * This runs for every question a job asks and every lookup a static zone
 * or cache answers, so it reserves the worst case once (4 output bytes per
 * input byte) and writes straight into the buffer.
 */
int ma__dns_name_canon(ma_buf *out, const char *name, size_t len)
{
    size_t i = 0, label = 0, wire = 1;
    char *w;
    int rc;

    len = ma__dns_name_strip_root(name, len);
    if (len > SIZE_MAX / 4 - 1)
        return MA_ESYNTAX;
    rc = ma__buf_reserve(out, 4 * len);
    if (rc != MA_OK)
        return rc;
    w = out->data + out->len;
    while (i < len) {
        unsigned char c = (unsigned char)name[i++];
        if (c == '.') {
            if (label == 0)
                return ma_canon_bad(out);
            wire += label + 1;
            label = 0;
            *w++ = '.';
            continue;
        }
        if (c == '\\') {
            if (i >= len)
                return ma_canon_bad(out);
            if (ma__is_digit((unsigned char)name[i])) {
                unsigned v;
                if (i + 3 > len || !ma__is_digit((unsigned char)name[i + 1]) ||
                    !ma__is_digit((unsigned char)name[i + 2]))
                    return ma_canon_bad(out);
                v = (unsigned)(name[i] - '0') * 100 + (unsigned)(name[i + 1] - '0') * 10 +
                    (unsigned)(name[i + 2] - '0');
                if (v > 255)
                    return ma_canon_bad(out);
                c = (unsigned char)v;
                i += 3;
            } else {
                c = (unsigned char)name[i++];
            }
        }
        if (++label > 63)
            return ma_canon_bad(out);
        if (ma_plain[c] == 2) {
            /* The common case: a run of letters, digits, '-' and '_'. */
            *w++ = (char)ma__lower(c);
            while (i < len && ma_plain[(unsigned char)name[i]] == 2) {
                if (++label > 63)
                    return ma_canon_bad(out);
                *w++ = (char)ma__lower((unsigned char)name[i++]);
            }
        } else if (ma_plain[c]) {
            *w++ = (char)ma__lower(c);
        } else {
            /* Canonical escape: \DDD, so that one name has one spelling. */
            *w++ = '\\';
            *w++ = (char)('0' + c / 100);
            *w++ = (char)('0' + (c / 10) % 10);
            *w++ = (char)('0' + c % 10);
        }
    }
    if (len > 0) {
        if (label == 0)
            return ma_canon_bad(out);
        wire += label + 1;
        if (wire > 255)
            return ma_canon_bad(out);
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    return MA_OK;
}

/* Bytes of canonical names: 1 label octets (a-z, 0-9, '-', '_'), 2 the dot. */
static const unsigned char ma_canon_class[256] = {
    ['-'] = 1, ['.'] = 2, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
    ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,
    ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
    ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Read-only, and cheaper than a rewrite (see dns_int.h): one run of label
   bytes at a time. */
int ma__dns_name_is_canon(const char *name, size_t len)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t i = 0, start = 0;
    if (len == 0 || len > 253)
        return 0;
    for (;;) {
        while (i < len && ma_canon_class[p[i]] == 1)
            i++;
        if (i == start || i - start > 63)
            return 0; /* an empty label, or one over 63 octets */
        if (i == len)
            return 1;
        if (ma_canon_class[p[i]] != 2)
            return 0;
        start = ++i;
    }
}

int ma__dns_name_canon_fixed(char *buf, const char *name, size_t len, size_t *out_len)
{
    ma_buf b;
    int rc;
    *out_len = 0;
    buf[0] = '\0';
    if (len > MA_DNS_NAME_TEXT_MAX)
        return MA_ESYNTAX;
    if (ma__dns_name_is_canon(name, len)) {
        memcpy(buf, name, len);
        buf[len] = '\0';
        *out_len = len;
        return MA_OK;
    }
    /* A buffer over the caller's array, large enough that it never grows. */
    ma__buf_init_on(&b, NULL, buf, MA_DNS_CANON_CAP);
    rc = ma__dns_name_canon(&b, name, len);
    if (rc == MA_OK)
        *out_len = b.len;
    return rc;
}
