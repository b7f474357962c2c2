/*
 * The DMARC conformance runner: two third-party suites (formats:
 * shared/testsuites/README.md section 5) against the DMARC record parser,
 * the From parser, the DMARC job and the Public Suffix List functions.
 *
 * Input: MA_TESTSUITES (or the directory named by argv[1]):
 *   dmarc-opendmarc/vectors.yml        OpenDMARC's unit-test vectors (derived);
 *   dmarc-opendmarc/effective_tld_names.dat   the PSL snapshot of 2014 they use;
 *   dmarc-psl/tests.txt                the PSL project's own 78 cases;
 *   dmarc-psl/public_suffix_list.dat   the current list.
 *
 * dmarc-opendmarc, section by section:
 *   record_parse   every record through ma__dmarc_record_parse() in RFC 7489
 *                  mode (OpenDMARC implements RFC 7489).  OpenDMARC's status
 *                  maps onto ours as accepted (OKAY: MA_OK) or refused (every
 *                  ERROR_*: MA_ESYNTAX).  A second line per case asserts our
 *                  own reading of the RFC, independently of the suite: the
 *                  refusal reason, or the tag that is discarded and the
 *                  default that then applies, and the rua=/ruf= URIs kept.
 *                  Where OpenDMARC refuses a record that RFC 7489 6.3 says
 *                  to keep (a bad optional tag is "discarded in favor of
 *                  default values"), the strict (linter) parse must refuse
 *                  it, as OpenDMARC does: a third line.
 *   record_fetch   the effective pct, adkim and aspf of one record (and the
 *                  record's other tags, beyond what the suite checks).
 *   alignment      each pair through the DMARC job (public API, static
 *                  zone): the first identifier as the author domain and the
 *                  second as the DKIM d= (adkim=) and, in another run, as the
 *                  SPF MAIL FROM domain (aspf=); then the two swapped, since
 *                  RFC 7489 3.1 alignment is symmetric.  Three set-ups: RFC
 *                  7489 mode with the bundled 2014 list (ma_psl_new), RFC 7489
 *                  mode with libpsl's built-in list (upstream also runs the
 *                  vectors without its list file), and RFC 9989 mode (DNS
 *                  tree walk).  The zone publishes "v=DMARC1; p=reject" with
 *                  the mode under test at each name, at its organizational
 *                  domain by both lists, as a Domain Owner would.  "aligned"
 *                  = dmarc=pass with that identifier named as aligned; "not
 *                  aligned" = dmarc=fail (not-aligned), or the author domain
 *                  refused by ma_dmarc_job_set_author() (no domain name: no
 *                  evaluation at all).  Relaxed pairs are also compared
 *                  directly with ma_psl_org_domain() and the 2014 list, and
 *                  every vector name with an empty label must get
 *                  MA_ENOTFOUND from it ("not a valid name", dmarc.h).
 *   find_domain    each raw From value through ma__dmarc_from_parse(), and
 *                  again as a message's From field through
 *                  ma__dmarc_from_extract() (same outcome wanted).
 *   organizational_domain   ma_psl_org_domain() with the 2014 list.
 *
 * dmarc-psl: the 78 cases through ma_psl_org_domain(), first with the list
 * file, then with libpsl's built-in list (reported as a block of its own).
 * Expected "null" = MA_ENOTFOUND; the input "null" is a NULL pointer, which
 * the API refuses with MA_EINVAL.  A built-in-list case that fails while the
 * same case passed with the current file differs by the list's age only (same
 * code, older data): ok_todo saying so.
 *
 * Output: TAP, one line per assertion, labelled "<suite> <section> <n>: ...";
 * failures print what we got.  Where we believe a vector contradicts an RFC,
 * the suite's expectation is still asserted, through ok_todo() with the RFC
 * section (XFAIL; XPASS, an error, the day it agrees), next to an ok() line
 * asserting the RFC behaviour; see disagreements[].  Totals per suite and
 * section are printed as diagnostics at the end.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include <mailauth/mailauth.h>

#include "conf-util.h"
#include "conf-yaml.h"
#include "tap.h"
#include "dmarc/from_int.h"
#include "dmarc/record_int.h"

#ifndef MA_TESTSUITES
#define MA_TESTSUITES ""
#endif

#define LABEL_MAX 512

/* ----------------------------------------------------------- utilities */

/* a/b; an over-long path becomes "" (and then fails to open). */
static void path_join(char *buf, size_t size, const char *a, const char *b)
{
    int n = snprintf(buf, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size)
        buf[0] = '\0';
}

/* A diagnostic line with the bytes escaped. */
static const char *or_q(const char *s)
{
    return s != NULL ? s : "?";
}

/* ------------------------------------------------------------- tallies */

typedef struct tally {
    const char *name;
    unsigned int cases;   /* suite cases run */
    unsigned int checks;  /* TAP lines */
    unsigned int ok;
    unsigned int todo;    /* known disagreements (ok_todo lines) */
    unsigned int failed;  /* failed lines, TODO ones not counted */
    unsigned int skipped;
} tally;

/*
 * Vectors whose expectation we believe contradicts an RFC: every line that
 * asserts the suite's expectation for such a case goes through ok_todo()
 * with this reason; the RFC behaviour is asserted on a line of its own.
 */
