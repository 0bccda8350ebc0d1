/*
 * harness.c - runs ONE simprof-rt kernel on the host, standing in for the runtime's services of
 * srt_kernel.h, so the kernels can be tested (under ASan/UBSan) before and independently of the
 * interpreter. Input: a case file written by tests/unit/kernels/cases.py (tensors, the op's
 * inputs/outputs, the model bytes for options parsing). Output file: one line per Prepare event
 * ("T in 0", "T out 0", "T idx 5", "P 64", "S 16") and one "O <index> <hex bytes>" per output.
 * Exit status: 0 ok, 2 kernel reported an error ("F <code> <message>" line), 3 no such op.
 *
 * Built with -DSRT_TARGET for Cortex-M (tests/integration/test_rt_bitexact_qemu.py): the case
 * files DIR/0.bin .. DIR/<COUNT-1>.bin are read over semihosting (DIR and COUNT on the
 * semihosting command line), results go to the console between "== <i>" and "== end <status>"
 * lines, and all memory of a case is released before the next one (16 KiB of RAM on nrf51);
 * status 8 = the case does not fit in the heap (skipped).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt_kernel.h"

#ifdef SRT_TARGET
#define MAXT 24
#else
#define MAXT 256
#endif

struct srt_ctx {
    int dummy;
};

static FILE *g_out;
static srt_status g_status = SRT_OK;
static uint8_t *g_buf;   /* case file */
static size_t g_len, g_pos;
static int32_t g_ntensors;
static srt_tensor g_t[MAXT];
static srt_eval_tensor g_e[MAXT];
static srt_ivec *g_dims[MAXT];
static const uint8_t *g_model;
static uint32_t g_model_len;

#ifdef SRT_TARGET
#include <setjmp.h>
static jmp_buf g_oom; /* a case too big for the part's RAM is skipped, not fatal */
static void die(const char *m) {
    if (!strcmp(m, "out of memory")) longjmp(g_oom, 1);
    printf("harness: %s\n", m);
    exit(1);
}
#else
static void die(const char *m) { fprintf(stderr, "harness: %s\n", m); exit(1); }
#endif

/* every allocation of a case, released when the case ends */
#define MAXA 160
static void *g_allocs[MAXA];
static int g_nallocs;
static void *h_alloc(size_t n, bool zero) {
    if (g_nallocs >= MAXA) return NULL;
    void *p = zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
    if (p) g_allocs[g_nallocs++] = p;
    return p;
}
static void h_free_all(void) {
    while (g_nallocs > 0) free(g_allocs[--g_nallocs]);
}
#define EMIT(...) fprintf(g_out, __VA_ARGS__)
static const void *take(size_t n) {
    if (g_pos + n > g_len) die("truncated case file");
    const void *p = g_buf + g_pos;
    g_pos += n;
    return p;
}
static int32_t rd_i32(void) { int32_t v; memcpy(&v, take(4), 4); return v; }
static uint32_t rd_u32(void) { uint32_t v; memcpy(&v, take(4), 4); return v; }
static uint8_t rd_u8(void) { return *(const uint8_t *)take(1); }

/* ---- services ---- */
float srt_q_scale(const srt_tensor *t, int32_t i) {
    if (!t || i < 0 || i >= t->nscales) return 0.0f;
    float f; memcpy(&f, t->scales_raw + 4 * i, 4); return f;
}
int32_t srt_q_zero_point(const srt_tensor *t, int32_t i) {
    if (!t || i < 0 || i >= t->nzero_points) return 0;
    int64_t v; memcpy(&v, t->zero_points_raw + 8 * i, 8); return (int32_t)v;
}
int32_t srt_num_elements(const srt_ivec *d) {
    int64_t n = 1;
    for (int32_t i = 0; d && i < d->size; ++i) n *= d->data[i];
    return (int32_t)n;
}
size_t srt_type_size(uint8_t type) {
    switch (type) {
    case SRT_FLOAT32: case SRT_INT32: case SRT_UINT32: return 4;
    case SRT_INT8: case SRT_UINT8: case SRT_BOOL: return 1;
    case SRT_INT16: case SRT_UINT16: case SRT_FLOAT16: return 2;
    case SRT_INT64: case SRT_UINT64: case SRT_FLOAT64: return 8;
    default: return 0;
    }
}
const char *srt_type_name(uint8_t type) {
    static const char *n[] = {"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16",
                              "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE",
                              "VARIANT", "UINT32", "UINT16", "INT4"};
    return type < 18 ? n[type] : "UNKNOWN";
}

