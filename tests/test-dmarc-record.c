/*
 * DMARC records (RFC 9989 by default, RFC 7489 as an option): every tag and
 * its errors in both modes, defaults and effective values, the p= fallback
 * of RFC 7489 6.6.3 step 6 and RFC 9989 4.10.1, report size suffixes,
 * hostile input, the strict mode, the writer and its round trips.  The
 * records are written for these tests; their shapes follow what published
 * records and the OpenDMARC parser tests use.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "tap.h"
#include "dmarc/record_int.h"

#define M9 MA_DMARC_MODE_9989
#define M7 MA_DMARC_MODE_7489

static ma_ctx *ctx;

static int parse_n(ma_dmarc_record *rec, ma_dmarc_mode mode, unsigned flags, const char *txt,
                   size_t len, ma_dmarc_perr *err)
{
    return ma__dmarc_record_parse(rec, ctx, txt, len, mode, flags, err);
}

static int parse(ma_dmarc_record *rec, ma_dmarc_mode mode, const char *txt, ma_dmarc_perr *err)
{
    return parse_n(rec, mode, 0, txt, strlen(txt), err);
}

/* Parses; says why not when it does not. */
static int rec_ok(ma_dmarc_record *rec, ma_dmarc_mode mode, const char *txt, const char *what)
{
    ma_dmarc_perr err;
    int rc = parse(rec, mode, txt, &err);
    if (!ok(rc == MA_OK && err.reason == MA_DMARC_REC_OK, what))
        printf("#   rc %d reason %d tag \"%s\" at %lld: %s\n", rc, (int)err.reason, err.tag,
               (long long)err.e.offset, err.e.text);
    return rc == MA_OK;
}

/* Refused with reason, tag and offset (offset -2: do not check). */
static void fails_n(ma_dmarc_mode mode, unsigned flags, const char *txt, size_t len,
                    ma_dmarc_rec_reason reason, const char *tag, long long off, const char *what)
{
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    char buf[300];
    int rc = parse_n(&rec, mode, flags, txt, len, &err);

    snprintf(buf, sizeof buf, "%s: refused with a text", what);
    ok(rc == MA_ESYNTAX && err.e.text[0] != '\0', buf);
    snprintf(buf, sizeof buf, "%s: reason", what);
    if (!is_int(err.reason, reason, buf))
        printf("#   text: %s\n", err.e.text);
    snprintf(buf, sizeof buf, "%s: tag", what);
    is_str(err.tag, tag, buf);
    if (off != -2) {
        snprintf(buf, sizeof buf, "%s: offset", what);
        is_int(err.e.offset, off, buf);
    }
    snprintf(buf, sizeof buf, "%s: record left empty", what);
    ok(rec.text == NULL && rec.nrua == 0 && rec.p == MA_DMARC_POLICY_UNSET && rec.nissues == 0,
       buf);
    ma__dmarc_record_free(&rec, ctx);
}

static void fails(ma_dmarc_mode mode, const char *txt, ma_dmarc_rec_reason reason, const char *tag,
                  long long off, const char *what)
{
    fails_n(mode, 0, txt, strlen(txt), reason, tag, off, what);
}

/* Whether rec has an issue (reason, tag, offset; offset -1: any). */
static int has_issue(const ma_dmarc_record *rec, ma_dmarc_rec_reason reason, ma_dmarc_tag tag,
                     long long off)
{
    size_t i;
    for (i = 0; i < rec->nissues; i++)
        if (rec->issues[i].reason == reason && rec->issues[i].tag == tag
            && (off < 0 || (long long)rec->issues[i].offset == off))
            return 1;
    return 0;
}

static long long offset_of(const char *txt, const char *needle)
{
    const char *p = strstr(txt, needle);
    return p ? (long long)(p - txt) : -100;
}

/* A record built by hand for the writer, its URI lists in the test's memory. */
static ma_dmarc_uri tool_rua[16], tool_ruf[16];

static void tool_init(ma_dmarc_record *rec, ma_dmarc_mode mode)
{
    ma__dmarc_record_init(rec, mode);
    memset(tool_rua, 0, sizeof tool_rua);
    memset(tool_ruf, 0, sizeof tool_ruf);
    rec->rua = tool_rua;
    rec->cap_rua = 16;
    rec->ruf = tool_ruf;
    rec->cap_ruf = 16;
}

static int uri_is(const ma_dmarc_uri *u, const char *want)
{
    return u->len == strlen(want) && memcmp(u->uri, want, u->len) == 0;
}

/* ----------------------------------------------------------------- basics */

static void test_basic(void)
{
    ma_dmarc_record rec;
    const char *r = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com";

    if (rec_ok(&rec, M9, r, "9989: minimal record")) {
        is_int(rec.mode, M9, "mode kept");
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_REJECT, "p=reject");
        is_int(ma__dmarc_record_sp(&rec), MA_DMARC_POLICY_REJECT, "sp defaults to p");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_REJECT, "np defaults to sp");
        is_int(ma__dmarc_record_adkim(&rec), MA_DMARC_ALIGN_RELAXED, "adkim default r");
        is_int(ma__dmarc_record_aspf(&rec), MA_DMARC_ALIGN_RELAXED, "aspf default r");
        is_int(ma__dmarc_record_pct(&rec), 100, "pct default 100");
        is_int(ma__dmarc_record_t(&rec), 0, "t default n");
        is_int(ma__dmarc_record_fo(&rec), MA_DMARC_FO_0, "fo default 0");
        is_int(ma__dmarc_record_rf(&rec), MA_DMARC_RF_AFRF, "rf default afrf");
        is_int(ma__dmarc_record_ri(&rec), 86400, "ri default 86400");
        is_int(ma__dmarc_record_psd(&rec), MA_DMARC_PSD_U, "psd default u");
        is_int(rec.nrua, 1, "one rua URI");
        ok(uri_is(&rec.rua[0], "mailto:dmarc@example.com"), "rua URI span");
        ok(rec.rua[0].uri >= rec.text && rec.rua[0].uri < rec.text + rec.text_len,
           "URI span points into the record's own copy");
        is_int(rec.nruf, 0, "no ruf");
        is_int(rec.nissues, 0, "no issues");
        is_int(rec.policy_fallback, 0, "no fallback");
    }
    ma__dmarc_record_free(&rec, ctx);

    if (rec_ok(&rec, M7, "v=DMARC1; p=none", "7489: minimal record")) {
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_NONE, "7489 p=none");
        is_int(ma__dmarc_record_pct(&rec), 100, "7489 pct default");
        is_int(ma__dmarc_record_ri(&rec), 86400, "7489 ri default");
        is_int(ma__dmarc_record_rf(&rec), MA_DMARC_RF_AFRF, "7489 rf default");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_NONE, "7489 np follows sp and p");
        is_int(rec.nissues, 0, "7489 minimal: no issues");
    }
    ma__dmarc_record_free(&rec, ctx);

    if (rec_ok(&rec, M9, "v=DMARC1; p=none;", "trailing ';'"))
        is_int(rec.p, MA_DMARC_POLICY_NONE, "trailing ';': p");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1;;p=quarantine;; ", "empty tag-specs tolerated"))
        is_int(rec.p, MA_DMARC_POLICY_QUARANTINE, "empty tag-specs: p");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v = DMARC1 ;\tp =  reject\t;", "whitespace around '=' and ';'"))
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "whitespace: p");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1;\r\n p=reject", "folded (CRLF WSP) record"))
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "folded: p");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "  v=DMARC1; p=reject", "leading whitespace tolerated"))
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "leading whitespace: p");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1; p=none; foo=bar; buzz=happy; x_1=2;", "unknown tags ignored"))
        is_int(rec.nissues, 0, "unknown tags: no issues");
    ma__dmarc_record_free(&rec, ctx);
}

/* ------------------------------------------------------------- every tag */

