"""Small models for the simprof-rt tests, built with simprof.model.builder (no TensorFlow)."""
from __future__ import annotations

import numpy as np

from simprof.model.builder import ModelBuilder, Quant, schema


def control_model(dtype: str = "int8", nvars: int = 1) -> bytes:
    """Subgraph 0: CALL_ONCE(init) then per variable VAR_HANDLE, READ_VARIABLE, ADD(state, x),
    ASSIGN_VARIABLE; subgraph 1 ("init") assigns the initial state from a constant."""
    m = ModelBuilder("simprof-rt control flow")
    g = m.subgraph("main")
    init = m.subgraph("init")
    q = Quant.per_tensor(0.1, -3) if dtype == "int8" else None
    call = schema.CallOnceOptionsT()
    call.initSubgraphIndex = 1
    g.op("CALL_ONCE", [], [], call)
    x = g.input("x", (1, 5, 3), dtype, q)
    outs = []
    for v in range(nvars):
        opt = schema.VarHandleOptionsT()
        opt.container, opt.sharedName = "", f"state{v}"
        res = g.tensor(f"h{v}", (), "resource")
        g.op("VAR_HANDLE", [], [res], opt)
        st = g.tensor(f"s{v}", (1, 5, 3), dtype, q)
        g.op("READ_VARIABLE", [res], [st], schema.ReadVariableOptionsT())
        y = g.tensor(f"y{v}", (1, 5, 3), dtype, q)
        g.op("ADD", [st, x], [y], schema.AddOptionsT())
        g.op("ASSIGN_VARIABLE", [res, y], [], schema.AssignVariableOptionsT())
        outs.append(y)
        r2 = init.tensor(f"h{v}", (), "resource")
        init.op("VAR_HANDLE", [], [r2], opt)
        start = (np.arange(15).reshape(1, 5, 3) % 7 - 3)
        z = init.const(f"z{v}", start.astype(np.int8 if dtype == "int8" else np.float32), dtype, q)
        init.op("ASSIGN_VARIABLE", [r2, z], [], schema.AssignVariableOptionsT())
    g.mark_outputs(*outs)
    return m.to_bytes()


def offline_plan_model() -> bytes:
    """ADD -> ADD with an OfflineMemoryAllocation plan that fixes two of the three activations."""
    m = ModelBuilder("simprof-rt offline plan")
    g = m.subgraph("main")
    q = Quant.per_tensor(0.05, 2)
    x = g.input("x", (1, 7, 5), "int8", q)
    c = g.const("c", np.ones((1, 7, 5), np.int8), "int8", q)
    y = g.tensor("y", (1, 7, 5), "int8", q)
    g.op("ADD", [x, c], [y], schema.AddOptionsT())
    z = g.tensor("z", (1, 7, 5), "int8", q)
    g.op("ADD", [y, c], [z], schema.AddOptionsT())
    g.mark_outputs(z)
    m.add_offline_memory_plan([64, -1, 0, -1])
    return m.to_bytes()


def unused_tensor_model() -> bytes:
    """A tensor no operator touches (lifetime [-1, -1], still planned) and a rank-0 constant."""
    m = ModelBuilder("simprof-rt unused tensor")
    g = m.subgraph("main")
    x = g.input("x", (1, 9), "float32")
    g.tensor("unused", (3, 11), "float32")
    c = g.const("scalar", np.array(2.0, np.float32))
    y = g.tensor("y", (1, 9), "float32")
    g.op("MUL", [x, c], [y], schema.MulOptionsT())
    g.mark_outputs(y)
    return m.to_bytes()


def fc_model(units: int, bias: bool = True, per_channel: bool = True, depth: int = 12) -> bytes:
    """One int8 FULLY_CONNECTED; per-channel filters make TFLM take two per-channel arrays in
    Prepare while its temporary tensors are live."""
    m = ModelBuilder("simprof-rt fc")
    g = m.subgraph("main")
    x = g.input("x", (1, depth), "int8", Quant.per_tensor(0.05, 1))
    wq = (Quant.per_channel([0.01 + 0.001 * i for i in range(units)], axis=0) if per_channel
          else Quant.per_tensor(0.01, 0))
    w = g.const("w", (np.arange(units * depth) % 11 - 5).reshape(units, depth).astype(np.int8), "int8", wq)
    b = None
    if bias:
        bq = (Quant.per_channel([0.0005 + 0.00005 * i for i in range(units)], axis=0) if per_channel
              else Quant.per_tensor(0.0005, 0))
        b = g.const("b", np.arange(units, dtype=np.int32) * 3, "int32", bq)
    y = g.tensor("y", (1, units), "int8", Quant.per_tensor(0.1, -2))
    g.op("FULLY_CONNECTED", [x, w, b], [y], schema.FullyConnectedOptionsT())
    g.mark_outputs(y)
    return m.to_bytes()


def if_model() -> bytes:
    """IF(cond, x): then = ADD(x, x) -> RELU, else = MUL(x, x) -> RELU; then RELU."""
    m = ModelBuilder("simprof-rt if")
    g, then_, else_ = m.subgraph("main"), m.subgraph("then"), m.subgraph("else")
    c = g.input("c", (1,), "bool")
    x = g.input("x", (1, 16), "float32")
    y = g.tensor("y", (1, 16), "float32")
    z = g.tensor("z", (1, 16), "float32")
    o = schema.IfOptionsT()
    o.thenSubgraphIndex, o.elseSubgraphIndex = 1, 2
    g.op("IF", [c, x], [y], o)
    g.op("RELU", [y], [z])
    g.mark_outputs(z)
    for sg, op, opt in ((then_, "ADD", schema.AddOptionsT()), (else_, "MUL", schema.MulOptionsT())):
        a = sg.input("a", (1, 16), "float32")
        t = sg.tensor("t", (1, 16), "float32")
        r = sg.tensor("r", (1, 16), "float32")
        sg.op(op, [a, a], [t], opt)
        sg.op("RELU", [t], [r])
        sg.mark_outputs(r)
    return m.to_bytes()


def while_model() -> bytes:
    """WHILE(b, x): the condition subgraph passes b through; the body doubles x and returns a
    constant false, so the body runs once when b is true."""
    m = ModelBuilder("simprof-rt while")
    g, cond, body = m.subgraph("main"), m.subgraph("cond"), m.subgraph("body")
    b = g.input("b", (1,), "bool")
    x = g.input("x", (1, 16), "float32")
    bo = g.tensor("bo", (1,), "bool")
    y = g.tensor("y", (1, 16), "float32")
    o = schema.WhileOptionsT()
    o.condSubgraphIndex, o.bodySubgraphIndex = 1, 2
    g.op("WHILE", [b, x], [bo, y], o)
    g.mark_outputs(y)
    cb = cond.input("cb", (1,), "bool")
    cond.input("cx", (1, 16), "float32")
    cond.mark_outputs(cb)
    body.input("bb", (1,), "bool")
    bx = body.input("bx", (1, 16), "float32")
    no = body.const("no", np.array([False]), "bool")
    by = body.tensor("by", (1, 16), "float32")
    body.op("ADD", [bx, bx], [by], schema.AddOptionsT())
    body.mark_outputs(no, by)
    return m.to_bytes()
