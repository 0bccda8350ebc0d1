"""Step 1 (lossless): the operator order. TFLM runs operators in stored order; another valid
topological order changes the lifetimes and so TFLM's greedy plan.

Candidates come from a dynamic programme over the sets of executed operators (Liberis & Lane):
states are the sets, the cost the peak of live activation bytes. While every layer of the
programme has at most MAX_STATES sets it is exact for that cost; beyond, each layer keeps the
MAX_STATES best sets (a bounded beam). Each state keeps KEEP partial orders, not just the best,
because the cost that matters is not the live sum but TFLM's greedy plan: every complete candidate
(and, when there are at most EXHAUSTIVE orders in all, every valid order) is scored with the exact
estimator handed in, and the lowest score wins; the stored order wins ties.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from simprof.model.reader import ModelGraph

from .graph import OpGraph, is_topological, op_graph, reordered

MAX_STATES = 4000
KEEP = 6
EXHAUSTIVE = 3000

Scorer = Callable[[ModelGraph], int]


@dataclass(frozen=True)
class OrderResult:
    order: tuple[int, ...]        # stored operator indices in the new run order
    before_bytes: int             # score of the stored order
    after_bytes: int
    method: str                   # "exhaustive", "dp" (exact live-sum DP) or "beam"
    scored: int                   # complete orders scored with the estimator

    @property
    def changed(self) -> bool:
        return self.order != tuple(range(len(self.order)))


def search_order(graph: ModelGraph, score: Scorer) -> OrderResult:
    g = op_graph(graph)
    identity = tuple(range(g.n))
    base = score(graph)
    orders = _all_orders(g, EXHAUSTIVE)
    method = "exhaustive"
    if orders is None:
        orders, exact = _dp_candidates(g)
        method = "dp" if exact else "beam"
    best, best_score, seen = identity, base, {identity}
    for o in orders:
        if o in seen:
            continue
        seen.add(o)
        assert is_topological(g, o)
        s = score(reordered(graph, o))
        if s < best_score:
            best, best_score = o, s
    return OrderResult(best, base, best_score, method, len(seen))


def _all_orders(g: OpGraph, cap: int) -> list[tuple[int, ...]] | None:
    """Every topological order, or None when there are more than `cap`."""
    out: list = []
    order: list = []
    done: set = set()

    def rec() -> bool:
        if len(order) == g.n:
            out.append(tuple(order))
            return len(out) <= cap
        for i in range(g.n):
            if i not in done and g.preds[i] <= done:
                done.add(i)
                order.append(i)
                ok = rec()
                order.pop()
                done.discard(i)
                if not ok:
                    return False
        return True

    return out if rec() else None


def _dp_candidates(g: OpGraph) -> tuple[list[tuple[int, ...]], bool]:
    """Complete orders from the set DP; True when no layer was cut (exact for the live-sum peak)."""
    # state: executed-set bitmask -> list of (peak, live, order tuple)
    layer = {0: [(0, sum(g.sizes[t] for t in g.initial), ())]}
    exact = True
    for _ in range(g.n):
        nxt: dict = {}
        for mask, entries in layer.items():
            for i in range(g.n):
                bit = 1 << i
                if mask & bit or any(not (mask >> p) & 1 for p in g.preds[i]):
                    continue
                new_mask = mask | bit
                out_bytes = sum(g.sizes[t] for t in g.outputs[i])
                freed = 0
                for t in g.inputs[i]:
                    if t not in g.pinned and all((new_mask >> c) & 1 for c in g.consumers[t]):
                        freed += g.sizes[t]
                for peak, live, order in entries:
                    during = live + out_bytes
                    nxt.setdefault(new_mask, []).append((max(peak, during), during - freed, order + (i,)))
        for m in nxt:
            nxt[m] = sorted(nxt[m])[:KEEP]
        if len(nxt) > MAX_STATES:
            exact = False
            nxt = dict(sorted(nxt.items(), key=lambda kv: kv[1][0][:2])[:MAX_STATES])
        layer = nxt
    final = [o for entries in layer.values() for _, _, o in entries]
    return final, exact

