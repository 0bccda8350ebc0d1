"""Default estimate/measure callables for `validate`, each (model_path, platform_id) -> dict with the
common JSON keys. Module-level functions (or functools.partial of them) so they pickle by reference.

Two setups:
- "qemu": simprof's estimator for simprof-rt on Cortex-M (arm-eabi) and the baselines, against the
  fill-and-read measurement of simprof-rt under QEMU (`qemu_measure` -> simprof.api.measure_model).
- "host": the estimator for TFLM on the LP64 host, against the tflite-micro wheel's own
  print_allocations() (`host_measure`). Only the arena exists there, so total = arena = head + tail.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

from .cache import file_sha256, tree_sha256

MEASURE_MODES = ("qemu", "host", "none")


def simprof_estimate(model_path: str, platform: str, kernels: str = "reference") -> dict[str, Any]:
    from simprof.flows.estimate import estimate_model
    return estimate_model(model_path, platform, runtime="simprof-rt", abi="arm-eabi", kernels=kernels).to_json()


def simprof_estimate_host(model_path: str, platform: str) -> dict[str, Any]:
    from simprof.estimator import estimate
    d = estimate(model_path, platform="generic", runtime="tflm", abi="lp64").to_json()
    d["total_bytes"] = d["arena_bytes"]  # the host run has no stack/static of its own to compare
    return d


def baseline_estimate(name: str, model_path: str, platform: str, abi: str = "arm-eabi",
                      kernels: str = "reference") -> dict[str, Any]:
    """A published estimator's single figure: what it says the model needs, compared as total RAM
    (and as arena, which is all most of them model)."""
    from simprof.estimator.baselines import run_baseline
    from simprof.model.reader import read_model
    runtime = "tflm" if abi == "lp64" else "simprof-rt"
    r = run_baseline(name, read_model(model_path), abi=abi, runtime=runtime, kernels=kernels)
    return {"total_bytes": r.bytes, "arena_bytes": r.bytes, "stack_bytes": None, "static_bytes": None,
            "heap_bytes": None, "source": r.source, "assumptions": r.assumptions, "operators": []}


def host_measure(model_path: str, platform: str) -> dict[str, Any]:
    """TFLM's own figures from the tflite-micro wheel (LP64 host build), after setup."""
    from simprof.model import oracle
    rep = oracle.allocations(Path(model_path).read_bytes())
    return {"total_bytes": rep.head + rep.tail, "arena_bytes": rep.head + rep.tail, "arena_head_bytes": rep.head,
            "arena_tail_bytes": rep.tail, "stack_bytes": None, "static_bytes": None, "heap_bytes": None,
            "emulator": "tflite-micro host wheel", "operators": []}


def qemu_measure(model_path: str, platform: str, estimate: dict | None = None) -> dict[str, Any]:
    """simprof-rt under QEMU (`simprof.flows.validate.measure.measure`) with the firmware built here, now.
    `validate` uses `qemu_measure_for(platforms)` instead: one build per platform for the whole run."""
    from .measure import build_firmware_refs, measure
    return measure(model_path, platform, firmwares=build_firmware_refs([platform]), estimate=estimate)


def qemu_measure_for(platforms: tuple[str, ...], kernels: str = "reference",
                     emulator: str = "qemu") -> tuple[Callable[..., dict], Callable[..., dict], dict[str, str]]:
    """The measure callables (under QEMU, or the `emulator` backend) bound to simprof-rt images built
    now for `platforms` (the whole-run measurement, and the per-operator one for timelines), and the
    cache key part of each platform's measurement (emulator, firmware build hash + the measuring
    code's hash)."""
    from simprof import rt, sim
    from .measure import build_firmware_refs, measure
    refs = build_firmware_refs(platforms, kernels)
    code = (tree_sha256(Path(sim.__file__).parent, (".py",))[:16] + tree_sha256(Path(rt.__file__).parent, (".py",))[:16]
            + file_sha256(Path(__file__).with_name("measure.py"))[:16])
    return (functools.partial(measure, firmwares=refs, per_operator=False, emulator=emulator),
            functools.partial(measure, firmwares=refs, per_operator=True, emulator=emulator),
            {p: f"{emulator}:{r.hash}:{code}" for p, r in refs.items()})


