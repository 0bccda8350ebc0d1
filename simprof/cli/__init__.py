"""Command-line entry point. Each verb lives in its own module under `simprof.cli.commands` and
exposes `NAME`, `HELP`, `add_arguments(parser)`, `run(args) -> int` and optionally `SHARED`, the
shared options it takes (simprof.cli.options). This is the only place that maps exceptions to
messages and exit codes."""
from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from simprof import __version__
from simprof.core.errors import SimprofError

from . import commands as _commands
from . import options
from . import signals as _signals


def _command_modules():
    for info in sorted(pkgutil.iter_modules(_commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        yield importlib.import_module(f"{_commands.__name__}.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simprof",
        description="Peak RAM of TFLite Micro models on microcontrollers: estimated, and measured under QEMU.",
    )
    parser.add_argument("--version", action="version", version=f"simprof {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP,
                           parents=options.parents(getattr(module, "SHARED", ())))
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The `simprof` program (argv None) or the CLI called in-process (argv given)."""
    program = argv is None
    with _signals.handled(keep=program):
        try:
            code = _main(argv)
        except KeyboardInterrupt as exc:   # SIGINT, SIGTERM, SIGHUP: cleanup ran while unwinding
            line, code = _signals.message(exc)
            print(line, file=sys.stderr)
        except SystemExit as exc:          # argparse: --help, --version, usage errors
            if not program:
                raise
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if program:
        _signals.exit_program(code)        # never returns
    return code


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except SimprofError as exc:
        print(f"simprof: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
