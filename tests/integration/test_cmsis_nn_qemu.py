"""simprof-rt's CMSIS-NN kernel set under QEMU, one platform per CMSIS-NN core class (no DSP: nrf51
Cortex-M0; DSP: stm32f4 M4F, nrf5340 M33; MVE: corstone300 M55), against the estimator's
`--kernels cmsis-nn` (an independent replay in Python of the same TFLM/CMSIS-NN rules) and the
tflite-micro wheel's outputs:
- painted head block and tail block, and the runtime's planned head and tail, equal the estimate;
- the minimum arena bisected on the firmware (to the byte) equals the estimator's;
- outputs are bit-exact with TFLM's reference kernels (the wheel);
- whole-run stack and static RAM equal the estimate made with the platform's calibration for
  this kernel set (`simprof calibrate --kernels cmsis-nn`);
- the core class the firmware compiles for (the compiler's feature macros) is the estimator's.
~40 s: four cached builds, ~1 s per model, a few seconds per bisection."""
from __future__ import annotations

import subprocess

import pytest

from simprof.flows.corpus import opmodels
from simprof.estimator import estimate
from simprof.estimator.cmsis_nn_rules import core_class
from simprof.platforms import load

PLATFORMS = ["nrf51", "stm32f4", "nrf5340", "corstone300"]
MODELS = ["conv_2d_int8", "conv_2d_valid_stride2_int8", "depthwise_conv_2d_int8", "depthwise_conv_2d_mult2_int8",
          "fully_connected_int8", "average_pool_2d_int8", "max_pool_2d_int8", "softmax_int8", "conv_2d_float32",
          "transpose_conv_int8", "transpose_conv_float32", "svdf_int8", "batch_matmul_int8",
          "batch_matmul_const_adj_y_int8"]
MIN_MODELS = ["conv_2d_int8", "depthwise_conv_2d_int8", "fully_connected_int8", "average_pool_2d_int8",
              "transpose_conv_int8", "svdf_int8", "batch_matmul_int8"]


@pytest.mark.qemu
@pytest.mark.parametrize("platform_id", PLATFORMS)
def test_cmsis_nn_arena_and_outputs_equal_the_estimate(platform_id):
    from simprof.rt.runner import measure_model

    for name in MODELS:
        mb = opmodels.model(name)
        m = measure_model(mb, platform_id, kernels="cmsis-nn", per_operator=False,
                          min_arena=name in MIN_MODELS)
        e = estimate(mb, platform_id, runtime="simprof-rt", kernels="cmsis-nn")
        assert (m.arena_head_bytes, m.arena_tail_bytes) == (e.arena_head_painted_bytes, e.arena_tail_bytes), name
        assert (m.runtime.head, m.runtime.tail) == (e.arena_head_bytes, e.arena_tail_bytes), name
        if name in MIN_MODELS:
            assert m.arena_min_bytes == e.arena_min_bytes, name
        assert m.outputs_match_reference is True, name
        # stack and static RAM from the committed calibration's cmsis-nn section (simprof
        # calibrate --kernels cmsis-nn), made from this very image
        assert not [n for n in e.notes if "stale" in n], e.notes
        assert (m.stack_bytes, m.static_bytes) == (e.stack_bytes, e.static_bytes), name


@pytest.mark.qemu
def test_cmsis_nn_differs_from_reference_where_tflm_does():
    """The kernel set is really in the image: on a DSP core an int8 3x3 conv plans an im2col
    buffer and a float conv drops the per-channel arrays (facts: TFLM's cmsis_nn conv)."""
    from simprof.rt.runner import measure_model

    conv = opmodels.model("conv_2d_int8")
    ref = measure_model(conv, "stm32f4", per_operator=False, reference=False).runtime
    cm = measure_model(conv, "stm32f4", kernels="cmsis-nn", per_operator=False, reference=False).runtime
    assert cm.head - ref.head == 112                 # 2 x ceil4(3*3*3) int16, planned beside the tensors
    conv_f = opmodels.model("conv_2d_float32")
    ref = measure_model(conv_f, "stm32f4", per_operator=False, reference=False).runtime
    cm = measure_model(conv_f, "stm32f4", kernels="cmsis-nn", per_operator=False, reference=False).runtime
    assert ref.tail - cm.tail == 2 * 48              # two 16-aligned 4 x 10-channel arrays


