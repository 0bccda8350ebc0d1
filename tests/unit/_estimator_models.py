"""Hand-built models for the estimator's oracle tests: a thin layer over the wheel's schema object API,
serialised by simprof.model.writer (the one .tflite writer)."""
from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

from simprof.model.writer import pack

DTYPES = {"float32": (fb.TensorType.FLOAT32, np.float32), "int8": (fb.TensorType.INT8, np.int8),
          "int32": (fb.TensorType.INT32, np.int32), "int16": (fb.TensorType.INT16, np.int16),
          "int64": (fb.TensorType.INT64, np.int64), "resource": (fb.TensorType.RESOURCE, None)}


class Builder:
    def __init__(self):
        self.buffers = [fb.BufferT()]
        self.opcodes: dict[int, int] = {}
        self.codes: list[fb.OperatorCodeT] = []
        self.subgraphs: list[fb.SubGraphT] = []
        self.new_subgraph()

    def new_subgraph(self) -> int:
        sg = fb.SubGraphT()
        sg.tensors, sg.operators, sg.inputs, sg.outputs = [], [], [], []
        self.subgraphs.append(sg)
        self.sg = sg
        return len(self.subgraphs) - 1

    def tensor(self, shape, dtype="int8", data=None, q=None, variable=False, name=None) -> int:
        t = fb.TensorT()
        t.shape = list(shape)
        t.type = DTYPES[dtype][0]
        t.name = name or f"t{len(self.sg.tensors)}"
        t.isVariable = variable
        t.buffer = 0
        if data is not None:
            arr = np.asarray(data, dtype=DTYPES[dtype][1]).reshape(shape)
            b = fb.BufferT()
            b.data = list(arr.tobytes())
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if q is None and dtype in ("int8", "int16") and data is None:
            q = (0.05, 0)
        if q is not None:
            qp = fb.QuantizationParametersT()
            scales, zps = q[0], q[1]
            qp.scale = list(np.atleast_1d(scales).astype(float))
            qp.zeroPoint = list(np.atleast_1d(zps).astype(int))
            qp.quantizedDimension = q[2] if len(q) > 2 else 0
            t.quantization = qp
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def const(self, arr, dtype, q=None) -> int:
        arr = np.asarray(arr)
        return self.tensor(arr.shape, dtype, data=arr, q=q)

    def op(self, name, inputs, outputs, options=None, **fields):
        code = getattr(fb.BuiltinOperator, name)
        if code not in self.opcodes:
            oc = fb.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = 1
            self.opcodes[code] = len(self.codes)
            self.codes.append(oc)
        o = fb.OperatorT()
        o.opcodeIndex = self.opcodes[code]
        o.inputs, o.outputs = list(inputs), list(outputs)
        if options:
            o.builtinOptionsType = getattr(fb.BuiltinOptions, options)
            opt = getattr(fb, options + "T")()
            for k, v in fields.items():
                setattr(opt, k, v)
            o.builtinOptions = opt
        self.sg.operators.append(o)

    def io(self, inputs, outputs):
        self.sg.inputs, self.sg.outputs = list(inputs), list(outputs)

    def offline_plan(self, offsets) -> None:
        """TFLM's OfflineMemoryAllocation metadata: [version, subgraph, n, offsets...] as int32."""
        buf = fb.BufferT()
        buf.data = list(np.array([1, 0, len(offsets), *offsets], dtype="<i4").tobytes())
        self.buffers.append(buf)
        md = fb.MetadataT()
        md.name = "OfflineMemoryAllocation"
        md.buffer = len(self.buffers) - 1
        self.metadata = [md]

    def build(self) -> bytes:
        m = fb.ModelT()
        m.metadata = getattr(self, "metadata", None)
        m.version = 3
        m.operatorCodes = self.codes
        m.subgraphs = self.subgraphs
        m.buffers = self.buffers
        m.description = "simprof estimator test model"
        return pack(m)


def rng(seed=0):
    return np.random.default_rng(seed)


