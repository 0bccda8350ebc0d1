/* activations.c - RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH (int8, int16, float32), with the
 * fixed-point paths of TFLite's reference kernels:
 *   RELU      requantise (x - zp_in) by in_scale/out_scale, clamp to quantize(0)..127;
 *   RELU6     clamp to [zp_in, quantize_in(6)] (input quantisation, no rescale);
 *   LEAKY     two multipliers: identity (x >= 0) and alpha (x < 0);
 *   HARD_SWISH  int16 fixed point (hires input << 7, "reluish" multiplier, SaturatingDoublingHighMul);
 *   LOGISTIC/TANH  input to Q4.27, gemmlowp logistic/tanh, rescaled to 1/256 (zp -128) / 1/128;
 *             int16 (zero points 0, output scale 2^-15): the input rescaled to 1/(3*4096) (or x3 for
 *             a power-of-two scale) and a linear interpolation in TFLM's 256-entry sigmoid table
 *             (lstm_lut.h, measured on the wheel), tanh(x) = 2 sigmoid(2x) - 1. */
#include "ops.h"
#include "libm_compat.h"
#include "lstm_lut.h"

typedef struct { int32_t in_off, out_off, mult, shift, act_min, act_max; } k_relu_data;
typedef struct { int8_t zero, six; int16_t zero16, six16; } k_relu6_data; /* TFLM's Relu6OpData: both widths */
typedef struct { int32_t in_zp, out_zp, mult_alpha, shift_alpha, mult_id, shift_id; } k_leaky_data;
typedef struct { float alpha; } k_leaky_params;
typedef struct {
    int16_t in_zp, out_zp, relu_mult, out_mult;
    int32_t relu_exp, out_exp;
} k_hswish_data;
typedef struct { int32_t in_zp, radius, mult, shift; } k_sig_data;

K_STATIC_FITS(k_relu_data, SRT_OPDATA_SIZE_RELU);
K_STATIC_FITS(k_relu6_data, SRT_OPDATA_SIZE_RELU6);
K_STATIC_FITS(k_leaky_data, SRT_OPDATA_SIZE_LEAKY_RELU);
K_STATIC_FITS(k_leaky_params, SRT_PARAMS_SIZE_LEAKY_RELU);
K_STATIC_FITS(k_hswish_data, SRT_OPDATA_SIZE_HARD_SWISH);
K_STATIC_FITS(k_sig_data, SRT_OPDATA_SIZE_LOGISTIC);
K_STATIC_FITS(k_sig_data, SRT_OPDATA_SIZE_TANH);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

/* in, out temp tensors; same type int8/int16/float32 and same element count. Only RELU and
 * LEAKY_RELU have int16 paths here: the other callers refuse int16 after this. */
