"""simprof-rt's UNIDIRECTIONAL_SEQUENCE_LSTM (firmware/kernels/lstm.c) against TFLM (the tflite-micro
wheel), in the host harness with ASan + UBSan (tests/unit/kernels/harness.c):
  * output bytes == simprof.model.oracle.reference_outputs for int8 (8x8->16), int16 (16x8) and
    float32, time-major and batch-major, with and without cell clipping;
  * the Prepare-time sequence (temp tensors, four scratch buffers) is TFLM's kernel's;
  * a peephole LSTM is refused as unsupported (TFLM's kernel has none);
  * the sigmoid table in lstm_lut.h is the one the wheel's int16 TANH interpolates.
  * 240 structured mutants (tests/unit/_lstm_mutants.py) end cleanly in the ASan/UBSan host build,
    and the estimator on them agrees with the runtime (rejections, lp64 head and tail);
  * the lp64 estimate of every case equals the wheel's print_allocations() and minimum arena.
Runtime: ~45 s (gcc builds ~10 s, 12 oracle runs and 9 bisections, one 32768-element probe, 240 host runs).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import kcases  # noqa: E402
import opcases_lstm  # noqa: E402


def _cases():
    c = kcases.Cases()
    opcases_lstm.lstm_cases(c)
    return c.items


CASES = _cases()


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return kcases.build_harness(tmp_path_factory.mktemp("kharness_lstm") / "harness")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("kcases_lstm")


@pytest.mark.parametrize("name,model,inputs", CASES, ids=[c[0] for c in CASES])
def test_lstm_bit_exact_against_tflm(harness, workdir, name, model, inputs):
    expected = kcases.reference(model, inputs)
    got = kcases.run_case_cached(harness, workdir, name, model, inputs)
    assert got.status == 0, got.error
    ref = np.ascontiguousarray(expected[0])
    assert len(np.unique(ref)) > 3, "degenerate case: the reference output is nearly constant"
    assert got.outputs[0] == ref.tobytes(), f"{name}: output differs from TFLM"


@pytest.mark.parametrize("name,model,inputs", CASES, ids=[c[0] for c in CASES])
def test_lstm_prepare_sequence_follows_tflm(harness, workdir, name, model, inputs):
    got = kcases.run_case_cached(harness, workdir, name, model, inputs)
    op = kcases.schema.Model.GetRootAs(model, 0).Subgraphs(0).Operators(0)
    assert list(got.events) == opcases_lstm.expected_events_lstm(name, kcases.tensor_shapes(model), op)


@pytest.mark.parametrize("dt", ["int8", "float32"])
def test_lstm_with_peephole_is_unsupported(harness, workdir, dt):
    rng = np.random.default_rng(5)

    def build(g):
        y, _ = opcases_lstm.lstm_graph(g, rng, dt, 1, 2, 3, 4, False, 0.0, peephole=True)
        g.mark_outputs(y)
    c = kcases.Cases()
    c.add(f"lstm_peephole_{dt}", build, [((1, 2, 3), dt)])
    name, model, inputs = c.items[0]
    got = kcases.run_case(harness, workdir, name, model, inputs)
    assert got.error.startswith("F 2 ") and "peephole" in got.error, got.error  # 2 = SRT_ERR_UNSUPPORTED
    from simprof.model import oracle
    with pytest.raises(oracle.OracleError):  # TFLM's Prepare refuses it too
        oracle.reference_outputs(model, inputs)


def test_sigmoid_table_is_the_wheels():
    tool = kcases.ROOT / "firmware" / "tools" / "gen_sigmoid_lut.py"
    r = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_mutated_lstm_models_end_cleanly_on_host():
    """240 structured mutants (_lstm_mutants.py) of the six LSTM opmodels through the ASan/UBSan host
    build: each ends in a clean report (no sanitizer abort, no hang), refusals carry a message. The
    estimator on the same mutants: a number or a SimprofError, never another exception; a mutant it
    rejects is one the runtime rejects; where the runtime sets up, the lp64 head and tail are its."""
    import random

    from _lstm_mutants import mutate
    from simprof.core.errors import SimprofError
    from simprof.estimator import estimate
    from simprof.flows.corpus import opmodels
    from simprof.rt import host as rt_host

    build = rt_host.build_host()
    seeds = [opmodels.model(n) for n in opmodels.names() if n.startswith("lstm")]
    rng = random.Random(44)
    statuses = []
    for i in range(240):
        data, what = mutate(seeds[i % len(seeds)], rng)
        r = rt_host.run_host(data, arena_size=1 << 18, build=build, timeout=20)  # raises on a crash or hang
        assert r.ok or r.message, what
        statuses.append(r.status_name)
        try:
            e = estimate(data, runtime="simprof-rt", abi="lp64")
        except SimprofError:
            assert not r.ok, f"{what}: the estimator rejects a model the runtime runs"
            continue
        if r.ok:
            assert (e.arena_head_bytes, e.arena_tail_bytes) == (r.head, r.tail), what
    assert statuses.count("ok") > 20 and statuses.count("model") > 40, sorted(set(statuses))


@pytest.mark.parametrize("name,model,inputs", CASES, ids=[c[0] for c in CASES])
def test_lstm_lp64_estimate_equals_the_wheel(name, model, inputs):
    """The lp64 estimate of every single-op case (16x8 included, which no opmodel covers) equals the
    wheel's print_allocations() (total, head, tail, every tail category) and its minimum arena."""
    from simprof.estimator import estimate
    from simprof.model import oracle

    e = estimate(model, runtime="tflm", abi="lp64")
    r = oracle.allocations(model, 1 << 20)
    assert (e.tflm_arena_used_bytes, e.arena_head_bytes, e.arena_tail_bytes) == (r.total, r.head, r.tail)
    assert e.tail_categories == {c.name: {"used": c.used, "requested": c.requested, "count": c.count}
                                 for c in r.categories}
    assert e.arena_min_bytes == oracle.min_arena(model)
