"""Read a .tflite flatbuffer into a typed, immutable ModelGraph.

Uses the raw accessor API of the tflite-micro wheel's schema module (not the object API), because
the object API copies every weight buffer into Python lists, which is far too slow for the
estimator's budget (<= 10 ms for 100 operators). Only what the memory arithmetic needs is read.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

from simprof.errors import ModelFormatError

# element sizes as TFLM's TfLiteTypeGetSize sees them (micro/memory_helpers.cc)
_TYPE_INFO = {
    fb.TensorType.FLOAT32: ("float32", 4), fb.TensorType.FLOAT16: ("float16", 2),
    fb.TensorType.INT32: ("int32", 4), fb.TensorType.UINT8: ("uint8", 1),
    fb.TensorType.INT64: ("int64", 8), fb.TensorType.BOOL: ("bool", 1),
    fb.TensorType.INT16: ("int16", 2), fb.TensorType.INT8: ("int8", 1),
    fb.TensorType.FLOAT64: ("float64", 8), fb.TensorType.UINT32: ("uint32", 4),
    fb.TensorType.UINT16: ("uint16", 2), fb.TensorType.INT4: ("int4", 1),
    fb.TensorType.COMPLEX64: ("complex64", 8), fb.TensorType.RESOURCE: ("resource", 0),
    fb.TensorType.STRING: ("string", 0), fb.TensorType.UINT64: ("uint64", 8),
}
_OP_NAMES = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
_OPT_NAMES = {v: k for k, v in vars(fb.BuiltinOptions).items() if not k.startswith("_")}

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


def _read_options(op, opt_type: int) -> tuple[tuple[str, object], ...]:
    name = _OPT_NAMES.get(opt_type)
    fields = _OPTION_FIELDS.get(name or "")
    if not fields:
        return ()
    table = op.BuiltinOptions()
    if table is None:
        return ()
    obj = getattr(fb, name)()
    obj.Init(table.Bytes, table.Pos)
    out = []
    for f in fields:
        v = getattr(obj, f)()
        out.append((f, v.decode() if isinstance(v, bytes) else v))
    return tuple(out)


# The same fields read directly: (name, schema field index, kind, default). Kinds: "u8", "i32",
# "bool", "str". Checked equal to the generated accessors on every test model.
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


def _offline_plan(model) -> tuple[int, ...] | None:
    for i in range(model.MetadataLength()):
        md = model.Metadata(i)
        if md.Name() == b"OfflineMemoryAllocation":
            buf = model.Buffers(md.Buffer()).DataAsNumpy()
            raw = bytes(buf)
            # layout: version, subgraph index, number of offsets, then the offsets (int32 each)
            _, _, n = struct.unpack_from("<iii", raw, 0)
            return struct.unpack_from(f"<{n}i", raw, 12)
    return None


def read_model(source: bytes | str | Path, name: str | None = None) -> ModelGraph:
    """Parse a .tflite model (path or bytes)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelFormatError(f"cannot read model {path}: {exc.strerror}",
                                   fix="check the path") from exc
        name = name or path.name
    else:
        data = bytes(source)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelFormatError(f"{name or 'model'} is not a .tflite flatbuffer (no TFL3 identifier)",
                               fix="pass a TensorFlow Lite model file")
    try:
        return _parse(data, name or "model")
    except (IndexError, struct.error, ValueError) as exc:
        raise ModelFormatError(f"{name or 'model'} is truncated or corrupt: {exc}",
                               fix="re-export the model") from exc


# Direct flatbuffer decoding. The generated accessors cost ~6 Python calls per field, which is most
# of the estimator's time on large models; these helpers read the same fields with one
# struct call each. Field numbers are those of TFLite's schema.fbs.
_U8 = struct.Struct("<B").unpack_from
_U16 = struct.Struct("<H").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from
_U64 = struct.Struct("<Q").unpack_from


def _field(buf: bytes, tab: int, i: int) -> int:
    """Offset of field i inside table `tab`, 0 if absent."""
    vt = tab - _I32(buf, tab)[0]
    o = 4 + 2 * i
    return _U16(buf, vt + o)[0] if o < _U16(buf, vt)[0] else 0


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


def _scalar(buf: bytes, tab: int, i: int, reader, default: int = 0) -> int:
    o = _field(buf, tab, i)
    return reader(buf, tab + o)[0] if o else default


def _string(buf: bytes, tab: int, i: int) -> str:
    start, n = _vector(buf, tab, i)
    return buf[start:start + n].decode(errors="replace") if n else ""


def _parse(data: bytes, name: str) -> ModelGraph:
    buf = data
    root = _U32(buf, 0)[0]
    codes = []
    for oc in _tables(buf, root, 1):
        code = max(_scalar(buf, oc, 3, _I32), struct.unpack_from("<b", buf, oc + _field(buf, oc, 0))[0]
                   if _field(buf, oc, 0) else 0)
        if code == fb.BuiltinOperator.CUSTOM:
            codes.append("CUSTOM:" + _string(buf, oc, 1))
        else:
            codes.append(_OP_NAMES.get(code, f"BUILTIN_{code}"))
    has_data = []
    for b in _tables(buf, root, 4):
        _, n = _vector(buf, b, 0)
        # a buffer stored outside the flatbuffer (offset > 1) also holds data
        has_data.append(n > 0 or (_scalar(buf, b, 1, _U64) > 1 and _scalar(buf, b, 2, _U64) > 0))
    model = fb.Model.GetRootAs(data, 0)  # generated accessors only for builtin options
    subgraphs = []
    for s, sg in enumerate(_tables(buf, root, 2)):
        tensors = []
        for t, ten in enumerate(_tables(buf, sg, 0)):
            shape = _ints(buf, ten, 0)
            dtype, esize = _TYPE_INFO.get(_scalar(buf, ten, 1, _U8), ("type?", 0))
            if dtype == "type?":
                dtype = f"type{_scalar(buf, ten, 1, _U8)}"
            n = 1
            for d in shape:
                n *= d
            q = _table(buf, ten, 4)
            ns = _vector(buf, q, 2)[1] if q else 0
            nz = _vector(buf, q, 3)[1] if q else 0
            bi = _scalar(buf, ten, 2, _U32)
            tensors.append(Tensor(
                index=t, name=_string(buf, ten, 3), shape=shape, dtype=dtype, nbytes=max(n * esize, 0),
                has_data=bi < len(has_data) and has_data[bi], is_variable=bool(_scalar(buf, ten, 5, _U8)),
                n_scales=ns, quantized=ns > 0 and nz > 0, n_zero_points=nz))
        ops = []
        for o, op in enumerate(_tables(buf, sg, 3)):
            options = _raw_options(buf, op, _scalar(buf, op, 3, _U8))
            ops.append(Operator(o, codes[_scalar(buf, op, 0, _U32)], _ints(buf, op, 1), _ints(buf, op, 2),
                                options))
        subgraphs.append(Subgraph(s, tuple(tensors), tuple(ops), _ints(buf, sg, 1), _ints(buf, sg, 2)))
    if not subgraphs:
        raise ModelFormatError(f"{name} has no subgraph", fix="re-export the model")
    return ModelGraph(name, tuple(subgraphs), _offline_plan(model), len(data))
