"""Single-op cases of the simple operators (issue #10 part A): uint8 I/O of QUANTIZE/DEQUANTIZE
and the math, comparison and logical operators, each in every type TFLM's reference kernel takes.
Expected outputs come from the tflite-micro wheel (kcases.reference), never from our code."""
from __future__ import annotations

from kcases import Cases, qt

QUANT_PAIRS = [  # (input type, quant, output type, quant): TFLM's requantising QUANTIZE pairs
    ("int8", qt(0.05, -3), "uint8", qt(0.05, 125)),     # the wake-word models' output: a shift of 128
    ("int8", qt(0.05, -3), "uint8", qt(0.031, 140)),    # a real rescale
    ("uint8", qt(0.02, 128), "int8", qt(0.02, 0)),
    ("uint8", qt(0.02, 120), "int8", qt(0.045, -7)),
    ("int8", qt(0.05, 3), "int32", qt(0.01, 2)),
    ("int16", qt(0.0005, 0), "int32", qt(0.01, 0)),
    ("int16", qt(0.0005, 0), "int16", qt(0.0011, 0)),
    ("int32", qt(0.03, 1), "int8", qt(0.5, -4)),
    ("int32", qt(0.03, 0), "int16", qt(0.02, 0)),
    ("int8", qt(0.05, 3), "int16", qt(0.001, 0)),
]


def quantize_cases(c: Cases) -> None:
    shape = (3, 50)
    for k, (ti, qi, to, qo) in enumerate(QUANT_PAIRS):
        def build(g, ti=ti, qi=qi, to=to, qo=qo):
            x = g.input("x", shape, ti, qi)
            y = g.tensor("y", shape, to, qo)
            g.op("QUANTIZE", [x], [y])
            g.mark_outputs(y)
        c.add(f"quantize_{ti}to{to}_{k}", build, [(shape, ti)])

    def dq(g):
        x = g.input("x", shape, "uint8", qt(0.037, 131))
        y = g.tensor("y", shape, "float32")
        g.op("DEQUANTIZE", [x], [y])
        g.mark_outputs(y)
    c.add("dequantize_uint8_0", dq, [(shape, "uint8")])


def simple_cases(c: Cases) -> None:
    quantize_cases(c)
