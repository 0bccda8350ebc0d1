/*
 * ops.h - the op table entries of simprof-rt's kernels (one srt_op per builtin operator) and the
 * few helpers shared between kernel files.
 */
#ifndef SRT_KERNELS_OPS_H
#define SRT_KERNELS_OPS_H

#include "kernel_util.h"

extern const srt_op srt_op_conv_2d, srt_op_depthwise_conv_2d, srt_op_fully_connected;
extern const srt_op srt_op_average_pool_2d, srt_op_max_pool_2d;
extern const srt_op srt_op_add, srt_op_sub, srt_op_mul, srt_op_maximum, srt_op_minimum;
extern const srt_op srt_op_relu, srt_op_relu6, srt_op_leaky_relu, srt_op_hard_swish,
    srt_op_logistic, srt_op_tanh;
extern const srt_op srt_op_softmax, srt_op_log_softmax, srt_op_mean;
extern const srt_op srt_op_reshape, srt_op_squeeze, srt_op_expand_dims, srt_op_shape, srt_op_pack,
    srt_op_unpack, srt_op_concatenation, srt_op_split, srt_op_split_v, srt_op_strided_slice,
    srt_op_transpose, srt_op_pad;
extern const srt_op srt_op_quantize, srt_op_dequantize, srt_op_rsqrt;
/* simple ops: math_unary.c, compare_logical.c, arith_more.c */
extern const srt_op srt_op_abs, srt_op_neg, srt_op_ceil, srt_op_floor, srt_op_round, srt_op_exp,
    srt_op_sqrt, srt_op_square, srt_op_logical_not, srt_op_elu;
extern const srt_op srt_op_equal, srt_op_not_equal, srt_op_greater, srt_op_greater_equal,
    srt_op_less, srt_op_less_equal, srt_op_logical_and, srt_op_logical_or, srt_op_select_v2;
extern const srt_op srt_op_div, srt_op_floor_div, srt_op_floor_mod, srt_op_squared_difference,
    srt_op_prelu, srt_op_add_n;
extern const srt_op srt_op_zeros_like, srt_op_fill, srt_op_cast, srt_op_arg_max, srt_op_arg_min; /* misc_ops.c */
extern const srt_op srt_op_slice, srt_op_broadcast_to, srt_op_broadcast_args, srt_op_reverse_v2,
    srt_op_dynamic_update_slice; /* shape_more.c */
extern const srt_op srt_op_reduce_max, srt_op_reduce_min, srt_op_sum, srt_op_reduce_all; /* reduce_more.c */

/* ---- conv family (conv.c) ---- */
typedef struct {
    int32_t padding, stride_w, stride_h, activation, dilation_w, dilation_h, depth_multiplier;
} k_conv_params;

typedef struct {
    int32_t pad_w, pad_h;
    int32_t in_zp, out_zp;
    int32_t act_min, act_max;
    float fact_min, fact_max;
    int32_t *mult, *shift; /* per output channel (TFLM's two Prepare-time arrays) */
} k_conv_data;

/* The Prepare-time views of a node's tensors, for kernel sets that wrap a reference Prepare
 * (valid until the end of the node's Prepare, like every srt_tensor). */
typedef struct {
    const srt_tensor *in, *filter, *bias, *out;
} k_io4;

/* Prepare shared by CONV_2D and DEPTHWISE_CONV_2D (same temp-tensor sequence in TFLM). */
srt_status k_conv_prepare(srt_ctx *ctx, srt_node *node, bool depthwise);
/* The same with CMSIS-NN's order of temporaries and per-channel arrays (cmsis_order), handing
 * back the tensors of its second half. */
srt_status k_conv_prepare_io(srt_ctx *ctx, srt_node *node, bool depthwise, bool cmsis_order, k_io4 *io);

/* ---- fully connected (fully_connected.c) ---- */
typedef struct {
    uint8_t activation, weights_format, keep_num_dims, asymmetric_quantize_inputs, quantized_bias_type;
} k_fc_params;

typedef struct {
    int32_t mult, shift;
    int32_t in_zp, filter_zp, out_zp;
    int32_t act_min, act_max;
    float fact_min, fact_max;
    int32_t *pc_mult, *pc_shift; /* per-channel arrays, NULL for per-tensor weights */
} k_fc_data;

/* The reference Prepare, handing back its tensors (CMSIS-NN's FULLY_CONNECTED adds to it). */
srt_status k_fc_prepare_io(srt_ctx *ctx, srt_node *node, k_io4 *io);

/* ---- pooling (pooling.c) ---- */
typedef struct {
    int32_t padding, stride_w, stride_h, filter_w, filter_h, activation;
} k_pool_params;

typedef struct {
    int32_t pad_w, pad_h;
    int32_t act_min, act_max;
    float fact_min, fact_max;
} k_pool_data;

#endif /* SRT_KERNELS_OPS_H */
