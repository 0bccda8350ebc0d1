/* quantize.c - QUANTIZE (float32 -> int8/int16, requantisation between int8/uint8/int16/int32), DEQUANTIZE
 * (int8/int16/uint8 -> float32), RSQRT (float32, int8). TFLite reference arithmetic:
 *   quantize:   q = (int32)round(x / (float)scale) + zp, clamped (round half away from zero);
 *   requantize: MultiplyByQuantizedMultiplier(q - zp_in, in_scale/out_scale) + zp_out, clamped;
 *   dequantize: (float)((double)scale * (q - zp));
 *   rsqrt:      1.f / sqrtf(x); int8: GetInvSqrtQuantizedMultiplierExp (gemmlowp Newton-Raphson
 *               on Q3.28) of x - zp_in, then two MultiplyByQuantizedMultiplier with 2^20 headroom. */
#include "ops.h"
#include "ops_b.h"
#include "libm_compat.h"

typedef struct {
    double scale;      /* output scale (quantize) / input scale (dequantize), as TFLM keeps it */
    int32_t zero_point;
    int32_t req_mult, req_shift, in_zp;
} k_quant_data;

K_STATIC_FITS(k_quant_data, SRT_OPDATA_SIZE_QUANTIZE);
K_STATIC_FITS(k_quant_data, SRT_OPDATA_SIZE_DEQUANTIZE);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

static srt_status q_prepare_io(srt_ctx *ctx, srt_node *node, const char *op, const srt_tensor **in,
                               const srt_tensor **out) {
    CHECK(k_check_io(ctx, node, 1, 1, 1, op));
    *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, *in, op, "input"));
    *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, *out, op, "output"));
    if (k_elements((*in)->dims) != k_elements((*out)->dims))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output sizes differ", op);
    return SRT_OK;
}

/* The (input, output) pairs TFLM's reference QUANTIZE evaluates: float32 -> int8/int16, and the
 * requantisations of quantize_common.cc (uint8 only to/from int8: the wake-word models' uint8 I/O). */
static bool quantize_pair(uint8_t in, uint8_t out) {
    switch (in) {
    case SRT_FLOAT32: return out == SRT_INT8 || out == SRT_INT16;
    case SRT_INT8: return out == SRT_INT8 || out == SRT_UINT8 || out == SRT_INT16 || out == SRT_INT32;
    case SRT_INT16: return out == SRT_INT8 || out == SRT_INT16 || out == SRT_INT32;
    case SRT_INT32: return out == SRT_INT8 || out == SRT_INT16;
    case SRT_UINT8: return out == SRT_INT8;
    default: return false;
    }
}

static srt_status quantize_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "QUANTIZE";
    const srt_tensor *in, *out;
    CHECK(q_prepare_io(ctx, node, op, &in, &out));
    if (!quantize_pair(in->type, out->type))
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: %s -> %s not supported", op, srt_type_name(in->type),
                        srt_type_name(out->type));
    CHECK(k_require_quant(ctx, out, op, "output"));
    k_quant_data *d = node->user_data;
    d->scale = (double)srt_q_scale(out, 0);
    d->zero_point = srt_q_zero_point(out, 0);
    if (in->type != SRT_FLOAT32) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        int sh;
        srt_quantize_multiplier((double)srt_q_scale(in, 0) / (double)srt_q_scale(out, 0), &d->req_mult, &sh);
        d->req_shift = sh;
        d->in_zp = srt_q_zero_point(in, 0);
    }
    return SRT_OK;
}

static int32_t k_load_int(const void *p, uint8_t type, int32_t i) {
    switch (type) {
    case SRT_INT8: return ((const int8_t *)p)[i];
    case SRT_UINT8: return ((const uint8_t *)p)[i];
    case SRT_INT16: return ((const int16_t *)p)[i];
    default: return ((const int32_t *)p)[i];
    }
}

