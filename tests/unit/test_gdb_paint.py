"""Fill-and-read arithmetic: written masks, two-pattern union, head/tail/island split."""
from __future__ import annotations

import numpy as np

from simprof.sim import paint


def _mask(size, *ranges):
    m = np.zeros(size, dtype=bool)
    for start, end in ranges:
        m[start:end] = True
    return m


def test_byte_equal_to_paint_hides_and_union_finds_it():
    written = bytes([0x01, 0xAA, 0x55, 0x02])
    dump_aa = written + b"\xaa" * 4     # run painted with 0xAA
    dump_55 = written + b"\x55" * 4     # run painted with 0x55
    a = paint.written_mask(dump_aa, 0xAA)
    b = paint.written_mask(dump_55, 0x55)
    assert a.sum() == 3 and b.sum() == 3
    assert paint.highest_written(a | b) == 3 and (a | b).sum() == 4


def test_lowest_highest_on_empty_mask():
    empty = np.zeros(8, dtype=bool)
    assert paint.lowest_written(empty) is None and paint.highest_written(empty) is None


def test_head_tail_and_islands():
    size = 4096
    m = _mask(size, (0, 1000), (2000, 2024), (size - 600, size))
    marks = paint.arena_marks(m, gap=256)
    assert (marks.head_bytes, marks.tail_bytes) == (1000, 600)
    assert [(i.offset, i.size) for i in marks.islands] == [(2000, 24)]
    assert marks.head_extent_bytes == size and marks.tail_extent_bytes == size


def test_small_gaps_inside_head_are_merged():
    # alignment holes shorter than the gap do not cut the head
    m = _mask(4096, (0, 100), (112, 300), (304, 400))
    marks = paint.arena_marks(m, gap=16)
    assert marks.head_bytes == 400 and marks.tail_bytes == 0 and marks.islands == ()


def test_head_may_start_after_alignment_padding():
    m = _mask(4096, (12, 500))
    assert paint.arena_marks(m, gap=256).head_bytes == 500


def test_block_far_from_both_ends_is_an_island_only():
    m = _mask(4096, (1000, 1100))
    marks = paint.arena_marks(m, gap=256)
    assert (marks.head_bytes, marks.tail_bytes) == (0, 0)
    assert [(i.offset, i.size) for i in marks.islands] == [(1000, 100)]
    assert marks.head_extent_bytes == 1100 and marks.tail_extent_bytes == 4096 - 1000


def test_fully_written_arena_is_all_head():
    marks = paint.arena_marks(np.ones(512, dtype=bool), gap=64)
    assert (marks.head_bytes, marks.tail_bytes, marks.islands) == (512, 0, ())


def test_changed_mask():
    assert paint.changed_mask(b"\x00\x01\x02", b"\x00\x09\x02").tolist() == [False, True, False]
