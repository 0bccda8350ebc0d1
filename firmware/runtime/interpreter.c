/* interpreter.c - srt_setup: TFLM's MicroInterpreter construction + AllocateTensors, in order
 * (tflm-arena-facts.md §3). See interpreter.h. */
#include "interpreter.h"

#include <string.h>

#include "ops_control.h"
#include "util.h"

srt_status srt_fail(srt_ctx *ctx, srt_status code, const char *fmt, ...)
{
    if (ctx->status == SRT_OK) {
        va_list ap;
        va_start(ap, fmt);
        srt_vformat(ctx->msg, sizeof ctx->msg, fmt, ap);
        va_end(ap);
        ctx->status = code;
    }
    return code;
}

srt_status srt_ctx_status(const srt_ctx *ctx) { return ctx->status; }

/* The arena said no: report it as TFLM does, with the missing byte count. */
srt_status srt_arena_error(srt_ctx *ctx, const char *what)
{
    const srt_arena *a = &ctx->arena;
    const char *kind = a->fail_kind == 'T' ? "temp memory" :
                       a->fail_kind == 'h' ? "head buffer" : "tail memory";
    return srt_fail(ctx, SRT_ERR_ARENA,
                    "Failed to allocate %s (%s). Requested: %u, available %u, missing: %u",
                    kind, what, (unsigned)a->fail_requested, (unsigned)a->fail_available,
                    (unsigned)a->missing);
}

int32_t srt_subgraph_tensor_count(const srt_ctx *ctx, int32_t sg)
{
    return (int32_t)ctx->model.sg[sg].tensors.len;
}

static void *persist(srt_ctx *ctx, size_t size, size_t align, const char *what)
{
    void *p = srt_arena_persistent(&ctx->arena, size, align);
    if (p == NULL)
        srt_arena_error(ctx, what);
    return p;
}

/* MicroAllocator::Create (+ the Python wrapper's MicroResourceVariables::Create). */
static srt_status create_allocator(srt_ctx *ctx)
{
    bool rec = ctx->cfg.recording;
    if (!persist(ctx, rec ? SRT_SIZEOF_RecordingSingleArenaBufferAllocator : SRT_SIZEOF_SingleArenaBufferAllocator,
                 rec ? SRT_ALIGNOF_RecordingSingleArenaBufferAllocator : SRT_ALIGNOF_SingleArenaBufferAllocator,
                 "SingleArenaBufferAllocator") ||
        !persist(ctx, SRT_SIZEOF_GreedyMemoryPlanner, SRT_ALIGNOF_GreedyMemoryPlanner, "GreedyMemoryPlanner") ||
        !persist(ctx, rec ? SRT_SIZEOF_RecordingMicroAllocator : SRT_SIZEOF_MicroAllocator,
                 rec ? SRT_ALIGNOF_RecordingMicroAllocator : SRT_ALIGNOF_MicroAllocator, "MicroAllocator"))
        return ctx->status;
    ctx->max_resvars = srt_count_resource_variables(&ctx->model);
    if (ctx->max_resvars > 0) {
        _Static_assert(sizeof(srt_resvar) <= SRT_SIZEOF_ResourceVariableRecord, "record fits");
        if (!persist(ctx, SRT_SIZEOF_MicroResourceVariables, SRT_BUFFER_ALIGN, "MicroResourceVariables"))
            return ctx->status;
        ctx->resvars = persist(ctx, (size_t)SRT_SIZEOF_ResourceVariableRecord * ctx->max_resvars,
                               SRT_BUFFER_ALIGN, "resource variable records");
        if (ctx->resvars == NULL)
            return ctx->status;
    }
    return SRT_OK;
}

/* StartModelAllocation: builtin-data allocator, scratch-request area, SubgraphAllocations,
 * eval tensors of every subgraph, then the node arrays of every subgraph. */
