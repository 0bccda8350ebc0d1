"""Example models (see opmodels.py) for the data-movement, gather and resize operators, int8 and
float32: each op sits between two small layers so that its input is planned in the arena and its
output feeds another kernel, as in a real model."""
from __future__ import annotations

from typing import Callable

from . import layers16 as l16
from . import layers_b as lb
from .layers import Graph


def _d2s(g: Graph) -> None:
    g.output(lb.depth_to_space(g, g.conv2d(g.input((1, 5, 3, 4)), 8, 1), 2))


def _s2d(g: Graph) -> None:
    g.output(g.conv2d(lb.space_to_depth(g, g.input((1, 6, 4, 3)), 2), 5, 1))


def _s2b_b2s(g: Graph) -> None:
    # dilated-convolution pattern: SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND. No padding:
    # TFLM fills padded elements from an OpData field it never sets (uninitialised arena bytes),
    # so a padded output is not defined and cannot be compared bit for bit.
    x = g.input((1, 8, 6, 3))
    y = lb.space_to_batch(g, x, (2, 2), ((0, 0), (0, 0)))
    y = g.conv2d(y, 4, 3, padding="VALID")
    g.output(lb.batch_to_space(g, y, (2, 2), ((0, 0), (0, 0))))


def _gather(g: Graph) -> None:
    x = g.fully_connected(g.input((6, 5)), 7)
    g.output(lb.gather(g, x, [[5, 0, 2], [1, 1, 4]], axis=0))


def _gather_axis1(g: Graph) -> None:
    g.output(lb.gather(g, g.input((2, 9, 3)), [8, 0, 4, 4], axis=1))


def _gather_nd(g: Graph) -> None:
    g.output(lb.gather_nd(g, g.input((4, 3, 5)), [[3, 2], [0, 1], [2, 0]]))


def _embedding(g: Graph) -> None:
    x = g.input((5, 6))
    e = lb.embedding(g, [3, 0, 7, 3, 1], rows=9, dims=6, like=x)
    g.output(g.add(x, e))


def _resize(bilinear: bool, align: bool = False, half: bool = False):
    def f(g: Graph) -> None:
        x = g.input((1, 5, 4, 3))
        g.output(lb.resize(g, x, (9, 11), bilinear, align, half))
    return f


def _mirror_pad(symmetric: bool):
    def f(g: Graph) -> None:
        x = g.input((1, 5, 6, 3))
        g.output(g.conv2d(lb.mirror_pad(g, x, ((0, 0), (1, 2), (2, 1), (0, 0)), symmetric), 4, 3, padding="VALID"))
    return f


def _padv2(g: Graph) -> None:
    g.output(g.max_pool(lb.padv2(g, g.input((1, 5, 5, 3)), ((0, 0), (1, 1), (1, 2), (0, 0)), -0.75), 2))


def _l2norm(g: Graph) -> None:
    g.output(lb.l2_normalization(g, g.fully_connected(g.input((3, 10)), 6)))


def _l2pool(g: Graph) -> None:
    g.output(lb.l2_pool(g, g.input((1, 7, 6, 3)), 3, 2, "SAME"))


def _cumsum(g: Graph) -> None:
    g.output(lb.cumsum(g, g.input((2, 7, 3)), 1))


def _cumsum_rev(g: Graph) -> None:
    g.output(lb.cumsum(g, g.input((4, 5)), 0, exclusive=True, reverse=True))


def _tconv(padding: str, stride: int, bias: bool = True, act: str = "NONE"):
    def f(g: Graph) -> None:
        x = g.conv2d(g.input((1, 4, 3, 5)), 6, 1, act="RELU")
        g.output(lb.transpose_conv(g, x, 4, 3, stride, padding, act, bias))
    return f


def _bmm(g: Graph) -> None:
    a, b = g.input((2, 5, 6)), g.input((2, 6, 3))
    g.output(lb.batch_matmul(g, a, b))


def _bmm_const_adj(g: Graph) -> None:
    a = g.input((3, 4, 7))
    w = lb.const_act(g, (5, 7), a, "weights")
    g.output(lb.batch_matmul(g, a, w, adj_y=True))


def _bmm_adj_x(g: Graph) -> None:
    a, b = g.input((1, 2, 6, 4)), g.input((3, 1, 6, 5))
    g.output(lb.batch_matmul(g, a, b, adj_x=True))


def _svdf(g: Graph) -> None:
    # two stacked SVDF layers, the keyword-spotting "SVDF" topology in small
    x = g.input((1, 10))
    g.output(g.fully_connected(lb.svdf(g, lb.svdf(g, x, 8, rank=2, memory=5), 6, memory=3), 4))


