/*
 * DNS responses in wire format -> answers, through ldns_wire2pkt.
 *
 * The decoding of a parsed packet (ma__dns_pkt_decode) is shared with the
 * ldns stub resolver, which also needs to know when a CNAME chain leaves
 * the packet so that it can ask for the target itself.
 */
#include "config.h"

#include <string.h>

#include "dns/wire_int.h"

/* RFC 2181 8: a TTL with the most significant bit set is treated as zero. */
static uint32_t ma_rr_ttl(const ldns_rr *rr)
{
    uint32_t ttl = ldns_rr_ttl(rr);
    return (ttl & 0x80000000u) ? 0 : ttl;
}

static uint32_t ma_min32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static int ma_same_name(const ldns_rdf *a, const ldns_rdf *b)
{
    return ldns_rdf_get_type(a) == LDNS_RDF_TYPE_DNAME &&
           ldns_rdf_get_type(b) == LDNS_RDF_TYPE_DNAME && ldns_dname_compare(a, b) == 0;
}

int ma__dns_dname_from_text(ldns_rdf **out, const ma_ctx *ctx, const char *name)
{
    size_t len, bs = 0;
    int absolute = 0;
    char *text;
    ldns_rdf *rdf = NULL;
    ldns_status st;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || name == NULL)
        return MA_EINVAL;
    len = strlen(name);
    /* A name is at most 255 octets on the wire; \DDD takes four characters
       per octet in text.  Anything longer cannot be a name. */
    if (len > 4 * 255)
        return MA_EINVAL;
    /* The last dot ends the name unless it is escaped by an odd number of
       backslashes ("a\." is a label ending in a dot). */
    if (len > 0 && name[len - 1] == '.') {
        while (bs < len - 1 && name[len - 2 - bs] == '\\')
            bs++;
        absolute = (bs % 2) == 0;
    }
    text = ma__alloc(ctx, len + 2);
    if (text == NULL)
        return MA_ENOMEM;
    memcpy(text, name, len);
    if (!absolute)
        text[len++] = '.';
    text[len] = '\0';
    st = ldns_str2rdf_dname(&rdf, text);
    ma__free(ctx, text);
    if (st == LDNS_STATUS_MEM_ERR)
        return MA_ENOMEM;
    if (st != LDNS_STATUS_OK || rdf == NULL) {
        ldns_rdf_deep_free(rdf);
        return MA_EINVAL;
    }
    *out = rdf;
    return MA_OK;
}

int ma__dns_answer_plain(ma_dns_answer **out, ma_ctx *ctx, ma_dns_type type, ma_dns_rcode rcode)
{
    int rc = ma_dns_answer_new(out, ctx, type, rcode);
    if (rc == MA_OK)
        rc = ma_dns_answer_set_ttl(*out, 0);
    return rc;
}

void ma__dns_wire_result_clear(ma_wire_result *res)
{
    if (res == NULL)
        return;
    ma_dns_answer_free(res->answer);
    ldns_rdf_deep_free(res->next);
    res->answer = NULL;
    res->next = NULL;
}

int ma__dns_pkt_check(const ldns_pkt *pkt, const ldns_rdf *qname, ma_dns_type type)
{
    const ldns_rr_list *q;
    const ldns_rr *rr;

    if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
        return MA_PKT_NOT_RESPONSE;
    q = ldns_pkt_question(pkt);
    if (q != NULL && ldns_rr_list_rr_count(q) > 1)
        return MA_PKT_MISMATCH;
    if (q != NULL && ldns_rr_list_rr_count(q) == 1) {
        rr = ldns_rr_list_rr(q, 0);
        if (ldns_rr_get_type(rr) != (ldns_rr_type)type ||
            ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || !ma_same_name(ldns_rr_owner(rr), qname))
            return MA_PKT_MISMATCH;
    }
    if (ldns_pkt_tc(pkt))
        return MA_PKT_TRUNCATED;
    return MA_PKT_OK;
}

