"""The oracle runs the real TFLM host interpreter in child processes. These tests check it against
facts obtained independently of our code: the arithmetic identities of print_allocations(),
setup failing one step below the minimum, and the sine model approximating sin(x)."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from simprof.model import oracle

SAMPLE = """[RecordingMicroAllocator] Arena allocation total 1536 bytes
[RecordingMicroAllocator] Arena allocation head 128 bytes
[RecordingMicroAllocator] Arena allocation tail 1408 bytes
[RecordingMicroAllocator] 'TfLiteEvalTensor data' used 240 bytes with alignment overhead (requested 240 bytes for 10 allocations)
[RecordingMicroAllocator] 'Persistent buffer data' used 264 bytes with alignment overhead (requested 232 bytes for 5 allocations)
[RecordingMicroAllocator] 'NodeAndRegistration struct' used 192 bytes with alignment overhead (requested 192 bytes for 3 NodeAndRegistration structs)
"""


@pytest.fixture(scope="module")
def sine_model() -> bytes:
    from tflite_micro.python.tflite_micro import runtime
    path = os.path.join(os.path.dirname(runtime.__file__), "sine_float.tflite")
    with open(path, "rb") as fh:
        return fh.read()


def test_parse_allocations_reads_every_field():
    r = oracle.parse_allocations(SAMPLE, 4096)
    assert (r.total, r.head, r.tail) == (1536, 128, 1408)
    assert r.category("Persistent buffer data") == oracle.Category("Persistent buffer data", 264, 232, 5)
    assert r.category("NodeAndRegistration struct").count == 3
    assert r.category("missing") is None


def test_parse_rejects_text_without_totals():
    with pytest.raises(oracle.OracleError):
        oracle.parse_allocations("nothing here")


def test_allocations_are_consistent_and_independent_of_arena_size(sine_model):
    a = oracle.allocations(sine_model, 65536)
    b = oracle.allocations(sine_model, 1 << 20)
    assert a.total == a.head + a.tail
    assert sum(c.used for c in a.categories) <= a.tail
    assert (a.total, a.head, a.tail, a.categories) == (b.total, b.head, b.tail, b.categories)


def test_min_arena_is_the_boundary(sine_model):
    m = oracle.min_arena(sine_model)
    assert m % 16 == 0
    assert oracle.try_arena(sine_model, m).ok
    below = oracle.try_arena(sine_model, m - 16)
    assert not below.ok
    # TFLM logs why setup failed (a failing allocation, or the planner running out of room)
    assert below.failed_request() is not None or "Too many buffers" in below.stderr


def test_crash_is_contained_in_the_child(sine_model):
    # Tiny arenas make the wheel fail (or segfault) during setup; the parent must survive.
    t = oracle.try_arena(sine_model, 64)
    assert not t.ok and t.report is None


def test_reference_outputs_approximate_sine(sine_model):
    xs = [0.5, 1.0, 2.0]
    for x in xs:
        (y,) = oracle.reference_outputs(sine_model, [np.array([[x]], dtype=np.float32)])
        assert y.shape == (1, 1) and y.dtype == np.float32
        assert abs(float(y[0, 0]) - math.sin(x)) < 0.15  # the model is a small MLP fit of sin


def test_reference_outputs_are_deterministic(sine_model):
    x = [np.array([[0.7]], dtype=np.float32)]
    assert oracle.reference_outputs(sine_model, x)[0].tobytes() == oracle.reference_outputs(sine_model, x)[0].tobytes()
