/*
 * DKIM-Signature / ARC-Message-Signature / ARC-Seal parser, strip b= and
 * header selection.  Byte 0 picks the kind (its low 7 bits mod 3), and
 * with bit 7 set every other byte is mapped to a token of the tag-list
 * alphabet (so that the fuzzer gets past the tag syntax to the values);
 * the rest is the field value.  Invariants checked (abort() on violation):
 * - on success: d= is two or more lower-case LDH labels, s= lower-case
 *   LDH-or-underscore labels, the key name fits in 253 octets; the i=
 *   domain is within d= (DKIM) or the instance is 1..50 (ARC); h= is
 *   non-empty and lists From (DKIM, AMS) or absent (AS); bh= is 32 or 20
 *   bytes as a= says (DKIM, AMS); b= is non-empty; x > t;
 * - on failure: a reason and a text;
 * - strip b= on "<Name>:<value>": never longer than the input; the result
 *   is the same tag-list but for an empty b= value, and on a signature
 *   that parsed, the stripped one fails only at b= (BAD_LENGTH);
 * - header selection over a fixed message: every index is -1 or a field of
 *   that name, and no field is chosen twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "fuzz_util.h"
#include "dkim/sig_int.h"
#include "mailauth/addr.h"
#include "mailauth/message.h"

/* Tokens of the tag-list alphabet, for the mapped mode. */
static const char *const tokens[] = {
    "v=1", "i=1", "i=50", "i=", "a=rsa-sha256", "a=ed25519-sha256", "a=rsa-sha1", "a=",
    "c=relaxed/relaxed", "c=simple/simple", "c=relaxed", "c=simple/relaxed", "c=",
    "d=example.com", "d=sub.example.com", "d=", "s=sel", "s=_s.x", "s=", "h=from:to:subject",
    "h=From", "h=", "from", ":", "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", "bh=", "b=dGVzdA==", "b=", "AAAA", "==",
    "l=", "t=", "x=", "z=", "q=dns/txt", "q=", "cv=none", "cv=pass", "cv=fail", "cv=", "@",
    "user@sub.example.com", ";", ";", "=", " ", "\t", "\r\n ", "\r\n", "example", ".", "0", "1",
    "9", "99999999999", "-", "|", "=3A", "=20", "x", "", "\xc3\xbc", "\x7f",
};
#define NTOKENS (sizeof tokens / sizeof tokens[0])

#define CHECK(c)       \
    do {               \
        if (!(c))      \
            abort();   \
    } while (0)

static const char fuzz_msg[] =
    "From: a@example.com\r\n"
    "To: b@example.com\r\n"
    "Subject: one\r\n"
    "from: c@example.com\r\n"
    "Subject: two\r\n"
    "DKIM-Signature: v=1\r\n"
    "Date: now\r\n"
    "\r\n"
    "body\r\n";

static void check_name(const char *s, size_t len, bool underscore, size_t min_labels)
{
    size_t i, labels = 1, lab = 0;

    CHECK(s != NULL && len > 0 && strlen(s) == len);
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            CHECK(lab > 0);
            labels++;
            lab = 0;
            continue;
        }
        CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
              || (underscore && c == '_'));
        lab++;
        CHECK(lab <= 63);
    }
    CHECK(lab > 0 && labels >= min_labels);
}

