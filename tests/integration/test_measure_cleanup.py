"""QEMU is always ended: after success, error, timeout and Ctrl-C no QEMU process started for the
measured ELF is left. Each test copies the ELF to a unique path and looks for that path in the
command line of every process in /proc."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simprof.core.errors import EmulatorTimeout, HardFault
from simprof.platforms import load
from simprof.sim.build import build_firmware
from simprof.sim.measure import measure_elf

pytestmark = pytest.mark.qemu
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"


def unique_elf(tmp_path: Path, name: str) -> Path:
    elf = build_firmware(load("stm32f4"), [FIXTURES / f"{name}.c"], name=name).elf
    copy = tmp_path / f"{name}-{os.getpid()}-{time.monotonic_ns()}.elf"
    shutil.copy(elf, copy)
    return copy


def qemu_processes(marker: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"qemu-system-arm" in cmdline and str(marker).encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_no_qemu_after_success(tmp_path):
    elf = unique_elf(tmp_path, "known_usage")
    assert measure_elf(elf, load("stm32f4")).stack_bytes == 3000
    assert qemu_processes(elf) == []


def test_no_qemu_after_hard_fault(tmp_path):
    elf = unique_elf(tmp_path, "fault")
    with pytest.raises(HardFault):
        measure_elf(elf, load("stm32f4"))
    assert qemu_processes(elf) == []


def test_no_qemu_after_timeout(tmp_path):
    elf = unique_elf(tmp_path, "forever")
    with pytest.raises(EmulatorTimeout):
        measure_elf(elf, load("stm32f4"), timeout_s=0.5)
    assert qemu_processes(elf) == []


@pytest.mark.parametrize("sequential", [False, True])
def test_no_qemu_after_ctrl_c(tmp_path, sequential):
    elf = unique_elf(tmp_path, "forever")
    cmd = [sys.executable, "-m", "simprof", "measure", "--elf", str(elf), "--platform", "stm32f4",
           "--timeout", "60"] + (["--sequential"] if sequential else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        want = 1 if sequential else 2
        deadline = time.monotonic() + 20
        while len(qemu_processes(elf)) < want:       # both paint runs are up and running
            assert time.monotonic() < deadline, "QEMU did not start"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "interrupted" in err
    assert qemu_processes(elf) == []
