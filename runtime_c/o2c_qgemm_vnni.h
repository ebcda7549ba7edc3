/*
 * o2c_qgemm_vnni.h - the GEMM of o2c_qconv_vnni.h: packed row pairs (o2c_qgemm.h) times
 * a tile of eight columns of uint8 byte quads (word q * 8 + j: column j's k 4q .. 4q+3),
 * requantized in float mode.  Included by o2c_qconv_vnni.h under O2C_X86_VNNI_U8.
 *
 * One 512-bit column load covers two quads of the eight columns (lanes 0-7 quad 2Q,
 * 8-15 quad 2Q+1).  A row pair's 16 bytes for the same k (a0 b0 a1 b1 ... a7 b7) are
 * broadcast to the four 128-bit lanes and one byte shuffle per row gives lanes 0-7 that
 * row's a0..a3 and lanes 8-15 its a4..a7, so VPDPBUSD adds 64 exact products per
 * instruction; four row pairs share each column load.  The two halves of a row's sums
 * are added once at the end (int32 additions wrap as the portable ones do).
 */
#ifndef O2C_QGEMM_VNNI_H
#define O2C_QGEMM_VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qgemm.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

/* The sums of eight rows (four row pairs from w, the last one repeated when fewer are
 * left) against the tile: sums[i] lane j + 8 * h is row i, column j, half h of the k. */
static inline void o2c_qv_sums8(int32_t pairs, int32_t K4, const int8_t *w,
                                const uint32_t *tile, __m512i *sums)
{
    /* per 128-bit lane: the row's bytes of k 0..3 (lanes 0-7) or k 4..7 (lanes 8-15) */
    const __m512i pick_a = _mm512_setr_epi32(
        0x06040200, 0x06040200, 0x06040200, 0x06040200, 0x06040200, 0x06040200,
        0x06040200, 0x06040200, 0x0E0C0A08, 0x0E0C0A08, 0x0E0C0A08, 0x0E0C0A08,
        0x0E0C0A08, 0x0E0C0A08, 0x0E0C0A08, 0x0E0C0A08);
    const __m512i pick_b = _mm512_add_epi8(pick_a, _mm512_set1_epi8(1));
    const int8_t *row[4];
    __m512i acc[8];
    int32_t i, k;
    for (i = 0; i < 4; i++) {
        row[i] = w + (size_t)(i < pairs ? i : pairs - 1) * 2u * (size_t)K4;
        acc[2 * i] = acc[2 * i + 1] = _mm512_setzero_si512();
    }
    for (k = 0; k + 8 <= K4; k += 8) {
        const __m512i cols = _mm512_loadu_si512((const void *)(tile + 2 * k));
        for (i = 0; i < 4; i++) {
            const __m512i bytes = _mm512_broadcast_i32x4(
                _mm_loadu_si128((const __m128i *)(const void *)(row[i] + 2 * k)));
            acc[2 * i] = _mm512_dpbusd_epi32(acc[2 * i], cols, _mm512_shuffle_epi8(bytes, pick_a));
            acc[2 * i + 1] = _mm512_dpbusd_epi32(acc[2 * i + 1], cols,
                                                 _mm512_shuffle_epi8(bytes, pick_b));
        }
    }
    if (k < K4) {       /* one quad left: the upper lanes meet zero columns */
        const __m512i cols = _mm512_maskz_loadu_epi32(0x00FF, (const void *)(tile + 2 * k));
        for (i = 0; i < 4; i++) {
            int64_t eight;
            __m512i bytes;
            memcpy(&eight, row[i] + 2 * k, 8);
            bytes = _mm512_set1_epi64(eight);
            acc[2 * i] = _mm512_dpbusd_epi32(acc[2 * i], cols, _mm512_shuffle_epi8(bytes, pick_a));
            acc[2 * i + 1] = _mm512_dpbusd_epi32(acc[2 * i + 1], cols,
                                                 _mm512_shuffle_epi8(bytes, pick_b));
        }
    }
    for (i = 0; i < 8; i++)
        sums[i] = acc[i];
}

/* Every row against the tile of n (<= 8) columns, bias added and requantized: row r's
 * bytes go to y + r * row_stride, columns one byte apart. */
static inline void o2c_qv_gemm_requant(int32_t rows, int32_t K4, const int8_t *w,
                                       const int32_t *bias, const uint32_t *tile, int32_t n,
                                       const o2c_qepilogue *e, uint8_t *y, size_t row_stride)
{
    const int32_t pairs = (rows + 1) / 2;
    int32_t r, i;
    for (r = 0; r < rows; r += 8) {
        __m512i sums[8];
        o2c_qv_sums8(pairs - r / 2, K4, w + (size_t)r * (size_t)K4, tile, sums);
        for (i = 0; i < 8 && r + i < rows; i++) {
            const int32_t at = r + i;
            __m256i row = _mm256_add_epi32(_mm512_castsi512_si256(sums[i]),
                                           _mm512_extracti64x4_epi64(sums[i], 1));
            uint64_t bytes;
            row = _mm256_add_epi32(row, _mm256_set1_epi32(bias ? bias[at] : 0));
            bytes = o2c_qx_requant8(row, _mm256_set1_ps(e->scale[e->per_row ? at : 0]),
                                    e->q.zero, e->q.lo, e->q.hi);
            if (n == 8)
                memcpy(y + (size_t)at * row_stride, &bytes, 8u);
            else
                memcpy(y + (size_t)at * row_stride, &bytes, (size_t)n);
        }
    }
}

#endif
#endif /* O2C_QGEMM_VNNI_H */
