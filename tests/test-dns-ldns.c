/*
 * Tests of ma_dns_answer_from_wire() and of the ldns stub resolver.
 *
 *   test-dns-ldns             tests that need no DNS server: decoding of
 *                             hand-built packets, options, and exchanges
 *                             with a scripted UDP server run in a thread
 *   test-dns-ldns PORT        the same, then queries to the nsd started by
 *                             test-dns-ldns.sh on 127.0.0.1:PORT with the
 *                             zones of tests/data/ldns/
 *   test-dns-ldns --wait PORT exit 0 once a server answers on PORT (about
 *                             10 seconds at most), 1 otherwise
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns/wire_int.h"
#include "alloc.h"
#include "tap.h"

static ma_ctx *ctx;

/* ------------------------------------------------------------------ helpers */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/*
 * A response in wire format.  flags: 'q' sets QR, 't' TC, 'a' AA, 'x' adds
 * an EDNS0 OPT record with extended rcode 1;
 * question "name. IN TYPE" or NULL; answer and authority records in
 * presentation form (NULL-terminated lists, may be NULL).  free() the result.
 */
static unsigned char *build(size_t *len, const char *flags, int rcode, const char *question,
                            const char *const *an, const char *const *ns)
{
    ldns_pkt *p = ldns_pkt_new();
    ldns_rr *rr;
    uint8_t *wire = NULL;
    size_t i;

    *len = 0;
    if (p == NULL)
        return NULL;
    ldns_pkt_set_id(p, 4242);
    ldns_pkt_set_qr(p, strchr(flags, 'q') != NULL);
    ldns_pkt_set_tc(p, strchr(flags, 't') != NULL);
    ldns_pkt_set_aa(p, strchr(flags, 'a') != NULL);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    if (question != NULL) {
        if (ldns_rr_new_question_frm_str(&rr, question, NULL, NULL) != LDNS_STATUS_OK) {
            printf("# bad question %s\n", question);
            ldns_pkt_free(p);
            return NULL;
        }
        ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr);
    }
    for (i = 0; an != NULL && an[i] != NULL; i++) {
        if (ldns_rr_new_frm_str(&rr, an[i], 3600, NULL, NULL) != LDNS_STATUS_OK) {
            printf("# bad record %s\n", an[i]);
            ldns_pkt_free(p);
            return NULL;
        }
        ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
    }
    for (i = 0; ns != NULL && ns[i] != NULL; i++) {
        if (ldns_rr_new_frm_str(&rr, ns[i], 3600, NULL, NULL) != LDNS_STATUS_OK) {
            printf("# bad record %s\n", ns[i]);
            ldns_pkt_free(p);
            return NULL;
        }
        ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
    }
    if (strchr(flags, 'x') != NULL) {
        /* EDNS0 with extended rcode 1 (BADVERS when combined) */
        ldns_pkt_set_edns_udp_size(p, 1232);
        ldns_pkt_set_edns_extended_rcode(p, 1);
    }
    if (ldns_pkt2wire(&wire, p, len) != LDNS_STATUS_OK)
        wire = NULL;
    ldns_pkt_free(p);
    return wire;
}

/* Decode a built packet; the answer (or NULL when the call failed). */
static ma_dns_answer *from_wire(const char *name, ma_dns_type type, const unsigned char *w,
                                size_t len)
{
    ma_dns_answer *a = NULL;
    int rc = ma_dns_answer_from_wire(&a, ctx, name, type, w, len);
    if (rc != MA_OK) {
        printf("# ma_dns_answer_from_wire(%s): %s\n", name, ma_status_name(rc));
        return NULL;
    }
    return a;
}

/* Build, decode, free the packet: the answer's rcode (-1 on failure). */
static int rcode_of(const char *name, ma_dns_type type, const char *flags, int rcode,
                    const char *question, const char *const *an, const char *const *ns,
                    uint32_t *ttl)
{
    size_t len;
    unsigned char *w = build(&len, flags, rcode, question, an, ns);
    ma_dns_answer *a;
    int r;
    if (w == NULL)
        return -1;
    a = from_wire(name, type, w, len);
    free(w);
    if (a == NULL)
        return -1;
    r = (int)ma_dns_answer_rcode(a);
    if (ttl != NULL)
        *ttl = ma_dns_answer_ttl(a);
    ma_dns_answer_free(a);
    return r;
}

static int txt_is(const ma_dns_answer *a, size_t i, const char *want, size_t wlen)
{
    const char *t;
    size_t l;
    if (a == NULL || ma_dns_answer_txt(a, i, &t, &l) != MA_OK)
        return 0;
    return l == wlen && memcmp(t, want, wlen) == 0;
}

/* Length of the first TXT record, or 0. */
static size_t txt_len(const ma_dns_answer *a)
{
    const char *t;
    size_t l;
    if (a == NULL || ma_dns_answer_txt(a, 0, &t, &l) != MA_OK)
        return 0;
    return l;
}

/* Whether an answer holds a TXT record equal to want (any position). */
static int has_txt(const ma_dns_answer *a, const char *want)
{
    size_t i;
    for (i = 0; a != NULL && i < ma_dns_answer_count(a); i++)
        if (txt_is(a, i, want, strlen(want)))
            return 1;
    return 0;
}

static int has_addr(const ma_dns_answer *a, const char *text)
{
    unsigned char want[16];
    size_t i;
    ma_ip ip;
    int fam = strchr(text, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(fam, text, want) != 1)
        return 0;
    for (i = 0; a != NULL && i < ma_dns_answer_count(a); i++)
        if (ma_dns_answer_addr(a, i, &ip) == MA_OK &&
            ip.family == (fam == AF_INET ? MA_IP_V4 : MA_IP_V6) &&
            memcmp(ip.addr, want, fam == AF_INET ? 4 : 16) == 0)
            return 1;
    return 0;
}

static int has_mx(const ma_dns_answer *a, uint16_t pref, const char *host)
{
    size_t i;
    for (i = 0; a != NULL && i < ma_dns_answer_count(a); i++) {
        uint16_t p;
        const char *h;
        if (ma_dns_answer_mx(a, i, &p, &h) == MA_OK && p == pref && strcmp(h, host) == 0)
            return 1;
    }
    return 0;
}

