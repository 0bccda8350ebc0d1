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
