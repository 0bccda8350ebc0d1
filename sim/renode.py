"""Renode sessions: the start-up of the `renode` emulator backend. Everything after start-up (paint,
run to the stop symbol, read back) is the same gdb-remote client and fill-and-read code as for QEMU:
a `RenodeSession` hands `measure_elf` a halted target with a connected `GdbClient`, like `QemuSession`.

Start-up (checked against a real Renode 1.15.3, docs/renode.md):

    renode --disable-xwt --plain -P <monitor port>            headless, monitor on a telnet socket
                                                              (renode_launch; the CLI starts it first)
    <9 bytes of telnet answers>                               else Renode drops the first 9 characters
    one monitor line, commands joined by "; " (one round trip):
      python "execfile('<private dir>/simprof_helpers.py')"   memory and marker helpers (renode_memory)
      mach create "simprof<i>"; python "simprof_bind(...)"    one machine per paint pattern
      machine LoadPlatformDescription @platforms/renode/<id>.repl   copies without the SVD download
      sysbus LoadELF @fw.elf
      machine StartGdbServer <gdb port> false                 halted until the client says continue
      python "simprof_quantum(100)"                           emulation SetGlobalQuantum "0.1"
    (gdb clients connect)
    start                                                     emulation time runs; the CPUs wait for gdb

Memory moves through the monitor (the gdb client's reads too: `RenodeGdbClient`), and the operator
markers are CPU hooks inside Renode (no gdb stop per boundary): see renode_memory. Within `reuse()` a
Renode process and its machines serve several measurements: a machine that ended cleanly is reset
(hooks removed, memories zeroed) and runs the next measurement of the same ELF, so Renode's start-up
(seconds) is paid once.

Differences from QEMU that the measuring code must respect: semihosting output and exit are ignored
(runs end at the stop-symbol breakpoint; results are read from RAM, the console stays empty), and
LoadELF zero-fills every PT_LOAD segment to its MemSiz at its load address (`loadelf_hazards`).
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from simprof.core.errors import ElfError, EmulatorError, EmulatorTimeout, PlatformError, ToolchainError
from simprof.platforms import PLATFORM_DIR, Platform
from simprof.sim.elf import ElfInfo, read_elf
from simprof.sim.gdb_rsp import GdbClient
from simprof.sim.process import ConsoleProcessMixin
from simprof.sim.renode_launch import (DESCRIPTIONS, RENODE_ENV, Launch, free_port, launch,  # noqa: F401
                                       renode_available, renode_binary, renode_command)
from simprof.sim.renode_memory import MonitorMemory

log = logging.getLogger(__name__)

DESCRIPTION_DIR = PLATFORM_DIR / "renode"     # DESCRIPTIONS: renode_launch (imported before the rest)
MACHINE_NAME = "simprof"
# Renode's stub says "PacketSize=1024" and means decimal (its source formats it with {0});
# read as hex, per the protocol, that would be 0x1024.
RENODE_PACKET_SIZE = 1024
GLOBAL_QUANTUM_MS = 100
MAX_IDLE_MACHINES = 4         # machines a reused Renode process keeps for later runs
# IAC WILL BINARY, IAC DO ECHO, IAC DO SUPPRESS-GO-AHEAD: the answers a telnet client gives to
# Renode's opening negotiation. Without them Renode eats the first 9 characters of the first command.
TELNET_ANSWERS = bytes.fromhex("fffb00fffd01fffd03")
STARTUP_TIMEOUT_S = 60.0      # Renode (a .NET program) takes seconds to start, more on a loaded CI box
COMMAND_TIMEOUT_S = 30.0
PROMPT_TAIL = 64              # bytes after a prompt's ")" that can only be spaces and escapes
PROMPT_NUDGE_S = 2.0          # silence after connecting before an empty line asks for a prompt

_IAC = 0xFF
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# A prompt starts a line: an echoed command may end in "(...)" itself.
_PROMPT = re.compile(r"(?:^|\n)\(([^()\r\n]+)\) ?$")
# Monitor replies that mean the command failed (Renode prints errors as text, it has no status).
_ERROR_LINE = re.compile(r"^\s*(there was an error|error\b|fatal error|could not|couldn't|failed|no such|"
                         r"bad parameters|unknown command|invalid|unhandled exception|exception has been thrown)"
                         r"|does not provide a field", re.IGNORECASE)
_FAILED_COMMAND = re.compile(r"\s*there was an error executing command '(.*)'\s*$", re.IGNORECASE)
# The banner Renode's monitor greets a client with: "Renode, version 1.15.3.9972 (<build>)".
_BANNER_VERSION = re.compile(r"Renode, version (\S+)")
_VERSIONS: dict[str, str] = {}    # renode executable -> version, from a monitor banner


@functools.lru_cache(maxsize=8)
def _renode_version(exe: str) -> str:
    # Even `--version` starts Renode's clean-up of $TMPDIR/renode-*: give it a private TMPDIR too.
    with tempfile.TemporaryDirectory(prefix="simprof-renode-") as tmp:
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60,
                                 env=dict(os.environ, TMPDIR=tmp), cwd=tmp, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            return "Renode (unknown version)"
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    return lines[0].strip() if lines else "Renode"


def renode_version() -> str:
    try:
        exe = renode_binary()
        return _VERSIONS.get(exe) or _renode_version(exe)
    except ToolchainError:
        return "Renode (not found)"


def renode_label(platform: Platform, version: str) -> str:
    """What `Measurement.emulator` says: Renode's version and the description it ran."""
    return f"{version}, platforms/renode/{description_for(platform).name}"


