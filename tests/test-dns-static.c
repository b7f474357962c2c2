/*
 * The static resolver: records of every type, name matching, empty
 * non-terminals, CNAMEs, failure marks, copy-on-write, threads.
 */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns/static_int.h"
#include "tap.h"

static ma_ctx *ctx;

static ma_ip v4(const char *text)
{
    ma_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = MA_IP_V4;
    if (inet_pton(AF_INET, text, ip.addr) != 1)
        abort();
    return ip;
}

static ma_ip v6(const char *text)
{
    ma_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = MA_IP_V6;
    if (inet_pton(AF_INET6, text, ip.addr) != 1)
        abort();
    return ip;
}

/* Resolve and return the rcode (-100 - status on an API error); *out keeps the answer. */
static int ask(ma_resolver *r, const char *name, ma_dns_type type, ma_dns_answer **out)
{
    ma_dns_answer *a = NULL;
    int rc = ma_resolver_resolve(r, name, type, &a);
    if (out != NULL)
        *out = a;
    if (rc != MA_OK)
        return -100 + rc;
    rc = (int)ma_dns_answer_rcode(a);
    if (out == NULL)
        ma_dns_answer_free(a);
    return rc;
}

/* The joined text of TXT record i of a fresh question ("" when absent). */
static int txt_is(ma_resolver *r, const char *name, size_t i, const char *want, size_t wlen,
                  const char *what)
{
    ma_dns_answer *a = NULL;
    const char *t = NULL;
    size_t len = 0;
    int ok;
    if (ma_resolver_resolve(r, name, MA_DNS_TXT, &a) == MA_OK)
        ma_dns_answer_txt(a, i, &t, &len);
    ok = is_mem(t, len, want, wlen, what);
    ma_dns_answer_free(a);
    return ok;
}

static void test_args(void)
{
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    ma_ip ip = v4("192.0.2.1");

    tap_diag("arguments");
    is_int(ma_static_zone_new(NULL, ctx), MA_EINVAL, "zone_new: NULL out");
    is_int(ma_static_zone_new(&z, NULL), MA_EINVAL, "zone_new: NULL ctx");
    ok(z == NULL, "zone_new: out cleared on error");
    is_int(ma_static_zone_new(&z, ctx), MA_OK, "zone_new");
    is_str(ma_static_zone_error(z), "", "no error text at first");
    is_str(ma_static_zone_error(NULL), "", "error text of NULL is empty");
    is_int(ma_static_zone_add_txt(NULL, "a", "x", 1, 1), MA_EINVAL, "add_txt: NULL zone");
    is_int(ma_static_zone_add_txt(z, NULL, "x", 1, 1), MA_EINVAL, "add_txt: NULL name");
    is_int(ma_static_zone_add_txt(z, "a", NULL, 1, 1), MA_EINVAL, "add_txt: NULL text with length");
    is_int(ma_static_zone_add_addr(z, "a", NULL, 1), MA_EINVAL, "add_addr: NULL ip");
    ip.family = 5;
    is_int(ma_static_zone_add_addr(z, "a", &ip, 1), MA_EINVAL, "add_addr: bad family");
    is_int(ma_static_zone_add_mx(z, "a", 1, NULL, 1), MA_EINVAL, "add_mx: NULL exchange");
    is_int(ma_static_zone_add_ptr(z, NULL, "x", 1), MA_EINVAL, "add_ptr: NULL name");
    is_int(ma_static_zone_add_cname(z, "a", NULL, 1), MA_EINVAL, "add_cname: NULL target");
    is_int(ma_static_zone_add_timeout(z, NULL, 0), MA_EINVAL, "add_timeout: NULL name");
    is_int(ma_static_zone_add_servfail(z, "a", 1u << 2), MA_EINVAL, "add_servfail: unknown type bit");
    is_int(ma_resolver_static_new(NULL, ctx, z), MA_EINVAL, "static_new: NULL out");
    is_int(ma_resolver_static_new(&r, ctx, NULL), MA_EINVAL, "static_new: NULL zone");
    is_int(ma_resolver_static_new(&r, NULL, z), MA_EINVAL, "static_new: NULL ctx");
    ok(r == NULL, "static_new: out cleared on error");
    ma_static_zone_free(z);
    ma_static_zone_free(NULL);
}

