/* norm.c - L2_NORMALIZATION (float32; int8 with output scale 1/128), L2_POOL_2D (float32 only in
 * TFLM) and CUMSUM (float32; int8 by TFLM's 20-bit left-shifted rescaling). Float sums run in the
 * reference order without contraction; int8 follows TFLite's fixed-point helpers (quant.h). */
#include "ops_b.h"

#include "libm_compat.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* ---- L2_NORMALIZATION: in, out ---- */
typedef uint8_t k_l2norm_params;            /* TfLiteL2NormParams {TfLiteFusedActivation activation} */
typedef struct { int32_t input_zero_point; } k_l2norm_data;
K_STATIC_FITS(k_l2norm_params, SRT_PARAMS_SIZE_L2_NORMALIZATION);
K_STATIC_FITS(k_l2norm_data, SRT_OPDATA_SIZE_L2_NORMALIZATION);

static srt_status l2norm_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    *(k_l2norm_params *)params = o ? srt_fb_u8(o, 0, 0) : 0;
    return SRT_OK;
}

static srt_status l2norm_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "L2_NORMALIZATION";
    k_l2norm_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (k_rank(in->dims) > 4 || k_rank(in->dims) < 1 || !k_same_dims(in->dims, out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output must have one shape of rank 1..4", op);
    if ((out->type != SRT_FLOAT32 && out->type != SRT_INT8) || in->type != out->type)
        return k_unsupported_type(ctx, op, out->type);
    if (out->type == SRT_INT8) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        d->input_zero_point = srt_q_zero_point(in, 0);
    } else {
        d->input_zero_point = 0;
    }
    if (*(const k_l2norm_params *)node->builtin_data != K_ACT_NONE)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: fused activation %d", op,
                        (int)*(const k_l2norm_params *)node->builtin_data);
    return SRT_OK;
}

static srt_status l2norm_eval(srt_ctx *ctx, srt_node *node) {
    const k_l2norm_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "L2_NORMALIZATION");
    const int32_t depth = in->dims->data[in->dims->size - 1];
    const int32_t outer = depth ? k_elements(in->dims) / depth : 0;
    if (in->type == SRT_FLOAT32) {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < outer; ++i) {
            float sq = 0;
            for (int32_t c = 0; c < depth; ++c) {
                const float v = x[(size_t)depth * i + c];
                sq += v * v;
            }
            float norm = k_sqrtf(sq);
            norm = norm < 1e-6f ? 1e-6f : norm; /* std::max(norm, epsilon) */
            for (int32_t c = 0; c < depth; ++c) y[(size_t)depth * i + c] = x[(size_t)depth * i + c] / norm;
        }
        return SRT_OK;
    }
    const int8_t *x = in->data;
    int8_t *y = out->data;
    for (int32_t i = 0; i < outer; ++i) {
        int32_t acc = 0;
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = (int32_t)x[(size_t)depth * i + c] - d->input_zero_point;
            acc = srt_wadd(acc, v * v);
        }
        int32_t m;
        int s;
        srt_inv_sqrt_multiplier(acc, &m, &s);
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = (int32_t)x[(size_t)depth * i + c] - d->input_zero_point;
            y[(size_t)depth * i + c] = (int8_t)srt_clamp_i32(srt_mbqm(v, m, s + 7), -128, 127);
        }
    }
    return SRT_OK;
}

/* ---- L2_POOL_2D: out, in (TFLM's order), then the output dims copy ---- */
typedef struct {
    int32_t padding, stride_w, stride_h, filter_w, filter_h, activation;
    int32_t computed_pad_w, computed_pad_h; /* TfLitePoolParams.computed.padding, set in Prepare */
} k_l2pool_params;
K_STATIC_FITS(k_l2pool_params, SRT_PARAMS_SIZE_L2_POOL_2D);

static srt_status l2pool_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_l2pool_params *p = params;
    if (!o) return SRT_OK;
    p->padding = srt_fb_i8(o, 0, 0);
    p->stride_w = srt_fb_i32(o, 1, 0);
    p->stride_h = srt_fb_i32(o, 2, 0);
    p->filter_w = srt_fb_i32(o, 3, 0);
    p->filter_h = srt_fb_i32(o, 4, 0);
    p->activation = srt_fb_i8(o, 5, 0);
    return SRT_OK;
}

