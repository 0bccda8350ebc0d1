"""The estimate flow: a .tflite model to an `Estimate`, with no emulator and no compiler.

Driver (`estimate_model`):
1. read the model once (simprof.model.reader.read_model);
2. the source stamp of the simprof-rt image the platform's calibration describes
   (simprof.rt.sources.source_stamp: file contents hashed, nothing built), so the estimator can
   tell a stale calibration;
3. the estimator (simprof.estimator.estimate): plan, tail, scratch, setup transient, stack, static.
"""
from __future__ import annotations

from pathlib import Path

from simprof.core.results import Estimate
from simprof.model.reader import ModelGraph, read_model

GENERIC = "generic"


def estimate_model(model: bytes | str | Path | ModelGraph, platform: str = GENERIC, *, runtime: str = "tflm",
                   abi: str = "arm-eabi", kernels: str = "reference", calibration_dir: Path | None = None,
                   calibration: str | Path | None = None) -> Estimate:
    """calibration: a named calibration of your own firmware (`simprof calibrate --elf`), else
    the platform's simprof-rt calibration for `kernels`."""
    from simprof.estimator import estimate

    graph = model if isinstance(model, ModelGraph) else read_model(model)
    stamp = image_stamp(kernels) if platform != GENERIC and calibration_dir is None and calibration is None else None
    return estimate(graph, platform, runtime=runtime, abi=abi, kernels=kernels,
                    calibration_dir=calibration_dir, image_stamp=stamp, calibration=calibration)


def image_stamp(kernels: str) -> str | None:
    """The stamp of the image sources for `kernels` (None for a kernel set simprof-rt has no image
    of: its calibration cannot be checked against sources then)."""
    from simprof.rt.sources import KERNEL_SETS, source_stamp
    return source_stamp(kernels) if kernels in KERNEL_SETS else None
