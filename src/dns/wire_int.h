/*
 * libmailauth internals: decoding DNS responses parsed by ldns into answers.
 * Shared by ma_dns_answer_from_wire() (wire.c) and the ldns stub resolver
 * (ldns.c).  Never installed.
 */
#ifndef MA_DNS_WIRE_INT_H
#define MA_DNS_WIRE_INT_H

#include <ldns/ldns.h>

#include "dns/dns_int.h"

/* What ma__dns_pkt_decode() found. */
typedef struct ma_wire_result {
    /* A new answer (one reference, not frozen).  Always set on MA_OK; when
       next is set it is a NODATA answer, what a caller that cannot ask again
       should use. */
    ma_dns_answer *answer;
    /* Set when NOERROR, the CNAME chain from the question name ended at a
       target that has no records of the type in this packet, and no SOA in
       the authority section covers that target (so the packet says nothing
       about it): the caller may ask for this name next.  An absolute dname;
       the caller frees it with ldns_rdf_deep_free(). */
    ldns_rdf *next;
    /* CNAME links followed in this packet. */
    size_t links;
    /* The least TTL over ttl_cap and the CNAME links followed (RFC 2181 8:
       a TTL with the top bit set reads as 0).  The answer's TTL never
       exceeds it. */
    uint32_t chain_ttl;
} ma_wire_result;

/*
 * Decode a response for (qname, type):
 * - rcode NXDOMAIN -> NXDOMAIN; SERVFAIL -> TEMPFAIL; any other non-zero
 *   rcode (FORMERR, NOTIMP, REFUSED, YXDOMAIN..., extended rcodes from
 *   EDNS0) -> PERMFAIL.
 * - NOERROR: follow CNAMEs in the answer section from qname (dnames
 *   compared case-insensitively), at most max_links of them; one link more,
 *   or a loop, is PERMFAIL.  Then collect the class IN records of the type
 *   owned by the final name: TXT strings joined (RFC 7208 3.3), A/AAAA as
 *   ma_ip, MX preference and exchange, PTR names (presentation text without
 *   the trailing dot).  None: NODATA.  More records or TXT bytes than the
 *   context's limits allow: PERMFAIL (keeping a part of an RRset could
 *   change an evaluation's outcome).
 * - NXDOMAIN and NODATA answers get min(SOA TTL, SOA MINIMUM) of the first
 *   SOA in the authority section (RFC 2308 5), else 0; positive answers the
 *   least record TTL; both capped by the chain TTL.
 * The packet's header flags (QR, TC) and question are not looked at: see
 * ma__dns_pkt_check().
 * @return MA_OK (result filled in), MA_ENOMEM, MA_EINVAL.
 */
int ma__dns_pkt_decode(ma_wire_result *res, ma_ctx *ctx, const ldns_pkt *pkt,
                       const ldns_rdf *qname, ma_dns_type type, size_t max_links,
                       uint32_t ttl_cap);

/* MA_LIMIT_CNAME_CHAIN as a size_t (saturated). */
static inline size_t ma__dns_cname_budget(const ma_ctx *ctx)
{
    uint64_t v = ma__limit(ctx, MA_LIMIT_CNAME_CHAIN);
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

/* Release what a result holds (answer and next); safe on a zeroed result. */
void ma__dns_wire_result_clear(ma_wire_result *res);

/* Outcomes of ma__dns_pkt_check(). */
#define MA_PKT_OK 0          /* a response to this question */
#define MA_PKT_NOT_RESPONSE 1 /* QR clear, or opcode not QUERY */
#define MA_PKT_MISMATCH 2    /* its question is not (qname, type, IN) */
#define MA_PKT_TRUNCATED 3   /* TC set: the records may be incomplete */

/*
 * Check that pkt is a complete response to (qname, type).  A packet without
 * a question section is accepted as a response to anything (some libraries
 * hand such packets back); more than one question is a mismatch.
 */
int ma__dns_pkt_check(const ldns_pkt *pkt, const ldns_rdf *qname, ma_dns_type type);

/*
 * Make an absolute dname from presentation text (escapes honoured; one
 * trailing dot optional; "" and "." are the root).
 * @return MA_OK, MA_EINVAL (not a valid name), MA_ENOMEM.
 */
int ma__dns_dname_from_text(ldns_rdf **out, const ma_ctx *ctx, const char *name);

/* Build a PERMFAIL/TEMPFAIL/NXDOMAIN... answer without records (TTL 0). */
int ma__dns_answer_plain(ma_dns_answer **out, ma_ctx *ctx, ma_dns_type type,
                         ma_dns_rcode rcode);

#endif /* MA_DNS_WIRE_INT_H */