static void test_all_tags_9989(void)
{
    ma_dmarc_record rec;
    const char *r = "v=DMARC1; p=quarantine; sp=reject; np=none; adkim=s; aspf=s; t=y; psd=n; "
                    "fo=1:d:s; rua=mailto:a@example.com, https://r.example/dmarc; "
                    "ruf=mailto:f@example.com";

    if (rec_ok(&rec, M9, r, "9989: all tags")) {
        is_int(rec.p, MA_DMARC_POLICY_QUARANTINE, "p");
        is_int(ma__dmarc_record_sp(&rec), MA_DMARC_POLICY_REJECT, "sp");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_NONE, "np");
        is_int(ma__dmarc_record_adkim(&rec), MA_DMARC_ALIGN_STRICT, "adkim=s");
        is_int(ma__dmarc_record_aspf(&rec), MA_DMARC_ALIGN_STRICT, "aspf=s");
        is_int(ma__dmarc_record_t(&rec), 1, "t=y");
        is_int(ma__dmarc_record_psd(&rec), MA_DMARC_PSD_N, "psd=n");
        is_int(ma__dmarc_record_fo(&rec), MA_DMARC_FO_1 | MA_DMARC_FO_D | MA_DMARC_FO_S,
               "fo=1:d:s");
        is_int(rec.nrua, 2, "two rua URIs");
        ok(uri_is(&rec.rua[0], "mailto:a@example.com"), "rua[0]");
        ok(uri_is(&rec.rua[1], "https://r.example/dmarc"), "rua[1] after \", \"");
        is_int(rec.nruf, 1, "one ruf URI");
        ok(uri_is(&rec.ruf[0], "mailto:f@example.com"), "ruf[0]");
        is_int(rec.nissues, 0, "no issues");
    }
    ma__dmarc_record_free(&rec, ctx);

    if (rec_ok(&rec, M9, "v=DMARC1; p=reject; sp=quarantine", "9989: np follows sp"))
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_QUARANTINE, "np defaults to sp");
    ma__dmarc_record_free(&rec, ctx);

    if (rec_ok(&rec, M9, "v=DMARC1; p=reject; t=n; psd=y", "9989: t=n psd=y")) {
        is_int(rec.t, MA_DMARC_YN_N, "t=n stored");
        is_int(ma__dmarc_record_t(&rec), 0, "t=n effective");
        is_int(ma__dmarc_record_psd(&rec), MA_DMARC_PSD_Y, "psd=y");
    }
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1; p=reject; t=Y; psd=U", "9989: T and PSD values upper case")) {
        is_int(ma__dmarc_record_t(&rec), 1, "t=Y");
        is_int(rec.psd, MA_DMARC_PSD_U, "psd=U");
    }
    ma__dmarc_record_free(&rec, ctx);

    /* pct, rf, ri are not part of 9989 (C.5.2): parsed, reported, ignored */
    r = "v=DMARC1; p=reject; pct=50; rf=afrf; ri=3600";
    if (rec_ok(&rec, M9, r, "9989: pct rf ri ignored")) {
        is_int(rec.has_pct, 0, "9989: pct not stored");
        is_int(ma__dmarc_record_pct(&rec), 100, "9989: pct effective 100");
        is_int(rec.has_ri, 0, "9989: ri not stored");
        is_int(ma__dmarc_record_ri(&rec), 86400, "9989: ri effective default");
        is_int(rec.rf, 0, "9989: rf not stored");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_PCT, offset_of(r, "pct")),
           "9989: pct reported as not in 9989");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_RF, offset_of(r, "rf")),
           "9989: rf reported");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_RI, offset_of(r, "ri")),
           "9989: ri reported");
        is_int(rec.nissues, 3, "9989: three notices");
    }
    ma__dmarc_record_free(&rec, ctx);
    /* invalid values of tags not in the mode are not validated */
    if (rec_ok(&rec, M9, "v=DMARC1; p=reject; pct=500; ri=bob", "9989: bad pct/ri ignored"))
        ok(!has_issue(&rec, MA_DMARC_REC_BAD_VALUE, MA_DMARC_TAG_PCT, -1)
               && has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_PCT, -1),
           "9989: pct=500 is only 'not in mode'");
    ma__dmarc_record_free(&rec, ctx);
}

static void test_all_tags_7489(void)
{
    ma_dmarc_record rec;
    const char *r = "v=DMARC1; p=reject; sp=none; rua=mailto:a@example.com!10m, "
                    "mailto:b@example.net!500; ruf=mailto:f@example.com!1K; adkim=s; aspf=r; "
                    "ri=3600; fo=0:1:d:s; rf=afrf; pct=25";

    if (rec_ok(&rec, M7, r, "7489: all tags")) {
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "p");
        is_int(ma__dmarc_record_sp(&rec), MA_DMARC_POLICY_NONE, "sp");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_NONE, "np = sp in 7489");
        is_int(ma__dmarc_record_adkim(&rec), MA_DMARC_ALIGN_STRICT, "adkim");
        is_int(rec.aspf, MA_DMARC_ALIGN_RELAXED, "aspf=r stored");
        is_int(ma__dmarc_record_ri(&rec), 3600, "ri");
        is_int(ma__dmarc_record_fo(&rec), MA_DMARC_FO_ALL, "fo=0:1:d:s (7489 allows 0 with 1)");
        is_int(rec.rf, MA_DMARC_RF_AFRF, "rf=afrf");
        is_int(ma__dmarc_record_pct(&rec), 25, "pct=25");
        is_int(rec.nrua, 2, "two rua");
        ok(uri_is(&rec.rua[0], "mailto:a@example.com"), "size suffix not in the URI span");
        ok(rec.rua[0].has_size && rec.rua[0].size_num == 10 && rec.rua[0].size_unit == 'm',
           "!10m parsed");
        is_int(ma__dmarc_uri_max_bytes(&rec, &rec.rua[0]), 10485760, "10m = 10 * 2^20");
        ok(rec.rua[1].has_size && rec.rua[1].size_num == 500 && rec.rua[1].size_unit == 0,
           "!500 parsed");
        is_int(ma__dmarc_uri_max_bytes(&rec, &rec.rua[1]), 500, "500 bytes");
        ok(rec.ruf[0].has_size && rec.ruf[0].size_unit == 'k', "!1K: unit case-insensitive");
        is_int(ma__dmarc_uri_max_bytes(&rec, &rec.ruf[0]), 1024, "1k = 1024");
        is_int(rec.nissues, 0, "no issues");
    }
    ma__dmarc_record_free(&rec, ctx);

    /* np, psd, t are unknown to 7489 */
    r = "v=DMARC1; p=reject; sp=quarantine; np=none; psd=y; t=y";
    if (rec_ok(&rec, M7, r, "7489: np psd t ignored")) {
        is_int(rec.np, MA_DMARC_POLICY_UNSET, "7489: np not stored");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_QUARANTINE, "7489: np effective = sp");
        is_int(ma__dmarc_record_psd(&rec), MA_DMARC_PSD_U, "7489: psd effective u");
        is_int(ma__dmarc_record_t(&rec), 0, "7489: t effective n");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_NP, offset_of(r, "np")),
           "7489: np reported");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_PSD, -1), "7489: psd reported");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_T, -1), "7489: t reported");
    }
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M7, "v=DMARC1; p=reject; np=bogus", "7489: invalid np is just unknown")) {
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "7489: np=bogus does not trigger the fallback");
        is_int(rec.policy_fallback, 0, "7489: no fallback for np");
    }
    ma__dmarc_record_free(&rec, ctx);
}

/* ------------------------------------------------------------- v= and list */

static void test_version_and_syntax(void)
{
    ma_dmarc_record rec;
    static const char nul_rec[] = "v=DMARC1; p=no\0ne";
    static const char nul_v[] = "v=DMARC1\0; p=none";
    char big[600];
    size_t i, n = 0;

    fails(M9, "", MA_DMARC_REC_SYNTAX, "", 0, "empty record");
    fails(M9, "   ", MA_DMARC_REC_SYNTAX, "", 3, "whitespace only");
    fails(M9, "p=none", MA_DMARC_REC_VERSION, "v", 0, "no v=");
    fails(M9, "p=none; v=DMARC1", MA_DMARC_REC_VERSION, "v", 8, "v= not first");
    fails(M7, "p=none; v=DMARC1", MA_DMARC_REC_VERSION, "v", 8, "7489: v= not first");
    fails(M9, "v=DMARC2; p=none", MA_DMARC_REC_VERSION, "v", 2, "v=DMARC2");
    fails(M9, "v=dmarc1; p=none", MA_DMARC_REC_VERSION, "v", 2, "v=dmarc1: value case-sensitive");
    fails(M9, "v=DMARC1 p=reject", MA_DMARC_REC_VERSION, "v", 2, "missing ';' after v");
    fails(M9, "v=; p=reject", MA_DMARC_REC_VERSION, "v", 2, "empty v=");
    fails(M9, "; v=DMARC1; p=reject", MA_DMARC_REC_VERSION, "v", 0, "';' before v=");
    fails(M9, "V=BOB", MA_DMARC_REC_VERSION, "v", 2, "V=BOB");
    fails(M9, "v=DMARC1; p=none; v=DMARC1", MA_DMARC_REC_SYNTAX, "v", 18, "v= twice");
    fails(M9, "v=DMARC1; p=none; V=DMARC1", MA_DMARC_REC_SYNTAX, "V", 18, "v= and V=");
    fails(M9, "v=DMARC1; p=none; p=reject", MA_DMARC_REC_SYNTAX, "p", 18, "duplicate p=");
    fails(M9, "v=DMARC1; p=none; P=reject", MA_DMARC_REC_SYNTAX, "P", 18,
          "p= and P= are duplicates (names case-insensitive)");
    fails(M7, "v=DMARC1; p=none; rua=mailto:a@b.example; RUA=mailto:c@d.example",
          MA_DMARC_REC_SYNTAX, "RUA", 42, "rua= and RUA=");
    fails(M9, "v=DMARC1; p=none; foo=1; foo=2", MA_DMARC_REC_SYNTAX, "foo", 25,
          "duplicate unknown tag (RFC 6376 3.2)");
    fails(M9, "v=DMARC1; p=none; =x", MA_DMARC_REC_SYNTAX, "", 18, "tag without a name");
    fails(M9, "v=DMARC1; p=none; rua", MA_DMARC_REC_SYNTAX, "", 21, "tag without '='");
    fails(M9, "v=DMARC1; p=none\n", MA_DMARC_REC_SYNTAX, "p", 16, "bare LF");
    fails(M9, "v=DMARC1; p=none\r", MA_DMARC_REC_SYNTAX, "p", 16, "bare CR");
    fails(M9, "v=DMARC1;\r\np=none", MA_DMARC_REC_SYNTAX, "p", 9, "CRLF without WSP");
    fails_n(M9, 0, nul_rec, sizeof nul_rec - 1, MA_DMARC_REC_SYNTAX, "p", 14,
            "NUL inside a value (explicit length)");
    fails_n(M9, 0, nul_v, sizeof nul_v - 1, MA_DMARC_REC_SYNTAX, "v", 8,
            "NUL after v=DMARC1 (explicit length)");
    fails(M9, "v=DMARC1; p=\xff", MA_DMARC_REC_SYNTAX, "p", 12, "malformed UTF-8");

    /* explicit length: only the first bytes are read */
    if (ok(parse_n(&rec, M9, 0, "v=DMARC1; p=rejectXYZ", 18, &(ma_dmarc_perr){0}) == MA_OK,
           "explicit length shorter than the string"))
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "explicit length: p=reject");
    ma__dmarc_record_free(&rec, ctx);

    /* V= (tag names are case-insensitive; RFC 5234 2.3) */
    if (rec_ok(&rec, M9, "V=DMARC1; P=Reject; SP=NONE; ADKIM=S", "upper-case tag names"))
        ok(rec.p == MA_DMARC_POLICY_REJECT && rec.sp == MA_DMARC_POLICY_NONE
               && rec.adkim == MA_DMARC_ALIGN_STRICT,
           "upper-case names and values understood");
    ma__dmarc_record_free(&rec, ctx);

    /* more than MA_LIMIT_TAGS (64) tags */
    n = (size_t)snprintf(big, sizeof big, "v=DMARC1; p=none");
    for (i = 0; i < 70 && n + 8 < sizeof big; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "; x%zu=1", i);
    fails(M9, big, MA_DMARC_REC_LIMIT, "x62", -2, "more than MA_LIMIT_TAGS tags");
}

