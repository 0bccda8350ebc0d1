"""A real labelled classifier without any download: scikit-learn's bundled 8x8 digits data set
(1,797 images, 10 classes), a small CNN trained with numpy alone (no TensorFlow), written as
float32 and int8 (per-channel weights, activation ranges observed on the training set) .tflite
with the model builder. Used by the fit tests, docs/fit.md and bench/fit.py.

    conv 3x3 SAME (C1, ReLU) -> conv 3x3 SAME (C2, ReLU) -> max pool 2 -> reshape -> FC 10 -> softmax
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from simprof.model.builder import ModelBuilder, Quant
from simprof.core.errors import ToolchainError
from simprof.core.outputs import write_bytes_atomic

TEST_SAMPLES = 400


@dataclass(frozen=True)
class DigitsModels:
    float32: Path
    int8: Path
    data: Path                  # test split: x (float32 [N, 8, 8, 1] in [0, 1]) and labels y
    test_accuracy: float        # of the numpy model on the test split


def _load(seed: int):
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ToolchainError("the digits classifier needs scikit-learn (its bundled digits data set)",
                             fix="pip install scikit-learn (it is in simprof's `test` extra)") from None
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    y = d.target.astype(np.int64)
    idx = np.random.default_rng(seed).permutation(len(x))
    x, y = x[idx], y[idx]
    return x[TEST_SAMPLES:], y[TEST_SAMPLES:], x[:TEST_SAMPLES], y[:TEST_SAMPLES]


def _patches(x: np.ndarray) -> np.ndarray:
    """3x3 SAME patches, (N, H, W, 9*C) in (dy, dx, c) order: the TFLite filter layout's inner order."""
    n, h, w, c = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return np.concatenate([p[:, dy:dy + h, dx:dx + w, :] for dy in range(3) for dx in range(3)], axis=-1)


def _unpatch(g: np.ndarray, c: int) -> np.ndarray:
    n, h, w, _ = g.shape
    out = np.zeros((n, h + 2, w + 2, c), g.dtype)
    k = 0
    for dy in range(3):
        for dx in range(3):
            out[:, dy:dy + h, dx:dx + w, :] += g[..., k * c:(k + 1) * c]
            k += 1
    return out[:, 1:-1, 1:-1, :]