def conv_weights(b: Builder, cout, kh, kw, cin, dtype, per_channel=True):
    r = rng(cout * 7 + cin)
    if dtype == "int8":
        w = b.const(r.integers(-20, 20, (cout, kh, kw, cin)), "int8",
                    q=([0.02] * cout if per_channel else 0.02, [0] * (cout if per_channel else 1)))
        bias = b.const(r.integers(-50, 50, (cout,)), "int32",
                       q=([0.001] * cout if per_channel else 0.001, [0] * (cout if per_channel else 1)))
    else:
        w = b.const(r.normal(0, 0.1, (cout, kh, kw, cin)), "float32")
        bias = b.const(r.normal(0, 0.1, (cout,)), "float32")
    return w, bias


def _act(b, shape, dtype):
    return b.tensor(shape, dtype)


def op_model(op: str, dtype: str = "int8") -> bytes:
    """A one- or few-operator model exercising `op`, valid for TFLM's reference kernels."""
    b = Builder()
    A = lambda shape, dt=dtype: b.tensor(shape, dt)  # noqa: E731
    x = A([1, 8, 8, 4])
    if op == "CONV_2D":
        w, bias = conv_weights(b, 6, 3, 3, 4, dtype)
        y = A([1, 8, 8, 6])
        b.op(op, [x, w, bias], [y], "Conv2DOptions", padding=0, strideW=1, strideH=1,
             dilationWFactor=1, dilationHFactor=1)
    elif op == "DEPTHWISE_CONV_2D":
        w, bias = conv_weights(b, 1, 3, 3, 4, dtype)
        bias = b.const(np.zeros(4), "int32" if dtype == "int8" else "float32",
                       q=([0.001] * 4, [0] * 4) if dtype == "int8" else None)
        if dtype == "int8":
            w = b.const(rng(1).integers(-9, 9, (1, 3, 3, 4)), "int8", q=([0.02] * 4, [0] * 4, 3))
        y = A([1, 8, 8, 4])
        b.op(op, [x, w, bias], [y], "DepthwiseConv2DOptions", padding=0, strideW=1, strideH=1,
             depthMultiplier=1, dilationWFactor=1, dilationHFactor=1)
    elif op == "FULLY_CONNECTED":
        x2 = A([1, 256])
        b.sg.tensors.pop(0)
        x = 0
        if dtype == "int8":
            w = b.const(rng(2).integers(-9, 9, (10, 256)), "int8", q=(0.02, 0))
            bias = b.const(np.zeros(10), "int32", q=(0.001, 0))
        else:
            w = b.const(rng(2).normal(0, .1, (10, 256)), "float32")
            bias = b.const(np.zeros(10), "float32")
        y = A([1, 10])
        b.op(op, [x, w, bias], [y], "FullyConnectedOptions")
        del x2
    elif op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        y = A([1, 4, 4, 4])
        b.op(op, [x], [y], "Pool2DOptions", padding=1, strideW=2, strideH=2, filterWidth=2, filterHeight=2)
    elif op in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"):
        x2 = A([1, 8, 8, 4])
        y = A([1, 8, 8, 4])
        opts = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}.get(op)
        b.op(op, [x, x2], [y], opts)
        b.io([x, x2], [y])
        return b.build()
    elif op == "SOFTMAX":
        y = b.tensor([1, 8, 8, 4], dtype, q=(1 / 256, -128) if dtype == "int8" else None)
        b.op(op, [x], [y], "SoftmaxOptions", beta=1.0)
    elif op in ("LOGISTIC", "TANH"):
        q = ((1 / 256, -128) if op == "LOGISTIC" else (1 / 128, 0)) if dtype == "int8" else None
        y = b.tensor([1, 8, 8, 4], dtype, q=q)
        b.op(op, [x], [y])
    elif op in ("RELU", "RELU6", "HARD_SWISH", "RSQRT"):
        y = A([1, 8, 8, 4])
        b.op(op, [x], [y])
    elif op == "LEAKY_RELU":
        y = A([1, 8, 8, 4])
        b.op(op, [x], [y], "LeakyReluOptions", alpha=0.2)
    elif op == "RESHAPE":
        shape = b.const([1, 256], "int32")
        y = A([1, 256])
        b.op(op, [x, shape], [y], "ReshapeOptions", newShape=[1, -1])
    elif op == "SQUEEZE":
        x = b.tensor([1, 1, 1, 16], dtype)
        b.sg.tensors.pop(0)
        x = 0
        b.sg.tensors[0].shape = [1, 1, 1, 16]
        y = A([1, 16])
        b.op(op, [x], [y], "SqueezeOptions", squeezeDims=[1, 2])
    elif op == "EXPAND_DIMS":
        axis = b.const([0], "int32")
        y = A([1, 1, 8, 8, 4])
        b.op(op, [x, axis], [y])
    elif op == "MEAN":
        axis = b.const([1, 2], "int32")
        y = A([1, 1, 1, 4])
        b.op(op, [x, axis], [y], "ReducerOptions", keepDims=True)
    elif op == "PAD":
        pads = b.const([[0, 0], [1, 1], [1, 1], [0, 0]], "int32")
        y = A([1, 10, 10, 4])
        b.op(op, [x, pads], [y])
    elif op == "CONCATENATION":
        x2 = A([1, 8, 8, 4])
        y = A([1, 8, 8, 8])
        b.op(op, [x, x2], [y], "ConcatenationOptions", axis=3)
        b.io([x, x2], [y])
        return b.build()
    elif op in ("QUANTIZE", "DEQUANTIZE"):
        src, dst = ("float32", "int8") if op == "QUANTIZE" else ("int8", "float32")
        b.sg.tensors[0].type = DTYPES[src][0]
        if src == "float32":
            b.sg.tensors[0].quantization = None
        y = b.tensor([1, 8, 8, 4], dst)
        b.op(op, [x], [y])
    elif op == "STRIDED_SLICE":
        begin = b.const([0, 0, 0, 0], "int32")
        end = b.const([1, 8, 8, 2], "int32")
        strides = b.const([1, 2, 2, 1], "int32")
        y = A([1, 4, 4, 2])
        b.op(op, [x, begin, end, strides], [y], "StridedSliceOptions")
    elif op == "TRANSPOSE":
        perm = b.const([0, 3, 1, 2], "int32")
        y = A([1, 4, 8, 8])
        b.op(op, [x, perm], [y])
    elif op == "SHAPE":
        y = b.tensor([4], "int32")
        b.op(op, [x], [y], "ShapeOptions", outType=fb.TensorType.INT32)
    elif op == "PACK":
        x2 = A([1, 8, 8, 4])
        y = A([2, 1, 8, 8, 4])
        b.op(op, [x, x2], [y], "PackOptions", valuesCount=2, axis=0)
        b.io([x, x2], [y])
        return b.build()
    elif op == "UNPACK":
        y1, y2 = A([8, 8, 4]), A([8, 8, 4])
        b.sg.tensors[0].shape = [2, 8, 8, 4]
        b.op(op, [x], [y1, y2], "UnpackOptions", num=2, axis=0)
        b.io([x], [y1, y2])
        return b.build()
    elif op == "SPLIT":
        axis = b.const(np.array(3), "int32")
        b.sg.tensors[axis].shape = []
        y1, y2 = A([1, 8, 8, 2]), A([1, 8, 8, 2])
        b.op(op, [axis, x], [y1, y2], "SplitOptions", numSplits=2)
        b.io([x], [y1, y2])
        return b.build()
    elif op == "SPLIT_V":
        sizes = b.const([1, 3], "int32")
        axis = b.const(np.array(3), "int32")
        b.sg.tensors[axis].shape = []
        y1, y2 = A([1, 8, 8, 1]), A([1, 8, 8, 3])
        b.op(op, [x, sizes, axis], [y1, y2], "SplitVOptions", numSplits=2)
        b.io([x], [y1, y2])
        return b.build()
    else:
        raise KeyError(op)
    b.io([x], [y])
    return b.build()


