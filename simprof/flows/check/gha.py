"""GitHub Actions workflow commands: an `::error` annotation per breach or regression on the
budgets-file line, a `::notice` per shrinkage (shown in the run and on the pull request's diff)."""
from __future__ import annotations

from pathlib import Path

from .report import CheckReport, relative_uri

LEVEL = {"budget": "error", "regression": "error", "shrinkage": "notice"}
TITLE = {"budget": "RAM over budget", "regression": "RAM regression", "shrinkage": "RAM shrank"}


def _data(text: str) -> str:
    # Workflow-command escaping: the message part, then the property values.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(report: CheckReport, root: Path) -> list[str]:
    file, _relative = relative_uri(report.budgets.path, root)
    if file.startswith("file://"):
        file = str(report.budgets.path.resolve())
    out = []
    for f in report.findings:
        level = LEVEL.get(f.kind)
        if level:
            out.append(f"::{level} file={_prop(file)},line={f.line},title={_prop(TITLE[f.kind])}::{_data(f.message)}")
    return out
