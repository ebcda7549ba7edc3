/* cortexm_calibrate.c: checks the instruction counter of cmsdk_timer.h on loops whose
 * instruction count is known, and prints "o2c-calibrate INSTRUCTIONS_PER_ITERATION
 * ITERATIONS TICKS" per loop (expected instructions: the product of the first two; the
 * measured ones: 40 x TICKS) then "o2c-end". The loops are inline assembly, so the compiler
 * cannot change how many instructions they execute. */
#include <stdio.h>
#include <stdint.h>
#include "cmsdk_timer.h"

#ifndef __arm__
#error "the calibration loops are Thumb-2 assembly: build for the Cortex-M4 target"
#endif

/* two instructions per iteration: subs, bne */
static uint32_t spin2(uint32_t iterations)
{
    uint32_t before, after;
    before = cmsdk_timer_read();
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(iterations) : : "cc");
    after = cmsdk_timer_read();
    return before - after;
}

/* five per iteration, a load and two floating-point ones among them: QEMU counts
 * instructions, whatever their cycle cost on a real core */
static uint32_t spin5(uint32_t iterations, const float *value)
{
    uint32_t before, after;
    float acc = 0.0f;
    before = cmsdk_timer_read();
    __asm__ volatile("1: vldr s14, [%2]\n\t"
                     "vmla.f32 %1, s14, s14\n\t"
                     "vadd.f32 %1, %1, s14\n\t"
                     "subs %0, %0, #1\n\t"
                     "bne 1b"
                     : "+r"(iterations), "+t"(acc) : "r"(value) : "cc", "s14", "memory");
    after = cmsdk_timer_read();
    return before - after;
}

int main(void)
{
    static const float one = 1.0f;
    static const uint32_t counts[] = { 1001u, 100003u, 1000007u };
    unsigned k;
    cmsdk_timer_start();
    for (k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        printf("o2c-calibrate 2 %lu %lu\n", (unsigned long)counts[k],
               (unsigned long)spin2(counts[k]));
        printf("o2c-calibrate 5 %lu %lu\n", (unsigned long)counts[k],
               (unsigned long)spin5(counts[k], &one));
    }
    printf("o2c-end\n");
    return 0;
}
