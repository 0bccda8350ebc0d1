/* resize.c - RESIZE_NEAREST_NEIGHBOR (float32, int8, int16) and RESIZE_BILINEAR (float32; int8 in
 * TFLM's 10-bit fixed point), with align_corners and half_pixel_centers. The float arithmetic
 * follows TFLite's reference in the same order (no contraction, see kernel_util.h), so the results
 * are bit-exact on every target. */
#include "ops_b.h"

#include <math.h>

#include "libm_compat.h"

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

typedef struct { bool align_corners, half_pixel_centers; } k_resize_params;
K_STATIC_FITS(k_resize_params, SRT_PARAMS_SIZE_RESIZE_BILINEAR);

static srt_status bilinear_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_resize_params *p = params;
    p->align_corners = o ? srt_fb_bool(o, 2, false) : false;
    p->half_pixel_centers = o ? srt_fb_bool(o, 3, false) : false;
    return SRT_OK;
}
static srt_status nearest_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    (void)ctx;
    k_resize_params *p = params;
    p->align_corners = o ? srt_fb_bool(o, 0, false) : false;
    p->half_pixel_centers = o ? srt_fb_bool(o, 1, false) : false;
    return SRT_OK;
}

/* in, size, out (TFLM's order); size is read at Eval, so it is checked there too */
static srt_status resize_prepare(srt_ctx *ctx, srt_node *node, bool bilinear) {
    const char *op = bilinear ? "RESIZE_BILINEAR" : "RESIZE_NEAREST_NEIGHBOR";
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *in = srt_prepare_input(ctx, node, 0);
    CHECK(k_need(ctx, in, op, "input"));
    const srt_tensor *size = srt_prepare_input(ctx, node, 1);
    CHECK(k_need(ctx, size, op, "size"));
    const srt_tensor *out = srt_prepare_output(ctx, node, 0);
    CHECK(k_need(ctx, out, op, "output"));
    if (k_rank(in->dims) != 4 || k_rank(size->dims) != 1 || size->type != SRT_INT32)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: needs a 4-D input and an int32[2] size", op);
    if (!size->is_constant) return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: the size tensor must be constant", op);
    const bool ok_type = in->type == SRT_FLOAT32 || in->type == SRT_INT8 || (!bilinear && in->type == SRT_INT16);
    if (!ok_type || out->type != in->type) return k_unsupported_type(ctx, op, in->type);
    const k_resize_params *p = node->builtin_data;
    if (bilinear && p->align_corners && p->half_pixel_centers)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: half_pixel_centers requires align_corners false", op);
    return SRT_OK;
}
static srt_status bilinear_prepare(srt_ctx *ctx, srt_node *node) { return resize_prepare(ctx, node, true); }
static srt_status nearest_prepare(srt_ctx *ctx, srt_node *node) { return resize_prepare(ctx, node, false); }

