/*
 * o2c_qgemm.h - the int8 GEMM core behind quantized Conv, MatMul and Gemm.
 *
 *     Y[r][j] = epilogue(bias[r] + sum_k W[r][k] * X[j][k])
 *
 * W ("weights", rows x K) is a compile-time constant with its zero point already
 * subtracted, so it fits int8; X ("columns", one per output position or matrix row) is
 * run-time data minus its zero point, as int16.  onnxruntime computes the same int32
 * sums, so the results match it exactly before the epilogue.
 *
 * Layouts (the same on every target; onnx2c/quant/packing.py writes W):
 *
 * - W, "row pairs": rows padded to an even count with zero rows and K to K2 (even) with
 *   zeros; for row pair r and k pair kk, the four bytes
 *   W[2r][2kk], W[2r+1][2kk], W[2r][2kk+1], W[2r+1][2kk+1].  A row pair is 2 * K2 bytes.
 * - X, "column quads": tiles of 4 columns; for k pair kk of a tile the eight int16
 *   x0[2kk], x0[2kk+1], x1[2kk], x1[2kk+1], ..., x3[2kk+1].  A tile is 4 * K2 int16
 *   (O2C_QTILE columns); columns past the last one and k past K are zero.
 *
 * On Cortex-M4/M7 (__ARM_FEATURE_DSP) one 32-bit load of W and two SXTB16 give the two
 * rows' (k, k+1) pairs, and each column word feeds two SMLAD (two MACs each): 15
 * instructions per 16 MACs.  Elsewhere the same loop in portable C.  Both compute the
 * same int32 sums.
 */
#ifndef O2C_QGEMM_H
#define O2C_QGEMM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_abi.h"
#include "o2c_qrequant.h"

#define O2C_QTILE 4

/* What becomes of an int32 sum. */
enum { O2C_QEPI_REQUANT = 0, O2C_QEPI_INT32 = 1, O2C_QEPI_FLOAT = 2 };

typedef struct {
    int32_t mode;               /* O2C_QEPI_* */
    int32_t per_row;            /* scale / fixed / bias_f hold one value per row */
    const float *scale;         /* REQUANT (float mode) and FLOAT: multiplies the sum */
    const o2c_qfixed *fixed;    /* REQUANT in fixed-point mode instead of scale, or NULL */
    const float *bias_f;        /* FLOAT: added after scaling, or NULL */
    o2c_qout q;                 /* REQUANT: zero point and range */
} o2c_qepilogue;

/* Store one sum of row r at out (uint8_t for 8-bit outputs, int32_t, float). */
static inline void o2c_qepilogue_store(const o2c_qepilogue *e, int32_t r, int32_t acc,
                                       void *out)
{
    const int32_t i = e->per_row ? r : 0;
    if (e->mode == O2C_QEPI_REQUANT) {
        int32_t v = e->fixed ? o2c_requant_fixed(acc, e->fixed[i], e->q)
                             : o2c_requant(acc, e->scale[i], e->q);
        *(uint8_t *)out = (uint8_t)(v & 0xFF);
    } else if (e->mode == O2C_QEPI_INT32) {
        *(int32_t *)out = acc;
    } else {
        float v = (float)acc * e->scale[i];
        if (e->bias_f)
            v = v + e->bias_f[r];
        *(float *)out = v;
    }
}

static inline size_t o2c_qepilogue_bytes(const o2c_qepilogue *e)
{
    return e->mode == O2C_QEPI_REQUANT ? 1u : 4u;
}

