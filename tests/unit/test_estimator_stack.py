"""Call-graph parsing and deepest paths on GCC-format .su/.ci text (frame sizes and edges known by
construction), the calibration loader, and how an estimate uses a calibration file."""
from __future__ import annotations

import json

import pytest

from simprof.core.errors import PlatformError
from simprof.rt import callgraph as cg
from simprof.estimator import estimate
from simprof.rt.stack_analysis import op_entry_points
from simprof.estimator.stack import load_calibration

import _estimator_models as own

CI = r'''graph: { title: "k.c"
node: { title: "k.c:helper" label: "helper\nk.c:3:12\n40 bytes (static)" }
node: { title: "conv_eval" label: "conv_eval\nk.c:5:5\n100 bytes (static)" }
edge: { sourcename: "conv_eval" targetname: "k.c:helper" label: "k.c:6:5" }
node: { title: "relu_eval" label: "relu_eval\nk.c:8:5\n16 bytes (static)" }
node: { title: "run" label: "run\nk.c:10:5\n24 bytes (static)" }
node: { title: "__indirect_call" label: "Indirect Call Placeholder" shape : ellipse }
edge: { sourcename: "run" targetname: "__indirect_call" label: "k.c:11:9" }
node: { title: "main" label: "main\nk.c:13:5\n8 bytes (static)" }
edge: { sourcename: "main" targetname: "run" label: "k.c:14:5" }
edge: { sourcename: "main" targetname: "memset" }
node: { title: "memset" label: "memset\nstring.h:1:1" shape : ellipse }
}
'''
SRC = '''const srt_op srt_op_conv = { .name = "CONV_2D", .prepare = conv_eval, .eval = conv_eval };
const srt_op srt_op_relu = { 1, "RELU", 0, NULL, relu_eval };
'''


@pytest.fixture()
def graph(tmp_path):
    (tmp_path / "k.ci").write_text(CI)
    (tmp_path / "k.su").write_text("k.c:5:5:conv_eval\t100\tstatic\n")
    (tmp_path / "k.c").write_text(SRC)
    return cg.parse([tmp_path / "k.su"], [tmp_path / "k.ci"]), tmp_path


def test_deepest_paths(graph):
    g, _ = graph
    assert g.dispatchers == {"run"}
    assert cg.deepest_below(g, "conv_eval").bytes == 140
    assert cg.depth_to(g, "main", "run").bytes == 32
    assert cg.through_kernel(g, "main", "conv_eval").bytes == 8 + 24 + 100 + 40
    assert "memset" in g.unknown_frames


def test_op_entry_points_positional_and_designated(graph):
    g, d = graph
    ops = op_entry_points([d], g)
    assert ops["CONV_2D"]["eval"] == "conv_eval" and ops["RELU"]["eval"] == "relu_eval"


def _write(d, platform, **fields):
    data = {"schema_version": 1, "platform": platform, "runtime": "simprof-rt", "kernels": "reference",
            "provenance": {"command": "test"}, **fields}
    (d / f"{platform}.json").write_text(json.dumps(data))


def test_estimate_uses_calibration(tmp_path):
    _write(tmp_path, "generic", static_bytes=1000, stack_setup_bytes=300,
           stack_bytes={"CONV_2D": 500, "DEPTHWISE_CONV_2D": 400, "ADD": 200, "MAX_POOL_2D": 100,
                        "MEAN": 150, "FULLY_CONNECTED": 250, "SOFTMAX": 120})
    e = estimate(own.cnn("int8"), calibration_dir=tmp_path)
    assert e.stack_bytes == 500 and e.static_bytes == 1000
    assert e.total_bytes == 1000 + e.arena_min_bytes + 500
    conv = e.operators[0]
    assert conv.total_bytes == conv.arena_head_bytes + e.arena_tail_bytes + 500
    assert not any("stack" in u for u in e.unknowns)


def test_missing_op_stack_is_reported(tmp_path):
    _write(tmp_path, "generic", static_bytes=10, stack_bytes={"CONV_2D": 500})
    e = estimate(own.cnn("int8"), calibration_dir=tmp_path)
    assert e.stack_bytes is None and e.total_bytes is None
    assert any("DEPTHWISE_CONV_2D" in u for u in e.unknowns)


def test_calibration_without_provenance_is_rejected(tmp_path):
    (tmp_path / "generic.json").write_text(json.dumps({"schema_version": 1}))
    with pytest.raises(PlatformError):
        load_calibration("generic", directory=tmp_path)
    assert load_calibration("nothing-here", directory=tmp_path) is None


def _bl(frm: int, to: int) -> bytes:
    """Thumb-2 BL from address `frm` to `to` (encoding by hand, ARMv7-M ARM A6.7.18)."""
    off = to - (frm + 4)
    s = 1 if off < 0 else 0
    off &= (1 << 25) - 1
    i1, i2 = (off >> 23) & 1, (off >> 22) & 1
    j1, j2 = (1 - i1) ^ s, (1 - i2) ^ s
    h1 = 0xF000 | (s << 10) | ((off >> 12) & 0x3FF)
    h2 = 0xD000 | (j1 << 13) | (j2 << 11) | ((off >> 1) & 0x7FF)
    return h1.to_bytes(2, "little") + h2.to_bytes(2, "little")


def test_thumb_frames_and_calls_decoded_from_machine_code():
    base = 0x08000100
    code = (bytes.fromhex("30b5")            # push {r4, r5, lr}        12
            + bytes.fromhex("84b0")          # sub sp, #16              16
            + bytes.fromhex("2de9f041")      # push.w {r4-r8, lr}       24
            + bytes.fromhex("6de904ce")      # strd ip, lr, [sp, #-16]! 16
            + bytes.fromhex("2ded028b")      # vpush {d8}                8
            + _bl(base + 16, base + 0x200)   # bl base+0x200
            + _bl(base + 20, base - 0x40)    # bl backwards
            + bytes.fromhex("30bd"))         # pop {r4, r5, pc}
    frame, calls = cg._thumb_prologue_and_calls(code, base)
    assert frame == 12 + 16 + 24 + 16 + 8
    assert calls == {base + 0x200, base - 0x40}


def test_calibration_of_another_runtime_is_flagged(tmp_path):
    _write(tmp_path, "generic", static_bytes=10, stack_setup_bytes=100, stack_bytes={"RELU": 50})
    m = own.op_model("RELU", "int8")
    assert not estimate(m, runtime="simprof-rt", calibration_dir=tmp_path).notes
    e = estimate(m, runtime="tflm", calibration_dir=tmp_path)
    assert e.stack_bytes == 100 and any("simprof-rt" in n for n in e.notes)
