/*
 * A very small TAP producer for the unit tests (automake's tap-driver.sh
 * counts each "ok"/"not ok" line).  Header-only; one per test program.
 */
#ifndef MA_TEST_TAP_H
#define MA_TEST_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n;
static int tap_failed;

#define TAP_HERE __FILE__, __LINE__

static inline int tap_ok_at(int cond, const char *file, int line, const char *what)
{
    tap_n++;
    if (cond) {
        printf("ok %d - %s\n", tap_n, what);
    } else {
        tap_failed++;
        printf("not ok %d - %s\n# at %s:%d\n", tap_n, what, file, line);
    }
    fflush(stdout);
    return cond;
}

static inline int tap_int_at(long long got, long long want, const char *file, int line, const char *what)
{
    int c = tap_ok_at(got == want, file, line, what);
    if (!c)
        printf("#   got %lld, want %lld\n", got, want);
    return c;
}

static inline int tap_mem_at(const void *got, size_t glen, const void *want, size_t wlen, const char *file,
                      int line, const char *what)
{
    int c = tap_ok_at(got != NULL && glen == wlen && memcmp(got, want, wlen) == 0, file, line, what);
    if (!c)
        printf("#   got \"%.*s\" (%zu), want \"%.*s\" (%zu)\n", got ? (int)glen : 6,
               got ? (const char *)got : "(null)", glen, (int)wlen, (const char *)want, wlen);
    return c;
}

static inline int tap_str_at(const char *got, const char *want, const char *file, int line, const char *what)
{
    return tap_mem_at(got, got ? strlen(got) : 0, want, strlen(want), file, line, what);
}

/*
 * A check whose expectation comes from a third-party suite that we believe
 * contradicts an RFC: reported as "# TODO <reason>", which the automake
 * driver counts as XFAIL when it fails and as XPASS (an error) when it
 * passes, so a stale entry cannot linger.
 */
static inline int tap_todo_at(int cond, const char *file, int line, const char *what,
                              const char *reason)
{
    tap_n++;
    printf("%s %d - %s # TODO %s\n", cond ? "ok" : "not ok", tap_n, what, reason);
    if (!cond)
        printf("# at %s:%d\n", file, line);
    fflush(stdout);
    return cond;
}

/* ok(cond, "what"); is_int(got, want, "what"); is_str(got, want, "what");
   is_mem(got, glen, want, wlen, "what") */
#define ok(cond, what) tap_ok_at(!!(cond), TAP_HERE, (what))
#define ok_todo(cond, what, reason) tap_todo_at(!!(cond), TAP_HERE, (what), (reason))
#define is_int(got, want, what) tap_int_at((long long)(got), (long long)(want), TAP_HERE, (what))
#define is_str(got, want, what) tap_str_at((got), (want), TAP_HERE, (what))
#define is_mem(got, glen, want, wlen, what) tap_mem_at((got), (glen), (want), (wlen), TAP_HERE, (what))

static inline void tap_diag(const char *msg)
{
    printf("# %s\n", msg);
}

/* Print the plan at the end and return the exit status for main(). */
static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
