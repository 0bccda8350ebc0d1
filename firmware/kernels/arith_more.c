/* arith_more.c - DIV (float32, int32, int8), FLOOR_DIV, FLOOR_MOD (float32), SQUARED_DIFFERENCE
 * (float32, int32, int8, int16) and PRELU (float32, int8, int16 with int8 alpha) with TFLM's
 * reference arithmetic (div.cc, floor_div.cc, floor_mod.cc, squared_difference.cc, prelu.cc):
 *   DIV          a / b, then the fused activation's [min, max]; int32 divides as C does; int8:
 *                (a - zp1) times GetReciprocal(b - zp2) (signs moved to a), then s1/(s2*so)
 *                taken in double (the wheel's rounding of exact halves pins this down: the same
 *                quotient in float differs on 98 of 8,192 elements);
 *   FLOOR_DIV    (float)floor((double)a / (double)b), a zero divisor anywhere is an error;
 *   FLOOR_MOD    fmodf, moved to the divisor's sign;
 *   SQUARED_DIFFERENCE  float/int32 (a-b)^2; int8/int16: both inputs rescaled to a common scale
 *                (left shift 7 / 0, Q31 multipliers below one), difference squared, then scaled to
 *                the output.
 *   ADD_N        float32: 0 + in0 + in1 + ... per element; int8: every input rescaled (left shift 20,
 *                multiplier 1/2) and summed onto the rescaled input offset (TFLM starts the sum
 *                there, not at 0), then scaled to the output;
 *   PRELU        x >= 0 ? x : x * alpha; quantised: (x - zp) by in/out scale, or (x - zp)(a - zp_a)
 *                by in*alpha/out scale, + zp_out, clamped.
 * Broadcasting: 5-D for DIV, 4-D for the others (TFLM's Broadcast*Slow limits).
 * Arena: ADD_N has no Init; its Prepare takes in0, out, then every other input as temporaries,
 * for int8 its 40-B OpData as a persistent buffer (temporaries still live), and one scratch
 * buffer of a pointer per input (4 or 8 B each); PRELU has PreluParams (28 B); DIV has OpDataDiv (28 B) and TfLiteDivParams; SQUARED_DIFFERENCE an OpData holding
 * TFLite's ArithmeticParams (112 B); FLOOR_DIV/FLOOR_MOD none; all take in1, in2, out as
 * temporaries. */
#include "ops.h"
#include "k_bcast.h"
#include "kernels_simple_abi.h"

#include <math.h>

typedef struct { uint8_t activation; } k_div_params;
K_STATIC_FITS(k_div_params, SRT_PARAMS_SIZE_DIV);
/* TFLM's OpDataDiv is 7 int32 (28 B): the int8 fields; float/int32 keep their clamp in the same bytes */
typedef struct {
    int32_t act_min, act_max;
    union { struct { float fmin, fmax; } f; struct { int32_t in1_zp, in2_zp, out_zp, mult, shift; } q; } u;
} k_div_data;
K_STATIC_FITS(k_div_data, SRT_OPDATA_SIZE_DIV);
typedef struct {
    int32_t in1_off, in2_off, out_off, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift, qmin, qmax;
} k_sqd_data;
K_STATIC_FITS(k_sqd_data, SRT_OPDATA_SIZE_SQUARED_DIFFERENCE);

