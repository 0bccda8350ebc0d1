"""Calibration from measurements (estimator/calibrate_measure.py, stack.py): the derivation on
fixture runs (figures known by construction), stale firmware-hash detection, provenance and the
dirty-tree refusal. Fast (< 2 s): no QEMU, no compiler (the image hash is monkeypatched)."""
from __future__ import annotations

import json

import pytest

from simprof.flows.corpus import opmodels
from simprof.core.errors import BuildError
from simprof.estimator import estimate
from simprof.flows import calibrate
from simprof.estimator import stack as stack_mod
from simprof.rt.calibration import CalibrationRun, derive
from simprof.estimator.stack import kernel_key, load_calibration
from simprof.model.reader import read_model

from test_estimator_stack import CI, SRC

HASH = "ab" * 32


def _runs():
    # model a: setup 600, conv 300; model b: conv (variant) 320 + relu 200, setup 640 (relu's prepare
    # is deeper); model c: a CF op running relu, 250 over it, depth 1, setup 700;
    # model d: whole run 650 above its setup (600) and operators: an invoke-time path.
    return [
        CalibrationRun("a", 0, ("CONV_2D/int8",), ((0, "CONV_2D/int8"),), {}, 600, 600, {0: 300}, 1000),
        CalibrationRun("b", 0, ("CONV_2D/int8", "RELU/int8"), ((0, "CONV_2D/int8"), (1, "RELU/int8")), {},
                       640, 640, {0: 320, 1: 200}, 1000),
        CalibrationRun("c", 1, ("IF/bool", "RELU/int8"), ((0, "IF/bool"),), {0: ("RELU/int8",)},
                       700, 700, {0: 450}, 1000),
        CalibrationRun("d", 0, ("ADD/int8",), ((0, "ADD/int8"),), {}, 650, 600, {0: 100}, 1000),
    ]


def test_derive_by_construction():
    m = derive(_runs(), 1000)
    assert m["stack_by_kernel"] == {"ADD/int8": 100, "CONV_2D/int8": 320, "IF/bool": 450, "RELU/int8": 200}
    assert m["setup_by_depth"] == {"0": 600, "1": 700}
    # tightest bound per kernel: conv appears alone (600), relu only with something deeper (640)
    assert m["setup_by_kernel"] == {"ADD/int8": 600, "CONV_2D/int8": 600, "IF/bool": 700, "RELU/int8": 640}
    assert m["control_flow_extra"] == {"IF/bool": 450 - 200}
    assert m["invoke_floor"] == 650 and m["unexplained_whole_run"] == {"d": 50}


def test_derive_refuses_a_different_image():
    with pytest.raises(BuildError, match="static RAM"):
        derive(_runs(), 999)


def test_setup_combination_mirrors_the_measurement():
    ms = stack_mod._measured(dict(firmware_hash=HASH, **derive(_runs(), 1000)))
    assert ms.setup_for(0, ["CONV_2D/int8"], 100) == (600, [])
    assert ms.setup_for(0, ["CONV_2D/int8", "RELU/int8"], 100) == (640, [])
    assert ms.setup_for(1, ["RELU/int8"], 100) == (700, [])
    # two levels: the deepest calibrated level plus one static recursion frame per extra level
    assert ms.setup_for(2, ["RELU/int8"], 100) == (800, [])
    assert ms.setup_for(0, ["TANH/int8"], 100) == (600, ["TANH/int8"])


def test_kernel_keys_of_real_models():
    g = read_model(opmodels.model("quantize_float32"))
    assert [kernel_key(g.main, op) for op in g.main.operators] == ["QUANTIZE/float32>int8"]
    g = read_model(opmodels.model("conv_2d_int8"))
    assert [kernel_key(g.main, op) for op in g.main.operators] == ["CONV_2D/int8"]


def _file(d, measured_hash):
    data = {"schema_version": 2, "platform": "stm32f4", "runtime": "simprof-rt", "kernels": "reference",
            "provenance": {"command": "test", "firmware_hash": measured_hash},
            "static_bytes": 1000, "stack_setup_bytes": 900, "stack_bytes": {"RELU": 800},
            "measured": {"firmware_hash": "ab" * 32, "source_stamp": measured_hash, "stack_by_kernel": {"RELU/int8": 256},
                         "setup_by_depth": {"0": 648}, "setup_by_kernel": {"RELU/int8": 648},
                         "control_flow_extra": {}, "invoke_floor": 0}}
    (d / "stm32f4.json").write_text(json.dumps(data))


def test_current_calibration_uses_the_measured_figures(tmp_path):
    _file(tmp_path, HASH)
    e = estimate(opmodels.model("relu_int8"), platform="stm32f4", runtime="simprof-rt", calibration_dir=tmp_path,
                 image_stamp=HASH)
    assert e.stack_bytes == 648 and e.operators[0].stack_bytes == 256 and e.static_bytes == 1000
    assert not e.notes


def test_stale_calibration_falls_back_to_static_analysis(tmp_path):
    _file(tmp_path, "cd" * 32)
    e = estimate(opmodels.model("relu_int8"), platform="stm32f4", runtime="simprof-rt", calibration_dir=tmp_path,
                 image_stamp=HASH)
    assert e.stack_bytes == 900 and e.operators[0].stack_bytes == 800
    assert any(n.startswith("calibration stale: run simprof calibrate --platform stm32f4") for n in e.notes)


def test_unmeasured_kernel_is_bounded_statically_and_said(tmp_path):
    _file(tmp_path, HASH)
    e = estimate(opmodels.model("relu_float32"), platform="stm32f4", runtime="simprof-rt", calibration_dir=tmp_path,
                 image_stamp=HASH)
    assert e.operators[0].stack_bytes == 800 and e.stack_bytes == 900
    assert any("RELU/float32: not measured" in n for n in e.notes)


def test_schema_1_files_still_load(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"schema_version": 1, "provenance": {}, "measured": {"RELU": 1}}))
    c = load_calibration("x", directory=tmp_path)
    assert c.measured is None and c.measured_state() == ("none", None)


def test_dirty_firmware_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(calibrate, "_git_head", lambda: "0" * 40 + "+dirty")
    with pytest.raises(BuildError, match="uncommitted"):
        calibrate.generate("stm32f4", out_dir=tmp_path)


def test_provenance_of_a_static_calibration(monkeypatch, tmp_path):
    (tmp_path / "k.ci").write_text(CI)
    (tmp_path / "k.su").write_text("k.c:5:5:conv_eval\t100\tstatic\n")
    (tmp_path / "k.c").write_text(SRC)
    monkeypatch.setattr(calibrate, "_git_head", lambda: "1" * 40 + "+dirty")
    out = calibrate.generate("generic", build_dir=tmp_path, out_dir=tmp_path / "out", measure=False,
                             allow_dirty=True, command="simprof calibrate --platform generic")
    data = json.loads(out.read_text())
    prov = data["provenance"]
    assert prov["command"] == "simprof calibrate --platform generic" and prov["git"].endswith("+dirty")
    assert prov["generated"].endswith("Z") and prov["toolchain"] == "as built" and data["measured"] is None
    assert data["schema_version"] == stack_mod.SCHEMA_VERSION


def test_unknown_image_stamp_uses_the_measurements_and_says_so(tmp_path):
    # a caller that cannot tell the image's sources: the committed figures still apply, with a note
    _file(tmp_path, HASH)
    e = estimate(opmodels.model("relu_int8"), platform="stm32f4", runtime="simprof-rt", calibration_dir=tmp_path)
    assert e.stack_bytes == 648 and any("was not checked" in n for n in e.notes)
