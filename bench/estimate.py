"""Static-estimate speed: milliseconds per model for models of 10, 100 and 500 operators
(int8 residual depthwise-separable blocks: DEPTHWISE_CONV_2D, CONV_2D, ADD, plus a head).
Target: <= 10 ms for 100 operators, warm. Prints, never asserts (bench/ policy).

    .venv/bin/python bench/estimate.py [--repeat N]
"""
from __future__ import annotations

import argparse
import time

from simprof.model.builder import ModelBuilder
from simprof.flows.corpus.layers import Graph
from simprof.estimator import estimate
from simprof.model.reader import read_model

TARGET_MS_100 = 10.0


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    print(f"{'ops':>5} {'bytes':>8} {'read ms':>8} {'estimate ms':>12} {'vs target':>10}")
    for n in (10, 100, 500):
        data = build(n)
        estimate(data)  # warm: imports, data files
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            graph = read_model(data)
        t_read = (time.perf_counter() - t0) / args.repeat * 1e3
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            e = estimate(data)
        t_est = (time.perf_counter() - t0) / args.repeat * 1e3
        assert len(e.operators) == len(graph.main.operators)
        ratio = t_est / (TARGET_MS_100 * n / 100)
        print(f"{len(graph.main.operators):>5} {len(data):>8} {t_read:>8.2f} {t_est:>12.2f} {ratio:>9.2f}x")


if __name__ == "__main__":
    main()
