"""Emulator backends behind one session protocol. A backend is code registered by name; the
measuring code only needs what `EmulatorSession` promises: a halted target at reset with a
connected gdb client, the console text, and a `stop()` that always ends the emulator. A session
may also offer `read_memory(address, length)`, a faster bulk read than the stub (QEMU: QMP
memsave); without it the measuring code reads through the gdb client.

QEMU is the default backend; Renode (DESIGN.md §3, sim/renode.py) is registered too and checks at
use that `renode` is on PATH.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, Sequence

from simprof.core.errors import EmulatorError
from simprof.platforms import Platform
from simprof.sim.gdb_rsp import GdbClient
from simprof.sim.qemu import QemuSession, qemu_binary, qemu_version


class EmulatorSession(Protocol):
    gdb: GdbClient | None
    returncode: int | None

    def __enter__(self) -> "EmulatorSession": ...
    def __exit__(self, *exc_info) -> None: ...
    def stop(self) -> None: ...
    def wait_exit(self, timeout_s: float) -> int | None: ...
    @property
    def console(self) -> str: ...


SessionFactory = Callable[..., EmulatorSession]

# name -> (session factory(platform, elf, timeout_s=, icount_shift=, extra_args=), version string,
#          check that raises ToolchainError when the emulator is missing)
BACKENDS: dict[str, tuple[SessionFactory, Callable[[], str], Callable[[], object]]] = {
    "qemu": (QemuSession, qemu_version, qemu_binary),
}
# name -> what `Measurement.emulator` says, from the platform and the version string.
LABELS: dict[str, Callable[[Platform, str], str]] = {
    "qemu": lambda platform, version: f"{version} -M {platform.qemu_machine}",
}
# name -> group(platform, elf, count=, timeout_s=): one emulator process for `count` runs of the
# same ELF, with a `.session` factory handing out its machines and a `.close()`. Backends whose
# start-up is expensive (Renode: seconds) offer it; others start one process per run.
GROUPS: dict[str, Callable[..., object]] = {}


def label(name: str, platform: Platform, version: str) -> str:
    return LABELS.get(name, LABELS["qemu"])(platform, version)


def backend(name: str) -> tuple[SessionFactory, Callable[[], str]]:
    """The session factory and version function of a backend, after checking it is installed."""
    if name not in BACKENDS:
        raise EmulatorError(f"unknown emulator backend '{name}'", fix=f"use one of {', '.join(BACKENDS)}")
    factory, version, check = BACKENDS[name]
    check()
    return factory, version


def open_session(name: str, platform: Platform, elf: Path, *, timeout_s: float,
                 icount_shift: int | None = None, extra_args: Sequence[str] = ()) -> EmulatorSession:
    factory, _ = backend(name)
    return factory(platform, elf, timeout_s=timeout_s, icount_shift=icount_shift, extra_args=extra_args)


def _register_optional_backends() -> None:
    # Renode's module only defines start-up; registering it costs nothing when it is absent, and
    # `backend("renode")` then fails with its one-line "not found" error.
    from simprof.sim import renode

    renode.register()


_register_optional_backends()
