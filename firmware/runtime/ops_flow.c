/* ops_flow.c - IF and WHILE (TFLM if.cc / while.cc): tensors are copied between the node and
 * the branch/body subgraphs, as in TFLM. Arena: an 8-byte options struct and an 8-byte OpData
 * each; IF takes one temporary tensor (the condition) in Prepare, WHILE none. */
#include <string.h>

#include "interpreter.h"
#include "ops_control.h"

enum { OPT_IF = 92, OPT_WHILE = 93 };
/* A WHILE whose condition never turns false would never end; TFLM loops forever, we stop. */
#define MAX_WHILE_ITERATIONS 100000

typedef struct {
    int32_t first, second;   /* then/else or cond/body subgraph */
} flow_params;
_Static_assert(sizeof(flow_params) <= SRT_PARAMS_SIZE_IF && sizeof(flow_params) <= SRT_OPDATA_SIZE_IF,
               "fits TfLiteIfParams / OpData");
_Static_assert(sizeof(flow_params) <= SRT_PARAMS_SIZE_WHILE && sizeof(flow_params) <= SRT_OPDATA_SIZE_WHILE,
               "fits TfLiteWhileParams / OpData");

static srt_status flow_parse(srt_ctx *ctx, const srt_fb_table *options, void *params)
{
    flow_params *p = params;
    (void)ctx;
    p->first = srt_fb_i32(options, 0, 0);
    p->second = srt_fb_i32(options, 1, 0);
    return SRT_OK;
}

static uint32_t sg_count(const srt_ctx *ctx, int32_t sg, bool outputs)
{
    const srt_subgraph *g = &ctx->model.sg[sg];
    return outputs ? g->outputs.len : g->inputs.len;
}

static srt_eval_tensor *sg_tensor(srt_ctx *ctx, int32_t sg, bool outputs, uint32_t i)
{
    const srt_subgraph *g = &ctx->model.sg[sg];
    const fb_vec *v = outputs ? &g->outputs : &g->inputs;
    if (i >= v->len)
        return NULL;
    return &ctx->tensors[sg][fb_rd_u32(g->table.buf + v->data + 4u * i)];
}

static size_t eval_bytes(const srt_eval_tensor *t)
{
    return (size_t)srt_num_elements(t->dims) * srt_type_size(t->type);
}

/* dst <- src, both must have data and the same byte size */
static srt_status copy(srt_ctx *ctx, srt_eval_tensor *dst, const srt_eval_tensor *src, const char *op)
{
    if (dst == NULL || src == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
    size_t n = eval_bytes(src);
    if (n != eval_bytes(dst) || (n > 0 && (dst->data == NULL || src->data == NULL)))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: tensors of %u and %u bytes cannot be copied", op,
                        (unsigned)n, (unsigned)eval_bytes(dst));
    if (n > 0 && dst->data != src->data)
        memmove(dst->data, src->data, n);
    return SRT_OK;
}

static srt_status check_subgraph(srt_ctx *ctx, int32_t sg, const char *op)
{
    if (sg < 0 || (uint32_t)sg >= ctx->model.n_subgraphs)
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: subgraph %d of %u", op, sg, ctx->model.n_subgraphs);
    return SRT_OK;
}

/* ---- IF ---- */

