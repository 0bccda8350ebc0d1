/* shape_more.c - SLICE, BROADCAST_TO, BROADCAST_ARGS, REVERSE_V2, DYNAMIC_UPDATE_SLICE as TFLM's
 * slice.cc, broadcast_to.cc, broadcast_args.cc, reverse.cc, dynamic_update_slice.cc:
 *   SLICE           output[c] = input[begin + c] over the output's shape (int32/int64 begin; the
 *                   size tensor only fixes the output shape), up to 5-D, int8/int16/int32/float32/bool;
 *   BROADCAST_TO    the input repeated along its size-1 dims to a constant shape, up to 5-D, any type;
 *   BROADCAST_ARGS  the broadcast shape of two int32/int64 shape vectors;
 *   REVERSE_V2      reversed along a contiguous set of axes (TFLM rejects any other set), any of
 *                   float32/int8/uint8/int16/int32/int64/bool;
 *   DYNAMIC_UPDATE_SLICE  the operand with `update` written at start indices clamped into range.
 * Arena: no Init; Prepare takes every input and the output as temporaries. */
#include "ops.h"
#include "k_bcast.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* Temp tensors for inputs 0..nin-1 then output 0, as these kernels' Prepare takes them. */
static srt_status temps(srt_ctx *ctx, srt_node *node, const char *op, int nin, const srt_tensor **in,
                        const srt_tensor **out) {
    CHECK(k_check_io(ctx, node, nin, nin, 1, op));
    for (int i = 0; i < nin; ++i) {
        in[i] = srt_prepare_input(ctx, node, i);
        CHECK(k_check_tensor(ctx, in[i], op, "input"));
    }
    *out = srt_prepare_output(ctx, node, 0);
    return k_check_tensor(ctx, *out, op, "output");
}

static int64_t vec_at(const void *data, uint8_t type, int32_t i) {
    return type == SRT_INT64 ? k_ld_i64(data, i) : k_ld_i32(data, i);
}

/* ---- SLICE ---- */
static bool slice_type(uint8_t t) {
    return t == SRT_FLOAT32 || t == SRT_INT32 || t == SRT_INT8 || t == SRT_INT16 || t == SRT_BOOL;
}

static srt_status slice_check(srt_ctx *ctx, const srt_ivec *in_dims, uint8_t btype, const void *begin,
                              int32_t nbegin, const srt_ivec *out_dims, int32_t *b) {
    const int32_t r = k_rank(in_dims);
    if (r > 5 || nbegin != r || k_rank(out_dims) != r || k_elements(in_dims) < 0 || k_elements(out_dims) < 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "SLICE: begin, input and output ranks differ (max 5-D)");
    for (int32_t i = 0; i < r; ++i) {
        const int64_t v = vec_at(begin, btype, i);
        if (v < 0 || v + out_dims->data[i] > in_dims->data[i])
            return srt_fail(ctx, SRT_ERR_MODEL, "SLICE: slice outside the input on dim %d", (int)i);
        b[i] = (int32_t)v;
    }
    return SRT_OK;
}

static srt_status slice_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SLICE";
    const srt_tensor *in[3], *out;
    CHECK(temps(ctx, node, op, 3, in, &out));
    if (in[0]->type != out->type || !slice_type(in[0]->type)) return k_unsupported_type(ctx, op, in[0]->type);
    if (in[1]->type != in[2]->type || (in[1]->type != SRT_INT32 && in[1]->type != SRT_INT64))
        return k_unsupported_type(ctx, op, in[1]->type);
    if (k_rank(in[1]->dims) != 1 || k_rank(in[2]->dims) != 1 || k_elements(in[1]->dims) != k_elements(in[2]->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: begin and size must be vectors of one length", op);
    int32_t b[5];
    if (in[1]->is_constant && in[1]->data)
        CHECK(slice_check(ctx, in[0]->dims, in[1]->type, in[1]->data, k_elements(in[1]->dims), out->dims, b));
    return SRT_OK;
}

static srt_status slice_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *bt = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !bt || !out || !in->data || !bt->data || !out->data) return k_missing(ctx, "SLICE");
    int32_t b[5];
    CHECK(slice_check(ctx, in->dims, bt->type, bt->data, k_elements(bt->dims), out->dims, b));
    const int32_t r = k_rank(in->dims);
    const size_t es = srt_type_size(in->type);
    if (r == 0) {
        memcpy(out->data, in->data, es);
        return SRT_OK;
    }
    size_t istride[5];
    istride[r - 1] = 1;
    for (int32_t i = r - 2; i >= 0; --i) istride[i] = istride[i + 1] * (size_t)in->dims->data[i + 1];
    int32_t idx[5] = {0};
    const int32_t n = k_elements(out->dims);
    for (int32_t o = 0; o < n; ++o) {
        size_t src = 0;
        for (int32_t i = 0; i < r; ++i) src += (size_t)(b[i] + idx[i]) * istride[i];
        memcpy((uint8_t *)out->data + (size_t)o * es, (const uint8_t *)in->data + src * es, es);
        for (int32_t i = r - 1; i >= 0; --i) {
            if (++idx[i] < out->dims->data[i]) break;
            idx[i] = 0;
        }
    }
    return SRT_OK;
}

