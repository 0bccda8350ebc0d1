"""TFLM's own figure: MicroInterpreter::arena_used_bytes() after AllocateTensors = planned head +
final persistent tail. It is what most applications use to size the arena.

Assumptions: that figure, computed by our replay for the chosen ABI (lp64 equals the wheel byte for
byte); it misses the setup transient (tflite-micro issues 890, 1104, 2738) and up to 15 B of
arena-start alignment, so an arena of exactly this size can fail to set up.
"""
from __future__ import annotations

from ._common import BaselineResult

NAME = "tflm"
SOURCE = "TFLM MicroInterpreter::arena_used_bytes() (tensorflow/tflite-micro)"
ASSUMPTIONS = "planned head + final tail; no setup transient, no alignment loss, no stack"


def estimate(graph, abi: str = "arm-eabi", runtime: str = "tflm", kernels: str = "reference", **_ctx) -> BaselineResult:
    from ..estimate import estimate as full
    e = full(graph, abi=abi, runtime=runtime, kernels=kernels)
    return BaselineResult(NAME, e.tflm_arena_used_bytes, SOURCE, ASSUMPTIONS,
                          {"abi": abi, "head": e.arena_head_bytes, "tail": e.arena_tail_bytes})
