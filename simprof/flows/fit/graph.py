"""Operator dependencies and planned tensor sizes of subgraph 0: what the order search and the
offline packer share. A reordered graph is a new ModelGraph (operators renumbered in run order)
that every estimator reads as if the model had been rewritten."""
from __future__ import annotations

from dataclasses import dataclass, replace

from simprof.core.errors import UnsupportedOperatorError
from simprof.estimator.lifetimes import ceil16, needs_allocation
from simprof.model.reader import ModelGraph


@dataclass(frozen=True)
class OpGraph:
    n: int
    preds: tuple[frozenset, ...]           # op -> ops that must run before it
    outputs: tuple[tuple[int, ...], ...]   # op -> planned tensors it produces
    inputs: tuple[tuple[int, ...], ...]    # op -> planned tensors it reads (distinct)
    consumers: dict                        # tensor -> frozenset of ops reading it
    sizes: dict                            # planned tensor -> ceil16 bytes
    pinned: frozenset                      # tensors alive to the end (graph outputs)
    initial: frozenset                     # tensors alive from the start (graph inputs)


def check_single_subgraph(graph: ModelGraph) -> None:
    if len(graph.subgraphs) != 1:
        raise UnsupportedOperatorError(
            f"fit handles models with one subgraph; this one has {len(graph.subgraphs)} (control flow)",
            fix="fit the model before adding IF/WHILE/CALL_ONCE, or estimate it with `simprof estimate`")


def op_graph(graph: ModelGraph) -> OpGraph:
    sg = graph.main
    producer: dict = {}
    for op in sg.operators:
        for t in op.outputs:
            if t >= 0:
                producer[t] = op.index
    planned = {t.index: ceil16(t.nbytes) for t in sg.tensors if needs_allocation(t)}
    preds = []
    stateful: dict = {}   # variable tensors: every op touching one keeps its stored order
    consumers: dict = {}
    for op in sg.operators:
        p = {producer[t] for t in op.inputs if t >= 0 and t in producer and producer[t] != op.index}
        for t in (*op.inputs, *op.outputs):
            if t >= 0 and (sg.tensors[t].is_variable or sg.tensors[t].dtype == "resource"):
                p |= set(stateful.get(t, ()))
                stateful.setdefault(t, []).append(op.index)
        if op.opcode.startswith("CUSTOM") or op.opcode in ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"):
            p |= set(range(op.index))    # unknown side effects: keep everything before it
        preds.append(frozenset(p))
        for t in op.inputs:
            if t >= 0:
                consumers.setdefault(t, set()).add(op.index)
    outs = tuple(tuple(t for t in op.outputs if t in planned) for op in sg.operators)
    ins = tuple(tuple(dict.fromkeys(t for t in op.inputs if t in planned)) for op in sg.operators)
    return OpGraph(len(sg.operators), tuple(preds), outs, ins, {t: frozenset(c) for t, c in consumers.items()},
                   planned, frozenset(t for t in sg.outputs if t in planned),
                   frozenset(t for t in sg.inputs if t in planned))


def reordered(graph: ModelGraph, order) -> ModelGraph:
    """The graph with subgraph 0's operators in `order`, renumbered 0..n-1 (as the rewritten file reads)."""
    ops = graph.main.operators
    new_ops = tuple(replace(ops[i], index=k) for k, i in enumerate(order))
    return replace(graph, subgraphs=(replace(graph.main, operators=new_ops), *graph.subgraphs[1:]))


def is_topological(g: OpGraph, order) -> bool:
    seen: set = set()
    for i in order:
        if not g.preds[i] <= seen:
            return False
        seen.add(i)
    return len(seen) == g.n