/* The output's stored shape is what the planner sized: it must be [N, size[0], size[1], C]. */
static srt_status resize_shapes(srt_ctx *ctx, const srt_node *node, const char *op, srt_eval_tensor **in,
                                srt_eval_tensor **out, int32_t *oh, int32_t *ow) {
    srt_eval_tensor *size = srt_eval_input(ctx, node, 1);
    *in = srt_eval_input(ctx, node, 0);
    *out = srt_eval_output(ctx, node, 0);
    if (!*in || !*out || !size || !(*in)->data || !(*out)->data || !size->data) return k_missing(ctx, op);
    if (k_elements(size->dims) != 2) return srt_fail(ctx, SRT_ERR_MODEL, "%s: size must have 2 elements", op);
    *oh = k_ld_i32(size->data, 0);
    *ow = k_ld_i32(size->data, 1);
    const srt_ivec *i = (*in)->dims, *o = (*out)->dims;
    if (o->size != 4 || o->data[0] != i->data[0] || o->data[1] != *oh || o->data[2] != *ow ||
        o->data[3] != i->data[3] || *oh <= 0 || *ow <= 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: output shape does not match the size tensor", op);
    return SRT_OK;
}

/* ---- nearest neighbour ---- */
static int32_t nearest(int32_t v, int32_t in_size, int32_t out_size, bool align, bool half) {
    const float scale = (align && out_size > 1) ? (float)(in_size - 1) / (float)(out_size - 1)
                                                : (float)in_size / (float)out_size;
    const float offset = half ? 0.5f : 0.0f;
    const float x = ((float)v + offset) * scale;
    /* TfLiteRound is round-half-away-from-zero (std::round) */
    int32_t r = align ? k_f2i(srt_roundf(x)) : k_f2i(floorf(x));
    if (r > in_size - 1) r = in_size - 1;
    if (half && r < 0) r = 0;
    return r;
}

static srt_status nearest_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "RESIZE_NEAREST_NEIGHBOR";
    const k_resize_params *p = node->builtin_data;
    srt_eval_tensor *in, *out;
    int32_t oh, ow;
    CHECK(resize_shapes(ctx, node, op, &in, &out, &oh, &ow));
    const int32_t nb = in->dims->data[0], ih = in->dims->data[1], iw = in->dims->data[2], c = in->dims->data[3];
    const size_t es = srt_type_size(in->type), row = (size_t)c * es;
    const uint8_t *src = in->data;
    uint8_t *dst = out->data;
    for (int32_t b = 0; b < nb; ++b)
        for (int32_t y = 0; y < oh; ++y) {
            const int32_t sy = nearest(y, ih, oh, p->align_corners, p->half_pixel_centers);
            for (int32_t x = 0; x < ow; ++x) {
                const int32_t sx = nearest(x, iw, ow, p->align_corners, p->half_pixel_centers);
                /* a negative source (align_corners with rounding below 0 cannot happen; guard anyway) */
                if (sy < 0 || sx < 0) return srt_fail(ctx, SRT_ERR_INTERNAL, "%s: negative source index", op);
                memcpy(dst, src + (((size_t)b * ih + sy) * iw + sx) * row, row);
                dst += row;
            }
        }
    return SRT_OK;
}

/* ---- bilinear ---- */
static void interp_f(int32_t v, float scale, bool half, int32_t in_size, float *s, int32_t *lo, int32_t *hi) {
    *s = half ? ((float)v + 0.5f) * scale - 0.5f : (float)v * scale;
    const int32_t f = k_f2i(floorf(*s)), c = k_f2i(ceilf(*s));
    *lo = f > 0 ? f : 0;
    *hi = c < in_size - 1 ? c : in_size - 1;
}

static void interp_i(int32_t v, int32_t scale10, bool half, int32_t in_size, int32_t *s, int32_t *lo, int32_t *hi) {
    *s = half ? v * scale10 + scale10 / 2 - (1 << 9) : v * scale10;
    const int32_t f = *s / (1 << 10), c = (*s + (1 << 10) - 1) / (1 << 10);
    *lo = f > 0 ? f : 0;
    *hi = c < in_size - 1 ? c : in_size - 1;
}

