/*
 * o2c_qgemm_x86.h - the x86-64 (AVX2, AVX-512BW, VNNI) micro-kernels of o2c_qgemm.h,
 * included by it under O2C_X86_AVX2; the portable C there computes the same integers.
 *
 * A column tile (o2c_qlayout.h) is four 32-bit words per k pair, each two int16: two k
 * pairs of it are one 256-bit load, four one 512-bit load.  The row pair's weights for
 * the same k pairs (bytes a0 b0 a1 b1 per k pair) are regrouped into each row's int16
 * pair (a0, a1), broadcast over the four columns, so that VPMADDWD (or VNNI's VPDPWSSD)
 * gives every row x column x k-pair product sum: int16 x int16 sums of two, exact, and
 * int32 additions that wrap exactly like the portable sums.  The lanes of different k
 * pairs are added at the end.
 */
#ifndef O2C_QGEMM_X86_H
#define O2C_QGEMM_X86_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qrequant.h"
#include "o2c_qlayout.h"

#if defined(O2C_X86_AVX2)
#include <immintrin.h>

/* Per k pair of the packed bytes a0 b0 a1 b1: a0 a1 b0 b1, so that sign-extended to int16
 * each row's pair is one 32-bit lane. */
#define O2C_QX_ROW_PAIRS 0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15

/* The sums of the row pair w against the tile x over K4: lanes 0-3 row a's four
 * columns, lanes 4-7 row b's. */
static inline __m256i o2c_qx_pair_sums(int32_t K4, const int8_t *w, const uint32_t *x)
{
    const __m128i regroup = _mm_setr_epi8(O2C_QX_ROW_PAIRS);
    __m256i sum_a = _mm256_setzero_si256(), sum_b = _mm256_setzero_si256();
    __m128i row_a, row_b;
    int32_t k = 0;
#if defined(O2C_X86_AVX512)
    {
        const __m512i pick_a = _mm512_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6);
        const __m512i pick_b = _mm512_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7);
        __m512i wide_a = _mm512_setzero_si512(), wide_b = _mm512_setzero_si512();
        for (; k + 8 <= K4; k += 8, w += 16, x += 16) {
            const __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)w);
            const __m512i pairs = _mm512_castsi256_si512(
                _mm256_cvtepi8_epi16(_mm_shuffle_epi8(bytes, regroup)));
            const __m512i cols = _mm512_loadu_si512((const void *)x);
#if defined(__AVX512VNNI__)
            wide_a = _mm512_dpwssd_epi32(wide_a, _mm512_permutexvar_epi32(pick_a, pairs), cols);
            wide_b = _mm512_dpwssd_epi32(wide_b, _mm512_permutexvar_epi32(pick_b, pairs), cols);
#else
            wide_a = _mm512_add_epi32(wide_a, _mm512_madd_epi16(
                                                  _mm512_permutexvar_epi32(pick_a, pairs), cols));
            wide_b = _mm512_add_epi32(wide_b, _mm512_madd_epi16(
                                                  _mm512_permutexvar_epi32(pick_b, pairs), cols));
#endif
        }
        sum_a = _mm256_add_epi32(_mm512_castsi512_si256(wide_a),
                                 _mm512_extracti64x4_epi64(wide_a, 1));
        sum_b = _mm256_add_epi32(_mm512_castsi512_si256(wide_b),
                                 _mm512_extracti64x4_epi64(wide_b, 1));
    }
#endif
    {
        const __m256i pick_a = _mm256_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2);
        const __m256i pick_b = _mm256_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3);
        for (; k < K4; k += 4, w += 8, x += 8) {
            const __m128i bytes = _mm_loadl_epi64((const __m128i *)(const void *)w);
            const __m256i pairs = _mm256_castsi128_si256(
                _mm_cvtepi8_epi16(_mm_shuffle_epi8(bytes, regroup)));
            const __m256i cols = _mm256_loadu_si256((const __m256i *)(const void *)x);
            sum_a = _mm256_add_epi32(sum_a, _mm256_madd_epi16(
                                                _mm256_permutevar8x32_epi32(pairs, pick_a), cols));
            sum_b = _mm256_add_epi32(sum_b, _mm256_madd_epi16(
                                                _mm256_permutevar8x32_epi32(pairs, pick_b), cols));
        }
    }
    row_a = _mm_add_epi32(_mm256_castsi256_si128(sum_a), _mm256_extracti128_si256(sum_a, 1));
    row_b = _mm_add_epi32(_mm256_castsi256_si128(sum_b), _mm256_extracti128_si256(sum_b, 1));
    return _mm256_set_m128i(row_b, row_a);
}

