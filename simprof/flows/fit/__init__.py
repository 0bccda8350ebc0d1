"""`simprof fit`: make a .tflite model fit a RAM budget on a platform (docs/fit.md).

Lossless steps first (operator order, offline memory plan), then structured channel pruning under
an accuracy floor; every result measured on simprof-rt under QEMU."""
from .driver import fit  # noqa: F401
from .result import FitResult  # noqa: F401
