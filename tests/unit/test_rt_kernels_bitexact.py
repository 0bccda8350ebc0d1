"""simprof-rt end to end on the host: every model of simprof.corpus.opmodels and every single-op
model of tests/unit/kernels/opcases.py goes through the real interpreter (sim/rt_host.py's
ASan/UBSan host build) and its output bytes must equal those of the tflite-micro wheel's TFLM host
interpreter (simprof.oracle.reference_outputs) on the same inputs. Runtime: ~25 s on 2 cores
(host build cached; one forked oracle run and one host run per model)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import e2e  # noqa: E402

from simprof import oracle  # noqa: E402
from simprof.sim import rt_host  # noqa: E402

MODELS = e2e.all_models()


@pytest.fixture(scope="module")
def host():
    return rt_host.build_host()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_outputs_equal_tflm(host, name):
    model = MODELS[name]
    inputs = e2e.model_inputs(name, model)
    expected = oracle.reference_outputs(model, inputs)
    blob = b"".join(np.ascontiguousarray(a).tobytes() for a in inputs)
    run = rt_host.run_host(model, arena_size=1 << 20, inputs=blob, build=host)
    assert run.ok, f"{run.status_name}: {run.message}"
    diff = e2e.same_bytes(expected, run.outputs)
    assert diff is None, diff
