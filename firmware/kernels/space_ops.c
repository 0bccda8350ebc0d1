/* space_ops.c - DEPTH_TO_SPACE, SPACE_TO_DEPTH, BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND: index maps
 * between the spatial, depth and batch axes (float32 and int8, as TFLM), bit-exact by construction.
 * Prepare validates every shape against the block sizes so that Eval's index maps stay inside the
 * buffers; the temp-tensor and persistent sequences are TFLM's. */
#include "ops_b.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

typedef struct { int32_t block_size; } k_block_params;
K_STATIC_FITS(k_block_params, SRT_PARAMS_SIZE_DEPTH_TO_SPACE);

srt_status k_need(srt_ctx *ctx, const srt_tensor *t, const char *op, const char *what) {
    return k_check_tensor(ctx, t, op, what);
}

srt_status k_dims_copy(srt_ctx *ctx, const srt_tensor *out, srt_ivec **copy) {
    const int32_t r = k_rank(out->dims);
    srt_ivec *d = srt_alloc_persistent(ctx, 4 + 4 * (size_t)r);
    if (!d) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    d->size = r;
    for (int32_t i = 0; i < r; ++i) d->data[i] = out->dims->data[i];
    srt_eval_tensor *et = srt_eval_tensor_at(ctx, out->index);
    if (et) et->dims = d;
    *copy = d;
    return SRT_OK;
}

static srt_status block_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_block_params *p = params;
    p->block_size = o ? srt_fb_i32(o, 0, 0) : 0;
    return SRT_OK;
}

static bool f32_or_i8(uint8_t t) { return t == SRT_FLOAT32 || t == SRT_INT8; }

/* ---- DEPTH_TO_SPACE / SPACE_TO_DEPTH: in, out, then the output dims copy ---- */
static srt_status d2s_common(srt_ctx *ctx, srt_node *node, bool to_space) {
    const char *op = to_space ? "DEPTH_TO_SPACE" : "SPACE_TO_DEPTH";
    const k_block_params *p = node->builtin_data;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (k_rank(in->dims) != 4 || k_rank(out->dims) != 4)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output must be 4-D", op);
    if (!f32_or_i8(out->type) || in->type != out->type) return k_unsupported_type(ctx, op, out->type);
    const int32_t b = p ? p->block_size : 0;
    if (b <= 0 || b > 65535) return srt_fail(ctx, SRT_ERR_MODEL, "%s: block size %d", op, (int)b);
    const int32_t *i = in->dims->data;
    int64_t want[4];
    if (to_space) {
        if (i[3] % ((int64_t)b * b) != 0)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: depth %d is not a multiple of %d^2", op, (int)i[3], (int)b);
        want[0] = i[0]; want[1] = (int64_t)i[1] * b; want[2] = (int64_t)i[2] * b; want[3] = i[3] / ((int64_t)b * b);
    } else {
        if (i[1] % b != 0 || i[2] % b != 0)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: height/width not multiples of %d", op, (int)b);
        want[0] = i[0]; want[1] = i[1] / b; want[2] = i[2] / b; want[3] = (int64_t)i[3] * b * b;
    }
    srt_ivec *copy;
    CHECK(k_dims_copy(ctx, out, &copy));
    for (int a = 0; a < 4; ++a)
        if (copy->data[a] != want[a])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match the block size", op);
    return SRT_OK;
}
static srt_status d2s_prepare(srt_ctx *ctx, srt_node *node) { return d2s_common(ctx, node, true); }
static srt_status s2d_prepare(srt_ctx *ctx, srt_node *node) { return d2s_common(ctx, node, false); }

/* One loop for both directions: (h, w, d) of the space side <-> (h/b, w/b, d + ((h%b)*b + w%b)*D)
 * of the depth side, D = depth of the space side. */
static srt_status d2s_eval_common(srt_ctx *ctx, srt_node *node, bool to_space) {
    const k_block_params *p = node->builtin_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, to_space ? "DEPTH_TO_SPACE" : "SPACE_TO_DEPTH");
    const srt_ivec *sp = to_space ? out->dims : in->dims;   /* space side */
    const srt_ivec *dp = to_space ? in->dims : out->dims;   /* depth side */
    const int32_t b = p->block_size, nb = sp->data[0], H = sp->data[1], W = sp->data[2], D = sp->data[3];
    const int32_t dh = dp->data[1], dw = dp->data[2], dd = dp->data[3];
    const size_t es = srt_type_size(in->type);
    const uint8_t *src = in->data;
    uint8_t *dst = out->data;
    for (int32_t n = 0; n < nb; ++n)
        for (int32_t h = 0; h < H; ++h)
            for (int32_t w = 0; w < W; ++w)
                for (int32_t d = 0; d < D; ++d) {
                    const size_t s_off = (((size_t)n * H + h) * W + w) * D + d;
                    const int32_t d_d = d + ((h % b) * b + w % b) * D;
                    const size_t d_off = (((size_t)n * dh + h / b) * dw + w / b) * dd + d_d;
                    if (to_space) memcpy(dst + s_off * es, src + d_off * es, es);
                    else memcpy(dst + d_off * es, src + s_off * es, es);
                }
    return SRT_OK;
}
static srt_status d2s_eval(srt_ctx *ctx, srt_node *node) { return d2s_eval_common(ctx, node, true); }
static srt_status s2d_eval(srt_ctx *ctx, srt_node *node) { return d2s_eval_common(ctx, node, false); }

