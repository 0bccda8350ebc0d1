"""The unit of work of `simprof validate`: one (model, platform) pair, run in a worker process (local
pool) or on a dask worker. Everything a worker needs travels in the `Task`, so a remote worker needs
simprof installed but no shared file system: the model's bytes come along when asked to.

The injected callables (estimators, measure) take (model_path, platform_id) and return a dict with
the common JSON keys (total_bytes, arena_bytes, arena_head_bytes, arena_tail_bytes, stack_bytes,
static_bytes, heap_bytes, operators); None means unknown. They must be picklable: module-level
functions for the local pool (cloudpickle handles more for dask).
"""
from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from simprof.core.errors import DoesNotFitError, PlatformError, SimprofError

from simprof.flows.budget import PlatformBudget, fit_decision  # noqa: F401  (PlatformBudget: part of a Task)

from .cache import file_sha256

EstimateFn = Callable[[str, str], dict]
MeasureFn = Callable[[str, str], dict]

@dataclass(frozen=True)
class Task:
    index: int
    model: str                      # model name
    model_path: str
    model_bytes: bytes | None       # sent along for workers without the caller's file system
    model_flash_bytes: int
    platform: PlatformBudget
    estimators: Mapping[str, EstimateFn]           # the ones still to run
    cached_estimates: Mapping[str, dict] = field(default_factory=dict)
    measure: MeasureFn | None = None
    fit_estimator: str = "simprof"
    verify_no_fit: bool = False     # also hand pairs the estimate rejects (flash permitting) to measure
    inputs_hash: str = ""           # estimate_inputs_hash(platform) when the run started


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, SimprofError):
        return exc.one_line()
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def platform_file_hash(pid: str) -> str:
    try:
        from simprof.platforms import load
        return _digest(Path(load(pid).source))
    except (ImportError, PlatformError, OSError):
        return ""


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _digest(path: Path) -> str:
    """sha256 of a file, remembered while its (mtime, size) stay the same: this runs once per task."""
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_sha256(path)
    return _DIGESTS[key]


def estimate_inputs_hash(pid: str) -> str:
    """What an estimate on `pid` depends on besides the model: the platform file, its stack/static
    calibration data (platforms/calibration/<id>*.json) and the estimator's sources."""
    h = hashlib.sha256(platform_file_hash(pid).encode())
    try:
        from simprof import estimator
        from simprof.platforms import PLATFORM_DIR
        files = sorted((PLATFORM_DIR / "calibration").glob(f"{pid}*.json"))
        root = Path(estimator.__file__).parent
        files += sorted(f for f in root.rglob("*") if f.suffix in (".py", ".json") and "__pycache__" not in f.parts)
        for f in files:
            h.update(str(f).encode() + b"\0" + _digest(f).encode())
    except (ImportError, OSError):
        pass
    return h.hexdigest()


def accepts_estimate(fn: Callable) -> bool:
    """Whether a measure callable takes the fit estimate (keyword `estimate`) as its hint."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "estimate" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def run_task(task: Task) -> dict[str, Any]:
    """Estimates with every pending estimator, decides the fit, measures if it fits (or if the fit
    is unknown). Failures of one part are recorded in `errors`, never raised (except interrupts)."""
    t0 = time.monotonic()
    tmp: str | None = None
    path = task.model_path
    if task.model_bytes is not None:
        fd, tmp = tempfile.mkstemp(prefix="simprof-validate-", suffix=".tflite")
        with os.fdopen(fd, "wb") as fh:
            fh.write(task.model_bytes)
        path = tmp
    try:
        estimates: dict[str, dict] = {}
        errors: dict[str, str] = {}
        for name, fn in task.estimators.items():
            try:
                estimates[name] = fn(path, task.platform.id)
            except Exception as exc:  # one estimator failing must not lose the others
                errors[name] = _one_line(exc)
        # Inputs changed while the run went on (e.g. calibration regenerated): these estimates may
        # not belong to the run's cache key; the parent keeps them out of the cache.
        stale = bool(estimates) and bool(task.inputs_hash) and estimate_inputs_hash(task.platform.id) != task.inputs_hash
        fit_source = estimates.get(task.fit_estimator) or task.cached_estimates.get(task.fit_estimator)
        fit = fit_decision(fit_source, task.model_flash_bytes, task.platform)
        measurement = None
        flash_ok = fit["flash_need_bytes"] <= fit["flash_bytes"]
        if task.measure is not None and (fit["fits"] is not False or (task.verify_no_fit and flash_ok)):
            rejected = fit["fits"] is False
            try:
                kw = {"estimate": fit_source} if accepts_estimate(task.measure) else {}
                measurement = task.measure(path, task.platform.id, **kw)
                if rejected:   # it ran although the estimate said it cannot fit: the estimate was wrong
                    fit = {**fit, "fits": True, "note": "measured: the estimate said it does not fit, a run showed it does"}
            except DoesNotFitError as exc:
                if exc.details.get("before_run"):   # the measuring firmware cannot hold it: a fit decision
                    fit = {**fit, "fits": False, "reason": exc.message}
                else:
                    errors["measurement"] = _one_line(exc)
            except Exception as exc:
                errors["measurement"] = _one_line(exc)
        return {"index": task.index, "estimates": estimates, "measurement": measurement, "errors": errors,
                "fit": fit, "seconds": round(time.monotonic() - t0, 3), "stale": stale}
    finally:
        if tmp:
            os.unlink(tmp)
