"""Typed results shared between simprof's stages. Frozen dataclasses; `to_json()` gives the
stable JSON form (with `schema_version`) written by `simprof measure --json`.

Definitions of every figure: docs/measurement.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

MEASUREMENT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ArenaIsland:
    """A written block inside the arena that touches neither end (e.g. planner scratch)."""
    offset: int          # from the arena start
    size: int            # from its first to its last written byte, inclusive

    def to_json(self) -> dict[str, int]:
        return {"offset": self.offset, "bytes": self.size}


@dataclass(frozen=True)
class OperatorMeasurement:
    """Marks between simprof_op_begin(index) and simprof_op_end(index)."""
    index: int
    stack_bytes: int           # deepest stack during the operator, from the top of the stack region
    arena_written_bytes: int   # arena bytes whose value changed during the operator
    calls: int = 1             # how many begin/end pairs were seen (figures are the max / union)

    def to_json(self) -> dict[str, int]:
        return {"index": self.index, "stack_bytes": self.stack_bytes,
                "arena_written_bytes": self.arena_written_bytes, "calls": self.calls}


@dataclass(frozen=True)
class Measurement:
    platform: str
    emulator: str
    elf: str
    stack_bytes: int
    stack_region_bytes: int
    arena_head_bytes: int
    arena_tail_bytes: int
    arena_head_extent_bytes: int   # highest written byte above the arena start, + 1
    arena_tail_extent_bytes: int   # from the lowest written byte to the arena end
    arena_islands: tuple[ArenaIsland, ...]
    arena_size: int
    heap_bytes: int
    heap_region_bytes: int
    static_bytes: int
    operators: tuple[OperatorMeasurement, ...]
    exit_status: int | None
    stop_symbol: str
    paint_patterns: tuple[int, ...]
    wall_seconds: float
    console: str = ""
    notes: tuple[str, ...] = ()
    # Bytes read at the stop point (read_symbols), and what an on_stop callback returned.
    memory: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    on_stop_result: Any = field(default=None, compare=False, repr=False)

    @property
    def arena_bytes(self) -> int:
        return self.arena_head_bytes + self.arena_tail_bytes

    @property
    def total_bytes(self) -> int:
        return self.static_bytes + self.stack_bytes + self.arena_bytes + self.heap_bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": MEASUREMENT_SCHEMA_VERSION,
            "platform": self.platform,
            "emulator": self.emulator,
            "elf": self.elf,
            "total_bytes": self.total_bytes,
            "static_bytes": self.static_bytes,
            "stack_bytes": self.stack_bytes,
            "arena_bytes": self.arena_bytes,
            "arena_head_bytes": self.arena_head_bytes,
            "arena_tail_bytes": self.arena_tail_bytes,
            "heap_bytes": self.heap_bytes,
            "arena_head_extent_bytes": self.arena_head_extent_bytes,
            "arena_tail_extent_bytes": self.arena_tail_extent_bytes,
            "arena_islands": [i.to_json() for i in self.arena_islands],
            "arena_size": self.arena_size,
            "stack_region_bytes": self.stack_region_bytes,
            "heap_region_bytes": self.heap_region_bytes,
            "operators": [op.to_json() for op in self.operators],
            "exit_status": self.exit_status,
            "stop_symbol": self.stop_symbol,
            "paint_patterns": list(self.paint_patterns),
            "wall_seconds": round(self.wall_seconds, 3),
            "notes": list(self.notes),
        }
