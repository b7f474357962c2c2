/*
 * Helpers shared by the conformance runners (see conf-util.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-util.h"

char *conf_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t len = 0, cap = 0, n;
    int saved;

    *len_out = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                saved = ENOMEM;
                goto fail;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        saved = EIO;
        goto fail;
    }
    fclose(f);
    buf[len] = '\0';
    *len_out = len;
    return buf;
fail:
    fclose(f);
    free(buf);
    errno = saved;
    return NULL;
}

char *conf_dup_mem(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        if (n > 0)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void conf_diag_bytes(const char *prefix, const char *s, size_t len)
{
    size_t i;
    printf("# %s", prefix);
    if (s == NULL) {
        fputs("(null)\n", stdout);
        return;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    putchar('\n');
}
