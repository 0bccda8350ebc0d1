/* reduce_more.c - REDUCE_MAX, REDUCE_MIN (float32, int8 with equal input/output quantisation), SUM
 * (float32; int8/int16 by TFLite's QuantizedMeanOrSum without the 1/count fold) and REDUCE_ALL
 * (bool), as TFLM's reduce.cc / reduce_common.cc: the output starts at the reducer's initial value
 * (lowest / highest / 0 / true) and takes every input element in row-major order.
 * Arena (TFLM's order): OpDataReduce from Init; temporaries and scratch requests
 *   REDUCE_MAX/MIN  in, axis, [out if int8], in, out, axis; scratch 4 x rank, 4 x axis count;
 *   SUM             in, out, axis; scratch [4 x output elements if int8/int16], 4 x rank,
 *                   4 x axis count; then in, axis, [out if int8];
 *   REDUCE_ALL      in, out, axis, in, axis; then scratch 4 x rank, 4 x axis count. */
#include "ops.h"

#include <float.h>

typedef struct { uint8_t keep_dims; } k_reducer_params;
typedef struct {
    int32_t mult, shift, in_zp, out_zp;
    float in_scale, out_scale;
    int32_t sum_idx, iter_idx, axis_idx, num_axis;
} k_reduce_data;
K_STATIC_FITS(k_reducer_params, SRT_PARAMS_SIZE_MEAN);
K_STATIC_FITS(k_reduce_data, SRT_OPDATA_SIZE_MEAN);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

enum { R_MAX, R_MIN, R_SUM, R_ALL };
static const char *const k_names[] = {"REDUCE_MAX", "REDUCE_MIN", "SUM", "REDUCE_ALL"};

static srt_status reducer_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_reducer_params *)params)->keep_dims = srt_fb_bool(o, 0, false);
    return SRT_OK;
}

/* A temporary tensor TFLM takes without using it here. */
static srt_status touch(srt_ctx *ctx, const srt_tensor *t) {
    return (t == NULL && srt_ctx_status(ctx) != SRT_OK) ? srt_ctx_status(ctx) : SRT_OK;
}

static srt_status reduce_prepare(srt_ctx *ctx, srt_node *node, int kind) {
    const char *op = k_names[kind];
    k_reduce_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in, *out, *axis;
    if (kind == R_MAX || kind == R_MIN) {   /* PrepareSimple first */
        in = srt_prepare_input(ctx, node, 0);
        CHECK(k_check_tensor(ctx, in, op, "input"));
        axis = srt_prepare_input(ctx, node, 1);
        CHECK(k_check_tensor(ctx, axis, op, "axis"));
        if (in->type == SRT_INT8) CHECK(touch(ctx, srt_prepare_output(ctx, node, 0)));
        CHECK(touch(ctx, srt_prepare_input(ctx, node, 0)));
        out = srt_prepare_output(ctx, node, 0);
        CHECK(k_check_tensor(ctx, out, op, "output"));
        CHECK(touch(ctx, srt_prepare_input(ctx, node, 1)));
    } else {
        in = srt_prepare_input(ctx, node, 0);
        CHECK(k_check_tensor(ctx, in, op, "input"));
        out = srt_prepare_output(ctx, node, 0);
        CHECK(k_check_tensor(ctx, out, op, "output"));
        axis = srt_prepare_input(ctx, node, 1);
        CHECK(k_check_tensor(ctx, axis, op, "axis"));
    }
    if (axis->type != SRT_INT32) return k_unsupported_type(ctx, op, axis->type);
    const uint8_t t = in->type;
    bool ok = false;
    switch (kind) {
    case R_MAX: case R_MIN: ok = t == SRT_FLOAT32 || t == SRT_INT8; break;
    case R_SUM: ok = t == SRT_FLOAT32 || t == SRT_INT8 || t == SRT_INT16; break;
    default: ok = t == SRT_BOOL; break;
    }
    if (!ok || out->type != t) return k_unsupported_type(ctx, op, t);
    const bool q = t == SRT_INT8 || t == SRT_INT16;
    if (q) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        d->in_zp = srt_q_zero_point(in, 0);
        d->out_zp = srt_q_zero_point(out, 0);
        d->in_scale = srt_q_scale(in, 0);
        d->out_scale = srt_q_scale(out, 0);
        int sh;
        srt_quantize_multiplier((double)d->in_scale / (double)d->out_scale, &d->mult, &sh);
        d->shift = sh;
        if (kind != R_SUM && (d->in_scale != d->out_scale || d->in_zp != d->out_zp))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int8 input and output quantisation must be equal", op);
    }
    d->num_axis = k_elements(axis->dims);
    if (d->num_axis < 0 || d->num_axis > K_MAX_RANK)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: more than %d axes", op, K_MAX_RANK);
    if (kind == R_ALL) {   /* PrepareSimple before the scratch requests */
        CHECK(touch(ctx, srt_prepare_input(ctx, node, 0)));
        CHECK(touch(ctx, srt_prepare_input(ctx, node, 1)));
    }
    if (kind == R_SUM && q) CHECK(srt_request_scratch(ctx, 4 * (size_t)k_elements(out->dims), &d->sum_idx));
    CHECK(srt_request_scratch(ctx, 4 * (size_t)k_rank(in->dims), &d->iter_idx));
    CHECK(srt_request_scratch(ctx, 4 * (size_t)d->num_axis, &d->axis_idx));
    if (kind == R_SUM) {   /* PrepareSimple last */
        CHECK(touch(ctx, srt_prepare_input(ctx, node, 0)));
        CHECK(touch(ctx, srt_prepare_input(ctx, node, 1)));
        if (t == SRT_INT8) CHECK(touch(ctx, srt_prepare_output(ctx, node, 0)));
    }
    return SRT_OK;
}

