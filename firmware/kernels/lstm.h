/*
 * lstm.h - the reference UNIDIRECTIONAL_SEQUENCE_LSTM's OpData and its Prepare with a buffer
 * count, shared with the CMSIS-NN kernel set (kernels_cmsis_nn/lstm.c), which keeps the
 * reference arithmetic and TFLM's cmsis_nn allocations (three buffers for integer types).
 */
#ifndef SRT_KERNELS_LSTM_H
#define SRT_KERNELS_LSTM_H

#include "kernel_util.h"
#include "lstm_abi.h"

typedef struct { int32_t in_off, w_off, mult, shift; } k_lstm_fc;           /* one integer FC */
typedef struct { int32_t mult, shift, out_off, lo, hi; } k_lstm_mul;         /* one integer Mul */

/* Our OpDataLSTM: sizes, cell-state facts, per-gate FC parameters, the three multiplications and
 * the scratch indices (buf[3] = -1: three buffers; TFLM's is 688 B; ours fits in it). */
typedef struct {
    int32_t time_major, batch, steps, nin, nstate;
    float cell_clip;
    int32_t q_cell_clip, cell_power, cell_act;
    k_lstm_fc fc_in[4], fc_rec[4];
    k_lstm_mul mul_forget, mul_input, mul_output;
    int32_t buf[4];
} k_lstm_data;

/* The reference Prepare (temporaries, checks, OpData) requesting nbuf (3 or 4) scratch buffers of
 * batch x state cells; the op's eval runs with three when buf[3] is -1 (integer types only). */
srt_status srt_lstm_prepare_bufs(srt_ctx *ctx, srt_node *node, int nbuf);

extern const srt_op srt_op_unidirectional_sequence_lstm;

#endif /* SRT_KERNELS_LSTM_H */
