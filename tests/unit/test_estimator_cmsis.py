"""CMSIS-NN option (Arm only): scratch sizes from the CMSIS-NN buffer-size formulas as given in
tflm-arena-facts.md §5b (Cortex-M4 DSP, GCC), worked out by hand for each model below, and the
kernel library's OpData/per-channel differences. No oracle exists for CMSIS-NN on the host."""
from __future__ import annotations

import numpy as np

from simprof.estimator import estimate
from simprof.estimator.scratch import scratch_requests
from simprof.model.reader import read_model

import _estimator_models as own


def _conv(k: int, cin: int, dtype="int8") -> bytes:
    b = own.Builder()
    x = b.tensor([1, 8, 8, cin], dtype)
    w, bias = own.conv_weights(b, 6, k, k, cin, dtype)
    y = b.tensor([1, 8, 8, 6], dtype)
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", padding=0, strideW=1, strideH=1,
         dilationWFactor=1, dilationHFactor=1)
    b.io([x], [y])
    return b.build()


def _dw(k: int, c: int) -> bytes:
    b = own.Builder()
    x = b.tensor([1, 8, 8, c], "int8")
    w = b.const(np.ones((1, k, k, c)), "int8", q=([0.02] * c, [0] * c, 3))
    bias = b.const(np.zeros(c), "int32", q=([0.001] * c, [0] * c))
    y = b.tensor([1, 8, 8, c], "int8")
    b.op("DEPTHWISE_CONV_2D", [x, w, bias], [y], "DepthwiseConv2DOptions", padding=0, strideW=1, strideH=1,
         depthMultiplier=1, dilationWFactor=1, dilationHFactor=1)
    b.io([x], [y])
    return b.build()


def _sizes(mb: bytes, kernels="cmsis-nn") -> list[int]:
    return [r.nbytes for r in scratch_requests(read_model(mb), kernels)]


def test_conv_im2col():
    assert _sizes(_conv(3, 4)) == [4 * 36]          # 4 * ceil4(3*3*4)
    assert _sizes(_conv(3, 3)) == [4 * 28]          # ceil4(27) = 28
    assert _sizes(_conv(1, 4)) == []                # 1x1: 0 with GCC, so no request
    assert _sizes(_conv(3, 4, "float32")) == []     # float conv uses no CMSIS buffer
    assert _sizes(_conv(3, 4), "reference") == []


def test_depthwise():
    assert _sizes(_dw(3, 8)) == []                  # 3x3, multiplier 1, pad <= 1: 0
    assert _sizes(_dw(5, 8)) == [8 * 25 * 2]


def test_average_pool():
    assert _sizes(own.op_model("AVERAGE_POOL_2D", "int8")) == [4 * 4]
    assert _sizes(own.op_model("MAX_POOL_2D", "int8")) == []


def test_cmsis_estimate_plans_the_scratch_and_uses_cmsis_opdata():
    mb = _conv(3, 4)
    ref, cm = estimate(mb), estimate(mb, kernels="cmsis-nn")
    assert cm.operators[0].scratch_bytes == 144 and ref.operators[0].scratch_bytes == 0
    # input 256 B + output 384 B (+ 144 B scratch) are all live during the conv
    assert ref.arena_head_bytes == 256 + 384
    assert cm.arena_head_bytes == 256 + 384 + 144


# ---- per core class (CMSIS-NN 4ab83cc get_buffer_size rules under GCC), worked by hand ----

def _core_sizes(mb: bytes, core: str) -> list[int]:
    return [r.nbytes for r in scratch_requests(read_model(mb), "cmsis-nn", core)]


def _conv_1xn() -> bytes:
    """input 1x1x16x4, filter 8x1x3x4, SAME, stride 1: CMSIS-NN's 1xN case."""
    b = own.Builder()
    x = b.tensor([1, 1, 16, 4], "int8")
    w, bias = own.conv_weights(b, 8, 1, 3, 4, "int8")
    y = b.tensor([1, 1, 16, 8], "int8")
    b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", padding=0, strideW=1, strideH=1,
         dilationWFactor=1, dilationHFactor=1)
    b.io([x], [y])
    return b.build()


