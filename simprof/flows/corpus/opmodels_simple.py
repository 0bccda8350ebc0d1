"""Example models of the simple operators (math, comparison, logical, select, division) and of
uint8 model I/O, for the estimator, the runtime and the measurement tests: small graphs that chain
several of these ops, so lifetimes, temporaries and OpData of each are exercised together."""
from __future__ import annotations

from typing import Callable

import numpy as np

from simprof.model.builder import Quant, schema
from .layers import Graph

q = Quant.per_tensor


def _math_float32(g: Graph) -> None:
    s = g.sg
    x = s.input("x", (1, 7, 5), "float32")
    t = [s.tensor(f"t{i}", (1, 7, 5), "float32") for i in range(9)]
    s.op("ABS", [x], [t[0]])
    s.op("SQRT", [t[0]], [t[1]])
    s.op("EXP", [t[1]], [t[2]])
    s.op("NEG", [x], [t[3]])
    s.op("FLOOR", [t[3]], [t[4]])
    s.op("SQUARE", [x], [t[5]])
    s.op("CEIL", [t[5]], [t[6]])
    s.op("ROUND", [t[6]], [t[7]])
    s.op("SQUARED_DIFFERENCE", [t[2], t[4]], [t[8]])
    s.mark_outputs(t[7], t[8])


def _abs_int(dtype: str):
    def f(g: Graph) -> None:
        s = g.sg
        zq = 0 if dtype == "int16" else -5
        x = s.input("x", (1, 9, 6), dtype, q(0.002 if dtype == "int16" else 0.05, zq))
        y = s.tensor("y", (1, 9, 6), dtype, q(0.0015 if dtype == "int16" else 0.03, 0 if dtype == "int16" else -128))
        s.op("ABS", [x], [y])
        s.mark_outputs(y)
    return f


def _compare_select(dtype: str):
    def f(g: Graph) -> None:
        s = g.sg
        qa = q(0.05, 3) if dtype == "int8" else None
        qb = q(0.07, -2) if dtype == "int8" else None
        a = s.input("a", (1, 6, 5), dtype, qa)
        b = s.input("b", (1, 1, 5), dtype, qb)
        gt, le, ne, eq = (s.tensor(n, (1, 6, 5), "bool") for n in ("gt", "le", "ne", "eq"))
        s.op("GREATER", [a, b], [gt])
        s.op("LESS_EQUAL", [a, b], [le])
        s.op("NOT_EQUAL", [a, b], [ne])
        s.op("EQUAL", [a, b], [eq])
        ngt, both, either = (s.tensor(n, (1, 6, 5), "bool") for n in ("ngt", "both", "either"))
        s.op("LOGICAL_NOT", [gt], [ngt])
        s.op("LOGICAL_AND", [ngt, ne], [both])
        s.op("LOGICAL_OR", [both, eq], [either])
        out = s.tensor("out", (1, 6, 5), dtype, qa)
        bb = s.tensor("bb", (1, 6, 5), dtype, qa)
        s.op("SELECT_V2", [either, a, a], [bb])          # same shapes
        lt, ge = s.tensor("lt", (1, 6, 5), "bool"), s.tensor("ge", (1, 6, 5), "bool")
        s.op("LESS", [a, b], [lt])
        s.op("GREATER_EQUAL", [a, b], [ge])
        sel = s.tensor("sel", (1, 6, 5), "bool")
        s.op("LOGICAL_AND", [lt, le], [sel])
        zero = s.const("zero", np.zeros((1, 1, 5), np.int8 if dtype == "int8" else np.float32), dtype, qa)
        s.op("SELECT_V2", [sel, bb, zero], [out])        # broadcast
        s.mark_outputs(out, ge)
    return f


