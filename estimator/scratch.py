"""Scratch-buffer requests each kernel makes in Prepare (tflm-arena-facts.md §5). They are planned in
the head with the lifetime of their node. Reference kernels request scratch only for MEAN/SUM,
REDUCE_MAX/MIN and int4 filters; CMSIS-NN (Cortex-M4 DSP, GCC) adds im2col and sum buffers."""
from __future__ import annotations

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


def _reference(sg: Subgraph, op: Operator) -> list[tuple[int, str]]:
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
    elif op.opcode == "MIRROR_PAD":
        rank = len(_t(sg, op, 0).shape)
        out += [(4 * rank, "output element count per dimension"), (4 * rank, "input element count per dimension")]
    elif op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        w = _t(sg, op, 1)
        if w is not None and w.dtype == "int4":
            out.append((_elems(w), "unpacked int4 filter"))
    return out


def _ceil4(n: int) -> int:
    return (n + 3) // 4 * 4


def _cmsis(sg: Subgraph, op: Operator) -> list[tuple[int, str]]:
    x, w = _t(sg, op, 0), _t(sg, op, 1)
    if op.opcode == "CONV_2D" and x is not None and x.dtype == "int8" and len(w.shape) == 4:
        cin = x.shape[3]
        fc, kh, kw = w.shape[3], w.shape[1], w.shape[2]
        dil = (op.opt("DilationHFactor", 1), op.opt("DilationWFactor", 1))
        # a 1x1 kernel never pads, whatever the padding mode
        if kh == 1 and kw == 1 and dil == (1, 1) and cin == fc:
            return []  # 1x1 path: 0 bytes with GCC (4*C_in only with Arm Compiler 6)
        return [(4 * _ceil4(kh * kw * cin), "im2col (2 columns of int16)")]
    if op.opcode == "DEPTHWISE_CONV_2D" and x is not None and x.dtype == "int8" and len(w.shape) == 4:
        cin, cout, kh, kw = x.shape[3], w.shape[3], w.shape[1], w.shape[2]
        dil = (op.opt("DilationHFactor", 1), op.opt("DilationWFactor", 1))
        if cin == cout and x.shape[0] == 1 and dil == (1, 1):
            pad_ok = True  # SAME padding of a 3x3 kernel pads at most 1 on each axis
            if kh == 3 and kw == 3 and pad_ok:
                return []
            return [(cin * kh * kw * 2, "depthwise im2col")]
        return []
    if op.opcode == "FULLY_CONNECTED" and x is not None and x.dtype == "int8":
        y = _t(sg, op, 0, True)
        accum = w.shape[-1] if w.shape else 0
        per_channel = w.n_scales > 1
        if len(y.shape) > 2 and accum % 4 == 0 and not per_channel:
            return [(8 * y.shape[-1], "kernel sums (1x1 path)")]
        return []
    if op.opcode == "AVERAGE_POOL_2D" and x is not None and x.dtype == "int8":
        return [(4 * x.shape[3], "int32 accumulator per channel")]
    return _reference(sg, op) if op.opcode not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
                                                    "AVERAGE_POOL_2D") else []


def scratch_requests(model: ModelGraph, kernels: str) -> list[ScratchRequest]:
    """Every scratch request in TFLM's request order: subgraph by subgraph, node by node."""
    rule = _cmsis if kernels == "cmsis-nn" else _reference
    out = []
    for sg in model.subgraphs:
        for op in sg.operators:
            for nbytes, why in rule(sg, op):
                if kernels == "cmsis-nn" and nbytes == 0:
                    continue  # CMSIS-NN glue requests only sizes > 0
                out.append(ScratchRequest(sg.index, op.index, nbytes, f"{op.opcode}: {why}"))
    return out
