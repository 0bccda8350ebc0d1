"""The kernel sets simprof knows, by name, and the default: one definition for the estimator (which
models each set's scratch buffers and op data), the simprof-rt images (simprof.rt.sources maps a
name to sources) and every front's `--kernels` option."""
KERNEL_SETS = ("reference", "cmsis-nn")
DEFAULT_KERNELS = "reference"
