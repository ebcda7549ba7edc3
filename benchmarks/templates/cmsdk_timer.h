/* cmsdk_timer.h: CMSDK timer 0 of QEMU's mps2-an386 board as an instruction counter.
 *
 * Under `qemu-system-arm -icount shift=0` every guest instruction advances virtual time by
 * 1 ns and the timer counts down at 25 MHz, so one tick is 40 instructions. Read it right
 * before and after the code to measure; the difference of two reads is in ticks. */
#ifndef CMSDK_TIMER_H
#define CMSDK_TIMER_H

#include <stdint.h>

#define CMSDK_TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)   /* bit 0: enable */
#define CMSDK_TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)  /* counts down */
#define CMSDK_TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)
#define CMSDK_INSTRUCTIONS_PER_TICK 40u

/* Counting down from the top gives 2^32 ticks (about 170 G instructions) before a wrap. */
static void cmsdk_timer_start(void)
{
    CMSDK_TIMER0_CTRL = 0u;
    CMSDK_TIMER0_RELOAD = 0xFFFFFFFFu;
    CMSDK_TIMER0_VALUE = 0xFFFFFFFFu;
    CMSDK_TIMER0_CTRL = 1u;
}

static uint32_t cmsdk_timer_read(void)
{
    return CMSDK_TIMER0_VALUE;
}

#endif
