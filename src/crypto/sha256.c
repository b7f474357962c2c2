/*
 * SHA-256 block function on the x86 SHA extensions (FIPS 180-4 6.2.2),
 * used by ma_digest in place of OpenSSL's when the CPU has them.
 *
 * Why the library has its own: it is no faster than OpenSSL's (both hash
 * about 1.5 GB/s here), but the rounds of a block form one long chain of
 * dependent SHA256RNDS2, so a core hashing a block leaves most of its
 * execution units idle.  OpenSSL only takes whole buffers, so the relaxed
 * body canonicaliser had to fill a buffer and then hash it, one after the
 * other.  With the block function inline (sha256_x86.h) it hashes each 64
 * canonical bytes as soon as they are made, and canonicalising the next
 * ones runs in the shadow of the chain: on the 1 MB bench body relaxed
 * canonicalisation went from about 140 microseconds on top of the hash to
 * about 30.  Everything else (other hashes, every machine without SHA-NI,
 * valgrind, whose CPU hides SHA-NI) stays with OpenSSL; crypto.c holds the
 * streaming state (padding and lengths, FIPS 180-4 5.1.1) and the choice.
 *
 * Compiled for plain SSE (no VEX encodings): SHA256RNDS2 has no VEX form,
 * and legacy SSE code after a 256-bit write that left the upper halves of
 * the YMM registers dirty pays a state transition per instruction on some
 * cores (measured here: a hundred times slower).  Callers compiled for AVX
 * get a VZEROUPPER before the call from the compiler.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "crypto/crypto_int.h"
#include "crypto/sha256_x86.h"

#ifdef MA_SHA256_X86
#include <cpuid.h>

/* FIPS 180-4 4.2.2. */
const uint32_t ma__sha256_k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

__attribute__((target("sha,sse4.1,ssse3"))) void ma__sha256_blocks(uint32_t st[8],
                                                                    const unsigned char *p,
                                                                    size_t n)
{
    __m128i s0 = _mm_loadu_si128((const __m128i *)(const void *)st);
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)(st + 4));

    for (; n > 0; n--, p += 64)
        ma__sha256_block_x86(&s0, &s1, p);
    _mm_storeu_si128((__m128i *)(void *)st, s0);
    _mm_storeu_si128((__m128i *)(void *)(st + 4), s1);
}

bool ma__sha256_blocks_available(void)
{
    unsigned int a, b, c, d;

    /* leaf 1: SSSE3 (ECX 9), SSE4.1 (ECX 19); leaf 7: SHA (EBX 29) */
    if (__get_cpuid(1, &a, &b, &c, &d) == 0 || (c & (1u << 9)) == 0 || (c & (1u << 19)) == 0)
        return false;
    if (__get_cpuid_max(0, NULL) < 7)
        return false;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0;
}

#else /* no SHA-NI code on this target */

bool ma__sha256_blocks_available(void)
{
    return false;
}

void ma__sha256_blocks(uint32_t st[8], const unsigned char *p, size_t n)
{
    (void)st;
    (void)p;
    (void)n;
}

#endif
