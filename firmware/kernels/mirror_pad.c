/* mirror_pad.c - MIRROR_PAD (REFLECT / SYMMETRIC; float32 and int8, int32 or int64 paddings) and
 * PADV2's constant check (PADV2 itself runs PAD's kernel, slice_ops.c, as in TFLM). Pure index
 * maps. Like TFLM, Prepare requests two scratch buffers of rank ints (the per-axis element
 * counts of output and input); the paddings are read at Eval, so they are checked there. */
#include "ops_b.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)
#define MP_MAX_RANK 6

/* TfLiteMirrorPaddingParams {TfLiteMirrorPaddingMode mode}: 0 unknown (no options table),
 * 1 reflect, 2 symmetric. Only reflect mirrors with an offset of 1. */
typedef uint8_t k_mirror_params;
K_STATIC_FITS(k_mirror_params, SRT_PARAMS_SIZE_MIRROR_PAD);

typedef struct {
    int32_t rank, output_size, offset, out_counts_scratch, in_counts_scratch;
} k_mirror_data;
K_STATIC_FITS(k_mirror_data, SRT_OPDATA_SIZE_MIRROR_PAD);

srt_status k_padv2_constant(srt_ctx *ctx, const srt_tensor *in, const srt_tensor *out, const srt_tensor *cst) {
    static const char op[] = "PADV2";
    if (cst->type != in->type || k_elements(cst->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: constant_values must be a scalar of the input's type", op);
    if (in->type == SRT_INT8) {
        CHECK(k_require_quant(ctx, out, op, "output"));
        CHECK(k_require_quant(ctx, cst, op, "constant_values"));
        if (srt_q_zero_point(cst, 0) != srt_q_zero_point(out, 0) || srt_q_scale(cst, 0) != srt_q_scale(out, 0))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: constant_values must share the output's quantisation", op);
    }
    return SRT_OK;
}

static srt_status mirror_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_mirror_params *p = params;
    /* schema MirrorPadMode: REFLECT = 0, SYMMETRIC = 1 */
    *p = !o ? 0 : srt_fb_i8(o, 0, 0) == 0 ? 1 : 2;
    return SRT_OK;
}

static srt_status mirror_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "MIRROR_PAD";
    k_mirror_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *pads = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, pads, op, "paddings"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    const int32_t r = k_rank(in->dims);
    if (k_rank(pads->dims) != 2 || pads->dims->data[0] != r || pads->dims->data[1] != 2 || r > MP_MAX_RANK || r < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: paddings must be [rank, 2], rank 1..%d", op, MP_MAX_RANK);
    if ((in->type != SRT_FLOAT32 && in->type != SRT_INT8) || out->type != in->type)
        return k_unsupported_type(ctx, op, in->type);
    if (pads->type != SRT_INT32 && pads->type != SRT_INT64) return k_unsupported_type(ctx, op, pads->type);
    const k_mirror_params *p = node->builtin_data;
    d->offset = *p == 1 ? 1 : 0;
    d->rank = r;
    d->output_size = k_elements(out->dims);
    CHECK(srt_request_scratch(ctx, 4 * (size_t)r, &d->out_counts_scratch));
    CHECK(srt_request_scratch(ctx, 4 * (size_t)r, &d->in_counts_scratch));
    return SRT_OK;
}

static int64_t pad_at(const srt_eval_tensor *pads, int32_t i) {
    return pads->type == SRT_INT64 ? k_ld_i64(pads->data, i) : k_ld_i32(pads->data, i);
}

/* TFLM's GetInputDimension: the input index an output index maps to along one axis */
static int32_t mirror_index(int32_t j, int32_t left, int32_t size, int32_t offset) {
    if (j < left) {
        const int32_t orig = left + offset - 1;
        const int32_t k = j < orig - offset ? j : orig - offset;
        return orig - k;
    }
    j -= left;
    if (j >= size) {
        j -= size;
        const int32_t orig = size - (1 + offset);
        return orig - (j < orig ? j : orig);
    }
    return j;
}

static srt_status mirror_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "MIRROR_PAD";
    const k_mirror_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *pads = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !pads || !out || !in->data || !pads->data || !out->data) return k_missing(ctx, op);
    const int32_t r = d->rank;
    int32_t *oc = srt_get_scratch(ctx, d->out_counts_scratch), *ic = srt_get_scratch(ctx, d->in_counts_scratch);
    if (!oc || !ic || in->dims->size != r || out->dims->size != r) return k_missing(ctx, op);
    if (k_elements(pads->dims) != 2 * r) return srt_fail(ctx, SRT_ERR_MODEL, "%s: paddings must be [rank, 2]", op);
    int32_t left[MP_MAX_RANK];
    for (int32_t a = 0; a < r; ++a) {
        const int64_t l = pad_at(pads, 2 * a), rt = pad_at(pads, 2 * a + 1), n = in->dims->data[a];
        /* reflect needs pads <= n - 1, symmetric <= n; the output must be n + l + r */
        if (l < 0 || rt < 0 || l > n - d->offset || rt > n - d->offset || n < 1 || out->dims->data[a] != n + l + rt)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: paddings do not fit axis %d", op, (int)a);
        left[a] = (int32_t)l;
    }
    for (int32_t a = r - 1; a >= 0; --a) {
        oc[a] = a == r - 1 ? 1 : oc[a + 1] * out->dims->data[a + 1];
        ic[a] = a == r - 1 ? 1 : ic[a + 1] * in->dims->data[a + 1];
    }
    const size_t es = srt_type_size(in->type);
    const uint8_t *src = in->data;
    uint8_t *dst = out->data;
    for (int32_t i = 0; i < d->output_size; ++i) {
        int32_t rest = i, flat = 0;
        for (int32_t a = 0; a < r; ++a) {
            const int32_t j = rest / oc[a];
            rest %= oc[a];
            flat += mirror_index(j, left[a], in->dims->data[a], d->offset) * ic[a];
        }
        memcpy(dst + (size_t)i * es, src + (size_t)flat * es, es);
    }
    return SRT_OK;
}

const srt_op srt_op_mirror_pad = {
    .builtin_code = 100, .name = "MIRROR_PAD", .options_type = 77,
    .params_size = SRT_PARAMS_SIZE_MIRROR_PAD, .params_align = SRT_PARAMS_ALIGN_MIRROR_PAD,
    .parse = mirror_parse, .opdata_size = SRT_OPDATA_SIZE_MIRROR_PAD, .prepare = mirror_prepare, .eval = mirror_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op MIRROR_PAD | int8; float32 (int32 or int64 paddings) | REFLECT and SYMMETRIC, rank <= 6
 */
