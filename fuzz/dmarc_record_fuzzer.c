/*
 * DMARC records.  Byte 0 picks the mode (bit 0: RFC 7489, else RFC 9989),
 * the strict flag (bit 1) and whether every other byte is mapped to a token
 * of the record alphabet (bit 2, so that the fuzzer reaches the values);
 * the rest is one TXT record.  Invariants
 * (abort() on violation):
 * - on success: every effective value is in range, every issue lies within
 *   the input, the URIs are valid and point into the record's copy; the
 *   record is written, the text parses (strictly) without issues to an
 *   equal record, and writing that gives the same text; the same holds
 *   for the WRITE_ALL form; a strict parse that succeeds agrees with a
 *   lenient one;
 * - on failure: MA_ESYNTAX with a fatal reason (or, strict, an issue
 *   reason), a text, an offset within [0, len], and nothing kept.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "fuzz_util.h"
#include "dmarc/record_int.h"

/* Tokens of the record alphabet, for the mapped mode. */
static const char *const tokens[] = {
    "v=DMARC1", "v=", ";", ";", " ", "=", "p=", "sp=", "np=", "none", "quarantine", "reject",
    "adkim=", "aspf=", "r", "s", "pct=", "100", "50", "0", "rua=", "ruf=", "mailto:",
    "https://r.example/x", "a@example.com", "b@sub.example.org", ",", "!", "10m", "5k", "1g", "fo=",
    "1", "d", ":", "psd=", "y", "n", "u", "t=", "ri=", "86400", "rf=", "afrf", "iodef", "\r\n\t",
    "\t", "x", "P", "NONE", "", "%2c", "\xc3\xa9",
};
#define NTOKENS (sizeof tokens / sizeof tokens[0])

#define CHECK(c)       \
    do {               \
        if (!(c))      \
            abort();   \
    } while (0)

static void check_record(const ma_dmarc_record *rec, size_t len)
{
    size_t i;
    const ma_dmarc_uri *lists[2] = { rec->rua, rec->ruf };
    size_t counts[2] = { rec->nrua, rec->nruf };
    unsigned int fo = ma__dmarc_record_fo(rec);

    CHECK(ma__dmarc_record_p(rec) >= MA_DMARC_POLICY_NONE
          && ma__dmarc_record_p(rec) <= MA_DMARC_POLICY_REJECT);
    CHECK(ma__dmarc_record_sp(rec) >= MA_DMARC_POLICY_NONE
          && ma__dmarc_record_sp(rec) <= MA_DMARC_POLICY_REJECT);
    CHECK(ma__dmarc_record_np(rec) >= MA_DMARC_POLICY_NONE
          && ma__dmarc_record_np(rec) <= MA_DMARC_POLICY_REJECT);
    CHECK(ma__dmarc_record_adkim(rec) == MA_DMARC_ALIGN_RELAXED
          || ma__dmarc_record_adkim(rec) == MA_DMARC_ALIGN_STRICT);
    CHECK(ma__dmarc_record_aspf(rec) == MA_DMARC_ALIGN_RELAXED
          || ma__dmarc_record_aspf(rec) == MA_DMARC_ALIGN_STRICT);
    CHECK(ma__dmarc_record_pct(rec) <= 100);
    CHECK(ma__dmarc_record_t(rec) == 0 || ma__dmarc_record_t(rec) == 1);
    CHECK(fo != 0 && (fo & ~MA_DMARC_FO_ALL) == 0);
    if (rec->mode == MA_DMARC_MODE_9989) {
        CHECK(!((fo & MA_DMARC_FO_0) && (fo & MA_DMARC_FO_1)));
        CHECK(!rec->has_pct && !rec->has_ri && rec->rf == 0);
        CHECK(ma__dmarc_record_pct(rec) == 100 && ma__dmarc_record_ri(rec) == 86400);
    } else {
        CHECK(rec->np == MA_DMARC_POLICY_UNSET && rec->t == MA_DMARC_YN_UNSET
              && rec->psd == MA_DMARC_PSD_UNSET);
        CHECK(rec->p != MA_DMARC_POLICY_UNSET);
    }
    CHECK(ma__dmarc_record_rf(rec) == MA_DMARC_RF_AFRF);
    CHECK(ma__dmarc_record_psd(rec) >= MA_DMARC_PSD_Y
          && ma__dmarc_record_psd(rec) <= MA_DMARC_PSD_U);
    CHECK(rec->nissues <= MA_DMARC_MAX_ISSUES);
    CHECK(rec->nerrors <= rec->nissues || rec->issues_dropped);
    if (rec->nerrors > 0)
        CHECK(rec->first_error.offset <= len
              && rec->first_error.reason != MA_DMARC_REC_NOT_IN_MODE);
    for (i = 0; i < rec->nissues; i++) {
        CHECK(rec->issues[i].offset <= len);
        CHECK(rec->issues[i].reason >= MA_DMARC_REC_BAD_VALUE
              && rec->issues[i].reason <= MA_DMARC_REC_NOT_IN_MODE);
        CHECK(rec->issues[i].tag > MA_DMARC_TAG_V && rec->issues[i].tag < MA_DMARC_TAG_COUNT);
    }
    CHECK(rec->text != NULL && rec->text_len == len);
    for (i = 0; i < 2; i++) {
        size_t k;
        CHECK(counts[i] <= rec->max_uris);
        for (k = 0; k < counts[i]; k++) {
            const ma_dmarc_uri *u = &lists[i][k];
            CHECK(u->uri >= rec->text && u->len <= len && u->uri + u->len <= rec->text + len);
            CHECK(ma__dmarc_uri_valid(u->uri, u->len));
            if (rec->mode == MA_DMARC_MODE_9989)
                CHECK(!u->has_size && ma__dmarc_uri_max_bytes(rec, u) == 0);
        }
    }
}

