"""`simprof calibrate` end to end on stm32f4 (~40 s on 2 cores): calibrate into a tmp dir from
real QEMU measurements of the op-models, then estimate generated models (not calibration models)
with that file and compare with the painted measurement of the same image: whole-run stack, static
RAM and every operator's stack, exactly. (An operator's figure is the max over the op-model
variants of its kernel path; if a kernel ever had variants of different depth, the per-operator
check would show which: the whole-run figure is set by setup on these models.)"""
from __future__ import annotations

import json

import pytest

from simprof.flows.corpus import opmodels
from simprof.flows.corpus.generate import GenerateOptions, generate as generate_corpus
from simprof.core.errors import DoesNotFitError
from simprof.estimator import estimate
from simprof.flows.calibrate import generate
from simprof.estimator.stack import kernel_key
from simprof.model.reader import read_model
from simprof.platforms import load
from simprof.rt.image import firmware_for
from simprof.rt.sources import source_stamp
from simprof.rt.runner import measure_model

pytestmark = pytest.mark.qemu
PLATFORM = "stm32f4"


def _keys(data: bytes) -> set:
    g = read_model(data)
    return {kernel_key(sg, op) for sg in g.subgraphs for op in sg.operators}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    generate_corpus(GenerateOptions(d, count=4, seed=11, families=("tiny", "unas_chain")))
    return sorted(d.glob("*.tflite"))


@pytest.fixture(scope="module")
def calibration(tmp_path_factory, corpus):
    need = set().union(*(_keys(p.read_bytes()) for p in corpus))
    # every op-model of a kernel path the generated models use (a few seconds each on QEMU)
    names = [n for n in opmodels.names() if _keys(opmodels.model(n)) & need]
    out = tmp_path_factory.mktemp("cal")
    path = generate(PLATFORM, out_dir=out, models=names, allow_dirty=True, command="test")
    return out, json.loads(path.read_text())


def test_calibration_records_the_image_and_the_figures(calibration):
    _, data = calibration
    fw = firmware_for(load(PLATFORM))
    assert data["measured"]["firmware_hash"] == fw.hash == data["provenance"]["firmware_hash"]
    assert data["measured"]["source_stamp"] == source_stamp() == data["provenance"]["source_stamp"]
    assert data["measured"]["unexplained_whole_run"] == {}


def test_estimate_with_the_calibration_equals_the_painted_run(calibration, corpus):
    out, data = calibration
    measured = 0
    for path in corpus:
        try:
            m = measure_model(path, PLATFORM, reference=False, per_operator=True)
        except DoesNotFitError:
            continue
        measured += 1
        e = estimate(path, platform=PLATFORM, runtime="simprof-rt", calibration_dir=out, image_stamp=source_stamp())
        assert not e.notes, (path.name, e.notes)
        assert (e.stack_bytes, e.static_bytes) == (m.stack_bytes, m.static_bytes), path.name
        top = [o for o in e.operators if o.subgraph == 0]
        for o in m.operators:
            assert top[o.index].stack_bytes == o.stack_bytes, (path.name, o.index, top[o.index].opcode)
    assert measured >= 3
