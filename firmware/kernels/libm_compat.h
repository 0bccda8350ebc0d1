/* libm_compat.h - the float transcendental functions of the kernels, in one place.
 *
 * TFLite's reference kernels call std::exp / std::tanh / std::sqrt on float, i.e. the C
 * library's expf / tanhf / sqrtf. sqrtf is correctly rounded everywhere. expf and tanhf are not:
 * the oracle (tflite-micro wheel) uses x86-64 glibc (whose expf is even selected per CPU, FMA or
 * not), the firmware uses newlib. Host builds match the oracle bit for bit; on Cortex-M an
 * expf/tanhf result can differ in the last bit for some inputs (see docs/supported-ops.md).
 */
#ifndef SRT_KERNELS_LIBM_COMPAT_H
#define SRT_KERNELS_LIBM_COMPAT_H

float k_expf(float x);
float k_tanhf(float x);
float k_sqrtf(float x);

#endif
