/* libm_check.c - k_expf / k_tanhf (firmware/kernels/libm_compat.c) against the C library's expf /
 * tanhf, which is what the tflite-micro wheel's TFLM calls on the host.
 *
 * Host build: compares both for every `step`-th float bit pattern (NaNs, infinities, subnormals
 * included) and prints "checked N bad M". With -DHASH_ONLY (also for Cortex-M, with -DUSE_K to
 * hash k_* results, or without to hash the C library's): prints FNV-1a hashes of the results
 * over every STEP-th non-NaN bit pattern, so a target's results can be compared with the host's. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libm_compat.h"

#ifdef HASH_ONLY
#ifdef USE_K
#define EXPF k_expf
#define TANHF k_tanhf
#else
#define EXPF expf
#define TANHF tanhf
#endif
int main(void) {
    uint32_t h1 = 2166136261u, h2 = 2166136261u;
    unsigned long n = 0;
    for (uint64_t u = 0; u < (1ULL << 32); u += STEP) {
        uint32_t b = (uint32_t)u;
        float x;
        memcpy(&x, &b, 4);
        if (isnan(x)) continue;
        float t = TANHF(x), e = EXPF(x);
        uint32_t tb, eb;
        memcpy(&tb, &t, 4);
        memcpy(&eb, &e, 4);
        for (int k = 0; k < 4; ++k) {
            h1 = (h1 ^ ((tb >> (8 * k)) & 0xff)) * 16777619u;
            h2 = (h2 ^ ((eb >> (8 * k)) & 0xff)) * 16777619u;
        }
        n++;
    }
    printf("n=%lu tanh=%08lx exp=%08lx\n", n, (unsigned long)h1, (unsigned long)h2);
    return 0;
}
#else
int main(int argc, char **argv) {
    uint64_t bad = 0, n = 0;
    uint32_t step = argc > 1 ? (uint32_t)atoi(argv[1]) : 97;
    for (uint64_t u = 0; u < (1ULL << 32); u += step) {
        float x;
        uint32_t b = (uint32_t)u, r[4];
        memcpy(&x, &b, 4);
        float v[4] = {expf(x), k_expf(x), tanhf(x), k_tanhf(x)};
        memcpy(r, v, 16);
        n++;
        for (int k = 0; k < 4; k += 2)
            if (r[k] != r[k + 1] && !(isnan(v[k]) && isnan(v[k + 1]))) {
                if (bad < 5) printf("%s(%a): libc %a ours %a\n", k ? "tanhf" : "expf", x, v[k], v[k + 1]);
                bad++;
            }
    }
    printf("checked %llu bad %llu\n", (unsigned long long)n, (unsigned long long)bad);
    return 0;
}
#endif
