"""Does a model fit a platform? The one rule `simprof corpus`, `validate`, `check` and `fit` share:
RAM from an estimate's total, flash from the model plus the firmware's own code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# Flash the firmware needs besides the model (simprof-rt, startup, libc): an upper-end assumption
# used for the flash side of the fit decision.
FIRMWARE_FLASH_RESERVE = 64 * 1024


@dataclass(frozen=True)
class PlatformBudget:
    id: str
    ram_bytes: int
    flash_bytes: int
    stack_bytes: int      # the stack region simprof-built firmware reserves
    heap_bytes: int


def fit_decision(estimate: Mapping[str, Any] | None, model_flash_bytes: int, p: PlatformBudget) -> dict[str, Any]:
    """Does the pair fit? RAM from the fit estimator's total (or its arena plus the platform's stack
    and heap regions when the total is unknown); flash from the model plus the firmware reserve.
    fits is None when there is no estimate to decide with."""
    flash_need = model_flash_bytes + FIRMWARE_FLASH_RESERVE
    out: dict[str, Any] = {"ram_bytes": p.ram_bytes, "flash_bytes": p.flash_bytes, "flash_need_bytes": flash_need}
    if not estimate:
        return {**out, "ram_need_bytes": None, "fits": None}
    ram_need = estimate.get("total_bytes")
    if ram_need is None:
        arena = estimate.get("arena_min_bytes") or estimate.get("arena_bytes")
        ram_need = None if arena is None else arena + p.stack_bytes + p.heap_bytes
    fits = None if ram_need is None else (ram_need <= p.ram_bytes and flash_need <= p.flash_bytes)
    return {**out, "ram_need_bytes": ram_need, "fits": fits}
