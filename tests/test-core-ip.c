/*
 * Unit tests: IP addresses (src/core/ip.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "tap.h"

static ma_ip ip_of(const char *s)
{
    ma_ip ip;
    memset(&ip, 0xee, sizeof ip);
    if (ma_ip_parse(&ip, s, strlen(s)) != MA_OK) {
        printf("# cannot parse %s\n", s);
        memset(&ip, 0, sizeof ip);
    }
    return ip;
}

static void parse_v4(const char *s, unsigned a, unsigned b, unsigned c, unsigned d)
{
    ma_ip ip;
    unsigned char want[4];
    char what[100];
    want[0] = (unsigned char)a;
    want[1] = (unsigned char)b;
    want[2] = (unsigned char)c;
    want[3] = (unsigned char)d;
    snprintf(what, sizeof what, "parse %s", s);
    is_int(ma_ip_parse(&ip, s, strlen(s)), MA_OK, what);
    ok(ip.family == MA_IP_V4 && memcmp(ip.addr, want, 4) == 0, what);
}

static void parse_v6(const char *s, const char *hex32)
{
    ma_ip ip;
    unsigned char want[16];
    char what[100];
    int k;
    for (k = 0; k < 16; k++) {
        unsigned int v;
        sscanf(hex32 + 2 * k, "%2x", &v);
        want[k] = (unsigned char)v;
    }
    snprintf(what, sizeof what, "parse %s", s);
    is_int(ma_ip_parse(&ip, s, strlen(s)), MA_OK, what);
    ok(ip.family == MA_IP_V6 && memcmp(ip.addr, want, 16) == 0, what);
}

static void parse_bad_len(const char *s, size_t len)
{
    ma_ip ip, before;
    char what[120];
    memset(&ip, 0x5a, sizeof ip);
    before = ip;
    snprintf(what, sizeof what, "reject \"%.*s\"", (int)(len > 60 ? 60 : len), s);
    is_int(ma_ip_parse(&ip, s, len), MA_ESYNTAX, what);
    ok(memcmp(&ip, &before, sizeof ip) == 0, "output untouched on error");
}

static void parse_bad(const char *s)
{
    parse_bad_len(s, strlen(s));
}

static void fmt(const char *in, const char *want)
{
    ma_ip ip = ip_of(in);
    char buf[MA_IP_TEXT_MAX];
    char what[120];
    snprintf(what, sizeof what, "format %s", in);
    memset(buf, 'Z', sizeof buf);
    if (is_int(ma_ip_format(&ip, buf, sizeof buf), MA_OK, what))
        is_str(buf, want, what);
    else
        ok(0, what);
}

static void rev(const char *in, const char *want)
{
    ma_ip ip = ip_of(in);
    char buf[MA_IP_REVERSE_MAX];
    char what[120];
    snprintf(what, sizeof what, "reverse %s", in);
    memset(buf, 'Z', sizeof buf);
    if (is_int(ma_ip_reverse_name(&ip, buf, sizeof buf), MA_OK, what))
        is_str(buf, want, what);
    else
        ok(0, what);
}

static int in_net(const char *ip, const char *net, unsigned int prefix)
{
    ma_ip a = ip_of(ip), n = ip_of(net);
    return ma_ip_in_network(&a, &n, prefix);
}

static void test_parse(void)
{
    parse_v4("192.0.2.1", 192, 0, 2, 1);
    parse_v4("0.0.0.0", 0, 0, 0, 0);
    parse_v4("255.255.255.255", 255, 255, 255, 255);
    parse_v4("10.0.100.9", 10, 0, 100, 9);
    parse_v4("1.22.199.250", 1, 22, 199, 250);

    parse_bad("256.0.0.1");
    parse_bad("1.2.3.256");
    parse_bad("300.1.1.1");
    parse_bad("999.1.1.1");
    parse_bad("1.2.3");
    parse_bad("1.2.3.4.5");
    parse_bad("01.2.3.4");
    parse_bad("1.2.3.04");
    parse_bad("1.2.3.00");
    parse_bad("1.2.3.010");
    parse_bad("1..2.3");
    parse_bad(".1.2.3");
    parse_bad("1.2.3.4.");
    parse_bad(" 1.2.3.4");
    parse_bad("1.2.3.4 ");
    parse_bad("+1.2.3.4");
    parse_bad("1.2.3.-4");
    parse_bad("0x1.2.3.4");
    parse_bad("1.2.3.0x4");
    parse_bad("1234.1.1.1");
    parse_bad("1.2.3.4/24");
    parse_bad("1.2.3.4\n");
    parse_bad("1");
    parse_bad("16909060");
    parse_bad("1.2.3.a");
    parse_bad("");
    parse_bad_len("1.2.3.4\0", 8);
    parse_bad_len("1.2\0.3.4", 8);

    parse_v6("::", "00000000000000000000000000000000");
    parse_v6("::1", "00000000000000000000000000000001");
    parse_v6("1::", "00010000000000000000000000000000");
    parse_v6("2001:db8::1", "20010db8000000000000000000000001");
    parse_v6("2001:DB8::AbCd", "20010db800000000000000000000abcd");
    parse_v6("2001:db8:0:0:0:0:2:1", "20010db8000000000000000000020001");
    parse_v6("1:2:3:4:5:6:7:8", "00010002000300040005000600070008");
    parse_v6("1:2:3:4:5:6:7::", "00010002000300040005000600070000");
    parse_v6("::2:3:4:5:6:7:8", "00000002000300040005000600070008");
    parse_v6("1::8", "00010000000000000000000000000008");
    parse_v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffffffffffffffffffffffffffffffff");
    parse_v6("0000:0000:0000:0000:0000:0000:0000:0001", "00000000000000000000000000000001");
    parse_v6("::ffff:192.0.2.1", "00000000000000000000ffffc0000201");
    parse_v6("::FFFF:192.0.2.1", "00000000000000000000ffffc0000201");
    parse_v6("::192.0.2.1", "000000000000000000000000c0000201");
    parse_v6("1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304");
    parse_v6("1::1.2.3.4", "00010000000000000000000001020304");
    parse_v6("1:2:3:4:5::1.2.3.4", "00010002000300040005000001020304");
    parse_v6("64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221");
    parse_v6("fe80::1", "fe800000000000000000000000000001");
    parse_v6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffffffffffffffffffffffffffffffff");

    parse_bad(":");
    parse_bad(":::");
    parse_bad("1:::2");
    parse_bad("::1::");
    parse_bad("1::2::3");
    parse_bad(":1::2");
    parse_bad("1::2:");
    parse_bad(":1:2:3:4:5:6:7:8");
    parse_bad("1:2:3:4:5:6:7:8:");
    parse_bad("1:");
    parse_bad("1:2:3:4:5:6:7:8:9");
    parse_bad("1:2:3:4:5:6:7");
    parse_bad("1:2:3:4:5:6:7:8::");
    parse_bad("::1:2:3:4:5:6:7:8");
    parse_bad("1:2:3:4::5:6:7:8");
    parse_bad("12345::");
    parse_bad("::12345");
    parse_bad("g::1");
    parse_bad("fe80::1%eth0");
    parse_bad("fe80::1%1");
    parse_bad("[::1]");
    parse_bad("::1/128");
    parse_bad(" ::1");
    parse_bad("::1 ");
    parse_bad(":: 1");
    parse_bad("::ffff:1.2.3");
    parse_bad("::ffff:01.2.3.4");
    parse_bad("::ffff:256.1.1.1");
    parse_bad("::ffff:1.2.3.4.5");
    parse_bad("::1.2.3.4.");
    parse_bad("::a.2.3.4");
    parse_bad("1:2:3:4:5:6:7:1.2.3.4");
    parse_bad("1:2:3:4:5:6::1.2.3.4");
    parse_bad("::1.2.3.4:5");
    parse_bad("::1.2.3.4::");
    parse_bad("1.2.3.4::");
    parse_bad("1.2.3.4:1::");
    parse_bad("::ffff:1.2.3.4:");
    parse_bad("-1::");
    parse_bad("0x1::");
    parse_bad_len("::1\0", 4);
    parse_bad_len("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555", 46);
    parse_bad("0000:0000:0000:0000:0000:0000:0000:00001");

    /* Explicit lengths: bytes after len are never looked at. */
    {
        ma_ip ip;
        is_int(ma_ip_parse(&ip, "192.0.2.123", 9), MA_OK, "parse honours len (v4)");
        ok(ip.family == MA_IP_V4 && ip.addr[3] == 1, "parse honours len: 192.0.2.1");
        is_int(ma_ip_parse(&ip, "2001:db8::1:2", 11), MA_OK, "parse honours len (v6)");
        ok(ip.family == MA_IP_V6 && ip.addr[15] == 1 && ip.addr[13] == 0, "parse honours len: 2001:db8::1");
    }
    {
        /* Input without a NUL at the end of a heap block. */
        char *p = malloc(9);
        ma_ip ip;
        memcpy(p, "10.0.0.1", 8);
        p[8] = '5';
        is_int(ma_ip_parse(&ip, p, 8), MA_OK, "input without a NUL");
        free(p);
    }
    {
        ma_ip ip;
        is_int(ma_ip_parse(NULL, "1.2.3.4", 7), MA_EINVAL, "NULL out");
        is_int(ma_ip_parse(&ip, NULL, 7), MA_EINVAL, "NULL text");
        is_int(ma_ip_parse(&ip, NULL, 0), MA_ESYNTAX, "NULL text, zero length");
        ip = ip_of("1.2.3.4");
        ok(ip.addr[4] == 0 && ip.addr[15] == 0, "IPv4 leaves the rest of addr zeroed");
    }
}

