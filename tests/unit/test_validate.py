"""simprof validate: estimate vs measurement through the local pool, inline, and a real dask
LocalCluster; cache resume; Ctrl-C cleanup; the report. The "measurement" here is the tflite-micro
wheel's print_allocations() (host mode), an independent number; QEMU is not needed. ~12 s."""
from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simprof.model import oracle
from simprof.cli import main
from simprof.flows.corpus import opmodels
from simprof.flows.corpus.generate import build_preset
from simprof.estimator.baselines import run_baseline
from simprof.model.reader import read_model
from simprof.flows.validate import PlatformBudget, ValidateOptions, fit_decision, validate
from simprof.flows.validate import adapters
from simprof.flows.validate.cache import ResultCache

MODELS = ["conv_2d_int8", "add_broadcast_int8", "softmax_float32", "streaming_int8", "mean_int8"]
BUDGETS = [PlatformBudget("big", 1 << 20, 1 << 21, 4096, 0), PlatformBudget("tiny", 3000, 1 << 21, 1024, 0)]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    for name in MODELS:
        (d / f"{name}.tflite").write_bytes(opmodels.model(name))
    (d / "kws.tflite").write_bytes(build_preset("kws_dscnn_int8"))
    return d


def _options(models_dir, out, **kw):
    est = {"simprof": adapters.simprof_estimate_host,
           "unas": functools.partial(adapters.baseline_estimate, "unas", abi="lp64")}
    return ValidateOptions(models_dir=models_dir, platforms=("big", "tiny"), estimators=est,
                           measure=adapters.host_measure, out=out, **kw)


def _numbers(results):
    return {(p["model"], p["platform"]): (p["status"], p["measurement"], {n: p["estimates"].get(n, {}).get("total_bytes")
                                                                          for n in results["estimators"]})
            for p in results["pairs"]}


