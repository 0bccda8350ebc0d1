/*
 * planner.h - TFLM's GreedyMemoryPlanner (tflm-arena-facts.md §2.3-2.5), reproduced step for
 * step: offline buffers first in add order, online buffers in reverse add order bubble-sorted
 * by descending size (stable, so later-added first among equals), then lowest-gap first fit
 * over the offset-ordered list of buffers that overlap in time.
 *
 * Working memory is 40 bytes per buffer, as TFLM's (16 requirements + 4 sorted size + 4 sorted
 * id + 12 list entry + 4 offset), carved from the arena's temporary section by the caller.
 */
#ifndef SRT_PLANNER_H
#define SRT_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRT_PLANNER_BYTES_PER_BUFFER 40u
#define SRT_ONLINE (-1)

typedef struct {
    int32_t *req;        /* 4 per buffer: size, first, last, offline offset */
    int32_t *sizes;      /* sorted sizes */
    int32_t *ids;        /* sorted ids */
    int32_t *list;       /* 3 per entry: offset, requirements index, next entry (-1 = end) */
    int32_t *offsets;    /* result per buffer */
    int32_t count, max;
    int32_t first_entry, next_free;
} srt_planner;

void srt_planner_init(srt_planner *p, void *mem, size_t bytes);
/* false: "Too many buffers (max is p->max)". */
bool srt_planner_add(srt_planner *p, int32_t size, int32_t first, int32_t last, int32_t offline);
void srt_planner_plan(srt_planner *p);
int32_t srt_planner_offset(const srt_planner *p, int32_t i);
/* max over buffers of offset + size (0 without buffers) */
int32_t srt_planner_max_size(const srt_planner *p);

#endif /* SRT_PLANNER_H */
