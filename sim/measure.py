"""High-water marks of any Cortex-M firmware ELF by fill-and-read through the gdb stub.

One run per paint pattern (0xAA and 0x55, run concurrently): paint stack, heap and arena, run to
the stop symbol (with breakpoints on the operator markers and the fault vectors), read back. The
written-byte masks of both runs are ORed, so a byte written with the paint value cannot hide.

    m = measure_elf(Path("app.elf"), load("stm32f4"))
    m.stack_bytes, m.arena_bytes, m.total_bytes, m.operators
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from simprof.core.errors import EmulatorError, EmulatorTimeout, FirmwareError, HardFault, UsageError
from simprof.platforms import Platform
from simprof.sim import paint
from simprof.sim.backend import GROUPS, backend, label
from simprof.sim.elf import ElfInfo, check_fits, read_elf
from simprof.sim.faults import fault_error, fault_vectors
from simprof.sim.gdb_rsp import GdbClient
from simprof.sim.layout import Layout, Region, SymbolConventions, resolve_layout
from simprof.core.results import Measurement, OperatorMeasurement
from simprof.sim import opmarks

log = logging.getLogger(__name__)

EXIT_SYMBOLS = ("exit", "_exit")
# After the stop point of an exit-stopped run, how long the firmware may take to flush and exit.
EXIT_GRACE_S = 2.0


@dataclass(frozen=True)
class StopContext:
    """What an `on_stop` callback sees: the halted target at the stop point (first run only)."""
    gdb: GdbClient
    elf: ElfInfo
    layout: Layout
    registers: tuple[int, ...]


@dataclass
class _OpRecord:
    lowest_stack: int | None = None        # absolute address
    arena_changed: np.ndarray | None = None
    calls: int = 0


@dataclass
class _RunResult:
    pattern: int
    stack_top: int
    stack_bottom: int
    stack_lowest: int | None               # absolute address of the lowest written stack byte
    arena_mask: np.ndarray | None
    heap_mask: np.ndarray | None
    heap_high: int | None
    ops: dict[int, _OpRecord] = field(default_factory=dict)
    marks: list[opmarks.Mark] = field(default_factory=list)   # in begin order, nested (sim/opmarks.py)
    exit_status: int | None = None
    console: str = ""
    memory: dict[str, bytes] = field(default_factory=dict)
    on_stop_result: Any = None


def measure_elf(elf: Path, platform: Platform, *, symbols: SymbolConventions = SymbolConventions(),
                timeout_s: float = 30.0, memory_writes: Sequence[tuple[int, bytes]] = (),
                per_operator: bool = True, read_symbols: Sequence[str] = (),
                on_stop: Callable[[StopContext], Any] | None = None,
                patterns: Sequence[int] = paint.PATTERNS, parallel: bool = True,
                island_gap: int = paint.DEFAULT_ISLAND_GAP, check_exit: bool = True,
                emulator: str = "qemu", icount_shift: int | None = None, graph=None) -> Measurement:
    """Measure stack, arena, heap and static RAM of `elf` on `platform`.

    memory_writes: (address, bytes) written through the gdb stub after reset, before the first
      instruction (e.g. the model into __model_start, input into __input_start).
    read_symbols: symbols whose bytes (st_size) are read at the stop point into `Measurement.memory`.
    on_stop: called with a `StopContext` at the stop point of the first run; its return value is
      `Measurement.on_stop_result`.
    timeout_s: wall-clock limit for each run to reach the stop symbol.
    graph: the model the firmware runs (simprof.model.reader.ModelGraph): its per-operator marks are
      then mapped to (subgraph, operator) by their nesting (sim/opmarks.py), else kept by mark number.
    """
    started = time.monotonic()
    patterns = tuple(patterns)
    if not patterns or len(set(patterns)) != len(patterns) or not all(0 <= p <= 0xFF for p in patterns):
        raise UsageError(f"paint patterns {patterns} must be distinct byte values", fix="use e.g. (0xAA, 0x55)")
    info = read_elf(elf)
    check_fits(info, platform)
    layout = resolve_layout(info, platform, symbols)
    factory, version = backend(emulator)
    # Backends with a slow start-up run every paint pattern in one process (one machine each).
    group = GROUPS[emulator](platform, info.path, count=len(patterns),
                             timeout_s=max(5.0, min(timeout_s, 30.0))) if emulator in GROUPS else None
    if group is not None:
        factory = group.session
    sessions: list[Any] = []
    lock = threading.Lock()
    cancelled = threading.Event()

    def one(i: int, pattern: int) -> _RunResult:
        return _run_once(factory, platform, info, layout, pattern, timeout_s=timeout_s,
                         memory_writes=memory_writes, per_operator=per_operator,
                         read_symbols=read_symbols if i == 0 else (), on_stop=on_stop if i == 0 else None,
                         icount_shift=icount_shift, check_exit=check_exit,
                         register=lambda s: _register(sessions, lock, cancelled, s))

    try:
        if parallel and len(patterns) > 1:
            pool = ThreadPoolExecutor(max_workers=len(patterns), thread_name_prefix="simprof-run")
            try:
                futures = [pool.submit(one, i, p) for i, p in enumerate(patterns)]
                runs = [f.result() for f in futures]
            except BaseException:
                # Ctrl-C or a failed run: end every emulator now, so no worker keeps one alive.
                with lock:
                    cancelled.set()
                    live = list(sessions)
                for s in live:
                    s.stop()
                if group is not None:
                    group.close()
                raise
            finally:
                pool.shutdown(wait=True)
        else:
            runs = [one(i, p) for i, p in enumerate(patterns)]
    finally:
        if group is not None:
            group.close()
    m = _merge(runs, info, layout, platform, label(emulator, platform, version()), island_gap,
               time.monotonic() - started, graph)
    notes = _page_notes(info, layout, per_operator)
    return replace(m, notes=m.notes + notes) if notes else m


PAGE = 4096


def _page_notes(info: ElfInfo, layout: Layout, per_operator: bool) -> tuple[str, ...]:
    """Warn when a breakpoint shares its page with other code: QEMU runs such a page one
    instruction at a time, so hot code there makes the measured run slow (never inexact)."""
    targets = {layout.stop_address & ~1: layout.stop_symbol}
    if per_operator and layout.op_begin is not None and layout.op_end is not None:
        targets[layout.op_begin & ~1] = "simprof_op_begin"
        targets[layout.op_end & ~1] = "simprof_op_end"
    # Residents of simprof's breakpoint page (firmware/board/link.ld.in) are never hot.
    bp_names = set(targets.values()) | {"exit", "simprof_op_begin", "simprof_op_end"}
    notes = []
    for address, name in targets.items():
        page = address // PAGE
        others = sorted({f.name for f in info.functions
                         if (f.address & ~1) // PAGE == page and f.name not in bp_names
                         and not f.name.endswith("_Handler")})
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            notes.append(f"breakpoint '{name}' shares its 4 KiB page with {shown}: QEMU runs that page "
                         "one instruction at a time (slower, still exact); see docs/measurement.md")
    return tuple(notes)


def _register(sessions: list, lock: threading.Lock, cancelled: threading.Event, session: Any) -> None:
    with lock:
        if cancelled.is_set():
            raise EmulatorError("measurement cancelled", fix="none needed")
        sessions.append(session)


def _scan_stack(read: Callable[[int, int], bytes], bottom: int, below: int, pattern: int) -> int | None:
    """Absolute address of the lowest written byte in [bottom, below), or None."""
    if below <= bottom:
        return None
    low = paint.lowest_written(paint.written_mask(read(bottom, below - bottom), pattern))
    return None if low is None else bottom + low


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _run_once(factory, platform: Platform, info: ElfInfo, layout: Layout, pattern: int, *,
              timeout_s: float, memory_writes, per_operator: bool, read_symbols, on_stop,
              icount_shift, check_exit: bool, register) -> _RunResult:
    session = factory(platform, info.path, timeout_s=max(5.0, min(timeout_s, 30.0)), icount_shift=icount_shift)
    register(session)
    with session:
        gdb = session.gdb
        # Bulk reads through the session when it has a faster path than the stub (QEMU: memsave).
        read = getattr(session, "read_memory", None) or gdb.read_memory
        fill = getattr(session, "fill_memory", None) or gdb.fill_memory
        write = getattr(session, "write_memory", None) or gdb.write_memory
        # Several reads and a fill in one call, when the session can (Renode: one monitor command).
        batch = getattr(session, "read_and_fill", None)
        arena_range = (layout.arena.start, layout.arena.size) if layout.arena else (0, 0)
        regs = gdb.read_registers()
        top = layout.stack_top if layout.stack_top is not None else regs[13]
        bottom = layout.stack_bottom if layout.stack_bottom is not None else top - layout.stack_size
        fill(bottom, top - bottom, pattern)
        if layout.heap:
            fill(layout.heap.start, layout.heap.size, pattern)
        if layout.arena and not layout.arena_painted_at_main:
            fill(layout.arena.start, layout.arena.size, pattern)
        # After painting: host writes into a painted region count as written (e.g. an input
        # placed straight into the arena), instead of being painted over.
        for address, data in memory_writes:
            write(address, bytes(data))

        faults = fault_vectors(gdb, info, platform)
        # The limit is for the firmware's own run: not the start-up, the painting, nor the host's
        # reading and re-painting at each operator boundary (slow through some stubs).
        deadline = _RunClock(timeout_s)
        stack_lowest: int | None = None
        if layout.arena_painted_at_main:
            # Startup zeroes .bss: paint a .bss arena once main is reached (DESIGN.md §5).
            _continue_to(gdb, session, info, layout, layout.main_address, faults, deadline, timeout_s, "main")
            fill(layout.arena.start, layout.arena.size, pattern)

        result = _RunResult(pattern, top, bottom, None, None, None, None)
        breakpoints = {layout.stop_address} | set(faults)
        markers = per_operator and layout.op_begin is not None and layout.op_end is not None
        # A session that can handle the markers inside the emulator (Renode: CPU hooks) records
        # the same reads there; they are replayed below at the stop point, with no stop per boundary.
        hooks = getattr(session, "install_marker_hooks", None) if markers else None
        if hooks is not None and layout.stop_address & ~1 in (layout.op_begin & ~1, layout.op_end & ~1):
            hooks = None          # a hook would act at the stop point before the stop: breakpoints
        if hooks is not None:
            hooks(layout.op_begin, layout.op_end, bottom, top, arena_range, pattern)
        elif markers:
            breakpoints |= {layout.op_begin, layout.op_end}
        for bp in breakpoints:
            gdb.set_breakpoint(bp)
        # index -> [SP at begin, arena snapshot, lowest stack write seen so far]. Operators may nest
        # (control-flow operators run others): a re-paint for an inner operator first credits
        # what it found to every open operator, so no outer peak is painted away.
        open_ops: dict[int, list] = {}
        nest: list[opmarks.Mark] = []      # the open marks, innermost last

        def begin(index: int, sp: int, low: int | None, snap) -> None:
            nonlocal stack_lowest
            stack_lowest = _min(stack_lowest, low)
            for entry in open_ops.values():
                entry[2] = _min(entry[2], low)
            open_ops[index] = [sp, snap, None]
            mark = opmarks.Mark(index, nest[-1] if nest else None)
            if mark.parent is not None:
                mark.parent.children.append(mark)
            result.marks.append(mark)
            nest.append(mark)

        def end(index: int, dump_of: Callable[[int], tuple[bytes, Any]]) -> None:
            nonlocal stack_lowest
            if index not in open_ops:
                log.warning("simprof_op_end(%d) without simprof_op_begin(%d)", index, index)
                return
            sp_begin, snap, seen = open_ops.pop(index)
            dump, arena_now = dump_of(sp_begin)
            low = _scan_stack(lambda a, n: dump, bottom, sp_begin, pattern)
            stack_lowest = _min(stack_lowest, low)
            for entry in open_ops.values():
                entry[2] = _min(entry[2], low)
            rec = result.ops.setdefault(index, _OpRecord())
            rec.calls += 1
            rec.lowest_stack = _min(rec.lowest_stack, _min(_min(seen, low), sp_begin))
            changed = paint.changed_mask(snap, arena_now) if snap is not None else None
            if changed is not None:
                rec.arena_changed = changed if rec.arena_changed is None else rec.arena_changed | changed
            while nest and nest[-1].index != index:     # an end without its own: close the inner ones
                nest.pop()
            if nest:
                mark = nest.pop()
                mark.lowest_stack, mark.arena_changed, mark.ended = _min(_min(seen, low), sp_begin), changed, True

        while True:
            regs = _cont(gdb, session, info, layout, deadline, timeout_s)
            pc = regs[15] & ~1
            if pc in faults:
                raise fault_error(gdb, info, regs, faults[pc], session.console)
            if pc == layout.stop_address & ~1:
                break
            if markers and pc == layout.op_begin & ~1:
                index, sp = regs[0], regs[13]
                # Everything below the live SP is dead here: record what was written, re-paint it.
                if batch is not None:
                    # One round trip: both reads, then the re-paint of all of [bottom, sp) (the
                    # bytes below the lowest write still hold the pattern: same memory after).
                    dump, snap = batch([(bottom, sp - bottom), arena_range], (bottom, sp - bottom, pattern))
                    low = _scan_stack(lambda a, n: dump, bottom, sp, pattern)
                    snap = snap if layout.arena else None
                else:
                    low = _scan_stack(read, bottom, sp, pattern)
                    start = low if low is not None else sp
                    fill(start, sp - start, pattern)
                    snap = read(layout.arena.start, layout.arena.size) if layout.arena else None
                begin(index, sp, low, snap)
            elif markers and pc == layout.op_end & ~1:
                if batch is not None:
                    end(regs[0], lambda sp_begin: tuple(batch([(bottom, sp_begin - bottom), arena_range], None)))
                else:
                    end(regs[0], lambda sp_begin: (read(bottom, sp_begin - bottom) if sp_begin > bottom else b"",
                                                   read(layout.arena.start, layout.arena.size) if layout.arena else None))
            else:
                raise EmulatorError(f"firmware stopped at PC 0x{pc:08x} in {info.symbolize(pc)} for no known "
                                    "reason (a BKPT instruction?)", fix="remove stray BKPT instructions")
        if hooks is not None:
            for kind, index, sp, dump, snap in session.marker_events():
                if kind == 0:
                    begin(index, sp, _scan_stack(lambda a, n: dump, bottom, sp, pattern),
                          snap if layout.arena else None)
                else:
                    end(index, lambda sp_begin: (dump, snap))

        # At the stop point: read everything back.
        stack_lowest = _min(stack_lowest, _scan_stack(read, bottom, top, pattern))
        result.stack_lowest = stack_lowest
        if layout.arena:
            result.arena_mask = paint.written_mask(read(layout.arena.start, layout.arena.size), pattern)
        if layout.heap:
            result.heap_mask = paint.written_mask(read(layout.heap.start, layout.heap.size), pattern)
        if layout.heap_high_symbol is not None:
            result.heap_high = int.from_bytes(gdb.read_memory(layout.heap_high_symbol, 4), "little")
        for name in read_symbols:
            sym = info.symbols.get(name)
            if sym is None or not sym.size:
                raise EmulatorError(f"cannot read symbol '{name}': not in the ELF or of size 0",
                                    fix="name a data object defined in the firmware")
            result.memory[name] = read(sym.address, sym.size)
        if on_stop is not None:
            result.on_stop_result = on_stop(StopContext(gdb, info, layout, tuple(regs)))

        if layout.stop_symbol in EXIT_SYMBOLS and not getattr(session, "reports_exit", True):
            result.exit_status = regs[0]      # the emulator ignores semihosting exit: r0 is all
        elif layout.stop_symbol in EXIT_SYMBOLS:
            result.exit_status = regs[0]
            # Let the firmware flush stdio and exit by itself, so the console is complete.
            for bp in breakpoints:
                gdb.remove_breakpoint(bp)
            try:
                reply = gdb.cont(EXIT_GRACE_S)
                if reply.kind == "exited":
                    result.exit_status = reply.code
            except EmulatorError:
                pass
            session.wait_exit(0.5)
    result.console = session.console
    if check_exit and result.exit_status:
        last = result.console.strip().splitlines()[-1] if result.console.strip() else "no console output"
        raise FirmwareError(f"firmware exited with status {result.exit_status} ({last})",
                            fix="see the firmware's console output; fix the error it reports",
                            console=result.console, status=result.exit_status)
    return result


class _RunClock:
    """The firmware's time budget: only the time spent inside `continue` is charged."""

    def __init__(self, timeout_s: float) -> None:
        self.left = timeout_s

    def run(self, go: Callable[[float], Any]) -> Any:
        if self.left <= 0:
            raise EmulatorTimeout("deadline")
        t0 = time.monotonic()
        try:
            return go(self.left)
        finally:
            self.left -= time.monotonic() - t0


