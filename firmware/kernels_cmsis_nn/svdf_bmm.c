/* svdf_bmm.c - SVDF and BATCH_MATMUL of the CMSIS-NN kernel set (TFLM @90b983c
 * kernels/cmsis_nn/svdf.cc and batch_matmul.cc, CMSIS-NN 4ab83cc).
 *
 * Both keep the reference kernel's temporaries, persistent buffers and scratch requests (SVDF:
 * the state-times-weights and output accumulators, which the cmsis_nn Prepare requests with the
 * same sizes; BATCH_MATMUL: the transposed copies, the output dims copy and the quantisation
 * data - in another order, each 16-aligned, so the same tail) and add what CMSIS-NN asks for on
 * an MVE core, int8 only:
 *   - SVDF: arm_svdf_s8_get_buffer_size (4 B per filter) as persistent kernel sums computed in
 *     Prepare from the constant feature weights (KERNELS_OPTIMIZED_FOR_SPEED, TFLM's Makefile
 *     default), after the temporaries while they are live;
 *   - BATCH_MATMUL: arm_fully_connected_s8_get_buffer_size of the output shape (4 B per output
 *     column) as scratch, filled with the rhs row sums for every batch of the matmul.
 * Outputs: the reference arithmetic (CMSIS-NN int8 matches it bit for bit). The larger OpData
 * of the cmsis_nn kernels is taken by the op table (SRT_CMSIS_OPDATA_SIZE_*). */
#include "cmsis_nn.h"

typedef struct {
    unsigned char ref[SRT_OPDATA_SIZE_SVDF];  /* the reference kernel's OpData, first */
    int32_t *kernel_sums;                     /* MVE int8: 4 B per filter, or NULL */
} cn_svdf_data;
K_STATIC_FITS(cn_svdf_data, SRT_CMSIS_OPDATA_SIZE_SVDF);

static srt_status svdf_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_svdf.parse(ctx, o, params);
}

static srt_status svdf_prepare(srt_ctx *ctx, srt_node *node) {
    cn_svdf_data *d = node->user_data;
    d->kernel_sums = NULL;
    srt_status st = srt_op_svdf.prepare(ctx, node);
    if (st != SRT_OK) return st;
    /* the reference Prepare checked the inputs; the eval tensors give their types and shapes
     * without the temporaries a second srt_prepare_input would add (TFLM's takes none) */
    const srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *wf = srt_eval_input(ctx, node, 1);
    if (!in || !wf) return srt_fail(ctx, SRT_ERR_INTERNAL, "SVDF: inputs missing");
    if (in->type != SRT_INT8) return SRT_OK;
    const int32_t filters = k_dim(wf->dims, 0), nin = k_dim(wf->dims, 1);
    const int32_t bytes = cn_svdf_s8_buffer(SRT_CMSIS_CORE, filters);
    if (bytes <= 0) return SRT_OK;
    if (!wf->data)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "SVDF: the feature weights must be constant (CMSIS-NN MVE)");
    d->kernel_sums = srt_alloc_persistent(ctx, (size_t)bytes);
    if (!d->kernel_sums) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    /* each filter's weight sum: the extent arm_vector_sum_s8 writes (CMSIS-NN scales it by the
     * input offset; the outputs here come from the reference arithmetic, which does not read it) */
    const int8_t *w = wf->data;
    for (int32_t f = 0; f < filters; ++f) {
        int32_t s = 0;
        for (int32_t k = 0; k < nin; ++k) s = srt_wadd(s, w[(size_t)f * nin + k]);
        d->kernel_sums[f] = s;
    }
    return SRT_OK;
}

static srt_status svdf_eval(srt_ctx *ctx, srt_node *node) { return srt_op_svdf.eval(ctx, node); }

const srt_op srt_cmsis_op_svdf = {
    .builtin_code = 27, .name = "SVDF", .options_type = 6,
    .params_size = SRT_PARAMS_SIZE_SVDF, .params_align = SRT_PARAMS_ALIGN_SVDF,
    .parse = svdf_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_SVDF, .prepare = svdf_prepare, .eval = svdf_eval,
};

