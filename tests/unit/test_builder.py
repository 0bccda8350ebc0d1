"""The builder's output, read back with the schema module's own reader and run in TFLM's host
interpreter (an int8 FULLY_CONNECTED checked against a numpy int32 computation)."""
from __future__ import annotations

import numpy as np
import pytest

from simprof.model.builder import BuilderError, ModelBuilder, Quant, schema
from simprof.flows.corpus.check import run_isolated


def _fc_model(metadata: bool = False) -> tuple[bytes, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    m = ModelBuilder("fc")
    g = m.subgraph("main")
    x = g.input("x", (1, 13), "int8", Quant.per_tensor(0.05, 0))
    w_q = rng.integers(-127, 128, (5, 13)).astype(np.int8)
    w = g.const("w", w_q, quant=Quant.per_channel([0.01, 0.02, 0.015, 0.01, 0.03], axis=0))
    bias = np.array([10, -20, 30, 0, 5], np.int32)
    b = g.const("b", bias, quant=Quant.per_channel([5e-4, 1e-3, 7.5e-4, 5e-4, 1.5e-3], axis=0))
    y = g.tensor("y", (1, 5), "int8", Quant.per_tensor(0.25, 3))
    g.op("FULLY_CONNECTED", [x, w, b], [y], schema.FullyConnectedOptionsT())
    g.mark_outputs(y)
    if metadata:
        m.add_metadata("note", b"hello")
        m.add_offline_memory_plan([0, -1, -1, 16])
    return m.to_bytes(), w_q, bias


def test_roundtrip_through_schema_reader():
    data, w_q, _ = _fc_model(metadata=True)
    assert data[4:8] == b"TFL3"
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    sg = model.subgraphs[0]
    assert [t.name.decode() for t in sg.tensors] == ["x", "w", "b", "y"]
    w = sg.tensors[1]
    assert w.quantization.quantizedDimension == 0 and len(w.quantization.scale) == 5
    np.testing.assert_array_equal(np.asarray(model.buffers[w.buffer].data, np.uint8).view(np.int8).reshape(5, 13), w_q)
    names = {md.name.decode(): bytes(model.buffers[md.buffer].data) for md in model.metadata}
    assert names["note"] == b"hello"
    assert np.frombuffer(names["OfflineMemoryAllocation"], "<i4").tolist() == [1, 0, 4, 0, -1, -1, 16]


def test_constant_data_is_16_byte_aligned():
    data, w_q, bias = _fc_model()
    for blob in (w_q.tobytes(), bias.tobytes()):
        assert data.find(blob) % 16 == 0


def test_int8_fully_connected_matches_numpy():
    data, w_q, bias = _fc_model()
    x = np.arange(-6, 7, dtype=np.int8).reshape(1, 13)
    r = run_isolated(data, inputs=[[x]])
    assert r.ok, r.error
    acc = (w_q.astype(np.int64) @ x[0].astype(np.int64)) + bias  # zero points: input 0, weights 0
    real = acc * 0.05 * np.array([0.01, 0.02, 0.015, 0.01, 0.03])
    want = np.clip(np.round(real / 0.25) + 3, -128, 127)
    np.testing.assert_allclose(r.outputs[0][0][0], want, atol=1)  # TFLM's fixed-point rounding


def test_large_opcode_uses_placeholder():
    m = ModelBuilder()
    g = m.subgraph()
    call = schema.CallOnceOptionsT()
    call.initSubgraphIndex = 1
    g.op("CALL_ONCE", [], [], call)
    m.subgraph("init")
    model = schema.ModelT.InitFromPackedBuf(bytearray(m.to_bytes()), 0)
    code = model.operatorCodes[0]
    assert code.builtinCode == schema.BuiltinOperator.CALL_ONCE and code.deprecatedBuiltinCode == 127
    assert model.subgraphs[0].operators[0].builtinOptionsType == schema.BuiltinOptions.CallOnceOptions


def test_variable_tensor_and_optional_input_roundtrip():
    m = ModelBuilder()
    g = m.subgraph()
    x = g.input("x", (1, 4), "int16", Quant.per_tensor(1 / 4096, 0))
    v = g.tensor("state", (1, 4), "int16", Quant.per_tensor(1 / 4096, 0), variable=True)
    y = g.tensor("y", (1, 4), "int16", Quant.per_tensor(1 / 4096, 0))
    g.op("ADD", [x, None], [y], schema.AddOptionsT())
    g.mark_outputs(y)
    model = schema.ModelT.InitFromPackedBuf(bytearray(m.to_bytes()), 0)
    tensors = model.subgraphs[0].tensors
    assert tensors[v.index].isVariable and not tensors[x.index].isVariable
    assert tensors[v.index].type == schema.TensorType.INT16
    assert list(model.subgraphs[0].operators[0].inputs) == [x.index, -1]


def test_inconsistent_graphs_are_refused():
    m = ModelBuilder()
    g0, g1 = m.subgraph(), m.subgraph()
    with pytest.raises(BuilderError):
        g0.tensor("w", (4, 3), "int8", Quant.per_channel([0.1, 0.2], axis=0))
    with pytest.raises(BuilderError):
        g0.tensor("x", (2,), "int4")  # type: ignore[arg-type]
    t = g1.tensor("t", (2,), "float32")
    with pytest.raises(BuilderError):
        g0.op("RELU", [t], [t])
    with pytest.raises(BuilderError):
        g0.op("NOT_AN_OP", [], [])
