/*
 * o2c_qdwconv_arm.h - the Cortex-M4/M7 (__ARM_FEATURE_DSP) 3x3 depthwise rows of
 * o2c_qdwconv.h, included by it (see there); the portable C computes the same integers.
 *
 * One assembly loop per channel, so that the five weight words and the sums stay in
 * registers and each output is requantized (O2C_QREQ2_ASM) where it is summed.  Per
 * kernel row, the bytes x0..x3 at the row give E = (x0, x2) and O = (x1, x3) through
 * SXTB16/UXTB16 (and its ROR #8); w[0..2] = (w0, w2) of kernel rows 0..2 as int16 pairs,
 * w[3] = (w1 of row 0, w1 of row 1), w[4] = w1 of row 2.  The row goes in groups - four
 * outputs at stride 1, two at stride 2 - then one output at a time for the rest (any
 * stride).  The 32-bit loads read up to 3 bytes past a window: the scratch has them.
 */
#ifndef O2C_QDWCONV_ARM_H
#define O2C_QDWCONV_ARM_H

#include <stdint.h>
#include "o2c_qrequant.h"

/* One kernel row of four stride-1 outputs (at x .. x+3): the bytes x0..x3 then x2..x5,
 * two outputs from each word. */
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
    "smlat" B " %[y3], %[e], " W1 ", %[y3]\n\t"

/* The first kernel row of a quad, every sum started from y0 (acc0) before y0 itself
 * moves on: no copies of acc0. */
#define O2C_QDW3_QUAD_FIRST(EXT, W02, W1, B)                                              \
    "ldr %[e], [%[p], #2]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"       \
    "smlad %[y2], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y2], %[o], " W1 ", %[y2]\n\t"                                           \
    "smlad %[y3], %[o], " W02 ", %[y0]\n\t"                                               \
    "smlat" B " %[y3], %[e], " W1 ", %[y3]\n\t"                                           \
    "ldr %[e], [%[p]]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"           \
    "smlad %[y1], %[o], " W02 ", %[y0]\n\t"                                               \
    "smlat" B " %[y1], %[e], " W1 ", %[y1]\n\t"                                           \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"

/* One kernel row of two stride-2 outputs (at x and x+2): E and O of x0..x3, and the byte
 * x4 (LDB: LDRSB or LDRB) with x2 as the pair (x4, x2), which SMLADX crosses with
 * (w0, w2). */
#define O2C_QDW3_S2_ROW(EXT, LDB, W02, W1, B)                                             \
    "ldr %[e], [%[p]]\n\t" LDB " %[y2], [%[p], #4]\n\t"                                   \
    EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                                  \
    "pkhbt %[y2], %[y2], %[e]\n\t"                                                        \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"                                           \
    "smladx %[y1], %[y2], " W02 ", %[y1]\n\t"                                             \
    "smlat" B " %[y1], %[o], " W1 ", %[y1]\n\t"

/* The first kernel row of a stride-2 pair, y1 started from y0 (acc0). */
#define O2C_QDW3_S2_FIRST(EXT, LDB, W02, W1, B)                                           \
    "ldr %[e], [%[p]]\n\t" LDB " %[y2], [%[p], #4]\n\t"                                   \
    EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"                                  \
    "pkhbt %[y2], %[y2], %[e]\n\t"                                                        \
    "smladx %[y1], %[y2], " W02 ", %[y0]\n\t"                                             \
    "smlat" B " %[y1], %[o], " W1 ", %[y1]\n\t"                                           \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"

/* One kernel row of one output. */
#define O2C_QDW3_ONE_ROW(EXT, W02, W1, B)                                                 \
    "ldr %[e], [%[p]]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"           \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"

/* One kernel row of two stride-1 outputs (at x and x+1), and the first one, y1 started
 * from y0 (acc0). */
#define O2C_QDW3_PAIR_ROW(EXT, W02, W1, B)                                                \
    "ldr %[e], [%[p]]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"           \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"                                           \
    "smlad %[y1], %[o], " W02 ", %[y1]\n\t"                                               \
    "smlat" B " %[y1], %[e], " W1 ", %[y1]\n\t"
