/* depthwise.c - DEPTHWISE_CONV_2D (int8 per-channel, float32). Prepare is shared with CONV_2D
 * (conv.c). Arithmetic: TFLite reference DepthwiseConvPerChannel / DepthwiseConv (float):
 * output channel = in_channel * depth_multiplier + m, accumulation over filter_y, filter_x. */
#include "ops.h"
#include "ops_b.h"

srt_status k_dw_parse(srt_ctx *ctx, const srt_fb_table *o, void *params);

static srt_status dw_prepare(srt_ctx *ctx, srt_node *node) { return k_conv_prepare(ctx, node, true); }

static srt_status dw_eval(srt_ctx *ctx, srt_node *node) {
    const k_conv_params *p = node->builtin_data;
    const k_conv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !f || !out || !in->data || !f->data || !out->data)
        return k_missing(ctx, "DEPTHWISE_CONV_2D");
    const int32_t n = k_dim(in->dims, 0), ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2),
                  ic = k_dim(in->dims, 3);
    const int32_t kh = k_dim(f->dims, 1), kw = k_dim(f->dims, 2), cout = k_dim(f->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    const int32_t dm = cout / ic;
    const void *bias = (b && b->data) ? b->data : NULL;
    for (int32_t bt = 0; bt < n; ++bt)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t c = 0; c < ic; ++c)
                    for (int32_t m = 0; m < dm; ++m) {
                        const int32_t oc = c * dm + m;
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
                                    const int32_t xv = x[(((size_t)bt * ih + iy) * iw + ix) * ic + c];
                                    const int32_t wv = w[((size_t)fy * kw + fx) * cout + oc];
                                    acc = srt_wadd(acc, wv * (xv - d->in_zp));
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
                                    total += x[(((size_t)bt * ih + iy) * iw + ix) * ic + c] *
                                             w[((size_t)fy * kw + fx) * cout + oc];
                                }
                            }
                            const float bv = bias ? k_ld_f32(bias, oc) : 0.0f;
                            ((float *)out->data)[oidx] = k_act_f(total + bv, d->fact_min, d->fact_max);
                        }
                    }
    return SRT_OK;
}

/* the 16x8 path beside the int8/float one (see conv.c) */
static srt_status dw_eval_by_type(srt_ctx *ctx, srt_node *node) {
    const srt_eval_tensor *in = srt_eval_input(ctx, node, 0);
    if (in && in->type == SRT_INT16) return k_conv16_eval(ctx, node, true);
    return dw_eval(ctx, node);
}

const srt_op srt_op_depthwise_conv_2d = {
    .builtin_code = 4, .name = "DEPTHWISE_CONV_2D", .options_type = K_OPT_DepthwiseConv2D,
    .params_size = SRT_PARAMS_SIZE_DEPTHWISE_CONV_2D, .params_align = SRT_PARAMS_ALIGN_DEPTHWISE_CONV_2D,
    .parse = k_dw_parse, .opdata_size = SRT_OPDATA_SIZE_DEPTHWISE_CONV_2D,
    .prepare = dw_prepare, .eval = dw_eval_by_type,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op DEPTHWISE_CONV_2D | int8 (int8 per-channel weights, int32 bias); int16 (16x8: int8 per-channel weights, int64 bias); float32 | any depth multiplier, dilation; fused activations as CONV_2D
 */
