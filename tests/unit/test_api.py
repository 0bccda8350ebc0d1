"""simprof.api, the façade every front end calls: its figures are the engines' figures, checked
against independent numbers (the tflite-micro wheel; firmware usage known by construction).
~1.5 s without QEMU, +1 s with."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simprof import api
from simprof.flows.corpus import opmodels

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kws_dscnn_int8.tflite"
FIXTURES = ROOT / "tests" / "fixtures" / "firmware"


def test_import_simprof_stays_light_and_exposes_estimate_and_measure():
    code = ("import sys, simprof; light = 'numpy' not in sys.modules and 'simprof.api' not in sys.modules; "
            "import simprof.api as a; print(light, simprof.estimate is a.estimate, simprof.measure is a.measure)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]


def test_estimate_on_lp64_equals_the_wheels_print_allocations(tmp_path):
    from simprof.model import oracle
    data = opmodels.model("conv_2d_int8")
    path = tmp_path / "conv.tflite"
    path.write_bytes(data)
    e = api.estimate(path, "generic", runtime="tflm", abi="lp64")
    rep = oracle.allocations(data)
    assert (e.arena_head_bytes, e.arena_tail_bytes) == (rep.head, rep.tail)


def test_platform_object_and_id_give_the_same_estimate():
    assert api.estimate(EXAMPLE, api.load_platform("stm32f4")) == api.estimate(EXAMPLE, "stm32f4")


def test_models_are_recognised_by_their_identifier_not_their_name(tmp_path):
    renamed = tmp_path / "model.bin"
    renamed.write_bytes(opmodels.model("add_int8"))
    assert api.is_model(renamed)
    assert not api.is_model(FIXTURES / "known_usage.c")


def test_write_models_writes_the_corpus_bytes(tmp_path):
    paths = api.write_models(tmp_path, ["add_int8"], preset=["kws_dscnn_int8"])
    assert [p.name for p in paths] == ["add_int8.tflite", "kws_dscnn_int8.tflite"]
    assert paths[0].read_bytes() == opmodels.model("add_int8")
    assert paths[1].read_bytes() == EXAMPLE.read_bytes()


def test_json_round_trip_keeps_every_figure(tmp_path):
    e = api.estimate(EXAMPLE, "stm32f4")
    loaded = api.load_json(api.save_json(e, tmp_path / "e.json"))
    assert loaded == e.to_json()


def test_min_arena_on_a_firmware_elf_is_a_usage_error():
    from simprof.core.errors import UsageError
    with pytest.raises(UsageError, match="needs a .tflite model"):
        api.measure(FIXTURES / "known_usage.c", "stm32f4", min_arena=True)


@pytest.mark.qemu
def test_measure_elf_with_a_stop_symbol_shorthand():
    # known_usage.c: operator 0 moves SP 1536 B below the top and writes the first 1000 arena bytes;
    # stopping at the first simprof_op_end sees exactly that, and nothing of operators 1 and 2.
    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    m = api.measure(elf, "stm32f4", stop="simprof_op_end", per_operator=False)
    assert (m.stop_symbol, m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes) == ("simprof_op_end", 1536, 1000, 0)
