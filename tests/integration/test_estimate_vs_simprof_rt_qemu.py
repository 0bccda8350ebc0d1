"""--runtime simprof-rt --abi arm-eabi against simprof-rt on an emulated Cortex-M4 (stm32f4 under
QEMU, fill-and-read through the gdb stub): the predicted tail equals the painted tail block exactly,
and the predicted painted head (the planned head, or the setup temporaries and planner records
simprof-rt writes above it when they reach higher) equals the painted head block exactly.
The firmware is simprof-rt (firmware/runtime + firmware/kernels) with a minimal entry written here.
~6 s: one cached build, one two-pattern QEMU run (~0.2 s) per model."""
from __future__ import annotations

import pytest

from simprof.corpus import opmodels
from simprof.estimator import estimate

MAIN = r'''
#include <stdint.h>
#include <stdlib.h>
#include "interpreter.h"
extern const uint8_t __model_start[], __model_end[];
extern uint8_t tensor_arena[], __tensor_arena_end[];
static srt_ctx ctx;
int main(void)
{
    srt_config cfg = { .recording = false };
    srt_status st = srt_setup(&ctx, &cfg, __model_start, (uint32_t)(__model_end - __model_start),
                              tensor_arena, (size_t)(__tensor_arena_end - tensor_arena));
    if (st == SRT_OK)
        st = srt_invoke(&ctx);
    exit(st == SRT_OK ? 0 : 10 + (int)st);
}
'''

MODELS = ["conv_2d_int8", "conv_2d_float32", "depthwise_conv_2d_int8", "depthwise_conv_2d_float32",
          "fully_connected_int8", "fully_connected_float32", "average_pool_2d_int8", "max_pool_2d_float32",
          "add_int8", "mul_float32", "softmax_int8", "softmax_float32", "mean_int8", "pad_int8",
          "concatenation_int8", "strided_slice_int8", "transpose_float32", "reshape_int8", "split_v_int8",
          "quantize_float32", "float_io_dscnn_block_int8"]


@pytest.fixture(scope="module")
def firmware(tmp_path_factory):
    from simprof.firmware import SOURCE_DIR
    from simprof.platforms import load
    from simprof.sim.build import build_firmware
    from simprof.sim.elf import read_elf

    d = tmp_path_factory.mktemp("srt")
    main = d / "srt_test_main.c"
    main.write_text(MAIN)
    dirs = [SOURCE_DIR / "runtime", SOURCE_DIR / "kernels"]
    sources = sorted(p for x in dirs for p in x.glob("*.c")) + [main]
    platform = load("stm32f4")
    fw = build_firmware(platform, sources, include_dirs=dirs, name="srt-vs-estimate", arena_size=65536)
    return platform, fw, read_elf(fw.elf).address("__model_start")


@pytest.mark.qemu
@pytest.mark.parametrize("name", MODELS)
def test_head_and_tail_equal_the_painted_arena(firmware, name):
    from simprof.sim.measure import measure_elf

    platform, fw, model_start = firmware
    mb = opmodels.model(name)
    m = measure_elf(fw.elf, platform, memory_writes=[(model_start, mb)])
    assert m.exit_status == 0
    e = estimate(mb, runtime="simprof-rt", abi="arm-eabi")
    assert e.arena_tail_bytes == m.arena_tail_bytes
    assert e.arena_head_painted_bytes == m.arena_head_bytes
