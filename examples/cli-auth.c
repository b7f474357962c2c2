/*
 * mailauth: the reverse-DNS and the one-call commands.
 *
 *     mailauth rdns --ip IP [--helo NAME]
 *     mailauth check --ip IP --helo NAME --sender ADDRESS [--authserv-id ID]
 *                    [--trusted-sealer DOMAIN]... [--mode 9989|7489]
 *                    [--psl FILE] [FILE]
 *
 * rdns runs one iprev job (with the HELO checks when --helo is given);
 * check runs the one-call authenticator (ma_auth_job_*: iprev, SPF, DKIM,
 * ARC, DMARC) over a message and prints its Authentication-Results field.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* At most this many --trusted-sealer options. */
#define CHECK_SEALERS_MAX 64

/* ---------------------------------------------------------------- rdns */

static void rdns_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] rdns --ip IP [--helo NAME]\n"
          "  Reverse DNS of the SMTP client at IP (iprev, RFC 8601 3): its PTR names,\n"
          "  each looked up forward (at most 10); pass when one points back to IP.\n"
          "\n"
          "  --ip IP       the SMTP client's address, IPv4 or IPv6 (required)\n"
          "  --helo NAME   the HELO/EHLO name: also run the HELO checks\n"
          "\n"
          "  The first line is the iprev verdict (pass, fail, temperror, permerror)\n"
          "  followed by the verified names, e.g. \"pass mail.example.com\".  With\n"
          "  --helo, one line per HELO check follows: \"helo-CHECK VERDICT\" for the\n"
          "  checks syntax, resolves and matches-rdns (verdicts pass, fail,\n"
          "  temperror).  A last line \"problem: TEXT\" says why, when there is\n"
          "  something to say.  With --json, one object: iprev, names, helo\n"
          "  {syntax, resolves, matches_rdns} (with --helo), problem, authres.\n"
          "  Exit status 0 whatever the verdict.\n",
          out);
}

enum { RD_OPT_IP = 1, RD_OPT_HELO, RD_OPT_HELP, RD_OPT_COUNT };

static const char *helo_word(const ma_job *job, int which)
{
    const char *w = ma_helo_result_name(ma_iprev_job_helo(job, which));
    return w != NULL ? w : "none";
}

/* ,"names":[...] for an iprev job. */
static void put_json_names(const ma_job *iprev)
{
    size_t i, n = ma_iprev_job_name_count(iprev);
    fputs(",\"names\":[", stdout);
    for (i = 0; i < n; i++) {
        if (i > 0)
            fputc(',', stdout);
        put_json_cstr(stdout, ma_iprev_job_name(iprev, i));
    }
    fputc(']', stdout);
}

/* ,"helo":{"syntax":..,"resolves":..,"matches_rdns":..} */
static void put_json_helo(const ma_job *iprev)
{
    fputs(",\"helo\":{", stdout);
    put_json_member(stdout, "syntax", helo_word(iprev, MA_HELO_SYNTAX), 1);
    put_json_member(stdout, "resolves", helo_word(iprev, MA_HELO_RESOLVES), 0);
    put_json_member(stdout, "matches_rdns", helo_word(iprev, MA_HELO_MATCHES_RDNS), 0);
    fputc('}', stdout);
}

