/* conv.c - CONV_2D and DEPTHWISE_CONV_2D of the CMSIS-NN kernel set.
 *
 * Prepare: CMSIS-NN's order (in, filter, out; per-channel arrays for int8 only; then the
 * reference CalculateOpData half), then one scratch request of the core's im2col size when
 * it is > 0. Eval, int8: the input patches of a few output pixels are copied into the scratch
 * buffer (int16 with the input offset added without MVE, raw int8 with MVE, as CMSIS-NN's
 * im2col does) and each output channel is a dot product over them; without a buffer the direct
 * loop runs. Float: the reference kernel, as TFLM's cmsis_nn conv does. */
#include "cmsis_nn.h"

typedef struct {
    k_conv_data ref;     /* first, so the reference Eval can use this OpData */
    int32_t buffer_idx;  /* -1: no scratch */
} cn_conv_data;

K_STATIC_FITS(cn_conv_data, SRT_CMSIS_OPDATA_SIZE_CONV_2D);
K_STATIC_FITS(cn_conv_data, SRT_CMSIS_OPDATA_SIZE_DEPTHWISE_CONV_2D);

srt_status k_dw_parse(srt_ctx *ctx, const srt_fb_table *o, void *params);

static cn_geom geom_of(const k_io4 *io, const k_conv_params *p, const k_conv_data *d) {
    cn_geom g = {
        .in_n = k_dim(io->in->dims, 0), .in_h = k_dim(io->in->dims, 1), .in_w = k_dim(io->in->dims, 2),
        .in_c = k_dim(io->in->dims, 3),
        .f_h = k_dim(io->filter->dims, 1), .f_w = k_dim(io->filter->dims, 2), .f_c = k_dim(io->filter->dims, 3),
        .out_h = k_dim(io->out->dims, 1), .out_w = k_dim(io->out->dims, 2), .out_c = k_dim(io->out->dims, 3),
        .pad_h = d->pad_h, .pad_w = d->pad_w, .stride_h = p->stride_h, .stride_w = p->stride_w,
        .dil_h = p->dilation_h, .dil_w = p->dilation_w,
    };
    return g;
}

static srt_status prepare(srt_ctx *ctx, srt_node *node, bool dw) {
    cn_conv_data *d = node->user_data;
    k_io4 io;
    srt_status st = k_conv_prepare_io(ctx, node, dw, true, &io);
    if (st != SRT_OK) return st;
    d->buffer_idx = -1;
    if (io.in->type != SRT_INT8) return SRT_OK;
    const cn_geom g = geom_of(&io, node->builtin_data, &d->ref);
    const int32_t bytes = dw ? cn_dw_s8_buffer(SRT_CMSIS_CORE, &g) : cn_conv_s8_buffer(SRT_CMSIS_CORE, &g);
    if (bytes > 0) return srt_request_scratch(ctx, (size_t)bytes, &d->buffer_idx);
    return SRT_OK;
}

static srt_status conv_prepare(srt_ctx *ctx, srt_node *node) { return prepare(ctx, node, false); }
static srt_status dw_prepare(srt_ctx *ctx, srt_node *node) { return prepare(ctx, node, true); }

/* Element type of the im2col columns: int16 with the offset folded in, or int8 as read. */
#if SRT_CMSIS_CORE == CN_CORE_MVE
typedef int8_t cn_col_t;
#define CN_COLUMNS 4
#define CN_PAD_VALUE(zp) ((cn_col_t)(zp))          /* padding reads as the zero point */
#define CN_COL_VALUE(x, zp) ((cn_col_t)(x))
#define CN_TERM(v, zp) ((int32_t)(v) - (zp))
#else
typedef int16_t cn_col_t;
#define CN_COLUMNS 2
#define CN_PAD_VALUE(zp) ((cn_col_t)0)
#define CN_COL_VALUE(x, zp) ((cn_col_t)((int32_t)(x) - (zp)))
#define CN_TERM(v, zp) ((int32_t)(v))
#endif

typedef struct {
    const int8_t *x;
    int32_t ih, iw, ic, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w, kh, kw, zp;
} cn_src;

