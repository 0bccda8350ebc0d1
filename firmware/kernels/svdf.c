/* svdf.c - SVDF: float32, and int8 input/output with an int16 (or int8) activation state and time
 * weights, as TFLM's reference kernel. Per invoke: the state (a variable tensor, batch x
 * (filters x memory)) shifts left by one, the feature projection of the input is written into each
 * filter's newest slot, the time weights reduce each filter's memory to one value (in the scratch
 * buffer), ranks sum into units, then bias, requantisation / activation.
 * Inputs: 0 input [batch, input], 1 weights_feature [filters, input], 2 weights_time [filters,
 * memory], 3 bias [units] (TFLM needs it), 4 activation state (variable). */
#include "ops_b.h"

#include <math.h>

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

typedef struct { int32_t rank; int32_t activation; } k_svdf_params; /* TfLiteSVDFParams {int rank; act; bool} */
K_STATIC_FITS(k_svdf_params, SRT_PARAMS_SIZE_SVDF);

typedef struct {
    int32_t scale_1_a, scale_2_a, scale_1_b, scale_2_b;
    int32_t scratch, scratch_out, in_zp, out_zp, state_zp;
} k_svdf_data;
K_STATIC_FITS(k_svdf_data, SRT_OPDATA_SIZE_SVDF);

static srt_status svdf_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_svdf_params *p = params;
    if (!o) return SRT_OK;
    p->rank = srt_fb_i32(o, 0, 0);
    p->activation = srt_fb_i8(o, 1, 0);
    return SRT_OK;
}

static srt_status svdf_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SVDF";
    const k_svdf_params *p = node->builtin_data;
    k_svdf_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 5, 5, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *wf = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, wf, op, "weights_feature"));
    const srt_tensor *wt = srt_prepare_input(ctx, node, 2);
    CHECK(k_need(ctx, wt, op, "weights_time"));
    const srt_tensor *bias = srt_prepare_input(ctx, node, 3);
    if (!bias && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
    if (bias) CHECK(k_need(ctx, bias, op, "bias"));
    const srt_tensor *st = srt_prepare_input(ctx, node, 4);
    CHECK(k_need(ctx, st, op, "activation state"));
    if (k_rank(in->dims) != 2 || k_rank(wf->dims) != 2 || k_rank(wt->dims) != 2 || k_rank(st->dims) != 2)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input, weights and state must be 2-D", op);
    const int32_t rank = p->rank, batch = in->dims->data[0], nin = in->dims->data[1];
    const int32_t filters = wf->dims->data[0], memory = wt->dims->data[1];
    if (rank <= 0 || filters <= 0 || filters % rank != 0 || memory <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d filters, rank %d, memory %d", op, (int)filters, (int)rank, (int)memory);
    const int32_t units = filters / rank;
    if (in->type != SRT_FLOAT32 && in->type != SRT_INT8) return k_unsupported_type(ctx, op, in->type);
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (k_rank(out->dims) != 2 || out->dims->data[0] != batch || out->dims->data[1] != units ||
        wf->dims->data[1] != nin || wt->dims->data[0] != filters || (bias && k_elements(bias->dims) != units) ||
        st->dims->data[0] != batch || (int64_t)st->dims->data[1] != (int64_t)memory * filters)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: tensor shapes do not match", op);
    if (!st->is_variable) return srt_fail(ctx, SRT_ERR_MODEL, "%s: the activation state must be a variable tensor", op);
    /* TFLM's reference SVDF crashes without a bias (the tflite-micro wheel segfaults): refuse it */
    if (!bias) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: a bias input is required (TFLM's kernel reads it)", op);
    if (in->type == SRT_INT8) {
        const bool ok = wf->type == SRT_INT8 && (wt->type == SRT_INT16 || wt->type == SRT_INT8) && st->type == wt->type &&
                        out->type == SRT_INT8 && bias && bias->type == SRT_INT32;
        if (!ok) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: int8 needs int8 feature weights, int16/int8 time weights "
                                 "and state, int32 bias and an int8 output", op);
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, wf, op, "weights_feature"));
        CHECK(k_require_quant(ctx, wt, op, "weights_time"));
        CHECK(k_require_quant(ctx, st, op, "activation state"));
        CHECK(k_require_quant(ctx, out, op, "output"));
        CHECK(k_require_quant(ctx, bias, op, "bias"));
        /* TFLM computes the two scales in float, then widens them */
        const float s_in = srt_q_scale(in, 0), s_wf = srt_q_scale(wf, 0), s_st = srt_q_scale(st, 0);
        const float s_wt = srt_q_scale(wt, 0), s_out = srt_q_scale(out, 0);
        const double e1 = (double)(s_in * s_wf / s_st), e2 = (double)(s_st * s_wt / s_out);
        const double diff = (double)srt_q_scale(bias, 0) - (double)(s_st * s_wt);
        if (!(diff < 1e-5 && -diff < 1e-5))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias scale must be state scale x time-weight scale", op);
        int sh;
        srt_quantize_multiplier(e1, &d->scale_1_a, &sh);
        d->scale_1_b = sh;
        srt_quantize_multiplier(e2, &d->scale_2_a, &sh);
        d->scale_2_b = sh;
        d->in_zp = srt_q_zero_point(in, 0);
        d->out_zp = srt_q_zero_point(out, 0);
        d->state_zp = srt_q_zero_point(st, 0);
        CHECK(srt_request_scratch(ctx, 4 * (size_t)batch * filters, &d->scratch));
        return srt_request_scratch(ctx, 4 * (size_t)batch * units, &d->scratch_out);
    }
    if (wf->type != SRT_FLOAT32 || wt->type != SRT_FLOAT32 || st->type != SRT_FLOAT32 || out->type != SRT_FLOAT32 ||
        (bias && bias->type != SRT_FLOAT32))
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: float32 input needs float32 weights, state and output", op);
    if (p->activation != K_ACT_NONE && p->activation != K_ACT_RELU && p->activation != K_ACT_RELU_N1_TO_1 &&
        p->activation != K_ACT_RELU6)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: fused activation %d", op, (int)p->activation);
    return srt_request_scratch(ctx, 4 * (size_t)batch * filters, &d->scratch);
}