static uint32_t field_off(const srt_fb_table *t, int field) {
    int32_t soff; memcpy(&soff, t->buf + t->table, 4);
    uint32_t vt = t->table - (uint32_t)soff;
    uint16_t vsize; memcpy(&vsize, t->buf + vt, 2);
    uint32_t slot = 4 + 2 * (uint32_t)field;
    if (slot + 2 > vsize) return 0;
    uint16_t off; memcpy(&off, t->buf + vt + slot, 2);
    return off;
}
#define FB_GET(T, name)                                                          \
    T name(const srt_fb_table *t, int field, T dflt) {                           \
        uint32_t o = field_off(t, field);                                        \
        if (!o) return dflt;                                                     \
        T v; memcpy(&v, t->buf + t->table + o, sizeof v); return v;              \
    }
FB_GET(int32_t, srt_fb_i32)
FB_GET(int16_t, srt_fb_i16)
FB_GET(int8_t, srt_fb_i8)
FB_GET(uint8_t, srt_fb_u8)
FB_GET(float, srt_fb_f32)
bool srt_fb_bool(const srt_fb_table *t, int field, bool dflt) { return srt_fb_u8(t, field, dflt) != 0; }
srt_status srt_fb_ivec(const srt_fb_table *t, int field, const srt_ivec **out) {
    uint32_t o = field_off(t, field);
    *out = NULL;
    if (!o) return SRT_OK;
    uint32_t u; memcpy(&u, t->buf + t->table + o, 4);
    uint32_t at = t->table + o + u;
    if (at % 4 || at + 4 > t->size) return SRT_ERR_MODEL;
    *out = (const srt_ivec *)(t->buf + at);
    return SRT_OK;
}

static const srt_tensor *prep(int32_t idx, const char *kind, int i) {
    if (g_status != SRT_OK) return NULL;
    if (idx < 0) return NULL;
    if (idx >= g_ntensors) { g_status = SRT_ERR_MODEL; return NULL; }
    EMIT("T %s %d\n", kind, i);
    return &g_t[idx];
}
const srt_tensor *srt_prepare_input(srt_ctx *ctx, const srt_node *node, int i) {
    (void)ctx;
    if (i < 0 || i >= node->inputs->size) return NULL;
    return prep(node->inputs->data[i], "in", i);
}
const srt_tensor *srt_prepare_output(srt_ctx *ctx, const srt_node *node, int i) {
    (void)ctx;
    if (i < 0 || i >= node->outputs->size) return NULL;
    return prep(node->outputs->data[i], "out", i);
}
const srt_tensor *srt_prepare_tensor(srt_ctx *ctx, int32_t idx) { (void)ctx; return prep(idx, "idx", idx); }

void *srt_alloc_persistent(srt_ctx *ctx, size_t bytes) {
    (void)ctx;
    EMIT("P %lu\n", (unsigned long)bytes);
    return h_alloc(bytes, true);
}
#define MAXS 12
static void *g_scratch[MAXS];
static int g_nscratch;
srt_status srt_request_scratch(srt_ctx *ctx, size_t bytes, int32_t *index) {
    (void)ctx;
    if (g_nscratch >= MAXS) return SRT_ERR_ARENA;
    EMIT("S %lu\n", (unsigned long)bytes);
    g_scratch[g_nscratch] = h_alloc(bytes, false);
    if (!g_scratch[g_nscratch]) return SRT_ERR_ARENA;
    *index = g_nscratch++;
    return SRT_OK;
}
void *srt_get_scratch(srt_ctx *ctx, int32_t index) {
    (void)ctx;
    return (index >= 0 && index < g_nscratch) ? g_scratch[index] : NULL;
}
srt_eval_tensor *srt_eval_tensor_at(srt_ctx *ctx, int32_t idx) {
    (void)ctx;
    return (idx >= 0 && idx < g_ntensors) ? &g_e[idx] : NULL;
}
srt_eval_tensor *srt_eval_input(srt_ctx *ctx, const srt_node *node, int i) {
    if (i < 0 || i >= node->inputs->size) return NULL;
    return srt_eval_tensor_at(ctx, node->inputs->data[i]);
}
srt_eval_tensor *srt_eval_output(srt_ctx *ctx, const srt_node *node, int i) {
    if (i < 0 || i >= node->outputs->size) return NULL;
    return srt_eval_tensor_at(ctx, node->outputs->data[i]);
}
srt_status srt_invoke_subgraph(srt_ctx *ctx, int32_t s) { (void)ctx; (void)s; return SRT_ERR_UNSUPPORTED; }