static srt_status quantize_eval(srt_ctx *ctx, srt_node *node) {
    const k_quant_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "QUANTIZE");
    const int32_t n = k_elements(in->dims);
    int32_t lo = -128, hi = 127;
    if (out->type == SRT_INT16) { lo = INT16_MIN; hi = INT16_MAX; }
    else if (out->type == SRT_UINT8) { lo = 0; hi = 255; }
    else if (out->type == SRT_INT32) { lo = INT32_MIN; hi = INT32_MAX; }
    for (int32_t i = 0; i < n; ++i) {
        int32_t q;
        if (in->type == SRT_FLOAT32) {
            q = srt_wadd(k_f2i(srt_roundf(((const float *)in->data)[i] / (float)d->scale)), d->zero_point);
        } else {
            /* reference_ops::Requantize (its int8<->uint8 XOR fast path gives the same bytes) */
            const int32_t x = k_load_int(in->data, in->type, i);
            q = srt_wadd(srt_mbqm(srt_wsub(x, d->in_zp), d->req_mult, d->req_shift), d->zero_point);
        }
        q = srt_clamp_i32(q, lo, hi);
        switch (out->type) {
        case SRT_INT16: ((int16_t *)out->data)[i] = (int16_t)q; break;
        case SRT_UINT8: ((uint8_t *)out->data)[i] = (uint8_t)q; break;
        case SRT_INT32: ((int32_t *)out->data)[i] = q; break;
        default: ((int8_t *)out->data)[i] = (int8_t)q; break;
        }
    }
    return SRT_OK;
}

static srt_status dequantize_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "DEQUANTIZE";
    const srt_tensor *in, *out;
    CHECK(q_prepare_io(ctx, node, op, &in, &out));
    if (in->type != SRT_INT8 && in->type != SRT_INT16 && in->type != SRT_UINT8)
        return k_unsupported_type(ctx, op, in->type);
    if (out->type != SRT_FLOAT32) return k_unsupported_type(ctx, op, out->type);
    CHECK(k_require_quant(ctx, in, op, "input"));
    k_quant_data *d = node->user_data;
    d->scale = (double)srt_q_scale(in, 0);
    d->zero_point = srt_q_zero_point(in, 0);
    return SRT_OK;
}

static srt_status dequantize_eval(srt_ctx *ctx, srt_node *node) {
    const k_quant_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "DEQUANTIZE");
    const int32_t n = k_elements(in->dims);
    float *y = out->data;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t x = k_load_int(in->data, in->type, i);
        y[i] = (float)(d->scale * (double)(x - d->zero_point));
    }
    return SRT_OK;
}

typedef struct { int32_t mult, shift, in_zp, out_zp; } k_rsqrt_data;
K_STATIC_FITS(k_rsqrt_data, SRT_OPDATA_SIZE_RSQRT);

static srt_status rsqrt_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "RSQRT";
    const srt_tensor *in, *out;
    CHECK(q_prepare_io(ctx, node, op, &in, &out));
    const bool ok = in->type == SRT_FLOAT32 || in->type == SRT_INT8 || in->type == SRT_INT16;
    if (in->type != out->type || !ok) return k_unsupported_type(ctx, op, !ok ? in->type : out->type);
    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
        /* int16: the quantised path only (an unquantised int16 RSQRT would read TFLM's unset
         * multiplier), with zero points 0 */
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        k_rsqrt_data *d = node->user_data;
        d->in_zp = srt_q_zero_point(in, 0);
        d->out_zp = srt_q_zero_point(out, 0);
        if (in->type == SRT_INT16 && (d->in_zp != 0 || d->out_zp != 0))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int16 zero points must be 0", op);
        /* scale = 1 / (sqrtf(in_scale) * out_scale), the product in float */
        const float den = k_sqrtf(srt_q_scale(in, 0)) * srt_q_scale(out, 0);
        int sh;
        srt_quantize_multiplier(1.0 / (double)den, &d->mult, &sh);
        d->shift = sh;
    }
    return SRT_OK;
}

/* GetInvSqrtQuantizedMultiplierExp(x, reverse_shift = -1): 1/sqrt(x) as (q31, left shift).
 * Also L2_NORMALIZATION's (norm.c, declared in ops_b.h). */