typedef struct { int32_t in_off, alpha_off, out_off, mult1, shift1, mult2, shift2; } k_prelu_data;
/* ADD_N's int8 OpData (10 x int32, taken at Prepare) */
typedef struct {
    int32_t act_min, act_max, in_off, out_off, in_mult, out_mult, in_shift, out_shift, left_shift, scratch_index;
} k_addn_data;
#define K_ADDN_OPDATA_BYTES 40
static_assert(sizeof(k_addn_data) == K_ADDN_OPDATA_BYTES, "ADD_N OpData is 10 ints in TFLM");
K_STATIC_FITS(k_prelu_data, SRT_OPDATA_SIZE_PRELU);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* in1, in2, out as temporaries; same type from `ok`; shapes broadcast within max_rank. */
static srt_status bin_prepare(srt_ctx *ctx, srt_node *node, const char *op, bool (*ok)(uint8_t),
                              int32_t max_rank, const srt_tensor **pa, const srt_tensor **pb,
                              const srt_tensor **po) {
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *a = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, a, op, "input1"));
    const srt_tensor *b = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, b, op, "input2"));
    const srt_tensor *o = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, o, op, "output"));
    if (a->type != b->type || a->type != o->type || !ok(a->type))
        return k_unsupported_type(ctx, op, a->type != b->type ? b->type : a->type != o->type ? o->type : a->type);
    const srt_ivec *ins[2] = {a->dims, b->dims};
    kb_plan p;
    if (!kb_setup(&p, ins, 2, o->dims, max_rank))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input shapes do not broadcast to the output (max %d-D)", op,
                        (int)max_rank);
    if (pa) *pa = a;
    if (pb) *pb = b;
    if (po) *po = o;
    return SRT_OK;
}

/* Eval: the broadcast plan of in1, in2 onto out (flat when the shapes are equal). */
typedef struct {
    srt_eval_tensor *a, *b, *o;
    kb_plan p;
} k_bin;

static srt_status bin_eval_setup(srt_ctx *ctx, const srt_node *node, const char *op, int32_t max_rank, k_bin *e) {
    e->a = srt_eval_input(ctx, node, 0);
    e->b = srt_eval_input(ctx, node, 1);
    e->o = srt_eval_output(ctx, node, 0);
    if (!e->a || !e->b || !e->o || !e->a->data || !e->b->data || !e->o->data) return k_missing(ctx, op);
    const srt_ivec *ins[2] = {e->a->dims, e->b->dims};
    if (!kb_setup(&e->p, ins, 2, e->o->dims, max_rank)) return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes", op);
    return SRT_OK;
}

#define BIN_EACH(e, BODY)                                                  \
    do {                                                                   \
        kb_iter it_;                                                       \
        kb_begin(&it_);                                                    \
        for (size_t io = 0; io < (size_t)(e).p.total; ++io) {              \
            const size_t i1 = it_.off[0], i2 = it_.off[1];                 \
            BODY;                                                          \
            kb_next(&(e).p, &it_);                                         \
        }                                                                  \
    } while (0)

static bool is_f32(uint8_t t) { return t == SRT_FLOAT32; }
static bool is_div_type(uint8_t t) { return t == SRT_FLOAT32 || t == SRT_INT32 || t == SRT_INT8; }
static bool is_sqd_type(uint8_t t) { return t == SRT_FLOAT32 || t == SRT_INT32 || t == SRT_INT8 || t == SRT_INT16; }

/* ---- DIV ---- */
/* CountLeadingSignBits of an int32 (31 for 0 and -1) */
static int leading_sign_bits(int32_t v) {
    const uint32_t u = v < 0 ? ~(uint32_t)v : (uint32_t)v;
    int n = 0;
    while (n < 31 && !(u & (0x40000000u >> n))) ++n;
    return n;
}

static srt_status div_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_div_params *)params)->activation = srt_fb_u8(o, 0, 0);
    return SRT_OK;
}

