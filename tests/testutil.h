/*
 * Small helpers shared by the unit tests.  Header-only, static inline.
 */
#ifndef MA_TEST_TESTUTIL_H
#define MA_TEST_TESTUTIL_H

#include "mailauth/dns.h"

/* Resolve name/type through r: the answer's rcode, or -100 + the status when
   the call itself fails (below every rcode, and the status still readable). */
static inline int ask_rcode(ma_resolver *r, const char *name, ma_dns_type type)
{
    ma_dns_answer *a = NULL;
    int rc = ma_resolver_resolve(r, name, type, &a);
    if (rc == MA_OK)
        rc = (int)ma_dns_answer_rcode(a);
    else
        rc = -100 + rc;
    ma_dns_answer_free(a);
    return rc;
}

#endif
