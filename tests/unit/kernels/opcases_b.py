"""Single-op models, part 3: the space/batch/depth moves, GATHER family, resizes, MIRROR_PAD and
PADV2, and PAD on int16 (see opcases.py). Each type TFLM's reference kernel accepts is covered;
`expected_events_b` gives the Prepare-time sequence of TFLM's kernel for these ops (temp tensors,
the output-dims copy of CreateWritableTensorDimsWithCopy, OpData taken in Prepare, scratch)."""
from __future__ import annotations

import numpy as np

from kcases import Cases, Quant, qt, schema

S = schema


def _q(dt: str, scale: float = 0.05, zp: int = 3):
    return qt(scale, zp) if dt in ("int8", "int16") else None


def _opt(cls, **kw):
    o = cls()
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def space_cases(c: Cases) -> None:
    for dt in ("int8", "float32"):
        q = _q(dt)
        for k, (ishape, b, oshape) in enumerate([((1, 2, 3, 8), 2, (1, 4, 6, 2)), ((2, 1, 2, 9), 3, (2, 3, 6, 1))]):
            def d2s(g, dt=dt, q=q, ishape=ishape, b=b, oshape=oshape):
                x = g.input("x", ishape, dt, q)
                y = g.tensor("y", oshape, dt, q)
                g.op("DEPTH_TO_SPACE", [x], [y], _opt(S.DepthToSpaceOptionsT, blockSize=b))
                g.mark_outputs(y)
            c.add(f"depth_to_space_{dt}_{k}", d2s, [(ishape, dt)])

            def s2d(g, dt=dt, q=q, ishape=ishape, b=b, oshape=oshape):
                x = g.input("x", oshape, dt, q)
                y = g.tensor("y", ishape, dt, q)
                g.op("SPACE_TO_DEPTH", [x], [y], _opt(S.SpaceToDepthOptionsT, blockSize=b))
                g.mark_outputs(y)
            c.add(f"space_to_depth_{dt}_{k}", s2d, [(oshape, dt)])

        # (space-side shape, block, paddings/crops, batch-side shape)
        for k, (sshape, block, pads, bshape) in enumerate([
            ((1, 4, 6, 3), [2, 2], [[0, 0], [0, 0]], (4, 2, 3, 3)),
            ((2, 3, 5, 2), [2, 3], [[1, 0], [0, 1]], (12, 2, 2, 2)),
            ((1, 5, 2), [3], [[1, 0]], (3, 2, 2)),
        ]):
            # SPACE_TO_BATCH_ND gets the padded shape and zero paddings: TFLM fills padded elements
            # from an OpData field it never sets (whatever the arena held), so they are undefined
            padded = tuple([sshape[0]] + [d + a + b for d, (a, b) in zip(sshape[1:1 + len(block)], pads)]
                           + list(sshape[1 + len(block):]))

            def s2b(g, dt=dt, q=q, sshape=padded, block=block, pads=[[0, 0]] * len(pads), bshape=bshape):
                x = g.input("x", sshape, dt, q)
                bs = g.const("block", np.array(block, np.int32))
                pd = g.const("pads", np.array(pads, np.int32))
                y = g.tensor("y", bshape, dt, q)
                g.op("SPACE_TO_BATCH_ND", [x, bs, pd], [y], S.SpaceToBatchNDOptionsT())
                g.mark_outputs(y)
            c.add(f"space_to_batch_nd_{dt}_{k}", s2b, [(padded, dt)])

            def b2s(g, dt=dt, q=q, sshape=sshape, block=block, pads=pads, bshape=bshape):
                x = g.input("x", bshape, dt, q)
                bs = g.const("block", np.array(block, np.int32))
                cr = g.const("crops", np.array(pads, np.int32))
                y = g.tensor("y", sshape, dt, q)
                g.op("BATCH_TO_SPACE_ND", [x, bs, cr], [y], S.BatchToSpaceNDOptionsT())
                g.mark_outputs(y)
            c.add(f"batch_to_space_nd_{dt}_{k}", b2s, [(bshape, dt)])


