"""Data-movement layers of `Graph` (reshape, pad, concat, slice, split, ...). They never rescale, so
every output shares its input's quantization, which is what TFLM's int8 kernels for them require."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from simprof.model.builder import BuilderError, schema

from .act import Act


class ShapeOps:
    """Mixin for `simprof.flows.corpus.layers.Graph`."""

    def reshape(self, x: "Act", shape: Sequence[int]) -> "Act":
        shape = tuple(int(d) for d in shape)
        if int(np.prod(shape)) != int(np.prod(x.shape)):
            raise BuilderError(f"reshape {x.shape} -> {shape} changes the element count")
        y = self._like("reshape", x, shape)
        opt = schema.ReshapeOptionsT()
        opt.newShape = list(shape)
        self.sg.op("RESHAPE", [x.ref, self.const_int32(shape)], [y.ref], opt)
        return y

    def squeeze(self, x: "Act", dims: Sequence[int]) -> "Act":
        shape = [d for i, d in enumerate(x.shape) if i not in dims]
        y = self._like("squeeze", x, shape)
        opt = schema.SqueezeOptionsT()
        opt.squeezeDims = list(dims)
        self.sg.op("SQUEEZE", [x.ref], [y.ref], opt)
        return y

    def expand_dims(self, x: "Act", axis: int) -> "Act":
        shape = list(x.shape)
        shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
        y = self._like("expand", x, shape)
        self.sg.op("EXPAND_DIMS", [x.ref, self.const_int32([axis], "axis")], [y.ref], schema.ExpandDimsOptionsT())
        return y

    def transpose(self, x: "Act", perm: Sequence[int]) -> "Act":
        y = self._like("transpose", x, [x.shape[p] for p in perm])
        self.sg.op("TRANSPOSE", [x.ref, self.const_int32(perm, "perm")], [y.ref], schema.TransposeOptionsT())
        return y

    def pad(self, x: "Act", paddings: Sequence[tuple[int, int]]) -> "Act":
        shape = [d + a + b for d, (a, b) in zip(x.shape, paddings)]
        y = self._like("pad", x, shape)
        pads = self.sg.const(self._name("paddings"), np.asarray(paddings, dtype=np.int32), "int32")
        self.sg.op("PAD", [x.ref, pads], [y.ref], schema.PadOptionsT())
        return y

    def concat(self, xs: Sequence["Act"], axis: int = -1) -> "Act":
        first = xs[0]
        if any(x.ref.quant != first.ref.quant for x in xs):
            raise BuilderError("CONCATENATION inputs must share one quantization")
        ax = axis % len(first.shape)
        shape = list(first.shape)
        shape[ax] = sum(x.shape[ax] for x in xs)
        y = self._like("concat", first, shape)
        opt = schema.ConcatenationOptionsT()
        opt.axis = axis
        self.sg.op("CONCATENATION", [x.ref for x in xs], [y.ref], opt)
        return y

    def strided_slice(self, x: "Act", begin: Sequence[int], end: Sequence[int], strides: Sequence[int]) -> "Act":
        shape = [len(range(b, e, s)) for b, e, s in zip(begin, end, strides)]
        y = self._like("slice", x, shape)
        self.sg.op("STRIDED_SLICE", [x.ref, self.const_int32(begin, "begin"), self.const_int32(end, "end"),
                                     self.const_int32(strides, "strides")], [y.ref], schema.StridedSliceOptionsT())
        return y

    def shape_of(self, x: "Act") -> "Act":
        ref = self.sg.tensor(self._name("shape_out"), (len(x.shape),), "int32")
        opt = schema.ShapeOptionsT()
        opt.outType = schema.TensorType.INT32
        self.sg.op("SHAPE", [x.ref], [ref], opt)
        return Act(ref, 0.0, 1.0, 0.0, float(max(x.shape)))

    def pack(self, xs: Sequence["Act"], axis: int = 0) -> "Act":
        shape = list(xs[0].shape)
        shape.insert(axis, len(xs))
        y = self._like("pack", xs[0], shape)
        opt = schema.PackOptionsT()
        opt.valuesCount, opt.axis = len(xs), axis
        self.sg.op("PACK", [x.ref for x in xs], [y.ref], opt)
        return y

    def unpack(self, x: "Act", axis: int = 0) -> list["Act"]:
        shape = [d for i, d in enumerate(x.shape) if i != axis]
        ys = [self._like("unpack", x, shape) for _ in range(x.shape[axis])]
        opt = schema.UnpackOptionsT()
        opt.num, opt.axis = len(ys), axis
        self.sg.op("UNPACK", [x.ref], [y.ref for y in ys], opt)
        return ys

    def split(self, x: "Act", num: int, axis: int = -1) -> list["Act"]:
        ax = axis % len(x.shape)
        if x.shape[ax] % num:
            raise BuilderError(f"SPLIT: dim {x.shape[ax]} is not divisible by {num}")
        shape = list(x.shape)
        shape[ax] //= num
        ys = [self._like("split", x, shape) for _ in range(num)]
        opt = schema.SplitOptionsT()
        opt.numSplits = num
        self.sg.op("SPLIT", [self.const_int32([axis], "axis"), x.ref], [y.ref for y in ys], opt)
        return ys

    def split_v(self, x: "Act", sizes: Sequence[int], axis: int = -1) -> list["Act"]:
        ax = axis % len(x.shape)
        if sum(sizes) != x.shape[ax]:
            raise BuilderError(f"SPLIT_V: sizes {list(sizes)} do not add up to {x.shape[ax]}")
        ys = []
        for s in sizes:
            shape = list(x.shape)
            shape[ax] = s
            ys.append(self._like("splitv", x, shape))
        opt = schema.SplitVOptionsT()
        opt.numSplits = len(sizes)
        self.sg.op("SPLIT_V", [x.ref, self.const_int32(sizes, "sizes"), self.const_int32([axis], "axis")],
                   [y.ref for y in ys], opt)
        return ys