static srt_status div_prepare(srt_ctx *ctx, srt_node *node) {
    const k_div_params *pr = node->builtin_data;
    k_div_data *d = node->user_data;
    const srt_tensor *a, *b, *o;
    CHECK(bin_prepare(ctx, node, "DIV", is_div_type, 5, &a, &b, &o));
    if (a->type == SRT_INT8) {
        /* CalculateOpDataDiv: the activation range in the output's quantisation and one
         * multiplier s1 / (s2 * so) in double (TFLM @90b983c's source divides in float; the
         * wheel's results match the double quotient only) */
        CHECK(k_require_quant(ctx, a, "DIV", "input1"));
        CHECK(k_require_quant(ctx, b, "DIV", "input2"));
        CHECK(k_require_quant(ctx, o, "DIV", "output"));
        CHECK(k_act_range_q(ctx, pr->activation, o, -128, 127, &d->act_min, &d->act_max));
        const double m = (double)srt_q_scale(a, 0) / ((double)srt_q_scale(b, 0) * (double)srt_q_scale(o, 0));
        int sh;
        srt_quantize_multiplier(m, &d->u.q.mult, &sh);
        d->u.q.shift = sh;
        d->u.q.in1_zp = srt_q_zero_point(a, 0);
        d->u.q.in2_zp = srt_q_zero_point(b, 0);
        d->u.q.out_zp = srt_q_zero_point(o, 0);
        return SRT_OK;
    }
    CHECK(k_act_range_f(ctx, pr->activation, &d->u.f.fmin, &d->u.f.fmax));
    /* CalculateActivationRange<int32_t>: NONE spans the type, RELU is open above */
    d->act_min = pr->activation == K_ACT_NONE ? INT32_MIN : (int32_t)d->u.f.fmin;
    d->act_max = (pr->activation == K_ACT_NONE || pr->activation == K_ACT_RELU) ? INT32_MAX : (int32_t)d->u.f.fmax;
    return SRT_OK;
}

/* reference_ops::DivElementwise for int8; a divisor equal to its zero point gives what the wheel
 * computes for GetReciprocal(0) (clz(0) = 32, a zero shifted operand), with no undefined behaviour */
static int8_t div_q8(const k_div_data *d, int8_t a, int8_t b) {
    int32_t v1 = (int32_t)a - d->u.q.in1_zp;
    int32_t v2 = (int32_t)b - d->u.q.in2_zp;
    if (v2 < 0) { v1 = -v1; v2 = -v2; }  /* the reciprocal must be positive */
    int recip_shift;
    const int32_t inv = srt_get_reciprocal(v2, 31, &recip_shift);
    const int headroom = leading_sign_bits(v1);
    const int32_t unscaled = srt_mbqm_gt1(v1, inv, headroom);
    const int32_t r = srt_wadd(d->u.q.out_zp, srt_mbqm_lt1(unscaled, d->u.q.mult, d->u.q.shift - recip_shift - headroom));
    return (int8_t)srt_clamp_i32(r, d->act_min, d->act_max);
}

static srt_status div_eval(srt_ctx *ctx, srt_node *node) {
    const k_div_data *d = node->user_data;
    k_bin e;
    CHECK(bin_eval_setup(ctx, node, "DIV", 5, &e));
    if (e.a->type == SRT_FLOAT32) {
        const float *x = e.a->data, *y = e.b->data;
        float *z = e.o->data;
        BIN_EACH(e, z[io] = k_act_f(x[i1] / y[i2], d->u.f.fmin, d->u.f.fmax));
        return SRT_OK;
    }
    if (e.a->type == SRT_INT8) {
        const int8_t *x = e.a->data, *y = e.b->data;
        int8_t *z = e.o->data;
        BIN_EACH(e, {
            z[io] = div_q8(d, x[i1], y[i2]);
        });
        return SRT_OK;
    }
    const int32_t *x = e.a->data, *y = e.b->data;
    int32_t *z = e.o->data;
    BIN_EACH(e, {
        if (y[i2] == 0 || (y[i2] == -1 && x[i1] == INT32_MIN))
            return srt_fail(ctx, SRT_ERR_INPUT, "DIV: int32 division by zero or overflow");
        z[io] = srt_clamp_i32(x[i1] / y[i2], d->act_min, d->act_max);
    });
    return SRT_OK;
}

