"""Corpus models the fit tests share, built deterministically from a fixed corpus plan (the
same models `simprof corpus generate` writes for that seed)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from simprof.flows.corpus.families import build_model
from simprof.flows.corpus.generate import GenerateOptions, plan

FAMILIES = ("resnet8", "branches", "mobilenet_v2", "planner_stress")
# name -> index in the plan of `corpus generate --count 12 --seed 3` over FAMILIES
PICKS = {
    "branches_int8_order": 7,       # a different operator order saves 4,608 B
    "mobilenet_v2_int8_plan": 9,    # an offline plan saves 4,608 B (greedy head 18,432 -> 13,824)
    "resnet8_int8": 6,
    "branches_float32": 3,
}


@lru_cache(maxsize=None)
def model(name: str) -> bytes:
    p = plan(GenerateOptions(Path("unused"), 12, 3, families=FAMILIES))[PICKS[name]]
    return build_model(p.family, p.params, p.dtype, p.seed)
