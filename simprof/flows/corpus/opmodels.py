"""One small deterministic example model per operator and type, for tests of the estimator, the
runtime and the measurement.

    from simprof.flows.corpus import opmodels
    opmodels.names()                 # ['add_broadcast_float32', 'add_broadcast_int8', ...]
    data = opmodels.model("conv_2d_int8")
    opmodels.spec("conv_2d_int8")    # OpModel(name, ops, dtype, description, data_dependent)
    opmodels.all_models()            # {name: bytes}

Every model loads and runs in TFLM's host interpreter (tests/unit/test_opmodels.py checks all of them
in child processes). Sizes are deliberately not multiples of 16. Seeds derive from the name, so the
bytes never change unless this file does.
"""
from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from typing import Callable


import numpy as np

from simprof.core.errors import UsageError

from simprof.model.builder import ModelBuilder, Quant, schema
from .layers import Act, Graph

__all__ = ["OpModel", "names", "model", "spec", "specs", "all_models"]

_FLOAT_INT8 = ("int8", "float32")


@dataclass(frozen=True)
class OpModel:
    name: str
    ops: tuple[str, ...]          # builtin operators the model contains (the one under test first)
    dtype: str                    # type of the graph's activations ("int8", "float32", "int16", "mixed")
    description: str
    data_dependent: bool = True   # False when the output cannot depend on the input values (SHAPE)
    build: Callable[[], bytes] | None = None


_REGISTRY: dict[str, OpModel] = {}


def _register(name: str, ops: tuple[str, ...], dtype: str, description: str,
              fn: Callable[[Graph], None], *, data_dependent: bool = True, graph_dtype: str | None = None) -> None:
    def build() -> bytes:
        m = ModelBuilder(f"simprof opmodel {name}")
        fn(Graph(m, graph_dtype or dtype, seed=zlib.crc32(name.encode())))
        return m.to_bytes()

    _REGISTRY[name] = OpModel(name, ops, dtype, description, data_dependent, build)


def _both(base: str, ops: tuple[str, ...], description: str, fn: Callable[[Graph], None], **kw) -> None:
    for dt in _FLOAT_INT8:
        _register(f"{base}_{dt}", ops, dt, description, fn, **kw)


# -- weighted layers ---------------------------------------------------------------------------------
def _conv(act: str):
    def f(g: Graph) -> None:
        g.output(g.conv2d(g.input((1, 9, 7, 3)), 10, 3, stride=1, padding="SAME", act=act))
    return f


def _conv_valid_s2(g: Graph) -> None:
    g.output(g.conv2d(g.input((1, 11, 9, 5)), 7, (3, 2), stride=2, padding="VALID"))


def _dw(mult: int, act: str = "NONE"):
    def f(g: Graph) -> None:
        g.output(g.depthwise(g.input((1, 9, 7, 6)), 3, 1, "SAME", act=act, multiplier=mult))
    return f


def _fc(act: str):
    def f(g: Graph) -> None:
        g.output(g.fully_connected(g.input((1, 21)), 10, act=act))
    return f


_both("conv_2d", ("CONV_2D",), "3x3 SAME conv, 3->10 channels, per-channel int8 weights", _conv("NONE"))
_both("conv_2d_relu", ("CONV_2D",), "conv with fused RELU", _conv("RELU"))
_both("conv_2d_relu6", ("CONV_2D",), "conv with fused RELU6", _conv("RELU6"))
_both("conv_2d_valid_stride2", ("CONV_2D",), "3x2 VALID conv, stride 2", _conv_valid_s2)
_both("depthwise_conv_2d", ("DEPTHWISE_CONV_2D",), "3x3 depthwise, 6 channels", _dw(1))
_both("depthwise_conv_2d_mult2", ("DEPTHWISE_CONV_2D",), "3x3 depthwise, depth multiplier 2", _dw(2))
_both("depthwise_conv_2d_relu6", ("DEPTHWISE_CONV_2D",), "depthwise with fused RELU6", _dw(1, "RELU6"))
_both("fully_connected", ("FULLY_CONNECTED",), "21 -> 10 dense layer", _fc("NONE"))
_both("fully_connected_relu", ("FULLY_CONNECTED",), "dense with fused RELU", _fc("RELU"))
_both("fully_connected_relu6", ("FULLY_CONNECTED",), "dense with fused RELU6", _fc("RELU6"))


