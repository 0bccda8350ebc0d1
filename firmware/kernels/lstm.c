/* lstm.c - UNIDIRECTIONAL_SEQUENCE_LSTM as TFLM's reference kernel (lstm_eval): the standard
 * (Keras) LSTM without peephole, projection or layer norm, for
 *   int8 activations, int8 weights, int32 biases, int16 cell state (8x8->16),
 *   int16 activations, int8 weights, int64 biases, int16 cell state (16x8->16),
 *   float32 throughout.
 * Per time step, four gates (forget, input, cell, output) are each an input fully-connected plus a
 * recurrent one (no bias) added with saturation, then sigmoid (the cell gate: the op's
 * activation); the cell state becomes forget*cell + input*cell_gate (clipped when cell_clip > 0),
 * the hidden state output*tanh(cell), and the hidden state is copied to the output. Integer gates
 * are Q3.12 before and Q0.15 after their activation; int16 sigmoid and tanh interpolate TFLM's
 * 256-entry table (lstm_lut.h). Time-major inputs step all batches at once; batch-major ones run
 * each batch's sequence in turn. Four scratch buffers of batch x state cells, as TFLM requests.
 * Inputs (24): 0 input, 1-4 input weights (i, f, c, o), 5-8 recurrent weights, 9-11 peephole
 * (must be absent), 12-15 biases, 16-17 projection (absent), 18 hidden state, 19 cell state
 * (both variables), 20-23 layer norm (absent). */
#include "ops_b.h"
#include "lstm.h"
#include "lstm_lut.h"
#include "libm_compat.h"

#include <float.h>

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

enum { L_IN = 0, L_W_IN = 1, L_W_REC = 5, L_BIAS = 12, L_HIDDEN = 18, L_CELL = 19, L_NIN = 24 };
enum { G_IN = 0, G_FORGET = 1, G_CELL = 2, G_OUT = 3 }; /* the order of the weight / bias inputs */

/* TfLiteUnidirectionalSequenceLSTMParams (16 B on every ABI) */
typedef struct {
    int32_t activation;
    float cell_clip, proj_clip;
    uint8_t time_major, asymmetric_quantize_inputs, diagonal_recurrent_tensors;
} k_lstm_params;
K_STATIC_FITS(k_lstm_params, SRT_PARAMS_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM);

K_STATIC_FITS(k_lstm_data, SRT_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM);

static srt_status lstm_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_lstm_params *p = params;
    if (!o) return SRT_OK;
    p->activation = srt_fb_i8(o, 0, 0);
    p->cell_clip = srt_fb_f32(o, 1, 0.0f);
    p->proj_clip = srt_fb_f32(o, 2, 0.0f);
    p->time_major = srt_fb_bool(o, 3, false);
    p->asymmetric_quantize_inputs = srt_fb_bool(o, 4, false);
    p->diagonal_recurrent_tensors = srt_fb_bool(o, 5, false);
    return SRT_OK;
}

/* TFLite's CheckedLog2 rounded to the nearest integer, without libm: scale = m * 2^e, m in [0.5, 1) */
static int32_t log2_rounded(float scale) {
    int e = 0;
    float m = scale;
    while (m >= 1.0f && e < 200) { m *= 0.5f; ++e; }
    while (m < 0.5f && e > -200) { m *= 2.0f; --e; }
    return m < 0.70710678f ? e - 1 : e;
}

static void mul_params(k_lstm_mul *m, float s1, float s2, float s_out, int32_t out_off, bool out_i8) {
    const double eff = ((double)s1 * (double)s2) / (double)s_out;
    int sh;
    srt_quantize_multiplier(eff, &m->mult, &sh);
    m->shift = sh;
    m->out_off = out_off;
    m->lo = out_i8 ? -128 : -32768;
    m->hi = out_i8 ? 127 : 32767;
}