/* TFLM's ActivationValFloat (TfLiteMax / TfLiteMin are fmax / fmin) */
static float act_val(int32_t act, float a) {
    switch (act) {
    case K_ACT_RELU: return fmaxf(0.0f, a);
    case K_ACT_RELU_N1_TO_1: return fmaxf(-1.0f, fminf(a, 1.0f));
    case K_ACT_RELU6: return fmaxf(0.0f, fminf(a, 6.0f));
    default: return a;
    }
}

static srt_status svdf_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SVDF";
    const k_svdf_params *p = node->builtin_data;
    const k_svdf_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *wf = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *wt = srt_eval_input(ctx, node, 2), *b = srt_eval_input(ctx, node, 3);
    srt_eval_tensor *st = srt_eval_input(ctx, node, 4), *out = srt_eval_output(ctx, node, 0);
    if (!in || !wf || !wt || !st || !out || !in->data || !wf->data || !wt->data || !st->data || !out->data ||
        (b && !b->data))
        return k_missing(ctx, op);
    const int32_t rank = p->rank, batch = in->dims->data[0], nin = in->dims->data[1];
    const int32_t filters = wf->dims->data[0], units = filters / rank, memory = wt->dims->data[1];
    const size_t nstate = (size_t)batch * filters * memory;
    if (in->type == SRT_FLOAT32) {
        float *state = st->data, *scratch = srt_get_scratch(ctx, d->scratch), *y = out->data;
        const float *x = in->data, *w1 = wf->data, *w2 = wt->data, *bias = b ? b->data : NULL;
        if (!scratch) return k_missing(ctx, op);
        for (size_t i = 0; i + 1 < nstate; ++i) state[i] = state[i + 1];
        for (int32_t bb = 0; bb < batch; ++bb)
            for (int32_t f = 0; f < filters; ++f) {
                float dot = 0.0f;
                for (int32_t k = 0; k < nin; ++k) dot += w1[(size_t)f * nin + k] * x[(size_t)bb * nin + k];
                state[((size_t)bb * filters + f) * memory + (memory - 1)] = dot;
            }
        for (int32_t bb = 0; bb < batch; ++bb)
            for (int32_t f = 0; f < filters; ++f) {
                float s = 0.f;
                for (int32_t m = 0; m < memory; ++m)
                    s += w2[(size_t)f * memory + m] * state[((size_t)bb * filters + f) * memory + m];
                scratch[(size_t)bb * filters + f] = s;
            }
        for (int32_t bb = 0; bb < batch; ++bb)
            for (int32_t u = 0; u < units; ++u) {
                float v = bias ? bias[u] : 0.0f;
                for (int32_t r = 0; r < rank; ++r) v += scratch[(size_t)bb * filters + (size_t)u * rank + r];
                y[(size_t)bb * units + u] = act_val(p->activation, v);
            }
        return SRT_OK;
    }
    int32_t *scratch = srt_get_scratch(ctx, d->scratch), *acc = srt_get_scratch(ctx, d->scratch_out);
    if (!scratch || !acc) return k_missing(ctx, op);
    const int8_t *x = in->data, *w1 = wf->data;
    const int32_t *bias = b ? b->data : NULL;
    int8_t *y = out->data;
    const bool s16 = st->type == SRT_INT16;
    const int32_t smin = s16 ? -32768 : -128, smax = s16 ? 32767 : 127;