static void test_length_limit(void)
{
    ma_ctx *small = NULL;
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    const char *r = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com";

    if (!ok(ma_ctx_new(&small, NULL) == MA_OK, "context for the length limit"))
        return;
    ok(ma_ctx_set_limit(small, MA_LIMIT_TXT_BYTES, 19) == MA_OK, "TXT limit set to 19");
    is_int(ma__dmarc_record_parse(&rec, small, r, strlen(r), M9, 0, &err), MA_ESYNTAX,
           "record above MA_LIMIT_TXT_BYTES refused");
    is_int(err.reason, MA_DMARC_REC_LIMIT, "length: reason LIMIT");
    is_int(err.e.offset, 19, "length: offset is the limit");
    ok(rec.text == NULL, "length: nothing kept");
    is_int(ma__dmarc_record_parse(&rec, small, r, 19, M9, 0, &err), MA_OK,
           "record of exactly the limit accepted");
    ma__dmarc_record_free(&rec, small);
    ma_ctx_free(small);
}

/* -------------------------------------------------------------- policies */

static void test_policy_values(void)
{
    ma_dmarc_record rec;
    const char *r;

    if (rec_ok(&rec, M9, "v=DMARC1; p=REJECT", "p=REJECT"))
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "p value case-insensitive");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1; p=QuArAnTiNe", "p=QuArAnTiNe"))
        is_int(rec.p, MA_DMARC_POLICY_QUARANTINE, "mixed case quarantine");
    ma__dmarc_record_free(&rec, ctx);

    fails(M9, "v=DMARC1; p=bob;", MA_DMARC_REC_BAD_POLICY, "p", 12, "9989: p=bob, no rua");
    fails(M7, "v=DMARC1; p=bob;", MA_DMARC_REC_BAD_POLICY, "p", 12, "7489: p=bob, no rua");
    fails(M9, "v=DMARC1; p=n;", MA_DMARC_REC_BAD_POLICY, "p", 12, "p=n (no abbreviations)");
    fails(M9, "v=DMARC1; p=;", MA_DMARC_REC_BAD_POLICY, "p", 12, "empty p=");
    fails(M9, "v=DMARC1; p=no ne", MA_DMARC_REC_BAD_POLICY, "p", 12, "p with inner space");
    fails(M9, "v=DMARC1; p=none; sp=bob;", MA_DMARC_REC_BAD_POLICY, "sp", 21, "sp=bob, no rua");
    fails(M7, "v=DMARC1; p=none; sp=bob;", MA_DMARC_REC_BAD_POLICY, "sp", 21,
          "7489: sp=bob, no rua");
    fails(M9, "v=DMARC1; p=reject; np=bob", MA_DMARC_REC_BAD_POLICY, "np", 23, "np=bob, no rua");
    fails(M9, "v=DMARC1; p=reject; rua=notauri; sp=x", MA_DMARC_REC_BAD_POLICY, "sp", 36,
          "invalid sp and only an invalid rua URI");

    /* RFC 7489 6.6.3 step 6 */
    fails(M7, "v=DMARC1", MA_DMARC_REC_NO_POLICY, "p", 8, "7489: no p, no rua");
    fails(M7, "v=DMARC1; pct=100;", MA_DMARC_REC_NO_POLICY, "p", 18, "7489: pct but no p");
    fails(M7, "v=DMARC1; ruf=mailto:f@example.com", MA_DMARC_REC_NO_POLICY, "p", -2,
          "7489: ruf does not count for the fallback");
    fails(M7, "v=DMARC1; rua=mailto:", MA_DMARC_REC_NO_POLICY, "p", -2,
          "7489: no p, rua without a valid URI");
    r = "v=DMARC1; rua=mailto:d@example.com";
    if (rec_ok(&rec, M7, r, "7489: no p but a valid rua")) {
        is_int(rec.p, MA_DMARC_POLICY_NONE, "7489 fallback: p=none");
        is_int(rec.policy_fallback, 1, "7489 fallback flagged");
        ok(has_issue(&rec, MA_DMARC_REC_POLICY_FALLBACK, MA_DMARC_TAG_P, (long long)strlen(r)),
           "7489 fallback issue at the end");
        is_int(rec.nrua, 1, "rua kept");
    }
    ma__dmarc_record_free(&rec, ctx);
    r = "v=DMARC1; p=bogus; rua=mailto:d@example.com";
    if (rec_ok(&rec, M7, r, "7489: invalid p with a valid rua")) {
        is_int(rec.p, MA_DMARC_POLICY_NONE, "invalid p -> none");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_VALUE, MA_DMARC_TAG_P, 12), "bad p reported");
        ok(has_issue(&rec, MA_DMARC_REC_POLICY_FALLBACK, MA_DMARC_TAG_P, 12), "fallback reported");
    }
    ma__dmarc_record_free(&rec, ctx);
    r = "v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.com";
    if (rec_ok(&rec, M7, r, "7489: invalid sp with a valid rua")) {
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_NONE,
               "as if the record said p=none: p");
        is_int(ma__dmarc_record_sp(&rec), MA_DMARC_POLICY_NONE, "... and sp");
        ok(has_issue(&rec, MA_DMARC_REC_POLICY_FALLBACK, MA_DMARC_TAG_SP, offset_of(r, "bogus")),
           "fallback caused by sp");
    }
    ma__dmarc_record_free(&rec, ctx);
    r = "v=DMARC1; p=reject; sp=bogus; rua=bad, mailto:d@example.com";
    if (rec_ok(&rec, M7, r, "7489: one valid rua URI among bad ones suffices"))
        ok(rec.policy_fallback && rec.nrua == 1, "fallback with the valid URI");
    ma__dmarc_record_free(&rec, ctx);

    /* RFC 9989 4.7 and 4.10.1 */
    if (rec_ok(&rec, M9, "v=DMARC1", "9989: no p is p=none")) {
        is_int(rec.p, MA_DMARC_POLICY_UNSET, "9989: p absent");
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_NONE, "9989: effective p=none");
        is_int(rec.policy_fallback, 0, "9989: absent p is not a fallback");
        is_int(rec.nissues, 0, "9989: absent p is not an issue");
    }
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1; sp=reject; np=quarantine", "9989: sp without p")) {
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_NONE, "p none");
        is_int(ma__dmarc_record_sp(&rec), MA_DMARC_POLICY_REJECT, "sp kept");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_QUARANTINE, "np kept");
    }
    ma__dmarc_record_free(&rec, ctx);
    r = "v=DMARC1; p=reject; np=bogus; rua=mailto:d@example.com";
    if (rec_ok(&rec, M9, r, "9989: invalid np with a valid rua")) {
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_NONE, "9989 fallback: p none");
        is_int(ma__dmarc_record_np(&rec), MA_DMARC_POLICY_NONE, "9989 fallback: np none");
        ok(has_issue(&rec, MA_DMARC_REC_POLICY_FALLBACK, MA_DMARC_TAG_NP, offset_of(r, "bogus")),
           "9989 fallback caused by np");
    }
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1; p=x; sp=reject; rua=mailto:d@example.com",
               "9989: invalid p with valid sp and rua"))
        is_int(ma__dmarc_record_sp(&rec), MA_DMARC_POLICY_NONE,
               "fallback record has only p=none: sp none");
    ma__dmarc_record_free(&rec, ctx);

    /* RFC 7489: p= second */
    r = "v=DMARC1; rua=mailto:d@example.com; p=reject";
    if (rec_ok(&rec, M7, r, "7489: p not second is accepted")) {
        is_int(rec.p, MA_DMARC_POLICY_REJECT, "misplaced p=reject kept");
        ok(has_issue(&rec, MA_DMARC_REC_P_ORDER, MA_DMARC_TAG_P, offset_of(r, "p=")),
           "misplaced p reported");
    }
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, r, "9989: p anywhere"))
        is_int(rec.nissues, 0, "9989: p order is no issue");
    ma__dmarc_record_free(&rec, ctx);
}

