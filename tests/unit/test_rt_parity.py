"""simprof-rt host build (x86-64 sizes + the wheel's overrides, recording allocators) against the
tflite-micro wheel's own TFLM: print_allocations() head and tail byte for byte, and the same
minimum arena when both are bisected (multiples of 16). Models: every corpus opmodel, plus
control-flow models with resource variables (CALL_ONCE, VAR_HANDLE, READ/ASSIGN_VARIABLE) and a
model with an offline memory plan. Runtime: ~45 s on 2 cores (oracle trials are forked children,
host runs are ASan builds of ~10 ms each)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simprof.model import oracle
from simprof.flows.corpus import opmodels
from simprof.rt import host as rt_host

import _estimator_models as est_models
import _rt_models as own

ARENA = 1 << 20
OWN = {
    "ctl_int8_1var": lambda: own.control_model("int8", 1),
    "ctl_float32_2var": lambda: own.control_model("float32", 2),
    "ctl_int8_2var": lambda: own.control_model("int8", 2),
    "offline_plan_int8": own.offline_plan_model,
    "scalar_and_unused_float32": own.unused_tensor_model,
    # the estimator engineer's models: variable tensors (tail buffers), a multi-op CNN
    "est_variable_tensor": est_models.variable_model,
    "est_cnn_int8": lambda: est_models.cnn("int8"),
    # IF / WHILE (firmware/runtime/ops_flow.c; skipped while registry.c does not list them)
    "if_float32": own.if_model,
    "while_float32": own.while_model,
    "example_kws_dscnn_int8": lambda: (Path(__file__).resolve().parents[2] / "examples" / "kws_dscnn_int8.tflite").read_bytes(),
    # per-channel FC: TFLM takes its per-channel arrays while its temporary tensors are live
    **{f"fc_per_channel_{n}{'' if b else '_nobias'}": (lambda n=n, b=b: own.fc_model(n, b))
       for n in (2, 3, 10, 17) for b in (True, False)},
}
CORPUS = opmodels.names()


def _model(name: str) -> bytes:
    return OWN[name]() if name in OWN else opmodels.model(name)


@pytest.fixture(scope="module")
def host():
    return rt_host.build_host()


def _run(host, mb: bytes, **kw) -> rt_host.HostRun:
    r = rt_host.run_host(mb, arena_size=ARENA, invoke=False, build=host, **kw)
    # Every op of the test corpus is supported: an unsupported one is a failure, never a skip.
    assert r.status_name != "unsupported", f"simprof-rt rejects the model: {r.message}"
    return r


@pytest.mark.parametrize("name", CORPUS + list(OWN))
def test_head_and_tail_equal_print_allocations(host, name):
    mb = _model(name)
    r = _run(host, mb)
    assert r.ok, r.message
    want = oracle.allocations(mb, ARENA)
    assert (r.head, r.tail, r.total) == (want.head, want.tail, want.total)


# Minimum arena: every model.
MIN_MODELS = list(OWN) + CORPUS


@pytest.mark.parametrize("name", MIN_MODELS)
def test_minimum_arena_equals_tflm_bisection(host, name):
    mb = _model(name)
    _run(host, mb)
    ours = rt_host.min_arena_host(mb, build=host)
    assert ours == oracle.min_arena(mb)
    # the runtime's own accounting of the transient peak (for an end on the 16-byte grid)
    # predicts its bisected minimum on that grid; the byte minimum is at most 15 B below it
    assert rt_host.run_host(mb, arena_size=ARENA, invoke=False, build=host).need == (ours + 15) // 16 * 16


@pytest.mark.parametrize("name", ["ctl_int8_2var", "ctl_float32_2var"])
def test_resource_variable_outputs_bit_exact(host, name):
    """One inference of the control-flow models: CALL_ONCE initialises the state, READ_VARIABLE
    + ADD + ASSIGN_VARIABLE update it; outputs equal TFLM's host interpreter bit for bit."""
    mb = _model(name)
    rng = np.random.default_rng(1)
    dtype = np.int8 if "int8" in name else np.float32
    x = (rng.integers(-100, 100, (1, 5, 3)).astype(np.int8) if dtype == np.int8
         else rng.standard_normal((1, 5, 3)).astype(np.float32))
    r = rt_host.run_host(mb, arena_size=ARENA, inputs=x.tobytes(), build=host)
    assert r.ok, r.message
    want = oracle.reference_outputs(mb, [x])
    assert [bytes(o) for o in r.outputs] == [w.tobytes() for w in want]


@pytest.mark.parametrize("cond", [True, False])
@pytest.mark.parametrize("name", ["if_float32", "while_float32"])
def test_if_and_while_outputs_bit_exact(host, name, cond):
    mb = _model(name)
    _run(host, mb)
    x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(1, 16)
    c = np.array([cond])
    r = rt_host.run_host(mb, arena_size=ARENA, inputs=c.tobytes() + x.tobytes(), build=host)
    assert r.ok, r.message
    assert [bytes(o) for o in r.outputs] == [w.tobytes() for w in oracle.reference_outputs(mb, [c, x])]