def _div_float32(g: Graph) -> None:
    s = g.sg
    a = s.input("a", (2, 4, 6), "float32")
    b = s.input("b", (1, 6), "float32")
    o = schema.DivOptionsT()
    o.fusedActivationFunction = 3  # RELU6
    d, fd, fm, sd = (s.tensor(n, (2, 4, 6), "float32") for n in ("div", "fdiv", "fmod", "sqd"))
    s.op("DIV", [a, b], [d], o)
    s.op("FLOOR_DIV", [a, b], [fd])
    s.op("FLOOR_MOD", [a, b], [fm])
    s.op("SQUARED_DIFFERENCE", [fd, fm], [sd])
    s.mark_outputs(d, sd)


def _div_int32(g: Graph) -> None:
    s = g.sg
    a = s.input("a", (3, 7), "int32")
    b = s.const("b", np.array([3, -2, 5, 7, -11, 13, 1], np.int32), "int32")
    y = s.tensor("y", (3, 7), "int32")
    z = s.tensor("z", (3, 7), "int32")
    s.op("DIV", [a, b], [y], schema.DivOptionsT())
    s.op("SQUARED_DIFFERENCE", [y, a], [z])
    s.mark_outputs(z)


def _sqd_q(dtype: str):
    def f(g: Graph) -> None:
        s = g.sg
        i16 = dtype == "int16"
        a = s.input("a", (1, 8, 5), dtype, q(0.001 if i16 else 0.04, 0 if i16 else 5))
        b = s.input("b", (1, 1, 5), dtype, q(0.0012 if i16 else 0.06, 0 if i16 else -7))
        y = s.tensor("y", (1, 8, 5), dtype, q(0.05 if i16 else 0.3, 0 if i16 else -128))
        s.op("SQUARED_DIFFERENCE", [a, b], [y])
        s.mark_outputs(y)
    return f


def _uint8_io(g: Graph) -> None:
    """uint8 in and out around an int8 dense layer, as models converted with uint8 I/O have."""
    s = g.sg
    x = s.input("x", (1, 24), "uint8", q(0.02, 128))
    xi = s.tensor("xi", (1, 24), "int8", q(0.02, 0))
    s.op("QUANTIZE", [x], [xi])
    rng = np.random.default_rng(5)
    w = s.const("w", rng.integers(-127, 128, (10, 24), dtype=np.int8), "int8", q(0.01, 0))
    bias = s.const("bias", rng.integers(-500, 500, 10, dtype=np.int32), "int32", q(0.0002, 0))
    yi = s.tensor("yi", (1, 10), "int8", q(0.05, -3))
    s.op("FULLY_CONNECTED", [xi, w, bias], [yi], schema.FullyConnectedOptionsT())
    y = s.tensor("y", (1, 10), "uint8", q(0.05, 125))
    s.op("QUANTIZE", [yi], [y])
    yf = s.tensor("yf", (1, 10), "float32")
    s.op("DEQUANTIZE", [y], [yf])
    s.mark_outputs(y, yf)


def _reducer(keep: bool):
    o = schema.ReducerOptionsT()
    o.keepDims = keep
    return o


def _reduce(dtype: str):
    """REDUCE_MAX, REDUCE_MIN and SUM of one input over different axes (and REDUCE_ALL of a comparison)."""
    def f(g: Graph) -> None:
        s = g.sg
        qi = q(0.05, -3) if dtype == "int8" else None
        x = s.input("x", (2, 6, 5, 3), dtype, qi)
        ax12 = s.const("axes", np.array([1, 2], np.int32), "int32")
        axl = s.const("last", np.array([-1], np.int32), "int32")
        mx = s.tensor("max", (2, 1, 1, 3), dtype, qi)
        mn = s.tensor("min", (2, 6, 5), dtype, qi)
        sm = s.tensor("sum", (2, 3), dtype, q(0.6, 4) if dtype == "int8" else None)
        s.op("REDUCE_MAX", [x, ax12], [mx], _reducer(True))
        s.op("REDUCE_MIN", [x, axl], [mn], _reducer(False))
        s.op("SUM", [x, ax12], [sm], _reducer(False))
        gt = s.tensor("gt", (2, 6, 5), "bool")
        zero = s.const("zero", np.zeros((1,), np.int8 if dtype == "int8" else np.float32), dtype, qi)
        s.op("GREATER", [mn, zero], [gt])
        al = s.tensor("all", (2, 1), "bool")
        ax1 = s.const("ax1", np.array([1, 2], np.int32), "int32")
        s.op("REDUCE_ALL", [gt, ax1], [al], _reducer(False))
        s.mark_outputs(mx, sm, al)
    return f