/* ------------------------------------------------------ other tag values */

static void bad_value(ma_dmarc_mode mode, const char *r, ma_dmarc_tag tag, const char *val,
                      const char *what)
{
    ma_dmarc_record rec;
    char buf[200];
    if (rec_ok(&rec, mode, r, what)) {
        snprintf(buf, sizeof buf, "%s: discarded with an issue at the value", what);
        ok(has_issue(&rec, MA_DMARC_REC_BAD_VALUE, tag,
                     *val ? offset_of(r, val) : (long long)strlen(r)), buf);
    }
    ma__dmarc_record_free(&rec, ctx);
}

static void test_alignment_and_flags(void)
{
    ma_dmarc_record rec;

    bad_value(M9, "v=DMARC1; p=none; adkim=bob", MA_DMARC_TAG_ADKIM, "bob", "adkim=bob");
    bad_value(M7, "v=DMARC1; p=none; aspf=bob", MA_DMARC_TAG_ASPF, "bob", "aspf=bob");
    bad_value(M9, "v=DMARC1; p=none; aspf=", MA_DMARC_TAG_ASPF, "", "empty aspf");
    bad_value(M9, "v=DMARC1; p=none; adkim=rs", MA_DMARC_TAG_ADKIM, "rs", "adkim=rs");
    bad_value(M9, "v=DMARC1; p=none; t=u", MA_DMARC_TAG_T, "u", "t=u");
    bad_value(M9, "v=DMARC1; p=none; t=yes", MA_DMARC_TAG_T, "yes", "t=yes");
    bad_value(M9, "v=DMARC1; p=none; psd=x", MA_DMARC_TAG_PSD, "x", "psd=x");
    if (rec_ok(&rec, M9, "v=DMARC1; p=none; adkim=bob; aspf=S", "bad adkim, good aspf")) {
        is_int(rec.adkim, MA_DMARC_ALIGN_UNSET, "bad adkim discarded");
        is_int(ma__dmarc_record_adkim(&rec), MA_DMARC_ALIGN_RELAXED, "bad adkim: default r");
        is_int(ma__dmarc_record_aspf(&rec), MA_DMARC_ALIGN_STRICT, "aspf=S");
        is_int(ma__dmarc_record_p(&rec), MA_DMARC_POLICY_NONE, "p unaffected");
    }
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M9, "v=DMARC1; p=reject; t=x; psd=x", "bad t and psd"))
        ok(ma__dmarc_record_t(&rec) == 0 && ma__dmarc_record_psd(&rec) == MA_DMARC_PSD_U,
           "bad t and psd: defaults");
    ma__dmarc_record_free(&rec, ctx);
}

static void test_numbers(void)
{
    ma_dmarc_record rec;

    if (rec_ok(&rec, M7, "v=DMARC1; p=none; pct=0", "pct=0"))
        ok(rec.has_pct && ma__dmarc_record_pct(&rec) == 0, "pct=0 kept");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; pct=100", "pct=100"))
        is_int(ma__dmarc_record_pct(&rec), 100, "pct=100");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; pct=007", "pct=007"))
        is_int(ma__dmarc_record_pct(&rec), 7, "pct=007 is 7");
    ma__dmarc_record_free(&rec, ctx);
    bad_value(M7, "v=DMARC1; p=none; pct=101", MA_DMARC_TAG_PCT, "101", "pct=101");
    bad_value(M7, "v=DMARC1; p=none; pct=500;", MA_DMARC_TAG_PCT, "500", "pct=500");
    bad_value(M7, "v=DMARC1; p=none; pct=0100", MA_DMARC_TAG_PCT, "0100", "pct=0100 (1*3DIGIT)");
    bad_value(M7, "v=DMARC1; p=none; pct=-1", MA_DMARC_TAG_PCT, "-1", "pct=-1");
    bad_value(M7, "v=DMARC1; p=none; pct=5 0", MA_DMARC_TAG_PCT, "5 0", "pct=5 0");
    bad_value(M7, "v=DMARC1; p=none; pct=", MA_DMARC_TAG_PCT, "", "empty pct");
    bad_value(M7, "v=DMARC1; p=none; pct=99999999999999999999999999", MA_DMARC_TAG_PCT, "999",
              "huge pct");
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; pct=101", "pct=101 record"))
        is_int(ma__dmarc_record_pct(&rec), 100, "bad pct: default 100");
    ma__dmarc_record_free(&rec, ctx);

    if (rec_ok(&rec, M7, "v=DMARC1; p=none; ri=0", "ri=0"))
        ok(rec.has_ri && ma__dmarc_record_ri(&rec) == 0, "ri=0 kept");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; ri=4294967295", "ri=UINT32_MAX"))
        is_int(ma__dmarc_record_ri(&rec), 4294967295u, "ri=4294967295");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; ri=000000000000000000000000000086400",
               "ri with many leading zeros"))
        is_int(ma__dmarc_record_ri(&rec), 86400, "leading zeros: 86400");
    ma__dmarc_record_free(&rec, ctx);
    bad_value(M7, "v=DMARC1; p=none; ri=4294967296", MA_DMARC_TAG_RI, "4294967296",
              "ri=2^32 does not fit 32 bits");
    bad_value(M7, "v=DMARC1; p=none; ri=184467440737095516160", MA_DMARC_TAG_RI, "1844",
              "ri beyond 64 bits");
    bad_value(M7, "v=DMARC1; p=none; ri=bob;", MA_DMARC_TAG_RI, "bob", "ri=bob");
    bad_value(M7, "v=DMARC1; p=none; ri=+5", MA_DMARC_TAG_RI, "+5", "ri=+5");
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; ri=bob", "ri=bob record"))
        is_int(ma__dmarc_record_ri(&rec), 86400, "bad ri: default");
    ma__dmarc_record_free(&rec, ctx);
}

static void fo_is(ma_dmarc_mode mode, const char *val, unsigned want, const char *what)
{
    ma_dmarc_record rec;
    char r[120];
    snprintf(r, sizeof r, "v=DMARC1; p=none; fo=%s", val);
    if (rec_ok(&rec, mode, r, what)) {
        if (want == 0)
            ok(rec.fo == 0 && has_issue(&rec, MA_DMARC_REC_BAD_VALUE, MA_DMARC_TAG_FO, 21)
                   && ma__dmarc_record_fo(&rec) == MA_DMARC_FO_0,
               what);
        else
            ok(rec.fo == want && rec.nissues == 0, what);
    }
    ma__dmarc_record_free(&rec, ctx);
}

