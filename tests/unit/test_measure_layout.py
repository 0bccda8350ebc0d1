"""Region resolution, static RAM arithmetic and the ELF/platform fit check, on hand-made ElfInfo
values (no compiler, no emulator)."""
from __future__ import annotations

from pathlib import Path

import pytest

from simprof.core.errors import ElfError
from simprof.platforms import load
from simprof.sim.elf import SHF_ALLOC, SHF_WRITE, ElfInfo, LoadSegment, Section, Symbol, check_fits
from simprof.sim.layout import SymbolConventions, resolve_layout

WA = SHF_ALLOC | SHF_WRITE


def elf(symbols: dict[str, tuple[int, int]], sections, *, arch="v7e-m", hard=True, segments=()) -> ElfInfo:
    syms = {n: Symbol(n, a, s, "STT_OBJECT") for n, (a, s) in symbols.items()}
    funcs = (Symbol("exit", 0x08000100, 20, "STT_FUNC"), Symbol("main", 0x08001000, 40, "STT_FUNC"))
    syms.update({f.name: f for f in funcs})
    return ElfInfo(Path("app.elf"), syms, funcs, tuple(Section(*s) for s in sections),
                   tuple(segments), arch, hard, 0x08000101)


BASE_SYMBOLS = {"__StackTop": (0x20020000, 0), "__StackLimit": (0x2001E000, 0),
                "__HeapBase": (0x20000100, 0), "__HeapLimit": (0x20001100, 0),
                "tensor_arena": (0x20001100, 0), "__tensor_arena_end": (0x2001E000, 0)}
BASE_SECTIONS = [(".data", 0x20000000, 0x40, WA, False), (".bss", 0x20000040, 0x80, WA, True),
                 (".noinit", 0x20001100, 0x1CF00, WA, True), (".text", 0x08000000, 0x2000, SHF_ALLOC, False)]


def test_static_is_data_bss_noinit_minus_arena():
    layout = resolve_layout(elf(BASE_SYMBOLS, BASE_SECTIONS), load("stm32f4"), SymbolConventions())
    assert layout.arena.size == 0x2001E000 - 0x20001100
    assert layout.static_bytes == 0x40 + 0x80 + 0x1CF00 - layout.arena.size
    assert not layout.arena_painted_at_main and layout.stop_symbol == "exit"


def test_reservation_sections_and_flash_are_not_static():
    sections = BASE_SECTIONS + [("._user_heap_stack", 0x2001C000, 0x2000, WA, True),
                                (".stackish", 0x2001F000, 0x100, WA, True)]   # overlaps the stack region
    layout = resolve_layout(elf(BASE_SYMBOLS, sections), load("stm32f4"), SymbolConventions())
    assert layout.static_bytes == 0x40 + 0x80 + 0x1CF00 - layout.arena.size


def test_bss_arena_is_painted_at_main_and_sized_by_its_symbol():
    symbols = dict(BASE_SYMBOLS, my_arena=(0x20000040, 0x60))
    layout = resolve_layout(elf(symbols, BASE_SECTIONS), load("stm32f4"), SymbolConventions(arena=("my_arena",)))
    assert layout.arena.size == 0x60 and layout.arena_painted_at_main
    assert layout.static_bytes == 0x40 + 0x80 + 0x1CF00 - 0x60


def test_missing_symbols():
    symbols = {k: v for k, v in BASE_SYMBOLS.items() if k not in ("__StackLimit", "tensor_arena", "__HeapBase")}
    with pytest.raises(ElfError, match="stack-bottom"):
        resolve_layout(elf(symbols, BASE_SECTIONS), load("stm32f4"), SymbolConventions())
    layout = resolve_layout(elf(symbols, BASE_SECTIONS), load("stm32f4"), SymbolConventions(stack_size=2048))
    assert layout.arena is None and layout.heap is None and len(layout.notes) == 2
    with pytest.raises(ElfError, match="arena"):
        resolve_layout(elf(symbols, BASE_SECTIONS), load("stm32f4"),
                       SymbolConventions(stack_size=2048, arena=("nope",), arena_required=True))
    with pytest.raises(ElfError, match="stop symbol"):
        resolve_layout(elf(BASE_SYMBOLS, BASE_SECTIONS), load("stm32f4"), SymbolConventions(stop=("done",)))