/* ---- BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND: in, out (block shape and crops/paddings are read at
 * Eval, as TFLM; here they must be constant so that Prepare can check the shapes) ---- */
typedef struct {
    int32_t block_h, block_w, pad_top, pad_left; /* crops for BATCH_TO_SPACE_ND */
} k_b2s_geom;

/* Checked in Prepare and again in Eval: TFLM reads block shape and crops only at Eval (no temp
 * tensors for them), and a non-constant one could change in between. */
static srt_status b2s_geometry(srt_ctx *ctx, srt_node *node, bool to_space, const srt_ivec *idims,
                               const srt_ivec *odims, k_b2s_geom *g) {
    const char *op = to_space ? "BATCH_TO_SPACE_ND" : "SPACE_TO_BATCH_ND";
    const int32_t r = k_rank(idims);
    if (r < 3 || r > 4 || k_rank(odims) != r || k_elements(idims) < 0 || k_elements(odims) < 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output must both be 3-D or 4-D", op);
    const srt_eval_tensor *bs = srt_eval_input(ctx, node, 1), *cr = srt_eval_input(ctx, node, 2);
    const int32_t ns = r - 2;
    if (!bs || !cr || !bs->data || !cr->data || bs->type != SRT_INT32 || cr->type != SRT_INT32 ||
        k_elements(bs->dims) != ns || k_elements(cr->dims) != 2 * ns)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: block shape int32[%d] and %s int32[%d,2] must be constant",
                        op, (int)ns, to_space ? "crops" : "paddings", (int)ns);
    g->block_h = k_ld_i32(bs->data, 0);
    g->block_w = ns == 2 ? k_ld_i32(bs->data, 1) : 1;
    g->pad_top = k_ld_i32(cr->data, 0);
    const int32_t pad_bottom = k_ld_i32(cr->data, 1);
    g->pad_left = ns == 2 ? k_ld_i32(cr->data, 2) : 0;
    const int32_t pad_right = ns == 2 ? k_ld_i32(cr->data, 3) : 0;
    if (g->block_h < 1 || g->block_w < 1 || g->block_h > 65535 || g->block_w > 65535 || g->pad_top < 0 ||
        pad_bottom < 0 || g->pad_left < 0 || pad_right < 0 || g->pad_top > 65535 || pad_bottom > 65535 ||
        g->pad_left > 65535 || pad_right > 65535)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: invalid block shape or %s", op, to_space ? "crops" : "paddings");
    const int32_t *sp = to_space ? odims->data : idims->data;   /* space side */
    const int32_t *bt = to_space ? idims->data : odims->data;   /* batch side */
    const int64_t bb = (int64_t)g->block_h * g->block_w;
    const int64_t ph = (int64_t)sp[1] + (to_space ? 0 : g->pad_top + pad_bottom);
    const int64_t pw = ns == 2 ? (int64_t)sp[2] + (to_space ? 0 : g->pad_left + pad_right) : 1;
    bool ok = (int64_t)bt[0] == (int64_t)sp[0] * bb && bt[r - 1] == sp[r - 1];
    if (to_space) ok = ok && (int64_t)bt[1] * g->block_h - g->pad_top - pad_bottom == sp[1] &&
                       (ns == 1 || (int64_t)bt[2] * g->block_w - g->pad_left - pad_right == sp[2]);
    else ok = ok && ph % g->block_h == 0 && ph / g->block_h == bt[1] &&
              (ns == 1 || (pw % g->block_w == 0 && pw / g->block_w == bt[2]));
    if (!ok) return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match block shape and %s", op,
                             to_space ? "crops" : "paddings");
    return SRT_OK;
}