def description_for(platform: Platform) -> Path:
    name = DESCRIPTIONS.get(platform.id)
    if name is None:
        raise PlatformError(f"no Renode platform description for platform '{platform.id}'",
                            fix=f"use one of {', '.join(sorted(DESCRIPTIONS))} with --emulator renode, "
                                "or --emulator qemu")
    return DESCRIPTION_DIR / name


def _monitor_path(path: Path) -> str:
    """An absolute path as a Python string literal inside a monitor line (`python "f('<path>')"`)."""
    text = str(Path(path).resolve())
    if any(c.isspace() for c in text):
        raise EmulatorError(f"path {text!r} contains white space, which the Renode monitor splits on",
                            fix="move the ELF (or simprof) to a path without spaces")
    if any(c in text for c in "'\"\\"):
        raise EmulatorError(f"path {text!r} contains a quote or a backslash, which the Renode monitor line "
                            "cannot carry", fix="move the ELF (or simprof) to a path without them")
    return f"'{text}'"


def monitor_script(platform: Platform, elf: Path, gdb_port: int, extra: Sequence[str] = (),
                   machine: str = MACHINE_NAME) -> list[str]:
    """The monitor commands that create machine `machine`, load `elf` on `platform` and open the
    gdb server (halted): `mach create`, then the helpers' direct calls for `machine
    LoadPlatformDescription`, `sysbus LoadELF` and `machine StartGdbServer <port> false`
    (renode_memory). `extra` commands run after LoadELF, before the gdb server starts."""
    return [f'mach create "{machine}"',
            f"python \"simprof_machine('{machine}', {_monitor_path(description_for(platform))}, "
            f"{_monitor_path(elf)})\"",
            *extra,
            f"python \"simprof_gdb('{machine}', {gdb_port})\""]


def loadelf_hazards(info: ElfInfo, platform: Platform) -> list[str]:
    """What Renode's LoadELF would do wrong with this ELF. LoadELF writes every PT_LOAD segment at
    its physical (load) address and zero-fills it up to MemSiz; a segment that runs in RAM but
    loads from flash (LMA != VMA) with MemSiz > FileSiz thus writes zeros into flash right after its
    image. Overwriting another segment's image there is an error; anything else is a note."""
    notes: list[str] = []
    for seg in info.segments:
        if seg.memsz <= seg.filesz or seg.paddr == seg.vaddr:
            continue
        start, end = seg.paddr + seg.filesz, seg.paddr + seg.memsz
        for other in info.segments:
            if other is seg or not other.filesz:
                continue
            if start < other.paddr + other.filesz and other.paddr < end:
                raise ElfError(f"{info.path.name}: Renode's LoadELF would zero-fill 0x{start:08x}-0x{end:08x} "
                               f"(a NOLOAD section with a load address in flash) over the image at "
                               f"0x{other.paddr:08x}", fix="give .bss/.noinit no load image (`> RAM :NONE` or "
                               "their own PT_LOAD with no file bytes) or measure with --emulator qemu")
        where = "flash" if platform.link_flash.contains(start) else "memory"
        notes.append(f"Renode's LoadELF zero-fills {end - start} B of {where} at 0x{start:08x} "
                     "(a NOLOAD section with a load address)")
    return notes


