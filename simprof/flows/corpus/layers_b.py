"""Layer helpers for the data-movement, gather and resize operators (functions on a `Graph`, so the
Graph class stays as it is): DEPTH_TO_SPACE, SPACE_TO_DEPTH, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND,
GATHER, GATHER_ND, EMBEDDING_LOOKUP, RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, MIRROR_PAD, PADV2.
Every helper returns an activation quantized like its input (these ops move values, they do not
rescale them), which is what TFLite's converter produces."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from simprof.model.builder import BuilderError, Quant, schema

from .act import Act
from .layers import Graph, conv_out


def _opt(cls, **kw):
    o = cls()
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def depth_to_space(g: Graph, x: Act, block: int) -> Act:
    n, h, w, c = x.shape
    if c % (block * block):
        raise BuilderError(f"DEPTH_TO_SPACE: depth {c} is not a multiple of {block}^2")
    y = g._like("d2s", x, (n, h * block, w * block, c // (block * block)))
    g.sg.op("DEPTH_TO_SPACE", [x.ref], [y.ref], _opt(schema.DepthToSpaceOptionsT, blockSize=block))
    return y


def space_to_depth(g: Graph, x: Act, block: int) -> Act:
    n, h, w, c = x.shape
    if h % block or w % block:
        raise BuilderError(f"SPACE_TO_DEPTH: {h}x{w} is not a multiple of {block}")
    y = g._like("s2d", x, (n, h // block, w // block, c * block * block))
    g.sg.op("SPACE_TO_DEPTH", [x.ref], [y.ref], _opt(schema.SpaceToDepthOptionsT, blockSize=block))
    return y


def space_to_batch(g: Graph, x: Act, block: Sequence[int], pads: Sequence[tuple[int, int]]) -> Act:
    n, h, w, c = x.shape
    (t, b), (lft, r) = pads
    hp, wp = h + t + b, w + lft + r
    if hp % block[0] or wp % block[1]:
        raise BuilderError("SPACE_TO_BATCH_ND: padded size is not a multiple of the block")
    y = g._like("s2b", x, (n * block[0] * block[1], hp // block[0], wp // block[1], c))
    g.sg.op("SPACE_TO_BATCH_ND", [x.ref, g.const_int32(block, "block"),
                                  g.sg.const(g._name("paddings"), np.asarray(pads, np.int32), "int32")],
            [y.ref], schema.SpaceToBatchNDOptionsT())
    return y


def batch_to_space(g: Graph, x: Act, block: Sequence[int], crops: Sequence[tuple[int, int]]) -> Act:
    n, h, w, c = x.shape
    (t, b), (lft, r) = crops
    if n % (block[0] * block[1]):
        raise BuilderError("BATCH_TO_SPACE_ND: batch is not a multiple of the block")
    y = g._like("b2s", x, (n // (block[0] * block[1]), h * block[0] - t - b, w * block[1] - lft - r, c))
    g.sg.op("BATCH_TO_SPACE_ND", [x.ref, g.const_int32(block, "block"),
                                  g.sg.const(g._name("crops"), np.asarray(crops, np.int32), "int32")],
            [y.ref], schema.BatchToSpaceNDOptionsT())
    return y


def gather(g: Graph, x: Act, indices: np.ndarray, axis: int = 0) -> Act:
    idx = np.asarray(indices, np.int32)
    ax = axis % len(x.shape)
    shape = tuple(x.shape[:ax]) + idx.shape + tuple(x.shape[ax + 1:])
    y = g._like("gather", x, shape)
    pos = g.sg.const(g._name("positions"), idx, "int32")
    g.sg.op("GATHER", [x.ref, pos], [y.ref], _opt(schema.GatherOptionsT, axis=axis, batchDims=0))
    return y


def gather_nd(g: Graph, x: Act, indices: np.ndarray) -> Act:
    idx = np.asarray(indices, np.int32)
    shape = idx.shape[:-1] + tuple(x.shape[idx.shape[-1]:])
    y = g._like("gather_nd", x, shape)
    g.sg.op("GATHER_ND", [x.ref, g.sg.const(g._name("indices"), idx, "int32")], [y.ref], schema.GatherNdOptionsT())
    return y


def embedding(g: Graph, ids: Sequence[int], rows: int, dims: int, like: Act) -> Act:
    """EMBEDDING_LOOKUP of constant ids in a constant (rows, dims) table quantized like `like`
    (int8) or float32; the result has shape (len(ids), dims)."""
    vals = g.rng.normal(like.mean, like.std, (rows, dims))
    if g.dtype == "int8":
        q = like.ref.quant
        table = np.clip(np.round(vals / q.scale[0]) + q.zero_point[0], -128, 127).astype(np.int8)
        t = g.sg.const(g._name("embeddings"), table, "int8", q)
    else:
        t = g.sg.const(g._name("embeddings"), vals.astype(np.float32), "float32")
    y = g._like("embedding", like, (len(ids), dims))
    g.sg.op("EMBEDDING_LOOKUP", [g.const_int32(list(ids), "ids"), t], [y.ref])
    return y


def resize(g: Graph, x: Act, size: tuple[int, int], bilinear: bool, align_corners: bool = False,
           half_pixel_centers: bool = False) -> Act:
    n, _, _, c = x.shape
    y = g._like("resize", x, (n, size[0], size[1], c))
    if bilinear:
        opt = _opt(schema.ResizeBilinearOptionsT, alignCorners=align_corners, halfPixelCenters=half_pixel_centers)
        g.sg.op("RESIZE_BILINEAR", [x.ref, g.const_int32(size, "size")], [y.ref], opt)
    else:
        opt = _opt(schema.ResizeNearestNeighborOptionsT, alignCorners=align_corners,
                   halfPixelCenters=half_pixel_centers)
        g.sg.op("RESIZE_NEAREST_NEIGHBOR", [x.ref, g.const_int32(size, "size")], [y.ref], opt)
    return y


def mirror_pad(g: Graph, x: Act, paddings: Sequence[tuple[int, int]], symmetric: bool = False) -> Act:
    shape = [d + a + b for d, (a, b) in zip(x.shape, paddings)]
    y = g._like("mirror_pad", x, shape)
    pads = g.sg.const(g._name("paddings"), np.asarray(paddings, np.int32), "int32")
    g.sg.op("MIRROR_PAD", [x.ref, pads], [y.ref], _opt(schema.MirrorPadOptionsT, mode=1 if symmetric else 0))
    return y


def padv2(g: Graph, x: Act, paddings: Sequence[tuple[int, int]], value: float) -> Act:
    """PADV2 with a real-valued constant, quantized with the input's parameters for int8."""
    shape = [d + a + b for d, (a, b) in zip(x.shape, paddings)]
    y = g._like("padv2", x, shape)
    pads = g.sg.const(g._name("paddings"), np.asarray(paddings, np.int32), "int32")
    if x.ref.dtype == "int8":
        q = x.ref.quant
        cv = np.array(int(np.clip(round(value / q.scale[0]) + q.zero_point[0], -128, 127)), np.int8)
        c = g.sg.const(g._name("pad_value"), cv, "int8", q)
    else:
        c = g.sg.const(g._name("pad_value"), np.array(value, np.float32), "float32")
    g.sg.op("PADV2", [x.ref, pads, c], [y.ref], schema.PadV2OptionsT())
    return y


