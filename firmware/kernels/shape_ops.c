/* shape_ops.c - data-movement ops with no arithmetic: RESHAPE, SQUEEZE, EXPAND_DIMS, SHAPE, PACK,
 * UNPACK, CONCATENATION, SPLIT, SPLIT_V (any element type of a known size). Outputs are exact
 * copies of input bytes, so these are bit-exact by construction once the index maps are right. */
#include "ops.h"

typedef struct { int32_t shape[8]; int32_t num_dimensions; } k_reshape_params;
typedef struct { int32_t squeeze_dims[8]; int32_t num_squeeze_dims; } k_squeeze_params;
typedef struct { uint8_t out_type; } k_shape_params;
typedef struct { int32_t values_count, axis; } k_pack_params;   /* also TfLiteUnpackParams {num, axis} */
typedef struct { int32_t axis, activation; } k_concat_params;
typedef struct { int32_t num_splits; } k_split_params;

K_STATIC_FITS(k_reshape_params, SRT_PARAMS_SIZE_RESHAPE);
K_STATIC_FITS(k_squeeze_params, SRT_PARAMS_SIZE_SQUEEZE);
K_STATIC_FITS(k_shape_params, SRT_PARAMS_SIZE_SHAPE);
K_STATIC_FITS(k_pack_params, SRT_PARAMS_SIZE_PACK);
K_STATIC_FITS(k_pack_params, SRT_PARAMS_SIZE_UNPACK);
K_STATIC_FITS(k_concat_params, SRT_PARAMS_SIZE_CONCATENATION);
K_STATIC_FITS(k_split_params, SRT_PARAMS_SIZE_SPLIT);
K_STATIC_FITS(k_split_params, SRT_PARAMS_SIZE_SPLIT_V);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* ---- parsers ---- */
static srt_status reshape_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    k_reshape_params *p = params;
    const srt_ivec *v = NULL;
    if (!o) return SRT_OK;
    CHECK(srt_fb_ivec(o, 0, &v));
    if (v) {
        if (v->size > 8) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "RESHAPE: new_shape has more than 8 dims");
        for (int32_t i = 0; i < v->size; ++i) p->shape[i] = v->data[i];
        p->num_dimensions = v->size;
    }
    return SRT_OK;
}
static srt_status squeeze_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    k_squeeze_params *p = params;
    const srt_ivec *v = NULL;
    if (!o) return SRT_OK;
    CHECK(srt_fb_ivec(o, 0, &v));
    if (v) {
        if (v->size > 8) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "SQUEEZE: more than 8 squeeze_dims");
        for (int32_t i = 0; i < v->size; ++i) p->squeeze_dims[i] = v->data[i];
        p->num_squeeze_dims = v->size;
    }
    return SRT_OK;
}
static srt_status shape_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_shape_params *)params)->out_type = (uint8_t)srt_fb_i8(o, 0, 0);
    return SRT_OK;
}
static srt_status pack_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_pack_params *p = params;
    if (o) { p->values_count = srt_fb_i32(o, 0, 0); p->axis = srt_fb_i32(o, 1, 0); }
    return SRT_OK;
}
static srt_status concat_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_concat_params *p = params;
    if (o) { p->axis = srt_fb_i32(o, 0, 0); p->activation = srt_fb_i8(o, 1, 0); }
    return SRT_OK;
}
static srt_status split_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_split_params *)params)->num_splits = srt_fb_i32(o, 0, 0);
    return SRT_OK;
}

/* ---- helpers ---- */
static srt_status copy_same_size(srt_ctx *ctx, const srt_node *node, const char *op) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, op);
    const int32_t n = k_elements(in->dims);
    if (n < 0 || n != k_elements(out->dims) || in->type != out->type)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output differ in size or type", op);
    if (in->data != out->data) memmove(out->data, in->data, (size_t)n * srt_type_size(in->type));
    return SRT_OK;
}

static srt_status check_same_size(srt_ctx *ctx, const char *op, const srt_tensor *in, const srt_tensor *out) {
    if (in->type != out->type || srt_type_size(in->type) == 0)
        return k_unsupported_type(ctx, op, in->type != out->type ? out->type : in->type);
    if (k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input has %d elements, output %d", op,
                        (int)k_elements(in->dims), (int)k_elements(out->dims));
    return SRT_OK;
}

