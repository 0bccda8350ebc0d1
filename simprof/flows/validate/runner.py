"""`validate(options)`: estimate and measure every (model, platform) pair that fits, with results
cached so an interrupted run resumes, then write results.json, results.csv and report.html.

The estimators and the measurement are injected (`ValidateOptions.estimators`, `.measure`):
callables (model_path, platform_id) -> dict with the common JSON keys. `simprof.flows.validate.adapters`
has the defaults; tests and other front ends pass their own.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from simprof.core.errors import UsageError
from simprof.core.outputs import write_json_atomic, write_text_atomic

from . import executors
from .cache import ResultCache, file_sha256, make_key
from .results import summarize, to_csv
from .schema import RESULTS_VERSION
from .tasks import EstimateFn, MeasureFn, PlatformBudget, Task, estimate_inputs_hash, fit_decision, platform_file_hash

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ModelRef:
    name: str
    path: Path
    sha256: str
    flash_bytes: int
    family: str | None = None


@dataclass(frozen=True)
class ValidateOptions:
    models_dir: Path
    platforms: tuple[str, ...]
    estimators: Mapping[str, EstimateFn]           # name -> callable; must contain fit_estimator
    measure: MeasureFn | None
    out: Path
    jobs: int = 2                                  # 0: run inline in this process
    scheduler: str | None = None                   # dask.distributed scheduler address
    cache_dir: Path | None = None                  # default: <out>/cache
    firmware_hash: str = ""                        # part of every measurement's cache key
    firmware_hashes: Mapping[str, str] = field(default_factory=dict)   # per platform, overrides firmware_hash
    estimator_versions: Mapping[str, str] = field(default_factory=dict)   # part of estimate keys
    fit_estimator: str = "simprof"
    send_model_bytes: bool | None = None           # default: only with a scheduler
    timeline_models: tuple[str, ...] = ()          # per-operator timelines in the report (default: worst)
    measure_operators: MeasureFn | None = None     # per-operator measurement for the timeline pairs
    verify_no_fit: bool = False                    # let `measure` check the pairs the estimate rejects
    meta: Mapping[str, Any] = field(default_factory=dict)   # recorded as results["meta"] (versions, provenance)
    report: bool = True


def discover_models(folder: Path) -> list[ModelRef]:
    """Models listed in folder/manifest.json (as written by `simprof corpus generate`), else every
    *.tflite in the folder, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", fix="pass a folder of .tflite files")
    manifest = folder / "manifest.json"
    families: dict[str, str] = {}
    files: list[Path]
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_text())["models"]
            files = [folder / e["file"] for e in entries]
            families = {e["file"]: e.get("family") for e in entries}
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{manifest} is not a simprof corpus manifest: {exc}",
                             fix="regenerate it, or remove it to validate every *.tflite in the folder") from None
    else:
        files = sorted(folder.glob("*.tflite"))
    if not files:
        raise UsageError(f"no .tflite models in {folder}", fix="generate some: simprof corpus generate DIR")
    missing = [p.name for p in files if not p.is_file()]
    if missing and manifest.is_file():
        raise UsageError(f"{len(missing)} models listed in manifest.json are missing, e.g. {missing[0]}",
                         fix="regenerate the corpus or remove manifest.json")
    if missing:
        raise UsageError(f"{len(missing)} *.tflite entries in {folder} are not readable files "
                         f"(dangling links or folders), e.g. {missing[0]}",
                         fix="remove them or point the links at existing models")
    return [ModelRef(p.stem, p, file_sha256(p), p.stat().st_size, families.get(p.name)) for p in files]


def load_budgets(ids: Sequence[str]) -> list[PlatformBudget]:
    from simprof.platforms import load
    out = []
    for pid in ids:
        p = load(pid)  # raises PlatformError listing the known ids
        out.append(PlatformBudget(p.id, p.ram.size, p.flash.size, p.stack_size, p.heap_size))
    return out


def validate(options: ValidateOptions, progress: Progress | None = None,
             budgets: Sequence[PlatformBudget] | None = None) -> dict[str, Any]:
    """Estimate and measure every (model, platform) pair; compare; write results and the report."""
    if options.fit_estimator not in options.estimators:
        raise UsageError(f"the fit estimator {options.fit_estimator!r} is not among the estimators",
                         fix="include it in the estimators")
    models = discover_models(options.models_dir)
    budgets = list(budgets) if budgets is not None else load_budgets(options.platforms)
    cache = ResultCache(options.cache_dir or options.out / "cache")
    cache.clean_partial()
    run = plan_pairs(models, budgets, options, cache)          # what the cache has, and the tasks to run
    if progress:
        progress(run.done, len(run.pairs), "cached")
    _execute(run.tasks, options, lambda r: run.take(r, cache, options, progress))
    if options.measure_operators is not None and options.measure is not None:
        _operator_pass(run.pairs, run.model_of, run.keys, cache, options, progress)
    results = assemble(list(run.pairs.values()), list(options.estimators), options)
    write_outputs(results, options.out, report=options.report, timeline_models=options.timeline_models)
    return results