void srt_inv_sqrt_multiplier(int32_t x, int32_t *mult, int *shift) {
    if (x <= 1) { *mult = INT32_MAX; *shift = 0; return; }
    int s = 11;
    while (x >= (1 << 29)) { x /= 4; ++s; }
    int clz = 0;
    for (uint32_t u = (uint32_t)x; !(u & 0x80000000u); u <<= 1) ++clz;
    const int pairs = (clz - 1) / 2 - 1;
    s -= pairs;
    x <<= 2 * pairs;
    /* Newton-Raphson on Q3.28: x_{n+1} = 1.5 x - (input/2) x^3, five steps from 1.0 */
    const int32_t in_q3 = x >> 1;
    const int32_t half_in = srt_rdpot(in_q3, 1);
    const int32_t three_halves = (1 << 28) + (1 << 27);
    int32_t v = 1 << 28;
    for (int i = 0; i < 5; ++i) {
        const int32_t v3 = srt_sat_shl(srt_srdhm(srt_srdhm(v, v), v), 6);
        v = srt_sat_shl(srt_wsub(srt_srdhm(three_halves, v), srt_srdhm(half_in, v3)), 3);
    }
    int32_t r = srt_srdhm(v, 1518500250); /* * sqrt(2)/2 */
    if (s < 0) { r = (int32_t)((uint32_t)r << -s); s = 0; }
    *mult = r;
    *shift = -s;
}

static srt_status rsqrt_eval(srt_ctx *ctx, srt_node *node) {
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    if (!in || !out || !in->data || !out->data) return k_missing(ctx, "RSQRT");
    const int32_t n = k_elements(in->dims);
    if (in->type == SRT_INT8 || in->type == SRT_INT16) {
        const k_rsqrt_data *d = node->user_data;
        const bool i16 = in->type == SRT_INT16;
        const int32_t lo = i16 ? INT16_MIN : -128, hi = i16 ? INT16_MAX : 127;
        for (int32_t i = 0; i < n; ++i) {
            const int32_t xi = i16 ? ((const int16_t *)in->data)[i] : ((const int8_t *)in->data)[i];
            const int32_t v = xi - d->in_zp;
            int32_t o = hi;  /* RsqrtEvalQuantized: 0 gives the type's maximum */
            if (v != 0) {
                int32_t m;
                int s;
                srt_inv_sqrt_multiplier(v, &m, &s);
                const int32_t data = srt_mbqm(1, m, s + 20);
                o = srt_clamp_i32(srt_wadd(srt_mbqm(data, d->mult, d->shift - 20), d->out_zp), lo, hi);
            }
            if (i16) ((int16_t *)out->data)[i] = (int16_t)o; else ((int8_t *)out->data)[i] = (int8_t)o;
        }
        return SRT_OK;
    }
    const float *x = in->data;
    float *y = out->data;
    for (int32_t i = 0; i < n; ++i) y[i] = 1.0f / k_sqrtf(x[i]);
    return SRT_OK;
}

const srt_op srt_op_quantize = {
    .builtin_code = 114, .name = "QUANTIZE", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_QUANTIZE, .params_align = SRT_PARAMS_ALIGN_QUANTIZE, .parse = NULL,
    .opdata_size = SRT_OPDATA_SIZE_QUANTIZE, .prepare = quantize_prepare, .eval = quantize_eval,
};
const srt_op srt_op_dequantize = {
    .builtin_code = 6, .name = "DEQUANTIZE", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_DEQUANTIZE, .params_align = SRT_PARAMS_ALIGN_DEQUANTIZE, .parse = NULL,
    .opdata_size = SRT_OPDATA_SIZE_DEQUANTIZE, .prepare = dequantize_prepare, .eval = dequantize_eval,
};
const srt_op srt_op_rsqrt = {
    .builtin_code = 76, .name = "RSQRT", .options_type = 0,
    .params_size = SRT_PARAMS_SIZE_RSQRT, .params_align = SRT_PARAMS_ALIGN_RSQRT, .parse = NULL,
    .opdata_size = SRT_OPDATA_SIZE_RSQRT, .prepare = rsqrt_prepare, .eval = rsqrt_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op QUANTIZE | float32 -> int8/int16; int8 -> int8/uint8/int16/int32; int16 -> int8/int16/int32; int32 -> int8/int16; uint8 -> int8 | 
 * @op DEQUANTIZE | int8/int16/uint8 -> float32 | 
 * @op RSQRT | int8; int16 (zero points 0); float32 | 
 */