#define O2C_QDW3_PAIR_FIRST(EXT, W02, W1, B)                                              \
    "ldr %[e], [%[p]]\n\t" EXT " %[o], %[e], ror #8\n\t" EXT " %[e], %[e]\n\t"           \
    "smlad %[y1], %[o], " W02 ", %[y0]\n\t"                                               \
    "smlat" B " %[y1], %[e], " W1 ", %[y1]\n\t"                                           \
    "smlad %[y0], %[e], " W02 ", %[y0]\n\t"                                               \
    "smlab" B " %[y0], %[o], " W1 ", %[y0]\n\t"

/* The three kernel rows of a group, FIRST and ROW being one of the above (FIRST for
 * kernel row 0, which starts the group's sums from y0). */
#define O2C_QDW3_ROWS(FIRST, ROW)                                                         \
    FIRST("%[w0]", "%[wa]", "b") "add %[p], %[p], %[cols]\n\t"                           \
    ROW("%[w1]", "%[wa]", "t") "add %[p], %[p], %[cols]\n\t"                             \
    ROW("%[w2]", "%[wb]", "b")

#define O2C_QDW3_S1_REQ(SAT)                                                              \
    O2C_QREQ2_ASM(SAT, "y0", "y1", "%[s]", "e") O2C_QREQ2_ASM(SAT, "y2", "y3", "%[s]", "e") \
    "strb %[y1], [%[y], #1]\n\t"                                                         \
    "strb %[y2], [%[y], #2]\n\t"                                                         \
    "strb %[y3], [%[y], #3]\n\t"                                                         \
    "strb %[y0], [%[y]], #4\n\t"
#define O2C_QDW3_S2_REQ(SAT)                                                              \
    O2C_QREQ2_ASM(SAT, "y0", "y1", "%[s]", "e")                                           \
    "strb %[y1], [%[y], #1]\n\t"                                                         \
    "strb %[y0], [%[y]], #2\n\t"
#define O2C_QDW3_ONE_REQ(SAT)                                                             \
    "vmov s0, %[y0]\n\t"                                                                 \
    "vcvt.f32.s32 s0, s0\n\t"                                                            \
    "vmul.f32 s0, s0, %[s]\n\t"                                                          \
    "vcvtr.s32.f32 s0, s0\n\t"                                                           \
    "vmov %[y0], s0\n\t"                                                                 \
    "qadd %[y0], %[y0], %[e]\n\t"                                                        \
    SAT " %[y0], #8, %[y0]\n\t"                                                          \
    "strb %[y0], [%[y]], #1\n\t"

/* A channel's output rows, out_w outputs each (y_last past the last): per row, the
 * groups (GROUP_ROWS, GROUP_REQ: each STEP bytes on in the padded rows at p, cols
 * apart) up to `grouped` outputs, at stride 1 a pair (PAIRS) if two or more are left,
 * then single outputs (stride bytes apart); the rows
 * start row_step bytes apart in the padding; acc0 starts every sum.  The loops' bounds
 * and the row's start sit in memory operands, since every register is taken. */
