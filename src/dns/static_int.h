/*
 * libmailauth internals: the static (in-memory) zone, shared by static.c
 * (records, lookups, the resolver backend) and zone.c (the master-file
 * loader).
 */
#ifndef MA_DNS_STATIC_INT_H
#define MA_DNS_STATIC_INT_H

#include "dns/dns_int.h"

/* Record types a node holds answers for, as indexes into node->answers. */
#define MA_STATIC_NTYPES 5

/*
 * One name of the zone.  A node without answers, CNAME or failure marks
 * is an empty non-terminal: it exists (NODATA) because a name below it was
 * added.  Every ancestor of a node is a node too.
 */
typedef struct ma_static_node {
    struct ma_static_node *next;   /* hash bucket chain */
    uint64_t hash;
    char *name;                    /* canonical text (ma__dns_name_canon), NUL-terminated */
    size_t len;
    ma_dns_answer *answers[MA_STATIC_NTYPES]; /* NULL: no records of that type */
    char *cname;                   /* canonical target, or NULL */
    size_t cname_len;
    uint32_t fail_types;           /* MA_DNS_TYPE_BIT() set answered TEMPFAIL */
} ma_static_node;

struct ma_static_zone {
    ma_ctx *ctx;
    unsigned long refs;            /* atomic: the owner plus one per resolver */
    ma_static_node **buckets;
    size_t nbuckets;               /* power of two */
    size_t count;
    /* Shared answers without records, one per type (index as answers[]). */
    ma_dns_answer *nxdomain[MA_STATIC_NTYPES];
    ma_dns_answer *nodata[MA_STATIC_NTYPES];
    ma_dns_answer *tempfail[MA_STATIC_NTYPES];
    ma_errbuf err;                 /* last load error */
};

/*
 * Mark a name as failing (TEMPFAIL) for the types in the bit set (0: all).
 * name is presentation text of len bytes.  Returns MA_OK, MA_ESYNTAX,
 * MA_ENOMEM.
 */
int ma__static_zone_fail(ma_static_zone *z, const char *name, size_t len, uint32_t types);

/*
 * Make a name exist (with its ancestors) without adding records: the owner
 * of a record of a type the zone does not keep (SOA, NS, SPF...) exists in
 * DNS, so questions for it are NODATA, not NXDOMAIN.  name is presentation
 * text of len bytes.  Returns MA_OK, MA_ESYNTAX, MA_ENOMEM.
 */
int ma__static_zone_touch(ma_static_zone *z, const char *name, size_t len);

#endif /* MA_DNS_STATIC_INT_H */
