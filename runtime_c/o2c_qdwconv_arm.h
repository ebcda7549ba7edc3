/*
 * o2c_qdwconv_arm.h - the Cortex-M4/M7 (__ARM_FEATURE_DSP) 3x3 depthwise windows of
 * o2c_qdwconv.h, included by it (see there); the portable C computes the same integers.
 */
#ifndef O2C_QDWCONV_ARM_H
#define O2C_QDWCONV_ARM_H

#include <stdint.h>
#include "o2c_qrequant.h"

/* 3x3 windows in assembly, so that the five weight words stay in registers and the
 * rotation folds into SXTB16/UXTB16.  Per kernel row, the bytes x0..x3 at the row give
 * E = (x0, x2) and O = (x1, x3); w[0..2] = (w0, w2) of rows 0..2, w[3] = (w1 of row 0,
 * w1 of row 1), w[4] = w1 of row 2.  Two outputs (at x and x+1) or one. */
#define O2C_QDW3_PAIR(NAME, EXT)                                                          \
    static inline void NAME(const uint8_t *p, int32_t cols, const int32_t *w, int32_t *a0, \
                            int32_t *a1)                                                  \
    {                                                                                     \
        int32_t x0 = *a0, x1 = *a1, cols2 = 2 * cols;                                     \
        uint32_t e, o;                                                                    \
        __asm__("ldr %[e], [%[p]]\n\t"                                                    \
                EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                       \
                "smlad %[x0], %[e], %[w0], %[x0]\n\t"                                     \
                "smlabb %[x0], %[o], %[wa], %[x0]\n\t"                                    \
                "smlad %[x1], %[o], %[w0], %[x1]\n\t"                                     \
                "smlatb %[x1], %[e], %[wa], %[x1]\n\t"                                    \
                "ldr %[e], [%[p], %[cols]]\n\t"                                           \
                EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                       \
                "smlad %[x0], %[e], %[w1], %[x0]\n\t"                                     \
                "smlabt %[x0], %[o], %[wa], %[x0]\n\t"                                    \
                "smlad %[x1], %[o], %[w1], %[x1]\n\t"                                     \
                "smlatt %[x1], %[e], %[wa], %[x1]\n\t"                                    \
                "ldr %[e], [%[p], %[cols2]]\n\t"                                          \
                EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                       \
                "smlad %[x0], %[e], %[w2], %[x0]\n\t"                                     \
                "smlabb %[x0], %[o], %[wb], %[x0]\n\t"                                    \
                "smlad %[x1], %[o], %[w2], %[x1]\n\t"                                     \
                "smlatb %[x1], %[e], %[wb], %[x1]\n\t"                                    \
                : [x0] "+r"(x0), [x1] "+r"(x1), [e] "=&r"(e), [o] "=&r"(o)               \
                : [p] "r"(p), [cols] "r"(cols), [cols2] "r"(cols2), [w0] "r"(w[0]),        \
                  [w1] "r"(w[1]), [w2] "r"(w[2]), [wa] "r"(w[3]), [wb] "r"(w[4])         \
                : "memory");                                                              \
        *a0 = x0;                                                                         \
        *a1 = x1;                                                                         \
    }                                                                                     \
    static inline int32_t NAME##_one(const uint8_t *p, int32_t cols, const int32_t *w,    \
                                     int32_t acc)                                         \
    {                                                                                     \
        int32_t cols2 = 2 * cols;                                                         \
        uint32_t e, o;                                                                    \
        __asm__("ldr %[e], [%[p]]\n\t"                                                    \
                EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                       \
                "smlad %[a], %[e], %[w0], %[a]\n\t"                                       \
                "smlabb %[a], %[o], %[wa], %[a]\n\t"                                      \
                "ldr %[e], [%[p], %[cols]]\n\t"                                           \
                EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                       \
                "smlad %[a], %[e], %[w1], %[a]\n\t"                                       \
                "smlabt %[a], %[o], %[wa], %[a]\n\t"                                      \
                "ldr %[e], [%[p], %[cols2]]\n\t"                                          \
                EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                       \
                "smlad %[a], %[e], %[w2], %[a]\n\t"                                       \
                "smlabb %[a], %[o], %[wb], %[a]\n\t"                                      \
                : [a] "+r"(acc), [e] "=&r"(e), [o] "=&r"(o)                               \
                : [p] "r"(p), [cols] "r"(cols), [cols2] "r"(cols2), [w0] "r"(w[0]),        \
                  [w1] "r"(w[1]), [w2] "r"(w[2]), [wa] "r"(w[3]), [wb] "r"(w[4])         \
                : "memory");                                                              \
        return acc;                                                                       \
    }
