/*
 * The ldns stub resolver backend: recursive queries to configured servers.
 *
 * How ldns 1.8 spends time (net.c, ldns_send_buffer): for each nameserver
 * in turn it makes `retry` tries, each a fresh socket waiting at most
 * `timeout` for the reply, then moves to the next server.  `retrans` is
 * only slept after a server that gave an unparsable reply, and that path
 * returns first, so it never adds time; we set it to 0 all the same.  A
 * silent server list thus costs timeout * retries * servers.  A TCP try
 * waits `timeout` for the connection and then `timeout` per read.
 *
 * Two ldns behaviours we correct:
 * - a server that failed once is marked unreachable (RTT "infinite") in
 *   the resolver for good, and with all servers marked every later query
 *   fails at once; we reset the RTTs before each query, so a server that
 *   was down for a moment is asked again;
 * - ldns_resolver_send_pkt() retries a truncated UDP answer first over UDP
 *   with EDNS0 4096 (whatever the configured size) and ldns never compares
 *   the reply's id or question with the query; we send with ldns_send()
 *   ourselves, retry over TCP on TC, and check the reply.
 * ldns allocates with malloc(); the context allocator is used for
 * everything the library keeps.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "dns/wire_int.h"

#define MA_LDNS_DEFAULT_TIMEOUT_MS 2000u
#define MA_LDNS_DEFAULT_RETRIES 2u
#define MA_LDNS_DEFAULT_EDNS 1232u
/* ldns waits with poll(), converting the timeout to milliseconds in an
   int: keep tv_sec * 1000 within INT_MAX. */
#define MA_LDNS_MAX_TIMEOUT_MS 2147483000u
/* ldns_send_buffer() counts nameservers in a uint8_t. */
#define MA_LDNS_MAX_SERVERS 32u

typedef struct ma_ldns {
    ma_ctx *ctx;
    ldns_resolver *res;
    pthread_mutex_t lock;
} ma_ldns;

int ma_ldns_opts_init(ma_ldns_opts *opts, unsigned int version)
{
    static const ma_ldns_opts init = MA_LDNS_OPTS_INIT;
    if (opts == NULL)
        return MA_EINVAL;
    if (version != MA_LDNS_OPTS_VERSION)
        return MA_EVERSION;
    *opts = init;
    return MA_OK;
}

/* ------------------------------------------------------------ server text */

/* An address span; v6_only for the text between brackets. */
static int ma_ldns_ip_parse(ma_ip *ip, const char *text, size_t len, int v6_only)
{
    if (ma_ip_parse(ip, text, len) != MA_OK || (v6_only && ip->family != MA_IP_V6))
        return MA_EINVAL;
    return MA_OK;
}