static inline uint32_t o2c__load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* acc[i][j] += sum over k < K2 of the row pair's row i times column j of the tile. */
static inline void o2c_qgemm_pair_tile(int32_t K2, const int8_t *w, const int16_t *x,
                                       int32_t acc[2][O2C_QTILE])
{
    int32_t kk;
#if defined(O2C_ARM_DSP)
    int32_t a00 = acc[0][0], a01 = acc[0][1], a02 = acc[0][2], a03 = acc[0][3];
    int32_t a10 = acc[1][0], a11 = acc[1][1], a12 = acc[1][2], a13 = acc[1][3];
    for (kk = 0; kk < K2; kk += 2) {
        uint32_t wv = o2c__load32(w), c;
        int32_t w0 = __sxtb16(wv), w1 = __sxtb16(__ror(wv, 8));
        w += 4;
        c = o2c__load32(x);
        a00 = __smlad(w0, c, a00);
        a10 = __smlad(w1, c, a10);
        c = o2c__load32(x + 2);
        a01 = __smlad(w0, c, a01);
        a11 = __smlad(w1, c, a11);
        c = o2c__load32(x + 4);
        a02 = __smlad(w0, c, a02);
        a12 = __smlad(w1, c, a12);
        c = o2c__load32(x + 6);
        a03 = __smlad(w0, c, a03);
        a13 = __smlad(w1, c, a13);
        x += 8;
    }
    acc[0][0] = a00; acc[0][1] = a01; acc[0][2] = a02; acc[0][3] = a03;
    acc[1][0] = a10; acc[1][1] = a11; acc[1][2] = a12; acc[1][3] = a13;
#else
    int32_t j;
    for (kk = 0; kk < K2; kk += 2) {
        for (j = 0; j < O2C_QTILE; j++) {
            acc[0][j] += w[0] * x[2 * j] + w[2] * x[2 * j + 1];
            acc[1][j] += w[1] * x[2 * j] + w[3] * x[2 * j + 1];
        }
        w += 4;
        x += 2 * O2C_QTILE;
    }
#endif
}

/*
 * Every row against one tile of ncols (<= O2C_QTILE) columns: output (r, j) goes to
 * y + r * row_stride + j * col_stride elements (of the epilogue's output type).
 * bias (int32, one per row) may be NULL.
 */
static inline void o2c_qgemm_tile(int32_t rows, int32_t K2, const int8_t *w,
                                  const int32_t *bias, const int16_t *x, int32_t ncols,
                                  const o2c_qepilogue *e, void *y, size_t row_stride,
                                  size_t col_stride)
{
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t r, i, j;
    for (r = 0; r < rows; r += 2) {
        int32_t acc[2][O2C_QTILE];
        for (i = 0; i < 2; i++) {
            int32_t b = (bias && r + i < rows) ? bias[r + i] : 0;
            for (j = 0; j < O2C_QTILE; j++)
                acc[i][j] = b;
        }
        o2c_qgemm_pair_tile(K2, w + (size_t)r * K2, x, acc);
        for (i = 0; i < 2 && r + i < rows; i++) {
            unsigned char *row = (unsigned char *)y + (size_t)(r + i) * row_stride * elem;
            for (j = 0; j < ncols; j++)
                o2c_qepilogue_store(e, r + i, acc[i][j], row + (size_t)j * col_stride * elem);
        }
    }
}

/* Bytes of the packed row pairs of a rows x K matrix. */
static inline size_t o2c_qgemm_packed_bytes(int32_t rows, int32_t K)
{
    return (size_t)((rows + 1) / 2) * 2u * (size_t)((K + 1) & ~1);
}

/* Scratch for one column tile of K values. */
static inline size_t o2c_qgemm_tile_bytes(int32_t K)
{
    return (size_t)O2C_QTILE * (size_t)((K + 1) & ~1) * sizeof(int16_t);
}

/* Matrix rows m0 .. m0+n-1 (n <= O2C_QTILE) of A (lda apart, 8-bit, minus zero) into a
 * column tile; the columns of the tile are A's rows. */
