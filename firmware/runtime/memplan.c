/* memplan.c - FinishModelAllocation + CommitStaticMemoryPlan (tflm-arena-facts.md §2, §4):
 * scratch handles, allocation info and lifetimes (one global scope counter, recursing into
 * the subgraphs of IF/WHILE/CALL_ONCE), variable buffers, the greedy plan in the temporary
 * section, then the head resized to the planned size. */
#include <string.h>

#include "interpreter.h"
#include "planner.h"
#include "util.h"

/* Our AllocationInfo; reserved with TFLM's size per entry (SRT_SIZEOF_AllocationInfo). */
typedef struct {
    uint32_t bytes;
    int32_t first, last;
    int32_t offline;
    uint8_t needs;
} alloc_info;
_Static_assert(sizeof(alloc_info) <= SRT_SIZEOF_AllocationInfo, "allocation info fits TFLM's");

#define AI(base, i) ((alloc_info *)(void *)((base) + (size_t)(i) * SRT_SIZEOF_AllocationInfo))

typedef struct {
    srt_ctx *ctx;
    uint8_t *info;          /* AllocationInfo array (temp) */
    uint32_t *sg_offset;    /* first entry of each subgraph (temp, size_t-sized slots) */
    uint32_t scratch_offset;
    int32_t scope;
    uint32_t depth;
    uint32_t visits;        /* subgraph visits: bounded, so a crafted model cannot make this explode */
} builder;

#define MAX_SUBGRAPH_VISITS 1024u

static void first_created(alloc_info *a, int32_t s)
{
    if (a->first == -1)
        a->first = s;
}

static const srt_scratch_req *scratch_req(const srt_ctx *ctx, uint32_t i)
{
    return (const srt_scratch_req *)(const void *)(ctx->arena.base + (size_t)i * SRT_SIZEOF_ScratchBufferRequest);
}

static srt_status mark(builder *b, int32_t sg);

/* MarkSubgraphLifetimesIfNecessary */
static srt_status mark_control_flow(builder *b, const srt_fb_table *op)
{
    srt_ctx *ctx = b->ctx;
    int32_t code = srt_model_op_code(&ctx->model, op);
    if (code != SRT_OP_IF && code != SRT_OP_WHILE && code != SRT_OP_CALL_ONCE)
        return SRT_OK;
    srt_fb_table opt;
    if (!fb_table(op, F_OP_OPTIONS, &opt, NULL))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s without options", srt_builtin_name(code));
    int32_t first = srt_fb_i32(&opt, 0, 0);
    int32_t second = code == SRT_OP_CALL_ONCE ? -1 : srt_fb_i32(&opt, 1, 0);
    int32_t subs[2] = {first, second};
    for (int k = 0; k < 2; k++) {
        if (subs[k] == -1)
            continue;
        if (subs[k] < 0 || (uint32_t)subs[k] >= ctx->model.n_subgraphs)
            return srt_fail(ctx, SRT_ERR_MODEL, "%s refers to subgraph %d of %u",
                            srt_builtin_name(code), subs[k], ctx->model.n_subgraphs);
        b->scope++;
        srt_status st = mark(b, subs[k]);
        if (st != SRT_OK)
            return st;
    }
    return SRT_OK;
}

