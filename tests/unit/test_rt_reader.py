"""simprof-rt's model reader and arena errors on the host build: corrupt or truncated models end
in an error code with a message naming the cause (never a crash: the build has ASan + UBSan), and a
too-small arena says by how many bytes, as TFLM does. ~3 s."""
from __future__ import annotations

import flatbuffers
import pytest

from simprof.model import oracle
from simprof.flows.corpus import opmodels
from simprof.model.builder import schema
from simprof.rt import host as rt_host


@pytest.fixture(scope="module")
def host():
    return rt_host.build_host()


def _repack(model: bytes, edit) -> bytes:
    obj = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0))
    edit(obj)
    b = flatbuffers.Builder(1024)
    b.Finish(obj.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_file_identifier_is_checked(host):
    mb = bytearray(opmodels.model("add_int8"))
    mb[4:8] = b"TFL2"
    r = rt_host.run_host(bytes(mb), build=host)
    assert r.status_name == "model" and "TFL3" in r.message


def test_schema_version_is_checked(host):
    def edit(m):
        m.version = 2
    r = rt_host.run_host(_repack(opmodels.model("add_int8"), edit), build=host)
    assert r.status_name == "model" and "schema version 2" in r.message


def test_tensor_index_out_of_range(host):
    def edit(m):
        op = m.subgraphs[0].operators[0]
        op.inputs = [99] + list(op.inputs)[1:]
    r = rt_host.run_host(_repack(opmodels.model("add_int8"), edit), build=host)
    assert r.status_name == "model" and "tensor index out of range" in r.message


def test_buffer_index_and_short_constant_data(host):
    def bad_buffer(m):
        m.subgraphs[0].tensors[1].buffer = 1000
    r = rt_host.run_host(_repack(opmodels.model("conv_2d_int8"), bad_buffer), build=host)
    assert r.status_name == "model" and "buffer index" in r.message

    def short_data(m):
        t = m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[1]]
        m.buffers[t.buffer].data = m.buffers[t.buffer].data[:5]
    r = rt_host.run_host(_repack(opmodels.model("conv_2d_int8"), short_data), build=host)
    assert r.status_name == "model" and "shorter than the shape" in r.message


def test_every_truncation_ends_cleanly(host, tmp_path):
    mb = opmodels.model("depthwise_conv_2d_int8")
    for n in range(0, len(mb), max(1, len(mb) // 40)):
        r = rt_host.run_host(mb[:n], build=host)
        assert r.status_name == "model", (n, r)
        assert r.message


def test_too_small_arena_says_how_many_bytes_are_missing(host):
    mb = opmodels.model("conv_2d_int8")
    need = rt_host.run_host(mb, build=host).need
    short = rt_host.run_host(mb, arena_size=need - 16, build=host)
    assert short.status_name == "arena"
    assert 0 < short.missing <= 16 + 15 and "missing" in short.message
    # the wheel's TFLM fails at the same size and succeeds at the runtime's figure
    assert not oracle.try_arena(mb, need - 16).ok
    assert oracle.try_arena(mb, need).ok and rt_host.run_host(mb, arena_size=need, build=host).ok


def test_plain_interpreter_tail_is_smaller_by_the_recording_objects(host):
    """--plain models MicroInterpreter's own allocator objects (72 + 72 B on x86-64) instead of the
    Python wrapper's recording ones (104 + 272 B): the same model's tail shrinks by about 232 B."""
    mb = opmodels.model("add_int8")
    rec = rt_host.run_host(mb, build=host)
    plain = rt_host.run_host(mb, recording=False, build=host)
    assert rec.head == plain.head
    assert abs((rec.tail - plain.tail) - (104 - 72 + 272 - 72)) < 16


def test_exploding_control_flow_is_bounded(host):
    """Subgraph k calls subgraph k+1 four times (CALL_ONCE), eight levels deep: 4^7 visits when
    marking lifetimes. The runtime refuses instead of spending minutes; a call cycle is refused too."""
    from simprof.model.builder import ModelBuilder

    def build(cycle: bool) -> bytes:
        m = ModelBuilder("calls")
        sgs = [m.subgraph(f"s{k}") for k in range(8)]
        x = sgs[0].input("x", (1, 4), "float32")
        y = sgs[0].tensor("y", (1, 4), "float32")
        sgs[0].op("RELU", [x], [y])
        sgs[0].mark_outputs(y)
        for k in range(7):
            for _ in range(4):
                o = schema.CallOnceOptionsT()
                o.initSubgraphIndex = 0 if cycle else k + 1
                sgs[k].op("CALL_ONCE", [], [], o)
        return m.to_bytes()

    r = rt_host.run_host(build(False), build=host)
    assert r.status_name == "unsupported" and "more than" in r.message
    r = rt_host.run_host(build(True), build=host)
    assert r.status_name == "model" and "nest deeper" in r.message
