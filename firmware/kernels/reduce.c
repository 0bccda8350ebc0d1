/* reduce.c - MEAN (int8, int16, float32) over any set of axes, TFLite reference semantics:
 *   float: sum in input row-major order, then sum / (float)count;
 *   int8/int16: integer sum of raw values (int32 scratch), then TFLite's integer QuantizedMeanOrSum:
 *          the in_scale/out_scale multiplier absorbs 1/count (shifted up by floor(log2(count)),
 *          capped at 32 and 31 + shift, divided by count), applied to sum - in_zp * count.
 *          The wheel uses this for equal input/output quantisation too (a truncating integer mean
 *          and a float-rounding variant were both tried and do not match it).
 * Scratch requests as TFLM (facts §5a): [4 x output elements if int8/int16], 4 x input rank, 4 x axis
 * count; PrepareSimple's second output temp is taken for int8 only (reduce_common.cc). */
#include "ops.h"

typedef struct { uint8_t keep_dims; } k_reducer_params;
typedef struct {
    int32_t mult, shift, in_zp, out_zp;
    float in_scale, out_scale;
    int32_t sum_idx, iter_idx, axis_idx, num_axis;
} k_reduce_data;

K_STATIC_FITS(k_reducer_params, SRT_PARAMS_SIZE_MEAN);
K_STATIC_FITS(k_reduce_data, SRT_OPDATA_SIZE_MEAN);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status mean_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_reducer_params *)params)->keep_dims = srt_fb_bool(o, 0, false);
    return SRT_OK;
}

