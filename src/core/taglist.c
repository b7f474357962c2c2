/*
 * The RFC 6376 section 3.2 tag=value list, shared by DKIM signatures and
 * keys, ARC and DMARC records.
 *
 *   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  =  ALPHA *ALNUMPUNC
 *   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      =  1*VALCHAR
 *   VALCHAR   =  %x21-3A / %x3C-7E
 *   FWS       =  [*WSP CRLF] 1*WSP                 (RFC 6376 2.8)
 *
 * Choices where the grammar is silent or where practice differs:
 * - A run of whitespace is any mix of SP, HTAB and CRLF in which every CRLF
 *   is followed by SP or HTAB (that is 1*(WSP / FWS)).  A bare CR, a bare LF
 *   or a CRLF not followed by WSP is a syntax error.
 * - Whitespace after the final ";" is accepted ("v=DKIM1; p=abc; "): it is
 *   everywhere in published records, and RFC 7489 6.4's dmarc-sep allows it.
 * - Well-formed non-ASCII UTF-8 (RFC 3629) is accepted in values: RFC 6376
 *   3.2 advises "not to preclude the use of UTF-8", and RFC 8616 5 allows
 *   U-labels in d=, i= and s= of internationalized messages.  Malformed
 *   UTF-8 is a syntax error.
 * - With MA_TAGLIST_ALLOW_EMPTY_SPEC, empty tag-specs (";;", a leading ";")
 *   are skipped.  A list needs at least one tag either way.
 *
 * Work is linear in the input: one pass for the syntax and one hash pass for
 * duplicate names.
 */
#include "config.h"

#include <string.h>

#include "core/core.h"
#include "core/tl_scan.h"

/*
 * Length of the well-formed non-ASCII UTF-8 sequence at s[0..avail), or 0
 * when it is malformed (RFC 3629 section 4: no overlongs, no surrogates,
 * nothing above U+10FFFF).
 */
size_t ma__utf8_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n, k;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (k = 2; k < n; k++)
        if (s[k] < 0x80 || s[k] > 0xbf)
            return 0;
    return n;
}

/* Describe the byte at an unexpected position. */
void ma__taglist_err_char(ma_errbuf *err, size_t off, const unsigned char *s, size_t len,
                           const char *where)
{
    if (off >= len) {
        ma__err_set(err, (int64_t)off, "tag-list: unexpected end of input %s", where);
    } else if (s[off] == '\r' && off + 1 < len && s[off + 1] == '\n') {
        ma__err_set(err, (int64_t)off, "tag-list: CRLF not followed by whitespace %s", where);
    } else if (s[off] == '\r' || s[off] == '\n') {
        ma__err_set(err, (int64_t)off, "tag-list: bare %s %s", s[off] == '\r' ? "CR" : "LF",
                    where);
    } else if (s[off] >= 0x21 && s[off] <= 0x7e) {
        ma__err_set(err, (int64_t)off, "tag-list: unexpected character '%c' %s", s[off], where);
    } else {
        ma__err_set(err, (int64_t)off, "tag-list: unexpected byte 0x%02x %s", s[off], where);
    }
}

static int ma_tl_push(ma_taglist *tl, const ma_ctx *ctx, const ma_tag *tag)
{
    if (tl->count == tl->cap) {
        size_t ncap = tl->cap ? tl->cap * 2 : 16;
        ma_tag *n;
        if (ncap < tl->cap || ncap > SIZE_MAX / sizeof *n)
            return MA_ENOMEM;
        n = ma__realloc(ctx, tl->tags, ncap * sizeof *n);
        if (n == NULL)
            return MA_ENOMEM;
        tl->tags = n;
        tl->cap = ncap;
    }
    tl->tags[tl->count++] = *tag;
    return MA_OK;
}

static uint32_t ma_tl_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/*
 * Find the first tag (in input order) whose name repeats an earlier one.
 * Returns its index, tl->count when there is none, or SIZE_MAX when out of
 * memory.
 */
