/*
 * o2c_qrnn.h - the matrix products of dynamic quantization (com.microsoft
 * DynamicQuantizeMatMul, and DynamicQuantizeLSTM's, as onnxruntime computes them):
 *
 *     y[m][n] = (float)sum_k (q[m][k] - q_zero) * w[n][k] * (q_scale * w_scale[n])
 *               (+ bias[n])
 *
 * where q is the float data x quantized to uint8 as one tensor, with
 * DynamicQuantizeLinear's scale and zero point (o2c_dynamic_qparams_u8).
 */
#ifndef O2C_QRNN_H
#define O2C_QRNN_H

#include <stddef.h>
#include <stdint.h>
#include "o2c_abi.h"
#include "o2c_quant.h"
#include "o2c_qgemm.h"

/* Scratch of o2c_qdynamic_project for at most `values` data values (M * K), N rows, K. */
static inline size_t o2c_qdynamic_project_bytes(size_t values, int32_t N, int32_t K)
{
    return ((values + 3u) & ~(size_t)3u) + (size_t)N * 8u + o2c_qgemm_tile_bytes(K);
}

/*
 * y (M x N floats, row-major) = x (M x K floats) times the packed int8 rows w (N rows of
 * K, zero point subtracted) as above.  w_sum: each row's sum of w, which folds the
 * data's zero point; w_scale: one scale, or one per row (per_row); bias: NULL or one
 * float per row, added after the scaling.  scratch:
 * o2c_qdynamic_project_bytes(M * K, N, K), 4-byte aligned.
 */
static inline int o2c_qdynamic_project(int32_t M, int32_t N, int32_t K, const float *x,
                                       const int8_t *w, const int32_t *w_sum,
                                       const float *w_scale, int32_t per_row,
                                       const float *bias_f, float *y, void *scratch)
{
    const size_t values = (size_t)M * (size_t)K;
    uint8_t *q = (uint8_t *)scratch;
    float *multiplier = (float *)(void *)(q + ((values + 3u) & ~(size_t)3u));
    int32_t *bias = (int32_t *)(void *)(multiplier + N);
    o2c_qepilogue e;
    float scale;
    uint8_t zero;
    int32_t n;
    o2c_dynamic_qparams_u8(x, values, &scale, &zero);
    o2c_quantize8_n(values, x, scale, zero, 0, 255, q);
    for (n = 0; n < (per_row ? N : 1); n++)
        multiplier[n] = scale * w_scale[n];
    o2c_qbias_from_zero(N, (int32_t)zero, w_sum, bias);
    e.mode = O2C_QEPI_FLOAT;
    e.per_row = per_row;
    e.scale = multiplier;
    e.fixed = NULL;
    e.bias_f = bias_f;
    e.q.zero = 0;
    e.q.lo = 0;
    e.q.hi = 0;
    return o2c_qgemm(M, N, K, 0, q, (size_t)K, w, bias, &e, y, (size_t)N, bias + N);
}

#endif /* O2C_QRNN_H */
