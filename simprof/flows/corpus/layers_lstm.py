"""UNIDIRECTIONAL_SEQUENCE_LSTM as a layer on a `Graph` (the Keras LSTM with return_sequences, as
TFLite's converter emits it): int8 graphs get TFLM's 8x8->16 layout (int8 input, hidden state and
output sharing one quantization, int8 weights, int32 gate biases, an int16 cell state of scale
2^-11), float32 graphs float everything. No peephole, projection or layer norm (TFLM's kernel has
none). Weights are Glorot-like, the forget-gate bias starts at 1 (Keras' unit_forget_bias)."""
from __future__ import annotations

import numpy as np

from simprof.model.builder import Quant, schema

from .act import Act
from .layers import Graph

CELL_SCALE = 2.0 ** -11  # int16 cell state in Q4.11: |c| < 16


def lstm(g: Graph, x: Act, units: int, time_major: bool = False, cell_clip: float = 0.0) -> Act:
    """x: (batch, steps, features), or (steps, batch, features) when time_major; returns the hidden
    state of every step, same layout with `units` features."""
    a, b, n = x.shape
    batch = b if time_major else a
    w_in = [g.rng.uniform(-1, 1, (units, n)) * (6.0 / (n + units)) ** 0.5 for _ in range(4)]
    w_rec = [g.rng.uniform(-1, 1, (units, units)) * (6.0 / (2 * units)) ** 0.5 for _ in range(4)]
    bias = [g.rng.normal(0, 0.1, units) + (1.0 if gate == 1 else 0.0) for gate in range(4)]  # i, f, c, o
    y = g._new("lstm", (a, b, units), 0.0, 0.4, -1.0, 1.0)
    if g.dtype == "float32":
        ws = [g.sg.const(g._name("lstm_w"), w.astype(np.float32), "float32") for w in w_in + w_rec]
        bs = [g.sg.const(g._name("lstm_b"), v.astype(np.float32), "float32") for v in bias]
        h = g.sg.tensor(g._name("lstm_h"), (batch, units), "float32", variable=True)
        c = g.sg.tensor(g._name("lstm_c"), (batch, units), "float32", variable=True)
    else:
        xs = float(x.ref.quant.scale[0])
        hq = y.ref.quant
        ws, scales = [], []
        for w in w_in + w_rec:
            s = float(np.abs(w).max() / 127)
            scales.append(s)
            ws.append(g.sg.const(g._name("lstm_w"), np.round(w / s).astype(np.int8), "int8", Quant.per_tensor(s)))
        bs = []
        for gate, v in enumerate(bias):
            bsc = float(np.float32(xs) * np.float32(scales[gate]))
            bs.append(g.sg.const(g._name("lstm_b"), np.round(v / bsc).astype(np.int32), "int32", Quant.per_tensor(bsc)))
        h = g.sg.tensor(g._name("lstm_h"), (batch, units), "int8", hq, variable=True)
        c = g.sg.tensor(g._name("lstm_c"), (batch, units), "int16", Quant.per_tensor(CELL_SCALE), variable=True)
    opt = schema.UnidirectionalSequenceLSTMOptionsT()
    opt.fusedActivationFunction = schema.ActivationFunctionType.TANH
    opt.cellClip = float(cell_clip)
    opt.timeMajor = bool(time_major)
    g.sg.op("UNIDIRECTIONAL_SEQUENCE_LSTM",
            [x.ref, *ws[:4], *ws[4:], None, None, None, *bs, None, None, h, c, None, None, None, None], [y.ref], opt)
    return y
