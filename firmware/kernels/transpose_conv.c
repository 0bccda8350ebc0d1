/* transpose_conv.c - TRANSPOSE_CONV: float32, int8 (per-channel int8 filter, int32 bias) and
 * 16x8 (int16 activations, int8 filter, int64 or int16 bias), TFLM's reference "scatter" loop:
 * every input element adds its products into an accumulator per output element (the int8/int16
 * accumulators live in the scratch buffer TFLM requests; float accumulates in the output), then
 * bias, requantisation and the activation clamp.
 * Inputs (TFLM's indices): 0 output shape, 1 filter OHWI, 2 input NHWC, 3 optional bias. */
#include "ops_b.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)
#define TMP(t) do { if (!(t) && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx); } while (0)

enum { TC_SHAPE = 0, TC_FILTER = 1, TC_INPUT = 2, TC_BIAS = 3 };

/* TfLiteTransposeConvParams {padding; stride_width; stride_height; activation; quantized_bias_type} */
typedef struct { int32_t padding, stride_w, stride_h, activation; } k_tconv_params;
K_STATIC_FITS(k_tconv_params, SRT_PARAMS_SIZE_TRANSPOSE_CONV);

typedef struct {
    int32_t pad_w, pad_h, in_zp, out_zp, act_min, act_max;
    int32_t scratch, bias_scratch; /* accumulators; int16 bias widened to int64 */
    int32_t *mult, *shift;          /* per output channel, taken in Prepare as TFLM */
} k_tconv_data;
K_STATIC_FITS(k_tconv_data, SRT_OPDATA_SIZE_TRANSPOSE_CONV);

static srt_status tconv_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_tconv_params *p = params;
    if (!o) return SRT_OK;
    p->padding = srt_fb_i8(o, 0, 0);
    p->stride_w = srt_fb_i32(o, 1, 0);
    p->stride_h = srt_fb_i32(o, 2, 0);
    p->activation = srt_fb_i8(o, 3, 0);
    return SRT_OK;
}

static srt_status tconv_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TRANSPOSE_CONV";
    const k_tconv_params *p = node->builtin_data;
    k_tconv_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 3, 4, 1, op));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    const srt_tensor *in = srt_prepare_input(ctx, node, TC_INPUT);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *filter = srt_prepare_input(ctx, node, TC_FILTER);
    CHECK(k_need(ctx, filter, op, "filter"));
    if (k_rank(in->dims) != 4 || k_rank(filter->dims) != 4 || k_rank(out->dims) != 4)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input, filter and output must be 4-D", op);
    const bool i8 = in->type == SRT_INT8 && filter->type == SRT_INT8 && out->type == SRT_INT8;
    const bool i16 = in->type == SRT_INT16 && filter->type == SRT_INT8 && out->type == SRT_INT16;
    const bool f32 = in->type == SRT_FLOAT32 && filter->type == SRT_FLOAT32 && out->type == SRT_FLOAT32;
    if (!i8 && !i16 && !f32)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: %s input with %s filter not supported", op,
                        srt_type_name(in->type), srt_type_name(filter->type));
    const int32_t cout = filter->dims->data[0];
    if (cout <= 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: filter has no output channels", op);
    d->mult = srt_alloc_persistent(ctx, 4 * (size_t)cout);
    d->shift = d->mult ? srt_alloc_persistent(ctx, 4 * (size_t)cout) : NULL;
    if (!d->mult || !d->shift) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    const int32_t nout = k_elements(out->dims);
    if (i8) CHECK(srt_request_scratch(ctx, 4 * (size_t)nout, &d->scratch));
    if (i16) CHECK(srt_request_scratch(ctx, 8 * (size_t)nout, &d->scratch));
    if (!f32) {
        CHECK(k_require_quant(ctx, filter, op, "filter"));
        if ((filter->nscales != 1 && filter->nscales != cout) || filter->nscales != filter->nzero_points)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d filter scales for %d channels", op, (int)filter->nscales,
                            (int)cout);
    }
    /* shapes: the output tensor's own shape is what TFLM computes into */
    const int32_t n = in->dims->data[0], ic = in->dims->data[3];
    const int32_t fh = filter->dims->data[1], fw = filter->dims->data[2];
    const int32_t oh = out->dims->data[1], ow = out->dims->data[2];
    if (out->dims->data[0] != n || out->dims->data[3] != cout || filter->dims->data[3] != ic || fh <= 0 || fw <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: filter/output shape does not match the input", op);
    if (p->stride_w <= 0 || p->stride_h <= 0 || p->stride_w > 65535 || p->stride_h > 65535 || fh > 65535 ||
        fw > 65535 || (int64_t)in->dims->data[1] * p->stride_h > INT32_MAX / 4 ||
        (int64_t)in->dims->data[2] * p->stride_w > INT32_MAX / 4)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: invalid stride or filter size", op);
    if (p->padding != K_PAD_SAME && p->padding != K_PAD_VALID)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: padding type %d", op, (int)p->padding);
    /* TFLM passes the output size where ComputePaddingHeightWidth expects the input size */
    d->pad_h = k_padding(p->stride_h, 1, oh, fh, k_out_size(p->padding, oh, fh, p->stride_h, 1));
    d->pad_w = k_padding(p->stride_w, 1, ow, fw, k_out_size(p->padding, ow, fw, p->stride_w, 1));
    d->bias_scratch = -1;
    if (f32) {
        float lo, hi;
        return k_act_range_f(ctx, p->activation, &lo, &hi);
    }
    /* CalculateOpData's second round of temporaries: input, filter, [bias], output */
    in = srt_prepare_input(ctx, node, TC_INPUT);
    TMP(in);
    filter = srt_prepare_input(ctx, node, TC_FILTER);
    TMP(filter);
    const srt_tensor *bias = NULL;
    if (node->inputs->size > TC_BIAS) {
        bias = srt_prepare_input(ctx, node, TC_BIAS);
        TMP(bias);
        if (bias) CHECK(k_need(ctx, bias, op, "bias"));
    }
    out = srt_prepare_output(ctx, node, 0);
    TMP(out);
    if (bias) {
        const bool ok = i8 ? bias->type == SRT_INT32 : (bias->type == SRT_INT64 || bias->type == SRT_INT16);
        if (!ok) return k_unsupported_type(ctx, op, bias->type);
        if (k_elements(bias->dims) != cout) return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias must have %d elements", op, (int)cout);
    }
    CHECK(k_require_quant(ctx, in, op, "input"));
    CHECK(k_require_quant(ctx, out, op, "output"));
    const double in_scale = (double)srt_q_scale(in, 0), out_scale = (double)srt_q_scale(out, 0);
    for (int32_t c = 0; c < cout; ++c) {
        int sh;
        srt_quantize_multiplier(in_scale * (double)srt_q_scale(filter, filter->nscales > 1 ? c : 0) / out_scale,
                                &d->mult[c], &sh);
        d->shift[c] = sh;
    }
    d->in_zp = srt_q_zero_point(in, 0);
    d->out_zp = srt_q_zero_point(out, 0);
    if (i16) {
        CHECK(k_act_range_q(ctx, p->activation, out, -32768, 32767, &d->act_min, &d->act_max));
        if (bias && bias->type == SRT_INT16) CHECK(srt_request_scratch(ctx, 8 * (size_t)cout, &d->bias_scratch));
        return SRT_OK;
    }
    return k_act_range_q(ctx, p->activation, out, -128, 127, &d->act_min, &d->act_max);
}

