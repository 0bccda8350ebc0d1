"""Read a .tflite flatbuffer into a typed, immutable ModelGraph (the writer is writer.py).

The flatbuffer is decoded directly (a struct call per field) instead of through the tflite-micro
wheel's generated accessors: those cost ~6 Python calls per field and their import pulls in numpy
and the wheel's interpreter, most of `simprof estimate`'s time. The schema's enum names come from
schema_enums.py, generated from the wheel's schema. Only what the memory arithmetic needs is read.

This module is also the one place that decides what a file is (`file_kind`: a .tflite model or an
ELF) and refuses a file that is not a model (`load_model_bytes`).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from simprof.core.errors import ModelFormatError

from .checks import require_valid
from .schema_enums import BUILTIN_OPERATORS as _OP_NAMES
from .schema_enums import BUILTIN_OPTIONS as _OPT_NAMES
from .schema_enums import TENSOR_TYPES

TFLITE_IDENTIFIER = b"TFL3"
ELF_MAGIC = b"\x7fELF"
CUSTOM_CODE = next(k for k, v in _OP_NAMES.items() if v == "CUSTOM")

# element sizes as TFLM's TfLiteTypeGetSize sees them (micro/memory_helpers.cc)
_SIZES = {"FLOAT32": 4, "FLOAT16": 2, "INT32": 4, "UINT8": 1, "INT64": 8, "BOOL": 1, "INT16": 2, "INT8": 1,
          "FLOAT64": 8, "UINT32": 4, "UINT16": 2, "INT4": 1, "COMPLEX64": 8, "RESOURCE": 0, "STRING": 0,
          "UINT64": 8}
_TYPE_INFO = {code: (name.lower(), _SIZES[name]) for code, name in TENSOR_TYPES.items() if name in _SIZES}

# builtin options the estimator needs, and which fields of them
_OPTION_FIELDS = {
    "Conv2DOptions": ("Padding", "StrideW", "StrideH", "DilationWFactor", "DilationHFactor"),
    "DepthwiseConv2DOptions": ("Padding", "StrideW", "StrideH", "DepthMultiplier", "DilationWFactor",
                               "DilationHFactor"),
    "Pool2DOptions": ("Padding", "StrideW", "StrideH", "FilterWidth", "FilterHeight"),
    "FullyConnectedOptions": ("KeepNumDims",),
    "ReducerOptions": ("KeepDims",),
    "IfOptions": ("ThenSubgraphIndex", "ElseSubgraphIndex"),
    "WhileOptions": ("CondSubgraphIndex", "BodySubgraphIndex"),
    "CallOnceOptions": ("InitSubgraphIndex",),
    "VarHandleOptions": ("Container", "SharedName"),
    "BatchMatMulOptions": ("AdjX", "AdjY"),
}


@dataclass(frozen=True)
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    nbytes: int          # product of the shape (a scalar counts as 1 element) x element size
    has_data: bool       # a non-empty flatbuffer buffer: constant, never planned
    is_variable: bool
    n_scales: int
    quantized: bool      # non-empty scale and zero-point vectors (how TFLM decides)
    n_zero_points: int


@dataclass(frozen=True)
class Operator:
    index: int
    opcode: str          # builtin name, or "CUSTOM:<code>"
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: tuple[tuple[str, object], ...]  # the few fields the estimator reads

    def opt(self, name: str, default=None):
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class Subgraph:
    index: int
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class ModelGraph:
    name: str
    subgraphs: tuple[Subgraph, ...]
    offline_offsets: tuple[int, ...] | None  # "OfflineMemoryAllocation" metadata, -1 = online
    size_bytes: int

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]


# Builtin options the estimator reads: (name, schema field index, kind, default). Kinds: "u8",
# "i32", "bool", "str". Checked equal to the generated accessors on every test model.
_RAW_OPTIONS = {
    "Conv2DOptions": (("Padding", 0, "u8", 0), ("StrideW", 1, "i32", 0), ("StrideH", 2, "i32", 0),
                      ("DilationWFactor", 4, "i32", 1), ("DilationHFactor", 5, "i32", 1)),
    "DepthwiseConv2DOptions": (("Padding", 0, "u8", 0), ("StrideW", 1, "i32", 0), ("StrideH", 2, "i32", 0),
                               ("DepthMultiplier", 3, "i32", 0), ("DilationWFactor", 5, "i32", 1),
                               ("DilationHFactor", 6, "i32", 1)),
    "Pool2DOptions": (("Padding", 0, "u8", 0), ("StrideW", 1, "i32", 0), ("StrideH", 2, "i32", 0),
                      ("FilterWidth", 3, "i32", 0), ("FilterHeight", 4, "i32", 0)),
    "FullyConnectedOptions": (("KeepNumDims", 2, "bool", False),),
    "ReducerOptions": (("KeepDims", 0, "bool", False),),
    "IfOptions": (("ThenSubgraphIndex", 0, "i32", 0), ("ElseSubgraphIndex", 1, "i32", 0)),
    "WhileOptions": (("CondSubgraphIndex", 0, "i32", 0), ("BodySubgraphIndex", 1, "i32", 0)),
    "CallOnceOptions": (("InitSubgraphIndex", 0, "i32", 0),),
    "VarHandleOptions": (("Container", 0, "str", ""), ("SharedName", 1, "str", "")),
    "BatchMatMulOptions": (("AdjX", 0, "bool", False), ("AdjY", 1, "bool", False)),
    "TransposeConvOptions": (("Padding", 0, "u8", 0), ("StrideW", 1, "i32", 0), ("StrideH", 2, "i32", 0)),
}


def _raw_options(buf: bytes, op: int, opt_type: int) -> tuple[tuple[str, object], ...]:
    spec = _RAW_OPTIONS.get(_OPT_NAMES.get(opt_type, ""))
    if not spec:
        return ()
    tab = _table(buf, op, 4)
    if not tab:
        return ()
    out = []
    for name, idx, kind, default in spec:
        if kind == "str":
            start, n = _vector(buf, tab, idx)
            out.append((name, buf[start:start + n].decode() if n else default))
        else:
            v = _scalar(buf, tab, idx, _U8 if kind in ("u8", "bool") else _I32, default)
            out.append((name, bool(v) if kind == "bool" else v))
    return tuple(out)


def _offline_plan(buf: bytes, root: int) -> tuple[int, ...] | None:
    """The "OfflineMemoryAllocation" metadata: version, subgraph index, number of offsets, then the
    offsets (int32 each; -1 = planned online)."""
    for md in _tables(buf, root, 6):
        if _string(buf, md, 0) == "OfflineMemoryAllocation":
            bi = _scalar(buf, md, 1, _U32)
            vec, count = _vector(buf, root, 4)
            if not 0 <= bi < count:
                raise ValueError(f"metadata buffer {bi} out of range")
            at = vec + 4 * bi
            start, n = _vector(buf, at + _U32(buf, at)[0], 0)
            raw = buf[start:start + n]
            _, _, count = struct.unpack_from("<iii", raw, 0)
            return struct.unpack_from(f"<{count}i", raw, 12)
    return None


def file_kind(data: bytes) -> str:
    """"tflite", "elf" or "unknown", from a file's first bytes (the one rule every front uses)."""
    if len(data) >= 8 and data[4:8] == TFLITE_IDENTIFIER:
        return "tflite"
    if data[:4] == ELF_MAGIC:
        return "elf"
    return "unknown"


