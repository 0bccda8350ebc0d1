/* conv.c - CONV_2D (int8 per-channel, float32) and the Prepare it shares with DEPTHWISE_CONV_2D.
 * Arithmetic: TFLite reference ConvPerChannel / Conv (float), accumulation order
 * filter_y, filter_x, in_channel; bias added after the sum; per-channel requantisation. */
#include "ops.h"
#include "ops_b.h"

K_STATIC_FITS(k_conv_params, SRT_PARAMS_SIZE_CONV_2D);
K_STATIC_FITS(k_conv_data, SRT_OPDATA_SIZE_CONV_2D);
K_STATIC_FITS(k_conv_params, SRT_PARAMS_SIZE_DEPTHWISE_CONV_2D);
K_STATIC_FITS(k_conv_data, SRT_OPDATA_SIZE_DEPTHWISE_CONV_2D);

static srt_status conv_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_conv_params *p = params;
    if (!o) return SRT_OK; /* TFLM leaves the struct zeroed; Prepare rejects stride 0 */
    p->padding = srt_fb_i8(o, 0, 0);
    p->stride_w = srt_fb_i32(o, 1, 0);
    p->stride_h = srt_fb_i32(o, 2, 0);
    p->activation = srt_fb_i8(o, 3, 0);
    p->dilation_w = srt_fb_i32(o, 4, 1);
    p->dilation_h = srt_fb_i32(o, 5, 1);
    return SRT_OK;
}

static srt_status dw_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_conv_params *p = params;
    if (!o) return SRT_OK;
    p->padding = srt_fb_i8(o, 0, 0);
    p->stride_w = srt_fb_i32(o, 1, 0);
    p->stride_h = srt_fb_i32(o, 2, 0);
    p->depth_multiplier = srt_fb_i32(o, 3, 0);
    p->activation = srt_fb_i8(o, 4, 0);
    p->dilation_w = srt_fb_i32(o, 5, 1);
    p->dilation_h = srt_fb_i32(o, 6, 1);
    return SRT_OK;
}

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)
#define TMP(t) do { if (!(t) && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx); } while (0)

srt_status k_conv_prepare(srt_ctx *ctx, srt_node *node, bool dw) {
    k_io4 io;
    return k_conv_prepare_io(ctx, node, dw, false, &io);
}