def resource_model(dtype="float32") -> bytes:
    """CALL_ONCE initialises a resource variable in subgraph 1; subgraph 0 reads it, adds the input
    and assigns the sum back: the streaming-state pattern of keyword-spotting models."""
    b = Builder()
    x = b.tensor([1, 16], dtype)
    h = b.tensor([], "resource")
    v = b.tensor([1, 16], dtype)
    s = b.tensor([1, 16], dtype)
    b.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=1)
    b.op("VAR_HANDLE", [], [h], "VarHandleOptions", container="", sharedName="state")
    b.op("READ_VARIABLE", [h], [v])
    b.op("ADD", [x, v], [s], "AddOptions")
    b.op("ASSIGN_VARIABLE", [h, s], [])
    b.io([x], [s])
    b.new_subgraph()
    h1 = b.tensor([], "resource")
    z = b.const(np.zeros((1, 16)), dtype) if dtype == "float32" else b.const(np.zeros((1, 16)), dtype, q=(0.05, 0))
    b.op("VAR_HANDLE", [], [h1], "VarHandleOptions", container="", sharedName="state")
    b.op("ASSIGN_VARIABLE", [h1, z], [])
    return b.build()


def cnn(dtype="int8", blocks=2) -> bytes:
    """A small CNN: conv, depthwise, pool, residual add, mean, FC, softmax."""
    b = Builder()
    x = b.tensor([1, 16, 16, 3], dtype)
    w, bias = conv_weights(b, 8, 3, 3, 3, dtype)
    h = b.tensor([1, 8, 8, 8], dtype)
    b.op("CONV_2D", [x, w, bias], [h], "Conv2DOptions", padding=0, strideW=2, strideH=2,
         dilationWFactor=1, dilationHFactor=1, fusedActivationFunction=1)
    for i in range(blocks):
        if dtype == "int8":
            dw = b.const(rng(i).integers(-9, 9, (1, 3, 3, 8)), "int8", q=([0.02] * 8, [0] * 8, 3))
            dbias = b.const(np.zeros(8), "int32", q=([0.001] * 8, [0] * 8))
        else:
            dw = b.const(rng(i).normal(0, .1, (1, 3, 3, 8)), "float32")
            dbias = b.const(np.zeros(8), "float32")
        d = b.tensor([1, 8, 8, 8], dtype)
        b.op("DEPTHWISE_CONV_2D", [h, dw, dbias], [d], "DepthwiseConv2DOptions", padding=0, strideW=1,
             strideH=1, depthMultiplier=1, dilationWFactor=1, dilationHFactor=1)
        pw, pb = conv_weights(b, 8, 1, 1, 8, dtype)
        p = b.tensor([1, 8, 8, 8], dtype)
        b.op("CONV_2D", [d, pw, pb], [p], "Conv2DOptions", padding=0, strideW=1, strideH=1,
             dilationWFactor=1, dilationHFactor=1)
        r = b.tensor([1, 8, 8, 8], dtype)
        b.op("ADD", [h, p], [r], "AddOptions")
        h = r
    pooled = b.tensor([1, 4, 4, 8], dtype)
    b.op("MAX_POOL_2D", [h], [pooled], "Pool2DOptions", padding=1, strideW=2, strideH=2,
         filterWidth=2, filterHeight=2)
    axis = b.const([1, 2], "int32")
    m = b.tensor([1, 8], dtype)
    b.op("MEAN", [pooled, axis], [m], "ReducerOptions", keepDims=False)
    if dtype == "int8":
        fw = b.const(rng(9).integers(-9, 9, (5, 8)), "int8", q=(0.02, 0))
        fbias = b.const(np.zeros(5), "int32", q=(0.001, 0))
    else:
        fw = b.const(rng(9).normal(0, .1, (5, 8)), "float32")
        fbias = b.const(np.zeros(5), "float32")
    logits = b.tensor([1, 5], dtype)
    b.op("FULLY_CONNECTED", [m, fw, fbias], [logits], "FullyConnectedOptions")
    y = b.tensor([1, 5], dtype, q=(1 / 256, -128) if dtype == "int8" else None)
    b.op("SOFTMAX", [logits], [y], "SoftmaxOptions", beta=1.0)
    b.io([x], [y])
    return b.build()


