/*
 * Regression tests from the peers' vulnerability history, part 1: SPF and
 * the identities DMARC aligns.  Each group of assertions is labelled with
 * the CVE or issue it guards against and asserts the safe verdict:
 *
 *  1. SPF macro expansion (libspf2 CVE-2021-20314, CVE-2021-33912,
 *     CVE-2021-33913, CVE-2023-42118): literal lengths around every buffer
 *     size and the limit, every letter in both cases over every byte, the
 *     r and digit transformers against a model, truncated macros, hostile
 *     senders and HELO names through SPF jobs and the authenticator.
 *  2. The author domain from From (CVE-2019-16378, CVE-2021-34555,
 *     OpenDMARC #113/#174): every ambiguous shape of From fails, rejects.
 *  3. HELO against MAIL FROM (CVE-2019-20790).
 *
 * Part 2 (test-regress-msg.c): header fields; part 3 (test-regress-dns.c):
 * DNS, ARC structure, key sizes.
 */
#include "regress.h"

/* ====================================================== 1. SPF macros */

/*
 * RFC 7208 7.3 as a model of one macro-expand: split value on any of
 * delims ("" means "."), reverse the parts with rev, keep the rightmost
 * keep parts (0: all; more than there are: all), join them with '.', and
 * URL-escape the result for an upper-case letter (RFC 3986 unreserved kept,
 * everything else %XX in upper-case hex).
 */
static void model_expand(mbuf *out, const char *v, size_t vlen, size_t keep, int rev,
                         const char *delims, int upper)
{
    size_t *st = malloc((vlen + 1) * sizeof *st), *en = malloc((vlen + 1) * sizeof *en);
    size_t n = 0, i, first;
    mbuf t = { NULL, 0, 0 };
    const char *ds = delims[0] ? delims : ".";

    if (st == NULL || en == NULL)
        abort();
    mb_put(out, "", 0);
    st[0] = 0;
    for (i = 0; i < vlen; i++) {
        if (strchr(ds, v[i]) != NULL && v[i] != '\0') {
            en[n] = i;
            st[++n] = i + 1;
        }
    }
    en[n++] = vlen;
    if (rev) {
        for (i = 0; i < n / 2; i++) {
            size_t a = st[i], b = en[i];
            st[i] = st[n - 1 - i];
            en[i] = en[n - 1 - i];
            st[n - 1 - i] = a;
            en[n - 1 - i] = b;
        }
    }
    first = keep > 0 && keep < n ? n - keep : 0;
    mb_put(&t, "", 0);
    for (i = first; i < n; i++) {
        if (i > first)
            mb_put(&t, ".", 1);
        mb_put(&t, v + st[i], en[i] - st[i]);
    }
    for (i = 0; i < t.len; i++) {
        unsigned char ch = (unsigned char)t.p[i];
        if (!upper || ma__is_alpha(ch) || ma__is_digit(ch) || ch == '-' || ch == '.' || ch == '_' ||
            ch == '~') {
            mb_put(out, (const char *)&t.p[i], 1);
        } else {
            char esc[4];
            snprintf(esc, sizeof esc, "%%%02X", ch);
            mb_put(out, esc, 3);
        }
    }
    free(t.p);
    free(st);
    free(en);
}

/* Expand spec (copied into an exact-size block) after "pre"; *out gets the
   expansion (malloc'd, NULL after an error) and *len its length. */
static int mexpand(const ma_spf_macro_env *env, const char *spec, size_t slen, unsigned int flags,
                   char **out, size_t *len)
{
    char *s = xdup(spec, slen);
    ma_buf b;
    ma_errbuf err;
    int rc;

    ma__buf_init(&b, c);
    ma__buf_append(&b, "pre", 3);
    rc = ma__spf_macro_expand(&b, c, s, slen, env, flags, &err);
    *out = NULL;
    *len = 0;
    if (rc == MA_OK) {
        *len = b.len - 3;
        *out = xdup(b.data + 3, *len + 1);
    } else if (b.len != 3 || memcmp(b.data, "pre", 3) != 0) {
        rc = -100;   /* the output was touched after an error */
    }
    ma__buf_free(&b);
    free(s);
    return rc;
}

/* The exact-size strings an env points to, for one byte b. */
typedef struct benv {
    ma_spf_macro_env env;
    char *sender, *helo, *domain, *validated, *receiver;
} benv;

static ma_ip client4;

static void benv_make(benv *e, unsigned char b)
{
    char s[64];
    size_t n;
    memset(e, 0, sizeof *e);
    /* sender x<b>y@o<b>.example: the local part and the domain both hold b */
    n = (size_t)snprintf(s, sizeof s, "x%cy@o%c.example", b ? (char)b : 'Z', b ? (char)b : 'Z');
    s[1] = (char)b;
    s[5] = (char)b;
    e->sender = xdup(s, n);
    e->env.sender = e->sender;
    e->env.sender_len = n;
    e->env.local = e->sender;
    e->env.local_len = 3;
    e->env.sender_domain = e->sender + 4;
    e->env.sender_domain_len = n - 4;
    n = (size_t)snprintf(s, sizeof s, "hZ.example");
    s[1] = (char)b;
    e->helo = xdup(s, n);
    e->env.helo = e->helo;
    e->env.helo_len = n;
    s[0] = 'd';
    e->domain = xdup(s, n);
    e->env.domain = e->domain;
    e->env.domain_len = n;
    s[0] = 'p';
    e->validated = xdup(s, n);
    e->env.validated = e->validated;
    e->env.validated_len = n;
    s[0] = 'r';
    e->receiver = xdup(s, n);
    e->env.receiver = e->receiver;
    e->env.receiver_len = n;
    e->env.ip = &client4;
    e->env.now = 1700000000;
}

static void benv_free(benv *e)
{
    free(e->sender);
    free(e->helo);
    free(e->domain);
    free(e->validated);
    free(e->receiver);
}

