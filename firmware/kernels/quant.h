/*
 * quant.h - fixed-point helpers of simprof-rt's kernels, reproducing TFLite's reference arithmetic
 * (quantization_util / common.h / gemmlowp fixedpoint) bit for bit.
 *
 * Rounding: TFLite has two variants of MultiplyByQuantizedMultiplier. The tflite-micro wheel (our
 * oracle) uses the "double rounding" one: SaturatingRoundingDoublingHighMul followed by
 * RoundingDivideByPOT. Established by testing: with this variant all single-op models of
 * tests/unit/kernels are bit-exact; a build with SRT_SINGLE_ROUNDING (the other variant) differed
 * from the wheel on DEPTHWISE_CONV_2D, MUL, LEAKY_RELU and MEAN cases.
 */
#ifndef SRT_KERNELS_QUANT_H
#define SRT_KERNELS_QUANT_H

#include <stdbool.h>
#include <stdint.h>

/* real_multiplier -> (q31 significand, power-of-two exponent), as TFLite's QuantizeMultiplier. */
void srt_quantize_multiplier(double real_multiplier, int32_t *multiplier, int *shift);
/* Same, for multipliers known to be > 1 (softmax input scaling); shift >= 0 then. */
void srt_quantize_multiplier_gt_one(double real_multiplier, int32_t *multiplier, int *left_shift);
/* round(frexp(m) * 2^31) without QuantizeMultiplier's carry fix-up (a carry wraps to INT32_MIN,
 * as TFLite's static_cast<int32_t> of 2^31 does); LOGISTIC/TANH use this. */
int32_t srt_frexp_multiplier(double m, int *shift);
/* float -> (q15 significand, exponent) for HARD_SWISH's int16 multipliers (DownScaleInt32ToInt16Multiplier). */
void srt_quantize_multiplier_int16(double real_multiplier, int16_t *multiplier, int *shift);

int32_t srt_srdhm(int32_t a, int32_t b);                 /* SaturatingRoundingDoublingHighMul */
int16_t srt_srdhm16(int16_t a, int16_t b);               /* same, 16-bit */
int32_t srt_rdpot(int32_t x, int exponent);              /* RoundingDivideByPOT, exponent >= 0 */
int16_t srt_rdpot16(int16_t x, int exponent);
int32_t srt_sat_shl(int32_t x, int exponent);            /* SaturatingRoundingMultiplyByPOT, exp > 0 */
int16_t srt_sat_shl16(int16_t x, int exponent);

/* MultiplyByQuantizedMultiplier(x, m, shift) (shift > 0: left). */
int32_t srt_mbqm(int32_t x, int32_t multiplier, int shift);
/* The 64-bit-input variant (used by int16 paths; kept for completeness). */
int32_t srt_mbqm64(int64_t x, int32_t multiplier, int shift);
/* MultiplyByQuantizedMultiplierSmallerThanOneExp / GreaterThanOne. */
int32_t srt_mbqm_lt1(int32_t x, int32_t multiplier, int left_shift);
int32_t srt_mbqm_gt1(int32_t x, int32_t multiplier, int left_shift);

/* gemmlowp: exp(x) for x <= 0, x in Q(int_bits).(31-int_bits); result Q0.31. */
int32_t srt_exp_on_negative_values(int32_t a, int int_bits);
/* gemmlowp: 1/(1+x) for x in [0,1), Q0.31 in and out. */
int32_t srt_one_over_one_plus_x(int32_t a);
/* TFLite GetReciprocal(x, x_integer_digits, &num_bits_over_unit). */
int32_t srt_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit);
/* gemmlowp tanh / logistic on Q(int_bits) inputs, Q0.31 results. */
int32_t srt_fx_tanh(int32_t a, int int_bits);
int32_t srt_fx_logistic(int32_t a, int int_bits);

/* TFLite CalculateInputRadius(input_integer_bits, input_left_shift, total_signed_bits). */
int32_t srt_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits);

/* round-half-away-from-zero like std::round, without libm (exact for |x| < 2^52). */
double srt_round(double x);
float srt_roundf(float x);

static inline int32_t srt_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}
/* int32 add/sub/mul with two's-complement wrap-around (TFLite's int32 arithmetic on real hardware,
 * without C undefined behaviour when a corrupt model overflows an accumulator). */
static inline int32_t srt_wadd(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t srt_wsub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t srt_wmul(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }

#endif /* SRT_KERNELS_QUANT_H */
