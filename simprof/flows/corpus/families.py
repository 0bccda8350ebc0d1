"""Model families of the generated corpus. Each family is a pair of plain functions:
`sample(rng) -> params` (JSON-serialisable, recorded in the manifest) and `build(graph, params)`,
which follows the params exactly, so a manifest entry alone rebuilds its model bit for bit.

Families: unas_chain, mobilenet_v1, mobilenet_v2, resnet8, dscnn, autoencoder, branches,
planner_stress, tiny, streaming_kws, (families_b.py) cnn16x8, svdf_kws, decoder, embedding_gather,
and (families_lstm.py) lstm_seq
(see each sample function's docstring).
"""
from __future__ import annotations

import logging

import numpy as np

from simprof.core.errors import UsageError

from simprof.model.builder import ModelBuilder, schema
from .check import call_isolated, tensor_ranges
from .act import PADDINGS as _PAD
from .act import Act
from .layers import Graph
from .registry import FAMILIES, Params, family
from .registry import head as _head
from .registry import pick as _pick

log = logging.getLogger(__name__)


def build_model(family_name: str, params: Params, dtype: str, seed: int, calibrate: bool = True) -> bytes:
    """The model's bytes. For int8 with `calibrate`, the float32 twin (same seed, so the same real
    weights) first runs in TFLM's host interpreter on random inputs, and the observed activation
    ranges set the int8 scales: TFLite's post-training quantization, without TensorFlow."""
    if family_name not in FAMILIES:
        raise UsageError(f"unknown model family {family_name!r}", fix=f"use one of {', '.join(sorted(FAMILIES))}")
    ranges = _calibration(family_name, params, seed) if dtype == "int8" and calibrate else None
    m = ModelBuilder(f"simprof corpus {family_name} {dtype} seed={seed}")
    FAMILIES[family_name].build(Graph(m, dtype, seed=seed, calibration=ranges), params)
    return m.to_bytes()


def _calibration(family_name: str, params: Params, seed: int, samples: int = 4) -> dict[str, tuple[float, float]] | None:
    m = ModelBuilder("calibration twin")
    g = Graph(m, "float32", seed=seed)
    FAMILIES[family_name].build(g, params)
    data = m.to_bytes()
    rng = np.random.default_rng(seed)
    feeds = [[rng.uniform(lo, hi, ref.shape).astype(np.float32) for (lo, hi), ref in
              zip(g.input_ranges, (t for t in g.sg.tensors if t.index in g.sg._inputs))] for _ in range(samples)]
    ok, value, _ = call_isolated(tensor_ranges, data, feeds, timeout=120.0)
    if not ok:  # keep generating: the statistical scales are a usable fallback
        log.warning("calibrating %s (seed %d) failed, using estimated int8 scales: %s",
                    family_name, seed, str(value).splitlines()[0])
        return None
    return value  # type: ignore[return-value]


