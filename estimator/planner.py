"""A replay of TFLM's GreedyMemoryPlanner (tflm-arena-facts.md §2.3-2.4): offline buffers first at
their offsets; online buffers in descending size where, among equal sizes, the buffer added *later*
goes first; then lowest-gap first fit against the buffers that overlap in time."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from .lifetimes import Buffer


@dataclass(frozen=True)
class ArenaPlan:
    buffers: tuple[Buffer, ...]     # add order
    offsets: tuple[int, ...]        # parallel to buffers
    head_bytes: int                 # max(offset + size)


def plan(buffers: tuple[Buffer, ...]) -> ArenaPlan:
    n = len(buffers)
    offline = [i for i in range(n) if buffers[i].offline_offset is not None]
    online = [i for i in range(n) if buffers[i].offline_offset is None]
    # TFLM fills the sort array from the back (reverse add order), then bubble-sorts by descending
    # size swapping only strictly-smaller-before-larger: a stable sort of the reversed list.
    online_sorted = sorted(reversed(online), key=lambda i: -buffers[i].size)
    order = offline + online_sorted

    offsets = [0] * n
    placed_offsets: list[int] = []   # sorted offsets of placed buffers (list order)
    placed_ids: list[int] = []
    for k, i in enumerate(order):
        b = buffers[i]
        if b.offline_offset is not None:
            off = b.offline_offset
        elif k == 0:
            off = 0
        else:
            cand = 0
            off = None
            bf, bl = b.first, b.last
            for j in placed_ids:
                p = buffers[j]
                if bf > p.last or p.first > bl:  # not alive together
                    continue
                if offsets[j] - cand >= b.size:
                    off = cand
                    break
                cand = max(cand, offsets[j] + p.size)
            if off is None:
                off = cand
        offsets[i] = off
        # equal offsets go after the existing ones
        pos = bisect.bisect_right(placed_offsets, off)
        placed_offsets.insert(pos, off)
        placed_ids.insert(pos, i)
    head = max((offsets[i] + buffers[i].size for i in range(n)), default=0)
    return ArenaPlan(tuple(buffers), tuple(offsets), head)