def baseline_names() -> tuple[str, ...]:
    try:
        from simprof.estimator.baselines import NAMES
    except ImportError:
        return ()
    return tuple(NAMES)


def default_estimators(mode: str, baselines: tuple[str, ...] | None = None,
                       kernels: str = "reference") -> dict[str, Callable[[str, str], dict]]:
    names = baseline_names() if baselines is None else baselines
    abi = "lp64" if mode == "host" else "arm-eabi"
    out: dict[str, Callable[[str, str], dict]] = {
        "simprof": simprof_estimate_host if mode == "host" else
        (simprof_estimate if kernels == "reference" else functools.partial(simprof_estimate, kernels=kernels))}
    for n in names:
        out[n] = functools.partial(baseline_estimate, n, abi=abi, kernels=kernels)
    return out


def default_measure(mode: str) -> Callable[[str, str], dict] | None:
    return {"qemu": qemu_measure, "host": host_measure, "none": None}[mode]


def estimator_version() -> str:
    from simprof import estimator
    return tree_sha256(Path(estimator.__file__).parent, (".py", ".json"))


def firmware_hash() -> str:
    try:
        from simprof.firmware import SOURCE_DIR
    except ImportError:
        return ""
    return tree_sha256(SOURCE_DIR, (".c", ".h", ".S", ".ld", ".in", ".json"))


def run_meta(platforms: tuple[str, ...], firmware_hashes: dict[str, str] | None = None,
             kernels: str = "reference") -> dict[str, Any]:
    """Versions and provenance recorded in results.json: simprof, git commit, QEMU, compiler, the
    tflite-micro wheel, and per platform the image measured and the calibration the estimate used
    (with the image it was made from: when they differ, the calibration is stale)."""
    import json
    import platform as _pyplatform
    import subprocess
    from importlib import metadata

    def quiet(fn):
        try:
            return fn()
        except Exception:  # noqa: BLE001 - provenance is best effort, never a reason to fail a run
            return None

    def git(*args: str) -> str | None:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent, timeout=10)
        return out.stdout.strip() or None if out.returncode == 0 else None

    from simprof.platforms import PLATFORM_DIR
    meta: dict[str, Any] = {
        "simprof": quiet(lambda: metadata.version("simprof")), "python": _pyplatform.python_version(),
        "git": quiet(lambda: git("rev-parse", "HEAD")),
        "git_dirty": quiet(lambda: bool(git("status", "--porcelain", "--untracked-files=no"))),
        "tflite_micro": quiet(lambda: metadata.version("tflite_micro")),
        "qemu": quiet(lambda: __import__("simprof.sim.qemu", fromlist=["qemu_version"]).qemu_version()),
        "compiler": quiet(lambda: __import__("simprof.sim.build", fromlist=["x"]).compiler_version(
            __import__("simprof.sim.build", fromlist=["x"]).compiler())),
        "platforms": {}}
    for pid in platforms:
        cal = quiet(lambda: json.loads((PLATFORM_DIR / "calibration" / f"{pid}.json").read_text()))
        if kernels != "reference":   # that kernel set's section (calibrate --kernels)
            cal = (cal or {}).get("kernel_sets", {}).get(kernels)
        prov = (cal or {}).get("provenance", {})
        image = (firmware_hashes or {}).get(pid, "")
        image = image.split(":")[1] if image.count(":") >= 2 else None
        meta["platforms"][pid] = {"kernels": kernels, "image_hash": image, "calibration_generated": prov.get("generated"),
                                  "calibration_firmware_hash": prov.get("firmware_hash"),
                                  "calibration_matches_image": None if not (image and prov.get("firmware_hash"))
                                  else prov.get("firmware_hash") == image}
    return meta
