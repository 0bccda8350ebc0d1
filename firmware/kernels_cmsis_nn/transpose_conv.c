/* transpose_conv.c - TRANSPOSE_CONV of the CMSIS-NN kernel set (TFLM @90b983c
 * kernels/cmsis_nn/transpose_conv.cc, CMSIS-NN 4ab83cc arm_transpose_conv_wrapper_s8).
 *
 * Prepare, in TFLM's order: temporaries output, input, filter; per-channel multiplier and shift
 * (every type, float too); int8: two scratch requests, the core's transpose-conv buffer and the
 * reverse-conv filter buffer (requested even when its size is 0); int16: the int64 accumulators
 * of the reference kernel; then CalculateOpData's temporaries input, filter, [bias], output and,
 * for int16 with an int16 bias, its int64 copy. TFLM's cmsis_nn Prepare passes kTfLiteActNone
 * when it computes the quantized activation range, so int8 and int16 outputs are clamped to the
 * type's range only: a fused RELU is not applied on the quantized paths (float applies it).
 *
 * Eval, int8: with strides <= 2 and more than 16 input channels, CMSIS-NN reverses the filter
 * into its buffer and runs a conv (stride 1, padding k - 1 - pad) over the input upscaled by the
 * strides, with im2col columns in the first buffer as the conv kernel does; otherwise a rolling
 * buffer of int32 rows (bias first) takes each input row's products, and each finished row is
 * requantised. Both give the reference kernel's sums (int32 adds, reordered). int16 and float:
 * the reference loop (float in the reference order, so bit-exact). */
#include "cmsis_nn.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)
#define TMP(t) do { if (!(t) && srt_ctx_status(ctx) != SRT_OK) return srt_ctx_status(ctx); } while (0)

enum { TC_FILTER = 1, TC_INPUT = 2, TC_BIAS = 3 };

/* TfLiteTransposeConvParams {padding; stride_width; stride_height; activation; ...} */
typedef struct { int32_t padding, stride_w, stride_h, activation; } cn_tconv_params;
K_STATIC_FITS(cn_tconv_params, SRT_PARAMS_SIZE_TRANSPOSE_CONV);

typedef struct {
    int32_t pad_w, pad_h, in_zp, out_zp, act_min, act_max;
    int32_t buf_idx;   /* int8: transpose-conv / im2col buffer; int16: int64 accumulators */
    int32_t rev_idx;   /* int8: reversed filter (0 B when not the reverse path) */
    int32_t bias_idx;  /* int16 with int16 bias: the bias as int64 */
    int32_t *mult, *shift;
} cn_tconv_data;
K_STATIC_FITS(cn_tconv_data, SRT_CMSIS_OPDATA_SIZE_TRANSPOSE_CONV);

static srt_status tconv_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    cn_tconv_params *p = params;
    if (!o) return SRT_OK;
    p->padding = srt_fb_i8(o, 0, 0);
    p->stride_w = srt_fb_i32(o, 1, 0);
    p->stride_h = srt_fb_i32(o, 2, 0);
    p->activation = srt_fb_i8(o, 3, 0);
    return SRT_OK;
}

static cn_geom tconv_geom(const srt_ivec *in, const srt_ivec *f, int32_t sw, int32_t sh) {
    cn_geom g = {
        .in_n = in->data[0], .in_h = in->data[1], .in_w = in->data[2], .in_c = in->data[3],
        .f_h = f->data[1], .f_w = f->data[2], .f_c = f->data[3], .out_c = f->data[0],
        .stride_h = sh, .stride_w = sw, .dil_h = 1, .dil_w = 1,
    };
    return g;
}

