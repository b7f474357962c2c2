/*
 * IP addresses: parsing, RFC 5952 text form, reverse names and CIDR matching.
 *
 * The parser is our own rather than inet_pton(): inputs come with explicit
 * lengths, and the accepted syntax is exactly what is written here.
 * - IPv4: four decimal parts 0..255 separated by '.', no leading zeros
 *   ("0" is fine, "01" is not: some parsers read it as octal), no sign, no
 *   whitespace.
 * - IPv6: RFC 4291 2.2 text: eight groups of 1..4 hex digits, or fewer with
 *   one "::" standing for one or more zero groups, and optionally an IPv4
 *   dotted quad (same rules as above) in place of the last two groups.  No
 *   zone index ("%eth0"), no brackets, no prefix length.
 */
#include "config.h"

#include <string.h>

#include "core/core.h"

static const unsigned char ma_ip_mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int ma_ip_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse exactly s[0..len) as a dotted quad. */
static int ma_ip_parse_v4(const unsigned char *s, size_t len, unsigned char out[4])
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        size_t start;
        unsigned int v = 0;

        if (part > 0) {
            if (i >= len || s[i] != '.')
                return MA_ESYNTAX;
            i++;
        }
        start = i;
        while (i < len && ma__is_digit(s[i]) && i - start < 3) {
            v = v * 10 + (unsigned int)(s[i] - '0');
            i++;
        }
        if (i == start)
            return MA_ESYNTAX;
        if (i < len && ma__is_digit(s[i]))
            return MA_ESYNTAX;   /* four or more digits */
        if (i - start > 1 && s[start] == '0')
            return MA_ESYNTAX;   /* leading zero */
        if (v > 255)
            return MA_ESYNTAX;
        out[part] = (unsigned char)v;
    }
    return i == len ? MA_OK : MA_ESYNTAX;
}

/* Parse exactly s[0..len) as RFC 4291 2.2 text. */
static int ma_ip_parse_v6(const unsigned char *s, size_t len, unsigned char out[16])
{
    unsigned int groups[8];
    int ng = 0;      /* groups written */
    int gap = -1;    /* index in groups where "::" stands, or -1 */
    size_t i = 0;
    int k;

    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return MA_ESYNTAX;   /* a single leading colon */
    }

    while (i < len) {
        size_t start = i;
        unsigned int v = 0;
        int h;

        while (i < len && i - start < 5 && (h = ma_ip_hexval(s[i])) >= 0) {
            v = (v << 4) | (unsigned int)h;
            i++;
        }
        if (i < len && s[i] == '.') {
            /* Embedded IPv4: the rest of the input, in the last 32 bits. */
            unsigned char v4[4];
            if (ng > 6 || (gap >= 0 && ng > 5))
                return MA_ESYNTAX;
            if (ma_ip_parse_v4(s + start, len - start, v4) != MA_OK)
                return MA_ESYNTAX;
            groups[ng++] = ((unsigned int)v4[0] << 8) | v4[1];
            groups[ng++] = ((unsigned int)v4[2] << 8) | v4[3];
            i = len;
            break;
        }
        if (i == start || i - start > 4)
            return MA_ESYNTAX;   /* empty group (":::") or five digits */
        if (ng == 8)
            return MA_ESYNTAX;
        groups[ng++] = v;
        if (i == len)
            break;
        if (s[i] != ':')
            return MA_ESYNTAX;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return MA_ESYNTAX;   /* a second "::" */
            gap = ng;
            i++;
        } else if (i == len) {
            return MA_ESYNTAX;       /* a single trailing colon */
        }
    }

    if (gap >= 0) {
        /* "::" stands for at least one group (RFC 4291 2.2 item 2). */
        if (ng > 7)
            return MA_ESYNTAX;
        memset(out, 0, 16);
        for (k = 0; k < gap; k++) {
            out[2 * k] = (unsigned char)(groups[k] >> 8);
            out[2 * k + 1] = (unsigned char)(groups[k] & 0xff);
        }
        for (k = gap; k < ng; k++) {
            int dst = 8 - (ng - k);
            out[2 * dst] = (unsigned char)(groups[k] >> 8);
            out[2 * dst + 1] = (unsigned char)(groups[k] & 0xff);
        }
    } else {
        if (ng != 8)
            return MA_ESYNTAX;
        for (k = 0; k < 8; k++) {
            out[2 * k] = (unsigned char)(groups[k] >> 8);
            out[2 * k + 1] = (unsigned char)(groups[k] & 0xff);
        }
    }
    return MA_OK;
}