/* 1 to 65535, decimal digits only. */
static int ma_ldns_port_parse(const char *s, size_t len, unsigned *port)
{
    unsigned v = 0;
    size_t i;
    if (len == 0 || len > 5)
        return MA_EINVAL;
    for (i = 0; i < len; i++) {
        if (!ma__is_digit((unsigned char)s[i]))
            return MA_EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return MA_EINVAL;
    *port = v;
    return MA_OK;
}

/*
 * "IP", "IP:PORT" (IPv4), "[IPv6]:PORT", "[IPv6]" or a bare IPv6 address.
 * *port is 0 when none is given.
 */
static int ma_ldns_server_parse(const char *s, ma_ip *ip, unsigned *port)
{
    size_t len, colons = 0, i;
    const char *colon = NULL;

    *port = 0;
    len = strlen(s);
    if (len == 0 || len > 64)
        return MA_EINVAL;
    if (s[0] == '[') {
        const char *end = memchr(s, ']', len);
        if (end == NULL || ma_ldns_ip_parse(ip, s + 1, (size_t)(end - s - 1), 1) != MA_OK)
            return MA_EINVAL;
        i = (size_t)(end - s) + 1;
        if (i == len)
            return MA_OK;
        if (s[i] != ':')
            return MA_EINVAL;
        return ma_ldns_port_parse(s + i + 1, len - i - 1, port);
    }
    for (i = 0; i < len; i++) {
        if (s[i] == ':') {
            colons++;
            colon = s + i;
        }
    }
    if (colons == 1) {
        size_t hl = (size_t)(colon - s);
        if (ma_ldns_ip_parse(ip, s, hl, 0) != MA_OK || ip->family != MA_IP_V4)
            return MA_EINVAL;
        return ma_ldns_port_parse(colon + 1, len - hl - 1, port);
    }
    return ma_ldns_ip_parse(ip, s, len, colons > 1);
}

/* ------------------------------------------------------------------ setup */

static void ma_ldns_destroy(void *payload)
{
    ma_ldns *l = payload;
    if (l == NULL)
        return;
    ldns_resolver_deep_free(l->res);
    pthread_mutex_destroy(&l->lock);
    ma__free(l->ctx, l);
}

static int ma_ldns_from_servers(ldns_resolver **out, const ma_ldns_opts *opts)
{
    ldns_resolver *r;
    unsigned port = 0;
    size_t i;

    *out = NULL;
    if (opts->nservers == 0 || opts->nservers > MA_LDNS_MAX_SERVERS)
        return MA_EINVAL;
    r = ldns_resolver_new();
    if (r == NULL)
        return MA_ENOMEM;
    for (i = 0; i < opts->nservers; i++) {
        ma_ip ip;
        unsigned p;
        ldns_rdf *rdf;
        ldns_status st;
        if (opts->servers[i] == NULL || ma_ldns_server_parse(opts->servers[i], &ip, &p) != MA_OK)
            goto inval;
        if (p == 0)
            p = 53;
        if (i > 0 && p != port)
            goto inval;   /* ldns has one port per resolver */
        port = p;
        if (ip.family == MA_IP_V4)
            rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, ip.addr);
        else
            rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, ip.addr);
        if (rdf == NULL) {
            ldns_resolver_deep_free(r);
            return MA_ENOMEM;
        }
        st = ldns_resolver_push_nameserver(r, rdf);
        ldns_rdf_deep_free(rdf);
        if (st != LDNS_STATUS_OK) {
            ldns_resolver_deep_free(r);
            return MA_ENOMEM;
        }
    }
    ldns_resolver_set_port(r, (uint16_t)port);
    *out = r;
    return MA_OK;
inval:
    ldns_resolver_deep_free(r);
    return MA_EINVAL;
}

static int ma_ldns_from_file(ldns_resolver **out, const char *path)
{
    ldns_resolver *r = NULL;
    ldns_status st = ldns_resolver_new_frm_file(&r, path);

    *out = NULL;
    if (st == LDNS_STATUS_MEM_ERR)
        return MA_ENOMEM;
    if (st != LDNS_STATUS_OK || r == NULL) {
        ldns_resolver_deep_free(r);
        return MA_EIO;
    }
    if (ldns_resolver_nameserver_count(r) == 0) {
        ldns_resolver_deep_free(r);
        return MA_EIO;
    }
    while (ldns_resolver_nameserver_count(r) > MA_LDNS_MAX_SERVERS)
        ldns_rdf_deep_free(ldns_resolver_pop_nameserver(r));
    *out = r;
    return MA_OK;
}

/* ------------------------------------------------------------------ query */

static int ma_ldns_is_parse_error(ldns_status st)
{
    switch (st) {
    case LDNS_STATUS_WIRE_INCOMPLETE_HEADER:
    case LDNS_STATUS_WIRE_INCOMPLETE_QUESTION:
    case LDNS_STATUS_WIRE_INCOMPLETE_ANSWER:
    case LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY:
    case LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL:
    case LDNS_STATUS_WIRE_RDATA_ERR:
    case LDNS_STATUS_PACKET_OVERFLOW:
    case LDNS_STATUS_LABEL_OVERFLOW:
    case LDNS_STATUS_DOMAINNAME_OVERFLOW:
    case LDNS_STATUS_DOMAINNAME_UNDERFLOW:
    case LDNS_STATUS_INVALID_POINTER:
    case LDNS_STATUS_RDATA_OVERFLOW:
        return 1;
    default:
        return 0;
    }
}

/* A server that failed in an earlier query gets asked again. */
static void ma_ldns_reset_rtt(ldns_resolver *r)
{
    size_t i;
    for (i = 0; i < ldns_resolver_nameserver_count(r); i++)
        ldns_resolver_set_nameserver_rtt(r, i, LDNS_RESOLV_RTT_MIN);
}

/*
 * One exchange for (qname, type).  On MA_OK either *reply is a response to
 * the question (the caller frees it), or *reply is NULL and *fail says how
 * the exchange failed (TEMPFAIL or PERMFAIL).
 */
