/*
 * o2c_qrequant.h - requantization of int32 accumulators to 8-bit outputs, shared by every
 * integer kernel (o2c_qgemm.h, o2c_qconv.h, o2c_qelementwise.h).
 *
 * Float mode (the default; bit-exact with onnxruntime's MlasRequantizeOutput):
 *
 *     y = clamp(round_half_even((float)acc * scale), lo - zero, hi - zero) + zero
 *
 * where acc already holds the int32 bias, scale is the float32 constant the compiler
 * computed exactly as onnxruntime does ((x_scale * w_scale) / y_scale for QLinearConv,
 * ...), and [lo, hi] is the output type's range.  The product is rounded to float32 once;
 * nothing may fuse it with the rounding step below into an FMA (that would round the
 * exact product instead).  The clamp sits between the two, so no compiler can contract
 * them, whatever -ffp-contract says; the code still must not be built with
 * -ffast-math, and needs FLT_EVAL_METHOD 0 (every target onnx2c supports: SSE, VFP,
 * NEON, wasm).  Every step is IEEE single precision with round-to-nearest-even, so the
 * result is the same on every target.
 *
 * Fixed-point mode (--requant fixed, for cores without an FPU): scale becomes a Q31
 * multiplier and a right shift, applied with TFLite's and CMSIS-NN's "double rounding"
 * (rounding doubling high multiply, then rounding right shift).  It is NOT bit-exact
 * with onnxruntime: results may differ by one step where the float product sits within
 * about 2^-31 relative of a rounding tie.
 */
#ifndef O2C_QREQUANT_H
#define O2C_QREQUANT_H

#include <stddef.h>
#include <stdint.h>

/* The Cortex-M DSP kernels' assembly blocks hold a tile's sums, pointers and constants in
   registers at once: without optimisation (a -O0 debug build) the compiler cannot find
   that many, so such builds take the portable C, which computes the same integers. */
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FP) && defined(__thumb2__) && \
    defined(__OPTIMIZE__)
#include <arm_acle.h>
#define O2C_ARM_DSP 1
#endif

/* x86-64 with AVX2 (AVX-512BW and VNNI used where also defined): the int8 kernels'
   vector paths in o2c_qrequant_x86.h and o2c_qgemm_x86.h, computing the same integers
   as the portable C.  O2C_PORTABLE forces the portable C (tests compare the two). */
#if defined(__AVX2__) && defined(__x86_64__) && !defined(O2C_PORTABLE)
#define O2C_X86_AVX2 1
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define O2C_X86_AVX512 1
#endif
#endif

/* The k-th element of an 8-bit array of either signedness. */
static inline int32_t o2c_q8_at(const void *p, int32_t is_signed, size_t k)
{
    return is_signed ? (int32_t)((const int8_t *)p)[k] : (int32_t)((const uint8_t *)p)[k];
}

/* The output range and zero point of a requantization; lo/hi are -128/127 or 0/255. */
typedef struct {
    int32_t zero, lo, hi;
} o2c_qout;

/* x rounded half to even, for |x| <= 2^22: adding 1.5 * 2^23 leaves no fraction bits,
 * so the addition itself rounds (to nearest even, IEEE's default), and the subtraction is
 * exact. */
static inline int32_t o2c_round_small(float x)
{
    const float magic = 12582912.0f;
    float r = x + magic;
    return (int32_t)(r - magic);
}

#if defined(O2C_ARM_DSP)
/* (float)acc * scale rounded by VCVTR, which rounds by FPSCR - whose default, never
 * changed by generated code, is round to nearest even - and saturates to int32; then the
 * zero point added with saturation (QADD).  SSAT/USAT to 8 bits then clamp exactly like
 * the portable code's float clamp, since the bounds are integers. */
static inline int32_t o2c_requant_round(int32_t acc, float scale, int32_t zero)
{
    float v = (float)acc * scale;
    int32_t r;
    __asm__("vcvtr.s32.f32 %0, %0" : "+t"(v));
    __asm__("vmov %0, %1" : "=r"(r) : "t"(v));
    return __qadd(r, zero);
}

static inline int32_t o2c_requant_s8(int32_t acc, float scale, int32_t zero)
{
    return __ssat(o2c_requant_round(acc, scale, zero), 8);
}

static inline int32_t o2c_requant_u8(int32_t acc, float scale, int32_t zero)
{
    return __usat(o2c_requant_round(acc, scale, zero), 8);
}