static int has_ptr(const ma_dns_answer *a, const char *host)
{
    size_t i;
    for (i = 0; a != NULL && i < ma_dns_answer_count(a); i++) {
        const char *h;
        if (ma_dns_answer_ptr(a, i, &h) == MA_OK && strcmp(h, host) == 0)
            return 1;
    }
    return 0;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SOA_EX "example.com. 600 IN SOA ns.example.com. h.example.com. 1 3600 900 604800 120"

/* ------------------------------------------------------- wire: records */

static void test_wire_records(void)
{
    size_t len;
    unsigned char *w;
    ma_dns_answer *a;
    uint32_t ttl = 0;

    w = build(&len, "qa", LDNS_RCODE_NOERROR, "example.com. IN TXT",
              L("example.com. 300 IN TXT \"v=spf1 -all\""), NULL);
    a = from_wire("example.com", MA_DNS_TXT, w, len);
    is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "wire: TXT ok");
    is_int(ma_dns_answer_count(a), 1, "wire: TXT one record");
    ok(txt_is(a, 0, "v=spf1 -all", 11), "wire: TXT text");
    is_int(ma_dns_answer_ttl(a), 300, "wire: TXT ttl kept");
    is_int(ma_dns_answer_type(a), MA_DNS_TXT, "wire: answer type");
    is_int(ma_dns_answer_add_txt(a, "x", 1, 5), MA_OK, "wire: answer not frozen for its owner");
    ma_dns_answer_free(a);
    free(w);

    w = build(&len, "q", 0, "example.com. IN TXT",
              L("example.com. 300 IN TXT \"v=spf1 \" \"ip4:192.0.2.1 \" \"-all\"",
                "example.com. 200 IN TXT \"a\\000b\" \"\" \"c\""),
              NULL);
    a = from_wire("example.com.", MA_DNS_TXT, w, len);
    is_int(ma_dns_answer_count(a), 2, "wire: TXT two records, trailing-dot name");
    ok(txt_is(a, 0, "v=spf1 ip4:192.0.2.1 -all", 25), "wire: TXT strings joined (RFC 7208 3.3)");
    ok(txt_is(a, 1, "a\0bc", 4), "wire: TXT with NUL and empty string");
    is_int(ma_dns_answer_ttl(a), 200, "wire: answer ttl is the least record ttl");
    ma_dns_answer_free(a);
    free(w);

    w = build(&len, "q", 0, "example.com. IN A",
              L("example.com. 300 IN A 192.0.2.1", "example.com. 100 IN A 192.0.2.2",
                "example.com. 100 IN AAAA 2001:db8::1", "other.com. 100 IN A 192.0.2.3"),
              NULL);
    a = from_wire("example.com", MA_DNS_A, w, len);
    is_int(ma_dns_answer_count(a), 2, "wire: A only the name's A records");
    ok(has_addr(a, "192.0.2.1") && has_addr(a, "192.0.2.2"), "wire: A addresses");
    ok(!has_addr(a, "192.0.2.3"), "wire: A of another owner ignored");
    ma_dns_answer_free(a);
    a = from_wire("example.com", MA_DNS_AAAA, w, len);
    is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: question type mismatch is permfail");
    ma_dns_answer_free(a);
    free(w);

    w = build(&len, "q", 0, "example.com. IN AAAA",
              L("example.com. 300 IN AAAA 2001:db8::1", "example.com. 300 IN A 192.0.2.1"), NULL);
    a = from_wire("example.com", MA_DNS_AAAA, w, len);
    is_int(ma_dns_answer_count(a), 1, "wire: AAAA one record");
    ok(has_addr(a, "2001:db8::1"), "wire: AAAA address");
    ma_dns_answer_free(a);
    free(w);

    w = build(&len, "q", 0, "example.com. IN MX",
              L("example.com. 300 IN MX 10 mx1.example.com.", "example.com. 300 IN MX 20 Mx2.Example.NET.",
                "example.com. 300 IN MX 0 ."),
              NULL);
    a = from_wire("example.com", MA_DNS_MX, w, len);
    is_int(ma_dns_answer_count(a), 3, "wire: MX three records");
    ok(has_mx(a, 10, "mx1.example.com"), "wire: MX preference and exchange without dot");
    ok(has_mx(a, 20, "Mx2.Example.NET"), "wire: MX exchange case kept");
    ok(has_mx(a, 0, "."), "wire: null MX exchange is the root");
    ma_dns_answer_free(a);
    free(w);

    w = build(&len, "q", 0, "1.2.0.192.in-addr.arpa. IN PTR",
              L("1.2.0.192.in-addr.arpa. 300 IN PTR host.example.com.",
                "1.2.0.192.in-addr.arpa. 300 IN PTR we\\.ird.example.com."),
              NULL);
    a = from_wire("1.2.0.192.in-addr.arpa", MA_DNS_PTR, w, len);
    is_int(ma_dns_answer_count(a), 2, "wire: PTR two records");
    ok(has_ptr(a, "host.example.com"), "wire: PTR name");
    ok(has_ptr(a, "we\\.ird.example.com"), "wire: PTR name with an escaped dot");
    ma_dns_answer_free(a);
    free(w);

    /* case-insensitive names (RFC 4343) */
    is_int(rcode_of("eXample.COM", MA_DNS_TXT, "q", 0, "Example.com. IN TXT",
                    L("EXAMPLE.com. 300 IN TXT \"x\""), NULL, NULL),
           MA_DNS_OK, "wire: names compared case-insensitively");
    /* RFC 2181 8: TTL with the top bit set is 0 */
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", 0, "example.com. IN TXT",
                    L("example.com. 2147483648 IN TXT \"x\""), NULL, &ttl),
           MA_DNS_OK, "wire: huge ttl record kept");
    is_int(ttl, 0, "wire: ttl with the top bit set reads as 0");
    /* other classes ignored */
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", 0, "example.com. IN TXT",
                    L("example.com. 300 CH TXT \"x\""), NULL, NULL),
           MA_DNS_NODATA, "wire: class CH record ignored");
    /* a response without question section */
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", 0, NULL, L("example.com. 300 IN TXT \"x\""),
                    NULL, NULL),
           MA_DNS_OK, "wire: response without question accepted");
}

/* ----------------------------------------------- wire: negative answers */

static void test_wire_negative(void)
{
    uint32_t ttl = 99;

    is_int(rcode_of("nx.example.com", MA_DNS_TXT, "qa", LDNS_RCODE_NXDOMAIN, "nx.example.com. IN TXT",
                    NULL, L(SOA_EX), &ttl),
           MA_DNS_NXDOMAIN, "wire: NXDOMAIN");
    is_int(ttl, 120, "wire: NXDOMAIN ttl = SOA MINIMUM when lower (RFC 2308)");
    is_int(rcode_of("nx.example.com", MA_DNS_TXT, "qa", LDNS_RCODE_NXDOMAIN, "nx.example.com. IN TXT",
                    NULL,
                    L("example.com. 50 IN SOA ns.example.com. h.example.com. 1 3600 900 604800 120"),
                    &ttl),
           MA_DNS_NXDOMAIN, "wire: NXDOMAIN, low SOA ttl");
    is_int(ttl, 50, "wire: NXDOMAIN ttl = SOA ttl when lower");
    ttl = 99;
    is_int(rcode_of("nx.example.com", MA_DNS_TXT, "q", LDNS_RCODE_NXDOMAIN, "nx.example.com. IN TXT",
                    NULL, NULL, &ttl),
           MA_DNS_NXDOMAIN, "wire: NXDOMAIN without SOA");
    is_int(ttl, 0, "wire: NXDOMAIN without SOA has ttl 0");
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", 0, "example.com. IN TXT",
                    L("example.com. 300 IN A 192.0.2.1", "x.example.com. 300 IN TXT \"no\""),
                    L(SOA_EX), &ttl),
           MA_DNS_NODATA, "wire: NODATA (other types and owners only)");
    is_int(ttl, 120, "wire: NODATA ttl from SOA");
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", 0, "example.com. IN TXT", NULL, NULL, &ttl),
           MA_DNS_NODATA, "wire: empty NOERROR is NODATA");
    is_int(ttl, 0, "wire: NODATA without SOA has ttl 0");

    is_int(rcode_of("example.com", MA_DNS_TXT, "q", LDNS_RCODE_SERVFAIL, "example.com. IN TXT", NULL,
                    NULL, &ttl),
           MA_DNS_TEMPFAIL, "wire: SERVFAIL is tempfail");
    is_int(ttl, 0, "wire: tempfail ttl 0");
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", LDNS_RCODE_REFUSED, "example.com. IN TXT", NULL,
                    NULL, NULL),
           MA_DNS_PERMFAIL, "wire: REFUSED is permfail");
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", LDNS_RCODE_FORMERR, "example.com. IN TXT", NULL,
                    NULL, NULL),
           MA_DNS_PERMFAIL, "wire: FORMERR is permfail");
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", LDNS_RCODE_NOTIMPL, "example.com. IN TXT", NULL,
                    NULL, NULL),
           MA_DNS_PERMFAIL, "wire: NOTIMP is permfail");
    is_int(rcode_of("example.com", MA_DNS_TXT, "q", LDNS_RCODE_YXDOMAIN, "example.com. IN TXT",
                    L("example.com. 300 IN TXT \"x\""), NULL, NULL),
           MA_DNS_PERMFAIL, "wire: YXDOMAIN is permfail, records ignored");
    is_int(rcode_of("example.com", MA_DNS_TXT, "qx", 0, "example.com. IN TXT",
                    L("example.com. 300 IN TXT \"x\""), NULL, NULL),
           MA_DNS_PERMFAIL, "wire: EDNS0 extended rcode is permfail");
}

/* ----------------------------------------------------- wire: CNAMEs */

