"""Budgets and the figures they bound. An arena budget bounds the smallest arena the model runs
with (`arena_min_bytes`); a RAM budget bounds static + arena + stack (`total_bytes`).

Sizes: plain bytes (`98304`), with a unit (`96KiB`, `96K`, `1MiB`, `100kB` = 100,000), a
percentage (`75%`) or a fraction (`0.75`) of the model's current figure."""
from __future__ import annotations

import re
from dataclasses import dataclass

from simprof.core.errors import UsageError

_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1 << 20, "mib": 1 << 20, "mb": 1_000_000}


@dataclass(frozen=True)
class Budget:
    kind: str          # "arena" or "ram"
    bytes: int
    spec: str          # as the user wrote it


def parse_size(spec: str | int | float, current: int, flag: str) -> int:
    """Bytes for `spec`; fractions and percentages are of `current`."""
    if isinstance(spec, int):
        return spec
    if isinstance(spec, float):
        if 0 < spec <= 1:
            return int(spec * current)
        raise UsageError(f"{flag} {spec}: a fraction must be in (0, 1]", fix="write e.g. 0.75, 75% or 96KiB")
    text = str(spec).strip().replace(",", "").replace("_", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if m:
        return parse_size(float(m.group(1)) / 100, current, flag)
    m = re.fullmatch(r"(\d*\.\d+|\d+\.?\d*)", text)
    if m and ("." in text):
        return parse_size(float(text), current, flag)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise UsageError(f"{flag} {spec!r} is not a size", fix="write bytes (98304), 96KiB, 1MiB, 75% or 0.75")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if value <= 0:
        raise UsageError(f"{flag} {spec!r} must be positive", fix="give a size above 0")
    return int(value)


def resolve(arena: str | int | float | None, ram: str | int | float | None, *, current_arena: int,
            current_ram: int | None, part_ram: int) -> Budget:
    if arena is not None and ram is not None:
        raise UsageError("give --arena-budget or --ram-budget, not both", fix="drop one of them")
    if arena is not None:
        return Budget("arena", parse_size(arena, current_arena, "--arena-budget"), str(arena))
    if ram is not None and current_ram is None:
        raise UsageError("a RAM budget needs the platform's stack and static calibration, which is missing",
                         fix="use --arena-budget, or calibrate the platform (`simprof calibrate`)")
    if ram is None:
        return Budget("ram", part_ram, "the part's RAM")
    return Budget("ram", parse_size(ram, current_ram or 0, "--ram-budget"), str(ram))