/* acc (2 rows x 4 columns, row-major) += the row pair times the tile, over K4. */
static inline void o2c_qgemm_pair_tile(int32_t K4, const int8_t *w, const uint32_t *x,
                                       int32_t *acc)
{
    __m256i sums = _mm256_loadu_si256((const __m256i *)(const void *)acc);
    sums = _mm256_add_epi32(sums, o2c_qx_pair_sums(K4, w, x));
    _mm256_storeu_si256((__m256i *)(void *)acc, sums);
}

/* Two values per 128-bit half: lanes 0-3 the row r's, 4-7 row r_b's. */
static inline __m256i o2c_qx_rows_i32(const int32_t *v, int32_t r, int32_t r_b)
{
    return _mm256_set_m128i(_mm_set1_epi32(v[r_b]), _mm_set1_epi32(v[r]));
}

#if defined(O2C_X86_AVX512) && defined(__AVX512VNNI__)
#define O2C_X86_VNNI_U8 1

/* Per four k of a row pair (bytes a0 b0 a1 b1 a2 b2 a3 b3): a0 a1 a2 a3 b0 b1 b2 b3, each
 * row's four weights one 32-bit lane. */
#define O2C_QX_ROW_QUADS 0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15

/* A tile of uint8 values (0..255 in every int16) regrouped in place to bytes: word
 * q * 4 + j becomes column j's k 4q .. 4q+3, one byte each, for VPDPBUSD. */
static inline void o2c_qx_tile_to_quads(int32_t K4, uint32_t *tile)
{
    int32_t q;
    for (q = 0; q < K4 / 4; q++) {
        const __m128i halves = _mm256_cvtepi16_epi8(
            _mm256_loadu_si256((const __m256i *)(const void *)(tile + 8 * q)));
        _mm_storeu_si128((__m128i *)(void *)(tile + 4 * q),
                         _mm_unpacklo_epi16(halves, _mm_srli_si128(halves, 8)));
    }
}

/* o2c_qx_pair_sums for a tile of byte quads (o2c_qx_tile_to_quads): VPDPBUSD multiplies
 * the uint8 columns by the int8 weights four at a time, exactly (a sum of four products
 * fits 17 bits; the int32 additions wrap as the portable ones do). */
static inline __m256i o2c_qx_quad_sums(int32_t K4, const int8_t *w, const uint32_t *x)
{
    const __m512i pick_a = _mm512_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6);
    const __m512i pick_b = _mm512_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7);
    const __m256i regroup = _mm256_setr_epi8(O2C_QX_ROW_QUADS, O2C_QX_ROW_QUADS);
    __m512i wide_a = _mm512_setzero_si512(), wide_b = _mm512_setzero_si512();
    __m256i sum_a, sum_b;
    __m128i row_a, row_b;
    int32_t k = 0;
    for (; k + 16 <= K4; k += 16, w += 32, x += 16) {
        const __m512i quads = _mm512_castsi256_si512(_mm256_shuffle_epi8(
            _mm256_loadu_si256((const __m256i *)(const void *)w), regroup));
        const __m512i cols = _mm512_loadu_si512((const void *)x);
        wide_a = _mm512_dpbusd_epi32(wide_a, cols, _mm512_permutexvar_epi32(pick_a, quads));
        wide_b = _mm512_dpbusd_epi32(wide_b, cols, _mm512_permutexvar_epi32(pick_b, quads));
    }
    sum_a = _mm256_add_epi32(_mm512_castsi512_si256(wide_a), _mm512_extracti64x4_epi64(wide_a, 1));
    sum_b = _mm256_add_epi32(_mm512_castsi512_si256(wide_b), _mm512_extracti64x4_epi64(wide_b, 1));
    row_a = _mm_add_epi32(_mm256_castsi256_si128(sum_a), _mm256_extracti128_si256(sum_a, 1));
    row_b = _mm_add_epi32(_mm256_castsi256_si128(sum_b), _mm256_extracti128_si256(sum_b, 1));
    for (; k < K4; k += 4, w += 8, x += 4) {
        const __m128i quads = _mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)(const void *)w),
                                               _mm256_castsi256_si128(regroup));
        const __m128i cols = _mm_loadu_si128((const __m128i *)(const void *)x);
        row_a = _mm_dpbusd_epi32(row_a, cols, _mm_shuffle_epi32(quads, 0x00));
        row_b = _mm_dpbusd_epi32(row_b, cols, _mm_shuffle_epi32(quads, 0x55));
    }
    return _mm256_set_m128i(row_b, row_a);
}