/* TfLiteBatchMatMulParams {bool adj_x, adj_y, asymmetric_quantize_inputs} */
typedef struct { bool adj_x, adj_y, asymmetric_quantize_inputs; } k_bmm_params_view;

typedef struct {
    unsigned char ref[SRT_OPDATA_SIZE_BATCH_MATMUL];  /* the reference kernel's OpData, first */
    int32_t buffer_idx;                               /* MVE int8 vector sums, or -1 */
} cn_bmm_data;
K_STATIC_FITS(cn_bmm_data, SRT_CMSIS_OPDATA_SIZE_BATCH_MATMUL);

static srt_status bmm_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_batch_matmul.parse(ctx, o, params);
}

static srt_status bmm_prepare(srt_ctx *ctx, srt_node *node) {
    cn_bmm_data *d = node->user_data;
    d->buffer_idx = -1;
    srt_status st = srt_op_batch_matmul.prepare(ctx, node);
    if (st != SRT_OK) return st;
    const srt_eval_tensor *rhs = srt_eval_input(ctx, node, 1), *out = srt_eval_output(ctx, node, 0);
    if (!rhs || !out) return srt_fail(ctx, SRT_ERR_INTERNAL, "BATCH_MATMUL: tensors missing");
    if (rhs->type != SRT_INT8) return SRT_OK;
    const int32_t bytes = cn_bmm_s8_buffer(SRT_CMSIS_CORE, k_dim(out->dims, k_rank(out->dims) - 1));
    return bytes > 0 ? srt_request_scratch(ctx, (size_t)bytes, &d->buffer_idx) : SRT_OK;
}

static srt_status bmm_eval(srt_ctx *ctx, srt_node *node) {
    const cn_bmm_data *d = node->user_data;
    if (d->buffer_idx >= 0) {
        /* arm_vector_sum_s8 over the rhs rows (one int32 per output column) for every batch */
        const k_bmm_params_view *p = node->builtin_data;
        srt_eval_tensor *r = srt_eval_input(ctx, node, 1), *o = srt_eval_output(ctx, node, 0);
        int32_t *sums = srt_get_scratch(ctx, d->buffer_idx);
        if (!r || !o || !r->data || !o->data || !sums) return k_missing(ctx, "BATCH_MATMUL");
        const int32_t rank = k_rank(r->dims), cols = k_dim(o->dims, k_rank(o->dims) - 1);
        const int32_t a = k_dim(r->dims, rank - 2), b = k_dim(r->dims, rank - 1);
        const int32_t depth = p->adj_y ? b : a;
        if ((p->adj_y ? a : b) != cols) return srt_fail(ctx, SRT_ERR_MODEL, "BATCH_MATMUL: rhs/output columns differ");
        const int32_t mats = k_elements(r->dims) / (a * b > 0 ? a * b : 1);
        const int8_t *y = r->data;
        for (int32_t m = 0; m < mats; ++m)
            for (int32_t j = 0; j < cols; ++j) {
                int32_t s = 0;
                for (int32_t k = 0; k < depth; ++k)
                    s = srt_wadd(s, y[(size_t)m * a * b + (p->adj_y ? (size_t)j * b + k : (size_t)k * b + j)]);
                sums[j] = s;  /* CMSIS-NN adds the offsets' terms; the outputs do not read it here */
            }
    }
    return srt_op_batch_matmul.eval(ctx, node);
}

const srt_op srt_cmsis_op_batch_matmul = {
    .builtin_code = 126, .name = "BATCH_MATMUL", .options_type = 101,
    .params_size = SRT_PARAMS_SIZE_BATCH_MATMUL, .params_align = SRT_PARAMS_ALIGN_BATCH_MATMUL,
    .parse = bmm_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_BATCH_MATMUL, .prepare = bmm_prepare, .eval = bmm_eval,
};
