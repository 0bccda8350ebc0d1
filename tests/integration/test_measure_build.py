"""Cached firmware builds and the generated linker script (real arm-none-eabi-gcc/binutils)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simprof.core.errors import BuildError
from simprof.platforms import load
from simprof.sim.build import build_firmware, compiler

pytestmark = pytest.mark.qemu
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"


def counting_compiler(tmp_path: Path) -> tuple[Path, Path]:
    """A wrapper that logs every call and runs the real compiler."""
    log = tmp_path / "calls.log"
    wrapper = tmp_path / "bin" / "counting-gcc"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\nexec {compiler()} \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper, log


def calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_second_build_does_no_work(tmp_path, monkeypatch):
    wrapper, log = counting_compiler(tmp_path)
    monkeypatch.setenv("SIMPROF_CC", str(wrapper))
    platform = load("nrf51")
    first = build_firmware(platform, [FIXTURES / "known_usage.c"], name="k", cache_dir=tmp_path / "cache")
    after_first = calls(log)
    assert not first.cached and after_first >= 6          # --version, 5 compiles, 1 link
    second = build_firmware(platform, [FIXTURES / "known_usage.c"], name="k", cache_dir=tmp_path / "cache")
    assert second.cached and second.hash == first.hash and second.elf == first.elf
    assert calls(log) == after_first                      # not a single compiler call
    # a different define is a different build
    third = build_firmware(platform, [FIXTURES / "known_usage.c"], name="k", defines={"EXTRA": 1},
                           cache_dir=tmp_path / "cache")
    assert not third.cached and third.hash != first.hash and calls(log) > after_first


def test_changed_source_rebuilds(tmp_path):
    src = tmp_path / "app.c"
    src.write_text("int main(void) { return 0; }\n")
    a = build_firmware(load("stm32f4"), [src], name="app", cache_dir=tmp_path / "cache")
    src.write_text("int main(void) { return 1; }\n")
    b = build_firmware(load("stm32f4"), [src], name="app", cache_dir=tmp_path / "cache")
    assert a.hash != b.hash and not b.cached and a.elf.exists() and b.elf.exists()


def test_stack_usage_and_callgraph_files_next_to_the_elf(tmp_path):
    fw = build_firmware(load("stm32f4"), [FIXTURES / "known_usage.c"], name="k", cache_dir=tmp_path)
    su = [p for p in fw.stack_usage if p.name.endswith("known_usage.su")]
    assert su and all(p.parent == fw.elf.parent for p in fw.stack_usage + fw.callgraph)
    assert re.search(r"known_usage\.c:\d+:\d+:main\t\d+\tstatic", su[0].read_text())
    assert any("touch_stack" in p.read_text() for p in fw.callgraph)
    assert fw.map.exists() and "tensor_arena" in fw.map.read_text()


def test_warnings_are_errors_and_reported_on_one_line(tmp_path):
    src = tmp_path / "bad.c"
    src.write_text("int main(void) { int unused; return 0; }\n")
    with pytest.raises(BuildError) as err:
        build_firmware(load("stm32f4"), [src], name="bad", cache_dir=tmp_path)
    line = err.value.one_line()
    assert "bad.c" in line and "unused" in line and "\n" not in line
    assert not list(tmp_path.glob("bad-*"))              # nothing half-built left in the cache


def _readelf(elf: Path) -> tuple[list[tuple[int, int, int, int]], dict[str, tuple[int, int]]]:
    out = subprocess.run(["arm-none-eabi-readelf", "-lSW", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    segs = [(int(m[0], 16), int(m[1], 16), int(m[2], 16), int(m[3], 16)) for m in
            re.findall(r"LOAD\s+0x[0-9a-f]+ (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)", out)]
    secs = {m[0]: (int(m[1], 16), int(m[2], 16)) for m in
            re.findall(r"\]\s+(\S+)\s+\w+\s+([0-9a-f]{8}) [0-9a-f]+ ([0-9a-f]+)", out)}
    return segs, secs


def _nm(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return {m.group(2): int(m.group(1), 16) for m in re.finditer(r"^([0-9a-f]+) \w (\S+)$", out, re.M)}


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf52840"])
def test_linker_layout(tmp_path, platform_id):
    platform = load(platform_id)
    fw = build_firmware(platform, [FIXTURES / "model_echo.c"], name="m", input_size=1024, cache_dir=tmp_path)
    segs, secs = _readelf(fw.elf)
    sym = _nm(fw.elf)
    noinit_start, noinit_size = secs[".noinit"]
    # .noinit (the arena), .bss and the model/input regions have no load image at all
    for vaddr, paddr, filesz, memsz in segs:
        assert not (vaddr <= noinit_start < vaddr + memsz)
        assert not (paddr <= sym["__model_start"] < paddr + max(filesz, memsz))
    flash_end = platform.link_flash.end
    load_end = max(paddr + filesz for _, paddr, filesz, _ in segs)
    assert sym["__model_start"] >= load_end and sym["__model_start"] % 16 == 0
    assert sym["__model_end"] == sym["__input_start"] == flash_end - 1024 and sym["__input_end"] == flash_end
    # RAM: heap, then the arena up to the stack, the stack at the top of the part's RAM
    assert sym["__StackTop"] == platform.link_ram.end
    assert sym["__StackTop"] - sym["__StackLimit"] == platform.stack_size
    assert sym["__HeapLimit"] - sym["__HeapBase"] == platform.heap_size
    assert sym["__tensor_arena_end"] == sym["__StackLimit"] and sym["tensor_arena"] % 16 == 0


def test_fixed_arena_size_and_overflow(tmp_path):
    platform = load("nrf51")
    fw = build_firmware(platform, [FIXTURES / "known_usage.c"], name="k", arena_size=4096, cache_dir=tmp_path)
    sym = _nm(fw.elf)
    assert sym["__tensor_arena_end"] - sym["tensor_arena"] == 4096
    with pytest.raises(BuildError) as err:
        build_firmware(platform, [FIXTURES / "known_usage.c"], name="k", arena_size=64 * 1024, cache_dir=tmp_path)
    assert "do not fit the platform's RAM" in err.value.one_line()


def test_user_style_elf_with_bss_arena_and_own_stop_symbol(tmp_path):
    """A .bss arena is painted at main (startup zeroes .bss); symbols come from CLI flags."""
    fw = build_firmware(load("stm32f4"), [FIXTURES / "user_bss_arena.c"], name="user")
    out = tmp_path / "m.json"
    proc = subprocess.run([sys.executable, "-m", "simprof", "measure", "--elf", str(fw.elf), "--platform",
                           "stm32f4", "--arena", "my_arena", "--stop", "app_done", "--json", str(out)],
                          capture_output=True, text=True, timeout=60, env=os.environ)
    assert proc.returncode == 0, proc.stderr
    m = json.loads(out.read_text())
    assert (m["arena_head_bytes"], m["arena_tail_bytes"], m["arena_size"]) == (100, 52, 4096)
    assert m["exit_status"] is None and m["stop_symbol"] == "app_done"
    assert m["total_bytes"] == m["static_bytes"] + m["stack_bytes"] + m["arena_bytes"] + m["heap_bytes"]
