"""The estimate that guides the fit: which figure the loop compares with the budget when it
searches operator orders, packs offline plans and decides that pruning may stop.

- "simprof": simprof's exact estimator for simprof-rt on the platform (arm-eabi): the arena the
  firmware needs (`arena_min_bytes`), or static + arena + stack for a RAM budget.
- "unas", "mcunet": the published estimators (estimator/baselines/), arena budgets only.
- "tflm-host": TFLM's `arena_used_bytes()` as the x86-64 `tflite-micro` wheel reports it
  (simprof's lp64 replay, byte-equal to the wheel's print_allocations total).
"""
from __future__ import annotations

from typing import Callable

from simprof.core.errors import UsageError
from simprof.estimator import estimate
from simprof.estimator.baselines import run_baseline
from simprof.model.reader import ModelGraph

GUIDES = ("simprof", "unas", "mcunet", "tflm-host")


def scorer(guide: str, platform: str, kind: str, kernels: str = "reference") -> Callable[[ModelGraph], int]:
    if guide not in GUIDES:
        raise UsageError(f"unknown guidance {guide!r}", fix=f"use one of {', '.join(GUIDES)}")
    if guide != "simprof" and kind != "arena":
        raise UsageError(f"guidance {guide!r} estimates the arena only", fix="use --arena-budget with it")
    if guide == "simprof":
        field = "arena_min_bytes" if kind == "arena" else "total_bytes"
        return lambda g: getattr(estimate(g, platform, runtime="simprof-rt", kernels=kernels), field)
    if guide == "tflm-host":
        return lambda g: estimate(g, "generic", runtime="tflm", abi="lp64").tflm_arena_used_bytes
    return lambda g: run_baseline(guide, g).bytes
