/* elementwise.c - ADD, SUB, MUL (int8, int32, float32) and MAXIMUM, MINIMUM (int8, int16, int32,
 * int64, float32)
 * with numpy-style broadcasting up to 6-D (TFLM's Broadcast*6DSlow / 5D helpers give the same
 * per-element result). int8 ADD/SUB: TFLite's left_shift = 20 general rescaling; MUL: one
 * multiplier in1_scale * in2_scale / out_scale. */
#include "ops.h"

#include <float.h>

#define BC_MAX 6

typedef struct { uint8_t activation; uint8_t pot_scale_int16; } k_add_params;
typedef struct { uint8_t activation; } k_mul_params;
typedef struct {
    int32_t in1_off, in2_off, out_off, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    union { int32_t i; float f; } act_min, act_max;
} k_add_data;
typedef struct {
    int32_t in1_off, in2_off, out_off, mult, shift;
    union { int32_t i; float f; } act_min, act_max;
} k_mul_data;

K_STATIC_FITS(k_add_params, SRT_PARAMS_SIZE_ADD);
K_STATIC_FITS(k_add_params, SRT_PARAMS_SIZE_SUB);
K_STATIC_FITS(k_mul_params, SRT_PARAMS_SIZE_MUL);
K_STATIC_FITS(k_add_data, SRT_OPDATA_SIZE_ADD);
K_STATIC_FITS(k_add_data, SRT_OPDATA_SIZE_SUB);
K_STATIC_FITS(k_mul_data, SRT_OPDATA_SIZE_MUL);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* ---- broadcasting ---- */
typedef struct {
    int32_t rank;
    int32_t dims[BC_MAX];
    int32_t s1[BC_MAX], s2[BC_MAX]; /* element strides of the inputs, 0 on broadcast dims */
} k_bcast;

/* Each input dim (right-aligned) must equal the output dim or be 1. */
static bool bcast_setup(const srt_ivec *a, const srt_ivec *b, const srt_ivec *o, k_bcast *bc) {
    int32_t r = k_rank(o);
    if (r > BC_MAX || k_rank(a) > r || k_rank(b) > r || k_elements(o) < 0 || k_elements(a) < 0 ||
        k_elements(b) < 0)
        return false;
    bc->rank = r;
    int32_t st1 = 1, st2 = 1;
    for (int32_t i = r - 1; i >= 0; --i) {
        int32_t od = o->data[i];
        int32_t ia = i - (r - a->size), ib = i - (r - b->size);
        int32_t da = ia >= 0 ? a->data[ia] : 1, db = ib >= 0 ? b->data[ib] : 1;
        if ((da != od && da != 1) || (db != od && db != 1)) return false;
        bc->dims[i] = od;
        bc->s1[i] = (da == 1 && od != 1) ? 0 : st1;
        bc->s2[i] = (db == 1 && od != 1) ? 0 : st2;
        st1 *= da;
        st2 *= db;
    }
    return true;
}

/* Calls body(i1, i2, io) for every output element in row-major order. */
#define BCAST_LOOP(bc, BODY)                                                              \
    do {                                                                                  \
        int32_t idx_[BC_MAX] = {0};                                                       \
        size_t i1 = 0, i2 = 0, io = 0;                                                    \
        int32_t total_ = 1;                                                               \
        for (int32_t k_ = 0; k_ < (bc).rank; ++k_) total_ *= (bc).dims[k_];              \
        for (io = 0; io < (size_t)total_; ++io) {                                         \
            BODY;                                                                         \
            for (int32_t k_ = (bc).rank - 1; k_ >= 0; --k_) {                             \
                ++idx_[k_];                                                               \
                i1 += (size_t)(bc).s1[k_];                                                \
                i2 += (size_t)(bc).s2[k_];                                                \
                if (idx_[k_] < (bc).dims[k_]) break;                                      \
                i1 -= (size_t)(bc).s1[k_] * (size_t)(bc).dims[k_];                        \
                i2 -= (size_t)(bc).s2[k_] * (size_t)(bc).dims[k_];                        \
                idx_[k_] = 0;                                                             \
            }                                                                             \
        }                                                                                 \
    } while (0)

