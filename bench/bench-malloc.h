/*
 * Shared by the benchmarks: counting malloc, calloc and realloc calls of
 * the whole process (both libraries, OpenSSL's included) by wrapping them
 * (glibc only; not in sanitizer builds).  Include once, in the program's
 * one source file, after the system headers.
 */
#ifndef BENCH_MALLOC_H
#define BENCH_MALLOC_H

#if defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) \
    || __has_feature(thread_sanitizer)
#  define BENCH_SANITIZED 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
# define BENCH_SANITIZED 1
#endif

#if defined(__GLIBC__) && !defined(BENCH_SANITIZED) && !defined(BENCH_NO_MALLOC_COUNT)
# define BENCH_COUNT_MALLOC 1
#endif

static unsigned long long malloc_calls;  /* malloc + calloc + realloc */

#ifdef BENCH_COUNT_MALLOC
/*
 * glibc supports replacing malloc (its manual, "Replacing malloc"): these
 * wrappers count the calls and forward to the next definition.  dlsym() may
 * itself allocate while the wrappers look the real functions up: that is
 * served from a small static arena, which free() then ignores.
 */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int malloc_looking_up;
static unsigned char boot_arena[16384] __attribute__((aligned(16)));
static size_t boot_used;

static void *boot_alloc(size_t n)
{
    void *p;

    n = (n + 15) & ~(size_t)15;
    if (n > sizeof boot_arena - boot_used)
        return NULL;
    p = boot_arena + boot_used;
    boot_used += n;
    return p;                   /* static storage: already zero */
}

static int in_boot_arena(const void *p)
{
    const unsigned char *c = p;
    return c >= boot_arena && c < boot_arena + sizeof boot_arena;
}

static int malloc_lookup(void)
{
    if (real_free != NULL)
        return 0;
    if (malloc_looking_up)
        return -1;
    malloc_looking_up = 1;
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    malloc_looking_up = 0;
    if (real_malloc == NULL || real_calloc == NULL || real_realloc == NULL || real_free == NULL)
        abort();
    return 0;
}

void *malloc(size_t n)
{
    if (malloc_lookup() != 0)
        return boot_alloc(n);
    malloc_calls++;
    return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (malloc_lookup() != 0)
        return size != 0 && n > SIZE_MAX / size ? NULL : boot_alloc(n * size);
    malloc_calls++;
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (p != NULL && in_boot_arena(p)) {
        /* Rare: grow a block from the arena into the real heap. */
        unsigned char *q = malloc(n);
        size_t avail = (size_t)(boot_arena + sizeof boot_arena - (unsigned char *)p);
        if (q != NULL)
            memcpy(q, p, n < avail ? n : avail);
        return q;
    }
    if (malloc_lookup() != 0)
        return boot_alloc(n);
    malloc_calls++;
    return real_realloc(p, n);
}

void free(void *p)
{
    if (p == NULL || in_boot_arena(p))
        return;
    if (malloc_lookup() != 0)
        return;
    real_free(p);
}
#endif /* BENCH_COUNT_MALLOC */

#endif /* BENCH_MALLOC_H */
