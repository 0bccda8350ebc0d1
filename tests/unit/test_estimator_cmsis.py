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
