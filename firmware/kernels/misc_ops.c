/* misc_ops.c - ZEROS_LIKE, FILL, CAST, ARG_MAX, ARG_MIN as TFLM's reference kernels (zeros_like.cc,
 * fill.cc, cast.cc, arg_min_max.cc):
 *   ZEROS_LIKE  int8/int32/int64/float32 zeros;
 *   FILL        a scalar float32/int32/int8 value into the output, whose shape must equal the
 *               constant dims tensor;
 *   CAST        int8/int16/int32/uint32/float32/bool -> int8/int16/int32/uint32/float32: integers
 *               wrap to the narrower type; float -> integer truncates toward zero and saturates,
 *               NaN -> 0 (what the wheel computes, probed at every edge);
 *   ARG_MAX/ARG_MIN  float32/int8 over a constant int32 axis, int32 output, the first extremum
 *               wins (a strict > / < scan).
 * Arena: none has an Init; ARG_MAX/ARG_MIN have no Prepare either (no temporaries), CAST and
 * ARG_MAX/ARG_MIN have a parsed options struct (TfLiteCastParams, TfLiteArgMaxParams). */
#include "ops.h"
#include "kernels_simple_abi.h"

typedef struct { uint8_t in_type, out_type; } k_cast_params;
K_STATIC_FITS(k_cast_params, SRT_PARAMS_SIZE_CAST);
typedef struct { uint8_t output_type; } k_argmax_params;
K_STATIC_FITS(k_argmax_params, SRT_PARAMS_SIZE_ARG_MAX);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status in_out(srt_ctx *ctx, srt_node *node, const char *op, int in_index, const srt_tensor **in,
                         const srt_tensor **out) {
    *in = srt_prepare_input(ctx, node, in_index);
    CHECK(k_check_tensor(ctx, *in, op, "input"));
    *out = srt_prepare_output(ctx, node, 0);
    return k_check_tensor(ctx, *out, op, "output");
}

/* ---- ZEROS_LIKE ---- */
static srt_status zeros_like_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "ZEROS_LIKE";
    const srt_tensor *in, *out;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    CHECK(in_out(ctx, node, op, 0, &in, &out));
    const uint8_t t = in->type;
    if (t != out->type || !(t == SRT_INT8 || t == SRT_INT32 || t == SRT_INT64 || t == SRT_FLOAT32))
        return k_unsupported_type(ctx, op, t);
    if (k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    return SRT_OK;
}
static srt_status zeros_like_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!out || !out->data) return k_missing(ctx, "ZEROS_LIKE");
    memset(out->data, 0, (size_t)k_elements(out->dims) * srt_type_size(out->type));
    return SRT_OK;
}

/* ---- FILL ---- */
static srt_status fill_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "FILL";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *dims = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, dims, op, "dims"));
    const srt_tensor *value = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, value, op, "value"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (k_rank(value->dims) != 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: value must be a scalar", op);
    if (value->type != out->type ||
        (value->type != SRT_FLOAT32 && value->type != SRT_INT32 && value->type != SRT_INT8))
        return k_unsupported_type(ctx, op, value->type);
    if (!dims->is_constant || dims->data == NULL)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: Non-constant >dims< tensor is not supported", op);
    if (k_rank(dims->dims) != 1 || k_dim(dims->dims, 0) != k_rank(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: dims do not match the output rank", op);
    for (int32_t i = 0; i < k_rank(out->dims); ++i) {
        int64_t d;
        switch (dims->type) {
        case SRT_INT8: d = ((const int8_t *)dims->data)[i]; break;
        case SRT_INT16: { int16_t v; memcpy(&v, (const uint8_t *)dims->data + 2 * i, 2); d = v; break; }
        case SRT_INT32: d = k_ld_i32(dims->data, i); break;
        case SRT_INT64: d = k_ld_i64(dims->data, i); break;
        default: return k_unsupported_type(ctx, op, dims->type);
        }
        if (d != out->dims->data[i]) return srt_fail(ctx, SRT_ERR_MODEL, "%s: dims do not match the output", op);
    }
    return SRT_OK;
}
static srt_status fill_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *v = srt_eval_input(ctx, node, 1), *out = srt_eval_output(ctx, node, 0);
    if (!v || !out || !v->data || !out->data) return k_missing(ctx, "FILL");
    const size_t es = srt_type_size(out->type);
    const int32_t n = k_elements(out->dims);
    for (int32_t i = 0; i < n; ++i) memcpy((uint8_t *)out->data + (size_t)i * es, v->data, es);
    return SRT_OK;
}

/* ---- CAST ---- */
static bool cast_in_ok(uint8_t t) {
    return t == SRT_INT8 || t == SRT_INT16 || t == SRT_INT32 || t == SRT_UINT32 || t == SRT_FLOAT32 || t == SRT_BOOL;
}
static bool cast_out_ok(uint8_t t) {
    return t == SRT_INT8 || t == SRT_INT16 || t == SRT_INT32 || t == SRT_UINT32 || t == SRT_FLOAT32;
}
static srt_status cast_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_cast_params *p = params;
    if (o) { p->in_type = srt_fb_u8(o, 0, 0); p->out_type = srt_fb_u8(o, 1, 0); }
    return SRT_OK;
}
static srt_status cast_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "CAST";
    const srt_tensor *in, *out;
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    CHECK(in_out(ctx, node, op, 0, &in, &out));
    if (!cast_in_ok(in->type)) return k_unsupported_type(ctx, op, in->type);
    if (!cast_out_ok(out->type)) return k_unsupported_type(ctx, op, out->type);
    if (k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    return SRT_OK;
}

