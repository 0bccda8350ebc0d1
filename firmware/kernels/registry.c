/* registry.c - builtin code -> kernel (srt_find_op). The control ops VAR_HANDLE, READ_VARIABLE,
 * ASSIGN_VARIABLE and CALL_ONCE are the runtime engineer's (firmware/runtime/); they are listed
 * here when the runtime build defines SRT_HAVE_CONTROL_OPS (their srt_op objects must then exist
 * under these names). srt_builtin_name lives in builtin_names.c (generated). */
#include "ops.h"
#include "ops_b.h"

extern const srt_op srt_op_unidirectional_sequence_lstm; /* lstm.c */

#ifdef SRT_HAVE_CONTROL_OPS
extern const srt_op srt_op_var_handle, srt_op_read_variable, srt_op_assign_variable, srt_op_call_once;
extern const srt_op srt_op_if, srt_op_while;
#endif

static const srt_op *const k_ops[] = {
    &srt_op_conv_2d, &srt_op_depthwise_conv_2d, &srt_op_fully_connected,
    &srt_op_average_pool_2d, &srt_op_max_pool_2d,
    &srt_op_add, &srt_op_sub, &srt_op_mul, &srt_op_maximum, &srt_op_minimum,
    &srt_op_relu, &srt_op_relu6, &srt_op_leaky_relu, &srt_op_hard_swish, &srt_op_logistic, &srt_op_tanh,
    &srt_op_softmax, &srt_op_log_softmax, &srt_op_mean,
    &srt_op_reshape, &srt_op_squeeze, &srt_op_expand_dims, &srt_op_shape, &srt_op_pack, &srt_op_unpack,
    &srt_op_concatenation, &srt_op_split, &srt_op_split_v, &srt_op_strided_slice, &srt_op_transpose,
    &srt_op_pad,
    &srt_op_quantize, &srt_op_dequantize, &srt_op_rsqrt,
    /* simple ops (math_unary.c, compare_logical.c, arith_more.c) */
    &srt_op_abs, &srt_op_neg, &srt_op_ceil, &srt_op_floor, &srt_op_round, &srt_op_exp, &srt_op_sqrt,
    &srt_op_square, &srt_op_logical_not,
    &srt_op_equal, &srt_op_not_equal, &srt_op_greater, &srt_op_greater_equal, &srt_op_less,
    &srt_op_less_equal, &srt_op_logical_and, &srt_op_logical_or, &srt_op_select_v2,
    &srt_op_div, &srt_op_floor_div, &srt_op_floor_mod, &srt_op_squared_difference,
    &srt_op_zeros_like, &srt_op_fill, &srt_op_cast, &srt_op_arg_max, &srt_op_arg_min,
    &srt_op_slice, &srt_op_broadcast_to, &srt_op_broadcast_args, &srt_op_reverse_v2, &srt_op_dynamic_update_slice,
    &srt_op_reduce_max, &srt_op_reduce_min, &srt_op_sum, &srt_op_reduce_all, &srt_op_prelu,
    &srt_op_add_n, &srt_op_elu,
    /* ops_b.h */
    &srt_op_depth_to_space, &srt_op_space_to_depth, &srt_op_batch_to_space_nd, &srt_op_space_to_batch_nd,
    &srt_op_gather, &srt_op_gather_nd, &srt_op_embedding_lookup,
    &srt_op_resize_nearest_neighbor, &srt_op_resize_bilinear, &srt_op_mirror_pad, &srt_op_padv2,
    &srt_op_l2_normalization, &srt_op_l2_pool_2d, &srt_op_cumsum, &srt_op_transpose_conv,
    &srt_op_batch_matmul, &srt_op_svdf,
    &srt_op_unidirectional_sequence_lstm,
#ifdef SRT_HAVE_CONTROL_OPS
    &srt_op_var_handle, &srt_op_read_variable, &srt_op_assign_variable, &srt_op_call_once,
    &srt_op_if, &srt_op_while,
#endif
};

#ifdef SRT_KERNELS_CMSIS_NN
/* firmware/kernels_cmsis_nn/registry.c: the ops that kernel set replaces */
const srt_op *srt_cmsis_find_op(int32_t builtin_code);
#endif

const srt_op *srt_find_op(int32_t builtin_code) {
#ifdef SRT_KERNELS_CMSIS_NN
    const srt_op *cmsis = srt_cmsis_find_op(builtin_code);
    if (cmsis) return cmsis;
#endif
    for (size_t i = 0; i < sizeof k_ops / sizeof k_ops[0]; ++i)
        if (k_ops[i]->builtin_code == builtin_code) return k_ops[i];
    return NULL;
}

/* For tools and tests: the i-th registered op (NULL past the end). */
const srt_op *srt_op_at(size_t i);
const srt_op *srt_op_at(size_t i) { return i < sizeof k_ops / sizeof k_ops[0] ? k_ops[i] : NULL; }
