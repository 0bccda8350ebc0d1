"""What TFLM's CMSIS-NN kernels (TFLM @90b983c, CMSIS-NN 4ab83cc, GCC) ask of the arena beyond
the reference kernels, per core class: scratch requests (CMSIS-NN's arm_*_get_buffer_size rules),
the MVE kernel sums of FULLY_CONNECTED. simprof-rt's CMSIS-NN kernel set implements the same
rules in C (firmware/kernels_cmsis_nn/buffer_sizes.c); tests compare the two.

Core classes, as CMSIS-NN picks its code from the compiler's feature macros:
  "mve"  Cortex-M55 (__ARM_FEATURE_MVE integer)
  "dsp"  Cortex-M4, M7, M33 (__ARM_FEATURE_DSP)
  "none" Cortex-M0, M0+, M3
"""
from __future__ import annotations

from simprof.model.reader import Operator, Subgraph

CORE_CLASSES = ("none", "dsp", "mve")
DEFAULT_CORE_CLASS = "dsp"   # the Cortex-M4 rules, when no platform is named
DW_CH_BLOCK_MVE = 124         # CMSIS-NN's CH_IN_BLOCK_MVE

_BY_CORE = {"cortex-m0": "none", "cortex-m0plus": "none", "cortex-m0+": "none", "cortex-m1": "none",
            "cortex-m3": "none", "cortex-m4": "dsp", "cortex-m7": "dsp", "cortex-m33": "dsp",
            "cortex-m35p": "dsp", "cortex-m55": "mve", "cortex-m85": "mve"}


def core_class(platform: str | None) -> str:
    """The CMSIS-NN code path of a platform's core (its compiler flags can switch features off)."""
    if not platform or platform == "generic":
        return DEFAULT_CORE_CLASS
    from simprof.platforms import load

    p = load(platform)
    cls = _BY_CORE.get(p.core, DEFAULT_CORE_CLASS)
    flags = " ".join(p.cflags)
    if cls == "mve" and "+nomve" in flags:
        cls = "dsp"
    if cls in ("dsp", "mve") and "+nodsp" in flags:
        cls = "none"
    return cls


def _t(sg: Subgraph, op: Operator, k: int, outputs: bool = False):
    idx = op.outputs if outputs else op.inputs
    if k >= len(idx) or idx[k] < 0:
        return None
    return sg.tensors[idx[k]]


def _out_size(padding: int, size: int, k: int, stride: int, dil: int) -> int:
    eff = (k - 1) * dil + 1
    if padding == 0:  # SAME
        return (size + stride - 1) // stride
    return (size - eff + stride) // stride


def _pad(padding: int, size: int, k: int, stride: int, dil: int) -> int:
    """TFLM's ComputePaddingWithOffset: the padding before the data."""
    out = _out_size(padding, size, k, stride, dil)
    total = (out - 1) * stride + (k - 1) * dil + 1 - size
    return max(total, 0) // 2


def _ctrunc_mod(a: int, b: int) -> int:
    """C's % (truncating), which CMSIS-NN's formulas use."""
    r = abs(a) % abs(b)
    return -r if a < 0 else r


class _Geom:
    """A convolution as CMSIS-NN's buffer-size functions see it."""

    def __init__(self, x, w, y, op: Operator, depthwise: bool):
        self.in_n, self.in_h, self.in_w, self.in_c = x.shape
        self.f_h, self.f_w, self.f_c = w.shape[1], w.shape[2], w.shape[3]
        self.out_h, self.out_w, self.out_c = y.shape[1], y.shape[2], y.shape[3]
        self.stride_h, self.stride_w = op.opt("StrideH", 1), op.opt("StrideW", 1)
        self.dil_h, self.dil_w = op.opt("DilationHFactor", 1), op.opt("DilationWFactor", 1)
        padding = op.opt("Padding", 0)
        self.pad_h = _pad(padding, self.in_h, self.f_h, self.stride_h, self.dil_h)
        self.pad_w = _pad(padding, self.in_w, self.f_w, self.stride_w, self.dil_w)


