/*
 * The context: options, allocator hooks, clock, log callback, limits,
 * status texts, version; and the internal growable buffer.
 */
#include "config.h"

#include <string.h>

#include "core/core.h"
#include "mailauth/version.h"
#include "alloc.h"
#include "tap.h"

static int64_t fixed_clock(void *p)
{
    return *(int64_t *)p;
}

struct logrec {
    int n;
    ma_log_level last;
    char msg[64];
};

static void logger(ma_log_level level, const char *msg, void *p)
{
    struct logrec *l = p;
    l->n++;
    l->last = level;
    snprintf(l->msg, sizeof l->msg, "%s", msg);
}

static void test_opts(void)
{
    ma_ctx_opts o;
    ma_ctx *ctx = (ma_ctx *)1;
    ma_ctx_opts bad = MA_CTX_OPTS_INIT;

    is_int(ma_ctx_opts_init(&o, MA_CTX_OPTS_VERSION), MA_OK, "opts_init current version");
    is_int(o.version, MA_CTX_OPTS_VERSION, "opts_init sets version");
    ok(o.malloc_fn == NULL && o.clock_fn == NULL && o.log_fn == NULL, "opts_init zeroes hooks");
    is_int(ma_ctx_opts_init(&o, 99), MA_EVERSION, "opts_init unknown version");
    is_int(ma_ctx_opts_init(NULL, MA_CTX_OPTS_VERSION), MA_EINVAL, "opts_init NULL");

    is_int(ma_ctx_new(NULL, NULL), MA_EINVAL, "ctx_new NULL out");
    bad.version = 2;
    is_int(ma_ctx_new(&ctx, &bad), MA_EVERSION, "ctx_new unknown opts version");
    ok(ctx == NULL, "out cleared on failure");
    bad.version = MA_CTX_OPTS_VERSION;
    bad.malloc_fn = ta_malloc;
    is_int(ma_ctx_new(&ctx, &bad), MA_EINVAL, "only some allocator hooks set");
    bad.malloc_fn = NULL;
    bad.log_level = (ma_log_level)7;
    is_int(ma_ctx_new(&ctx, &bad), MA_EINVAL, "bad log level");

    is_int(ma_ctx_new(&ctx, NULL), MA_OK, "ctx_new with defaults");
    ok(ma_ctx_now_ms(ctx) > (int64_t)1600000000 * 1000, "default clock is the system clock");
    ma_ctx_free(ctx);
    ma_ctx_free(NULL);
    ok(1, "ctx_free(NULL) is a no-op");
}

static void test_allocator(void)
{
    ta_alloc c;
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    ma_ctx *ctx;
    char *s;
    void *p;

    ta_init(&c);
    ta_hooks(&o, &c);
    is_int(ma_ctx_new(&ctx, &o), MA_OK, "ctx with counting allocator");
    is_int(c.live, 1, "the context itself comes from the hooks");
    p = ma_malloc(ctx, 10);
    ok(p != NULL && c.live == 2, "ma_malloc uses the hooks");
    ma_free(ctx, p);
    is_int(c.live, 1, "ma_free uses the hooks");
    ok(ma_malloc(ctx, 0) == NULL, "ma_malloc(0) is NULL");
    ok(ma_malloc(NULL, 1) == NULL, "ma_malloc without ctx is NULL");
    ma_free(ctx, NULL);
    ok(ma__calloc(ctx, SIZE_MAX / 2, 4) == NULL, "calloc overflow refused");
    s = ma__strndup(ctx, "abcdef", 3);
    is_str(s, "abc", "strndup copies len bytes and terminates");
    ma__free(ctx, s);
    ta_fail_from(&c, 1);
    ok(ma__strndup(ctx, "x", 1) == NULL, "strndup reports allocation failure");
    ta_fail_never(&c);
    ma_ctx_free(ctx);
    is_int(c.live, 0, "nothing leaked through the hooks");

    ta_fail_from(&c, 1);
    is_int(ma_ctx_new(&ctx, &o), MA_ENOMEM, "ctx_new reports ENOMEM");
}

static void test_clock_and_log(void)
{
    int64_t now = 1700000000123LL;
    struct logrec l;
    ma_ctx_opts o = MA_CTX_OPTS_INIT;
    ma_ctx *ctx;

    memset(&l, 0, sizeof l);
    o.clock_fn = fixed_clock;
    o.clock_payload = &now;
    o.log_fn = logger;
    o.log_payload = &l;
    o.log_level = MA_LOG_WARNING;
    is_int(ma_ctx_new(&ctx, &o), MA_OK, "ctx with clock and log");
    is_int(ma_ctx_now_ms(ctx), 1700000000123LL, "injected clock");
    now += 5000;
    is_int(ma_ctx_now_ms(ctx), 1700000005123LL, "clock read each time");
    ma__log(ctx, MA_LOG_ERROR, "bad %d", 1);
    is_int(l.n, 1, "error logged");
    is_str(l.msg, "bad 1", "log message formatted");
    ma__log(ctx, MA_LOG_WARNING, "warn");
    is_int(l.last, MA_LOG_WARNING, "warning level passed");
    ma__log(ctx, MA_LOG_DEBUG, "noise");
    is_int(l.n, 2, "debug filtered by log_level");
    ma_ctx_free(ctx);
}

