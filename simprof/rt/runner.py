"""Run .tflite models on simprof-rt: bare runs, the minimum-arena search, painted measurements.

The host writes a header, the model and the input into the image's flash region
(simprof.rt.protocol), the firmware runs setup and one inference, fills `simprof_report` and stops
at `simprof_done`.

    m = measure_model(Path("kws.tflite"), "stm32f4", min_arena=True)
    m.arena_head_bytes, m.runtime.head, m.arena_min_bytes, m.outputs_match_reference

Every flow that runs a model on simprof-rt (measure, validate, calibrate, fit) goes through here:
one bare run (`run_bare`), one search for the smallest working arena (`find_min_arena`), one painted
measurement (`measure_model` / `paint_model`), one mapping of a failed report to an error
(`raise_for`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from simprof.core.errors import DoesNotFitError, EmulatorError, FirmwareError, UsageError
from simprof.core.results import Measurement, ModelMeasurement, RuntimeReport
from simprof.model.reader import ModelGraph, load_model_bytes, read_model
from simprof.platforms import Platform, load
from simprof.rt import protocol
from simprof.rt.image import DEFAULT_KERNELS, FirmwareImage, image_for
from simprof.rt.protocol import STOP_SYMBOL, pack_image, parse_report, report_size

log = logging.getLogger(__name__)

ARENA_STEP = 16      # simprof-rt, like TFLM, takes arenas in 16-byte steps from an aligned start


def memory_writes(img: FirmwareImage, model: bytes, inputs: bytes = b"", *, arena_size: int = 0,
                  flags: int = 0) -> list[tuple[int, bytes]]:
    """(address, bytes) to write before the first instruction: the input goes to the linker's input
    region when it fits there, else after the model."""
    in_region = 0 < len(inputs) <= img.input_capacity
    writes = [(img.model_start, pack_image(model, inputs, arena_size=arena_size, flags=flags,
                                           input_in_region=in_region))]
    if in_region:
        writes.append((img.input_start, bytes(inputs)))
    return writes


def image_bytes(img: FirmwareImage, model: bytes, inputs: bytes) -> int:
    """Flash the model region must hold for this model and input."""
    return len(pack_image(model, inputs, input_in_region=0 < len(inputs) <= img.input_capacity))


def check_flash(img: FirmwareImage, model: bytes, inputs: bytes, *, before_run: bool = False) -> None:
    need = image_bytes(img, model, inputs)
    if need > img.model_capacity:
        raise DoesNotFitError(
            f"model ({len(model):,} B) + input ({len(inputs):,} B) + header need {need:,} B of flash; "
            f"{img.platform.id} has {img.model_capacity:,} B left after simprof-rt's code",
            fix="use a platform with more flash, or a smaller model", needed=need, available=img.model_capacity,
            before_run=before_run)


def check_input_room(img: FirmwareImage, model: bytes, graph: ModelGraph, *, before_run: bool = False) -> None:
    """Before any input array is allocated: the inputs the model's shapes ask for must fit the
    flash beside the model (a hostile shape can ask for gigabytes; the model checks bound each
    tensor to 2 GiB, this bounds them to what the image can hold)."""
    sg = graph.subgraphs[0]
    need = len(model) + sum(sg.tensors[i].nbytes for i in sg.inputs)
    if need > img.model_capacity:
        raise DoesNotFitError(
            f"the model ({len(model):,} B) and its inputs need {need:,} B of flash; {img.platform.id} has "
            f"{img.model_capacity:,} B left after simprof-rt's code",
            fix="use a platform with more flash, or a smaller model", needed=need, available=img.model_capacity,
            before_run=before_run)


def raise_for(report: RuntimeReport, platform_id: str) -> None:
    """The error a failed run's report stands for."""
    if report.status_name == "arena":
        raise DoesNotFitError(f"simprof-rt: the arena of {report.arena_size:,} B on {platform_id} is short by "
                              f"{report.missing:,} B ({report.message})",
                              fix="use a platform with more RAM, or a smaller model", missing=report.missing)
    raise FirmwareError(f"simprof-rt failed ({report.status_name}): {report.message}",
                        fix="see the message; unsupported operators are listed by `simprof estimate`",
                        status=report.status)