/* Four 3x3 outputs (at x .. x+3, stride 1): per kernel row the bytes x0..x3 then
 * x2..x5, two outputs from each word; thirteen registers. */
#define O2C_QDW3_QUAD_ROW(EXT, W02, W1, B)                                                \
    "ldr %[e], [%[p]]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"           \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"                                           \
    "smlad %[y1], %[o], " W02 ", %[y1]\n\t"                                               \
    "smlat" B " %[y1], %[e], " W1 ", %[y1]\n\t"                                           \
    "ldr %[e], [%[p], #2]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"       \
    "smlad %[y2], %[e], " W02 ", %[y2]\n\t"                                               \
    "smlab" B " %[y2], %[o], " W1 ", %[y2]\n\t"                                           \
    "smlad %[y3], %[o], " W02 ", %[y3]\n\t"                                               \
    "smlat" B " %[y3], %[e], " W1 ", %[y3]\n\t"                                           \
    "add %[p], %[p], %[cols]\n\t"
#define O2C_QDW3_QUAD(NAME, EXT)                                                          \
    static inline void NAME(const uint8_t *p, int32_t cols, const int32_t *w, int32_t *a)  \
    {                                                                                     \
        int32_t y0 = a[0], y1 = a[1], y2 = a[2], y3 = a[3];                               \
        uint32_t e, o;                                                                    \
        __asm__(O2C_QDW3_QUAD_ROW(EXT, "%[w0]", "%[wa]", "b")                              \
                O2C_QDW3_QUAD_ROW(EXT, "%[w1]", "%[wa]", "t")                              \
                O2C_QDW3_QUAD_ROW(EXT, "%[w2]", "%[wb]", "b")                              \
                : [y0] "+r"(y0), [y1] "+r"(y1), [y2] "+r"(y2), [y3] "+r"(y3),             \
                  [e] "=&r"(e), [o] "=&r"(o), [p] "+r"(p)                                 \
                : [cols] "r"(cols), [w0] "r"(w[0]), [w1] "r"(w[1]), [w2] "r"(w[2]),        \
                  [wa] "r"(w[3]), [wb] "r"(w[4])                                          \
                : "memory");                                                              \
        a[0] = y0; a[1] = y1; a[2] = y2; a[3] = y3;                                       \
    }
/* The quad, requantized (O2C_QREQ_ASM of o2c_qgemm_arm.h) and stored at y[0..3] in the
 * same block. */
#define O2C_QDW3_QUAD_REQUANT(NAME, EXT, SAT)                                             \
    static inline void NAME(const uint8_t *p, int32_t cols, const int32_t *w, int32_t acc0, \
                            float scale, int32_t zero, uint8_t *y)                        \
    {                                                                                     \
        int32_t y0 = acc0, y1 = acc0, y2 = acc0, y3 = acc0;                               \
        uint32_t e, o;                                                                    \
        float f;                                                                          \
        __asm__ volatile(O2C_QDW3_QUAD_ROW(EXT, "%[w0]", "%[wa]", "b")                     \
                         O2C_QDW3_QUAD_ROW(EXT, "%[w1]", "%[wa]", "t")                     \
                         O2C_QDW3_QUAD_ROW(EXT, "%[w2]", "%[wb]", "b")                     \
                         "ldr %[e], %[zero]\n\t"                                          \
                         "ldr %[o], %[y]\n\t"                                             \
                         O2C_QDW_REQ(SAT, "y0", "0") O2C_QDW_REQ(SAT, "y1", "1")           \
                         O2C_QDW_REQ(SAT, "y2", "2") O2C_QDW_REQ(SAT, "y3", "3")           \
                         : [y0] "+r"(y0), [y1] "+r"(y1), [y2] "+r"(y2), [y3] "+r"(y3),    \
                           [e] "=&r"(e), [o] "=&r"(o), [p] "+r"(p), [f] "=&t"(f)          \
                         : [cols] "r"(cols), [w0] "r"(w[0]), [w1] "r"(w[1]),              \
                           [w2] "r"(w[2]), [wa] "r"(w[3]), [wb] "r"(w[4]),                \
                           [zero] "m"(zero), [y] "m"(y), [s] "t"(scale)                   \
                         : "memory");                                                     \
    }
#define O2C_QDW_REQ(SAT, ACC, OFF)                                                        \
    "vmov %[f], %[" ACC "]\n\t"                                                          \
    "vcvt.f32.s32 %[f], %[f]\n\t"                                                        \
    "vmul.f32 %[f], %[f], %[s]\n\t"                                                      \
    "vcvtr.s32.f32 %[f], %[f]\n\t"                                                       \
    "vmov %[" ACC "], %[f]\n\t"                                                          \
    "qadd %[" ACC "], %[" ACC "], %[e]\n\t"                                              \
    SAT " %[" ACC "], #8, %[" ACC "]\n\t"                                                \
    "strb %[" ACC "], [%[o], #" OFF "]\n\t"
O2C_QDW3_QUAD_REQUANT(o2c_qdw3_quadq_ss, "sxtb16", "ssat")
O2C_QDW3_QUAD_REQUANT(o2c_qdw3_quadq_su, "sxtb16", "usat")
O2C_QDW3_QUAD_REQUANT(o2c_qdw3_quadq_us, "uxtb16", "ssat")
O2C_QDW3_QUAD_REQUANT(o2c_qdw3_quadq_uu, "uxtb16", "usat")
O2C_QDW3_QUAD(o2c_qdw3_quad_s8, "sxtb16")
O2C_QDW3_QUAD(o2c_qdw3_quad_u8, "uxtb16")
O2C_QDW3_PAIR(o2c_qdw3_s8, "sxtb16")
O2C_QDW3_PAIR(o2c_qdw3_u8, "uxtb16")

/* The 3x3 rows of a channel through the assembly: outputs in pairs (stride 1) or one by
 * one, requantized by REQ (o2c_requant_s8 / _u8). */
#define O2C_QDW3_PLANE(NAME, WIN, QUADQ, REQ)                                             \
    static inline void NAME(const o2c_qconv_shape *s, const uint8_t *pad, int32_t cols,   \
                            const int32_t *wq, int32_t acc0, float scale, int32_t zero,   \
                            uint8_t *y)                                                   \
    {                                                                                     \
        const int32_t out_h = s->out_h, out_w = s->out_w, sh = s->stride_h;               \
        const int32_t sw = s->stride_w;                                                   \
        int32_t oh, ow;                                                                   \
        for (oh = 0; oh < out_h; oh++) {                                                  \
            const uint8_t *p = pad + (size_t)oh * sh * cols;                              \
            ow = 0;                                                                       \
            if (sw == 1)                                                                  \
                for (; ow + 3 < out_w; ow += 4, p += 4, y += 4)                           \
                    QUADQ(p, cols, wq, acc0, scale, zero, y);                             \
            if (sw == 1)                                                                  \
                for (; ow + 1 < out_w; ow += 2, p += 2, y += 2) {                         \
                    int32_t a0 = acc0, a1 = acc0;                                         \
                    WIN(p, cols, wq, &a0, &a1);                                           \
                    y[0] = (uint8_t)REQ(a0, scale, zero);                                 \
                    y[1] = (uint8_t)REQ(a1, scale, zero);                                 \
                }                                                                         \
            for (; ow < out_w; ow++, p += sw, y++)                                        \
                *y = (uint8_t)REQ(WIN##_one(p, cols, wq, acc0), scale, zero);             \
        }                                                                                 \
    }
O2C_QDW3_PLANE(o2c_qdw3_plane_ss, o2c_qdw3_s8, o2c_qdw3_quadq_ss, o2c_requant_s8)
O2C_QDW3_PLANE(o2c_qdw3_plane_su, o2c_qdw3_s8, o2c_qdw3_quadq_su, o2c_requant_u8)
O2C_QDW3_PLANE(o2c_qdw3_plane_us, o2c_qdw3_u8, o2c_qdw3_quadq_us, o2c_requant_s8)
O2C_QDW3_PLANE(o2c_qdw3_plane_uu, o2c_qdw3_u8, o2c_qdw3_quadq_uu, o2c_requant_u8)

#endif /* O2C_QDWCONV_ARM_H */
