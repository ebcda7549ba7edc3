/*
 * o2c_qim2col_x86.h - the x86-64 (AVX2) column words of o2c_qim2col.h, included by it
 * under O2C_X86_AVX2: four columns' values of two channels, one or two bytes apart in
 * each channel's row (stride 1 or 2), as four column words in one interleave and one
 * widening.
 * The words are o2c_qpair's.
 */
#ifndef O2C_QIM2COL_X86_H
#define O2C_QIM2COL_X86_H

#include <stdint.h>
#include "o2c_qlayout.h"

#if defined(O2C_X86_AVX2)
#include <immintrin.h>

/* Words j = o2c_qpair(a[j * sw], b[j * sw]) for j < 4 and sw 1 or 2, the bytes widened
 * by WIDEN (sign or zero).  At stride 2 two 32-bit loads, at a and a + 3, hold a[0..6]
 * without reading past a[6]. */
#define O2C_QX_PAIRS4(NAME, WIDEN)                                                        \
    static inline void NAME(const void *a, const void *b, int32_t sw, uint32_t *t)       \
    {                                                                                     \
        const __m128i evens = _mm_setr_epi8(0, 2, 5, 7, -1, -1, -1, -1, -1, -1, -1, -1,   \
                                            -1, -1, -1, -1);                              \
        const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b; \
        __m128i va = _mm_cvtsi32_si128((int)o2c__load32(pa));                            \
        __m128i vb = _mm_cvtsi32_si128((int)o2c__load32(pb));                            \
        if (sw == 2) {                                                                    \
            va = _mm_shuffle_epi8(_mm_insert_epi32(va, (int)o2c__load32(pa + 3), 1), evens); \
            vb = _mm_shuffle_epi8(_mm_insert_epi32(vb, (int)o2c__load32(pb + 3), 1), evens); \
        }                                                                                 \
        _mm_storeu_si128((__m128i *)(void *)t, WIDEN(_mm_unpacklo_epi8(va, vb)));         \
    }
O2C_QX_PAIRS4(o2c_qext_s8_pairs4, _mm_cvtepi8_epi16)
O2C_QX_PAIRS4(o2c_qext_u8_pairs4, _mm_cvtepu8_epi16)

/* A full pointwise tile's channel pair (o2c_qim2col.h's hook). */
#define O2C_QCONV_POINTWISE_WORDS(EXT)                                                    \
    if (n == O2C_QTILE) {                                                                 \
        EXT##_pairs4(a, b, 1, tile);                                                         \
        continue;                                                                         \
    }

/* A channel pair of one tap of an inside tap-major tile at stride 1 or 2 (the hook). */
#define O2C_QCONV_TAP_WORDS(EXT)                                                          \
    if (sw <= 2) {                                                                        \
        EXT##_pairs4(a, b, sw, t);                                                        \
        continue;                                                                         \
    }

#endif
#endif /* O2C_QIM2COL_X86_H */
