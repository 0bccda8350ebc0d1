"""The public Python API of simprof: plain functions, the one layer every front end calls
(the CLI, the Robot Framework library `simprof.robot`, the pytest plugin).

    import simprof
    e = simprof.estimate("model.tflite", "stm32f4")          # static, per operator (Estimate)
    m = simprof.measure("app.elf", "stm32f4")                 # painted under QEMU (Measurement)
    m = simprof.measure("app.elf", "nrf52840", emulator="renode")
    m = simprof.measure("model.tflite", "stm32f4")            # on simprof-rt

A façade only: each function resolves its arguments (paths, platform ids) and hands over to the
flow that does the work (simprof.flows). No figure is computed here.
"""
from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from simprof.core.errors import UsageError

__all__ = ["estimate", "measure", "fit", "measure_model", "file_kind", "measure_target", "platforms", "load_platform", "emulators",
           "symbol_conventions", "build_elf", "write_models", "is_model", "can_measure_models",
           "check_tools", "result_json", "save_json", "load_json"]

PathLike = str | os.PathLike


def platforms() -> list:
    """Every known platform (`simprof.platforms.Platform`), built-ins and $SIMPROF_PLATFORM_PATH."""
    from simprof.platforms import all_platforms
    return all_platforms()


def load_platform(platform: Any):
    """A `Platform` from an id (validated; an unknown id lists the valid ones) or a `Platform`."""
    from simprof.platforms import Platform, load
    return platform if isinstance(platform, Platform) else load(str(platform))


def emulators() -> list[str]:
    """Names of the registered emulator backends (e.g. ['qemu', 'renode'])."""
    from simprof.sim import renode  # noqa: F401  (registers the 'renode' backend)
    from simprof.sim.backend import BACKENDS
    return list(BACKENDS)


def file_kind(path: PathLike) -> str:
    """"tflite", "elf" or "unknown", by the file's first bytes whatever it is called (the one rule
    the CLI and this API use to tell a model from a firmware); "missing" when it cannot be read."""
    from simprof.model.reader import file_kind as _kind
    try:
        with open(path, "rb") as fh:
            return _kind(fh.read(8))
    except OSError:
        return "missing"


def measure_target(path: PathLike) -> str:
    """"tflite" or "elf": what `measure` does with this file (the rule the CLI uses too). A .tflite
    model by its identifier, whatever it is called (a file named .tflite that is not one is an
    error); anything else goes the ELF way, where the
    emulator is checked first and the ELF reader then names what is wrong with the file. A
    directory, or a missing file named .tflite, is a one-line error here."""
    from simprof.core.errors import ModelFormatError
    kind = file_kind(path)
    if kind == "tflite":
        return kind
    p = Path(path)
    if p.is_dir():
        raise ModelFormatError(f"{p} is a directory", fix="pass a .tflite model or a firmware ELF")
    if kind == "missing" and p.suffix == ".tflite":
        raise ModelFormatError(f"model file {p} does not exist", fix="check the path")
    if kind == "unknown" and p.suffix == ".tflite":
        from simprof.model.reader import load_model_bytes
        load_model_bytes(p)          # raises: says why this is not a model
    return "elf"


def is_model(path: PathLike) -> bool:
    """True for a .tflite flatbuffer (by its file identifier, whatever the file is called)."""
    return file_kind(path) == "tflite"


def estimate(path: PathLike | bytes, platform: Any = "generic", **opts: Any):
    """Static estimate of a .tflite model (`simprof.core.results.Estimate`).

    opts: runtime ("tflm" | "simprof-rt"), abi ("arm-eabi" | "lp64"), kernels ("reference" |
    "cmsis-nn"), calibration_dir, calibration (a named calibration of your own firmware, see
    `simprof.flows.estimate.estimate_model`)."""
    from simprof.flows.estimate import estimate_model
    pid = getattr(platform, "id", platform)
    model = path if isinstance(path, bytes) else Path(path)
    return estimate_model(model, str(pid), **opts)


def fit(model: PathLike | bytes, platform: Any, **opts: Any):
    """Make a .tflite model fit a RAM budget on `platform` (`simprof.flows.fit.FitResult`; the
    rewritten model is `.fitted`, the QEMU proof `.proof`). opts go to `simprof.flows.fit.fit`:
    arena_budget / ram_budget ("96KiB", "75%", 0.75, bytes; default RAM budget = the part's RAM),
    data (.npz), min_accuracy / max_drop, guidance, measure, seed."""
    from simprof.flows.fit import fit as _fit
    pid = getattr(platform, "id", platform)
    return _fit(model if isinstance(model, bytes) else Path(model), str(pid), **opts)


def measure(path_or_elf: PathLike, platform: Any, *, emulator: str = "qemu", **opts: Any):
    """Measure peak RAM under an emulator (`simprof.core.results.Measurement`).

    A .tflite model runs on the simprof-rt firmware (`measure_model`); any other file is taken as
    a firmware ELF and measured by fill-and-read (`simprof.flows.measure.measure_elf`); see
    `measure_target`.
    emulator: a registered backend name (`emulators()`), "qemu" by default.
    opts for an ELF: timeout_s, per_operator, parallel, check_exit, island_gap, symbols (a
    `SymbolConventions`) or the shorthands of `symbol_conventions` (stop, arena, stack_size, ...),
    model (the .tflite it runs, to map operator marks to subgraphs; default: the one in the ELF)."""
    platform_obj = load_platform(platform)
    _check_timeout(opts)
    target = Path(path_or_elf)
    if file_kind(target) != "tflite" and opts.pop("min_arena", False):
        raise UsageError("min_arena (bisecting the arena size) needs a .tflite model, not a firmware ELF",
                         fix="measure the model, or build your firmware with several arena sizes")
    if measure_target(target) == "tflite":
        return measure_model(target, platform_obj, emulator=emulator, **opts)
    from simprof.flows.measure import measure_elf
    require_emulator(emulator)
    shorthand = {k: opts.pop(k) for k in list(opts) if k in _SYMBOL_SHORTHANDS}
    if shorthand:
        opts["symbols"] = symbol_conventions(base=opts.get("symbols"), **shorthand)
    return measure_elf(target, platform_obj, emulator=emulator, **opts)


