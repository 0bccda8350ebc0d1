"""One validation of a .tflite model, shared by the estimator and the simprof-rt host side.

It gives the verdict simprof-rt's own load-time checks give (firmware/runtime/schema.c on top of the
bounds-checked flatbuffer access of firmware/runtime/fb.c), in the same order, so a model the
runtime rejects as corrupt is never estimated, and a model the estimator accepts is one the
runtime loads. Every model-derived size is bounded here before anyone uses it: no tensor above
`MAX_TENSOR_BYTES`, no negative dimension, no index outside its vector.

    verdict = check_model(data)        # ModelVerdict(status="ok" | "model" | "unsupported", message)
    require_valid(data, "kws.tflite")  # raises ModelFormatError / UnsupportedOperatorError

The C code is the definition; tests/hostile/test_model_fuzz.py holds both to the same verdict on
thousands of byte-level mutants of real models.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from simprof.core.errors import ModelFormatError, UnsupportedOperatorError

SCHEMA_VERSION = 3
MAX_SUBGRAPHS = 16
MAX_TENSOR_BYTES = 0x7FFFFF00        # planner sizes are int in TFLM and get rounded up to 16
MAX_TENSORS_TOTAL = 0x100000

# element sizes simprof-rt accepts (util.c srt_type_size); other types are unsupported
TYPE_SIZES = {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 8: 8, 9: 1, 10: 8, 11: 16, 12: 8, 13: 4,
              15: 4, 16: 2, 17: 1}
TYPE_NAMES = ("FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
              "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4")
# zero-point range per type (int8, uint8, int16, int4); others: int32
_ZP_RANGE = {9: (-128, 127), 3: (0, 255), 7: (-32768, 32767), 17: (-8, 7)}

# schema.fbs field numbers (as schema.h)
F_MODEL_VERSION, F_MODEL_OPCODES, F_MODEL_SUBGRAPHS, F_MODEL_BUFFERS, F_MODEL_METADATA = 0, 1, 2, 4, 6
F_SG_TENSORS, F_SG_INPUTS, F_SG_OUTPUTS, F_SG_OPERATORS = 0, 1, 2, 3
F_T_SHAPE, F_T_TYPE, F_T_BUFFER, F_T_QUANT = 0, 1, 2, 4
F_Q_SCALE, F_Q_ZERO_POINT = 2, 3
F_OP_OPCODE, F_OP_INPUTS, F_OP_OUTPUTS, F_OP_OPTIONS, F_OP_CUSTOM, F_OP_INTERMEDIATES = 0, 1, 2, 4, 5, 8
F_BUF_DATA = 0
F_META_NAME, F_META_BUFFER = 0, 1

_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_I32 = struct.Struct("<i").unpack_from
_Q = struct.Struct("<q").unpack_from


@dataclass(frozen=True)
class ModelVerdict:
    """What simprof-rt's load would answer: status "ok", "model" (corrupt) or "unsupported"."""
    status: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _Reject(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> _Reject:
    return _Reject("model", message)


@dataclass(frozen=True)
class _Vec:
    data: int       # offset of element 0 (0 when absent)
    len: int
    present: bool


_ABSENT = _Vec(0, 0, False)


class _Fb:
    """Bounds-checked flatbuffer reads with fb.c's exact rules (what is absent, what is invalid)."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.size = len(buf)

    def _in(self, off: int, length: int) -> bool:
        return 0 <= off <= self.size and length <= self.size - off

    def table_at(self, off: int) -> int | None:
        if not self._in(off, 4) or off & 3:
            return None
        vt = off - _I32(self.buf, off)[0]
        if vt < 0 or vt > self.size - 4 or vt & 1:
            return None
        vsize, tsize = _U16(self.buf, vt)[0], _U16(self.buf, vt + 2)[0]
        if vsize < 4 or vsize & 1 or not self._in(vt, vsize) or tsize < 4 or not self._in(off, tsize):
            return None
        return off

    def field(self, t: int, i: int, width: int) -> tuple[int, bool]:
        """(offset of field i, bad): (0, False) absent, (0, True) present but outside the table."""
        vt = t - _I32(self.buf, t)[0]
        vsize, tsize = _U16(self.buf, vt)[0], _U16(self.buf, vt + 2)[0]
        slot = 4 + 2 * i
        if slot + 2 > vsize:
            return 0, False
        foff = _U16(self.buf, vt + slot)[0]
        if foff == 0:
            return 0, False
        if foff + width > tsize or not self._in(t + foff, width):
            return 0, True
        return t + foff, False

    def u32(self, t: int, i: int, default: int = 0) -> int:
        o, _ = self.field(t, i, 4)
        return _U32(self.buf, o)[0] if o else default

    def u8(self, t: int, i: int, default: int = 0) -> int:
        o, _ = self.field(t, i, 1)
        return self.buf[o] if o else default

    def _follow(self, o: int) -> int | None:
        rel = _U32(self.buf, o)[0]
        if rel == 0 or rel > self.size - o:
            return None
        return o + rel

    def table(self, t: int, i: int) -> tuple[int | None, bool]:
        """(sub-table or None, bad)."""
        o, bad = self.field(t, i, 4)
        if not o:
            return None, bad
        target = self._follow(o)
        sub = self.table_at(target) if target is not None else None
        return (sub, False) if sub is not None else (None, True)

    def vector(self, t: int, i: int, elem: int) -> _Vec | None:
        """The vector, _ABSENT, or None when invalid."""
        o, bad = self.field(t, i, 4)
        if not o:
            return None if bad else _ABSENT
        v = self._follow(o)
        if v is None or not self._in(v, 4) or v & 3:
            return None
        n = _U32(self.buf, v)[0]
        start = v + 4
        if elem and n > (self.size - start) // elem:
            return None
        return _Vec(start, n, True)

    def vec_table(self, v: _Vec, i: int) -> int | None:
        if i >= v.len:
            return None
        target = self._follow(v.data + 4 * i)
        return self.table_at(target) if target is not None else None

    def ints_in_range(self, v: _Vec, lo: int, hi: int) -> bool:
        if not v.len:
            return True
        vals = struct.unpack_from(f"<{v.len}i", self.buf, v.data)
        return lo <= min(vals) and max(vals) < hi


def _check_tensor(fb: _Fb, buffers: _Vec, root: int, t: int, sg: int, ti: int) -> None:
    where = f"tensor {ti} of subgraph {sg}"
    shape = fb.vector(t, F_T_SHAPE, 4)
    if shape is None:
        raise _bad(f"{where}: shape out of bounds")
    count = 1
    dims = struct.unpack_from(f"<{shape.len}i", fb.buf, shape.data) if shape.len else ()
    for d in dims:
        if d < 0:
            raise _bad(f"{where}: negative (dynamic) dimension")
        count *= d
        if count > MAX_TENSOR_BYTES:
            raise _bad(f"{where}: too many elements")
    type_code = fb.u8(t, F_T_TYPE, 0)
    es = TYPE_SIZES.get(type_code, 0)
    if es == 0:
        name = TYPE_NAMES[type_code] if type_code < len(TYPE_NAMES) else "UNKNOWN"
        raise _Reject("unsupported", f"{where}: unsupported type {name}")
    if count * es > MAX_TENSOR_BYTES:
        raise _bad(f"{where}: too large")
    bi = fb.u32(t, F_T_BUFFER, 0)
    if bi >= buffers.len and not (bi == 0 and buffers.len == 0):
        raise _bad(f"{where}: buffer index out of range")
    if bi < buffers.len:
        b = fb.vec_table(buffers, bi)
        data = fb.vector(b, F_BUF_DATA, 1) if b is not None else None
        if data is None:
            raise _bad(f"buffer {bi} (tensor {ti}): out of bounds")
        if 0 < data.len < count * es:
            raise _bad(f"{where}: constant data shorter than the shape")
        if data.len > 0 and data.data & (min(es, 4) - 1):
            raise _bad(f"{where}: constant data is not aligned to its type")
    q, badq = fb.table(t, F_T_QUANT)
    if q is not None:
        sc, zp = fb.vector(q, F_Q_SCALE, 4), fb.vector(q, F_Q_ZERO_POINT, 8)
        if sc is None or zp is None:
            raise _bad(f"{where}: quantization out of bounds")
        for k in range(sc.len):
            bits = _U32(fb.buf, sc.data + 4 * k)[0]
            if (bits & 0x7F800000) == 0x7F800000 or bits & 0x80000000:
                raise _bad(f"{where}: scale is negative, inf or NaN")
        lo, hi = _ZP_RANGE.get(type_code, (-2**31, 2**31 - 1))
        for k in range(zp.len):
            v = _Q(fb.buf, zp.data + 8 * k)[0]
            if v < lo or v > hi:
                raise _bad(f"{where}: zero point out of the type's range")
    elif badq:
        raise _bad(f"{where}: quantization table out of bounds")


def _check_operator(fb: _Fb, opcodes: _Vec, root: int, op: int, ntensors: int, sg: int, oi: int) -> None:
    where = f"operator {oi} of subgraph {sg}"
    code_index = fb.u32(op, F_OP_OPCODE, 0)
    if code_index >= opcodes.len:
        raise _bad(f"{where}: opcode index out of range")
    if fb.vec_table(opcodes, code_index) is None:
        raise _bad(f"operator code {code_index} out of bounds")
    ins, outs, im = (fb.vector(op, f, 4) for f in (F_OP_INPUTS, F_OP_OUTPUTS, F_OP_INTERMEDIATES))
    if ins is None or outs is None or im is None:
        raise _bad(f"{where}: index list out of bounds")
    if not (fb.ints_in_range(ins, -1, ntensors) and fb.ints_in_range(outs, 0, ntensors)
            and fb.ints_in_range(im, 0, ntensors)):
        raise _bad(f"{where}: tensor index out of range")
    opt, bad = fb.table(op, F_OP_OPTIONS)
    if opt is None and bad:
        raise _bad(f"{where}: options out of bounds")
    if fb.vector(op, F_OP_CUSTOM, 1) is None:
        raise _bad(f"{where}: custom options out of bounds")


def _check_offline_plan(fb: _Fb, root: int, buffers: _Vec, metadata: _Vec, n_tensors: int) -> None:
    key = b"OfflineMemoryAllocation"
    for i in range(metadata.len):
        md = fb.vec_table(metadata, i)
        name = fb.vector(md, F_META_NAME, 1) if md is not None else None
        if name is None:
            raise _bad(f"metadata {i} out of bounds")
        if not name.present or fb.buf[name.data:name.data + name.len] != key:
            continue
        bi = fb.u32(md, F_META_BUFFER, 0)
        b = fb.vec_table(buffers, bi) if bi < buffers.len else None
        data = fb.vector(b, F_BUF_DATA, 1) if b is not None else None
        if data is None or data.len < 12 or data.data & 3:
            raise _bad(f"OfflineMemoryAllocation metadata buffer {bi} is invalid")
        n = _U32(fb.buf, data.data + 8)[0]
        if n != n_tensors:
            raise _bad(f"Nbr of offline buffer offsets ({n}) in metadata not equal nbr tensors ({n_tensors})")
        if (data.len - 12) // 4 < n:
            raise _bad("OfflineMemoryAllocation metadata is truncated")


def _check(buf: bytes) -> None:
    size = len(buf)
    if size < 8 or size > 0xFFFFFFFF:
        raise _bad(f"model is truncated ({size} bytes) or misaligned")
    if buf[4:8] != b"TFL3":
        raise _bad("not a TFLite model: file identifier is not TFL3")
    fb = _Fb(buf)
    root = fb.table_at(_U32(buf, 0)[0])
    if root is None:
        raise _bad("model root table out of bounds")
    version = fb.u32(root, F_MODEL_VERSION, 0)
    if version != SCHEMA_VERSION:
        raise _bad(f"Model provided is schema version {version} not equal to supported version {SCHEMA_VERSION}")
    opcodes, subgraphs, buffers, metadata = (fb.vector(root, f, 4) for f in
                                             (F_MODEL_OPCODES, F_MODEL_SUBGRAPHS, F_MODEL_BUFFERS,
                                              F_MODEL_METADATA))
    if opcodes is None or subgraphs is None or buffers is None or metadata is None:
        raise _bad("model vectors out of bounds")
    if subgraphs.len == 0 or subgraphs.len > MAX_SUBGRAPHS:
        raise _bad(f"model has {subgraphs.len} subgraphs (1..{MAX_SUBGRAPHS} supported)")
    for i in range(opcodes.len):
        if fb.vec_table(opcodes, i) is None:
            raise _bad(f"operator code {i} out of bounds")
    total = 0
    for s in range(subgraphs.len):
        g = fb.vec_table(subgraphs, s)
        vecs = None if g is None else [fb.vector(g, f, 4) for f in
                                       (F_SG_TENSORS, F_SG_INPUTS, F_SG_OUTPUTS, F_SG_OPERATORS)]
        if vecs is None or any(v is None for v in vecs):
            raise _bad(f"subgraph {s} out of bounds")
        tensors, inputs, outputs, operators = vecs
        if tensors.len > MAX_TENSORS_TOTAL - total:
            raise _bad("too many tensors")
        total += tensors.len
        nt = tensors.len
        if not (fb.ints_in_range(inputs, 0, nt) and fb.ints_in_range(outputs, 0, nt)):
            raise _bad(f"subgraph {s}: input/output index out of range")
        for i in range(tensors.len):
            t = fb.vec_table(tensors, i)
            if t is None:
                raise _bad(f"tensor {i} of subgraph {s} out of bounds")
            _check_tensor(fb, buffers, root, t, s, i)
        for i in range(operators.len):
            op = fb.vec_table(operators, i)
            if op is None:
                raise _bad(f"operator {i} of subgraph {s} out of bounds")
            _check_operator(fb, opcodes, root, op, nt, s, i)
    _check_offline_plan(fb, root, buffers, metadata, total)


def check_model(data: bytes) -> ModelVerdict:
    """simprof-rt's load verdict on `data` (the whole .tflite file)."""
    try:
        _check(bytes(data))
    except _Reject as r:
        return ModelVerdict(r.status, r.message)
    return ModelVerdict("ok")


def require_valid(data: bytes, name: str = "model") -> None:
    """Raise the error simprof reports for a model simprof-rt would refuse to load."""
    v = check_model(data)
    if v.status == "model":
        raise ModelFormatError(f"{name} is corrupt or beyond the runtime's limits: {v.message}",
                               fix="re-export the model; simprof-rt (like TFLM) refuses indices out of range, "
                                   "negative dimensions and tensors over 2 GiB",
                               reason=v.message)
    if v.status == "unsupported":
        raise UnsupportedOperatorError(f"{name}: {v.message}", fix="convert the model to supported tensor types",
                                       reason=v.message)