def gather_cases(c: Cases) -> None:
    for dt in ("int8", "float32"):
        q = _q(dt)
        for k, (ishape, idx, axis, bd, oshape) in enumerate([
            ((5, 3), [[4, 0], [2, 2], [1, 3]], 0, 0, (3, 2, 3)),
            ((2, 4, 3), [3, 0, 1, 1, 2], 1, 0, (2, 5, 3)),
            ((2, 4, 3), [[1, 0], [2, 2]], -1, 1, (2, 4, 2)),
        ]):
            def gather(g, dt=dt, q=q, ishape=ishape, idx=idx, axis=axis, bd=bd, oshape=oshape):
                x = g.input("x", ishape, dt, q)
                p = g.const("pos", np.array(idx, np.int32))
                y = g.tensor("y", oshape, dt, q)
                g.op("GATHER", [x, p], [y], _opt(S.GatherOptionsT, axis=axis, batchDims=bd))
                g.mark_outputs(y)
            c.add(f"gather_{dt}_{k}", gather, [(ishape, dt)])

        for k, (pshape, idx, oshape) in enumerate([
            ((3, 4, 2), [[2, 1], [0, 3], [1, 1]], (3, 2)),
            ((3, 4, 2), [[[1]], [[2]]], (2, 1, 4, 2)),
            ((4, 3), [[3, 2, ], [0, 0]], (2,)),
        ]):
            def gnd(g, dt=dt, q=q, pshape=pshape, idx=idx, oshape=oshape):
                x = g.input("x", pshape, dt, q)
                p = g.const("idx", np.array(idx, np.int32))
                y = g.tensor("y", oshape, dt, q)
                g.op("GATHER_ND", [x, p], [y], S.GatherNdOptionsT())
                g.mark_outputs(y)
            c.add(f"gather_nd_{dt}_{k}", gnd, [(pshape, dt)])

    rng = np.random.default_rng(21)
    for k, (vdt, odt) in enumerate([("float32", "float32"), ("int8", "int8"), ("int8", "float32")]):
        def emb(g, vdt=vdt, odt=odt):
            look = g.input("look", (4,), "int32")
            vq = qt(0.037, 0) if vdt == "int8" else None
            vals = (rng.integers(-128, 128, (6, 2, 3)).astype(np.int8) if vdt == "int8"
                    else rng.standard_normal((6, 2, 3)).astype(np.float32))
            v = g.const("value", vals, vdt, vq)
            y = g.tensor("y", (4, 2, 3), odt, vq if odt == "int8" else None)
            g.op("EMBEDDING_LOOKUP", [look, v], [y])
            g.mark_outputs(y)
        c.add(f"embedding_lookup_{vdt}_{k}", emb, [((4,), "int32")])
    # lookups must be valid rows: replace the random int32 inputs of those cases
    for i, (name, model, inputs) in enumerate(c.items):
        if name.startswith("embedding_lookup_"):
            c.items[i] = (name, model, [np.array([5, 0, 3, 3], np.int32)])


def resize_cases(c: Cases) -> None:
    specs = [  # in shape, size, align_corners, half_pixel_centers
        ((1, 3, 4, 2), (6, 8), False, False),
        ((2, 4, 3, 3), (7, 5), True, False),
        ((1, 5, 5, 1), (3, 9), False, True),
    ]
    for dt in ("int8", "float32", "int16"):
        for k, (ishape, size, ac, hp) in enumerate(specs):
            oshape = (ishape[0], size[0], size[1], ishape[3])

            def nn(g, dt=dt, ishape=ishape, size=size, ac=ac, hp=hp, oshape=oshape):
                x = g.input("x", ishape, dt, _q(dt))
                s = g.const("size", np.array(size, np.int32))
                y = g.tensor("y", oshape, dt, _q(dt))
                g.op("RESIZE_NEAREST_NEIGHBOR", [x, s], [y],
                     _opt(S.ResizeNearestNeighborOptionsT, alignCorners=ac, halfPixelCenters=hp))
                g.mark_outputs(y)
            c.add(f"resize_nearest_{dt}_{k}", nn, [(ishape, dt)])
            if dt == "int16":
                continue

            def bl(g, dt=dt, ishape=ishape, size=size, ac=ac, hp=hp, oshape=oshape):
                x = g.input("x", ishape, dt, _q(dt))
                s = g.const("size", np.array(size, np.int32))
                y = g.tensor("y", oshape, dt, _q(dt))
                g.op("RESIZE_BILINEAR", [x, s], [y],
                     _opt(S.ResizeBilinearOptionsT, alignCorners=ac, halfPixelCenters=hp))
                g.mark_outputs(y)
            c.add(f"resize_bilinear_{dt}_{k}", bl, [(ishape, dt)])


