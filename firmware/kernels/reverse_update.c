/* reverse_update.c - REVERSE_V2 (reverse along a contiguous run of axes; int8, uint8, int16, int32,
 * int64, bool, float32) and DYNAMIC_UPDATE_SLICE (write `update` into a copy of `operand` at
 * clamped start indices; int8, int16, int32, float32; int32 or int64 indices). Pure element copies,
 * bit-exact by construction. Both read their index inputs at Eval, where they are checked. */
#include "ops_b.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)
#define RV_MAX_RANK 6 /* TFLM's RuntimeShape::kMaxSmallSize */

/* ---- REVERSE_V2: in, axis, out ---- */
static srt_status reverse_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "REVERSE_V2";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *axis = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, axis, op, "axis"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (k_rank(axis->dims) != 1 || k_rank(in->dims) > RV_MAX_RANK || k_rank(in->dims) < k_elements(axis->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis must be 1-D with at most rank-of-input elements", op);
    const uint8_t t = in->type;
    if (t != SRT_INT32 && t != SRT_FLOAT32 && t != SRT_UINT8 && t != SRT_INT8 && t != SRT_INT16 && t != SRT_INT64 &&
        t != SRT_BOOL)
        return k_unsupported_type(ctx, op, t);
    if (axis->type != SRT_INT32) return k_unsupported_type(ctx, op, axis->type);
    if (out->type != t || !k_same_dims(in->dims, out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output must have the input's type and shape", op);
    return SRT_OK;
}

static srt_status reverse_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "REVERSE_V2";
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *ax = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !ax || !out || !in->data || !ax->data || !out->data) return k_missing(ctx, op);
    const int32_t rank = in->dims->size, na = k_elements(ax->dims);
    if (na < 0 || na > rank) return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d axes for rank %d", op, (int)na, (int)rank);
    bool flip[RV_MAX_RANK] = {false};
    int32_t lo = rank, hi = -1;
    for (int32_t i = 0; i < na; ++i) {
        int32_t a = k_ld_i32(ax->data, i);
        if (a < 0) a += rank;
        if (a < 0 || a >= rank) return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis out of range", op);
        flip[a] = true;
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
    }
    /* TFLM refuses axes that are not one contiguous run (duplicates count as gaps there too) */
    for (int32_t a = lo; a <= hi; ++a)
        if (!flip[a]) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: non-contiguous axes", op);
    if (hi - lo + 1 != na && na > 0) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: repeated axes", op);
    const size_t es = srt_type_size(in->type);
    const int32_t n = k_elements(in->dims);
    int32_t idx[RV_MAX_RANK] = {0};
    for (int32_t k = 0; k < n; ++k) {
        size_t src = 0;
        for (int32_t a = 0; a < rank; ++a)
            src = src * (size_t)in->dims->data[a] + (size_t)(flip[a] ? in->dims->data[a] - 1 - idx[a] : idx[a]);
        memcpy((uint8_t *)out->data + (size_t)k * es, (const uint8_t *)in->data + src * es, es);
        for (int32_t a = rank - 1; a >= 0; --a) {
            if (++idx[a] < in->dims->data[a]) break;
            idx[a] = 0;
        }
    }
    return SRT_OK;
}

/* ---- DYNAMIC_UPDATE_SLICE: operand, update, start indices, out ---- */
static srt_status dus_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "DYNAMIC_UPDATE_SLICE";
    CHECK(k_check_io(ctx, node, 3, 3, 1, op));
    const srt_tensor *operand = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, operand, op, "operand"));
    const srt_tensor *update = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, update, op, "update"));
    const srt_tensor *start = srt_prepare_input(ctx, node, 2);
    CHECK(k_need(ctx, start, op, "start indices"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    const uint8_t t = operand->type;
    if (t != SRT_FLOAT32 && t != SRT_INT8 && t != SRT_INT16 && t != SRT_INT32) return k_unsupported_type(ctx, op, t);
    if (update->type != t || out->type != t) return k_unsupported_type(ctx, op, update->type != t ? update->type : out->type);
    if (start->type != SRT_INT32 && start->type != SRT_INT64) return k_unsupported_type(ctx, op, start->type);
    const int32_t r = k_rank(operand->dims);
    if (k_rank(start->dims) != 1 || start->dims->data[0] != r || k_rank(update->dims) != r || r < 1 ||
        r > RV_MAX_RANK || !k_same_dims(operand->dims, out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: operand, update, indices and output shapes do not match", op);
    for (int32_t i = 0; i < r; ++i)
        if (update->dims->data[i] > operand->dims->data[i])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: update larger than the operand", op);
    return SRT_OK;
}

static srt_status dus_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "DYNAMIC_UPDATE_SLICE";
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *u = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *st = srt_eval_input(ctx, node, 2), *out = srt_eval_output(ctx, node, 0);
    if (!a || !u || !st || !out || !a->data || !u->data || !st->data || !out->data) return k_missing(ctx, op);
    const int32_t r = a->dims->size;
    const size_t es = srt_type_size(a->type);
    const int32_t na = k_elements(a->dims), nu = k_elements(u->dims);
    if (na == nu) {
        memcpy(out->data, u->data, (size_t)na * es);
        return SRT_OK;
    }
    if (out->data != a->data) memcpy(out->data, a->data, (size_t)na * es);
    if (nu == 0) return SRT_OK;
    int32_t start[RV_MAX_RANK], ostride[RV_MAX_RANK];
    for (int32_t i = 0; i < r; ++i) {
        const int64_t raw = st->type == SRT_INT64 ? k_ld_i64(st->data, i) : k_ld_i32(st->data, i);
        const int64_t hi = (int64_t)a->dims->data[i] - u->dims->data[i];
        start[i] = (int32_t)(raw < 0 ? 0 : (raw > hi ? hi : raw));
    }
    ostride[r - 1] = 1;
    for (int32_t i = r - 2; i >= 0; --i) ostride[i] = ostride[i + 1] * a->dims->data[i + 1];
    /* row by row over the update's leading dims: each innermost run is one contiguous copy */
    const int32_t inner = u->dims->data[r - 1], rows = nu / inner;
    int32_t idx[RV_MAX_RANK] = {0};
    for (int32_t k = 0; k < rows; ++k) {
        size_t off = (size_t)start[r - 1];
        for (int32_t i = 0; i < r - 1; ++i) off += (size_t)(start[i] + idx[i]) * (size_t)ostride[i];
        memcpy((uint8_t *)out->data + off * es, (const uint8_t *)u->data + (size_t)k * inner * es, (size_t)inner * es);
        for (int32_t i = r - 2; i >= 0; --i) {
            if (++idx[i] < u->dims->data[i]) break;
            idx[i] = 0;
        }
    }
    return SRT_OK;
}

const srt_op srt_op_reverse_v2 = {
    .builtin_code = 105, .name = "REVERSE_V2", .options_type = 0,
    .params_size = 0, .params_align = 0, .parse = NULL, .opdata_size = 0,
    .prepare = reverse_prepare, .eval = reverse_eval,
};
const srt_op srt_op_dynamic_update_slice = {
    .builtin_code = 151, .name = "DYNAMIC_UPDATE_SLICE", .options_type = 0,
    .params_size = 0, .params_align = 0, .parse = NULL, .opdata_size = 0,
    .prepare = dus_prepare, .eval = dus_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op REVERSE_V2 | int8; uint8; int16; int32; int64; bool; float32 | rank <= 6, one contiguous run of axes (as TFLM)
 * @op DYNAMIC_UPDATE_SLICE | int8; int16; int32; float32 (int32 or int64 start indices) | rank <= 6; start indices clamped as TFLM
 */