def strip_telnet(data: bytes) -> bytes:
    """Remove telnet commands (IAC sequences) from monitor output; IAC IAC is a literal 0xFF."""
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c != _IAC:
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(data):
            break
        cmd = data[i + 1]
        if cmd == _IAC:
            out.append(_IAC)
            i += 2
        elif cmd == 0xFA:                                   # SB ... IAC SE
            end = data.find(bytes([_IAC, 0xF0]), i + 2)
            i = len(data) if end < 0 else end + 2
        elif 0xFB <= cmd <= 0xFE:                           # WILL/WONT/DO/DONT <option>
            i += 3
        else:
            i += 2
    return bytes(out)


class MonitorClient:
    """The Renode monitor over its telnet socket: send a command line, read up to the next prompt."""

    def __init__(self, sock: socket.socket, *, timeout_s: float = COMMAND_TIMEOUT_S) -> None:
        self._sock = sock
        self._raw = bytearray()
        self.timeout_s = timeout_s
        self.prompt: str | None = None
        self.banner = ""                               # what came before the first prompt
        self.transcript: list[tuple[str, str]] = []    # (command, reply) for error messages/logs

    @classmethod
    def connect(cls, host: str, port: int, *, timeout_s: float = STARTUP_TIMEOUT_S,
                alive: Callable[[], bool] = lambda: True) -> "MonitorClient":
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                sock = socket.create_connection((host, port), timeout=2.0)
                break
            except OSError as exc:
                if not alive():
                    raise EmulatorError("Renode exited before its monitor accepted connections",
                                        fix="see Renode's output (run the renode command by hand)") from exc
                if time.monotonic() > deadline:
                    raise EmulatorError(f"Renode's monitor did not accept connections on port {port} "
                                        f"within {timeout_s:.0f} s", fix="check that Renode starts "
                                        "headless (renode --disable-xwt --plain -P PORT)") from exc
                time.sleep(0.02)
        client = cls(sock)
        sock.sendall(TELNET_ANSWERS)
        # A monitor that shows no prompt until it gets input is nudged with empty lines (an empty
        # command only prints a new prompt).
        while True:
            try:
                client.banner += client.read_until_prompt(min(PROMPT_NUDGE_S, max(0.1, deadline - time.monotonic())))
                return client
            except EmulatorTimeout:
                if time.monotonic() > deadline or not alive():
                    client.close()
                    raise EmulatorError(f"Renode's monitor on port {port} gave no prompt within {timeout_s:.0f} s",
                                        fix="see Renode's output (run the renode command by hand)") from None
                sock.sendall(b"\n")

    def _text(self) -> str:
        return _ANSI.sub("", strip_telnet(bytes(self._raw)).decode("utf-8", errors="replace")).replace("\r", "")

    def read_until_prompt(self, timeout_s: float) -> str:
        """Everything up to and including the next prompt `(name) `; returns the text before it."""
        deadline = time.monotonic() + timeout_s
        maybe_prompt = True
        while True:
            # Renode sends its output one byte per segment: decode and search only when the output
            # could end in a prompt, ")" and at most a few escape bytes after it (else every byte
            # would re-decode the whole reply).
            if maybe_prompt:
                text = self._text()
                m = _PROMPT.search(text)
                if m:
                    self._raw.clear()
                    self.prompt = m.group(1)
                    return text[:m.start()]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeout(f"Renode's monitor gave no prompt within {timeout_s:.0f} s "
                                    f"(last output: {self._text().strip()[-120:]!r})", fix="see Renode's output")
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(4096)
            except socket.timeout:
                continue
            except OSError as exc:
                raise EmulatorError(f"Renode's monitor connection failed: {exc}", fix="see Renode's output") from exc
            if not chunk:
                raise EmulatorError("Renode closed its monitor connection", fix="see Renode's output")
            self._raw += chunk
            maybe_prompt = b")" in self._raw[-PROMPT_TAIL:]

    def _drain(self) -> None:
        """Drop output that arrived unasked (a late extra prompt), so replies stay in step."""
        self._sock.settimeout(0.0)
        try:
            while self._sock.recv(4096):
                pass
        except (BlockingIOError, socket.timeout, OSError):
            pass
        self._raw.clear()

    def command(self, line: str, timeout_s: float | None = None) -> str:
        """Run one monitor command; its output (without the echo). Error text raises EmulatorError."""
        self._drain()
        self._sock.sendall(line.encode("utf-8") + b"\n")
        out = self.read_until_prompt(self.timeout_s if timeout_s is None else timeout_s)
        lines = [l for l in out.split("\n") if l.strip()]
        if lines and lines[0].strip().endswith(line.strip()):      # the monitor echoes the line
            lines = lines[1:]
        reply = "\n".join(lines)
        self.transcript.append((line, reply))
        for i, l in enumerate(lines):
            if _ERROR_LINE.search(l):
                # Renode names the command that failed (one of a joined line) and says why on the
                # next line.
                named = _FAILED_COMMAND.match(l)
                failed = named.group(1) if named else line
                why = lines[i + 1].strip() if named and i + 1 < len(lines) else l.strip()
                raise EmulatorError(f"Renode monitor command '{failed}' failed: {why}",
                                    fix="check the platform description and the ELF path")
        return reply

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


