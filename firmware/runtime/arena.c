/* arena.c - see arena.h. Failure messages follow TFLM's wording. */
#include "arena.h"

#include <string.h>
#ifdef SRT_DEBUG_ARENA
#include <stdio.h>
#endif

static size_t up(size_t x, size_t a) { return (x + a - 1) / a * a; }
static size_t down(size_t x, size_t a) { return x / a * a; }

/* An arena whose end sits on a 16-byte boundary holds a tail of `used` bytes in
 * ceil16(used) bytes at most; `tail_used` here is measured from our real end. We track the
 * need as if the end were aligned, which is how TFLM's minimum arena is defined (facts §4). */
static void note(srt_arena *a, size_t low_end)
{
    size_t n = low_end + srt_arena_tail_used(a);
    if (n > a->need)
        a->need = n;
    size_t nonp = a->head > a->temp ? a->head : a->temp;
    if (nonp > a->temp_hwm)
        a->temp_hwm = nonp;
}

bool srt_arena_init(srt_arena *a, uint8_t *mem, size_t size)
{
    memset(a, 0, sizeof *a);
    uintptr_t p = (uintptr_t)mem;
    size_t pad = (size_t)((SRT_BUFFER_ALIGN - (p & (SRT_BUFFER_ALIGN - 1))) & (SRT_BUFFER_ALIGN - 1));
    if (mem == NULL || size < pad)
        return false;
    a->base = mem + pad;
    a->start_pad = pad;
    a->size = size - pad;
    a->tail = a->size;
    return true;
}

size_t srt_arena_tail_used(const srt_arena *a) { return a->size - a->tail; }

static void fail(srt_arena *a, char kind, size_t requested, size_t available, size_t need)
{
    if (a->fail_kind == 0) {
        a->fail_kind = kind;
        a->fail_requested = requested;
        a->fail_available = available;
        a->missing = need > a->size ? need - a->size : requested - available;
    }
    if (need > a->need)
        a->need = need;
}

/* May a persistent buffer at nt (size bytes written) land here while temporaries are live? */
static bool spares_live_temps(const srt_arena *a, size_t nt, size_t size)
{
    if (nt < a->temp_live)
        return false;
    return a->win_lo == a->win_hi || nt >= a->win_hi || nt + size <= a->win_lo;
}

void *srt_arena_persistent(srt_arena *a, size_t size, size_t align)
{
    if (align == 0)
        align = 1;
    /* On an aligned end the new tail sits at ceil_align(used + size) from the end. */
    size_t used = srt_arena_tail_used(a);
    size_t u = up(used + size, align);
    /* TFLM checks only against the head; but a persistent buffer that lands on live temporary
     * allocations overwrites them (a kernel taking per-channel arrays while its temporary
     * tensors are still in use), and TFLM then fails a later check unless the bytes it
     * overwrote are never read again. */
    bool live = a->temp_count > 0;
    size_t need = a->head + u;
    if (live) {
        /* smallest arena (a multiple of 16) whose new tail spares the live temporaries: the new
         * tail is then at arena - u; either above the read window, or below it with the
         * written bytes ending before it */
        need = a->temp_live + u;
        if (a->win_lo != a->win_hi) {
            size_t s16 = up(a->temp_live + u, SRT_BUFFER_ALIGN);
            if (a->win_lo < size || s16 - u > a->win_lo - size)
                need = a->win_hi + u;
        }
    }
    size_t nt = size > a->tail ? 0 : down(a->tail - size, align);
    if (size > a->tail || nt < a->head || (live && !spares_live_temps(a, nt, size))) {
        size_t limit = live ? a->temp_live : a->head;
        fail(a, 't', size, a->tail > limit ? a->tail - limit : 0, need);
        return NULL;
    }
    memset(a->base + nt, 0, a->tail - nt);
    a->tail = nt;
    note(a, a->head);
    if (need > a->need)
        a->need = need;
    return a->base + nt;
}

void *srt_arena_temp(srt_arena *a, size_t size, size_t align)
{
    if (align == 0)
        align = 1;
    size_t at = up(a->temp, align);
    if (at > a->tail || a->tail - at < size) {
        size_t avail = a->tail > at ? a->tail - at : 0;
        fail(a, 'T', size, avail, at + size + srt_arena_tail_used(a));
        return NULL;
    }
#ifdef SRT_DEBUG_ARENA
    fprintf(stderr, "temp size %zu align %zu at %zu: tail %zu\n", size, align, at, a->tail);
#endif
    memset(a->base + at, 0, size);
    a->temp = at + size;
    a->temp_live = a->temp;
    a->win_lo = a->win_hi = 0;
    a->temp_count++;
    note(a, a->temp);
    return a->base + at;
}

void srt_arena_temp_unread(srt_arena *a, size_t start, size_t win_lo, size_t win_hi)
{
    if (start < a->temp_live) {
        a->temp_live = start;
        a->win_lo = win_lo;
        a->win_hi = win_hi;
    }
}

void srt_arena_temp_free(srt_arena *a)
{
    if (a->temp_count)
        a->temp_count--;
}

bool srt_arena_reset_temp(srt_arena *a)
{
    if (a->temp_count != 0)
        return false;
    a->temp = a->head;
    a->temp_live = a->head;
    return true;
}

bool srt_arena_resize_head(srt_arena *a, size_t size)
{
    if (a->temp != a->head || a->temp_count != 0)
        return false;
    if (a->tail < size) {
        fail(a, 'h', size, a->tail, size + srt_arena_tail_used(a));
        return false;
    }
    if (size > a->head)
        memset(a->base + a->head, 0, size - a->head);
    a->head = size;
    a->temp = size;
    a->temp_live = size;
    note(a, a->head);
    return true;
}

size_t srt_arena_available16(const srt_arena *a)
{
    /* absolute alignment equals offset alignment: base is 16-aligned */
    size_t t = up(a->temp, SRT_BUFFER_ALIGN);
    size_t e = down(a->tail, SRT_BUFFER_ALIGN);
    return e > t ? e - t : 0;
}

void srt_arena_note_planner(srt_arena *a, size_t bytes)
{
    size_t t = up(a->temp, SRT_BUFFER_ALIGN);
    size_t n = t + bytes + up(srt_arena_tail_used(a), SRT_BUFFER_ALIGN);
    if (n > a->need)
        a->need = n;
    if (t + bytes > a->temp_hwm)
        a->temp_hwm = t + bytes;
}
