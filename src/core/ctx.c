/*
 * The library context, memory helpers, status texts, limits and version.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "mailauth/authres.h"
#include "mailauth/version.h"

/* ------------------------------------------------------------------ status */

static const struct {
    int code;
    const char *name;
    const char *text;
} ma_status_table[] = {
    { MA_OK, "MA_OK", "success" },
    { MA_ENOMEM, "MA_ENOMEM", "out of memory" },
    { MA_EINVAL, "MA_EINVAL", "invalid argument" },
    { MA_ESTATE, "MA_ESTATE", "call not valid in the current state" },
    { MA_ELIMIT, "MA_ELIMIT", "limit exceeded" },
    { MA_EVERSION, "MA_EVERSION", "unknown structure version" },
    { MA_ESYNTAX, "MA_ESYNTAX", "malformed input" },
    { MA_ENOTFOUND, "MA_ENOTFOUND", "not found" },
    { MA_EIO, "MA_EIO", "input/output error" },
    { MA_EUNSUPPORTED, "MA_EUNSUPPORTED", "not supported" },
    { MA_EINTERNAL, "MA_EINTERNAL", "internal error in a dependency" },
};

const char *ma_status_str(int status)
{
    size_t i;
    for (i = 0; i < sizeof ma_status_table / sizeof ma_status_table[0]; i++)
        if (ma_status_table[i].code == status)
            return ma_status_table[i].text;
    return "unknown status";
}

const char *ma_status_name(int status)
{
    size_t i;
    for (i = 0; i < sizeof ma_status_table / sizeof ma_status_table[0]; i++)
        if (ma_status_table[i].code == status)
            return ma_status_table[i].name;
    return NULL;
}

/* ----------------------------------------------------------------- version */

const char *ma_version(void)
{
    return MA_VERSION_STRING;
}

unsigned long ma_version_number(void)
{
    return (unsigned long)MA_VERSION_NUMBER;
}

/* ------------------------------------------------------------------ limits */

static const struct {
    const char *name;
    uint64_t def;
} ma_limit_table[MA_LIMIT_COUNT] = {
    [MA_LIMIT_HEADER_BYTES] = { "header_bytes", 1024u * 1024u },
    [MA_LIMIT_HEADER_FIELDS] = { "header_fields", 1000 },
    [MA_LIMIT_HEADER_FIELD_BYTES] = { "header_field_bytes", 64u * 1024u },
    [MA_LIMIT_TAGS] = { "tags", 64 },
    [MA_LIMIT_JOB_QUESTIONS] = { "job_questions", 512 },
    [MA_LIMIT_CNAME_CHAIN] = { "cname_chain", 8 },
    [MA_LIMIT_DNS_RECORDS] = { "dns_records", 256 },
    [MA_LIMIT_TXT_BYTES] = { "txt_bytes", 65535 },
    [MA_LIMIT_CACHE_ENTRIES] = { "cache_entries", 10000 },
    [MA_LIMIT_CACHE_MAX_TTL] = { "cache_max_ttl", 86400 },
    [MA_LIMIT_CACHE_NEGATIVE_TTL] = { "cache_negative_ttl", 300 },
    [MA_LIMIT_ZONE_BYTES] = { "zone_bytes", 64u * 1024u * 1024u },
    [MA_LIMIT_SPF_DNS_TERMS] = { "spf_dns_terms", 10 },
    [MA_LIMIT_SPF_VOID_LOOKUPS] = { "spf_void_lookups", 2 },
    [MA_LIMIT_SPF_MX_NAMES] = { "spf_mx_names", 10 },
    [MA_LIMIT_SPF_PTR_NAMES] = { "spf_ptr_names", 10 },
    [MA_LIMIT_SPF_TIME_MS] = { "spf_time_ms", 20000 },
    [MA_LIMIT_SPF_MACRO_BYTES] = { "spf_macro_bytes", 8192 },
    [MA_LIMIT_DKIM_SIGNATURES] = { "dkim_signatures", 10 },
    [MA_LIMIT_DKIM_RSA_MAX_BITS] = { "dkim_rsa_max_bits", 8192 },
    [MA_LIMIT_DKIM_CLOCK_SKEW] = { "dkim_clock_skew", 300 },
    [MA_LIMIT_DKIM_KEY_CHARS] = { "dkim_key_chars", 2048 },
    [MA_LIMIT_SPF_TERMS] = { "spf_terms", 512 },
    [MA_LIMIT_AUTHRES_RESULTS] = { "authres_results", MA_AUTHRES_MAX_RESULTS },
    [MA_LIMIT_AUTHRES_PROPS] = { "authres_props", MA_AUTHRES_MAX_PROPS },
    [MA_LIMIT_AUTHRES_VALUE_BYTES] = { "authres_value_bytes", MA_AUTHRES_MAX_VALUE },
    [MA_LIMIT_IPREV_NAMES] = { "iprev_names", 10 },
    [MA_LIMIT_DMARC_URIS] = { "dmarc_uris", 8 },
};