static const struct {
    const char *section;
    int n;
    const char *reason;
} disagreements[] = {
    { "record_parse", 5,
      "RFC 7489 6.3 and 6.4: p= takes \"none\", \"quarantine\" or \"reject\"; an invalid p= "
      "without a valid rua= URI means no DMARC processing (6.6.3 step 6.2)" },
    { "record_parse", 10,
      "RFC 7489 6.3: syntax errors in the remainder of the record SHOULD be discarded in favor "
      "of default values (adkim=bob: relaxed applies), not refuse the record" },
    { "record_parse", 11,
      "RFC 7489 6.3: syntax errors in the remainder of the record SHOULD be discarded in favor "
      "of default values (aspf=bob: relaxed applies), not refuse the record" },
    { "record_parse", 12,
      "RFC 7489 6.3 and 6.4: rf=bob is a syntactically valid Keyword naming an unregistered "
      "format; it is ignored (afrf applies), not a reason to refuse the record" },
    { "record_parse", 13,
      "RFC 7489 6.3: syntax errors in the remainder of the record SHOULD be discarded in favor "
      "of default values (ri=bob: 86400 applies), not refuse the record" },
    { "record_parse", 14,
      "RFC 7489 6.3: syntax errors in the remainder of the record SHOULD be discarded in favor "
      "of default values (pct=500: 100 applies), not refuse the record" },
    { "record_parse", 19,
      "RFC 7489 6.3 and 6.4: rf=000... is a syntactically valid Keyword naming an unregistered "
      "format; it is ignored (afrf applies), not a reason to refuse the record" },
    { "alignment", 5,
      "RFC 7489 3.1.1 and 3.1.2 compare domain names (strict: the exact FQDNs); \".mac.com.\" "
      "has an empty first label and is no domain name (RFC 1035 2.3.1, RFC 5322 3.4.1 "
      "dot-atom): it cannot align (OpenDMARC strips the dots)" },
    { "alignment", 6,
      "RFC 7489 3.1.1 and 3.1.2 compare domain names (strict: the exact FQDNs); "
      "\"....mac.com....\" has empty labels and is no domain name (RFC 1035 2.3.1, RFC 5322 "
      "3.4.1 dot-atom): it cannot align (OpenDMARC strips the dots)" },
    { "find_domain", 2,
      "RFC 5322 3.4: a quoted-string followed by an addr-spec is neither a name-addr (needs "
      "<>) nor an addr-spec (obs-local-part needs \".\" between words): malformed, a permerror "
      "(RFC 7489 6.6.1; draft-ietf-dmarc-dmarcbis-41 5.3.1)" },
    { "find_domain", 6,
      "RFC 5322 3.4: \"<<<><joe@joe.com>>>\" is not a mailbox: malformed, a permerror "
      "(RFC 7489 6.6.1; draft-ietf-dmarc-dmarcbis-41 5.3.1)" },
    { "find_domain", 7,
      "RFC 7489 6.6.1: with several addresses each domain must be evaluated (the most strict "
      "policy wins), never the first one alone; draft-ietf-dmarc-dmarcbis-41 5.3.1 and 11.5: "
      "no single Author Domain, validation not possible (CVE-2019-16378 class)" },
    { "find_domain", 8,
      "RFC 7489 6.6.1: with several addresses each domain must be evaluated (the most strict "
      "policy wins), never the first one alone; draft-ietf-dmarc-dmarcbis-41 5.3.1 and 11.5: "
      "no single Author Domain, validation not possible (CVE-2019-16378 class)" },
    { "find_domain", 9,
      "RFC 5322 3.4: \"Mail From:<...>\" is group syntax (display-name \":\") without the "
      "closing \";\": malformed, a permerror (RFC 7489 6.6.1; draft-ietf-dmarc-dmarcbis-41 "
      "5.3.1); OpenDMARC reads the header field name into the value" },
    { "find_domain", 12,
      "RFC 5322 3.4: a quoted-string followed by an addr-spec is neither a name-addr (needs "
      "<>) nor an addr-spec (obs-local-part needs \".\" between words): malformed, a permerror "
      "(RFC 7489 6.6.1; draft-ietf-dmarc-dmarcbis-41 5.3.1)" },
    { "find_domain", 13,
      "RFC 5322 3.4: \"From: Davide D'Marco <...>\" is group syntax (display-name \":\") "
      "without the closing \";\": malformed, a permerror (RFC 7489 6.6.1; "
      "draft-ietf-dmarc-dmarcbis-41 5.3.1); OpenDMARC reads the header field name into the "
      "value" },
};

static const char *disagreement(const char *section, int n)
{
    size_t i;
    for (i = 0; i < sizeof disagreements / sizeof disagreements[0]; i++)
        if (disagreements[i].n == n && strcmp(disagreements[i].section, section) == 0)
            return disagreements[i].reason;
    return NULL;
}

/* One TAP line; todo != NULL makes it an ok_todo() line. */
static int check(tally *t, int cond, const char *label, const char *todo)
{
    t->checks++;
    if (todo != NULL) {
        t->todo++;
        return ok_todo(cond, label, todo);
    }
    if (cond)
        t->ok++;
    else
        t->failed++;
    return ok(cond, label);
}

static void skip_line(tally *t, const char *label, const char *why)
{
    /* tap.h has no skip; the plan counts this line like the others. */
    tap_n++;
    t->checks++;
    t->skipped++;
    printf("ok %d - %s # SKIP %s\n", tap_n, label, why);
}

/* ----------------------------------------------------------- YAML access */

static size_t ylen(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0;
}

/* A scalar integer, or def. */
static long yint(const yaml_node_t *n, long def)
{
    const char *s = conf_ystr(n);
    char *end;
    long v;
    if (s == NULL || *s == '\0')
        return def;
    errno = 0;
    v = strtol(s, &end, 10);
    return errno == 0 && *end == '\0' ? v : def;
}

/* The cases of a section ("section: {cases: [...]}"). */
static yaml_node_t *ycases(ydoc *y, const char *section)
{
    return conf_yget(y, conf_yget(y, yaml_document_get_root_node(&y->doc), section), "cases");
}

/* -------------------------------------------------------- shared state */

typedef struct env {
    const char *root;       /* the testsuites directory */
    ma_ctx *ctx;
    ma_psl *psl2014;        /* dmarc-opendmarc/effective_tld_names.dat, or NULL */
    ma_psl *builtin;        /* libpsl's built-in list, or NULL */
    tally parse, fetch, align, from, org, psl_file, psl_builtin;
} env;

/* ------------------------------------------------- 1. record_parse */

/*
 * Our reading of RFC 7489 for each record_parse vector, independent of the
 * suite.  accept: the record is usable.  reason/tag: for a refused record
 * the ma_dmarc_perr reason; for an accepted one the single issue expected
 * (MA_DMARC_REC_OK: none at all).  nrua/nruf: URIs kept (-1: not checked).
 */
