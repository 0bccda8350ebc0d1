"""Every example model runs in TFLM's host interpreter (the tflite-micro wheel, each in a forked child
because the wheel can segfault), produces data-dependent, unsaturated int8 outputs, and the
data-movement models match numpy bit for bit. ~3 s for ~100 models."""
from __future__ import annotations

import numpy as np
import pytest

from simprof.flows.corpus import opmodels
from simprof.flows.corpus.check import io_signature, run_isolated
from simprof.core.errors import UsageError

NAMES = opmodels.names()

# Independent truth for ops that only move values: numpy on the same inputs (x = list of inputs).
NUMPY_REFERENCE = {
    "reshape": lambda x: [x[0].reshape(1, 48)],
    "transpose": lambda x: [x[0].transpose(0, 2, 1, 3)],
    "squeeze": lambda x: [x[0].reshape(1, 10)],
    "expand_dims": lambda x: [x[0][None]],
    "concatenation": lambda x: [np.concatenate(x, axis=3)],
    "strided_slice": lambda x: [x[0][:, 1:7:2]],
    "pack": lambda x: [np.stack(x, 0)],
    "unpack": lambda x: list(x[0]),
    "split": lambda x: np.split(x[0], 3, axis=3),
    "split_v": lambda x: np.split(x[0], [1, 3], axis=3),
    "shape": lambda x: [np.array(x[0].shape, np.int32)],
}


@pytest.fixture(scope="module")
def results():
    return {name: run_isolated(opmodels.model(name), invokes=2, seed=7) for name in NAMES}


def test_required_operators_are_covered():
    ops = {op for s in opmodels.specs() for op in s.ops}
    required = """CONV_2D DEPTHWISE_CONV_2D FULLY_CONNECTED AVERAGE_POOL_2D MAX_POOL_2D ADD MUL SOFTMAX RESHAPE MEAN
    PAD CONCATENATION QUANTIZE DEQUANTIZE LOGISTIC TANH RELU RELU6 HARD_SWISH LEAKY_RELU SQUEEZE STRIDED_SLICE
    TRANSPOSE SHAPE PACK UNPACK EXPAND_DIMS SUB MAXIMUM MINIMUM RSQRT SPLIT SPLIT_V VAR_HANDLE READ_VARIABLE
    ASSIGN_VARIABLE CALL_ONCE""".split()
    assert not set(required) - ops
    for base in ("conv_2d", "fully_connected", "add", "softmax", "mean", "maximum", "streaming"):
        assert f"{base}_int8" in NAMES and f"{base}_float32" in NAMES
    for base in ("add", "sub", "mul", "maximum", "minimum"):
        assert f"{base}_broadcast_int8" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_runs_in_tflm_host_interpreter(name, results):
    r = results[name]
    assert r.ok, r.error
    outs = [np.concatenate([o.ravel() for o in invoke]) for invoke in r.outputs]
    _, out_sig = io_signature(opmodels.model(name))
    assert [o.shape for o in r.outputs[0]] == [s for s, _ in out_sig]
    if not opmodels.spec(name).data_dependent:
        return
    both = np.concatenate(outs)
    assert len(np.unique(both)) > 1, "output is constant"
    if both.dtype.kind == "i":
        info = np.iinfo(both.dtype)
        # RELU outputs sit at the lowest code half of the time (zero point -128): that is not
        # saturation, so the bound on the low end is looser than on the high end.
        at_max, at_min = np.mean(both == info.max), np.mean(both == info.min)
        assert at_max < 0.3 and at_min < 0.75, f"{at_max:.0%} at max, {at_min:.0%} at min"
    if name.startswith("streaming"):
        return  # its state makes the second output depend on both inputs; checked below
    assert not np.array_equal(outs[0], outs[1]), "different inputs gave the same output"


@pytest.mark.parametrize("base", sorted(NUMPY_REFERENCE))
@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_data_movement_matches_numpy(base, dtype, results):
    r = results[f"{base}_{dtype}"]
    assert r.ok, r.error
    for feed, got in zip(r.inputs, r.outputs):
        want = NUMPY_REFERENCE[base](feed)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def test_streaming_state_carries_over(results):
    """Invoke 2 sees frame 1 in its window: same 2nd input after a different 1st one differs."""
    from simprof.flows.corpus.check import random_inputs
    data = opmodels.model("streaming_int8")
    a, b, c = (random_inputs(data, s) for s in (1, 2, 3))
    r1 = run_isolated(data, inputs=[a, c])
    r2 = run_isolated(data, inputs=[b, c])
    assert r1.ok and r2.ok
    assert not np.array_equal(r1.outputs[1][0], r2.outputs[1][0])


def test_models_are_deterministic_and_unknown_names_fail():
    name = "conv_2d_int8"
    assert opmodels.model(name) == opmodels.spec(name).build()
    with pytest.raises(UsageError):
        opmodels.model("no_such_model")
