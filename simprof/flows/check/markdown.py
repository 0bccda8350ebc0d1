"""A Markdown summary for pull-request comments and CI job summaries: a verdict line, one table row
per case, then every breach, regression, shrinkage and new or gone case in words."""
from __future__ import annotations

from .report import CheckReport

SECTIONS = (("budget", "Over budget"), ("regression", "Regressions"), ("shrinkage", "Shrinkage"),
            ("new", "New (not in the baseline)"), ("gone", "Gone (in the baseline, no longer checked)"))


def _b(v) -> str:
    return "?" if v is None else f"{v:,}"


def render(report: CheckReport) -> str:
    mark = "❌" if report.failures else "✅"
    lines = [f"## {mark} simprof check: {report.summary()}", ""]
    lines.append(f"Budgets: `{report.budgets.path.name}`"
                 + (f"; baseline `{report.baseline.name}`, tolerance {report.tolerance}" if report.baseline else ""))
    lines += ["", "| model | platform | kernels | total B | arena B | stack B | measured total B | verdict |",
              "|---|---|---|--:|--:|--:|--:|---|"]
    for case in report.cases:
        est = case.figures_of("estimate")
        meas = case.figures_of("measurement")
        kinds = sorted({f.kind for f in report.findings_for(case) if f.fails})
        verdict = "❌ " + ", ".join("over budget" if k == "budget" else "regressed" for k in kinds) if kinds else "✅ ok"
        lines.append(f"| `{case.model}` | {case.platform} | {case.kernels} | {_b(est.get('total'))} | "
                     f"{_b(est.get('arena'))} | {_b(est.get('stack'))} | "
                     f"{_b(meas.get('total')) if meas else '–'} | {verdict} |")
    for kind, title in SECTIONS:
        found = [f for f in report.findings if f.kind == kind]
        if found:
            lines += ["", f"### {title}", ""]
            lines += [f"- {f.message.replace('|', '/')}" for f in found]
    return "\n".join(lines) + "\n"