/* write(rec) with flags parses strictly, without issues, to an equal
   record; writing that again gives the same text. */
static void check_round_trip(const ma_ctx *ctx, const ma_dmarc_record *rec, unsigned flags)
{
    ma_buf w1, w2;
    ma_dmarc_record again;
    ma_dmarc_perr err;
    int rc;

    ma__buf_init(&w1, ctx);
    ma__buf_init(&w2, ctx);
    rc = ma__dmarc_record_write(&w1, rec, flags);
    if (rc == MA_ENOMEM)
        goto out;
    CHECK(rc == MA_OK);
    rc = ma__dmarc_record_parse(&again, ctx, w1.data, w1.len, rec->mode, MA_DMARC_PARSE_STRICT,
                                &err);
    if (rc == MA_ENOMEM)
        goto out;
    CHECK(rc == MA_OK && again.nissues == 0 && !again.policy_fallback);
    CHECK(ma__dmarc_record_equal(rec, &again));
    rc = ma__dmarc_record_write(&w2, &again, flags);
    CHECK(rc == MA_OK || rc == MA_ENOMEM);
    if (rc == MA_OK)
        CHECK(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0);
    ma__dmarc_record_free(&again, ctx);
out:
    ma__buf_free(&w1);
    ma__buf_free(&w2);
}

static void check_failure(int rc, const ma_dmarc_record *rec, const ma_dmarc_perr *err,
                          size_t len, int strict)
{
    CHECK(rc == MA_ESYNTAX);
    CHECK(err->e.text[0] != '\0');
    CHECK(err->e.offset >= 0 && (uint64_t)err->e.offset <= len);
    CHECK(rec->text == NULL && rec->nrua == 0 && rec->nruf == 0 && rec->nissues == 0);
    if (strict)
        CHECK(err->reason >= MA_DMARC_REC_SYNTAX && err->reason < MA_DMARC_REC_NOT_IN_MODE);
    else
        CHECK(err->reason >= MA_DMARC_REC_SYNTAX && err->reason <= MA_DMARC_REC_BAD_POLICY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_ctx *ctx = NULL;
    ma_dmarc_record rec, strict;
    ma_dmarc_perr err, serr;
    ma_dmarc_mode mode;
    const char *txt;
    char *mapped = NULL;
    size_t len;
    int rc, src;

    if (size == 0)
        return 0;
    mode = (data[0] & 1) ? MA_DMARC_MODE_7489 : MA_DMARC_MODE_9989;
    if (data[0] & 4) {
        mapped = fuzz_map_tokens(tokens, NTOKENS, data + 1, size - 1, &len);
        txt = mapped;
    } else {
        txt = (const char *)data + 1;
        len = size - 1;
    }
    if (ma_ctx_new(&ctx, NULL) != MA_OK) {
        free(mapped);
        return 0;
    }

    rc = ma__dmarc_record_parse(&rec, ctx, len ? txt : NULL, len, mode, 0, &err);
    if (rc == MA_OK) {
        CHECK(err.reason == MA_DMARC_REC_OK);
        check_record(&rec, len);
        check_round_trip(ctx, &rec, 0);
        check_round_trip(ctx, &rec, MA_DMARC_WRITE_ALL);
    } else if (rc != MA_ENOMEM) {
        check_failure(rc, &rec, &err, len, 0);
    }

    if (data[0] & 2) {
        src = ma__dmarc_record_parse(&strict, ctx, len ? txt : NULL, len, mode,
                                     MA_DMARC_PARSE_STRICT, &serr);
        if (src == MA_OK) {
            size_t i;
            /* strict success: the lenient parse succeeded identically and
               found nothing but notices */
            CHECK(rc == MA_OK && ma__dmarc_record_equal(&rec, &strict));
            CHECK(rec.nerrors == 0 && strict.nerrors == 0);
            for (i = 0; i < strict.nissues; i++)
                CHECK(strict.issues[i].reason == MA_DMARC_REC_NOT_IN_MODE);
            check_record(&strict, len);
        } else if (src != MA_ENOMEM) {
            check_failure(src, &strict, &serr, len, 1);
            /* a lenient failure is a strict failure for the same reason */
            if (rc == MA_ESYNTAX)
                CHECK(serr.reason == err.reason && serr.e.offset == err.e.offset);
        }
        ma__dmarc_record_free(&strict, ctx);
    }
    ma__dmarc_record_free(&rec, ctx);
    ma_ctx_free(ctx);
    free(mapped);
    return 0;
}