/* The CNAME (class IN) owned by name in the answer section, or NULL. */
static const ldns_rr *ma_find_cname(const ldns_rr_list *an, const ldns_rdf *name)
{
    size_t i, n = an ? ldns_rr_list_rr_count(an) : 0;
    for (i = 0; i < n; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(an, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
            ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN && ma_same_name(ldns_rr_owner(rr), name))
            return rr;
    }
    return NULL;
}

/*
 * Negative caching (RFC 2308 5): the TTL of a negative answer is the lesser
 * of the SOA record's own TTL and its MINIMUM field.  *covers is set when
 * an SOA owner is name or one of its ancestors: the server then answered
 * for name's zone.
 */
static uint32_t ma_negative_ttl(const ldns_pkt *pkt, const ldns_rdf *name, int *covers)
{
    const ldns_rr_list *ns = ldns_pkt_authority(pkt);
    size_t i, n = ns ? ldns_rr_list_rr_count(ns) : 0;
    uint32_t ttl = 0;
    int found = 0;

    *covers = 0;
    for (i = 0; i < n; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ns, i);
        const ldns_rdf *min;
        const ldns_rdf *owner = ldns_rr_owner(rr);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
            continue;
        if (ma_same_name(owner, name) ||
            (ldns_rdf_get_type(owner) == LDNS_RDF_TYPE_DNAME && ldns_dname_is_subdomain(name, owner)))
            *covers = 1;
        if (found)
            continue;
        found = 1;
        min = ldns_rr_rd_count(rr) >= 7 ? ldns_rr_rdf(rr, 6) : NULL;
        ttl = ma_rr_ttl(rr);
        if (min != NULL && ldns_rdf_size(min) == 4) {
            const uint8_t *d = ldns_rdf_data(min);
            uint32_t m = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
            ttl = ma_min32(ttl, (m & 0x80000000u) ? 0 : m);
        }
    }
    return ttl;
}

/* Add one record of the answer's type from rr.  MA_ESYNTAX: malformed rdata. */
static int ma_add_record(ma_dns_answer *a, ma_buf *scratch, const ldns_rr *rr, uint32_t ttl)
{
    size_t i, n = ldns_rr_rd_count(rr);
    const ldns_rdf *rdf;
    char *text;
    ma_ip ip;
    int rc;

    switch (ma_dns_answer_type(a)) {
    case MA_DNS_TXT:
        /* RFC 7208 3.3: the character-strings are concatenated, no separator. */
        ma__buf_reset(scratch);
        rc = ma__buf_append(scratch, "", 0);
        for (i = 0; i < n && rc == MA_OK; i++) {
            const uint8_t *d;
            rdf = ldns_rr_rdf(rr, i);
            d = ldns_rdf_data(rdf);
            if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR || ldns_rdf_size(rdf) < 1 ||
                (size_t)d[0] + 1 != ldns_rdf_size(rdf))
                return MA_ESYNTAX;
            rc = ma__buf_append(scratch, d + 1, d[0]);
        }
        if (rc != MA_OK)
            return rc;
        return ma_dns_answer_add_txt(a, scratch->data, scratch->len, ttl);
    case MA_DNS_A:
    case MA_DNS_AAAA: {
        size_t want = ma_dns_answer_type(a) == MA_DNS_A ? 4 : 16;
        if (n != 1)
            return MA_ESYNTAX;
        rdf = ldns_rr_rdf(rr, 0);
        if (ldns_rdf_size(rdf) != want ||
            ldns_rdf_get_type(rdf) != (want == 4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA))
            return MA_ESYNTAX;
        memset(&ip, 0, sizeof ip);
        ip.family = want == 4 ? MA_IP_V4 : MA_IP_V6;
        memcpy(ip.addr, ldns_rdf_data(rdf), want);
        return ma_dns_answer_add_addr(a, &ip, ttl);
    }
    case MA_DNS_MX:
    case MA_DNS_PTR: {
        uint16_t pref = 0;
        const ldns_rdf *host;
        if (ma_dns_answer_type(a) == MA_DNS_MX) {
            const ldns_rdf *p;
            if (n != 2)
                return MA_ESYNTAX;
            p = ldns_rr_rdf(rr, 0);
            if (ldns_rdf_size(p) != 2)
                return MA_ESYNTAX;
            pref = (uint16_t)((ldns_rdf_data(p)[0] << 8) | ldns_rdf_data(p)[1]);
            host = ldns_rr_rdf(rr, 1);
        } else {
            if (n != 1)
                return MA_ESYNTAX;
            host = ldns_rr_rdf(rr, 0);
        }
        if (ldns_rdf_get_type(host) != LDNS_RDF_TYPE_DNAME)
            return MA_ESYNTAX;
        /* Absolute presentation text ("mx.example.com.", "." for the root):
           the add functions remove the one trailing dot. */
        text = ldns_rdf2str(host);
        if (text == NULL)
            return MA_ENOMEM;
        if (ma_dns_answer_type(a) == MA_DNS_MX)
            rc = ma_dns_answer_add_mx(a, pref, text, ttl);
        else
            rc = ma_dns_answer_add_ptr(a, text, ttl);
        LDNS_FREE(text);
        return rc;
    }
    }
    return MA_EINVAL;
}

