/*
 * mailauth: the operator's command-line tool for libmailauth.
 *
 *     mailauth [GLOBAL OPTIONS] COMMAND [ARGS...]
 *
 * It uses the public API only, like any other program would.  Global
 * options choose the resolver (--zone files through the static resolver,
 * --nameserver or /etc/resolv.conf through the ldns stub resolver), the
 * clock (--now) and the output format (--json).  Each command is one
 * function in the table `commands` below; a command gets the parsed global
 * state and its own arguments and returns the process exit status:
 *
 *     0  the evaluation ran, whatever its outcome (NXDOMAIN is a result);
 *     1  input/output or internal error (unreadable zone file...);
 *     2  usage error (unknown option or command, bad arguments).
 *
 * Every error is one line on stderr, starting with "mailauth: ".
 *
 * The DKIM commands:
 *
 *     mailauth dkim-verify [FILE]
 *     mailauth dkim-sign --domain D --selector S --key FILE [SIGNING OPTIONS]
 *                        [--next --domain D --selector S --key FILE ...] [FILE]
 *     mailauth dkim-keygen --algorithm ALG [--bits N] --selector S --domain D
 *                          [--out FILE]
 *
 * dkim-sign makes several signatures in one run when its signing options
 * are given again after --next: each group of options (the first, and one
 * after each --next) is one signer, starting from the defaults; all of them
 * sign the message in one pass and their fields come out in the order the
 * groups were given, above the message.
 *
 * The DMARC commands:
 *
 *     mailauth dmarc --ip IP --helo NAME --sender ADDRESS [--mode 9989|7489]
 *                    [--psl FILE] [--trusted-sealer DOMAIN]... [FILE]
 *     mailauth dmarc-record [--mode 9989|7489] RECORD
 *
 * dmarc runs SPF, DKIM and DMARC over one message and prints the verdict
 * line, then key=value details; dmarc-record prints a record's effective
 * values (ma_dmarc_record_effective).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mailauth/mailauth.h>

#include "cli.h"

static int cmd_dns(cli *c, int argc, char **argv);
static int cmd_spf(cli *c, int argc, char **argv);
static int cmd_dkim_verify(cli *c, int argc, char **argv);
static int cmd_dkim_sign(cli *c, int argc, char **argv);
static int cmd_dkim_keygen(cli *c, int argc, char **argv);
static int cmd_dmarc(cli *c, int argc, char **argv);
static int cmd_dmarc_record(cli *c, int argc, char **argv);

static const command commands[] = {
    { "dns", "TYPE NAME", "look up NAME's records of TYPE (txt, a, aaaa, mx, ptr)", cmd_dns },
    { "spf", "--ip IP [OPTIONS]", "SPF check of a client address (RFC 7208)", cmd_spf },
    { "dkim-verify", "[FILE]", "verify a message's DKIM signatures (RFC 6376)", cmd_dkim_verify },
    { "dkim-sign", "--domain D --selector S --key FILE [OPTIONS] [--next ...] [FILE]",
      "add DKIM signatures to a message", cmd_dkim_sign },
    { "dkim-keygen", "--algorithm ALG --selector S --domain D [OPTIONS]",
      "make a DKIM key pair and its DNS record", cmd_dkim_keygen },
    { "dmarc", "--ip IP --helo NAME --sender ADDRESS [OPTIONS] [FILE]",
      "DMARC check of a message: SPF, DKIM, then the policy", cmd_dmarc },
    { "dmarc-record", "[--mode 9989|7489] RECORD",
      "a DMARC record's effective values, or its error", cmd_dmarc_record },
    { "arc-verify", "[FILE]", "validate a message's ARC chain (RFC 8617)", cmd_arc_verify },
    { "arc-seal", "--domain D --selector S --key FILE --authserv-id ID [OPTIONS] [FILE]",
      "add the next ARC set to a message", cmd_arc_seal },
    { "authres", "[FILE]", "a message's Authentication-Results fields as JSON", cmd_authres },
    { "rdns", "--ip IP [--helo NAME]", "reverse DNS (iprev) and HELO checks of a client",
      cmd_rdns },
    { "check", "--ip IP --helo NAME --sender ADDRESS [OPTIONS] [FILE]",
      "every check of a message at once: its Authentication-Results", cmd_check },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* ------------------------------------------------------------------ messages */


