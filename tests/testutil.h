/*
 * Small helpers shared by the unit tests.  Header-only, static inline.
 */
#ifndef MA_TEST_TESTUTIL_H
#define MA_TEST_TESTUTIL_H

#include <stdint.h>

#include "mailauth/dns.h"

/* The RFC 6376 Appendix A message, as printed (CRLF line ends). */
#define RFC6376_EXAMPLE_MSG                                                                   \
    "From: Joe SixPack <joe@football.example.com>\r\n"                                        \
    "To: Suzie Q <suzie@shopping.example.net>\r\n"                                            \
    "Subject: Is dinner ready?\r\n"                                                           \
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"                                         \
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"                        \
    "\r\n"                                                                                    \
    "Hi.\r\n"                                                                                 \
    "\r\n"                                                                                    \
    "We lost the game.  Are you hungry yet?\r\n"                                              \
    "\r\n"                                                                                    \
    "Joe.\r\n"

/* A ma_ctx clock_fn: the time in milliseconds that payload points to. */
static inline int64_t fixed_clock(void *payload)
{
    return *(const int64_t *)payload;
}

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
