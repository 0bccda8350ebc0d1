/* log_softmax.c - LOG_SOFTMAX over the last dimension, int8 (TFLM's log_softmax.cc with TFLite's
 * reference LogSoftmaxQuantized):
 *   input diffs (x - row max) scaled by the input scale into Q5.26 (PreprocessSoftmaxScaling, beta 1),
 *   sum of gemmlowp exp_on_negative_values in Q12.19, its log by TFLite's
 *   log_x_for_x_greater_than_or_equal_to_1 (Q5.26), output (diff - log sum) in 16/256 steps with
 *   zero point 127; diffs below the reverse-scaled range give -128.
 * float32 is not run: it needs glibc's logf, which is not reproduced on Cortex-M yet (see LOG).
 * Arena: no Init; Prepare takes the input and output temporaries, then (int8) LogSoftmaxOpData as
 * a persistent buffer while they are live: {int32 x4; int diff_min; size_t outer_size, depth},
 * 40 B on 64-bit ABIs, 28 B on Arm. No builtin options struct. */
#include "ops.h"

#if defined(SRT_ABI_ARM_M4) || defined(SRT_ABI_ARM_M4_NSE)
#define K_LOG_SOFTMAX_OPDATA_BYTES 28
#else
#define K_LOG_SOFTMAX_OPDATA_BYTES 40
#endif

typedef struct {
    int32_t input_multiplier, input_left_shift, reverse_divisor, reverse_right_shift, diff_min;
} k_log_softmax_data;
static_assert(sizeof(k_log_softmax_data) <= K_LOG_SOFTMAX_OPDATA_BYTES, "LogSoftmaxOpData fits TFLM's size");

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status log_softmax_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "LOG_SOFTMAX";
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != SRT_INT8 || out->type != SRT_INT8)
        return k_unsupported_type(ctx, op, in->type != SRT_INT8 ? in->type : out->type);
    const int32_t r = k_rank(in->dims);
    bool same = r >= 1 && r == k_rank(out->dims);
    for (int32_t i = 0; same && i < r; ++i) same = in->dims->data[i] == out->dims->data[i];
    if (!same) return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output shapes differ", op);
    k_log_softmax_data *d = srt_alloc_persistent(ctx, K_LOG_SOFTMAX_OPDATA_BYTES);
    if (!d) return srt_ctx_status(ctx);
    node->user_data = d;
    CHECK(k_require_quant(ctx, in, op, "input"));
    CHECK(k_require_quant(ctx, out, op, "output"));
    if (srt_q_scale(out, 0) != 16.0f / 256 || srt_q_zero_point(out, 0) != 127)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: int8 output must have scale 16/256, zero point 127", op);
    /* PreprocessLogSoftmaxScalingExp(beta 1, input scale, 5 integer bits) */
    double m = (double)srt_q_scale(in, 0) * (double)(1 << (31 - 5));
    if (m > 2147483647.0) m = 2147483647.0;
    int shift;
    srt_quantize_multiplier_gt_one(m, &d->input_multiplier, &shift);
    if (shift < 1 || shift > 31)  /* TFLM would shift 1 by 31 or more below */
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: input scale out of range", op);
    d->input_left_shift = shift;
    const double reverse = (double)((int64_t)1 << (31 - shift)) / (double)d->input_multiplier;
    int rshift;
    srt_quantize_multiplier(reverse, &d->reverse_divisor, &rshift);
    d->reverse_right_shift = -rshift;
    d->diff_min = -srt_input_radius(5, shift, 31);
    return SRT_OK;
}

static int32_t half_sum(int32_t a, int32_t b) { /* gemmlowp RoundingHalfSum */
    const int64_t s = (int64_t)a + (int64_t)b;
    return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}
static int32_t sat_add(int32_t a, int32_t b) {
    const int64_t s = (int64_t)a + (int64_t)b;
    return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}
static int32_t sat_sub(int32_t a, int32_t b) {
    const int64_t s = (int64_t)a - (int64_t)b;
    return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}
static int clz32(uint32_t u) {
    int n = 0;
    while (n < 32 && !(u & 0x80000000u)) { u <<= 1; ++n; }
    return n;
}