static const struct rp_rfc {
    int n;
    int accept;
    ma_dmarc_rec_reason reason;
    ma_dmarc_rec_reason reason2;   /* refused: another acceptable reason (OK: none) */
    ma_dmarc_tag tag;
    int nrua, nruf;
    const char *why;
} rp_rfc[] = {
    { 1, 1, MA_DMARC_REC_OK, MA_DMARC_REC_OK, MA_DMARC_TAG_NONE, 1, 1,
      "RFC 7489 6.3, 6.4: every tag valid" },
    { 2, 1, MA_DMARC_REC_OK, MA_DMARC_REC_OK, MA_DMARC_TAG_NONE, 0, 0,
      "RFC 7489 6.3, 6.4: v and p" },
    { 3, 1, MA_DMARC_REC_OK, MA_DMARC_REC_OK, MA_DMARC_TAG_NONE, 0, 0,
      "RFC 7489 6.3, 6.4: v and p" },
    { 4, 1, MA_DMARC_REC_OK, MA_DMARC_REC_OK, MA_DMARC_TAG_NONE, 0, 0,
      "RFC 7489 6.3, 6.4: v and p" },
    { 5, 0, MA_DMARC_REC_BAD_POLICY, MA_DMARC_REC_OK, MA_DMARC_TAG_P, -1, -1,
      "RFC 7489 6.4 dmarc-request, 6.6.3 step 6.2: invalid p=, no rua=" },
    { 6, 0, MA_DMARC_REC_VERSION, MA_DMARC_REC_SYNTAX, MA_DMARC_TAG_NONE, -1, -1,
      "RFC 7489 6.3 v: absent, the record MUST be ignored; RFC 6376 3.2: no tag-list at all" },
    { 7, 0, MA_DMARC_REC_VERSION, MA_DMARC_REC_OK, MA_DMARC_TAG_V, -1, -1,
      "RFC 7489 6.3 v: the value MUST be DMARC1 exactly, else the record MUST be ignored "
      "(\"V\" is the v tag: ABNF literals are case-insensitive, RFC 5234 2.3)" },
    { 8, 0, MA_DMARC_REC_BAD_POLICY, MA_DMARC_REC_OK, MA_DMARC_TAG_P, -1, -1,
      "RFC 7489 6.4 dmarc-request, 6.6.3 step 6.2: invalid p=, no rua=" },
    { 9, 0, MA_DMARC_REC_BAD_POLICY, MA_DMARC_REC_OK, MA_DMARC_TAG_SP, -1, -1,
      "RFC 7489 6.6.3 step 6.2: invalid sp=, no rua=" },
    { 10, 1, MA_DMARC_REC_BAD_VALUE, MA_DMARC_REC_OK, MA_DMARC_TAG_ADKIM, 0, 0,
      "RFC 7489 6.3: adkim=bob discarded, relaxed applies" },
    { 11, 1, MA_DMARC_REC_BAD_VALUE, MA_DMARC_REC_OK, MA_DMARC_TAG_ASPF, 0, 0,
      "RFC 7489 6.3: aspf=bob discarded, relaxed applies" },
    { 12, 1, MA_DMARC_REC_UNKNOWN_FORMAT, MA_DMARC_REC_OK, MA_DMARC_TAG_RF, 0, 0,
      "RFC 7489 6.3: rf=bob names no registered format, afrf applies" },
    { 13, 1, MA_DMARC_REC_BAD_VALUE, MA_DMARC_REC_OK, MA_DMARC_TAG_RI, 0, 0,
      "RFC 7489 6.3: ri=bob discarded, 86400 applies" },
    { 14, 1, MA_DMARC_REC_BAD_VALUE, MA_DMARC_REC_OK, MA_DMARC_TAG_PCT, 0, 0,
      "RFC 7489 6.3: pct=500 is no percentage, discarded, 100 applies" },
    { 15, 0, MA_DMARC_REC_NO_POLICY, MA_DMARC_REC_OK, MA_DMARC_TAG_P, -1, -1,
      "RFC 7489 6.3 (p REQUIRED), 6.6.3 step 6.2: no p=, no rua=" },
    { 16, 1, MA_DMARC_REC_OK, MA_DMARC_REC_OK, MA_DMARC_TAG_NONE, 1, 0,
      "RFC 7489 6.2: a report URI of any scheme is a DMARC URI (mailto support is the minimum)" },
    { 17, 1, MA_DMARC_REC_BAD_URI, MA_DMARC_REC_OK, MA_DMARC_TAG_RUF, 0, 0,
      "RFC 7489 6.3 ruf, RFC 6068 2: \"mailto://abuse.com\" holds no addr-spec, dropped" },
    { 18, 1, MA_DMARC_REC_BAD_URI, MA_DMARC_REC_OK, MA_DMARC_TAG_RUF, 0, 0,
      "RFC 7489 6.3: unknown tags ignored; \"mailto://abuse.com\" dropped (RFC 6068 2)" },
    { 19, 1, MA_DMARC_REC_UNKNOWN_FORMAT, MA_DMARC_REC_OK, MA_DMARC_TAG_RF, 0, 0,
      "RFC 7489 6.3: rf=000... names no registered format, afrf applies" },
    { 20, 1, MA_DMARC_REC_BAD_VALUE, MA_DMARC_REC_OK, MA_DMARC_TAG_FO, 0, 1,
      "RFC 6376 3.2 tag-list (DMARC 6.4): \"fo=1:s rua=mailto:...\" is one tag whose value is "
      "no fo= value: discarded (0 applies), and with it the rua= it swallowed" },
};

static const struct rp_rfc *rp_rfc_of(int n)
{
    size_t i;
    for (i = 0; i < sizeof rp_rfc / sizeof rp_rfc[0]; i++)
        if (rp_rfc[i].n == n)
            return &rp_rfc[i];
    return NULL;
}

/* The effective value of a discarded tag is its default (RFC 7489 6.3). */
static int default_applies(const ma_dmarc_record *rec, ma_dmarc_tag tag)
{
    switch (tag) {
    case MA_DMARC_TAG_ADKIM: return ma__dmarc_record_adkim(rec) == MA_DMARC_ALIGN_RELAXED;
    case MA_DMARC_TAG_ASPF: return ma__dmarc_record_aspf(rec) == MA_DMARC_ALIGN_RELAXED;
    case MA_DMARC_TAG_PCT: return ma__dmarc_record_pct(rec) == 100;
    case MA_DMARC_TAG_RI: return ma__dmarc_record_ri(rec) == 86400;
    case MA_DMARC_TAG_RF: return ma__dmarc_record_rf(rec) == MA_DMARC_RF_AFRF;
    case MA_DMARC_TAG_FO: return ma__dmarc_record_fo(rec) == MA_DMARC_FO_0;
    default: return 1;
    }
}

static int has_issue(const ma_dmarc_record *rec, ma_dmarc_rec_reason reason, ma_dmarc_tag tag)
{
    size_t i;
    for (i = 0; i < rec->nissues; i++)
        if (rec->issues[i].reason == reason && rec->issues[i].tag == tag)
            return 1;
    return 0;
}

static void diag_parse(int rc, const ma_dmarc_record *rec, const ma_dmarc_perr *err)
{
    size_t i;
    if (rc != MA_OK) {
        printf("#   got %s: %s, tag \"%s\", offset %ld: %s\n", ma_status_name(rc),
               ma__dmarc_rec_reason_str(err->reason), err->tag, (long)err->e.offset,
               err->e.text);
        return;
    }
    printf("#   got MA_OK: %u issue(s), %u rua, %u ruf; p=%s adkim=%d aspf=%d pct=%u\n",
           (unsigned)rec->nissues, (unsigned)rec->nrua, (unsigned)rec->nruf,
           or_q(ma__dmarc_policy_str(ma__dmarc_record_p(rec))), (int)ma__dmarc_record_adkim(rec),
           (int)ma__dmarc_record_aspf(rec), ma__dmarc_record_pct(rec));
    for (i = 0; i < rec->nissues; i++)
        printf("#   issue: %s, tag \"%s\", offset %u\n",
               ma__dmarc_rec_reason_str(rec->issues[i].reason),
               or_q(ma__dmarc_tag_name(rec->issues[i].tag)), (unsigned)rec->issues[i].offset);
}

