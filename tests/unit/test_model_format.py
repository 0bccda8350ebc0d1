"""The model format layer: reader and writer side by side.

- read -> write without an edit gives the input bytes; read -> edit -> write gives a model the
  tflite-micro wheel's own decoder reads as the same object tree (semantically identical), on the
  example and on every preset and op-model of the corpus;
- edits (operator order, buffers, metadata, the offline plan) land where TFLM reads them: checked
  by the wheel's decoder and by the reader;
- the schema enums the reader uses (generated) equal the wheel's;
- the one "what is this file" rule.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

from simprof.core.errors import ModelFormatError
from simprof.flows.corpus import opmodels
from simprof.flows.corpus.generate import PRESETS, build_preset
from simprof.model import schema_enums
from simprof.model.reader import file_kind, load_model_bytes, read_model
from simprof.model.writer import ModelEditor, pack, unpack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kws_dscnn_int8.tflite"


def _models():
    yield "example", EXAMPLE.read_bytes()
    for name in sorted(PRESETS):
        yield f"preset:{name}", build_preset(name)
    for name in opmodels.names()[::7]:
        yield f"op:{name}", opmodels.model(name)


MODELS = list(_models())


def _tree(obj):
    """A ModelT as plain data (buffers as bytes), for equality."""
    if isinstance(obj, (list, tuple)):
        return [_tree(x) for x in obj]
    if hasattr(obj, "__dict__"):
        return {k: _tree(v) for k, v in sorted(vars(obj).items())}
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


@pytest.mark.parametrize("name,data", MODELS, ids=[m[0] for m in MODELS])
def test_round_trip(name, data):
    ed = ModelEditor.from_bytes(data, name)
    assert ed.to_bytes() == data            # nothing changed: the same bytes
    again = pack(unpack(data))              # written through the object API: the same model
    assert _tree(unpack(again)) == _tree(unpack(data))
    assert read_model(again) == read_model(data, "model")
    assert len(again) % 4 == 0 and again[4:8] == b"TFL3"


def test_reorder_operators_is_what_the_reader_sees():
    data = build_preset("kws_dscnn_int8")
    g = read_model(data)
    ed = ModelEditor.from_bytes(data)
    n = len(g.main.operators)
    ed.reorder_operators(0, list(range(n)))   # identity: same graph, re-serialised
    assert [o.opcode for o in read_model(ed.to_bytes()).main.operators] == [o.opcode for o in g.main.operators]
    with pytest.raises(ModelFormatError, match="permutation"):
        ed.reorder_operators(0, [0] * n)


def test_offline_plan_metadata_is_read_back_by_reader_and_wheel():
    data = opmodels.model("add_int8")
    g = read_model(data)
    offsets = [-1] * len(g.main.tensors)
    offsets[0] = 0
    ed = ModelEditor.from_bytes(data)
    ed.set_offline_plan(offsets)
    out = ed.to_bytes()
    assert read_model(out).offline_offsets == tuple(offsets)
    m = fb.Model.GetRootAs(out, 0)
    names = [m.Metadata(i).Name() for i in range(m.MetadataLength())]
    assert b"OfflineMemoryAllocation" in names
    ed2 = ModelEditor.from_bytes(out)
    ed2.remove_metadata("OfflineMemoryAllocation")
    assert read_model(ed2.to_bytes()).offline_offsets is None
    with pytest.raises(ModelFormatError, match="one offset per tensor"):
        ed2.set_offline_plan([0])


def test_set_buffer_changes_the_constant():
    data = opmodels.model("fully_connected_int8")
    ed = ModelEditor.from_bytes(data)
    sg = ed.subgraph(0)
    w = next(t for t in sg.tensors if t.buffer and ed.model.buffers[t.buffer].data is not None)
    new = bytes(len(ed.model.buffers[w.buffer].data))
    ed.set_buffer(w.buffer, new)
    m = fb.Model.GetRootAs(ed.to_bytes(), 0)
    assert bytes(m.Buffers(w.buffer).DataAsNumpy()) == new
    # constant data 16-byte aligned in the file, as the converter writes it
    tab = m.Buffers(w.buffer)._tab
    assert tab.Vector(tab.Offset(4)) % 16 == 0


def test_generated_schema_enums_are_the_wheels():
    for name, cls in (("BUILTIN_OPERATORS", fb.BuiltinOperator), ("TENSOR_TYPES", fb.TensorType),
                      ("BUILTIN_OPTIONS", fb.BuiltinOptions)):
        wheel = {v: k for k, v in vars(cls).items() if not k.startswith("_")}
        assert getattr(schema_enums, name) == wheel, f"{name}: run firmware/tools/gen_builtin_names.py"


def test_file_kind_and_refusals(tmp_path):
    assert file_kind(EXAMPLE.read_bytes()) == "tflite"
    assert file_kind(b"\x7fELF\x01\x01\x01\x00") == "elf"
    assert file_kind(b"") == "unknown"
    (tmp_path / "x.tflite").write_bytes(b"not a model at all")
    with pytest.raises(ModelFormatError, match="no TFL3 identifier"):
        load_model_bytes(tmp_path / "x.tflite")
    with pytest.raises(ModelFormatError, match="is a directory"):
        load_model_bytes(tmp_path)
    with pytest.raises(ModelFormatError, match="cannot read"):
        load_model_bytes(tmp_path / "missing.tflite")
