"""simprof validate end to end with real QEMU measurements (simprof-rt on stm32f4 and nrf51).

A slice of the accuracy benchmark (docs/accuracy.md): ~20 generated models x 2 platforms, measured
under QEMU (painted stack/static/heap + the minimum arena found by runs of the firmware), compared
with simprof's estimate under the same bounds as the full run. The minimum arena of two pairs is
re-derived by the runtime's own bisection (`simprof.rt.runner.find_min_arena` galloping up from 16 B, no estimate involved);
the dask path runs a few pairs on a real LocalCluster; Ctrl-C during a run leaves no QEMU and no torn
cache entry, and the rerun measures only what is missing. ~1.5-2.5 min on 2 cores.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simprof.flows.corpus.generate import GenerateOptions, generate
from simprof.platforms import load
from simprof.flows.validate import ValidateOptions, adapters, validate

pytestmark = pytest.mark.qemu

PLATFORMS = ("stm32f4", "nrf51")
MEAN_PCT, MAX_PCT = 0.3, 1.0          # the acceptance bounds of the full run (docs/accuracy.md)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """12 tiny models (they fit nrf51's 16 KiB) and 8 of the other families, in one folder."""
    root = tmp_path_factory.mktemp("corpus")
    generate(GenerateOptions(root / "tiny", count=12, seed=11, families=("tiny",)))
    generate(GenerateOptions(root / "mixed", count=8, seed=12,
                             families=("dscnn", "autoencoder", "unas_chain", "branches", "planner_stress")))
    folder = root / "all"
    folder.mkdir()
    for f in [*(root / "tiny").glob("*.tflite"), *(root / "mixed").glob("*.tflite")]:
        shutil.copy(f, folder / f"{f.parent.name}-{f.name}")
    return folder


@pytest.fixture(scope="module")
def qemu_setup():
    return adapters.qemu_measure_for(PLATFORMS)


def _options(corpus: Path, out: Path, qemu_setup, **kw) -> ValidateOptions:
    measure, measure_ops, hashes = qemu_setup
    return ValidateOptions(models_dir=corpus, platforms=PLATFORMS, estimators=adapters.default_estimators("qemu"),
                           measure=measure, measure_operators=measure_ops, out=out, firmware_hashes=hashes,
                           verify_no_fit=True, **kw)


@pytest.fixture(scope="module")
def run(corpus, qemu_setup, tmp_path_factory):
    out = tmp_path_factory.mktemp("validate")
    return out, validate(_options(corpus, out, qemu_setup, jobs=2))


def test_slice_meets_the_accuracy_bounds(run):
    out, results = run
    pairs = results["pairs"]
    assert [p for p in pairs if p["status"] == "error"] == []
    measured = [p for p in pairs if p["status"] == "measured"]
    assert len(measured) >= 25 and {p["platform"] for p in measured} == set(PLATFORMS)
    s = results["summary"]["simprof"]
    assert s["pairs"] == len(measured)
    assert s["components"]["arena"]["max_abs_error_bytes"] == 0          # minimum arena exact
    assert s["mean_abs_error_pct"] <= MEAN_PCT and s["max_abs_error_pct"] <= MAX_PCT, \
        {k: (v["mean_abs_error_bytes"], v["max_abs_error_bytes"]) for k, v in s["components"].items()}
    for name in adapters.baseline_names():     # every baseline is in the same table
        assert results["summary"][name]["pairs"] == len(measured)
    for p in measured:                        # the measured total is the sum of its parts
        m = p["measurement"]
        assert m["total_bytes"] == m["static_bytes"] + m["stack_bytes"] + m["arena_min_bytes"] + m["heap_bytes"]
        assert m["arena_min_check"]["runs"] >= 2
    assert sum(p["measurement"]["arena_min_check"]["method"] == "two-run" for p in measured) == len(measured)
    for p in pairs:   # every rejection was checked: a run with the image's whole arena failed, or the
        # image's own flash (read from its ELF) cannot hold the model: simprof-rt's code on a part can
        # exceed the fit rule's firmware reserve (on nrf51, with every kernel, it does)
        if p["status"] == "does-not-fit" and p["fit"]["flash_need_bytes"] <= p["fit"]["flash_bytes"]:
            reason = p["fit"].get("reason", "")
            assert "a run with all of it fails" in reason or "left after simprof-rt's code" in reason, \
                (p["model"], p["platform"], p["fit"])
    timelines = [p for p in pairs if p.get("operator_measurement")]
    assert len(timelines) == 3 and all(p["operator_measurement"]["operators"] for p in timelines)
    html = (out / "report.html").read_text()
    assert html.count("RAM per operator</title>") == 3


def test_min_arena_agrees_with_the_runtimes_own_bisection(run, corpus):
    from simprof.rt.image import image_for
    from simprof.rt.runner import default_inputs, find_min_arena, input_bytes
    _, results = run
    measured = [p for p in results["pairs"] if p["status"] == "measured"]
    for platform in PLATFORMS:
        p = max((p for p in measured if p["platform"] == platform), key=lambda p: p["measurement"]["arena_min_bytes"])
        data = (corpus / f"{p['model']}.tflite").read_bytes()
        # a search with no hint (galloping up from 16 B) must land on the same size
        blind = find_min_arena(image_for(load(platform)), data, input_bytes(default_inputs(data)), 16)
        assert blind.method == "search" and blind.arena_min_bytes == p["measurement"]["arena_min_bytes"]


def test_dask_local_cluster_measures_the_same(run, corpus, qemu_setup, tmp_path):
    import dask.distributed as distributed  # an install dependency (extra "dask"), never skipped
    few = tmp_path / "few"
    few.mkdir()
    names = sorted(corpus.glob("tiny-*.tflite"))[:2]
    for f in names:
        shutil.copy(f, few / f.name)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        got = validate(_options(few, tmp_path / "out", qemu_setup, scheduler=c.scheduler_address, report=False))
    want = {(p["model"], p["platform"]): p for p in run[1]["pairs"]}
    assert sum(p["status"] == "measured" for p in got["pairs"]) == 4
    for p in got["pairs"]:
        ref = want[(p["model"], p["platform"])]
        for key in ("total_bytes", "arena_min_bytes", "stack_bytes", "static_bytes", "arena_head_bytes",
                    "arena_tail_bytes"):
            assert p["measurement"][key] == ref["measurement"][key], (p["model"], p["platform"], key)


def _qemu_pids(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"qemu-system-arm" in cmd and marker.encode() in cmd:
                found.append(int(entry.name))
    return found


def _measurement_entries(cache: Path) -> dict[str, float]:
    out = {}
    for f in cache.glob("*/*.json"):
        if "arena_min_check" in json.loads(f.read_text())["value"]:
            out[f.name] = f.stat().st_mtime_ns
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find QEMU processes")
def test_ctrl_c_leaves_no_qemu_and_the_rerun_continues(corpus, qemu_setup, tmp_path):
    # A private copy of the firmware build: every QEMU of this run has the copy's path on its
    # command line, so other QEMUs on the machine are never mistaken for ours.
    fw_cache = tmp_path / "fw"
    src = Path(qemu_setup[0].keywords["firmwares"]["stm32f4"].elf).parent
    shutil.copytree(src, fw_cache / src.name)
    env = {**os.environ, "SIMPROF_CACHE_DIR": str(fw_cache)}
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "simprof", "validate", str(corpus), "--platforms", "stm32f4", "--measure", "qemu",
           "--estimators", "simprof", "--jobs", "2", "--out", str(out), "--no-report"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    marker = str(fw_cache)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:   # some pairs done, a QEMU running
        if len(_measurement_entries(out / "cache")) >= 3 and _qemu_pids(marker):
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()[-2000:]
    time.sleep(0.3)
    assert _qemu_pids(marker) == []
    assert not list((out / "cache").glob("*/.*.tmp"))
    before = _measurement_entries(out / "cache")        # every entry parses (a torn one would raise)
    n_models = len(list(corpus.glob("*.tflite")))
    assert 3 <= len(before) < n_models

    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    after = _measurement_entries(out / "cache")
    assert {k: after[k] for k in before} == before      # kept, not redone
    results = json.loads((out / "results.json").read_text())
    measured = [p for p in results["pairs"] if p["status"] == "measured"]
    assert len(after) == len(measured) and all(p["status"] != "error" for p in results["pairs"])
    assert _qemu_pids(marker) == []


STUCK_WORKER = '''
import os, signal, time
from pathlib import Path
from simprof.platforms import load
from simprof.sim.qemu import QemuSession

def measure(model_path, platform):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)     # a worker that cannot unwind on SIGTERM
    s = QemuSession(load(platform), Path(os.environ["ELF_COPY"]), timeout_s=10.0)
    s.start()                                          # a real QEMU, left running
    Path(os.environ["STARTED"]).touch()
    time.sleep(600)
'''


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find QEMU processes")
def test_ctrl_c_kills_the_qemu_of_a_worker_that_had_to_be_killed(corpus, qemu_setup, tmp_path):
    elf = tmp_path / "stuck-firmware.elf"      # unique path: only this test's QEMUs carry it
    shutil.copy(qemu_setup[0].keywords["firmwares"]["stm32f4"].elf, elf)
    (tmp_path / "stuckworker.py").write_text(STUCK_WORKER)
    started = tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "ELF_COPY": str(elf), "STARTED": str(started)}
    cmd = [sys.executable, "-m", "simprof", "validate", str(corpus), "--platforms", "stm32f4", "--measure",
           "stuckworker:measure", "--estimators", "simprof", "--jobs", "2", "--out", str(tmp_path / "out")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_qemu_pids(str(elf))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert len(_qemu_pids(str(elf))) == 2, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else ""
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()[-2000:]
    time.sleep(1.0)   # a QEMU orphaned by a worker that died after the parent would show up by now
    assert _qemu_pids(str(elf)) == []


def test_a_worker_without_the_image_rebuilds_it_and_refuses_another_build(qemu_setup):
    """What a dask worker on another machine does: no file at the parent's path -> build here, and
    measure only if the build hash is the parent's."""
    from simprof.core.errors import FirmwareError
    from simprof.rt.image import FirmwareRef, image_from_ref
    ref = qemu_setup[0].keywords["firmwares"]["nrf51"]
    loaded = image_from_ref(FirmwareRef("nrf51", ref.kernels, "/nonexistent/simprof-rt/firmware.elf", ref.hash))
    assert str(loaded.elf) == ref.elf and loaded.arena_capacity > 0
    with pytest.raises(FirmwareError, match="differs"):
        image_from_ref(FirmwareRef("nrf51", ref.kernels, "/nonexistent/simprof-rt/firmware.elf", "0" * 64))
