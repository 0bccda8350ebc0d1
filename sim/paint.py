"""Fill-and-read arithmetic on memory dumps: which bytes were written, and the marks derived
from them. Pure functions on bytes/numpy arrays (no emulator), so they are unit-tested directly.

A byte counts as written when it differs from the paint value. A write of the paint value itself
is invisible, so the host paints twice with different patterns and ORs the masks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simprof.core.results import ArenaIsland

PATTERNS = (0xAA, 0x55)
# Written blocks closer than this are one block; a block is the head (tail) when it starts
# (ends) within this distance of the arena start (end). See docs/measurement.md.
DEFAULT_ISLAND_GAP = 256


def written_mask(dump: bytes, pattern: int) -> np.ndarray:
    return np.frombuffer(dump, dtype=np.uint8) != pattern


def changed_mask(before: bytes, after: bytes) -> np.ndarray:
    return np.frombuffer(before, dtype=np.uint8) != np.frombuffer(after, dtype=np.uint8)


def lowest_written(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def highest_written(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[-1]) if idx.size else None


def written_blocks(mask: np.ndarray, gap: int = DEFAULT_ISLAND_GAP) -> list[tuple[int, int]]:
    """[start, end) of written runs, merging runs separated by fewer than `gap` unwritten bytes."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)   # unwritten distance >= gap between neighbours
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    return [(int(s), int(e)) for s, e in zip(starts, ends)]


@dataclass(frozen=True)
class ArenaMarks:
    head_bytes: int
    tail_bytes: int
    head_extent_bytes: int
    tail_extent_bytes: int
    islands: tuple[ArenaIsland, ...]


def arena_marks(mask: np.ndarray, gap: int = DEFAULT_ISLAND_GAP) -> ArenaMarks:
    size = int(mask.size)
    blocks = written_blocks(mask, gap)
    if not blocks:
        return ArenaMarks(0, 0, 0, 0, ())
    head = tail = 0
    first, last = 0, len(blocks)
    if blocks[0][0] < gap:
        head = blocks[0][1]
        first = 1
    if first < last and size - blocks[-1][1] < gap:
        tail = size - blocks[-1][0]
        last -= 1
    islands = tuple(ArenaIsland(s, e - s) for s, e in blocks[first:last])
    return ArenaMarks(head, tail, blocks[-1][1], size - blocks[0][0], islands)