def _sum_int16(g: Graph) -> None:
    s = g.sg
    x = s.input("x", (1, 8, 6), "int16", q(0.001, 0))
    y = s.tensor("y", (1, 6), "int16", q(0.004, 0))
    s.op("SUM", [x, s.const("axis", np.array([1], np.int32), "int32")], [y], _reducer(False))
    s.mark_outputs(y)


def _misc(g: Graph) -> None:
    """ZEROS_LIKE, FILL, CAST, ARG_MAX/ARG_MIN, SLICE, BROADCAST_TO, BROADCAST_ARGS in one float32 graph."""
    s = g.sg
    x = s.input("x", (1, 6, 4), "float32")
    sl = s.tensor("slice", (1, 4, 3), "float32")
    s.op("SLICE", [x, s.const("begin", np.array([0, 1, 1], np.int32), "int32"),
                   s.const("size", np.array([1, 4, 3], np.int32), "int32")], [sl])
    am = s.tensor("argmax", (1, 3), "int32")
    o = schema.ArgMaxOptionsT()
    o.outputType = 2
    s.op("ARG_MAX", [sl, s.const("axis1", np.array([1], np.int32), "int32")], [am], o)
    an = s.tensor("argmin", (1, 4), "int32")
    o = schema.ArgMinOptionsT()
    o.outputType = 2
    s.op("ARG_MIN", [sl, s.const("axis2", np.array([2], np.int32), "int32")], [an], o)
    cf = s.tensor("cast", (1, 3), "float32")
    s.op("CAST", [am], [cf])
    bt = s.tensor("bcast", (2, 4, 3), "float32")
    s.op("BROADCAST_TO", [cf, s.const("shape", np.array([2, 4, 3], np.int32), "int32")], [bt])
    z = s.tensor("zeros", (1, 6, 4), "float32")
    s.op("ZEROS_LIKE", [x], [z])
    fl = s.tensor("fill", (2, 4, 3), "float32")
    s.op("FILL", [s.const("dims", np.array([2, 4, 3], np.int32), "int32"),
                  s.const("value", np.array(0.5, np.float32), "float32")], [fl])
    ba = s.tensor("bargs", (3,), "int32")
    s.op("BROADCAST_ARGS", [s.const("s1", np.array([2, 1, 3], np.int32), "int32"),
                            s.const("s2", np.array([4, 1], np.int32), "int32")], [ba])
    out = s.tensor("out", (2, 4, 3), "float32")
    s.op("ADD", [bt, fl], [out], schema.AddOptionsT())
    s.mark_outputs(out, an, z, ba)


def _add_n_prelu(dtype: str):
    """ADD_N of three inputs, then PRELU with a per-channel alpha (ADD_N's int8 OpData is a
    Prepare-time persistent buffer taken while its temporaries are live)."""
    def f(g: Graph) -> None:
        s = g.sg
        qi = q(0.05, -7) if dtype == "int8" else None
        xs = [s.input(f"x{i}", (1, 5, 4, 6), dtype, qi) for i in range(3)]
        y = s.tensor("sum", (1, 5, 4, 6), dtype, q(0.15, 2) if dtype == "int8" else None)
        s.op("ADD_N", xs, [y])
        rng = np.random.default_rng(9)
        if dtype == "int8":
            alpha = s.const("alpha", rng.integers(1, 60, (1, 1, 6), dtype=np.int8), "int8", q(0.005, 0))
        else:
            alpha = s.const("alpha", rng.uniform(0.05, 0.3, (1, 1, 6)).astype(np.float32), "float32")
        z = s.tensor("prelu", (1, 5, 4, 6), dtype, q(0.1, -20) if dtype == "int8" else None)
        s.op("PRELU", [y, alpha], [z])
        s.mark_outputs(z)
    return f


