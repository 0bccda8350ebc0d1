"""Accuracy of a rewritten model against the original, on TFLM's host interpreter (the
`tflite-micro` wheel, reference kernels).

Inputs: `--data` (.npz with `x`, or one array per input as `x0`, `x1`..., optional labels `y`), or
SEEDED_SAMPLES seeded random inputs. Float data given to an int8 model is quantized with the
model's input parameters. Figures: top-1 agreement with the original model's output 0, output SNR
(dB, dequantized outputs), and, when labels are given, labelled top-1 accuracy. The accuracy the
floor applies to is the labelled accuracy when there are labels, else the top-1 agreement.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simprof.core.errors import UsageError

SEEDED_SAMPLES = 32
HOST_ARENA = 8 << 20


@dataclass(frozen=True)
class Dataset:
    inputs: tuple[tuple[np.ndarray, ...], ...]   # per sample, one array per model input
    labels: tuple[int, ...] | None
    source: str                                   # the .npz path, or "seeded (N samples, seed S)"


@dataclass(frozen=True)
class Accuracy:
    top1_agreement: float        # share of samples whose argmax equals the original's
    snr_db: float | None         # output signal-to-noise vs the original; None when identical
    labelled: float | None       # top-1 accuracy against the labels, when there are labels
    bit_exact: bool              # every output of every sample equal to the original's

    @property
    def figure(self) -> float:
        return self.labelled if self.labelled is not None else self.top1_agreement


def _interpreter(model: bytes):
    from tflite_micro.python.tflite_micro import runtime
    return runtime.Interpreter.from_bytes(bytes(model), arena_size=HOST_ARENA)


def _io_counts(model: bytes) -> tuple[int, int]:
    # from the model, not by probing the wrapper (it prints a line for every index past the end)
    from simprof.model.reader import read_model
    sg = read_model(model).main
    return len(sg.inputs), len(sg.outputs)


def _input_details(model: bytes) -> list[dict]:
    it = _interpreter(model)
    return [it.get_input_details(i) for i in range(_io_counts(model)[0])]


def load_data(path: Path | None, model: bytes, seed: int = 0, limit: int | None = None) -> Dataset:
    details = _input_details(model)
    if path is None:
        rng = np.random.default_rng(seed)
        samples = []
        for _ in range(SEEDED_SAMPLES):
            xs = []
            for d in details:
                shape = [int(v) for v in d["shape"]]
                if np.issubdtype(d["dtype"], np.integer):
                    info = np.iinfo(d["dtype"])
                    xs.append(rng.integers(info.min, info.max, size=shape, endpoint=True).astype(d["dtype"]))
                else:
                    xs.append(rng.standard_normal(shape).astype(d["dtype"]))
            samples.append(tuple(xs))
        return Dataset(tuple(samples), None, f"seeded ({SEEDED_SAMPLES} samples, seed {seed})")
    try:
        npz = np.load(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read --data {path}: {exc}", fix="pass an .npz with an array `x` (and labels `y`)") from None
    keys = ["x"] if "x" in npz.files else sorted(k for k in npz.files if k.startswith("x"))
    if not keys or len(keys) != len(details):
        raise UsageError(f"--data {path} has {len(keys)} input array(s) (x / x0, x1...), the model has {len(details)}",
                         fix="save the inputs as `x` (one model input) or x0, x1... and labels as `y`")
    arrays = [npz[k] for k in keys]
    n = len(arrays[0])
    if limit:
        n = min(n, limit)
    samples = []
    for s in range(n):
        xs = []
        for a, d in zip(arrays, details):
            shape = [int(v) for v in d["shape"]]
            x = np.asarray(a[s])
            if x.size != int(np.prod(shape)):
                raise UsageError(f"--data sample {s} has {x.size} values, the model input wants {shape}",
                                 fix="store one model input per row of `x`")
            xs.append(_to_input(x.reshape(shape), d))
        samples.append(tuple(xs))
    labels = None
    if "y" in npz.files:
        labels = tuple(int(v) for v in np.asarray(npz["y"]).reshape(len(npz["y"]), -1)[:n, 0])
    return Dataset(tuple(samples), labels, str(path))


def _to_input(x: np.ndarray, detail: dict) -> np.ndarray:
    dtype = detail["dtype"]
    if x.dtype == dtype:
        return x
    if np.issubdtype(dtype, np.integer) and np.issubdtype(x.dtype, np.floating):
        q = detail["quantization_parameters"]
        scale, zp = float(q["scales"][0]), int(q["zero_points"][0])
        info = np.iinfo(dtype)
        return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(dtype)
    return x.astype(dtype)


def run(model: bytes, data: Dataset) -> list[list[np.ndarray]]:
    """Outputs (dequantized to float64 for comparison, plus raw) of every sample."""
    it = _interpreter(model)
    n_out = _io_counts(model)[1]
    outs = []
    for xs in data.inputs:
        for i, x in enumerate(xs):
            it.set_input(x, i)
        it.invoke()
        outs.append([np.array(it.get_output(i), copy=True) for i in range(n_out)])
    return outs


def _dequant(model: bytes, outs: list[list[np.ndarray]]) -> list[np.ndarray]:
    it = _interpreter(model)
    d = it.get_output_details(0)
    q = d["quantization_parameters"]
    scale = float(q["scales"][0]) if len(q["scales"]) else 1.0
    zp = int(q["zero_points"][0]) if len(q["zero_points"]) else 0
    return [(o[0].astype(np.float64) - zp) * scale if np.issubdtype(o[0].dtype, np.integer) else o[0].astype(np.float64)
            for o in outs]


def compare(original: bytes, candidate: bytes, data: Dataset, reference: list | None = None) -> Accuracy:
    ref = reference if reference is not None else run(original, data)
    got = run(candidate, data)
    exact = all(len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b)) for a, b in zip(ref, got))
    r, g = _dequant(original, ref), _dequant(candidate, got)
    agree = float(np.mean([int(np.argmax(a)) == int(np.argmax(b)) for a, b in zip(r, g)]))
    noise = sum(float(np.sum((a - b) ** 2)) for a, b in zip(r, g))
    signal = sum(float(np.sum(a ** 2)) for a in r)
    snr = None if noise == 0 else 10 * np.log10(max(signal, 1e-30) / noise)
    labelled = None
    if data.labels is not None:
        labelled = float(np.mean([int(np.argmax(b)) == y for b, y in zip(g, data.labels)]))
    return Accuracy(agree, snr, labelled, exact)
