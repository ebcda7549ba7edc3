/*
 * o2c_qgemm_arm.h - the Cortex-M4/M7 (__ARM_FEATURE_DSP) micro-kernels of o2c_qgemm.h,
 * included by it; the portable C there computes the same integers.
 *
 * Per k pair of a row pair and a tile of 4 columns: one LDR of the packed weights, two
 * SXTB16 (the two rows' (k, k+1) weights as int16 pairs), two LDRD of column words and
 * eight SMLAD (two MACs each) - 13 instructions for 16 MACs.  The loop is assembly, two
 * k pairs per iteration, so that the eight accumulators, three operands and three
 * pointers stay in the fourteen registers (the same code in C spills); the functions are
 * not inlined, so that every register is free for it.
 */
#ifndef O2C_QGEMM_ARM_H
#define O2C_QGEMM_ARM_H

#include <stdint.h>
#include "o2c_qrequant.h"

#define O2C_QGEMM_KPAIR                                                                   \
    "ldr %[wv], [%[w]], #4\n\t"                                                           \
    "sxtb16 %[w0], %[wv]\n\t"                                                             \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                     \
    "ldrd %[c0], %[c1], [%[x]], #8\n\t"                                                   \
    "smlad %[a00], %[w0], %[c0], %[a00]\n\t"                                              \
    "smlad %[a10], %[wv], %[c0], %[a10]\n\t"                                              \
    "smlad %[a01], %[w0], %[c1], %[a01]\n\t"                                              \
    "smlad %[a11], %[wv], %[c1], %[a11]\n\t"                                              \
    "ldrd %[c0], %[c1], [%[x]], #8\n\t"                                                   \
    "smlad %[a02], %[w0], %[c0], %[a02]\n\t"                                              \
    "smlad %[a12], %[wv], %[c0], %[a12]\n\t"                                              \
    "smlad %[a03], %[w0], %[c1], %[a03]\n\t"                                              \
    "smlad %[a13], %[wv], %[c1], %[a13]\n\t"

/* The k loop over a row pair and a tile, as assembly text: two k pairs, then four per
 * iteration; %[w] ends at %[end] (a memory operand: every register is taken). */
#define O2C_QGEMM_K_LOOP                                                                  \
    "ldr %[w0], %[end]\n\t"                                                              \
    "sub %[w0], %[w0], %[w]\n\t"                                                         \
    "tst %[w0], #8\n\t"                                                                  \
    "beq 2f\n\t"                                                                         \
    O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR                                                       \
    "2:\n\t"                                                                             \
    "ldr %[w0], %[end]\n\t"                                                              \
    "cmp %[w], %[w0]\n\t"                                                                \
    "beq 3f\n\t"                                                                         \
    "1:\n\t" O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR              \
    "ldr %[w0], %[end]\n\t"                                                              \
    "cmp %[w], %[w0]\n\t"                                                                \
    "bne 1b\n\t"                                                                         \
    "3:\n\t"

/* a[0..3] (row 0) and a[4..7] (row 1) += the row pair w times the tile x over K4 (a
 * multiple of 4).  The tile must be 4-byte aligned (LDRD). */
#define O2C_QGEMM_PAIR_LOOP(K4, w, x, a)                                                  \
    {                                                                                     \
        int32_t a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3];                           \
        int32_t a10 = a[4], a11 = a[5], a12 = a[6], a13 = a[7];                           \
        const int8_t *wp = (w), *end = wp + 2 * (K4);                                     \
        const uint32_t *xp = (x);                                                         \
        uint32_t wv, w0, c0, c1;                                                          \
        __asm__ volatile(O2C_QGEMM_K_LOOP                                                 \
                         : [a00] "+r"(a00), [a01] "+r"(a01), [a02] "+r"(a02),             \
                           [a03] "+r"(a03), [a10] "+r"(a10), [a11] "+r"(a11),             \
                           [a12] "+r"(a12), [a13] "+r"(a13), [w] "+r"(wp), [x] "+r"(xp),  \
                           [wv] "=&r"(wv), [w0] "=&r"(w0), [c0] "=&r"(c0),                \
                           [c1] "=&r"(c1)                                                 \
                         : [end] "m"(end)                                                 \
                         : "cc", "memory");                                               \
        a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03;                                   \
        a[4] = a10; a[5] = a11; a[6] = a12; a[7] = a13;                                   \
    }

