"""UNIDIRECTIONAL_SEQUENCE_LSTM on Cortex-M under QEMU (real arm-none-eabi-gcc, real QEMU), on the
Cortex-M4F (stm32f4) and the Cortex-M0 (nrf51) images, for the LSTM models of
simprof.flows.corpus.opmodels (int8 8x8->16 and float32; batch-major, time-major with cell clip,
stacked), two sampled models of the lstm_seq corpus family and two 16x8 (int16) single-op models:
- outputs equal TFLM's host interpreter (the tflite-micro wheel) bit for bit;
- the painted arena equals the runtime's own figures and the estimator's arm-eabi head, painted
  head and tail, exactly;
- the arena bisected on the firmware (to the byte) equals the estimator's minimum (int8 and float32
  batch-major models; the same code path serves the others).
- 90 structured mutants of those models end in a clean report on both cores (no fault, no hang).
Runtime: ~60 s (one cached build per core, ~1 s per measurement, ~10 s per bisection, 90 fuzz runs)."""
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


# 16x8 (int16 activations, int64 biases): the single-op models of tests/unit/kernels/opcases_lstm.py
INT16 = ("lstm_int16_0", "lstm_int16_1")


def _model(name: str) -> bytes:
    if name in INT16:
        import sys
        from pathlib import Path
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "kernels"))
        import kcases
        import opcases_lstm
        c = kcases.Cases()
        opcases_lstm.lstm_cases(c)
        return next(m for n, m, _ in c.items if n == name)
    if name in FAMILY:
        dt, seed = FAMILY[name]
        p = families.FAMILIES["lstm_seq"].sample(np.random.default_rng(seed))
        return families.build_model("lstm_seq", p, dt, seed)
    return opmodels.model(name)


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf51"])
@pytest.mark.parametrize("name", MODELS + list(FAMILY) + list(INT16))
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


def test_mutated_lstm_models_end_cleanly_on_cortex_m(tmp_path):
    """90 structured mutants (tests/unit/_lstm_mutants.py) of the LSTM opmodels, two in three on
    stm32f4 (Cortex-M4F), one in three on nrf51 (Cortex-M0): every run ends in a clean report (no
    HardFault, no hang within 10 s), refusals carry a message."""
    import random
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from simprof.core.errors import EmulatorError
    from simprof.platforms import load
    from simprof.rt.image import image_for
    from simprof.rt.protocol import pack_image

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    from _lstm_mutants import mutate

    targets = [(p, image_for(p)) for p in (load("stm32f4"), load("nrf51"))]
    seeds = [opmodels.model(n) for n in MODELS]
    rng = random.Random(20261205)
    cases = [mutate(seeds[i % len(seeds)], rng) for i in range(90)]

    def run(i):
        data, what = cases[i]
        p, fw = targets[0 if i % 3 else 1]
        try:
            rep, _ = runtime.run_bare(fw, [(fw.model_start, pack_image(data))], timeout_s=10)
        except EmulatorError as exc:
            (tmp_path / f"case-{i}-{p.id}.tflite").write_bytes(data)
            return f"{what} on {p.id}", exc
        return what, rep

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(len(cases))))
    failures = [f"{what}: {r.one_line()}" for what, r in results if isinstance(r, EmulatorError)]
    assert not failures, f"{len(failures)} runs did not end cleanly (models in {tmp_path}): {failures[:5]}"
    statuses = [rep.status_name for _, rep in results]
    assert "running" not in statuses
    assert all(rep.message for _, rep in results if not rep.ok)
    assert statuses.count("ok") > 5 and statuses.count("model") > 20, statuses