static void test_wire_cname(void)
{
    size_t len;
    unsigned char *w;
    ma_dns_answer *a;
    ma_wire_result res;
    ldns_rdf *qname = NULL, *want = NULL;
    ldns_pkt *p = NULL;
    uint32_t ttl = 0;
    ma_ctx *c2;

    is_int(rcode_of("a.example.com", MA_DNS_TXT, "q", 0, "a.example.com. IN TXT",
                    L("a.example.com. 300 IN CNAME B.example.com.",
                      "b.example.com. 50 IN CNAME c.example.net.", "c.example.net. 200 IN TXT \"end\""),
                    NULL, &ttl),
           MA_DNS_OK, "wire: CNAME chain followed");
    is_int(ttl, 50, "wire: answer ttl capped by the CNAME ttls");
    w = build(&len, "q", 0, "a.example.com. IN TXT",
              L("c.example.net. 200 IN TXT \"end\"", "a.example.com. 300 IN TXT \"ignored\"",
                "b.example.com. 300 IN CNAME c.example.net.", "a.example.com. 300 IN CNAME b.example.com."),
              NULL);
    a = from_wire("a.example.com", MA_DNS_TXT, w, len);
    is_int(ma_dns_answer_count(a), 1, "wire: chain in any order, CNAME wins over other records");
    ok(has_txt(a, "end"), "wire: record of the final name");
    ma_dns_answer_free(a);
    free(w);

    is_int(rcode_of("a.example.com", MA_DNS_TXT, "q", 0, "a.example.com. IN TXT",
                    L("a.example.com. 300 IN CNAME b.example.com.",
                      "b.example.com. 300 IN CNAME A.example.com.", "a.example.com. 300 IN TXT \"x\""),
                    NULL, NULL),
           MA_DNS_PERMFAIL, "wire: CNAME loop is permfail");
    is_int(rcode_of("a.example.com", MA_DNS_TXT, "q", 0, "a.example.com. IN TXT",
                    L("a.example.com. 300 IN CNAME a.example.com."), NULL, NULL),
           MA_DNS_PERMFAIL, "wire: CNAME to itself is permfail");
    is_int(rcode_of("a.example.com", MA_DNS_TXT, "q", LDNS_RCODE_NXDOMAIN, "a.example.com. IN TXT",
                    L("a.example.com. 300 IN CNAME b.example.com.",
                      "b.example.com. 300 IN CNAME a.example.com."),
                    NULL, NULL),
           MA_DNS_PERMFAIL, "wire: CNAME loop with NXDOMAIN is permfail");
    is_int(rcode_of("a.example.com", MA_DNS_TXT, "q", LDNS_RCODE_NXDOMAIN, "a.example.com. IN TXT",
                    L("a.example.com. 30 IN CNAME nowhere.example.com."), L(SOA_EX), &ttl),
           MA_DNS_NXDOMAIN, "wire: CNAME to a missing name is NXDOMAIN (RFC 6604)");
    is_int(ttl, 30, "wire: NXDOMAIN ttl capped by the CNAME ttl");

    /* chain length limit */
    if (ma_ctx_new(&c2, NULL) == MA_OK && ma_ctx_set_limit(c2, MA_LIMIT_CNAME_CHAIN, 2) == MA_OK) {
        const char *const two[] = { "a.x. 300 IN CNAME b.x.", "b.x. 300 IN CNAME c.x.",
                                    "c.x. 300 IN TXT \"2\"", NULL };
        const char *const three[] = { "a.x. 300 IN CNAME b.x.", "b.x. 300 IN CNAME c.x.",
                                      "c.x. 300 IN CNAME d.x.", "d.x. 300 IN TXT \"3\"", NULL };
        w = build(&len, "q", 0, "a.x. IN TXT", two, NULL);
        a = NULL;
        is_int(ma_dns_answer_from_wire(&a, c2, "a.x", MA_DNS_TXT, w, len), MA_OK, "wire: limit 2");
        is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "wire: chain of 2 links within limit 2");
        ma_dns_answer_free(a);
        free(w);
        w = build(&len, "q", 0, "a.x. IN TXT", three, NULL);
        a = NULL;
        is_int(ma_dns_answer_from_wire(&a, c2, "a.x", MA_DNS_TXT, w, len), MA_OK, "wire: limit 2 (3)");
        is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: chain of 3 links over limit 2");
        ma_dns_answer_free(a);
        free(w);
    } else {
        ok(0, "wire: context for limits");
    }
    ma_ctx_free(c2);

    /* A chain leaving the packet */
    is_int(rcode_of("a.example.com", MA_DNS_TXT, "q", 0, "a.example.com. IN TXT",
                    L("a.example.com. 300 IN CNAME b.example.net."), NULL, NULL),
           MA_DNS_NODATA, "wire: dangling CNAME is NODATA for from_wire");

    w = build(&len, "q", 0, "a.example.com. IN TXT",
              L("a.example.com. 300 IN CNAME b.example.com.", "b.example.com. 70 IN CNAME c.example.net."),
              NULL);
    if (w != NULL && ldns_wire2pkt(&p, w, len) == LDNS_STATUS_OK &&
        ma__dns_dname_from_text(&qname, ctx, "A.example.com") == MA_OK &&
        ma__dns_dname_from_text(&want, ctx, "c.example.net.") == MA_OK) {
        is_int(ma__dns_pkt_decode(&res, ctx, p, qname, MA_DNS_TXT, 8, 1000), MA_OK, "decode: ok");
        ok(res.next != NULL && ldns_dname_compare(res.next, want) == 0, "decode: next name is the target");
        is_int(res.links, 2, "decode: links counted");
        is_int(res.chain_ttl, 70, "decode: chain ttl");
        is_int(ma_dns_answer_rcode(res.answer), MA_DNS_NODATA, "decode: dangling answer is NODATA");
        ma__dns_wire_result_clear(&res);
        is_int(ma__dns_pkt_decode(&res, ctx, p, qname, MA_DNS_TXT, 1, UINT32_MAX), MA_OK,
               "decode: budget 1");
        is_int(ma_dns_answer_rcode(res.answer), MA_DNS_PERMFAIL, "decode: budget exceeded is permfail");
        ok(res.next == NULL, "decode: no next when failed");
        ma__dns_wire_result_clear(&res);
        is_int(ma__dns_pkt_decode(&res, ctx, p, qname, MA_DNS_TXT, 8, 20), MA_OK, "decode: cap");
        is_int(res.chain_ttl, 20, "decode: chain ttl starts at the cap");
        ma__dns_wire_result_clear(&res);
        is_int(ma__dns_pkt_decode(NULL, ctx, p, qname, MA_DNS_TXT, 8, 20), MA_EINVAL,
               "decode: NULL result");
        is_int(ma__dns_pkt_decode(&res, ctx, p, qname, (ma_dns_type)5, 8, 20), MA_EINVAL,
               "decode: bad type");
    } else {
        ok(0, "decode: setup");
    }
    ldns_pkt_free(p);
    p = NULL;
    free(w);

    /* an SOA covering the target says the target has no such records */
    w = build(&len, "q", 0, "a.example.com. IN TXT", L("a.example.com. 300 IN CNAME b.example.net."),
              L("example.net. 600 IN SOA ns.example.net. h.example.net. 1 3600 900 604800 30"));
    if (w != NULL && ldns_wire2pkt(&p, w, len) == LDNS_STATUS_OK &&
        ma__dns_pkt_decode(&res, ctx, p, qname, MA_DNS_TXT, 8, UINT32_MAX) == MA_OK) {
        ok(res.next == NULL, "decode: target covered by SOA: no next");
        is_int(ma_dns_answer_rcode(res.answer), MA_DNS_NODATA, "decode: covered target NODATA");
        is_int(ma_dns_answer_ttl(res.answer), 30, "decode: NODATA ttl from the SOA");
        ma__dns_wire_result_clear(&res);
    } else {
        ok(0, "decode: SOA setup");
    }
    ldns_pkt_free(p);
    p = NULL;
    free(w);
    w = build(&len, "q", 0, "a.example.com. IN TXT", L("a.example.com. 300 IN CNAME b.example.net."),
              L(SOA_EX));
    if (w != NULL && ldns_wire2pkt(&p, w, len) == LDNS_STATUS_OK &&
        ma__dns_pkt_decode(&res, ctx, p, qname, MA_DNS_TXT, 8, UINT32_MAX) == MA_OK) {
        ok(res.next != NULL, "decode: SOA of another zone: next set");
        ma__dns_wire_result_clear(&res);
    } else {
        ok(0, "decode: SOA setup 2");
    }
    ldns_pkt_free(p);
    free(w);
    ldns_rdf_deep_free(qname);
    ldns_rdf_deep_free(want);
}

/* ------------------------------------------------- wire: bad packets */