srt_status srt_fail(srt_ctx *ctx, srt_status code, const char *fmt, ...) {
    (void)ctx;
    if (g_status == SRT_OK) {
        /* the runtime's formatter supports %d %u %s %%; vfprintf is a superset */
        va_list ap;
        va_start(ap, fmt);
        EMIT("F %d ", (int)code);
        vfprintf(g_out, fmt, ap);
        EMIT("\n");
        va_end(ap);
        g_status = code;
    }
    return code;
}
srt_status srt_ctx_status(const srt_ctx *ctx) { (void)ctx; return g_status; }

/* ---- main ---- */
static srt_ivec *ivec(int32_t n, const int32_t *v) {
    srt_ivec *r = h_alloc(sizeof(srt_ivec) + 4 * (size_t)(n > 0 ? n : 1), false);
    if (!r) die("out of memory");
    r->size = n;
    if (n > 0) memcpy(r->data, v, 4 * (size_t)n);
    return r;
}
static srt_ivec *rd_ivec(void) {
    int32_t n = rd_i32();
    int32_t tmp[64];
    if (n < 0 || n > 64) die("bad vector");
    for (int32_t i = 0; i < n; ++i) tmp[i] = rd_i32();
    return ivec(n, tmp);
}

/* Runs the case in g_buf[0..g_len); writes events and outputs with EMIT; returns the exit status. */
static int run_case(void) {
    g_pos = 0;
    g_status = SRT_OK;
    g_nscratch = 0;
    if (rd_u32() != 0x4b545253u) die("bad magic");
    int32_t code = rd_i32();
    g_ntensors = rd_i32();
    if (g_ntensors < 0 || g_ntensors > MAXT) die("too many tensors");
    for (int32_t i = 0; i < g_ntensors; ++i) {
        srt_tensor *t = &g_t[i];
        memset(t, 0, sizeof *t);
        t->index = i;
        t->type = rd_u8();
        t->is_constant = rd_u8();
        t->is_variable = rd_u8();
        (void)rd_u8();
        g_dims[i] = rd_ivec();
        t->dims = g_dims[i];
        t->nscales = rd_i32();
        t->scales_raw = take(4 * (size_t)t->nscales);
        t->nzero_points = rd_i32();
        t->zero_points_raw = take(8 * (size_t)t->nzero_points);
        t->quantized_dimension = rd_i32();
        uint32_t dlen = rd_u32();
        const void *data = take(dlen);
        size_t bytes = (size_t)srt_num_elements(t->dims) * srt_type_size(t->type);
        t->bytes = bytes;
        /* exact-size heap copies so ASan sees any out-of-bounds access */
        void *buf = h_alloc(bytes, false);
        if (!buf) die("out of memory");
        memset(buf, 0xA5, bytes);
        if (dlen) memcpy(buf, data, dlen < bytes ? dlen : bytes);
        /* variable tensors start as TFLM's ResetVariableTensors leaves them: int8 at the zero point, else 0 */
        if (t->is_variable && !t->is_constant && !dlen)
            memset(buf, t->type == SRT_INT8 && t->nzero_points > 0 ? srt_q_zero_point(t, 0) : 0, bytes);
        t->data = t->is_constant ? buf : NULL;
        g_e[i].data = buf;
        g_e[i].dims = t->dims;
        g_e[i].type = t->type;
    }
    srt_ivec *inputs = rd_ivec(), *outputs = rd_ivec();
    (void)take(rd_u32()); /* padding */
    g_model_len = rd_u32();
    /* the model bytes in place: the case writer pads so that they start 4-aligned */
    g_model = take(g_model_len);
    uint32_t opt_pos = rd_u32();

    const srt_op *op = srt_find_op(code);
    if (!op) { EMIT("U %s\n", srt_builtin_name(code)); return 3; }
    srt_ctx ctx = {0};
    srt_node node = {0};
    node.inputs = inputs;
    node.outputs = outputs;
    node.op = op;
    if (op->params_size && !(node.builtin_data = h_alloc(op->params_size, true))) die("out of memory");
    if (op->opdata_size && !(node.user_data = h_alloc(op->opdata_size, true))) die("out of memory");
    srt_status st = SRT_OK;
    if (op->parse && op->params_size) {
        srt_fb_table tab = {g_model, g_model_len, opt_pos};
        st = op->parse(&ctx, opt_pos ? &tab : NULL, node.builtin_data);
    }
    if (st == SRT_OK && op->prepare) st = op->prepare(&ctx, &node);
    EMIT("E prepare %d\n", (int)st);
    if (st == SRT_OK) st = op->eval(&ctx, &node);
    EMIT("E eval %d\n", (int)st);
    if (st != SRT_OK) return 2;
    for (int32_t k = 0; k < outputs->size; ++k) {
        int32_t idx = outputs->data[k];
        EMIT("O %d ", (int)k);
        const uint8_t *p = g_e[idx].data;
        size_t n = (size_t)srt_num_elements(g_e[idx].dims) * srt_type_size(g_e[idx].type);
        for (size_t j = 0; j < n; ++j) EMIT("%02x", p[j]);
        EMIT("\n");
    }
    return 0;
}

