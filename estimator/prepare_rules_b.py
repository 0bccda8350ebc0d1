"""Prepare-time persistent allocations (tflm-arena-facts.md §3b) of the kernels added for TFLM's
wider builtin set whose sizes depend on the ABI, beside the rules in transient.py."""
from __future__ import annotations

from .abi import get_abi
from .tflite_reader import Operator, Subgraph


def prepare_persistent_b(rule: str | None, sg: Subgraph, op: Operator, variant: str) -> list[int] | None:
    """P16 sizes in allocation order, or None when `rule` is not one of these. `variant` is
    SetupConfig.variant: "wheel" (the tflite-micro wheel, lp64) or an ABI name."""
    if rule == "embedding_lookup":
        # the output dims copy, then OpData {float scale; size_t num_columns}
        y = sg.tensors[op.outputs[0]]
        abi = get_abi("lp64" if variant == "wheel" else variant)
        return [4 + 4 * len(y.shape), abi.size("ref_EmbeddingLookupOpData")[0]]
    if rule == "cumsum_int8":
        x = sg.tensors[op.inputs[0]]
        abi = get_abi("lp64" if variant == "wheel" else variant)
        return [abi.size("ref_CumsumOpData")[0]] if x.dtype == "int8" else []
    return None
