"""Where the regions of a firmware are, found from its ELF by symbol conventions (overridable),
and the static RAM it occupies. Conventions and definitions: docs/measurement.md."""
from __future__ import annotations

from dataclasses import dataclass, field

from simprof.core.errors import ElfError
from simprof.platforms import Platform
from simprof.sim.elf import SHF_ALLOC, SHF_WRITE, ElfInfo

# Sections that hold no program data but reserve the stack/heap (CMSIS/CubeMX/simprof names).
_RESERVATION_SECTIONS = (".heap", ".stack", "._user_heap_stack", ".stack_dummy", ".heap_dummy")
# Sections that always hold program data, wherever a linker script's stack symbols put them.
_DATA_SECTIONS = (".data", ".bss", ".noinit", ".tdata", ".tbss", ".sdata", ".sbss")


@dataclass(frozen=True)
class SymbolConventions:
    """Symbol names the measuring host looks for, first match wins. Override any field to measure
    firmware with other names; `stack_size`/`arena_size` replace a missing bound symbol."""
    stack_top: tuple[str, ...] = ("__StackTop", "_estack", "__stack_end__", "__initial_sp")
    stack_bottom: tuple[str, ...] = ("__StackLimit", "_sstack", "__stack_start__", "__stack_limit")
    stack_size: int | None = None
    arena: tuple[str, ...] = ("tensor_arena", "g_tensor_arena", "_tensor_arena")
    arena_end: tuple[str, ...] = ("__tensor_arena_end",)
    arena_size: int | None = None
    arena_required: bool = False
    heap_start: tuple[str, ...] = ("__HeapBase", "_sheap", "__heap_start__", "__heap_base")
    heap_end: tuple[str, ...] = ("__HeapLimit", "_eheap", "__heap_end__", "__heap_limit")
    heap_high: tuple[str, ...] = ("simprof_heap_high",)
    stop: tuple[str, ...] = ("exit",)
    main: str = "main"
    op_begin: str = "simprof_op_begin"
    op_end: str = "simprof_op_end"


@dataclass(frozen=True)
class Region:
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end


@dataclass(frozen=True)
class Layout:
    stack_top: int | None            # None: taken from the SP at reset
    stack_bottom: int | None         # None: stack_top - stack_size once stack_top is known
    stack_size: int | None
    arena: Region | None
    arena_symbol: str | None
    arena_painted_at_main: bool      # the arena is in a section startup code initialises
    heap: Region | None
    heap_high_symbol: int | None     # address of the word holding sbrk's high-water mark
    stop_address: int
    stop_symbol: str
    main_address: int | None
    op_begin: int | None
    op_end: int | None
    static_bytes: int
    notes: tuple[str, ...] = field(default=())


def _first(info: ElfInfo, names: tuple[str, ...]) -> tuple[str, int] | None:
    for name in names:
        addr = info.address(name)
        if addr is not None:
            return name, addr
    return None


def _initialised(info: ElfInfo, start: int, end: int) -> bool:
    """True when [start, end) lies in a section that startup code copies or zeroes (.data/.bss)."""
    for sec in info.sections:
        if not (sec.flags & SHF_WRITE) or sec.name.startswith(".noinit") or sec.name in _RESERVATION_SECTIONS:
            continue
        if sec.address < end and start < sec.address + sec.size:
            return True
    return False


def _clip_stack(stack: Region, blocks: list[tuple[str, int, int]], elf_name: str) -> Region:
    """The stack is the memory between the highest byte of static data, arena or heap below the
    stack top, and the top: a region reaching below that is clipped (writes there are not stack)."""
    floor = stack.start
    for _, start, end in blocks:
        if start < stack.end and end > floor:
            floor = max(floor, end)
    if floor >= stack.end:
        name = next(n for n, s_, e in blocks if s_ < stack.end and e >= stack.end)
        raise ElfError(f"{elf_name}: {name} reaches the stack top 0x{stack.end:x}: no room for a stack",
                       fix="check the linker script, or pass --stack-top SYMBOL")
    return Region(floor, stack.end)