static srt_status bilinear_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "RESIZE_BILINEAR";
    const k_resize_params *p = node->builtin_data;
    srt_eval_tensor *in, *out;
    int32_t oh, ow;
    CHECK(resize_shapes(ctx, node, op, &in, &out, &oh, &ow));
    const int32_t nb = in->dims->data[0], ih = in->dims->data[1], iw = in->dims->data[2], ch = in->dims->data[3];
    if (ih > (1 << 16) || iw > (1 << 16) || oh > (1 << 16) || ow > (1 << 16))
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: sides above 65536", op);
#define AT(b, y, x, c) ((((size_t)(b) * ih + (y)) * iw + (x)) * ch + (c))
    if (in->type == SRT_FLOAT32) {
        float hs = (float)ih / (float)oh, ws = (float)iw / (float)ow;
        if (p->align_corners && oh > 1) hs = (float)(ih - 1) / (float)(oh - 1);
        if (p->align_corners && ow > 1) ws = (float)(iw - 1) / (float)(ow - 1);
        const float *x = in->data;
        float *o = out->data;
        for (int32_t b = 0; b < nb; ++b)
            for (int32_t y = 0; y < oh; ++y) {
                float fy;
                int32_t y0, y1;
                interp_f(y, hs, p->half_pixel_centers, ih, &fy, &y0, &y1);
                for (int32_t xx = 0; xx < ow; ++xx) {
                    float fx;
                    int32_t x0, x1;
                    interp_f(xx, ws, p->half_pixel_centers, iw, &fx, &x0, &x1);
                    /* a corrupt size can push a bound outside the input: refuse instead of reading */
                    if (y0 > ih - 1 || x0 > iw - 1 || y1 < 0 || x1 < 0)
                        return srt_fail(ctx, SRT_ERR_MODEL, "%s: source outside the input", op);
                    const float dy = fy - (float)y0, dx = fx - (float)x0;
                    for (int32_t c = 0; c < ch; ++c) {
                        const float v = x[AT(b, y0, x0, c)] * (1 - dy) * (1 - dx) +
                                        x[AT(b, y1, x0, c)] * dy * (1 - dx) +
                                        x[AT(b, y0, x1, c)] * (1 - dy) * dx +
                                        x[AT(b, y1, x1, c)] * dy * dx + 0.0f;
                        *o++ = v;
                    }
                }
            }
        return SRT_OK;
    }
    int32_t hs = ((1 << 10) * ih + oh / 2) / oh, ws = ((1 << 10) * iw + ow / 2) / ow;
    if (p->align_corners && oh > 1) hs = ((1 << 10) * (ih - 1) + (oh - 1) / 2) / (oh - 1);
    if (p->align_corners && ow > 1) ws = ((1 << 10) * (iw - 1) + (ow - 1) / 2) / (ow - 1);
    const int8_t *x = in->data;
    int8_t *o = out->data;
    for (int32_t b = 0; b < nb; ++b)
        for (int32_t y = 0; y < oh; ++y) {
            int32_t sy, y0, y1;
            interp_i(y, hs, p->half_pixel_centers, ih, &sy, &y0, &y1);
            for (int32_t xx = 0; xx < ow; ++xx) {
                int32_t sx, x0, x1;
                interp_i(xx, ws, p->half_pixel_centers, iw, &sx, &x0, &x1);
                if (y0 > ih - 1 || x0 > iw - 1 || y1 < 0 || x1 < 0)
                    return srt_fail(ctx, SRT_ERR_MODEL, "%s: source outside the input", op);
                const int64_t wy1 = sy - (1 << 10) * y0, wy0 = (1 << 10) - wy1;
                const int64_t wx1 = sx - (1 << 10) * x0, wx0 = (1 << 10) - wx1;
                for (int32_t c = 0; c < ch; ++c) {
                    const int64_t acc = (int64_t)x[AT(b, y0, x0, c)] * wy0 * wx0 + (int64_t)x[AT(b, y1, x0, c)] * wy1 * wx0 +
                                        (int64_t)x[AT(b, y0, x1, c)] * wy0 * wx1 + (int64_t)x[AT(b, y1, x1, c)] * wy1 * wx1;
#ifdef SRT_SINGLE_ROUNDING
                    *o++ = (int8_t)((acc + (1 << 19)) >> 20);
#else
                    const int64_t round = acc > 0 ? (1 << 19) : -(1 << 19);
                    *o++ = (int8_t)((acc + round) / (1 << 20));
#endif
                }
            }
        }
#undef AT
    return SRT_OK;
}

const srt_op srt_op_resize_bilinear = {
    .builtin_code = 23, .name = "RESIZE_BILINEAR", .options_type = 15,
    .params_size = SRT_PARAMS_SIZE_RESIZE_BILINEAR, .params_align = SRT_PARAMS_ALIGN_RESIZE_BILINEAR,
    .parse = bilinear_parse, .opdata_size = SRT_OPDATA_SIZE_RESIZE_BILINEAR, .prepare = bilinear_prepare,
    .eval = bilinear_eval,
};
const srt_op srt_op_resize_nearest_neighbor = {
    .builtin_code = 97, .name = "RESIZE_NEAREST_NEIGHBOR", .options_type = 74,
    .params_size = SRT_PARAMS_SIZE_RESIZE_NEAREST_NEIGHBOR, .params_align = SRT_PARAMS_ALIGN_RESIZE_NEAREST_NEIGHBOR,
    .parse = nearest_parse, .opdata_size = SRT_OPDATA_SIZE_RESIZE_NEAREST_NEIGHBOR, .prepare = nearest_prepare,
    .eval = nearest_eval,
};

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op RESIZE_BILINEAR | int8 (10-bit fixed point, as TFLM); float32 | constant size; align_corners, half_pixel_centers
 * @op RESIZE_NEAREST_NEIGHBOR | int8; int16; float32 | constant size; align_corners, half_pixel_centers
 */
