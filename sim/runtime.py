"""Measure a .tflite model on the simprof-rt firmware under QEMU.

One firmware image per platform (built once, cached by `sim.build`): the host packs a header, the
model and the input into the flash model region (firmware/app/image.h), the firmware runs setup
and one inference, fills `simprof_report` (firmware/runtime/report.h) and calls simprof_done().

    m = measure_model(Path("kws.tflite"), "stm32f4", min_arena=True)
    m.arena_head_bytes, m.runtime.head, m.arena_min_bytes, m.outputs_match_reference

`measure_model` returns a `ModelMeasurement`: the painted `Measurement` of `sim.measure` plus the
runtime's own report, the output bytes, the reference check and (with min_arena) the smallest
working arena found by bisecting the arena size handed to the firmware.
"""
from __future__ import annotations

import logging
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from simprof.errors import DoesNotFitError, EmulatorError, FirmwareError, ModelFormatError, UsageError
from simprof.firmware import SOURCE_DIR
from simprof.platforms import Platform, load
from simprof.sim.build import FirmwareBuild, build_firmware
from simprof.sim.elf import read_elf
from simprof.sim.faults import fault_error, fault_vectors
from simprof.sim.layout import SymbolConventions
from simprof.sim.measure import StopContext, measure_elf
from simprof.types import Measurement

log = logging.getLogger(__name__)

STOP_SYMBOL = "simprof_done"
REPORT_SYMBOL = "simprof_report"
IMAGE_MAGIC = 0x4D545253
IMAGE_VERSION = 1
HEADER_SIZE = 32
FLAG_RECORDING, FLAG_NO_INVOKE, FLAG_INPUT_REGION = 0x1, 0x2, 0x4
STATUS_NAMES = {0: "ok", 1: "model", 2: "unsupported", 3: "arena", 4: "input", 5: "internal"}
RUNNING = 0xFFFFFFFF
_REPORT = struct.Struct("<20I8I8I192s")   # report.h, version 1 (336 bytes)


@dataclass(frozen=True)
class RuntimeReport:
    """simprof_report as the firmware left it (report.h)."""
    status: int
    phase: int
    arena_size: int
    arena_start_pad: int
    head: int            # final planned head
    tail: int            # final persistent tail
    temp_hwm: int        # high-water mark of head + temporaries during setup
    need: int            # arena needed per the runtime's own accounting (ceil 16)
    missing: int         # on an arena error: bytes short
    n_subgraphs: int
    n_tensors: int
    n_ops: int
    n_scratch: int
    n_planned: int
    op_index: int
    recording: bool
    arena_addr: int
    outputs: tuple[tuple[int, int], ...]   # (address, bytes) of each output
    message: str

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_name(self) -> str:
        return "running" if self.status == RUNNING else STATUS_NAMES.get(self.status, str(self.status))

    @classmethod
    def parse(cls, raw: bytes) -> "RuntimeReport":
        v = _REPORT.unpack(raw[:_REPORT.size])
        if v[0] != 0x50545253 or v[1] != 1:
            raise EmulatorError("simprof_report was never written (firmware did not start the runtime)",
                                fix="check the firmware's console output")
        n_out = min(v[19], 8)
        outs = tuple((v[20 + i], v[28 + i]) for i in range(n_out))
        return cls(v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
                   v[16], bool(v[17]), v[18], outs, v[36].split(b"\0", 1)[0].decode("utf-8", "replace"))


@dataclass(frozen=True)
class ModelMeasurement(Measurement):
    """A painted measurement of a model on simprof-rt, with the runtime's own figures."""
    model: str = ""
    runtime: RuntimeReport | None = None
    output_bytes: tuple[bytes, ...] = field(default=(), repr=False, compare=False)
    outputs_match_reference: bool | None = None
    arena_min_bytes: int | None = None

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["model"] = self.model
        if self.runtime is not None:
            r = self.runtime
            out["runtime"] = {"head_bytes": r.head, "tail_bytes": r.tail, "setup_peak_bytes": r.temp_hwm,
                              "need_bytes": r.need, "recording_allocators": r.recording}
        if self.outputs_match_reference is not None:
            out["outputs_match_reference"] = self.outputs_match_reference
        if self.arena_min_bytes is not None:
            out["arena_min_bytes"] = self.arena_min_bytes
        return out


