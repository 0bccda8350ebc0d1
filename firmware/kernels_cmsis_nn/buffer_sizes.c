/* buffer_sizes.c - the scratch sizes CMSIS-NN 4ab83cc's arm_*_get_buffer_size functions give
 * TFLM's cmsis_nn kernels under GCC, per core class (see cmsis_nn.h). The estimator states the
 * same rules in Python (estimator/cmsis_nn_rules.py); tests compare the two on the corpus. */
#include "cmsis_nn.h"

static int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

/* A 1x1 kernel without padding or dilation, whole input depth per group: the 1x1 path, whose
 * buffer is 0 with GCC on every core (4*C_in only under Arm Compiler 6, unit stride). */
static bool is_1x1(const cn_geom *g) {
    return g->pad_w == 0 && g->pad_h == 0 && g->f_w == 1 && g->f_h == 1 && g->dil_w == 1 &&
           g->dil_h == 1 && g->in_c == g->f_c;
}

/* One input row, a 1xN kernel, whole depth per group, 4-byte aligned strides: the 1xN path. */
static bool is_1xn(const cn_geom *g) {
    return g->in_h == 1 && g->dil_w == 1 && g->f_h == 1 && (g->stride_w * g->in_c) % 4 == 0 &&
           g->in_c == g->f_c;
}

/* im2col of the general path. Without MVE: two columns of int16, each rounded up to 4
 * elements. With MVE: four columns of int8 in whole 16-byte lanes. */
static int32_t general(int core, const cn_geom *g) {
    const int32_t col = g->f_w * g->f_h * g->in_c;
    if (core == CN_CORE_MVE) return 4 * ((col + 15) / 16) * 16;
    return 2 * ((col + 3) / 4 * 4) * 2;
}

/* MVE 1xN: the larger of the left-edge and right-edge windows with their padding, unless the
 * output row does not split into padded and unpadded parts (then the general size). The
 * remainders keep C's truncating semantics, as CMSIS-NN computes them. */
static int32_t one_by_n_mve(const cn_geom *g) {
    const int32_t total_pad = (g->out_w - 1) * g->stride_w + g->f_w - g->in_w;
    const int32_t asym = total_pad % 2;
    const int32_t right = (g->pad_w + asym) != 0 ? max_i32(1, (g->pad_w + asym + g->stride_w - 1) / g->stride_w) : 0;
    const int32_t left = g->pad_w != 0 ? max_i32(1, (g->pad_w + g->stride_w - 1) / g->stride_w) : 0;
    const int32_t middle = max_i32(g->out_w - (right + left), 0);
    if (right + middle + left != g->out_w) return general(CN_CORE_MVE, g);
    const int32_t pad_left = g->pad_w * g->in_c;
    const int32_t pad_right = asym ? right * g->in_c : pad_left;
    const int32_t win_left = g->f_w * g->in_c;
    const int32_t win_right = win_left - g->in_c;
    return max_i32(win_left + pad_left, win_right + pad_right);
}

int32_t cn_conv_s8_buffer(int core, const cn_geom *g) {
    if (is_1x1(g)) return 0;
    if (core == CN_CORE_MVE && is_1xn(g)) return one_by_n_mve(g);
    return general(core, g);
}

int32_t cn_dw_s8_buffer(int core, const cn_geom *g) {
    /* MVE turns a depthwise conv with one input channel into a regular conv: its buffer plus
     * a reordered copy of the filter (threshold: more than 1 output channel with GCC). */
    if (core == CN_CORE_MVE && g->in_c == 1 && g->out_c > 1) {
        cn_geom c = *g;
        c.f_c = 1;  /* the conv's filter has one input channel, out_c filters */
        return cn_conv_s8_buffer(CN_CORE_MVE, &c) + g->out_c * g->f_h * g->f_w;
    }
    if (!(g->in_c == g->out_c && g->in_n == 1 && g->dil_w == 1 && g->dil_h == 1)) return 0;
    if (core == CN_CORE_MVE) return 4 * CN_DW_CH_BLOCK_MVE * g->f_w * g->f_h;
    if (g->f_w == 3 && g->f_h == 3 && g->pad_h <= 1 && g->pad_w <= 1) return 0;  /* 3x3 kernel */
    if (core == CN_CORE_DSP) return g->in_c * g->f_w * g->f_h * 2;
    return 0;
}

int32_t cn_fc_s8_buffer(int core, int32_t output_depth) {
    return core == CN_CORE_MVE ? 4 * output_depth : 0;
}

int32_t cn_avgpool_s8_buffer(int core, int32_t channels) {
    return core == CN_CORE_DSP ? 4 * channels : 0;
}

/* TRANSPOSE_CONV (arm_transpose_conv_s8_get_buffer_size, ..._get_reverse_conv_buffer_size):
 * strides <= 2 and more than 16 input channels run as a regular conv over the stride-upscaled
 * input with the reversed filter (the conv's im2col buffer for in_c x kh x kw columns, plus a
 * reversed copy of the filter); otherwise a rolling int32 accumulator of max(kh, stride_h) rows.
 * Its row width takes max(kw, stride_h) - the height stride, as CMSIS-NN writes it. */
static bool tconv_reverse(const cn_geom *g) {
    return g->stride_w <= 2 && g->stride_h <= 2 && g->in_c > CN_TCONV_REVERSE_MIN_CH;
}

/* Sizes beyond int32 (a hostile model) give -1; the kernel refuses them. */
static int32_t fit_i32(int64_t v) { return v < 0 || v > INT32_MAX ? -1 : (int32_t)v; }

int32_t cn_tconv_s8_buffer(int core, const cn_geom *g) {
    if (tconv_reverse(g)) {
        if ((int64_t)g->f_w * g->f_h * g->in_c > INT32_MAX / 8) return -1;
        return general(core, g);
    }
    const int64_t buf_x = ((int64_t)(g->in_w - 1) * g->stride_w + max_i32(g->f_w, g->stride_h)) * g->out_c;
    return fit_i32(buf_x * max_i32(g->f_h, g->stride_h) * 4);
}

int32_t cn_tconv_s8_reverse_buffer(const cn_geom *g) {
    return tconv_reverse(g) ? fit_i32((int64_t)g->in_c * g->f_w * g->f_h * g->out_c) : 0;
}

/* SVDF (arm_svdf_s8_get_buffer_size) and BATCH_MATMUL (arm_fully_connected_s8_get_buffer_size
 * of the output shape): MVE only, one int32 per filter / per output column. */
int32_t cn_svdf_s8_buffer(int core, int32_t filters) { return core == CN_CORE_MVE ? 4 * filters : 0; }
int32_t cn_bmm_s8_buffer(int core, int32_t out_cols) { return core == CN_CORE_MVE ? 4 * out_cols : 0; }
