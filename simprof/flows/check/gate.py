"""The one-off gate of `simprof estimate/measure --budget/--margin`: a result's total RAM against a
budget. Imports nothing that runs an emulator or a build, so a static estimate stays static."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simprof.core.errors import SimprofError, UsageError
from simprof.core.sizes import Amount
from simprof.platforms import load as load_platform


@dataclass(frozen=True)
class Gate:
    ok: bool
    message: str


def gate(result: Any, platform_id: str, *, budget: int | None, margin: Amount | None) -> Gate:
    """Hold a result's total RAM against `budget` (default: the part's RAM) less `margin`
    (a percentage is of the budget)."""
    kind = "measured" if hasattr(result, "stack_region_bytes") else "estimated"
    if budget is None:
        if platform_id == "generic":
            raise UsageError("--margin without --budget needs a part's RAM", fix="pass --platform ID or --budget SIZE")
        plat = load_platform(platform_id)
        budget, words = plat.ram.size, f"RAM of {plat.part} {plat.ram.size:,} B"
    else:
        words = f"budget {budget:,} B"
    total = result.total_bytes
    if total is None:
        why = "; ".join(getattr(result, "unknowns", ())) or "no calibration data"
        raise SimprofError(f"the estimated total RAM is unknown on platform {platform_id} ({why})",
                           fix="pass --platform with calibration data (simprof platforms)")
    margin = margin or Amount(size=0)
    allowed = budget - margin.of(budget)
    if margin.of(budget):
        words += f" - {margin} margin"
    if total > allowed:
        return Gate(False, f"{kind} total RAM {total:,} B > {allowed:,} B allowed ({words}), "
                           f"over by {total - allowed:,} B")
    return Gate(True, f"{kind} total RAM {total:,} B <= {allowed:,} B allowed ({words}), "
                      f"{allowed - total:,} B to spare")
