"""Single-op models, part 2: MEAN, the data-movement ops and corner cases (see opcases.py)."""
from __future__ import annotations

import numpy as np

from kcases import Cases, Quant, act_opts, qt, schema

S = schema


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

        # the last case sets the ellipsis and new-axis masks and offset, which TFLM ignores
        for k, (ishape, begin, end, strides, bm, em, sm, oshape, extra) in enumerate([
            ((1, 6, 6, 3), [0, 1, 0, 0], [1, 5, 6, 3], [1, 2, 1, 1], 0, 0, 0, (1, 2, 6, 3), None),
            ((4, 5), [-1, 4], [0, 0], [-1, -2], 0, 0, 0, (3, 2), None),
            ((3, 4, 2), [1, 0, 0], [2, 4, 2], [1, 1, 1], 0b110, 0b110, 0b001, (4, 2), None),
            ((2, 5, 3), [0, 1, 0], [2, 5, 2], [1, 2, 1], 0, 0, 0, (2, 2, 2), (0b010, 0b100, True)),
        ]):
            def ss(g, dt=dt, q=q, ishape=ishape, begin=begin, end=end, strides=strides, bm=bm, em=em, sm=sm,
                   oshape=oshape, extra=extra):
                x = g.input("x", ishape, dt, q)
                b = g.const("b", np.array(begin, np.int32))
                e = g.const("e", np.array(end, np.int32))
                s = g.const("s", np.array(strides, np.int32))
                y = g.tensor("y", oshape, dt, q)
                o = S.StridedSliceOptionsT()
                o.beginMask, o.endMask, o.shrinkAxisMask = bm, em, sm
                if extra:
                    o.ellipsisMask, o.newAxisMask, o.offset = extra
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