static void test_fo_rf(void)
{
    ma_dmarc_record rec;
    const char *r;

    fo_is(M9, "0", MA_DMARC_FO_0, "fo=0");
    fo_is(M9, "1", MA_DMARC_FO_1, "fo=1");
    fo_is(M9, "d", MA_DMARC_FO_D, "fo=d");
    fo_is(M9, "s", MA_DMARC_FO_S, "fo=s");
    fo_is(M9, "D:S", MA_DMARC_FO_D | MA_DMARC_FO_S, "fo=D:S case-insensitive");
    fo_is(M9, "d:s:0", MA_DMARC_FO_0 | MA_DMARC_FO_D | MA_DMARC_FO_S, "fo=d:s:0 any order");
    fo_is(M7, "1 : d", MA_DMARC_FO_1 | MA_DMARC_FO_D, "fo=1 : d whitespace");
    fo_is(M9, "0:1", 0, "9989: fo=0:1 mutually exclusive");
    fo_is(M7, "0:1", MA_DMARC_FO_0 | MA_DMARC_FO_1, "7489: fo=0:1 allowed");
    fo_is(M9, "d:d", 0, "9989: fo=d:d repeated");
    fo_is(M7, "d:d", MA_DMARC_FO_D, "7489: fo=d:d allowed");
    fo_is(M9, "x", 0, "fo=x");
    fo_is(M9, "0:", 0, "fo=0: empty item");
    fo_is(M9, ":0", 0, "fo=:0 empty item");
    fo_is(M9, "", 0, "empty fo");
    fo_is(M9, "01", 0, "fo=01");
    fo_is(M9, "0;", MA_DMARC_FO_0, "fo=0 with a trailing ';'");
    /* OpenDMARC's "fo=1:s rua=..." (missing ';') */
    r = "v=DMARC1; p=none; fo=1:s rua=mailto:dmarc-a@example.net; ruf=mailto:f@example.net";
    if (rec_ok(&rec, M7, r, "missing ';' after fo")) {
        ok(rec.fo == 0 && has_issue(&rec, MA_DMARC_REC_BAD_VALUE, MA_DMARC_TAG_FO, 21),
           "fo swallowing rua is invalid");
        is_int(rec.nrua, 0, "the swallowed rua is not seen");
        is_int(rec.nruf, 1, "ruf still seen");
    }
    ma__dmarc_record_free(&rec, ctx);

    if (rec_ok(&rec, M7, "v=DMARC1; p=none; rf=AFRF", "rf=AFRF"))
        ok(rec.rf == MA_DMARC_RF_AFRF && rec.nissues == 0, "rf=AFRF known");
    ma__dmarc_record_free(&rec, ctx);
    r = "v=DMARC1; p=none; rf=afrf:iodef";
    if (rec_ok(&rec, M7, r, "rf=afrf:iodef"))
        ok(rec.rf == MA_DMARC_RF_AFRF
               && has_issue(&rec, MA_DMARC_REC_UNKNOWN_FORMAT, MA_DMARC_TAG_RF, 21),
           "unknown format ignored, afrf kept");
    ma__dmarc_record_free(&rec, ctx);
    r = "v=DMARC1; p=none; rf=bob;";
    if (rec_ok(&rec, M7, r, "rf=bob"))
        ok(rec.rf == 0 && ma__dmarc_record_rf(&rec) == MA_DMARC_RF_AFRF
               && has_issue(&rec, MA_DMARC_REC_UNKNOWN_FORMAT, MA_DMARC_TAG_RF, 21),
           "rf=bob: no known format, default afrf");
    ma__dmarc_record_free(&rec, ctx);
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; rf=000000000000000000000000000000000",
               "rf=000... (a valid keyword)"))
        ok(has_issue(&rec, MA_DMARC_REC_UNKNOWN_FORMAT, MA_DMARC_TAG_RF, 21), "rf=000: unknown");
    ma__dmarc_record_free(&rec, ctx);
    bad_value(M7, "v=DMARC1; p=none; rf=afrf-", MA_DMARC_TAG_RF, "afrf-", "rf=afrf- (keyword)");
    bad_value(M7, "v=DMARC1; p=none; rf=af rf", MA_DMARC_TAG_RF, "af rf", "rf with a space");
    bad_value(M7, "v=DMARC1; p=none; rf=afrf:", MA_DMARC_TAG_RF, "afrf:", "rf=afrf:");
    bad_value(M7, "v=DMARC1; p=none; rf=", MA_DMARC_TAG_RF, "", "empty rf");
    if (rec_ok(&rec, M7, "v=DMARC1; p=none; rf=afrf : afrf", "rf list with spaces"))
        ok(rec.rf == MA_DMARC_RF_AFRF && rec.nissues == 0, "rf=afrf : afrf");
    ma__dmarc_record_free(&rec, ctx);
}

/* ------------------------------------------------------------------ URIs */

static void test_uris(void)
{
    ma_dmarc_record rec;
    char r[4000];
    size_t i, n;
    const char *t;

    t = "v=DMARC1; p=none; rua=mailto:a@x.example , mailto:b@y.example,mailto:c@z.example";
    if (rec_ok(&rec, M9, t, "three rua URIs with spacing"))
        ok(rec.nrua == 3 && uri_is(&rec.rua[0], "mailto:a@x.example")
               && uri_is(&rec.rua[1], "mailto:b@y.example")
               && uri_is(&rec.rua[2], "mailto:c@z.example"),
           "spaces around ',' trimmed");
    ma__dmarc_record_free(&rec, ctx);

    /* valid URI shapes */
    t = "v=DMARC1; p=none; rua=ftp://abuse.example, https://r.example/x?y=1&z=%2C#frag, "
        "mailto:a%2Cb@x.example?subject=dmarc, http://[2001:db8::1]:8080/r, "
        "MAILTO:Up@Example.COM, x-y.z+1:opaque";
    if (rec_ok(&rec, M9, t, "valid URI shapes")) {
        is_int(rec.nrua, 6, "all six kept");
        is_int(rec.nissues, 0, "no issues");
    }
    ma__dmarc_record_free(&rec, ctx);

    /* invalid entries dropped one by one */
    t = "v=DMARC1; p=none; rua=mailto:, mailto://abuse.example, noscheme, 1http://x, "
        "mailto:a@b c, mailto:a%ZZ@x.example, mailto:[a]@x.example, mailto:@x.example, "
        "mailto:a@, mailto:\xc3\xa9@x.example, ,mailto:ok@x.example,, http://x/a#b#c";
    if (rec_ok(&rec, M7, t, "invalid URIs")) {
        is_int(rec.nrua, 1, "only the valid one kept");
        ok(rec.nrua == 1 && uri_is(&rec.rua[0], "mailto:ok@x.example"), "the valid one");
        is_int(rec.nissues, 13, "one issue per bad entry");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:,")),
           "mailto: without address");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto://")),
           "mailto://abuse.example");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "noscheme")),
           "no scheme");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "1http")),
           "scheme starting with a digit");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:a@b c")),
           "space inside a URI");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:a%ZZ")),
           "bad percent-encoding");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:[")),
           "brackets outside an authority");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:@")),
           "empty local part");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:a@,")),
           "empty domain");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "mailto:\xc3")),
           "non-ASCII URI");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA,
                     offset_of(t, ", ,mailto:ok") + 1),
           "blank entry");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, ",, http") + 1),
           "empty entry between commas");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, offset_of(t, "http://x/a#b")),
           "two fragments");
        ok(!rec.issues_dropped, "issues all kept");
    }
    ma__dmarc_record_free(&rec, ctx);
    t = "v=DMARC1; p=none; ruf=mailto:a@x.example!, mailto:a@x.example!10x, mailto:a@x.example!m, "
        "mailto:a@x.example!18446744073709551616, mailto:a@x.example!1!2, mailto:a\"b@x.example, "
        "mailto:a@x.example!1 0, mailto:a@x.example !1";
    if (rec_ok(&rec, M7, t, "invalid sizes")) {
        is_int(rec.nruf, 0, "no ruf URI kept");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "!,")),
           "'!' without a number");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "!10x")),
           "bad unit");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "!m")),
           "unit without a number");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "!1844")),
           "size beyond 64 bits");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "!1!2")),
           "two '!'");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "mailto:a\"")),
           "a quote in a URI");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF, offset_of(t, "!1 0")),
           "space inside a size");
        ok(has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUF,
                     offset_of(t, "mailto:a@x.example !")),
           "space before '!'");
    }
    ma__dmarc_record_free(&rec, ctx);
    n = (size_t)snprintf(r, sizeof r, "v=DMARC1; p=none; rua=");
    for (i = 0; i < MA_DMARC_MAX_ISSUES + 3; i++)
        n += (size_t)snprintf(r + n, sizeof r - n, "%sbad%zu", i ? "," : "", i);
    if (rec_ok(&rec, M9, r, "more bad URIs than issues are kept")) {
        is_int(rec.nissues, MA_DMARC_MAX_ISSUES, "issues capped");
        ok(rec.issues_dropped, "dropped issues flagged");
    }
    ma__dmarc_record_free(&rec, ctx);

    bad_value(M9, "v=DMARC1; p=none; rua=", MA_DMARC_TAG_RUA, "", "empty rua");

    /* sizes */
    t = "v=DMARC1; p=none; rua=mailto:a@x.example!18446744073709551615, "
        "mailto:b@x.example!18446744073709551615t, mailto:c@x.example!0, mailto:d@x.example!1g,"
        "mailto:e@x.example!2T, mailto:f@x.example!0000000000000000000000000010m";
    if (rec_ok(&rec, M7, t, "7489: size extremes")) {
        ok(rec.nrua == 6 && rec.rua[0].size_num == UINT64_MAX, "2^64-1 fits");
        ok(rec.nrua == 6 && rec.rua[5].size_num == 10 && rec.rua[5].size_unit == 'm',
           "leading zeros beyond 20 digits (1*DIGIT)");
        ok(ma__dmarc_uri_max_bytes(&rec, &rec.rua[0]) == UINT64_MAX, "2^64-1 bytes");
        ok(ma__dmarc_uri_max_bytes(&rec, &rec.rua[1]) == UINT64_MAX, "2^64-1 t saturates");
        ok(rec.rua[2].has_size && ma__dmarc_uri_max_bytes(&rec, &rec.rua[2]) == 0, "!0");
        ok(ma__dmarc_uri_max_bytes(&rec, &rec.rua[3]) == ((uint64_t)1 << 30), "1g = 2^30");
        ok(ma__dmarc_uri_max_bytes(&rec, &rec.rua[4]) == ((uint64_t)2 << 40), "2T = 2^41");
    }
    ma__dmarc_record_free(&rec, ctx);
    t = "v=DMARC1; p=none; rua=mailto:a@x.example!10m; ruf=mailto:f@x.example!5k";
    if (rec_ok(&rec, M9, t, "9989: sizes are obsolete")) {
        ok(rec.nrua == 1 && uri_is(&rec.rua[0], "mailto:a@x.example") && !rec.rua[0].has_size,
           "9989: size dropped, URI kept");
        ok(rec.nruf == 1 && !rec.ruf[0].has_size, "9989: ruf size dropped");
        is_int(ma__dmarc_uri_max_bytes(&rec, &rec.rua[0]), 0, "9989: no size limit");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_RUA, offset_of(t, "!10m")),
           "9989: size reported at '!'");
        ok(has_issue(&rec, MA_DMARC_REC_NOT_IN_MODE, MA_DMARC_TAG_RUF, offset_of(t, "!5k")),
           "9989: ruf size reported");
    }
    ma__dmarc_record_free(&rec, ctx);
    t = "v=DMARC1; p=none; rua=mailto:a@x.example!10x";
    if (rec_ok(&rec, M9, t, "9989: bad size still makes the URI invalid"))
        ok(rec.nrua == 0 && has_issue(&rec, MA_DMARC_REC_BAD_URI, MA_DMARC_TAG_RUA, -1),
           "9989: obs size syntax still checked");
    ma__dmarc_record_free(&rec, ctx);

    /* count */
    n = (size_t)snprintf(r, sizeof r, "v=DMARC1; p=none; rua=");
    for (i = 0; i < 12; i++)
        n += (size_t)snprintf(r + n, sizeof r - n, "%smailto:r%zu@x.example", i ? "," : "", i);
    if (rec_ok(&rec, M9, r, "twelve URIs")) {
        is_int(rec.nrua, 8, "MA_LIMIT_DMARC_URIS (8 by default) kept");
        ok(uri_is(&rec.rua[7], "mailto:r7@x.example"), "the first ones");
        ok(has_issue(&rec, MA_DMARC_REC_URI_COUNT, MA_DMARC_TAG_RUA, offset_of(r, "mailto:r8@")),
           "count issue at the first URI dropped");
        is_int(rec.nissues, 1, "one count issue only");
    }
    ma__dmarc_record_free(&rec, ctx);
    {
        /* The bound is the context's limit, lowered or raised. */
        ma_ctx *c2 = NULL;
        ma_dmarc_perr perr;
        ma_ctx_new(&c2, NULL);
        ma_ctx_set_limit(c2, MA_LIMIT_DMARC_URIS, 3);
        is_int(ma__dmarc_record_parse(&rec, c2, r, strlen(r), M9, 0, &perr), MA_OK, "limit 3: parses");
        is_int(rec.nrua, 3, "limit 3: three URIs kept");
        ok(has_issue(&rec, MA_DMARC_REC_URI_COUNT, MA_DMARC_TAG_RUA, offset_of(r, "mailto:r3@")),
           "limit 3: count issue at the fourth");
        ma__dmarc_record_free(&rec, c2);
        ma_ctx_set_limit(c2, MA_LIMIT_DMARC_URIS, 100);
        is_int(ma__dmarc_record_parse(&rec, c2, r, strlen(r), M9, 0, &perr), MA_OK, "limit 100: parses");
        is_int(rec.nrua, 12, "limit 100: all twelve kept");
        ok(uri_is(&rec.rua[11], "mailto:r11@x.example"), "limit 100: the last one");
        ma__dmarc_record_free(&rec, c2);
        ma_ctx_free(c2);
    }

    /* length */
    n = (size_t)snprintf(r, sizeof r, "v=DMARC1; p=none; rua=mailto:a@");
    while (n < 18 + 4 + MA_DMARC_MAX_URI_LEN)
        r[n++] = 'x';
    r[n] = '\0';
    if (rec_ok(&rec, M9, r, "URI of exactly MA_DMARC_MAX_URI_LEN"))
        ok(rec.nrua == 1 && rec.rua[0].len == MA_DMARC_MAX_URI_LEN, "longest URI kept");
    ma__dmarc_record_free(&rec, ctx);
    r[n++] = 'x';
    r[n] = '\0';
    if (rec_ok(&rec, M9, r, "URI one byte too long"))
        ok(rec.nrua == 0 && has_issue(&rec, MA_DMARC_REC_URI_LENGTH, MA_DMARC_TAG_RUA, 22),
           "too long URI dropped");
    ma__dmarc_record_free(&rec, ctx);

    is_int(ma__dmarc_uri_valid("mailto:a@b", 10), 1, "uri_valid: mailto:a@b");
    is_int(ma__dmarc_uri_valid("mailto:a@b", 9), 0, "uri_valid: explicit length (mailto:a@)");
    is_int(ma__dmarc_uri_valid("mailto:a@b;c", 12), 0, "uri_valid: ';' refused");
    is_int(ma__dmarc_uri_valid("mailto:a@b,c", 12), 0, "uri_valid: ',' refused");
    is_int(ma__dmarc_uri_valid("mailto:a@b!1", 12), 0, "uri_valid: '!' refused");
    is_int(ma__dmarc_uri_valid("http:", 5), 0, "uri_valid: nothing after the scheme");
    is_int(ma__dmarc_uri_valid("http://x%4", 10), 0, "uri_valid: truncated %-escape");
    is_int(ma__dmarc_uri_valid(NULL, 0), 0, "uri_valid: NULL");
}