#define ST_GET(i) (s16 ? (int32_t)((int16_t *)st->data)[i] : (int32_t)((int8_t *)st->data)[i])
#define ST_SET(i, v) do { if (s16) ((int16_t *)st->data)[i] = (int16_t)(v); else ((int8_t *)st->data)[i] = (int8_t)(v); } while (0)
#define WT_GET(i) (s16 ? (int32_t)((const int16_t *)wt->data)[i] : (int32_t)((const int8_t *)wt->data)[i])
    for (size_t i = 0; i + 1 < nstate; ++i) ST_SET(i, ST_GET(i + 1));
    for (int32_t bb = 0; bb < batch; ++bb)
        for (int32_t f = 0; f < filters; ++f) {
            int32_t dot = 0;
            for (int32_t k = 0; k < nin; ++k)
                dot = srt_wadd(dot, srt_wmul(w1[(size_t)f * nin + k], (int32_t)x[(size_t)bb * nin + k] - d->in_zp));
            dot = srt_clamp_i32(srt_mbqm(dot, d->scale_1_a, d->scale_1_b), smin, smax);
            ST_SET(((size_t)bb * filters + f) * memory + (memory - 1), srt_wadd(d->state_zp, dot));
        }
    for (int32_t bb = 0; bb < batch; ++bb)
        for (int32_t f = 0; f < filters; ++f) {
            int32_t s = 0;
            for (int32_t m = 0; m < memory; ++m)
                s = srt_wadd(s, srt_wmul(WT_GET((size_t)f * memory + m),
                                         ST_GET(((size_t)bb * filters + f) * memory + m) - d->state_zp));
            scratch[(size_t)bb * filters + f] = s;
        }
    for (int32_t bb = 0; bb < batch; ++bb)
        for (int32_t u = 0; u < units; ++u) {
            int32_t v = bias ? bias[u] : 0;
            for (int32_t r = 0; r < rank; ++r) v = srt_wadd(v, scratch[(size_t)bb * filters + (size_t)u * rank + r]);
            acc[(size_t)bb * units + u] = v;
        }
    for (size_t i = 0; i < (size_t)batch * units; ++i) {
        const int32_t v = srt_wadd(srt_mbqm(acc[i], d->scale_2_a, d->scale_2_b), d->out_zp);
        y[i] = (int8_t)srt_clamp_i32(v, -128, 127);
    }
#undef ST_GET
#undef ST_SET
#undef WT_GET
    return SRT_OK;
}

const srt_op srt_op_svdf = {
    .builtin_code = 27, .name = "SVDF", .options_type = 6,
    .params_size = SRT_PARAMS_SIZE_SVDF, .params_align = SRT_PARAMS_ALIGN_SVDF,
    .parse = svdf_parse, .opdata_size = SRT_OPDATA_SIZE_SVDF, .prepare = svdf_prepare, .eval = svdf_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op SVDF | int8 (int16 or int8 time weights and state, int32 bias); float32 | any rank and memory; a bias is required (TFLM's kernel crashes without); float fused NONE, RELU, RELU_N1_TO_1, RELU6
 */
