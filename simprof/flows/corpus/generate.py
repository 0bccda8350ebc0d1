"""Deterministic corpus generator: `generate(GenerateOptions(out, count, seed))` writes
<out>/<name>.tflite for every model plus <out>/manifest.json.

Same (count, seed, families, float_share) -> same files, byte for byte: every model draws from its
own generator seeded with (seed, index), so model i does not depend on how many come after it.
Families are dealt round-robin (in a seeded order) so small corpora are diverse too.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from simprof.core.errors import UsageError
from simprof.core.outputs import write_bytes_atomic, write_json_atomic

from .check import run_isolated
from .families import FAMILIES, build_model
from .stats import ModelStats, model_stats

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
MAX_ACTIVATION_BYTES = 1_280 * 1024   # "a few KiB to ~1 MiB": models above this are re-drawn
MAX_FLASH_BYTES = 4 * 1024 * 1024
from simprof.flows.budget import FIRMWARE_FLASH_RESERVE  # noqa: E402  (one rule for both)


@dataclass(frozen=True)
class GenerateOptions:
    out: Path
    count: int
    seed: int = 0
    families: tuple[str, ...] = ()      # empty: all families
    float_share: float = 0.2            # share of float32 models; the rest are int8, per-channel
    check: bool = False                 # run every model in TFLM's host interpreter
    calibrate: bool = True              # int8 scales from the float twin's observed ranges


@dataclass(frozen=True)
class PlannedModel:
    index: int
    name: str
    family: str
    dtype: str
    seed: int
    params: dict[str, Any]


def plan(options: GenerateOptions) -> list[PlannedModel]:
    """Names, families, types and parameters of every model, without building any."""
    fams = list(options.families) or sorted(FAMILIES)
    unknown = [f for f in fams if f not in FAMILIES]
    if unknown:
        raise UsageError(f"unknown model families: {', '.join(unknown)}", fix=f"use some of {', '.join(sorted(FAMILIES))}")
    if options.count < 0 or not 0.0 <= options.float_share <= 1.0:
        raise UsageError("count must be >= 0 and float share within [0, 1]")
    order = list(np.random.default_rng([options.seed, 2**31]).permutation(fams))
    out = []
    for i in range(options.count):
        rng = np.random.default_rng([options.seed, i])
        fam = order[i % len(order)]
        dtype = "float32" if rng.random() < options.float_share else "int8"
        out.append(PlannedModel(i, f"{i:04d}_{fam}_{dtype}", fam, dtype, int(rng.integers(2**31)),
                                FAMILIES[fam].sample(rng)))
    return out


def _build_within_limits(p: PlannedModel, calibrate: bool) -> tuple[PlannedModel, bytes, ModelStats]:
    rng = np.random.default_rng([p.seed, 1])
    for _ in range(20):
        data = build_model(p.family, p.params, p.dtype, p.seed, calibrate=calibrate)
        stats = model_stats(data)
        if stats.activation_lower_bound <= MAX_ACTIVATION_BYTES and stats.flash_bytes <= MAX_FLASH_BYTES:
            return p, data, stats
        log.debug("%s too large (%d B activations), re-drawing", p.name, stats.activation_lower_bound)
        p = PlannedModel(p.index, p.name, p.family, p.dtype, p.seed, FAMILIES[p.family].sample(rng))
    return p, data, stats


def platform_fit(data: bytes, stats: ModelStats) -> tuple[dict[str, bool | None] | None, str]:
    """Which platforms the model fits, and on what basis. With simprof's estimator: the same rule
    `simprof validate` applies (estimated total RAM, or arena + the platform's stack and heap when
    stack/static are uncalibrated, and model + firmware reserve in flash). Without it: necessary
    conditions from the activation lower bound. ({}, basis) when platform data is missing."""
    try:
        from simprof.platforms import all_platforms
        platforms = all_platforms()
    except Exception as exc:  # platforms/ is optional for the generator
        log.info("no platform data, fit left empty: %s", exc)
        return None, "no platform data"
    from simprof.flows.budget import PlatformBudget, fit_decision
    budgets = [PlatformBudget(p.id, p.ram.size, p.flash.size, p.stack_size, p.heap_size) for p in platforms]
    try:
        from simprof.estimator import estimate
        from simprof.model.reader import read_model
        graph = read_model(data)
        fits = {b.id: fit_decision(estimate(graph, platform=b.id, runtime="simprof-rt").to_json(),
                                   stats.flash_bytes, b)["fits"] for b in budgets}
        return fits, "simprof estimate (simprof-rt, arm-eabi), as simprof validate decides"
    except Exception as exc:  # an estimator gap must not stop corpus generation
        log.info("estimator unavailable for the fit (%s); using the lower bound", exc)
    return ({b.id: stats.flash_bytes + FIRMWARE_FLASH_RESERVE <= b.flash_bytes
             and stats.activation_lower_bound + b.stack_bytes + b.heap_bytes <= b.ram_bytes for b in budgets},
            f"necessary conditions only: flash >= model + {FIRMWARE_FLASH_RESERVE} B; "
            "RAM >= activation lower bound + stack + heap")


def generate(options: GenerateOptions, progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Builds and writes the corpus; returns the manifest (also written to <out>/manifest.json)."""
    planned = plan(options)
    entries = []
    for k, p in enumerate(planned):
        p, data, stats = _build_within_limits(p, options.calibrate)
        entry: dict[str, Any] = {
            "name": p.name, "file": f"{p.name}.tflite", "family": p.family, "dtype": p.dtype, "seed": p.seed,
            "params": p.params, "sha256": hashlib.sha256(data).hexdigest(), **stats.to_json(),
        }
        entry["platforms"], entry["platform_fit_basis"] = platform_fit(data, stats)
        if options.check:
            r = run_isolated(data, invokes=1)
            entry["host_run"] = "ok" if r.ok else r.error.splitlines()[0][:200]
        write_bytes_atomic(options.out / entry["file"], data)
        entries.append(entry)
        if progress:
            progress(k + 1, len(planned), p.name)
    manifest = {
        "version": MANIFEST_VERSION, "generator": "simprof corpus generate", "seed": options.seed,
        "count": options.count, "families": list(options.families) or sorted(FAMILIES),
        "float_share": options.float_share, "calibrated": options.calibrate,
        "models": entries,
    }
    write_json_atomic(options.out / MANIFEST, manifest)
    return manifest


