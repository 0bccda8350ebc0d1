"""Throughput of `simprof validate` in host mode (TFLM wheel as the measurement): inline vs a local
pool vs a dask LocalCluster, and a cached rerun. Prints ratios; asserts nothing.

    .venv/bin/python bench/validate.py [--count 40]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from simprof.corpus.generate import GenerateOptions, generate
from simprof.validate import PlatformBudget, ValidateOptions, adapters, validate

BUDGETS = [PlatformBudget("big", 1 << 22, 1 << 22, 8192, 0), PlatformBudget("small", 128 << 10, 1 << 20, 8192, 0)]


def timed(opts: ValidateOptions) -> float:
    t = time.perf_counter()
    validate(opts, budgets=BUDGETS)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        generate(GenerateOptions(root / "corpus", args.count, seed=1))
        print(f"generate {args.count} models: {time.perf_counter() - t:.2f} s")
        base = dict(models_dir=root / "corpus", platforms=("big", "small"), estimators=adapters.default_estimators("host"),
                    measure=adapters.host_measure, report=False)
        inline = timed(ValidateOptions(**base, out=root / "a", jobs=0))
        pool = timed(ValidateOptions(**base, out=root / "b", jobs=2))
        cached = timed(ValidateOptions(**base, out=root / "b", jobs=2))
        print(f"inline {inline:.2f} s; pool(2) {pool:.2f} s = x{inline / pool:.2f}; cached rerun {cached:.2f} s "
              f"= x{inline / cached:.1f}")
        try:
            from dask.distributed import LocalCluster
        except ImportError:
            return
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
            d = timed(ValidateOptions(**base, out=root / "c", scheduler=c.scheduler_address))
        print(f"dask LocalCluster(2) {d:.2f} s = x{inline / d:.2f} of inline")


if __name__ == "__main__":
    main()
