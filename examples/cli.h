/*
 * mailauth (the command-line tool): what the command files share.
 *
 * mailauth.c holds main(), the command table and the helpers declared
 * here; each group of commands may live in a file of its own (cli-arc.c,
 * cli-auth.c) and use them.  Public libmailauth API only.
 */
#ifndef MAILAUTH_CLI_H
#define MAILAUTH_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include <mailauth/mailauth.h>

#if defined(__GNUC__)
# define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
# define CLI_PRINTF(f, a)
#endif

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
    int have_now;              /* --now was given */
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

/* The commands living outside mailauth.c. */
int cmd_arc_verify(cli *c, int argc, char **argv);
int cmd_arc_seal(cli *c, int argc, char **argv);
int cmd_authres(cli *c, int argc, char **argv);
int cmd_rdns(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);

/* ---------------------------------------------------------------- output */

/* One line on stderr: "mailauth: " + the message. */
void errmsg(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Printable ASCII as is, anything else (and '\') as \DDD. */
void put_text(FILE *out, const char *s, size_t len);
/* A JSON string, ASCII only (other bytes as \u00XX). */
void put_json_string(FILE *out, const char *s, size_t len);
void put_json_cstr(FILE *out, const char *s);
/* ,"key":"value" (no comma before the first). */
void put_json_member(FILE *out, const char *key, const char *value, int first);
/* A header field as the library made it, folding CRLFs as newlines. */
void put_field(FILE *out, const char *s);
/* key=value on a line of its own (value as put_text). */
void put_detail(const char *key, const char *value);
/* Header fields the library made (CRLF-separated, no final CRLF), then a
 * line end; with lf, every CRLF written as LF (for an LF message). */
void put_fields(FILE *out, const char *text, int lf);

/* ---------------------------------------------------------- resolver, jobs */

/* The resolver of the global options, made on first use. */
int cli_resolver(cli *c, ma_resolver **out);
/* Run job to completion through the resolver; what prefixes the message. */
int cli_run_job(cli *c, ma_job *job, const char *what, ma_resolver **resolver);

/* -------------------------------------------------------------- arguments */

const command *find_command(const char *name);
/* Options of a command without options of its own (--help, --). */
int command_options(const command *cmd, int argc, char **argv, int *first, int *done);
/* Start getopt_long() afresh for a command (optstring "+:..."). */
void getopt_restart(void);
/* Report what getopt_long() returned as a usage error of command name. */
int option_error(const char *name, int opt, char **argv);

/*
 * A command's options (getopt_long values 1..count-1; "-h" counts as the
 * value help): each value into val[opt] with seen[opt] set, and an option
 * given twice is a usage error, except help and the repeatable option
 * `multi` (0: none), whose values go to multi_vals (at most multi_max,
 * counted in *nmulti).  On return optind is the first operand.
 * CLI_OK, or CLI_USAGE after a message.
 */
int read_options(const char *name, int argc, char **argv, const struct option *longopts, int count,
                 int help, const char **val, int *seen, int multi, const char **multi_vals,
                 size_t multi_max, size_t *nmulti);
/* The options of a command whose only option is --help (printed with
 * usage, *done set) and whose operand is the message FILE (*path). */
int message_options(const char *name, int argc, char **argv, void (*print_usage)(FILE *out),
                    const char **path, int *done);
/* At most one operand (FILE) after the options: *path gets it or NULL. */
int read_path_operand(const char *name, int argc, char **argv, const char **path);
/* An unsigned decimal in [min, max]: 0, or -1. */
int parse_uint(const char *text, unsigned long long min, unsigned long long max,
               unsigned long long *v);
/* "rsa-sha256" / "ed25519-sha256", else MA_DKIM_ALG_UNKNOWN. */
ma_dkim_alg parse_sign_alg(const char *text);
/* "9989" / "7489" as a DMARC mode, else -1. */
int parse_dmarc_mode(const char *text);

/* ----------------------------------------------------------------- input */

/* "standard input" for NULL or "-", else path. */
const char *input_name(const char *path);
/* Open path (stdin for NULL or "-"); NULL after a message. */
FILE *open_input(const char *cmd, const char *path);
void close_input(FILE *in);
/* All of in, at most max bytes, malloc'd and NUL-terminated. */
int read_all(const char *cmd, const char *name, FILE *in, size_t max, char **data, size_t *len);
/* Report a message the reader refused; returns CLI_ERROR. */
int message_error(const char *cmd, const char *name, ma_msg *msg, int rc);
/* Read the message in path whole (at most max bytes) into *data (free()),
 * write it to msg and finish it: for commands that print it after fields
 * they add.  CLI_OK or CLI_ERROR after a message. */
int read_message(const char *cmd, const char *path, size_t max, ma_msg *msg, char **data,
                 size_t *len);
/* Feed the message in path to msg and finish it. */
int stream_message(const char *cmd, const char *path, ma_msg *msg);

/* Whether a colon list of field names names name (given in lower case). */
int list_has_name(const char *list, const char *name);

/* ------------------------------------------------------------ signing */

/*
 * A signer from the private key in path with opts; want is --algorithm
 * (MA_DKIM_ALG_UNKNOWN: any).  Messages start with "CMD: WHAT".
 * CLI_OK, or CLI_ERROR / CLI_USAGE after a message.
 */
int cli_load_signer(cli *c, const char *cmd, const char *what, const ma_dkim_sign_opts *opts,
                    const char *path, ma_dkim_alg want, ma_dkim_signer **out);

/* ------------------------------------------------------------ DMARC glue */

/* The SPF domain DMARC gets: MAIL FROM's domain, or HELO for a null sender. */
const char *spf_domain(const char *sender, const char *helo);
/* Signature i of a finished DKIM job as one JSON object (dkim-verify --json). */
void dkim_print_json(const ma_job *job, size_t i);
/* Hand a finished DKIM job's verdicts to a DMARC job, passes first. */
int dmarc_add_dkim(ma_job *dmarc, const ma_job *dkim);

#endif
