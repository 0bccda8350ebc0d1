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


def reduce_cases(c: Cases) -> None:
    specs = [  # shape, axes, keep_dims, in q, out q
        ((1, 4, 4, 8), [1, 2], True, qt(0.05, 2), qt(0.03, -1)),
        ((1, 4, 4, 8), [1, 2], True, qt(0.05, 2), qt(0.05, 2)),
        ((2, 3, 5), [-1], False, qt(0.05, 2), qt(0.05, 2)),
        ((2, 3, 5), [0, 2], False, qt(0.1, -3), qt(0.02, 6)),
        ((3, 6), [1], True, qt(0.1, -3), qt(0.1, -3)),
    ]
    for dt in ("int8", "float32"):
        for k, (shape, axes, keep, qi, qo) in enumerate(specs):
            oshape = tuple(1 if (i in [a % len(shape) for a in axes]) else d for i, d in enumerate(shape))
            if not keep:
                oshape = tuple(d for i, d in enumerate(shape) if i not in [a % len(shape) for a in axes])

            def build(g, dt=dt, shape=shape, axes=axes, keep=keep, qi=qi, qo=qo, oshape=oshape):
                x = g.input("x", shape, dt, qi if dt == "int8" else None)
                ax = g.const("axes", np.array(axes, np.int32))
                y = g.tensor("y", oshape, dt, qo if dt == "int8" else None)
                o = S.ReducerOptionsT()
                o.keepDims = keep
                g.op("MEAN", [x, ax], [y], o)
                g.mark_outputs(y)
            c.add(f"mean_{dt}_{k}", build, [(shape, dt)])