static srt_status check_shapes(srt_ctx *ctx, const char *op, const srt_ivec *a, const srt_ivec *b,
                               const srt_ivec *o) {
    k_bcast bc;
    if (!bcast_setup(a, b, o, &bc))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input shapes do not broadcast to the output (max %d-D)",
                        op, BC_MAX);
    return SRT_OK;
}

static srt_status act_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((uint8_t *)params)[0] = srt_fb_u8(o, 0, 0); /* fused_activation_function is field 0 */
    return SRT_OK;
}
static srt_status add_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_add_params *p = params;
    if (o) { p->activation = srt_fb_u8(o, 0, 0); p->pot_scale_int16 = srt_fb_bool(o, 1, true); }
    return SRT_OK;
}

static srt_status int_act_range(srt_ctx *ctx, int act, int32_t *lo, int32_t *hi) {
    float flo, fhi;
    CHECK(k_act_range_f(ctx, act, &flo, &fhi));
    *lo = act == K_ACT_NONE ? INT32_MIN : (int32_t)flo;
    *hi = (act == K_ACT_NONE || act == K_ACT_RELU) ? INT32_MAX : (int32_t)fhi;
    return SRT_OK;
}

/* ---- ADD / SUB ---- */
static srt_status addsub_prepare(srt_ctx *ctx, srt_node *node, const char *op) {
    const k_add_params *p = node->builtin_data;
    k_add_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *a = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, a, op, "input1"));
    const srt_tensor *b = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, b, op, "input2"));
    const srt_tensor *o = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, o, op, "output"));
    if (a->type != b->type || a->type != o->type ||
        (a->type != SRT_INT8 && a->type != SRT_INT16 && a->type != SRT_FLOAT32 && a->type != SRT_INT32))
        return k_unsupported_type(ctx, op, a->type != b->type ? b->type : (a->type != o->type ? o->type : a->type));
    CHECK(check_shapes(ctx, op, a->dims, b->dims, o->dims));
    if (a->type == SRT_FLOAT32) return k_act_range_f(ctx, p->activation, &d->act_min.f, &d->act_max.f);
    if (a->type == SRT_INT32) return int_act_range(ctx, p->activation, &d->act_min.i, &d->act_max.i);
    CHECK(k_require_quant(ctx, a, op, "input1"));
    CHECK(k_require_quant(ctx, b, op, "input2"));
    CHECK(k_require_quant(ctx, o, op, "output"));
    const bool i16 = a->type == SRT_INT16; /* TFLM: the same rescaling with left_shift 15 */
    const float s1 = srt_q_scale(a, 0), s2 = srt_q_scale(b, 0), so = srt_q_scale(o, 0);
    d->in1_off = -srt_q_zero_point(a, 0);
    d->in2_off = -srt_q_zero_point(b, 0);
    d->out_off = srt_q_zero_point(o, 0);
    d->left_shift = i16 ? 15 : 20;
    const double twice_max = 2.0 * (double)(s1 > s2 ? s1 : s2);
    int sh;
    srt_quantize_multiplier((double)s1 / twice_max, &d->in1_mult, &sh); d->in1_shift = sh;
    srt_quantize_multiplier((double)s2 / twice_max, &d->in2_mult, &sh); d->in2_shift = sh;
    srt_quantize_multiplier(twice_max / ((double)(1 << d->left_shift) * (double)so), &d->out_mult, &sh);
    d->out_shift = sh;
    if (d->in1_shift > 0 || d->in2_shift > 0 || d->out_shift > 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output scale too small for the input scales", op);
    return k_act_range_q(ctx, p->activation, o, i16 ? -32768 : -128, i16 ? 32767 : 127, &d->act_min.i, &d->act_max.i);
}
static srt_status add_prepare(srt_ctx *ctx, srt_node *node) { return addsub_prepare(ctx, node, "ADD"); }
static srt_status sub_prepare(srt_ctx *ctx, srt_node *node) { return addsub_prepare(ctx, node, "SUB"); }

