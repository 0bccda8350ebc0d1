"""Emulator child processes: started in their own process group so that ending them also ends
anything they spawned, and reaped in a way a second Ctrl-C cannot interrupt."""
from __future__ import annotations

import os
import signal
import subprocess
from typing import IO


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of `proc` if it still runs."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap(proc: subprocess.Popen) -> int:
    """Wait for `proc` to end; a KeyboardInterrupt while waiting must not leave a zombie."""
    while True:
        try:
            return proc.wait(timeout=10)
        except KeyboardInterrupt:
            continue


def read_console(f: IO[bytes] | None) -> str | None:
    """All text the emulator wrote to its console file so far, or None when unreadable."""
    if f is None:
        return None
    try:
        f.seek(0)
        return f.read().decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None


class ConsoleProcessMixin:
    """The part of an emulator session that owns the child process and its console file:
    `_proc`, `_console_file`, `_console_text` and `returncode` are set by the session."""

    _proc: subprocess.Popen | None
    _console_file: IO[bytes] | None
    _console_text: str
    returncode: int | None

    def _end_process(self) -> None:
        """Kill (group), reap, keep the exit status of the first end, refresh the console text."""
        proc = self._proc
        if proc is not None:
            kill_group(proc)
            rc = reap(proc)
            if self.returncode is None:
                self.returncode = rc
        self._read_console()

    def _read_console(self) -> None:
        text = read_console(self._console_file)
        if text is not None:
            self._console_text = text
