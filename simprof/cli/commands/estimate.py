"""`simprof estimate`: peak RAM of a .tflite model, predicted statically (no emulator).

    simprof estimate model.tflite --platform ID [--runtime tflm|simprof-rt] [--abi arm-eabi|lp64]
                     [--kernels reference|cmsis-nn|all] [--calibration NAME|FILE] [--json OUT]
                     [--baseline NAME|all] [--budget SIZE] [--margin AMOUNT]      (exit 3 when over budget)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simprof.core.kernels import DEFAULT_KERNELS, KERNEL_SETS

from . import _budget

NAME = "estimate"
HELP = "predict the RAM a .tflite model needs (arena head/tail, setup minimum, stack, static), per operator"

BASELINE_CHOICES = ("unas", "mcunet", "tinyengine", "tensorscope", "mcufit", "tflm", "all")
SHARED = ("json", "budget")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help=".tflite model file")
    parser.add_argument("--platform", default="generic",
                        help="platform id (stack/static RAM come from its calibration file; default: generic)")
    parser.add_argument("--runtime", choices=("tflm", "simprof-rt"), default="tflm",
                        help="runtime whose arena is predicted (default tflm)")
    parser.add_argument("--abi", choices=("arm-eabi", "lp64"), default="arm-eabi",
                        help="arm-eabi: Cortex-M (default); lp64: the x86-64 tflite-micro wheel")
    # --kernels is the shared option plus "all": both kernel sets side by side
    parser.add_argument("--kernels", choices=KERNEL_SETS + ("all",), default=DEFAULT_KERNELS,
                        help="kernel set whose scratch buffers, op data and stack count; all: both side by "
                             f"side, what CMSIS-NN costs or saves (default {DEFAULT_KERNELS})")
    parser.add_argument("--calibration", metavar="NAME|FILE",
                        help="stack and static RAM of your own firmware, from `simprof calibrate --elf` "
                             "(a name in the user calibration directory, or a .json file)")
    parser.add_argument("--baseline", choices=BASELINE_CHOICES,
                        help="print a published estimator's figure instead (all: every one, with ours)")


def run(args: argparse.Namespace) -> int:
    from simprof.core.outputs import check_output, write_json_atomic
    from simprof.flows.estimate import estimate_model
    from simprof.model.reader import read_model

    if args.json:
        check_output(args.json, inputs=[args.model], what="--json file")
    if args.baseline and (args.budget is not None or args.margin is not None):
        from simprof.core.errors import UsageError
        raise UsageError("--budget/--margin gate simprof's estimate, not --baseline figures", fix="drop one of them")
    graph = read_model(args.model)
    if args.kernels == "all":
        if args.baseline or args.budget is not None or args.margin is not None:
            from simprof.core.errors import UsageError
            raise UsageError("--kernels all compares simprof's two estimates; baselines and the budget gate take one kernel set",
                             fix="drop --baseline/--budget, or pick --kernels reference or cmsis-nn")
        return _both_kernel_sets(graph, args)
    if args.baseline:
        return _baselines(graph, args)
    e = estimate_model(graph, args.platform, runtime=args.runtime, abi=args.abi, kernels=args.kernels,
                       calibration=args.calibration)
    if args.json:
        write_json_atomic(args.json, e.to_json())
    _print(e, args.model.name)
    _budget.apply(e, args.platform, args.budget, args.margin)
    return 0


def _fmt(v, unit: str = "") -> str:
    return "unknown" if v is None else f"{v:,}{unit}"


def _print(e, name: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Names come from the model and the file system: printed as text, never read as rich markup.
    console = Console()
    table = Table(title=escape(f"{name}: {e.runtime}, {e.abi}, {e.kernels} kernels, platform {e.platform}"))
    for col in ("#", "op", "head B", "live B", "scratch B", "tail B", "stack B", "total B"):
        table.add_column(col, justify="right" if col not in ("op",) else "left")
    for i, o in enumerate(e.operators):
        mark = " *" if i == e.peak_operator else ""
        label = f"{o.subgraph}:{o.index}" if o.subgraph else str(o.index)
        table.add_row(label + mark, escape(o.opcode), _fmt(o.arena_head_bytes), _fmt(o.live_bytes),
                      _fmt(o.scratch_bytes), _fmt(o.arena_tail_bytes), _fmt(o.stack_bytes), _fmt(o.total_bytes))
    console.print(table)
    console.print(f"arena: head {_fmt(e.arena_head_bytes)} + tail {_fmt(e.arena_tail_bytes)} = "
                  f"{_fmt(e.arena_bytes)} B (TFLM arena_used_bytes() prints {_fmt(e.tflm_arena_used_bytes)})")
    if e.arena_head_painted_bytes != e.arena_head_bytes:
        console.print(f"painted head after setup: {_fmt(e.arena_head_painted_bytes)} B (setup temporaries "
                      "above the planned head; what fill-and-read measures)")
    console.print(f"minimum arena for setup: {_fmt(e.arena_min_bytes)} B (set by: {e.arena_min_stage}); "
                  f"add up to {e.arena_start_align_bytes} B if the arena start is not 16-aligned")
    console.print(f"stack {_fmt(e.stack_bytes, ' B')}, static {_fmt(e.static_bytes, ' B')}, "
                  f"heap {_fmt(e.heap_bytes, ' B')}, total {_fmt(e.total_bytes, ' B')}")
    for u in e.unknowns:
        console.print(f"[yellow]unknown:[/yellow] {escape(u)}")
    for n in e.notes:
        console.print(f"note: {escape(n)}")


def _baselines(graph, args) -> int:
    from simprof.estimator.baselines import NAMES, run_baseline

    names = NAMES if args.baseline == "all" else (args.baseline,)
    rows = [run_baseline(n, graph, abi=args.abi, runtime=args.runtime, kernels=args.kernels) for n in names]
    if args.json:
        from simprof.core.outputs import write_json_atomic
        write_json_atomic(args.json, [{"name": r.name, "bytes": r.bytes, "source": r.source,
                                       "assumptions": r.assumptions, "detail": r.detail} for r in rows])
    for r in rows:
        sys.stdout.write(f"{r.name:12s} {r.bytes:>10,} B   {r.assumptions}\n")
    if args.baseline == "all":
        from simprof.flows.estimate import estimate_model
        e = estimate_model(graph, args.platform, runtime=args.runtime, abi=args.abi, kernels=args.kernels)
        sys.stdout.write(f"{'simprof':12s} {e.arena_min_bytes:>10,} B   minimum arena (head + tail + setup "
                         f"transient), {e.abi}\n")
    return 0



def _both_kernel_sets(graph, args) -> int:
    """One estimate per kernel set, side by side, with the difference CMSIS-NN makes."""
    from simprof.core.outputs import write_json_atomic
    from simprof.flows.estimate import estimate_model

    ests = {k: estimate_model(graph, args.platform, runtime=args.runtime, abi=args.abi, kernels=k,
                              calibration=args.calibration)
            for k in KERNEL_SETS}
    if args.json:
        write_json_atomic(args.json, {k: e.to_json() for k, e in ests.items()})
    _print_side_by_side(ests, args.model.name)
    return 0


def _diff(a, b) -> str:
    if a is None or b is None:
        return "unknown"
    return f"{b - a:+,}"


def _print_side_by_side(ests: dict, name: str) -> None:
    from rich.console import Console
    from rich.table import Table

    ref, cm = ests["reference"], ests["cmsis-nn"]
    console = Console()
    table = Table(title=f"{name}: {ref.runtime}, {ref.abi}, platform {ref.platform}: reference vs CMSIS-NN kernels")
    for col in ("RAM", "reference B", "cmsis-nn B", "cmsis-nn - reference"):
        table.add_column(col, justify="left" if col == "RAM" else "right")
    for label, key in (("arena head", "arena_head_bytes"), ("arena tail", "arena_tail_bytes"),
                       ("arena (head + tail)", "arena_bytes"), ("minimum arena", "arena_min_bytes"),
                       ("stack", "stack_bytes"), ("static", "static_bytes"), ("total", "total_bytes")):
        a, b = getattr(ref, key), getattr(cm, key)
        table.add_row(label, _fmt(a), _fmt(b), _diff(a, b))
    console.print(table)
    ops = Table(title="per operator: scratch / tail added / stack (reference -> cmsis-nn)")
    for col in ("#", "op", "scratch B", "tail added B", "stack B"):
        ops.add_column(col, justify="left" if col == "op" else "right")
    for a, b in zip(ref.operators, cm.operators):
        label = f"{a.subgraph}:{a.index}" if a.subgraph else str(a.index)
        ops.add_row(label, a.opcode, f"{_fmt(a.scratch_bytes)} -> {_fmt(b.scratch_bytes)}",
                    f"{_fmt(a.op_tail_bytes)} -> {_fmt(b.op_tail_bytes)}",
                    f"{_fmt(a.stack_bytes)} -> {_fmt(b.stack_bytes)}")
    console.print(ops)
    for k, e in ests.items():
        for u in e.unknowns:
            console.print(f"[yellow]unknown ({k}):[/yellow] {u}")
        for n in e.notes:
            console.print(f"note ({k}): {n}")
