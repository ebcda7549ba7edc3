/* o2c_qlayout.h - the layout the int8 GEMM streams (o2c_qgemm.h and its Cortex-M
 * micro-kernels, o2c_qgemm_arm.h): row pairs of weights with K padded to a multiple of 4,
 * and column tiles of O2C_QTILE 32-bit words of two 16-bit values. */
#ifndef O2C_QLAYOUT_H
#define O2C_QLAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "o2c_qrequant.h"

#define O2C_QTILE 4

static inline uint32_t o2c__load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Two 16-bit values as one column word, a in the low half. */
static inline uint32_t o2c_qpair(int32_t a, int32_t b)
{
#if defined(O2C_ARM_DSP)
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (uint32_t)(uint16_t)a | ((uint32_t)b << 16);
#endif
}

/* K rounded up to a multiple of 4: packed rows and column tiles are padded to it. */
static inline int32_t o2c_qk4(int32_t K)
{
    return (K + 3) & ~3;
}

/* Bytes of the packed row pairs of a rows x K matrix. */
static inline size_t o2c_qgemm_packed_bytes(int32_t rows, int32_t K)
{
    return (size_t)((rows + 1) / 2) * 2u * (size_t)o2c_qk4(K);
}

/* Scratch for one column tile of K values. */
static inline size_t o2c_qgemm_tile_bytes(int32_t K)
{
    return (size_t)O2C_QTILE * (size_t)o2c_qk4(K) * 2u;
}

#endif /* O2C_QLAYOUT_H */