class RenodeProcess(ConsoleProcessMixin):
    """One Renode process: its monitor, a private directory (its TMPDIR, the memory transfer
    files) and any number of machines, each with its own gdb server. Always ended by `stop()`:
    process group killed and reaped, private directory removed.

    Renode deletes every `$TMPDIR/renode-*` directory that does not end in a live PID when it
    starts (DESIGN.md §3b): with the user's TMPDIR that could delete someone else's files."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._console_file = None
        self._console_text = ""
        self.returncode: int | None = None
        self.monitor: MonitorClient | None = None
        self.workdir: Path | None = None
        self.lock = threading.Lock()          # one monitor, several machine threads
        self._stopped = False
        self.machines_made = 0
        self.ports: dict[str, int] = {}                       # machine -> its gdb server's port
        self.keys: dict[str, tuple] = {}                      # machine in use -> what it runs
        self.idle: dict[tuple, list[str]] = {}                # what it ran -> idle machines
        self.owner = threading.get_ident()    # Renode dies with this thread (popen_tied)
        self._pending: list[str] = []         # commands that go with the next one
        self.exe = ""
        self.monitor_port = 0
        self.cmd: list[str] = []

    def spawn(self) -> None:
        """Start the Renode process, without waiting for it: its start-up (seconds of Mono start-up
        and JIT) then overlaps whatever the caller does before `start()` connects to it."""
        with self.lock:
            if self._stopped:
                raise EmulatorError("Renode session cancelled before it started", fix="none needed")
            if self._proc is None:
                self.adopt(launch())

    def adopt(self, started: Launch) -> None:
        """Take over a process `launch()` started (not yet connected)."""
        self.exe, self.cmd, self.workdir = started.exe, started.cmd, started.workdir
        self.monitor_port, self._console_file, self._proc = started.monitor_port, started.console_file, started.proc

    def start(self) -> None:
        """Start Renode (unless `spawn()` did), connect to its monitor, load the helpers."""
        self.spawn()
        try:
            self.monitor = MonitorClient.connect("127.0.0.1", self.monitor_port, timeout_s=STARTUP_TIMEOUT_S,
                                                 alive=lambda: self._proc.poll() is None)
        except EmulatorError as exc:
            if self._proc.poll() is None:
                raise
            self._end_process()
            raise EmulatorError(f"{exc.message} (status {self.returncode}): {self._last_console_line()}",
                                fix=f"run `{' '.join(self.cmd)}` by hand to see why") from None
        # The monitor's banner names the version: no second Renode start (`renode --version`).
        version = _BANNER_VERSION.search(self.monitor.banner)
        if version:
            _VERSIONS.setdefault(self.exe, f"Renode v{version.group(1)}")
        # The helpers load with the next command (the machines' set-up): one round trip less.
        self._pending = [MonitorMemory.helpers_command(self.workdir)]

    def command(self, line: str, timeout_s: float | None = None) -> str:
        if self.monitor is None:
            raise EmulatorError("Renode's monitor is not connected", fix="report this as a bug")
        if self._pending:
            line, self._pending = "; ".join([*self._pending, line]), []
        try:
            return self.monitor.command(line, timeout_s)
        except EmulatorError:
            if self._proc is not None and self._proc.poll() is not None:
                self._end_process()
                last = self._last_console_line()
                raise EmulatorError(f"Renode exited (status {self.returncode}) during '{line}': {last}",
                                    fix="see Renode's output (run the renode command by hand)") from None
            raise

    def _last_console_line(self) -> str:
        self._read_console()
        lines = [l for l in self._console_text.strip().splitlines() if l.strip()]
        return lines[-1].strip() if lines else "no output"

    def machine_setup(self, name: str, platform: Platform, elf: Path, extra: Sequence[str] = ()) -> tuple[int, list[str]]:
        """The monitor commands that create machine `name` with the ELF loaded and a halted gdb
        server (its port, the commands)."""
        gdb_port = free_port()
        lines = monitor_script(platform, elf, gdb_port, extra, machine=name)
        self.ports[name] = gdb_port
        return gdb_port, lines

    def acquire_machine(self, platform: Platform, elf: Path, extra: Sequence[str] = ()) -> tuple[str, int, list[str]]:
        """A machine for `elf` with a gdb server waiting for its client once the returned monitor
        commands ran: an idle one of an earlier measurement of the same ELF on the same platform
        (reset, memory zeroed, ELF loaded again), else a new one. (name, gdb port, commands)."""
        key = _machine_key(platform, elf, extra)
        idle = self.idle.get(key)
        if idle:
            name = idle.pop()
            self.keys[name] = key
            return name, self.ports[name], [f'mach set "{name}"',
                                            f"python \"simprof_load('{name}', {_monitor_path(elf)})\"", *extra]
        name = self.next_machine_name()
        port, lines = self.machine_setup(name, platform, elf, extra)
        self.keys[name] = key
        return name, port, lines

    def drop_idle(self) -> list[str]:
        """The commands that remove the idle machines: `start` starts every machine of the
        emulation, and an idle one (no gdb client, memory zeroed) would run garbage next to the
        measured ones."""
        lines = []
        for key in list(self.idle):
            for name in self.idle.pop(key):
                lines += [f'mach rem "{name}"', f"python \"simprof_forget('{name}')\""]
                self.ports.pop(name, None)
        return lines

    def commands(self, lines: Sequence[str], timeout_s: float | None = None) -> str:
        """Several monitor commands in one line ("a; b"): one round trip. Renode stops at the first
        that fails and names it in its error text."""
        return self.command("; ".join(lines), timeout_s) if lines else ""

    def memory(self, name: str) -> MonitorMemory:
        return MonitorMemory(self.command, self.workdir, name, self.lock)

    def next_machine_name(self) -> str:
        """A machine name never used in this process (a reused process gets new machines)."""
        self.machines_made += 1
        return f"{MACHINE_NAME}{self.machines_made - 1}"

    def recycle(self, machines: Sequence[str]) -> bool:
        """Make this process ready for the next measurement after `machines` ended without an
        error (their gdb clients closed): each is kept for a later run of the same ELF, reset (CPU
        hooks and breakpoints removed, every memory zeroed as in a new machine, translated code
        dropped), or removed (`mach rem`) when enough are idle. False (the caller then stops the
        process) when Renode does not answer as expected."""
        if not self.alive() or self._stopped:
            return False
        lines = ["pause"]
        for name in machines:
            key = self.keys.pop(name, None)
            idle = self.idle.setdefault(key, []) if key is not None else None
            if idle is not None and sum(map(len, self.idle.values())) < MAX_IDLE_MACHINES:
                lines += [f"python \"simprof_reset('{name}')\"", f'mach set "{name}"', "machine Reset"]
                idle.append(name)
            else:
                lines += [f'mach rem "{name}"', f"python \"simprof_forget('{name}')\""]
                self.ports.pop(name, None)
        try:
            self.commands(lines, timeout_s=10.0)
        except EmulatorError as exc:
            log.info("Renode not reused: %s", exc.message)
            return False
        return self.alive()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        with self.lock:
            self._stopped = True
        if self.monitor is not None:
            self.monitor.close()
        self._end_process()
        if self._console_file is not None:
            try:
                self._console_file.close()
            except OSError:
                pass
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def console(self) -> str:
        """Renode's log output (semihosting output never appears: Renode ignores SYS_WRITE)."""
        if self._proc is not None and self._proc.poll() is None:
            self._read_console()
        return self._console_text


