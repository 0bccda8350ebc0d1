"""Bad input to `simprof measure` and the build: each is a one-line error naming the cause and
the fix, a non-zero exit, and no JSON file. Real gcc and real QEMU."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simprof.core.errors import EmulatorTimeout, HardFault, ToolchainError
from simprof.platforms import load
from simprof.sim.build import build_firmware
from simprof.sim.measure import measure_elf

pytestmark = pytest.mark.qemu
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"


def fixture_elf(name: str, platform_id: str = "stm32f4", **kw) -> Path:
    return build_firmware(load(platform_id), [FIXTURES / f"{name}.c"], name=name, **kw).elf


def nm_address(elf: Path, symbol: str) -> int:
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(rf"^([0-9a-f]+) \w {symbol}$", out, re.M).group(1), 16)


def simprof(tmp_path: Path, *args: str, env: dict | None = None) -> tuple[int, str, Path]:
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, "-m", "simprof", "measure", *args, "--json", str(out)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stderr, out


def assert_one_line_error(rc: int, stderr: str, out: Path, *words: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert rc != 0 and not out.exists()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("simprof: error: ") and " — fix: " in lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_missing_elf(tmp_path):
    rc, err, out = simprof(tmp_path, "--elf", str(tmp_path / "nope.elf"), "--platform", "stm32f4")
    assert_one_line_error(rc, err, out, "nope.elf", "not found", "check the path")


def test_not_an_elf(tmp_path):
    bogus = tmp_path / "fw.bin"
    bogus.write_bytes(b"\x00" * 64)
    rc, err, out = simprof(tmp_path, "--elf", str(bogus), "--platform", "stm32f4")
    assert_one_line_error(rc, err, out, "fw.bin", "not a readable ELF")


def test_elf_for_the_wrong_core(tmp_path):
    elf = fixture_elf("known_usage", "nrf52840")      # Cortex-M4F, hard float
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "nrf51")
    assert_one_line_error(rc, err, out, "v7e-m", "nrf51", "cortex-m0", "rebuild")


def test_elf_linked_for_other_memory(tmp_path):
    elf = fixture_elf("known_usage", "stm32f4")       # flash at 0x08000000
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "nrf52840")
    assert_one_line_error(rc, err, out, "0x08000000", "outside platform nrf52840")


def test_unknown_platform(tmp_path):
    elf = fixture_elf("known_usage")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "esp32")
    assert_one_line_error(rc, err, out, "unknown platform 'esp32'", "stm32f4")


def test_hard_fault_names_pc_and_symbol(tmp_path):
    elf = fixture_elf("fault")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "stm32f4")
    pc = nm_address(elf, "trigger_fault") & ~1      # the udf is its first instruction
    line = assert_one_line_error(rc, err, out, "hard-faulted", f"PC 0x{pc:08x} in trigger_fault",
                                 "UNDEFINSTR", "addr2line")
    assert "in main" in line                         # LR: called from main


@pytest.mark.parametrize("platform_id", ["nrf51", "nrf5340", "corstone300", "stm32f746"])
def test_hard_fault_on_other_cores(platform_id):
    elf = fixture_elf("fault", platform_id)
    with pytest.raises(HardFault) as err:
        measure_elf(elf, load(platform_id), timeout_s=10)
    assert err.value.details["pc"] == nm_address(elf, "trigger_fault") & ~1
    # ARMv6-M has no fault status registers; the others report CFSR decoded
    assert ("CFSR" in err.value.message) == (platform_id != "nrf51")


def test_fault_handler_reports_over_semihosting_without_a_debugger():
    """A bare QEMU run (no gdb): the board's fault handler prints PC/LR/CFSR and exits 70."""
    from simprof.sim.qemu import run_bare
    elf = fixture_elf("fault")
    status, console, _ = run_bare(load("stm32f4"), elf, timeout_s=20)
    pc = nm_address(elf, "trigger_fault") & ~1
    assert status == 70
    assert f"pc=0x{pc:08x}" in console and "cfsr=0x00010000" in console and "exception=0x00000003" in console


def test_firmware_that_never_stops_times_out(tmp_path):
    elf = fixture_elf("forever")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "stm32f4", "--timeout", "1")
    assert_one_line_error(rc, err, out, "did not reach 'exit'", "spin_forever", "--timeout")


def test_non_zero_exit_status_reports_the_console(tmp_path):
    elf = fixture_elf("exit_status")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "stm32f4")
    # the line printed by newlib's printf arrives on QEMU's console and ends up in the error
    assert_one_line_error(rc, err, out, "status 3", "exit_status: returning 3")


def test_qemu_missing(tmp_path):
    elf = fixture_elf("known_usage")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "stm32f4", env={"PATH": str(tmp_path)})
    assert_one_line_error(rc, err, out, "qemu-system-arm not found", "install qemu-system-arm")


def test_compiler_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("SIMPROF_CC", raising=False)
    with pytest.raises(ToolchainError) as err:
        build_firmware(load("stm32f4"), [FIXTURES / "known_usage.c"], name="x", cache_dir=tmp_path)
    line = err.value.one_line()
    assert "arm-none-eabi-gcc not found" in line and "gcc-arm-none-eabi" in line and "\n" not in line


def test_timeout_through_the_api_names_the_loop():
    with pytest.raises(EmulatorTimeout) as err:
        measure_elf(fixture_elf("forever", "nrf51"), load("nrf51"), timeout_s=0.5)
    assert "spin_forever" in err.value.message


def test_qemu_refusing_the_machine_is_one_line(tmp_path):
    platform_yaml = (Path(load("stm32f4").source).read_text()
                     .replace("machine: netduinoplus2", "machine: nosuchmachine").replace("id: stm32f4", "id: badm"))
    (tmp_path / "badm.yaml").write_text(platform_yaml)
    elf = fixture_elf("known_usage")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "badm",
                           env={"SIMPROF_PLATFORM_PATH": str(tmp_path)})
    assert_one_line_error(rc, err, out, "unsupported machine type", "nosuchmachine")


def test_lockup_is_a_hard_fault(tmp_path):
    elf = fixture_elf("lockup")
    rc, err, out = simprof(tmp_path, "--elf", str(elf), "--platform", "stm32f4", "--timeout", "5")
    assert_one_line_error(rc, err, out, "locked up", "vector table")


def test_compiler_missing_through_the_cli(tmp_path):
    """`simprof measure model.tflite` builds the simprof-rt firmware: without a compiler (and an
    empty build cache) that is one line naming the compiler and the fix."""
    model = Path(__file__).resolve().parents[2] / "examples" / "kws_dscnn_int8.tflite"
    assert model.is_file(), "the bundled example model is part of the repository"
    out = tmp_path / "out.json"
    env = {**os.environ, "PATH": str(tmp_path), "SIMPROF_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SIMPROF_CC", None)
    proc = subprocess.run([sys.executable, "-m", "simprof", "measure", str(model), "--platform", "stm32f4",
                           "--json", str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert_one_line_error(proc.returncode, proc.stderr, out, "arm-none-eabi-gcc", "not found")
