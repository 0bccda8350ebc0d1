/*
 * ops_b.h - op table entries of the data-movement, resize and sequence kernels added for
 * TFLM's wider builtin set (space_ops.c, gather.c, resize.c, mirror_pad.c, norm.c), and the
 * helpers they share.
 */
#ifndef SRT_KERNELS_OPS_B_H
#define SRT_KERNELS_OPS_B_H

#include "kernel_util.h"
#include "kernels_b_abi.h"

extern const srt_op srt_op_depth_to_space, srt_op_space_to_depth, srt_op_batch_to_space_nd,
    srt_op_space_to_batch_nd;
extern const srt_op srt_op_gather, srt_op_gather_nd, srt_op_embedding_lookup;
extern const srt_op srt_op_resize_nearest_neighbor, srt_op_resize_bilinear;
extern const srt_op srt_op_mirror_pad, srt_op_padv2;
extern const srt_op srt_op_l2_normalization, srt_op_l2_pool_2d, srt_op_cumsum;
extern const srt_op srt_op_transpose_conv, srt_op_batch_matmul, srt_op_svdf;

/* TFLM's CreateWritableTensorDimsWithCopy: a persistent copy of the output's dims (P16(4 +
 * 4*rank)) that the kernel may rewrite; the eval tensor points at it from then on. The copy is
 * filled with the stored dims; kernels that compute the shape must check it equals the stored
 * one, since the buffer was planned with the stored size. */
srt_status k_dims_copy(srt_ctx *ctx, const srt_tensor *out, srt_ivec **copy);

/* A NULL temp tensor: the runtime's error, or a model error naming what is missing. */
srt_status k_need(srt_ctx *ctx, const srt_tensor *t, const char *op, const char *what);

/* PADV2's constant_values: a scalar of the input's type (int8: the output's scale and zero point). */
srt_status k_padv2_constant(srt_ctx *ctx, const srt_tensor *in, const srt_tensor *out, const srt_tensor *cst);

/* TFLite's GetInvSqrtQuantizedMultiplierExp(x, kReverseShift): 1/sqrt(x) as (q31, left shift)
 * (quantize.c, shared with RSQRT). */
void srt_inv_sqrt_multiplier(int32_t x, int32_t *mult, int *shift);

/* The int16 (16x8) Eval of CONV_2D / DEPTHWISE_CONV_2D (conv16.c), after k_conv_prepare. */
srt_status k_conv16_eval(srt_ctx *ctx, srt_node *node, bool dw);

/* TRANSPOSE_CONV's geometry and the reference scatter loops (transpose_conv.c); the CMSIS-NN set
 * runs them for float32 and int16 as TFLM's cmsis_nn kernel falls back to the reference. */
typedef struct {
    int32_t n, ih, iw, ic, fh, fw, oh, ow, oc, sw, sh, pw, ph;
} k_tc_geom;
void k_tconv_float(const k_tc_geom *g, const float *x, const float *f, const float *bias, float *y, float lo,
                   float hi);
/* `acc` holds one int64 per output element; `bias` is int64 (an int16 bias widened first). */
void k_tconv_int16(const k_tc_geom *g, const int16_t *x, const int8_t *f, const int64_t *bias, int64_t *acc,
                   int16_t *y, const int32_t *mult, const int32_t *shift, int32_t act_min, int32_t act_max);

#endif /* SRT_KERNELS_OPS_B_H */
