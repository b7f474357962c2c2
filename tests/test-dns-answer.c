/*
 * DNS answers (building, freezing, reading, limits), type and rcode names,
 * and canonical names.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"
#include "tap.h"

static ma_ip ip4(unsigned char a, unsigned char b, unsigned char c, unsigned char d)
{
    ma_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = MA_IP_V4;
    ip.addr[0] = a;
    ip.addr[1] = b;
    ip.addr[2] = c;
    ip.addr[3] = d;
    return ip;
}

static void test_names(void)
{
    ma_dns_type t;
    is_str(ma_dns_type_name(MA_DNS_AAAA), "AAAA", "type name");
    ok(ma_dns_type_name(99) == NULL, "SPF type 99 is not one we ask");
    is_int(ma_dns_type_parse(&t, "mx"), MA_OK, "type parse lower case");
    is_int(t, MA_DNS_MX, "parsed MX");
    is_int(ma_dns_type_parse(&t, "Txt"), MA_OK, "type parse mixed case");
    is_int(t, MA_DNS_TXT, "parsed TXT");
    is_int(ma_dns_type_parse(&t, "SPF"), MA_EINVAL, "unknown type");
    is_int(ma_dns_type_parse(&t, ""), MA_EINVAL, "empty type");
    is_str(ma_dns_rcode_name(MA_DNS_NXDOMAIN), "nxdomain", "rcode name");
    ok(ma_dns_rcode_name(9) == NULL, "unknown rcode");
}

static void test_txt(ma_ctx *ctx)
{
    ma_dns_answer *a;
    const char *text;
    size_t len;
    const char *parts[3] = { "v=spf1 ", "ip4:192.0.2.1", " -all" };
    size_t lens[3] = { 7, 13, 5 };
    const char bin[4] = { 'a', '\0', 'b', '\x80' };

    is_int(ma_dns_answer_new(&a, ctx, MA_DNS_TXT, MA_DNS_OK), MA_OK, "new TXT answer");
    is_int(ma_dns_answer_rcode(a), MA_DNS_NODATA, "OK answer without records reads as NODATA");
    is_int(ma_dns_answer_add_txt_parts(a, parts, lens, 3, 300), MA_OK, "add multi-string TXT");
    is_int(ma_dns_answer_add_txt(a, bin, 4, 60), MA_OK, "add binary TXT");
    is_int(ma_dns_answer_add_txt_parts(a, NULL, NULL, 0, 100), MA_OK, "add TXT with zero strings");
    is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "now OK");
    is_int(ma_dns_answer_count(a), 3, "three records");
    is_int(ma_dns_answer_ttl(a), 60, "TTL is the least record TTL");
    is_int(ma_dns_answer_txt(a, 0, &text, &len), MA_OK, "read record 0");
    is_mem(text, len, "v=spf1 ip4:192.0.2.1 -all", 25, "strings joined without separator");
    is_int(ma_dns_answer_txt(a, 1, &text, &len), MA_OK, "read record 1");
    is_mem(text, len, bin, 4, "binary bytes kept, NUL included");
    ok(text[4] == '\0', "NUL after the bytes");
    is_int(ma_dns_answer_txt(a, 2, &text, &len), MA_OK, "read record 2");
    is_int(len, 0, "empty TXT record");
    is_int(ma_dns_answer_txt(a, 3, &text, &len), MA_EINVAL, "index out of range");
    is_int(ma_dns_answer_mx(a, 0, (uint16_t *)&len, &text), MA_EINVAL, "wrong accessor type");
    is_int(ma_dns_answer_add_mx(a, 1, "mx.example", 1), MA_EINVAL, "wrong add type");
    is_int(ma_dns_answer_set_ttl(a, 5), MA_OK, "set TTL");
    is_int(ma_dns_answer_ttl(a), 5, "TTL overridden");

    ma_dns_answer_ref(a);
    is_int(ma_dns_answer_add_txt(a, "x", 1, 1), MA_ESTATE, "shared answer is frozen");
    is_int(ma_dns_answer_set_ttl(a, 1), MA_ESTATE, "frozen TTL");
    ma_dns_answer_free(a);
    is_int(ma_dns_answer_count(a), 3, "still alive after one free");
    ma_dns_answer_free(a);
    ma_dns_answer_free(NULL);
}

static void test_other_types(ma_ctx *ctx)
{
    ma_dns_answer *a;
    ma_ip ip = ip4(192, 0, 2, 7), got, v6;
    uint16_t pref;
    const char *name;

    ma_dns_answer_new(&a, ctx, MA_DNS_A, MA_DNS_OK);
    is_int(ma_dns_answer_add_addr(a, &ip, 10), MA_OK, "add A");
    memset(&v6, 0, sizeof v6);
    v6.family = MA_IP_V6;
    is_int(ma_dns_answer_add_addr(a, &v6, 10), MA_EINVAL, "IPv6 into an A answer refused");
    is_int(ma_dns_answer_addr(a, 0, &got), MA_OK, "read A");
    ok(got.family == MA_IP_V4 && memcmp(got.addr, ip.addr, 4) == 0, "A record address");
    ma_dns_answer_free(a);

    ma_dns_answer_new(&a, ctx, MA_DNS_AAAA, MA_DNS_OK);
    is_int(ma_dns_answer_add_addr(a, &ip, 10), MA_EINVAL, "IPv4 into an AAAA answer refused");
    v6.addr[15] = 1;
    is_int(ma_dns_answer_add_addr(a, &v6, 10), MA_OK, "add AAAA");
    is_int(ma_dns_answer_addr(a, 0, &got), MA_OK, "read AAAA");
    ok(got.family == MA_IP_V6 && got.addr[15] == 1, "AAAA address");
    ma_dns_answer_free(a);

    ma_dns_answer_new(&a, ctx, MA_DNS_MX, MA_DNS_OK);
    is_int(ma_dns_answer_add_mx(a, 10, "mx1.example.com.", 10), MA_OK, "add MX");
    is_int(ma_dns_answer_add_mx(a, 20, "MX2.Example.com", 10), MA_OK, "add MX 2");
    is_int(ma_dns_answer_mx(a, 0, &pref, &name), MA_OK, "read MX");
    is_int(pref, 10, "MX preference");
    is_str(name, "mx1.example.com", "trailing dot removed");
    ma_dns_answer_mx(a, 1, &pref, &name);
    is_str(name, "MX2.Example.com", "case kept as given");
    is_int(ma_dns_answer_add_mx(a, 1, NULL, 1), MA_EINVAL, "NULL exchange refused");
    ma_dns_answer_free(a);

    ma_dns_answer_new(&a, ctx, MA_DNS_PTR, MA_DNS_OK);
    is_int(ma_dns_answer_add_ptr(a, "host.example.net.", 10), MA_OK, "add PTR");
    is_int(ma_dns_answer_ptr(a, 0, &name), MA_OK, "read PTR");
    is_str(name, "host.example.net", "PTR name");
    ma_dns_answer_free(a);

    is_int(ma_dns_answer_new(&a, ctx, (ma_dns_type)99, MA_DNS_OK), MA_EINVAL, "unknown type refused");
    ok(a == NULL, "out cleared");
    is_int(ma_dns_answer_new(&a, ctx, MA_DNS_A, (ma_dns_rcode)9), MA_EINVAL, "unknown rcode refused");
    is_int(ma_dns_answer_new(&a, NULL, MA_DNS_A, MA_DNS_OK), MA_EINVAL, "NULL ctx refused");

    ma_dns_answer_new(&a, ctx, MA_DNS_TXT, MA_DNS_TEMPFAIL);
    ma_dns_answer_add_txt(a, "ignored", 7, 1);
    is_int(ma_dns_answer_rcode(a), MA_DNS_TEMPFAIL, "TEMPFAIL kept");
    is_int(ma_dns_answer_count(a), 0, "records of a failed answer are not exposed");
    ma_dns_answer_free(a);
}

static void test_limits(void)
{
    ma_ctx *ctx;
    ma_dns_answer *a;
    char big[70000];
    ma_ip ip = ip4(10, 0, 0, 1);

    ma_ctx_new(&ctx, NULL);
    ma_ctx_set_limit(ctx, MA_LIMIT_DNS_RECORDS, 2);
    ma_ctx_set_limit(ctx, MA_LIMIT_TXT_BYTES, 100);
    ma_dns_answer_new(&a, ctx, MA_DNS_A, MA_DNS_OK);
    ma_dns_answer_add_addr(a, &ip, 1);
    ma_dns_answer_add_addr(a, &ip, 1);
    is_int(ma_dns_answer_add_addr(a, &ip, 1), MA_ELIMIT, "record count limit");
    is_int(ma_dns_answer_count(a), 2, "limit leaves the answer intact");
    ma_dns_answer_free(a);
    memset(big, 'x', sizeof big);
    ma_dns_answer_new(&a, ctx, MA_DNS_TXT, MA_DNS_OK);
    is_int(ma_dns_answer_add_txt(a, big, 100, 1), MA_OK, "TXT at the limit");
    is_int(ma_dns_answer_add_txt(a, big, 101, 1), MA_ELIMIT, "TXT over the limit");
    ma_dns_answer_free(a);
    ma_ctx_free(ctx);
}

static void canon_is(ma_ctx *ctx, const char *in, int want_rc, const char *want, const char *what)
{
    ma_buf b;
    int rc;
    ma__buf_init(&b, ctx);
    rc = ma__dns_name_canon(&b, in, strlen(in));
    if (is_int(rc, want_rc, what) && rc == MA_OK)
        is_str(b.data ? b.data : "", want, what);
    ma__buf_free(&b);
}

static void test_canon(ma_ctx *ctx)
{
    char label64[80], long_name[300];
    size_t i;

    canon_is(ctx, "Example.COM", MA_OK, "example.com", "lower-cased");
    canon_is(ctx, "example.com.", MA_OK, "example.com", "trailing dot removed");
    canon_is(ctx, ".", MA_OK, "", "root");
    canon_is(ctx, "", MA_OK, "", "empty is the root");
    canon_is(ctx, "a\\046b.example", MA_OK, "a\\046b.example", "escaped dot stays in its label");
    canon_is(ctx, "a\\.b.example", MA_OK, "a\\046b.example", "\\. and \\046 are the same name");
    canon_is(ctx, "\\065bc.example", MA_OK, "abc.example", "\\DDD decoded and folded");
    canon_is(ctx, "sp\\032ace.example", MA_OK, "sp\\032ace.example", "space kept escaped");
    canon_is(ctx, "a\\\\.", MA_OK, "a\\092", "escaped backslash before the root dot");
    canon_is(ctx, "a\\.", MA_OK, "a\\046", "an escaped final dot is not the root");
    ok(ma__dns_name_strip_root("x\\\\\\.", 5) == 5, "strip_root: odd backslashes keep the dot");
    canon_is(ctx, "a..b", MA_ESYNTAX, "", "empty label");
    canon_is(ctx, ".a", MA_ESYNTAX, "", "leading dot");
    canon_is(ctx, "a\\", MA_ESYNTAX, "", "dangling backslash");
    canon_is(ctx, "a\\25", MA_ESYNTAX, "", "short \\DDD");
    canon_is(ctx, "a\\256", MA_ESYNTAX, "", "\\DDD over 255");
    memset(label64, 'a', 64);
    label64[64] = '\0';
    canon_is(ctx, label64, MA_ESYNTAX, "", "64-octet label");
    label64[63] = '\0';
    canon_is(ctx, label64, MA_OK, label64, "63-octet label");
    /* 127 labels "a." = 254 text bytes, 255 wire octets with the root: allowed. */
    for (i = 0; i < 127; i++)
        memcpy(long_name + 2 * i, "a.", 2);
    long_name[253] = '\0';
    canon_is(ctx, long_name, MA_OK, long_name, "255-octet wire name");
    long_name[253] = '.';
    long_name[254] = 'b';
    long_name[255] = '\0';
    canon_is(ctx, long_name, MA_ESYNTAX, "", "256-octet wire name");
    ok(ma__hash("abc", 3, 0) != ma__hash("abd", 3, 0), "hash differs");
    ok(ma__hash("abc", 3, 0) == ma__hash("abc", 3, 0), "hash stable");
}

int main(void)
{
    ma_ctx *ctx;
    ma_ctx_new(&ctx, NULL);
    test_names();
    test_txt(ctx);
    test_other_types(ctx);
    test_limits();
    test_canon(ctx);
    ma_ctx_free(ctx);
    return tap_done();
}
