/*
 * Fuzz harness for ARC chain validation (src/arc/arc.c): the set
 * collector (instances, AAR instance parsing, structural rules), the AMS
 * and AS hashing and the key checks, with a static zone holding an Ed25519
 * key (RFC 8463 A.2) under a few selectors and hostile key records.
 *
 * Input: byte 0 picks a chunk size (1..64); the rest is the message.
 * Invariants (abort on violation):
 * - the run ends with MA_JOB_DONE, or the reader refuses the message;
 * - the status is none, pass or fail with a name; none means no set; a
 *   pass has N between 1 and 50 and every AMS and AS of the chain checked;
 *   a fail names an instance within 0..N;
 * - whole and chunked reading give the same status, N and failing instance.
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
    "arc._domainkey.example.org. TXT \"v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "revoked._domainkey.example.org. TXT \"v=DKIM1; p=\"\n"
    "bad._domainkey.example.org. TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GN\"\n";

typedef struct outcome {
    int rc, result;
    unsigned int n, fail_i;
} outcome;

static void run(ma_ctx *ctx, ma_resolver *r, const uint8_t *data, size_t size, size_t chunk,
                outcome *o)
{
    ma_msg *m = NULL;
    ma_job *j = NULL;
    size_t i;
    int rc = MA_OK;

    memset(o, 0, sizeof *o);
    if (ma_msg_new(&m, ctx) != MA_OK || ma_arc_job_new(&j, ctx, NULL) != MA_OK ||
        ma_arc_job_attach(j, m) != MA_OK)
        abort();
    for (i = 0; rc == MA_OK && i < size; i += chunk)
        rc = fuzz_write_exact(m, data + i, size - i < chunk ? size - i : chunk);
    if (rc == MA_OK)
        rc = ma_msg_finish(m);
    if (rc == MA_OK) {
        if (ma_job_run(j, r) != MA_JOB_DONE)
            abort();
        o->result = ma_arc_job_result(j);
        o->n = ma_arc_job_count(j);
        o->fail_i = ma_arc_job_fail_instance(j);
        if (ma_arc_result_name(o->result) == NULL || o->n > 50 || o->fail_i > o->n)
            abort();
        if (o->result == MA_ARC_NONE && o->n != 0)
            abort();
        if (o->result == MA_ARC_PASS) {
            unsigned int k;
            if (o->n == 0)
                abort();
            for (k = 1; k <= o->n; k++)
                if (ma_arc_job_as_result(j, k) != MA_DKIM_PASS)
                    abort();
            if (ma_arc_job_ams_result(j, o->n) != MA_DKIM_PASS)
                abort();
        }
    } else {
        rc = -1;
    }
    o->rc = rc;
    ma_job_free(j);
    ma_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    outcome a, b;

    if (size < 1)
        return 0;
    if (ma_ctx_new(&ctx, NULL) != MA_OK || ma_static_zone_new(&z, ctx) != MA_OK ||
        ma_static_zone_load(z, zone_text, sizeof zone_text - 1, NULL) != MA_OK ||
        ma_resolver_static_new(&r, ctx, z) != MA_OK)
        abort();
    run(ctx, r, data + 1, size - 1, size, &a);
    run(ctx, r, data + 1, size - 1, (size_t)(data[0] & 0x3f) + 1, &b);
    if (a.rc != b.rc || a.result != b.result || a.n != b.n || a.fail_i != b.fail_i)
        abort();
    ma_resolver_free(r);
    ma_static_zone_free(z);
    ma_ctx_free(ctx);
    return 0;
}
