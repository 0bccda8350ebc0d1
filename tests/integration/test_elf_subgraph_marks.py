"""Per-operator marks of a user's TFLM firmware running a model with a CALL_ONCE init subgraph
(examples/public/hey_jarvis.tflite: CALL_ONCE at subgraph 0 operator 0, 45 operators there, 12 in
the init subgraph). tests/fixtures/firmware/call_once_marks.c emits the marks the way TFLM's
interpreter and simprof_tflm_profiler.h do (numbering restarts per Invoke, the init subgraph's
operators nested in the CALL_ONCE's event on the first Invoke only), two Invokes, and goes to a
stack depth known by construction in each operator. Checked:
- `measure --elf` maps every mark to (subgraph, operator): each figure is the constructed depth
  of that operator (a shift after the CALL_ONCE would give its neighbour's);
- `calibrate --elf` takes the marks (it failed with "operator mark 45 but the model has 45
  operators"): per kernel path the deepest constructed depth; an estimate of the model with that
  calibration equals the measured whole-run stack;
- marks that do not nest (the CALL_ONCE's event ended before its subgraph) do not fit the model:
  a one-line error naming both counts, from measure and calibrate alike.
~15 s (three small builds, painted runs with 100-odd marks)."""
from __future__ import annotations

from pathlib import Path

import pytest

from simprof.core.errors import UsageError
from simprof.platforms import load
from simprof.sim.layout import SymbolConventions

pytestmark = pytest.mark.qemu
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "firmware"
MODEL = ROOT / "examples" / "public" / "hey_jarvis.tflite"
STOP = SymbolConventions(stop=("inference_done",))

# The constants of call_once_marks.c, and the model's shape (read independently below).
OP_BASE, INIT_BASE, CALL_ONCE_OWN, STEP, AGAIN = 1000, 1600, 2400, 8, 4
N_SG0, N_INIT, CALL_ONCE_AT, INVOKES = 45, 12, 0, 2


def _depth(subgraph: int, index: int) -> int:
    """The deepest stack of an operator over the Invokes, by construction."""
    if subgraph == 1:
        return INIT_BASE + STEP * index
    if index == CALL_ONCE_AT:      # its own depth is deeper than any init operator's
        return CALL_ONCE_OWN
    return OP_BASE + STEP * index + AGAIN * (INVOKES - 1)


def _build(tmp_path: Path, tag: str, *, flat: bool = False, invokes: int = INVOKES, link_model: bool = True):
    from simprof.sim.build import build_firmware

    sources = [FIXTURES / "call_once_marks.c"]
    defines = {"N_SG0": N_SG0, "N_INIT": N_INIT, "CALL_ONCE_AT": CALL_ONCE_AT, "INVOKES": invokes,
               "FLAT": int(flat)}
    if link_model:
        model = MODEL.read_bytes()
        src = tmp_path / "model_data.c"
        src.write_text("#include <stdint.h>\n__attribute__((aligned(16))) const uint8_t g_model[] = {"
                       + ",".join(str(b) for b in model) + "};\n")
        sources.append(src)
        defines["LINK_MODEL"] = 1
    return build_firmware(load("stm32f4"), sources, name=f"call-once-{tag}", defines=defines,
                          arena_size=4096, cache_dir=tmp_path / "cache").elf


def test_measure_elf_maps_marks_to_subgraph_and_operator(tmp_path):
    from simprof.flows.measure import measure_elf

    elf = _build(tmp_path, "nested")
    m = measure_elf(elf, load("stm32f4"), symbols=STOP, timeout_s=60)      # the model found in the ELF
    got = {(op.subgraph, op.index): op for op in m.operators}
    assert sorted(got) == [(0, k) for k in range(N_SG0)] + [(1, j) for j in range(N_INIT)]
    assert {key: op.stack_bytes for key, op in got.items()} == {key: _depth(*key) for key in got}
    # the CALL_ONCE ran on both Invokes, its subgraph on the first only
    assert {key: op.calls for key, op in got.items()} == {key: 1 if key[0] == 1 else INVOKES for key in got}
    # one arena byte per operator; the CALL_ONCE's span holds its init subgraph's writes
    assert {key: op.arena_written_bytes for key, op in got.items()} == {
        key: N_INIT if key == (0, CALL_ONCE_AT) else 1 for key in got}
    assert got[(0, CALL_ONCE_AT)].opcode == "CALL_ONCE"
    assert m.stack_bytes == CALL_ONCE_OWN
    assert m.to_json()["operators"][N_SG0]["subgraph"] == 1


def test_calibrate_elf_with_call_once_then_estimate(tmp_path):
    from simprof.estimator import estimate
    from simprof.estimator.stack import kernel_key
    from simprof.flows.calibrate_elf import calibrate_elf
    from simprof.model.reader import read_model

    elf = _build(tmp_path, "cal", link_model=False)
    cal = calibrate_elf(elf, "stm32f4", model=MODEL, name="jarvis", out_dir=tmp_path / "cal",
                        symbols=STOP, timeout_s=60)
    assert cal.per_operator
    g = read_model(MODEL.read_bytes())
    want: dict = {}
    for sg in g.subgraphs:
        for op in sg.operators:
            key = kernel_key(sg, op)
            want[key] = max(want.get(key, 0), _depth(sg.index, op.index))
    assert cal.stack_by_kernel == want
    assert cal.whole_run_stack_bytes == CALL_ONCE_OWN
    e = estimate(MODEL.read_bytes(), "stm32f4", runtime="tflm", calibration=cal.path)
    assert e.stack_bytes == cal.whole_run_stack_bytes
    assert [o.stack_bytes for o in e.operators if (o.subgraph, o.index) == (0, CALL_ONCE_AT)] == [CALL_ONCE_OWN]


def test_marks_that_do_not_nest_are_an_error_naming_both_counts(tmp_path):
    from simprof.flows.calibrate_elf import calibrate_elf
    from simprof.flows.measure import measure_elf

    elf = _build(tmp_path, "flat", flat=True, invokes=1)
    msg = rf"^{N_SG0 + N_INIT} top-level operator marks .* subgraph 0's {N_SG0} operators"
    with pytest.raises(UsageError, match=msg) as exc:
        measure_elf(elf, load("stm32f4"), symbols=STOP, timeout_s=60)
    assert "\n" not in str(exc.value)
    with pytest.raises(UsageError, match=msg):
        calibrate_elf(elf, "stm32f4", model=MODEL, out_dir=tmp_path / "cal", symbols=STOP, timeout_s=60)