int ma_ip_parse(ma_ip *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    ma_ip ip;
    int rc;

    if (out == NULL || (text == NULL && len > 0))
        return MA_EINVAL;
    if (len == 0 || len > MA_IP_TEXT_MAX)
        return MA_ESYNTAX;
    memset(&ip, 0, sizeof ip);
    if (memchr(s, ':', len) != NULL) {
        ip.family = MA_IP_V6;
        rc = ma_ip_parse_v6(s, len, ip.addr);
    } else {
        ip.family = MA_IP_V4;
        rc = ma_ip_parse_v4(s, len, ip.addr);
    }
    if (rc != MA_OK)
        return rc;
    *out = ip;
    return MA_OK;
}

static bool ma_ip_is_mapped(const ma_ip *ip)
{
    return ip->family == MA_IP_V6 && memcmp(ip->addr, ma_ip_mapped_prefix, 12) == 0;
}

/* Write a decimal byte; returns the characters written. */
static size_t ma_ip_put_dec(char *p, unsigned int v)
{
    size_t n = 0;
    if (v >= 100)
        p[n++] = (char)('0' + v / 100);
    if (v >= 10)
        p[n++] = (char)('0' + (v / 10) % 10);
    p[n++] = (char)('0' + v % 10);
    return n;
}

static size_t ma_ip_put_v4(char *p, const unsigned char a[4])
{
    size_t n = 0;
    int k;
    for (k = 0; k < 4; k++) {
        if (k)
            p[n++] = '.';
        n += ma_ip_put_dec(p + n, a[k]);
    }
    return n;
}

static const char ma_ip_hexdigits[16] = "0123456789abcdef";

int ma_ip_format(const ma_ip *ip, char *buf, size_t size)
{
    unsigned int g[8];
    int best = -1, best_len = 0, run = -1, k;
    size_t n = 0;

    if (ip == NULL || buf == NULL || size < MA_IP_TEXT_MAX)
        return MA_EINVAL;
    if (ip->family == MA_IP_V4) {
        n = ma_ip_put_v4(buf, ip->addr);
        buf[n] = '\0';
        return MA_OK;
    }
    if (ip->family != MA_IP_V6)
        return MA_EINVAL;

    /* RFC 5952 5: IPv4-mapped addresses in mixed notation. */
    if (ma_ip_is_mapped(ip)) {
        memcpy(buf, "::ffff:", 7);
        n = 7 + ma_ip_put_v4(buf + 7, ip->addr + 12);
        buf[n] = '\0';
        return MA_OK;
    }

    for (k = 0; k < 8; k++)
        g[k] = ((unsigned int)ip->addr[2 * k] << 8) | ip->addr[2 * k + 1];
    /* RFC 5952 4.2: "::" replaces the longest run of zero groups, the first
       one on a tie, and never a single group. */
    for (k = 0; k <= 8; k++) {
        if (k < 8 && g[k] == 0) {
            if (run < 0)
                run = k;
        } else if (run >= 0) {
            if (k - run > best_len) {
                best = run;
                best_len = k - run;
            }
            run = -1;
        }
    }
    if (best_len < 2)
        best = -1;

    for (k = 0; k < 8; k++) {
        int shift;
        bool started = false;
        if (k == best) {
            buf[n++] = ':';
            buf[n++] = ':';
            k += best_len - 1;
            continue;
        }
        if (k > 0 && k != best + best_len)
            buf[n++] = ':';
        /* RFC 5952 4.1 and 4.3: no leading zeros, lower case. */
        for (shift = 12; shift >= 0; shift -= 4) {
            unsigned int d = (g[k] >> shift) & 0xf;
            if (d != 0 || started || shift == 0) {
                buf[n++] = ma_ip_hexdigits[d];
                started = true;
            }
        }
    }
    buf[n] = '\0';
    return MA_OK;
}