def _forward(p: dict, x: np.ndarray):
    p1 = _patches(x)
    a1 = np.maximum(p1 @ p["w1"] + p["b1"], 0)
    p2 = _patches(a1)
    a2 = np.maximum(p2 @ p["w2"] + p["b2"], 0)
    n, h, w, c = a2.shape
    blocks = a2.reshape(n, h // 2, 2, w // 2, 2, c)
    pooled = blocks.max(axis=(2, 4))
    flat = pooled.reshape(n, -1)
    logits = flat @ p["w3"] + p["b3"]
    return logits, (p1, a1, p2, a2, blocks, pooled, flat)


def train(seed: int = 0, c1: int = 16, c2: int = 32, epochs: int = 12):
    xtr, ytr, xte, yte = _load(seed)
    rng = np.random.default_rng(seed)
    he = lambda fan, shape: (rng.standard_normal(shape) * np.sqrt(2.0 / fan)).astype(np.float32)  # noqa: E731
    p = {"w1": he(9, (9, c1)), "b1": np.zeros(c1, np.float32), "w2": he(9 * c1, (9 * c1, c2)),
         "b2": np.zeros(c2, np.float32), "w3": he(16 * c2, (16 * c2, 10)), "b3": np.zeros(10, np.float32)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    step, lr = 0, 0.005
    for _ in range(epochs):
        order = rng.permutation(len(xtr))
        for s in range(0, len(order), 64):
            b = order[s:s + 64]
            x, y = xtr[b], ytr[b]
            logits, (p1, a1, p2, a2, blocks, pooled, flat) = _forward(p, x)
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob = e / e.sum(axis=1, keepdims=True)
            prob[np.arange(len(y)), y] -= 1
            g3 = prob / len(y)
            grads = {"w3": flat.T @ g3, "b3": g3.sum(0)}
            gflat = (g3 @ p["w3"].T).reshape(pooled.shape)
            mask = blocks == pooled[:, :, None, :, None, :]
            ga2 = (mask * gflat[:, :, None, :, None, :]).reshape(a2.shape) * (a2 > 0)
            grads["w2"] = p2.reshape(-1, p2.shape[-1]).T @ ga2.reshape(-1, ga2.shape[-1])
            grads["b2"] = ga2.sum((0, 1, 2))
            ga1 = _unpatch(ga2 @ p["w2"].T, c1) * (a1 > 0)
            grads["w1"] = p1.reshape(-1, 9).T @ ga1.reshape(-1, c1)
            grads["b1"] = ga1.sum((0, 1, 2))
            step += 1
            for k in p:   # Adam
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                p[k] -= lr * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
    acc = float((_forward(p, xte)[0].argmax(1) == yte).mean())
    return p, (xtr, ytr, xte, yte), acc


def _range_quant(lo: float, hi: float) -> Quant:
    lo, hi = min(lo, 0.0), max(hi, 1e-6)
    scale = (hi - lo) / 255.0
    return Quant.per_tensor(scale, int(round(-128 - lo / scale)))


def to_tflite(p: dict, xtr: np.ndarray, dtype: str) -> bytes:
    c1, c2 = p["w1"].shape[1], p["w2"].shape[1]
    _, (_, a1, _, a2, _, _, flat) = _forward(p, xtr)
    logits = flat @ p["w3"] + p["b3"]
    mb = ModelBuilder(f"digits cnn {dtype}")
    sg = mb.subgraph("main")
    q8 = dtype == "int8"
    qin = Quant.per_tensor(1 / 255.0, -128) if q8 else None
    q1 = _range_quant(0, float(a1.max())) if q8 else None
    q2 = _range_quant(0, float(a2.max())) if q8 else None
    q3 = _range_quant(float(logits.min()), float(logits.max())) if q8 else None
    qs = Quant.per_tensor(1 / 256.0, -128) if q8 else None
    x = sg.input("input", (1, 8, 8, 1), dtype, qin)

    def weights(name, w_oi: np.ndarray, b: np.ndarray, in_scale: float | None):
        """w_oi: TFLite layout, output channel first."""
        if not q8:
            return sg.const(name + "_w", w_oi.astype(np.float32), "float32"), sg.const(name + "_b", b.astype(np.float32), "float32")
        amax = np.abs(w_oi.reshape(len(w_oi), -1)).max(axis=1)
        ws = np.maximum(amax, 1e-8) / 127.0
        shape = [-1] + [1] * (w_oi.ndim - 1)
        wq = np.clip(np.round(w_oi / ws.reshape(shape)), -127, 127).astype(np.int8)
        bs = in_scale * ws
        bq = np.round(b / bs).astype(np.int32)
        return (sg.const(name + "_w", wq, "int8", Quant.per_channel(ws, 0)),
                sg.const(name + "_b", bq, "int32", Quant.per_channel(bs, 0)))

    def conv(name, xin, w, b, c_in, c_out, qin_, qout):
        wt, bt = weights(name, w.reshape(3, 3, c_in, c_out).transpose(3, 0, 1, 2), b, qin_.scale[0] if q8 else None)
        y = sg.tensor(name, (1, 8, 8, c_out), dtype, qout)
        opt = schema.Conv2DOptionsT()
        opt.padding, opt.strideH, opt.strideW = schema.Padding.SAME, 1, 1
        opt.dilationHFactor = opt.dilationWFactor = 1
        opt.fusedActivationFunction = schema.ActivationFunctionType.RELU
        sg.op("CONV_2D", [xin, wt, bt], [y], opt)
        return y

    y1 = conv("conv1", x, p["w1"], p["b1"], 1, c1, qin, q1)
    y2 = conv("conv2", y1, p["w2"], p["b2"], c1, c2, q1, q2)
    pool = sg.tensor("pool", (1, 4, 4, c2), dtype, q2)
    opt = schema.Pool2DOptionsT()
    opt.padding, opt.strideH, opt.strideW, opt.filterHeight, opt.filterWidth = schema.Padding.VALID, 2, 2, 2, 2
    sg.op("MAX_POOL_2D", [y2], [pool], opt)
    flat_t = sg.tensor("flat", (1, 16 * c2), dtype, q2)
    ropt = schema.ReshapeOptionsT()
    ropt.newShape = [1, 16 * c2]
    sg.op("RESHAPE", [pool, sg.const("flat_shape", np.array([1, 16 * c2], np.int32), "int32")], [flat_t], ropt)
    wt, bt = weights("fc", p["w3"].T, p["b3"], q2.scale[0] if q8 else None)
    logit_t = sg.tensor("logits", (1, 10), dtype, q3)
    fopt = schema.FullyConnectedOptionsT()
    sg.op("FULLY_CONNECTED", [flat_t, wt, bt], [logit_t], fopt)
    out = sg.tensor("probs", (1, 10), dtype, qs)
    sopt = schema.SoftmaxOptionsT()
    sopt.beta = 1.0
    sg.op("SOFTMAX", [logit_t], [out], sopt)
    sg.mark_outputs(out)
    return mb.to_bytes()


def build(out_dir: Path, seed: int = 0, epochs: int = 12) -> DigitsModels:
    p, (xtr, _, xte, yte), acc = train(seed, epochs=epochs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    f32 = write_bytes_atomic(out_dir / "digits_cnn_float32.tflite", to_tflite(p, xtr, "float32"))
    i8 = write_bytes_atomic(out_dir / "digits_cnn_int8.tflite", to_tflite(p, xtr, "int8"))
    npz = out_dir / "digits_test.npz"
    np.savez(npz, x=xte, y=yte)
    return DigitsModels(f32, i8, npz, acc)
