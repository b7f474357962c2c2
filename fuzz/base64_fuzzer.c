/*
 * Fuzz harness for base64 (src/core/base64.c).
 *
 * The input is decoded as base64 text and also encoded as raw bytes.
 * Invariants (abort on violation):
 * - decoding writes at most MA_BASE64_DECODED_MAX(len) bytes (the buffer is
 *   exactly that big, so ASan catches an overrun) and returns OK or ESYNTAX;
 * - when decoding succeeds, encoding the result gives back the input with
 *   its whitespace removed (canonical base64 has exactly one spelling);
 * - encoding any bytes gives MA_BASE64_ENCODED_LEN characters of the
 *   alphabet that decode back to the same bytes, also when whitespace is
 *   spliced in.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"
#include "core/core.h"

static int is_b64_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    unsigned char *dec = malloc(MA_BASE64_DECODED_MAX(size));
    char *enc = NULL, *stripped = malloc(size + 1);
    size_t dlen = 0, elen, slen = 0, i;
    int rc;

    if (dec == NULL || stripped == NULL)
        abort();

    /* 1. Decode the input as text. */
    rc = ma__base64_decode(in, size, dec, &dlen);
    if (rc != MA_OK && rc != MA_ESYNTAX)
        abort();
    if (rc == MA_OK) {
        if (dlen > MA_BASE64_DECODED_MAX(size))
            abort();
        for (i = 0; i < size; i++)
            if (!is_b64_space(data[i]))
                stripped[slen++] = in[i];
        enc = malloc(MA_BASE64_ENCODED_LEN(dlen) + 1);
        if (enc == NULL)
            abort();
        elen = ma__base64_encode(dec, dlen, enc);
        if (elen != slen || memcmp(enc, stripped, slen) != 0)
            abort();
        free(enc);
        enc = NULL;
    } else if (dlen != 0) {
        abort();
    }

    /* 2. Encode the input as bytes and decode it back, once plain and once
       with whitespace spliced in every 5 characters. */
    enc = malloc(MA_BASE64_ENCODED_LEN(size) + 1);
    if (enc == NULL)
        abort();
    elen = ma__base64_encode(data, size, enc);
    if (elen != MA_BASE64_ENCODED_LEN(size))
        abort();
    free(dec);
    dec = malloc(MA_BASE64_DECODED_MAX(elen * 2) + 1);
    if (dec == NULL)
        abort();
    if (ma__base64_decode(enc, elen, dec, &dlen) != MA_OK || dlen != size
        || (size && memcmp(dec, data, size) != 0))
        abort();
    {
        /* exactly the spliced length, so ASan sees a read past it */
        char *sp = malloc(elen + elen / 5 > 0 ? elen + elen / 5 : 1);
        size_t n = 0;
        if (sp == NULL)
            abort();
        for (i = 0; i < elen; i++) {
            sp[n++] = enc[i];
            if (i % 5 == 4)
                sp[n++] = " \t\r\n"[i % 4];
        }
        if (ma__base64_decode(sp, n, dec, &dlen) != MA_OK || dlen != size
            || (size && memcmp(dec, data, size) != 0))
            abort();
        free(sp);
    }

    free(enc);
    free(dec);
    free(stripped);
    return 0;
}