/* The same steps in assembly for two accumulators (operands A and B, of one output row)
 * in the kernels' assembly loops, left in A and B as 8-bit values: SC names the scale's
 * S register, Z the core register holding the zero point; the two values move to and
 * from the FPU in one VMOV each, through s0 and s1 (which the asm must clobber). */
#define O2C_QREQ2_ASM(SAT, A, B, SC, Z)                                                   \
    "vmov s0, s1, %[" A "], %[" B "]\n\t"                                                \
    "vcvt.f32.s32 s0, s0\n\t"                                                            \
    "vcvt.f32.s32 s1, s1\n\t"                                                            \
    "vmul.f32 s0, s0, " SC "\n\t"                                                        \
    "vmul.f32 s1, s1, " SC "\n\t"                                                        \
    "vcvtr.s32.f32 s0, s0\n\t"                                                           \
    "vcvtr.s32.f32 s1, s1\n\t"                                                           \
    "vmov %[" A "], %[" B "], s0, s1\n\t"                                                \
    "qadd %[" A "], %[" A "], %[" Z "]\n\t"                                              \
    "qadd %[" B "], %[" B "], %[" Z "]\n\t"                                              \
    SAT " %[" A "], #8, %[" A "]\n\t"                                                    \
    SAT " %[" B "], #8, %[" B "]\n\t"

#endif

/* One accumulator to an 8-bit value (as int32, within [lo, hi]), float mode.  A NaN
 * product (a scale of NaN, or 0/0 from a zero output scale) gives the zero point, as
 * VCVTR does on the DSP path. */
static inline int32_t o2c_requant(int32_t acc, float scale, o2c_qout q)
{
#if defined(O2C_ARM_DSP)
    return q.lo < 0 ? o2c_requant_s8(acc, scale, q.zero) : o2c_requant_u8(acc, scale, q.zero);
#else
    float v = (float)acc * scale;
    const float lo = (float)(q.lo - q.zero), hi = (float)(q.hi - q.zero);
    if (v != v)
        v = 0.0f;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return o2c_round_small(v) + q.zero;
#endif
}

#if defined(O2C_X86_AVX2)
#include "o2c_qrequant_x86.h"
#endif

/* QuantizeLinear of a float quotient v = x / scale to 8 bits: round half to even, plus
 * the zero point, saturated to [lo, hi]; NaN gives the zero point. */
static inline int32_t o2c_quantize8(float v, int32_t zero, int32_t lo, int32_t hi)
{
#if defined(O2C_ARM_DSP)
    int32_t r;
    (void)hi;                           /* 127 or 255: SSAT or USAT */
    __asm__("vcvtr.s32.f32 %0, %0" : "+t"(v));       /* NaN -> 0, saturating */
    __asm__("vmov %0, %1" : "=r"(r) : "t"(v));
    r = __qadd(r, zero);
    return lo < 0 ? __ssat(r, 8) : __usat(r, 8);
#else
    const float lo_f = (float)(lo - zero), hi_f = (float)(hi - zero);
    if (v != v)
        v = 0.0f;
    v = v < lo_f ? lo_f : v;
    v = v > hi_f ? hi_f : v;
    return o2c_round_small(v) + zero;
#endif
}

#if defined(O2C_ARM_DSP)
/* Four elements per iteration of o2c_quantize8's DSP steps (VDIV by the scale, VCVTR,
 * QADD of the zero point, SAT = SSAT or USAT), quads of x to y, n4 (>= 1) quads. */
