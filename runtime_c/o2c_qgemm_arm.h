/*
 * o2c_qgemm_arm.h - the Cortex-M4/M7 (__ARM_FEATURE_DSP) micro-kernels of o2c_qgemm.h,
 * included by it; the portable C there computes the same integers.
 *
 * Per k pair of a row pair and a tile of 4 columns: one LDR of the packed weights, two
 * SXTB16 (the two rows' (k, k+1) weights as int16 pairs), two LDRD of column words and
 * eight SMLAD (two MACs each) - 13 instructions for 16 MACs.  The loop is assembly, four
 * k pairs per iteration, so that the eight accumulators, four operands and two pointers
 * stay in the fourteen registers (the same code in C spills); the functions are not
 * inlined, so that every register is free for it.  The hot path runs every row pair of a
 * tile in one assembly loop, each pair requantized and stored before the next.
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

/* The first k pair of a row pair, its sums started from the biases in a00 and a10:
 * columns 2 and 3 first, then 0 and 1, so that every sum reads a00 / a10 before they
 * move on - no copies of the biases. */
#define O2C_QGEMM_KPAIR_FIRST                                                             \
    "ldr %[wv], [%[w]], #4\n\t"                                                           \
    "sxtb16 %[w0], %[wv]\n\t"                                                             \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                     \
    "ldrd %[c0], %[c1], [%[x], #8]\n\t"                                                   \
    "smlad %[a02], %[w0], %[c0], %[a00]\n\t"                                              \
    "smlad %[a12], %[wv], %[c0], %[a10]\n\t"                                              \
    "smlad %[a03], %[w0], %[c1], %[a00]\n\t"                                              \
    "smlad %[a13], %[wv], %[c1], %[a10]\n\t"                                              \
    "ldrd %[c0], %[c1], [%[x]], #16\n\t"                                                  \
    "smlad %[a01], %[w0], %[c1], %[a00]\n\t"                                              \
    "smlad %[a11], %[wv], %[c1], %[a10]\n\t"                                              \
    "smlad %[a00], %[w0], %[c0], %[a00]\n\t"                                              \
    "smlad %[a10], %[wv], %[c0], %[a10]\n\t"

/* The k loop over a row pair and a tile, as assembly text: two k pairs when the tile
 * holds an odd number of 32-byte blocks (%[odd]), then four per iteration until %[x]
 * reaches %[x_end] (memory operands: every register is taken). */
#define O2C_QGEMM_K_LOOP                                                                  \
    "ldr %[w0], %[odd]\n\t"                                                              \
    "cmp %[w0], #0\n\t"                                                                  \
    "beq 2f\n\t"                                                                         \
    O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR                                                       \
    "2:\n\t"                                                                             \
    "ldr %[w0], %[x_end]\n\t"                                                            \
    "cmp %[x], %[w0]\n\t"                                                                \
    "beq 3f\n\t"                                                                         \
    "1:\n\t" O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR O2C_QGEMM_KPAIR              \
    "ldr %[w0], %[x_end]\n\t"                                                            \
    "cmp %[x], %[w0]\n\t"                                                                \
    "bne 1b\n\t"                                                                         \
    "3:\n\t"

/* a[0..3] (row 0) and a[4..7] (row 1) += the row pair w times the tile x over K4 (a
 * multiple of 4).  The tile must be 4-byte aligned (LDRD). */
#define O2C_QGEMM_PAIR_LOOP(K4, w, x, a)                                                  \
    {                                                                                     \
        int32_t a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3];                           \
        int32_t a10 = a[4], a11 = a[5], a12 = a[6], a13 = a[7];                           \
        const int8_t *wp = (w);                                                           \
        const uint32_t *xp = (x), *const x_end = xp + 2 * (K4);                           \
        const int32_t odd = (K4) & 4;                                                     \
        uint32_t wv, w0, c0, c1;                                                          \
        __asm__ volatile(O2C_QGEMM_K_LOOP                                                 \
                         : [a00] "+r"(a00), [a01] "+r"(a01), [a02] "+r"(a02),             \
                           [a03] "+r"(a03), [a10] "+r"(a10), [a11] "+r"(a11),             \
                           [a12] "+r"(a12), [a13] "+r"(a13), [w] "+r"(wp), [x] "+r"(xp),  \
                           [wv] "=&r"(wv), [w0] "=&r"(w0), [c0] "=&r"(c0),                \
                           [c1] "=&r"(c1)                                                 \
                         : [x_end] "m"(x_end), [odd] "m"(odd)                             \
                         : "cc", "memory");                                               \
        a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03;                                   \
        a[4] = a10; a[5] = a11; a[6] = a12; a[7] = a13;                                   \
    }