static void run_parse_case(env *e, ydoc *y, const yaml_node_t *c)
{
    tally *t = &e->parse;
    int n = (int)yint(conf_yget(y, c, "n"), -1);
    const yaml_node_t *recn = conf_yget(y, c, "record");
    const char *txt = conf_ystr(recn), *outcome = conf_ystr(conf_yget(y, c, "outcome"));
    size_t len = ylen(recn);
    const struct rp_rfc *rfc = rp_rfc_of(n);
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    char label[LABEL_MAX];
    int rc, want_accept, good;

    t->cases++;
    if (txt == NULL || outcome == NULL || rfc == NULL) {
        snprintf(label, sizeof label, "dmarc-opendmarc record_parse %d: a usable vector", n);
        check(t, 0, label, NULL);
        return;
    }
    want_accept = strcmp(outcome, "OKAY") == 0;
    rc = ma__dmarc_record_parse(&rec, e->ctx, txt, len, MA_DMARC_MODE_7489, 0, &err);

    /* 1. OpenDMARC's status. */
    snprintf(label, sizeof label, "dmarc-opendmarc record_parse %d \"%s\": %s, want %s", n, txt,
             outcome, want_accept ? "accepted" : "refused");
    if (!check(t, want_accept ? rc == MA_OK : rc == MA_ESYNTAX, label,
               disagreement("record_parse", n)) ||
        disagreement("record_parse", n) != NULL)
        diag_parse(rc, &rec, &err);

    /* 2. Our reading of the RFC. */
    if (rfc->accept) {
        good = rc == MA_OK;
        if (good && rfc->reason == MA_DMARC_REC_OK)
            good = rec.nerrors == 0;
        else if (good)
            good = has_issue(&rec, rfc->reason, rfc->tag) && rec.nerrors == 1 &&
                   default_applies(&rec, rfc->tag);
        if (good && rfc->nrua >= 0)
            good = rec.nrua == (size_t)rfc->nrua;
        if (good && rfc->nruf >= 0)
            good = rec.nruf == (size_t)rfc->nruf;
        if (rfc->reason == MA_DMARC_REC_OK)
            snprintf(label, sizeof label,
                     "dmarc-opendmarc record_parse %d: RFC: accepted without issues, %d rua "
                     "and %d ruf URIs (%s)", n, rfc->nrua, rfc->nruf, rfc->why);
        else
            snprintf(label, sizeof label,
                     "dmarc-opendmarc record_parse %d: RFC: accepted, %s= set aside (%s), "
                     "%d rua and %d ruf URIs (%s)", n, or_q(ma__dmarc_tag_name(rfc->tag)),
                     ma__dmarc_rec_reason_str(rfc->reason), rfc->nrua, rfc->nruf, rfc->why);
    } else {
        good = rc == MA_ESYNTAX &&
               (err.reason == rfc->reason ||
                (rfc->reason2 != MA_DMARC_REC_OK && err.reason == rfc->reason2)) &&
               strcmp(err.tag, or_q(ma__dmarc_tag_name(rfc->tag))) == 0;
        snprintf(label, sizeof label,
                 "dmarc-opendmarc record_parse %d: RFC: refused, %s%s%s%s%s (%s)", n, ma__dmarc_rec_reason_str(rfc->reason),
                 rfc->reason2 != MA_DMARC_REC_OK ? " or " : "",
                 rfc->reason2 != MA_DMARC_REC_OK ? ma__dmarc_rec_reason_str(rfc->reason2) : "",
                 rfc->tag ? " on " : "", rfc->tag ? or_q(ma__dmarc_tag_name(rfc->tag)) : "",
                 rfc->why);
    }
    if (!check(t, good, label, NULL))
        diag_parse(rc, &rec, &err);
    if (rc == MA_OK)
        ma__dmarc_record_free(&rec, e->ctx);

    /* 3. OpenDMARC refuses what the RFC keeps: so does the linter mode. */
    if (!want_accept && rfc->accept) {
        rc = ma__dmarc_record_parse(&rec, e->ctx, txt, len, MA_DMARC_MODE_7489,
                                    MA_DMARC_PARSE_STRICT, &err);
        snprintf(label, sizeof label,
                 "dmarc-opendmarc record_parse %d: MA_DMARC_PARSE_STRICT refuses it, like %s", n,
                 outcome);
        good = rc == MA_ESYNTAX && err.reason == rfc->reason &&
               strcmp(err.tag, or_q(ma__dmarc_tag_name(rfc->tag))) == 0;
        if (!check(t, good, label, NULL))
            diag_parse(rc, &rec, &err);
        if (rc == MA_OK)
            ma__dmarc_record_free(&rec, e->ctx);
    }
}

static void run_parse(env *e, ydoc *y)
{
    const yaml_node_t *cases = ycases(y, "record_parse");
    const char *dom = conf_ystr(conf_yget(y, conf_yget(y, yaml_document_get_root_node(&y->doc), "record_parse"),
                                "domain"));
    size_t i;
    if (conf_yseq_len(cases) != 20)
        printf("# record_parse: %u vectors (README: 20)\n", (unsigned)conf_yseq_len(cases));
    check(&e->parse, conf_yseq_len(cases) > 0, "dmarc-opendmarc record_parse: vectors found", NULL);
    printf("# record_parse: records of %s, parsed in RFC 7489 mode\n", or_q(dom));
    for (i = 0; i < conf_yseq_len(cases); i++)
        run_parse_case(e, y, conf_yseq_at(y, cases, i));
}

/* ------------------------------------------------- 2. record_fetch */

static void run_fetch(env *e, ydoc *y)
{
    tally *t = &e->fetch;
    const yaml_node_t *sec = conf_yget(y, yaml_document_get_root_node(&y->doc), "record_fetch");
    const yaml_node_t *recn = conf_yget(y, sec, "record"), *exp = conf_yget(y, sec, "expect");
    const char *txt = conf_ystr(recn), *adkim = conf_ystr(conf_yget(y, exp, "adkim"));
    const char *aspf = conf_ystr(conf_yget(y, exp, "aspf"));
    long pct = yint(conf_yget(y, exp, "pct"), -1);
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    char label[LABEL_MAX];
    int rc;

    t->cases++;
    if (txt == NULL || adkim == NULL || aspf == NULL || pct < 0) {
        check(t, 0, "dmarc-opendmarc record_fetch: a usable vector", NULL);
        return;
    }
    rc = ma__dmarc_record_parse(&rec, e->ctx, txt, ylen(recn), MA_DMARC_MODE_7489, 0, &err);
    snprintf(label, sizeof label, "dmarc-opendmarc record_fetch \"%s\": accepted without issues",
             txt);
    if (!check(t, rc == MA_OK && rec.nerrors == 0, label, NULL)) {
        diag_parse(rc, &rec, &err);
        if (rc == MA_OK)
            ma__dmarc_record_free(&rec, e->ctx);
        return;
    }
    snprintf(label, sizeof label, "dmarc-opendmarc record_fetch: pct %ld", pct);
    if (!check(t, ma__dmarc_record_pct(&rec) == (unsigned long)pct, label, NULL))
        printf("#   got %u\n", ma__dmarc_record_pct(&rec));
    snprintf(label, sizeof label, "dmarc-opendmarc record_fetch: adkim %s", adkim);
    check(t, ma__dmarc_record_adkim(&rec) ==
                 (strcmp(adkim, "s") == 0 ? MA_DMARC_ALIGN_STRICT : MA_DMARC_ALIGN_RELAXED),
          label, NULL);
    snprintf(label, sizeof label, "dmarc-opendmarc record_fetch: aspf %s", aspf);
    check(t, ma__dmarc_record_aspf(&rec) ==
                 (strcmp(aspf, "s") == 0 ? MA_DMARC_ALIGN_STRICT : MA_DMARC_ALIGN_RELAXED),
          label, NULL);
    /* The record's other tags (not checked by the suite). */
    check(t, ma__dmarc_record_p(&rec) == MA_DMARC_POLICY_NONE &&
                 ma__dmarc_record_sp(&rec) == MA_DMARC_POLICY_NONE,
          "dmarc-opendmarc record_fetch: p none, sp none (beyond the suite)", NULL);
    check(t, ma__dmarc_record_ri(&rec) == 300 && ma__dmarc_record_rf(&rec) == MA_DMARC_RF_AFRF,
          "dmarc-opendmarc record_fetch: ri 300, rf afrf (beyond the suite)", NULL);
    check(t, rec.nrua == 1 && rec.nruf == 1 && rec.rua[0].len == 24 &&
                 memcmp(rec.rua[0].uri, "mailto:dmarc-a@abuse.net", 24) == 0 &&
                 rec.ruf[0].len == 24 &&
                 memcmp(rec.ruf[0].uri, "mailto:dmarc-f@abuse.net", 24) == 0,
          "dmarc-opendmarc record_fetch: one rua and one ruf URI (beyond the suite)", NULL);
    ma__dmarc_record_free(&rec, e->ctx);
}

