/* Operator boundary markers. The measuring host sets breakpoints on these two functions: at
 * begin it re-paints the dead stack below SP and snapshots the arena, at end it reads both back.
 * Include this header (or simprof_board.h) and link simprof_markers.c. */
#ifndef SIMPROF_MARKERS_H
#define SIMPROF_MARKERS_H

#include <stdint.h>

void simprof_op_begin(uint32_t index) __attribute__((noinline));
void simprof_op_end(uint32_t index) __attribute__((noinline));

#endif