/* TFLite's log_x_for_x_greater_than_or_equal_to_1<5>(x in Q12.19): ln(x) in Q5.26, accumulated
 * in Q6.25. Products are gemmlowp fixed-point multiplies (SaturatingRoundingDoublingHighMul). */
static int32_t log_q12_to_q5(int32_t z_a) {
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = srt_rdpot(536870912, 6); /* 1/4 in Q6.25 */
    const int za_hp1 = clz32((uint32_t)z_a);
    const int32_t r_a_tmp = srt_sat_shl(z_a, za_hp1 - 1);
    const int32_t r_a = srt_sat_shl(srt_srdhm(r_a_tmp, sqrt_half), 1);
    const int32_t za_pow2 = sat_add(srt_sat_shl(12 - za_hp1, 31 - 6), shifted_quarter);
    const int32_t z_b = srt_srdhm(z_a, sqrt_half);
    const int zb_headroom = clz32((uint32_t)z_b) - 1;
    const int32_t r_b = srt_sat_shl(z_a, zb_headroom);
    const int32_t zb_pow2 = sat_sub(srt_sat_shl(12 - zb_headroom, 31 - 6), shifted_quarter);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t z_pow2 = za_pow2 > zb_pow2 ? za_pow2 : zb_pow2;
    const int32_t p = half_sum(r, sqrt_sqrt_half);
    int32_t q = srt_wsub(r, sqrt_sqrt_half);
    q = srt_wadd(q, q);
    const int32_t sq = srt_srdhm(q, q);
    const int32_t num = srt_wadd(srt_srdhm(q, r), srt_srdhm(srt_srdhm(q, sq), alpha_n));
    const int32_t den = srt_wadd(srt_srdhm(p, srt_wadd(srt_wadd(alpha_i, q), srt_srdhm(alpha_d, sq))),
                                 srt_srdhm(alpha_f, q));
    const int32_t recip = srt_one_over_one_plus_x(den);
    const int32_t num_scaled = srt_rdpot(num, 6);
    return srt_sat_shl(srt_wadd(srt_srdhm(z_pow2, log_2), srt_srdhm(num_scaled, recip)), 1);
}

static srt_status log_softmax_eval(srt_ctx *ctx, srt_node *node) {
    const k_log_softmax_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!d || !in || !out || !in->data || !out->data) return k_missing(ctx, "LOG_SOFTMAX");
    const int32_t depth = k_dim(in->dims, k_rank(in->dims) - 1);
    if (depth <= 0) return SRT_OK;
    const int32_t rows = k_elements(in->dims) / depth;
    for (int32_t row = 0; row < rows; ++row) {
        const int8_t *x = (const int8_t *)in->data + (size_t)row * depth;
        int8_t *y = (int8_t *)out->data + (size_t)row * depth;
        int32_t max = -128;
        for (int32_t c = 0; c < depth; ++c) if (x[c] > max) max = x[c];
        int32_t sum = 0; /* Q12.19 */
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t diff = x[c] - max;
            if (diff >= d->diff_min) {
                const int32_t q5 = srt_mbqm(diff, d->input_multiplier, d->input_left_shift);
                sum = srt_wadd(sum, srt_rdpot(srt_exp_on_negative_values(q5, 5), 12));
            }
        }
        const int32_t log_sum = log_q12_to_q5(sum);
        const int32_t lo = srt_mbqm(srt_wadd(log_sum, INT32_MIN), d->reverse_divisor, -d->reverse_right_shift);
        const int32_t adjusted_min = d->diff_min - 1 > lo ? d->diff_min - 1 : lo;
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t diff = x[c] - max;
            if (diff > adjusted_min) {
                const int32_t q5 = srt_mbqm(diff, d->input_multiplier, d->input_left_shift);
                const int32_t v = srt_wadd(srt_rdpot(srt_wsub(q5, log_sum), 31 - 5 - 4), 127);
                y[c] = (int8_t)srt_clamp_i32(v, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
    return SRT_OK;
}

const srt_op srt_op_log_softmax = {
    .builtin_code = 50, .name = "LOG_SOFTMAX", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = 0, .prepare = log_softmax_prepare, .eval = log_softmax_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op LOG_SOFTMAX | int8 (output scale 16/256, zero point 127) | over the last dimension; not float32 (glibc's logf is not reproduced on Cortex-M yet, see LOG)
 */
