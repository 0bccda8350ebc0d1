"""Streaming-style example models with resource variables (VAR_HANDLE, READ_VARIABLE,
ASSIGN_VARIABLE, CALL_ONCE), the pattern of real wake-word models: subgraph 0 runs CALL_ONCE, which
runs subgraph 1 once to initialise the state; each invoke then shifts the state window by one frame,
appends the new input frame, stores it back and classifies the window."""
from __future__ import annotations

from typing import Callable

import numpy as np

from simprof.model.builder import TensorRef, schema
from .layers import Act, Graph

FRAMES, FEATURES = 4, 8


def _handle(g: Graph, name: str) -> TensorRef:
    res = g.sg.tensor(f"{name}_handle", (), "resource")
    opt = schema.VarHandleOptionsT()
    opt.container, opt.sharedName = "", name
    g.sg.op("VAR_HANDLE", [], [res], opt)
    return res


def _init_subgraph(g: Graph, like: Act, name: str) -> None:
    init = Graph(g.model, g.dtype, seed=1, subgraph=g.model.subgraph("init"))
    res = _handle(init, name)
    shape = (1, FRAMES, FEATURES)
    if g.dtype == "int8":
        q = like.ref.quant
        zeros = init.sg.const("state_init", np.full(shape, q.zero_point[0], np.int8), "int8", q)
    else:
        zeros = init.sg.const("state_init", np.zeros(shape, np.float32), "float32")
    init.sg.op("ASSIGN_VARIABLE", [res, zeros], [], schema.AssignVariableOptionsT())


def _streaming(g: Graph) -> None:
    call = schema.CallOnceOptionsT()
    call.initSubgraphIndex = 1
    g.sg.op("CALL_ONCE", [], [], call)
    x = g.input((1, 1, FEATURES))
    res = _handle(g, "state")
    state = g._like("state", x, (1, FRAMES, FEATURES))
    g.sg.op("READ_VARIABLE", [res], [state.ref], schema.ReadVariableOptionsT())
    older = g.strided_slice(state, (0, 1, 0), (1, FRAMES, FEATURES), (1, 1, 1))
    window = g.concat([older, x], axis=1)
    g.sg.op("ASSIGN_VARIABLE", [res, window.ref], [], schema.AssignVariableOptionsT())
    g.output(g.fully_connected(g.reshape(window, (1, FRAMES * FEATURES)), 6, act="RELU"))
    _init_subgraph(g, x, "state")


def register(add: Callable[..., None]) -> None:
    ops = ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE", "STRIDED_SLICE", "CONCATENATION",
           "RESHAPE", "FULLY_CONNECTED")
    for dt in ("int8", "float32"):
        add(f"streaming_{dt}", ops, dt, "resource-variable state window initialised by CALL_ONCE (2 subgraphs)",
            _streaming)
