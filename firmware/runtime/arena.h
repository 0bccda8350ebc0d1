/*
 * arena.h - the single-arena allocator of simprof-rt, TFLM's SingleArenaBufferAllocator
 * (tflm-arena-facts.md §1): a resizable head at the aligned start, temporary allocations bumped
 * above it, persistent allocations growing down from the end.
 *
 * Positions are byte offsets from the aligned start (`base`). Every reserved byte is written
 * (zeroed), so that painting the arena in an emulator sees exactly what was reserved.
 * Besides TFLM's own checks the allocator records the arena a run needs at every event
 * (`need`: what an arena ending on a 16-byte boundary must hold at that moment) so a failed
 * setup can say by how many bytes the arena is short, like TFLM's "missing:" messages.
 */
#ifndef SRT_ARENA_H
#define SRT_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRT_BUFFER_ALIGN 16u

typedef struct {
    uint8_t *base;         /* user pointer rounded up to 16 */
    size_t size;           /* bytes from base to the (unaligned) end */
    size_t start_pad;      /* bytes lost at the start */
    size_t head;           /* end of the head buffer (offset) */
    size_t temp;           /* bump pointer of temporary allocations */
    size_t tail;           /* lowest persistent byte */
    uint32_t temp_count;   /* live temporary allocations */
    size_t temp_live;      /* temporary bytes below this are still read (<= temp), see arena.c */
    size_t win_lo, win_hi; /* ...and so is [win_lo, win_hi) above temp_live (empty: lo == hi) */
    size_t temp_hwm;       /* max(head, temp) ever */
    size_t need;           /* max arena needed over all events so far */
    size_t missing;        /* on failure: bytes the arena is short by */
    char fail_kind;        /* 0, 't' tail, 'T' temp, 'h' head resize */
    size_t fail_requested, fail_available;
} srt_arena;

/* false when the region cannot even hold its aligned start. */
bool srt_arena_init(srt_arena *a, uint8_t *mem, size_t size);

size_t srt_arena_tail_used(const srt_arena *a);          /* persistent bytes */

/* TFLM AllocatePersistentBuffer(size, align): NULL when the new tail would cross the head, or
 * the temp pointer while temporary allocations are live (see arena.c). */
void *srt_arena_persistent(srt_arena *a, size_t size, size_t align);
/* TFLM AllocateTemp(size, align): NULL when it would cross the tail. */
void *srt_arena_temp(srt_arena *a, size_t size, size_t align);
void srt_arena_temp_free(srt_arena *a);
/* Temporary bytes from `start` up are never read again, except [win_lo, win_hi): a persistent
 * buffer may overwrite them without harm, as happens in TFLM. */
void srt_arena_temp_unread(srt_arena *a, size_t start, size_t win_lo, size_t win_hi);
/* TFLM ResetTempAllocations: temp returns to head; false if temp buffers are still live. */
bool srt_arena_reset_temp(srt_arena *a);
/* TFLM ResizeBuffer of the head (only legal with no live temp): false when it does not fit. */
bool srt_arena_resize_head(srt_arena *a, size_t size);
/* The greedy planner's working area: all memory between ceil16(temp) and floor16(tail),
 * as TFLM's GetAvailableMemory(16). */
size_t srt_arena_available16(const srt_arena *a);
/* Record a need that no single allocation shows (the planner area of `bytes` at ceil16(temp)). */
void srt_arena_note_planner(srt_arena *a, size_t bytes);

static inline uint8_t *srt_arena_ptr(const srt_arena *a, size_t off) { return a->base + off; }

#endif /* SRT_ARENA_H */
