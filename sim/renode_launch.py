"""Starting a Renode process without waiting for it. Renode takes seconds to start (Mono start-up
and JIT-compiling), so `simprof measure --emulator renode` starts it before anything else and does
its own work (imports, reading and estimating the model, locating the image) meanwhile. This module
therefore imports nothing heavy (no ELF reader, no platform files): the rest of the backend
(simprof.sim.renode) is imported once Renode is on its way.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from simprof.core.errors import ToolchainError
from simprof.sim.process import popen_tied

log = logging.getLogger(__name__)

RENODE_ENV = "SIMPROF_RENODE"
# Platform id -> Renode platform description shipped in platforms/renode/.
# Every simprof platform whose core Renode 1.15 models (cortex-m0/m3/m4/m7/m33); Renode 1.15 has no
# Cortex-M55 (corstone300).
DESCRIPTIONS = {"stm32f4": "stm32f4_discovery.repl", "nrf52840": "nrf52840.repl", "nrf51": "nrf51.repl",
                "stm32f746": "stm32f746.repl", "nrf5340": "nrf5340.repl", "stm32f2": "stm32f2.repl",
                "lm3s6965": "lm3s6965.repl"}
# Mono's default nursery (4 MiB) collects hundreds of times while Renode starts and JIT-compiles; a
# larger one saved ~10% of its CPU time up to the first run (measured on 1.15.3, for ~0.2 GB more
# memory). A user's own MONO_GC_PARAMS wins; .NET builds of Renode ignore it.
MONO_GC_PARAMS = "nursery-size=128m"


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


def renode_command(exe: str, monitor_port: int) -> list[str]:
    """Headless Renode: no GUI (--disable-xwt), no colours or cursor tricks (--plain), monitor on a
    telnet socket on 127.0.0.1:monitor_port (-P)."""
    return [exe, "--disable-xwt", "--plain", "-P", str(monitor_port)]


def free_port() -> int:
    """A port the OS considers free now. Renode binds its sockets itself (no fd passing as with
    QEMU), so a tiny race remains; a clash shows up as a start-up error naming the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Launch:
    """A Renode process just started: its private directory (its TMPDIR, the transfer files), the
    monitor port it will listen on, its console file."""
    exe: str
    cmd: list[str]
    workdir: Path
    monitor_port: int
    console_file: IO[bytes]
    proc: subprocess.Popen


def launch() -> Launch:
    """Start Renode now, headless, with a private TMPDIR (Renode deletes every `$TMPDIR/renode-*`
    directory not ending in a live PID when it starts: the user's TMPDIR could lose someone else's
    files), tied to this thread (it dies with it, even on SIGKILL). Returns at once."""
    exe = renode_binary()
    workdir = Path(tempfile.mkdtemp(prefix="simprof-renode-"))
    try:
        tmp = workdir / "tmp"
        tmp.mkdir()
        env = dict(os.environ, TMPDIR=str(tmp))
        env.setdefault("MONO_GC_PARAMS", MONO_GC_PARAMS)
        port = free_port()
        cmd = renode_command(exe, port)
        console = tempfile.TemporaryFile(prefix="simprof-renode-", dir=workdir)
        log.debug("starting %s", " ".join(cmd))
        proc = popen_tied(cmd, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT, env=env,
                          cwd=workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Launch(exe, cmd, workdir, port, console, proc)


@contextlib.contextmanager
def early_start(platform_id: str | None = None) -> Iterator[None]:
    """Start a Renode process now for the first Renode measurement of this thread within the scope
    (`simprof.sim.renode.adopted`: a process no measurement took ends with the scope). Nothing when
    Renode is absent or has no description for `platform_id` (the measurement then says so)."""
    started = None
    if (platform_id is None or platform_id in DESCRIPTIONS) and renode_available():
        started = launch()
    try:
        from simprof.sim.renode import adopted          # the rest of the backend, while Renode starts
    except BaseException:
        if started is not None:
            _abandon(started)
        raise
    with adopted(started):
        yield


def _abandon(started: Launch) -> None:
    from simprof.sim.process import kill_group, reap

    kill_group(started.proc)
    reap(started.proc)
    started.console_file.close()
    shutil.rmtree(started.workdir, ignore_errors=True)
