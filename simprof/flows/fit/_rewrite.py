"""The model edits `fit` makes, on the shared reader/writer (simprof.model.writer): the object
API's ModelT, weights as numpy arrays, buffers packed 16-byte aligned."""
from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from simprof.model.reader import load_model_bytes
from simprof.model.writer import OFFLINE_PLAN_KEY, ModelEditor, aligned_buffer, pack, unpack

OPNAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
NUMPY_OF = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.INT8: np.int8,
            schema.TensorType.INT32: np.int32, schema.TensorType.UINT8: np.uint8,
            schema.TensorType.INT16: np.int16, schema.TensorType.INT64: np.int64}


def load(data: bytes) -> schema.ModelT:
    data, _ = load_model_bytes(data)
    return unpack(data)


def dump(model: schema.ModelT) -> bytes:
    return pack(model)


def new_buffer(data: bytes):
    return aligned_buffer(data)


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
    ed = ModelEditor.from_bytes(data)
    ed.reorder_operators(0, list(order))
    return ed.to_bytes()


def offline_plan(model: schema.ModelT) -> list[int] | None:
    for md in model.metadata or []:
        name = md.name.decode() if isinstance(md.name, bytes) else md.name
        if name == OFFLINE_PLAN_KEY:
            data = model.buffers[md.buffer].data
            if data is None:
                return None
            arr = np.frombuffer(np.asarray(data, dtype=np.uint8).tobytes(), "<i4")
            return arr[3:3 + int(arr[2])].tolist()
    return None


def set_offline_plan(data: bytes, offsets: list[int] | None) -> bytes:
    """The model with TFLM's OfflineMemoryAllocation metadata for subgraph 0 set to `offsets` (one
    per tensor, -1 = online), replacing any earlier plan; None removes the plan."""
    ed = ModelEditor.from_bytes(data)
    ed.remove_metadata(OFFLINE_PLAN_KEY)
    if offsets is not None:
        ed.set_offline_plan([int(o) for o in offsets], 0)
    return ed.to_bytes()