def load_model_bytes(source: bytes | str | Path, name: str | None = None) -> tuple[bytes, str]:
    """(bytes, display name) of a .tflite model given as a path or bytes; refuses anything else."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            raise ModelFormatError(f"{path} is a directory, not a .tflite model", fix="pass a .tflite file")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelFormatError(f"cannot read model {path}: {exc.strerror}", fix="check the path") from None
        name = name or path.name
    else:
        data = bytes(source)
        name = name or "model"
    if file_kind(data) != "tflite":
        raise ModelFormatError(f"{name} is not a .tflite flatbuffer (no {TFLITE_IDENTIFIER.decode()} identifier)",
                               fix="pass a TensorFlow Lite model file")
    return data, name


def read_model(source: bytes | str | Path, name: str | None = None) -> ModelGraph:
    """Parse a .tflite model (path or bytes)."""
    data, name = load_model_bytes(source, name)
    require_valid(data, name)   # simprof-rt's load checks: every index and size bounded
    try:
        return _parse(data, name)
    except (IndexError, struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{name} is truncated or corrupt: {exc}", fix="re-export the model") from None


# Direct flatbuffer decoding. The generated accessors cost ~6 Python calls per field, which is most
# of the estimator's time on large models; these helpers read the same fields with one
# struct call each. Field numbers are those of TFLite's schema.fbs.
_U8 = struct.Struct("<B").unpack_from
_U16 = struct.Struct("<H").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from
_U64 = struct.Struct("<Q").unpack_from


def _field(buf: bytes, tab: int, i: int, width: int = 4) -> int:
    """Offset of field i inside table `tab`, 0 if absent, or if it lies outside its table, where
    simprof-rt's reader (fb.c) also takes the default."""
    vt = tab - _I32(buf, tab)[0]
    o = 4 + 2 * i
    if o + 2 > _U16(buf, vt)[0]:
        return 0
    f = _U16(buf, vt + o)[0]
    if f and (f + width > _U16(buf, vt + 2)[0] or tab + f + width > len(buf)):
        return 0
    return f


