"""µNAS (Liberis et al., "µNAS: Constrained Neural Architecture Search for Microcontrollers",
EuroMLSys 2021): peak memory = the minimum over operator execution orders of the maximum, over
steps, of the sum of the tensors live at that step.

Assumptions, as in µNAS's search: 1 byte per element (int8); ADD runs in place (its output reuses an
input that dies at the ADD); the model's input tensor is excluded; no alignment, no persistent
tail, no scratch, no stack. The order search is exhaustive (dynamic programming over the set of
executed operators) for graphs of up to 20 operators; larger graphs use the flatbuffer order,
which is what µNAS gets for chain-like graphs anyway.
"""
from __future__ import annotations

from functools import lru_cache

from ._common import BaselineResult, activations, elements

NAME = "unas"
SOURCE = "Liberis, Dudziak, Lane: µNAS, EuroMLSys 2021 (github.com/eliberis/uNAS, model memory usage)"
ASSUMPTIONS = "min over op orders of peak live-tensor sum; 1 B/element; in-place ADD; input excluded"
EXHAUSTIVE_LIMIT = 20


def estimate(graph, **_ctx) -> BaselineResult:
    sg = graph.main
    acts = activations(sg) - set(sg.inputs)
    size = {t: elements(sg.tensors[t]) for t in acts}
    ops = sg.operators
    n = len(ops)
    producers = {t: i for i, op in enumerate(ops) for t in op.outputs}
    consumers: dict = {}
    for i, op in enumerate(ops):
        for t in op.inputs:
            if t in acts:
                consumers.setdefault(t, set()).add(i)
    outputs = set(sg.outputs)
    deps = [frozenset(producers[t] for t in op.inputs if t in producers) for op in ops]

    def step_peak(done: frozenset, i: int) -> int:
        """Memory while running op i after the ops in `done`."""
        live = {t for t in acts if t in producers and producers[t] in done
                and (t in outputs or consumers.get(t, set()) - done)}
        out = {t for t in ops[i].outputs if t in acts}
        total = sum(size[t] for t in live | out)
        if ops[i].opcode == "ADD":
            # in place: the output overwrites an input that dies here
            dying = [t for t in ops[i].inputs if t in live and t not in outputs
                     and consumers.get(t, set()) - done == {i}]
            if dying and out:
                total -= min(size[next(iter(out))], max(size[t] for t in dying))
        return total

    # An operator that reads a tensor produced by itself or a later one (a cycle) has no order;
    # such a graph is estimated in flatbuffer order, the order the runtime executes anyway.
    if n <= EXHAUSTIVE_LIMIT and _is_dag(deps):
        @lru_cache(maxsize=None)
        def best(done: frozenset) -> int:
            if len(done) == n:
                return 0
            ready = [i for i in range(n) if i not in done and deps[i] <= done]
            return min(max(step_peak(done, i), best(done | {i})) for i in ready)
        peak = best(frozenset())
        how = "exhaustive order search"
    else:
        done: set = set()
        peak = 0
        for i in range(n):
            peak = max(peak, step_peak(frozenset(done), i))
            done.add(i)
        how = "flatbuffer order (graph too large for exhaustive search)"
    return BaselineResult(NAME, peak, SOURCE, ASSUMPTIONS, {"order": how})


def _is_dag(deps: list[frozenset]) -> bool:
    done: set = set()
    while len(done) < len(deps):
        ready = [i for i in range(len(deps)) if i not in done and deps[i] <= done]
        if not ready:
            return False
        done.update(ready)
    return True