static srt_status reduce_eval(srt_ctx *ctx, srt_node *node, int kind) {
    const char *op = k_names[kind];
    const k_reduce_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *ax = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !ax || !out || !in->data || !out->data) return k_missing(ctx, op);
    const int32_t r = k_rank(in->dims);
    if (r > K_MAX_RANK) return srt_fail(ctx, SRT_ERR_MODEL, "%s: rank", op);
    bool reduced[K_MAX_RANK] = {false};
    const int32_t na = k_elements(ax->dims);
    if (na > 0 && !ax->data) return k_missing(ctx, op);
    for (int32_t i = 0; i < na && r > 0; ++i) {
        int32_t a = k_ld_i32(ax->data, i);
        if (a < 0) a += r;
        if (a < 0 || a >= r) return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis %d out of range", op, (int)a);
        reduced[a] = true;
    }
    int64_t count = 1, nout = 1;
    for (int32_t i = 0; i < r; ++i) {
        if (reduced[i]) count *= in->dims->data[i]; else nout *= in->dims->data[i];
    }
    if (nout != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output has %d elements, expected %d", op,
                        (int)k_elements(out->dims), (int)nout);
    const int32_t nin = k_elements(in->dims);
    bool empty = false;
    for (int32_t i = 0; i < r; ++i) empty = empty || in->dims->data[i] == 0;
    int32_t idx[K_MAX_RANK] = {0};
    int32_t *sum = NULL;
    const bool q = in->type == SRT_INT8 || in->type == SRT_INT16;
    if (kind == R_SUM && q) {
        sum = srt_get_scratch(ctx, d->sum_idx);
        if (!sum && nout > 0) return k_missing(ctx, op);
    }
    /* initial values */
    for (int64_t o = 0; o < nout; ++o) {
        switch (in->type) {
        case SRT_FLOAT32:
            ((float *)out->data)[o] = kind == R_MAX ? -FLT_MAX : kind == R_MIN ? FLT_MAX : 0.0f;
            break;
        case SRT_INT8:
            ((int8_t *)out->data)[o] = kind == R_MAX ? INT8_MIN : kind == R_MIN ? INT8_MAX : 0;
            break;
        case SRT_INT16: ((int16_t *)out->data)[o] = 0; break;
        default: ((uint8_t *)out->data)[o] = 1; break;
        }
        if (sum) sum[o] = 0;
    }
    if (empty) return SRT_OK;
    for (int32_t k = 0; k < nin; ++k) {
        int64_t o = 0;
        for (int32_t i = 0; i < r; ++i) if (!reduced[i]) o = o * in->dims->data[i] + idx[i];
        switch (in->type) {
        case SRT_FLOAT32: {
            float *y = out->data;
            const float x = ((const float *)in->data)[k];
            if (kind == R_MAX) y[o] = x > y[o] ? x : y[o];
            else if (kind == R_MIN) y[o] = x < y[o] ? x : y[o];
            else y[o] = x + y[o];
            break;
        }
        case SRT_INT8:
            if (sum) {
                sum[o] = srt_wadd(sum[o], ((const int8_t *)in->data)[k]);
            } else {
                int8_t *y = out->data;
                const int8_t x = ((const int8_t *)in->data)[k];
                y[o] = (kind == R_MAX ? x > y[o] : x < y[o]) ? x : y[o];
            }
            break;
        case SRT_INT16: sum[o] = srt_wadd(sum[o], ((const int16_t *)in->data)[k]); break;
        default: {
            uint8_t *y = out->data;
            y[o] = (((const uint8_t *)in->data)[k] != 0) && y[o];
            break;
        }
        }
        for (int32_t i = r - 1; i >= 0; --i) { if (++idx[i] < in->dims->data[i]) break; idx[i] = 0; }
    }
    if (sum && count > 0) {
        const int32_t lo = in->type == SRT_INT8 ? -128 : INT16_MIN, hi = in->type == SRT_INT8 ? 127 : INT16_MAX;
        for (int64_t o = 0; o < nout; ++o) {
            const int32_t shifted = srt_wsub(sum[o], srt_wmul(d->in_zp, (int32_t)count));
            const int32_t v = srt_clamp_i32(srt_wadd(srt_mbqm(shifted, d->mult, d->shift), d->out_zp), lo, hi);
            if (in->type == SRT_INT8) ((int8_t *)out->data)[o] = (int8_t)v;
            else ((int16_t *)out->data)[o] = (int16_t)v;
        }
    }
    return SRT_OK;
}