static void check_sig(const ma_dkim_sig *sig)
{
    size_t i;
    bool from = false;

    check_name(sig->domain, sig->domain_len, false, 2);
    check_name(sig->selector, sig->selector_len, true, 1);
    CHECK(sig->selector_len + 12 + sig->domain_len <= 253);
    CHECK(sig->alg == MA_DKIM_RSA_SHA256 || sig->alg == MA_DKIM_RSA_SHA1
          || sig->alg == MA_DKIM_ED25519_SHA256);
    CHECK(sig->b != NULL && sig->b_len > 0 && sig->b_text.len > 0);
    CHECK(!sig->has_t || !sig->has_x || sig->x > sig->t);
    if (sig->kind == MA_DKIM_SIG_DKIM) {
        CHECK(sig->version == 1 && sig->instance == 0);
        CHECK(sig->auid_local != NULL && strlen(sig->auid_local) == sig->auid_local_len);
        check_name(sig->auid_domain, sig->auid_domain_len, false, 2);
        CHECK(ma_domain_is_within(sig->auid_domain, sig->auid_domain_len, sig->domain,
                                  sig->domain_len));
        for (i = 0; i < sig->auid_local_len; i++)
            CHECK((unsigned char)sig->auid_local[i] >= 0x20 && sig->auid_local[i] != 0x7f);
    } else {
        CHECK(sig->instance >= 1 && sig->instance <= MA_ARC_MAX_INSTANCE);
        CHECK(sig->auid_local == NULL && sig->auid_domain == NULL && !sig->has_auid);
    }
    if (sig->kind == MA_DKIM_SIG_AS) {
        CHECK(sig->nheaders == 0 && sig->headers == NULL && sig->bh == NULL);
        CHECK(sig->cv >= MA_DKIM_CV_NONE && sig->cv <= MA_DKIM_CV_FAIL);
        CHECK(sig->hcanon == MA_DKIM_RELAXED);
        CHECK(!sig->has_l && !sig->has_x);
    } else {
        CHECK(sig->nheaders > 0);
        for (i = 0; i < sig->nheaders; i++) {
            size_t k;
            CHECK(sig->headers[i].len > 0);
            for (k = 0; k < sig->headers[i].len; k++) {
                unsigned char c = (unsigned char)sig->headers[i].p[k];
                CHECK(c > 32 && c < 127 && c != ':');
            }
            if (ma__casecmp(sig->headers[i].p, sig->headers[i].len, "from", 4) == 0)
                from = true;
        }
        CHECK(from);
        CHECK(sig->bh_len == (sig->alg == MA_DKIM_RSA_SHA1 ? 20u : 32u));
        CHECK(sig->cv == MA_DKIM_CV_UNSET);
    }
}

/* Selection over the fixed message: valid, distinct, same name. */
static void check_select(const ma_ctx *ctx, const ma_msg *msg, const ma_dkim_sig *sig)
{
    long idx[256];
    unsigned char used[16] = { 0 };
    ma_dkim_hsel info;
    size_t n = sig->nheaders < 256 ? sig->nheaders : 256, i;
    int rc = ma__dkim_select_headers(idx, &info, ctx, msg, sig->headers, n);

    if (rc == MA_ENOMEM)
        return;
    CHECK(rc == MA_OK);
    for (i = 0; i < n; i++) {
        const char *name;
        size_t name_len;
        if (idx[i] < 0) {
            CHECK(idx[i] == -1);
            continue;
        }
        CHECK((size_t)idx[i] < ma_msg_field_count(msg) && idx[i] < 16);
        CHECK(!used[idx[i]]);
        used[idx[i]] = 1;
        CHECK(ma_msg_field(msg, (size_t)idx[i], &name, &name_len, NULL, NULL) == MA_OK);
        CHECK(ma__casecmp(name, name_len, sig->headers[i].p, sig->headers[i].len) == 0);
    }
    CHECK(!info.from_extra || info.extra);
    CHECK(info.extra == (info.first_extra >= 0));
}