def pad_cases(c: Cases) -> None:
    for dt in ("int8", "float32"):
        q = _q(dt)
        for k, (ishape, pads, mode) in enumerate([
            ((1, 3, 4, 2), [[0, 0], [2, 1], [1, 3], [0, 0]], 0),   # REFLECT
            ((2, 3, 3), [[1, 2], [3, 0], [0, 3]], 1),              # SYMMETRIC
        ]):
            oshape = tuple(d + a + b for d, (a, b) in zip(ishape, pads))
            pdt = np.int32 if k == 0 else np.int64

            def mp(g, dt=dt, q=q, ishape=ishape, pads=pads, mode=mode, oshape=oshape, pdt=pdt):
                x = g.input("x", ishape, dt, q)
                p = g.const("pads", np.array(pads, pdt))
                y = g.tensor("y", oshape, dt, q)
                g.op("MIRROR_PAD", [x, p], [y], _opt(S.MirrorPadOptionsT, mode=mode))
                g.mark_outputs(y)
            c.add(f"mirror_pad_{dt}_{k}", mp, [(ishape, dt)])

    for dt, cval in (("int8", np.int8(-7)), ("float32", np.float32(2.5)), ("int16", np.int16(-1234)),
                     ("int32", np.int32(77))):
        def p2(g, dt=dt, cval=cval):
            q = _q(dt, 0.02, 0 if dt == "int16" else 3)
            x = g.input("x", (1, 3, 3, 2), dt, q)
            p = g.const("pads", np.array([[0, 0], [1, 2], [2, 0], [0, 1]], np.int32))
            cv = g.const("cval", np.array(cval), dt, q)
            y = g.tensor("y", (1, 6, 5, 3), dt, q)
            g.op("PADV2", [x, p, cv], [y], S.PadV2OptionsT())
            g.mark_outputs(y)
        c.add(f"padv2_{dt}_0", p2, [((1, 3, 3, 2), dt)])

    def pad16(g):
        q = qt(0.001, 0)
        x = g.input("x", (2, 3, 4), "int16", q)
        p = g.const("pads", np.array([[1, 0], [0, 2], [1, 1]], np.int32))
        y = g.tensor("y", (3, 5, 6), "int16", q)
        g.op("PAD", [x, p], [y])
        g.mark_outputs(y)
    c.add("pad_int16_0", pad16, [((2, 3, 4), "int16")])


def norm_cases(c: Cases) -> None:
    for k, shape in enumerate([(2, 7), (1, 3, 4, 5)]):
        for dt in ("int8", "float32"):
            def l2n(g, dt=dt, shape=shape):
                x = g.input("x", shape, dt, _q(dt, 0.04, -3))
                y = g.tensor("y", shape, dt, qt(1 / 128, 0) if dt == "int8" else None)
                g.op("L2_NORMALIZATION", [x], [y], S.L2NormOptionsT())
                g.mark_outputs(y)
            c.add(f"l2_normalization_{dt}_{k}", l2n, [(shape, dt)])

    for k, (ishape, f, s, pad, act, oshape) in enumerate([
        ((1, 6, 5, 3), 2, 2, S.Padding.VALID, 0, (1, 3, 2, 3)),
        ((2, 5, 5, 2), 3, 2, S.Padding.SAME, 1, (2, 3, 3, 2)),
    ]):
        def l2p(g, ishape=ishape, f=f, s=s, pad=pad, act=act, oshape=oshape):
            x = g.input("x", ishape, "float32")
            y = g.tensor("y", oshape, "float32")
            g.op("L2_POOL_2D", [x], [y], _opt(S.Pool2DOptionsT, padding=pad, strideW=s, strideH=s, filterWidth=f,
                                               filterHeight=f, fusedActivationFunction=act))
            g.mark_outputs(y)
        c.add(f"l2_pool_float32_{k}", l2p, [(ishape, "float32")])

    for dt in ("int8", "float32"):
        for k, (shape, axis, excl, rev) in enumerate([((3, 5), 1, False, False), ((2, 4, 3), 1, True, True),
                                                      ((4, 2, 3), -3, False, True)]):
            def cs(g, dt=dt, shape=shape, axis=axis, excl=excl, rev=rev):
                x = g.input("x", shape, dt, _q(dt, 0.02, 5))
                a = g.const("axis", np.array(axis, np.int32))
                y = g.tensor("y", shape, dt, _q(dt, 0.09, -4))
                g.op("CUMSUM", [x, a], [y], _opt(S.CumsumOptionsT, exclusive=excl, reverse=rev))
                g.mark_outputs(y)
            c.add(f"cumsum_{dt}_{k}", cs, [(shape, dt)])


