"""simprof-rt's CMSIS-NN UNIDIRECTIONAL_SEQUENCE_LSTM (firmware/kernels_cmsis_nn/lstm.c) under QEMU,
one platform per CMSIS-NN core class (no DSP: nrf51 Cortex-M0; DSP: stm32f4 M4F; MVE: corstone300
M55; the LSTM's allocations are the same on all three, FULLY_CONNECTED's are not), against the
estimator's `--kernels cmsis-nn` and the tflite-micro wheel's outputs, for the LSTM opmodels (int8
and float32), a 16x8 (int16) single-op model and the lstm_seq model whose real TFLM + CMSIS-NN
figures test_estimator_cmsis_lstm.py checks:
- painted head and tail, and the runtime's planned head and tail, equal the estimate;
- the minimum arena bisected on the firmware (to the byte) equals the estimator's;
- outputs are bit-exact with TFLM's reference kernels (the wheel).
Stack and static RAM are not compared: they come from the calibration, which the merge regenerates.
~40 s: three cached builds, ~1 s per model, a few seconds per bisection."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simprof.estimator import estimate
from simprof.flows.corpus import opmodels
from simprof.flows.corpus.families import build_model

pytestmark = pytest.mark.qemu

MODELS = ["lstm_int8", "lstm_float32", "lstm_time_major_clip_int8", "lstm_stacked_int8", "lstm_int16_1", "lstm21"]
MIN_MODELS = {"lstm_float32", "lstm_int16_1", "lstm21"}


def _model(name: str) -> bytes:
    if name == "lstm21":  # corpus lstm_seq seed 6, model 2 (its sizes; the weights are not calibrated)
        p = {"steps": 5, "features": 38, "layers": [21], "time_major": True, "cell_clip": 10.0, "classes": 8}
        return build_model("lstm_seq", p, "int8", seed=6, calibrate=False)
    if name.startswith("lstm_int16"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "kernels"))
        import kcases
        import opcases_lstm
        c = kcases.Cases()
        opcases_lstm.lstm_cases(c)
        return next(m for n, m, _ in c.items if n == name)
    return opmodels.model(name)


@pytest.mark.parametrize("platform_id", ["nrf51", "stm32f4", "corstone300"])
def test_cmsis_lstm_arena_and_outputs_equal_the_estimate(platform_id):
    from simprof.rt.runner import measure_model

    for name in MODELS:
        mb = _model(name)
        m = measure_model(mb, platform_id, kernels="cmsis-nn", per_operator=False, min_arena=name in MIN_MODELS)
        e = estimate(mb, platform_id, runtime="simprof-rt", kernels="cmsis-nn")
        assert (m.arena_head_bytes, m.arena_tail_bytes) == (e.arena_head_painted_bytes, e.arena_tail_bytes), name
        assert (m.runtime.head, m.runtime.tail) == (e.arena_head_bytes, e.arena_tail_bytes), name
        if name in MIN_MODELS:
            assert m.arena_min_bytes == e.arena_min_bytes, name
        assert m.outputs_match_reference is True, name


@pytest.mark.parametrize("name, sums", [("lstm21", 8 * 96), ("lstm_int16_1", 8 * 32)])
def test_cmsis_lstm_really_in_the_image(name, sums):
    """Against the reference kernels on the same core (stm32f4), the runtime's own figures: the
    tail gains the larger OpData (912 - 688 B) and eight 16-aligned kernel sums (21 units x int32:
    96 B each; 4 units x int64 of the 16x8 model: 32 B each), plus, in lstm21, FULLY_CONNECTED's
    cmsis_nn OpData (80 - 48 B). lstm21's head is the real TFLM + CMSIS-NN build's, 448 B: one
    42-B int16 buffer (48 B aligned) below the reference kernels'."""
    from simprof.rt.runner import measure_model

    mb = _model(name)
    ref = measure_model(mb, "stm32f4", per_operator=False, reference=False).runtime
    cm = measure_model(mb, "stm32f4", kernels="cmsis-nn", per_operator=False, reference=False).runtime
    fc = 32 if name == "lstm21" else 0
    assert cm.tail - ref.tail == (912 - 688) + sums + fc
    if name == "lstm21":
        assert (ref.head - cm.head, cm.head) == (48, 448)