/* TFLM's scatter loop: every input element adds its products into the output elements it
 * reaches (BODY sees the input index ii, the filter index wi and the output index oi). */
#define SCATTER(g, BODY)                                                                        \
    for (int32_t bb = 0; bb < (g)->n; ++bb)                                                     \
        for (int32_t iy = 0; iy < (g)->ih; ++iy)                                                \
            for (int32_t ix = 0; ix < (g)->iw; ++ix)                                            \
                for (int32_t ci = 0; ci < (g)->ic; ++ci) {                                      \
                    const int32_t ox0 = ix * (g)->sw - (g)->pw, oy0 = iy * (g)->sh - (g)->ph;   \
                    const size_t ii = (((size_t)bb * (g)->ih + iy) * (g)->iw + ix) * (g)->ic + ci; \
                    for (int32_t fy = 0; fy < (g)->fh; ++fy)                                    \
                        for (int32_t fx = 0; fx < (g)->fw; ++fx)                                \
                            for (int32_t co = 0; co < (g)->oc; ++co) {                          \
                                const int32_t ox = ox0 + fx, oy = oy0 + fy;                     \
                                if (ox < 0 || ox >= (g)->ow || oy < 0 || oy >= (g)->oh) continue; \
                                const size_t wi = (((size_t)co * (g)->fh + fy) * (g)->fw + fx) * (g)->ic + ci; \
                                const size_t oi = (((size_t)bb * (g)->oh + oy) * (g)->ow + ox) * (g)->oc + co; \
                                BODY;                                                           \
                            }                                                                   \
                }

static size_t tc_outputs(const k_tc_geom *g) { return (size_t)g->n * g->oh * g->ow * g->oc; }

void k_tconv_float(const k_tc_geom *g, const float *x, const float *f, const float *bias, float *y, float lo,
                   float hi) {
    const size_t nout = tc_outputs(g);
    for (size_t i = 0; i < nout; ++i) y[i] = 0.0f;
    SCATTER(g, y[oi] += x[ii] * f[wi]);
    for (size_t i = 0; i < nout; ++i) {
        float acc = y[i];
        if (bias) acc += bias[i % (size_t)g->oc];
        y[i] = k_act_f(acc, lo, hi);
    }
}

