/*
 * o2c_qim2col_arm.h - the Cortex-M4/M7 (__ARM_FEATURE_DSP) column words of o2c_qim2col.h,
 * included by it: two or four int16 pairs from one 32-bit load (SXTB16/UXTB16 and a
 * pack) where the tile's bytes lie side by side; the portable C there builds the same
 * words pair by pair.
 */
#ifndef O2C_QIM2COL_ARM_H
#define O2C_QIM2COL_ARM_H

#include <stdint.h>
#include "o2c_qgemm.h"

/* The high halves of two words as one column word: (a >> 16) low, (b >> 16) high. */
static inline uint32_t o2c_qpair_high(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}

/* The even bytes (0, 2) and the odd bytes (1, 3) of a word as int16 pairs, sign- or
 * zero-extended. */
#define O2C_QEXT(NAME, INSN)                                                              \
    static inline uint32_t NAME##_even(uint32_t v)                                        \
    {                                                                                     \
        uint32_t r;                                                                       \
        __asm__(INSN " %0, %1" : "=r"(r) : "r"(v));                                       \
        return r;                                                                         \
    }                                                                                     \
    static inline uint32_t NAME##_odd(uint32_t v)                                         \
    {                                                                                     \
        uint32_t r;                                                                       \
        __asm__(INSN " %0, %1, ror #8" : "=r"(r) : "r"(v));                               \
        return r;                                                                         \
    }
O2C_QEXT(o2c_qext_s8, "sxtb16")
O2C_QEXT(o2c_qext_u8, "uxtb16")

/* A (c, kh, kw)-order tile: a window row of 3 or 4 taps (undilated) as its two words from
 * one load per column, the byte past a 3-tap row meeting a zero weight. */
#define O2C_QCONV_ROWS_WORD2(EXT, J)                                                       \
    {                                                                                      \
        const uint32_t v = o2c__load32(row + J * sw);                                      \
        const uint32_t e = EXT##_even(v), o = EXT##_odd(v);                                \
        t[J] = o2c_qpair((int32_t)e, (int32_t)o);                                          \
        t[O2C_QTILE + J] = o2c_qpair_high(e, o);                                           \
    }
#define O2C_QCONV_ROWS_WORDS(EXT)                                                          \
    if (kw_n > 2 && kw_n <= 4 && dw == 1) {                                                \
        O2C_QCONV_ROWS_WORD2(EXT, 0) O2C_QCONV_ROWS_WORD2(EXT, 1)                          \
        O2C_QCONV_ROWS_WORD2(EXT, 2) O2C_QCONV_ROWS_WORD2(EXT, 3)                          \
        t += 2 * O2C_QTILE;                                                                \
        continue;                                                                          \
    }

/* A full pointwise tile's channel pair from one 32-bit load per channel: the four
 * columns' bytes of channel c and of channel c + 1, split into even and odd bytes and
 * packed pairwise. */
#define O2C_QCONV_POINTWISE_WORDS(EXT)                                                    \
    if (n == O2C_QTILE) {                                                                 \
        const uint32_t va = o2c__load32(a), vb = o2c__load32(b);                          \
        const uint32_t ea = EXT##_even(va), oa = EXT##_odd(va);                           \
        const uint32_t eb = EXT##_even(vb), ob = EXT##_odd(vb);                           \
        tile[0] = o2c_qpair((int32_t)ea, (int32_t)eb);                                    \
        tile[1] = o2c_qpair((int32_t)oa, (int32_t)ob);                                    \
        tile[2] = o2c_qpair_high(ea, eb);                                                 \
        tile[3] = o2c_qpair_high(oa, ob);                                                 \
        continue;                                                                         \
    }

#endif /* O2C_QIM2COL_ARM_H */
