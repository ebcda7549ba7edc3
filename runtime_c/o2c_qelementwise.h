/*
 * o2c_qelementwise.h - the 8-bit elementwise, pooling and softmax kernels, each computing
 * what onnxruntime's CPU kernel computes, step for step in float32:
 *
 *   o2c_qadd / o2c_qadd_scalar   QLinearAdd (MLAS's AVX2 kernel: two fused multiply-adds)
 *   o2c_qmul                     QLinearMul (MLAS's SSE2 kernel)
 *   o2c_qavgpool_window          QLinearAveragePool's float path (dequantized window sum)
 *   o2c_qsoftmax_lane            QLinearSoftmax (onnxruntime's lookup table of exp values)
 *
 * Lookup-table ops (QLinearSigmoid, QLinearLeakyRelu, QLinearConcat's requantization) and
 * the global average pool (an integer sum, then o2c_requant) need no helper here.
 *
 * A product and the sum it feeds are kept in separate statements, as onnxruntime keeps
 * them: build this C without FP contraction across statements (gcc in ISO mode, as
 * -std=c99 gives, or -ffp-contract=off; clang's default is fine).  fmaf() is used where
 * onnxruntime fuses.
 */
#ifndef O2C_QELEMENTWISE_H
#define O2C_QELEMENTWISE_H

#include <math.h>
#include <stdint.h>
#include "o2c_qrequant.h"

/* v rounded half to even and clamped to [lo, hi] (rounding is monotone, the bounds are
 * integers: clamping first gives the same result and keeps o2c_round_small in range).
 * NaN (from a zero or NaN scale) gives 0. */
static inline int32_t o2c_qround_clamp(float v, int32_t lo, int32_t hi)
{
    const float lo_f = (float)lo, hi_f = (float)hi;
    if (v != v)
        v = 0.0f;
    v = v < lo_f ? lo_f : v;
    v = v > hi_f ? hi_f : v;
    return o2c_round_small(v);
}

/* QLinearAdd, both operands elements: a * ra + (b * rb + fixed), each step fused, where
 * fixed = zero_c - (ra * zero_a + rb * zero_b) (a compile-time constant). */
static inline int32_t o2c_qadd(int32_t a, int32_t b, float ra, float rb, float fixed,
                               int32_t lo, int32_t hi)
{
    const float part = fmaf((float)b, rb, fixed);
    return o2c_qround_clamp(fmaf((float)a, ra, part), lo, hi);
}

/* QLinearAdd where onnxruntime sees one operand as a scalar over the span (a broadcast
 * innermost dimension): the scalar s is folded into the fixed part first, unfused. */
static inline int32_t o2c_qadd_scalar(int32_t x, int32_t s, float rx, float rs, float fixed,
                                      int32_t lo, int32_t hi)
{
    const float scaled = (float)s * rs;
    const float part = fixed + scaled;
    return o2c_qround_clamp(fmaf((float)x, rx, part), lo, hi);
}

/* QLinearMul: (a - zero_a) * (b - zero_b) exactly, times ratio, plus zero_c. */
static inline int32_t o2c_qmul(int32_t a, int32_t b, float ratio, float zero_c, int32_t lo,
                               int32_t hi)
{
    const float product = (float)(a * b) * ratio;
    const float v = product + zero_c;
    return o2c_qround_clamp(v, lo, hi);
}

/* QLinearAveragePool's last step: the float window sum over count elements, requantized
 * as round(sum / count / y_scale + y_zero). */
static inline int32_t o2c_qavgpool_finish(float sum, float count, float y_scale,
                                          float y_zero, int32_t lo, int32_t hi)
{
    const float mean = sum / count;
    const float v = mean / y_scale + y_zero;
    return o2c_qround_clamp(v, lo, hi);
}

/* One element of QLinearSoftmax: round(table * y_scale / sum) + y_zero, at most hi. */
static inline int32_t o2c_qsoftmax_value(float t, float y_scale, float sum, int32_t y_zero,
                                         int32_t hi)
{
    const float scaled = t * y_scale;
    /* clamped before rounding, which is the same for a valid scale (the bound is an
     * integer) and keeps a hostile one (huge, negative, NaN) within o2c_round_small */
    return o2c_qround_clamp(scaled / sum, -(1 << 22), hi - y_zero) + y_zero;
}

#endif /* O2C_QELEMENTWISE_H */
