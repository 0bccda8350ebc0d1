"""simprof-rt on Cortex-M under QEMU (real arm-none-eabi-gcc, real QEMU):
- the painted arena extents equal the runtime's own figures (head block = its setup peak of
  head + temporaries, tail block = its persistent tail);
- the runtime's planned head equals simprof.estimator's independent Python replay of TFLM's greedy
  plan, and its tail and minimum arena equal the estimator's arm-eabi figures;
- the arena bisected on the firmware (to the byte) equals the estimator's; the runtime's own `need` is it on the 16-byte grid; outputs equal TFLM's host
  interpreter bit for bit;
- a too-small arena ends cleanly with the missing byte count; models that cannot fit are refused.
Runtime: ~60 s (each measurement paints twice, in parallel)."""
from __future__ import annotations

import numpy as np
import pytest

from simprof.flows.corpus import opmodels
from simprof.core.errors import DoesNotFitError
from simprof.estimator import estimate
from simprof.platforms import load
from simprof.rt import runner as runtime
from simprof.rt.image import image_for
from simprof.rt.protocol import pack_image

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
import _rt_models as own  # noqa: E402

pytestmark = pytest.mark.qemu

MODELS = {
    "conv_2d_int8": lambda: opmodels.model("conv_2d_int8"),
    "depthwise_conv_2d_int8": lambda: opmodels.model("depthwise_conv_2d_int8"),
    "fully_connected_float32": lambda: opmodels.model("fully_connected_float32"),
    "softmax_int8": lambda: opmodels.model("softmax_int8"),
    "mean_int8": lambda: opmodels.model("mean_int8"),
    "fc_per_channel_10": lambda: own.fc_model(10),
    "ctl_int8_2var": lambda: own.control_model("int8", 2),
    "example_kws_dscnn_int8": lambda: (Path(__file__).resolve().parents[2] / "examples" / "kws_dscnn_int8.tflite").read_bytes(),
}


@pytest.mark.parametrize("platform_id", ["stm32f4", "lm3s6965"])
@pytest.mark.parametrize("name", list(MODELS))
def test_painted_arena_equals_runtime_and_estimator(name, platform_id):
    mb = MODELS[name]()
    m = runtime.measure_model(mb, platform_id, min_arena=True)
    r = m.runtime
    # painted (QEMU) == the runtime's own report
    assert (m.arena_head_bytes, m.arena_tail_bytes) == (r.temp_hwm, r.tail)
    assert m.arena_islands == ()
    # runtime == independent Python replay (greedy plan, tail records, transient)
    e = estimate(mb, platform_id, runtime="simprof-rt", abi="arm-eabi")
    assert r.head == e.arena_head_bytes
    assert (r.tail, r.temp_hwm) == (e.arena_tail_bytes, e.arena_head_painted_bytes)
    # bisected on the firmware (to the byte) == the estimator's minimum; the runtime's own
    # accounting is the same figure on the 16-byte grid
    assert m.arena_min_bytes == e.arena_min_bytes
    assert r.need == (m.arena_min_bytes + 15) // 16 * 16
    assert m.outputs_match_reference is True
    assert [op.index for op in m.operators] == list(range(r.n_ops))


def test_too_small_arena_ends_cleanly_with_the_missing_bytes():
    p = load("stm32f4")
    mb = opmodels.model("conv_2d_int8")
    img = image_for(p)
    full, _ = runtime.run_bare(img, [(img.model_start, pack_image(mb))])
    assert full.ok, full.message
    short, _ = runtime.run_bare(img, [(img.model_start, pack_image(mb, arena_size=full.need - 16))])
    assert short.status_name == "arena" and short.missing > 0
    assert "missing" in short.message


def test_corrupt_model_reports_an_error_not_a_fault():
    p = load("stm32f4")
    img = image_for(p)
    mb = bytearray(opmodels.model("add_int8"))
    mb[4:8] = b"XXXX"
    rep, _ = runtime.run_bare(img, [(img.model_start, pack_image(bytes(mb)))])
    assert rep.status_name == "model" and "TFL3" in rep.message
    rep, _ = runtime.run_bare(img, [(img.model_start, pack_image(opmodels.model("add_int8")[:100]))])
    assert rep.status_name == "model"


def test_models_that_cannot_fit_are_refused_with_the_numbers():
    # flash: nrf51 has 256 KiB of flash; a 300 KB constant cannot fit
    from simprof.model.builder import ModelBuilder, schema
    m = ModelBuilder("big")
    g = m.subgraph()
    x = g.input("x", (1, 300_000), "int8")
    c = g.const("c", np.ones((1, 300_000), np.int8))
    y = g.tensor("y", (1, 300_000), "int8")
    g.op("ADD", [x, c], [y], schema.AddOptionsT())
    g.mark_outputs(y)
    with pytest.raises(DoesNotFitError, match="flash"):
        runtime.measure_model(m.to_bytes(), "nrf51", reference=False)
    # RAM: 2 x 18 KB activations on a 16 KiB part (the 18 KB input still fits the flash)
    m = ModelBuilder("wide")
    g = m.subgraph()
    x = g.input("x", (1, 4_500), "float32")
    y = g.tensor("y", (1, 4_500), "float32")
    g.op("RELU", [x], [y])
    g.mark_outputs(y)
    with pytest.raises(DoesNotFitError, match="short by"):
        runtime.measure_model(m.to_bytes(), "nrf51", reference=False)


@pytest.mark.parametrize("platform_id", [p.id for p in __import__("simprof.platforms", fromlist=["all_platforms"]).all_platforms()])
def test_every_platform_runs_the_same_image_recipe(platform_id):
    """One firmware per platform (M0 to M55), any model: painted == the runtime's figures and
    outputs bit-exact with TFLM's host interpreter."""
    mb = opmodels.model("depthwise_conv_2d_int8")
    m = runtime.measure_model(mb, platform_id, per_operator=False)
    assert (m.arena_head_bytes, m.arena_tail_bytes) == (m.runtime.temp_hwm, m.runtime.tail)
    assert m.outputs_match_reference is True


def test_user_input_file_and_wrong_input(tmp_path):
    mb = opmodels.model("conv_2d_int8")
    x = runtime.default_inputs(mb, seed=3)[0]
    np.save(tmp_path / "x.npy", x)
    m = runtime.measure_model(mb, "stm32f4", input=tmp_path / "x.npy", per_operator=False)
    assert m.outputs_match_reference is True
    from simprof.core.errors import UsageError
    with pytest.raises(UsageError, match="wants int8"):
        runtime.measure_model(mb, "stm32f4", input=np.zeros(3, np.float32))


def test_inputs_larger_than_the_input_region_go_after_the_model():
    """The linker's input region holds 8 KiB: a 12 KB input is placed after the model instead."""
    from simprof.model.builder import ModelBuilder, schema
    m = ModelBuilder("big input")
    g = m.subgraph()
    x = g.input("x", (1, 3000), "float32")
    c = g.const("c", np.full((1, 3000), 0.5, np.float32))
    y = g.tensor("y", (1, 3000), "float32")
    g.op("MUL", [x, c], [y], schema.MulOptionsT())
    g.mark_outputs(y)
    mb = m.to_bytes()
    img = image_for(load("stm32f4"))
    x = runtime.default_inputs(mb, seed=5)[0]
    assert len(runtime.memory_writes(img, mb, x.tobytes())) == 1   # no separate input-region write
    r = runtime.measure_model(mb, "stm32f4", input=x, per_operator=False)
    assert r.outputs_match_reference is True
    assert r.output_bytes[0] == (x * np.float32(0.5)).astype(np.float32).tobytes()
