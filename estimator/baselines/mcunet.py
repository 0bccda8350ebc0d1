"""MCUNet (Lin et al., "MCUNet: Tiny Deep Learning on IoT Devices", NeurIPS 2020): the peak SRAM of
a layer-by-layer schedule is the largest, over layers, of the layer's input activations plus its
output activation.

Assumptions: actual element sizes of the tensors (1 B for int8 models, as in the paper); constant
weights live in flash; residual tensors kept for later layers are not counted (the paper's
per-layer analysis); no alignment, runtime records, scratch or stack.
"""
from __future__ import annotations

from ._common import BaselineResult, activations

NAME = "mcunet"
SOURCE = "Lin et al., MCUNet, NeurIPS 2020 (peak memory = max over layers of input + output activation)"
ASSUMPTIONS = "max over layers of (input + output activation bytes); no residual, tail, scratch, stack"


def estimate(graph, **_ctx) -> BaselineResult:
    sg = graph.main
    acts = activations(sg)
    peak, at = 0, None
    for op in sg.operators:
        used = {t for t in op.inputs if t in acts} | {t for t in op.outputs if t in acts}
        total = sum(sg.tensors[t].nbytes for t in used)
        if total > peak:
            peak, at = total, op.index
    return BaselineResult(NAME, peak, SOURCE, ASSUMPTIONS, {"peak_layer": at})