/* ---- BROADCAST_TO ---- */
static srt_status broadcast_to_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "BROADCAST_TO";
    const srt_tensor *in[2], *out;
    CHECK(temps(ctx, node, op, 2, in, &out));
    if (in[1]->type != SRT_INT32 && in[1]->type != SRT_INT64) return k_unsupported_type(ctx, op, in[1]->type);
    if (in[0]->type != out->type || srt_type_size(in[0]->type) == 0) return k_unsupported_type(ctx, op, in[0]->type);
    if (!in[1]->is_constant || !in[1]->data)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: the shape tensor must be constant", op);
    const int32_t r = k_rank(out->dims);
    if (k_rank(in[1]->dims) != 1 || k_dim(in[1]->dims, 0) != r || r > 5 || k_rank(in[0]->dims) > r)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: shape, input and output ranks do not fit (max 5-D)", op);
    for (int32_t i = 0; i < r; ++i)
        if (vec_at(in[1]->data, in[1]->type, i) != out->dims->data[i])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: the output shape differs from the shape tensor", op);
    const srt_ivec *ins[1] = {in[0]->dims};
    kb_plan p;
    if (!kb_setup(&p, ins, 1, out->dims, 5)) return srt_fail(ctx, SRT_ERR_MODEL, "%s: input does not broadcast", op);
    return SRT_OK;
}

static srt_status broadcast_to_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "BROADCAST_TO");
    const srt_ivec *ins[1] = {in->dims};
    kb_plan p;
    if (!kb_setup(&p, ins, 1, out->dims, 5)) return srt_fail(ctx, SRT_ERR_MODEL, "BROADCAST_TO: shapes");
    const size_t es = srt_type_size(in->type);
    kb_iter it;
    kb_begin(&it);
    for (int32_t i = 0; i < p.total; ++i) {
        memcpy((uint8_t *)out->data + (size_t)i * es, (const uint8_t *)in->data + it.off[0] * es, es);
        kb_next(&p, &it);
    }
    return SRT_OK;
}

/* ---- BROADCAST_ARGS ---- */
static srt_status broadcast_args_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "BROADCAST_ARGS";
    const srt_tensor *in[2], *out;
    CHECK(temps(ctx, node, op, 2, in, &out));
    if ((in[0]->type != SRT_INT32 && in[0]->type != SRT_INT64) || in[1]->type != in[0]->type ||
        out->type != in[0]->type)
        return k_unsupported_type(ctx, op, in[0]->type);
    if (k_rank(in[0]->dims) != 1 || k_rank(in[1]->dims) != 1 || k_rank(out->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes must be vectors", op);
    return SRT_OK;
}

static srt_status broadcast_args_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!a || !b || !out || !a->data || !b->data || !out->data) return k_missing(ctx, "BROADCAST_ARGS");
    const int32_t na = k_elements(a->dims), nb = k_elements(b->dims), n = k_elements(out->dims);
    const bool i64 = out->type == SRT_INT64;
    for (int32_t i = 0; i < n; ++i) {   /* i counts from the last dim */
        const int32_t ia = na - 1 - i, ib = nb - 1 - i;
        const int64_t x = ia >= 0 ? vec_at(a->data, a->type, ia) : 1;
        const int64_t y = ib >= 0 ? vec_at(b->data, b->type, ib) : 1;
        if (x != 1 && y != 1 && x != y)
            return srt_fail(ctx, SRT_ERR_INPUT, "BROADCAST_ARGS: shapes do not broadcast");
        /* the reference reads each dim through an int: an int64 dim keeps its low 32 bits */
        const int64_t v = (int32_t)(uint32_t)(uint64_t)(x == 1 ? y : x);
        if (i64) ((int64_t *)out->data)[n - 1 - i] = v;
        else ((int32_t *)out->data)[n - 1 - i] = (int32_t)v;
    }
    return SRT_OK;
}

