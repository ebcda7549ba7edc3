/*
 * o2c_simd.h - the float vector the kernels of o2c_gemm.h and o2c_conv.h compute with.
 *
 * One set of operations over `o2c_vf`, a vector of O2C_VF floats, chosen by the
 * compiler's predefined macros; the kernels are written once against it.
 *
 *   __AVX512F__                      __m512, 16 floats, fused multiply-add  (o2c_simd_x86.h)
 *   __AVX__ (+ __FMA__)              __m256, 8 floats (fused with __FMA__)
 *   __SSE2__                         __m128, 4 floats (x86-64's baseline)
 *   __ARM_NEON                       float32x4_t, 4 floats, fused with      (o2c_simd_neon.h)
 *                                    __ARM_FEATURE_FMA
 *   __wasm_simd128__, AltiVec, MSA   a GNU C vector of 4 floats             (o2c_simd_gnu.h)
 *   anything else, and Cortex-M      a plain float (O2C_VF == 1): the      (o2c_simd_scalar.h)
 *                                    register-blocked kernels become scalar code, which is
 *                                    what a single-precision FPU with 32 registers wants;
 *                                    GNU vectors would be split into scalars and spilled
 *
 * The fused forms are used where the hardware has them: a C99 compiler does not contract
 * `a * b + c` on its own (GCC's -std=c99 implies -ffp-contract=off), and the kernels never
 * need -ffast-math. Every form rounds each result to float, so the paths differ from the
 * portable one only by fused versus separate rounding of a product.
 *
 * Operations (all `static inline`, p need not be aligned):
 *   o2c_vf_load(p), o2c_vf_store(p, v)        O2C_VF floats
 *   o2c_vf_load_part(p, n)                    p[0..n), zeros above; reads nothing past p + n
 *   o2c_vf_store_part(p, v, n)                writes p[0..n) only
 *   o2c_vf_splat(s), o2c_vf_add, o2c_vf_mul, o2c_vf_max, o2c_vf_min
 *   o2c_vf_fma(acc, a, b)                     acc + a * b
 *   o2c_vf_load_even(p)                       p[0], p[2], ..., p[2 * O2C_VF - 2]; reads
 *                                             the 2 * O2C_VF floats from p
 *   o2c_vf_load_part_even(p, n)               its first n lanes, zeros above; reads only
 *                                             p[0 .. 2n - 2]
 *   o2c_vf_div(a, b)
 *   o2c_vf_exp(x)                             expf lane by lane; where the target has
 *                                             integer vector ops (O2C_VF_POW2I), a
 *                                             polynomial within 2 ulp of expf instead
 *   o2c_f32_fma(acc, a, b)                    the same on scalars
 *   o2c_copy_f32(dst, src, n)                 memcpy of n floats, inline when short
 */
#ifndef O2C_SIMD_H
#define O2C_SIMD_H

#include "o2c_simd_base.h"

/* Which one: O2C_PORTABLE forces the portable C99 path and O2C_GNU_VECTORS the generic
 * GNU C vectors (both for tests and for a target the predefined macros misjudge). */
#if defined(O2C_PORTABLE)
#include "o2c_simd_scalar.h"
#elif defined(O2C_GNU_VECTORS)
#include "o2c_simd_gnu.h"
#elif defined(__AVX512F__) || defined(__AVX__) || defined(__SSE2__)
#include "o2c_simd_x86.h"
#elif defined(__ARM_NEON)
#include "o2c_simd_neon.h"
#elif defined(__wasm_simd128__) || \
    (defined(__GNUC__) && (defined(__ALTIVEC__) || defined(__mips_msa)))
#include "o2c_simd_gnu.h"
#else
#include "o2c_simd_scalar.h"
#endif

#if !defined(O2C_VF_PART_DONE)
/* through a zeroed lane buffer: the compiler turns the copies into lane moves */
O2C_INLINE o2c_vf o2c_vf_load_part(const float *p, size_t n)
{
    float lanes[O2C_VF] = {0};
    size_t i;
    for (i = 0; i < n && i < O2C_VF; i++)
        lanes[i] = p[i];
    return o2c_vf_load(lanes);
}
O2C_INLINE void o2c_vf_store_part(float *p, o2c_vf v, size_t n)
{
    float lanes[O2C_VF];
    size_t i;
    o2c_vf_store(lanes, v);
    for (i = 0; i < n && i < O2C_VF; i++)
        p[i] = lanes[i];
}
#endif
#undef O2C_VF_PART_DONE

