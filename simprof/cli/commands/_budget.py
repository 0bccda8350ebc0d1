"""The verdict of `--budget` / `--margin` (declared in `simprof.cli.options`) for `simprof estimate`
and `simprof measure`: a one-off RAM gate with the exit codes of `simprof check` (0 within, 3 over)."""
from __future__ import annotations

import sys

from simprof.core.errors import BudgetExceeded


def apply(result, platform_id: str, budget, margin) -> None:
    """Print the verdict; over budget raises `BudgetExceeded` (exit 3) after the outputs are written."""
    if budget is None and margin is None:
        return
    from simprof.flows.check.gate import gate

    verdict = gate(result, platform_id, budget=budget, margin=margin)
    if not verdict.ok:
        raise BudgetExceeded(f"over budget: {verdict.message}",
                             fix="reduce the model's RAM or raise the budget")
    sys.stdout.write(f"within budget: {verdict.message}\n")
