"""simprof-rt's CMSIS-NN UNIDIRECTIONAL_SEQUENCE_LSTM (firmware/kernels_cmsis_nn/lstm.c) on the
x86-64 host (ASan/UBSan build), for each CMSIS-NN code path (no DSP, DSP, MVE):
  * output bytes equal the tflite-micro wheel's (TFLM reference kernels) for int8 (8x8->16),
    int16 (16x8) and float32, time-major and batch-major, with and without cell clipping: the
    integer path runs on three scratch buffers, not the reference kernel's four;
  * 120 structured mutants (_lstm_mutants.py) end in a clean report (no sanitizer abort, no hang);
  * non-constant gate weights are refused by the runtime and named by the cmsis-nn estimate.
~25 s (three cached host builds, 45 oracle runs, 120 host runs)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from simprof.flows.corpus import opmodels
from simprof.model import oracle
from simprof.rt import host as rt_host
from simprof.rt.runner import default_inputs

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import kcases  # noqa: E402
import opcases_lstm  # noqa: E402


def _cases():
    c = kcases.Cases()
    opcases_lstm.lstm_cases(c)
    items = list(c.items)
    for name in opmodels.names():
        if name.startswith("lstm"):
            mb = opmodels.model(name)
            items.append((name, mb, default_inputs(mb, seed=3)))
    return items


CASES = _cases()


@pytest.fixture(scope="module", params=["none", "dsp", "mve"])
def build(request):
    return rt_host.build_host(kernels="cmsis-nn", cmsis_core=request.param)


def test_outputs_bit_exact_with_the_wheel(build):
    for name, mb, xs in CASES:
        r = rt_host.run_host(mb, inputs=b"".join(np.ascontiguousarray(x).tobytes() for x in xs), build=build,
                             recording=False)
        assert r.ok, (name, r.message)
        want = oracle.reference_outputs(mb, xs)
        assert [bytes(o) for o in r.outputs] == [np.ascontiguousarray(w).tobytes() for w in want], name


def test_mutated_lstm_models_end_cleanly():
    import random

    from _lstm_mutants import mutate

    b = rt_host.build_host(kernels="cmsis-nn", cmsis_core="dsp")
    seeds = [opmodels.model(n) for n in opmodels.names() if n.startswith("lstm")]
    rng = random.Random(45)
    statuses = []
    for i in range(120):
        data, what = mutate(seeds[i % len(seeds)], rng)
        r = rt_host.run_host(data, arena_size=1 << 18, build=b, timeout=20)  # raises on a crash or hang
        assert r.ok or r.message, what
        statuses.append(r.status_name)
    assert statuses.count("ok") > 10 and statuses.count("model") > 20, sorted(set(statuses))


def test_non_constant_gate_weights_are_refused_by_both():
    """TFLM's cmsis_nn LSTM Prepare requires constant weights and biases: with the input-gate
    weights made a plain (non-constant) tensor, the CMSIS-NN runtime refuses the model with a
    message and the cmsis-nn estimate names the refusal among its unknowns."""
    from simprof.estimator import estimate
    from simprof.model.writer import pack, unpack

    m = unpack(opmodels.model("lstm_int8"))
    sg = m.subgraphs[0]
    op = next(o for o in sg.operators if len(o.inputs) == 24)
    sg.tensors[op.inputs[1]].buffer = 0   # buffer 0: the empty buffer, no data
    data = pack(m)
    r = rt_host.run_host(data, arena_size=1 << 18, build=rt_host.build_host(kernels="cmsis-nn"), timeout=20)
    assert not r.ok and "constant" in r.message, r.message
    e = estimate(data, "stm32f4", kernels="cmsis-nn")
    assert any("UNIDIRECTIONAL_SEQUENCE_LSTM" in u and "constant" in u for u in e.unknowns), e.unknowns