#if defined(O2C_VF_POW2I)
/* e^x = 2^n e^r, n = round(x / ln 2), |r| <= ln(2) / 2: e^r by its Taylor series to r^7
 * (truncation below 6e-9 relative), 2^n built in the exponent bits. Rounding to an
 * integer adds and subtracts 1.5 * 2^23, exact in round-to-nearest. */
O2C_INLINE o2c_vf o2c_vf_exp(o2c_vf x)
{
    const o2c_vf big = o2c_vf_splat(12582912.0f);
    o2c_vf n, r, p;
    x = o2c_vf_min(o2c_vf_max(x, o2c_vf_splat(-87.3f)), o2c_vf_splat(88.3f));
    n = o2c_vf_add(o2c_vf_mul(x, o2c_vf_splat(1.44269504f)), big);
    n = o2c_vf_add(n, o2c_vf_mul(big, o2c_vf_splat(-1.0f)));
    r = o2c_vf_fma(x, n, o2c_vf_splat(-0.693145752f));          /* ln 2, high bits */
    r = o2c_vf_fma(r, n, o2c_vf_splat(-1.42860677e-6f));       /* and the rest */
    p = o2c_vf_splat(1.0f / 5040.0f);
    p = o2c_vf_fma(o2c_vf_splat(1.0f / 720.0f), p, r);
    p = o2c_vf_fma(o2c_vf_splat(1.0f / 120.0f), p, r);
    p = o2c_vf_fma(o2c_vf_splat(1.0f / 24.0f), p, r);
    p = o2c_vf_fma(o2c_vf_splat(1.0f / 6.0f), p, r);
    p = o2c_vf_fma(o2c_vf_splat(0.5f), p, r);
    p = o2c_vf_fma(o2c_vf_splat(1.0f), p, r);
    p = o2c_vf_fma(o2c_vf_splat(1.0f), p, r);
    return o2c_vf_mul(p, o2c_vf_pow2i(n));
}
#else
O2C_INLINE o2c_vf o2c_vf_exp(o2c_vf x)
{
    float lanes[O2C_VF];
    int i;
    o2c_vf_store(lanes, x);
    for (i = 0; i < O2C_VF; i++)
        lanes[i] = expf(lanes[i]);
    return o2c_vf_load(lanes);
}
#endif
#undef O2C_VF_POW2I

#if !defined(O2C_VF_EVEN)
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p)
{
    float lanes[O2C_VF];
    int i;
    for (i = 0; i < O2C_VF; i++)
        lanes[i] = p[2 * i];
    return o2c_vf_load(lanes);
}
#endif
#undef O2C_VF_EVEN

#if !defined(O2C_VF_PART_EVEN)
/* p[0], p[2], ... p[2 * (n - 1)], zeros above: a partial o2c_vf_load_even */
O2C_INLINE o2c_vf o2c_vf_load_part_even(const float *p, size_t n)
{
    float lanes[O2C_VF] = {0};
    size_t i;
    for (i = 0; i < n && i < O2C_VF; i++)
        lanes[i] = p[2 * i];
    return o2c_vf_load(lanes);
}
#endif
#undef O2C_VF_PART_EVEN

/* dst[0..n) = src[0..n): inline for the short rows of small feature maps, where a call
 * to memcpy costs more than the copy */
static inline void o2c_copy_f32(float *dst, const float *src, size_t n)
{
    /* the tail counted from n % O2C_VF: GCC 12 cannot bound `for (; i < n; i++)` after
     * the vector loop and warns (-Waggressive-loop-optimizations) */
    const size_t body = n - n % O2C_VF;
    size_t i;
    if (n >= 256) {
        memcpy(dst, src, n * sizeof *dst);
        return;
    }
    for (i = 0; i < body; i += O2C_VF)
        o2c_vf_store(dst + i, o2c_vf_load(src + i));
#if defined(O2C_VF_PART_MASKED)
    /* one masked load and store for the short runs of im2col and the row stacks */
    if (body < n)
        o2c_vf_store_part(dst + body, o2c_vf_load_part(src + body, n - body), n - body);
#else
    for (i = 0; i < n % O2C_VF; i++)
        dst[body + i] = src[body + i];
#endif
}

#endif /* O2C_SIMD_H */
