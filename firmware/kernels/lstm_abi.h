/*
 * lstm_abi.h - TFLM struct sizes of UNIDIRECTIONAL_SEQUENCE_LSTM (not in tflm-sizes.json).
 *
 * Derived from the declarations of TFLM @90b983c2b3 (builtin_op_data.h, lstm_shared.h,
 * kernels/internal/types.h); the same on every ABI simprof-rt builds for:
 *   TfLiteUnidirectionalSequenceLSTMParams {enum activation; float cell_clip, proj_clip;
 *     bool time_major, asymmetric_quantize_inputs, diagonal_recurrent_tensors}: 16, align 4
 *     (a 1-byte enum with short enums still pads to the float);
 *   OpDataLSTM {LstmSizeInfo 20; CellStateInfo 12; enum (1 or 4); 4 x GateParameters
 *     (2 x FullyConnectedParams of 40 B); InterGateParameters (3 x ArithmeticParams of 104 B,
 *     8-aligned for its int64 fields); int buffer_indices[4]}: 688, align 8.
 * The lp64 values are checked against the tflite-micro wheel's print_allocations() by
 * tests/unit/test_rt_lstm.py; both agree with estimator/data/abi_sizes.json.
 */
#ifndef SRT_KERNELS_LSTM_ABI_H
#define SRT_KERNELS_LSTM_ABI_H

#include "srt_abi.h"

#define SRT_PARAMS_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM 16
#define SRT_PARAMS_ALIGN_UNIDIRECTIONAL_SEQUENCE_LSTM 4
#define SRT_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM 688

#endif /* SRT_KERNELS_LSTM_ABI_H */