static srt_status addsub_eval(srt_ctx *ctx, srt_node *node, bool sub) {
    const k_add_data *d = node->user_data;
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o || !a->data || !b->data || !o->data) return k_missing(ctx, sub ? "SUB" : "ADD");
    k_bcast bc;
    if (!bcast_setup(a->dims, b->dims, o->dims, &bc)) return srt_fail(ctx, SRT_ERR_MODEL, "ADD/SUB: shapes");
    if (a->type == SRT_INT16) {
        const int16_t *x = a->data, *y = b->data;
        int16_t *z = o->data;
        BCAST_LOOP(bc, {
            const int32_t v1 = srt_wmul(d->in1_off + x[i1], 1 << d->left_shift);
            const int32_t v2 = srt_wmul(d->in2_off + y[i2], 1 << d->left_shift);
            const int32_t s1 = srt_mbqm_lt1(v1, d->in1_mult, d->in1_shift);
            const int32_t s2 = srt_mbqm_lt1(v2, d->in2_mult, d->in2_shift);
            const int32_t raw = sub ? srt_wsub(s1, s2) : srt_wadd(s1, s2);
            const int32_t r = srt_wadd(srt_mbqm_lt1(raw, d->out_mult, d->out_shift), d->out_off);
            z[io] = (int16_t)srt_clamp_i32(r, d->act_min.i, d->act_max.i);
        });
    } else if (a->type == SRT_INT8) {
        const int8_t *x = a->data, *y = b->data;
        int8_t *z = o->data;
        BCAST_LOOP(bc, {
            const int32_t v1 = (d->in1_off + x[i1]) * (1 << d->left_shift);
            const int32_t v2 = (d->in2_off + y[i2]) * (1 << d->left_shift);
            const int32_t s1 = srt_mbqm_lt1(v1, d->in1_mult, d->in1_shift);
            const int32_t s2 = srt_mbqm_lt1(v2, d->in2_mult, d->in2_shift);
            const int32_t raw = sub ? srt_wsub(s1, s2) : srt_wadd(s1, s2);
            const int32_t r = srt_wadd(srt_mbqm_lt1(raw, d->out_mult, d->out_shift), d->out_off);
            z[io] = (int8_t)srt_clamp_i32(r, d->act_min.i, d->act_max.i);
        });
    } else if (a->type == SRT_INT32) {
        const int32_t *x = a->data, *y = b->data;
        int32_t *z = o->data;
        BCAST_LOOP(bc, {
            const int32_t r = sub ? srt_wsub(x[i1], y[i2]) : srt_wadd(x[i1], y[i2]);
            z[io] = srt_clamp_i32(r, d->act_min.i, d->act_max.i);
        });
    } else {
        const float *x = a->data, *y = b->data;
        float *z = o->data;
        BCAST_LOOP(bc, { z[io] = k_act_f(sub ? x[i1] - y[i2] : x[i1] + y[i2], d->act_min.f, d->act_max.f); });
    }
    return SRT_OK;
}
static srt_status add_eval(srt_ctx *ctx, srt_node *node) { return addsub_eval(ctx, node, false); }
static srt_status sub_eval(srt_ctx *ctx, srt_node *node) { return addsub_eval(ctx, node, true); }