#ifndef SRT_TARGET
int main(int argc, char **argv) {
    if (argc != 3) die("usage: harness case.bin out.txt");
    FILE *f = fopen(argv[1], "rb");
    if (!f) die("cannot open case");
    fseek(f, 0, SEEK_END);
    g_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    g_buf = aligned_alloc(16, (g_len + 15) / 16 * 16);
    if (fread(g_buf, 1, g_len, f) != g_len) die("read");
    fclose(f);
    g_out = fopen(argv[2], "w");
    if (!g_out) die("cannot open output");
    int rc = run_case();
    fclose(g_out);
    h_free_all();
    return rc;
}
#else
/* ---- Cortex-M: semihosting file access ---- */
static int32_t semihost(int32_t op, void *arg) {
    register int32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
enum { SH_OPEN = 0x01, SH_CLOSE = 0x02, SH_READ = 0x06, SH_FLEN = 0x0C, SH_CMDLINE = 0x15 };

static uint8_t *read_host_file(const char *path, size_t *len) {
    uint32_t open_args[3] = {(uint32_t)(uintptr_t)path, 1 /* "rb" */, (uint32_t)strlen(path)};
    int32_t fd = semihost(SH_OPEN, open_args);
    if (fd < 0) return NULL;
    uint32_t flen_args[1] = {(uint32_t)fd};
    int32_t n = semihost(SH_FLEN, flen_args);
    uint8_t *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf) {
        uint32_t read_args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)n};
        if (semihost(SH_READ, read_args) != 0) { free(buf); buf = NULL; }  /* returns bytes NOT read */
        else { buf[n] = 0; *len = (size_t)n; }
    }
    uint32_t close_args[1] = {(uint32_t)fd};
    semihost(SH_CLOSE, close_args);
    return buf;
}

int main(void) {
    static char cmdline[256];
    static char path[300];
    uint32_t cmd_args[2] = {(uint32_t)(uintptr_t)cmdline, sizeof cmdline};
    g_out = stdout;
    if (semihost(SH_CMDLINE, cmd_args) != 0) die("no command line");
    /* command line "<program> <dir> <count>": cases are <dir>/<i>.bin for i < count */
    char *prog = strtok(cmdline, " ");
    char *dir = strtok(NULL, " ");
    char *count_s = strtok(NULL, " ");
    if (!prog || !dir || !count_s) die("usage: harness DIR COUNT");
    const int count = atoi(count_s);
    for (int i = 0; i < count; ++i) {
        snprintf(path, sizeof path, "%s/%d.bin", dir, i);
        printf("== %d\n", i);
        g_buf = read_host_file(path, &g_len);
        if (!g_buf) { printf("== end 8\n"); continue; } /* no file, or no room for it */
        int rc = setjmp(g_oom) ? 8 : run_case();
        h_free_all();
        free(g_buf);
        printf("== end %d\n", rc);
        fflush(stdout);
    }
    printf("== done\n");
    fflush(stdout);
    return 0;
}
#endif
