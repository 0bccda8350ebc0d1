/* lstm.c - UNIDIRECTIONAL_SEQUENCE_LSTM of the CMSIS-NN kernel set (TFLM @90b983c
 * kernels/cmsis_nn/unidirectional_sequence_lstm.cc, CMSIS-NN 4ab83cc arm_lstm_unidirectional_*).
 *
 * What TFLM's cmsis_nn kernel allocates, in its order:
 *   - Init: OpData {OpDataLSTM; cmsis_nn_lstm_params} (912 B on Arm, see below);
 *   - Prepare: the reference kernel's temporaries (LstmTensors: every present input, then the
 *     output), live to the end of Prepare; then, for int8 and int16 activations with an int16
 *     cell state (CMSIS_NN_PortOpData), eight persistent kernel sums of state_dim entries of the
 *     bias type (int32 for int8, int64 for int16): input-data sums of the input, forget, cell and
 *     output gates (bias + input offset x weight row sum), then the hidden sums of the four
 *     recurrent weights (minus the hidden state's zero point x row sum, no bias), each its own 16-aligned
 *     persistent buffer; then THREE scratch requests of batch x state int16 cells (the reference
 *     kernel: four); float32 keeps the reference's four buffers and no sums.
 * The core class does not change any of these sizes (arm_vector_sum_s8 is the same on MVE).
 * Outputs: the reference arithmetic (firmware/kernels/lstm.c) on the three buffers; CMSIS-NN's
 * LSTM is bit-exact with it on a first invoke from the reset state (TFLM resets variables to
 * their zero point, and CMSIS-NN starts from a zero cell and no recurrent term). */
#include "cmsis_nn.h"
#include "lstm.h"

/* cmsis_nn_lstm_params: 15 int32 and 4 cmsis_nn_lstm_gate {2 x int32, 2 pointers, 2 x int32,
 * 3 pointers, a 1-byte (short) enum}: ILP32 15*4 + 4*40 = 220 (align 4); LP64 60 + 4 pad +
 * 4*64 = 320 (align 8). The OpData follows OpDataLSTM (688, align 8), rounded to 8. */
#define CN_LSTM_PARAMS_SIZE (SRT_PTR_SIZE == 8 ? 320 : 220)
#define CN_ROUND8(n) (((n) + 7) & ~7)
#define SRT_CMSIS_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM \
    CN_ROUND8(SRT_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM + CN_LSTM_PARAMS_SIZE)

enum { L_W_IN = 1, L_W_REC = 5, L_BIAS = 12, L_CELL = 19 };

typedef struct {
    k_lstm_data ref;       /* the reference kernel's OpData, first */
    void *sums[8];         /* the kernel sums (int8/int16), or NULL */
} cn_lstm_data;
K_STATIC_FITS(cn_lstm_data, SRT_CMSIS_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM);

static srt_status lstm_parse(srt_ctx *ctx, const srt_fb_table *o, void *params) {
    return srt_op_unidirectional_sequence_lstm.parse(ctx, o, params);
}

/* arm_vector_sum_s8 (int32) / arm_vector_sum_s8_s64 (int64): bias + offset x row sum per row */
static void kernel_sums(void *dst, bool wide, int32_t rows, int32_t cols, const int8_t *w, int32_t offset,
                        const void *bias) {
    for (int32_t r = 0; r < rows; ++r) {
        int64_t s = 0;
        for (int32_t k = 0; k < cols; ++k) s += w[(size_t)r * cols + k];
        const int64_t prod = (int64_t)((uint64_t)s * (uint64_t)(int64_t)offset);
        if (wide) {
            const int64_t b = bias ? k_ld_i64(bias, r) : 0;
            ((int64_t *)dst)[r] = (int64_t)((uint64_t)b + (uint64_t)prod);
        } else {
            const int32_t b = bias ? k_ld_i32(bias, r) : 0;
            ((int32_t *)dst)[r] = srt_wadd(b, (int32_t)(uint32_t)(uint64_t)prod);
        }
    }
}

static srt_status lstm_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "UNIDIRECTIONAL_SEQUENCE_LSTM";
    cn_lstm_data *d = node->user_data;
    for (int i = 0; i < 8; ++i) d->sums[i] = NULL;
    /* the eval tensors give types and shapes without the temporaries a second
     * srt_prepare_input would add; the reference Prepare below checks them all */
    const srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *cell = srt_eval_input(ctx, node, L_CELL);
    const bool quant = in && cell && (in->type == SRT_INT8 || in->type == SRT_INT16) && cell->type == SRT_INT16;
    /* the reference Prepare requests its scratch buffers last; TFLM's cmsis_nn Prepare allocates
     * the sums before its requests, which take no arena bytes until the plan */
    srt_status st = srt_lstm_prepare_bufs(ctx, node, quant ? 3 : 4);
    if (st != SRT_OK) return st;
    /* TFLM's cmsis_nn Prepare requires constant weights and biases, for every type */
    for (int i = 1; i <= 15; ++i) {
        if (i >= 9 && i <= 11) continue;
        const srt_eval_tensor *t = srt_eval_input(ctx, node, i);
        if (!t || !t->data)
            return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: weights and biases must be constant (CMSIS-NN)", op);
    }
    if (!quant) return SRT_OK;
    const bool wide = in->type == SRT_INT16;
    const int32_t ns = d->ref.nstate, nin = d->ref.nin;
    const size_t bytes = (size_t)ns * (wide ? 8u : 4u);
    /* while the reference Prepare's temporaries are live, as in TFLM */
    for (int i = 0; i < 8; ++i) {
        d->sums[i] = srt_alloc_persistent(ctx, bytes);
        if (!d->sums[i]) return srt_ctx_status(ctx) != SRT_OK ? srt_ctx_status(ctx) : SRT_ERR_ARENA;
    }
    for (int g = 0; g < 4; ++g) {  /* input, forget, cell, output: the weights' and TFLM's order */
        const srt_eval_tensor *wi = srt_eval_input(ctx, node, L_W_IN + g), *wr = srt_eval_input(ctx, node, L_W_REC + g);
        const srt_eval_tensor *b = srt_eval_input(ctx, node, L_BIAS + g);
        kernel_sums(d->sums[g], wide, ns, nin, wi->data, d->ref.fc_in[g].in_off, b->data);
        kernel_sums(d->sums[4 + g], wide, ns, ns, wr->data, d->ref.fc_rec[g].in_off, NULL);
    }
    return SRT_OK;
}

static srt_status lstm_eval(srt_ctx *ctx, srt_node *node) {
    return srt_op_unidirectional_sequence_lstm.eval(ctx, node);
}

const srt_op srt_cmsis_op_unidirectional_sequence_lstm = {
    .builtin_code = 44, .name = "UNIDIRECTIONAL_SEQUENCE_LSTM", .options_type = 71,
    .params_size = SRT_PARAMS_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM,
    .params_align = SRT_PARAMS_ALIGN_UNIDIRECTIONAL_SEQUENCE_LSTM,
    .parse = lstm_parse, .opdata_size = SRT_CMSIS_OPDATA_SIZE_UNIDIRECTIONAL_SEQUENCE_LSTM,
    .prepare = lstm_prepare, .eval = lstm_eval,
};
