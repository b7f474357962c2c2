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

/* Value of a base64 character, or -1. Locale-free by construction. */
static int ma_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int ma_b64_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int ma__base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)in;
    unsigned int quad[4];
    size_t nq = 0;      /* characters in the current quantum */
    size_t o = 0;
    size_t pad = 0;     /* '=' seen (in the final quantum) */
    size_t i;

    if (out_len == NULL || (in == NULL && len > 0) || (out == NULL && len > 0))
        return MA_EINVAL;
    *out_len = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = p[i];
        int v;

        if (ma_b64_is_space(c))
            continue;
        if (c == '=') {
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
        v = ma_b64_value(c);
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
