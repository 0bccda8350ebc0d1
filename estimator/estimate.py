"""The static estimator, end to end: read -> scratch requests -> lifetimes -> TFLM greedy plan ->
verify -> setup replay (tail + transient) -> per-operator view -> stack/static from calibration.

    from simprof.estimator import estimate
    e = estimate("model.tflite", platform="stm32f4")             # arm-eabi, simprof-rt, reference
    e = estimate(data, runtime="tflm", abi="lp64")                 # equals the tflite-micro wheel
"""
from __future__ import annotations

import logging
from pathlib import Path

from simprof.core.errors import UsageError

from . import abi as abi_mod
from . import cmsis_nn_rules
from .lifetimes import CONTROL_FLOW, compute_lifetimes
from .planner import plan
from simprof.core.results import Estimate, OpEstimate
from .scratch import scratch_requests
from .stack import kernel_key, load_calibration
from simprof.model.reader import ModelGraph, read_model
from .transient import SetupConfig, simulate_setup
from .verify import verify_plan

log = logging.getLogger(__name__)

RUNTIMES = ("tflm", "simprof-rt")
DEFAULT_PLATFORM = "generic"


def estimate(model: bytes | str | Path | ModelGraph, platform: str = DEFAULT_PLATFORM, *,
             runtime: str = "tflm", abi: str = "arm-eabi", kernels: str = "reference",
             calibration_dir: Path | None = None, image_stamp: str | None = None,
             calibration: str | Path | None = None) -> Estimate:
    """Predict the RAM a .tflite model needs on `platform`, per operator and in total.

    runtime: "tflm" (TFLM's MicroInterpreter) or "simprof-rt" (our runtime, same arena layout).
    abi: "arm-eabi" (Cortex-M, short enums) or "lp64" (the x86-64 tflite-micro wheel; with
    runtime="tflm" this reproduces the wheel's print_allocations() byte for byte).
    kernels: "reference" or "cmsis-nn" (Arm only).
    image_stamp: the source stamp of the simprof-rt image the calibration should describe
      (simprof.rt.image.source_stamp); the measured stack is used when it matches, see stack.py.
    calibration: stack and static RAM from a named calibration of your own firmware (`simprof
      calibrate --elf`; a name in the user calibration directory or a .json path) instead of
      the platform's simprof-rt calibration.
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

    core = cmsis_nn_rules.core_class(platform) if kernels == "cmsis-nn" else cmsis_nn_rules.DEFAULT_CORE_CLASS
    scratch = scratch_requests(graph, kernels, core, ptr_bytes=target.ptr)
    life = compute_lifetimes(graph, scratch)
    arena_plan = plan(life.buffers)
    verify_plan(arena_plan)
    # lp64 means the wheel's Python wrapper (recording allocators); a firmware uses the plain ones.
    # Both create MicroResourceVariables on the arena when the model has resource variables.
    cfg = SetupConfig(recording=(abi == "lp64"), kernels=kernels, python_resource_vars=True,
                      variant="wheel" if (runtime == "tflm" and abi == "lp64") else abi, runtime=runtime, core=core)
    setup = simulate_setup(graph, target, cfg, life, scratch, arena_plan.head_bytes)
    arena_min, min_stage = min_arena_to_the_byte(arena_plan.head_bytes, setup)

    if calibration is not None:
        from .stack import named_calibration_path
        calib = load_calibration(platform, runtime, kernels, path=named_calibration_path(calibration))
        if platform != DEFAULT_PLATFORM and calib.platform != platform:
            raise UsageError(f"calibration {calib.path} is for platform {calib.platform}, not {platform}",
                             fix=f"use --platform {calib.platform}, or calibrate the firmware for {platform}")
    else:
        calib = load_calibration(platform, runtime, kernels, calibration_dir)
    unknowns = list(setup.unknown)
    if kernels == "cmsis-nn":
        unknowns += cmsis_nn_rules.refusals(graph)
    notes = []
    if calib is not None and calib.kind == "firmware":
        notes.append(f"stack and static RAM of your firmware {calib.name!r} ({calib.provenance.get('elf')})")
    elif calib is not None and (calib.runtime, calib.kernels) != (runtime, kernels):
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

    measured = None
    if calib is not None:
        state, note = calib.measured_state(image_stamp)
        measured = calib.measured if state in ("current", "unchecked") else None
        if note:
            notes.append(note)
    ops = _per_operator(graph, life, arena_plan, setup, calib, scratch, measured, notes)
    if calib is not None:
        missing = sorted({o.opcode for o in ops if o.stack_bytes is None})
        if missing:
            unknowns.append(f"stack of {', '.join(missing)}: not in {calib.path}")
    head, tail = arena_plan.head_bytes, setup.tail_bytes
    stack = _model_stack(graph, calib, measured, ops, notes) if calib is not None else None
    static = calib.static_bytes if calib is not None else None
    total = None
    if stack is not None and static is not None:
        total = static + arena_min + stack
    key = [(o.total_bytes if o.total_bytes is not None else o.arena_head_bytes) for o in ops]
    peak = max(range(len(key)), key=key.__getitem__) if key else None   # the first maximum

    return Estimate(
        model=graph.name, platform=platform, runtime=runtime, abi=abi, kernels=kernels,
        arena_head_bytes=head, arena_head_painted_bytes=max(head, setup.temp_hwm, setup.planner_hwm),
        arena_tail_bytes=tail, arena_bytes=head + tail,
        arena_min_bytes=arena_min, arena_min_stage=min_stage,
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


def min_arena_to_the_byte(head: int, aligned) -> tuple[int, str]:
    """The smallest arena (16-aligned start, any size) for which setup succeeds. The tail is
    allocated downward from the arena's end, which TFLM does not re-align: an end 4 bytes past a
    16-byte boundary gives the first 16-aligned tail allocation 4 bytes more. So the setup's
    allocator steps (`aligned`: the replay with a 16-aligned end, which gives the reported tail)
    are replayed for each other position of the end and the smallest working size taken."""
    from .tail import compress, replay_need

    best = (max(aligned.need_bytes, _ceil16(head + aligned.tail_bytes)), aligned.need_stage)
    steps = compress(aligned.trace)
    for m in range(1, 16):
        tail, need, stage = replay_need(steps, m)
        final = head + tail
        size = max(need + (m - need) % 16, final + (m - final) % 16)
        if size < best[0]:
            best = (size, stage)
    return best


def _ceil16(n: int) -> int:
    return (n + 15) // 16 * 16


def nesting_depth(graph: ModelGraph, sg: int = 0, seen: frozenset = frozenset()) -> int:
    """How many levels of subgraphs the control-flow ops of subgraph `sg` run below it."""
    depth = 0
    for op in graph.subgraphs[sg].operators:
        for f in CONTROL_FLOW.get(op.opcode, ()):
            child = op.opt(f)
            if child is not None and 0 <= child < len(graph.subgraphs) and child not in seen:
                depth = max(depth, 1 + nesting_depth(graph, child, seen | {sg}))
    return depth


def _model_stack(graph: ModelGraph, calib, measured, ops, notes: list) -> int | None:
    """Whole-run stack as the measurement defines it (from the top of the stack region, setup
    included): max of setup, every operator and (measured) the invoke floor."""
    stacks = [o.stack_bytes for o in ops]
    if any(s is None for s in stacks):
        return None
    depth = nesting_depth(graph)
    static_setup = calib.setup_stack_for(depth) or 0
    if measured is None:
        return max(stacks + [static_setup])
    keys = [kernel_key(sg, op) for sg in graph.subgraphs for op in sg.operators]
    setup, missing = measured.setup_for(depth, keys, int(calib.subgraph_ops.get("setup_per_nesting_level", 0)))
    if setup is None or missing:
        if calib.kind == "firmware":
            # the user's firmware set up one model: its setup stack stands for this one's
            notes.append(f"setup stack of {', '.join(missing) or 'this model'}: not run by the calibration model "
                         f"{calib.name!r}; its setup stack stands for it")
        else:
            notes.append(f"setup stack of {', '.join(missing) or 'this model'}: not measured, static-analysis bound")
        setup = max(setup or 0, static_setup)
    return max(stacks + [setup, measured.invoke_floor])


def _op_stack(graph: ModelGraph, calib, op, depth: int = 0, measured=None, sg=None, notes=None) -> int | None:
    """Stack of one operator. Measured (calibration current): the painted figure of its kernel path;
    a control-flow op: its painted extra + the deepest operator of the subgraphs it runs.
    Otherwise (or for a kernel path never measured) the static-analysis bound: a control-flow op
    adds the deepest operator of the subgraphs it runs (when the file splits its figure), else the
    file's model-agnostic worst case."""
    fields = CONTROL_FLOW.get(op.opcode)
    inner_ops = []
    if fields and depth < 8:
        for f in fields:
            child = op.opt(f)
            if child is not None and 0 <= child < len(graph.subgraphs):
                inner_ops += [(graph.subgraphs[child], o) for o in graph.subgraphs[child].operators]
    if measured is not None and sg is not None:
        key = kernel_key(sg, op)
        if fields and key in measured.control_flow_extra:
            inner = [_op_stack(graph, calib, o, depth + 1, measured, s, notes) for s, o in inner_ops]
            if all(x is not None for x in inner):
                return measured.control_flow_extra[key] + max(inner + [0])
        elif not fields and key in measured.stack_by_kernel:
            return measured.stack_by_kernel[key]
        if calib.kind == "firmware":
            return _firmware_stand_in(graph, calib, op, key, depth, measured, inner_ops, notes)
        if notes is not None:
            note = f"stack of {key}: not measured in the calibration, static-analysis bound"
            if note not in notes:
                notes.append(note)
    if fields and depth < 8:
        inner = [_op_stack(graph, calib, o, depth + 1) for _, o in inner_ops]
        refined = calib.stack_for_control_flow(op.opcode, inner)
        if refined is not None:
            return refined
    return calib.stack_for(op.opcode)


