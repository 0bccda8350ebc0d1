"""Write and edit .tflite models: the other half of reader.py.

Edits go through the object API of the tflite-micro wheel's schema module (ModelT, SubGraphT,
TensorT, ...): the same schema TFLM's host interpreter reads, so what is written here loads there.
Constant buffers are packed 16-byte aligned, as the TFLite converter does (`force_align: 16`), so
firmware reads int32/float data in place.

    ed = ModelEditor.from_bytes(data)          # or from_path
    ed.reorder_operators(0, [2, 0, 1, 3])      # a valid topological order
    ed.set_metadata("OfflineMemoryAllocation", words)
    new = ed.to_bytes()                        # unedited: the input bytes, bit for bit

Decoding into ModelT copies every weight into Python lists, so it happens only on the first edit;
an editor that was never edited hands back the original bytes unchanged.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from simprof.core.errors import ModelFormatError

from .reader import TFLITE_IDENTIFIER, load_model_bytes

BUFFER_ALIGNMENT = 16
OFFLINE_PLAN_KEY = "OfflineMemoryAllocation"


def schema():
    """The wheel's generated schema module (imported on first use: it pulls in numpy)."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated
    return schema_py_generated


def _aligned_buffer_type():
    fb = schema()

    class AlignedBufferT(fb.BufferT):
        """BufferT whose data vector is aligned to 16 bytes (the schema's `force_align: 16`)."""

        def Pack(self, builder):  # noqa: N802 (schema API name)
            data = None
            if self.data is not None and len(self.data):
                payload = bytes(self.data)
                builder.StartVector(1, len(payload), BUFFER_ALIGNMENT)
                builder.head -= len(payload)
                builder.Bytes[builder.head: builder.head + len(payload)] = payload
                data = builder.EndVector()
            fb.BufferStart(builder)
            if data is not None:
                fb.BufferAddData(builder, data)
            return fb.BufferEnd(builder)

    return AlignedBufferT


_ALIGNED = None


def aligned_buffer(data: bytes | None):
    """A BufferT that packs `data` 16-byte aligned (None or b"": the empty buffer)."""
    global _ALIGNED
    if _ALIGNED is None:
        _ALIGNED = _aligned_buffer_type()
    b = _ALIGNED()
    b.data = bytes(data) if data else None
    return b


def pack(model) -> bytes:
    """Serialise a ModelT (buffers 16-byte aligned) with the TFL3 identifier."""
    import flatbuffers

    model.buffers = [aligned_buffer(bytes(b.data) if b.data is not None and len(b.data) else None)
                     for b in (model.buffers or [])]
    size = 1024 + sum(len(b.data) + BUFFER_ALIGNMENT for b in model.buffers if b.data)
    builder = flatbuffers.Builder(size)
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def unpack(data: bytes):
    """The ModelT of a model's bytes."""
    fb = schema()
    try:
        return fb.ModelT.InitFromPackedBuf(data, 0)
    except Exception as exc:  # noqa: BLE001 - the generated decoder raises anything on a corrupt file
        raise ModelFormatError(f"the model cannot be decoded for editing: {exc}", fix="re-export the model") from None


class ModelEditor:
    """An editable .tflite model. Every edit keeps the model valid for TFLM as far as the edit itself
    goes (indices in range, one offset per tensor); semantic checks are the caller's."""

    def __init__(self, data: bytes, name: str = "model") -> None:
        self._original, self.name = data, name
        self._model = None

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "model") -> "ModelEditor":
        data, name = load_model_bytes(data, name)
        return cls(data, name)

    @classmethod
    def from_path(cls, path: str | Path) -> "ModelEditor":
        data, name = load_model_bytes(path)
        return cls(data, name)

    @property
    def edited(self) -> bool:
        return self._model is not None

    @property
    def model(self):
        """The ModelT (decoded on first access; any access counts as an edit)."""
        if self._model is None:
            self._model = unpack(self._original)
        return self._model

    def to_bytes(self) -> bytes:
        return self._original if self._model is None else pack(self._model)

    # --- edits -------------------------------------------------------------------------------
    def subgraph(self, index: int = 0):
        sgs = self.model.subgraphs or []
        if not 0 <= index < len(sgs):
            raise ModelFormatError(f"{self.name} has no subgraph {index}", fix=f"use 0..{len(sgs) - 1}")
        return sgs[index]

    def reorder_operators(self, subgraph: int, order: Sequence[int]) -> None:
        """Run the operators of `subgraph` in `order` (a permutation of their indices)."""
        sg = self.subgraph(subgraph)
        if sorted(order) != list(range(len(sg.operators))):
            raise ModelFormatError(f"operator order {list(order)} is not a permutation of 0..{len(sg.operators) - 1}",
                                   fix="pass each operator index once")
        sg.operators = [sg.operators[i] for i in order]

    def add_buffer(self, data: bytes) -> int:
        self.model.buffers = list(self.model.buffers or []) + [aligned_buffer(data)]
        return len(self.model.buffers) - 1

    def set_buffer(self, index: int, data: bytes) -> None:
        bufs = self.model.buffers or []
        if not 0 < index < len(bufs):
            raise ModelFormatError(f"{self.name} has no buffer {index}", fix=f"use 1..{len(bufs) - 1}")
        bufs[index] = aligned_buffer(data)

    def replace_tensor(self, subgraph: int, index: int, tensor) -> None:
        sg = self.subgraph(subgraph)
        if not 0 <= index < len(sg.tensors):
            raise ModelFormatError(f"subgraph {subgraph} has no tensor {index}", fix="check the index")
        sg.tensors[index] = tensor

    def replace_operator(self, subgraph: int, index: int, op) -> None:
        sg = self.subgraph(subgraph)
        if not 0 <= index < len(sg.operators):
            raise ModelFormatError(f"subgraph {subgraph} has no operator {index}", fix="check the index")
        sg.operators[index] = op

    def metadata(self, name: str) -> bytes | None:
        for md in self.model.metadata or []:
            if _text(md.name) == name:
                return bytes(self.model.buffers[md.buffer].data or b"")
        return None

    def set_metadata(self, name: str, data: bytes) -> None:
        """Add or replace the metadata entry `name` (its data in a buffer of its own)."""
        for md in self.model.metadata or []:
            if _text(md.name) == name:
                self.set_buffer(md.buffer, data) if md.buffer > 0 else setattr(md, "buffer", self.add_buffer(data))
                return
        md = schema().MetadataT()
        md.name, md.buffer = name, self.add_buffer(data)
        self.model.metadata = list(self.model.metadata or []) + [md]

    def remove_metadata(self, name: str) -> None:
        """Drop the entry (its buffer is emptied, not removed: buffer indices stay valid)."""
        keep = []
        for md in self.model.metadata or []:
            if _text(md.name) == name:
                self.model.buffers[md.buffer] = aligned_buffer(None)
            else:
                keep.append(md)
        self.model.metadata = keep or None

    def set_offline_plan(self, offsets: Sequence[int], subgraph: int = 0) -> None:
        """TFLM's OfflineMemoryAllocation metadata: an arena offset per tensor of `subgraph` (-1: planned
        online). Layout: int32 [version=1, subgraph, n, offsets...]."""
        import struct

        n = len(self.subgraph(subgraph).tensors)
        if len(offsets) != n:
            raise ModelFormatError(f"an offline plan needs one offset per tensor ({n}), got {len(offsets)}",
                                   fix="pass -1 for tensors the online planner places")
        self.set_metadata(OFFLINE_PLAN_KEY, struct.pack(f"<3i{n}i", 1, subgraph, n, *offsets))


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v or "")
