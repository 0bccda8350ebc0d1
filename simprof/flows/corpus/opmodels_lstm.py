"""UNIDIRECTIONAL_SEQUENCE_LSTM example models (int8 8x8->16 and float32): a batch-major LSTM over a
short sequence with a dense head on the last step's features, a time-major two-batch LSTM with
cell clipping, and two stacked LSTMs."""
from __future__ import annotations

from typing import Callable

from .layers import Graph
from .layers_lstm import lstm


def _lstm(g: Graph) -> None:
    y = lstm(g, g.input((1, 5, 6)), 8)
    g.output(g.fully_connected(g.reshape(y, (1, 5 * 8)), 4))


def _lstm_time_major(g: Graph) -> None:
    g.output(lstm(g, g.input((4, 2, 5)), 6, time_major=True, cell_clip=3.0))


def _lstm_stacked(g: Graph) -> None:
    g.output(lstm(g, lstm(g, g.input((2, 3, 4)), 7), 5))


def register(both: Callable[..., None]) -> None:
    ops = ("UNIDIRECTIONAL_SEQUENCE_LSTM",)
    both("lstm", ops + ("RESHAPE", "FULLY_CONNECTED"), "LSTM over 5 steps (batch-major), dense head", _lstm)
    both("lstm_time_major_clip", ops, "time-major LSTM, batch 2, cell clip 3", _lstm_time_major)
    both("lstm_stacked", ops, "two stacked LSTMs, batch 2 (batch-major)", _lstm_stacked)