static int ma_ldns_exchange(ma_ldns *l, const ldns_rdf *qname, ma_dns_type type, ldns_pkt **reply,
                            ma_dns_rcode *fail)
{
    ldns_pkt *q = NULL, *ans = NULL;
    ldns_status st;
    int check;

    *reply = NULL;
    *fail = MA_DNS_TEMPFAIL;
    pthread_mutex_lock(&l->lock);
    ldns_resolver_set_usevc(l->res, false);
    st = ldns_resolver_prepare_query_pkt(&q, l->res, qname, (ldns_rr_type)type, LDNS_RR_CLASS_IN,
                                         LDNS_RD);
    if (st == LDNS_STATUS_OK) {
        ma_ldns_reset_rtt(l->res);
        st = ldns_send(&ans, l->res, q);
        if (st == LDNS_STATUS_OK && ans != NULL && ldns_pkt_tc(ans) &&
            ldns_resolver_fallback(l->res)) {
            ldns_pkt_free(ans);
            ans = NULL;
            ma_ldns_reset_rtt(l->res);
            ldns_resolver_set_usevc(l->res, true);
            st = ldns_send(&ans, l->res, q);
            ldns_resolver_set_usevc(l->res, false);
        }
    }
    pthread_mutex_unlock(&l->lock);

    if (st == LDNS_STATUS_MEM_ERR) {
        ldns_pkt_free(q);
        ldns_pkt_free(ans);
        return MA_ENOMEM;
    }
    if (st != LDNS_STATUS_OK || ans == NULL) {
        const char *why = ldns_get_errorstr_by_id(st);
        ma__log(l->ctx, MA_LOG_DEBUG, "ldns: %s query failed: %s", ma_dns_type_name((int)type),
                why != NULL ? why : "unknown ldns status");
        *fail = ma_ldns_is_parse_error(st) ? MA_DNS_PERMFAIL : MA_DNS_TEMPFAIL;
        ldns_pkt_free(q);
        ldns_pkt_free(ans);
        return MA_OK;
    }
    check = ma__dns_pkt_check(ans, qname, type);
    if (check == MA_PKT_OK && ldns_pkt_id(ans) != ldns_pkt_id(q))
        check = MA_PKT_MISMATCH;
    ldns_pkt_free(q);
    if (check != MA_PKT_OK) {
        /* A stray or forged packet is no answer; a truncated one (no TCP
           fallback, or truncated again over TCP) may miss records. */
        ma__log(l->ctx, MA_LOG_DEBUG, "ldns: %s reply rejected (%s)", ma_dns_type_name((int)type),
                check == MA_PKT_TRUNCATED ? "truncated" : "does not match the query");
        ldns_pkt_free(ans);
        return MA_OK;
    }
    *reply = ans;
    return MA_OK;
}

/* Whether name was asked before in this resolution. */
static int ma_ldns_seen(ldns_rdf *const *asked, size_t n, const ldns_rdf *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (ldns_dname_compare(asked[i], name) == 0)
            return 1;
    return 0;
}

static int ma_ldns_resolve(void *payload, const char *name, ma_dns_type type,
                           ma_dns_answer **answer_out)
{
    ma_ldns *l = payload;
    ldns_rdf **asked = NULL;   /* every name asked, the current one last */
    size_t nasked = 0, i, budget;
    uint32_t cap = UINT32_MAX;
    int rc;

    if (answer_out == NULL)
        return MA_EINVAL;
    *answer_out = NULL;
    if (l == NULL || name == NULL || !ma__dns_type_valid(type))
        return MA_EINVAL;
    budget = ma__dns_cname_budget(l->ctx);
    asked = ma__calloc(l->ctx, 1, sizeof *asked);
    if (asked == NULL)
        return MA_ENOMEM;
    rc = ma__dns_dname_from_text(&asked[0], l->ctx, name);
    if (rc != MA_OK)
        goto done;
    nasked = 1;

    for (;;) {
        ldns_rdf *qname = asked[nasked - 1];
        ldns_rdf **grown;
        ldns_pkt *reply;
        ma_dns_rcode fail;
        ma_wire_result res;

        rc = ma_ldns_exchange(l, qname, type, &reply, &fail);
        if (rc != MA_OK)
            break;
        if (reply == NULL) {
            rc = ma__dns_answer_plain(answer_out, l->ctx, type, fail);
            break;
        }
        /* The links followed in earlier replies count against the budget,
           and their TTLs cap the answer's. */
        rc = ma__dns_pkt_decode(&res, l->ctx, reply, qname, type, budget, cap);
        ldns_pkt_free(reply);
        if (rc != MA_OK)
            break;
        if (res.next == NULL) {
            *answer_out = res.answer;
            break;
        }
        /* The chain leaves this reply: ask for its target, unless it was
           asked already (a loop spread over several replies).  Each reply
           that leads on uses at least one link, so the budget bounds the
           number of queries. */
        if (ma_ldns_seen(asked, nasked, res.next)) {
            ma__dns_wire_result_clear(&res);
            rc = ma__dns_answer_plain(answer_out, l->ctx, type, MA_DNS_PERMFAIL);
            break;
        }
        grown = ma__realloc(l->ctx, asked, (nasked + 1) * sizeof *asked);
        if (grown == NULL) {
            ma__dns_wire_result_clear(&res);
            rc = MA_ENOMEM;
            break;
        }
        asked = grown;
        asked[nasked++] = res.next;
        res.next = NULL;
        budget -= res.links;
        cap = res.chain_ttl;
        ma__dns_wire_result_clear(&res);
    }
done:
    for (i = 0; i < nasked; i++)
        ldns_rdf_deep_free(asked[i]);
    ma__free(l->ctx, asked);
    if (*answer_out != NULL)
        ma__dns_answer_freeze(*answer_out);
    return rc;
}

