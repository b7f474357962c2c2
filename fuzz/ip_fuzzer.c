/*
 * Fuzz harness for IP addresses (src/core/ip.c).
 *
 * The input is parsed as address text; independently, its first bytes are
 * used as a raw address and prefix.  Invariants (abort on violation):
 * - parse returns OK or ESYNTAX and leaves the output alone on error;
 * - format(parse(x)) re-parses to the same address, and formatting is
 *   idempotent (the canonical text formats to itself);
 * - with glibc, the parser agrees with inet_pton (same grammar, explicit
 *   length aside);
 * - every address is equal to itself, within itself at full length and
 *   within /0 of its own family, and its reverse name fits;
 * - for a raw address and prefix, in_network agrees with a bit-by-bit
 *   reference, also through the IPv4-mapped form.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <arpa/inet.h>
#endif

#include "fuzzer.h"
#include "core/core.h"

static void check_address(const ma_ip *ip)
{
    char txt[MA_IP_TEXT_MAX], txt2[MA_IP_TEXT_MAX], rv[MA_IP_REVERSE_MAX];
    ma_ip back, zero, v4;
    unsigned int full = ip->family == MA_IP_V4 ? 32 : 128;

    if (ma_ip_format(ip, txt, sizeof txt) != MA_OK || strlen(txt) >= sizeof txt)
        abort();
    if (ma_ip_parse(&back, txt, strlen(txt)) != MA_OK || back.family != ip->family
        || memcmp(back.addr, ip->addr, ip->family == MA_IP_V4 ? 4 : 16) != 0)
        abort();
    if (ma_ip_format(&back, txt2, sizeof txt2) != MA_OK || strcmp(txt, txt2) != 0)
        abort();
    if (!ma_ip_equal(ip, &back) || !ma_ip_equal(ip, ip))
        abort();
    if (ma_ip_reverse_name(ip, rv, sizeof rv) != MA_OK || strlen(rv) >= sizeof rv)
        abort();
    if (!ma_ip_in_network(ip, ip, full))
        abort();
    memset(&zero, 0, sizeof zero);
    zero.family = ip->family;
    if (ma_ip_unmap_v4(ip, &v4)) {
        /* A mapped address behaves as its IPv4 address. */
        if (!ma_ip_equal(ip, &v4) || !ma_ip_in_network(ip, &v4, 32)
            || !ma_ip_in_network(&v4, ip, 128) || ma_ip_in_network(ip, &zero, 0))
            abort();
    } else if (!ma_ip_in_network(ip, &zero, 0)) {
        abort();
    }
}

/* Reference: do the first bits of a and b agree? */
static int ref_prefix(const unsigned char *a, const unsigned char *b, unsigned int bits)
{
    unsigned int i;
    for (i = 0; i < bits; i++) {
        int x = (a[i / 8] >> (7 - i % 8)) & 1, y = (b[i / 8] >> (7 - i % 8)) & 1;
        if (x != y)
            return 0;
    }
    return 1;
}

static void check_network(const uint8_t *data, size_t size)
{
    ma_ip a, n, ma, mn;
    unsigned int prefix;
    int want;

    if (size < 34)
        return;
    memset(&a, 0, sizeof a);
    memset(&n, 0, sizeof n);
    a.family = n.family = (data[0] & 1) ? MA_IP_V6 : MA_IP_V4;
    memcpy(a.addr, data + 1, a.family == MA_IP_V4 ? 4 : 16);
    memcpy(n.addr, data + 17, n.family == MA_IP_V4 ? 4 : 16);
    prefix = data[33];
    if (a.family == MA_IP_V6) {
        /* Keep mapped addresses out of the plain IPv6 reference. */
        static const unsigned char pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(a.addr, pfx, 12) == 0 || memcmp(n.addr, pfx, 12) == 0)
            return;
    }
    want = prefix <= (a.family == MA_IP_V4 ? 32u : 128u) && ref_prefix(a.addr, n.addr, prefix);
    if (ma_ip_in_network(&a, &n, prefix) != want)
        abort();
    if (a.family == MA_IP_V4 && prefix <= 32) {
        /* The same question through mapped forms, on either side. */
        memset(&ma, 0, sizeof ma);
        memset(&mn, 0, sizeof mn);
        ma.family = mn.family = MA_IP_V6;
        ma.addr[10] = ma.addr[11] = mn.addr[10] = mn.addr[11] = 0xff;
        memcpy(ma.addr + 12, a.addr, 4);
        memcpy(mn.addr + 12, n.addr, 4);
        if (ma_ip_in_network(&ma, &n, prefix) != want || ma_ip_in_network(&a, &mn, prefix + 96) != want
            || ma_ip_in_network(&ma, &mn, prefix + 96) != want)
            abort();
        if (ma_ip_equal(&a, &n) != (memcmp(a.addr, n.addr, 4) == 0)
            || ma_ip_equal(&ma, &n) != (memcmp(a.addr, n.addr, 4) == 0))
            abort();
    }
    check_address(&a);
    check_address(&n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ip ip, before;
    int rc;

    memset(&ip, 0xa5, sizeof ip);
    before = ip;
    rc = ma_ip_parse(&ip, (const char *)data, size);
    if (rc == MA_OK) {
        if (ip.family != MA_IP_V4 && ip.family != MA_IP_V6)
            abort();
        check_address(&ip);
    } else if (rc != MA_ESYNTAX || memcmp(&ip, &before, sizeof ip) != 0) {
        abort();
    }

#if defined(__GLIBC__)
    /* Differential check against inet_pton on NUL-free input. */
    if (size > 0 && size < 64 && memchr(data, '\0', size) == NULL) {
        char s[64];
        unsigned char b[16];
        int af, theirs;
        memcpy(s, data, size);
        s[size] = '\0';
        af = memchr(s, ':', size) ? AF_INET6 : AF_INET;
        theirs = inet_pton(af, s, b) == 1;
        if (theirs != (rc == MA_OK))
            abort();
        if (theirs && memcmp(b, ip.addr, af == AF_INET ? 4 : 16) != 0)
            abort();
    }
#endif

    check_network(data, size);
    return 0;
}
