"""Static-estimate speed, in process and from the command line.

In process: milliseconds per model for models of 10, 100 and 500 operators (int8 residual
depthwise-separable blocks: DEPTHWISE_CONV_2D, CONV_2D, ADD, plus a head); target <= 5 ms per 100
operators, warm. From the CLI: the median wall time of `simprof estimate MODEL --platform P` on a
30-operator model (target <= 0.15 s), and its ratio to the interpreter's own start-up
(`python -c pass`) and to the in-process time, so a loaded machine shows as a slow start-up rather
than as a slow simprof. Prints, never asserts (bench/ policy).

    .venv/bin/python bench/estimate.py [--repeat N] [--cli-runs N] [--platform stm32f4]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simprof.estimator import estimate
from simprof.flows.corpus.layers import Graph
from simprof.model.builder import ModelBuilder
from simprof.model.reader import read_model

TARGET_MS_PER_100 = 5.0
TARGET_CLI_S = 0.15


def build(n_ops: int) -> bytes:
    mb = ModelBuilder("bench")
    g = Graph(mb, "int8", seed=1)
    x = g.conv2d(g.input((1, 16, 16, 3)), 16, kernel=3, stride=1)
    ops = 1
    while ops + 3 <= n_ops - 1:
        d = g.depthwise(x, kernel=3)
        p = g.conv2d(d, 16, kernel=1)
        x = g.add(x, p)
        ops += 3
    while ops < n_ops - 1:
        x = g.unary("RELU", x)
        ops += 1
    g.output(g.max_pool(x, 2))
    return mb.to_bytes()


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--cli-runs", type=int, default=15)
    ap.add_argument("--platform", default="stm32f4")
    args = ap.parse_args()
    print("in process")
    print(f"{'ops':>5} {'bytes':>8} {'read ms':>8} {'estimate ms':>12} {'ms/100 ops':>11} {'vs target':>10}")
    for n in (10, 30, 100, 500):
        data = build(n)
        estimate(data)  # warm: imports, data files
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            graph = read_model(data)
        t_read = (time.perf_counter() - t0) / args.repeat * 1e3
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            e = estimate(data, args.platform, runtime="simprof-rt")
        t_est = (time.perf_counter() - t0) / args.repeat * 1e3
        assert len(e.operators) == len(graph.main.operators)
        per100 = t_est / len(graph.main.operators) * 100
        print(f"{len(graph.main.operators):>5} {len(data):>8} {t_read:>8.2f} {t_est:>12.2f} {per100:>11.2f} "
              f"{per100 / TARGET_MS_PER_100:>9.2f}x")
        if n == 30:
            model30, t30 = data, t_est / 1e3

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m30.tflite"
        path.write_bytes(model30)
        simprof = [sys.executable, "-m", "simprof", "estimate", str(path), "--platform", args.platform]
        wall(simprof, 2)   # warm the page cache and .pyc files
        t_cli = wall(simprof, args.cli_runs)
        t_py = wall([sys.executable, "-c", "pass"], args.cli_runs)
    print("command line (median of %d runs)" % args.cli_runs)
    print(f"  simprof estimate (30 ops)  {t_cli:.3f} s   target {TARGET_CLI_S} s: {t_cli / TARGET_CLI_S:.2f}x")
    print(f"  python -c pass             {t_py:.3f} s   simprof / start-up: {t_cli / t_py:.1f}x")
    print(f"  in-process estimate        {t30:.4f} s   CLI / in-process: {t_cli / t30:.0f}x")


if __name__ == "__main__":
    main()
