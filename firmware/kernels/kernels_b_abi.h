/*
 * kernels_b_abi.h - TFLM struct sizes of the ops in ops_b.h, which tflm-sizes.json does not list.
 *
 * Derived from the struct declarations of TFLM @90b983c2b3 (builtin_op_data.h, the kernels'
 * OpData), with short enums on Arm (arm-none-eabi's default) and int-sized enums elsewhere; the
 * lp64 values are checked against the tflite-micro wheel by tests/unit/test_rt_parity.py
 * (print_allocations() tail byte for byte) and against estimator/data/abi_sizes.json by
 * tests/unit/test_rt_kernels.py. Params with 0 size: TFLM's parser allocates nothing for the op.
 */
#ifndef SRT_KERNELS_B_ABI_H
#define SRT_KERNELS_B_ABI_H

#include "srt_abi.h"

/* an enum-only struct (TfLiteMirrorPaddingParams, TfLiteL2NormParams): 1 B with short enums */
#if defined(SRT_ABI_ARM_M4)
#define SRT_B_ENUM_SIZE 1
#else
#define SRT_B_ENUM_SIZE 4
#endif

/* TfLiteDepthToSpaceParams / TfLiteSpaceToDepthParams {int block_size}; no Init */
#define SRT_PARAMS_SIZE_DEPTH_TO_SPACE 4
#define SRT_PARAMS_ALIGN_DEPTH_TO_SPACE 4
#define SRT_OPDATA_SIZE_DEPTH_TO_SPACE 0
#define SRT_PARAMS_SIZE_SPACE_TO_DEPTH 4
#define SRT_PARAMS_ALIGN_SPACE_TO_DEPTH 4
#define SRT_OPDATA_SIZE_SPACE_TO_DEPTH 0
/* BATCH_TO_SPACE_ND: no options, no Init. SPACE_TO_BATCH_ND: Init allocates SpaceToBatchParams
 * {int32_t output_offset} (never written by TFLM: the kernel pads with what the arena held) */
