"""Why a budget cannot be reached: what holds the arena up at the peak."""
from __future__ import annotations

from simprof.estimator import estimate
from simprof.estimator.lifetimes import ceil16
from simprof.model.reader import ModelGraph

from .shrink import live_at_peak


def what_limits(graph: ModelGraph, platform: str) -> str:
    k, live, extent = live_at_peak(graph, platform)
    e = estimate(graph, platform, runtime="simprof-rt")
    sg = graph.main
    op = sg.operators[k]
    text = (f"the peak is at operator {k} ({op.opcode}): {extent:,} B of activations live + "
            f"{e.arena_tail_bytes:,} B of persistent tail")
    if e.arena_min_bytes > e.arena_head_bytes + e.arena_tail_bytes:
        text += (f"; setup needs {e.arena_min_bytes:,} B, more than head + tail "
                 f"({e.arena_min_stage})")
    sizes = sorted(((ceil16(sg.tensors[t].nbytes), t) for t in live), reverse=True)
    if sizes:
        big, t = sizes[0]
        role = ("the input tensor" if t in sg.inputs else "the output tensor" if t in sg.outputs
                else f"tensor '{sg.tensors[t].name}'")
        text += f"; {role} alone needs {big:,} B"
    return text