/* One line on stderr: "mailauth: " + the message. */
void errmsg(const char *fmt, ...)
{
    va_list ap;

    fputs("mailauth: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *out)
{
    size_t i;

    fputs("Usage: mailauth [OPTIONS] COMMAND [ARGS...]\n"
          "\n"
          "Mail authentication checks (SPF, DKIM, DMARC, ARC) with libmailauth.\n"
          "\n"
          "Options:\n"
          "  --zone FILE             answer DNS questions from an RFC 1035 master file\n"
          "                          (repeatable; $TIMEOUT NAME and $SERVFAIL NAME lines\n"
          "                          make NAME fail)\n"
          "  --nameserver IP[:PORT]  send DNS queries to this server (repeatable;\n"
          "                          default: the servers in /etc/resolv.conf)\n"
          "  --now UNIX_TIME         the current time, in seconds since the epoch\n"
          "  --json                  print results as JSON (one line)\n"
          "  --help                  print this help and exit\n"
          "  --version               print the library version and exit\n"
          "\n"
          "Commands:\n", out);
    for (i = 0; i < NCOMMANDS; i++) {
        /* Synopsis and summary in two columns; a long synopsis gets a line
         * of its own. */
        size_t w = strlen(commands[i].name) + 1 + strlen(commands[i].args);
        if (w <= 22)
            fprintf(out, "  %s %-*s %s\n", commands[i].name,
                    (int)(22 - strlen(commands[i].name)), commands[i].args, commands[i].summary);
        else
            fprintf(out, "  %s %s\n  %-23s %s\n", commands[i].name, commands[i].args, "",
                    commands[i].summary);
    }
    fputs("\n"
          "Exit status: 0 when the check ran (whatever its result), 1 on an I/O or\n"
          "internal error, 2 on a usage error.\n", out);
}

/* ------------------------------------------------------------------ output */

/* Master-file style: printable ASCII as is, everything else (and the
 * backslash) as \DDD with a decimal byte value (RFC 1035 5.1). */
void put_text(FILE *out, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            fputc(ch, out);
        else
            fprintf(out, "\\%03u", (unsigned)ch);
    }
}

/* A JSON string (RFC 8259 7), ASCII only: control bytes, DEL and bytes from
 * 0x80 are written as \u00XX, so each byte maps to one code point. */
void put_json_string(FILE *out, const char *s, size_t len)
{
    size_t i;

    fputc('"', out);
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"')
            fputs("\\\"", out);
        else if (ch == '\\')
            fputs("\\\\", out);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(out, "\\u%04x", (unsigned)ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

void put_json_cstr(FILE *out, const char *s)
{
    put_json_string(out, s, strlen(s));
}

/* -------------------------------------------------------------- the resolver */

/* The resolver chosen by the global options, made on first use so that
 * commands without DNS never touch resolv.conf or the zone files. */
int cli_resolver(cli *c, ma_resolver **out)
{
    int rc;
    size_t i;

    if (c->resolver != NULL) {
        *out = c->resolver;
        return CLI_OK;
    }
    if (c->nzones > 0) {
        rc = ma_static_zone_new(&c->zone, c->ctx);
        if (rc != MA_OK) {
            errmsg("cannot create the static zone: %s", ma_status_str(rc));
            return CLI_ERROR;
        }
        for (i = 0; i < c->nzones; i++) {
            rc = ma_static_zone_load_file(c->zone, c->zones[i], NULL);
            if (rc != MA_OK) {
                const char *why = ma_static_zone_error(c->zone);
                if (why == NULL || why[0] == '\0')
                    why = ma_status_str(rc);
                if (strstr(why, c->zones[i]) != NULL)
                    errmsg("%s", why);  /* "cannot open FILE" */
                else
                    errmsg("%s: %s", c->zones[i], why);
                return CLI_ERROR;
            }
        }
        rc = ma_resolver_static_new(&c->resolver, c->ctx, c->zone);
        if (rc != MA_OK) {
            errmsg("cannot create the static resolver: %s", ma_status_str(rc));
            return CLI_ERROR;
        }
    } else {
        ma_ldns_opts opts = MA_LDNS_OPTS_INIT;
        if (c->nservers > 0) {
            opts.servers = c->servers;
            opts.nservers = c->nservers;
        }
        rc = ma_resolver_ldns_new(&c->resolver, c->ctx, &opts);
        if (rc == MA_EINVAL && c->nservers > 0) {
            /* The only argument the user gave is the server list. */
            errmsg("invalid --nameserver value (IP, IP:PORT or [IPv6]:PORT, one port for all)");
            return CLI_USAGE;
        }
        if (rc != MA_OK) {
            if (rc == MA_EIO)
                errmsg("cannot create the DNS resolver: no name server from /etc/resolv.conf");
            else
                errmsg("cannot create the DNS resolver: %s", ma_status_str(rc));
            return CLI_ERROR;
        }
    }
    *out = c->resolver;
    return CLI_OK;
}

/* Run job to completion through the resolver; what prefixes the message on failure. */
int cli_run_job(cli *c, ma_job *job, const char *what, ma_resolver **resolver)
{
    int rc, ret = cli_resolver(c, resolver);
    if (ret != CLI_OK)
        return ret;
    rc = ma_job_run(job, *resolver);
    if (rc != MA_JOB_DONE) {
        const char *why = ma_job_error(job);
        errmsg("%s: %s", what, why != NULL && why[0] != '\0' ? why : ma_status_str(rc));
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------ command helpers */

/* The options of a command without options of its own: "--help" (or "-h")
 * prints its synopsis and sets *done; "--" ends the options; anything else
 * starting with '-' (but "-" itself) is a usage error.  On return *first is
 * the index of the first operand.  A command with options of its own would
 * use getopt_long() instead. */
int command_options(const command *cmd, int argc, char **argv, int *first, int *done)
{
    const char *a = argc > 1 ? argv[1] : "";

    *done = 0;
    *first = 1;
    if (a[0] != '-' || a[1] == '\0')
        return CLI_OK;
    if (strcmp(a, "--") == 0) {
        *first = 2;
        return CLI_OK;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        printf("Usage: mailauth [OPTIONS] %s %s\n  %s\n", cmd->name, cmd->args, cmd->summary);
        *done = 1;
        return CLI_OK;
    }
    errmsg("%s: unknown option '%s' (try --help)", cmd->name, a);
    return CLI_USAGE;
}

const command *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* --------------------------------------------------------------- command: dns */

/*
 * Record i of an answer as text: the TXT bytes, the address, the MX
 * exchange (preference in *pref), or the PTR name.  buf holds an address.
 */
static int dns_record(const ma_dns_answer *ans, size_t i, char *buf, size_t size, uint16_t *pref,
                      const char **s, size_t *len)
{
    ma_ip ip;
    *pref = 0;
    switch (ma_dns_answer_type(ans)) {
    case MA_DNS_TXT:
        return ma_dns_answer_txt(ans, i, s, len);
    case MA_DNS_A:
    case MA_DNS_AAAA:
        if (ma_dns_answer_addr(ans, i, &ip) != MA_OK || ma_ip_format(&ip, buf, size) != MA_OK)
            return MA_EINVAL;
        *s = buf;
        break;
    case MA_DNS_MX:
        if (ma_dns_answer_mx(ans, i, pref, s) != MA_OK)
            return MA_EINVAL;
        break;
    case MA_DNS_PTR:
        if (ma_dns_answer_ptr(ans, i, s) != MA_OK)
            return MA_EINVAL;
        break;
    default:
        return MA_EINVAL;
    }
    *len = strlen(*s);
    return MA_OK;
}

/* Print the answer as text: one record per line, or the outcome word. */
static int dns_print_plain(const ma_dns_answer *ans)
{
    size_t i, n = ma_dns_answer_count(ans);
    ma_dns_rcode rcode = ma_dns_answer_rcode(ans);

    if (rcode != MA_DNS_OK) {
        const char *word = ma_dns_rcode_name(rcode);
        printf("%s\n", word != NULL ? word : "unknown");
        return CLI_OK;
    }
    for (i = 0; i < n; i++) {
        char buf[MA_IP_TEXT_MAX];
        const char *s;
        size_t len;
        uint16_t pref;

        if (dns_record(ans, i, buf, sizeof buf, &pref, &s, &len) != MA_OK)
            return CLI_ERROR;
        if (ma_dns_answer_type(ans) == MA_DNS_MX)
            printf("%u ", (unsigned)pref);
        put_text(stdout, s, len);
        putchar('\n');
    }
    return CLI_OK;
}

/* Print the answer as one JSON object on one line. */
static int dns_print_json(const char *name, const ma_dns_answer *ans)
{
    size_t i, n = ma_dns_answer_count(ans);
    ma_dns_type type = ma_dns_answer_type(ans);
    ma_dns_rcode rcode = ma_dns_answer_rcode(ans);
    const char *tname = ma_dns_type_name(type);
    const char *rname = ma_dns_rcode_name(rcode);

    fputs("{\"name\":", stdout);
    put_json_cstr(stdout, name);
    fputs(",\"type\":", stdout);
    put_json_cstr(stdout, tname != NULL ? tname : "unknown");
    fputs(",\"status\":", stdout);
    put_json_cstr(stdout, rname != NULL ? rname : "unknown");
    printf(",\"ttl\":%lu,\"records\":[", (unsigned long)ma_dns_answer_ttl(ans));
    if (rcode != MA_DNS_OK)
        n = 0;
    for (i = 0; i < n; i++) {
        char buf[MA_IP_TEXT_MAX];
        const char *s;
        size_t len;
        uint16_t pref;

        if (dns_record(ans, i, buf, sizeof buf, &pref, &s, &len) != MA_OK)
            return CLI_ERROR;
        if (i > 0)
            putchar(',');
        if (type == MA_DNS_MX) {
            printf("{\"preference\":%u,\"exchange\":", (unsigned)pref);
            put_json_string(stdout, s, len);
            putchar('}');
        } else {
            put_json_string(stdout, s, len);
        }
    }
    fputs("]}\n", stdout);
    return CLI_OK;
}

static int cmd_dns(cli *c, int argc, char **argv)
{
    const command *self = find_command("dns");
    ma_dns_type type;
    ma_ip ip;
    char rev[MA_IP_REVERSE_MAX];
    const char *qname;
    char *shown = NULL;
    ma_job *job = NULL;
    ma_resolver *resolver;
    const ma_dns_answer *ans;
    uint32_t id;
    int first, done, rc, ret;

    ret = command_options(self, argc, argv, &first, &done);
    if (ret != CLI_OK || done)
        return ret;
    if (argc - first != 2) {
        errmsg("dns: expected TYPE and NAME (try --help)");
        return CLI_USAGE;
    }
    if (ma_dns_type_parse(&type, argv[first]) != MA_OK) {
        errmsg("dns: unknown record type '%s' (txt, a, aaaa, mx or ptr)", argv[first]);
        return CLI_USAGE;
    }
    qname = argv[first + 1];
    /* "dns ptr 192.0.2.1": ask for the reverse name of the address. */
    if (type == MA_DNS_PTR && ma_ip_parse(&ip, qname, strlen(qname)) == MA_OK) {
        if (ma_ip_reverse_name(&ip, rev, sizeof rev) != MA_OK) {
            errmsg("dns: cannot make the reverse name of %s", qname);
            return CLI_ERROR;
        }
        qname = rev;
    }

    rc = ma_lookup_job_new(&job, c->ctx);
    if (rc != MA_OK) {
        errmsg("dns: cannot create the lookup: %s", ma_status_str(rc));
        return CLI_ERROR;
    }
    rc = ma_lookup_job_add(job, qname, type, &id);
    if (rc == MA_ESYNTAX) {
        errmsg("dns: invalid domain name '%s'", qname);
        ret = CLI_USAGE;
        goto out;
    }
    if (rc != MA_OK) {
        errmsg("dns: cannot ask for %s: %s", qname, ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = cli_run_job(c, job, "dns: lookup failed", &resolver);
    if (ret != CLI_OK)
        goto out;
    rc = ma_lookup_job_result(job, id, &ans);
    if (rc != MA_OK) {
        errmsg("dns: no result: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    if (c->json) {
        /* Show the name as it was asked: A-labels, lower case, no trailing dot. */
        if (ma_domain_normalize(&shown, c->ctx, qname, strlen(qname),
                                MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ALLOW_SINGLE_LABEL)
            != MA_OK)
            shown = NULL;
        ret = dns_print_json(shown != NULL ? shown : qname, ans);
    } else {
        ret = dns_print_plain(ans);
    }
    if (ret != CLI_OK)
        errmsg("dns: cannot read the answer's records");
out:
    ma_free(c->ctx, shown);
    ma_job_free(job);
    return ret;
}

/* --------------------------------------------------------------- command: spf */

static void spf_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] spf --ip IP [--helo NAME] [--sender ADDRESS] [OPTIONS]\n"
          "  SPF check (RFC 7208) of the SMTP client at IP: the MAIL FROM identity,\n"
          "  or the HELO identity when the sender is empty or absent (null reverse-path).\n"
          "\n"
          "  --ip IP               the SMTP client's address, IPv4 or IPv6 (required)\n"
          "  --helo NAME           the HELO/EHLO name\n"
          "  --sender ADDRESS      the MAIL FROM address (\"\" or \"<>\": null reverse-path)\n"
          "  --receiver HOST       the receiving host, for %{r} (default \"unknown\")\n"
          "  --helo-check          check the HELO identity instead of MAIL FROM\n"
          "                        (run once more without it for the MAIL FROM result)\n"
          "  --default-exp TEXT    explanation (a macro-string) for a fail when the\n"
          "                        domain gives none\n"
          "  --local-policy TERMS  SPF terms tried when no mechanism before the final\n"
          "                        \"all\" (or the end of the record) matched\n"
          "  --best-guess RECORD   record assumed for a domain without SPF, e.g.\n"
          "                        \"v=spf1 a/24 mx/24 ptr ?all\"\n"
          "\n"
          "  Prints the result word on the first line and the Received-SPF header field\n"
          "  on the second; with --json, one object.  Exit status 0 whatever the result.\n",
          out);
}

/* A header field as the library made it, byte for byte (UTF-8 included),
 * but a folding CRLF is written as a newline and any other control byte as
 * \DDD, so that nothing in it can move the terminal's cursor. */
void put_field(FILE *out, const char *s)
{
    size_t i, len = strlen(s);

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r' && i + 1 < len && s[i + 1] == '\n') {
            fputc('\n', out);
            i++;
        } else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            fprintf(out, "\\%03u", (unsigned)ch);
        } else {
            fputc(ch, out);
        }
    }
}

/* ,"key":"value" (no comma before the first key). */
void put_json_member(FILE *out, const char *key, const char *value, int first)
{
    if (!first)
        fputc(',', out);
    put_json_cstr(out, key);
    fputc(':', out);
    put_json_cstr(out, value != NULL ? value : "");
}

/* The options of `spf`, indexes into the table of values. */
enum {
    SPF_OPT_IP = 1,
    SPF_OPT_HELO,
    SPF_OPT_SENDER,
    SPF_OPT_RECEIVER,
    SPF_OPT_HELO_CHECK,
    SPF_OPT_DEFAULT_EXP,
    SPF_OPT_LOCAL_POLICY,
    SPF_OPT_BEST_GUESS,
    SPF_OPT_HELP,
    SPF_OPT_COUNT
};

/*
 * mailauth spf --ip IP [--helo NAME] [--sender ADDRESS] [--receiver HOST]
 *              [--helo-check] [--default-exp TEXT] [--local-policy TERMS]
 *              [--best-guess RECORD]
 *
 * One ma_spf_job, run through the resolver of the global options.  The API
 * checks one identity per job: --helo-check (MA_SPF_CHECK_HELO) makes that
 * the HELO identity even when a sender is given; an operator who wants both
 * results runs the command twice.
 */
static int cmd_spf(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ip", required_argument, NULL, SPF_OPT_IP },
        { "helo", required_argument, NULL, SPF_OPT_HELO },
        { "sender", required_argument, NULL, SPF_OPT_SENDER },
        { "receiver", required_argument, NULL, SPF_OPT_RECEIVER },
        { "helo-check", no_argument, NULL, SPF_OPT_HELO_CHECK },
        { "default-exp", required_argument, NULL, SPF_OPT_DEFAULT_EXP },
        { "local-policy", required_argument, NULL, SPF_OPT_LOCAL_POLICY },
        { "best-guess", required_argument, NULL, SPF_OPT_BEST_GUESS },
        { "help", no_argument, NULL, SPF_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *val[SPF_OPT_COUNT];
    int seen[SPF_OPT_COUNT];
    ma_spf_params p = MA_SPF_PARAMS_INIT;
    ma_job *job = NULL;
    ma_resolver *resolver;
    char *received = NULL, *authres = NULL;
    const char *sender, *helo, *word;
    int rc, ret;

    ret = read_options("spf", argc, argv, longopts, SPF_OPT_COUNT, SPF_OPT_HELP, val, seen, 0, NULL, 0,
                       NULL);
    if (ret != CLI_OK)
        return ret;
    if (seen[SPF_OPT_HELP]) {
        spf_usage(stdout);
        return CLI_OK;
    }
    if (optind < argc) {
        errmsg("spf: unexpected argument '%s' (try --help)", argv[optind]);
        return CLI_USAGE;
    }
    if (val[SPF_OPT_IP] == NULL) {
        errmsg("spf: --ip is required (try --help)");
        return CLI_USAGE;
    }
    if (ma_ip_parse(&p.ip, val[SPF_OPT_IP], strlen(val[SPF_OPT_IP])) != MA_OK) {
        errmsg("spf: --ip: '%s' is not an IPv4 or IPv6 address", val[SPF_OPT_IP]);
        return CLI_USAGE;
    }
    /* "" and "<>" are the null reverse-path (RFC 5321 4.5.5): the check is
     * then of the HELO identity (RFC 7208 2.4). */
    sender = val[SPF_OPT_SENDER];
    if (sender != NULL && (sender[0] == '\0' || strcmp(sender, "<>") == 0))
        sender = NULL;
    helo = val[SPF_OPT_HELO];
    if (helo != NULL && helo[0] == '\0')
        helo = NULL;
    if (helo == NULL && (sender == NULL || seen[SPF_OPT_HELO_CHECK])) {
        errmsg(sender == NULL ? "spf: --helo is required with a null or absent --sender"
                              : "spf: --helo-check needs --helo");
        return CLI_USAGE;
    }
    p.sender = sender;
    p.helo = helo;
    p.receiver = val[SPF_OPT_RECEIVER];
    p.default_explanation = val[SPF_OPT_DEFAULT_EXP];
    p.local_policy = val[SPF_OPT_LOCAL_POLICY];
    p.best_guess = val[SPF_OPT_BEST_GUESS];
    if (seen[SPF_OPT_HELO_CHECK])
        p.flags |= MA_SPF_CHECK_HELO;

    rc = ma_spf_job_new(&job, c->ctx, &p);
    if (rc == MA_EINVAL || rc == MA_ESYNTAX) {
        /* The other parameters were checked above: the library parses the
         * local policy here (a bad --best-guess is a permerror later). */
        if (p.local_policy != NULL)
            errmsg("spf: --local-policy: '%s' is not a list of SPF terms", p.local_policy);
        else
            errmsg("spf: invalid check parameters: %s", ma_status_str(rc));
        return CLI_USAGE;
    }
    if (rc != MA_OK) {
        errmsg("spf: cannot create the check: %s", ma_status_str(rc));
        return CLI_ERROR;
    }
    ret = cli_run_job(c, job, "spf: check failed", &resolver);
    if (ret != CLI_OK)
        goto out;
    rc = ma_spf_received_spf(&received, job);
    if (rc == MA_OK)
        rc = ma_spf_authres(&authres, job);
    if (rc != MA_OK) {
        errmsg("spf: cannot format the result: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    word = ma_spf_result_name(ma_spf_job_result(job));
    if (word == NULL)
        word = "unknown";
    if (c->json) {
        fputc('{', stdout);
        put_json_member(stdout, "result", word, 1);
        put_json_member(stdout, "explanation", ma_spf_job_explanation(job), 0);
        put_json_member(stdout, "mechanism", ma_spf_job_mechanism(job), 0);
        put_json_member(stdout, "domain", ma_spf_job_domain(job), 0);
        put_json_member(stdout, "identity", ma_spf_job_identity(job), 0);
        printf(",\"lookups\":%u,\"void_lookups\":%u", ma_spf_job_lookups(job),
               ma_spf_job_void_lookups(job));
        put_json_member(stdout, "problem", ma_spf_job_problem(job), 0);
        put_json_member(stdout, "received_spf", received, 0);
        put_json_member(stdout, "authres", authres, 0);
        fputs("}\n", stdout);
    } else {
        printf("%s\n", word);
        put_field(stdout, received);
        fputc('\n', stdout);
    }
out:
    ma_free(c->ctx, received);
    ma_free(c->ctx, authres);
    ma_job_free(job);
    return ret;
}

/* ------------------------------------------------------------ DKIM helpers */

/* Start getopt_long() afresh for a command: main() parsed the global
 * options (optind 0 makes glibc reinitialise; elsewhere 1 is the first
 * index). */
void getopt_restart(void)
{
#ifdef __GLIBC__
    optind = 0;
#else
    optind = 1;
#endif
    opterr = 0;
}

/* Report what getopt_long() (optstring starting "+:") returned as an error
 * for command name, the way the spf command does; returns CLI_USAGE. */
int option_error(const char *name, int opt, char **argv)
{
    if (opt == ':')
        errmsg("%s: option '%s' needs an argument (try --help)", name, argv[optind - 1]);
    else if (optopt == 0)
        errmsg("%s: unknown option '%s' (try --help)", name, argv[optind - 1]);
    else if (strncmp(argv[optind - 1], "--", 2) == 0)
        errmsg("%s: option '%s' takes no argument (try --help)", name, argv[optind - 1]);
    else
        errmsg("%s: unknown option '-%c' (try --help)", name, optopt);
    return CLI_USAGE;
}

int read_options(const char *name, int argc, char **argv, const struct option *longopts, int count,
                 int help, const char **val, int *seen, int multi, const char **multi_vals,
                 size_t multi_max, size_t *nmulti)
{
    int opt;

    memset(val, 0, (size_t)count * sizeof *val);
    memset(seen, 0, (size_t)count * sizeof *seen);
    if (nmulti != NULL)
        *nmulti = 0;
    getopt_restart();
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (opt == 'h')
            opt = help;
        if (multi != 0 && opt == multi) {
            if (*nmulti == multi_max) {
                errmsg("%s: option '%s' given more than %lu times", name, argv[optind - 1],
                       (unsigned long)multi_max);
                return CLI_USAGE;
            }
            multi_vals[(*nmulti)++] = optarg;
            continue;
        }
        if (opt > 0 && opt < count) {
            if (seen[opt] && opt != help) {
                errmsg("%s: option '%s' given twice", name, argv[optind - 1]);
                return CLI_USAGE;
            }
            seen[opt] = 1;
            val[opt] = optarg;
            continue;
        }
        return option_error(name, opt, argv);
    }
    return CLI_OK;
}

int message_options(const char *name, int argc, char **argv, void (*print_usage)(FILE *out),
                    const char **path, int *done)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int opt;

    *done = 0;
    getopt_restart();
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            print_usage(stdout);
            *done = 1;
            return CLI_OK;
        }
        return option_error(name, opt, argv);
    }
    return read_path_operand(name, argc, argv, path);
}

int read_path_operand(const char *name, int argc, char **argv, const char **path)
{
    *path = NULL;
    if (argc - optind > 1) {
        errmsg("%s: unexpected argument '%s' (try --help)", name, argv[optind + 1]);
        return CLI_USAGE;
    }
    if (optind < argc)
        *path = argv[optind];
    return CLI_OK;
}

/* How an input file is named in messages ("-" and no operand: stdin). */
const char *input_name(const char *path)
{
    return path == NULL || strcmp(path, "-") == 0 ? "standard input" : path;
}

/* Open path for reading (stdin for NULL or "-"); NULL with a message on error. */
FILE *open_input(const char *cmd, const char *path)
{
    FILE *in;

    if (path == NULL || strcmp(path, "-") == 0)
        return stdin;
    in = fopen(path, "rb");
    if (in == NULL)
        errmsg("%s: cannot open %s: %s", cmd, path, strerror(errno));
    return in;
}

void close_input(FILE *in)
{
    if (in != NULL && in != stdin)
        fclose(in);
}

/* Read all of in (at most max bytes) into a malloc'd buffer with a NUL after
 * the data.  Returns CLI_OK, or CLI_ERROR after a message. */
int read_all(const char *cmd, const char *name, FILE *in, size_t max, char **data,
                    size_t *len)
{
    char *buf = NULL, *nbuf;
    size_t size = 0, n = 0, got;

    for (;;) {
        if (n + 1 >= size) {
            /* Room for one byte more than max: that byte says "too long". */
            size_t nsize = size == 0 ? 65536 : size * 2;
            if (nsize > max + 2)
                nsize = max + 2;
            nbuf = realloc(buf, nsize);
            if (nbuf == NULL) {
                errmsg("%s: %s: out of memory", cmd, name);
                free(buf);
                return CLI_ERROR;
            }
            buf = nbuf;
            size = nsize;
        }
        got = fread(buf + n, 1, size - n - 1, in);
        n += got;
        if (n > max) {
            errmsg("%s: %s: longer than %lu bytes", cmd, name, (unsigned long)max);
            free(buf);
            return CLI_ERROR;
        }
        if (got == 0)
            break;
    }
    if (ferror(in)) {
        errmsg("%s: cannot read %s: %s", cmd, name, strerror(errno));
        free(buf);
        return CLI_ERROR;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return CLI_OK;
}

int read_message(const char *cmd, const char *path, size_t max, ma_msg *msg, char **data,
                 size_t *len)
{
    const char *name = input_name(path);
    FILE *in = open_input(cmd, path);
    int rc, ret;

    *data = NULL;
    *len = 0;
    if (in == NULL)
        return CLI_ERROR;
    ret = read_all(cmd, name, in, max, data, len);
    close_input(in);
    if (ret != CLI_OK)
        return ret;
    rc = ma_msg_write(msg, *data, *len);
    if (rc == MA_OK)
        rc = ma_msg_finish(msg);
    return rc == MA_OK ? CLI_OK : message_error(cmd, name, msg, rc);
}

/* A message the reader refused: "CMD: NAME: malformed message: WHY". */
int message_error(const char *cmd, const char *name, ma_msg *msg, int rc)
{
    const char *why = ma_msg_error(msg);
    if (rc == MA_ENOMEM || why == NULL || why[0] == '\0')
        why = ma_status_str(rc);
    errmsg("%s: %s: %s: %s", cmd, name,
           rc == MA_ELIMIT ? "message header too large" : "malformed message", why);
    return CLI_ERROR;
}

/*
 * Feed the message in path (standard input for NULL or "-") to msg and
 * finish it; errors are reported as cmd's.  CLI_OK or CLI_ERROR.
 */
int stream_message(const char *cmd, const char *path, ma_msg *msg)
{
    const char *name = input_name(path);
    char buf[65536];
    size_t got;
    FILE *in = open_input(cmd, path);
    int rc = MA_OK, ret = CLI_OK;

    if (in == NULL)
        return CLI_ERROR;
    while (rc == MA_OK && (got = fread(buf, 1, sizeof buf, in)) > 0)
        rc = ma_msg_write(msg, buf, got);
    if (rc == MA_OK && ferror(in)) {
        errmsg("%s: cannot read %s: %s", cmd, name, strerror(errno));
        ret = CLI_ERROR;
    } else {
        if (rc == MA_OK)
            rc = ma_msg_finish(msg);
        if (rc != MA_OK)
            ret = message_error(cmd, name, msg, rc);
    }
    close_input(in);
    return ret;
}

/* Parse an unsigned decimal number in [min, max]. */
int parse_uint(const char *text, unsigned long long min, unsigned long long max,
                      unsigned long long *v)
{
    char *end;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    *v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || *v < min || *v > max)
        return -1;
    return 0;
}

/* "rsa-sha256" or "ed25519-sha256"; MA_DKIM_ALG_UNKNOWN otherwise. */
ma_dkim_alg parse_sign_alg(const char *text)
{
    if (strcmp(text, "rsa-sha256") == 0)
        return MA_DKIM_RSA_SHA256;
    if (strcmp(text, "ed25519-sha256") == 0)
        return MA_DKIM_ED25519_SHA256;
    return MA_DKIM_ALG_UNKNOWN;
}

/* ------------------------------------------------------- command: dkim-verify */

static void dkim_verify_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] dkim-verify [FILE]\n"
          "  DKIM verification (RFC 6376, RFC 8463) of the message in FILE (standard\n"
          "  input when absent or \"-\"), its key records fetched through the global\n"
          "  resolver (--zone or --nameserver) and checked against the --now clock.\n"
          "\n"
          "  Prints one line per DKIM-Signature field, topmost first, the verdict\n"
          "  word first:\n"
          "      pass d=example.com s=sel a=rsa-sha256\n"
          "      fail d=example.com s=sel a=rsa-sha256 (body-hash: WHAT WENT WRONG)\n"
          "  and the single word \"none\" for a message without a signature.  With\n"
          "  --json, one array with an object per signature (result, reason, domain,\n"
          "  selector, algorithm, identity, key_bits, unsigned_bytes, covers_from,\n"
          "  unsigned_extra, problem).  Exit status 0 whatever the verdicts.\n",
          out);
}