static srt_status unary_prepare(srt_ctx *ctx, srt_node *node, const char *op,
                                const srt_tensor **in, const srt_tensor **out) {
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, *in, op, "input"));
    *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, *out, op, "output"));
    if ((*in)->type != (*out)->type ||
        ((*in)->type != SRT_INT8 && (*in)->type != SRT_INT16 && (*in)->type != SRT_FLOAT32))
        return k_unsupported_type(ctx, op, (*in)->type);
    if (k_elements((*in)->dims) != k_elements((*out)->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    if ((*in)->type == SRT_INT8 || (*in)->type == SRT_INT16) {
        CHECK(k_require_quant(ctx, *in, op, "input"));
        CHECK(k_require_quant(ctx, *out, op, "output"));
    }
    return SRT_OK;
}

/* Eval-side fetch for elementwise unary ops. */
static srt_status unary_eval_io(srt_ctx *ctx, const srt_node *node, const char *op,
                                srt_eval_tensor **in, srt_eval_tensor **out, int32_t *n) {
    *in = srt_eval_input(ctx, node, 0);
    *out = srt_eval_output(ctx, node, 0);
    if (!*in || !*out || !(*in)->data || !(*out)->data) return k_missing(ctx, op);
    *n = k_elements((*in)->dims);
    return SRT_OK;
}

/* ---- RELU ---- */
static srt_status relu_prepare(srt_ctx *ctx, srt_node *node) {
    const srt_tensor *in, *out;
    CHECK(unary_prepare(ctx, node, "RELU", &in, &out));
    if (in->type != SRT_INT8 && in->type != SRT_INT16) return SRT_OK;
    const bool i16 = in->type == SRT_INT16;
    if (i16 && (srt_q_zero_point(in, 0) || srt_q_zero_point(out, 0)))
        return srt_fail(ctx, SRT_ERR_MODEL, "RELU: int16 zero points must be 0");
    k_relu_data *d = node->user_data;
    const float os = srt_q_scale(out, 0);
    int sh;
    srt_quantize_multiplier((double)srt_q_scale(in, 0) / (double)os, &d->mult, &sh);
    d->shift = sh;
    const int32_t lo = srt_wadd(srt_q_zero_point(out, 0), k_f2i(srt_roundf(0.0f / os)));
    d->act_min = lo > (i16 ? -32768 : -128) ? lo : (i16 ? -32768 : -128);
    d->act_max = i16 ? 32767 : 127;
    d->in_off = srt_q_zero_point(in, 0);
    d->out_off = srt_q_zero_point(out, 0);
    return SRT_OK;
}

static srt_status relu_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(unary_eval_io(ctx, node, "RELU", &in, &out, &n));
    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
        const k_relu_data *d = node->user_data;
        const bool i16 = in->type == SRT_INT16;
        for (int32_t i = 0; i < n; ++i) {
            const int32_t xv = i16 ? ((const int16_t *)in->data)[i] : ((const int8_t *)in->data)[i];
            const int32_t v = srt_clamp_i32(srt_wadd(d->out_off, srt_mbqm(xv - d->in_off, d->mult, d->shift)),
                                            d->act_min, d->act_max);
            if (i16) ((int16_t *)out->data)[i] = (int16_t)v;
            else ((int8_t *)out->data)[i] = (int8_t)v;
        }
    } else {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
    }
    return SRT_OK;
}

/* ---- RELU6: TFLM takes only the input temp tensor ---- */
static srt_status relu6_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "RELU6";
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    if (in->type != SRT_INT8 && in->type != SRT_INT16 && in->type != SRT_FLOAT32)
        return k_unsupported_type(ctx, op, in->type);
    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        k_relu6_data *d = node->user_data;
        const int32_t zp = srt_q_zero_point(in, 0);
        /* FloatToQuantizedType: round(6 / scale) + zp in float, then to int32 */
        int32_t six = k_f2i(srt_roundf(6.0f / srt_q_scale(in, 0)) + (float)zp);
        d->six = (int8_t)srt_clamp_i32(six, -128, 127);
        d->zero = (int8_t)srt_clamp_i32(zp, -128, 127);
        d->six16 = (int16_t)srt_clamp_i32(six, -32768, 32767);
        d->zero16 = (int16_t)srt_clamp_i32(zp, -32768, 32767);
    }
    return SRT_OK;
}

static srt_status relu6_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(unary_eval_io(ctx, node, "RELU6", &in, &out, &n));
    if (in->type != out->type || k_elements(out->dims) != n)
        return srt_fail(ctx, SRT_ERR_MODEL, "RELU6: output does not match the input");
    if (in->type == SRT_INT8) {
        const k_relu6_data *d = node->user_data;
        const int8_t *x = in->data;
        int8_t *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = x[i] > d->six ? d->six : (x[i] < d->zero ? d->zero : x[i]);
    } else if (in->type == SRT_INT16) {
        const k_relu6_data *d = node->user_data;
        const int16_t *x = in->data;
        int16_t *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = x[i] > d->six16 ? d->six16 : (x[i] < d->zero16 ? d->zero16 : x[i]);
    } else {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = x[i] > 6.0f ? 6.0f : (x[i] < 0.0f ? 0.0f : x[i]);
    }
    return SRT_OK;
}