/* float -> integer as the wheel's CAST computes it (probed on every edge: NaN, +-inf, out of range,
 * negative -> unsigned): truncation toward zero, saturating at the type's limits, NaN -> 0. */
static int64_t f2sat(float f, int64_t lo, int64_t hi) {
    if (f != f) return 0;
    if (f <= (float)lo) return lo;
    if (f >= (float)hi) return hi;
    return (int64_t)f;
}

static srt_status cast_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "CAST");
    const int32_t n = k_elements(in->dims);
    for (int32_t i = 0; i < n; ++i) {
        int64_t iv = 0;
        float fv = 0.0f;
        bool is_float = false;
        switch (in->type) {
        case SRT_INT8: iv = ((const int8_t *)in->data)[i]; break;
        case SRT_INT16: iv = ((const int16_t *)in->data)[i]; break;
        case SRT_INT32: iv = ((const int32_t *)in->data)[i]; break;
        case SRT_UINT32: iv = ((const uint32_t *)in->data)[i]; break;
        case SRT_BOOL: iv = ((const uint8_t *)in->data)[i] != 0; break;
        default: fv = ((const float *)in->data)[i]; is_float = true; break;
        }
        switch (out->type) {
        case SRT_FLOAT32:
            ((float *)out->data)[i] = is_float ? fv : (float)iv;
            break;
        case SRT_UINT32:
            ((uint32_t *)out->data)[i] = (uint32_t)(is_float ? f2sat(fv, 0, UINT32_MAX) : iv);
            break;
        case SRT_INT16:
            ((int16_t *)out->data)[i] = (int16_t)(uint16_t)(is_float ? f2sat(fv, INT16_MIN, INT16_MAX) : iv);
            break;
        case SRT_INT8:
            ((int8_t *)out->data)[i] = (int8_t)(uint8_t)(is_float ? f2sat(fv, INT8_MIN, INT8_MAX) : iv);
            break;
        default:
            ((int32_t *)out->data)[i] = (int32_t)(uint32_t)(is_float ? f2sat(fv, INT32_MIN, INT32_MAX) : iv);
            break;
        }
    }
    return SRT_OK;
}

/* ---- ARG_MAX / ARG_MIN (no Prepare in TFLM: checks read the eval tensors) ---- */
static srt_status arg_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_argmax_params *)params)->output_type = srt_fb_u8(o, 0, 0);
    return SRT_OK;
}

