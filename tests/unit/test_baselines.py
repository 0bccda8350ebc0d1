"""Baselines on a model whose figures are known by hand: x -RELU-> a -RELU-> b, ADD(a, b) -> c,
all [1, 64] int8 (64 B each). Worked out in the comments from each baseline's published rule."""
from __future__ import annotations

import pytest

from simprof.model import oracle
from simprof.estimator.baselines import NAMES, run_baseline
from simprof.model.reader import read_model

import _estimator_models as own


@pytest.fixture(scope="module")
def chain() -> bytes:
    b = own.Builder()
    x, a, bb, c = (b.tensor([1, 64], "int8") for _ in range(4))
    b.op("RELU", [x], [a])
    b.op("RELU", [a], [bb])
    b.op("ADD", [a, bb], [c], "AddOptions")
    b.io([x], [c])
    return b.build()


def test_unas(chain):
    # input excluded; op1: a + b = 128; op2: a, b die at the in-place ADD, c reuses one -> 128
    assert run_baseline("unas", read_model(chain)).bytes == 128


def test_mcunet(chain):
    # the ADD layer: inputs a + b plus output c
    assert run_baseline("mcunet", read_model(chain)).bytes == 192


def test_mcufit(chain):
    # peak live sum 192 (a, b, c at the ADD); (192 + 4096 + 64*4) * 1.35 = 6134.4 -> 6135
    assert run_baseline("mcufit", read_model(chain)).bytes == 6135


def test_tinyengine(chain):
    # x@0, a@64, b reuses x's slot @0, c @128 -> 192; no conv, so no im2col / kernel buffer
    r = run_baseline("tinyengine", read_model(chain))
    assert r.bytes == 192 and r.detail["im2col"] == 0


def test_tensorscope(chain):
    # TFLM plans c, b, a in reverse add order at 0, 64, 128; x fits at 0 beside a -> 192
    assert run_baseline("tensorscope", read_model(chain)).bytes == 192


def test_tflm_baseline_is_the_wheels_arena_used_bytes(chain):
    r = run_baseline("tflm", read_model(chain), abi="lp64")
    assert r.bytes == oracle.allocations(chain).total


def test_every_baseline_documents_itself(chain):
    g = read_model(chain)
    for name in NAMES:
        r = run_baseline(name, g)
        assert r.name == name and r.source and r.assumptions and r.bytes > 0