/* ----------------------------------------------------------------- strict */

static void test_strict(void)
{
    ma_dmarc_record rec;
    const char *t;

    t = "v=DMARC1; p=none; adkim=x";
    fails_n(M9, MA_DMARC_PARSE_STRICT, t, strlen(t), MA_DMARC_REC_BAD_VALUE, "adkim", 24,
            "strict: bad adkim");
    t = "v=DMARC1; p=none; rua=mailto:a@x.example, bad";
    fails_n(M9, MA_DMARC_PARSE_STRICT, t, strlen(t), MA_DMARC_REC_BAD_URI, "rua", 42,
            "strict: bad URI");
    t = "v=DMARC1; rua=mailto:a@x.example; p=none";
    fails_n(M7, MA_DMARC_PARSE_STRICT, t, strlen(t), MA_DMARC_REC_P_ORDER, "p", 34,
            "strict 7489: p order");
    t = "v=DMARC1; rua=mailto:a@x.example";
    fails_n(M7, MA_DMARC_PARSE_STRICT, t, strlen(t), MA_DMARC_REC_POLICY_FALLBACK, "p",
            (long long)strlen(t), "strict 7489: missing p");
    t = "v=DMARC1; p=none; rf=iodef";
    fails_n(M7, MA_DMARC_PARSE_STRICT, t, strlen(t), MA_DMARC_REC_UNKNOWN_FORMAT, "rf", 21,
            "strict: unregistered rf");
    {
        char r[1200];
        size_t i, n = (size_t)snprintf(r, sizeof r, "v=DMARC1; p=none; rua=");
        for (i = 0; i < 2 * 8; i++)
            n += (size_t)snprintf(r + n, sizeof r - n, "%smailto:a%zu@x.example!1",
                                  i == 8 ? "; ruf=" : i ? "," : "", i);
        n += (size_t)snprintf(r + n, sizeof r - n, "; pct=1; adkim=x");
        if (rec_ok(&rec, M9, r, "lenient: many notices, then an error")) {
            ok(rec.issues_dropped && rec.nissues == MA_DMARC_MAX_ISSUES && rec.nerrors == 1,
               "notices fill the list; the error is counted");
            ok(rec.first_error.reason == MA_DMARC_REC_BAD_VALUE
                   && rec.first_error.tag == MA_DMARC_TAG_ADKIM
                   && (long long)rec.first_error.offset == offset_of(r, "adkim=x") + 6,
               "first error kept though dropped from the list");
        }
        ma__dmarc_record_free(&rec, ctx);
        fails_n(M9, MA_DMARC_PARSE_STRICT, r, n, MA_DMARC_REC_BAD_VALUE, "adkim",
                offset_of(r, "adkim=x") + 6, "strict: an error after a full issue list");
    }
    t = "v=DMARC1; p=reject; pct=50; rua=mailto:a@x.example!10m";
    if (ok(parse_n(&rec, M9, MA_DMARC_PARSE_STRICT, t, strlen(t), &(ma_dmarc_perr){0}) == MA_OK,
           "strict 9989: tags and sizes of 7489 are only notices"))
        is_int(rec.nissues, 2, "strict: notices kept");
    ma__dmarc_record_free(&rec, ctx);
}

/* -------------------------------------------------------------- arguments */

