/* math_unary.c - ABS, NEG, CEIL, FLOOR, ROUND, EXP, SQRT, SQUARE, LOGICAL_NOT, ELU with TFLM's
 * reference arithmetic (elementwise.cc, neg.cc, ceil.cc, floor.cc, round.cc, exp.cc, elu.cc):
 *   ABS        float32 fabsf; int16 without quantisation: |x| wrapped to int16; int8 and quantised
 *              int16: |x - zp_in|, rescaled only when the scales differ, + zp_out, clamped;
 *   ROUND      half to even through floor (TFLite's RoundToNearest);
 *   EXP        glibc's expf on every target (libm_compat.c);
 *   SQRT       correctly rounded sqrtf; SQUARE x*x; NEG, CEIL, FLOOR exact;
 *   ELU        float32 x < 0 ? expm1f(x) : x; int8 through a 256-entry table built at Prepare from
 *              expf(x) - 1 in float (glibc's expf and expm1f on every target, libm_compat.c).
 * Arena: NEG and FLOOR have no Prepare in TFLM (no temporaries; their type checks use the eval
 * tensors here); ABS has OpDataAbsRsqrt from Init (the RSQRT size), ELU its 256-byte table (also
 * for float32); the others take the input and the output as temporaries. */
#include "ops.h"
#include "libm_compat.h"

#include <math.h>

typedef struct {
    int32_t mult, shift, in_off, out_off;
    bool needs_rescale, quantized;
    uint8_t type;
} k_abs_data;
K_STATIC_FITS(k_abs_data, SRT_OPDATA_SIZE_RSQRT);

typedef struct { int8_t table[256]; } k_elu_data;
#define K_ELU_OPDATA 256
K_STATIC_FITS(k_elu_data, K_ELU_OPDATA);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* GenericPrepare of elementwise.cc (and ceil/round/exp's Prepare): temp input, temp output, same
 * type, `ok` types only, same element count. */
static srt_status same_type_prepare(srt_ctx *ctx, srt_node *node, const char *op, bool (*ok)(uint8_t),
                                    const srt_tensor **pin, const srt_tensor **pout) {
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, out, op, "output"));
    if (in->type != out->type || !ok(in->type)) return k_unsupported_type(ctx, op, in->type);
    if (k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    if (pin) *pin = in;
    if (pout) *pout = out;
    return SRT_OK;
}

static bool is_f32(uint8_t t) { return t == SRT_FLOAT32; }
static bool is_bool(uint8_t t) { return t == SRT_BOOL; }
static bool is_abs_type(uint8_t t) { return t == SRT_FLOAT32 || t == SRT_INT8 || t == SRT_INT16; }