int cmd_rdns(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ip", required_argument, NULL, RD_OPT_IP },
        { "helo", required_argument, NULL, RD_OPT_HELO },
        { "help", no_argument, NULL, RD_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *val[RD_OPT_COUNT];
    int seen[RD_OPT_COUNT];
    ma_iprev_params p = MA_IPREV_PARAMS_INIT;
    ma_job *job = NULL;
    ma_resolver *resolver;
    char *authres = NULL;
    const char *word, *problem;
    int rc, ret, which;
    size_t i, n;

    ret = read_options("rdns", argc, argv, longopts, RD_OPT_COUNT, RD_OPT_HELP, val, seen, 0, NULL,
                       0, NULL);
    if (ret != CLI_OK)
        return ret;
    if (seen[RD_OPT_HELP]) {
        rdns_usage(stdout);
        return CLI_OK;
    }
    if (optind < argc) {
        errmsg("rdns: unexpected argument '%s' (try --help)", argv[optind]);
        return CLI_USAGE;
    }
    if (val[RD_OPT_IP] == NULL) {
        errmsg("rdns: --ip is required (try --help)");
        return CLI_USAGE;
    }
    if (ma_ip_parse(&p.ip, val[RD_OPT_IP], strlen(val[RD_OPT_IP])) != MA_OK) {
        errmsg("rdns: --ip: '%s' is not an IPv4 or IPv6 address", val[RD_OPT_IP]);
        return CLI_USAGE;
    }
    if (val[RD_OPT_HELO] != NULL && val[RD_OPT_HELO][0] == '\0') {
        errmsg("rdns: --helo: the HELO name is empty");
        return CLI_USAGE;
    }
    p.helo = val[RD_OPT_HELO];
    rc = ma_iprev_job_new(&job, c->ctx, &p);
    if (rc != MA_OK) {
        errmsg("rdns: cannot create the check: %s", ma_status_str(rc));
        return CLI_ERROR;
    }
    ret = cli_run_job(c, job, "rdns", &resolver);
    if (ret == CLI_OK && (rc = ma_iprev_authres(&authres, job)) != MA_OK) {
        errmsg("rdns: cannot format the result: %s", ma_status_str(rc));
        ret = CLI_ERROR;
    }
    if (ret != CLI_OK)
        goto out;
    word = ma_iprev_result_name(ma_iprev_job_result(job));
    problem = ma_iprev_job_problem(job);
    n = ma_iprev_job_name_count(job);
    if (c->json) {
        fputc('{', stdout);
        put_json_member(stdout, "iprev", word != NULL ? word : "unknown", 1);
        put_json_names(job);
        if (p.helo != NULL)
            put_json_helo(job);
        put_json_member(stdout, "problem", problem, 0);
        put_json_member(stdout, "authres", authres, 0);
        fputs("}\n", stdout);
        goto out;
    }
    fputs(word != NULL ? word : "unknown", stdout);
    for (i = 0; i < n; i++) {
        fputc(' ', stdout);
        put_text(stdout, ma_iprev_job_name(job, i), strlen(ma_iprev_job_name(job, i)));
    }
    fputc('\n', stdout);
    if (p.helo != NULL)
        for (which = 0; which < MA_HELO_CHECK_COUNT; which++)
            printf("helo-%s %s\n", ma_helo_check_name(which), helo_word(job, which));
    if (problem[0] != '\0') {
        fputs("problem: ", stdout);
        put_text(stdout, problem, strlen(problem));
        fputc('\n', stdout);
    }
out:
    ma_free(c->ctx, authres);
    ma_job_free(job);
    return ret;
}

/* --------------------------------------------------------------- check */

static void check_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] check --ip IP --helo NAME --sender ADDRESS\n"
          "                [--authserv-id ID] [--trusted-sealer DOMAIN]...\n"
          "                [--mode 9989|7489] [--psl FILE] [FILE]\n"
          "  Every check an MTA makes on an incoming message, in one run: iprev and\n"
          "  the HELO checks, SPF, DKIM, ARC and DMARC.  Reads the message from FILE\n"
          "  (standard input when absent or \"-\").\n"
          "\n"
          "  --ip IP                  the SMTP client's address (required)\n"
          "  --helo NAME              the HELO/EHLO name (required)\n"
          "  --sender ADDRESS         the MAIL FROM address (required; \"\" or \"<>\" is\n"
          "                           the null reverse-path: SPF checks the HELO name)\n"
          "  --authserv-id ID         this host's authserv-id (default: the host name)\n"
          "  --trusted-sealer DOMAIN  an ARC sealer whose passing chain may override a\n"
          "                           DMARC failure (repeatable)\n"
          "  --mode 9989|7489         DMARC rules: RFC 9989 (default) or RFC 7489\n"
          "  --psl FILE               RFC 7489 mode: the Public Suffix List file\n"
          "\n"
          "  Prints the Authentication-Results field (spf=, dkim=, dmarc=, arc= and\n"
          "  iprev=), folded, with newlines for line ends.  With --json, one object:\n"
          "  authserv_id, iprev {result, names, helo, problem}, spf {result, domain,\n"
          "  identity, mechanism, problem}, dkim [as dkim-verify --json], arc\n"
          "  {result, sets, oldest_pass, fail_instance, sealers, problem}, dmarc\n"
          "  {result, policy, disposition, override, header_from, policy_domain,\n"
          "  spf_aligned, dkim_aligned, reason, problem}, authres.\n"
          "  Exit status 0 whatever the verdicts.\n",
          out);
}

