/*
 * o2c_qgemm_vnni.h - the GEMM of o2c_qconv_vnni.h: 8-bit weights times up to 32 columns
 * of uint8 byte quads (one 32-bit word: a column's four consecutive k), requantized in
 * float mode.  Included by o2c_qconv_vnni.h under O2C_X86_VNNI_U8.
 *
 * The packed row pairs (o2c_qgemm.h) are first unpacked, a band of rows at a time, into
 * a stack buffer of plain rows (each row's k contiguous, padded to a multiple of 8 with
 * zeros), so that a row's quad is one 32-bit broadcast.  Sixteen columns' quads are one
 * 512-bit load (o2c_qv_source says where), and each VPDPBUSD adds 64 exact uint8 x int8
 * products (a lane's four fit 17 bits) to the int32 lanes of one row's sixteen columns,
 * which wrap as the portable additions do: eight rows by two vectors keep sixteen sums
 * in registers, every column load serves eight rows and every broadcast two vectors, and
 * a row's sums leave as bytes of its output row (o2c_qv_segment), with no lane reduction.
 */
#ifndef O2C_QGEMM_VNNI_H
#define O2C_QGEMM_VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qgemm.h"
#include "o2c_qvnni.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

/* The stack buffer of unpacked weights: a band holds at least eight rows of up to 4096
 * k (o2c_qv_supported). */
#define O2C_QV_WEIGHT_BYTES 32768

/* The columns of one vector, and the stack buffer the columns are read from. */
#define O2C_QV_VECTOR 16
#define O2C_QV_COLUMN_BYTES 65536

/* Where the GEMM reads its columns' quads: tap t's quad q (k = 4 * (t * quads + q) ..)
 * of column j is the word at + tap[t] + q * stride + j. */
typedef struct {
    const uint32_t *at;
    const intptr_t *tap;
    int32_t taps, quads;
    size_t stride;
} o2c_qv_source;

/* Where sums go: lane j (bit j of lanes) of a row to byte delta + j of its output row. */
typedef struct {
    intptr_t delta;
    uint32_t lanes;
} o2c_qv_segment;

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

/* The sums of eight unpacked rows (K8 apart) over nvec (1 or 2) vectors of columns:
 * acc[v * 8 + i] is row i's sums over vector v. */
static inline void o2c_qv_sums(const int8_t *rows8, int32_t K4, const o2c_qv_source *src,
                               int32_t nvec, __m512i *acc)
{
    const size_t K8 = (size_t)o2c_qv_k8(K4);
    const int8_t *w = rows8;
    int32_t i, t, q;
    for (i = 0; i < 16; i++)
        acc[i] = _mm512_setzero_si512();
    for (t = 0; t < src->taps; t++) {
        const uint32_t *col = src->at + src->tap[t];
        for (q = 0; q < src->quads; q++, col += src->stride, w += 4) {
            const __m512i c0 = _mm512_loadu_si512((const void *)col);
            const __m512i c1 = nvec > 1 ? _mm512_loadu_si512((const void *)(col + 16)) : c0;
            for (i = 0; i < 8; i++) {
                int32_t quad;
                memcpy(&quad, w + (size_t)i * K8, 4u);
                acc[i] = o2c_qv_dpbusd(acc[i], c0, _mm512_set1_epi32(quad));
                if (nvec > 1)
                    acc[8 + i] = o2c_qv_dpbusd(acc[8 + i], c1, _mm512_set1_epi32(quad));
            }
        }
    }
}

/* Rows r0 .. r1-1 (unpacked from r0 by o2c_qv_unpack) over n (<= 32) columns, bias
 * added and requantized: row r's bytes go to its segments of y + r * row_stride. */
static inline void o2c_qv_gemm_requant(int32_t r0, int32_t r1, int32_t K4,
                                       const int8_t *unpacked, const int32_t *bias,
                                       const o2c_qv_source *src, int32_t n,
                                       const o2c_qv_segment *seg, int32_t n_seg,
                                       const o2c_qepilogue *e, uint8_t *y, size_t row_stride)
{
    int32_t r, i, k;
    for (r = r0; r < r1; r += 8) {
        const int8_t *rows8 = unpacked + (size_t)(r - r0) * (size_t)o2c_qv_k8(K4);
        __m512i acc[16];
        if (n > O2C_QV_VECTOR)      /* a constant nvec for each copy of the loop */
            o2c_qv_sums(rows8, K4, src, 2, acc);
        else
            o2c_qv_sums(rows8, K4, src, 1, acc);
        for (i = 0; i < 8 && r + i < r1; i++) {
            const int32_t at = r + i;
            const float sc = e->scale[e->per_row ? at : 0];
            const __m512 scale = _mm512_set1_ps(sc);
            const int32_t finite = sc - sc == 0.0f;
            const o2c_qout q = e->q;
            const __m512i b = _mm512_set1_epi32(bias ? bias[at] : 0);
            const uintptr_t row = (uintptr_t)(void *)(y + (size_t)at * row_stride);
            __m256i bytes = _mm256_castsi128_si256(o2c_qx_requant_zmm(
                _mm512_add_epi32(acc[i], b), scale, q.zero, q.lo, q.hi, finite));
            if (n > O2C_QV_VECTOR)
                bytes = _mm256_inserti128_si256(bytes, o2c_qx_requant_zmm(
                    _mm512_add_epi32(acc[8 + i], b), scale, q.zero, q.lo, q.hi, finite), 1);
            /* the address in integers: a run's lane 0 may lie before the row */
            for (k = 0; k < n_seg; k++)
                _mm256_mask_storeu_epi8((void *)(row + (uintptr_t)seg[k].delta),
                                        (__mmask32)seg[k].lanes, bytes);
        }
    }
}

#endif
#endif /* O2C_QGEMM_VNNI_H */
