"""Single-op cases of the simple operators (issue #10 part A): uint8 I/O of QUANTIZE/DEQUANTIZE
and the math, comparison and logical operators, each in every type TFLM's reference kernel takes.
Expected outputs come from the tflite-micro wheel (kcases.reference), never from our code."""
from __future__ import annotations

import numpy as np

from kcases import Cases, _model, qt

QUANT_PAIRS = [  # (input type, quant, output type, quant): TFLM's requantising QUANTIZE pairs
    ("int8", qt(0.05, -3), "uint8", qt(0.05, 125)),     # the wake-word models' output: a shift of 128
    ("int8", qt(0.05, -3), "uint8", qt(0.031, 140)),    # a real rescale
    ("uint8", qt(0.02, 128), "int8", qt(0.02, 0)),
    ("uint8", qt(0.02, 120), "int8", qt(0.045, -7)),
    ("int8", qt(0.05, 3), "int32", qt(0.01, 2)),
    ("int16", qt(0.0005, 0), "int32", qt(0.01, 0)),
    ("int16", qt(0.0005, 0), "int16", qt(0.0011, 0)),
    ("int32", qt(0.03, 1), "int8", qt(0.5, -4)),
    ("int32", qt(0.03, 0), "int16", qt(0.02, 0)),
    ("int8", qt(0.05, 3), "int16", qt(0.001, 0)),
]


def quantize_cases(c: Cases) -> None:
    shape = (3, 50)
    for k, (ti, qi, to, qo) in enumerate(QUANT_PAIRS):
        def build(g, ti=ti, qi=qi, to=to, qo=qo):
            x = g.input("x", shape, ti, qi)
            y = g.tensor("y", shape, to, qo)
            g.op("QUANTIZE", [x], [y])
            g.mark_outputs(y)
        c.add(f"quantize_{ti}to{to}_{k}", build, [(shape, ti)])

    def dq(g):
        x = g.input("x", shape, "uint8", qt(0.037, 131))
        y = g.tensor("y", shape, "float32")
        g.op("DEQUANTIZE", [x], [y])
        g.mark_outputs(y)
    c.add("dequantize_uint8_0", dq, [(shape, "uint8")])


def _unary(c: Cases, op: str, dt: str, k: int, qi=None, qo=None, shape=(4, 37), inputs=None) -> None:
    def build(g):
        x = g.input("x", shape, dt, qi)
        y = g.tensor("y", shape, dt, qo)
        g.op(op, [x], [y])
        g.mark_outputs(y)
    name = f"{op.lower()}_{dt}_{k}"
    if inputs is None:
        c.add(name, build, [(shape, dt)])
    else:
        c.items.append((name, _model(build), inputs))


def unary_math_cases(c: Cases) -> None:
    rng = np.random.default_rng(31)
    f = (rng.standard_normal((4, 37)) * 4).astype(np.float32)
    f[0, :6] = [0.5, 1.5, 2.5, -0.5, -2.5, 3.5]           # ROUND's halves go to even
    pos = np.abs(f) + np.float32(0.001)                    # SQRT: no NaN (its bits differ per target)
    for op in ("NEG", "CEIL", "FLOOR", "ROUND", "EXP", "SQUARE"):
        _unary(c, op, "float32", 0, inputs=[f])
    _unary(c, "SQRT", "float32", 0, inputs=[pos])
    _unary(c, "ABS", "float32", 0, inputs=[f])
    _unary(c, "ABS", "int8", 0, qt(0.05, -7), qt(0.05, -7))      # same scale: no rescale
    _unary(c, "ABS", "int8", 1, qt(0.05, 9), qt(0.03, -100))     # rescaled
    _unary(c, "ABS", "int16", 0, qt(0.001, 0), qt(0.0007, 0))
    i16 = rng.integers(-32768, 32768, (4, 37)).astype(np.int16)
    i16[0, 0] = -32768
    _unary(c, "ABS", "int16", 1, inputs=[i16])                   # no quantisation: |-32768| wraps
    _unary(c, "LOGICAL_NOT", "bool", 0)
    _unary(c, "ELU", "float32", 0, inputs=[f])
    _unary(c, "ELU", "int8", 0, qt(0.05, 10), qt(0.04, -30))
    _unary(c, "ELU", "int8", 1, qt(0.2, -128), qt(0.1, 0))