static srt_status if_prepare(srt_ctx *ctx, srt_node *node)
{
    flow_params *d = node->user_data;
    *d = *(const flow_params *)node->builtin_data;
    if (node->inputs->size < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "IF needs a condition input");
    const srt_tensor *cond = srt_prepare_input(ctx, node, 0);
    if (cond == NULL)
        return ctx->status != SRT_OK ? ctx->status : srt_fail(ctx, SRT_ERR_MODEL, "IF: no condition");
    if (cond->type != SRT_BOOL || srt_num_elements(cond->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "IF: the condition must be one BOOL");
    if (check_subgraph(ctx, d->first, "IF") != SRT_OK || check_subgraph(ctx, d->second, "IF") != SRT_OK)
        return ctx->status;
    for (int k = 0; k < 2; k++) {
        int32_t sg = k ? d->second : d->first;
        if (sg_count(ctx, sg, false) != (uint32_t)node->inputs->size - 1 ||
            sg_count(ctx, sg, true) != (uint32_t)node->outputs->size)
            return srt_fail(ctx, SRT_ERR_MODEL, "IF: subgraph %d inputs/outputs do not match the node", sg);
    }
    return SRT_OK;
}

static srt_status if_eval(srt_ctx *ctx, srt_node *node)
{
    const flow_params *d = node->user_data;
    srt_eval_tensor *cond = srt_eval_input(ctx, node, 0);
    if (cond == NULL || cond->data == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "IF: condition has no data");
    int32_t sg = *(const uint8_t *)cond->data ? d->first : d->second;
    int32_t caller = ctx->cur_sg;
    for (int32_t i = 1; i < node->inputs->size; i++) {
        srt_eval_tensor *src = srt_eval_input(ctx, node, i);
        if (copy(ctx, sg_tensor(ctx, sg, false, (uint32_t)i - 1), src, "IF") != SRT_OK)
            return ctx->status;
    }
    srt_status st = srt_invoke_subgraph(ctx, sg);
    if (st != SRT_OK)
        return st;
    ctx->cur_sg = caller;
    for (int32_t i = 0; i < node->outputs->size; i++)
        if (copy(ctx, srt_eval_output(ctx, node, i), sg_tensor(ctx, sg, true, (uint32_t)i), "IF") != SRT_OK)
            return ctx->status;
    return SRT_OK;
}

/* ---- WHILE ---- */

static srt_status while_prepare(srt_ctx *ctx, srt_node *node)
{
    flow_params *d = node->user_data;
    *d = *(const flow_params *)node->builtin_data;
    if (check_subgraph(ctx, d->first, "WHILE") != SRT_OK || check_subgraph(ctx, d->second, "WHILE") != SRT_OK)
        return ctx->status;
    uint32_t n = (uint32_t)node->inputs->size;
    if (sg_count(ctx, d->first, false) != n || sg_count(ctx, d->second, false) != n ||
        (uint32_t)node->outputs->size != n || sg_count(ctx, d->second, true) != n ||
        sg_count(ctx, d->first, true) < 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "WHILE: subgraph inputs/outputs do not match the node");
    return SRT_OK;
}

/* Run the condition subgraph on `from` (the node's inputs, or its outputs) and read its bool. */
static srt_status while_cond(srt_ctx *ctx, srt_node *node, int32_t sg, bool from_outputs, bool *value)
{
    int32_t caller = ctx->cur_sg;
    for (int32_t i = 0; i < node->inputs->size; i++) {
        srt_eval_tensor *src = from_outputs ? srt_eval_output(ctx, node, i) : srt_eval_input(ctx, node, i);
        if (copy(ctx, sg_tensor(ctx, sg, false, (uint32_t)i), src, "WHILE") != SRT_OK)
            return ctx->status;
    }
    srt_status st = srt_invoke_subgraph(ctx, sg);
    if (st != SRT_OK)
        return st;
    ctx->cur_sg = caller;
    const srt_eval_tensor *c = sg_tensor(ctx, sg, true, 0);
    if (c == NULL || c->data == NULL || c->type != SRT_BOOL)
        return srt_fail(ctx, SRT_ERR_MODEL, "WHILE: the condition subgraph must output a BOOL");
    *value = *(const uint8_t *)c->data != 0;
    return SRT_OK;
}

static srt_status while_eval(srt_ctx *ctx, srt_node *node)
{
    const flow_params *d = node->user_data;
    int32_t caller = ctx->cur_sg;
    bool go;
    if (while_cond(ctx, node, d->first, false, &go) != SRT_OK)
        return ctx->status;
    for (int32_t i = 0; i < node->inputs->size; i++)
        if (copy(ctx, srt_eval_output(ctx, node, i), srt_eval_input(ctx, node, i), "WHILE") != SRT_OK)
            return ctx->status;
    for (uint32_t it = 0; go; it++) {
        if (it >= MAX_WHILE_ITERATIONS)
            return srt_fail(ctx, SRT_ERR_UNSUPPORTED, "WHILE ran %u iterations without ending",
                            MAX_WHILE_ITERATIONS);
        for (int32_t i = 0; i < node->outputs->size; i++)
            if (copy(ctx, sg_tensor(ctx, d->second, false, (uint32_t)i), srt_eval_output(ctx, node, i),
                     "WHILE") != SRT_OK)
                return ctx->status;
        srt_status st = srt_invoke_subgraph(ctx, d->second);
        if (st != SRT_OK)
            return st;
        ctx->cur_sg = caller;
        for (int32_t i = 0; i < node->outputs->size; i++)
            if (copy(ctx, srt_eval_output(ctx, node, i), sg_tensor(ctx, d->second, true, (uint32_t)i),
                     "WHILE") != SRT_OK)
                return ctx->status;
        if (while_cond(ctx, node, d->first, true, &go) != SRT_OK)
            return ctx->status;
    }
    return SRT_OK;
}

const srt_op srt_op_if = {
    SRT_OP_IF, "IF", OPT_IF, SRT_PARAMS_SIZE_IF, SRT_PARAMS_ALIGN_IF, flow_parse, SRT_OPDATA_SIZE_IF,
    if_prepare, if_eval,
};
const srt_op srt_op_while = {
    SRT_OP_WHILE, "WHILE", OPT_WHILE, SRT_PARAMS_SIZE_WHILE, SRT_PARAMS_ALIGN_WHILE, flow_parse,
    SRT_OPDATA_SIZE_WHILE, while_prepare, while_eval,
};
