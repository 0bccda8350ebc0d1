"""Single-op cases of the op x type pairs added for issue #10's type coverage: MAXIMUM/MINIMUM
int16 and int64, PAD int32, MEAN int16, LOGISTIC/TANH int16, SOFTMAX int16, LOG_SOFTMAX int8,
DIV int8 and RSQRT int16 (see each function). Used by the harness tests
(tests/unit/test_rt_kernels.py, via opcases.all_cases, also under QEMU), the estimator
(tests/unit/test_estimator_types.py), the firmware under QEMU (tests/integration/
test_rt_qemu_types.py) and the fuzz seeds.
Expected outputs come from the tflite-micro wheel (kcases.reference), never from our code."""
from __future__ import annotations

import numpy as np

from kcases import Cases, _model, qt, schema

S = schema


def maxmin_cases(c: Cases) -> None:
    rng = np.random.default_rng(41)
    for op in ("MAXIMUM", "MINIMUM"):
        for dt in ("int16", "int64"):
            q = qt(0.002, 0) if dt == "int16" else None
            big = 2**40 if dt == "int64" else 30000   # int64: values beyond int32's range
            for k, (sa, sb, so) in enumerate([((2, 3, 5), (2, 3, 5), (2, 3, 5)),
                                               ((3, 1, 5), (1, 4, 1), (3, 4, 5))]):
                def build(g, op=op, dt=dt, q=q, sa=sa, sb=sb, so=so):
                    x = g.input("a", sa, dt, q)
                    y = g.input("b", sb, dt, q)
                    z = g.tensor("z", so, dt, q)
                    g.op(op, [x, y], [z])
                    g.mark_outputs(z)
                ins = [rng.integers(-big, big, s).astype(dt) for s in (sa, sb)]
                c.items.append((f"{op.lower()}_{dt}_{k}", _model(build), ins))


def pad_int32_cases(c: Cases) -> None:
    def build(g):
        x = g.input("x", (2, 3, 4), "int32")
        p = g.const("pads", np.array([[1, 0], [0, 2], [1, 1]], np.int32))
        y = g.tensor("y", (3, 5, 6), "int32")
        g.op("PAD", [x, p], [y])
        g.mark_outputs(y)
    c.add("pad_int32_0", build, [((2, 3, 4), "int32")])


def mean_int16_cases(c: Cases) -> None:
    """MEAN int16: reduce_common.cc's QuantizedMeanOrSum<int16_t> (1/count folded into the multiplier)."""
    for k, (shape, axes, keep, qi, qo) in enumerate([
        ((1, 4, 4, 8), [1, 2], True, qt(0.0005, 0), qt(0.0003, 0)),
        ((2, 3, 5), [-1], False, qt(0.001, 0), qt(0.001, 0)),
        ((2, 3, 5), [0, 2], False, qt(0.002, 0), qt(0.0007, 0)),
        ((3, 6), [1], True, qt(0.001, 0), qt(0.004, 0)),
    ]):
        red = [a % len(shape) for a in axes]
        oshape = tuple(1 if i in red else d for i, d in enumerate(shape)) if keep else \
            tuple(d for i, d in enumerate(shape) if i not in red)

        def build(g, shape=shape, axes=axes, keep=keep, qi=qi, qo=qo, oshape=oshape):
            x = g.input("x", shape, "int16", qi)
            ax = g.const("axes", np.array(axes, np.int32))
            y = g.tensor("y", oshape, "int16", qo)
            o = S.ReducerOptionsT()
            o.keepDims = keep
            g.op("MEAN", [x, ax], [y], o)
            g.mark_outputs(y)
        c.add(f"mean_int16_{k}", build, [(shape, "int16")])


def sigmoid_int16_cases(c: Cases) -> None:
    """LOGISTIC and TANH int16: power-of-two input scales (TFLM's multiplier-0 path, LOGISTIC shift 0,
    TANH shift 0 and 1) and general scales (the 1/(3*4096) multiplier), over the whole int16 range."""
    rng = np.random.default_rng(42)
    x = rng.integers(-32768, 32768, (4, 64)).astype(np.int16)
    x[0, :8] = [-32768, 32767, 0, 1, -1, 255, -256, 511]
    for op in ("LOGISTIC", "TANH"):
        for k, scale in enumerate((2.0 ** -12, 2.0 ** -11, 0.0003, 0.001, 4e-5, 1e-9)):  # 1e-9: shift 31
            def build(g, op=op, scale=scale):
                a = g.input("x", x.shape, "int16", qt(scale, 0))
                y = g.tensor("y", x.shape, "int16", qt(1 / 32768, 0))
                g.op(op, [a], [y])
                g.mark_outputs(y)
            c.items.append((f"{op.lower()}_int16_{k}", _model(build), [x]))