def firmware_for(platform: Platform, *, cache_dir: Path | None = None) -> FirmwareBuild:
    """The simprof-rt image of `platform` (cached; the same image runs every model)."""
    sources = [SOURCE_DIR / "app" / "main.c"] + sorted((SOURCE_DIR / "runtime").glob("*.c")) + \
        sorted((SOURCE_DIR / "kernels").glob("*.c"))
    return build_firmware(platform, sources, name="simprof-rt",
                          include_dirs=[SOURCE_DIR / "runtime", SOURCE_DIR / "kernels", SOURCE_DIR / "app"],
                          defines={"SRT_HAVE_CONTROL_OPS": None}, cache_dir=cache_dir)


def pack_image(model: bytes, inputs: bytes = b"", *, arena_size: int = 0, flags: int = 0,
               input_in_region: bool = False) -> bytes:
    """The model region's bytes: header + model (at 32) [+ input at the next 16-aligned offset,
    unless input_in_region: then the caller writes `inputs` to __input_start itself]."""
    after = bool(inputs) and not input_in_region
    in_off = (HEADER_SIZE + len(model) + 15) // 16 * 16 if after else 0
    if input_in_region:
        flags |= FLAG_INPUT_REGION
    head = struct.pack("<IHHIIIIII", IMAGE_MAGIC, IMAGE_VERSION, HEADER_SIZE, len(model), in_off,
                       len(inputs), arena_size, flags, 0)
    body = head + model
    if after:
        body += b"\0" * (in_off - len(body)) + inputs
    return body


def memory_writes(fw: FirmwareBuild, model: bytes, inputs: bytes = b"", *, arena_size: int = 0,
                  flags: int = 0) -> list[tuple[int, bytes]]:
    """(address, bytes) to write before the first instruction: the input goes to the linker's
    input region when it fits there, else after the model."""
    reg = _regions(fw)
    in_region = 0 < len(inputs) <= reg.input_capacity
    writes = [(reg.model_start, pack_image(model, inputs, arena_size=arena_size, flags=flags,
                                           input_in_region=in_region))]
    if in_region:
        writes.append((reg.input_start, bytes(inputs)))
    return writes


@dataclass(frozen=True)
class _Regions:
    model_start: int
    model_capacity: int
    input_start: int
    input_capacity: int
    arena_start: int
    arena_size: int
    stop: int


def _regions(fw: FirmwareBuild) -> _Regions:
    info = read_elf(fw.elf)
    need = ("__model_start", "__model_end", "__input_start", "__input_end", "tensor_arena", "__tensor_arena_end",
            STOP_SYMBOL, REPORT_SYMBOL)
    addr = {n: info.address(n) for n in need}
    if any(v is None for v in addr.values()):
        raise EmulatorError(f"{fw.elf} is not a simprof-rt firmware (missing symbols)", fix="rebuild it")
    return _Regions(addr["__model_start"], addr["__model_end"] - addr["__model_start"], addr["__input_start"],
                    addr["__input_end"] - addr["__input_start"], addr["tensor_arena"],
                    addr["__tensor_arena_end"] - addr["tensor_arena"], addr[STOP_SYMBOL])


def check_fits(model: bytes, inputs: bytes, fw: FirmwareBuild, platform: Platform) -> None:
    """Refuse models that cannot fit the platform's flash, or whose estimated arena exceeds the
    arena the firmware has, with the numbers."""
    reg = _regions(fw)
    image = len(pack_image(model, inputs, input_in_region=len(inputs) <= reg.input_capacity))
    if image > reg.model_capacity:
        raise DoesNotFitError(
            f"model ({len(model):,} B) + input ({len(inputs):,} B) + header need {image:,} B of flash; "
            f"{platform.id} has {reg.model_capacity:,} B left after the firmware's code",
            fix="use a platform with more flash, or a smaller model", needed=image, available=reg.model_capacity)
    try:
        from simprof.estimator import estimate
        est = estimate(model, runtime="simprof-rt", abi="arm-eabi").arena_min_bytes
    except Exception as exc:  # noqa: BLE001 - the estimate is advisory here; the run decides
        log.info("no arena estimate for the fit check: %s", exc)
        return
    if est > reg.arena_size:
        raise DoesNotFitError(
            f"the model needs an arena of about {est:,} B; {platform.id} leaves {reg.arena_size:,} B for it "
            f"(short by {est - reg.arena_size:,} B)",
            fix="use a platform with more RAM, or a smaller model", needed=est, available=reg.arena_size)


