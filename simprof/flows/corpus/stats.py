"""Cheap facts about a model for the corpus manifest: flash size, operators, and a lower bound of
the activation memory that any planner needs.

The bound: tensors without data live from the operator that writes them (or the start, for graph
inputs) to the last operator that reads them (or the end, for graph outputs); at every operator the
live tensors coexist, so the arena head holds at least their sum. Variable tensors (persistent tail)
and alignment are left out, so it is a bound, not an estimate — the estimator gives the estimate.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from simprof.core.errors import ModelFormatError

from simprof.model.builder import NUMPY_DTYPES

_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_ITEMSIZE = {getattr(schema.TensorType, k.upper()): v.itemsize for k, v in NUMPY_DTYPES.items()}


@dataclass(frozen=True)
class ModelStats:
    flash_bytes: int              # the .tflite file, which firmware keeps in flash
    weights_bytes: int            # constant buffers
    subgraphs: int
    operators: int                # in subgraph 0
    tensors: int                  # in subgraph 0
    ops: tuple[str, ...]          # distinct builtin operators over all subgraphs
    largest_tensor_bytes: int
    activation_lower_bound: int   # max over operators of the live activation bytes (subgraph 0)
    input_bytes: int
    output_bytes: int

    def to_json(self) -> dict:
        d = asdict(self)
        d["ops"] = list(self.ops)
        return d


def model_stats(data: bytes) -> ModelStats:
    try:
        model = schema.Model.GetRootAsModel(data, 0)
        if model.SubgraphsLength() < 1:
            raise ModelFormatError("model has no subgraph", fix="pass a valid .tflite file")
        return _stats(model, len(data))
    except ModelFormatError:
        raise
    except Exception as exc:  # flatbuffers raises IndexError/struct.error on corrupt input
        raise ModelFormatError(f"cannot read model: {exc}", fix="pass a valid .tflite file") from exc


def _stats(model: schema.Model, size: int) -> ModelStats:
    weights = sum(model.Buffers(i).DataLength() for i in range(model.BuffersLength()))
    ops: set[str] = set()
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            code = model.OperatorCodes(sg.Operators(i).OpcodeIndex())
            ops.add(_OP_NAMES.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "CUSTOM"))
    sg = model.Subgraphs(0)
    n_ops = sg.OperatorsLength()
    nbytes: dict[int, int] = {}
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        if t.IsVariable() or t.Type() not in _ITEMSIZE or model.Buffers(t.Buffer()).DataLength() > 0:
            continue
        shape = t.ShapeAsNumpy() if t.ShapeLength() else np.array([1])
        nbytes[i] = int(np.prod(shape, dtype=np.int64)) * _ITEMSIZE[t.Type()]
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    inputs = [sg.Inputs(i) for i in range(sg.InputsLength())]
    outputs = [sg.Outputs(i) for i in range(sg.OutputsLength())]
    for t in inputs:
        first[t] = 0
    for k in range(n_ops):
        op = sg.Operators(k)
        for t in [op.Inputs(j) for j in range(op.InputsLength())] + [op.Outputs(j) for j in range(op.OutputsLength())]:
            if t in nbytes:
                first.setdefault(t, k)
                last[t] = k
    for t in outputs:
        last[t] = max(n_ops - 1, 0)
    bound = 0
    for k in range(max(n_ops, 1)):
        live = sum(nbytes[t] for t in nbytes if t in first and first[t] <= k <= last.get(t, first[t]))
        bound = max(bound, live)
    return ModelStats(
        flash_bytes=size, weights_bytes=weights, subgraphs=model.SubgraphsLength(), operators=n_ops,
        tensors=sg.TensorsLength(), ops=tuple(sorted(ops)), largest_tensor_bytes=max(nbytes.values(), default=0),
        activation_lower_bound=bound, input_bytes=sum(nbytes.get(t, 0) for t in inputs),
        output_bytes=sum(nbytes.get(t, 0) for t in outputs))
