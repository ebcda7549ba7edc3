/*
 * o2c_simd.h - the float vector the kernels of o2c_gemm.h and o2c_conv.h compute with.
 *
 * One set of operations over `o2c_vf`, a vector of O2C_VF floats, chosen by the
 * compiler's predefined macros; the kernels are written once against it.
 *
 *   __AVX512F__                      __m512, 16 floats, fused multiply-add
 *   __AVX__ (+ __FMA__)              __m256, 8 floats (fused with __FMA__)
 *   __SSE2__                         __m128, 4 floats (x86-64's baseline)
 *   __ARM_NEON                       float32x4_t, 4 floats (fused with __ARM_FEATURE_FMA)
 *   __wasm_simd128__                 GNU vector of 4 floats (WebAssembly SIMD128)
 *   anything else, and Cortex-M      a plain float (O2C_VF == 1): the register-blocked
 *                                    kernels become scalar code, which is what a
 *                                    single-precision FPU with 32 registers wants; GNU
 *                                    vectors would be split into scalars and spilled there
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
 *   o2c_vf_div(a, b)
 *   o2c_vf_exp(x)                             expf lane by lane; where the target has
 *                                             integer vector ops (O2C_VF_POW2I), a
 *                                             polynomial within 2 ulp of expf instead
 *   o2c_f32_fma(acc, a, b)                    the same on scalars
 *   o2c_copy_f32(dst, src, n)                 memcpy of n floats, inline when short
 */
#ifndef O2C_SIMD_H
#define O2C_SIMD_H

#include <stddef.h>
#include <string.h>
#include <math.h>

#if defined(__FP_FAST_FMAF)
#define o2c_f32_fma(acc, a, b) fmaf((a), (b), (acc))
#else
#define o2c_f32_fma(acc, a, b) ((acc) + (a) * (b))
#endif

/* Loops the kernels want fully unrolled (their trip counts are compile-time constants
 * once the kernel is inlined), so that accumulator arrays live in registers. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define O2C_UNROLL _Pragma("GCC unroll 16")
#else
#define O2C_UNROLL
#endif

/* O2C_INLINE: always inlined (the caller's constant arguments fold into it);
 * O2C_SHARED: one out-of-line copy, for cold code that should not grow every caller. */
#if defined(__GNUC__)
#define O2C_INLINE static inline __attribute__((always_inline))
#define O2C_SHARED static __attribute__((noinline, unused))
#else
#define O2C_INLINE static inline
#define O2C_SHARED static inline
#endif

#if defined(__AVX512F__)
#include <immintrin.h>
#define O2C_VF 16
typedef __m512 o2c_vf;
O2C_INLINE o2c_vf o2c_vf_splat(float s) { return _mm512_set1_ps(s); }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { return _mm512_loadu_ps(p); }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { _mm512_storeu_ps(p, v); }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return _mm512_add_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return _mm512_mul_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return _mm512_max_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return _mm512_min_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return _mm512_fmadd_ps(a, b, acc); }
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return _mm512_div_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_pow2i(o2c_vf n)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
}
/* masked lanes are neither read nor written, so a partial access cannot fault */
O2C_INLINE o2c_vf o2c_vf_load_part(const float *p, size_t n)
{
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p);
}
O2C_INLINE void o2c_vf_store_part(float *p, o2c_vf v, size_t n)
{
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), v);
}
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p)
{
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}
#define O2C_VF_PART_DONE
#define O2C_VF_POW2I
#define O2C_VF_EVEN

#elif defined(__AVX__)
#include <immintrin.h>
#define O2C_VF 8
typedef __m256 o2c_vf;
O2C_INLINE o2c_vf o2c_vf_splat(float s) { return _mm256_set1_ps(s); }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { return _mm256_loadu_ps(p); }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { _mm256_storeu_ps(p, v); }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return _mm256_add_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return _mm256_mul_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return _mm256_max_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return _mm256_min_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return _mm256_div_ps(a, b); }
#if defined(__AVX2__)
O2C_INLINE o2c_vf o2c_vf_pow2i(o2c_vf n)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
#define O2C_VF_POW2I
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p)
{
    /* a0 a2 b0 b2 | a4 a6 b4 b6, then its 64-bit quarters reordered */
    const __m256 t = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), 0xd8));
}
#define O2C_VF_EVEN
#endif
#if defined(__FMA__)
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return _mm256_fmadd_ps(a, b, acc); }
#else
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b)
{
    return _mm256_add_ps(acc, _mm256_mul_ps(a, b));
}
#endif

