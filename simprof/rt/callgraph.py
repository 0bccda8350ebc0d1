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


def deepest_below(g: CallGraph, fn: str, _memo: dict | None = None, _stack: tuple = (),
                  exclude: frozenset = frozenset()) -> Depth:
    """The deepest direct-call path starting at `fn`, its own frame included, not entering the
    functions in `exclude` (e.g. the error-reporting path)."""
    memo = {} if _memo is None else _memo
    if fn in memo:
        return memo[fn]
    best = Depth(0, ())
    cut: list = []
    for c in sorted(g.callees(fn)):
        if c == INDIRECT or g.names.get(c, c) in exclude:
            continue
        if c in _stack or c == fn:
            cut.append(c)
            continue
        d = deepest_below(g, c, memo, _stack + (fn,), exclude)
        cut += d.cut_recursion
        if d.bytes > best.bytes or (d.bytes == best.bytes and not best.path):
            best = d
    res = Depth(g.frames.get(fn, 0) + best.bytes, (fn,) + best.path, tuple(sorted(set(cut))))
    memo[fn] = res
    return res


def depth_to(g: CallGraph, entry: str, target: str, exclude: frozenset = frozenset()) -> Depth | None:
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
            if c == INDIRECT or c in onpath or g.names.get(c, c) in exclude:
                continue
            d = walk(c, onpath | {c})
            if d is not None and (best is None or d.bytes > best.bytes):
                best = d
        res = Depth(g.frames.get(fn, 0) + best.bytes, (fn,) + best.path) if best else None
        memo[fn] = res
        return res

    return walk(entry, frozenset({entry}))


def through_kernel(g: CallGraph, entry: str, kernel_fn: str, exclude: frozenset = frozenset()) -> Depth | None:
    """Deepest stack when `kernel_fn` is called through a pointer below `entry`: the deepest
    dispatch point reachable from `entry`, plus the deepest path under the kernel."""
    best = None
    for d in sorted(g.dispatchers):
        to = depth_to(g, entry, d, exclude)
        if to is None:
            continue
        below = deepest_below(g, kernel_fn, exclude=exclude)
        total = Depth(to.bytes + below.bytes, to.path + below.path, below.cut_recursion)
        if best is None or total.bytes > best.bytes:
            best = total
    return best


# --------------------------------------------------------------------------------------------
# Library code (libc, libgcc) has no .su/.ci records. Its frames are read from the Thumb machine
# code instead: the stack the prologue reserves (PUSH, SUB SP, VPUSH) and the BL/BLX/B.W targets
# it calls, followed transitively. Enough for the leaf-like helpers a kernel calls (memcpy,
# memset, __aeabi_ldivmod -> __udivmoddi4, ...).

def _thumb_prologue_and_calls(code: bytes, base: int) -> tuple[int, set]:
    """Stack reserved by `code` and the addresses it calls. Conservative: every SP-decrementing
    instruction anywhere in the function is summed (PUSH, PUSH.W/STMDB sp!, SUB SP, SUB.W SP,
    VPUSH, STR/STRD with SP pre-decrement), so functions whose paths push differently count more
    than any one path uses: an upper bound, which is what a stack budget needs."""
    frame = 0
    calls: set = set()
    i, n = 0, len(code) - 1
    while i < n:
        h1 = int.from_bytes(code[i:i + 2], "little")
        wide = (h1 >> 11) in (0b11101, 0b11110, 0b11111)
        if wide and i + 3 < len(code):
            h2 = int.from_bytes(code[i + 2:i + 4], "little")
            if h1 == 0xE92D:                                        # PUSH.W / STMDB sp!, {..}
                frame += 4 * bin(h2).count("1")
            elif (h1 & 0xFFBF) == 0xED2D:                           # VPUSH {d..}/{s..}
                frame += 4 * (h2 & 0xFF)
            elif (h1 & 0xFBEF) == 0xF1AD and (h2 & 0x8F00) == 0x0D00:  # SUB.W sp, sp, #imm (plain imm8)
                imm = ((h1 >> 10) & 1) << 11 | ((h2 >> 12) & 7) << 8 | (h2 & 0xFF)
                frame += imm if imm < 256 else 0
            elif h1 == 0xF84D and (h2 & 0x0F00) == 0x0D00:          # STR Rt, [sp, #-imm]!
                frame += h2 & 0xFF
            elif h1 == 0xE96D:                                      # STRD Rt, Rt2, [sp, #-imm]!
                frame += 4 * (h2 & 0xFF)
            elif ((h1 & 0xF800) == 0xF000 and (h2 & 0xC000) == 0xC000) or \
                    ((h1 & 0xF800) == 0xF000 and (h2 & 0xD000) == 0x9000):  # BL / BLX / B.W
                s = (h1 >> 10) & 1
                j1, j2 = (h2 >> 13) & 1, (h2 >> 11) & 1
                i1, i2 = 1 - (j1 ^ s), 1 - (j2 ^ s)
                imm = (s << 24) | (i1 << 23) | (i2 << 22) | ((h1 & 0x3FF) << 12) | ((h2 & 0x7FF) << 1)
                if s:
                    imm -= 1 << 25
                target = base + i + 4 + imm
                if (h2 & 0xD000) == 0xC000:                         # BLX: ARM state, word aligned
                    target &= ~3
                calls.add(target)
            i += 4
            continue
        if (h1 & 0xFE00) == 0xB400:                                 # PUSH {..}
            frame += 4 * (bin(h1 & 0xFF).count("1") + ((h1 >> 8) & 1))
        elif (h1 & 0xFF80) == 0xB080:                               # SUB sp, #imm7*4
            frame += 4 * (h1 & 0x7F)
        i += 2
    return frame, calls


def add_library_frames(g: CallGraph, elf_path: Path) -> set:
    """Give the functions without a frame record a frame and call edges decoded from the ELF;
    returns the names that were filled in."""
    from elftools.elf.elffile import ELFFile

    filled: set = set()
    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return filled
        by_name: dict = {}
        by_addr: dict = {}
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] == "STT_FUNC" and sym["st_value"]:
                by_name.setdefault(sym.name, (sym["st_value"] & ~1, sym["st_size"]))
                by_addr.setdefault(sym["st_value"] & ~1, sym.name)
        text = [(s["sh_addr"], s["sh_addr"] + s["sh_size"], s) for s in elf.iter_sections()
                if s["sh_flags"] & 0x4 and s["sh_type"] != "SHT_NOBITS"]   # SHF_EXECINSTR

        def code_of(addr: int, size: int) -> bytes | None:
            for lo, hi, sec in text:
                if lo <= addr < hi:
                    return sec.data()[addr - lo: min(addr - lo + size, hi - lo)]
            return None

        todo = sorted(g.unknown_frames)
        while todo:
            name = todo.pop()
            if name in g.frames or name not in by_name:
                continue
            addr, size = by_name[name]
            code = code_of(addr, size or 64)
            if code is None:
                continue
            frame, targets = _thumb_prologue_and_calls(code, addr)
            g.frames[name] = frame
            g.names.setdefault(name, name)
            filled.add(name)
            for t in targets:
                callee = by_addr.get(t)
                if callee and callee != name:
                    g.edges.setdefault(name, set()).add(callee)
                    if callee not in g.frames:
                        todo.append(callee)
    called = {c for cs in g.edges.values() for c in cs} - {INDIRECT}
    g.unknown_frames = {c for c in called if c not in g.frames}
    return filled
