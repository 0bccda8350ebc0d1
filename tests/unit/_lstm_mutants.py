"""Structured mutants of UNIDIRECTIONAL_SEQUENCE_LSTM models for the fuzz tests (host with ASan /
UBSan in test_rt_lstm.py, Cortex-M under QEMU in tests/integration/test_rt_qemu_lstm.py): each
mutant changes one thing the kernel reads from the model - a dimension (changed, dropped or
inserted), a tensor's type or quantisation (extreme scales, zero points), whether a state is a
variable, which tensor an input slot names (an optional slot filled, a required one emptied, two
slots swapped), or an option (time_major, cell_clip, the cell activation)."""
from __future__ import annotations

import copy
import random

from simprof.model.builder import schema
from simprof.model.writer import pack, unpack

_SCALES = (0.0, 1e-30, 1e-12, 1e12, 1e30, float("inf"), float("nan"), -0.5, 2.0 ** -11)
_TYPES = (schema.TensorType.FLOAT32, schema.TensorType.INT8, schema.TensorType.INT16, schema.TensorType.INT32,
          schema.TensorType.INT64)


def mutate(model: bytes, rng: random.Random) -> tuple[bytes, str]:
    m = unpack(model)
    sg = m.subgraphs[0]
    op = next(o for o in sg.operators if len(o.inputs) == 24)
    ins = list(op.inputs)
    slot_tensors = [i for i in list(ins) + list(op.outputs) if i >= 0]
    t = sg.tensors[rng.choice(slot_tensors)]
    kind = rng.randrange(8)
    if kind == 0:
        s = list(t.shape) if t.shape is not None else []
        if s:
            j = rng.randrange(len(s))
            s[j] = rng.choice([0, 1, s[j] + 1, max(0, s[j] - 1), 2 * s[j] + 3, 1000])
        t.shape = s
        what = "dimension changed"
    elif kind == 1:
        s = list(t.shape) if t.shape is not None else []
        if s and rng.random() < 0.5:
            s.pop(rng.randrange(len(s)))
        else:
            s.insert(rng.randrange(len(s) + 1), rng.randrange(4))
        t.shape = s
        what = "rank changed"
    elif kind == 2:
        t.type = rng.choice(_TYPES)
        what = "type changed"
    elif kind == 3:
        q = t.quantization or schema.QuantizationParametersT()
        n = rng.randint(1, 3)
        q.scale = [rng.choice(_SCALES) for _ in range(n)]
        q.zeroPoint = [rng.randint(-40000, 40000) for _ in range(n)]
        t.quantization = q
        what = "quantisation"
    elif kind == 4:
        t.isVariable = not t.isVariable
        what = "variable flag"
    elif kind == 5:
        k = rng.randrange(24)
        ins[k] = -1 if ins[k] >= 0 else rng.choice(slot_tensors)
        what = f"input {k} toggled"
    elif kind == 6:
        a, b = rng.randrange(24), rng.randrange(24)
        ins[a], ins[b] = ins[b], ins[a]
        what = f"inputs {a} and {b} swapped"
    else:
        o = copy.copy(op.builtinOptions) or schema.UnidirectionalSequenceLSTMOptionsT()
        field = rng.randrange(3)
        if field == 0:
            o.timeMajor = not o.timeMajor
        elif field == 1:
            o.cellClip = rng.choice([-1.0, 1e-30, 1e30, float("nan"), float("inf"), 0.5])
        else:
            o.fusedActivationFunction = rng.randrange(7)
        op.builtinOptions = o
        op.builtinOptionsType = schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions
        what = ("time_major", "cell_clip", "activation")[field]
    op.inputs = ins
    return pack(m), what
