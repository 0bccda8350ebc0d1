"""Which model operator each per-operator mark of a firmware ELF belongs to.

A TFLM application marks operators through firmware/user/simprof_tflm_profiler.h: TFLM's
interpreter opens a profiler event around every operator it invokes, in every subgraph, and the
profiler numbers them in the order they begin. A control-flow operator's event encloses the events
of the subgraph it runs (its Eval calls InvokeSubgraph), so the marks form a tree:

  subgraph 0's operators, once per Invoke, at the top level;
  CALL_ONCE: its init subgraph's operators inside it on the first Invoke, nothing afterwards;
  IF: the operators of the branch it took;
  WHILE: cond, then (body, cond) for each iteration.

The mapping follows that tree, never the mark numbers (which restart at each profiler.Reset(), or
not), and fails with both counts when a level does not fit the model.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from simprof.core.errors import UsageError

# operator -> option fields naming the subgraphs it runs (the same table as the estimator's
# lifetimes; the sim layer may not import the estimator)
_RUNS = {
    "IF": ("ThenSubgraphIndex", "ElseSubgraphIndex"),
    "WHILE": ("CondSubgraphIndex", "BodySubgraphIndex"),
    "CALL_ONCE": ("InitSubgraphIndex",),
}
_FIX = ("mark operators with simprof_tflm_profiler.h, which nests them as TFLM invokes them; if the ELF links "
        "another model than the one it runs, pass calibrate --model (API: model=), or measure --no-operators")


@dataclass(eq=False)
class Mark:
    """One simprof_op_begin/end pair seen in a run, with the marks that began inside it."""
    index: int                               # the number the firmware passed (r0)
    parent: "Mark | None" = None
    children: list = field(default_factory=list)
    lowest_stack: int | None = None          # absolute address, filled at its end
    arena_changed: object = None             # numpy mask, filled at its end
    ended: bool = False


@dataclass(frozen=True)
class Placed:
    subgraph: int
    index: int
    opcode: str
    note: str = ""


def assign(marks: list[Mark], graph) -> dict[Mark, Placed]:
    """(subgraph, operator) of every mark of one run, by the nesting TFLM invokes operators in.
    Raises UsageError naming both counts when the marks do not fit the model."""
    top = [m for m in marks if m.parent is None]
    sg0 = graph.subgraphs[0].operators
    out: dict[Mark, Placed] = {}
    if not sg0:
        if top:
            raise UsageError(f"{len(top)} operator marks but subgraph 0 of the model has 0 operators", fix=_FIX)
        return out
    # A run may stop inside an Invoke (the stop symbol is the user's): only the last one may be partial.
    for i, m in enumerate(top):
        _place(m, graph, 0, i % len(sg0), out)
    done = len(top) % len(sg0)
    if done and top[-1].ended:
        raise UsageError(f"{len(top)} top-level operator marks are not whole Invokes of subgraph 0's "
                         f"{len(sg0)} operators (the stop symbol was reached with none open)", fix=_FIX)
    return out


def _place(mark: Mark, graph, sg: int, index: int, out: dict) -> None:
    op = graph.subgraphs[sg].operators[index]
    out[mark] = Placed(sg, index, op.opcode)
    kids = mark.children
    fields = _RUNS.get(op.opcode)
    if not fields:
        if kids:
            raise UsageError(f"{len(kids)} operator marks inside subgraph {sg} operator {index} ({op.opcode}), "
                             "which runs no subgraph: 0 expected", fix=_FIX)
        return
    subs = [op.opt(f) for f in fields]
    if any(s is None or not 0 <= s < len(graph.subgraphs) for s in subs):
        if kids:
            raise UsageError(f"{len(kids)} operator marks inside subgraph {sg} operator {index} ({op.opcode}), "
                             "whose subgraph index is out of range: 0 expected", fix=_FIX)
        return
    n = [len(graph.subgraphs[s].operators) for s in subs]
    where = f"subgraph {sg} operator {index} ({op.opcode})"
    if op.opcode == "CALL_ONCE":
        if len(kids) not in (0, n[0]):
            raise UsageError(f"{len(kids)} operator marks inside {where}, but its init subgraph {subs[0]} has "
                             f"{n[0]} operators", fix=_FIX)
        seq = [(subs[0], i) for i in range(len(kids))]
    elif op.opcode == "IF":
        if len(kids) == n[0]:
            branch = 0
        elif len(kids) == n[1]:
            branch = 1
        else:
            raise UsageError(f"{len(kids)} operator marks inside {where}, but its branches (subgraphs {subs[0]} "
                             f"and {subs[1]}) have {n[0]} and {n[1]} operators", fix=_FIX)
        seq = [(subs[branch], i) for i in range(len(kids))]
        if n[0] == n[1] and kids and subs[0] != subs[1]:
            out[mark] = Placed(sg, index, op.opcode,
                               f"{where}: both branches have {n[0]} operators, the marks cannot tell which ran; "
                               f"credited to the then-branch (subgraph {subs[0]})")
    else:  # WHILE: cond, then (body, cond) per iteration
        cond, body = subs
        c, b = n
        k = len(kids)
        if not (k >= c and (b + c == 0 and k == 0 or b + c > 0 and (k - c) % (b + c) == 0)):
            raise UsageError(f"{k} operator marks inside {where}, but cond (subgraph {cond}, {c} operators) "
                             f"then body (subgraph {body}, {b}) and cond per iteration cannot make {k}", fix=_FIX)
        seq = [(cond, i) for i in range(c)]
        while len(seq) < k:
            seq += [(body, i) for i in range(b)] + [(cond, i) for i in range(c)]
    for kid, (s, i) in zip(kids, seq):
        _place(kid, graph, s, i, out)


__all__ = ["Mark", "Placed", "assign"]