/* ---- MUL ---- */
static srt_status mul_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "MUL";
    const k_mul_params *p = node->builtin_data;
    k_mul_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *a = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, a, op, "input1"));
    const srt_tensor *b = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, b, op, "input2"));
    const srt_tensor *o = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, o, op, "output"));
    if (a->type != b->type || a->type != o->type ||
        (a->type != SRT_INT8 && a->type != SRT_INT16 && a->type != SRT_FLOAT32 && a->type != SRT_INT32))
        return k_unsupported_type(ctx, op, a->type != b->type ? b->type : (a->type != o->type ? o->type : a->type));
    CHECK(check_shapes(ctx, op, a->dims, b->dims, o->dims));
    if (a->type == SRT_FLOAT32) return k_act_range_f(ctx, p->activation, &d->act_min.f, &d->act_max.f);
    if (a->type == SRT_INT32) return int_act_range(ctx, p->activation, &d->act_min.i, &d->act_max.i);
    CHECK(k_require_quant(ctx, a, op, "input1"));
    CHECK(k_require_quant(ctx, b, op, "input2"));
    CHECK(k_require_quant(ctx, o, op, "output"));
    const bool i16 = a->type == SRT_INT16;
    if (i16 && (srt_q_zero_point(a, 0) || srt_q_zero_point(b, 0) || srt_q_zero_point(o, 0)))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 zero points must be 0", op);
    d->in1_off = -srt_q_zero_point(a, 0);
    d->in2_off = -srt_q_zero_point(b, 0);
    d->out_off = srt_q_zero_point(o, 0);
    int sh;
    srt_quantize_multiplier((double)srt_q_scale(a, 0) * (double)srt_q_scale(b, 0) / (double)srt_q_scale(o, 0),
                            &d->mult, &sh);
    d->shift = sh;
    return k_act_range_q(ctx, p->activation, o, i16 ? -32768 : -128, i16 ? 32767 : 127, &d->act_min.i, &d->act_max.i);
}

static srt_status mul_eval(srt_ctx *ctx, srt_node *node) {
    const k_mul_data *d = node->user_data;
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o || !a->data || !b->data || !o->data) return k_missing(ctx, "MUL");
    k_bcast bc;
    if (!bcast_setup(a->dims, b->dims, o->dims, &bc)) return srt_fail(ctx, SRT_ERR_MODEL, "MUL: shapes");
    if (a->type == SRT_INT16) {
        const int16_t *x = a->data, *y = b->data;
        int16_t *z = o->data;
        BCAST_LOOP(bc, {
            const int32_t prod = srt_wmul(d->in1_off + x[i1], d->in2_off + y[i2]);
            const int32_t r = srt_wadd(d->out_off, srt_mbqm(prod, d->mult, d->shift));
            z[io] = (int16_t)srt_clamp_i32(r, d->act_min.i, d->act_max.i);
        });
    } else if (a->type == SRT_INT8) {
        const int8_t *x = a->data, *y = b->data;
        int8_t *z = o->data;
        BCAST_LOOP(bc, {
            const int32_t prod = (d->in1_off + x[i1]) * (d->in2_off + y[i2]);
            const int32_t r = srt_wadd(d->out_off, srt_mbqm(prod, d->mult, d->shift));
            z[io] = (int8_t)srt_clamp_i32(r, d->act_min.i, d->act_max.i);
        });
    } else if (a->type == SRT_INT32) {
        const int32_t *x = a->data, *y = b->data;
        int32_t *z = o->data;
        BCAST_LOOP(bc, { z[io] = srt_clamp_i32(srt_wmul(x[i1], y[i2]), d->act_min.i, d->act_max.i); });
    } else {
        const float *x = a->data, *y = b->data;
        float *z = o->data;
        BCAST_LOOP(bc, { z[io] = k_act_f(x[i1] * y[i2], d->act_min.f, d->act_max.f); });
    }
    return SRT_OK;
}

/* ---- MAXIMUM / MINIMUM: no Prepare in TFLM (no temp tensors), so shapes are checked in Eval ---- */
static srt_status maxmin_eval(srt_ctx *ctx, srt_node *node, bool is_max) {
    const char *op = is_max ? "MAXIMUM" : "MINIMUM";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o || !a->data || !b->data || !o->data) return k_missing(ctx, op);
    if (a->type != b->type || a->type != o->type) return k_unsupported_type(ctx, op, b->type);
    k_bcast bc;
    if (!bcast_setup(a->dims, b->dims, o->dims, &bc))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input shapes do not broadcast to the output", op);
