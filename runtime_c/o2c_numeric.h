/*
 * o2c_numeric.h - numeric conversions for ONNX's small float and packed
 * integer types, for code emitted by onnx2c.
 *
 * Header-only, portable C99.  Everything is done with integer bit
 * manipulation so results are bit-exact, independent of the FP environment
 * (rounding mode, FTZ/DAZ, x87 excess precision) and of any compiler
 * extension such as _Float16.  Assumes float/double are IEEE-754
 * binary32/binary64, which is checked at compile time for float.
 *
 * Semantics follow the ONNX Cast / QuantizeLinear specification; where the
 * ONNX text and onnx.reference disagree, the choice made is noted at the
 * function.  Bit patterns match ml_dtypes.
 *
 * API (all static inline, no state, thread-safe except as noted on the
 * packed setters):
 *   float    o2c_f16_to_f32(uint16_t)        exact
 *   uint16_t o2c_f32_to_f16(float)           RNE, overflow -> inf, NaN -> qNaN
 *   uint16_t o2c_f64_to_f16(double)          same, rounded once from double
 *   float    o2c_bf16_to_f32(uint16_t)       exact
 *   uint16_t o2c_f32_to_bf16(float)          RNE, overflow -> inf, NaN -> qNaN
 *   uint16_t o2c_f64_to_bf16(double)         same, rounded once from double
 *   float    o2c_<f8>_to_f32(uint8_t)        exact; f8 in e4m3fn e4m3fnuz e5m2 e5m2fnuz
 *   uint8_t  o2c_f32_to_<f8>(float, int saturate)   ONNX Cast tables
 *   float    o2c_e8m0_to_f32(uint8_t)        exact (0x00 = 2^-127, 0xFF = NaN)
 *   uint8_t  o2c_f32_to_e8m0(float, int saturate, int round_mode)
 *   float    o2c_e2m1_to_f32(uint8_t nibble) exact
 *   uint8_t  o2c_f32_to_e2m1(float, int saturate)   nibble 0..15
 *   int8_t/uint8_t o2c_get_{i4,u4,i2,u2}(const uint8_t *buf, size_t i)
 *   void     o2c_set_{i4,u4,i2,u2}(uint8_t *buf, size_t i, int v)
 *   int32_t  o2c_round_half_even_f(float) / o2c_round_half_even_d(double)
 *   int32_t  o2c_add_sat_i32(int32_t, int32_t)
 *   o2c_sat_{i8,u8,i16,u16,i4,u4,i2,u2}(int32_t)
 */
#ifndef O2C_NUMERIC_H
#define O2C_NUMERIC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Every conversion below reinterprets float bits as uint32_t. */
typedef char o2c__float_is_binary32[(sizeof(float) == 4 && sizeof(double) == 8) ? 1 : -1];

/* round_mode values for o2c_f32_to_e8m0, matching Cast's round_mode attribute. */
#define O2C_E8M0_ROUND_UP 0      /* "up" (ONNX default): towards +inf magnitude */
#define O2C_E8M0_ROUND_DOWN 1    /* "down": towards zero */
#define O2C_E8M0_ROUND_NEAREST 2 /* "nearest": nearest power of two, ties up */

/* ------------------------------------------------------------------------ */
/* Bit casts.  memcpy is the only strictly conforming way in C99 and
 * compilers turn it into a register move. */

static inline uint32_t o2c__f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline float o2c__f32_from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint64_t o2c__f64_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* ------------------------------------------------------------------------ */
/* Generic narrowing: magnitude code of a binary format with man_bits stored
 * mantissa bits and exponent `bias`, rounded to nearest even.  `a` is |x| as
 * float32 bits and must be finite.  The result is (exponent << man_bits) |
 * mantissa and may exceed the target's largest finite code: a carry out of
 * the mantissa simply increments the exponent, which is exactly how
 * rounding up to the next binade (or past the maximum) is encoded, so the
 * caller only has to compare against its max code. */
