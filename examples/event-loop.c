/*
 * event-loop.c: authenticate a message from an event loop, with a
 * non-blocking DNS client of its own: what an MTA built on poll(),
 * libevent, libuv or c-ares does.  Nothing here blocks: one poll() waits
 * for the message on stdin, for DNS replies, and for the next timeout.
 *
 *     event-loop [-v] SERVER[:PORT] IP HELO MAIL_FROM AUTHSERV_ID < message
 *
 *     event-loop 127.0.0.1:5353 192.0.2.10 mail.example.com \
 *         alice@example.com mx.example.org < examples/data/message.eml
 *
 * SERVER is a recursive resolver (or, in the tests, an authoritative server
 * for every name asked): "IP", "IP:PORT" or "[IPv6]:PORT", port 53 by
 * default.  The output is that of examples/authenticate.c: the
 * Authentication-Results field, then one line per check.  -v traces the
 * loop on stderr: each chunk of the message read, each question sent,
 * each reply, retry and timeout.  Exit status 0 whatever the verdicts, 1
 * on an error (one line on stderr).
 *
 * The job protocol (include/mailauth/dns.h) makes this possible: the
 * authentication job never does I/O.  ma_job_step() advances it and says
 * whether it is done, needs DNS or waits for more of the message;
 * ma_job_questions() lists the questions outstanding; each reply goes back
 * with ma_job_answer(), in any order.  The job asks its first questions
 * (the client's PTR, SPF's record, the HELO name's address) before any of
 * the message is read, and the DKIM keys and DMARC policy as soon as the
 * header is complete, while the body is still coming: all of them are sent
 * at once.
 *
 * The DNS client is deliberately small: one UDP socket, a minimal RFC 1035
 * query (header, QNAME, QTYPE, QCLASS IN, plus an EDNS0 OPT record so that
 * a DKIM key fits in one reply), 2 tries of 2 s per question, and a
 * question that gets no reply is answered "tempfail" (the check it belongs
 * to becomes temperror).  Replies are decoded by ma_dns_answer_from_wire(),
 * which follows CNAMEs and maps the response code.  A real program would
 * also use TCP for truncated replies, several servers, and unpredictable
 * ids and source ports (RFC 5452); c-ares or getdns do all of that.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <mailauth/mailauth.h>

#define PROG "event-loop"
#define TIMEOUT_MS 2000      /* per try */
#define TRIES 2              /* tries per question */
#define EDNS_SIZE 1232       /* UDP payload size we accept (the DNS flag day 2020 value) */
#define QUERY_MAX 512        /* header + question + OPT: a name is at most 255 octets */

/* A question in flight. */
typedef struct query {
    uint32_t qid;              /* the job's question id; 0: free slot */
    uint16_t dns_id;           /* the DNS message id we sent */
    ma_dns_type type;
    char name[256];            /* copied: the job's question is only borrowed */
    unsigned char pkt[QUERY_MAX];
    size_t len, qlen;          /* query length; question section length */
    int tries;                 /* sent so far */
    int bad;                   /* the name cannot be sent */
    int seen;                  /* still outstanding in the job (sync_questions) */
    int64_t deadline;          /* of the current try, ms on the monotonic clock */
} query;

/* The loop's state. */
typedef struct loop {
    ma_ctx *ctx;
    ma_job *job;
    ma_msg *msg;
    int sock;                  /* UDP, connected to the server */
    query *q;                  /* nq slots */
    size_t nq;
    uint32_t last_sent;        /* highest question id sent: question ids rise */
    uint32_t rand;             /* state of the id generator */
    int verbose;
} loop;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- DNS client */

/*
 * Encode a query for name/type (RFC 1035 4.1) into q->pkt: the header
 * (id, RD set, one question, one additional record), the question (QNAME
 * as length-prefixed labels, QTYPE, QCLASS IN) and an EDNS0 OPT record
 * (RFC 6891 6.1.2: root name, type 41, class = our UDP payload size).
 * Names from the job are A-labels without a trailing dot.  Returns 0, or
 * -1 for a name that cannot be encoded (an empty label, one over 63
 * octets, more than 255 octets in all).
 */
