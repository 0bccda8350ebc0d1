/* compare_logical.c - EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL (bool output),
 * LOGICAL_AND, LOGICAL_OR, SELECT_V2, as TFLM's comparisons.cc, logical.cc and select.cc:
 *   comparisons  bool/float32/int32/int64 compared as they are; int8 rescaled first: each input
 *                (x - zp) << 8, times its own scale as a Q31 multiplier below one (the scaled values,
 *                not the raw ones, are compared); broadcasting up to 4-D;
 *   logical      bool, broadcasting up to 4-D;
 *   SELECT_V2    float32/int8/int16 picked by a bool condition, broadcasting up to 5-D.
 * Arena: comparisons have ComparisonParams from Init and take both inputs as temporaries (never
 * the output); LOGICAL_AND/OR have neither Init nor Prepare; SELECT_V2 has a 1-byte OpData and
 * takes its three inputs and its output as temporaries. */
#include "ops.h"
#include "k_bcast.h"
#include "kernels_simple_abi.h"

typedef struct {
    int32_t left_shift, in1_off, in1_mult, in1_shift, in2_off, in2_mult, in2_shift;
    bool scaled;
} k_cmp_data;
K_STATIC_FITS(k_cmp_data, SRT_OPDATA_SIZE_COMPARISON);

typedef struct { bool requires_broadcast; } k_select_data;
K_STATIC_FITS(k_select_data, SRT_OPDATA_SIZE_SELECT_V2);

#define CHECK(x) do { srt_status st_ = (x); if (st_ != SRT_OK) return st_; } while (0)

enum { CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE };
static const char *const k_cmp_names[] = {"EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS",
                                          "LESS_EQUAL"};

#define CMP(kind, a, b)                                                                          \
    ((kind) == CMP_EQ ? (a) == (b) : (kind) == CMP_NE ? (a) != (b) : (kind) == CMP_GT ? (a) > (b) \
     : (kind) == CMP_GE ? (a) >= (b) : (kind) == CMP_LT ? (a) < (b) : (a) <= (b))

static srt_status cmp_prepare(srt_ctx *ctx, srt_node *node, int kind) {
    const char *op = k_cmp_names[kind];
    k_cmp_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_tensor *a = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, a, op, "input1"));
    const srt_tensor *b = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, b, op, "input2"));
    const srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!o) return srt_fail(ctx, SRT_ERR_MODEL, "%s: no output", op);
    const bool eq = kind == CMP_EQ || kind == CMP_NE;
    const uint8_t t = a->type;
    if (t != b->type || !(t == SRT_FLOAT32 || t == SRT_INT32 || t == SRT_INT64 || t == SRT_INT8 ||
                          (eq && t == SRT_BOOL)))
        return k_unsupported_type(ctx, op, t != b->type ? b->type : t);
    if (o->type != SRT_BOOL) return k_unsupported_type(ctx, op, o->type);
    const srt_ivec *ins[2] = {a->dims, b->dims};
    kb_plan p;
    if (!(k_same_dims(a->dims, b->dims) && k_elements(a->dims) == k_elements(o->dims)) &&
        !kb_setup(&p, ins, 2, o->dims, 4))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: input shapes do not broadcast to the output (max 4-D)", op);
    d->scaled = t == SRT_INT8;
    if (d->scaled) {
        CHECK(k_require_quant(ctx, a, op, "input1"));
        CHECK(k_require_quant(ctx, b, op, "input2"));
        const double s1 = (double)srt_q_scale(a, 0), s2 = (double)srt_q_scale(b, 0);
        if (!(s1 > 0.0 && s1 < 1.0 && s2 > 0.0 && s2 < 1.0))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: int8 input scales must lie in (0, 1)", op);
        int sh;
        d->left_shift = 8;
        d->in1_off = -srt_q_zero_point(a, 0);
        d->in2_off = -srt_q_zero_point(b, 0);
        srt_quantize_multiplier(s1, &d->in1_mult, &sh); d->in1_shift = sh;
        srt_quantize_multiplier(s2, &d->in2_mult, &sh); d->in2_shift = sh;
    }
    return SRT_OK;
}