/* Replace *a with a fresh answer of rcode (TTL 0). */
static int ma_replace(ma_dns_answer **a, ma_ctx *ctx, ma_dns_type type, ma_dns_rcode rcode)
{
    ma_dns_answer_free(*a);
    *a = NULL;
    return ma__dns_answer_plain(a, ctx, type, rcode);
}

/* Collect the records of the type owned by name into *a (rcode OK). */
static int ma_collect(ma_dns_answer **a, ma_ctx *ctx, const ldns_pkt *pkt, const ldns_rdf *name,
                      ma_dns_type type, uint32_t cap)
{
    const ldns_rr_list *an = ldns_pkt_answer(pkt);
    size_t i, n = an ? ldns_rr_list_rr_count(an) : 0;
    uint32_t least = cap;
    ma_buf scratch;
    int rc;

    rc = ma_dns_answer_new(a, ctx, type, MA_DNS_OK);
    if (rc != MA_OK)
        return rc;
    ma__buf_init(&scratch, ctx);
    for (i = 0; i < n; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(an, i);
        uint32_t ttl;
        if (ldns_rr_get_type(rr) != (ldns_rr_type)type ||
            ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || !ma_same_name(ldns_rr_owner(rr), name))
            continue;
        ttl = ma_rr_ttl(rr);
        rc = ma_add_record(*a, &scratch, rr, ttl);
        if (rc != MA_OK)
            break;
        least = ma_min32(least, ttl);
    }
    ma__buf_free(&scratch);
    if (rc == MA_ESYNTAX || rc == MA_ELIMIT)
        return ma_replace(a, ctx, type, MA_DNS_PERMFAIL);
    if (rc != MA_OK) {
        ma_dns_answer_free(*a);
        *a = NULL;
        return rc;
    }
    return ma_dns_answer_count(*a) > 0 ? ma_dns_answer_set_ttl(*a, least) : MA_OK;
}