def _table(buf: bytes, tab: int, i: int) -> int:
    o = _field(buf, tab, i)
    return tab + o + _U32(buf, tab + o)[0] if o else 0


def _vector(buf: bytes, tab: int, i: int) -> tuple[int, int]:
    """(start of elements, length) of vector field i, (0, 0) if absent."""
    o = _field(buf, tab, i)
    if not o:
        return 0, 0
    v = tab + o + _U32(buf, tab + o)[0]
    return v + 4, _U32(buf, v)[0]


def _ints(buf: bytes, tab: int, i: int) -> tuple[int, ...]:
    start, n = _vector(buf, tab, i)
    return struct.unpack_from(f"<{n}i", buf, start) if n else ()


def _tables(buf: bytes, tab: int, i: int) -> list[int]:
    start, n = _vector(buf, tab, i)
    return [start + 4 * k + _U32(buf, start + 4 * k)[0] for k in range(n)]


_WIDTH = {_U8: 1, _U16: 2, _I32: 4, _U32: 4, _U64: 8}


def _scalar(buf: bytes, tab: int, i: int, reader, default: int = 0) -> int:
    o = _field(buf, tab, i, _WIDTH.get(reader, 4))
    return reader(buf, tab + o)[0] if o else default


def _string(buf: bytes, tab: int, i: int) -> str:
    """A name (a label only, never read by the runtime): an unreadable one is empty."""
    try:
        start, n = _vector(buf, tab, i)
    except struct.error:
        return ""
    return buf[start:start + n].decode(errors="replace") if n and start + n <= len(buf) else ""


_NO_FIELDS = (0,) * 16
# field widths of the tables read through _vtable (schema.fbs), for fb.c's rule below
TENSOR_WIDTHS = (4, 1, 4, 4, 4, 1)                 # shape, type, buffer, name, quantization, is_variable
OPERATOR_WIDTHS = (4, 4, 4, 1, 4)                  # opcode_index, inputs, outputs, options type, options


