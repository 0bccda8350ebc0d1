"""16x8 layers on a `Graph`: int16 activations with int8 per-channel weights and int64 biases,
TFLite's "16x8" post-training quantization, for graphs whose dtype is "int8" (the quantized
variant of a family); a float32 graph gets the same layers in float. Both variants draw the same
real weights from the graph's generator in the same order and name their tensors alike, so the
float twin's observed ranges (`Graph.calibration`) set the int16 scales, as for int8."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from simprof.model.builder import Quant, schema

from .act import Act
from .layers import Graph, conv_out


def _q16(g: Graph, name: str, lo: float, hi: float) -> Quant:
    lo, hi = g.calibration.get(name, (lo, hi))
    return Quant.per_tensor(max(abs(lo), abs(hi), 1e-4) / 32767, 0)


def _act_out(g: Graph, kind: str, shape: Sequence[int], mean: float, std: float, lo: float, hi: float) -> Act:
    if g.dtype == "float32":
        return g._new(kind, shape, mean, std, lo, hi)
    name = g._name(kind)
    return Act(g.sg.tensor(name, shape, "int16", _q16(g, name, lo, hi)), mean, std, lo, hi)


def input16(g: Graph, shape: Sequence[int], lo: float = -1.0, hi: float = 1.0) -> Act:
    if g.dtype == "float32":
        return g.input(shape, lo, hi)
    ref = g.sg.input(g._name("input"), shape, "int16", Quant.per_tensor(max(abs(lo), abs(hi)) / 32767, 0))
    g.input_ranges.append((lo, hi))
    return Act(ref, (lo + hi) / 2, (hi - lo) / math.sqrt(12), lo, hi)


def _post(std: float, act: str) -> tuple[float, float, float, float]:
    if act == "NONE":
        return 0.0, std, -3 * std, 3 * std
    return 0.4 * std, 0.6 * std, 0.0, min(3 * std, 6.0 if act == "RELU6" else math.inf)


def _weights(g: Graph, x: Act, shape: tuple[int, ...], fan_in: int, axis: int, act: str, prefix: str):
    """(filter ref, bias ref, std): int8 per-channel filter and int64 bias for int16 inputs."""
    out_ch = shape[axis]
    gain = g.rng.uniform(0.5, 1.5, out_ch) * (math.sqrt(2.0) if act != "NONE" else 1.0)
    amp = gain * math.sqrt(3.0 / fan_in)
    bshape = [1] * len(shape)
    bshape[axis] = out_ch
    w_real = g.rng.uniform(-1, 1, shape) * amp.reshape(bshape)
    std = x.rms * float(np.sqrt(np.mean(gain ** 2)))
    b_real = g.rng.normal(0, 0.1 * std, out_ch)
    wname, bname = g._name(prefix + "_w"), g._name(prefix + "_b")
    if g.dtype == "float32":
        return (g.sg.const(wname, w_real.astype(np.float32), "float32"),
                g.sg.const(bname, b_real.astype(np.float32), "float32"), std)
    w_scale = amp / 127.0
    wq = np.clip(np.round(w_real / w_scale.reshape(bshape)), -127, 127).astype(np.int8)
    b_scale = x.ref.quant.scale[0] * w_scale
    return (g.sg.const(wname, wq, "int8", Quant.per_channel(w_scale, axis)),
            g.sg.const(bname, np.round(b_real / b_scale).astype(np.int64), "int64", Quant.per_channel(b_scale, 0)), std)


def _opt(cls, **kw):
    o = cls()
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def conv16(g: Graph, x: Act, filters: int, kernel: int = 3, stride: int = 1, padding: str = "SAME",
           act: str = "RELU") -> Act:
    n, h, w, c = x.shape
    wt, b, std = _weights(g, x, (filters, kernel, kernel, c), kernel * kernel * c, 0, act, "conv")
    y = _act_out(g, "conv", (n, conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding), filters),
                 *_post(std, act))
    g.sg.op("CONV_2D", [x.ref, wt, b], [y.ref], _opt(
        schema.Conv2DOptionsT, padding=getattr(schema.Padding, padding), strideW=stride, strideH=stride,
        dilationWFactor=1, dilationHFactor=1, fusedActivationFunction=getattr(schema.ActivationFunctionType, act)))
    return y


def depthwise16(g: Graph, x: Act, kernel: int = 3, stride: int = 1, padding: str = "SAME", act: str = "RELU") -> Act:
    n, h, w, c = x.shape
    wt, b, std = _weights(g, x, (1, kernel, kernel, c), kernel * kernel, 3, act, "dw")
    y = _act_out(g, "dwconv", (n, conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding), c),
                 *_post(std, act))
    g.sg.op("DEPTHWISE_CONV_2D", [x.ref, wt, b], [y.ref], _opt(
        schema.DepthwiseConv2DOptionsT, padding=getattr(schema.Padding, padding), strideW=stride, strideH=stride,
        depthMultiplier=1, dilationWFactor=1, dilationHFactor=1,
        fusedActivationFunction=getattr(schema.ActivationFunctionType, act)))
    return y


def fc16(g: Graph, x: Act, units: int, act: str = "NONE") -> Act:
    depth = x.shape[-1]
    wt, b, std = _weights(g, x, (units, depth), depth, 0, act, "fc")
    y = _act_out(g, "fc", (int(np.prod(x.shape[:-1])), units), *_post(std, act))
    g.sg.op("FULLY_CONNECTED", [x.ref, wt, b], [y.ref], _opt(
        schema.FullyConnectedOptionsT, fusedActivationFunction=getattr(schema.ActivationFunctionType, act)))
    return y


def pool16(g: Graph, x: Act, pool: int = 2, avg: bool = True) -> Act:
    n, h, w, c = x.shape
    # TFLM's pooling requires the input's quantization on the output
    y = g._like("pool", x, (n, conv_out(h, pool, pool, "VALID"), conv_out(w, pool, pool, "VALID"), c))
    g.sg.op("AVERAGE_POOL_2D" if avg else "MAX_POOL_2D", [x.ref], [y.ref], _opt(
        schema.Pool2DOptionsT, padding=schema.Padding.VALID, strideW=pool, strideH=pool, filterWidth=pool,
        filterHeight=pool))
    return y


def add16(g: Graph, a: Act, b: Act, act: str = "NONE") -> Act:
    std = math.sqrt(a.std ** 2 + b.std ** 2)
    y = _act_out(g, "add", a.shape, a.mean + b.mean, std, a.lo + b.lo, a.hi + b.hi)
    g.sg.op("ADD", [a.ref, b.ref], [y.ref], _opt(schema.AddOptionsT,
                                                fusedActivationFunction=getattr(schema.ActivationFunctionType, act)))
    return y