static void test_wire_hostile(void)
{
    static const unsigned char garbage[] = "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07"
                                           "exam";
    /* header, question example.com/A, answer A with rdlength 3 */
    static const unsigned char bad_a[] = {
        0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 192, 0, 2
    };
    /* a compression pointer pointing at itself */
    static const unsigned char ptr_loop[] = {
        0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 16, 0, 1
    };
    size_t len, cut, bad = 0;
    unsigned char *w;
    ma_dns_answer *a;
    ma_ctx *c2;

    a = from_wire("example.com", MA_DNS_TXT, garbage, sizeof garbage - 1);
    is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: garbage is permfail");
    is_int(ma_dns_answer_count(a), 0, "wire: garbage has no records");
    ma_dns_answer_free(a);
    a = from_wire("example.com", MA_DNS_TXT, NULL, 0);
    is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: empty packet is permfail");
    ma_dns_answer_free(a);
    a = from_wire("example.com", MA_DNS_A, bad_a, sizeof bad_a);
    is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: A with 3-byte rdata is permfail");
    ma_dns_answer_free(a);
    a = from_wire("example.com", MA_DNS_TXT, ptr_loop, sizeof ptr_loop);
    is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: compression pointer loop is permfail");
    ma_dns_answer_free(a);

    /* every proper prefix of a good packet */
    w = build(&len, "q", 0, "example.com. IN TXT",
              L("example.com. 300 IN TXT \"v=spf1 \" \"-all\"", "example.com. 300 IN TXT \"two\""),
              L(SOA_EX));
    for (cut = 0; w != NULL && cut < len; cut++) {
        a = from_wire("example.com", MA_DNS_TXT, w, cut);
        if (a == NULL || ma_dns_answer_rcode(a) != MA_DNS_PERMFAIL) {
            printf("# prefix of %zu bytes: %s\n", cut, a ? ma_dns_rcode_name(ma_dns_answer_rcode(a)) : "error");
            bad++;
        }
        ma_dns_answer_free(a);
    }
    ok(w != NULL && bad == 0, "wire: every truncated prefix is permfail");
    free(w);

    is_int(rcode_of("example.com", MA_DNS_TXT, "qt", 0, "example.com. IN TXT",
                    L("example.com. 300 IN TXT \"x\""), NULL, NULL),
           MA_DNS_TEMPFAIL, "wire: TC set is tempfail");
    is_int(rcode_of("example.com", MA_DNS_TXT, "", 0, "example.com. IN TXT",
                    L("example.com. 300 IN TXT \"x\""), NULL, NULL),
           MA_DNS_PERMFAIL, "wire: a query (QR clear) is permfail");
    is_int(rcode_of("example.org", MA_DNS_TXT, "q", 0, "example.com. IN TXT",
                    L("example.org. 300 IN TXT \"x\""), NULL, NULL),
           MA_DNS_PERMFAIL, "wire: question for another name is permfail");

    /* limits */
    if (ma_ctx_new(&c2, NULL) == MA_OK && ma_ctx_set_limit(c2, MA_LIMIT_DNS_RECORDS, 1) == MA_OK &&
        ma_ctx_set_limit(c2, MA_LIMIT_TXT_BYTES, 5) == MA_OK) {
        w = build(&len, "q", 0, "example.com. IN TXT",
                  L("example.com. 300 IN TXT \"12\"", "example.com. 300 IN TXT \"34\""), NULL);
        a = NULL;
        ma_dns_answer_from_wire(&a, c2, "example.com", MA_DNS_TXT, w, len);
        is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: more records than the limit: permfail");
        ma_dns_answer_free(a);
        free(w);
        w = build(&len, "q", 0, "example.com. IN TXT", L("example.com. 300 IN TXT \"123\" \"456\""), NULL);
        a = NULL;
        ma_dns_answer_from_wire(&a, c2, "example.com", MA_DNS_TXT, w, len);
        is_int(ma_dns_answer_rcode(a), MA_DNS_PERMFAIL, "wire: TXT longer than the limit: permfail");
        ma_dns_answer_free(a);
        free(w);
        w = build(&len, "q", 0, "example.com. IN TXT", L("example.com. 300 IN TXT \"12\" \"345\""), NULL);
        a = NULL;
        ma_dns_answer_from_wire(&a, c2, "example.com", MA_DNS_TXT, w, len);
        is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "wire: TXT at the limit: ok");
        ma_dns_answer_free(a);
        free(w);
    } else {
        ok(0, "wire: limits context");
    }
    ma_ctx_free(c2);

    /* API misuse */
    w = build(&len, "q", 0, "example.com. IN TXT", L("example.com. 300 IN TXT \"x\""), NULL);
    a = (ma_dns_answer *)1;
    is_int(ma_dns_answer_from_wire(NULL, ctx, "example.com", MA_DNS_TXT, w, len), MA_EINVAL,
           "wire: NULL out");
    is_int(ma_dns_answer_from_wire(&a, NULL, "example.com", MA_DNS_TXT, w, len), MA_EINVAL,
           "wire: NULL ctx");
    ok(a == NULL, "wire: *out cleared on error");
    is_int(ma_dns_answer_from_wire(&a, ctx, NULL, MA_DNS_TXT, w, len), MA_EINVAL, "wire: NULL name");
    is_int(ma_dns_answer_from_wire(&a, ctx, "example.com", (ma_dns_type)6, w, len), MA_EINVAL,
           "wire: SOA is no answer type");
    is_int(ma_dns_answer_from_wire(&a, ctx, "example.com", MA_DNS_TXT, NULL, 5), MA_EINVAL,
           "wire: NULL packet with a length");
    is_int(ma_dns_answer_from_wire(&a, ctx, "a..example.com", MA_DNS_TXT, w, len), MA_EINVAL,
           "wire: empty label");
    {
        char longname[300];
        memset(longname, 'a', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        is_int(ma_dns_answer_from_wire(&a, ctx, longname, MA_DNS_TXT, w, len), MA_EINVAL,
               "wire: name too long");
    }
    free(w);
}

/* ---------------------------------------------------- wire: dname text */

static void test_dname_text(void)
{
    ldns_rdf *d = NULL;
    char *s;

    is_int(ma__dns_dname_from_text(&d, ctx, "a\\.b.example"), MA_OK, "dname: escaped dot");
    s = d ? ldns_rdf2str(d) : NULL;
    is_str(s, "a\\.b.example.", "dname: escaped dot kept in the label");
    free(s);
    ldns_rdf_deep_free(d);
    d = NULL;
    is_int(ma__dns_dname_from_text(&d, ctx, "ab\\."), MA_OK, "dname: name ending in an escaped dot");
    is_int(d ? ldns_dname_label_count(d) : 99, 1, "dname: one label");
    ldns_rdf_deep_free(d);
    d = NULL;
    is_int(ma__dns_dname_from_text(&d, ctx, "ab\\\\."), MA_OK, "dname: escaped backslash then dot");
    s = d ? ldns_rdf2str(d) : NULL;
    is_str(s, "ab\\\\.", "dname: the final dot ends it");
    free(s);
    ldns_rdf_deep_free(d);
    d = NULL;
    is_int(ma__dns_dname_from_text(&d, ctx, ""), MA_OK, "dname: empty is the root");
    is_int(d ? ldns_rdf_size(d) : 0, 1, "dname: root is one byte");
    ldns_rdf_deep_free(d);
    d = NULL;
    is_int(ma__dns_dname_from_text(&d, ctx, ".."), MA_EINVAL, "dname: '..' rejected");
    is_int(ma__dns_dname_from_text(&d, ctx,
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"),
           MA_EINVAL, "dname: 64-byte label rejected");
    ok(d == NULL, "dname: out cleared");
}

/* ------------------------------------------------ wire: allocation failures */

static void test_wire_oom(void)
{
    ta_alloc f;
    ma_ctx *c2 = NULL;
    size_t len;
    long n;
    int wrong = 0, done = 0;
    unsigned char *w = build(&len, "q", 0, "a.example.com. IN MX",
                             L("a.example.com. 300 IN CNAME b.example.com.",
                               "b.example.com. 300 IN MX 10 mx1.example.com.",
                               "b.example.com. 300 IN MX 20 mx2.example.com."),
                             NULL);
    for (n = 0; n < 200 && !done && w != NULL; n++) {
        ma_dns_answer *a = NULL;
        int rc;
        if (ta_ctx_new(&c2, &f) != MA_OK)
            break;
        ta_fail_from(&f, n + 1);   /* n calls succeed, then all fail */
        rc = ma_dns_answer_from_wire(&a, c2, "a.example.com", MA_DNS_MX, w, len);
        if (rc == MA_OK) {
            done = 1;
            if (ma_dns_answer_count(a) != 2 || !has_mx(a, 20, "mx2.example.com"))
                wrong++;
        } else if (rc != MA_ENOMEM || a != NULL) {
            wrong++;
        }
        ma_dns_answer_free(a);
        ma_ctx_free(c2);
    }
    ok(done && wrong == 0, "wire: every allocation failure gives MA_ENOMEM, then success");
    free(w);
}

/* ------------------------------------------------------------ options */

static int make(ma_resolver **r, ma_ctx *c, const char *const *servers, size_t n,
                unsigned timeout_ms, unsigned retries, unsigned edns, int no_tcp)
{
    ma_ldns_opts o;
    ma_ldns_opts_init(&o, MA_LDNS_OPTS_VERSION);
    o.servers = servers;
    o.nservers = n;
    o.timeout_ms = timeout_ms;
    o.retries = retries;
    o.edns_size = edns;
    o.no_tcp_fallback = no_tcp;
    return ma_resolver_ldns_new(r, c, &o);
}

static int make1(ma_resolver **r, const char *server)
{
    return make(r, ctx, &server, 1, 300, 1, 0, 0);
}

static void test_options(void)
{
    static const char *const bad[] = {
        "", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:53x", "1.2.3.4:+53",
        "[::1", "[::1]x", "[::1]:", "[1.2.3.4]:53", "host.example", "1.2.3.4 ", " 1.2.3.4",
        "01.2.3.4", "fe80::1%lo", "1.2.3.4:123456", "::1]:53", "[]:53", "1:2:3:4:5:6:7:8:9",
    };
    static const char *const good[] = {
        "127.0.0.1", "127.0.0.1:53", "[::1]:53", "::1", "[::1]", "2001:db8::1:53", "::ffff:1.2.3.4",
    };
    char path[] = "/tmp/ma-resolv.XXXXXX";
    const char *mixed[2], *same[2];
    const char *many[33];
    ma_ldns_opts o;
    ma_resolver *r = NULL;
    size_t i;
    int fd;

    is_int(ma_ldns_opts_init(NULL, MA_LDNS_OPTS_VERSION), MA_EINVAL, "opts: init NULL");
    is_int(ma_ldns_opts_init(&o, 99), MA_EVERSION, "opts: init bad version");
    memset(&o, 0xff, sizeof o);
    is_int(ma_ldns_opts_init(&o, MA_LDNS_OPTS_VERSION), MA_OK, "opts: init");
    ok(o.version == MA_LDNS_OPTS_VERSION && o.servers == NULL && o.nservers == 0 &&
           o.resolv_conf == NULL && o.timeout_ms == 0 && o.retries == 0 && o.edns_size == 0 &&
           o.no_tcp_fallback == 0,
       "opts: defaults are zero");

    is_int(ma_resolver_ldns_new(NULL, ctx, &o), MA_EINVAL, "opts: NULL out");
    r = (ma_resolver *)1;
    is_int(ma_resolver_ldns_new(&r, NULL, &o), MA_EINVAL, "opts: NULL ctx");
    ok(r == NULL, "opts: *out cleared");
    o.version = 2;
    is_int(ma_resolver_ldns_new(&r, ctx, &o), MA_EVERSION, "opts: bad version");

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "opts: bad server \"%s\"", bad[i]);
        is_int(make1(&r, bad[i]), MA_EINVAL, what);
        ma_resolver_free(r);
        r = NULL;
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "opts: server \"%s\"", good[i]);
        is_int(make1(&r, good[i]), MA_OK, what);
        ma_resolver_free(r);
        r = NULL;
    }
    mixed[0] = "127.0.0.1:5300";
    mixed[1] = "127.0.0.2:5301";
    is_int(make(&r, ctx, mixed, 2, 0, 0, 0, 0), MA_EINVAL, "opts: servers with different ports");
    mixed[1] = "127.0.0.2";
    is_int(make(&r, ctx, mixed, 2, 0, 0, 0, 0), MA_EINVAL, "opts: explicit port and default 53");
    same[0] = "127.0.0.1:53";
    same[1] = "[::1]";
    is_int(make(&r, ctx, same, 2, 0, 0, 0, 0), MA_OK, "opts: 53 given and implied");
    ma_resolver_free(r);
    r = NULL;
    is_int(make(&r, ctx, NULL, 1, 0, 0, 0, 0), MA_EINVAL, "opts: nservers without servers");
    is_int(make(&r, ctx, same, 0, 0, 0, 0, 0), MA_EINVAL, "opts: servers without nservers");
    same[1] = NULL;
    is_int(make(&r, ctx, same, 2, 0, 0, 0, 0), MA_EINVAL, "opts: NULL server string");
    for (i = 0; i < 33; i++)
        many[i] = "127.0.0.1";
    is_int(make(&r, ctx, many, 33, 0, 0, 0, 0), MA_EINVAL, "opts: more than 32 servers");
    is_int(make(&r, ctx, many, 32, 0, 0, 0, 0), MA_OK, "opts: 32 servers");
    ma_resolver_free(r);
    r = NULL;
    is_int(make(&r, ctx, many, 1, 0, 0, 70000, 0), MA_EINVAL, "opts: EDNS0 size over 65535");

    ma_ldns_opts_init(&o, MA_LDNS_OPTS_VERSION);
    o.resolv_conf = "/nonexistent/ma-test/resolv.conf";
    is_int(ma_resolver_ldns_new(&r, ctx, &o), MA_EIO, "opts: missing resolv.conf is MA_EIO");
    fd = mkstemp(path);
    if (fd >= 0) {
        static const char none[] = "# no servers\nsearch example.com\noptions ndots:2\n";
        static const char one[] = "nameserver 127.0.0.1\n";
        ok(write(fd, none, sizeof none - 1) == (ssize_t)(sizeof none - 1), "opts: write resolv.conf");
        o.resolv_conf = path;
        is_int(ma_resolver_ldns_new(&r, ctx, &o), MA_EIO, "opts: resolv.conf without nameserver");
        ok(write(fd, one, sizeof one - 1) == (ssize_t)(sizeof one - 1), "opts: add a nameserver");
        is_int(ma_resolver_ldns_new(&r, ctx, &o), MA_OK, "opts: resolv.conf with a nameserver");
        ma_resolver_free(r);
        r = NULL;
        close(fd);
        unlink(path);
    } else {
        ok(0, "opts: temporary resolv.conf");
    }
}

