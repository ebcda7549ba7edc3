/* o2c_simd_base.h - what o2c_simd.h and each of its vector backends (o2c_simd_x86.h,
 * o2c_simd_neon.h, o2c_simd_gnu.h, o2c_simd_scalar.h) build on: the scalar fused
 * multiply-add, the unrolling pragmas and the inlining attributes. */
#ifndef O2C_SIMD_BASE_H
#define O2C_SIMD_BASE_H

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
#define O2C_UNROLL2 _Pragma("GCC unroll 2")
#else
#define O2C_UNROLL
#define O2C_UNROLL2
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

#endif /* O2C_SIMD_BASE_H */