/* ------------------------------------------------------- 3. alignment */

enum align_outcome {
    A_ALIGNED,      /* dmarc=pass through this identifier */
    A_NOT_ALIGNED,  /* dmarc=fail, not-aligned */
    A_REFUSED,      /* the author domain is no domain name: no evaluation */
    A_OTHER         /* anything else: a failure either way */
};

static const char *align_name(enum align_outcome o)
{
    switch (o) {
    case A_ALIGNED: return "aligned";
    case A_NOT_ALIGNED: return "not aligned";
    case A_REFUSED: return "author refused";
    case A_OTHER: return "other";
    }
    return "?";
}

/* Whether name has an empty label (one trailing dot, the root, is allowed). */
static int has_empty_label(const char *name)
{
    size_t len = strlen(name), i;
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || name[0] == '.' || name[len - 1] == '.')
        return 1;
    for (i = 1; i < len; i++)
        if (name[i] == '.' && name[i - 1] == '.')
            return 1;
    return 0;
}

/* A set-up of the alignment runs. */
typedef struct align_setup {
    const char *name;
    int mode;
    const ma_psl *psl;
} align_setup;

/* Add name (and its organizational domains) to the list of names to publish at. */
static void pub_add(char names[][256], size_t *n, size_t max, const char *name)
{
    size_t i;
    if (name == NULL || *name == '\0' || strlen(name) >= 256 || *n >= max)
        return;
    for (i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return;
    memcpy(names[*n], name, strlen(name) + 1);
    (*n)++;
}

static void pub_add_orgs(const env *e, char names[][256], size_t *n, size_t max, const char *name)
{
    char org[256];
    pub_add(names, n, max, name);
    if (e->psl2014 != NULL && ma_psl_org_domain(e->psl2014, name, org, sizeof org) == MA_OK)
        pub_add(names, n, max, org);
    if (e->builtin != NULL && ma_psl_org_domain(e->builtin, name, org, sizeof org) == MA_OK)
        pub_add(names, n, max, org);
}

/*
 * One job: author domain author, identifier id as DKIM d= (spf 0) or SPF
 * MAIL FROM domain (spf 1), both passing.  detail says what happened.
 */
static enum align_outcome align_run(env *e, ma_resolver *r, const align_setup *su,
                                    const char *author, const char *id, int spf, char *detail,
                                    size_t dsize)
{
    ma_dmarc_opts opts = MA_DMARC_OPTS_INIT;
    ma_job *job = NULL;
    enum align_outcome o = A_OTHER;
    int rc;
    const char *aligned;

    detail[0] = '\0';
    opts.mode = su->mode;
    opts.psl = su->psl;
    rc = ma_dmarc_job_new(&job, e->ctx, &opts);
    if (rc != MA_OK) {
        snprintf(detail, dsize, "ma_dmarc_job_new: %s", ma_status_name(rc));
        return A_OTHER;
    }
    rc = ma_dmarc_job_set_author(job, author);
    if (rc != MA_OK) {
        snprintf(detail, dsize, "ma_dmarc_job_set_author(\"%s\"): %s", author, ma_status_name(rc));
        ma_job_free(job);
        return rc == MA_EINVAL ? A_REFUSED : A_OTHER;
    }
    rc = spf ? ma_dmarc_job_add_spf(job, MA_SPF_PASS, id, MA_DMARC_SPF_MAILFROM)
             : ma_dmarc_job_add_dkim(job, MA_DKIM_PASS, id, 0);
    if (rc != MA_OK) {
        snprintf(detail, dsize, "adding the identifier: %s", ma_status_name(rc));
        ma_job_free(job);
        return A_OTHER;
    }
    rc = ma_job_run(job, r);
    if (rc != MA_JOB_DONE) {
        snprintf(detail, dsize, "ma_job_run: %d (%s)", rc, ma_job_error(job));
        ma_job_free(job);
        return A_OTHER;
    }
    aligned = spf ? ma_dmarc_job_spf_aligned(job) : ma_dmarc_job_dkim_aligned(job);
    if (ma_dmarc_job_result(job) == MA_DMARC_PASS && aligned[0] != '\0')
        o = A_ALIGNED;
    else if (ma_dmarc_job_result(job) == MA_DMARC_FAIL &&
             ma_dmarc_job_reason(job) == MA_DMARC_R_NOT_ALIGNED)
        o = A_NOT_ALIGNED;
    snprintf(detail, dsize, "dmarc=%s (%s) author %s, policy at %s, org %s, aligned \"%s\": %s",
             or_q(ma_dmarc_result_name(ma_dmarc_job_result(job))),
             or_q(ma_dmarc_reason_name(ma_dmarc_job_reason(job))),
             ma_dmarc_job_author_domain(job), ma_dmarc_job_policy_domain(job),
             ma_dmarc_job_org_domain(job), aligned, ma_dmarc_job_problem(job));
    ma_job_free(job);
    return o;
}

static void run_align_case(env *e, ydoc *y, const yaml_node_t *c, const align_setup *setups,
                           size_t nsetups)
{
    tally *t = &e->align;
    int n = (int)yint(conf_yget(y, c, "n"), -1);
    const char *a = conf_ystr(conf_yget(y, c, "a")), *b = conf_ystr(conf_yget(y, c, "b"));
    const char *mode = conf_ystr(conf_yget(y, c, "mode"));
    long outcome = yint(conf_yget(y, c, "outcome"), 1);
    const char *todo = disagreement("alignment", n);
    char names[8][256], label[LABEL_MAX], detail[600], rec[64];
    size_t nnames = 0, i, s;
    int strict, dir, spf;
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;

    t->cases++;
    if (a == NULL || b == NULL || mode == NULL || (outcome != 0 && outcome != -1) ||
        (strcmp(mode, "strict") != 0 && strcmp(mode, "relaxed") != 0)) {
        snprintf(label, sizeof label, "dmarc-opendmarc alignment %d: a usable vector", n);
        check(t, 0, label, NULL);
        return;
    }
    strict = strcmp(mode, "strict") == 0;

    /* The Domain Owners' records: at both names and their organizational domains. */
    snprintf(rec, sizeof rec, "v=DMARC1; p=reject; adkim=%s; aspf=%s", strict ? "s" : "r",
             strict ? "s" : "r");
    pub_add_orgs(e, names, &nnames, 8, a);
    pub_add_orgs(e, names, &nnames, 8, b);
    if (ma_static_zone_new(&z, e->ctx) != MA_OK) {
        check(t, 0, "dmarc-opendmarc alignment: ma_static_zone_new", NULL);
        return;
    }
    for (i = 0; i < nnames; i++) {
        char q[300];
        snprintf(q, sizeof q, "_dmarc.%s", names[i]);
        /* Names that are no domain names cannot be published: not an error. */
        if (ma_static_zone_add_txt(z, q, rec, strlen(rec), 300) != MA_OK)
            printf("# alignment %d: no record at \"%s\" (not a valid name)\n", n, q);
    }
    if (ma_resolver_static_new(&r, e->ctx, z) != MA_OK) {
        check(t, 0, "dmarc-opendmarc alignment: ma_resolver_static_new", NULL);
        ma_static_zone_free(z);
        return;
    }

    for (s = 0; s < nsetups; s++) {
        if (setups[s].mode == MA_DMARC_MODE_7489 && setups[s].psl == NULL) {
            snprintf(label, sizeof label, "dmarc-opendmarc alignment %d (%s)", n, setups[s].name);
            skip_line(t, label, "list not available");
            continue;
        }
        for (dir = 0; dir < 2; dir++) {
            const char *author = dir == 0 ? a : b, *id = dir == 0 ? b : a;
            for (spf = 0; spf < 2; spf++) {
                enum align_outcome got =
                    align_run(e, r, &setups[s], author, id, spf, detail, sizeof detail);
                int suite_ok = outcome == 0 ? got == A_ALIGNED
                                            : got == A_NOT_ALIGNED || got == A_REFUSED;
                snprintf(label, sizeof label,
                         "dmarc-opendmarc alignment %d (%s, %s %s): author \"%s\", %s \"%s\": "
                         "want %s", n, setups[s].name, mode, spf ? "aspf" : "adkim", author,
                         spf ? "SPF MAIL FROM" : "DKIM d=", id,
                         outcome == 0 ? "aligned" : "not aligned");
                if (!check(t, suite_ok, label, todo) || todo != NULL) {
                    printf("#   got %s\n", align_name(got));
                    conf_diag_bytes("  ", detail, strlen(detail));
                }
                if (todo != NULL) {
                    /* The RFC: a name with empty labels never aligns. */
                    snprintf(label, sizeof label,
                             "dmarc-opendmarc alignment %d (%s, %s %s): author \"%s\", %s \"%s\": "
                             "RFC: not aligned", n, setups[s].name, mode, spf ? "aspf" : "adkim",
                             author, spf ? "SPF MAIL FROM" : "DKIM d=", id);
                    if (!check(t, got == A_NOT_ALIGNED || got == A_REFUSED, label, NULL))
                        conf_diag_bytes("  ", detail, strlen(detail));
                }
            }
        }
    }
    /* Relaxed pairs: the organizational domains by the 2014 list directly. */
    if (!strict && todo == NULL && e->psl2014 != NULL) {
        char oa[256], ob[256];
        int ra = ma_psl_org_domain(e->psl2014, a, oa, sizeof oa);
        int rb = ma_psl_org_domain(e->psl2014, b, ob, sizeof ob);
        int same = ra == MA_OK && rb == MA_OK && strcmp(oa, ob) == 0;
        snprintf(label, sizeof label,
                 "dmarc-opendmarc alignment %d (2014 list): ma_psl_org_domain(\"%s\") %s "
                 "ma_psl_org_domain(\"%s\")", n, a, outcome == 0 ? "==" : "!=", b);
        if (!check(t, outcome == 0 ? same : !same, label, NULL))
            printf("#   got %s \"%s\", %s \"%s\"\n", ma_status_name(ra), ra == MA_OK ? oa : "",
                   ma_status_name(rb), rb == MA_OK ? ob : "");
    }
    /* A name with an empty label is no domain name: ma_psl_org_domain() refuses it (dmarc.h). */
    for (dir = 0; dir < 2 && e->psl2014 != NULL; dir++) {
        const char *name = dir == 0 ? a : b;
        char out[256];
        int rc;
        if (dir == 1 && strcmp(a, b) == 0)
            break;
        if (!has_empty_label(name))
            continue;
        rc = ma_psl_org_domain(e->psl2014, name, out, sizeof out);
        snprintf(label, sizeof label,
                 "dmarc-opendmarc alignment %d (2014 list): ma_psl_org_domain(\"%s\"): "
                 "MA_ENOTFOUND, not a valid name (empty label, RFC 1035 2.3.1)", n, name);
        if (!check(t, rc == MA_ENOTFOUND, label, NULL))
            printf("#   got %s \"%s\"\n", ma_status_name(rc), rc == MA_OK ? out : "");
    }
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

static void run_align(env *e, ydoc *y)
{
    const yaml_node_t *cases = ycases(y, "alignment");
    align_setup setups[3];
    size_t i;

    setups[0].name = "RFC 7489, 2014 list";
    setups[0].mode = MA_DMARC_MODE_7489;
    setups[0].psl = e->psl2014;
    setups[1].name = "RFC 7489, built-in list";
    setups[1].mode = MA_DMARC_MODE_7489;
    setups[1].psl = e->builtin;
    setups[2].name = "RFC 9989, tree walk";
    setups[2].mode = MA_DMARC_MODE_9989;
    setups[2].psl = NULL;
    check(&e->align, conf_yseq_len(cases) > 0, "dmarc-opendmarc alignment: vectors found", NULL);
    for (i = 0; i < conf_yseq_len(cases); i++)
        run_align_case(e, y, conf_yseq_at(y, cases, i), setups, 3);
}

/* ----------------------------------------------------- 4. find_domain */

/* Our reading of RFC 5322 for the vectors we disagree on. */
static const struct {
    int n;
    ma_dmarc_from_outcome outcome;
} from_rfc[] = {
    { 2, MA_DMARC_FROM_MALFORMED },      { 6, MA_DMARC_FROM_MALFORMED },
    { 7, MA_DMARC_FROM_MULTIPLE_ADDRS }, { 8, MA_DMARC_FROM_MULTIPLE_ADDRS },
    { 9, MA_DMARC_FROM_MALFORMED },      { 12, MA_DMARC_FROM_MALFORMED },
    { 13, MA_DMARC_FROM_MALFORMED },
};

static void diag_from(int rc, const ma_dmarc_from *f)
{
    if (rc != MA_OK) {
        printf("#   got %s\n", ma_status_name(rc));
        return;
    }
    printf("#   got %s, domain \"%s\", %u mailbox(es), offset %ld: %s\n",
           ma__dmarc_from_outcome_name(f->outcome), f->domain != NULL ? f->domain : "",
           (unsigned)f->mailboxes, (long)f->err.offset, f->err.text);
}

/* The same value as the From field of a message, through ma__dmarc_from_extract(). */
static int from_via_msg(env *e, const char *raw, size_t len, ma_dmarc_from *out)
{
    static const char head[] = "From: ", tail[] = "\r\nTo: a@example.org\r\n\r\nbody\r\n";
    ma_msg *msg = NULL;
    int rc = ma_msg_new(&msg, e->ctx);
    memset(out, 0, sizeof *out);
    out->outcome = MA_DMARC_FROM_MALFORMED;
    if (rc != MA_OK)
        return rc;
    rc = ma_msg_write(msg, head, sizeof head - 1);
    if (rc == MA_OK)
        rc = ma_msg_write(msg, raw, len);
    if (rc == MA_OK)
        rc = ma_msg_write(msg, tail, sizeof tail - 1);
    if (rc == MA_OK)
        rc = ma_msg_finish(msg);
    if (rc == MA_OK)
        rc = ma__dmarc_from_extract(out, e->ctx, msg);
    ma_msg_free(msg);
    return rc;
}

static void run_from_case(env *e, ydoc *y, const yaml_node_t *c)
{
    tally *t = &e->from;
    int n = (int)yint(conf_yget(y, c, "n"), -1);
    const yaml_node_t *rawn = conf_yget(y, c, "raw");
    const char *raw = conf_ystr(rawn), *want = conf_ystr(conf_yget(y, c, "domain"));
    const char *todo = disagreement("find_domain", n);
    char label[LABEL_MAX];
    ma_dmarc_from f, g;
    int rc, rc2;
    size_t i;

    t->cases++;
    if (raw == NULL || want == NULL) {
        snprintf(label, sizeof label, "dmarc-opendmarc find_domain %d: a usable vector", n);
        check(t, 0, label, NULL);
        return;
    }
    rc = ma__dmarc_from_parse(&f, e->ctx, raw, ylen(rawn));
    snprintf(label, sizeof label, "dmarc-opendmarc find_domain %d: From: %s -> %s", n, raw, want);
    if (!check(t, rc == MA_OK && f.outcome == MA_DMARC_FROM_OK && f.domain != NULL &&
                      strcmp(f.domain, want) == 0,
               label, todo) ||
        todo != NULL)
        diag_from(rc, &f);
    if (todo != NULL) {
        ma_dmarc_from_outcome w = MA_DMARC_FROM_MALFORMED;
        for (i = 0; i < sizeof from_rfc / sizeof from_rfc[0]; i++)
            if (from_rfc[i].n == n)
                w = from_rfc[i].outcome;
        snprintf(label, sizeof label, "dmarc-opendmarc find_domain %d: RFC: %s, no author domain",
                 n, ma__dmarc_from_outcome_name(w));
        if (!check(t, rc == MA_OK && f.outcome == w && f.domain == NULL, label, NULL))
            diag_from(rc, &f);
    }
    rc2 = from_via_msg(e, raw, ylen(rawn), &g);
    snprintf(label, sizeof label,
             "dmarc-opendmarc find_domain %d: same outcome as a message's From field", n);
    if (!check(t, rc == MA_OK && rc2 == MA_OK && g.outcome == f.outcome &&
                      (f.domain == NULL) == (g.domain == NULL) &&
                      (f.domain == NULL || strcmp(f.domain, g.domain) == 0),
               label, NULL))
        diag_from(rc2, &g);
    ma__dmarc_from_free(&g, e->ctx);
    ma__dmarc_from_free(&f, e->ctx);
}

static void run_from(env *e, ydoc *y)
{
    const yaml_node_t *cases = ycases(y, "find_domain");
    size_t i;
    check(&e->from, conf_yseq_len(cases) > 0, "dmarc-opendmarc find_domain: vectors found", NULL);
    for (i = 0; i < conf_yseq_len(cases); i++)
        run_from_case(e, y, conf_yseq_at(y, cases, i));
}

/* ----------------------------------------- 5. organizational_domain */

static void run_org(env *e, ydoc *y)
{
    tally *t = &e->org;
    const yaml_node_t *cases = ycases(y, "organizational_domain");
    char label[LABEL_MAX], out[256];
    size_t i;

    check(t, conf_yseq_len(cases) > 0, "dmarc-opendmarc organizational_domain: vectors found", NULL);
    for (i = 0; i < conf_yseq_len(cases); i++) {
        const yaml_node_t *c = conf_yseq_at(y, cases, i);
        int n = (int)yint(conf_yget(y, c, "n"), -1);
        const char *dom = conf_ystr(conf_yget(y, c, "domain")), *want = conf_ystr(conf_yget(y, c, "org"));
        int rc;
        t->cases++;
        if (dom == NULL || want == NULL) {
            snprintf(label, sizeof label, "dmarc-opendmarc organizational_domain %d: usable", n);
            check(t, 0, label, NULL);
            continue;
        }
        snprintf(label, sizeof label,
                 "dmarc-opendmarc organizational_domain %d (2014 list): %s -> %s", n, dom, want);
        if (e->psl2014 == NULL) {
            check(t, 0, label, NULL);
            tap_diag("the 2014 list did not load");
            continue;
        }
        rc = ma_psl_org_domain(e->psl2014, dom, out, sizeof out);
        if (!check(t, rc == MA_OK && strcmp(out, want) == 0, label, disagreement("org", n)))
            printf("#   got %s \"%s\"\n", ma_status_name(rc), rc == MA_OK ? out : "");
    }
}

/* ------------------------------------------------------ 6. dmarc-psl */

typedef struct psl_case {
    char input[256];   /* "" with is_null */
    char want[256];
    int input_null, want_null;
    int line;
} psl_case;

/* Read tests.txt: "input expected" lines, "//" comments.  Returns the count or -1. */
static int psl_cases(const char *path, psl_case *out, int max, char *err, size_t errsize)
{
    size_t len, pos = 0;
    char *text = conf_read_file(path, &len);
    int n = 0, line = 0;

    if (text == NULL) {
        snprintf(err, errsize, "cannot read %.400s: %s", path, strerror(errno));
        return -1;
    }
    while (pos < len) {
        char *l = text + pos, *end = memchr(l, '\n', len - pos), *sp;
        size_t ll = end != NULL ? (size_t)(end - l) : len - pos;
        pos += ll + (end != NULL);
        line++;
        if (ll > 0 && l[ll - 1] == '\r')
            ll--;
        l[ll] = '\0';
        if (ll == 0 || strncmp(l, "//", 2) == 0)
            continue;
        sp = strchr(l, ' ');
        if (sp == NULL || strchr(sp + 1, ' ') != NULL || (size_t)(sp - l) >= 256 ||
            strlen(sp + 1) >= 256) {
            snprintf(err, errsize, "%.400s:%d: not \"input expected\"", path, line);
            free(text);
            return -1;
        }
        if (n >= max) {
            snprintf(err, errsize, "%.400s: more than %d cases", path, max);
            free(text);
            return -1;
        }
        *sp = '\0';
        out[n].line = line;
        out[n].input_null = strcmp(l, "null") == 0;
        out[n].want_null = strcmp(sp + 1, "null") == 0;
        snprintf(out[n].input, sizeof out[n].input, "%s", out[n].input_null ? "" : l);
        snprintf(out[n].want, sizeof out[n].want, "%s", out[n].want_null ? "" : sp + 1);
        n++;
    }
    free(text);
    return n;
}

/* Run one case; 1 when it gives the expected answer.  got describes the answer. */
static int psl_run(const ma_psl *psl, const psl_case *c, char *got, size_t gsize)
{
    char out[256];
    int rc = ma_psl_org_domain(psl, c->input_null ? NULL : c->input, out, sizeof out);
    if (rc == MA_OK)
        snprintf(got, gsize, "\"%s\"", out);
    else
        snprintf(got, gsize, "%s", ma_status_name(rc));
    if (c->input_null)
        return rc == MA_EINVAL;   /* the API's answer to a NULL name (dmarc.h) */
    if (c->want_null)
        return rc == MA_ENOTFOUND;
    return rc == MA_OK && strcmp(out, c->want) == 0;
}

static void psl_label(char *label, size_t size, const char *block, const psl_case *c)
{
    snprintf(label, size, "dmarc-psl (%s) tests.txt:%d: %s -> %s", block, c->line,
             c->input_null ? "(NULL)" : c->input,
             c->input_null ? "MA_EINVAL" : c->want_null ? "MA_ENOTFOUND" : c->want);
}

static void run_psl(env *e)
{
    enum { PSL_MAX = 200 };
    char dir[1024], path[1024], err[512], label[LABEL_MAX], got[300];
    psl_case *cases = malloc(PSL_MAX * sizeof *cases);
    unsigned char *file_ok = malloc(PSL_MAX);
    ma_psl *psl = NULL;
    int n, i, rc;

    if (cases == NULL || file_ok == NULL) {
        check(&e->psl_file, 0, "dmarc-psl: out of memory", NULL);
        free(cases);
        free(file_ok);
        return;
    }
    memset(file_ok, 0, PSL_MAX);
    path_join(dir, sizeof dir, e->root, "dmarc-psl");
    path_join(path, sizeof path, dir, "tests.txt");
    n = psl_cases(path, cases, PSL_MAX, err, sizeof err);
    if (!check(&e->psl_file, n == 78, "dmarc-psl: tests.txt holds the 78 cases", NULL)) {
        if (n < 0)
            tap_diag(err);
        else
            printf("#   got %d\n", n);
    }
    if (n < 0)
        n = 0;

    /* The current list file. */
    path_join(path, sizeof path, dir, "public_suffix_list.dat");
    rc = ma_psl_new(&psl, e->ctx, path);
    if (!check(&e->psl_file, rc == MA_OK, "dmarc-psl: ma_psl_new(public_suffix_list.dat)", NULL)) {
        printf("#   got %s\n", ma_status_name(rc));
    } else {
        for (i = 0; i < n; i++) {
            e->psl_file.cases++;
            file_ok[i] = (unsigned char)psl_run(psl, &cases[i], got, sizeof got);
            psl_label(label, sizeof label, "list file", &cases[i]);
            if (!check(&e->psl_file, file_ok[i], label, NULL))
                printf("#   got %s\n", got);
        }
    }
    ma_psl_free(psl);

    /* libpsl's built-in list. */
    if (e->builtin == NULL) {
        skip_line(&e->psl_builtin, "dmarc-psl (built-in list): the 78 cases",
                  "libpsl has no built-in list (ma_psl_new: MA_EUNSUPPORTED)");
    } else {
        for (i = 0; i < n; i++) {
            int good;
            e->psl_builtin.cases++;
            good = psl_run(e->builtin, &cases[i], got, sizeof got);
            psl_label(label, sizeof label, "built-in list", &cases[i]);
            if (!good && file_ok[i]) {
                /* Same code, same case passes with the current file: the data is older. */
                check(&e->psl_builtin, 0, label,
                      "list age: libpsl's built-in list predates the rule this case needs (the "
                      "same case passes with the current public_suffix_list.dat)");
                printf("#   got %s\n", got);
            } else if (!check(&e->psl_builtin, good, label, NULL)) {
                printf("#   got %s\n", got);
            }
        }
    }
    free(cases);
    free(file_ok);
}

/* ------------------------------------------------------------------ main */

static void totals(const tally *t)
{
    printf("# %-36s %3u cases, %3u lines: %u ok, %u todo (disagreements), %u failed, "
           "%u skipped\n",
           t->name, t->cases, t->checks, t->ok, t->todo, t->failed, t->skipped);
}

static void add(tally *sum, const tally *t)
{
    sum->cases += t->cases;
    sum->checks += t->checks;
    sum->ok += t->ok;
    sum->todo += t->todo;
    sum->failed += t->failed;
    sum->skipped += t->skipped;
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : MA_TESTSUITES;
    ma_ctx_opts copts = MA_CTX_OPTS_INIT;
    char path[1024], err[512];
    env e;
    ydoc y;
    tally od, all;
    int rc;

    if (root[0] == '\0') {
        printf("Bail out! no test-suite directory (configure --with-testsuites=DIR)\n");
        return 1;
    }
    memset(&e, 0, sizeof e);
    e.root = root;
    e.parse.name = "dmarc-opendmarc record_parse";
    e.fetch.name = "dmarc-opendmarc record_fetch";
    e.align.name = "dmarc-opendmarc alignment";
    e.from.name = "dmarc-opendmarc find_domain";
    e.org.name = "dmarc-opendmarc organizational_domain";
    e.psl_file.name = "dmarc-psl (list file)";
    e.psl_builtin.name = "dmarc-psl (built-in list)";
    rc = ma_ctx_new(&e.ctx, &copts);
    if (rc != MA_OK) {
        printf("Bail out! ma_ctx_new: %s\n", ma_status_str(rc));
        return 1;
    }

    path_join(path, sizeof path, root, "dmarc-opendmarc/effective_tld_names.dat");
    rc = ma_psl_new(&e.psl2014, e.ctx, path);
    if (!check(&e.org, rc == MA_OK, "dmarc-opendmarc: ma_psl_new(effective_tld_names.dat)", NULL))
        printf("#   got %s\n", ma_status_name(rc));
    rc = ma_psl_new(&e.builtin, e.ctx, NULL);
    if (rc == MA_EUNSUPPORTED)
        tap_diag("libpsl has no built-in list: those runs are skipped");
    else if (!check(&e.psl_builtin, rc == MA_OK, "dmarc-psl: ma_psl_new(NULL): built-in list",
                    NULL))
        printf("#   got %s\n", ma_status_name(rc));

    path_join(path, sizeof path, root, "dmarc-opendmarc/vectors.yml");
    if (!conf_ydoc_load(&y, path, err, sizeof err)) {
        check(&e.parse, 0, "dmarc-opendmarc/vectors.yml loads", NULL);
        tap_diag(err);
    } else {
        run_parse(&e, &y);
        run_fetch(&e, &y);
        run_align(&e, &y);
        run_from(&e, &y);
        run_org(&e, &y);
    }
    conf_ydoc_free(&y);
    run_psl(&e);

    ma_psl_free(e.builtin);
    ma_psl_free(e.psl2014);
    ma_ctx_free(e.ctx);

    memset(&od, 0, sizeof od);
    od.name = "dmarc-opendmarc (all sections)";
    add(&od, &e.parse);
    add(&od, &e.fetch);
    add(&od, &e.align);
    add(&od, &e.from);
    add(&od, &e.org);
    memset(&all, 0, sizeof all);
    all.name = "total";
    add(&all, &od);
    add(&all, &e.psl_file);
    add(&all, &e.psl_builtin);
    tap_diag("totals:");
    totals(&e.parse);
    totals(&e.fetch);
    totals(&e.align);
    totals(&e.from);
    totals(&e.org);
    totals(&od);
    totals(&e.psl_file);
    totals(&e.psl_builtin);
    totals(&all);
    return tap_done();
}