/* Eval-time view of input 0 / output 0 of the same element count. */
static srt_status io(srt_ctx *ctx, const srt_node *node, const char *op, srt_eval_tensor **in,
                     srt_eval_tensor **out, int32_t *n) {
    *in = srt_eval_input(ctx, node, 0);
    *out = srt_eval_output(ctx, node, 0);
    if (!*in || !*out || !(*in)->data || !(*out)->data) return k_missing(ctx, op);
    *n = k_elements((*in)->dims);
    if (*n < 0 || *n != k_elements((*out)->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    return SRT_OK;
}

/* ---- float32 maps ---- */
static float f_ceil(float x) { return ceilf(x); }
static float f_floor(float x) { return floorf(x); }
static float f_neg(float x) { return -x; }
static float f_sqrt(float x) { return k_sqrtf(x); }
static float f_square(float x) { return x * x; }
static float f_exp(float x) { return k_expf(x); }
static float f_round(float x) {
    const float fl = floorf(x);
    const float diff = x - fl;
    /* static_cast<int>(floor) as on x86-64 (huge values: INT32_MIN, even) */
    if (diff < 0.5f || (diff == 0.5f && k_f2i(fl) % 2 == 0)) return fl;
    return fl + 1.0f;
}

static srt_status map_f32(srt_ctx *ctx, srt_node *node, const char *op, float (*f)(float)) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(io(ctx, node, op, &in, &out, &n));
    if (in->type != SRT_FLOAT32 || out->type != SRT_FLOAT32) return k_unsupported_type(ctx, op, in->type);
    const float *x = in->data;
    float *y = out->data;
    for (int32_t i = 0; i < n; ++i) y[i] = f(x[i]);
    return SRT_OK;
}

/* NEG and FLOOR: TFLM registers no Prepare, so no temporaries; the checks read the eval tensors. */
static srt_status no_temp_prepare(srt_ctx *ctx, srt_node *node, const char *op) {
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out) return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
    if (in->type != SRT_FLOAT32 || out->type != SRT_FLOAT32)
        return k_unsupported_type(ctx, op, in->type != SRT_FLOAT32 ? in->type : out->type);
    if (k_elements(in->dims) < 0 || k_elements(in->dims) != k_elements(out->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    return SRT_OK;
}

#define F32_OP(lower, NAME, fn, PREP)                                                         \
    static srt_status lower##_prepare(srt_ctx *ctx, srt_node *node) { PREP; }                \
    static srt_status lower##_eval(srt_ctx *ctx, srt_node *node) { return map_f32(ctx, node, NAME, fn); }

F32_OP(neg, "NEG", f_neg, return no_temp_prepare(ctx, node, "NEG"))
F32_OP(floor, "FLOOR", f_floor, return no_temp_prepare(ctx, node, "FLOOR"))
F32_OP(ceil, "CEIL", f_ceil, return same_type_prepare(ctx, node, "CEIL", is_f32, NULL, NULL))
F32_OP(round, "ROUND", f_round, return same_type_prepare(ctx, node, "ROUND", is_f32, NULL, NULL))
F32_OP(exp, "EXP", f_exp, return same_type_prepare(ctx, node, "EXP", is_f32, NULL, NULL))
F32_OP(sqrt, "SQRT", f_sqrt, return same_type_prepare(ctx, node, "SQRT", is_f32, NULL, NULL))
F32_OP(square, "SQUARE", f_square, return same_type_prepare(ctx, node, "SQUARE", is_f32, NULL, NULL))

/* ---- LOGICAL_NOT ---- */
static srt_status lnot_prepare(srt_ctx *ctx, srt_node *node) {
    return same_type_prepare(ctx, node, "LOGICAL_NOT", is_bool, NULL, NULL);
}
static srt_status lnot_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(io(ctx, node, "LOGICAL_NOT", &in, &out, &n));
    const uint8_t *x = in->data;
    uint8_t *y = out->data;
    for (int32_t i = 0; i < n; ++i) y[i] = x[i] ? 0 : 1;
    return SRT_OK;
}

/* ---- ABS ---- */
static srt_status abs_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "ABS";
    const srt_tensor *in, *out;
    CHECK(same_type_prepare(ctx, node, op, is_abs_type, &in, &out));
    k_abs_data *d = node->user_data;
    d->type = in->type;
    d->quantized = in->nscales > 0;
    if (in->type == SRT_INT8 || (in->type == SRT_INT16 && d->quantized)) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        d->in_off = srt_q_zero_point(in, 0);
        d->out_off = srt_q_zero_point(out, 0);
        if (in->type == SRT_INT16 && (d->in_off != 0 || d->out_off != 0))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 zero points must be 0", op);
        const float si = srt_q_scale(in, 0), so = srt_q_scale(out, 0);
        d->needs_rescale = si != so;
        if (d->needs_rescale) {
            int sh;
            srt_quantize_multiplier((double)(si / so), &d->mult, &sh);
            d->shift = sh;
        }
    }
    return SRT_OK;
}

static int32_t abs_q(const k_abs_data *d, int32_t x, int32_t lo, int32_t hi) {
    const int32_t v = srt_wsub(x, d->in_off);
    const int32_t a = v < 0 ? srt_wsub(0, v) : v;
    const int32_t o = d->needs_rescale ? srt_wadd(srt_mbqm(a, d->mult, d->shift), d->out_off)
                                       : srt_wadd(a, d->out_off);
    return srt_clamp_i32(o, lo, hi);
}

