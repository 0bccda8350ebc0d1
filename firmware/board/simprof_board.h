/* Board support shared by every simprof firmware: memory regions from the generated linker
 * script, semihosting console/exit, and the operator markers the measuring host breaks on.
 * Symbol conventions are documented in docs/measurement.md. */
#ifndef SIMPROF_BOARD_H
#define SIMPROF_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Regions defined by the linker script (firmware/board/link.ld.in). */
extern uint8_t tensor_arena[];        /* start of the arena, in .noinit (never zeroed) */
extern uint8_t __tensor_arena_end[];  /* one past its last byte */
extern uint8_t __model_start[];       /* flash reserved for the model, no load image */
extern uint8_t __model_end[];
extern uint8_t __input_start[];       /* flash reserved for input data, no load image */
extern uint8_t __input_end[];
extern uint8_t __HeapBase[];          /* heap handed out by _sbrk */
extern uint8_t __HeapLimit[];
extern uint8_t __StackLimit[];        /* lowest byte of the stack region */
extern uint8_t __StackTop[];          /* initial SP (one past the stack region) */

/* Highest break _sbrk has ever handed out (the host reads it as the heap mark). */
extern uint8_t *volatile simprof_heap_high;

static inline size_t simprof_arena_size(void)
{
    return (size_t)(__tensor_arena_end - tensor_arena);
}

/* Semihosting (works under QEMU with -semihosting-config enable=on). */
void simprof_console_write(const char *text, size_t length);
void simprof_puts(const char *text);
void simprof_exit(int status) __attribute__((noreturn));

/* Operator markers: never inlined, so a breakpoint on them sees every call. */
#include "simprof_markers.h"

#endif