static int encode_query(query *q)
{
    unsigned char *p = q->pkt;
    const char *label = q->name, *dot;
    size_t n = 12;

    p[0] = (unsigned char)(q->dns_id >> 8);
    p[1] = (unsigned char)q->dns_id;
    p[2] = 0x01;               /* QR=0, opcode QUERY, RD=1 */
    p[3] = 0x00;
    p[4] = 0; p[5] = 1;        /* QDCOUNT */
    p[6] = 0; p[7] = 0;        /* ANCOUNT */
    p[8] = 0; p[9] = 0;        /* NSCOUNT */
    p[10] = 0; p[11] = 1;      /* ARCOUNT: the OPT record */
    while (*label != '\0') {
        size_t len;
        dot = strchr(label, '.');
        len = dot != NULL ? (size_t)(dot - label) : strlen(label);
        if (len == 0 || len > 63 || n - 12 + 1 + len + 1 > 255)
            return -1;
        p[n++] = (unsigned char)len;
        memcpy(p + n, label, len);
        n += len;
        label += len;
        if (*label == '.')
            label++;
    }
    p[n++] = 0;                /* the root label */
    p[n++] = (unsigned char)(q->type >> 8);
    p[n++] = (unsigned char)q->type;
    p[n++] = 0;
    p[n++] = 1;                /* QCLASS IN */
    q->qlen = n - 12;
    /* OPT: name ".", TYPE 41, CLASS = payload size, TTL 0 (no DO), RDLEN 0. */
    p[n++] = 0;
    p[n++] = 0; p[n++] = 41;
    p[n++] = (unsigned char)(EDNS_SIZE >> 8); p[n++] = (unsigned char)(EDNS_SIZE & 0xff);
    p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 0;
    p[n++] = 0; p[n++] = 0;
    q->len = n;
    return 0;
}

/* A DNS id that no question in flight uses (xorshift32; see the RFC 5452
 * note at the top). */
static uint16_t next_id(loop *l)
{
    for (;;) {
        uint16_t id;
        size_t i;
        l->rand ^= l->rand << 13;
        l->rand ^= l->rand >> 17;
        l->rand ^= l->rand << 5;
        id = (uint16_t)(l->rand >> 8);
        for (i = 0; i < l->nq; i++)
            if (l->q[i].qid != 0 && l->q[i].dns_id == id)
                break;
        if (i == l->nq)
            return id;
    }
}

/* Send (or resend) a query; a send error counts as a try without reply. */
static void send_query(loop *l, query *q)
{
    q->tries++;
    q->deadline = now_ms() + TIMEOUT_MS;
    if (send(l->sock, q->pkt, q->len, 0) < 0 && l->verbose)
        fprintf(stderr, PROG ": #%u: send: %s\n", (unsigned)q->qid, strerror(errno));
}

/*
 * Answer question q with a bare outcome (tempfail...) and free its slot.
 * Returns 0, or -1 after a message on stderr.
 */
static int answer_plain(loop *l, query *q, ma_dns_rcode rcode)
{
    ma_dns_answer *a = NULL;
    int rc = ma_dns_answer_new(&a, l->ctx, q->type, rcode);

    if (rc == MA_OK)
        rc = ma_job_answer(l->job, q->qid, a);
    ma_dns_answer_free(a);
    q->qid = 0;
    /* MA_ESTATE: the job no longer waits for this question; harmless. */
    if (rc != MA_OK && rc != MA_ESTATE) {
        fprintf(stderr, PROG ": cannot answer: %s\n", ma_status_str(rc));
        return -1;
    }
    return 0;
}

/*
 * Match the job's outstanding questions with those in flight: send the new
 * ones (ids above the last sent: ids rise), and forget those the job no
 * longer waits for, as an MTA cancels a lookup it no longer needs.
 * Returns 0, or -1 after a message on stderr.
 */