static void test_types(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    ma_dns_answer *a;
    ma_ip ip, got;
    const char *s;
    uint16_t pref;
    static const char bin[] = "v=DKIM1; p=\0\377\n end";

    tap_diag("every record type");
    ma_static_zone_new(&z, ctx);
    ip = v4("192.0.2.1");
    is_int(ma_static_zone_add_txt(z, "example.com", "v=spf1 -all", 11, 300), MA_OK, "add TXT");
    is_int(ma_static_zone_add_txt(z, "example.com", "second", 6, 200), MA_OK, "add a second TXT");
    is_int(ma_static_zone_add_txt(z, "bin.example.com", bin, sizeof bin - 1, 1), MA_OK,
           "add TXT with NUL and high bytes");
    is_int(ma_static_zone_add_txt(z, "empty.example.com", "", 0, 1), MA_OK, "add empty TXT");
    is_int(ma_static_zone_add_addr(z, "example.com", &ip, 60), MA_OK, "add A");
    ip = v6("2001:db8::1");
    is_int(ma_static_zone_add_addr(z, "example.com", &ip, 60), MA_OK, "add AAAA");
    is_int(ma_static_zone_add_mx(z, "example.com", 10, "mx1.example.com.", 60), MA_OK, "add MX");
    is_int(ma_static_zone_add_mx(z, "example.com", 20, "MX2.Example.COM", 60), MA_OK, "add MX 2");
    is_int(ma_static_zone_add_mx(z, "nullmx.example.com", 0, ".", 60), MA_OK, "add null MX");
    is_int(ma_static_zone_add_ptr(z, "1.2.0.192.in-addr.arpa", "host.example.com.", 60), MA_OK,
           "add PTR");
    is_int(ma_resolver_static_new(&r, ctx, z), MA_OK, "static resolver");

    is_int(ask(r, "example.com", MA_DNS_TXT, &a), MA_DNS_OK, "TXT: ok");
    is_int(ma_dns_answer_count(a), 2, "TXT: two records");
    is_int(ma_dns_answer_ttl(a), 200, "TXT: TTL is the least record TTL");
    is_int(ma_dns_answer_type(a), MA_DNS_TXT, "TXT: type");
    ma_dns_answer_free(a);
    txt_is(r, "example.com", 0, "v=spf1 -all", 11, "TXT: first record");
    txt_is(r, "example.com", 1, "second", 6, "TXT: second record");
    txt_is(r, "bin.example.com", 0, bin, sizeof bin - 1, "TXT: any bytes kept");
    is_int(ask(r, "empty.example.com", MA_DNS_TXT, &a), MA_DNS_OK, "TXT: empty record is a record");
    is_int(ma_dns_answer_count(a), 1, "TXT: empty record counted");
    ma_dns_answer_free(a);

    is_int(ask(r, "example.com", MA_DNS_A, &a), MA_DNS_OK, "A: ok");
    ok(ma_dns_answer_addr(a, 0, &got) == MA_OK && got.family == MA_IP_V4 &&
           memcmp(got.addr, "\xc0\x00\x02\x01", 4) == 0,
       "A: address");
    ma_dns_answer_free(a);
    is_int(ask(r, "example.com", MA_DNS_AAAA, &a), MA_DNS_OK, "AAAA: ok");
    ok(ma_dns_answer_addr(a, 0, &got) == MA_OK && got.family == MA_IP_V6 &&
           memcmp(got.addr, ip.addr, 16) == 0,
       "AAAA: address");
    ma_dns_answer_free(a);

    is_int(ask(r, "example.com", MA_DNS_MX, &a), MA_DNS_OK, "MX: ok");
    is_int(ma_dns_answer_count(a), 2, "MX: two records");
    ok(ma_dns_answer_mx(a, 0, &pref, &s) == MA_OK && pref == 10, "MX: preference");
    is_str(s, "mx1.example.com", "MX: exchange without trailing dot");
    ma_dns_answer_mx(a, 1, &pref, &s);
    is_str(s, "MX2.Example.COM", "MX: exchange keeps its case");
    ma_dns_answer_free(a);
    is_int(ask(r, "nullmx.example.com", MA_DNS_MX, &a), MA_DNS_OK, "null MX: ok");
    ma_dns_answer_mx(a, 0, &pref, &s);
    is_str(s, ".", "null MX: exchange is the root");
    ma_dns_answer_free(a);

    is_int(ask(r, "1.2.0.192.in-addr.arpa", MA_DNS_PTR, &a), MA_DNS_OK, "PTR: ok");
    ok(ma_dns_answer_ptr(a, 0, &s) == MA_OK, "PTR: record");
    is_str(s, "host.example.com", "PTR: name without trailing dot");
    ma_dns_answer_free(a);

    is_int(ask(r, "example.com", MA_DNS_PTR, NULL), MA_DNS_NODATA, "no PTR at example.com: NODATA");
    is_int(ask(r, "nullmx.example.com", MA_DNS_TXT, NULL), MA_DNS_NODATA, "other type: NODATA");
    is_int(ask(r, "example.com", (ma_dns_type)99, NULL), -100 + MA_EINVAL, "unknown type: EINVAL");

    ma_resolver_free(r);
    ma_static_zone_free(z);
}

