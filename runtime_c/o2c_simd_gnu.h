/* o2c_simd_gnu.h - the o2c_vf operations on a GNU C vector of 4 floats (GCC and clang
 * vector extensions), with WebAssembly SIMD128's own instructions where they are better.
 * Included by o2c_simd.h only. */
#ifndef O2C_SIMD_GNU_H
#define O2C_SIMD_GNU_H

#include <stdint.h>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#define O2C_VF 4
typedef float o2c_vf __attribute__((vector_size(16)));
typedef int32_t o2c_vi __attribute__((vector_size(16)));

O2C_INLINE o2c_vf o2c_vf_splat(float s) { return (o2c_vf){s, s, s, s}; }
O2C_INLINE o2c_vf o2c_vf_load(const float *p) { o2c_vf v; memcpy(&v, p, sizeof v); return v; }
O2C_INLINE void o2c_vf_store(float *p, o2c_vf v) { memcpy(p, &v, sizeof v); }
O2C_INLINE o2c_vf o2c_vf_add(o2c_vf a, o2c_vf b) { return a + b; }
O2C_INLINE o2c_vf o2c_vf_mul(o2c_vf a, o2c_vf b) { return a * b; }
O2C_INLINE o2c_vf o2c_vf_fma(o2c_vf acc, o2c_vf a, o2c_vf b) { return acc + a * b; }
O2C_INLINE o2c_vf o2c_vf_div(o2c_vf a, o2c_vf b) { return a / b; }
#if defined(__wasm_simd128__)
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b) { return (o2c_vf)wasm_f32x4_pmax((v128_t)a, (v128_t)b); }
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b) { return (o2c_vf)wasm_f32x4_pmin((v128_t)a, (v128_t)b); }
O2C_INLINE o2c_vf o2c_vf_load_even(const float *p)
{
    return (o2c_vf)wasm_i32x4_shuffle(wasm_v128_load(p), wasm_v128_load(p + 4), 0, 2, 4, 6);
}
#define O2C_VF_EVEN
#else
/* a lane-wise select on the comparison's all-ones / all-zeros lanes */
O2C_INLINE o2c_vf o2c_vf_max(o2c_vf a, o2c_vf b)
{
    const o2c_vi m = a > b;
    return (o2c_vf)((m & (o2c_vi)a) | (~m & (o2c_vi)b));
}
O2C_INLINE o2c_vf o2c_vf_min(o2c_vf a, o2c_vf b)
{
    const o2c_vi m = a < b;
    return (o2c_vf)((m & (o2c_vi)a) | (~m & (o2c_vi)b));
}
#endif
O2C_INLINE o2c_vf o2c_vf_pow2i(o2c_vf n)
{
    return (o2c_vf)((__builtin_convertvector(n, o2c_vi) + 127) << 23);
}
#define O2C_VF_POW2I

#endif /* O2C_SIMD_GNU_H */