static srt_status start_model_allocation(srt_ctx *ctx)
{
    srt_model *m = &ctx->model;
    if (!persist(ctx, SRT_SIZEOF_MicroBuiltinDataAllocator, SRT_ALIGNOF_MicroBuiltinDataAllocator,
                 "MicroBuiltinDataAllocator"))
        return ctx->status;
    if (!srt_arena_resize_head(&ctx->arena, (size_t)SRT_SIZEOF_ScratchBufferRequest * SRT_MAX_SCRATCH_PER_OP))
        return srt_arena_error(ctx, "scratch buffer requests");
    if (!persist(ctx, (size_t)SRT_SIZEOF_SubgraphAllocations * m->n_subgraphs,
                 SRT_ALIGNOF_SubgraphAllocations, "SubgraphAllocations"))
        return ctx->status;
    _Static_assert(sizeof(srt_eval_tensor) == SRT_SIZEOF_TfLiteEvalTensor, "eval tensor = TFLM's");
    _Static_assert(sizeof(srt_node) == SRT_SIZEOF_NodeAndRegistration, "node = TFLM's");
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        uint32_t n = m->sg[s].tensors.len;
        srt_eval_tensor *t = persist(ctx, sizeof(srt_eval_tensor) * n, SRT_ALIGNOF_TfLiteEvalTensor,
                                     "TfLiteEvalTensor");
        if (t == NULL)
            return ctx->status;
        ctx->tensors[s] = t;
        for (uint32_t i = 0; i < n; i++) {
            srt_tensor_info ti;
            srt_model_tensor(m, s, i, &ti);
            t[i].data = ti.is_constant ? (void *)(uintptr_t)ti.data : NULL;
            t[i].dims = ti.dims;
            t[i].type = ti.type;
        }
    }
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        srt_node *nd = persist(ctx, sizeof(srt_node) * m->sg[s].operators.len,
                               SRT_ALIGNOF_NodeAndRegistration, "NodeAndRegistration");
        if (nd == NULL)
            return ctx->status;
        ctx->nodes[s] = nd;
    }
    return SRT_OK;
}

/* PrepareNodeAndRegistrationDataFromFlatbuffer: registration, options struct, index arrays. */
static srt_status prepare_nodes_from_flatbuffer(srt_ctx *ctx)
{
    srt_model *m = &ctx->model;
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        for (uint32_t i = 0; i < m->sg[s].operators.len; i++) {
            srt_fb_table op, options;
            ctx->cur_sg = (int32_t)s;
            ctx->cur_op = (int32_t)i;
            srt_model_operator(m, s, i, &op);
            int32_t code = srt_model_op_code(m, &op);
            const srt_op *reg = srt_find_op(code);
            if (reg == NULL)
                return srt_fail(ctx, SRT_ERR_UNSUPPORTED,
                                "Failed to get registration from op code %s (operator %u of subgraph %u)",
                                srt_builtin_name(code), i, s);
            fb_vec custom;
            fb_vector(&op, F_OP_CUSTOM, 1, &custom);
            if (custom.present)
                return srt_fail(ctx, SRT_ERR_UNSUPPORTED,
                                "Unsupported behavior: found builtin operator %s with custom options.",
                                srt_builtin_name(code));
            srt_node *nd = &ctx->nodes[s][i];
            memset(nd, 0, sizeof *nd);
            void *params = NULL;
            if (reg->params_size > 0) {
                params = persist(ctx, reg->params_size, reg->params_align ? reg->params_align : 1,
                                 "builtin options");
                if (params == NULL)
                    return ctx->status;
            }
            bool have_options = fb_table(&op, F_OP_OPTIONS, &options, NULL) &&
                                (reg->options_type == 0 ||
                                 srt_fb_u8(&op, F_OP_OPTIONS_TYPE, 0) == reg->options_type);
            if (reg->parse != NULL) {
                srt_status st = reg->parse(ctx, have_options ? &options : NULL, params);
                if (st != SRT_OK)
                    return srt_fail(ctx, st, "Failed to parse options of %s (operator %u)",
                                    srt_builtin_name(code), i);
            }
            nd->inputs = srt_model_ivec(m, &op, F_OP_INPUTS);
            nd->outputs = srt_model_ivec(m, &op, F_OP_OUTPUTS);
            const srt_ivec *im = srt_model_ivec(m, &op, F_OP_INTERMEDIATES);
            nd->intermediates = im->size > 0 ? im : NULL;
            nd->builtin_data = params;
            nd->op = reg;
        }
    }
    return SRT_OK;
}

static srt_status init_subgraphs(srt_ctx *ctx)
{
    for (uint32_t s = 0; s < ctx->model.n_subgraphs; s++) {
        for (uint32_t i = 0; i < ctx->model.sg[s].operators.len; i++) {
            srt_node *nd = &ctx->nodes[s][i];
            ctx->cur_sg = (int32_t)s;
            ctx->cur_op = (int32_t)i;
            if (nd->op->opdata_size > 0) {
                nd->user_data = srt_alloc_persistent(ctx, nd->op->opdata_size);
                if (nd->user_data == NULL)
                    return ctx->status;
            }
        }
    }
    return SRT_OK;
}

