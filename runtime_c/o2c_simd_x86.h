/* o2c_simd_x86.h - the o2c_vf operations on x86: AVX-512, AVX (fused with __FMA__,
 * integer operations with __AVX2__), SSE2. Included by o2c_simd.h only. */
#ifndef O2C_SIMD_X86_H
#define O2C_SIMD_X86_H

#include "o2c_simd_base.h"

#if defined(__AVX512F__) && !defined(O2C_X86_256)
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
/* the first n lanes of o2c_vf_load_even, reading only p[0 .. 2n - 2] */
O2C_INLINE o2c_vf o2c_vf_load_part_even(const float *p, size_t n)
{
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const unsigned bits = n ? 2u * (unsigned)n - 1u : 0u;
    const __mmask16 lo = (__mmask16)(bits >= 16u ? 0xffffu : (1u << bits) - 1u);
    const __mmask16 hi = (__mmask16)(bits > 16u ? (1u << (bits - 16u)) - 1u : 0u);
    return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo, p), even,
                                  _mm512_maskz_loadu_ps(hi, p + 16));
}
#define O2C_VF_PART_EVEN
#define O2C_VF_PART_DONE
#define O2C_VF_PART_MASKED      /* kept: partial accesses are one masked instruction */
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
#if defined(__AVX512VL__)
O2C_INLINE o2c_vf o2c_vf_load_part(const float *p, size_t n)
{
    return _mm256_maskz_loadu_ps((__mmask8)((1u << n) - 1u), p);
}
O2C_INLINE void o2c_vf_store_part(float *p, o2c_vf v, size_t n)
{
    _mm256_mask_storeu_ps(p, (__mmask8)((1u << n) - 1u), v);
}
#define O2C_VF_PART_DONE
#define O2C_VF_PART_MASKED
#endif
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

#endif

#endif /* O2C_SIMD_X86_H */