def run_bare(img: FirmwareImage, writes: Sequence[tuple[int, bytes]], *, timeout_s: float = 30.0,
             read_outputs: bool = False, emulator: str = "qemu") -> tuple[RuntimeReport, tuple[bytes, ...]]:
    """One run without painting: write `writes`, run to simprof_done, read the report (and the
    outputs). A fault raises HardFault; not reaching simprof_done raises an EmulatorError."""
    from simprof.sim.backend import open_session
    from simprof.sim.faults import fault_error, fault_vectors

    with open_session(emulator, img.platform, img.elf, timeout_s=max(5.0, min(timeout_s, 30.0))) as s:
        gdb = s.gdb
        # a backend with a bulk path (Renode's monitor) writes through it: its gdb stub is slow
        write = getattr(s, "write_memory", None) or gdb.write_memory
        for address, data in writes:
            write(address, bytes(data))
        faults = fault_vectors(gdb, img.info, img.platform)
        for bp in {img.stop, *faults}:
            gdb.set_breakpoint(bp)
        reply = gdb.cont(timeout_s)
        if reply.kind != "signal":
            raise EmulatorError(f"simprof-rt ended without reaching {STOP_SYMBOL} ({reply.kind} {reply.code})",
                                fix="see the console output: " + s.console.strip()[-200:])
        regs = gdb.read_registers()
        pc = regs[15] & ~1
        if pc in faults:
            raise fault_error(gdb, img.info, regs, faults[pc], s.console)
        report = parse_report(gdb.read_memory(img.report, report_size()))
        outs: tuple[bytes, ...] = ()
        if read_outputs and report.ok:
            outs = tuple(gdb.read_memory(a, n) if n else b"" for a, n in report.outputs)
    return report, outs


@dataclass(frozen=True)
class ArenaCheck:
    """The smallest working arena and how it was found."""
    arena_min_bytes: int
    hint_bytes: int
    runs: int
    method: str             # "two-run" (the hint was right) or "search"


