"""The estimator's CMSIS-NN UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM @90b983c kernels/cmsis_nn/
unidirectional_sequence_lstm.cc, CMSIS-NN 4ab83cc) against figures measured on a real TFLM +
CMSIS-NN build for Cortex-M4 under QEMU (arena_used_bytes, the bisected minimum arena and
RecordingMicroAllocator's persistent buffers of an lstm_seq corpus model: one int8 LSTM of 21
units over 5 time-major steps of 38 features, cell clip 10, an 8-class dense head), and the
allocation rules read from that kernel's Prepare. The lp64 figures of this kernel set cannot be
checked: the tflite-micro wheel runs the reference kernels. ~2 s."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simprof.estimator import estimate
from simprof.estimator.scratch import scratch_requests
from simprof.flows.corpus.families import build_model
from simprof.model.reader import read_model

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import kcases  # noqa: E402
import opcases_lstm  # noqa: E402

# the lstm_seq parameters of the measured model (corpus seed 6, model 2); arena sizes do not
# depend on the weights, so the uncalibrated build has the measured model's figures
PARAMS = {"steps": 5, "features": 38, "layers": [21], "time_major": True, "cell_clip": 10.0, "classes": 8}


@pytest.fixture(scope="module")
def lstm21() -> bytes:
    return build_model("lstm_seq", PARAMS, "int8", seed=6, calibrate=False)


def test_real_tflm_cmsis_nn_figures(lstm21):
    """Measured on TFLM + CMSIS-NN, Cortex-M4: arena_used_bytes 3156, minimum arena 3676, 15
    persistent buffers (1,792 B requested: options, OpData, the LSTM's 912-B OpData and its
    eight 84-B kernel sums, ...)."""
    e = estimate(lstm21, "stm32f4", runtime="tflm", kernels="cmsis-nn")
    assert e.tflm_arena_used_bytes == 3156
    assert e.arena_min_bytes == 3676
    pb = e.tail_categories["Persistent buffer data"]
    assert (pb["count"], pb["requested"]) == (15, 1792)


def test_cmsis_nn_lstm_differs_from_reference_by_tflms_rules(lstm21):
    """Against the reference kernels (the same model, same plan otherwise): the tail gains the
    OpData difference (912 - 688) and eight 16-aligned kernel sums of 21 x int32 (8 x 96 B),
    besides FULLY_CONNECTED's cmsis_nn OpData; the head loses one of the four 42-B buffers."""
    ref = estimate(lstm21, "stm32f4", runtime="tflm", kernels="reference")
    cm = estimate(lstm21, "stm32f4", runtime="tflm", kernels="cmsis-nn")
    fc = 80 - 48  # cmsis_nn vs reference FC OpData, 72 and 48 B 16-aligned (tflm-sizes.json, arm_m4)
    assert cm.arena_tail_bytes - ref.arena_tail_bytes == (912 - 688) + 8 * 96 + fc
    assert ref.arena_head_bytes - cm.arena_head_bytes == 48


@pytest.mark.parametrize("dtype, cells, n", [("int8", 2, 3), ("int16", 2, 3), ("float32", 4, 4)])
def test_scratch_requests_follow_the_kernels_types(dtype, cells, n):
    """int8 and int16 activations with an int16 cell state run CMSIS-NN (three int16 buffers);
    float32 falls back to the reference LSTM (four float buffers)."""
    c = kcases.Cases()
    opcases_lstm.lstm_cases(c)
    for name, mb, _ in c.items:
        if f"_{dtype}_" not in name:
            continue
        m = read_model(mb)
        h = m.main.tensors[m.main.operators[0].inputs[18]]
        want = [cells * h.shape[0] * h.shape[1]] * n
        assert [r.nbytes for r in scratch_requests(m, "cmsis-nn")] == want, name
        assert len(scratch_requests(m, "reference")) == 4, name
