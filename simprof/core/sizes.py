"""Byte sizes and amounts as a user writes them, in a budgets file, on a command line or in a Robot
table: `98304`, `96KiB`, `96 K`, `1.5 MiB`, `10%`. K/KB/KiB all mean 1024, as in microcontroller
datasheets. One parser for every front end (`simprof check`, `--budget`, the Robot keywords)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20}
_SIZE = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
SIZE_FORMS = "e.g. 98304, 96KiB, 96 K or 1.5 MiB"


def parse_size(value: object) -> int:
    """Bytes from an int or a string like '96KiB'; ValueError names the accepted forms."""
    if isinstance(value, bool):
        raise ValueError(f"not a byte size: {value!r} ({SIZE_FORMS})")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"negative size {value!r}")
        return value
    m = _SIZE.match(str(value))
    unit = m.group(2).lower() if m else None
    if not m or unit not in _UNITS:
        raise ValueError(f"not a byte size: {value!r} ({SIZE_FORMS})")
    number = float(m.group(1).replace("_", "").replace(",", ""))
    result = number * _UNITS[unit]
    if not result.is_integer():
        raise ValueError(f"{value!r} is not a whole number of bytes")
    return int(result)


@dataclass(frozen=True)
class Amount:
    """A margin or tolerance: a fraction of a reference figure (from 'N%') or a number of bytes."""
    fraction: float | None = None
    size: int | None = None

    def of(self, reference: int) -> int:
        """The amount in bytes; a percentage is taken of `reference` (rounded down)."""
        return int(self.fraction * reference) if self.fraction is not None else int(self.size or 0)

    def __str__(self) -> str:
        if self.fraction is not None:
            return f"{self.fraction * 100:g}%"
        return f"{self.size:,} B"


def parse_amount(value: object) -> Amount:
    """'10%' -> 10 % of a reference figure; '2 KiB' or 2048 -> bytes. Negative amounts are errors."""
    text = str(value).strip()
    if text.endswith("%"):
        try:
            fraction = float(text[:-1].strip()) / 100.0
        except ValueError:
            raise ValueError(f"not a percentage: {value!r} (write e.g. 10%)") from None
        if fraction < 0:
            raise ValueError(f"negative percentage {value!r}")
        return Amount(fraction=fraction)
    return Amount(size=parse_size(value))


def fmt_bytes(n: int) -> str:
    return f"{n:,} B"


def fmt_delta(n: int) -> str:
    # A true minus sign reads better in reports; CI logs show UTF-8 everywhere we target.
    return f"+{n:,} B" if n >= 0 else f"−{-n:,} B"
