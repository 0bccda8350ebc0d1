/* Vector table, reset handler and fault handler for every Cortex-M platform simprof supports
 * (ARMv6-M to ARMv8.1-M). The fault handler reports over semihosting and exits with
 * SIMPROF_FAULT_EXIT_STATUS so a plain QEMU run also fails loudly; the measuring host normally
 * catches the fault earlier with a breakpoint on the vector. */
#include "simprof_board.h"

#include <stdlib.h>

#define SIMPROF_FAULT_EXIT_STATUS 70
#define SIMPROF_IRQ_COUNT 32

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void Fault_Handler(void);
void simprof_fault_report(const uint32_t *frame, uint32_t exc_return);

typedef void (*vector_t)(void);

#define SIMPROF_IRQ8 Default_Handler, Default_Handler, Default_Handler, Default_Handler, \
                     Default_Handler, Default_Handler, Default_Handler, Default_Handler

__attribute__((section(".isr_vector"), used)) const vector_t simprof_vectors[16 + SIMPROF_IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)__StackTop,
    [1] = Reset_Handler,
    [2] = Fault_Handler,  /* NMI */
    [3] = Fault_Handler,  /* HardFault */
    [4] = Fault_Handler,  /* MemManage */
    [5] = Fault_Handler,  /* BusFault */
    [6] = Fault_Handler,  /* UsageFault */
    [7] = Fault_Handler,  /* SecureFault (ARMv8-M) */
    [11] = Default_Handler, /* SVCall */
    [12] = Default_Handler, /* DebugMonitor */
    [14] = Default_Handler, /* PendSV */
    [15] = Default_Handler, /* SysTick */
    /* external interrupts 0..31 (standard C: no range designators, so -pedantic builds too) */
    SIMPROF_IRQ8, SIMPROF_IRQ8, SIMPROF_IRQ8, SIMPROF_IRQ8,
};

void Reset_Handler(void)
{
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* CP10/CP11 full access before any compiled code may touch an FP/MVE register. */
    volatile uint32_t *const cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; dst < _ebss;) {
        *dst++ = 0u;
    }
    exit(main());
}

__attribute__((section(".text.simprof_bp.default_handler"))) void Default_Handler(void)
{
    /* An unexpected interrupt is reported like a fault: nothing in simprof firmware enables one. */
    Fault_Handler();
}

/* Picks the stack the exception frame was pushed on (EXC_RETURN bit 2) and hands it to C.
 * Written for ARMv6-M too (no IT blocks, low registers only). */
__attribute__((naked, section(".text.simprof_bp.fault_handler"))) void Fault_Handler(void)
{
    __asm__ volatile(
        "movs r0, #4\n\t"
        "mov r1, lr\n\t"
        "tst r0, r1\n\t"
        "beq 1f\n\t"
        "mrs r0, psp\n\t"
        "b 2f\n"
        "1:\n\t"
        "mrs r0, msp\n"
        "2:\n\t"
        "ldr r2, =simprof_fault_report\n\t"
        "bx r2\n\t"
        ".ltorg\n");
}

static char *put_hex(char *out, const char *label, uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    while (*label) {
        *out++ = *label++;
    }
    *out++ = '0';
    *out++ = 'x';
    for (int shift = 28; shift >= 0; shift -= 4) {
        *out++ = digits[(value >> shift) & 0xFu];
    }
    return out;
}

void simprof_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    char line[200];
    char *out = line;
    out = put_hex(out, "simprof: FAULT exception=", ipsr & 0x1FFu);
    out = put_hex(out, " pc=", frame[6]);
    out = put_hex(out, " lr=", frame[5]);
    out = put_hex(out, " exc_return=", exc_return);
#if __ARM_ARCH_PROFILE == 'M' && __ARM_ARCH >= 7
    /* Fault status registers exist from ARMv7-M on. */
    out = put_hex(out, " cfsr=", *(volatile uint32_t *)0xE000ED28u);
    out = put_hex(out, " hfsr=", *(volatile uint32_t *)0xE000ED2Cu);
    out = put_hex(out, " mmfar=", *(volatile uint32_t *)0xE000ED34u);
    out = put_hex(out, " bfar=", *(volatile uint32_t *)0xE000ED38u);
#endif
    *out = '\0';
    simprof_puts(line);
    simprof_exit(SIMPROF_FAULT_EXIT_STATUS);
}
