"""The figures `simprof check` gates and records, taken from an Estimate or a Measurement into one
plain shape, so that budgets, baselines and every renderer read the same numbers.

Whole-model figures (bytes): total, arena, stack, static, heap. `arena` is the arena to give the
runtime: the estimate's setup minimum (`arena_min_bytes`) or, for a measurement, the bisected
minimum (`arena_min_bytes`) or else the painted head + tail. `total` is static + arena + stack +
heap on both sides: the RAM the part must hold (a measurement's `total_bytes` when it was bisected).
Per-operator components: estimate: head (planned arena head extent while it runs), scratch (its
scratch buffers), tail (persistent tail it added), stack; measurement: stack, arena_written."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

FIGURES = ("total", "arena", "stack", "static", "heap")
SOURCES = ("estimate", "measurement")


@dataclass(frozen=True)
class OpFigures:
    index: int
    opcode: str
    components: Mapping[str, int | None]

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "opcode": self.opcode, **dict(self.components)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "OpFigures":
        comps = {k: v for k, v in data.items() if k not in ("index", "opcode")}
        return cls(index=int(data["index"]), opcode=str(data.get("opcode", "")), components=comps)


@dataclass(frozen=True)
class Figures:
    source: str                           # "estimate" or "measurement"
    values: Mapping[str, int | None]      # FIGURES -> bytes (None: unknown)
    operators: tuple[OpFigures, ...]

    def get(self, name: str) -> int | None:
        return self.values.get(name)

    def to_json(self) -> dict[str, Any]:
        return {**{k: self.values.get(k) for k in FIGURES},
                "operators": [o.to_json() for o in self.operators]}

    @classmethod
    def from_json(cls, source: str, data: Mapping[str, Any]) -> "Figures":
        return cls(source=source, values={k: data.get(k) for k in FIGURES},
                   operators=tuple(OpFigures.from_json(o) for o in data.get("operators", ())))


def from_estimate(e: Any) -> Figures:
    ops = tuple(OpFigures(index=o.index, opcode=o.opcode,
                          components={"head": o.arena_head_bytes, "scratch": o.scratch_bytes,
                                      "tail": o.op_tail_bytes, "stack": o.stack_bytes})
                for o in e.operators if o.subgraph == 0)
    return Figures(source="estimate", operators=ops,
                   values={"total": e.total_bytes, "arena": e.arena_min_bytes, "stack": e.stack_bytes,
                           "static": e.static_bytes, "heap": e.heap_bytes})


def from_measurement(m: Any, opcodes: Mapping[int, str]) -> Figures:
    arena_min = getattr(m, "arena_min_bytes", None)
    ops = tuple(OpFigures(index=o.index, opcode=opcodes.get(o.index, ""),
                          components={"stack": o.stack_bytes, "arena_written": o.arena_written_bytes})
                for o in m.operators)
    arena = arena_min if arena_min is not None else m.arena_bytes
    return Figures(source="measurement", operators=ops,
                   values={"total": m.static_bytes + arena + m.stack_bytes + m.heap_bytes, "arena": arena,
                           "stack": m.stack_bytes, "static": m.static_bytes, "heap": m.heap_bytes})
