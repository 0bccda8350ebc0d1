"""Corpus families for the wider operator set (registered into `families.FAMILIES` on import):

- cnn16x8: a keyword-spotting style CNN with int16 activations and int8 weights (TFLite's 16x8
  quantization) in its quantized variant; float32 otherwise.
- svdf_kws: stacked SVDF layers (int8 with int16 state) and a dense classifier, the classic
  streaming keyword model.
- decoder: a conv encoder and an up-sampling decoder (TRANSPOSE_CONV, RESIZE_NEAREST_NEIGHBOR /
  RESIZE_BILINEAR, DEPTH_TO_SPACE) with a MIRROR_PAD'ed output conv.
- embedding_gather: EMBEDDING_LOOKUP of token ids, GATHER / GATHER_ND / BATCH_MATMUL attention-like
  mixing and a dense head.
"""
from __future__ import annotations

import numpy as np

from . import layers16 as l16
from . import layers_b as lb
from .layers import Graph
from .registry import Params, family, pick


def _sample_cnn16(rng: np.random.Generator) -> Params:
    """16x8 CNN: input (T, F, 1) of 20-49 x 8-16, 2-4 conv/depthwise blocks, optional residual ADD."""
    blocks = [{"op": pick(rng, ["conv", "dw"]), "filters": int(rng.integers(4, 17)), "stride": pick(rng, [1, 2])}
              for _ in range(int(rng.integers(2, 5)))]
    blocks[0]["op"] = "conv"
    return {"input": [int(rng.integers(20, 50)), int(rng.integers(8, 17)), 1], "blocks": blocks,
            "residual": bool(rng.random() < 0.5), "classes": int(rng.integers(2, 11))}


@family("cnn16x8", "KWS-style CNN, int16 activations with int8 weights (16x8) when quantized", _sample_cnn16)
def _build_cnn16(g: Graph, p: Params) -> None:
    x = l16.input16(g, (1, *p["input"]))
    for b in p["blocks"]:
        if b["op"] == "conv":
            x = l16.conv16(g, x, b["filters"], 3, b["stride"])
        else:
            x = l16.depthwise16(g, x, 3, b["stride"])
    if p["residual"]:
        x = l16.add16(g, x, l16.conv16(g, x, x.shape[3], 1, 1), act="RELU")
    if x.shape[1] >= 2 and x.shape[2] >= 2:
        x = l16.pool16(g, x, 2, avg=True)
    g.output(l16.fc16(g, g.reshape(x, (1, int(np.prod(x.shape)))), p["classes"]))


def _sample_svdf(rng: np.random.Generator) -> Params:
    """SVDF stack: 1-3 layers of 8-32 units, rank 1-2, memory 4-16 frames, over 16-40 features."""
    return {"features": int(rng.integers(16, 41)),
            "layers": [{"units": int(rng.integers(8, 33)), "rank": pick(rng, [1, 2]), "memory": int(rng.integers(4, 17))}
                       for _ in range(int(rng.integers(1, 4)))],
            "classes": int(rng.integers(2, 13))}


@family("svdf_kws", "stacked SVDF layers (int8: int16 state) and a dense head", _sample_svdf)
def _build_svdf(g: Graph, p: Params) -> None:
    x = g.input((1, p["features"]))
    for layer in p["layers"]:
        x = lb.svdf(g, x, layer["units"], layer["rank"], layer["memory"])
    g.output(g.softmax(g.fully_connected(x, p["classes"], out_std=2.0)))


def _sample_decoder(rng: np.random.Generator) -> Params:
    """Encoder (strided convs) then 1-2 up-sampling stages, each TRANSPOSE_CONV, nearest, bilinear or
    DEPTH_TO_SPACE, and a MIRROR_PAD + VALID conv output layer."""
    return {"input": [int(rng.integers(8, 25)), int(rng.integers(8, 25)), pick(rng, [1, 3])],
            "channels": int(rng.integers(4, 13)),
            "ups": [pick(rng, ["tconv", "nearest", "bilinear", "d2s"]) for _ in range(int(rng.integers(1, 3)))]}


@family("decoder", "encoder-decoder with transpose-conv / resize / depth-to-space up-sampling", _sample_decoder)
def _build_decoder(g: Graph, p: Params) -> None:
    x = g.input((1, *p["input"]))
    c = p["channels"]
    for _ in p["ups"]:
        x = g.conv2d(x, c, 3, 2, act="RELU")
    for up in p["ups"]:
        n, h, w, _ = x.shape
        if up == "tconv":
            x = lb.transpose_conv(g, x, c, 3, 2, "SAME", "RELU")
        elif up == "d2s":
            x = lb.depth_to_space(g, g.conv2d(x, 4 * c, 1, act="RELU"), 2)
        else:
            x = lb.resize(g, x, (2 * h, 2 * w), bilinear=up == "bilinear", half_pixel_centers=up == "bilinear")
    x = lb.mirror_pad(g, x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    g.output(g.conv2d(x, p["input"][2], 3, 1, padding="VALID"))


def _sample_embed(rng: np.random.Generator) -> Params:
    """Token model: 4-12 constant ids into a 16-64 x 8-24 table, added to the input sequence,
    GATHER of a few positions, GATHER_ND or BATCH_MATMUL mixing, dense head."""
    seq = int(rng.integers(4, 13))
    return {"seq": seq, "vocab": int(rng.integers(16, 65)), "dim": int(rng.integers(8, 25)),
            "ids": [int(v) for v in rng.integers(0, 16, seq)], "mix": pick(rng, ["gather_nd", "matmul"]),
            "keep": sorted(int(v) for v in rng.choice(seq, size=max(2, seq // 2), replace=False)),
            "classes": int(rng.integers(2, 9))}


@family("embedding_gather", "EMBEDDING_LOOKUP, GATHER / GATHER_ND / BATCH_MATMUL and a dense head", _sample_embed)
def _build_embed(g: Graph, p: Params) -> None:
    x = g.input((p["seq"], p["dim"]))
    e = g.add(x, lb.embedding(g, p["ids"], p["vocab"], p["dim"], like=x))
    kept = lb.gather(g, e, np.array(p["keep"], np.int32), axis=0)
    if p["mix"] == "matmul":
        mixed = lb.batch_matmul(g, kept, lb.const_act(g, (p["dim"], p["dim"]), kept, "mix"))
    else:
        mixed = lb.gather_nd(g, kept, np.array([[i] for i in range(len(p["keep"]))][::-1], np.int32))
    g.output(g.softmax(g.fully_connected(g.reshape(mixed, (1, int(np.prod(mixed.shape)))), p["classes"], out_std=2.0)))
