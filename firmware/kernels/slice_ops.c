/* slice_ops.c - STRIDED_SLICE, TRANSPOSE, PAD (any element type of a known size; PAD's fill value is
 * the output zero point for int8, 0 otherwise). Pure index maps, bit-exact by construction. */
#include "ops.h"
#include "ops_b.h"

#define SS_MAX 5 /* TFLM's StridedSliceParams / PadParams hold 5 dims */

typedef struct {
    int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, offset;
} k_ss_params;
typedef struct {
    int32_t rank;
    int32_t start[SS_MAX], stop[SS_MAX], stride[SS_MAX];
} k_ss_data;
typedef struct {
    int32_t rank;
    int32_t before[SS_MAX], after[SS_MAX];
    int32_t pad_value; /* int8: output zero point */
} k_pad_data;

K_STATIC_FITS(k_ss_params, SRT_PARAMS_SIZE_STRIDED_SLICE);
K_STATIC_FITS(k_ss_data, SRT_OPDATA_SIZE_STRIDED_SLICE);
K_STATIC_FITS(k_pad_data, SRT_OPDATA_SIZE_PAD);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status ss_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_ss_params *p = params;
    if (!o) return SRT_OK;
    p->begin_mask = srt_fb_i32(o, 0, 0);
    p->end_mask = srt_fb_i32(o, 1, 0);
    p->ellipsis_mask = srt_fb_i32(o, 2, 0);
    p->new_axis_mask = srt_fb_i32(o, 3, 0);
    p->shrink_axis_mask = srt_fb_i32(o, 4, 0);
    p->offset = srt_fb_bool(o, 5, false);
    return SRT_OK;
}

static int32_t clampi(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* ---- STRIDED_SLICE: in, begin, end, strides, out ---- */
static srt_status ss_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "STRIDED_SLICE";
    const k_ss_params *p = node->builtin_data;
    k_ss_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 4, 4, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *t[3];
    for (int i = 0; i < 3; ++i) {
        t[i] = srt_prepare_input(ctx, node, 1 + i);
        CHECK(k_check_tensor(ctx, t[i], op, "begin/end/strides"));
    }
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != out->type || srt_type_size(in->type) == 0) return k_unsupported_type(ctx, op, in->type);
    const int32_t r = k_rank(in->dims);
    if (r > SS_MAX) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: input rank %d > %d", op, (int)r, SS_MAX);
    /* ellipsis_mask, new_axis_mask and offset are ignored: TFLM's BuildStridedSliceParams sets the
     * two masks to 0 and never reads offset, and checks the output shape against that reading */
    for (int i = 0; i < 3; ++i)
        if (!t[i]->is_constant || t[i]->type != SRT_INT32 || k_elements(t[i]->dims) != r)
            return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: begin/end/strides must be constant int32[%d]", op, (int)r);
    d->rank = r;
    int64_t count = 1;
    for (int32_t a = 0; a < r; ++a) {
        const int32_t size = in->dims->data[a];
        const int32_t stride = k_ld_i32(t[2]->data, a);
        if (stride == 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: stride 0", op);
        int64_t start = k_ld_i32(t[0]->data, a), stop = k_ld_i32(t[1]->data, a);
        if (size == 0) { start = 0; stop = 0; }
        else {
            if (p->begin_mask & (1 << a)) start = stride > 0 ? INT32_MIN : INT32_MAX;
            if (start < 0) start += size;
            start = stride > 0 ? clampi((int32_t)(start < INT32_MIN ? INT32_MIN : start), 0, size)
                               : clampi((int32_t)(start < INT32_MIN ? INT32_MIN : start), -1, size - 1);
            if (p->shrink_axis_mask & (1 << a)) {
                stop = start + 1;
            } else {
                if (p->end_mask & (1 << a)) stop = stride > 0 ? INT32_MAX : INT32_MIN;
                if (stop < 0) stop += size;
                stop = stride > 0 ? clampi((int32_t)(stop > INT32_MAX ? INT32_MAX : stop), 0, size)
                                  : clampi((int32_t)(stop > INT32_MAX ? INT32_MAX : stop), -1, size - 1);
            }
        }
        d->start[a] = (int32_t)start;
        d->stop[a] = (int32_t)stop;
        d->stride[a] = stride;
        /* 64-bit stride: a corrupt model may give INT32_MIN, whose int32 negation overflows. */
        const int64_t s64 = stride;
        int64_t n = s64 > 0 ? (stop - start + s64 - 1) / s64 : (start - stop + (-s64) - 1) / (-s64);
        if (n < 0) n = 0;
        if (n > 0 && count > INT32_MAX / n)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: slice element count overflows", op);
        count *= n;
    }
    if (count != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: slice has %d elements, output %d", op, (int)count,
                        (int)k_elements(out->dims));
    return SRT_OK;
}