/* Every full row pair (pairs of them) against a full tile (4 columns, outputs 1 apart,
 * rows row_stride apart), requantized and stored at y: one assembly loop, the k loop and
 * the eight requantizations of a row pair with the accumulators never leaving registers,
 * the loop's own state (bias, scale and output pointers) in memory operands since all
 * fourteen registers are taken.  The first two k pairs (K4 >= 4) open the k loop.  The sums start at bias (one per row); the scales are
 * one per row (SCALES loads each pair's two into s2 and s3, ROW1 = "s3") or one for all
 * (SCALE_ONCE loads it into s2 before the loop, ROW1 = "s2"). */
#define O2C_QGEMM_PAIRS_REQUANT(NAME, SAT, SCALE_ONCE, SCALES, ROW1)                      \
    __attribute__((noinline)) static void NAME(                                           \
        int32_t pairs, int32_t K4, const int8_t *w, const int32_t *bias, const uint32_t *x, \
        const float *scale, int32_t zero, uint8_t *y, int32_t row_stride)                 \
    {                                                                                     \
        int32_t a00, a01, a02, a03, a10, a11, a12, a13;                                   \
        const int8_t *wp = w, *const w_end = w + pairs * 2 * K4;                          \
        const uint32_t *xp, *const x_end = x + 2 * K4;                                    \
        const int32_t odd = (K4 & 4) ^ 4;    /* after the first two k pairs */            \
        uint32_t wv, w0, c0, c1;                                                          \
        __asm__ volatile(SCALE_ONCE                                                       \
                         "0:\n\t"                                                         \
                         "ldr %[c0], %[bias]\n\t"                                         \
                         "ldrd %[a00], %[a10], [%[c0]], #8\n\t"                           \
                         "str %[c0], %[bias]\n\t"                                         \
                         "ldr %[x], %[x0]\n\t"                                            \
                         O2C_QGEMM_KPAIR_FIRST O2C_QGEMM_KPAIR                            \
                         O2C_QGEMM_K_LOOP                                                 \
                         SCALES                                                           \
                         "ldr %[w0], %[zero]\n\t"                                         \
                         "ldr %[wv], %[y]\n\t"                                            \
                         "ldr %[c1], %[row_stride]\n\t"                                   \
                         "add %[c1], %[wv], %[c1]\n\t"                                    \
                         O2C_QREQ2_ASM(SAT, "a00", "a01", "s2", "w0")                     \
                         O2C_QREQ2_ASM(SAT, "a02", "a03", "s2", "w0")                     \
                         "strb %[a00], [%[wv]]\n\t"                                       \
                         "strb %[a01], [%[wv], #1]\n\t"                                   \
                         "strb %[a02], [%[wv], #2]\n\t"                                   \
                         "strb %[a03], [%[wv], #3]\n\t"                                   \
                         O2C_QREQ2_ASM(SAT, "a10", "a11", ROW1, "w0")                     \
                         O2C_QREQ2_ASM(SAT, "a12", "a13", ROW1, "w0")                     \
                         "strb %[a10], [%[c1]]\n\t"                                       \
                         "strb %[a11], [%[c1], #1]\n\t"                                   \
                         "strb %[a12], [%[c1], #2]\n\t"                                   \
                         "strb %[a13], [%[c1], #3]\n\t"                                   \
                         "ldr %[c0], %[row_stride]\n\t"                                   \
                         "add %[wv], %[c1], %[c0]\n\t"                                    \
                         "str %[wv], %[y]\n\t"                                            \
                         "ldr %[c0], %[w_end]\n\t"                                        \
                         "cmp %[w], %[c0]\n\t"                                            \
                         "bne 0b\n\t"                                                     \
                         : [a00] "=&r"(a00), [a01] "=&r"(a01), [a02] "=&r"(a02),          \
                           [a03] "=&r"(a03), [a10] "=&r"(a10), [a11] "=&r"(a11),          \
                           [a12] "=&r"(a12), [a13] "=&r"(a13), [w] "+r"(wp), [x] "=&r"(xp), \
                           [wv] "=&r"(wv), [w0] "=&r"(w0), [c0] "=&r"(c0),                \
                           [c1] "=&r"(c1), [bias] "+m"(bias), [scale] "+m"(scale),        \
                           [y] "+m"(y)                                                    \
                         : [x0] "m"(x), [x_end] "m"(x_end), [odd] "m"(odd),               \
                           [w_end] "m"(w_end), [zero] "m"(zero),                          \
                           [row_stride] "m"(row_stride)                                   \
                         : "cc", "memory", "s0", "s1", "s2", "s3");                       \
    }
