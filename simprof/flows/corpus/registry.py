"""The registry of corpus model families (`FAMILIES`, filled by the `@family` decorator in
families.py and families_cnn.py) and the small helpers both family modules use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .act import Act
from .layers import Graph

Params = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    sample: Callable[[np.random.Generator], Params]
    build: Callable[[Graph, Params], None]


FAMILIES: dict[str, Family] = {}


def family(name: str, description: str, sample: Callable[[np.random.Generator], Params]):
    def deco(build: Callable[[Graph, Params], None]) -> Callable[[Graph, Params], None]:
        FAMILIES[name] = Family(name, description, sample, build)
        return build
    return deco


def pick(rng: np.random.Generator, options: list) -> Any:
    return options[int(rng.integers(len(options)))]


def head(g: Graph, x: Act, classes: int, softmax: bool = True) -> None:
    """Global average pool (MEAN over H, W) -> dense -> softmax, as converted Keras models end."""
    if len(x.shape) == 4:
        x = g.mean(x, (1, 2), keep_dims=False)
    y = g.fully_connected(x, classes, out_std=2.0)
    g.output(g.softmax(y) if softmax else y)