# -- µNAS-like chains ---------------------------------------------------------------------------------
def _sample_unas(rng: np.random.Generator) -> Params:
    """Random chain of conv / depthwise / pool / residual-add / dense layers (µNAS search space)."""
    h = int(rng.integers(12, 97))
    params: Params = {"input": [h, int(rng.integers(max(8, h // 2), h + 1)), _pick(rng, [1, 3])],
                      "layers": [], "classes": int(rng.integers(2, 13))}
    size = min(params["input"][:2])
    for _ in range(int(rng.integers(3, 9))):
        kind = _pick(rng, ["conv", "conv", "dw", "pool", "add"])
        stride = 2 if size >= 8 and rng.random() < 0.35 else 1
        size = (size + stride - 1) // stride
        layer: Params = {"op": kind, "stride": stride}
        if kind in ("conv", "add"):
            layer.update(filters=int(rng.integers(4, 65)), kernel=_pick(rng, [1, 3, 3, 5]))
        elif kind == "dw":
            layer.update(kernel=_pick(rng, [3, 5]))
        else:
            layer.update(pool=_pick(rng, ["max", "avg"]), stride=2 if size >= 4 else 1)
        params["layers"].append(layer)
    if rng.random() < 0.5:
        params["dense"] = int(rng.integers(8, 129))
    return params


@family("unas_chain", "µNAS-like chain of conv/depthwise/pool/add/dense layers", _sample_unas)
def _build_unas(g: Graph, p: Params) -> None:
    x = g.input((1, *p["input"]))
    for layer in p["layers"]:
        op, stride = layer["op"], layer["stride"]
        if op == "conv":
            x = g.conv2d(x, layer["filters"], layer["kernel"], stride, act="RELU")
        elif op == "dw":
            x = g.depthwise(x, layer["kernel"], stride, act="RELU")
        elif op == "pool":
            pool = g.max_pool if layer["pool"] == "max" else g.avg_pool
            x = pool(x, 2 if layer["stride"] == 2 else 3, layer["stride"], "SAME" if layer["stride"] == 1 else "VALID")
        else:  # residual block: conv -> conv back to the input's channels -> ADD
            y = g.conv2d(x, layer["filters"], layer["kernel"], 1, act="RELU")
            y = g.conv2d(y, x.shape[-1], layer["kernel"], 1)
            x = g.add(x, y, act="RELU")
    if "dense" in p:
        x = g.fully_connected(g.reshape(x, (1, int(np.prod(x.shape)))), p["dense"], act="RELU")
    _head(g, x, p["classes"])


# -- keyword spotting: DS-CNN (MLPerf Tiny) -------------------------------------------------------------
def _sample_dscnn(rng: np.random.Generator) -> Params:
    """DS-CNN keyword spotting: conv 10x4/2 on MFCCs, depthwise-separable blocks, avgpool, FC, softmax."""
    return {"input": [49, 10, 1] if rng.random() < 0.6 else [int(rng.integers(25, 99)), int(rng.integers(10, 41)), 1],
            "filters": _pick(rng, [32, 48, 64, 64, 96, 172]), "blocks": int(rng.integers(2, 6)), "classes": 12}


@family("dscnn", "DS-CNN keyword spotting (MLPerf Tiny KWS-like)", _sample_dscnn)
def _build_dscnn(g: Graph, p: Params) -> None:
    x = g.input((1, *p["input"]), -4.0, 4.0)
    x = g.conv2d(x, p["filters"], (10, 4), 2, "SAME", act="RELU")
    for _ in range(p["blocks"]):
        x = g.depthwise(x, 3, 1, "SAME", act="RELU")
        x = g.conv2d(x, p["filters"], 1, 1, act="RELU")
    x = _global_avg_pool(g, x)
    x = g.reshape(x, (1, p["filters"]))
    g.output(g.softmax(g.fully_connected(x, p["classes"], out_std=2.0)))


def _global_avg_pool(g: Graph, x: Act) -> Act:
    """AVERAGE_POOL_2D over the whole feature map (what Keras' AveragePooling2D(pool=fmap) becomes)."""
    n, h, w, c = x.shape
    y = g._like("avgpool", x, (n, 1, 1, c), std=x.std / 2)
    opt = schema.Pool2DOptionsT()
    opt.padding, opt.strideH, opt.strideW, opt.filterHeight, opt.filterWidth = _PAD["VALID"], h, w, h, w
    g.sg.op("AVERAGE_POOL_2D", [x.ref], [y.ref], opt)
    return y


# -- anomaly detection: fully connected autoencoder ---------------------------------------------------
def _sample_autoencoder(rng: np.random.Generator) -> Params:
    """Dense autoencoder (MLPerf Tiny anomaly detection-like): input -> hidden layers -> bottleneck -> input."""
    width = _pick(rng, [64, 128, 128, 256])
    depth = int(rng.integers(2, 5))
    return {"input": _pick(rng, [128, 257, 640, 640, 1000]), "hidden": [width] * depth,
            "bottleneck": _pick(rng, [8, 16, 24])}


@family("autoencoder", "fully connected autoencoder (MLPerf Tiny anomaly-detection-like)", _sample_autoencoder)
def _build_autoencoder(g: Graph, p: Params) -> None:
    x = g.input((1, p["input"]), -3.0, 3.0)
    for units in [*p["hidden"], p["bottleneck"], *p["hidden"]]:
        x = g.fully_connected(x, units, act="RELU")
    g.output(g.fully_connected(x, p["input"]))


def _sample_tiny(rng: np.random.Generator) -> Params:
    """Tiny CNN for 16 KiB parts (nRF51): a small input, 1-3 narrow conv/depthwise layers, pool, dense."""
    layers = [{"op": _pick(rng, ["conv", "conv", "dw"]), "filters": int(rng.integers(2, 9)),
               "kernel": _pick(rng, [3, 3, 5]), "stride": _pick(rng, [1, 2])} for _ in range(int(rng.integers(1, 4)))]
    layers[0]["op"] = "conv"
    return {"input": [int(rng.integers(8, 21)), int(rng.integers(6, 21)), 1], "layers": layers,
            "dense": int(rng.integers(4, 17)), "classes": int(rng.integers(2, 11))}


@family("tiny", "tiny CNN for 16 KiB parts (activations of a few KiB)", _sample_tiny)
def _build_tiny(g: Graph, p: Params) -> None:
    x = g.input((1, *p["input"]))
    for layer in p["layers"]:
        if layer["op"] == "conv":
            x = g.conv2d(x, layer["filters"], layer["kernel"], layer["stride"], act="RELU")
        else:
            x = g.depthwise(x, layer["kernel"], layer["stride"], act="RELU")
    if x.shape[1] >= 4 and x.shape[2] >= 4:
        x = g.max_pool(x, 2)
    x = g.fully_connected(g.reshape(x, (1, int(np.prod(x.shape)))), p["dense"], act="RELU")
    g.output(g.softmax(g.fully_connected(x, p["classes"], out_std=2.0)))


from . import families_cnn as _cnn  # noqa: E402,F401  (registers the CNN families)
from . import families_streaming as _streaming  # noqa: E402,F401  (registers the streaming family)
from . import families_b as _families_b  # noqa: E402,F401  (16x8 CNN, SVDF, decoder, embedding families)
from . import families_lstm as _families_lstm  # noqa: E402,F401  (LSTM sequence family)