# Named models with fixed parameters, e.g. the README demo model (examples/kws_dscnn_int8.tflite).
PRESETS: dict[str, tuple[str, dict[str, Any], str, int]] = {
    # MLPerf Tiny KWS DS-CNN shape: 49x10 MFCCs, conv 10x4/2 to 64 channels, 4 depthwise-separable
    # blocks, average pool, FC 12, softmax.
    "kws_dscnn_int8": ("dscnn", {"input": [49, 10, 1], "filters": 64, "blocks": 4, "classes": 12}, "int8", 2026),
    "kws_dscnn_float32": ("dscnn", {"input": [49, 10, 1], "filters": 64, "blocks": 4, "classes": 12}, "float32", 2026),
    "resnet8_int8": ("resnet8", {"input": [32, 32, 3], "base": 16, "stacks": 3, "classes": 10}, "int8", 2026),
    "autoencoder_int8": ("autoencoder", {"input": 640, "hidden": [128, 128, 128, 128], "bottleneck": 8}, "int8", 2026),
}


def build_preset(name: str) -> bytes:
    if name not in PRESETS:
        raise UsageError(f"unknown preset {name!r}", fix=f"use one of {', '.join(sorted(PRESETS))}")
    family, params, dtype, seed = PRESETS[name]
    return build_model(family, params, dtype, seed)
