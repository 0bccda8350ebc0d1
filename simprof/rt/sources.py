"""Which sources make a simprof-rt image, and their cheap identity. Kept free of heavy imports (no
compiler, no ELF reader): the estimate flow reads the source stamp on every call.

The kernel set is the one parameter that selects sources; it is chosen here and nowhere else.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from simprof.core.errors import UsageError
from simprof.core.kernels import DEFAULT_KERNELS
from simprof.core.kernels import KERNEL_SETS as KERNEL_SET_NAMES
from simprof.firmware import SOURCE_DIR

# Kernel set -> kernel source folders, earliest first: a later folder supplies only the operators
# the earlier ones do not register (the reference kernels complete every set).
KERNEL_SETS: dict[str, tuple[str, ...]] = {
    "reference": ("kernels",),
    # firmware/kernels_cmsis_nn: the ops TFLM's kernels/cmsis_nn changes (docs/simprof-rt.md)
    "cmsis-nn": ("kernels_cmsis_nn", "kernels"),
}
# Defines that switch a kernel set on in the shared sources (firmware/kernels/registry.c asks
# the CMSIS-NN registry first when SRT_KERNELS_CMSIS_NN is defined).
KERNEL_SET_DEFINES: dict[str, tuple[str, ...]] = {
    "reference": (),
    "cmsis-nn": ("SRT_KERNELS_CMSIS_NN",),
}
assert DEFAULT_KERNELS in KERNEL_SETS and set(KERNEL_SETS) <= set(KERNEL_SET_NAMES)
RUNTIME_DIRS = ("runtime", "app")


def kernel_sets() -> tuple[str, ...]:
    return tuple(KERNEL_SETS)


def check_kernels(kernels: str) -> str:
    """`kernels` when simprof-rt has an image with that kernel set; else a one-line error."""
    if kernels not in KERNEL_SETS:
        known = "a known kernel set" if kernels in KERNEL_SET_NAMES else "not a kernel set"
        raise UsageError(f"simprof-rt has no image with {kernels!r} kernels ({known})",
                         fix=f"use one of {', '.join(KERNEL_SETS)}")
    return kernels


def source_dirs(kernels: str = DEFAULT_KERNELS) -> list[Path]:
    """The folders whose C sources make the image (runtime, app, then the kernel folders)."""
    return [SOURCE_DIR / d for d in RUNTIME_DIRS] + [SOURCE_DIR / d for d in KERNEL_SETS[check_kernels(kernels)]]


def sources(kernels: str = DEFAULT_KERNELS) -> list[Path]:
    runtime, app, *kernel_dirs = source_dirs(kernels)
    return [app / "main.c"] + sorted(runtime.glob("*.c")) + [p for d in kernel_dirs for p in sorted(d.glob("*.c"))]


@functools.cache
def source_stamp(kernels: str = DEFAULT_KERNELS) -> str:
    """A cheap identity of the image's sources (content of every .c/.h of the image, board support
    and linker template): it changes whenever the firmware code does, without a compiler. The
    calibration records it beside the image's build hash, so an estimate can tell a stale
    calibration without building anything."""
    h = hashlib.sha256()
    dirs = source_dirs(kernels) + [SOURCE_DIR / "board"]
    for d in dirs:
        for p in sorted(d.iterdir()):
            if p.suffix in (".c", ".h", ".in"):
                h.update(f"{d.name}/{p.name}\0".encode())
                h.update(p.read_bytes())
    return h.hexdigest()