static void test_arguments(void)
{
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    const char *t = "v=DMARC1; p=none";

    is_int(ma__dmarc_record_parse(NULL, ctx, t, 16, M9, 0, &err), MA_EINVAL, "NULL rec");
    is_int(ma__dmarc_record_parse(&rec, NULL, t, 16, M9, 0, &err), MA_EINVAL, "NULL ctx");
    is_int(ma__dmarc_record_parse(&rec, ctx, t, 16, M9, 0, NULL), MA_EINVAL, "NULL err");
    is_int(ma__dmarc_record_parse(&rec, ctx, NULL, 3, M9, 0, &err), MA_EINVAL, "NULL txt, len 3");
    is_int(err.e.offset, -1, "EINVAL: offset -1");
    is_int(ma__dmarc_record_parse(&rec, ctx, t, 16, (ma_dmarc_mode)7, 0, &err), MA_EINVAL,
           "unknown mode");
    is_int(ma__dmarc_record_parse(&rec, ctx, t, 16, M9, 0x80, &err), MA_EINVAL, "unknown flag");
    is_int(ma__dmarc_record_parse(&rec, ctx, NULL, 0, M9, 0, &err), MA_ESYNTAX,
           "NULL txt with len 0 is an empty record");
    is_int(err.reason, MA_DMARC_REC_SYNTAX, "empty: syntax");
    ma__dmarc_record_free(&rec, ctx);
    ma__dmarc_record_free(NULL, ctx);
    ok(1, "free(NULL) is harmless");

    is_int(ma__dmarc_record_p(NULL), MA_DMARC_POLICY_UNSET, "p(NULL)");
    is_int(ma__dmarc_record_pct(NULL), 100, "pct(NULL)");
    is_int(ma__dmarc_uri_max_bytes(NULL, NULL), 0, "max_bytes(NULL)");
    is_str(ma__dmarc_tag_name(MA_DMARC_TAG_ADKIM), "adkim", "tag name");
    ok(ma__dmarc_tag_name(MA_DMARC_TAG_COUNT) == NULL, "tag name out of range");
    is_str(ma__dmarc_policy_str(MA_DMARC_POLICY_QUARANTINE), "quarantine", "policy name");
    ok(ma__dmarc_policy_str((ma_dmarc_policy)9) == NULL, "policy name out of range");
    ok(strcmp(ma__dmarc_rec_reason_str(MA_DMARC_REC_POLICY_FALLBACK), "unknown reason") != 0
           && strcmp(ma__dmarc_rec_reason_str((ma_dmarc_rec_reason)99), "unknown reason") == 0,
       "reason texts");
}

/* ------------------------------------------------------------------ OOM */

static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *c = NULL;
    ma_dmarc_record rec;
    ma_dmarc_perr err;
    const char *t = "v=DMARC1; p=reject; rua=mailto:a@x.example";
    long k;
    int saw_enomem = 0, final_ok = 0;

    if (!ok(ta_ctx_new(&c, &st) == MA_OK, "counting context"))
        return;
    for (k = 1; k <= 10; k++) {
        int rc;
        ta_fail_once(&st, k);
        rc = ma__dmarc_record_parse(&rec, c, t, strlen(t), M9, 0, &err);
        if (rc == MA_ENOMEM) {
            saw_enomem = 1;
            if (err.e.offset != -1 || rec.text != NULL)
                break;
        } else if (rc == MA_OK) {
            final_ok = rec.p == MA_DMARC_POLICY_REJECT;
            ma__dmarc_record_free(&rec, c);
            break;
        } else {
            break;
        }
    }
    ta_fail_never(&st);
    ok(saw_enomem, "allocation failures give MA_ENOMEM");
    ok(final_ok, "parse succeeds once allocations do");
    is_int(st.live, 1, "nothing leaked (only the context is live)");
    ma_ctx_free(c);
}

/* ----------------------------------------------------------------- writer */

static void write_is(const ma_dmarc_record *rec, unsigned flags, const char *want,
                     const char *what)
{
    ma_buf b;
    ma__buf_init(&b, ctx);
    if (ok(ma__dmarc_record_write(&b, rec, flags) == MA_OK, what))
        is_str(b.data, want, what);
    ma__buf_free(&b);
}

static void write_fails(const ma_dmarc_record *rec, const char *what)
{
    ma_buf b;
    ma__buf_init(&b, ctx);
    ma__buf_append(&b, "keep", 4);
    is_int(ma__dmarc_record_write(&b, rec, 0), MA_EINVAL, what);
    ok(b.len == 4 && strcmp(b.data, "keep") == 0, "refused write leaves the buffer alone");
    ma__buf_free(&b);
}

/* parse -> write -> parse: equal, no issues; write again: same text. */
static void round_trip(ma_dmarc_mode mode, const char *txt, const char *want, const char *what)
{
    ma_dmarc_record a, b;
    ma_dmarc_perr err;
    ma_buf w1, w2;
    char buf[200];

    ma__buf_init(&w1, ctx);
    ma__buf_init(&w2, ctx);
    if (!rec_ok(&a, mode, txt, what))
        goto out;
    snprintf(buf, sizeof buf, "%s: written", what);
    if (!ok(ma__dmarc_record_write(&w1, &a, 0) == MA_OK, buf))
        goto out;
    if (want != NULL) {
        snprintf(buf, sizeof buf, "%s: text", what);
        is_str(w1.data, want, buf);
    }
    snprintf(buf, sizeof buf, "%s: reparsed without issues", what);
    if (!ok(parse_n(&b, mode, MA_DMARC_PARSE_STRICT, w1.data, w1.len, &err) == MA_OK
                && b.nissues == 0,
            buf)) {
        printf("#   %s: %s\n", w1.data, err.e.text);
        goto out;
    }
    snprintf(buf, sizeof buf, "%s: same record", what);
    ok(ma__dmarc_record_equal(&a, &b), buf);
    snprintf(buf, sizeof buf, "%s: written again identically", what);
    ok(ma__dmarc_record_write(&w2, &b, 0) == MA_OK && w1.len == w2.len
           && strcmp(w1.data, w2.data) == 0,
       buf);
    ma__dmarc_record_free(&b, ctx);
    ma__buf_reset(&w2);
    snprintf(buf, sizeof buf, "%s: WRITE_ALL reparses to the same record", what);
    ok(ma__dmarc_record_write(&w2, &a, MA_DMARC_WRITE_ALL) == MA_OK
           && parse_n(&b, mode, MA_DMARC_PARSE_STRICT, w2.data, w2.len, &err) == MA_OK
           && ma__dmarc_record_equal(&a, &b),
       buf);
    ma__dmarc_record_free(&b, ctx);
out:
    ma__dmarc_record_free(&a, ctx);
    ma__buf_free(&w1);
    ma__buf_free(&w2);
}

