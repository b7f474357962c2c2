/*
 * libmailauth internals: the byte-level scanners of the RFC 6376 3.2
 * tag-list, shared by the generic tag-list parser (core/taglist.c) and the
 * DMARC record parser (dmarc/record.c, which reads DMARC's variant of the
 * syntax in one pass).  Static inline so that both hot loops keep them
 * inlined.  Never installed.
 */
#ifndef MA_TL_SCAN_H
#define MA_TL_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define MA_TL_SCAN_SSE2 1
#endif

/* Byte classes: VALCHAR (%x21-3A / %x3C-7E, printable ASCII but ';') and
   the ALNUMPUNC of tag names (ALPHA / DIGIT / "_"). */
#define MA_TL_VALCHAR 1u
#define MA_TL_NAMECHAR 2u
static const unsigned char ma_tl_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* SP ! " # $ % & ' ( ) * + , - . / */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0-9 : ; < = > ? */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 0, 1, 1, 1, 1,
    /* @ A-O */
    1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    /* P-Z [ \ ] ^ _ */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 3,
    /* ` a-o */
    1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    /* p-z { | } ~ DEL */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#ifdef MA_TL_SCAN_SSE2
/* Bit i set when s[i] (of 16) is not a VALCHAR. */
static inline unsigned int ma_tl_not_valchar16(const unsigned char *s)
{
    const __m128i lo = _mm_set1_epi8(0x20), hi = _mm_set1_epi8(0x7f), semi = _mm_set1_epi8(';');
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    /* signed compares: bytes >= 0x80 are below 0x20 */
    __m128i good = _mm_andnot_si128(_mm_cmpeq_epi8(v, semi),
                                    _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));
    return ~(unsigned int)_mm_movemask_epi8(good) & 0xffffu;
}
#endif

/* The end of a run of VALCHARs starting at pos: 16 bytes a step with SSE2
   (the last step reads the input's final 16 bytes; a base64 b= value is one
   long run between its folds). */
static inline size_t ma_tl_value_end(const unsigned char *s, size_t pos, size_t len)
{
#ifdef MA_TL_SCAN_SSE2
    unsigned int m;

    while (len - pos >= 16) {
        m = ma_tl_not_valchar16(s + pos);
        if (m != 0)
            return pos + (size_t)__builtin_ctz(m);
        pos += 16;
    }
    if (len >= 16 && pos < len) {
        m = ma_tl_not_valchar16(s + len - 16) >> (16 - (len - pos));
        return m != 0 ? pos + (size_t)__builtin_ctz(m) : len;
    }
#endif
    while (pos < len && (ma_tl_class[s[pos]] & MA_TL_VALCHAR))
        pos++;
    return pos;
}

/* Skip a run of whitespace (1*(WSP / FWS), or nothing) at *pos.  Returns
   false, with *pos at the CR, when a CRLF is not followed by WSP. */
static inline bool ma_tl_skip_fws_run(const unsigned char *s, size_t len, size_t *pos)
{
    size_t i = *pos;
    for (;;) {
        if (i < len && ma__is_wsp(s[i])) {
            i++;
        } else if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
            if (i + 2 >= len || !ma__is_wsp(s[i + 2])) {
                *pos = i;
                return false;
            }
            i += 3;
        } else {
            break;
        }
    }
    *pos = i;
    return true;
}

/* ma_tl_skip_fws_run(), with the usual cases decided first: nothing to
   skip, or one SP before something else. */
static inline bool ma_tl_skip_fws(const unsigned char *s, size_t len, size_t *pos)
{
    size_t i = *pos;
    if (i >= len || (s[i] != ' ' && s[i] != '\t' && s[i] != '\r'))
        return true;
    if (s[i] == ' ' && (i + 1 >= len || (s[i + 1] != ' ' && s[i + 1] != '\t' && s[i + 1] != '\r'))) {
        *pos = i + 1;
        return true;
    }
    return ma_tl_skip_fws_run(s, len, pos);
}

#endif /* MA_TL_SCAN_H */
