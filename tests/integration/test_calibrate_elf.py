"""`simprof calibrate --elf` on a user application, and estimates made with its calibration
(docs/your-firmware.md). The application (tests/fixtures/firmware/srt_user_app.c) links its model
in flash, keeps its arena in .noinit, runs simprof-rt with per-operator marks, and adds its own
static data and a setup stack frame of known size, so its figures differ from the simprof-rt
image's, as a real application's do. Checked:
- calibrate --elf: static RAM equals the ELF's .data + .bss + .noinit without the arena as
  `arm-none-eabi-size -A` lists them (an independent reader); the setup stack is at least the
  application's own frame; per kernel path the painted operator stack;
- an estimate of another model with that calibration equals `measure --elf` of the same
  application built with that model: stack, static RAM, arena head and tail, byte for byte.
~15 s (two builds, four painted runs)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from simprof.flows.corpus import opmodels
from simprof.estimator import estimate
from simprof.firmware import SOURCE_DIR
from simprof.platforms import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"
APP_SETUP_FRAME = 1500


def _app(tmp_path: Path, model: bytes, tag: str):
    from simprof.sim.build import build_firmware

    src = tmp_path / f"model_{tag}.c"
    body = ",".join(str(b) for b in model)
    src.write_text("#include <stdint.h>\n"
                   f"__attribute__((aligned(16))) const uint8_t g_model[{len(model)}] = {{{body}}};\n"
                   f"const uint32_t g_model_len = {len(model)}u;\n")
    sources = [FIXTURES / "srt_user_app.c", src] + sorted((SOURCE_DIR / "runtime").glob("*.c")) + \
        sorted((SOURCE_DIR / "kernels").glob("*.c"))
    return build_firmware(load("stm32f4"), sources, name=f"user-app-{tag}",
                          include_dirs=[SOURCE_DIR / "runtime", SOURCE_DIR / "kernels"],
                          defines={"APP_SETUP_FRAME": APP_SETUP_FRAME}, cache_dir=tmp_path / "cache")


def _static_by_size_tool(elf: Path) -> int:
    from simprof.sim.build import compiler

    size_tool = str(compiler()).replace("gcc", "size")
    out = subprocess.run([size_tool, "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    nm = subprocess.run([size_tool.replace("size", "nm"), str(elf)], capture_output=True, text=True,
                        check=True).stdout
    addr = {p[2]: int(p[0], 16) for p in (line.split() for line in nm.splitlines()) if len(p) == 3}
    arena = addr["__tensor_arena_end"] - addr["tensor_arena"]
    return sizes.get(".data", 0) + sizes.get(".bss", 0) + sizes.get(".noinit", 0) - arena


@pytest.mark.qemu
def test_calibrate_elf_then_estimate_equals_measure_of_the_same_app(tmp_path):
    from simprof.flows.calibrate_elf import calibrate_elf
    from simprof.sim.measure import measure_elf

    model_a = opmodels.model("float_io_dscnn_block_int8")    # QUANTIZE, CONV, DW, ..., DEQUANTIZE
    app_a = _app(tmp_path, model_a, "a")
    cal = calibrate_elf(app_a.elf, "stm32f4", name="app", out_dir=tmp_path / "cal")
    assert cal.per_operator
    assert cal.static_bytes == _static_by_size_tool(app_a.elf)
    assert cal.setup_stack_bytes >= APP_SETUP_FRAME    # its own frame is part of the setup
    whole = measure_elf(app_a.elf, load("stm32f4"))
    assert cal.whole_run_stack_bytes == whole.stack_bytes
    assert max([cal.setup_stack_bytes] + list(cal.stack_by_kernel.values())) == whole.stack_bytes

    # another model whose kernel paths the calibration model covers
    model_b = opmodels.model("conv_2d_int8")
    app_b = _app(tmp_path, model_b, "b")
    m = measure_elf(app_b.elf, load("stm32f4"))
    e = estimate(model_b, "stm32f4", runtime="simprof-rt", calibration=cal.path)
    assert (e.stack_bytes, e.static_bytes) == (m.stack_bytes, m.static_bytes)
    assert (e.arena_head_painted_bytes, e.arena_tail_bytes) == (m.arena_head_bytes, m.arena_tail_bytes)
    assert not e.unknowns
    # the simprof-rt image's calibration would have been wrong for this application
    plain = estimate(model_b, "stm32f4", runtime="simprof-rt")
    assert (plain.stack_bytes, plain.static_bytes) != (m.stack_bytes, m.static_bytes)


@pytest.mark.qemu
def test_named_calibration_in_the_user_cache_dir(tmp_path, monkeypatch):
    from simprof.flows.calibrate_elf import calibrate_elf

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    app = _app(tmp_path, opmodels.model("conv_2d_int8"), "c")
    cal = calibrate_elf(app.elf, "stm32f4", name="myapp")
    assert cal.path == tmp_path / "xdg" / "simprof" / "calibrations" / "myapp.json"
    e = estimate(opmodels.model("conv_2d_int8"), "stm32f4", runtime="simprof-rt", calibration="myapp")
    assert e.static_bytes == cal.static_bytes
    with pytest.raises(Exception, match="no calibration named 'other'"):
        estimate(opmodels.model("conv_2d_int8"), "stm32f4", calibration="other")
