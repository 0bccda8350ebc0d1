"""The planner replay on hand-made buffer sets whose TFLM placement is known by construction
(tflm-arena-facts.md §2.3-2.4), the plan verifier, and the estimator's honesty about unknown ops."""
from __future__ import annotations

import numpy as np
import pytest

from simprof.core.errors import ModelFormatError
from simprof.estimator import estimate
from simprof.estimator.lifetimes import Buffer
from simprof.estimator.planner import ArenaPlan, plan
from simprof.estimator.verify import PlanError, verify_plan

import _estimator_models as own


def B(i, size, first, last, kind="tensor", off=None):
    return Buffer(kind, 0, i, size, first, last, off)


def test_equal_sizes_later_added_goes_first():
    # two same-size buffers alive together: the one added later is placed at offset 0
    p = plan((B(0, 32, 0, 1), B(1, 32, 0, 1)))
    assert p.offsets == (32, 0) and p.head_bytes == 64


def test_scratch_added_after_tensor_of_same_size_goes_first():
    p = plan((B(0, 16, 0, 2), B(0, 16, 1, 1, kind="scratch")))
    assert p.offsets == (16, 0)


def test_lowest_gap_first_fit_reuses_dead_space():
    # A [0,1] 64 B, C [0,3] 32 B, D [2,3] 48 B: D fits where A was (A is dead at 2..3)
    p = plan((B(0, 64, 0, 1), B(1, 32, 0, 3), B(2, 48, 2, 3)))
    assert p.offsets == (0, 64, 0) and p.head_bytes == 96
    verify_plan(p)


def test_gap_below_first_overlapping_buffer_is_used():
    # big lives [0,0]; mid [1,2] goes at 0; then small [2,2] must go above mid; tiny [1,1] above mid too
    p = plan((B(0, 128, 0, 0), B(1, 64, 1, 2), B(2, 16, 2, 2)))
    assert p.offsets == (0, 0, 64)


def test_offline_offsets_are_kept():
    p = plan((B(0, 32, 0, 1, off=64), B(1, 32, 0, 1)))
    assert p.offsets[0] == 64 and p.offsets[1] == 0


def test_verify_rejects_overlap_and_misalignment():
    bufs = (B(0, 32, 0, 1), B(1, 32, 1, 2))
    with pytest.raises(PlanError):
        verify_plan(ArenaPlan(bufs, (0, 16), 48))
    with pytest.raises(PlanError):
        verify_plan(ArenaPlan(bufs, (0, 40), 72))
    verify_plan(ArenaPlan(bufs, (0, 32), 64))


def test_unknown_operator_is_named_not_ignored():
    b = own.Builder()
    x = b.tensor([1, 8], "float32")
    y = b.tensor([1, 8], "float32")
    b.op("LSH_PROJECTION", [x], [y])  # a TFLite op TFLM never registers
    b.io([x], [y])
    e = estimate(b.build(), runtime="tflm", abi="lp64")
    assert any("LSH_PROJECTION" in u and "unknown" in u for u in e.unknowns)


def test_arm_and_lp64_differ_only_in_the_tail():
    mb = own.cnn("int8")
    arm, lp = estimate(mb), estimate(mb, abi="lp64")
    assert arm.arena_head_bytes == lp.arena_head_bytes  # activations are ABI independent
    assert arm.arena_tail_bytes < lp.arena_tail_bytes   # 32-bit records are smaller


def test_per_operator_view_is_consistent():
    e = estimate(own.cnn("float32"), abi="lp64", runtime="tflm")
    assert len(e.operators) == 11  # conv, 2 x (dw, conv, add), pool, mean, fc, softmax
    for o in e.operators:
        assert o.live_bytes <= o.arena_head_bytes <= e.arena_head_bytes
        assert o.stack_bytes is None and o.total_bytes is None  # no calibration: unknown, not 0
    assert max(o.arena_head_bytes for o in e.operators) == e.arena_head_bytes
    assert e.operators[e.peak_operator].arena_head_bytes == e.arena_head_bytes
    assert np.isclose(e.arena_bytes, e.arena_head_bytes + e.arena_tail_bytes)


def test_dynamic_shape_is_refused_as_simprof_rt_refuses_it():
    # a -1 in a tensor's shape (not its shape_signature) cannot be allocated: simprof-rt refuses
    # the model at load (schema.c), and the estimator gives the same verdict (issue #13)
    b = own.Builder()
    x = b.tensor([1, 8], "float32")
    y = b.tensor([-1, 8], "float32")
    b.op("RELU", [x], [y])
    b.io([x], [y])
    with pytest.raises(ModelFormatError, match="tensor 1 of subgraph 0: negative"):
        estimate(b.build())


def test_lean_replay_equals_the_allocator_replay():
    """The minimum-arena search's inner loop (tail.replay_need) gives the same tail, need and stage
    as the full allocator replay, for every arena-end position, on every op-model and preset."""
    from simprof.estimator import abi as abi_mod
    from simprof.estimator.lifetimes import compute_lifetimes
    from simprof.estimator.planner import plan as plan_
    from simprof.estimator.scratch import scratch_requests
    from simprof.estimator.tail import compress, replay, replay_need
    from simprof.estimator.transient import SetupConfig, simulate_setup
    from simprof.flows.corpus import opmodels
    from simprof.flows.corpus.generate import PRESETS, build_preset
    from simprof.model.reader import read_model

    models = [opmodels.model(n) for n in opmodels.names()] + [build_preset(n) for n in sorted(PRESETS)]
    target = abi_mod.get_abi("arm-eabi")
    checked = 0
    for data in models:
        g = read_model(data)
        try:
            scratch = scratch_requests(g, "reference", ptr_bytes=target.ptr)
            life = compute_lifetimes(g, scratch)
            arena = plan_(life.buffers)
            cfg = SetupConfig(recording=False, kernels="reference", python_resource_vars=True, variant="arm-eabi",
                              runtime="simprof-rt")
            setup = simulate_setup(g, target, cfg, life, scratch, arena.head_bytes)
        except Exception:   # noqa: BLE001 - a model the estimator refuses has no trace to compare
            continue
        steps = compress(list(setup.trace))
        for m in range(16):
            full = replay(steps, m)
            assert replay_need(steps, m) == (full.tail, full.need, full.need_stage)
        checked += 1
    assert checked > 100
