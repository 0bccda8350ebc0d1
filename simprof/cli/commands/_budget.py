"""`--budget` / `--margin` of `simprof estimate` and `simprof measure`: a one-off RAM gate with the
exit codes of `simprof check` (0 within budget, 3 over)."""
from __future__ import annotations

import argparse
import sys

from simprof.core.errors import BudgetExceeded, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("budget gate (exit 3 when over)")
    group.add_argument("--budget", metavar="SIZE",
                       help="total RAM allowed, e.g. 96KiB (default with --margin: the part's RAM)")
    group.add_argument("--margin", metavar="AMOUNT",
                       help="part of the budget that must stay free: bytes (4KiB) or %% of the budget (10%%)")


def parse(args: argparse.Namespace):
    """(budget bytes or None, margin Amount or None), checked before any work is done."""
    from simprof.core.sizes import parse_amount, parse_size

    budget = margin = None
    try:
        if args.budget is not None:
            budget = parse_size(args.budget)
        if args.margin is not None:
            margin = parse_amount(args.margin)
            if margin.fraction is not None and margin.fraction >= 1:
                raise ValueError(f"margin {args.margin!r} leaves nothing: give less than 100%")
    except ValueError as exc:
        raise UsageError(f"--budget/--margin: {exc}", fix="write a size (96KiB) or a margin (10%, 4KiB)") from None
    return budget, margin


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
