/*
 * o2c_qgemv_x86.h - o2c_qgemm.h's product for a single row of uint8 A (a matrix-vector
 * product: batch-1 MatMulInteger, an LSTM step's h R) with VNNI, included by
 * o2c_qgemm.h (o2c_qgemv) under O2C_X86_VNNI_U8.  The column tile would leave three of its four
 * columns empty; here A is instead laid out once to meet the row pairs as stored.
 *
 * A row pair's k quad is eight bytes a0 b0 a1 b1 a2 b2 a3 b3 (o2c_qgemm.h); one VPSHUFB
 * makes it a0 a1 a2 a3 b0 b1 b2 b3, and against A's quad written twice (o2c_qgv_data)
 * VPDPBUSD adds row a's four exact uint8 x int8 products to one int32 lane and row b's
 * to the next, wrapping as the portable sums do.  Eight row pairs (sixteen rows) share
 * every load of A; their lanes are added across at the end (o2c_qgv_reduce).
 */
#ifndef O2C_QGEMV_X86_H
#define O2C_QGEMV_X86_H

#include <stddef.h>
#include <stdint.h>
#include "o2c_qvnni.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

/* Row pairs per block: sixteen rows, one vector of sums. */
#define O2C_QGV_PAIRS 8

/* a (K bytes) as the row pairs meet it: per k quad its four bytes twice, K padded to
 * K4 with zeros; 2 * K4 bytes. */
static inline void o2c_qgv_data(int32_t K, const uint8_t *a, uint8_t *data)
{
    const int32_t K4 = o2c_qk4(K);
    int32_t k;
    for (k = 0; k < K4; k++) {
        const uint8_t v = k < K ? a[k] : 0u;
        data[2 * (k & ~3) + (k & 3)] = v;
        data[2 * (k & ~3) + 4 + (k & 3)] = v;
    }
}

/* Eight vectors of pair sums (even lanes row 2i's, odd lanes row 2i+1's) as the sixteen
 * rows' totals in order: halves, then quarters, added across; then, per quarter i, the
 * 64-bit halves of vectors i and 4 + i, leaving rows 2i, 2i+1, 8+2i, 9+2i. */
static inline __m512i o2c_qgv_reduce(const __m512i *acc)
{
    const __m512i order = _mm512_setr_epi32(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11,
                                            14, 15);
    __m512i halves[4], quarters[2];
    int32_t i;
    for (i = 0; i < 4; i++)
        halves[i] = _mm512_add_epi32(_mm512_shuffle_i64x2(acc[2 * i], acc[2 * i + 1], 0x44),
                                     _mm512_shuffle_i64x2(acc[2 * i], acc[2 * i + 1], 0xEE));
    for (i = 0; i < 2; i++)
        quarters[i] = _mm512_add_epi32(
            _mm512_shuffle_i64x2(halves[2 * i], halves[2 * i + 1], 0x88),
            _mm512_shuffle_i64x2(halves[2 * i], halves[2 * i + 1], 0xDD));
    return _mm512_permutexvar_epi32(order, _mm512_add_epi32(
        _mm512_unpacklo_epi64(quarters[0], quarters[1]),
        _mm512_unpackhi_epi64(quarters[0], quarters[1])));
}

/* The sums of `pairs` (1 .. 8) row pairs from w against data (o2c_qgv_data); pairs past
 * the last are computed from it again, and dropped by the caller. */
static inline __m512i o2c_qgv_block(int32_t K4, const int8_t *w, int32_t pairs,
                                    const uint8_t *data)
{
    const __m512i regroup = _mm512_broadcast_i32x4(_mm_setr_epi8(O2C_QX_ROW_QUADS));
    const size_t bytes = 2u * (size_t)K4, full = bytes & ~(size_t)63;
    const int8_t *pair[O2C_QGV_PAIRS];
    __m512i acc[O2C_QGV_PAIRS];
    size_t at;
    int32_t i;
    for (i = 0; i < O2C_QGV_PAIRS; i++) {
        pair[i] = w + (size_t)(i < pairs ? i : pairs - 1) * bytes;
        acc[i] = _mm512_setzero_si512();
    }
    for (at = 0; at < full; at += 64) {
        const __m512i quads = _mm512_loadu_si512((const void *)(data + at));
        for (i = 0; i < O2C_QGV_PAIRS; i++)
            acc[i] = o2c_qv_dpbusd(acc[i], quads, _mm512_shuffle_epi8(
                _mm512_loadu_si512((const void *)(pair[i] + at)), regroup));
    }
    if (full < bytes) {     /* masked loads: nothing read past the row pair */
        const __mmask64 mask = ((__mmask64)1 << (bytes - full)) - 1u;
        const __m512i quads = _mm512_maskz_loadu_epi8(mask, data + full);
        for (i = 0; i < O2C_QGV_PAIRS; i++)
            acc[i] = o2c_qv_dpbusd(acc[i], quads, _mm512_shuffle_epi8(
                _mm512_maskz_loadu_epi8(mask, pair[i] + full), regroup));
    }
    return o2c_qgv_reduce(acc);
}

/* out[i] = bias[r0 + i] (if bias) + row r0 + i of w (K4 per row) times data
 * (o2c_qgv_data), for i < n <= 16 rows of the `rows` in w. */
static inline void o2c_qgv_rows16(int32_t rows, int32_t K4, const int8_t *w,
                                  const uint8_t *data, const int32_t *bias, int32_t r0,
                                  int32_t n, int32_t *out)
{
    const int32_t pairs = (rows + 1) / 2 - r0 / 2;
    __m512i sums = o2c_qgv_block(K4, w + (size_t)r0 * (size_t)K4,
                                 pairs < O2C_QGV_PAIRS ? pairs : O2C_QGV_PAIRS, data);
    if (bias)
        sums = _mm512_add_epi32(sums, _mm512_maskz_loadu_epi32((__mmask16)((1u << n) - 1u),
                                                               bias + r0));
    _mm512_storeu_si512((void *)out, sums);
}

#endif
#endif /* O2C_QGEMV_X86_H */