srt_status k_conv_prepare_io(srt_ctx *ctx, srt_node *node, bool dw, bool cmsis_order, k_io4 *io) {
    const char *op = dw ? "DEPTHWISE_CONV_2D" : "CONV_2D";
    const k_conv_params *p = node->builtin_data;
    k_conv_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 3, 1, op));
    /* Reference order: out, in, filter, [per-channel arrays], in, filter, [bias], out.
     * CMSIS-NN's Prepare takes in, filter, out first, and the per-channel arrays only for
     * quantized inputs (its float path never reads them). The second half is the shared
     * CalculateOpData helper's, the same in both. */
    const srt_tensor *out = NULL, *in, *filter;
    if (!cmsis_order) {
        out = srt_prepare_output(ctx, node, 0);
        CHECK(k_check_tensor(ctx, out, op, "output"));
    }
    in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    filter = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, filter, op, "filter"));
    if (cmsis_order) {
        out = srt_prepare_output(ctx, node, 0);
        CHECK(k_check_tensor(ctx, out, op, "output"));
    }
    if (k_rank(in->dims) != 4 || k_rank(filter->dims) != 4 || k_rank(out->dims) != 4)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input, filter and output must be 4-D", op);
    const int32_t cout = dw ? k_dim(filter->dims, 3) : k_dim(filter->dims, 0);
    if (cout <= 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: filter has no output channels", op);
    if (!cmsis_order || in->type == SRT_INT8 || in->type == SRT_INT16) {
        d->mult = srt_alloc_persistent(ctx, 4 * (size_t)cout);
        d->shift = srt_alloc_persistent(ctx, 4 * (size_t)cout);
        if (!d->mult || !d->shift) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    }
    in = srt_prepare_input(ctx, node, 0);
    TMP(in);
    filter = srt_prepare_input(ctx, node, 1);
    TMP(filter);
    const srt_tensor *bias = NULL;
    if (node->inputs->size > 2) {
        bias = srt_prepare_input(ctx, node, 2);
        TMP(bias);
        if (bias) CHECK(k_check_tensor(ctx, bias, op, "bias"));
    }
    out = srt_prepare_output(ctx, node, 0);
    TMP(out);
    io->in = in;
    io->filter = filter;
    io->bias = bias;
    io->out = out;

    /* types (int16: 16x8 with an int64 bias, or int32 for CONV_2D, as TFLM) */
    const bool is_int16 = in->type == SRT_INT16 && filter->type == SRT_INT8 && out->type == SRT_INT16 &&
                          (!bias || bias->type == SRT_INT64 || (!dw && bias->type == SRT_INT32));
    const bool is_int8 = in->type == SRT_INT8 || is_int16;
    if (!(is_int16 || (in->type == SRT_INT8 && filter->type == SRT_INT8 && out->type == SRT_INT8 &&
           (!bias || bias->type == SRT_INT32)) ||
          (in->type == SRT_FLOAT32 && filter->type == SRT_FLOAT32 && out->type == SRT_FLOAT32 &&
           (!bias || bias->type == SRT_FLOAT32))))
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: %s input with %s filter not supported", op,
                        srt_type_name(in->type), srt_type_name(filter->type));

    /* shapes: NHWC input, OHWI (conv) or 1HWO (depthwise) filter */
    const int32_t n = k_dim(in->dims, 0), ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2),
                  ic = k_dim(in->dims, 3);
    const int32_t kh = k_dim(filter->dims, 1), kw = k_dim(filter->dims, 2);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    if (k_dim(out->dims, 0) != n || k_dim(out->dims, 3) != cout || kh <= 0 || kw <= 0 || ic <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output/filter shape does not match input", op);
    if (dw) {
        if (k_dim(filter->dims, 0) != 1 || cout % ic != 0)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: output channels not a multiple of input channels", op);
    } else {
        const int32_t fic = k_dim(filter->dims, 3);
        if (fic <= 0 || ic % fic != 0 || cout % (ic / fic) != 0)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: filter depth does not divide input depth", op);
    }
    if (bias && k_elements(bias->dims) < cout)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias has fewer than %d elements", op, (int)cout);
    if (p->stride_w <= 0 || p->stride_h <= 0 || p->dilation_w <= 0 || p->dilation_h <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: stride and dilation must be positive", op);
    if (p->padding != K_PAD_SAME && p->padding != K_PAD_VALID)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: padding type %d", op, (int)p->padding);
    const int32_t eh = k_out_size(p->padding, ih, kh, p->stride_h, p->dilation_h);
    const int32_t ew = k_out_size(p->padding, iw, kw, p->stride_w, p->dilation_w);
    if ((int64_t)oh * p->stride_h + (int64_t)kh * p->dilation_h + ih > INT32_MAX / 2 ||
        (int64_t)ow * p->stride_w + (int64_t)kw * p->dilation_w + iw > INT32_MAX / 2)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: window coordinates overflow", op);
    d->pad_h = k_padding(p->stride_h, p->dilation_h, ih, kh, eh);
    d->pad_w = k_padding(p->stride_w, p->dilation_w, iw, kw, ew);
    /* TFLM iterates over the output tensor's own shape (oh, ow); reads outside the input are skipped */

    if (is_int8) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        CHECK(k_require_quant(ctx, filter, op, "filter"));
        if (filter->nscales != 1 && filter->nscales != cout)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d filter scales for %d channels", op,
                            (int)filter->nscales, (int)cout);
        const double in_scale = (double)srt_q_scale(in, 0);
        const double out_scale = (double)srt_q_scale(out, 0);
        for (int32_t c = 0; c < cout; ++c) {
            const double fs = (double)srt_q_scale(filter, filter->nscales > 1 ? c : 0);
            int shift;
            srt_quantize_multiplier(in_scale * fs / out_scale, &d->mult[c], &shift);
            d->shift[c] = shift;
        }
        d->in_zp = srt_q_zero_point(in, 0);
        d->out_zp = srt_q_zero_point(out, 0);
        CHECK(k_act_range_q(ctx, p->activation, out, is_int16 ? -32768 : -128, is_int16 ? 32767 : 127,
                            &d->act_min, &d->act_max));
    } else {
        CHECK(k_act_range_f(ctx, p->activation, &d->fact_min, &d->fact_max));
    }
    return SRT_OK;
}

static srt_status conv_prepare(srt_ctx *ctx, srt_node *node) { return k_conv_prepare(ctx, node, false); }

