"""The single-op models the kernel tests run: every op of simprof-rt, int8 and float32 where TFLite
has both, with fused activations, broadcasting, padding modes and per-channel weights."""
from __future__ import annotations

import numpy as np

from kcases import Cases, Quant, act_opts, qt, schema

S = schema
RELU, RELU_N1, RELU6 = 1, 2, 3


def conv_cases(c: Cases) -> None:
    rng = np.random.default_rng(7)
    for dt in ("int8", "float32"):
        for k, (ishape, fshape, stride, pad, act, dil, bias, oshape) in enumerate([
            ((1, 9, 9, 3), (4, 3, 3, 3), 2, S.Padding.SAME, RELU, 1, True, (1, 5, 5, 4)),
            ((2, 7, 6, 4), (3, 2, 3, 4), 1, S.Padding.VALID, RELU6, 2, False, (2, 5, 2, 3)),
            ((1, 5, 5, 2), (5, 1, 1, 2), 1, S.Padding.SAME, 0, 1, True, (1, 5, 5, 5)),
            ((1, 6, 6, 4), (4, 3, 3, 2), 1, S.Padding.SAME, RELU_N1, 1, True, (1, 6, 6, 4)),  # 2 groups
        ]):
            def build(g, dt=dt, ishape=ishape, fshape=fshape, stride=stride, pad=pad, act=act, dil=dil,
                      bias=bias, oshape=oshape):
                cout = fshape[0]
                if dt == "int8":
                    x = g.input("x", ishape, "int8", qt(0.05, 3))
                    fs = [0.004 + 0.003 * i for i in range(cout)]
                    w = g.const("w", rng.integers(-127, 128, fshape, dtype=np.int8),
                                quant=Quant.per_channel(fs, axis=0))
                    b = g.const("b", rng.integers(-3000, 3000, cout, dtype=np.int32),
                                quant=Quant.per_channel([0.05 * s for s in fs], axis=0)) if bias else None
                    y = g.tensor("y", oshape, "int8", qt(0.08, -2))
                else:
                    x = g.input("x", ishape, "float32")
                    w = g.const("w", rng.standard_normal(fshape).astype(np.float32))
                    b = g.const("b", rng.standard_normal(cout).astype(np.float32)) if bias else None
                    y = g.tensor("y", oshape, "float32")
                o = act_opts(S.Conv2DOptionsT, act, padding=pad, strideW=stride, strideH=stride,
                             dilationWFactor=dil, dilationHFactor=dil)
                g.op("CONV_2D", [x, w, b] if bias else [x, w], [y], o)
                g.mark_outputs(y)
            c.add(f"conv_{dt}_{k}", build, [(ishape, dt)])


