/* registry.c - the ops the CMSIS-NN kernel set replaces; firmware/kernels/registry.c asks here
 * first when the image is built with SRT_KERNELS_CMSIS_NN, and falls back to the reference
 * kernel otherwise. ADD, MUL, PAD, TRANSPOSE, MAXIMUM and MINIMUM are overridden in TFLM's
 * cmsis_nn directory too, but with the reference OpData, temporaries and no scratch: their
 * arena use is the reference kernels', so the reference kernels stand for them. */
#include "cmsis_nn.h"

extern const srt_op srt_cmsis_op_conv_2d, srt_cmsis_op_depthwise_conv_2d, srt_cmsis_op_fully_connected,
    srt_cmsis_op_average_pool_2d, srt_cmsis_op_max_pool_2d, srt_cmsis_op_softmax, srt_cmsis_op_transpose_conv,
    srt_cmsis_op_svdf, srt_cmsis_op_batch_matmul,
    srt_cmsis_op_unidirectional_sequence_lstm;

static const srt_op *const k_cmsis_ops[] = {
    &srt_cmsis_op_conv_2d, &srt_cmsis_op_depthwise_conv_2d, &srt_cmsis_op_fully_connected,
    &srt_cmsis_op_average_pool_2d, &srt_cmsis_op_max_pool_2d, &srt_cmsis_op_softmax,
    &srt_cmsis_op_transpose_conv, &srt_cmsis_op_svdf, &srt_cmsis_op_batch_matmul,
    &srt_cmsis_op_unidirectional_sequence_lstm,
};

const srt_op *srt_cmsis_find_op(int32_t builtin_code) {
    for (size_t i = 0; i < sizeof k_cmsis_ops / sizeof k_cmsis_ops[0]; ++i)
        if (k_cmsis_ops[i]->builtin_code == builtin_code) return k_cmsis_ops[i];
    return NULL;
}
