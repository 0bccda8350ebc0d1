/* schema.c - load-time validation of a TFLite model and accessors; see schema.h. */
#include "schema.h"

#include <string.h>

#include "util.h"

const srt_ivec srt_empty_ivec = {0};

/* Largest tensor the runtime accepts: planner sizes are int (TFLM) and get rounded up to 16. */
#define MAX_TENSOR_BYTES 0x7FFFFF00u
#define MAX_TENSORS_TOTAL 0x100000u

static srt_status bad(char *msg, uint32_t len, const char *fmt, uint32_t a, uint32_t b)
{
    srt_format(msg, len, fmt, a, b);
    return SRT_ERR_MODEL;
}

/* All elements of an int32 vector in [lo, hi). */
static bool ivec_in_range(const srt_fb_table *t, const fb_vec *v, int32_t lo, int32_t hi)
{
    for (uint32_t i = 0; i < v->len; i++) {
        int32_t x = (int32_t)fb_rd_u32(t->buf + v->data + 4u * i);
        if (x < lo || x >= hi)
            return false;
    }
    return true;
}

static srt_status check_tensor(const srt_model *m, const srt_fb_table *t, char *msg, uint32_t ml,
                               uint32_t sg, uint32_t ti)
{
    fb_vec shape;
    if (!fb_vector(t, F_T_SHAPE, 4, &shape))
        return bad(msg, ml, "tensor %u of subgraph %u: shape out of bounds", ti, sg);
    uint64_t count = 1;
    for (uint32_t i = 0; i < shape.len; i++) {
        int32_t d = (int32_t)fb_rd_u32(t->buf + shape.data + 4u * i);
        if (d < 0)
            return bad(msg, ml, "tensor %u of subgraph %u: negative (dynamic) dimension", ti, sg);
        count *= (uint64_t)d;
        if (count > MAX_TENSOR_BYTES)
            return bad(msg, ml, "tensor %u of subgraph %u: too many elements", ti, sg);
    }
    uint8_t type = srt_fb_u8(t, F_T_TYPE, 0);
    size_t es = srt_type_size(type);
    if (es == 0) {
        srt_format(msg, ml, "tensor %u of subgraph %u: unsupported type %s", ti, sg,
                   srt_type_name(type));
        return SRT_ERR_UNSUPPORTED;
    }
    if (count * es > MAX_TENSOR_BYTES)
        return bad(msg, ml, "tensor %u of subgraph %u: too large", ti, sg);
    uint32_t bi = fb_u32(t, F_T_BUFFER, 0);
    if (bi >= m->buffers.len && !(bi == 0 && m->buffers.len == 0))
        return bad(msg, ml, "tensor %u of subgraph %u: buffer index out of range", ti, sg);
    if (bi < m->buffers.len) {
        srt_fb_table b;
        fb_vec data;
        if (!fb_vec_table(&m->root, &m->buffers, bi, &b) || !fb_vector(&b, F_BUF_DATA, 1, &data))
            return bad(msg, ml, "buffer %u (tensor %u): out of bounds", bi, ti);
        if (data.len > 0 && data.len < count * es)
            return bad(msg, ml, "tensor %u of subgraph %u: constant data shorter than the shape", ti,
                       sg);
        /* kernels load elements directly: Cortex-M faults on unaligned word/float loads */
        if (data.len > 0 && (data.data & ((es < 4 ? es : 4) - 1)) != 0)
            return bad(msg, ml, "tensor %u of subgraph %u: constant data is not aligned to its type", ti,
                       sg);
    }
    bool badq = false;
    srt_fb_table q;
    if (fb_table(t, F_T_QUANT, &q, &badq)) {
        fb_vec sc, zp;
        if (!fb_vector(&q, F_Q_SCALE, 4, &sc) || !fb_vector(&q, F_Q_ZERO_POINT, 8, &zp))
            return bad(msg, ml, "tensor %u of subgraph %u: quantization out of bounds", ti, sg);
        /* Values no converter writes: kernels may assume them (TFLM does not check either). */
        for (uint32_t i = 0; i < sc.len; i++) {
            uint32_t bits = fb_rd_u32(t->buf + sc.data + 4u * i);
            if ((bits & 0x7F800000u) == 0x7F800000u || (bits & 0x80000000u) != 0)
                return bad(msg, ml, "tensor %u of subgraph %u: scale is negative, inf or NaN", ti, sg);
        }
        int64_t lo = -2147483647 - 1, hi = 2147483647;
        if (type == SRT_INT8) { lo = -128; hi = 127; }
        else if (type == SRT_UINT8) { lo = 0; hi = 255; }
        else if (type == SRT_INT16) { lo = -32768; hi = 32767; }
        else if (type == SRT_INT4) { lo = -8; hi = 7; }
        for (uint32_t i = 0; i < zp.len; i++) {
            const uint8_t *p = t->buf + zp.data + 8u * i;
            int64_t v = (int64_t)((uint64_t)fb_rd_u32(p) | ((uint64_t)fb_rd_u32(p + 4) << 32));
            if (v < lo || v > hi)
                return bad(msg, ml, "tensor %u of subgraph %u: zero point out of the type's range", ti, sg);
        }
    } else if (badq) {
        return bad(msg, ml, "tensor %u of subgraph %u: quantization table out of bounds", ti, sg);
    }
    return SRT_OK;
}

