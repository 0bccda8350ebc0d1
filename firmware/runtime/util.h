/* util.h - small helpers of simprof-rt: message formatting without libc printf (it must run in
 * the measured path on Cortex-M), type sizes as TFLM's TfLiteTypeSizeOf. */
#ifndef SRT_UTIL_H
#define SRT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "srt_kernel.h"

/* %d (int), %u (unsigned), %s (const char *), %% only. Always NUL-terminates (len > 0). */
void srt_format(char *buf, uint32_t len, const char *fmt, ...);
void srt_vformat(char *buf, uint32_t len, const char *fmt, va_list ap);

static inline size_t srt_align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

#endif /* SRT_UTIL_H */