#define O2C_QUANTIZE8_QUADS(NAME, SAT)                                                    \
    __attribute__((noinline)) static void NAME(size_t n4, const float *x, float scale,    \
                                               int32_t zero, uint8_t *y)                  \
    {                                                                                     \
        const float *const x_end = x + 4u * n4;                                           \
        int32_t a, b, c, d;                                                               \
        __asm__ volatile("1:\n\t"                                                         \
                         "vldmia %[x]!, {s0-s3}\n\t"                                      \
                         "vdiv.f32 s0, s0, %[s]\n\t"                                      \
                         "vdiv.f32 s1, s1, %[s]\n\t"                                      \
                         "vdiv.f32 s2, s2, %[s]\n\t"                                      \
                         "vdiv.f32 s3, s3, %[s]\n\t"                                      \
                         "vcvtr.s32.f32 s0, s0\n\t"                                       \
                         "vcvtr.s32.f32 s1, s1\n\t"                                       \
                         "vcvtr.s32.f32 s2, s2\n\t"                                       \
                         "vcvtr.s32.f32 s3, s3\n\t"                                       \
                         "vmov %[a], %[b], s0, s1\n\t"                                    \
                         "vmov %[c], %[d], s2, s3\n\t"                                    \
                         "qadd %[a], %[a], %[zero]\n\t"                                   \
                         "qadd %[b], %[b], %[zero]\n\t"                                   \
                         "qadd %[c], %[c], %[zero]\n\t"                                   \
                         "qadd %[d], %[d], %[zero]\n\t"                                   \
                         SAT " %[a], #8, %[a]\n\t"                                        \
                         SAT " %[b], #8, %[b]\n\t"                                        \
                         SAT " %[c], #8, %[c]\n\t"                                        \
                         SAT " %[d], #8, %[d]\n\t"                                        \
                         "strb %[b], [%[y], #1]\n\t"                                      \
                         "strb %[c], [%[y], #2]\n\t"                                      \
                         "strb %[d], [%[y], #3]\n\t"                                      \
                         "strb %[a], [%[y]], #4\n\t"                                      \
                         "cmp %[x], %[x_end]\n\t"                                         \
                         "bne 1b\n\t"                                                     \
                         : [x] "+r"(x), [y] "+r"(y), [a] "=&r"(a), [b] "=&r"(b),          \
                           [c] "=&r"(c), [d] "=&r"(d)                                     \
                         : [s] "t"(scale), [zero] "r"(zero), [x_end] "r"(x_end)           \
                         : "cc", "memory", "s0", "s1", "s2", "s3");                       \
    }
O2C_QUANTIZE8_QUADS(o2c_quantize8_quads_s8, "ssat")
O2C_QUANTIZE8_QUADS(o2c_quantize8_quads_u8, "usat")
#endif

/* QuantizeLinear of n float32 values by one scale to 8 bits (bytes of int8 or uint8):
 * o2c_quantize8(x[i] / scale, ...) for each, four at a time on the DSP, sixteen with
 * AVX-512. */
static inline void o2c_quantize8_n(size_t n, const float *x, float scale, int32_t zero,
                                   int32_t lo, int32_t hi, void *y)
{
    uint8_t *out = (uint8_t *)y;
    size_t i = 0;
#if defined(O2C_ARM_DSP)
    if (n >= 4u) {
        if (lo < 0)
            o2c_quantize8_quads_s8(n / 4u, x, scale, zero, out);
        else
            o2c_quantize8_quads_u8(n / 4u, x, scale, zero, out);
        i = n & ~(size_t)3u;
    }
#elif defined(O2C_X86_AVX512)
    o2c_qx_quantize8_n(n, x, scale, zero, lo, hi, out);
    i = n;
#endif
    for (; i < n; i++)
        out[i] = (uint8_t)(o2c_quantize8(x[i] / scale, zero, lo, hi) & 0xFF);
}

/* Fixed-point form of a positive float scale: scale ~= multiplier * 2^-31 * 2^-shift,
 * multiplier in [2^30, 2^31).  Computed by the compiler (onnx2c/quant/fixed.py). */
typedef struct {
    int32_t multiplier, shift;
} o2c_qfixed;

/* round(a * b / 2^31) with ties away from zero, saturating the one overflow case. */
static inline int32_t o2c_mul_high_round(int32_t a, int32_t b)
{
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    return (int32_t)((ab + nudge) / (1ll << 31));
}

/* x / 2^shift rounded half away from zero (shift >= 0). */
static inline int32_t o2c_shift_round(int32_t x, int32_t shift)
{
    int32_t mask = (int32_t)((1ll << shift) - 1), rem = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0);
    return (x >> shift) + (rem > threshold);
}

/* One accumulator to an 8-bit value, fixed-point mode (no floating point at all). */
static inline int32_t o2c_requant_fixed(int32_t acc, o2c_qfixed m, o2c_qout q)
{
    int32_t left = m.shift < 0 ? -m.shift : 0, right = m.shift > 0 ? m.shift : 0;
    int64_t shifted = (int64_t)acc * ((int64_t)1 << left);
    int32_t v;
    if (shifted > INT32_MAX)
        shifted = INT32_MAX;
    if (shifted < INT32_MIN)
        shifted = INT32_MIN;
    v = o2c_shift_round(o2c_mul_high_round((int32_t)shifted, m.multiplier), right) + q.zero;
    return v < q.lo ? q.lo : v > q.hi ? q.hi : v;
}

#endif /* O2C_QREQUANT_H */
