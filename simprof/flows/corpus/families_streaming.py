"""Streaming keyword-spotting family of the generated corpus, shaped like the public wake-word models
(microWakeWord, as shipped in the pymicro-wakeword wheel): each temporal convolution keeps the last
kernel-1 frames of its input in a resource variable (VAR_HANDLE, READ_VARIABLE, CONCATENATION over
time, STRIDED_SLICE, ASSIGN_VARIABLE), an init subgraph run once by CALL_ONCE zeroes every state,
and the int8 model ends in LOGISTIC and a QUANTIZE to uint8. Registered into `families.FAMILIES`."""
from __future__ import annotations

import numpy as np

from simprof.model.builder import Quant, TensorRef, schema
from .act import Act
from .layers import Graph
from .registry import Params, family
from .registry import pick as _pick


def _sample_streaming(rng: np.random.Generator) -> Params:
    """Streaming wake-word model: 1-3 new feature frames per step, 2-5 stateful temporal conv layers
    (full conv or depthwise), dense, logistic; one resource variable per layer."""
    layers = [{"op": "conv" if i == 0 else _pick(rng, ["conv", "dw", "dw"]),
               "kernel": int(rng.integers(2, 6)), "filters": _pick(rng, [16, 24, 32, 48, 64])}
              for i in range(int(rng.integers(2, 6)))]
    return {"features": _pick(rng, [20, 32, 40, 40]), "stride": int(rng.integers(1, 4)), "layers": layers}


def _handle(g: Graph, name: str) -> TensorRef:
    """A VAR_HANDLE op for the resource variable `name` (same container in both subgraphs)."""
    res = g.sg.tensor(f"{name}_handle", (), "resource")
    opt = schema.VarHandleOptionsT()
    opt.container, opt.sharedName = "", name
    g.sg.op("VAR_HANDLE", [], [res], opt)
    return res


def _zero_state(init: Graph, like: Act, name: str, shape: tuple[int, ...]) -> None:
    res = _handle(init, name)
    if init.dtype == "int8":
        q = like.ref.quant
        zeros = init.sg.const(f"{name}_zero", np.full(shape, q.zero_point[0], np.int8), "int8", q)
    else:
        zeros = init.sg.const(f"{name}_zero", np.zeros(shape, np.float32), "float32")
    init.sg.op("ASSIGN_VARIABLE", [res, zeros], [], schema.AssignVariableOptionsT())


@family("streaming_kws", "streaming wake-word model: resource-variable ring buffers, CALL_ONCE init, uint8 output",
        _sample_streaming)
def _build_streaming(g: Graph, p: Params) -> None:
    call = schema.CallOnceOptionsT()
    call.initSubgraphIndex = 1
    g.sg.op("CALL_ONCE", [], [], call)
    init = Graph(g.model, g.dtype, seed=1, subgraph=g.model.subgraph("init"))
    x = g.input((1, p["stride"], 1, p["features"]), -4.0, 4.0)
    s = p["stride"]
    for i, layer in enumerate(p["layers"]):
        k, c = layer["kernel"], x.shape[-1]
        name = f"stream{i}"
        state_shape = (1, k - 1, 1, c)
        res = _handle(g, name)
        state = g._like("state", x, state_shape)
        g.sg.op("READ_VARIABLE", [res], [state.ref], schema.ReadVariableOptionsT())
        window = g.concat([state, x], axis=1)
        kept = g.strided_slice(window, (0, s, 0, 0), (1, k - 1 + s, 1, c), (1, 1, 1, 1))
        g.sg.op("ASSIGN_VARIABLE", [res, kept.ref], [], schema.AssignVariableOptionsT())
        _zero_state(init, x, name, state_shape)
        if layer["op"] == "conv":
            x = g.conv2d(window, layer["filters"], (k, 1), 1, "VALID", act="RELU")
        else:
            x = g.depthwise(window, (k, 1), 1, "VALID", act="RELU")
    x = g.fully_connected(g.reshape(x, (1, int(np.prod(x.shape)))), 1, out_std=2.0)
    y = g.unary("LOGISTIC", x)
    if g.dtype == "int8":
        prob = g.sg.tensor("probability", (1, 1), "uint8", Quant.per_tensor(1 / 256, 0))
        g.sg.op("QUANTIZE", [y.ref], [prob])
        g.sg.mark_outputs(prob)
    else:
        g.output(y)
