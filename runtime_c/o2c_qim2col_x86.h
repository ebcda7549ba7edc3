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

#if defined(O2C_X86_AVX512)
/* The same over the border: byte i of a's and b's rows (i <= 3 * sw) is read when bit i
 * of `in` is set and is the fill otherwise; a masked load reads (and may fault on) only
 * the bytes it keeps. */
#define O2C_QX_PAIRS4_MASKED(NAME, WIDEN)                                                 \
    static inline void NAME(const void *a, const void *b, int32_t sw, __mmask16 in,      \
                            __m128i fill, uint32_t *t)                                    \
    {                                                                                     \
        const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, -1, -1, -1, -1, -1, -1, -1, -1,   \
                                            -1, -1, -1, -1);                              \
        __m128i va = _mm_mask_loadu_epi8(fill, in, a), vb = _mm_mask_loadu_epi8(fill, in, b); \
        if (sw == 2) {                                                                    \
            va = _mm_shuffle_epi8(va, evens);                                             \
            vb = _mm_shuffle_epi8(vb, evens);                                             \
        }                                                                                 \
        _mm_storeu_si128((__m128i *)(void *)t, WIDEN(_mm_unpacklo_epi8(va, vb)));         \
    }
O2C_QX_PAIRS4_MASKED(o2c_qext_s8_pairs4_masked, _mm_cvtepi8_epi16)
O2C_QX_PAIRS4_MASKED(o2c_qext_u8_pairs4_masked, _mm_cvtepu8_epi16)

/* The bytes of a row from iw on that lie inside [0, in_w), as load mask bits 0..6. */
static inline __mmask16 o2c_qx_inside_mask(int32_t iw, int32_t in_w)
{
    uint32_t bits = 0u;
    int32_t i;
    for (i = 0; i < 7; i++)
        bits |= (uint32_t)(iw + i >= 0 && iw + i < in_w) << i;
    return (__mmask16)bits;
}

/* A tap of a row tile with columns in the padding (O2C_QX_TILE_ROW): masked loads. */
#define O2C_QX_BORDER_TAP(EXT)                                                            \
    if (row_in && sw <= 2 && !(cin & 1)) {                                                \
        const __mmask16 in = o2c_qx_inside_mask(iw, in_w);                                \
        const __m128i fill8 = _mm_set1_epi8((char)fill);                                  \
        /* iw may be negative: the address in integers, never a pointer before x */      \
        uintptr_t at = (uintptr_t)(const void *)a + (uintptr_t)(intptr_t)iw;              \
        const uintptr_t step = 2u * plane * sizeof *a;                                    \
        for (c = 0; c < cin; c += 2, t += O2C_QTILE, at += step)                          \
            EXT##_pairs4_masked((const void *)at, (const void *)(at + plane * sizeof *a), \
                                sw, in, fill8, t);                                        \
        continue;                                                                         \
    }
#else
#define O2C_QX_BORDER_TAP(EXT)
#endif

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

/* A tap-major tile of four columns on one output row, windows inside or over the border
 * (o2c_qim2col.h's O2C_QCONV_ROW_TILE hook): per tap, the columns all inside take
 * EXT##_pairs4 per channel pair; a tap with a column in the padding reads each value
 * or the fill (the zero point). */
#define O2C_QX_TILE_ROW(NAME, T, EXT)                                                     \
    static inline void NAME(const o2c_qconv_shape *s, const T *x, int32_t fill,           \
                            int32_t p0, uint32_t *t)                                      \
    {                                                                                     \
        const int32_t cin = s->in_c / s->groups, in_h = s->in_h, in_w = s->in_w;          \
        const int32_t sw = s->stride_w, K = o2c_qconv_k(s), K4 = o2c_qk4(K);              \
        const int32_t oh = p0 / s->out_w, ow = p0 - oh * s->out_w;                        \
        const int32_t ih0 = oh * s->stride_h - s->pad_top, iw0 = ow * sw - s->pad_left;   \
        const size_t plane = (size_t)in_h * (size_t)in_w;                                 \
        int32_t kh, kw, c, j, k;                                                          \
        for (kh = 0; kh < s->k_h; kh++) {                                                 \
            const int32_t ih = ih0 + kh * s->dil_h;                                       \
            const int row_in = ih >= 0 && ih < in_h;                                      \
            for (kw = 0; kw < s->k_w; kw++) {                                             \
                const int32_t iw = iw0 + kw * s->dil_w;                                   \
                const T *a = x + (row_in ? (size_t)ih * (size_t)in_w : 0u);               \
                if (row_in && sw <= 2 && iw >= 0 && iw + (O2C_QTILE - 1) * sw < in_w) {   \
                    a += iw;                                                              \
                    for (c = 0; c + 1 < cin; c += 2, t += O2C_QTILE, a += 2 * plane)      \
                        EXT##_pairs4(a, a + plane, sw, t);                                \
                    if (cin & 1) {                                                        \
                        for (j = 0; j < O2C_QTILE; j++)                                   \
                            t[j] = o2c_qpair(a[j * sw], fill);                            \
                        t += O2C_QTILE;                                                   \
                    }                                                                     \
                    continue;                                                             \
                }                                                                         \
                if (!row_in) {                                                            \
                    const uint32_t fill2 = o2c_qpair(fill, fill);                         \
                    for (c = 0; c < cin; c += 2, t += O2C_QTILE)                          \
                        t[0] = t[1] = t[2] = t[3] = fill2;                                \
                    continue;                                                             \
                }                                                                         \
                O2C_QX_BORDER_TAP(EXT)                                                    \
                for (c = 0; c < cin; c += 2, t += O2C_QTILE, a += 2 * plane)              \
                    for (j = 0; j < O2C_QTILE; j++) {                                     \
                        const int32_t at = iw + j * sw;                                   \
                        const int in = row_in && at >= 0 && at < in_w;                    \
                        t[j] = o2c_qpair(in ? a[at] : fill,                               \
                                         in && c + 1 < cin ? a[plane + (size_t)at] : fill); \
                    }                                                                     \
            }                                                                             \
        }                                                                                 \
        for (k = K; k < K4; k += 2, t += O2C_QTILE)                                       \
            t[0] = t[1] = t[2] = t[3] = 0;                                                \
    }

/* Tiles of four columns on one output row go to NAME##_row (the hook). */
#define O2C_QCONV_ROW_TILE(NAME)                                                          \
    if (!rows && n == O2C_QTILE && (p0 % s->out_w) + O2C_QTILE <= s->out_w) {             \
        NAME##_row(s, x, fill, p0, tile);                                                 \
        return;                                                                           \
    }

#endif
#endif /* O2C_QIM2COL_X86_H */
