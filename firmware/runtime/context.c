/* context.c - the runtime services kernels call (srt_kernel.h) and the invoke loop. */
#include <string.h>

#include "interpreter.h"
#include "util.h"

void srt_begin_node_prepare(srt_ctx *ctx)
{
    ctx->pool_n = 0;
    ctx->node_scratch = 0;
}

static bool in_prepare(srt_ctx *ctx, const char *what)
{
    if (ctx->phase == SRT_PHASE_PREPARE)
        return true;
    srt_fail(ctx, SRT_ERR_INTERNAL, "%s called outside Prepare", what);
    return false;
}

/* AllocateTempTfLiteTensor: TfLiteTensor, then (quantized) TfLiteAffineQuantization and the
 * zero-point array, all in the temporary section. */
const srt_tensor *srt_prepare_tensor(srt_ctx *ctx, int32_t index)
{
    if (!in_prepare(ctx, "srt_prepare_tensor"))
        return NULL;
    int32_t sg = ctx->cur_sg;
    if (index < 0 || index >= srt_subgraph_tensor_count(ctx, sg)) {
        srt_fail(ctx, SRT_ERR_MODEL, "tensor index %d out of range", index);
        return NULL;
    }
    srt_tensor_info ti;
    srt_model_tensor(&ctx->model, (uint32_t)sg, (uint32_t)index, &ti);
    srt_arena *a = &ctx->arena;
    if (!srt_arena_temp(a, SRT_SIZEOF_TfLiteTensor, SRT_ALIGNOF_TfLiteTensor)) {
        srt_arena_error(ctx, "temporary TfLiteTensor");
        return NULL;
    }
    if (ti.nscales > 0) {
        uint8_t *q = srt_arena_temp(a, SRT_SIZEOF_TfLiteAffineQuantization, SRT_ALIGNOF_TfLiteAffineQuantization);
        if (q == NULL ||
            srt_arena_temp(a, 4u + 4u * (uint32_t)ti.nscales, SRT_ALIGNOF_TfLiteIntArray) == NULL) {
            srt_arena_error(ctx, "temporary quantization");
            return NULL;
        }
        /* After this, TFLM reads only the zero_point pointer of TfLiteAffineQuantization
         * {scale, zero_point, quantized_dimension} (to free the temporaries); kernels use the
         * tensor's scalar zero point and scale. A persistent buffer taken while this is the
         * topmost temp may overwrite the rest without harm (probed on the wheel with
         * per-channel FULLY_CONNECTED: 1-40 channels, with and without bias). */
        size_t qo = (size_t)(q - a->base);
        srt_arena_temp_unread(a, qo, qo + SRT_PTR_SIZE, qo + 2u * SRT_PTR_SIZE);
    }
    srt_tensor *t = NULL;
    for (uint32_t i = 0; i < ctx->pool_n; i++)
        if (ctx->pool[i].index == index)
            t = &ctx->pool[i];
    if (t == NULL) {
        if (ctx->pool_n >= SRT_TEMP_POOL) {
            srt_fail(ctx, SRT_ERR_UNSUPPORTED, "operator looks at more than %u tensors", SRT_TEMP_POOL);
            return NULL;
        }
        t = &ctx->pool[ctx->pool_n++];
    }
    memset(t, 0, sizeof *t);
    t->index = index;
    t->type = ti.type;
    t->is_constant = ti.is_constant;
    t->is_variable = ti.is_variable;
    t->dims = ti.dims;
    t->data = ctx->tensors[sg][index].data;
    t->bytes = ti.bytes;
    t->nscales = ti.nscales;
    t->nzero_points = ti.nzero_points;
    t->quantized_dimension = ti.quantized_dimension;
    t->scales_raw = ti.scales_raw;
    t->zero_points_raw = ti.zero_points_raw;
    return t;
}

static int32_t node_index(const srt_ivec *v, int i)
{
    if (v == NULL || i < 0 || i >= v->size)
        return -1;
    return v->data[i];
}

const srt_tensor *srt_prepare_input(srt_ctx *ctx, const srt_node *node, int i)
{
    int32_t idx = node_index(node->inputs, i);
    return idx < 0 ? NULL : srt_prepare_tensor(ctx, idx);
}

const srt_tensor *srt_prepare_output(srt_ctx *ctx, const srt_node *node, int i)
{
    int32_t idx = node_index(node->outputs, i);
    return idx < 0 ? NULL : srt_prepare_tensor(ctx, idx);
}