def _cont(gdb: GdbClient, session, info: ElfInfo, layout: Layout, deadline: _RunClock,
          timeout_s: float) -> list[int]:
    """Continue to the next stop and return the registers; errors for exit, timeout, QEMU death."""
    try:
        reply = deadline.run(gdb.cont)
    except EmulatorTimeout:
        where = ""
        try:
            gdb.interrupt(2.0)
            pc = gdb.read_registers()[15]
            if pc & ~1 == 0xEFFFFFFE:    # the architectural lockup address
                raise HardFault("the core locked up (a fault while handling a fault, or a broken vector "
                                "table)", fix="check the vector table and the fault handler", pc=None) from None
            where = f" (running at PC 0x{pc:08x} in {info.symbolize(pc)})"
        except EmulatorError:
            pass
        raise EmulatorTimeout(f"firmware did not reach '{layout.stop_symbol}' within {timeout_s:g} s{where}",
                              fix="raise --timeout, or fix the firmware so it reaches the stop symbol "
                                  "(or pass --stop SYMBOL)") from None
    except EmulatorError as exc:
        session.wait_exit(1.0)
        if session.returncode is None and not getattr(session, "reports_exit", True):
            # The emulator still runs (Renode never exits by itself): the stub failed, say how.
            raise EmulatorError(f"the emulator's gdb stub failed while the firmware ran: {exc.message}",
                                fix="rerun; if it persists, report it with the emulator's log "
                                    "(simprof -v)") from None
        lines = session.console.strip().splitlines()
        last = next((l for l in lines if "qemu" in l.lower()), lines[-1] if lines else "no output")
        if "lockup" in last.lower():
            raise HardFault(f"the core locked up (a fault while handling a fault, or a broken vector table): "
                            f"{last}", fix="check the vector table and the fault handler", pc=None,
                            console=session.console) from None
        raise EmulatorError(f"the emulator ended unexpectedly (status {session.returncode}): {last}",
                            fix="check the firmware and the QEMU console output") from None
    if reply.kind == "exited":
        session.wait_exit(1.0)
        if reply.code:
            last = session.console.strip().splitlines()[-1] if session.console.strip() else "no console output"
            raise FirmwareError(f"firmware exited with status {reply.code} before reaching "
                                f"'{layout.stop_symbol}' ({last})",
                                fix="see the firmware's console output", console=session.console, status=reply.code)
        raise EmulatorError(f"firmware exited before reaching '{layout.stop_symbol}'",
                            fix="pass --stop SYMBOL naming a function the firmware reaches")
    if reply.kind == "terminated":
        raise EmulatorError(f"QEMU terminated the firmware (signal {reply.code})", fix="check the QEMU console output")
    return gdb.read_registers()