def _check_input_room(graph, model_bytes: int, fw: FirmwareBuild, platform: Platform) -> None:
    """Refuse a model whose inputs cannot fit the flash model region beside it (a hostile shape
    can ask for gigabytes) before simprof allocates them."""
    sg = graph.subgraphs[0]
    need = sum(sg.tensors[i].nbytes for i in sg.inputs)
    room = _regions(fw).model_capacity
    if need + model_bytes > room:
        raise DoesNotFitError(f"the model's inputs need {need:,} B and the model {model_bytes:,} B of flash; "
                              f"{platform.id} has {room:,} B for both",
                              fix="use a platform with more flash, or a smaller model", needed=need, available=room,
                              before_run=True)


def run_image(fw: FirmwareBuild, platform: Platform, image: bytes | Sequence[tuple[int, bytes]], *,
              timeout_s: float = 30.0, read_outputs: bool = False,
              emulator: str = "qemu") -> tuple[RuntimeReport, tuple[bytes, ...]]:
    """One run without painting: write the image (the model region's bytes, or (address, bytes)
    pairs from `memory_writes`), run to simprof_done, read the report (and the outputs).
    Faults raise HardFault; not reaching simprof_done raises EmulatorTimeout."""
    from simprof.sim.backend import open_session

    reg = _regions(fw)
    info = read_elf(fw.elf)
    rep_addr = info.address(REPORT_SYMBOL)
    deadline = time.monotonic() + timeout_s
    with open_session(emulator, platform, fw.elf, timeout_s=max(5.0, min(timeout_s, 30.0))) as s:
        gdb = s.gdb
        writes = [(reg.model_start, image)] if isinstance(image, (bytes, bytearray)) else image
        for address, data in writes:
            gdb.write_memory(address, bytes(data))
        faults = fault_vectors(gdb, info, platform)
        for bp in {reg.stop, *faults}:
            gdb.set_breakpoint(bp)
        remaining = max(0.1, deadline - time.monotonic())
        reply = gdb.cont(remaining)
        if reply.kind != "signal":
            raise EmulatorError(f"firmware ended without reaching {STOP_SYMBOL} ({reply.kind} {reply.code})",
                                fix="see the console output: " + s.console.strip()[-200:])
        regs = gdb.read_registers()
        pc = regs[15] & ~1
        if pc in faults:
            raise fault_error(gdb, info, regs, faults[pc], s.console)
        report = RuntimeReport.parse(gdb.read_memory(rep_addr, _REPORT.size))
        outs: tuple[bytes, ...] = ()
        if read_outputs and report.ok:
            outs = tuple(gdb.read_memory(a, n) if n else b"" for a, n in report.outputs)
    return report, outs


def _as_bytes(model: bytes | str | Path) -> tuple[bytes, str]:
    if isinstance(model, (bytes, bytearray)):
        return bytes(model), "<bytes>"
    p = Path(model)
    try:
        return p.read_bytes(), str(p)
    except OSError as exc:
        raise ModelFormatError(f"cannot read model {p}: {exc.strerror}", fix="check the path") from None


def default_inputs(model: bytes, seed: int = 0) -> list[np.ndarray]:
    """Deterministic pseudo-random inputs with the model's input shapes and types."""
    from simprof.estimator.tflite_reader import read_model

    g = read_model(model)
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


def _load_inputs(spec: Any, model: bytes) -> list[np.ndarray]:
    """The input arrays, checked against the model's inputs (count, dtype, element count)."""
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


