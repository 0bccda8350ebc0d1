"""Byte sizes and tolerances as a test author writes them in a Robot table: `16384`, `16 KiB`,
`16K`, `1.5 MiB`, `10%`. K/KB/KiB all mean 1024, as in microcontroller datasheets."""
from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20}
_SIZE = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_size(value: object) -> int:
    """Bytes from an int or a string like '16 KiB'; ValueError names the accepted forms."""
    if isinstance(value, bool):
        raise ValueError(f"not a byte size: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    m = _SIZE.match(str(value))
    unit = m.group(2).lower() if m else None
    if not m or unit not in _UNITS:
        raise ValueError(f"not a byte size: {value!r} (write e.g. 16384, 16 KiB, 16K or 1.5 MiB)")
    number = float(m.group(1).replace("_", "").replace(",", ""))
    result = number * _UNITS[unit]
    if not result.is_integer():
        raise ValueError(f"{value!r} is not a whole number of bytes")
    return int(result)


@dataclass(frozen=True)
class Amount:
    """A margin or tolerance: a fraction (from 'N%') or a number of bytes."""
    fraction: float | None = None
    size: int | None = None

    def of(self, reference: int) -> int:
        """The amount in bytes, relative to `reference` when it is a percentage."""
        return int(self.fraction * reference) if self.fraction is not None else int(self.size)

    def __str__(self) -> str:
        if self.fraction is not None:
            return f"{self.fraction * 100:g}%"
        return f"{self.size:,} B"


def parse_amount(value: object) -> Amount:
    """'10%' -> 10 % of a reference figure; '2 KiB' or 2048 -> bytes. Negative amounts are errors."""
    text = str(value).strip()
    if text.endswith("%"):
        fraction = float(text[:-1].strip()) / 100.0
        if fraction < 0:
            raise ValueError(f"negative percentage {value!r}")
        return Amount(fraction=fraction)
    size = parse_size(value)
    if size < 0:
        raise ValueError(f"negative size {value!r}")
    return Amount(size=size)
