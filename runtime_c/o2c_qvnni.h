/*
 * o2c_qvnni.h - the VPDPBUSD of the x86 VNNI uint8 kernels (o2c_qgemm_vnni.h,
 * o2c_qgemv_x86.h); O2C_X86_VNNI_U8 comes from o2c_qgemm_x86.h.
 */
#ifndef O2C_QVNNI_H
#define O2C_QVNNI_H

#include "o2c_qgemm_x86.h"

#if defined(O2C_X86_VNNI_U8)
#include <immintrin.h>

/* acc plus, per int32 lane, the four products of u's uint8 and s's int8 bytes: VPDPBUSD.
 * GCC 12 copies the accumulator around the intrinsic's instruction, and with sixteen
 * accumulators live spills them to the stack; the same instruction as asm stays in place. */
static inline __m512i o2c_qv_dpbusd(__m512i acc, __m512i u, __m512i s)
{
#if defined(__GNUC__) && !defined(__clang__)
    __asm__("vpdpbusd {%2, %1, %0|%0, %1, %2}" : "+v"(acc) : "v"(u), "v"(s));
    return acc;
#else
    return _mm512_dpbusd_epi32(acc, u, s);
#endif
}

#endif
#endif /* O2C_QVNNI_H */
