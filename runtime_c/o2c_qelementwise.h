/*
 * o2c_qelementwise.h - the 8-bit elementwise, pooling and softmax kernels, each computing
 * what onnxruntime's CPU kernel computes, step for step in float32:
 *
 *   o2c_qadd / o2c_qadd_scalar   QLinearAdd (MLAS's AVX2 kernel: two fused multiply-adds)
 *   o2c_qmul                     QLinearMul (MLAS's SSE2 kernel)
 *   o2c_qbinary_span             a span of either, sixteen at a time with AVX-512
 *   o2c_qavgpool_window          QLinearAveragePool's float path (dequantized window sum)
 *   o2c_qsoftmax_lane            QLinearSoftmax (onnxruntime's lookup table of exp values)
 *   o2c_qlookup                  a 256-byte table indexed by each byte (QLinearSigmoid,
 *                                QLinearLeakyRelu; the table computed at compile time)
 *
 * The global average pool (an integer sum, then o2c_requant) needs no helper here.
 *
 * A product and the sum it feeds are kept in separate statements, as onnxruntime keeps
 * them: build this C without FP contraction across statements (gcc in ISO mode, as
 * -std=c99 gives, or -ffp-contract=off; clang's default is fine).  fmaf() is used where
 * onnxruntime fuses.
 */
#ifndef O2C_QELEMENTWISE_H
#define O2C_QELEMENTWISE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "o2c_qrequant.h"

#if defined(O2C_X86_AVX512) && defined(__AVX512F__)
#include <immintrin.h>
#endif

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

/* A span of QLinearAdd / QLinearMul: what o2c_qadd, o2c_qadd_scalar and o2c_qmul do to
 * each element, their constants as there. */
enum { O2C_QBIN_ADD = 0, O2C_QBIN_ADD_SCALAR = 1, O2C_QBIN_MUL = 2 };

typedef struct {
    int32_t kind;               /* O2C_QBIN_*; ADD_SCALAR: b is the scalar s */
    float ra, rb, fixed;        /* mul: ratio in ra, zero_c in fixed */
    int32_t a_zero, b_zero;     /* mul: subtracted before the product */
    int32_t lo, hi;
} o2c_qbinary;

#if defined(O2C_X86_AVX512) && defined(__AVX512F__)
/* Sixteen 8-bit elements (those of m) from p, step 1, or p[0] in every lane (step 0). */
static inline __m512i o2c_qx_widen16(const void *p, size_t step, __mmask16 m, int32_t is_signed)
{
    if (!step)
        return _mm512_set1_epi32(is_signed ? *(const int8_t *)p : *(const uint8_t *)p);
    return is_signed ? _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p))
                     : _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, p));
}

/* o2c_qbinary_span sixteen lanes at a time: the same float32 steps (VFMADD rounds once as
 * fmaf does; the integer product, below 2^17, is exact in float either way), then
 * o2c_qx_round_clamp's steps, o2c_qround_clamp's. */
