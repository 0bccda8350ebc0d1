"""Checking a results.json before anything reads it: the version this simprof writes, and the
types of every field the report, CSV and Markdown read. A file from another version or with
hand-edited garbage gets one line naming the first bad field, never a traceback."""
from __future__ import annotations

from numbers import Real
from typing import Any

from simprof.core.errors import UsageError

RESULTS_VERSION = 1
STATUSES = ("measured", "estimated", "does-not-fit", "error")


class _Bad(Exception):
    pass


def _num_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, Real) and not isinstance(v, bool))


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise _Bad(f"{where} must be {what}")


def _check_summary(summary: Any, where: str) -> None:
    _need(isinstance(summary, dict), where, "an object")
    for name, s in summary.items():
        w = f"{where}.{name}"
        _need(isinstance(s, dict), w, "an object")
        _need(isinstance(s.get("pairs"), int) and not isinstance(s.get("pairs"), bool), f"{w}.pairs", "an integer")
        for k in ("mean_abs_error_pct", "max_abs_error_pct", "mean_error_pct", "max_abs_error_bytes"):
            _need(_num_or_none(s.get(k)), f"{w}.{k}", "a number or null")
        comps = s.get("components", {})
        _need(isinstance(comps, dict), f"{w}.components", "an object")
        for c, cs in comps.items():
            _need(isinstance(cs, dict) and all(_num_or_none(v) for v in cs.values()),
                  f"{w}.components.{c}", "an object of numbers")


REPORT_COMPONENTS = ("arena", "stack", "static")      # the per-component chart of the report
ERROR_KEYS = ("estimated", "measured", "error_bytes", "error_pct")


def _check_pair(p: Any, i: int, estimators: list[str]) -> None:
    w = f"pairs[{i}]"
    _need(isinstance(p, dict), w, "an object")
    for k in ("model", "platform"):
        _need(isinstance(p.get(k), str), f"{w}.{k}", "a string")
    _need(p.get("status") in STATUSES, f"{w}.status", "one of " + ", ".join(STATUSES))
    _need(isinstance(p.get("fit"), dict), f"{w}.fit", "an object")
    for k in ("estimates", "errors", "run_errors"):
        _need(isinstance(p.get(k, {}), dict), f"{w}.{k}", "an object")
    for name, est in (p.get("estimates") or {}).items():
        _need(est is None or isinstance(est, dict), f"{w}.estimates.{name}", "an object or null")
    for name, errs in (p.get("errors") or {}).items():
        _need(isinstance(errs, dict), f"{w}.errors.{name}", "an object")
        for c, e in errs.items():
            _need(isinstance(e, dict) and all(k in e for k in ERROR_KEYS)
                  and all(_num_or_none(v) for v in e.values()),
                  f"{w}.errors.{name}.{c}", "an object of numbers with " + ", ".join(ERROR_KEYS))
    for k in ("measurement", "operator_measurement"):
        _need(p.get(k) is None or isinstance(p.get(k), dict), f"{w}.{k}", "an object or null")
    for k, v in (p.get("measurement") or {}).items():
        if k.endswith("_bytes"):
            _need(_num_or_none(v), f"{w}.measurement.{k}", "a number or null")


def check_results(results: Any, source: str) -> dict:
    """`results` (parsed JSON of `source`) if it is a results.json this simprof can read."""
    fix = "pass the results.json written by this version of simprof validate (or rerun validate)"
    if not isinstance(results, dict) or "pairs" not in results or "summary" not in results:
        raise UsageError(f"{source} is not a simprof validate results file", fix=fix)
    version = results.get("version")
    if version != RESULTS_VERSION:
        raise UsageError(f"{source} has results version {version!r}; this simprof reads version {RESULTS_VERSION}",
                         fix=fix)
    try:
        estimators = results.get("estimators")
        _need(isinstance(estimators, list) and all(isinstance(n, str) for n in estimators),
              "estimators", "a list of names")
        _need(isinstance(results.get("platforms", []), list), "platforms", "a list")
        _need(isinstance(results.get("fit_estimator", "simprof"), str), "fit_estimator", "a string")
        _check_summary(results["summary"], "summary")
        for name in estimators:
            comps = results["summary"].get(name, {}).get("components", {})
            _need(name in results["summary"] and all(isinstance(comps.get(c), dict) and "mean_abs_error_pct" in comps[c]
                                                     for c in REPORT_COMPONENTS),
                  f"summary.{name}", "present, with components " + ", ".join(REPORT_COMPONENTS))
        by_platform = results.get("summary_by_platform") or {}
        _need(isinstance(by_platform, dict), "summary_by_platform", "an object")
        for pid, s in by_platform.items():
            _check_summary(s, f"summary_by_platform.{pid}")
        _need(isinstance(results["pairs"], list), "pairs", "a list")
        for i, p in enumerate(results["pairs"]):
            _check_pair(p, i, estimators)
    except _Bad as exc:
        raise UsageError(f"{source}: {exc}", fix=fix) from None
    return results