def shape_cases(c: Cases) -> None:
    for dt in ("int8", "float32"):
        q = qt(0.05, 3) if dt == "int8" else None

        def reshape(g, dt=dt, q=q):
            x = g.input("x", (1, 2, 3, 4), dt, q)
            y = g.tensor("y", (1, 24), dt, q)
            o = S.ReshapeOptionsT()
            o.newShape = [1, 24]
            g.op("RESHAPE", [x], [y], o)
            g.mark_outputs(y)
        c.add(f"reshape_{dt}_0", reshape, [((1, 2, 3, 4), dt)])

        def reshape2(g, dt=dt, q=q):
            x = g.input("x", (2, 6), dt, q)
            s = g.const("shape", np.array([3, 4], np.int32))
            y = g.tensor("y", (3, 4), dt, q)
            g.op("RESHAPE", [x, s], [y])
            g.mark_outputs(y)
        c.add(f"reshape_{dt}_1", reshape2, [((2, 6), dt)])

        def squeeze(g, dt=dt, q=q):
            x = g.input("x", (1, 1, 5, 1), dt, q)
            y = g.tensor("y", (5,), dt, q)
            o = S.SqueezeOptionsT()
            o.squeezeDims = [0, 1, 3]
            g.op("SQUEEZE", [x], [y], o)
            g.mark_outputs(y)
        c.add(f"squeeze_{dt}_0", squeeze, [((1, 1, 5, 1), dt)])

        def expand(g, dt=dt, q=q):
            x = g.input("x", (3, 4), dt, q)
            a = g.const("axis", np.array([1], np.int32))
            y = g.tensor("y", (3, 1, 4), dt, q)
            g.op("EXPAND_DIMS", [x, a], [y])
            g.mark_outputs(y)
        c.add(f"expand_dims_{dt}_0", expand, [((3, 4), dt)])

        def shape_op(g, dt=dt, q=q):
            x = g.input("x", (2, 3, 5), dt, q)
            y = g.tensor("y", (3,), "int32")
            g.op("SHAPE", [x], [y], S.ShapeOptionsT())
            g.mark_outputs(y)
        c.add(f"shape_{dt}_0", shape_op, [((2, 3, 5), dt)])

        for k, axis in enumerate((1, 0, -1)):
            def pack(g, dt=dt, q=q, axis=axis):
                xs = [g.input(f"x{i}", (2, 3), dt, q) for i in range(3)]
                oshape = list((2, 3))
                oshape.insert(axis % 3, 3)
                y = g.tensor("y", tuple(oshape), dt, q)
                o = S.PackOptionsT()
                o.valuesCount, o.axis = 3, axis
                g.op("PACK", xs, [y], o)
                g.mark_outputs(y)
            c.add(f"pack_{dt}_{k}", pack, [((2, 3), dt)] * 3)

        def unpack(g, dt=dt, q=q):
            x = g.input("x", (3, 4, 2), dt, q)
            ys = [g.tensor(f"y{i}", (3, 2), dt, q) for i in range(4)]
            o = S.UnpackOptionsT()
            o.num, o.axis = 4, 1
            g.op("UNPACK", [x], ys, o)
            g.mark_outputs(*ys)
        c.add(f"unpack_{dt}_0", unpack, [((3, 4, 2), dt)])

        def concat(g, dt=dt, q=q):
            a = g.input("a", (1, 2, 2, 3), dt, q)
            b = g.input("b", (1, 2, 2, 5), dt, q)
            y = g.tensor("y", (1, 2, 2, 8), dt, q)
            o = S.ConcatenationOptionsT()
            o.axis = -1
            g.op("CONCATENATION", [a, b], [y], o)
            g.mark_outputs(y)
        c.add(f"concat_{dt}_0", concat, [((1, 2, 2, 3), dt), ((1, 2, 2, 5), dt)])

        def concat1(g, dt=dt, q=q):
            xs = [g.input(f"x{i}", (2, i + 1, 3), dt, q) for i in range(3)]
            y = g.tensor("y", (2, 6, 3), dt, q)
            o = S.ConcatenationOptionsT()
            o.axis = 1
            g.op("CONCATENATION", xs, [y], o)
            g.mark_outputs(y)
        c.add(f"concat_{dt}_1", concat1, [((2, i + 1, 3), dt) for i in range(3)])

        def split(g, dt=dt, q=q):
            a = g.const("axis", np.array(1, np.int32))
            x = g.input("x", (2, 6), dt, q)
            ys = [g.tensor(f"y{i}", (2, 2), dt, q) for i in range(3)]
            o = S.SplitOptionsT()
            o.numSplits = 3
            g.op("SPLIT", [a, x], ys, o)
            g.mark_outputs(*ys)
        c.add(f"split_{dt}_0", split, [((2, 6), dt)])

        def split_v(g, dt=dt, q=q):
            x = g.input("x", (2, 6, 2), dt, q)
            s = g.const("sizes", np.array([1, 2, 3], np.int32))
            a = g.const("axis", np.array(-2, np.int32))
            ys = [g.tensor(f"y{i}", (2, i + 1, 2), dt, q) for i in range(3)]
            o = S.SplitVOptionsT()
            o.numSplits = 3
            g.op("SPLIT_V", [x, s, a], ys, o)
            g.mark_outputs(*ys)
        c.add(f"split_v_{dt}_0", split_v, [((2, 6, 2), dt)])

        for k, (ishape, begin, end, strides, bm, em, sm, oshape) in enumerate([
            ((1, 6, 6, 3), [0, 1, 0, 0], [1, 5, 6, 3], [1, 2, 1, 1], 0, 0, 0, (1, 2, 6, 3)),
            ((4, 5), [-1, 4], [0, 0], [-1, -2], 0, 0, 0, (3, 2)),
            ((3, 4, 2), [1, 0, 0], [2, 4, 2], [1, 1, 1], 0b110, 0b110, 0b001, (4, 2)),
        ]):
            def ss(g, dt=dt, q=q, ishape=ishape, begin=begin, end=end, strides=strides, bm=bm, em=em, sm=sm,
                   oshape=oshape):
                x = g.input("x", ishape, dt, q)
                b = g.const("b", np.array(begin, np.int32))
                e = g.const("e", np.array(end, np.int32))
                s = g.const("s", np.array(strides, np.int32))
                y = g.tensor("y", oshape, dt, q)
                o = S.StridedSliceOptionsT()
                o.beginMask, o.endMask, o.shrinkAxisMask = bm, em, sm
                g.op("STRIDED_SLICE", [x, b, e, s], [y], o)
                g.mark_outputs(y)
            c.add(f"strided_slice_{dt}_{k}", ss, [(ishape, dt)])

        for k, (ishape, perm) in enumerate([((2, 3, 4), [2, 0, 1]), ((1, 2, 3, 4, 2), [0, 4, 1, 3, 2])]):
            def tr(g, dt=dt, q=q, ishape=ishape, perm=perm):
                x = g.input("x", ishape, dt, q)
                p = g.const("perm", np.array(perm, np.int32))
                y = g.tensor("y", tuple(ishape[i] for i in perm), dt, q)
                g.op("TRANSPOSE", [x, p], [y])
                g.mark_outputs(y)
            c.add(f"transpose_{dt}_{k}", tr, [(ishape, dt)])

        def pad(g, dt=dt, q=q):
            x = g.input("x", (1, 3, 3, 2), dt, q)
            p = g.const("p", np.array([[0, 0], [1, 1], [2, 0], [0, 1]], np.int32))
            y = g.tensor("y", (1, 5, 5, 3), dt, q)
            g.op("PAD", [x, p], [y])
            g.mark_outputs(y)
        c.add(f"pad_{dt}_0", pad, [((1, 3, 3, 2), dt)])


