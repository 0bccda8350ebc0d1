"""`simprof estimate` end to end through the CLI entry point; the JSON it writes is checked against
the tflite-micro wheel's print_allocations() (independent) and for the measurement's key names."""
from __future__ import annotations

import json

from simprof.model import oracle
from simprof.cli import main

import _estimator_models as own

KEYS = {"stack_bytes", "arena_head_bytes", "arena_tail_bytes", "arena_bytes", "arena_min_bytes", "heap_bytes",
        "static_bytes", "total_bytes", "operators", "tflm_arena_used_bytes", "peak_operator"}


def test_cli_json_matches_the_wheel(tmp_path, capsys):
    model = tmp_path / "cnn.tflite"
    data = own.cnn("int8")
    model.write_bytes(data)
    out = tmp_path / "e.json"
    assert main(["estimate", str(model), "--runtime", "tflm", "--abi", "lp64", "--json", str(out)]) == 0
    e = json.loads(out.read_text())
    assert KEYS <= set(e)
    r = oracle.allocations(data)
    assert (e["tflm_arena_used_bytes"], e["arena_head_bytes"], e["arena_tail_bytes"]) == (r.total, r.head, r.tail)
    assert e["stack_bytes"] is None and any("calibration" in u for u in e["unknowns"])
    assert "minimum arena" in capsys.readouterr().out


def test_cli_baseline_all_and_errors(tmp_path, capsys):
    model = tmp_path / "m.tflite"
    model.write_bytes(own.op_model("CONV_2D", "int8"))
    assert main(["estimate", str(model), "--baseline", "all"]) == 0
    text = capsys.readouterr().out
    for name in ("unas", "mcunet", "tinyengine", "tensorscope", "mcufit", "tflm", "simprof"):
        assert name in text
    assert main(["estimate", str(model), "--platform", "no-such-board"]) == 1
    assert main(["estimate", str(tmp_path / "missing.tflite")]) == 1
    assert main(["estimate", str(model), "--abi", "lp64", "--kernels", "cmsis-nn"]) == 2
