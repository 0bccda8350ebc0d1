"""Static stack analysis of a simprof-rt image: GCC's -fstack-usage / -fcallgraph-info=su output
(callgraph.py) walked per operator. For each operator type, the deepest path from the reset
handler through main and srt_invoke to the dispatch point, plus the deepest path under the
kernel's eval function (and likewise through srt_setup for its prepare function, which gives the
setup stack). Static RAM: .data + .bss + .noinit of the ELF, minus the tensor arena.

These are upper bounds; `simprof calibrate` records them beside the painted figures
(simprof.rt.calibration), which the estimator prefers.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from simprof.rt import callgraph as cg

log = logging.getLogger(__name__)

_OP_DEF = re.compile(r"const\s+srt_op\s+(\w+)\s*=\s*\{(?P<body>.*?)\};", re.S)
_NAME = re.compile(r'"([A-Z0-9_]+)"')


def op_entry_points(source_dirs, g) -> dict:
    """Map each operator name to the call-graph nodes of its prepare/eval functions, from the
    `const srt_op x = {...}` registrations (designated or positional initializers)."""
    ops: dict = {}
    for d in source_dirs:
        for src in sorted(Path(d).glob("*.c")):
            for m in _OP_DEF.finditer(src.read_text(errors="replace")):
                if not m.group(1).startswith("srt_op_"):
                    continue  # a macro template (`const srt_op var = {...}`), resolved from the ELF
                body = m["body"]
                name = _NAME.search(body)
                if not name:
                    continue
                idents = [i for i in re.findall(r"\b[A-Za-z_]\w*\b", body) if g.resolve(i, src)]
                ev = re.search(r"\.eval\s*=\s*(\w+)", body)
                pr = re.search(r"\.prepare\s*=\s*(\w+)", body)
                eval_fn = ev.group(1) if ev else (idents[-1] if idents else None)
                prep_fn = pr.group(1) if pr else (idents[-2] if len(idents) >= 2 else None)
                ops[name.group(1)] = {"prepare": g.resolve(prep_fn, src) if prep_fn else None,
                                      "eval": g.resolve(eval_fn, src) if eval_fn else None}
    return ops


def op_entry_points_from_elf(elf_path: Path, g) -> dict:
    """Map each operator name to its prepare/eval call-graph nodes by reading the `srt_op_*`
    registration objects in the ELF (robust to macros that generate them): in each object, the
    words equal to a function's address (Thumb bit cleared) are its function pointers; the last is
    `eval`, the one just before it `prepare` (srt_kernel.h field order); the `name` pointer is the
    word that points to an upper-case string."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        symtab = elf.get_section_by_name(".symtab")
        if not isinstance(symtab, SymbolTableSection):
            return {}
        funcs: dict = {}
        objects = []
        current_file = None
        for sym in symtab.iter_symbols():
            kind = sym["st_info"]["type"]
            if kind == "STT_FILE":
                current_file = sym.name
            elif kind == "STT_FUNC" and sym["st_value"]:
                local = sym["st_info"]["bind"] == "STB_LOCAL"
                funcs[sym["st_value"] & ~1] = (sym.name, current_file if local else None)
            elif kind == "STT_OBJECT" and sym.name.startswith("srt_op_") and sym["st_size"] >= 8:
                objects.append((sym["st_value"], sym["st_size"]))

        def read(addr: int, size: int, partial: bool = False) -> bytes | None:
            """`size` bytes at `addr` (fewer, up to the section end, when `partial`)."""
            for sec in elf.iter_sections():
                start, end = sec["sh_addr"], sec["sh_addr"] + sec["sh_size"]
                if sec["sh_type"] == "SHT_NOBITS" or not start or not start <= addr < end:
                    continue
                if addr + size > end and not partial:
                    return None
                return sec.data()[addr - start: min(addr - start + size, end - start)]
            return None

        ops: dict = {}
        for addr, size in objects:
            raw = read(addr, size)
            if raw is None:
                continue
            words = [(off, int.from_bytes(raw[off:off + 4], "little")) for off in range(0, size - 3, 4)]
            fptrs = [(off, funcs[w & ~1]) for off, w in words if w and (w & ~1) in funcs]
            name = None
            for _, w in words:
                text = read(w, 32, partial=True) if w else None
                if text and b"\0" in text:
                    cand = text.split(b"\0", 1)[0]
                    if cand and re.fullmatch(rb"[A-Z][A-Z0-9_]*", cand):
                        name = cand.decode()
                        break
            if not name or not fptrs:
                continue

            def node(entry):
                fn, src = entry
                return g.resolve(fn, Path(src) if src else None)

            eval_off, eval_fn = fptrs[-1]
            prep = next((f for off, f in fptrs if off == eval_off - 4), None)
            parse = next((f for off, f in fptrs if off < eval_off - 4), None)
            ops[name] = {"eval": node(eval_fn), "prepare": node(prep) if prep else None,
                         "parse": node(parse) if parse else None}
        return ops


