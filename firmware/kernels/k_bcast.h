/*
 * k_bcast.h - numpy-style broadcasting of up to three inputs onto an output of up to 6 dims, for
 * the comparison, logical, select and arithmetic kernels (TFLM's Broadcast4DSlow/5DSlow and
 * BroadcastSelect5DSlow give each output element the same input elements).
 */
#ifndef SRT_KERNELS_K_BCAST_H
#define SRT_KERNELS_K_BCAST_H

#include "kernel_util.h"

#define KB_MAX_RANK 6
#define KB_MAX_IN 3

typedef struct {
    int32_t rank, n_in;
    int32_t dims[KB_MAX_RANK];
    int32_t stride[KB_MAX_IN][KB_MAX_RANK]; /* element strides, 0 along broadcast dims */
    int32_t total;
} kb_plan;

/* Each input dim (right-aligned) must equal the output dim or be 1; max_rank caps the output rank
 * (TFLM's 4-D or 5-D limits). NULL inputs are skipped. */
static inline bool kb_setup(kb_plan *p, const srt_ivec *const *in, int n_in, const srt_ivec *out,
                            int32_t max_rank) {
    const int32_t r = k_rank(out);
    if (r > max_rank || r > KB_MAX_RANK || n_in > KB_MAX_IN || k_elements(out) < 0) return false;
    p->rank = r;
    p->n_in = n_in;
    p->total = k_elements(out);
    for (int k = 0; k < n_in; ++k) {
        const srt_ivec *a = in[k];
        if (k_rank(a) > r || k_elements(a) < 0) return false;
        int32_t st = 1;
        for (int32_t i = r - 1; i >= 0; --i) {
            const int32_t ia = i - (r - k_rank(a));
            const int32_t da = ia >= 0 ? a->data[ia] : 1, od = out->data[i];
            if (da != od && da != 1) return false;
            p->stride[k][i] = (da == 1 && od != 1) ? 0 : st;
            st *= da;
        }
    }
    for (int32_t i = 0; i < r; ++i) p->dims[i] = out->data[i];
    return true;
}

/* Iterator state: the input offsets of the current output element. */
typedef struct {
    int32_t idx[KB_MAX_RANK];
    size_t off[KB_MAX_IN];
} kb_iter;

static inline void kb_begin(kb_iter *it) { memset(it, 0, sizeof *it); }

static inline void kb_next(const kb_plan *p, kb_iter *it) {
    for (int32_t k = p->rank - 1; k >= 0; --k) {
        ++it->idx[k];
        for (int j = 0; j < p->n_in; ++j) it->off[j] += (size_t)p->stride[j][k];
        if (it->idx[k] < p->dims[k]) return;
        for (int j = 0; j < p->n_in; ++j) it->off[j] -= (size_t)p->stride[j][k] * (size_t)p->dims[k];
        it->idx[k] = 0;
    }
}

#endif /* SRT_KERNELS_K_BCAST_H */