static srt_status check_operator(const srt_model *m, const srt_fb_table *op, int32_t ntensors,
                                 char *msg, uint32_t ml, uint32_t sg, uint32_t oi)
{
    uint32_t code_index = fb_u32(op, F_OP_OPCODE, 0);
    if (code_index >= m->opcodes.len)
        return bad(msg, ml, "operator %u of subgraph %u: opcode index out of range", oi, sg);
    srt_fb_table oc;
    if (!fb_vec_table(&m->root, &m->opcodes, code_index, &oc))
        return bad(msg, ml, "operator code %u out of bounds", code_index, 0);
    fb_vec in, out, im;
    if (!fb_vector(op, F_OP_INPUTS, 4, &in) || !fb_vector(op, F_OP_OUTPUTS, 4, &out) ||
        !fb_vector(op, F_OP_INTERMEDIATES, 4, &im))
        return bad(msg, ml, "operator %u of subgraph %u: index list out of bounds", oi, sg);
    if (!ivec_in_range(op, &in, -1, ntensors) || !ivec_in_range(op, &out, 0, ntensors) ||
        !ivec_in_range(op, &im, 0, ntensors))
        return bad(msg, ml, "operator %u of subgraph %u: tensor index out of range", oi, sg);
    bool b = false;
    srt_fb_table opt;
    if (!fb_table(op, F_OP_OPTIONS, &opt, &b) && b)
        return bad(msg, ml, "operator %u of subgraph %u: options out of bounds", oi, sg);
    fb_vec custom;
    if (!fb_vector(op, F_OP_CUSTOM, 1, &custom))
        return bad(msg, ml, "operator %u of subgraph %u: custom options out of bounds", oi, sg);
    return SRT_OK;
}

