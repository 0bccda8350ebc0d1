"""Errors of each estimator against the measurement, the summary, and the CSV form of results.json.

Error of a component = (estimated - measured) / measured, in percent; positive = over-estimate.
Components: total (the total peak RAM: static + stack + arena + heap), arena, stack, static. A
component is skipped for a pair when either side is unknown (None) or the measured value is 0.
"""
from __future__ import annotations

import csv
import io
import math
from typing import Any, Iterable, Mapping

COMPONENTS = {"total": "total_bytes", "arena": "arena_bytes", "stack": "stack_bytes", "static": "static_bytes"}


def component_errors(estimate: Mapping[str, Any] | None, measurement: Mapping[str, Any] | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if not estimate or not measurement:
        return out
    for comp, key in COMPONENTS.items():
        e, m = estimate.get(key), measurement.get(key)
        if not isinstance(e, (int, float)) or not isinstance(m, (int, float)) or m <= 0:
            continue
        out[comp] = {"estimated": e, "measured": m, "error_bytes": e - m, "error_pct": round(100.0 * (e - m) / m, 4)}
    return out


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"pairs": 0, "mean_abs_error_pct": None, "max_abs_error_pct": None, "mean_error_pct": None}
    absv = [abs(v) for v in values]
    return {"pairs": len(values), "mean_abs_error_pct": round(sum(absv) / len(absv), 4),
            "max_abs_error_pct": round(max(absv), 4), "mean_error_pct": round(sum(values) / len(values), 4)}


def summarize(pairs: Iterable[Mapping[str, Any]], estimators: Iterable[str]) -> dict[str, dict]:
    """Per estimator: pairs, mean/max absolute error of total peak RAM, and the same per component."""
    pairs = list(pairs)
    summary: dict[str, dict] = {}
    for name in estimators:
        per_comp = {c: [p["errors"][name][c]["error_pct"] for p in pairs if c in p.get("errors", {}).get(name, {})]
                    for c in COMPONENTS}
        entry = _stats(per_comp["total"])
        entry["components"] = {c: _stats(v) for c, v in per_comp.items()}
        summary[name] = entry
    return summary


CSV_FIELDS = ["model", "platform", "estimator", "fits", "status",
              *(f"{c}_{k}" for c in COMPONENTS for k in ("estimated", "measured", "error_pct"))]


def to_csv(results: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for p in results["pairs"]:
        for name in results["estimators"]:
            row: dict[str, Any] = {"model": p["model"], "platform": p["platform"], "estimator": name,
                                   "fits": p["fit"].get("fits"), "status": p["status"]}
            est = (p.get("estimates") or {}).get(name) or {}
            meas = p.get("measurement") or {}
            errs = p.get("errors", {}).get(name, {})
            for c, key in COMPONENTS.items():
                row[f"{c}_estimated"] = est.get(key)
                row[f"{c}_measured"] = meas.get(key)
                row[f"{c}_error_pct"] = errs.get(c, {}).get("error_pct")
            w.writerow(row)
    return buf.getvalue()


def worst_cases(results: Mapping[str, Any], estimator: str, n: int = 10) -> list[dict[str, Any]]:
    rows = []
    for p in results["pairs"]:
        err = p.get("errors", {}).get(estimator, {}).get("total")
        if err is not None and math.isfinite(err["error_pct"]):
            rows.append({"model": p["model"], "platform": p["platform"], **err})
    return sorted(rows, key=lambda r: -abs(r["error_pct"]))[:n]
