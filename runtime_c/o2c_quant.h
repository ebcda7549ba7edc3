/*
 * o2c_quant.h - conversions for Cast and the quantization operators that
 * o2c_numeric.h does not cover: exact intermediates for narrowing through
 * float32, float-to-integer conversion without undefined behaviour, and the
 * range reduction of DynamicQuantizeLinear.
 *
 * Rounding to odd: every narrowing in o2c_numeric.h starts from a float32.
 * Rounding a double (or a wide integer) to float32 first and then to, say,
 * bfloat16 rounds twice and can land on the wrong side of a tie.  Rounding
 * the first step "to odd" (truncate, then set the last bit if anything was
 * dropped) keeps the information the second rounding needs, so the pair is
 * a single correct rounding for every target with at least two fewer
 * significand bits than float32 - all of ONNX's small floats.
 */
#ifndef O2C_QUANT_H
#define O2C_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include "o2c_numeric.h"
#include "o2c_qrequant.h"

/* d rounded to odd at float32 precision; only for narrowing further.
 * |d| >= 2^128 gives +-inf, which every smaller format treats exactly like
 * its own overflow. */
static inline float o2c_f64_to_f32_odd(double d)
{
    uint64_t b = o2c__f64_bits(d);
    uint32_t sign = (uint32_t)(b >> 32) & 0x80000000u;
    int e = (int)((b >> 52) & 0x7FFu);
    uint64_t sig = b & 0xFFFFFFFFFFFFFull;
    int te, shift = 52 - 23;
    uint32_t q;

    if (e == 0x7FF)
        return (float)d; /* inf and NaN convert exactly */
    if (e == 0)
        e = 1;
    else
        sig |= 1ull << 52;
    te = e - 1023 + 127;
    if (te > 254)
        return o2c__f32_from_bits(sign | 0x7F800000u);
    if (te < 1) { /* float32 subnormal: the ulp stays 2^-149 */
        shift += 1 - te;
        te = 1;
    }
    if (shift > 63)
        q = sig != 0;
    else
        q = (uint32_t)(sig >> shift) | ((sig & ((1ull << shift) - 1u)) != 0);
    /* q carries the hidden bit for normals, hence te - 1 */
    return o2c__f32_from_bits(sign | (((uint32_t)(te - 1) << 23) + q));
}

/* v rounded to odd at float32 precision; only for narrowing further. */
static inline float o2c_u64_to_f32_odd(uint64_t v)
{
    int s = 0;
    uint64_t q;

    while ((v >> s) >= (1u << 24))
        s++;
    q = (v >> s) | ((v & ((1ull << s) - 1u)) != 0);
    return (float)q * (float)(1ull << s); /* both factors and the product are exact */
}

static inline float o2c_i64_to_f32_odd(int64_t v)
{
    /* 0 - (uint64_t)v is |v| even for INT64_MIN */
    return v < 0 ? -o2c_u64_to_f32_odd(0u - (uint64_t)v) : o2c_u64_to_f32_odd((uint64_t)v);
}

/* Float to integer, truncating like C.  Out of range is undefined in both C
 * and ONNX; here NaN and values outside the result type give its minimum,
 * which is what x86's cvttss2si/cvttsd2si return, so results agree with
 * numpy and onnxruntime on x86 hosts.  Casts to narrower integers go
 * through the int32 version and wrap, as on those hosts. */
static inline int32_t o2c_f64_to_i32(double x)
{
    if (x > -2147483649.0 && x < 2147483648.0)
        return (int32_t)x;
    return INT32_MIN;
}

static inline int32_t o2c_f32_to_i32(float x)
{
    if (x >= -2147483648.0f && x < 2147483648.0f)
        return (int32_t)x;
    return INT32_MIN;
}

static inline int64_t o2c_f64_to_i64(double x)
{
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0)
        return (int64_t)x;
    return INT64_MIN;
}

static inline int64_t o2c_f32_to_i64(float x)
{
    if (x >= -9223372036854775808.0f && x < 9223372036854775808.0f)
        return (int64_t)x;
    return INT64_MIN;
}

/* Negative values wrap as if converted through int64. */
static inline uint64_t o2c_f64_to_u64(double x)
{
    if (x > -1.0 && x < 18446744073709551616.0)
        return (uint64_t)x;
    return (uint64_t)o2c_f64_to_i64(x);
}

static inline uint64_t o2c_f32_to_u64(float x)
{
    if (x > -1.0f && x < 18446744073709551616.0f)
        return (uint64_t)x;
    return (uint64_t)o2c_f32_to_i64(x);
}

/* DynamicQuantizeLinear's scale and zero point for n floats, uint8 output:
 * the range [min(x, 0), max(x, 0)] mapped onto [0, 255].  NaNs are skipped
 * (ONNX does not define them here). */
static inline void o2c_dynamic_qparams_u8(const float *x, size_t n, float *scale,
                                          uint8_t *zero_point)
{
    float lo = 0.0f, hi = 0.0f, s, zp;
    size_t i = 0;

#if defined(O2C_X86_AVX2)
    /* sixteen running minima and maxima from 0: VMINPS(a, m) is a < m ? a : m, as the
     * loop below, so a NaN leaves m and -0 never replaces +0; the lanes then go through
     * the same comparisons, giving the same lo and hi */
    if (n >= 16u) {
        __m256 lo_a = _mm256_setzero_ps(), lo_b = lo_a, hi_a = lo_a, hi_b = lo_a;
        float lanes[32];
        int lane;
        const size_t whole = n & ~(size_t)15u;
        for (; i < whole; i += 16u) {
            const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8u);
            lo_a = _mm256_min_ps(a, lo_a);
            lo_b = _mm256_min_ps(b, lo_b);
            hi_a = _mm256_max_ps(a, hi_a);
            hi_b = _mm256_max_ps(b, hi_b);
        }
        _mm256_storeu_ps(lanes, lo_a);
        _mm256_storeu_ps(lanes + 8, lo_b);
        _mm256_storeu_ps(lanes + 16, hi_a);
        _mm256_storeu_ps(lanes + 24, hi_b);
        for (lane = 0; lane < 16; lane++) {
            if (lanes[lane] < lo)
                lo = lanes[lane];
            if (lanes[16 + lane] > hi)
                hi = lanes[16 + lane];
        }
    }
#endif
    for (; i < n; i++) {
        if (x[i] < lo)
            lo = x[i];
        if (x[i] > hi)
            hi = x[i];
    }
    s = (hi == lo ? 1.0f : hi - lo) / 255.0f;
    zp = -lo / s;
    *scale = s;
    *zero_point = (uint8_t)o2c_round_half_even_f(zp > 255.0f ? 255.0f : zp);
}

#endif /* O2C_QUANT_H */