/* Parse must agree with inet_pton on these (both accept or both reject,
   same bytes), since the grammar is the same; a differential check. */
static void test_pton_agreement(void)
{
    static const char *inputs[] = {
        "0.0.0.0", "1.2.3.4", "255.255.255.255", "256.1.1.1", "01.1.1.1", "1.1.1", "1.1.1.1.1",
        "::", "::1", "1::", "1::2", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "1:::2",
        "::ffff:1.2.3", "12345::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
        "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
        "ABCD::EF", "fe80::", ":1::", "1::2:", "::0:0:0:0:0:0:0", "0:0:0:0:0:0:0::", "",
    };
    size_t i;
    int bad = 0;
    for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        const char *s = inputs[i];
        ma_ip ip;
        unsigned char b[16];
        int mine = ma_ip_parse(&ip, s, strlen(s)) == MA_OK;
        int theirs = inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, b) == 1;
        if (mine != theirs || (mine && memcmp(ip.addr, b, ip.family == MA_IP_V4 ? 4 : 16) != 0)) {
            printf("# disagreement on \"%s\": ours %d, inet_pton %d\n", s, mine, theirs);
            bad = 1;
        }
    }
    ok(!bad, "parser agrees with inet_pton on the reference inputs");
}

static void test_format(void)
{
    /* RFC 5952 section 4 rules and examples. */
    fmt("2001:0db8::0001", "2001:db8::1");                    /* 4.1 leading zeros */
    fmt("2001:db8:0:0:0:0:2:1", "2001:db8::2:1");             /* 4.2.1 longest */
    fmt("2001:db8::0:1", "2001:db8::1");
    fmt("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");      /* 4.2.2 not one group */
    fmt("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");               /* 4.2.3 longest run */
    fmt("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");         /* 4.2.3 first on a tie */
    fmt("2001:DB8::ABCD", "2001:db8::abcd");                  /* 4.3 lower case */
    fmt("::", "::");
    fmt("::1", "::1");
    fmt("1::", "1::");
    fmt("1:0:0:0:0:0:0:0", "1::");
    fmt("0:0:1:0:0:0:0:0", "0:0:1::");
    fmt("0:0:0:0:0:0:0:1", "::1");
    fmt("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1");
    fmt("1:0:0:2:0:0:0:3", "1:0:0:2::3");
    fmt("1:0:0:0:2:0:0:0", "1::2:0:0:0");
    fmt("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
    fmt("fe80:0000:0000:0000:0202:b3ff:fe1e:8329", "fe80::202:b3ff:fe1e:8329");
    fmt("abcd:ef01:2345:6789:abcd:ef01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789");
    fmt("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    fmt("0:0:0:0:0:0:0:10", "::10");
    fmt("100:0:0:0:0:0:0:0", "100::");
    /* RFC 5952 5: IPv4-mapped in mixed notation. */
    fmt("::ffff:192.0.2.1", "::ffff:192.0.2.1");
    fmt("::ffff:c000:0201", "::ffff:192.0.2.1");
    fmt("::ffff:0.0.0.0", "::ffff:0.0.0.0");
    fmt("::ffff:255.255.255.255", "::ffff:255.255.255.255");
    /* Not mapped: plain hex. */
    fmt("::192.0.2.1", "::c000:201");
    fmt("::fffe:192.0.2.1", "::fffe:c000:201");
    fmt("1::ffff:192.0.2.1", "1::ffff:c000:201");
    fmt("64:ff9b::192.0.2.33", "64:ff9b::c000:221");
    /* IPv4 */
    fmt("192.0.2.1", "192.0.2.1");
    fmt("0.0.0.0", "0.0.0.0");
    fmt("255.255.255.255", "255.255.255.255");
    fmt("10.100.0.9", "10.100.0.9");

    {
        ma_ip ip = ip_of("::1");
        char buf[MA_IP_TEXT_MAX];
        is_int(ma_ip_format(&ip, buf, MA_IP_TEXT_MAX - 1), MA_EINVAL, "format into a small buffer");
        is_int(ma_ip_format(NULL, buf, sizeof buf), MA_EINVAL, "format NULL ip");
        is_int(ma_ip_format(&ip, NULL, sizeof buf), MA_EINVAL, "format NULL buffer");
        ip.family = 5;
        is_int(ma_ip_format(&ip, buf, sizeof buf), MA_EINVAL, "format bad family");
        ip.family = 0;
        is_int(ma_ip_format(&ip, buf, sizeof buf), MA_EINVAL, "format family 0");
    }

    /* Every pattern of zero and non-zero groups: compare with inet_ntop
       (which follows RFC 5952 for these) and check the round trip.  Skip
       patterns inet_ntop writes with dotted IPv4 (first 96 bits zero, or
       IPv4-mapped). */
    {
        int pat, bad = 0, rt_bad = 0;
        for (pat = 0; pat < 256; pat++) {
            ma_ip ip, back;
            char mine[MA_IP_TEXT_MAX], theirs[INET6_ADDRSTRLEN];
            int k;
            memset(&ip, 0, sizeof ip);
            ip.family = MA_IP_V6;
            for (k = 0; k < 8; k++) {
                if (pat & (1 << k)) {
                    ip.addr[2 * k] = (unsigned char)(k == 0 ? 0x20 : 0);
                    ip.addr[2 * k + 1] = (unsigned char)(k + 1);
                }
            }
            if (ma_ip_format(&ip, mine, sizeof mine) != MA_OK
                || ma_ip_parse(&back, mine, strlen(mine)) != MA_OK
                || memcmp(back.addr, ip.addr, 16) != 0 || back.family != MA_IP_V6)
                rt_bad = 1;
            if ((pat & 0x3f) == 0)
                continue;
            inet_ntop(AF_INET6, ip.addr, theirs, sizeof theirs);
            if (strcmp(mine, theirs) != 0) {
                printf("# pattern %02x: ours %s, inet_ntop %s\n", pat, mine, theirs);
                bad = 1;
            }
        }
        ok(!bad, "format agrees with inet_ntop on all 256 zero-group patterns");
        ok(!rt_bad, "format then parse gives back all 256 zero-group patterns");
    }
}

static void test_reverse(void)
{
    rev("192.0.2.1", "1.2.0.192.in-addr.arpa");
    rev("10.0.0.255", "255.0.0.10.in-addr.arpa");
    rev("0.0.0.0", "0.0.0.0.in-addr.arpa");
    /* RFC 3596 2.5 example (there in upper case with a trailing dot). */
    rev("4321:0:1:2:3:4:567:89ab",
        "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
    rev("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    rev("::ffff:192.0.2.1", "1.2.0.192.in-addr.arpa");
    rev("::192.0.2.1", "1.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
    {
        ma_ip ip = ip_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        char buf[MA_IP_REVERSE_MAX];
        is_int(ma_ip_reverse_name(&ip, buf, sizeof buf), MA_OK, "longest reverse name");
        ok(strlen(buf) + 1 <= MA_IP_REVERSE_MAX, "longest reverse name fits MA_IP_REVERSE_MAX");
        ip = ip_of("255.255.255.255");
        is_int(ma_ip_reverse_name(&ip, buf, sizeof buf), MA_OK, "longest IPv4 reverse name");
        is_str(buf, "255.255.255.255.in-addr.arpa", "longest IPv4 reverse name text");
        is_int(ma_ip_reverse_name(&ip, buf, MA_IP_REVERSE_MAX - 1), MA_EINVAL, "small buffer");
        is_int(ma_ip_reverse_name(NULL, buf, sizeof buf), MA_EINVAL, "NULL ip");
        is_int(ma_ip_reverse_name(&ip, NULL, sizeof buf), MA_EINVAL, "NULL buffer");
        ip.family = 7;
        is_int(ma_ip_reverse_name(&ip, buf, sizeof buf), MA_EINVAL, "bad family");
    }
}

static void test_unmap_equal(void)
{
    ma_ip a, b, v4;

    a = ip_of("::ffff:192.0.2.1");
    memset(&v4, 0x77, sizeof v4);
    is_int(ma_ip_unmap_v4(&a, &v4), 1, "unmap a mapped address");
    ok(v4.family == MA_IP_V4 && v4.addr[0] == 192 && v4.addr[3] == 1, "unmapped to 192.0.2.1");
    ok(v4.addr[4] == 0 && v4.addr[15] == 0, "unmapped address has the rest zeroed");
    a = ip_of("::ffff:0.0.0.0");
    is_int(ma_ip_unmap_v4(&a, &v4), 1, "unmap ::ffff:0.0.0.0");
    memset(&v4, 0x77, sizeof v4);
    b = v4;
    a = ip_of("::fffe:192.0.2.1");
    is_int(ma_ip_unmap_v4(&a, &v4), 0, "::fffe: is not mapped");
    ok(memcmp(&v4, &b, sizeof v4) == 0, "output untouched when not mapped");
    a = ip_of("::192.0.2.1");
    is_int(ma_ip_unmap_v4(&a, &v4), 0, "IPv4-compatible is not mapped");
    a = ip_of("1::ffff:192.0.2.1");
    is_int(ma_ip_unmap_v4(&a, &v4), 0, "non-zero high bits: not mapped");
    a = ip_of("0:0:0:0:1:ffff:c000:201");
    is_int(ma_ip_unmap_v4(&a, &v4), 0, "bit in group 5: not mapped");
    a = ip_of("192.0.2.1");
    is_int(ma_ip_unmap_v4(&a, &v4), 0, "IPv4 is not mapped");
    is_int(ma_ip_unmap_v4(NULL, &v4), 0, "unmap NULL");
    a = ip_of("::ffff:1.2.3.4");
    is_int(ma_ip_unmap_v4(&a, NULL), 0, "unmap into NULL");

    a = ip_of("192.0.2.1");
    b = ip_of("192.0.2.1");
    is_int(ma_ip_equal(&a, &b), 1, "equal IPv4");
    b.addr[10] = 99;
    is_int(ma_ip_equal(&a, &b), 1, "bytes past 4 ignored for IPv4");
    b = ip_of("192.0.2.2");
    is_int(ma_ip_equal(&a, &b), 0, "different IPv4");
    b = ip_of("::ffff:192.0.2.1");
    is_int(ma_ip_equal(&a, &b), 1, "IPv4 equals its mapped form");
    is_int(ma_ip_equal(&b, &a), 1, "mapped form equals the IPv4");
    b = ip_of("::192.0.2.1");
    is_int(ma_ip_equal(&a, &b), 0, "IPv4-compatible is a different address");
    a = ip_of("2001:db8::1");
    b = ip_of("2001:DB8:0:0:0:0:0:1");
    is_int(ma_ip_equal(&a, &b), 1, "equal IPv6");
    b = ip_of("2001:db8::2");
    is_int(ma_ip_equal(&a, &b), 0, "different IPv6");
    a = ip_of("0.0.0.1");
    b = ip_of("::1");
    is_int(ma_ip_equal(&a, &b), 0, "0.0.0.1 is not ::1");
    b.family = 0;
    is_int(ma_ip_equal(&b, &b), 0, "bad family never equal");
    is_int(ma_ip_equal(NULL, &a), 0, "NULL");
}

static void test_network(void)
{
    ma_ip a, n;

    is_int(in_net("192.0.2.1", "192.0.2.0", 24), 1, "v4 in /24");
    is_int(in_net("192.0.3.1", "192.0.2.0", 24), 0, "v4 outside /24");
    is_int(in_net("192.0.2.1", "192.0.2.77", 24), 1, "host bits of the network ignored");
    is_int(in_net("192.0.2.127", "192.0.2.0", 25), 1, "/25 upper edge");
    is_int(in_net("192.0.2.128", "192.0.2.0", 25), 0, "/25 just outside");
    is_int(in_net("192.0.3.255", "192.0.2.0", 23), 1, "/23");
    is_int(in_net("192.0.4.0", "192.0.2.0", 23), 0, "/23 just outside");
    is_int(in_net("192.0.2.1", "192.0.2.0", 31), 1, "/31");
    is_int(in_net("192.0.2.2", "192.0.2.0", 31), 0, "/31 outside");
    is_int(in_net("192.0.2.1", "192.0.2.1", 32), 1, "/32 same");
    is_int(in_net("192.0.2.1", "192.0.2.2", 32), 0, "/32 different");
    is_int(in_net("203.0.113.9", "192.0.2.1", 0), 1, "/0 matches any IPv4");
    is_int(in_net("128.0.0.0", "0.0.0.0", 1), 0, "/1 high bit");
    is_int(in_net("127.255.255.255", "0.0.0.0", 1), 1, "/1 low half");
    is_int(in_net("192.0.2.1", "192.0.2.1", 33), 0, "IPv4 prefix 33 never matches");
    is_int(in_net("192.0.2.1", "192.0.2.1", 1000), 0, "huge prefix never matches");

    is_int(in_net("2001:db8::1", "2001:db8::", 32), 1, "v6 in /32");
    is_int(in_net("2001:db9::1", "2001:db8::", 32), 0, "v6 outside /32");
    is_int(in_net("2001:db8:0:1::", "2001:db8::", 63), 1, "/63");
    is_int(in_net("2001:db8:0:2::", "2001:db8::", 63), 0, "/63 outside");
    is_int(in_net("2001:db8::8000:0:0:0", "2001:db8::", 65), 0, "/65 outside");
    is_int(in_net("2001:db8::7fff:0:0:0", "2001:db8::", 65), 1, "/65 inside");
    is_int(in_net("2001:db8::1", "2001:db8::1", 128), 1, "/128 same");
    is_int(in_net("2001:db8::1", "2001:db8::2", 128), 0, "/128 different");
    is_int(in_net("2001:db8::1", "2001:db8::1", 129), 0, "IPv6 prefix 129 never matches");
    is_int(in_net("2001:db8::1", "::", 0), 1, "::/0 matches any IPv6");

    /* Families, and IPv4-mapped on either side. */
    is_int(in_net("192.0.2.1", "::", 0), 0, "::/0 does not match an IPv4 client");
    is_int(in_net("2001:db8::1", "0.0.0.0", 0), 0, "0.0.0.0/0 does not match an IPv6 client");
    is_int(in_net("::ffff:192.0.2.1", "192.0.2.0", 24), 1, "mapped client in an IPv4 network");
    is_int(in_net("::ffff:192.0.3.1", "192.0.2.0", 24), 0, "mapped client outside an IPv4 network");
    is_int(in_net("::ffff:192.0.2.1", "::", 0), 0, "mapped client is IPv4: not in ::/0");
    is_int(in_net("192.0.2.1", "::ffff:192.0.2.0", 120), 1, "IPv4 client in a mapped /120");
    is_int(in_net("192.0.3.1", "::ffff:192.0.2.0", 120), 0, "IPv4 client outside a mapped /120");
    is_int(in_net("::ffff:192.0.2.1", "::ffff:192.0.2.0", 120), 1, "mapped client in mapped /120");
    is_int(in_net("203.0.113.1", "::ffff:0:0", 96), 1, "mapped /96 is all of IPv4");
    is_int(in_net("192.0.2.1", "::ffff:192.0.2.1", 128), 1, "mapped /128 is an IPv4 /32");
    is_int(in_net("192.0.2.2", "::ffff:192.0.2.1", 128), 0, "mapped /128 exact");
    is_int(in_net("192.0.2.1", "::ffff:192.0.2.1", 129), 0, "mapped /129 never matches");
    is_int(in_net("192.0.2.1", "::ffff:0:0", 80), 0, "mapped network below /96 stays IPv6");
    is_int(in_net("192.0.2.1", "::ffff:192.0.2.0", 95), 0, "mapped network /95 stays IPv6");
    is_int(in_net("::ffff:192.0.2.1", "::ffff:192.0.2.0", 95), 0, "mapped client vs mapped /95");
    is_int(in_net("::fffe:1.2.3.4", "::ffff:0:0", 80), 1, "IPv6 client in that IPv6 /80");
    is_int(in_net("::192.0.2.1", "192.0.2.0", 24), 0, "IPv4-compatible client is IPv6");

    a = ip_of("192.0.2.1");
    n = ip_of("192.0.2.0");
    is_int(ma_ip_in_network(NULL, &n, 24), 0, "NULL ip");
    is_int(ma_ip_in_network(&a, NULL, 24), 0, "NULL network");
    n.family = 9;
    is_int(ma_ip_in_network(&a, &n, 0), 0, "bad network family");
    n.family = MA_IP_V4;
    a.family = 0;
    is_int(ma_ip_in_network(&a, &n, 0), 0, "bad ip family");
}

/* Random addresses: format, parse back, same address; reverse name fits. */
static void test_random(void)
{
    uint32_t st = 99;
    int i, bad = 0;
    for (i = 0; i < 20000 && !bad; i++) {
        ma_ip ip, back;
        char txt[MA_IP_TEXT_MAX], rv[MA_IP_REVERSE_MAX];
        int k;
        memset(&ip, 0, sizeof ip);
        ip.family = (i % 3 == 0) ? MA_IP_V4 : MA_IP_V6;
        for (k = 0; k < (ip.family == MA_IP_V4 ? 4 : 16); k++) {
            st = st * 1103515245u + 12345u;
            /* Many zero bytes, to exercise "::" placement. */
            ip.addr[k] = (unsigned char)(((st >> 16) & 3) == 0 ? (st >> 8) : 0);
        }
        if (i % 7 == 0 && ip.family == MA_IP_V6) {
            memset(ip.addr, 0, 10);
            ip.addr[10] = ip.addr[11] = 0xff;
        }
        if (ma_ip_format(&ip, txt, sizeof txt) != MA_OK || ma_ip_parse(&back, txt, strlen(txt)) != MA_OK
            || back.family != ip.family || memcmp(back.addr, ip.addr, 16) != 0
            || ma_ip_reverse_name(&ip, rv, sizeof rv) != MA_OK || strlen(rv) >= sizeof rv) {
            printf("# round trip failed for %s\n", txt);
            bad = 1;
        }
    }
    ok(!bad, "20000 random addresses survive format and parse");
}

int main(void)
{
    test_parse();
    test_pton_agreement();
    test_format();
    test_reverse();
    test_unmap_equal();
    test_network();
    test_random();
    tap_diag("done");
    return tap_done();
}
