/* quant64.c - TFLite's 64-bit-input MultiplyByQuantizedMultiplier (int16 "16x8" kernels with int64
 * accumulators: TRANSPOSE_CONV, and CONV_2D / FULLY_CONNECTED int16), declared in quant.h. */
#include "quant.h"

int32_t srt_mbqm64(int64_t x, int32_t multiplier, int shift) {
    /* TFLite's double-rounding build (the wheel's): the multiplier reduced to 16 bits, one rounding
     * right shift by 15 - shift, then a truncating cast to int32. TFLite only asserts the ranges
     * (shift in [-31, 7], |x| < 2^47, multiplier >= 0); a corrupt model may break them, so the
     * shift is kept where C defines it and the arithmetic wraps instead of overflowing. */
    const int32_t reduced = multiplier < 0x7FFF0000 ? (int32_t)(((int64_t)multiplier + (1 << 15)) >> 16) : 0x7FFF;
    int total = 15 - shift;
    if (total < 1) total = 1;
    if (total > 62) total = 62;
    const uint64_t prod = (uint64_t)x * (uint64_t)(int64_t)reduced + ((uint64_t)1 << (total - 1));
    return (int32_t)(uint32_t)(uint64_t)((int64_t)prod >> total);
}