/* ---- LEAKY_RELU ---- */
static srt_status leaky_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    if (o) ((k_leaky_params *)params)->alpha = srt_fb_f32(o, 0, 0.0f);
    return SRT_OK;
}

static srt_status leaky_prepare(srt_ctx *ctx, srt_node *node) {
    const srt_tensor *in, *out;
    CHECK(unary_prepare(ctx, node, "LEAKY_RELU", &in, &out));
    if (in->type != SRT_INT8 && in->type != SRT_INT16) return SRT_OK;
    const k_leaky_params *p = node->builtin_data;
    k_leaky_data *d = node->user_data;
    d->in_zp = srt_q_zero_point(in, 0);
    d->out_zp = srt_q_zero_point(out, 0);
    const float is = srt_q_scale(in, 0), os = srt_q_scale(out, 0);
    int sh;
    const float alpha_m = is * p->alpha / os; /* float arithmetic, as TFLM */
    srt_quantize_multiplier((double)alpha_m, &d->mult_alpha, &sh);
    d->shift_alpha = sh;
    const float id_m = is / os;
    srt_quantize_multiplier((double)id_m, &d->mult_id, &sh);
    d->shift_id = sh;
    return SRT_OK;
}

static srt_status leaky_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(unary_eval_io(ctx, node, "LEAKY_RELU", &in, &out, &n));
    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
        const k_leaky_data *d = node->user_data;
        const bool i16 = in->type == SRT_INT16;
        for (int32_t i = 0; i < n; ++i) {
            const int32_t v = (i16 ? ((const int16_t *)in->data)[i] : ((const int8_t *)in->data)[i]) - d->in_zp;
            const int32_t r = v >= 0 ? srt_mbqm(v, d->mult_id, d->shift_id) : srt_mbqm(v, d->mult_alpha, d->shift_alpha);
            if (i16) ((int16_t *)out->data)[i] = (int16_t)srt_clamp_i32(srt_wadd(d->out_zp, r), -32768, 32767);
            else ((int8_t *)out->data)[i] = (int8_t)srt_clamp_i32(srt_wadd(d->out_zp, r), -128, 127);
        }
    } else {
        const float alpha = ((const k_leaky_params *)node->builtin_data)->alpha;
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * alpha;
    }
    return SRT_OK;
}

/* ---- HARD_SWISH ---- */
static srt_status hswish_prepare(srt_ctx *ctx, srt_node *node) {
    const srt_tensor *in, *out;
    CHECK(unary_prepare(ctx, node, "HARD_SWISH", &in, &out));
    if (in->type == SRT_INT16) return k_unsupported_type(ctx, "HARD_SWISH", in->type);
    if (in->type != SRT_INT8) return SRT_OK;
    k_hswish_data *d = node->user_data;
    d->in_zp = (int16_t)srt_q_zero_point(in, 0);
    d->out_zp = (int16_t)srt_q_zero_point(out, 0);
    const float hires = (1.0f / 128.0f) * srt_q_scale(in, 0);
    const float reluish_scale = 3.0f / 32768.0f;
    const float out_m = hires / srt_q_scale(out, 0);
    const float relu_m = hires / reluish_scale;
    int e;
    srt_quantize_multiplier_int16((double)out_m, &d->out_mult, &e);
    d->out_exp = e;
    if (e > 0) return srt_fail(ctx, SRT_ERR_MODEL, "HARD_SWISH: output scale too small for the input scale");
    srt_quantize_multiplier_int16((double)relu_m, &d->relu_mult, &e);
    d->relu_exp = e;
    return SRT_OK;
}