static srt_status b2s_prepare_common(srt_ctx *ctx, srt_node *node, bool to_space) {
    const char *op = to_space ? "BATCH_TO_SPACE_ND" : "SPACE_TO_BATCH_ND";
    CHECK(k_check_io(ctx, node, 3, 3, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (!f32_or_i8(in->type) || in->type != out->type) return k_unsupported_type(ctx, op, in->type);
    k_b2s_geom g;
    return b2s_geometry(ctx, node, to_space, in->dims, out->dims, &g);
}
static srt_status b2s_prepare(srt_ctx *ctx, srt_node *node) { return b2s_prepare_common(ctx, node, true); }
static srt_status s2b_prepare(srt_ctx *ctx, srt_node *node) { return b2s_prepare_common(ctx, node, false); }

/* 3-D tensors are [batch, height, depth]: width 1 */
static void dims4(const srt_ivec *d, int32_t o[4]) {
    o[0] = d->data[0]; o[1] = d->data[1];
    o[2] = d->size == 4 ? d->data[2] : 1;
    o[3] = d->data[d->size - 1];
}

static srt_status b2s_eval_common(srt_ctx *ctx, srt_node *node, bool to_space) {
    const char *op = to_space ? "BATCH_TO_SPACE_ND" : "SPACE_TO_BATCH_ND";
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, op);
    k_b2s_geom g;
    CHECK(b2s_geometry(ctx, node, to_space, in->dims, out->dims, &g));
    int32_t id[4], od[4];
    dims4(in->dims, id);
    dims4(out->dims, od);
    const size_t es = srt_type_size(in->type), row = (size_t)id[3] * es;
    const uint8_t *src = in->data;
    uint8_t *dst = out->data;
    if (to_space) {
        for (int32_t ib = 0; ib < id[0]; ++ib) {
            const int32_t ob = ib % od[0], so = ib / od[0];
            for (int32_t ih = 0; ih < id[1]; ++ih) {
                const int32_t oh = ih * g.block_h + so / g.block_w - g.pad_top;
                if (oh < 0 || oh >= od[1]) continue;
                for (int32_t iw = 0; iw < id[2]; ++iw) {
                    const int32_t ow = iw * g.block_w + so % g.block_w - g.pad_left;
                    if (ow < 0 || ow >= od[2]) continue;
                    memcpy(dst + (((size_t)ob * od[1] + oh) * od[2] + ow) * row,
                           src + (((size_t)ib * id[1] + ih) * id[2] + iw) * row, row);
                }
            }
        }
        return SRT_OK;
    }
    /* SPACE_TO_BATCH_ND pads with SpaceToBatchParams.output_offset, which TFLM never sets: its
     * OpData is fresh persistent arena memory, zero in the wheel and in simprof-rt (the runtime
     * zeroes OpData). */
    const uint8_t pad = (uint8_t)*(const int32_t *)node->user_data;
    for (int32_t ob = 0; ob < od[0]; ++ob) {
        const int32_t ib = ob % id[0], sw = (ob / id[0]) % g.block_w, sh = (ob / id[0]) / g.block_w;
        for (int32_t oh = 0; oh < od[1]; ++oh)
            for (int32_t ow = 0; ow < od[2]; ++ow) {
                uint8_t *o = dst + (((size_t)ob * od[1] + oh) * od[2] + ow) * row;
                const int32_t ih = oh * g.block_h + sh - g.pad_top, iw = ow * g.block_w + sw - g.pad_left;
                if (ih < 0 || ih >= id[1] || iw < 0 || iw >= id[2]) memset(o, pad, row);
                else memcpy(o, src + (((size_t)ib * id[1] + ih) * id[2] + iw) * row, row);
            }
    }
    return SRT_OK;
}
static srt_status b2s_eval(srt_ctx *ctx, srt_node *node) { return b2s_eval_common(ctx, node, true); }
static srt_status s2b_eval(srt_ctx *ctx, srt_node *node) { return b2s_eval_common(ctx, node, false); }

const srt_op srt_op_depth_to_space = {
    .builtin_code = 5, .name = "DEPTH_TO_SPACE", .options_type = 94,
    .params_size = SRT_PARAMS_SIZE_DEPTH_TO_SPACE, .params_align = SRT_PARAMS_ALIGN_DEPTH_TO_SPACE,
    .parse = block_parse, .opdata_size = SRT_OPDATA_SIZE_DEPTH_TO_SPACE, .prepare = d2s_prepare, .eval = d2s_eval,
};
const srt_op srt_op_space_to_depth = {
    .builtin_code = 26, .name = "SPACE_TO_DEPTH", .options_type = 19,
    .params_size = SRT_PARAMS_SIZE_SPACE_TO_DEPTH, .params_align = SRT_PARAMS_ALIGN_SPACE_TO_DEPTH,
    .parse = block_parse, .opdata_size = SRT_OPDATA_SIZE_SPACE_TO_DEPTH, .prepare = s2d_prepare, .eval = s2d_eval,
};
const srt_op srt_op_batch_to_space_nd = {
    .builtin_code = 37, .name = "BATCH_TO_SPACE_ND", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_BATCH_TO_SPACE_ND, .params_align = SRT_PARAMS_ALIGN_BATCH_TO_SPACE_ND,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_BATCH_TO_SPACE_ND, .prepare = b2s_prepare, .eval = b2s_eval,
};
const srt_op srt_op_space_to_batch_nd = {
    .builtin_code = 38, .name = "SPACE_TO_BATCH_ND", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_SPACE_TO_BATCH_ND, .params_align = SRT_PARAMS_ALIGN_SPACE_TO_BATCH_ND,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_SPACE_TO_BATCH_ND, .prepare = s2b_prepare, .eval = s2b_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op DEPTH_TO_SPACE | int8; float32 | 4-D
 * @op SPACE_TO_DEPTH | int8; float32 | 4-D
 * @op BATCH_TO_SPACE_ND | int8; float32 | 3-D or 4-D, constant block shape and crops
 * @op SPACE_TO_BATCH_ND | int8; float32 | 3-D or 4-D, constant block shape and paddings (pads with 0 bytes, as TFLM's unset output_offset)
 */