static srt_status ss_eval(srt_ctx *ctx, srt_node *node) {
    const k_ss_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "STRIDED_SLICE");
    const size_t es = srt_type_size(in->type);
    const int32_t r = d->rank;
    int64_t stride_el[SS_MAX];
    int64_t acc = 1;
    for (int32_t a = r - 1; a >= 0; --a) { stride_el[a] = acc; acc *= in->dims->data[a]; }
    int32_t idx[SS_MAX];
    for (int32_t a = 0; a < r; ++a) idx[a] = d->start[a];
    for (int32_t a = 0; a < r; ++a)
        if (d->stride[a] > 0 ? idx[a] >= d->stop[a] : idx[a] <= d->stop[a]) return SRT_OK; /* empty */
    uint8_t *o = out->data;
    for (;;) {
        int64_t off = 0;
        for (int32_t a = 0; a < r; ++a) off += (int64_t)idx[a] * stride_el[a];
        memcpy(o, (const uint8_t *)in->data + (size_t)off * es, es);
        o += es;
        int32_t a = r - 1;
        for (; a >= 0; --a) {
            idx[a] += d->stride[a];
            if (d->stride[a] > 0 ? idx[a] < d->stop[a] : idx[a] > d->stop[a]) break;
            idx[a] = d->start[a];
        }
        if (a < 0) break;
    }
    return SRT_OK;
}

/* ---- TRANSPOSE: in, perm, out (no OpData in TFLM: the permutation is read at Eval) ---- */
#define TR_MAX 6
static srt_status tr_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TRANSPOSE";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *perm = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, perm, op, "perm"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != out->type || srt_type_size(in->type) == 0) return k_unsupported_type(ctx, op, in->type);
    if (perm->type != SRT_INT32) return k_unsupported_type(ctx, op, perm->type);
    if (k_rank(in->dims) > TR_MAX) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: rank > %d", op, TR_MAX);
    return SRT_OK;
}

static srt_status tr_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TRANSPOSE";
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *pm = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !pm || !out || !in->data || !pm->data || !out->data) return k_missing(ctx, op);
    const int32_t r = k_rank(in->dims);
    if (r > TR_MAX || k_elements(pm->dims) != r || k_rank(out->dims) != r || in->type != out->type)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: perm/output do not match the input rank", op);
    int32_t perm[TR_MAX], seen = 0;
    int64_t in_stride[TR_MAX], acc = 1;
    for (int32_t a = r - 1; a >= 0; --a) { in_stride[a] = acc; acc *= in->dims->data[a]; }
    for (int32_t i = 0; i < r; ++i) {
        perm[i] = k_ld_i32(pm->data, i);
        if (perm[i] < 0) perm[i] += r;
        if (perm[i] < 0 || perm[i] >= r || (seen & (1 << perm[i])) ||
            out->dims->data[i] != in->dims->data[perm[i]])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: invalid permutation", op);
        seen |= 1 << perm[i];
    }
    const size_t es = srt_type_size(in->type);
    const int32_t n = k_elements(out->dims);
    int32_t idx[TR_MAX] = {0};
    uint8_t *o = out->data;
    for (int32_t k = 0; k < n; ++k) {
        int64_t off = 0;
        for (int32_t i = 0; i < r; ++i) off += (int64_t)idx[i] * in_stride[perm[i]];
        memcpy(o + (size_t)k * es, (const uint8_t *)in->data + (size_t)off * es, es);
        for (int32_t i = r - 1; i >= 0; --i) {
            if (++idx[i] < out->dims->data[i]) break;
            idx[i] = 0;
        }
    }
    return SRT_OK;
}

