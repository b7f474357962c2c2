/*
 * The master-file loader of the static zone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/static_int.h"
#include "tap.h"
#include "testutil.h"

static ma_ctx *ctx;

/* A fresh zone loaded from text; *r gets a resolver over it. */
static int load(const char *text, const char *origin, ma_static_zone **z, ma_resolver **r)
{
    int rc;
    if (ma_static_zone_new(z, ctx) != MA_OK)
        abort();
    rc = ma_static_zone_load(*z, text, strlen(text), origin);
    if (ma_resolver_static_new(r, ctx, *z) != MA_OK)
        abort();
    return rc;
}

static void unload(ma_static_zone *z, ma_resolver *r)
{
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

static uint32_t ttl_of(ma_resolver *r, const char *name, ma_dns_type type)
{
    ma_dns_answer *a = NULL;
    uint32_t ttl = 0xffffffffu;
    if (ma_resolver_resolve(r, name, type, &a) == MA_OK && ma_dns_answer_count(a) > 0)
        ttl = ma_dns_answer_ttl(a);
    ma_dns_answer_free(a);
    return ttl;
}

static int txt_is(ma_resolver *r, const char *name, const char *want, size_t wlen, const char *what)
{
    ma_dns_answer *a = NULL;
    const char *t = NULL;
    size_t len = 0;
    int ok;
    if (ma_resolver_resolve(r, name, MA_DNS_TXT, &a) == MA_OK)
        ma_dns_answer_txt(a, 0, &t, &len);
    ok = is_mem(t, len, want, wlen, what);
    ma_dns_answer_free(a);
    return ok;
}

static int host_is(ma_resolver *r, const char *name, ma_dns_type type, size_t i, const char *want,
                   const char *what)
{
    ma_dns_answer *a = NULL;
    const char *s = NULL;
    uint16_t pref;
    int ok;
    if (ma_resolver_resolve(r, name, type, &a) == MA_OK) {
        if (type == MA_DNS_MX)
            ma_dns_answer_mx(a, i, &pref, &s);
        else
            ma_dns_answer_ptr(a, i, &s);
    }
    ok = is_str(s, want, what);
    ma_dns_answer_free(a);
    return ok;
}

static int addr_is(ma_resolver *r, const char *name, ma_dns_type type, const char *want,
                   size_t wlen, const char *what)
{
    ma_dns_answer *a = NULL;
    ma_ip ip;
    int ok;
    memset(&ip, 0, sizeof ip);
    if (ma_resolver_resolve(r, name, type, &a) == MA_OK)
        ma_dns_answer_addr(a, 0, &ip);
    ok = is_mem(ip.addr, wlen, want, wlen, what);
    ma_dns_answer_free(a);
    return ok;
}

/* The error text starts with prefix. */
static int error_starts(const ma_static_zone *z, const char *prefix, const char *what)
{
    const char *e = ma_static_zone_error(z);
    int ok = tap_ok_at(strncmp(e, prefix, strlen(prefix)) == 0, TAP_HERE, what);
    if (!ok)
        printf("#   error text \"%s\", want prefix \"%s\"\n", e, prefix);
    return ok;
}

static void test_basics(void)
{
    ma_static_zone *z;
    ma_resolver *r;

    tap_diag("basics: origins, TTLs, relative names, parentheses");
    is_int(load("$ORIGIN example.com.\n"
                "$TTL 300\n"
                "@ IN TXT \"apex\"\n"
                "www 60 IN A 192.0.2.1\n"
                "    IN AAAA 2001:db8::2\n"
                "sub IN MX 10 mail\n"
                "abs.example.net. IN TXT \"absolute\"\n"
                "$TTL 1h30m\n"
                "later TXT \"no class, no TTL\"\n"
                "multi IN TXT ( \"one\"\n"
                "               \"two\" ; comment\n"
                "               \"three\" )\n"
                "$ORIGIN other.example.\n"
                "x IN PTR host\n",
                NULL, &z, &r),
           MA_OK, "load: ok");
    is_str(ma_static_zone_error(z), "", "load: no error text");
    txt_is(r, "example.com", "apex", 4, "@ is the origin");
    is_int(ttl_of(r, "example.com", MA_DNS_TXT), 300, "$TTL applies");
    addr_is(r, "www.example.com", MA_DNS_A, "\xc0\x00\x02\x01", 4, "relative owner + origin");
    is_int(ttl_of(r, "www.example.com", MA_DNS_A), 60, "explicit TTL");
    addr_is(r, "www.example.com", MA_DNS_AAAA,
            "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16, "blank owner: previous name");
    host_is(r, "sub.example.com", MA_DNS_MX, 0, "mail.example.com", "relative MX target");
    txt_is(r, "abs.example.net", "absolute", 8, "absolute owner ignores the origin");
    is_int(ttl_of(r, "later.example.com", MA_DNS_TXT), 5400, "$TTL 1h30m");
    txt_is(r, "multi.example.com", "onetwothree", 11,
           "parentheses over lines, strings joined");
    host_is(r, "x.other.example", MA_DNS_PTR, 0, "host.other.example", "second $ORIGIN");
    is_int(ask_rcode(r, "x.example.com", MA_DNS_PTR), MA_DNS_NXDOMAIN, "not under the first origin");
    unload(z, r);

    is_int(load("www A 192.0.2.2\n@ TXT \"top\"\n", "example.org", &z, &r), MA_OK,
           "origin argument");
    addr_is(r, "www.example.org", MA_DNS_A, "\xc0\x00\x02\x02", 4, "origin argument applies");
    txt_is(r, "example.org", "top", 3, "@ is the origin argument");
    is_int(ttl_of(r, "www.example.org", MA_DNS_A), 3600, "default TTL 3600");
    unload(z, r);

    is_int(load("a.example. TXT \"x\"\r\nb.example. A 192.0.2.3\r\n", NULL, &z, &r), MA_OK,
           "CRLF lines");
    txt_is(r, "a.example", "x", 1, "CRLF: TXT");
    addr_is(r, "b.example", MA_DNS_A, "\xc0\x00\x02\x03", 4, "CRLF: A");
    unload(z, r);

    is_int(load("", NULL, &z, &r), MA_OK, "empty text");
    unload(z, r);
    is_int(load("; only a comment", NULL, &z, &r), MA_OK, "only a comment, no newline");
    unload(z, r);
    ma_static_zone_new(&z, ctx);
    is_int(ma_static_zone_load(z, NULL, 0, NULL), MA_OK, "NULL text of length 0");
    is_int(ma_static_zone_load(z, NULL, 1, NULL), MA_EINVAL, "NULL text with a length");
    is_int(ma_static_zone_load(NULL, "", 0, NULL), MA_EINVAL, "NULL zone");
    is_int(ma_static_zone_load(z, "a TXT x\n", 8, "bad..origin"), MA_EINVAL, "bad origin");
    ma_static_zone_free(z);
}

static void test_text(void)
{
    ma_static_zone *z;
    ma_resolver *r;

    tap_diag("TXT strings, escapes, names");
    is_int(load("$ORIGIN example.com.\n"
                "spf TXT \"v=spf1 \" \"ip4:192.0.2.0/24\" \" -all\"\n"
                "esc TXT \"say \\\"hi\\\"\\032there\\255\"\n"
                "bare TXT unquoted\n"
                "empty TXT \"\"\n"
                "semi TXT \"a;b\"\n"
                "a\\.b TXT \"escaped dot\"\n"
                "sp\\032ace TXT \"escaped space\"\n"
                "mx MX 5 m\\.x\n",
                NULL, &z, &r),
           MA_OK, "load: ok");
    txt_is(r, "spf.example.com", "v=spf1 ip4:192.0.2.0/24 -all", 28,
           "character-strings joined without separator (RFC 7208 3.3)");
    txt_is(r, "esc.example.com", "say \"hi\" there\xff", 15, "\\\" and \\DDD decoded");
    txt_is(r, "bare.example.com", "unquoted", 8, "unquoted string");
    txt_is(r, "empty.example.com", "", 0, "empty string");
    txt_is(r, "semi.example.com", "a;b", 3, "';' inside quotes is not a comment");
    txt_is(r, "a\\046b.example.com", "escaped dot", 11, "owner with an escaped dot round-trips");
    is_int(ask_rcode(r, "a.b.example.com", MA_DNS_TXT), MA_DNS_NXDOMAIN, "escaped dot is no separator");
    txt_is(r, "sp ace.example.com", "escaped space", 13, "owner with \\032 round-trips");
    host_is(r, "mx.example.com", MA_DNS_MX, 0, "m\\.x.example.com", "MX target keeps its escape");
    is_int(ask_rcode(r, "m\\.x.example.com", MA_DNS_A), MA_DNS_NXDOMAIN,
           "and the escaped target is a name of its own");
    unload(z, r);
}

static void test_types(void)
{
    ma_static_zone *z;
    ma_resolver *r;

    tap_diag("record types");
    is_int(load("$ORIGIN example.com.\n"
                "@ SOA ns hostmaster ( 1 7200 3600 1209600 300 )\n"
                "@ NS ns\n"
                "@ SPF \"v=spf1 -all\"\n"
                "spfonly SPF \"v=spf1 -all\"\n"
                "srv SRV 0 0 25 mail\n"
                "unk TYPE1234 \\# 2 abcd\n"
                "ch CH TXT \"chaos\"\n"
                "@ TXT \"v=spf1 +all\"\n"
                "alias CNAME target.example.net.\n"
                "1.2.0.192.in-addr.arpa. PTR host.example.com.\n",
                NULL, &z, &r),
           MA_OK, "load with SOA, NS, SPF, SRV, TYPE1234, class CH: ok");
    txt_is(r, "example.com", "v=spf1 +all", 11, "SPF (type 99) records ignored");
    is_int(ask_rcode(r, "spfonly.example.com", MA_DNS_TXT), MA_DNS_NODATA,
           "a name with only ignored records exists");
    is_int(ask_rcode(r, "srv.example.com", MA_DNS_A), MA_DNS_NODATA, "SRV ignored, owner exists");
    is_int(ask_rcode(r, "unk.example.com", MA_DNS_TXT), MA_DNS_NODATA, "TYPE1234 ignored");
    is_int(ask_rcode(r, "ch.example.com", MA_DNS_TXT), MA_DNS_NXDOMAIN, "class CH ignored");
    is_int(ask_rcode(r, "alias.example.com", MA_DNS_TXT), MA_DNS_NXDOMAIN,
           "CNAME to a name outside the zone: NXDOMAIN");
    host_is(r, "1.2.0.192.in-addr.arpa", MA_DNS_PTR, 0, "host.example.com", "PTR");
    unload(z, r);
}

static void test_directives(void)
{
    ma_static_zone *z;
    ma_resolver *r;

    tap_diag("$TIMEOUT and $SERVFAIL");
    is_int(load("$ORIGIN example.com.\n"
                "t TXT \"x\"\n"
                "t A 192.0.2.1\n"
                "$TIMEOUT t.example.com. TXT\n"
                "$timeout all.example.com\n"
                "$SERVFAIL sf.example.com mx Aaaa ; a comment\n"
                "$servfail\tTAB.example.com.\n"
                "in ( TXT \"a\"\n"
                "$TIMEOUT\n"
                ")\n"
                "after TXT \"line numbers right\"\n",
                NULL, &z, &r),
           MA_OK, "load: ok");
    is_int(ask_rcode(r, "t.example.com", MA_DNS_TXT), MA_DNS_TEMPFAIL, "$TIMEOUT with a type");
    is_int(ask_rcode(r, "t.example.com", MA_DNS_A), MA_DNS_OK, "other types answered");
    is_int(ask_rcode(r, "all.example.com", MA_DNS_PTR), MA_DNS_TEMPFAIL, "$timeout without types");
    is_int(ask_rcode(r, "sf.example.com", MA_DNS_MX), MA_DNS_TEMPFAIL, "$SERVFAIL mx");
    is_int(ask_rcode(r, "sf.example.com", MA_DNS_AAAA), MA_DNS_TEMPFAIL, "$SERVFAIL Aaaa");
    is_int(ask_rcode(r, "sf.example.com", MA_DNS_TXT), MA_DNS_NODATA, "$SERVFAIL: other types exist");
    is_int(ask_rcode(r, "tab.example.com", MA_DNS_TXT), MA_DNS_TEMPFAIL, "tab after the directive");
    is_int(ask_rcode(r, "relative.example.com", MA_DNS_TXT), MA_DNS_NXDOMAIN, "nothing else added");
    txt_is(r, "in.example.com", "a$TIMEOUT", 9,
           "inside parentheses $TIMEOUT is record data, not a directive");
    txt_is(r, "after.example.com", "line numbers right", 18, "record after the directives");
    unload(z, r);

    is_int(load("a.example. TXT \"1\"\n$TIMEOUT ok.example\n$TIMEOUT b.example FOO\n"
                "c.example. TXT \"3\"\n",
                NULL, &z, &r),
           MA_ESYNTAX, "unknown type: ESYNTAX");
    error_starts(z, "line 3: unknown record type 'FOO'", "unknown type: line and type named");
    is_int(ask_rcode(r, "a.example", MA_DNS_TXT), MA_DNS_OK, "lines before the error kept");
    is_int(ask_rcode(r, "ok.example", MA_DNS_TXT), MA_DNS_TEMPFAIL, "directives before the error kept");
    is_int(ask_rcode(r, "b.example", MA_DNS_TXT), MA_DNS_NXDOMAIN, "the bad directive added nothing");
    is_int(ask_rcode(r, "c.example", MA_DNS_TXT), MA_DNS_NXDOMAIN, "lines after the error not loaded");
    unload(z, r);

    is_int(load("\n$SERVFAIL\n", NULL, &z, &r), MA_ESYNTAX, "directive without a name");
    error_starts(z, "line 2: $SERVFAIL needs a name", "directive without a name: text");
    unload(z, r);
    is_int(load("$TIMEOUT a..b\n", NULL, &z, &r), MA_ESYNTAX, "directive with a bad name");
    error_starts(z, "line 1: bad name in $TIMEOUT", "directive with a bad name: text");
    unload(z, r);
    is_int(load("$TIMEOUT x.example SPF\n", NULL, &z, &r), MA_ESYNTAX,
           "directive with a type the resolver does not ask");
    unload(z, r);
    is_int(load("x.example. TXT \"1\"\nx.example. A 1.2.3\n$TIMEOUT y.example\n", NULL, &z, &r),
           MA_ESYNTAX, "ldns error before a directive");
    is_int(ask_rcode(r, "y.example", MA_DNS_TXT), MA_DNS_NXDOMAIN,
           "directives after an ldns error not applied");
    unload(z, r);
}

static void test_errors(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    char text[64];

    tap_diag("errors");
    is_int(load("a.example. TXT \"ok\"\n\n; comment\nb.example. A 192.0.2.256\nc.example. TXT \"no\"\n",
                NULL, &z, &r),
           MA_ESYNTAX, "bad address: ESYNTAX");
    error_starts(z, "line 4: ", "bad address: line 4");
    ok(strstr(ma_static_zone_error(z), "rdata") != NULL, "bad address: ldns's message");
    is_int(ask_rcode(r, "a.example", MA_DNS_TXT), MA_DNS_OK, "records before the error kept");
    is_int(ask_rcode(r, "c.example", MA_DNS_TXT), MA_DNS_NXDOMAIN, "records after it not loaded");
    unload(z, r);

    is_int(load("a.example. TXT ( \"one\"\n  \"two\" )\nb.example. FOO bar\n", NULL, &z, &r),
           MA_ESYNTAX, "unknown type mnemonic after a multi-line record");
    error_starts(z, "line 3: ", "line counted across parentheses");
    unload(z, r);

    is_int(load("a.example. TXT \"x\"\n$INCLUDE other.zone\n", NULL, &z, &r), MA_ESYNTAX,
           "$INCLUDE: ESYNTAX");
    is_str(ma_static_zone_error(z), "line 2: $INCLUDE is not supported", "$INCLUDE: error text");
    unload(z, r);

    is_int(load("a.example. TXT \"x\"\n$BOGUS foo\n", NULL, &z, &r), MA_ESYNTAX,
           "unknown directive: ESYNTAX");
    is_str(ma_static_zone_error(z), "line 2: unknown directive", "unknown directive: error text");
    is_int(ask_rcode(r, "a.example", MA_DNS_TXT), MA_DNS_OK, "unknown directive: earlier records kept");
    unload(z, r);

    is_int(load("a.example. TXT \"x\"\nb.example. TXT ( \"y\"\n \"z\"\n", NULL, &z, &r),
           MA_ESYNTAX, "unclosed parenthesis: ESYNTAX");
    is_str(ma_static_zone_error(z), "line 2: unclosed '('", "unclosed parenthesis: the line that opened it");
    is_int(ask_rcode(r, "a.example", MA_DNS_TXT), MA_DNS_OK,
           "unclosed parenthesis: earlier records kept");
    is_int(ask_rcode(r, "b.example", MA_DNS_TXT), MA_DNS_NXDOMAIN,
           "unclosed parenthesis: the open entry not loaded");
    unload(z, r);

    is_int(load("$TTL soon\na.example. TXT \"x\"\n", NULL, &z, &r), MA_ESYNTAX, "bad $TTL");
    error_starts(z, "line 1: bad $TTL value", "bad $TTL: text");
    unload(z, r);
    is_int(load("$TTL\n", NULL, &z, &r), MA_ESYNTAX, "$TTL without a value");
    unload(z, r);
    is_int(load("$TTL 60 junk\n", NULL, &z, &r), MA_ESYNTAX, "$TTL with junk");
    unload(z, r);

    memcpy(text, "a.example. TXT \"x\"\nb.example. TXT \"y\0z\"\n", 41);
    ma_static_zone_new(&z, ctx);
    is_int(ma_static_zone_load(z, text, 41, NULL), MA_ESYNTAX, "NUL byte: ESYNTAX");
    error_starts(z, "line 2: NUL byte", "NUL byte: line 2");
    ma_static_zone_free(z);

    is_int(load("a.example. TXT \"x\"\na.example. CNAME b.example.\n", NULL, &z, &r), MA_ESYNTAX,
           "CNAME and other data: ESYNTAX");
    error_starts(z, "line 2: a name with a CNAME", "CNAME and other data: text");
    unload(z, r);

    is_int(load("a.example. TXT \"x\"\n", NULL, &z, &r), MA_OK, "a good load after errors");
    is_str(ma_static_zone_error(z), "", "a good load clears the error text");
    unload(z, r);

    ma_ctx_set_limit(ctx, MA_LIMIT_DNS_RECORDS, 2);
    is_int(load("a.example. TXT \"1\"\na.example. TXT \"2\"\na.example. TXT \"3\"\n", NULL, &z, &r),
           MA_ELIMIT, "more records than MA_LIMIT_DNS_RECORDS: ELIMIT");
    error_starts(z, "line 3: ", "ELIMIT: line 3");
    unload(z, r);
    ma_ctx_set_limit(ctx, MA_LIMIT_DNS_RECORDS, ma_limit_default(MA_LIMIT_DNS_RECORDS));

    ma_ctx_set_limit(ctx, MA_LIMIT_ZONE_BYTES, 19);
    is_int(load("a.example. TXT \"x\"\n", NULL, &z, &r), MA_OK, "text of exactly the limit");
    unload(z, r);
    is_int(load("a.example. TXT \"xy\"\n", NULL, &z, &r), MA_ELIMIT, "text over the limit: ELIMIT");
    is_int(ask_rcode(r, "a.example", MA_DNS_TXT), MA_DNS_NXDOMAIN, "nothing loaded over the limit");
    unload(z, r);
    ma_ctx_set_limit(ctx, MA_LIMIT_ZONE_BYTES, ma_limit_default(MA_LIMIT_ZONE_BYTES));
}

static void test_files(void)
{
    ma_static_zone *z;
    ma_resolver *r;
    const char *e;

    tap_diag("files");
    ma_static_zone_new(&z, ctx);
    is_int(ma_static_zone_load_file(z, MA_SRCDIR "/data/dns/basic.zone", NULL), MA_OK,
           "basic.zone: loaded");
    ma_resolver_static_new(&r, ctx, z);
    txt_is(r, "example.com", "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all", 53,
           "basic.zone: SPF record joined");
    is_int(ttl_of(r, "example.com", MA_DNS_TXT), 3600, "basic.zone: $TTL 1h");
    host_is(r, "example.com", MA_DNS_MX, 0, "mail.example.com", "basic.zone: MX 1");
    host_is(r, "example.com", MA_DNS_MX, 1, "mail2.example.net", "basic.zone: MX 2");
    is_int(ttl_of(r, "mail.example.com", MA_DNS_A), 300, "basic.zone: record TTL");
    addr_is(r, "www.example.com", MA_DNS_A, "\xc0\x00\x02\x01", 4, "basic.zone: CNAME to @");
    is_int(ask_rcode(r, "sel._domainkey.example.com", MA_DNS_TXT), MA_DNS_OK, "basic.zone: DKIM key");
    is_int(ask_rcode(r, "_domainkey.example.com", MA_DNS_TXT), MA_DNS_NODATA,
           "basic.zone: _domainkey is an empty non-terminal");
    txt_is(r, "_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@example.com", 48,
           "basic.zone: DMARC record");
    host_is(r, "25.2.0.192.in-addr.arpa", MA_DNS_PTR, 0, "mail.example.com", "basic.zone: PTR");
    is_int(ask_rcode(r, "slow.example.com", MA_DNS_A), MA_DNS_TEMPFAIL, "basic.zone: $TIMEOUT");
    is_int(ask_rcode(r, "broken.example.com", MA_DNS_MX), MA_DNS_TEMPFAIL, "basic.zone: $SERVFAIL mx");
    is_int(ask_rcode(r, "broken.example.com", MA_DNS_A), MA_DNS_NODATA, "basic.zone: $SERVFAIL not A");
    is_int(ask_rcode(r, "example.com", MA_DNS_PTR), MA_DNS_NODATA, "basic.zone: SOA owner exists");
    ma_resolver_free(r);

    is_int(ma_static_zone_load_file(z, MA_SRCDIR "/data/dns/crlf.zone", NULL), MA_OK,
           "crlf.zone: loaded into the same zone");
    ma_resolver_static_new(&r, ctx, z);
    txt_is(r, "a.example.org", "crlf", 4, "crlf.zone: TXT");
    is_int(ask_rcode(r, "t.example.org", MA_DNS_A), MA_DNS_TEMPFAIL, "crlf.zone: $timeout with CRLF");
    is_int(ask_rcode(r, "b.example.org", MA_DNS_A), MA_DNS_OK, "crlf.zone: A");
    is_int(ask_rcode(r, "example.com", MA_DNS_TXT), MA_DNS_OK, "earlier load still there");

    is_int(ma_static_zone_load_file(z, MA_SRCDIR "/data/dns/bad.zone", NULL), MA_ESYNTAX,
           "bad.zone: ESYNTAX");
    error_starts(z, "line 2: ", "bad.zone: line 2");
    is_int(ask_rcode(r, "ok.example.org", MA_DNS_TXT), MA_DNS_OK, "bad.zone: line 1 kept");
    is_int(ask_rcode(r, "after.example.org", MA_DNS_TXT), MA_DNS_NXDOMAIN, "bad.zone: line 3 not");

    is_int(ma_static_zone_load_file(z, MA_SRCDIR "/data/dns/no-such.zone", NULL), MA_EIO,
           "missing file: EIO");
    e = ma_static_zone_error(z);
    ok(strstr(e, "no-such.zone") != NULL, "missing file: error names the file");
    is_int(ma_static_zone_load_file(z, MA_SRCDIR "/data/dns", NULL), MA_EIO, "a directory: EIO");
    is_int(ma_static_zone_load_file(z, NULL, NULL), MA_EINVAL, "NULL path: EINVAL");
    ma_ctx_set_limit(ctx, MA_LIMIT_ZONE_BYTES, 64);
    is_int(ma_static_zone_load_file(z, MA_SRCDIR "/data/dns/basic.zone", NULL), MA_ELIMIT,
           "file over MA_LIMIT_ZONE_BYTES: ELIMIT");
    ma_ctx_set_limit(ctx, MA_LIMIT_ZONE_BYTES, ma_limit_default(MA_LIMIT_ZONE_BYTES));
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 1;
    test_basics();
    test_text();
    test_types();
    test_directives();
    test_errors();
    test_files();
    ma_ctx_free(ctx);
    return tap_done();
}
