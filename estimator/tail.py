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
    planner_hwm: int = 0     # end of the planner's written working area

    def _need(self, n: int) -> None:
        if n > self.need:
            self.need, self.need_stage = n, self.stage

    def persist(self, size: int, align: int, category: str | None = None, count: int = 1) -> int:
        old = self.tail
        self.tail = ceil_to(old + size, align)
        if category:
            c = self.categories.setdefault(category, CategoryUse())
            c.used += self.tail - old
            c.requested += size
            c.count += count
        else:
            self.uncategorised += self.tail - old
        self._need(self.head + self.tail)
        return self.tail - old

    def alloc_temp(self, size: int, align: int) -> None:
        self.temp = ceil_to(self.temp, align) + size
        self.temp_hwm = max(self.temp_hwm, self.temp)
        self._need(self.temp + self.tail)

    def reset_temp(self) -> None:
        self.temp = self.head

    def resize_head(self, size: int) -> None:
        self.head = size
        self.temp = size
        self._need(self.head + self.tail)

    def planner_area(self, buffers: int, bytes_per_buffer: int, written_bytes: int) -> None:
        """The planner takes all memory from ceil16(temp) to floor16(tail); it needs room for
        `bytes_per_buffer` per planned buffer, and writes `written_bytes` from its start."""
        self._need(ceil_to(self.temp, 16) + bytes_per_buffer * buffers + ceil_to(self.tail, 16))
        self.planner_hwm = max(self.planner_hwm, ceil_to(self.temp, 16) + written_bytes)