def transpose_conv_cases(c: Cases) -> None:
    rng = np.random.default_rng(31)
    specs = [  # in shape, filter (O,H,W,I), stride, padding, act, bias, out shape
        ((1, 3, 4, 3), (5, 3, 3, 3), 2, S.Padding.SAME, 0, True, (1, 6, 8, 5)),
        ((2, 4, 3, 2), (3, 2, 3, 2), 1, S.Padding.VALID, 1, False, (2, 5, 5, 3)),
        ((1, 2, 2, 4), (2, 3, 3, 4), 3, S.Padding.VALID, 3, True, (1, 6, 6, 2)),
    ]
    for dt in ("int8", "int16", "float32"):
        for k, (ishape, fshape, st, pad, act, bias, oshape) in enumerate(specs):
            bias_t = {"int8": "int32", "int16": "int64" if k != 2 else "int16", "float32": "float32"}[dt]

            def tc(g, dt=dt, ishape=ishape, fshape=fshape, st=st, pad=pad, act=act, bias=bias, oshape=oshape,
                   bias_t=bias_t):
                cout = fshape[0]
                shape_t = g.const("oshape", np.array(oshape, np.int32))
                if dt == "float32":
                    x = g.input("x", ishape, dt)
                    w = g.const("w", rng.standard_normal(fshape).astype(np.float32))
                    b = g.const("b", rng.standard_normal(cout).astype(np.float32)) if bias else None
                    y = g.tensor("y", oshape, dt)
                else:
                    xq = qt(0.05, 3) if dt == "int8" else qt(0.0004, 0)
                    yq = qt(0.09, -2) if dt == "int8" else qt(0.0011, 0)
                    fs = [0.004 + 0.002 * i for i in range(cout)]
                    x = g.input("x", ishape, dt, xq)
                    w = g.const("w", rng.integers(-127, 128, fshape, dtype=np.int8), quant=Quant.per_channel(fs, axis=0))
                    npt = {"int32": np.int32, "int64": np.int64, "int16": np.int16}[bias_t]
                    b = g.const("b", rng.integers(-3000, 3000, cout).astype(npt), bias_t,
                                Quant.per_channel([xq.scale[0] * s for s in fs], axis=0)) if bias else None
                    y = g.tensor("y", oshape, dt, yq)
                o = _opt(S.TransposeConvOptionsT, padding=pad, strideW=st, strideH=st, fusedActivationFunction=act)
                g.op("TRANSPOSE_CONV", [shape_t, w, x] + ([b] if bias else []), [y], o)
                g.mark_outputs(y)
            c.add(f"transpose_conv_{dt}_{k}", tc, [(ishape, dt)])


def batch_matmul_cases(c: Cases) -> None:
    specs = [  # lhs, rhs, adj_x, adj_y, out, rhs constant
        ((2, 3, 4), (2, 4, 5), False, False, (2, 3, 5), False),
        ((3, 4), (1, 2, 5, 4), False, True, (1, 2, 3, 5), True),
        ((2, 1, 4, 3), (3, 4, 2), True, False, (2, 3, 3, 2), False),
    ]
    rng = np.random.default_rng(41)
    for dt in ("int8", "int16", "float32"):
        for k, (ls, rs, ax, ay, os_, rconst) in enumerate(specs):
            def bmm(g, dt=dt, ls=ls, rs=rs, ax=ax, ay=ay, os_=os_, rconst=rconst):
                ql = {"int8": qt(0.05, 3), "int16": qt(0.002, 0)}.get(dt)
                qr = {"int8": qt(0.03, -4), "int16": qt(0.003, 0)}.get(dt)
                qo = {"int8": qt(0.2, 1), "int16": qt(0.4, 0)}.get(dt)
                lhs = g.input("lhs", ls, dt, ql)
                if rconst:
                    vals = (rng.standard_normal(rs).astype(np.float32) if dt == "float32"
                            else rng.integers(-100, 100, rs).astype(np.int8 if dt == "int8" else np.int16))
                    rhs = g.const("rhs", vals, dt, qr)
                else:
                    rhs = g.input("rhs", rs, dt, qr)
                y = g.tensor("y", os_, dt, qo)
                g.op("BATCH_MATMUL", [lhs, rhs], [y], _opt(S.BatchMatMulOptionsT, adjX=ax, adjY=ay))
                g.mark_outputs(y)
            c.add(f"batch_matmul_{dt}_{k}", bmm, [(ls, dt)] + ([] if rconst else [(rs, dt)]))


