"""Throughput of `simprof validate` with real QEMU measurements (the accuracy run of docs/accuracy.md):
wall time, pairs per second, where the time goes, and a cached rerun. Prints; asserts nothing.
Target of issue #5: 200 models x 3 platforms in <= 10 minutes on 2 cores.

    .venv/bin/python bench/validate.py                       # 220 models (seed 1) x stm32f4,nrf52840,nrf51
    .venv/bin/python bench/validate.py --corpus build/corpus --out build/bench-validate
    .venv/bin/python bench/validate.py --count 40 --host     # host mode (TFLM wheel), no QEMU
    .venv/bin/python bench/validate.py --corpus build/corpus --local-cluster 2   # through dask

The result cache starts empty (a fresh --out, or a temporary folder) unless --keep-cache.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from simprof.flows.corpus.generate import GenerateOptions, generate
from simprof.flows.validate import ValidateOptions, adapters, validate


def _options(corpus: Path, out: Path, platforms: tuple[str, ...], jobs: int, host: bool, scheduler: str | None):
    if host:
        return ValidateOptions(models_dir=corpus, platforms=platforms, estimators=adapters.default_estimators("host"),
                               measure=adapters.host_measure, out=out, jobs=jobs, scheduler=scheduler,
                               firmware_hash="host-wheel", report=True)
    measure, measure_ops, hashes = adapters.qemu_measure_for(platforms)
    return ValidateOptions(models_dir=corpus, platforms=platforms, estimators=adapters.default_estimators("qemu"),
                           measure=measure, measure_operators=measure_ops, firmware_hashes=hashes, out=out,
                           jobs=jobs, scheduler=scheduler, report=True, verify_no_fit=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, help="existing corpus folder (default: generate one)")
    ap.add_argument("--count", type=int, default=220)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--platforms", default="stm32f4,nrf52840,nrf51")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--scheduler", help="dask scheduler address instead of the local pool")
    ap.add_argument("--local-cluster", type=int, metavar="N",
                    help="start a dask LocalCluster of N single-threaded worker processes and use it")
    ap.add_argument("--host", action="store_true", help="host mode: the TFLM wheel as the measurement")
    ap.add_argument("--out", type=Path, help="output folder (default: temporary)")
    ap.add_argument("--keep-cache", action="store_true", help="do not empty OUT/cache first")
    args = ap.parse_args()
    platforms = tuple(p for p in args.platforms.split(",") if p)
    if args.local_cluster:
        from dask.distributed import LocalCluster
        with LocalCluster(n_workers=args.local_cluster, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            args.scheduler = cluster.scheduler_address
            run(args, platforms)
    else:
        run(args, platforms)


def run(args: argparse.Namespace, platforms: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            t = time.perf_counter()
            generate(GenerateOptions(corpus, args.count, seed=args.seed))
            print(f"generate {args.count} models (seed {args.seed}): {time.perf_counter() - t:.1f} s")
        out = args.out or Path(tmp) / "out"
        if out.exists() and not args.keep_cache:
            shutil.rmtree(out / "cache", ignore_errors=True)
        t = time.perf_counter()
        opts = _options(corpus, out, platforms, args.jobs, args.host, args.scheduler)
        setup = time.perf_counter() - t
        t = time.perf_counter()
        results = validate(opts)
        wall = time.perf_counter() - t
        pairs = results["pairs"]
        measured = [p for p in pairs if p["status"] == "measured"]
        checked = sum(1 for p in pairs if "a run with all of it fails" in (p["fit"].get("reason") or ""))
        print(f"{len(pairs)} pairs ({len(measured)} measured, {len(pairs) - len(measured)} not, {checked} of "
              f"these checked by a run) on "
              f"{','.join(platforms)}, jobs={args.jobs}{' dask' if args.scheduler else ''}, {os.cpu_count()} cores")
        print(f"firmware builds/lookup {setup:.1f} s; validate {wall:.1f} s = {wall / 60:.2f} min; "
              f"{len(pairs) / wall:.2f} pairs/s, {len(measured) / wall:.2f} measured pairs/s")
        secs = [p["seconds"] for p in pairs if p.get("seconds") is not None]
        paint = [p["measurement"]["seconds"]["paint"] for p in measured if "seconds" in p["measurement"]]
        check = [p["measurement"]["seconds"]["arena_check"] for p in measured if "seconds" in p["measurement"]]
        if secs:
            print(f"per pair (in a worker): mean {statistics.mean(secs):.2f} s, max {max(secs):.2f} s, "
                  f"sum {sum(secs):.0f} s = x{sum(secs) / wall:.2f} of wall time")
        if paint:
            runs = [p["measurement"]["arena_min_check"]["runs"] for p in measured]
            print(f"painted run mean {statistics.mean(paint):.2f} s; minimum-arena check mean {statistics.mean(check):.2f} s "
                  f"({statistics.mean(runs):.2f} runs/pair, {sum(r == 2 for r in runs)}/{len(runs)} settled in two)")
        t = time.perf_counter()
        validate(opts)
        cached = time.perf_counter() - t
        print(f"cached rerun {cached:.1f} s = x{wall / cached:.0f} faster")
        s = results["summary"]
        for name, e in s.items():
            print(f"  {name:12s} pairs {e['pairs']:4d}  mean |err| {e['mean_abs_error_pct']}%  max |err| {e['max_abs_error_pct']}%")


if __name__ == "__main__":
    main()
