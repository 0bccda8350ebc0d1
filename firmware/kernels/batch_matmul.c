/* batch_matmul.c - BATCH_MATMUL (float32, int8, int16 with int64 accumulators), broadcasting batch
 * dims up to rank 5, adj_x / adj_y. Each output element is TFLite's sum over k in ascending order
 * (float: total += l * r from 0; integer: (r - rhs_zp) * (l - lhs_zp)), then the output
 * requantisation. TFLM copies transposed operands into persistent buffers in Prepare (rhs unless
 * adj_y, lhs if adj_x) and computes from them; the arena allocations are reproduced here, the sums
 * read the operands through strides instead, which gives the same products in the same order. */
#include "ops_b.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)
#define BMM_RANK 5

typedef struct { bool adj_x, adj_y, asymmetric_quantize_inputs; } k_bmm_params;
K_STATIC_FITS(k_bmm_params, SRT_PARAMS_SIZE_BATCH_MATMUL);

/* QuantizationOpDataBatchMatmul: 7 int32/int fields, allocated in Prepare for int8/int16 */
typedef struct { int32_t mult, shift, act_min, act_max, lhs_zp, rhs_zp, out_zp; } k_bmm_quant;
K_STATIC_FITS(k_bmm_quant, 28);
typedef struct { k_bmm_quant *q; } k_bmm_data;
K_STATIC_FITS(k_bmm_data, SRT_OPDATA_SIZE_BATCH_MATMUL);

static srt_status bmm_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_bmm_params *p = params;
    if (!o) return SRT_OK;
    p->adj_x = srt_fb_bool(o, 0, false);
    p->adj_y = srt_fb_bool(o, 1, false);
    p->asymmetric_quantize_inputs = srt_fb_bool(o, 2, false);
    return SRT_OK;
}

/* AllocInitTransposeTensorFromTfLiteTensor: TfLiteEvalTensor, its dims, its data */
static srt_status transposed_copy(srt_ctx *ctx, const srt_tensor *t) {
    if (!srt_alloc_persistent(ctx, SRT_SIZEOF_TfLiteEvalTensor) ||
        !srt_alloc_persistent(ctx, 4 + 4 * (size_t)k_rank(t->dims)) ||
        !srt_alloc_persistent(ctx, (size_t)k_elements(t->dims) * srt_type_size(t->type)))
        return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    return SRT_OK;
}

/* dims of `d` extended on the left with 1s to rank 5 */
static void ext5(const srt_ivec *d, int32_t o[BMM_RANK]) {
    const int32_t r = d->size;
    for (int32_t i = 0; i < BMM_RANK; ++i) o[i] = i < BMM_RANK - r ? 1 : d->data[i - (BMM_RANK - r)];
}

static srt_status bmm_shapes(srt_ctx *ctx, const k_bmm_params *p, const srt_ivec *l, const srt_ivec *r,
                             const srt_ivec *o) {
    static const char op[] = "BATCH_MATMUL";
    if (l->size < 2 || l->size > BMM_RANK || r->size < 2 || r->size > BMM_RANK)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: operands must have rank 2..5", op);
    int32_t le[BMM_RANK], re[BMM_RANK];
    ext5(l, le);
    ext5(r, re);
    const int32_t rank = l->size > r->size ? l->size : r->size;
    if (o->size != rank) return srt_fail(ctx, SRT_ERR_MODEL, "%s: output rank %d, expected %d", op, (int)o->size, (int)rank);
    for (int32_t i = 0; i < BMM_RANK - 2; ++i) {
        if (le[i] != re[i] && le[i] != 1 && re[i] != 1)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: batch dims do not broadcast", op);
        const int32_t b = le[i] == 1 ? re[i] : le[i];
        if (i >= BMM_RANK - rank && o->data[i - (BMM_RANK - rank)] != b)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match the operands", op);
    }
    const int32_t rows = p->adj_x ? le[4] : le[3], kl = p->adj_x ? le[3] : le[4];
    const int32_t kr = p->adj_y ? re[4] : re[3], cols = p->adj_y ? re[3] : re[4];
    if (kl != kr || o->data[rank - 2] != rows || o->data[rank - 1] != cols)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: inner dimensions or output shape do not match", op);
    return SRT_OK;
}

