"""TinyEngine (Lin et al., MCUNet's inference engine; github.com/mit-han-lab/tinyengine): its code
generator plans activations with its own first-fit allocator (4-byte alignment, tensors placed in
creation order at the lowest address free for their lifetime), runs depthwise convolutions in place
(the output overwrites the input when the input dies there), and reserves two extra regions sized
for the largest need of any layer: the im2col buffer (sbuf) and the kernel buffer (kbuf).

Assumptions: im2col = 2 columns of int16 of kh*kw*C_in elements for every non-1x1 CONV_2D
(CMSIS-style, 4*kh*kw*C_in bytes); kbuf = the int16 copy of a depthwise kernel, 2*kh*kw*C bytes;
no runtime records (TinyEngine has none), no TFLM tail, no stack.
"""
from __future__ import annotations

from ._common import BaselineResult, activations, live_ranges

NAME = "tinyengine"
SOURCE = "Lin et al., MCUNet (NeurIPS 2020) / TinyEngine code generator, github.com/mit-han-lab/tinyengine"
ASSUMPTIONS = "first fit, 4-byte alignment, in-place depthwise, + largest im2col + largest kernel buffer"


def _a4(n: int) -> int:
    return (n + 3) // 4 * 4


def estimate(graph, **_ctx) -> BaselineResult:
    sg = graph.main
    ranges = dict(live_ranges(sg))
    acts = activations(sg)
    # in-place depthwise: the output takes over the input's buffer, which then lives on
    alias: dict = {}
    for step, op in enumerate(sg.operators):
        if op.opcode == "DEPTHWISE_CONV_2D" and op.inputs and op.outputs:
            x, y = op.inputs[0], op.outputs[0]
            if x in ranges and y in ranges and ranges[x][1] == step and x not in sg.outputs \
                    and sg.tensors[x].nbytes >= sg.tensors[y].nbytes:
                root = alias.get(x, x)
                alias[y] = root
                ranges[root] = (ranges[root][0], max(ranges[root][1], ranges[y][1]))
    placed: list[tuple[int, int, int, int]] = []   # (offset, size, first, last)
    order = sorted((t for t in ranges if t not in alias), key=lambda t: (ranges[t][0], t))
    head = 0
    for t in order:
        size = _a4(sg.tensors[t].nbytes)
        f, l_ = ranges[t]
        busy = sorted((o, s) for o, s, pf, pl in placed if not (pf > l_ or f > pl))
        off = 0
        for o, s in busy:
            if o - off >= size:
                break
            off = max(off, o + s)
        placed.append((off, size, f, l_))
        head = max(head, off + size)
    sbuf = kbuf = 0
    for op in sg.operators:
        if len(op.inputs) < 2 or op.inputs[0] not in acts:
            continue
        x, w = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]]
        if op.opcode == "CONV_2D" and len(w.shape) == 4 and (w.shape[1], w.shape[2]) != (1, 1):
            sbuf = max(sbuf, 4 * w.shape[1] * w.shape[2] * x.shape[3])
        if op.opcode == "DEPTHWISE_CONV_2D" and len(w.shape) == 4:
            kbuf = max(kbuf, 2 * w.shape[1] * w.shape[2] * w.shape[3])
    return BaselineResult(NAME, head + sbuf + kbuf, SOURCE, ASSUMPTIONS,
                          {"activations": head, "im2col": sbuf, "kernel_buffer": kbuf})
