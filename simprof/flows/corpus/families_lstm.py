"""LSTM sequence family of the generated corpus (registered into `families.FAMILIES` on import):
lstm_seq, 1-2 stacked UNIDIRECTIONAL_SEQUENCE_LSTM layers over a feature sequence (keyword or
gesture recognition style: MFCC frames or IMU samples), batch-major or time-major, optionally with
cell clipping, then a dense classifier over the flattened hidden states. int8 models use TFLM's
8x8->16 LSTM (int16 cell state), calibrated from the float32 twin like every family."""
from __future__ import annotations

import numpy as np

from .layers import Graph
from .layers_lstm import lstm
from .registry import Params, family, pick


def _sample_lstm(rng: np.random.Generator) -> Params:
    """LSTM stack: 4-24 steps of 3-40 features, 1-2 layers of 8-48 units, time-major or not,
    cell clip 0 (none) or 3-10, 2-12 classes."""
    return {"steps": int(rng.integers(4, 25)), "features": int(rng.integers(3, 41)),
            "layers": [int(rng.integers(8, 49)) for _ in range(int(rng.integers(1, 3)))],
            "time_major": bool(rng.random() < 0.4),
            "cell_clip": pick(rng, [0.0, 0.0, 3.0, 10.0]),
            "classes": int(rng.integers(2, 13))}


@family("lstm_seq", "stacked LSTM layers over a feature sequence (int8: 8x8->16) and a dense head", _sample_lstm)
def _build_lstm(g: Graph, p: Params) -> None:
    tm = p["time_major"]
    x = g.input((p["steps"], 1, p["features"]) if tm else (1, p["steps"], p["features"]))
    for units in p["layers"]:
        x = lstm(g, x, units, time_major=tm, cell_clip=p["cell_clip"])
    flat = g.reshape(x, (1, int(np.prod(x.shape))))
    g.output(g.softmax(g.fully_connected(flat, p["classes"], out_std=2.0)))