def dw_cases(c: Cases) -> None:
    rng = np.random.default_rng(8)
    for dt in ("int8", "float32"):
        for k, (ishape, fshape, stride, pad, act, dil, bias, oshape) in enumerate([
            ((1, 8, 8, 4), (1, 3, 3, 8), 1, S.Padding.SAME, RELU6, 1, True, (1, 8, 8, 8)),
            ((1, 9, 7, 3), (1, 3, 3, 3), 2, S.Padding.VALID, 0, 1, False, (1, 4, 3, 3)),
            ((2, 6, 6, 2), (1, 2, 2, 2), 1, S.Padding.SAME, RELU, 2, True, (2, 6, 6, 2)),
        ]):
            def build(g, dt=dt, ishape=ishape, fshape=fshape, stride=stride, pad=pad, act=act, dil=dil,
                      bias=bias, oshape=oshape):
                cout = fshape[3]
                if dt == "int8":
                    x = g.input("x", ishape, "int8", qt(0.06, -5))
                    fs = [0.01 + 0.002 * i for i in range(cout)]
                    w = g.const("w", rng.integers(-127, 128, fshape, dtype=np.int8),
                                quant=Quant.per_channel(fs, axis=3))
                    b = g.const("b", rng.integers(-2000, 2000, cout, dtype=np.int32),
                                quant=Quant.per_channel([0.06 * s for s in fs], axis=0)) if bias else None
                    y = g.tensor("y", oshape, "int8", qt(0.07, 4))
                else:
                    x = g.input("x", ishape, "float32")
                    w = g.const("w", rng.standard_normal(fshape).astype(np.float32))
                    b = g.const("b", rng.standard_normal(cout).astype(np.float32)) if bias else None
                    y = g.tensor("y", oshape, "float32")
                o = act_opts(S.DepthwiseConv2DOptionsT, act, padding=pad, strideW=stride, strideH=stride,
                             depthMultiplier=cout // ishape[3], dilationWFactor=dil, dilationHFactor=dil)
                g.op("DEPTHWISE_CONV_2D", [x, w, b] if bias else [x, w], [y], o)
                g.mark_outputs(y)
            c.add(f"dw_{dt}_{k}", build, [(ishape, dt)])


def fc_cases(c: Cases) -> None:
    rng = np.random.default_rng(9)
    for dt in ("int8", "float32"):
        for k, (ishape, units, per_channel, act, bias) in enumerate([
            ((2, 16), 5, False, RELU, True), ((1, 4, 6), 7, True, 0, True), ((3, 10), 4, True, RELU6, False),
        ]):
            depth = ishape[-1]
            oshape = (int(np.prod(ishape)) // depth, units)

            def build(g, dt=dt, ishape=ishape, units=units, pc=per_channel, act=act, bias=bias, oshape=oshape,
                      depth=depth):
                if dt == "int8":
                    x = g.input("x", ishape, "int8", qt(0.04, 7))
                    fs = [0.01 + 0.001 * i for i in range(units)] if pc else [0.012]
                    wq = Quant.per_channel(fs, axis=0) if pc else qt(fs[0])
                    w = g.const("w", rng.integers(-127, 128, (units, depth), dtype=np.int8), quant=wq)
                    bq = Quant.per_channel([0.04 * s for s in fs], axis=0) if pc else qt(0.04 * fs[0])
                    b = g.const("b", rng.integers(-900, 900, units, dtype=np.int32), quant=bq) if bias else None
                    y = g.tensor("y", oshape, "int8", qt(0.09, -3))
                else:
                    x = g.input("x", ishape, "float32")
                    w = g.const("w", rng.standard_normal((units, depth)).astype(np.float32))
                    b = g.const("b", rng.standard_normal(units).astype(np.float32)) if bias else None
                    y = g.tensor("y", oshape, "float32")
                g.op("FULLY_CONNECTED", [x, w, b] if bias else [x, w], [y], act_opts(S.FullyConnectedOptionsT, act))
                g.mark_outputs(y)
            c.add(f"fc_{dt}_{k}", build, [(ishape, dt)])


def pool_cases(c: Cases) -> None:
    for dt in ("int8", "float32"):
        for k, (op, ishape, f, stride, pad, act, oshape) in enumerate([
            ("AVERAGE_POOL_2D", (1, 7, 7, 4), 3, 2, S.Padding.SAME, RELU, (1, 4, 4, 4)),
            ("AVERAGE_POOL_2D", (2, 6, 5, 3), 2, 2, S.Padding.VALID, 0, (2, 3, 2, 3)),
            ("MAX_POOL_2D", (1, 7, 7, 4), 2, 2, S.Padding.VALID, RELU6, (1, 3, 3, 4)),
            ("MAX_POOL_2D", (1, 5, 5, 2), 3, 1, S.Padding.SAME, 0, (1, 5, 5, 2)),
        ]):
            def build(g, dt=dt, op=op, ishape=ishape, f=f, stride=stride, pad=pad, act=act, oshape=oshape):
                q = qt(0.05, -4) if dt == "int8" else None
                x = g.input("x", ishape, dt, q)
                y = g.tensor("y", oshape, dt, q)
                g.op(op, [x], [y], act_opts(S.Pool2DOptionsT, act, padding=pad, strideW=stride, strideH=stride,
                                             filterWidth=f, filterHeight=f))
                g.mark_outputs(y)
            c.add(f"pool_{dt}_{k}", build, [(ishape, dt)])


def binary_cases(c: Cases) -> None:
    shapes = [((1, 4, 4, 3), (1, 1, 1, 3), (1, 4, 4, 3)), ((2, 3), (2, 3), (2, 3)),
              ((3, 1, 5), (1, 4, 1), (3, 4, 5)), ((2, 1, 2, 1, 3), (2, 2, 1, 3), (2, 2, 2, 2, 3))]
    ops = [("ADD", S.AddOptionsT), ("SUB", S.SubOptionsT), ("MUL", S.MulOptionsT),
           ("MAXIMUM", None), ("MINIMUM", None)]
    for dt in ("int8", "float32", "int32"):
        for op, opt in ops:
            for k, (a, b, o) in enumerate(shapes):
                act = (RELU6, RELU, 0, RELU_N1)[k] if opt is not None and dt != "int32" else 0

                def build(g, dt=dt, op=op, opt=opt, a=a, b=b, o=o, act=act):
                    if dt == "int8":
                        same = opt is None
                        qa, qb, qo = (qt(0.05, 2), qt(0.05, 2), qt(0.05, 2)) if same else \
                                     (qt(0.05, 2), qt(0.03, -7), qt(0.11 if op != "MUL" else 0.2, 5))
                    else:
                        qa = qb = qo = None
                    x = g.input("a", a, dt, qa)
                    y = g.input("b", b, dt, qb)
                    z = g.tensor("z", o, dt, qo)
                    g.op(op, [x, y], [z], act_opts(opt, act) if opt is not None else None)
                    g.mark_outputs(z)
                c.add(f"{op.lower()}_{dt}_{k}", build, [(a, dt), (b, dt)])


def softmax_cases(c: Cases) -> None:
    for dt in ("int8", "float32"):
        for k, (shape, beta, in_scale) in enumerate([((2, 10), 1.0, 0.1), ((1, 3, 7), 0.5, 0.25), ((1, 300), 1.0, 0.05)]):
            def build(g, dt=dt, shape=shape, beta=beta, in_scale=in_scale):
                x = g.input("x", shape, dt, qt(in_scale, 5) if dt == "int8" else None)
                y = g.tensor("y", shape, dt, qt(1 / 256, -128) if dt == "int8" else None)
                o = S.SoftmaxOptionsT()
                o.beta = beta
                g.op("SOFTMAX", [x], [y], o)
                g.mark_outputs(y)
            c.add(f"softmax_{dt}_{k}", build, [(shape, dt)])


def unary_cases(c: Cases) -> None:
    specs = [  # op, in quant, out quant, options
        ("RELU", qt(0.05, 10), qt(0.03, -128), None),
        ("RELU6", qt(0.05, -20), qt(0.05, -20), None),
        ("LEAKY_RELU", qt(0.05, 3), qt(0.04, -10), "leaky"),
        ("HARD_SWISH", qt(0.05, 5), qt(0.04, -20), None),
        ("HARD_SWISH", qt(0.5, -3), qt(0.02, 0), None),
        ("LOGISTIC", qt(0.1, 0), qt(1 / 256, -128), None),
        ("LOGISTIC", qt(0.03, -9), qt(1 / 256, -128), None),
        ("TANH", qt(0.05, 3), qt(1 / 128, 0), None),
        ("TANH", qt(0.2, -1), qt(1 / 128, 0), None),
        ("QUANTIZE", qt(0.05, 3), qt(0.07, -9), None),  # int8 -> int8 requantise
        ("RSQRT", None, None, None),
        ("RSQRT", qt(0.02, -128), qt(0.05, -100), None),
    ]
    for dt in ("int8", "float32"):
        for k, (op, qi, qo, opt) in enumerate(specs):
            if dt == "int8" and qi is None or dt == "float32" and (op == "QUANTIZE" or qi is not None and op == "RSQRT"):
                continue
            shape = (4, 64)

            def build(g, dt=dt, op=op, qi=qi, qo=qo, opt=opt, shape=shape):
                x = g.input("x", shape, dt, qi if dt == "int8" else None)
                y = g.tensor("y", shape, dt, qo if dt == "int8" else None)
                o = None
                if opt == "leaky":
                    o = S.LeakyReluOptionsT()
                    o.alpha = 0.2
                g.op(op, [x], [y], o)
                g.mark_outputs(y)
            spec = (shape, dt)
            if op == "RSQRT" and dt == "float32":
                c.items.append((f"rsqrt_{dt}_{k}", __import__("kcases")._model(build),
                                [np.abs(c.rng.standard_normal(shape)).astype(np.float32) + 0.01]))
            else:
                c.add(f"{op.lower()}_{dt}_{k}", build, [spec])
    # float <-> int8 at the model edges
    def qb(g):
        x = g.input("x", (3, 50), "float32")
        y = g.tensor("y", (3, 50), "int8", qt(0.02, -5))
        g.op("QUANTIZE", [x], [y])
        g.mark_outputs(y)
    c.add("quantize_float_0", qb, [((3, 50), "float32")])

    def q16(g):
        x = g.input("x", (3, 50), "float32")
        y = g.tensor("y", (3, 50), "int16", qt(0.0003, 0))
        g.op("QUANTIZE", [x], [y])
        g.mark_outputs(y)
    c.add("quantize_float_1", q16, [((3, 50), "float32")])

    def rq16(g):
        x = g.input("x", (3, 50), "int16", qt(0.0003, 0))
        z = g.tensor("z", (3, 50), "int8", qt(0.05, 4))
        g.op("QUANTIZE", [x], [z])
        g.mark_outputs(z)
    c.add("quantize_int16_0", rq16, [((3, 50), "int16")])

    def dq16(g):
        x = g.input("x", (3, 50), "int16", qt(0.0007, 0))
        y = g.tensor("y", (3, 50), "float32")
        g.op("DEQUANTIZE", [x], [y])
        g.mark_outputs(y)
    c.add("dequantize_int16_0", dq16, [((3, 50), "int16")])

    def dq(g):
        x = g.input("x", (3, 50), "int8", qt(0.037, 11))
        y = g.tensor("y", (3, 50), "float32")
        g.op("DEQUANTIZE", [x], [y])
        g.mark_outputs(y)
    c.add("dequantize_int8_0", dq, [((3, 50), "int8")])


def all_cases() -> list[tuple[str, bytes, list[np.ndarray]]]:
    c = Cases()
    from opcases_shape import edge_cases, reduce_cases, shape_cases
    from opcases_simple import simple_cases

    for f in (conv_cases, dw_cases, fc_cases, pool_cases, binary_cases, softmax_cases, unary_cases,
              reduce_cases, shape_cases, edge_cases, simple_cases):
        f(c)
    from opcases_b import cases_b
    cases_b(c)
    from opcases_lstm import lstm_cases
    lstm_cases(c)
    from opcases_types import type_cases
    type_cases(c)
    return c.items
