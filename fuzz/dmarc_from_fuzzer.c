/*
 * Fuzz harness for the DMARC Author Domain extractor (src/dmarc/from.c).
 *
 * Input: byte 0 is a flag byte, the rest the From field value.
 * - flag bit 0: map each byte to a token of the RFC 5322 address alphabet
 *   (specials, atext, folding, encoded-word pieces, UTF-8, a few hostile
 *   bytes), so that the fuzzer reaches deep into the grammar;
 * - flag bit 1: also read the value as a message ("From:" value CRLF CRLF)
 *   through ma_msg and ma__dmarc_from_extract().
 * Invariants (abort on violation):
 * - the status is MA_OK; the outcome is a known one with a name;
 * - on OK the domain is a normalized domain name (lower-case LDH labels of
 *   1..63 octets, no hyphen at a label's ends, at least two labels, at most
 *   253 octets, a non-numeric top-level label), and it is the text at the
 *   reported offset: that text, read as far as domain characters go, is
 *   the domain (ASCII, case-insensitively) or normalizes to it (U-labels);
 * - on any other outcome there is no domain and there is an explanation;
 * - the offset lies within the value (or is -1 where allowed);
 * - parsing the same value twice gives the same result;
 * - a value that gives OK, written twice with ", " between, gives
 *   MULTIPLE_ADDRS (never one of the two domains: CVE-2019-16378);
 * - extract over a message with that one From field agrees with parse over
 *   the field value the reader kept.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "core/core.h"
#include "dmarc/from_int.h"
#include "mailauth/message.h"

static const char *const tokens[] = {
    "a", "b", "x", "Z", "0", "9", "-", ".", "@", "<", ">", "(", ")", "\"", "\\", ",", ";",
    ":", "[", "]", " ", "\t", "\r\n ", "\r", "\n", "=", "?", "_", "!", "\x01", "\x7f",
    "=?utf-8?q?", "?=", "=?x?b?", "example", ".com", "xn--bcher-kva", "b\xc3\xbc", "\xe3\x80\x82",
    "\xff", "user@example.com", "<a@b.example>", "\"q\"", "(c)", "[192.0.2.1]", "@r.example:",
    "undisclosed:;", "\x00",
};
#define NTOKENS (sizeof tokens / sizeof tokens[0])

static bool is_domain_char(unsigned char c)
{
    return c >= 0x80 || ma__is_alpha(c) || ma__is_digit(c) || c == '-' || c == '.';
}

static void check_normalized(const char *s, size_t len)
{
    size_t i, lab = 0, labels = 1, last = 0;
    bool numeric = true;

    if (len == 0 || len > 253 || strlen(s) != len || s[len - 1] == '.')
        abort();
    for (i = 0; i <= len; i++) {
        int c = i < len ? (unsigned char)s[i] : '.';
        if (c == '.') {
            if (lab == 0 || lab > 63 || s[i - lab] == '-' || s[i - 1] == '-')
                abort();
            if (i < len) {
                labels++;
                last = i + 1;
            }
            lab = 0;
            continue;
        }
        lab++;
        if (!((c >= 'a' && c <= 'z') || ma__is_digit(c) || c == '-'))
            abort();
    }
    for (i = last; i < len; i++)
        if (!ma__is_digit((unsigned char)s[i]))
            numeric = false;
    if (labels < 2 || numeric)
        abort();
}

static void check_result(const ma_dmarc_from *r, ma_ctx *ctx, const char *v, size_t len)
{
    if ((int)r->outcome < 0 || (int)r->outcome >= MA_DMARC_FROM_OUTCOME_COUNT
        || strcmp(ma__dmarc_from_outcome_name(r->outcome), "unknown") == 0)
        abort();
    if (r->err.offset < -1 || r->err.offset > (int64_t)len)
        abort();
    if (r->outcome == MA_DMARC_FROM_OK) {
        size_t off, end, k;
        bool ascii = true;
        if (r->domain == NULL || r->err.offset < 0)
            abort();
        check_normalized(r->domain, r->domain_len);
        /* the domain is the text at the offset */
        off = (size_t)r->err.offset;
        end = off;
        while (end < len && is_domain_char((unsigned char)v[end]))
            end++;
        for (k = off; k < end; k++)
            if ((unsigned char)v[k] >= 0x80)
                ascii = false;
        if (ascii) {
            if (ma__casecmp(v + off, end - off, r->domain, r->domain_len) != 0)
                abort();
        } else {
            char *again = NULL;
            if (ma_domain_normalize(&again, ctx, v + off, end - off, 0) != MA_OK
                || strcmp(again, r->domain) != 0)
                abort();
            ma_free(ctx, again);
        }
    } else {
        if (r->domain != NULL || r->domain_len != 0 || r->err.text[0] == '\0')
            abort();
    }
}

