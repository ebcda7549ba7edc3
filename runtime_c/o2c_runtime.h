/* o2c_runtime.h: integer division and modulo that never trap, and ONNX rounding. */
#ifndef O2C_RUNTIME_H
#define O2C_RUNTIME_H

#include <stdint.h>
#include <math.h>

/* Fails the build (a negative array size) unless the workspace plan reserved exactly the
 * scratch a kernel's *_SCRATCH_BYTES companion asks for: the two formulas live in
 * Python and C, and must not drift apart. */
#define O2C_CHECK_SCRATCH(planned, needed) ((void)sizeof(char[(planned) == (needed) ? 1 : -1]))

/* Round half to even without depending on the floating-point environment (ONNX Round). */
static inline float o2c_round_evenf(float x)
{
    float r = floorf(x), d = x - r;
    if (d > 0.5f || (d == 0.5f && fmodf(r, 2.0f) != 0.0f)) r += 1.0f;
    return r;
}

static inline double o2c_round_even(double x)
{
    double r = floor(x), d = x - r;
    if (d > 0.5 || (d == 0.5 && fmod(r, 2.0) != 0.0)) r += 1.0;
    return r;
}

/* Integer division and modulo that never trap: ONNX leaves x/0 undefined, C makes it UB. */
static inline int64_t o2c_div_i64(int64_t a, int64_t b)
{
    if (b == 0) return 0;
    if (b == -1) return (int64_t)(0u - (uint64_t)a);
    return a / b;
}

static inline uint64_t o2c_div_u64(uint64_t a, uint64_t b) { return b ? a / b : 0u; }

/* Python-style modulo (the result takes the divisor's sign), ONNX Mod with fmod=0. */
static inline int64_t o2c_mod_i64(int64_t a, int64_t b)
{
    int64_t r;
    if (b == 0 || b == -1) return 0;
    r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static inline uint64_t o2c_mod_u64(uint64_t a, uint64_t b) { return b ? a % b : 0u; }

/* Integer power by squaring, wrapping like unsigned arithmetic where the result does not
 * fit (C's signed overflow is UB). A negative exponent truncates 1 / base^-e toward zero:
 * 0 but for the bases 1 and -1 (and 0, for which ONNX defines nothing: 0 here). */
static inline int64_t o2c_pow_i64(int64_t base, int64_t e)
{
    uint64_t r = 1u, b = (uint64_t)base;
    if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
    for (; e; e >>= 1) {
        if (e & 1) r *= b;
        b *= b;
    }
    return (int64_t)r;
}

static inline double o2c_mod_float(double a, double b)
{
    double r = fmod(a, b);
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

#endif