int ma_resolver_ldns_new(ma_resolver **out, ma_ctx *ctx, const ma_ldns_opts *opts)
{
    static const ma_ldns_opts defaults = MA_LDNS_OPTS_INIT;
    ma_resolver_ops ops;
    ldns_resolver *r = NULL;
    struct timeval tv;
    unsigned int timeout_ms, retries, edns;
    ma_ldns *l;
    int rc;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL)
        return MA_EINVAL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != MA_LDNS_OPTS_VERSION)
        return MA_EVERSION;
    if ((opts->servers == NULL) != (opts->nservers == 0) || opts->edns_size > 65535)
        return MA_EINVAL;
    timeout_ms = opts->timeout_ms ? opts->timeout_ms : MA_LDNS_DEFAULT_TIMEOUT_MS;
    if (timeout_ms > MA_LDNS_MAX_TIMEOUT_MS)
        timeout_ms = MA_LDNS_MAX_TIMEOUT_MS;
    retries = opts->retries ? opts->retries : MA_LDNS_DEFAULT_RETRIES;
    if (retries > 255)
        retries = 255;   /* ldns counts tries in a uint8_t */
    edns = opts->edns_size ? opts->edns_size : MA_LDNS_DEFAULT_EDNS;

    if (opts->servers != NULL)
        rc = ma_ldns_from_servers(&r, opts);
    else
        rc = ma_ldns_from_file(&r, opts->resolv_conf);
    if (rc != MA_OK)
        return rc;

    tv.tv_sec = (time_t)(timeout_ms / 1000);
    tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
    ldns_resolver_set_timeout(r, tv);
    ldns_resolver_set_retry(r, (uint8_t)retries);
    ldns_resolver_set_retrans(r, 0);
    /* 512 and below: plain DNS without an OPT record (RFC 6891 6.2.5). */
    ldns_resolver_set_edns_udp_size(r, (uint16_t)(edns <= 512 ? 0 : edns));
    ldns_resolver_set_fallback(r, opts->no_tcp_fallback ? false : true);
    ldns_resolver_set_usevc(r, false);
    ldns_resolver_set_recursive(r, true);
    ldns_resolver_set_dnssec(r, false);
    ldns_resolver_set_dnssec_cd(r, false);
    ldns_resolver_set_random(r, false);   /* ask the servers in the given order */
    ldns_resolver_set_fail(r, false);     /* a failing server: go on with the next */
    ldns_resolver_set_defnames(r, false); /* names are absolute: no search list */
    ldns_resolver_set_dnsrch(r, false);
    ldns_resolver_set_ip6(r, LDNS_RESOLV_INETANY);

    l = ma__calloc(ctx, 1, sizeof *l);
    if (l == NULL) {
        ldns_resolver_deep_free(r);
        return MA_ENOMEM;
    }
    l->ctx = ctx;
    l->res = r;
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        ldns_resolver_deep_free(r);
        ma__free(ctx, l);
        return MA_ENOMEM;
    }
    memset(&ops, 0, sizeof ops);
    ops.version = MA_RESOLVER_OPS_VERSION;
    ops.resolve = ma_ldns_resolve;
    ops.destroy = ma_ldns_destroy;
    rc = ma_resolver_new(out, ctx, &ops, l);
    if (rc != MA_OK) {
        /* ma_resolver_new() takes the payload only on success. */
        ma_ldns_destroy(l);
        *out = NULL;
    }
    return rc;
}