/* Runs BODY(i1, i2, io) over the output, flat when the inputs have the same shape. */
#define BIN_LOOP(same, plan, n, BODY)                                                     \
    do {                                                                                  \
        if (same) {                                                                       \
            for (size_t io = 0; io < (size_t)(n); ++io) { size_t i1 = io, i2 = io; BODY; } \
        } else {                                                                          \
            kb_iter it_;                                                                  \
            kb_begin(&it_);                                                               \
            for (size_t io = 0; io < (size_t)(plan).total; ++io) {                        \
                size_t i1 = it_.off[0], i2 = it_.off[1];                                  \
                BODY;                                                                     \
                kb_next(&(plan), &it_);                                                   \
            }                                                                             \
        }                                                                                 \
    } while (0)

/* Shapes at Eval: flat when both inputs have the same dims, else the broadcast plan. */
static srt_status bin_shapes(srt_ctx *ctx, const char *op, const srt_eval_tensor *a, const srt_eval_tensor *b,
                             const srt_eval_tensor *o, int32_t max_rank, bool *same, kb_plan *p, int32_t *n) {
    *same = k_same_dims(a->dims, b->dims);
    *n = k_elements(a->dims);
    if (*same && *n >= 0 && *n == k_elements(o->dims)) return SRT_OK;
    *same = false;
    const srt_ivec *ins[2] = {a->dims, b->dims};
    if (!kb_setup(p, ins, 2, o->dims, max_rank))
        return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes do not broadcast", op);
    *n = p->total;
    return SRT_OK;
}

static srt_status cmp_eval(srt_ctx *ctx, srt_node *node, int kind) {
    const char *op = k_cmp_names[kind];
    const k_cmp_data *d = node->user_data;
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o || !a->data || !b->data || !o->data) return k_missing(ctx, op);
    bool same;
    kb_plan p;
    int32_t n;
    CHECK(bin_shapes(ctx, op, a, b, o, 4, &same, &p, &n));
    uint8_t *z = o->data;
    switch (a->type) {
    case SRT_FLOAT32: {
        const float *x = a->data, *y = b->data;
        BIN_LOOP(same, p, n, z[io] = CMP(kind, x[i1], y[i2]));
        break;
    }
    case SRT_INT32: {
        const int32_t *x = a->data, *y = b->data;
        BIN_LOOP(same, p, n, z[io] = CMP(kind, x[i1], y[i2]));
        break;
    }
    case SRT_INT64: {
        const int64_t *x = a->data, *y = b->data;
        BIN_LOOP(same, p, n, z[io] = CMP(kind, x[i1], y[i2]));
        break;
    }
    case SRT_BOOL: {
        const uint8_t *x = a->data, *y = b->data;
        BIN_LOOP(same, p, n, z[io] = CMP(kind, x[i1] != 0, y[i2] != 0));
        break;
    }
    case SRT_INT8: {
        const int8_t *x = a->data, *y = b->data;
        BIN_LOOP(same, p, n, {
            const int32_t v1 = srt_mbqm_lt1((d->in1_off + x[i1]) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
            const int32_t v2 = srt_mbqm_lt1((d->in2_off + y[i2]) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
            z[io] = CMP(kind, v1, v2);
        });
        break;
    }
    default:
        return k_unsupported_type(ctx, op, a->type);
    }
    return SRT_OK;
}

#define CMP_FNS(lower, KIND)                                                                         \
    static srt_status lower##_prepare(srt_ctx *ctx, srt_node *node) { return cmp_prepare(ctx, node, KIND); } \
    static srt_status lower##_eval(srt_ctx *ctx, srt_node *node) { return cmp_eval(ctx, node, KIND); }
CMP_FNS(eq, CMP_EQ)
CMP_FNS(ne, CMP_NE)
CMP_FNS(gt, CMP_GT)
CMP_FNS(ge, CMP_GE)
CMP_FNS(lt, CMP_LT)
CMP_FNS(le, CMP_LE)

/* ---- LOGICAL_AND / LOGICAL_OR: no Prepare in TFLM, so no temporaries ---- */
static srt_status logical_prepare(srt_ctx *ctx, srt_node *node, const char *op) {
    CHECK(k_check_io(ctx, node, 2, 2, 1, op));
    const srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    const srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o) return srt_fail(ctx, SRT_ERR_MODEL, "%s: missing tensor", op);
    if (a->type != SRT_BOOL || b->type != SRT_BOOL || o->type != SRT_BOOL)
        return k_unsupported_type(ctx, op, a->type != SRT_BOOL ? a->type : b->type != SRT_BOOL ? b->type : o->type);
    bool same;
    kb_plan p;
    int32_t n;
    return bin_shapes(ctx, op, a, b, o, 4, &same, &p, &n);
}