/* One accumulator requantized in assembly and stored: (float)acc * scale, rounded by
 * VCVTR (FPSCR's round to nearest even), plus the zero point with saturation, then SAT
 * (SSAT or USAT) to 8 bits - o2c_requant_s8/_u8's steps. */
#define O2C_QREQ_ASM(SAT, ACC, SCALE, Y, OFF)                                             \
    "vmov %[f], %[" ACC "]\n\t"                                                          \
    "vcvt.f32.s32 %[f], %[f]\n\t"                                                        \
    "vmul.f32 %[f], %[f], %[" SCALE "]\n\t"                                              \
    "vcvtr.s32.f32 %[f], %[f]\n\t"                                                       \
    "vmov %[" ACC "], %[f]\n\t"                                                          \
    "qadd %[" ACC "], %[" ACC "], %[w0]\n\t"                                             \
    SAT " %[" ACC "], #8, %[" ACC "]\n\t"                                                \
    "strb %[" ACC "], [%[" Y "], #" OFF "]\n\t"

/* A row pair against a full tile (4 columns, outputs 1 apart, rows row_stride apart),
 * the sums started at b0 and b1, requantized by s0 and s1 and stored at y: the k loop
 * and the eight requantizations in one block, the accumulators never leaving registers. */
#define O2C_QGEMM_PAIR_REQUANT(NAME, SAT)                                                 \
    static inline void NAME(int32_t K4, const int8_t *w, const uint32_t *x, int32_t b0,   \
                            int32_t b1, float s0, float s1, int32_t zero, uint8_t *y,     \
                            int32_t row_stride)                                           \
    {                                                                                     \
        int32_t a00, a01, a02, a03, a10, a11, a12, a13;                                   \
        const int8_t *wp = w, *end = w + 2 * K4;                                          \
        const uint32_t *xp = x;                                                           \
        uint8_t *y1 = y + row_stride;                                                     \
        uint32_t wv, w0, c0, c1;                                                          \
        float f;                                                                          \
        __asm__ volatile("ldr %[a00], %[b0]\n\t"                                          \
                         "mov %[a01], %[a00]\n\t"                                         \
                         "mov %[a02], %[a00]\n\t"                                         \
                         "mov %[a03], %[a00]\n\t"                                         \
                         "ldr %[a10], %[b1]\n\t"                                          \
                         "mov %[a11], %[a10]\n\t"                                         \
                         "mov %[a12], %[a10]\n\t"                                         \
                         "mov %[a13], %[a10]\n\t"                                         \
                         O2C_QGEMM_K_LOOP                                                 \
                         "ldr %[w0], %[zero]\n\t"                                        \
                         "ldr %[wv], %[y0]\n\t"                                          \
                         "ldr %[c0], %[y1]\n\t"                                          \
                         O2C_QREQ_ASM(SAT, "a00", "s0", "wv", "0")                        \
                         O2C_QREQ_ASM(SAT, "a01", "s0", "wv", "1")                        \
                         O2C_QREQ_ASM(SAT, "a02", "s0", "wv", "2")                        \
                         O2C_QREQ_ASM(SAT, "a03", "s0", "wv", "3")                        \
                         O2C_QREQ_ASM(SAT, "a10", "s1", "c0", "0")                        \
                         O2C_QREQ_ASM(SAT, "a11", "s1", "c0", "1")                        \
                         O2C_QREQ_ASM(SAT, "a12", "s1", "c0", "2")                        \
                         O2C_QREQ_ASM(SAT, "a13", "s1", "c0", "3")                        \
                         : [a00] "=&r"(a00), [a01] "=&r"(a01), [a02] "=&r"(a02),          \
                           [a03] "=&r"(a03), [a10] "=&r"(a10), [a11] "=&r"(a11),          \
                           [a12] "=&r"(a12), [a13] "=&r"(a13), [w] "+r"(wp), [x] "+r"(xp), \
                           [wv] "=&r"(wv), [w0] "=&r"(w0), [c0] "=&r"(c0),                \
                           [c1] "=&r"(c1), [f] "=&t"(f)                                   \
                         : [end] "m"(end), [zero] "m"(zero), [y0] "m"(y), [y1] "m"(y1),   \
                           [b0] "m"(b0), [b1] "m"(b1), [s0] "t"(s0), [s1] "t"(s1)         \
                         : "cc", "memory");                                               \
    }
