/* softmax.c - SOFTMAX over the last dimension (int8 -> int8, int16 -> int16, float32).
 * int8: TFLite reference Softmax with gemmlowp fixed point: input diffs (x - row max) scaled by
 * beta * input_scale into Q5.26, exp_on_negative_values, sum in Q12.19, reciprocal by
 * one_over_one_plus_x, output = exp * reciprocal rounded to 1/256 steps with zero point -128.
 * int16: TFLM's SoftmaxInt16: (x - row max) scaled so that [-65535, 0] is [-10, 0], exp from a
 * 513-entry interpolated table, the sum's reciprocal from a 1/(1+x) table, Q0.15 output. TFLM
 * fills both tables at Prepare into two persistent buffers of 513 int16 each (taken while the
 * input/output temporaries are live); they do not depend on the model, so ours are copied from
 * softmax_lut16.h (generated in float32 with glibc's expf, as the wheel computes them).
 * float: exp((x - max) * beta) / sum, with the same libm expf as TFLite (k_expf, libm_compat.c). */
#include "ops.h"
#include "libm_compat.h"
#include "softmax_lut16.h"

typedef struct { float beta; } k_softmax_params;
typedef struct {
    int32_t input_multiplier, input_left_shift, diff_min;
    float beta;
    int16_t *exp_lut, *recip_lut; /* int16: the persistent tables */
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
    const bool ok_in = in->type == SRT_INT8 || in->type == SRT_INT16 || in->type == SRT_FLOAT32;
    if (in->type != out->type || !ok_in)
        return k_unsupported_type(ctx, op, !ok_in ? in->type : out->type);
    if (k_rank(in->dims) < 1 || k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    d->beta = p->beta;
    if (in->type == SRT_INT16) {
        /* InitializeLutForInt16: both tables first, then the quantisation checks */
        d->exp_lut = srt_alloc_persistent(ctx, sizeof k_softmax_exp_lut16);
        if (!d->exp_lut) return srt_ctx_status(ctx);
        d->recip_lut = srt_alloc_persistent(ctx, sizeof k_softmax_recip_lut16);
        if (!d->recip_lut) return srt_ctx_status(ctx);
        memcpy(d->exp_lut, k_softmax_exp_lut16, sizeof k_softmax_exp_lut16);
        memcpy(d->recip_lut, k_softmax_recip_lut16, sizeof k_softmax_recip_lut16);
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        const float os = srt_q_scale(out, 0), want = 1.0f / 32768;
        if (srt_q_zero_point(in, 0) != 0 || srt_q_zero_point(out, 0) != 0 ||
            !((os > want ? os - want : want - os) <= 0.001f * 1.0f / 32768))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 needs zero points 0 and output scale 1/32768", op);
        /* [-65535, 0] of the scaled difference is [-10, 0] */
        int shift;
        srt_quantize_multiplier((double)srt_q_scale(in, 0) * (double)p->beta / (10.0 / 65535.0),
                                &d->input_multiplier, &shift);
        d->input_left_shift = shift;
        return SRT_OK;
    }
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

/* TFLite's LUTLookup for int16: 9-bit index, 7-bit linear interpolation */
static int16_t lut16(int16_t v, const int16_t *lut) {
    const int32_t index = 256 + ((int32_t)v >> 7);
    const int32_t offset = v & 0x7F;
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int32_t t = slope * offset + 64, delta = t >= 0 ? t >> 7 : ~(~t >> 7); /* floor */
    return (int16_t)(lut[index] + delta);
}

static void softmax_int16_row(const k_softmax_data *d, const int16_t *x, int16_t *y, int32_t depth) {
    int16_t max = INT16_MIN;
    for (int32_t c = 0; c < depth; ++c) if (x[c] > max) max = x[c];
    int32_t sum = 0; /* Q16.15; the exp values are cached in the output, as TFLM does */
    for (int32_t c = 0; c < depth; ++c) {
        const int32_t scaled = srt_mbqm((int32_t)x[c] - max, d->input_multiplier, d->input_left_shift);
        y[c] = lut16((int16_t)srt_clamp_i32(srt_wadd(scaled, 32767), -32768, 32767), d->exp_lut);
        sum = srt_wadd(sum, y[c]);
    }
    int hp1 = 0; /* CountLeadingZeros */
    for (uint32_t u = (uint32_t)sum; hp1 < 32 && !(u & 0x80000000u); u <<= 1) ++hp1;
    if (hp1 < 1 || hp1 > 30) return; /* not reachable: the row maximum alone adds ~32767 */
    const int32_t shifted = (int32_t)((((int64_t)sum << (hp1 - 1)) + (1 << 13)) >> 14);
    const int32_t sym = shifted - ((1 << 15) + (1 << 16));
    const int16_t recip = lut16((int16_t)srt_clamp_i32(sym, -32768, 32767), d->recip_lut);
    const int right_shift = 31 - hp1;
    const int64_t round = (int64_t)1 << (right_shift - 1);
    for (int32_t c = 0; c < depth; ++c) {
        const int64_t r = ((int64_t)y[c] * recip + round) >> right_shift;
        y[c] = (int16_t)(r < 0 ? 0 : (r > 32767 ? 32767 : r));
    }
}

static srt_status softmax_eval(srt_ctx *ctx, srt_node *node) {
    const k_softmax_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "SOFTMAX");
    const int32_t depth = k_dim(in->dims, k_rank(in->dims) - 1);
    if (depth <= 0) return SRT_OK;
    const int32_t rows = k_elements(in->dims) / depth;
    for (int32_t r = 0; r < rows; ++r) {
        if (in->type == SRT_INT16) {
            softmax_int16_row(d, (const int16_t *)in->data + (size_t)r * depth, (int16_t *)out->data + (size_t)r * depth,
                              depth);
        } else if (in->type == SRT_INT8) {
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
 * @op SOFTMAX | int8 (output scale 1/256, zero point -128); int16 (zero points 0, output scale 1/32768); float32 | over the last dimension, any beta
 */
