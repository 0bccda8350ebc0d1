"""The corpus generator: deterministic, diverse, every model runs in TFLM's host interpreter, and the
manifest's activation lower bound never exceeds the arena head TFLM itself reports. ~6 s."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simprof.model import oracle
from simprof.cli import main
from simprof.flows.corpus import opmodels
from simprof.model.builder import schema
from simprof.flows.corpus.check import run_isolated
from simprof.flows.corpus.families import FAMILIES
from simprof.flows.corpus.generate import GenerateOptions, build_preset, generate, plan
from simprof.flows.corpus.stats import model_stats

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    manifest = generate(GenerateOptions(out, count=16, seed=3, float_share=0.3, check=True))
    return out, manifest


def test_manifest_lists_every_family_and_type(corpus):
    out, manifest = corpus
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == manifest
    models = manifest["models"]
    assert len(models) == 16 and len({m["name"] for m in models}) == 16
    assert {m["family"] for m in models} == set(FAMILIES)
    assert {m["dtype"] for m in models} == {"int8", "float32"}
    for m in models:
        data = (out / m["file"]).read_bytes()
        assert m["flash_bytes"] == len(data)
        assert 0 < m["activation_lower_bound"] <= 1_280 * 1024


def test_every_model_runs_in_the_host_interpreter(corpus):
    _, manifest = corpus
    assert [m["host_run"] for m in manifest["models"]] == ["ok"] * len(manifest["models"])


def test_int8_models_use_per_channel_conv_weights(corpus):
    out, manifest = corpus
    m = next(m for m in manifest["models"] if m["dtype"] == "int8" and "CONV_2D" in m["ops"])
    model = schema.ModelT.InitFromPackedBuf(bytearray((out / m["file"]).read_bytes()), 0)
    sg = model.subgraphs[0]
    conv = next(op for op in sg.operators
                if model.operatorCodes[op.opcodeIndex].builtinCode == schema.BuiltinOperator.CONV_2D)
    w = sg.tensors[conv.inputs[1]]
    assert w.type == schema.TensorType.INT8 and len(w.quantization.scale) == w.shape[0] > 1


def test_same_seed_same_bytes_and_prefix_stability(tmp_path):
    a = generate(GenerateOptions(tmp_path / "a", count=4, seed=11))
    b = generate(GenerateOptions(tmp_path / "b", count=4, seed=11))
    assert a == b
    for m in a["models"]:
        assert (tmp_path / "a" / m["file"]).read_bytes() == (tmp_path / "b" / m["file"]).read_bytes()
    longer = plan(GenerateOptions(tmp_path, count=9, seed=11))
    assert [p.params for p in longer[:4]] == [m["params"] for m in a["models"]]
    assert plan(GenerateOptions(tmp_path, count=4, seed=12))[0].params != longer[0].params


def test_lower_bound_is_below_tflm_head(corpus):
    """The bound must hold against TFLM's own planned head (print_allocations, host build)."""
    out, manifest = corpus
    for m in manifest["models"][:6]:
        head = oracle.allocations((out / m["file"]).read_bytes()).head
        assert m["activation_lower_bound"] <= head, m["name"]


def test_stats_known_by_construction():
    s = model_stats(opmodels.model("reshape_int8"))  # (1,4,4,3) int8 -> (1,48): both live at the op
    assert s.activation_lower_bound == 96 and s.ops == ("RESHAPE",) and s.input_bytes == 48
    s = model_stats(opmodels.model("streaming_float32"))
    assert s.subgraphs == 2 and "CALL_ONCE" in s.ops


def test_bundled_example_is_the_preset_and_runs():
    data = (REPO / "examples" / "kws_dscnn_int8.tflite").read_bytes()
    assert data == build_preset("kws_dscnn_int8"), "regenerate with: simprof corpus preset kws_dscnn_int8 ..."
    r = run_isolated(data)
    assert r.ok, r.error
    assert r.outputs[0][0].shape == (1, 12) and len(np.unique(r.outputs[0][0])) > 1
    s = model_stats(data)
    assert s.input_bytes == 49 * 10 and {"DEPTHWISE_CONV_2D", "SOFTMAX", "AVERAGE_POOL_2D"} <= set(s.ops)


def test_cli_generate_and_usage_errors(tmp_path, capsys):
    assert main(["corpus", "generate", str(tmp_path), "--count", "2", "--seed", "5"]) == 0
    assert len(json.loads((tmp_path / "manifest.json").read_text())["models"]) == 2
    assert main(["corpus", "generate", str(tmp_path), "--count", "1", "--families", "nope"]) == 2
    assert "unknown model families" in capsys.readouterr().err


def test_tensorflow_option_fails_cleanly_without_tensorflow(tmp_path, capsys):
    try:
        import tensorflow  # noqa: F401
        pytest.skip("tensorflow is installed: the missing-TF message cannot be observed")
    except ImportError:
        pass
    assert main(["corpus", "generate", str(tmp_path), "--count", "1", "--tensorflow"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TensorFlow is not installed" in err[0]


def test_cli_opmodels_preset_and_families(tmp_path, capsys):
    assert main(["corpus", "opmodels", str(tmp_path / "ops")]) == 0
    assert sorted(p.stem for p in (tmp_path / "ops").glob("*.tflite")) == opmodels.names()
    assert main(["corpus", "preset", "kws_dscnn_int8", str(tmp_path / "kws.tflite")]) == 0
    assert (tmp_path / "kws.tflite").read_bytes() == (REPO / "examples" / "kws_dscnn_int8.tflite").read_bytes()
    assert main(["corpus", "families"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in FAMILIES), out
    assert main(["corpus", "preset", "nope", str(tmp_path / "x.tflite")]) == 2


def test_generated_outputs_follow_the_input(corpus):
    """Useful for bit-exact runtime checks: no model's output is the same for two random inputs."""
    out, manifest = corpus
    for m in manifest["models"]:
        r = run_isolated((out / m["file"]).read_bytes(), invokes=2, seed=5)
        assert r.ok, r.error
        a, b = (np.concatenate([o.ravel() for o in inv]) for inv in r.outputs)
        assert not np.array_equal(a, b), m["name"]


def test_a_dense_head_on_a_single_input_gets_positive_scales():
    """A classifier head (zero-sum rows) over one input feature has all-zero rows: its weight
    scales must still be finite and > 0 (seed 6 of the default corpus once stopped on a NaN)."""
    from simprof.flows.corpus.layers import Graph
    from simprof.model.builder import ModelBuilder
    from simprof.model.reader import read_model

    m = ModelBuilder("dense head on one input")
    g = Graph(m, "int8", seed=1)
    g.output(g.softmax(g.fully_connected(g.input((1, 1)), 3, out_std=2.0)))
    data = m.to_bytes()
    assert read_model(data).subgraphs[0].operators[0].opcode == "FULLY_CONNECTED"
    assert oracle.reference_outputs(data, [np.array([[5]], dtype=np.int8)])[0].shape == (1, 3)