static int16_t sat_lshift16(int16_t v, int amount) {
    int64_t r = (int64_t)v * ((int64_t)1 << (amount > 40 ? 40 : amount));
    return (int16_t)(r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r));
}
static int16_t sat_doubling_high_mul16(int16_t a, int16_t b) {
    if (a == b && a == INT16_MIN) return INT16_MAX;
    return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

static srt_status hswish_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(unary_eval_io(ctx, node, "HARD_SWISH", &in, &out, &n));
    if (in->type == SRT_INT8) {
        const k_hswish_data *d = node->user_data;
        const int8_t *x = in->data;
        int8_t *y = out->data;
        for (int32_t i = 0; i < n; ++i) {
            const int16_t v = (int16_t)(x[i] - d->in_zp);
            const int16_t hires = (int16_t)(v * (1 << 7));
            const int16_t preshift = srt_srdhm16(hires, d->out_mult);
            int16_t r = hires;
            if (d->relu_exp > 0) r = sat_lshift16(r, d->relu_exp - 1);
            r = srt_srdhm16(r, d->relu_mult);
            if (d->relu_exp > 0) r = sat_lshift16(r, 1);
            if (d->relu_exp < 0) r = srt_rdpot16(r, -d->relu_exp);
            r = (int16_t)((r + (1 << 15)) >> 1);
            const int16_t pre_out = sat_doubling_high_mul16(r, preshift);
            int32_t o = (int16_t)(srt_rdpot16(pre_out, -d->out_exp) + d->out_zp);
            y[i] = (int8_t)srt_clamp_i32(o, -128, 127);
        }
    } else {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) {
            const float v = x[i];
            float t = v + 3.0f;
            t = (0.0f < t) ? t : 0.0f;  /* std::max(0.0f, v + 3) */
            t = (t < 6.0f) ? t : 6.0f;  /* std::min(6.0f, ...) */
            y[i] = v * t / 6.0f;
        }
    }
    return SRT_OK;
}

/* ---- LOGISTIC / TANH ---- */
static void sig_params(const srt_tensor *in, k_sig_data *d) {
    /* input_real_multiplier = scale * 2^(31-4); TFLM takes round(frexp(m) * 2^31) directly
     * (no carry fix-up, unlike QuantizeMultiplier) and CalculateInputRadius(4, shift). */
    int shift;
    d->mult = srt_frexp_multiplier((double)srt_q_scale(in, 0) * (double)(1 << (31 - 4)), &shift);
    d->shift = shift;
    d->in_zp = srt_q_zero_point(in, 0);
    d->radius = srt_input_radius(4, shift, 31);
}

/* TFLite's CheckedLog2: log2(x) rounded to the nearest integer, and whether x is a power of two
 * (|fractional part| < 1e-3). Read from the float's exponent and mantissa (TFLite computes
 * logf(x) / logf(2) in float; the two agree except within float rounding of the 1e-3 edges). */
static bool checked_log2(float x, int *log2_out) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    const int e = (int)((bits >> 23) & 0xFF);
    if (!(x > 0.0f) || e == 0 || e == 0xFF) { *log2_out = 0; return false; }
    const double m = 1.0 + (double)(bits & 0x7FFFFF) / 8388608.0; /* [1, 2) */
    const bool up = m >= 1.4142135623730951;
    *log2_out = e - 127 + (up ? 1 : 0);
    return up ? m > 1.998614185980905 : m < 1.0006933874625807;
}

/* TFLM's int16 LOGISTIC/TANH Prepare (logistic_common.cc, tanh.cc): the multiplier that brings
 * the input to the table's scale 1/(3*4096); 0 for a power-of-two scale whose shift TFLM accepts
 * (LOGISTIC: 0, TANH: 0 or 1), which Eval turns into 3 << shift. */
