"""The last step of every minimum-arena search: from the smallest working size on the 16-byte
grid down to the byte.

TFLM aligns the arena's start up to 16 but not its end: the tail is allocated downward from
wherever the end lies, so an arena that is not a multiple of 16 can still fit (real TFLM's
smallest working arena is often 4-12 B below the grid figure). With the end m bytes past a
16-byte boundary the tail uses between m - 16 and m bytes more than with an aligned end, so
if G works and G - 16 fails, the smallest working size lies in (G - 16, G]. Success is not
monotonic inside that window (each end position pads the tail differently): every size in it
is tried, from the bottom.
"""
from __future__ import annotations

from typing import Callable, Iterable

ARENA_ALIGN = 16


def byte_candidates(grid_min: int) -> list[int]:
    """The sizes below a grid minimum that may still work, smallest first."""
    return list(range(max(1, grid_min - ARENA_ALIGN + 1), grid_min))


def to_the_byte(ok: Callable[[int], bool], grid_min: int) -> int:
    """Smallest working size, given `grid_min`: the smallest working multiple of 16."""
    for size in byte_candidates(grid_min):
        if ok(size):
            return size
    return grid_min


def first_working(results: Iterable[tuple[int, bool]], grid_min: int) -> int:
    """The same from (size, ok) pairs tried in any order (parallel trials)."""
    good = [size for size, ok in results if ok]
    return min(good + [grid_min])