#define O2C_QDW3_CHANNEL(NAME, STEP, GROUP_FIRST, GROUP_ROWS, GROUP_REQ, PAIRS, EXT, SAT) \
    __attribute__((noinline)) static void NAME(                                           \
        const uint8_t *pad, int32_t cols, const int32_t *w, int32_t acc0, float scale,    \
        int32_t zero, uint8_t *y, uint8_t *y_last, int32_t out_w, int32_t grouped,        \
        int32_t stride, int32_t row_step)                                                 \
    {                                                                                     \
        const int32_t back = 2 * cols - STEP, back_one = 2 * cols - stride;               \
        const uint8_t *p, *p_row = pad;                                                   \
        uint8_t *y_groups, *y_end;                                                        \
        int32_t y0, y1, y2, y3;                                                           \
        uint32_t e, o;                                                                    \
        __asm__ volatile("4:\n\t"                                                         \
                         "ldr %[p], %[p_row]\n\t"                                         \
                         "ldr %[e], %[row_step]\n\t"                                      \
                         "add %[e], %[p], %[e]\n\t"                                       \
                         "str %[e], %[p_row]\n\t"                                         \
                         "ldr %[e], %[out_w]\n\t"                                         \
                         "add %[e], %[y], %[e]\n\t"                                       \
                         "str %[e], %[y_end]\n\t"                                         \
                         "ldr %[e], %[grouped]\n\t"                                       \
                         "adds %[e], %[y], %[e]\n\t"                                      \
                         "str %[e], %[y_groups]\n\t"                                      \
                         "cmp %[y], %[e]\n\t"                                             \
                         "beq 1f\n\t"                                                     \
                         "0:\n\t"                                                         \
                         "ldr %[y0], %[acc0]\n\t"                                         \
                         O2C_QDW3_ROWS(GROUP_FIRST, GROUP_ROWS)                           \
                         "ldr %[e], %[back]\n\t"                                          \
                         "sub %[p], %[p], %[e]\n\t"                                       \
                         "ldr %[e], %[zero]\n\t"                                          \
                         GROUP_REQ(SAT)                                                   \
                         "ldr %[e], %[y_groups]\n\t"                                      \
                         "cmp %[y], %[e]\n\t"                                             \
                         "bne 0b\n\t"                                                     \
                         "1:\n\t"                                                         \
                         PAIRS                                                            \
                         "ldr %[e], %[y_end]\n\t"                                         \
                         "cmp %[y], %[e]\n\t"                                             \
                         "beq 3f\n\t"                                                     \
                         "2:\n\t"                                                         \
                         "ldr %[y0], %[acc0]\n\t"                                         \
                         O2C_QDW3_ROWS(O2C_QDW3_ONE_##EXT, O2C_QDW3_ONE_##EXT)                                \
                         "ldr %[e], %[back_one]\n\t"                                      \
                         "sub %[p], %[p], %[e]\n\t"                                       \
                         "ldr %[e], %[zero]\n\t"                                          \
                         O2C_QDW3_ONE_REQ(SAT)                                            \
                         "ldr %[e], %[y_end]\n\t"                                         \
                         "cmp %[y], %[e]\n\t"                                             \
                         "bne 2b\n\t"                                                     \
                         "3:\n\t"                                                         \
                         "ldr %[e], %[y_last]\n\t"                                        \
                         "cmp %[y], %[e]\n\t"                                             \
                         "bne 4b\n\t"                                                     \
                         : [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2), [y3] "=&r"(y3), \
                           [e] "=&r"(e), [o] "=&r"(o), [p] "=&r"(p), [y] "+r"(y),         \
                           [p_row] "+m"(p_row), [y_groups] "=m"(y_groups),                \
                           [y_end] "=m"(y_end)                                            \
                         : [cols] "r"(cols), [w0] "r"(w[0]), [w1] "r"(w[1]),              \
                           [w2] "r"(w[2]), [wa] "r"(w[3]), [wb] "r"(w[4]),                \
                           [acc0] "m"(acc0), [back] "m"(back), [back_one] "m"(back_one),  \
                           [zero] "m"(zero), [s] "t"(scale), [y_last] "m"(y_last),        \
                           [out_w] "m"(out_w), [grouped] "m"(grouped),                    \
                           [row_step] "m"(row_step)                                       \
                         : "cc", "memory", "s0", "s1");                                   \
    }
/* At stride 1, one pair of outputs when two or more are left after the groups. */
#define O2C_QDW3_S1_PAIR(EXT, SAT)                                                        \
    "ldr %[e], %[y_end]\n\t"                                                             \
    "sub %[e], %[e], %[y]\n\t"                                                           \
    "cmp %[e], #2\n\t"                                                                   \
    "blt 1f\n\t"                                                                         \
    "ldr %[y0], %[acc0]\n\t"                                                             \
    O2C_QDW3_ROWS(O2C_QDW3_PAIR_FIRST_##EXT, O2C_QDW3_PAIR_##EXT)                         \
    "sub %[p], %[p], %[cols], lsl #1\n\t"                                                \
    "add %[p], %[p], #2\n\t"                                                             \
    "ldr %[e], %[zero]\n\t"                                                              \
    O2C_QDW3_S2_REQ(SAT)                                                                  \
    "1:\n\t"

/* The kernel rows by extension (the name pasted from the EXT argument). */
#define O2C_QDW3_ONE_sxtb16(W02, W1, B) O2C_QDW3_ONE_ROW("sxtb16", W02, W1, B)
#define O2C_QDW3_ONE_uxtb16(W02, W1, B) O2C_QDW3_ONE_ROW("uxtb16", W02, W1, B)
#define O2C_QDW3_QUAD_sxtb16(W02, W1, B) O2C_QDW3_QUAD_ROW("sxtb16", W02, W1, B)
#define O2C_QDW3_QUAD_uxtb16(W02, W1, B) O2C_QDW3_QUAD_ROW("uxtb16", W02, W1, B)
#define O2C_QDW3_S2_sxtb16(W02, W1, B) O2C_QDW3_S2_ROW("sxtb16", "ldrsb", W02, W1, B)
#define O2C_QDW3_S2_uxtb16(W02, W1, B) O2C_QDW3_S2_ROW("uxtb16", "ldrb", W02, W1, B)
#define O2C_QDW3_PAIR_sxtb16(W02, W1, B) O2C_QDW3_PAIR_ROW("sxtb16", W02, W1, B)
#define O2C_QDW3_PAIR_uxtb16(W02, W1, B) O2C_QDW3_PAIR_ROW("uxtb16", W02, W1, B)
#define O2C_QDW3_PAIR_FIRST_sxtb16(W02, W1, B) O2C_QDW3_PAIR_FIRST("sxtb16", W02, W1, B)
#define O2C_QDW3_PAIR_FIRST_uxtb16(W02, W1, B) O2C_QDW3_PAIR_FIRST("uxtb16", W02, W1, B)
#define O2C_QDW3_QUAD_FIRST_sxtb16(W02, W1, B) O2C_QDW3_QUAD_FIRST("sxtb16", W02, W1, B)
#define O2C_QDW3_QUAD_FIRST_uxtb16(W02, W1, B) O2C_QDW3_QUAD_FIRST("uxtb16", W02, W1, B)
#define O2C_QDW3_S2_FIRST_sxtb16(W02, W1, B) O2C_QDW3_S2_FIRST("sxtb16", "ldrsb", W02, W1, B)
#define O2C_QDW3_S2_FIRST_uxtb16(W02, W1, B) O2C_QDW3_S2_FIRST("uxtb16", "ldrb", W02, W1, B)
/* The 3x3 rows of a channel: at stride 1 or 2 across, groups of outputs through
 * CHANNEL_S1 or CHANNEL_S2, the rest (and every output at other strides) one by one. */
#define O2C_QDW3_PLANE(NAME, CHANNEL_S1, CHANNEL_S2)                                      \
    static inline void NAME(const o2c_qconv_shape *s, const uint8_t *pad, int32_t cols,   \
                            const int32_t *wq, int32_t acc0, float scale, int32_t zero,   \
                            uint8_t *y)                                                   \
    {                                                                                     \
        const int32_t out_w = s->out_w, sw = s->stride_w;                                 \
        const int32_t per_group = sw == 1 ? 4 : sw == 2 ? 2 : out_w + 1;                  \
        const int32_t grouped = out_w / per_group * per_group;                            \
        uint8_t *const y_last = y + (size_t)s->out_h * out_w;                             \
        if (y_last == y)                                                                  \
            return;                                                                       \
        if (sw == 1)                                                                      \
            CHANNEL_S1(pad, cols, wq, acc0, scale, zero, y, y_last, out_w, grouped, sw,   \
                       s->stride_h * cols);                                               \
        else                                                                              \
            CHANNEL_S2(pad, cols, wq, acc0, scale, zero, y, y_last, out_w, grouped, sw,   \
                       s->stride_h * cols);                                               \
    }
/* The channel loops at strides 1 and 2 and the plane, per input signedness (EXT) and
 * output saturation (SAT). */
#define O2C_QDW3_VARIANTS(XY, EXT, SAT)                                                   \
    O2C_QDW3_CHANNEL(o2c_qdw3_s1_##XY, 4, O2C_QDW3_QUAD_FIRST_##EXT, O2C_QDW3_QUAD_##EXT, \
                     O2C_QDW3_S1_REQ, O2C_QDW3_S1_PAIR(EXT, SAT), EXT, SAT)               \
    O2C_QDW3_CHANNEL(o2c_qdw3_s2_##XY, 4, O2C_QDW3_S2_FIRST_##EXT, O2C_QDW3_S2_##EXT,     \
                     O2C_QDW3_S2_REQ, "", EXT, SAT)                                       \
    O2C_QDW3_PLANE(o2c_qdw3_plane_##XY, o2c_qdw3_s1_##XY, o2c_qdw3_s2_##XY)
O2C_QDW3_VARIANTS(ss, sxtb16, "ssat")
O2C_QDW3_VARIANTS(su, sxtb16, "usat")
O2C_QDW3_VARIANTS(us, uxtb16, "ssat")
O2C_QDW3_VARIANTS(uu, uxtb16, "usat")

#endif /* O2C_QDWCONV_ARM_H */
