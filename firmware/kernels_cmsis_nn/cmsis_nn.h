/*
 * cmsis_nn.h - simprof-rt's CMSIS-NN kernel set: the ops TFLM's kernels/cmsis_nn/ overrides
 * (OPTIMIZED_KERNEL_DIR=cmsis_nn), with the arena behaviour of that build.
 *
 * Rules followed: TFLM @90b983c kernels/cmsis_nn/ sources and the CMSIS-NN commit it pins,
 * 4ab83cc3 (tools/make/ext_libs/cmsis_nn_download.sh), compiled with GCC (the buffer sizes
 * that differ under Arm Compiler 6 take their GCC value). Written from those sources as facts;
 * no CMSIS-NN code is used.
 *
 * CMSIS-NN picks its code path from the core's features: MVE (Cortex-M55), DSP (M4, M7, M33)
 * or neither (M0, M0+, M3). So does this kernel set: from the compiler's __ARM_FEATURE_MVE /
 * __ARM_FEATURE_DSP, or SRT_CMSIS_CORE on the host (default DSP, the Cortex-M4 rules).
 *
 * What differs from the reference kernels (everything else is the reference kernel itself):
 *   - OpData sizes (TFLM's cmsis_nn OpData wraps the reference OpData plus buffer indices);
 *   - CONV_2D / DEPTHWISE_CONV_2D: temporaries in, filter, out first; per-channel arrays only
 *     for quantized inputs; an im2col scratch buffer per the core's get_buffer_size rule;
 *   - FULLY_CONNECTED: the 1x1-conv path's per-channel quantisation scratch, MVE kernel sums;
 *   - AVERAGE_POOL_2D: a second in/out pair of temporaries and the DSP accumulator scratch;
 *   - TRANSPOSE_CONV: int8 asks for the transpose-conv buffer and the reverse-conv filter
 *     buffer (even at 0 B) instead of int32 accumulators; no fused activation on int8/int16;
 *   - SVDF / BATCH_MATMUL: MVE int8 kernel sums (persistent) / vector sums (scratch).
 *   - UNIDIRECTIONAL_SEQUENCE_LSTM: a larger OpData; int8/int16: eight persistent kernel sums
 *     and three scratch buffers instead of four (lstm.c).
 * Outputs are bit-exact with the reference kernels (integer sums are reordered, never
 * rounded differently; float paths are the reference code, as in TFLM).
 */
#ifndef SRT_CMSIS_NN_H
#define SRT_CMSIS_NN_H

#include "ops.h"
#include "ops_b.h"

/* Macros, not enum constants: conv.c picks its column type in `#if SRT_CMSIS_CORE == ...`, and
 * the preprocessor reads an identifier it does not know as 0, so enum constants there made
 * every `#if` compare 0 == 0 and compiled the MVE columns (four int8 columns per step) on
 * every Arm core, while the scratch request followed the real class: a DSP-core depthwise
 * with a buffer wrote past it. -Wundef turns such a comparison into an error. */
#pragma GCC diagnostic error "-Wundef"
#define CN_CORE_NONE 0
#define CN_CORE_DSP 1
#define CN_CORE_MVE 2

#ifndef SRT_CMSIS_CORE
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define SRT_CMSIS_CORE CN_CORE_MVE
#elif defined(__ARM_FEATURE_DSP)
#define SRT_CMSIS_CORE CN_CORE_DSP
#elif defined(__arm__)
#define SRT_CMSIS_CORE CN_CORE_NONE
#else
#define SRT_CMSIS_CORE CN_CORE_DSP
#endif
#endif
#if SRT_CMSIS_CORE != CN_CORE_NONE && SRT_CMSIS_CORE != CN_CORE_DSP && SRT_CMSIS_CORE != CN_CORE_MVE
#error "SRT_CMSIS_CORE must be CN_CORE_NONE, CN_CORE_DSP or CN_CORE_MVE (0, 1, 2)"
#endif

/* Channels per block of the MVE depthwise kernel (CMSIS-NN's CH_IN_BLOCK_MVE). */
#define CN_DW_CH_BLOCK_MVE 124
/* TRANSPOSE_CONV runs as a reversed conv above this many input channels (CMSIS-NN's
 * REVERSE_TCOL_EFFICIENT_THRESHOLD) when both strides are <= 2. */