static void test_writer(void)
{
    ma_dmarc_record rec, other;
    ma_dmarc_uri other_rua[4], other_ruf[4];
    static const char u1[] = "mailto:a@x.example", u2[] = "mailto:b@y.example";

    tool_init(&rec, M9);
    rec.p = MA_DMARC_POLICY_REJECT;
    rec.rua[0].uri = u1;
    rec.rua[0].len = sizeof u1 - 1;
    rec.rua[1].uri = u2;
    rec.rua[1].len = sizeof u2 - 1;
    rec.nrua = 2;
    write_is(&rec, 0, "v=DMARC1; p=reject; rua=mailto:a@x.example,mailto:b@y.example",
             "tool-built 9989 record");
    rec.adkim = MA_DMARC_ALIGN_RELAXED;
    rec.sp = MA_DMARC_POLICY_REJECT;
    rec.np = MA_DMARC_POLICY_REJECT;
    rec.psd = MA_DMARC_PSD_U;
    rec.t = MA_DMARC_YN_N;
    rec.fo = MA_DMARC_FO_0;
    write_is(&rec, 0, "v=DMARC1; p=reject; rua=mailto:a@x.example,mailto:b@y.example",
             "explicit defaults are not written");
    rec.sp = MA_DMARC_POLICY_QUARANTINE;
    rec.np = MA_DMARC_POLICY_QUARANTINE;
    rec.t = MA_DMARC_YN_Y;
    rec.psd = MA_DMARC_PSD_N;
    rec.aspf = MA_DMARC_ALIGN_STRICT;
    rec.fo = MA_DMARC_FO_1 | MA_DMARC_FO_S;
    rec.ruf[0] = rec.rua[0];
    rec.nruf = 1;
    write_is(&rec, 0,
             "v=DMARC1; p=reject; sp=quarantine; aspf=s; t=y; psd=n; fo=1:s; "
             "rua=mailto:a@x.example,mailto:b@y.example; ruf=mailto:a@x.example",
             "non-defaults in canonical order (np equal to sp omitted)");

    tool_init(&rec, M9);
    write_is(&rec, 0, "v=DMARC1", "9989: empty record");
    write_is(&rec, MA_DMARC_WRITE_ALL,
             "v=DMARC1; p=none; sp=none; np=none; adkim=r; aspf=r; t=n; psd=u; fo=0",
             "9989: WRITE_ALL");
    tool_init(&rec, M7);
    rec.p = MA_DMARC_POLICY_QUARANTINE;
    write_is(&rec, MA_DMARC_WRITE_ALL,
             "v=DMARC1; p=quarantine; sp=quarantine; adkim=r; aspf=r; pct=100; fo=0; rf=afrf; "
             "ri=86400",
             "7489: WRITE_ALL");
    rec.has_pct = 1;
    rec.pct = 0;
    rec.has_ri = 1;
    rec.ri = 3600;
    rec.rua[0].uri = u1;
    rec.rua[0].len = sizeof u1 - 1;
    rec.rua[0].has_size = 1;
    rec.rua[0].size_num = 50;
    rec.rua[0].size_unit = 'm';
    rec.rua[1] = rec.rua[0];
    rec.rua[1].size_unit = 0;
    rec.nrua = 2;
    write_is(&rec, 0,
             "v=DMARC1; p=quarantine; pct=0; ri=3600; "
             "rua=mailto:a@x.example!50m,mailto:a@x.example!50",
             "7489: pct, ri and sizes");

    /* appends */
    {
        ma_buf b;
        ma__buf_init(&b, ctx);
        ma__buf_append(&b, "TXT: ", 5);
        ok(ma__dmarc_record_write(&b, &rec, 0) == MA_OK
               && strncmp(b.data, "TXT: v=DMARC1", 13) == 0,
           "writer appends");
        ma__buf_free(&b);
    }

    /* refusals */
    tool_init(&rec, M7);
    write_fails(&rec, "7489 without p");
    rec.p = MA_DMARC_POLICY_NONE;
    rec.np = MA_DMARC_POLICY_REJECT;
    write_fails(&rec, "7489 with np");
    rec.np = MA_DMARC_POLICY_UNSET;
    rec.t = MA_DMARC_YN_Y;
    write_fails(&rec, "7489 with t");
    rec.t = MA_DMARC_YN_UNSET;
    rec.psd = MA_DMARC_PSD_Y;
    write_fails(&rec, "7489 with psd");
    rec.psd = MA_DMARC_PSD_UNSET;
    rec.has_pct = 1;
    rec.pct = 101;
    write_fails(&rec, "pct 101");
    rec.pct = 100;
    rec.rf = 2;
    write_fails(&rec, "unknown rf bit");
    rec.rf = 0;
    rec.rua[0].uri = u1;
    rec.rua[0].len = sizeof u1 - 1;
    rec.rua[0].has_size = 1;
    rec.rua[0].size_unit = 'K';
    rec.nrua = 1;
    write_fails(&rec, "upper-case size unit");
    rec.rua[0].size_unit = 'x';
    write_fails(&rec, "bad size unit");
    rec.rua[0].size_unit = 't';
    {
        ma_buf b;
        ma__buf_init(&b, ctx);
        ok(ma__dmarc_record_write(&b, &rec, 0) == MA_OK, "7489 size unit t accepted");
        ma__buf_free(&b);
    }
    rec.rua[0].uri = "mailto:a,b@x.example";
    rec.rua[0].len = 20;
    write_fails(&rec, "URI with ','");
    rec.rua[0].uri = "mailto:a@x.example; p=none";
    rec.rua[0].len = 26;
    write_fails(&rec, "URI with '; ' (tag injection)");
    rec.rua[0].uri = u1;
    rec.rua[0].len = sizeof u1 - 1;
    rec.max_uris = 8;
    rec.nrua = 9;
    write_fails(&rec, "more URIs than the record's bound");
    rec.max_uris = 0;
    rec.nrua = 1;
    rec.adkim = (ma_dmarc_align)3;
    write_fails(&rec, "adkim out of range");
    rec.adkim = MA_DMARC_ALIGN_UNSET;
    rec.fo = 16;
    write_fails(&rec, "fo bit out of range");

    tool_init(&rec, M9);
    rec.has_pct = 1;
    rec.pct = 50;
    write_fails(&rec, "9989 with pct");
    rec.has_pct = 0;
    rec.has_ri = 1;
    write_fails(&rec, "9989 with ri");
    rec.has_ri = 0;
    rec.rf = MA_DMARC_RF_AFRF;
    write_fails(&rec, "9989 with rf");
    rec.rf = 0;
    rec.fo = MA_DMARC_FO_0 | MA_DMARC_FO_1;
    write_fails(&rec, "9989 fo=0:1");
    rec.fo = 0;
    rec.ruf[0].uri = u1;
    rec.ruf[0].len = sizeof u1 - 1;
    rec.ruf[0].has_size = 1;
    rec.nruf = 1;
    write_fails(&rec, "9989 with a report size");
    rec.nruf = 0;
    rec.p = (ma_dmarc_policy)4;
    write_fails(&rec, "p out of range");
    rec.p = MA_DMARC_POLICY_NONE;
    is_int(ma__dmarc_record_write(NULL, &rec, 0), MA_EINVAL, "NULL out");
    {
        ma_buf b;
        ma__buf_init(&b, ctx);
        is_int(ma__dmarc_record_write(&b, NULL, 0), MA_EINVAL, "NULL record");
        is_int(ma__dmarc_record_write(&b, &rec, 0x10), MA_EINVAL, "unknown write flag");
        ma__buf_free(&b);
    }

    /* equality */
    tool_init(&rec, M9);
    ma__dmarc_record_init(&other, M9);
    other.rua = other_rua;
    other.cap_rua = 4;
    other.ruf = other_ruf;
    other.cap_ruf = 4;
    rec.p = MA_DMARC_POLICY_NONE;
    ok(ma__dmarc_record_equal(&rec, &other), "equal: explicit p=none vs implied (9989)");
    other.mode = M7;
    ok(!ma__dmarc_record_equal(&rec, &other), "not equal: modes differ");
    other.mode = M9;
    rec.rua[0].uri = u1;
    rec.rua[0].len = sizeof u1 - 1;
    rec.nrua = 1;
    other.rua[0].uri = u2;
    other.rua[0].len = sizeof u2 - 1;
    other.nrua = 1;
    ok(!ma__dmarc_record_equal(&rec, &other), "not equal: URIs differ");
    other.rua[0] = rec.rua[0];
    ok(ma__dmarc_record_equal(&rec, &other), "equal: same URI");
    other.adkim = MA_DMARC_ALIGN_STRICT;
    ok(!ma__dmarc_record_equal(&rec, &other), "not equal: adkim differs");
    ok(!ma__dmarc_record_equal(&rec, NULL) && ma__dmarc_record_equal(NULL, NULL), "equal: NULL");

    /* round trips of parsed records */
    round_trip(M9, "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
               "v=DMARC1; p=reject; rua=mailto:dmarc@example.com", "rt 9989 basic");
    round_trip(M9,
               "v=DMARC1;p=QUARANTINE;sp=reject;np=NONE;adkim=S;aspf=s;t=Y;psd=y;fo=s:D:1;"
               "rua=mailto:a@x.example , mailto:b@x.example;ruf=https://f.example/r",
               "v=DMARC1; p=quarantine; sp=reject; np=none; adkim=s; aspf=s; t=y; psd=y; "
               "fo=1:d:s; rua=mailto:a@x.example,mailto:b@x.example; ruf=https://f.example/r",
               "rt 9989 all tags");
    round_trip(M9, "v=DMARC1", "v=DMARC1", "rt 9989 bare");
    round_trip(M9, "v=DMARC1; sp=reject", "v=DMARC1; sp=reject", "rt 9989 sp without p");
    round_trip(M9, "v=DMARC1; p=none; sp=none; np=reject", "v=DMARC1; p=none; np=reject",
               "rt 9989 redundant sp dropped");
    round_trip(M9, "v=DMARC1; p=reject; pct=10; rua=mailto:a@x.example!10m",
               "v=DMARC1; p=reject; rua=mailto:a@x.example", "rt 9989 7489-only parts dropped");
    round_trip(M9, "v=DMARC1; p=bogus; rua=mailto:a@x.example",
               "v=DMARC1; p=none; rua=mailto:a@x.example", "rt 9989 fallback");
    round_trip(M7,
               "v=DMARC1; p=reject; sp=none; rua=mailto:a@x.example!10M, mailto:b@x.example!007; "
               "ruf=mailto:f@x.example; adkim=s; ri=3600; fo=0:1:d; rf=AFRF; pct=025",
               "v=DMARC1; p=reject; sp=none; adkim=s; pct=25; fo=0:1:d; ri=3600; "
               "rua=mailto:a@x.example!10m,mailto:b@x.example!7; ruf=mailto:f@x.example",
               "rt 7489 all tags");
    round_trip(M7, "v=DMARC1; rua=mailto:a@x.example", "v=DMARC1; p=none; rua=mailto:a@x.example",
               "rt 7489 missing p fallback");
    round_trip(M7, "v=DMARC1; p=none; adkim=x; pct=200; fo=z; rua=bad, mailto:ok@x.example",
               "v=DMARC1; p=none; rua=mailto:ok@x.example", "rt 7489 discarded values");
    round_trip(M7, "v=DMARC1; p=none; np=reject; t=y", "v=DMARC1; p=none", "rt 7489 9989-only");
}

int main(void)
{
    if (ma_ctx_new(&ctx, NULL) != MA_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    test_basic();
    test_all_tags_9989();
    test_all_tags_7489();
    test_version_and_syntax();
    test_length_limit();
    test_policy_values();
    test_alignment_and_flags();
    test_numbers();
    test_fo_rf();
    test_uris();
    test_strict();
    test_arguments();
    test_oom();
    test_writer();
    ma_ctx_free(ctx);
    return tap_done();
}