static void test_limits(void)
{
    ma_ctx *ctx;
    unsigned i;
    int names_ok = 1, defaults_ok = 1;

    ma_ctx_new(&ctx, NULL);
    for (i = 0; i < MA_LIMIT_COUNT; i++) {
        if (ma_limit_name((ma_limit)i) == NULL)
            names_ok = 0;
        if (ma_limit_default((ma_limit)i) == 0 ||
            ma_ctx_limit(ctx, (ma_limit)i) != ma_limit_default((ma_limit)i))
            defaults_ok = 0;
    }
    ok(names_ok, "every limit has a name");
    ok(defaults_ok, "every limit starts at its nonzero default");
    is_int(ma_limit_default(MA_LIMIT_HEADER_BYTES), 1024 * 1024, "header bytes default 1 MiB");
    is_int(ma_limit_default(MA_LIMIT_CNAME_CHAIN), 8, "cname chain default 8");
    is_str(ma_limit_name(MA_LIMIT_TAGS), "tags", "limit name");
    ok(ma_limit_name((ma_limit)MA_LIMIT_COUNT) == NULL, "unknown limit has no name");
    is_int(ma_ctx_set_limit(ctx, MA_LIMIT_TAGS, 5), MA_OK, "set limit");
    is_int(ma_ctx_limit(ctx, MA_LIMIT_TAGS), 5, "limit read back");
    is_int(ma_ctx_set_limit(ctx, MA_LIMIT_TAGS, 0), MA_EINVAL, "zero limit refused");
    is_int(ma_ctx_set_limit(ctx, (ma_limit)MA_LIMIT_COUNT, 1), MA_EINVAL, "unknown limit refused");
    is_int(ma_ctx_set_limit(NULL, MA_LIMIT_TAGS, 1), MA_EINVAL, "NULL ctx refused");
    is_int(ma_ctx_limit(NULL, MA_LIMIT_TAGS), 0, "NULL ctx limit is 0");
    ma_ctx_free(ctx);
}

static void test_status_and_version(void)
{
    int code, all = 1;
    char v[32];
    for (code = MA_OK; code >= MA_STATUS_MIN; code--)
        if (ma_status_name(code) == NULL || strcmp(ma_status_str(code), "unknown status") == 0)
            all = 0;
    ok(all, "every status code has a name and a text");
    is_str(ma_status_str(MA_ENOMEM), "out of memory", "ENOMEM text");
    is_str(ma_status_name(MA_ESYNTAX), "MA_ESYNTAX", "ESYNTAX name");
    is_str(ma_status_str(MA_STATUS_MIN - 1), "unknown status", "unknown code text");
    ok(ma_status_name(1) == NULL, "unknown code has no name");
    is_str(ma_version(), MA_VERSION_STRING, "run-time version matches header");
    is_int(ma_version_number(), MA_VERSION_NUMBER, "version number matches header");
    snprintf(v, sizeof v, "%d.%d.%d", MA_VERSION_MAJOR, MA_VERSION_MINOR, MA_VERSION_PATCH);
    is_str(v, MA_VERSION_STRING, "version parts agree with the string");
    ok(MA_VERSION_CHECK(0, 0, 1), "MA_VERSION_CHECK for an older version");
    ok(!MA_VERSION_CHECK(MA_VERSION_MAJOR + 1, 0, 0), "MA_VERSION_CHECK for a newer version");
}

static void test_buf(void)
{
    ma_ctx *ctx;
    ma_buf b;
    char *s;
    size_t len, i;
    ma_errbuf e;

    ma_ctx_new(&ctx, NULL);
    ma__buf_init(&b, ctx);
    is_int(ma__buf_append(&b, "ab", 2), MA_OK, "append");
    is_int(ma__buf_putc(&b, 'c'), MA_OK, "putc");
    is_int(ma__buf_printf(&b, "-%d-%s", 42, "x"), MA_OK, "printf");
    is_str(b.data, "abc-42-x", "buffer content NUL-terminated");
    for (i = 0; i < 10000; i++)
        ma__buf_putc(&b, 'z');
    is_int(b.len, 10008, "buffer grows");
    ma__buf_reset(&b);
    is_int(b.len, 0, "reset empties");
    ma__buf_append(&b, "keep", 4);
    s = ma__buf_steal(&b, &len);
    is_str(s, "keep", "steal hands over the storage");
    is_int(len, 4, "steal length");
    ok(b.data == NULL && b.len == 0, "buffer empty after steal");
    ma_free(ctx, s);
    s = ma__buf_steal(&b, &len);
    ok(s != NULL && s[0] == '\0' && len == 0, "steal of an empty buffer gives an empty string");
    ma_free(ctx, s);
    ma__buf_free(&b);

    ma__err_clear(&e);
    is_str(e.text, "", "cleared error is empty");
    is_int(e.offset, -1, "cleared error has no offset");
    ma__err_set(&e, 12, "bad %s", "thing");
    is_str(e.text, "bad thing", "error text");
    is_int(e.offset, 12, "error offset");
    is_int(ma__casecmp("AbC", 3, "aBc", 3), 0, "casecmp equal");
    ok(ma__casecmp("abc", 3, "abd", 3) < 0, "casecmp order");
    ok(ma__casecmp("ab", 2, "abc", 3) != 0, "casecmp length");
    ma_ctx_free(ctx);
}

int main(void)
{
    test_opts();
    test_allocator();
    test_clock_and_log();
    test_limits();
    test_status_and_version();
    test_buf();
    return tap_done();
}
