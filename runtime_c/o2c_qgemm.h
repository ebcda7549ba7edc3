/*
 * o2c_qgemm.h - the int8 GEMM core behind quantized Conv, MatMul and Gemm.
 *
 *     Y[r][j] = epilogue(bias[r] + sum_k W[r][k] * X[j][k])
 *
 * W ("weights", rows x K) is a compile-time constant with its zero point already
 * subtracted, so it fits int8; X ("columns", one per output position or matrix row) is
 * the run-time 8-bit data as stored.  The compiler folds the data's zero point into the
 * bias (bias - x_zero * sum_k W[r][k]), and padding holds the zero point, so the sums
 * are exactly onnxruntime's sum((x - x_zero) * (w - w_zero)) + bias.
 *
 * Layouts (the same on every target; onnx2c/quant/packing.py writes W):
 *
 * - W, "row pairs": rows padded to an even count with zero rows and K to K4 (a
 *   multiple of 4) with zeros; for row pair r and k pair kk, the four bytes
 *   W[2r][2kk], W[2r+1][2kk], W[2r][2kk+1], W[2r+1][2kk+1].  A row pair is 2 * K4 bytes.
 * - X, "column quads": 32-bit words, tiles of O2C_QTILE = 4 columns; word kk * 4 + j of
 *   a tile holds column j's k pair kk as two int16, x[2kk] in the low half (every
 *   target is little-endian).  A tile is 4 * K4 / 2 words; columns past the last one and
 *   k past K are anything finite (their weights or outputs are dropped).
 *
 * On Cortex-M4/M7 (__ARM_FEATURE_DSP) o2c_qgemm_arm.h has the loops in assembly, on
 * x86-64 with AVX2 o2c_qgemm_x86.h has them in intrinsics; the portable C below computes
 * the same int32 sums.
 */
#ifndef O2C_QGEMM_H
#define O2C_QGEMM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_abi.h"
#include "o2c_qrequant.h"
#include "o2c_qlayout.h"
#include "o2c_qepilogue.h"

#if defined(O2C_ARM_DSP)
#include "o2c_qgemm_arm.h"
#elif defined(O2C_X86_AVX2)
#include "o2c_qgemm_x86.h"
#else
/* acc (2 rows x 4 columns, row-major) += the row pair times the tile, over K4. */
static inline void o2c_qgemm_pair_tile(int32_t K4, const int8_t *w, const uint32_t *x,
                                       int32_t *acc)
{
    int32_t kk, j;
    for (kk = 0; kk < K4; kk += 2, w += 4, x += O2C_QTILE)
        for (j = 0; j < O2C_QTILE; j++) {
            const int32_t lo = (int16_t)(x[j] & 0xFFFFu), hi = (int16_t)(x[j] >> 16);
            acc[j] += w[0] * lo + w[2] * hi;
            acc[O2C_QTILE + j] += w[1] * lo + w[3] * hi;
        }
}
#endif

/*
 * Every row against one tile of ncols (<= O2C_QTILE) columns: output (r, j) goes to
 * y + r * row_stride + j * col_stride elements (of the epilogue's output type).
 * bias (int32, one per row) may be NULL.  x_signed says whether the tile holds int8 or
 * uint8 values; the tile may be rewritten (x86 with VNNI regroups uint8 ones to bytes).
 */
static inline void o2c_qgemm_tile(int32_t x_signed, int32_t rows, int32_t K4,
                                  const int8_t *w, const int32_t *bias, uint32_t *x,
                                  int32_t ncols, const o2c_qepilogue *e, void *y,
                                  size_t row_stride, size_t col_stride)
{
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t r, i, j;
#if defined(O2C_X86_VNNI_U8)
    if (!x_signed) {                    /* uint8 columns: VPDPBUSD on byte quads */
        o2c_qx_tile_to_quads(K4, x);
        if (e->mode == O2C_QEPI_REQUANT && !e->fixed) {
            o2c_qx_tile_requant(1, rows, K4, w, bias, x, ncols, e->scale, e->per_row, e->q,
                                (uint8_t *)y, (int32_t)row_stride, (int32_t)col_stride);
            return;
        }
    }
#else
    (void)x_signed;
#endif
#if defined(O2C_ARM_DSP) || defined(O2C_X86_AVX2)
    if (e->mode == O2C_QEPI_REQUANT && !e->fixed) {     /* the hot path, fused */
        o2c_qgemm_tile_requant(rows, K4, w, bias, x, ncols, e->scale, e->per_row, e->q,
                               (uint8_t *)y, (int32_t)row_stride, (int32_t)col_stride);
        return;
    }
#endif
    for (r = 0; r < rows; r += 2) {
        int32_t acc[2 * O2C_QTILE];
        for (i = 0; i < 2; i++)
            for (j = 0; j < O2C_QTILE; j++)
                acc[i * O2C_QTILE + j] = (bias && r + i < rows) ? bias[r + i] : 0;
#if defined(O2C_X86_VNNI_U8)
        if (!x_signed)
            o2c_qgemm_quad_tile(K4, w + (size_t)r * K4, x, acc);
        else
#endif
            o2c_qgemm_pair_tile(K4, w + (size_t)r * K4, x, acc);
        o2c_qepilogue_rows(e, r, rows - r < 2 ? rows - r : 2, acc, O2C_QTILE, ncols,
                           (unsigned char *)y + (size_t)r * row_stride * elem, row_stride,
                           col_stride);
    }
}

