/*
 * Fuzz harness for the whole DKIM verifier (src/dkim/verify.c with the
 * message reader, the signature and key parsers, the canonicalisers and
 * the crypto layer), with a static zone holding the RFC 8463 A.2 keys and
 * a few hostile key records.
 *
 * Input: byte 0 picks a chunk size (1..64, or the whole message), the l=
 * policy and whether rsa-sha1 is allowed; the rest is the message.
 * Invariants (abort on violation):
 * - the run ends with MA_JOB_DONE, or the reader refuses the message
 *   (header syntax or limits) and the job then needs input;
 * - every verdict and reason is within its enum, with a name;
 * - the verdicts do not depend on how the message was chunked;
 * - a pass has a key of at least 1024 bits (RSA) or 256 (Ed25519), and no
 *   unsigned body bytes under the default l= policy.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "fuzz_util.h"
#include "mailauth/mailauth.h"

static const char zone_text[] =
    "brisbane._domainkey.football.example.com. TXT \"v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "test._domainkey.football.example.com. TXT \"v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBf"
    "O2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\"\n"
    "revoked._domainkey.football.example.com. TXT \"v=DKIM1; p=\"\n"
    "bad._domainkey.football.example.com. TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GN\"\n"
    "two._domainkey.football.example.com. TXT \"v=DKIM1; p=AAAA\"\n"
    "two._domainkey.football.example.com. TXT \"v=DKIM1; p=BBBB\"\n";

typedef struct verdicts {
    int rc;
    size_t n;
    int result[16];
    int reason[16];
} verdicts;

static int64_t fixed_clock(void *payload)
{
    (void)payload;
    return INT64_C(1528637909000) + INT64_C(3600000);
}

static void run(ma_ctx *ctx, ma_resolver *r, const ma_dkim_verify_opts *o, const uint8_t *data,
                size_t size, size_t chunk, verdicts *v)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    size_t i;
    int rc;

    memset(v, 0, sizeof *v);
    if (ma_msg_new(&m, ctx) != MA_OK || ma_dkim_job_new(&j, ctx, o) != MA_OK ||
        ma_dkim_job_attach(j, m) != MA_OK)
        abort();
    rc = MA_OK;
    for (i = 0; rc == MA_OK && i < size; i += chunk)
        rc = fuzz_write_exact(m, data + i, size - i < chunk ? size - i : chunk);
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK) {
        rc = ma_job_run(j, r);
        if (rc != MA_JOB_DONE)
            abort();
    } else {
        /* The reader refused the message: the job never saw its end. */
        int st = ma_job_run(j, r);
        if (st != MA_JOB_NEED_INPUT && st != MA_JOB_DONE && st >= 0)
            abort();
        rc = -1;
    }
    v->rc = rc;
    v->n = ma_dkim_job_count(j);
    for (i = 0; rc == MA_JOB_DONE && i < v->n && i < 16; i++) {
        int res = ma_dkim_job_result(j, i), why = ma_dkim_job_reason(j, i);
        if (ma_dkim_result_name(res) == NULL || ma_dkim_reason_name(why) == NULL)
            abort();
        if (res == MA_DKIM_PASS) {
            unsigned bits = ma_dkim_job_key_bits(j, i);
            if (why != MA_DKIM_R_OK || bits < 256 ||
                (ma_dkim_job_algorithm(j, i) != MA_DKIM_ED25519_SHA256 && bits < 1024))
                abort();
            if (o->l_policy == MA_DKIM_L_WHOLE && ma_dkim_job_unsigned_bytes(j, i) != 0)
                abort();
            if (!ma_dkim_job_covers_from(j, i))
                abort();
        }
        v->result[i] = res;
        v->reason[i] = why;
    }
    ma_job_free(j);
    ma_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx_opts co;
    ma_ctx *ctx = NULL;
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    ma_dkim_verify_opts o;
    verdicts a, b;
    size_t chunk;

    if (size < 1)
        return 0;
    ma_ctx_opts_init(&co, MA_CTX_OPTS_VERSION);
    co.clock_fn = fixed_clock;
    if (ma_ctx_new(&ctx, &co) != MA_OK || ma_static_zone_new(&z, ctx) != MA_OK ||
        ma_static_zone_load(z, zone_text, sizeof zone_text - 1, NULL) != MA_OK ||
        ma_resolver_static_new(&r, ctx, z) != MA_OK)
        abort();
    ma_dkim_verify_opts_init(&o, MA_DKIM_VERIFY_OPTS_VERSION);
    o.l_policy = (data[0] >> 6) % 3;
    o.flags = (data[0] & 0x20) ? MA_DKIM_ALLOW_SHA1 : 0;
    chunk = (data[0] & 0x1f) + 1;
    run(ctx, r, &o, data + 1, size - 1, size, &a);
    run(ctx, r, &o, data + 1, size - 1, chunk, &b);
    if (a.rc != b.rc || a.n != b.n || memcmp(a.result, b.result, sizeof a.result) != 0 ||
        memcmp(a.reason, b.reason, sizeof a.reason) != 0)
        abort();
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(ctx);
    return 0;
}