/* MarkAllocationLifetimes */
static srt_status mark(builder *b, int32_t sg)
{
    srt_ctx *ctx = b->ctx;
    const srt_subgraph *g = &ctx->model.sg[sg];
    uint8_t *base = b->info + (size_t)b->sg_offset[sg] * SRT_SIZEOF_AllocationInfo;
    if (++b->depth > SRT_MAX_CALL_DEPTH)
        return srt_fail(ctx, SRT_ERR_MODEL, "subgraphs nest deeper than %u (recursive control flow?)",
                        SRT_MAX_CALL_DEPTH);
    if (++b->visits > MAX_SUBGRAPH_VISITS)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "control flow visits subgraphs more than %u times",
                        MAX_SUBGRAPH_VISITS);
    for (uint32_t i = 0; i < g->inputs.len; i++) {
        alloc_info *a = AI(base, fb_rd_u32(g->table.buf + g->inputs.data + 4u * i));
        first_created(a, b->scope);
        a->last = b->scope;
    }
    for (uint32_t i = 0; i < g->operators.len; i++) {
        srt_fb_table op;
        srt_model_operator(&ctx->model, (uint32_t)sg, i, &op);
        const srt_ivec *in = srt_model_ivec(&ctx->model, &op, F_OP_INPUTS);
        const srt_ivec *out = srt_model_ivec(&ctx->model, &op, F_OP_OUTPUTS);
        b->scope++;
        for (int32_t n = 0; n < out->size; n++)
            first_created(AI(base, out->data[n]), b->scope);
        int32_t start = b->scope;
        srt_status st = mark_control_flow(b, &op);
        if (st != SRT_OK)
            return st;
        for (int32_t n = 0; n < in->size; n++)
            if (in->data[n] >= 0)
                AI(base, in->data[n])->last = b->scope;
        for (int32_t n = 0; n < out->size; n++)
            AI(base, out->data[n])->last = b->scope;
        for (uint32_t r = 0; r < ctx->n_scratch; r++) {
            const srt_scratch_req *q = scratch_req(ctx, r);
            if (q->node == (int32_t)i && q->subgraph == sg) {
                alloc_info *a = AI(b->info, b->scratch_offset + r);
                first_created(a, start);
                a->last = b->scope;
            }
        }
    }
    for (uint32_t i = 0; i < g->outputs.len; i++) {
        alloc_info *a = AI(base, fb_rd_u32(g->table.buf + g->outputs.data + 4u * i));
        first_created(a, b->scope);
        a->last = b->scope;
    }
    b->depth--;
    return SRT_OK;
}

/* AllocateVariables: variable tensors without an offline offset get a 16-aligned tail buffer.
 * (TFLM indexes the offline plan with the subgraph-local tensor index here; so do we.) */
static srt_status allocate_variables(srt_ctx *ctx)
{
    const int32_t *off = ctx->model.offline_offsets;
    for (uint32_t s = 0; s < ctx->model.n_subgraphs; s++) {
        for (uint32_t i = 0; i < ctx->model.sg[s].tensors.len; i++) {
            srt_tensor_info ti;
            srt_model_tensor(&ctx->model, s, i, &ti);
            if (!ti.is_variable || (off != NULL && off[i] != SRT_ONLINE))
                continue;
            void *p = srt_arena_persistent(&ctx->arena, ti.bytes, SRT_BUFFER_ALIGN);
            if (p == NULL)
                return srt_arena_error(ctx, "variable tensor");
            ctx->tensors[s][i].data = p;
        }
    }
    return SRT_OK;
}

static srt_status plan(srt_ctx *ctx, builder *b, uint32_t count)
{
    srt_arena *a = &ctx->arena;
    uint32_t needs = 0;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) {
        alloc_info *ai = AI(b->info, i);
        if (!ai->needs)
            continue;
        needs++;
        sum += srt_align_up(ai->bytes, SRT_BUFFER_ALIGN) + (ai->offline > 0 ? (uint32_t)ai->offline : 0u);
        if (ai->offline < SRT_ONLINE)
            return srt_fail(ctx, SRT_ERR_MODEL, "negative offline offset %d", ai->offline);
    }
    if (sum > 0x7FFFFFF0u)
        return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "planned buffers add up to more than 2 GiB");
    ctx->n_planned = needs;
    size_t avail = srt_arena_available16(a);
    size_t want = (size_t)needs * SRT_PLANNER_BYTES_PER_BUFFER;
    srt_arena_note_planner(a, want);
    if (avail / SRT_PLANNER_BYTES_PER_BUFFER < needs || (size_t)srt_align_up(a->temp, 16) > a->tail) {
        a->missing = a->need > a->size ? a->need - a->size : want - avail;
        return srt_fail(ctx, SRT_ERR_ARENA, "Too many buffers (max is %u): the planner needs %u bytes, "
                        "%u available, missing: %u", (unsigned)(avail / SRT_PLANNER_BYTES_PER_BUFFER),
                        (unsigned)want, (unsigned)avail, (unsigned)a->missing);
    }
    void *mem = srt_arena_temp(a, want, SRT_BUFFER_ALIGN);
    if (mem == NULL && want > 0)
        return srt_arena_error(ctx, "memory planner");
    srt_planner p;
    srt_planner_init(&p, mem, want);
    for (uint32_t i = 0; i < count; i++) {
        alloc_info *ai = AI(b->info, i);
        if (ai->needs)
            srt_planner_add(&p, (int32_t)srt_align_up(ai->bytes, SRT_BUFFER_ALIGN), ai->first, ai->last,
                            ai->offline);
    }
    srt_planner_plan(&p);
    /* CommitPlan: data pointers of planned tensors and scratch buffers */
    uint8_t *head = a->base;
    int32_t k = 0;
    for (uint32_t s = 0; s < ctx->model.n_subgraphs; s++) {
        for (uint32_t i = 0; i < ctx->model.sg[s].tensors.len; i++) {
            alloc_info *ai = AI(b->info, b->sg_offset[s] + i);
            if (ai->needs)
                ctx->tensors[s][i].data = head + srt_planner_offset(&p, k++);
        }
    }
    for (uint32_t r = 0; r < ctx->n_scratch; r++)
        if (AI(b->info, b->scratch_offset + r)->needs)
            ctx->scratch_data[r] = head + srt_planner_offset(&p, k++);
    size_t max = (size_t)srt_planner_max_size(&p);
    a->temp_count = 0;
    srt_arena_reset_temp(a);
    if (!srt_arena_resize_head(a, max))
        return srt_arena_error(ctx, "planned head");
    memset(a->base, 0, max);   /* the planned head is written, so that painting sees it */
    return SRT_OK;
}

