"""Helpers shared by the keyword classes: error wording, result kinds, the peak-RAM figure."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from simprof.core.errors import SimprofError


class SimprofKeywordError(RuntimeError):
    """A simprof error inside a keyword, shown by Robot as its one line (cause — fix)."""
    ROBOT_SUPPRESS_NAME = True


def keyword_errors(func):
    """Turn simprof errors and bad arguments into one-line keyword failures (no traceback noise)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SimprofError as exc:
            raise SimprofKeywordError(exc.one_line()) from exc
        except ValueError as exc:
            raise SimprofKeywordError(str(exc)) from exc
    return wrapper


def _get(result: Any, name: str) -> Any:
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def is_estimate(result: Any) -> bool:
    return _get(result, "arena_min_bytes") is not None


def is_measurement(result: Any) -> bool:
    return _get(result, "stack_region_bytes") is not None


def label_of(result: Any, target: Any) -> str:
    """What a message calls the thing measured: the file name given, else the result's model/ELF."""
    if isinstance(target, (str, Path)) and str(target):
        return Path(target).name
    for name in ("model", "elf"):
        value = _get(result, name)
        if value:
            return Path(str(value)).name
    return "result"


def figure(result: Any, platform, reserve: str = "auto") -> tuple[int, str]:
    """The peak-RAM figure of a result and the words for its parts (for pass and failure messages)."""
    from .units import parse_size

    if is_measurement(result):
        parts = {k: int(_get(result, f"{k}_bytes") or 0) for k in ("static", "stack", "arena", "heap")}
        total = _get(result, "total_bytes")
        total = int(total) if total is not None else sum(parts.values())
        return total, " + ".join(f"{k} {v:,}" for k, v in parts.items())
    if not is_estimate(result):
        raise ValueError("not an estimate or a measurement (pass a result of Estimate Peak RAM, "
                         "Measure Peak RAM or Load Result JSON)")
    arena = int(_get(result, "arena_min_bytes"))
    total = _get(result, "total_bytes")
    if str(reserve).strip().lower() == "auto" and total is not None:
        words = ", ".join(f"{k} {int(_get(result, f'{k}_bytes') or 0):,}" for k in ("static", "stack", "heap"))
        return int(total), f"arena {arena:,} (setup minimum), {words}"
    if str(reserve).strip().lower() == "auto":
        extra = platform.stack_size + platform.heap_size
        return arena + extra, (f"arena {arena:,} (setup minimum) + {extra:,} stack and heap regions of "
                               f"{platform.id}, in place of stack/static RAM this estimate does not know")
    extra = parse_size(reserve)
    return arena + extra, f"arena {arena:,} (setup minimum) + reserve {extra:,}"


def describe(result: Any, label: str) -> str:
    """One log line with the headline figures of a result."""
    if is_measurement(result):
        return (f"{label} on {_get(result, 'platform')} ({_get(result, 'emulator')}): total {result.total_bytes:,} B = "
                f"static {result.static_bytes:,} + stack {result.stack_bytes:,} + arena {result.arena_bytes:,} "
                f"(head {result.arena_head_bytes:,}, tail {result.arena_tail_bytes:,}) + heap {result.heap_bytes:,}")
    total = _get(result, "total_bytes")
    return (f"{label} on {_get(result, 'platform')}: arena {result.arena_bytes:,} B (head {result.arena_head_bytes:,}, "
            f"tail {result.arena_tail_bytes:,}), setup minimum {result.arena_min_bytes:,} B, "
            f"total {'unknown' if total is None else f'{total:,} B'}")