static inline void o2c_qx_binary_span(const o2c_qbinary *op, size_t n, int32_t is_signed,
                                      const void *a, size_t a_step, const void *b,
                                      size_t b_step, void *y)
{
    const __m512 ra = _mm512_set1_ps(op->ra), rb = _mm512_set1_ps(op->rb);
    const __m512 lo = _mm512_set1_ps((float)op->lo), hi = _mm512_set1_ps((float)op->hi);
    const __m512i a_zero = _mm512_set1_epi32(op->a_zero), b_zero = _mm512_set1_epi32(op->b_zero);
    __m512 fixed = _mm512_set1_ps(op->fixed);
    size_t i;
    if (op->kind == O2C_QBIN_ADD_SCALAR) {      /* fixed + s * rs, unfused, once */
        const int32_t sv = is_signed ? *(const int8_t *)b : *(const uint8_t *)b;
        const float scaled = (float)sv * op->rb;
        fixed = _mm512_set1_ps(op->fixed + scaled);
    }
    for (i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16u ? (__mmask16)0xFFFF
                                         : (__mmask16)((1u << (n - i)) - 1u);
        const __m512i av = o2c_qx_widen16((const uint8_t *)a + i * a_step, a_step, m, is_signed);
        const __m512i bv = o2c_qx_widen16((const uint8_t *)b + i * b_step, b_step, m, is_signed);
        __m512 v;
        if (op->kind == O2C_QBIN_MUL) {
            const __m512 product = _mm512_cvtepi32_ps(_mm512_mullo_epi32(
                _mm512_sub_epi32(av, a_zero), _mm512_sub_epi32(bv, b_zero)));
            v = _mm512_add_ps(_mm512_mul_ps(product, ra), fixed);
        } else if (op->kind == O2C_QBIN_ADD) {
            v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(av), ra,
                                _mm512_fmadd_ps(_mm512_cvtepi32_ps(bv), rb, fixed));
        } else {
            v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(av), ra, fixed);
        }
        _mm_mask_storeu_epi8((uint8_t *)y + i, m,
                             _mm512_cvtepi32_epi8(o2c_qx_round_clamp(v, lo, hi, 0)));
    }
}
#endif

/* n outputs y[i] = op(a[i * a_step], b[i * b_step]) (steps 0 or 1; ADD_SCALAR: b_step 0),
 * 8-bit elements of one signedness. */
static inline void o2c_qbinary_span(const o2c_qbinary *op, size_t n, int32_t is_signed,
                                    const void *a, size_t a_step, const void *b, size_t b_step,
                                    void *y)
{
    size_t i;
#if defined(O2C_X86_AVX512) && defined(__AVX512F__)
    if (n >= 16u) {
        o2c_qx_binary_span(op, n, is_signed, a, a_step, b, b_step, y);
        return;
    }
#endif
    for (i = 0; i < n; i++) {
        const int32_t av = o2c_q8_at(a, is_signed, i * a_step);
        const int32_t bv = o2c_q8_at(b, is_signed, i * b_step);
        int32_t r;
        if (op->kind == O2C_QBIN_MUL)
            r = o2c_qmul(av - op->a_zero, bv - op->b_zero, op->ra, op->fixed, op->lo, op->hi);
        else if (op->kind == O2C_QBIN_ADD)
            r = o2c_qadd(av, bv, op->ra, op->rb, op->fixed, op->lo, op->hi);
        else
            r = o2c_qadd_scalar(av, bv, op->ra, op->rb, op->fixed, op->lo, op->hi);
        ((uint8_t *)y)[i] = (uint8_t)(r & 0xFF);
    }
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

/* y[i] = table[x[i]] for n bytes; y may be x.  With AVX-512 VBMI, 64 bytes at a time:
 * two two-register byte permutes look each byte up in both halves of the table (its low
 * seven bits), and its top bit picks the half - the same bytes as the loop. */
static inline void o2c_qlookup(const uint8_t *table, const uint8_t *x, uint8_t *y, size_t n)
{
    size_t i = 0;
#if defined(O2C_X86_AVX512) && defined(__AVX512VBMI__)
    const __m512i t0 = _mm512_loadu_si512((const void *)table);
    const __m512i t1 = _mm512_loadu_si512((const void *)(table + 64));
    const __m512i t2 = _mm512_loadu_si512((const void *)(table + 128));
    const __m512i t3 = _mm512_loadu_si512((const void *)(table + 192));
    for (; i < n; i += 64) {
        const __mmask64 m = n - i >= 64u ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1u;
        const __m512i v = _mm512_maskz_loadu_epi8(m, (const void *)(x + i));
        const __m512i low = _mm512_permutex2var_epi8(t0, v, t1);
        const __m512i high = _mm512_permutex2var_epi8(t2, v, t3);
        _mm512_mask_storeu_epi8((void *)(y + i), m,
                                _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high));
    }
#endif
    for (; i < n; i++)
        y[i] = table[x[i]];
}

#endif /* O2C_QELEMENTWISE_H */
