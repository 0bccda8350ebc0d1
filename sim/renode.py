"""Renode sessions: the start-up of the `renode` emulator backend. Everything after start-up (paint,
run to the stop symbol, read back) is the same gdb-remote client and fill-and-read code as for QEMU:
a `RenodeSession` hands `measure_elf` a halted target with a connected `GdbClient`, like `QemuSession`.

Start-up (facts from a Renode 1.15.3 build, DESIGN.md §3; Renode cannot be installed here, so this
sequence is tested against a stand-in monitor, not against Renode itself — docs/renode.md):

    renode --disable-xwt --plain -P <monitor port>            headless, monitor on a telnet socket
    <9 bytes of telnet answers>                               else Renode drops the first 9 characters
    mach create "simprof"
    machine LoadPlatformDescription @platforms/renode/<id>.repl   copies without the SVD download
    sysbus LoadELF @fw.elf
    machine StartGdbServer <gdb port> false                   halted until the client says continue
    (gdb client connects)
    start                                                     emulation time runs; the CPU waits for gdb

Differences from QEMU that the measuring code must respect: semihosting output and exit are ignored
(runs end at the stop-symbol breakpoint; results are read from RAM, the console stays empty), and
LoadELF zero-fills every PT_LOAD segment to its MemSiz at its load address (`loadelf_hazards`).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from simprof.core.errors import ElfError, EmulatorError, EmulatorTimeout, PlatformError, ToolchainError
from simprof.platforms import PLATFORM_DIR, Platform
from simprof.sim.elf import ElfInfo, read_elf
from simprof.sim.gdb_rsp import GdbClient
from simprof.sim.process import ConsoleProcessMixin

log = logging.getLogger(__name__)

RENODE_ENV = "SIMPROF_RENODE"
DESCRIPTION_DIR = PLATFORM_DIR / "renode"
# Platform id -> Renode platform description shipped in platforms/renode/.
DESCRIPTIONS = {"stm32f4": "stm32f4_discovery.repl", "nrf52840": "nrf52840.repl"}
MACHINE_NAME = "simprof"
# IAC WILL BINARY, IAC DO ECHO, IAC DO SUPPRESS-GO-AHEAD: the answers a telnet client gives to
# Renode's opening negotiation. Without them Renode eats the first 9 characters of the first command.
TELNET_ANSWERS = bytes.fromhex("fffb00fffd01fffd03")
STARTUP_TIMEOUT_S = 60.0      # Renode (a .NET program) takes seconds to start, more on a loaded CI box
COMMAND_TIMEOUT_S = 30.0
PROMPT_NUDGE_S = 2.0          # silence after connecting before an empty line asks for a prompt

_IAC = 0xFF
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_PROMPT = re.compile(r"\(([^()\r\n]+)\) ?$")
# Monitor replies that mean the command failed (Renode prints errors as text, it has no status).
_ERROR_LINE = re.compile(r"^\s*(there was an error|error\b|fatal error|could not|couldn't|failed|no such|"
                         r"bad parameters|unknown command|invalid|unhandled exception|exception has been thrown)"
                         r"|does not provide a field", re.IGNORECASE)


def renode_binary() -> str:
    """The renode executable ($SIMPROF_RENODE or `renode` on PATH); one clear line when absent."""
    exe = os.environ.get(RENODE_ENV) or "renode"
    path = shutil.which(exe)
    if path is None:
        raise ToolchainError(f"Renode not found: no '{exe}' executable on PATH",
                             fix=f"install Renode 1.15 from renode.io (no Debian/PyPI package) and put "
                                 f"`renode` on PATH or set {RENODE_ENV}; or use --emulator qemu")
    return path


def renode_available() -> bool:
    try:
        renode_binary()
    except ToolchainError:
        return False
    return True


def renode_version() -> str:
    try:
        out = subprocess.run([renode_binary(), "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError, ToolchainError):
        return "renode (unknown version)"
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    return lines[0].strip() if lines else "renode"


def renode_command(exe: str, monitor_port: int) -> list[str]:
    """Headless Renode: no GUI (--disable-xwt), no colours or cursor tricks (--plain), monitor on a
    telnet socket on 127.0.0.1:monitor_port (-P)."""
    return [exe, "--disable-xwt", "--plain", "-P", str(monitor_port)]


def description_for(platform: Platform) -> Path:
    name = DESCRIPTIONS.get(platform.id)
    if name is None:
        raise PlatformError(f"no Renode platform description for platform '{platform.id}'",
                            fix=f"use one of {', '.join(sorted(DESCRIPTIONS))} with --emulator renode, "
                                "or --emulator qemu")
    return DESCRIPTION_DIR / name


def _monitor_path(path: Path) -> str:
    text = str(Path(path).resolve())
    if any(c.isspace() for c in text):
        raise EmulatorError(f"path {text!r} contains white space, which the Renode monitor splits on",
                            fix="move the ELF (or simprof) to a path without spaces")
    return "@" + text


def monitor_script(platform: Platform, elf: Path, gdb_port: int, extra: Sequence[str] = ()) -> list[str]:
    """The monitor commands that load `elf` on `platform` and open the gdb server (halted).
    `extra` commands run after LoadELF, before the gdb server starts."""
    return [f'mach create "{MACHINE_NAME}"',
            f"machine LoadPlatformDescription {_monitor_path(description_for(platform))}",
            f"sysbus LoadELF {_monitor_path(elf)}",
            *extra,
            f"machine StartGdbServer {gdb_port} false"]


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


def free_port() -> int:
    """A port the OS considers free now. Renode binds its sockets itself (no fd passing as with
    QEMU), so a tiny race remains; a clash shows up as a start-up error naming the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
                time.sleep(0.1)
        client = cls(sock)
        sock.sendall(TELNET_ANSWERS)
        # A monitor that shows no prompt until it gets input is nudged with empty lines (an empty
        # command only prints a new prompt).
        while True:
            try:
                client.read_until_prompt(min(PROMPT_NUDGE_S, max(0.1, deadline - time.monotonic())))
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
        while True:
            text = self._text()
            m = _PROMPT.search(text)
            if m:
                self._raw.clear()
                self.prompt = m.group(1)
                return text[:m.start()]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorTimeout(f"Renode's monitor gave no prompt within {timeout_s:.0f} s "
                                    f"(last output: {text.strip()[-120:]!r})", fix="see Renode's output")
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
        for l in lines:
            if _ERROR_LINE.search(l):
                raise EmulatorError(f"Renode monitor command '{line}' failed: {l.strip()}",
                                    fix="check the platform description and the ELF path")
        return reply

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