static srt_status logical_eval(srt_ctx *ctx, srt_node *node, const char *op, bool is_and) {
    srt_eval_tensor *a = srt_eval_input(ctx, node, 0), *b = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *o = srt_eval_output(ctx, node, 0);
    if (!a || !b || !o || !a->data || !b->data || !o->data) return k_missing(ctx, op);
    bool same;
    kb_plan p;
    int32_t n;
    CHECK(bin_shapes(ctx, op, a, b, o, 4, &same, &p, &n));
    const uint8_t *x = a->data, *y = b->data;
    uint8_t *z = o->data;
    if (is_and) BIN_LOOP(same, p, n, z[io] = (x[i1] && y[i2]));
    else BIN_LOOP(same, p, n, z[io] = (x[i1] || y[i2]));
    return SRT_OK;
}
static srt_status land_prepare(srt_ctx *ctx, srt_node *node) { return logical_prepare(ctx, node, "LOGICAL_AND"); }
static srt_status lor_prepare(srt_ctx *ctx, srt_node *node) { return logical_prepare(ctx, node, "LOGICAL_OR"); }
static srt_status land_eval(srt_ctx *ctx, srt_node *node) { return logical_eval(ctx, node, "LOGICAL_AND", true); }
static srt_status lor_eval(srt_ctx *ctx, srt_node *node) { return logical_eval(ctx, node, "LOGICAL_OR", false); }

/* ---- SELECT_V2 ---- */
static srt_status select_prepare(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SELECT_V2";
    k_select_data *d = node->user_data;
    CHECK(k_check_io(ctx, node, 3, 3, 1, op));
    const srt_tensor *c = srt_prepare_input(ctx, node, 0);
    CHECK(k_check_tensor(ctx, c, op, "condition"));
    const srt_tensor *x = srt_prepare_input(ctx, node, 1);
    CHECK(k_check_tensor(ctx, x, op, "x"));
    const srt_tensor *y = srt_prepare_input(ctx, node, 2);
    CHECK(k_check_tensor(ctx, y, op, "y"));
    const srt_tensor *o = srt_prepare_output(ctx, node, 0);
    CHECK(k_check_tensor(ctx, o, op, "output"));
    if (c->type != SRT_BOOL) return k_unsupported_type(ctx, op, c->type);
    if (x->type != y->type || x->type != o->type ||
        (x->type != SRT_FLOAT32 && x->type != SRT_INT8 && x->type != SRT_INT16))
        return k_unsupported_type(ctx, op, x->type != y->type ? y->type : x->type != o->type ? o->type : x->type);
    const int32_t nc = k_elements(c->dims), nx = k_elements(x->dims), ny = k_elements(y->dims),
                  no = k_elements(o->dims);
    const bool scalars = nc == 1 && nx == 1 && ny == 1 && no == 1;
    const bool same = k_same_dims(c->dims, x->dims) && k_same_dims(x->dims, y->dims) && nx == no;
    d->requires_broadcast = false;
    if (!same && !scalars) {
        const srt_ivec *ins[3] = {c->dims, x->dims, y->dims};
        kb_plan p;
        if (!kb_setup(&p, ins, 3, o->dims, 5))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes are not broadcastable (max 5-D)", op);
        d->requires_broadcast = true;
    }
    return SRT_OK;
}

