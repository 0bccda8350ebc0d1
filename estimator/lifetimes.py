"""Which buffers TFLM plans, and their lifetimes (tflm-arena-facts.md §2.1-2.2).

One scope counter is shared by every subgraph; IF/WHILE/CALL_ONCE recurse into their subgraphs,
advancing the counter by one before each recursion. Lifetimes are inclusive [first, last];
a tensor no operator or I/O list touches keeps [-1, -1] and is still planned.
"""
from __future__ import annotations

from dataclasses import dataclass

from simprof.model.reader import ModelGraph

ALIGN = 16

# operator -> option fields naming the subgraphs it runs, in the order TFLM recurses
CONTROL_FLOW = {
    "IF": ("ThenSubgraphIndex", "ElseSubgraphIndex"),
    "WHILE": ("CondSubgraphIndex", "BodySubgraphIndex"),
    "CALL_ONCE": ("InitSubgraphIndex",),
}


def ceil16(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass(frozen=True)
class ScratchRequest:
    subgraph: int
    node: int
    nbytes: int
    why: str


@dataclass(frozen=True)
class Buffer:
    """One planner entry: a tensor (kind "tensor") or a scratch request (kind "scratch")."""

    kind: str
    subgraph: int
    index: int        # tensor index, or scratch request number
    size: int         # ceil16 of the byte size, as given to the planner
    first: int
    last: int
    offline_offset: int | None = None

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return not (self.first > other.last or other.first > self.last)


@dataclass(frozen=True)
class Lifetimes:
    buffers: tuple[Buffer, ...]          # in TFLM's add order
    tensor_scopes: dict                  # (subgraph, tensor) -> (first, last), every tensor
    op_scopes: dict                      # (subgraph, node) -> (first scope, last scope)
    n_scopes: int                        # last scope value + 1
    total_tensors: int                   # T_total: allocation-info records for tensors


def needs_allocation(t) -> bool:
    return not t.has_data and not t.is_variable and t.nbytes > 0


def compute_lifetimes(model: ModelGraph, scratch: list[ScratchRequest]) -> Lifetimes:
    first: dict = {}
    last: dict = {}
    op_scope: dict = {}
    state = {"s": 0}
    by_node: dict = {}
    for i, r in enumerate(scratch):
        by_node.setdefault((r.subgraph, r.node), []).append(i)
    scratch_scope: dict = {}

    def mark(sg_index: int) -> None:
        sg = model.subgraphs[sg_index]
        for t in sg.inputs:
            first.setdefault((sg_index, t), state["s"])
            last[(sg_index, t)] = state["s"]
        for op in sg.operators:
            state["s"] += 1
            start = state["s"]
            for t in op.outputs:
                if t >= 0:
                    first.setdefault((sg_index, t), state["s"])
            for field in CONTROL_FLOW.get(op.opcode, ()):
                child = op.opt(field)
                if child is not None and 0 <= child < len(model.subgraphs):
                    state["s"] += 1
                    mark(child)
            for t in op.inputs:
                if t >= 0:
                    last[(sg_index, t)] = state["s"]
            for t in op.outputs:
                if t >= 0:
                    last[(sg_index, t)] = state["s"]
            op_scope[(sg_index, op.index)] = (start, state["s"])
            for r in by_node.get((sg_index, op.index), ()):
                scratch_scope[r] = (start, state["s"])
        for t in sg.outputs:
            first.setdefault((sg_index, t), state["s"])
            last[(sg_index, t)] = state["s"]

    mark(0)

    offline = model.offline_offsets
    buffers = []
    scopes = {}
    flat = 0
    for sg in model.subgraphs:
        for t in sg.tensors:
            key = (sg.index, t.index)
            f, l_ = first.get(key, -1), last.get(key, -1)
            scopes[key] = (f, l_)
            off = None
            if offline is not None and flat < len(offline) and offline[flat] >= 0:
                off = offline[flat]
            flat += 1
            # an offline offset makes even a variable tensor planned (facts §2.1)
            planned = needs_allocation(t) or (off is not None and t.is_variable and t.nbytes > 0)
            if planned:
                buffers.append(Buffer("tensor", sg.index, t.index, ceil16(t.nbytes), f, l_, off))
    for i, r in enumerate(scratch):
        f, l_ = scratch_scope.get(i, (-1, -1))
        buffers.append(Buffer("scratch", r.subgraph, i, ceil16(r.nbytes), f, l_))
    return Lifetimes(tuple(buffers), scopes, op_scope, state["s"] + 1, flat)
