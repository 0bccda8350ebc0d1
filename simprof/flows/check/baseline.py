"""RAM baselines: every figure of every case written as stable text (sorted JSON, no timestamps,
model paths relative to the budgets file), and the comparison of a new check with it, per model,
platform, kernel set and operator."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from simprof.core.errors import UsageError
from simprof.core.outputs import write_text_atomic
from simprof.core.sizes import Amount, fmt_delta

from .evaluate import KIND, Case
from .figures import FIGURES, Figures

FORMAT = "simprof-check-baseline"
VERSION = 1
MAX_OPS_NAMED = 5     # a message names the operators that changed most; the rest are counted

Key = tuple[str, str, str]    # model, platform, kernels

@dataclass(frozen=True)
class Change:
    """A case whose figures differ from the baseline (or that is new or gone)."""
    key: Key
    kind: str                  # "regression" (fails) | "shrinkage" | "new" | "gone"
    message: str
    case: Case | None          # None for a case that is gone

    @property
    def fails(self) -> bool:
        return self.kind == "regression"


def baseline_json(cases: Iterable[Case]) -> dict[str, Any]:
    rows = []
    for c in sorted(_unique(cases), key=lambda c: c.key):
        row: dict[str, Any] = {"model": c.model, "platform": c.platform, "kernels": c.kernels}
        for f in c.figures:
            row[f.source] = f.to_json()
        rows.append(row)
    return {"format": FORMAT, "version": VERSION, "cases": rows}


def _unique(cases: Iterable[Case]) -> list[Case]:
    """One case per key: a case listed by two entries keeps the one with the most figures (measured)."""
    best: dict[Key, Case] = {}
    for c in cases:
        if c.key not in best or len(c.figures) > len(best[c.key].figures):
            best[c.key] = c
    return list(best.values())


def write_baseline(path: str | Path, cases: Iterable[Case]) -> Path:
    return write_text_atomic(path, json.dumps(baseline_json(cases), indent=2, sort_keys=True) + "\n")


def load_baseline(path: str | Path) -> dict[Key, dict[str, Figures]]:
    path = Path(path)
    fix = "pass a file written by simprof check --write-baseline"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror or exc}", fix=fix) from None
    except ValueError as exc:
        raise UsageError(f"baseline {path} is not JSON: {exc}", fix=fix) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path} is not a simprof check baseline", fix=fix)
    if data.get("version") != VERSION:
        raise UsageError(f"baseline {path} has version {data.get('version')!r}, this simprof reads {VERSION}",
                         fix="write it again with simprof check --write-baseline")
    out: dict[Key, dict[str, Figures]] = {}
    try:
        for row in data["cases"]:
            key = (str(row["model"]), str(row["platform"]), str(row["kernels"]))
            out[key] = {src: Figures.from_json(src, row[src]) for src in ("estimate", "measurement") if src in row}
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"baseline {path} is malformed ({exc})", fix=fix) from None
    return out


def compare(cases: Iterable[Case], baseline: Mapping[Key, Mapping[str, Figures]],
            tolerance: Amount) -> tuple[Change, ...]:
    """Regressions (a figure grew by more than the tolerance, which a percentage takes of the
    baseline figure), shrinkage, and cases new or gone. Unchanged cases give nothing."""
    changes = []
    seen = set()
    for case in _unique(cases):
        seen.add(case.key)
        old = baseline.get(case.key)
        if old is None:
            changes.append(Change(case.key, "new", f"{case.title}: not in the baseline (new)", case))
            continue
        grew, shrank = [], []
        for fig in case.figures:
            before = old.get(fig.source)
            if before is None:
                continue
            g, s = [], []
            for name in FIGURES:
                a, b = before.get(name), fig.get(name)
                if a is None or b is None or a == b:
                    continue
                text = f"{KIND[fig.source]} {name} {fmt_delta(b - a)} ({a:,} → {b:,} B)"
                if b - a > tolerance.of(a):
                    g.append(text)
                elif b < a:
                    s.append(text)
            ops = _operator_changes(before, fig) if g or s else ""
            if ops:
                (g if g else s).append(ops)
            grew += g
            shrank += s
        if grew:
            changes.append(Change(case.key, "regression",
                                  f"{case.title}: RAM grew beyond tolerance {tolerance}: " + "; ".join(grew), case))
        elif shrank:
            changes.append(Change(case.key, "shrinkage", f"{case.title}: RAM shrank: " + "; ".join(shrank), case))
    for key in sorted(set(baseline) - seen):
        changes.append(Change(key, "gone", f"{key[0]} on {key[1]} ({key[2]} kernels): in the baseline, "
                                           "no longer checked", None))
    return tuple(changes)


def _operator_changes(before: Figures, after: Figures) -> str:
    """'op 7 DEPTHWISE_CONV_2D: scratch +1,152 B, head +416 B; ...', biggest changes first."""
    old = {(o.index, o.opcode): o for o in before.operators}
    rows = []
    for op in after.operators:
        prev = old.get((op.index, op.opcode))
        if prev is None:
            continue
        parts = []
        for comp, b in op.components.items():
            a = prev.components.get(comp)
            if a is not None and b is not None and a != b:
                parts.append((abs(b - a), f"{comp} {fmt_delta(b - a)}"))
        if parts:
            parts.sort(key=lambda p: -p[0])
            rows.append((parts[0][0], f"op {op.index} {op.opcode}: " + ", ".join(p for _, p in parts)))
    rows.sort(key=lambda r: -r[0])
    text = "; ".join(r for _, r in rows[:MAX_OPS_NAMED])
    if len(rows) > MAX_OPS_NAMED:
        text += f"; {len(rows) - MAX_OPS_NAMED} more operators changed"
    shape = [f"{o.index} {o.opcode}" for o in before.operators] != [f"{o.index} {o.opcode}" for o in after.operators]
    if shape:
        note = f"operators changed ({len(before.operators)} → {len(after.operators)})"
        text = f"{text}; {note}" if text else note
    return text
