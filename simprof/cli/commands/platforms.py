"""`simprof platforms`: the platforms simprof can build for and emulate, as a table.

    simprof platforms [--json OUT]
"""
from __future__ import annotations

import argparse
import sys

SHARED = ("json",)
NAME = "platforms"
HELP = "list the platforms (real part, core, FPU, flash/RAM, QEMU machine that hosts it)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def _kib(n: int) -> str:
    return f"{n // 1024} KiB" if n % (1 << 20) else f"{n >> 20} MiB"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from simprof.core.outputs import write_json_atomic
    from simprof.platforms import all_platforms

    platforms = all_platforms()
    table = Table(title="simprof platforms")
    for col in ("id", "part", "core", "ABI", "flash", "RAM", "QEMU"):
        table.add_column(col, no_wrap=col != "part", min_width=14 if col == "part" else None)
    for p in platforms:
        table.add_row(p.id, p.part, p.core.replace("cortex-", "Cortex-").replace("-m", "-M"), p.float_abi,
                      _kib(p.flash.size), _kib(p.ram.size), p.qemu_machine)
    # Piped output gets room for the whole table instead of rich's 80-column default.
    Console(width=None if sys.stdout.isatty() else 120).print(table)
    if args.json:
        write_json_atomic(args.json, [
            {"id": p.id, "part": p.part, "core": p.core, "fpu": p.fpu, "float_abi": p.float_abi,
             "flash": {"base": p.flash.base, "size": p.flash.size},
             "ram": {"base": p.ram.base, "size": p.ram.size},
             "link_flash_base": p.link_flash.base, "link_ram_base": p.link_ram.base,
             "qemu_machine": p.qemu_machine, "cflags": list(p.cflags), "notes": p.notes}
            for p in platforms])
    return 0