def test_conv_per_core_class():
    mb = _conv(3, 3)                                 # 3x3x3 = 27 columns
    assert _core_sizes(mb, "none") == [2 * 28 * 2]   # no DSP: the same two int16 columns as DSP
    assert _core_sizes(mb, "dsp") == [2 * 28 * 2]
    assert _core_sizes(mb, "mve") == [4 * 32]        # four int8 columns in whole 16-byte lanes
    one_by_n = _conv_1xn()
    assert _core_sizes(one_by_n, "dsp") == [2 * 12 * 2]
    # MVE 1xN: pad 1 each side, windows 3x4 + 1x4 padding left, 2x4 + 1x4 right: max(16, 12)
    assert _core_sizes(one_by_n, "mve") == [16]


def test_depthwise_per_core_class():
    assert _core_sizes(_dw(5, 8), "none") == []           # no DSP: the plain kernel, no buffer
    assert _core_sizes(_dw(5, 8), "dsp") == [8 * 25 * 2]
    assert _core_sizes(_dw(5, 8), "mve") == [4 * 124 * 25]  # 124-channel blocks, whatever C is
    assert _core_sizes(_dw(3, 8), "mve") == [4 * 124 * 9]   # MVE has no 3x3 exception


def test_average_pool_only_dsp():
    mb = own.op_model("AVERAGE_POOL_2D", "int8")
    assert _core_sizes(mb, "dsp") == [4 * 4]
    assert _core_sizes(mb, "none") == [] and _core_sizes(mb, "mve") == []


def test_fully_connected_mve_kernel_sums_are_persistent():
    from simprof.flows.corpus import opmodels
    mb = opmodels.model("fully_connected_int8")      # 21 -> 10, constant weights and bias
    assert _core_sizes(mb, "mve") == []              # the sums go to the tail instead of scratch
    dsp = estimate(mb, "stm32f4", kernels="cmsis-nn")
    mve = estimate(mb, "corstone300", kernels="cmsis-nn")
    # 4 B x 10 outputs = 40 B, one 16-aligned persistent buffer more: 48 B
    assert mve.operators[0].op_tail_bytes - dsp.operators[0].op_tail_bytes == 48


def test_core_class_of_platforms():
    from simprof.estimator.cmsis_nn_rules import core_class
    assert [core_class(p) for p in ("nrf51", "lm3s6965", "stm32f2", "stm32f4", "nrf52840", "stm32f746",
                                    "nrf5340", "corstone300", "generic")] == \
        ["none", "none", "none", "dsp", "dsp", "dsp", "dsp", "mve", "dsp"]


def _tconv(shape, filters: int, k: int, s: int, pad: str = "SAME") -> bytes:
    from simprof.flows.corpus import layers_b
    from simprof.flows.corpus.layers import Graph
    from simprof.model.builder import ModelBuilder

    m = ModelBuilder("tconv")
    g = Graph(m, "int8", seed=7)
    g.output(layers_b.transpose_conv(g, g.input(shape), filters, k, s, pad))
    return m.to_bytes()


def test_transpose_conv_requests_both_cmsis_buffers():
    """TFLM's cmsis_nn TRANSPOSE_CONV requests arm_transpose_conv_s8_get_buffer_size and
    ..._get_reverse_conv_buffer_size (CMSIS-NN 4ab83cc), the second even at 0 B; worked by hand:
    - 4x3x5 in, 4 filters 2x2, stride 3 (not the reverse path: stride > 2): rolling int32 buffer
      ((3 - 1) * 3 + max(2, 3)) * 4 channels x max(2, 3) rows x 4 B = 432 on every core, no filter copy;
    - 5x4x20 in, 6 filters 3x3, stride 2 (20 > 16 channels: reverse path): the conv im2col buffer of
      3*3*20 = 180 columns (DSP/none: 2 x 180 int16 = 720; MVE: 4 x ceil16(180) = 768) and a
      reversed filter of 20*3*3*6 = 1,080 B;
    - the reference kernel asks for one int32 per output element instead."""
    roll, rev = _tconv((1, 4, 3, 5), 4, 2, 3), _tconv((1, 5, 4, 20), 6, 3, 2)
    for core in ("none", "dsp", "mve"):
        assert [r.nbytes for r in scratch_requests(read_model(roll), "cmsis-nn", core)] == [432, 0]
    assert [r.nbytes for r in scratch_requests(read_model(rev), "cmsis-nn", "dsp")] == [720, 1080]
    assert [r.nbytes for r in scratch_requests(read_model(rev), "cmsis-nn", "none")] == [720, 1080]
    assert [r.nbytes for r in scratch_requests(read_model(rev), "cmsis-nn", "mve")] == [768, 1080]
    assert _sizes(roll, "reference") == [4 * 12 * 9 * 4]
    assert _sizes(rev, "reference") == [4 * 10 * 8 * 6]
