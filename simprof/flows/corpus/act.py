"""The activation value the corpus layers pass around (`Act`), and the schema's padding codes:
shared by layers.py and its data-movement mixin layers_shape.py, which import it from here."""
from __future__ import annotations

import math
from dataclasses import dataclass

from simprof.model.builder import TensorRef, schema

PADDINGS = {"SAME": schema.Padding.SAME, "VALID": schema.Padding.VALID}


@dataclass(frozen=True)
class Act:
    """An activation tensor plus the statistics used to quantize whatever consumes it."""

    ref: TensorRef
    mean: float
    std: float
    lo: float
    hi: float

    @property
    def shape(self) -> tuple[int, ...]:
        return self.ref.shape

    @property
    def rms(self) -> float:
        return math.sqrt(self.mean ** 2 + self.std ** 2)