srt_status srt_commit_memory_plan(srt_ctx *ctx)
{
    srt_arena *a = &ctx->arena;
    srt_model *m = &ctx->model;
    /* AllocateScratchBufferHandles */
    if (ctx->n_scratch > 0) {
        _Static_assert(sizeof(void *) == SRT_SIZEOF_ScratchBufferHandle, "handle = one pointer");
        ctx->scratch_data = srt_arena_persistent(a, sizeof(void *) * ctx->n_scratch,
                                                 SRT_ALIGNOF_ScratchBufferHandle);
        if (ctx->scratch_data == NULL)
            return srt_arena_error(ctx, "ScratchBufferHandle");
    }
    /* Variables before the allocation info: with an arena that ends on 16 bytes this gives the
     * same success condition as TFLM's order (info first), without overlapping the two. */
    if (allocate_variables(ctx) != SRT_OK)
        return ctx->status;
    builder b = {ctx, NULL, NULL, 0, 0, 0, 0};
    b.sg_offset = srt_arena_temp(a, (size_t)SRT_SIZEOF_size_t * m->n_subgraphs, SRT_ALIGNOF_size_t);
    uint32_t count = m->n_tensors_total + ctx->n_scratch;
    if (b.sg_offset == NULL)
        return srt_arena_error(ctx, "subgraph offsets");
    b.info = srt_arena_temp(a, (size_t)SRT_SIZEOF_AllocationInfo * count, SRT_ALIGNOF_AllocationInfo);
    if (b.info == NULL)
        return srt_arena_error(ctx, "AllocationInfo");
    /* sg_offset entries are size_t-sized slots; we use the first 4 bytes of each */
    uint32_t *offs = b.sg_offset;
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        uint32_t v = m->sg[s].first_tensor;
        memcpy((uint8_t *)offs + (size_t)s * SRT_SIZEOF_size_t, &v, 4);
    }
    uint32_t local[SRT_MAX_SUBGRAPHS];
    for (uint32_t s = 0; s < m->n_subgraphs; s++)
        local[s] = m->sg[s].first_tensor;
    b.sg_offset = local;
    b.scratch_offset = m->n_tensors_total;
    /* InitializeAllocationInfo */
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        for (uint32_t i = 0; i < m->sg[s].tensors.len; i++) {
            srt_tensor_info ti;
            srt_model_tensor(m, s, i, &ti);
            uint32_t g = m->sg[s].first_tensor + i;
            alloc_info *ai = AI(b.info, g);
            ai->bytes = ti.bytes;
            ai->first = ai->last = -1;
            ai->needs = ctx->tensors[s][i].data == NULL && !ti.is_variable && ti.bytes != 0;
            ai->offline = m->offline_offsets ? m->offline_offsets[g] : SRT_ONLINE;
            if (ti.is_variable && ai->offline != SRT_ONLINE)
                ai->needs = 1;
        }
    }
    for (uint32_t r = 0; r < ctx->n_scratch; r++) {
        alloc_info *ai = AI(b.info, b.scratch_offset + r);
        ai->bytes = scratch_req(ctx, r)->bytes;
        ai->first = ai->last = -1;
        ai->needs = 1;
        ai->offline = SRT_ONLINE;
    }
    srt_status st = mark(&b, 0);
    if (st != SRT_OK)
        return st;
    return plan(ctx, &b, count);
}
