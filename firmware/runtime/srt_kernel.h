/*
 * srt_kernel.h - the contract between simprof-rt's interpreter (firmware/runtime) and its
 * operator kernels (firmware/kernels).
 *
 * simprof-rt exists to use its tensor arena exactly as TFLite Micro does on the same core, so
 * that the arena measured under QEMU is what TFLM would need (see docs/simprof-rt.md).
 * Every arena allocation a kernel makes therefore mirrors one that TFLM's reference kernel makes,
 * in the same order and with the same size and alignment:
 *   - Init:      the runtime allocates `opdata_size` bytes (16-aligned, tail) when non-zero.
 *   - Parse:     the runtime allocates `params_size`/`params_align` (tail) when non-zero.
 *   - Prepare:   srt_prepare_input/output() reproduce TFLM's temporary TfLiteTensor allocations
 *                (call them in the reference kernel's order, facts §4); srt_alloc_persistent()
 *                reproduces AllocatePersistentBuffer (per-channel arrays, LUTs, dims copies);
 *                srt_request_scratch() reproduces RequestScratchBufferInArena.
 *   - Eval:      no arena allocation except srt_get_scratch() of a planned scratch buffer.
 * Our own structs must fit in the TFLM sizes they stand in for (static_assert them).
 *
 * Portable C11: the same sources build for Cortex-M (ILP32, short enums) and for the x86-64 host
 * (LP64; sanitizers, fuzzing, parity with the tflite-micro wheel).
 */
#ifndef SRT_KERNEL_H
#define SRT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SRT_OK = 0,
    SRT_ERR_MODEL = 1,       /* corrupt, truncated or inconsistent model */
    SRT_ERR_UNSUPPORTED = 2, /* operator, tensor type or option not supported */
    SRT_ERR_ARENA = 3,       /* arena too small (the runtime records by how many bytes) */
    SRT_ERR_INPUT = 4,       /* input data does not match the model */
    SRT_ERR_INTERNAL = 5,
} srt_status;

/* TFLite schema TensorType values. */
enum {
    SRT_FLOAT32 = 0, SRT_FLOAT16 = 1, SRT_INT32 = 2, SRT_UINT8 = 3, SRT_INT64 = 4,
    SRT_STRING = 5, SRT_BOOL = 6, SRT_INT16 = 7, SRT_COMPLEX64 = 8, SRT_INT8 = 9,
    SRT_FLOAT64 = 10, SRT_COMPLEX128 = 11, SRT_UINT64 = 12, SRT_RESOURCE = 13,
    SRT_VARIANT = 14, SRT_UINT32 = 15, SRT_UINT16 = 16, SRT_INT4 = 17,
};

/* Same layout as a flatbuffer int32 vector (length, then elements): dims, node inputs and
 * outputs point straight into the model, as in TFLM. The reader guarantees 4-byte alignment
 * and that `size` elements lie inside the model before handing one out. */
typedef struct {
    int32_t size;
    int32_t data[];
} srt_ivec;

/* Stands in for TfLiteEvalTensor: 12 B on Cortex-M, 24 B on x86-64, like TFLM's. */
typedef struct {
    void *data;            /* arena (planned), tail (variable) or flatbuffer (constant) */
    const srt_ivec *dims;
    uint8_t type;          /* SRT_FLOAT32, ... */
} srt_eval_tensor;

struct srt_op;

/* Stands in for TFLM's NodeAndRegistration: 8 pointer-sized fields = 32 B / 64 B. */
typedef struct srt_node {
    const srt_ivec *inputs;       /* tensor indices; -1 = optional input absent */
    const srt_ivec *outputs;
    const srt_ivec *intermediates;
    void *user_data;              /* OpData allocated for Init (opdata_size bytes, zeroed) */
    void *builtin_data;           /* parsed builtin options (params_size bytes) */
    const void *custom_data;
    intptr_t custom_size;
    const struct srt_op *op;
} srt_node;

/* Prepare-time view of a tensor (what a temporary TfLiteTensor gives a TFLM kernel).
 * Lives in runtime-owned storage that is valid until the end of the current node's Prepare. */
typedef struct {
    int32_t index;
    uint8_t type;
    bool is_constant;        /* has flatbuffer data */
    bool is_variable;
    const srt_ivec *dims;
    const void *data;        /* constants: flatbuffer bytes; otherwise NULL during Prepare */
    size_t bytes;            /* element count x element size */
    int32_t nscales;         /* 0 = not quantized */
    int32_t nzero_points;
    int32_t quantized_dimension;
    const uint8_t *scales_raw;      /* nscales little-endian float32, possibly unaligned */
    const uint8_t *zero_points_raw; /* nzero_points little-endian int64, possibly unaligned */
} srt_tensor;

/* Read quantization parameters safely (no unaligned loads; 0 when i is out of range). */
float srt_q_scale(const srt_tensor *t, int32_t i);
int32_t srt_q_zero_point(const srt_tensor *t, int32_t i);

