/*
 * check.c - simprof-rt's load-time verdict on many models in one process (host build).
 *
 *   srt_check MODEL...
 *
 * For each model prints one JSON line: {"status": S, "message": "..."} where S is the
 * srt_status of srt_model_load (0 ok, 1 corrupt model, 2 unsupported). The Python side's model
 * validation (simprof/model/checks.py) is held to these verdicts on thousands of mutants.
 * Exit status: 0, or 2 when a file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>

#include "schema.h"

void simprof_op_begin(uint32_t index) { (void)index; }
void simprof_op_end(uint32_t index) { (void)index; }

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            /* 16-aligned, as a model in flash at an aligned address */
            buf = aligned_alloc(16, ((size_t)n + 16) / 16 * 16);
            if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            }
            *len = (size_t)n;
        }
    }
    fclose(f);
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
    static srt_model model;
    static char msg[192];
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        uint8_t *buf = read_file(argv[i], &len);
        if (buf == NULL || len > 0xFFFFFFFFu) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            free(buf);
            return 2;
        }
        msg[0] = '\0';
        srt_status st = srt_model_load(&model, buf, (uint32_t)len, msg, sizeof msg);
        printf("{\"status\": %u, \"message\": ", (unsigned)st);
        json_string(msg);
        printf("}\n");
        free(buf);
    }
    return 0;
}
