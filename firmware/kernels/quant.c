/* quant.c - fixed-point helpers (see quant.h). Written from the arithmetic TFLite documents for its
 * reference kernels; every function states the rule it reproduces. */
#include "quant.h"

#include <string.h>

/* frexp without libm: x = q * 2^e, |q| in [0.5, 1). x finite and non-zero. */
static double frexp_(double x, int *e) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int exp = (int)((bits >> 52) & 0x7ff);
    if (exp == 0) { /* subnormal: scale into the normal range first */
        double y = x * 18014398509481984.0; /* 2^54 */
        int e2;
        double q = frexp_(y, &e2);
        *e = e2 - 54;
        return q;
    }
    if (exp == 0x7ff) { *e = 0; return x; }
    *e = exp - 1022;
    bits = (bits & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1022 << 52);
    double q;
    memcpy(&q, &bits, sizeof q);
    return q;
}

double srt_round(double x) {
    /* std::round: half away from zero. Values >= 2^52 are already integral. */
    if (!(x < 4503599627370496.0 && x > -4503599627370496.0)) return x;
    double t = (double)(int64_t)x;
    double d = x - t; /* exact */
    if (d >= 0.5) t += 1.0;
    else if (d <= -0.5) t -= 1.0;
    return t;
}

float srt_roundf(float x) {
    if (!(x < 8388608.0f && x > -8388608.0f)) return x;
    float t = (float)(int32_t)x;
    float d = x - t;
    if (d >= 0.5f) t += 1.0f;
    else if (d <= -0.5f) t -= 1.0f;
    return t;
}

void srt_quantize_multiplier(double m, int32_t *multiplier, int *shift) {
    /* QuantizeMultiplier: q = frexp(m); q_fixed = round(q * 2^31); a carry to 2^31 halves it
     * and bumps the exponent; exponents below -31 flush to zero. */
    /* zero, NaN and infinities (a corrupt model's scales) give a zero multiplier, as the x86-64
     * conversion of TFLite's rounded infinity does */
    if (m == 0.0 || !(m - m == 0.0)) { *multiplier = 0; *shift = 0; return; }
    int e;
    double q = frexp_(m, &e);
    int64_t q_fixed = (int64_t)srt_round(q * 2147483648.0);
    if (q_fixed == ((int64_t)1 << 31)) { q_fixed /= 2; ++e; }
    if (e < -31) { e = 0; q_fixed = 0; }
#ifdef SRT_SINGLE_ROUNDING
    if (e > 30) { e = 30; q_fixed = ((int64_t)1 << 31) - 1; }
#endif
    *multiplier = (int32_t)q_fixed;
    *shift = e;
}

int32_t srt_frexp_multiplier(double m, int *shift) {
    if (m == 0.0 || !(m - m == 0.0)) { *shift = 0; return 0; }
    double q = frexp_(m, shift);
    return (int32_t)(uint32_t)(int64_t)srt_round(q * 2147483648.0);
}

void srt_quantize_multiplier_gt_one(double m, int32_t *multiplier, int *left_shift) {
    srt_quantize_multiplier(m, multiplier, left_shift);
}

void srt_quantize_multiplier_int16(double m, int16_t *multiplier, int *shift) {
    /* QuantizeMultiplier to q31, then DownScaleInt32ToInt16Multiplier: round to q15 by
     * (m + 2^15) >> 16, saturating to 2^15 - 1 when m >= INT32_MAX - 2^15. */
    int32_t m32;
    srt_quantize_multiplier(m, &m32, shift);
    if (m32 >= INT32_MAX - (1 << 15)) { *multiplier = INT16_MAX; return; }
    *multiplier = (int16_t)((m32 + (1 << 15)) >> 16);
}

int32_t srt_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

