/*
 * The public API as a user sees it, through the shared library: a context,
 * a static zone built through the API and from master-file text, a cache in
 * front of it, and lookup jobs run synchronously and by hand (the way an
 * event-loop MTA drives them).  Includes only <mailauth/mailauth.h>.
 */
#include <stdio.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "tap.h"

static int64_t clock_ms = 1700000000000LL;
static int64_t test_clock(void *p)
{
    (void)p;
    return clock_ms;
}

static const char zone_text[] =
    "$ORIGIN example.org.\n"
    "$TTL 600\n"
    "@        IN TXT \"v=spf1 \" \"-all\"\n"
    "@        IN MX 10 mx\n"
    "mx       IN A 192.0.2.25\n"
    "alias    IN CNAME mx\n"
    "$TIMEOUT slow.example.org.\n";

static void test_sync(ma_ctx *ctx, ma_resolver *r)
{
    ma_job *job;
    uint32_t txt, mx, a, slow, none;
    const ma_dns_answer *ans;
    const char *text;
    size_t len;
    uint16_t pref;
    ma_ip ip;
    char buf[MA_IP_TEXT_MAX];

    ok(ma_lookup_job_new(&job, ctx) == MA_OK, "lookup job");
    ma_lookup_job_add(job, "example.org", MA_DNS_TXT, &txt);
    ma_lookup_job_add(job, "EXAMPLE.org.", MA_DNS_MX, &mx);
    ma_lookup_job_add(job, "alias.example.org", MA_DNS_A, &a);
    ma_lookup_job_add(job, "slow.example.org", MA_DNS_TXT, &slow);
    ma_lookup_job_add(job, "none.example.org", MA_DNS_TXT, &none);
    is_int(ma_job_run(job, r), MA_JOB_DONE, "job ran");

    ma_lookup_job_result(job, txt, &ans);
    is_int(ma_dns_answer_rcode(ans), MA_DNS_OK, "TXT found");
    ma_dns_answer_txt(ans, 0, &text, &len);
    is_mem(text, len, "v=spf1 -all", 11, "TXT strings joined");
    is_int(ma_dns_answer_ttl(ans), 600, "$TTL applied");

    ma_lookup_job_result(job, mx, &ans);
    ma_dns_answer_mx(ans, 0, &pref, &text);
    is_int(pref, 10, "MX preference");
    is_str(text, "mx.example.org", "MX exchange made absolute");

    ma_lookup_job_result(job, a, &ans);
    is_int(ma_dns_answer_addr(ans, 0, &ip), MA_OK, "CNAME followed to an address");
    ma_ip_format(&ip, buf, sizeof buf);
    is_str(buf, "192.0.2.25", "address through the alias");

    ma_lookup_job_result(job, slow, &ans);
    is_int(ma_dns_answer_rcode(ans), MA_DNS_TEMPFAIL, "$TIMEOUT gives TEMPFAIL");
    ma_lookup_job_result(job, none, &ans);
    is_int(ma_dns_answer_rcode(ans), MA_DNS_NXDOMAIN, "unknown name is NXDOMAIN");
    ma_job_free(job);
}

/* Drive a job by hand, answering the questions in reverse order. */
static void test_by_hand(ma_ctx *ctx, ma_resolver *r)
{
    ma_job *job;
    uint32_t id[3];
    const ma_dns_question *const *qs;
    size_t n, i;
    int rounds = 0, rc;
    const ma_dns_answer *ans;

    ma_lookup_job_new(&job, ctx);
    ma_lookup_job_add(job, "example.org", MA_DNS_TXT, &id[0]);
    ma_lookup_job_add(job, "mx.example.org", MA_DNS_A, &id[1]);
    ma_lookup_job_add(job, "mx.example.org", MA_DNS_AAAA, &id[2]);
    while ((rc = ma_job_step(job)) == MA_JOB_NEED_DNS) {
        ma_job_questions(job, &qs, &n);
        rounds++;
        {
            uint32_t ids[8];
            const char *names[8];
            ma_dns_type types[8];
            for (i = 0; i < n && i < 8; i++) {
                ids[i] = ma_dns_question_id(qs[i]);
                names[i] = ma_dns_question_name(qs[i]);
                types[i] = ma_dns_question_type(qs[i]);
            }
            for (i = n; i-- > 0;) {
                ma_dns_answer *a;
                ma_resolver_resolve(r, names[i], types[i], &a);
                ma_job_answer(job, ids[i], a);
                ma_dns_answer_free(a);
            }
        }
    }
    is_int(rc, MA_JOB_DONE, "job driven by hand finishes");
    is_int(rounds, 1, "all questions were outstanding at once");
    ma_lookup_job_result(job, id[2], &ans);
    is_int(ma_dns_answer_rcode(ans), MA_DNS_NODATA, "AAAA of a name with only A is NODATA");
    ma_job_free(job);
}

static void test_cache(ma_ctx *ctx, ma_resolver *inner)
{
    ma_resolver *cache;
    ma_dns_answer *a;
    ma_cache_stats st;

    is_int(ma_resolver_cache_new(&cache, ctx, inner), MA_OK, "cache over the static resolver");
    ma_resolver_resolve(cache, "example.org", MA_DNS_TXT, &a);
    ma_dns_answer_free(a);
    ma_resolver_resolve(cache, "example.org", MA_DNS_TXT, &a);
    is_int(ma_dns_answer_count(a), 1, "cached answer has the record");
    ma_dns_answer_free(a);
    ma_resolver_cache_stats(cache, &st);
    is_int(st.hits, 1, "second question hit the cache");
    is_int(st.misses, 1, "first question missed");
    clock_ms += 601 * 1000;
    ma_resolver_resolve(cache, "example.org", MA_DNS_TXT, &a);
    ma_dns_answer_free(a);
    ma_resolver_cache_stats(cache, &st);
    is_int(st.misses, 2, "entry expired after its TTL on the context clock");
    ma_resolver_free(cache);
}

int main(void)
{
    ma_ctx_opts o;
    ma_ctx *ctx;
    ma_static_zone *z;
    ma_resolver *r;
    ma_ip ip;

    ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION);
    o.clock_fn = test_clock;
    is_int(ma_ctx_new(&ctx, &o), MA_OK, "context");
    is_str(ma_version(), MA_VERSION_STRING, "library and headers agree on the version");
    is_int(ma_static_zone_new(&z, ctx), MA_OK, "static zone");
    is_int(ma_static_zone_load(z, zone_text, strlen(zone_text), NULL), MA_OK, "zone text loaded");
    ma_ip_parse(&ip, "2001:db8::25", 12);
    is_int(ma_static_zone_add_addr(z, "v6.example.org", &ip, 60), MA_OK, "record added through the API");
    is_int(ma_resolver_static_new(&r, ctx, z), MA_OK, "static resolver");
    ma_static_zone_free(z); /* the resolver keeps its own reference */
    test_sync(ctx, r);
    test_by_hand(ctx, r);
    test_cache(ctx, r);
    ma_resolver_free(r);
    ma_ctx_free(ctx);
    return tap_done();
}
