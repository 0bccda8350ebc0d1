/*
 * interpreter.h - simprof-rt's interpreter: setup in TFLM's order (tflm-arena-facts.md §3/§4),
 * then invoke. One srt_ctx stands in for TFLM's MicroInterpreter + MicroAllocator objects; it
 * lives outside the arena, like those. Everything TFLM puts in the arena is reserved in the
 * arena with TFLM's sizes for this build's ABI (srt_abi.h).
 *
 *   srt_setup()        model checks + AllocateTensors (allocator objects, eval tensors, nodes,
 *                      options, Init, Prepare with temporaries and scratch requests, variables,
 *                      planning, I/O tensors)
 *   srt_set_input()    copies input bytes into the input tensors (in order)
 *   srt_invoke()       runs subgraph 0; simprof_op_begin(i)/simprof_op_end(i) around operator i
 *   srt_fill_report()  figures for the host
 *
 * Configuration `recording`: model the tail objects of the tflite-micro Python wrapper
 * (RecordingSingleArenaBufferAllocator + RecordingMicroAllocator; host parity with
 * print_allocations()) instead of the plain MicroInterpreter's (what a firmware uses).
 */
#ifndef SRT_INTERPRETER_H
#define SRT_INTERPRETER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "report.h"
#include "schema.h"
#include "srt_abi.h"
#include "srt_kernel.h"

#define SRT_TEMP_POOL 32          /* distinct tensors one kernel may look at during Prepare */
#define SRT_MAX_SCRATCH_PER_OP 12 /* kMaxScratchBuffersPerOp */
#define SRT_MAX_CALL_DEPTH 8      /* nested subgraph invocations */

typedef struct {
    bool recording;
} srt_config;

/* A resource variable record (MicroResourceVariables' ResourceVariableRecord). */
typedef struct {
    void *buffer;
    uint32_t container_hash;
    uint32_t name_hash;
    uint32_t bytes;
} srt_resvar;

/* The scratch request we keep in the head (TFLM's ScratchBufferRequest). */
typedef struct {
    uint32_t bytes;
    int32_t node;
    int32_t subgraph;
} srt_scratch_req;

struct srt_ctx {
    srt_config cfg;
    srt_model model;
    srt_arena arena;
    srt_status status;
    uint32_t phase;
    char msg[SRT_REPORT_MSG_LEN];

    srt_eval_tensor *tensors[SRT_MAX_SUBGRAPHS];
    srt_node *nodes[SRT_MAX_SUBGRAPHS];
    int32_t cur_sg, cur_op;
    uint32_t depth;

    uint32_t n_scratch;              /* requests so far */
    uint32_t node_scratch;           /* requests of the node being prepared */
    void **scratch_data;             /* ScratchBufferHandle array (tail) */

    srt_tensor pool[SRT_TEMP_POOL];  /* what the temporaries stand for (outside the arena) */
    uint32_t pool_n;

    srt_resvar *resvars;             /* MicroResourceVariables records (tail), or NULL */
    uint32_t n_resvars, max_resvars;

    uint32_t n_planned;
    size_t head_final, tail_final;
};

/* Run TFLM's setup. `arena`/`arena_size` are the user's buffer, as given to TFLM. */
srt_status srt_setup(srt_ctx *ctx, const srt_config *cfg, const uint8_t *model, uint32_t size,
                     uint8_t *arena, size_t arena_size);
/* len must equal the summed byte size of subgraph 0's inputs (len 0: leave them zeroed). */
srt_status srt_set_input(srt_ctx *ctx, const uint8_t *data, uint32_t len);
srt_status srt_invoke(srt_ctx *ctx);
void srt_fill_report(const srt_ctx *ctx, simprof_report_t *r);

/* Operator markers (firmware/board/simprof_markers.c on Arm; the host build defines them). */
void simprof_op_begin(uint32_t index);
void simprof_op_end(uint32_t index);

/* ---- internal, shared by the runtime's files ---- */
srt_status srt_commit_memory_plan(srt_ctx *ctx);   /* memplan.c */
srt_status srt_run_subgraph(srt_ctx *ctx, int32_t sg, bool markers);  /* context.c */
void srt_begin_node_prepare(srt_ctx *ctx);         /* context.c */
srt_status srt_arena_error(srt_ctx *ctx, const char *what);
int32_t srt_subgraph_tensor_count(const srt_ctx *ctx, int32_t sg);

#endif /* SRT_INTERPRETER_H */