/* The value a letter stands for in env (RFC 7208 7.3). */
static void letter_value(const ma_spf_macro_env *env, char letter, const char **v, size_t *n,
                         char *tmp, size_t tsize)
{
    switch (letter) {
    case 's': *v = env->sender; *n = env->sender_len; break;
    case 'l': *v = env->local; *n = env->local_len; break;
    case 'o': *v = env->sender_domain; *n = env->sender_domain_len; break;
    case 'd': *v = env->domain; *n = env->domain_len; break;
    case 'h': *v = env->helo; *n = env->helo_len; break;
    case 'p':
        *v = env->validated ? env->validated : "unknown";
        *n = env->validated ? env->validated_len : 7;
        break;
    case 'r':
        *v = env->receiver ? env->receiver : "unknown";
        *n = env->receiver ? env->receiver_len : 7;
        break;
    case 'i':
    case 'c':
        ma_ip_format(env->ip, tmp, tsize);
        *v = tmp;
        *n = strlen(tmp);
        break;
    case 't':
        snprintf(tmp, tsize, "%lld", (long long)env->now);
        *v = tmp;
        *n = strlen(tmp);
        break;
    default: /* v */
        *v = "in-addr";
        *n = 7;
        break;
    }
}

/* CVE-2021-33912 (URL-escaping of bytes >= 0x80 overflowed through a sign-
   extended sprintf) and CVE-2021-33913 (right-hand parts): every letter in
   both cases over every byte, checked against the model. */
static void spf_letters_bytes(void)
{
    static const char letters[] = "slodiphcrtv";
    static const struct {
        const char *tr;   /* transformers and delimiters after the letter */
        size_t keep;
        int rev;
        const char *delims;
    } forms[] = {
        { "", 0, 0, "" },
        { "1", 1, 0, "" },
        { "r", 0, 1, "" },
        { "2r", 2, 1, "" },
        { "128r-.+,/_=", 128, 1, "-.+,/_=" },
        { "1r+", 1, 1, "+" },
    };
    size_t li, fi;
    int upper, b;

    for (li = 0; li < sizeof letters - 1; li++) {
        for (upper = 0; upper <= 1; upper++) {
            int all = 1, first_bad = -1;
            char letter = letters[li];
            int exp_only = letter == 'c' || letter == 'r' || letter == 't';
            for (b = 0; b < 256; b++) {
                benv e;
                benv_make(&e, (unsigned char)b);
                for (fi = 0; fi < sizeof forms / sizeof forms[0]; fi++) {
                    char spec[32], tmp[64], *got = NULL;
                    const char *v;
                    size_t vn, glen, slen;
                    mbuf want = { NULL, 0, 0 };
                    int rc;
                    slen = (size_t)snprintf(spec, sizeof spec, "%%{%c%s}",
                                            upper ? (char)(letter - 32) : letter, forms[fi].tr);
                    letter_value(&e.env, letter, &v, &vn, tmp, sizeof tmp);
                    model_expand(&want, v, vn, forms[fi].keep, forms[fi].rev, forms[fi].delims,
                                 upper);
                    rc = mexpand(&e.env, spec, slen, MA_SPF_MACRO_EXP, &got, &glen);
                    if (rc != MA_OK || glen != want.len || memcmp(got, want.p, glen) != 0)
                        all = 0;
                    free(got);
                    /* Outside explanations: the same, or a syntax error for c, r, t. */
                    rc = mexpand(&e.env, spec, slen, 0, &got, &glen);
                    if (exp_only ? rc != MA_ESYNTAX
                                 : (rc != MA_OK || glen != want.len || memcmp(got, want.p, glen) != 0))
                        all = 0;
                    free(got);
                    free(want.p);
                }
                if (!all && first_bad < 0)
                    first_bad = b;
                benv_free(&e);
            }
            OKF(all, "CVE-2021-33912/33913: %%{%c} over sender, HELO and domain bytes 0x00-0xff, "
                     "6 transformer forms, as RFC 7208 7.3 says",
                upper ? (char)(letter - 32) : letter);
            if (!all)
                printf("#   first mismatch at byte 0x%02x\n", first_bad);
        }
    }
}

/* The delimiter set of mask (bit k: "-.+,/_="[k]) into out. */
static void delims_of(unsigned int mask, char *out)
{
    static const char all[] = ".-+,/_=";
    size_t k, n = 0;
    for (k = 0; k < 7; k++)
        if (mask & (1u << k))
            out[n++] = all[k];
    out[n] = '\0';
}

/* CVE-2021-33913 / CVE-2023-42118: the r transformer with every delimiter
   set, empty labels, and digit transformers 1, 128, more than the labels,
   and values that do not fit any integer type. */
