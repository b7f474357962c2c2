/*
 * libmailauth: the umbrella header.  Include this, or the area headers.
 */
#ifndef MAILAUTH_MAILAUTH_H
#define MAILAUTH_MAILAUTH_H

#include "mailauth/version.h"
#include "common.h"
#include "addr.h"
#include "dns.h"
#include "message.h"
#include "spf.h"
#include "dkim.h"
#include "dmarc.h"
#include "arc.h"
#include "authres.h"
#include "iprev.h"
#include "auth.h"

#endif /* MAILAUTH_MAILAUTH_H */
