"""`simprof measure`: stack, arena, heap and static RAM of a firmware ELF, measured under QEMU by
fill-and-read through the gdb stub (docs/measurement.md).

    simprof measure model.tflite --platform ID [--input x.npy] [--min-arena] [--json OUT]
    simprof measure --elf app.elf --platform ID [--json OUT] [--timeout S] [--stop SYMBOL]
                    [--stack-top SYMBOL] [--stack-bottom SYMBOL | --stack-size N]
                    [--arena SYMBOL] [--arena-size N] [--heap-start SYMBOL --heap-end SYMBOL]
                    [--no-operators] [--sequential] [--island-gap N] [--allow-nonzero-exit]
    either form: [--budget SIZE] [--margin AMOUNT]     (exit 3 when the total RAM is over budget)
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from simprof.api import measure_target
from simprof.core.errors import UsageError
from simprof.core.kernels import DEFAULT_KERNELS

from . import _budget

SHARED = ("platform", "json", "kernels", "emulator", "timeout", "budget")
NAME = "measure"
HELP = ("measure the peak RAM (stack, arena, heap, static) of a .tflite model on the simprof-rt "
        "firmware, or of your own firmware ELF, under an emulator")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", type=Path,
                        help="a .tflite model (run on the simprof-rt firmware), or a firmware ELF")
    parser.add_argument("--elf", type=Path, help="firmware ELF to measure (your own TFLM application)")
    model = parser.add_argument_group("model options (a .tflite run on simprof-rt)")
    model.add_argument("--input", type=Path, metavar="X.npy",
                       help="input tensor(s) as .npy (one input) or .npz (several); default: seeded random")
    model.add_argument("--min-arena", action="store_true",
                       help="also bisect the arena size handed to the firmware: the smallest arena with "
                            "which setup and inference succeed (arena_min_bytes)")
    model.add_argument("--recording", action="store_true",
                       help="lay the arena out as the tflite-micro Python wrapper does (recording "
                            "allocators) instead of a plain MicroInterpreter")
    model.add_argument("--no-reference", action="store_true",
                       help="do not compare the outputs with TFLM's host interpreter")
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
    if args.emulator != "renode":
        return _run(args)
    # Renode takes seconds to start: start it first, so that it starts while the rest is imported
    # and the model read, estimated and its image located (it ends with this scope if unused).
    from simprof.sim.renode_launch import early_start

    with early_start(args.platform):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from simprof.core.outputs import write_json_atomic
    from simprof.platforms import load
    from simprof.flows.measure import measure_elf
    from simprof.sim import paint

    for name in ("stack_size", "arena_size", "island_gap"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive", fix="give a byte count > 0")
    if args.json:   # before the emulation, not after it
        from simprof.core.outputs import check_output
        check_output(args.json, inputs=[args.model, args.elf, args.input], what="--json file")
    platform = load(args.platform)
    if args.elf is None and args.model is not None and measure_target(args.model) == "elf":
        args.elf, args.model = args.model, None     # `simprof measure app.elf` means --elf app.elf
    if args.elf is None:
        if args.model is None:
            raise UsageError("nothing to measure", fix="pass --elf FILE (or a .tflite model)")
        for flag in ("stop", "stack_top", "stack_bottom", "stack_size", "arena", "arena_size", "heap_start",
                     "heap_end", "island_gap", "sequential", "allow_nonzero_exit"):
            if getattr(args, flag) not in (None, False):
                raise UsageError(f"--{flag.replace('_', '-')} applies to a firmware ELF (--elf), not to a .tflite "
                                 "model (simprof-rt's symbols are fixed)", fix="drop it, or measure your ELF")
        return _measure_model(args, platform)
    if args.model is not None:
        raise UsageError("give either a model or --elf, not both", fix="drop one of them")
    if args.kernels != DEFAULT_KERNELS:
        raise UsageError("--kernels applies to a .tflite model run on simprof-rt; a firmware ELF has its own kernels",
                         fix="drop --kernels")
    for flag in ("input", "min_arena", "recording", "no_reference"):
        if getattr(args, flag):
            raise UsageError(f"--{flag.replace('_', '-')} applies to a .tflite model, not to a firmware ELF",
                             fix="drop it, or measure the model instead")
    require_emulator(args.emulator)
    m = measure_elf(args.elf, platform, symbols=_conventions(args), timeout_s=args.timeout,
                    per_operator=not args.no_operators, parallel=not args.sequential,
                    island_gap=args.island_gap or paint.DEFAULT_ISLAND_GAP,
                    check_exit=not args.allow_nonzero_exit, emulator=args.emulator)
    if args.json:
        write_json_atomic(args.json, m.to_json())
    print_measurement(m)
    _budget.apply(m, platform.id, args.budget, args.margin)
    return 0


def require_emulator(name: str) -> None:
    from simprof.api import require_emulator as require

    require(name)


def _measure_model(args: argparse.Namespace, platform) -> int:
    """A .tflite is measured on the simprof-rt image (simprof.flows.measure.measure_model)."""
    from simprof.core.outputs import write_json_atomic
    from simprof.flows.measure import measure_model

    if args.emulator != "qemu":
        require_emulator(args.emulator)
    m = measure_model(args.model, platform, kernels=args.kernels, emulator=args.emulator, timeout_s=args.timeout,
                      per_operator=not args.no_operators, input=args.input, min_arena=args.min_arena,
                      recording=args.recording, reference=not args.no_reference)
    if args.json:
        write_json_atomic(args.json, m.to_json())
    print_measurement(m)
    _budget.apply(m, platform.id, args.budget, args.margin)
    return 0


def print_measurement(m) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Names come from the model, the ELF and the file system: text, never rich markup.
    console = Console(width=None if sys.stdout.isatty() else 120)
    model = getattr(m, "model", "")
    subject = Path(model).name if model else Path(m.elf).name
    table = Table(title=escape(f"{subject} on {m.platform} ({m.emulator})"))
    table.add_column("RAM")
    table.add_column("bytes", justify="right")
    table.add_column("of region", justify="right")
    table.add_row("static (.data+.bss+.noinit - arena)", f"{m.static_bytes:,}", "")
    table.add_row("stack", f"{m.stack_bytes:,}", f"{m.stack_region_bytes:,}")
    table.add_row("arena head", f"{m.arena_head_bytes:,}", f"{m.arena_size:,}")
    table.add_row("arena tail", f"{m.arena_tail_bytes:,}", "")
    table.add_row("heap", f"{m.heap_bytes:,}", f"{m.heap_region_bytes:,}")
    table.add_row("[bold]total[/bold]", f"[bold]{m.total_bytes:,}[/bold]", "")
    arena_min = getattr(m, "arena_min_bytes", None)
    if arena_min is not None:
        table.add_row("arena minimum (bisected)", f"{arena_min:,}", "")
    console.print(table)
    match = getattr(m, "outputs_match_reference", None)
    if match is not None:
        console.print("outputs bit-exact with TFLM's host interpreter" if match
                      else "[bold red]outputs DIFFER from TFLM's host interpreter[/bold red]")
    if m.arena_islands:
        islands = ", ".join(f"{i.size} B @+{i.offset}" for i in m.arena_islands[:8])
        more = f" (+{len(m.arena_islands) - 8} more)" if len(m.arena_islands) > 8 else ""
        console.print(f"arena islands (written, not counted in head/tail): {islands}{more}")
    if m.operators:
        ops = Table(title="per operator")
        for col in ("op", "type", "stack B", "arena written B", "calls"):
            ops.add_column(col, justify="left" if col == "type" else "right")
        for op in m.operators:
            ops.add_row(f"{op.subgraph}:{op.index}" if op.subgraph else str(op.index), escape(op.opcode), f"{op.stack_bytes:,}",
                        f"{op.arena_written_bytes:,}", str(op.calls))
        console.print(ops)
    for note in m.notes:
        console.print(f"note: {escape(note)}")
    if m.exit_status is not None:
        console.print(f"firmware exit status {m.exit_status}; {m.wall_seconds:.2f} s")