/* ---- FLOOR_DIV / FLOOR_MOD ---- */
static srt_status floor_div_prepare(srt_ctx *ctx, srt_node *node) {
    return bin_prepare(ctx, node, "FLOOR_DIV", is_f32, 4, NULL, NULL, NULL);
}
static srt_status floor_mod_prepare(srt_ctx *ctx, srt_node *node) {
    return bin_prepare(ctx, node, "FLOOR_MOD", is_f32, 4, NULL, NULL, NULL);
}

static srt_status floor_div_eval(srt_ctx *ctx, srt_node *node) {
    k_bin e;
    CHECK(bin_eval_setup(ctx, node, "FLOOR_DIV", 4, &e));
    const float *x = e.a->data, *y = e.b->data;
    float *z = e.o->data;
    const int32_t nb = k_elements(e.b->dims);
    for (int32_t i = 0; i < nb; ++i)
        if (y[i] == 0.0f) return srt_fail(ctx, SRT_ERR_INPUT, "FLOOR_DIV: division by 0");
    BIN_EACH(e, z[io] = (float)floor((double)x[i1] / (double)y[i2]));
    return SRT_OK;
}

static srt_status floor_mod_eval(srt_ctx *ctx, srt_node *node) {
    k_bin e;
    CHECK(bin_eval_setup(ctx, node, "FLOOR_MOD", 4, &e));
    const float *x = e.a->data, *y = e.b->data;
    float *z = e.o->data;
    BIN_EACH(e, {
        const float m = fmodf(x[i1], y[i2]);
        z[io] = (m != 0.0f && ((y[i2] < 0.0f) != (m < 0.0f))) ? m + y[i2] : m;
    });
    return SRT_OK;
}

/* ---- SQUARED_DIFFERENCE ---- */
static srt_status sqd_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SQUARED_DIFFERENCE";
    k_sqd_data *d = node->user_data;
    const srt_tensor *a, *b, *o;
    CHECK(bin_prepare(ctx, node, op, is_sqd_type, 4, &a, &b, &o));
    if (a->type != SRT_INT8 && a->type != SRT_INT16) return SRT_OK;
    CHECK(k_require_quant(ctx, a, op, "input1"));
    CHECK(k_require_quant(ctx, b, op, "input2"));
    CHECK(k_require_quant(ctx, o, op, "output"));
    const bool i8 = a->type == SRT_INT8;
    d->in1_off = -srt_q_zero_point(a, 0);
    d->in2_off = -srt_q_zero_point(b, 0);
    d->out_off = srt_q_zero_point(o, 0);
    if (i8) {
        if (-d->in1_off < -128 || -d->in1_off > 127 || -d->in2_off < -128 || -d->in2_off > 127 ||
            d->out_off < -128 || d->out_off > 127)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: zero point outside int8", op);
    } else if (d->in1_off != 0 || d->in2_off != 0 || d->out_off != 0) {
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 zero points must be 0", op);
    }
    d->left_shift = i8 ? 7 : 0;
    d->qmin = i8 ? -128 : INT16_MIN;
    d->qmax = i8 ? 127 : INT16_MAX;
    const float fs1 = srt_q_scale(a, 0), fs2 = srt_q_scale(b, 0);
    const double twice_max = 2.0 * (double)(fs1 > fs2 ? fs1 : fs2);
    const double m1 = (double)fs1 / twice_max, m2 = (double)fs2 / twice_max;
    /* (1 << left_shift * 2) * output scale is computed in float, as TFLM's static_cast does */
    const double mo = (twice_max * twice_max) / (double)((float)(1 << (d->left_shift * 2)) * srt_q_scale(o, 0));
    if (!(m1 > 0.0 && m1 < 1.0 && m2 > 0.0 && m2 < 1.0) || !(mo > 0.0))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input scales must be positive", op);
    int sh;
    srt_quantize_multiplier(m1, &d->in1_mult, &sh); d->in1_shift = sh;
    srt_quantize_multiplier(m2, &d->in2_mult, &sh); d->in2_shift = sh;
    srt_quantize_multiplier(mo, &d->out_mult, &sh); d->out_shift = sh;
    return SRT_OK;
}

