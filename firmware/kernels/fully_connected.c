/* fully_connected.c - FULLY_CONNECTED (int8 per-tensor and per-channel weights, float32).
 * Arithmetic: TFLite reference FullyConnected / FullyConnectedPerChannel: for each batch row and
 * output unit, acc = sum_d (w + w_offset) * (x + x_offset) in input order, + bias, requantised. */
#include "ops.h"

K_STATIC_FITS(k_fc_params, SRT_PARAMS_SIZE_FULLY_CONNECTED);
K_STATIC_FITS(k_fc_data, SRT_OPDATA_SIZE_FULLY_CONNECTED);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status fc_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_fc_params *p = params;
    if (!o) return SRT_OK;
    p->activation = srt_fb_u8(o, 0, 0);
    p->weights_format = srt_fb_u8(o, 1, 0);
    p->keep_num_dims = srt_fb_bool(o, 2, false);
    p->asymmetric_quantize_inputs = srt_fb_bool(o, 3, false);
    p->quantized_bias_type = srt_fb_u8(o, 4, 0);
    return SRT_OK;
}

static srt_status fc_prepare(srt_ctx *ctx, srt_node *node) {
    k_io4 io;
    return k_fc_prepare_io(ctx, node, &io);
}

srt_status k_fc_prepare_io(srt_ctx *ctx, srt_node *node, k_io4 *io) {
    static const char op[] = "FULLY_CONNECTED";
    const k_fc_params *p = node->builtin_data;
    k_fc_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 3, 1, op));
    /* TFLM order: in, filter, [bias], out, then the per-channel arrays */
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *filter = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, filter, op, "filter"));
    const srt_tensor *bias = NULL;
    if (node->inputs->size > 2) {
        bias = srt_prepare_input(ctx, node, 2);
        if (!bias && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
        if (bias) CHECK(k_check_tensor(ctx, bias, op, "bias"));
    }
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    io->in = in;
    io->filter = filter;
    io->bias = bias;
    io->out = out;
    if (p->weights_format != 0)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: shuffled weights format not supported", op);

    /* int16: 16x8 with an int32 or int64 bias, as TFLM */
    const bool is_int16 = in->type == SRT_INT16 && filter->type == SRT_INT8 && out->type == SRT_INT16 &&
                          (!bias || bias->type == SRT_INT32 || bias->type == SRT_INT64);
    const bool is_int8 = in->type == SRT_INT8 || is_int16;
    if (!(is_int16 || (in->type == SRT_INT8 && filter->type == SRT_INT8 && out->type == SRT_INT8 &&
           (!bias || bias->type == SRT_INT32)) ||
          (in->type == SRT_FLOAT32 && filter->type == SRT_FLOAT32 && out->type == SRT_FLOAT32 &&
           (!bias || bias->type == SRT_FLOAT32))))
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: %s input with %s weights not supported", op,
                        srt_type_name(in->type), srt_type_name(filter->type));
    if (k_rank(filter->dims) != 2 || k_rank(out->dims) < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: weights must be 2-D", op);
    const int32_t units = k_dim(filter->dims, 0), depth = k_dim(filter->dims, 1);
    if (units <= 0 || k_dim(out->dims, k_rank(out->dims) - 1) != units)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output depth does not match the weights", op);
    const int32_t batches = k_elements(out->dims) / units;
    if ((int64_t)batches * depth > k_elements(in->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input smaller than batches x depth", op);
    if (bias && k_elements(bias->dims) < units)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias shorter than the output depth", op);

    if (is_int8) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        CHECK(k_require_quant(ctx, filter, op, "weights"));
        const double in_scale = (double)srt_q_scale(in, 0), out_scale = (double)srt_q_scale(out, 0);
        if (filter->nscales > 1) {
            if (filter->nscales != units)
                return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d weight scales for %d units", op,
                                (int)filter->nscales, (int)units);
            d->pc_mult = srt_alloc_persistent(ctx, 4 * (size_t)units);
            d->pc_shift = srt_alloc_persistent(ctx, 4 * (size_t)units);
            if (!d->pc_mult || !d->pc_shift) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
            for (int32_t c = 0; c < units; ++c) {
                int shift;
                srt_quantize_multiplier(in_scale * (double)srt_q_scale(filter, c) / out_scale,
                                        &d->pc_mult[c], &shift);
                d->pc_shift[c] = shift;
            }
        } else {
            int shift;
            srt_quantize_multiplier(in_scale * (double)srt_q_scale(filter, 0) / out_scale, &d->mult, &shift);
            d->shift = shift;
        }
        d->in_zp = srt_q_zero_point(in, 0);
        d->filter_zp = srt_q_zero_point(filter, 0);
        d->out_zp = srt_q_zero_point(out, 0);
        CHECK(k_act_range_q(ctx, p->activation, out, is_int16 ? -32768 : -128, is_int16 ? 32767 : 127,
                            &d->act_min, &d->act_max));
    } else {
        CHECK(k_act_range_f(ctx, p->activation, &d->fact_min, &d->fact_max));
    }
    return SRT_OK;
}