# Reuse of Renode processes (`reuse()`): a process whose machines all ended without an error is
# emptied (`mach clear`) and kept for the next measurement of this thread, so Renode's start-up is
# paid once per scope. Idle processes are stopped when the outermost scope ends (and at exit).
_pool: list[RenodeProcess] = []
_pool_lock = threading.Lock()
_reuse_depth = 0


def _take_pooled() -> RenodeProcess | None:
    with _pool_lock:
        for i, proc in enumerate(_pool):
            if proc.owner == threading.get_ident():
                del _pool[i]
                if proc.alive():
                    return proc
                proc.stop()
                return None
    return None


def _give_back(proc: RenodeProcess) -> None:
    with _pool_lock:
        if _reuse_depth > 0:
            _pool.append(proc)
            return
    proc.stop()


def _stop_pooled() -> None:
    with _pool_lock:
        idle = list(_pool)
        _pool.clear()
    for proc in idle:
        proc.stop()


atexit.register(_stop_pooled)


@contextlib.contextmanager
def reuse() -> Iterator[None]:
    """Within this scope, Renode measurements of this thread share one Renode process (reset
    between them by removing their machines) instead of starting one each: for flows that run
    many (min-arena search, validate, benchmarks). Private TMPDIR, timeouts and clean-up are as
    without it; a run that fails ends its process; the idle process ends with the scope."""
    global _reuse_depth
    with _pool_lock:
        _reuse_depth += 1
    try:
        yield
    finally:
        with _pool_lock:
            _reuse_depth -= 1
            last = _reuse_depth == 0
        if last:
            _stop_pooled()