#define O2C_QGEMM_ROWS_TO_TILE(NAME, T)                                                   \
    static inline void NAME(int32_t K, const T *a, size_t lda, int32_t n, int32_t zero,  \
                            int16_t *tile)                                               \
    {                                                                                    \
        const int32_t K2 = (K + 1) & ~1;                                                 \
        int32_t j, k;                                                                    \
        for (j = 0; j < O2C_QTILE; j++) {                                                \
            int16_t *t = tile + 2 * j;                                                   \
            for (k = 0; k < K2; k++)                                                     \
                t[(k >> 1) * 2 * O2C_QTILE + (k & 1)] = (int16_t)(                       \
                    (j < n && k < K) ? (int32_t)a[(size_t)j * lda + (size_t)k] - zero : 0); \
        }                                                                                \
    }
O2C_QGEMM_ROWS_TO_TILE(o2c_qrows_tile_u8, uint8_t)
O2C_QGEMM_ROWS_TO_TILE(o2c_qrows_tile_s8, int8_t)

/*
 * Y (M x N) = epilogue(bias + (A - a_zero) x W^T) for an 8-bit A (M x K, row-major, lda
 * apart) and packed W (N rows of K): MatMul, Gemm and their integer forms once the
 * compiler has folded B's zero point into W.  Y is row-major with ldy elements per row.
 * scratch: o2c_qgemm_tile_bytes(K).
 */
static inline int o2c_qgemm(int32_t M, int32_t N, int32_t K, int32_t a_signed,
                            const void *a, size_t lda, int32_t a_zero, const int8_t *w,
                            const int32_t *bias, const o2c_qepilogue *e, void *y,
                            size_t ldy, void *scratch)
{
    int16_t *tile = (int16_t *)scratch;
    const int32_t K2 = (K + 1) & ~1;
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t m;
    for (m = 0; m < M; m += O2C_QTILE) {
        int32_t n = M - m < O2C_QTILE ? M - m : O2C_QTILE;
        if (a_signed)
            o2c_qrows_tile_s8(K, (const int8_t *)a + (size_t)m * lda, lda, n, a_zero, tile);
        else
            o2c_qrows_tile_u8(K, (const uint8_t *)a + (size_t)m * lda, lda, n, a_zero, tile);
        o2c_qgemm_tile(N, K2, w, bias, tile, n, e,
                       (unsigned char *)y + (size_t)m * ldy * elem, 1u, ldy);
    }
    return O2C_OK;
}

/*
 * Reference Y (M x N, ldy apart) = epilogue(sum_k (A[m][k] - a_zero) * (B[k][n] - b_zero[n]))
 * for run-time 8-bit A (lda apart) and B (ldb apart): QLinearMatMul and MatMulInteger
 * when B is not a constant.  b_zeros is 1 or N (0: B has no zero point).
 */
static inline int o2c_qmatmul_ref(int32_t M, int32_t N, int32_t K, int32_t a_signed,
                                  const void *a, size_t lda, int32_t a_zero,
                                  int32_t b_signed, const void *b, size_t ldb,
                                  const void *b_zero, int32_t b_zeros,
                                  const o2c_qepilogue *e, void *y, size_t ldy)
{
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t m, n, k;
    for (m = 0; m < M; m++)
        for (n = 0; n < N; n++) {
            const int32_t bz = !b_zeros ? 0 : b_signed
                ? (int32_t)((const int8_t *)b_zero)[b_zeros > 1 ? n : 0]
                : (int32_t)((const uint8_t *)b_zero)[b_zeros > 1 ? n : 0];
            int32_t acc = 0;
            for (k = 0; k < K; k++) {
                const size_t ia = (size_t)m * lda + (size_t)k, ib = (size_t)k * ldb + (size_t)n;
                const int32_t av = a_signed ? ((const int8_t *)a)[ia] : ((const uint8_t *)a)[ia];
                const int32_t bv = b_signed ? ((const int8_t *)b)[ib] : ((const uint8_t *)b)[ib];
                acc += (av - a_zero) * (bv - bz);
            }
            o2c_qepilogue_store(e, n, acc, (unsigned char *)y + ((size_t)m * ldy + n) * elem);
        }
    return O2C_OK;
}

#endif /* O2C_QGEMM_H */