int ma__dns_pkt_decode(ma_wire_result *res, ma_ctx *ctx, const ldns_pkt *pkt,
                       const ldns_rdf *qname, ma_dns_type type, size_t max_links,
                       uint32_t ttl_cap)
{
    const ldns_rr_list *an;
    const ldns_rdf *cur = qname;
    size_t n;
    ma_dns_rcode neg;
    uint32_t ttl;
    int covers, rc;

    if (res == NULL)
        return MA_EINVAL;
    memset(res, 0, sizeof *res);
    res->chain_ttl = ttl_cap;
    if (ctx == NULL || pkt == NULL || qname == NULL || !ma__dns_type_valid(type))
        return MA_EINVAL;

    if (ldns_pkt_edns_extended_rcode(pkt) != 0)
        return ma__dns_answer_plain(&res->answer, ctx, type, MA_DNS_PERMFAIL);
    switch (ldns_pkt_get_rcode(pkt)) {
    case LDNS_RCODE_NOERROR:
        neg = MA_DNS_NODATA;
        break;
    case LDNS_RCODE_NXDOMAIN:
        /* RFC 6604 3: with CNAMEs in the answer, NXDOMAIN is about the last
           name of the chain; the chain is still checked and its TTLs count. */
        neg = MA_DNS_NXDOMAIN;
        break;
    case LDNS_RCODE_SERVFAIL:
        return ma__dns_answer_plain(&res->answer, ctx, type, MA_DNS_TEMPFAIL);
    default:
        return ma__dns_answer_plain(&res->answer, ctx, type, MA_DNS_PERMFAIL);
    }

    /* Follow the CNAME chain.  A chain of k distinct links uses k distinct
       CNAME records, so one link more than the answer section holds means a
       name came back: a loop. */
    an = ldns_pkt_answer(pkt);
    n = an ? ldns_rr_list_rr_count(an) : 0;
    for (;;) {
        const ldns_rr *cn = ma_find_cname(an, cur);
        const ldns_rdf *target;
        if (cn == NULL)
            break;
        target = ldns_rr_rd_count(cn) == 1 ? ldns_rr_rdf(cn, 0) : NULL;
        if (res->links >= max_links || res->links >= n || target == NULL ||
            ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)
            return ma__dns_answer_plain(&res->answer, ctx, type, MA_DNS_PERMFAIL);
        res->chain_ttl = ma_min32(res->chain_ttl, ma_rr_ttl(cn));
        res->links++;
        cur = target;
    }

    if (neg == MA_DNS_NODATA) {
        rc = ma_collect(&res->answer, ctx, pkt, cur, type, res->chain_ttl);
        if (rc != MA_OK || ma_dns_answer_rcode(res->answer) != MA_DNS_NODATA)
            return rc;
        ma_dns_answer_free(res->answer);
        res->answer = NULL;
    }
    ttl = ma_min32(ma_negative_ttl(pkt, cur, &covers), res->chain_ttl);
    rc = ma_dns_answer_new(&res->answer, ctx, type, neg);
    if (rc == MA_OK)
        rc = ma_dns_answer_set_ttl(res->answer, ttl);
    if (rc == MA_OK && neg == MA_DNS_NODATA && res->links > 0 && !covers) {
        res->next = ldns_rdf_clone(cur);
        if (res->next == NULL)
            rc = MA_ENOMEM;
    }
    if (rc != MA_OK)
        ma__dns_wire_result_clear(res);
    return rc;
}

int ma_dns_answer_from_wire(ma_dns_answer **out, ma_ctx *ctx, const char *name, ma_dns_type type,
                            const unsigned char *pkt, size_t len)
{
    ldns_rdf *qname = NULL;
    ldns_pkt *p = NULL;
    ma_wire_result res;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || name == NULL || !ma__dns_type_valid(type) || (pkt == NULL && len > 0))
        return MA_EINVAL;
    rc = ma__dns_dname_from_text(&qname, ctx, name);
    if (rc != MA_OK)
        return rc;

    if (pkt == NULL || ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK || p == NULL) {
        rc = ma__dns_answer_plain(out, ctx, type, MA_DNS_PERMFAIL);
        goto done;
    }
    switch (ma__dns_pkt_check(p, qname, type)) {
    case MA_PKT_OK:
        break;
    case MA_PKT_TRUNCATED:
        /* RFC 2181 9: a truncated RRset may be partial; using part of it
           could change an evaluation.  The caller should retry over TCP. */
        rc = ma__dns_answer_plain(out, ctx, type, MA_DNS_TEMPFAIL);
        goto done;
    default:
        rc = ma__dns_answer_plain(out, ctx, type, MA_DNS_PERMFAIL);
        goto done;
    }
    rc = ma__dns_pkt_decode(&res, ctx, p, qname, type, ma__dns_cname_budget(ctx), UINT32_MAX);
    if (rc == MA_OK) {
        /* A chain leaving the packet: nobody will ask further, so NODATA. */
        *out = res.answer;
        res.answer = NULL;
        ma__dns_wire_result_clear(&res);
    }
done:
    ldns_pkt_free(p);
    ldns_rdf_deep_free(qname);
    return rc;
}