OPS = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "MUL",
       "SOFTMAX", "RESHAPE", "MEAN", "PAD", "CONCATENATION", "QUANTIZE", "DEQUANTIZE", "LOGISTIC", "TANH",
       "RELU", "RELU6", "HARD_SWISH", "LEAKY_RELU", "SQUEEZE", "STRIDED_SLICE", "TRANSPOSE", "SHAPE", "PACK",
       "UNPACK", "EXPAND_DIMS", "SUB", "MAXIMUM", "MINIMUM", "RSQRT", "SPLIT", "SPLIT_V"]


DTYPES["bool"] = (fb.TensorType.BOOL, np.bool_)


def if_model() -> bytes:
    """IF with two branch subgraphs of two ops each, then RELU."""
    b = Builder()
    c = b.tensor([1], "bool")
    x, y, z = (b.tensor([1, 16], "float32") for _ in range(3))
    b.op("IF", [c, x], [y], "IfOptions", thenSubgraphIndex=1, elseSubgraphIndex=2)
    b.op("RELU", [y], [z])
    b.io([c, x], [z])
    for opn in ("ADD", "MUL"):
        b.new_subgraph()
        a, o, t = (b.tensor([1, 16], "float32") for _ in range(3))
        b.op(opn, [a, a], [t], "AddOptions" if opn == "ADD" else "MulOptions")
        b.op("RELU", [t], [o])
        b.io([a], [o])
    return b.build()


