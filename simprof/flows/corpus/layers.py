"""Layer helpers on top of the builder: shapes, weights and realistic quantization in one call.

`Graph` tracks, for every activation, an estimate of its real-valued mean and standard deviation and
the range it is quantized over. Weights are drawn Xavier-style (variance 1/fan-in, per-channel gain
0.5–1.5), so the activation scale stays stable down long chains and int8 outputs neither saturate nor
collapse to one value. Everything is drawn from one seeded generator: same seed, same bytes.
"""
from __future__ import annotations

import math
from typing import Literal, Sequence

import numpy as np

from simprof.model.builder import BuilderError, ModelBuilder, Quant, SubgraphBuilder, TensorRef, schema
from .act import PADDINGS as _PAD
from .act import Act
from .layers_shape import ShapeOps

Activation = Literal["NONE", "RELU", "RELU6"]
Padding = Literal["SAME", "VALID"]
_ACT = {"NONE": schema.ActivationFunctionType.NONE, "RELU": schema.ActivationFunctionType.RELU,
        "RELU6": schema.ActivationFunctionType.RELU6}
def quant_for_range(lo: float, hi: float) -> Quant:
    """Asymmetric int8 quantization of [lo, hi], widened to contain 0 (TFLite requires 0 to be exact)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-3
    scale = (hi - lo) / 255.0
    zp = int(np.clip(round(-128 - lo / scale), -128, 127))
    return Quant.per_tensor(scale, zp)


def conv_out(size: int, kernel: int, stride: int, padding: str, dilation: int = 1) -> int:
    eff = (kernel - 1) * dilation + 1
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size - eff + stride) // stride


class Graph(ShapeOps):
    """Builds one subgraph of int8 (per-channel weights) or float32 layers."""

    def __init__(self, model: ModelBuilder, dtype: Literal["int8", "float32"] = "int8", seed: int = 0,
                 name: str = "main", subgraph: SubgraphBuilder | None = None,
                 calibration: dict[str, tuple[float, float]] | None = None) -> None:
        """`calibration` maps tensor names to observed (min, max) real values, e.g. from running the
        float32 twin of this graph (see `calibrate`): int8 scales then follow the real data, as in
        TFLite's post-training quantization, instead of the statistical estimate."""
        if dtype not in ("int8", "float32"):
            raise BuilderError(f"Graph dtype must be int8 or float32, not {dtype!r}")
        self.model = model
        self.sg = subgraph or model.subgraph(name)
        self.dtype = dtype
        self.rng = np.random.default_rng(seed)
        self._n = 0
        self.calibration = calibration or {}
        self.input_ranges: list[tuple[float, float]] = []

    # -- plumbing --------------------------------------------------------------------------------------
    def _name(self, kind: str) -> str:
        self._n += 1
        return f"{kind}_{self._n}"

    def _new(self, kind: str, shape: Sequence[int], mean: float, std: float, lo: float, hi: float,
             dtype: str | None = None, quant: Quant | None = None) -> Act:
        dtype = dtype or self.dtype
        name = self._name(kind)
        if dtype == "int8" and quant is None:
            lo, hi = self.calibration.get(name, (lo, hi))
            quant = quant_for_range(lo, hi)
        ref = self.sg.tensor(name, shape, dtype, quant if dtype in ("int8", "int16") else None)
        return Act(ref, mean, max(std, 1e-6), lo, hi)

    def _like(self, kind: str, x: Act, shape: Sequence[int] | None = None, **stats: float) -> Act:
        """A tensor with the input's quantization (for ops that move values without rescaling them)."""
        s = dict(mean=x.mean, std=x.std, lo=x.lo, hi=x.hi)
        s.update(stats)
        return self._new(kind, shape if shape is not None else x.shape, dtype=x.ref.dtype, quant=x.ref.quant, **s)

    def input(self, shape: Sequence[int], lo: float = -1.0, hi: float = 1.0, dtype: str | None = None) -> Act:
        dtype = dtype or self.dtype
        q = quant_for_range(lo, hi) if dtype == "int8" else None
        ref = self.sg.input(self._name("input"), shape, dtype, q)
        self.input_ranges.append((lo, hi))
        return Act(ref, (lo + hi) / 2, (hi - lo) / math.sqrt(12), lo, hi)

    def output(self, *xs: Act) -> None:
        self.sg.mark_outputs(*(x.ref for x in xs))

    def const_int32(self, values: Sequence[int], name: str = "shape") -> TensorRef:
        return self.sg.const(self._name(name), np.asarray(values, dtype=np.int32), "int32")

    @staticmethod
    def _post_act(mean: float, std: float, act: str) -> tuple[float, float, float, float]:
        """(mean, std, lo, hi) of N(mean, std) after a fused activation, range = ±3 std."""
        lo, hi = mean - 3 * std, mean + 3 * std
        if act == "NONE":
            return mean, std, lo, hi
        cap = 6.0 if act == "RELU6" else math.inf
        return 0.4 * std + max(mean, 0), 0.6 * std, 0.0, min(max(hi, 1e-3), cap)

    # -- weighted layers -------------------------------------------------------------------------------
    def _weights(self, x: Act, shape: tuple[int, ...], fan_in: int, axis: int, act: str,
                 prefix: str, out_std: float | None = None) -> tuple[TensorRef, TensorRef, float, float, float, float]:
        out_ch = shape[axis]
        gain = self.rng.uniform(0.5, 1.5, out_ch)
        if act != "NONE":
            gain *= math.sqrt(2.0)  # He init: a ReLU halves the second moment, this restores it
        std = x.rms * float(np.sqrt(np.mean(gain ** 2)))
        if out_std is not None and std > 0:  # e.g. logits that spread a softmax over several units
            gain *= out_std / std
            std = out_std
        amp = gain * math.sqrt(3.0 / fan_in)  # uniform(-a, a) has variance a^2/3 = gain^2 / fan_in
        bshape = [1] * len(shape)
        bshape[axis] = out_ch
        w_real = self.rng.uniform(-1, 1, shape) * amp.reshape(bshape)
        if out_std is not None and len(shape) == 2 and shape[1] > 1:
            # A classifier head reads pooled ReLU features, whose common positive mean would give every
            # class a fixed offset that no input can change (a constant one-hot softmax). Zero-sum
            # rows cancel that offset, so the logits follow the input.
            w_real -= w_real.mean(axis=1, keepdims=True)
            amp = np.abs(w_real).max(axis=1)
        # a scale must stay > 0 even for an all-zero row (one input, or a silent input)
        amp = np.maximum(amp, 1e-6)
        b_real = self.rng.normal(0, 0.1 * std, out_ch)
        if self.dtype == "float32":
            w = self.sg.const(self._name(prefix + "_w"), w_real.astype(np.float32), "float32")
            b = self.sg.const(self._name(prefix + "_b"), b_real.astype(np.float32), "float32")
        else:
            w_scale = amp / 127.0
            wq = np.clip(np.round(w_real / w_scale.reshape(bshape)), -127, 127).astype(np.int8)
            w = self.sg.const(self._name(prefix + "_w"), wq, "int8", Quant.per_channel(w_scale, axis))
            in_scale = x.ref.quant.scale[0]
            b_scale = in_scale * w_scale
            bq = np.round(b_real / b_scale).astype(np.int32)
            b = self.sg.const(self._name(prefix + "_b"), bq, "int32", Quant.per_channel(b_scale, 0))
        return (w, b, *self._post_act(0.0, std, act))

    def conv2d(self, x: Act, filters: int, kernel: int | tuple[int, int] = 3, stride: int = 1,
               padding: Padding = "SAME", act: Activation = "NONE", dilation: int = 1,
               quant: Quant | None = None) -> Act:
        """`quant` forces the output quantization (e.g. branches that a CONCATENATION joins)."""
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        n, h, wd, c = x.shape
        w, b, mean, std, lo, hi = self._weights(x, (filters, kh, kw, c), kh * kw * c, 0, act, "conv")
        oh, ow = conv_out(h, kh, stride, padding, dilation), conv_out(wd, kw, stride, padding, dilation)
        y = self._new("conv", (n, oh, ow, filters), mean, std, lo, hi, quant=quant)
        opt = schema.Conv2DOptionsT()
        opt.padding, opt.strideH, opt.strideW = _PAD[padding], stride, stride
        opt.dilationHFactor = opt.dilationWFactor = dilation
        opt.fusedActivationFunction = _ACT[act]
        self.sg.op("CONV_2D", [x.ref, w, b], [y.ref], opt)
        return y

    def depthwise(self, x: Act, kernel: int | tuple[int, int] = 3, stride: int = 1, padding: Padding = "SAME",
                  act: Activation = "NONE", multiplier: int = 1, quant: Quant | None = None) -> Act:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        n, h, wd, c = x.shape
        w, b, mean, std, lo, hi = self._weights(x, (1, kh, kw, c * multiplier), kh * kw, 3, act, "dw")
        oh, ow = conv_out(h, kh, stride, padding), conv_out(wd, kw, stride, padding)
        y = self._new("dwconv", (n, oh, ow, c * multiplier), mean, std, lo, hi, quant=quant)
        opt = schema.DepthwiseConv2DOptionsT()
        opt.padding, opt.strideH, opt.strideW = _PAD[padding], stride, stride
        opt.depthMultiplier = multiplier
        opt.dilationHFactor = opt.dilationWFactor = 1
        opt.fusedActivationFunction = _ACT[act]
        self.sg.op("DEPTHWISE_CONV_2D", [x.ref, w, b], [y.ref], opt)
        return y

    def fully_connected(self, x: Act, units: int, act: Activation = "NONE", keep_num_dims: bool = False,
                        quant: Quant | None = None, out_std: float | None = None) -> Act:
        depth = x.shape[-1]
        w, b, mean, std, lo, hi = self._weights(x, (units, depth), depth, 0, act, "fc", out_std)
        rows = int(np.prod(x.shape[:-1]))
        shape = (*x.shape[:-1], units) if keep_num_dims else (rows, units)
        y = self._new("fc", shape, mean, std, lo, hi, quant=quant)
        opt = schema.FullyConnectedOptionsT()
        opt.fusedActivationFunction = _ACT[act]
        opt.keepNumDims = keep_num_dims
        self.sg.op("FULLY_CONNECTED", [x.ref, w, b], [y.ref], opt)
        return y

    # -- pooling and reductions ------------------------------------------------------------------------
    def _pool(self, op: str, x: Act, pool: int, stride: int | None, padding: Padding) -> Act:
        stride = stride or pool
        n, h, wd, c = x.shape
        shape = (n, conv_out(h, pool, stride, padding), conv_out(wd, pool, stride, padding), c)
        if op == "MAX_POOL_2D":
            y = self._like("maxpool", x, shape, mean=x.mean + x.std, std=0.6 * x.std)
        else:
            y = self._like("avgpool", x, shape, std=x.std / pool)
        opt = schema.Pool2DOptionsT()
        opt.padding, opt.strideH, opt.strideW, opt.filterHeight, opt.filterWidth = _PAD[padding], stride, stride, pool, pool
        self.sg.op(op, [x.ref], [y.ref], opt)
        return y

    def max_pool(self, x: Act, pool: int = 2, stride: int | None = None, padding: Padding = "VALID") -> Act:
        return self._pool("MAX_POOL_2D", x, pool, stride, padding)

    def avg_pool(self, x: Act, pool: int = 2, stride: int | None = None, padding: Padding = "VALID") -> Act:
        return self._pool("AVERAGE_POOL_2D", x, pool, stride, padding)

    def mean(self, x: Act, axes: Sequence[int] = (1, 2), keep_dims: bool = False) -> Act:
        shape = [1 if (i in axes and keep_dims) else d for i, d in enumerate(x.shape) if keep_dims or i not in axes]
        area = int(np.prod([x.shape[a] for a in axes]))
        std = max(x.std / math.sqrt(area), 0.3 * x.std)  # neighbouring values are correlated
        y = self._new("mean", shape, x.mean, std, x.mean - 3 * std, x.mean + 3 * std)
        opt = schema.ReducerOptionsT()
        opt.keepDims = keep_dims
        self.sg.op("MEAN", [x.ref, self.const_int32(list(axes), "axes")], [y.ref], opt)
        return y

    # -- element-wise ----------------------------------------------------------------------------------
    def _binary(self, op: str, a: Act, b: Act, act: Activation, options: object | None) -> Act:
        shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        if op == "ADD":
            mean, std = a.mean + b.mean, math.hypot(a.std, b.std)
        elif op == "SUB":
            mean, std = a.mean - b.mean, math.hypot(a.std, b.std)
        else:  # MUL
            mean = a.mean * b.mean
            std = math.sqrt(max(a.rms ** 2 * b.rms ** 2 - mean ** 2, 1e-12))
        mean, std, lo, hi = self._post_act(mean, std, act)
        y = self._new(op.lower(), shape, mean, std, lo, hi)
        if options is not None and hasattr(options, "fusedActivationFunction"):
            options.fusedActivationFunction = _ACT[act]
        self.sg.op(op, [a.ref, b.ref], [y.ref], options)
        return y

    def add(self, a: Act, b: Act, act: Activation = "NONE") -> Act:
        return self._binary("ADD", a, b, act, schema.AddOptionsT())

    def sub(self, a: Act, b: Act, act: Activation = "NONE") -> Act:
        return self._binary("SUB", a, b, act, schema.SubOptionsT())

    def mul(self, a: Act, b: Act, act: Activation = "NONE") -> Act:
        return self._binary("MUL", a, b, act, schema.MulOptionsT())

    def maximum(self, a: Act, b: Act) -> Act:
        return self._minmax("MAXIMUM", a, b)

    def minimum(self, a: Act, b: Act) -> Act:
        return self._minmax("MINIMUM", a, b)

    def _minmax(self, op: str, a: Act, b: Act) -> Act:
        # TFLM compares the raw int8 values: both inputs must share the output's quantization.
        if a.ref.quant != b.ref.quant:
            raise BuilderError(f"{op} needs inputs with equal quantization", fix="use Graph.const_like or one source")
        shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        y = self._like(op.lower(), a, shape)
        self.sg.op(op, [a.ref, b.ref], [y.ref], schema.MaximumMinimumOptionsT())
        return y

    def const_like(self, x: Act, shape: Sequence[int], name: str = "const") -> Act:
        """A constant tensor with x's quantization and value distribution."""
        real = self.rng.uniform(x.lo, x.hi, shape)
        if x.ref.dtype == "int8":
            q = x.ref.quant
            data = np.clip(np.round(real / q.scale[0]) + q.zero_point[0], -128, 127).astype(np.int8)
            ref = self.sg.const(self._name(name), data, "int8", q)
        else:
            ref = self.sg.const(self._name(name), real.astype(np.float32), "float32")
        return Act(ref, x.mean, x.std, x.lo, x.hi)

    def unary(self, op: str, x: Act, options: object | None = None) -> Act:
        """Activation functions, with the output ranges TFLM expects for int8."""
        op = op.upper()
        fixed: dict[str, Quant] = {"LOGISTIC": Quant.per_tensor(1 / 256, -128), "TANH": Quant.per_tensor(1 / 128, 0)}
        if op in fixed:
            lo, hi = (0.0, 1.0) if op == "LOGISTIC" else (-1.0, 1.0)
            y = self._new(op.lower(), x.shape, (lo + hi) / 2, 0.25, lo, hi, quant=fixed[op])
        elif op in ("RELU", "RELU6"):
            y = self._new(op.lower(), x.shape, *self._post_act(x.mean, x.std, op))
        elif op == "HARD_SWISH":
            y = self._new("hswish", x.shape, max(x.mean, 0), x.std * 0.7, -0.375, max(x.hi, 0.5))
        elif op == "LEAKY_RELU":
            alpha = options.alpha if options is not None else 0.2
            y = self._new("lrelu", x.shape, x.mean, x.std, alpha * x.lo, x.hi)
        elif op == "RSQRT":
            lo, hi = 1 / math.sqrt(max(x.hi, 1e-3)), 1 / math.sqrt(max(x.lo, 1e-3))
            y = self._new("rsqrt", x.shape, (lo + hi) / 2, (hi - lo) / 4, lo, hi)
        else:
            raise BuilderError(f"unary op {op} is not supported by Graph.unary")
        self.sg.op(op, [x.ref], [y.ref], options)
        return y

    def softmax(self, x: Act, beta: float = 1.0) -> Act:
        q = Quant.per_tensor(1 / 256, -128)
        y = self._new("softmax", x.shape, 1.0 / x.shape[-1], 0.2, 0.0, 1.0, quant=q)
        opt = schema.SoftmaxOptionsT()
        opt.beta = beta
        self.sg.op("SOFTMAX", [x.ref], [y.ref], opt)
        return y

    # -- quantization edges ----------------------------------------------------------------------------
    def quantize(self, x: Act) -> Act:
        """float32 -> int8 (the input edge of a float-in/int8-inside model)."""
        y = self._new("quantize", x.shape, x.mean, x.std, x.lo, x.hi, dtype="int8")
        self.sg.op("QUANTIZE", [x.ref], [y.ref])
        return y

    def dequantize(self, x: Act) -> Act:
        y = self._new("dequantize", x.shape, x.mean, x.std, x.lo, x.hi, dtype="float32")
        self.sg.op("DEQUANTIZE", [x.ref], [y.ref])
        return y
