/* util.c - see util.h; also the srt_kernel.h helpers on types and quantization. */
#include "util.h"

#include <string.h>

static void put(char *buf, uint32_t len, uint32_t *n, char c)
{
    if (*n + 1 < len)
        buf[(*n)++] = c;
}

static void put_u(char *buf, uint32_t len, uint32_t *n, uint32_t v)
{
    char tmp[10];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        put(buf, len, n, tmp[--k]);
}

void srt_vformat(char *buf, uint32_t len, const char *fmt, va_list ap)
{
    uint32_t n = 0;
    if (len == 0)
        return;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%' || p[1] == 0) {
            put(buf, len, &n, *p);
            continue;
        }
        p++;
        if (*p == 'd') {
            int v = va_arg(ap, int);
            if (v < 0) {
                put(buf, len, &n, '-');
                put_u(buf, len, &n, (uint32_t)0 - (uint32_t)v);
            } else {
                put_u(buf, len, &n, (uint32_t)v);
            }
        } else if (*p == 'u') {
            put_u(buf, len, &n, va_arg(ap, unsigned));
        } else if (*p == 's') {
            const char *s = va_arg(ap, const char *);
            for (s = s ? s : "(null)"; *s; s++)
                put(buf, len, &n, *s);
        } else {
            put(buf, len, &n, *p);
        }
    }
    buf[n] = 0;
}

void srt_format(char *buf, uint32_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    srt_vformat(buf, len, fmt, ap);
    va_end(ap);
}

int32_t srt_num_elements(const srt_ivec *dims)
{
    int32_t n = 1;
    if (dims == NULL)
        return 0;
    for (int32_t i = 0; i < dims->size; i++)
        n *= dims->data[i];   /* bounded at model load: the product fits in 31 bits */
    return n;
}

/* TFLM's TfLiteTypeSizeOf (memory_helpers.cc); 0 where TFLM fails. */
size_t srt_type_size(uint8_t type)
{
    switch (type) {
    case SRT_FLOAT16: case SRT_INT16: case SRT_UINT16: return 2;
    case SRT_FLOAT32: case SRT_INT32: case SRT_UINT32: case SRT_RESOURCE: return 4;
    case SRT_FLOAT64: case SRT_INT64: case SRT_UINT64: case SRT_COMPLEX64: return 8;
    case SRT_COMPLEX128: return 16;
    case SRT_UINT8: case SRT_INT8: case SRT_BOOL: case SRT_INT4: return 1;
    default: return 0;
    }
}

const char *srt_type_name(uint8_t type)
{
    static const char *const names[] = {
        "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
        "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : "UNKNOWN";
}

float srt_q_scale(const srt_tensor *t, int32_t i)
{
    if (t == NULL || i < 0 || i >= t->nscales || t->scales_raw == NULL)
        return 0.0f;
    const uint8_t *p = t->scales_raw + 4 * i;
    uint32_t bits = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                    ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

int32_t srt_q_zero_point(const srt_tensor *t, int32_t i)
{
    if (t == NULL || i < 0 || i >= t->nzero_points || t->zero_points_raw == NULL)
        return 0;
    const uint8_t *p = t->zero_points_raw + 8 * i;
    uint32_t lo = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                  ((uint32_t)p[3] << 24);
    return (int32_t)lo;  /* TFLM truncates the int64 zero point to int32 */
}
