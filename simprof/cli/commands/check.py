"""`simprof check`: hold every model of a budgets file against its RAM budgets on its platforms,
and optionally against a committed baseline; write what CI systems show (docs/ci.md).

    simprof check [BUDGETS.yaml] [--baseline FILE] [--write-baseline FILE] [--tolerance AMOUNT]
                  [--junit OUT] [--sarif OUT] [--markdown OUT] [--no-measure]

Exit 0: every case within budget (and no regression); 3: over budget or regressed; 1: error; 2: usage.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from simprof.core.errors import UsageError

NAME = "check"
HELP = ("check models against RAM budgets (and a baseline) from a budgets file, for CI; "
        "exit 3 when any is over budget or regressed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("budgets", nargs="?", type=Path, default=Path("simprof.yaml"),
                        help="budgets file (default: simprof.yaml in the current folder; format: docs/ci.md)")
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="fail when a figure grew beyond the tolerance since this baseline")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE",
                        help="write this run's figures as a baseline (sorted JSON, to commit)")
    parser.add_argument("--tolerance", metavar="AMOUNT",
                        help="growth allowed against the baseline: bytes (256, 1KiB) or %% of the baseline "
                             "figure (default: the budgets file's tolerance, else 0)")
    parser.add_argument("--junit", type=Path, metavar="OUT", help="write JUnit XML (one test case per case)")
    parser.add_argument("--sarif", type=Path, metavar="OUT", help="write SARIF 2.1.0 (one result per finding)")
    parser.add_argument("--markdown", type=Path, metavar="OUT", help="write a Markdown summary")
    parser.add_argument("--no-measure", action="store_true",
                        help="estimate only, also for entries with measure: true (no QEMU)")


def run(args: argparse.Namespace) -> int:
    from simprof.flows.check import CheckOptions, check, parse_amount
    from simprof.flows.check import gha

    tolerance = None
    if args.tolerance is not None:
        try:
            tolerance = parse_amount(args.tolerance)
        except ValueError as exc:
            raise UsageError(f"--tolerance: {exc}", fix="write bytes (256, 1KiB) or a percentage (1%)") from None
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    summary = os.environ.get("GITHUB_STEP_SUMMARY") if in_actions else None
    options = CheckOptions(baseline=args.baseline, write_baseline=args.write_baseline, tolerance=tolerance,
                           measure=not args.no_measure, junit=args.junit, sarif=args.sarif,
                           markdown=args.markdown, step_summary=Path(summary) if summary else None,
                           root=Path.cwd())
    report = check(args.budgets, options, progress=_progress)
    _print(report)
    if in_actions:
        for line in gha.annotations(report, Path.cwd()):
            print(line)
    return report.exit_code


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"checking {text}", file=sys.stderr)


def _print(report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 140)
    table = Table(title=f"simprof check {report.budgets.path}")
    for col in ("model", "platform", "kernels", "total B", "arena B", "stack B", "measured total B", "verdict"):
        table.add_column(col, justify="right" if col.endswith(" B") else "left")
    for case in report.cases:
        est, meas = case.figures_of("estimate"), case.figures_of("measurement")
        kinds = sorted({f.kind for f in report.findings_for(case) if f.fails})
        verdict = ", ".join("over budget" if k == "budget" else "regressed" for k in kinds) or "ok"
        table.add_row(case.model, case.platform, case.kernels, _b(est.get("total")), _b(est.get("arena")),
                      _b(est.get("stack")), _b(meas.get("total")) if meas else "-",
                      f"[red]{verdict}[/red]" if kinds else f"[green]{verdict}[/green]")
    console.print(table)
    for f in report.findings:
        label = {"budget": "OVER BUDGET", "regression": "REGRESSION", "shrinkage": "shrank",
                 "new": "new", "gone": "gone"}[f.kind]
        console.print(f"{label}: {f.message}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"simprof check: {report.summary()}", markup=False, highlight=False)


def _b(v) -> str:
    return "?" if v is None else f"{v:,}"
