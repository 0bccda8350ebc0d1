"""`simprof validate`: estimate and measure every (model, platform) pair that fits; compare.

    simprof validate DIR --platforms stm32f4,nrf52840,nrf51 [--jobs N] [--scheduler ADDRESS]
                     [--out OUTDIR] [--measure qemu|host|none|MODULE:FUNC] [--emulator qemu|renode]
                     [--estimators simprof,unas,...]
                     [--estimator NAME=MODULE:FUNC] [--tolerance PCT]
"""
from __future__ import annotations

import argparse
import importlib
import math
import sys
from pathlib import Path

from simprof.core.errors import BudgetExceeded, UsageError

SHARED = ("kernels", "emulator")
NAME = "validate"
HELP = "estimate and measure a folder of models on several platforms; results.json/csv and an HTML report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", type=Path, help="folder of .tflite models (with manifest.json from `simprof corpus`)")
    parser.add_argument("--platforms", required=True, help="comma-separated platform ids, or 'all'")
    parser.add_argument("--jobs", type=int, default=2, help="local worker processes (default 2; 0 = inline)")
    parser.add_argument("--scheduler", help="dask.distributed scheduler address (tcp://host:8786); replaces --jobs")
    parser.add_argument("--out", type=Path, default=Path("simprof-validate"), help="output folder (default ./simprof-validate)")
    parser.add_argument("--cache", type=Path, help="result cache folder (default OUT/cache); reruns resume from it")
    parser.add_argument("--measure", default="qemu",
                        help="qemu (firmware under QEMU), host (TFLM wheel's print_allocations, arena only), "
                             "none, or MODULE:FUNCTION (default qemu)")
    parser.add_argument("--estimators", default="all",
                        help="simprof plus baselines to compare: comma-separated names or 'all' (default)")
    parser.add_argument("--estimator", action="append", default=[], metavar="NAME=MODULE:FUNCTION",
                        help="an extra estimator callable (model_path, platform_id) -> dict; repeatable")
    parser.add_argument("--timeline", action="append", default=[], metavar="MODEL",
                        help="model to draw per-operator timelines for (default: the worst three)")
    parser.add_argument("--tolerance", type=float, help="exit 3 if simprof's mean |error| of total RAM exceeds PCT")
    parser.add_argument("--no-report", action="store_true", help="skip report.html")
    parser.add_argument("--keep-going", action="store_true",
                        help="exit 0 even when some pairs failed (default: exit 1 and say how many)")


