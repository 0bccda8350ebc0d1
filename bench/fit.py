"""Time of one `simprof fit` without fine-tuning, on a 30-operator model, including the final QEMU
proof (the firmware image is built once and cached; the first run after a change of simprof-rt
also compiles it). Target: <= 30 s. Prints, never asserts (bench/ policy).

    .venv/bin/python bench/fit.py [--budget 0.75] [--platform stm32f4]

The model: a MobileNet-v2-like int8 network (inverted residual blocks with ADDs) from the corpus
generator, 30 operators.
"""
from __future__ import annotations

import argparse
import time


from simprof.flows.corpus.layers import Graph
from simprof.model.builder import ModelBuilder
from simprof.flows.fit import fit
from simprof.flows.fit.report import text

TARGET_S = 30.0


def model_30_ops() -> bytes:
    mb = ModelBuilder("bench fit mobilenet_v2-like, 30 operators")
    g = Graph(mb, "int8", seed=4)
    x = g.conv2d(g.input((1, 48, 48, 3)), 16, 3, 2, act="RELU6")
    ops = 1
    while ops + 4 <= 27:      # inverted residual: expand, depthwise, project, add
        e = g.conv2d(x, 48, 1, act="RELU6")
        d = g.depthwise(e, 3, act="RELU6")
        p = g.conv2d(d, 16, 1)
        x = g.add(x, p)
        ops += 4
    x = g.depthwise(g.conv2d(x, 32, 1, act="RELU6"), 3, act="RELU6")
    x = g.mean(x)
    y = g.fully_connected(x, 10, out_std=2.0)
    g.output(g.softmax(y))
    return mb.to_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", default="0.75", help="arena budget (default 0.75 of the current figure)")
    ap.add_argument("--platform", default="stm32f4")
    args = ap.parse_args()
    data = model_30_ops()
    from simprof.model.reader import read_model
    n_ops = len(read_model(data).main.operators)
    t0 = time.perf_counter()
    r = fit(data, args.platform, arena_budget=args.budget)
    total = time.perf_counter() - t0
    print(text(r), end="")
    proof = r.proof.seconds if r.proof else 0.0
    print(f"fit of a {n_ops}-operator model on {args.platform}: {total:.1f} s total "
          f"({total - proof:.1f} s search and rewriting, {proof:.1f} s QEMU proof); target <= {TARGET_S:.0f} s: "
          f"{'met' if total <= TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