uint64_t ma_limit_default(ma_limit which)
{
    if ((unsigned)which >= MA_LIMIT_COUNT)
        return 0;
    return ma_limit_table[which].def;
}

const char *ma_limit_name(ma_limit which)
{
    if ((unsigned)which >= MA_LIMIT_COUNT)
        return NULL;
    return ma_limit_table[which].name;
}

int ma_ctx_set_limit(ma_ctx *ctx, ma_limit which, uint64_t value)
{
    if (ctx == NULL || (unsigned)which >= MA_LIMIT_COUNT || value == 0)
        return MA_EINVAL;
    ctx->limits[which] = value;
    return MA_OK;
}

uint64_t ma_ctx_limit(const ma_ctx *ctx, ma_limit which)
{
    if (ctx == NULL || (unsigned)which >= MA_LIMIT_COUNT)
        return 0;
    return ctx->limits[which];
}

/* ----------------------------------------------------------------- context */

static void *ma_default_malloc(size_t size, void *payload)
{
    (void)payload;
    return malloc(size);
}

static void *ma_default_realloc(void *ptr, size_t size, void *payload)
{
    (void)payload;
    return realloc(ptr, size);
}

static void ma_default_free(void *ptr, void *payload)
{
    (void)payload;
    free(ptr);
}