/* ------------------------------------------------- a scripted UDP server */

enum { FAKE_SILENT, FAKE_ANSWER, FAKE_WRONG_ID, FAKE_WRONG_NAME, FAKE_GARBAGE, FAKE_TC,
       FAKE_SERVFAIL, FAKE_REFUSED, FAKE_ZONE };

/* FAKE_ZONE data: one record per name, CNAMEs never followed by the server,
   so the resolver has to ask for each target itself. */
static const struct {
    const char *name;
    const char *rr;   /* NULL: NXDOMAIN */
} fake_zone[] = {
    { "a.chain.fake.", "a.chain.fake. 100 IN CNAME b.chain.fake." },
    { "b.chain.fake.", "b.chain.fake. 50 IN CNAME C.Chain.fake." },
    { "c.chain.fake.", "c.chain.fake. 300 IN TXT \"end\"" },
    { "x.chain.fake.", "x.chain.fake. 300 IN CNAME y.chain.fake." },
    { "y.chain.fake.", "y.chain.fake. 300 IN CNAME x.chain.fake." },
    { "nx.chain.fake.", "nx.chain.fake. 300 IN CNAME gone.chain.fake." },
    { "gone.chain.fake.", NULL },
};

typedef struct fake {
    int fd;
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;
    int mode;
    int stop;
    int queries;
    unsigned char last[1024];  /* the last query received */
    size_t last_len;
} fake;

/* Length of header + question of a query, or 0. */
static size_t question_end(const unsigned char *q, size_t len)
{
    size_t i = 12;
    if (len < 12 || q[4] != 0 || q[5] != 1)
        return 0;
    while (i < len && q[i] != 0) {
        if (q[i] > 63)
            return 0;
        i += (size_t)q[i] + 1;
    }
    return i + 5 <= len ? i + 5 : 0;
}

/* Answer a query from fake_zone; unknown names are REFUSED. */
static void fake_zone_reply(int fd, const unsigned char *q, size_t n,
                            const struct sockaddr_storage *from, socklen_t flen)
{
    ldns_pkt *qp = NULL, *rp = NULL;
    ldns_rr *rr = NULL;
    char *qname = NULL;
    uint8_t *wire = NULL;
    size_t i, len;
    int rcode = LDNS_RCODE_REFUSED;

    if (ldns_wire2pkt(&qp, q, n) != LDNS_STATUS_OK || ldns_pkt_qdcount(qp) != 1)
        goto done;
    qname = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(qp), 0)));
    rp = ldns_pkt_new();
    if (qname == NULL || rp == NULL)
        goto done;
    for (i = 0; qname[i]; i++)
        qname[i] = (char)ma__lower((unsigned char)qname[i]);
    for (i = 0; i < sizeof fake_zone / sizeof fake_zone[0]; i++) {
        if (strcmp(fake_zone[i].name, qname) != 0)
            continue;
        rcode = LDNS_RCODE_NXDOMAIN;
        if (fake_zone[i].rr != NULL &&
            ldns_rr_new_frm_str(&rr, fake_zone[i].rr, 0, NULL, NULL) == LDNS_STATUS_OK) {
            rcode = LDNS_RCODE_NOERROR;
            ldns_pkt_push_rr(rp, LDNS_SECTION_ANSWER, rr);
        }
    }
    ldns_pkt_set_id(rp, ldns_pkt_id(qp));
    ldns_pkt_set_qr(rp, true);
    ldns_pkt_set_rd(rp, ldns_pkt_rd(qp));
    ldns_pkt_set_rcode(rp, (uint8_t)rcode);
    ldns_pkt_push_rr(rp, LDNS_SECTION_QUESTION,
                     ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(qp), 0)));
    if (ldns_pkt2wire(&wire, rp, &len) == LDNS_STATUS_OK)
        (void)sendto(fd, wire, len, 0, (const struct sockaddr *)from, flen);
done:
    free(wire);
    free(qname);
    ldns_pkt_free(rp);
    ldns_pkt_free(qp);
}

