"""Oracle tests: the static estimate with --runtime tflm --abi lp64 equals what real TFLM (the
tflite-micro wheel's host interpreter) prints, byte for byte, and its minimum arena equals the one
found by bisecting the arena size with that interpreter (within 16 B). Models: the shared corpus
(simprof.flows.corpus.opmodels) plus a few of our own (multi-op CNNs, IF/WHILE/CALL_ONCE subgraphs, resource and variable tensors, an offline plan).
Runtime: ~10 s (each oracle trial is a forked child of ~10 ms)."""
from __future__ import annotations

import pytest

from simprof.model import oracle
from simprof.flows.corpus import opmodels
from simprof.estimator import estimate

import _estimator_models as own

OWN = {
    "own_cnn_int8": lambda: own.cnn("int8"),
    "own_cnn_float32": lambda: own.cnn("float32", blocks=3),
    "own_resource_float32": lambda: own.resource_model(),
    "own_unpack_int8": lambda: own.op_model("UNPACK", "int8"),
    "own_split_float32": lambda: own.op_model("SPLIT", "float32"),
    "own_rsqrt_int8": lambda: own.op_model("RSQRT", "int8"),
    "own_squeeze_int8": lambda: own.op_model("SQUEEZE", "int8"),
    "own_if": own.if_model,
    "own_while": own.while_model,
    "own_variable_tensor": own.variable_model,
    "own_offline_plan": own.offline_model,
    # per-channel arrays taken while the temporaries are live (the minimum depends on n)
    "own_fc_per_channel_2": lambda: own.fc_per_channel(2),
    "own_fc_per_channel_17": lambda: own.fc_per_channel(17),
    "own_fc_per_channel_40_nobias": lambda: own.fc_per_channel(40, bias=False),
}
CORPUS = opmodels.names()


def _model(name: str) -> bytes:
    return OWN[name]() if name in OWN else opmodels.model(name)


def _check_allocations(mb: bytes) -> None:
    e = estimate(mb, runtime="tflm", abi="lp64")
    r = oracle.allocations(mb, 1 << 20)
    assert (e.tflm_arena_used_bytes, e.arena_head_bytes, e.arena_tail_bytes) == (r.total, r.head, r.tail)
    want = {c.name: {"used": c.used, "requested": c.requested, "count": c.count} for c in r.categories}
    assert e.tail_categories == want
    assert not e.unknowns[:-1]  # only the "no calibration" note for the generic platform


@pytest.mark.parametrize("name", CORPUS + list(OWN))
def test_print_allocations_byte_for_byte(name):
    _check_allocations(_model(name))


# Minimum arena by bisection: every model of our own, and a spread of the corpus (one per op
# family and type); the same code path runs for all, so this keeps the suite lean.
MIN_MODELS = list(OWN) + [n for n in CORPUS if not any(k in n for k in ("_relu", "_broadcast", "relu6_"))]


@pytest.mark.parametrize("name", MIN_MODELS)
def test_min_arena_matches_bisection(name):
    mb = _model(name)
    e = estimate(mb, runtime="tflm", abi="lp64")
    truth = oracle.min_arena(mb)
    assert e.arena_min_bytes == truth, (e.arena_min_bytes, truth, e.arena_min_stage)  # exact (spec: within 16 B)
