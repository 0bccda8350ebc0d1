"""The measure flows: a .tflite model on simprof-rt, or a user's firmware ELF, under an emulator.

Model (`measure_model`):
1. read the model once (simprof.model.reader);
2. estimate it once (simprof.flows.estimate): the arena hint for the minimum-arena search, and
   the claim "it does not fit this image", which is then checked with one run;
3. the platform's simprof-rt image for the kernel set (simprof.rt.image.image_for, cached build);
4. paint and run it, compare outputs with TFLM's host interpreter, find the minimum arena
   (simprof.rt.runner.measure_model).

ELF (`measure_elf`): the symbol conventions resolve the regions, the emulator paints and runs it
(simprof.sim.measure.measure_elf); the per-operator marks are mapped to the model's subgraphs and
operators (simprof.sim.opmarks) when the model is known (given, or linked into the ELF).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from simprof.core.errors import SimprofError
from simprof.core.results import Measurement, ModelMeasurement
from simprof.platforms import Platform


def measure_model(model: bytes | str | Path, platform: Platform, *, kernels: str = "reference",
                  emulator: str = "qemu", input: Any = None, min_arena: bool = False, recording: bool = False,
                  reference: bool = True, per_operator: bool = True, timeout_s: float = 60.0) -> ModelMeasurement:
    from simprof.flows.estimate import estimate_model
    from simprof.model.reader import load_model_bytes, read_model
    from simprof.rt import runner
    from simprof.rt.image import image_for

    data, name = load_model_bytes(model)
    graph = read_model(data, name)
    hint = _arena_estimate(estimate_model, graph, platform, kernels)
    img = image_for(platform, kernels)
    runner.check_input_room(img, data, graph)     # before any input array is allocated
    if hint is not None and hint > img.arena_capacity:
        inputs = runner.input_bytes(runner.load_inputs(input, graph))
        runner.check_flash(img, data, inputs)
        runner.check_arena_estimate(img, data, inputs, hint, timeout_s=timeout_s, emulator=emulator)
    return runner.measure_model(model, platform, input=input, kernels=kernels, min_arena=min_arena,
                                recording=recording, timeout_s=timeout_s, per_operator=per_operator,
                                reference=reference, emulator=emulator, arena_hint=hint, graph=graph)


def _arena_estimate(estimate_model, graph, platform: Platform, kernels: str) -> int | None:
    """The estimated minimum arena on simprof-rt, or None when the estimator cannot say (the run
    decides then)."""
    try:
        return estimate_model(graph, platform.id, runtime="simprof-rt", abi="arm-eabi",
                              kernels=kernels).arena_min_bytes
    except SimprofError:
        return None


def measure_elf(elf: str | Path, platform: Platform, *, emulator: str = "qemu", model: bytes | str | Path | None = None,
                **opts: Any) -> Measurement:
    """`model`: the .tflite the firmware runs; by default the one linked into the ELF, if any. With
    it, per-operator marks are mapped to (subgraph, operator) the way TFLM invokes them."""
    from simprof.sim.measure import measure_elf as _measure_elf
    if opts.get("per_operator", True) and "graph" not in opts:
        opts["graph"] = _graph_of(Path(elf), model)
    return _measure_elf(Path(elf), platform, emulator=emulator, **opts)


def _graph_of(elf: Path, model: bytes | str | Path | None):
    from simprof.flows.calibrate_elf import find_model_in_elf
    from simprof.model.reader import load_model_bytes, read_model

    if model is not None:
        data, name = load_model_bytes(model)
        return read_model(data, name)
    from elftools.common.exceptions import ELFError
    try:
        found = find_model_in_elf(elf) if elf.is_file() else None
    except (ELFError, OSError):
        return None   # not a readable ELF: the measurement itself names the problem in one line
    return read_model(found) if found is not None else None