static int32_t sqd_q(const k_sqd_data *d, int32_t x, int32_t y) {
    const int32_t v1 = srt_mbqm_lt1((d->in1_off + x) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
    const int32_t v2 = srt_mbqm_lt1((d->in2_off + y) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
    const int32_t diff = srt_wsub(v1, v2);
    const int32_t sq = (int32_t)((uint32_t)diff * (uint32_t)diff);
    return srt_clamp_i32(srt_wadd(srt_mbqm(sq, d->out_mult, d->out_shift), d->out_off), d->qmin, d->qmax);
}

static srt_status sqd_eval(srt_ctx *ctx, srt_node *node) {
    const k_sqd_data *d = node->user_data;
    k_bin e;
    CHECK(bin_eval_setup(ctx, node, "SQUARED_DIFFERENCE", 4, &e));
    switch (e.a->type) {
    case SRT_FLOAT32: {
        const float *x = e.a->data, *y = e.b->data;
        float *z = e.o->data;
        BIN_EACH(e, { const float t = x[i1] - y[i2]; z[io] = t * t; });
        break;
    }
    case SRT_INT32: {
        const int32_t *x = e.a->data, *y = e.b->data;
        int32_t *z = e.o->data;
        BIN_EACH(e, { const uint32_t t = (uint32_t)x[i1] - (uint32_t)y[i2]; z[io] = (int32_t)(t * t); });
        break;
    }
    case SRT_INT8: {
        const int8_t *x = e.a->data, *y = e.b->data;
        int8_t *z = e.o->data;
        BIN_EACH(e, z[io] = (int8_t)sqd_q(d, x[i1], y[i2]));
        break;
    }
    default: {
        const int16_t *x = e.a->data, *y = e.b->data;
        int16_t *z = e.o->data;
        BIN_EACH(e, z[io] = (int16_t)sqd_q(d, x[i1], y[i2]));
        break;
    }
    }
    return SRT_OK;
}

/* ---- PRELU ---- */
static srt_status prelu_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "PRELU";
    k_prelu_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *x = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, x, op, "input"));
    const srt_tensor *a = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, a, op, "alpha"));
    const srt_tensor *o = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, o, op, "output"));
    const uint8_t t = x->type;
    const uint8_t alpha_type = t == SRT_INT16 ? SRT_INT8 : t;
    if (o->type != t || a->type != alpha_type || !(t == SRT_FLOAT32 || t == SRT_INT8 || t == SRT_INT16))
        return k_unsupported_type(ctx, op, o->type != t ? o->type : a->type != alpha_type ? a->type : t);
    const srt_ivec *ins[2] = {x->dims, a->dims};
    kb_plan p;
    if (!kb_setup(&p, ins, 2, o->dims, 4))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and alpha do not broadcast to the output (max 4-D)", op);
    if (t == SRT_FLOAT32) return SRT_OK;
    CHECK(k_require_quant(ctx, x, op, "input"));
    CHECK(k_require_quant(ctx, a, op, "alpha"));
    CHECK(k_require_quant(ctx, o, op, "output"));
    const double si = (double)srt_q_scale(x, 0), sa = (double)srt_q_scale(a, 0), so = (double)srt_q_scale(o, 0);
    int sh;
    srt_quantize_multiplier(si / so, &d->mult1, &sh); d->shift1 = sh;
    srt_quantize_multiplier(si * sa / so, &d->mult2, &sh); d->shift2 = sh;
    d->in_off = -srt_q_zero_point(x, 0);
    d->alpha_off = -srt_q_zero_point(a, 0);
    d->out_off = srt_q_zero_point(o, 0);
    return SRT_OK;
}

