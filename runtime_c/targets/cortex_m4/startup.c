/* startup.c: vector table and reset handler for a Cortex-M4 with FPU, as QEMU's mps2-an386
 * board runs it. Copies .data, zeroes .bss (on-chip and external RAM), turns the FPU on,
 * runs main and reports how it ended through Arm semihosting (SYS_EXIT), which makes QEMU
 * exit with status 0 for a zero return and 1 otherwise. Newlib's rdimon library supplies
 * stdio over semihosting; its crt0 is replaced by this file (link with -nostartfiles). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* from the linker script */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _sbss_ext[], _ebss_ext[];
extern uint32_t _estack[];

extern int main(void);
extern void initialise_monitor_handles(void);
void Reset_Handler(void);
void Fault_Handler(void);

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define ADP_Stopped_ApplicationExit 0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

static void semihost(uint32_t op, uint32_t arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register uint32_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

static void semihost_exit(int status)
{
    semihost(SYS_EXIT, status == 0 ? ADP_Stopped_ApplicationExit
                                   : ADP_Stopped_RunTimeErrorUnknown);
    for (;;) {
    }
}

static size_t span(const uint32_t *begin, const uint32_t *end)
{
    return (size_t)((const char *)end - (const char *)begin);
}

void Reset_Handler(void)
{
    /* CP10/CP11 full access before any floating-point instruction runs */
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    memcpy(_sdata, _sidata, span(_sdata, _edata));
    memset(_sbss, 0, span(_sbss, _ebss));
    memset(_sbss_ext, 0, span(_sbss_ext, _ebss_ext));
    initialise_monitor_handles();
    {
        int status = main();
        fflush(NULL);
        semihost_exit(status);
    }
}

/* Every exception but reset is unexpected here: say so and stop with a failure status. */
void Fault_Handler(void)
{
    semihost(SYS_WRITE0, (uint32_t)(uintptr_t)"startup: unexpected exception (fault)\n");
    semihost_exit(1);
}

/* Entries 0-15 of the Cortex-M4 vector table: the initial stack pointer, reset, then the
 * other system exceptions (NMI, HardFault, ..., SysTick; zeros are reserved slots). */
typedef void (*handler_fn)(void);
struct vector_table {
    uint32_t *initial_sp;
    handler_fn handlers[15];
};

__attribute__((section(".isr_vector"), used))
static const struct vector_table vectors = {
    _estack,
    { Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
      Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler,
      Fault_Handler }
};
