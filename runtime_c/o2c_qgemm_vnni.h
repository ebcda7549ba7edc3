/*
 * o2c_qgemm_vnni.h - the GEMM of o2c_qconv_vnni.h: 8-bit weights times a tile of eight
 * columns of uint8 byte quads (word q * 8 + j: column j's k 4q .. 4q+3), requantized in
 * float mode.  Included by o2c_qconv_vnni.h under O2C_X86_VNNI_U8.
 *
 * The packed row pairs (o2c_qgemm.h) are first unpacked, a band of rows at a time, into
 * a stack buffer of plain rows (each row's k contiguous, padded to a multiple of 8 with
 * zeros), so that a row's eight weights of k 8Q .. 8Q+7 are one 64-bit broadcast (a
 * load, no shuffle).  The tile's two quads 2Q, 2Q+1 are one 512-bit load, permuted once
 * per band of eight rows to lanes 2j (quad 2Q) and 2j+1 (quad 2Q+1) of column j; then
 * each VPDPBUSD adds 64 exact uint8 x int8 products (a lane's four fit 17 bits) to
 * int32 lanes that wrap as the portable additions do, and the two lanes of a column are
 * added once at the end.
 */
#ifndef O2C_QGEMM_VNNI_H
#define O2C_QGEMM_VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qgemm.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

/* The stack buffer of unpacked weights: a band holds at least eight rows of up to 4096
 * k (o2c_qv_supported). */
#define O2C_QV_WEIGHT_BYTES 32768

static inline int32_t o2c_qv_k8(int32_t K4)
{
    return (K4 + 7) & ~7;
}

/* Rows r0 .. r0+count-1 (r0 even, count a multiple of 8; rows from `rows` on zero) of
 * the row pairs w (K4 per row) as plain rows of o2c_qv_k8(K4) bytes. */
static inline void o2c_qv_unpack(const int8_t *w, int32_t rows, int32_t K4, int32_t r0,
                                 int32_t count, int8_t *out)
{
    const int32_t K8 = o2c_qv_k8(K4);
    /* a0 b0 a1 b1 ... a7 b7 to a0 .. a7 b0 .. b7 */
    const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    int32_t r, k;
    for (r = 0; r < count; r += 2) {
        int8_t *a = out + (size_t)r * (size_t)K8, *b = a + K8;
        const int8_t *pair = w + (size_t)(r0 + r) * (size_t)K4;
        if (r0 + r >= rows) {
            memset(a, 0, 2u * (size_t)K8);
            continue;
        }
        for (k = 0; k < K4; k += 8) {
            const __m128i v = _mm_shuffle_epi8(
                k + 8 <= K4 ? _mm_loadu_si128((const __m128i *)(const void *)(pair + 2 * k))
                            : _mm_loadl_epi64((const __m128i *)(const void *)(pair + 2 * k)),
                split);
            _mm_storel_epi64((__m128i *)(void *)(a + k), v);
            _mm_storel_epi64((__m128i *)(void *)(b + k), _mm_srli_si128(v, 8));
        }
    }
}

/* The sums of eight unpacked rows (K8 apart) against the tile, one row per __m256i
 * lane j = column j. */
static inline void o2c_qv_sums8(const int8_t *rows8, int32_t K4, const uint32_t *tile,
                                __m256i *sums)
{
    const int32_t K8 = o2c_qv_k8(K4);
    /* lane 2j + h from lane 8h + j: column j's quads 2Q, 2Q+1 side by side */
    const __m512i spread = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14,
                                             7, 15);
    __m512i acc[8];
    int32_t i, k;
    for (i = 0; i < 8; i++)
        acc[i] = _mm512_setzero_si512();
    for (k = 0; k < K4; k += 8) {
        /* the last quad alone: the odd lanes zero (and the weights past K4 zero) */
        const __m512i cols = _mm512_permutexvar_epi32(
            spread, k + 8 <= K4 ? _mm512_loadu_si512((const void *)(tile + 2 * k))
                                : _mm512_maskz_loadu_epi32(0x00FF, (const void *)(tile + 2 * k)));
        for (i = 0; i < 8; i++) {
            int64_t eight;
            memcpy(&eight, rows8 + (size_t)i * (size_t)K8 + (size_t)k, 8u);
            acc[i] = _mm512_dpbusd_epi32(acc[i], cols, _mm512_set1_epi64(eight));
        }
    }
    for (i = 0; i < 8; i++)
        sums[i] = _mm512_cvtepi64_epi32(_mm512_add_epi32(acc[i], _mm512_srli_epi64(acc[i], 32)));
}

/* Rows r0 .. r1-1 (unpacked from r0 by o2c_qv_unpack) against the tile of n (<= 8)
 * columns, bias added and requantized: row r's bytes go to y + r * row_stride. */
static inline void o2c_qv_gemm_requant(int32_t r0, int32_t r1, int32_t K4,
                                       const int8_t *unpacked, const int32_t *bias,
                                       const uint32_t *tile, int32_t n,
                                       const o2c_qepilogue *e, uint8_t *y, size_t row_stride)
{
    int32_t r, i;
    for (r = r0; r < r1; r += 8) {
        __m256i sums[8];
        o2c_qv_sums8(unpacked + (size_t)(r - r0) * (size_t)o2c_qv_k8(K4), K4, tile, sums);
        for (i = 0; i < 8 && r + i < r1; i += 2) {     /* two rows per requantization */
            const int32_t at = r + i, at_b = r + i + 1 < r1 ? r + i + 1 : r + i;
            const float sa = e->scale[e->per_row ? at : 0], sb = e->scale[e->per_row ? at_b : 0];
            const float row_scale[4] = { sa, sa, sb, sb };
            unsigned char out[16];
            _mm_storeu_si128((__m128i *)(void *)out, o2c_qx_requant16(
                _mm256_add_epi32(sums[i], _mm256_set1_epi32(bias ? bias[at] : 0)),
                _mm256_add_epi32(sums[i + 1], _mm256_set1_epi32(bias ? bias[at_b] : 0)),
                row_scale, e->q.zero, e->q.lo, e->q.hi));
            memcpy(y + (size_t)at * row_stride, out, (size_t)n);
            if (at_b != at)
                memcpy(y + (size_t)at_b * row_stride, out + 8, (size_t)n);
        }
    }
}

#endif
#endif /* O2C_QGEMM_VNNI_H */
