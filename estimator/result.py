"""The typed result of a static estimate. JSON keys match the measurement's (stack_bytes,
arena_head_bytes, arena_tail_bytes, arena_bytes, arena_min_bytes, heap_bytes, static_bytes,
total_bytes, operators) so the two compare field by field. None means "unknown", never 0."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class OpEstimate:
    subgraph: int
    index: int
    opcode: str
    arena_head_bytes: int      # highest planned byte (offset + size) of the buffers live during it
    live_bytes: int            # sum of the planned sizes of tensors and scratch live during it
    scratch_bytes: int         # its own scratch buffers
    arena_tail_bytes: int      # the whole persistent tail (constant during inference)
    op_tail_bytes: int         # the part of the tail this operator added (options, OpData, Prepare)
    stack_bytes: int | None
    total_bytes: int | None    # head extent + tail + stack (None if the stack is unknown)


@dataclass(frozen=True)
class Estimate:
    model: str
    platform: str
    runtime: str
    abi: str
    kernels: str
    arena_head_bytes: int          # planned head (TFLM's "head")
    arena_head_painted_bytes: int  # the head block fill-and-read sees after setup: the planned head or,
                                   # if higher, the setup temporaries written above the head
    arena_tail_bytes: int          # final persistent tail
    arena_bytes: int               # head + tail after setup
    arena_min_bytes: int           # smallest arena (aligned start, size a multiple of 16) that sets up
    arena_min_stage: str           # which setup step sets arena_min_bytes
    arena_start_align_bytes: int   # up to 15 B lost if the arena start is not 16-aligned
    tflm_arena_used_bytes: int     # what TFLM's arena_used_bytes() prints
    tail_categories: dict          # print_allocations() categories: name -> {used, requested, count}
    heap_bytes: int
    stack_bytes: int | None
    static_bytes: int | None
    total_bytes: int | None        # static + arena_min + stack + heap, None if a part is unknown
    peak_operator: int | None      # index into operators of the highest total (or head) operator
    operators: tuple[OpEstimate, ...]
    unknowns: tuple[str, ...]      # what could not be computed, in words
    provenance: dict
    notes: tuple[str, ...] = ()    # approximations the figures rest on, in words

    def to_json(self) -> dict:
        d = asdict(self)
        d["operators"] = [asdict(o) for o in self.operators]
        d["unknowns"] = list(self.unknowns)
        d["notes"] = list(self.notes)
        return d