static srt_status prepare_subgraphs(srt_ctx *ctx)
{
    size_t req = SRT_SIZEOF_ScratchBufferRequest;
    for (uint32_t s = 0; s < ctx->model.n_subgraphs; s++) {
        for (uint32_t i = 0; i < ctx->model.sg[s].operators.len; i++) {
            srt_node *nd = &ctx->nodes[s][i];
            ctx->cur_sg = (int32_t)s;
            ctx->cur_op = (int32_t)i;
            srt_begin_node_prepare(ctx);
            if (nd->op->prepare != NULL) {
                srt_status st = nd->op->prepare(ctx, nd);
                if (st != SRT_OK || ctx->status != SRT_OK)
                    return srt_fail(ctx, st != SRT_OK ? st : ctx->status,
                                    "Node %s (number %u) failed to prepare", nd->op->name, i);
            }
            /* FinishPrepareNodeAllocations */
            ctx->arena.temp_count = 0;
            srt_arena_reset_temp(&ctx->arena);
            ctx->pool_n = 0;
            if (!srt_arena_resize_head(&ctx->arena, req * (ctx->n_scratch + SRT_MAX_SCRATCH_PER_OP)))
                return srt_arena_error(ctx, "scratch buffer requests");
        }
    }
    return SRT_OK;
}

/* A persistent TfLiteTensor for a graph input/output (+ quantization, as TFLM copies it). */
static srt_status persistent_io(srt_ctx *ctx, const fb_vec *list, const srt_fb_table *sg)
{
    if (srt_alloc_persistent(ctx, (size_t)SRT_SIZEOF_TfLiteTensorPtr * list->len) == NULL)
        return ctx->status;
    for (uint32_t i = 0; i < list->len; i++) {
        uint32_t idx = fb_rd_u32(sg->buf + list->data + 4u * i);
        srt_tensor_info ti;
        srt_model_tensor(&ctx->model, 0, idx, &ti);
        if (!persist(ctx, SRT_SIZEOF_TfLiteTensor, SRT_ALIGNOF_TfLiteTensor, "TfLiteTensor"))
            return ctx->status;
        if (ti.nscales > 0) {
            if (!persist(ctx, SRT_SIZEOF_TfLiteAffineQuantization,
                         SRT_ALIGNOF_TfLiteAffineQuantization, "TfLiteAffineQuantization") ||
                !persist(ctx, 4u + 4u * (uint32_t)ti.nscales, SRT_ALIGNOF_TfLiteIntArray,
                         "zero-point array"))
                return ctx->status;
        }
    }
    return SRT_OK;
}

/* MicroInterpreter::Reset: variable tensors back to zero (their zero point for int8). */
static void reset_variables(srt_ctx *ctx)
{
    for (uint32_t s = 0; s < ctx->model.n_subgraphs; s++) {
        for (uint32_t i = 0; i < ctx->model.sg[s].tensors.len; i++) {
            srt_tensor_info ti;
            srt_model_tensor(&ctx->model, s, i, &ti);
            if (!ti.is_variable || ctx->tensors[s][i].data == NULL)
                continue;
            int v = 0;
            if (ti.type == SRT_INT8 && ti.nzero_points > 0) {
                srt_tensor t = {0};
                t.nzero_points = ti.nzero_points;
                t.zero_points_raw = ti.zero_points_raw;
                v = srt_q_zero_point(&t, 0);
            }
            memset(ctx->tensors[s][i].data, v, ti.bytes);
        }
    }
    srt_reset_resource_variables(ctx);
}

srt_status srt_setup(srt_ctx *ctx, const srt_config *cfg, const uint8_t *model, uint32_t size,
                     uint8_t *arena, size_t arena_size)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = *cfg;
    ctx->cur_sg = -1;
    ctx->cur_op = -1;
    ctx->phase = SRT_PHASE_LOAD;
    srt_status st = srt_model_load(&ctx->model, model, size, ctx->msg, sizeof ctx->msg);
    if (st != SRT_OK) {
        ctx->status = st;
        return st;
    }
    ctx->phase = SRT_PHASE_ALLOC;
    if (!srt_arena_init(&ctx->arena, arena, arena_size)) {
        ctx->arena.missing = 16;
        return srt_fail(ctx, SRT_ERR_ARENA, "arena of %u bytes is too small", (unsigned)arena_size);
    }
    if (create_allocator(ctx) != SRT_OK || start_model_allocation(ctx) != SRT_OK ||
        prepare_nodes_from_flatbuffer(ctx) != SRT_OK)
        return ctx->status;
    ctx->phase = SRT_PHASE_INIT;
    if (init_subgraphs(ctx) != SRT_OK)
        return ctx->status;
    ctx->phase = SRT_PHASE_PREPARE;
    if (prepare_subgraphs(ctx) != SRT_OK)
        return ctx->status;
    ctx->phase = SRT_PHASE_PLAN;
    ctx->cur_sg = -1;
    ctx->cur_op = -1;
    if (srt_commit_memory_plan(ctx) != SRT_OK)
        return ctx->status;
    const srt_subgraph *g0 = &ctx->model.sg[0];
    if (persistent_io(ctx, &g0->inputs, &g0->table) != SRT_OK ||
        persistent_io(ctx, &g0->outputs, &g0->table) != SRT_OK)
        return ctx->status;
    reset_variables(ctx);
    ctx->head_final = ctx->arena.head;
    ctx->tail_final = srt_arena_tail_used(&ctx->arena);
    ctx->phase = SRT_PHASE_INPUT;
    return SRT_OK;
}

