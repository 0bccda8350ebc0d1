/*
 * main.c - simprof-rt on the host (x86-64, LP64 sizes: parity with the tflite-micro wheel).
 *
 *   srt_host MODEL [--arena BYTES] [--input FILE] [--outputs FILE] [--plain] [--no-invoke]
 *
 * Runs setup (and one inference unless --no-invoke) and prints the report as one JSON object
 * on stdout; the output tensors' bytes are written, concatenated, to --outputs. Exit status:
 * 0 ok, 10 + srt_status when the runtime failed, 2 usage/IO error.
 * --plain models the plain MicroInterpreter's tail objects; the default is the Python
 * wrapper's recording allocators (what print_allocations() describes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interpreter.h"

static uint32_t op_events;
void simprof_op_begin(uint32_t index) { (void)index; op_events++; }
void simprof_op_end(uint32_t index) { (void)index; op_events++; }

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0) {
        fclose(f);
        return NULL;
    }
    /* 16-aligned, as a model in flash at an aligned address */
    uint8_t *buf = aligned_alloc(16, ((size_t)n + 16) / 16 * 16);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    const char *model_path = NULL, *input_path = NULL, *out_path = NULL;
    size_t arena_size = 1u << 20;
    bool invoke = true;
    srt_config cfg = {.recording = true};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--arena") && i + 1 < argc)
            arena_size = (size_t)strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--input") && i + 1 < argc)
            input_path = argv[++i];
        else if (!strcmp(argv[i], "--outputs") && i + 1 < argc)
            out_path = argv[++i];
        else if (!strcmp(argv[i], "--plain"))
            cfg.recording = false;
        else if (!strcmp(argv[i], "--no-invoke"))
            invoke = false;
        else if (argv[i][0] != '-' && model_path == NULL)
            model_path = argv[i];
        else {
            fprintf(stderr, "usage: %s MODEL [--arena N] [--input F] [--outputs F] [--plain] [--no-invoke]\n",
                    argv[0]);
            return 2;
        }
    }
    if (model_path == NULL) {
        fprintf(stderr, "no model given\n");
        return 2;
    }
    size_t model_len = 0, input_len = 0;
    uint8_t *model = read_file(model_path, &model_len);
    uint8_t *input = input_path ? read_file(input_path, &input_len) : NULL;
    if (model == NULL || (input_path && input == NULL) || model_len > 0xFFFFFFFFu) {
        fprintf(stderr, "cannot read %s\n", model == NULL ? model_path : input_path);
        return 2;
    }
    uint8_t *arena = aligned_alloc(16, (arena_size + 15) / 16 * 16 + 16);
    static srt_ctx ctx;
    static simprof_report_t rep;
    srt_status st = srt_setup(&ctx, &cfg, model, (uint32_t)model_len, arena, arena_size);
    if (st == SRT_OK)
        st = srt_set_input(&ctx, input, (uint32_t)input_len);
    if (st == SRT_OK && invoke)
        st = srt_invoke(&ctx);
    srt_fill_report(&ctx, &rep);
    if (st == SRT_OK && out_path != NULL) {
        FILE *f = fopen(out_path, "wb");
        for (uint32_t i = 0; f != NULL && i < rep.n_outputs && i < SRT_REPORT_MAX_OUTPUTS; i++) {
            const srt_subgraph *g0 = &ctx.model.sg[0];
            uint32_t idx = fb_rd_u32(g0->table.buf + g0->outputs.data + 4u * i);
            fwrite(ctx.tensors[0][idx].data, 1, rep.out_len[i], f);
        }
        if (f != NULL)
            fclose(f);
    }
    printf("{\"status\": %u, \"phase\": %u, \"arena_size\": %u, \"head\": %u, \"tail\": %u, "
           "\"temp_hwm\": %u, \"need\": %u, \"missing\": %u, \"n_subgraphs\": %u, \"n_tensors\": %u, "
           "\"n_ops\": %u, \"n_scratch\": %u, \"n_planned\": %u, \"recording\": %u, \"op_events\": %u, "
           "\"out_len\": [",
           rep.status, rep.phase, rep.arena_size, rep.head, rep.tail, rep.temp_hwm, rep.need,
           rep.missing, rep.n_subgraphs, rep.n_tensors, rep.n_ops, rep.n_scratch, rep.n_planned,
           rep.recording, op_events);
    for (uint32_t i = 0; i < rep.n_outputs && i < SRT_REPORT_MAX_OUTPUTS; i++)
        printf("%s%u", i ? ", " : "", rep.out_len[i]);
    printf("], \"message\": ");
    json_string(rep.message);
    printf("}\n");
    free(arena);
    free(model);
    free(input);
    return st == SRT_OK ? 0 : 10 + (int)st;
}
