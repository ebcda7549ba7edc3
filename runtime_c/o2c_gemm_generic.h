/*
 * o2c_gemm_generic.h - the float32 GEMM of two run-time operands (attention, MatMul of two
 * activations, Gemm and recurrent gates whose weights are graph inputs). Included by
 * o2c_gemm.h, whose tile it reuses.
 */
#ifndef O2C_GEMM_GENERIC_H
#define O2C_GEMM_GENERIC_H

/* sum over k < K of a[k * a_ks] * b[k], vectorised when both are contiguous */
static inline float o2c_dot_f32(size_t K, const float *a, size_t a_ks, const float *b)
{
    size_t k = 0;
    float sum = 0.0f;
    if (a_ks == 1 && O2C_VF > 1 && K >= O2C_VF) {
        float lanes[O2C_VF];
        o2c_vf acc = o2c_vf_splat(0.0f);
        int i;
        for (; k + O2C_VF <= K; k += O2C_VF)
            acc = o2c_vf_fma(acc, o2c_vf_load(a + k), o2c_vf_load(b + k));
        o2c_vf_store(lanes, acc);
        for (i = 0; i < O2C_VF; i++)
            sum += lanes[i];
    }
    for (; k < K; k++)
        sum = o2c_f32_fma(sum, a[k * a_ks], b[k]);
    return sum;
}

/*
 * C (M x N) = epilogue(op(A) * op(B)): op(X) is X, or X transposed when trans_x; op(A)
 * is M x K, op(B) is K x N; lda, ldb, ldc are the row strides as stored. ep.scale is
 * Gemm's alpha; with ep.accumulate, C holds the addend (Gemm's beta * C) on entry,
 * otherwise it is write-only (it may hold garbage, even NaN). C must not overlap A or B.
 */
static inline int o2c_gemm_f32(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                        o2c_epilogue ep, const float *A, size_t lda, const float *B,
                        size_t ldb, float *C, size_t ldc)
{
    /* element (i, k) of op(A) is A[i * a_i + k * a_k] */
    const size_t a_i = trans_a ? 1u : lda, a_k = trans_a ? lda : 1u;
    const size_t ldr = ep.residual_ld ? ep.residual_ld : ldc;
    const size_t big = O2C_TILE_ROWS > 4 ? M / O2C_TILE_ROWS * O2C_TILE_ROWS : 0;
    const size_t by4 = big + (M - big) / 4 * 4;
    size_t m, j, t;
    if (trans_b) {
        /* rows of B are the columns of op(B): dot products along k */
        for (m = 0; m < M; m++)
            for (j = 0; j < N; j++)
                o2c_epilogue_f32(o2c_dot_f32(K, A + m * a_i, a_k, B + j * ldb), &ep, m, j,
                                 ep.residual ? ep.residual + m * ldr + j : NULL,
                                 C + m * ldc + j);
        return O2C_OK;
    }
#define O2C_ROWS_AT(mr)                                                                    \
    o2c_tile_row_f32(mr, O2C_TILE_NV, mr, N, K, &ep, ep.bias ? ep.bias + (ep.bias_per_col \
                     ? 0 : m) : NULL, ep.residual ? ep.residual + m * ldr : NULL, ldr,      \
                     A + m * a_i, 4 * a_i, a_i, a_k, B, ldb, C + m * ldc, ldc)
    /* every count from M alone, as in o2c_tile_row_f32 */
#if O2C_TILE_ROWS > 4
    for (t = 0; t < big / O2C_TILE_ROWS; t++) {
        m = t * O2C_TILE_ROWS;
        O2C_ROWS_AT(O2C_TILE_ROWS);
    }
#endif
    for (t = 0; t < (by4 - big) / 4; t++) {
        m = big + t * 4;
        O2C_ROWS_AT(4);
    }
    for (t = 0; t < M - by4; t++) {
        m = by4 + t;
        O2C_ROWS_AT(1);
    }
#undef O2C_ROWS_AT
    return O2C_OK;
}

#endif /* O2C_GEMM_GENERIC_H */