static srt_status arg_check(srt_ctx *ctx, const srt_node *node, const char *op, int32_t *axis_out) {
    const srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *ax = srt_eval_input(ctx, node, 1);
    const srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !ax || !out) return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
    if (in->type != SRT_FLOAT32 && in->type != SRT_INT8) return k_unsupported_type(ctx, op, in->type);
    if (ax->type != SRT_INT32) return k_unsupported_type(ctx, op, ax->type);
    if (out->type != SRT_INT32) return k_unsupported_type(ctx, op, out->type);
    if (!ax->data || k_elements(ax->dims) < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: the axis tensor has no data", op);
    const int32_t r = k_rank(in->dims);
    int32_t axis = k_ld_i32(ax->data, 0);
    if (axis < 0) axis += r;
    if (r < 1 || axis < 0 || axis >= r || k_rank(out->dims) != r - 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: axis or output rank does not fit the input", op);
    for (int32_t i = 0, j = 0; i < r; ++i)
        if (i != axis && in->dims->data[i] != out->dims->data[j++])
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not fit the input", op);
    if (k_elements(in->dims) < 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: bad input shape", op);
    *axis_out = axis;
    return SRT_OK;
}

static srt_status arg_prepare(srt_ctx *ctx, srt_node *node, const char *op) {
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    /* a constant axis can be checked now; a computed one is checked at Eval */
    const srt_eval_tensor *ax = srt_eval_input(ctx, node, 1);
    int32_t axis;
    return (ax && ax->data) ? arg_check(ctx, node, op, &axis) : SRT_OK;
}

static srt_status arg_eval(srt_ctx *ctx, srt_node *node, const char *op, bool is_max) {
    int32_t axis;
    CHECK(arg_check(ctx, node, op, &axis));
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in->data || !out->data) return k_missing(ctx, op);
    const srt_ivec *d = in->dims;
    const int32_t axis_size = d->data[axis];
    int32_t outer = 1, inner = 1;
    for (int32_t i = 0; i < axis; ++i) outer *= d->data[i];
    for (int32_t i = axis + 1; i < d->size; ++i) inner *= d->data[i];
    int32_t *y = out->data;
    for (int32_t o = 0; o < outer; ++o) {
        for (int32_t in_i = 0; in_i < inner; ++in_i) {
            int32_t best = 0;
            if (axis_size > 0) {
                if (in->type == SRT_FLOAT32) {
                    const float *x = in->data;
                    float v = x[(size_t)o * (size_t)axis_size * (size_t)inner + (size_t)in_i];
                    for (int32_t i = 1; i < axis_size; ++i) {
                        const float c = x[((size_t)o * (size_t)axis_size + (size_t)i) * (size_t)inner + (size_t)in_i];
                        if (is_max ? c > v : c < v) { v = c; best = i; }
                    }
                } else {
                    const int8_t *x = in->data;
                    int8_t v = x[(size_t)o * (size_t)axis_size * (size_t)inner + (size_t)in_i];
                    for (int32_t i = 1; i < axis_size; ++i) {
                        const int8_t c = x[((size_t)o * (size_t)axis_size + (size_t)i) * (size_t)inner + (size_t)in_i];
                        if (is_max ? c > v : c < v) { v = c; best = i; }
                    }
                }
            }
            y[(size_t)o * (size_t)inner + (size_t)in_i] = best;
        }
    }
    return SRT_OK;
}
static srt_status arg_max_prepare(srt_ctx *ctx, srt_node *node) { return arg_prepare(ctx, node, "ARG_MAX"); }
static srt_status arg_min_prepare(srt_ctx *ctx, srt_node *node) { return arg_prepare(ctx, node, "ARG_MIN"); }
static srt_status arg_max_eval(srt_ctx *ctx, srt_node *node) { return arg_eval(ctx, node, "ARG_MAX", true); }
static srt_status arg_min_eval(srt_ctx *ctx, srt_node *node) { return arg_eval(ctx, node, "ARG_MIN", false); }

const srt_op srt_op_zeros_like = {
    .builtin_code = 93, .name = "ZEROS_LIKE", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = 0, .prepare = zeros_like_prepare, .eval = zeros_like_eval,
};
const srt_op srt_op_fill = {
    .builtin_code = 94, .name = "FILL", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = 0, .prepare = fill_prepare, .eval = fill_eval,
};
const srt_op srt_op_cast = {
    .builtin_code = 53, .name = "CAST", .options_type = K_OPT_Cast,
    .params_size = SRT_PARAMS_SIZE_CAST, .params_align = SRT_PARAMS_ALIGN_CAST, .parse = cast_parse,
    .opdata_size = 0, .prepare = cast_prepare, .eval = cast_eval,
};
const srt_op srt_op_arg_max = {
    .builtin_code = 56, .name = "ARG_MAX", .options_type = K_OPT_ArgMax,
    .params_size = SRT_PARAMS_SIZE_ARG_MAX, .params_align = SRT_PARAMS_ALIGN_ARG_MAX, .parse = arg_parse,
    .opdata_size = 0, .prepare = arg_max_prepare, .eval = arg_max_eval,
};
const srt_op srt_op_arg_min = {
    .builtin_code = 79, .name = "ARG_MIN", .options_type = K_OPT_ArgMin,
    .params_size = SRT_PARAMS_SIZE_ARG_MAX, .params_align = SRT_PARAMS_ALIGN_ARG_MAX, .parse = arg_parse,
    .opdata_size = 0, .prepare = arg_min_prepare, .eval = arg_min_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op ZEROS_LIKE | int8; int32; int64; float32 | 
 * @op FILL | int8; int32; float32 (scalar value) | constant dims tensor (int8/16/32/64)
 * @op CAST | int8; int16; int32; uint32; float32; bool -> int8/int16/int32/uint32/float32 | integers wrap; float -> integer truncates and saturates, NaN -> 0
 * @op ARG_MAX | int8; float32 | int32 axis and output
 * @op ARG_MIN | int8; float32 | int32 axis and output
 */