def _elu(dtype: str):
    def f(g: Graph) -> None:
        s = g.sg
        x = s.input("x", (1, 6, 5, 4), dtype, q(0.05, 10) if dtype == "int8" else None)
        y = s.tensor("y", (1, 6, 5, 4), dtype, q(0.04, -30) if dtype == "int8" else None)
        s.op("ELU", [x], [y])
        s.mark_outputs(y)
    return f


def register(add_model: Callable[..., None]) -> None:
    def add(*args, **kw) -> None:
        add_model(*args, graph_dtype="float32", **kw)  # the graphs use the builder directly

    add("simple_math_float32", ("ABS", "SQRT", "EXP", "NEG", "FLOOR", "SQUARE", "CEIL", "ROUND",
                                "SQUARED_DIFFERENCE"), "float32", "chain of float32 math ops", _math_float32)
    for dt in ("int8", "int16"):
        add(f"abs_{dt}", ("ABS",), dt, f"ABS {dt}, rescaled to another output scale", _abs_int(dt))
        add(f"squared_difference_{dt}", ("SQUARED_DIFFERENCE",), dt, f"SQUARED_DIFFERENCE {dt}, broadcast",
            _sqd_q(dt))
    for dt in ("int8", "float32"):
        add(f"compare_select_{dt}", ("GREATER", "LESS_EQUAL", "NOT_EQUAL", "EQUAL", "LOGICAL_NOT", "LOGICAL_AND",
                                     "LOGICAL_OR", "SELECT_V2", "LESS", "GREATER_EQUAL"), dt,
            "comparisons, logical ops and SELECT_V2 with broadcasting", _compare_select(dt))
    add("div_float32", ("DIV", "FLOOR_DIV", "FLOOR_MOD", "SQUARED_DIFFERENCE"), "float32",
        "DIV (RELU6), FLOOR_DIV, FLOOR_MOD with broadcasting", _div_float32)
    add("div_int32", ("DIV", "SQUARED_DIFFERENCE"), "int32", "int32 DIV by a constant", _div_int32)
    for dt in ("int8", "float32"):
        add(f"reduce_ops_{dt}", ("REDUCE_MAX", "REDUCE_MIN", "SUM", "GREATER", "REDUCE_ALL"), dt,
            "REDUCE_MAX, REDUCE_MIN, SUM over different axes, REDUCE_ALL of a comparison", _reduce(dt))
    add("sum_int16", ("SUM",), "int16", "int16 SUM over one axis", _sum_int16)
    add("misc_shape_float32", ("SLICE", "ARG_MAX", "ARG_MIN", "CAST", "BROADCAST_TO", "ZEROS_LIKE", "FILL",
                               "BROADCAST_ARGS", "ADD"), "float32",
        "SLICE, ARG_MAX/ARG_MIN, CAST, BROADCAST_TO, ZEROS_LIKE, FILL, BROADCAST_ARGS", _misc)
    for dt in ("int8", "float32"):
        add(f"add_n_prelu_{dt}", ("ADD_N", "PRELU"), dt, "ADD_N of three inputs, PRELU with per-channel alpha",
            _add_n_prelu(dt))
    for dt in ("int8", "float32"):
        add(f"elu_{dt}", ("ELU",), dt, "ELU (int8 through its 256-entry table)", _elu(dt))
    add("quantize_uint8_io", ("QUANTIZE", "FULLY_CONNECTED", "DEQUANTIZE"), "mixed",
        "uint8 input and output around an int8 dense layer", _uint8_io)
