/*
 * libmailauth internals: what the DMARC job offers the rest of the library.
 */
#ifndef MA_DMARC_INT_H
#define MA_DMARC_INT_H

#include "mailauth/dns.h"

/*
 * Hold a DMARC job (before its first step) so that it can look up the
 * policy while the SPF, DKIM and ARC verdicts are still being computed:
 * stepping runs the policy lookup (stage 1) and then returns
 * MA_JOB_NEED_INPUT instead of going on; the verdicts may be supplied
 * until the hold is released (on = 0), after which the job goes on to
 * alignment and decides.  The one-call authenticator uses this to ask
 * the policy questions at the end of the header.
 * Returns MA_OK, MA_EINVAL (not a DMARC job), MA_ESTATE (already stepped).
 */
int ma__dmarc_job_hold(ma_job *job, int on);

#endif /* MA_DMARC_INT_H */
