/* fb.c - bounds-checked flatbuffer access; see fb.h. */
#include "fb.h"

#include <string.h>

uint8_t fb_rd_u8(const uint8_t *p) { return p[0]; }
uint16_t fb_rd_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t fb_rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* true when [off, off+len) lies inside [0, size) without overflow */
static bool in_bounds(uint32_t size, uint32_t off, uint32_t len)
{
    return off <= size && len <= size - off;
}

bool fb_table_at(const uint8_t *buf, uint32_t size, uint32_t off, srt_fb_table *out)
{
    if (!in_bounds(size, off, 4) || (off & 3u) != 0)
        return false;
    int32_t soff = (int32_t)fb_rd_u32(buf + off);
    int64_t vt = (int64_t)off - (int64_t)soff;
    if (vt < 0 || vt > (int64_t)size - 4 || (vt & 1) != 0)
        return false;
    uint32_t vtab = (uint32_t)vt;
    uint16_t vsize = fb_rd_u16(buf + vtab);
    uint16_t tsize = fb_rd_u16(buf + vtab + 2);
    if (vsize < 4 || (vsize & 1u) != 0 || !in_bounds(size, vtab, vsize) || tsize < 4 ||
        !in_bounds(size, off, tsize))
        return false;
    out->buf = buf;
    out->size = size;
    out->table = off;
    return true;
}

bool fb_root(const uint8_t *buf, uint32_t size, srt_fb_table *out)
{
    if (size < 8)
        return false;
    return fb_table_at(buf, size, fb_rd_u32(buf), out);
}

uint32_t fb_field(const srt_fb_table *t, int field, uint32_t width, bool *bad)
{
    if (t == NULL || t->buf == NULL || field < 0 || field > 200)
        return 0;
    const uint8_t *buf = t->buf;
    int32_t soff = (int32_t)fb_rd_u32(buf + t->table);
    uint32_t vtab = (uint32_t)((int64_t)t->table - (int64_t)soff);  /* validated by fb_table_at */
    uint16_t vsize = fb_rd_u16(buf + vtab);
    uint16_t tsize = fb_rd_u16(buf + vtab + 2);
    uint32_t slot = 4u + 2u * (uint32_t)field;
    if (slot + 2u > vsize)
        return 0;
    uint16_t foff = fb_rd_u16(buf + vtab + slot);
    if (foff == 0)
        return 0;
    if ((uint32_t)foff + width > tsize || !in_bounds(t->size, t->table + foff, width)) {
        if (bad)
            *bad = true;
        return 0;
    }
    return t->table + foff;
}

uint32_t fb_u32(const srt_fb_table *t, int field, uint32_t dflt)
{
    uint32_t o = fb_field(t, field, 4, NULL);
    return o ? fb_rd_u32(t->buf + o) : dflt;
}

/* follow a uoffset stored at `o` */
static bool follow(const srt_fb_table *t, uint32_t o, uint32_t *target)
{
    uint32_t rel = fb_rd_u32(t->buf + o);
    if (rel == 0 || rel > t->size - o)
        return false;
    *target = o + rel;
    return true;
}

bool fb_table(const srt_fb_table *t, int field, srt_fb_table *out, bool *bad)
{
    bool b = false;
    uint32_t o = fb_field(t, field, 4, &b);
    uint32_t target;
    if (o == 0) {
        if (b && bad)
            *bad = true;
        return false;
    }
    if (!follow(t, o, &target) || !fb_table_at(t->buf, t->size, target, out)) {
        if (bad)
            *bad = true;
        return false;
    }
    return true;
}

bool fb_vector(const srt_fb_table *t, int field, uint32_t elem_size, fb_vec *out)
{
    bool b = false;
    out->data = 0;
    out->len = 0;
    out->present = false;
    uint32_t o = fb_field(t, field, 4, &b);
    if (o == 0)
        return !b;
    uint32_t v;
    if (!follow(t, o, &v) || !in_bounds(t->size, v, 4) || (v & 3u) != 0)
        return false;
    uint32_t len = fb_rd_u32(t->buf + v);
    uint32_t start = v + 4;
    if (elem_size != 0 && len > (t->size - start) / elem_size)
        return false;
    /* Elements wider than 4 bytes (int64 zero points) need only 4-byte alignment: they are read
     * byte-wise. Every vector starts 4-aligned relative to the buffer start. */
    out->data = start;
    out->len = len;
    out->present = true;
    return true;
}

bool fb_vec_table(const srt_fb_table *t, const fb_vec *v, uint32_t i, srt_fb_table *out)
{
    if (i >= v->len)
        return false;
    uint32_t o = v->data + 4u * i;
    uint32_t target;
    return follow(t, o, &target) && fb_table_at(t->buf, t->size, target, out);
}

bool fb_string(const srt_fb_table *t, int field, const char **s, uint32_t *len)
{
    fb_vec v;
    *s = NULL;
    *len = 0;
    if (!fb_vector(t, field, 1, &v))
        return false;
    if (!v.present)
        return true;
    *s = (const char *)(t->buf + v.data);
    *len = v.len;
    return true;
}

/* ---- srt_kernel.h accessors for builtin-options tables ---- */

static uint32_t kfield(const srt_fb_table *t, int field, uint32_t width)
{
    return (t == NULL || t->buf == NULL) ? 0 : fb_field(t, field, width, NULL);
}

int32_t srt_fb_i32(const srt_fb_table *t, int field, int32_t dflt)
{
    uint32_t o = kfield(t, field, 4);
    return o ? (int32_t)fb_rd_u32(t->buf + o) : dflt;
}
int16_t srt_fb_i16(const srt_fb_table *t, int field, int16_t dflt)
{
    uint32_t o = kfield(t, field, 2);
    return o ? (int16_t)fb_rd_u16(t->buf + o) : dflt;
}
int8_t srt_fb_i8(const srt_fb_table *t, int field, int8_t dflt)
{
    uint32_t o = kfield(t, field, 1);
    return o ? (int8_t)t->buf[o] : dflt;
}
uint8_t srt_fb_u8(const srt_fb_table *t, int field, uint8_t dflt)
{
    uint32_t o = kfield(t, field, 1);
    return o ? t->buf[o] : dflt;
}
bool srt_fb_bool(const srt_fb_table *t, int field, bool dflt)
{
    uint32_t o = kfield(t, field, 1);
    return o ? t->buf[o] != 0 : dflt;
}
float srt_fb_f32(const srt_fb_table *t, int field, float dflt)
{
    uint32_t o = kfield(t, field, 4);
    if (!o)
        return dflt;
    uint32_t bits = fb_rd_u32(t->buf + o);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

srt_status srt_fb_ivec(const srt_fb_table *t, int field, const srt_ivec **out)
{
    fb_vec v;
    *out = NULL;
    if (t == NULL || t->buf == NULL)
        return SRT_OK;
    if (!fb_vector(t, field, 4, &v))
        return SRT_ERR_MODEL;
    if (!v.present)
        return SRT_OK;
    const uint8_t *p = t->buf + v.data - 4;
    if (((uintptr_t)p & 3u) != 0)
        return SRT_ERR_MODEL;  /* the model itself is not 4-aligned in memory */
    *out = (const srt_ivec *)(const void *)p;
    return SRT_OK;
}
