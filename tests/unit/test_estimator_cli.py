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


def test_cli_kernels_all_side_by_side(tmp_path, capsys):
    """--kernels all: both kernel sets' estimates in one JSON, each equal to its own run; the
    table shows the difference CMSIS-NN makes (an int8 3x3 conv plans an im2col buffer on M4)."""
    from simprof.flows.estimate import estimate_model as estimate

    model = tmp_path / "cnn.tflite"
    data = own.cnn("int8")
    model.write_bytes(data)
    out = tmp_path / "both.json"
    assert main(["estimate", str(model), "--platform", "stm32f4", "--kernels", "all", "--json", str(out)]) == 0
    both = json.loads(out.read_text())
    assert set(both) == {"reference", "cmsis-nn"}
    for k in both:
        e = estimate(data, "stm32f4", kernels=k)
        assert (both[k]["arena_min_bytes"], both[k]["arena_head_bytes"]) == (e.arena_min_bytes, e.arena_head_bytes)
    text = capsys.readouterr().out
    assert "reference vs CMSIS-NN" in text and "cmsis-nn - reference" in text
    assert main(["estimate", str(model), "--kernels", "all", "--baseline", "unas"]) == 2


def test_cli_measure_kernels_applies_to_models_only(tmp_path):
    elf = tmp_path / "app.elf"
    elf.write_bytes(b"\x7fELF" + b"\0" * 60)
    assert main(["measure", "--elf", str(elf), "--platform", "stm32f4", "--kernels", "cmsis-nn"]) == 2
    assert main(["calibrate", "--platform", "stm32f4", "--model", "x.tflite"]) == 2
    assert main(["calibrate", "--elf", str(elf), "--platform", "all"]) == 2


def test_estimate_needs_no_toolchain_and_builds_nothing(tmp_path):
    """A static estimate with an empty firmware cache and no Arm compiler anywhere: it works, gives
    the same figures as in process, and the cache stays empty (nothing was built or hashed)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from simprof.flows.estimate import estimate_model

    example = Path(__file__).resolve().parents[2] / "examples" / "kws_dscnn_int8.tflite"
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {"PATH": str(tmp_path / "empty-bin"), "SIMPROF_CACHE_DIR": str(cache), "SIMPROF_CC": str(tmp_path / "no-gcc"),
           "HOME": str(tmp_path)}
    out = tmp_path / "e.json"
    r = subprocess.run([sys.executable, "-m", "simprof", "estimate", str(example), "--platform", "stm32f4",
                        "--json", str(out)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert list(cache.iterdir()) == []
    got = json.loads(out.read_text())
    want = estimate_model(example, "stm32f4").to_json()
    assert {k: got[k] for k in ("total_bytes", "stack_bytes", "arena_min_bytes")} == \
        {k: want[k] for k in ("total_bytes", "stack_bytes", "arena_min_bytes")}
