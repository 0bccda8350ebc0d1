"""Errors of each estimator against the measurement, the summary, and the CSV form of results.json.

Error of a component = (estimated - measured) / measured, in percent; positive = over-estimate.
Components: total (the total peak RAM: static + stack + arena + heap), arena (the minimum arena
when the measurement verified one), arena_head, arena_tail, stack, static, heap. A component is
skipped for a pair when either side is unknown (None), and arena_head/arena_tail when the painted
blocks merged (`arena_blocks_merged`: an almost full arena); error_pct is None when the measured
value is 0 and the estimate is not (the byte error still counts).
"""
from __future__ import annotations

import csv
import io
import math
from typing import Any, Iterable, Mapping

COMPONENTS = {"total": "total_bytes", "arena": "arena_bytes", "arena_head": "arena_head_bytes",
              "arena_tail": "arena_tail_bytes", "stack": "stack_bytes", "static": "static_bytes", "heap": "heap_bytes"}


def not_fit_kind(p: Mapping[str, Any]) -> str:
    """Why a does-not-fit pair was not measured: "part" (the estimate exceeds the part's RAM or
    flash) or "image" (the part could hold it, simprof-rt's image cannot)."""
    f = p["fit"]
    part = (f.get("ram_need_bytes") or 0) > f.get("ram_bytes", 0) or f.get("flash_need_bytes", 0) > f.get("flash_bytes", 0)
    return "part" if part or not f.get("reason") else "image"