void *srt_alloc_persistent(srt_ctx *ctx, size_t bytes)
{
    void *p = srt_arena_persistent(&ctx->arena, bytes, SRT_BUFFER_ALIGN);
    if (p == NULL)
        srt_arena_error(ctx, "persistent buffer");
    return p;
}

srt_status srt_request_scratch(srt_ctx *ctx, size_t bytes, int32_t *index)
{
    if (!in_prepare(ctx, "srt_request_scratch"))
        return ctx->status;
    if (ctx->node_scratch >= SRT_MAX_SCRATCH_PER_OP)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "Scratch buffer request exeeds limit per operator (%u)",
                        SRT_MAX_SCRATCH_PER_OP);
    if (bytes > 0x7FFFFF00u)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "scratch request too large");
    _Static_assert(sizeof(srt_scratch_req) <= SRT_SIZEOF_ScratchBufferRequest, "request fits TFLM's");
    /* the head holds room for (earlier requests + 12): written in place, as TFLM */
    srt_scratch_req *q = (srt_scratch_req *)(void *)(ctx->arena.base +
                                                     (size_t)ctx->n_scratch * SRT_SIZEOF_ScratchBufferRequest);
    q->bytes = (uint32_t)bytes;
    q->node = ctx->cur_op;
    q->subgraph = ctx->cur_sg;
    *index = (int32_t)ctx->n_scratch;
    ctx->n_scratch++;
    ctx->node_scratch++;
    return SRT_OK;
}

srt_eval_tensor *srt_eval_tensor_at(srt_ctx *ctx, int32_t index)
{
    int32_t sg = ctx->cur_sg;
    if (sg < 0 || index < 0 || index >= srt_subgraph_tensor_count(ctx, sg))
        return NULL;
    return &ctx->tensors[sg][index];
}

srt_eval_tensor *srt_eval_input(srt_ctx *ctx, const srt_node *node, int i)
{
    int32_t idx = node_index(node->inputs, i);
    return idx < 0 ? NULL : srt_eval_tensor_at(ctx, idx);
}

srt_eval_tensor *srt_eval_output(srt_ctx *ctx, const srt_node *node, int i)
{
    int32_t idx = node_index(node->outputs, i);
    return idx < 0 ? NULL : srt_eval_tensor_at(ctx, idx);
}

void *srt_get_scratch(srt_ctx *ctx, int32_t index)
{
    if (index < 0 || (uint32_t)index >= ctx->n_scratch || ctx->scratch_data == NULL)
        return NULL;
    return ctx->scratch_data[index];
}

srt_status srt_run_subgraph(srt_ctx *ctx, int32_t sg, bool markers)
{
    if (sg < 0 || (uint32_t)sg >= ctx->model.n_subgraphs)
        return srt_fail(ctx, SRT_ERR_MODEL, "Accessing subgraph %d but only %u subgraphs found", sg,
                        ctx->model.n_subgraphs);
    if (ctx->depth >= SRT_MAX_CALL_DEPTH)
        return srt_fail(ctx, SRT_ERR_MODEL, "subgraph calls nest deeper than %u", SRT_MAX_CALL_DEPTH);
    int32_t prev_sg = ctx->cur_sg, prev_op = ctx->cur_op;
    ctx->depth++;
    ctx->cur_sg = sg;
    srt_status st = SRT_OK;
    for (uint32_t i = 0; i < ctx->model.sg[sg].operators.len && st == SRT_OK; i++) {
        srt_node *nd = &ctx->nodes[sg][i];
        ctx->cur_op = (int32_t)i;
        if (markers)
            simprof_op_begin(i);
        st = nd->op->eval != NULL ? nd->op->eval(ctx, nd) : SRT_OK;
        if (st == SRT_OK && ctx->status != SRT_OK)
            st = ctx->status;
        if (markers)
            simprof_op_end(i);
        if (st != SRT_OK)
            srt_fail(ctx, st, "Node %s (number %u) failed to invoke", nd->op->name, i);
    }
    ctx->depth--;
    if (st == SRT_OK) {
        ctx->cur_sg = prev_sg;
        ctx->cur_op = prev_op;
    }
    return st;
}

srt_status srt_invoke_subgraph(srt_ctx *ctx, int32_t subgraph_index)
{
    return srt_run_subgraph(ctx, subgraph_index, false);
}
