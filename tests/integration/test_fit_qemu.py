"""simprof fit end to end, proven on simprof-rt under real QEMU (real arm-none-eabi-gcc):
- lossless steps (operator order, offline plan) on branched corpus models: the measured minimum
  arena equals simprof's estimate, and the outputs of simprof-rt and of TFLM's host interpreter
  equal the original model's, bit for bit;
- a pruned model: measured minimum arena equals the estimate and fits; simprof-rt's outputs
  equal TFLM's host interpreter on the pruned model;
- the labelled-data path: a CNN trained on scikit-learn's bundled digits, fitted under an accuracy
  floor; its labelled accuracy is measured on the held-out split.
Runtime: ~25 s."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simprof.flows.fit import fit
from simprof.flows.fit.digits import build

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
import _fit_models as fm  # noqa: E402

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name,step", [("branches_int8_order", "operator order"),
                                       ("mobilenet_v2_int8_plan", "offline plan")])
def test_lossless_fit_is_bit_exact_and_measured_equal(name, step):
    data = fm.model(name)
    r = fit(data, "stm32f4", arena_budget="0.86")
    assert [s.name for s in r.steps if s.saved_bytes > 0] == [step]
    assert all(s.lossless for s in r.steps)
    assert r.accuracy.bit_exact and r.layers == ()
    p = r.proof
    assert p.arena_min_bytes == p.estimate_arena_min_bytes == r.figure_after < r.figure_before
    assert p.fits and p.outputs_match_wheel and p.outputs_match_original


def test_pruned_fit_is_measured_equal_to_the_estimate():
    r = fit(fm.model("resnet8_int8"), "nrf52840", arena_budget="0.7")
    assert r.layers and r.channels_removed > 0
    p = r.proof
    assert p.arena_min_bytes == p.estimate_arena_min_bytes <= r.budget.bytes
    assert p.fits and p.outputs_match_wheel


def test_labelled_accuracy_path_on_digits(tmp_path):
    d = build(tmp_path, epochs=4)
    assert d.test_accuracy > 0.9
    r = fit(d.int8, "stm32f4", arena_budget="0.8", data=d.data, min_accuracy=0.85)
    assert r.data_source == str(d.data)
    assert r.accuracy_before > 0.9 and r.accuracy.labelled is not None
    assert r.accuracy.labelled >= 0.85
    assert r.proof.fits and r.proof.arena_min_bytes == r.proof.estimate_arena_min_bytes
