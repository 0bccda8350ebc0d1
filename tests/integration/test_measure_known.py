"""Real gcc + real QEMU: marks of firmware whose usage is known by construction
(tests/fixtures/firmware/known_usage.c), measured exactly on every platform."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from simprof.platforms import ids, load
from simprof.sim.build import build_firmware
from simprof.sim.measure import measure_elf

pytestmark = pytest.mark.qemu
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"

# The constants of known_usage.c.
STACK_MAIN, STACK_OPS = 3000, (1536, 2048, 1024)
HEAD, TAIL, ISLAND = 1000, 600, 24
# newlib-nano malloc(1000): 1000 rounded to 4, + 4 B chunk header, + 4 B padding so the payload
# is 8-aligned; sbrk hands out exactly that from the 8-aligned heap start.
HEAP = 1000 + 4 + 4


def nm(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return {m.group(3): int(m.group(1), 16) for m in re.finditer(r"^([0-9a-f]+) (\w) (\S+)$", out, re.M)}


def size_sections(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)\s+\d+$", out, re.M)}


@pytest.mark.parametrize("platform_id", ids())
def test_known_usage_is_measured_exactly(platform_id):
    platform = load(platform_id)
    fw = build_firmware(platform, [FIXTURES / "known_usage.c"], name="known_usage")
    m = measure_elf(fw.elf, platform, timeout_s=20)

    symbols, sections = nm(fw.elf), size_sections(fw.elf)
    arena_size = symbols["__tensor_arena_end"] - symbols["tensor_arena"]
    assert m.stack_bytes == STACK_MAIN
    assert (m.arena_head_bytes, m.arena_tail_bytes, m.arena_bytes) == (HEAD, TAIL, HEAD + TAIL)
    assert [(i.offset, i.size) for i in m.arena_islands] == [((arena_size // 2) & ~15, ISLAND)]
    assert m.arena_head_extent_bytes == arena_size == m.arena_tail_extent_bytes == m.arena_size
    assert m.heap_bytes == HEAP
    # static RAM from binutils' own section table, independently of pyelftools
    assert m.static_bytes == sections[".data"] + sections[".bss"] + sections[".noinit"] - arena_size
    assert m.total_bytes == m.static_bytes + STACK_MAIN + HEAD + TAIL + HEAP
    assert [(op.index, op.stack_bytes, op.arena_written_bytes) for op in m.operators] == [
        (0, STACK_OPS[0], HEAD), (1, STACK_OPS[1], TAIL), (2, STACK_OPS[2], ISLAND)]
    assert m.exit_status == 0 and "known_usage: done" in m.console
    j = m.to_json()
    for key in ("stack_bytes", "arena_head_bytes", "arena_tail_bytes", "arena_bytes", "heap_bytes",
                "static_bytes", "total_bytes", "operators", "platform", "emulator"):
        assert key in j
    assert j["operators"][1] == {"subgraph": 0, "index": 1, "stack_bytes": STACK_OPS[1], "arena_written_bytes": TAIL, "calls": 1}


def test_one_pattern_alone_misses_bytes_equal_to_it():
    """Why two patterns: the head alternates 0xAA/0x55, so each single run sees half of it."""
    platform = load("nrf51")
    fw = build_firmware(platform, [FIXTURES / "known_usage.c"], name="known_usage")
    only_55 = measure_elf(fw.elf, platform, patterns=(0x55,))
    assert only_55.operators[0].arena_written_bytes == HEAD // 2
    assert only_55.arena_head_bytes == HEAD - 1          # the last head byte (odd index) is 0x55


def test_model_and_input_written_through_the_stub_reach_the_firmware():
    import struct
    import time

    def fnv1a(data: bytes) -> int:
        h = 2166136261
        for b in data:
            h = ((h ^ b) * 16777619) & 0xFFFFFFFF
        return h

    for platform_id in ("nrf52840", "nrf51"):
        platform = load(platform_id)
        fw = build_firmware(platform, [FIXTURES / "model_echo.c"], name="model_echo", input_size=256)
        symbols = nm(fw.elf)
        capacity = symbols["__model_end"] - symbols["__model_start"]
        model = bytes((i * 131 + 7) & 0xFF for i in range(min(capacity - 4, 900 * 1024)))
        inp = bytes(range(256))
        start = time.monotonic()
        m = measure_elf(fw.elf, platform, memory_writes=[
            (symbols["__model_start"], struct.pack("<I", len(model)) + model),
            (symbols["__input_start"], inp)], read_symbols=["report"])
        print(f"{platform_id}: wrote {len(model)} model bytes through the gdb stub; "
              f"whole measurement {time.monotonic() - start:.2f} s")
        magic, length, model_hash, input_hash = struct.unpack("<4I", m.memory["report"])
        assert (magic, length) == (0x4F484345, len(model))
        assert model_hash == fnv1a(model) and input_hash == fnv1a(inp)


def test_stack_bounds_from_initial_sp_and_a_size():
    """Without stack symbols: the top is the SP at reset, the bottom top - stack_size."""
    from simprof.sim.layout import SymbolConventions

    platform = load("nrf52840")
    fw = build_firmware(platform, [FIXTURES / "known_usage.c"], name="known_usage")
    conv = SymbolConventions(stack_top=(), stack_bottom=(), stack_size=4096)
    m = measure_elf(fw.elf, platform, symbols=conv)
    assert (m.stack_bytes, m.stack_region_bytes) == (STACK_MAIN, 4096)
    assert any("initial SP" in n for n in m.notes)


def test_cli_table_for_an_elf_given_as_positional_argument():
    import subprocess as sp
    import sys

    fw = build_firmware(load("nrf51"), [FIXTURES / "known_usage.c"], name="known_usage")
    proc = sp.run([sys.executable, "-m", "simprof", "measure", str(fw.elf), "--platform", "nrf51"],
                  capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in proc.stdout.splitlines() if line.count("│") >= 3}
    assert rows["stack"] == "3,000" and rows["arena head"] == "1,000" and rows["arena tail"] == "600"
    assert rows["heap"] == f"{HEAP:,}"


def test_reads_through_the_gdb_stub_alone_give_the_same_marks(monkeypatch):
    """QMP memsave is only a faster read path: without it every mark is the same."""
    import simprof.sim.qemu as qemu

    monkeypatch.setattr(qemu, "FAST_READS", False)
    platform = load("nrf52840")
    fw = build_firmware(platform, [FIXTURES / "known_usage.c"], name="known_usage")
    m = measure_elf(fw.elf, platform)
    assert (m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes, m.heap_bytes) == (STACK_MAIN, HEAD, TAIL, HEAP)
    assert [(op.stack_bytes, op.arena_written_bytes) for op in m.operators] == [
        (STACK_OPS[0], HEAD), (STACK_OPS[1], TAIL), (STACK_OPS[2], ISLAND)]


@pytest.mark.parametrize("platform_id", ["nrf51", "stm32f4"])
def test_nested_operators_keep_the_outer_peak(platform_id):
    """Operator 1 contains operator 2 (nested_ops.c): the inner re-paint must not hide op 1's
    deeper, earlier peak; the arena byte op 2 writes counts for both."""
    platform = load(platform_id)
    fw = build_firmware(platform, [FIXTURES / "nested_ops.c"], name="nested_ops")
    m = measure_elf(fw.elf, platform)
    assert [(op.index, op.stack_bytes, op.arena_written_bytes) for op in m.operators] == [(1, 2600, 1), (2, 1200, 1)]
