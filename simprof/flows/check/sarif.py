"""SARIF 2.1.0 (what code-scanning views read): one result per budget breach or regression, pointing
at the budgets-file line of the budget (or entry) and at the model file."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .report import CheckReport, Finding, model_path, relative_uri

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT_ID = "SRCROOT"
RULES = (
    ("budget", "ram-budget", "RamBudget", "A model needs more RAM than its budget allows.",
     "A figure (total RAM, arena or stack) of a model on a platform exceeds the budget set in the "
     "budgets file: an absolute size, or the part's RAM less a margin."),
    ("regression", "ram-regression", "RamRegression", "A model needs more RAM than its baseline.",
     "A figure of a model on a platform grew by more than the tolerance since the committed baseline; "
     "the message names the operators and components that grew."),
)


def render(report: CheckReport, root: Path) -> str:
    rule_index = {kind: i for i, (kind, *_rest) in enumerate(RULES)}
    results = [_result(report, f, rule_index[f.kind], root) for f in report.findings if f.fails]
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "simprof",
                "version": _version(),
                "rules": [{"id": rid, "name": name, "shortDescription": {"text": short},
                           "fullDescription": {"text": full}, "defaultConfiguration": {"level": "error"}}
                          for _kind, rid, name, short, full in RULES],
            }},
            "originalUriBaseIds": {ROOT_ID: {"uri": root.resolve().as_uri() + "/"}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("simprof")
    except PackageNotFoundError:    # run from a source tree that is not installed
        return "0+unknown"


def _location(path: Path, root: Path, line: int | None) -> dict[str, Any]:
    uri, relative = relative_uri(path, root)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = ROOT_ID
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _result(report: CheckReport, finding: Finding, index: int, root: Path) -> dict[str, Any]:
    case = finding.case
    fingerprint = f"{finding.kind}:{finding.model}:{case.platform if case else ''}:{case.kernels if case else ''}"
    return {
        "ruleId": RULES[index][1],
        "ruleIndex": index,
        "level": "error",
        "message": {"text": finding.message},
        "locations": [_location(report.budgets.path, root, finding.line),
                      _location(model_path(report, finding), root, None)],
        "partialFingerprints": {"simprofCase/v1": fingerprint},
    }