@pytest.mark.parametrize("platform_id", PLATFORMS + ["lm3s6965", "stm32f746"])
def test_core_class_is_what_the_compiler_builds(platform_id):
    from simprof.sim.build import compiler

    p = load(platform_id)
    macros = subprocess.run([str(compiler()), *p.cflags, "-dM", "-E", "-"], input="", capture_output=True,
                            text=True, check=True).stdout
    mve = any(line.startswith("#define __ARM_FEATURE_MVE ") and int(line.split()[2]) & 1
              for line in macros.splitlines())
    dsp = "#define __ARM_FEATURE_DSP 1" in macros
    assert core_class(platform_id) == ("mve" if mve else "dsp" if dsp else "none")


def _dw_5x5_s2_56ch() -> bytes:
    """The depthwise layer of corpus model 0055_unas_chain_int8: 29x26x56 int8 in, 5x5 kernel,
    stride 2, SAME, multiplier 1. Not 3x3, so on a DSP core CMSIS-NN's depthwise asks for one
    im2col column of 56 x 5 x 5 int16 (2,800 B)."""
    from simprof.flows.corpus.layers import Graph
    from simprof.model.builder import ModelBuilder

    m = ModelBuilder("simprof test dw 5x5 s2 56ch")
    g = Graph(m, "int8", seed=55)
    g.output(g.depthwise(g.input((1, 29, 26, 56)), 5, stride=2, padding="SAME"))
    return m.to_bytes()


@pytest.mark.qemu
def test_dsp_depthwise_with_a_buffer_stays_inside_it():
    """Regression (docs/accuracy.md, CMSIS-NN defect): the kernel set compiled the MVE im2col
    (four int8 columns, 5,600 B here) on every Arm core while requesting the DSP buffer (2,800 B);
    the writes past the buffer showed as a painted head 2,800 B above the planned one and, with
    the smallest arena, overwrote the tail's op data (a bus error in requant). The painted head,
    the bisected minimum arena (each size a run to the end of the inference) and the outputs
    must be the estimate's and the wheel's."""
    from simprof.estimator.scratch import scratch_requests
    from simprof.model.reader import read_model
    from simprof.rt.runner import measure_model

    mb = _dw_5x5_s2_56ch()
    e = estimate(mb, "stm32f4", runtime="simprof-rt", kernels="cmsis-nn")
    # the DSP depthwise buffer, CMSIS-NN's rule: in_c x kh x kw int16
    assert [r.nbytes for r in scratch_requests(read_model(mb), "cmsis-nn", "dsp")] == [56 * 5 * 5 * 2]
    m = measure_model(mb, "stm32f4", kernels="cmsis-nn", per_operator=False, min_arena=True)
    assert (m.runtime.head, m.runtime.tail) == (e.arena_head_bytes, e.arena_tail_bytes)
    assert (m.arena_head_bytes, m.arena_tail_bytes) == (e.arena_head_painted_bytes, e.arena_tail_bytes)
    assert m.arena_min_bytes == e.arena_min_bytes
    assert m.outputs_match_reference is True


def _tconv(shape, filters: int, k: int, s: int, pad: str) -> bytes:
    from simprof.flows.corpus import layers_b
    from simprof.flows.corpus.layers import Graph
    from simprof.model.builder import ModelBuilder

    m = ModelBuilder("simprof test tconv")
    g = Graph(m, "int8", seed=filters * 31 + k)
    g.output(layers_b.transpose_conv(g, g.input(shape), filters, k, s, pad))
    return m.to_bytes()


@pytest.mark.qemu
@pytest.mark.parametrize("platform_id", ["nrf51", "stm32f4", "corstone300"])
def test_cmsis_transpose_conv_paths_equal_the_estimate(platform_id):
    """CMSIS-NN's two int8 TRANSPOSE_CONV paths per core class: the reverse conv (20 channels,
    stride 2: im2col buffer and reversed filter) and the rolling row buffer (stride 3, batch 2).
    Planned and painted head and tail, the minimum arena to the byte and the outputs equal the
    estimate and the wheel (stack: see the test above, after calibration)."""
    from simprof.rt.runner import measure_model

    for mb in (_tconv((1, 5, 4, 20), 6, 3, 2, "SAME"), _tconv((2, 3, 3, 20), 4, 3, 3, "SAME"),
               _tconv((1, 3, 4, 8), 3, 5, 2, "VALID")):
        e = estimate(mb, platform_id, runtime="simprof-rt", kernels="cmsis-nn")
        m = measure_model(mb, platform_id, kernels="cmsis-nn", per_operator=False, min_arena=True)
        assert (m.runtime.head, m.runtime.tail) == (e.arena_head_bytes, e.arena_tail_bytes)
        assert (m.arena_head_bytes, m.arena_tail_bytes) == (e.arena_head_painted_bytes, e.arena_tail_bytes)
        assert m.arena_min_bytes == e.arena_min_bytes
        assert m.outputs_match_reference is True
