/*
 * Fuzz harness for SPF records (src/spf/record.c), and through them the
 * macro checker and ma__spf_expand_domain (src/spf/macro.c).
 *
 * The input is parsed as a record; when it does not start with "v=spf1",
 * "v=spf1 " + input is parsed instead, so every input reaches the terms.
 * Invariants (abort on violation):
 * - the status is OK, ESYNTAX or ELIMIT; after an error the record is
 *   empty and the error offset lies within the input;
 * - a byte outside SP and visible ASCII, or a term past MA_LIMIT_SPF_TERMS,
 *   is reported at the offset a plain byte-by-byte reference finds;
 * - a parsed record is a NUL-terminated copy of the input made only of SP
 *   and visible ASCII; it has at most MA_LIMIT_SPF_TERMS terms; each term's
 *   span lies inside the text, follows an SP, holds no SP, and starts after
 *   the previous one ends (offsets increase); spec spans lie inside their
 *   term; kinds, qualifiers, CIDR lengths and address families are in
 *   range; redirect/exp index the only term of their kind;
 * - every domain-spec passes the macro checker, and its expansion with a
 *   fixed environment is either a valid name or MA_ESYNTAX / MA_ELIMIT;
 * - the terms joined by single spaces parse again to the same kinds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "spf/spf_int.h"
#include "spf_check.h"


static void check_spec(const ma_ctx *ctx, const ma_spf_term *t, const ma_spf_macro_env *env)
{
    ma_buf b;
    ma_errbuf err;
    int rc;

    if (ma__spf_macro_check(t->spec, t->spec_len, t->kind == MA_SPF_UNKNOWN_MOD ? MA_SPF_MACRO_EXP : 0,
                            NULL, NULL, NULL) != MA_OK)
        abort();
    if (t->kind == MA_SPF_UNKNOWN_MOD)
        return;
    if (t->spec_len == 0)
        abort();
    ma__buf_init(&b, ctx);
    rc = ma__spf_expand_domain(&b, ctx, t->spec, t->spec_len, env, &err);
    if (rc == MA_OK)
        check_name(b.data, b.len);
    else if ((rc != MA_ESYNTAX && rc != MA_ELIMIT) || b.len != 0)
        abort();
    ma__buf_free(&b);
}

static void check_record(const ma_ctx *ctx, const ma_spf_record *rec, const char *in, size_t len)
{
    static const ma_ip ip = { MA_IP_V4, { 192, 0, 2, 3 } };
    ma_spf_macro_env env;
    size_t i, prev_end = 6, nred = 0, nexp = 0;

    memset(&env, 0, sizeof env);
    env.sender = "strong-bad@email.example.com";
    env.sender_len = strlen(env.sender);
    env.local = "strong-bad";
    env.local_len = 10;
    env.sender_domain = env.domain = "email.example.com";
    env.sender_domain_len = env.domain_len = 17;
    env.helo = "mx.example.org";
    env.helo_len = 14;
    env.ip = &ip;

    if (rec->len != len || memcmp(rec->text, in, len) != 0 || rec->text[len] != '\0')
        abort();
    if (!ma__spf_is_record(rec->text, rec->len) || rec->nterms > ma_ctx_limit(ctx, MA_LIMIT_SPF_TERMS))
        abort();
    for (i = 0; i < len; i++)
        if ((unsigned char)rec->text[i] < 0x20 || (unsigned char)rec->text[i] > 0x7e)
            abort();
    for (i = 0; i < rec->nterms; i++) {
        const ma_spf_term *t = &rec->terms[i];
        bool modifier = t->kind >= MA_SPF_REDIRECT;
        if (t->text != rec->text + t->offset || t->text_len == 0 || t->offset <= prev_end
            || t->offset + t->text_len > len || rec->text[t->offset - 1] != ' '
            || memchr(t->text, ' ', t->text_len) != NULL)
            abort();
        if (t->offset + t->text_len < len && rec->text[t->offset + t->text_len] != ' ')
            abort();
        prev_end = t->offset + t->text_len;
        if (t->kind < MA_SPF_ALL || t->kind > MA_SPF_UNKNOWN_MOD)
            abort();
        if (modifier ? t->qualifier != 0 : strchr("+-~?", t->qualifier) == NULL || t->qualifier == 0)
            abort();
        if (t->cidr4 > 32 || t->cidr6 > 128)
            abort();
        if ((t->kind == MA_SPF_IP4 && t->ip.family != MA_IP_V4)
            || (t->kind == MA_SPF_IP6 && t->ip.family != MA_IP_V6))
            abort();
        if (t->spec != NULL) {
            if (t->spec < t->text || t->spec + t->spec_len > t->text + t->text_len)
                abort();
            check_spec(ctx, t, &env);
        } else if (t->kind == MA_SPF_INCLUDE || t->kind == MA_SPF_EXISTS || modifier) {
            abort();
        }
        if (t->kind == MA_SPF_REDIRECT && (nred++ > 0 || rec->redirect != (int)i))
            abort();
        if (t->kind == MA_SPF_EXP && (nexp++ > 0 || rec->exp != (int)i))
            abort();
    }
    if ((nred == 0 && rec->redirect != -1) || (nexp == 0 && rec->exp != -1))
        abort();
}

/* The terms joined by single spaces parse to the same kinds. */
static void check_canonical(const ma_ctx *ctx, const ma_spf_record *rec)
{
    ma_spf_record again;
    ma_errbuf err;
    ma_buf b;
    size_t i;

    ma__buf_init(&b, ctx);
    if (ma__buf_append(&b, "v=spf1", 6) != MA_OK)
        abort();
    for (i = 0; i < rec->nterms; i++)
        if (ma__buf_putc(&b, ' ') != MA_OK
            || ma__buf_append(&b, rec->terms[i].text, rec->terms[i].text_len) != MA_OK)
            abort();
    if (ma__spf_record_parse(&again, ctx, b.data, b.len, &err) != MA_OK || again.nterms != rec->nterms
        || again.redirect != rec->redirect || again.exp != rec->exp)
        abort();
    for (i = 0; i < rec->nterms; i++)
        if (again.terms[i].kind != rec->terms[i].kind || again.terms[i].cidr4 != rec->terms[i].cidr4
            || again.terms[i].cidr6 != rec->terms[i].cidr6
            || again.terms[i].spec_len != rec->terms[i].spec_len)
            abort();
    ma__spf_record_free(&again, ctx);
    ma__buf_free(&b);
}

