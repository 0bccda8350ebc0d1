/*
 * fuzz.c - mutation fuzzer for simprof-rt on the host (built with ASan + UBSan).
 *
 *   srt_fuzz [--iterations N] [--seed S] [--arena BYTES] [--crash FILE] SEED.tflite...
 *
 * Each iteration takes a seed model, applies one mutation (bit flips, truncation, a corrupted
 * 32-bit word, a shifted offset, a corrupted vector length, random bytes), then runs setup,
 * input and one inference. Every run must end in a clean status; a sanitizer error or a
 * signal aborts, after the offending model was saved to --crash. A run that takes more than
 * 10 s is a hang (SIGALRM). Prints a JSON summary: runs per final status.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interpreter.h"

void simprof_op_begin(uint32_t index) { (void)index; }
void simprof_op_end(uint32_t index) { (void)index; }

static const uint8_t *cur_buf;
static size_t cur_len;
static const char *crash_path = "srt_fuzz_crash.tflite";

static void save_current(void)
{
    FILE *f = fopen(crash_path, "wb");
    if (f != NULL) {
        fwrite(cur_buf, 1, cur_len, f);
        fclose(f);
    }
}

void __sanitizer_set_death_callback(void (*callback)(void));

static void on_signal(int sig)
{
    save_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Mutates buf (len bytes) in place; returns the new length (<= len). */
static size_t mutate(uint8_t *buf, size_t len, int *kind)
{
    static const uint32_t interesting[] = {0, 1, 2, 3, 4, 8, 16, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF,
                                           0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu, 0x10000};
    *kind = (int)(rnd() % 6);
    size_t words = len / 4;
    switch (*kind) {
    case 0: { /* bit flips */
        int n = 1 + (int)(rnd() % 8);
        for (int i = 0; i < n; i++) {
            size_t at = rnd() % len;
            buf[at] ^= (uint8_t)(1u << (rnd() % 8));
        }
        return len;
    }
    case 1: /* truncation */
        return rnd() % len;
    case 2: { /* a word set to an interesting value */
        size_t w = rnd() % words;
        put32(buf + 4 * w, interesting[rnd() % (sizeof interesting / sizeof interesting[0])]);
        return len;
    }
    case 3: { /* an offset-like word shifted by a small amount */
        size_t w = rnd() % words;
        uint32_t v = get32(buf + 4 * w);
        int32_t d = (int32_t)(rnd() % 65) - 32;
        put32(buf + 4 * w, v + (uint32_t)d);
        return len;
    }
    case 4: { /* a vector length (a small word) made large or off by a few */
        for (int tries = 0; tries < 64; tries++) {
            size_t w = rnd() % words;
            uint32_t v = get32(buf + 4 * w);
            if (v > 0 && v < 4096) {
                uint32_t nv = (rnd() & 1) ? v + 1 + rnd() % 8 : v * (2 + rnd() % 1000) + rnd() % 3;
                put32(buf + 4 * w, nv);
                break;
            }
        }
        return len;
    }
    default: { /* a run of random bytes */
        size_t at = rnd() % len, n = 1 + rnd() % 16;
        for (size_t i = 0; i < n && at + i < len; i++)
            buf[at + i] = (uint8_t)rnd();
        return len;
    }
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv)
{
    long iterations = 1000;
    int verbose = getenv("SRT_FUZZ_VERBOSE") ? atoi(getenv("SRT_FUZZ_VERBOSE")) : 0;
    size_t arena_size = 256 * 1024;
    const char *seeds[64];
    int nseeds = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
            iterations = strtol(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            rng_state ^= strtoull(argv[++i], NULL, 0) * 0x2545F4914F6CDD1Dull;
        else if (!strcmp(argv[i], "--arena") && i + 1 < argc)
            arena_size = (size_t)strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--crash") && i + 1 < argc)
            crash_path = argv[++i];
        else if (nseeds < 64)
            seeds[nseeds++] = argv[i];
    }
    if (nseeds == 0) {
        fprintf(stderr, "usage: %s [--iterations N] [--seed S] [--arena B] [--crash F] SEED...\n", argv[0]);
        return 2;
    }
    uint8_t *seed_data[64];
    size_t seed_len[64];
    for (int i = 0; i < nseeds; i++) {
        seed_data[i] = read_file(seeds[i], &seed_len[i]);
        if (seed_data[i] == NULL || seed_len[i] < 8) {
            fprintf(stderr, "cannot read %s\n", seeds[i]);
            return 2;
        }
    }
    __sanitizer_set_death_callback(save_current);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGALRM, on_signal);
    signal(SIGFPE, on_signal);
    static srt_ctx ctx;
    long by_status[8] = {0}, by_kind[6] = {0}, invoked = 0;
    srt_config cfg = {.recording = true};
    for (long it = 0; it < iterations; it++) {
        int s = (int)(it % nseeds);
        uint8_t *buf = NULL;
        if (posix_memalign((void **)&buf, 16, seed_len[s]) != 0)
            return 2;
        memcpy(buf, seed_data[s], seed_len[s]);
        int kind;
        size_t len = mutate(buf, seed_len[s], &kind);
        by_kind[kind]++;
        /* exactly `len` readable bytes, so the sanitizer sees any read past the model */
        uint8_t *model = NULL;
        if (posix_memalign((void **)&model, 16, len ? len : 1) != 0)
            return 2;
        memcpy(model, buf, len);
        free(buf);
        cur_buf = model;
        cur_len = len;
        uint8_t *arena = malloc(arena_size);
        alarm(10);
        srt_status st = srt_setup(&ctx, &cfg, model, (uint32_t)len, arena, arena_size);
        if (st == SRT_OK)
            st = srt_set_input(&ctx, NULL, 0);
        if (st == SRT_OK) {
            invoked++;
            st = srt_invoke(&ctx);
        }
        alarm(0);
        if (st > SRT_ERR_INTERNAL || ctx.msg[sizeof ctx.msg - 1] != 0) {
            save_current();
            fprintf(stderr, "bad status %d\n", (int)st);
            return 3;
        }
        if (st != SRT_OK && ctx.msg[0] == 0) {
            save_current();
            fprintf(stderr, "status %d without a message\n", (int)st);
            return 3;
        }
        if (verbose && st != SRT_OK && (verbose > 1 || st == SRT_ERR_INTERNAL))
            fprintf(stderr, "run %ld (seed %s, mutation %d): status %d: %s\n", it, seeds[s], kind, (int)st, ctx.msg);
        by_status[st]++;
        free(arena);
        free(model);
    }
    printf("{\"iterations\": %ld, \"invoked\": %ld, \"ok\": %ld, \"model\": %ld, \"unsupported\": %ld, "
           "\"arena\": %ld, \"input\": %ld, \"internal\": %ld, \"mutations\": [%ld, %ld, %ld, %ld, %ld, %ld]}\n",
           iterations, invoked, by_status[0], by_status[1], by_status[2], by_status[3], by_status[4],
           by_status[5], by_kind[0], by_kind[1], by_kind[2], by_kind[3], by_kind[4], by_kind[5]);
    for (int i = 0; i < nseeds; i++)
        free(seed_data[i]);
    return 0;
}