def _binary(c: Cases, op: str, dt: str, k: int, sa, sb, so, qa=None, qb=None, qo=None, out_dt=None,
            options=None, inputs=None) -> None:
    def build(g):
        a = g.input("a", sa, dt, qa)
        b = g.input("b", sb, dt, qb)
        y = g.tensor("y", so, out_dt or dt, qo)
        g.op(op, [a, b], [y], options)
        g.mark_outputs(y)
    name = f"{op.lower()}_{dt}_{k}"
    if inputs is None:
        c.add(name, build, [(sa, dt), (sb, dt)])
    else:
        c.items.append((name, _model(build), inputs))


def compare_cases(c: Cases) -> None:
    rng = np.random.default_rng(32)
    for op in ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"):
        for dt in ("float32", "int32", "int64", "int8"):
            q = (qt(0.05, 3), qt(0.07, -2)) if dt == "int8" else (None, None)
            # small integers so that equal values occur
            a = rng.integers(-3, 4, (2, 3, 5)).astype(np.int64)
            b = rng.integers(-3, 4, (2, 3, 5)).astype(np.int64)
            cast = {"float32": np.float32, "int32": np.int32, "int64": np.int64, "int8": np.int8}[dt]
            _binary(c, op, dt, 0, (2, 3, 5), (2, 3, 5), (2, 3, 5), *q, out_dt="bool",
                    inputs=[a.astype(cast), b.astype(cast)])
            _binary(c, op, dt, 1, (2, 3, 5), (1, 5), (2, 3, 5), *q, out_dt="bool",
                    inputs=[a.astype(cast), b[0, :1].astype(cast)])
        if op in ("EQUAL", "NOT_EQUAL"):
            _binary(c, op, "bool", 0, (3, 7), (3, 7), (3, 7))
    for op in ("LOGICAL_AND", "LOGICAL_OR"):
        _binary(c, op, "bool", 0, (3, 7), (3, 7), (3, 7))
        _binary(c, op, "bool", 1, (2, 3, 7), (3, 1), (2, 3, 7))


def select_cases(c: Cases) -> None:
    for k, (dt, sc, sx, sy, so, q) in enumerate([
        ("float32", (3, 8), (3, 8), (3, 8), (3, 8), None),
        ("int8", (3, 8), (3, 8), (3, 8), (3, 8), qt(0.1, 2)),
        ("int16", (3, 8), (3, 8), (3, 8), (3, 8), qt(0.01, 0)),
        ("float32", (1, 4, 1), (2, 4, 5), (5,), (2, 4, 5), None),     # three-way broadcast
        ("int8", (2, 1, 1, 1, 3), (1, 2, 1, 2, 3), (2, 2, 2, 1, 1), (2, 2, 2, 2, 3), qt(0.1, 2)),  # 5-D
    ]):
        def build(g, dt=dt, sc=sc, sx=sx, sy=sy, so=so, q=q):
            cnd = g.input("c", sc, "bool")
            x = g.input("x", sx, dt, q)
            y = g.input("y", sy, dt, q)
            o = g.tensor("o", so, dt, q)
            g.op("SELECT_V2", [cnd, x, y], [o])
            g.mark_outputs(o)
        c.add(f"select_v2_{dt}_{k}", build, [(sc, "bool"), (sx, dt), (sy, dt)])


def arith_cases(c: Cases) -> None:
    from kcases import schema
    rng = np.random.default_rng(33)

    def div_opts(act):
        o = schema.DivOptionsT()
        o.fusedActivationFunction = act
        return o
    fa = (rng.standard_normal((2, 3, 6)) * 5).astype(np.float32)
    fb = (rng.standard_normal((2, 3, 6)) * 2).astype(np.float32)
    fb[np.abs(fb) < 0.05] = 0.5
    _binary(c, "DIV", "float32", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6), options=div_opts(0), inputs=[fa, fb])
    _binary(c, "DIV", "float32", 1, (2, 3, 6), (6,), (2, 3, 6), options=div_opts(3), inputs=[fa, fb[0, 0]])
    ia = rng.integers(-1000, 1000, (2, 3, 6)).astype(np.int32)
    ib = rng.integers(1, 40, (2, 3, 6)).astype(np.int32) * rng.choice([-1, 1], (2, 3, 6)).astype(np.int32)
    _binary(c, "DIV", "int32", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6), options=div_opts(0), inputs=[ia, ib])
    _binary(c, "DIV", "int32", 1, (2, 3, 6), (3, 1), (2, 3, 6), options=div_opts(1), inputs=[ia, ib[0, :, :1]])
    _binary(c, "FLOOR_DIV", "float32", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6), inputs=[fa, fb])
    _binary(c, "FLOOR_DIV", "float32", 1, (2, 3, 6), (1, 6), (2, 3, 6), inputs=[fa, fb[0, :1]])
    _binary(c, "FLOOR_MOD", "float32", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6), inputs=[fa, fb])
    _binary(c, "FLOOR_MOD", "float32", 1, (2, 3, 6), (6,), (2, 3, 6), inputs=[fa, fb[0, 0]])
    _binary(c, "SQUARED_DIFFERENCE", "float32", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6))
    _binary(c, "SQUARED_DIFFERENCE", "int32", 0, (2, 3, 6), (3, 1), (2, 3, 6))
    _binary(c, "SQUARED_DIFFERENCE", "int8", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6), qt(0.05, 3), qt(0.08, -4),
            qt(0.5, -128))
    _binary(c, "SQUARED_DIFFERENCE", "int8", 1, (2, 3, 6), (1, 6), (2, 3, 6), qt(0.05, 3), qt(0.03, 10),
            qt(0.2, -100))
    _binary(c, "SQUARED_DIFFERENCE", "int16", 0, (2, 3, 6), (2, 3, 6), (2, 3, 6), qt(0.001, 0), qt(0.0015, 0),
            qt(0.5, 0))