/* ---- PAD: in, paddings, [constant], out ---- */
static srt_status pad_prepare(srt_ctx *ctx, srt_node *node) {
    const char *op = node->op ? node->op->name : "PAD";
    k_pad_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 3, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *pads = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, pads, op, "paddings"));
    const srt_tensor *cst = NULL;
    if (node->inputs->size > 2) {
        cst = srt_prepare_input(ctx, node, 2);
        if (!cst && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
    }
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != out->type || (in->type != SRT_INT8 && in->type != SRT_FLOAT32 && in->type != SRT_INT32 &&
                                  in->type != SRT_INT16))
        return k_unsupported_type(ctx, op, in->type);
    if (cst) CHECK(k_padv2_constant(ctx, in, out, cst));
    const int32_t r = k_rank(in->dims);
    if (r > SS_MAX || k_rank(out->dims) != r) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: rank %d", op, (int)r);
    if (!pads->is_constant || pads->type != SRT_INT32 || k_elements(pads->dims) != 2 * r)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: paddings must be a constant int32[%d,2]", op, (int)r);
    d->rank = r;
    for (int32_t a = 0; a < r; ++a) {
        d->before[a] = k_ld_i32(pads->data, 2 * a);
        d->after[a] = k_ld_i32(pads->data, 2 * a + 1);
        if (d->before[a] < 0 || d->after[a] < 0 ||
            (int64_t)in->dims->data[a] + d->before[a] + d->after[a] != out->dims->data[a])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: paddings do not match the output shape", op);
    }
    d->pad_value = 0;
    if (in->type == SRT_INT8) {
        CHECK(k_require_quant(ctx, out, op, "output"));
        d->pad_value = srt_q_zero_point(out, 0);
    }
    return SRT_OK;
}

static srt_status pad_eval(srt_ctx *ctx, srt_node *node) {
    const k_pad_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "PAD");
    const int32_t r = d->rank;
    const size_t es = srt_type_size(in->type);
    const int32_t n = k_elements(out->dims);
    int32_t idx[SS_MAX] = {0};
    int64_t in_stride[SS_MAX], acc = 1;
    for (int32_t a = r - 1; a >= 0; --a) { in_stride[a] = acc; acc *= in->dims->data[a]; }
    uint8_t fill[4];
    if (in->type == SRT_INT8) fill[0] = (uint8_t)(int8_t)d->pad_value;
    else memset(fill, 0, sizeof fill);
    srt_eval_tensor *cst = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    if (cst && cst->data) memcpy(fill, cst->data, es); /* PADV2: the scalar constant_values */
    uint8_t *o = out->data;
    for (int32_t k = 0; k < n; ++k) {
        bool inside = true;
        int64_t off = 0;
        for (int32_t a = 0; a < r; ++a) {
            const int32_t i = idx[a] - d->before[a];
            if (i < 0 || i >= in->dims->data[a]) { inside = false; break; }
            off += (int64_t)i * in_stride[a];
        }
        memcpy(o + (size_t)k * es, inside ? (const uint8_t *)in->data + (size_t)off * es : fill, es);
        for (int32_t a = r - 1; a >= 0; --a) {
            if (++idx[a] < out->dims->data[a]) break;
            idx[a] = 0;
        }
    }
    return SRT_OK;
}

const srt_op srt_op_strided_slice = {
    .builtin_code = 45, .name = "STRIDED_SLICE", .options_type = K_OPT_StridedSlice,
    .params_size = SRT_PARAMS_SIZE_STRIDED_SLICE, .params_align = SRT_PARAMS_ALIGN_STRIDED_SLICE,
    .parse = ss_parse, .opdata_size = SRT_OPDATA_SIZE_STRIDED_SLICE, .prepare = ss_prepare, .eval = ss_eval,
};
const srt_op srt_op_transpose = {
    .builtin_code = 39, .name = "TRANSPOSE", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_TRANSPOSE, .params_align = SRT_PARAMS_ALIGN_TRANSPOSE,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_TRANSPOSE, .prepare = tr_prepare, .eval = tr_eval,
};
const srt_op srt_op_pad = {
    .builtin_code = 34, .name = "PAD", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_PAD, .params_align = SRT_PARAMS_ALIGN_PAD,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_PAD, .prepare = pad_prepare, .eval = pad_eval,
};
const srt_op srt_op_padv2 = {
    .builtin_code = 60, .name = "PADV2", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_PADV2, .params_align = SRT_PARAMS_ALIGN_PADV2,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_PAD, .prepare = pad_prepare, .eval = pad_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op STRIDED_SLICE | any fixed-size type | rank <= 5, constant begin/end/strides, begin/end/shrink-axis masks; ellipsis/new-axis masks and offset ignored, as TFLM does
 * @op TRANSPOSE | any fixed-size type | rank <= 6
 * @op PAD | int8 (pads with the output zero point); int16; int32; float32 | rank <= 5, constant int32 paddings
 * @op PADV2 | int8 (constant with the output's scale and zero point); int16; int32; float32 | as PAD, scalar constant_values
 */