# -- pooling, reductions, softmax --------------------------------------------------------------------
_both("average_pool_2d", ("AVERAGE_POOL_2D",), "2x2 average pool", lambda g: g.output(g.avg_pool(g.input((1, 8, 6, 5)), 2)))
_both("max_pool_2d", ("MAX_POOL_2D",), "2x2 max pool", lambda g: g.output(g.max_pool(g.input((1, 8, 6, 5)), 2)))
_both("max_pool_2d_same_s1", ("MAX_POOL_2D",), "3x3 max pool, SAME, stride 1",
      lambda g: g.output(g.max_pool(g.input((1, 7, 5, 3)), 3, 1, "SAME")))
_both("mean", ("MEAN",), "mean over H and W, keep_dims",
      lambda g: g.output(g.mean(g.input((1, 6, 5, 7)), (1, 2), keep_dims=True)))
_both("mean_nokeep", ("MEAN",), "mean over H and W without keep_dims",
      lambda g: g.output(g.mean(g.input((1, 6, 5, 7)), (1, 2), keep_dims=False)))
_both("softmax", ("SOFTMAX",), "softmax over 10 classes", lambda g: g.output(g.softmax(g.input((1, 10), -4, 4))))


# -- element-wise binary -----------------------------------------------------------------------------
def _binary(op: str, bshape: tuple[int, ...] | None, act: str = "NONE"):
    def f(g: Graph) -> None:
        a = g.input((1, 5, 4, 6))
        same = op in ("maximum", "minimum")  # raw comparison: the inputs share a quantization
        b = g.input(bshape or (1, 5, 4, 6), *((-1.0, 1.0) if same else (-0.5, 2.0)))
        fn = getattr(g, op)
        g.output(fn(a, b) if same else fn(a, b, act))
    return f


for _op in ("add", "sub", "mul", "maximum", "minimum"):
    _both(_op, (_op.upper(),), f"element-wise {_op.upper()} of two inputs", _binary(_op, None))
    _both(f"{_op}_broadcast", (_op.upper(),), f"{_op.upper()} broadcasting (1,5,4,6) with (1,1,1,6)",
          _binary(_op, (1, 1, 1, 6)))
_both("add_broadcast_rows", ("ADD",), "ADD broadcasting (1,5,4,6) with (1,5,1,1)", _binary("add", (1, 5, 1, 1)))
_both("add_relu", ("ADD",), "ADD with fused RELU", _binary("add", None, "RELU"))
_both("add_relu6", ("ADD",), "ADD with fused RELU6", _binary("add", None, "RELU6"))
_both("mul_relu", ("MUL",), "MUL with fused RELU", _binary("mul", None, "RELU"))


# -- element-wise unary ------------------------------------------------------------------------------
def _unary(op: str, lo: float = -3.0, hi: float = 3.0, options: Callable[[], object] | None = None):
    def f(g: Graph) -> None:
        g.output(g.unary(op, g.input((1, 4, 3, 5), lo, hi), options() if options else None))
    return f


def _leaky() -> object:
    o = schema.LeakyReluOptionsT()
    o.alpha = 0.2
    return o


for _op in ("LOGISTIC", "TANH", "RELU", "RELU6", "HARD_SWISH"):
    _both(_op.lower(), (_op,), f"{_op} on a (1,4,3,5) tensor", _unary(_op, -8.0 if _op == "RELU6" else -3.0,
                                                                      8.0 if _op == "RELU6" else 3.0))
_both("leaky_relu", ("LEAKY_RELU",), "LEAKY_RELU alpha 0.2", _unary("LEAKY_RELU", options=_leaky))
_both("rsqrt", ("RSQRT",), "RSQRT of positive values", _unary("RSQRT", 0.1, 4.0))


# -- data movement -----------------------------------------------------------------------------------
def _split_v(g: Graph) -> None:
    g.output(*g.split_v(g.input((1, 4, 3, 6)), (1, 2, 3), axis=3))


