/*
 * kernels_extra_abi.h - TFLM struct sizes for ops that are not in tflm-sizes.json / srt_abi.h.
 *
 * Provisional values from the TFLite C structs (TfLiteUnpackParams {int num; int axis;},
 * TfLiteSplitParams {int num_splits;}, TfLiteSplitVParams {int num_splits;}: plain ints, the same on
 * every ABI; EXPAND_DIMS, MAXIMUM, MINIMUM and RSQRT have no options struct). The OpData of RSQRT
 * (int8 path) is still to be measured against the wheel (tests/unit/test_rt_kernels_abi.py).
 */
#ifndef SRT_KERNELS_EXTRA_ABI_H
#define SRT_KERNELS_EXTRA_ABI_H

#ifndef SRT_PARAMS_SIZE_UNPACK
#define SRT_PARAMS_SIZE_UNPACK 8
#define SRT_PARAMS_ALIGN_UNPACK 4
#define SRT_OPDATA_SIZE_UNPACK 0
#endif
#ifndef SRT_PARAMS_SIZE_SPLIT
#define SRT_PARAMS_SIZE_SPLIT 4
#define SRT_PARAMS_ALIGN_SPLIT 4
#define SRT_OPDATA_SIZE_SPLIT 0
#endif
#ifndef SRT_PARAMS_SIZE_SPLIT_V
#define SRT_PARAMS_SIZE_SPLIT_V 4
#define SRT_PARAMS_ALIGN_SPLIT_V 4
#define SRT_OPDATA_SIZE_SPLIT_V 0
#endif
#ifndef SRT_PARAMS_SIZE_EXPAND_DIMS
#define SRT_PARAMS_SIZE_EXPAND_DIMS 0
#define SRT_PARAMS_ALIGN_EXPAND_DIMS 0
#define SRT_OPDATA_SIZE_EXPAND_DIMS 0
#endif
#ifndef SRT_PARAMS_SIZE_MAXIMUM
#define SRT_PARAMS_SIZE_MAXIMUM 0
#define SRT_PARAMS_ALIGN_MAXIMUM 0
#define SRT_OPDATA_SIZE_MAXIMUM 0
#endif
#ifndef SRT_PARAMS_SIZE_MINIMUM
#define SRT_PARAMS_SIZE_MINIMUM 0
#define SRT_PARAMS_ALIGN_MINIMUM 0
#define SRT_OPDATA_SIZE_MINIMUM 0
#endif
#ifndef SRT_PARAMS_SIZE_RSQRT
#define SRT_PARAMS_SIZE_RSQRT 0
#define SRT_PARAMS_ALIGN_RSQRT 0
#define SRT_OPDATA_SIZE_RSQRT 0 /* provisional, re-measured by test_rt_kernels_abi.py */
#endif

#endif /* SRT_KERNELS_EXTRA_ABI_H */
