"""--runtime simprof-rt --abi arm-eabi against the simprof-rt firmware image (firmware/app) on an
emulated STM32F4 (QEMU, fill-and-read through the gdb stub, `simprof.rt.runner.measure_model`):
- the predicted tail equals the painted tail block, and the predicted painted head (the planned
  head, or the setup temporaries and planner records simprof-rt writes above it when they reach
  higher) equals the painted head block, exactly;
- the planned head and tail equal the runtime's own report;
- the predicted minimum arena equals the smallest arena with which the firmware sets up (found by
  bisecting the arena size handed to it under QEMU).
~40 s: one cached build, ~1 s per model, ~5-10 s per bisection."""
from __future__ import annotations

import pytest

from simprof.flows.corpus import opmodels
from simprof.estimator import estimate

MODELS = ["conv_2d_int8", "conv_2d_float32", "depthwise_conv_2d_int8", "depthwise_conv_2d_float32",
          "fully_connected_int8", "fully_connected_float32", "average_pool_2d_int8", "max_pool_2d_float32",
          "add_int8", "mul_float32", "softmax_int8", "softmax_float32", "mean_int8", "pad_int8",
          "concatenation_int8", "strided_slice_int8", "transpose_float32", "reshape_int8", "split_v_int8",
          "quantize_float32", "rsqrt_int8", "streaming_int8", "float_io_dscnn_block_int8",
          # simple ops (simprof/corpus/opmodels_simple.py)
          "simple_math_float32", "abs_int8", "abs_int16", "compare_select_int8", "compare_select_float32",
          "div_float32", "div_int32", "squared_difference_int8", "squared_difference_int16", "quantize_uint8_io",
          "reduce_ops_int8", "reduce_ops_float32", "sum_int16", "misc_shape_float32", "add_n_prelu_int8",
          "add_n_prelu_float32", "elu_int8", "elu_float32",
          # ops_b kernels: Arm-only sizes (short-enum options, Prepare-time OpData, dims copies, scratch)
          "mirror_pad_reflect_int8", "embedding_lookup_int8", "gather_int8", "space_batch_dilated_conv_int8",
          "resize_bilinear_int8", "depth_to_space_float32", "padv2_int8", "l2_normalization_int8",
          "l2_pool_2d_float32", "cumsum_int8", "transpose_conv_int8", "transpose_conv_valid_relu_float32",
          "batch_matmul_int8", "batch_matmul_adj_x_float32", "svdf_int8", "svdf_float32",
          "cnn16x8_int16"]
MIN_MODELS = ["softmax_float32", "streaming_int8", "mean_int8", "compare_select_int8", "simple_math_float32",
              "reduce_ops_int8", "misc_shape_float32", "add_n_prelu_int8",
              "embedding_lookup_int8", "cumsum_int8",
              "transpose_conv_int8", "batch_matmul_const_adj_y_int8", "svdf_int8"]


@pytest.mark.qemu
@pytest.mark.parametrize("name", MODELS)
def test_head_and_tail_equal_the_painted_arena(name):
    from simprof.rt.runner import measure_model

    mb = opmodels.model(name)
    m = measure_model(mb, "stm32f4", reference=False)
    e = estimate(mb, platform="stm32f4", runtime="simprof-rt", abi="arm-eabi")
    assert (e.arena_head_painted_bytes, e.arena_tail_bytes) == (m.arena_head_bytes, m.arena_tail_bytes)
    assert (e.arena_head_bytes, e.arena_tail_bytes) == (m.runtime.head, m.runtime.tail)


@pytest.mark.qemu
@pytest.mark.parametrize("name", MIN_MODELS)
def test_min_arena_equals_the_firmware_bisection(name):
    from simprof.rt.runner import measure_model

    mb = opmodels.model(name)
    m = measure_model(mb, "stm32f4", reference=False, min_arena=True, per_operator=False)
    e = estimate(mb, platform="stm32f4", runtime="simprof-rt", abi="arm-eabi")
    assert m.arena_min_bytes == e.arena_min_bytes + m.runtime.arena_start_pad
