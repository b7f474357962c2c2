/*
 * Helpers shared by several fuzz harnesses (static inline: each harness
 * uses some of them).
 */
#ifndef MA_FUZZ_UTIL_H
#define MA_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/mailauth.h"

/* Write n bytes from a malloc'd copy of exactly that size, so that ASan
   catches a read past the chunk (the input buffer goes on after it). */
static inline int fuzz_write_exact(ma_msg *m, const uint8_t *p, size_t n)
{
    unsigned char *copy = malloc(n ? n : 1);
    int rc;
    if (copy == NULL)
        abort();
    if (n)
        memcpy(copy, p, n);
    rc = ma_msg_write(m, copy, n);
    free(copy);
    return rc;
}

/* The input bytes mapped one token of tokens[0..ntokens) each, in a
   malloc'd buffer of exactly the result's length (*len_out); the ""
   token stands for one NUL byte. */
static inline char *fuzz_map_tokens(const char *const *tokens, size_t ntokens, const uint8_t *in,
                                    size_t n, size_t *len_out)
{
    size_t i, len = 0;
    char *out;
    for (i = 0; i < n; i++)
        len += tokens[in[i] % ntokens][0] == '\0' ? 1 : strlen(tokens[in[i] % ntokens]);
    out = malloc(len ? len : 1);
    if (out == NULL)
        abort();
    len = 0;
    for (i = 0; i < n; i++) {
        const char *t = tokens[in[i] % ntokens];
        size_t tl = t[0] == '\0' ? 1 : strlen(t);
        memcpy(out + len, t, tl);
        len += tl;
    }
    *len_out = len;
    return out;
}

#endif /* MA_FUZZ_UTIL_H */