@dataclass
class RenodeSession(ConsoleProcessMixin):
    """One halted Renode machine with a connected gdb client (the `EmulatorSession` protocol).

    icount_shift has no Renode equivalent and is ignored; extra_args are extra monitor commands run
    after LoadELF (e.g. 'sysbus.cpu VectorTableOffset 0x08000000')."""
    platform: Platform
    elf: Path
    timeout_s: float = 10.0
    icount_shift: int | None = None
    extra_args: Sequence[str] = ()
    gdb: GdbClient | None = field(default=None, init=False)
    monitor: MonitorClient | None = field(default=None, init=False)
    returncode: int | None = field(default=None, init=False)
    notes: tuple[str, ...] = field(default=(), init=False)
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _console_file: object = field(default=None, init=False, repr=False)
    _console_text: str = field(default="", init=False, repr=False)

    def __enter__(self) -> "RenodeSession":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        exe = renode_binary()
        info = read_elf(self.elf)
        self.notes = tuple(loadelf_hazards(info, self.platform))
        for note in self.notes:
            log.info("%s", note)
        if self.icount_shift is not None:
            log.info("Renode has no -icount; icount_shift=%s ignored", self.icount_shift)
        monitor_port, gdb_port = free_port(), free_port()
        script = monitor_script(self.platform, Path(self.elf), gdb_port, self.extra_args)
        cmd = renode_command(exe, monitor_port)
        self._console_file = tempfile.TemporaryFile(prefix="simprof-renode-")
        log.debug("starting %s", " ".join(cmd))
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._console_file,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.monitor = MonitorClient.connect("127.0.0.1", monitor_port, timeout_s=STARTUP_TIMEOUT_S,
                                                 alive=lambda: self._proc.poll() is None)
            for line in script:
                self.monitor.command(line)
            self.gdb = GdbClient.connect("127.0.0.1", gdb_port, timeout_s=max(self.timeout_s, 10.0))
            # The gdb server was started with autostart off: the CPU stays halted for gdb, but
            # emulation time must run for `continue` to execute anything.
            self.monitor.command("start")
        except BaseException:
            self.stop()
            raise

    def wait_exit(self, timeout_s: float) -> int | None:
        """Renode ignores semihosting exit, so the firmware never ends it; None unless it died."""
        if self._proc is None:
            return self.returncode
        try:
            self.returncode = self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self) -> None:
        """End Renode: SIGKILL to its process group (Renode and its runtime), then reap it."""
        if self.gdb is not None:
            self.gdb.close()
        if self.monitor is not None:
            self.monitor.close()
        self._end_process()

    @property
    def console(self) -> str:
        """Renode's log output (semihosting output never appears: Renode ignores SYS_WRITE)."""
        if self._proc is not None and self._proc.poll() is None:
            self._read_console()
        return self._console_text


def register() -> None:
    """Make 'renode' a backend name of `simprof.sim.backend` (idempotent)."""
    from simprof.sim.backend import BACKENDS
    BACKENDS.setdefault("renode", (RenodeSession, renode_version, renode_binary))


register()
