"""Step 3 (lossy): structured channel pruning.

Every activation tensor's last axis (NHWC channels; features of a FULLY_CONNECTED output) is a row
of channel positions. Operators tie positions together: ADD/MUL and unary ops tie channel c of
every input and the output, DEPTHWISE_CONV_2D ties output k to input k // multiplier,
CONCATENATION on the channel axis ties input i's c to the output's offset_i + c, a flattening
RESHAPE ties every flat position p to the input's channel p % C. A union-find over the positions
gives the units that can only be removed together. A unit can be pruned when it contains an
output channel of a CONV_2D or FULLY_CONNECTED (where channels are created) and no position of
a graph input, graph output or tensor of an operator this module does not know: removing it
deletes those filter rows (and bias, per-channel scales), the matching input slices of every
consumer (CONV_2D input channels, FULLY_CONNECTED columns, DEPTHWISE filters, constant operands
of ADD/MUL), and shrinks every tensor's shape. int8 (per-channel or per-tensor) and float32.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from . import _rewrite as rw

SOURCES = ("CONV_2D", "FULLY_CONNECTED")
UNARY = ("RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU", "QUANTIZE",
         "DEQUANTIZE", "AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D", "ABS", "NEG", "PRELU")
BINARY = ("ADD", "MUL", "SUB", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE")


@dataclass(frozen=True)
class Unit:
    """Channel positions that go together: (tensor, positions) pairs, and the CONV_2D/FC output
    channels among them as (operator, channel)."""
    uid: int
    positions: tuple[tuple[int, tuple[int, ...]], ...]
    sources: tuple[tuple[int, int], ...]
    importance: float          # sum over its source channels of weight L1 / the layer's mean L1
    tail_bytes: int = 0        # expected persistent-tail saving: TFLM's CONV_2D/DEPTHWISE_CONV_2D (and
                               # per-channel FC) keep two 4-byte arrays per output channel, 16-aligned

    def removed_from(self, tensor: int) -> int:
        return sum(len(p) for t, p in self.positions if t == tensor)


@dataclass(frozen=True)
class Analysis:
    units: tuple[Unit, ...]                 # prunable units only
    channels: dict                          # activation tensor -> its last-axis length
    bytes_per_position: dict                # activation tensor -> bytes one position costs
    layers: dict                            # source op -> (opcode, output tensor name, channels)


class _UF:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, a):
        p = self.parent.setdefault(a, a)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[a] = p
        return p

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _const(model, t) -> np.ndarray | None:
    tensor = model.subgraphs[0].tensors[t]
    data = model.buffers[tensor.buffer].data if tensor.buffer < len(model.buffers) else None
    if data is None or len(data) == 0:
        return None
    arr = np.frombuffer(np.asarray(data, np.uint8).tobytes(), rw.NUMPY_OF.get(tensor.type, np.uint8))
    return arr.reshape([int(d) for d in tensor.shape]) if tensor.shape is not None and len(tensor.shape) else arr


def _shape(model, t) -> list[int]:
    s = model.subgraphs[0].tensors[t].shape
    return [int(d) for d in s] if s is not None else []


def _options(op):
    return op.builtinOptions


def analyse(model: schema.ModelT) -> Analysis:
    sg = model.subgraphs[0]
    const = {t for t in range(len(sg.tensors)) if _const(model, t) is not None}
    acts = {t for t in range(len(sg.tensors)) if t not in const and len(_shape(model, t)) > 0}
    channels = {t: _shape(model, t)[-1] for t in acts}
    uf = _UF()
    blocked: set = set(sg.inputs) | set(sg.outputs)
    blocked |= {t for t in acts if sg.tensors[t].isVariable}
    sources: list = []
    per_channel_ops: set = set()   # output tensors of ops whose tail grows per output channel

    def tie_all(ts) -> None:
        ts = [t for t in ts if t in acts]
        if len({channels[t] for t in ts}) > 1:
            blocked.update(ts)
            return
        for t in ts[1:]:
            for c in range(channels[t]):
                uf.union((ts[0], c), (t, c))

    for i, op in enumerate(sg.operators):
        name = rw.opname(model, op)
        ins = [t for t in op.inputs if t >= 0]
        outs = [t for t in op.outputs if t >= 0]
        a_ins = [t for t in ins if t in acts]
        if name in SOURCES and outs and outs[0] in acts and len(ins) >= 2 and ins[1] in const:
            if name == "FULLY_CONNECTED" and len(_shape(model, outs[0])) != 2 and a_ins and \
                    _shape(model, a_ins[0])[-1] != _shape(model, ins[1])[1]:
                blocked.update(outs + a_ins)
                continue
            q = sg.tensors[ins[1]].quantization
            if name == "CONV_2D" or (q is not None and q.scale is not None and len(q.scale) > 1):
                per_channel_ops.add(outs[0])
            for c in range(channels[outs[0]]):
                sources.append((i, c, outs[0]))
                uf.find((outs[0], c))
        elif name == "DEPTHWISE_CONV_2D" and a_ins and outs and outs[0] in acts:
            per_channel_ops.add(outs[0])
            mult = channels[outs[0]] // max(1, channels[a_ins[0]])
            for k in range(channels[outs[0]]):
                uf.union((outs[0], k), (a_ins[0], k // mult))
        elif name in UNARY or name == "SOFTMAX":
            tie_all(a_ins[:1] + outs)
        elif name in BINARY:
            shapes = [_shape(model, t) for t in ins]
            cons_ok = all(t in acts or s[-1:] in ([1], [channels.get(outs[0], -1)]) or not s
                          for t, s in zip(ins, shapes))
            if not cons_ok or any(_shape(model, t) != _shape(model, outs[0]) for t in a_ins):
                blocked.update(a_ins + outs)
            else:
                tie_all(a_ins + outs)
        elif name == "CONCATENATION" and outs:
            rank = len(_shape(model, outs[0]))
            axis = _options(op).axis % rank if _options(op) is not None else rank - 1
            if not all(t in acts for t in ins):
                blocked.update(a_ins + outs)
            elif axis == rank - 1:
                off = 0
                for t in ins:
                    for c in range(channels[t]):
                        uf.union((t, c), (outs[0], off + c))
                    off += channels[t]
            else:
                tie_all(ins + outs)
        elif name in ("MEAN", "SUM", "REDUCE_MAX") and len(ins) == 2 and ins[1] in const:
            rank = len(_shape(model, ins[0]))
            axes = {int(a) % rank for a in np.ravel(_const(model, ins[1]))}
            if rank - 1 in axes:
                blocked.update(a_ins + outs)
            else:
                tie_all(a_ins[:1] + outs)
        elif name in ("PAD", "PADV2") and len(ins) >= 2 and ins[1] in const and \
                not np.any(_const(model, ins[1])[-1]):
            tie_all(a_ins[:1] + outs)
        elif name in ("RESHAPE", "SQUEEZE") and a_ins and outs:
            si, so = _shape(model, a_ins[0]), _shape(model, outs[0])
            if si[-1] == so[-1] and int(np.prod(si)) == int(np.prod(so)) and \
                    int(np.prod(si[:-1])) == 1:
                tie_all([a_ins[0], outs[0]])
            elif len(so) == 2 and so[0] == 1 and so[1] == int(np.prod(si)):
                ci = channels[a_ins[0]]
                for p in range(so[1]):
                    uf.union((outs[0], p), (a_ins[0], p % ci))
            else:
                blocked.update(a_ins + outs)
        else:
            blocked.update(a_ins + outs)

    for t in acts:   # every position gets a node
        for c in range(channels[t]):
            uf.find((t, c))
    groups: dict = {}
    for node in list(uf.parent):
        groups.setdefault(uf.find(node), []).append(node)
    src_of: dict = {}
    for i, c, t in sources:
        src_of.setdefault(uf.find((t, c)), []).append((i, c))
    l1 = _source_l1(model, {i for i, _, _ in sources})
    units = []
    for root, nodes in groups.items():
        if root not in src_of or any(t in blocked for t, _ in nodes):
            continue
        by_t: dict = {}
        for t, c in nodes:
            by_t.setdefault(t, []).append(c)
        pos = tuple(sorted((t, tuple(sorted(cs))) for t, cs in by_t.items()))
        if any(len(cs) >= channels[t] for t, cs in pos):
            continue   # a unit that is a whole tensor cannot go
        srcs = tuple(sorted(src_of[root]))
        tail = 8 * sum(len(cs) for t, cs in pos if t in per_channel_ops)
        units.append(Unit(len(units), pos, srcs, float(sum(l1[i][c] for i, c in srcs)), tail))
    bpp = {}
    for t in acts:
        tt = sg.tensors[t]
        item = np.dtype(rw.NUMPY_OF.get(tt.type, np.uint8)).itemsize
        bpp[t] = int(np.prod(_shape(model, t))) * item // max(1, channels[t])
    layers = {i: (rw.opname(model, sg.operators[i]), _name(sg.tensors[t]), channels[t])
              for i, _, t in sources}
    return Analysis(tuple(units), channels, bpp, layers)


def _name(t) -> str:
    return t.name.decode() if isinstance(t.name, bytes) else str(t.name)


def _dequant_filter(model, t) -> np.ndarray:
    w = _const(model, t).astype(np.float64)
    q = model.subgraphs[0].tensors[t].quantization
    if q is not None and q.scale is not None and len(q.scale):
        scale = np.asarray(q.scale, np.float64)
        zp = np.asarray(q.zeroPoint if q.zeroPoint is not None else [0] * len(scale), np.float64)
        if len(scale) > 1:
            shape = [1] * w.ndim
            shape[q.quantizedDimension] = -1
            w = (w - zp.reshape(shape)) * scale.reshape(shape)
        else:
            w = (w - zp[0]) * scale[0]
    return w


def _source_l1(model, ops) -> dict:
    sg = model.subgraphs[0]
    out = {}
    for i in ops:
        w = _dequant_filter(model, sg.operators[i].inputs[1])
        l1 = np.abs(w.reshape(w.shape[0], -1)).sum(axis=1)
        out[i] = l1 / max(float(l1.mean()), 1e-12)
    return out


def apply(data: bytes, units: list[Unit]) -> bytes:
    """The model without the channel positions of `units`."""
    model = rw.load(data)
    sg = model.subgraphs[0]
    removed: dict = {}
    for u in units:
        for t, ps in u.positions:
            removed.setdefault(t, set()).update(ps)
    old_shapes = {t: _shape(model, t) for t in range(len(sg.tensors))}

    def set_const(t: int, arr: np.ndarray) -> None:
        tensor = sg.tensors[t]
        model.buffers.append(rw.new_buffer(np.ascontiguousarray(arr).tobytes()))
        tensor.buffer = len(model.buffers) - 1
        tensor.shape = list(arr.shape)
        if tensor.shapeSignature is not None and len(tensor.shapeSignature):
            tensor.shapeSignature = list(arr.shape)

    def drop_quant(t: int, idx, axis_len: int) -> None:
        q = sg.tensors[t].quantization
        if q is None or q.scale is None or len(q.scale) <= 1 or len(q.scale) != axis_len:
            return
        keep = [k for k in range(axis_len) if k not in idx]
        q.scale = [q.scale[k] for k in keep]
        if q.zeroPoint is not None and len(q.zeroPoint) == axis_len:
            q.zeroPoint = [q.zeroPoint[k] for k in keep]

    for op in sg.operators:
        name = rw.opname(model, op)
        ins = list(op.inputs)
        out = op.outputs[0] if len(op.outputs) else -1
        r_out = sorted(removed.get(out, ()))
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") and len(ins) >= 2:
            w = _const(model, ins[1])
            if w is None:
                continue
            r_in = sorted(removed.get(ins[0], ()))
            if name == "CONV_2D":
                w = np.delete(np.delete(w, r_out, axis=0), r_in, axis=3)
                out_axis_len = old_shapes[ins[1]][0]
            elif name == "DEPTHWISE_CONV_2D":
                w = np.delete(w, r_out, axis=3)
                out_axis_len = old_shapes[ins[1]][3]
            else:
                c_last = old_shapes[ins[0]][-1]
                cols = [p for p in range(w.shape[1]) if (p % c_last) in set(r_in)] if r_in else []
                w = np.delete(np.delete(w, r_out, axis=0), cols, axis=1)
                out_axis_len = old_shapes[ins[1]][0]
            if r_out or r_in:
                set_const(ins[1], w)
            if r_out:
                drop_quant(ins[1], set(r_out), out_axis_len)
                if len(ins) >= 3 and ins[2] >= 0 and _const(model, ins[2]) is not None:
                    set_const(ins[2], np.delete(_const(model, ins[2]), r_out, axis=0))
                    drop_quant(ins[2], set(r_out), out_axis_len)
        elif name in BINARY and r_out:
            for t in ins:
                c = _const(model, t) if t >= 0 else None
                if c is not None and c.ndim and c.shape[-1] == old_shapes[out][-1] and c.shape[-1] > 1:
                    set_const(t, np.delete(c, r_out, axis=-1))
        elif name == "RESHAPE" and r_out:
            new_last = old_shapes[out][-1] - len(r_out)
            opts = op.builtinOptions
            if opts is not None and getattr(opts, "newShape", None) is not None and len(opts.newShape):
                ns = [int(v) for v in opts.newShape]
                if ns[-1] != -1:
                    ns[-1] = new_last
                opts.newShape = ns
            if len(ins) >= 2 and ins[1] >= 0 and _const(model, ins[1]) is not None:
                s = _const(model, ins[1]).copy()
                if s.ravel()[-1] != -1:
                    s.ravel()[-1] = new_last
                set_const(ins[1], s)
    for t, ps in removed.items():
        tensor = sg.tensors[t]
        shape = old_shapes[t]
        shape[-1] -= len(ps)
        tensor.shape = shape
        if tensor.shapeSignature is not None and len(tensor.shapeSignature):
            sig = [int(v) for v in tensor.shapeSignature]
            sig[-1] = shape[-1] if sig[-1] != -1 else -1
            tensor.shapeSignature = sig
    rw.drop_unreferenced(model)
    return rw.dump(model)