static srt_status fc_eval(srt_ctx *ctx, srt_node *node) {
    const k_fc_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !f || !out || !in->data || !f->data || !out->data) return k_missing(ctx, "FULLY_CONNECTED");
    const int32_t units = k_dim(f->dims, 0), depth = k_dim(f->dims, 1);
    const int32_t batches = k_elements(out->dims) / units;
    const void *bias = (b && b->data) ? b->data : NULL;
    /* int16: TFLM accumulates in int32 with an int32 bias (or none and quantized_bias_type INT32) */
    const k_fc_params *p = node->builtin_data;
    const bool acc32 = b ? b->type == SRT_INT32 : p->quantized_bias_type == SRT_INT32;
    for (int32_t bt = 0; bt < batches; ++bt)
        for (int32_t u = 0; u < units; ++u) {
            if (in->type == SRT_INT16) {
                const int16_t *x = (const int16_t *)in->data + (size_t)bt * depth;
                const int8_t *w = (const int8_t *)f->data + (size_t)u * depth;
                const int32_t fzp = d->pc_mult ? 0 : d->filter_zp; /* per-channel: no weight offset */
                int64_t acc = 0;
                int32_t acc_32 = 0, v;
                for (int32_t i = 0; i < depth; ++i) {
                    const int32_t prod = srt_wmul((int32_t)w[i] - fzp, (int32_t)x[i] - d->in_zp);
                    if (acc32) acc_32 = srt_wadd(acc_32, prod);
                    else acc += prod;
                }
                const int32_t m = d->pc_mult ? d->pc_mult[u] : d->mult, sh = d->pc_mult ? d->pc_shift[u] : d->shift;
                if (acc32) {
                    if (bias) acc_32 = srt_wadd(acc_32, k_ld_i32(bias, u));
                    v = srt_mbqm(acc_32, m, sh);
                } else {
                    if (bias) acc = (int64_t)((uint64_t)acc + (uint64_t)k_ld_i64(bias, u));
                    v = srt_mbqm64(acc, m, sh);
                }
                v = srt_wadd(v, d->out_zp);
                ((int16_t *)out->data)[(size_t)bt * units + u] = (int16_t)srt_clamp_i32(v, d->act_min, d->act_max);
            } else if (in->type == SRT_INT8) {
                const int8_t *x = (const int8_t *)in->data + (size_t)bt * depth;
                const int8_t *w = (const int8_t *)f->data + (size_t)u * depth;
                int32_t acc = 0;
                int32_t m, s;
                if (d->pc_mult) {
                    for (int32_t i = 0; i < depth; ++i)
                        acc = srt_wadd(acc, (int32_t)w[i] * ((int32_t)x[i] - d->in_zp));
                    m = d->pc_mult[u]; s = d->pc_shift[u];
                } else {
                    for (int32_t i = 0; i < depth; ++i)
                        acc = srt_wadd(acc, srt_wmul((int32_t)w[i] - d->filter_zp, (int32_t)x[i] - d->in_zp));
                    m = d->mult; s = d->shift;
                }
                if (bias) acc = srt_wadd(acc, k_ld_i32(bias, u));
                acc = srt_wadd(srt_mbqm(acc, m, s), d->out_zp);
                ((int8_t *)out->data)[(size_t)bt * units + u] = (int8_t)srt_clamp_i32(acc, d->act_min, d->act_max);
            } else {
                const float *x = (const float *)in->data + (size_t)bt * depth;
                const float *w = (const float *)f->data + (size_t)u * depth;
                float total = 0.0f;
                for (int32_t i = 0; i < depth; ++i) total += x[i] * w[i];
                const float bv = bias ? k_ld_f32(bias, u) : 0.0f;
                ((float *)out->data)[(size_t)bt * units + u] = k_act_f(total + bv, d->fact_min, d->fact_max);
            }
        }
    return SRT_OK;
}

const srt_op srt_op_fully_connected = {
    .builtin_code = 9, .name = "FULLY_CONNECTED", .options_type = K_OPT_FullyConnected,
    .params_size = SRT_PARAMS_SIZE_FULLY_CONNECTED, .params_align = SRT_PARAMS_ALIGN_FULLY_CONNECTED,
    .parse = fc_parse, .opdata_size = SRT_OPDATA_SIZE_FULLY_CONNECTED,
    .prepare = fc_prepare, .eval = fc_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op FULLY_CONNECTED | int8 (per-tensor or per-channel int8 weights); int16 (16x8: int8 weights, int32 or int64 bias); float32 | any input rank (rows = elements / depth); default weights format only; fused activations
 */