static int64_t ma_default_clock(void *payload)
{
    struct timespec ts;
    (void)payload;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ma_ctx_opts_init(ma_ctx_opts *opts, unsigned int version)
{
    static const ma_ctx_opts init = MA_CTX_OPTS_INIT;
    if (opts == NULL)
        return MA_EINVAL;
    if (version != MA_CTX_OPTS_VERSION)
        return MA_EVERSION;
    *opts = init;
    return MA_OK;
}

int ma_ctx_new(ma_ctx **out, const ma_ctx_opts *opts)
{
    ma_ctx tmp;
    ma_ctx *ctx;
    unsigned i;
    int hooks;

    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    memset(&tmp, 0, sizeof tmp);
    tmp.malloc_fn = ma_default_malloc;
    tmp.realloc_fn = ma_default_realloc;
    tmp.free_fn = ma_default_free;
    tmp.clock_fn = ma_default_clock;
    tmp.log_level = MA_LOG_ERROR;
    if (opts != NULL) {
        if (opts->version != MA_CTX_OPTS_VERSION)
            return MA_EVERSION;
        hooks = (opts->malloc_fn != NULL) + (opts->realloc_fn != NULL) + (opts->free_fn != NULL);
        if (hooks != 0 && hooks != 3)
            return MA_EINVAL;
        if (hooks == 3) {
            tmp.malloc_fn = opts->malloc_fn;
            tmp.realloc_fn = opts->realloc_fn;
            tmp.free_fn = opts->free_fn;
            tmp.alloc_payload = opts->alloc_payload;
        }
        if (opts->clock_fn != NULL) {
            tmp.clock_fn = opts->clock_fn;
            tmp.clock_payload = opts->clock_payload;
        }
        if ((unsigned)opts->log_level > MA_LOG_DEBUG)
            return MA_EINVAL;
        tmp.log_fn = opts->log_fn;
        tmp.log_payload = opts->log_payload;
        tmp.log_level = opts->log_level;
    }
    for (i = 0; i < MA_LIMIT_COUNT; i++)
        tmp.limits[i] = ma_limit_table[i].def;
    ctx = tmp.malloc_fn(sizeof *ctx, tmp.alloc_payload);
    if (ctx == NULL)
        return MA_ENOMEM;
    *ctx = tmp;
    *out = ctx;
    return MA_OK;
}

void *ma__ctx_slot(const ma_ctx *ctx, ma_ctx_slot which, void *(*make)(const ma_ctx *ctx),
                   void (*destroy)(const ma_ctx *ctx, void *obj))
{
    ma_ctx *mut = (ma_ctx *)(uintptr_t)ctx; /* only the atomic slot is written */
    void *obj, *expected = NULL;
    if (ctx == NULL || (unsigned)which >= MA_CTX_SLOT_COUNT)
        return NULL;
    obj = __atomic_load_n(&mut->slots[which], __ATOMIC_ACQUIRE);
    if (obj != NULL)
        return obj;
    obj = make(ctx);
    if (obj == NULL)
        return NULL;
    /* The destroy function is the same for every maker of a slot, so it
       is stored before the object is published. */
    __atomic_store_n(&mut->slot_destroy[which], destroy, __ATOMIC_RELEASE);
    if (__atomic_compare_exchange_n(&mut->slots[which], &expected, obj, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return obj;
    destroy(ctx, obj);
    return expected;
}

void ma_ctx_free(ma_ctx *ctx)
{
    size_t i;
    if (ctx == NULL)
        return;
    for (i = 0; i < MA_CTX_SLOT_COUNT; i++)
        if (ctx->slots[i] != NULL && ctx->slot_destroy[i] != NULL)
            ctx->slot_destroy[i](ctx, ctx->slots[i]);
    ctx->free_fn(ctx, ctx->alloc_payload);
}

int64_t ma_ctx_now_ms(const ma_ctx *ctx)
{
    if (ctx == NULL)
        return ma_default_clock(NULL);
    return ctx->clock_fn(ctx->clock_payload);
}

/* ------------------------------------------------------------------ memory */

void *ma__alloc(const ma_ctx *ctx, size_t size)
{
    if (size == 0)
        return NULL;
    return ctx->malloc_fn(size, ctx->alloc_payload);
}

void *ma__calloc(const ma_ctx *ctx, size_t n, size_t size)
{
    void *p;
    if (n == 0 || size == 0 || n > SIZE_MAX / size)
        return NULL;
    p = ctx->malloc_fn(n * size, ctx->alloc_payload);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *ma__realloc(const ma_ctx *ctx, void *ptr, size_t size)
{
    if (size == 0)
        return NULL;
    return ctx->realloc_fn(ptr, size, ctx->alloc_payload);
}

void ma__free(const ma_ctx *ctx, void *ptr)
{
    if (ptr != NULL)
        ctx->free_fn(ptr, ctx->alloc_payload);
}

char *ma__strndup(const ma_ctx *ctx, const char *s, size_t len)
{
    char *p;
    if (len == SIZE_MAX)
        return NULL;
    p = ma__alloc(ctx, len + 1);
    if (p == NULL)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void ma__wipe(void *p, size_t len)
{
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
}

void *ma_malloc(const ma_ctx *ctx, size_t size)
{
    if (ctx == NULL)
        return NULL;
    return ma__alloc(ctx, size);
}

void ma_free(const ma_ctx *ctx, void *ptr)
{
    if (ctx == NULL || ptr == NULL)
        return;
    ma__free(ctx, ptr);
}

/* --------------------------------------------------------------------- log */

void ma__log(const ma_ctx *ctx, ma_log_level level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (ctx == NULL || ctx->log_fn == NULL || level > ctx->log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log_fn(level, msg, ctx->log_payload);
}

/* ------------------------------------------------------------------ errors */

void ma__err_set(ma_errbuf *e, int64_t offset, const char *fmt, ...)
{
    va_list ap;
    if (e == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    e->offset = offset;
}

void ma__err_clear(ma_errbuf *e)
{
    if (e == NULL)
        return;
    e->text[0] = '\0';
    e->offset = -1;
}

/* ------------------------------------------------------------------- ASCII */

int ma__casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;
    if (alen != blen)
        return alen < blen ? -1 : 1;
    for (i = 0; i < alen; i++) {
        int ca = ma__lower((unsigned char)a[i]), cb = ma__lower((unsigned char)b[i]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return 0;
}
