/*
 * mailauth: the ARC and Authentication-Results commands.
 *
 *     mailauth arc-verify [FILE]
 *     mailauth arc-seal --domain D --selector S --key FILE --authserv-id ID
 *                       [--headers LIST] [--algorithm ALG] [FILE]
 *     mailauth authres [--authserv-id ID] [FILE]
 *
 * arc-verify runs a ma_arc_job over the message (RFC 8617 5.2) and prints
 * the chain validation status and one line per ARC set.  arc-seal runs
 * the same validation, then adds the next ARC set (ma_arc_seal: RFC 8617
 * 5.1) whose ARC-Authentication-Results carries the message's own
 * Authentication-Results for the authserv-id (ma_authres_select_text), and
 * writes the sealed message.  authres parses every Authentication-Results
 * field of the message (ma_authres_parse) and prints them as JSON.
 *
 * Public API only; the shared helpers are those of cli.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "cli.h"

/* Largest key file and message arc-seal reads (as dkim-sign). */
#define ARC_KEY_MAX ((size_t)1 << 20)
#define ARC_MESSAGE_MAX ((size_t)1 << 30)

/* ------------------------------------------------------------- helpers */

/*
 * Run an ARC job through the resolver of the global options.  Without
 * --zone or --nameserver the job is stepped once first, so that a message
 * without ARC sets (no key to fetch: the usual first hop of arc-seal)
 * needs no system resolver at all; with them the resolver is always made,
 * so that a bad zone file or server is reported whatever the message.
 * CLI_OK, or an exit status after a message.
 */
static int arc_run(cli *c, ma_job *job, const char *what)
{
    ma_resolver *resolver;
    const char *why;
    int rc;

    if (c->nzones > 0 || c->nservers > 0)
        return cli_run_job(c, job, what, &resolver);
    rc = ma_job_step(job);
    if (rc == MA_JOB_DONE)
        return CLI_OK;
    if (rc == MA_JOB_NEED_DNS)
        return cli_run_job(c, job, what, &resolver);
    why = ma_job_error(job);
    errmsg("%s: %s", what, why != NULL && why[0] != '\0' ? why : ma_status_str(rc));
    return CLI_ERROR;
}

/* A name from the library's tables, or dflt for a value it does not know. */
static const char *word_or(const char *word, const char *dflt)
{
    return word != NULL ? word : dflt;
}

/* A signature verdict (ma_dkim_result) as its word. */
static const char *verdict(int result)
{
    return word_or(ma_dkim_result_name(result), "unknown");
}

/* ----------------------------------------------------- command: arc-verify */

static void arc_verify_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] arc-verify [FILE]\n"
          "  ARC chain validation (RFC 8617 5.2) of the message in FILE (standard\n"
          "  input when absent or \"-\"), the keys fetched through the global\n"
          "  resolver (--zone or --nameserver).\n"
          "\n"
          "  The first line is the chain validation status: cv=none (no ARC set),\n"
          "  cv=pass or cv=fail.  Then one line per ARC set, i=1 (the oldest) first:\n"
          "      i=1 d=example.org s=sel ams=pass as=pass\n"
          "      i=2 d=example.net s=arc ams=fail as=none (ARC-Message-Signature: WHY)\n"
          "  d= and s= are those of the set's ARC-Seal (the sealer); ams= and as= the\n"
          "  verdicts on its ARC-Message-Signature and ARC-Seal (pass, fail,\n"
          "  permerror; none when not checked).  The set at which the chain failed\n"
          "  ends with the reason in parentheses; a failure that belongs to no set\n"
          "  (e.g. an ARC-Authentication-Results without an instance) is a last line\n"
          "      problem: WHY\n"
          "  With --json, one object: cv, oldest_pass (0 when every\n"
          "  ARC-Message-Signature verified, else the oldest instance from which on\n"
          "  all did), fail_instance (0: none), problem (\"\" when none) and sets, an\n"
          "  array of {instance, domain, selector, ams, as, reason}.  Exit status 0\n"
          "  whatever the status.\n",
          out);
}

/* The problem text without its "i=N: " prefix when N is instance i. */
static const char *problem_of(const char *problem, unsigned int i)
{
    char prefix[16];
    size_t n;

    snprintf(prefix, sizeof prefix, "i=%u: ", i);
    n = strlen(prefix);
    return strncmp(problem, prefix, n) == 0 ? problem + n : problem;
}

