/* gather.c - GATHER, GATHER_ND, EMBEDDING_LOOKUP: row copies selected by int32 indices (and
 * EMBEDDING_LOOKUP's hybrid int8 -> float32 dequantisation). TFLM only DCHECKs GATHER's indices;
 * here every index is checked at Eval and a bad one fails the inference (SRT_ERR_INPUT) instead
 * of reading outside the tensor. */
#include "ops_b.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

typedef struct { int32_t axis, batch_dims; } k_gather_params;
K_STATIC_FITS(k_gather_params, SRT_PARAMS_SIZE_GATHER);

/* EMBEDDING_LOOKUP's Prepare-time OpData {float scale; size_t num_columns} */
typedef struct { float scale; uint32_t num_columns; } k_embed_data; /* fits either ABI */
K_STATIC_FITS(k_embed_data, SRT_PREPARE_SIZE_EMBEDDING_LOOKUP);

static srt_status gather_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_gather_params *p = params;
    p->axis = o ? srt_fb_i32(o, 0, 0) : 0;
    p->batch_dims = o ? srt_fb_i32(o, 1, 0) : 0;
    return SRT_OK;
}

static bool f32_or_i8(uint8_t t) { return t == SRT_FLOAT32 || t == SRT_INT8; }

static srt_status shape_must_be(srt_ctx *ctx, const char *op, const srt_ivec *got, const int32_t *want, int32_t n) {
    bool ok = got->size == n;
    for (int32_t i = 0; ok && i < n; ++i) ok = got->data[i] == want[i];
    return ok ? SRT_OK : srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match the inputs", op);
}

/* ---- GATHER: in, positions, out, then the output dims copy ---- */
typedef struct { int32_t axis, batch_dims, batch, outer, axis_size, inner, coords; } k_gather_geom;

static srt_status gather_geometry(srt_ctx *ctx, const k_gather_params *p, const srt_ivec *in,
                                  const srt_ivec *pos, k_gather_geom *g) {
    static const char op[] = "GATHER";
    const int32_t ri = k_rank(in), rp = k_rank(pos);
    g->axis = p->axis < 0 ? p->axis + ri : p->axis;
    g->batch_dims = p->batch_dims < 0 ? p->batch_dims + rp : p->batch_dims;
    if (g->axis < 0 || g->axis >= ri || g->batch_dims < 0 || g->batch_dims > g->axis || g->batch_dims >= ri ||
        g->batch_dims > rp)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis %d / batch_dims %d out of range", op, (int)p->axis,
                        (int)p->batch_dims);
    g->batch = g->outer = g->inner = g->coords = 1;
    for (int32_t i = 0; i < g->batch_dims; ++i) {
        if (in->data[i] != pos->data[i]) return srt_fail(ctx, SRT_ERR_MODEL, "%s: batch dims differ", op);
        g->batch *= in->data[i];
    }
    for (int32_t i = g->batch_dims; i < g->axis; ++i) g->outer *= in->data[i];
    for (int32_t i = g->axis + 1; i < ri; ++i) g->inner *= in->data[i];
    for (int32_t i = g->batch_dims; i < rp; ++i) g->coords *= pos->data[i];
    g->axis_size = in->data[g->axis];
    return SRT_OK;
}

static srt_status gather_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "GATHER";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *pos = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, pos, op, "positions"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (pos->type != SRT_INT32) return k_unsupported_type(ctx, op, pos->type);
    if (!f32_or_i8(in->type) || out->type != in->type) return k_unsupported_type(ctx, op, in->type);
    k_gather_geom g;
    CHECK(gather_geometry(ctx, node->builtin_data, in->dims, pos->dims, &g));
    srt_ivec *copy;
    CHECK(k_dims_copy(ctx, out, &copy));
    int32_t want[2 * K_MAX_RANK], n = 0;
    for (int32_t i = 0; i < g.axis; ++i) want[n++] = in->dims->data[i];
    for (int32_t i = g.batch_dims; i < pos->dims->size; ++i) want[n++] = pos->dims->data[i];
    for (int32_t i = g.axis + 1; i < in->dims->size; ++i) want[n++] = in->dims->data[i];
    return shape_must_be(ctx, op, copy, want, n);
}

