"""Shared helpers of the baselines: activation tensors of subgraph 0 and their flatbuffer-order
live ranges, without any TFLM detail (that is the point of a baseline)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BaselineResult:
    name: str
    bytes: int
    source: str
    assumptions: str
    detail: dict = field(default_factory=dict)


def elements(t) -> int:
    n = 1
    for d in t.shape:
        n *= d
    return n


def activations(sg) -> set[int]:
    """Tensors computed at run time (no constant data, non-zero size), variables excluded."""
    return {t.index for t in sg.tensors if not t.has_data and not t.is_variable and elements(t) > 0
            and t.nbytes >= 0}


def live_ranges(sg, order=None) -> dict[int, tuple[int, int]]:
    """tensor -> (first step, last step) in the given op order; graph inputs start at -1,
    graph outputs live to the end."""
    order = list(range(len(sg.operators))) if order is None else order
    acts = activations(sg)
    first: dict = {t: -1 for t in sg.inputs if t in acts}
    last: dict = dict(first)
    for step, i in enumerate(order):
        op = sg.operators[i]
        for t in op.outputs:
            if t in acts:
                first.setdefault(t, step)
                last[t] = max(last.get(t, step), step)
        for t in op.inputs:
            if t in acts:
                first.setdefault(t, step)
                last[t] = step
    end = len(order) - 1
    for t in sg.outputs:
        if t in acts:
            first.setdefault(t, end)
            last[t] = end
    return {t: (first[t], last[t]) for t in first}