static void spf_transformers(void)
{
    static const char *const values[] = {
        "", ".", "..", "a", "a.", ".a", "a..b", "-a--b-", "a+b,c/d_e=f.g-h", "++..--//__==,,",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
        "b.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        NULL, /* 200 one-letter labels, built below */
    };
    static const struct {
        const char *text;
        size_t keep;   /* 0: all */
    } digits[] = {
        { "", 0 }, { "1", 1 }, { "2", 2 }, { "3", 3 }, { "01", 1 }, { "127", 127 }, { "128", 128 },
        { "129", 129 }, { "256", 256 }, { "1000", 1000 }, { "4294967295", 0 },
        { "4294967296", 0 }, { "18446744073709551615", 0 }, { "18446744073709551616", 0 },
        { "99999999999999999999999999999999999999", 0 },
    };
    char many[400];
    size_t vi, di, k;
    unsigned int mask;
    ma_spf_macro_env env;

    for (k = 0; k < 200; k++) {
        many[2 * k] = (char)('a' + k % 26);
        many[2 * k + 1] = '.';
    }
    many[399] = '\0';
    for (vi = 0; vi < sizeof values / sizeof values[0]; vi++) {
        const char *v = values[vi] ? values[vi] : many;
        size_t vlen = strlen(v);
        char *vcopy = xdup(v, vlen);
        int all = 1, letter;
        memset(&env, 0, sizeof env);
        env.local = vcopy;
        env.local_len = vlen;
        env.domain = vcopy;
        env.domain_len = vlen;
        env.ip = &client4;
        for (letter = 0; letter < 2; letter++) {
            for (mask = 0; mask < 128; mask++) {
                char dl[8];
                int rev;
                delims_of(mask, dl);
                for (rev = 0; rev <= 1; rev++) {
                    for (di = 0; di < sizeof digits / sizeof digits[0]; di++) {
                        char spec[96], *got = NULL;
                        size_t slen, glen, keep = digits[di].keep;
                        mbuf want = { NULL, 0, 0 };
                        int rc;
                        slen = (size_t)snprintf(spec, sizeof spec, "%%{%c%s%s%s}",
                                                letter ? 'd' : 'l', digits[di].text, rev ? "r" : "",
                                                dl);
                        model_expand(&want, v, vlen, keep, rev, dl, 0);
                        rc = mexpand(&env, spec, slen, 0, &got, &glen);
                        if (rc != MA_OK || glen != want.len || memcmp(got, want.p, glen) != 0) {
                            if (all)
                                printf("#   %s on \"%.40s\": rc %d, got \"%.60s\", want \"%.60s\"\n",
                                       spec, v, rc, got ? got : "", want.p);
                            all = 0;
                        }
                        free(got);
                        free(want.p);
                    }
                }
            }
        }
        OKF(all, "CVE-2021-33913: \"%.24s%s\" (%zu bytes) through l and d with all 128 delimiter "
                 "sets, r, 15 digit values: as the model",
            v, vlen > 24 ? "..." : "", vlen);
        free(vcopy);
    }

    /* Repeated delimiters and the zero digit. */
    memset(&env, 0, sizeof env);
    env.domain = "a.b-c.d";
    env.domain_len = 7;
    env.ip = &client4;
    {
        char *got = NULL;
        size_t glen;
        int rc = mexpand(&env, "%{dr..--..}", 11, 0, &got, &glen);
        ok(rc == MA_OK && glen == 7 && memcmp(got, "d.c.b.a", 7) == 0,
           "CVE-2021-33913: repeated delimiters are one set");
        free(got);
        rc = mexpand(&env, "%{d0}", 5, 0, &got, &glen);
        is_int(rc, MA_ESYNTAX, "CVE-2023-42118: digit transformer 0 is a syntax error (7.3: nonzero)");
        free(got);
        rc = mexpand(&env, "%{d000r}", 8, 0, &got, &glen);
        is_int(rc, MA_ESYNTAX, "CVE-2023-42118: digit transformer 000 is a syntax error");
        free(got);
    }
    /* IPv6 nibbles: 32 parts. */
    {
        ma_ip ip6;
        static const struct {
            const char *spec, *want;
        } v6[] = {
            { "%{i1}", "1" },
            { "%{i1r}", "2" },
            { "%{i32r}", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2" },
            { "%{i33}", "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1" },
            { "%{i128r.}", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2" },
        };
        size_t i;
        ma_ip_parse(&ip6, "2001:db8::1", 11);
        env.ip = &ip6;
        for (i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
            char *got = NULL;
            size_t glen;
            int rc = mexpand(&env, v6[i].spec, strlen(v6[i].spec), 0, &got, &glen);
            OKF(rc == MA_OK && glen == strlen(v6[i].want) && memcmp(got, v6[i].want, glen) == 0,
                "CVE-2021-33913: IPv6 %s over 32 nibbles", v6[i].spec);
            free(got);
        }
    }
}

/* CVE-2021-20314 (a literal that filled libspf2's compile buffer overflowed
   it by the 4-byte header): literals of every length around the buffer
   sizes and MA_LIMIT_SPF_MACRO_BYTES expand exactly or hit the limit. */
static void spf_literals(void)
{
    static const struct {
        size_t from, to;
    } ranges[] = {
        { 0, 300 }, { 500, 520 }, { 1010, 1030 }, { 4085, 4105 }, { 8180, 8200 }, { 16375, 16395 },
        { 65530, 65536 },
    };
    size_t limit = (size_t)ma_ctx_limit(c, MA_LIMIT_SPF_MACRO_BYTES);
    size_t ri, n;
    int mode;
    ma_spf_macro_env env;
    char *big = malloc(65536 * 3 + 1);

    if (big == NULL)
        abort();
    memset(&env, 0, sizeof env);
    env.domain = "example.com";
    env.domain_len = 11;
    env.ip = &client4;
    for (n = 0; n < 65536; n++)
        big[n] = (char)('a' + n % 26);
    for (mode = 0; mode <= 1; mode++) {
        for (ri = 0; ri < sizeof ranges / sizeof ranges[0]; ri++) {
            int all = 1;
            for (n = ranges[ri].from; n <= ranges[ri].to; n++) {
                char *got = NULL;
                size_t glen;
                int rc;
                if (mode == 1 && n > 0)
                    big[n / 2] = ' ';   /* an explanation may hold SP */
                rc = mexpand(&env, big, n, mode ? MA_SPF_MACRO_EXP : 0, &got, &glen);
                if (n <= limit ? (rc != MA_OK || glen != n || memcmp(got, big, n) != 0)
                               : rc != MA_ELIMIT)
                    all = 0;
                if (n > 0)
                    big[n / 2] = (char)('a' + (n / 2) % 26);
                free(got);
            }
            OKF(all, "CVE-2021-20314: %s literals of %zu to %zu bytes: exact up to the limit "
                     "(%zu), MA_ELIMIT beyond, output untouched",
                mode ? "explanation" : "domain-spec", ranges[ri].from, ranges[ri].to, limit);
        }
    }
    /* Escapes that grow or shrink: %% (2 in, 1 out), %- (2 in, 3 out). */
    {
        int all_pct = 1, all_sp = 1;
        size_t k;
        for (k = 0; k < 65536 * 3; k += 2) {
            big[k] = '%';
            big[k + 1] = '%';
        }
        for (n = limit - 3; n <= limit + 3; n++) {
            char *got = NULL;
            size_t glen;
            int rc = mexpand(&env, big, 2 * n, 0, &got, &glen);
            if (n <= limit ? (rc != MA_OK || glen != n) : rc != MA_ELIMIT)
                all_pct = 0;
            free(got);
        }
        for (k = 0; k < 65536 * 3; k += 2)
            big[k + 1] = '-';
        for (n = limit / 3 - 3; n <= limit / 3 + 3; n++) {
            char *got = NULL;
            size_t glen;
            int rc = mexpand(&env, big, 2 * n, 0, &got, &glen);
            if (3 * n <= limit ? (rc != MA_OK || glen != 3 * n) : rc != MA_ELIMIT)
                all_sp = 0;
            free(got);
        }
        ok(all_pct, "CVE-2021-20314: %% runs around the limit: one byte each, MA_ELIMIT past it");
        ok(all_sp, "CVE-2021-20314: %- runs around the limit: three bytes each, MA_ELIMIT past it");
    }
    /* A tiny limit: every output length from 0 to limit + 2, mixed pieces. */
    {
        ma_ctx *t = NULL;
        int all = 1;
        size_t lim;
        ma_ctx_new(&t, NULL);
        for (lim = 1; lim <= 40; lim++) {
            static const char *const pieces[] = { "ab", "%{d}", "%{D2r}", "%%", "%-", "%{d1}" };
            size_t p;
            ma_ctx_set_limit(t, MA_LIMIT_SPF_MACRO_BYTES, lim);
            for (p = 0; p < 6; p++) {
                char spec[200];
                size_t slen = 0, reps;
                for (reps = 0; reps < 12; reps++) {
                    ma_buf b;
                    ma_errbuf err;
                    int rc;
                    char *s;
                    memcpy(spec + slen, pieces[p], strlen(pieces[p]));
                    slen += strlen(pieces[p]);
                    s = xdup(spec, slen);
                    ma__buf_init(&b, t);
                    rc = ma__spf_macro_expand(&b, t, s, slen, &env, 0, &err);
                    if (rc == MA_OK ? b.len > lim : (rc != MA_ELIMIT || b.len != 0))
                        all = 0;
                    ma__buf_free(&b);
                    free(s);
                }
            }
        }
        ok(all, "CVE-2021-20314: limits 1 to 40 bytes: no expansion ever passes its limit");
        ma_ctx_free(t);
    }
    free(big);
}

/* CVE-2023-42118 (an integer underflow while parsing a macro): every prefix
   of hostile macro-strings, and every "%{" + two bytes + "}", in exact-size
   blocks: the expander agrees with the checker, never passes the limit,
   never touches the output after an error. */
static void spf_truncated(void)
{
    static const char *const specs[] = {
        "%{d12r-.+,/_=}.%{ir}.%{v}._spf.%{d2}",
        "%{L128r+}%{S}%-%_%%x",
        "%{s99999999999999999999999r}",
        "%{h}%{p}%{o1}%{l1r-}",
        "%{c}%{r}%{t} text %{T2r}",
    };
    size_t si, n;
    int all = 1, sweep = 1;
    unsigned int c1, c2;
    benv e;

    benv_make(&e, 0xff);
    for (si = 0; si < sizeof specs / sizeof specs[0]; si++) {
        size_t len = strlen(specs[si]);
        int flags;
        for (flags = 0; flags <= 1; flags++) {
            for (n = 0; n <= len; n++) {
                char *got = NULL, *s = xdup(specs[si], n);
                size_t glen, bad;
                const char *why;
                unsigned int f = flags ? MA_SPF_MACRO_EXP : 0;
                int rc = mexpand(&e.env, s, n, f, &got, &glen);
                int chk = ma__spf_macro_check(s, n, f, &bad, &why, NULL);
                if (rc != chk || (rc != MA_OK && rc != MA_ESYNTAX) || (rc == MA_ESYNTAX && bad > n))
                    all = 0;
                free(got);
                free(s);
            }
        }
    }
    ok(all, "CVE-2023-42118: every prefix of five hostile macro-strings: expander and checker "
            "agree, no other status");
    for (c1 = 1; c1 < 256; c1++) {
        for (c2 = 0; c2 < 256; c2 += (c1 >= 0x20 && c1 < 0x7f) ? 1 : 17) {
            char spec[5] = { '%', '{', (char)c1, (char)c2, '}' };
            char *got = NULL;
            size_t glen;
            int rc = mexpand(&e.env, spec, 5, MA_SPF_MACRO_EXP, &got, &glen);
            int chk = ma__spf_macro_check(spec, 5, MA_SPF_MACRO_EXP, NULL, NULL, NULL);
            if (rc != chk || (rc != MA_OK && rc != MA_ESYNTAX) || glen > 8192)
                sweep = 0;
            free(got);
        }
    }
    ok(sweep, "CVE-2023-42118: \"%{\" + two bytes + \"}\" over the byte range: a defined result");
    benv_free(&e);
}

/* Through the public API: senders and HELO names with every byte a C
   string can carry (NUL cannot be passed: the API takes C strings), run by
   an SPF job whose record expands them into names and into exp=. */
static void spf_job_bytes(void)
{
    static const char zone[] =
        "bytes.example. TXT \"v=spf1 exists:%{l}.%{h}.e.bytes.example "
        "exists:%{s}.e.bytes.example -all exp=x.bytes.example\"\n"
        "x.bytes.example. TXT \"%{L} %{l} %{S} %{s} %{H} %{h} %{O} %{c} %{r} %{t} %{p} %{i} %{v}\"\n";
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    size_t limit = (size_t)ma_ctx_limit(c, MA_LIMIT_SPF_MACRO_BYTES);
    int b, all_defined = 1, all_bounded = 1, all_rspf = 1, all_ar = 1, exp_clean = 1, arjob = 1;
    int first_dirty = -1, jobs = 0, explained = 0, arjobs = 0;

    ma_static_zone_new(&z, c);
    ma_static_zone_load(z, zone, strlen(zone), NULL);
    ma_resolver_static_new(&r, c, z);
    for (b = 1; b < 256; b++) {
        int helo_only;
        for (helo_only = 0; helo_only <= 1; helo_only++) {
            char sender[64], helo[64], *rspf = NULL, *res = NULL;
            ma_spf_params p;
            ma_job *j = NULL;
            int rc;
            snprintf(sender, sizeof sender, "x%cy@bytes.example", (char)b);
            snprintf(helo, sizeof helo, "h%c.bytes.example", (char)b);
            ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
            p.ip = client4;
            p.sender = helo_only ? "" : sender;
            p.helo = helo;
            rc = ma_spf_job_new(&j, c, &p);
            if (rc != MA_OK) {
                if (rc != MA_EINVAL)
                    all_defined = 0;
                continue;
            }
            jobs++;
            rc = ma_job_run(j, r);
            if (ma_spf_job_explanation(j)[0] != '\0')
                explained++;
            if (rc != MA_JOB_DONE || ma_spf_job_result(j) == MA_SPF_PASS ||
                ma_spf_result_name(ma_spf_job_result(j)) == NULL)
                all_defined = 0;
            if (strlen(ma_spf_job_explanation(j)) > limit)
                all_bounded = 0;
            {
                const unsigned char *e = (const unsigned char *)ma_spf_job_explanation(j);
                while (*e >= 0x20 && *e < 0x7f)
                    e++;
                if (*e != '\0' && exp_clean) {
                    exp_clean = 0;
                    first_dirty = b;
                }
            }
            if (ma_spf_received_spf(&rspf, j) != MA_OK || bad_line_breaks(rspf, strlen(rspf)))
                all_rspf = 0;
            if (ma_spf_authres(&res, j) != MA_OK) {
                all_ar = 0;
            } else {
                char *field = cat4("mx.example.org; ", res, NULL, NULL);
                ma_authres *ar = NULL;
                rc = ma_authres_parse(&ar, NULL, NULL, c, field, strlen(field));
                /* refused is safe; read, it must be the one spf result */
                if (bad_line_breaks(res, strlen(res)) ||
                    (rc == MA_OK && (ma_authres_count(ar) != 1 || !ar_has(ar, "spf", NULL))))
                    all_ar = 0;
                ma_authres_free(ar);
                free(field);
            }
            ma_free(c, rspf);
            ma_free(c, res);
            ma_job_free(j);
        }
        /* The authenticator with such a MAIL FROM: its field holds iprev and spf only. */
        {
            char mf[64];
            ma_job *j;
            ma_authres *ar;
            snprintf(mf, sizeof mf, "x%cy@bytes.example", (char)b);
            j = authenticate(r, "192.0.2.3", "h.bytes.example", mf, NULL);
            ar = authres_of(j);
            arjobs += j != NULL;
            if (j != NULL && (ar == NULL || ma_authres_count(ar) != 2 || !ar_has(ar, "spf", NULL)))
                arjob = 0;
            ma_authres_free(ar);
            ma_job_free(j);
        }
    }
    OKF(jobs == 510 && explained >= 255 && arjobs == 255,
        "CVE-2021-33912 setup: all 510 SPF jobs (%d) and 255 authenticator jobs (%d) ran, %d "
        "with an explanation", jobs, arjobs, explained);
    ok(all_defined, "CVE-2021-33912: senders and HELO names with bytes 0x01-0xff: a defined "
                    "result, never pass");
    ok(all_bounded, "CVE-2021-33912: every explanation within MA_LIMIT_SPF_MACRO_BYTES");
    ok(all_rspf, "CVE-2021-33912: Received-SPF never carries a bare CR, LF or NUL");
    ok(all_ar, "CVE-2021-33912: the spf resinfo parses back as one result (or is refused)");
    ok(arjob, "CVE-2021-33912: the authenticator's field with such a MAIL FROM: iprev and spf only");
    if (!ok(exp_clean, "CVE-2021-33912: an explanation (SMTP reply text) is printable US-ASCII "
                       "(RFC 7208 6.2 MUST), no CR, LF or 8-bit byte from the sender"))
        printf("#   first at byte 0x%02x\n", first_dirty);
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* CVE-2021-20314 through a job: exp= texts of many lengths. */
static void spf_job_exp_lengths(void)
{
    static const size_t lens[] = { 1, 254, 255, 256, 511, 512, 4095, 4096, 8191, 8192, 8193,
                                   16384, 65535 };
    size_t limit = (size_t)ma_ctx_limit(c, MA_LIMIT_SPF_MACRO_BYTES);
    ma_static_zone *z = NULL;
    ma_resolver *r = NULL;
    char *text = malloc(65536);
    size_t i, k;

    if (text == NULL)
        abort();
    for (k = 0; k < 65536; k++)
        text[k] = k % 7 == 6 ? ' ' : (char)('a' + k % 26);
    ma_static_zone_new(&z, c);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char name[64], rec[128];
        snprintf(name, sizeof name, "lit%zu.example", lens[i]);
        snprintf(rec, sizeof rec, "v=spf1 -all exp=exp.lit%zu.example", lens[i]);
        ma_static_zone_add_txt(z, name, rec, strlen(rec), 300);
        snprintf(name, sizeof name, "exp.lit%zu.example", lens[i]);
        {
            char *t = xdup(text, lens[i]);
            t[0] = 'E';
            t[lens[i] - 1] = 'Z';
            ma_static_zone_add_txt(z, name, t, lens[i], 300);
            free(t);
        }
    }
    ma_resolver_static_new(&r, c, z);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char sender[64];
        ma_spf_params p;
        ma_job *j = NULL;
        const char *e;
        int good;
        snprintf(sender, sizeof sender, "u@lit%zu.example", lens[i]);
        ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
        p.ip = client4;
        p.sender = sender;
        p.helo = "h.example";
        ma_spf_job_new(&j, c, &p);
        ma_job_run(j, r);
        e = ma_spf_job_explanation(j);
        if (lens[i] <= limit)
            good = strlen(e) == lens[i] && e[lens[i] - 1] == 'Z' && (lens[i] == 1 || e[0] == 'E') &&
                   memcmp(e + 1, text + 1, lens[i] > 2 ? lens[i] - 2 : 0) == 0;
        else
            good = e[0] == '\0';   /* RFC 7208 6.2: an exp= that cannot be used is ignored */
        OKF(ma_spf_job_result(j) == MA_SPF_FAIL && good,
            "CVE-2021-20314: a %zu-byte exp= text: fail, explanation %s", lens[i],
            lens[i] <= limit ? "exact" : "dropped (over the limit)");
        ma_job_free(j);
    }
    /* Senders and HELO names of many lengths through macros that repeat them. */
    {
        static const size_t slen[] = { 64, 255, 256, 1000, 2047, 2048, 4096, 8192, 65536 };
        static const char rec[] = "v=spf1 exists:%{l}.%{l}.x.longs.example "
                                  "exists:%{s}%{s}%{s}%{s}.x.longs.example -all exp=e.longs.example";
        static const char expl[] = "%{s} %{h} %{l} %{s} %{h} %{l} %{S}";
        int all = 1;
        ma_static_zone_add_txt(z, "longs.example", rec, strlen(rec), 300);
        ma_static_zone_add_txt(z, "e.longs.example", expl, strlen(expl), 300);
        for (i = 0; i < sizeof slen / sizeof slen[0]; i++) {
            char *local = malloc(slen[i] + 1), *sender, *helo;
            ma_job *j;
            memset(local, 'q', slen[i]);
            local[slen[i]] = '\0';
            sender = cat4(local, "@longs.example", NULL, NULL);
            helo = cat4(local, ".longs.example", NULL, NULL);
            j = spf_run(r, "192.0.2.3", sender, helo);
            if (j == NULL || ma_spf_job_result(j) == MA_SPF_PASS ||
                strlen(ma_spf_job_explanation(j)) > limit)
                all = 0;
            ma_job_free(j);
            j = spf_run(r, "192.0.2.3", "", helo);
            if (j == NULL || ma_spf_job_result(j) == MA_SPF_PASS)
                all = 0;
            ma_job_free(j);
            free(sender);
            free(helo);
            free(local);
        }
        ok(all, "CVE-2021-20314: senders and HELO names of 64 bytes to 64 KB repeated by macros: "
                "never pass, explanations within the limit");
    }
    ma_resolver_free(r);
    ma_static_zone_free(z);
    free(text);
}

/* ============================================================ 2. From */

/*
 * CVE-2019-16378 (OpenDMARC took one address of a From with several),
 * CVE-2021-34555 (OpenDMARC crashed on a From whose second value had no
 * domain), OpenDMARC #113/#174 (display names, encoded-words, route
 * syntax, "From :"): victim.example says p=reject, attacker.example passes
 * SPF and DKIM.  Whatever the From field looks like, DMARC never passes,
 * never says none, and the disposition is reject.
 */
static void from_shapes(void)
{
    static const struct {
        const char *from;       /* the From field(s), CRLF-terminated */
        const char *author;     /* the author domain expected; NULL: not checked */
        const char *what;
    } cases[] = {
        { "From: a@victim.example, b@attacker.example\r\n", "", "two addresses, victim first" },
        { "From: b@attacker.example, a@victim.example\r\n", "", "two addresses, attacker first" },
        { "From: a@victim.example,\r\n b@attacker.example\r\n", "", "two addresses, folded" },
        { "From: a@victim.example\r\nFrom: b@attacker.example\r\n", "", "two From fields" },
        { "From: b@attacker.example\r\nFrom: a@victim.example\r\n", "", "two From fields, reversed" },
        { "FROM: a@victim.example\r\nfrom: b@attacker.example\r\n", "", "two From fields, cases" },
        { "From: a@victim.example\r\nX-Other: y\r\nFrom: b@attacker.example\r\n", "",
          "two From fields apart" },
        { "From : a@victim.example\r\nFrom: b@attacker.example\r\n", "",
          "\"From :\" and From (whitespace before the colon)" },
        { "From: b@attacker.example\r\nFrom\t: a@victim.example\r\n", "",
          "From and \"From<TAB>:\"" },
        { "From : a@victim.example\r\n", "victim.example", "\"From :\" alone is still From" },
        { "", "", "no From field" },
        { "From:\r\n", "", "an empty From" },
        { "From: <>\r\n", "", "From: <>" },
        { "From: a@victim.example>\r\n", NULL, "user@domain> (a stray '>')" },
        { "From: b@attacker.example>\r\n", NULL, "the attacker's address with a stray '>'" },
        { "From: <a@victim.example\r\n", NULL, "an unclosed '<'" },
        { "From: \"b@attacker.example\" <a@victim.example>\r\n", "victim.example",
          "a quoted display name with '@'" },
        { "From: b@attacker.example <a@victim.example>\r\n", NULL,
          "an unquoted display name with '@'" },
        { "From: (b@attacker.example) a@victim.example\r\n", "victim.example",
          "the attacker in a comment before" },
        { "From: a@victim.example (b@attacker.example)\r\n", "victim.example",
          "the attacker in a comment after" },
        { "From: =?utf-8?q?b@attacker.example?= <a@victim.example>\r\n", "victim.example",
          "an encoded-word display name holding an address" },
        { "From: =?utf-8?b?YkBhdHRhY2tlci5leGFtcGxl?= <a@victim.example>\r\n", "victim.example",
          "a base64 encoded-word display name" },
        { "From: =?utf-8?q?b=40attacker.example?=\r\n", NULL, "an encoded-word instead of an address" },
        { "From: a@victim.example =?utf-8?q?b@attacker.example?=\r\n", NULL,
          "an encoded-word after the address" },
        { "From: <@attacker.example:a@victim.example>\r\n", "victim.example", "route syntax" },
        { "From: <@attacker.example,@x.example:a@victim.example>\r\n", "victim.example",
          "route syntax, two hops" },
        { "From: \"b@attacker.example\"@victim.example\r\n", "victim.example",
          "a quoted local part holding an address" },
        { "From: a@victim.example; b@attacker.example\r\n", NULL, "';' between addresses" },
        { "From: team: a@victim.example, b@attacker.example;\r\n", "", "a group of two" },
        { "From: team: b@attacker.example;\r\n", "", "a group of one" },
        { "From: undisclosed-recipients:;\r\n", "", "an empty group" },
        { "From: user, a@victim.example\r\n", "", "CVE-2021-34555: a first value without a domain" },
        { "From: a@victim.example, user\r\n", "", "CVE-2021-34555: a second value without a domain" },
        { "From: a@victim.example,,\r\n", NULL, "trailing empty list elements" },
        { "From: a@[192.0.2.1]\r\n", "", "a domain literal" },
        { "From: a@victim.example.\r\n", "", "a trailing dot (no valid dot-atom)" },
        { "From: a@VICTIM.Example\r\n", "victim.example", "another case" },
        { "From: a@victim..example\r\n", "", "an empty label" },
        { "From: a@\r\n", "", "no domain after '@'" },
        { "From: a@victim.example@attacker.example\r\n", NULL, "two '@'" },
        { "From: a@victim.example\r\n (b@attacker.example\r\n", NULL, "an unclosed comment" },
    };
    ma_static_zone *z = world_zone();
    ma_resolver *r = NULL;
    size_t i;

    ma_resolver_static_new(&r, c, z);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = cat4(cases[i].from, body_text, NULL, NULL);
        char *signed_text = dkim_sign(attacker_signer, text);
        ma_job *j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "bounce@attacker.example",
                                 signed_text);
        const ma_job *dm = j ? ma_auth_job_check(j, MA_AUTH_DMARC) : NULL;
        const char *v = verdict(j, MA_AUTH_DMARC);
        ma_job *d = NULL;
        ma_msg *m = NULL;
        ma_dmarc_opts o = MA_DMARC_OPTS_INIT;

        OKF(j != NULL && strcmp(v, "pass") != 0 && strcmp(v, "none") != 0 &&
                ma_dmarc_job_disposition(dm) == MA_DMARC_DISP_REJECT,
            "CVE-2019-16378: %s: dmarc=%s, reject, never pass or none", cases[i].what, v);
        if (cases[i].author != NULL)
            OKF(dm != NULL && strcmp(ma_dmarc_job_author_domain(dm), cases[i].author) == 0,
                "CVE-2019-16378: %s: author domain \"%s\"", cases[i].what, cases[i].author);
        ma_job_free(j);

        /* The DMARC job alone, with passing SPF and DKIM results for the attacker. */
        ma_dmarc_job_new(&d, c, &o);
        ma_msg_new(&m, c);
        ma_dmarc_job_attach(d, m);
        ma_dmarc_job_add_spf(d, MA_SPF_PASS, "attacker.example", MA_DMARC_SPF_MAILFROM);
        ma_dmarc_job_add_dkim(d, MA_DKIM_PASS, "attacker.example", 0);
        ma_msg_write(m, text, strlen(text));
        ma_msg_finish(m);
        ma_job_run(d, r);
        OKF(ma_dmarc_job_result(d) != MA_DMARC_PASS && ma_dmarc_job_result(d) != MA_DMARC_NONE &&
                ma_dmarc_job_disposition(d) == MA_DMARC_DISP_REJECT,
            "CVE-2019-16378: %s: the DMARC job alone: %s, reject", cases[i].what,
            ma_dmarc_result_name(ma_dmarc_job_result(d)));
        ma_job_free(d);
        ma_msg_free(m);
        free(signed_text);
        free(text);
    }

    /* A NUL inside From: the message reader refuses the header. */
    {
        static const char nul_from[] = "From: a@victim.example\0b@attacker.example\r\n\r\nx\r\n";
        ma_msg *m = NULL;
        ma_msg_new(&m, c);
        is_int(ma_msg_write(m, nul_from, sizeof nul_from - 1), MA_ESYNTAX,
               "CVE-2019-16378: a NUL inside From: the header is refused");
        ma_msg_free(m);
    }
    /* The attacker's own From passes (the controls above are meaningful). */
    {
        char *text = cat4("From: b@attacker.example\r\n", body_text, NULL, NULL);
        char *signed_text = dkim_sign(attacker_signer, text);
        ma_job *j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "bounce@attacker.example",
                                 signed_text);
        ok(strcmp(verdict(j, MA_AUTH_SPF), "pass") == 0 && strcmp(verdict(j, MA_AUTH_DKIM), "pass") == 0 &&
               strcmp(verdict(j, MA_AUTH_DMARC), "pass") == 0,
           "CVE-2019-16378 control: the attacker's own From passes SPF, DKIM and DMARC");
        ma_job_free(j);
        free(signed_text);
        free(text);
    }
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* ============================================= 3. HELO against MAIL FROM */

