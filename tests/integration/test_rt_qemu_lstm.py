"""UNIDIRECTIONAL_SEQUENCE_LSTM on Cortex-M under QEMU (real arm-none-eabi-gcc, real QEMU), on the
Cortex-M4F (stm32f4) and the Cortex-M0 (nrf51) images, for the LSTM models of
simprof.flows.corpus.opmodels (int8 8x8->16 and float32; batch-major, time-major with cell clip,
stacked) and two sampled models of the lstm_seq corpus family:
- outputs equal TFLM's host interpreter (the tflite-micro wheel) bit for bit;
- the painted arena equals the runtime's own figures and the estimator's arm-eabi head, painted
  head and tail, exactly;
- the arena bisected on the firmware (to the byte) equals the estimator's minimum (int8 and float32
  batch-major models; the same code path serves the others).
Runtime: ~60 s (one cached build per core, ~1 s per measurement, ~10 s per bisection)."""
from __future__ import annotations

import numpy as np
import pytest

from simprof.estimator import estimate
from simprof.flows.corpus import families, opmodels
from simprof.rt import runner as runtime

pytestmark = pytest.mark.qemu

MODELS = ["lstm_int8", "lstm_float32", "lstm_time_major_clip_int8", "lstm_time_major_clip_float32",
          "lstm_stacked_int8", "lstm_stacked_float32"]
MIN_MODELS = {"lstm_int8", "lstm_float32", "lstm_seq_int8_3"}
FAMILY = {"lstm_seq_int8_3": ("int8", 3), "lstm_seq_float32_3": ("float32", 3)}


def _model(name: str) -> bytes:
    if name in FAMILY:
        dt, seed = FAMILY[name]
        p = families.FAMILIES["lstm_seq"].sample(np.random.default_rng(seed))
        return families.build_model("lstm_seq", p, dt, seed)
    return opmodels.model(name)


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf51"])
@pytest.mark.parametrize("name", MODELS + list(FAMILY))
def test_lstm_bit_exact_and_arena_exact_on_cortex_m(name, platform_id):
    mb = _model(name)
    with_min = name in MIN_MODELS
    m = runtime.measure_model(mb, platform_id, min_arena=with_min, per_operator=False)
    assert m.outputs_match_reference is True
    r = m.runtime
    assert (m.arena_head_bytes, m.arena_tail_bytes) == (r.temp_hwm, r.tail)
    e = estimate(mb, platform_id, runtime="simprof-rt", abi="arm-eabi")
    assert r.head == e.arena_head_bytes
    assert (r.tail, r.temp_hwm) == (e.arena_tail_bytes, e.arena_head_painted_bytes)
    if with_min:
        assert m.arena_min_bytes == e.arena_min_bytes
