"""The pruning loop: remove channel units that feed the peak, cheapest accuracy first, until the
guiding figure fits, or the accuracy floor or the prunable channels run out.

Each round: simprof's per-operator estimate names the peak operator; every prunable unit is
ranked by the bytes it saves (planned bytes of tensors live there, plus the per-channel arrays it
removes from the persistent tail) per unit of importance (weight L1;
with --data, times the measured output change when the unit alone is removed, for the best few);
units are taken in that order until they cover the gap to the budget (at most a quarter of them,
no tensor loses its last channel). A round whose accuracy falls below the floor is retried with
half the units; one unit that breaks the floor ends the loop.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from simprof.estimator import estimate
from simprof.estimator.lifetimes import compute_lifetimes
from simprof.estimator.scratch import scratch_requests
from simprof.model.reader import ModelGraph, read_model

from . import _rewrite as rw
from . import prune
from .accuracy import Dataset, compare

MAX_ROUNDS = 400
SENSITIVITY_TOP = 6
SENSITIVITY_SAMPLES = 48


@dataclass(frozen=True)
class ShrinkResult:
    model: bytes
    figure: int
    removed: dict            # output tensor of a CONV_2D/FC -> channels removed
    stopped_by: str          # "fits", "accuracy", "no prunable channels"
    rounds: int


def live_at_peak(graph: ModelGraph, platform: str) -> tuple[int, set, int]:
    """(peak operator, tensors live there, live planned bytes there) of simprof's estimate. The
    peak is where the most bytes are live: what an optimal (offline) plan needs, whereas the
    greedy plan's extent at an operator also counts gaps left by its placement."""
    e = estimate(graph, platform, runtime="simprof-rt")
    ops = e.operators
    k = max(range(len(ops)), key=lambda i: (ops[i].live_bytes, ops[i].arena_head_bytes))
    life = compute_lifetimes(graph, scratch_requests(graph, "reference"))
    a, b = life.op_scopes[(0, k)]
    live = {t for (sg, t), (f, l_) in life.tensor_scopes.items() if sg == 0 and f <= b and l_ >= a and f >= 0}
    return k, live, ops[k].live_bytes


def shrink(data: bytes, figure: Callable[[bytes], int], budget: int, platform: str, *,
           floor: float | None, original: bytes, dataset: Dataset, reference: list,
           use_sensitivity: bool) -> ShrinkResult:
    cur, cur_fig = data, figure(data)
    removed: dict = {}
    stopped = "fits"
    rounds = 0
    while cur_fig > budget and rounds < MAX_ROUNDS:
        rounds += 1
        model = rw.load(cur)
        an = prune.analyse(model)
        _, live, _ = live_at_peak(read_model(cur), platform)
        ranked = []
        for u in an.units:
            save = sum(len(ps) * an.bytes_per_position[t] for t, ps in u.positions if t in live) + u.tail_bytes
            if save > 0:
                ranked.append([save / (u.importance + 0.05), save, u])
        if not ranked:
            stopped = "no prunable channels"
            break
        ranked.sort(key=lambda r: -r[0])
        if use_sensitivity:
            _sensitivity(cur, ranked[:SENSITIVITY_TOP], original, dataset)
            ranked.sort(key=lambda r: -r[0])
        batch = _batch(ranked, an, cur_fig - budget)
        while True:
            cand = prune.apply(cur, batch)
            ok = True
            if floor is not None:
                acc = compare(original, cand, dataset, reference)
                ok = acc.figure >= floor
            if ok:
                break
            if len(batch) == 1:
                stopped = "accuracy"
                break
            batch = batch[: len(batch) // 2]
        if stopped == "accuracy":
            break
        cur, cur_fig = cand, figure(cand)
        for u in batch:
            for op, _ in u.sources:
                t = int(model.subgraphs[0].operators[op].outputs[0])
                removed[t] = removed.get(t, 0) + 1
    if cur_fig > budget and stopped == "fits":
        stopped = "rounds"
    return ShrinkResult(cur, cur_fig, removed, stopped, rounds)


def _batch(ranked: list, an: prune.Analysis, gap: int) -> list:
    left = dict(an.channels)
    out, covered = [], 0
    cap = max(1, len(ranked) // 4)
    for _, save, u in ranked:
        if any(left[t] - len(ps) < 1 for t, ps in u.positions):
            continue
        for t, ps in u.positions:
            left[t] -= len(ps)
        out.append(u)
        covered += save
        if covered >= gap or len(out) >= cap:
            break
    return out or [ranked[0][2]]


def _sensitivity(cur: bytes, top: list, original: bytes, dataset: Dataset) -> None:
    """Scale the score of the best-ranked units by the output change each causes alone."""
    small = replace(dataset, inputs=dataset.inputs[:SENSITIVITY_SAMPLES],
                    labels=dataset.labels[:SENSITIVITY_SAMPLES] if dataset.labels else None)
    from .accuracy import run, _dequant
    ref = _dequant(cur, run(cur, small))
    for row in top:
        cand = prune.apply(cur, [row[2]])
        got = _dequant(cand, run(cand, small))
        change = sum(float(np.sum((a - b) ** 2)) for a, b in zip(ref, got))
        energy = sum(float(np.sum(a ** 2)) for a in ref) or 1.0
        row[0] = row[0] / (1.0 + 100.0 * change / energy)
