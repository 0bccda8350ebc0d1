"""Regenerate a platform's calibration file (stack per kernel path, static RAM) from the
simprof-rt image for that platform. The file records the command, toolchain, git commit and the
image's build hash that made it. CLI: `simprof calibrate` (simprof/cli/commands/calibrate.py).

    python -m simprof.estimator.calibrate --platform stm32f4 [--static-only] [--allow-dirty]
    python -m simprof.estimator.calibrate --platform stm32f4 --build-dir DIR   # an existing build

Measured (default): the op-models painted under QEMU, see calibrate_measure.py; the estimator uses
these while the image's hash matches. Static bound (kept beside): GCC's -fstack-usage /
-fcallgraph-info=su output (see callgraph.py); for each operator type, the deepest path from the
reset handler through main and srt_invoke to the dispatch point, plus the deepest path under the
kernel's eval function (and likewise through srt_setup for its prepare function, which gives
stack_setup_bytes). Static RAM: .data + .bss + .noinit of the ELF, minus the tensor arena.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

from simprof.errors import BuildError, SimprofError, UsageError

from . import callgraph as cg
from .abi import KERNEL_LIBS
from .stack import CALIBRATION_DIR, SCHEMA_VERSION

log = logging.getLogger(__name__)

FIRMWARE_DIR = Path(__file__).resolve().parent.parent / "firmware"
# the simprof-rt application entry, whichever the firmware tree provides
APP_MAIN_CANDIDATES = ("app/main.c", "board/srt_main.c", "target/main.c", "runtime/target_main.c")
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


def _app_main() -> Path:
    for rel in APP_MAIN_CANDIDATES:
        p = FIRMWARE_DIR / rel
        if p.is_file():
            return p
    raise BuildError("no simprof-rt firmware entry (main) in firmware/",
                     fix=f"add one of {', '.join(APP_MAIN_CANDIDATES)}, or pass --build-dir of an existing build")


def _git_head() -> str:
    """HEAD, with "+dirty" when firmware/ has uncommitted changes (the build used them)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=FIRMWARE_DIR, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], capture_output=True, text=True,
                               cwd=FIRMWARE_DIR, timeout=10).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def firmware_dirty() -> bool:
    return _git_head().endswith("+dirty")


