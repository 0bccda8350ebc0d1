"""TensorScope-style estimate: the exact TFLM planned head (greedy planner replay over the tensors'
lifetimes), nothing else.

Assumptions: TFLM's greedy planner, with the scratch buffers of none of the kernels; no persistent
tail, no setup transient, no stack, no static RAM.
"""
from __future__ import annotations

from ..lifetimes import compute_lifetimes
from ..planner import plan
from ._common import BaselineResult

NAME = "tensorscope"
SOURCE = "TensorScope-style analysis: TFLM GreedyMemoryPlanner head only"
ASSUMPTIONS = "exact TFLM planned head of the tensors; no tail, no scratch, no transient, no stack"


def estimate(graph, **_ctx) -> BaselineResult:
    p = plan(compute_lifetimes(graph, []).buffers)
    return BaselineResult(NAME, p.head_bytes, SOURCE, ASSUMPTIONS)