def while_model() -> bytes:
    """WHILE i < 3: i += 1, x += x."""
    b = Builder()
    i0, x, io, y = b.tensor([1], "int32"), b.tensor([1, 16], "float32"), b.tensor([1], "int32"), b.tensor([1, 16], "float32")
    b.op("WHILE", [i0, x], [io, y], "WhileOptions", condSubgraphIndex=1, bodySubgraphIndex=2)
    b.io([i0, x], [io, y])
    b.new_subgraph()
    ci, cx, lim, cb = b.tensor([1], "int32"), b.tensor([1, 16], "float32"), b.const([3], "int32"), b.tensor([1], "bool")
    b.op("LESS", [ci, lim], [cb])
    b.io([ci, cx], [cb])
    b.new_subgraph()
    bi, bx, one = b.tensor([1], "int32"), b.tensor([1, 16], "float32"), b.const([1], "int32")
    bo, by = b.tensor([1], "int32"), b.tensor([1, 16], "float32")
    b.op("ADD", [bi, one], [bo], "AddOptions")
    b.op("ADD", [bx, bx], [by], "AddOptions")
    b.io([bi, bx], [bo, by])
    return b.build()


def variable_model() -> bytes:
    """A variable (state) tensor: lives in the tail, not in the plan."""
    b = Builder()
    x = b.tensor([1, 16], "float32")
    st = b.tensor([1, 16], "float32", variable=True)
    y = b.tensor([1, 16], "float32")
    b.op("ADD", [x, st], [y], "AddOptions")
    b.io([x], [y])
    return b.build()


def offline_model() -> bytes:
    """x -RELU-> a -RELU-> b -RELU-> y with x and a placed by an offline plan (b, y online)."""
    b = Builder()
    ts = [b.tensor([1, 64], "float32") for _ in range(4)]
    for s, d in zip(ts, ts[1:]):
        b.op("RELU", [s], [d])
    b.io([ts[0]], [ts[-1]])
    b.offline_plan([512, 0, -1, -1])
    return b.build()


def fc_per_channel(n: int, k: int = 21, bias: bool = True) -> bytes:
    """int8 FULLY_CONNECTED with a per-channel filter of n output channels."""
    b = Builder()
    x = b.tensor([1, k], "int8")
    w = b.const(rng(2).integers(-9, 9, (n, k)), "int8", q=([0.02] * n, [0] * n))
    bias_t = b.const(np.zeros(n), "int32", q=([0.001] * n, [0] * n)) if bias else -1
    y = b.tensor([1, n], "int8")
    b.op("FULLY_CONNECTED", [x, w, bias_t], [y], "FullyConnectedOptions")
    b.io([x], [y])
    return b.build()