def _vtable(buf: bytes, tab: int, widths: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Offsets of the fields of table `tab` (0 = absent), padded with zeros to 16 fields. A field
    of width widths[i] that reaches past its table counts as absent, as in simprof-rt's fb.c."""
    vt = tab - _I32(buf, tab)[0]
    n = (_U16(buf, vt)[0] - 4) // 2
    f = (struct.unpack_from(f"<{n}H", buf, vt + 4) + _NO_FIELDS) if n > 0 else _NO_FIELDS
    if widths:
        tsize = _U16(buf, vt + 2)[0]
        f = tuple(o if not o or i >= len(widths) or (o + widths[i] <= tsize and tab + o + widths[i] <= len(buf))
                  else 0 for i, o in enumerate(f))
    return f


def _ints_at(buf: bytes, tab: int, o: int) -> tuple[int, ...]:
    v = tab + o + _U32(buf, tab + o)[0]
    n = _U32(buf, v)[0]
    return struct.unpack_from(f"<{n}i", buf, v + 4) if n else ()


def _string_at(buf: bytes, tab: int, o: int) -> str:
    """A name (a label only, never read by the runtime): an unreadable one is empty."""
    if not o:
        return ""
    try:
        v = tab + o + _U32(buf, tab + o)[0]
        n = _U32(buf, v)[0]
    except struct.error:
        return ""
    return buf[v + 4:v + 4 + n].decode(errors="replace") if v + 4 + n <= len(buf) else ""


def _parse(data: bytes, name: str) -> ModelGraph:
    buf = data
    root = _U32(buf, 0)[0]
    codes = []
    for oc in _tables(buf, root, 1):
        code = max(_scalar(buf, oc, 3, _I32), struct.unpack_from("<b", buf, oc + _field(buf, oc, 0, 1))[0]
                   if _field(buf, oc, 0, 1) else 0)
        if code == CUSTOM_CODE:
            codes.append("CUSTOM:" + _string(buf, oc, 1))
        else:
            codes.append(_OP_NAMES.get(code, f"BUILTIN_{code}"))
    buffers_at, n_buffers = _vector(buf, root, 4)

    def has_data(bi: int) -> bool:
        # Only buffers a tensor refers to are read (and checked, by simprof.model.checks).
        if bi >= n_buffers:
            return False
        b = buffers_at + 4 * bi + _U32(buf, buffers_at + 4 * bi)[0]
        _, n = _vector(buf, b, 0)
        # a buffer stored outside the flatbuffer (offset > 1) also holds data
        return n > 0 or (_scalar(buf, b, 1, _U64) > 1 and _scalar(buf, b, 2, _U64) > 0)
    subgraphs = []
    for s, sg in enumerate(_tables(buf, root, 2)):
        tensors = []
        for t, ten in enumerate(_tables(buf, sg, 0)):
            f = _vtable(buf, ten, TENSOR_WIDTHS)   # the tensor's field offsets, read once (hot loop)
            shape = _ints_at(buf, ten, f[0]) if f[0] else ()
            code = _U8(buf, ten + f[1])[0] if f[1] else 0
            dtype, esize = _TYPE_INFO.get(code, (f"type{code}", 0))
            n = 1
            for d in shape:
                n *= d
            ns = nz = 0
            if f[4]:
                q = ten + f[4] + _U32(buf, ten + f[4])[0]
                qf = _vtable(buf, q)
                ns = _U32(buf, q + qf[2] + _U32(buf, q + qf[2])[0])[0] if qf[2] else 0
                nz = _U32(buf, q + qf[3] + _U32(buf, q + qf[3])[0])[0] if qf[3] else 0
            bi = _U32(buf, ten + f[2])[0] if f[2] else 0
            tensors.append(Tensor(
                index=t, name=_string_at(buf, ten, f[3]), shape=shape, dtype=dtype, nbytes=max(n * esize, 0),
                has_data=has_data(bi), is_variable=bool(f[5] and _U8(buf, ten + f[5])[0]),
                n_scales=ns, quantized=ns > 0 and nz > 0, n_zero_points=nz))
        ops = []
        for o, op in enumerate(_tables(buf, sg, 3)):
            f = _vtable(buf, op, OPERATOR_WIDTHS)
            options = _raw_options(buf, op, _U8(buf, op + f[3])[0]) if f[3] else ()
            ops.append(Operator(o, codes[_U32(buf, op + f[0])[0] if f[0] else 0],
                                _ints_at(buf, op, f[1]) if f[1] else (), _ints_at(buf, op, f[2]) if f[2] else (),
                                options))
        subgraphs.append(Subgraph(s, tuple(tensors), tuple(ops), _ints(buf, sg, 1), _ints(buf, sg, 2)))
    if not subgraphs:
        raise ModelFormatError(f"{name} has no subgraph", fix="re-export the model")
    return ModelGraph(name, tuple(subgraphs), _offline_plan(buf, root), len(data))
