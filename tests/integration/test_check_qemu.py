"""`simprof measure --budget` and `simprof check` with `measure: true`, on real QEMU with the
simprof-rt firmware. The expected figures are the painted ones `simprof measure --json` reports
(the emulator's memory), read before the gate under test uses them."""
from __future__ import annotations

import json

import pytest

from simprof.cli import main
from simprof.flows.corpus import opmodels

pytestmark = pytest.mark.qemu


def test_measure_budget_gate_and_check_with_measure(tmp_path, capsys):
    model = tmp_path / "fc.tflite"
    model.write_bytes(opmodels.model("fully_connected_int8"))
    painted = tmp_path / "m.json"
    # Over budget: exit 3, and the measurement is still written.
    assert main(["measure", str(model), "--platform", "stm32f4", "--min-arena", "--json", str(painted),
                 "--budget", "1KiB"]) == 3
    m = json.loads(painted.read_text())
    assert m["total_bytes"] > 1024
    assert f"over budget: measured total RAM {m['total_bytes']:,} B > 1,024 B allowed" in capsys.readouterr().err
    assert main(["measure", str(model), "--platform", "stm32f4", "--min-arena", "--budget", str(m["total_bytes"])]) == 0
    assert f"within budget: measured total RAM {m['total_bytes']:,} B" in capsys.readouterr().out

    # check with measure: true: the measured arena (bisected) is held against the budget too.
    arena = m["arena_min_bytes"]
    (tmp_path / "simprof.yaml").write_text(
        "entries:\n  - models: fc.tflite\n    platforms: stm32f4\n"
        f"    budget: {{arena: {arena - 1}}}\n    measure: true\n")
    base = tmp_path / "base.json"
    assert main(["check", str(tmp_path / "simprof.yaml"), "--write-baseline", str(base)]) == 3
    out = capsys.readouterr().out
    assert f"measured arena {arena:,} B > {arena - 1:,} B allowed (budget arena {arena - 1:,} B)" in out
    measured = json.loads(base.read_text())["cases"][0]["measurement"]
    assert measured["arena"] == arena and measured["stack"] == m["stack_bytes"]
    assert measured["total"] == m["static_bytes"] + arena + m["stack_bytes"] + m["heap_bytes"]
    assert [op["stack"] for op in measured["operators"]] == [op["stack_bytes"] for op in m["operators"]]


def test_bundled_example_budgets_pass(tmp_path):
    """examples/simprof.yaml, the file docs/ci.md starts from, passes as shipped (one entry measured)."""
    from pathlib import Path
    import xml.etree.ElementTree as ET

    root = Path(__file__).resolve().parents[2]
    junit = tmp_path / "check.xml"
    base = tmp_path / "base.json"
    assert main(["check", str(root / "examples" / "simprof.yaml"), "--junit", str(junit),
                 "--write-baseline", str(base)]) == 0
    assert len(ET.parse(junit).findall(".//testcase")) == 5
    rows = json.loads(base.read_text())["cases"]
    assert sum("measurement" in r for r in rows) == 1
