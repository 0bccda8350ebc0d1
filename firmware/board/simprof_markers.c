#include "simprof_markers.h"

/* The empty asm with a memory clobber keeps the calls (and the argument in r0) from being
 * optimised away or merged: the host breaks on the first instruction and reads r0. The section
 * puts them in the breakpoint page of the linker script, away from hot code. */
__attribute__((noinline, used, section(".text.simprof_bp.op_begin"))) void simprof_op_begin(uint32_t index)
{
    __asm__ volatile("" : : "r"(index) : "memory");
}

__attribute__((noinline, used, section(".text.simprof_bp.op_end"))) void simprof_op_end(uint32_t index)
{
    __asm__ volatile("" : : "r"(index) : "memory");
}
