/*
 * o2c_gemm.h - the float GEMM core behind MatMul, Gemm and Conv.
 *
 * Calling convention (CMSIS-NN style): transpose flags, sizes, then every matrix as a
 * pointer plus its row stride, output last; returns a status.  Matrices are row-major.
 * Generated code calls only this entry point, so a blocked or SIMD version can replace
 * the reference loop below without touching any kernel.
 */
#ifndef O2C_GEMM_H
#define O2C_GEMM_H

#include <stddef.h>
#include "o2c_abi.h"

/*
 * C = alpha * op(A) * op(B) + beta * C, where op(X) is X, or X transposed when trans_x
 * is nonzero; op(A) is M x K, op(B) is K x N and C is M x N.  lda, ldb, ldc are the
 * row strides of A, B, C as stored.  With beta == 0, C is write-only (it may hold
 * garbage, even NaN, on entry).  C must not overlap A or B.
 */
static inline int o2c_gemm_f32(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                               float alpha, const float *A, size_t lda,
                               const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    /* element (i, k) of op(A) is A[i * a_i + k * a_k], (k, j) of op(B) is B[k * b_k + j * b_j] */
    const size_t a_i = trans_a ? 1u : lda, a_k = trans_a ? lda : 1u;
    const size_t b_k = trans_b ? 1u : ldb, b_j = trans_b ? ldb : 1u;
    size_t i, j, k;

    for (i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (beta == 0.0f) {
            for (j = 0; j < N; j++)
                c[j] = 0.0f;
        } else if (beta != 1.0f) {
            for (j = 0; j < N; j++)
                c[j] *= beta;
        }
        /* i-k-j order: the inner loop streams one row of B and C */
        for (k = 0; k < K; k++) {
            const float a = alpha * A[i * a_i + k * a_k];
            const float *b = B + k * b_k;
            for (j = 0; j < N; j++)
                c[j] += a * b[j * b_j];
        }
    }
    return O2C_OK;
}

#endif /* O2C_GEMM_H */
