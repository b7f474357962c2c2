/*
 * minimal.c: the smallest complete libmailauth program.  It looks up a TXT
 * record through the job protocol, answered by a static resolver, and prints
 * the record and the library version.  tests/check-install.sh builds it
 * against an installed copy through pkg-config:
 *
 *     cc minimal.c $(pkg-config --cflags --libs libmailauth)
 */
#include <stdio.h>
#include <string.h>

#include <mailauth/mailauth.h>

int main(void)
{
    static const char spf[] = "v=spf1 ip4:192.0.2.0/24 -all";
    ma_ctx *ctx = NULL;
    ma_static_zone *zone = NULL;
    ma_resolver *resolver = NULL;
    ma_job *job = NULL;
    const ma_dns_answer *answer;
    const char *text;
    size_t len;
    uint32_t id;
    int ok;

    ok = ma_ctx_new(&ctx, NULL) == MA_OK
         && ma_static_zone_new(&zone, ctx) == MA_OK
         && ma_static_zone_add_txt(zone, "example.com", spf, strlen(spf), 300) == MA_OK
         && ma_resolver_static_new(&resolver, ctx, zone) == MA_OK
         && ma_lookup_job_new(&job, ctx) == MA_OK
         && ma_lookup_job_add(job, "example.com", MA_DNS_TXT, &id) == MA_OK
         && ma_job_run(job, resolver) == MA_JOB_DONE
         && ma_lookup_job_result(job, id, &answer) == MA_OK
         && ma_dns_answer_rcode(answer) == MA_DNS_OK
         && ma_dns_answer_txt(answer, 0, &text, &len) == MA_OK;
    if (ok) {
        printf("%.*s\n", (int)len, text);
        /* The headers and the library loaded at run time agree. */
        printf("libmailauth %s (headers %s)\n", ma_version(), MA_VERSION_STRING);
    } else {
        fprintf(stderr, "minimal: lookup failed\n");
    }
    ma_job_free(job);
    ma_resolver_free(resolver);
    ma_static_zone_free(zone);
    ma_ctx_free(ctx);
    return ok ? 0 : 1;
}