def softmax_int16_cases(c: Cases) -> None:
    """SOFTMAX int16 -> int16 (zero points 0, output scale 1/32768): TFLM's two 513-entry tables,
    several betas and input scales, rows long enough for a large sum."""
    rng = np.random.default_rng(44)
    for k, (shape, beta, scale) in enumerate([((2, 10), 1.0, 0.001), ((1, 3, 7), 0.5, 0.0003),
                                               ((1, 300), 1.0, 0.0001), ((4, 33), 2.0, 0.002)]):
        def build(g, shape=shape, beta=beta, scale=scale):
            x = g.input("x", shape, "int16", qt(scale, 0))
            y = g.tensor("y", shape, "int16", qt(1 / 32768, 0))
            o = S.SoftmaxOptionsT()
            o.beta = beta
            g.op("SOFTMAX", [x], [y], o)
            g.mark_outputs(y)
        x = rng.integers(-32768, 32768, shape).astype(np.int16)
        c.items.append((f"softmax_int16_{k}", _model(build), [x]))


def log_softmax_int8_cases(c: Cases) -> None:
    """LOG_SOFTMAX int8 (output scale 16/256, zero point 127): TFLite's LogSoftmaxQuantized over
    rows of several lengths and input scales (large ones push diffs below the cut-off)."""
    rng = np.random.default_rng(45)
    for k, (shape, scale, zp) in enumerate([((2, 10), 0.1, 5), ((1, 3, 7), 0.25, -3), ((1, 300), 0.05, 0),
                                            ((4, 33), 1.0, 10), ((3, 5), 0.01, -128)]):
        def build(g, shape=shape, scale=scale, zp=zp):
            x = g.input("x", shape, "int8", qt(scale, zp))
            y = g.tensor("y", shape, "int8", qt(16 / 256, 127))
            g.op("LOG_SOFTMAX", [x], [y], S.LogSoftmaxOptionsT())
            g.mark_outputs(y)
        x = rng.integers(-128, 128, shape).astype(np.int8)
        c.items.append((f"log_softmax_int8_{k}", _model(build), [x]))


def div_int8_cases(c: Cases) -> None:
    """DIV int8: TFLM's reciprocal path (GetReciprocal of the divisor, headroom shift), fused
    activations, equal shapes and broadcasting, divisors equal to their zero point, and many exact
    halves (which pin down the multiplier's precision)."""
    rng = np.random.default_rng(43)
    for k, (sa, sb, so, qa, qb, qo, act) in enumerate([
        ((2, 3, 6), (2, 3, 6), (2, 3, 6), qt(0.05, 3), qt(0.02, -4), qt(0.1, 2), 0),
        ((2, 3, 6), (6,), (2, 3, 6), qt(0.1, -20), qt(0.05, 10), qt(0.02, -5), 1),
        ((3, 1, 5), (1, 4, 1), (3, 4, 5), qt(0.02, 0), qt(0.08, 0), qt(0.004, 0), 3),
        ((4, 16), (4, 16), (4, 16), qt(0.5, 100), qt(0.001, -128), qt(2.0, 7), 2),
        ((8, 64), (8, 64), (8, 64), qt(0.05, 3), qt(0.02, -4), qt(0.1, 2), 0),
    ]):
        def build(g, sa=sa, sb=sb, so=so, qa=qa, qb=qb, qo=qo, act=act):
            x = g.input("a", sa, "int8", qa)
            y = g.input("b", sb, "int8", qb)
            z = g.tensor("z", so, "int8", qo)
            o = S.DivOptionsT()
            o.fusedActivationFunction = act
            g.op("DIV", [x, y], [z], o)
            g.mark_outputs(z)
        a = rng.integers(-128, 128, sa).astype(np.int8)
        b = rng.integers(-128, 128, sb).astype(np.int8)
        if k == 0:  # zero divisors: TFLM's GetReciprocal(0) as the wheel computes it
            b.flat[:3] = qb.zero_point[0]
        c.items.append((f"div_int8_{k}", _model(build), [a, b]))


def rsqrt_int16_cases(c: Cases) -> None:
    """RSQRT int16 (zero points 0; the wheel's TFLM evaluates it, @90b983c's Prepare did not):
    GetInvSqrtQuantizedMultiplierExp over the non-negative int16 range, 0 giving the maximum."""
    rng = np.random.default_rng(46)
    for k, (si, so) in enumerate([(0.001, 0.0005), (0.0001, 0.002), (0.02, 0.0001)]):
        def build(g, si=si, so=so):
            x = g.input("x", (4, 32), "int16", qt(si, 0))
            y = g.tensor("y", (4, 32), "int16", qt(so, 0))
            g.op("RSQRT", [x], [y])
            g.mark_outputs(y)
        x = rng.integers(0, 32768, (4, 32)).astype(np.int16)  # TFLM fails the inference on x < 0
        x[0, :6] = [0, 1, 2, 3, 32767, 16384]
        c.items.append((f"rsqrt_int16_{k}", _model(build), [x]))


def type_cases(c: Cases) -> None:
    for f in (maxmin_cases, pad_int32_cases, mean_int16_cases, sigmoid_int16_cases, softmax_int16_cases,
              log_softmax_int8_cases, div_int8_cases, rsqrt_int16_cases):
        f(c)
