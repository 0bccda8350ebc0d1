"""Bulk memory access to a Renode machine through its monitor, not its gdb stub.

Renode 1.15's gdb stub reads its socket one byte at a time: memory moves at ~60–115 KiB/s and each
packet costs 2–30 ms (DESIGN.md §3b), so painting and reading back an arena through it dominates a
measurement. The monitor runs Python (IronPython, inside Renode) with the machine's system bus at
hand: `SystemBus.ReadBytes`/`WriteBytes` move a whole region in one call, and a file in the
session's private directory carries the bytes, so one monitor round trip moves any amount.

The helpers below are loaded once per Renode process (`python "execfile('...')"`); every call is
one monitor line, with file names relative to the private directory (short lines: the monitor
echoes every character). They bind each machine's bus by name, so several machines (one per paint
pattern) share one Renode process.
"""
from __future__ import annotations

import struct
import threading
from pathlib import Path
from typing import Callable

from simprof.core.errors import EmulatorError

# IronPython 2.7 (Renode's monitor). `self` is the monitor; its `Machine` is the current machine,
# which `mach set`/`mach create` selects before `simprof_bind`.
HELPERS = '''\
import System
from System import UInt64, Int64
from System.IO import File

simprof_buses = {}
simprof_fills = {}

def simprof_path(name):
    # transfer files live in the session's private directory (simprof_dir, set below)
    return simprof_dir + '/' + name

simprof_machines = {}

def simprof_bind(name):
    simprof_buses[name] = self.Machine.SystemBus
    simprof_machines[name] = self.Machine

# The machine's set-up as direct calls: what `machine LoadPlatformDescription @d`, `sysbus LoadELF
# @elf` and `machine StartGdbServer <port> false` call, without the monitor's look-up of each
# command (0.72-0.75 s instead of 0.89-0.92 s for two machines, measured on 1.15.3).
def simprof_machine(name, description, elf):
    # on the machine `mach create` just made (the current one)
    from Antmicro.Renode.PlatformDescription.UserInterface import PlatformDescriptionMachineExtensions
    simprof_bind(name)
    PlatformDescriptionMachineExtensions.LoadPlatformDescription(simprof_machines[name], description)
    simprof_load(name, elf)

def simprof_load(name, elf):
    from Antmicro.Renode.Utilities import ReadFilePath
    simprof_buses[name].LoadELF(ReadFilePath(elf))

def simprof_gdb(name, port):
    # halted until its client says continue (autostart off)
    simprof_machines[name].StartGdbServer(port, False)

def simprof_read(name, address, count, path):
    File.WriteAllBytes(simprof_path(path), simprof_buses[name].ReadBytes(UInt64(address), count))

def simprof_peek(name, address, count, path):
    # a read as Renode's gdb stub does one (`m`): nothing mapped at the address is an error, 1/2/4/8
    # bytes are one bus access of that width, anything else ReadBytes; the CPU is the context
    bus = simprof_buses[name]
    cpu = list(bus.GetCPUs())[0]
    at = UInt64(address)
    if bus.WhatIsAt(at, cpu) is None:
        raise ValueError('nothing mapped at 0x%x' % address)
    if count in (1, 2, 4, 8):
        value = (bus.ReadByte, bus.ReadWord, None, bus.ReadDoubleWord, None, None, None,
                 bus.ReadQuadWord)[count - 1](at, cpu)
        data = System.BitConverter.GetBytes(UInt64(value))[:count]
    else:
        data = bus.ReadBytes(at, count, False, cpu)
    File.WriteAllBytes(simprof_path(path), data)

def simprof_quantum(ms):
    # as `emulation SetGlobalQuantum`, without the monitor's look-up of the command (~45 ms)
    from Antmicro.Renode.Core import EmulationManager
    from Antmicro.Renode.Time import TimeInterval
    from Antmicro.Renode.UserInterface import MonitorTimeExtensions
    MonitorTimeExtensions.SetGlobalQuantum(EmulationManager.Instance.CurrentEmulation,
                                           TimeInterval.FromMilliseconds(UInt64(ms)))

def simprof_write(name, address, path):
    simprof_buses[name].WriteBytes(File.ReadAllBytes(simprof_path(path)), UInt64(address))

def simprof_batch(name, reads, fill):
    # reads: [(address, count, path)]; then fill: (address, count, path) or None
    bus = simprof_buses[name]
    for address, count, path in reads:
        File.WriteAllBytes(simprof_path(path), bus.ReadBytes(UInt64(address), count))
    if fill is not None:
        simprof_fill(name, fill[0], fill[1], fill[2])

# Operator markers handled inside Renode (cpu AddHook): at simprof_op_begin the dead stack
# [bottom, SP) and the arena are copied and the dead stack re-painted; at simprof_op_end the stack
# below the SP of the matching begin and the arena are copied. Each record goes straight to a file
# (kind, index, SP, stack length, arena length as 5 little-endian uint32, then the bytes); the host
# replays the records as it would handle breakpoints there, so the figures are the same, without a
# gdb stop per boundary. A failure inside a hook is kept and reported by simprof_events.
simprof_ops = {}

def simprof_hooks(name, begin, end, bottom, arena, arena_size, paint, path):
    out = System.IO.BinaryWriter(System.IO.FileStream(simprof_path(path), System.IO.FileMode.Create))
    simprof_ops[name] = [bottom, arena, arena_size, File.ReadAllBytes(simprof_path(paint)), {}, out, [],
                         simprof_buses[name], path]
    # hooks run in their own Python scopes: they find simprof_marker through the AppDomain
    System.AppDomain.CurrentDomain.SetData('simprof_marker', simprof_marker)
    machine = simprof_machines[name]
    cpu = list(machine.SystemBus.GetCPUs())[0]
    for kind, address in ((0, begin), (1, end)):
        script = "System.AppDomain.CurrentDomain.GetData('simprof_marker')('%s', %d, cpu)" % (name, kind)
        Antmicro.Renode.Hooks.CpuHooksExtensions.AddHook(cpu, machine, UInt64(address), script)

def simprof_marker(name, kind, cpu):
    state = simprof_ops[name]
    try:
        simprof_record(state, kind, cpu)
    except Exception as e:
        state[6].append(str(e))

def simprof_record(state, kind, cpu):
    bottom, arena, arena_size, paint, opened, out, errors, bus, path = state
    index = int(cpu.GetRegister(0).RawValue)
    sp = int(cpu.GetRegister(13).RawValue)
    if kind == 0:
        opened[index] = sp
        top = sp
    elif index in opened:
        top = opened.pop(index)
    else:
        top = bottom
        arena_size = 0
    n = max(top - bottom, 0)
    for v in (kind, index, sp, n, arena_size):
        out.Write(System.UInt32(v & 0xFFFFFFFF))
    if n > 0:
        out.Write(bus.ReadBytes(UInt64(bottom), n))
    if arena_size > 0:
        out.Write(bus.ReadBytes(UInt64(arena), arena_size))
    if kind == 0 and n > 0:
        bus.WriteBytes(paint, UInt64(bottom), Int64(n))

def simprof_events(name):
    # ends the record file; a hook's failure goes into <file>.err
    state = simprof_ops[name]
    state[5].Close()
    if state[6]:
        File.WriteAllText(simprof_path(state[8] + '.err'), '; '.join(state[6][:3]))

def simprof_reset(name):
    # before the machine runs again: no hooks or breakpoints, memories zeroed as in a new
    # machine, no translated code
    if name in simprof_ops:
        simprof_ops.pop(name)[5].Close()
    machine = simprof_machines[name]
    memory = clr.GetClrType(Antmicro.Renode.Peripherals.Memory.MappedMemory)
    for each in machine.GetPeripheralsOfType(memory):
        each.ZeroAll()
    for cpu in machine.SystemBus.GetCPUs():
        cpu.RemoveAllHooks()
        cpu.ClearTranslationCache()

def simprof_forget(name):
    # the machine was removed: drop what refers to it
    if name in simprof_ops:
        simprof_ops[name][5].Close()
    for table in (simprof_buses, simprof_machines, simprof_ops):
        table.pop(name, None)

def simprof_fill(name, address, count, path):
    # path holds at least `count` bytes of the paint value; kept in memory after the first use
    data = simprof_fills.get(path)
    if data is None or data.Length < count:
        data = File.ReadAllBytes(simprof_path(path))
        simprof_fills[path] = data
    simprof_buses[name].WriteBytes(data, UInt64(address), Int64(count))
'''