srt_status srt_set_input(srt_ctx *ctx, const uint8_t *data, uint32_t len)
{
    if (ctx->status != SRT_OK)
        return ctx->status;
    const srt_subgraph *g0 = &ctx->model.sg[0];
    uint64_t total = 0;
    for (uint32_t i = 0; i < g0->inputs.len; i++) {
        uint32_t idx = fb_rd_u32(g0->table.buf + g0->inputs.data + 4u * i);
        srt_tensor_info ti;
        srt_model_tensor(&ctx->model, 0, idx, &ti);
        total += ti.bytes;
    }
    if (len == 0)
        return SRT_OK;
    if (total != len)
        return srt_fail(ctx, SRT_ERR_INPUT, "input has %u bytes, the model's inputs take %u", len,
                        (unsigned)total);
    uint32_t off = 0;
    for (uint32_t i = 0; i < g0->inputs.len; i++) {
        uint32_t idx = fb_rd_u32(g0->table.buf + g0->inputs.data + 4u * i);
        srt_tensor_info ti;
        srt_model_tensor(&ctx->model, 0, idx, &ti);
        srt_eval_tensor *t = &ctx->tensors[0][idx];
        if (t->data == NULL || ti.is_constant)
            return srt_fail(ctx, SRT_ERR_INPUT, "input %u (tensor %u) has no writable buffer", i, idx);
        memcpy(t->data, data + off, ti.bytes);
        off += ti.bytes;
    }
    return SRT_OK;
}

srt_status srt_invoke(srt_ctx *ctx)
{
    if (ctx->status != SRT_OK)
        return ctx->status;
    ctx->phase = SRT_PHASE_INVOKE;
    srt_status st = srt_run_subgraph(ctx, 0, true);
    if (st == SRT_OK) {
        ctx->phase = SRT_PHASE_DONE;
        ctx->cur_op = -1;
    }
    return st;
}

void srt_fill_report(const srt_ctx *ctx, simprof_report_t *r)
{
    const srt_arena *a = &ctx->arena;
    memset(r, 0, sizeof *r);
    r->magic = SRT_REPORT_MAGIC;
    r->version = SRT_REPORT_VERSION;
    r->status = (uint32_t)ctx->status;
    r->phase = ctx->phase;
    r->arena_size = (uint32_t)(a->size + a->start_pad);
    r->arena_start_pad = (uint32_t)a->start_pad;
    r->head = (uint32_t)ctx->head_final;
    r->tail = (uint32_t)ctx->tail_final;
    r->temp_hwm = (uint32_t)a->temp_hwm;
    r->need = (uint32_t)srt_align_up(a->need, SRT_BUFFER_ALIGN);
    r->missing = ctx->status == SRT_ERR_ARENA ? (uint32_t)a->missing : 0;
    r->n_subgraphs = ctx->model.n_subgraphs;
    r->n_tensors = ctx->model.n_tensors_total;
    r->n_ops = ctx->model.n_subgraphs ? ctx->model.sg[0].operators.len : 0;
    r->n_scratch = ctx->n_scratch;
    r->n_planned = ctx->n_planned;
    r->op_index = ctx->cur_op < 0 ? 0xFFFFFFFFu : (uint32_t)ctx->cur_op;
    r->recording = ctx->cfg.recording ? 1u : 0u;
    r->arena_addr = (uint32_t)(uintptr_t)a->base;
    if (ctx->status == SRT_OK && ctx->phase >= SRT_PHASE_INPUT) {
        const srt_subgraph *g0 = &ctx->model.sg[0];
        uint32_t n = g0->outputs.len;
        r->n_outputs = n;
        for (uint32_t i = 0; i < n && i < SRT_REPORT_MAX_OUTPUTS; i++) {
            uint32_t idx = fb_rd_u32(g0->table.buf + g0->outputs.data + 4u * i);
            srt_tensor_info ti;
            srt_model_tensor(&ctx->model, 0, idx, &ti);
            r->out_addr[i] = (uint32_t)(uintptr_t)ctx->tensors[0][idx].data;
            r->out_len[i] = ti.bytes;
        }
    }
    memcpy(r->message, ctx->msg, sizeof r->message);
    r->message[sizeof r->message - 1] = 0;
}