void k_tconv_int16(const k_tc_geom *g, const int16_t *x, const int8_t *f, const int64_t *bias, int64_t *acc,
                   int16_t *y, const int32_t *mult, const int32_t *shift, int32_t act_min, int32_t act_max) {
    const size_t nout = tc_outputs(g);
    memset(acc, 0, nout * sizeof *acc);
    SCATTER(g, acc[oi] += (int64_t)x[ii] * f[wi]);
    for (size_t i = 0; i < nout; ++i) {
        const size_t c = i % (size_t)g->oc;
        int64_t a = acc[i];
        if (bias) a = (int64_t)((uint64_t)a + (uint64_t)bias[c]);
        y[i] = (int16_t)srt_clamp_i32(srt_mbqm64(a, mult[c], shift[c]), act_min, act_max);
    }
}

static srt_status tconv_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TRANSPOSE_CONV";
    const k_tconv_params *p = node->builtin_data;
    const k_tconv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, TC_INPUT), *w = srt_eval_input(ctx, node, TC_FILTER);
    srt_eval_tensor *b = node->inputs->size > TC_BIAS ? srt_eval_input(ctx, node, TC_BIAS) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !w || !out || !in->data || !w->data || !out->data || (b && !b->data)) return k_missing(ctx, op);
    const k_tc_geom g = {in->dims->data[0], in->dims->data[1], in->dims->data[2], in->dims->data[3],
                         w->dims->data[1], w->dims->data[2], out->dims->data[1], out->dims->data[2],
                         out->dims->data[3], p->stride_w, p->stride_h, d->pad_w, d->pad_h};
    /* the float path never takes the bias as a temp tensor in Prepare: its length is checked here */
    if (b && k_elements(b->dims) < g.oc) return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias shorter than the output depth", op);
    if (in->type == SRT_FLOAT32) {
        float lo, hi;
        CHECK(k_act_range_f(ctx, p->activation, &lo, &hi));
        k_tconv_float(&g, in->data, w->data, b ? b->data : NULL, out->data, lo, hi);
        return SRT_OK;
    }
    const int8_t *f = w->data;
    if (in->type == SRT_INT8) {
        int32_t *acc = srt_get_scratch(ctx, d->scratch);
        if (!acc) return k_missing(ctx, op);
        const int8_t *x = in->data;
        const int32_t *bias = b ? b->data : NULL;
        int8_t *y = out->data;
        const size_t nout = tc_outputs(&g);
        memset(acc, 0, nout * sizeof *acc);
        SCATTER(&g, acc[oi] = srt_wadd(acc[oi], srt_wmul((int32_t)x[ii] - d->in_zp, f[wi])));
        for (size_t i = 0; i < nout; ++i) {
            const size_t c = i % (size_t)g.oc;
            int32_t a = acc[i];
            if (bias) a = srt_wadd(a, bias[c]);
            a = srt_wadd(srt_mbqm(a, d->mult[c], d->shift[c]), d->out_zp);
            y[i] = (int8_t)srt_clamp_i32(a, d->act_min, d->act_max);
        }
        return SRT_OK;
    }
    int64_t *acc = srt_get_scratch(ctx, d->scratch);
    if (!acc) return k_missing(ctx, op);
    const int64_t *bias = NULL;
    if (b && b->type == SRT_INT16) {
        int64_t *wide = srt_get_scratch(ctx, d->bias_scratch);
        if (!wide) return k_missing(ctx, op);
        for (int32_t c = 0; c < g.oc; ++c) wide[c] = ((const int16_t *)b->data)[c];
        bias = wide;
    } else if (b) {
        bias = b->data;
    }
    k_tconv_int16(&g, in->data, f, bias, acc, out->data, d->mult, d->shift, d->act_min, d->act_max);
    return SRT_OK;
}
#undef SCATTER

const srt_op srt_op_transpose_conv = {
    .builtin_code = 67, .name = "TRANSPOSE_CONV", .options_type = 49,
    .params_size = SRT_PARAMS_SIZE_TRANSPOSE_CONV, .params_align = SRT_PARAMS_ALIGN_TRANSPOSE_CONV,
    .parse = tconv_parse, .opdata_size = SRT_OPDATA_SIZE_TRANSPOSE_CONV, .prepare = tconv_prepare,
    .eval = tconv_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op TRANSPOSE_CONV | int8 (per-channel int8 filter, int32 bias); int16 (16x8: int8 filter, int64 or int16 bias); float32 | SAME/VALID, strides; fused NONE, RELU, RELU_N1_TO_1, RELU6; the output shape is the output tensor's
 */