/*
 * CVE-2019-20790: a MAIL FROM in a non-existent subdomain of the victim
 * makes SPF "none"; a filter that then checked the HELO identity (the
 * attacker's, passing) and let DMARC align the MAIL FROM domain passed the
 * spoof.  SPF must check the MAIL FROM identity, and DMARC align only it
 * (the HELO only for a null reverse-path).
 */
static void helo_mailfrom(void)
{
    ma_static_zone *z = world_zone();
    ma_resolver *r = NULL;
    char *text = cat4("From: ceo@victim.example\r\n", body_text, NULL, NULL);
    ma_job *j;
    const ma_job *spf, *dm;

    ma_resolver_static_new(&r, c, z);
    j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "x@notexist.victim.example", text);
    spf = ma_auth_job_check(j, MA_AUTH_SPF);
    dm = ma_auth_job_check(j, MA_AUTH_DMARC);
    is_str(verdict(j, MA_AUTH_SPF), "none",
           "CVE-2019-20790: MAIL FROM in a non-existent subdomain: spf=none");
    is_str(spf ? ma_spf_job_identity(spf) : "", "mailfrom",
           "CVE-2019-20790: the identity checked is MAIL FROM, not the passing HELO");
    ok(dm != NULL && strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0 &&
           ma_dmarc_job_disposition(dm) == MA_DMARC_DISP_REJECT &&
           ma_dmarc_job_spf_aligned(dm)[0] == '\0',
       "CVE-2019-20790: DMARC fails and rejects, nothing aligned");
    ma_job_free(j);

    /* The victim's own host as HELO does not help a non-null MAIL FROM either. */
    j = authenticate(r, VICTIM_IP, "mail.victim.example", "x@notexist.victim.example", text);
    dm = ma_auth_job_check(j, MA_AUTH_DMARC);
    ok(dm != NULL && strcmp(verdict(j, MA_AUTH_SPF), "none") == 0 &&
           strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0 && ma_dmarc_job_spf_aligned(dm)[0] == '\0',
       "CVE-2019-20790: a HELO that would pass and align is not used for a non-null MAIL FROM");
    ma_job_free(j);

    /* Null reverse-path: the HELO identity is checked, and aligns only when it should. */
    j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "", text);
    spf = ma_auth_job_check(j, MA_AUTH_SPF);
    dm = ma_auth_job_check(j, MA_AUTH_DMARC);
    ok(spf != NULL && strcmp(ma_spf_job_identity(spf), "helo") == 0 &&
           strcmp(verdict(j, MA_AUTH_SPF), "pass") == 0,
       "CVE-2019-20790: null sender: SPF checks the HELO identity (pass for the attacker)");
    ok(dm != NULL && strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0 &&
           ma_dmarc_job_disposition(dm) == MA_DMARC_DISP_REJECT,
       "CVE-2019-20790: null sender: the attacker's HELO does not align with victim.example");
    ma_job_free(j);
    j = authenticate(r, ATTACKER_IP, "mail.attacker.example", "<>", text);
    ok(j != NULL && strcmp(verdict(j, MA_AUTH_DMARC), "fail") == 0,
       "CVE-2019-20790: \"<>\" is the null sender too: DMARC fails");
    ma_job_free(j);
    j = authenticate(r, VICTIM_IP, "mail.victim.example", "", text);
    dm = ma_auth_job_check(j, MA_AUTH_DMARC);
    ok(dm != NULL && strcmp(verdict(j, MA_AUTH_DMARC), "pass") == 0 &&
           strcmp(ma_dmarc_job_spf_aligned(dm), "mail.victim.example") == 0,
       "CVE-2019-20790 control: null sender from the victim's own host aligns through HELO");
    ma_job_free(j);

    /* The DMARC job refuses a HELO-scope result and a second SPF result. */
    {
        ma_dmarc_opts o = MA_DMARC_OPTS_INIT;
        ma_job *d = NULL;
        ma_dmarc_job_new(&d, c, &o);
        ma_dmarc_job_set_author(d, "victim.example");
        is_int(ma_dmarc_job_add_spf(d, MA_SPF_PASS, "victim.example", MA_DMARC_SPF_HELO), MA_OK,
               "CVE-2019-20790: a HELO-scope SPF result is recorded");
        is_int(ma_dmarc_job_add_spf(d, MA_SPF_PASS, "victim.example", MA_DMARC_SPF_MAILFROM), MA_ESTATE,
               "CVE-2019-20790: a second SPF result cannot be added");
        ma_job_run(d, r);
        ok(ma_dmarc_job_result(d) == MA_DMARC_FAIL && ma_dmarc_job_spf_aligned(d)[0] == '\0',
           "CVE-2019-20790: a HELO-scope pass for the author domain never aligns");
        ma_job_free(d);
    }
    /* The SPF job: MAIL FROM identity unless asked for HELO. */
    {
        ma_spf_params p;
        ma_job *s = NULL;
        ma_spf_params_init(&p, MA_SPF_PARAMS_VERSION);
        ma_ip_parse(&p.ip, ATTACKER_IP, strlen(ATTACKER_IP));
        p.sender = "x@notexist.victim.example";
        p.helo = "mail.attacker.example";
        ma_spf_job_new(&s, c, &p);
        ma_job_run(s, r);
        ok(ma_spf_job_result(s) == MA_SPF_NONE && strcmp(ma_spf_job_identity(s), "mailfrom") == 0 &&
               strcmp(ma_spf_job_domain(s), "notexist.victim.example") == 0,
           "CVE-2019-20790: the SPF job checks notexist.victim.example: none");
        ma_job_free(s);
    }
    free(text);
    ma_resolver_free(r);
    ma_static_zone_free(z);
}

/* ===================================================================== main */

int main(void)
{
    regress_setup();
    ma_ip_parse(&client4, "192.0.2.3", 9);
    spf_literals();
    spf_letters_bytes();
    spf_transformers();
    spf_truncated();
    spf_job_bytes();
    spf_job_exp_lengths();
    from_shapes();
    helo_mailfrom();
    regress_teardown();
    return tap_done();
}