static int sync_questions(loop *l)
{
    const ma_dns_question *const *qs;
    size_t n, i, k;
    int rc = ma_job_questions(l->job, &qs, &n);

    if (rc != MA_OK) {
        fprintf(stderr, PROG ": %s\n", ma_status_str(rc));
        return -1;
    }
    for (k = 0; k < l->nq; k++)
        l->q[k].seen = 0;
    for (i = 0; i < n; i++) {
        uint32_t id = ma_dns_question_id(qs[i]);
        const char *name = ma_dns_question_name(qs[i]);
        query *q = NULL;

        for (k = 0; k < l->nq && q == NULL; k++)
            if (id <= l->last_sent ? l->q[k].qid == id : l->q[k].qid == 0)
                q = &l->q[k];
        if (q == NULL) {
            if (id <= l->last_sent)
                continue;                /* answered already: the job will drop it */
            fprintf(stderr, PROG ": too many questions in flight\n");
            return -1;                   /* cannot happen: nq is the job's limit */
        }
        q->seen = 1;
        if (id <= l->last_sent)
            continue;                    /* in flight already */
        /* A new question: copy it (qs is borrowed until the next call
         * into the job), and send it below. */
        l->last_sent = id;
        q->qid = id;
        q->type = ma_dns_question_type(qs[i]);
        q->tries = 0;
        q->bad = strlen(name) >= sizeof q->name;
        snprintf(q->name, sizeof q->name, "%s", name);
        q->dns_id = next_id(l);
    }
    for (k = 0; k < l->nq; k++) {
        query *q = &l->q[k];
        if (q->qid == 0)
            continue;
        if (!q->seen) {
            q->qid = 0;                  /* the job gave up on it */
            continue;
        }
        if (q->tries > 0)
            continue;
        if (l->verbose)
            fprintf(stderr, PROG ": ask #%u %s %s\n", (unsigned)q->qid,
                    ma_dns_type_name(q->type), q->name);
        if (q->bad || encode_query(q) != 0) {
            /* Not a name DNS can carry: no server could answer it. */
            if (answer_plain(l, q, MA_DNS_PERMFAIL) != 0)
                return -1;
            continue;
        }
        send_query(l, q);
    }
    return 0;
}

/* Whether the question section of a reply is the one we sent (names
 * compared ignoring ASCII case: RFC 4343). */