static srt_status conv_eval(srt_ctx *ctx, srt_node *node) {
    const k_conv_params *p = node->builtin_data;
    const k_conv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !f || !out || !in->data || !f->data || !out->data) return k_missing(ctx, "CONV_2D");
    const int32_t n = k_dim(in->dims, 0), ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2),
                  ic = k_dim(in->dims, 3);
    const int32_t cout = k_dim(f->dims, 0), kh = k_dim(f->dims, 1), kw = k_dim(f->dims, 2),
                  fic = k_dim(f->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    const int32_t groups = ic / fic, per_group = cout / groups;
    const void *bias = (b && b->data) ? b->data : NULL;
    for (int32_t bt = 0; bt < n; ++bt)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t oc = 0; oc < cout; ++oc) {
                    const int32_t g = oc / per_group;
                    const int32_t y0 = oy * p->stride_h - d->pad_h;
                    const int32_t x0 = ox * p->stride_w - d->pad_w;
                    const size_t oidx = (((size_t)bt * oh + oy) * ow + ox) * cout + oc;
                    if (in->type == SRT_INT8) {
                        const int8_t *x = in->data, *w = f->data;
                        int32_t acc = 0;
                        for (int32_t fy = 0; fy < kh; ++fy) {
                            const int32_t iy = y0 + p->dilation_h * fy;
                            for (int32_t fx = 0; fx < kw; ++fx) {
                                const int32_t ix = x0 + p->dilation_w * fx;
                                if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
                                const int8_t *xr = x + (((size_t)bt * ih + iy) * iw + ix) * ic + (size_t)g * fic;
                                const int8_t *wr = w + (((size_t)oc * kh + fy) * kw + fx) * fic;
                                for (int32_t c = 0; c < fic; ++c)
                                    acc = srt_wadd(acc, (int32_t)wr[c] * ((int32_t)xr[c] - d->in_zp));
                            }
                        }
                        if (bias) acc = srt_wadd(acc, k_ld_i32(bias, oc));
                        acc = srt_mbqm(acc, d->mult[oc], d->shift[oc]);
                        acc = srt_wadd(acc, d->out_zp);
                        ((int8_t *)out->data)[oidx] = (int8_t)srt_clamp_i32(acc, d->act_min, d->act_max);
                    } else {
                        const float *x = in->data, *w = f->data;
                        float total = 0.0f;
                        for (int32_t fy = 0; fy < kh; ++fy) {
                            const int32_t iy = y0 + p->dilation_h * fy;
                            for (int32_t fx = 0; fx < kw; ++fx) {
                                const int32_t ix = x0 + p->dilation_w * fx;
                                if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
                                const float *xr = x + (((size_t)bt * ih + iy) * iw + ix) * ic + (size_t)g * fic;
                                const float *wr = w + (((size_t)oc * kh + fy) * kw + fx) * fic;
                                for (int32_t c = 0; c < fic; ++c) total += xr[c] * wr[c];
                            }
                        }
                        const float bv = bias ? k_ld_f32(bias, oc) : 0.0f;
                        ((float *)out->data)[oidx] = k_act_f(total + bv, d->fact_min, d->fact_max);
                    }
                }
    return SRT_OK;
}

/* The 16x8 path runs beside the int8/float one, not inside it: the static stack bound of the op
 * (flows/calibrate) is then the larger of the two, not their sum. */
static srt_status conv_eval_by_type(srt_ctx *ctx, srt_node *node) {
    const srt_eval_tensor *in = srt_eval_input(ctx, node, 0);
    if (in && in->type == SRT_INT16) return k_conv16_eval(ctx, node, false);
    return conv_eval(ctx, node);
}

const srt_op srt_op_conv_2d = {
    .builtin_code = 3, .name = "CONV_2D", .options_type = K_OPT_Conv2D,
    .params_size = SRT_PARAMS_SIZE_CONV_2D, .params_align = SRT_PARAMS_ALIGN_CONV_2D,
    .parse = conv_parse, .opdata_size = SRT_OPDATA_SIZE_CONV_2D,
    .prepare = conv_prepare, .eval = conv_eval_by_type,
};

/* depthwise.c owns the eval; its parse lives here with the shared params struct */
srt_status k_dw_parse(srt_ctx *ctx, const srt_fb_table *o, void *params);
srt_status k_dw_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) { return dw_parse(ctx, o, params); }

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op CONV_2D | int8 (int8 per-channel or per-tensor weights, int32 bias); int16 (16x8: int8 per-channel weights, int64 or int32 bias; no bias: int64 accumulation); float32 | SAME/VALID padding, strides, dilation, grouped convolution; fused NONE, RELU, RELU_N1_TO_1, RELU6
 */
