/* Operator boundary markers. The measuring host sets breakpoints on these two functions: at
 * begin it re-paints the dead stack below SP and snapshots the arena, at end it reads both back.
 * Include this header (or simprof_board.h) and link simprof_markers.c. */
#ifndef SIMPROF_MARKERS_H
#define SIMPROF_MARKERS_H

#include <stdint.h>

/* Put a function the host sets a breakpoint on (a stop marker, say) in the linker script's
 * breakpoint page: QEMU runs a page holding a breakpoint one instruction at a time, so such
 * functions must not share a page with hot code. Usage:
 *     SIMPROF_BREAKPOINT_FUNCTION(done) void simprof_done(void) { ... } */
#define SIMPROF_BREAKPOINT_FUNCTION(tag) __attribute__((noinline, used, section(".text.simprof_bp." #tag)))

void simprof_op_begin(uint32_t index) __attribute__((noinline));
void simprof_op_end(uint32_t index) __attribute__((noinline));

#endif
