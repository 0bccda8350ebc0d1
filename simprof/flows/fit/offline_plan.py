"""Step 2 (lossless): an offline memory plan. TFLM's greedy planner (largest first, lowest gap)
is not optimal; TFLM also accepts per-tensor arena offsets planned offline (metadata
"OfflineMemoryAllocation": version, subgraph, count, then one int32 offset per tensor of the
subgraph, -1 = planned online). It places those buffers first, at their offsets, and plans the
online rest (here: scratch buffers) around them.

The packer solves dynamic storage allocation over the buffers' lifetimes: best-fit decreasing by
size x lifetime, then an improvement pass (swap two buffers in the placement order, keep what does
not get worse), and for graphs of at most EXACT_MAX buffers a branch and bound over placement
orders (lowest-fit placement in the order of an optimal solution's offsets reproduces it, so
searching orders is exact). Whenever a packing reaches the live-bytes lower bound it is optimal
and the search stops. The result is scored with the caller's exact estimator and kept only when
it lowers the score.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace
from typing import Callable

from simprof.estimator.lifetimes import Buffer, compute_lifetimes
from simprof.estimator.scratch import scratch_requests
from simprof.model.reader import ModelGraph

EXACT_MAX = 7
IMPROVE_SECONDS = 0.5
Scorer = Callable[[ModelGraph], int]


@dataclass(frozen=True)
class PackResult:
    offsets: tuple[int, ...] | None   # one per tensor of subgraph 0 (-1 online); None: plan not worth it
    before_bytes: int                 # score without a plan (the greedy planner)
    after_bytes: int
    head_greedy: int                  # planned head of TFLM's greedy planner
    head_packed: int                  # head of the packing
    lower_bound: int                  # max over time of the live planned bytes
    method: str                       # "exact", "bound" (reached the lower bound) or "heuristic"


def plan_offline(graph: ModelGraph, score: Scorer, kernels: str = "reference",
                 improve_seconds: float | None = None) -> PackResult:
    from simprof.estimator.planner import plan as greedy
    online = replace(graph, offline_offsets=None)
    life = compute_lifetimes(online, scratch_requests(online, kernels))
    bufs = [b for b in life.buffers if b.size > 0]
    greedy_head = greedy(life.buffers).head_bytes
    before = score(online)
    bound = _live_bound(bufs)
    offsets, head, method = pack(bufs, bound, IMPROVE_SECONDS if improve_seconds is None else improve_seconds)
    if head >= greedy_head:
        return PackResult(None, before, before, greedy_head, head, bound, method)
    per_tensor = [-1] * len(graph.main.tensors)
    for b, off in zip(bufs, offsets):
        if b.kind == "tensor" and b.subgraph == 0:
            per_tensor[b.index] = off
    after = score(replace(graph, offline_offsets=tuple(per_tensor)))
    if after >= before:
        return PackResult(None, before, before, greedy_head, head, bound, method)
    return PackResult(tuple(per_tensor), before, after, greedy_head, head, bound, method)


def _live_bound(bufs: list[Buffer]) -> int:
    events: dict = {}
    for b in bufs:
        for s in range(b.first, b.last + 1):
            events[s] = events.get(s, 0) + b.size
    return max(events.values(), default=0)


def _place(bufs: list[Buffer], order, limit: int | None = None) -> tuple[list[int], int]:
    """Lowest-fit placement in `order`; stops early (head = limit) once the head reaches `limit`."""
    offsets = [0] * len(bufs)
    placed: list[int] = []
    head = 0
    for i in order:
        b = bufs[i]
        spans = sorted((offsets[j], offsets[j] + bufs[j].size) for j in placed
                       if not (b.first > bufs[j].last or bufs[j].first > b.last))
        cand = 0
        for lo, hi in spans:
            if lo - cand >= b.size:
                break
            cand = max(cand, hi)
        offsets[i] = cand
        placed.append(i)
        head = max(head, cand + b.size)
        if limit is not None and head >= limit:
            return offsets, head
    return offsets, head


def pack(bufs: list[Buffer], bound: int, seconds: float = IMPROVE_SECONDS) -> tuple[list[int], int, str]:
    n = len(bufs)
    if n == 0:
        return [], 0, "bound"
    key = lambda i: (-bufs[i].size * (bufs[i].last - bufs[i].first + 1), -bufs[i].size, i)  # noqa: E731
    best_order = sorted(range(n), key=key)
    best_off, best = _place(bufs, best_order)
    for alt in (sorted(range(n), key=lambda i: (-bufs[i].size, i)),
                sorted(range(n), key=lambda i: (bufs[i].first, -bufs[i].size))):
        off, h = _place(bufs, alt)
        if h < best:
            best_order, best_off, best = alt, off, h
    if best <= bound:
        return best_off, best, "bound"
    if n <= EXACT_MAX:
        off, h = _exact(bufs, bound, best)
        if off is not None:
            best_off, best = off, h
        return best_off, best, "exact"
    rng = random.Random(0)
    stop = time.monotonic() + seconds
    order = list(best_order)
    while time.monotonic() < stop and best > bound:
        a, b = rng.randrange(n), rng.randrange(n)
        if a == b:
            continue
        order[a], order[b] = order[b], order[a]
        off, h = _place(bufs, order, limit=best + 1)
        if h <= best:
            if h < best:
                best_off, best = off, h
        else:
            order[a], order[b] = order[b], order[a]
    return best_off, best, "bound" if best <= bound else "heuristic"


def _exact(bufs: list[Buffer], bound: int, incumbent: int) -> tuple[list[int] | None, int]:
    """Branch and bound over placement orders; None when nothing beats `incumbent`."""
    n = len(bufs)
    best = [incumbent, None]

    def rec(order: list[int], rest: set) -> bool:
        if not rest:
            off, h = _place(bufs, order)
            if h < best[0]:
                best[0], best[1] = h, off
            return best[0] <= bound
        for i in sorted(rest):
            order.append(i)
            _, h = _place(bufs, order, limit=best[0])
            if h < best[0] and rec(order, rest - {i}):
                return True
            order.pop()
        return False

    rec([], set(range(n)))
    return best[1], best[0]