/* ---- RESHAPE: in, out; a dims copy (P16(4 + 4*rank)) when the stored output shape has -1 ---- */
static srt_status reshape_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "RESHAPE";
    CHECK(k_check_io(ctx, node, 1, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    if (!out) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : srt_fail(ctx, SRT_ERR_MODEL, "RESHAPE: no output");
    const srt_ivec *od = out->dims;
    if (!od || od->size > K_MAX_RANK) return srt_fail(ctx, SRT_ERR_MODEL, "RESHAPE: invalid output dims");
    int32_t unknown = -1;
    int64_t known = 1;
    for (int32_t i = 0; i < od->size; ++i) {
        if (od->data[i] == -1 && unknown < 0) unknown = i;
        else if (od->data[i] < 0) return srt_fail(ctx, SRT_ERR_MODEL, "RESHAPE: invalid output dims");
        else known *= od->data[i];
    }
    if (unknown >= 0) {
        /* TFLM copies the dims into a persistent array and fills in the -1 */
        srt_ivec *copy = srt_alloc_persistent(ctx, 4 + 4 * (size_t)od->size);
        if (!copy) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
        const int32_t n = k_elements(in->dims);
        if (known == 0 || n % known != 0)
            return srt_fail(ctx, SRT_ERR_MODEL, "RESHAPE: cannot infer the -1 dimension");
        copy->size = od->size;
        for (int32_t i = 0; i < od->size; ++i) copy->data[i] = i == unknown ? (int32_t)(n / known) : od->data[i];
        srt_eval_tensor *et = srt_eval_tensor_at(ctx, out->index);
        if (et) et->dims = copy;
        if (in->type != out->type) return k_unsupported_type(ctx, op, out->type);
        return SRT_OK;
    }
    return check_same_size(ctx, op, in, out);
}
static srt_status reshape_eval(srt_ctx *ctx, srt_node *node) { return copy_same_size(ctx, node, "RESHAPE"); }

/* ---- SQUEEZE: in, out ---- */
static srt_status squeeze_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SQUEEZE";
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    return check_same_size(ctx, op, in, out);
}
static srt_status squeeze_eval(srt_ctx *ctx, srt_node *node) { return copy_same_size(ctx, node, "SQUEEZE"); }

/* ---- EXPAND_DIMS: in, axis, out ---- */
static srt_status expand_dims_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "EXPAND_DIMS";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *axis = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, axis, op, "axis"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (k_rank(out->dims) != k_rank(in->dims) + 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output rank must be input rank + 1", op);
    return check_same_size(ctx, op, in, out);
}
static srt_status expand_dims_eval(srt_ctx *ctx, srt_node *node) { return copy_same_size(ctx, node, "EXPAND_DIMS"); }

/* ---- SHAPE: no Prepare in TFLM ---- */
static srt_status shape_eval(srt_ctx *ctx, srt_node *node) {
    CHECK(k_check_io(ctx, node, 1, 1, 1, "SHAPE"));
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !out->data || !in->dims) return k_missing(ctx, "SHAPE");
    const int32_t r = k_rank(in->dims);
    if (k_elements(out->dims) != r) return srt_fail(ctx, SRT_ERR_MODEL, "SHAPE: output must have %d elements", (int)r);
    if (out->type == SRT_INT32) {
        for (int32_t i = 0; i < r; ++i) ((int32_t *)out->data)[i] = in->dims->data[i];
    } else if (out->type == SRT_INT64) {
        for (int32_t i = 0; i < r; ++i) ((int64_t *)out->data)[i] = in->dims->data[i];
    } else {
        return k_unsupported_type(ctx, "SHAPE", out->type);
    }
    return SRT_OK;
}

/* ---- SHAPE / PACK / UNPACK: TFLM has no Prepare (no temp tensors); ours reads only the eval
 * tensors (no allocation) so that unsupported types are reported before inference ---- */
