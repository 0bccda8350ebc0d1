"""Replay TFLM's setup (interpreter construction, AllocateTensors) allocation by allocation, in the
order of tflm-arena-facts.md §3-§4, on an ArenaSim: the final tail with its recorded categories, and
the transient peak (temp tensors during Prepare, the planner's working area) that sets the
minimum arena."""
from __future__ import annotations

from dataclasses import dataclass

from simprof.core.errors import ModelFormatError

from . import cmsis_nn_rules
from .abi import PLANNER_BYTES_PER_BUFFER, SCRATCH_REQUESTS_RESERVED, Abi, op_cost
from .lifetimes import Lifetimes, ScratchRequest
from .prepare_rules_b import prepare_persistent_b, quantized_input
from .tail import ArenaSim
from simprof.model.reader import ModelGraph, Operator, Subgraph

CAT_EVAL = "TfLiteEvalTensor data"
CAT_IO = "Persistent TfLiteTensor data"
CAT_IOQ = "Persistent TfLiteTensor quantization data"
CAT_BUF = "Persistent buffer data"
CAT_VAR = "TfLiteTensor variable buffer data"
CAT_NODE = "NodeAndRegistration struct"


@dataclass(frozen=True)
class SetupConfig:
    recording: bool            # RecordingMicroAllocator (the Python wrapper) or the plain one
    kernels: str               # "reference" | "cmsis-nn"
    python_resource_vars: bool  # the Python wrapper creates MicroResourceVariables on the arena
    variant: str = "arm-eabi"  # "wheel" (TFLM inside the tflite-micro wheel) or the ABI name
    runtime: str = "tflm"
    core: str = "dsp"          # CMSIS-NN core class (cmsis_nn_rules.core_class)
    end_mod: int = 0           # arena end address mod 16 (the start is 16-aligned)


@dataclass(frozen=True)
class SetupResult:
    tail_bytes: int
    categories: dict           # name -> (used, requested, count)
    need_bytes: int            # smallest arena (aligned start, 16-aligned end) for setup to succeed
    need_stage: str            # which step set it
    op_tail_bytes: dict        # (subgraph, node) -> tail bytes the operator added (options, OpData, Prepare)
    unknown: tuple[str, ...]   # what could not be computed, in words
    temp_hwm: int = 0          # highest end of temp allocations during setup (from the arena start)
    planner_hwm: int = 0       # end of the planner's written working area
    trace: tuple = ()          # the allocator steps (tail.replay them for another arena end)


def _tensor(sg: Subgraph, idx: int):
    return sg.tensors[idx] if 0 <= idx < len(sg.tensors) else None


@dataclass(frozen=True)
class _TempSizes:
    """The sizes a temp TfLiteTensor takes, looked up once per estimate (hot path)."""
    tensor: tuple[int, int]
    quant: tuple[int, int]
    ptr: int

    @classmethod
    def of(cls, abi: Abi) -> "_TempSizes":
        return cls(abi.size("TfLiteTensor"), abi.size("TfLiteAffineQuantization"), abi.ptr)


def _temp_tensor(sim: ArenaSim, sizes: _TempSizes, t) -> None:
    sim.alloc_temp(*sizes.tensor)
    if t.quantized:
        q = sim.alloc_temp(*sizes.quant)
        sim.alloc_temp(4 + 4 * t.n_scales, 4)
        # After this TFLM reads only the zero_point pointer of TfLiteAffineQuantization
        # {scale, zero_point, quantized_dimension} (to free the temporary); kernels use the
        # tensor's scalar scale and zero point. So a persistent buffer may overwrite the rest.
        sim.mark_unread(q, q + sizes.ptr, q + 2 * sizes.ptr)