/* One signature as a line of text, after prefix; with show_extra, a
 * signature that left a signed field's instance unsigned (which DMARC does
 * not count) says so. */
static void dkim_put_plain(const ma_job *job, size_t i, const char *prefix, int show_extra)
{
    ma_dkim_result res = ma_dkim_job_result(job, i);
    const char *word = ma_dkim_result_name(res);
    const char *alg = ma_dkim_alg_name(ma_dkim_job_algorithm(job, i));
    const char *reason = ma_dkim_reason_name(ma_dkim_job_reason(job, i));
    const char *problem = ma_dkim_job_problem(job, i);
    const char *s;

    fputs(prefix, stdout);
    fputs(word != NULL ? word : "unknown", stdout);
    s = ma_dkim_job_domain(job, i);
    fputs(" d=", stdout);
    put_text(stdout, s, strlen(s));
    s = ma_dkim_job_selector(job, i);
    fputs(" s=", stdout);
    put_text(stdout, s, strlen(s));
    fputs(" a=", stdout);
    fputs(alg != NULL ? alg : "unknown", stdout);
    if (res != MA_DKIM_PASS) {
        fputs(" (", stdout);
        fputs(reason != NULL ? reason : "unknown", stdout);
        if (problem != NULL && problem[0] != '\0') {
            fputs(": ", stdout);
            put_text(stdout, problem, strlen(problem));
        }
        fputc(')', stdout);
    }
    if (show_extra && ma_dkim_job_unsigned_extra(job, i))
        fputs(" unsigned-extra", stdout);
    fputc('\n', stdout);
}