@dataclass
class _Run:
    """The pairs of a validate run: results so far (from the cache, then from tasks) and the tasks."""
    pairs: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: dict[int, dict[str, str]] = field(default_factory=dict)
    model_of: dict[int, "ModelRef"] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    done: int = 0

    def take(self, r: dict[str, Any], cache: ResultCache, options: ValidateOptions, progress: Progress | None) -> None:
        """A task's result into its pair and into the cache (stale estimates are not cached)."""
        p = self.pairs[r["index"]]
        keys = self.keys[r["index"]]
        for n, est in r["estimates"].items():
            if not r.get("stale"):
                cache.put(keys[n], est)
            p["estimates"][n] = est
        if r.get("stale"):
            p["stale"] = True
        if r["measurement"] is not None:
            cache.put(keys["measurement"], r["measurement"])
            p["measurement"] = r["measurement"]
        elif r["fit"].get("reason"):
            est = p["estimates"].get(options.fit_estimator) or {}
            cache.put(keys["measurement"], {"skipped": r["fit"]["reason"],
                                            "estimate_arena_min_bytes": est.get("arena_min_bytes")})
        p["fit"], p["run_errors"], p["seconds"] = r["fit"], r["errors"], r["seconds"]
        self.done += 1
        if progress:
            progress(self.done, len(self.pairs), f"{p['model']} @ {p['platform']}")


def plan_pairs(models: Sequence["ModelRef"], budgets: Sequence[PlatformBudget], options: ValidateOptions,
               cache: ResultCache) -> _Run:
    """Every (model, platform) pair with what the cache already holds, its fit decision, and a task
    for what is missing."""
    names = list(options.estimators)
    send_bytes = options.send_model_bytes if options.send_model_bytes is not None else bool(options.scheduler)
    # What the estimates depend on besides the model, snapshot now; a worker that finds it changed
    # (calibration regenerated, estimator edited mid-run) marks its estimates stale: not cached.
    inputs = {b.id: estimate_inputs_hash(b.id) for b in budgets}
    run = _Run()
    for m in models:
        for b in budgets:
            i = len(run.pairs)
            run.model_of[i] = m
            ihash = inputs[b.id]
            k = {n: make_key("estimate", m.sha256, b.id, ihash, n, options.estimator_versions.get(n, "")) for n in names}
            # A measurement depends on the platform file and the image, not on calibration data.
            k["measurement"] = make_key("measurement", m.sha256, b.id, platform_file_hash(b.id),
                                        options.firmware_hashes.get(b.id, options.firmware_hash))
            run.keys[i] = k
            cached = {n: v for n in names if (v := cache.get(k[n])) is not None}
            meas = cache.get(k["measurement"]) if options.measure else None
            fit = fit_decision(cached.get(options.fit_estimator), m.flash_bytes, b)
            # The measuring firmware could not hold it, for this estimate (a new estimate re-decides).
            skipped = meas is not None and "skipped" in meas
            if skipped and meas.get("estimate_arena_min_bytes") != (cached.get(options.fit_estimator) or {}).get(
                    "arena_min_bytes"):
                skipped, meas = False, None
            if skipped:
                fit = {**fit, "fits": False, "reason": meas["skipped"]}
            elif meas is not None and fit["fits"] is False:
                fit = {**fit, "fits": True, "note": "measured: the estimate said it does not fit, a run showed it does"}
            run.pairs[i] = {"model": m.name, "model_sha256": m.sha256, "family": m.family,
                            "model_flash_bytes": m.flash_bytes, "platform": b.id, "estimates": cached,
                            "measurement": None if skipped else meas, "errors": {}, "run_errors": {}, "fit": fit,
                            "cached": True}
            fits = fit["fits"]
            # verify_no_fit: a measurement that can check a rejection cheaply (qemu: one run with the
            # whole arena must fail) gets the rejected pairs too, unless the model exceeds the flash.
            verify = options.verify_no_fit and fit["flash_need_bytes"] <= fit["flash_bytes"]
            need_measure = options.measure is not None and meas is None and (fits is not False or verify)
            missing = {n: fn for n, fn in options.estimators.items() if n not in cached}
            if missing or need_measure:
                run.pairs[i]["cached"] = False
                run.tasks.append(Task(i, m.name, str(m.path), m.path.read_bytes() if send_bytes else None,
                                      m.flash_bytes, b, missing, cached, options.measure if need_measure else None,
                                      options.fit_estimator, options.verify_no_fit, inputs[b.id]))
    run.done = len(run.pairs) - len(run.tasks)
    log.info("%d pairs, %d from cache, %d to run", len(run.pairs), run.done, len(run.tasks))
    return run