int ma_ip_reverse_name(const ma_ip *ip, char *buf, size_t size)
{
    size_t n = 0;
    int k;

    if (ip == NULL || buf == NULL || size < MA_IP_REVERSE_MAX)
        return MA_EINVAL;
    if (ip->family == MA_IP_V4 || ma_ip_is_mapped(ip)) {
        const unsigned char *a = ip->family == MA_IP_V4 ? ip->addr : ip->addr + 12;
        for (k = 3; k >= 0; k--) {
            n += ma_ip_put_dec(buf + n, a[k]);
            buf[n++] = '.';
        }
        memcpy(buf + n, "in-addr.arpa", sizeof "in-addr.arpa");
        return MA_OK;
    }
    if (ip->family != MA_IP_V6)
        return MA_EINVAL;
    for (k = 15; k >= 0; k--) {
        buf[n++] = ma_ip_hexdigits[ip->addr[k] & 0xf];
        buf[n++] = '.';
        buf[n++] = ma_ip_hexdigits[ip->addr[k] >> 4];
        buf[n++] = '.';
    }
    memcpy(buf + n, "ip6.arpa", sizeof "ip6.arpa");
    return MA_OK;
}

int ma_ip_unmap_v4(const ma_ip *ip, ma_ip *v4)
{
    if (ip == NULL || v4 == NULL || !ma_ip_is_mapped(ip))
        return 0;
    memset(v4, 0, sizeof *v4);
    v4->family = MA_IP_V4;
    memcpy(v4->addr, ip->addr + 12, 4);
    return 1;
}

/* ip with a mapped IPv6 address turned into IPv4; false for a bad family. */
static bool ma_ip_canon(const ma_ip *ip, ma_ip *out)
{
    if (ip->family == MA_IP_V4) {
        memset(out, 0, sizeof *out);
        out->family = MA_IP_V4;
        memcpy(out->addr, ip->addr, 4);
        return true;
    }
    if (ip->family != MA_IP_V6)
        return false;
    if (!ma_ip_unmap_v4(ip, out))
        *out = *ip;
    return true;
}

/* Whether the first bits bits of a and b agree. */
static bool ma_ip_prefix_eq(const unsigned char *a, const unsigned char *b, unsigned int bits)
{
    unsigned int full = bits / 8, rest = bits % 8;
    if (full && memcmp(a, b, full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((a[full] & mask) != (b[full] & mask))
            return false;
    }
    return true;
}

int ma_ip_in_network(const ma_ip *ip, const ma_ip *network, unsigned int prefix)
{
    ma_ip a, n;

    if (ip == NULL || network == NULL || !ma_ip_canon(ip, &a))
        return 0;
    if (network->family == MA_IP_V4) {
        n = *network;
    } else if (network->family == MA_IP_V6) {
        /* A mapped network is an IPv4 network when its prefix covers the
           whole ::ffff:0:0/96 part; a shorter prefix stays IPv6 and, since
           the client side is compared as IPv4 when mapped, matches only
           IPv6 clients. */
        if (ma_ip_is_mapped(network) && prefix >= 96 && prefix <= 128) {
            ma_ip_unmap_v4(network, &n);
            prefix -= 96;
        } else {
            n = *network;
        }
    } else {
        return 0;
    }
    if (a.family != n.family)
        return 0;
    if (prefix > (n.family == MA_IP_V4 ? 32u : 128u))
        return 0;
    return ma_ip_prefix_eq(a.addr, n.addr, prefix);
}

int ma_ip_equal(const ma_ip *a, const ma_ip *b)
{
    ma_ip x, y;

    if (a == NULL || b == NULL || !ma_ip_canon(a, &x) || !ma_ip_canon(b, &y))
        return 0;
    if (x.family != y.family)
        return 0;
    return memcmp(x.addr, y.addr, x.family == MA_IP_V4 ? 4 : 16) == 0;
}