static srt_status gather_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *pos = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !pos || !out || !in->data || !pos->data || !out->data) return k_missing(ctx, "GATHER");
    k_gather_geom g;
    CHECK(gather_geometry(ctx, node->builtin_data, in->dims, pos->dims, &g));
    const size_t es = srt_type_size(in->type), row = (size_t)g.inner * es;
    const uint8_t *src = in->data;
    uint8_t *dst = out->data;
    for (int32_t b = 0; b < g.batch; ++b)
        for (int32_t o = 0; o < g.outer; ++o)
            for (int32_t c = 0; c < g.coords; ++c) {
                const int32_t k = k_ld_i32(pos->data, b * g.coords + c);
                if (k < 0 || k >= g.axis_size)
                    return srt_fail(ctx, SRT_ERR_INPUT, "GATHER: index %d outside [0, %d)", (int)k, (int)g.axis_size);
                memcpy(dst + (((size_t)b * g.outer + o) * g.coords + c) * row,
                       src + (((size_t)b * g.outer + o) * g.axis_size + k) * row, row);
            }
    return SRT_OK;
}

/* ---- GATHER_ND: params, indices, out, then the output dims copy ---- */
#define GATHER_ND_MAX 5 /* TFLM's MAX_INDICES_ND */

static srt_status gather_nd_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "GATHER_ND";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *par = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, par, op, "params"));
    const srt_tensor *idx = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, idx, op, "indices"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (!f32_or_i8(par->type) || out->type != par->type) return k_unsupported_type(ctx, op, par->type);
    if (idx->type != SRT_INT32) return k_unsupported_type(ctx, op, idx->type);
    const int32_t rp = k_rank(par->dims), ri = k_rank(idx->dims);
    if (rp < 1 || ri < 1) return srt_fail(ctx, SRT_ERR_MODEL, "%s: params and indices must be at least 1-D", op);
    const int32_t nd = idx->dims->data[ri - 1];
    if (nd < 0 || nd > rp || nd > GATHER_ND_MAX)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: index depth %d (params rank %d, at most %d)", op, (int)nd, (int)rp,
                        GATHER_ND_MAX);
    srt_ivec *copy;
    CHECK(k_dims_copy(ctx, out, &copy));
    int32_t want[2 * K_MAX_RANK], n = 0;
    for (int32_t i = 0; i < ri - 1; ++i) want[n++] = idx->dims->data[i];
    for (int32_t i = nd; i < rp; ++i) want[n++] = par->dims->data[i];
    return shape_must_be(ctx, op, copy, want, n);
}

static srt_status gather_nd_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *par = srt_eval_input(ctx, node, 0), *idx = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!par || !idx || !out || !par->data || !idx->data || !out->data) return k_missing(ctx, "GATHER_ND");
    const int32_t ri = idx->dims->size, rp = par->dims->size, nd = idx->dims->data[ri - 1];
    int32_t slices = 1, slice = 1;
    for (int32_t i = 0; i < ri - 1; ++i) slices *= idx->dims->data[i];
    for (int32_t i = nd; i < rp; ++i) slice *= par->dims->data[i];
    const int32_t flat = k_elements(par->dims);
    int32_t stride[GATHER_ND_MAX], remain = flat;
    for (int32_t i = 0; i < nd; ++i) {
        stride[i] = par->dims->data[i] ? remain / par->dims->data[i] : 0;
        remain = stride[i];
    }
    const size_t es = srt_type_size(par->type);
    for (int32_t s = 0; s < slices; ++s) {
        int64_t from = 0;
        for (int32_t j = 0; j < nd; ++j) from += (int64_t)k_ld_i32(idx->data, s * nd + j) * stride[j];
        /* TFLM's own bound check: the flat slice must lie inside params (same error) */
        if (from < 0 || from + slice > flat)
            return srt_fail(ctx, SRT_ERR_INPUT, "GATHER_ND: index out of bounds");
        memcpy((uint8_t *)out->data + (size_t)s * slice * es, (const uint8_t *)par->data + (size_t)from * es,
               (size_t)slice * es);
    }
    return SRT_OK;
}

