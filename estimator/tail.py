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
    trace: list | None = None  # when a list: every step, to replay it for another end_mod

    def _rec(self, name: str, *args) -> None:
        if self.trace is not None:
            self.trace.append((self.stage, name, args))

    def _need(self, n: int) -> None:
        if n > self.need:
            self.need, self.need_stage = n, self.stage

    def _tail_after(self, size: int, align: int) -> int:
        """Bytes used from the end after aligning `size` more down from an end at end_mod."""
        m = self.end_mod
        return ceil_to(self.tail + size - m, align) + m

    def persist(self, size: int, align: int, category: str | None = None, count: int = 1) -> int:
        self._rec("persist", size, align)
        return self._persist(size, align, category, count)

    def _persist(self, size: int, align: int, category: str | None = None, count: int = 1) -> int:
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
        # temps live above the head, whose size does not depend on the arena's end: the replay
        # needs only the resulting state
        self._rec("temps", self.temp, self.temp, self.temp_live, self.window)
        return start

    def temps(self, end: int, temp: int, live: int, window: tuple) -> None:
        """Replay of temp allocations that ended at `end` at most and left this state."""
        self.temp, self.temp_live, self.window = temp, live, window
        self._need(end + self.tail)

    def mark_unread(self, start: int, win_lo: int, win_hi: int) -> None:
        """Bytes from `start` up are never read again, except [win_lo, win_hi)."""
        if start < self.temp_live:
            self.temp_live, self.window = start, (win_lo, win_hi)
        self._rec("temps", 0, self.temp, self.temp_live, self.window)

    def persist_over_temps(self, size: int, align: int, category: str | None = None) -> int:
        """A persistent allocation while a kernel's temporaries are live. TFLM checks it only
        against the head, but if it lands on temp bytes that are read later, a later check of the
        kernel fails: so the arena must keep the new tail above them (or the buffer clear of the
        still-read window)."""
        self._rec("persist_over_temps", size, align)
        u = self._tail_after(size, align)
        need = self.temp_live + u
        lo, hi = self.window
        if lo != hi:
            x = self.temp_live + u
            nt = x + (self.end_mod - x) % 16 - u   # where the buffer lands in that arena
            if lo < size or nt > lo - size:
                need = hi + u
        self._need(need)
        return self._persist(size, align, category)

    def reset_temp(self) -> None:
        self._rec("reset_temp")
        self.temp = self.head
        self.temp_live, self.window = self.head, (0, 0)

    def resize_head(self, size: int) -> None:
        self._rec("resize_head", size)
        self.head = size
        self.temp = size
        self._need(self.head + self.tail)

    def planner_area(self, buffers: int, bytes_per_buffer: int, written_bytes: int) -> None:
        """The planner takes all memory from ceil16(temp) to floor16(tail); it needs room for
        `bytes_per_buffer` per planned buffer, and writes `written_bytes` from its start."""
        self._rec("planner_area", buffers, bytes_per_buffer, written_bytes)
        # its area ends at the 16-aligned address at or below the tail
        self._need(ceil_to(self.temp, 16) + bytes_per_buffer * buffers + self.tail + (self.end_mod - self.tail) % 16)
        self.planner_hwm = max(self.planner_hwm, ceil_to(self.temp, 16) + written_bytes)


def compress(trace) -> list:
    """Consecutive temp steps merged into one (the highest end, the last state)."""
    out: list = []
    for ev in trace:
        if ev[1] == "temps" and out and out[-1][1] == "temps":
            prev = out[-1][2]
            out[-1] = (out[-1][0] if prev[0] >= ev[2][0] else ev[0], "temps", (max(prev[0], ev[2][0]),) + ev[2][1:])
        else:
            out.append(ev)
    return out


def replay(trace: list, end_mod: int) -> ArenaSim:
    """The same allocation steps on an arena whose end lies at `end_mod` (mod 16): what differs
    is only how the tail aligns down, so the steps need not be derived from the model again
    (pass them through `compress` first)."""
    sim = ArenaSim(end_mod=end_mod)
    for stage, name, args in trace:
        sim.stage = stage
        getattr(sim, name)(*args)
    return sim


def replay_need(trace: list, end_mod: int) -> tuple[int, int, str]:
    """(tail, need, need_stage) of `replay(trace, end_mod)`, computed with plain integers: the
    minimum-arena search replays every setup 15 times, and this is its inner loop. Kept equal to
    `replay` step for step (tests/unit/test_estimator_planner.py checks both on the corpus)."""
    m = end_mod
    head = temp = tail = need = 0
    need_stage = ""
    live, lo, hi = 0, 0, 0
    for stage, name, args in trace:
        if name == "persist":
            size, align = args
            tail = (tail + size - m + align - 1) // align * align + m
            if head + tail > need:
                need, need_stage = head + tail, stage
        elif name == "temps":
            end, temp, live, (lo, hi) = args
            if end + tail > need:
                need, need_stage = end + tail, stage
        elif name == "persist_over_temps":
            size, align = args
            u = (tail + size - m + align - 1) // align * align + m
            want = live + u
            if lo != hi:
                x = live + u
                nt = x + (m - x) % 16 - u
                if lo < size or nt > lo - size:
                    want = hi + u
            if want > need:
                need, need_stage = want, stage
            tail = u
            if head + tail > need:
                need, need_stage = head + tail, stage
        elif name == "reset_temp":
            temp = head
            live, lo, hi = head, 0, 0
        elif name == "resize_head":
            head = temp = args[0]
            if head + tail > need:
                need, need_stage = head + tail, stage
        elif name == "planner_area":
            buffers, per_buffer, _ = args
            want = (temp + 15) // 16 * 16 + per_buffer * buffers + tail + (m - tail) % 16
            if want > need:
                need, need_stage = want, stage
        else:
            raise ValueError(f"unknown allocator step {name!r}")
    return tail, need, need_stage
