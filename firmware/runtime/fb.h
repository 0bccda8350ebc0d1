/*
 * fb.h - a bounds-checked flatbuffer reader (tables, vtables, vectors, strings read by offset).
 *
 * Every access is checked against the buffer size; nothing here can read outside the model,
 * whatever its bytes. Reads are byte-wise little-endian, so an unaligned model cannot fault.
 * Tables are `srt_fb_table` (srt_kernel.h): buffer, size, table offset.
 */
#ifndef SRT_FB_H
#define SRT_FB_H

#include <stdbool.h>
#include <stdint.h>

#include "srt_kernel.h"

uint8_t fb_rd_u8(const uint8_t *p);
uint16_t fb_rd_u16(const uint8_t *p);
uint32_t fb_rd_u32(const uint8_t *p);

/* A validated table at `off`: its vtable lies inside the buffer. */
bool fb_table_at(const uint8_t *buf, uint32_t size, uint32_t off, srt_fb_table *out);
/* The root table (offset at byte 0). */
bool fb_root(const uint8_t *buf, uint32_t size, srt_fb_table *out);

/* Offset of field `field` (width bytes) inside the buffer, or 0 when absent/out of bounds.
 * A field that is present but out of bounds sets *bad (if bad != NULL). */
uint32_t fb_field(const srt_fb_table *t, int field, uint32_t width, bool *bad);

uint32_t fb_u32(const srt_fb_table *t, int field, uint32_t dflt);

/* A sub-table by uoffset: false when absent (*bad set when present but invalid). */
bool fb_table(const srt_fb_table *t, int field, srt_fb_table *out, bool *bad);

/* A vector field: offset of the first element and its length. Absent -> *len = 0, returns true
 * with *data = 0; invalid (out of bounds, misaligned for elem >= 4) -> false. */
typedef struct {
    uint32_t data;   /* offset of element 0 in buf (0 if absent) */
    uint32_t len;
    bool present;
} fb_vec;
bool fb_vector(const srt_fb_table *t, int field, uint32_t elem_size, fb_vec *out);
/* Element i of a vector of tables. */
bool fb_vec_table(const srt_fb_table *t, const fb_vec *v, uint32_t i, srt_fb_table *out);
/* A string field: pointer + length (not NUL-terminated in general, though flatbuffers add one). */
bool fb_string(const srt_fb_table *t, int field, const char **s, uint32_t *len);

#endif /* SRT_FB_H */