def misc_cases(c: Cases) -> None:
    from kcases import schema
    for k, dt in enumerate(("int8", "int32", "int64", "float32")):
        q = qt(0.1, 3) if dt == "int8" else None
        _unary(c, "ZEROS_LIKE", dt, k, q, q, shape=(3, 11))
    for k, (dt, dims_dt, shape) in enumerate([("float32", np.int32, (2, 3, 4)), ("int32", np.int64, (5, 7)),
                                              ("int8", np.int32, (1, 9, 2))]):
        def fill(g, dt=dt, dims_dt=dims_dt, shape=shape):
            q = qt(0.1, 3) if dt == "int8" else None
            d = g.const("dims", np.array(shape, dims_dt))
            # the value is a constant: the wheel's Python API cannot feed a rank-0 input
            v = g.const("v", np.array(-7.25 if dt == "float32" else -7, {"float32": np.float32, "int32": np.int32,
                                                                             "int8": np.int8}[dt]), dt, q)
            y = g.tensor("y", shape, dt, q)
            g.op("FILL", [d, v], [y])
            g.mark_outputs(y)
        c.items.append((f"fill_{dt}_{k}", _model(fill), []))
    rng = np.random.default_rng(34)
    f = (rng.standard_normal((4, 13)) * 200).astype(np.float32)
    f[0, :8] = [3e9, -3e9, np.inf, 70000.5, np.nan, -np.inf, -0.9, 255.9]  # saturation, NaN -> 0
    srcs = {"float32": f, "int8": rng.integers(-128, 128, (4, 13)).astype(np.int8),
            "int16": rng.integers(-32768, 32768, (4, 13)).astype(np.int16),
            "int32": rng.integers(-2**31, 2**31, (4, 13)).astype(np.int32),
            "uint32": rng.integers(0, 2**32, (4, 13)).astype(np.uint32),
            "bool": rng.integers(0, 2, (4, 13)).astype(np.bool_)}
    for ti, arr in srcs.items():
        for to in ("int8", "int16", "int32", "uint32", "float32"):
            if ti == to:
                continue

            def cast(g, ti=ti, to=to):
                x = g.input("x", (4, 13), ti)
                y = g.tensor("y", (4, 13), to)
                g.op("CAST", [x], [y])
                g.mark_outputs(y)
            c.items.append((f"cast_{ti}to{to}_0", _model(cast), [arr]))
    for op in ("ARG_MAX", "ARG_MIN"):
        for k, (dt, shape, axis) in enumerate([("float32", (3, 5, 7), 2), ("float32", (3, 5, 7), -2),
                                                ("int8", (4, 9), 1), ("int8", (2, 3, 4), 0)]):
            def arg(g, op=op, dt=dt, shape=shape, axis=axis):
                x = g.input("x", shape, dt, qt(0.1, 0) if dt == "int8" else None)
                a = g.const("axis", np.array([axis], np.int32))
                out_shape = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
                y = g.tensor("y", out_shape, "int32")
                o = schema.ArgMaxOptionsT() if op == "ARG_MAX" else schema.ArgMinOptionsT()
                o.outputType = 2  # INT32
                g.op(op, [x, a], [y], o)
                g.mark_outputs(y)
            ins = rng.integers(-4, 5, shape)  # ties: the first extremum must win
            c.items.append((f"{op.lower()}_{dt}_{k}", _model(arg), [ins.astype(np.float32 if dt == "float32" else np.int8)]))