static void arc_print_plain(const ma_job *job)
{
    unsigned int i, n = ma_arc_job_count(job), fail = ma_arc_job_fail_instance(job);
    ma_arc_result cv = ma_arc_job_result(job);
    const char *problem = ma_arc_job_problem(job), *s;

    printf("cv=%s\n", word_or(ma_arc_result_name(cv), "unknown"));
    for (i = 1; i <= n; i++) {
        printf("i=%u d=", i);
        s = ma_arc_job_sealer(job, i);
        put_text(stdout, s, strlen(s));
        fputs(" s=", stdout);
        s = ma_arc_job_seal_selector(job, i);
        put_text(stdout, s, strlen(s));
        printf(" ams=%s as=%s", verdict(ma_arc_job_ams_result(job, i)),
               verdict(ma_arc_job_as_result(job, i)));
        if (cv == MA_ARC_FAIL && i == fail) {
            s = problem_of(problem, i);
            fputs(" (", stdout);
            put_text(stdout, s, strlen(s));
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
    if (cv == MA_ARC_FAIL && (fail == 0 || fail > n)) {
        fputs("problem: ", stdout);
        put_text(stdout, problem, strlen(problem));
        fputc('\n', stdout);
    }
}

static void arc_print_json(const ma_job *job)
{
    unsigned int i, n = ma_arc_job_count(job), fail = ma_arc_job_fail_instance(job);
    ma_arc_result cv = ma_arc_job_result(job);
    const char *problem = ma_arc_job_problem(job);

    fputc('{', stdout);
    put_json_member(stdout, "cv", word_or(ma_arc_result_name(cv), "unknown"), 1);
    printf(",\"oldest_pass\":%u,\"fail_instance\":%u", ma_arc_job_oldest_pass(job), fail);
    put_json_member(stdout, "problem", problem, 0);
    fputs(",\"sets\":[", stdout);
    for (i = 1; i <= n; i++) {
        if (i > 1)
            fputc(',', stdout);
        printf("{\"instance\":%u", i);
        put_json_member(stdout, "domain", ma_arc_job_sealer(job, i), 0);
        put_json_member(stdout, "selector", ma_arc_job_seal_selector(job, i), 0);
        put_json_member(stdout, "ams", verdict(ma_arc_job_ams_result(job, i)), 0);
        put_json_member(stdout, "as", verdict(ma_arc_job_as_result(job, i)), 0);
        put_json_member(stdout, "reason",
                        cv == MA_ARC_FAIL && i == fail ? problem_of(problem, i) : "", 0);
        fputc('}', stdout);
    }
    fputs("]}\n", stdout);
}

/*
 * mailauth arc-verify [FILE]
 *
 * One ma_arc_job attached to a message reader; the message is streamed
 * through it (never held whole), then the job runs.
 */
int cmd_arc_verify(cli *c, int argc, char **argv)
{
    const char *path = NULL;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    int rc, ret = CLI_OK, done;

    if ((ret = message_options("arc-verify", argc, argv, arc_verify_usage, &path, &done)) != CLI_OK ||
        done)
        return ret;

    rc = ma_msg_new(&msg, c->ctx);
    if (rc == MA_OK)
        rc = ma_arc_job_new(&job, c->ctx, NULL);
    if (rc == MA_OK)
        rc = ma_arc_job_attach(job, msg);
    if (rc != MA_OK) {
        errmsg("arc-verify: cannot create the validation: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = stream_message("arc-verify", path, msg);
    if (ret != CLI_OK)
        goto out;
    ret = arc_run(c, job, "arc-verify: validation failed");
    if (ret != CLI_OK)
        goto out;
    if (c->json)
        arc_print_json(job);
    else
        arc_print_plain(job);
out:
    ma_job_free(job);
    ma_msg_free(msg);
    return ret;
}

/* ------------------------------------------------------- command: arc-seal */

static void arc_seal_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] arc-seal --domain D --selector S --key FILE\n"
          "                --authserv-id ID [--headers LIST] [--algorithm ALG]\n"
          "                [--ip IP --helo NAME --sender ADDRESS] [MESSAGE]\n"
          "  Adds the next ARC set (RFC 8617 5.1) to the message in MESSAGE (standard\n"
          "  input when absent or \"-\") and writes its three fields (ARC-Seal,\n"
          "  ARC-Message-Signature, ARC-Authentication-Results), then the message\n"
          "  byte for byte as read.  The message's ARC chain is validated first\n"
          "  (keys through the global resolver): the new set says cv=none when there\n"
          "  was no chain, cv=pass when it validated, and cv=fail when it did not\n"
          "  (its seal then covers only itself and ends the chain, RFC 8617 5.1.2).\n"
          "  A chain whose newest seal already says cv=fail is not extended: the\n"
          "  message is written unchanged (exit 0).  The\n"
          "  ARC-Authentication-Results holds the results of the message's\n"
          "  Authentication-Results fields whose authserv-id is ID (\"none\" when\n"
          "  there is none), or with --ip, --helo and --sender the results of\n"
          "  checking the message here (iprev, SPF, DKIM, ARC, DMARC, as `check`).  The fields use the message's line ending (CRLF, or LF\n"
          "  when its first line ends with a bare LF).  t= is the --now time.\n"
          "\n"
          "  --domain D          the sealing domain, d= (required)\n"
          "  --selector S        the selector, s= (required)\n"
          "  --key FILE          the private key: PEM or DER (PKCS#1 or PKCS#8, RSA\n"
          "                      or Ed25519), or an Ed25519 seed (required)\n"
          "  --authserv-id ID    this hop's authserv-id (RFC 8601 2.5), as in its\n"
          "                      Authentication-Results fields (required)\n"
          "  --headers LIST      fields the ARC-Message-Signature signs,\n"
          "                      colon-separated (must include From; ARC fields and\n"
          "                      Authentication-Results are never signed, RFC 8617\n"
          "                      4.1.2; default: those of RFC 6376 5.4.1 present)\n"
          "  --algorithm ALG     rsa-sha256 or ed25519-sha256: checked against the\n"
          "                      key's type (default: the key's)\n"
          "  --ip IP --helo NAME --sender ADDRESS\n"
          "                      the SMTP client, its HELO name and MAIL FROM: check\n"
          "                      the message here for the ARC-Authentication-Results\n",
          out);
}

/* The options of `arc-seal`, indexes into the table of values. */
enum {
    AS_OPT_DOMAIN = 1,
    AS_OPT_SELECTOR,
    AS_OPT_KEY,
    AS_OPT_AUTHSERV_ID,
    AS_OPT_HEADERS,
    AS_OPT_ALGORITHM,
    AS_OPT_IP,
    AS_OPT_HELO,
    AS_OPT_SENDER,
    AS_OPT_HELP,
    AS_OPT_COUNT
};

/*
 * Check a --headers list: it must name From, and none of the fields RFC
 * 8617 4.1.2 keeps out of an ARC-Message-Signature (the library would
 * leave them out quietly).  NULL when fine, else what is wrong.
 */
static const char *headers_problem(const char *list)
{
    static const char *const refused[] = {
        "arc-seal", "arc-message-signature", "arc-authentication-results",
        "authentication-results"
    };
    size_t k;

    for (k = 0; k < sizeof refused / sizeof refused[0]; k++)
        if (list_has_name(list, refused[k]))
            return "names a field an ARC-Message-Signature must not sign (RFC 8617 4.1.2)";
    return list_has_name(list, "from") ? NULL : "does not include From (RFC 6376 5.4)";
}

/* An authserv-id the library writes bare in the ARC-Authentication-Results:
 * printable ASCII without space, ';', '(', ')', '"' or '\'. */
static int authserv_id_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || strchr(";()\"\\", ch) != NULL)
            return 0;
    }
    return 1;
}

