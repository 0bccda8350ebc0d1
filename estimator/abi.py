"""ABI size tables and per-operator costs, loaded once at import from estimator/data/*.json
(never scattered constants). `lp64` is the x86-64 build inside the tflite-micro wheel (with its
size overrides); `arm-eabi` is Cortex-M with short enums."""
from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

from simprof.core.errors import UsageError
from simprof.core.kernels import KERNEL_SETS as KERNEL_LIBS  # noqa: F401  (one list of kernel set names)

DATA = Path(__file__).with_name("data")
_SIZES = json.loads((DATA / "abi_sizes.json").read_text())
_OPS = json.loads((DATA / "op_costs.json").read_text())

ABIS = tuple(_SIZES["abis"])
# planner working memory per buffer, identical on every ABI (facts §2.5)
PLANNER_BYTES_PER_BUFFER = 40
SCRATCH_REQUESTS_RESERVED = 12  # kMaxScratchBuffersPerOp: head reserved during Prepare


@dataclass(frozen=True)
class OpCost:
    options: str | None
    opdata: dict
    prepare: str | None
    temps: tuple[str, ...]
    source: str
    temps_by_variant: dict

    def temps_for(self, variant: str) -> tuple[str, ...]:
        """variant: "wheel" for TFLM inside the tflite-micro wheel, else the ABI name."""
        return tuple(self.temps_by_variant.get(variant, self.temps))


@dataclass(frozen=True)
class Abi:
    name: str
    sizes: dict

    def size(self, struct: str) -> tuple[int, int]:
        try:
            s, a = self.sizes[struct]
        except KeyError:
            raise UsageError(f"no size of {struct} for ABI {self.name} in abi_sizes.json",
                             fix="measure it and add it to estimator/data/abi_sizes.json") from None
        return int(s), int(a)

    def has(self, struct: str) -> bool:
        return struct in self.sizes

    @property
    def ptr(self) -> int:
        return self.size("TfLiteTensorPtr")[0]


def get_abi(name: str) -> Abi:
    if name not in _SIZES["abis"]:
        raise UsageError(f"unknown ABI {name!r}", fix=f"use one of {', '.join(ABIS)}")
    return Abi(name, _SIZES["abis"][name])


@lru_cache(maxsize=None)
def op_cost(opcode: str) -> OpCost | None:
    d = _OPS["ops"].get(opcode)
    if d is None:
        return None
    return OpCost(d.get("options"), d.get("opdata", {}), d.get("prepare"), tuple(d.get("temps", ())),
                  d.get("source", ""), d.get("temps_by_variant", {}))


def known_ops() -> list[str]:
    return sorted(_OPS["ops"])
