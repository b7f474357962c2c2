/*
 * Base64 (RFC 4648 section 4 alphabet) for DKIM b=, bh= and p= values.
 *
 * Decoding is strict about everything except whitespace: RFC 6376 3.5 lets
 * WSP and FWS appear anywhere in those values ("whitespace is ignored"), so
 * SP, HTAB, CR and LF are skipped wherever they occur.  Everything else must
 * be canonical base64: only alphabet characters, '=' padding to a multiple
 * of four characters, nothing but whitespace after the padding, and zero
 * bits in the unused low bits of the last character (RFC 4648 3.5 allows a
 * decoder to reject non-zero pad bits; doing so makes the encoding of every
 * accepted input unique).
 */
#include "config.h"

#include "core/core.h"

static const char ma_b64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Byte classes for decoding: 0..63 the value of an alphabet character,
 * B64_SPACE for SP, HTAB, CR and LF, B64_PAD for '=', B64_BAD for anything
 * else.  Locale-free by construction.
 */
#define B64_BAD (-1)
#define B64_SPACE (-2)
#define B64_PAD (-3)

static const signed char ma_b64_class[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -2, -2, -1, -1, -2, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -3, -1, -1,
    -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int ma__base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)in;
    unsigned int quad[4];
    size_t nq = 0;      /* characters in the current quantum */
    size_t o = 0;
    size_t pad = 0;     /* '=' seen (in the final quantum) */
    size_t i = 0;

    if (out_len == NULL || (in == NULL && len > 0) || (out == NULL && len > 0))
        return MA_EINVAL;
    *out_len = 0;

    while (i < len) {
        int v;

        /* Fast path: four alphabet characters at a quantum boundary. */
        if (nq == 0 && pad == 0) {
            while (len - i >= 4) {
                int a = ma_b64_class[p[i]], b = ma_b64_class[p[i + 1]],
                    c = ma_b64_class[p[i + 2]], d = ma_b64_class[p[i + 3]];
                unsigned int w;
                if ((a | b | c | d) < 0)
                    break; /* something else among them: byte by byte */
                w = ((unsigned int)a << 18) | ((unsigned int)b << 12) | ((unsigned int)c << 6)
                    | (unsigned int)d;
                out[o++] = (unsigned char)(w >> 16);
                out[o++] = (unsigned char)(w >> 8);
                out[o++] = (unsigned char)w;
                i += 4;
            }
            if (i == len)
                break;
        }
        v = ma_b64_class[p[i++]];
        if (v == B64_SPACE)
            continue;
        if (v == B64_PAD) {
            /* Padding may only fill positions 3 and 4 of a quantum. */
            if (nq + pad < 2)
                return MA_ESYNTAX;
            pad++;
            if (nq + pad > 4)
                return MA_ESYNTAX;
            continue;
        }
        if (pad > 0)
            return MA_ESYNTAX;   /* data after padding */
        if (v < 0)
            return MA_ESYNTAX;
        quad[nq++] = (unsigned int)v;
        if (nq == 4) {
            out[o++] = (unsigned char)((quad[0] << 2) | (quad[1] >> 4));
            out[o++] = (unsigned char)(((quad[1] & 0x0f) << 4) | (quad[2] >> 2));
            out[o++] = (unsigned char)(((quad[2] & 0x03) << 6) | quad[3]);
            nq = 0;
        }
    }

    if (pad == 0) {
        if (nq != 0)
            return MA_ESYNTAX;   /* unpadded final quantum */
    } else {
        if (nq + pad != 4)
            return MA_ESYNTAX;   /* "Zg=" */
        if (nq == 2) {
            if (quad[1] & 0x0f)
                return MA_ESYNTAX;   /* non-zero pad bits */
            out[o++] = (unsigned char)((quad[0] << 2) | (quad[1] >> 4));
        } else {                     /* nq == 3 */
            if (quad[2] & 0x03)
                return MA_ESYNTAX;
            out[o++] = (unsigned char)((quad[0] << 2) | (quad[1] >> 4));
            out[o++] = (unsigned char)(((quad[1] & 0x0f) << 4) | (quad[2] >> 2));
        }
    }
    *out_len = o;
    return MA_OK;
}

size_t ma__base64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t i = 0, o = 0;

    if (in == NULL || out == NULL)
        return 0;
    while (len - i >= 3) {
        unsigned int v = ((unsigned int)in[i] << 16) | ((unsigned int)in[i + 1] << 8) | in[i + 2];
        out[o++] = ma_b64_alphabet[(v >> 18) & 63];
        out[o++] = ma_b64_alphabet[(v >> 12) & 63];
        out[o++] = ma_b64_alphabet[(v >> 6) & 63];
        out[o++] = ma_b64_alphabet[v & 63];
        i += 3;
    }
    if (len - i == 1) {
        unsigned int v = (unsigned int)in[i] << 16;
        out[o++] = ma_b64_alphabet[(v >> 18) & 63];
        out[o++] = ma_b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        unsigned int v = ((unsigned int)in[i] << 16) | ((unsigned int)in[i + 1] << 8);
        out[o++] = ma_b64_alphabet[(v >> 18) & 63];
        out[o++] = ma_b64_alphabet[(v >> 12) & 63];
        out[o++] = ma_b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}