static void dkim_print_plain(const ma_job *job, size_t i)
{
    dkim_put_plain(job, i, "", 0);
}

/* One signature as a JSON object. */
void dkim_print_json(const ma_job *job, size_t i)
{
    const char *word = ma_dkim_result_name(ma_dkim_job_result(job, i));
    const char *alg = ma_dkim_alg_name(ma_dkim_job_algorithm(job, i));
    const char *reason = ma_dkim_reason_name(ma_dkim_job_reason(job, i));

    fputc('{', stdout);
    put_json_member(stdout, "result", word != NULL ? word : "unknown", 1);
    put_json_member(stdout, "reason", reason != NULL ? reason : "unknown", 0);
    put_json_member(stdout, "domain", ma_dkim_job_domain(job, i), 0);
    put_json_member(stdout, "selector", ma_dkim_job_selector(job, i), 0);
    put_json_member(stdout, "algorithm", alg != NULL ? alg : "unknown", 0);
    put_json_member(stdout, "identity", ma_dkim_job_identity(job, i), 0);
    printf(",\"key_bits\":%u,\"unsigned_bytes\":%llu,\"covers_from\":%s,\"unsigned_extra\":%s",
           ma_dkim_job_key_bits(job, i), (unsigned long long)ma_dkim_job_unsigned_bytes(job, i),
           ma_dkim_job_covers_from(job, i) ? "true" : "false",
           ma_dkim_job_unsigned_extra(job, i) ? "true" : "false");
    put_json_member(stdout, "problem", ma_dkim_job_problem(job, i), 0);
    fputc('}', stdout);
}

/*
 * mailauth dkim-verify [FILE]
 *
 * One ma_dkim_job attached to a message reader; the message is streamed
 * through the reader in chunks (never held whole), then the job runs
 * through the resolver of the global options.
 */
static int cmd_dkim_verify(cli *c, int argc, char **argv)
{
    const char *path = NULL;
    ma_msg *msg = NULL;
    ma_job *job = NULL;
    ma_resolver *resolver;
    size_t i, n;
    int rc, ret = CLI_OK, done;

    if ((ret = message_options("dkim-verify", argc, argv, dkim_verify_usage, &path, &done)) != CLI_OK ||
        done)
        return ret;

    rc = ma_msg_new(&msg, c->ctx);
    if (rc == MA_OK)
        rc = ma_dkim_job_new(&job, c->ctx, NULL);
    if (rc == MA_OK)
        rc = ma_dkim_job_attach(job, msg);
    if (rc != MA_OK) {
        errmsg("dkim-verify: cannot create the verification: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = stream_message("dkim-verify", path, msg);
    if (ret != CLI_OK)
        goto out;
    ret = cli_run_job(c, job, "dkim-verify: verification failed", &resolver);
    if (ret != CLI_OK)
        goto out;

    n = ma_dkim_job_count(job);
    if (c->json) {
        fputc('[', stdout);
        for (i = 0; i < n; i++) {
            if (i > 0)
                fputc(',', stdout);
            dkim_print_json(job, i);
        }
        fputs("]\n", stdout);
    } else if (n == 0) {
        puts("none");
    } else {
        for (i = 0; i < n; i++)
            dkim_print_plain(job, i);
    }
out:
    ma_job_free(job);
    ma_msg_free(msg);
    return ret;
}

/* --------------------------------------------------------- command: dkim-sign */

/* Largest key file and message dkim-sign reads. */
#define DKIM_KEY_MAX ((size_t)1 << 20)
#define DKIM_MESSAGE_MAX ((size_t)1 << 30)
/* Most signatures in one run (the library's limit per signing). */
#define DKIM_SIGNERS_MAX 8

static void dkim_sign_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] dkim-sign --domain D --selector S --key FILE\n"
          "                [SIGNING OPTIONS] [--next SIGNING OPTIONS...] [MESSAGE]\n"
          "  DKIM-signs the message in MESSAGE (standard input when absent or \"-\")\n"
          "  and writes the DKIM-Signature field(s), then the message byte for byte as\n"
          "  read.  The fields use the message's line ending (CRLF, or LF when the\n"
          "  message's first line ends with a bare LF).  t= is the --now time.\n"
          "\n"
          "  --domain D            the signing domain, d= (required)\n"
          "  --selector S          the selector, s= (required)\n"
          "  --key FILE            the private key: PEM or DER (PKCS#1 or PKCS#8, RSA\n"
          "                        or Ed25519), or an Ed25519 seed (32 bytes, raw or\n"
          "                        base64) (required)\n"
          "  --algorithm ALG       rsa-sha256 or ed25519-sha256: checked against the\n"
          "                        key's type (default: the key's)\n"
          "  --canon H[/B]         header/body canonicalisation, simple or relaxed\n"
          "                        (default relaxed/relaxed; H alone means H/simple)\n"
          "  --headers LIST        fields to sign, colon-separated, e.g. from:to:subject,\n"
          "                        taken as h= as written (must include From; default:\n"
          "                        those of RFC 6376 5.4.1 present in the message)\n"
          "  --oversign            sign each listed field once more than present, so\n"
          "                        that one added later breaks the signature\n"
          "  --body-length         add l= (the whole body length; RFC 6376 8.2)\n"
          "  --expire SECONDS      add x=, SECONDS after t=\n"
          "  --identity ADDRESS    add i= (an address in --domain or a subdomain)\n"
          "  --next                start the options of one more signature: each group\n"
          "                        of options is one signer, starting from the\n"
          "                        defaults; all sign the message in one pass, their\n"
          "                        fields written in the order given (at most 8)\n"
          "\n"
          "  Example, an RSA and an Ed25519 signature:\n"
          "    mailauth dkim-sign --domain example.com --selector rsa --key rsa.pem \\\n"
          "        --next --domain example.com --selector ed --key ed.pem msg.eml\n",
          out);
}

/* The options of `dkim-sign`, indexes into a group's table of values. */
enum {
    DKS_OPT_DOMAIN = 1,
    DKS_OPT_SELECTOR,
    DKS_OPT_KEY,
    DKS_OPT_ALGORITHM,
    DKS_OPT_CANON,
    DKS_OPT_HEADERS,
    DKS_OPT_OVERSIGN,
    DKS_OPT_BODY_LENGTH,
    DKS_OPT_EXPIRE,
    DKS_OPT_IDENTITY,
    DKS_OPT_COUNT,
    DKS_OPT_NEXT,
    DKS_OPT_HELP
};

/* One group of signing options: one signer. */
typedef struct sign_group {
    const char *val[DKS_OPT_COUNT];
    int seen[DKS_OPT_COUNT];
    ma_dkim_sign_opts opts;
    ma_dkim_alg alg;           /* --algorithm, or MA_DKIM_ALG_UNKNOWN */
} sign_group;

/* "simple" or "relaxed" (n bytes of text) as a ma_dkim_canon; -1 otherwise. */
static int parse_canon1(const char *text, size_t n)
{
    if (n == 6 && memcmp(text, "simple", 6) == 0)
        return MA_DKIM_SIMPLE;
    if (n == 7 && memcmp(text, "relaxed", 7) == 0)
        return MA_DKIM_RELAXED;
    return -1;
}

/* --canon H/B or H (then the body is simple, as for c=, RFC 6376 3.5). */
static int parse_canon(const char *text, int *header, int *body)
{
    const char *slash = strchr(text, '/');

    *header = parse_canon1(text, slash != NULL ? (size_t)(slash - text) : strlen(text));
    *body = slash != NULL ? parse_canon1(slash + 1, strlen(slash + 1)) : MA_DKIM_SIMPLE;
    return *header < 0 || *body < 0 ? -1 : 0;
}

/* Whether a colon list of field names names name (lower case; the list in
 * any case, FWS allowed around each name). */
int list_has_name(const char *list, const char *name)
{
    const char *p = list;
    size_t wl = strlen(name);

    while (*p != '\0') {
        size_t n = strcspn(p, ":");
        size_t b = 0, e = n, i;
        while (b < e && (p[b] == ' ' || p[b] == '\t'))
            b++;
        while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t'))
            e--;
        for (i = 0; e - b == wl && i < wl; i++)
            if ((char)(p[b + i] >= 'A' && p[b + i] <= 'Z' ? p[b + i] + 32 : p[b + i]) != name[i])
                break;
        if (e - b == wl && i == wl)
            return 1;
        p += n;
        if (*p == ':')
            p++;
    }
    return 0;
}

