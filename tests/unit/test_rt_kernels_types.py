"""Edges of the int16 fixed-point kernels added for issue #10 in the ASan/UBSan kernel harness
(tests/unit/kernels/harness.c): input scales whose TFLM multiplier is 0 (TFLM's Eval would then
shift 3 by 31) or above 32767 (its int32 products would overflow) are refused in Prepare, with
the op named, instead of computing undefined values. ~6 s (harness build)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import kcases  # noqa: E402


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return kcases.build_harness(tmp_path_factory.mktemp("kharness_types") / "harness")


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("scale", [1e-30, 3e-14, 10.0, 1e30, float("inf")])
def test_int16_sigmoid_refuses_scales_tflm_cannot_compute(harness, tmp_path, op, scale):
    def build(g):
        x = g.input("x", (2, 8), "int16", kcases.qt(0.001, 0))
        y = g.tensor("y", (2, 8), "int16", kcases.qt(1 / 32768, 0))
        g.op(op, [x], [y])
        g.mark_outputs(y)
    x = np.arange(-8, 8, dtype=np.int16).reshape(2, 8) * 4000
    model = kcases._model(build)
    assert kcases.tensor_shapes(model)[0] == [2, 8]  # tensor 0 is the input
    res = kcases.run_case(harness, tmp_path, "edge", model, [x], quants={0: ([scale], [0])})
    assert res.status == 2 and res.error.startswith(f"F 2 {op}") and "scale" in res.error, res.error


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
def test_int16_sigmoid_refuses_an_output_scale_other_than_2_pow_minus_15(harness, tmp_path, op):
    def build(g):
        x = g.input("x", (2, 8), "int16", kcases.qt(0.001, 0))
        y = g.tensor("y", (2, 8), "int16", kcases.qt(1 / 16384, 0))
        g.op(op, [x], [y])
        g.mark_outputs(y)
    res = kcases.run_case(harness, tmp_path, "edge", kcases._model(build), [np.zeros((2, 8), np.int16)])
    assert res.status == 2 and "2^-15" in res.error, res.error