/* ---- REVERSE_V2 ---- */
static bool reverse_type(uint8_t t) {
    return t == SRT_FLOAT32 || t == SRT_INT32 || t == SRT_UINT8 || t == SRT_INT8 || t == SRT_INT16 ||
           t == SRT_INT64 || t == SRT_BOOL;
}

static srt_status reverse_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "REVERSE_V2";
    const srt_tensor *in[2], *out;
    CHECK(temps(ctx, node, op, 2, in, &out));
    if (k_rank(in[1]->dims) != 1 || k_rank(in[0]->dims) > K_MAX_RANK ||
        k_rank(in[0]->dims) < k_elements(in[1]->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis must be a vector of at most rank elements", op);
    if (!reverse_type(in[0]->type)) return k_unsupported_type(ctx, op, in[0]->type);
    if (in[1]->type != SRT_INT32) return k_unsupported_type(ctx, op, in[1]->type);
    if (in[0]->type != out->type) return k_unsupported_type(ctx, op, out->type);
    if (k_elements(in[0]->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    return SRT_OK;
}

static srt_status reverse_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "REVERSE_V2";
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *ax = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !ax || !out || !in->data || !ax->data || !out->data) return k_missing(ctx, op);
    const int32_t r = k_rank(in->dims), na = k_elements(ax->dims);
    if (na > r || na > 8) return srt_fail(ctx, SRT_ERR_MODEL, "%s: too many axes", op);
    int32_t axes[8];
    for (int32_t i = 0; i < na; ++i) {   /* normalised, then sorted (insertion) */
        int32_t a = k_ld_i32(ax->data, i);
        if (a < 0) a += r;
        if (a < 0 || a >= r) return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis out of range", op);
        int32_t k = i;
        while (k > 0 && axes[k - 1] > a) {
            axes[k] = axes[k - 1];
            --k;
        }
        axes[k] = a;
    }
    for (int32_t i = 1; i < na; ++i)
        if (axes[i - 1] + 1 != axes[i])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: the axes must be contiguous", op);
    const size_t es = srt_type_size(in->type);
    const int32_t n = k_elements(in->dims);
    if (na == 0) {
        memcpy(out->data, in->data, (size_t)n * es);
        return SRT_OK;
    }
    /* outer x (combined axes) x inner: the combined axis index runs backwards */
    size_t outer = 1, mid = 1, inner = 1;
    for (int32_t i = 0; i < r; ++i) {
        const size_t d = (size_t)in->dims->data[i];
        if (i < axes[0]) outer *= d; else if (i <= axes[na - 1]) mid *= d; else inner *= d;
    }
    for (size_t o = 0; o < outer; ++o)
        for (size_t m = 0; m < mid; ++m)
            memcpy((uint8_t *)out->data + ((o * mid + m) * inner) * es,
                   (const uint8_t *)in->data + ((o * mid + (mid - 1 - m)) * inner) * es, inner * es);
    return SRT_OK;
}

/* ---- DYNAMIC_UPDATE_SLICE ---- */
static srt_status dus_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "DYNAMIC_UPDATE_SLICE";
    const srt_tensor *in[3], *out;
    CHECK(temps(ctx, node, op, 3, in, &out));
    const uint8_t t = in[0]->type;
    if (t != in[1]->type || t != out->type ||
        !(t == SRT_FLOAT32 || t == SRT_INT8 || t == SRT_INT16 || t == SRT_INT32))
        return k_unsupported_type(ctx, op, t != in[1]->type ? in[1]->type : t);
    if (in[2]->type != SRT_INT32 && in[2]->type != SRT_INT64) return k_unsupported_type(ctx, op, in[2]->type);
    const int32_t r = k_rank(in[0]->dims);
    if (k_rank(in[2]->dims) != 1 || k_dim(in[2]->dims, 0) != r || k_rank(in[1]->dims) != r || r > K_MAX_RANK ||
        k_elements(in[0]->dims) != k_elements(out->dims) || k_elements(in[1]->dims) < 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: operand, update, indices and output ranks do not fit", op);
    for (int32_t i = 0; i < r; ++i)
        if (in[1]->dims->data[i] > in[0]->dims->data[i])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: the update is larger than the operand", op);
    return SRT_OK;
}

static srt_status dus_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "DYNAMIC_UPDATE_SLICE";
    srt_eval_tensor *x = srt_eval_input(ctx, node, 0), *u = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *ix = srt_eval_input(ctx, node, 2), *out = srt_eval_output(ctx, node, 0);
    if (!x || !u || !ix || !out || !x->data || !u->data || !ix->data || !out->data) return k_missing(ctx, op);
    const int32_t r = k_rank(x->dims), nx = k_elements(x->dims), nu = k_elements(u->dims);
    if (r > K_MAX_RANK || k_rank(u->dims) != r || k_elements(ix->dims) < r)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes", op);
    const size_t es = srt_type_size(x->type);
    if (nx == nu) {
        memcpy(out->data, u->data, (size_t)nx * es);
        return SRT_OK;
    }
    if (out->data != x->data) memcpy(out->data, x->data, (size_t)nx * es);
    if (nu == 0) return SRT_OK;
    int32_t start[K_MAX_RANK];
    size_t ostride[K_MAX_RANK];
    for (int32_t i = 0; i < r; ++i) {
        int64_t v = vec_at(ix->data, ix->type, i);
        const int64_t hi = (int64_t)x->dims->data[i] - u->dims->data[i];
        v = v < 0 ? 0 : v;
        start[i] = (int32_t)(v < hi ? v : hi);
    }
    ostride[r - 1] = 1;
    for (int32_t i = r - 2; i >= 0; --i) ostride[i] = ostride[i + 1] * (size_t)x->dims->data[i + 1];
    /* row by row of the update's last dimension */
    const int32_t row = u->dims->data[r - 1];
    int32_t idx[K_MAX_RANK] = {0};
    for (int32_t k = 0; k < nu; k += row) {
        size_t dst = 0;
        for (int32_t i = 0; i < r; ++i) dst += (size_t)(start[i] + idx[i]) * ostride[i];
        memcpy((uint8_t *)out->data + dst * es, (const uint8_t *)u->data + (size_t)k * es, (size_t)row * es);
        for (int32_t i = r - 2; i >= 0; --i) {
            if (++idx[i] < u->dims->data[i]) break;
            idx[i] = 0;
        }
    }
    return SRT_OK;
}