def l2_normalization(g: Graph, x: Act) -> Act:
    """Over the last axis; int8 output is fixed at scale 1/128, zero point 0 (TFLite's rule)."""
    if x.ref.dtype == "int8":
        y = g._new("l2norm", x.shape, 0.0, 0.5, -1.0, 127 / 128, quant=Quant.per_tensor(1 / 128, 0))
    else:
        y = g._new("l2norm", x.shape, 0.0, 0.5, -1.0, 1.0)
    g.sg.op("L2_NORMALIZATION", [x.ref], [y.ref], schema.L2NormOptionsT())
    return y


def l2_pool(g: Graph, x: Act, pool: int = 2, stride: int | None = None, padding: str = "VALID") -> Act:
    """float32 only (TFLM's L2_POOL_2D has no integer kernel)."""
    stride = stride or pool
    n, h, w, c = x.shape
    oh, ow = conv_out(h, pool, stride, padding), conv_out(w, pool, stride, padding)
    y = g._new("l2pool", (n, oh, ow, c), x.rms, x.std, 0.0, max(abs(x.lo), abs(x.hi)))
    g.sg.op("L2_POOL_2D", [x.ref], [y.ref], _opt(schema.Pool2DOptionsT, padding=getattr(schema.Padding, padding), strideW=stride,
                                                  strideH=stride, filterWidth=pool, filterHeight=pool))
    return y


def cumsum(g: Graph, x: Act, axis: int, exclusive: bool = False, reverse: bool = False) -> Act:
    n = x.shape[axis]
    lo, hi = min(x.lo * n, x.lo), max(x.hi * n, x.hi)
    y = g._new("cumsum", x.shape, x.mean * n / 2, x.std * n ** 0.5, lo, hi)
    g.sg.op("CUMSUM", [x.ref, g.sg.const(g._name("axis"), np.array(axis, np.int32), "int32")], [y.ref],
            _opt(schema.CumsumOptionsT, exclusive=exclusive, reverse=reverse))
    return y