/* Reference for pass 1: the status and offset of the first bad byte or the
   term past the limit, or MA_OK. */
static int ref_scan(const char *in, size_t len, size_t *at, size_t max)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i, n = 0;
    for (i = 6; i < len; i++) {
        if (s[i] == ' ')
            continue;
        *at = i;
        if (s[i] < 0x21 || s[i] > 0x7e)
            return MA_ESYNTAX;
        if (s[i - 1] == ' ' && ++n > max)
            return MA_ELIMIT;
    }
    return MA_OK;
}

static void one(const ma_ctx *ctx, const char *in, size_t len)
{
    ma_spf_record rec;
    ma_errbuf err;
    size_t at = 0;
    int rc, ref;

    memset(&rec, 0xa5, sizeof rec);
    rc = ma__spf_record_parse(&rec, ctx, in, len, &err);
    if (ma__spf_is_record(in, len) && (ref = ref_scan(in, len, &at, (size_t)ma_ctx_limit(ctx, MA_LIMIT_SPF_TERMS))) != MA_OK
        && (rc != ref || err.offset != (int64_t)at))
        abort();
    if (rc == MA_OK) {
        check_record(ctx, &rec, in, len);
        check_canonical(ctx, &rec);
    } else if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        if (rec.text != NULL || rec.terms != NULL || rec.nterms != 0 || rec.redirect != -1
            || rec.exp != -1)
            abort();
        if (err.offset < 0 || (uint64_t)err.offset > len || err.text[0] == '\0')
            abort();
    } else {
        abort();
    }
    ma__spf_record_free(&rec, ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx;
    const char *in = (const char *)data;

    if (size > 70000)
        return 0;
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        abort();
    if (size >= 6 && ma__casecmp(in, 6, "v=spf1", 6) == 0) {
        one(ctx, in, size);
    } else {
        char *buf = malloc(size + 7);
        if (buf == NULL)
            abort();
        memcpy(buf, "v=spf1 ", 7);
        if (size)
            memcpy(buf + 7, data, size);
        one(ctx, buf, size + 7);
        free(buf);
    }
    ma_ctx_free(ctx);
    return 0;
}
