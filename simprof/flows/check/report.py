"""What one `simprof check` found: the cases, and the findings the renderers show (budget breaches
and regressions fail; shrinkage and new or gone cases are reported)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from simprof.core.sizes import Amount

from .baseline import Change
from .budgets import Budgets
from .evaluate import Case, breach_message

FAILING = ("budget", "regression")

@dataclass(frozen=True)
class Finding:
    kind: str                 # "budget" | "regression" | "shrinkage" | "new" | "gone"
    message: str
    case: Case | None
    model: str                # model path relative to the budgets file's folder
    line: int                 # the budgets-file line it points at

    @property
    def fails(self) -> bool:
        return self.kind in FAILING

@dataclass(frozen=True)
class CheckReport:
    budgets: Budgets
    cases: tuple[Case, ...]
    findings: tuple[Finding, ...]
    baseline: Path | None
    tolerance: Amount

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.fails)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    @property
    def exit_code(self) -> int:
        return 3 if self.failures else 0

    def findings_for(self, case: Case) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.case is case)

    def summary(self) -> str:
        n = len(self.cases)
        if not self.failures:
            text = f"all {n} case{'s' if n != 1 else ''} within budget"
            if self.baseline is not None:
                text += ", no regression"
        else:
            parts = []
            over = len({id(f.case) for f in self.findings if f.kind == "budget"})
            if over:
                parts.append(f"{over} over budget")
            if self.count("regression"):
                parts.append(f"{self.count('regression')} regressed")
            text = f"{', '.join(parts)} of {n} case{'s' if n != 1 else ''}"
        if self.count("shrinkage"):
            text += f"; {self.count('shrinkage')} shrank"
        return text


def make_report(budgets: Budgets, cases: tuple[Case, ...], changes: tuple[Change, ...],
                baseline: Path | None, tolerance: Amount) -> CheckReport:
    findings = []
    for case in cases:
        for limit in case.breaches:
            findings.append(Finding("budget", breach_message(case, limit), case, case.model,
                                    limit.line or case.entry.line))
    by_key = {c.key: c for c in cases}
    for ch in changes:
        case = by_key.get(ch.key)
        line = case.entry.line if case else 1
        findings.append(Finding(ch.kind, ch.message, case, ch.key[0], line))
    return CheckReport(budgets=budgets, cases=cases, findings=tuple(findings), baseline=baseline,
                       tolerance=tolerance)


def relative_uri(path: Path, root: Path) -> tuple[str, bool]:
    """A path as CI tools want it: relative to the checkout root (POSIX), or an absolute file URI
    when it lies outside. The flag says whether it is relative."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix(), True
    except ValueError:
        return resolved.as_uri(), False


def model_path(report: CheckReport, finding: Finding) -> Path:
    if finding.case is not None:
        return finding.case.path
    return Path(os.path.normpath(report.budgets.folder / finding.model))