#define SHAPE_OP(var, code, nm, prep, ev)                                                          \
    const srt_op var = {.builtin_code = code, .name = nm, .options_type = 0, .params_size = 0,    \
                        .params_align = 0, .parse = NULL, .opdata_size = 0, .prepare = prep, .eval = ev}

SHAPE_OP(srt_op_slice, 65, "SLICE", slice_prepare, slice_eval);
SHAPE_OP(srt_op_broadcast_to, 130, "BROADCAST_TO", broadcast_to_prepare, broadcast_to_eval);
SHAPE_OP(srt_op_broadcast_args, 145, "BROADCAST_ARGS", broadcast_args_prepare, broadcast_args_eval);
SHAPE_OP(srt_op_reverse_v2, 105, "REVERSE_V2", reverse_prepare, reverse_eval);
SHAPE_OP(srt_op_dynamic_update_slice, 151, "DYNAMIC_UPDATE_SLICE", dus_prepare, dus_eval);

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op SLICE | int8; int16; int32; float32; bool | rank <= 5; int32/int64 begin and size
 * @op BROADCAST_TO | any fixed-size type | rank <= 5; constant int32/int64 shape
 * @op BROADCAST_ARGS | int32; int64 | 
 * @op REVERSE_V2 | any of int8; uint8; int16; int32; int64; float32; bool | contiguous int32 axes, rank <= 8
 * @op DYNAMIC_UPDATE_SLICE | int8; int16; int32; float32 | int32/int64 start indices, clamped into range
 */
