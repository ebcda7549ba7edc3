/* o2c_simd_scalar.h - the o2c_vf operations on plain floats (O2C_VF 1): Cortex-M's FPU,
 * any target without a vector path, and every target under O2C_PORTABLE. Included by
 * o2c_simd.h only. */
#ifndef O2C_SIMD_SCALAR_H
#define O2C_SIMD_SCALAR_H

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

#endif /* O2C_SIMD_SCALAR_H */