@pytest.fixture(scope="module")
def pool_results(models_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("pool")
    return out, validate(_options(models_dir, out, jobs=2), budgets=BUDGETS)


def test_summary_matches_independent_numbers(pool_results, models_dir):
    out, results = pool_results
    errs = []
    for p in results["pairs"]:
        data = (models_dir / f"{p['model']}.tflite").read_bytes()
        wheel = oracle.allocations(data)  # independent: TFLM's own figures
        if p["status"] != "measured":
            assert p["platform"] == "tiny" and p["fit"]["ram_need_bytes"] > 3000
            continue
        assert p["measurement"]["total_bytes"] == wheel.head + wheel.tail
        unas = run_baseline("unas", read_model(data), abi="lp64", runtime="tflm", kernels="reference").bytes
        errs.append(abs(unas - (wheel.head + wheel.tail)) / (wheel.head + wheel.tail) * 100)
    s = results["summary"]["unas"]
    assert s["pairs"] == len(errs) > len(MODELS)
    assert s["mean_abs_error_pct"] == pytest.approx(sum(errs) / len(errs), abs=1e-3)
    assert s["max_abs_error_pct"] == pytest.approx(max(errs), abs=1e-3)
    assert {p["status"] for p in results["pairs"]} == {"measured", "does-not-fit"}
    for name in ("results.json", "results.csv", "report.html"):
        assert (out / name).stat().st_size > 0
    csv_rows = (out / "results.csv").read_text().splitlines()
    assert len(csv_rows) == 1 + len(results["pairs"]) * 2


def test_report_is_self_contained_and_rerenders(pool_results, tmp_path):
    out, results = pool_results
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    svgs = [s + "</svg>" for s in html.split("</svg>")[:-1]]
    assert len(svgs) >= 2
    for s in svgs:
        ET.fromstring(s[s.index("<svg"):])  # well-formed
    assert main(["report", str(out / "results.json"), "--out", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").read_text() == html


def test_dask_local_cluster_gives_the_same_results(models_dir, pool_results, tmp_path):
    import dask.distributed as distributed  # an install dependency (extra "dask"), never skipped
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = validate(_options(models_dir, tmp_path, scheduler=cluster.scheduler_address), budgets=BUDGETS)
    assert _numbers(results) == _numbers(pool_results[1])


CALLS = []


def counting_measure(model_path: str, platform: str) -> dict:
    CALLS.append((Path(model_path).name, platform))
    return adapters.host_measure(model_path, platform)


def test_cache_resumes_and_survives_a_damaged_entry(models_dir, tmp_path):
    opts = _options(models_dir, tmp_path, jobs=0)
    opts = ValidateOptions(**{**opts.__dict__, "measure": counting_measure})
    CALLS.clear()
    first = validate(opts, budgets=BUDGETS)
    measured = len(CALLS)
    assert measured == sum(p["status"] == "measured" for p in first["pairs"])
    CALLS.clear()
    second = validate(opts, budgets=BUDGETS)
    assert CALLS == [] and _numbers(second) == _numbers(first)
    cache = ResultCache(tmp_path / "cache")
    victim = next(iter((tmp_path / "cache").glob("*/*.json")))
    victim.write_text('{"key": "trunc')  # a torn entry is treated as missing and redone
    CALLS.clear()
    third = validate(opts, budgets=BUDGETS)
    assert len(CALLS) <= 1 and _numbers(third) == _numbers(first)
    assert len(cache) > 0


HELPER = textwrap.dedent('''
    import os, subprocess, sys, time
    from simprof.flows.validate import adapters

    def measure(model_path, platform):
        with open(os.environ["CALL_LOG"], "a") as fh:
            fh.write(os.path.basename(model_path) + "\\n")
        if os.environ.get("ALL_FAST") or "add_broadcast" in model_path:
            return adapters.host_measure(model_path, platform)
        # stands in for a QEMU run, started the sloppy way (no cleanup on our side)
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", os.environ["MARKER"]])
        time.sleep(120)
''')


def _marker_pids(marker: str) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "cmdline").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")
def test_ctrl_c_leaves_no_emulator_and_no_torn_cache(models_dir, tmp_path):
    (tmp_path / "slowhelper.py").write_text(HELPER)
    marker = f"simprof-test-marker-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "MARKER": marker, "CALL_LOG": str(tmp_path / "calls.log")}
    cmd = [sys.executable, "-m", "simprof", "validate", str(models_dir), "--platforms", "stm32f4",
           "--measure", "slowhelper:measure", "--estimators", "simprof", "--out", str(tmp_path / "out"), "--jobs", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_marker_pids(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_marker_pids(marker)) == 2, proc.stderr.read1().decode() if proc.poll() is not None else "no workers"
    cache = tmp_path / "out" / "cache"
    while len(list(cache.glob("*/*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the fast pair's estimate and measurement entries
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    time.sleep(0.2)
    assert _marker_pids(marker) == []
    assert not list(cache.glob("*/.*.tmp"))
    for entry in cache.glob("*/*.json"):
        json.loads(entry.read_text())
    before = (tmp_path / "calls.log").read_text().split()
    assert "add_broadcast_int8.tflite" in before  # the fast pair finished and was cached
    subprocess.run(cmd, env={**env, "ALL_FAST": "1"}, check=True, capture_output=True, timeout=120)
    after = (tmp_path / "calls.log").read_text().split()[len(before):]
    assert "add_broadcast_int8.tflite" not in after and len(after) == len(MODELS)  # resumed: only the rest ran
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {p["status"] for p in results["pairs"]} == {"measured"}


def test_fit_decision_by_construction():
    b = PlatformBudget("x", ram_bytes=1000, flash_bytes=200_000, stack_bytes=300, heap_bytes=100)
    assert fit_decision({"total_bytes": 1000}, 1000, b)["fits"] is True
    assert fit_decision({"total_bytes": 1001}, 1000, b)["fits"] is False
    assert fit_decision({"total_bytes": None, "arena_min_bytes": 600}, 1000, b)["ram_need_bytes"] == 1000
    assert fit_decision({"total_bytes": 10}, 200_000 - 64 * 1024 + 1, b)["fits"] is False  # flash
    assert fit_decision(None, 1000, b)["fits"] is None


def test_cli_on_a_generated_corpus_estimates_only(tmp_path):
    from simprof.flows.corpus.generate import GenerateOptions, generate
    manifest = generate(GenerateOptions(tmp_path / "corpus", count=3, seed=2, families=("tiny", "dscnn")))
    rc = main(["validate", str(tmp_path / "corpus"), "--platforms", "nrf51,stm32f4", "--measure", "none",
               "--estimators", "simprof,unas", "--jobs", "0", "--out", str(tmp_path / "out")])
    assert rc == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [p["family"] for p in results["pairs"][::2]] == [m["family"] for m in manifest["models"]]
    for p in results["pairs"]:  # the manifest's fit and validate's fit use the same rule
        m = next(m for m in manifest["models"] if m["name"] == p["model"])
        assert p["fit"]["fits"] == m["platforms"][p["platform"]]
        assert p["status"] == ("estimated" if p["fit"]["fits"] else "does-not-fit")
    assert main(["validate", str(tmp_path / "corpus"), "--platforms", "nope", "--measure", "none",
                 "--out", str(tmp_path / "o2")]) == 1
