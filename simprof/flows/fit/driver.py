"""`fit`: make a model fit a RAM budget on a platform, cheapest step first, stopping as soon as
the guiding estimate fits; then prove the result under QEMU.

    r = fit("model.tflite", "stm32f4", arena_budget="75%")
    r.fitted            # the rewritten .tflite
    r.proof.fits        # measured on simprof-rt under QEMU
"""
from __future__ import annotations

import time
from pathlib import Path

from simprof.core.errors import BudgetExceeded, UsageError
from simprof.estimator import estimate
from simprof.model.reader import read_model
from simprof.platforms import load

from . import _rewrite as rw
from .accuracy import compare, load_data, run
from .budget import resolve
from .graph import check_single_subgraph
from .guidance import scorer
from .limits import what_limits
from .offline_plan import plan_offline
from .order import search_order
from .proof import prove
from .result import FitResult, LayerPruning, Step
from .shrink import shrink


def fit(model: bytes | str | Path, platform: str, *, arena_budget: str | int | float | None = None,
        ram_budget: str | int | float | None = None, data: str | Path | None = None,
        min_accuracy: float | None = None, max_drop: float | None = None, guidance: str = "simprof",
        measure: bool = True, seed: int = 0, allow_over_budget: bool = False) -> FitResult:
    t0 = time.monotonic()
    original, name = _read(model)
    plat = load(platform)
    graph = read_model(original)
    check_single_subgraph(graph)
    before = estimate(graph, plat.id, runtime="simprof-rt")
    budget = resolve(arena_budget, ram_budget, current_arena=before.arena_min_bytes,
                     current_ram=before.total_bytes, part_ram=plat.ram.size)
    score = scorer(guidance, plat.id, budget.kind)
    floor_args = _floor(min_accuracy, max_drop)
    dataset = load_data(Path(data) if data else None, original, seed)
    reference = run(original, dataset)
    steps: list[Step] = []
    fig0 = score(graph)

    # An existing offline plan fixes offsets for the stored order and sizes: drop it, plan anew.
    current, fig = original, fig0
    if graph.offline_offsets is not None:
        current = rw.set_offline_plan(original, None)
        graph = read_model(current)
        fig = score(graph)
        steps.append(Step("drop offline plan", True, fig0, fig, "the model's own plan is replaced by a new one"))

    # 1. operator order (lossless)
    if fig > budget.bytes:
        o = search_order(graph, score)
        if o.changed and o.after_bytes < fig:
            current = rw.reorder(current, list(o.order))
        steps.append(Step("operator order", True, fig, o.after_bytes,
                          f"{o.method} search, {o.scored} orders scored" + ("" if o.changed else "; stored order kept")))
        fig = o.after_bytes

    # 2. offline memory plan (lossless)
    if fig > budget.bytes:
        p = plan_offline(read_model(current), score)
        steps.append(Step("offline plan", True, fig, p.after_bytes,
                          f"greedy head {p.head_greedy:,} B -> packed {p.head_packed:,} B "
                          f"(lower bound {p.lower_bound:,} B, {p.method})" +
                          ("" if p.offsets else "; not used (no gain)")))
        fig = p.after_bytes

    # 3. structured channel pruning (lossy), each round scored with the best offline plan
    removed: dict = {}
    stopped = ""
    if fig > budget.bytes:
        floor = None if floor_args is None else _floor_value(floor_args, original, dataset, reference)
        packed = lambda b: _packed(b, score, quick=True)  # noqa: E731
        s = shrink(current, packed, budget.bytes, plat.id, floor=floor, original=original, dataset=dataset,
                   reference=reference, use_sensitivity=data is not None)
        steps.append(Step("channel pruning", False, fig, s.figure,
                          f"{sum(s.removed.values())} channels in {len(s.removed)} layers, {s.rounds} rounds; "
                          f"stopped: {s.stopped_by}"))
        current, fig, removed, stopped = s.model, s.figure, s.removed, s.stopped_by

    # the final model carries the best offline plan for its own tensors
    if any(st.name == "offline plan" for st in steps) or removed:
        current = _with_plan(current, score)
        fig = score(read_model(current))
    after = estimate(read_model(current), plat.id, runtime="simprof-rt")
    acc = compare(original, current, dataset, reference)
    if fig > budget.bytes and not allow_over_budget:
        raise BudgetExceeded(
            f"{name} cannot reach the {budget.kind} budget of {budget.bytes:,} B on {plat.id}: the best reached is "
            f"{fig:,} B ({_why_stopped(stopped)}); {what_limits(read_model(current), plat.id)}",
            fix="raise the budget, allow a lower accuracy (--min-accuracy/--max-drop), or choose a part with more RAM",
            best=fig)
    proof = prove(current, original, plat, dataset, budget, after) if measure else None
    orig_labelled = None
    if dataset.labels is not None:
        orig_labelled = compare(original, original, dataset, reference).labelled
    return FitResult(
        model=name, platform=plat.id, guidance=guidance, budget=budget, figure_before=fig0, figure_after=fig,
        estimate_before=_figures(before), estimate_after=_figures(after), steps=tuple(steps),
        layers=_layers(original, removed), data_source=dataset.source, accuracy_before=orig_labelled,
        accuracy=acc, proof=proof, timeline_before=_timeline(before), timeline_after=_timeline(after),
        seconds=time.monotonic() - t0, fitted=current)


