/*
 * libmailauth internals: one SHA-256 block on the x86 SHA extensions
 * (FIPS 180-4 6.2.2), inline, for ma__sha256_blocks() and for producers
 * that keep the state in registers across the blocks they make (the
 * relaxed body canonicaliser).  Never installed.
 *
 * The state is two vectors, lanes low first: s0 = F E B A, s1 = H G D C,
 * which is also the order of the uint32_t[8] that ma__sha256_blocks() and
 * ma__digest_sha256_state() use.
 *
 * A caller compiled for AVX must have the upper halves of the YMM registers
 * clean (VZEROUPPER) before the block: SHA256RNDS2 has no VEX form, and
 * legacy SSE code after dirty upper halves pays a state transition per
 * instruction on some cores.
 */
#ifndef MA_SHA256_X86_H
#define MA_SHA256_X86_H

#if defined(__x86_64__) && defined(__GNUC__) \
    && (defined(__clang__) ? __clang_major__ >= 4 : __GNUC__ >= 5)
#define MA_SHA256_X86 1

#include <immintrin.h>
#include <stdint.h>

/* FIPS 180-4 4.2.2 (sha256.c). */
extern const uint32_t ma__sha256_k[64];

/*
 * Four rounds with the schedule words W[4i..4i+3] in w.  SHA256RNDS2 does
 * two rounds on the state split as (A, B, E, F) and (C, D, G, H), taking
 * W+K for them from the low two lanes; after two of them the halves have
 * swapped roles twice, so s0 is (A, B, E, F) again.
 */
#define MA_SHA_ROUNDS4(w, i)                                                                  \
    do {                                                                                      \
        __m128i wk_ = _mm_add_epi32(                                                          \
            (w), _mm_load_si128((const __m128i *)(const void *)(ma__sha256_k + 4 * (i))));    \
        s1 = _mm_sha256rnds2_epu32(s1, s0, wk_);                                              \
        s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk_, 0x0e));                     \
    } while (0)

/* W[t..t+3] from the four vectors before it (FIPS 180-4 6.2.2 step 1):
   a = W[t-16..], b = W[t-12..], c = W[t-8..], d = W[t-4..]; into a. */
#define MA_SHA_SCHEDULE(a, b, c, d)                                                           \
    ((a) = _mm_sha256msg2_epu32(                                                              \
         _mm_add_epi32(_mm_sha256msg1_epu32((a), (b)), _mm_alignr_epi8((d), (c), 4)), (d)))

/* One 64-byte block at p into the state (*s0p, *s1p). */
__attribute__((target("sha,sse4.1,ssse3"))) static inline void
ma__sha256_block_x86(__m128i *s0p, __m128i *s1p, const unsigned char *p)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i s0 = *s0p, s1 = *s1p;
    __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), bswap);
    __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), bswap);
    __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 32)), bswap);
    __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 48)), bswap);

    MA_SHA_ROUNDS4(m0, 0);
    MA_SHA_ROUNDS4(m1, 1);
    MA_SHA_ROUNDS4(m2, 2);
    MA_SHA_ROUNDS4(m3, 3);
    for (int i = 4; i < 16; i += 4) {
        MA_SHA_SCHEDULE(m0, m1, m2, m3);
        MA_SHA_ROUNDS4(m0, i);
        MA_SHA_SCHEDULE(m1, m2, m3, m0);
        MA_SHA_ROUNDS4(m1, i + 1);
        MA_SHA_SCHEDULE(m2, m3, m0, m1);
        MA_SHA_ROUNDS4(m2, i + 2);
        MA_SHA_SCHEDULE(m3, m0, m1, m2);
        MA_SHA_ROUNDS4(m3, i + 3);
    }
    *s0p = _mm_add_epi32(s0, *s0p);
    *s1p = _mm_add_epi32(s1, *s1p);
}

#undef MA_SHA_ROUNDS4
#undef MA_SHA_SCHEDULE

#endif
#endif