#elif defined(__SSE2__)
#include <emmintrin.h>
#define O2C_VF 4
typedef __m128 o2c_vf;
O2C_INLINE o2c_vf o2c_vf_splat(float s) { return _mm_set1_ps(s); }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { return _mm_loadu_ps(p); }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { _mm_storeu_ps(p, v); }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return _mm_add_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return _mm_mul_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return _mm_max_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return _mm_min_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return _mm_div_ps(a, b); }
O2C_INLINE o2c_vf o2c_vf_pow2i(o2c_vf n)
{
    return _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127)), 23));
}
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p)
{
    return _mm_shuffle_ps(_mm_loadu_ps(p), _mm_loadu_ps(p + 4), 0x88);
}
#define O2C_VF_POW2I
#define O2C_VF_EVEN
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b)
{
    return _mm_add_ps(acc, _mm_mul_ps(a, b));
}

#elif defined(__ARM_NEON)
#include <arm_neon.h>
#define O2C_VF 4
typedef float32x4_t o2c_vf;
O2C_INLINE o2c_vf o2c_vf_splat(float s) { return vdupq_n_f32(s); }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { return vld1q_f32(p); }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { vst1q_f32(p, v); }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return vaddq_f32(a, b); }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return vmulq_f32(a, b); }
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return vmaxq_f32(a, b); }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return vminq_f32(a, b); }
O2C_INLINE o2c_vf o2c_vf_pow2i(o2c_vf n)
{
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23));
}
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p) { return vld2q_f32(p).val[0]; }
#define O2C_VF_POW2I
#define O2C_VF_EVEN
#if defined(__aarch64__)
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return vdivq_f32(a, b); }
#else
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b)
{
    float x[4], y[4];
    int i;
    vst1q_f32(x, a);
    vst1q_f32(y, b);
    for (i = 0; i < 4; i++)
        x[i] /= y[i];
    return vld1q_f32(x);
}
#endif
#if defined(__ARM_FEATURE_FMA)
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return vfmaq_f32(acc, a, b); }
#else
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return vaddq_f32(acc, vmulq_f32(a, b)); }
#endif

#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define O2C_VF 4
typedef float o2c_vf __attribute__((vector_size(16)));
O2C_INLINE o2c_vf o2c_vf_splat(float s) { return (o2c_vf){s, s, s, s}; }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { o2c_vf v; memcpy(&v, p, sizeof v); return v; }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { memcpy(p, &v, sizeof v); }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return a + b; }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return a * b; }
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return (o2c_vf)wasm_f32x4_pmax((v128_t)a, (v128_t)b); }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return (o2c_vf)wasm_f32x4_pmin((v128_t)a, (v128_t)b); }
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return acc + a * b; }
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return a / b; }
O2C_INLINE o2c_vf o2c_vf_pow2i(o2c_vf n)
{
    return (o2c_vf)wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4((v128_t)n),
                                                 wasm_i32x4_splat(127)), 23);
}
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p)
{
    return (o2c_vf)wasm_i32x4_shuffle(wasm_v128_load(p), wasm_v128_load(p + 4), 0, 2, 4, 6);
}
#define O2C_VF_POW2I
#define O2C_VF_EVEN

#else
/* scalar: Cortex-M's FPU, and any compiler or target without one of the above */
#define O2C_VF 1
typedef float o2c_vf;
O2C_INLINE o2c_vf o2c_vf_splat(float s) { return s; }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { return *p; }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { *p = v; }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return a + b; }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return a * b; }
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return a > b ? a : b; }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return a < b ? a : b; }
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return o2c_f32_fma(acc, a, b); }
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return a / b; }
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
    for (i = 0; i < n % O2C_VF; i++)
        dst[body + i] = src[body + i];
}

#endif /* O2C_SIMD_H */