def resolve_callable(spec: str):
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise UsageError(f"{spec!r} is not MODULE:FUNCTION", fix="e.g. mypkg.measure:measure_model")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"cannot load {spec}: {exc}", fix="check the module path and PYTHONPATH") from None
    if not callable(fn):
        raise UsageError(f"{spec} is not callable")
    return fn


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from simprof.core.outputs import check_output_dir
    from simprof.flows.validate import ValidateOptions, adapters, validate

    if args.jobs < 0:
        raise UsageError(f"--jobs must be 0 (inline) or more, not {args.jobs}", fix="e.g. --jobs 2")
    if args.tolerance is not None and not (math.isfinite(args.tolerance) and args.tolerance >= 0):
        raise UsageError(f"--tolerance must be a finite percentage >= 0, not {args.tolerance}", fix="e.g. --tolerance 5")
    check_output_dir(args.out)                  # before any pair runs
    if args.cache:
        check_output_dir(args.cache, what="cache folder")
    platforms = tuple(p.strip() for p in args.platforms.split(",") if p.strip())
    if platforms == ("all",):
        from simprof.platforms import ids
        platforms = tuple(ids())
    if not platforms:
        raise UsageError("no platform given", fix="--platforms stm32f4,nrf52840")
    mode = args.measure if args.measure in adapters.MEASURE_MODES else "custom"
    fw_hashes: dict[str, str] = {}
    measure_ops = None
    if args.emulator != "qemu":
        if mode != "qemu":
            raise UsageError(f"--emulator applies to --measure qemu (the firmware under an emulator), not to "
                             f"--measure {args.measure}", fix="drop --emulator, or use --measure qemu")
        from simprof.api import require_emulator

        require_emulator(args.emulator)
        if args.emulator == "renode":    # before any pair runs: a platform Renode cannot run
            from simprof.platforms import load
            from simprof.sim.renode import description_for

            for pid in platforms:
                description_for(load(pid))
    if mode == "qemu":  # one firmware build per platform for the whole run, keyed by its build hash
        measure, measure_ops, fw_hashes = adapters.qemu_measure_for(platforms, args.kernels, args.emulator)
    else:
        measure = adapters.default_measure(mode) if mode != "custom" else resolve_callable(args.measure)
    all_est = adapters.default_estimators("host" if mode == "host" else "qemu", kernels=args.kernels)
    wanted = list(all_est) if args.estimators == "all" else [n.strip() for n in args.estimators.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in all_est]
    if unknown:
        raise UsageError(f"unknown estimators: {', '.join(unknown)}", fix=f"use some of {', '.join(all_est)}")
    if "simprof" not in wanted:
        wanted.insert(0, "simprof")  # it decides which pairs fit
    estimators = {n: all_est[n] for n in wanted}
    versions = {n: f"{mode}:{args.kernels}:{adapters.estimator_version()}" for n in estimators}
    for spec in args.estimator:
        name, _, target = spec.partition("=")
        if not name or not target:
            raise UsageError(f"--estimator {spec!r} is not NAME=MODULE:FUNCTION")
        estimators[name] = resolve_callable(target)
        versions[name] = f"custom:{target}"
    fw = {"host": "host-wheel", "none": "none", "qemu": "qemu"}.get(mode) or f"{mode}:{adapters.firmware_hash()}"
    options = ValidateOptions(models_dir=args.models, platforms=platforms, estimators=estimators, measure=measure,
                              out=args.out, jobs=args.jobs, scheduler=args.scheduler, cache_dir=args.cache,
                              firmware_hash=fw, firmware_hashes=fw_hashes, estimator_versions=versions,
                              timeline_models=tuple(args.timeline), measure_operators=measure_ops,
                              verify_no_fit=mode == "qemu", meta=adapters.run_meta(platforms, fw_hashes, args.kernels),
                              report=not args.no_report)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("validating", total=None)
        results = validate(options, lambda done, total, what: bar.update(task, completed=done, total=total,
                                                                         description=what[:40]))
    _print_summary(results, args.out, report=not args.no_report)
    failed = sum(1 for p in results["pairs"] if p["run_errors"])
    s = results["summary"]["simprof"]
    if args.tolerance is not None and s["mean_abs_error_pct"] is not None and s["mean_abs_error_pct"] > args.tolerance:
        raise BudgetExceeded(f"simprof's mean |error| {s['mean_abs_error_pct']:.2f} % exceeds {args.tolerance} %",
                             fix="see the worst cases in report.html")
    if failed and not args.keep_going:
        from simprof.core.errors import SimprofError
        where = "the Failures in report.html" if not args.no_report else "run_errors in results.json"
        raise SimprofError(f"{failed} of {len(results['pairs'])} pairs failed (results written to {args.out})",
                           fix=f"see {where}; --keep-going exits 0 anyway")
    return 0


def _print_summary(results: dict, out: Path, *, report: bool = True) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    files = "results.json, results.csv" + (", report.html" if report else "")
    t = Table(title=escape(f"{len(results['pairs'])} pairs → {out}/{files}"))
    for col in ("estimator", "pairs", "mean |err| %", "max |err| %", "max |err| B", "arena exact"):
        t.add_column(col, justify="left" if col == "estimator" else "right")
    fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    for name, s in results["summary"].items():
        arena = s.get("components", {}).get("arena", {})
        t.add_row(escape(name), str(s["pairs"]), fmt(s["mean_abs_error_pct"]), fmt(s["max_abs_error_pct"]),
                  str(s.get("max_abs_error_bytes", "–")), f"{arena.get('exact', 0)}/{arena.get('compared', 0)}")
    Console().print(t)
    if results.get("stale_pairs"):
        Console(stderr=True).print(f"[yellow]{results['stale_pairs']} pairs were estimated while the calibration data "
                                   "or the estimator changed: not cached; rerun for a consistent table[/yellow]")
    failed = sum(1 for p in results["pairs"] if p["run_errors"])
    if failed:
        where = "report.html, Failures" if report else "results.json, run_errors"
        Console(stderr=True).print(f"[yellow]{failed} pairs had errors (see {where})[/yellow]")
