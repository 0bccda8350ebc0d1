"""A replay of TFLM's single-arena buffer allocator (tflm-arena-facts.md §1): a resizable head at the
start, temp allocations above it, persistent allocations growing down from the end.

All positions are relative to the aligned arena start, and the tail is counted in bytes from a
16-aligned end, so a persistent allocation (size s, alignment a) does t = ceil_a(t + s): its padding
depends on everything before it, which is why the tail is simulated in order, never summed.
`need` tracks the smallest arena that would have let every step so far succeed."""
from __future__ import annotations

from dataclasses import dataclass, field


def ceil_to(n: int, a: int) -> int:
    return (n + a - 1) // a * a


@dataclass
class CategoryUse:
    used: int = 0
    requested: int = 0
    count: int = 0


@dataclass
class ArenaSim:
    head: int = 0
    temp: int = 0
    tail: int = 0
    need: int = 0
    need_stage: str = ""
    categories: dict = field(default_factory=dict)
    uncategorised: int = 0  # tail bytes no recorded category covers (allocator objects, options...)
    stage: str = "construction"
    temp_hwm: int = 0        # highest temp end (Prepare temp tensors, planning records)
    temps_live: bool = False  # a kernel's temporaries are still in use (inside one Prepare)
    temp_live: int = 0       # end of the temp bytes that are still read
    window: tuple = (0, 0)   # bytes inside [temp_live, temp) that are still read
    planner_hwm: int = 0     # end of the planner's written working area
    end_mod: int = 0         # arena end address mod 16: tail allocations align down from there

    def _need(self, n: int) -> None:
        if n > self.need:
            self.need, self.need_stage = n, self.stage

    def _tail_after(self, size: int, align: int) -> int:
        """Bytes used from the end after aligning `size` more down from an end at end_mod."""
        m = self.end_mod
        return ceil_to(self.tail + size - m, align) + m

    def persist(self, size: int, align: int, category: str | None = None, count: int = 1) -> int:
        old = self.tail
        self.tail = self._tail_after(size, align)
        if category:
            c = self.categories.setdefault(category, CategoryUse())
            c.used += self.tail - old
            c.requested += size
            c.count += count
        else:
            self.uncategorised += self.tail - old
        self._need(self.head + self.tail)
        return self.tail - old

    def alloc_temp(self, size: int, align: int) -> int:
        start = ceil_to(self.temp, align)
        self.temp = start + size
        self.temp_hwm = max(self.temp_hwm, self.temp)
        self.temp_live, self.window = self.temp, (0, 0)
        self._need(self.temp + self.tail)
        return start

    def mark_unread(self, start: int, win_lo: int, win_hi: int) -> None:
        """Bytes from `start` up are never read again, except [win_lo, win_hi)."""
        if start < self.temp_live:
            self.temp_live, self.window = start, (win_lo, win_hi)

    def persist_over_temps(self, size: int, align: int, category: str | None = None) -> int:
        """A persistent allocation while a kernel's temporaries are live. TFLM checks it only
        against the head, but if it lands on temp bytes that are read later, a later check of the
        kernel fails: so the arena must keep the new tail above them (or the buffer clear of the
        still-read window)."""
        u = self._tail_after(size, align)
        need = self.temp_live + u
        lo, hi = self.window
        if lo != hi:
            x = self.temp_live + u
            nt = x + (self.end_mod - x) % 16 - u   # where the buffer lands in that arena
            if lo < size or nt > lo - size:
                need = hi + u
        self._need(need)
        return self.persist(size, align, category)

    def reset_temp(self) -> None:
        self.temp = self.head
        self.temp_live, self.window = self.head, (0, 0)

    def resize_head(self, size: int) -> None:
        self.head = size
        self.temp = size
        self._need(self.head + self.tail)

    def planner_area(self, buffers: int, bytes_per_buffer: int, written_bytes: int) -> None:
        """The planner takes all memory from ceil16(temp) to floor16(tail); it needs room for
        `bytes_per_buffer` per planned buffer, and writes `written_bytes` from its start."""
        # its area ends at the 16-aligned address at or below the tail
        self._need(ceil_to(self.temp, 16) + bytes_per_buffer * buffers + self.tail + (self.end_mod - self.tail) % 16)
        self.planner_hwm = max(self.planner_hwm, ceil_to(self.temp, 16) + written_bytes)
