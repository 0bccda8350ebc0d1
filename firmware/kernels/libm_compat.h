/* libm_compat.h - the float transcendental functions of the kernels, in one place.
 *
 * TFLite's reference kernels call std::exp / std::tanh / std::sqrt on float, i.e. the C
 * library's expf / tanhf / sqrtf. sqrtf is correctly rounded everywhere; expf and tanhf are not,
 * and the oracle (the tflite-micro wheel) uses x86-64 glibc while the firmware links newlib, whose
 * expf (all Cortex-M) and tanhf (Cortex-M4F) differ from glibc's in the last bit for some
 * inputs. k_expf and k_tanhf reimplement glibc's algorithms with IEEE arithmetic only, so every
 * target gets glibc's results (libm_compat.c; tests/unit/kernels/libm_check.c).
 */
#ifndef SRT_KERNELS_LIBM_COMPAT_H
#define SRT_KERNELS_LIBM_COMPAT_H

float k_expf(float x);
/* glibc's (fdlibm's) expm1f; ELU's float path and tanhf use it */
float k_expm1f(float x);
float k_tanhf(float x);
float k_sqrtf(float x);

#endif
