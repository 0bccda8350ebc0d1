"""The static estimate (--runtime tflm --abi lp64) on the single-op models of the op x type pairs
added for issue #10 (tests/unit/kernels/opcases_types.py): print_allocations() of the tflite-micro
wheel byte for byte, and its minimum arena found by bisection with that interpreter.
Runtime: ~10 s (each oracle trial is a forked child of ~10 ms)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import opcases_types  # noqa: E402
from kcases import Cases  # noqa: E402

from simprof.estimator import estimate  # noqa: E402
from simprof.model import oracle  # noqa: E402

_C = Cases()
opcases_types.type_cases(_C)
MODELS = {name: model for name, model, _ in _C.items}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_estimate_equals_the_wheel(name):
    mb = MODELS[name]
    e = estimate(mb, runtime="tflm", abi="lp64")
    r = oracle.allocations(mb, 1 << 20)
    assert (e.tflm_arena_used_bytes, e.arena_head_bytes, e.arena_tail_bytes) == (r.total, r.head, r.tail)
    assert e.tail_categories == {c.name: {"used": c.used, "requested": c.requested, "count": c.count}
                                 for c in r.categories}
    assert e.arena_min_bytes == oracle.min_arena(mb), e.arena_min_stage