static void test_names(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    char longname[2100];
    size_t i;

    tap_diag("names: case, escapes, trailing dots, limits");
    ma_static_zone_new(&z, ctx);
    ma_static_zone_add_txt(z, "MiXeD.Example.COM", "m", 1, 1);
    ma_static_zone_add_txt(z, "dot.example.com.", "d", 1, 1);
    ma_static_zone_add_txt(z, "a\\.b.example.com", "e", 1, 1);
    ma_static_zone_add_txt(z, "sp\\032ace.example.com", "s", 1, 1);
    ma_static_zone_add_txt(z, "_dmarc.example.com", "u", 1, 1);
    ma_resolver_static_new(&r, ctx, z);

    txt_is(r, "mixed.example.com", 0, "m", 1, "names are case-insensitive");
    txt_is(r, "MIXED.EXAMPLE.COM.", 0, "m", 1, "upper case and trailing dot");
    txt_is(r, "dot.example.com", 0, "d", 1, "added with trailing dot, asked without");
    txt_is(r, "dot.example.com.", 0, "d", 1, "asked with trailing dot");
    txt_is(r, "a\\046b.example.com", 0, "e", 1, "escaped dot: \\046 and \\. are one name");
    is_int(ask(r, "a.b.example.com", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN,
           "escaped dot is not a label separator");
    txt_is(r, "sp ace.example.com", 0, "s", 1, "\\032 matches a raw space");
    txt_is(r, "\\109ixed.example.com", 0, "m", 1, "\\DDD of a letter matches the letter");
    txt_is(r, "_DMARC.example.com", 0, "u", 1, "underscore labels");

    is_int(ma_static_zone_add_txt(z, "a..b", "x", 1, 1), MA_ESYNTAX, "empty label: ESYNTAX");
    is_int(ma_static_zone_add_txt(z, "bad\\", "x", 1, 1), MA_ESYNTAX, "dangling escape: ESYNTAX");
    is_int(ma_static_zone_add_txt(z, "\\999.x", "x", 1, 1), MA_ESYNTAX, "escape > 255: ESYNTAX");
    memset(longname, 'a', 64);
    longname[64] = '\0';
    is_int(ma_static_zone_add_txt(z, longname, "x", 1, 1), MA_ESYNTAX, "label of 64: ESYNTAX");
    is_int(ma_static_zone_add_mx(z, "x.example", 1, "a..b", 1), MA_ESYNTAX, "bad MX target: ESYNTAX");
    is_int(ma_static_zone_add_ptr(z, "x.example", "a..b", 1), MA_ESYNTAX, "bad PTR target: ESYNTAX");
    is_int(ma_static_zone_add_cname(z, "x.example", "a..b", 1), MA_ESYNTAX,
           "bad CNAME target: ESYNTAX");
    is_int(ma_static_zone_add_timeout(z, "a..b", 0), MA_ESYNTAX, "bad timeout name: ESYNTAX");
    is_int(ask(r, "x.example", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN, "failed adds added nothing");
    is_int(ask(r, "a..b", MA_DNS_TXT, NULL), -100 + MA_ESYNTAX, "asking a bad name: ESYNTAX");
    for (i = 0; i < sizeof longname - 1; i++)
        longname[i] = (i % 2) ? '.' : 'a';
    longname[sizeof longname - 1] = '\0';
    is_int(ask(r, longname, MA_DNS_TXT, NULL), -100 + MA_ESYNTAX, "2 KB name: ESYNTAX");
    /* 127 labels "a.": 255 octets in wire form, the longest valid name. */
    longname[253] = '\0';
    is_int(ma_static_zone_add_txt(z, longname, "deep", 4, 1), MA_OK, "longest name: added");
    is_int(ask(r, longname, MA_DNS_TXT, NULL), MA_DNS_OK, "longest name: found");
    is_int(ask(r, longname + 250, MA_DNS_TXT, NULL), MA_DNS_NODATA, "its top ancestors exist");
    longname[253] = '.';
    longname[255] = '\0';
    is_int(ma_static_zone_add_txt(z, longname, "x", 1, 1), MA_ESYNTAX, "256 octets: ESYNTAX");

    ma_resolver_free(r);
    ma_static_zone_free(z);
}

static void test_ent(void)
{
    ma_static_zone *z;
    ma_resolver *r;

    tap_diag("empty non-terminals");
    ma_static_zone_new(&z, ctx);
    ma_static_zone_add_txt(z, "a.b.example.com", "x", 1, 1);
    ma_resolver_static_new(&r, ctx, z);
    is_int(ask(r, "a.b.example.com", MA_DNS_TXT, NULL), MA_DNS_OK, "the name itself");
    is_int(ask(r, "a.b.example.com", MA_DNS_A, NULL), MA_DNS_NODATA, "the name, other type: NODATA");
    is_int(ask(r, "b.example.com", MA_DNS_TXT, NULL), MA_DNS_NODATA, "parent: NODATA");
    is_int(ask(r, "example.com", MA_DNS_MX, NULL), MA_DNS_NODATA, "grandparent: NODATA");
    is_int(ask(r, "com", MA_DNS_A, NULL), MA_DNS_NODATA, "top label: NODATA");
    is_int(ask(r, "c.example.com", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN, "sibling: NXDOMAIN");
    is_int(ask(r, "x.a.b.example.com", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN, "child: NXDOMAIN");
    is_int(ask(r, "example.org", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN, "elsewhere: NXDOMAIN");
    /* Records added later at an empty non-terminal. */
    ma_static_zone_add_txt(z, "example.com", "top", 3, 1);
    txt_is(r, "example.com", 0, "top", 3, "records added to an empty non-terminal");
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

static void test_cname(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    ma_dns_answer *a, *b;
    ma_ip ip = v4("192.0.2.7");
    char name[32], target[32];
    int i;

    tap_diag("CNAMEs");
    ma_ctx_set_limit(ctx, MA_LIMIT_CNAME_CHAIN, 3);
    ma_static_zone_new(&z, ctx);
    ma_static_zone_add_txt(z, "target.example", "t", 1, 1);
    ma_static_zone_add_addr(z, "target.example", &ip, 1);
    is_int(ma_static_zone_add_cname(z, "alias.example", "Target.Example.", 1), MA_OK, "add CNAME");
    is_int(ma_static_zone_add_cname(z, "alias.example", "target.example", 1), MA_OK,
           "same CNAME again: ok");
    is_int(ma_static_zone_add_cname(z, "alias.example", "other.example", 1), MA_ESTATE,
           "second CNAME target: ESTATE");
    is_int(ma_static_zone_add_txt(z, "alias.example", "x", 1, 1), MA_ESTATE,
           "record at a CNAME: ESTATE");
    is_int(ma_static_zone_add_cname(z, "target.example", "x.example", 1), MA_ESTATE,
           "CNAME at a name with records: ESTATE");
    ma_static_zone_add_cname(z, "dangling.example", "nowhere.example", 1);
    ma_static_zone_add_cname(z, "toent.example", "example", 1);
    ma_static_zone_add_cname(z, "self.example", "self.example", 1);
    ma_static_zone_add_cname(z, "loop1.example", "loop2.example", 1);
    ma_static_zone_add_cname(z, "loop2.example", "loop1.example", 1);
    /* c0 -> c1 -> c2 -> c3 (3 links), d0 -> ... -> d4 (4 links) */
    for (i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "c%d.example", i);
        snprintf(target, sizeof target, "c%d.example", i + 1);
        ma_static_zone_add_cname(z, name, target, 1);
    }
    ma_static_zone_add_txt(z, "c3.example", "end", 3, 1);
    for (i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "d%d.example", i);
        snprintf(target, sizeof target, "d%d.example", i + 1);
        ma_static_zone_add_cname(z, name, target, 1);
    }
    ma_static_zone_add_txt(z, "d4.example", "end", 3, 1);
    ma_resolver_static_new(&r, ctx, z);

    txt_is(r, "alias.example", 0, "t", 1, "CNAME followed for TXT");
    is_int(ask(r, "ALIAS.example", MA_DNS_A, &a), MA_DNS_OK, "CNAME followed for A");
    is_int(ask(r, "target.example", MA_DNS_A, &b), MA_DNS_OK, "the target itself");
    ok(a == b, "the alias gets the target's answer (shared, not copied)");
    ma_dns_answer_free(a);
    ma_dns_answer_free(b);
    is_int(ask(r, "alias.example", MA_DNS_MX, NULL), MA_DNS_NODATA, "target without the type: NODATA");
    is_int(ask(r, "dangling.example", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN,
           "CNAME to a missing name: NXDOMAIN");
    is_int(ask(r, "toent.example", MA_DNS_TXT, NULL), MA_DNS_NODATA,
           "CNAME to an empty non-terminal: NODATA");
    is_int(ask(r, "self.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL, "CNAME to itself: TEMPFAIL");
    is_int(ask(r, "loop1.example", MA_DNS_A, NULL), MA_DNS_TEMPFAIL, "CNAME loop: TEMPFAIL");
    txt_is(r, "c0.example", 0, "end", 3, "chain of exactly the limit: followed");
    is_int(ask(r, "d0.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL, "chain over the limit: TEMPFAIL");
    txt_is(r, "d1.example", 0, "end", 3, "the same chain one link shorter: followed");

    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_set_limit(ctx, MA_LIMIT_CNAME_CHAIN, ma_limit_default(MA_LIMIT_CNAME_CHAIN));
}

static void test_failures(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    ma_ip ip = v4("192.0.2.9");

    tap_diag("timeouts and SERVFAIL");
    ma_static_zone_new(&z, ctx);
    ma_static_zone_add_txt(z, "t.example", "x", 1, 1);
    ma_static_zone_add_addr(z, "t.example", &ip, 1);
    is_int(ma_static_zone_add_timeout(z, "t.example", MA_DNS_TYPE_BIT(MA_DNS_TXT)), MA_OK,
           "timeout for TXT");
    is_int(ma_static_zone_add_servfail(z, "s.example.", 0), MA_OK, "servfail for every type");
    is_int(ma_static_zone_add_servfail(z, "m.example",
                                       MA_DNS_TYPE_BIT(MA_DNS_MX) | MA_DNS_TYPE_BIT(MA_DNS_AAAA)),
           MA_OK, "servfail for MX and AAAA");
    ma_static_zone_add_addr(z, "s.example", &ip, 1);
    ma_static_zone_add_timeout(z, "deep.only.example", 0);
    ma_static_zone_add_cname(z, "via.example", "s.example", 1);
    ma_static_zone_add_cname(z, "cn.example", "t.example", 1);
    ma_static_zone_add_timeout(z, "cn.example", MA_DNS_TYPE_BIT(MA_DNS_A));
    ma_resolver_static_new(&r, ctx, z);

    is_int(ask(r, "t.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL, "timeout type: TEMPFAIL");
    is_int(ask(r, "T.EXAMPLE.", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL, "timeout: any spelling");
    is_int(ask(r, "t.example", MA_DNS_A, NULL), MA_DNS_OK, "other type: records");
    is_int(ask(r, "s.example", MA_DNS_A, NULL), MA_DNS_TEMPFAIL,
           "servfail for all types beats records");
    is_int(ask(r, "s.example", MA_DNS_PTR, NULL), MA_DNS_TEMPFAIL, "servfail: PTR too");
    is_int(ask(r, "m.example", MA_DNS_MX, NULL), MA_DNS_TEMPFAIL, "servfail MX: MX");
    is_int(ask(r, "m.example", MA_DNS_AAAA, NULL), MA_DNS_TEMPFAIL, "servfail MX: AAAA");
    is_int(ask(r, "m.example", MA_DNS_TXT, NULL), MA_DNS_NODATA,
           "servfail MX: TXT exists, no records (the mark makes the name exist)");
    is_int(ask(r, "only.example", MA_DNS_TXT, NULL), MA_DNS_NODATA,
           "the parent of a marked name exists");
    is_int(ask(r, "via.example", MA_DNS_A, NULL), MA_DNS_TEMPFAIL, "CNAME to a failing name");
    is_int(ask(r, "cn.example", MA_DNS_A, NULL), MA_DNS_TEMPFAIL, "mark on a CNAME's owner wins");
    is_int(ask(r, "cn.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
           "other type follows the CNAME to the target's TXT timeout");
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

static void test_cow(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    ma_dns_answer *a1, *a2;
    const char *t;
    size_t len;

    tap_diag("copy-on-write");
    ma_static_zone_new(&z, ctx);
    ma_static_zone_add_txt(z, "c.example", "one", 3, 100);
    ma_resolver_static_new(&r, ctx, z);
    is_int(ask(r, "c.example", MA_DNS_TXT, &a1), MA_DNS_OK, "first answer");
    is_int(ma_dns_answer_count(a1), 1, "first answer: one record");
    is_int(ma_dns_answer_add_txt(a1, "x", 1, 1), MA_ESTATE, "a handed-out answer is frozen");
    is_int(ma_static_zone_add_txt(z, "c.example", "two", 3, 50), MA_OK, "add after handing out");
    is_int(ma_dns_answer_count(a1), 1, "the handed-out answer did not change");
    is_int(ma_dns_answer_ttl(a1), 100, "nor did its TTL");
    is_int(ask(r, "c.example", MA_DNS_TXT, &a2), MA_DNS_OK, "second answer");
    ok(a1 != a2, "a new answer was built");
    is_int(ma_dns_answer_count(a2), 2, "new answer: old and new records");
    ok(ma_dns_answer_txt(a2, 0, &t, &len) == MA_OK && len == 3 && memcmp(t, "one", 3) == 0,
       "new answer: old record first");
    ok(ma_dns_answer_txt(a2, 1, &t, &len) == MA_OK && len == 3 && memcmp(t, "two", 3) == 0,
       "new answer: new record second");
    is_int(ma_dns_answer_ttl(a2), 50, "new answer: least TTL");
    ma_dns_answer_free(a1);
    is_int(ma_static_zone_add_txt(z, "c.example", "two", 3, 50), MA_OK, "duplicate record: ok");
    is_int(ask(r, "c.example", MA_DNS_TXT, &a1), MA_DNS_OK, "after the duplicate");
    ok(a1 == a2, "a duplicate record changes nothing");
    ma_dns_answer_free(a1);
    ma_dns_answer_free(a2);
    ma_ctx_set_limit(ctx, MA_LIMIT_DNS_RECORDS, 2);
    is_int(ma_static_zone_add_txt(z, "c.example", "three", 5, 50), MA_ELIMIT,
           "over MA_LIMIT_DNS_RECORDS: ELIMIT");
    is_int(ask(r, "c.example", MA_DNS_TXT, &a1), MA_DNS_OK, "after ELIMIT");
    is_int(ma_dns_answer_count(a1), 2, "ELIMIT left the records alone");
    ma_dns_answer_free(a1);
    ma_ctx_set_limit(ctx, MA_LIMIT_DNS_RECORDS, ma_limit_default(MA_LIMIT_DNS_RECORDS));

    /* The resolver keeps the zone alive. */
    ma_static_zone_free(z);
    txt_is(r, "c.example", 1, "two", 3, "resolver works after ma_static_zone_free");
    ma_resolver_free(r);
}

/* ---------------------------------------------------------------- threads */

struct worker {
    ma_resolver *r;
    int errors;
    int done;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char name[64], want[64];
    int i;
    for (i = 0; i < 20000; i++) {
        ma_dns_answer *a = NULL;
        const char *t;
        size_t len;
        int n = i % 50;
        snprintf(name, sizeof name, "h%d.threads.example", n);
        snprintf(want, sizeof want, "text %d", n);
        if (ma_resolver_resolve(w->r, name, MA_DNS_TXT, &a) != MA_OK ||
            ma_dns_answer_txt(a, 0, &t, &len) != MA_OK || len != strlen(want) ||
            memcmp(t, want, len) != 0)
            w->errors++;
        ma_dns_answer_free(a);
        if (ma_resolver_resolve(w->r, "nothing.threads.example", MA_DNS_A, &a) != MA_OK ||
            ma_dns_answer_rcode(a) != MA_DNS_NXDOMAIN)
            w->errors++;
        ma_dns_answer_free(a);
        w->done++;
    }
    return NULL;
}

static void test_threads(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    struct worker w[2];
    pthread_t th[2];
    char name[64], text[64];
    int i;

    tap_diag("two threads");
    ma_static_zone_new(&z, ctx);
    for (i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "h%d.threads.example", i);
        snprintf(text, sizeof text, "text %d", i);
        ma_static_zone_add_txt(z, name, text, strlen(text), 1);
    }
    ma_resolver_static_new(&r, ctx, z);
    ma_static_zone_free(z);
    memset(w, 0, sizeof w);
    for (i = 0; i < 2; i++) {
        w[i].r = r;
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    is_int(w[0].done + w[1].done, 40000, "two threads: every question asked");
    is_int(w[0].errors + w[1].errors, 0, "two threads: every answer right");
    ma_resolver_free(r);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_args();
    test_types();
    test_names();
    test_ent();
    test_cname();
    test_failures();
    test_cow();
    test_threads();
    ma_ctx_free(ctx);
    return tap_done();
}