/* Check a group's values and fill its opts; what names the group in messages. */
static int sign_group_check(sign_group *g, const char *what)
{
    unsigned long long v;
    const char *at;

    if (g->val[DKS_OPT_DOMAIN] == NULL || g->val[DKS_OPT_SELECTOR] == NULL ||
        g->val[DKS_OPT_KEY] == NULL) {
        errmsg("dkim-sign: %s--domain, --selector and --key are required (try --help)", what);
        return CLI_USAGE;
    }
    ma_dkim_sign_opts_init(&g->opts, MA_DKIM_SIGN_OPTS_VERSION);
    g->opts.domain = g->val[DKS_OPT_DOMAIN];
    g->opts.selector = g->val[DKS_OPT_SELECTOR];
    g->alg = MA_DKIM_ALG_UNKNOWN;
    if (g->val[DKS_OPT_ALGORITHM] != NULL) {
        g->alg = parse_sign_alg(g->val[DKS_OPT_ALGORITHM]);
        if (g->alg == MA_DKIM_ALG_UNKNOWN) {
            errmsg("dkim-sign: %s--algorithm: '%s' is not rsa-sha256 or ed25519-sha256", what,
                   g->val[DKS_OPT_ALGORITHM]);
            return CLI_USAGE;
        }
    }
    if (g->val[DKS_OPT_CANON] != NULL &&
        parse_canon(g->val[DKS_OPT_CANON], &g->opts.header_canon, &g->opts.body_canon) != 0) {
        errmsg("dkim-sign: %s--canon: '%s' is not simple or relaxed, or two of them joined by '/'",
               what, g->val[DKS_OPT_CANON]);
        return CLI_USAGE;
    }
    if (g->val[DKS_OPT_HEADERS] != NULL) {
        if (!list_has_name(g->val[DKS_OPT_HEADERS], "from")) {
            errmsg("dkim-sign: %s--headers: '%s' does not include From (RFC 6376 5.4)", what,
                   g->val[DKS_OPT_HEADERS]);
            return CLI_USAGE;
        }
        g->opts.headers = g->val[DKS_OPT_HEADERS];
    }
    if (g->seen[DKS_OPT_OVERSIGN])
        g->opts.flags |= MA_DKIM_SIGN_OVERSIGN;
    if (g->seen[DKS_OPT_BODY_LENGTH])
        g->opts.flags |= MA_DKIM_SIGN_BODY_LENGTH;
    if (g->val[DKS_OPT_EXPIRE] != NULL) {
        /* Up to about 100 years: t= + x= stays far from any overflow. */
        if (parse_uint(g->val[DKS_OPT_EXPIRE], 1, 3155760000ULL, &v) != 0) {
            errmsg("dkim-sign: %s--expire: '%s' is not a number of seconds (1 or more)", what,
                   g->val[DKS_OPT_EXPIRE]);
            return CLI_USAGE;
        }
        g->opts.expire = v;
    }
    if (g->val[DKS_OPT_IDENTITY] != NULL) {
        /* "[local-part]@domain" (RFC 6376 3.5 i=), the domain within d=;
         * whitespace or ';' could not stand in the tag list. */
        at = strrchr(g->val[DKS_OPT_IDENTITY], '@');
        if (at == NULL || strpbrk(g->val[DKS_OPT_IDENTITY], " \t\r\n;") != NULL ||
            !ma_domain_is_within(at + 1, strlen(at + 1), g->opts.domain, strlen(g->opts.domain))) {
            errmsg("dkim-sign: %s--identity: '%s' is not an address in %s or a subdomain", what,
                   g->val[DKS_OPT_IDENTITY], g->opts.domain);
            return CLI_USAGE;
        }
        g->opts.identity = g->val[DKS_OPT_IDENTITY];
    }
    return CLI_OK;
}