/* ---- EMBEDDING_LOOKUP: lookup, value, out, then the dims copy and the OpData ---- */
static srt_status embed_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "EMBEDDING_LOOKUP";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *look = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, look, op, "lookup"));
    if (k_rank(look->dims) != 1 || look->type != SRT_INT32)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: lookup must be a 1-D int32 tensor", op);
    const srt_tensor *val = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, val, op, "value"));
    if (k_rank(val->dims) < 2) return srt_fail(ctx, SRT_ERR_MODEL, "%s: value must be at least 2-D", op);
    if (!f32_or_i8(val->type)) return k_unsupported_type(ctx, op, val->type);
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (out->type != val->type && !(val->type == SRT_INT8 && out->type == SRT_FLOAT32))
        return k_unsupported_type(ctx, op, out->type);
    srt_ivec *copy;
    CHECK(k_dims_copy(ctx, out, &copy));
    int32_t want[K_MAX_RANK];
    want[0] = look->dims->data[0];
    for (int32_t i = 1; i < val->dims->size; ++i) want[i] = val->dims->data[i];
    CHECK(shape_must_be(ctx, op, copy, want, val->dims->size));
    k_embed_data *d = srt_alloc_persistent(ctx, SRT_PREPARE_SIZE_EMBEDDING_LOOKUP);
    if (!d) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    node->user_data = d;
    if (val->type == SRT_INT8 && out->type == SRT_FLOAT32) {
        CHECK(k_require_quant(ctx, val, op, "value"));
        if (srt_q_zero_point(val, 0) != 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: value zero point must be 0", op);
        d->scale = srt_q_scale(val, 0);
    }
    d->num_columns = val->dims->data[0] ? (uint32_t)k_elements(val->dims) / (uint32_t)val->dims->data[0] : 0;
    return SRT_OK;
}

static srt_status embed_eval(srt_ctx *ctx, srt_node *node) {
    const k_embed_data *d = node->user_data;
    srt_eval_tensor *look = srt_eval_input(ctx, node, 0), *val = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!d || !look || !val || !out || !look->data || !val->data || !out->data) return k_missing(ctx, "EMBEDDING_LOOKUP");
    const int32_t rows = val->dims->data[0], n = look->dims->data[0];
    const size_t cols = d->num_columns, es = srt_type_size(val->type);
    for (int32_t i = 0; i < n; ++i) {
        const int32_t k = k_ld_i32(look->data, i);
        if (k < 0 || k >= rows)
            return srt_fail(ctx, SRT_ERR_INPUT, "EMBEDDING_LOOKUP: index %d outside [0, %d)", (int)k, (int)rows);
        if (val->type == out->type) {
            memcpy((uint8_t *)out->data + (size_t)i * cols * es, (const uint8_t *)val->data + (size_t)k * cols * es,
                   cols * es);
        } else {
            const int8_t *v = (const int8_t *)val->data + (size_t)k * cols;
            float *o = (float *)out->data + (size_t)i * cols;
            for (size_t c = 0; c < cols; ++c) o[c] = (float)v[c] * d->scale;
        }
    }
    return SRT_OK;
}

const srt_op srt_op_gather = {
    .builtin_code = 36, .name = "GATHER", .options_type = 23,
    .params_size = SRT_PARAMS_SIZE_GATHER, .params_align = SRT_PARAMS_ALIGN_GATHER,
    .parse = gather_parse, .opdata_size = SRT_OPDATA_SIZE_GATHER, .prepare = gather_prepare, .eval = gather_eval,
};
const srt_op srt_op_gather_nd = {
    .builtin_code = 107, .name = "GATHER_ND", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_GATHER_ND, .params_align = SRT_PARAMS_ALIGN_GATHER_ND,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_GATHER_ND, .prepare = gather_nd_prepare, .eval = gather_nd_eval,
};
const srt_op srt_op_embedding_lookup = {
    .builtin_code = 7, .name = "EMBEDDING_LOOKUP", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_EMBEDDING_LOOKUP, .params_align = SRT_PARAMS_ALIGN_EMBEDDING_LOOKUP,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_EMBEDDING_LOOKUP, .prepare = embed_prepare, .eval = embed_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op GATHER | int8; float32 (int32 positions) | any axis and batch_dims; an out-of-range index fails the inference
 * @op GATHER_ND | int8; float32 (int32 indices) | index depth <= 5
 * @op EMBEDDING_LOOKUP | int8; float32; int8 -> float32 (hybrid, zero point 0) | int32 lookup
 */