def _read(model) -> tuple[bytes, str]:
    if isinstance(model, (bytes, bytearray)):
        return bytes(model), "model"
    p = Path(model)
    try:
        return p.read_bytes(), p.name
    except OSError as exc:
        raise UsageError(f"cannot read {p}: {exc.strerror}", fix="pass an existing .tflite file") from None


def _floor(min_accuracy, max_drop):
    if min_accuracy is not None and max_drop is not None:
        raise UsageError("give --min-accuracy or --max-drop, not both", fix="drop one of them")
    for flag, v in (("--min-accuracy", min_accuracy), ("--max-drop", max_drop)):
        if v is not None and not 0 <= float(v) <= 1:
            raise UsageError(f"{flag} {v} is outside [0, 1]", fix="give a fraction, e.g. 0.9")
    if min_accuracy is not None:
        return ("min", float(min_accuracy))
    if max_drop is not None:
        return ("drop", float(max_drop))
    return None


def _floor_value(args, original, dataset, reference) -> float:
    kind, v = args
    if kind == "min":
        return v
    base = compare(original, original, dataset, reference).figure
    return base - v


def _packed(data: bytes, score, quick: bool = False) -> int:
    g = read_model(data)
    p = plan_offline(g, score, improve_seconds=0.05 if quick else None)
    return min(p.before_bytes, p.after_bytes)


def _with_plan(data: bytes, score) -> bytes:
    clean = rw.set_offline_plan(data, None) if rw.offline_plan(rw.load(data)) is not None else data
    p = plan_offline(read_model(clean), score)
    return rw.set_offline_plan(clean, list(p.offsets)) if p.offsets else clean


def _why_stopped(stopped: str) -> str:
    return {"accuracy": "pruning further breaks the accuracy floor",
            "no prunable channels": "no channel that feeds the peak can be pruned",
            "rounds": "the pruning rounds ran out"}.get(stopped, "lossless steps only")


def _figures(e) -> dict:
    return {"arena_min_bytes": e.arena_min_bytes, "total_bytes": e.total_bytes,
            "arena_head_bytes": e.arena_head_bytes, "arena_tail_bytes": e.arena_tail_bytes}


def _timeline(e) -> tuple[tuple[str, int], ...]:
    return tuple((o.opcode, o.arena_head_bytes + o.arena_tail_bytes) for o in e.operators)


def _layers(original: bytes, removed: dict) -> tuple[LayerPruning, ...]:
    m = rw.load(original)
    sg = m.subgraphs[0]
    out = []
    for i, op in enumerate(sg.operators):
        t = int(op.outputs[0]) if len(op.outputs) else -1
        if t in removed:
            tensor = sg.tensors[t]
            nm = tensor.name.decode() if isinstance(tensor.name, bytes) else str(tensor.name)
            out.append(LayerPruning(i, rw.opname(m, op), nm, int(tensor.shape[-1]), removed[t]))
    return tuple(out)