static srt_status bmm_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "BATCH_MATMUL";
    const k_bmm_params *p = node->builtin_data;
    k_bmm_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *lhs = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, lhs, op, "lhs"));
    const srt_tensor *rhs = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, rhs, op, "rhs"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    const uint8_t t = lhs->type;
    if ((t != SRT_FLOAT32 && t != SRT_INT8 && t != SRT_INT16) || rhs->type != t || out->type != t)
        return k_unsupported_type(ctx, op, t != SRT_FLOAT32 && t != SRT_INT8 && t != SRT_INT16 ? t : rhs->type);
    if (k_rank(lhs->dims) < 2 || k_rank(lhs->dims) > BMM_RANK || k_rank(rhs->dims) < 2 || k_rank(rhs->dims) > BMM_RANK)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: operands must have rank 2..5", op);
    d->q = NULL;
    if (t != SRT_FLOAT32) {
        d->q = srt_alloc_persistent(ctx, 28);
        if (!d->q) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    }
    if (p->adj_x) CHECK(transposed_copy(ctx, lhs));
    if (!p->adj_y) CHECK(transposed_copy(ctx, rhs));
    if (d->q) {
        CHECK(k_require_quant(ctx, lhs, op, "lhs"));
        CHECK(k_require_quant(ctx, rhs, op, "rhs"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        int sh;
        srt_quantize_multiplier((double)srt_q_scale(lhs, 0) * (double)srt_q_scale(rhs, 0) / (double)srt_q_scale(out, 0),
                                &d->q->mult, &sh);
        d->q->shift = sh;
        d->q->act_min = t == SRT_INT8 ? -128 : -32768;
        d->q->act_max = t == SRT_INT8 ? 127 : 32767;
        d->q->lhs_zp = srt_q_zero_point(lhs, 0);
        d->q->rhs_zp = srt_q_zero_point(rhs, 0);
        d->q->out_zp = srt_q_zero_point(out, 0);
        if (t == SRT_INT16 && (d->q->lhs_zp || d->q->rhs_zp || d->q->out_zp))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 zero points must be 0", op);
    }
    srt_ivec *copy;
    CHECK(k_dims_copy(ctx, out, &copy));
    return bmm_shapes(ctx, p, lhs->dims, rhs->dims, copy);
}

static srt_status bmm_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "BATCH_MATMUL";
    const k_bmm_params *p = node->builtin_data;
    const k_bmm_data *d = node->user_data;
    srt_eval_tensor *l = srt_eval_input(ctx, node, 0), *r = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!l || !r || !o || !l->data || !r->data || !o->data || (l->type != SRT_FLOAT32 && !d->q)) return k_missing(ctx, op);
    CHECK(bmm_shapes(ctx, p, l->dims, r->dims, o->dims));
    int32_t le[BMM_RANK], re[BMM_RANK];
    ext5(l->dims, le);
    ext5(r->dims, re);
    const int32_t rows = p->adj_x ? le[4] : le[3], depth = p->adj_x ? le[3] : le[4];
    const int32_t cols = p->adj_y ? re[3] : re[4];
    /* element strides of row/k in lhs and k/col in rhs, and of each (broadcast) batch dim */
    const size_t l_row = p->adj_x ? 1 : (size_t)le[4], l_k = p->adj_x ? (size_t)le[4] : 1;
    const size_t r_k = p->adj_y ? 1 : (size_t)re[4], r_col = p->adj_y ? (size_t)re[4] : 1;
    size_t lb[3], rb[3], lm = (size_t)le[3] * le[4], rm = (size_t)re[3] * re[4];
    for (int i = 2; i >= 0; --i) {
        lb[i] = le[i] == 1 ? 0 : lm;
        rb[i] = re[i] == 1 ? 0 : rm;
        lm *= (size_t)le[i];
        rm *= (size_t)re[i];
    }
    const int32_t bd[3] = {le[0] == 1 ? re[0] : le[0], le[1] == 1 ? re[1] : le[1], le[2] == 1 ? re[2] : le[2]};
    size_t oi = 0;
    for (int32_t b0 = 0; b0 < bd[0]; ++b0)
        for (int32_t b1 = 0; b1 < bd[1]; ++b1)
            for (int32_t b2 = 0; b2 < bd[2]; ++b2) {
                const size_t lo = b0 * lb[0] + b1 * lb[1] + b2 * lb[2], ro = b0 * rb[0] + b1 * rb[1] + b2 * rb[2];
                for (int32_t i = 0; i < rows; ++i)
                    for (int32_t j = 0; j < cols; ++j, ++oi) {
                        const size_t li = lo + (size_t)i * l_row, ri = ro + (size_t)j * r_col;
                        if (l->type == SRT_FLOAT32) {
                            const float *x = l->data, *y = r->data;
                            float total = 0;
                            for (int32_t k = 0; k < depth; ++k) total += y[ri + k * r_k] * x[li + k * l_k];
                            ((float *)o->data)[oi] = total;
                        } else if (l->type == SRT_INT8) {
                            const int8_t *x = l->data, *y = r->data;
                            int32_t total = 0;
                            for (int32_t k = 0; k < depth; ++k)
                                total = srt_wadd(total, srt_wmul((int32_t)y[ri + k * r_k] - d->q->rhs_zp,
                                                                 (int32_t)x[li + k * l_k] - d->q->lhs_zp));
                            const int32_t v = srt_wadd(srt_mbqm(total, d->q->mult, d->q->shift), d->q->out_zp);
                            ((int8_t *)o->data)[oi] = (int8_t)srt_clamp_i32(v, d->q->act_min, d->q->act_max);
                        } else {
                            const int16_t *x = l->data, *y = r->data;
                            int64_t total = 0;
                            for (int32_t k = 0; k < depth; ++k) total += (int64_t)y[ri + k * r_k] * x[li + k * l_k];
                            const int32_t v = srt_wadd(srt_mbqm64(total, d->q->mult, d->q->shift), d->q->out_zp);
                            ((int16_t *)o->data)[oi] = (int16_t)srt_clamp_i32(v, d->q->act_min, d->q->act_max);
                        }
                    }
            }
    return SRT_OK;
}

const srt_op srt_op_batch_matmul = {
    .builtin_code = 126, .name = "BATCH_MATMUL", .options_type = 101,
    .params_size = SRT_PARAMS_SIZE_BATCH_MATMUL, .params_align = SRT_PARAMS_ALIGN_BATCH_MATMUL,
    .parse = bmm_parse, .opdata_size = SRT_OPDATA_SIZE_BATCH_MATMUL, .prepare = bmm_prepare, .eval = bmm_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op BATCH_MATMUL | int8; int16 (zero points 0); float32 | rank 2..5 with broadcast batch dims, adj_x, adj_y
 */