static srt_status find_offline_plan(srt_model *m, char *msg, uint32_t ml)
{
    static const char key[] = "OfflineMemoryAllocation";
    m->offline_offsets = NULL;
    for (uint32_t i = 0; i < m->metadata.len; i++) {
        srt_fb_table md;
        const char *name;
        uint32_t nlen;
        if (!fb_vec_table(&m->root, &m->metadata, i, &md) || !fb_string(&md, F_META_NAME, &name, &nlen))
            return bad(msg, ml, "metadata %u out of bounds", i, 0);
        if (name == NULL || nlen != sizeof key - 1 || memcmp(name, key, nlen) != 0)
            continue;
        uint32_t bi = fb_u32(&md, F_META_BUFFER, 0);
        srt_fb_table b;
        fb_vec data;
        if (bi >= m->buffers.len || !fb_vec_table(&m->root, &m->buffers, bi, &b) ||
            !fb_vector(&b, F_BUF_DATA, 1, &data) || data.len < 12 || (data.data & 3u) != 0)
            return bad(msg, ml, "OfflineMemoryAllocation metadata buffer %u is invalid", bi, 0);
        uint32_t n = fb_rd_u32(m->buf + data.data + 8);
        if (n != m->n_tensors_total)
            return bad(msg, ml,
                       "Nbr of offline buffer offsets (%u) in metadata not equal nbr tensors (%u)",
                       n, m->n_tensors_total);
        if ((data.len - 12) / 4 < n)
            return bad(msg, ml, "OfflineMemoryAllocation metadata is truncated", 0, 0);
        m->offline_offsets = (const int32_t *)(const void *)(m->buf + data.data + 12);
    }
    return SRT_OK;
}

srt_status srt_model_load(srt_model *m, const uint8_t *buf, uint32_t size, char *msg, uint32_t ml)
{
    memset(m, 0, sizeof *m);
    m->buf = buf;
    m->size = size;
    if (buf == NULL || size < 8 || ((uintptr_t)buf & 3u) != 0)
        return bad(msg, ml, "model is truncated (%u bytes) or misaligned", size, 0);
    if (memcmp(buf + 4, "TFL3", 4) != 0)
        return bad(msg, ml, "not a TFLite model: file identifier is not TFL3", 0, 0);
    if (!fb_root(buf, size, &m->root))
        return bad(msg, ml, "model root table out of bounds", 0, 0);
    uint32_t version = fb_u32(&m->root, F_MODEL_VERSION, 0);
    if (version != SRT_SCHEMA_VERSION)
        return bad(msg, ml, "Model provided is schema version %u not equal to supported version %u",
                   version, SRT_SCHEMA_VERSION);
    if (!fb_vector(&m->root, F_MODEL_OPCODES, 4, &m->opcodes) ||
        !fb_vector(&m->root, F_MODEL_SUBGRAPHS, 4, &m->subgraphs) ||
        !fb_vector(&m->root, F_MODEL_BUFFERS, 4, &m->buffers) ||
        !fb_vector(&m->root, F_MODEL_METADATA, 4, &m->metadata))
        return bad(msg, ml, "model vectors out of bounds", 0, 0);
    if (m->subgraphs.len == 0 || m->subgraphs.len > SRT_MAX_SUBGRAPHS)
        return bad(msg, ml, "model has %u subgraphs (1..%u supported)", m->subgraphs.len,
                   SRT_MAX_SUBGRAPHS);
    for (uint32_t i = 0; i < m->opcodes.len; i++) {
        srt_fb_table oc;
        if (!fb_vec_table(&m->root, &m->opcodes, i, &oc))
            return bad(msg, ml, "operator code %u out of bounds", i, 0);
    }
    m->n_subgraphs = m->subgraphs.len;
    uint32_t total = 0;
    for (uint32_t s = 0; s < m->n_subgraphs; s++) {
        srt_subgraph *g = &m->sg[s];
        if (!fb_vec_table(&m->root, &m->subgraphs, s, &g->table) ||
            !fb_vector(&g->table, F_SG_TENSORS, 4, &g->tensors) ||
            !fb_vector(&g->table, F_SG_INPUTS, 4, &g->inputs) ||
            !fb_vector(&g->table, F_SG_OUTPUTS, 4, &g->outputs) ||
            !fb_vector(&g->table, F_SG_OPERATORS, 4, &g->operators))
            return bad(msg, ml, "subgraph %u out of bounds", s, 0);
        if (g->tensors.len > MAX_TENSORS_TOTAL - total)
            return bad(msg, ml, "too many tensors", 0, 0);
        g->first_tensor = total;
        total += g->tensors.len;
        int32_t nt = (int32_t)g->tensors.len;
        if (!ivec_in_range(&g->table, &g->inputs, 0, nt) ||
            !ivec_in_range(&g->table, &g->outputs, 0, nt))
            return bad(msg, ml, "subgraph %u: input/output index out of range", s, 0);
        for (uint32_t i = 0; i < g->tensors.len; i++) {
            srt_fb_table t;
            if (!fb_vec_table(&g->table, &g->tensors, i, &t))
                return bad(msg, ml, "tensor %u of subgraph %u out of bounds", i, s);
            srt_status st = check_tensor(m, &t, msg, ml, s, i);
            if (st != SRT_OK)
                return st;
        }
        for (uint32_t i = 0; i < g->operators.len; i++) {
            srt_fb_table op;
            if (!fb_vec_table(&g->table, &g->operators, i, &op))
                return bad(msg, ml, "operator %u of subgraph %u out of bounds", i, s);
            srt_status st = check_operator(m, &op, nt, msg, ml, s, i);
            if (st != SRT_OK)
                return st;
        }
    }
    m->n_tensors_total = total;
    return find_offline_plan(m, msg, ml);
}

