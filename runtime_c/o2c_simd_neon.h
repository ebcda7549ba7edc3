/* o2c_simd_neon.h - the o2c_vf operations on Arm NEON (AArch64, and 32-bit Arm with a
 * NEON FPU). Included by o2c_simd.h only. */
#ifndef O2C_SIMD_NEON_H
#define O2C_SIMD_NEON_H

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


#endif /* O2C_SIMD_NEON_H */