def _two_same(g: Graph, shape: tuple[int, ...]) -> tuple[Act, Act]:
    return g.input(shape), g.input(shape)


_both("reshape", ("RESHAPE",), "(1,4,4,3) -> (1,48)", lambda g: g.output(g.reshape(g.input((1, 4, 4, 3)), (1, 48))))
_both("pad", ("PAD",), "zero padding of H and W",
      lambda g: g.output(g.pad(g.input((1, 5, 4, 3)), ((0, 0), (1, 1), (2, 1), (0, 0)))))
_both("concatenation", ("CONCATENATION",), "concat of (1,4,3,3) and (1,4,3,5) on channels",
      lambda g: g.output(g.concat([g.input((1, 4, 3, 3)), g.input((1, 4, 3, 5))], axis=3)))
_both("squeeze", ("SQUEEZE",), "(1,1,1,10) -> (1,10)", lambda g: g.output(g.squeeze(g.input((1, 1, 1, 10)), (1, 2))))
_both("expand_dims", ("EXPAND_DIMS",), "(4,5) -> (1,4,5)", lambda g: g.output(g.expand_dims(g.input((4, 5)), 0)))
_both("strided_slice", ("STRIDED_SLICE",), "rows 1..7 step 2 of (1,8,6,4)",
      lambda g: g.output(g.strided_slice(g.input((1, 8, 6, 4)), (0, 1, 0, 0), (1, 7, 6, 4), (1, 2, 1, 1))))
_both("transpose", ("TRANSPOSE",), "perm (0,2,1,3) of (1,3,4,5)",
      lambda g: g.output(g.transpose(g.input((1, 3, 4, 5)), (0, 2, 1, 3))))
_both("shape", ("SHAPE",), "SHAPE of a (1,4,4,3) tensor (int32 output)",
      lambda g: g.output(g.shape_of(g.input((1, 4, 4, 3)))), data_dependent=False)
_both("pack", ("PACK",), "PACK two (2,3) tensors on axis 0", lambda g: g.output(g.pack(_two_same(g, (2, 3)), 0)))
_both("unpack", ("UNPACK",), "UNPACK (3,4,5) on axis 0", lambda g: g.output(*g.unpack(g.input((3, 4, 5)), 0)))
def _dynamic_reshape(g: Graph) -> None:
    """Keras' flatten with an unknown batch: the int32 shape arithmetic SHAPE -> STRIDED_SLICE
    (shrink to the batch scalar) -> PACK (batch, features) feeding RESHAPE's shape input; public
    models (e.g. MLPerf Tiny's anomaly detection) run these kernels on int32."""
    x = g.input((1, 4, 5, 3))
    shape = g.shape_of(x)
    batch = g.sg.tensor(g._name("batch"), (), "int32")
    opt = schema.StridedSliceOptionsT()
    opt.shrinkAxisMask = 1
    g.sg.op("STRIDED_SLICE", [shape.ref, g.const_int32((0,), "begin"), g.const_int32((1,), "end"),
                              g.const_int32((1,), "strides")], [batch], opt)
    features = g.sg.const(g._name("features"), np.asarray(60, dtype=np.int32), "int32")
    packed = g.sg.tensor(g._name("packed"), (2,), "int32")
    popt = schema.PackOptionsT()
    popt.valuesCount, popt.axis = 2, 0
    g.sg.op("PACK", [batch, features], [packed], popt)
    y = g._like("flat", x, (1, 60))
    ropt = schema.ReshapeOptionsT()
    ropt.newShape = [1, 60]
    g.sg.op("RESHAPE", [x.ref, packed], [y.ref], ropt)
    g.output(y)


_both("dynamic_reshape", ("SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE"),
      "flatten (1,4,5,3) through SHAPE, STRIDED_SLICE and PACK on int32", _dynamic_reshape)
_both("split", ("SPLIT",), "SPLIT (1,4,3,6) into 3 on channels", lambda g: g.output(*g.split(g.input((1, 4, 3, 6)), 3, 3)))
_both("split_v", ("SPLIT_V",), "SPLIT_V (1,4,3,6) into 1,2,3 channels", _split_v)


