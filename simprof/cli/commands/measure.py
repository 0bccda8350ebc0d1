"""`simprof measure`: stack, arena, heap and static RAM of a firmware ELF, measured under QEMU by
fill-and-read through the gdb stub (docs/measurement.md).

    simprof measure --elf app.elf --platform ID [--json OUT] [--timeout S] [--stop SYMBOL]
                    [--stack-top SYMBOL] [--stack-bottom SYMBOL | --stack-size N]
                    [--arena SYMBOL] [--arena-size N] [--heap-start SYMBOL --heap-end SYMBOL]
                    [--no-operators] [--sequential] [--island-gap N] [--allow-nonzero-exit]
"""
from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import replace
from pathlib import Path

from simprof.errors import UsageError

NAME = "measure"
HELP = "measure the peak RAM (stack, arena, heap, static) of a firmware ELF under QEMU"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", type=Path,
                        help="a .tflite model (run on the simprof-rt firmware), or a firmware ELF")
    parser.add_argument("--elf", type=Path, help="firmware ELF to measure (your own TFLM application)")
    parser.add_argument("--platform", required=True, help="platform id (`simprof platforms` lists them)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the measurement as JSON")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help="wall-clock seconds each run may take to reach the stop symbol (default 30)")
    parser.add_argument("--stop", metavar="SYMBOL", help="function whose entry ends the run (default: exit)")
    parser.add_argument("--stack-top", metavar="SYMBOL", help="symbol at the top of the stack "
                        "(default: __StackTop/_estack/..., else the initial SP)")
    parser.add_argument("--stack-bottom", metavar="SYMBOL", help="symbol at the lowest stack byte "
                        "(default: __StackLimit/_sstack/...)")
    parser.add_argument("--stack-size", type=int, metavar="N", help="stack region size when there is no "
                        "bottom symbol")
    parser.add_argument("--arena", metavar="SYMBOL", help="tensor arena symbol (default: tensor_arena)")
    parser.add_argument("--arena-size", type=int, metavar="N", help="arena size when the symbol has none")
    parser.add_argument("--heap-start", metavar="SYMBOL", help="heap start symbol (default: __HeapBase/...)")
    parser.add_argument("--heap-end", metavar="SYMBOL", help="heap end symbol (default: __HeapLimit/...)")
    parser.add_argument("--no-operators", action="store_true",
                        help="do not break on simprof_op_begin/end (no per-operator marks)")
    parser.add_argument("--sequential", action="store_true",
                        help="run the two paint patterns one after the other instead of concurrently")
    parser.add_argument("--island-gap", type=int, default=None, metavar="N",
                        help="unwritten bytes that separate arena blocks (default 256)")
    parser.add_argument("--allow-nonzero-exit", action="store_true",
                        help="report the marks even when the firmware exits with a non-zero status")


def _conventions(args: argparse.Namespace):
    from simprof.sim.layout import SymbolConventions

    conv = SymbolConventions()
    overrides = {}
    for flag, field in (("stop", "stop"), ("stack_top", "stack_top"), ("stack_bottom", "stack_bottom"),
                        ("arena", "arena"), ("heap_start", "heap_start"), ("heap_end", "heap_end")):
        value = getattr(args, flag)
        if value:
            overrides[field] = (value,)
    if args.arena:
        overrides["arena_required"] = True
    if args.stack_size is not None:
        overrides["stack_size"] = args.stack_size
        if not args.stack_bottom:
            overrides["stack_bottom"] = ()
    if args.arena_size is not None:
        overrides["arena_size"] = args.arena_size
    return replace(conv, **overrides)


def run(args: argparse.Namespace) -> int:
    from simprof.outputs import write_json_atomic
    from simprof.platforms import load
    from simprof.sim import paint
    from simprof.sim.measure import measure_elf

    for name in ("stack_size", "arena_size", "island_gap"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive", fix="give a byte count > 0")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive", fix="give seconds > 0")
    platform = load(args.platform)
    if args.elf is None and args.model is not None and _is_elf(args.model):
        args.elf, args.model = args.model, None     # `simprof measure app.elf` means --elf app.elf
    if args.elf is None:
        if args.model is None:
            raise UsageError("nothing to measure", fix="pass --elf FILE (or a .tflite model)")
        return _measure_model(args, platform)
    if args.model is not None:
        raise UsageError("give either a model or --elf, not both", fix="drop one of them")
    m = measure_elf(args.elf, platform, symbols=_conventions(args), timeout_s=args.timeout,
                    per_operator=not args.no_operators, parallel=not args.sequential,
                    island_gap=args.island_gap or paint.DEFAULT_ISLAND_GAP,
                    check_exit=not args.allow_nonzero_exit)
    if args.json:
        write_json_atomic(args.json, m.to_json())
    print_measurement(m)
    return 0


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def _measure_model(args: argparse.Namespace, platform) -> int:
    """A .tflite is measured by the simprof-rt firmware, provided by `simprof.api.measure_model`."""
    try:
        api = importlib.import_module("simprof.api")
        measure_model = getattr(api, "measure_model")
    except (ImportError, AttributeError):
        raise UsageError("measuring a .tflite model needs the simprof-rt firmware, which this build lacks",
                         fix="pass --elf FILE to measure a firmware you built") from None
    from simprof.outputs import write_json_atomic

    m = measure_model(args.model, platform, timeout_s=args.timeout, per_operator=not args.no_operators)
    if args.json:
        write_json_atomic(args.json, m.to_json())
    print_measurement(m)
    return 0


def print_measurement(m) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 120)
    table = Table(title=f"{Path(m.elf).name} on {m.platform} ({m.emulator})")
    table.add_column("RAM")
    table.add_column("bytes", justify="right")
    table.add_column("of region", justify="right")
    table.add_row("static (.data+.bss+.noinit - arena)", f"{m.static_bytes:,}", "")
    table.add_row("stack", f"{m.stack_bytes:,}", f"{m.stack_region_bytes:,}")
    table.add_row("arena head", f"{m.arena_head_bytes:,}", f"{m.arena_size:,}")
    table.add_row("arena tail", f"{m.arena_tail_bytes:,}", "")
    table.add_row("heap", f"{m.heap_bytes:,}", f"{m.heap_region_bytes:,}")
    table.add_row("[bold]total[/bold]", f"[bold]{m.total_bytes:,}[/bold]", "")
    console.print(table)
    if m.arena_islands:
        islands = ", ".join(f"{i.size} B @+{i.offset}" for i in m.arena_islands[:8])
        more = f" (+{len(m.arena_islands) - 8} more)" if len(m.arena_islands) > 8 else ""
        console.print(f"arena islands (written, not counted in head/tail): {islands}{more}")
    if m.operators:
        ops = Table(title="per operator")
        for col in ("op", "stack B", "arena written B", "calls"):
            ops.add_column(col, justify="right")
        for op in m.operators:
            ops.add_row(str(op.index), f"{op.stack_bytes:,}", f"{op.arena_written_bytes:,}", str(op.calls))
        console.print(ops)
    for note in m.notes:
        console.print(f"note: {note}")
    if m.exit_status is not None:
        console.print(f"firmware exit status {m.exit_status}; {m.wall_seconds:.2f} s")
