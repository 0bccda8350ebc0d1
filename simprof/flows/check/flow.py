"""The `simprof check` flow: load budgets → evaluate entries → compare with the baseline → render
outputs. Options are built once by the caller (the CLI); nothing here reads argv or the environment."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from simprof.core.outputs import check_output, write_text_atomic
from simprof.core.sizes import Amount

from . import junit, markdown, sarif
from .baseline import compare, load_baseline, write_baseline
from .budgets import load_budgets
from .evaluate import evaluate
from .report import CheckReport, make_report


@dataclass(frozen=True)
class CheckOptions:
    baseline: Path | None = None          # compare with this baseline
    write_baseline: Path | None = None    # write the figures of this run as a baseline
    tolerance: Amount | None = None       # overrides the budgets file's `tolerance` (default 0 B)
    measure: bool = True                  # False: estimates only, even for `measure: true` entries
    junit: Path | None = None
    sarif: Path | None = None
    markdown: Path | None = None
    step_summary: Path | None = None      # a file the Markdown summary is appended to (CI job summary)
    root: Path = Path(".")                # paths in SARIF and annotations are relative to this folder


def check(budgets_path: str | Path, options: CheckOptions = CheckOptions(),
          progress: Callable[[str], None] | None = None) -> CheckReport:
    budgets = load_budgets(budgets_path)
    baseline = load_baseline(options.baseline) if options.baseline else None   # fail before any work
    check_outputs(budgets_path, options)
    tolerance = options.tolerance or budgets.tolerance or Amount(size=0)
    cases = evaluate(budgets, measure=options.measure, progress=progress)
    changes = compare(cases, baseline, tolerance) if baseline is not None else ()
    report = make_report(budgets, cases, changes, options.baseline, tolerance)
    render_outputs(report, options)
    return report


def check_outputs(budgets_path: str | Path, options: CheckOptions) -> None:
    """Every output path, before any model is estimated or measured: regular files or new paths
    only, never an input (rewriting the baseline in place is allowed: that is what it is for)."""
    if options.write_baseline:
        check_output(options.write_baseline, inputs=[budgets_path], what="--write-baseline file")
    for path, what in ((options.junit, "--junit file"), (options.sarif, "--sarif file"),
                       (options.markdown, "--markdown file")):
        if path:
            check_output(path, inputs=[budgets_path, options.baseline], what=what)


def render_outputs(report: CheckReport, options: CheckOptions) -> None:
    if options.write_baseline:
        write_baseline(options.write_baseline, report.cases)
    if options.junit:
        write_text_atomic(options.junit, junit.render(report))
    if options.sarif:
        write_text_atomic(options.sarif, sarif.render(report, options.root))
    if options.markdown:
        write_text_atomic(options.markdown, markdown.render(report))
    if options.step_summary:
        with open(options.step_summary, "a", encoding="utf-8") as fh:
            fh.write(markdown.render(report))