/* Compare the tag-lists of the original and stripped values. */
static void check_strip(const ma_ctx *ctx, const char *value, size_t len, ma_dkim_sig_kind kind,
                        int parsed)
{
    const char *name = ma__dkim_sig_kind_name(kind);
    size_t nlen = strlen(name);
    char *raw = malloc(nlen + 1 + len);
    ma_buf out;
    int rc;

    if (raw == NULL)
        return;
    memcpy(raw, name, nlen);
    raw[nlen] = ':';
    if (len)
        memcpy(raw + nlen + 1, value, len);
    ma__buf_init(&out, ctx);
    rc = ma__dkim_strip_b(&out, ctx, raw, nlen + 1 + len);
    CHECK(out.len <= nlen + 1 + len);
    if (parsed)
        CHECK(rc == MA_OK);
    if (rc == MA_OK) {
        ma_taglist a = { 0 }, b = { 0 };
        ma_errbuf e;
        size_t i;
        CHECK(out.len >= nlen + 1 && memcmp(out.data, raw, nlen + 1) == 0);
        if (ma__taglist_parse(&a, ctx, raw + nlen + 1, len, 0, &e) == MA_OK
            && ma__taglist_parse(&b, ctx, out.data + nlen + 1, out.len - nlen - 1, 0, &e) == MA_OK) {
            CHECK(a.count == b.count);
            for (i = 0; i < a.count; i++) {
                const ma_tag *x = &a.tags[i], *y = &b.tags[i];
                CHECK(x->name_len == y->name_len && memcmp(x->name, y->name, x->name_len) == 0);
                if (x->name_len == 1 && x->name[0] == 'b')
                    CHECK(y->value_len == 0);
                else
                    CHECK(x->value_len == y->value_len
                          && memcmp(x->value, y->value, x->value_len) == 0);
            }
        }
        ma__taglist_free(&a, ctx);
        ma__taglist_free(&b, ctx);
        if (parsed) {
            ma_dkim_sig sig;
            ma_dkim_perr err;
            rc = ma__dkim_sig_parse(&sig, ctx, kind, out.data + nlen + 1, out.len - nlen - 1, &err);
            CHECK(rc == MA_ENOMEM
                  || (rc == MA_ESYNTAX && err.reason == MA_DKIM_R_BAD_LENGTH
                      && strcmp(err.tag, "b") == 0));
            ma__dkim_sig_free(&sig, ctx);
        }
    }
    ma__buf_free(&out);
    free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_msg *msg = NULL;
    ma_dkim_sig sig;
    ma_dkim_perr err;
    ma_dkim_sig_kind kind;
    const char *value;
    char *mapped = NULL;
    size_t len;
    int rc;

    if (size < 1 || ma_ctx_new(&ctx, NULL) != MA_OK)
        return 0;
    kind = (ma_dkim_sig_kind)((data[0] & 0x7f) % 3);
    if (data[0] & 0x80) {
        mapped = fuzz_map_tokens(tokens, NTOKENS, data + 1, size - 1, &len);
        value = mapped;
    } else {
        value = (const char *)data + 1;
        len = size - 1;
    }

    rc = ma__dkim_sig_parse(&sig, ctx, kind, len ? value : NULL, len, &err);
    if (rc == MA_OK) {
        CHECK(err.reason == MA_DKIM_R_OK);
        check_sig(&sig);
        if (ma_msg_new(&msg, ctx) == MA_OK && ma_msg_write(msg, fuzz_msg, sizeof fuzz_msg - 1) == MA_OK
            && ma_msg_finish(msg) == MA_OK)
            check_select(ctx, msg, &sig);
        ma_msg_free(msg);
        {
            ma_buf kn;
            ma__buf_init(&kn, ctx);
            CHECK(ma__dkim_sig_key_name(&kn, &sig) == MA_OK || kn.len == 0);
            CHECK(kn.len <= 253);
            ma__buf_free(&kn);
        }
    } else {
        CHECK(rc == MA_ESYNTAX || rc == MA_ENOMEM);
        if (rc == MA_ESYNTAX)
            CHECK(err.reason != MA_DKIM_R_OK && err.e.text[0] != '\0');
    }
    ma__dkim_sig_free(&sig, ctx);
    check_strip(ctx, value, len, kind, rc == MA_OK);
    free(mapped);
    ma_ctx_free(ctx);
    return 0;
}