def find_min_arena(img: FirmwareImage, model: bytes, inputs: bytes, hint: int, *, floor: int = 0, flags: int = 0,
              timeout_s: float = 60.0, emulator: str = "qemu") -> ArenaCheck:
    """Smallest arena (from the aligned start, to the byte) with which setup and one inference
    succeed. On the 16-byte grid first: ceil16(`hint`) is tried, then 16 B less: if the first works
    and the second fails the grid minimum is found (two runs). Otherwise gallop (16, 32, 64 ... B)
    away from the hint to a bracket and bisect it. Then the 15 sizes below the grid minimum, from
    the bottom, until one works (like TFLM, simprof-rt aligns the tail down from the arena's real
    end: simprof.core.arena_search). `floor`: a size known to be too small (0: unknown)."""
    from simprof.core.arena_search import to_the_byte

    top = img.arena_capacity // ARENA_STEP * ARENA_STEP
    runs = 0

    def ok(size: int) -> bool:
        nonlocal runs
        runs += 1
        rep, _ = run_bare(img, memory_writes(img, model, inputs, arena_size=size, flags=flags),
                          timeout_s=timeout_s, emulator=emulator)
        if rep.status not in (0, protocol.status_value("arena")):   # anything but "arena too small" is not about size
            raise FirmwareError(f"simprof-rt failed ({rep.status_name}) with a {size:,} B arena: {rep.message}",
                                fix="see the message", status=rep.status)
        return rep.ok

    hint = min(top, max(ARENA_STEP, -(-hint // ARENA_STEP) * ARENA_STEP))
    if ok(hint):
        hi = hint
        if hi == ARENA_STEP or not ok(hi - ARENA_STEP):   # always run: the check must be able to fail
            return ArenaCheck(to_the_byte(ok, hi), hint, runs, "two-run")
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
                                      f"on {img.platform.id}", fix="use a platform with more RAM")
            lo, step = hi, step * 2
    while hi - lo > ARENA_STEP:
        mid = lo + (hi - lo) // (2 * ARENA_STEP) * ARENA_STEP
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return ArenaCheck(to_the_byte(ok, hi), hint, runs, "search")


def report_hint(report: RuntimeReport) -> tuple[int, int]:
    """(hint, floor) for `min_arena` from a successful run's own figures: the runtime's accounting,
    and a size the final head + tail cannot fit in."""
    hint = max(report.need, report.head + report.tail)
    floor = max(0, (report.head + report.tail) // ARENA_STEP * ARENA_STEP - ARENA_STEP)
    return hint, floor


def default_inputs(model: bytes | ModelGraph, seed: int = 0) -> list:
    """Deterministic pseudo-random inputs with the model's input shapes and types."""
    import numpy as np

    g = model if isinstance(model, ModelGraph) else read_model(model)
    sg = g.subgraphs[0]
    rng = np.random.default_rng(seed)
    out = []
    for idx in sg.inputs:
        t = sg.tensors[idx]
        dt = np.dtype(t.dtype)
        if dt.kind == "f":
            out.append(rng.standard_normal(t.shape).astype(dt))
        elif dt == np.bool_:
            out.append(rng.integers(0, 2, t.shape).astype(dt))
        else:
            info = np.iinfo(dt)
            out.append(rng.integers(max(info.min, -128), min(info.max, 127) + 1, t.shape).astype(dt))
    return out


def load_inputs(spec: Any, model: bytes | ModelGraph) -> list:
    """The input arrays, checked against the model's inputs (count, dtype, element count).
    spec: None (deterministic random), an .npy/.npz path, an array or a list of arrays."""
    import numpy as np

    want = default_inputs(model)
    if spec is None:
        return want
    if isinstance(spec, (str, Path)):
        try:
            arr = np.load(spec, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read input {spec}: {exc}", fix="pass a .npy or .npz file") from None
        got = [arr[k] for k in arr.files] if hasattr(arr, "files") else [arr]
    elif isinstance(spec, np.ndarray):
        got = [spec]
    else:
        got = [np.asarray(a) for a in spec]
    if len(got) != len(want):
        raise UsageError(f"the model has {len(want)} input(s), {len(got)} given",
                         fix="pass one array per model input (an .npz for several)")
    for i, (g, w) in enumerate(zip(got, want)):
        if g.dtype != w.dtype or g.size != w.size:
            raise UsageError(f"input {i} is {g.dtype}{list(g.shape)}, the model wants {w.dtype}{list(w.shape)}",
                             fix="convert the array to the model's input type and shape")
    return [np.ascontiguousarray(g).reshape(w.shape) for g, w in zip(got, want)]


def input_bytes(arrays: Sequence) -> bytes:
    import numpy as np
    return b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)


def paint_model(img: FirmwareImage, model: bytes, inputs: bytes, *, flags: int = 0, per_operator: bool = True,
                timeout_s: float = 60.0, emulator: str = "qemu") -> tuple[Measurement, RuntimeReport, tuple[bytes, ...]]:
    """The painted measurement of one run (setup + inference, or setup only with NO_INVOKE) and the
    runtime's report and outputs. The report is returned as it is, failed or not."""
    from simprof.sim.layout import SymbolConventions
    from simprof.sim.measure import StopContext, measure_elf

    def on_stop(ctx: StopContext):
        rep = parse_report(ctx.gdb.read_memory(img.report, report_size()))
        outs = tuple(ctx.gdb.read_memory(a, n) if n else b"" for a, n in rep.outputs) if rep.ok else ()
        return rep, outs

    m = measure_elf(img.elf, img.platform, symbols=SymbolConventions(stop=(STOP_SYMBOL,)), timeout_s=timeout_s,
                    memory_writes=memory_writes(img, model, inputs, flags=flags), per_operator=per_operator,
                    on_stop=on_stop, check_exit=False, emulator=emulator)
    report, outs = m.on_stop_result
    return m, report, outs


def measure_model(model: bytes | str | Path, platform: Platform | str, *, input: Any = None,
                  kernels: str = DEFAULT_KERNELS, min_arena: bool = False, recording: bool = False,
                  timeout_s: float = 60.0, per_operator: bool = True, reference: bool = True,
                  emulator: str = "qemu", arena_hint: int | None = None, graph: ModelGraph | None = None,
                  cache_dir: Path | None = None) -> ModelMeasurement:
    """Build (cached), load, run and paint `model` on the simprof-rt image of `platform`.

    min_arena: also find the smallest working arena (`arena_min_bytes`; `arena_hint`, e.g. an
      estimate, is tried first, else the runtime's own figure).
    recording: model the tflite-micro Python wrapper's recording allocators instead of the plain
      MicroInterpreter (the firmware default, what an application uses).
    reference: compare the outputs with TFLM's host interpreter (`outputs_match_reference`).
    graph: the model already read (saves a parse).
    """
    plat = platform if isinstance(platform, Platform) else load(str(platform))
    data, name = load_model_bytes(model)
    if isinstance(model, (str, Path)):
        name = str(model)
    graph = graph or read_model(data, name)
    img = image_for(plat, kernels, cache_dir=cache_dir)
    check_input_room(img, data, graph)
    arrays = load_inputs(input, graph)
    inputs = input_bytes(arrays)
    check_flash(img, data, inputs)
    flags = protocol.image_flag("RECORDING") if recording else 0
    # The reference first: under Renode it then runs while Renode is still starting.
    want, why = _reference(data, arrays) if reference else (None, None)
    from simprof.sim.renode import reuse_for
    # Renode: the paint run and the min-arena trial runs share one Renode process.
    with reuse_for(emulator if min_arena else "qemu"):
        m, report, outs = paint_model(img, data, inputs, flags=flags, per_operator=per_operator,
                                      timeout_s=timeout_s, emulator=emulator)
        if not report.ok:
            raise_for(report, plat.id)
        amin = None
        if min_arena:
            hint, floor = report_hint(report)
            amin = find_min_arena(img, data, inputs, arena_hint or hint, floor=floor, flags=flags,
                                  timeout_s=timeout_s, emulator=emulator).arena_min_bytes
    match = None
    if why is not None:
        log.warning("no reference outputs: %s", why)
    elif want is not None:
        match = list(outs) == want
    base = {f: getattr(m, f) for f in Measurement.__dataclass_fields__}
    base["arena_min_bytes"] = amin
    names = {op.index: op.opcode for op in graph.subgraphs[0].operators}
    base["operators"] = tuple(replace(o, opcode=names.get(o.index, "")) for o in m.operators)
    return ModelMeasurement(**base, model=name, kernels=kernels, runtime=report, output_bytes=outs,
                            outputs_match_reference=match)


def _reference(model: bytes, arrays: Sequence) -> tuple[list[bytes] | None, Exception | None]:
    """TFLM's outputs for the inputs (tflite-micro's host interpreter), as bytes; or why not."""
    try:
        import numpy as np

        from simprof.model import oracle
        return [np.ascontiguousarray(w).tobytes() for w in oracle.reference_outputs(model, arrays)], None
    except Exception as exc:  # noqa: BLE001 - TFLM may lack an op simprof-rt has; say so, go on
        return None, exc


def check_arena_estimate(img: FirmwareImage, model: bytes, inputs: bytes, estimated: int, *,
                         timeout_s: float = 60.0, emulator: str = "qemu") -> None:
    """An estimate says the model's arena exceeds the image's: check that claim with one run on
    the whole arena (setup must fail for lack of arena). Raises DoesNotFitError(before_run) when
    it holds; returns when the model runs after all (the estimate was wrong)."""
    rep, _ = run_bare(img, memory_writes(img, model, inputs), timeout_s=timeout_s, emulator=emulator)
    if rep.status_name == "arena":
        raise DoesNotFitError(f"the estimated arena ({estimated:,} B) exceeds simprof-rt's arena on {img.platform.id} "
                              f"({img.arena_capacity:,} B: RAM minus static, stack and heap regions; a run with "
                              "all of it fails)", fix="use a platform with more RAM", before_run=True,
                              needed=estimated, available=img.arena_capacity)
    if not rep.ok:
        raise_for(rep, img.platform.id)

