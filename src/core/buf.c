/*
 * Growable byte buffers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/core.h"

void ma__buf_init(ma_buf *b, const ma_ctx *ctx)
{
    b->ctx = ctx;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->borrowed = 0;
}

void ma__buf_init_on(ma_buf *b, const ma_ctx *ctx, char *mem, size_t cap)
{
    b->ctx = ctx;
    b->data = mem;
    b->len = 0;
    b->cap = cap;
    b->borrowed = 1;
    if (cap > 0)
        mem[0] = '\0';
}

void ma__buf_free(ma_buf *b)
{
    if (!b->borrowed)
        ma__free(b->ctx, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->borrowed = 0;
}

void ma__buf_reset(ma_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

int ma__buf_reserve(ma_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;
    if (extra > SIZE_MAX - b->len - 1)
        return MA_ENOMEM;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return MA_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    if (b->borrowed) {
        /* Leave the caller's memory for the heap. */
        if (b->ctx == NULL)
            return MA_ENOMEM;
        p = ma__alloc(b->ctx, cap);
        if (p == NULL)
            return MA_ENOMEM;
        if (b->data != NULL)
            memcpy(p, b->data, b->len + 1 <= b->cap ? b->len + 1 : b->len);
        b->borrowed = 0;
    } else {
        p = ma__realloc(b->ctx, b->data, cap);
        if (p == NULL)
            return MA_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return MA_OK;
}

int ma__buf_append(ma_buf *b, const void *data, size_t len)
{
    int rc = ma__buf_reserve(b, len);
    if (rc != MA_OK)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MA_OK;
}

int ma__buf_putc(ma_buf *b, char c)
{
    return ma__buf_append(b, &c, 1);
}

int ma__buf_printf(ma_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    int rc;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MA_EINVAL;
    rc = ma__buf_reserve(b, (size_t)n);
    if (rc != MA_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MA_OK;
}

char *ma__buf_steal(ma_buf *b, size_t *len_out)
{
    char *p;
    if (b->borrowed) {
        /* The caller's memory cannot be handed on: copy it to the heap. */
        p = b->ctx ? ma__alloc(b->ctx, b->len + 1) : NULL;
        if (p == NULL)
            return NULL;
        memcpy(p, b->data, b->len);
        p[b->len] = '\0';
        if (len_out)
            *len_out = b->len;
        b->data = NULL;
        b->len = b->cap = 0;
        b->borrowed = 0;
        return p;
    }
    if (b->data == NULL) {
        if (ma__buf_reserve(b, 0) != MA_OK)
            return NULL;
        b->data[0] = '\0';
    }
    p = b->data;
    if (len_out)
        *len_out = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
