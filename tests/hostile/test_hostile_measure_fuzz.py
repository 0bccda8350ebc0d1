"""Byte-level fuzz of real models through `measure` under QEMU (simprof-rt on stm32f4): 100 seeded
mutants. Each one is run as it is on the firmware (no host check in between) to get simprof-rt's
own load verdict from its report, which must equal `simprof.model.checks` (status and message);
then measured through the API: a measurement or a SimprofError, never another exception, no hang,
and afterwards no QEMU and no temporary file left; and `simprof measure` itself on 20 mutants:
a table or one error line. ~20 s on 2 cores."""
from __future__ import annotations

import random
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from simprof import api
from simprof.flows.corpus import opmodels
from simprof.core.errors import DoesNotFitError, ModelFormatError, SimprofError, UnsupportedOperatorError
from simprof.model.checks import check_model
from simprof.platforms import load
from simprof.rt.image import image_for
from simprof.rt.protocol import pack_image
from simprof.rt.runner import run_bare

import _hostile as h

pytestmark = pytest.mark.qemu
MUTANTS = 100
PHASE_LOAD = 1
SEEDS = ("conv_2d_int8", "fully_connected_int8", "softmax_int8", "add_broadcast_int8", "max_pool_2d_float32")


def test_measure_of_mutants_agrees_with_simprof_rt_and_leaves_nothing(tmp_path, monkeypatch):
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    plat = load("stm32f4")
    img = image_for(plat)
    rng = random.Random(20261204)
    seeds = [opmodels.model(n) for n in SEEDS]
    mutants = [h.mutate(seeds[i % len(seeds)], rng) for i in range(MUTANTS)]

    def one(i: int):
        data = mutants[i]
        rep, _ = run_bare(img, [(img.model_start, pack_image(data))], timeout_s=10)
        rt = ("ok", "") if not (rep.phase == PHASE_LOAD and rep.status) else (rep.status_name, rep.message)
        path = tmp_path / f"mutant-{i}.tflite"
        path.write_bytes(data)
        try:
            m = api.measure_model(path, plat, reference=False, per_operator=False, timeout_s=20)
            outcome = ("measured", m.total_bytes)
        except (ModelFormatError, UnsupportedOperatorError) as exc:
            outcome = ("refused", exc.one_line())
        except SimprofError as exc:          # later phases: setup/inference errors, too little RAM
            outcome = ("failed", exc.one_line())
        return rt, outcome

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, range(MUTANTS)))
    differ = []
    for i, (rt, outcome) in enumerate(results):
        v = check_model(mutants[i])
        if (v.status, v.message) != rt:
            differ.append((i, (v.status, v.message), rt))
        # a model the checks refuse never reaches the emulator; one they accept is never refused as corrupt
        assert (outcome[0] == "refused") == (not v.ok) or (v.ok and "lacks the inputs" in outcome[1]), (i, outcome)
    assert not differ, f"{len(differ)} verdicts differ from simprof-rt's under QEMU: {differ[:3]}"
    kinds = {o[0] for _, o in results}
    assert {"measured", "refused"} <= kinds, kinds
    assert h.descendants_named(0, str(img.elf).encode()) == []
    assert h.temp_leftovers(private_tmp) == []


def test_absurd_input_shape_is_refused_before_anything_is_allocated(tmp_path):
    # 1 x 40000 x 40000 int8: 1.6 GB, within simprof-rt's 2 GiB tensor limit, far beyond any flash
    data = h.with_shape(h.fc_model(), 0, (1, 40000, 40000))
    assert check_model(data).ok
    path = tmp_path / "absurd.tflite"
    path.write_bytes(data)
    with pytest.raises(DoesNotFitError, match=r"its inputs need 1,600,001,200 B"):
        api.measure_model(path, "stm32f4", reference=False)


def test_measure_cli_on_mutants_ends_in_a_table_or_one_line(tmp_path, capsys):
    # the command itself (printing included) on 20 mutants, in-process: any exception fails here
    from simprof.cli import main

    rng = random.Random(7)
    seeds = [opmodels.model(n) for n in SEEDS]
    codes = []
    for i in range(20):
        path = tmp_path / f"m{i}.tflite"
        path.write_bytes(h.mutate(seeds[i % len(seeds)], rng))
        rc = main(["measure", str(path), "--platform", "stm32f4", "--no-reference", "--no-operators",
                   "--timeout", "20"])
        err = capsys.readouterr().err
        lines = [l for l in err.splitlines() if l.strip() and not l.startswith(("WARNING", "INFO"))]
        assert rc in (0, 1) and "Traceback" not in err, err
        assert rc == 0 or (len(lines) == 1 and lines[0].startswith("simprof: error: ")), err
        codes.append(rc)
    assert 0 in codes and 1 in codes
