/* fully_connected.c - FULLY_CONNECTED of the CMSIS-NN kernel set.
 *
 * Prepare: the reference Prepare (same temporaries, per-channel arrays), then for int8:
 *   - output rank > 2 and depth % 4 == 0 (CMSIS-NN's 1x1-conv path): with per-tensor weights a
 *     scratch buffer of 8 x output depth, filled at Eval with the per-channel multiplier and
 *     shift arrays the conv kernel wants; its own buffer is 0 with GCC;
 *   - otherwise the core's buffer (MVE: 4 x output depth for the kernel sums). With constant
 *     weights and bias TFLM (KERNELS_OPTIMIZED_FOR_SPEED, the Makefile default) computes the
 *     sums once into a persistent buffer of that size instead of requesting scratch.
 * Eval: int8 sums over (w - w_zp) * (x - x_zp) + bias, split into a precomputed kernel sum and
 * the input-dependent part when a sum buffer exists; float: the reference kernel. */
#include "cmsis_nn.h"

typedef struct {
    k_fc_data ref;             /* first, so the reference Eval can use this OpData */
    int32_t buffer_1x1_idx;    /* per-channel quantisation scratch of the 1x1 path, or -1 */
    int32_t buffer_idx;        /* kernel-sum scratch (MVE, non-constant weights), or -1 */
    int32_t *kernel_sums;      /* persistent kernel sums, or NULL */
    int32_t batches, accum_depth, output_depth;
} cn_fc_data;

K_STATIC_FITS(cn_fc_data, SRT_CMSIS_OPDATA_SIZE_FULLY_CONNECTED);

static int32_t filter_zp(const cn_fc_data *d) { return d->ref.pc_mult ? 0 : d->ref.filter_zp; }

/* sums[u] = bias[u] + sum_i (w[u][i] - w_zp) * (-x_zp): the input-independent part. */
static void kernel_sums(const cn_fc_data *d, const int8_t *w, const void *bias, int32_t *sums) {
    for (int32_t u = 0; u < d->output_depth; ++u) {
        int32_t s = bias ? k_ld_i32(bias, u) : 0;
        for (int32_t i = 0; i < d->accum_depth; ++i)
            s = srt_wadd(s, srt_wmul((int32_t)w[(size_t)u * d->accum_depth + i] - filter_zp(d), -d->ref.in_zp));
        sums[u] = s;
    }
}

static srt_status fc_prepare(srt_ctx *ctx, srt_node *node) {
    cn_fc_data *d = node->user_data;
    k_io4 io;
    srt_status st = k_fc_prepare_io(ctx, node, &io);
    if (st != SRT_OK) return st;
    d->buffer_idx = d->buffer_1x1_idx = -1;
    d->kernel_sums = NULL;
    const int32_t rank = k_rank(io.out->dims);
    d->accum_depth = k_dim(io.filter->dims, k_rank(io.filter->dims) - 1);
    d->output_depth = k_dim(io.out->dims, rank - 1);
    d->batches = d->output_depth > 0 ? k_elements(io.out->dims) / d->output_depth : 0;
    /* TFLM's cmsis_nn Prepare takes per-channel weights with int8 input only (after the reference
     * Prepare has allocated the per-channel arrays) */
    if (io.in->type == SRT_INT16 && d->ref.pc_mult)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED,
                        "FULLY_CONNECTED: CMSIS-NN takes per-channel weights with int8 input only, not int16");
    if (io.in->type != SRT_INT8) return SRT_OK;
    int32_t bytes = 0;
    if (rank > 2 && d->accum_depth % 4 == 0) {
        if (!d->ref.pc_mult) {
            st = srt_request_scratch(ctx, 8 * (size_t)d->output_depth, &d->buffer_1x1_idx);
            if (st != SRT_OK) return st;
        }
    } else {
        bytes = cn_fc_s8_buffer(SRT_CMSIS_CORE, d->output_depth);
        if (bytes > 0 && io.filter->is_constant && (!io.bias || io.bias->is_constant)) {
            d->kernel_sums = srt_alloc_persistent(ctx, (size_t)bytes);
            if (!d->kernel_sums) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
            kernel_sums(d, io.filter->data, io.bias ? io.bias->data : NULL, d->kernel_sums);
            bytes = 0;
        }
    }
    if (bytes > 0) return srt_request_scratch(ctx, (size_t)bytes, &d->buffer_idx);
    return SRT_OK;
}

