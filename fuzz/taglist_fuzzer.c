/*
 * Fuzz harness for the tag=value list parser (src/core/taglist.c).
 *
 * Input: byte 0 picks the flags and a small tag limit (to reach the limit
 * path), the rest is the tag-list.  Invariants (abort on violation):
 * - the status is OK, ESYNTAX or ELIMIT (ENOMEM only if malloc fails);
 * - on error, no tags are left and the error offset lies within the input;
 * - on success: at least one tag, at most the limit; every name and value
 *   lies inside the input, in order; names follow ALPHA *(ALPHA/DIGIT/"_")
 *   and are unique, and ma__taglist_get finds each one; values neither start
 *   nor end with whitespace and contain no ';', bare CR/LF or control bytes;
 * - a list accepted without MA_TAGLIST_ALLOW_EMPTY_SPEC is accepted, with
 *   the same tags, with it;
 * - parsing the same input again into the used list gives the same result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "core/core.h"

static void check_list(const ma_taglist *tl, const char *in, size_t len, uint64_t limit)
{
    size_t i, k, prev_end = 0;
    if (tl->count == 0 || tl->count > limit)
        abort();
    for (i = 0; i < tl->count; i++) {
        const ma_tag *t = &tl->tags[i];
        char name[256];
        if (t->name < in || t->name_len == 0 || (size_t)(t->name - in) != t->offset
            || t->offset < prev_end || t->offset + t->name_len > len)
            abort();
        if (t->value < t->name + t->name_len || (size_t)(t->value - in) + t->value_len > len)
            abort();
        prev_end = (size_t)(t->value - in) + t->value_len;
        if (!ma__is_alpha((unsigned char)t->name[0]))
            abort();
        for (k = 1; k < t->name_len; k++) {
            int c = (unsigned char)t->name[k];
            if (!ma__is_alpha(c) && !ma__is_digit(c) && c != '_')
                abort();
        }
        if (t->value_len) {
            unsigned char first = (unsigned char)t->value[0];
            unsigned char last = (unsigned char)t->value[t->value_len - 1];
            if (first <= ' ' || last <= ' ')
                abort();
        }
        for (k = 0; k < t->value_len; k++) {
            unsigned char c = (unsigned char)t->value[k];
            if (c == ';' || c == 0x7f || (c < 0x20 && c != '\t' && c != '\r' && c != '\n'))
                abort();
            if (c == '\r' && (k + 2 >= t->value_len || t->value[k + 1] != '\n'
                              || (t->value[k + 2] != ' ' && t->value[k + 2] != '\t')))
                abort();
            if (c == '\n' && (k == 0 || t->value[k - 1] != '\r'))
                abort();
        }
        /* Names are unique: get returns this very tag. */
        if (t->name_len < sizeof name) {
            memcpy(name, t->name, t->name_len);
            name[t->name_len] = '\0';
            if (ma__taglist_get(tl, name) != t)
                abort();
        }
    }
}

static int same_lists(const ma_taglist *a, const ma_taglist *b)
{
    size_t i;
    if (a->count != b->count)
        return 0;
    for (i = 0; i < a->count; i++)
        if (a->tags[i].name != b->tags[i].name || a->tags[i].name_len != b->tags[i].name_len
            || a->tags[i].value != b->tags[i].value || a->tags[i].value_len != b->tags[i].value_len
            || a->tags[i].offset != b->tags[i].offset)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx;
    ma_taglist tl = { 0 }, tl2 = { 0 };
    ma_errbuf err;
    unsigned int flags;
    uint64_t limit;
    const char *in;
    size_t len;
    int rc, rc2;

    if (size < 1)
        return 0;
    flags = (data[0] & 1) ? MA_TAGLIST_ALLOW_EMPTY_SPEC : 0;
    in = (const char *)data + 1;
    len = size - 1;
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        abort();
    if (data[0] & 2) {
        limit = (uint64_t)(data[0] >> 2) + 1;
        ma_ctx_set_limit(ctx, MA_LIMIT_TAGS, limit);
    }
    limit = ma_ctx_limit(ctx, MA_LIMIT_TAGS);

    rc = ma__taglist_parse(&tl, ctx, in, len, flags, &err);
    if (rc == MA_OK) {
        check_list(&tl, in, len, limit);
    } else if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        if (tl.count != 0 || err.offset < 0 || (uint64_t)err.offset > len || err.text[0] == '\0')
            abort();
    } else if (rc != MA_ENOMEM) {
        abort();
    }

    /* Accepting empty specs never rejects what the strict parse accepts. */
    if (rc == MA_OK && flags == 0) {
        rc2 = ma__taglist_parse(&tl2, ctx, in, len, MA_TAGLIST_ALLOW_EMPTY_SPEC, NULL);
        if (rc2 != MA_OK || !same_lists(&tl, &tl2))
            abort();
    }

    /* Re-parsing into the used list gives the same answer. */
    rc2 = ma__taglist_parse(&tl2, ctx, in, len, flags, NULL);
    if (rc != MA_ENOMEM && rc2 != MA_ENOMEM && (rc2 != rc || (rc == MA_OK && !same_lists(&tl, &tl2))))
        abort();

    ma__taglist_free(&tl, ctx);
    ma__taglist_free(&tl2, ctx);
    ma_ctx_free(ctx);
    return 0;
}