def shape_cases(c: Cases) -> None:
    for k, (dt, ishape, begin, size, bdt) in enumerate([
        ("float32", (4, 6, 5), (1, 2, 0), (2, 3, 5), np.int32),
        ("int8", (2, 3, 4, 5, 3), (1, 0, 1, 2, 0), (1, 3, 2, 3, -1), np.int64),   # 5-D, size -1 = to the end
        ("int16", (7, 9), (3, 0), (4, 9), np.int32),
        ("int32", (3, 4), (0, 1), (3, 2), np.int64),
        ("bool", (5, 6), (2, 3), (3, 3), np.int32),
    ]):
        def sl(g, dt=dt, ishape=ishape, begin=begin, size=size, bdt=bdt):
            q = qt(0.1, 1) if dt in ("int8", "int16") else None
            x = g.input("x", ishape, dt, q)
            b = g.const("begin", np.array(begin, bdt))
            s_ = g.const("size", np.array(size, bdt))
            oshape = tuple(d - b0 if n == -1 else n for d, b0, n in zip(ishape, begin, size))
            y = g.tensor("y", oshape, dt, q)
            g.op("SLICE", [x, b, s_], [y])
            g.mark_outputs(y)
        c.add(f"slice_{dt}_{k}", sl, [(ishape, dt)])
    for k, (dt, ishape, oshape, sdt) in enumerate([("float32", (3, 1), (2, 3, 4), np.int32),
                                                    ("int8", (1, 4, 1), (2, 3, 4, 5), np.int64),
                                                    ("int32", (5,), (1, 2, 1, 3, 5), np.int32)]):
        def bt(g, dt=dt, ishape=ishape, oshape=oshape, sdt=sdt):
            q = qt(0.1, 1) if dt == "int8" else None
            x = g.input("x", ishape, dt, q)
            s_ = g.const("shape", np.array(oshape, sdt))
            y = g.tensor("y", oshape, dt, q)
            g.op("BROADCAST_TO", [x, s_], [y])
            g.mark_outputs(y)
        c.add(f"broadcast_to_{dt}_{k}", bt, [(ishape, dt)])
    for k, (dt, a, b) in enumerate([("int32", [1, 4, 1, 6], [3, 1, 5, 1]), ("int64", [7, 1], [2, 3, 1, 5])]):
        def ba(g, dt=dt, a=a, b=b):
            x = g.input("x", (len(a),), dt)
            y_ = g.input("y", (len(b),), dt)
            o = g.tensor("o", (max(len(a), len(b)),), dt)
            g.op("BROADCAST_ARGS", [x, y_], [o])
            g.mark_outputs(o)
        npdt = np.int32 if dt == "int32" else np.int64
        c.items.append((f"broadcast_args_{dt}_{k}", _model(ba), [np.array(a, npdt), np.array(b, npdt)]))


def reduce_cases(c: Cases) -> None:
    from kcases import schema
    for op, types in (("REDUCE_MAX", ("float32", "int8")), ("REDUCE_MIN", ("float32", "int8")),
                      ("SUM", ("float32", "int8", "int16")), ("REDUCE_ALL", ("bool",))):
        for dt in types:
            for k, (shape, axes, keep) in enumerate([((2, 5, 4, 3), (1, 2), True), ((3, 7, 6), (-1,), False),
                                                      ((4, 6), (0, 1), False)]):
                def red(g, op=op, dt=dt, shape=shape, axes=axes, keep=keep):
                    qi = {"int8": qt(0.05, -3), "int16": qt(0.001, 0)}.get(dt)
                    qo = qi if op != "SUM" else {"int8": qt(0.4, 10), "int16": qt(0.01, 0)}.get(dt)
                    x = g.input("x", shape, dt, qi)
                    a = g.const("axis", np.array(axes, np.int32))
                    red_ax = {ax % len(shape) for ax in axes}
                    oshape = tuple(1 if i in red_ax else d for i, d in enumerate(shape)) if keep else \
                        tuple(d for i, d in enumerate(shape) if i not in red_ax)
                    y = g.tensor("y", oshape, dt, qo)
                    o = schema.ReducerOptionsT()
                    o.keepDims = keep
                    g.op(op, [x, a], [y], o)
                    g.mark_outputs(y)
                c.add(f"{op.lower()}_{dt}_{k}", red, [(shape, dt)])