int cli_load_signer(cli *c, const char *cmd, const char *what, const ma_dkim_sign_opts *opts,
                    const char *path, ma_dkim_alg want, ma_dkim_signer **out)
{
    FILE *in;
    char *key = NULL, *record = NULL;
    size_t len = 0;
    ma_dkim_alg alg;
    int rc, ret;

    *out = NULL;
    in = fopen(path, "rb");
    if (in == NULL) {
        errmsg("%s: %s--key: cannot open %s: %s", cmd, what, path, strerror(errno));
        return CLI_ERROR;
    }
    ret = read_all(cmd, path, in, DKIM_KEY_MAX, &key, &len);
    fclose(in);
    if (ret != CLI_OK)
        return ret;
    rc = len > 0 ? ma_dkim_signer_new(out, c->ctx, opts, key, len) : MA_ESYNTAX;
    memset(key, 0, len);
    free(key);
    switch (rc) {
    case MA_OK:
        break;
    case MA_ESYNTAX:
        errmsg("%s: %s--key: %s is not a private key (PEM or DER, or an Ed25519 seed)", cmd, what,
               path);
        return CLI_ERROR;
    case MA_EUNSUPPORTED:
        errmsg("%s: %s--key: %s is neither an RSA nor an Ed25519 key", cmd, what, path);
        return CLI_ERROR;
    case MA_EINVAL:
        /* The header list and the identity were checked by the command, as
         * far as it can: what is left is mostly d= and s=. */
        if (opts->identity != NULL)
            errmsg("%s: %s--domain '%s', --selector '%s' or --identity '%s' is not valid", cmd, what,
                   opts->domain, opts->selector, opts->identity);
        else
            errmsg("%s: %s--domain '%s' or --selector '%s' is not a valid name", cmd, what,
                   opts->domain, opts->selector);
        return CLI_USAGE;
    default:
        errmsg("%s: cannot create the signer: %s", cmd, ma_status_str(rc));
        return CLI_ERROR;
    }
    if (want == MA_DKIM_ALG_UNKNOWN)
        return CLI_OK;
    rc = ma_dkim_signer_key_record(*out, &record);
    if (rc != MA_OK) {
        errmsg("%s: cannot read the key's type: %s", cmd, ma_status_str(rc));
        return CLI_ERROR;
    }
    alg = strstr(record, "k=ed25519;") != NULL ? MA_DKIM_ED25519_SHA256 : MA_DKIM_RSA_SHA256;
    ma_free(c->ctx, record);
    if (alg != want) {
        errmsg("%s: %s--algorithm %s does not match the key in %s (%s)", cmd, what,
               ma_dkim_alg_name(want), path,
               alg == MA_DKIM_ED25519_SHA256 ? "an Ed25519 key" : "an RSA key");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Write the field text with its CRLFs as LF when lf is set; then a line end. */
void put_fields(FILE *out, const char *text, int lf)
{
    const char *p = text, *e;

    if (!lf) {
        fputs(text, out);
        fputs("\r\n", out);
        return;
    }
    while ((e = strstr(p, "\r\n")) != NULL) {
        fwrite(p, 1, (size_t)(e - p), out);
        fputc('\n', out);
        p = e + 2;
    }
    fputs(p, out);
    fputc('\n', out);
}

/*
 * mailauth dkim-sign --domain D --selector S --key FILE [OPTIONS]
 *                    [--next --domain D ... ] [MESSAGE]
 *
 * Each group of options (the first, then one after each --next) makes one
 * ma_dkim_signer; they share one ma_dkim_sign (ma_dkim_sign_add), so the
 * body is hashed once per canonicalisation.  The message is read whole,
 * since the fields are written before it.
 */
static int cmd_dkim_sign(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "domain", required_argument, NULL, DKS_OPT_DOMAIN },
        { "selector", required_argument, NULL, DKS_OPT_SELECTOR },
        { "key", required_argument, NULL, DKS_OPT_KEY },
        { "algorithm", required_argument, NULL, DKS_OPT_ALGORITHM },
        { "canon", required_argument, NULL, DKS_OPT_CANON },
        { "headers", required_argument, NULL, DKS_OPT_HEADERS },
        { "oversign", no_argument, NULL, DKS_OPT_OVERSIGN },
        { "body-length", no_argument, NULL, DKS_OPT_BODY_LENGTH },
        { "expire", required_argument, NULL, DKS_OPT_EXPIRE },
        { "identity", required_argument, NULL, DKS_OPT_IDENTITY },
        { "next", no_argument, NULL, DKS_OPT_NEXT },
        { "help", no_argument, NULL, DKS_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    sign_group groups[DKIM_SIGNERS_MAX];
    ma_dkim_signer *signers[DKIM_SIGNERS_MAX];
    size_t ngroups = 1, i, len = 0;
    const char *path = NULL, *nl;
    char what[40];
    char *data = NULL, *fields = NULL;
    ma_msg *msg = NULL;
    ma_dkim_sign *sign = NULL;
    int opt, rc, ret = CLI_OK, any = 0;

    memset(groups, 0, sizeof groups);
    memset(signers, 0, sizeof signers);
    getopt_restart();
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        sign_group *g = &groups[ngroups - 1];
        if (opt == 'h' || opt == DKS_OPT_HELP) {
            dkim_sign_usage(stdout);
            return CLI_OK;
        }
        if (opt == DKS_OPT_NEXT) {
            if (!any) {
                errmsg("dkim-sign: --next without signing options before it (try --help)");
                return CLI_USAGE;
            }
            if (ngroups == DKIM_SIGNERS_MAX) {
                errmsg("dkim-sign: at most %d signatures in one run", DKIM_SIGNERS_MAX);
                return CLI_USAGE;
            }
            ngroups++;
            any = 0;
            continue;
        }
        if (opt > 0 && opt < DKS_OPT_COUNT) {
            if (g->seen[opt]) {
                errmsg("dkim-sign: option '%s' given twice for one signature "
                       "(--next starts another)", argv[optind - 1]);
                return CLI_USAGE;
            }
            g->seen[opt] = 1;
            g->val[opt] = optarg;
            any = 1;
            continue;
        }
        return option_error("dkim-sign", opt, argv);
    }
    if (!any && ngroups > 1) {
        errmsg("dkim-sign: --next without signing options after it (try --help)");
        return CLI_USAGE;
    }
    if (argc - optind > 1) {
        errmsg("dkim-sign: unexpected argument '%s' (try --help)", argv[optind + 1]);
        return CLI_USAGE;
    }
    if (optind < argc)
        path = argv[optind];
    if (c->json) {
        errmsg("dkim-sign: --json does not apply: the output is the signed message");
        return CLI_USAGE;
    }
    for (i = 0; i < ngroups; i++) {
        if (ngroups > 1)
            snprintf(what, sizeof what, "signature %lu: ", (unsigned long)(i + 1));
        else
            what[0] = '\0';
        ret = sign_group_check(&groups[i], what);
        if (ret != CLI_OK)
            return ret;
    }

    /* The signers, then one signing for all of them. */
    for (i = 0; i < ngroups; i++) {
        if (ngroups > 1)
            snprintf(what, sizeof what, "signature %lu: ", (unsigned long)(i + 1));
        else
            what[0] = '\0';
        ret = cli_load_signer(c, "dkim-sign", what, &groups[i].opts, groups[i].val[DKS_OPT_KEY],
                              groups[i].alg, &signers[i]);
        if (ret != CLI_OK)
            goto out;
    }
    rc = ma_dkim_sign_new(&sign, signers[0]);
    for (i = 1; rc == MA_OK && i < ngroups; i++)
        rc = ma_dkim_sign_add(sign, signers[i]);
    if (rc == MA_OK)
        rc = ma_msg_new(&msg, c->ctx);
    if (rc == MA_OK)
        rc = ma_dkim_sign_attach(sign, msg);
    if (rc != MA_OK) {
        errmsg("dkim-sign: cannot start the signing: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }

    ret = read_message("dkim-sign", path, DKIM_MESSAGE_MAX, msg, &data, &len);
    if (ret != CLI_OK)
        goto out;
    rc = ma_dkim_sign_field(sign, &fields);
    if (rc != MA_OK) {
        errmsg("dkim-sign: signing failed: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    /* The line ending of the message's first line decides the fields'. */
    nl = memchr(data, '\n', len);
    put_fields(stdout, fields, nl != NULL && (nl == data || nl[-1] != '\r'));
    fwrite(data, 1, len, stdout);
out:
    free(data);
    ma_free(c->ctx, fields);
    ma_dkim_sign_free(sign);
    ma_msg_free(msg);
    for (i = 0; i < ngroups; i++)
        ma_dkim_signer_free(signers[i]);
    return ret;
}

/* ------------------------------------------------------- command: dkim-keygen */

static void dkim_keygen_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] dkim-keygen --algorithm ALG [--bits N]\n"
          "                --selector S --domain D [--out FILE]\n"
          "  Generates a DKIM key pair.  Writes the private key (PKCS#8 PEM) to FILE,\n"
          "  created with mode 0600 (an existing file is not overwritten), or to\n"
          "  standard output, then prints the key record to publish as a master-file\n"
          "  line, in strings of at most 255 bytes:\n"
          "      S._domainkey.D. IN TXT \"v=DKIM1; k=rsa; p=...\"\n"
          "  With --json, one object: name, record, key_file, private_key (the PEM\n"
          "  when there is no --out).\n"
          "\n"
          "  --algorithm ALG   rsa-sha256 or ed25519-sha256 (required)\n"
          "  --bits N          RSA key size, 1024 to 8192 (default 2048)\n"
          "  --selector S      the selector (required)\n"
          "  --domain D        the signing domain (required)\n"
          "  --out FILE        write the private key to FILE instead of standard output\n",
          out);
}

/* The options of `dkim-keygen`, indexes into the table of values. */
enum {
    DKG_OPT_ALGORITHM = 1,
    DKG_OPT_BITS,
    DKG_OPT_SELECTOR,
    DKG_OPT_DOMAIN,
    DKG_OPT_OUT,
    DKG_OPT_HELP,
    DKG_OPT_COUNT
};

/* A master-file TXT line: name, then the record in quoted strings of at most
 * 255 bytes each (RFC 1035 3.3.14), '"' and '\' escaped. */
static void put_txt_line(FILE *out, const char *name, const char *record)
{
    size_t i, len = strlen(record);

    fprintf(out, "%s. IN TXT", name);
    for (i = 0; i < len; i++) {
        if (i % 255 == 0)
            fputs(i == 0 ? " \"" : "\" \"", out);
        if (record[i] == '"' || record[i] == '\\')
            fputc('\\', out);
        fputc(record[i], out);
    }
    fputs(len == 0 ? " \"\"\n" : "\"\n", out);
}

/* Write the PEM to a new file, mode 0600.  CLI_OK or CLI_ERROR. */
static int write_key_file(const char *path, const char *pem)
{
    FILE *f;
    int fd, failed;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        errmsg("dkim-keygen: cannot create %s: %s%s", path, strerror(errno),
               errno == EEXIST ? " (a key file is never overwritten)" : "");
        return CLI_ERROR;
    }
    /* The umask may have taken bits away, never added any: 0600 exactly. */
    (void)fchmod(fd, 0600);
    f = fdopen(fd, "w");
    if (f == NULL) {
        errmsg("dkim-keygen: cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return CLI_ERROR;
    }
    fputs(pem, f);
    failed = fflush(f) != 0 || ferror(f);
    if (fclose(f) != 0)
        failed = 1;
    if (failed) {
        errmsg("dkim-keygen: cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return CLI_ERROR;
    }
    return CLI_OK;
}

/*
 * mailauth dkim-keygen --algorithm ALG [--bits N] --selector S --domain D
 *                      [--out FILE]
 *
 * ma_dkim_keygen() makes the key and its record; the record's owner name is
 * checked and normalized (A-labels, lower case) here.
 */
static int cmd_dkim_keygen(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "algorithm", required_argument, NULL, DKG_OPT_ALGORITHM },
        { "bits", required_argument, NULL, DKG_OPT_BITS },
        { "selector", required_argument, NULL, DKG_OPT_SELECTOR },
        { "domain", required_argument, NULL, DKG_OPT_DOMAIN },
        { "out", required_argument, NULL, DKG_OPT_OUT },
        { "help", no_argument, NULL, DKG_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *val[DKG_OPT_COUNT];
    int seen[DKG_OPT_COUNT];
    unsigned long long bits = 0;
    ma_dkim_alg alg;
    char *owner = NULL, *name = NULL, *pem = NULL, *record = NULL, *sel = NULL, *dom = NULL;
    size_t olen;
    int rc, ret = CLI_OK;

    ret = read_options("dkim-keygen", argc, argv, longopts, DKG_OPT_COUNT, DKG_OPT_HELP, val, seen, 0,
                       NULL, 0, NULL);
    if (ret != CLI_OK)
        return ret;
    if (seen[DKG_OPT_HELP]) {
        dkim_keygen_usage(stdout);
        return CLI_OK;
    }
    if (optind < argc) {
        errmsg("dkim-keygen: unexpected argument '%s' (try --help)", argv[optind]);
        return CLI_USAGE;
    }
    if (val[DKG_OPT_ALGORITHM] == NULL || val[DKG_OPT_SELECTOR] == NULL ||
        val[DKG_OPT_DOMAIN] == NULL) {
        errmsg("dkim-keygen: --algorithm, --selector and --domain are required (try --help)");
        return CLI_USAGE;
    }
    alg = parse_sign_alg(val[DKG_OPT_ALGORITHM]);
    if (alg == MA_DKIM_ALG_UNKNOWN) {
        errmsg("dkim-keygen: --algorithm: '%s' is not rsa-sha256 or ed25519-sha256",
               val[DKG_OPT_ALGORITHM]);
        return CLI_USAGE;
    }
    if (val[DKG_OPT_BITS] != NULL) {
        if (alg != MA_DKIM_RSA_SHA256) {
            errmsg("dkim-keygen: --bits applies to rsa-sha256 only (Ed25519 keys have one size)");
            return CLI_USAGE;
        }
        if (parse_uint(val[DKG_OPT_BITS], 1024, 8192, &bits) != 0) {
            errmsg("dkim-keygen: --bits: '%s' is not a number from 1024 to 8192",
                   val[DKG_OPT_BITS]);
            return CLI_USAGE;
        }
    }
    /* The selector and the domain, each checked on its own (a selector
     * may have several labels, RFC 6376 3.1), then the owner name. */
    if (ma_domain_normalize(&sel, c->ctx, val[DKG_OPT_SELECTOR], strlen(val[DKG_OPT_SELECTOR]),
                            MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ALLOW_SINGLE_LABEL) != MA_OK) {
        errmsg("dkim-keygen: --selector: '%s' is not a valid selector", val[DKG_OPT_SELECTOR]);
        ret = CLI_USAGE;
        goto out;
    }
    if (ma_domain_normalize(&dom, c->ctx, val[DKG_OPT_DOMAIN], strlen(val[DKG_OPT_DOMAIN]),
                            MA_DOMAIN_ALLOW_UNDERSCORE) != MA_OK) {
        errmsg("dkim-keygen: --domain: '%s' is not a valid domain name", val[DKG_OPT_DOMAIN]);
        ret = CLI_USAGE;
        goto out;
    }
    olen = strlen(sel) + strlen(dom) + sizeof "._domainkey.";
    owner = malloc(olen);
    if (owner == NULL) {
        errmsg("dkim-keygen: out of memory");
        ret = CLI_ERROR;
        goto out;
    }
    snprintf(owner, olen, "%s._domainkey.%s", sel, dom);
    if (ma_domain_normalize(&name, c->ctx, owner, strlen(owner), MA_DOMAIN_ALLOW_UNDERSCORE)
        != MA_OK) {
        errmsg("dkim-keygen: '%s' is too long for a domain name", owner);
        ret = CLI_USAGE;
        goto out;
    }

    rc = ma_dkim_keygen(&pem, &record, c->ctx, alg, (unsigned int)bits);
    if (rc != MA_OK) {
        errmsg("dkim-keygen: cannot generate the key: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    if (val[DKG_OPT_OUT] != NULL) {
        ret = write_key_file(val[DKG_OPT_OUT], pem);
        if (ret != CLI_OK)
            goto out;
    }
    if (c->json) {
        fputc('{', stdout);
        put_json_member(stdout, "name", name, 1);
        put_json_member(stdout, "record", record, 0);
        put_json_member(stdout, "key_file", val[DKG_OPT_OUT] != NULL ? val[DKG_OPT_OUT] : "", 0);
        put_json_member(stdout, "private_key", val[DKG_OPT_OUT] != NULL ? "" : pem, 0);
        fputs("}\n", stdout);
    } else {
        if (val[DKG_OPT_OUT] == NULL)
            fputs(pem, stdout);
        put_txt_line(stdout, name, record);
    }
out:
    if (pem != NULL)
        memset(pem, 0, strlen(pem));
    ma_free(c->ctx, pem);
    ma_free(c->ctx, record);
    ma_free(c->ctx, name);
    ma_free(c->ctx, sel);
    ma_free(c->ctx, dom);
    free(owner);
    return ret;
}

/* ------------------------------------------------------------- command: dmarc */

/* Most --trusted-sealer values (a receiver's list of forwarders). */
#define DMARC_SEALERS_MAX 64

static void dmarc_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] dmarc --ip IP --helo NAME --sender ADDRESS\n"
          "                [--mode 9989|7489] [--psl FILE] [--trusted-sealer DOMAIN]...\n"
          "                [FILE]\n"
          "  DMARC evaluation of the message in FILE (standard input when absent or\n"
          "  \"-\") as received from the SMTP client at IP: SPF (RFC 7208) of the\n"
          "  MAIL FROM identity, DKIM (RFC 6376) of every signature, then DMARC\n"
          "  (RFC 9989 by default, or RFC 7489) for the author domain of From.\n"
          "  For a null sender (\"\" or \"<>\") SPF checks postmaster@NAME and DMARC\n"
          "  takes NAME as the SPF domain (still the MAIL FROM identity, RFC 7208 2.4).\n"
          "\n"
          "  --ip IP                 the SMTP client's address, IPv4 or IPv6 (required)\n"
          "  --helo NAME             the HELO/EHLO name (required)\n"
          "  --sender ADDRESS        the MAIL FROM address, \"\" or \"<>\" for the null\n"
          "                          reverse-path (required)\n"
          "  --mode 9989|7489        RFC 9989 (DNS tree walk; np=, psd=, t=; the\n"
          "                          default) or RFC 7489 (Public Suffix List; pct=)\n"
          "  --psl FILE              --mode 7489: the Public Suffix List to use, in the\n"
          "                          publicsuffix.org format (default: libpsl's own)\n"
          "  --trusted-sealer DOMAIN a forwarder whose ARC seal lifts a DMARC failure\n"
          "                          (repeatable): when the message's ARC chain\n"
          "                          validates and its newest seal is this domain's,\n"
          "                          the disposition is none (override\n"
          "                          trusted_forwarder); the result stays fail\n"
          "\n"
          "  The first line is the verdict:\n"
          "      dmarc=RESULT policy=POLICY disposition=DISPOSITION header.from=DOMAIN\n"
          "  RESULT is none, pass, fail, temperror or permerror; POLICY the policy\n"
          "  the author domain's record sets for it (none, quarantine or reject; also\n"
          "  \"none\" when no policy applies: the policy.tag line is then empty);\n"
          "  DISPOSITION what to do with the message (none, quarantine or reject,\n"
          "  after pct=, t=y and overrides); DOMAIN the author domain (empty when\n"
          "  From gives none).  Detail lines follow, one key=value each (an empty\n"
          "  value means there is none):\n"
          "      spf=RESULT domain=D              the SPF result and its domain\n"
          "      dkim=RESULT d=D s=S a=ALG ...    one per DKIM-Signature, topmost\n"
          "                                       first (\"dkim=none\" without any);\n"
          "                                       \"unsigned-extra\" at the end: a\n"
          "                                       signed field has an unsigned\n"
          "                                       instance, DMARC does not count it\n"
          "      spf.aligned=D  dkim.aligned=D    the identifiers that aligned\n"
          "      policy.domain=D                  whose record applies\n"
          "      policy.tag=p|sp|np               which tag set the policy\n"
          "      org.domain=D                     the organizational domain\n"
          "      override=sampled_out|testing|trusted_forwarder\n"
          "      reason=WORD  problem=TEXT        why the verdict is what it is\n"
          "      authres=RESINFO                  for Authentication-Results\n"
          "  With --json, one object with the same: dmarc, policy, disposition,\n"
          "  header_from, spf {result, domain}, dkim [as dkim-verify --json],\n"
          "  spf_aligned, dkim_aligned, policy_domain, policy_tag, org_domain,\n"
          "  override, reason, problem, authres.  Exit status 0 whatever the verdict.\n",
          out);
}

/* The options of `dmarc`, indexes into the table of values. */
enum {
    DM_OPT_IP = 1,
    DM_OPT_HELO,
    DM_OPT_SENDER,
    DM_OPT_MODE,
    DM_OPT_PSL,
    DM_OPT_SEALER,
    DM_OPT_HELP,
    DM_OPT_COUNT
};

/* --mode: "9989" or "7489"; -1 otherwise. */
int parse_dmarc_mode(const char *text)
{
    if (strcmp(text, "9989") == 0)
        return MA_DMARC_MODE_9989;
    if (strcmp(text, "7489") == 0)
        return MA_DMARC_MODE_7489;
    return -1;
}

/* key=value on a line of its own (value escaped as put_text does). */
void put_detail(const char *key, const char *value)
{
    fputs(key, stdout);
    fputc('=', stdout);
    put_text(stdout, value, strlen(value));
    fputc('\n', stdout);
}

/* The SPF domain DMARC gets (RFC 7489 3.1.2, RFC 9989 3.2.7): the domain
 * of MAIL FROM (all of it when there is no '@'), or for a null sender the
 * HELO name (RFC 7208 2.4: SPF checked postmaster@HELO). */
const char *spf_domain(const char *sender, const char *helo)
{
    const char *at;

    if (sender == NULL)
        return helo;
    at = strrchr(sender, '@');
    return at != NULL ? at + 1 : sender;
}

/* Give DMARC the DKIM verdicts, passes first: the DMARC job takes a
 * bounded number, and only a pass can align.  A signature without a
 * readable d= names no domain and is left out. */
int dmarc_add_dkim(ma_job *dmarc, const ma_job *dkim)
{
    return ma_dmarc_job_add_dkim_job(dmarc, dkim);
}

/* The verdict as text: the first line, then the details. */
static void dmarc_print_plain(const ma_job *dmarc, int spf_res, const char *spf_dom,
                              const ma_job *dkim, const char *authres)
{
    const char *policy = ma_dmarc_policy_name(ma_dmarc_job_policy(dmarc));
    const char *word;
    size_t i, n = ma_dkim_job_count(dkim);

    word = ma_dmarc_result_name(ma_dmarc_job_result(dmarc));
    printf("dmarc=%s policy=%s disposition=", word != NULL ? word : "unknown",
           policy != NULL && policy[0] != '\0' ? policy : "none");
    word = ma_dmarc_disposition_name(ma_dmarc_job_disposition(dmarc));
    fputs(word != NULL ? word : "unknown", stdout);
    fputs(" header.from=", stdout);
    put_text(stdout, ma_dmarc_job_author_domain(dmarc), strlen(ma_dmarc_job_author_domain(dmarc)));
    fputc('\n', stdout);

    word = ma_spf_result_name(spf_res);
    printf("spf=%s domain=", word != NULL ? word : "unknown");
    put_text(stdout, spf_dom, strlen(spf_dom));
    fputc('\n', stdout);
    if (n == 0)
        puts("dkim=none");
    for (i = 0; i < n; i++)
        dkim_put_plain(dkim, i, "dkim=", 1);
    put_detail("spf.aligned", ma_dmarc_job_spf_aligned(dmarc));
    put_detail("dkim.aligned", ma_dmarc_job_dkim_aligned(dmarc));
    put_detail("policy.domain", ma_dmarc_job_policy_domain(dmarc));
    put_detail("policy.tag", ma_dmarc_job_policy_tag(dmarc));
    put_detail("org.domain", ma_dmarc_job_org_domain(dmarc));
    word = ma_dmarc_override_name(ma_dmarc_job_override(dmarc));
    put_detail("override", word != NULL ? word : "unknown");
    word = ma_dmarc_reason_name(ma_dmarc_job_reason(dmarc));
    put_detail("reason", word != NULL ? word : "unknown");
    put_detail("problem", ma_dmarc_job_problem(dmarc));
    put_detail("authres", authres);
}

/* The verdict as one JSON object. */
static void dmarc_print_json(const ma_job *dmarc, int spf_res, const char *spf_dom,
                             const ma_job *dkim, const char *authres)
{
    const char *policy = ma_dmarc_policy_name(ma_dmarc_job_policy(dmarc));
    const char *word;
    size_t i, n = ma_dkim_job_count(dkim);

    fputc('{', stdout);
    word = ma_dmarc_result_name(ma_dmarc_job_result(dmarc));
    put_json_member(stdout, "dmarc", word != NULL ? word : "unknown", 1);
    put_json_member(stdout, "policy", policy != NULL && policy[0] != '\0' ? policy : "none", 0);
    word = ma_dmarc_disposition_name(ma_dmarc_job_disposition(dmarc));
    put_json_member(stdout, "disposition", word != NULL ? word : "unknown", 0);
    put_json_member(stdout, "header_from", ma_dmarc_job_author_domain(dmarc), 0);
    fputs(",\"spf\":{", stdout);
    word = ma_spf_result_name(spf_res);
    put_json_member(stdout, "result", word != NULL ? word : "unknown", 1);
    put_json_member(stdout, "domain", spf_dom, 0);
    fputs("},\"dkim\":[", stdout);
    for (i = 0; i < n; i++) {
        if (i > 0)
            fputc(',', stdout);
        dkim_print_json(dkim, i);
    }
    fputc(']', stdout);
    put_json_member(stdout, "spf_aligned", ma_dmarc_job_spf_aligned(dmarc), 0);
    put_json_member(stdout, "dkim_aligned", ma_dmarc_job_dkim_aligned(dmarc), 0);
    put_json_member(stdout, "policy_domain", ma_dmarc_job_policy_domain(dmarc), 0);
    put_json_member(stdout, "policy_tag", ma_dmarc_job_policy_tag(dmarc), 0);
    put_json_member(stdout, "org_domain", ma_dmarc_job_org_domain(dmarc), 0);
    word = ma_dmarc_override_name(ma_dmarc_job_override(dmarc));
    put_json_member(stdout, "override", word != NULL ? word : "unknown", 0);
    word = ma_dmarc_reason_name(ma_dmarc_job_reason(dmarc));
    put_json_member(stdout, "reason", word != NULL ? word : "unknown", 0);
    put_json_member(stdout, "problem", ma_dmarc_job_problem(dmarc), 0);
    put_json_member(stdout, "authres", authres, 0);
    fputs("}\n", stdout);
}

/*
 * mailauth dmarc --ip IP --helo NAME --sender ADDRESS [--mode 9989|7489]
 *                [--psl FILE] [--trusted-sealer DOMAIN]... [FILE]
 *
 * One message reader feeds a DKIM job and a DMARC job (attached before the
 * message is written: the DMARC job reads From in its header hook); an SPF
 * job checks the envelope.  The SPF and DKIM jobs run first, their results
 * go to the DMARC job (ma_dmarc_job_add_spf, ma_dmarc_job_add_dkim), which
 * runs last; all three through the resolver of the global options.
 */
static int cmd_dmarc(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ip", required_argument, NULL, DM_OPT_IP },
        { "helo", required_argument, NULL, DM_OPT_HELO },
        { "sender", required_argument, NULL, DM_OPT_SENDER },
        { "mode", required_argument, NULL, DM_OPT_MODE },
        { "psl", required_argument, NULL, DM_OPT_PSL },
        { "trusted-sealer", required_argument, NULL, DM_OPT_SEALER },
        { "help", no_argument, NULL, DM_OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *val[DM_OPT_COUNT];
    int seen[DM_OPT_COUNT];
    const char *sealers[DMARC_SEALERS_MAX];
    size_t nsealers = 0, i;
    ma_spf_params p = MA_SPF_PARAMS_INIT;
    ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
    const char *path = NULL, *sender, *dom;
    ma_msg *msg = NULL;
    ma_job *spf = NULL, *dkim = NULL, *dmarc = NULL, *arc = NULL;
    ma_psl *psl = NULL;
    ma_resolver *resolver;
    char *authres = NULL, *norm = NULL;
    int rc, mode = MA_DMARC_MODE_9989, spf_res, ret = CLI_OK;

    ret = read_options("dmarc", argc, argv, longopts, DM_OPT_COUNT, DM_OPT_HELP, val, seen,
                       DM_OPT_SEALER, sealers, DMARC_SEALERS_MAX, &nsealers);
    if (ret != CLI_OK)
        return ret;
    if (seen[DM_OPT_HELP]) {
        dmarc_usage(stdout);
        return CLI_OK;
    }
    if ((ret = read_path_operand("dmarc", argc, argv, &path)) != CLI_OK)
        return ret;
    if (val[DM_OPT_IP] == NULL || val[DM_OPT_HELO] == NULL || val[DM_OPT_SENDER] == NULL) {
        errmsg("dmarc: --ip, --helo and --sender are required (try --help)");
        return CLI_USAGE;
    }
    if (ma_ip_parse(&p.ip, val[DM_OPT_IP], strlen(val[DM_OPT_IP])) != MA_OK) {
        errmsg("dmarc: --ip: '%s' is not an IPv4 or IPv6 address", val[DM_OPT_IP]);
        return CLI_USAGE;
    }
    if (val[DM_OPT_HELO][0] == '\0') {
        errmsg("dmarc: --helo: the HELO name is empty");
        return CLI_USAGE;
    }
    /* "" and "<>" are the null reverse-path (RFC 5321 4.5.5). */
    sender = val[DM_OPT_SENDER];
    if (sender[0] == '\0' || strcmp(sender, "<>") == 0)
        sender = NULL;
    if (val[DM_OPT_MODE] != NULL) {
        mode = parse_dmarc_mode(val[DM_OPT_MODE]);
        if (mode < 0) {
            errmsg("dmarc: --mode: '%s' is not 9989 or 7489", val[DM_OPT_MODE]);
            return CLI_USAGE;
        }
    }
    if (val[DM_OPT_PSL] != NULL && mode != MA_DMARC_MODE_7489) {
        errmsg("dmarc: --psl applies to --mode 7489 only (RFC 9989 walks the DNS tree)");
        return CLI_USAGE;
    }
    for (i = 0; i < nsealers; i++) {
        if (ma_domain_normalize(&norm, c->ctx, sealers[i], strlen(sealers[i]), 0) != MA_OK) {
            errmsg("dmarc: --trusted-sealer: '%s' is not a valid domain name", sealers[i]);
            return CLI_USAGE;
        }
        ma_free(c->ctx, norm);
        norm = NULL;
    }

    /* RFC 7489 mode: the list is loaded (or libpsl's checked) up front. */
    if (mode == MA_DMARC_MODE_7489) {
        rc = ma_psl_new(&psl, c->ctx, val[DM_OPT_PSL]);
        if (rc != MA_OK) {
            if (rc == MA_EIO)
                errmsg("dmarc: --psl: cannot read %s as a Public Suffix List", val[DM_OPT_PSL]);
            else if (rc == MA_EUNSUPPORTED)
                errmsg("dmarc: libpsl has no built-in Public Suffix List: give --psl FILE");
            else
                errmsg("dmarc: cannot load the Public Suffix List: %s", ma_status_str(rc));
            return CLI_ERROR;
        }
    }
    o.mode = mode;
    o.psl = psl;

    p.sender = sender;
    p.helo = val[DM_OPT_HELO];
    rc = ma_msg_new(&msg, c->ctx);
    if (rc == MA_OK)
        rc = ma_spf_job_new(&spf, c->ctx, &p);
    if (rc == MA_OK)
        rc = ma_dkim_job_new(&dkim, c->ctx, NULL);
    if (rc == MA_OK)
        rc = ma_dkim_job_attach(dkim, msg);
    if (rc == MA_OK && nsealers > 0)
        rc = ma_arc_job_new(&arc, c->ctx, NULL);
    if (rc == MA_OK && arc != NULL)
        rc = ma_arc_job_attach(arc, msg);
    if (rc == MA_OK)
        rc = ma_dmarc_job_new(&dmarc, c->ctx, &o);
    if (rc == MA_OK)
        rc = ma_dmarc_job_attach(dmarc, msg);
    if (rc != MA_OK) {
        errmsg("dmarc: cannot create the evaluation: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = stream_message("dmarc", path, msg);
    if (ret != CLI_OK)
        goto out;

    ret = cli_run_job(c, spf, "dmarc: SPF check failed", &resolver);
    if (ret == CLI_OK)
        ret = cli_run_job(c, dkim, "dmarc: DKIM verification failed", &resolver);
    if (ret == CLI_OK && arc != NULL)
        ret = cli_run_job(c, arc, "dmarc: ARC validation failed", &resolver);
    if (ret != CLI_OK)
        goto out;
    spf_res = ma_spf_job_result(spf);
    dom = spf_domain(sender, val[DM_OPT_HELO]);
    /* Always the MAIL FROM scope: for a null sender too (RFC 7208 2.4). */
    rc = ma_dmarc_job_add_spf(dmarc, spf_res, dom, MA_DMARC_SPF_MAILFROM);
    if (rc == MA_OK)
        rc = dmarc_add_dkim(dmarc, dkim);
    /* The ARC override: the chain's status and its newest sealer. */
    if (rc == MA_OK && arc != NULL)
        rc = ma_dmarc_job_set_arc(dmarc, ma_arc_job_result(arc) == MA_ARC_PASS,
                                  ma_arc_job_count(arc) ? ma_arc_job_sealer(arc, ma_arc_job_count(arc))
                                                        : NULL,
                                  sealers, nsealers);
    if (rc != MA_OK) {
        errmsg("dmarc: cannot pass on the SPF and DKIM results: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = cli_run_job(c, dmarc, "dmarc: evaluation failed", &resolver);
    if (ret != CLI_OK)
        goto out;
    rc = ma_dmarc_job_authres(dmarc, &authres);
    if (rc != MA_OK) {
        errmsg("dmarc: cannot format the result: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    if (c->json)
        dmarc_print_json(dmarc, spf_res, dom, dkim, authres);
    else
        dmarc_print_plain(dmarc, spf_res, dom, dkim, authres);
out:
    ma_free(c->ctx, authres);
    ma_job_free(dmarc);
    ma_job_free(arc);
    ma_job_free(dkim);
    ma_job_free(spf);
    ma_msg_free(msg);
    ma_psl_free(psl);
    return ret;
}

/* ------------------------------------------------------ command: dmarc-record */

static void dmarc_record_usage(FILE *out)
{
    fputs("Usage: mailauth [OPTIONS] dmarc-record [--mode 9989|7489] RECORD\n"
          "  Parses RECORD, a DMARC policy record (the TXT strings joined), as a\n"
          "  receiver would (RFC 9989 by default, or RFC 7489) and prints its\n"
          "  effective values: every tag of the mode, defaults filled in, e.g.\n"
          "      v=DMARC1; p=reject; sp=reject; np=reject; adkim=r; aspf=r; ...\n"
          "  then one line per recovered issue (a tag discarded or ignored):\n"
          "      issue: TAG: WHAT at offset N\n"
          "  A record a receiver would refuse gives one line instead:\n"
          "      error: TAG: WHY at offset N\n"
          "  (offsets count bytes from 0 in RECORD).  With --json, one object:\n"
          "  valid (true or false), record (\"\" when refused) and problem (the\n"
          "  error, or the issues joined by \"; \", or \"\").  Exit status 0 whether\n"
          "  or not the record is valid; 2 on a usage error.\n"
          "\n"
          "  --mode 9989|7489   the specification (default 9989)\n",
          out);
}

/* Write the issues "A; B; C" as lines "issue: A" ... (a reason text never
 * holds "; "). */
static void put_issues(const char *text)
{
    const char *p = text, *e;

    while (*p != '\0') {
        e = strstr(p, "; ");
        fputs("issue: ", stdout);
        put_text(stdout, p, e != NULL ? (size_t)(e - p) : strlen(p));
        fputc('\n', stdout);
        if (e == NULL)
            break;
        p = e + 2;
    }
}

/*
 * mailauth dmarc-record [--mode 9989|7489] RECORD
 *
 * ma_dmarc_record_effective() does all the work; the evaluation ran when
 * it says the record is refused, so that is exit 0 too.
 */
static int cmd_dmarc_record(cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "mode", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *mode_text = NULL, *record;
    char *eff = NULL, *problem = NULL;
    int opt, rc, mode = MA_DMARC_MODE_9989;

    getopt_restart();
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            dmarc_record_usage(stdout);
            return CLI_OK;
        }
        if (opt == 'm') {
            if (mode_text != NULL) {
                errmsg("dmarc-record: option '%s' given twice", argv[optind - 1]);
                return CLI_USAGE;
            }
            mode_text = optarg;
            continue;
        }
        return option_error("dmarc-record", opt, argv);
    }
    if (argc - optind != 1) {
        if (argc - optind == 0)
            errmsg("dmarc-record: expected the RECORD (try --help)");
        else
            errmsg("dmarc-record: unexpected argument '%s' (try --help)", argv[optind + 1]);
        return CLI_USAGE;
    }
    record = argv[optind];
    if (mode_text != NULL) {
        mode = parse_dmarc_mode(mode_text);
        if (mode < 0) {
            errmsg("dmarc-record: --mode: '%s' is not 9989 or 7489", mode_text);
            return CLI_USAGE;
        }
    }
    rc = ma_dmarc_record_effective(&eff, &problem, c->ctx, record, strlen(record), mode);
    if (rc != MA_OK && rc != MA_ESYNTAX) {
        errmsg("dmarc-record: cannot evaluate the record: %s", ma_status_str(rc));
        ma_free(c->ctx, problem);
        return CLI_ERROR;
    }
    if (c->json) {
        printf("{\"valid\":%s", rc == MA_OK ? "true" : "false");
        fputs(",\"record\":", stdout);
        put_json_cstr(stdout, eff != NULL ? eff : "");
        fputs(",\"problem\":", stdout);
        put_json_cstr(stdout, problem != NULL ? problem : "");
        fputs("}\n", stdout);
    } else if (rc == MA_OK) {
        put_text(stdout, eff, strlen(eff));
        fputc('\n', stdout);
        if (problem != NULL)
            put_issues(problem);
    } else {
        fputs("error: ", stdout);
        put_text(stdout, problem != NULL ? problem : "refused", problem != NULL ? strlen(problem) : 7);
        fputc('\n', stdout);
    }
    ma_free(c->ctx, eff);
    ma_free(c->ctx, problem);
    return CLI_OK;
}

/* ------------------------------------------------------------------- main */

static int64_t clock_fixed(void *payload)
{
    return *(const int64_t *)payload;
}

/* Parse --now: decimal seconds since the epoch, 0 or more, whose
 * millisecond value fits an int64_t. */
static int parse_now(const char *text, int64_t *ms)
{
    char *end;
    long long v;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > INT64_MAX / 1000)
        return -1;
    *ms = (int64_t)v * 1000;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "zone", required_argument, NULL, 'z' },
        { "nameserver", required_argument, NULL, 'n' },
        { "now", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    cli c;
    ma_ctx_opts opts = MA_CTX_OPTS_INIT;
    const command *cmd;
    int opt, rc, ret = CLI_OK, help = 0, version = 0;

    memset(&c, 0, sizeof c);
    /* At most one entry per argument: no overflow checks needed below. */
    c.zones = calloc((size_t)argc + 1, sizeof *c.zones);
    c.servers = calloc((size_t)argc + 1, sizeof *c.servers);
    if (c.zones == NULL || c.servers == NULL) {
        errmsg("out of memory");
        ret = CLI_ERROR;
        goto out;
    }

    /* '+': stop at the first operand (the command); ':': report a missing
     * argument as ':' rather than '?'.  We print our own messages. */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'z':
            c.zones[c.nzones++] = optarg;
            break;
        case 'n':
            c.servers[c.nservers++] = optarg;
            break;
        case 't':
            if (parse_now(optarg, &c.now_ms) != 0) {
                errmsg("--now: '%s' is not a time in seconds since the epoch", optarg);
                ret = CLI_USAGE;
                goto out;
            }
            c.have_now = 1;
            break;
        case 'j':
            c.json = 1;
            break;
        case 'h':
            help = 1;
            break;
        case 'V':
            version = 1;
            break;
        case ':':
            errmsg("option '%s' needs an argument (try --help)", argv[optind - 1]);
            ret = CLI_USAGE;
            goto out;
        default:
            /* getopt sets optopt to 0 for an unknown long option, and to
             * the option's value for a long option given an argument it
             * does not take. */
            if (optopt == 0)
                errmsg("unknown option '%s' (try --help)", argv[optind - 1]);
            else if (strncmp(argv[optind - 1], "--", 2) == 0)
                errmsg("option '%s' takes no argument (try --help)", argv[optind - 1]);
            else
                errmsg("unknown option '-%c' (try --help)", optopt);
            ret = CLI_USAGE;
            goto out;
        }
    }
    if (help) {
        usage(stdout);
        goto out;
    }
    if (version) {
        printf("mailauth %s\n", ma_version());
        goto out;
    }
    if (c.nzones > 0 && c.nservers > 0) {
        errmsg("--zone and --nameserver cannot be used together");
        ret = CLI_USAGE;
        goto out;
    }
    if (optind >= argc) {
        errmsg("no command given (try --help)");
        ret = CLI_USAGE;
        goto out;
    }
    cmd = find_command(argv[optind]);
    if (cmd == NULL) {
        errmsg("unknown command '%s' (try --help)", argv[optind]);
        ret = CLI_USAGE;
        goto out;
    }

    if (c.have_now) {
        opts.clock_fn = clock_fixed;
        opts.clock_payload = &c.now_ms;
    }
    rc = ma_ctx_new(&c.ctx, &opts);
    if (rc != MA_OK) {
        errmsg("cannot create the library context: %s", ma_status_str(rc));
        ret = CLI_ERROR;
        goto out;
    }
    ret = cmd->run(&c, argc - optind, argv + optind);

out:
    ma_resolver_free(c.resolver);
    ma_static_zone_free(c.zone);
    ma_ctx_free(c.ctx);
    free(c.zones);
    free(c.servers);
    /* Output that could not be written is an I/O error. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        errmsg("cannot write the output: %s", strerror(errno));
        if (ret == CLI_OK)
            ret = CLI_ERROR;
    }
    return ret;
}
