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


def _parse(data: bytes, name: str) -> ModelGraph:
    model = fb.Model.GetRootAs(data, 0)
    codes = []
    for i in range(model.OperatorCodesLength()):
        oc = model.OperatorCodes(i)
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        if code == fb.BuiltinOperator.CUSTOM:
            codes.append("CUSTOM:" + (oc.CustomCode() or b"").decode(errors="replace"))
        else:
            codes.append(_OP_NAMES.get(code, f"BUILTIN_{code}"))
    buf_sizes = [model.Buffers(i).DataLength() for i in range(model.BuffersLength())]
    subgraphs = []
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        tensors = []
        for t in range(sg.TensorsLength()):
            ten = sg.Tensors(t)
            shape = tuple(int(d) for d in ten.ShapeAsNumpy()) if ten.ShapeLength() else ()
            dtype, esize = _TYPE_INFO.get(ten.Type(), (f"type{ten.Type()}", 0))
            n = 1
            for d in shape:
                n *= d
            q = ten.Quantization()
            ns = q.ScaleLength() if q is not None else 0
            nz = q.ZeroPointLength() if q is not None else 0
            b = ten.Buffer()
            tensors.append(Tensor(
                index=t, name=(ten.Name() or b"").decode(errors="replace"), shape=shape, dtype=dtype,
                nbytes=n * esize, has_data=0 <= b < len(buf_sizes) and buf_sizes[b] > 0,
                is_variable=bool(ten.IsVariable()), n_scales=ns, quantized=ns > 0 and nz > 0,
                n_zero_points=nz))
        ops = []
        for o in range(sg.OperatorsLength()):
            op = sg.Operators(o)
            ins = tuple(int(x) for x in op.InputsAsNumpy()) if op.InputsLength() else ()
            outs = tuple(int(x) for x in op.OutputsAsNumpy()) if op.OutputsLength() else ()
            ops.append(Operator(o, codes[op.OpcodeIndex()], ins, outs,
                                _read_options(op, op.BuiltinOptionsType())))
        sins = tuple(int(x) for x in sg.InputsAsNumpy()) if sg.InputsLength() else ()
        souts = tuple(int(x) for x in sg.OutputsAsNumpy()) if sg.OutputsLength() else ()
        subgraphs.append(Subgraph(s, tuple(tensors), tuple(ops), sins, souts))
    if not subgraphs:
        raise ModelFormatError(f"{name} has no subgraph", fix="re-export the model")
    return ModelGraph(name, tuple(subgraphs), _offline_plan(model), len(data))