static srt_status mean_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "MEAN";
    k_reduce_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    /* TFLM order: in, out, axis, then (PrepareSimple) in, axis, [out if int8] */
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    const srt_tensor *axis = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, axis, op, "axis"));
    if (in->type != out->type || (in->type != SRT_INT8 && in->type != SRT_INT16 && in->type != SRT_FLOAT32))
        return k_unsupported_type(ctx, op, in->type);
    if (axis->type != SRT_INT32) return k_unsupported_type(ctx, op, axis->type);
    const bool q = in->type == SRT_INT8 || in->type == SRT_INT16;
    if (q) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        int sh;
        srt_quantize_multiplier((double)srt_q_scale(in, 0) / (double)srt_q_scale(out, 0), &d->mult, &sh);
        d->shift = sh;
        d->in_zp = srt_q_zero_point(in, 0);
        d->out_zp = srt_q_zero_point(out, 0);
        d->in_scale = srt_q_scale(in, 0);
        d->out_scale = srt_q_scale(out, 0);
        CHECK(srt_request_scratch(ctx, 4 * (size_t)k_elements(out->dims), &d->sum_idx));
    }
    d->num_axis = k_elements(axis->dims);
    if (d->num_axis > K_MAX_RANK) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: more than %d axes", op, K_MAX_RANK);
    CHECK(srt_request_scratch(ctx, 4 * (size_t)k_rank(in->dims), &d->iter_idx));
    CHECK(srt_request_scratch(ctx, 4 * (size_t)d->num_axis, &d->axis_idx));
    const srt_tensor *t = srt_prepare_input(ctx, node, 0);
    if (!t && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
    t = srt_prepare_input(ctx, node, 1);
    if (!t && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
    if (in->type == SRT_INT8) {
        t = srt_prepare_output(ctx, node, 0);
        if (!t && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
    }
    return SRT_OK;
}

static srt_status mean_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "MEAN";
    const k_reduce_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *ax = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !ax || !out || !in->data || !out->data) return k_missing(ctx, op);
    const int32_t r = k_rank(in->dims);
    if (r > K_MAX_RANK) return srt_fail(ctx, SRT_ERR_MODEL, "%s: rank", op);
    /* resolve axes (negative -> +rank, duplicates dropped) */
    bool reduced[K_MAX_RANK] = {false};
    const int32_t na = k_elements(ax->dims);
    if (na > 0 && !ax->data) return k_missing(ctx, op);
    for (int32_t i = 0; i < na && r > 0; ++i) {
        int32_t a = k_ld_i32(ax->data, i);
        if (a < 0) a += r;
        if (a < 0 || a >= r) return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis %d out of range", op, (int)a);
        reduced[a] = true;
    }
    int64_t count = 1, nout = 1;
    for (int32_t i = 0; i < r; ++i) {
        if (reduced[i]) count *= in->dims->data[i]; else nout *= in->dims->data[i];
    }
    if (nout != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output has %d elements, expected %d", op,
                        (int)k_elements(out->dims), (int)nout);
    const int32_t nin = k_elements(in->dims);
    int32_t idx[K_MAX_RANK] = {0};
    if (in->type == SRT_FLOAT32) {
        float *y = out->data;
        const float *x = in->data;
        for (int64_t i = 0; i < nout; ++i) y[i] = 0.0f;
        for (int32_t k = 0; k < nin; ++k) {
            int64_t o = 0;
            for (int32_t i = 0; i < r; ++i) if (!reduced[i]) o = o * in->dims->data[i] + idx[i];
            y[o] = y[o] + x[k];
            for (int32_t i = r - 1; i >= 0; --i) { if (++idx[i] < in->dims->data[i]) break; idx[i] = 0; }
        }
        if (count > 0) for (int64_t i = 0; i < nout; ++i) y[i] = y[i] / (float)count;
        return SRT_OK;
    }
    int32_t *sum = srt_get_scratch(ctx, d->sum_idx);
    if (!sum && nout > 0) return k_missing(ctx, op);
    const bool i16 = in->type == SRT_INT16;
    for (int64_t i = 0; i < nout; ++i) {
        sum[i] = 0;
        if (i16) ((int16_t *)out->data)[i] = 0; else ((int8_t *)out->data)[i] = 0;
    }
    for (int32_t i = 0; i < r; ++i) if (in->dims->data[i] == 0) return SRT_OK;
    for (int32_t k = 0; k < nin; ++k) {
        int64_t o = 0;
        for (int32_t i = 0; i < r; ++i) if (!reduced[i]) o = o * in->dims->data[i] + idx[i];
        sum[o] = srt_wadd(sum[o], i16 ? ((const int16_t *)in->data)[k] : ((const int8_t *)in->data)[k]);
        for (int32_t i = r - 1; i >= 0; --i) { if (++idx[i] < in->dims->data[i]) break; idx[i] = 0; }
    }
    if (count <= 0) return SRT_OK;
    /* fold 1/count into the requantisation multiplier, then one MultiplyByQuantizedMultiplier of
     * (sum - in_zp * count) */
    int shift = 0;
    for (uint64_t c = (uint64_t)count; c > 1; c >>= 1) ++shift; /* 63 - clz(count) */
    if (shift > 32) shift = 32;
    if (shift > 31 + d->shift) shift = 31 + d->shift;
    if (shift < 0) shift = 0;
    const int32_t mult = (int32_t)((int64_t)((uint64_t)(int64_t)d->mult << shift) / count);
    const int out_shift = d->shift - shift;
    for (int64_t i = 0; i < nout; ++i) {
        const int32_t shifted = srt_wsub(sum[i], srt_wmul(d->in_zp, (int32_t)count));
        const int32_t v = srt_wadd(srt_mbqm(shifted, mult, out_shift), d->out_zp);
        if (i16) ((int16_t *)out->data)[i] = (int16_t)srt_clamp_i32(v, INT16_MIN, INT16_MAX);
        else ((int8_t *)out->data)[i] = (int8_t)srt_clamp_i32(v, -128, 127);
    }
    return SRT_OK;
}

const srt_op srt_op_mean = {
    .builtin_code = 40, .name = "MEAN", .options_type = K_OPT_Reducer,
    .params_size = SRT_PARAMS_SIZE_MEAN, .params_align = SRT_PARAMS_ALIGN_MEAN,
    .parse = mean_parse, .opdata_size = SRT_OPDATA_SIZE_MEAN, .prepare = mean_prepare, .eval = mean_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op MEAN | int8; int16; float32 | any set of axes, keep_dims or not
 */
