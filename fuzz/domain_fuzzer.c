/*
 * Fuzz harness for domain names (src/core/domain.c).
 *
 * Input: byte 0 picks the flags, the rest is the name.  Invariants (abort
 * on violation):
 * - the status is OK, ESYNTAX (or ENOMEM if malloc fails), and the output
 *   is NULL on error;
 * - a normalized name is 1..253 octets of lower-case letters, digits,
 *   hyphens (and '_' only with the flag), in at least two labels unless
 *   single labels are allowed, each 1..63 octets with no hyphen at either
 *   end, no trailing dot;
 * - normalizing is idempotent, also with MA_DOMAIN_ASCII_ONLY (the result
 *   is pure ASCII whose A-labels are valid);
 * - the result equals itself and the input's ASCII case variants, and is
 *   within each of its own parent names;
 * - equal and is_within on arbitrary splits of the input never misbehave,
 *   and equal is symmetric.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "core/core.h"

static void check_normalized(const char *s, unsigned int flags)
{
    size_t len = strlen(s), i, lab = 0, labels = 1;

    if (len == 0 || len > 253 || s[len - 1] == '.')
        abort();
    for (i = 0; i <= len; i++) {
        int c = (unsigned char)s[i];
        if (i == len || c == '.') {
            if (lab == 0 || lab > 63 || s[i - lab] == '-' || s[i - 1] == '-')
                abort();
            if (i < len)
                labels++;
            lab = 0;
            continue;
        }
        lab++;
        if (!((c >= 'a' && c <= 'z') || ma__is_digit(c) || c == '-'
              || (c == '_' && (flags & MA_DOMAIN_ALLOW_UNDERSCORE))))
            abort();
    }
    if (labels < 2 && !(flags & MA_DOMAIN_ALLOW_SINGLE_LABEL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx;
    unsigned int flags;
    const char *in;
    size_t len, half;
    char *out = NULL, *again = NULL;
    int rc;

    if (size < 1)
        return 0;
    flags = data[0] & (MA_DOMAIN_ALLOW_UNDERSCORE | MA_DOMAIN_ASCII_ONLY
                       | MA_DOMAIN_ALLOW_SINGLE_LABEL);
    in = (const char *)data + 1;
    len = size - 1;
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        abort();

    rc = ma_domain_normalize(&out, ctx, in, len, flags);
    if (rc == MA_OK) {
        size_t olen = strlen(out), i;
        check_normalized(out, flags);
        /* Idempotent, and the result is ASCII. */
        if (ma_domain_normalize(&again, ctx, out, olen, flags | MA_DOMAIN_ASCII_ONLY) != MA_OK
            || strcmp(out, again) != 0)
            abort();
        ma_free(ctx, again);
        if (!ma_domain_equal(out, olen, out, olen) || !ma_domain_is_within(out, olen, out, olen))
            abort();
        /* The result is within each of its parents. */
        for (i = 0; i < olen; i++)
            if (out[i] == '.' && !ma_domain_is_within(out, olen, out + i + 1, olen - i - 1))
                abort();
        /* A pure-ASCII input without xn-- equals its output. */
        {
            int ascii = 1;
            for (i = 0; i < len; i++)
                if ((unsigned char)in[i] >= 0x80)
                    ascii = 0;
            if (ascii && !ma_domain_equal(in, len, out, olen))
                abort();
        }
    } else if (rc == MA_ESYNTAX || rc == MA_ENOMEM) {
        if (out != NULL)
            abort();
    } else {
        abort();
    }
    ma_free(ctx, out);

    /* Comparisons on two halves of the raw input. */
    half = len / 2;
    if (ma_domain_equal(in, half, in + half, len - half)
        != ma_domain_equal(in + half, len - half, in, half))
        abort();
    if (ma_domain_equal(in, half, in + half, len - half)
        && !ma_domain_is_within(in, half, in + half, len - half))
        abort();
    (void)ma_domain_is_within(in + half, len - half, in, half);

    ma_ctx_free(ctx);
    return 0;
}