class MonitorMemory:
    """Read/write/fill one machine's memory with monitor commands; `command(line)` runs one
    monitor line (shared by every machine of the process, so calls are serialised)."""

    def __init__(self, command: Callable[[str], str], workdir: Path, machine: str,
                 lock: threading.Lock) -> None:
        self._command = command
        self._dir = workdir
        self._machine = machine
        self._lock = lock
        self._seq = 0
        self._fill_size: dict[int, int] = {}
        self._events: Path | None = None
        # Fills and writes wait here and go with the next monitor command of this machine (or
        # `flush()`, which the gdb client calls before it resumes or touches memory): one monitor
        # round trip (~10-40 ms on Renode) instead of one each.
        self._pending: list[str] = []
        self._pending_files: list[Path] = []
        # At the stop point the stack and the arena are read back anyway: they come with the
        # marker records' command (`marker_events`) and wait here until read, written or resumed.
        # (The painted regions are read back there too.)
        self._stop_reads: list[tuple[int, int]] = []
        self._painted: dict[tuple[int, int], None] = {}
        self._prefetched: dict[tuple[int, int], Path] = {}

    @staticmethod
    def helpers_command(workdir: Path) -> str:
        """The monitor command that loads the helpers (written into `workdir` now)."""
        script = workdir / "simprof_helpers.py"
        script.write_text(HELPERS + f"\nsimprof_dir = {str(workdir)!r}\n")
        return f"python \"execfile('{script}')\""

    def bind(self) -> None:
        """Run while this machine is the monitor's current one."""
        self._command(f"python \"simprof_bind('{self._machine}')\"")

    def _file(self, what: str) -> Path:
        self._seq += 1
        return self._dir / f"{self._machine[-1]}{what[0]}{self._seq}"

    def _call(self, call: str | None) -> None:
        """Run the pending fills and writes, then `call`, in one monitor command."""
        calls = self._pending + ([call] if call else [])
        files, self._pending, self._pending_files = self._pending_files, [], []
        try:
            if calls:
                with self._lock:
                    self._command('python "' + "; ".join(calls) + '"')
        finally:
            for f in files:
                f.unlink(missing_ok=True)

    def flush(self) -> None:
        """Before the gdb client touches memory or resumes the core."""
        self._drop_prefetched()
        if self._pending:
            self._call(None)

    def _drop_prefetched(self) -> None:
        for path in self._prefetched.values():
            path.unlink(missing_ok=True)
        self._prefetched.clear()

    def read(self, address: int, length: int) -> bytes:
        if length <= 0:
            return b""
        path = self._prefetched.pop((address, length), None)
        if path is None:
            path = self._file("read")
            self._call(f"simprof_read('{self._machine}', {address:#x}, {length}, '{path.name}')")
        return self._take(path, address, length)

    @staticmethod
    def _take(path: Path, address: int, length: int) -> bytes:
        """The bytes Renode wrote to `path` (removed afterwards), checked for their length."""
        try:
            data = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
        if len(data) != length:
            raise EmulatorError(f"Renode returned {len(data)} of {length} bytes at 0x{address:08x}",
                                fix="read only memory the platform description maps")
        return data

    def peek(self, address: int, length: int) -> bytes:
        """A read as Renode's gdb stub would do it (`simprof_peek`), through the monitor: the stub
        reads its socket a byte at a time, and before a run, with the monitor busy, each of its
        memory reads took 50-120 ms."""
        if length <= 0:
            return b""
        path = self._file("peek")
        self._call(f"simprof_peek('{self._machine}', {address:#x}, {length}, '{path.name}')")
        return self._take(path, address, length)

    def write(self, address: int, data: bytes) -> None:
        if not data:
            return
        self._drop_prefetched()
        path = self._file("write")
        path.write_bytes(data)
        self._pending_files.append(path)
        self._pending.append(f"simprof_write('{self._machine}', {address:#x}, '{path.name}')")

    def _fill_file(self, length: int, value: int) -> Path:
        """A file of at least `length` bytes of `value` (one per value, grown when needed; Renode
        keeps its bytes after the first use). Call with the lock held."""
        path = self._dir / f"f{value:02x}"
        if self._fill_size.get(value, 0) < length:
            if not path.exists() or path.stat().st_size < length:
                path.write_bytes(bytes([value]) * max(length, 64 * 1024))
            self._fill_size[value] = path.stat().st_size
        return path

    def fill(self, address: int, length: int, value: int) -> None:
        if length <= 0:
            return
        self._drop_prefetched()
        self._painted[(address, length)] = None
        with self._lock:
            path = self._fill_file(length, value)
        self._pending.append(f"simprof_fill('{self._machine}', {address:#x}, {length}, '{path.name}')")

    def read_and_fill(self, reads: list[tuple[int, int]],
                      fill: tuple[int, int, int] | None) -> list[bytes]:
        """Read every (address, length) region, then fill (address, length, value): one command."""
        paths = [self._file("batch") for _ in reads]
        spec = ", ".join(f"({a:#x}, {max(n, 0)}, '{p.name}')" for (a, n), p in zip(reads, paths))
        with self._lock:
            fill_spec = "None"
            if fill is not None and fill[1] > 0:
                fill_spec = f"({fill[0]:#x}, {fill[1]}, '{self._fill_file(fill[1], fill[2]).name}')"
        self._call(f"simprof_batch('{self._machine}', [{spec}], {fill_spec})")
        out = []
        try:
            for (a, n), p in zip(reads, paths):
                data = p.read_bytes()
                if len(data) != max(n, 0):
                            raise EmulatorError(f"Renode returned {len(data)} of {n} bytes at 0x{a:08x}",
                                        fix="read only memory the platform description maps")
                out.append(data)
        finally:
            for p in paths:
                p.unlink(missing_ok=True)
        return out

    def install_marker_hooks(self, begin: int, end: int, bottom: int, top: int, arena: tuple[int, int],
                             pattern: int) -> None:
        """Handle the operator markers inside Renode (see `simprof_marker`); `marker_events()`
        returns what they recorded."""
        self._events = self._file("events")
        self._stop_reads = [(a, n) for a, n in ((bottom, top - bottom), arena) if n > 0]
        with self._lock:
            paint = self._fill_file(max(top - bottom, 1), pattern)
        self._call(f"simprof_hooks('{self._machine}', {begin & ~1:#x}, {end & ~1:#x}, {bottom:#x}, "
                   f"{arena[0]:#x}, {max(arena[1], 0)}, '{paint.name}', '{self._events.name}')")

    def marker_events(self) -> list[tuple[int, int, int, bytes, bytes]]:
        """(kind 0 = begin / 1 = end, operator index, SP, stack bytes, arena bytes) per marker hit,
        in order (an end without its begin has no bytes)."""
        path = self._events
        if path is None:
            return []
        self._events = None
        err = path.with_name(path.name + ".err")
        self._drop_prefetched()
        prefetch = {region: self._file("read") for region in dict.fromkeys([*self._stop_reads, *self._painted])}
        spec = ", ".join(f"({a:#x}, {n}, '{p.name}')" for (a, n), p in prefetch.items())
        self._call(f"simprof_events('{self._machine}'); simprof_batch('{self._machine}', [{spec}], None)")
        self._prefetched = prefetch
        try:
            if err.exists():
                raise EmulatorError(f"simprof's operator-marker hook failed inside Renode: {err.read_text()[:300]}",
                                    fix="rerun with --emulator qemu; report it with Renode's version")
            data = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
            err.unlink(missing_ok=True)
        events, i = [], 0
        while i < len(data):
            if i + 20 > len(data):
                raise EmulatorError("Renode wrote a truncated operator-marker record", fix="report this as a bug")
            kind, index, sp, n_stack, n_arena = struct.unpack_from("<5I", data, i)
            i += 20
            if i + n_stack + n_arena > len(data):
                raise EmulatorError("Renode wrote a truncated operator-marker record", fix="report this as a bug")
            events.append((kind, index, sp, data[i:i + n_stack], data[i + n_stack:i + n_stack + n_arena]))
            i += n_stack + n_arena
        return events
