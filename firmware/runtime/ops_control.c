/* ops_control.c - VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE; see ops_control.h. */
#include "ops_control.h"

#include <string.h>

#include "interpreter.h"

enum { OPT_VAR_HANDLE = 111, OPT_CALL_ONCE = 103 };

/* Our TfLiteVarHandleParams stand-in: the names as hashes (a fuzzed model's strings need not
 * be NUL-terminated, so we never keep pointers to them). */
typedef struct {
    uint32_t container_hash;
    uint32_t name_hash;
} var_handle_params;
_Static_assert(sizeof(var_handle_params) <= SRT_PARAMS_SIZE_VAR_HANDLE, "fits TfLiteVarHandleParams");

typedef struct {
    int32_t resource_id;
} var_handle_data;
_Static_assert(sizeof(var_handle_data) <= SRT_OPDATA_SIZE_VAR_HANDLE, "fits TFLM's OpData");

typedef struct {
    int32_t init_subgraph_index;
} call_once_params;
_Static_assert(sizeof(call_once_params) <= SRT_PARAMS_SIZE_CALL_ONCE, "fits TfLiteCallOnceParams");

typedef struct {
    int32_t init_subgraph_index;
    bool has_run;
} call_once_data;
_Static_assert(sizeof(call_once_data) <= SRT_OPDATA_SIZE_CALL_ONCE, "fits TFLM's OpData");

/* Prepare-time temporary tensors: TFLM @90b983c (the Arm builds) takes one only for READ_VARIABLE's
 * input and ASSIGN_VARIABLE's value, and reads handles through their eval tensors; the wheel's newer
 * TFLM was probed to take one more per op (VAR_HANDLE's output, READ_VARIABLE's output,
 * ASSIGN_VARIABLE's handle; estimator/data/op_costs.json "temps" vs temps_by_variant). */
#if defined(SRT_ABI_X86_64_WHEEL)
#define WHEEL_TEMPS 1
#else
#define WHEEL_TEMPS 0
#endif

static uint32_t hash(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

uint32_t srt_count_resource_variables(const srt_model *m)
{
    uint32_t seen[64];
    uint32_t n = 0;
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        for (uint32_t i = 0; i < m->sg[s].operators.len; i++) {
            srt_fb_table op, opt;
            srt_model_operator(m, s, i, &op);
            if (srt_model_op_code(m, &op) != SRT_OP_VAR_HANDLE)
                continue;
            const char *name = NULL;
            uint32_t len = 0;
            if (fb_table(&op, F_OP_OPTIONS, &opt, NULL))
                fb_string(&opt, 1, &name, &len);
            uint32_t h = hash(name ? name : "", len);
            bool dup = false;
            for (uint32_t k = 0; k < n; k++)
                dup = dup || seen[k] == h;
            if (!dup && n < sizeof seen / sizeof seen[0])
                seen[n++] = h;
        }
    }
    return n;
}

void srt_reset_resource_variables(srt_ctx *ctx)
{
    for (uint32_t i = 0; i < ctx->n_resvars; i++)
        if (ctx->resvars[i].buffer != NULL)
            memset(ctx->resvars[i].buffer, 0, ctx->resvars[i].bytes);
}

/* ---- VAR_HANDLE ---- */

static srt_status var_handle_parse(srt_ctx *ctx, const srt_fb_table *options, void *params)
{
    var_handle_params *p = params;
    const char *s;
    uint32_t len;
    (void)ctx;
    p->container_hash = hash("", 0);
    p->name_hash = hash("", 0);
    if (options != NULL) {
        if (fb_string(options, 0, &s, &len) && s != NULL)
            p->container_hash = hash(s, len);
        if (fb_string(options, 1, &s, &len) && s != NULL)
            p->name_hash = hash(s, len);
    }
    return SRT_OK;
}