def _keys(comp: str, measurement: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """(estimate keys, first present wins; measurement key) of a component. A QEMU measurement
    carries the verified minimum arena: the arena compared is then the minimum arena (estimators
    without one are compared by their single arena figure), and the head is the painted head block."""
    if "arena_min_bytes" in measurement:
        if comp == "arena":
            return ("arena_min_bytes", "arena_bytes"), "arena_min_bytes"
        if comp == "arena_head":
            return ("arena_head_painted_bytes",), "arena_head_bytes"
    return (COMPONENTS[comp],), COMPONENTS[comp]


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def component_errors(estimate: Mapping[str, Any] | None, measurement: Mapping[str, Any] | None) -> dict[str, dict]:
    """Per component: estimated, measured, error_bytes and error_pct = (estimated - measured) /
    measured x 100 (None when measured is 0 and the estimate is not)."""
    out: dict[str, dict] = {}
    if not estimate or not measurement:
        return out
    for comp in COMPONENTS:
        if comp in ("arena_head", "arena_tail") and measurement.get("arena_blocks_merged"):
            continue   # the painted head/tail split is not observable in an almost full arena
        ekeys, mkey = _keys(comp, measurement)
        e = next((estimate[k] for k in ekeys if _num(estimate.get(k))), None)
        m = measurement.get(mkey)
        if e is None or not _num(m) or m < 0:
            continue
        pct = round(100.0 * (e - m) / m, 4) if m > 0 else (0.0 if e == m else None)
        out[comp] = {"estimated": e, "measured": m, "error_bytes": e - m, "error_pct": pct}
    return out


def _stats(errors: list[dict]) -> dict[str, Any]:
    pcts = [e["error_pct"] for e in errors if e["error_pct"] is not None]
    out: dict[str, Any] = {"pairs": len(pcts), "mean_abs_error_pct": None, "max_abs_error_pct": None,
                           "mean_error_pct": None}
    if pcts:
        absv = [abs(v) for v in pcts]
        out.update(mean_abs_error_pct=round(sum(absv) / len(absv), 4), max_abs_error_pct=round(max(absv), 4),
                   mean_error_pct=round(sum(pcts) / len(pcts), 4))
    byts = [abs(e["error_bytes"]) for e in errors]
    out.update(compared=len(errors), exact=sum(1 for b in byts if b == 0),
               mean_abs_error_bytes=round(sum(byts) / len(byts), 1) if byts else None,
               max_abs_error_bytes=max(byts) if byts else None)
    return out


def summarize(pairs: Iterable[Mapping[str, Any]], estimators: Iterable[str]) -> dict[str, dict]:
    """Per estimator: pairs, mean/max absolute error of total peak RAM (%), and per component the
    same in % and in bytes, with how many pairs were exact."""
    pairs = list(pairs)
    summary: dict[str, dict] = {}
    for name in estimators:
        per_comp = {c: [p["errors"][name][c] for p in pairs if c in p.get("errors", {}).get(name, {})]
                    for c in COMPONENTS}
        entry = _stats(per_comp["total"])
        entry["components"] = {c: _stats(v) for c, v in per_comp.items()}
        summary[name] = entry
    return summary


CSV_FIELDS = ["model", "platform", "estimator", "fits", "status",
              *(f"{c}_{k}" for c in COMPONENTS for k in ("estimated", "measured", "error_bytes", "error_pct"))]


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
            for c in COMPONENTS:
                ekeys, mkey = _keys(c, meas)
                row[f"{c}_estimated"] = next((est[k] for k in ekeys if _num(est.get(k))), None)
                row[f"{c}_measured"] = meas.get(mkey)
                row[f"{c}_error_bytes"] = errs.get(c, {}).get("error_bytes")
                row[f"{c}_error_pct"] = errs.get(c, {}).get("error_pct")
            w.writerow(row)
    return buf.getvalue()


def worst_cases(results: Mapping[str, Any], estimator: str, n: int = 10) -> list[dict[str, Any]]:
    rows = []
    for p in results["pairs"]:
        err = p.get("errors", {}).get(estimator, {}).get("total")
        if err is not None and err["error_pct"] is not None and math.isfinite(err["error_pct"]):
            rows.append({"model": p["model"], "platform": p["platform"], **err})
    return sorted(rows, key=lambda r: -abs(r["error_pct"]))[:n]


def _md(v: Any, pct: bool = False) -> str:
    if v is None:
        return "–"
    if pct:
        return f"{v:.3f}"
    return f"{v:,}" if isinstance(v, int) else f"{v:,.1f}" if isinstance(v, float) else str(v)


def markdown_summary(results: Mapping[str, Any]) -> str:
    """The summary tables of a run in Markdown (docs/accuracy.md is made from this): every
    estimator's total-RAM error, the fit estimator per component and per platform."""
    fit = results.get("fit_estimator", "simprof")
    lines = ["| estimator | pairs | mean \\|error\\| % | max \\|error\\| % | mean error % | max \\|error\\| B |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, s in results["summary"].items():
        lines.append(f"| {name} | {s['pairs']} | {_md(s['mean_abs_error_pct'], True)} | "
                     f"{_md(s['max_abs_error_pct'], True)} | {_md(s['mean_error_pct'], True)} | "
                     f"{_md(s.get('max_abs_error_bytes'))} |")
    lines += ["", f"{fit} per component (arena = minimum arena, two-run check; arena head/tail = painted blocks):", "",
              "| component | pairs | exact (0 B) | mean \\|error\\| B | max \\|error\\| B | mean \\|error\\| % | max \\|error\\| % |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for c, v in results["summary"].get(fit, {}).get("components", {}).items():
        lines.append(f"| {c} | {v['compared']} | {v['exact']} | {_md(v['mean_abs_error_bytes'])} | "
                     f"{_md(v['max_abs_error_bytes'])} | {_md(v['mean_abs_error_pct'], True)} | "
                     f"{_md(v['max_abs_error_pct'], True)} |")
    by = results.get("summary_by_platform") or {
        pid: summarize([p for p in results["pairs"] if p["platform"] == pid], [fit])
        for pid in dict.fromkeys(p["platform"] for p in results["pairs"])}
    status: dict[str, dict[str, int]] = {}
    for p in results["pairs"]:
        st = p["status"]
        if st == "does-not-fit":
            st = "does-not-fit" if not_fit_kind(p) == "part" else "does-not-fit (image)"
        status.setdefault(p["platform"], {}).setdefault(st, 0)
        status[p["platform"]][st] += 1
    lines += ["", f"{fit} per platform:", "",
              "| platform | measured | not fitting (part / image) | errors | mean \\|error\\| % | max \\|error\\| % | "
              "max \\|error\\| B (total / arena / stack / static) |", "|---|---:|---:|---:|---:|---:|---|"]
    for pid, summ in by.items():
        s = summ.get(fit) or {}
        comps = s.get("components", {})
        st = status.get(pid, {})
        bytes_ = " / ".join(_md(comps.get(c, {}).get("max_abs_error_bytes")) for c in ("total", "arena", "stack", "static"))
        lines.append(f"| {pid} | {st.get('measured', 0)} | {st.get('does-not-fit', 0)} / "
                     f"{st.get('does-not-fit (image)', 0)} | {st.get('error', 0)} | {_md(s.get('mean_abs_error_pct'), True)} | "
                     f"{_md(s.get('max_abs_error_pct'), True)} | {bytes_} |")
    return "\n".join(lines) + "\n"
