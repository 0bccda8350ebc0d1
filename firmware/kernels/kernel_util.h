/*
 * kernel_util.h - shared helpers of simprof-rt's kernels: shape checks, fused activations,
 * padding, builtin-options parsing of the common fields.
 *
 * Float bit-exactness with TFLite needs the same operations in the same order and no fused
 * multiply-add contraction (x86-64, where the oracle runs, has none in its baseline ISA; Cortex-M4F
 * has VFMA and GCC contracts by default in GNU C modes). Hence the pragma below, which every
 * kernel file gets through this header.
 */
#ifndef SRT_KERNELS_KERNEL_UTIL_H
#define SRT_KERNELS_KERNEL_UTIL_H

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "srt_abi.h"
#include "srt_kernel.h"
#include "quant.h"
#include "kernels_extra_abi.h"

#define K_MAX_RANK 8 /* TFLite's kMaxSmallSize-style limit on dims we iterate over */

/* BuiltinOptions union values of the options tables we parse (schema order). */
enum {
    K_OPT_Conv2D = 1, K_OPT_DepthwiseConv2D = 2, K_OPT_Pool2D = 5, K_OPT_FullyConnected = 8,
    K_OPT_Softmax = 9, K_OPT_Concatenation = 10, K_OPT_Add = 11, K_OPT_Reshape = 17,
    K_OPT_Mul = 21, K_OPT_Reducer = 27, K_OPT_Sub = 28, K_OPT_Squeeze = 30,
    K_OPT_StridedSlice = 32, K_OPT_Split = 35, K_OPT_Shape = 55, K_OPT_Pack = 59,
    K_OPT_Unpack = 64, K_OPT_LeakyRelu = 75, K_OPT_SplitV = 79,
};

/* Fused activation codes (schema ActivationFunctionType). */
enum { K_ACT_NONE = 0, K_ACT_RELU = 1, K_ACT_RELU_N1_TO_1 = 2, K_ACT_RELU6 = 3, K_ACT_TANH = 4,
       K_ACT_SIGN_BIT = 5 };

/* Padding (schema Padding). */
enum { K_PAD_SAME = 0, K_PAD_VALID = 1 };

static inline int32_t k_rank(const srt_ivec *d) { return d ? d->size : 0; }
static inline int32_t k_dim(const srt_ivec *d, int i) {
    return (d && i >= 0 && i < d->size) ? d->data[i] : 0;
}

/* Element count; -1 when a dim is negative or the count overflows int32. */
int32_t k_elements(const srt_ivec *d);
bool k_same_dims(const srt_ivec *a, const srt_ivec *b);

/* Checks node input/output counts (min..max inputs, exact outputs). */
srt_status k_check_io(srt_ctx *ctx, const srt_node *node, int min_in, int max_in, int nout,
                      const char *op);
/* Reports an unsupported tensor type by name: "<OP>: <type> input not supported". */
srt_status k_unsupported_type(srt_ctx *ctx, const char *op, uint8_t type);
/* Checks a tensor exists, has dims, valid element count and optionally a given type. */
srt_status k_check_tensor(srt_ctx *ctx, const srt_tensor *t, const char *op, const char *what);

/* Quantization of a tensor: fails unless it has at least one scale and zero point. */
srt_status k_require_quant(srt_ctx *ctx, const srt_tensor *t, const char *op, const char *what);

/* TFLite CalculateActivationRangeQuantized for [qmin, qmax] (int8: -128..127). */
srt_status k_act_range_q(srt_ctx *ctx, int act, const srt_tensor *out, int32_t qmin, int32_t qmax,
                         int32_t *lo, int32_t *hi);
/* TFLite CalculateActivationRange<float>. */
srt_status k_act_range_f(srt_ctx *ctx, int act, float *lo, float *hi);

/* ActivationFunctionWithMinMax: std::min(std::max(x, lo), hi) (NaN passes through). */
static inline float k_act_f(float x, float lo, float hi) {
    float y = (x < lo) ? lo : x;
    return (hi < y) ? hi : y;
}

/* TFLite ComputeOutSize / ComputePaddingWithOffset. Returns the padding before the data. */
int32_t k_out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation);
int32_t k_padding(int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out);

/* Tensor data access at Eval. */
static inline const void *k_in_data(srt_ctx *ctx, const srt_node *node, int i) {
    srt_eval_tensor *t = srt_eval_input(ctx, node, i);
    return t ? t->data : NULL;
}
static inline void *k_out_data(srt_ctx *ctx, const srt_node *node, int i) {
    srt_eval_tensor *t = srt_eval_output(ctx, node, i);
    return t ? t->data : NULL;
}
/* Eval-time guard for a tensor without a buffer (zero-size tensors; TFLM rejects those models). */
srt_status k_missing(srt_ctx *ctx, const char *op);

/* (int32_t)f as TFLite's static_casts behave on x86-64 (cvttss2si, the oracle's machine):
 * NaN and values outside the int32 range give INT32_MIN. C leaves those casts undefined, and a
 * corrupt or extreme model reaches them (tiny scales), so every kernel converts through this. */
static inline int32_t k_f2i(float f) {
    if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
    return (int32_t)f;
}

/* Reads a little-endian float/int32 from possibly unaligned model bytes. */
static inline float k_ld_f32(const void *p, int32_t i) {
    float v;
    memcpy(&v, (const uint8_t *)p + 4 * (size_t)i, 4);
    return v;
}
static inline int32_t k_ld_i32(const void *p, int32_t i) {
    int32_t v;
    memcpy(&v, (const uint8_t *)p + 4 * (size_t)i, 4);
    return v;
}
static inline int64_t k_ld_i64(const void *p, int32_t i) {
    int64_t v;
    memcpy(&v, (const uint8_t *)p + 8 * (size_t)i, 8);
    return v;
}

#define K_STATIC_FITS(type, size) \
    static_assert((size) == 0 || sizeof(type) <= (size), #type " must fit TFLM's struct")

#endif /* SRT_KERNELS_KERNEL_UTIL_H */
