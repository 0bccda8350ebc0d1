"""Fuzzing simprof-rt's host build (ASan + UBSan, aborting on the first error): >= 10,000 mutated
models (bit flips, truncations, corrupted 32-bit words, shifted offsets, corrupted vector lengths,
random bytes) derived from every corpus model and our own control-flow models. Every run must end
in a clean status (ok or an error code with a message); a crash, sanitizer report or hang (> 10 s
per model, SIGALRM) fails the test and leaves the model in the temp dir. Runtime: ~20-40 s."""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from simprof.flows.corpus import opmodels
from simprof.rt import host as rt_host

import _rt_models as own

ITERATIONS = 10_240
SHARDS = 4


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz-seeds")
    models = {n: opmodels.model(n) for n in opmodels.names()}
    models["ctl_int8_2var"] = own.control_model("int8", 2)
    models["ctl_float32_1var"] = own.control_model("float32", 1)
    models["offline_plan"] = own.offline_plan_model()
    models["fc_per_channel"] = own.fc_model(5)
    paths = []
    for name, data in sorted(models.items()):
        p = d / f"{name}.tflite"
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_ten_thousand_mutated_models_end_cleanly(seeds, tmp_path):
    build = rt_host.build_host()
    shards = [seeds[i::SHARDS] for i in range(SHARDS)]
    assert all(len(s) <= 64 for s in shards)

    def run(i: int):
        crash = tmp_path / f"crash-{i}.tflite"
        cmd = [str(build.fuzz_exe), "--iterations", str(ITERATIONS // SHARDS), "--seed", str(1000 + i),
               "--crash", str(crash), *map(str, shards[i])]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600), crash

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(SHARDS)))
    totals: dict[str, int] = {}
    for r, crash in results:
        assert r.returncode == 0, f"fuzz run failed (model saved to {crash}): {r.stderr[-3000:]}"
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        for k, v in summary.items():
            if isinstance(v, int):
                totals[k] = totals.get(k, 0) + v
    assert totals["iterations"] >= 10_000
    clean = sum(totals[k] for k in ("ok", "model", "unsupported", "arena", "input", "internal"))
    assert clean == totals["iterations"]
    # the mutations reach every stage: valid runs, and rejected models
    assert totals["ok"] > 100 and totals["model"] > 1000