static srt_status l2pool_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "L2_POOL_2D";
    k_l2pool_params *p = node->builtin_data;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    if (k_rank(in->dims) != 4 || k_rank(out->dims) != 4)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output must be 4-D", op);
    if (in->type != SRT_FLOAT32 || out->type != SRT_FLOAT32) return k_unsupported_type(ctx, op, in->type);
    if (p->stride_w <= 0 || p->stride_h <= 0 || p->filter_w <= 0 || p->filter_h <= 0 || p->stride_w > 65535 ||
        p->stride_h > 65535 || p->filter_w > 65535 || p->filter_h > 65535)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: stride and filter size must be 1..65535", op);
    if (p->padding != K_PAD_SAME && p->padding != K_PAD_VALID)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: padding type %d", op, (int)p->padding);
    if (p->activation != K_ACT_NONE && p->activation != K_ACT_RELU && p->activation != K_ACT_RELU6 &&
        p->activation != K_ACT_RELU_N1_TO_1)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: fused activation %d", op, (int)p->activation);
    const int32_t ih = in->dims->data[1], iw = in->dims->data[2];
    const int32_t oh = k_out_size(p->padding, ih, p->filter_h, p->stride_h, 1);
    const int32_t ow = k_out_size(p->padding, iw, p->filter_w, p->stride_w, 1);
    p->computed_pad_h = k_padding(p->stride_h, 1, ih, p->filter_h, oh);
    p->computed_pad_w = k_padding(p->stride_w, 1, iw, p->filter_w, ow);
    srt_ivec *copy;
    CHECK(k_dims_copy(ctx, out, &copy));
    if (copy->data[0] != in->dims->data[0] || copy->data[1] != oh || copy->data[2] != ow ||
        copy->data[3] != in->dims->data[3])
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match the pooling", op);
    return SRT_OK;
}

static srt_status l2pool_eval(srt_ctx *ctx, srt_node *node) {
    const k_l2pool_params *p = node->builtin_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "L2_POOL_2D");
    float lo, hi;
    CHECK(k_act_range_f(ctx, p->activation, &lo, &hi));
    const int32_t nb = in->dims->data[0], ih = in->dims->data[1], iw = in->dims->data[2], ch = in->dims->data[3];
    const int32_t oh = out->dims->data[1], ow = out->dims->data[2];
    const float *x = in->data;
    float *y = out->data;
    for (int32_t b = 0; b < nb; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t c = 0; c < ch; ++c) {
                    const int32_t x0 = ox * p->stride_w - p->computed_pad_w, y0 = oy * p->stride_h - p->computed_pad_h;
                    const int32_t fxs = x0 < 0 ? -x0 : 0, fys = y0 < 0 ? -y0 : 0;
                    const int32_t fxe = p->filter_w < iw - x0 ? p->filter_w : iw - x0;
                    const int32_t fye = p->filter_h < ih - y0 ? p->filter_h : ih - y0;
                    float sum = 0.f;
                    int32_t count = 0;
                    for (int32_t fy = fys; fy < fye; ++fy)
                        for (int32_t fx = fxs; fx < fxe; ++fx) {
                            const float v = x[(((size_t)b * ih + (y0 + fy)) * iw + (x0 + fx)) * ch + c];
                            sum += v * v;
                            ++count;
                        }
                    /* an empty window divides by 0 in TFLM too (NaN) */
                    y[(((size_t)b * oh + oy) * ow + ox) * ch + c] = k_act_f(k_sqrtf(sum / (float)count), lo, hi);
                }
    return SRT_OK;
}

/* ---- CUMSUM: in, axis, out; int8 allocates its OpData in Prepare ---- */
typedef struct { bool exclusive, reverse; } k_cumsum_params;
K_STATIC_FITS(k_cumsum_params, SRT_PARAMS_SIZE_CUMSUM);
typedef struct {
    int32_t act_min, act_max, in_offset, out_offset, in_mult, out_mult, in_shift, out_shift, left_shift;
} k_cumsum_data;
K_STATIC_FITS(k_cumsum_data, SRT_PREPARE_SIZE_CUMSUM);

static srt_status cumsum_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_cumsum_params *p = params;
    p->exclusive = o ? srt_fb_bool(o, 0, false) : false;
    p->reverse = o ? srt_fb_bool(o, 1, false) : false;
    return SRT_OK;
}

