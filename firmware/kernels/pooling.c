/* pooling.c - AVERAGE_POOL_2D and MAX_POOL_2D (int8, float32), TFLite reference arithmetic:
 * the window is clipped to the input (padding cells are not counted); int8 average rounds
 * half away from zero (acc +/- count/2) / count; float average is sum / (float)count. */
#include "ops.h"

K_STATIC_FITS(k_pool_params, SRT_PARAMS_SIZE_AVERAGE_POOL_2D);
K_STATIC_FITS(k_pool_data, SRT_OPDATA_SIZE_AVERAGE_POOL_2D);
K_STATIC_FITS(k_pool_params, SRT_PARAMS_SIZE_MAX_POOL_2D);
K_STATIC_FITS(k_pool_data, SRT_OPDATA_SIZE_MAX_POOL_2D);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status pool_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_pool_params *p = params;
    if (!o) return SRT_OK;
    p->padding = srt_fb_i8(o, 0, 0);
    p->stride_w = srt_fb_i32(o, 1, 0);
    p->stride_h = srt_fb_i32(o, 2, 0);
    p->filter_w = srt_fb_i32(o, 3, 0);
    p->filter_h = srt_fb_i32(o, 4, 0);
    p->activation = srt_fb_i8(o, 5, 0);
    return SRT_OK;
}

static srt_status pool_prepare(srt_ctx *ctx, srt_node *node, const char *op) {
    const k_pool_params *p = node->builtin_data;
    k_pool_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != out->type || (in->type != SRT_INT8 && in->type != SRT_INT16 && in->type != SRT_FLOAT32))
        return k_unsupported_type(ctx, op, in->type);
    if (k_rank(in->dims) != 4 || k_rank(out->dims) != 4 || k_dim(in->dims, 0) != k_dim(out->dims, 0) ||
        k_dim(in->dims, 3) != k_dim(out->dims, 3))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input/output must be 4-D with equal batch and depth", op);
    if (p->stride_w <= 0 || p->stride_h <= 0 || p->filter_w <= 0 || p->filter_h <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: stride and filter size must be positive", op);
    if (p->padding != K_PAD_SAME && p->padding != K_PAD_VALID)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: padding type %d", op, (int)p->padding);
    const int32_t ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2);
    const int32_t eh = k_out_size(p->padding, ih, p->filter_h, p->stride_h, 1);
    const int32_t ew = k_out_size(p->padding, iw, p->filter_w, p->stride_w, 1);
    if ((int64_t)k_dim(out->dims, 1) * p->stride_h + p->filter_h + ih > INT32_MAX / 2 ||
        (int64_t)k_dim(out->dims, 2) * p->stride_w + p->filter_w + iw > INT32_MAX / 2)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: window coordinates overflow", op);
    d->pad_h = k_padding(p->stride_h, 1, ih, p->filter_h, eh);
    d->pad_w = k_padding(p->stride_w, 1, iw, p->filter_w, ew);
    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
        const bool i16 = in->type == SRT_INT16;
        CHECK(k_require_quant(ctx, out, op, "output"));
        CHECK(k_require_quant(ctx, in, op, "input"));
        /* TFLM: output quantization equal to the input's (scale within 1e-6, same zero point) */
        const float ds = srt_q_scale(in, 0) - srt_q_scale(out, 0);
        if (!((double)(ds < 0 ? -ds : ds) <= 1.0e-6) || srt_q_zero_point(in, 0) != srt_q_zero_point(out, 0))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: output quantization differs from the input's", op);
        CHECK(k_act_range_q(ctx, p->activation, out, i16 ? -32768 : -128, i16 ? 32767 : 127, &d->act_min,
                            &d->act_max));
    } else {
        CHECK(k_act_range_f(ctx, p->activation, &d->fact_min, &d->fact_max));
    }
    return SRT_OK;
}

static srt_status avg_prepare(srt_ctx *ctx, srt_node *node) { return pool_prepare(ctx, node, "AVERAGE_POOL_2D"); }
static srt_status max_prepare(srt_ctx *ctx, srt_node *node) { return pool_prepare(ctx, node, "MAX_POOL_2D"); }