static void *fake_run(void *arg)
{
    fake *f = arg;
    for (;;) {
        struct pollfd pfd;
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        unsigned char q[1024], r[1200];
        ssize_t n;
        size_t qe, rl;
        int mode;

        pfd.fd = f->fd;
        pfd.events = POLLIN;
        pthread_mutex_lock(&f->lock);
        if (f->stop) {
            pthread_mutex_unlock(&f->lock);
            break;
        }
        pthread_mutex_unlock(&f->lock);
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        n = recvfrom(f->fd, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
        if (n <= 0)
            continue;
        pthread_mutex_lock(&f->lock);
        f->queries++;
        memcpy(f->last, q, (size_t)n);
        f->last_len = (size_t)n;
        mode = f->mode;
        pthread_mutex_unlock(&f->lock);
        if (mode == FAKE_SILENT)
            continue;
        if (mode == FAKE_ZONE) {
            fake_zone_reply(f->fd, q, (size_t)n, &from, flen);
            continue;
        }
        qe = question_end(q, (size_t)n);
        if (qe == 0)
            continue;
        /* the reply: header and question of the query, then records */
        memcpy(r, q, qe);
        r[2] = (unsigned char)(0x80 | (q[2] & 0x01)); /* QR, RD copied */
        r[3] = 0x80;                                  /* RA, NOERROR */
        memset(r + 6, 0, 6);
        rl = qe;
        switch (mode) {
        case FAKE_WRONG_ID:
            r[1] ^= 0x55;
            /* fall through */
        case FAKE_ANSWER:
        case FAKE_WRONG_NAME: {
            static const unsigned char rr[] = { 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 5,
                                                4, 'f', 'a', 'k', 'e' };
            memcpy(r + rl, rr, sizeof rr);
            rl += sizeof rr;
            r[7] = 1;
            if (mode == FAKE_WRONG_NAME)
                r[13] ^= 0x01;   /* change a letter of the first label */
            break;
        }
        case FAKE_GARBAGE:
            rl = 7;
            break;
        case FAKE_TC:
            r[2] |= 0x02;
            break;
        case FAKE_SERVFAIL:
            r[3] = 0x82;
            break;
        case FAKE_REFUSED:
            r[3] = 0x85;
            break;
        }
        (void)sendto(f->fd, r, rl, 0, (struct sockaddr *)&from, flen);
    }
    return NULL;
}

/* Bind 127.0.0.1 (or addr) on port (0: any) and start the thread. */
static int fake_start(fake *f, const char *addr, unsigned port, int mode)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;

    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (f->fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (bind(f->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(f->fd, (struct sockaddr *)&sa, &len) != 0) {
        close(f->fd);
        return -1;
    }
    f->port = ntohs(sa.sin_port);
    pthread_mutex_init(&f->lock, NULL);
    if (pthread_create(&f->thread, NULL, fake_run, f) != 0) {
        close(f->fd);
        pthread_mutex_destroy(&f->lock);
        return -1;
    }
    return 0;
}

static void fake_mode(fake *f, int mode)
{
    pthread_mutex_lock(&f->lock);
    f->mode = mode;
    pthread_mutex_unlock(&f->lock);
}

static void fake_stop(fake *f)
{
    pthread_mutex_lock(&f->lock);
    f->stop = 1;
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    close(f->fd);
    pthread_mutex_destroy(&f->lock);
}

/* The rcode of resolving name/type through r (-1 when the call failed). */
static int resolve_rcode(ma_resolver *r, const char *name, ma_dns_type type, double *ms)
{
    ma_dns_answer *a = NULL;
    double t0 = now_ms();
    int rc = ma_resolver_resolve(r, name, type, &a);
    int out;
    if (ms != NULL)
        *ms = now_ms() - t0;
    if (rc != MA_OK) {
        printf("# resolve %s: %s\n", name, ma_status_name(rc));
        return -1;
    }
    out = (int)ma_dns_answer_rcode(a);
    ma_dns_answer_free(a);
    return out;
}

static void test_scripted(void)
{
    fake f, f2;
    ma_resolver *r = NULL;
    char server[64], server2[64];
    const char *servers[2];
    ma_dns_answer *a = NULL;
    double ms, bound;
    ldns_pkt *q = NULL;

    if (fake_start(&f, "127.0.0.1", 0, FAKE_SILENT) != 0) {
        ok(0, "scripted: start a UDP server");
        return;
    }
    snprintf(server, sizeof server, "127.0.0.1:%u", f.port);
    servers[0] = server;

    /* a silent server: timeout * retries */
    if (make(&r, ctx, servers, 1, 300, 2, 0, 0) == MA_OK) {
        is_int(resolve_rcode(r, "silent.example", MA_DNS_TXT, &ms), MA_DNS_TEMPFAIL,
               "silent: tempfail");
        bound = 300.0 * 2;
        printf("# silent server: %.0f ms for a bound of %.0f ms\n", ms, bound);
        ok(ms >= bound * 0.9, "silent: every try waited for (retries applied)");
        ok(ms < bound * 5, "silent: within 5x timeout * retries");
        pthread_mutex_lock(&f.lock);
        is_int(f.queries, 2, "silent: two tries sent");
        pthread_mutex_unlock(&f.lock);

        /* the same resolver once the server answers: ldns would have marked
           the server unreachable for good */
        fake_mode(&f, FAKE_ANSWER);
        a = NULL;
        is_int(ma_resolver_resolve(r, "fake.example", MA_DNS_TXT, &a), MA_OK, "recover: resolve");
        is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "recover: a server that timed out is asked again");
        ok(has_txt(a, "fake"), "recover: record");
        is_int(ma_dns_answer_add_txt(a, "x", 1, 1), MA_ESTATE, "ldns: answers come frozen");
        ma_dns_answer_free(a);

        /* the query as sent: RD set, EDNS0 1232 by default, no DO bit */
        pthread_mutex_lock(&f.lock);
        if (ldns_wire2pkt(&q, f.last, f.last_len) != LDNS_STATUS_OK)
            q = NULL;
        pthread_mutex_unlock(&f.lock);
        ok(q != NULL && ldns_pkt_rd(q), "query: RD set");
        ok(q != NULL && ldns_pkt_edns(q) && ldns_pkt_edns_udp_size(q) == 1232,
           "query: EDNS0 size 1232 by default");
        ok(q != NULL && !ldns_pkt_edns_do(q) && !ldns_pkt_cd(q), "query: no DNSSEC bits");
        ldns_pkt_free(q);
        q = NULL;

        fake_mode(&f, FAKE_WRONG_ID);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
               "scripted: reply with another id is tempfail");
        fake_mode(&f, FAKE_WRONG_NAME);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
               "scripted: reply to another question is tempfail");
        fake_mode(&f, FAKE_GARBAGE);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
               "scripted: unparsable reply is permfail");
        fake_mode(&f, FAKE_SERVFAIL);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
               "scripted: SERVFAIL is tempfail");
        fake_mode(&f, FAKE_REFUSED);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
               "scripted: REFUSED is permfail");
        fake_mode(&f, FAKE_TC);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, &ms), MA_DNS_TEMPFAIL,
               "scripted: truncated, TCP refused: tempfail");
        ok(ms < 300.0 * 2 * 5, "scripted: TCP refusal is quick");
        is_int(resolve_rcode(r, "bad..name", MA_DNS_TXT, NULL), -1, "ldns: bad name rejected");
        a = (ma_dns_answer *)1;
        is_int(ma_resolver_resolve(r, "bad..name", MA_DNS_TXT, &a), MA_EINVAL,
               "ldns: bad name is MA_EINVAL");
        ok(a == NULL, "ldns: no answer on error");
        is_int(ma_resolver_resolve(r, "fake.example", (ma_dns_type)2, &a), MA_EINVAL,
               "ldns: NS is no answer type");
    } else {
        ok(0, "scripted: resolver");
    }
    ma_resolver_free(r);
    r = NULL;

    /* CNAME targets the server does not add: the resolver asks for them */
    if (make(&r, ctx, servers, 1, 300, 1, 0, 0) == MA_OK) {
        int before;
        fake_mode(&f, FAKE_ZONE);
        pthread_mutex_lock(&f.lock);
        before = f.queries;
        pthread_mutex_unlock(&f.lock);
        a = NULL;
        is_int(ma_resolver_resolve(r, "A.chain.fake", MA_DNS_TXT, &a), MA_OK, "requery: resolve");
        is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "requery: chain over three replies");
        ok(ma_dns_answer_count(a) == 1 && has_txt(a, "end"), "requery: final record");
        is_int(ma_dns_answer_ttl(a), 50, "requery: ttl capped by the CNAMEs of earlier replies");
        ma_dns_answer_free(a);
        pthread_mutex_lock(&f.lock);
        is_int(f.queries - before, 3, "requery: three queries");
        before = f.queries;
        pthread_mutex_unlock(&f.lock);
        is_int(resolve_rcode(r, "x.chain.fake", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
               "requery: loop over two replies is permfail");
        pthread_mutex_lock(&f.lock);
        is_int(f.queries - before, 2, "requery: loop seen without a third query");
        pthread_mutex_unlock(&f.lock);
        is_int(resolve_rcode(r, "nx.chain.fake", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN,
               "requery: target missing is NXDOMAIN");
        is_int(resolve_rcode(r, "unknown.fake", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
               "requery: refused");
    } else {
        ok(0, "requery: resolver");
    }
    ma_resolver_free(r);
    r = NULL;
    {
        ma_ctx *c2 = NULL;
        if (ma_ctx_new(&c2, NULL) == MA_OK && ma_ctx_set_limit(c2, MA_LIMIT_CNAME_CHAIN, 1) == MA_OK &&
            make(&r, c2, servers, 1, 300, 1, 0, 0) == MA_OK) {
            is_int(resolve_rcode(r, "a.chain.fake", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
                   "requery: 2 links over replies, limit 1");
            is_int(resolve_rcode(r, "b.chain.fake", MA_DNS_TXT, NULL), MA_DNS_OK,
                   "requery: 1 link over replies, limit 1");
        } else {
            ok(0, "requery: limit resolver");
        }
        ma_resolver_free(r);
        r = NULL;
        ma_ctx_free(c2);
    }

    /* truncated without fallback */
    if (make(&r, ctx, servers, 1, 300, 1, 512, 1) == MA_OK) {
        fake_mode(&f, FAKE_TC);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
               "scripted: truncated without TCP fallback is tempfail");
        fake_mode(&f, FAKE_ANSWER);
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_OK, "scripted: edns 512 ok");
        pthread_mutex_lock(&f.lock);
        if (ldns_wire2pkt(&q, f.last, f.last_len) != LDNS_STATUS_OK)
            q = NULL;
        pthread_mutex_unlock(&f.lock);
        ok(q != NULL && !ldns_pkt_edns(q), "query: edns_size 512 sends no OPT record");
        ldns_pkt_free(q);
        q = NULL;
    } else {
        ok(0, "scripted: resolver 2");
    }
    ma_resolver_free(r);
    r = NULL;
    if (make(&r, ctx, servers, 1, 300, 1, 4000, 0) == MA_OK) {
        is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, NULL), MA_DNS_OK, "scripted: edns 4000");
        pthread_mutex_lock(&f.lock);
        if (ldns_wire2pkt(&q, f.last, f.last_len) != LDNS_STATUS_OK)
            q = NULL;
        pthread_mutex_unlock(&f.lock);
        ok(q != NULL && ldns_pkt_edns_udp_size(q) == 4000, "query: EDNS0 size as configured");
        ldns_pkt_free(q);
        q = NULL;
    } else {
        ok(0, "scripted: resolver 3");
    }
    ma_resolver_free(r);
    r = NULL;

    /* two silent servers: timeout * retries * servers */
    fake_mode(&f, FAKE_SILENT);
    if (fake_start(&f2, "127.0.0.2", f.port, FAKE_SILENT) == 0) {
        snprintf(server2, sizeof server2, "127.0.0.2:%u", f.port);
        servers[1] = server2;
        if (make(&r, ctx, servers, 2, 200, 2, 0, 0) == MA_OK) {
            is_int(resolve_rcode(r, "silent.example", MA_DNS_A, &ms), MA_DNS_TEMPFAIL,
                   "silent x2: tempfail");
            bound = 200.0 * 2 * 2;
            printf("# two silent servers: %.0f ms for a bound of %.0f ms\n", ms, bound);
            ok(ms >= bound * 0.9, "silent x2: both servers tried");
            ok(ms < bound * 5, "silent x2: within 5x timeout * retries * servers");
            /* failover: the second server answers */
            fake_mode(&f2, FAKE_ANSWER);
            is_int(resolve_rcode(r, "fake.example", MA_DNS_TXT, &ms), MA_DNS_OK,
                   "failover: the second server answers");
            ok(ms >= 200.0 * 2 * 0.9, "failover: after the first server's tries");
        } else {
            ok(0, "silent x2: resolver");
        }
        ma_resolver_free(r);
        r = NULL;
        fake_stop(&f2);
    } else {
        tap_diag("cannot bind 127.0.0.2: two-server tests skipped");
    }
    fake_stop(&f);
}