static srt_status cumsum_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "CUMSUM";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *axis = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, axis, op, "axis"));
    if (in->type != SRT_FLOAT32 && in->type != SRT_INT8) return k_unsupported_type(ctx, op, in->type);
    if (axis->type != SRT_INT32 || k_elements(axis->dims) != 1 || k_rank(in->dims) < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: needs an int32 scalar axis and an input of rank >= 1", op);
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (out->type != in->type || !k_same_dims(in->dims, out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output must have the input's type and shape", op);
    if (in->type != SRT_INT8) return SRT_OK;
    k_cumsum_data *d = srt_alloc_persistent(ctx, SRT_PREPARE_SIZE_CUMSUM);
    if (!d) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    node->user_data = d;
    CHECK(k_require_quant(ctx, in, op, "input"));
    CHECK(k_require_quant(ctx, out, op, "output"));
    d->in_offset = -srt_q_zero_point(in, 0);
    d->out_offset = srt_q_zero_point(out, 0);
    d->left_shift = 20;
    const double twice_max = 2 * (double)srt_q_scale(in, 0);
    int sh;
    srt_quantize_multiplier((double)srt_q_scale(in, 0) / twice_max, &d->in_mult, &sh);
    d->in_shift = sh;
    srt_quantize_multiplier(twice_max / ((double)(1 << 20) * (double)srt_q_scale(out, 0)), &d->out_mult, &sh);
    d->out_shift = sh;
    return k_act_range_q(ctx, K_ACT_NONE, out, -128, 127, &d->act_min, &d->act_max);
}

static srt_status cumsum_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "CUMSUM";
    const k_cumsum_params *p = node->builtin_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *ax = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !ax || !out || !in->data || !ax->data || !out->data) return k_missing(ctx, op);
    const int32_t rank = in->dims->size;
    int32_t axis = k_ld_i32(ax->data, 0);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return srt_fail(ctx, SRT_ERR_MODEL, "%s: invalid axis %d", op, (int)axis);
    size_t inner = 1, outer = 1, depth = 1;
    for (int32_t i = 0; i < rank; ++i) {
        if (i < axis) inner *= (size_t)in->dims->data[i];
        else if (i > axis) outer *= (size_t)in->dims->data[i];
        else depth = (size_t)in->dims->data[i];
    }
    const k_cumsum_data *d = node->user_data;
    if (in->type == SRT_INT8 && !d) return k_missing(ctx, op);
    for (size_t o = 0; o < outer; ++o) {
        const size_t oa = p->reverse ? outer - 1 - o : o;
        for (size_t i = 0; i < inner; ++i) {
            const size_t ia = p->reverse ? inner - 1 - i : i;
            if (in->type == SRT_FLOAT32) {
                const float *x = in->data;
                float *y = out->data;
                float acc = 0;
                for (size_t k = 0; k < depth; ++k) {
                    const size_t idx = oa + ia * depth * outer + (p->reverse ? depth - 1 - k : k) * outer;
                    if (p->exclusive) { y[idx] = acc; acc += x[idx]; }
                    else { acc += x[idx]; y[idx] = acc; }
                }
                continue;
            }
            const int8_t *x = in->data;
            int8_t *y = out->data;
            int32_t acc = srt_mbqm_lt1(srt_wmul(d->in_offset, 1 << d->left_shift), d->in_mult, d->in_shift);
            for (size_t k = 0; k < depth; ++k) {
                const size_t idx = oa + ia * depth * outer + (p->reverse ? depth - 1 - k : k) * outer;
                const int32_t v = srt_mbqm_lt1(srt_wmul(d->in_offset + x[idx], 1 << d->left_shift), d->in_mult,
                                               d->in_shift);
                int32_t s;
                if (p->exclusive) { s = acc; acc = srt_wadd(acc, v); }
                else { acc = srt_wadd(acc, v); s = acc; }
                const int32_t r = srt_wadd(srt_mbqm_lt1(s, d->out_mult, d->out_shift), d->out_offset);
                y[idx] = (int8_t)srt_clamp_i32(r, d->act_min, d->act_max);
            }
        }
    }
    return SRT_OK;
}

const srt_op srt_op_l2_normalization = {
    .builtin_code = 11, .name = "L2_NORMALIZATION", .options_type = 12,
    .params_size = SRT_PARAMS_SIZE_L2_NORMALIZATION, .params_align = SRT_PARAMS_ALIGN_L2_NORMALIZATION,
    .parse = l2norm_parse, .opdata_size = SRT_OPDATA_SIZE_L2_NORMALIZATION, .prepare = l2norm_prepare,
    .eval = l2norm_eval,
};
const srt_op srt_op_l2_pool_2d = {
    .builtin_code = 12, .name = "L2_POOL_2D", .options_type = 5,
    .params_size = SRT_PARAMS_SIZE_L2_POOL_2D, .params_align = SRT_PARAMS_ALIGN_L2_POOL_2D,
    .parse = l2pool_parse, .opdata_size = SRT_OPDATA_SIZE_L2_POOL_2D, .prepare = l2pool_prepare, .eval = l2pool_eval,
};
const srt_op srt_op_cumsum = {
    .builtin_code = 128, .name = "CUMSUM", .options_type = 102,
    .params_size = SRT_PARAMS_SIZE_CUMSUM, .params_align = SRT_PARAMS_ALIGN_CUMSUM,
    .parse = cumsum_parse, .opdata_size = SRT_OPDATA_SIZE_CUMSUM, .prepare = cumsum_prepare, .eval = cumsum_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op L2_NORMALIZATION | int8 (output scale 1/128, zero point 0); float32 | rank <= 4, over the last dimension; no fused activation
 * @op L2_POOL_2D | float32 (TFLM has no integer L2_POOL_2D) | SAME/VALID; fused activations
 * @op CUMSUM | int8; float32 | any axis (int32 scalar), exclusive, reverse
 */