static void fc_params(k_lstm_fc *f, const srt_tensor *x, const srt_tensor *w) {
    const double eff = ((double)srt_q_scale(x, 0) * (double)srt_q_scale(w, 0)) / (double)(1.0f / 4096.0f);
    int sh;
    srt_quantize_multiplier(eff, &f->mult, &sh);
    f->shift = sh;
    f->in_off = -srt_q_zero_point(x, 0);
    f->w_off = -srt_q_zero_point(w, 0);
}

srt_status srt_lstm_prepare_bufs(srt_ctx *ctx, srt_node *node, int nbuf) {
    static const char op[] = "UNIDIRECTIONAL_SEQUENCE_LSTM";
    const k_lstm_params *p = node->builtin_data;
    k_lstm_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, L_NIN, L_NIN, 1, op));
    /* TFLM's LstmTensors: a temp tensor for each present input in order, then the output */
    const srt_tensor *t[L_NIN];
    for (int i = 0; i < L_NIN; ++i) {
        t[i] = srt_prepare_input(ctx, node, i);
        if (!t[i] && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx);
    }
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    CHECK(k_need(ctx, t[L_IN], op, "input"));
    CHECK(k_need(ctx, t[L_HIDDEN], op, "hidden state"));
    CHECK(k_need(ctx, t[L_CELL], op, "cell state"));
    for (int i = 1; i <= 8; ++i) CHECK(k_need(ctx, t[i], op, "gate weights"));
    for (int i = 12; i <= 15; ++i) CHECK(k_need(ctx, t[i], op, "gate bias"));
    for (int i = 9; i <= 11; ++i)
        if (t[i]) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: peephole weights (TFLM's kernel has none)", op);
    for (int i = 16; i <= 17; ++i)
        if (t[i]) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: projection (TFLM's kernel has none)", op);
    for (int i = 20; i <= 23; ++i)
        if (t[i]) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: layer normalisation (TFLM's kernel has none)", op);
    const srt_tensor *in = t[L_IN], *hid = t[L_HIDDEN], *cell = t[L_CELL];
    if (!hid->is_variable || !cell->is_variable)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: hidden and cell state must be variable tensors", op);

    /* shapes (CreateLstmSizeInfo, ValidateTensorSize) */
    if (k_rank(in->dims) != 3 || k_rank(hid->dims) != 2 || k_rank(out->dims) != 3)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input and output must be 3-D, the hidden state 2-D", op);
    const bool tm = p->time_major != 0;
    const int32_t batch = tm ? in->dims->data[1] : in->dims->data[0];
    const int32_t steps = tm ? in->dims->data[0] : in->dims->data[1];
    const int32_t nin = in->dims->data[2], ns = hid->dims->data[1];
    if (batch <= 0 || steps <= 0 || nin <= 0 || ns <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: empty dimension", op);
    for (int i = 1; i <= 8; ++i) {
        const srt_ivec *w = t[i]->dims;
        if (k_rank(w) != 2 || w->data[0] != ns || w->data[1] != (i <= 4 ? nin : ns))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: weights %d must be [%d, %d]", op, i, (int)ns, (int)(i <= 4 ? nin : ns));
    }
    for (int i = 12; i <= 15; ++i)
        if (k_rank(t[i]->dims) != 1 || t[i]->dims->data[0] != ns)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias %d must be [%d]", op, i, (int)ns);
    const int64_t cells = (int64_t)batch * ns;
    if ((int64_t)k_elements(hid->dims) != cells || (int64_t)k_elements(cell->dims) != cells)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: states must hold batch x state elements", op);
    if (out->dims->data[0] != in->dims->data[0] || out->dims->data[1] != in->dims->data[1] || out->dims->data[2] != ns)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match input and state", op);

    /* types (ValidateTensorStatus, and what Eval reads) */
    const uint8_t at = in->type, wt = t[2]->type, bt = t[13]->type;
    if (hid->type != at || out->type != at) return srt_fail(ctx, SRT_ERR_MODEL, "%s: hidden state and output must have the input's type", op);
    for (int i = 1; i <= 8; ++i)
        if (t[i]->type != wt) return srt_fail(ctx, SRT_ERR_MODEL, "%s: gate weights of mixed types", op);
    for (int i = 12; i <= 15; ++i)
        if (t[i]->type != bt) return srt_fail(ctx, SRT_ERR_MODEL, "%s: gate biases of mixed types", op);
    const bool ok = (at == SRT_FLOAT32 && wt == SRT_FLOAT32 && bt == SRT_FLOAT32 && cell->type == SRT_FLOAT32) ||
                    (at == SRT_INT8 && wt == SRT_INT8 && bt == SRT_INT32 && cell->type == SRT_INT16) ||
                    (at == SRT_INT16 && wt == SRT_INT8 && bt == SRT_INT64 && cell->type == SRT_INT16);
    if (!ok) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: types %s/%s/%s, cell %s (TFLM runs float32, int8 with int32 "
                             "bias or int16 with int64 bias; int8 weights, int16 cell)", op, srt_type_name(at),
                             srt_type_name(wt), srt_type_name(bt), srt_type_name(cell->type));
    /* TFLM's gate activation switch knows only sigmoid and tanh (the schema has no sigmoid) */
    if (p->activation != K_ACT_TANH)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: cell gate activation %d (TFLM supports TANH)", op, (int)p->activation);

    d->time_major = tm;
    d->batch = batch;
    d->steps = steps;
    d->nin = nin;
    d->nstate = ns;
    d->cell_act = p->activation;
    d->cell_clip = p->cell_clip;
    if (at != SRT_FLOAT32) {
        CHECK(k_require_quant(ctx, in, op, "input"));
        CHECK(k_require_quant(ctx, hid, op, "hidden state"));
        CHECK(k_require_quant(ctx, cell, op, "cell state"));
        for (int i = 1; i <= 8; ++i) {
            CHECK(k_require_quant(ctx, t[i], op, "weights"));
            /* per-channel weights: TFLM's LSTM keeps only the per-tensor multiplier, never set then */
            if (t[i]->nscales > 1) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: per-channel weights", op);
        }
        const float s_cell = srt_q_scale(cell, 0);
        d->cell_power = log2_rounded(s_cell);
        double qc = (double)p->cell_clip / (double)s_cell;
        /* a NaN clip disables clipping (cell_clip > 0 is false); keep the cast defined */
        qc = qc != qc ? 0.0 : (qc < -32768.0 ? -32768.0 : (qc > 32767.0 ? 32767.0 : qc));
        d->q_cell_clip = (int16_t)qc;
        for (int g = 0; g < 4; ++g) {
            fc_params(&d->fc_in[g], in, t[L_W_IN + g]);
            fc_params(&d->fc_rec[g], hid, t[L_W_REC + g]);
        }
        const float q015 = 1.0f / 32768.0f;
        mul_params(&d->mul_forget, q015, s_cell, s_cell, 0, false);
        mul_params(&d->mul_input, q015, q015, s_cell, 0, false);
        mul_params(&d->mul_output, q015, q015, srt_q_scale(hid, 0), srt_q_zero_point(hid, 0), at == SRT_INT8);
    }
    const size_t bytes = (size_t)cells * (cell->type == SRT_FLOAT32 ? 4u : 2u);
    if (nbuf < 3 || nbuf > 4) return srt_fail(ctx, SRT_ERR_INTERNAL, "%s: %d buffers", op, nbuf);
    for (int i = 0; i < 4; ++i) d->buf[i] = -1;
    for (int i = 0; i < nbuf; ++i) CHECK(srt_request_scratch(ctx, bytes, &d->buf[i]));
    return SRT_OK;
}

static srt_status lstm_prepare(srt_ctx *ctx, srt_node *node) { return srt_lstm_prepare_bufs(ctx, node, 4); }

/* ---- integer pieces (TFLM's reference_integer_ops) ---- */

static int32_t asr(int32_t v, int s) { return v >= 0 ? v >> s : -(int32_t)((uint32_t)(-(int64_t)v - 1) >> s) - 1; }

static int16_t sigmoid16(int16_t x) {
    const int32_t v = srt_wmul(x, 3);
    const uint32_t a = (uint32_t)(v < 0 ? -v : v), uh = a >> 9;
    uint32_t r;
    if (uh >= 255) {
        r = 0x7FFFu << 10;
    } else {
        const uint32_t ua = k_sigmoid_lut[uh], ub = k_sigmoid_lut[uh + 1];
        r = (ua << 9) + (a & 0x1FFu) * (ub - ua);
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    return (int16_t)(r >> 10);
}

static int16_t tanh16(int16_t x, int32_t mult, int32_t shift) {
    const int32_t rnd = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    const int32_t v = asr(srt_wadd(srt_wmul(x, mult), rnd), shift);
    const uint32_t a = (uint32_t)(v < 0 ? -(int64_t)v : v), uh = a >> 8;
    int32_t r;
    if (uh >= 255) {
        r = (int32_t)(0xFFFFu << 8);
    } else {
        const uint32_t ua = k_sigmoid_lut[uh], ub = k_sigmoid_lut[uh + 1];
        r = (int32_t)((ua << 8) + (a & 0xFFu) * (ub - ua));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)asr(r, 8);
}

/* lstm_internal::Tanh's input scaling for a cell state of scale 2^power */
static void tanh_scaling(int32_t power, int32_t *mult, int32_t *shift) {
    int32_t s = 15 + power - 3, m = 0;
    if (s < 0) { s = -s; m = 3; }
    if (s > 30) s = 30;
    if (m == 0) { m = (int32_t)(3u << s); s = 0; }
    *mult = m;
    *shift = s;
}

static int16_t sat16(int32_t v) { return (int16_t)srt_clamp_i32(v, -32768, 32767); }

/* out[r][s] = requant(sum_k (w[s][k] + w_off)(x[r][k] + in_off) + bias[s]) as int16 (Q3.12) */
static void fc_int(const k_lstm_fc *f, const void *x, bool x16, int32_t rows, int32_t depth, int32_t units,
                   const int8_t *w, const void *bias, bool b64, int16_t *y) {
    for (int32_t r = 0; r < rows; ++r)
        for (int32_t s = 0; s < units; ++s) {
            const int8_t *wr = w + (size_t)s * depth;
            int32_t acc;
            if (!x16) {
                const int8_t *xr = (const int8_t *)x + (size_t)r * depth;
                int32_t a = 0;
                for (int32_t k = 0; k < depth; ++k)
                    a = srt_wadd(a, srt_wmul(wr[k] + f->w_off, srt_wadd(xr[k], f->in_off)));
                if (bias) a = srt_wadd(a, k_ld_i32(bias, s));
                acc = srt_mbqm(a, f->mult, f->shift);
            } else {
                const int16_t *xr = (const int16_t *)x + (size_t)r * depth;
                int64_t a = 0;
                for (int32_t k = 0; k < depth; ++k)
                    a = (int64_t)((uint64_t)a + (uint64_t)(int64_t)srt_wmul(wr[k] + f->w_off, srt_wadd(xr[k], f->in_off)));
                if (bias) a = (int64_t)((uint64_t)a + (uint64_t)(b64 ? k_ld_i64(bias, s) : (int64_t)k_ld_i32(bias, s)));
                acc = srt_mbqm64(a, f->mult, f->shift);
            }
            y[(size_t)r * units + s] = sat16(acc);
        }
}

static int32_t mul_int(const k_lstm_mul *m, int32_t a, int32_t b) {
    return srt_clamp_i32(srt_wadd(m->out_off, srt_mbqm(srt_wmul(a, b), m->mult, m->shift)), m->lo, m->hi);
}

/* ---- float pieces (TFLM's reference_ops) ---- */

static void fc_float(const float *x, int32_t rows, int32_t depth, int32_t units, const float *w, const void *bias,
                     float *y) {
    for (int32_t r = 0; r < rows; ++r)
        for (int32_t s = 0; s < units; ++s) {
            float total = 0.0f;
            for (int32_t k = 0; k < depth; ++k) total += x[(size_t)r * depth + k] * w[(size_t)s * depth + k];
            const float bv = bias ? k_ld_f32(bias, s) : 0.0f;
            y[(size_t)r * units + s] = k_act_f(total + bv, -FLT_MAX, FLT_MAX);
        }
}

static float sigmoidf_ref(float v) {
    if (v > 16.619047164916992188f) return 1.0f;
    if (v < -9.0f) return k_expf(v);
    return 1.0f / (1.0f + k_expf(-v));
}

/* One gate for `rows` rows: gate = act(FC(x) + FC_rec(h)); tmp holds the recurrent FC. */
typedef struct {
    const k_lstm_data *d;
    srt_eval_tensor *const *t;
    int32_t rows;
    const void *x, *h;     /* this step's input rows and hidden-state rows */
} k_lstm_step;

static void gate(const k_lstm_step *st, int g, bool tanh_act, void *outv, void *tmpv) {
    const k_lstm_data *d = st->d;
    const int32_t n = st->rows * d->nstate;
    srt_eval_tensor *const *t = st->t;
    if (t[L_IN]->type == SRT_FLOAT32) {
        float *o = outv, *tmp = tmpv;
        fc_float(st->x, st->rows, d->nin, d->nstate, t[L_W_IN + g]->data, t[L_BIAS + g]->data, o);
        fc_float(st->h, st->rows, d->nstate, d->nstate, t[L_W_REC + g]->data, NULL, tmp);
        for (int32_t i = 0; i < n; ++i) o[i] = o[i] + tmp[i];
        for (int32_t i = 0; i < n; ++i) o[i] = tanh_act ? k_tanhf(o[i]) : sigmoidf_ref(o[i]);
        return;
    }
    const bool x16 = t[L_IN]->type == SRT_INT16;
    int16_t *o = outv, *tmp = tmpv;
    fc_int(&d->fc_in[g], st->x, x16, st->rows, d->nin, d->nstate, t[L_W_IN + g]->data, t[L_BIAS + g]->data, x16, o);
    fc_int(&d->fc_rec[g], st->h, x16, st->rows, d->nstate, d->nstate, t[L_W_REC + g]->data, NULL, x16, tmp);
    for (int32_t i = 0; i < n; ++i) o[i] = sat16((int32_t)o[i] + tmp[i]);
    for (int32_t i = 0; i < n; ++i) o[i] = tanh_act ? tanh16(o[i], 3, 0) : sigmoid16(o[i]);
}

static void step_float(const k_lstm_step *st, float *cell, float *hid, float *out, void *const bv[4]) {
    float *const b[4] = {bv[0], bv[1], bv[2], bv[3]};
    const k_lstm_data *d = st->d;
    const int32_t n = st->rows * d->nstate;
    const bool cell_tanh = d->cell_act == K_ACT_TANH;
    gate(st, G_FORGET, false, b[0], b[3]);
    gate(st, G_IN, false, b[1], b[3]);
    gate(st, G_CELL, cell_tanh, b[2], b[3]);
    for (int32_t i = 0; i < n; ++i) cell[i] = k_act_f(b[0][i] * cell[i], -FLT_MAX, FLT_MAX);
    for (int32_t i = 0; i < n; ++i) b[1][i] = k_act_f(b[1][i] * b[2][i], -FLT_MAX, FLT_MAX);
    for (int32_t i = 0; i < n; ++i) cell[i] = cell[i] + b[1][i];
    if (d->cell_clip > 0.0f) {
        const float c = d->cell_clip;
        for (int32_t i = 0; i < n; ++i) {
            const float lo = cell[i] < c ? cell[i] : c;
            cell[i] = lo < -c ? -c : lo;
        }
    }
    gate(st, G_OUT, false, b[1], b[3]);
    for (int32_t i = 0; i < n; ++i) b[0][i] = k_tanhf(cell[i]);
    for (int32_t i = 0; i < n; ++i) hid[i] = k_act_f(b[0][i] * b[1][i], -FLT_MAX, FLT_MAX);
    memcpy(out, hid, (size_t)n * sizeof(float));
}

static void clip_int(const k_lstm_data *d, int16_t *cell, int32_t n) {
    if (d->cell_clip > 0.0f) {
        const int16_t c = (int16_t)d->q_cell_clip, nc = (int16_t)-c;
        for (int32_t i = 0; i < n; ++i) {
            const int16_t lo = cell[i] < c ? cell[i] : c;
            cell[i] = lo < nc ? nc : lo;
        }
    }
}

/* hidden = output gate * tanh(cell), copied to the output; th receives tanh(cell) */
static void hidden_int(const k_lstm_step *st, const int16_t *cell, int16_t *th, const int16_t *og, void *hid,
                       void *out, int32_t n) {
    const k_lstm_data *d = st->d;
    int32_t tm, ts;
    tanh_scaling(d->cell_power, &tm, &ts);
    for (int32_t i = 0; i < n; ++i) th[i] = tanh16(cell[i], tm, ts);
    const bool h8 = st->t[L_IN]->type == SRT_INT8;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = mul_int(&d->mul_output, th[i], og[i]);
        if (h8) ((int8_t *)hid)[i] = (int8_t)v;
        else ((int16_t *)hid)[i] = (int16_t)v;
    }
    memcpy(out, hid, (size_t)n * (h8 ? 1u : 2u));
}

static void step_int(const k_lstm_step *st, int16_t *cell, void *hid, void *out, void *const bv[4]) {
    int16_t *const b[4] = {bv[0], bv[1], bv[2], bv[3]};
    const k_lstm_data *d = st->d;
    const int32_t n = st->rows * d->nstate;
    const bool cell_tanh = d->cell_act == K_ACT_TANH;
    if (b[3]) {
        gate(st, G_FORGET, false, b[0], b[3]);
        gate(st, G_IN, false, b[1], b[3]);
        gate(st, G_CELL, cell_tanh, b[2], b[3]);
        for (int32_t i = 0; i < n; ++i) cell[i] = (int16_t)mul_int(&d->mul_forget, b[0][i], cell[i]);
    } else {
        /* three buffers (the CMSIS-NN set's requests): the forget term first, as CMSIS-NN's
         * step does; every operation is elementwise, so the values are the four-buffer ones */
        gate(st, G_FORGET, false, b[0], b[2]);
        for (int32_t i = 0; i < n; ++i) cell[i] = (int16_t)mul_int(&d->mul_forget, b[0][i], cell[i]);
        gate(st, G_IN, false, b[0], b[2]);
        gate(st, G_CELL, cell_tanh, b[1], b[2]);
        for (int32_t i = 0; i < n; ++i) b[0][i] = (int16_t)mul_int(&d->mul_input, b[0][i], b[1][i]);
        for (int32_t i = 0; i < n; ++i) cell[i] = sat16((int32_t)cell[i] + b[0][i]);
        clip_int(d, cell, n);
        gate(st, G_OUT, false, b[1], b[2]);
        hidden_int(st, cell, b[0], b[1], hid, out, n);
        return;
    }
    for (int32_t i = 0; i < n; ++i) b[1][i] = (int16_t)mul_int(&d->mul_input, b[1][i], b[2][i]);
    for (int32_t i = 0; i < n; ++i) cell[i] = sat16((int32_t)cell[i] + b[1][i]);
    clip_int(d, cell, n);
    gate(st, G_OUT, false, b[1], b[3]);
    hidden_int(st, cell, b[0], b[1], hid, out, n);
}

static srt_status lstm_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "UNIDIRECTIONAL_SEQUENCE_LSTM";
    const k_lstm_data *d = node->user_data;
    srt_eval_tensor *t[L_NIN];
    for (int i = 0; i < L_NIN; ++i) t[i] = srt_eval_input(ctx, node, i);
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!out || !out->data) return k_missing(ctx, op);
    const int need[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 18, 19};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; ++k)
        if (!t[need[k]] || !t[need[k]]->data) return k_missing(ctx, op);
    const int32_t B = d->batch, T = d->steps, I = d->nin, S = d->nstate;
    const int64_t cells = (int64_t)B * S;
    /* Prepare checked these shapes; the eval tensors must still hold them */
    if ((int64_t)k_elements(t[L_IN]->dims) != (int64_t)B * T * I || (int64_t)k_elements(out->dims) != (int64_t)B * T * S ||
        (int64_t)k_elements(t[L_HIDDEN]->dims) != cells || (int64_t)k_elements(t[L_CELL]->dims) != cells)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: tensor sizes changed after Prepare", op);
    /* four buffers, or three (buf[3] < 0: integer types under the CMSIS-NN set) */
    void *buf[4] = {NULL, NULL, NULL, NULL};
    const bool fl = t[L_IN]->type == SRT_FLOAT32;
    const int nbuf = d->buf[3] >= 0 ? 4 : 3;
    if (nbuf == 3 && fl) return srt_fail(ctx, SRT_ERR_INTERNAL, "%s: float32 needs four buffers", op);
    for (int i = 0; i < nbuf; ++i) {
        buf[i] = srt_get_scratch(ctx, d->buf[i]);
        if (!buf[i]) return k_missing(ctx, op);
    }
    const size_t asz = fl ? 4u : (t[L_IN]->type == SRT_INT16 ? 2u : 1u), csz = fl ? 4u : 2u;
    uint8_t *x = t[L_IN]->data, *y = out->data, *h = t[L_HIDDEN]->data, *c = t[L_CELL]->data;
    /* time-major: every batch per step; batch-major: one batch's sequence after the other */
    const int32_t outer = d->time_major ? 1 : B, rows = d->time_major ? B : 1;
    size_t xo = 0, yo = 0;
    for (int32_t b = 0; b < outer; ++b) {
        const size_t so = (size_t)b * S;
        for (int32_t s = 0; s < T; ++s) {
            k_lstm_step st = {d, t, rows, x + xo * asz, h + so * asz};
            if (fl) step_float(&st, (float *)(void *)(c + so * csz), (float *)(void *)(h + so * asz),
                               (float *)(void *)(y + yo * asz), buf);
            else step_int(&st, (int16_t *)(void *)(c + so * csz), h + so * asz, y + yo * asz, buf);
            xo += (size_t)rows * I;
            yo += (size_t)rows * S;
        }
    }
    return SRT_OK;
}

const srt_op srt_op_unidirectional_sequence_lstm = {
    .builtin_code = 44, .name = "UNIDIRECTIONAL_SEQUENCE_LSTM", .options_type = 71,
    .params_size = SRT_PARAMS_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM,
    .params_align = SRT_PARAMS_ALIGN_UNIDIRECTIONAL_SEQUENCE_LSTM,
    .parse = lstm_parse, .opdata_size = SRT_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM,
    .prepare = lstm_prepare, .eval = lstm_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op UNIDIRECTIONAL_SEQUENCE_LSTM | int8 (int8 weights, int32 biases, int16 cell state); int16 (16x8: int8 weights, int64 biases, int16 cell state); float32 | time-major and batch-major; cell_clip; TANH cell activation; no peephole, projection or layer norm (TFLM has none); per-tensor weights only
 */
