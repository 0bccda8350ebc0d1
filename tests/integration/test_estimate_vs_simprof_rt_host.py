"""The estimate with --runtime simprof-rt --abi lp64 against simprof-rt itself, built for the host
(sim/rt_host: gcc + sanitizers, the wheel's LP64 sizes, recording allocators): the runtime's own
final head and tail must equal the prediction byte for byte, and its minimum working arena (found
by bisection over runs of the real binary) must equal the predicted minimum within 16 B.
~10 s (one cached host build; the bisections run the sanitizer build ~12 times per model)."""
from __future__ import annotations


import pytest

from simprof.flows.corpus import opmodels
from simprof.estimator import estimate



# One model per operator family and type (fused-activation and broadcast variants share the path).
MODELS = [n for n in opmodels.names() if not any(k in n for k in ("_relu", "_broadcast", "relu6_"))]
MIN_MODELS = ["depthwise_conv_2d_int8", "fully_connected_int8", "mean_int8", "float_io_dscnn_block_int8"]


@pytest.fixture(scope="module")
def host():
    from simprof.rt.host import build_host
    return build_host()


@pytest.mark.parametrize("name", MODELS)
def test_head_and_tail_equal_the_runtime(host, name):
    from simprof.rt.host import run_host
    mb = opmodels.model(name)
    r = run_host(mb, build=host, invoke=False)
    assert r.ok, r.message
    e = estimate(mb, runtime="simprof-rt", abi="lp64")
    assert (e.arena_head_bytes, e.arena_tail_bytes) == (r.head, r.tail)


@pytest.mark.parametrize("name", MIN_MODELS)
def test_min_arena_equals_the_runtime_bisection(host, name):
    from simprof.rt.host import min_arena_host
    mb = opmodels.model(name)
    truth = min_arena_host(mb, build=host)
    e = estimate(mb, runtime="simprof-rt", abi="lp64")
    assert e.arena_min_bytes == truth, (e.arena_min_stage, truth)
