"""Public models as a user brings them (examples/public, provenance in PROVENANCE.json): the files are
the ones the wheel shipped (sha256), the lp64 estimate equals the tflite-micro wheel's own TFLM
(print_allocations() head, tail and categories; bisected minimum arena), and simprof-rt's host build
sets up with the same arena and computes the same output bytes. Models a wheel ships that fit no
platform are listed under left_out with the reason, not kept. ~15 s."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import tflite_micro

from simprof.model import oracle
from simprof.estimator import estimate
from simprof.rt import host as rt_host

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import e2e  # noqa: E402

PUBLIC = Path(__file__).resolve().parents[2] / "examples" / "public"
PROV = json.loads((PUBLIC / "PROVENANCE.json").read_text())
WHEELS = Path(tflite_micro.__file__).resolve().parents[1]  # site-packages: paths in a wheel start here
MODELS = ([dict(m, path=PUBLIC / m["file"]) for src in PROV["sources"] for m in src["models"]]
          + [dict(m, path=WHEELS / m["path_in_wheel"]) for src in PROV["from_installed_wheels"] for m in src["models"]])
IDS = [m["file"] for m in MODELS]


@pytest.fixture(scope="module")
def host():
    return rt_host.build_host()


def test_every_tflite_in_the_folder_has_provenance():
    assert sorted(p.name for p in PUBLIC.glob("*.tflite")) == sorted(
        m["file"] for src in PROV["sources"] for m in src["models"])
    for src in PROV["from_installed_wheels"]:
        assert src["not_kept"] and tflite_micro.__version__.startswith(src["version"])
        assert not any((PUBLIC / m["file"]).exists() for m in src["models"])
    for src in PROV["sources"]:
        for key in ("package", "version", "licence", "wheel_sha256"):
            assert src[key], key
        for m in src.get("left_out", []):
            assert m["reason"] and m["sha256"] and not (PUBLIC / m["file"]).exists(), m["file"]


@pytest.mark.parametrize("m", MODELS, ids=IDS)
def test_file_is_the_one_the_wheel_shipped(m):
    assert hashlib.sha256(m["path"].read_bytes()).hexdigest() == m["sha256"]


@pytest.mark.parametrize("m", MODELS, ids=IDS)
def test_lp64_estimate_equals_the_wheel(m):
    mb = m["path"].read_bytes()
    rep = oracle.allocations(mb)
    e = estimate(mb, runtime="tflm", abi="lp64")
    assert (e.arena_head_bytes, e.arena_tail_bytes) == (rep.head, rep.tail)
    assert e.tail_categories == {c.name: {"used": c.used, "requested": c.requested, "count": c.count}
                                 for c in rep.categories}
    assert e.arena_min_bytes == oracle.min_arena(mb)


@pytest.mark.parametrize("m", MODELS, ids=IDS)
def test_simprof_rt_host_equals_the_wheel(host, m):
    mb = m["path"].read_bytes()
    rep = oracle.allocations(mb)
    setup = rt_host.run_host(mb, arena_size=1 << 20, invoke=False, build=host)
    assert setup.ok, setup.message
    assert (setup.head, setup.tail) == (rep.head, rep.tail)
    inputs = e2e.model_inputs(m["file"], mb)
    expected = oracle.reference_outputs(mb, inputs)
    run = rt_host.run_host(mb, arena_size=1 << 20, build=host,
                           inputs=b"".join(np.ascontiguousarray(a).tobytes() for a in inputs))
    assert run.ok, run.message
    assert e2e.same_bytes(expected, run.outputs) is None
