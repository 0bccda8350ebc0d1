/*
 * kernels_extra_abi.h - TFLM struct sizes for ops that are not in tflm-sizes.json / srt_abi.h.
 *
 * Values: TfLiteUnpackParams {int num; int axis;}, TfLiteSplitParams {int num_splits;} and
 * TfLiteSplitVParams {int num_splits;} are plain ints, the same on every ABI; EXPAND_DIMS, MAXIMUM,
 * MINIMUM and RSQRT have no options struct; of these ops only RSQRT has an Init (OpDataAbsRsqrt,
 * allocated for float models too). They agree with what the estimator engineer probed on the
 * x86-64 wheel by print_allocations() and arena starvation (estimator/data/abi_sizes.json,
 * op_costs.json: lp64 28 B OpData, arm-eabi 20 B derived from the layout, not measured), and the
 * temp-tensor sequences there are checked against our kernels by tests/unit/test_rt_kernels.py.
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
/* OpDataAbsRsqrt {int32 multiplier; int shift, input_offset, output_offset; bool needs_rescale;
 * TfLiteQuantizationType; TfLiteType}: 28 B where enums are ints, 20 B with Arm short enums */
#if defined(SRT_ABI_ARM_M4)
#define SRT_OPDATA_SIZE_RSQRT 20
#else
#define SRT_OPDATA_SIZE_RSQRT 28
#endif
#endif

#endif /* SRT_KERNELS_EXTRA_ABI_H */