#define O2C_QGEMM_SCALE_ONCE "ldr %[c0], %[scale]\n\tvldr s2, [%[c0]]\n\t"
#define O2C_QGEMM_SCALES                                                                  \
    "ldr %[c0], %[scale]\n\tvldmia %[c0]!, {s2, s3}\n\tstr %[c0], %[scale]\n\t"
O2C_QGEMM_PAIRS_REQUANT(o2c_qgemm_pairs_requant_s8, "ssat", "", O2C_QGEMM_SCALES, "s3")
O2C_QGEMM_PAIRS_REQUANT(o2c_qgemm_pairs_requant_u8, "usat", "", O2C_QGEMM_SCALES, "s3")
O2C_QGEMM_PAIRS_REQUANT(o2c_qgemm_pairs_requant1_s8, "ssat", O2C_QGEMM_SCALE_ONCE, "", "s2")
O2C_QGEMM_PAIRS_REQUANT(o2c_qgemm_pairs_requant1_u8, "usat", O2C_QGEMM_SCALE_ONCE, "", "s2")

/* acc (2 x 4, row-major) += the row pair times the tile. */
__attribute__((noinline, unused)) static void o2c_qgemm_pair_tile(int32_t K4, const int8_t *w,
                                                                  const uint32_t *x,
                                                                  int32_t *acc)
{
    O2C_QGEMM_PAIR_LOOP(K4, w, x, acc);
}

/* a[0] and a[4] (the row pair's sums of the tile's first column) += the row pair times
 * that column alone: a tile's last column of an output (3x3 images: 4 + 4 + 1) at a
 * quarter of the full tile's work. */
static inline void o2c_qgemm_pair_col(int32_t K4, const int8_t *w, const uint32_t *x,
                                      int32_t *a)
{
    int32_t a0 = a[0], a1 = a[4], kk;
    for (kk = 0; kk < K4; kk += 4, w += 8, x += 2 * O2C_QTILE) {
        const uint32_t wv = o2c__load32(w), wu = o2c__load32(w + 4);
        a0 = __smlad(__sxtb16(wv), x[0], a0);
        a1 = __smlad(__sxtb16((wv >> 8) | (wv << 24)), x[0], a1);
        a0 = __smlad(__sxtb16(wu), x[O2C_QTILE], a0);
        a1 = __smlad(__sxtb16((wu >> 8) | (wu << 24)), x[O2C_QTILE], a1);
    }
    a[0] = a0;
    a[4] = a1;
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
    int32_t r = 0, i, j;
    if (ncols == O2C_QTILE && col_stride == 1 && rows >= 2 && bias) {   /* the hot path */
        const int32_t pairs = rows / 2;
        if (per_row && q.lo < 0)
            o2c_qgemm_pairs_requant_s8(pairs, K4, w, bias, x, scale, q.zero, y, row_stride);
        else if (per_row)
            o2c_qgemm_pairs_requant_u8(pairs, K4, w, bias, x, scale, q.zero, y, row_stride);
        else if (q.lo < 0)
            o2c_qgemm_pairs_requant1_s8(pairs, K4, w, bias, x, scale, q.zero, y, row_stride);
        else
            o2c_qgemm_pairs_requant1_u8(pairs, K4, w, bias, x, scale, q.zero, y, row_stride);
        r = 2 * pairs;
        w += (size_t)r * K4;
    }
    for (; r < rows; r += 2, w += 2 * K4) {
        const int32_t nrows = rows - r < 2 ? 1 : 2;
        int32_t a[8];
        const int32_t b0 = bias ? bias[r] : 0, b1 = (bias && nrows > 1) ? bias[r + 1] : 0;
        a[0] = a[1] = a[2] = a[3] = b0;
        a[4] = a[5] = a[6] = a[7] = b1;
        if (ncols == 1)
            o2c_qgemm_pair_col(K4, w, x, a);
        else
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
