"""Static stack depth from GCC's own analysis: `-fstack-usage` (.su: frame bytes per function) and
`-fcallgraph-info=su` (.ci: VCG call graph). Kernels are reached through function pointers, which
GCC records as edges to `__indirect_call`; we resolve them ourselves: the depth at a dispatch point
(the deepest path from the entry to a function that makes an indirect call) plus the deepest path
below the kernel's entry function.

Limits, reported rather than hidden: frames marked `dynamic` (alloca/VLA) are counted at their
static part and listed; recursion is cut (each function counted once per path) and listed;
functions without a frame record (libc, assembly) count 0 and are listed; exception stacking
(32 B on Cortex-M without FP context, 104 B with) is not included.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

INDIRECT = "__indirect_call"
_SU = re.compile(r"^(?P<loc>.*?):(?P<fn>[^:\s]+)\t(?P<bytes>\d+)\t(?P<kind>\S+)")
_NODE = re.compile(r'node:\s*\{\s*title:\s*"(?P<title>[^"]+)"\s*label:\s*"(?P<label>[^"]*)"')
_EDGE = re.compile(r'edge:\s*\{\s*sourcename:\s*"(?P<src>[^"]+)"\s*targetname:\s*"(?P<dst>[^"]+)"')
_BYTES = re.compile(r"(\d+) bytes \((\w+)")


@dataclass
class CallGraph:
    frames: dict = field(default_factory=dict)       # function -> frame bytes
    dynamic: set = field(default_factory=set)        # functions whose frame is dynamic
    edges: dict = field(default_factory=dict)        # caller -> set of callees (may include INDIRECT)
    unknown_frames: set = field(default_factory=set)  # called but never given a frame size
    names: dict = field(default_factory=dict)        # title -> function name

    def resolve(self, name: str, source: Path | None = None) -> str | None:
        """The node title of function `name` (defined in `source`, when it is static)."""
        if source is not None:
            for title, short in self.names.items():
                if short == name and title.endswith(f"{source.name}:{name}") and title in self.frames:
                    return title
        if name in self.frames:
            return name
        matches = [t for t, s in self.names.items() if s == name and t in self.frames]
        return matches[0] if len(matches) == 1 else None

    def callees(self, fn: str) -> set:
        return self.edges.get(fn, set())

    @property
    def dispatchers(self) -> set:
        """Functions that call through a pointer."""
        return {f for f, cs in self.edges.items() if INDIRECT in cs}


def parse(su_files: Iterable[Path], ci_files: Iterable[Path]) -> CallGraph:
    """Nodes are keyed by GCC's .ci titles: a plain name for external functions, "file:name" for
    static ones (so two static helpers of the same name stay apart). Frame sizes come from the .ci
    labels; the .su files add the dynamic/static kind and frames of units without a .ci."""
    g = CallGraph()
    su_kind: dict = {}
    su_frames: dict = {}
    for path in su_files:
        for line in Path(path).read_text(errors="replace").splitlines():
            m = _SU.match(line)
            if m:
                su_frames[m["fn"]] = max(su_frames.get(m["fn"], 0), int(m["bytes"]))
                if m["kind"].startswith("dynamic"):
                    su_kind[m["fn"]] = "dynamic"
    for path in ci_files:
        text = Path(path).read_text(errors="replace")
        for m in _NODE.finditer(text):
            title, label = m["title"], m["label"].replace("\\n", "\n")
            short = label.split("\n", 1)[0]
            g.names[title] = short
            b = _BYTES.search(label)
            if b:
                g.frames[title] = int(b.group(1))
                if b.group(2).startswith("dynamic"):
                    g.dynamic.add(title)
        for m in _EDGE.finditer(text):
            g.edges.setdefault(m["src"], set()).add(m["dst"])
    for fn, n in su_frames.items():  # units compiled without -fcallgraph-info
        if fn not in g.frames and not any(v == fn for v in g.names.values()):
            g.frames[fn] = n
            g.names[fn] = fn
            if su_kind.get(fn):
                g.dynamic.add(fn)
    called = {c for cs in g.edges.values() for c in cs} - {INDIRECT}
    g.unknown_frames = {c for c in called if c not in g.frames}
    return g


@dataclass(frozen=True)
class Depth:
    bytes: int
    path: tuple[str, ...]
    cut_recursion: tuple[str, ...] = ()


def deepest_below(g: CallGraph, fn: str, _memo: dict | None = None, _stack: tuple = ()) -> Depth:
    """The deepest direct-call path starting at `fn`, its own frame included."""
    memo = {} if _memo is None else _memo
    if fn in memo:
        return memo[fn]
    best = Depth(0, ())
    cut: list = []
    for c in sorted(g.callees(fn)):
        if c == INDIRECT:
            continue
        if c in _stack or c == fn:
            cut.append(c)
            continue
        d = deepest_below(g, c, memo, _stack + (fn,))
        cut += d.cut_recursion
        if d.bytes > best.bytes or (d.bytes == best.bytes and not best.path):
            best = d
    res = Depth(g.frames.get(fn, 0) + best.bytes, (fn,) + best.path, tuple(sorted(set(cut))))
    memo[fn] = res
    return res


def depth_to(g: CallGraph, entry: str, target: str) -> Depth | None:
    """The deepest direct-call path from `entry` down to `target`, both frames included
    (None if `target` is not reachable)."""
    memo: dict = {}

    def walk(fn: str, onpath: frozenset) -> Depth | None:
        if fn == target:
            return Depth(g.frames.get(fn, 0), (fn,))
        if fn in memo:
            return memo[fn]
        best = None
        for c in sorted(g.callees(fn)):
            if c == INDIRECT or c in onpath:
                continue
            d = walk(c, onpath | {c})
            if d is not None and (best is None or d.bytes > best.bytes):
                best = d
        res = Depth(g.frames.get(fn, 0) + best.bytes, (fn,) + best.path) if best else None
        memo[fn] = res
        return res

    return walk(entry, frozenset({entry}))


def through_kernel(g: CallGraph, entry: str, kernel_fn: str) -> Depth | None:
    """Deepest stack when `kernel_fn` is called through a pointer below `entry`: the deepest
    dispatch point reachable from `entry`, plus the deepest path under the kernel."""
    best = None
    for d in sorted(g.dispatchers):
        to = depth_to(g, entry, d)
        if to is None:
            continue
        below = deepest_below(g, kernel_fn)
        total = Depth(to.bytes + below.bytes, to.path + below.path, below.cut_recursion)
        if best is None or total.bytes > best.bytes:
            best = total
    return best
