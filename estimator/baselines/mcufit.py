"""mcufit's static fallback (PyPI `mcufit`, used when neither its wasm32 TFLM nor a host build can
run): the peak live-tensor sum in flatbuffer order, plus 4 KiB, plus 64 B per tensor, plus 35 %.

Assumptions: actual element sizes; "per tensor" counts every tensor of subgraph 0 (constants too,
each has a runtime record); the 35 % margin is applied to the whole sum; result rounded up.
"""
from __future__ import annotations

import math

from ._common import BaselineResult, live_ranges

NAME = "mcufit"
SOURCE = "mcufit (PyPI) static fallback estimator"
ASSUMPTIONS = "(peak live sum + 4096 + 64 * tensors) * 1.35"


def estimate(graph, **_ctx) -> BaselineResult:
    sg = graph.main
    ranges = live_ranges(sg)
    steps = max([l_ for _, l_ in ranges.values()] + [0])
    peak = 0
    for s in range(-1, steps + 1):
        peak = max(peak, sum(sg.tensors[t].nbytes for t, (f, l_) in ranges.items() if f <= s <= l_))
    total = math.ceil((peak + 4096 + 64 * len(sg.tensors)) * 1.35)
    return BaselineResult(NAME, total, SOURCE, ASSUMPTIONS, {"live_peak": peak, "tensors": len(sg.tensors)})
