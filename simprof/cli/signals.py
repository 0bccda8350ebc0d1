"""How `simprof` ends on SIGINT, SIGTERM and SIGHUP.

The first signal becomes an exception (`Terminated`, a KeyboardInterrupt, so every path that
already cleans up on Ctrl-C also cleans up on a kill): emulator sessions unwind, temporary files
go, validate's workers are stopped. A second signal, or any signal once the command has finished,
exits at once with one line and status 128 + signal number (130 for Ctrl-C): whatever is still
running was started tied to this process (`simprof.sim.process.popen_tied`, validate's workers)
and ends with it.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The process received SIGINT, SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_state = {"raised": False, "finished": False}


def _exit_now(signum: int) -> None:
    why = "interrupted again" if _state["raised"] else "interrupted"
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os.write(2, f"simprof: {why} ({signal.Signals(signum).name}), exiting now\n".encode())
    os._exit(128 + signum)


def _handler(signum: int, frame: object) -> None:
    if _state["raised"] or _state["finished"]:
        _exit_now(signum)
    _state["raised"] = True
    raise Terminated(signum)


def exit_program(code: int) -> None:
    """End the `simprof` program: flush its output, then leave without Python's finalization.
    Finalization restores the default signal actions before the process is gone, so a Ctrl-C in
    that window killed it with no message (status -2); the work is done, nothing is left to
    finalize (emulators and workers have ended, files are written)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    os._exit(code)


def message(exc: KeyboardInterrupt) -> tuple[str, int]:
    """The one line and the exit status for an interrupt that reached the CLI."""
    signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
    name = "interrupted" if signum == signal.SIGINT else f"terminated by {signal.Signals(signum).name}"
    return f"simprof: {name}", 128 + signum


@contextmanager
def handled(*, keep: bool) -> Iterator[None]:
    """Install the handlers for the duration of a command. keep=True (the `simprof` program):
    they stay, so a signal during interpreter shutdown (flushing output) exits at once with one
    line instead of raising into nowhere. keep=False (the CLI called in-process, e.g. by tests):
    the previous handlers come back."""
    previous = {s: signal.getsignal(s) for s in HANDLED}
    _state.update(raised=False, finished=False)
    for s in HANDLED:
        if previous[s] is not signal.SIG_IGN:   # `nohup simprof ...` keeps ignoring SIGHUP
            signal.signal(s, _handler)
    try:
        yield
    finally:
        _state["finished"] = True
        if not keep:
            for s, h in previous.items():
                signal.signal(s, h)
