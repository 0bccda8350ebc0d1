"""Read, edit and write a .tflite through the schema's object API (ModelT).

A small local pair until the shared model reader/writer exists; everything `fit` changes in a
model goes through here, so switching to it touches one file. Weight buffers stay numpy arrays
(the object API's `DataAsNumpy`), so a 200 KB model loads and writes in milliseconds.
"""
from __future__ import annotations

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from simprof.corpus.builder import BUFFER_ALIGNMENT, _AlignedBufferT
from simprof.errors import ModelFormatError

OFFLINE_PLAN_KEY = "OfflineMemoryAllocation"
OFFLINE_PLAN_VERSION = 1
OPNAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
NUMPY_OF = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.INT8: np.int8,
            schema.TensorType.INT32: np.int32, schema.TensorType.UINT8: np.uint8,
            schema.TensorType.INT16: np.int16, schema.TensorType.INT64: np.int64}


def load(data: bytes) -> schema.ModelT:
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelFormatError("not a .tflite model (no TFL3 identifier)", fix="pass a .tflite file")
    try:
        return schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    except Exception as exc:  # noqa: BLE001 - any flatbuffer decoding failure means a corrupt file
        raise ModelFormatError(f"the .tflite file cannot be decoded ({exc})", fix="pass an intact .tflite file") from None


def dump(model: schema.ModelT) -> bytes:
    """Bytes of `model`, constant buffers 16-byte aligned as the schema asks (TFLM reads them in place)."""
    total = 0
    for i, b in enumerate(model.buffers or []):
        if not isinstance(b, _AlignedBufferT):
            nb = _AlignedBufferT()
            nb.data = b.data
            model.buffers[i] = nb
        total += (len(b.data) if b.data is not None else 0) + BUFFER_ALIGNMENT
    builder = flatbuffers.Builder(4096 + total)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def drop_unreferenced(model: schema.ModelT) -> None:
    """Empty every buffer no tensor or metadata points at (weights replaced by an edit), so the
    rewritten model does not carry them in flash. Indices stay, an empty buffer costs 8 bytes."""
    used = {int(t.buffer) for sg in model.subgraphs for t in sg.tensors}
    used |= {int(md.buffer) for md in model.metadata or []}
    for i, b in enumerate(model.buffers or []):
        if i not in used and b.data is not None:
            b.data = None


def opname(model: schema.ModelT, op: schema.OperatorT) -> str:
    code = model.operatorCodes[op.opcodeIndex]
    return OPNAMES.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")


def reorder(data: bytes, order: list[int]) -> bytes:
    """The model with subgraph 0's operators stored in `order` (a permutation of their indices):
    TFLM runs operators in stored order, so this changes only lifetimes, never results."""
    m = load(data)
    ops = m.subgraphs[0].operators
    if sorted(order) != list(range(len(ops))):
        raise ValueError("order is not a permutation of the operators")
    m.subgraphs[0].operators = [ops[i] for i in order]
    return dump(m)


def offline_plan(model: schema.ModelT) -> list[int] | None:
    for md in model.metadata or []:
        name = md.name.decode() if isinstance(md.name, bytes) else md.name
        if name == OFFLINE_PLAN_KEY:
            words = np.asarray(model.buffers[md.buffer].data, dtype=np.uint8).tobytes()
            arr = np.frombuffer(words, "<i4")
            return arr[3:3 + int(arr[2])].tolist()
    return None


def set_offline_plan(data: bytes, offsets: list[int] | None) -> bytes:
    """The model with TFLM's OfflineMemoryAllocation metadata for subgraph 0 set to `offsets` (one
    per tensor, -1 = online), replacing any earlier plan; None removes the plan."""
    m = load(data)
    n = len(m.subgraphs[0].tensors)
    kept = []
    for md in m.metadata or []:
        name = md.name.decode() if isinstance(md.name, bytes) else md.name
        if name == OFFLINE_PLAN_KEY:
            m.buffers[md.buffer].data = None    # orphaned; an empty buffer costs 8 bytes
        else:
            kept.append(md)
    if offsets is not None:
        if len(offsets) != n:
            raise ValueError(f"an offline plan needs {n} offsets, got {len(offsets)}")
        words = np.array([OFFLINE_PLAN_VERSION, 0, n, *offsets], dtype="<i4").tobytes()
        b = _AlignedBufferT()
        b.data = np.frombuffer(words, np.uint8)
        m.buffers.append(b)
        md = schema.MetadataT()
        md.name, md.buffer = OFFLINE_PLAN_KEY, len(m.buffers) - 1
        kept.append(md)
    m.metadata = kept or None
    return dump(m)
