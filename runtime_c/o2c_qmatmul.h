/*
 * o2c_qmatmul.h - the reference int8 matrix product for a run-time B (QLinearMatMul,
 * MatMulInteger, MatMulIntegerToFloat and QGemm when B is not a packable constant): the
 * zero points subtracted as it goes, each sum through o2c_qgemm.h's epilogue.
 */
#ifndef O2C_QMATMUL_H
#define O2C_QMATMUL_H

#include <stddef.h>
#include <stdint.h>
#include "o2c_abi.h"
#include "o2c_qgemm.h"

/* acc[nn] += av * (B[k][n0 + nn] - b_zero[nn]) for nn < nb over one row of B (T its type),
 * a loop compilers vectorise when B's columns are adjacent (nstride 1). */
#define O2C_QMATMUL_ROW(NAME, T)                                                          \
    static inline void NAME(int32_t nb, int32_t av, const void *b_row, size_t nstride,    \
                            const int32_t *bz, int32_t *acc)                              \
    {                                                                                     \
        const T *row = (const T *)b_row;                                                  \
        int32_t nn;                                                                       \
        if (nstride == 1u)                                                                \
            for (nn = 0; nn < nb; nn++)                                                   \
                acc[nn] += av * ((int32_t)row[nn] - bz[nn]);                              \
        else                                                                              \
            for (nn = 0; nn < nb; nn++)                                                   \
                acc[nn] += av * ((int32_t)row[(size_t)nn * nstride] - bz[nn]);            \
    }
O2C_QMATMUL_ROW(o2c_qmatmul_row_s8, int8_t)
O2C_QMATMUL_ROW(o2c_qmatmul_row_u8, uint8_t)

/* Columns of B at a time in o2c_qmatmul_ref: its sums stay on the stack. */
#define O2C_QMATMUL_BLOCK 64

/*
 * Reference Y (M x N, ldy apart) = epilogue(bias[n] + sum_k (A[m][k] - a_zero) *
 * (B[k][n] - b_zero[n])) for run-time 8-bit A (lda apart) and B (element (k, n) at
 * k * b_kstride + n * b_nstride): QLinearMatMul, MatMulInteger, MatMulIntegerToFloat and
 * QGemm when B is not a packable constant.  b_zeros is 1 or N (0: B has no zero point);
 * bias (int32, one per column) may be NULL.  Each sum adds its k terms in order, a block
 * of columns at a time.
 */
static inline int o2c_qmatmul_ref(int32_t M, int32_t N, int32_t K, int32_t a_signed,
                                  const void *a, size_t lda, int32_t a_zero,
                                  int32_t b_signed, const void *b, size_t b_kstride,
                                  size_t b_nstride, const void *b_zero, int32_t b_zeros,
                                  const int32_t *bias, const o2c_qepilogue *e, void *y,
                                  size_t ldy)
{
    const size_t elem = o2c_qepilogue_bytes(e);
    int32_t acc[O2C_QMATMUL_BLOCK], bz[O2C_QMATMUL_BLOCK];
    int32_t m, n0, nn, k;
    for (m = 0; m < M; m++)
        for (n0 = 0; n0 < N; n0 += O2C_QMATMUL_BLOCK) {
            const int32_t nb = N - n0 < O2C_QMATMUL_BLOCK ? N - n0 : O2C_QMATMUL_BLOCK;
            for (nn = 0; nn < nb; nn++) {
                const size_t zi = b_zeros > 1 ? (size_t)(n0 + nn) : 0u;
                bz[nn] = !b_zeros ? 0 : o2c_q8_at(b_zero, b_signed, zi);
                acc[nn] = bias ? bias[n0 + nn] : 0;
            }
            for (k = 0; k < K; k++) {
                const size_t ia = (size_t)m * lda + (size_t)k;
                const int32_t av = o2c_q8_at(a, a_signed, ia) - a_zero;
                const size_t ib = (size_t)k * b_kstride + (size_t)n0 * b_nstride;
                if (b_signed)
                    o2c_qmatmul_row_s8(nb, av, (const int8_t *)b + ib, b_nstride, bz, acc);
                else
                    o2c_qmatmul_row_u8(nb, av, (const uint8_t *)b + ib, b_nstride, bz, acc);
            }
            for (nn = 0; nn < nb; nn++)
                o2c_qepilogue_store(e, n0 + nn, acc[nn],
                                    (unsigned char *)y + ((size_t)m * ldy + (size_t)(n0 + nn)) * elem);
        }
    return O2C_OK;
}

#endif /* O2C_QMATMUL_H */