# -- quantization edges ------------------------------------------------------------------------------
def _quantize(g: Graph) -> None:
    g.output(g.quantize(g.input((1, 6, 7), -2.0, 3.0, dtype="float32")))


def _dequantize(g: Graph) -> None:
    g.output(g.dequantize(g.input((1, 6, 7), -2.0, 3.0, dtype="int8")))


def _requantize(g: Graph) -> None:
    x = g.input((1, 6, 7), -2.0, 3.0)
    y = g._new("requant", x.shape, x.mean, x.std, -4.0, 4.0)
    g.sg.op("QUANTIZE", [x.ref], [y.ref])
    g.output(y)


def _int16_edges(g: Graph) -> None:
    x = g.input((1, 6, 7), -2.0, 3.0, dtype="float32")
    q = g.sg.tensor("q16", (1, 6, 7), "int16", Quant.per_tensor(3.0 / 32767, 0))
    g.sg.op("QUANTIZE", [x.ref], [q])
    y = g.sg.tensor("deq", (1, 6, 7), "float32")
    g.sg.op("DEQUANTIZE", [q], [y])
    g.sg.mark_outputs(y)


def _float_io(body: Callable[[Graph, Act], Act]):
    def f(g: Graph) -> None:
        x = g.quantize(g.input((1, 9, 7, 3), -1.0, 1.0, dtype="float32"))
        g.output(g.dequantize(body(g, x)))
    return f


_register("quantize_float32", ("QUANTIZE",), "mixed", "float32 -> int8", _quantize, graph_dtype="int8")
_register("dequantize_int8", ("DEQUANTIZE",), "mixed", "int8 -> float32", _dequantize, graph_dtype="int8")
_register("quantize_requant_int8", ("QUANTIZE",), "int8", "int8 -> int8 with another scale", _requantize)
_register("quantize_dequantize_int16", ("QUANTIZE", "DEQUANTIZE"), "int16", "float32 -> int16 -> float32",
          _int16_edges, graph_dtype="int8")
_register("float_io_conv_int8", ("QUANTIZE", "CONV_2D", "DEQUANTIZE"), "mixed",
          "float32 in/out, int8 conv inside", _float_io(lambda g, x: g.conv2d(x, 8, 3, act="RELU")),
          graph_dtype="int8")
_register("float_io_dscnn_block_int8", ("QUANTIZE", "DEPTHWISE_CONV_2D", "CONV_2D", "MEAN", "FULLY_CONNECTED",
                                        "SOFTMAX", "DEQUANTIZE"), "mixed",
          "float32 in/out around a depthwise-separable block, pooling, dense and softmax",
          _float_io(lambda g, x: g.softmax(g.fully_connected(
              g.mean(g.conv2d(g.depthwise(x, 3, act="RELU"), 12, 1, act="RELU"), (1, 2)), 5))),
          graph_dtype="int8")

from . import opmodels_stateful as _stateful  # noqa: E402  (registers the resource-variable models)

_stateful.register(_register)

from . import opmodels_simple as _simple  # noqa: E402  (registers the simple-op models)

_simple.register(_register)

from . import opmodels_b as _ops_b  # noqa: E402  (data movement, gather, resize, sequence, 16x8)

_ops_b.register(_both, _register)

from . import opmodels_lstm as _ops_lstm  # noqa: E402  (UNIDIRECTIONAL_SEQUENCE_LSTM)

_ops_lstm.register(_both)


# -- public API --------------------------------------------------------------------------------------
def names() -> list[str]:
    return sorted(_REGISTRY)


def spec(name: str) -> OpModel:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UsageError(f"no example model named {name!r}", fix=f"use one of opmodels.names() ({len(_REGISTRY)})") from None


def specs() -> tuple[OpModel, ...]:
    return tuple(_REGISTRY[n] for n in names())


@functools.lru_cache(maxsize=None)
def model(name: str) -> bytes:
    return spec(name).build()


def all_models() -> dict[str, bytes]:
    return {n: model(n) for n in names()}