def _firmware_stand_in(graph: ModelGraph, calib, op, key: str, depth: int, measured, inner_ops, notes) -> int | None:
    """A kernel path the user's firmware never ran while it was calibrated: the deepest operator of
    the same type it ran (plus what the subgraphs a control-flow op runs need) or, for a type it
    never ran, its deepest operator overall; with no per-operator marks, its whole-run stack."""
    same = calib.stack_for(op.opcode)
    if same is not None:
        why = (f"not run by the model {calib.name!r} was calibrated with; the deepest {op.opcode} it ran, "
               f"{same:,} B, stands for it")
        stack = same
    elif measured.stack_by_kernel:
        # a control-flow op's figure holds the subgraph it ran: a kernel stands in, if there is one
        kernels = [k for k in measured.stack_by_kernel if k.split("/")[0] not in CONTROL_FLOW] or \
            list(measured.stack_by_kernel)
        deepest = max(kernels, key=lambda k: (measured.stack_by_kernel[k], k))
        stack = measured.stack_by_kernel[deepest]
        why = (f"{op.opcode} not run by the calibration model {calib.name!r}; its deepest operator, "
               f"{stack:,} B ({deepest}), stands for it")
    else:
        stack = measured.invoke_floor or None
        why = f"calibration {calib.name!r} has no per-operator marks; its whole-run stack stands for it"
    if notes is not None:
        note = f"stack of {key}: {why}"
        if note not in notes:
            notes.append(note)
    if stack is not None and inner_ops:
        inner = [_op_stack(graph, calib, o, depth + 1, measured, s, notes) for s, o in inner_ops]
        stack = max([stack] + [x for x in inner if x is not None])
    return stack


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
        from simprof.core.errors import PlatformError
        raise PlatformError(f"unknown platform {platform!r}", fix=f"use one of {', '.join(known)} or 'generic'")


