"""simprof-rt's CMSIS-NN kernel set on the x86-64 host (ASan/UBSan build), for each of the three
CMSIS-NN code paths (no DSP, DSP, MVE: the scratch sizes, and so the im2col column types and
counts, differ): outputs equal the tflite-micro wheel's (TFLM reference kernels) bit for bit, and
the int8 conv and depthwise kernels really run their scratch-buffer path where the core class has
one. ~10 s (three cached host builds)."""
from __future__ import annotations

import numpy as np
import pytest

from simprof.model import oracle
from simprof.flows.corpus import opmodels
from simprof.estimator.scratch import scratch_requests
from simprof.model.reader import read_model
from simprof.rt import host as rt_host
from simprof.rt.runner import default_inputs

MODELS = ["conv_2d_int8", "conv_2d_relu6_int8", "conv_2d_valid_stride2_int8", "conv_2d_float32",
          "depthwise_conv_2d_int8", "depthwise_conv_2d_mult2_int8", "depthwise_conv_2d_relu6_int8",
          "depthwise_conv_2d_float32", "fully_connected_int8", "fully_connected_relu_int8",
          "fully_connected_float32", "average_pool_2d_int8", "average_pool_2d_float32", "max_pool_2d_int8",
          "max_pool_2d_same_s1_int8", "softmax_int8", "softmax_float32", "float_io_dscnn_block_int8"]


@pytest.fixture(scope="module", params=["none", "dsp", "mve"])
def host(request):
    return request.param, rt_host.build_host(kernels="cmsis-nn", cmsis_core=request.param)


@pytest.mark.parametrize("name", MODELS)
def test_outputs_bit_exact_with_the_wheel(host, name):
    core, build = host
    mb = opmodels.model(name)
    xs = default_inputs(mb, seed=3)
    r = rt_host.run_host(mb, inputs=b"".join(x.tobytes() for x in xs), build=build, recording=False)
    assert r.ok, r.message
    want = oracle.reference_outputs(mb, xs)
    assert [bytes(o) for o in r.outputs] == [np.ascontiguousarray(w).tobytes() for w in want]
    # the scratch path is the one exercised: the runtime planned what the rules ask for this core
    n_scratch = len(scratch_requests(read_model(mb), "cmsis-nn", core))
    assert r.n_scratch == n_scratch