def generate(platform_id: str, kernels: str = "reference", build_dir: Path | None = None,
             out_dir: Path | None = None, main: Path | None = None, measure: bool = True,
             allow_dirty: bool = False, models: list[str] | None = None, command: str | None = None) -> Path:
    """Write <out_dir>/<platform>.json: static analysis of the platform's simprof-rt image and
    (measure=True) the stack painted under QEMU on the calibration op-models (calibrate_measure.py).
    Refuses a dirty firmware tree unless allow_dirty (the provenance then says "+dirty")."""
    from simprof.outputs import write_json_atomic
    if kernels not in KERNEL_LIBS:
        raise UsageError(f"unknown kernel set {kernels!r}", fix=f"use one of {', '.join(KERNEL_LIBS)}")
    git = _git_head()
    if git.endswith("+dirty") and not allow_dirty and build_dir is None:
        raise BuildError("firmware/ has uncommitted changes: a calibration must come from committed sources",
                         fix="commit the firmware first, or pass --allow-dirty (the file is then marked +dirty)")
    source_dirs = [FIRMWARE_DIR / "runtime", FIRMWARE_DIR / "kernels"]
    if kernels == "cmsis-nn":
        source_dirs.append(FIRMWARE_DIR / "kernels_cmsis_nn")
    fw_hash, measured, skipped = None, None, {}
    if build_dir is not None:
        build_dir = Path(build_dir)
        su, ci = sorted(build_dir.glob("*.su")), sorted(build_dir.glob("*.ci"))
        elf = next(iter(sorted(build_dir.glob("*.elf"))), None)
        toolchain = "as built"
    else:
        from simprof.platforms import load
        from simprof.sim.build import build_firmware, compiler, compiler_version
        platform = load(platform_id)
        if main:
            sources = sorted(p for d in source_dirs for p in d.glob("*.c")) + [Path(main)]
            fw = build_firmware(platform, sources, include_dirs=source_dirs, name="simprof-rt-entry")
        else:
            from simprof.sim.runtime import firmware_for  # the image simprof measures models with
            fw = firmware_for(platform, kernels=kernels)
            source_dirs.append(FIRMWARE_DIR / "app")
        su, ci, elf = list(fw.stack_usage), list(fw.callgraph), fw.elf
        toolchain = compiler_version(compiler())
        fw_hash = fw.hash
        if measure and not main:
            from .calibrate_measure import derive, measure_runs
            runs, skipped = measure_runs(platform, fw, models, kernels)
            measured = dict(firmware_hash=fw.hash, **derive(runs, static_bytes(elf)))
    if not su or not ci:
        raise BuildError("the build has no .su/.ci files", fix="compile with -fstack-usage -fcallgraph-info=su")
    result = analyse(su, ci, source_dirs, elf=elf)
    notes = dict(result["notes"])
    if measured:
        # static bound per op type minus the deepest painted kernel of that type (>= 0 expected)
        by_op: dict = {}
        for key, v in measured["stack_by_kernel"].items():
            op = key.split("/")[0]
            by_op[op] = max(by_op.get(op, 0), v)
        notes["static_minus_measured"] = {op: result["stack_bytes"][op] - v for op, v in sorted(by_op.items())
                                          if op in result["stack_bytes"]}
        notes["static_setup_minus_measured"] = (result["stack_setup_bytes"] or 0) - measured["setup_by_depth"].get("0", 0)
        notes["calibration_models_not_run"] = skipped
    data = {
        "schema_version": SCHEMA_VERSION, "platform": platform_id, "runtime": "simprof-rt", "kernels": kernels,
        "provenance": {
            "command": command or (f"simprof calibrate --platform {platform_id} --kernels {kernels}"
                                   + (f" --build-dir {build_dir}" if build_dir else "")
                                   + (f" --main {main}" if main else "") + ("" if measure else " --static-only")),
            "entry": str(main) if main else (None if build_dir else "firmware/app/main.c (sim.runtime.firmware_for)"),
            "method": "static: gcc -fstack-usage -fcallgraph-info=su, deepest path main -> srt_invoke -> dispatch "
                      "-> kernel; measured: painted stack under QEMU on the corpus op-models (per-operator markers "
                      "+ a setup-only run), see estimator/calibrate_measure.py",
            "calibration_models": "simprof.corpus.opmodels" if measured else None,
            "toolchain": toolchain, "git": git, "firmware_hash": fw_hash,
            "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "static_bytes": static_bytes(elf) if elf else None,
        "stack_setup_bytes": result["stack_setup_bytes"],
        "stack_bytes": result["stack_bytes"],
        "stack_bytes_without_error_path": result["stack_bytes_without_error_path"],
        # control-flow ops: stack = own + nest + max over the called subgraph's ops of (stack - dispatch)
        "subgraph_ops": result["subgraph_ops"],
        "measured": measured,
        "notes": notes,
    }
    out = Path(out_dir or CALIBRATION_DIR) / f"{platform_id}.json"
    write_json_atomic(out, merge_kernel_set(out, data))
    return out


def merge_kernel_set(path: Path, data: dict) -> dict:
    """One file per platform: the reference image's calibration at the top level, every other
    kernel set's under "kernel_sets" (regenerating one keeps the others)."""
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        old = {}
    sets = dict(old.get("kernel_sets", {})) if old.get("platform") == data["platform"] else {}
    if data["kernels"] == "reference":
        return {**data, "kernel_sets": sets} if sets else data
    sets[data["kernels"]] = {k: v for k, v in data.items() if k not in ("schema_version", "platform")}
    base = {k: v for k, v in old.items() if k != "kernel_sets"} if old.get("platform") == data["platform"] else {
        "schema_version": data["schema_version"], "platform": data["platform"], "runtime": data["runtime"],
        "kernels": "reference", "provenance": {"command": "none: only other kernel sets are calibrated"}}
    return {**base, "kernel_sets": sets}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simprof.estimator.calibrate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--platform", required=True)
    ap.add_argument("--kernels", default="reference", choices=KERNEL_LIBS)
    ap.add_argument("--build-dir", type=Path, help="analyse an existing build (.su, .ci, .elf) instead")
    ap.add_argument("--out-dir", type=Path, help=f"default {CALIBRATION_DIR}")
    ap.add_argument("--main", type=Path, help="the simprof-rt firmware entry (default: found in firmware/)")
    ap.add_argument("--static-only", action="store_true", help="no QEMU measurements (static analysis only)")
    ap.add_argument("--allow-dirty", action="store_true", help="calibrate from uncommitted firmware (marked +dirty)")
    args = ap.parse_args(argv)
    try:
        print(generate(args.platform, args.kernels, args.build_dir, args.out_dir, args.main,
                       not args.static_only, args.allow_dirty))
    except SimprofError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
