"""simprof validate, the parts that need no emulator: the minimum-arena search against a fake
firmware whose true minimum is known by construction, the error arithmetic per component, and the
fit decision a measurement can hand back (does-not-fit before running, cached). < 1 s."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest

from simprof.core.errors import DoesNotFitError, FirmwareError
from simprof.flows.validate import PlatformBudget, ValidateOptions, validate
from simprof.flows.validate import measure as qemu_measure
from simprof.rt import runner
from simprof.rt.image import FirmwareImage
from simprof.rt.protocol import status_value
from simprof.flows.validate.results import component_errors, summarize
from simprof.flows.validate.tasks import accepts_estimate


@dataclass
class FakeReport:
    status: int
    status_name: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0


class FakeFirmware:
    """Setup succeeds iff the arena is at least `need` bytes; counts the runs."""

    def __init__(self, need: int, capacity: int = 100_000, other_error_at: int | None = None):
        self.need, self.sizes, self.other = need, [], other_error_at
        self.fw = FirmwareImage(platform=type("P", (), {"id": "fake"})(), kernels="reference", elf=Path("x"),
                                hash="0", info=None, model_start=0, model_capacity=1 << 20, input_start=0,
                                input_capacity=0, arena_start=0, arena_capacity=capacity, stop=0, report=0)

    def run(self, fw, writes, timeout_s=0, emulator="qemu", read_outputs=False):
        image = writes[0][1]
        size = int.from_bytes(image[20:24], "little")     # pack_image: arena_size at offset 20
        self.sizes.append(size)
        if self.other is not None and size == self.other:
            return FakeReport(5, "internal", "boom"), ()
        return FakeReport(0 if size >= self.need else status_value("arena")), ()


@pytest.fixture
def fake(monkeypatch):
    def make(need, **kw):
        f = FakeFirmware(need, **kw)
        monkeypatch.setattr(runner, "run_bare", f.run)
        return f
    return make


def test_min_arena_right_hint_costs_two_grid_runs_then_the_bytes_below(fake):
    f = fake(4096)
    check = runner.find_min_arena(f.fw, b"model", b"", 4096)
    # the grid minimum in two runs, then every size between the failing and the working one
    assert (check.arena_min_bytes, check.runs, check.method) == (4096, 2 + 15, "two-run")
    assert f.sizes == [4096, 4080] + list(range(4081, 4096))


def test_min_arena_to_the_byte(fake):
    f = fake(4090)                      # an arena 6 B short of the grid still works
    check = runner.find_min_arena(f.fw, b"model", b"", 4090)
    assert (check.arena_min_bytes, check.runs) == (4090, 2 + 10)
    assert f.sizes == [4096, 4080] + list(range(4081, 4091))


@pytest.mark.parametrize("need,hint", [(4096, 4000), (4096, 2048), (4096, 4112), (4096, 9000), (16, 4096),
                                       (99_984, 50_000), (5008, 5008 + 16 * 37)])
def test_min_arena_wrong_hint_finds_the_true_minimum(fake, need, hint):
    f = fake(need)
    check = runner.find_min_arena(f.fw, b"model", b"", hint)
    assert check.arena_min_bytes == need and check.method == "search"
    # gallop + bisect on the grid, then the 15 sizes below it
    assert check.runs == len(f.sizes) <= 2 * (abs(need - hint) // 16).bit_length() + 4 + 15


def test_min_arena_floor_is_never_run(fake):
    f = fake(4096)
    check = runner.find_min_arena(f.fw, b"model", b"", 8192, floor=4000)
    assert check.arena_min_bytes == 4096 and min(f.sizes) > 4000


def test_min_arena_errors(fake):
    f = fake(200_000, capacity=100_000)
    with pytest.raises(DoesNotFitError):
        runner.find_min_arena(f.fw, b"model", b"", 90_000)
    f = fake(4096, other_error_at=4080)
    with pytest.raises(FirmwareError, match="internal"):
        runner.find_min_arena(f.fw, b"model", b"", 4096)


def test_component_errors_use_the_minimum_arena_and_the_painted_head():
    est = {"total_bytes": 1100, "arena_bytes": 700, "arena_min_bytes": 800, "arena_head_bytes": 400,
           "arena_head_painted_bytes": 450, "arena_tail_bytes": 300, "stack_bytes": 100, "static_bytes": 200,
           "heap_bytes": 0}
    meas = {"total_bytes": 1000, "arena_bytes": 750, "arena_min_bytes": 800, "arena_head_bytes": 450,
            "arena_tail_bytes": 300, "stack_bytes": 0, "static_bytes": 200, "heap_bytes": 0}
    e = component_errors(est, meas)
    assert e["total"] == {"estimated": 1100, "measured": 1000, "error_bytes": 100, "error_pct": 10.0}
    assert e["arena"]["error_bytes"] == 0 and e["arena_head"]["error_bytes"] == 0
    assert e["stack"] == {"estimated": 100, "measured": 0, "error_bytes": 100, "error_pct": None}
    assert e["heap"]["error_pct"] == 0.0
    # without a verified minimum (host mode) the arena is head + tail on both sides
    host = component_errors(est, {k: v for k, v in meas.items() if k != "arena_min_bytes"})
    assert host["arena"]["estimated"] == 700 and host["arena_head"]["estimated"] == 400
    # a baseline with a single figure is compared by it
    assert component_errors({"total_bytes": 900, "arena_bytes": 900}, meas)["arena"]["estimated"] == 900
    s = summarize([{"errors": {"x": e}}], ["x"])["x"]
    assert s["pairs"] == 1 and s["components"]["stack"]["pairs"] == 0
    assert s["components"]["stack"]["compared"] == 1 and s["components"]["stack"]["max_abs_error_bytes"] == 100


def two_args(model_path, platform):
    return {}


def with_estimate(model_path, platform, estimate=None):
    return {}


def test_accepts_estimate():
    assert not accepts_estimate(two_args)
    assert accepts_estimate(with_estimate)
    assert accepts_estimate(functools.partial(qemu_measure.measure, firmwares={}))


CALLS: list[str] = []


def firmware_too_small(model_path, platform, estimate=None):
    CALLS.append(model_path)
    if estimate["arena_min_bytes"] > 1000:
        raise DoesNotFitError("too big for the image", before_run=True)
    return {"total_bytes": 10, "arena_bytes": 5, "stack_bytes": 5, "static_bytes": 0, "heap_bytes": 0}


def fake_estimate(model_path, platform):
    n = int(Path(model_path).stem.split("_")[1])
    return {"total_bytes": n, "arena_min_bytes": n, "arena_bytes": n}


def test_measurement_can_decline_a_pair_and_that_is_cached(tmp_path):
    models = tmp_path / "m"
    models.mkdir()
    for n in (500, 5000):
        (models / f"m_{n}.tflite").write_bytes(b"\0\0\0\0TFL3" + bytes(n % 7))
    opts = ValidateOptions(models, ("p",), {"simprof": fake_estimate}, firmware_too_small, tmp_path / "out", jobs=0,
                           report=False)
    budget = [PlatformBudget("p", 1 << 20, 1 << 22, 0, 0)]
    CALLS.clear()
    first = validate(opts, budgets=budget)
    by = {p["model"]: p for p in first["pairs"]}
    assert by["m_500"]["status"] == "measured"
    assert by["m_5000"]["status"] == "does-not-fit" and by["m_5000"]["fit"]["reason"] == "too big for the image"
    assert by["m_5000"]["run_errors"] == {} and len(CALLS) == 2
    CALLS.clear()
    again = validate(opts, budgets=budget)
    assert CALLS == [] and [p["status"] for p in again["pairs"]] == [p["status"] for p in first["pairs"]]


def test_merged_painted_blocks_are_not_compared_as_head_and_tail():
    est = {"total_bytes": 100, "arena_min_bytes": 96, "arena_head_painted_bytes": 40, "arena_tail_bytes": 50}
    meas = {"total_bytes": 100, "arena_min_bytes": 96, "arena_head_bytes": 112, "arena_tail_bytes": 0,
            "arena_size": 112, "arena_blocks_merged": True}
    e = component_errors(est, meas)
    assert "arena_head" not in e and "arena_tail" not in e and e["arena"]["error_bytes"] == 0


def runs_anything(model_path, platform, estimate=None):
    CALLS.append(model_path)
    return {"total_bytes": 10, "arena_bytes": 5, "stack_bytes": 5, "static_bytes": 0, "heap_bytes": 0}


def test_verify_no_fit_hands_rejected_pairs_to_the_measurement(tmp_path):
    models = tmp_path / "m"
    models.mkdir()
    for n in (500, 5000):
        (models / f"m_{n}.tflite").write_bytes(b"\0\0\0\0TFL3" + bytes(n % 7))
    budget = [PlatformBudget("p", 2000, 1 << 22, 0, 0)]            # the estimate rejects m_5000 (RAM)
    for measure, status in ((runs_anything, "measured"), (firmware_too_small, "does-not-fit")):
        opts = ValidateOptions(models, ("p",), {"simprof": fake_estimate}, measure, tmp_path / measure.__name__,
                               jobs=0, report=False, verify_no_fit=True)
        CALLS.clear()
        by = {p["model"]: p for p in validate(opts, budgets=budget)["pairs"]}
        assert len(CALLS) == 2 and by["m_5000"]["status"] == status
        assert ("note" in by["m_5000"]["fit"]) == (status == "measured")
        again = {p["model"]: p for p in validate(opts, budgets=budget)["pairs"]}   # cached, same decision
        assert again["m_5000"]["status"] == status
    opts = ValidateOptions(models, ("p",), {"simprof": fake_estimate}, runs_anything, tmp_path / "off", jobs=0,
                           report=False)
    CALLS.clear()
    assert [p["status"] for p in validate(opts, budgets=budget)["pairs"]] == ["measured", "does-not-fit"]
    assert len(CALLS) == 1


def test_estimates_made_while_the_inputs_changed_are_not_cached(tmp_path, monkeypatch):
    from simprof.flows.validate import tasks
    models = tmp_path / "m"
    models.mkdir()
    (models / "m_500.tflite").write_bytes(b"\0\0\0\0TFL3")
    opts = ValidateOptions(models, ("stm32f4",), {"simprof": fake_estimate}, None, tmp_path / "out", jobs=0,
                           report=False)
    monkeypatch.setattr(tasks, "estimate_inputs_hash", lambda pid: "calibration regenerated meanwhile")
    first = validate(opts)
    assert first["stale_pairs"] == 1 and first["pairs"][0]["estimates"]["simprof"]["total_bytes"] == 500
    assert not list((tmp_path / "out" / "cache").glob("*/*.json"))
    monkeypatch.undo()
    again = validate(opts)
    assert again["stale_pairs"] == 0 and again["pairs"][0]["cached"] is False
    assert len(list((tmp_path / "out" / "cache").glob("*/*.json"))) == 1