def _cnn16(g: Graph) -> None:
    # 16x8: int16 activations, int8 per-channel weights, int64 biases (graph dtype int8)
    x = l16.conv16(g, l16.input16(g, (1, 9, 7, 2)), 6, 3, 1)
    x = l16.add16(g, l16.depthwise16(g, x, 3, 1), x, act="RELU")
    x = l16.pool16(g, l16.conv16(g, x, 5, 3, 2), 2, avg=True)
    g.output(l16.fc16(g, g.reshape(x, (1, int(x.shape[1] * x.shape[2] * x.shape[3]))), 4))


def register(both: Callable[..., None], one: Callable[..., None]) -> None:
    both("depth_to_space", ("DEPTH_TO_SPACE", "CONV_2D"), "1x1 conv to 8 channels, DEPTH_TO_SPACE block 2", _d2s)
    both("space_to_depth", ("SPACE_TO_DEPTH", "CONV_2D"), "SPACE_TO_DEPTH block 2, then a 1x1 conv", _s2d)
    both("space_batch_dilated_conv", ("SPACE_TO_BATCH_ND", "CONV_2D", "BATCH_TO_SPACE_ND"),
         "dilated convolution as SPACE_TO_BATCH_ND, VALID conv, BATCH_TO_SPACE_ND", _s2b_b2s)
    both("gather", ("GATHER", "FULLY_CONNECTED"), "dense rows gathered into a (2,3,7) tensor", _gather)
    both("gather_axis1", ("GATHER",), "GATHER on axis 1 with a repeated index", _gather_axis1)
    both("gather_nd", ("GATHER_ND",), "GATHER_ND of 3 rows by (i, j)", _gather_nd)
    both("embedding_lookup", ("EMBEDDING_LOOKUP", "ADD"), "5 constant ids into a 9x6 table, added to the input",
         _embedding)
    both("resize_nearest", ("RESIZE_NEAREST_NEIGHBOR",), "5x4 -> 9x11 nearest neighbour", _resize(False))
    both("resize_nearest_align", ("RESIZE_NEAREST_NEIGHBOR",), "nearest neighbour, align_corners",
         _resize(False, align=True))
    both("resize_bilinear", ("RESIZE_BILINEAR",), "5x4 -> 9x11 bilinear", _resize(True))
    both("resize_bilinear_half_pixel", ("RESIZE_BILINEAR",), "bilinear, half_pixel_centers",
         _resize(True, half=True))
    both("mirror_pad_reflect", ("MIRROR_PAD", "CONV_2D"), "REFLECT padding before a VALID conv", _mirror_pad(False))
    both("mirror_pad_symmetric", ("MIRROR_PAD", "CONV_2D"), "SYMMETRIC padding before a VALID conv",
         _mirror_pad(True))
    both("padv2", ("PADV2", "MAX_POOL_2D"), "PADV2 with -0.75, then a max pool", _padv2)
    both("l2_normalization", ("L2_NORMALIZATION", "FULLY_CONNECTED"), "dense then L2 normalisation of each row",
         _l2norm)
    one("l2_pool_2d_float32", ("L2_POOL_2D",), "float32", "3x3 L2 pool, stride 2, SAME (float32 only in TFLM)",
        _l2pool)
    both("cumsum", ("CUMSUM",), "cumulative sum over the middle axis", _cumsum)
    both("cumsum_exclusive_reverse", ("CUMSUM",), "exclusive, reversed cumulative sum", _cumsum_rev)
    both("transpose_conv", ("TRANSPOSE_CONV", "CONV_2D"), "3x3 transpose conv, stride 2, SAME (4x3 -> 8x6)",
         _tconv("SAME", 2))
    both("transpose_conv_valid_relu", ("TRANSPOSE_CONV", "CONV_2D"), "3x3 transpose conv, stride 1, VALID, RELU, no bias",
         _tconv("VALID", 1, bias=False, act="RELU"))
    both("batch_matmul", ("BATCH_MATMUL",), "(2,5,6) x (2,6,3)", _bmm)
    both("batch_matmul_const_adj_y", ("BATCH_MATMUL",), "(3,4,7) x constant (5,7)^T, broadcast batch", _bmm_const_adj)
    both("batch_matmul_adj_x", ("BATCH_MATMUL",), "(1,2,6,4)^T x (3,1,6,5), batch dims broadcast both ways", _bmm_adj_x)
    both("svdf", ("SVDF", "FULLY_CONNECTED"), "two SVDF layers (int8: int16 state) and a dense head", _svdf)
    one("cnn16x8_int16", ("CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED"),
        "int16", "16x8 CNN: int16 activations, int8 per-channel weights, int64 biases", _cnn16, graph_dtype="int8")
