/* libm_compat.c - see libm_compat.h. */
#include "libm_compat.h"

#include <math.h>

float k_expf(float x) { return expf(x); }
float k_tanhf(float x) { return tanhf(x); }
float k_sqrtf(float x) { return sqrtf(x); }
