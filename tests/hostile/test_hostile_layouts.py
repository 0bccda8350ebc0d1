"""Every platform's simprof-rt firmware layout (issue #13, item 9): stack, arena, heap and static
data resolved from the built ELF do not overlap, and nothing had to be clipped. Builds are cached
(shared with the other QEMU tests); ~2 s when cached."""
from __future__ import annotations

import pytest

from simprof.platforms import all_platforms
from simprof.rt.image import firmware_for
from simprof.rt.protocol import STOP_SYMBOL
from simprof.sim.elf import SHF_ALLOC, SHF_WRITE, read_elf
from simprof.sim.layout import SymbolConventions, resolve_layout

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("platform", all_platforms(), ids=lambda p: p.id)
def test_firmware_regions_are_disjoint(platform):
    fw = firmware_for(platform)
    info = read_elf(fw.elf)
    layout = resolve_layout(info, platform, SymbolConventions(stop=(STOP_SYMBOL,)))
    assert not any("clipped" in n for n in layout.notes), layout.notes
    regions = {"stack": (layout.stack_bottom, layout.stack_top), "arena": (layout.arena.start, layout.arena.end)}
    if layout.heap:
        regions["heap"] = (layout.heap.start, layout.heap.end)
    for sec in info.sections:
        if sec.flags & SHF_ALLOC and sec.flags & SHF_WRITE and sec.size and platform.link_ram.contains(sec.address, 1) \
                and not sec.name.startswith((".stack", ".heap")) and sec.name != ".noinit":
            regions[sec.name] = (sec.address, sec.address + sec.size)
    spans = sorted(regions.items(), key=lambda kv: kv[1])
    for (a, (_, a_end)), (b, (b_start, _)) in zip(spans, spans[1:]):
        assert a_end <= b_start, f"{platform.id}: {a} overlaps {b}: {spans}"
    ram = platform.link_ram
    assert all(ram.contains(s, e - s) for _, (s, e) in spans), spans