static srt_status pool_eval(srt_ctx *ctx, srt_node *node, bool avg) {
    const k_pool_params *p = node->builtin_data;
    const k_pool_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, avg ? "AVERAGE_POOL_2D" : "MAX_POOL_2D");
    const int32_t n = k_dim(in->dims, 0), ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2),
                  ch = k_dim(in->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    for (int32_t b = 0; b < n; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t c = 0; c < ch; ++c) {
                    const int32_t x0 = ox * p->stride_w - d->pad_w, y0 = oy * p->stride_h - d->pad_h;
                    const int32_t fx0 = x0 < 0 ? -x0 : 0, fy0 = y0 < 0 ? -y0 : 0;
                    const int32_t fx1 = (iw - x0) < p->filter_w ? (iw - x0) : p->filter_w;
                    const int32_t fy1 = (ih - y0) < p->filter_h ? (ih - y0) : p->filter_h;
                    const size_t oidx = (((size_t)b * oh + oy) * ow + ox) * ch + c;
                    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
                        const bool i16 = in->type == SRT_INT16; /* same arithmetic, int16 range */
                        int32_t acc = avg ? 0 : (i16 ? -32768 : -128), count = 0;
                        for (int32_t fy = fy0; fy < fy1; ++fy)
                            for (int32_t fx = fx0; fx < fx1; ++fx) {
                                const size_t xi = (((size_t)b * ih + y0 + fy) * iw + x0 + fx) * ch + c;
                                int32_t v = i16 ? ((const int16_t *)in->data)[xi] : ((const int8_t *)in->data)[xi];
                                if (avg) acc = srt_wadd(acc, v); else if (v > acc) acc = v;
                                ++count;
                            }
                        if (avg) {
                            if (count == 0)
                                return srt_fail(ctx, SRT_ERR_MODEL, "AVERAGE_POOL_2D: empty window");
                            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                        }
                        if (i16) ((int16_t *)out->data)[oidx] = (int16_t)srt_clamp_i32(acc, d->act_min, d->act_max);
                        else ((int8_t *)out->data)[oidx] = (int8_t)srt_clamp_i32(acc, d->act_min, d->act_max);
                    } else {
                        const float *x = in->data;
                        float acc = avg ? 0.0f : -3.40282347e+38f;
                        int32_t count = 0;
                        for (int32_t fy = fy0; fy < fy1; ++fy)
                            for (int32_t fx = fx0; fx < fx1; ++fx) {
                                float v = x[(((size_t)b * ih + y0 + fy) * iw + x0 + fx) * ch + c];
                                if (avg) acc += v; else if (acc < v) acc = v; /* std::max(acc, v) */
                                ++count;
                            }
                        if (avg) {
                            if (count == 0)
                                return srt_fail(ctx, SRT_ERR_MODEL, "AVERAGE_POOL_2D: empty window");
                            acc = acc / (float)count;
                        }
                        ((float *)out->data)[oidx] = k_act_f(acc, d->fact_min, d->fact_max);
                    }
                }
    return SRT_OK;
}

static srt_status avg_eval(srt_ctx *ctx, srt_node *node) { return pool_eval(ctx, node, true); }
static srt_status max_eval(srt_ctx *ctx, srt_node *node) { return pool_eval(ctx, node, false); }

const srt_op srt_op_average_pool_2d = {
    .builtin_code = 1, .name = "AVERAGE_POOL_2D", .options_type = K_OPT_Pool2D,
    .params_size = SRT_PARAMS_SIZE_AVERAGE_POOL_2D, .params_align = SRT_PARAMS_ALIGN_AVERAGE_POOL_2D,
    .parse = pool_parse, .opdata_size = SRT_OPDATA_SIZE_AVERAGE_POOL_2D,
    .prepare = avg_prepare, .eval = avg_eval,
};
const srt_op srt_op_max_pool_2d = {
    .builtin_code = 17, .name = "MAX_POOL_2D", .options_type = K_OPT_Pool2D,
    .params_size = SRT_PARAMS_SIZE_MAX_POOL_2D, .params_align = SRT_PARAMS_ALIGN_MAX_POOL_2D,
    .parse = pool_parse, .opdata_size = SRT_OPDATA_SIZE_MAX_POOL_2D,
    .prepare = max_prepare, .eval = max_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op AVERAGE_POOL_2D | int8; int16; float32 | SAME/VALID; fused activations
 * @op MAX_POOL_2D | int8; int16; float32 | SAME/VALID; fused activations
 */