#define REDUCE_FNS(lower, KIND)                                                                         \
    static srt_status lower##_prepare(srt_ctx *ctx, srt_node *node) { return reduce_prepare(ctx, node, KIND); } \
    static srt_status lower##_eval(srt_ctx *ctx, srt_node *node) { return reduce_eval(ctx, node, KIND); }
REDUCE_FNS(rmax, R_MAX)
REDUCE_FNS(rmin, R_MIN)
REDUCE_FNS(rsum, R_SUM)
REDUCE_FNS(rall, R_ALL)

#define REDUCE_OP(var, code, nm, prep, ev)                                                             \
    const srt_op var = {.builtin_code = code, .name = nm, .options_type = K_OPT_Reducer,              \
                        .params_size = SRT_PARAMS_SIZE_MEAN, .params_align = SRT_PARAMS_ALIGN_MEAN,   \
                        .parse = reducer_parse, .opdata_size = SRT_OPDATA_SIZE_MEAN, .prepare = prep, \
                        .eval = ev}

REDUCE_OP(srt_op_reduce_max, 82, "REDUCE_MAX", rmax_prepare, rmax_eval);
REDUCE_OP(srt_op_reduce_min, 89, "REDUCE_MIN", rmin_prepare, rmin_eval);
REDUCE_OP(srt_op_sum, 74, "SUM", rsum_prepare, rsum_eval);
REDUCE_OP(srt_op_reduce_all, 140, "REDUCE_ALL", rall_prepare, rall_eval);

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op REDUCE_MAX | int8 (input and output quantisation equal); float32 | any set of axes, keep_dims or not
 * @op REDUCE_MIN | int8 (input and output quantisation equal); float32 | any set of axes, keep_dims or not
 * @op SUM | int8; int16; float32 | any set of axes, keep_dims or not
 * @op REDUCE_ALL | bool | any set of axes, keep_dims or not
 */