static srt_status fc_eval(srt_ctx *ctx, srt_node *node) {
    cn_fc_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !f || !out || !in->data || !f->data || !out->data) return k_missing(ctx, "FULLY_CONNECTED");
    if (in->type != SRT_INT8) return srt_op_fully_connected.eval(ctx, node);
    const void *bias = (b && b->data) ? b->data : NULL;
    const int32_t units = d->output_depth, depth = d->accum_depth;
    const int32_t *sums = d->kernel_sums;
    if (d->buffer_idx >= 0) {
        int32_t *s = srt_get_scratch(ctx, d->buffer_idx);
        if (!s) return srt_fail(ctx, SRT_ERR_INTERNAL, "FULLY_CONNECTED: scratch buffer missing");
        kernel_sums(d, f->data, bias, s);
        sums = s;
    }
    const int32_t *mult = d->ref.pc_mult, *shift = d->ref.pc_shift;
    if (d->buffer_1x1_idx >= 0) {
        /* the 1x1 conv kernel takes per-channel arrays: the per-tensor values, repeated */
        int32_t *q = srt_get_scratch(ctx, d->buffer_1x1_idx);
        if (!q) return srt_fail(ctx, SRT_ERR_INTERNAL, "FULLY_CONNECTED: scratch buffer missing");
        for (int32_t u = 0; u < units; ++u) {
            q[u] = d->ref.mult;
            q[units + u] = d->ref.shift;
        }
        mult = q;
        shift = q + units;
    }
    const int8_t *x = in->data, *w = f->data;
    int8_t *y = out->data;
    const int32_t wzp = filter_zp(d);
    for (int32_t bt = 0; bt < d->batches; ++bt)
        for (int32_t u = 0; u < units; ++u) {
            const int8_t *xr = x + (size_t)bt * depth, *wr = w + (size_t)u * depth;
            int32_t acc;
            if (sums) {
                acc = sums[u];
                for (int32_t i = 0; i < depth; ++i) acc = srt_wadd(acc, srt_wmul((int32_t)wr[i] - wzp, xr[i]));
            } else {
                acc = 0;
                for (int32_t i = 0; i < depth; ++i)
                    acc = srt_wadd(acc, srt_wmul((int32_t)wr[i] - wzp, (int32_t)xr[i] - d->ref.in_zp));
                if (bias) acc = srt_wadd(acc, k_ld_i32(bias, u));
            }
            const int32_t m = mult ? mult[u] : d->ref.mult, s = shift ? shift[u] : d->ref.shift;
            acc = srt_wadd(srt_mbqm(acc, m, s), d->ref.out_zp);
            y[(size_t)bt * units + u] = (int8_t)srt_clamp_i32(acc, d->ref.act_min, d->ref.act_max);
        }
    return SRT_OK;
}

static srt_status fc_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_fully_connected.parse(ctx, o, params);
}

const srt_op srt_cmsis_op_fully_connected = {
    .builtin_code = 9, .name = "FULLY_CONNECTED", .options_type = K_OPT_FullyConnected,
    .params_size = SRT_PARAMS_SIZE_FULLY_CONNECTED, .params_align = SRT_PARAMS_ALIGN_FULLY_CONNECTED,
    .parse = fc_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_FULLY_CONNECTED,
    .prepare = fc_prepare, .eval = fc_eval,
};