static srt_status sig16_params(srt_ctx *ctx, const char *op, const srt_tensor *in, const srt_tensor *out,
                               bool is_tanh, k_sig_data *d) {
    if (srt_q_zero_point(in, 0) != 0 || srt_q_zero_point(out, 0) != 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 zero points must be 0", op);
    int l2;
    bool pot = checked_log2(srt_q_scale(in, 0), &l2);
    int shift = (15 - 3) + l2;
    pot = pot && (shift == 0 || (is_tanh && shift == 1));
    double mult = 0.0;
    if (!pot) {
        mult = (double)srt_q_scale(in, 0) * 4096.0 * 3.0;
        shift = 0;
        while (mult <= 32767.0 / 2.0 && shift <= 30) { ++shift; mult *= 2.0; }
        if (!(mult <= 32767.0))  /* TFLM only DCHECKs this; larger would overflow its int32 products */
            return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: int16 input scale too large", op);
        if ((int32_t)mult == 0)  /* TFLM's Eval would take it for the power-of-two case: 3 << 31 */
            return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: int16 input scale too small", op);
    }
    d->mult = (int32_t)mult;
    d->shift = shift;
    d->in_zp = 0;
    d->radius = 0;
    int ol2;
    if (!checked_log2(srt_q_scale(out, 0), &ol2) || ol2 != -15)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 output scale must be 2^-15", op);
    return SRT_OK;
}

static int32_t floor_shift(int32_t v, int s) { return v >= 0 ? v >> s : ~((~v) >> s); }

/* reference_integer_ops::Logistic / Tanh for int16 (the same table, different knot spacing) */
static void sig16_eval(const k_sig_data *d, bool is_tanh, const int16_t *x, int16_t *y, int32_t n) {
    int32_t mult = d->mult, shift = d->shift;
    if (mult == 0) { mult = 3 << shift; shift = 0; }
    const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = floor_shift((int32_t)x[i] * mult + round, shift);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v);
        if (!is_tanh) {
            const uint32_t uh = a >> 9;
            uint32_t r;
            if (uh >= 255) r = (uint32_t)0x7FFF << 10;
            else r = ((uint32_t)k_sigmoid_lut[uh] << 9) + (a & 0x1FF) * (uint32_t)(k_sigmoid_lut[uh + 1] - k_sigmoid_lut[uh]);
            r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
            y[i] = (int16_t)(r >> 10);
        } else {
            const uint32_t uh = a >> 8;
            int32_t r;
            if (uh >= 255) r = (int32_t)(0xFFFF << 8);
            else r = (int32_t)(((uint32_t)k_sigmoid_lut[uh] << 8) +
                               (a & 0xFF) * (uint32_t)(k_sigmoid_lut[uh + 1] - k_sigmoid_lut[uh]));
            r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
            y[i] = (int16_t)floor_shift(r, 8);
        }
    }
}

static srt_status logistic_prepare(srt_ctx *ctx, srt_node *node) {
    const srt_tensor *in, *out;
    CHECK(unary_prepare(ctx, node, "LOGISTIC", &in, &out));
    if (in->type == SRT_INT16) return sig16_params(ctx, "LOGISTIC", in, out, false, node->user_data);
    if (in->type != SRT_INT8) return SRT_OK;
    if (srt_q_zero_point(out, 0) != -128)
        return srt_fail(ctx, SRT_ERR_MODEL, "LOGISTIC: int8 output zero point must be -128");
    sig_params(in, node->user_data);
    return SRT_OK;
}

static srt_status tanh_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TANH";
    /* TFLM order: in, in, out */
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, in, op, "input"));
    const srt_tensor *out;
    CHECK(unary_prepare(ctx, node, op, &in, &out));
    if (in->type == SRT_INT16) return sig16_params(ctx, op, in, out, true, node->user_data);
    if (in->type == SRT_INT8) sig_params(in, node->user_data);
    return SRT_OK;
}