static int32_t prelu_q(const k_prelu_data *d, int32_t x, int32_t a, int32_t lo, int32_t hi) {
    const int32_t v = d->in_off + x;
    const int32_t r = v >= 0 ? srt_mbqm(v, d->mult1, d->shift1)
                             : srt_mbqm((int32_t)((uint32_t)v * (uint32_t)(d->alpha_off + a)), d->mult2, d->shift2);
    return srt_clamp_i32(srt_wadd(r, d->out_off), lo, hi);
}

static srt_status prelu_eval(srt_ctx *ctx, srt_node *node) {
    const k_prelu_data *d = node->user_data;
    k_bin e;
    CHECK(bin_eval_setup(ctx, node, "PRELU", 4, &e));
    if (e.a->type == SRT_FLOAT32) {
        const float *x = e.a->data, *a = e.b->data;
        float *z = e.o->data;
        BIN_EACH(e, z[io] = x[i1] >= 0.0f ? x[i1] : x[i1] * a[i2]);
    } else if (e.a->type == SRT_INT8) {
        const int8_t *x = e.a->data, *a = e.b->data;
        int8_t *z = e.o->data;
        BIN_EACH(e, z[io] = (int8_t)prelu_q(d, x[i1], a[i2], -128, 127));
    } else {
        const int16_t *x = e.a->data;
        const int8_t *a = e.b->data;
        int16_t *z = e.o->data;
        BIN_EACH(e, z[io] = (int16_t)prelu_q(d, x[i1], a[i2], INT16_MIN, INT16_MAX));
    }
    return SRT_OK;
}

/* ---- ADD_N ---- */
static srt_status add_n_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "ADD_N";
    const int32_t n = node->inputs ? node->inputs->size : 0;
    if (n < 2) return srt_fail(ctx, SRT_ERR_MODEL, "%s: needs at least 2 inputs", op);
    CHECK(k_check_io(ctx, node, 2, n, 1, op));
    const srt_tensor *x0 = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, x0, op, "input"));
    const srt_tensor *o = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, o, op, "output"));
    if (o->type != x0->type) return k_unsupported_type(ctx, op, o->type);
    for (int32_t i = 1; i < n; ++i) {
        const srt_tensor *xi = srt_prepare_input(ctx, node, i);
        CHECK(k_check_tensor(ctx, xi, op, "input"));
        if (!k_same_dims(xi->dims, x0->dims) || xi->type != x0->type)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: inputs differ in shape or type", op);
        if (x0->type == SRT_INT8 && (srt_q_zero_point(xi, 0) != srt_q_zero_point(x0, 0) ||
                                     srt_q_scale(xi, 0) != srt_q_scale(x0, 0)))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int8 inputs must share one quantisation", op);
    }
    if (k_elements(x0->dims) != k_elements(o->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    int32_t scratch;
    if (x0->type == SRT_FLOAT32) {
        CHECK(srt_request_scratch(ctx, sizeof(const void *) * (size_t)n, &scratch));
        return SRT_OK;
    }
    if (x0->type != SRT_INT8) return k_unsupported_type(ctx, op, x0->type);
    CHECK(k_require_quant(ctx, x0, op, "input"));
    CHECK(k_require_quant(ctx, o, op, "output"));
    k_addn_data *d = srt_alloc_persistent(ctx, K_ADDN_OPDATA_BYTES);
    if (!d) return srt_ctx_status(ctx);
    node->user_data = d;
    CHECK(srt_request_scratch(ctx, sizeof(const void *) * (size_t)n, &d->scratch_index));
    d->in_off = -srt_q_zero_point(x0, 0);
    d->out_off = srt_q_zero_point(o, 0);
    d->left_shift = 20;
    const double twice = 2.0 * (double)srt_q_scale(x0, 0);
    const double mi = (double)srt_q_scale(x0, 0) / twice;
    const double mo = twice / ((double)(1 << 20) * (double)srt_q_scale(o, 0));
    if (!(mi > 0.0 && mi < 1.0 && mo > 0.0 && mo < 1.0))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output scale too small for the input scale", op);
    int sh;
    srt_quantize_multiplier(mi, &d->in_mult, &sh); d->in_shift = sh;
    srt_quantize_multiplier(mo, &d->out_mult, &sh); d->out_shift = sh;
    return k_act_range_q(ctx, K_ACT_NONE, o, -128, 127, &d->act_min, &d->act_max);
}

static srt_status add_n_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "ADD_N";
    const int32_t n = node->inputs->size;
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!o || !o->data) return k_missing(ctx, op);
    const int32_t size = k_elements(o->dims);
    for (int32_t j = 0; j < n; ++j) {
        const srt_eval_tensor *x = srt_eval_input(ctx, node, j);
        if (!x || !x->data || x->type != o->type || k_elements(x->dims) != size) return k_missing(ctx, op);
    }
    if (o->type == SRT_FLOAT32) {
        float *y = o->data;
        for (int32_t i = 0; i < size; ++i) {
            float acc = 0.0f;
            for (int32_t j = 0; j < n; ++j) acc += ((const float *)srt_eval_input(ctx, node, j)->data)[i];
            y[i] = acc;
        }
        return SRT_OK;
    }
    const k_addn_data *d = node->user_data;
    int8_t *y = o->data;
    for (int32_t i = 0; i < size; ++i) {
        int32_t acc = srt_mbqm_lt1(d->in_off * (1 << d->left_shift), d->in_mult, d->in_shift);
        for (int32_t j = 0; j < n; ++j) {
            const int32_t v = d->in_off + ((const int8_t *)srt_eval_input(ctx, node, j)->data)[i];
            acc = srt_wadd(acc, srt_mbqm_lt1(v * (1 << d->left_shift), d->in_mult, d->in_shift));
        }
        const int32_t r = srt_wadd(srt_mbqm_lt1(acc, d->out_mult, d->out_shift), d->out_off);
        y[i] = (int8_t)srt_clamp_i32(r, d->act_min, d->act_max);
    }
    return SRT_OK;
}