def reverse_update_cases(c: Cases) -> None:
    for k, (dt, shape, axes) in enumerate([("float32", (3, 4, 5), (1,)), ("int8", (2, 3, 4, 5), (2, 1)),
                                           ("int16", (6, 7), (-1, 0)), ("int32", (4, 9), (0,)),
                                           ("int64", (3, 5), (1,)), ("uint8", (2, 6, 3), (0, 1, 2)),
                                           ("bool", (5, 4), (0,))]):
        def rev(g, dt=dt, shape=shape, axes=axes):
            q = qt(0.1, 1) if dt in ("int8", "int16", "uint8") else None
            x = g.input("x", shape, dt, q)
            a = g.const("axis", np.array(axes, np.int32))
            y = g.tensor("y", shape, dt, q)
            g.op("REVERSE_V2", [x, a], [y])
            g.mark_outputs(y)
        c.add(f"reverse_v2_{dt}_{k}", rev, [(shape, dt)])
    for k, (dt, xs, us, start, idt) in enumerate([("float32", (4, 6, 5), (2, 3, 5), (1, 2, 0), np.int32),
                                                   ("int8", (5, 7), (2, 3), (4, -3), np.int64),   # clamped
                                                   ("int16", (3, 8), (1, 8), (2, 0), np.int32),
                                                   ("int32", (2, 3, 4), (2, 3, 4), (1, 1, 1), np.int32),  # whole
                                                   ("float32", (6,), (2,), (5,), np.int64)]):
        def dus(g, dt=dt, xs=xs, us=us, start=start, idt=idt):
            q = qt(0.1, 1) if dt in ("int8", "int16") else None
            x = g.input("x", xs, dt, q)
            u = g.input("u", us, dt, q)
            i = g.const("start", np.array(start, idt))
            y = g.tensor("y", xs, dt, q)
            g.op("DYNAMIC_UPDATE_SLICE", [x, u, i], [y])
            g.mark_outputs(y)
        c.add(f"dynamic_update_slice_{dt}_{k}", dus, [(xs, dt), (us, dt)])


def prelu_cases(c: Cases) -> None:
    for k, (dt, xs, als, qx, qa, qo) in enumerate([
        ("float32", (1, 5, 4, 6), (1, 1, 6), None, None, None),
        ("float32", (2, 7), (2, 7), None, None, None),
        ("int8", (1, 5, 4, 6), (1, 1, 6), qt(0.05, -3), qt(0.01, 20), qt(0.04, -10)),
        ("int8", (3, 8), (8,), qt(0.1, 5), qt(0.005, -2), qt(0.09, 7)),
        ("int16", (1, 4, 3, 5), (5,), qt(0.001, 0), qt(0.01, 3), qt(0.0012, 0)),
    ]):
        def pr(g, dt=dt, xs=xs, als=als, qx=qx, qa=qa, qo=qo):
            x = g.input("x", xs, dt, qx)
            a = g.input("a", als, "int8" if dt == "int16" else dt, qa)
            y = g.tensor("y", xs, dt, qo)
            g.op("PRELU", [x, a], [y])
            g.mark_outputs(y)
        c.add(f"prelu_{dt}_{k}", pr, [(xs, dt), (als, "int8" if dt == "int16" else dt)])


def add_n_cases(c: Cases) -> None:
    for k, (dt, n, shape, qi, qo) in enumerate([("float32", 3, (2, 5, 7), None, None),
                                                ("float32", 2, (11,), None, None),
                                                ("int8", 3, (2, 5, 7), qt(0.05, -7), qt(0.12, 3)),
                                                ("int8", 4, (3, 6), qt(0.1, 20), qt(0.3, -100))]):
        def an(g, dt=dt, n=n, shape=shape, qi=qi, qo=qo):
            xs = [g.input(f"x{i}", shape, dt, qi) for i in range(n)]
            y = g.tensor("y", shape, dt, qo)
            g.op("ADD_N", xs, [y])
            g.mark_outputs(y)
        c.add(f"add_n_{dt}_{k}", an, [(shape, dt)] * n)


def simple_cases(c: Cases) -> None:
    quantize_cases(c)
    unary_math_cases(c)
    compare_cases(c)
    select_cases(c)
    arith_cases(c)
    misc_cases(c)
    shape_cases(c)
    reduce_cases(c)
    reverse_update_cases(c)
    prelu_cases(c)
    add_n_cases(c)