static size_t ma_tl_find_duplicate(const ma_taglist *tl, const ma_ctx *ctx)
{
    size_t nslots = 16, mask, i, dup;
    size_t *slots;   /* index + 1; 0 is empty */
    size_t local[64];

    if (tl->count < 2)
        return tl->count;
    while (nslots < tl->count * 2)
        nslots *= 2;
    if (nslots <= sizeof local / sizeof local[0]) {
        /* the usual list (up to 32 tags): no allocation */
        memset(local, 0, nslots * sizeof local[0]);
        slots = local;
    } else {
        slots = ma__calloc(ctx, nslots, sizeof *slots);
        if (slots == NULL)
            return SIZE_MAX;
    }
    mask = nslots - 1;
    for (i = 0; i < tl->count; i++) {
        const ma_tag *t = &tl->tags[i];
        size_t h = ma_tl_hash(t->name, t->name_len) & mask;
        while (slots[h] != 0) {
            const ma_tag *o = &tl->tags[slots[h] - 1];
            if (o->name_len == t->name_len && memcmp(o->name, t->name, t->name_len) == 0)
                goto found;
            h = (h + 1) & mask;
        }
        slots[h] = i + 1;
    }
    i = tl->count;
found:
    dup = i;
    if (slots != local)
        ma__free(ctx, slots);
    return dup;
}