/* One column: the kh x kw x n channels patch of output pixel (oy, ox) from channel c0. */
static void im2col(const cn_src *s, int32_t bt, int32_t oy, int32_t ox, int32_t c0, int32_t n, cn_col_t *col) {
    const int32_t y0 = oy * s->stride_h - s->pad_h, x0 = ox * s->stride_w - s->pad_w;
    for (int32_t fy = 0; fy < s->kh; ++fy) {
        const int32_t iy = y0 + s->dil_h * fy;
        for (int32_t fx = 0; fx < s->kw; ++fx) {
            const int32_t ix = x0 + s->dil_w * fx;
            cn_col_t *dst = col + ((size_t)fy * s->kw + fx) * n;
            if (iy < 0 || iy >= s->ih || ix < 0 || ix >= s->iw) {
                for (int32_t c = 0; c < n; ++c) dst[c] = CN_PAD_VALUE(s->zp);
                continue;
            }
            const int8_t *src = s->x + (((size_t)bt * s->ih + iy) * s->iw + ix) * s->ic + c0;
            for (int32_t c = 0; c < n; ++c) dst[c] = CN_COL_VALUE(src[c], s->zp);
        }
    }
}

static int8_t requant(const k_conv_data *d, int32_t acc, const void *bias, int32_t oc) {
    if (bias) acc = srt_wadd(acc, k_ld_i32(bias, oc));
    acc = srt_wadd(srt_mbqm(acc, d->mult[oc], d->shift[oc]), d->out_zp);
    return (int8_t)srt_clamp_i32(acc, d->act_min, d->act_max);
}

static srt_status conv_eval(srt_ctx *ctx, srt_node *node) {
    const k_conv_params *p = node->builtin_data;
    const cn_conv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !f || !out || !in->data || !f->data || !out->data) return k_missing(ctx, "CONV_2D");
    if (in->type != SRT_INT8 || d->buffer_idx < 0) return srt_op_conv_2d.eval(ctx, node);
    cn_col_t *buf = srt_get_scratch(ctx, d->buffer_idx);
    if (!buf) return srt_fail(ctx, SRT_ERR_INTERNAL, "CONV_2D: scratch buffer missing");
    const int32_t n = k_dim(in->dims, 0), ic = k_dim(in->dims, 3);
    const int32_t cout = k_dim(f->dims, 0), kh = k_dim(f->dims, 1), kw = k_dim(f->dims, 2),
                  fic = k_dim(f->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2);
    const int32_t groups = ic / fic, per_group = cout / groups, col = kh * kw * fic;
    const cn_src s = {in->data, k_dim(in->dims, 1), k_dim(in->dims, 2), ic, p->stride_h, p->stride_w,
                      p->dilation_h, p->dilation_w, d->ref.pad_h, d->ref.pad_w, kh, kw, d->ref.in_zp};
    const int8_t *w = f->data;
    const void *bias = (b && b->data) ? b->data : NULL;
    int8_t *y = out->data;
    const int32_t pixels = oh * ow;
    for (int32_t bt = 0; bt < n; ++bt)
        for (int32_t g = 0; g < groups; ++g)
            for (int32_t p0 = 0; p0 < pixels; p0 += CN_COLUMNS) {
                const int32_t np = pixels - p0 < CN_COLUMNS ? pixels - p0 : CN_COLUMNS;
                for (int32_t k = 0; k < np; ++k)
                    im2col(&s, bt, (p0 + k) / ow, (p0 + k) % ow, g * fic, fic, buf + (size_t)k * col);
                for (int32_t k = 0; k < np; ++k)
                    for (int32_t o = 0; o < per_group; ++o) {
                        const int32_t oc = g * per_group + o;
                        const int8_t *wr = w + (size_t)oc * col;
                        const cn_col_t *cc = buf + (size_t)k * col;
                        int32_t acc = 0;
                        for (int32_t i = 0; i < col; ++i)
                            acc = srt_wadd(acc, (int32_t)wr[i] * CN_TERM(cc[i], d->ref.in_zp));
                        y[((size_t)bt * pixels + p0 + k) * cout + oc] = requant(&d->ref, acc, bias, oc);
                    }
            }
    return SRT_OK;
}