# simprof-rt's error-reporting path (message formatting): taken only when a kernel fails
ERROR_PATH = frozenset({"srt_fail", "srt_arena_error"})


def _through(g, root: str, entry: str, fn: str | None, exclude: frozenset = frozenset()) -> int | None:
    if fn is None:
        return 0
    below = cg.through_kernel(g, entry, fn, exclude)
    if below is None:
        return None
    pre = cg.depth_to(g, root, entry, exclude) if root in g.frames else None
    extra = pre.bytes - g.frames.get(entry, 0) if pre else 0
    return extra + below.bytes


def analyse(su_files, ci_files, source_dirs, root: str = "Reset_Handler",
            invoke_entry: str = "srt_invoke", setup_entry: str = "srt_setup", elf: Path | None = None) -> dict:
    g = cg.parse(su_files, ci_files)
    library = cg.add_library_frames(g, elf) if elf is not None else set()
    ops = op_entry_points(source_dirs, g)
    if elf is not None:
        ops.update(op_entry_points_from_elf(elf, g))
    stack: dict = {}
    normal: dict = {}
    setup = 0
    for name, fns in sorted(ops.items()):
        inv = _through(g, root, invoke_entry, fns["eval"])
        if inv is not None:
            stack[name] = inv
            normal[name] = _through(g, root, invoke_entry, fns["eval"], ERROR_PATH)
        for phase in ("prepare", "parse"):
            prep = _through(g, root, setup_entry, fns.get(phase))
            if prep is not None:
                setup = max(setup, prep)
    # everything the program reaches by direct calls (planning, reporting, ...), from the reset
    # handler: the floor of the whole run's stack, outside any kernel
    per_level = 0
    if root in g.frames:
        direct = cg.deepest_below(g, root)
        setup = max(setup, direct.bytes)
        # recursion the walk had to cut (e.g. marking lifetimes into nested subgraphs): one more
        # frame of each per level of subgraph nesting; the estimator multiplies by the model's depth
        per_level = sum(g.frames.get(f, 0) for f in direct.cut_recursion)
    nested = _nest_control_flow(g, ops, stack, normal, root, invoke_entry)
    nested["setup_per_nesting_level"] = per_level
    return {"stack_bytes": stack, "stack_bytes_without_error_path": normal, "stack_setup_bytes": setup or None,
            "subgraph_ops": nested,
            "notes": {"dynamic_frames": sorted(g.dynamic), "no_frame_info": sorted(g.unknown_frames),
                      "frames_from_machine_code": sorted(library),
                      "excluded": "exception stacking (32 B, 104 B with FP context)"}}


def _nest_control_flow(g, ops: dict, stack: dict, normal: dict, root: str, invoke_entry: str) -> dict:
    """Operators whose eval runs a subgraph (CALL_ONCE, IF, WHILE) reach a dispatcher again. For the
    model-agnostic figure, add the path from their eval to that dispatcher plus the deepest kernel
    of all below it (one level). For the estimator, which knows the subgraph, record the parts:
    `own` (the op without the nested run), `nest` (eval -> dispatcher) and `dispatch` (the depth
    every kernel's figure includes above its eval), so that
    stack(op) = own + nest + max over the subgraph's ops of (stack(x) - dispatch)."""
    parts: dict = {"own": {}, "nest": {}, "dispatch": None}
    pre = cg.depth_to(g, root, invoke_entry) if root in g.frames else None
    base = (pre.bytes - g.frames.get(invoke_entry, 0)) if pre else 0
    disp = [cg.depth_to(g, invoke_entry, d) for d in sorted(g.dispatchers)]
    disp = [d.bytes for d in disp if d is not None]
    if disp:
        parts["dispatch"] = base + max(disp)
    for name, fns in ops.items():
        ev = fns["eval"]
        if ev is None or name not in stack:
            continue
        for table, excl in ((stack, frozenset()), (normal, ERROR_PATH)):
            best = 0
            for d in g.dispatchers:
                to = cg.depth_to(g, ev, d, excl)
                if to is None:
                    continue
                inner = max((cg.deepest_below(g, o["eval"], exclude=excl).bytes
                             for n, o in ops.items() if o["eval"] and n != name), default=0)
                best = max(best, to.bytes - g.frames.get(ev, 0) + inner)
                if not excl:
                    parts["nest"][name] = max(parts["nest"].get(name, 0), to.bytes - g.frames.get(ev, 0))
            if best:
                if not excl:
                    parts["own"][name] = table[name]
                table[name] = table[name] + best
    return parts


def static_bytes(elf_path: Path) -> int:
    from simprof.sim.elf import read_elf
    info = read_elf(elf_path)
    ram = sum(s.size for s in info.sections if s.name in (".data", ".bss", ".noinit"))
    start, end = info.address("tensor_arena"), info.address("__tensor_arena_end")
    arena = (end - start) if start is not None and end is not None else 0
    return ram - arena