/* Element count of dims (1 for rank 0), and element size of a type (0 if unknown). */
int32_t srt_num_elements(const srt_ivec *dims);
size_t srt_type_size(uint8_t type);
const char *srt_type_name(uint8_t type);

/* A flatbuffer table inside the model, for builtin-options parsing. Field numbers are the
 * schema's field order (0-based), i.e. vtable slot 4 + 2*field. Absent fields give the default. */
typedef struct {
    const uint8_t *buf;
    uint32_t size;
    uint32_t table;   /* offset of the table in buf */
} srt_fb_table;

int32_t srt_fb_i32(const srt_fb_table *t, int field, int32_t dflt);
int16_t srt_fb_i16(const srt_fb_table *t, int field, int16_t dflt);
int8_t srt_fb_i8(const srt_fb_table *t, int field, int8_t dflt);
uint8_t srt_fb_u8(const srt_fb_table *t, int field, uint8_t dflt);
bool srt_fb_bool(const srt_fb_table *t, int field, bool dflt);
float srt_fb_f32(const srt_fb_table *t, int field, float dflt);
/* An int32 vector field (e.g. Reshape new_shape, Squeeze squeeze_dims); *out = NULL if absent.
 * Returns SRT_ERR_MODEL if the vector is out of bounds or misaligned. */
srt_status srt_fb_ivec(const srt_fb_table *t, int field, const srt_ivec **out);

typedef struct srt_ctx srt_ctx;

typedef struct srt_op {
    int32_t builtin_code;    /* BuiltinOperator value */
    const char *name;        /* "CONV_2D" */
    uint8_t options_type;    /* BuiltinOptions union type the op expects; 0 = none */
    /* TFLM's builtin-options struct for this op on this build's ABI (see srt_abi.h): the
     * runtime allocates it in the tail, zeroed, even when the model has no options table.
     * 0 = TFLM's parser allocates nothing for this op. */
    uint16_t params_size;
    uint16_t params_align;
    /* Fills params from the options table (NULL when absent). May be NULL. */
    srt_status (*parse)(srt_ctx *ctx, const srt_fb_table *options, void *params);
    /* OpData bytes TFLM's Init allocates with 16-byte alignment; 0 = no Init. */
    uint16_t opdata_size;
    srt_status (*prepare)(srt_ctx *ctx, srt_node *node);   /* may be NULL */
    srt_status (*eval)(srt_ctx *ctx, srt_node *node);
} srt_op;

/* ---- Prepare-time services (implemented by the runtime) ---- */

/* One temporary TfLiteTensor allocation (plus TfLiteAffineQuantization and a zero-point array
 * when quantized), exactly as TFLM's AllocateTempInputTensor/AllocateTempOutputTensor.
 * Returns NULL for an absent optional input or on failure (then srt_ctx_status() != SRT_OK). */
const srt_tensor *srt_prepare_input(srt_ctx *ctx, const srt_node *node, int i);
const srt_tensor *srt_prepare_output(srt_ctx *ctx, const srt_node *node, int i);
/* Same for an arbitrary tensor index (e.g. TFLM kernels that fetch a tensor by index). */
const srt_tensor *srt_prepare_tensor(srt_ctx *ctx, int32_t tensor_index);

/* AllocatePersistentBuffer: 16-aligned, in the tail, zeroed. NULL on failure. */
void *srt_alloc_persistent(srt_ctx *ctx, size_t bytes);
/* RequestScratchBufferInArena (Prepare only; at most 12 per node, as TFLM). */
srt_status srt_request_scratch(srt_ctx *ctx, size_t bytes, int32_t *index);

/* ---- Eval-time services ---- */
srt_eval_tensor *srt_eval_input(srt_ctx *ctx, const srt_node *node, int i);   /* NULL if absent */
srt_eval_tensor *srt_eval_output(srt_ctx *ctx, const srt_node *node, int i);
srt_eval_tensor *srt_eval_tensor_at(srt_ctx *ctx, int32_t tensor_index);
void *srt_get_scratch(srt_ctx *ctx, int32_t index);
/* Run another subgraph (CALL_ONCE, IF, WHILE). */
srt_status srt_invoke_subgraph(srt_ctx *ctx, int32_t subgraph_index);

/* ---- Errors ---- */
/* Records a message for the report (first error wins) and returns `code`. The format supports
 * %d, %u, %s and %% only (no libc printf in the measured path). */
srt_status srt_fail(srt_ctx *ctx, srt_status code, const char *fmt, ...);
srt_status srt_ctx_status(const srt_ctx *ctx);

/* ---- Registry (implemented in firmware/kernels/registry.c) ---- */
/* The op for a builtin code, or NULL when simprof-rt has no kernel for it. */
const srt_op *srt_find_op(int32_t builtin_code);
/* Name of a builtin code for messages ("UNKNOWN" when out of range). */
const char *srt_builtin_name(int32_t builtin_code);

#ifdef __cplusplus
}
#endif
#endif /* SRT_KERNEL_H */
