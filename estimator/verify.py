"""The estimator checks its own plan and fails loudly (STYLE.md habit 6): no two buffers live at the
same scope may share an address, online offsets are 16-aligned, and the head covers every buffer."""
from __future__ import annotations

from simprof.core.errors import SimprofError

from .lifetimes import ALIGN
from .planner import ArenaPlan


class PlanError(SimprofError):
    """The estimator produced an impossible plan: a bug in simprof, never the user's fault."""


def verify_plan(p: ArenaPlan) -> None:
    events: dict[int, list[int]] = {}
    for i, b in enumerate(p.buffers):
        off = p.offsets[i]
        if b.offline_offset is None and off % ALIGN:
            raise PlanError(f"buffer {b.kind} {b.subgraph}:{b.index} at offset {off} is not {ALIGN}-aligned",
                            fix="report this model to the simprof developers")
        if off < 0 or off + b.size > p.head_bytes:
            raise PlanError(f"buffer {b.kind} {b.subgraph}:{b.index} lies outside the head",
                            fix="report this model to the simprof developers")
        if b.size == 0:
            continue
        for s in range(b.first, b.last + 1):
            events.setdefault(s, []).append(i)
    for s, live in events.items():
        live.sort(key=lambda i: p.offsets[i])
        for a, c in zip(live, live[1:]):
            if p.offsets[a] + p.buffers[a].size > p.offsets[c]:
                ba, bc = p.buffers[a], p.buffers[c]
                raise PlanError(
                    f"buffers {ba.kind} {ba.subgraph}:{ba.index} and {bc.kind} {bc.subgraph}:{bc.index} "
                    f"overlap in address at scope {s}", fix="report this model to the simprof developers")
