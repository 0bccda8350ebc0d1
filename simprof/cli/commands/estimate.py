"""`simprof estimate`: peak RAM of a .tflite model, predicted statically (no emulator).

    simprof estimate model.tflite --platform ID [--runtime tflm|simprof-rt] [--abi arm-eabi|lp64]
                     [--kernels reference|cmsis-nn] [--json OUT] [--baseline NAME|all]
                     [--budget SIZE] [--margin AMOUNT]      (exit 3 when over budget)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import _budget

NAME = "estimate"
HELP = "predict the RAM a .tflite model needs (arena head/tail, setup minimum, stack, static), per operator"

BASELINE_CHOICES = ("unas", "mcunet", "tinyengine", "tensorscope", "mcufit", "tflm", "all")
SHARED = ("json", "kernels", "budget")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help=".tflite model file")
    parser.add_argument("--platform", default="generic",
                        help="platform id (stack/static RAM come from its calibration file; default: generic)")
    parser.add_argument("--runtime", choices=("tflm", "simprof-rt"), default="tflm",
                        help="runtime whose arena is predicted (default tflm)")
    parser.add_argument("--abi", choices=("arm-eabi", "lp64"), default="arm-eabi",
                        help="arm-eabi: Cortex-M (default); lp64: the x86-64 tflite-micro wheel")
    parser.add_argument("--baseline", choices=BASELINE_CHOICES,
                        help="print a published estimator's figure instead (all: every one, with ours)")


def run(args: argparse.Namespace) -> int:
    from simprof.core.outputs import write_json_atomic
    from simprof.flows.estimate import estimate_model
    from simprof.model.reader import read_model

    if args.baseline and (args.budget is not None or args.margin is not None):
        from simprof.core.errors import UsageError
        raise UsageError("--budget/--margin gate simprof's estimate, not --baseline figures", fix="drop one of them")
    graph = read_model(args.model)
    if args.baseline:
        return _baselines(graph, args)
    e = estimate_model(graph, args.platform, runtime=args.runtime, abi=args.abi, kernels=args.kernels)
    if args.json:
        write_json_atomic(args.json, e.to_json())
    _print(e, args.model.name)
    _budget.apply(e, args.platform, args.budget, args.margin)
    return 0


def _fmt(v, unit: str = "") -> str:
    return "unknown" if v is None else f"{v:,}{unit}"


def _print(e, name: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{name}: {e.runtime}, {e.abi}, {e.kernels} kernels, platform {e.platform}")
    for col in ("#", "op", "head B", "live B", "scratch B", "tail B", "stack B", "total B"):
        table.add_column(col, justify="right" if col not in ("op",) else "left")
    for i, o in enumerate(e.operators):
        mark = " *" if i == e.peak_operator else ""
        label = f"{o.subgraph}:{o.index}" if o.subgraph else str(o.index)
        table.add_row(label + mark, o.opcode, _fmt(o.arena_head_bytes), _fmt(o.live_bytes),
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
        console.print(f"[yellow]unknown:[/yellow] {u}")
    for n in e.notes:
        console.print(f"note: {n}")


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
