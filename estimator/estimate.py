"""The static estimator, end to end: read -> scratch requests -> lifetimes -> TFLM greedy plan ->
verify -> setup replay (tail + transient) -> per-operator view -> stack/static from calibration.

    from simprof.estimator import estimate
    e = estimate("model.tflite", platform="stm32f4")             # arm-eabi, simprof-rt, reference
    e = estimate(data, runtime="tflm", abi="lp64")                 # equals the tflite-micro wheel
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from simprof.errors import UsageError

from . import abi as abi_mod
from .lifetimes import CONTROL_FLOW, compute_lifetimes
from .planner import plan
from .result import Estimate, OpEstimate
from .scratch import scratch_requests
from .stack import load_calibration
from .tflite_reader import ModelGraph, read_model
from .transient import SetupConfig, simulate_setup
from .verify import verify_plan

log = logging.getLogger(__name__)

RUNTIMES = ("tflm", "simprof-rt")
DEFAULT_PLATFORM = "generic"


def estimate(model: bytes | str | Path | ModelGraph, platform: str = DEFAULT_PLATFORM, *,
             runtime: str = "tflm", abi: str = "arm-eabi", kernels: str = "reference",
             calibration_dir: Path | None = None) -> Estimate:
    """Predict the RAM a .tflite model needs on `platform`, per operator and in total.

    runtime: "tflm" (TFLM's MicroInterpreter) or "simprof-rt" (our runtime, same arena layout).
    abi: "arm-eabi" (Cortex-M, short enums) or "lp64" (the x86-64 tflite-micro wheel; with
    runtime="tflm" this reproduces the wheel's print_allocations() byte for byte).
    kernels: "reference" or "cmsis-nn" (Arm only).
    """
    if runtime not in RUNTIMES:
        raise UsageError(f"unknown runtime {runtime!r}", fix=f"use one of {', '.join(RUNTIMES)}")
    if kernels not in abi_mod.KERNEL_LIBS:
        raise UsageError(f"unknown kernel library {kernels!r}", fix=f"use one of {', '.join(abi_mod.KERNEL_LIBS)}")
    if kernels == "cmsis-nn" and abi == "lp64":
        raise UsageError("CMSIS-NN kernels exist only for Arm", fix="use --abi arm-eabi or --kernels reference")
    target = abi_mod.get_abi(abi)
    _check_platform(platform)
    graph = model if isinstance(model, ModelGraph) else read_model(model)

    scratch = scratch_requests(graph, kernels)
    life = compute_lifetimes(graph, scratch)
    arena_plan = plan(life.buffers)
    verify_plan(arena_plan)
    # lp64 means the wheel's Python wrapper (recording allocators); a firmware uses the plain ones.
    # Both create MicroResourceVariables on the arena when the model has resource variables.
    cfg = SetupConfig(recording=(abi == "lp64"), kernels=kernels, python_resource_vars=True,
                      variant="wheel" if (runtime == "tflm" and abi == "lp64") else abi, runtime=runtime)
    setup = simulate_setup(graph, target, cfg, life, scratch, arena_plan.head_bytes)

    calib = load_calibration(platform, runtime, kernels, calibration_dir)
    unknowns = list(setup.unknown)
    notes = []
    if calib is not None and (calib.runtime, calib.kernels) != (runtime, kernels):
        notes.append(f"stack and static RAM come from the {calib.runtime} build with {calib.kernels} kernels "
                     f"({calib.path}); a {runtime} application with {kernels} kernels has its own")
    for sg in graph.subgraphs:
        for t in sg.tensors:
            if t.dtype.startswith("type") or t.dtype == "string":
                unknowns.append(f"tensor {sg.index}:{t.index} ({t.name}) has type {t.dtype}: size unknown")
            elif any(d < 0 for d in t.shape):
                unknowns.append(f"tensor {sg.index}:{t.index} ({t.name}) has a dynamic shape {list(t.shape)}: "
                                "its size is unknown (counted as 0)")
    if calib is None:
        unknowns.append(f"stack and static RAM: no calibration file for platform {platform!r} "
                        f"(platforms/calibration/{platform}.json)")

    ops = _per_operator(graph, life, arena_plan, setup, calib, scratch)
    if calib is not None:
        missing = sorted({o.opcode for o in ops if o.stack_bytes is None})
        if missing:
            unknowns.append(f"stack of {', '.join(missing)}: not in {calib.path}")
    head, tail = arena_plan.head_bytes, setup.tail_bytes
    stacks = [o.stack_bytes for o in ops]
    stack = None
    if calib is not None and all(s is not None for s in stacks):
        stack = max([s for s in stacks] + [calib.setup_stack_for(_nesting_depth(graph)) or 0])
    static = calib.static_bytes if calib is not None else None
    total = None
    if stack is not None and static is not None:
        total = static + setup.need_bytes + stack
    key = [(o.total_bytes if o.total_bytes is not None else o.arena_head_bytes) for o in ops]
    peak = int(np.argmax(key)) if key else None

    return Estimate(
        model=graph.name, platform=platform, runtime=runtime, abi=abi, kernels=kernels,
        arena_head_bytes=head, arena_head_painted_bytes=max(head, setup.temp_hwm, setup.planner_hwm),
        arena_tail_bytes=tail, arena_bytes=head + tail,
        arena_min_bytes=max(setup.need_bytes, head + tail), arena_min_stage=setup.need_stage,
        arena_start_align_bytes=15, tflm_arena_used_bytes=head + tail,
        tail_categories={k: {"used": u, "requested": q, "count": c} for k, (u, q, c) in setup.categories.items()},
        heap_bytes=0, stack_bytes=stack, static_bytes=static, total_bytes=total, peak_operator=peak,
        operators=tuple(ops), unknowns=tuple(unknowns), notes=tuple(notes),
        provenance={"tflm": "tflite-micro @90b983c2b3 (arm-eabi sizes); wheel 0.dev20261023182759 (lp64)",
                    "abi_sizes": str(abi_mod.DATA / "abi_sizes.json"),
                    "op_costs": str(abi_mod.DATA / "op_costs.json"),
                    "calibration": calib.path if calib else None,
                    "calibration_provenance": calib.provenance if calib else None},
    )


def _nesting_depth(graph: ModelGraph, sg: int = 0, seen: frozenset = frozenset()) -> int:
    """How many levels of subgraphs the control-flow ops of subgraph `sg` run below it."""
    depth = 0
    for op in graph.subgraphs[sg].operators:
        for f in CONTROL_FLOW.get(op.opcode, ()):
            child = op.opt(f)
            if child is not None and 0 <= child < len(graph.subgraphs) and child not in seen:
                depth = max(depth, 1 + _nesting_depth(graph, child, seen | {sg}))
    return depth


def _op_stack(graph: ModelGraph, calib, op, depth: int = 0) -> int | None:
    """Stack of one operator; a control-flow op adds the deepest operator of the subgraphs it runs
    (when the calibration file splits its figure), else the file's model-agnostic worst case."""
    fields = CONTROL_FLOW.get(op.opcode)
    if fields and depth < 8:
        inner = []
        for f in fields:
            child = op.opt(f)
            if child is not None and 0 <= child < len(graph.subgraphs):
                inner += [_op_stack(graph, calib, o, depth + 1) for o in graph.subgraphs[child].operators]
        refined = calib.stack_for_control_flow(op.opcode, inner)
        if refined is not None:
            return refined
    return calib.stack_for(op.opcode)


def _check_platform(platform: str) -> None:
    """Known platforms come from the platform YAML files; "generic" means none (no stack/static)."""
    if platform == DEFAULT_PLATFORM:
        return
    try:
        from simprof.platforms import ids
    except ImportError:  # the platform loader is optional for the estimator
        return
    known = ids()
    if known and platform not in known:
        from simprof.errors import PlatformError
        raise PlatformError(f"unknown platform {platform!r}", fix=f"use one of {', '.join(known)} or 'generic'")


def _per_operator(graph, life, arena_plan, setup, calib, scratch) -> list[OpEstimate]:
    bufs = arena_plan.buffers
    if bufs:
        first = np.fromiter((b.first for b in bufs), dtype=np.int64, count=len(bufs))
        last = np.fromiter((b.last for b in bufs), dtype=np.int64, count=len(bufs))
        size = np.fromiter((b.size for b in bufs), dtype=np.int64, count=len(bufs))
        end = np.asarray(arena_plan.offsets, dtype=np.int64) + size
    scratch_of: dict = {}
    for r in scratch:
        scratch_of[(r.subgraph, r.node)] = scratch_of.get((r.subgraph, r.node), 0) + r.nbytes
    out = []
    for sg in graph.subgraphs:
        for op in sg.operators:
            a, b = life.op_scopes.get((sg.index, op.index), (-1, -1))
            if bufs and a >= 0:
                live = (first <= b) & (last >= a) & (size > 0)
                extent = int(end[live].max()) if live.any() else 0
                live_sum = int(size[live].sum())
            else:
                extent = live_sum = 0
            stack = _op_stack(graph, calib, op) if calib is not None else None
            total = extent + setup.tail_bytes + stack if stack is not None else None
            out.append(OpEstimate(sg.index, op.index, op.opcode, extent, live_sum,
                                  scratch_of.get((sg.index, op.index), 0), setup.tail_bytes,
                                  setup.op_tail_bytes.get((sg.index, op.index), 0), stack, total))
    return out