def svdf_cases(c: Cases) -> None:
    rng = np.random.default_rng(51)
    specs = [  # batch, input, filters, rank, memory, state type, bias, activation
        (2, 6, 8, 2, 4, "int16", True, 0),
        (1, 5, 6, 1, 3, "int8", True, 0),
        (3, 4, 6, 3, 5, "float32", True, 1),
        (1, 7, 4, 2, 2, "float32", True, 3),
    ]
    for k, (b, n, f, r, m, st, bias, act) in enumerate(specs):
        dt = "float32" if st == "float32" else "int8"

        def svdf(g, b=b, n=n, f=f, r=r, m=m, st=st, bias=bias, act=act, dt=dt):
            if dt == "float32":
                x = g.input("x", (b, n), dt)
                wf = g.const("wf", rng.standard_normal((f, n)).astype(np.float32))
                wt = g.const("wt", rng.standard_normal((f, m)).astype(np.float32))
                bb = g.const("b", rng.standard_normal(f // r).astype(np.float32)) if bias else None
                state = g.tensor("state", (b, f * m), dt, variable=True)
                y = g.tensor("y", (b, f // r), dt)
            else:
                s_st, s_wt = (0.004, 0.0007) if st == "int16" else (0.06, 0.01)
                npt = np.int16 if st == "int16" else np.int8
                lim = 20000 if st == "int16" else 120
                x = g.input("x", (b, n), dt, qt(0.05, 3))
                wf = g.const("wf", rng.integers(-127, 128, (f, n)).astype(np.int8), "int8", qt(0.01, 0))
                wt = g.const("wt", rng.integers(-lim, lim, (f, m)).astype(npt), st, qt(s_wt, 0))
                bscale = float(np.float32(s_st) * np.float32(s_wt))
                bb = g.const("b", rng.integers(-5000, 5000, f // r).astype(np.int32), "int32", qt(bscale, 0))
                state = g.tensor("state", (b, f * m), st, qt(s_st, 0 if st == "int16" else -3), variable=True)
                y = g.tensor("y", (b, f // r), dt, qt(0.05, -2))
            o = _opt(S.SVDFOptionsT, rank=r, fusedActivationFunction=act)
            g.op("SVDF", [x, wf, wt, bb, state], [y], o)
            g.mark_outputs(y)
        c.add(f"svdf_{st}_{k}", svdf, [((b, n), dt)])


def int16_weighted_cases(c: Cases) -> None:
    """CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with int16 activations and int8 weights."""
    rng = np.random.default_rng(61)
    xq, yq = qt(0.0005, 0), qt(0.002, 0)

    def bias(n, kind, fs):
        if kind is None:
            return None
        npt = np.int64 if kind == "int64" else np.int32
        return rng.integers(-40000, 40000, n).astype(npt), kind, Quant.per_channel([xq.scale[0] * s for s in fs], axis=0)

    for k, (ishape, fshape, stride, pad, act, bkind, oshape) in enumerate([
        ((1, 7, 6, 3), (4, 3, 3, 3), 2, S.Padding.SAME, 1, "int64", (1, 4, 3, 4)),
        ((1, 5, 5, 4), (3, 2, 2, 4), 1, S.Padding.VALID, 3, "int32", (1, 4, 4, 3)),
        ((2, 4, 4, 4), (4, 3, 3, 2), 1, S.Padding.SAME, 0, None, (2, 4, 4, 4)),   # 2 groups
    ]):
        def conv(g, ishape=ishape, fshape=fshape, stride=stride, pad=pad, act=act, bkind=bkind, oshape=oshape):
            fs = [0.003 + 0.001 * i for i in range(fshape[0])]
            x = g.input("x", ishape, "int16", xq)
            w = g.const("w", rng.integers(-127, 128, fshape, dtype=np.int8), quant=Quant.per_channel(fs, axis=0))
            bb = bias(fshape[0], bkind, fs)
            b = g.const("b", bb[0], bb[1], bb[2]) if bb else None
            y = g.tensor("y", oshape, "int16", yq)
            o = _opt(S.Conv2DOptionsT, padding=pad, strideW=stride, strideH=stride, fusedActivationFunction=act,
                     dilationWFactor=1, dilationHFactor=1)
            g.op("CONV_2D", [x, w, b] if b else [x, w], [y], o)
            g.mark_outputs(y)
        c.add(f"conv_int16_{k}", conv, [(ishape, "int16")])

    for k, (ishape, fshape, stride, pad, act, bkind, oshape) in enumerate([
        ((1, 6, 6, 3), (1, 3, 3, 6), 1, S.Padding.SAME, 3, "int64", (1, 6, 6, 6)),
        ((1, 7, 5, 4), (1, 3, 3, 4), 2, S.Padding.VALID, 0, None, (1, 3, 2, 4)),
    ]):
        def dw(g, ishape=ishape, fshape=fshape, stride=stride, pad=pad, act=act, bkind=bkind, oshape=oshape):
            fs = [0.01 + 0.002 * i for i in range(fshape[3])]
            x = g.input("x", ishape, "int16", xq)
            w = g.const("w", rng.integers(-127, 128, fshape, dtype=np.int8), quant=Quant.per_channel(fs, axis=3))
            bb = bias(fshape[3], bkind, fs)
            b = g.const("b", bb[0], bb[1], bb[2]) if bb else None
            y = g.tensor("y", oshape, "int16", yq)
            o = _opt(S.DepthwiseConv2DOptionsT, padding=pad, strideW=stride, strideH=stride, fusedActivationFunction=act,
                     depthMultiplier=fshape[3] // ishape[3], dilationWFactor=1, dilationHFactor=1)
            g.op("DEPTHWISE_CONV_2D", [x, w, b] if b else [x, w], [y], o)
            g.mark_outputs(y)
        c.add(f"dw_int16_{k}", dw, [(ishape, "int16")])

    for k, (ishape, units, per_channel, act, bkind) in enumerate([
        ((2, 16), 5, True, 1, "int64"), ((3, 10), 4, False, 0, "int32"), ((1, 12), 6, True, 3, None),
    ]):
        def fc(g, ishape=ishape, units=units, per_channel=per_channel, act=act, bkind=bkind):
            fs = [0.004 + 0.001 * i for i in range(units)] if per_channel else [0.005]
            x = g.input("x", ishape, "int16", xq)
            wq = Quant.per_channel(fs, axis=0) if per_channel else qt(fs[0], 0)
            w = g.const("w", rng.integers(-127, 128, (units, ishape[-1]), dtype=np.int8), quant=wq)
            bb = bias(units, bkind, fs if per_channel else fs * units)
            b = g.const("b", bb[0], bb[1], bb[2]) if bb else None
            y = g.tensor("y", (ishape[0], units), "int16", yq)
            g.op("FULLY_CONNECTED", [x, w, b] if b else [x, w], [y],
                 _opt(S.FullyConnectedOptionsT, fusedActivationFunction=act))
            g.mark_outputs(y)
        c.add(f"fc_int16_{k}", fc, [(ishape, "int16")])


def int16_misc_cases(c: Cases) -> None:
    """AVERAGE/MAX_POOL_2D, ADD, SUB, MUL on int16 (zero points 0, as the 16x8 converter emits)."""
    for k, (op, ishape, f, s, pad, act, oshape) in enumerate([
        ("AVERAGE_POOL_2D", (1, 6, 5, 3), 2, 2, S.Padding.SAME, 0, (1, 3, 3, 3)),
        ("MAX_POOL_2D", (2, 5, 5, 2), 3, 1, S.Padding.VALID, 1, (2, 3, 3, 2)),
        ("AVERAGE_POOL_2D", (1, 7, 7, 2), 3, 2, S.Padding.VALID, 3, (1, 3, 3, 2)),
    ]):
        def pool(g, op=op, ishape=ishape, f=f, s=s, pad=pad, act=act, oshape=oshape):
            x = g.input("x", ishape, "int16", qt(0.001, 0))
            y = g.tensor("y", oshape, "int16", qt(0.001, 0))
            g.op(op, [x], [y], _opt(S.Pool2DOptionsT, padding=pad, strideW=s, strideH=s, filterWidth=f, filterHeight=f,
                                    fusedActivationFunction=act))
            g.mark_outputs(y)
        c.add(f"pool_int16_{k}", pool, [(ishape, "int16")])

    for op, opt in (("ADD", S.AddOptionsT), ("SUB", S.SubOptionsT), ("MUL", S.MulOptionsT)):
        for k, (ashape, bshape, act, scales) in enumerate([
            ((1, 4, 3, 5), (1, 4, 3, 5), 0, (0.0004, 0.0007, 0.001)),
            ((2, 3, 4), (1, 1, 4), 1, (0.0009, 0.0002, 0.0012)),
        ]):
            def binop(g, op=op, opt=opt, ashape=ashape, bshape=bshape, act=act, scales=scales):
                sa, sb, so = scales
                if op == "MUL":
                    so = sa * sb * 40000
                a = g.input("a", ashape, "int16", qt(sa, 0))
                b = g.input("b", bshape, "int16", qt(sb, 0))
                y = g.tensor("y", tuple(max(p, q) for p, q in zip(ashape, bshape)), "int16", qt(so, 0))
                g.op(op, [a, b], [y], _opt(opt, fusedActivationFunction=act))
                g.mark_outputs(y)
            c.add(f"{op.lower()}_int16_{k}", binop, [(ashape, "int16"), (bshape, "int16")])


def int16_activation_cases(c: Cases) -> None:
    for k, (op, qi, qo) in enumerate([("RELU", (0.001, 0), (0.0006, 0)), ("RELU6", (0.0003, 0), (0.0003, 0)),
                                      ("LEAKY_RELU", (0.0008, 0), (0.0005, 0))]):
        def act(g, op=op, qi=qi, qo=qo):
            x = g.input("x", (2, 5, 7), "int16", qt(*qi))
            y = g.tensor("y", (2, 5, 7), "int16", qt(*qo))
            g.op(op, [x], [y], _opt(S.LeakyReluOptionsT, alpha=0.15) if op == "LEAKY_RELU" else None)
            g.mark_outputs(y)
        c.add(f"{op.lower()}_int16_{k}", act, [((2, 5, 7), "int16")])


def int16_data_movement_cases(c: Cases) -> None:
    """The "any fixed-size type" ops on int16 (16x8 models carry int16 through them)."""
    q = qt(0.001, 0)

    def concat(g):
        a, b = g.input("a", (1, 2, 3, 2), "int16", q), g.input("b", (1, 2, 3, 4), "int16", q)
        y = g.tensor("y", (1, 2, 3, 6), "int16", q)
        g.op("CONCATENATION", [a, b], [y], _opt(S.ConcatenationOptionsT, axis=3))
        g.mark_outputs(y)
    c.add("concat_int16_0", concat, [((1, 2, 3, 2), "int16"), ((1, 2, 3, 4), "int16")])

    def transpose(g):
        x = g.input("x", (2, 3, 4), "int16", q)
        y = g.tensor("y", (4, 2, 3), "int16", q)
        g.op("TRANSPOSE", [x, g.const("perm", np.array([2, 0, 1], np.int32))], [y], S.TransposeOptionsT())
        g.mark_outputs(y)
    c.add("transpose_int16_0", transpose, [((2, 3, 4), "int16")])

    def sslice(g):
        x = g.input("x", (1, 6, 5, 2), "int16", q)
        y = g.tensor("y", (1, 3, 2, 2), "int16", q)
        g.op("STRIDED_SLICE", [x, g.const("b", np.array([0, 0, 1, 0], np.int32)),
                               g.const("e", np.array([1, 6, 5, 2], np.int32)),
                               g.const("s", np.array([1, 2, 2, 1], np.int32))], [y], S.StridedSliceOptionsT())
        g.mark_outputs(y)
    c.add("strided_slice_int16_0", sslice, [((1, 6, 5, 2), "int16")])

    def split(g):
        x = g.input("x", (2, 6), "int16", q)
        ys = [g.tensor(f"y{i}", (2, 2), "int16", q) for i in range(3)]
        g.op("SPLIT", [g.const("axis", np.array(1, np.int32)), x], ys, _opt(S.SplitOptionsT, numSplits=3))
        g.mark_outputs(*ys)
    c.add("split_int16_0", split, [((2, 6), "int16")])

    def pack(g):
        a, b = g.input("a", (2, 3), "int16", q), g.input("b", (2, 3), "int16", q)
        y = g.tensor("y", (2, 2, 3), "int16", q)
        g.op("PACK", [a, b], [y], _opt(S.PackOptionsT, valuesCount=2, axis=1))
        g.mark_outputs(y)
    c.add("pack_int16_0", pack, [((2, 3), "int16"), ((2, 3), "int16")])

    def unpack(g):
        x = g.input("x", (3, 4), "int16", q)
        ys = [g.tensor(f"y{i}", (4,), "int16", q) for i in range(3)]
        g.op("UNPACK", [x], ys, _opt(S.UnpackOptionsT, num=3, axis=0))
        g.mark_outputs(*ys)
    c.add("unpack_int16_0", unpack, [((3, 4), "int16")])


def cases_b(c: Cases) -> None:
    for f in (space_cases, gather_cases, resize_cases, pad_cases, norm_cases, transpose_conv_cases,
              batch_matmul_cases, svdf_cases, int16_weighted_cases, int16_misc_cases,
              int16_activation_cases, int16_data_movement_cases):
        f(c)


def expected_events_b(ops: str, name: str, shapes: list[list[int]], op) -> list[str] | None:
    """TFLM's Prepare sequence for the ops of this file (None: not one of them). `op` is the
    flatbuffer Operator; `shapes` the stored tensor shapes."""
    io = ["T in 0", "T out 0"]
    dims_copy = f"P {4 + 4 * len(shapes[op.Outputs(0)])}"
    if ops in ("depth_to_space", "space_to_depth"):
        return io + [dims_copy]
    if ops in ("batch_to_space_nd", "space_to_batch_nd"):
        return io
    if ops in ("gather", "gather_nd"):
        return ["T in 0", "T in 1", "T out 0", dims_copy]
    if ops == "embedding_lookup":
        return ["T in 0", "T in 1", "T out 0", dims_copy, "P 16"]  # OpData {float; size_t} on x86-64
    if ops in ("resize_nearest", "resize_bilinear"):
        return ["T in 0", "T in 1", "T out 0"]
    if ops == "mirror_pad":
        rank = len(shapes[op.Inputs(0)])
        return ["T in 0", "T in 1", "T out 0", f"S {4 * rank}", f"S {4 * rank}"]
    if ops == "l2_normalization":
        return io
    if ops == "l2_pool":
        return ["T out 0", "T in 0", dims_copy]
    if ops == "cumsum":
        return ["T in 0", "T in 1", "T out 0"] + (["P 36"] if "_int8_" in name else [])
    if ops == "transpose_conv":
        cout = shapes[op.Inputs(1)][0]
        nout = int(np.prod(shapes[op.Outputs(0)]))
        has_bias = op.InputsLength() > 3
        ev = ["T out 0", "T in 2", "T in 1", f"P {4 * cout}", f"P {4 * cout}"]
        if "_float32_" in name:
            return ev
        ev += [f"S {(4 if '_int8_' in name else 8) * nout}", "T in 2", "T in 1"] + (["T in 3"] if has_bias else [])
        ev += ["T out 0"]
        sg_bias_int16 = has_bias and "_int16_" in name and name.endswith("_2")
        return ev + ([f"S {8 * cout}"] if sg_bias_int16 else [])
    if ops == "batch_matmul":
        lr, rr = len(shapes[op.Inputs(0)]), len(shapes[op.Inputs(1)])
        o = S.BatchMatMulOptionsT.InitFromObj(op.BuiltinOptions() and _bmm_options(op))
        ev = ["T in 0", "T in 1", "T out 0"] + ([] if "_float32_" in name else ["P 28"])
        if o.adjX:
            ev += ["P 24", f"P {4 + 4 * lr}", f"P {int(np.prod(shapes[op.Inputs(0)])) * _esize(name)}"]
        if not o.adjY:
            ev += ["P 24", f"P {4 + 4 * rr}", f"P {int(np.prod(shapes[op.Inputs(1)])) * _esize(name)}"]
        return ev + [dims_copy]
    if ops == "svdf":
        b, f = shapes[op.Inputs(0)][0], shapes[op.Inputs(1)][0]
        units = shapes[op.Outputs(0)][1]
        ev = ["T in 0", "T in 1", "T in 2"] + (["T in 3"] if op.Inputs(3) >= 0 else []) + ["T in 4", "T out 0"]
        return ev + [f"S {4 * b * f}"] + ([] if "_float32_" in name else [f"S {4 * b * units}"])
    if ops == "padv2":
        return ["T in 0", "T in 1", "T in 2", "T out 0"]
    return None


def _bmm_options(op):
    t = S.BatchMatMulOptions()
    t.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
    return t


def _esize(name: str) -> int:
    return 1 if "_int8_" in name else 2 if "_int16_" in name else 4