int16_t srt_srdhm16(int16_t a, int16_t b) {
    if (a == b && a == INT16_MIN) return INT16_MAX;
    int32_t ab = (int32_t)a * (int32_t)b;
    int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

int32_t srt_rdpot(int32_t x, int exponent) {
    /* RoundingDivideByPOT: round half away from zero. An exponent >= 32 behaves as gemmlowp's
     * code does on x86-64 (the oracle): the mask truncates to int32 and the shift count to 5 bits. */
    if (exponent <= 0) return x;
    int32_t mask = (int32_t)(uint32_t)(((uint64_t)1 << (exponent & 63)) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> (exponent & 31)) + (remainder > threshold ? 1 : 0);
}

int16_t srt_rdpot16(int16_t x, int exponent) {
    if (exponent <= 0) return x;
    if (exponent > 15) exponent = 15;
    int16_t mask = (int16_t)((1 << exponent) - 1);
    int16_t remainder = (int16_t)(x & mask);
    int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

int32_t srt_sat_shl(int32_t x, int exponent) {
    if (exponent <= 0) return srt_rdpot(x, -exponent);
    if (exponent >= 31) return x > 0 ? INT32_MAX : (x < 0 ? INT32_MIN : 0);
    const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

int16_t srt_sat_shl16(int16_t x, int exponent) {
    if (exponent <= 0) return srt_rdpot16(x, -exponent);
    if (exponent >= 15) return x > 0 ? INT16_MAX : (x < 0 ? INT16_MIN : 0);
    const int32_t threshold = (1 << (15 - exponent)) - 1;
    if (x > threshold) return INT16_MAX;
    if (x < -threshold) return INT16_MIN;
    return (int16_t)(uint16_t)((uint32_t)(uint16_t)x << exponent);
}

int32_t srt_mbqm(int32_t x, int32_t multiplier, int shift) {
#ifdef SRT_SINGLE_ROUNDING
    if (shift > 30) shift = 30;
    if (shift < -31) shift = -31;
    const int total_shift = 31 - shift;
    int64_t r = (int64_t)x * (int64_t)multiplier + ((int64_t)1 << (total_shift - 1));
    r >>= total_shift;
    return (int32_t)r;
#else
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    if (left > 31) left = 31;
    return srt_rdpot(srt_srdhm(srt_wmul(x, (int32_t)((uint32_t)1 << left)), multiplier), right);
#endif
}

int32_t srt_mbqm_lt1(int32_t x, int32_t multiplier, int left_shift) {
#ifdef SRT_SINGLE_ROUNDING
    return srt_mbqm(x, multiplier, left_shift);
#else
    return srt_rdpot(srt_srdhm(x, multiplier), -left_shift);
#endif
}

int32_t srt_mbqm_gt1(int32_t x, int32_t multiplier, int left_shift) {
#ifdef SRT_SINGLE_ROUNDING
    return srt_mbqm(x, multiplier, left_shift);
#else
    if (left_shift > 31) left_shift = 31;
    if (left_shift < 0) left_shift = 0;
    return srt_srdhm(srt_wmul(x, (int32_t)((uint32_t)1 << left_shift)), multiplier);
#endif
}

/* ---- gemmlowp fixed point ---- */

/* exp(x) for x in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8. */
static int32_t exp_quarter(int32_t a) {
    const int32_t constant_term = 1895147668;   /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    int32_t x = srt_wadd(a, 1 << 28);            /* a + 1/8 */
    int32_t x2 = srt_srdhm(x, x);
    int32_t x3 = srt_srdhm(x2, x);
    int32_t x4 = srt_srdhm(x2, x2);
    int32_t x4_over_4 = srt_rdpot(x4, 2);
    int32_t poly = srt_rdpot(srt_wadd(srt_srdhm(srt_wadd(x4_over_4, x3), constant_1_over_3), x2), 1);
    return srt_wadd(constant_term, srt_srdhm(constant_term, srt_wadd(x, poly)));
}

int32_t srt_exp_on_negative_values(int32_t a, int int_bits) {
    const int frac_bits = 31 - int_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    int32_t a_mod_q_minus_q = srt_wsub(a & mask, one_quarter);
    int32_t result = exp_quarter(srt_sat_shl(a_mod_q_minus_q, int_bits));
    int32_t remainder = srt_wsub(a_mod_q_minus_q, a);
    static const int32_t mult[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    for (int k = 0; k < 7; ++k) {
        int exponent = k - 2;
        if (int_bits > exponent) {
            int shift_amount = frac_bits + exponent;
            if (remainder & (int32_t)((uint32_t)1 << shift_amount)) result = srt_srdhm(result, mult[k]);
        }
    }
    if (int_bits > 5) {
        int b = 36 - int_bits;
        int32_t clamp = -(int32_t)((uint32_t)1 << b);
        if (a < clamp) result = 0;
    }
    if (a == 0) result = INT32_MAX;
    return result;
}

static int32_t rounding_half_sum(int32_t a, int32_t b) {
    int64_t sum = (int64_t)a + (int64_t)b;
    int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* Newton-Raphson for 1/(1+a) (Q2.29 iterate), shared by the two gemmlowp division helpers. */
static int32_t nr_reciprocal_q2(int32_t half_denominator) {
    const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;
    const int32_t one_q2 = 1 << 29;
    int32_t x = srt_wadd(c48_17, srt_srdhm(half_denominator, cneg32_17));
    for (int i = 0; i < 3; ++i) {
        int32_t hdx = srt_srdhm(half_denominator, x);
        int32_t one_minus = srt_wsub(one_q2, hdx);
        x = srt_wadd(x, srt_sat_shl(srt_srdhm(x, one_minus), 2));
    }
    return x;
}

int32_t srt_one_over_one_plus_x(int32_t a) {
    int32_t x = nr_reciprocal_q2(rounding_half_sum(a, INT32_MAX));
    return srt_sat_shl(x, 1); /* ExactMulByPot<-1> then Rescale<0> from Q1 */
}

static int32_t one_minus_x_over_one_plus_x(int32_t a) {
    int32_t x = nr_reciprocal_q2(rounding_half_sum(a, INT32_MAX));
    return srt_sat_shl(srt_wsub(x, 1 << 29), 2);
}

int32_t srt_fx_logistic(int32_t a, int int_bits) {
    if (a == 0) return 1 << 30;
    int32_t abs_a = a > 0 ? a : srt_wsub(0, a);
    int32_t pos = srt_one_over_one_plus_x(srt_exp_on_negative_values(srt_wsub(0, abs_a), int_bits));
    return a > 0 ? pos : srt_wsub(INT32_MAX, pos);
}

int32_t srt_fx_tanh(int32_t a, int int_bits) {
    if (a == 0) return 0;
    int32_t n = a < 0 ? a : srt_wsub(0, a);
    /* ExactMulByPot<1>: same raw value, one more integer bit */
    int32_t t = one_minus_x_over_one_plus_x(srt_exp_on_negative_values(n, int_bits + 1));
    return a < 0 ? srt_wsub(0, t) : t;
}

int32_t srt_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
    uint32_t ux = (uint32_t)x;
    int headroom_plus_one = 0;
    if (ux == 0) headroom_plus_one = 32;
    else while (!(ux & 0x80000000u)) { ux <<= 1; ++headroom_plus_one; }
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    uint32_t shifted = headroom_plus_one >= 32 ? 0 : ((uint32_t)x << headroom_plus_one);
    int32_t shifted_sum_minus_one = (int32_t)(shifted - ((uint32_t)1 << 31));
    return srt_one_over_one_plus_x(shifted_sum_minus_one);
}

int32_t srt_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits) {
    double max_input_rescaled = 1.0 * (double)((1 << input_integer_bits) - 1) *
                                (double)((int64_t)1 << (total_signed_bits - input_integer_bits)) /
                                (double)((int64_t)1 << (input_left_shift < 0 ? 0 : (input_left_shift > 62 ? 62 : input_left_shift)));
    /* floor of a positive value */
    double f = (double)(int64_t)max_input_rescaled;
    if (f > 2147483647.0) return INT32_MAX;
    return (int32_t)f;
}