enum {
    CK_OPT_IP = 1,
    CK_OPT_HELO,
    CK_OPT_SENDER,
    CK_OPT_AUTHSERV_ID,
    CK_OPT_SEALER,
    CK_OPT_MODE,
    CK_OPT_PSL,
    CK_OPT_HELP,
    CK_OPT_COUNT
};

/* The verdict word of a check, or "none" when it did not run. */
static const char *verdict(const ma_job *job, int check)
{
    const char *w = ma_auth_job_verdict(job, check);
    return w != NULL ? w : "none";
}

static void check_print_json(const ma_job *job, const char *id, const char *authres)
{
    const ma_job *iprev = ma_auth_job_check(job, MA_AUTH_IPREV);
    const ma_job *spf = ma_auth_job_check(job, MA_AUTH_SPF);
    const ma_job *dkim = ma_auth_job_check(job, MA_AUTH_DKIM);
    const ma_job *arc = ma_auth_job_check(job, MA_AUTH_ARC);
    const ma_job *dmarc = ma_auth_job_check(job, MA_AUTH_DMARC);
    const char *w;
    size_t i, n;
    unsigned int k, sets;

    fputc('{', stdout);
    put_json_member(stdout, "authserv_id", id, 1);

    fputs(",\"iprev\":{", stdout);
    put_json_member(stdout, "result", verdict(job, MA_AUTH_IPREV), 1);
    if (iprev != NULL) {
        put_json_names(iprev);
        put_json_helo(iprev);
    }
    put_json_member(stdout, "problem", ma_auth_job_problem(job, MA_AUTH_IPREV), 0);

    fputs("},\"spf\":{", stdout);
    put_json_member(stdout, "result", verdict(job, MA_AUTH_SPF), 1);
    put_json_member(stdout, "domain", spf != NULL ? ma_spf_job_domain(spf) : "", 0);
    put_json_member(stdout, "identity", spf != NULL ? ma_spf_job_identity(spf) : "", 0);
    put_json_member(stdout, "mechanism", spf != NULL ? ma_spf_job_mechanism(spf) : "", 0);
    put_json_member(stdout, "problem", ma_auth_job_problem(job, MA_AUTH_SPF), 0);

    fputs("},\"dkim\":[", stdout);
    n = dkim != NULL ? ma_dkim_job_count(dkim) : 0;
    for (i = 0; i < n; i++) {
        if (i > 0)
            fputc(',', stdout);
        dkim_print_json(dkim, i);
    }

    fputs("],\"arc\":{", stdout);
    put_json_member(stdout, "result", verdict(job, MA_AUTH_ARC), 1);
    sets = arc != NULL ? ma_arc_job_count(arc) : 0;
    printf(",\"sets\":%u,\"oldest_pass\":%u,\"fail_instance\":%u,\"sealers\":[", sets,
           arc != NULL ? ma_arc_job_oldest_pass(arc) : 0,
           arc != NULL ? ma_arc_job_fail_instance(arc) : 0);
    for (k = 1; k <= sets; k++) {
        if (k > 1)
            fputc(',', stdout);
        put_json_cstr(stdout, ma_arc_job_sealer(arc, k));
    }
    fputc(']', stdout);
    put_json_member(stdout, "problem", ma_auth_job_problem(job, MA_AUTH_ARC), 0);

    fputs("},\"dmarc\":{", stdout);
    put_json_member(stdout, "result", verdict(job, MA_AUTH_DMARC), 1);
    w = dmarc != NULL ? ma_dmarc_policy_name(ma_dmarc_job_policy(dmarc)) : "";
    put_json_member(stdout, "policy", w != NULL && w[0] != '\0' ? w : "none", 0);
    w = dmarc != NULL ? ma_dmarc_disposition_name(ma_dmarc_job_disposition(dmarc)) : "none";
    put_json_member(stdout, "disposition", w != NULL ? w : "unknown", 0);
    w = dmarc != NULL ? ma_dmarc_override_name(ma_dmarc_job_override(dmarc)) : "";
    put_json_member(stdout, "override", w != NULL ? w : "", 0);
    put_json_member(stdout, "header_from", dmarc != NULL ? ma_dmarc_job_author_domain(dmarc) : "", 0);
    put_json_member(stdout, "policy_domain", dmarc != NULL ? ma_dmarc_job_policy_domain(dmarc) : "", 0);
    put_json_member(stdout, "spf_aligned", dmarc != NULL ? ma_dmarc_job_spf_aligned(dmarc) : "", 0);
    put_json_member(stdout, "dkim_aligned", dmarc != NULL ? ma_dmarc_job_dkim_aligned(dmarc) : "", 0);
    w = dmarc != NULL ? ma_dmarc_reason_name(ma_dmarc_job_reason(dmarc)) : "";
    put_json_member(stdout, "reason", w != NULL ? w : "", 0);
    put_json_member(stdout, "problem", ma_auth_job_problem(job, MA_AUTH_DMARC), 0);
    fputc('}', stdout);
    put_json_member(stdout, "authres", authres, 0);
    fputs("}\n", stdout);
}

