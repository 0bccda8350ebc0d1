"""Step 4: the proof. The fitted model runs on simprof-rt under QEMU on the platform with the
arena bisected (`measure --min-arena`); its outputs are compared byte for byte with TFLM's host
interpreter on the fitted model and on the original (equal after lossless steps only)."""
from __future__ import annotations

import time

import numpy as np

from simprof.model import oracle
from simprof.platforms import Platform

from .accuracy import Dataset
from .budget import Budget
from .result import Proof


def prove(fitted: bytes, original: bytes, plat: Platform, dataset: Dataset, budget: Budget, est_after) -> Proof:
    from simprof.flows.measure import measure_model
    t0 = time.monotonic()
    inputs = [np.ascontiguousarray(x) for x in dataset.inputs[0]]
    m = measure_model(fitted, plat, input=inputs, min_arena=True, per_operator=False)
    got = [bytes(o) for o in m.output_bytes]
    try:
        want = [np.ascontiguousarray(w).tobytes() for w in oracle.reference_outputs(original, inputs)]
        same_as_original = got == want
    except oracle.OracleError:
        same_as_original = None
    total = m.static_bytes + m.stack_bytes + m.arena_min_bytes
    figure = m.arena_min_bytes if budget.kind == "arena" else total
    return Proof(arena_min_bytes=m.arena_min_bytes, total_bytes=total,
                 estimate_arena_min_bytes=est_after.arena_min_bytes, fits=figure <= budget.bytes,
                 outputs_match_wheel=m.outputs_match_reference, outputs_match_original=same_as_original,
                 seconds=time.monotonic() - t0)
