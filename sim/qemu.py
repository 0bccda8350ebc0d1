"""QEMU sessions: start qemu-system-arm halted with its gdb stub, hand out a connected `GdbClient`,
and always end QEMU (its whole process group) on success, error, timeout and Ctrl-C.

The gdb stub listens on a socket this process binds on 127.0.0.1 port 0 (the OS picks a free
port) and passes to QEMU as an inherited file descriptor, so no port race is possible.

    with QemuSession(platform, elf) as s:
        s.gdb.set_breakpoint(addr); s.gdb.cont(timeout_s=5)
    s.console, s.returncode
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from simprof.core.errors import EmulatorError, ToolchainError
from simprof.platforms import Platform
from simprof.sim.gdb_rsp import GdbClient
from simprof.sim.process import ConsoleProcessMixin, kill_group, popen_tied
from simprof.sim.qmp import QmpClient, QmpError

log = logging.getLogger(__name__)

QEMU_ENV = "SIMPROF_QEMU"
# Read memory with QMP memsave (binary, ~40x faster than hex gdb packets) when QEMU offers it.
FAST_READS = True
FAST_READ_MIN = 1024      # below this a gdb round trip is as quick


def _listener() -> socket.socket:
    """A listening socket on 127.0.0.1 at a port the OS picks, inheritable by QEMU."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    os.set_inheritable(sock.fileno(), True)
    return sock


def qemu_binary() -> str:
    exe = os.environ.get(QEMU_ENV) or "qemu-system-arm"
    path = shutil.which(exe)
    if path is None:
        raise ToolchainError(f"emulator {exe} not found",
                             fix=f"install qemu-system-arm (scripts/setup.sh) or set {QEMU_ENV}")
    return path


def qemu_version() -> str:
    return _qemu_version(qemu_binary())


@functools.lru_cache(maxsize=4)
def _qemu_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "qemu-system-arm (unknown version)"
    first = out.stdout.splitlines()[0] if out.stdout else "qemu-system-arm"
    return first.replace("QEMU emulator version", "qemu-system-arm").strip()