@contextlib.contextmanager
def adopted(started: Launch | None) -> Iterator[None]:
    """Within this scope the first Renode measurement of this thread takes the process `started`
    (see `simprof.sim.renode_launch.early_start`) instead of starting one. A process no measurement
    took ends with the scope; one that was taken ends as without this (with its measurement, or
    with the `reuse()` scope that keeps it)."""
    proc = None
    if started is not None:
        proc = RenodeProcess()
        proc.adopt(started)
        with _pool_lock:
            _pool.append(proc)
    try:
        yield
    finally:
        if proc is not None:
            with _pool_lock:
                untaken = proc in _pool and proc.monitor is None
                if untaken:
                    _pool.remove(proc)
            if untaken:
                proc.stop()


def stop_idle() -> None:
    """End every idle Renode process kept by `reuse()` now (e.g. a pool worker about to exit)."""
    _stop_pooled()


def reuse_for_process() -> None:
    """A `reuse()` scope that lasts as long as this process: for a worker process that measures
    task after task (`simprof validate`'s pool workers), one Renode for all of them. Idle Renode
    processes end when it exits: at interpreter exit, at a multiprocessing worker's exit (which
    skips atexit), or at `stop_idle()`; a Renode also dies with the thread that started it."""
    global _reuse_depth
    from multiprocessing import util

    with _pool_lock:
        _reuse_depth += 1
    util.Finalize(None, _stop_pooled, exitpriority=0)


def _machine_key(platform: Platform, elf: Path, extra: Sequence[str]) -> tuple:
    """What a machine is set up for: an idle machine is only reused for the same platform,
    extra commands and ELF file (same path, size and modification time)."""
    st = Path(elf).stat()
    return (platform.id, str(Path(elf).resolve()), st.st_size, st.st_mtime_ns, tuple(extra))


def reuse_for(emulator: str) -> contextlib.AbstractContextManager:
    """`reuse()` for the Renode backend, nothing for the others."""
    return reuse() if emulator == "renode" else contextlib.nullcontext()


class RenodeGdbClient(GdbClient):
    """The gdb client of a Renode machine: memory reads go through the monitor (`peek`, the same
    bus access the stub would do), everything else through the stub."""
    peek: Callable[[int, int], bytes] | None = None

    def read_memory(self, address: int, length: int) -> bytes:
        if self.peek is None:
            return super().read_memory(address, length)
        return self.peek(address, length)