def measure_model(model: bytes | str | Path, platform: Platform | str, *, input: Any = None,
                  min_arena: bool = False, recording: bool = False, timeout_s: float = 60.0,
                  per_operator: bool = True, reference: bool = True, emulator: str = "qemu",
                  cache_dir: Path | None = None) -> ModelMeasurement:
    """Build (cached), load, run and paint `model` on the simprof-rt firmware of `platform`.

    input: None (deterministic random), an .npy/.npz path, an array or a list of arrays.
    min_arena: also bisect the arena size handed to the firmware (`arena_min_bytes`).
    recording: model the tflite-micro Python wrapper's recording allocators instead of the
      plain MicroInterpreter (the firmware default, what an application uses).
    reference: compare the outputs with TFLM's host interpreter (`outputs_match_reference`).
    """
    plat = platform if isinstance(platform, Platform) else load(str(platform))
    data, name = _as_bytes(model)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelFormatError(f"{name} is not a .tflite model (no TFL3 identifier)", fix="pass a .tflite file")
    from simprof.estimator.tflite_reader import read_model

    graph = read_model(data, name=Path(name).name)     # simprof-rt's checks, before any build or run
    fw = firmware_for(plat, cache_dir=cache_dir)
    _check_input_room(graph, len(data), fw, plat)      # before any input array is allocated
    arrays = _load_inputs(input, data)
    inputs = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)
    check_fits(data, inputs, fw, plat)
    flags = FLAG_RECORDING if recording else 0

    def on_stop(ctx: StopContext):
        rep = RuntimeReport.parse(ctx.gdb.read_memory(ctx.elf.address(REPORT_SYMBOL), _REPORT.size))
        outs = tuple(ctx.gdb.read_memory(a, n) if n else b"" for a, n in rep.outputs) if rep.ok else ()
        return rep, outs

    m = measure_elf(fw.elf, plat, symbols=SymbolConventions(stop=(STOP_SYMBOL,)), timeout_s=timeout_s,
                    memory_writes=memory_writes(fw, data, inputs, flags=flags), per_operator=per_operator,
                    on_stop=on_stop,
                    check_exit=False, emulator=emulator)
    report, outs = m.on_stop_result
    if not report.ok:
        _raise_for(report, plat)
    match = None
    if reference:
        try:
            from simprof import oracle
            want = oracle.reference_outputs(data, arrays)
            match = [o for o in outs] == [np.ascontiguousarray(w).tobytes() for w in want]
        except Exception as exc:  # noqa: BLE001 - TFLM may lack an op simprof-rt has; say so, go on
            log.warning("no reference outputs: %s", exc)
    amin = min_arena_firmware(data, plat, fw=fw, recording=recording, first=report, timeout_s=timeout_s,
                              emulator=emulator) if min_arena else None
    base = {f: getattr(m, f) for f in Measurement.__dataclass_fields__}
    return ModelMeasurement(**base, model=name, runtime=report, output_bytes=outs,
                            outputs_match_reference=match, arena_min_bytes=amin)


def _raise_for(report: RuntimeReport, platform: Platform) -> None:
    if report.status_name == "arena":
        raise DoesNotFitError(f"simprof-rt: the arena of {report.arena_size:,} B on {platform.id} is short by "
                              f"{report.missing:,} B ({report.message})",
                              fix="use a platform with more RAM, or a smaller model", missing=report.missing)
    raise FirmwareError(f"simprof-rt failed ({report.status_name}): {report.message}",
                        fix="see the message; unsupported operators are listed by `simprof estimate`",
                        status=report.status)


def min_arena_firmware(model: bytes, platform: Platform, *, fw: FirmwareBuild | None = None,
                       recording: bool = False, first: RuntimeReport | None = None,
                       timeout_s: float = 30.0, emulator: str = "qemu") -> int:
    """Smallest arena (a multiple of 16 from the aligned tensor_arena) with which setup and one
    inference succeed on the firmware, by bisection. The runtime's own `need` is tried first: it
    is usually the answer, and then only it and 16 B less are run."""
    fw = fw or firmware_for(platform)
    reg = _regions(fw)
    flags = FLAG_RECORDING if recording else 0

    def ok(size: int) -> bool:
        rep, _ = run_image(fw, platform, pack_image(model, flags=flags, arena_size=size),
                           timeout_s=timeout_s, emulator=emulator)
        if rep.status not in (0, 3):   # anything but "arena too small" is not about the size
            raise FirmwareError(f"simprof-rt failed ({rep.status_name}) with a {size} B arena: {rep.message}",
                                fix="see the message")
        return rep.ok

    if first is None:
        first, _ = run_image(fw, platform, pack_image(model, flags=flags), timeout_s=timeout_s, emulator=emulator)
        if not first.ok:
            _raise_for(first, platform)
    top = reg.arena_size // 16 * 16
    hi = min(top, (max(first.need, first.head + first.tail) + 15) // 16 * 16)
    if not ok(hi):
        lo, hi = hi, top
    else:
        lo = (first.head + first.tail + 15) // 16 * 16 - 16   # the final head + tail must fit
    while hi - lo > 16:
        mid = lo + (hi - lo) // 32 * 16
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi
