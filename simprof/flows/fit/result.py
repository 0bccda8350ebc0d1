"""What a fit returns: typed, frozen, JSON-ready."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .accuracy import Accuracy
from .budget import Budget


@dataclass(frozen=True)
class Step:
    name: str               # "operator order", "offline plan", "channel pruning"
    lossless: bool
    before_bytes: int       # the guiding figure before and after the step
    after_bytes: int
    detail: str

    @property
    def saved_bytes(self) -> int:
        return self.before_bytes - self.after_bytes


@dataclass(frozen=True)
class LayerPruning:
    operator: int           # index in the original model
    opcode: str
    tensor: str             # its output tensor
    channels: int
    removed: int


@dataclass(frozen=True)
class Proof:
    """The fitted model run on simprof-rt under QEMU (`measure --min-arena`)."""
    arena_min_bytes: int            # bisected smallest working arena
    total_bytes: int                # static + stack + that arena
    estimate_arena_min_bytes: int   # simprof's estimate of the same figure
    fits: bool                      # the measured figure is within the budget
    outputs_match_wheel: bool | None      # simprof-rt outputs == the wheel's, fitted model
    outputs_match_original: bool | None   # simprof-rt outputs == the wheel's, original model
    seconds: float


@dataclass(frozen=True)
class FitResult:
    model: str
    platform: str
    guidance: str
    budget: Budget
    figure_before: int              # the guiding figure
    figure_after: int
    estimate_before: dict           # simprof's estimate: arena_min_bytes, total_bytes
    estimate_after: dict
    steps: tuple[Step, ...]
    layers: tuple[LayerPruning, ...]
    data_source: str
    accuracy_before: float | None   # labelled accuracy of the original (None without labels)
    accuracy: Accuracy
    proof: Proof | None
    timeline_before: tuple[tuple[str, int], ...]   # (opcode, arena bytes at the operator)
    timeline_after: tuple[tuple[str, int], ...]
    seconds: float
    fitted: bytes = field(default=b"", repr=False, compare=False)

    @property
    def fits_estimate(self) -> bool:
        return self.figure_after <= self.budget.bytes

    @property
    def channels_removed(self) -> int:
        return sum(layer.removed for layer in self.layers)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("fitted")
        d["accuracy"] = {**asdict(self.accuracy), "figure": self.accuracy.figure}
        d["steps"] = [{**asdict(s), "saved_bytes": s.saved_bytes} for s in self.steps]
        d["fits_estimate"] = self.fits_estimate
        d["channels_removed"] = self.channels_removed
        return d