static srt_status sig_eval(srt_ctx *ctx, srt_node *node, bool is_tanh) {
    srt_eval_tensor *in, *out;
    int32_t n;
    CHECK(unary_eval_io(ctx, node, is_tanh ? "TANH" : "LOGISTIC", &in, &out, &n));
    if (in->type == SRT_INT16) {
        sig16_eval(node->user_data, is_tanh, in->data, out->data, n);
    } else if (in->type == SRT_INT8) {
        const k_sig_data *d = node->user_data;
        const int8_t *x = in->data;
        int8_t *y = out->data;
        for (int32_t i = 0; i < n; ++i) {
            const int32_t v = (int32_t)x[i] - d->in_zp;
            if (v <= -d->radius) { y[i] = -128; continue; }
            if (v >= d->radius) { y[i] = 127; continue; }
            const int32_t q4 = srt_mbqm(v, d->mult, d->shift);
            int32_t r;
            if (is_tanh) {
                r = srt_rdpot(srt_fx_tanh(q4, 4), 31 - 7);
            } else {
                r = srt_wadd(srt_rdpot(srt_fx_logistic(q4, 4), 31 - 8), -128);
            }
            y[i] = (int8_t)srt_clamp_i32(r, -128, 127);
        }
    } else {
        const float *x = in->data;
        float *y = out->data;
        for (int32_t i = 0; i < n; ++i) {
            const float v = x[i];
            if (is_tanh) y[i] = k_tanhf(v);
            else if (v > 16.619047164916992188f) y[i] = 1.0f;
            else if (v < -9.0f) y[i] = k_expf(v);
            else y[i] = 1.0f / (1.0f + k_expf(-v));
        }
    }
    return SRT_OK;
}
static srt_status logistic_eval(srt_ctx *ctx, srt_node *node) { return sig_eval(ctx, node, false); }
static srt_status tanh_eval(srt_ctx *ctx, srt_node *node) { return sig_eval(ctx, node, true); }

#define UNARY_OP(var, code, nm, OPN, prep, ev)                                              \
    const srt_op var = {.builtin_code = code, .name = nm, .options_type = 0,               \
                        .params_size = SRT_PARAMS_SIZE_##OPN, .params_align = SRT_PARAMS_ALIGN_##OPN, \
                        .parse = NULL, .opdata_size = SRT_OPDATA_SIZE_##OPN, .prepare = prep, .eval = ev}

UNARY_OP(srt_op_relu, 19, "RELU", RELU, relu_prepare, relu_eval);
UNARY_OP(srt_op_relu6, 21, "RELU6", RELU6, relu6_prepare, relu6_eval);
UNARY_OP(srt_op_hard_swish, 117, "HARD_SWISH", HARD_SWISH, hswish_prepare, hswish_eval);
UNARY_OP(srt_op_logistic, 14, "LOGISTIC", LOGISTIC, logistic_prepare, logistic_eval);
UNARY_OP(srt_op_tanh, 28, "TANH", TANH, tanh_prepare, tanh_eval);
const srt_op srt_op_leaky_relu = {
    .builtin_code = 98, .name = "LEAKY_RELU", .options_type = K_OPT_LeakyRelu,
    .params_size = SRT_PARAMS_SIZE_LEAKY_RELU, .params_align = SRT_PARAMS_ALIGN_LEAKY_RELU,
    .parse = leaky_parse, .opdata_size = SRT_OPDATA_SIZE_LEAKY_RELU,
    .prepare = leaky_prepare, .eval = leaky_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op RELU | int8; int16 (zero points 0); float32 | int8/int16 may requantise
 * @op RELU6 | int8; int16; float32 | 
 * @op LEAKY_RELU | int8; int16; float32 | 
 * @op HARD_SWISH | int8; float32 | 
 * @op LOGISTIC | int8 (output zero point -128); int16 (zero points 0, output scale 2^-15); float32 | 
 * @op TANH | int8; int16 (zero points 0, output scale 2^-15); float32 | 
 */
