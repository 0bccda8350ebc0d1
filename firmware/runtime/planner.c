/* planner.c - see planner.h. */
#include "planner.h"

#define R_SIZE(p, i) ((p)->req[4 * (i) + 0])
#define R_FIRST(p, i) ((p)->req[4 * (i) + 1])
#define R_LAST(p, i) ((p)->req[4 * (i) + 2])
#define R_OFFLINE(p, i) ((p)->req[4 * (i) + 3])
#define E_OFFSET(p, e) ((p)->list[3 * (e) + 0])
#define E_REQ(p, e) ((p)->list[3 * (e) + 1])
#define E_NEXT(p, e) ((p)->list[3 * (e) + 2])

void srt_planner_init(srt_planner *p, void *mem, size_t bytes)
{
    size_t n = bytes / SRT_PLANNER_BYTES_PER_BUFFER;
    if (n > 0x7FFFFFF)
        n = 0x7FFFFFF;
    int32_t *w = (int32_t *)mem;
    p->max = (int32_t)n;
    p->req = w;
    p->sizes = w + 4 * n;
    p->ids = w + 5 * n;
    p->list = w + 6 * n;
    p->offsets = w + 9 * n;
    p->count = 0;
    p->first_entry = 0;
    p->next_free = 0;
}

bool srt_planner_add(srt_planner *p, int32_t size, int32_t first, int32_t last, int32_t offline)
{
    if (p->count >= p->max)
        return false;
    int32_t i = p->count++;
    R_SIZE(p, i) = size;
    R_FIRST(p, i) = first;
    R_LAST(p, i) = last;
    R_OFFLINE(p, i) = offline;
    return true;
}

static void reverse_sort(int32_t *values, int32_t *ids, int32_t n)
{
    bool swapped;
    do {
        swapped = false;
        for (int32_t i = 1; i < n; i++) {
            if (values[i - 1] < values[i]) {
                int32_t v = values[i - 1], d = ids[i - 1];
                values[i - 1] = values[i];
                ids[i - 1] = ids[i];
                values[i] = v;
                ids[i] = d;
                swapped = true;
            }
        }
    } while (swapped);
}

static bool overlaps(const srt_planner *p, int32_t e, int32_t first, int32_t last)
{
    int32_t r = E_REQ(p, e);
    return !(R_FIRST(p, r) > last || first > R_LAST(p, r));
}

/* The next entry after `start` (-1: from the list head) that overlaps [first, last]; -1 if none. */
static int32_t next_active(const srt_planner *p, int32_t start, int32_t first, int32_t last)
{
    int32_t e = start < 0 ? p->first_entry : E_NEXT(p, start);
    while (e != -1) {
        if (overlaps(p, e, first, last))
            return e;
        e = E_NEXT(p, e);
    }
    return -1;
}

void srt_planner_plan(srt_planner *p)
{
    int32_t n = p->count;
    if (n == 0)
        return;
    int32_t from_tail = n, from_head = 0;
    for (int32_t i = 0; i < n; i++) {
        if (R_OFFLINE(p, i) == SRT_ONLINE) {
            from_tail--;
            p->sizes[from_tail] = R_SIZE(p, i);
            p->ids[from_tail] = i;
            p->offsets[i] = -1;
        } else {
            p->sizes[from_head] = R_SIZE(p, i);
            p->ids[from_head] = i;
            p->offsets[i] = R_OFFLINE(p, i);
            from_head++;
        }
    }
    reverse_sort(p->sizes + from_head, p->ids + from_head, n - from_head);

    p->first_entry = 0;
    p->next_free = 1;
    int32_t id = p->ids[0];
    if (R_OFFLINE(p, id) == SRT_ONLINE)
        p->offsets[id] = 0;
    E_OFFSET(p, 0) = p->offsets[id];
    E_REQ(p, 0) = id;
    E_NEXT(p, 0) = -1;

    for (int32_t i = 1; i < n; i++) {
        id = p->ids[i];
        int32_t size = R_SIZE(p, id), first = R_FIRST(p, id), last = R_LAST(p, id);
        int32_t cand = 0;
        if (R_OFFLINE(p, id) == SRT_ONLINE) {
            int32_t prior = -1;
            for (;;) {
                int32_t next = next_active(p, prior, first, last);
                if (prior >= 0) {
                    int32_t end = E_OFFSET(p, prior) + R_SIZE(p, E_REQ(p, prior));
                    if (end > cand)
                        cand = end;
                }
                if (next < 0)
                    break;
                if (E_OFFSET(p, next) - cand >= size)
                    break;
                prior = next;
            }
        } else {
            cand = R_OFFLINE(p, id);
        }
        p->offsets[id] = cand;
        int32_t ne = p->next_free++;
        E_OFFSET(p, ne) = cand;
        E_REQ(p, ne) = id;
        if (E_OFFSET(p, p->first_entry) > cand) {
            E_NEXT(p, ne) = p->first_entry;
            p->first_entry = ne;
        } else {
            int32_t cur = p->first_entry;
            for (;;) {
                int32_t nx = E_NEXT(p, cur);
                if (nx == -1) {
                    E_NEXT(p, cur) = ne;
                    E_NEXT(p, ne) = -1;
                    break;
                }
                if (E_OFFSET(p, nx) > cand) {
                    E_NEXT(p, ne) = nx;
                    E_NEXT(p, cur) = ne;
                    break;
                }
                cur = nx;
            }
        }
    }
}

int32_t srt_planner_offset(const srt_planner *p, int32_t i)
{
    return (i >= 0 && i < p->count) ? p->offsets[i] : -1;
}

int32_t srt_planner_max_size(const srt_planner *p)
{
    int32_t m = 0;
    if (p->count == 0)
        return 0;
    for (int32_t e = p->first_entry; e != -1; e = E_NEXT(p, e)) {
        int32_t end = E_OFFSET(p, e) + R_SIZE(p, E_REQ(p, e));
        if (end > m)
            m = end;
    }
    return m;
}