class RenodeGroup:
    """`count` machines running the same ELF in one Renode process (one per paint pattern): one
    start-up instead of `count`. Every gdb client connects before the monitor's `start`, so no
    machine executes an instruction before its client painted it. `session()` hands the machines
    out one by one; `close()` ends the process."""

    def __init__(self, platform: Platform, elf: Path, *, count: int, timeout_s: float = 10.0,
                 extra_args: Sequence[str] = ()) -> None:
        self.platform = platform
        self.elf = Path(elf)
        self.sessions: list[RenodeSession] = []
        self._next = 0
        self._lock = threading.Lock()
        self._clean = True                    # every machine ended without an error
        self._finished = 0
        self.process = _take_pooled() or RenodeProcess()
        try:
            info = read_elf(self.elf)
            self.notes = tuple(loadelf_hazards(info, platform))
            for note in self.notes:
                log.info("%s", note)
            if self.process.monitor is None:
                self.process.start()
            # Every machine's set-up, the removal of idle ones and the quantum: one monitor line.
            setup, machines = [], []
            for _ in range(count):
                name, port, lines = self.process.acquire_machine(platform, self.elf, extra_args)
                machines.append((name, port))
                setup += lines
            setup += self.process.drop_idle()
            # Machines of one emulation synchronise every quantum of virtual time; the default
            # (0.1 ms) made each `continue` of two machines ~2x slower, 10 ms still ~15% slower than
            # 100 ms (measured on 1.15.3). Timing does not matter to inference; breakpoints and
            # hooks stay exact, and a pause (timeout, Ctrl-C) still answers at once.
            setup.append(f'python "simprof_quantum({GLOBAL_QUANTUM_MS})"')    # emulation SetGlobalQuantum
            self.process.commands(setup)
            for name, port in machines:
                gdb = RenodeGdbClient.connect("127.0.0.1", port, timeout_s=max(timeout_s, 10.0),
                                              max_packet_size=RENODE_PACKET_SIZE)
                gdb.resume_steps_off_breakpoints = True
                gdb.transient_errors = ("E9999",)
                self.sessions.append(RenodeSession(platform, self.elf, timeout_s=timeout_s,
                                                   _group=self, _machine=name, _gdb=gdb))
            # The gdb servers run with autostart off: each CPU stays halted for its client, but
            # emulation time must run for `continue` to execute anything.
            self.process.command("start")
        except BaseException:
            self.close()
            raise

    def session(self, platform: Platform, elf: Path, *, timeout_s: float = 10.0,
                icount_shift: int | None = None, extra_args: Sequence[str] = ()) -> "RenodeSession":
        """The session factory measure_elf calls once per paint pattern."""
        with self._lock:
            if self._next >= len(self.sessions):
                raise EmulatorError("more Renode sessions requested than machines started",
                                    fix="report this as a bug")
            s = self.sessions[self._next]
            self._next += 1
        if icount_shift is not None:
            log.info("Renode has no -icount; icount_shift=%s ignored", icount_shift)
        return s

    def finished(self, ok: bool) -> None:
        """A machine's run ended (ok: without an error)."""
        with self._lock:
            self._finished += 1
            self._clean = self._clean and ok

    def close(self) -> None:
        for s in self.sessions:
            if s.gdb is not None:
                s.gdb.close()
        with self._lock:
            reusable = (self._clean and self.sessions and self._finished == len(self.sessions)
                        and _reuse_depth > 0 and self.process.owner == threading.get_ident())
            self._clean = False               # a second close() only stops
        if reusable and self.process.recycle([m._machine for m in self.sessions]):
            _give_back(self.process)
        else:
            self.process.stop()

    def __enter__(self) -> "RenodeGroup":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@dataclass