static srt_status select_eval(srt_ctx *ctx, srt_node *node) {
    static const char op[] = "SELECT_V2";
    const k_select_data *d = node->user_data;
    srt_eval_tensor *c = srt_eval_input(ctx, node, 0), *x = srt_eval_input(ctx, node, 1);
    srt_eval_tensor *y = srt_eval_input(ctx, node, 2), *o = srt_eval_output(ctx, node, 0);
    if (!c || !x || !y || !o || !c->data || !x->data || !y->data || !o->data) return k_missing(ctx, op);
    const size_t es = srt_type_size(o->type);
    const uint8_t *cv = c->data, *xv = x->data, *yv = y->data;
    uint8_t *ov = o->data;
    if (!d->requires_broadcast) {
        const int32_t n = k_elements(o->dims) == 1 ? 1 : k_elements(x->dims);
        if (n < 0 || n > k_elements(o->dims) || n > k_elements(c->dims) || n > k_elements(y->dims))
            return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes", op);
        for (int32_t i = 0; i < n; ++i) memcpy(ov + (size_t)i * es, (cv[i] ? xv : yv) + (size_t)i * es, es);
        return SRT_OK;
    }
    const srt_ivec *ins[3] = {c->dims, x->dims, y->dims};
    kb_plan p;
    if (!kb_setup(&p, ins, 3, o->dims, 5)) return srt_fail(ctx, SRT_ERR_MODEL, "%s: shapes", op);
    kb_iter it;
    kb_begin(&it);
    for (int32_t i = 0; i < p.total; ++i) {
        memcpy(ov + (size_t)i * es, cv[it.off[0]] ? xv + it.off[1] * es : yv + it.off[2] * es, es);
        kb_next(&p, &it);
    }
    return SRT_OK;
}

#define SIMPLE_OP(var, code, nm, opdata, prep, ev)                                                  \
    const srt_op var = {.builtin_code = code, .name = nm, .options_type = 0, .params_size = 0,    \
                        .params_align = 0, .parse = NULL, .opdata_size = opdata, .prepare = prep,   \
                        .eval = ev}

SIMPLE_OP(srt_op_equal, 71, "EQUAL", SRT_OPDATA_SIZE_COMPARISON, eq_prepare, eq_eval);
SIMPLE_OP(srt_op_not_equal, 72, "NOT_EQUAL", SRT_OPDATA_SIZE_COMPARISON, ne_prepare, ne_eval);
SIMPLE_OP(srt_op_greater, 61, "GREATER", SRT_OPDATA_SIZE_COMPARISON, gt_prepare, gt_eval);
SIMPLE_OP(srt_op_greater_equal, 62, "GREATER_EQUAL", SRT_OPDATA_SIZE_COMPARISON, ge_prepare, ge_eval);
SIMPLE_OP(srt_op_less, 58, "LESS", SRT_OPDATA_SIZE_COMPARISON, lt_prepare, lt_eval);
SIMPLE_OP(srt_op_less_equal, 63, "LESS_EQUAL", SRT_OPDATA_SIZE_COMPARISON, le_prepare, le_eval);
SIMPLE_OP(srt_op_logical_and, 86, "LOGICAL_AND", 0, land_prepare, land_eval);
SIMPLE_OP(srt_op_logical_or, 84, "LOGICAL_OR", 0, lor_prepare, lor_eval);
SIMPLE_OP(srt_op_select_v2, 123, "SELECT_V2", SRT_OPDATA_SIZE_SELECT_V2, select_prepare, select_eval);

/* Support table for docs/supported-ops.md (firmware/tools/gen_supported_ops.py):
 * @op EQUAL | bool; int8; int32; int64; float32 | broadcasting up to 4-D
 * @op NOT_EQUAL | bool; int8; int32; int64; float32 | broadcasting up to 4-D
 * @op GREATER | int8; int32; int64; float32 | broadcasting up to 4-D; not int16 (TFLM's Eval reads int16 scaling its Prepare never sets: the result depends on stale arena bytes)
 * @op GREATER_EQUAL | int8; int32; int64; float32 | broadcasting up to 4-D; no int16 (TFLM's Eval has no int16 case)
 * @op LESS | int8; int32; int64; float32 | broadcasting up to 4-D; no int16 (TFLM's Eval has no int16 case)
 * @op LESS_EQUAL | int8; int32; int64; float32 | broadcasting up to 4-D; no int16 (TFLM's Eval has no int16 case)
 * @op LOGICAL_AND | bool | broadcasting up to 4-D
 * @op LOGICAL_OR | bool | broadcasting up to 4-D
 * @op SELECT_V2 | float32; int8; int16 (bool condition) | broadcasting up to 5-D
 */
