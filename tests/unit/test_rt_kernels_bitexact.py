"""simprof-rt end to end on the host: every model of simprof.flows.corpus.opmodels, every single-op
model of tests/unit/kernels/opcases.py and whole MLPerf-Tiny-style networks (KWS DS-CNN, ResNet-8,
FC autoencoder, MobileNet v1/v2 and the other corpus families, int8 and float32) go through the
real interpreter (sim/rt_host.py's ASan/UBSan host build); output bytes must equal those of the
tflite-micro wheel's TFLM host interpreter (simprof.model.oracle.reference_outputs) on the same inputs.
Runtime: ~15 s on 2 cores when run with test_rt_kernels.py (host build cached; oracle results of
the single-op models are shared with it; one host run per model)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import e2e  # noqa: E402
import kcases  # noqa: E402

from simprof.rt import host as rt_host  # noqa: E402

MODELS = e2e.all_models()


@pytest.fixture(scope="module")
def host():
    return rt_host.build_host()


def _check(host, name: str, model: bytes, inputs: list[np.ndarray] | None = None) -> None:
    inputs = e2e.model_inputs(name, model) if inputs is None else inputs
    expected = kcases.reference(model, inputs)
    blob = b"".join(np.ascontiguousarray(a).tobytes() for a in inputs)
    run = rt_host.run_host(model, arena_size=4 << 20, inputs=blob, build=host)
    assert run.ok, f"{name}: {run.status_name}: {run.message}"
    diff = e2e.same_bytes(expected, run.outputs)
    assert diff is None, f"{name}: {diff}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_outputs_equal_tflm(host, name):
    _check(host, name, *MODELS[name])


@pytest.fixture(scope="module")
def networks():
    return e2e.networks()


def test_whole_networks_equal_tflm(host, networks):
    assert {"kws_dscnn_int8", "resnet8_int8", "autoencoder_int8", "mobilenet_v1_int8"} <= set(networks)
    for name, model in networks.items():
        _check(host, name, model)
