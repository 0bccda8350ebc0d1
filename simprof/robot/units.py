"""Byte sizes and tolerances as a test author writes them in a Robot table: `16384`, `16 KiB`,
`16K`, `1.5 MiB`, `10%` — the same forms as everywhere in simprof (`simprof.core.sizes`)."""
from simprof.core.sizes import Amount, parse_amount, parse_size

__all__ = ["Amount", "parse_amount", "parse_size"]
