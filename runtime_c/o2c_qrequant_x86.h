/*
 * o2c_qrequant_x86.h - o2c_requant (float mode) of eight int32 sums at once with AVX2,
 * included by o2c_qrequant.h on x86-64 (where it defines O2C_X86_AVX2).
 *
 * The same IEEE single-precision steps in the same order as the portable C, so the bytes
 * are identical: VCVTDQ2PS rounds to nearest even like the C conversion; the product is
 * rounded once (nothing follows it that a compiler could fuse into an FMA); a NaN product
 * becomes 0; the clamp to [lo - zero, hi - zero] comes before the rounding, and
 * VCVTPS2DQ rounds half to even under the default MXCSR, which generated code never
 * changes - as the portable code's magic-number addition rounds under the same mode
 * (|v| <= 255, so both are exact conversions of the same rounded value).
 */
#ifndef O2C_QREQUANT_X86_H
#define O2C_QREQUANT_X86_H

#include <stddef.h>
#include <stdint.h>

/* O2C_X86_AVX2 (o2c_qrequant.h) implies the compiler's __AVX2__, named here so that the
 * intrinsics header sits behind the compiler's own macro, as every target header's does. */
#if defined(__AVX2__) && defined(O2C_X86_AVX2)
#include <immintrin.h>
/* The eight sums acc times scale (per lane), requantized to 8-bit values in [lo, hi] with
 * the zero point, as the bytes of a little-endian uint64 (lane i in byte i). */
static inline uint64_t o2c_qx_requant8(__m256i acc, __m256 scale, int32_t zero, int32_t lo,
                                       int32_t hi)
{
    const __m256 lo_f = _mm256_set1_ps((float)(lo - zero));
    const __m256 hi_f = _mm256_set1_ps((float)(hi - zero));
    /* byte 0 of each 32-bit lane to the low four bytes of each 128-bit half */
    const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
                                               -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
                                               -1, -1, -1, -1, -1, -1, -1, -1);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
    __m256i r;
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    v = _mm256_min_ps(_mm256_max_ps(v, lo_f), hi_f);
    r = _mm256_add_epi32(_mm256_cvtps_epi32(v), _mm256_set1_epi32(zero));
    r = _mm256_shuffle_epi8(r, low_bytes);
    return (uint64_t)(uint32_t)_mm256_cvtsi256_si32(r) |
           ((uint64_t)(uint32_t)_mm256_extract_epi32(r, 4) << 32);
}

#if defined(O2C_X86_AVX512)
/* The portable rounding step (o2c_quantize8, o2c_qround_clamp) on sixteen lanes: NaN to
 * 0 (skipped when no_nan says no lane can be NaN), clamped to [lo, hi], rounded half to
 * even by VCVTPS2DQ under the default MXCSR. */
static inline __m512i o2c_qx_round_clamp(__m512 v, __m512 lo, __m512 hi, int32_t no_nan)
{
    if (!no_nan)
        v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, lo), hi));
}

/* Sixteen sums times scale (per lane), requantized as o2c_qx_requant8 does: lane i's
 * byte is byte i of the result.  A product is NaN only for a NaN or infinite scale:
 * finite_scale 1 (every lane's scale finite) skips turning NaNs to 0. */
static inline __m128i o2c_qx_requant_zmm(__m512i acc, __m512 scale, int32_t zero, int32_t lo,
                                         int32_t hi, int32_t finite_scale)
{
    const __m512 lo_f = _mm512_set1_ps((float)(lo - zero));
    const __m512 hi_f = _mm512_set1_ps((float)(hi - zero));
    const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    return _mm512_cvtepi32_epi8(_mm512_add_epi32(o2c_qx_round_clamp(v, lo_f, hi_f, finite_scale),
                                                 _mm512_set1_epi32(zero)));
}

/* QuantizeLinear of n floats by one scale to 8-bit values in [lo, hi] (o2c_quantize8_n),
 * sixteen at a time, the last ones masked: VDIVPS rounds each quotient as the C division
 * does, then o2c_quantize8's steps - NaN to 0, the clamp, rounding half to even. */
static inline void o2c_qx_quantize8_n(size_t n, const float *x, float scale, int32_t zero,
                                      int32_t lo, int32_t hi, uint8_t *y)
{
    const __m512 by = _mm512_set1_ps(scale);
    const __m512 lo_f = _mm512_set1_ps((float)(lo - zero));
    const __m512 hi_f = _mm512_set1_ps((float)(hi - zero));
    size_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16u ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
        const __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + i), by);
        _mm_mask_storeu_epi8(y + i, m, _mm512_cvtepi32_epi8(_mm512_add_epi32(
            o2c_qx_round_clamp(v, lo_f, hi_f, 0), _mm512_set1_epi32(zero))));
    }
}
#endif

/* Sixteen sums (four rows of four columns) at once: lane i's byte is byte i of the
 * result, the same steps as o2c_qx_requant8. */
static inline __m128i o2c_qx_requant16(__m256i acc_lo, __m256i acc_hi, const float *row_scale,
                                       int32_t zero, int32_t lo, int32_t hi)
{
#if defined(O2C_X86_AVX512)
    const __m512 scale = _mm512_permutexvar_ps(
        _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
        _mm512_castps128_ps512(_mm_loadu_ps(row_scale)));
    return o2c_qx_requant_zmm(_mm512_inserti64x4(_mm512_castsi256_si512(acc_lo), acc_hi, 1),
                              scale, zero, lo, hi, 0);
#else
    const __m256 scale_lo = _mm256_set_m128(_mm_set1_ps(row_scale[1]), _mm_set1_ps(row_scale[0]));
    const __m256 scale_hi = _mm256_set_m128(_mm_set1_ps(row_scale[3]), _mm_set1_ps(row_scale[2]));
    return _mm_set_epi64x((long long)o2c_qx_requant8(acc_hi, scale_hi, zero, lo, hi),
                          (long long)o2c_qx_requant8(acc_lo, scale_lo, zero, lo, hi));
#endif
}

#endif
#endif /* O2C_QREQUANT_X86_H */
