/*
 * o2c_qim2col_x86.h - the x86-64 (AVX2) column words of o2c_qim2col.h, included by it
 * under O2C_X86_AVX2: four columns' values of two channels, four bytes apart in each
 * channel's row (stride 1), as four column words in one interleave and one widening.
 * The words are o2c_qpair's.
 */
#ifndef O2C_QIM2COL_X86_H
#define O2C_QIM2COL_X86_H

#include <stdint.h>
#include "o2c_qlayout.h"

#if defined(O2C_X86_AVX2)
#include <immintrin.h>

/* Words j = o2c_qpair(a[j], b[j]) for j < 4, the bytes widened by WIDEN (sign or zero). */
#define O2C_QX_PAIRS4(NAME, WIDEN)                                                        \
    static inline void NAME(const void *a, const void *b, uint32_t *t)                   \
    {                                                                                     \
        const __m128i va = _mm_cvtsi32_si128((int)o2c__load32(a));                        \
        const __m128i vb = _mm_cvtsi32_si128((int)o2c__load32(b));                        \
        _mm_storeu_si128((__m128i *)(void *)t, WIDEN(_mm_unpacklo_epi8(va, vb)));         \
    }
O2C_QX_PAIRS4(o2c_qext_s8_pairs4, _mm_cvtepi8_epi16)
O2C_QX_PAIRS4(o2c_qext_u8_pairs4, _mm_cvtepu8_epi16)

/* A full pointwise tile's channel pair (o2c_qim2col.h's hook). */
#define O2C_QCONV_POINTWISE_WORDS(EXT)                                                    \
    if (n == O2C_QTILE) {                                                                 \
        EXT##_pairs4(a, b, tile);                                                         \
        continue;                                                                         \
    }

/* A channel pair of one tap of an inside tap-major tile at stride 1 (the hook). */
#define O2C_QCONV_TAP_WORDS(EXT)                                                          \
    if (sw == 1) {                                                                        \
        EXT##_pairs4(a, b, t);                                                            \
        continue;                                                                         \
    }

#endif
#endif /* O2C_QIM2COL_X86_H */