@pytest.mark.parametrize("arch, hard, platform_id, ok", [
    ("v6-m", False, "nrf51", True),
    ("v6-m", False, "stm32f4", True),         # M4 runs M0 code
    ("v7-m", False, "nrf51", False),
    ("v7e-m", True, "stm32f2", False),        # M3: no DSP instructions, no FPU
    ("v7e-m", True, "stm32f746", True),
    ("v8-m.main", True, "nrf52840", False),
    ("v7e-m", True, "nrf5340", True),          # M33 runs v7E-M code
    ("v8.1-m.main", True, "corstone300", True),
    ("v7-m", True, "lm3s6965", False),         # hard-float ABI, no FPU
])
def test_core_compatibility(arch, hard, platform_id, ok):
    platform = load(platform_id)
    info = elf({}, [], arch=arch, hard=hard,
               segments=[LoadSegment(platform.link_flash.base, platform.link_flash.base, 0x100, 0x100)])
    if ok:
        check_fits(info, platform)
    else:
        with pytest.raises(ElfError):
            check_fits(info, platform)


def test_image_outside_the_platform_memory():
    info = elf({}, [], segments=[LoadSegment(0x08000000, 0x08000000, 0x100, 0x100)])
    with pytest.raises(ElfError, match="outside platform nrf52840"):
        check_fits(info, load("nrf52840"))


def test_symbolize():
    info = elf({}, [])
    assert info.symbolize(0x08000101) == "exit" and info.symbolize(0x08000104) == "exit+0x4"
    assert info.symbolize(0x08000500) == "??" and info.symbolize(0x08001002) == "main+0x2"


def test_stack_limit_below_the_end_of_bss_is_clipped_with_a_note():
    # a 16 KiB part whose linker script says __StackLimit = __StackTop - 16K: the "stack region"
    # covers .data, .bss and the arena; only the memory above them can be stack
    symbols = {"__StackTop": (0x20004000, 0), "__StackLimit": (0x20000000, 0),
               "tensor_arena": (0x20000200, 0x3000)}
    sections = [(".data", 0x20000000, 0x40, WA, False), (".bss", 0x20000040, 0x3200, WA, True)]
    layout = resolve_layout(elf(symbols, sections), load("nrf51"), SymbolConventions())
    assert layout.stack_bottom == 0x20003240 and layout.stack_top == 0x20004000
    assert any("stack region clipped" in n for n in layout.notes)
    assert layout.static_bytes == 0x40 + 0x3200 - 0x3000


def test_stack_size_reaching_into_the_arena_is_clipped():
    symbols = {"__StackTop": (0x20020000, 0), "tensor_arena": (0x20001000, 0x1E000)}
    sections = [(".noinit", 0x20001000, 0x1E000, WA, True)]
    layout = resolve_layout(elf(symbols, sections), load("stm32f4"),
                            SymbolConventions(stack_size=0x4000, stack_bottom=()))
    assert layout.stack_bottom == 0x2001F000 and any("clipped" in n for n in layout.notes)


def test_no_room_for_the_stack_and_arena_over_heap_are_errors():
    symbols = {"__StackTop": (0x20002000, 0), "__StackLimit": (0x20001000, 0), "tensor_arena": (0x20000000, 0x2000)}
    with pytest.raises(ElfError, match="no room for a stack"):
        resolve_layout(elf(symbols, [(".noinit", 0x20000000, 0x2000, WA, True)]), load("stm32f4"), SymbolConventions())
    symbols = dict(BASE_SYMBOLS, __HeapLimit=(0x20002000, 0))
    with pytest.raises(ElfError, match="overlaps the heap"):
        resolve_layout(elf(symbols, BASE_SECTIONS), load("stm32f4"), SymbolConventions())
