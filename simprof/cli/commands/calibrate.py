"""`simprof calibrate`: derive a platform's stack and static-RAM constants from measurements and
write them, with provenance, where the estimator reads them (platforms/calibration/<id>.json).

    simprof calibrate --platform ID|all [--kernels reference|cmsis-nn] [--out DIR] [--static-only] [--allow-dirty]
    simprof calibrate --elf app.elf --platform ID [--model app.tflite] [--name NAME] [--out DIR] [--stop SYMBOL]

The second form learns your own TFLM application (docs/your-firmware.md): its static RAM and the
stack of its setup and of each kernel path, painted per operator; `simprof estimate --calibration
NAME` then uses them.

Builds the platform's simprof-rt image, paints every corpus op-model on it under QEMU (per-operator
markers + a setup-only run) and records the painted figures beside the static-analysis bounds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simprof.cli.options import DEFAULT_TIMEOUT_S, positive_seconds

SHARED = ("kernels",)
NAME = "calibrate"
HELP = "measure the stack per kernel path and static RAM of a platform's simprof-rt image for the estimator"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, help="platform id, or 'all'")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="directory for <platform>.json (default: platforms/calibration, read by the estimator)")
    parser.add_argument("--static-only", action="store_true",
                        help="no QEMU run: static-analysis bounds only (the estimator then uses those)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="calibrate from uncommitted firmware sources (provenance marked +dirty)")
    app = parser.add_argument_group("your own firmware (--elf)")
    app.add_argument("--elf", type=Path, help="your TFLM application's ELF (docs/your-firmware.md)")
    app.add_argument("--model", type=Path, help="the .tflite the application runs (default: found in the ELF)")
    app.add_argument("--name", help="name of the calibration (default: the ELF's file name without extension)")
    app.add_argument("--stop", metavar="SYMBOL", help="function whose entry ends the run (default: exit)")
    app.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT_S, metavar="S",
                     help=f"seconds per run (default {DEFAULT_TIMEOUT_S:g})")


def run(args: argparse.Namespace) -> int:
    from simprof.flows.calibrate import generate
    from simprof.platforms import ids

    if args.elf is not None:
        return _calibrate_elf(args)
    for flag in ("model", "name", "stop"):
        if getattr(args, flag):
            from simprof.core.errors import UsageError
            raise UsageError(f"--{flag} applies to --elf (your own firmware)", fix="add --elf app.elf or drop it")

    platforms = list(ids()) if args.platform == "all" else [args.platform]
    out = Path(args.out) if args.out else None
    for pid in platforms:
        command = (f"simprof calibrate --platform {pid} --kernels {args.kernels}"
                   + (" --static-only" if args.static_only else "") + (" --allow-dirty" if args.allow_dirty else ""))
        path = generate(pid, args.kernels, out_dir=out, measure=not args.static_only,
                        allow_dirty=args.allow_dirty, command=command)
        print(path)
        sys.stdout.flush()
    return 0


def _calibrate_elf(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from simprof.flows.calibrate_elf import calibrate_elf
    from simprof.core.errors import UsageError
    from simprof.sim.layout import SymbolConventions

    if args.platform == "all":
        raise UsageError("--elf calibrates one firmware on one platform", fix="pass --platform ID")
    if args.kernels != "reference" or args.static_only or args.allow_dirty:
        raise UsageError("--kernels, --static-only and --allow-dirty apply to simprof-rt's calibration, not --elf",
                         fix="drop them: your firmware's kernels are whatever it links")
    symbols = SymbolConventions()
    if args.stop:
        symbols = replace(symbols, stop=(args.stop,))
    command = (f"simprof calibrate --elf {args.elf} --platform {args.platform}"
               + (f" --model {args.model}" if args.model else "") + (f" --name {args.name}" if args.name else ""))
    c = calibrate_elf(args.elf, args.platform, model=args.model, name=args.name, out_dir=args.out,
                      symbols=symbols, timeout_s=args.timeout, command=command)
    print(f"{c.path}")
    print(f"static RAM {c.static_bytes:,} B; setup stack {c.setup_stack_bytes:,} B; whole run "
          f"{c.whole_run_stack_bytes:,} B")
    for key, v in sorted(c.stack_by_kernel.items()):
        print(f"  {key:32s} {v:>6,} B")
    if not c.per_operator:
        print("no per-operator marks (simprof_op_begin/end): the whole-run stack stands for any model "
              "(add simprof_tflm_profiler.h, docs/your-firmware.md)")
    print(f"use it: simprof estimate MODEL --platform {args.platform} --calibration {c.name}")
    return 0