def _continue_to(gdb, session, info, layout, address, faults, deadline, timeout_s, name) -> None:
    gdb.set_breakpoint(address)
    for bp in faults:
        gdb.set_breakpoint(bp)
    regs = _cont(gdb, session, info, layout, deadline, timeout_s)
    pc = regs[15] & ~1
    if pc in faults:
        raise fault_error(gdb, info, regs, faults[pc], session.console)
    if pc != address & ~1:
        raise EmulatorError(f"expected to stop at {name}, stopped at 0x{pc:08x}", fix="report this as a bug")
    gdb.remove_breakpoint(address)


def _merge(runs: list[_RunResult], info: ElfInfo, layout: Layout, platform: Platform, emulator: str,
           island_gap: int, wall: float, graph=None) -> Measurement:
    first = runs[0]
    top, bottom = first.stack_top, first.stack_bottom
    lows = [r.stack_lowest for r in runs if r.stack_lowest is not None]
    stack_bytes = top - min(lows) if lows else 0

    if layout.arena:
        mask = np.logical_or.reduce([r.arena_mask for r in runs])
        marks = paint.arena_marks(mask, island_gap)
    else:
        marks = paint.ArenaMarks(0, 0, 0, 0, ())

    heap_bytes = 0
    if layout.heap:
        hmask = np.logical_or.reduce([r.heap_mask for r in runs])
        hi = paint.highest_written(hmask)
        heap_bytes = 0 if hi is None else hi + 1
        highs = [r.heap_high for r in runs if r.heap_high is not None]
        if highs:
            heap_bytes = max(heap_bytes, max(highs) - layout.heap.start)

    operators = []
    mark_notes: list[str] = []
    if graph is not None and any(r.marks for r in runs):
        operators = _mapped_operators(runs, graph, top, mark_notes)
    else:
        for index in sorted(set().union(*(r.ops for r in runs))):
            recs = [r.ops[index] for r in runs if index in r.ops]
            low = min(rec.lowest_stack for rec in recs if rec.lowest_stack is not None)
            masks = [rec.arena_changed for rec in recs if rec.arena_changed is not None]
            written = int(np.count_nonzero(np.logical_or.reduce(masks))) if masks else 0
            operators.append(OperatorMeasurement(index, top - low, written, max(rec.calls for rec in recs)))
        if any(m.parent is not None for r in runs for m in r.marks):
            mark_notes.append("operator marks nest (control-flow operators run subgraphs) and no model was given: "
                              "operators are numbered in the order the firmware began them, not by subgraph")

    return Measurement(
        platform=platform.id, emulator=emulator, elf=str(info.path),
        stack_bytes=stack_bytes, stack_region_bytes=top - bottom,
        arena_head_bytes=marks.head_bytes, arena_tail_bytes=marks.tail_bytes,
        arena_head_extent_bytes=marks.head_extent_bytes, arena_tail_extent_bytes=marks.tail_extent_bytes,
        arena_islands=marks.islands, arena_size=layout.arena.size if layout.arena else 0,
        heap_bytes=heap_bytes, heap_region_bytes=layout.heap.size if layout.heap else 0,
        static_bytes=layout.static_bytes, operators=tuple(operators), exit_status=first.exit_status,
        stop_symbol=layout.stop_symbol, paint_patterns=tuple(r.pattern for r in runs), wall_seconds=wall,
        console=first.console, notes=layout.notes + tuple(mark_notes), memory=dict(first.memory),
        on_stop_result=first.on_stop_result,
    )