def resolve_layout(info: ElfInfo, platform: Platform, conv: SymbolConventions) -> Layout:
    notes: list[str] = []
    top = _first(info, conv.stack_top)
    bottom = _first(info, conv.stack_bottom)
    stack_size = conv.stack_size
    if bottom is None and stack_size is None:
        raise ElfError(f"{info.path.name} has no stack-bottom symbol (tried {', '.join(conv.stack_bottom)})",
                       fix="pass --stack-bottom SYMBOL or --stack-size BYTES")
    if top is None:
        notes.append("stack top taken from the initial SP in the vector table")

    stop = _first(info, conv.stop)
    if stop is None:
        raise ElfError(f"{info.path.name} has no stop symbol {' / '.join(conv.stop)}",
                       fix="pass --stop SYMBOL naming a function reached when the work is done")

    arena = None
    arena_name = None
    found = _first(info, conv.arena)
    if found is None:
        if conv.arena_required:
            raise ElfError(f"{info.path.name} has no arena symbol {' / '.join(conv.arena)}",
                           fix="pass --arena SYMBOL naming the tensor arena")
        notes.append("no arena symbol: arena not measured")
    else:
        arena_name, start = found
        size = conv.arena_size or info.symbols[arena_name].size
        if not size:
            end = _first(info, conv.arena_end)
            size = (end[1] - start) if end else 0
        if size <= 0:
            raise ElfError(f"the size of arena '{arena_name}' is unknown (symbol size 0, no end symbol)",
                           fix="pass --arena-size BYTES")
        arena = Region(start, start + size)

    heap = None
    hs, he = _first(info, conv.heap_start), _first(info, conv.heap_end)
    if hs and he and he[1] > hs[1]:
        heap = Region(hs[1], he[1])
    else:
        notes.append("no heap region symbols: heap not measured")
    high = _first(info, conv.heap_high)

    main = info.address(conv.main)
    painted_at_main = bool(arena and _initialised(info, arena.start, arena.end))
    if painted_at_main and main is None:
        raise ElfError(f"arena '{arena_name}' is zeroed by startup code and there is no '{conv.main}' to "
                       "paint it at", fix="put the arena in .noinit or keep a main symbol")

    if arena and heap and arena.overlaps(heap.start, heap.end):
        raise ElfError(f"arena '{arena_name}' [0x{arena.start:x}, 0x{arena.end:x}) overlaps the heap "
                       f"[0x{heap.start:x}, 0x{heap.end:x})", fix="check the linker script, or pass --heap-start/--heap-end")

    # Static RAM: every writable allocated section in RAM, minus stack/heap reservations and the arena.
    # A section lying wholly inside the stack region reserves it; one that reaches into it from
    # below is data, and the stack cannot be there (see _clip_stack).
    stack_top = top[1] if top else None
    stack_bottom = bottom[1] if bottom else (stack_top - stack_size if stack_top is not None else None)
    stack_region = Region(stack_bottom, stack_top) if stack_top is not None and stack_bottom is not None else None
    static = 0
    data_blocks: list[tuple[str, int, int]] = []
    for sec in info.sections:
        if not (sec.flags & SHF_ALLOC and sec.flags & SHF_WRITE) or not sec.size:
            continue
        if not platform.link_ram.contains(sec.address, 1) or sec.name in _RESERVATION_SECTIONS:
            continue
        end = sec.address + sec.size
        inside = stack_region and stack_region.start <= sec.address and end <= stack_region.end
        holds_arena = arena is not None and sec.address <= arena.start and arena.end <= end
        if inside and not holds_arena and not sec.name.startswith(_DATA_SECTIONS):
            continue            # a reservation of the stack under another name (e.g. ".stackish")
        if heap and heap.overlaps(sec.address, end):
            continue
        static += sec.size
        data_blocks.append((sec.name, sec.address, end))
        if arena and sec.address <= arena.start and arena.end <= end:
            static -= arena.size
    if stack_region:
        blocks = data_blocks + ([(f"arena '{arena_name}'", arena.start, arena.end)] if arena else []) + \
            ([("heap", heap.start, heap.end)] if heap else [])
        clipped = _clip_stack(stack_region, blocks, info.path.name)
        if clipped.start != stack_region.start:
            notes.append(f"stack region clipped to [0x{clipped.start:x}, 0x{clipped.end:x}) ({clipped.size:,} B): "
                         f"the stack-bottom symbol lies at 0x{stack_region.start:x}, below the end of "
                         "static data, arena or heap, and the stack can only use the memory above them")
            stack_bottom = clipped.start
            stack_size = None if bottom else clipped.size

    return Layout(
        stack_top=stack_top,
        stack_bottom=stack_bottom if bottom or stack_region else None,
        stack_size=stack_size,
        arena=arena, arena_symbol=arena_name, arena_painted_at_main=painted_at_main,
        heap=heap, heap_high_symbol=high[1] if high else None,
        stop_address=stop[1], stop_symbol=stop[0], main_address=main,
        op_begin=info.address(conv.op_begin), op_end=info.address(conv.op_end),
        static_bytes=static, notes=tuple(notes),
    )
