/*
 * kernels_simple_abi.h - TFLM struct sizes of the simple operators (math, comparison, logical,
 * select, division) that are not in tflm-sizes.json / srt_abi.h. Read from the struct
 * definitions of TFLM @90b983c and laid out per ABI (estimator/data/abi_sizes.json holds the same
 * numbers for the estimator, with the layout written out):
 *   TfLiteDivParams {TfLiteFusedActivation}: 1,1 with Arm short enums, 4,4 where enums are ints;
 *   OpDataDiv: 7 x int32 = 28;  ComparisonParams: 7 x int32 + bool = 32;  select OpData {bool} = 1;
 *   squared_difference OpData {ArithmeticParams (uint8 category, 14 x int32/float, 2 x int64
 *   aligned to 8, 2 x int16, int[5]) = 104; bool} = 112 on every ABI.
 */
#ifndef SRT_KERNELS_SIMPLE_ABI_H
#define SRT_KERNELS_SIMPLE_ABI_H

#include "srt_abi.h"

enum { K_OPT_Div = 29, K_OPT_Cast = 37, K_OPT_ArgMax = 40, K_OPT_ArgMin = 57 };

/* TfLiteCastParams {TfLiteType in, out;} and TfLiteArgMaxParams / TfLiteArgMinParams
 * {TfLiteType output_type;}: enums, so 1 byte each with Arm short enums, 4 elsewhere. */
#if defined(SRT_ABI_ARM_M4)
#define SRT_PARAMS_SIZE_DIV 1
#define SRT_PARAMS_ALIGN_DIV 1
#define SRT_PARAMS_SIZE_CAST 2
#define SRT_PARAMS_ALIGN_CAST 1
#define SRT_PARAMS_SIZE_ARG_MAX 1
#define SRT_PARAMS_ALIGN_ARG_MAX 1
#else
#define SRT_PARAMS_SIZE_DIV 4
#define SRT_PARAMS_ALIGN_DIV 4
#define SRT_PARAMS_SIZE_CAST 8
#define SRT_PARAMS_ALIGN_CAST 4
#define SRT_PARAMS_SIZE_ARG_MAX 4
#define SRT_PARAMS_ALIGN_ARG_MAX 4
#endif
#define SRT_OPDATA_SIZE_DIV 28
#define SRT_OPDATA_SIZE_COMPARISON 32
#define SRT_OPDATA_SIZE_SELECT_V2 1
#define SRT_OPDATA_SIZE_SQUARED_DIFFERENCE 112
#define SRT_OPDATA_SIZE_PRELU 28 /* PreluParams: 7 x int32 */

#endif /* SRT_KERNELS_SIMPLE_ABI_H */
