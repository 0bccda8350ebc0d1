"""Budgets and the figures they bound. An arena budget bounds the smallest arena the model runs
with (`arena_min_bytes`); a RAM budget bounds static + arena + stack (`total_bytes`).

Sizes: plain bytes (`98304`), with a unit (`96KiB`, `96K`, `1.5 MiB`; K, KB and KiB are 1024), a
percentage (`75%`) or a fraction (`0.75`) of the model's current figure."""
from __future__ import annotations

import re
from dataclasses import dataclass

from simprof.core import sizes
from simprof.core.errors import UsageError


@dataclass(frozen=True)
class Budget:
    kind: str          # "arena" or "ram"
    bytes: int
    spec: str          # as the user wrote it


def parse_size(spec: str | int | float, current: int, flag: str) -> int:
    """Bytes for `spec`; fractions and percentages are of `current`. Byte forms are the ones every
    front end takes (simprof.core.sizes: K/KB/KiB = 1024)."""
    text = str(spec).strip()
    try:
        if isinstance(spec, float) or (isinstance(spec, str) and re.fullmatch(r"\d*\.\d+|\d+\.", text)):
            share = float(text)
        elif text.endswith("%"):
            share = float(text[:-1].strip()) / 100.0
        else:
            value = sizes.parse_size(spec)
            if value <= 0:
                raise ValueError(f"{spec!r} must be above 0")
            return value
    except ValueError as exc:
        raise UsageError(f"{flag} {spec!r}: {exc}", fix=f"write bytes ({sizes.SIZE_FORMS}), 75% or 0.75") from None
    if not 0 < share <= 1:
        raise UsageError(f"{flag} {spec!r}: a share of the current figure must be in (0, 1]",
                         fix="write e.g. 0.75 or 75%")
    return int(share * current)


def resolve(arena: str | int | float | None, ram: str | int | float | None, *, current_arena: int,
            current_ram: int | None, part_ram: int) -> Budget:
    if arena is not None and ram is not None:
        raise UsageError("give --arena-budget or --ram-budget, not both", fix="drop one of them")
    if arena is not None:
        return Budget("arena", parse_size(arena, current_arena, "--arena-budget"), str(arena))
    if arena is None and current_ram is None:
        raise UsageError("a RAM budget needs the platform's stack and static calibration, which is missing",
                         fix="use --arena-budget, or calibrate the platform (`simprof calibrate`)")
    if ram is None:
        return Budget("ram", part_ram, "the part's RAM")
    return Budget("ram", parse_size(ram, current_ram or 0, "--ram-budget"), str(ram))