static srt_status abs_eval(srt_ctx *ctx, srt_node *node) {
    const k_abs_data *d = node->user_data;
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(io(ctx, node, "ABS", &in, &out, &n));
    if (d->type == SRT_FLOAT32) {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = fabsf(x[i]);
    } else if (d->type == SRT_INT8) {
        const int8_t *x = in->data;
        int8_t *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = (int8_t)abs_q(d, x[i], -128, 127);
    } else {
        const int16_t *x = in->data;
        int16_t *y = out->data;
        for (int32_t i = 0; i < n; ++i) {
            if (d->quantized) {
                y[i] = (int16_t)abs_q(d, x[i], INT16_MIN, INT16_MAX);
            } else {
                const int32_t a = x[i] < 0 ? -(int32_t)x[i] : x[i];
                y[i] = (int16_t)(uint16_t)a; /* |-32768| wraps back, as the int16 cast does */
            }
        }
    }
    return SRT_OK;
}

/* ---- ELU ---- */
static bool is_elu_type(uint8_t t) { return t == SRT_FLOAT32 || t == SRT_INT8; }

static srt_status elu_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "ELU";
    const srt_tensor *in, *out;
    CHECK(same_type_prepare(ctx, node, op, is_elu_type, &in, &out));
    if (in->type != SRT_INT8) return SRT_OK;
    CHECK(k_require_quant(ctx, in, op, "input"));
    CHECK(k_require_quant(ctx, out, op, "output"));
    k_elu_data *d = node->user_data;
    const float in_scale = srt_q_scale(in, 0), inv_out = 1.0f / srt_q_scale(out, 0);
    const int32_t in_zp = srt_q_zero_point(in, 0), out_zp = srt_q_zero_point(out, 0);
    for (int32_t v = -128; v <= 127; ++v) {
        const float x = in_scale * (float)(v - in_zp);
        const float y = x < 0.0f ? k_expf(x) - 1.0f : x;
        const int32_t q = k_f2i(srt_roundf(y * inv_out) + (float)out_zp);
        d->table[(uint8_t)(int8_t)v] = (int8_t)srt_clamp_i32(q, -128, 127);
    }
    return SRT_OK;
}

static srt_status elu_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(io(ctx, node, "ELU", &in, &out, &n));
    if (in->type == SRT_FLOAT32) {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? k_expm1f(x[i]) : x[i];
        return SRT_OK;
    }
    const k_elu_data *d = node->user_data;
    const int8_t *x = in->data;
    int8_t *y = out->data;
    for (int32_t i = 0; i < n; ++i) y[i] = d->table[(uint8_t)x[i]];
    return SRT_OK;
}

#define MATH_OP(var, code, nm, opdata, prep, ev)                                                  \
    const srt_op var = {.builtin_code = code, .name = nm, .options_type = 0, .params_size = 0,  \
                        .params_align = 0, .parse = NULL, .opdata_size = opdata, .prepare = prep, \
                        .eval = ev}

MATH_OP(srt_op_abs, 101, "ABS", SRT_OPDATA_SIZE_RSQRT, abs_prepare, abs_eval);
MATH_OP(srt_op_neg, 59, "NEG", 0, neg_prepare, neg_eval);
MATH_OP(srt_op_ceil, 104, "CEIL", 0, ceil_prepare, ceil_eval);
MATH_OP(srt_op_floor, 8, "FLOOR", 0, floor_prepare, floor_eval);
MATH_OP(srt_op_round, 116, "ROUND", 0, round_prepare, round_eval);
MATH_OP(srt_op_exp, 47, "EXP", 0, exp_prepare, exp_eval);
MATH_OP(srt_op_sqrt, 75, "SQRT", 0, sqrt_prepare, sqrt_eval);
MATH_OP(srt_op_square, 92, "SQUARE", 0, square_prepare, square_eval);
MATH_OP(srt_op_logical_not, 87, "LOGICAL_NOT", 0, lnot_prepare, lnot_eval);
MATH_OP(srt_op_elu, 111, "ELU", K_ELU_OPDATA, elu_prepare, elu_eval);

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op ABS | int8; int16 (quantised, zero points 0, or plain); float32 | 
 * @op NEG | float32 | 
 * @op CEIL | float32 | 
 * @op FLOOR | float32 | 
 * @op ROUND | float32 | half to even
 * @op EXP | float32 | glibc's expf on every target
 * @op SQRT | float32 | 
 * @op SQUARE | float32 | 
 * @op LOGICAL_NOT | bool | 
 * @op ELU | int8 (table from glibc's expf); float32 (glibc's expm1f) | 
 */
