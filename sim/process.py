"""Emulator child processes: started in their own process group so that ending them also ends
anything they spawned, tied to the thread that started them (Linux parent-death signal), so that
not even a SIGKILL of simprof leaves one running, and reaped in a way a second Ctrl-C cannot
interrupt."""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from typing import IO, Any, Callable

PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    try:
        fn = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return fn


# Resolved once in the parent: the child must not load libraries between fork and exec.
_PRCTL = _load_prctl()


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A `preexec_fn` that makes the child receive `sig` when the thread that forked it ends
    (including a SIGKILL of the whole simprof process), and exit at once if that already happened."""
    parent = os.getpid()

    def preexec() -> None:  # pragma: no cover (runs in the child between fork and exec)
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def popen_tied(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
    """subprocess.Popen in a new session, ended with its parent (see `die_with_parent`)."""
    return subprocess.Popen(cmd, start_new_session=True, preexec_fn=die_with_parent(), **kwargs)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of `proc` if it still runs."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap(proc: subprocess.Popen) -> tuple[int, KeyboardInterrupt | None]:
    """Wait for `proc` to end: (exit status, the interrupt that arrived meanwhile, if any). An
    interrupt must neither leave a zombie nor be lost: the caller re-raises it once reaped."""
    pending: KeyboardInterrupt | None = None
    while True:
        try:
            return proc.wait(timeout=10), pending
        except KeyboardInterrupt as exc:
            pending = exc


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
            rc, interrupt = reap(proc)
            if self.returncode is None:
                self.returncode = rc
            self._read_console()
            if interrupt is not None:
                raise interrupt
        self._read_console()

    def _read_console(self) -> None:
        text = read_console(self._console_file)
        if text is not None:
            self._console_text = text