const srt_ivec *srt_model_ivec(const srt_model *m, const srt_fb_table *t, int field)
{
    fb_vec v;
    (void)m;
    if (!fb_vector(t, field, 4, &v) || !v.present)
        return &srt_empty_ivec;
    return (const srt_ivec *)(const void *)(t->buf + v.data - 4);
}

void srt_model_tensor(const srt_model *m, uint32_t sg, uint32_t index, srt_tensor_info *out)
{
    srt_fb_table t, b, q;
    fb_vec data = {0, 0, false};
    memset(out, 0, sizeof *out);
    out->dims = &srt_empty_ivec;
    if (sg >= m->n_subgraphs || !fb_vec_table(&m->sg[sg].table, &m->sg[sg].tensors, index, &t))
        return;
    out->dims = srt_model_ivec(m, &t, F_T_SHAPE);
    out->type = srt_fb_u8(&t, F_T_TYPE, 0);
    out->is_variable = srt_fb_bool(&t, F_T_VARIABLE, false);
    uint32_t bi = fb_u32(&t, F_T_BUFFER, 0);
    if (bi < m->buffers.len && fb_vec_table(&m->root, &m->buffers, bi, &b) &&
        fb_vector(&b, F_BUF_DATA, 1, &data) && data.len > 0) {
        out->is_constant = true;
        out->data = m->buf + data.data;
        out->data_len = data.len;
    }
    out->bytes = (uint32_t)((size_t)srt_num_elements(out->dims) * srt_type_size(out->type));
    if (fb_table(&t, F_T_QUANT, &q, NULL)) {
        fb_vec sc, zp;
        if (fb_vector(&q, F_Q_SCALE, 4, &sc) && fb_vector(&q, F_Q_ZERO_POINT, 8, &zp) &&
            sc.len > 0 && zp.len > 0) {
            out->nscales = (int32_t)sc.len;
            out->nzero_points = (int32_t)zp.len;
            out->scales_raw = m->buf + sc.data;
            out->zero_points_raw = m->buf + zp.data;
            out->quantized_dimension = srt_fb_i32(&q, F_Q_DIM, 0);
        }
    }
}

bool srt_model_operator(const srt_model *m, uint32_t sg, uint32_t op, srt_fb_table *out)
{
    return sg < m->n_subgraphs && fb_vec_table(&m->sg[sg].table, &m->sg[sg].operators, op, out);
}

int32_t srt_model_op_code(const srt_model *m, const srt_fb_table *op)
{
    srt_fb_table oc;
    uint32_t ci = fb_u32(op, F_OP_OPCODE, 0);
    if (!fb_vec_table(&m->root, &m->opcodes, ci, &oc))
        return -1;
    int32_t dep = srt_fb_i8(&oc, F_OPCODE_DEPRECATED, 0);
    int32_t code = srt_fb_i32(&oc, F_OPCODE_BUILTIN, 0);
    return dep > code ? dep : code;
}