def qemu_command(platform: Platform, elf: Path, *, gdb: str | None = None,
                 icount_shift: int | None = None, extra_args: Sequence[str] = ()) -> list[str]:
    """The command line of a headless run: semihosting on (without it a semihosting BKPT locks the
    core up), console on stdout, no serial or monitor. `gdb` is a `-gdb` device string."""
    cmd = [qemu_binary(), "-M", platform.qemu_machine, "-nographic", "-monitor", "none",
           "-serial", "null", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    if icount_shift is not None:
        cmd += ["-icount", f"shift={icount_shift},align=off,sleep=off"]
    if gdb:
        cmd += ["-S", "-gdb", gdb]
    return cmd + list(extra_args)


@dataclass
class QemuSession(ConsoleProcessMixin):
    """One halted QEMU with a connected gdb client. Use as a context manager."""
    platform: Platform
    elf: Path
    timeout_s: float = 10.0                 # for each gdb request, and the start
    icount_shift: int | None = None
    extra_args: Sequence[str] = ()
    gdb: GdbClient | None = field(default=None, init=False)
    returncode: int | None = field(default=None, init=False)
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _console_file: object = field(default=None, init=False, repr=False)
    _console_text: str = field(default="", init=False, repr=False)
    # stop() may come from another thread (Ctrl-C in the caller) while start() runs: the lock
    # and flag make sure a stopped session never launches QEMU afterwards.
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _stopped: bool = field(default=False, init=False, repr=False)
    _qmp: QmpClient | None = field(default=None, init=False, repr=False)
    _dump_file: object = field(default=None, init=False, repr=False)

    def __enter__(self) -> "QemuSession":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        gdb_listener = _listener()
        qmp_listener = _listener() if FAST_READS else None
        try:
            fds = [gdb_listener.fileno()] + ([qmp_listener.fileno()] if qmp_listener else [])
            if qmp_listener:   # memsave's target: unlinked, so nothing can be left on disk
                self._dump_file = tempfile.TemporaryFile(prefix="simprof-memsave-")
                fds.append(self._dump_file.fileno())
            extra = ["-chardev", f"socket,id=simprof_gdb,fd={fds[0]},server=on,wait=off,nodelay=on"]
            if qmp_listener:
                extra += ["-chardev", f"socket,id=simprof_qmp,fd={fds[1]},server=on,wait=off,nodelay=on",
                          "-mon", "chardev=simprof_qmp,mode=control"]
            cmd = qemu_command(self.platform, Path(self.elf), gdb="chardev:simprof_gdb",
                               icount_shift=self.icount_shift, extra_args=extra + list(self.extra_args))
            # Console (semihosting output and QEMU's own messages) goes to a file, not a pipe:
            # a chatty firmware can never block on a full pipe.
            self._console_file = tempfile.TemporaryFile(prefix="simprof-qemu-")
            log.debug("starting %s", " ".join(cmd))
            with self._lock:
                if self._stopped:
                    raise EmulatorError("QEMU session cancelled before it started", fix="none needed")
                # own process group (kill all), ended with its parent even on SIGKILL
                self._proc = popen_tied(cmd, stdin=subprocess.DEVNULL, stdout=self._console_file,
                                        stderr=subprocess.STDOUT, pass_fds=tuple(fds))
        finally:
            gdb_port = gdb_listener.getsockname()[1]
            qmp_port = qmp_listener.getsockname()[1] if qmp_listener else None
            gdb_listener.close()   # QEMU holds its own copies
            if qmp_listener:
                qmp_listener.close()
        try:
            self.gdb = GdbClient.connect("127.0.0.1", gdb_port, timeout_s=self.timeout_s)
        except BaseException:
            self.stop()
            if self.returncode is not None and not isinstance(sys.exc_info()[1], KeyboardInterrupt):
                lines = self.console.strip().splitlines()
                why = next((l for l in lines if l.startswith("qemu-system")), lines[-1] if lines else "no output")
                raise EmulatorError(
                    f"QEMU exited with status {self.returncode} before its gdb stub answered: {why}",
                    fix=f"check the platform's QEMU machine '{self.platform.qemu_machine}' "
                        "(qemu-system-arm -M help) and the ELF")
            raise
        if qmp_port is not None:
            try:
                self._qmp = QmpClient.connect("127.0.0.1", qmp_port, self.timeout_s,
                                              dump_fd=self._dump_file.fileno())
            except QmpError as exc:
                log.debug("no fast memory reads: %s", exc)
            except BaseException:   # a signal while connecting: __exit__ will not run, end QEMU here
                self.stop()
                raise

    def read_memory(self, address: int, length: int) -> bytes:
        """Read guest memory (target halted): QMP memsave when available, else the gdb stub."""
        if self._qmp is not None and length >= FAST_READ_MIN:
            try:
                return self._qmp.read_memory(address, length)
            except QmpError as exc:
                log.debug("memsave failed, reading through gdb: %s", exc)
        return self.gdb.read_memory(address, length)

    def wait_exit(self, timeout_s: float) -> int | None:
        """Wait for QEMU to exit by itself (e.g. after semihosting exit); None if it did not."""
        if self._proc is None:
            return self.returncode
        try:
            self.returncode = self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self) -> None:
        """End QEMU: SIGKILL to its process group, then reap it. Safe to call more than once."""
        with self._lock:
            self._stopped = True
            proc = self._proc
            if proc is not None:
                kill_group(proc)
        if self.gdb is not None:
            self.gdb.close()
        if self._qmp is not None:
            self._qmp.close()
        if self._dump_file is not None:
            self._dump_file.close()    # unlinked; QEMU's own descriptor ends with QEMU
        self._end_process()

    @property
    def console(self) -> str:
        """Everything QEMU wrote to stdout and stderr so far (semihosting console included)."""
        self._read_console()
        return self._console_text


def run_bare(platform: Platform, elf: Path, *, timeout_s: float = 60.0,
             icount_shift: int | None = None) -> tuple[int, str, float]:
    """Run an ELF without the debugger until it exits: (exit status, console, wall seconds).
    The reference for overhead measurements."""
    cmd = qemu_command(platform, elf, icount_shift=icount_shift)
    start = time.monotonic()
    proc = popen_tied(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc.returncode, out.decode("utf-8", errors="replace"), time.monotonic() - start
