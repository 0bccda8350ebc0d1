"""The budgets file of `simprof check` (default `simprof.yaml`): which models must fit which
platforms, with which kernels, within which RAM budgets. Schema-checked: an unknown key, a wrong
type or a glob that matches nothing is an error naming the file and line. Format: docs/ci.md.

    tolerance: 64 B                  # optional: growth allowed against a baseline (bytes or %)
    entries:
      - models: [models/*.tflite]    # paths or globs, relative to this file
        platforms: [stm32f4, nrf52840]
        kernels: [reference, cmsis-nn]   # optional, default reference
        budget: {total: 96KiB, arena: 64KiB, stack: 4KiB, margin: 10%}
        measure: true                # optional: also measure under QEMU
"""
from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from simprof.core.errors import UsageError
from simprof.core.kernels import DEFAULT_KERNELS, KERNEL_SETS
from simprof.core.sizes import Amount, parse_amount, parse_size


TOP_KEYS = {"entries": "list of entries", "tolerance": "growth allowed against a baseline (bytes or %)"}
ENTRY_KEYS = {"name": "label", "models": "paths or globs", "platforms": "platform ids",
              "kernels": "kernel sets", "budget": "budgets", "measure": "true to measure under QEMU"}
BUDGET_KEYS = {"total": "size", "arena": "size", "stack": "size", "margin": "bytes or % of the part's RAM"}


class BudgetsFileError(UsageError):
    """The budgets file is missing, not YAML, or does not follow the schema."""

@dataclass(frozen=True)
class Budget:
    """Limits one case must keep. None: not checked. With no limit at all, margin 0% applies
    (the figure must fit the part's RAM)."""
    total: int | None = None
    arena: int | None = None
    stack: int | None = None
    margin: Amount | None = None
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)   # key -> line in the file

@dataclass(frozen=True)
class Entry:
    index: int                      # 1-based, in file order
    line: int
    name: str
    models: tuple[Path, ...]        # resolved, sorted, without duplicates
    platforms: tuple[str, ...]
    kernels: tuple[str, ...]
    budget: Budget
    measure: bool
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)   # key -> line in the file

@dataclass(frozen=True)
class Budgets:
    path: Path
    entries: tuple[Entry, ...]
    tolerance: Amount | None
    tolerance_line: int | None

    @property
    def folder(self) -> Path:
        return self.path.parent