const srt_op srt_op_add_n = {
    .builtin_code = 106, .name = "ADD_N", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = 0, .prepare = add_n_prepare, .eval = add_n_eval,
};
const srt_op srt_op_prelu = {
    .builtin_code = 54, .name = "PRELU", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_PRELU, .prepare = prelu_prepare, .eval = prelu_eval,
};
const srt_op srt_op_div = {
    .builtin_code = 42, .name = "DIV", .options_type = K_OPT_Div,
    .params_size = SRT_PARAMS_SIZE_DIV, .params_align = SRT_PARAMS_ALIGN_DIV, .parse = div_parse,
    .opdata_size = SRT_OPDATA_SIZE_DIV, .prepare = div_prepare, .eval = div_eval,
};
const srt_op srt_op_floor_div = {
    .builtin_code = 90, .name = "FLOOR_DIV", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = 0, .prepare = floor_div_prepare, .eval = floor_div_eval,
};
const srt_op srt_op_floor_mod = {
    .builtin_code = 95, .name = "FLOOR_MOD", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = 0, .prepare = floor_mod_prepare, .eval = floor_mod_eval,
};
const srt_op srt_op_squared_difference = {
    .builtin_code = 99, .name = "SQUARED_DIFFERENCE", .options_type = 0, .params_size = 0, .params_align = 0,
    .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_SQUARED_DIFFERENCE, .prepare = sqd_prepare, .eval = sqd_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op DIV | int8 (TFLM's reciprocal path); int32; float32 | broadcasting up to 5-D; fused activations
 * @op FLOOR_DIV | float32 | broadcasting up to 4-D; a zero divisor is an error, as TFLM
 * @op FLOOR_MOD | float32 | broadcasting up to 4-D
 * @op ADD_N | int8 (inputs share one quantisation); float32 | 
 * @op PRELU | int8; int16 (int8 alpha); float32 | broadcasting up to 4-D
 * @op SQUARED_DIFFERENCE | int8; int16 (zero points 0); int32; float32 | broadcasting up to 4-D
 */
