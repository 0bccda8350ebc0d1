"""Hostile command lines and files (issue #13, items 5-8, 11, 12): each gives one line naming cause
and fix with a non-zero exit (or the right result), never a traceback. The CLI runs in-process:
an exception other than a clean exit fails the test with its traceback."""
from __future__ import annotations

import json
import sys
import textwrap

import numpy as np
import pytest

from simprof.cli import main
from simprof.flows.corpus import opmodels

import _hostile as h

pytest_plugins = ["pytester"]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def one_error_line(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("simprof: error: ") and "Traceback" not in err, err
    return lines[0]


def _zero_point(m):
    m.subgraphs[0].tensors[0].quantization.zeroPoint = np.array([300], np.int64)   # int8 tensor


def _buffer_index(m):
    m.subgraphs[0].tensors[1].buffer = len(m.buffers) + 5


@pytest.mark.parametrize("name,data,why", [
    ("huge", lambda: h.with_shape(h.fc_model(), 0, (1, 100000, 100000)), "too many elements"),
    ("int32max", lambda: h.with_shape(h.fc_model(), 0, (1, 2147483647)), "too many elements"),
    ("negative", lambda: h.with_shape(h.fc_model(), 0, (1, -21)), "negative"),
    ("zero_point", lambda: h.edited(h.fc_model(), _zero_point), "zero point"),
    ("buffer_index", lambda: h.edited(h.fc_model(), _buffer_index), "buffer index"),
])
def test_hostile_models_get_one_line(capsys, tmp_path, name, data, why):
    p = tmp_path / f"{name}.tflite"
    p.write_bytes(data())
    rc, out, err = run_cli(capsys, "estimate", str(p), "--platform", "stm32f4")
    assert rc == 1 and why in one_error_line(err) and out == ""


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0"])
def test_timeout_must_be_positive_and_finite(capsys, value):
    # refused by the option's type: argparse's usage line and one error line, exit 2
    with pytest.raises(SystemExit) as exc:
        main(["measure", str(h.EXAMPLE), "--platform", "stm32f4", "--timeout", value])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "--timeout" in err.splitlines()[-1] and "Traceback" not in err


def test_measure_of_a_folder_says_folder(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "measure", str(tmp_path), "--platform", "stm32f4")
    assert rc == 1 and "is a directory" in one_error_line(err)


@pytest.mark.parametrize("flag", [["--stop", "main"], ["--stack-size", "1024"], ["--sequential"]])
def test_elf_only_options_with_a_model_are_refused(capsys, flag):
    rc, _, err = run_cli(capsys, "measure", str(h.EXAMPLE), "--platform", "stm32f4", *flag)
    assert rc == 2 and flag[0] in one_error_line(err)


def test_validate_refuses_negative_jobs(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "validate", str(tmp_path), "--platforms", "stm32f4", "--jobs", "-1",
                         "--out", str(tmp_path / "out"))
    assert rc == 2 and "--jobs" in one_error_line(err)


def test_dangling_model_link_is_named_as_such(capsys, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "a.tflite").write_bytes(h.fc_model())
    (models / "gone.tflite").symlink_to(tmp_path / "nowhere.tflite")
    rc, _, err = run_cli(capsys, "validate", str(models), "--platforms", "stm32f4", "--measure", "none",
                         "--jobs", "0", "--out", str(tmp_path / "out"))
    line = one_error_line(err)
    assert rc == 2 and "dangling" in line and "gone.tflite" in line and "manifest" not in line


def _failing_measure_module(tmp_path, monkeypatch):
    (tmp_path / "hostile_measure.py").write_text(textwrap.dedent("""
        def measure(model, platform):
            if "softmax" in model:
                raise RuntimeError("this measurement fails on purpose")
            return {"total_bytes": 1000, "arena_bytes": 500, "stack_bytes": 300, "static_bytes": 200,
                    "heap_bytes": 0, "arena_head_bytes": 400, "arena_tail_bytes": 100}
    """))
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.mark.parametrize("keep_going", [False, True])
def test_validate_with_failed_pairs_exits_non_zero_unless_keep_going(capsys, tmp_path, monkeypatch, keep_going):
    _failing_measure_module(tmp_path, monkeypatch)
    models = tmp_path / "models"
    models.mkdir()
    for n in ("softmax_int8", "fully_connected_int8"):
        (models / f"{n}.tflite").write_bytes(opmodels.model(n))
    out = tmp_path / "out"
    rc, stdout, err = run_cli(capsys, "validate", str(models), "--platforms", "stm32f4", "--jobs", "0",
                              "--estimators", "simprof", "--measure", "hostile_measure:measure",
                              "--out", str(out), "--no-report", *(["--keep-going"] if keep_going else []))
    assert "report.html" not in stdout + err and not (out / "report.html").exists()
    results = json.loads((out / "results.json").read_text())
    assert sum(1 for p in results["pairs"] if p["run_errors"]) == 1
    if keep_going:
        assert rc == 0
    else:
        assert rc == 1 and "1 of 2 pairs failed" in [l for l in err.splitlines() if l.startswith("simprof: error")][0]


@pytest.mark.parametrize("content,why", [
    ({"version": 99, "summary": {}, "pairs": []}, "version 99"),
    ({"version": 1, "estimators": ["simprof"], "summary": {"simprof": {"pairs": "many"}}, "pairs": []}, "pairs"),
    ({"version": 1, "estimators": [], "summary": {}, "pairs": [{"model": 3}]}, "pairs[0].model"),
    ("[1, 2", "cannot read"),
])
def test_report_refuses_other_versions_and_garbage(capsys, tmp_path, content, why):
    p = tmp_path / "results.json"
    p.write_text(content if isinstance(content, str) else json.dumps(content))
    rc, _, err = run_cli(capsys, "report", str(p))
    assert rc == 2 and why in one_error_line(err)
    assert not (tmp_path / "report.html").exists()


def test_pytest_fixtures_take_an_explicit_platform(pytester):
    pytester.makepyfile(f"""
        def test_positional(simprof_estimate):
            e = simprof_estimate(r"{h.EXAMPLE}", "nrf52840")
            assert e.platform == "nrf52840"

        def test_keyword(simprof_estimate):
            assert simprof_estimate(r"{h.EXAMPLE}", platform="nrf51").platform == "nrf51"

        def test_default(simprof_estimate):
            assert simprof_estimate(r"{h.EXAMPLE}").platform == "stm32f4"

        def test_measure_passes_the_platform(simprof_measure, monkeypatch):
            from simprof import api
            seen = {{}}
            monkeypatch.setattr(api, "measure", lambda m, p, **o: seen.update(platform=p, **o) or seen)
            import simprof.pytest_plugin as plugin
            # the fixture was built before the patch; call the same wrapper on the patched function
            call = plugin._with_default_platform(api.measure, "stm32f4", emulator="qemu")
            assert call("app.elf", "nrf52840")["platform"] == "nrf52840"
            assert call("app.elf")["platform"] == "stm32f4"
    """)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=4)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -5, "soon"])
