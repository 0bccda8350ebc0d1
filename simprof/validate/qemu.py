"""The QEMU measurement of `simprof validate`: simprof-rt under QEMU, built once per platform.

Per (model, platform) pair:
1. one painted measurement (`sim.measure.measure_elf`, two paint patterns run concurrently) of
   setup + one inference with the whole arena: static, stack, heap, painted head/tail, per operator;
2. the minimum arena, checked against a hint (the estimate's `arena_min_bytes`, else the runtime's
   own `need`) with bare runs: a run with the hint must succeed and one with 16 B less must fail.
   Two runs when the hint is right; otherwise it gallops away from the hint and bisects.

The measured `total_bytes` is static + stack + minimum arena + heap: the RAM the firmware needs with
every region sized to its mark (the painted head + tail misses the setup transient that sets the
minimum arena). The painted figures stay in the result (`painted_total_bytes`, `arena_head_bytes`, ...).

The firmware is the one the parent built (`FirmwareRef`): its build hash keys the measurement in the
cache, so a firmware edited during a run cannot leak into it; a worker on another machine that has
no such file rebuilds it from its own simprof and refuses a different hash. ELF facts are read once
per process.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from simprof.errors import DoesNotFitError, EmulatorError, FirmwareError, ModelFormatError

log = logging.getLogger(__name__)

ARENA_STEP = 16          # simprof-rt (like TFLM) takes arenas in 16-byte steps from an aligned start
ARENA_STATUS = 3         # report.h: "arena too small"
_REPORT_BYTES = 336      # sizeof(srt_report), report.h version 1


@dataclass(frozen=True)
class FirmwareRef:
    """A built simprof-rt image for one platform, as the parent built it."""
    platform_id: str
    elf: str
    hash: str


@dataclass(frozen=True)
class _Loaded:
    """Per-process facts of one firmware image (read from the ELF once)."""
    platform: Any
    elf: Path
    info: Any
    model_start: int
    model_capacity: int
    arena_capacity: int
    stop: int
    report: int


_LOADED: dict[tuple[str, str], _Loaded] = {}


def build_firmware_refs(platform_ids: tuple[str, ...] | list[str]) -> dict[str, FirmwareRef]:
    """Build (or find in the build cache) simprof-rt for each platform, in the calling process."""
    from simprof.platforms import load
    from simprof.sim.runtime import firmware_for
    out = {}
    for pid in platform_ids:
        fw = firmware_for(load(pid))
        out[pid] = FirmwareRef(pid, str(fw.elf), fw.hash)
    return out


def _load(ref: FirmwareRef) -> _Loaded:
    key = (ref.platform_id, ref.hash)
    if key in _LOADED:
        return _LOADED[key]
    from simprof.platforms import load
    from simprof.sim.elf import read_elf
    from simprof.sim.runtime import REPORT_SYMBOL, STOP_SYMBOL, firmware_for
    platform = load(ref.platform_id)
    elf = Path(ref.elf)
    if not elf.is_file():  # a remote worker: build the same sources here, and insist on the same image
        fw = firmware_for(platform)
        if fw.hash != ref.hash:
            raise FirmwareError(f"this worker's simprof-rt for {ref.platform_id} (build {fw.hash[:12]}) differs "
                                f"from the one the run was started with ({ref.hash[:12]})",
                                fix="install the same simprof version on every dask worker")
        elf = fw.elf
    info = read_elf(elf)
    names = ("__model_start", "__model_end", "tensor_arena", "__tensor_arena_end", STOP_SYMBOL, REPORT_SYMBOL)
    addr = {n: info.address(n) for n in names}
    if any(v is None for v in addr.values()):
        raise EmulatorError(f"{elf} is not a simprof-rt firmware (missing {[n for n, v in addr.items() if v is None]})",
                            fix="rebuild it")
    loaded = _Loaded(platform, elf, info, addr["__model_start"], addr["__model_end"] - addr["__model_start"],
                     addr["__tensor_arena_end"] - addr["tensor_arena"], addr[STOP_SYMBOL], addr[REPORT_SYMBOL])
    _LOADED[key] = loaded
    return loaded


def _raise_for(report: Any, platform_id: str) -> None:
    if report.status == ARENA_STATUS:
        raise DoesNotFitError(f"simprof-rt: the arena of {report.arena_size:,} B on {platform_id} is short by "
                              f"{report.missing:,} B ({report.message})",
                              fix="use a platform with more RAM, or a smaller model", missing=report.missing)
    raise FirmwareError(f"simprof-rt failed ({report.status_name}): {report.message}",
                        fix="see the message; unsupported operators are listed by `simprof estimate`",
                        status=report.status)


def run_bare(fw: _Loaded, image: bytes, timeout_s: float, emulator: str = "qemu") -> Any:
    """One run without painting: write the image, run to simprof_done, return the runtime report.
    A fault raises HardFault; not reaching simprof_done raises an EmulatorError."""
    from simprof.sim.backend import open_session
    from simprof.sim.faults import fault_error, fault_vectors
    from simprof.sim.runtime import RuntimeReport

    with open_session(emulator, fw.platform, fw.elf, timeout_s=max(5.0, min(timeout_s, 30.0))) as s:
        gdb = s.gdb
        gdb.write_memory(fw.model_start, image)
        faults = fault_vectors(gdb, fw.info, fw.platform)
        for bp in {fw.stop, *faults}:
            gdb.set_breakpoint(bp)
        reply = gdb.cont(timeout_s)
        if reply.kind != "signal":
            raise EmulatorError(f"simprof-rt ended without reaching simprof_done ({reply.kind} {reply.code})",
                                fix="see the console output: " + s.console.strip()[-200:])
        regs = gdb.read_registers()
        pc = regs[15] & ~1
        if pc in faults:
            raise fault_error(gdb, fw.info, regs, faults[pc], s.console)
        return RuntimeReport.parse(gdb.read_memory(fw.report, _REPORT_BYTES))


@dataclass(frozen=True)
class ArenaCheck:
    """The smallest working arena and how it was found."""
    arena_min_bytes: int
    hint_bytes: int
    runs: int
    method: str             # "two-run" (the hint was right) or "search"


def min_arena(fw: _Loaded, model: bytes, inputs: bytes, hint: int, *, floor: int = 0,
              timeout_s: float = 60.0, emulator: str = "qemu") -> ArenaCheck:
    """Smallest arena (multiple of 16) with which setup and one inference succeed. `hint` is tried
    first, then hint - 16: if the first works and the second fails the hint is the answer (two
    runs). Otherwise gallop (16, 32, 64 ... B) away from the hint to a bracket and bisect it.
    `floor`: a size known to be too small or unknown (0)."""
    from simprof.sim.runtime import pack_image

    top = fw.arena_capacity // ARENA_STEP * ARENA_STEP
    runs = 0

    def ok(size: int) -> bool:
        nonlocal runs
        runs += 1
        rep = run_bare(fw, pack_image(model, inputs, arena_size=size), timeout_s, emulator)
        if rep.status not in (0, ARENA_STATUS):  # anything but "arena too small" is not about the size
            raise FirmwareError(f"simprof-rt failed ({rep.status_name}) with a {size:,} B arena: {rep.message}",
                                fix="see the message", status=rep.status)
        return rep.ok

    hint = min(top, max(ARENA_STEP, -(-hint // ARENA_STEP) * ARENA_STEP))
    if ok(hint):
        hi = hint
        if hi == ARENA_STEP or not ok(hi - ARENA_STEP):   # always run: the check must be able to fail
            return ArenaCheck(hi, hint, runs, "two-run")
        hi -= ARENA_STEP
        step = 2 * ARENA_STEP
        while True:   # gallop down to a failing size
            lo = max(floor, hi - step)
            if lo <= floor or not ok(lo):
                break
            hi, step = lo, step * 2
    else:
        lo, step = hint, ARENA_STEP
        while True:   # gallop up to a working size
            hi = min(top, lo + step)
            if ok(hi):
                break
            if hi >= top:
                raise DoesNotFitError(f"simprof-rt does not run the model even with the whole arena ({top:,} B) "
                                      f"on {fw.platform.id}", fix="use a platform with more RAM")
            lo, step = hi, step * 2
    while hi - lo > ARENA_STEP:
        mid = lo + (hi - lo) // (2 * ARENA_STEP) * ARENA_STEP
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return ArenaCheck(hi, hint, runs, "search")


def _inputs(model: bytes, capacity: int, platform: str) -> bytes:
    """The default inputs, after checking the model (simprof-rt's checks) and that they can fit
    the flash beside it: a hostile input shape must not make simprof allocate gigabytes."""
    from simprof.estimator.tflite_reader import read_model
    from simprof.sim.runtime import default_inputs

    sg = read_model(model).subgraphs[0]
    need = len(model) + sum(sg.tensors[i].nbytes for i in sg.inputs)
    if need > capacity:
        raise DoesNotFitError(f"model + input need {need:,} B of flash; simprof-rt leaves {capacity:,} B for them "
                              f"on {platform}", fix="use a platform with more flash", before_run=True,
                              needed=need, available=capacity)
    return b"".join(np.ascontiguousarray(a).tobytes() for a in default_inputs(model))


def measure(model_path: str, platform: str, *, firmwares: Mapping[str, FirmwareRef],
            estimate: Mapping[str, Any] | None = None, timeout_s: float = 60.0,
            per_operator: bool = False) -> dict[str, Any]:
    """Painted measurement + minimum-arena check of one model on `platform`'s simprof-rt image.
    `estimate` (the fit estimator's JSON) supplies the arena hint; without it the runtime's own
    figure is the hint. Returns the measurement JSON with the validate keys (see module doc)."""
    from simprof.sim.layout import SymbolConventions
    from simprof.sim.measure import StopContext, measure_elf
    from simprof.sim.runtime import STOP_SYMBOL, RuntimeReport, pack_image

    t0 = time.monotonic()
    if platform not in firmwares:
        raise FirmwareError(f"no simprof-rt firmware was built for {platform}", fix="pass it in firmwares")
    fw = _load(firmwares[platform])
    data = Path(model_path).read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelFormatError(f"{model_path} is not a .tflite model (no TFL3 identifier)", fix="pass a .tflite file")
    inputs = _inputs(data, fw.model_capacity, platform)
    image = pack_image(data, inputs)
    # Pairs the part could hold but simprof-rt's image cannot (its stack and heap regions are sized
    # for any model, not for this one) are not measured: `before_run` tells validate it is a fit
    # decision, not a failure. A model the estimate puts inside the arena is always run.
    if len(image) > fw.model_capacity:
        raise DoesNotFitError(f"model + input need {len(image):,} B of flash; simprof-rt leaves {fw.model_capacity:,} B "
                              f"for them on {platform}", fix="use a platform with more flash", before_run=True,
                              needed=len(image), available=fw.model_capacity)
    est_arena = (estimate or {}).get("arena_min_bytes")
    if isinstance(est_arena, int) and est_arena > fw.arena_capacity:
        # The estimate's claim is checked with one run on the whole arena: setup must fail for lack
        # of arena. If it works, the estimate is wrong and the pair is measured like any other.
        rep = run_bare(fw, image, timeout_s)
        if rep.status == ARENA_STATUS:
            raise DoesNotFitError(f"the estimated arena ({est_arena:,} B) exceeds simprof-rt's arena on {platform} "
                                  f"({fw.arena_capacity:,} B: RAM minus static, stack and heap regions; a run with "
                                  "all of it fails)", fix="use a platform with more RAM", before_run=True,
                                  needed=est_arena, available=fw.arena_capacity)
        if not rep.ok:
            _raise_for(rep, platform)

    def on_stop(ctx: StopContext) -> Any:
        return RuntimeReport.parse(ctx.gdb.read_memory(fw.report, _REPORT_BYTES))

    m = measure_elf(fw.elf, fw.platform, symbols=SymbolConventions(stop=(STOP_SYMBOL,)), timeout_s=timeout_s,
                    memory_writes=[(fw.model_start, image)], per_operator=per_operator, on_stop=on_stop,
                    check_exit=False)
    report = m.on_stop_result
    if not report.ok:
        _raise_for(report, platform)
    t_paint = time.monotonic() - t0
    hint = (estimate or {}).get("arena_min_bytes") or max(report.need, report.head + report.tail)
    # head + tail must fit in any working arena: anything up to it (minus a step) surely fails.
    floor = (report.head + report.tail) // ARENA_STEP * ARENA_STEP - ARENA_STEP
    check = min_arena(fw, data, inputs, int(hint), floor=max(0, floor), timeout_s=timeout_s)
    out = m.to_json()
    painted_total = out["total_bytes"]
    out.update({
        "model": Path(model_path).name,
        "firmware_hash": firmwares[platform].hash,
        "runtime": {"head_bytes": report.head, "tail_bytes": report.tail, "setup_peak_bytes": report.temp_hwm,
                    "need_bytes": report.need},
        "painted_total_bytes": painted_total,
        "painted_arena_bytes": out["arena_bytes"],
        # One written block from the arena start to its end: head and tail lie closer than the
        # island gap (an almost full arena), so the painted split between them is not observable.
        "arena_blocks_merged": out["arena_tail_bytes"] == 0 and out["arena_head_bytes"] == out.get("arena_size"),
        "arena_min_bytes": check.arena_min_bytes,
        "arena_min_check": {"hint_bytes": check.hint_bytes, "runs": check.runs, "method": check.method},
        "total_bytes": sum(out.get(k) or 0 for k in ("static_bytes", "stack_bytes", "heap_bytes"))
        + check.arena_min_bytes,
        "seconds": {"paint": round(t_paint, 3), "arena_check": round(time.monotonic() - t0 - t_paint, 3)},
    })
    return out
