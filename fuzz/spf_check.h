/* Shared by the SPF fuzz harnesses: an oracle for expanded domain names,
   written independently of src/spf/macro.c. */
#ifndef MA_FUZZ_SPF_CHECK_H
#define MA_FUZZ_SPF_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Independent check of an expanded name (ma__spf_expand_domain's promise). */
static inline void check_name(const char *s, size_t n)
{
    size_t i, label = 0, last;
    bool alpha = false, hyphen = false;

    if (n == 0 || n > 253 || s[n - 1] == '.' || strlen(s) != n)
        abort();
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (i == label || i - label > 63)
                abort();
            if (i < n)
                label = i + 1;
        } else if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
            abort();
        }
    }
    /* The last label is a toplabel. */
    for (last = label; last < n; last++) {
        int c = (unsigned char)s[last];
        if ((c | 32) >= 'a' && (c | 32) <= 'z')
            alpha = true;
        else if (c == '-')
            hyphen = true;
        else if (c < '0' || c > '9')
            abort();
    }
    if (hyphen ? (s[label] == '-' || s[n - 1] == '-') : !alpha)
        abort();
}

#endif
