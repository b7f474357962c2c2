/*
 * Shared helpers of the SPF conformance runners (conf-spf-openspf,
 * conf-spf-stalwart): a context with a fixed clock, owner names in
 * presentation form for the static zone, one SPF check run to completion
 * through a static resolver, and the comparison of its outcome with a
 * suite's expectation (with TAP diagnostics on mismatch).
 *
 * Public API only: these programs link libmailauth.la.
 */
#ifndef CONF_SPF_H
#define CONF_SPF_H

#include <stddef.h>
#include <stdint.h>

#include "mailauth/common.h"
#include "mailauth/addr.h"
#include "mailauth/dns.h"
#include "mailauth/spf.h"
#include "conf-util.h"

/* The fixed clock of every check (2023-11-14T22:13:20Z), so %{t} is stable. */
#define CONF_CLOCK_MS INT64_C(1700000000000)

/* Every record type the static zone knows, as a ma_static_zone_add_timeout() set. */
#define CONF_ALL_TYPES                                                                     \
    (MA_DNS_TYPE_BIT(MA_DNS_TXT) | MA_DNS_TYPE_BIT(MA_DNS_A) | MA_DNS_TYPE_BIT(MA_DNS_AAAA) | \
     MA_DNS_TYPE_BIT(MA_DNS_MX) | MA_DNS_TYPE_BIT(MA_DNS_PTR))

/* Most results one expectation may accept (openspf lists a few). */
#define CONF_MAX_WANT 8


/* A context whose clock always reads CONF_CLOCK_MS.  MA_OK or a status. */
int conf_ctx_new(ma_ctx **out);

/*
 * A name given as raw bytes (as a suite spells it) in the presentation form
 * the static zone reads: every byte stands for itself, so a backslash is
 * escaped ("\\") and a byte outside 0x21-0x7e is written \DDD; dots keep
 * separating labels.  malloc'd; NULL when out of memory.
 */
char *conf_zone_name(const char *raw, size_t len);

/* A result name ("pass", "PermError"...) as a ma_spf_result; -1 if unknown. */
int conf_result_parse(const char *name, size_t len);

/* The inputs of one check. */
typedef struct conf_check {
    const char *helo;                /* may be NULL */
    const char *ip;                  /* client address, text */
    const char *sender;              /* NULL or "" = null reverse-path */
    const char *receiver;            /* %{r} */
    const char *default_explanation; /* NULL: none */
    unsigned int flags;              /* ma_spf_flags */
} conf_check;

/* What one check produced (strings are malloc'd copies, never NULL once run). */
typedef struct conf_outcome {
    int status;         /* MA_OK, or the status of the step that failed */
    char error[256];    /* the failing step, when status != MA_OK */
    int result;         /* ma_spf_result, or -1 when the check did not run */
    char *explanation;
    char *mechanism;
    char *problem;
    char *domain;
    char *identity;
    unsigned int lookups;
    unsigned int void_lookups;
} conf_outcome;

/* Run one check to completion through resolver r.  Returns out->status. */
int conf_run(ma_ctx *ctx, ma_resolver *r, const conf_check *c, conf_outcome *out);

/* Free the strings of an outcome (safe on a zeroed or already cleared one). */
void conf_outcome_clear(conf_outcome *o);

/*
 * An expectation: any of want[0..nwant-1] is acceptable; when exp is not
 * NULL the explanation must equal its exp_len bytes exactly.
 */
typedef struct conf_expect {
    int want[CONF_MAX_WANT];
    size_t nwant;
    const char *exp;
    size_t exp_len;
} conf_expect;

/* Whether an outcome meets an expectation: 1 or 0. */
int conf_matches(const conf_outcome *o, const conf_expect *e);

/*
 * Print TAP diagnostic lines ("# ...") for a mismatch: the inputs, got/want
 * result, mechanism, problem, explanation (non-printable bytes escaped).
 */
void conf_diag(const conf_check *c, const conf_outcome *o, const conf_expect *e);


/*
 * The reason a suite case is a known disagreement with the RFC (reported as
 * a TAP TODO), or NULL.  label is the TAP description of the case.
 */
const char *conf_disagreement(const char *label);

#endif