def _per_operator(graph, life, arena_plan, setup, calib, scratch, measured=None, notes=None) -> list[OpEstimate]:
    # (first, last, size, end) of every planned buffer that takes space, by first use: an operator's
    # scope [a, b] sees the buffers with first <= b and last >= a
    spans = sorted((buf.first, buf.last, buf.size, off + buf.size)
                   for buf, off in zip(arena_plan.buffers, arena_plan.offsets) if buf.size > 0)
    scratch_of: dict = {}
    for r in scratch:
        scratch_of[(r.subgraph, r.node)] = scratch_of.get((r.subgraph, r.node), 0) + r.nbytes
    out = []
    for sg in graph.subgraphs:
        for op in sg.operators:
            a, b = life.op_scopes.get((sg.index, op.index), (-1, -1))
            extent = live_sum = 0
            if a >= 0:
                for first, last, size, end in spans:
                    if first > b:
                        break
                    if last >= a:
                        live_sum += size
                        extent = end if end > extent else extent
            stack = _op_stack(graph, calib, op, 0, measured, sg, notes) if calib is not None else None
            total = extent + setup.tail_bytes + stack if stack is not None else None
            out.append(OpEstimate(sg.index, op.index, op.opcode, extent, live_sum,
                                  scratch_of.get((sg.index, op.index), 0), setup.tail_bytes,
                                  setup.op_tail_bytes.get((sg.index, op.index), 0), stack, total))
    return out