/* Matrix rows m0 .. m0+n-1 (n <= O2C_QTILE) of an 8-bit A (lda apart) as a column tile:
 * the tile's columns are A's rows, as stored. */
#define O2C_QGEMM_ROWS_TO_TILE(NAME, T)                                                   \
    static inline void NAME(int32_t K, const T *a, size_t lda, int32_t n, uint32_t *tile)  \
    {                                                                                    \
        const int32_t K4 = o2c_qk4(K);                                                   \
        int32_t j, k;                                                                    \
        for (j = 0; j < O2C_QTILE; j++) {                                                \
            const T *row = a + (size_t)(j < n ? j : 0) * lda;                            \
            uint32_t *t = tile + j;                                                      \
            for (k = 0; k + 1 < K; k += 2, t += O2C_QTILE)                               \
                *t = o2c_qpair(row[k], row[k + 1]);                                      \
            for (; k < K4; k += 2, t += O2C_QTILE)                                       \
                *t = o2c_qpair(k < K ? row[k] : 0, 0);                                   \
        }                                                                                \
    }
O2C_QGEMM_ROWS_TO_TILE(o2c_qrows_tile_u8, uint8_t)
O2C_QGEMM_ROWS_TO_TILE(o2c_qrows_tile_s8, int8_t)

#if defined(O2C_X86_VNNI_U8)
#include "o2c_qgemv_x86.h"
#include "o2c_qgemm_bcast_x86.h"
#endif

/* o2c_qgemm for one row of A, where a column tile would hold a single column: the
 * x86 VNNI kernel for uint8 A; elsewhere the tile (the sums are the same). */
static inline void o2c_qgemv(int32_t N, int32_t K, int32_t a_signed, const void *a,
                             const int8_t *w, const int32_t *bias, const o2c_qepilogue *e,
                             void *y, uint32_t *tile)
{
    const int32_t K4 = o2c_qk4(K);
#if defined(O2C_X86_VNNI_U8)
    if (!a_signed) {
        const size_t elem = o2c_qepilogue_bytes(e);
        int32_t r, sums[16];
        o2c_qgv_data(K, (const uint8_t *)a, (uint8_t *)tile);
        for (r = 0; r < N; r += 16) {
            const int32_t n = N - r < 16 ? N - r : 16;
            o2c_qgv_rows16(N, K4, w, (const uint8_t *)tile, bias, r, n, sums);
            o2c_qepilogue_rows(e, r, n, sums, 1, 1, (unsigned char *)y + (size_t)r * elem,
                               1u, 1u);
        }
        return;
    }
#endif
    if (a_signed)
        o2c_qrows_tile_s8(K, (const int8_t *)a, (size_t)K, 1, tile);
    else
        o2c_qrows_tile_u8(K, (const uint8_t *)a, (size_t)K, 1, tile);
    o2c_qgemm_tile(a_signed, N, K4, w, bias, tile, 1, e, y, 1u, 1u);
}

/*
 * Y (M x N) = epilogue(bias + A x W^T) for an 8-bit A (M x K, row-major, lda apart) and
 * packed W (N rows of K): MatMul, Gemm and their integer forms once the compiler has
 * folded the zero points into W and bias.  Y is row-major with ldy elements per row.
 * scratch: o2c_qgemm_tile_bytes(K), 4-byte aligned.
 */
static inline int o2c_qgemm(int32_t M, int32_t N, int32_t K, int32_t a_signed,
                            const void *a, size_t lda, const int8_t *w, const int32_t *bias,
                            const o2c_qepilogue *e, void *y, size_t ldy, void *scratch)
{
    uint32_t *tile = (uint32_t *)scratch;
    const int32_t K4 = o2c_qk4(K);
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t m;
    if (M < O2C_QTILE) {        /* a row at a time: a tile would be mostly empty */
        for (m = 0; m < M; m++)
            o2c_qgemv(N, K, a_signed, (const unsigned char *)a + (size_t)m * lda, w, bias,
                      e, (unsigned char *)y + (size_t)m * ldy * elem, tile);
        return O2C_OK;
    }
#if defined(O2C_X86_VNNI_U8)
    if (!a_signed && !e->fixed && K4 <= O2C_QB_MAX_K4) {
        o2c_qb_gemm(M, N, K, (const uint8_t *)a, lda, w, bias, e, y, ldy);
        return O2C_OK;
    }
#endif
    for (m = 0; m < M; m += O2C_QTILE) {
        int32_t n = M - m < O2C_QTILE ? M - m : O2C_QTILE;
        if (a_signed)
            o2c_qrows_tile_s8(K, (const int8_t *)a + (size_t)m * lda, lda, n, tile);
        else
            o2c_qrows_tile_u8(K, (const uint8_t *)a + (size_t)m * lda, lda, n, tile);
        o2c_qgemm_tile(a_signed, N, K4, w, bias, tile, n, e,
                       (unsigned char *)y + (size_t)m * ldy * elem, 1u, ldy);
    }
    return O2C_OK;
}

#endif /* O2C_QGEMM_H */