#define CN_TCONV_REVERSE_MIN_CH 16

/* OpData sizes. Arm: measured (srt_abi.h, from tflm-sizes.json). The host has no CMSIS-NN
 * build to measure; there the reference OpData plus the added fields, 8-aligned, stand in so
 * the same sources run (host figures are not compared with anything for this kernel set). */
#ifndef SRT_CMSIS_OPDATA_SIZE_CONV_2D
#define SRT_CMSIS_OPDATA_SIZE_CONV_2D (SRT_OPDATA_SIZE_CONV_2D + 8)
#define SRT_CMSIS_OPDATA_SIZE_DEPTHWISE_CONV_2D (SRT_OPDATA_SIZE_DEPTHWISE_CONV_2D + 8)
#define SRT_CMSIS_OPDATA_SIZE_FULLY_CONNECTED (SRT_OPDATA_SIZE_FULLY_CONNECTED + 40)
#define SRT_CMSIS_OPDATA_SIZE_AVERAGE_POOL_2D (SRT_OPDATA_SIZE_AVERAGE_POOL_2D + 8)
#define SRT_CMSIS_OPDATA_SIZE_MAX_POOL_2D (SRT_OPDATA_SIZE_MAX_POOL_2D + 8)
#define SRT_CMSIS_OPDATA_SIZE_SOFTMAX (SRT_OPDATA_SIZE_SOFTMAX + 8)
#endif
/* TRANSPOSE_CONV, SVDF, BATCH_MATMUL: measured on Arm (tflm-sizes.json); the host stands in as
 * above (the reference kernels' OpData sizes are in kernels_b_abi.h). */
#ifdef SRT_SIZEOF_cmsis_transpose_conv_OpData
#define SRT_CMSIS_OPDATA_SIZE_TRANSPOSE_CONV SRT_SIZEOF_cmsis_transpose_conv_OpData
#define SRT_CMSIS_OPDATA_SIZE_SVDF SRT_SIZEOF_cmsis_svdf_CmsisNnOpDataSvdf
#define SRT_CMSIS_OPDATA_SIZE_BATCH_MATMUL SRT_SIZEOF_cmsis_batch_matmul_OpData
#else
#define SRT_CMSIS_OPDATA_SIZE_TRANSPOSE_CONV (SRT_OPDATA_SIZE_TRANSPOSE_CONV + 8)
#define SRT_CMSIS_OPDATA_SIZE_SVDF (SRT_OPDATA_SIZE_SVDF + 16)
#define SRT_CMSIS_OPDATA_SIZE_BATCH_MATMUL (SRT_OPDATA_SIZE_BATCH_MATMUL + 40)
#endif

/* Geometry of a convolution as CMSIS-NN's buffer-size functions see it. */
typedef struct {
    int32_t in_n, in_h, in_w, in_c;
    int32_t f_h, f_w, f_c;        /* conv: channels per group; depthwise: output channels */
    int32_t out_h, out_w, out_c;
    int32_t pad_h, pad_w, stride_h, stride_w, dil_h, dil_w;
} cn_geom;

/* Scratch bytes CMSIS-NN asks for (0 = no request), per core class. */
int32_t cn_conv_s8_buffer(int core, const cn_geom *g);
int32_t cn_dw_s8_buffer(int core, const cn_geom *g);
int32_t cn_fc_s8_buffer(int core, int32_t output_depth);
int32_t cn_avgpool_s8_buffer(int core, int32_t channels);
/* TRANSPOSE_CONV: g's in_*, f_h, f_w, out_c and strides; the reverse-conv filter copy (0: none,
 * still requested, as TFLM does). SVDF / BATCH_MATMUL: MVE vector sums. */
int32_t cn_tconv_s8_buffer(int core, const cn_geom *g);
int32_t cn_tconv_s8_reverse_buffer(const cn_geom *g);
int32_t cn_svdf_s8_buffer(int core, int32_t filters);
int32_t cn_bmm_s8_buffer(int core, int32_t out_cols);

/* The ops of this kernel set that replace reference ones (NULL: use the reference kernel). */
const srt_op *srt_cmsis_find_op(int32_t builtin_code);

#endif /* SRT_CMSIS_NN_H */