def _execute(tasks: list[Task], options: ValidateOptions, take: Callable[[dict[str, Any]], None]) -> None:
    if not tasks:
        return
    if options.scheduler:
        stream = executors.run_dask(tasks, options.scheduler)
    elif options.jobs <= 0:
        stream = executors.run_inline(tasks)
    else:
        stream = executors.run_pool(tasks, options.jobs)
    with contextlib.closing(stream):
        for r in stream:
            take(r)


def timeline_pairs(pairs: Sequence[Mapping[str, Any]], names: Sequence[str], fit_name: str, n: int = 3) -> list[int]:
    """Indices of the pairs whose per-operator timelines are drawn: every measured pair of the
    named models, else the `n` measured pairs with the largest |total error| of the fit estimator
    (one per model; ties broken by size, so an all-exact run shows its largest models)."""
    measured = [i for i, p in enumerate(pairs) if p.get("measurement")]
    if names:
        return [i for i in measured if pairs[i]["model"] in names]
    from .results import component_errors

    def badness(i: int) -> tuple:
        p = pairs[i]
        e = component_errors((p.get("estimates") or {}).get(fit_name), p["measurement"]).get("total")
        return (abs(e["error_bytes"]) if e else -1, p["measurement"].get("total_bytes") or 0)

    out, seen = [], set()
    for i in sorted(measured, key=badness, reverse=True):
        if pairs[i]["model"] not in seen:
            seen.add(pairs[i]["model"])
            out.append(i)
        if len(out) == n:
            break
    return out


def _operator_pass(pairs: dict[int, dict[str, Any]], model_of: dict[int, ModelRef], keys: dict[int, dict[str, str]],
                   cache: ResultCache, options: ValidateOptions, progress: Progress | None) -> None:
    """Per-operator measurements (slower: a breakpoint stop and an arena snapshot per operator
    boundary) for the pairs whose timelines the report draws; cached like the rest."""
    order = sorted(pairs)
    chosen = [order[j] for j in timeline_pairs([pairs[i] for i in order], options.timeline_models,
                                               options.fit_estimator)]
    todo: list[Task] = []
    for i in chosen:
        p = pairs[i]
        k = keys[i]["measurement_ops"] = make_key("measurement-ops", keys[i]["measurement"])
        hit = cache.get(k)
        if hit is not None:
            p["operator_measurement"] = hit
            continue
        path = model_of[i].path
        send = options.send_model_bytes if options.send_model_bytes is not None else bool(options.scheduler)
        budget = PlatformBudget(p["platform"], p["fit"]["ram_bytes"], p["fit"]["flash_bytes"], 0, 0)
        todo.append(Task(i, p["model"], str(path), path.read_bytes() if send else None, p["model_flash_bytes"],
                         budget, {}, p["estimates"], options.measure_operators, options.fit_estimator))

    def take(r: dict[str, Any]) -> None:
        p = pairs[r["index"]]
        if r["measurement"] is not None:
            ops = {"operators": r["measurement"].get("operators") or [],
                   "stack_bytes": r["measurement"].get("stack_bytes")}
            cache.put(keys[r["index"]]["measurement_ops"], ops)
            p["operator_measurement"] = ops
        elif r["errors"].get("measurement"):
            p["run_errors"]["operator_measurement"] = r["errors"]["measurement"]
        if progress:
            progress(len(pairs), len(pairs), f"timeline {p['model']} @ {p['platform']}")

    _execute(todo, options, take)


def assemble(pairs: list[dict[str, Any]], names: list[str], options: ValidateOptions) -> dict[str, Any]:
    from .results import component_errors
    for p in pairs:
        p["errors"] = {n: component_errors(p["estimates"].get(n), p["measurement"]) for n in names}
        fits = p["fit"].get("fits")
        # "error" only when the pair itself failed (measurement or the fit estimator); a failing
        # baseline is listed in run_errors and simply absent from that estimator's figures.
        failed = "measurement" in p["run_errors"] or options.fit_estimator in p["run_errors"]
        p["status"] = ("error" if failed else "does-not-fit" if fits is False
                       else "measured" if p["measurement"] else "estimated")
    return {
        "version": RESULTS_VERSION,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "models_dir": str(options.models_dir),
        "platforms": list(options.platforms),
        "estimators": names,
        "fit_estimator": options.fit_estimator,
        "firmware_hash": options.firmware_hash,
        "firmware_hashes": dict(options.firmware_hashes),
        "meta": dict(options.meta),
        "measured": options.measure is not None,
        "summary": summarize(pairs, names),
        "stale_pairs": sum(1 for p in pairs if p.get("stale")),
        "summary_by_platform": {pid: summarize([p for p in pairs if p["platform"] == pid], names)
                                for pid in dict.fromkeys(p["platform"] for p in pairs)},
        "pairs": pairs,
    }


def write_outputs(results: Mapping[str, Any], out: Path, report: bool = True,
                  timeline_models: Sequence[str] = ()) -> None:
    write_json_atomic(out / "results.json", results)
    write_text_atomic(out / "results.csv", to_csv(results))
    if report:
        from .report import render_html
        write_text_atomic(out / "report.html", render_html(results, timeline_models=timeline_models))
