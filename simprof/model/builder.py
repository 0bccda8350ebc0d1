"""A small typed graph builder that writes .tflite flatbuffers without TensorFlow.

It fills the object API of the schema module shipped in the `tflite-micro` wheel (ModelT, SubGraphT,
TensorT, ...) and packs it with writer.pack. The result loads unchanged in TFLM's host
interpreter and in simprof-rt.

    m = ModelBuilder("example")
    g = m.subgraph("main")
    x = g.input("x", (1, 8), "int8", Quant.per_tensor(0.05, -3))
    w = g.const("w", np.ones((4, 8), np.int8), quant=Quant.per_channel([0.01] * 4, axis=0))
    b = g.const("b", np.zeros(4, np.int32), quant=Quant.per_channel([0.0005] * 4, axis=0))
    y = g.tensor("y", (1, 4), "int8", Quant.per_tensor(0.1, 0))
    g.op("FULLY_CONNECTED", [x, w, b], [y], schema.FullyConnectedOptionsT())
    g.mark_outputs(y)
    data = m.to_bytes()

Constant buffers are written 16-byte aligned, as the TFLite converter does (`force_align: 16`), so
firmware can read int32/float data in place on any Cortex-M.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from simprof.core.errors import ModelFormatError

from .writer import BUFFER_ALIGNMENT, OFFLINE_PLAN_KEY, aligned_buffer, pack

__all__ = [
    "DType", "Quant", "TensorRef", "ModelBuilder", "SubgraphBuilder", "BuilderError", "schema",
    "NUMPY_DTYPES", "TFLITE_TYPES", "BUFFER_ALIGNMENT",
]

DType = Literal["float32", "int8", "int16", "int32", "int64", "uint8", "uint32", "bool", "resource"]

TFLITE_TYPES: dict[str, int] = {
    "float32": schema.TensorType.FLOAT32,
    "int8": schema.TensorType.INT8,
    "int16": schema.TensorType.INT16,
    "int32": schema.TensorType.INT32,
    "int64": schema.TensorType.INT64,
    "uint8": schema.TensorType.UINT8,
    "bool": schema.TensorType.BOOL,
    "uint32": schema.TensorType.UINT32,
    "resource": schema.TensorType.RESOURCE,
}
NUMPY_DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype("<f4"),
    "int8": np.dtype("i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "uint8": np.dtype("u1"),
    "bool": np.dtype("?"),
    "uint32": np.dtype("<u4"),
}


class BuilderError(ModelFormatError):
    """The graph being built is inconsistent (a bug in the caller, reported before writing)."""


@dataclass(frozen=True)
class Quant:
    """Affine quantization: real = scale * (q - zero_point). One scale = per-tensor; several =
    per-channel along `axis` (TFLite's quantized_dimension)."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @classmethod
    def per_tensor(cls, scale: float, zero_point: int = 0) -> "Quant":
        return cls((float(scale),), (int(zero_point),), 0)

    @classmethod
    def per_channel(cls, scales: Iterable[float], axis: int, zero_points: Iterable[int] | None = None) -> "Quant":
        s = tuple(float(v) for v in scales)
        z = tuple(int(v) for v in zero_points) if zero_points is not None else (0,) * len(s)
        return cls(s, z, axis)

    @property
    def per_channel_quantized(self) -> bool:
        return len(self.scale) > 1

    def to_object(self) -> schema.QuantizationParametersT:
        q = schema.QuantizationParametersT()
        q.scale = list(self.scale)
        q.zeroPoint = list(self.zero_point)
        q.quantizedDimension = self.axis
        return q


@dataclass(frozen=True)
class TensorRef:
    """A handle on a tensor of one subgraph; what `SubgraphBuilder.op` takes as inputs/outputs."""

    index: int
    subgraph: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quant | None = None
    constant: bool = False
    variable: bool = False

    @property
    def nbytes(self) -> int:
        if self.dtype == "resource":
            return 0
        return int(np.prod(self.shape, dtype=np.int64)) * NUMPY_DTYPES[self.dtype].itemsize


def _opcode(op: str | int) -> int:
    if isinstance(op, int):
        return op
    try:
        return getattr(schema.BuiltinOperator, op.upper())
    except AttributeError:
        raise BuilderError(f"unknown builtin operator {op!r}", fix="use a name of schema.BuiltinOperator") from None


def _options_type(options: object) -> tuple[str, int]:
    """Maps an *OptionsT object to ('builtinOptions' or 'builtinOptions2', union type)."""
    name = type(options).__name__
    if not name.endswith("T"):
        raise BuilderError(f"{name} is not a schema *OptionsT object", fix="pass e.g. schema.Conv2DOptionsT()")
    for field, union in (("builtinOptions", schema.BuiltinOptions), ("builtinOptions2", schema.BuiltinOptions2)):
        if hasattr(union, name[:-1]):
            return field, getattr(union, name[:-1])
    raise BuilderError(f"{name} is not a builtin options table", fix="use a class from the schema module")


class SubgraphBuilder:
    """Collects tensors and operators of one subgraph. Create through `ModelBuilder.subgraph`."""

    def __init__(self, model: "ModelBuilder", index: int, name: str) -> None:
        self._model = model
        self.index = index
        self.name = name
        self._tensors: list[schema.TensorT] = []
        self._refs: list[TensorRef] = []
        self._ops: list[schema.OperatorT] = []
        self._inputs: list[int] = []
        self._outputs: list[int] = []

    # -- tensors ---------------------------------------------------------------------------------------
    def tensor(self, name: str, shape: Sequence[int], dtype: DType, quant: Quant | None = None,
               *, variable: bool = False, _buffer: int = 0) -> TensorRef:
        """A tensor without data: an activation (planned in the arena) or, with variable=True, a
        variable tensor (kept in the arena's persistent tail)."""
        if dtype not in TFLITE_TYPES:
            raise BuilderError(f"tensor {name!r}: unknown dtype {dtype!r}", fix=f"use one of {sorted(TFLITE_TYPES)}")
        shape = tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise BuilderError(f"tensor {name!r}: negative dimension in {shape}", fix="use static shapes")
        if quant is not None:
            n = len(quant.scale)
            if n != len(quant.zero_point):
                raise BuilderError(f"tensor {name!r}: {n} scales but {len(quant.zero_point)} zero points")
            if n > 1 and (quant.axis >= len(shape) or shape[quant.axis] != n):
                raise BuilderError(f"tensor {name!r}: {n} per-channel scales do not match dim {quant.axis} of {shape}")
            if any(not (s > 0 and np.isfinite(s)) for s in quant.scale):
                raise BuilderError(f"tensor {name!r}: quantization scales must be finite and > 0")
        t = schema.TensorT()
        t.name = name
        t.shape = list(shape)
        t.type = TFLITE_TYPES[dtype]
        t.buffer = _buffer
        t.isVariable = variable
        t.hasRank = True
        t.quantization = quant.to_object() if quant is not None else None
        self._tensors.append(t)
        ref = TensorRef(len(self._tensors) - 1, self.index, name, shape, dtype, quant, _buffer != 0, variable)
        self._refs.append(ref)
        return ref

    def const(self, name: str, array: np.ndarray, dtype: DType | None = None, quant: Quant | None = None) -> TensorRef:
        """A constant tensor whose data lives in its own flatbuffer buffer (flash on a device)."""
        arr = np.asarray(array)
        if dtype is None:
            dtype = next((k for k, v in NUMPY_DTYPES.items() if v == arr.dtype.newbyteorder("<")), None)
            if dtype is None:
                raise BuilderError(f"const {name!r}: numpy dtype {arr.dtype} has no TFLite type")
        data = np.ascontiguousarray(arr, dtype=NUMPY_DTYPES[dtype])
        buffer = self._model._add_buffer(data.tobytes())
        # arr's shape, not data's: ascontiguousarray makes a rank-0 scalar rank 1
        return self.tensor(name, arr.shape, dtype, quant, _buffer=buffer)

    def input(self, name: str, shape: Sequence[int], dtype: DType, quant: Quant | None = None) -> TensorRef:
        ref = self.tensor(name, shape, dtype, quant)
        self._inputs.append(ref.index)
        return ref

    def mark_inputs(self, *refs: TensorRef) -> None:
        self._inputs.extend(self._own(r).index for r in refs)

    def mark_outputs(self, *refs: TensorRef) -> None:
        self._outputs.extend(self._own(r).index for r in refs)

    @property
    def tensors(self) -> tuple[TensorRef, ...]:
        return tuple(self._refs)

    # -- operators -------------------------------------------------------------------------------------
    def op(self, op: str | int, inputs: Sequence[TensorRef | None], outputs: Sequence[TensorRef],
           options: object | None = None, *, intermediates: Sequence[TensorRef] = ()) -> int:
        """Appends an operator (execution order = call order). `None` in inputs is an omitted
        optional input (-1). Returns the operator's index."""
        o = schema.OperatorT()
        o.opcodeIndex = self._model._opcode_index(_opcode(op))
        o.inputs = [-1 if r is None else self._own(r).index for r in inputs]
        o.outputs = [self._own(r).index for r in outputs]
        if intermediates:
            o.intermediates = [self._own(r).index for r in intermediates]
        if options is not None:
            field, union = _options_type(options)
            setattr(o, field, options)
            setattr(o, field + "Type", union)
        self._ops.append(o)
        return len(self._ops) - 1

    def _own(self, ref: TensorRef) -> TensorRef:
        if ref.subgraph != self.index or ref.index >= len(self._refs):
            raise BuilderError(f"tensor {ref.name!r} belongs to subgraph {ref.subgraph}, not {self.index}",
                               fix="pass tensors of the same subgraph")
        return ref

    def _to_object(self) -> schema.SubGraphT:
        s = schema.SubGraphT()
        s.name = self.name
        s.tensors = self._tensors
        s.inputs = list(self._inputs)
        s.outputs = list(self._outputs)
        s.operators = self._ops
        return s


class ModelBuilder:
    """Builds one .tflite model. The first subgraph created is the model's entry (subgraph 0)."""

    def __init__(self, description: str = "simprof corpus") -> None:
        self.description = description
        self._subgraphs: list[SubgraphBuilder] = []
        self._buffers: list[bytes] = [b""]  # buffer 0: the empty sentinel every tensor without data uses
        self._opcodes: list[int] = []
        self._metadata: list[tuple[str, int]] = []

    def subgraph(self, name: str | None = None) -> SubgraphBuilder:
        sg = SubgraphBuilder(self, len(self._subgraphs), name or f"subgraph_{len(self._subgraphs)}")
        self._subgraphs.append(sg)
        return sg

    def add_metadata(self, name: str, data: bytes) -> None:
        self._metadata.append((name, self._add_buffer(bytes(data))))

    def add_offline_memory_plan(self, offsets: Sequence[int], subgraph: int = 0) -> None:
        """TFLM's 'OfflineMemoryAllocation' metadata: an arena offset per tensor of subgraph 0, -1
        for tensors the online planner places. Layout: [version=1, subgraph, n, offsets...] int32."""
        if subgraph >= len(self._subgraphs) or len(offsets) != len(self._subgraphs[subgraph].tensors):
            raise BuilderError("offline plan needs one offset per tensor of the subgraph",
                               fix="build the subgraph first, then pass len(tensors) offsets")
        words = np.array([1, subgraph, len(offsets), *offsets], dtype="<i4")
        self.add_metadata(OFFLINE_PLAN_KEY, words.tobytes())

    def _add_buffer(self, data: bytes) -> int:
        self._buffers.append(data)
        return len(self._buffers) - 1

    def _opcode_index(self, code: int) -> int:
        if code not in self._opcodes:
            self._opcodes.append(code)
        return self._opcodes.index(code)

    def to_object(self) -> schema.ModelT:
        if not self._subgraphs:
            raise BuilderError("model has no subgraph", fix="call ModelBuilder.subgraph() and add operators")
        m = schema.ModelT()
        m.version = 3
        m.description = self.description
        codes = []
        for code in self._opcodes:
            c = schema.OperatorCodeT()
            # Codes above 127 live in builtinCode; the deprecated int8 field holds the placeholder.
            c.deprecatedBuiltinCode = min(code, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
            c.builtinCode = code
            c.version = 1
            codes.append(c)
        m.operatorCodes = codes
        m.subgraphs = [sg._to_object() for sg in self._subgraphs]
        m.buffers = [aligned_buffer(data) for data in self._buffers]
        if self._metadata:
            metas = []
            for name, buf in self._metadata:
                md = schema.MetadataT()
                md.name, md.buffer = name, buf
                metas.append(md)
            m.metadata = metas
        return m

    def to_bytes(self) -> bytes:
        return pack(self.to_object())
