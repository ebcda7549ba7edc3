/*
 * o2c_epilogue.h - what a GEMM or convolution kernel does to each result before storing it.
 *
 * A fused node (onnx2c/passes/fuse_epilogue.py) hands its kernel one o2c_epilogue: the
 * kernel adds the bias to the sum, then, in that order,
 *
 *     v = sum * scale + bias            (scale: Gemm's alpha on a run-time operand, else 1)
 *     v = v + C                         when accumulating into the output (Gemm's beta * C)
 *     v = v + residual                  when residual_first
 *     v = activation(v)
 *     v = v + residual                  otherwise
 *
 * while the values are still in registers. Templates pass the struct as a compound
 * literal of constants, so once a kernel is inlined the compiler drops every step that
 * is not taken. The residual has the output's shape and layout (element i of the output
 * tile reads element i of the residual tile), so a kernel may write its output over it.
 */
#ifndef O2C_EPILOGUE_H
#define O2C_EPILOGUE_H

#include <stddef.h>
#include <math.h>
#include "o2c_simd.h"

/* Activations (ONNX semantics; alpha and beta as the ONNX attributes name them). */
#define O2C_ACT_NONE 0
#define O2C_ACT_RELU 1
#define O2C_ACT_CLIP 2          /* min(max(v, alpha), beta): Relu6 is alpha 0, beta 6 */
#define O2C_ACT_LEAKY_RELU 3    /* v < 0 ? alpha * v : v */
#define O2C_ACT_SIGMOID 4
#define O2C_ACT_HARD_SWISH 5    /* v * min(max(v / 6 + 1/2, 0), 1) */
#define O2C_ACT_SILU 6          /* v * sigmoid(v), PyTorch's SiLU */
#define O2C_ACT_TANH 7

typedef struct {
    const float *bias;          /* NULL, or one per output row (bias_per_col: per column) */
    int bias_per_col;
    float scale;
    int accumulate;             /* add what the output holds (C of Gemm) */
    int act;                    /* O2C_ACT_* */
    float alpha, beta;          /* the activation's parameters */
    const float *residual;      /* NULL, or a tensor of the output's shape */
    int residual_first;         /* added before the activation instead of after */
    size_t residual_ld;         /* its row stride; 0: the output's (kernels fill it in) */
} o2c_epilogue;

/* No epilogue: the plain product. */
#define O2C_EPILOGUE_NONE ((o2c_epilogue){NULL, 0, 1.0f, 0, O2C_ACT_NONE, 0.0f, 0.0f, NULL, 0, 0})

static inline float o2c_act_f32(float v, int act, float alpha, float beta)
{
    switch (act) {
    case O2C_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case O2C_ACT_CLIP: return v < alpha ? alpha : (v > beta ? beta : v);
    case O2C_ACT_LEAKY_RELU: return v < 0.0f ? alpha * v : v;
    case O2C_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case O2C_ACT_HARD_SWISH: {
        float g = v * (1.0f / 6.0f) + 0.5f;
        return v * (g < 0.0f ? 0.0f : (g > 1.0f ? 1.0f : g));
    }
    case O2C_ACT_SILU: return v / (1.0f + expf(-v));
    case O2C_ACT_TANH: return tanhf(v);
    default: return v;
    }
}

/* The activation on a vector (the exponential of o2c_simd.h for Sigmoid and SiLU). */
O2C_INLINE o2c_vf o2c_act_vf(o2c_vf v, int act, float alpha, float beta)
{
    const o2c_vf zero = o2c_vf_splat(0.0f);
    switch (act) {
    case O2C_ACT_NONE: return v;
    case O2C_ACT_RELU: return o2c_vf_max(v, zero);
    case O2C_ACT_CLIP: return o2c_vf_min(o2c_vf_max(v, o2c_vf_splat(alpha)), o2c_vf_splat(beta));
    case O2C_ACT_LEAKY_RELU:
        return o2c_vf_fma(o2c_vf_max(v, zero), o2c_vf_min(v, zero), o2c_vf_splat(alpha));
    case O2C_ACT_HARD_SWISH: {
        o2c_vf g = o2c_vf_fma(o2c_vf_splat(0.5f), v, o2c_vf_splat(1.0f / 6.0f));
        return o2c_vf_mul(v, o2c_vf_min(o2c_vf_max(g, zero), o2c_vf_splat(1.0f)));
    }
    case O2C_ACT_SIGMOID: case O2C_ACT_SILU: {
        const o2c_vf one = o2c_vf_splat(1.0f);
        const o2c_vf e = o2c_vf_exp(o2c_vf_mul(v, o2c_vf_splat(-1.0f)));
        return o2c_vf_div(act == O2C_ACT_SILU ? v : one, o2c_vf_add(one, e));
    }
    case O2C_ACT_TANH: {
        /* 1 - 2 / (1 + e^2v): absolute error near 1e-7, like tanhf's, also near 0 */
        const o2c_vf one = o2c_vf_splat(1.0f);
        const o2c_vf e = o2c_vf_exp(o2c_vf_add(v, v));
        return o2c_vf_add(one, o2c_vf_div(o2c_vf_splat(-2.0f), o2c_vf_add(one, e)));
    }
    default: return v;
    }
}

/* Every step of *ep but the bias and the scale, on n (<= O2C_VF) results at out[0..n),
 * whose residual elements are at res[0..n); part: n may be less than O2C_VF. */
