/* kernel_util.c - shared helpers of the kernels (see kernel_util.h). */
#include "kernel_util.h"

#include <float.h>

int32_t k_elements(const srt_ivec *d) {
    if (!d) return -1;
    int64_t n = 1;
    for (int32_t i = 0; i < d->size; ++i) {
        if (d->data[i] < 0) return -1;
        n *= d->data[i];
        if (n > INT32_MAX) return -1;
    }
    return (int32_t)n;
}

bool k_same_dims(const srt_ivec *a, const srt_ivec *b) {
    if (!a || !b || a->size != b->size) return false;
    for (int32_t i = 0; i < a->size; ++i)
        if (a->data[i] != b->data[i]) return false;
    return true;
}

srt_status k_check_io(srt_ctx *ctx, const srt_node *node, int min_in, int max_in, int nout,
                      const char *op) {
    int32_t nin = node->inputs ? node->inputs->size : 0;
    int32_t no = node->outputs ? node->outputs->size : 0;
    if (nin < min_in || nin > max_in)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d inputs (expected %d..%d)", op, (int)nin, min_in,
                        max_in);
    if (nout >= 0 && no != nout)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %d outputs (expected %d)", op, (int)no, nout);
    return SRT_OK;
}

srt_status k_unsupported_type(srt_ctx *ctx, const char *op, uint8_t type) {
    return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "%s: tensor type %s not supported", op,
                    srt_type_name(type));
}

srt_status k_check_tensor(srt_ctx *ctx, const srt_tensor *t, const char *op, const char *what) {
    if (!t) {
        srt_status st = srt_ctx_status(ctx);
        return st != SRT_OK ? st : srt_fail(ctx, SRT_ERR_MODEL, "%s: %s tensor missing", op, what);
    }
    if (!t->dims || k_rank(t->dims) > K_MAX_RANK || k_elements(t->dims) < 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %s tensor has invalid dims", op, what);
    if (t->is_constant && t->data == NULL && k_elements(t->dims) > 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: constant %s tensor without data", op, what);
    if (t->is_constant && t->bytes < (size_t)k_elements(t->dims) * srt_type_size(t->type))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: constant %s tensor data too short", op, what);
    return SRT_OK;
}

srt_status k_require_quant(srt_ctx *ctx, const srt_tensor *t, const char *op, const char *what) {
    if (t->nscales < 1 || t->nzero_points < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %s tensor is not quantized", op, what);
    float s = srt_q_scale(t, 0);
    if (!(s > 0.0f) || s != s)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: %s tensor has scale <= 0", op, what);
    return SRT_OK;
}

srt_status k_act_range_q(srt_ctx *ctx, int act, const srt_tensor *out, int32_t qmin, int32_t qmax,
                         int32_t *lo, int32_t *hi) {
    /* quantize(f) = zero_point + (int32)round(f / scale), with float division and rounding. */
    const float scale = srt_q_scale(out, 0);
    const int32_t zp = srt_q_zero_point(out, 0);
#define K_QUANTIZE(f) srt_wadd(zp, k_f2i(srt_roundf((f) / scale)))
    switch (act) {
    case K_ACT_NONE:
        *lo = qmin; *hi = qmax; break;
    case K_ACT_RELU:
        *lo = K_QUANTIZE(0.0f) > qmin ? K_QUANTIZE(0.0f) : qmin; *hi = qmax; break;
    case K_ACT_RELU6: {
        int32_t a = K_QUANTIZE(0.0f), b = K_QUANTIZE(6.0f);
        *lo = a > qmin ? a : qmin; *hi = b < qmax ? b : qmax; break;
    }
    case K_ACT_RELU_N1_TO_1: {
        int32_t a = K_QUANTIZE(-1.0f), b = K_QUANTIZE(1.0f);
        *lo = a > qmin ? a : qmin; *hi = b < qmax ? b : qmax; break;
    }
    default:
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "fused activation %d not supported", act);
    }
#undef K_QUANTIZE
    return SRT_OK;
}

srt_status k_act_range_f(srt_ctx *ctx, int act, float *lo, float *hi) {
    switch (act) {
    case K_ACT_NONE: *lo = -FLT_MAX; *hi = FLT_MAX; break;
    case K_ACT_RELU: *lo = 0.0f; *hi = FLT_MAX; break;
    case K_ACT_RELU6: *lo = 0.0f; *hi = 6.0f; break;
    case K_ACT_RELU_N1_TO_1: *lo = -1.0f; *hi = 1.0f; break;
    default:
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "fused activation %d not supported", act);
    }
    return SRT_OK;
}

int32_t k_out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
    if (stride <= 0 || dilation <= 0 || filter <= 0) return 0;
    int64_t eff = ((int64_t)filter - 1) * dilation + 1;
    if (padding == K_PAD_SAME) return (int32_t)(((int64_t)in + stride - 1) / stride);
    if (padding == K_PAD_VALID) {
        int64_t v = ((int64_t)in + stride - eff) / stride;
        return v < 0 ? 0 : (int32_t)v;
    }
    return 0;
}

int32_t k_padding(int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out) {
    int64_t eff = ((int64_t)filter - 1) * dilation + 1;
    int64_t total = ((int64_t)out - 1) * stride + eff - in;
    if (total < 0) total = 0;
    if (total > INT32_MAX) total = INT32_MAX;
    return (int32_t)(total / 2);
}

srt_status k_missing(srt_ctx *ctx, const char *op) {
    /* In practice a zero-size tensor, which has no buffer; TFLM rejects such models while
     * allocating ("dynamic tensors are not supported"), so this is a model error. */
    return srt_fail(ctx, SRT_ERR_MODEL, "%s: tensor without a buffer at Eval (zero-size tensor?)", op);
}
