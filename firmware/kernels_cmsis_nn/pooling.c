/* pooling.c - AVERAGE_POOL_2D, MAX_POOL_2D and SOFTMAX of the CMSIS-NN kernel set.
 *
 * All three keep the reference Prepare and arithmetic; their OpData is CMSIS-NN's (a buffer
 * index or row counts added). AVERAGE_POOL_2D's Prepare then takes the input and output as
 * temporaries a second time and, for int8 on a DSP core, requests 4 B per channel: CMSIS-NN's
 * int32 row accumulator, which the int8 Eval here sums each window into before rounding. */
#include "cmsis_nn.h"

typedef struct {
    k_pool_data ref;     /* first, so the reference Eval can use this OpData */
    int32_t buffer_idx;
} cn_pool_data;

K_STATIC_FITS(cn_pool_data, SRT_CMSIS_OPDATA_SIZE_AVERAGE_POOL_2D);
K_STATIC_FITS(cn_pool_data, SRT_CMSIS_OPDATA_SIZE_MAX_POOL_2D);

static srt_status pool_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_average_pool_2d.parse(ctx, o, params);
}

static srt_status avg_prepare(srt_ctx *ctx, srt_node *node) {
    cn_pool_data *d = node->user_data;
    srt_status st = srt_op_average_pool_2d.prepare(ctx, node);
    if (st != SRT_OK) return st;
    d->buffer_idx = -1;
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    if (!in) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_MODEL;
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    if (!out) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_MODEL;
    if (in->type != SRT_INT8) return SRT_OK;
    const int32_t bytes = cn_avgpool_s8_buffer(SRT_CMSIS_CORE, k_dim(in->dims, 3));
    if (bytes > 0) return srt_request_scratch(ctx, (size_t)bytes, &d->buffer_idx);
    return SRT_OK;
}

static srt_status max_prepare(srt_ctx *ctx, srt_node *node) {
    srt_status st = srt_op_max_pool_2d.prepare(ctx, node);
    ((cn_pool_data *)node->user_data)->buffer_idx = -1;
    return st;
}

static srt_status avg_eval(srt_ctx *ctx, srt_node *node) {
    const k_pool_params *p = node->builtin_data;
    const cn_pool_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "AVERAGE_POOL_2D");
    if (in->type != SRT_INT8 || d->buffer_idx < 0) return srt_op_average_pool_2d.eval(ctx, node);
    int32_t *acc = srt_get_scratch(ctx, d->buffer_idx);
    if (!acc) return srt_fail(ctx, SRT_ERR_INTERNAL, "AVERAGE_POOL_2D: scratch buffer missing");
    const int32_t n = k_dim(in->dims, 0), ih = k_dim(in->dims, 1), iw = k_dim(in->dims, 2),
                  ch = k_dim(in->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    const int8_t *x = in->data;
    int8_t *y = out->data;
    for (int32_t b = 0; b < n; ++b)
        for (int32_t oy = 0; oy < oh; ++oy)
            for (int32_t ox = 0; ox < ow; ++ox) {
                const int32_t x0 = ox * p->stride_w - d->ref.pad_w, y0 = oy * p->stride_h - d->ref.pad_h;
                const int32_t fx0 = x0 < 0 ? -x0 : 0, fy0 = y0 < 0 ? -y0 : 0;
                const int32_t fx1 = (iw - x0) < p->filter_w ? (iw - x0) : p->filter_w;
                const int32_t fy1 = (ih - y0) < p->filter_h ? (ih - y0) : p->filter_h;
                int32_t count = 0;
                for (int32_t c = 0; c < ch; ++c) acc[c] = 0;
                for (int32_t fy = fy0; fy < fy1; ++fy)
                    for (int32_t fx = fx0; fx < fx1; ++fx) {
                        const int8_t *row = x + (((size_t)b * ih + y0 + fy) * iw + x0 + fx) * ch;
                        for (int32_t c = 0; c < ch; ++c) acc[c] = srt_wadd(acc[c], row[c]);
                        ++count;
                    }
                if (count == 0) return srt_fail(ctx, SRT_ERR_MODEL, "AVERAGE_POOL_2D: empty window");
                int8_t *dst = y + (((size_t)b * oh + oy) * ow + ox) * ch;
                for (int32_t c = 0; c < ch; ++c) {
                    const int32_t a = acc[c];
                    const int32_t v = a > 0 ? (a + count / 2) / count : (a - count / 2) / count;
                    dst[c] = (int8_t)srt_clamp_i32(v, d->ref.act_min, d->ref.act_max);
                }
            }
    return SRT_OK;
}

static srt_status max_eval(srt_ctx *ctx, srt_node *node) { return srt_op_max_pool_2d.eval(ctx, node); }

const srt_op srt_cmsis_op_average_pool_2d = {
    .builtin_code = 1, .name = "AVERAGE_POOL_2D", .options_type = K_OPT_Pool2D,
    .params_size = SRT_PARAMS_SIZE_AVERAGE_POOL_2D, .params_align = SRT_PARAMS_ALIGN_AVERAGE_POOL_2D,
    .parse = pool_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_AVERAGE_POOL_2D,
    .prepare = avg_prepare, .eval = avg_eval,
};

const srt_op srt_cmsis_op_max_pool_2d = {
    .builtin_code = 17, .name = "MAX_POOL_2D", .options_type = K_OPT_Pool2D,
    .params_size = SRT_PARAMS_SIZE_MAX_POOL_2D, .params_align = SRT_PARAMS_ALIGN_MAX_POOL_2D,
    .parse = pool_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_MAX_POOL_2D,
    .prepare = max_prepare, .eval = max_eval,
};

/* SOFTMAX: CMSISNNSoftmaxParams = the reference SoftmaxParams + row count and row size; the
 * reference Prepare (which leaves the added fields unused here) and arithmetic. */
static srt_status softmax_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_softmax.parse(ctx, o, params);
}
static srt_status softmax_prepare(srt_ctx *ctx, srt_node *node) { return srt_op_softmax.prepare(ctx, node); }
static srt_status softmax_eval(srt_ctx *ctx, srt_node *node) { return srt_op_softmax.eval(ctx, node); }

const srt_op srt_cmsis_op_softmax = {
    .builtin_code = 25, .name = "SOFTMAX", .options_type = K_OPT_Softmax,
    .params_size = SRT_PARAMS_SIZE_SOFTMAX, .params_align = SRT_PARAMS_ALIGN_SOFTMAX,
    .parse = softmax_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_SOFTMAX,
    .prepare = softmax_prepare, .eval = softmax_eval,
};