#define SRT_PARAMS_SIZE_BATCH_TO_SPACE_ND 0
#define SRT_PARAMS_ALIGN_BATCH_TO_SPACE_ND 0
#define SRT_OPDATA_SIZE_BATCH_TO_SPACE_ND 0
#define SRT_PARAMS_SIZE_SPACE_TO_BATCH_ND 0
#define SRT_PARAMS_ALIGN_SPACE_TO_BATCH_ND 0
#define SRT_OPDATA_SIZE_SPACE_TO_BATCH_ND 4
/* TfLiteGatherParams {int axis; int batch_dims}; GATHER_ND and EMBEDDING_LOOKUP parse nothing */
#define SRT_PARAMS_SIZE_GATHER 8
#define SRT_PARAMS_ALIGN_GATHER 4
#define SRT_OPDATA_SIZE_GATHER 0
#define SRT_PARAMS_SIZE_GATHER_ND 0
#define SRT_PARAMS_ALIGN_GATHER_ND 0
#define SRT_OPDATA_SIZE_GATHER_ND 0
#define SRT_PARAMS_SIZE_EMBEDDING_LOOKUP 0
#define SRT_PARAMS_ALIGN_EMBEDDING_LOOKUP 0
#define SRT_OPDATA_SIZE_EMBEDDING_LOOKUP 0
/* EMBEDDING_LOOKUP's OpData {float scale; size_t num_columns} is allocated in Prepare */
#define SRT_PREPARE_SIZE_EMBEDDING_LOOKUP (SRT_PTR_SIZE == 8 ? 16 : 8)
/* TfLiteResize{Bilinear,NearestNeighbor}Params {bool align_corners; bool half_pixel_centers} */
#define SRT_PARAMS_SIZE_RESIZE_BILINEAR 2
#define SRT_PARAMS_ALIGN_RESIZE_BILINEAR 1
#define SRT_OPDATA_SIZE_RESIZE_BILINEAR 0
#define SRT_PARAMS_SIZE_RESIZE_NEAREST_NEIGHBOR 2
#define SRT_PARAMS_ALIGN_RESIZE_NEAREST_NEIGHBOR 1
#define SRT_OPDATA_SIZE_RESIZE_NEAREST_NEIGHBOR 0
/* TfLiteMirrorPaddingParams {TfLiteMirrorPaddingMode mode}; OpDataMirrorPad: 5 ints */
#define SRT_PARAMS_SIZE_MIRROR_PAD SRT_B_ENUM_SIZE
#define SRT_PARAMS_ALIGN_MIRROR_PAD SRT_B_ENUM_SIZE
#define SRT_OPDATA_SIZE_MIRROR_PAD 20
/* PADV2 is PAD's kernel; the parser allocates nothing */
#define SRT_PARAMS_SIZE_PADV2 0
#define SRT_PARAMS_ALIGN_PADV2 0
/* TfLiteL2NormParams {TfLiteFusedActivation activation}; L2NormalizationParams {int32 zp} */
#define SRT_PARAMS_SIZE_L2_NORMALIZATION SRT_B_ENUM_SIZE
#define SRT_PARAMS_ALIGN_L2_NORMALIZATION SRT_B_ENUM_SIZE
#define SRT_OPDATA_SIZE_L2_NORMALIZATION 4
/* L2_POOL_2D: TfLitePoolParams (ParsePool), no Init */
#define SRT_PARAMS_SIZE_L2_POOL_2D SRT_PARAMS_SIZE_AVERAGE_POOL_2D
#define SRT_PARAMS_ALIGN_L2_POOL_2D SRT_PARAMS_ALIGN_AVERAGE_POOL_2D
#define SRT_OPDATA_SIZE_L2_POOL_2D 0
/* TfLiteCumsumParams {bool exclusive; bool reverse}; int8 allocates a 9-int OpData in Prepare */
#define SRT_PARAMS_SIZE_CUMSUM 2
#define SRT_PARAMS_ALIGN_CUMSUM 1
#define SRT_OPDATA_SIZE_CUMSUM 0
#define SRT_PREPARE_SIZE_CUMSUM 36
/* TfLiteTransposeConvParams (tflm-sizes.json); OpData {ConvParams (56 B); int scratch index;
 * [compression: two scratch indices]; int bias scratch index; int32_t *multiplier, *shift} */
#define SRT_PARAMS_SIZE_TRANSPOSE_CONV SRT_SIZEOF_TfLiteTransposeConvParams
#define SRT_PARAMS_ALIGN_TRANSPOSE_CONV SRT_ALIGNOF_TfLiteTransposeConvParams
#if defined(SRT_ABI_X86_64_WHEEL)
#define SRT_OPDATA_SIZE_TRANSPOSE_CONV 88
#elif defined(SRT_ABI_X86_64_NOCOMPRESS)
#define SRT_OPDATA_SIZE_TRANSPOSE_CONV 80
#else
#define SRT_OPDATA_SIZE_TRANSPOSE_CONV 72
#endif
/* TfLiteBatchMatMulParams {bool adj_x, adj_y, asymmetric_quantize_inputs}; OpDataBatchMatmul
 * {3 pointers; 3 bools} (reference kernel) */
#define SRT_PARAMS_SIZE_BATCH_MATMUL 3
#define SRT_PARAMS_ALIGN_BATCH_MATMUL 1
#define SRT_OPDATA_SIZE_BATCH_MATMUL (SRT_PTR_SIZE == 8 ? 32 : 16)
/* SVDF: TfLiteSVDFParams and OpDataSvdf of tflm-sizes.json (no op_table row for SVDF there) */
#define SRT_PARAMS_SIZE_SVDF SRT_SIZEOF_TfLiteSVDFParams
#define SRT_PARAMS_ALIGN_SVDF SRT_ALIGNOF_TfLiteSVDFParams
#define SRT_OPDATA_SIZE_SVDF SRT_SIZEOF_ref_OpDataSvdf

#endif /* SRT_KERNELS_B_ABI_H */