def test_api_timeout_must_be_positive_and_finite(value):
    from simprof import api
    from simprof.core.errors import UsageError
    with pytest.raises(UsageError, match="timeout_s"):
        api.measure(h.EXAMPLE, "stm32f4", timeout_s=value)


def test_validate_output_folder_that_is_a_file_is_refused_before_work(capsys, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "a.tflite").write_bytes(h.fc_model())
    out = tmp_path / "out"
    out.write_text("a file")
    rc, _, err = run_cli(capsys, "validate", str(models), "--platforms", "stm32f4", "--measure", "none",
                         "--jobs", "0", "--out", str(out))
    assert rc == 1 and "not a folder" in one_error_line(err) and out.read_text() == "a file"


def test_names_from_the_model_are_printed_as_text_not_markup(capsys, tmp_path):
    # a custom operator and a tensor named like rich markup closing tags made the table raise
    def edit(m):
        oc = m.operatorCodes[0]
        oc.builtinCode = oc.deprecatedBuiltinCode = 32          # CUSTOM
        oc.customCode = b"[/oops]"
        m.subgraphs[0].tensors[0].name = b"[/x]"
    p = tmp_path / "[bold]custom.tflite"
    p.write_bytes(h.edited(h.fc_model(), edit))
    rc, out, err = run_cli(capsys, "estimate", str(p), "--platform", "stm32f4")
    assert rc == 0 and "CUSTOM:[/oops]" in out and "[bold]custom.tflite" in out, err
