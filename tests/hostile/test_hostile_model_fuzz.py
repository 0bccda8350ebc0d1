"""Byte-level fuzz of real models through the estimator, its static baselines and simprof-rt's
own load checks.

2,400 seeded mutants of the bundled keyword-spotting model, seven per-operator corpus models and
five single-op models of the int16/int64/fixed-point kernels (tests/unit/kernels/opcases_types.py):
every one gives an estimate or a SimprofError (never another exception), and the estimator's
verdict is simprof-rt's: `simprof.model.checks` answers what `srt_model_load` (the C runtime,
host build, `srt_check`) answers, status and message, on every mutant; a mutant the estimator
rejects beyond those checks is one simprof-rt's setup rejects too. ~15 s."""
from __future__ import annotations

import json
import random
import subprocess

import pytest

from simprof.core.errors import ModelFormatError, SimprofError, UnsupportedOperatorError
from simprof.estimator import estimate
from simprof.model.checks import check_model
from simprof.rt import host as rt_host

import _hostile as h

MUTANTS = 2400
STATUS = {0: "ok", 1: "model", 2: "unsupported"}


@pytest.fixture(scope="module")
def mutants():
    rng = random.Random(20261204)
    seeds = h.seed_models()
    return [h.mutate(seeds[i % len(seeds)], rng) for i in range(MUTANTS)] + seeds


def runtime_verdicts(models: list[bytes], folder) -> list[dict]:
    build = rt_host.build_host()
    paths = []
    for i, data in enumerate(models):
        p = folder / f"m{i}.tflite"
        p.write_bytes(data)
        paths.append(str(p))
    out = []
    for k in range(0, len(paths), 500):      # a few processes, not one per model
        r = subprocess.run([str(build.check_exe), *paths[k:k + 500]], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-2000:]
        out += [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(paths)
    return out


def test_check_model_gives_simprof_rt_verdict_on_every_mutant(mutants, tmp_path):
    rt = runtime_verdicts(mutants, tmp_path)
    differ = []
    for i, (data, r) in enumerate(zip(mutants, rt)):
        v = check_model(data)
        if (v.status, v.message if not v.ok else "") != (STATUS[r["status"]], r["message"] if r["status"] else ""):
            differ.append((i, v, r))
    assert not differ, f"{len(differ)} verdicts differ, e.g. {differ[:3]}"
    kinds = {STATUS[r["status"]] for r in rt}
    assert kinds >= {"ok", "model"}                         # both verdicts are exercised
    assert sum(r["status"] == 0 for r in rt) > MUTANTS // 10


def test_estimator_never_raises_anything_else_and_agrees_with_simprof_rt(mutants, tmp_path):
    accepted_by_load = []
    beyond_load = []
    for i, data in enumerate(mutants):
        v = check_model(data)
        try:
            estimate(data, platform="stm32f4")
        except (ModelFormatError, UnsupportedOperatorError):
            if v.ok:
                beyond_load.append(i)          # the estimator found more; the runtime must agree
            continue
        except SimprofError:
            continue
        # anything else propagates and fails the test with its traceback
        assert v.ok, f"mutant {i}: estimated although simprof-rt refuses it ({v.message})"
        accepted_by_load.append(i)
    assert len(accepted_by_load) > MUTANTS // 10
    if beyond_load:
        build = rt_host.build_host()
        for i in beyond_load:
            run = rt_host.run_host(mutants[i], invoke=False, build=build)
            assert run.status_name in ("model", "unsupported"), \
                f"mutant {i}: the estimator rejects it, simprof-rt sets it up ({run.status_name})"


def test_static_baselines_never_raise_anything_else(mutants):
    # `simprof estimate --baseline NAME` on every mutant the model checks accept (the others
    # never reach a baseline): a figure or a SimprofError
    from simprof.estimator.baselines import run_baseline
    from simprof.model.reader import read_model

    figures = 0
    for data in mutants:
        if not check_model(data).ok:
            continue
        graph = read_model(data)
        for name in ("unas", "mcunet", "tinyengine", "tensorscope"):
            try:
                run_baseline(name, graph, abi="arm-eabi", runtime="tflm", kernels="reference")
                figures += 1
            except SimprofError:
                pass
    assert figures > MUTANTS // 10