/* ------------------------------------------------------------ server tests */

static unsigned server_port;

static ma_resolver *server_resolver(ma_ctx *c, unsigned edns, int no_tcp)
{
    char s[64];
    const char *sp = s;
    ma_resolver *r = NULL;
    snprintf(s, sizeof s, "127.0.0.1:%u", server_port);
    if (make(&r, c, &sp, 1, 1000, 2, edns, no_tcp) != MA_OK)
        return NULL;
    return r;
}

static ma_dns_answer *ask(ma_resolver *r, const char *name, ma_dns_type type)
{
    ma_dns_answer *a = NULL;
    int rc;
    if (r == NULL)
        return NULL;
    rc = ma_resolver_resolve(r, name, type, &a);
    if (rc != MA_OK) {
        printf("# resolve %s: %s\n", name, ma_status_name(rc));
        return NULL;
    }
    return a;
}

/* rcode and ttl of a question; -1 on error */
static int ask_rcode(ma_resolver *r, const char *name, ma_dns_type type, uint32_t *ttl)
{
    ma_dns_answer *a = ask(r, name, type);
    int rc;
    if (a == NULL)
        return -1;
    rc = (int)ma_dns_answer_rcode(a);
    if (ttl != NULL)
        *ttl = ma_dns_answer_ttl(a);
    ma_dns_answer_free(a);
    return rc;
}

static int all_big(const ma_dns_answer *a)
{
    size_t i, n = 0;
    for (i = 0; a != NULL && i < ma_dns_answer_count(a); i++) {
        const char *t;
        size_t l;
        if (ma_dns_answer_txt(a, i, &t, &l) == MA_OK && l == 200 && memcmp(t, "big-", 4) == 0)
            n++;
    }
    return n == 8;
}

