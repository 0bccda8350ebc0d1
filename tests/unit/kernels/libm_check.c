/* libm_check.c - k_expf (firmware/kernels/libm_compat.c) against the host C library's expf, which is
 * what the tflite-micro wheel's TFLM calls: every `step`-th float bit pattern, both signs, NaNs,
 * infinities and subnormals included. Prints "checked N bad M". */
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
float k_expf(float x);
int main(int argc, char **argv) {
    uint64_t bad = 0, n = 0;
    uint32_t step = argc > 1 ? (uint32_t)atoi(argv[1]) : 97;
    for (uint64_t u = 0; u < (1ULL << 32); u += step) {
        float x; uint32_t b = (uint32_t)u; memcpy(&x, &b, 4);
        float a = expf(x), c = k_expf(x);
        uint32_t ua, uc; memcpy(&ua, &a, 4); memcpy(&uc, &c, 4);
        n++;
        if (ua != uc && !(isnan(a) && isnan(c))) { if (bad < 5) printf("x=%a glibc=%a ours=%a\n", x, a, c); bad++; }
    }
    printf("checked %llu bad %llu\n", (unsigned long long)n, (unsigned long long)bad);
    return 0;
}