def _temps_for(tokens, sg: Subgraph, op: Operator):
    """Expand the temp-sequence tokens of op_costs.json into tensor lists, 'P' kept as a marker."""
    first_in = _tensor(sg, op.inputs[0]) if op.inputs else None
    for tok in tokens:
        if tok == "P":
            yield "P"
            continue
        if tok.startswith("raw:"):
            # a raw temp buffer: raw:<bytes per filter channel>@<alignment>, only for per-channel filters
            per, align = tok[4:].split("@")
            w = _tensor(sg, op.inputs[1]) if len(op.inputs) > 1 else None
            if w is not None and w.n_scales > 1:
                yield ("raw", int(per) * w.n_scales, int(align))
            continue
        cond = None
        if "|" in tok:
            tok, cond = tok.split("|", 1)
        if cond == "int8" and not (first_in is not None and first_in.dtype in ("int8", "int16")):
            continue
        if cond == "int8only" and not (first_in is not None and first_in.dtype == "int8"):
            continue
        if cond == "int8@2" and not quantized_input(sg, op, 2):
            continue
        optional = tok.endswith("?")
        tok = tok.rstrip("?")
        idx_list = op.outputs if tok[0] == "o" else op.inputs
        picks = range(len(idx_list)) if tok[1:] == "*" else range(1, len(idx_list)) if tok[1:] == "+" else [int(tok[1:])]
        for k in picks:
            if k >= len(idx_list) or idx_list[k] < 0:
                if not optional and tok[1:] not in ("*", "+"):
                    continue
                continue
            yield sg.tensors[idx_list[k]]


def _prepare_persistent(rule: str | None, sg: Subgraph, op: Operator, cfg: SetupConfig,
                        resource_sizes: dict, abi=None) -> list[int]:
    """Sizes of the P16 allocations a kernel's Prepare makes (facts §3b). An operator without the
    inputs or ranks its kernel reads is a corrupt model (the kernel's Prepare rejects it too)."""
    if rule is None:
        return []
    try:
        return _prepare_sizes(rule, sg, op, cfg, resource_sizes, abi)
    except (IndexError, AttributeError, TypeError) as exc:
        raise ModelFormatError(
            f"operator {op.index} ({op.opcode}) of subgraph {sg.index} lacks the inputs or tensor ranks "
            f"its kernel needs ({exc})", fix="re-export the model") from None


def _prepare_sizes(rule: str, sg: Subgraph, op: Operator, cfg: SetupConfig, resource_sizes: dict,
                   abi=None) -> list[int]:
    x = _tensor(sg, op.inputs[0]) if op.inputs else None
    w = _tensor(sg, op.inputs[1]) if len(op.inputs) > 1 else None
    if rule == "conv_per_channel":
        if cfg.kernels == "cmsis-nn" and x.dtype not in ("int8", "int16"):
            return []
        return [4 * w.shape[0]] * 2
    if rule == "dw_per_channel":
        if cfg.kernels == "cmsis-nn" and x.dtype not in ("int8", "int16"):
            return []
        return [4 * w.shape[3]] * 2
    if rule == "fc_per_channel":
        out = [4 * w.n_scales] * 2 if w is not None and w.dtype != "float32" and w.n_scales > 1 else []
        if cfg.kernels == "cmsis-nn":
            sums = cmsis_nn_rules.fc_kernel_sums(sg, op, cfg.core)
            out += [sums] if sums else []
        return out
    if rule == "lstm_kernel_sums":
        return cmsis_nn_rules.lstm_kernel_sums(sg, op) if cfg.kernels == "cmsis-nn" else []
    if rule == "svdf":
        sums = cmsis_nn_rules.svdf_kernel_sums(sg, op, cfg.core) if cfg.kernels == "cmsis-nn" else 0
        return [sums] if sums else []
    if rule == "reshape_dims":
        y = _tensor(sg, op.outputs[0])
        return [4 + 4 * len(y.shape)] if y is not None and -1 in y.shape else []
    if rule == "always_dims_copy":
        y = _tensor(sg, op.outputs[0])
        return [4 + 4 * len(y.shape)]
    if rule == "log_softmax_int8":
        # LOG_SOFTMAX has no Init: its Prepare takes LogSoftmaxOpData for int8 only
        return [abi.size("ref_LogSoftmaxOpData")[0]] if x is not None and x.dtype == "int8" else []
    if rule == "softmax_int16_lut":
        return [513 * 2, 513 * 2] if x is not None and x.dtype == "int16" else []
    if rule == "add_n_int8":
        # ADD_N's int8 OpData (10 ints) is taken in Prepare, not Init
        return [40] if x is not None and x.dtype == "int8" else []
    if rule == "assign_variable":
        # the first ASSIGN_VARIABLE of a resource allocates its buffer (MicroResourceVariables)
        name = resource_sizes.get(("handle", sg.index, op.inputs[0]))
        value = _tensor(sg, op.inputs[1])
        if name is not None and name not in resource_sizes.setdefault("allocated", set()):
            resource_sizes["allocated"].add(name)
            return [value.nbytes]
        return []
    sizes = prepare_persistent_b(rule, sg, op, cfg.variant)
    if sizes is not None:
        return sizes
    raise KeyError(rule)