def measure_model(model: PathLike, platform: Any, *, emulator: str = "qemu", **opts: Any):
    """Measure a .tflite model on the simprof-rt firmware (`simprof.flows.measure.measure_model`).
    opts: kernels, input, min_arena, recording, reference, per_operator, timeout_s."""
    from simprof.flows.measure import measure_model as _measure_model
    platform_obj = load_platform(platform)
    _check_timeout(opts)
    if emulator != "qemu":
        require_emulator(emulator)
    return _measure_model(Path(model), platform_obj, emulator=emulator, **opts)


def _check_timeout(opts: dict) -> None:
    """A wall-clock limit is a positive, finite number of seconds (inf would overflow a socket
    timeout deep inside a run, nan would never expire)."""
    value = opts.get("timeout_s")
    if value is None:
        return
    try:
        ok = math.isfinite(float(value)) and float(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UsageError(f"timeout_s must be a positive, finite number of seconds, not {value!r}", fix="e.g. 60")


def require_emulator(name: str) -> None:
    """Fail before any work when the backend is unknown (the error lists the valid names) or its
    emulator is not installed (one line naming what is missing)."""
    emulators()
    from simprof.sim.backend import backend
    backend(name)


_SYMBOL_SHORTHANDS = ("stop", "stack_top", "stack_bottom", "stack_size", "arena", "arena_size",
                      "heap_start", "heap_end")


def symbol_conventions(*, base: Any = None, stop: str | None = None, stack_top: str | None = None,
                       stack_bottom: str | None = None, stack_size: int | None = None,
                       arena: str | None = None, arena_size: int | None = None,
                       heap_start: str | None = None, heap_end: str | None = None):
    """`SymbolConventions` with single symbol names overriding the defaults (same meaning as the
    `simprof measure` options --stop, --stack-top, ...)."""
    from simprof.sim.layout import SymbolConventions
    conv = base or SymbolConventions()
    changes: dict[str, Any] = {}
    for name, value in (("stop", stop), ("stack_top", stack_top), ("stack_bottom", stack_bottom),
                        ("arena", arena), ("heap_start", heap_start), ("heap_end", heap_end)):
        if value:
            changes[name] = (value,)
    if arena:
        changes["arena_required"] = True
    if stack_size is not None:
        changes["stack_size"] = int(stack_size)
        if not stack_bottom:
            changes["stack_bottom"] = ()
    if arena_size is not None:
        changes["arena_size"] = int(arena_size)
    return replace(conv, **changes)


def build_elf(sources: Sequence[PathLike], platform: Any, *, name: str = "firmware", **opts: Any) -> Path:
    """Compile C sources with simprof's board support for `platform` (cached); the ELF's path.
    opts go to `simprof.sim.build.build_firmware` (defines, include_dirs, stack_size, arena_size...)."""
    from simprof.sim.build import build_firmware
    return build_firmware(load_platform(platform), [Path(s) for s in sources], name=name, **opts).elf


def write_models(out: PathLike, names: Sequence[str] = (), *, preset: Sequence[str] = ()) -> list[Path]:
    """Write per-operator example models (`simprof.flows.corpus.opmodels`, by name; none given: all) and
    named presets (e.g. kws_dscnn_int8) into folder `out`; the written paths, in order."""
    from simprof.flows.corpus import opmodels
    from simprof.core.outputs import write_bytes_atomic
    folder = Path(out)
    written = []
    if not names and not preset:
        names = opmodels.names()
    for name in names:
        written.append(write_bytes_atomic(folder / f"{name}.tflite", opmodels.model(name)))
    if preset:
        from simprof.flows.corpus.generate import build_preset
        for name in preset:
            written.append(write_bytes_atomic(folder / f"{name}.tflite", build_preset(name)))
    return written


def can_measure_models() -> bool:
    """True when this build can measure .tflite models (simprof-rt's sources are installed)."""
    from simprof.rt.sources import source_dirs
    return all(d.is_dir() for d in source_dirs())


def check_tools(emulator: str = "qemu", *, compiler: bool = True) -> None:
    """Raise `ToolchainError` (one line: what is missing, how to get it) unless the emulator backend
    (and, with compiler=True, the Arm C compiler for simprof-built firmware) is installed."""
    require_emulator(emulator)
    if compiler:
        from simprof.sim.build import compiler as _compiler
        _compiler()


def result_json(result: Any) -> dict:
    """The JSON form of an Estimate or Measurement (same keys for the figures both have); a mapping
    (a result already loaded from JSON) is returned as a plain dict."""
    if hasattr(result, "to_json"):
        return result.to_json()
    if isinstance(result, dict):
        return dict(result)
    raise TypeError(f"not a simprof result: {type(result).__name__}")


def save_json(result: Any, path: PathLike) -> Path:
    """Write a result's JSON form atomically (never a half-written file)."""
    from simprof.core.outputs import write_json_atomic
    return write_json_atomic(path, result_json(result))


def load_json(path: PathLike) -> dict:
    """A result written by `save_json` or `simprof estimate/measure --json`, as a dict."""
    import json
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read result JSON {path}: {exc}", fix="pass a file written with --json") from exc