def _mapped_operators(runs: list[_RunResult], graph, top: int, notes: list) -> list[OperatorMeasurement]:
    """Per (subgraph, operator): the deepest stack and the union of arena changes of its marks,
    over all runs; calls is the most marks one run had for it."""
    per: dict[tuple[int, int], list] = {}      # -> [opcode, lowest, mask, max calls]
    for run in runs:
        calls: dict[tuple[int, int], int] = {}
        for mark, where in opmarks.assign(run.marks, graph).items():
            if where.note and where.note not in notes:
                notes.append(where.note)
            if not mark.ended:
                continue
            key = (where.subgraph, where.index)
            calls[key] = calls.get(key, 0) + 1
            entry = per.setdefault(key, [where.opcode, None, None, 0])
            entry[1] = _min(entry[1], mark.lowest_stack)
            if mark.arena_changed is not None:
                entry[2] = mark.arena_changed if entry[2] is None else entry[2] | mark.arena_changed
        for key, n in calls.items():
            per[key][3] = max(per[key][3], n)
    out = []
    for (sg, index), (opcode, low, mask, n) in sorted(per.items()):
        written = int(np.count_nonzero(mask)) if mask is not None else 0
        out.append(OperatorMeasurement(index, top - low if low is not None else 0, written, n, opcode, sg))
    return out


__all__ = ["measure_elf", "StopContext", "SymbolConventions", "Region", "Layout"]