def transpose_conv(g: Graph, x: Act, filters: int, kernel: int = 3, stride: int = 2, padding: str = "SAME",
                   act: str = "NONE", bias: bool = True) -> Act:
    """The decoder up-sampling layer: output (in * stride) with SAME, ((in - 1) * stride + kernel) with VALID."""
    n, h, w, c = x.shape
    fan_in = max(1, kernel * kernel * c // (stride * stride))
    wt, b, mean, std, lo, hi = g._weights(x, (filters, kernel, kernel, c), fan_in, 0, act, "tconv")
    size = (lambda s: s * stride) if padding == "SAME" else (lambda s: (s - 1) * stride + kernel)
    oshape = (n, size(h), size(w), filters)
    y = g._new("tconv", oshape, mean, std, lo, hi)
    opt = _opt(schema.TransposeConvOptionsT, padding=getattr(schema.Padding, padding), strideW=stride, strideH=stride,
               fusedActivationFunction=getattr(schema.ActivationFunctionType, act))
    g.sg.op("TRANSPOSE_CONV", [g.const_int32(oshape, "output_shape"), wt, x.ref] + ([b] if bias else []), [y.ref], opt)
    return y


def batch_matmul(g: Graph, a: Act, b: Act, adj_x: bool = False, adj_y: bool = False) -> Act:
    """a @ b over the last two axes (batch dims broadcast), output quantized for the product's range."""
    rows = a.shape[-1] if adj_x else a.shape[-2]
    depth = a.shape[-2] if adj_x else a.shape[-1]
    cols = b.shape[-2] if adj_y else b.shape[-1]
    rank = max(len(a.shape), len(b.shape))
    ea, eb = (1,) * (rank - len(a.shape)) + a.shape, (1,) * (rank - len(b.shape)) + b.shape
    batch = tuple(y if x == 1 else x for x, y in zip(ea[:-2], eb[:-2]))
    std = a.rms * b.rms * depth ** 0.5
    y = g._new("matmul", batch + (rows, cols), 0.0, std, -3 * std, 3 * std)
    g.sg.op("BATCH_MATMUL", [a.ref, b.ref], [y.ref], _opt(schema.BatchMatMulOptionsT, adjX=adj_x, adjY=adj_y))
    return y


def const_act(g: Graph, shape: tuple[int, ...], like: Act, name: str = "const") -> Act:
    """A constant activation-like tensor (e.g. a BATCH_MATMUL weight), quantized like `like`."""
    vals = g.rng.normal(like.mean, like.std, shape)
    if g.dtype == "int8":
        q = like.ref.quant
        t = g.sg.const(g._name(name), np.clip(np.round(vals / q.scale[0]) + q.zero_point[0], -128, 127).astype(np.int8),
                       "int8", q)
    else:
        t = g.sg.const(g._name(name), vals.astype(np.float32), "float32")
    return Act(t, like.mean, like.std, like.lo, like.hi)


def svdf(g: Graph, x: Act, units: int, rank: int = 1, memory: int = 8, act: str = "NONE") -> Act:
    """SVDF over a (batch, features) input: int8 graphs get TFLM's 8x16 layout (int8 feature
    weights, int16 time weights and state, int32 bias), float32 graphs float everything."""
    batch, n = x.shape
    filters = units * rank
    feat = g.rng.uniform(-1, 1, (filters, n)) * (3.0 / n) ** 0.5
    time = g.rng.uniform(-1, 1, (filters, memory)) * (3.0 / memory) ** 0.5
    s_state = 4 * x.rms
    std = x.rms * (rank ** 0.5)
    if g.dtype == "float32":
        wf = g.sg.const(g._name("svdf_wf"), feat.astype(np.float32), "float32")
        wt = g.sg.const(g._name("svdf_wt"), time.astype(np.float32), "float32")
        b = g.sg.const(g._name("svdf_b"), g.rng.normal(0, 0.1 * std, units).astype(np.float32), "float32")
        state = g.sg.tensor(g._name("svdf_state"), (batch, filters * memory), "float32", variable=True)
        y = g._new("svdf", (batch, units), 0.0, std, -3 * std, 3 * std)
    else:
        wf_s, wt_s, st_s = float(np.abs(feat).max() / 127), float(np.abs(time).max() / 32767), s_state / 32767
        wf = g.sg.const(g._name("svdf_wf"), np.round(feat / wf_s).astype(np.int8), "int8", Quant.per_tensor(wf_s))
        wt = g.sg.const(g._name("svdf_wt"), np.round(time / wt_s).astype(np.int16), "int16", Quant.per_tensor(wt_s))
        b_s = float(np.float32(st_s) * np.float32(wt_s))
        b = g.sg.const(g._name("svdf_b"), np.round(g.rng.normal(0, 0.1 * std, units) / b_s).astype(np.int32), "int32",
                       Quant.per_tensor(b_s))
        state = g.sg.tensor(g._name("svdf_state"), (batch, filters * memory), "int16", Quant.per_tensor(st_s),
                            variable=True)
        y = g._new("svdf", (batch, units), 0.0, std, -3 * std, 3 * std)
    opt = _opt(schema.SVDFOptionsT, rank=rank, fusedActivationFunction=getattr(schema.ActivationFunctionType, act))
    g.sg.op("SVDF", [x.ref, wf, wt, b, state], [y.ref], opt)
    return y