class _Map(dict):
    """A mapping that remembers the line of itself and of each key."""
    line: int = 0
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            raise BudgetsFileError(f"{loader.name}:{line}: duplicate key {key!r}", fix="keep one of them")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_budgets(path: str | Path) -> Budgets:
    """Read and check a budgets file; every glob is expanded relative to the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise BudgetsFileError(f"budgets file {path} does not exist",
                               fix="pass the file (simprof check FILE) or create simprof.yaml (docs/ci.md)")
    try:
        text = path.read_text(encoding="utf-8")
        loader = _Loader(text)
        loader.name = str(path)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BudgetsFileError(f"{where}: not valid YAML: {problem}", fix="correct the YAML syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BudgetsFileError(f"cannot read budgets file {path}: {exc}", fix="check the file") from None
    ctx = _Context(path)
    top = ctx.mapping(data, "the budgets file", TOP_KEYS, line=1)
    if "entries" not in top:
        raise BudgetsFileError(f"{path}:{top.line}: no 'entries' list", fix="list at least one entry (docs/ci.md)")
    entries_line = top.key_lines["entries"]
    raw_entries = top["entries"]
    if not isinstance(raw_entries, list) or not raw_entries:
        raise BudgetsFileError(f"{path}:{entries_line}: 'entries' must be a non-empty list",
                               fix="write each entry as '- models: ...' under entries:")
    tolerance = None
    if "tolerance" in top:
        tolerance = ctx.amount(top["tolerance"], "tolerance", top.key_lines["tolerance"])
    entries = tuple(ctx.entry(raw, i, entries_line) for i, raw in enumerate(raw_entries, start=1))
    return Budgets(path=path, entries=entries, tolerance=tolerance,
                   tolerance_line=top.key_lines.get("tolerance"))


class _Context:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, message: str, fix: str) -> BudgetsFileError:
        return BudgetsFileError(f"{self.path}:{line}: {message}", fix=fix)

    def mapping(self, data: Any, what: str, keys: Mapping[str, str], *, line: int) -> _Map:
        if not isinstance(data, _Map):
            raise self.fail(line, f"{what} must be a mapping (key: value)", "see docs/ci.md for the format")
        for key, key_line in data.key_lines.items():
            if key not in keys:
                raise self.fail(key_line, f"unknown key {key!r} in {what}", f"use one of {', '.join(keys)}")
        return data

    def names(self, value: Any, what: str, line: int) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise self.fail(line, f"'{what}' must be a name or a list of names", f"e.g. {what}: [a, b]")
        return tuple(dict.fromkeys(v.strip() for v in items))

    def size(self, value: Any, what: str, line: int) -> int:
        try:
            return parse_size(value)
        except ValueError as exc:
            raise self.fail(line, f"{what}: {exc}", "write a size such as 96KiB") from None

    def amount(self, value: Any, what: str, line: int) -> Amount:
        try:
            return parse_amount(value)
        except ValueError as exc:
            raise self.fail(line, f"{what}: {exc}", "write bytes (2KiB) or a percentage (10%)") from None

    def entry(self, raw: Any, index: int, entries_line: int) -> Entry:
        line = raw.line if isinstance(raw, _Map) else entries_line
        e = self.mapping(raw, f"entry {index}", ENTRY_KEYS, line=line)
        for required in ("models", "platforms"):
            if required not in e:
                raise self.fail(e.line, f"entry {index} has no '{required}'", f"add {required}: [...]")
        kl = e.key_lines
        models = self.models(self.names(e["models"], "models", kl["models"]), kl["models"])
        platforms = self.names(e["platforms"], "platforms", kl["platforms"])
        kernels = self.names(e.get("kernels", DEFAULT_KERNELS), "kernels", kl.get("kernels", e.line))
        for k in kernels:
            if k not in KERNEL_SETS:
                raise self.fail(kl["kernels"], f"unknown kernel set {k!r}", f"use one of {', '.join(KERNEL_SETS)}")
        measure = e.get("measure", False)
        if not isinstance(measure, bool):
            raise self.fail(kl["measure"], "'measure' must be true or false", "write measure: true")
        name = e.get("name", "")
        if not isinstance(name, str):
            raise self.fail(kl["name"], "'name' must be text", "write name: my models")
        budget = self.budget(e.get("budget"), kl.get("budget", e.line), index)
        return Entry(index=index, line=e.line, name=name, models=models, platforms=platforms,
                     kernels=kernels, budget=budget, measure=measure, lines=dict(kl))

    def models(self, patterns: tuple[str, ...], line: int) -> tuple[Path, ...]:
        found: list[Path] = []
        for pattern in patterns:
            full = pattern if Path(pattern).is_absolute() else str(self.path.parent / pattern)
            matches = sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
            if not matches:
                raise self.fail(line, f"models: {pattern!r} matches no file",
                                "check the path; it is relative to the budgets file's folder")
            found += matches
        return tuple(dict.fromkeys(p.resolve() for p in found))

    def budget(self, raw: Any, line: int, index: int) -> Budget:
        if raw is None:
            return Budget(margin=Amount(fraction=0.0), lines={"margin": line})
        b = self.mapping(raw, f"the budget of entry {index}", BUDGET_KEYS, line=line)
        values: dict[str, Any] = {}
        for key in ("total", "arena", "stack"):
            if key in b:
                values[key] = self.size(b[key], f"budget {key}", b.key_lines[key])
        if "margin" in b:
            margin = self.amount(b["margin"], "budget margin", b.key_lines["margin"])
            if margin.fraction is not None and margin.fraction >= 1:
                raise self.fail(b.key_lines["margin"], "budget margin must be below 100%", "e.g. margin: 10%")
            values["margin"] = margin
        if not values:
            raise self.fail(line, f"the budget of entry {index} sets no limit",
                            f"set one of {', '.join(BUDGET_KEYS)}, or drop 'budget' to check the part's RAM")
        return Budget(**values, lines=dict(b.key_lines))
