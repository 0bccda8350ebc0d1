/* conv16.c - the 16x8 paths of CONV_2D and DEPTHWISE_CONV_2D (int16 activations, int8 per-channel
 * weights), TFLite's reference ConvPerChannel / DepthwiseConvPerChannel for int16: no input or
 * output offset, sum of weight x input (int64, or int32 when CONV_2D's bias is int32), + bias, the
 * matching MultiplyByQuantizedMultiplier, clamp. Prepare is k_conv_prepare (conv.c). */
#include "ops.h"
#include "ops_b.h"

srt_status k_conv16_eval(srt_ctx *ctx, srt_node *node, bool dw) {
    const k_conv_params *p = node->builtin_data;
    const k_conv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    const char *op = dw ? "DEPTHWISE_CONV_2D" : "CONV_2D";
    if (!in || !f || !out || !in->data || !f->data || !out->data) return k_missing(ctx, op);
    const int32_t n = k_dim(in->dims, 0), ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2), ic = k_dim(in->dims, 3);
    const int32_t kh = k_dim(f->dims, 1), kw = k_dim(f->dims, 2);
    const int32_t cout = dw ? k_dim(f->dims, 3) : k_dim(f->dims, 0), fic = dw ? 1 : k_dim(f->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    const int32_t per_group = dw ? 0 : cout / (ic / fic), dm = dw ? cout / ic : 0;
    const void *bias = (b && b->data) ? b->data : NULL;
    /* TFLM: an int32 bias selects the int32 accumulator (CONV_2D only; depthwise reads int64) */
    const bool acc32 = !dw && b && b->type == SRT_INT32;
    const int16_t *x = in->data;
    const int8_t *w = f->data;
    int16_t *y = out->data;
    for (int32_t bt = 0; bt < n; ++bt)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox)
                for (int32_t oc = 0; oc < cout; ++oc) {
                    const int32_t y0 = oy * p->stride_h - d->pad_h, x0 = ox * p->stride_w - d->pad_w;
                    /* conv: the input channels of the group; depthwise: the one input channel */
                    const int32_t c0 = dw ? oc / dm : (oc / per_group) * fic;
                    int64_t acc = 0;
                    int32_t acc_32 = 0;
                    for (int32_t fy = 0; fy < kh; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        for (int32_t fx = 0; fx < kw; ++fx) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
                            const int16_t *xr = x + (((size_t)bt * ih + iy) * iw + ix) * ic + c0;
                            if (dw) {
                                acc += (int64_t)w[((size_t)fy * kw + fx) * cout + oc] * xr[0];
                                continue;
                            }
                            const int8_t *wr = w + (((size_t)oc * kh + fy) * kw + fx) * fic;
                            for (int32_t c = 0; c < fic; ++c) {
                                const int32_t prod = (int32_t)wr[c] * (int32_t)xr[c];
                                if (acc32) acc_32 = srt_wadd(acc_32, prod);
                                else acc += prod;
                            }
                        }
                    }
                    int32_t v;
                    if (acc32) {
                        if (bias) acc_32 = srt_wadd(acc_32, k_ld_i32(bias, oc));
                        v = srt_mbqm(acc_32, d->mult[oc], d->shift[oc]);
                    } else {
                        if (bias) acc = (int64_t)((uint64_t)acc + (uint64_t)k_ld_i64(bias, oc));
                        v = srt_mbqm64(acc, d->mult[oc], d->shift[oc]);
                    }
                    y[(((size_t)bt * oh + oy) * ow + ox) * cout + oc] = (int16_t)srt_clamp_i32(v, d->act_min, d->act_max);
                }
    return SRT_OK;
}
