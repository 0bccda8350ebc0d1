"""The op x type pairs added for issue #10 (tests/unit/kernels/opcases_types.py) in the real
simprof-rt firmware under QEMU on Cortex-M4F (stm32f4) and Cortex-M0 (nrf51): the painted arena
equals the runtime's own figures and the estimator's arm-eabi head, tail and minimum arena (the
minimum bisected on the firmware to the byte), and the outputs equal TFLM's host interpreter on
the case's inputs.
Runtime: ~60 s (each measurement paints twice)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simprof.estimator import estimate
from simprof.rt import runner as runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "kernels"))
import opcases_types  # noqa: E402
from kcases import Cases  # noqa: E402

pytestmark = pytest.mark.qemu

_C = Cases()
opcases_types.type_cases(_C)
_ALL = {name: (model, inputs) for name, model, inputs in _C.items}
# one case per new op x type
NAMES = ["maximum_int16_1", "minimum_int64_1", "pad_int32_0", "mean_int16_0", "mean_int16_2",
         "logistic_int16_2", "tanh_int16_1", "softmax_int16_0", "softmax_int16_3",
         "log_softmax_int8_0", "log_softmax_int8_3", "div_int8_0", "div_int8_4", "rsqrt_int16_0"]


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf51"])
@pytest.mark.parametrize("name", NAMES)
def test_painted_arena_equals_estimate_and_outputs_equal_tflm(name, platform_id):
    mb, inputs = _ALL[name]
    m = runtime.measure_model(mb, platform_id, min_arena=True, input=inputs)  # the case's inputs
    r = m.runtime
    assert (m.arena_head_bytes, m.arena_tail_bytes) == (r.temp_hwm, r.tail)
    e = estimate(mb, platform_id, runtime="simprof-rt", abi="arm-eabi")
    assert r.head == e.arena_head_bytes
    assert (r.tail, r.temp_hwm) == (e.arena_tail_bytes, e.arena_head_painted_bytes)
    assert m.arena_min_bytes == e.arena_min_bytes
    assert m.outputs_match_reference is True