#define MAXMIN_CASE(TAG, T) \
    case TAG: { \
        const T *x = a->data, *y = b->data; \
        T *z = o->data; \
        BCAST_LOOP(bc, { z[io] = is_max ? (x[i1] > y[i2] ? x[i1] : y[i2]) : (x[i1] < y[i2] ? x[i1] : y[i2]); }); \
        break; \
    }
    switch (a->type) {
    MAXMIN_CASE(SRT_INT8, int8_t)
    MAXMIN_CASE(SRT_INT16, int16_t)
    MAXMIN_CASE(SRT_INT32, int32_t)
    MAXMIN_CASE(SRT_INT64, int64_t)
    MAXMIN_CASE(SRT_FLOAT32, float)
#undef MAXMIN_CASE
    default:
        return k_unsupported_type(ctx, op, a->type);
    }
    return SRT_OK;
}
/* TFLM has no Prepare here (no temp tensors); ours reads the eval tensors, which allocates
 * nothing, so that an unsupported type is still reported before inference. */
static srt_status maxmin_prepare(srt_ctx *ctx, srt_node *node, const char *op) {
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o) return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
    if (a->type != SRT_INT8 && a->type != SRT_INT16 && a->type != SRT_INT32 && a->type != SRT_INT64 &&
        a->type != SRT_FLOAT32)
        return k_unsupported_type(ctx, op, a->type);
    if (a->type != b->type || a->type != o->type) return k_unsupported_type(ctx, op, a->type != b->type ? b->type : o->type);
    return check_shapes(ctx, op, a->dims, b->dims, o->dims);
}
static srt_status max_prepare(srt_ctx *ctx, srt_node *node) { return maxmin_prepare(ctx, node, "MAXIMUM"); }
static srt_status min_prepare(srt_ctx *ctx, srt_node *node) { return maxmin_prepare(ctx, node, "MINIMUM"); }
static srt_status max_eval(srt_ctx *ctx, srt_node *node) { return maxmin_eval(ctx, node, true); }
static srt_status min_eval(srt_ctx *ctx, srt_node *node) { return maxmin_eval(ctx, node, false); }

const srt_op srt_op_add = {
    .builtin_code = 0, .name = "ADD", .options_type = K_OPT_Add,
    .params_size = SRT_PARAMS_SIZE_ADD, .params_align = SRT_PARAMS_ALIGN_ADD, .parse = add_parse,
    .opdata_size = SRT_OPDATA_SIZE_ADD, .prepare = add_prepare, .eval = add_eval,
};
const srt_op srt_op_sub = {
    .builtin_code = 41, .name = "SUB", .options_type = K_OPT_Sub,
    .params_size = SRT_PARAMS_SIZE_SUB, .params_align = SRT_PARAMS_ALIGN_SUB, .parse = add_parse,
    .opdata_size = SRT_OPDATA_SIZE_SUB, .prepare = sub_prepare, .eval = sub_eval,
};
const srt_op srt_op_mul = {
    .builtin_code = 18, .name = "MUL", .options_type = K_OPT_Mul,
    .params_size = SRT_PARAMS_SIZE_MUL, .params_align = SRT_PARAMS_ALIGN_MUL, .parse = act_parse,
    .opdata_size = SRT_OPDATA_SIZE_MUL, .prepare = mul_prepare, .eval = mul_eval,
};
const srt_op srt_op_maximum = {
    .builtin_code = 55, .name = "MAXIMUM", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_MAXIMUM, .params_align = SRT_PARAMS_ALIGN_MAXIMUM, .parse = NULL,
    .opdata_size = SRT_OPDATA_SIZE_MAXIMUM, .prepare = max_prepare, .eval = max_eval,
};
const srt_op srt_op_minimum = {
    .builtin_code = 57, .name = "MINIMUM", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_MINIMUM, .params_align = SRT_PARAMS_ALIGN_MINIMUM, .parse = NULL,
    .opdata_size = SRT_OPDATA_SIZE_MINIMUM, .prepare = min_prepare, .eval = min_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op ADD | int8; int16 (left shift 15, as TFLM); int32; float32 | broadcasting up to 6-D; fused activations
 * @op SUB | int8; int16 (left shift 15, as TFLM); int32; float32 | broadcasting up to 6-D; fused activations
 * @op MUL | int8; int16 (zero points 0); int32; float32 | broadcasting up to 6-D; fused activations
 * @op MAXIMUM | int8; int16; int32; int64; float32 | broadcasting up to 6-D
 * @op MINIMUM | int8; int16; int32; int64; float32 | broadcasting up to 6-D
 */
