"""Prepare-time persistent allocations (tflm-arena-facts.md §3b) of the kernels added for TFLM's
wider builtin set whose sizes depend on the ABI, beside the rules in transient.py."""
from __future__ import annotations

from simprof.model.reader import Operator, Subgraph

from .abi import get_abi


def quantized_input(sg: Subgraph, op: Operator, k: int) -> bool:
    """Input k exists and is int8/int16 (the temp-token condition `|int8@k` of op_costs.json, for
    kernels whose data input is not input 0, e.g. TRANSPOSE_CONV's input 2)."""
    return k < len(op.inputs) and op.inputs[k] >= 0 and sg.tensors[op.inputs[k]].dtype in ("int8", "int16")


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
    if rule == "transpose_conv":
        # per-channel multiplier and shift, for every type (float models too)
        return [4 * sg.tensors[op.inputs[1]].shape[0]] * 2
    if rule == "batch_matmul":
        # quantization params (int8/int16), then a transposed copy of lhs (adj_x) and of rhs (not
        # adj_y): TfLiteEvalTensor, dims, data; then the output dims copy
        abi = get_abi("lp64" if variant == "wheel" else variant)
        lhs, rhs, y = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
        out = [abi.size("ref_QuantizationOpDataBatchMatmul")[0]] if lhs.dtype in ("int8", "int16") else []
        for t, copy in ((lhs, op.opt("AdjX", False)), (rhs, not op.opt("AdjY", False))):
            if copy:
                out += [abi.size("TfLiteEvalTensor")[0], 4 + 4 * len(t.shape), t.nbytes]
        return out + [4 + 4 * len(y.shape)]
    return None