static inline uint32_t o2c__f32_round_mag(uint32_t a, int man_bits, int bias)
{
    int e = (int)(a >> 23);
    uint32_t sig = a & 0x7FFFFFu;
    int te;
    int shift = 23 - man_bits;
    uint32_t q, rem, half;

    if (e == 0)
        e = 1; /* float32 subnormal: same scale as e == 1, no hidden bit */
    else
        sig |= 0x800000u;
    te = e - 127 + bias;
    if (te < 1) {
        /* Target subnormal: drop extra bits so the ulp is the subnormal ulp. */
        shift += 1 - te;
        te = 1;
    }
    if (shift > 25)
        return 0; /* below half the smallest subnormal (sig < 2^24) */
    q = sig >> shift;
    rem = sig & ((1u << shift) - 1u);
    half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u)))
        q++;
    /* q still holds the hidden bit for normals, hence te - 1. */
    return ((uint32_t)(te - 1) << man_bits) + q;
}

/* Same as o2c__f32_round_mag, from |x| as binary64 bits.  Needed because
 * double -> float -> half rounds twice and can land on the wrong side of a
 * tie. */
static inline uint64_t o2c__f64_round_mag(uint64_t a, int man_bits, int bias)
{
    int e = (int)(a >> 52);
    uint64_t sig = a & 0xFFFFFFFFFFFFFull;
    int te;
    int shift = 52 - man_bits;
    uint64_t q, rem, half;

    if (e == 0)
        e = 1;
    else
        sig |= 0x10000000000000ull;
    te = e - 1023 + bias;
    if (te < 1) {
        shift += 1 - te;
        te = 1;
    }
    if (shift > 54)
        return 0;
    q = sig >> shift;
    rem = sig & ((1ull << shift) - 1ull);
    half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (q & 1u)))
        q++;
    return ((uint64_t)(te - 1) << man_bits) + q;
}

/* Generic widening of a finite magnitude code to float32 bits (sign not
 * included).  Exact: every small format here fits in float32. */
static inline uint32_t o2c__small_to_f32_bits(uint32_t mag, int man_bits, int bias)
{
    uint32_t mmask = (1u << man_bits) - 1u;
    uint32_t e = mag >> man_bits;
    uint32_t m = mag & mmask;
    uint32_t e32;

    if (e != 0)
        return ((e + (uint32_t)(127 - bias)) << 23) | (m << (23 - man_bits));
    if (m == 0)
        return 0;
    /* Subnormal in the source is normal in float32: renormalise. */
    e32 = (uint32_t)(128 - bias);
    while ((m & (1u << man_bits)) == 0) {
        m <<= 1;
        e32--;
    }
    return (e32 << 23) | ((m & mmask) << (23 - man_bits));
}

/* ------------------------------------------------------------------------ */
/* IEEE binary16 */

static inline float o2c_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t mag = h & 0x7FFFu;
    if (mag >= 0x7C00u) /* inf / NaN: keep payload, a NaN stays a NaN */
        return o2c__f32_from_bits(sign | 0x7F800000u | ((mag & 0x3FFu) << 13));
    return o2c__f32_from_bits(sign | o2c__small_to_f32_bits(mag, 10, 15));
}

