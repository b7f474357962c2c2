/*
 * Fuzz harness for the HELO/EHLO syntax check (src/iprev/iprev.c: host
 * names and RFC 5321 4.1.3 address literals), through ma_iprev_job_new()
 * and ma_job_run() with a static zone that holds nothing.
 *
 * Input: byte 0 bit 0 picks the client (192.0.2.1 or 2001:db8::1), bit 1
 * sets MA_IPREV_HELO_EXACT, bit 2 maps every other byte into the alphabet
 * of names and literals (so that the fuzzer reaches the literal parser);
 * the rest is the HELO argument, passed as the C string the API takes
 * (NUL-terminated copy; a NUL inside ends it).
 * Invariants (abort on violation):
 * - the job is created (any bytes are accepted) and runs to MA_JOB_DONE;
 * - iprev is permerror (no PTR data); without a HELO every check is none;
 * - the syntax verdict is pass or fail and agrees with an independent
 *   reading of the documented rule (host name: two or more labels of
 *   letters, digits and inner hyphens, 1-63 octets each, 253 octets at
 *   most, top label not all digits; or "[" IPv4 "]" / "[IPv6:" IPv6 "]");
 * - resolves passes only for a literal of the client's address, and then
 *   the syntax passed; matches-rdns fails (iprev did not pass);
 * - the resinfo text parses as an Authentication-Results result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <arpa/inet.h>
#endif

#include "fuzzer.h"
#include "mailauth/mailauth.h"

#define CHECK(c)       \
    do {               \
        if (!(c))      \
            abort();   \
    } while (0)

static const char alphabet[] = "abcxyzAZ0129-.[]:IPv6fF.-:[";

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The documented host-name rule, read independently of iprev.c. */
static int oracle_name(const char *s, size_t n)
{
    size_t i, start = 0, labels = 0;
    int digits_only = 1;
    if (n == 0 || n > 253)
        return 0;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            size_t l = i - start;
            if (l == 0 || l > 63 || s[start] == '-' || s[i - 1] == '-')
                return 0;
            labels++;
            digits_only = 1;
            for (; start < i; start++)
                if (s[start] < '0' || s[start] > '9')
                    digits_only = 0;
            start = i + 1;
        } else if (!is_alnum((unsigned char)s[i]) && s[i] != '-') {
            return 0;
        }
    }
    return labels >= 2 && !digits_only;
}

/* RFC 5321 Snum 3("." Snum), Snum = 1*3DIGIT of value 0-255; the
   address into out when not NULL. */
static int oracle_v4(const char *s, size_t n, unsigned char *out)
{
    size_t i = 0, parts = 0;
    while (parts < 4) {
        size_t d = 0;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && d < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || d > 3 || v > 255)
            return 0;
        if (out != NULL)
            out[parts] = (unsigned char)v;
        parts++;
        if (parts < 4) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
    }
    return i == n;
}

