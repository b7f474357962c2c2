/*
 * Zone text loader: the input is loaded as master-file text into a fresh
 * static zone (whatever the outcome, what was loaded stays), then every
 * name the zone holds (up to a bound) and a few fixed names are asked for
 * every type, so CNAME chains, failure marks and empty non-terminals built
 * from hostile text are walked too.
 */
#include "config.h"

#include <string.h>

#include "dns/static_int.h"
#include "fuzzer.h"

static const ma_dns_type types[] = { MA_DNS_TXT, MA_DNS_A, MA_DNS_AAAA, MA_DNS_MX, MA_DNS_PTR };

static void ask_all(ma_resolver *r, const char *name)
{
    size_t t, i;
    for (t = 0; t < sizeof types / sizeof types[0]; t++) {
        ma_dns_answer *a = NULL;
        if (ma_resolver_resolve(r, name, types[t], &a) != MA_OK)
            continue;
        /* Read every record back. */
        for (i = 0; i < ma_dns_answer_count(a); i++) {
            const char *s;
            size_t len;
            uint16_t pref;
            ma_ip ip;
            if (types[t] == MA_DNS_TXT)
                ma_dns_answer_txt(a, i, &s, &len);
            else if (types[t] == MA_DNS_MX)
                ma_dns_answer_mx(a, i, &pref, &s);
            else if (types[t] == MA_DNS_PTR)
                ma_dns_answer_ptr(a, i, &s);
            else
                ma_dns_answer_addr(a, i, &ip);
        }
        ma_dns_answer_free(a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fixed[] = { "example.com", "www.example.com", ".", "a", "x.y.z" };
    ma_ctx *ctx;
    ma_static_zone *z;
    ma_resolver *r;
    size_t i, asked = 0;

    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        return 0;
    ma_ctx_set_limit(ctx, MA_LIMIT_ZONE_BYTES, 1u << 20);
    if (ma_static_zone_new(&z, ctx) != MA_OK) {
        ma_ctx_free(ctx);
        return 0;
    }
    ma_static_zone_load(z, (const char *)data, size, (size & 1) ? "example.com" : NULL);
    (void)strlen(ma_static_zone_error(z));
    if (ma_resolver_static_new(&r, ctx, z) == MA_OK) {
        for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            ask_all(r, fixed[i]);
        for (i = 0; i < z->nbuckets && asked < 64; i++) {
            const ma_static_node *n;
            for (n = z->buckets[i]; n != NULL && asked < 64; n = n->next, asked++) {
                ask_all(r, n->name);
                if (n->cname != NULL)
                    ask_all(r, n->cname);
            }
        }
        /* Copy-on-write over answers just handed out. */
        ma_static_zone_add_txt(z, "example.com", "late", 4, 1);
        ask_all(r, "example.com");
        ma_resolver_free(r);
    }
    ma_static_zone_free(z);
    ma_ctx_free(ctx);
    return 0;
}