static srt_status tconv_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TRANSPOSE_CONV";
    const cn_tconv_params *p = node->builtin_data;
    cn_tconv_data *d = node->user_data;
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
    const int32_t n = in->dims->data[0], ic = in->dims->data[3];
    const int32_t fh = filter->dims->data[1], fw = filter->dims->data[2];
    const int32_t oh = out->dims->data[1], ow = out->dims->data[2];
    if (cout <= 0 || out->dims->data[0] != n || out->dims->data[3] != cout || filter->dims->data[3] != ic ||
        fh <= 0 || fw <= 0 || ic <= 0 || n <= 0 || in->dims->data[1] <= 0 || in->dims->data[2] <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: filter/output shape does not match the input", op);
    if (p->stride_w <= 0 || p->stride_h <= 0 || p->stride_w > 65535 || p->stride_h > 65535 || fh > 65535 ||
        fw > 65535 || (int64_t)in->dims->data[1] * p->stride_h > INT32_MAX / 4 ||
        (int64_t)in->dims->data[2] * p->stride_w > INT32_MAX / 4)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: invalid stride or filter size", op);
    if (p->padding != K_PAD_SAME && p->padding != K_PAD_VALID)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: padding type %d", op, (int)p->padding);
    d->mult = srt_alloc_persistent(ctx, 4 * (size_t)cout);
    d->shift = d->mult ? srt_alloc_persistent(ctx, 4 * (size_t)cout) : NULL;
    if (!d->mult || !d->shift) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    d->buf_idx = d->rev_idx = d->bias_idx = -1;
    if (i8) {
        const cn_geom g = tconv_geom(in->dims, filter->dims, p->stride_w, p->stride_h);
        const int32_t buf = cn_tconv_s8_buffer(SRT_CMSIS_CORE, &g), rev = cn_tconv_s8_reverse_buffer(&g);
        if (buf < 0 || rev < 0) return srt_fail(ctx, SRT_ERR_MODEL, "%s: scratch size out of range", op);
        CHECK(srt_request_scratch(ctx, (size_t)buf, &d->buf_idx));
        CHECK(srt_request_scratch(ctx, (size_t)rev, &d->rev_idx));
    }
    if (i16) CHECK(srt_request_scratch(ctx, 8 * (size_t)k_elements(out->dims), &d->buf_idx));
    if (!f32) {
        CHECK(k_require_quant(ctx, filter, op, "filter"));
        if ((filter->nscales != 1 && filter->nscales != cout) || filter->nscales != filter->nzero_points)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d filter scales for %d channels", op, (int)filter->nscales,
                            (int)cout);
    }
    /* TFLM passes the output size where ComputePaddingHeightWidth expects the input size */
    d->pad_h = k_padding(p->stride_h, 1, oh, fh, k_out_size(p->padding, oh, fh, p->stride_h, 1));
    d->pad_w = k_padding(p->stride_w, 1, ow, fw, k_out_size(p->padding, ow, fw, p->stride_w, 1));
    if (f32) {
        float lo, hi;
        return k_act_range_f(ctx, p->activation, &lo, &hi);
    }
    /* CalculateOpData's temporaries: input, filter, [bias], output */
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
    /* kTfLiteActNone, as TFLM's cmsis_nn CalculateOpData passes */
    if (i16) {
        CHECK(k_act_range_q(ctx, K_ACT_NONE, out, -32768, 32767, &d->act_min, &d->act_max));
        if (bias && bias->type == SRT_INT16) CHECK(srt_request_scratch(ctx, 8 * (size_t)cout, &d->bias_idx));
        return SRT_OK;
    }
    return k_act_range_q(ctx, K_ACT_NONE, out, -128, 127, &d->act_min, &d->act_max);
}


static int8_t tc_requant(const cn_tconv_data *d, int32_t acc, int32_t c) {
    acc = srt_wadd(srt_mbqm(acc, d->mult[c], d->shift[c]), d->out_zp);
    return (int8_t)srt_clamp_i32(acc, d->act_min, d->act_max);
}

/* Element type of the reverse path's im2col columns, as conv.c (int16 with the offset folded in
 * without MVE, raw int8 with MVE). */
#if SRT_CMSIS_CORE == CN_CORE_MVE
typedef int8_t tc_col_t;
#define TC_COLUMNS 4
#define TC_PAD(zp) ((tc_col_t)(zp))
#define TC_VAL(x, zp) ((tc_col_t)(x))
#define TC_TERM(v, zp) ((int32_t)(v) - (zp))
#else
typedef int16_t tc_col_t;
#define TC_COLUMNS 2
#define TC_PAD(zp) ((tc_col_t)0)
#define TC_VAL(x, zp) ((tc_col_t)((int32_t)(x) - (zp)))
#define TC_TERM(v, zp) ((int32_t)(v))
#endif

/* Reverse path: the filter reversed in y and x into `rev`, then a stride-1 conv over the input
 * upscaled by the strides (an input pixel at every stride-th position, the zero point elsewhere)
 * with padding k - 1 - pad, TC_COLUMNS output pixels per step through the im2col buffer. */