/*
 * mailauth check --ip IP --helo NAME --sender ADDRESS [...] [FILE]
 *
 * One ma_auth job: iprev and SPF run before the message is read, the
 * message is streamed through the reader, then the job finishes through
 * the resolver of the global options.
 */
int cmd_check(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ip", required_argument, NULL, CK_OPT_IP },
        { "helo", required_argument, NULL, CK_OPT_HELO },
        { "sender", required_argument, NULL, CK_OPT_SENDER },
        { "authserv-id", required_argument, NULL, CK_OPT_AUTHSERV_ID },
        { "trusted-sealer", required_argument, NULL, CK_OPT_SEALER },
        { "mode", required_argument, NULL, CK_OPT_MODE },
        { "psl", required_argument, NULL, CK_OPT_PSL },
        { "help", no_argument, NULL, CK_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *val[CK_OPT_COUNT];
    int seen[CK_OPT_COUNT];
    const char *sealers[CHECK_SEALERS_MAX];
    size_t nsealers = 0;
    char host[256];
    ma_auth_params p;
    ma_dmarc_opts dopts = MA_DMARC_OPTS_INIT;
    ma_psl *psl = NULL;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    ma_resolver *resolver;
    ma_ip ip;
    char *field = NULL;
    const char *path = NULL;
    int rc, ret = CLI_OK;

    ret = read_options("check", argc, argv, longopts, CK_OPT_COUNT, CK_OPT_HELP, val, seen,
                       CK_OPT_SEALER, sealers, CHECK_SEALERS_MAX, &nsealers);
    if (ret != CLI_OK)
        return ret;
    if (seen[CK_OPT_HELP]) {
        check_usage(stdout);
        return CLI_OK;
    }
    if ((ret = read_path_operand("check", argc, argv, &path)) != CLI_OK)
        return ret;
    if (val[CK_OPT_IP] == NULL || val[CK_OPT_HELO] == NULL || val[CK_OPT_SENDER] == NULL) {
        errmsg("check: --ip, --helo and --sender are required (try --help)");
        return CLI_USAGE;
    }
    if (ma_ip_parse(&ip, val[CK_OPT_IP], strlen(val[CK_OPT_IP])) != MA_OK) {
        errmsg("check: --ip: '%s' is not an IPv4 or IPv6 address", val[CK_OPT_IP]);
        return CLI_USAGE;
    }
    if (val[CK_OPT_HELO][0] == '\0') {
        errmsg("check: --helo: the HELO name is empty");
        return CLI_USAGE;
    }
    if (val[CK_OPT_MODE] != NULL) {
        dopts.mode = parse_dmarc_mode(val[CK_OPT_MODE]);
        if (dopts.mode < 0) {
            errmsg("check: --mode: '%s' is not 9989 or 7489", val[CK_OPT_MODE]);
            return CLI_USAGE;
        }
    }
    if (val[CK_OPT_PSL] != NULL && dopts.mode != MA_DMARC_MODE_7489) {
        errmsg("check: --psl applies to --mode 7489 only (RFC 9989 walks the DNS tree)");
        return CLI_USAGE;
    }
    if (val[CK_OPT_AUTHSERV_ID] == NULL) {
        /* An MTA's authserv-id is usually its host name (RFC 8601 2.5). */
        if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        val[CK_OPT_AUTHSERV_ID] = host;
    }

    ma_auth_params_init(&p, MA_AUTH_PARAMS_VERSION);
    p.ip = val[CK_OPT_IP];
    p.helo = val[CK_OPT_HELO];
    p.mail_from = val[CK_OPT_SENDER];
    p.authserv_id = val[CK_OPT_AUTHSERV_ID];
    p.trusted_sealers = sealers;
    p.ntrusted_sealers = nsealers;
    p.dmarc = &dopts;
    if (dopts.mode == MA_DMARC_MODE_7489) {
        rc = ma_psl_new(&psl, c->ctx, val[CK_OPT_PSL]);
        if (rc != MA_OK) {
            if (rc == MA_EIO)
                errmsg("check: --psl: cannot read %s as a Public Suffix List", val[CK_OPT_PSL]);
            else
                errmsg("check: cannot load the Public Suffix List: %s", ma_status_str(rc));
            return CLI_ERROR;
        }
        dopts.psl = psl;
    }
    rc = ma_auth_job_new(&job, c->ctx, &p);
    if (rc == MA_EINVAL) {
        /* The address was checked above: the rest is the authserv-id or a sealer. */
        errmsg("check: --authserv-id '%s' is not a token, or a --trusted-sealer is not a domain",
               p.authserv_id);
        ret = CLI_USAGE;
        goto out;
    }
    if (rc == MA_OK)
        rc = ma_msg_new(&msg, c->ctx);
    if (rc == MA_OK)
        rc = ma_auth_job_attach(job, msg);
    if (rc != MA_OK) {
        errmsg("check: cannot create the evaluation: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    /* iprev and SPF need no message: they run first (an MTA would run them
       while the client sends its DATA). */
    ret = cli_resolver(c, &resolver);
    if (ret != CLI_OK)
        goto out;
    rc = ma_job_run(job, resolver);
    if (rc != MA_JOB_NEED_INPUT && rc != MA_JOB_DONE) {
        errmsg("check: %s", ma_job_error(job)[0] != '\0' ? ma_job_error(job) : ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = stream_message("check", path, msg);
    if (ret == CLI_OK)
        ret = cli_run_job(c, job, "check", &resolver);
    if (ret != CLI_OK)
        goto out;
    rc = ma_auth_job_authres(job, &field);
    if (rc != MA_OK) {
        errmsg("check: cannot write the Authentication-Results field: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    if (c->json) {
        check_print_json(job, p.authserv_id, field);
    } else {
        put_field(stdout, field);
        fputc('\n', stdout);
    }
out:
    ma_free(c->ctx, field);
    ma_job_free(job);
    ma_msg_free(msg);
    ma_psl_free(psl);
    return ret;
}