class RenodeSession:
    """One halted Renode machine with a connected gdb client (the `EmulatorSession` protocol).
    Alone (`RenodeSession(platform, elf)`) it owns a Renode process with one machine; from a
    `RenodeGroup` it is one of that process's machines.

    Memory moves through the monitor (`read_memory`, `write_memory`, `fill_memory`), not the gdb
    stub. icount_shift has no Renode equivalent and is ignored; extra_args are extra monitor
    commands run after LoadELF (e.g. 'sysbus.cpu VectorTableOffset 0x08000000')."""
    platform: Platform
    elf: Path
    timeout_s: float = 10.0
    icount_shift: int | None = None
    extra_args: Sequence[str] = ()
    _group: RenodeGroup | None = field(default=None, repr=False)
    _machine: str = field(default=MACHINE_NAME, repr=False)
    _gdb: GdbClient | None = field(default=None, repr=False)
    gdb: GdbClient | None = field(default=None, init=False)
    # Renode ignores semihosting exit: a run never ends by itself, so nobody should wait for it.
    reports_exit: bool = field(default=False, init=False)
    _own: RenodeGroup | None = field(default=None, init=False, repr=False)
    _memory: MonitorMemory | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.gdb = self._gdb

    def __enter__(self) -> "RenodeSession":
        self.start()
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if self._group is not None:
            self._group.finished(ok=exc_type is None)
        elif self._own is not None:
            self._own.finished(ok=exc_type is None)
        self.stop()

    @property
    def group(self) -> RenodeGroup:
        g = self._group or self._own
        if g is None:
            raise EmulatorError("Renode session not started", fix="report this as a bug")
        return g

    @property
    def notes(self) -> tuple[str, ...]:
        g = self._group or self._own
        return g.notes if g is not None else ()

    def start(self) -> None:
        if self._group is None and self._own is None:
            self._own = RenodeGroup(self.platform, Path(self.elf), count=1, timeout_s=self.timeout_s,
                                    extra_args=self.extra_args)
            own = self._own.sessions[0]
            self.gdb, self._machine = own.gdb, own._machine
        self._memory = self.group.process.memory(self._machine)
        if self.gdb is not None:
            self.gdb.before_use = self._memory.flush    # queued fills/writes before a resume
            if isinstance(self.gdb, RenodeGdbClient):
                self.gdb.peek = self._memory.peek

    @property
    def monitor(self) -> MonitorClient | None:
        return self.group.process.monitor

    @property
    def returncode(self) -> int | None:
        return self.group.process.returncode

    def read_memory(self, address: int, length: int) -> bytes:
        return self._mem().read(address, length)

    def write_memory(self, address: int, data: bytes) -> None:
        self._mem().write(address, data)

    def fill_memory(self, address: int, length: int, value: int) -> None:
        self._mem().fill(address, length, value)

    def read_and_fill(self, reads, fill):
        """Reads, then a fill, in one monitor round trip (measure_elf's operator boundaries)."""
        return self._mem().read_and_fill(reads, fill)

    def install_marker_hooks(self, begin: int, end: int, bottom: int, top: int, arena: tuple[int, int],
                             pattern: int) -> None:
        """Operator markers handled inside Renode by CPU hooks: no gdb stop per boundary
        (measure_elf replays `marker_events()` at the stop point)."""
        self._mem().install_marker_hooks(begin, end, bottom, top, arena, pattern)

    def marker_events(self):
        return self._mem().marker_events()

    def _mem(self) -> MonitorMemory:
        if self._memory is None:
            self._memory = self.group.process.memory(self._machine)
        return self._memory

    def wait_exit(self, timeout_s: float) -> int | None:
        """Renode ignores semihosting exit, so the firmware never ends it: no waiting; the exit
        status only when Renode itself died."""
        return self.group.process.returncode if not self.group.process.alive() else None

    def stop(self) -> None:
        """This machine's part: its gdb connection. A session that owns its process ends it (process
        group killed and reaped, private directory removed); a group's process ends with the group."""
        if self.gdb is not None:
            self.gdb.close()
        if self._own is not None:
            self._own.close()

    @property
    def console(self) -> str:
        g = self._group or self._own
        return g.process.console if g is not None else ""

    @classmethod
    def group_for(cls, platform: Platform, elf: Path, *, count: int, timeout_s: float = 10.0) -> RenodeGroup:
        """One Renode process for `count` runs of `elf` (measure_elf's paint patterns)."""
        return RenodeGroup(platform, elf, count=count, timeout_s=timeout_s)


def register() -> None:
    """Make 'renode' a backend name of `simprof.sim.backend` (idempotent)."""
    from simprof.sim.backend import BACKENDS, GROUPS, LABELS
    BACKENDS.setdefault("renode", (RenodeSession, renode_version, renode_binary))
    LABELS.setdefault("renode", renode_label)
    GROUPS.setdefault("renode", RenodeSession.group_for)


register()
