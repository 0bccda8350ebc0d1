"""Scratch-buffer requests each kernel makes in Prepare (tflm-arena-facts.md §5). They are planned in
the head with the lifetime of their node. Reference kernels request scratch only for MEAN/SUM,
REDUCE_MAX/MIN and int4 filters; CMSIS-NN adds im2col, accumulator and sum buffers per core class
(cmsis_nn_rules.py)."""
from __future__ import annotations

from . import cmsis_nn_rules
from .lifetimes import ScratchRequest
from simprof.model.reader import ModelGraph, Operator, Subgraph


def _t(sg: Subgraph, op: Operator, k: int, outputs: bool = False):
    idx = (op.outputs if outputs else op.inputs)
    if k >= len(idx) or idx[k] < 0:
        return None
    return sg.tensors[idx[k]]


def _elems(t) -> int:
    n = 1
    for d in t.shape:
        n *= d
    return n


def _reference(sg: Subgraph, op: Operator, ptr: int = 4) -> list[tuple[int, str]]:
    out = []
    if op.opcode in ("MEAN", "SUM"):
        x, axis, y = _t(sg, op, 0), _t(sg, op, 1), _t(sg, op, 0, True)
        if x.dtype in ("int8", "int16"):
            out.append((4 * _elems(y), "int32 accumulator per output element"))
        out.append((4 * len(x.shape), "temp index per input dimension"))
        out.append((4 * _elems(axis), "resolved axis"))
    elif op.opcode in ("REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL", "REDUCE_ANY", "REDUCE_PROD"):
        x, axis = _t(sg, op, 0), _t(sg, op, 1)
        out.append((4 * len(x.shape), "temp index per input dimension"))
        out.append((4 * _elems(axis), "resolved axis"))
    elif op.opcode == "TRANSPOSE_CONV":
        x, b, y = _t(sg, op, 2), _t(sg, op, 3), _t(sg, op, 0, True)
        if x is not None and x.dtype in ("int8", "int16"):
            out.append(((4 if x.dtype == "int8" else 8) * _elems(y), "accumulator per output element"))
        if x is not None and x.dtype == "int16" and b is not None and b.dtype == "int16":
            out.append((8 * _elems(b), "bias widened to int64"))
    elif op.opcode == "SVDF":
        x, wf, y = _t(sg, op, 0), _t(sg, op, 1), _t(sg, op, 0, True)
        out.append((4 * x.shape[0] * wf.shape[0], "time-weighted state per filter"))
        if x.dtype == "int8":
            out.append((4 * _elems(y), "int32 output accumulator"))
    elif op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        cell = _t(sg, op, 19)
        if cell is not None:  # without a cell state the kernel's Prepare refuses the model
            out += [((4 if cell.dtype == "float32" else 2) * _elems(cell), f"gate buffer {i} (batch x state cells)")
                    for i in range(4)]
    elif op.opcode == "MIRROR_PAD":
        rank = len(_t(sg, op, 0).shape)
        out += [(4 * rank, "output element count per dimension"), (4 * rank, "input element count per dimension")]
    elif op.opcode == "ADD_N":
        out.append((ptr * len(op.inputs), "one data pointer per input"))
    elif op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        w = _t(sg, op, 1)
        if w is not None and w.dtype == "int4":
            out.append((_elems(w), "unpacked int4 filter"))
    return out


def scratch_requests(model: ModelGraph, kernels: str, core: str = cmsis_nn_rules.DEFAULT_CORE_CLASS,
                     ptr_bytes: int = 4) -> list[ScratchRequest]:
    """Every scratch request in TFLM's request order: subgraph by subgraph, node by node.
    core: the CMSIS-NN core class ("none", "dsp", "mve"; cmsis_nn_rules.core_class).
    ptr_bytes: the target's pointer size (ADD_N asks for one pointer per input)."""
    out = []
    for sg in model.subgraphs:
        for op in sg.operators:
            rule = cmsis_nn_rules.scratch(sg, op, core) if kernels == "cmsis-nn" else None
            for nbytes, why in (rule if rule is not None else _reference(sg, op, ptr_bytes)):
                if kernels == "cmsis-nn" and nbytes == 0 and op.opcode not in cmsis_nn_rules.ZERO_SIZE_REQUESTS:
                    continue  # CMSIS-NN glue requests only sizes > 0 (TRANSPOSE_CONV: every size)
                out.append(ScratchRequest(sg.index, op.index, nbytes, f"{op.opcode}: {why}"))
    return out