static srt_status dw_eval(srt_ctx *ctx, srt_node *node) {
    const k_conv_params *p = node->builtin_data;
    const cn_conv_data *d = node->user_data;
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *f = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *b = node->inputs->size > 2 ? srt_eval_input(ctx, node, 2) : NULL;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (!in || !f || !out || !in->data || !f->data || !out->data) return k_missing(ctx, "DEPTHWISE_CONV_2D");
    if (in->type != SRT_INT8 || d->buffer_idx < 0) return srt_op_depthwise_conv_2d.eval(ctx, node);
    cn_col_t *buf = srt_get_scratch(ctx, d->buffer_idx);
    if (!buf) return srt_fail(ctx, SRT_ERR_INTERNAL, "DEPTHWISE_CONV_2D: scratch buffer missing");
    const int32_t n = k_dim(in->dims, 0), ic = k_dim(in->dims, 3);
    const int32_t kh = k_dim(f->dims, 1), kw = k_dim(f->dims, 2), cout = k_dim(f->dims, 3);
    const int32_t oh = k_dim(out->dims, 1), ow = k_dim(out->dims, 2), dm = cout / ic;
    const cn_src s = {in->data, k_dim(in->dims, 1), k_dim(in->dims, 2), ic, p->stride_h, p->stride_w,
                      p->dilation_h, p->dilation_w, d->ref.pad_h, d->ref.pad_w, kh, kw, d->ref.in_zp};
    const int8_t *w = f->data;
    const void *bias = (b && b->data) ? b->data : NULL;
    int8_t *y = out->data;
    const int32_t pixels = oh * ow;
    /* Without MVE the buffer holds one column (CMSIS-NN's DSP rule: in_c x kh x kw int16):
     * every channel of one pixel's window, one pixel at a time. With MVE the channels go in
     * blocks of CN_DW_CH_BLOCK_MVE, CN_COLUMNS (4) pixels at a time. Filling more columns than
     * the buffer holds writes past it into the arena (the tail's op data when the arena is
     * tight). */
#if SRT_CMSIS_CORE == CN_CORE_MVE
    const int32_t block = ic < CN_DW_CH_BLOCK_MVE ? ic : CN_DW_CH_BLOCK_MVE;
    const int32_t columns = CN_COLUMNS;
#else
    const int32_t block = ic;
    const int32_t columns = 1;
#endif
    for (int32_t bt = 0; bt < n; ++bt)
        for (int32_t c0 = 0; c0 < ic; c0 += block) {
            const int32_t nc = ic - c0 < block ? ic - c0 : block;
            for (int32_t p0 = 0; p0 < pixels; p0 += columns) {
                const int32_t np = pixels - p0 < columns ? pixels - p0 : columns;
                for (int32_t k = 0; k < np; ++k)
                    im2col(&s, bt, (p0 + k) / ow, (p0 + k) % ow, c0, nc, buf + (size_t)k * kh * kw * nc);
                for (int32_t k = 0; k < np; ++k)
                    for (int32_t c = 0; c < nc; ++c)
                        for (int32_t m = 0; m < dm; ++m) {
                            const int32_t oc = (c0 + c) * dm + m;
                            const cn_col_t *cc = buf + (size_t)k * kh * kw * nc;
                            int32_t acc = 0;
                            for (int32_t t = 0; t < kh * kw; ++t)
                                acc = srt_wadd(acc, (int32_t)w[(size_t)t * cout + oc] *
                                                        CN_TERM(cc[(size_t)t * nc + c], d->ref.in_zp));
                            y[((size_t)bt * pixels + p0 + k) * cout + oc] = requant(&d->ref, acc, bias, oc);
                        }
            }
        }
    return SRT_OK;
}

/* The options are the reference kernel's (TFLM parses them before any kernel runs). */
static srt_status conv_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_conv_2d.parse(ctx, o, params);
}

const srt_op srt_cmsis_op_conv_2d = {
    .builtin_code = 3, .name = "CONV_2D", .options_type = K_OPT_Conv2D,
    .params_size = SRT_PARAMS_SIZE_CONV_2D, .params_align = SRT_PARAMS_ALIGN_CONV_2D,
    .parse = conv_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_CONV_2D,
    .prepare = conv_prepare, .eval = conv_eval,
};

const srt_op srt_cmsis_op_depthwise_conv_2d = {
    .builtin_code = 4, .name = "DEPTHWISE_CONV_2D", .options_type = K_OPT_DepthwiseConv2D,
    .params_size = SRT_PARAMS_SIZE_DEPTHWISE_CONV_2D, .params_align = SRT_PARAMS_ALIGN_DEPTHWISE_CONV_2D,
    .parse = k_dw_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_DEPTHWISE_CONV_2D,
    .prepare = dw_prepare, .eval = dw_eval,
};