static int same_question(const query *q, const unsigned char *pkt, size_t len)
{
    size_t i;

    if (len < 12 + q->qlen || pkt[4] != 0 || pkt[5] != 1)
        return 0;
    for (i = 0; i < q->qlen; i++) {
        unsigned char a = pkt[12 + i], b = q->pkt[12 + i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

/* Read every reply waiting on the socket.  Returns 0, or -1 after a message. */
static int read_replies(loop *l)
{
    unsigned char pkt[65535];

    for (;;) {
        ma_dns_answer *a = NULL;
        query *q = NULL;
        ssize_t got = recv(l->sock, pkt, sizeof pkt, 0);
        size_t len, k;
        int rc;

        if (got < 0) {
            if (errno == EINTR)
                continue;
            /* EAGAIN: nothing more.  ECONNREFUSED (an ICMP "port
             * unreachable" for an earlier query): the tries time out. */
            return 0;
        }
        len = (size_t)got;
        /* A response (QR set) to a query in flight, for its question;
         * anything else is dropped, as a stub resolver does. */
        if (len < 12 || !(pkt[2] & 0x80))
            continue;
        for (k = 0; k < l->nq && q == NULL; k++)
            if (l->q[k].qid != 0 && l->q[k].dns_id == (uint16_t)(pkt[0] << 8 | pkt[1]) &&
                same_question(&l->q[k], pkt, len))
                q = &l->q[k];
        if (q == NULL)
            continue;
        if (pkt[2] & 0x02) {
            /* TC: the reply did not fit.  A real program would ask again
             * over TCP (RFC 7766); here the question gets tempfail. */
            if (l->verbose)
                fprintf(stderr, PROG ": reply #%u truncated: tempfail\n", (unsigned)q->qid);
            if (answer_plain(l, q, MA_DNS_TEMPFAIL) != 0)
                return -1;
            continue;
        }
        /* Decode: records of the type asked, CNAMEs followed, the response
         * code mapped (NXDOMAIN, SERVFAIL -> tempfail...). */
        rc = ma_dns_answer_from_wire(&a, l->ctx, q->name, q->type, pkt, len);
        if (rc == MA_OK) {
            if (l->verbose)
                fprintf(stderr, PROG ": reply #%u %s, %zu record(s)\n", (unsigned)q->qid,
                        ma_dns_rcode_name(ma_dns_answer_rcode(a)), ma_dns_answer_count(a));
            rc = ma_job_answer(l->job, q->qid, a);
            if (rc == MA_ESTATE)
                rc = MA_OK;
        }
        ma_dns_answer_free(a);
        q->qid = 0;
        if (rc != MA_OK) {
            fprintf(stderr, PROG ": cannot use a reply: %s\n", ma_status_str(rc));
            return -1;
        }
    }
}

/* Retry or give up on the questions whose try timed out.  Returns 0 or -1. */
static int check_timeouts(loop *l)
{
    int64_t now = now_ms();
    size_t k;

    for (k = 0; k < l->nq; k++) {
        query *q = &l->q[k];
        if (q->qid == 0 || q->deadline > now)
            continue;
        if (q->tries < TRIES) {
            if (l->verbose)
                fprintf(stderr, PROG ": retry #%u\n", (unsigned)q->qid);
            send_query(l, q);
        } else {
            if (l->verbose)
                fprintf(stderr, PROG ": no reply #%u: tempfail\n", (unsigned)q->qid);
            if (answer_plain(l, q, MA_DNS_TEMPFAIL) != 0)
                return -1;
        }
    }
    return 0;
}

/* The socket to SERVER ("IP", "IP:PORT", "[IPv6]:PORT"), or -1. */
static int open_server(const char *arg)
{
    struct addrinfo hints, *ai = NULL;
    char host[128];
    const char *port = "53";
    size_t len = strlen(arg);
    int fd;

    if (len >= sizeof host)
        return -1;
    memcpy(host, arg, len + 1);
    if (host[0] == '[') {
        char *bracket = strchr(host, ']');
        if (bracket == NULL || (bracket[1] != '\0' && bracket[1] != ':'))
            return -1;
        if (bracket[1] == ':')
            port = bracket + 2;
        *bracket = '\0';
        memmove(host, host + 1, strlen(host + 1) + 1);
    } else if (strchr(host, ':') != NULL && strchr(host, ':') == strrchr(host, ':')) {
        char *colon = strchr(host, ':');
        *colon = '\0';
        port = colon + 1;
    }
    /* A port is 1 to 65535, in digits. */
    if (port[0] == '\0' || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port) ||
        atoi(port) < 1 || atoi(port) > 65535)
        return -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    /* Connected: the kernel drops datagrams from any other address. */
    fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    if (fd >= 0 && (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* ------------------------------------------------------------------ output */

/* As authenticate.c: the field with LF line ends, then a line per check. */
static int print_results(const ma_job *job, ma_ctx *ctx)
{
    char *field = NULL;
    const char *p;
    int check, rc = ma_auth_job_authres(job, &field);

    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot write the field: %s\n", ma_status_str(rc));
        return -1;
    }
    for (p = field; *p != '\0'; p++)
        if (!(p[0] == '\r' && p[1] == '\n'))
            putchar(*p);
    putchar('\n');
    ma_free(ctx, field);
    for (check = MA_AUTH_IPREV; check <= MA_AUTH_DMARC; check++) {
        const char *problem = ma_auth_job_problem(job, check);
        printf("%s: %s", ma_auth_check_name(check), ma_auth_job_verdict(job, check));
        if (problem[0] != '\0')
            printf(" (%s)", problem);
        putchar('\n');
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, PROG ": cannot write to stdout\n");
        return -1;
    }
    return 0;
}

/* -------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    loop l;
    ma_auth_params params;
    ma_ip ip;
    char chunk[16384];
    uint64_t read_total = 0;
    int reading = 1, status = 1, rc, arg = 1;
    size_t k;

    memset(&l, 0, sizeof l);
    l.sock = -1;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        l.verbose = 1;
        arg++;
    }
    if (argc - arg != 5) {
        fprintf(stderr,
                "usage: " PROG " [-v] SERVER[:PORT] IP HELO MAIL_FROM AUTHSERV_ID < message\n");
        return 1;
    }
    if (ma_ip_parse(&ip, argv[arg + 1], strlen(argv[arg + 1])) != MA_OK) {
        fprintf(stderr, PROG ": '%s' is not an IP address\n", argv[arg + 1]);
        return 1;
    }
    l.sock = open_server(argv[arg]);
    if (l.sock < 0) {
        fprintf(stderr, PROG ": '%s' is not a usable server (IP, IP:PORT or [IPv6]:PORT)\n",
                argv[arg]);
        return 1;
    }
    l.rand = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ 0x9e3779b9u;

    rc = ma_ctx_new(&l.ctx, NULL);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": %s\n", ma_status_str(rc));
        goto out;
    }
    /* At most MA_LIMIT_JOB_QUESTIONS questions per job: room for all. */
    l.nq = (size_t)ma_ctx_limit(l.ctx, MA_LIMIT_JOB_QUESTIONS);
    l.q = calloc(l.nq, sizeof *l.q);
    if (l.q == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        goto out;
    }

    /* The job and its message reader, as in authenticate.c. */
    ma_auth_params_init(&params, MA_AUTH_PARAMS_VERSION);
    params.ip = argv[arg + 1];
    params.helo = argv[arg + 2];
    params.mail_from = argv[arg + 3];
    params.authserv_id = argv[arg + 4];
    rc = ma_auth_job_new(&l.job, l.ctx, &params);
    if (rc == MA_EINVAL) {
        fprintf(stderr, PROG ": '%s' is not a valid authserv-id (a token: no space, ';' or quotes)\n",
                argv[arg + 4]);
        goto out;
    }
    if (rc == MA_OK)
        rc = ma_msg_new(&l.msg, l.ctx);
    if (rc == MA_OK)
        rc = ma_auth_job_attach(l.job, l.msg);
    if (rc != MA_OK) {
        fprintf(stderr, PROG ": cannot start: %s\n", ma_status_str(rc));
        goto out;
    }

    /*
     * The loop.  Each turn: step the job (it has new input: a chunk of the
     * message, or answers), send the questions it added, then wait for
     * whatever comes first: message bytes, a reply, or a timeout.
     */
    for (;;) {
        struct pollfd fds[2];
        nfds_t nfds = 0;
        int64_t next = -1;
        int timeout = -1, in_flight = 0, stdin_at = -1, sock_at = -1;

        rc = ma_job_step(l.job);
        if (rc < 0) {
            fprintf(stderr, PROG ": %s\n",
                    ma_job_error(l.job)[0] != '\0' ? ma_job_error(l.job) : ma_status_str(rc));
            goto out;
        }
        if (rc == MA_JOB_DONE)
            break;
        /* MA_JOB_NEED_DNS or MA_JOB_NEED_INPUT: send what is new. */
        if (sync_questions(&l) != 0)
            goto out;

        for (k = 0; k < l.nq; k++)
            if (l.q[k].qid != 0) {
                in_flight++;
                if (next < 0 || l.q[k].deadline < next)
                    next = l.q[k].deadline;
            }
        if (reading) {
            fds[nfds].fd = 0;
            fds[nfds].events = POLLIN;
            stdin_at = (int)nfds++;
        }
        if (in_flight > 0) {
            int64_t wait = next - now_ms();
            fds[nfds].fd = l.sock;
            fds[nfds].events = POLLIN;
            sock_at = (int)nfds++;
            timeout = wait < 0 ? 0 : (int)wait;
        }
        if (nfds == 0) {
            /* The whole message is in and nothing is in flight, yet the
             * job is not done: it would wait forever. */
            fprintf(stderr, PROG ": the job waits, but nothing is outstanding\n");
            goto out;
        }
        if (poll(fds, nfds, timeout) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
            goto out;
        }

        /* The message: one chunk per turn, each followed by a step, so the
         * key and policy questions leave at the end of the header. */
        if (stdin_at >= 0 && fds[stdin_at].revents != 0) {
            ssize_t got = read(0, chunk, sizeof chunk);
            if (got < 0 && errno != EINTR && errno != EAGAIN) {
                fprintf(stderr, PROG ": cannot read the message from stdin\n");
                goto out;
            }
            if (got > 0) {
                read_total += (uint64_t)got;
                if (l.verbose)
                    fprintf(stderr, PROG ": message: %llu bytes read\n",
                            (unsigned long long)read_total);
                rc = ma_msg_write(l.msg, chunk, (size_t)got);
            } else if (got == 0) {
                reading = 0;
                if (l.verbose)
                    fprintf(stderr, PROG ": message: end\n");
                rc = ma_msg_finish(l.msg);
            } else {
                rc = MA_OK;
            }
            if (rc != MA_OK) {
                fprintf(stderr, PROG ": bad message: %s\n", ma_msg_error(l.msg));
                goto out;
            }
        }
        if (sock_at >= 0 && fds[sock_at].revents != 0 && read_replies(&l) != 0)
            goto out;
        if (check_timeouts(&l) != 0)
            goto out;
    }

    if (print_results(l.job, l.ctx) == 0)
        status = 0;

out:
    ma_job_free(l.job);
    ma_msg_free(l.msg);
    free(l.q);
    if (l.sock >= 0)
        close(l.sock);
    ma_ctx_free(l.ctx);
    return status;
}