static srt_status var_handle_prepare(srt_ctx *ctx, srt_node *node)
{
    const var_handle_params *p = node->builtin_data;
    var_handle_data *d = node->user_data;
    if (ctx->resvars == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "VAR_HANDLE requires resource variables.");
    /* the wheel's VAR_HANDLE takes one temporary output tensor in Prepare (probed by the
     * estimator engineer with arena starvation, estimator/data/op_costs.json) */
    if (WHEEL_TEMPS && srt_prepare_output(ctx, node, 0) == NULL)
        return ctx->status != SRT_OK ? ctx->status : srt_fail(ctx, SRT_ERR_MODEL, "VAR_HANDLE has no output");
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (out == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "VAR_HANDLE has no output");
    /* the handle's data will point at a 4-byte id: anything larger would be written past it */
    if ((out->type != SRT_RESOURCE && out->type != SRT_INT32) || srt_num_elements(out->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "VAR_HANDLE output must be one RESOURCE/INT32 element");
    int32_t id = -1;
    for (uint32_t i = 0; i < ctx->n_resvars; i++)
        if (ctx->resvars[i].container_hash == p->container_hash && ctx->resvars[i].name_hash == p->name_hash)
            id = (int32_t)i;
    if (id < 0) {
        if (ctx->n_resvars >= ctx->max_resvars)
            return srt_fail(ctx, SRT_ERR_MODEL,
                            "Failed to allocate resource variable. Maximum resource variable count (%u) reached.",
                            ctx->max_resvars);
        id = (int32_t)ctx->n_resvars++;
        ctx->resvars[id].container_hash = p->container_hash;
        ctx->resvars[id].name_hash = p->name_hash;
    }
    d->resource_id = id;
    out->data = &d->resource_id;   /* the handle tensor always yields this id (not planned) */
    return SRT_OK;
}

static srt_status var_handle_eval(srt_ctx *ctx, srt_node *node)
{
    var_handle_data *d = node->user_data;
    srt_eval_tensor *out = srt_eval_output(ctx, node, 0);
    if (out == NULL)
        return SRT_ERR_MODEL;
    out->data = &d->resource_id;
    return SRT_OK;
}

/* ---- READ_VARIABLE / ASSIGN_VARIABLE ---- */

/* The resource id a handle tensor holds (Prepare: through the temporary tensor's data). */
static srt_status resource_id(srt_ctx *ctx, const void *data, uint8_t type, const srt_ivec *dims,
                              int32_t *id)
{
    if (type != SRT_RESOURCE && type != SRT_INT32)
        return srt_fail(ctx, SRT_ERR_MODEL, "resource id tensor has type %s", srt_type_name(type));
    if (srt_num_elements(dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "resource id tensor must have one element");
    if (data == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "resource id tensor is not produced by a VAR_HANDLE");
    int32_t v;
    memcpy(&v, data, sizeof v);
    if (v < 0 || (uint32_t)v >= ctx->n_resvars)
        return srt_fail(ctx, SRT_ERR_MODEL, "Attempting to use non-existent resource variable %d", v);
    *id = v;
    return SRT_OK;
}

static srt_status read_variable_prepare(srt_ctx *ctx, srt_node *node)
{
    if (node->inputs->size != 1 || node->outputs->size != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE takes 1 input and 1 output");
    const srt_tensor *id = srt_prepare_input(ctx, node, 0);
    if (id == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE: no resource input");
    if (id->type != SRT_RESOURCE && id->type != SRT_INT32)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE: resource id has type %s", srt_type_name(id->type));
    if (srt_num_elements(id->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE: resource id must have one element");
    if (WHEEL_TEMPS && srt_prepare_output(ctx, node, 0) == NULL)
        return ctx->status != SRT_OK ? ctx->status : srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE: no output");
    if (ctx->resvars == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE requires resource variables.");
    return SRT_OK;
}

static srt_status read_variable_eval(srt_ctx *ctx, srt_node *node)
{
    srt_eval_tensor *in = srt_eval_input(ctx, node, 0), *out = srt_eval_output(ctx, node, 0);
    int32_t id;
    if (in == NULL || out == NULL || resource_id(ctx, in->data, in->type, in->dims, &id) != SRT_OK)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE: bad operands");
    const srt_resvar *v = &ctx->resvars[id];
    size_t bytes = (size_t)srt_num_elements(out->dims) * srt_type_size(out->type);
    if (v->buffer == NULL || v->bytes != bytes || out->data == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "READ_VARIABLE: variable %d has %u bytes, output %u", id,
                        v->bytes, (unsigned)bytes);
    memcpy(out->data, v->buffer, bytes);
    return SRT_OK;
}

static srt_status assign_variable_prepare(srt_ctx *ctx, srt_node *node)
{
    if (node->inputs->size != 2 || node->outputs->size != 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE takes 2 inputs and no output");
    if (WHEEL_TEMPS && srt_prepare_input(ctx, node, 0) == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: no resource input");
    const srt_eval_tensor *idt = srt_eval_input(ctx, node, 0);
    if (idt == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: no resource input");
    if (idt->type != SRT_RESOURCE && idt->type != SRT_INT32)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: resource id has type %s", srt_type_name(idt->type));
    if (srt_num_elements(idt->dims) != 1)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: resource id must have one element");
    if (ctx->resvars == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE requires resource variables.");
    const srt_tensor *value = srt_prepare_input(ctx, node, 1);
    if (value == NULL)
        return ctx->status != SRT_OK ? ctx->status : srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: no value");
    /* a handle made in another subgraph has no id yet: TFLM leaves the check to Eval */
    if (idt->data == NULL)
        return SRT_OK;
    int32_t id;
    if (resource_id(ctx, idt->data, idt->type, idt->dims, &id) != SRT_OK)
        return ctx->status;
    srt_resvar *v = &ctx->resvars[id];
    if (v->buffer == NULL) {   /* MicroResourceVariables::Allocate: first assignment sizes it */
        v->bytes = (uint32_t)value->bytes;
        v->buffer = srt_alloc_persistent(ctx, value->bytes);
        if (v->buffer == NULL)
            return ctx->status;
    }
    return SRT_OK;
}

static srt_status assign_variable_eval(srt_ctx *ctx, srt_node *node)
{
    srt_eval_tensor *idt = srt_eval_input(ctx, node, 0), *val = srt_eval_input(ctx, node, 1);
    int32_t id;
    if (idt == NULL || val == NULL || resource_id(ctx, idt->data, idt->type, idt->dims, &id) != SRT_OK)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: bad operands");
    srt_resvar *v = &ctx->resvars[id];
    size_t bytes = (size_t)srt_num_elements(val->dims) * srt_type_size(val->type);
    if (v->buffer == NULL || v->bytes != bytes || val->data == NULL)
        return srt_fail(ctx, SRT_ERR_MODEL, "ASSIGN_VARIABLE: variable %d has %u bytes, value %u", id,
                        v->bytes, (unsigned)bytes);
    memcpy(v->buffer, val->data, bytes);
    return SRT_OK;
}

/* ---- CALL_ONCE ---- */

static srt_status call_once_parse(srt_ctx *ctx, const srt_fb_table *options, void *params)
{
    (void)ctx;
    ((call_once_params *)params)->init_subgraph_index = srt_fb_i32(options, 0, 0);
    return SRT_OK;
}

static srt_status call_once_prepare(srt_ctx *ctx, srt_node *node)
{
    const call_once_params *p = node->builtin_data;
    call_once_data *d = node->user_data;
    d->init_subgraph_index = p->init_subgraph_index;
    d->has_run = false;
    if (node->inputs->size != 0 || node->outputs->size != 0)
        return srt_fail(ctx, SRT_ERR_MODEL, "CALL_ONCE takes no inputs or outputs");
    if (p->init_subgraph_index < 0 || (uint32_t)p->init_subgraph_index >= ctx->model.n_subgraphs)
        return srt_fail(ctx, SRT_ERR_MODEL, "CALL_ONCE: subgraph %d of %u", p->init_subgraph_index,
                        ctx->model.n_subgraphs);
    return SRT_OK;
}

static srt_status call_once_eval(srt_ctx *ctx, srt_node *node)
{
    call_once_data *d = node->user_data;
    if (d->has_run)
        return SRT_OK;
    srt_status st = srt_invoke_subgraph(ctx, d->init_subgraph_index);
    if (st == SRT_OK)
        d->has_run = true;
    return st;
}

const srt_op srt_op_var_handle = {
    SRT_OP_VAR_HANDLE, "VAR_HANDLE", OPT_VAR_HANDLE, SRT_PARAMS_SIZE_VAR_HANDLE,
    SRT_PARAMS_ALIGN_VAR_HANDLE, var_handle_parse, SRT_OPDATA_SIZE_VAR_HANDLE, var_handle_prepare,
    var_handle_eval,
};
const srt_op srt_op_read_variable = {
    SRT_OP_READ_VARIABLE, "READ_VARIABLE", 0, 0, 0, NULL, 0, read_variable_prepare, read_variable_eval,
};
const srt_op srt_op_assign_variable = {
    SRT_OP_ASSIGN_VARIABLE, "ASSIGN_VARIABLE", 0, 0, 0, NULL, SRT_OPDATA_SIZE_ASSIGN_VARIABLE, assign_variable_prepare,
    assign_variable_eval,
};
const srt_op srt_op_call_once = {
    SRT_OP_CALL_ONCE, "CALL_ONCE", OPT_CALL_ONCE, SRT_PARAMS_SIZE_CALL_ONCE,
    SRT_PARAMS_ALIGN_CALL_ONCE, call_once_parse, SRT_OPDATA_SIZE_CALL_ONCE, call_once_prepare,
    call_once_eval,
};