static void tconv_reverse(const k_tc_geom *g, const cn_tconv_data *d, const int8_t *x, const int8_t *w,
                          const int32_t *bias, int8_t *y, int8_t *rev, tc_col_t *buf) {
    const int32_t per = g->fh * g->fw * g->ic;
    for (int32_t co = 0; co < g->oc; ++co)
        for (int32_t ky = 0; ky < g->fh; ++ky)
            for (int32_t kx = 0; kx < g->fw; ++kx)
                memcpy(rev + (size_t)co * per + ((size_t)(g->fh - 1 - ky) * g->fw + (g->fw - 1 - kx)) * g->ic,
                       w + (size_t)co * per + ((size_t)ky * g->fw + kx) * g->ic, (size_t)g->ic);
    const int32_t uh = g->ih * g->sh, uw = g->iw * g->sw;
    const int32_t ph = g->fh - 1 - g->ph, pw = g->fw - 1 - g->pw;
    const int32_t pixels = g->oh * g->ow;
    for (int32_t b = 0; b < g->n; ++b)
        for (int32_t p0 = 0; p0 < pixels; p0 += TC_COLUMNS) {
            const int32_t np = pixels - p0 < TC_COLUMNS ? pixels - p0 : TC_COLUMNS;
            for (int32_t k = 0; k < np; ++k) {
                const int32_t oy = (p0 + k) / g->ow, ox = (p0 + k) % g->ow;
                tc_col_t *col = buf + (size_t)k * per;
                for (int32_t ky = 0; ky < g->fh; ++ky)
                    for (int32_t kx = 0; kx < g->fw; ++kx) {
                        const int32_t uy = oy - ph + ky, ux = ox - pw + kx;
                        tc_col_t *dst = col + ((size_t)ky * g->fw + kx) * g->ic;
                        if (uy < 0 || uy >= uh || ux < 0 || ux >= uw || uy % g->sh || ux % g->sw) {
                            for (int32_t c = 0; c < g->ic; ++c) dst[c] = TC_PAD(d->in_zp);
                            continue;
                        }
                        const int8_t *src = x + (((size_t)b * g->ih + uy / g->sh) * g->iw + ux / g->sw) * g->ic;
                        for (int32_t c = 0; c < g->ic; ++c) dst[c] = TC_VAL(src[c], d->in_zp);
                    }
            }
            for (int32_t k = 0; k < np; ++k)
                for (int32_t co = 0; co < g->oc; ++co) {
                    const int8_t *wr = rev + (size_t)co * per;
                    const tc_col_t *cc = buf + (size_t)k * per;
                    int32_t acc = bias ? bias[co] : 0;
                    for (int32_t i = 0; i < per; ++i)
                        acc = srt_wadd(acc, srt_wmul(wr[i], TC_TERM(cc[i], d->in_zp)));
                    y[((size_t)b * pixels + p0 + k) * g->oc + co] = tc_requant(d, acc, co);
                }
        }
}

/* Rolling path: rows of `width` x oc int32 (bias first); input row j adds its products to the
 * full-output rows j*sh .. j*sh + fh - 1 (row r in slot r % rows); rows below (j+1)*sh are then
 * final: those inside the output (r - pad_h in [0, oh)) are requantised, and every finished row
 * is reset. `width` covers every column the products reach. */
static void tconv_rolling(const k_tc_geom *g, const cn_tconv_data *d, const int8_t *x, const int8_t *w,
                          const int32_t *bias, int8_t *y, int32_t *buf, int32_t width, int32_t rows) {
    const size_t row = (size_t)width * g->oc;
    const int32_t full_h = g->oh + g->ph > (g->ih - 1) * g->sh + g->fh ? g->oh + g->ph : (g->ih - 1) * g->sh + g->fh;
    for (int32_t b = 0; b < g->n; ++b) {
        for (size_t i = 0; i < row * (size_t)rows; ++i) buf[i] = bias ? bias[i % (size_t)g->oc] : 0;
        int32_t next = 0;  /* first full-output row not yet emitted */
        for (int32_t j = 0; j <= g->ih; ++j) {
            if (j < g->ih)
                for (int32_t ky = 0; ky < g->fh; ++ky) {
                    int32_t *acc = buf + (size_t)((j * g->sh + ky) % rows) * row;
                    for (int32_t i = 0; i < g->iw; ++i) {
                        const int8_t *xi = x + (((size_t)b * g->ih + j) * g->iw + i) * g->ic;
                        for (int32_t kx = 0; kx < g->fw; ++kx) {
                            int32_t *a = acc + (size_t)(i * g->sw + kx) * g->oc;
                            for (int32_t co = 0; co < g->oc; ++co) {
                                const int8_t *wr = w + (((size_t)co * g->fh + ky) * g->fw + kx) * g->ic;
                                int32_t s = 0;
                                for (int32_t c = 0; c < g->ic; ++c)
                                    s = srt_wadd(s, srt_wmul((int32_t)xi[c] - d->in_zp, wr[c]));
                                a[co] = srt_wadd(a[co], s);
                            }
                        }
                    }
                }
            const int32_t done = j < g->ih ? (j + 1) * g->sh : full_h;
            for (; next < done; ++next) {
                int32_t *acc = buf + (size_t)(next % rows) * row;
                const int32_t oy = next - g->ph;
                if (oy >= 0 && oy < g->oh)
                    for (int32_t ox = 0; ox < g->ow; ++ox)
                        for (int32_t co = 0; co < g->oc; ++co) {
                            const int32_t fx = ox + g->pw;
                            const int32_t v = fx < width ? acc[(size_t)fx * g->oc + co] : (bias ? bias[co] : 0);
                            y[(((size_t)b * g->oh + oy) * g->ow + ox) * g->oc + co] = tc_requant(d, v, co);
                        }
                for (size_t i = 0; i < row; ++i) acc[i] = bias ? bias[i % (size_t)g->oc] : 0;
            }
        }
    }
}