/*
 * mailauth arc-seal --domain D --selector S --key FILE --authserv-id ID
 *                   [--headers LIST] [--algorithm ALG] [MESSAGE]
 *
 * One message reader feeds the validation job and the sealing; the
 * message is read whole, since the new fields are written before it.
 */
int cmd_arc_seal(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "domain", required_argument, NULL, AS_OPT_DOMAIN },
        { "selector", required_argument, NULL, AS_OPT_SELECTOR },
        { "key", required_argument, NULL, AS_OPT_KEY },
        { "authserv-id", required_argument, NULL, AS_OPT_AUTHSERV_ID },
        { "headers", required_argument, NULL, AS_OPT_HEADERS },
        { "algorithm", required_argument, NULL, AS_OPT_ALGORITHM },
        { "ip", required_argument, NULL, AS_OPT_IP },
        { "helo", required_argument, NULL, AS_OPT_HELO },
        { "sender", required_argument, NULL, AS_OPT_SENDER },
        { "help", no_argument, NULL, AS_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *val[AS_OPT_COUNT];
    int seen[AS_OPT_COUNT];
    ma_dkim_sign_opts o = MA_DKIM_SIGN_OPTS_INIT;
    ma_dkim_alg alg = MA_DKIM_ALG_UNKNOWN;
    ma_dkim_signer *signer = NULL;
    ma_arc_seal *seal = NULL;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    const ma_job *arc;
    const char *path = NULL, *why, *nl;
    char *norm = NULL, *data = NULL, *results = NULL, *fields = NULL;
    size_t len = 0;
    ma_ip ip;
    int rc, ret = CLI_OK, here;

    ret = read_options("arc-seal", argc, argv, longopts, AS_OPT_COUNT, AS_OPT_HELP, val, seen, 0, NULL,
                       0, NULL);
    if (ret != CLI_OK)
        return ret;
    if (seen[AS_OPT_HELP]) {
        arc_seal_usage(stdout);
        return CLI_OK;
    }
    if ((ret = read_path_operand("arc-seal", argc, argv, &path)) != CLI_OK)
        return ret;
    if (c->json) {
        errmsg("arc-seal: --json does not apply: the output is the sealed message");
        return CLI_USAGE;
    }
    if (val[AS_OPT_DOMAIN] == NULL || val[AS_OPT_SELECTOR] == NULL || val[AS_OPT_KEY] == NULL ||
        val[AS_OPT_AUTHSERV_ID] == NULL) {
        errmsg("arc-seal: --domain, --selector, --key and --authserv-id are required (try --help)");
        return CLI_USAGE;
    }
    if (val[AS_OPT_ALGORITHM] != NULL) {
        alg = parse_sign_alg(val[AS_OPT_ALGORITHM]);
        if (alg == MA_DKIM_ALG_UNKNOWN) {
            errmsg("arc-seal: --algorithm: '%s' is not rsa-sha256 or ed25519-sha256",
                   val[AS_OPT_ALGORITHM]);
            return CLI_USAGE;
        }
    }
    if (val[AS_OPT_HEADERS] != NULL && (why = headers_problem(val[AS_OPT_HEADERS])) != NULL) {
        errmsg("arc-seal: --headers: '%s' %s", val[AS_OPT_HEADERS], why);
        return CLI_USAGE;
    }
    here = val[AS_OPT_IP] != NULL || val[AS_OPT_HELO] != NULL || val[AS_OPT_SENDER] != NULL;
    if (here && (val[AS_OPT_IP] == NULL || val[AS_OPT_HELO] == NULL || val[AS_OPT_SENDER] == NULL)) {
        errmsg("arc-seal: --ip, --helo and --sender go together (try --help)");
        return CLI_USAGE;
    }
    if (here && ma_ip_parse(&ip, val[AS_OPT_IP], strlen(val[AS_OPT_IP])) != MA_OK) {
        errmsg("arc-seal: --ip: '%s' is not an IPv4 or IPv6 address", val[AS_OPT_IP]);
        return CLI_USAGE;
    }
    if (!authserv_id_ok(val[AS_OPT_AUTHSERV_ID])) {
        errmsg("arc-seal: --authserv-id: '%s' is not a token (printable ASCII without space, "
               "';', '(', ')', '\"' or '\\')", val[AS_OPT_AUTHSERV_ID]);
        return CLI_USAGE;
    }
    /* The names as verifiers will read them (a selector may have several
     * labels, RFC 6376 3.1). */
    if (ma_domain_normalize(&norm, c->ctx, val[AS_OPT_DOMAIN], strlen(val[AS_OPT_DOMAIN]),
                            MA_DOMAIN_ALLOW_UNDERSCORE) != MA_OK) {
        errmsg("arc-seal: --domain: '%s' is not a valid domain name", val[AS_OPT_DOMAIN]);
        return CLI_USAGE;
    }
    ma_free(c->ctx, norm);
    norm = NULL;
    if (ma_domain_normalize(&norm, c->ctx, val[AS_OPT_SELECTOR], strlen(val[AS_OPT_SELECTOR]),
                            MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ALLOW_SINGLE_LABEL) != MA_OK) {
        errmsg("arc-seal: --selector: '%s' is not a valid selector", val[AS_OPT_SELECTOR]);
        return CLI_USAGE;
    }
    ma_free(c->ctx, norm);
    norm = NULL;
    o.domain = val[AS_OPT_DOMAIN];
    o.selector = val[AS_OPT_SELECTOR];
    o.headers = val[AS_OPT_HEADERS];

    ret = cli_load_signer(c, "arc-seal", "", &o, val[AS_OPT_KEY], alg, &signer);
    if (ret != CLI_OK)
        goto out;
    rc = ma_msg_new(&msg, c->ctx);
    if (rc == MA_OK && here) {
        /* The results of this hop come from checking the message here:
           the authenticator's ARC validation is the one sealing reads. */
        ma_auth_params p;
        ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
        p.ip = val[AS_OPT_IP];
        p.helo = val[AS_OPT_HELO];
        p.mail_from = val[AS_OPT_SENDER];
        p.authserv_id = val[AS_OPT_AUTHSERV_ID];
        rc = ma_auth_job_new(&job, c->ctx, &p);
        if (rc == MA_OK)
            rc = ma_auth_job_attach(job, msg);
    } else if (rc == MA_OK) {
        rc = ma_arc_job_new(&job, c->ctx, NULL);
        if (rc == MA_OK)
            rc = ma_arc_job_attach(job, msg);
    }
    if (rc == MA_OK)
        rc = ma_arc_seal_new(&seal, signer, val[AS_OPT_AUTHSERV_ID]);
    if (rc == MA_OK)
        rc = ma_arc_seal_attach(seal, msg);
    if (rc != MA_OK) {
        errmsg("arc-seal: cannot start the sealing: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }

    ret = read_message("arc-seal", path, ARC_MESSAGE_MAX, msg, &data, &len);
    if (ret != CLI_OK)
        goto out;
    ret = arc_run(c, job, here ? "arc-seal: the checks failed" : "arc-seal: validation failed");
    if (ret != CLI_OK)
        goto out;
    arc = here ? ma_auth_job_check(job, MA_AUTH_ARC) : job;
    if (arc == NULL) {
        errmsg("arc-seal: validation failed: %s", ma_auth_job_problem(job, MA_AUTH_ARC));
        ret = CLI_ERROR;
        goto out;
    }
    if (here)
        rc = ma_auth_job_results(job, &results);
    else
        rc = ma_authres_select_text(&results, c->ctx, msg, val[AS_OPT_AUTHSERV_ID]);
    if (rc == MA_OK)
        rc = ma_arc_seal_fields(seal, arc, results, &fields);
    if (rc == MA_ELIMIT) {
        errmsg("arc-seal: %s: the chain has %u ARC sets already, the most there may be "
               "(RFC 8617 4.2.1)", input_name(path), ma_arc_job_count(arc));
        ret = CLI_ERROR;
        goto out;
    }
    if (rc != MA_OK) {
        errmsg("arc-seal: sealing failed: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    /* fields is NULL for a chain whose newest seal says cv=fail: the
     * message goes unchanged.  The line ending of the message's first
     * line decides the fields'. */
    if (fields != NULL) {
        nl = memchr(data, '\n', len);
        put_fields(stdout, fields, nl != NULL && (nl == data || nl[-1] != '\r'));
    }
    fwrite(data, 1, len, stdout);
out:
    free(data);
    ma_free(c->ctx, results);
    ma_free(c->ctx, fields);
    ma_arc_seal_free(seal);
    ma_job_free(job);
    ma_msg_free(msg);
    ma_dkim_signer_free(signer);
    return ret;
}

/* -------------------------------------------------------- command: authres */

static void authres_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] authres [--authserv-id ID] [FILE]\n"
          "  Parses every Authentication-Results field (RFC 8601) of the message in\n"
          "  FILE (standard input when absent or \"-\") and prints them as JSON\n"
          "  (always; one line): an array with one object per field, in message\n"
          "  order:\n"
          "      {\"field\":N, \"authserv_id\":ID, \"version\":V, \"results\":[\n"
          "        {\"method\":M, \"version\":V, \"result\":R, \"reason\":TEXT,\n"
          "         \"properties\":[{\"ptype\":P, \"property\":NAME, \"value\":VALUE}]}]}\n"
          "  field is the field's position in the header (0: the topmost field);\n"
          "  a version is as written, or 1 when absent (RFC 8601 2.2); reason is \"\"\n"
          "  without one; a result list is empty for a field that says \"none\";\n"
          "  keywords are in lower case, values decoded (quotes and escapes\n"
          "  removed).  A field that does not parse is\n"
          "      {\"field\":N, \"error\":WHY, \"offset\":OFFSET}\n"
          "  with the byte offset of the error in the field's value (what follows\n"
          "  the colon).  Exit status 0 whatever the fields hold.\n"
          "\n"
          "  --authserv-id ID   only the fields of this authserv-id (compared\n"
          "                     without regard to case, RFC 8601 5), malformed\n"
          "                     ones included when their authserv-id can be read\n",
          out);
}

/* Case-insensitive ASCII comparison of n bytes at a with the string b. */
static int same_id(const char *a, size_t n, const char *b)
{
    size_t i;

    if (strlen(b) != n)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

/*
 * Whether a field value that did not parse starts with authserv-id id:
 * after WSP, line ends and comments, a run of bytes up to WSP, ';' or '('
 * (a token as the authserv-id usually is), or a quoted-string without
 * escapes.  A value this cannot read is never the id's.
 */
static int malformed_is_id(const char *v, size_t len, const char *id)
{
    size_t i = 0, b;
    int depth;

    for (;;) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
            i++;
        if (i >= len || v[i] != '(')
            break;
        for (depth = 0; i < len; i++) {
            if (v[i] == '\\' && i + 1 < len) {
                i++;
                continue;
            }
            if (v[i] == '(')
                depth++;
            else if (v[i] == ')' && --depth == 0) {
                i++;
                break;
            }
        }
        if (depth != 0)
            return 0;
    }
    if (i < len && v[i] == '"') {
        b = ++i;
        while (i < len && v[i] != '"' && v[i] != '\\')
            i++;
        return i < len && v[i] == '"' && same_id(v + b, i - b, id);
    }
    b = i;
    while (i < len && strchr(" \t\r\n;(", v[i]) == NULL)
        i++;
    return i > b && same_id(v + b, i - b, id);
}

/* Print one parsed field as a JSON object. */
static void authres_put_field(long field, const ma_authres *ar)
{
    size_t i, j, n = ma_authres_count(ar);
    unsigned long v;

    printf("{\"field\":%ld", field);
    put_json_member(stdout, "authserv_id", ma_authres_authserv_id(ar), 0);
    v = ma_authres_version(ar);
    printf(",\"version\":%lu,\"results\":[", v != 0 ? v : 1UL);
    for (i = 0; i < n; i++) {
        size_t np = ma_authres_prop_count(ar, i);
        const char *reason = ma_authres_reason(ar, i);

        if (i > 0)
            fputc(',', stdout);
        fputc('{', stdout);
        put_json_member(stdout, "method", ma_authres_method(ar, i), 1);
        v = ma_authres_method_version(ar, i);
        printf(",\"version\":%lu", v != 0 ? v : 1UL);
        put_json_member(stdout, "result", ma_authres_result(ar, i), 0);
        put_json_member(stdout, "reason", reason != NULL ? reason : "", 0);
        fputs(",\"properties\":[", stdout);
        for (j = 0; j < np; j++) {
            const char *ptype = "", *prop = "", *value = "";
            if (ma_authres_prop(ar, i, j, &ptype, &prop, &value) != MA_OK)
                continue;
            if (j > 0)
                fputc(',', stdout);
            fputc('{', stdout);
            put_json_member(stdout, "ptype", ptype, 1);
            put_json_member(stdout, "property", prop, 0);
            put_json_member(stdout, "value", value, 0);
            fputc('}', stdout);
        }
        fputs("]}", stdout);
    }
    fputs("]}", stdout);
}

/*
 * mailauth authres [--authserv-id ID] [FILE]
 *
 * The message is streamed through a reader (the body is not kept); each
 * Authentication-Results field, found with ma_msg_find(), is parsed on
 * its own with ma_authres_parse().  The output is built in memory and
 * written once every field is read, so an error leaves no half array.
 */
int cmd_authres(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "authserv-id", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *path = NULL, *id = NULL;
    ma_msg *msg = NULL;
    ma_authres **parsed = NULL;
    const char **errs = NULL;
    size_t *offs = NULL, nf, k, n = 0;
    long *idx = NULL, f;
    int opt, rc, ret = CLI_OK, first = 1;

    getopt_restart();
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            authres_usage(stdout);
            return CLI_OK;
        }
        if (opt == 'a') {
            if (id != NULL) {
                errmsg("authres: option '%s' given twice", argv[optind - 1]);
                return CLI_USAGE;
            }
            id = optarg;
            continue;
        }
        return option_error("authres", opt, argv);
    }
    if ((ret = read_path_operand("authres", argc, argv, &path)) != CLI_OK)
        return ret;
    if (id != NULL && id[0] == '\0') {
        errmsg("authres: --authserv-id: the authserv-id is empty");
        return CLI_USAGE;
    }

    rc = ma_msg_new(&msg, c->ctx);
    if (rc != MA_OK) {
        errmsg("authres: cannot create the message reader: %s", ma_status_str(rc));
        return CLI_ERROR;
    }
    ret = stream_message("authres", path, msg);
    if (ret != CLI_OK)
        goto out;

    /* At most one entry per header field. */
    nf = ma_msg_field_count(msg);
    if (nf > 0) {
        parsed = calloc(nf, sizeof *parsed);
        errs = calloc(nf, sizeof *errs);
        offs = calloc(nf, sizeof *offs);
        idx = calloc(nf, sizeof *idx);
        if (parsed == NULL || errs == NULL || offs == NULL || idx == NULL) {
            errmsg("authres: out of memory");
            ret = CLI_ERROR;
            goto out;
        }
    }
    for (f = ma_msg_find(msg, "Authentication-Results", 0); f >= 0 && n < nf;
         f = ma_msg_find(msg, "Authentication-Results", (size_t)f + 1)) {
        const char *value, *why = "";
        size_t vlen, off = 0;
        ma_authres *ar = NULL;

        if (ma_msg_field(msg, (size_t)f, NULL, NULL, &value, &vlen) != MA_OK)
            continue;
        rc = ma_authres_parse(&ar, &off, &why, c->ctx, value, vlen);
        if (rc == MA_ENOMEM || rc == MA_EINVAL) {
            errmsg("authres: cannot parse field %ld: %s", f, ma_status_str(rc));
            ret = CLI_ERROR;
            goto out;
        }
        if (rc == MA_OK) {
            const char *got = ma_authres_authserv_id(ar);
            if (id != NULL && !same_id(got, strlen(got), id)) {
                ma_authres_free(ar);
                continue;
            }
        } else {
            if (id != NULL && !malformed_is_id(value, vlen, id))
                continue;
            if (why == NULL || why[0] == '\0')
                why = ma_status_str(rc);
        }
        parsed[n] = ar;
        errs[n] = why;
        offs[n] = off;
        idx[n] = f;
        n++;
    }

    fputc('[', stdout);
    for (k = 0; k < n; k++) {
        if (!first)
            fputc(',', stdout);
        first = 0;
        if (parsed[k] != NULL) {
            authres_put_field(idx[k], parsed[k]);
        } else {
            printf("{\"field\":%ld", idx[k]);
            put_json_member(stdout, "error", errs[k], 0);
            printf(",\"offset\":%lu}", (unsigned long)offs[k]);
        }
    }
    fputs("]\n", stdout);
out:
    for (k = 0; k < n; k++)
        ma_authres_free(parsed[k]);
    free(parsed);
    free(errs);
    free(offs);
    free(idx);
    ma_msg_free(msg);
    return ret;
}