static bool same_result(const ma_dmarc_from *a, const ma_dmarc_from *b)
{
    if (a->outcome != b->outcome || a->domain_len != b->domain_len
        || a->mailboxes != b->mailboxes || a->err.offset != b->err.offset
        || strcmp(a->err.text, b->err.text) != 0)
        return false;
    if ((a->domain == NULL) != (b->domain == NULL))
        return false;
    return a->domain == NULL || strcmp(a->domain, b->domain) == 0;
}

/* Read "From:" value CRLF CRLF as a message; extract must agree with parse. */
static void check_message(ma_ctx *ctx, const char *v, size_t len)
{
    ma_msg *msg = NULL;
    ma_dmarc_from a, b;
    const char *fv;
    size_t fv_len;

    if (ma_msg_new(&msg, ctx) != MA_OK)
        abort();
    if (ma_msg_write(msg, "From:", 5) != MA_OK || ma_msg_write(msg, v, len) != MA_OK
        || ma_msg_write(msg, "\r\n\r\n", 4) != MA_OK || ma_msg_finish(msg) != MA_OK) {
        ma_msg_free(msg); /* a header the reader refuses never reaches DMARC */
        return;
    }
    if (ma__dmarc_from_extract(&a, ctx, msg) != MA_OK)
        abort();
    if (ma_msg_field_count(msg) > 0 && ma_msg_find(msg, "From", 1) < 0) {
        /* exactly one From field: field 0 */
        if (a.field != 0 || ma_msg_field(msg, 0, NULL, NULL, &fv, &fv_len) != MA_OK)
            abort();
        if (ma__dmarc_from_parse(&b, ctx, fv, fv_len) != MA_OK)
            abort();
        check_result(&b, ctx, fv, fv_len);
        if (!same_result(&a, &b))
            abort();
        ma__dmarc_from_free(&b, ctx);
    } else if (a.outcome != MA_DMARC_FROM_MULTIPLE_FIELDS || a.domain != NULL) {
        abort();
    }
    ma__dmarc_from_free(&a, ctx);
    ma_msg_free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx;
    ma_dmarc_from r1, r2;
    unsigned flags;
    char *v;
    size_t len = 0, i;

    if (size < 1 || size > 8192)
        return 0;
    flags = data[0];
    v = malloc(size * 16 + 1);
    if (v == NULL)
        return 0;
    if (flags & 1) {
        for (i = 1; i < size; i++) {
            const char *t = tokens[data[i] % NTOKENS];
            size_t tl = t[0] == '\0' ? 1 : strlen(t); /* the "\x00" token is one NUL */
            memcpy(v + len, t, tl);
            len += tl;
        }
    } else {
        memcpy(v, data + 1, size - 1);
        len = size - 1;
    }
    /* the value in a buffer of exactly its length, so ASan sees over-reads */
    {
        char *exact = malloc(len ? len : 1);
        if (exact == NULL)
            abort();
        if (len)
            memcpy(exact, v, len);
        free(v);
        v = exact;
    }
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        abort();

    if (ma__dmarc_from_parse(&r1, ctx, v, len) != MA_OK)
        abort();
    check_result(&r1, ctx, v, len);
    if (ma__dmarc_from_parse(&r2, ctx, v, len) != MA_OK)
        abort();
    if (!same_result(&r1, &r2))
        abort();
    ma__dmarc_from_free(&r2, ctx);

    if (r1.outcome == MA_DMARC_FROM_OK) {
        /* value ", " value: two mailboxes, never a domain */
        char *twice = malloc(2 * len + 2);
        if (twice == NULL)
            abort();
        memcpy(twice, v, len);
        memcpy(twice + len, ", ", 2);
        memcpy(twice + len + 2, v, len);
        if (ma__dmarc_from_parse(&r2, ctx, twice, 2 * len + 2) != MA_OK
            || r2.outcome != MA_DMARC_FROM_MULTIPLE_ADDRS || r2.domain != NULL
            || r2.mailboxes != 2)
            abort();
        ma__dmarc_from_free(&r2, ctx);
        free(twice);
    }
    ma__dmarc_from_free(&r1, ctx);

    if (flags & 2)
        check_message(ctx, v, len);

    ma_ctx_free(ctx);
    free(v);
    return 0;
}