def edge_cases(c: Cases) -> None:
    """Corners: per-tensor conv weights, HARD_SWISH with a right-shifting reluish multiplier,
    QUANTIZE of values far outside the int8 range (x86-64's float->int conversion, which TFLM's
    result depends on, must be reproduced on Arm)."""
    rng = np.random.default_rng(11)

    def conv_pt(g):
        x = g.input("x", (1, 5, 5, 3), "int8", qt(0.05, -1))
        w = g.const("w", rng.integers(-127, 128, (4, 3, 3, 3), dtype=np.int8), quant=qt(0.02))
        b = g.const("b", rng.integers(-500, 500, 4, dtype=np.int32), quant=qt(0.001))
        y = g.tensor("y", (1, 5, 5, 4), "int8", qt(0.1, 3))
        g.op("CONV_2D", [x, w, b], [y], act_opts(S.Conv2DOptionsT, 0, padding=S.Padding.SAME, strideW=1, strideH=1))
        g.mark_outputs(y)
    c.add("conv_int8_pt", conv_pt, [((1, 5, 5, 3), "int8")])

    def fc_nobias(g):  # the bias input present but -1 (omitted optional input)
        x = g.input("x", (2, 12), "int8", qt(0.03, -4))
        w = g.const("w", rng.integers(-127, 128, (6, 12), dtype=np.int8), quant=Quant.per_channel([0.01] * 6, axis=0))
        y = g.tensor("y", (2, 6), "int8", qt(0.05, 1))
        g.op("FULLY_CONNECTED", [x, w, None], [y], act_opts(S.FullyConnectedOptionsT, 0))
        g.mark_outputs(y)
    c.add("fc_int8_nobias", fc_nobias, [((2, 12), "int8")])

    def hswish(g):
        x = g.input("x", (4, 64), "int8", qt(0.004, 7))
        y = g.tensor("y", (4, 64), "int8", qt(0.003, -50))
        g.op("HARD_SWISH", [x], [y])
        g.mark_outputs(y)
    c.add("hard_swish_int8_rshift", hswish, [((4, 64), "int8")])

    def quant_big(g):
        x = g.input("x", (2, 8), "float32")
        y = g.tensor("y", (2, 8), "int8", qt(0.01, 3))
        g.op("QUANTIZE", [x], [y])
        g.mark_outputs(y)
    big = np.array([[1e10, -1e10, 3e38, -3e38, np.inf, -np.inf, 2.1e7, -2.2e7],
                    [1.27, -1.29, 0.005, -0.005, 0.015, -0.015, 1e-30, -0.0]], np.float32)
    c.items.append(("quantize_float_big", __import__("kcases")._model(quant_big), [big]))


def all_cases() -> list[tuple[str, bytes, list[np.ndarray]]]:
    c = Cases()
    for f in (conv_cases, dw_cases, fc_cases, pool_cases, binary_cases, softmax_cases, unary_cases,
              reduce_cases, shape_cases, edge_cases):
        f(c)
    return c.items