static inline uint16_t o2c_f32_to_f16(float f)
{
    uint32_t b = o2c__f32_bits(f);
    uint32_t sign = (b >> 16) & 0x8000u;
    uint32_t a = b & 0x7FFFFFFFu;
    uint32_t c;

    if (a > 0x7F800000u) /* quiet it, keep the top payload bits */
        return (uint16_t)(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
    if (a == 0x7F800000u)
        return (uint16_t)(sign | 0x7C00u);
    c = o2c__f32_round_mag(a, 10, 15);
    if (c > 0x7C00u)
        c = 0x7C00u;
    return (uint16_t)(sign | c);
}

static inline uint16_t o2c_f64_to_f16(double d)
{
    uint64_t b = o2c__f64_bits(d);
    uint32_t sign = (uint32_t)(b >> 48) & 0x8000u;
    uint64_t a = b & 0x7FFFFFFFFFFFFFFFull;
    uint64_t c;

    if (a > 0x7FF0000000000000ull)
        return (uint16_t)(sign | 0x7E00u | ((uint32_t)(a >> 42) & 0x3FFu));
    if (a == 0x7FF0000000000000ull)
        return (uint16_t)(sign | 0x7C00u);
    c = o2c__f64_round_mag(a, 10, 15);
    if (c > 0x7C00u)
        c = 0x7C00u;
    return (uint16_t)(sign | (uint32_t)c);
}

/* ------------------------------------------------------------------------ */
/* bfloat16: the top half of a float32. */

static inline float o2c_bf16_to_f32(uint16_t h)
{
    return o2c__f32_from_bits((uint32_t)h << 16);
}

static inline uint16_t o2c_f32_to_bf16(float f)
{
    uint32_t b = o2c__f32_bits(f);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u)
        /* Plain truncation could turn a NaN with a low payload into inf. */
        return (uint16_t)((b >> 16) | 0x0040u);
    /* Adding 0x7FFF plus the would-be lsb rounds half to even; a carry out
     * of the mantissa correctly bumps the exponent, up to inf.  Cannot wrap
     * since NaNs were handled. */
    return (uint16_t)((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}

static inline uint16_t o2c_f64_to_bf16(double d)
{
    uint64_t b = o2c__f64_bits(d);
    uint32_t sign = (uint32_t)(b >> 48) & 0x8000u;
    uint64_t a = b & 0x7FFFFFFFFFFFFFFFull;
    uint64_t c;

    if (a > 0x7FF0000000000000ull)
        return (uint16_t)(sign | 0x7FC0u | ((uint32_t)(a >> 45) & 0x7Fu));
    if (a == 0x7FF0000000000000ull)
        return (uint16_t)(sign | 0x7F80u);
    c = o2c__f64_round_mag(a, 7, 127);
    if (c > 0x7F80u)
        c = 0x7F80u;
    return (uint16_t)(sign | (uint32_t)c);
}

/* ------------------------------------------------------------------------ */
/* float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ).
 *
 * ONNX Cast, saturate != 0 (the default):
 *   NaN -> NaN, +-Inf -> +-max, |[x]| > max -> +-max, else RNE.
 * saturate == 0:
 *   E4M3FN:  +-Inf and overflow -> NaN with the sign of x
 *   E5M2:    +-Inf and overflow -> +-Inf
 *   *FNUZ:   +-Inf and overflow -> NaN (0x80, the only NaN)
 * FNUZ types have no -0: -0 and negatives that round to zero give +0.
 * Note that the "technical/float8" ONNX page says Inf -> NaN for the FNUZ
 * types even when saturating; the Cast operator text and onnx.reference
 * both say +-max, which is what is implemented.
 * Overflow is judged after rounding, so e.g. 464 (half way between
 * E4M3FN's max 448 and the next step) still rounds to 448. */

static inline float o2c__f8_to_f32(uint8_t v, int man_bits, int bias)
{
    uint32_t sign = (uint32_t)(v & 0x80u) << 24;
    return o2c__f32_from_bits(sign | o2c__small_to_f32_bits(v & 0x7Fu, man_bits, bias));
}

static inline uint8_t o2c__f32_to_f8(float f, int saturate, int man_bits, int bias,
                                     uint32_t max_mag, int fnuz, int has_inf)
{
    uint32_t b = o2c__f32_bits(f);
    uint32_t sign = (b >> 24) & 0x80u;
    uint32_t a = b & 0x7FFFFFFFu;
    uint32_t nan_code = fnuz ? 0x80u : (sign | (has_inf ? 0x7Eu : 0x7Fu));
    uint32_t c;

    if (a > 0x7F800000u)
        return (uint8_t)nan_code;
    if (a == 0x7F800000u)
        c = max_mag + 1u; /* treat like any other overflow */
    else
        c = o2c__f32_round_mag(a, man_bits, bias);
    if (c > max_mag) {
        if (saturate)
            c = max_mag;
        else if (has_inf)
            return (uint8_t)(sign | 0x7Cu);
        else
            return (uint8_t)nan_code;
    }
    if (fnuz && c == 0)
        return 0; /* 0x80 would be NaN */
    return (uint8_t)(sign | c);
}

static inline float o2c_e4m3fn_to_f32(uint8_t v)
{
    if ((v & 0x7Fu) == 0x7Fu)
        return o2c__f32_from_bits(((uint32_t)(v & 0x80u) << 24) | 0x7FC00000u);
    return o2c__f8_to_f32(v, 3, 7);
}

static inline uint8_t o2c_f32_to_e4m3fn(float f, int saturate)
{
    return o2c__f32_to_f8(f, saturate, 3, 7, 0x7Eu, 0, 0);
}

static inline float o2c_e4m3fnuz_to_f32(uint8_t v)
{
    if (v == 0x80u) /* the would-be -0 slot; ml_dtypes decodes it as -NaN */
        return o2c__f32_from_bits(0xFFC00000u);
    return o2c__f8_to_f32(v, 3, 8);
}

static inline uint8_t o2c_f32_to_e4m3fnuz(float f, int saturate)
{
    return o2c__f32_to_f8(f, saturate, 3, 8, 0x7Fu, 1, 0);
}

static inline float o2c_e5m2_to_f32(uint8_t v)
{
    uint32_t sign = (uint32_t)(v & 0x80u) << 24;
    if ((v & 0x7Cu) == 0x7Cu) /* same layout as the top byte of a half */
        return o2c__f32_from_bits(sign | 0x7F800000u | ((uint32_t)(v & 3u) << 21));
    return o2c__f8_to_f32(v, 2, 15);
}

static inline uint8_t o2c_f32_to_e5m2(float f, int saturate)
{
    return o2c__f32_to_f8(f, saturate, 2, 15, 0x7Bu, 0, 1);
}

static inline float o2c_e5m2fnuz_to_f32(uint8_t v)
{
    if (v == 0x80u) /* the would-be -0 slot; ml_dtypes decodes it as -NaN */
        return o2c__f32_from_bits(0xFFC00000u);
    return o2c__f8_to_f32(v, 2, 16);
}

static inline uint8_t o2c_f32_to_e5m2fnuz(float f, int saturate)
{
    return o2c__f32_to_f8(f, saturate, 2, 16, 0x7Fu, 1, 0);
}

/* ------------------------------------------------------------------------ */
/* float8 E8M0 (MX scale): unsigned power of two 2^(v - 127), 0xFF = NaN,
 * no zero, no infinity. */

static inline float o2c_e8m0_to_f32(uint8_t v)
{
    if (v == 0xFFu)
        return o2c__f32_from_bits(0x7FC00000u);
    if (v == 0)
        return o2c__f32_from_bits(0x00400000u); /* 2^-127 is a float32 subnormal */
    return o2c__f32_from_bits((uint32_t)v << 23);
}

/* round_mode is one of O2C_E8M0_ROUND_*; any other value acts as UP, the
 * ONNX default.  The sign of x is ignored (ONNX leaves negative inputs
 * unspecified; onnx.reference uses |x| too).
 *
 * Semantics: round |x| to a power of two 2^k per round_mode (UP: smallest
 * 2^k >= |x|, DOWN: largest 2^k <= |x|, NEAREST: nearest, ties (1.5 * 2^k)
 * up), then if k > 127 -> saturate ? 2^127 : NaN, if k < -127 (incl.
 * x == 0) -> saturate ? 2^-127 : NaN.  NaN -> NaN, +-Inf -> saturate ?
 * 2^127 : NaN.
 *
 * This is the Cast spec's table (Inf -> E8M0_MAX when saturating, 0 and
 * underflow -> NaN when not).  onnx.reference's to_float8e8m0 agrees for all
 * normal float32 inputs but differs in two places, where it contradicts
 * that table: it maps Inf to NaN even when saturating, and it treats a
 * float32 subnormal as if its exponent field 0 were 2^-127 (e.g. "up" sends
 * 2^-127 itself and 2^-140 to 2^-126, and 0 maps to 2^-127 even without
 * saturation). */
static inline uint8_t o2c_f32_to_e8m0(float f, int saturate, int round_mode)
{
    uint32_t a = o2c__f32_bits(f) & 0x7FFFFFFFu;
    int e;
    uint32_t frac;

    if (a > 0x7F800000u)
        return 0xFFu;
    if (a == 0x7F800000u)
        return saturate ? 0xFEu : 0xFFu;
    if (a == 0)
        return saturate ? 0x00u : 0xFFu;
    e = (int)(a >> 23);
    frac = a & 0x7FFFFFu;
    if (e == 0) {
        /* Normalise the subnormal so e/frac describe 2^(e-127) * 1.frac. */
        e = 1;
        while ((frac & 0x800000u) == 0) {
            frac <<= 1;
            e--;
        }
        frac &= 0x7FFFFFu;
    }
    if (round_mode == O2C_E8M0_ROUND_DOWN) {
        /* truncation is rounding towards zero */
    } else if (round_mode == O2C_E8M0_ROUND_NEAREST) {
        if (frac >= 0x400000u)
            e++;
    } else if (frac != 0) {
        e++;
    }
    if (e > 254)
        return saturate ? 0xFEu : 0xFFu;
    if (e < 0)
        return saturate ? 0x00u : 0xFFu;
    return (uint8_t)e;
}

/* ------------------------------------------------------------------------ */
/* float4 E2M1 (a nibble: sign in bit 3; values 0 .5 1 1.5 2 3 4 6).
 * ONNX (technical/float4): RNE, |x| > 6 and +-Inf -> +-6, NaN -> +6
 * whatever its sign.  The type has no Inf/NaN, so `saturate` cannot change
 * anything and is accepted only for symmetry with the float8 API.
 * (ml_dtypes, and hence onnx.reference's Cast, give 0x8 for +NaN and 0x0
 * for -NaN; the spec and onnxruntime say +6.) */

static inline float o2c_e2m1_to_f32(uint8_t nibble)
{
    uint32_t sign = (uint32_t)(nibble & 0x8u) << 28;
    return o2c__f32_from_bits(sign | o2c__small_to_f32_bits(nibble & 0x7u, 1, 1));
}

static inline uint8_t o2c_f32_to_e2m1(float f, int saturate)
{
    uint32_t b = o2c__f32_bits(f);
    uint32_t a = b & 0x7FFFFFFFu;
    uint32_t c;

    (void)saturate;
    if (a > 0x7F800000u)
        return 0x7u;
    c = (a == 0x7F800000u) ? 0x7u : o2c__f32_round_mag(a, 1, 1);
    if (c > 0x7u)
        c = 0x7u;
    return (uint8_t)(((b >> 28) & 0x8u) | c);
}

/* ------------------------------------------------------------------------ */
/* Packed sub-byte integers.  ONNX packing: element 0 sits in the least
 * significant bits of byte 0.  Setters store the low 4 (2) bits of v, i.e.
 * wrap like Cast between integer types; saturate first (o2c_sat_i4 ...) for
 * QuantizeLinear.  Setters read-modify-write a shared byte, so neighbouring
 * elements must not be written concurrently. */

static inline uint8_t o2c_get_u4(const uint8_t *buf, size_t i)
{
    return (uint8_t)((unsigned)(buf[i >> 1] >> ((i & 1u) * 4u)) & 0xFu);
}

static inline int8_t o2c_get_i4(const uint8_t *buf, size_t i)
{
    int n = o2c_get_u4(buf, i);
    return (int8_t)(n - ((n & 8) << 1)); /* sign-extend bit 3 */
}

static inline void o2c_set_u4(uint8_t *buf, size_t i, int v)
{
    unsigned shift = (unsigned)(i & 1u) * 4u;
    unsigned keep = ~(0xFu << shift);
    /* Conversion to unsigned is modular, so negatives give two's complement bits. */
    buf[i >> 1] = (uint8_t)((buf[i >> 1] & keep) | (((unsigned)v & 0xFu) << shift));
}

static inline void o2c_set_i4(uint8_t *buf, size_t i, int v)
{
    o2c_set_u4(buf, i, v);
}

static inline uint8_t o2c_get_u2(const uint8_t *buf, size_t i)
{
    return (uint8_t)((unsigned)(buf[i >> 2] >> ((i & 3u) * 2u)) & 0x3u);
}

static inline int8_t o2c_get_i2(const uint8_t *buf, size_t i)
{
    int n = o2c_get_u2(buf, i);
    return (int8_t)(n - ((n & 2) << 1));
}

static inline void o2c_set_u2(uint8_t *buf, size_t i, int v)
{
    unsigned shift = (unsigned)(i & 3u) * 2u;
    unsigned keep = ~(0x3u << shift);
    buf[i >> 2] = (uint8_t)((buf[i >> 2] & keep) | (((unsigned)v & 0x3u) << shift));
}

static inline void o2c_set_i2(uint8_t *buf, size_t i, int v)
{
    o2c_set_u2(buf, i, v);
}

/* ------------------------------------------------------------------------ */
/* Rounding and saturation for QuantizeLinear: y = sat(round(x / s) + zp).
 *
 * Round half to even, computed explicitly: nearbyint/lrint would follow the
 * current rounding mode, which generated code must not depend on.  Results
 * saturate to the int32 range and NaN gives 0 (ONNX leaves NaN -> int
 * undefined).  Add the zero point with o2c_add_sat_i32: a plain + would
 * overflow for inputs near the int32 limits. */

static inline int32_t o2c_round_half_even_f(float x)
{
    int32_t i;
    float d;

    if (x != x)
        return 0;
    if (x >= 2147483648.0f)
        return INT32_MAX;
    if (x < -2147483648.0f)
        return INT32_MIN;
    i = (int32_t)x; /* float->int conversion truncates in every mode */
    /* x - trunc(x) is exact (Sterbenz, or trunc == 0), so the comparisons
     * below see the true fraction. */
    d = x - (float)i;
    if (d > 0.5f || (d == 0.5f && (i & 1)))
        i++;
    else if (d < -0.5f || (d == -0.5f && (i & 1)))
        i--;
    return i;
}

static inline int32_t o2c_round_half_even_d(double x)
{
    int32_t i;
    double d;

    if (x != x)
        return 0;
    /* Bounds chosen so that the +-1 below can never overflow. */
    if (x >= 2147483647.0)
        return INT32_MAX;
    if (x <= -2147483648.0)
        return INT32_MIN;
    i = (int32_t)x;
    d = x - (double)i;
    if (d > 0.5 || (d == 0.5 && (i & 1)))
        i++;
    else if (d < -0.5 || (d == -0.5 && (i & 1)))
        i--;
    return i;
}

static inline int32_t o2c_add_sat_i32(int32_t a, int32_t b)
{
    int64_t s = (int64_t)a + (int64_t)b;
    if (s > INT32_MAX)
        return INT32_MAX;
    if (s < INT32_MIN)
        return INT32_MIN;
    return (int32_t)s;
}

static inline int8_t o2c_sat_i8(int32_t v)
{
    return (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
}

static inline uint8_t o2c_sat_u8(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

static inline int16_t o2c_sat_i16(int32_t v)
{
    return (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
}

static inline uint16_t o2c_sat_u16(int32_t v)
{
    return (uint16_t)(v < 0 ? 0 : (v > 65535 ? 65535 : v));
}

static inline int8_t o2c_sat_i4(int32_t v)
{
    return (int8_t)(v < -8 ? -8 : (v > 7 ? 7 : v));
}

static inline uint8_t o2c_sat_u4(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : (v > 15 ? 15 : v));
}

static inline int8_t o2c_sat_i2(int32_t v)
{
    return (int8_t)(v < -2 ? -2 : (v > 1 ? 1 : v));
}

static inline uint8_t o2c_sat_u2(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : (v > 3 ? 3 : v));
}

#endif /* O2C_NUMERIC_H */
