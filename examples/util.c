/*
 * util.c: the plumbing the example programs share; see util.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int bytes_add(bytes *b, const char *data, size_t len, size_t max)
{
    if (len > max - b->len)
        return -1;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        char *p;
        while (cap < b->len + len)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int read_file(bytes *b, FILE *in, size_t max)
{
    char chunk[16384];
    size_t n;

    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (bytes_add(b, chunk, n, max) != 0)
            return -1;
    return ferror(in) ? -1 : 0;
}

void put_lines(const char *text, int lf)
{
    const char *p;

    for (p = text; *p != '\0'; p++)
        if (!(lf && p[0] == '\r' && p[1] == '\n'))
            putchar(*p);
}

int uses_lf(const bytes *message)
{
    const char *eol = message->len > 0 ? memchr(message->data, '\n', message->len) : NULL;
    return eol != NULL && (eol == message->data || eol[-1] != '\r');
}

int make_resolver(const char *prog, ma_ctx *ctx, const char *zonefile, ma_static_zone **zone,
                  ma_resolver **resolver)
{
    int rc;

    if (strcmp(zonefile, "-") == 0) {
        /* NULL options: /etc/resolv.conf, 2 s per try, 2 tries, TCP when
         * a reply is truncated. */
        rc = ma_resolver_ldns_new(resolver, ctx, NULL);
        if (rc != MA_OK) {
            fprintf(stderr, "%s: no DNS resolver: %s\n", prog, ma_status_str(rc));
            return 1;
        }
        return 0;
    }
    rc = ma_static_zone_new(zone, ctx);
    if (rc == MA_OK) {
        rc = ma_static_zone_load_file(*zone, zonefile, NULL);
        if (rc != MA_OK) {
            /* The zone says which line is wrong, or that the file is unreadable. */
            const char *why = ma_static_zone_error(*zone);
            fprintf(stderr, "%s: %s: %s\n", prog, zonefile,
                    why[0] != '\0' ? why : ma_status_str(rc));
            return 1;
        }
    }
    if (rc == MA_OK)
        rc = ma_resolver_static_new(resolver, ctx, *zone);
    if (rc != MA_OK) {
        fprintf(stderr, "%s: cannot make the resolver: %s\n", prog, ma_status_str(rc));
        return 1;
    }
    return 0;
}

int make_signer(const char *prog, ma_ctx *ctx, const char *domain, const char *selector,
                const char *path, ma_dkim_signer **signer)
{
    ma_dkim_sign_opts opts;
    bytes key = { NULL, 0, 0 };
    FILE *in;
    int rc;

    in = fopen(path, "rb");
    if (in == NULL) {
        fprintf(stderr, "%s: cannot open %s\n", prog, path);
        return 1;
    }
    rc = read_file(&key, in, KEY_MAX);
    fclose(in);
    if (rc != 0) {
        free(key.data);
        fprintf(stderr, "%s: cannot read %s\n", prog, path);
        return 1;
    }
    ma_dkim_sign_opts_init(&opts, MA_DKIM_SIGN_OPTS_VERSION);
    opts.domain = domain;
    opts.selector = selector;
    rc = ma_dkim_signer_new(signer, ctx, &opts, key.data, key.len);
    if (key.data != NULL)
        memset(key.data, 0, key.cap); /* do not leave the private key in freed memory */
    free(key.data);
    if (rc == MA_ESYNTAX || rc == MA_EUNSUPPORTED)
        fprintf(stderr, "%s: %s is not an RSA or Ed25519 private key\n", prog, path);
    else if (rc == MA_EINVAL)
        fprintf(stderr, "%s: '%s' or '%s' is not a valid domain or selector\n", prog, domain,
                selector);
    else if (rc != MA_OK)
        fprintf(stderr, "%s: cannot make the signer: %s\n", prog, ma_status_str(rc));
    return rc == MA_OK ? 0 : 1;
}
