"""CNN families of the generated corpus: MobileNet v1/v2-like, ResNet-8-like, concatenating branches
and planner stress models. Registered into `families.FAMILIES` on import."""
from __future__ import annotations

import numpy as np

from .registry import Params, family
from .registry import head as _head
from .registry import pick as _pick
from .layers import Act, Graph, quant_for_range

_MBV1 = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
         (512, 1), (1024, 2), (1024, 1)]
_MBV2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def _div8(v: float) -> int:
    return max(8, int(v + 4) // 8 * 8)


def _sample_mbv1(rng: np.random.Generator) -> Params:
    """MobileNet v1-like: conv/2, then depthwise + pointwise blocks; width multiplier alpha, truncated depth."""
    h = _pick(rng, [32, 48, 50, 64, 96, 128, 160])
    return {"input": [h, h, _pick(rng, [1, 3, 3])],
            "alpha": _pick(rng, [0.25, 0.25, 0.35, 0.5]), "blocks": int(rng.integers(4, 14)),
            "classes": _pick(rng, [2, 10, 12, 100])}


@family("mobilenet_v1", "MobileNet v1-like depthwise-separable stack", _sample_mbv1)
def _build_mbv1(g: Graph, p: Params) -> None:
    x = g.conv2d(g.input((1, *p["input"])), _div8(32 * p["alpha"]), 3, 2, act="RELU6")
    for filters, stride in _MBV1[: p["blocks"]]:
        x = g.depthwise(x, 3, stride if x.shape[1] > 2 else 1, act="RELU6")
        x = g.conv2d(x, _div8(filters * p["alpha"]), 1, 1, act="RELU6")
    _head(g, x, p["classes"])


def _sample_mbv2(rng: np.random.Generator) -> Params:
    """MobileNet v2-like: inverted residual blocks (expand 1x1, depthwise, project 1x1) with residual ADDs."""
    stages = int(rng.integers(3, 8))
    t = _pick(rng, [2, 4, 6])
    cfg = [[1 if i == 0 else t, c, min(n, int(rng.integers(1, 4))), s] for i, (_, c, n, s) in enumerate(_MBV2[:stages])]
    h = _pick(rng, [32, 48, 64, 80, 96, 112])
    return {"input": [h, h, 3], "alpha": _pick(rng, [0.25, 0.35, 0.5]),
            "stages": cfg, "classes": _pick(rng, [2, 10, 100])}


@family("mobilenet_v2", "MobileNet v2-like inverted residuals with residual ADDs", _sample_mbv2)
def _build_mbv2(g: Graph, p: Params) -> None:
    x = g.conv2d(g.input((1, *p["input"])), _div8(32 * p["alpha"]), 3, 2, act="RELU6")
    for t, c, n, s in p["stages"]:
        out = _div8(c * p["alpha"])
        for i in range(n):
            stride = s if i == 0 and x.shape[1] > 2 else 1
            y = g.conv2d(x, x.shape[-1] * t, 1, 1, act="RELU6") if t != 1 else x
            y = g.depthwise(y, 3, stride, act="RELU6")
            y = g.conv2d(y, out, 1, 1)
            x = g.add(x, y) if stride == 1 and x.shape == y.shape else y
    x = g.conv2d(x, _div8(1280 * p["alpha"] / 2), 1, 1, act="RELU6")
    _head(g, x, p["classes"])


def _sample_resnet8(rng: np.random.Generator) -> Params:
    """ResNet-8-like (MLPerf Tiny image classification): 3 stacks of residual blocks, 1x1 conv shortcuts."""
    h = _pick(rng, [32, 32, 24, 40])
    return {"input": [h, h, 3], "base": _pick(rng, [8, 16, 16, 24]),
            "stacks": _pick(rng, [2, 3, 3]), "classes": 10}


@family("resnet8", "ResNet-8-like with skip tensors and 1x1 shortcut convs", _sample_resnet8)
def _build_resnet8(g: Graph, p: Params) -> None:
    x = g.conv2d(g.input((1, *p["input"])), p["base"], 3, 1, act="RELU")
    for stack in range(p["stacks"]):
        filters, stride = p["base"] * 2 ** stack, 1 if stack == 0 else 2
        y = g.conv2d(x, filters, 3, stride, act="RELU")
        y = g.conv2d(y, filters, 3, 1)
        short = x if stride == 1 and x.shape[-1] == filters else g.conv2d(x, filters, 1, stride)
        x = g.add(short, y, act="RELU")
    x = g.avg_pool(x, x.shape[1], x.shape[1])
    g.output(g.softmax(g.fully_connected(g.reshape(x, (1, x.shape[-1])), p["classes"], out_std=2.0)))


def _sample_branches(rng: np.random.Generator) -> Params:
    """Inception-like modules: parallel 1x1 / 3x3 / 5x5 / pool branches joined by CONCATENATION."""
    h = _pick(rng, [24, 31, 32, 47, 64])
    return {"input": [h, h, _pick(rng, [1, 3])], "stem": _pick(rng, [8, 16, 24]),
            "modules": int(rng.integers(1, 4)), "width": _pick(rng, [4, 8, 12, 16]),
            "branches": _pick(rng, [2, 3, 4]), "classes": _pick(rng, [4, 10])}


@family("branches", "concatenating branches (inception-like)", _sample_branches)
def _build_branches(g: Graph, p: Params) -> None:
    x = g.conv2d(g.input((1, *p["input"])), p["stem"], 3, 2, act="RELU")
    for m in range(p["modules"]):
        q = quant_for_range(0.0, 3.0 * x.rms)  # CONCATENATION needs one quantization for all inputs
        w = p["width"] * (m + 1)
        outs: list[Act] = [g.conv2d(x, w, 1, act="RELU", quant=q)]
        if p["branches"] >= 2:
            outs.append(g.conv2d(g.conv2d(x, w, 1, act="RELU"), w, 3, act="RELU", quant=q))
        if p["branches"] >= 3:
            outs.append(g.conv2d(g.conv2d(x, w // 2 + 1, 1, act="RELU"), w, 5, act="RELU", quant=q))
        if p["branches"] >= 4:
            outs.append(g.conv2d(g.max_pool(x, 3, 1, "SAME"), w, 1, act="RELU", quant=q))
        x = g.concat(outs, axis=3)
        if x.shape[1] >= 8:
            x = g.max_pool(x, 2)
    _head(g, x, p["classes"])


def _sample_stress(rng: np.random.Generator) -> Params:
    """Planner stress: odd sizes, a run of equal-sized tensors, long-lived skip tensors, one wide bulge."""
    return {"input": [int(rng.integers(9, 80)), int(rng.integers(7, 60)), _pick(rng, [1, 2, 3, 5])],
            "channels": int(rng.integers(3, 40)), "equal_run": int(rng.integers(3, 11)),
            "skips": int(rng.integers(1, 4)), "bulge": _pick(rng, [1, 2, 4, 6]), "classes": int(rng.integers(2, 9))}


@family("planner_stress", "odd sizes, equal-sized tensors, long-lived skips", _sample_stress)
def _build_stress(g: Graph, p: Params) -> None:
    x = g.conv2d(g.input((1, *p["input"])), p["channels"], 3, 1, act="RELU")
    run = [x]
    for _ in range(p["equal_run"]):
        run.append(g.conv2d(run[-1], p["channels"], 3, 1, act="RELU"))
    x = run[-1]
    for k in range(p["skips"]):  # the k-th earliest tensor stays live until its ADD at the end
        x = g.add(x, run[k], act="RELU")
    wide = g.conv2d(x, p["channels"] * p["bulge"], 1, 1, act="RELU")
    x = g.conv2d(wide, p["channels"], 3, 2 if x.shape[1] > 4 else 1, act="RELU")
    _head(g, x, p["classes"])