def _resource_names(model: ModelGraph) -> dict:
    """Map each resource-handle tensor to its VAR_HANDLE shared name."""
    out: dict = {}
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.opcode == "VAR_HANDLE" and op.outputs:
                out[("handle", sg.index, op.outputs[0])] = (op.opt("Container", ""), op.opt("SharedName", ""))
    return out


def simulate_setup(model: ModelGraph, abi: Abi, cfg: SetupConfig, life: Lifetimes,
                   scratch: list[ScratchRequest], planned_head: int) -> SetupResult:
    sim = ArenaSim(end_mod=cfg.end_mod, trace=[])
    unknown: list[str] = []
    variant = "cmsis-nn" if cfg.kernels == "cmsis-nn" else cfg.variant
    req_size, _ = abi.size("ScratchBufferRequest")

    # 1-3: interpreter construction
    sim.persist(*abi.size("RecordingSingleArenaBufferAllocator" if cfg.recording else "SingleArenaBufferAllocator"))
    sim.persist(*abi.size("GreedyMemoryPlanner"))
    sim.persist(*abi.size("RecordingMicroAllocator" if cfg.recording else "MicroAllocator"))
    # the wrapper sizes the table by unique shared names (count_resource_variables in runtime.py)
    n_resources = len({name for _, name in _resource_names(model).values()})
    if cfg.python_resource_vars and n_resources:
        sim.stage = "resource variables"
        s, a = abi.size("MicroResourceVariables")
        sim.persist(s, 16, CAT_BUF)
        s, a = abi.size("MicroResourceVariable")
        sim.persist(s * n_resources, 16, CAT_BUF)

    # 4-7: StartModelAllocation
    sim.stage = "StartModelAllocation"
    sim.persist(*abi.size("MicroBuiltinDataAllocator"))
    sim.resize_head(SCRATCH_REQUESTS_RESERVED * req_size)
    s, a = abi.size("SubgraphAllocations")
    sim.persist(s * len(model.subgraphs), a)
    s, a = abi.size("TfLiteEvalTensor")
    for sg in model.subgraphs:
        sim.persist(s * len(sg.tensors), a, CAT_EVAL, len(sg.tensors))
    s, a = abi.size("NodeAndRegistration")
    for sg in model.subgraphs:
        sim.persist(s * len(sg.operators), a, CAT_NODE, len(sg.operators))

    op_tail: dict = {}
    # 8: builtin options, op by op
    sim.stage = "parse builtin options"
    for sg in model.subgraphs:
        for op in sg.operators:
            cost = op_cost(op.opcode)
            if cost is None:
                unknown.append(f"{op.opcode} (subgraph {sg.index}, node {op.index}): options, OpData, "
                               "Prepare allocations and temp tensors unknown (counted as 0)")
                continue
            if cost.options:
                op_tail[(sg.index, op.index)] = sim.persist(*abi.size(cost.options))

    # 9: kernel Init
    sim.stage = "Init"
    for sg in model.subgraphs:
        for op in sg.operators:
            cost = op_cost(op.opcode)
            if cost is None:
                continue
            name = cost.opdata.get(cfg.kernels) or cost.opdata.get("reference")
            size = abi.size(name)[0] if name else 0
            if size:  # 0: this build of TFLM registers the kernel without an Init
                op_tail[(sg.index, op.index)] = op_tail.get((sg.index, op.index), 0) + sim.persist(size, 16, CAT_BUF)

    # 10: Prepare, node by node: temps accumulate until the node ends
    temp_sizes = _TempSizes.of(abi)
    resources = _resource_names(model)
    r_so_far = 0
    by_node: dict = {}
    for r in scratch:
        by_node[(r.subgraph, r.node)] = by_node.get((r.subgraph, r.node), 0) + 1
    for sg in model.subgraphs:
        for op in sg.operators:
            cost = op_cost(op.opcode)
            sim.stage = f"Prepare {op.opcode} (subgraph {sg.index}, node {op.index})"
            if cost is not None:
                persistent = _prepare_persistent(cost.prepare, sg, op, cfg, resources, abi)
                done = False
                live = False  # temporaries of this kernel are in use at the persistent point
                for item in _temps_for(cost.temps_for(variant), sg, op):
                    if isinstance(item, tuple):
                        sim.alloc_temp(item[1], item[2])
                        live = True
                    elif item == "P":
                        for n in persistent:
                            added = sim.persist_over_temps(n, 16, CAT_BUF) if live else sim.persist(n, 16, CAT_BUF)
                            op_tail[(sg.index, op.index)] = op_tail.get((sg.index, op.index), 0) + added
                        done = True
                    else:
                        _temp_tensor(sim, temp_sizes, item)
                        live = True
                if not done:
                    for n in persistent:
                        op_tail[(sg.index, op.index)] = op_tail.get((sg.index, op.index), 0) + sim.persist(n, 16, CAT_BUF)
            sim.reset_temp()
            r_so_far += by_node.get((sg.index, op.index), 0)
            sim.resize_head((r_so_far + SCRATCH_REQUESTS_RESERVED) * req_size)

    # 11-12: FinishModelAllocation
    sim.stage = "scratch handles and variables"
    if scratch:
        s, a = abi.size("ScratchBufferHandle")
        sim.persist(s * len(scratch), a)
    offline_vars = {(b.subgraph, b.index) for b in life.buffers if b.kind == "tensor"}
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.is_variable and (sg.index, t.index) not in offline_vars:
                sim.persist(t.nbytes, 16, CAT_VAR)

    # planning: temp allocation-info records, then the planner's working area
    sim.stage = "memory planning"
    s, a = abi.size("size_t")
    sim.alloc_temp(s * len(model.subgraphs), a)
    s, a = abi.size("AllocationInfo")
    sim.alloc_temp(s * (life.total_tensors + len(scratch)), a)
    # simprof-rt hands the planner exactly 40 B per buffer and fills it; TFLM hands it all free
    # memory and writes the 16 B requirement records at its start (its other arrays lie far away)
    written = PLANNER_BYTES_PER_BUFFER if cfg.runtime == "simprof-rt" else 16
    sim.planner_area(len(life.buffers), PLANNER_BYTES_PER_BUFFER, written * len(life.buffers))
    sim.reset_temp()
    sim.resize_head(planned_head)

    # 13-15: the I/O tensor records of subgraph 0
    sim.stage = "I/O tensors"
    main = model.main
    ts, ta = abi.size("TfLiteTensor")
    qs, qa = abi.size("TfLiteAffineQuantization")
    for ios in (main.inputs, main.outputs):
        sim.persist(abi.ptr * len(ios), 16, CAT_BUF)
        for idx in ios:
            t = main.tensors[idx]
            sim.persist(ts, ta, CAT_IO)
            if t.quantized:
                sim.persist(qs, qa, CAT_IOQ)
                sim.persist(4 + 4 * t.n_scales, 4, CAT_IOQ)

    cats = {k: (v.used, v.requested, v.count) for k, v in sim.categories.items() if v.used or v.requested}
    # the smallest arena whose end lies at end_mod (mod 16) and that every step fitted
    need = sim.need + (cfg.end_mod - sim.need) % 16
    return SetupResult(sim.tail, cats, need, sim.need_stage, op_tail, tuple(unknown),
                       sim.temp_hwm, sim.planner_hwm, tuple(sim.trace))
