/* softmax.c - SOFTMAX over the last dimension (int8 -> int8, float32).
 * int8: TFLite reference Softmax with gemmlowp fixed point: input diffs (x - row max) scaled by
 * beta * input_scale into Q5.26, exp_on_negative_values, sum in Q12.19, reciprocal by
 * one_over_one_plus_x, output = exp * reciprocal rounded to 1/256 steps with zero point -128.
 * float: exp((x - max) * beta) / sum, with the same libm expf as TFLite (k_expf, libm_compat.c). */
#include "ops.h"
#include "libm_compat.h"

typedef struct { float beta; } k_softmax_params;
typedef struct {
    int32_t input_multiplier, input_left_shift, diff_min;
    float beta;
} k_softmax_data;

K_STATIC_FITS(k_softmax_params, SRT_PARAMS_SIZE_SOFTMAX);
K_STATIC_FITS(k_softmax_data, SRT_OPDATA_SIZE_SOFTMAX);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status softmax_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_softmax_params *)params)->beta = srt_fb_f32(o, 0, 0.0f);
    return SRT_OK;
}

static srt_status softmax_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SOFTMAX";
    const k_softmax_params *p = node->builtin_data;
    k_softmax_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != out->type || (in->type != SRT_INT8 && in->type != SRT_FLOAT32))
        return k_unsupported_type(ctx, op, in->type != SRT_INT8 && in->type != SRT_FLOAT32 ? in->type : out->type);
    if (k_rank(in->dims) < 1 || k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    d->beta = p->beta;
    if (in->type == SRT_INT8) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        /* the wheel's TFLM rejects any other output quantisation (even 1/256 * 1.0005) */
        if (srt_q_zero_point(out, 0) != -128 || srt_q_scale(out, 0) != 1.0f / 256)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int8 output must have scale 1/256, zero point -128", op);
        /* PreprocessSoftmaxScaling with 5 integer bits, then CalculateInputRadius */
        double m = (double)p->beta * (double)srt_q_scale(in, 0) * (double)(1 << (31 - 5));
        if (m > 2147483647.0) m = 2147483647.0;
        int shift;
        srt_quantize_multiplier_gt_one(m, &d->input_multiplier, &shift);
        if (shift < 0)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: beta * input scale too small", op);
        d->input_left_shift = shift;
        d->diff_min = -srt_input_radius(5, shift, 31);
    }
    return SRT_OK;
}

static srt_status softmax_eval(srt_ctx *ctx, srt_node *node) {
    const k_softmax_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "SOFTMAX");
    const int32_t depth = k_dim(in->dims, k_rank(in->dims) - 1);
    if (depth <= 0) return SRT_OK;
    const int32_t rows = k_elements(in->dims) / depth;
    for (int32_t r = 0; r < rows; ++r) {
        if (in->type == SRT_INT8) {
            const int8_t *x = (const int8_t *)in->data + (size_t)r * depth;
            int8_t *y = (int8_t *)out->data + (size_t)r * depth;
            int32_t max = -128;
            for (int32_t c = 0; c < depth; ++c) if (x[c] > max) max = x[c];
            int32_t sum = 0; /* Q12.19 */
            for (int32_t c = 0; c < depth; ++c) {
                const int32_t diff = x[c] - max;
                if (diff >= d->diff_min) {
                    const int32_t scaled = srt_mbqm_gt1(diff, d->input_multiplier, d->input_left_shift);
                    sum = srt_wadd(sum, srt_rdpot(srt_exp_on_negative_values(scaled, 5), 12));
                }
            }
            int bits_over_unit;
            const int32_t recip = srt_get_reciprocal(sum, 12, &bits_over_unit);
            for (int32_t c = 0; c < depth; ++c) {
                const int32_t diff = x[c] - max;
                if (diff >= d->diff_min) {
                    const int32_t scaled = srt_mbqm_gt1(diff, d->input_multiplier, d->input_left_shift);
                    const int32_t e = srt_exp_on_negative_values(scaled, 5);
                    const int32_t u = srt_rdpot(srt_srdhm(recip, e), bits_over_unit + 31 - 8);
                    y[c] = (int8_t)srt_clamp_i32(srt_wadd(u, -128), -128, 127);
                } else {
                    y[c] = -128;
                }
            }
        } else {
            const float *x = (const float *)in->data + (size_t)r * depth;
            float *y = (float *)out->data + (size_t)r * depth;
            float max = -3.40282347e+38f;
            for (int32_t c = 0; c < depth; ++c) if (max < x[c]) max = x[c];
            float sum = 0.0f;
            for (int32_t c = 0; c < depth; ++c) {
                const float e = k_expf((x[c] - max) * d->beta);
                y[c] = e;
                sum += e;
            }
            for (int32_t c = 0; c < depth; ++c) y[c] = y[c] / sum;
        }
    }
    return SRT_OK;
}

const srt_op srt_op_softmax = {
    .builtin_code = 25, .name = "SOFTMAX", .options_type = K_OPT_Softmax,
    .params_size = SRT_PARAMS_SIZE_SOFTMAX, .params_align = SRT_PARAMS_ALIGN_SOFTMAX,
    .parse = softmax_parse, .opdata_size = SRT_OPDATA_SIZE_SOFTMAX,
    .prepare = softmax_prepare, .eval = softmax_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op SOFTMAX | int8 (output scale 1/256, zero point -128); float32 | over the last dimension, any beta
 */