static srt_status shape_prepare(srt_ctx *ctx, srt_node *node) {
    CHECK(k_check_io(ctx, node, 1, 1, 1, "SHAPE"));
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!out) return srt_fail(ctx, SRT_ERR_MODEL, "SHAPE: missing output");
    if (out->type != SRT_INT32 && out->type != SRT_INT64) return k_unsupported_type(ctx, "SHAPE", out->type);
    return SRT_OK;
}
static srt_status pack_unpack_prepare(srt_ctx *ctx, srt_node *node, bool pack) {
    const char *op = pack ? "PACK" : "UNPACK";
    const srt_ivec *parts = pack ? node->inputs : node->outputs;
    if (!parts || parts->size < 1 || (pack ? node->outputs : node->inputs)->size != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: bad input/output count", op);
    srt_eval_tensor *whole = pack ? srt_eval_output(ctx, node, 0) : srt_eval_input(ctx, node, 0);
    if (!whole) return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
    if (srt_type_size(whole->type) == 0) return k_unsupported_type(ctx, op, whole->type);
    for (int32_t k = 0; k < parts->size; ++k) {
        srt_eval_tensor *t = pack ? srt_eval_input(ctx, node, k) : srt_eval_output(ctx, node, k);
        if (!t) return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
        if (t->type != whole->type) return k_unsupported_type(ctx, op, t->type);
    }
    return SRT_OK;
}
static srt_status pack_prepare(srt_ctx *ctx, srt_node *node) { return pack_unpack_prepare(ctx, node, true); }
static srt_status unpack_prepare(srt_ctx *ctx, srt_node *node) { return pack_unpack_prepare(ctx, node, false); }

/* ---- PACK / UNPACK: outer x inputs x inner copy ---- */
static srt_status pack_unpack_eval(srt_ctx *ctx, srt_node *node, bool pack) {
    const char *op = pack ? "PACK" : "UNPACK";
    const k_pack_params *p = node->builtin_data;
    const int32_t nparts = pack ? node->inputs->size : node->outputs->size;
    if (nparts < 1 || (pack ? node->outputs->size : node->inputs->size) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: bad input/output count", op);
    srt_eval_tensor *whole = pack ? srt_eval_output(ctx, node, 0) : srt_eval_input(ctx, node, 0);
    if (!whole || !whole->data) return k_missing(ctx, op);
    const int32_t wr = k_rank(whole->dims);
    int32_t axis = p->axis < 0 ? p->axis + wr : p->axis;
    if (axis < 0 || axis >= wr || k_dim(whole->dims, axis) != nparts || k_elements(whole->dims) < 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis %d does not match %d parts", op, (int)p->axis, (int)nparts);
    const size_t es = srt_type_size(whole->type);
    if (es == 0) return k_unsupported_type(ctx, op, whole->type);
    int64_t outer = 1;
    for (int32_t i = 0; i < axis; ++i) outer *= whole->dims->data[i];
    if (outer == 0) return SRT_OK; /* nothing to copy */
    const int64_t inner = k_elements(whole->dims) / outer / nparts;
    if (inner == 0) return SRT_OK;
    for (int32_t k = 0; k < nparts; ++k) {
        srt_eval_tensor *part = pack ? srt_eval_input(ctx, node, k) : srt_eval_output(ctx, node, k);
        if (!part || !part->data) return k_missing(ctx, op);
        if (part->type != whole->type || k_elements(part->dims) != outer * inner)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: part %d has the wrong size or type", op, (int)k);
        for (int64_t o = 0; o < outer; ++o) {
            uint8_t *w = (uint8_t *)whole->data + ((size_t)(o * nparts + k) * (size_t)inner) * es;
            uint8_t *q = (uint8_t *)part->data + (size_t)(o * inner) * es;
            if (pack) memcpy(w, q, (size_t)inner * es); else memcpy(q, w, (size_t)inner * es);
        }
    }
    return SRT_OK;
}
static srt_status pack_eval(srt_ctx *ctx, srt_node *node) { return pack_unpack_eval(ctx, node, true); }
static srt_status unpack_eval(srt_ctx *ctx, srt_node *node) { return pack_unpack_eval(ctx, node, false); }

/* ---- concatenation / split along an axis: shared copy loop ---- */
/* Copies between `whole` and the parts along `axis`; parts' sizes along axis come from their dims. */
static srt_status axis_copy(srt_ctx *ctx, const char *op, srt_eval_tensor *whole, srt_eval_tensor **parts,
                            int32_t nparts, int32_t axis, bool gather) {
    const int32_t wr = k_rank(whole->dims);
    const size_t es = srt_type_size(whole->type);
    if (es == 0) return k_unsupported_type(ctx, op, whole->type);
    int64_t outer = 1, inner = 1, total = 0;
    for (int32_t i = 0; i < axis; ++i) outer *= whole->dims->data[i];
    for (int32_t i = axis + 1; i < wr; ++i) inner *= whole->dims->data[i];
    for (int32_t k = 0; k < nparts; ++k) {
        srt_eval_tensor *t = parts[k];
        if (!t || !t->data || t->type != whole->type || k_rank(t->dims) != wr)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: part %d does not match", op, (int)k);
        for (int32_t i = 0; i < wr; ++i)
            if (i != axis && t->dims->data[i] != whole->dims->data[i])
                return srt_fail(ctx, SRT_ERR_MODEL, "%s: part %d differs outside the axis", op, (int)k);
        total += t->dims->data[axis];
    }
    if (total != whole->dims->data[axis])
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: parts do not add up along the axis", op);
    uint8_t *w = whole->data;
    for (int64_t o = 0; o < outer; ++o)
        for (int32_t k = 0; k < nparts; ++k) {
            const size_t chunk = (size_t)parts[k]->dims->data[axis] * (size_t)inner * es;
            uint8_t *q = (uint8_t *)parts[k]->data + (size_t)o * chunk;
            if (gather) memcpy(w, q, chunk); else memcpy(q, w, chunk);
            w += chunk;
        }
    return SRT_OK;
}

#define K_MAX_PARTS 64

/* ---- CONCATENATION: in0, out, then every input again ---- */
static srt_status concat_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "CONCATENATION";
    const k_concat_params *p = node->builtin_data;
    CHECK(k_check_io(ctx, node, 1, K_MAX_PARTS, 1, op));
    const srt_tensor *in0 = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in0, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (p->activation != K_ACT_NONE)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: fused activation %d not supported", op, (int)p->activation);
    if (srt_type_size(out->type) == 0 || out->type == SRT_STRING) return k_unsupported_type(ctx, op, out->type);
    const int32_t r = k_rank(out->dims);
    const int32_t axis = p->axis < 0 ? p->axis + r : p->axis;
    if (axis < 0 || axis >= r) return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis %d out of range", op, (int)p->axis);
    for (int32_t i = 0; i < node->inputs->size; ++i) {
        const srt_tensor *t = srt_prepare_input(ctx, node, i);
        CHECK(k_check_tensor(ctx, t, op, "input"));
        if (t->type != out->type) return k_unsupported_type(ctx, op, t->type);
        /* TFLM copies int8/int16 bytes unchanged, so it requires the output's quantisation */
        if ((t->type == SRT_INT8 || t->type == SRT_INT16) &&
            ((double)srt_q_scale(t, 0) != (double)srt_q_scale(out, 0) ||
             srt_q_zero_point(t, 0) != srt_q_zero_point(out, 0)))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: input %d quantisation differs from the output's", op, (int)i);
    }
    return SRT_OK;
}
static srt_status concat_eval(srt_ctx *ctx, srt_node *node) {
    const k_concat_params *p = node->builtin_data;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    srt_eval_tensor *parts[K_MAX_PARTS];
    const int32_t n = node->inputs->size;
    if (!out || !out->data || n > K_MAX_PARTS) return k_missing(ctx, "CONCATENATION");
    for (int32_t i = 0; i < n; ++i) parts[i] = srt_eval_input(ctx, node, i);
    const int32_t axis = p->axis < 0 ? p->axis + k_rank(out->dims) : p->axis;
    return axis_copy(ctx, "CONCATENATION", out, parts, n, axis, true);
}

/* ---- SPLIT (axis, input) and SPLIT_V (input, size_splits, axis): TFLM's Prepare takes one temp
 * tensor, input 0 (SPLIT: the axis, which must be constant; SPLIT_V: the data input) ---- */
static srt_status split_prepare_common(srt_ctx *ctx, srt_node *node, const char *op, int axis_input) {
    CHECK(k_check_io(ctx, node, axis_input == 0 ? 2 : 3, axis_input == 0 ? 2 : 3, -1, op));
    if (node->outputs->size < 1 || node->outputs->size > K_MAX_PARTS)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d outputs", op, (int)node->outputs->size);
    const srt_tensor *t0 = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, t0, op, axis_input == 0 ? "axis" : "input"));
    if (axis_input == 0 && (!t0->is_constant || t0->type != SRT_INT32 || k_elements(t0->dims) != 1))
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: axis must be a constant int32 scalar", op);
    if (axis_input != 0 && srt_type_size(t0->type) == 0) return k_unsupported_type(ctx, op, t0->type);
    return SRT_OK;
}
static srt_status split_prepare(srt_ctx *ctx, srt_node *node) { return split_prepare_common(ctx, node, "SPLIT", 0); }
static srt_status split_v_prepare(srt_ctx *ctx, srt_node *node) { return split_prepare_common(ctx, node, "SPLIT_V", 2); }