static void test_server(void)
{
    ma_resolver *r = server_resolver(ctx, 0, 0);
    ma_dns_answer *a;
    uint32_t ttl = 0;
    ma_ctx *c2 = NULL;

    ok(r != NULL, "server: resolver");

    a = ask(r, "txt.example.test", MA_DNS_TXT);
    is_int(ma_dns_answer_rcode(a), MA_DNS_OK, "server: TXT");
    ok(ma_dns_answer_count(a) == 1 && has_txt(a, "v=spf1 -all"), "server: TXT text");
    is_int(ma_dns_answer_ttl(a), 300, "server: TXT ttl");
    ma_dns_answer_free(a);
    a = ask(r, "multi.example.test.", MA_DNS_TXT);
    ok(ma_dns_answer_count(a) == 1 && has_txt(a, "v=spf1 ip4:192.0.2.1 -all"),
       "server: multi-string TXT joined");
    ma_dns_answer_free(a);
    a = ask(r, "two.example.test", MA_DNS_TXT);
    ok(ma_dns_answer_count(a) == 2 && has_txt(a, "first") && has_txt(a, "second"),
       "server: two TXT records");
    ma_dns_answer_free(a);
    a = ask(r, "odd.example.test", MA_DNS_TXT);
    ok(txt_is(a, 0, "a\"b\\c;d\0end", 11), "server: TXT bytes with quotes, backslash, NUL");
    ma_dns_answer_free(a);

    a = ask(r, "host.example.test", MA_DNS_A);
    ok(ma_dns_answer_count(a) == 2 && has_addr(a, "192.0.2.10") && has_addr(a, "192.0.2.11"),
       "server: A records");
    ma_dns_answer_free(a);
    a = ask(r, "HOST.Example.TEST", MA_DNS_A);
    ok(ma_dns_answer_count(a) == 2, "server: mixed-case name");
    ma_dns_answer_free(a);
    a = ask(r, "host.example.test", MA_DNS_AAAA);
    ok(ma_dns_answer_count(a) == 1 && has_addr(a, "2001:db8::10"), "server: AAAA record");
    ma_dns_answer_free(a);
    a = ask(r, "mail.example.test", MA_DNS_MX);
    ok(ma_dns_answer_count(a) == 2 && has_mx(a, 10, "mx1.example.test") &&
           has_mx(a, 20, "mx2.example.net"),
       "server: MX records");
    ma_dns_answer_free(a);
    a = ask(r, "nullmx.example.test", MA_DNS_MX);
    ok(ma_dns_answer_count(a) == 1 && has_mx(a, 0, "."), "server: null MX");
    ma_dns_answer_free(a);
    a = ask(r, "10.2.0.192.in-addr.arpa", MA_DNS_PTR);
    ok(ma_dns_answer_count(a) == 2 && has_ptr(a, "host.example.test") &&
           has_ptr(a, "alias.example.test"),
       "server: PTR records");
    ma_dns_answer_free(a);

    is_int(ask_rcode(r, "nxname.example.test", MA_DNS_TXT, &ttl), MA_DNS_NXDOMAIN, "server: NXDOMAIN");
    is_int(ttl, 120, "server: NXDOMAIN ttl = min(SOA ttl, MINIMUM)");
    is_int(ask_rcode(r, "parent.example.test", MA_DNS_TXT, &ttl), MA_DNS_NODATA,
           "server: empty non-terminal is NODATA");
    is_int(ttl, 120, "server: NODATA ttl");
    is_int(ask_rcode(r, "host.example.test", MA_DNS_TXT, NULL), MA_DNS_NODATA,
           "server: other type only is NODATA");

    a = ask(r, "alias.example.test", MA_DNS_A);
    ok(ma_dns_answer_count(a) == 2 && has_addr(a, "192.0.2.10"), "server: CNAME followed");
    is_int(ma_dns_answer_ttl(a), 60, "server: CNAME ttl caps the answer ttl");
    ma_dns_answer_free(a);
    is_int(ask_rcode(r, "alias2.example.test", MA_DNS_A, NULL), MA_DNS_OK, "server: two CNAMEs");
    is_int(ask_rcode(r, "alias.example.test", MA_DNS_TXT, NULL), MA_DNS_NODATA,
           "server: CNAME to a name without the type is NODATA");
    is_int(ask_rcode(r, "dangling.example.test", MA_DNS_TXT, NULL), MA_DNS_NXDOMAIN,
           "server: CNAME to a missing name is NXDOMAIN");
    a = ask(r, "cross.example.test", MA_DNS_TXT);
    ok(ma_dns_answer_count(a) == 1 && has_txt(a, "in other zone"),
       "server: CNAME into another zone: target asked");
    ma_dns_answer_free(a);
    is_int(ask_rcode(r, "crossnx.example.test", MA_DNS_TXT, &ttl), MA_DNS_NXDOMAIN,
           "server: CNAME to a missing name of another zone is NXDOMAIN");
    is_int(ttl, 60, "server: its ttl from the other zone's SOA");
    a = ask(r, "crossback.example.test", MA_DNS_A);
    ok(ma_dns_answer_count(a) == 2 && has_addr(a, "192.0.2.11"),
       "server: chain over three queries (4 links)");
    ma_dns_answer_free(a);
    /* one reply says NODATA-with-CNAME; asking for the target gets REFUSED */
    is_int(ask_rcode(r, "outside.example.test", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
           "server: CNAME target asked again, the server refuses it: permfail");
    is_int(ask_rcode(r, "loop1.example.test", MA_DNS_TXT, NULL), MA_DNS_PERMFAIL,
           "server: CNAME loop is permfail");
    is_int(ask_rcode(r, "c1.example.test", MA_DNS_A, NULL), MA_DNS_PERMFAIL,
           "server: 9 links over the default limit of 8");
    is_int(ask_rcode(r, "c2.example.test", MA_DNS_A, NULL), MA_DNS_OK, "server: 8 links within it");

    /* TCP fallback */
    a = ask(r, "medium.example.test", MA_DNS_TXT);
    ok(ma_dns_answer_count(a) == 1 && txt_len(a) == 690, "server: 700-byte reply over UDP");
    ma_dns_answer_free(a);
    a = ask(r, "big.example.test", MA_DNS_TXT);
    ok(all_big(a), "server: big RRset complete (TCP fallback)");
    ma_dns_answer_free(a);
    ma_resolver_free(r);

    r = server_resolver(ctx, 512, 0);
    a = ask(r, "big.example.test", MA_DNS_TXT);
    ok(all_big(a), "server: big RRset complete without EDNS0 (TCP fallback)");
    ma_dns_answer_free(a);
    a = ask(r, "medium.example.test", MA_DNS_TXT);
    ok(ma_dns_answer_count(a) == 1 && txt_len(a) == 690,
       "server: 700-byte reply without EDNS0 (TCP fallback)");
    ma_dns_answer_free(a);
    ma_resolver_free(r);

    r = server_resolver(ctx, 0, 1);
    is_int(ask_rcode(r, "big.example.test", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
           "server: big RRset without TCP fallback is tempfail");
    is_int(ask_rcode(r, "medium.example.test", MA_DNS_TXT, NULL), MA_DNS_OK,
           "server: 700-byte reply fits EDNS0 1232 without TCP");
    ma_resolver_free(r);
    r = server_resolver(ctx, 512, 1);
    is_int(ask_rcode(r, "medium.example.test", MA_DNS_TXT, NULL), MA_DNS_TEMPFAIL,
           "server: 700-byte reply without EDNS0 or TCP is tempfail");
    is_int(ask_rcode(r, "txt.example.test", MA_DNS_TXT, NULL), MA_DNS_OK,
           "server: small reply without EDNS0 or TCP");
    ma_resolver_free(r);

    /* CNAME limits across queries */
    if (ma_ctx_new(&c2, NULL) == MA_OK) {
        ma_ctx_set_limit(c2, MA_LIMIT_CNAME_CHAIN, 9);
        r = server_resolver(c2, 0, 0);
        is_int(ask_rcode(r, "c1.example.test", MA_DNS_A, NULL), MA_DNS_OK, "server: 9 links, limit 9");
        ma_resolver_free(r);
        ma_ctx_set_limit(c2, MA_LIMIT_CNAME_CHAIN, 1);
        r = server_resolver(c2, 0, 0);
        is_int(ask_rcode(r, "cross.example.test", MA_DNS_TXT, NULL), MA_DNS_OK,
               "server: 1 link into another zone, limit 1");
        is_int(ask_rcode(r, "alias2.example.test", MA_DNS_A, NULL), MA_DNS_PERMFAIL,
               "server: 2 links, limit 1");
        ma_resolver_free(r);
        ma_ctx_set_limit(c2, MA_LIMIT_CNAME_CHAIN, 3);
        r = server_resolver(c2, 0, 0);
        is_int(ask_rcode(r, "crossback.example.test", MA_DNS_A, NULL), MA_DNS_PERMFAIL,
               "server: 4 links through two zones, limit 3");
        ma_resolver_free(r);
        ma_ctx_set_limit(c2, MA_LIMIT_CNAME_CHAIN, 4);
        r = server_resolver(c2, 0, 0);
        is_int(ask_rcode(r, "crossback.example.test", MA_DNS_A, NULL), MA_DNS_OK,
               "server: 4 links through two zones, limit 4");
        ma_resolver_free(r);
    } else {
        ok(0, "server: limits context");
    }
    ma_ctx_free(c2);
}

/* Several threads share one resolver. */
typedef struct worker {
    ma_resolver *r;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    int i;
    for (i = 0; i < 25; i++) {
        ma_dns_answer *a = NULL;
        int txt = i % 2 == 0;
        if (ma_resolver_resolve(w->r, txt ? "txt.example.test" : "alias.example.test",
                                txt ? MA_DNS_TXT : MA_DNS_A, &a) != MA_OK ||
            ma_dns_answer_count(a) != (txt ? 1u : 2u))
            w->failures++;
        ma_dns_answer_free(a);
    }
    return NULL;
}

static void test_threads(void)
{
    ma_resolver *r = server_resolver(ctx, 0, 0);
    pthread_t th[4];
    worker w[4];
    int i, started = 0, failures = 0;

    for (i = 0; i < 4 && r != NULL; i++) {
        w[i].r = r;
        w[i].failures = 0;
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
            break;
        started++;
    }
    for (i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    ok(started == 4 && failures == 0, "server: 4 threads x 25 queries on one resolver");
    ma_resolver_free(r);
}

/* Failover to a second server of the list, with nsd as the second. */
static void test_server_failover(void)
{
    fake f;
    char s1[64], s2[64];
    const char *servers[2];
    ma_resolver *r = NULL;
    double ms;

    if (fake_start(&f, "127.0.0.2", server_port, FAKE_SILENT) != 0) {
        printf("# cannot bind 127.0.0.2:%u: failover test skipped\n", server_port);
        return;
    }
    snprintf(s1, sizeof s1, "127.0.0.2:%u", server_port);
    snprintf(s2, sizeof s2, "127.0.0.1:%u", server_port);
    servers[0] = s1;
    servers[1] = s2;
    if (make(&r, ctx, servers, 2, 200, 1, 0, 0) == MA_OK) {
        is_int(resolve_rcode(r, "txt.example.test", MA_DNS_TXT, &ms), MA_DNS_OK,
               "server: silent first server, nsd second");
        ok(ms >= 180.0 && ms < 200.0 * 5, "server: failover after one timeout");
    } else {
        ok(0, "server: failover resolver");
    }
    ma_resolver_free(r);
    fake_stop(&f);
}

/* ------------------------------------------------------------------ --wait */

static int wait_for(unsigned port)
{
    double deadline = now_ms() + 10000.0;
    ldns_resolver *r = ldns_resolver_new();
    ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
    ldns_rdf *name = ldns_dname_new_frm_str("txt.example.test.");
    struct timeval tv = { 0, 200000 };
    int up = 0;

    if (r == NULL || ns == NULL || name == NULL)
        goto done;
    ldns_resolver_push_nameserver(r, ns);
    ldns_resolver_set_port(r, (uint16_t)port);
    ldns_resolver_set_timeout(r, tv);
    ldns_resolver_set_retry(r, 1);
    while (!up && now_ms() < deadline) {
        ldns_pkt *p = NULL;
        size_t i;
        for (i = 0; i < ldns_resolver_nameserver_count(r); i++)
            ldns_resolver_set_nameserver_rtt(r, i, LDNS_RESOLV_RTT_MIN);
        if (ldns_resolver_send(&p, r, name, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, LDNS_RD) ==
                LDNS_STATUS_OK &&
            p != NULL && ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR && ldns_pkt_ancount(p) > 0)
            up = 1;
        ldns_pkt_free(p);
        if (!up)
            sleep_ms(100);
    }
done:
    ldns_rdf_deep_free(name);
    ldns_rdf_deep_free(ns);
    ldns_resolver_deep_free(r);
    return up ? 0 : 1;
}

static unsigned parse_port(const char *s)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
        return 0;
    return (unsigned)v;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--wait") == 0) {
        unsigned port = parse_port(argv[2]);
        return port ? wait_for(port) : 2;
    }
    if (argc == 2) {
        server_port = parse_port(argv[1]);
        if (server_port == 0) {
            printf("Bail out! bad port %s\n", argv[1]);
            return 1;
        }
    }
    if (ma_ctx_new(&ctx, NULL) != MA_OK) {
        printf("Bail out! no context\n");
        return 1;
    }

    test_wire_records();
    test_wire_negative();
    test_wire_cname();
    test_wire_hostile();
    test_dname_text();
    test_wire_oom();
    test_options();
    test_scripted();
    if (server_port != 0) {
        test_server();
        test_threads();
        test_server_failover();
    } else {
        printf("ok %d # SKIP tests against nsd: nsd not installed\n", ++tap_n);
    }

    ma_ctx_free(ctx);
    return tap_done();
}
