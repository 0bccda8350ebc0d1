/*
 * report.h - what simprof-rt reports to the host, readable from RAM (Renode ignores
 * semihosting) as the `simprof_report` symbol of the Arm firmware, and written as JSON by the
 * host build.
 *
 * Layout: only uint32 fields and a char array, so it is identical on every ABI; the host reads
 * it by parsing this struct (simprof/rt/protocol.py reads this file; SRT_REPORT_VERSION changes with the layout).
 */
#ifndef SRT_REPORT_H
#define SRT_REPORT_H

#include <stdint.h>

#define SRT_REPORT_MAGIC 0x50545253u  /* "SRTP" */
#define SRT_REPORT_VERSION 1u
#define SRT_REPORT_MAX_OUTPUTS 8
#define SRT_REPORT_MSG_LEN 192

/* Phases (where an error happened, or how far a run got). */
enum {
    SRT_PHASE_START = 0, SRT_PHASE_LOAD = 1, SRT_PHASE_ALLOC = 2, SRT_PHASE_INIT = 3,
    SRT_PHASE_PREPARE = 4, SRT_PHASE_PLAN = 5, SRT_PHASE_INPUT = 6, SRT_PHASE_INVOKE = 7,
    SRT_PHASE_DONE = 8,
};

typedef struct {
    uint32_t magic;          /*  0 SRT_REPORT_MAGIC once the runtime started */
    uint32_t version;        /*  4 */
    uint32_t status;         /*  8 srt_status; 0xFFFFFFFF while running */
    uint32_t phase;          /* 12 SRT_PHASE_* reached (or failed in) */
    uint32_t arena_size;     /* 16 bytes handed to the runtime (before start alignment) */
    uint32_t arena_start_pad;/* 20 bytes lost to aligning the start to 16 */
    uint32_t head;           /* 24 final head: the planned non-persistent size */
    uint32_t tail;           /* 28 final tail: persistent bytes */
    uint32_t temp_hwm;       /* 32 high-water mark of head/temp during setup (offset from start) */
    uint32_t need;           /* 36 arena needed (aligned start and end) per own accounting, ceil16 */
    uint32_t missing;        /* 40 on SRT_ERR_ARENA: bytes the arena is short by */
    uint32_t n_subgraphs;    /* 44 */
    uint32_t n_tensors;      /* 48 all subgraphs */
    uint32_t n_ops;          /* 52 operators of subgraph 0 */
    uint32_t n_scratch;      /* 56 scratch requests */
    uint32_t n_planned;      /* 60 buffers given to the planner */
    uint32_t op_index;       /* 64 operator being prepared/invoked at an error (else 0xFFFFFFFF) */
    uint32_t recording;      /* 68 1 = tail modelled with the Python wrapper's recording allocators */
    uint32_t arena_addr;     /* 72 low 32 bits of the aligned arena start */
    uint32_t n_outputs;      /* 76 */
    uint32_t out_addr[SRT_REPORT_MAX_OUTPUTS];  /*  80 low 32 bits of each output's data */
    uint32_t out_len[SRT_REPORT_MAX_OUTPUTS];   /* 112 bytes */
    char message[SRT_REPORT_MSG_LEN];           /* 144 NUL-terminated */
} simprof_report_t;                              /* 336 bytes */

_Static_assert(sizeof(simprof_report_t) == 336, "report layout is fixed");

#endif /* SRT_REPORT_H */