def _conv_general(core: str, g: _Geom) -> int:
    col = g.f_w * g.f_h * g.in_c
    if core == "mve":
        return 4 * ((col + 15) // 16) * 16      # four int8 columns in whole 16-byte lanes
    return 2 * ((col + 3) // 4 * 4) * 2          # two int16 columns, each rounded up to 4


def _conv_1xn_mve(g: _Geom) -> int:
    total_pad = (g.out_w - 1) * g.stride_w + g.f_w - g.in_w
    asym = _ctrunc_mod(total_pad, 2)
    right = max(1, int((g.pad_w + asym + g.stride_w - 1) / g.stride_w)) if g.pad_w + asym != 0 else 0
    left = max(1, (g.pad_w + g.stride_w - 1) // g.stride_w) if g.pad_w != 0 else 0
    middle = max(g.out_w - (right + left), 0)
    if right + middle + left != g.out_w:
        return _conv_general("mve", g)
    pad_left = g.pad_w * g.in_c
    pad_right = right * g.in_c if asym else pad_left
    win_left = g.f_w * g.in_c
    return max(win_left + pad_left, win_left - g.in_c + pad_right)


def conv_s8_buffer(core: str, g: _Geom) -> int:
    """arm_convolve_wrapper_s8_get_buffer_size (GCC: the 1x1 path needs none on any core)."""
    if g.pad_w == 0 and g.pad_h == 0 and g.f_w == 1 and g.f_h == 1 and g.dil_w == 1 and g.dil_h == 1 \
            and g.in_c == g.f_c:
        return 0
    if core == "mve" and g.in_h == 1 and g.dil_w == 1 and g.f_h == 1 and (g.stride_w * g.in_c) % 4 == 0 \
            and g.in_c == g.f_c:
        return _conv_1xn_mve(g)
    return _conv_general(core, g)


def dw_s8_buffer(core: str, g: _Geom) -> int:
    """arm_depthwise_conv_wrapper_s8_get_buffer_size."""
    if core == "mve" and g.in_c == 1 and g.out_c > 1:
        # MVE runs it as a regular conv with one input channel, plus a reordered filter copy
        conv = _Geom.__new__(_Geom)
        conv.__dict__.update(g.__dict__)
        conv.f_c = 1
        return conv_s8_buffer("mve", conv) + g.out_c * g.f_h * g.f_w
    if not (g.in_c == g.out_c and g.in_n == 1 and g.dil_w == 1 and g.dil_h == 1):
        return 0
    if core == "mve":
        return 4 * DW_CH_BLOCK_MVE * g.f_w * g.f_h
    if g.f_w == 3 and g.f_h == 3 and g.pad_h <= 1 and g.pad_w <= 1:
        return 0
    return g.in_c * g.f_w * g.f_h * 2 if core == "dsp" else 0


def _fc_is_1x1(sg: Subgraph, op: Operator) -> bool:
    w, y = _t(sg, op, 1), _t(sg, op, 0, True)
    return len(y.shape) > 2 and w.shape[-1] % 4 == 0


def scratch(sg: Subgraph, op: Operator, core: str) -> list[tuple[int, str]] | None:
    """The scratch requests (bytes > 0, in request order) of the ops TFLM's cmsis_nn directory
    replaces; None for ops that keep the reference kernel's requests."""
    x, w = _t(sg, op, 0), _t(sg, op, 1)
    if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        if x is None or x.dtype != "int8" or w is None or len(w.shape) != 4 or len(x.shape) != 4:
            return []
        g = _Geom(x, w, _t(sg, op, 0, True), op, op.opcode == "DEPTHWISE_CONV_2D")
        if op.opcode == "CONV_2D":
            n = conv_s8_buffer(core, g)
            return [(n, "im2col")] if n > 0 else []
        n = dw_s8_buffer(core, g)
        return [(n, "depthwise im2col")] if n > 0 else []
    if op.opcode == "FULLY_CONNECTED":
        if x is None or x.dtype != "int8" or w is None or w.dtype != "int8":
            return []
        y = _t(sg, op, 0, True)
        if _fc_is_1x1(sg, op):
            return [] if w.n_scales > 1 else [(8 * y.shape[-1], "per-channel quantisation of the 1x1 path")]
        if core == "mve" and not fc_kernel_sums(sg, op, core):
            return [(4 * y.shape[-1], "kernel sums")]
        return []
    if op.opcode == "AVERAGE_POOL_2D":
        if x is None or x.dtype != "int8":
            return []
        return [(4 * x.shape[3], "int32 accumulator per channel")] if core == "dsp" else []
    if op.opcode == "TRANSPOSE_CONV":
        x, w = _t(sg, op, 2), _t(sg, op, 1)
        if x is None or x.dtype != "int8" or w is None or len(w.shape) != 4 or len(x.shape) != 4:
            return None   # float: no scratch; int16: the reference kernel's accumulators
        g = _TconvGeom(x, w, op)
        return [(tconv_s8_buffer(core, g), "transpose-conv buffer"),
                (tconv_s8_reverse_buffer(g), "reversed filter (0 B unless the reverse-conv path)")]
    if op.opcode == "BATCH_MATMUL":
        y = _t(sg, op, 0, True)
        if x is None or x.dtype != "int8" or y is None:
            return []
        return [(4 * y.shape[-1], "vector sums")] if core == "mve" else []
    if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        cell = _t(sg, op, 19)
        if not _lstm_quantized(sg, op):
            return None   # float32: the reference kernel's four buffers
        n = 1
        for d in cell.shape:
            n *= d
        return [(2 * n, f"gate buffer {i} (batch x state int16 cells)") for i in range(3)]
    if op.opcode in ("MAX_POOL_2D", "SOFTMAX"):
        return []
    return None


# TRANSPOSE_CONV requests both of its buffers even when a size is 0 (TFLM's cmsis_nn Prepare),
# where every other CMSIS-NN kernel requests only sizes > 0.
ZERO_SIZE_REQUESTS = frozenset({"TRANSPOSE_CONV"})
TCONV_REVERSE_MIN_CH = 16     # CMSIS-NN's REVERSE_TCOL_EFFICIENT_THRESHOLD


class _TconvGeom:
    """A transpose convolution as arm_transpose_conv_s8_get_buffer_size sees it."""

    def __init__(self, x, w, op: Operator):
        self.in_n, self.in_h, self.in_w, self.in_c = x.shape
        self.out_c, self.f_h, self.f_w = w.shape[0], w.shape[1], w.shape[2]
        self.f_c = self.in_c
        self.stride_h, self.stride_w = op.opt("StrideH", 1), op.opt("StrideW", 1)


def _tconv_reverse(g: _TconvGeom) -> bool:
    return g.stride_w <= 2 and g.stride_h <= 2 and g.in_c > TCONV_REVERSE_MIN_CH


def tconv_s8_buffer(core: str, g: _TconvGeom) -> int:
    """arm_transpose_conv_s8_get_buffer_size: the reverse path's conv im2col buffer, else a
    rolling int32 buffer of max(kh, stride_h) rows; the row width takes max(kw, stride_h)."""
    if _tconv_reverse(g):
        return _conv_general(core, g)
    buf_x = ((g.in_w - 1) * g.stride_w + max(g.f_w, g.stride_h)) * g.out_c
    return buf_x * max(g.f_h, g.stride_h) * 4


def tconv_s8_reverse_buffer(g: _TconvGeom) -> int:
    """arm_transpose_conv_s8_get_reverse_conv_buffer_size: a reversed copy of the filter."""
    return g.in_c * g.f_w * g.f_h * g.out_c if _tconv_reverse(g) else 0


def svdf_kernel_sums(sg: Subgraph, op: Operator, core: str) -> int:
    """Bytes of the persistent kernel sums SVDF computes in Prepare (MVE, int8;
    arm_svdf_s8_get_buffer_size, KERNELS_OPTIMIZED_FOR_SPEED)."""
    x, wf = _t(sg, op, 0), _t(sg, op, 1)
    if core != "mve" or x is None or x.dtype != "int8" or wf is None:
        return 0
    return 4 * wf.shape[0]


def fc_kernel_sums(sg: Subgraph, op: Operator, core: str) -> int:
    """Bytes of the persistent kernel sums FULLY_CONNECTED computes in Prepare (MVE, constant
    weights and bias, not the 1x1 path; KERNELS_OPTIMIZED_FOR_SPEED, TFLM's Makefile default)."""
    x, w, b = _t(sg, op, 0), _t(sg, op, 1), _t(sg, op, 2)
    if core != "mve" or x is None or x.dtype != "int8" or w is None or w.dtype != "int8":
        return 0
    if _fc_is_1x1(sg, op) or not w.has_data or (b is not None and not b.has_data):
        return 0
    return 4 * _t(sg, op, 0, True).shape[-1]


def _lstm_quantized(sg: Subgraph, op: Operator) -> bool:
    """TFLM's cmsis_nn LSTM runs CMSIS-NN (kernel sums, three buffers) for int8 or int16
    activations with an int16 cell state; float32 falls back to the reference kernel."""
    x, cell = _t(sg, op, 0), _t(sg, op, 19)
    return x is not None and cell is not None and x.dtype in ("int8", "int16") and cell.dtype == "int16"


def lstm_kernel_sums(sg: Subgraph, op: Operator) -> list[int]:
    """The eight persistent kernel sums UNIDIRECTIONAL_SEQUENCE_LSTM's Prepare allocates
    (CMSIS_NN_PortOpData: input-data then hidden sums of the four gates, state_dim entries of the
    bias type each: int32 for int8, int64 for int16; the same on every core class)."""
    if not _lstm_quantized(sg, op):
        return []
    h = _t(sg, op, 18)
    state = h.shape[-1] if h is not None and h.shape else 0
    return [state * (8 if _t(sg, op, 0).dtype == "int16" else 4)] * 8


def refusals(graph) -> list[str]:
    """Operators whose Prepare in TFLM's cmsis_nn kernels fails where the reference kernel runs:
    AllocateTensors() returns an error, so an arena figure would describe a model that never runs.
    FULLY_CONNECTED (kernels/cmsis_nn/fully_connected.cc) allows per-channel weights only with
    int8 input; UNIDIRECTIONAL_SEQUENCE_LSTM (unidirectional_sequence_lstm.cc) only constant gate
    weights and biases."""
    found = []
    for sg in graph.subgraphs:
        for op in sg.operators:
            if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM":
                ts = [_t(sg, op, k) for k in (*range(1, 9), *range(12, 16))]
                if any(t is not None and not t.has_data for t in ts):
                    found.append(f"operator {sg.index}:{op.index} UNIDIRECTIONAL_SEQUENCE_LSTM: TFLM's CMSIS-NN kernel "
                                 "refuses gate weights or biases that are not constant (AllocateTensors fails)")
                continue
            if op.opcode != "FULLY_CONNECTED":
                continue
            x, w = _t(sg, op, 0), _t(sg, op, 1)
            if x is not None and w is not None and x.dtype == "int16" and w.n_scales > 1:
                found.append(f"operator {sg.index}:{op.index} FULLY_CONNECTED: TFLM's CMSIS-NN kernel refuses "
                             "per-channel weights with int16 input (AllocateTensors fails); quantize the layer's "
                             "weights per tensor, or use the reference kernels")
    return found
