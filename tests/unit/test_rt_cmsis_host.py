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
          "max_pool_2d_same_s1_int8", "softmax_int8", "softmax_float32", "float_io_dscnn_block_int8",
          "transpose_conv_int8", "transpose_conv_float32", "transpose_conv_valid_relu_int8",
          "transpose_conv_valid_relu_float32", "svdf_int8", "svdf_float32", "batch_matmul_int8",
          "batch_matmul_float32", "batch_matmul_adj_x_int8", "batch_matmul_const_adj_y_int8"]

# TRANSPOSE_CONV int8 geometries for both CMSIS-NN paths: the reverse conv (strides <= 2, more
# than 16 input channels) and the rolling row buffer (stride 3, or few channels), with SAME and
# VALID padding, batch 2, no bias, kernels smaller and larger than the stride.
TCONV = {"rev_s2_same": ((1, 5, 4, 20), 6, 3, 2, "SAME", True), "rev_s1_valid_nobias": ((1, 4, 5, 17), 5, 3, 1, "VALID", False),
         "roll_s3_k2": ((1, 4, 3, 5), 4, 2, 3, "SAME", True), "roll_s2_k5_valid": ((1, 3, 4, 8), 3, 5, 2, "VALID", True),
         "roll_s3_c20_batch2": ((2, 3, 3, 20), 4, 3, 3, "SAME", True)}


def tconv_model(name: str) -> bytes:
    from simprof.flows.corpus import layers_b
    from simprof.flows.corpus.layers import Graph
    from simprof.model.builder import ModelBuilder

    shape, filters, k, s, pad, bias = TCONV[name]
    m = ModelBuilder(f"tconv {name}")
    g = Graph(m, "int8", seed=len(name))
    g.output(layers_b.transpose_conv(g, g.input(shape), filters, k, s, pad, bias=bias))
    return m.to_bytes()


@pytest.fixture(scope="module", params=["none", "dsp", "mve"])
def host(request):
    return request.param, rt_host.build_host(kernels="cmsis-nn", cmsis_core=request.param)


@pytest.mark.parametrize("name", MODELS + [f"tconv:{n}" for n in TCONV])
def test_outputs_bit_exact_with_the_wheel(host, name):
    core, build = host
    mb = tconv_model(name[6:]) if name.startswith("tconv:") else opmodels.model(name)
    xs = default_inputs(mb, seed=3)
    r = rt_host.run_host(mb, inputs=b"".join(x.tobytes() for x in xs), build=build, recording=False)
    assert r.ok, r.message
    want = oracle.reference_outputs(mb, xs)
    assert [bytes(o) for o in r.outputs] == [np.ascontiguousarray(w).tobytes() for w in want]
    # the scratch path is the one exercised: the runtime planned what the rules ask for this core
    n_scratch = len(scratch_requests(read_model(mb), "cmsis-nn", core))
    assert r.n_scratch == n_scratch


def _fc_int16_model(per_channel: bool) -> bytes:
    from simprof.model.builder import ModelBuilder, Quant

    m = ModelBuilder("fc int16")
    sg = m.subgraph()
    x = sg.input("x", (2, 12), "int16", Quant.per_tensor(0.01, 0))
    scales = [0.004 + 0.001 * i for i in range(5)] if per_channel else [0.005]
    wq = Quant.per_channel(scales, axis=0) if per_channel else Quant.per_tensor(scales[0], 0)
    w = sg.const("w", np.random.default_rng(5).integers(-127, 128, (5, 12), dtype=np.int8), quant=wq)
    y = sg.tensor("y", (2, 5), "int16", Quant.per_tensor(0.02, 0))
    sg.op("FULLY_CONNECTED", [x, w, None], [y])
    sg.mark_outputs(y)
    return m.to_bytes()


@pytest.mark.parametrize("per_channel", [True, False])
def test_int16_fully_connected_with_per_channel_weights_is_refused_as_tflm_cmsis_nn_does(per_channel):
    """TFLM's cmsis_nn FULLY_CONNECTED Prepare takes per-channel weights with int8 input only: the
    CMSIS-NN set refuses the model (the reference set runs it, as the wheel does), and the
    cmsis-nn estimate names the refusal among its unknowns."""
    from simprof.estimator import estimate

    mb = _fc_int16_model(per_channel)
    xs = default_inputs(mb, seed=3)
    inputs = b"".join(x.tobytes() for x in xs)
    ref = rt_host.run_host(mb, inputs=inputs, build=rt_host.build_host(), recording=False)
    assert ref.ok, ref.message
    assert list(ref.outputs[0]) == list(np.ascontiguousarray(oracle.reference_outputs(mb, xs)[0]).tobytes())
    cm = rt_host.run_host(mb, inputs=inputs, build=rt_host.build_host(kernels="cmsis-nn", cmsis_core="dsp"),
                          recording=False)
    est = estimate(read_model(mb), platform="stm32f4", kernels="cmsis-nn")
    refused = [u for u in est.unknowns if "refuses per-channel weights with int16 input" in u]
    if per_channel:
        assert cm.status_name == "unsupported" and "per-channel" in cm.message
        assert len(refused) == 1
    else:
        assert cm.ok, cm.message
        assert refused == []
