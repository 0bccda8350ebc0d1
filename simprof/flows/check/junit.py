"""JUnit XML (the format Jenkins, GitLab and most CI test tabs read): one test case per model x
platform x kernel set; a breach or a regression is a <failure> naming the figure and the budget."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .evaluate import KIND
from .figures import FIGURES
from .report import CheckReport


def render(report: CheckReport) -> str:
    cases = report.cases
    failed = sum(1 for c in cases if any(f.fails for f in report.findings_for(c)))
    total_time = sum(c.seconds for c in cases)
    name = f"simprof check {report.budgets.path.name}"
    root = ET.Element("testsuites", name="simprof check", tests=str(len(cases)), failures=str(failed),
                      errors="0", skipped="0", time=f"{total_time:.3f}")
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(cases)), failures=str(failed),
                          errors="0", skipped="0", time=f"{total_time:.3f}")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="budgets", value=str(report.budgets.path))
    if report.baseline is not None:
        ET.SubElement(props, "property", name="baseline", value=str(report.baseline))
        ET.SubElement(props, "property", name="tolerance", value=str(report.tolerance))
    for case in cases:
        tc = ET.SubElement(suite, "testcase", name=case.title, classname=f"simprof.check.{case.platform}",
                           time=f"{case.seconds:.3f}")
        failures = [f for f in report.findings_for(case) if f.fails]
        if failures:
            kinds = sorted({f.kind for f in failures})
            fail = ET.SubElement(tc, "failure", message=failures[0].message, type=",".join(kinds))
            fail.text = "\n".join(f.message for f in failures)
        out = ET.SubElement(tc, "system-out")
        out.text = "\n".join(_figure_lines(report, case))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _figure_lines(report: CheckReport, case) -> list[str]:
    lines = []
    for fig in case.figures:
        vals = ", ".join(f"{k} {fig.get(k):,} B" for k in FIGURES if fig.get(k) is not None)
        lines.append(f"{KIND[fig.source]}: {vals}")
    for limit in case.limits:
        verdict = "ok" if limit.ok else "OVER"
        lines.append(f"{verdict}: {KIND[limit.source]} {limit.figure} {limit.value:,} B, "
                     f"{limit.allowed:,} B allowed ({limit.budget})")
    for f in report.findings_for(case):
        if not f.fails:
            lines.append(f.message)
    return lines
