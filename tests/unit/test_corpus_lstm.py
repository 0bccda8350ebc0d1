"""The lstm_seq corpus family (simprof/flows/corpus/families_lstm.py) on sampled models, int8
(calibrated from the float32 twin, 8x8->16 LSTM) and float32, batch- and time-major, with and
without cell clipping:
  * simprof-rt's host build gives TFLM's outputs (the tflite-micro wheel) bit for bit;
  * the lp64 estimate equals the wheel's print_allocations() (total, head, tail, every tail
    category) and its bisected minimum arena;
  * the family is part of the default corpus (what `simprof validate` generates by default).
Runtime: ~15 s (host build cached; 8 models, each a float twin calibration, 2 oracle runs and a
bisection)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from simprof.estimator import estimate
from simprof.flows.corpus import families, generate
from simprof.model import oracle
from simprof.rt import host as rt_host

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import e2e  # noqa: E402
import kcases  # noqa: E402

SEEDS = (0, 3, 4, 7)  # time-major 2-layer, clipped batch-major, clipped time-major 2-layer, ...


def _model(seed: int, dt: str) -> tuple[dict, bytes]:
    p = families.FAMILIES["lstm_seq"].sample(np.random.default_rng(seed))
    return p, families.build_model("lstm_seq", p, dt, seed)


@pytest.fixture(scope="module")
def host():
    return rt_host.build_host()


def test_samples_cover_both_layouts_and_clipping():
    ps = [_model(s, "float32")[0] for s in SEEDS]
    assert {p["time_major"] for p in ps} == {True, False}
    assert any(p["cell_clip"] > 0 for p in ps) and any(len(p["layers"]) == 2 for p in ps)


@pytest.mark.parametrize("dt", ["int8", "float32"])
@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_family_bit_exact_and_estimate_exact(host, seed, dt):
    _, mb = _model(seed, dt)
    name = f"lstm_seq_{dt}_{seed}"
    inputs = e2e.model_inputs(name, mb)
    expected = kcases.reference(mb, inputs)
    run = rt_host.run_host(mb, arena_size=1 << 20, inputs=b"".join(np.ascontiguousarray(a).tobytes() for a in inputs),
                           build=host)
    assert run.ok, f"{run.status_name}: {run.message}"
    assert e2e.same_bytes(expected, run.outputs) is None
    e = estimate(mb, runtime="tflm", abi="lp64")
    r = oracle.allocations(mb, 1 << 20)
    assert (e.tflm_arena_used_bytes, e.arena_head_bytes, e.arena_tail_bytes) == (r.total, r.head, r.tail)
    assert e.tail_categories == {c.name: {"used": c.used, "requested": c.requested, "count": c.count}
                                 for c in r.categories}
    assert e.arena_min_bytes == oracle.min_arena(mb)


def test_lstm_family_is_in_the_default_corpus():
    planned = generate.plan(generate.GenerateOptions(out=Path("unused"), count=len(families.FAMILIES)))
    assert "lstm_seq" in {p.family for p in planned}
