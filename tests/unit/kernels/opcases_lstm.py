"""Single-op UNIDIRECTIONAL_SEQUENCE_LSTM models (see opcases.py): int8 (8x8->16), int16 (16x8) and
float32, time-major and batch-major, several batch / step / input / state sizes, with and without
cell clipping. TFLM's kernel supports neither peephole, projection nor layer norm, so the cases
have none (and one case with peephole weights checks the refusal). `expected_events_lstm` gives
the Prepare sequence of TFLM's kernel: a temp tensor per present input in order, the output, then
four scratch buffers of batch x state cells."""
from __future__ import annotations

import numpy as np

from kcases import Cases, qt, schema

S = schema

# (name, activation type, batch, steps, input, state, time_major, cell_clip)
SPECS = [
    ("int8_0", "int8", 1, 3, 4, 5, False, 0.0),
    ("int8_1", "int8", 2, 4, 3, 6, True, 0.0),
    ("int8_2", "int8", 3, 2, 5, 4, False, 2.5),
    ("int8_3", "int8", 2, 5, 8, 8, True, 1.0),
    ("int16_0", "int16", 1, 3, 4, 5, False, 0.0),
    ("int16_1", "int16", 2, 3, 6, 4, True, 3.0),
    ("float32_0", "float32", 1, 3, 4, 5, False, 0.0),
    ("float32_1", "float32", 2, 4, 3, 6, True, 0.0),
    ("float32_2", "float32", 3, 2, 5, 4, False, 0.8),
]


def lstm_graph(g, rng: np.random.Generator, dt: str, batch: int, steps: int, nin: int, ns: int,
               time_major: bool, cell_clip: float, peephole: bool = False, name: str = "lstm"):
    """Adds one LSTM op reading a graph input; returns its output tensor. Quantized models use
    the scales a converter gives a Keras LSTM: int16 cell state of scale 2^-11, int32 (int64 for
    16x8) gate biases at input x weight scale."""
    ishape = (steps, batch, nin) if time_major else (batch, steps, nin)
    oshape = (steps, batch, ns) if time_major else (batch, steps, ns)
    if dt == "float32":
        x = g.input(f"{name}_x", ishape, dt)
        ws = [g.const(f"{name}_w{i}", (rng.standard_normal((ns, nin if i < 4 else ns)) * 0.5).astype(np.float32))
              for i in range(8)]
        bs = [g.const(f"{name}_b{i}", (rng.standard_normal(ns) * 0.3).astype(np.float32)) for i in range(4)]
        h = g.tensor(f"{name}_h", (batch, ns), dt, variable=True)
        c = g.tensor(f"{name}_c", (batch, ns), dt, variable=True)
        y = g.tensor(f"{name}_y", oshape, dt)
        peep = [g.const(f"{name}_p{i}", np.ones(ns, np.float32)) for i in range(3)] if peephole else [None] * 3
    else:
        sx, zx = (0.05, 3) if dt == "int8" else (0.0004, 0)
        sh, zh = (2.0 ** -7, -4) if dt == "int8" else (2.0 ** -15, 0)
        xq, hq = qt(sx, zx), qt(sh, zh)
        x = g.input(f"{name}_x", ishape, dt, xq)
        wsc = [0.004 + 0.001 * i for i in range(8)]
        ws = [g.const(f"{name}_w{i}", rng.integers(-127, 128, (ns, nin if i < 4 else ns)).astype(np.int8), "int8",
                      qt(wsc[i], 0)) for i in range(8)]
        bt, bnp = ("int32", np.int32) if dt == "int8" else ("int64", np.int64)
        bs = [g.const(f"{name}_b{i}", rng.integers(-3000, 3000, ns).astype(bnp), bt,
                      qt(float(np.float32(sx) * np.float32(wsc[i])), 0)) for i in range(4)]
        h = g.tensor(f"{name}_h", (batch, ns), dt, hq, variable=True)
        c = g.tensor(f"{name}_c", (batch, ns), "int16", qt(2.0 ** -11, 0), variable=True)
        y = g.tensor(f"{name}_y", oshape, dt, hq)
        peep = [None] * 3
        if peephole:
            peep = [g.const(f"{name}_p{i}", np.ones(ns, np.int16), "int16", qt(0.001, 0)) for i in range(3)]
    o = S.UnidirectionalSequenceLSTMOptionsT()
    o.fusedActivationFunction = 4  # TANH
    o.cellClip = cell_clip
    o.timeMajor = time_major
    inputs = [x] + ws[:4] + ws[4:] + peep + bs + [None, None, h, c] + [None] * 4
    g.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], o)
    return y, ishape


def lstm_cases(c: Cases) -> None:
    rng = np.random.default_rng(71)
    for name, dt, b, t, n, s, tm, clip in SPECS:
        ishape = (t, b, n) if tm else (b, t, n)

        def build(g, dt=dt, b=b, t=t, n=n, s=s, tm=tm, clip=clip):
            y, _ = lstm_graph(g, rng, dt, b, t, n, s, tm, clip)
            g.mark_outputs(y)
        c.add(f"lstm_{name}", build, [(ishape, dt)])


def expected_events_lstm(name: str, shapes: list[list[int]], op) -> list[str]:
    """TFLM's Prepare sequence of UNIDIRECTIONAL_SEQUENCE_LSTM (float32 cells are 4 B, int16 2 B)."""
    ins = [int(i) for i in op.InputsAsNumpy()]
    ev = [f"T in {k}" for k, i in enumerate(ins) if i >= 0] + ["T out 0"]
    h = shapes[ins[18]]
    cells = int(np.prod(h))
    return ev + [f"S {cells * (4 if '_float32_' in name else 2)}"] * 4
