/*
 * Fuzz harness for SPF macro expansion (src/spf/macro.c).
 *
 * Byte 0 picks the variant: bit 0 explanation text (MA_SPF_MACRO_EXP),
 * bit 1 an IPv6 client, bit 2 an IPv4-mapped client, bit 3 a small output
 * limit (64 bytes), bit 4 a sender full of delimiters and escapable
 * characters.  The rest is the macro-string, expanded in a fixed
 * environment.  Invariants (abort on violation):
 * - the status is OK, ESYNTAX or ELIMIT; after an error the output buffer
 *   is exactly as it was (its earlier contents kept);
 * - the output never exceeds the limit and holds only SP and visible ASCII;
 * - the checker agrees with the expander on syntax, accepts with
 *   MA_SPF_MACRO_EXP whatever it accepts without it, and its reported bad
 *   offset is the expander's;
 * - expanding is deterministic, and when ma__spf_macro_uses_p says no, the
 *   validated name does not change the output;
 * - ma__spf_expand_domain gives a valid name (1-253 characters, labels of
 *   1-63 printable characters, no trailing dot, the last label a toplabel)
 *   or ESYNTAX / ELIMIT with nothing appended;
 * - the fast path ma__spf_expand_domain_plain, when it does not defer,
 *   gives the same status and name, and so does the compiled form
 *   (ma__spf_spec_compile, ma__spf_expand_compiled) records keep.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "spf/spf_int.h"
#include "spf_check.h"


/* Expand into a buffer that already holds "pre"; returns the status. */
static int expand(const ma_ctx *ctx, ma_buf *b, const char *spec, size_t len,
                  const ma_spf_macro_env *env, unsigned int flags, uint64_t limit)
{
    ma_errbuf err;
    size_t i;
    int rc;

    ma__buf_init(b, ctx);
    if (ma__buf_append(b, "pre", 3) != MA_OK)
        abort();
    rc = ma__spf_macro_expand(b, ctx, spec, len, env, flags, &err);
    if (b->len < 3 || memcmp(b->data, "pre", 3) != 0 || b->data[b->len] != '\0')
        abort();
    if (rc == MA_OK) {
        if (b->len - 3 > limit)
            abort();
        for (i = 3; i < b->len; i++)
            if ((unsigned char)b->data[i] < 0x20 || (unsigned char)b->data[i] > 0x7e)
                abort();
    } else if (rc == MA_ESYNTAX || rc == MA_ELIMIT) {
        if (b->len != 3 || err.text[0] == '\0')
            abort();
        if (rc == MA_ESYNTAX && (err.offset < 0 || (uint64_t)err.offset >= len))
            abort();
    } else {
        abort();
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ma_ip v4 = { MA_IP_V4, { 192, 0, 2, 3 } };
    static const ma_ip v6 = { MA_IP_V6, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01 } };
    static const ma_ip mapped = { MA_IP_V6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 } };
    ma_ctx *ctx;
    ma_spf_macro_env env;
    unsigned int flags, variant;
    const char *spec;
    size_t len, bad = 0, bad2 = 0;
    uint64_t limit;
    ma_buf a, b;
    int rc, rc2, chk;

    if (size < 1 || size > 20000)
        return 0;
    variant = data[0];
    spec = (const char *)data + 1;
    len = size - 1;
    flags = (variant & 1) ? MA_SPF_MACRO_EXP : 0;
    if (ma_ctx_new(&ctx, NULL) != MA_OK)
        abort();
    if (variant & 8)
        ma_ctx_set_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES, 64);
    limit = ma_ctx_limit(ctx, MA_LIMIT_SPF_MACRO_BYTES);

    memset(&env, 0, sizeof env);
    if (variant & 16) {
        env.sender = "~a+b,c/d_e=f-g.h %x@sub.Example-1.COM";
        env.local_len = 17;
    } else {
        env.sender = "strong-bad@email.example.com";
        env.local_len = 10;
    }
    env.sender_len = strlen(env.sender);
    env.local = env.sender;
    env.sender_domain = env.sender + env.local_len + 1;
    env.sender_domain_len = env.sender_len - env.local_len - 1;
    env.domain = "email.example.com";
    env.domain_len = 17;
    env.helo = "JUMPIN' JUPITER";
    env.helo_len = 15;
    env.ip = (variant & 4) ? &mapped : (variant & 2) ? &v6 : &v4;
    env.receiver = "mx.receiver.example";
    env.receiver_len = 19;
    env.now = 1700000000;
    env.validated = "mx.example.org";
    env.validated_len = 14;

    rc = expand(ctx, &a, spec, len, &env, flags, limit);

    /* The checker agrees with the expander. */
    chk = ma__spf_macro_check(spec, len, flags, &bad, NULL, NULL);
    if ((chk == MA_OK) != (rc != MA_ESYNTAX))
        abort();
    if (chk != MA_OK) {
        ma_errbuf err;
        ma_buf c;
        ma__buf_init(&c, ctx);
        if (ma__spf_macro_expand(&c, ctx, spec, len, &env, flags, &err) != MA_ESYNTAX
            || (uint64_t)err.offset != bad)
            abort();
        ma__buf_free(&c);
    }
    if (chk == MA_OK && !(flags & MA_SPF_MACRO_EXP)
        && ma__spf_macro_check(spec, len, MA_SPF_MACRO_EXP, &bad2, NULL, NULL) != MA_OK)
        abort();

    /* Deterministic; the validated name matters only through p. */
    if (!ma__spf_macro_uses_p(spec, len))
        env.validated = "other.example.net";
    rc2 = expand(ctx, &b, spec, len, &env, flags, limit);
    if (rc2 != rc || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    ma__buf_free(&a);
    ma__buf_free(&b);

    /* A domain-spec expansion is a valid name or an error. */
    ma__buf_init(&a, ctx);
    {
        ma_errbuf err;
        char fast[600];
        size_t fn = 0;
        int frc;
        rc = ma__spf_expand_domain(&a, ctx, spec, len, &env, &err);
        if (rc == MA_OK)
            check_name(a.data, a.len);
        else if ((rc != MA_ESYNTAX && rc != MA_ELIMIT) || a.len != 0)
            abort();
        /* The fast path agrees with the general one whenever it answers
           (on specs that passed the syntax check, as records give it). */
        const char *why2 = NULL;
        if (ma__spf_macro_check(spec, len, 0, &bad2, &why2, NULL) == MA_OK) {
            frc = ma__spf_expand_domain_plain(fast, sizeof fast, &fn, spec, len, &env, limit, &err);
            if (frc != MA__SPF_SLOW &&
                (frc != rc || (rc == MA_OK && (fn != a.len || memcmp(fast, a.data, fn) != 0))))
                abort();
            /* So does the compiled form records keep, knowing nothing of
               the domain and knowing what the job knows of it. */
            {
                ma_spf_piece pieces[MA_SPF_PIECES_MAX];
                size_t np = ma__spf_spec_compile(pieces, MA_SPF_PIECES_MAX, spec, len), pass;
                for (pass = 0; np > 0 && pass < 2; pass++) {
                    int canon = 0;
                    env.domain_canon = pass == 0 ? 0 : 2;
                    env.domain_first = 5;  /* "email" */
                    env.domain_last = 14;  /* "com" */
                    env.domain_top = 1;
                    frc = ma__spf_expand_compiled(fast, sizeof fast, &fn, &canon, spec, pieces, np,
                                                  &env, limit, &err);
                    if (frc != MA__SPF_SLOW
                        && (frc != rc
                            || (rc == MA_OK && (fn != a.len || memcmp(fast, a.data, fn) != 0))))
                        abort();
                }
                env.domain_canon = 0;
            }
        }
    }
    ma__buf_free(&a);
    ma_ctx_free(ctx);
    return 0;
}
