"""Typed results shared between simprof's stages. Frozen dataclasses; `to_json()` gives the
stable JSON form (with `schema_version`) written by `simprof measure --json`.

Definitions of every figure: docs/measurement.md.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

MEASUREMENT_SCHEMA_VERSION = 2   # 2: painted_total_bytes; total_bytes uses arena_min_bytes when known
ESTIMATE_SCHEMA_VERSION = 1


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
    opcode: str = ""           # operator type, when the model is known
    subgraph: int = 0          # the subgraph `index` is in (marks of a firmware ELF mapped by nesting)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"subgraph": self.subgraph, "index": self.index, "stack_bytes": self.stack_bytes,
                               "arena_written_bytes": self.arena_written_bytes, "calls": self.calls}
        if self.opcode:
            out["opcode"] = self.opcode
        return out


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
    arena_min_bytes: int | None = None   # smallest working arena, when it was bisected
    # Bytes read at the stop point (read_symbols), and what an on_stop callback returned.
    memory: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    on_stop_result: Any = field(default=None, compare=False, repr=False)

    @property
    def arena_bytes(self) -> int:
        return self.arena_head_bytes + self.arena_tail_bytes

    @property
    def painted_total_bytes(self) -> int:
        """Every painted mark added up: static + stack + painted arena (head + tail) + heap."""
        return self.static_bytes + self.stack_bytes + self.arena_bytes + self.heap_bytes

    @property
    def total_bytes(self) -> int:
        """The RAM needed with every region sized to its mark: static + stack + heap + the arena the
        model needs, i.e. the bisected minimum arena when known (as in an Estimate), else the painted
        arena (a lower bound: setup temporaries above the final head are not in it)."""
        arena = self.arena_min_bytes if self.arena_min_bytes is not None else self.arena_bytes
        return self.static_bytes + self.stack_bytes + arena + self.heap_bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": MEASUREMENT_SCHEMA_VERSION,
            "platform": self.platform,
            "emulator": self.emulator,
            "elf": self.elf,
            "total_bytes": self.total_bytes,
            "painted_total_bytes": self.painted_total_bytes,
            "static_bytes": self.static_bytes,
            "stack_bytes": self.stack_bytes,
            "arena_bytes": self.arena_bytes,
            "arena_min_bytes": self.arena_min_bytes,
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


@dataclass(frozen=True)
class RuntimeReport:
    """What simprof-rt reported about a run (firmware/runtime/report.h; parsed by simprof.rt.protocol)."""
    status: int
    status_name: str     # "ok", "model", "unsupported", "arena", "input", "internal" or "running"
    phase: int
    arena_size: int
    arena_start_pad: int
    head: int            # final planned head
    tail: int            # final persistent tail
    temp_hwm: int        # high-water mark of head + temporaries during setup
    need: int            # arena needed per the runtime's own accounting
    missing: int         # on an arena error: bytes short
    n_subgraphs: int
    n_tensors: int
    n_ops: int
    n_scratch: int
    n_planned: int
    op_index: int
    recording: bool
    arena_addr: int
    outputs: tuple[tuple[int, int], ...]   # (address, bytes) of each output
    message: str

    @property
    def ok(self) -> bool:
        return self.status == 0


@dataclass(frozen=True)
class ModelMeasurement(Measurement):
    """A painted measurement of a model on simprof-rt, with the runtime's own figures and (when the
    arena was bisected) the smallest working arena; `total_bytes` then uses it (see Measurement)."""
    model: str = ""
    kernels: str = "reference"
    runtime: RuntimeReport | None = None
    output_bytes: tuple[bytes, ...] = field(default=(), repr=False, compare=False)
    outputs_match_reference: bool | None = None

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["model"] = self.model
        out["kernels"] = self.kernels
        if self.runtime is not None:
            r = self.runtime
            out["runtime"] = {"head_bytes": r.head, "tail_bytes": r.tail, "setup_peak_bytes": r.temp_hwm,
                              "need_bytes": r.need, "recording_allocators": r.recording}
        if self.outputs_match_reference is not None:
            out["outputs_match_reference"] = self.outputs_match_reference
        return out


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
        d = {"schema_version": ESTIMATE_SCHEMA_VERSION, **asdict(self)}
        d["operators"] = [asdict(o) for o in self.operators]
        d["unknowns"] = list(self.unknowns)
        d["notes"] = list(self.notes)
        return d
