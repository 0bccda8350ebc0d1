"""Evaluate the entries of a budgets file: every model x platform x kernel set is estimated (and,
with `measure: true`, measured under QEMU) by the estimate and measure flows, and each figure is
held against the entry's budget. Also the one-off gate of `simprof estimate/measure --budget/--margin`."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from simprof.core.errors import PlatformError, SimprofError, UsageError
from simprof.platforms import load as load_platform

from .budgets import Budget, Budgets, Entry
from .figures import Figures, from_estimate, from_measurement

log = logging.getLogger(__name__)

WORDS = {"total": "total RAM", "arena": "arena", "stack": "stack"}
KIND = {"estimate": "estimated", "measurement": "measured"}


@dataclass(frozen=True)
class Limit:
    """One figure held against one budget."""
    source: str          # "estimate" | "measurement"
    figure: str          # "total" | "arena" | "stack"
    value: int
    allowed: int
    budget: str          # the budget in words, e.g. "RAM of nRF52840 262,144 B - 10% margin"
    line: int | None     # line of the budget in the budgets file

    @property
    def ok(self) -> bool:
        return self.value <= self.allowed


@dataclass(frozen=True)
class Case:
    """One model on one platform with one kernel set."""
    model: str                   # path relative to the budgets file's folder (POSIX), the stable key
    path: Path
    platform: str
    part: str
    ram_bytes: int
    kernels: str
    entry: Entry
    figures: tuple[Figures, ...]   # the estimate, then the measurement when measured
    limits: tuple[Limit, ...]
    seconds: float

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.model, self.platform, self.kernels)

    @property
    def title(self) -> str:
        return f"{self.model} on {self.platform} ({self.kernels} kernels)"

    @property
    def breaches(self) -> tuple[Limit, ...]:
        return tuple(l for l in self.limits if not l.ok)

    def figures_of(self, source: str) -> Figures | None:
        return next((f for f in self.figures if f.source == source), None)


def model_label(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder.resolve())).as_posix()


def evaluate(budgets: Budgets, *, measure: bool = True,
             progress: Callable[[str], None] | None = None) -> tuple[Case, ...]:
    """Every case of every entry, in file order. measure=False skips `measure: true` (estimates only)."""
    platforms = {}
    for e in budgets.entries:
        for pid in e.platforms:
            if pid not in platforms:
                platforms[pid] = _platform(pid, f"{budgets.path}:{e.lines.get('platforms', e.line)}")
    cases = []
    figures: dict[tuple, tuple[Any, tuple[Figures, ...]]] = {}   # a case listed by two entries runs once
    for entry in budgets.entries:
        if measure and entry.measure:
            _check_measurable(budgets, entry)
        for path in entry.models:
            for pid in entry.platforms:
                for kernels in entry.kernels:
                    if progress:
                        progress(f"{model_label(path, budgets.folder)} on {pid} ({kernels})")
                    cases.append(_case(budgets, entry, path, platforms[pid], kernels, measure and entry.measure,
                                       figures))
    return tuple(cases)


def _platform(pid: str, where: str) -> Any:
    try:
        return load_platform(pid)
    except PlatformError as exc:
        raise PlatformError(f"{where}: {exc.message}", fix=exc.fix) from None


def _check_measurable(budgets: Budgets, entry: Entry) -> None:
    """Before any work: simprof-rt has an image for every kernel set, and QEMU and the Arm compiler
    are installed."""
    from simprof.rt.sources import kernel_sets
    from simprof.sim.backend import backend
    from simprof.sim.build import compiler

    missing = [k for k in entry.kernels if k not in kernel_sets()]
    if missing:
        raise UsageError(f"{budgets.path}:{entry.lines.get('kernels', entry.line)}: measure: true with kernels "
                         f"{', '.join(missing)}: simprof-rt has images for {', '.join(kernel_sets())} only",
                         fix="measure those kernel sets' cases in an entry of their own, or drop measure")
    backend("qemu")
    compiler()


def _case(budgets: Budgets, entry: Entry, path: Path, platform: Any, kernels: str, measure: bool,
          cache: dict) -> Case:
    start = time.monotonic()
    label = model_label(path, budgets.folder)
    key = (path, platform.id, kernels, measure)
    if key not in cache:
        cache[key] = _figures(path, platform, kernels, measure)
    est, figures = cache[key]
    limits = tuple(l for f in figures
                   for l in _limits(f, entry.budget, platform, f"{label} on {platform.id}", est))
    return Case(model=label, path=path, platform=platform.id, part=platform.part, ram_bytes=platform.ram.size,
                kernels=kernels, entry=entry, figures=figures, limits=limits,
                seconds=time.monotonic() - start)


def _figures(path: Path, platform: Any, kernels: str, measure: bool) -> tuple[Any, tuple[Figures, ...]]:
    from simprof.flows.estimate import estimate_model
    from simprof.flows.measure import measure_model

    est = estimate_model(path, platform.id, kernels=kernels)
    figures = [from_estimate(est)]
    if measure:
        # min_arena: the bisected arena is the figure comparable with the estimate's setup minimum.
        m = measure_model(path, platform, kernels=kernels, min_arena=True, reference=False)
        opcodes = {o.index: o.opcode for o in figures[0].operators}
        figures.append(from_measurement(m, opcodes))
    return est, tuple(figures)


def _limits(fig: Figures, budget: Budget, platform: Any, label: str, est: Any) -> list[Limit]:
    out = []

    def value(name: str) -> int:
        v = fig.get(name)
        if v is None:
            why = "; ".join(getattr(est, "unknowns", ())) or "no calibration data"
            raise SimprofError(f"{label}: the {KIND[fig.source]} {WORDS[name]} is unknown ({why})",
                               fix=f"budget only the arena for {platform.id}, or calibrate it (simprof calibrate)")
        return int(v)

    for name in ("total", "arena", "stack"):
        limit = getattr(budget, name)
        if limit is not None:
            out.append(Limit(fig.source, name, value(name), limit, f"budget {name} {limit:,} B",
                             budget.lines.get(name)))
    if budget.margin is not None:
        ram = platform.ram.size
        out.append(Limit(fig.source, "total", value("total"), ram - budget.margin.of(ram),
                         f"RAM of {platform.part} {ram:,} B - {budget.margin} margin", budget.lines.get("margin")))
    return out


def breach_message(case: Case, limit: Limit) -> str:
    return (f"{case.title}: {KIND[limit.source]} {WORDS[limit.figure]} {limit.value:,} B > "
            f"{limit.allowed:,} B allowed ({limit.budget}), over by {limit.value - limit.allowed:,} B")
