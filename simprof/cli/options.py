"""Options several commands share, declared once (as pyOCD's parent parsers): same name, same
meaning, same default everywhere. A command lists the ones it takes in `SHARED`; the `--platform`
of a command that has a default or takes several platforms is declared by the command itself."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from simprof.core.kernels import DEFAULT_KERNELS, KERNEL_SETS

DEFAULT_EMULATOR = "qemu"
DEFAULT_TIMEOUT_S = 30.0


def positive_seconds(text: str) -> float:
    """A timeout: a positive, finite number of seconds ("inf" and "nan" are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive, finite number of seconds")
    return value


def _platform(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform", required=True, metavar="ID", help="platform id (`simprof platforms` lists them)")


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", type=Path, metavar="OUT", help="write the result as JSON (same keys for estimate and measure)")


def _kernels(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kernels", choices=KERNEL_SETS, default=DEFAULT_KERNELS,
                   help=f"kernel set: whose scratch buffers, op data and stack count (default {DEFAULT_KERNELS})")


def _emulator(p: argparse.ArgumentParser) -> None:
    p.add_argument("--emulator", default=DEFAULT_EMULATOR, metavar="NAME",
                   help="emulator backend: qemu (default) or renode (needs `renode` on PATH; docs/renode.md)")


def _timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"wall-clock seconds each emulator run may take (default {DEFAULT_TIMEOUT_S:g})")


def byte_size(text: str) -> int:
    """A size as a user writes it: 98304, 96KiB, 1.5 MiB."""
    from simprof.core.sizes import parse_size
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def margin(text: str):
    """Bytes (4KiB) or a percentage below 100% (10%) that must stay free."""
    from simprof.core.sizes import parse_amount
    try:
        amount = parse_amount(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if amount.fraction is not None and amount.fraction >= 1:
        raise argparse.ArgumentTypeError(f"{text!r} leaves nothing: give less than 100%")
    return amount


def _budget(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("budget gate (exit 3 when the total RAM is over)")
    g.add_argument("--budget", type=byte_size, metavar="SIZE",
                   help="total RAM allowed, e.g. 96KiB (default with --margin: the part's RAM)")
    g.add_argument("--margin", type=margin, metavar="AMOUNT",
                   help="part of the budget that must stay free: bytes (4KiB) or %% of the budget (10%%)")


SHARED = {"platform": _platform, "json": _json, "kernels": _kernels, "emulator": _emulator, "timeout": _timeout,
          "budget": _budget}


def parents(names: tuple[str, ...]) -> list[argparse.ArgumentParser]:
    """Parent parsers for the shared options a command takes."""
    out = []
    for name in names:
        p = argparse.ArgumentParser(add_help=False)
        SHARED[name](p)
        out.append(p)
    return out
