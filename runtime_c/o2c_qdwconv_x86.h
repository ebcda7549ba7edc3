/*
 * o2c_qdwconv_x86.h - the x86-64 (AVX2) path of o2c_qdwconv.h, included by it under
 * O2C_X86_AVX2: one padded channel (see there), eight outputs of a row at a time.
 *
 * Per tap, the eight outputs' inputs are eight bytes (stride 1) or the even bytes of
 * sixteen (stride 2), widened to int32 and multiplied by the tap's weight with exact
 * int32 arithmetic; the eight sums are requantized together (o2c_qrequant_x86.h).  The
 * sums and the bytes are the portable loop's.  Loads that could reach past the scratch
 * (the last rows) copy only the bytes the valid outputs read.  With AVX-512 and equal
 * strides 1 or 2, o2c_qdwconv_x512.h takes the channels sixteen lanes at a time.
 */
#ifndef O2C_QDWCONV_X86_H
#define O2C_QDWCONV_X86_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qrequant.h"
#include "o2c_qim2col.h"

#if defined(O2C_X86_AVX2)
#include <immintrin.h>

/* The bytes of eight outputs' taps from p: span = 8 * stride bytes, of which `valid`
 * may be read (all of them when the full span is inside the scratch). */
static inline __m128i o2c_qdwx_taps(const uint8_t *p, int32_t stride, size_t valid)
{
    const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1,
                                        -1, -1);
    __m128i v;
    if (valid >= 8u * (size_t)stride) {
        v = stride == 1 ? _mm_loadl_epi64((const __m128i *)(const void *)p)
                        : _mm_loadu_si128((const __m128i *)(const void *)p);
    } else {
        unsigned char part[16] = { 0 };
        memcpy(part, p, valid);
        v = _mm_loadu_si128((const __m128i *)(const void *)part);
    }
    return stride == 1 ? v : _mm_shuffle_epi8(v, evens);
}

/* Whether o2c_qdwconv_plane_x86 handles this channel. */
static inline int o2c_qdwconv_x86_fits(const o2c_qconv_shape *s)
{
    return s->stride_w == 1 || s->stride_w == 2;
}

/* The requantized outputs of one padded channel (rows x cols bytes plus 4) to yc. */
static inline void o2c_qdwconv_plane_x86(const o2c_qconv_shape *s, int32_t x_signed,
                                         const uint8_t *pad, int32_t rows, int32_t cols,
                                         const int8_t *wc, int32_t acc0, float scale,
                                         o2c_qout q, uint8_t *yc)
{
    const size_t end = (size_t)rows * (size_t)cols + 4u;
    const __m256 sc = _mm256_set1_ps(scale);
    const int32_t sw = s->stride_w;
    int32_t oh, ow, kh, kw;
    for (oh = 0; oh < s->out_h; oh++) {
        for (ow = 0; ow < s->out_w; ow += 8) {
            const int32_t n = s->out_w - ow < 8 ? s->out_w - ow : 8;
            const uint8_t *p = pad + (size_t)oh * s->stride_h * cols + (size_t)ow * sw;
            /* bytes the n outputs read from a tap's start: (n - 1) * stride + 1 */
            const size_t need = (size_t)(n - 1) * (size_t)sw + 1u;
            __m256i acc = _mm256_set1_epi32(acc0);
            uint64_t bytes;
            for (kh = 0; kh < s->k_h; kh++)
                for (kw = 0; kw < s->k_w; kw++) {
                    const uint8_t *t = p + (size_t)kh * s->dil_h * cols + (size_t)kw * s->dil_w;
                    const size_t room = end - (size_t)(t - pad);
                    const __m128i v = o2c_qdwx_taps(t, sw, room < 8u * (size_t)sw ? need : room);
                    const __m256i x = x_signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v);
                    acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(
                                                    x, _mm256_set1_epi32(wc[kh * s->k_w + kw])));
                }
            bytes = o2c_qx_requant8(acc, sc, q.zero, q.lo, q.hi);
            memcpy(yc + (size_t)oh * s->out_w + ow, &bytes, (size_t)n);
        }
    }
}

#endif
#endif /* O2C_QDWCONV_X86_H */