int ma__taglist_parse(ma_taglist *tl, const ma_ctx *ctx, const char *in, size_t len,
                      unsigned int flags, ma_errbuf *err)
{
    const unsigned char *s = (const unsigned char *)in;
    uint64_t max_tags;
    size_t pos = 0, dup;
    int rc;

    ma__err_clear(err);
    if (tl == NULL || ctx == NULL || (in == NULL && len > 0)
        || (flags & ~(unsigned int)MA_TAGLIST_ALLOW_EMPTY_SPEC) != 0) {
        ma__err_set(err, -1, "tag-list: invalid argument");
        return MA_EINVAL;
    }
    tl->count = 0;
    max_tags = ma__limit(ctx, MA_LIMIT_TAGS);

    for (;;) {
        ma_tag tag;
        size_t name_start, value_start, value_end;

        /* [FWS] before the tag name */
        if (!ma_tl_skip_fws(s, len, &pos)) {
            ma__taglist_err_char(err, pos, s, len, "before a tag name");
            goto syntax;
        }
        if (pos == len) {
            /* End of input: fine after a ";" that ended a tag-spec (the
               optional trailing ";" plus whitespace), or after empty specs
               when allowed; but the list needs a tag. */
            if (tl->count == 0) {
                ma__err_set(err, (int64_t)pos, "tag-list: no tags");
                goto syntax;
            }
            break;
        }
        if (s[pos] == ';') {
            if (!(flags & MA_TAGLIST_ALLOW_EMPTY_SPEC)) {
                ma__err_set(err, (int64_t)pos, "tag-list: empty tag-spec");
                goto syntax;
            }
            pos++;
            continue;
        }

        /* tag-name = ALPHA *ALNUMPUNC */
        if (!ma__is_alpha(s[pos])) {
            ma__taglist_err_char(err, pos, s, len, "at the start of a tag name");
            goto syntax;
        }
        name_start = pos;
        while (pos < len && (ma_tl_class[s[pos]] & MA_TL_NAMECHAR))
            pos++;
        tag.name = in + name_start;
        tag.name_len = pos - name_start;
        tag.offset = name_start;

        /* [FWS] "=" [FWS] */
        if (!ma_tl_skip_fws(s, len, &pos)) {
            ma__taglist_err_char(err, pos, s, len, "after a tag name");
            goto syntax;
        }
        if (pos >= len || s[pos] != '=') {
            if (pos < len && s[pos] >= 0x21 && s[pos] <= 0x7e)
                ma__err_set(err, (int64_t)pos,
                            "tag-list: expected '=' after tag name \"%.*s\", found '%c'",
                            (int)(tag.name_len > 64 ? 64 : tag.name_len), tag.name, s[pos]);
            else
                ma__err_set(err, (int64_t)pos, "tag-list: expected '=' after tag name \"%.*s\"",
                            (int)(tag.name_len > 64 ? 64 : tag.name_len), tag.name);
            goto syntax;
        }
        pos++;
        if (!ma_tl_skip_fws(s, len, &pos)) {
            ma__taglist_err_char(err, pos, s, len, "after '='");
            goto syntax;
        }

        /* tag-value: tvals separated by whitespace runs; trailing whitespace
           is not part of the value. */
        tag.value = in + pos;
        value_start = value_end = pos;
        while (pos < len && s[pos] != ';') {
            unsigned char c = s[pos];
            if (c >= 0x21 && c <= 0x7e) {
                /* a tval: a run of VALCHARs (';' ends the value) */
                pos = ma_tl_value_end(s, pos + 1, len);
                value_end = pos;
            } else if (c >= 0x80) {
                size_t n = ma__utf8_len(s + pos, len - pos);
                if (n == 0) {
                    ma__err_set(err, (int64_t)pos,
                                "tag-list: malformed UTF-8 in the value of tag \"%.*s\"",
                                (int)(tag.name_len > 64 ? 64 : tag.name_len), tag.name);
                    goto syntax;
                }
                pos += n;
                value_end = pos;
            } else if (ma__is_wsp(c) || c == '\r' || c == '\n') {
                size_t before = pos;
                if (!ma_tl_skip_fws(s, len, &pos) || pos == before) {
                    ma__taglist_err_char(err, pos, s, len, "in a tag value");
                    goto syntax;
                }
            } else {
                ma__err_set(err, (int64_t)pos,
                            "tag-list: invalid byte 0x%02x in the value of tag \"%.*s\"", c,
                            (int)(tag.name_len > 64 ? 64 : tag.name_len), tag.name);
                goto syntax;
            }
        }
        tag.value_len = value_end - value_start;

        if ((uint64_t)tl->count >= max_tags) {
            ma__err_set(err, (int64_t)tag.offset, "tag-list: more than %llu tags",
                        (unsigned long long)max_tags);
            tl->count = 0;
            return MA_ELIMIT;
        }
        rc = ma_tl_push(tl, ctx, &tag);
        if (rc != MA_OK) {
            ma__err_set(err, (int64_t)tag.offset, "tag-list: out of memory");
            tl->count = 0;
            return rc;
        }

        if (pos == len)
            break;
        pos++;   /* the ";" */
    }

    dup = ma_tl_find_duplicate(tl, ctx);
    if (dup == SIZE_MAX) {
        ma__err_set(err, -1, "tag-list: out of memory");
        tl->count = 0;
        return MA_ENOMEM;
    }
    if (dup < tl->count) {
        const ma_tag *t = &tl->tags[dup];
        /* RFC 6376 3.2: "if a tag name does occur more than once, the entire
           tag-list is invalid". */
        ma__err_set(err, (int64_t)t->offset, "tag-list: duplicate tag \"%.*s\"",
                    (int)(t->name_len > 64 ? 64 : t->name_len), t->name);
        goto syntax;
    }
    return MA_OK;

syntax:
    tl->count = 0;
    return MA_ESYNTAX;
}

void ma__taglist_free(ma_taglist *tl, const ma_ctx *ctx)
{
    if (tl == NULL || ctx == NULL)
        return;
    ma__free(ctx, tl->tags);
    tl->tags = NULL;
    tl->count = tl->cap = 0;
}

const ma_tag *ma__taglist_get(const ma_taglist *tl, const char *name)
{
    size_t i;

    if (tl == NULL || name == NULL)
        return NULL;
    /* No strlen: names are short and looked up often.  A tag matches when
       its bytes are name's and name ends right after them; the compare
       stops at the first difference, so it never reads past name's NUL
       (tag names hold no NUL). */
    for (i = 0; i < tl->count; i++) {
        const ma_tag *t = &tl->tags[i];
        size_t k = 0;
        while (k < t->name_len && name[k] != '\0' && t->name[k] == name[k])
            k++;
        if (k == t->name_len && name[k] == '\0')
            return t;
    }
    return NULL;
}