O2C_QGEMM_PAIR_REQUANT(o2c_qgemm_pair_requant_s8, "ssat")
O2C_QGEMM_PAIR_REQUANT(o2c_qgemm_pair_requant_u8, "usat")

/* acc (2 x 4, row-major) += the row pair times the tile. */
__attribute__((noinline, unused)) static void o2c_qgemm_pair_tile(int32_t K4, const int8_t *w,
                                                                  const uint32_t *x,
                                                                  int32_t *acc)
{
    O2C_QGEMM_PAIR_LOOP(K4, w, x, acc);
}

/* Every row (rows of them, in pairs) of the packed weights against one tile of ncols
 * columns, requantized: row r column j goes to y[r * row_stride + j * col_stride]; bias
 * (one per row, or NULL) starts the sums; scale holds one value per row when per_row,
 * else one.  One call per tile, the row pairs looped inside. */
__attribute__((noinline, unused)) static void o2c_qgemm_tile_requant(
    int32_t rows, int32_t K4, const int8_t *w, const int32_t *bias, const uint32_t *x,
    int32_t ncols, const float *scale, int32_t per_row, o2c_qout q, uint8_t *y,
    int32_t row_stride, int32_t col_stride)
{
    int32_t r, i, j;
    for (r = 0; r < rows; r += 2, w += 2 * K4) {
        const int32_t nrows = rows - r < 2 ? 1 : 2;
        int32_t a[8];
        const int32_t b0 = bias ? bias[r] : 0, b1 = (bias && nrows > 1) ? bias[r + 1] : 0;
        if (nrows == 2 && ncols == O2C_QTILE && col_stride == 1) {   /* the hot path */
            const float s0 = scale[per_row ? r : 0], s1 = scale[per_row ? r + 1 : 0];
            if (q.lo < 0)
                o2c_qgemm_pair_requant_s8(K4, w, x, b0, b1, s0, s1, q.zero, y + r * row_stride,
                                          row_stride);
            else
                o2c_qgemm_pair_requant_u8(K4, w, x, b0, b1, s0, s1, q.zero, y + r * row_stride,
                                          row_stride);
            continue;
        }
        a[0] = a[1] = a[2] = a[3] = b0;
        a[4] = a[5] = a[6] = a[7] = b1;
        O2C_QGEMM_PAIR_LOOP(K4, w, x, a);
        /* two copies of the loop, so that the saturation (SSAT or USAT) is not chosen per
         * output */
        for (i = 0; i < nrows; i++) {
            const float s = scale[per_row ? r + i : 0];
            uint8_t *row = y + (r + i) * row_stride;
            const int32_t *ai = a + 4 * i;
            if (q.lo < 0)
                for (j = 0; j < ncols; j++, row += col_stride)
                    *row = (uint8_t)o2c_requant_s8(ai[j], s, q.zero);
            else
                for (j = 0; j < ncols; j++, row += col_stride)
                    *row = (uint8_t)o2c_requant_u8(ai[j], s, q.zero);
        }
    }
}

#endif /* O2C_QGEMM_ARM_H */