O2C_INLINE o2c_vf o2c_epilogue_vf(o2c_vf v, const o2c_epilogue *ep, const float *out,
                                  const float *res, int part, size_t n)
{
    if (ep->accumulate)
        v = o2c_vf_add(v, part ? o2c_vf_load_part(out, n) : o2c_vf_load(out));
    if (ep->residual && ep->residual_first)
        v = o2c_vf_add(v, part ? o2c_vf_load_part(res, n) : o2c_vf_load(res));
    v = o2c_act_vf(v, ep->act, ep->alpha, ep->beta);
    if (ep->residual && !ep->residual_first)
        v = o2c_vf_add(v, part ? o2c_vf_load_part(res, n) : o2c_vf_load(res));
    return v;
}

/* The whole epilogue of result (r, j), the plain sum `sum`, stored to *out; res is the
 * residual element (NULL if none). For kernels that cannot keep results in registers. */
static inline void o2c_epilogue_f32(float sum, const o2c_epilogue *ep, size_t r, size_t j,
                                    const float *res, float *out)
{
    float v = sum * ep->scale;
    if (ep->bias) v += ep->bias[ep->bias_per_col ? j : r];
    if (ep->accumulate) v += *out;
    if (res && ep->residual_first) v += *res;
    v = o2c_act_f32(v, ep->act, ep->alpha, ep->beta);
    if (res && !ep->residual_first) v += *res;
    *out = v;
}

/* The epilogue of rows x cols plain sums (sums[r * ld_sums + j]) into out (row stride
 * ldo); bias points at the block's first row (or column) of ep->bias, res at its first
 * residual element (row stride ldr). One out-of-line copy serves every GEMM tile whose
 * epilogue is more than a bias and a ReLU. */
O2C_SHARED void o2c_epilogue_block_f32(size_t rows, size_t cols, size_t ld_sums,
                                       const float *sums, const o2c_epilogue *ep,
                                       const float *bias, const float *res, size_t ldr,
                                       float *out, size_t ldo)
{
    const int clamp = ep->act == O2C_ACT_NONE || ep->act == O2C_ACT_RELU ||
                      ep->act == O2C_ACT_CLIP;
    const int simple = O2C_VF == 1 && clamp && !ep->accumulate && ep->scale == 1.0f &&
                       !(bias && ep->bias_per_col);
    const float lo = ep->act == O2C_ACT_CLIP ? ep->alpha : ep->act == O2C_ACT_RELU ? 0.0f : -INFINITY;
    const float hi = ep->act == O2C_ACT_CLIP ? ep->beta : INFINITY;
    size_t r, j;
    for (r = 0; r < rows; r++) {
        const float *sr = sums + r * ld_sums, *rr = res ? res + r * ldr : NULL;
        float *orow = out + r * ldo;
        if (simple) {
            /* a scalar FPU's common cases, without the general chain per element */
            const float b = bias ? bias[r] : 0.0f;
            if (!rr && ep->act == O2C_ACT_NONE)
                for (j = 0; j < cols; j++)
                    orow[j] = sr[j] + b;
            else if (!rr && ep->act == O2C_ACT_RELU)
                for (j = 0; j < cols; j++) {
                    const float v = sr[j] + b;
                    orow[j] = v > 0.0f ? v : 0.0f;
                }
            else
                for (j = 0; j < cols; j++) {
                    float v = sr[j] + b;
                    if (rr && ep->residual_first)
                        v += rr[j];
                    v = v < lo ? lo : (v > hi ? hi : v);
                    if (rr && !ep->residual_first)
                        v += rr[j];
                    orow[j] = v;
                }
            continue;
        }
        for (j = 0; j < cols; j += O2C_VF) {
            const int part = cols - j < O2C_VF;
            const size_t n = part ? cols - j : O2C_VF;
            o2c_vf v = o2c_vf_load(sr + j);
            if (ep->scale != 1.0f)
                v = o2c_vf_mul(v, o2c_vf_splat(ep->scale));
            if (bias && ep->bias_per_col)
                v = o2c_vf_add(v, part ? o2c_vf_load_part(bias + j, n) : o2c_vf_load(bias + j));
            else if (bias)
                v = o2c_vf_add(v, o2c_vf_splat(bias[r]));
            v = o2c_epilogue_vf(v, ep, orow + j, rr ? rr + j : NULL, part, n);
            if (part)
                o2c_vf_store_part(orow + j, v, n);
            else
                o2c_vf_store(orow + j, v);
        }
    }
}

/* v[i] = activation(v[i]) for i < n, in vectors (the recurrent ops' gates). */
O2C_SHARED void o2c_act_run_f32(size_t n, int act, float alpha, float beta, float *v)
{
    const size_t body = n - n % O2C_VF;
    size_t i;
    for (i = 0; i < body; i += O2C_VF)
        o2c_vf_store(v + i, o2c_act_vf(o2c_vf_load(v + i), act, alpha, beta));
    if (body < n)
        o2c_vf_store_part(v + body, o2c_act_vf(o2c_vf_load_part(v + body, n - body), act,
                                               alpha, beta), n - body);
}

/* The epilogue, in place, on rows x cols plain sums at y (row stride ldy; the residual's
 * rows are ldy apart too), without accumulating: for kernels that sum in memory
 * (ConvTranspose's col2im). */
static inline void o2c_epilogue_rows_f32(size_t rows, size_t cols, size_t ldy,
                                         const o2c_epilogue *ep, float *y)
{
    o2c_epilogue e = *ep;
    size_t r, j;
    e.accumulate = 0;
    for (r = 0; r < rows; r++)
        for (j = 0; j < cols; j++)
            o2c_epilogue_f32(y[r * ldy + j], &e, r, j,
                             e.residual ? e.residual + r * ldy + j : NULL, y + r * ldy + j);
}

#endif /* O2C_EPILOGUE_H */