/* -1: the oracle has no opinion (an IPv6 literal without glibc). */
static int oracle_literal(const char *s, size_t n)
{
    if (n < 3 || s[0] != '[' || s[n - 1] != ']')
        return 0;
    s++;
    n -= 2;
    if (n > 5 && (s[0] == 'I' || s[0] == 'i') && (s[1] == 'P' || s[1] == 'p')
        && (s[2] == 'V' || s[2] == 'v') && s[3] == '6' && s[4] == ':') {
#if defined(__GLIBC__)
        char buf[64];
        unsigned char a[16];
        if (n - 5 >= sizeof buf)
            return 0;
        memcpy(buf, s + 5, n - 5);
        buf[n - 5] = '\0';
        return inet_pton(AF_INET6, buf, a) == 1;
#else
        return -1;
#endif
    }
    return oracle_v4(s, n, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    ma_iprev_params p;
    ma_job *j = NULL;
    char *helo, *ri = NULL;
    size_t n, i;
    int syntax, resolves, matches, want;

    if (size < 1 || size > 4096)
        return 0;
    n = size - 1;
    helo = malloc(n + 1);
    CHECK(helo != NULL);
    for (i = 0; i < n; i++)
        helo[i] = (data[0] & 4) ? alphabet[data[i + 1] % (sizeof alphabet - 1)] : (char)data[i + 1];
    helo[n] = '\0';
    n = strlen(helo);

    CHECK(ma_ctx_new(&ctx, NULL) == MA_OK);
    CHECK(ma_static_zone_new(&z, ctx) == MA_OK);
    CHECK(ma_resolver_static_new(&r, ctx, z) == MA_OK);
    CHECK(ma_iprev_params_init(&p, MA_IPREV_PARAMS_VERSION) == MA_OK);
    if (data[0] & 1)
        CHECK(ma_ip_parse(&p.ip, "2001:db8::1", 11) == MA_OK);
    else
        CHECK(ma_ip_parse(&p.ip, "192.0.2.1", 9) == MA_OK);
    p.helo = helo;
    p.flags = (data[0] & 2) ? MA_IPREV_HELO_EXACT : 0;
    CHECK(ma_iprev_job_new(&j, ctx, &p) == MA_OK);
    CHECK(ma_job_run(j, r) == MA_JOB_DONE);
    CHECK(ma_iprev_job_result(j) == MA_IPREV_PERMERROR);
    CHECK(ma_iprev_job_name_count(j) == 0 && ma_iprev_job_name(j, 0) == NULL);

    syntax = ma_iprev_job_helo(j, MA_HELO_SYNTAX);
    resolves = ma_iprev_job_helo(j, MA_HELO_RESOLVES);
    matches = ma_iprev_job_helo(j, MA_HELO_MATCHES_RDNS);
    CHECK(ma_iprev_job_helo(j, MA_HELO_CHECK_COUNT) == MA_EINVAL);
    if (n == 0) {
        CHECK(syntax == MA_HELO_NONE && resolves == MA_HELO_NONE && matches == MA_HELO_NONE);
    } else {
        CHECK(syntax == MA_HELO_PASS || syntax == MA_HELO_FAIL);
        CHECK(resolves == MA_HELO_PASS || resolves == MA_HELO_FAIL);
        CHECK(matches == MA_HELO_FAIL);
        if (n <= 300) {
            want = helo[0] == '[' ? oracle_literal(helo, n) : oracle_name(helo, n);
            if (want >= 0)
                CHECK(want == (syntax == MA_HELO_PASS));
        }
        if (resolves == MA_HELO_PASS) {
            /* only a literal of the client's own address */
            ma_ip lit;
            CHECK(syntax == MA_HELO_PASS && helo[0] == '[' && helo[n - 1] == ']');
            memset(&lit, 0, sizeof lit);
            if (n > 7 && (helo[1] == 'I' || helo[1] == 'i')) {
                CHECK(ma_ip_parse(&lit, helo + 6, n - 7) == MA_OK);
            } else {
                lit.family = MA_IP_V4;
                CHECK(oracle_v4(helo + 1, n - 2, lit.addr));
            }
            CHECK(ma_ip_equal(&lit, &p.ip));
        }
    }
    for (i = 0; i < MA_HELO_CHECK_COUNT; i++)
        CHECK(ma_helo_check_name((int)i) != NULL);

    CHECK(ma_iprev_authres(&ri, j) == MA_OK && ri != NULL);
    {
        size_t rl = strlen(ri);
        char *line = malloc(rl + 3);
        ma_authres *ar = NULL;
        CHECK(line != NULL);
        memcpy(line, "x; ", 3);
        memcpy(line + 3, ri, rl);
        CHECK(ma_authres_parse(&ar, NULL, NULL, ctx, line, rl + 3) == MA_OK);
        CHECK(ma_authres_count(ar) == 1 && strcmp(ma_authres_method(ar, 0), "iprev") == 0
              && strcmp(ma_authres_result(ar, 0), "permerror") == 0);
        ma_authres_free(ar);
        free(line);
    }
    ma_free(ctx, ri);
    ma_job_free(j);
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(ctx);
    free(helo);
    return 0;
}
