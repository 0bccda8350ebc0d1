/*
 * schema.h - the TFLite schema tables simprof-rt reads, validated once at load.
 *
 * srt_model_load() checks the whole model (file identifier, schema version 3, every vector,
 * index and shape inside bounds) so that later code can read it without re-checking.
 * Field numbers follow tensorflow/lite/schema/schema.fbs.
 */
#ifndef SRT_SCHEMA_H
#define SRT_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "fb.h"
#include "srt_kernel.h"

#define SRT_MAX_SUBGRAPHS 16
#define SRT_SCHEMA_VERSION 3

/* BuiltinOperator values the runtime itself needs. */
enum {
    SRT_OP_CUSTOM = 32,
    SRT_OP_PLACEHOLDER_FOR_GREATER_OP_CODES = 127,
    SRT_OP_WHILE = 119,
    SRT_OP_IF = 118,
    SRT_OP_CALL_ONCE = 129,
    SRT_OP_VAR_HANDLE = 142,
    SRT_OP_READ_VARIABLE = 143,
    SRT_OP_ASSIGN_VARIABLE = 144,
};

/* Table fields. */
enum { F_MODEL_VERSION = 0, F_MODEL_OPCODES = 1, F_MODEL_SUBGRAPHS = 2, F_MODEL_BUFFERS = 4,
       F_MODEL_METADATA = 6 };
enum { F_OPCODE_DEPRECATED = 0, F_OPCODE_BUILTIN = 3 };
enum { F_SG_TENSORS = 0, F_SG_INPUTS = 1, F_SG_OUTPUTS = 2, F_SG_OPERATORS = 3 };
enum { F_T_SHAPE = 0, F_T_TYPE = 1, F_T_BUFFER = 2, F_T_QUANT = 4, F_T_VARIABLE = 5 };
enum { F_Q_SCALE = 2, F_Q_ZERO_POINT = 3, F_Q_DIM = 6 };
enum { F_OP_OPCODE = 0, F_OP_INPUTS = 1, F_OP_OUTPUTS = 2, F_OP_OPTIONS_TYPE = 3,
       F_OP_OPTIONS = 4, F_OP_CUSTOM = 5, F_OP_INTERMEDIATES = 8 };
enum { F_BUF_DATA = 0 };
enum { F_META_NAME = 0, F_META_BUFFER = 1 };

typedef struct {
    srt_fb_table table;
    fb_vec tensors, inputs, outputs, operators;
    uint32_t first_tensor;    /* global index of tensor 0 (subgraphs are numbered in order) */
} srt_subgraph;

typedef struct {
    const uint8_t *buf;
    uint32_t size;
    srt_fb_table root;
    fb_vec opcodes, subgraphs, buffers, metadata;
    uint32_t n_subgraphs;
    uint32_t n_tensors_total;
    srt_subgraph sg[SRT_MAX_SUBGRAPHS];
    const int32_t *offline_offsets;   /* OfflineMemoryAllocation metadata, or NULL */
} srt_model;

/* Everything the runtime needs to know about one tensor. */
typedef struct {
    uint8_t type;
    bool is_variable;
    bool is_constant;          /* buffer with data */
    const srt_ivec *dims;
    const uint8_t *data;       /* flatbuffer data, or NULL */
    uint32_t data_len;
    uint32_t bytes;            /* element count x element size (what TFLM computes) */
    int32_t nscales, nzero_points, quantized_dimension;
    const uint8_t *scales_raw, *zero_points_raw;
} srt_tensor_info;

/* Validate the model; on failure writes a message into msg (msg_len bytes). */
srt_status srt_model_load(srt_model *m, const uint8_t *buf, uint32_t size, char *msg,
                          uint32_t msg_len);

/* Accessors on a validated model (never fail for valid indices). */
void srt_model_tensor(const srt_model *m, uint32_t sg, uint32_t index, srt_tensor_info *out);
bool srt_model_operator(const srt_model *m, uint32_t sg, uint32_t op, srt_fb_table *out);
/* Builtin code of an operator (max of the deprecated and the new field, as TFLM). */
int32_t srt_model_op_code(const srt_model *m, const srt_fb_table *op);
const srt_ivec *srt_model_ivec(const srt_model *m, const srt_fb_table *t, int field);
/* The empty int vector (absent shapes and absent index lists). */
extern const srt_ivec srt_empty_ivec;

#endif /* SRT_SCHEMA_H */
