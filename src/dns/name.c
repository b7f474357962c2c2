/*
 * Canonical DNS names for comparison and hashing.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"

uint64_t ma__hash(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int ma_put_label_byte(ma_buf *out, unsigned char c)
{
    char esc[5];
    if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
        return ma__buf_putc(out, (char)ma__lower(c));
    /* Canonical escape: \DDD, so that one name has one spelling. */
    esc[0] = '\\';
    esc[1] = (char)('0' + c / 100);
    esc[2] = (char)('0' + (c / 10) % 10);
    esc[3] = (char)('0' + c % 10);
    return ma__buf_append(out, esc, 4);
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

/*
 * RFC 1035 5.1 presentation form: "\X" quotes X, "\DDD" is the octet DDD.
 * Labels are 1-63 octets and the whole name at most 255 octets in wire form
 * (RFC 1035 2.3.4).  The root ("" or ".") canonicalizes to "".
 */
int ma__dns_name_canon(ma_buf *out, const char *name, size_t len)
{
    size_t i = 0, label = 0, wire = 1;
    size_t start = out->len;
    int rc;

    len = ma__dns_name_strip_root(name, len);
    if (len == 0)
        return ma__buf_append(out, "", 0);
    while (i < len) {
        unsigned char c = (unsigned char)name[i++];
        if (c == '.') {
            if (label == 0)
                goto bad;
            wire += label + 1;
            label = 0;
            rc = ma__buf_putc(out, '.');
            if (rc != MA_OK)
                return rc;
            continue;
        }
        if (c == '\\') {
            if (i >= len)
                goto bad;
            if (ma__is_digit((unsigned char)name[i])) {
                unsigned v;
                if (i + 3 > len || !ma__is_digit((unsigned char)name[i + 1]) ||
                    !ma__is_digit((unsigned char)name[i + 2]))
                    goto bad;
                v = (unsigned)(name[i] - '0') * 100 + (unsigned)(name[i + 1] - '0') * 10 +
                    (unsigned)(name[i + 2] - '0');
                if (v > 255)
                    goto bad;
                c = (unsigned char)v;
                i += 3;
            } else {
                c = (unsigned char)name[i++];
            }
        }
        if (++label > 63)
            goto bad;
        rc = ma_put_label_byte(out, c);
        if (rc != MA_OK)
            return rc;
    }
    if (label == 0)
        goto bad;
    wire += label + 1;
    if (wire > 255)
        goto bad;
    return MA_OK;
bad:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return MA_ESYNTAX;
}

int ma__dns_name_canon_fixed(char *buf, const char *name, size_t len, size_t *out_len)
{
    ma_buf b;
    int rc;
    *out_len = 0;
    buf[0] = '\0';
    if (len > MA_DNS_NAME_TEXT_MAX)
        return MA_ESYNTAX;
    /* A buffer over the caller's array, large enough that it never grows. */
    b.ctx = NULL;
    b.data = buf;
    b.len = 0;
    b.cap = MA_DNS_CANON_CAP;
    rc = ma__dns_name_canon(&b, name, len);
    if (rc == MA_OK)
        *out_len = b.len;
    return rc;
}
