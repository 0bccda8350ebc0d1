"""Published estimators, reimplemented from their papers/tools for comparison with ours. One module
per baseline; each exposes NAME, SOURCE, ASSUMPTIONS and `estimate(graph, **ctx) -> BaselineResult`.

    from simprof.estimator.baselines import run_baseline, NAMES
"""
from __future__ import annotations

import importlib

from simprof.core.errors import UsageError

from ._common import BaselineResult  # noqa: F401

NAMES = ("unas", "mcunet", "tinyengine", "tensorscope", "mcufit", "tflm")


def get(name: str):
    if name not in NAMES:
        raise UsageError(f"unknown baseline {name!r}", fix=f"use one of {', '.join(NAMES)}")
    return importlib.import_module(f"{__name__}.{name}")


def run_baseline(name: str, graph, **ctx) -> BaselineResult:
    return get(name).estimate(graph, **ctx)