static srt_status split_eval_common(srt_ctx *ctx, srt_node *node, const char *op, int in_idx, int axis_idx) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, in_idx), *ax = srt_eval_input(ctx, node, axis_idx);
    srt_eval_tensor *parts[K_MAX_PARTS];
    const int32_t n = node->outputs->size;
    if (!in || !in->data || !ax || !ax->data || n > K_MAX_PARTS) return k_missing(ctx, op);
    if (ax->type != SRT_INT32 || k_elements(ax->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis must be an int32 scalar", op);
    int32_t axis = k_ld_i32(ax->data, 0);
    if (axis < 0) axis += k_rank(in->dims);
    if (axis < 0 || axis >= k_rank(in->dims)) return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis out of range", op);
    for (int32_t i = 0; i < n; ++i) parts[i] = srt_eval_output(ctx, node, i);
    return axis_copy(ctx, op, in, parts, n, axis, false);
}
static srt_status split_eval(srt_ctx *ctx, srt_node *node) { return split_eval_common(ctx, node, "SPLIT", 1, 0); }
static srt_status split_v_eval(srt_ctx *ctx, srt_node *node) { return split_eval_common(ctx, node, "SPLIT_V", 0, 2); }

#define OP(var, code, nm, OPN, opt, prs, prep, ev)                                           \
    const srt_op var = {.builtin_code = code, .name = nm, .options_type = opt,              \
                        .params_size = SRT_PARAMS_SIZE_##OPN, .params_align = SRT_PARAMS_ALIGN_##OPN, \
                        .parse = prs, .opdata_size = SRT_OPDATA_SIZE_##OPN, .prepare = prep, .eval = ev}

OP(srt_op_reshape, 22, "RESHAPE", RESHAPE, K_OPT_Reshape, reshape_parse, reshape_prepare, reshape_eval);
OP(srt_op_squeeze, 43, "SQUEEZE", SQUEEZE, K_OPT_Squeeze, squeeze_parse, squeeze_prepare, squeeze_eval);
OP(srt_op_expand_dims, 70, "EXPAND_DIMS", EXPAND_DIMS, 0, NULL, expand_dims_prepare, expand_dims_eval);
OP(srt_op_shape, 77, "SHAPE", SHAPE, K_OPT_Shape, shape_parse, shape_prepare, shape_eval);
OP(srt_op_pack, 83, "PACK", PACK, K_OPT_Pack, pack_parse, pack_prepare, pack_eval);
OP(srt_op_unpack, 88, "UNPACK", UNPACK, K_OPT_Unpack, pack_parse, unpack_prepare, unpack_eval);
OP(srt_op_concatenation, 2, "CONCATENATION", CONCATENATION, K_OPT_Concatenation, concat_parse, concat_prepare, concat_eval);
OP(srt_op_split, 49, "SPLIT", SPLIT, K_OPT_Split, split_parse, split_prepare, split_eval);
OP(srt_op_split_v, 102, "SPLIT_V", SPLIT_V, K_OPT_SplitV, split_parse, split_v_prepare, split_v_eval);

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op RESHAPE | any fixed-size type | new shape from options or a shape tensor; a -1 in the stored output shape
 * @op SQUEEZE | any fixed-size type | 
 * @op EXPAND_DIMS | any fixed-size type | 
 * @op SHAPE | any input; int32/int64 output | 
 * @op PACK | any fixed-size type | 
 * @op UNPACK | any fixed-size type | 
 * @op CONCATENATION | any fixed-size type | no fused activation; int8/int16 inputs must share the output's scale and zero point (as TFLM)
 * @op SPLIT | any fixed-size type | constant axis
 * @op SPLIT_V | any fixed-size type | sizes taken from the output shapes
 */
