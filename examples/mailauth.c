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
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

/* Exit statuses. */
enum {
    CLI_OK = 0,
    CLI_ERROR = 1,
    CLI_USAGE = 2
};

/* The global state shared by the commands. */
typedef struct cli {
    ma_ctx *ctx;
    const char **zones;        /* --zone files, in order */
    size_t nzones;
    const char **servers;      /* --nameserver values, in order */
    size_t nservers;
    int json;                  /* --json */
    int64_t now_ms;            /* --now, in milliseconds */
    ma_static_zone *zone;      /* made by cli_resolver() from the --zone files */
    ma_resolver *resolver;     /* made on first use by cli_resolver() */
} cli;

/* A command: name, argument synopsis, one-line summary, entry point.
 * argv[0] is the command name; argv[1..argc-1] its arguments. */
typedef struct command {
    const char *name;
    const char *args;
    const char *summary;
    int (*run)(cli *c, int argc, char **argv);
} command;

static int cmd_dns(cli *c, int argc, char **argv);
static int cmd_spf(cli *c, int argc, char **argv);

static const command commands[] = {
    { "dns", "TYPE NAME", "look up NAME's records of TYPE (txt, a, aaaa, mx, ptr)", cmd_dns },
    { "spf", "--ip IP [OPTIONS]", "SPF check of a client address (RFC 7208)", cmd_spf },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* ------------------------------------------------------------------ messages */

#if defined(__GNUC__)
# define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
# define CLI_PRINTF(f, a)
#endif

static void errmsg(const char *fmt, ...) CLI_PRINTF(1, 2);

/* One line on stderr: "mailauth: " + the message. */
static void errmsg(const char *fmt, ...)
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
          "  --json                  print results as one JSON object\n"
          "  --help                  print this help and exit\n"
          "  --version               print the library version and exit\n"
          "\n"
          "Commands:\n", out);
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %s %-*s %s\n", commands[i].name,
                (int)(22 - strlen(commands[i].name)), commands[i].args, commands[i].summary);
    fputs("\n"
          "Exit status: 0 when the check ran (whatever its result), 1 on an I/O or\n"
          "internal error, 2 on a usage error.\n", out);
}

/* ------------------------------------------------------------------ output */

/* Master-file style: printable ASCII as is, everything else (and the
 * backslash) as \DDD with a decimal byte value (RFC 1035 5.1). */
static void put_text(FILE *out, const char *s, size_t len)
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
static void put_json_string(FILE *out, const char *s, size_t len)
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

static void put_json_cstr(FILE *out, const char *s)
{
    put_json_string(out, s, strlen(s));
}

/* -------------------------------------------------------------- the resolver */

/* The resolver chosen by the global options, made on first use so that
 * commands without DNS never touch resolv.conf or the zone files. */
static int cli_resolver(cli *c, ma_resolver **out)
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
static int cli_run_job(cli *c, ma_job *job, const char *what, ma_resolver **resolver)
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
static int command_options(const command *cmd, int argc, char **argv, int *first, int *done)
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

static const command *find_command(const char *name)
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
static void put_field(FILE *out, const char *s)
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
static void put_json_member(FILE *out, const char *key, const char *value, int first)
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
    int opt, rc, ret;

    memset(val, 0, sizeof val);
    memset(seen, 0, sizeof seen);
    /* main() parsed the global options with getopt_long(): start afresh
     * (optind 0 makes glibc reinitialise; elsewhere 1 is the first index). */
#ifdef __GLIBC__
    optind = 0;
#else
    optind = 1;
#endif
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (opt == 'h')
            opt = SPF_OPT_HELP;
        if (opt > 0 && opt < SPF_OPT_COUNT) {
            if (seen[opt] && opt != SPF_OPT_HELP) {
                errmsg("spf: option '%s' given twice", argv[optind - 1]);
                return CLI_USAGE;
            }
            seen[opt] = 1;
            val[opt] = optarg;
            continue;
        }
        if (opt == ':')
            errmsg("spf: option '%s' needs an argument (try --help)", argv[optind - 1]);
        else if (optopt == 0)
            errmsg("spf: unknown option '%s' (try --help)", argv[optind - 1]);
        else if (strncmp(argv[optind - 1], "--", 2) == 0)
            errmsg("spf: option '%s' takes no argument (try --help)", argv[optind - 1]);
        else
            errmsg("spf: unknown option '-%c' (try --help)", optopt);
        return CLI_USAGE;
    }
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
    int opt, rc, ret = CLI_OK, have_now = 0, help = 0, version = 0;

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
            have_now = 1;
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

    if (have_now) {
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