/* o2c_qgemm_pair_tile for a tile of byte quads (o2c_qx_tile_to_quads). */
static inline void o2c_qgemm_quad_tile(int32_t K4, const int8_t *w, const uint32_t *x,
                                       int32_t *acc)
{
    __m256i sums = _mm256_loadu_si256((const __m256i *)(const void *)acc);
    sums = _mm256_add_epi32(sums, o2c_qx_quad_sums(K4, w, x));
    _mm256_storeu_si256((__m256i *)(void *)acc, sums);
}
#endif

/* The sums of row pair w against tile x: byte quads (o2c_qx_tile_to_quads) or int16. */
static inline __m256i o2c_qx_sums(int32_t quads, int32_t K4, const int8_t *w,
                                  const uint32_t *x)
{
#if defined(O2C_X86_VNNI_U8)
    return quads ? o2c_qx_quad_sums(K4, w, x) : o2c_qx_pair_sums(K4, w, x);
#else
    (void)quads;
    return o2c_qx_pair_sums(K4, w, x);
#endif
}

/* o2c_qgemm_tile in float requantization mode: four rows' sixteen sums requantized
 * together and stored; quads says the tile holds byte quads (o2c_qx_tile_to_quads).
 * Rows past the last one are computed from the last row pair and dropped. */
static inline void o2c_qx_tile_requant(int32_t quads, int32_t rows, int32_t K4,
                                       const int8_t *w, const int32_t *bias,
                                       const uint32_t *x, int32_t ncols, const float *scale,
                                       int32_t per_row, o2c_qout q, uint8_t *y,
                                       int32_t row_stride, int32_t col_stride)
{
    int32_t r, i, j;
    for (r = 0; r < rows; r += 4) {
        const int32_t pair2 = r + 2 < rows ? r + 2 : r;      /* the second row pair */
        const int32_t n_rows = rows - r < 4 ? rows - r : 4;
        __m256i lo = o2c_qx_sums(quads, K4, w + (size_t)r * K4, x);
        __m256i hi = o2c_qx_sums(quads, K4, w + (size_t)pair2 * K4, x);
        float row_scale[4];
        int32_t row_bias[4];
        unsigned char out[16];
        for (i = 0; i < 4; i++) {
            const int32_t at = r + i < rows ? r + i : rows - 1;
            row_scale[i] = scale[per_row ? at : 0];
            row_bias[i] = bias ? bias[at] : 0;
        }
        lo = _mm256_add_epi32(lo, o2c_qx_rows_i32(row_bias, 0, 1));
        hi = _mm256_add_epi32(hi, o2c_qx_rows_i32(row_bias, 2, 3));
        _mm_storeu_si128((__m128i *)(void *)out,
                         o2c_qx_requant16(lo, hi, row_scale, q.zero, q.lo, q.hi));
        for (i = 0; i < n_rows; i++) {
            uint8_t *row = y + (size_t)(r + i) * (size_t)row_stride;
            if (ncols == O2C_QTILE && col_stride == 1)
                memcpy(row, out + 4 * i, 4u);
            else
                for (j = 0; j < ncols && j < O2C_QTILE; j++)
                    row[(size_t)j * (size_t)col_stride] = out[4 * i + j];
        }
    }
}

/* The same with o2c_qgemm_arm.h's signature, for the int16 tile. */
static inline void o2c_qgemm_tile_requant(int32_t rows, int32_t K4, const int8_t *w,
                                          const int32_t *bias, const uint32_t *x,
                                          int32_t ncols, const float *scale,
                                          int32_t per_row, o2c_qout q, uint8_t *y,
                                          int32_t row_stride, int32_t col_stride)
{
    o2c_qx_tile_requant(0, rows, K4, w, bias, x, ncols, scale, per_row, q, y, row_stride,
                        col_stride);
}

#endif
#endif /* O2C_QGEMM_X86_H */
