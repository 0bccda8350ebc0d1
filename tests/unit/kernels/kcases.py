"""Single-op test models for simprof-rt's kernels, the case-file writer of the host harness
(harness.c) and its runner. Used by tests/unit/test_rt_kernels.py.

Every case is (name, model bytes, input arrays); the expected output comes from the tflite-micro
wheel (simprof.model.oracle.reference_outputs), never from our own code.
"""
from __future__ import annotations

import hashlib
import os
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simprof.model.builder import ModelBuilder, Quant, schema

ROOT = Path(__file__).resolve().parents[3]
KERNELS = ROOT / "firmware" / "kernels"
RUNTIME = ROOT / "firmware" / "runtime"
HARNESS_C = Path(__file__).resolve().parent / "harness.c"


def build_harness(out: Path, extra: tuple[str, ...] = ()) -> Path:
    """gcc + ASan/UBSan build of all kernels with the harness (about 4 s)."""
    srcs = sorted(str(p) for p in KERNELS.glob("*.c")) + [str(HARNESS_C)]
    cmd = ["gcc", "-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined,float-cast-overflow",
           "-fno-sanitize-recover=all", f"-I{RUNTIME}", f"-I{KERNELS}", *extra, *srcs, "-lm", "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"harness build failed:\n{r.stderr[-3000:]}")
    return out


@dataclass(frozen=True)
class Result:
    status: int
    events: tuple[str, ...]
    outputs: tuple[bytes, ...]
    error: str


def case_bytes(model: bytes, inputs: list[np.ndarray], shapes: dict[int, list[int]] | None = None,
               quants: dict[int, tuple[list[float], list[int]]] | None = None) -> bytes:
    """Serialises the first operator of subgraph 0 with all tensors for harness.c. `shapes` and
    `quants` (scales, zero points) override tensors' shapes and quantisation (corrupt-model tests)."""
    m = schema.Model.GetRootAs(model, 0)
    sg = m.Subgraphs(0)
    op = sg.Operators(0)
    oc = m.OperatorCodes(op.OpcodeIndex())
    code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
    graph_inputs = list(sg.InputsAsNumpy()) if sg.InputsLength() else []
    feed = {int(t): np.ascontiguousarray(a).tobytes() for t, a in zip(graph_inputs, inputs)}
    out = bytearray(struct.pack("<Iii", 0x4B545253, code, sg.TensorsLength()))
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        buf = m.Buffers(t.Buffer())
        data = buf.DataAsNumpy().tobytes() if buf is not None and buf.DataLength() else b""
        const = bool(data)
        if i in feed:
            data = feed[i]
        shape = [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []
        if shapes and i in shapes:
            shape = list(shapes[i])
        q = t.Quantization()
        scales = q.ScaleAsNumpy().astype("<f4").tobytes() if q is not None and q.ScaleLength() else b""
        zps = q.ZeroPointAsNumpy().astype("<i8").tobytes() if q is not None and q.ZeroPointLength() else b""
        qdim = q.QuantizedDimension() if q is not None else 0
        if quants and i in quants:
            scales = np.asarray(quants[i][0], "<f4").tobytes()
            zps = np.asarray(quants[i][1], "<i8").tobytes()
        out += struct.pack("<BBBBi", t.Type(), const, int(t.IsVariable()), 0, len(shape))
        out += struct.pack(f"<{len(shape)}i", *shape)
        out += struct.pack("<i", len(scales) // 4) + scales + struct.pack("<i", len(zps) // 8) + zps
        out += struct.pack("<iI", qdim, len(data)) + data
    ins = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
    outs = [int(x) for x in op.OutputsAsNumpy()]
    out += struct.pack(f"<i{len(ins)}i", len(ins), *ins) + struct.pack(f"<i{len(outs)}i", len(outs), *outs)
    table = op.BuiltinOptions() if op.BuiltinOptionsType() else None
    pad = (-(len(out) + 8)) % 16  # the model starts 16-aligned in the file (flatbuffer alignment)
    out += struct.pack("<I", pad) + bytes(pad)
    out += struct.pack("<I", len(model)) + model + struct.pack("<I", table.Pos if table is not None else 0)
    return bytes(out)


_REFERENCE: dict[bytes, list[np.ndarray]] = {}
_RESULTS: dict[tuple[str, str], "Result"] = {}


def reference(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """simprof.model.oracle.reference_outputs, memoised per process (several test files ask for the same
    model and inputs; each oracle run forks a TFLM child)."""
    from simprof.model import oracle

    key = hashlib.sha256(model + b"".join(np.ascontiguousarray(a).tobytes() for a in inputs)).digest()
    if key not in _REFERENCE:
        _REFERENCE[key] = oracle.reference_outputs(model, inputs)
    return _REFERENCE[key]


def run_case_cached(harness: Path, workdir: Path, name: str, model: bytes, inputs: list[np.ndarray]) -> "Result":
    """run_case without shape overrides, once per harness and case name."""
    key = (str(harness), name)
    if key not in _RESULTS:
        _RESULTS[key] = run_case(harness, workdir, name, model, inputs)
    return _RESULTS[key]


def run_case(harness: Path, workdir: Path, name: str, model: bytes, inputs: list[np.ndarray],
             shapes: dict[int, list[int]] | None = None,
             quants: dict[int, tuple[list[float], list[int]]] | None = None) -> Result:
    case = workdir / f"{name}.bin"
    res = workdir / f"{name}.txt"
    case.write_bytes(case_bytes(model, inputs, shapes, quants))
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0", UBSAN_OPTIONS="print_stacktrace=1")
    proc = subprocess.run([str(harness), str(case), str(res)], capture_output=True, text=True, timeout=60, env=env)
    if proc.returncode not in (0, 2, 3):
        raise AssertionError(f"{name}: harness crashed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    events, outputs, error = [], [], ""
    for line in res.read_text().splitlines():
        if line.startswith("O "):
            parts = line.split(" ", 2)
            outputs.append(bytes.fromhex(parts[2] if len(parts) > 2 else ""))
        elif line.startswith("F ") or line.startswith("U "):
            error = line
        elif line[:2] in ("T ", "P ", "S "):
            events.append(line)
    return Result(proc.returncode, tuple(events), tuple(outputs), error)


# ---------------------------------------------------------------------------------------------
# single-op models

RNG_SEED = 1234


def tensor_shapes(model: bytes) -> list[list[int]]:
    sg = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    return [[int(d) for d in sg.Tensors(i).ShapeAsNumpy()] if sg.Tensors(i).ShapeLength() else []
            for i in range(sg.TensorsLength())]


def qt(scale: float, zp: int = 0) -> Quant:
    return Quant.per_tensor(scale, zp)


def rand(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    if dtype == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    if dtype == "int16":
        return rng.integers(-30000, 30000, size=shape, dtype=np.int16)
    if dtype == "int32":
        return rng.integers(-1000, 1000, size=shape, dtype=np.int32)
    if dtype == "uint8":
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    if dtype == "int64":
        return rng.integers(-1000, 1000, size=shape, dtype=np.int64)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    return (rng.standard_normal(size=shape) * 3).astype(np.float32)


def _model(build) -> bytes:
    m = ModelBuilder("kernel test")
    build(m.subgraph("main"))
    return m.to_bytes()


def act_opts(cls, act: int = 0, **kw):
    o = cls()
    if hasattr(o, "fusedActivationFunction"):
        o.fusedActivationFunction = act
    for k, v in kw.items():
        setattr(o, k, v)
    return o


class Cases:
    """Collects (name, model, inputs)."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(RNG_SEED)
        self.items: list[tuple[str, bytes, list[np.ndarray]]] = []

    def add(self, name: str, build, in_specs: list[tuple[tuple[int, ...], str]]) -> None:
        self.items.append((name, _model(build), [rand(self.rng, s, d) for s, d in in_specs]))
