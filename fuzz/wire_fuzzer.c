/*
 * Fuzz harness for DNS responses in wire format (src/dns/wire.c,
 * ma_dns_answer_from_wire, over ldns_wire2pkt).
 *
 * The input is a response packet.  It is decoded for every record type,
 * once for a fixed name and once for the name in the packet's question (so
 * that the question check passes and the CNAME chain and record decoding
 * are reached), with the default limits and with small ones.  Invariants
 * (abort on violation):
 * - the call returns MA_OK with an answer of the asked type and a known
 *   outcome class; only an OK answer has records;
 * - every record reads back (and one past the end does not); TXT lengths
 *   respect MA_LIMIT_TXT_BYTES; MX and PTR names are NUL-terminated and
 *   keep no trailing dot (the root aside).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "mailauth/dns.h"

static const ma_dns_type types[] = { MA_DNS_TXT, MA_DNS_A, MA_DNS_AAAA, MA_DNS_MX, MA_DNS_PTR };

/*
 * The question name of a packet as presentation text (uncompressed labels
 * only, at most 255 octets; bytes other than letters, digits, '-' and '_' as \DDD), or 0.
 */
static int question_name(const uint8_t *d, size_t n, char *out, size_t size)
{
    size_t i = 12, o = 0, wire = 1;
    if (n < 12 || d[4] != 0 || d[5] == 0)
        return 0;
    while (i < n && d[i] != 0) {
        size_t len = d[i++], k;
        wire += len + 1;
        if (len > 63 || i + len > n || wire > 255)
            return 0;
        for (k = 0; k < len; k++) {
            unsigned char c = d[i + k];
            if (o + 5 >= size)
                return 0;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_') {
                out[o++] = (char)c;
            } else {
                out[o++] = '\\';
                out[o++] = (char)('0' + c / 100);
                out[o++] = (char)('0' + (c / 10) % 10);
                out[o++] = (char)('0' + c % 10);
            }
        }
        i += len;
        out[o++] = '.';
    }
    if (i >= n)
        return 0;
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    return 1;
}

static void check(ma_ctx *ctx, const char *name, ma_dns_type type, const uint8_t *d, size_t n)
{
    ma_dns_answer *a = NULL;
    ma_dns_rcode rc;
    size_t i, count;
    const char *s;
    size_t len;
    uint16_t pref;
    ma_ip ip;

    if (ma_dns_answer_from_wire(&a, ctx, name, type, d, n) != MA_OK || a == NULL)
        abort();
    if (ma_dns_answer_type(a) != type)
        abort();
    rc = ma_dns_answer_rcode(a);
    count = ma_dns_answer_count(a);
    if ((unsigned)rc > MA_DNS_PERMFAIL || (rc != MA_DNS_OK && count != 0) ||
        (rc == MA_DNS_OK && count == 0))
        abort();
    for (i = 0; i <= count; i++) {
        int want = i < count ? MA_OK : MA_EINVAL;
        switch (type) {
        case MA_DNS_TXT:
            if (ma_dns_answer_txt(a, i, &s, &len) != want)
                abort();
            if (want == MA_OK && (len > ma_ctx_limit(ctx, MA_LIMIT_TXT_BYTES) || s[len] != '\0'))
                abort();
            break;
        case MA_DNS_A:
        case MA_DNS_AAAA:
            if (ma_dns_answer_addr(a, i, &ip) != want)
                abort();
            if (want == MA_OK && ip.family != (type == MA_DNS_A ? MA_IP_V4 : MA_IP_V6))
                abort();
            break;
        case MA_DNS_MX:
        case MA_DNS_PTR:
            if (type == MA_DNS_MX ? ma_dns_answer_mx(a, i, &pref, &s) != want
                                  : ma_dns_answer_ptr(a, i, &s) != want)
                abort();
            if (want == MA_OK) {
                len = strlen(s);
                if (len == 0 || (len > 1 && s[len - 1] == '.' && s[len - 2] != '\\'))
                    abort();
            }
            break;
        }
    }
    ma_dns_answer_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL, *small = NULL;
    char qname[4 * 255 + 2];
    int have_q;
    size_t t;

    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 0;
    if (ma_ctx_new(&small, NULL) != MA_OK) {
        ma_ctx_free(ctx);
        return 0;
    }
    ma_ctx_set_limit(small, MA_LIMIT_CNAME_CHAIN, 1);
    ma_ctx_set_limit(small, MA_LIMIT_DNS_RECORDS, 2);
    ma_ctx_set_limit(small, MA_LIMIT_TXT_BYTES, 16);
    have_q = question_name(data, size, qname, sizeof qname);
    for (t = 0; t < sizeof types / sizeof types[0]; t++) {
        check(ctx, "example.com", types[t], data, size);
        if (have_q) {
            check(ctx, qname, types[t], data, size);
            check(small, qname, types[t], data, size);
        }
    }
    ma_ctx_free(small);
    ma_ctx_free(ctx);
    return 0;
}