static srt_status tconv_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "TRANSPOSE_CONV";
    const cn_tconv_params *p = node->builtin_data;
    const cn_tconv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, TC_INPUT), *w = srt_eval_input(ctx, node, TC_FILTER);
    srt_eval_tensor *b = node->inputs->size > TC_BIAS ? srt_eval_input(ctx, node, TC_BIAS) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !w || !out || !in->data || !w->data || !out->data || (b && !b->data)) return k_missing(ctx, op);
    const k_tc_geom g = {in->dims->data[0], in->dims->data[1], in->dims->data[2], in->dims->data[3],
                          w->dims->data[1], w->dims->data[2], out->dims->data[1], out->dims->data[2],
                          out->dims->data[3], p->stride_w, p->stride_h, d->pad_w, d->pad_h};
    if (b && k_elements(b->dims) < g.oc) return srt_fail(ctx, SRT_ERR_MODEL, "%s: bias shorter than the output depth", op);
    if (in->type == SRT_INT8) {
        void *buf = srt_get_scratch(ctx, d->buf_idx);
        if (!buf) return k_missing(ctx, op);
        const int32_t *bias = b ? b->data : NULL;
        const cn_geom cg = tconv_geom(in->dims, w->dims, p->stride_w, p->stride_h);
        if (cn_tconv_s8_reverse_buffer(&cg) > 0) {
            int8_t *rev = srt_get_scratch(ctx, d->rev_idx);
            if (!rev) return k_missing(ctx, op);
            tconv_reverse(&g, d, in->data, w->data, bias, out->data, rev, buf);
            return SRT_OK;
        }
        /* CMSIS-NN's rows are (iw - 1) * sw + max(fw, sw) wide; the request took max(fw, sh):
         * the narrower of the two keeps every write inside the buffer */
        const int32_t rows = g.fh > g.sh ? g.fh : g.sh;
        const int32_t w_kernel = (g.iw - 1) * g.sw + (g.fw > g.sw ? g.fw : g.sw);
        const int32_t w_request = (g.iw - 1) * g.sw + (g.fw > g.sh ? g.fw : g.sh);
        tconv_rolling(&g, d, in->data, w->data, bias, out->data, buf, w_kernel < w_request ? w_kernel : w_request,
                      rows);
        return SRT_OK;
    }
    if (in->type == SRT_FLOAT32) {
        float lo, hi;
        CHECK(k_act_range_f(ctx, p->activation, &lo, &hi));
        k_tconv_float(&g, in->data, w->data, b ? b->data : NULL, out->data, lo, hi);
        return SRT_OK;
    }
    int64_t *acc = srt_get_scratch(ctx, d->buf_idx);
    if (!acc) return k_missing(ctx, op);
    const int64_t *bias = NULL;
    if (b && b->type == SRT_INT16) {
        int64_t *wide = srt_get_scratch(ctx, d->bias_idx);
        if (!wide) return k_missing(ctx, op);
        for (int32_t c = 0; c < g.oc; ++c) wide[c] = ((const int16_t *)b->data)[c];
        bias = wide;
    } else if (b) {
        bias = b->data;
    }
    k_tconv_int16(&g, in->data, w->data, bias, acc, out->data, d->mult, d->shift, d->act_min, d->act_max);
    return SRT_OK;
}

const srt_op srt_cmsis_op_transpose_conv = {
    .builtin_code = 67, .name = "TRANSPOSE_CONV", .options_type = 49,
    .params_size = SRT_PARAMS_SIZE_TRANSPOSE_CONV, .params_align = SRT_PARAMS_ALIGN_TRANSPOSE_CONV,
    .parse = tconv_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_TRANSPOSE_CONV, .prepare = tconv_prepare,
    .eval = tconv_eval,
};
