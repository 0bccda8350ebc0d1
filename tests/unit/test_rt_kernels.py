"""simprof-rt kernels, bit for bit against TFLM (the tflite-micro wheel's host interpreter).

Each op of firmware/kernels runs alone in tests/unit/kernels/harness.c (a stand-in for the
runtime's services, built with ASan + UBSan) on single-op models (tests/unit/kernels/opcases.py):
int8 and float32, fused activations, broadcasting, padding modes, per-channel weights. Checks:
  * output bytes == simprof.model.oracle.reference_outputs (TFLM reference kernels);
  * the Prepare-time temp-tensor / persistent-buffer / scratch sequence == the one
    tflm-arena-facts.md (§3b, §4, §5a) gives for TFLM's reference kernel (for ops it does not
    list: the temp sequence probed on the wheel in estimator/data/op_costs.json);
  * corrupt shapes never make a kernel read or write out of bounds (the sanitizers abort).
Runtime: ~15 s on 2 cores (gcc build ~5 s, 171 oracle runs, ~700 harness runs).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
import kcases  # noqa: E402
import opcases  # noqa: E402
import opcases_b  # noqa: E402
import opcases_lstm  # noqa: E402


CASES = opcases.all_cases()
OP_COSTS = Path(__file__).resolve().parents[2] / "estimator" / "data" / "op_costs.json"
IDS = [c[0] for c in CASES]


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return kcases.build_harness(tmp_path_factory.mktemp("kharness") / "harness")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("kcases")


@pytest.mark.parametrize("name,model,inputs", CASES, ids=IDS)
def test_bit_exact_against_tflm(harness, workdir, name, model, inputs):
    expected = kcases.reference(model, inputs)
    got = kcases.run_case_cached(harness, workdir, name, model, inputs)
    assert got.status == 0, got.error
    assert len(got.outputs) == len(expected)
    for k, (ref, out) in enumerate(zip(expected, got.outputs)):
        ref_bytes = np.ascontiguousarray(ref).tobytes()
        if ref_bytes != out:
            a = np.ascontiguousarray(ref).ravel()
            b = np.frombuffer(out, dtype=a.dtype) if len(out) == len(ref_bytes) else None
            diff = [] if b is None else np.nonzero(a.view(np.uint8) != np.frombuffer(out, np.uint8))[0][:5]
            pytest.fail(f"{name} output {k}: {len(out)} vs {len(ref_bytes)} bytes, first differing bytes {diff}")


# Temp tensors (T in/out i), Prepare-time persistent buffers (P bytes) and scratch requests
# (S bytes) of TFLM's reference kernels, from tflm-arena-facts.md §3b, §4 and §5a.
def expected_events(name: str, model: bytes) -> list[str] | None:
    shapes = kcases.tensor_shapes(model)
    ops = name.rsplit("_", 2)[0]
    sg = kcases.schema.Model.GetRootAs(model, 0).Subgraphs(0)
    op = sg.Operators(0)
    nin = op.InputsLength()
    has_bias = nin > 2 and op.Inputs(2) >= 0
    is_int8 = "_int8_" in name

    def n(i):
        return int(np.prod(shapes[op.Outputs(i)]))
    ops_b = opcases_b.expected_events_b(ops, name, shapes, op)
    if ops_b is not None:
        return ops_b
    if ops == "lstm":
        return opcases_lstm.expected_events_lstm(name, shapes, op)
    if ops == "conv":
        c = shapes[op.Inputs(1)][0]
        return ["T out 0", "T in 0", "T in 1", f"P {4 * c}", f"P {4 * c}", "T in 0", "T in 1"] + \
               (["T in 2"] if has_bias else []) + ["T out 0"]
    if ops == "dw":
        c = shapes[op.Inputs(1)][3]
        return ["T out 0", "T in 0", "T in 1", f"P {4 * c}", f"P {4 * c}", "T in 0", "T in 1"] + \
               (["T in 2"] if has_bias else []) + ["T out 0"]
    if ops == "fc":
        units = shapes[op.Inputs(1)][0]
        q = sg.Tensors(op.Inputs(1)).Quantization()
        pc = (is_int8 or "_int16_" in name) and q is not None and q.ScaleLength() > 1
        return ["T in 0", "T in 1"] + (["T in 2"] if has_bias else []) + ["T out 0"] + \
               ([f"P {4 * units}"] * 2 if pc else [])
    if ops in ("add", "sub", "mul"):
        return ["T in 0", "T in 1", "T out 0"]
    if ops == "log_softmax":  # LogSoftmaxOpData (40 B on x86-64) taken while the temporaries are live
        return ["T in 0", "T out 0", "P 40"]
    if ops == "softmax" and "_int16_" in name:  # two 513-entry int16 tables, temporaries live
        return ["T in 0", "T out 0", "P 1026", "P 1026"]
    if ops in ("softmax", "pool", "reshape", "quantize", "dequantize", "logistic", "relu", "hard_swish",
               "squeeze", "leaky_relu"):
        return ["T in 0", "T out 0"]
    if ops == "relu6":
        return ["T in 0"]
    if ops == "tanh":
        return ["T in 0", "T in 0", "T out 0"]
    if ops == "mean":
        rank = len(shapes[op.Inputs(0)])
        naxis = int(np.prod(shapes[op.Inputs(1)]))
        q = is_int8 or "_int16_" in name  # the accumulator scratch; the last output temp is int8's only
        return ["T in 0", "T out 0", "T in 1"] + ([f"S {4 * n(0)}"] if q else []) + \
               [f"S {4 * rank}", f"S {4 * naxis}", "T in 0", "T in 1"] + (["T out 0"] if is_int8 else [])
    if ops in ("reduce_max", "reduce_min", "sum", "reduce_all"):  # reduce_common.cc's helpers
        rank = len(shapes[op.Inputs(0)])
        naxis = int(np.prod(shapes[op.Inputs(1)]))
        t = sg.Tensors(op.Inputs(0)).Type()
        i8, q = t == kcases.schema.TensorType.INT8, t in (kcases.schema.TensorType.INT8, kcases.schema.TensorType.INT16)
        scratch = [f"S {4 * rank}", f"S {4 * naxis}"]
        if ops in ("reduce_max", "reduce_min"):
            return ["T in 0", "T in 1"] + (["T out 0"] if i8 else []) + ["T in 0", "T out 0", "T in 1"] + scratch
        if ops == "sum":
            return ["T in 0", "T out 0", "T in 1"] + ([f"S {4 * n(0)}"] if q else []) + scratch + \
                   ["T in 0", "T in 1"] + (["T out 0"] if i8 else [])
        return ["T in 0", "T out 0", "T in 1", "T in 0", "T in 1"] + scratch
    if ops == "add_n":  # add_n.cc: in0, out, the other inputs; int8 OpData (40 B); a pointer per input
        i8 = sg.Tensors(op.Inputs(0)).Type() == kcases.schema.TensorType.INT8
        return ["T in 0", "T out 0"] + [f"T in {i}" for i in range(1, nin)] + (["P 40"] if i8 else []) + \
               [f"S {8 * nin}"]
    if ops == "pad":
        return ["T in 0", "T in 1", "T out 0"]
    if ops == "concat":
        return ["T in 0", "T out 0"] + [f"T in {i}" for i in range(nin)]
    if ops == "strided_slice":
        return ["T in 0", "T in 1", "T in 2", "T in 3", "T out 0"]
    if ops == "transpose":
        return ["T in 0", "T in 1", "T out 0"]
    if ops in ("pack", "shape"):
        return []
    # Ops the facts sheet does not cover: the temp sequence the estimator engineer probed on the
    # wheel (estimator/data/op_costs.json, "i0"/"o0" = input/output 0).
    costs = json.loads(OP_COSTS.read_text())["ops"]
    key = {"split_v": "SPLIT_V", "expand_dims": "EXPAND_DIMS"}.get(ops, ops.upper())
    if key in costs:
        return [f"T {'in' if t[0] == 'i' else 'out'} {t[1:]}" for t in costs[key]["temps"]]
    return None


@pytest.mark.parametrize("name,model,inputs", CASES, ids=IDS)
def test_prepare_allocations_follow_tflm(harness, workdir, name, model, inputs):
    want = expected_events(name, model)
    assert want is not None, (f"no expected Prepare sequence for {name}: add it to the fact sheet "
                              "table or to estimator/data/op_costs.json")
    got = kcases.run_case_cached(harness, workdir, name, model, inputs)
    assert got.status == 0, got.error
    # the mean scratch event sequence in the facts is ordered by request; our harness logs
    # requests and temp tensors in call order, which is what matters for the arena
    assert list(got.events) == want


_BAD_SCALES = (0.0, 1e-30, 1e-12, 1e12, 1e30, float("inf"), float("nan"), -0.5)


def _mutations(model: bytes, rng: np.random.Generator, count: int):
    """(shapes, quants) overrides: one dim changed, dropped or inserted, or one tensor's
    quantisation replaced by extreme scales / zero points."""
    shapes = kcases.tensor_shapes(model)
    for _ in range(count):
        i = int(rng.integers(len(shapes)))
        s = list(shapes[i])
        kind = rng.integers(4)
        if kind == 3:
            n = int(rng.integers(1, 3))
            yield {}, {i: ([float(rng.choice(_BAD_SCALES)) for _ in range(n)],
                           [int(rng.integers(-300, 300)) for _ in range(n)])}
            continue
        if kind == 0 and s:
            j = int(rng.integers(len(s)))
            s[j] = int(rng.integers(0, 2 * s[j] + 3))
        elif kind == 1 and s:
            s.pop(int(rng.integers(len(s))))
        else:
            s.insert(int(rng.integers(len(s) + 1)), int(rng.integers(0, 4)))
        yield {i: s}, {}


def test_corrupt_shapes_never_go_out_of_bounds(harness, workdir):
    """Random shape and quantisation corruptions of every case: the kernel must reject the model or
    compute without any sanitizer report (run_case raises if the harness dies)."""
    rng = np.random.default_rng(99)
    rejected = 0
    for name, model, inputs in CASES:
        for k, (shapes, quants) in enumerate(_mutations(model, rng, 3)):
            res = kcases.run_case(harness, workdir, f"fz_{name}_{k}", model, inputs, shapes, quants)
            assert res.status in (0, 2), res.error
            rejected += res.status == 2
    assert rejected > 0  # the corruptions do reach the validation code


def test_unsupported_type_is_reported_by_name(harness, workdir):
    """An int16 GREATER (TFLM leaves its scaling unset) is rejected in Prepare with the op and
    type named."""
    def build(g):
        x = g.input("x", (1, 8), "int16", kcases.qt(0.01, 0))
        y = g.input("y", (1, 8), "int16", kcases.qt(0.01, 0))
        z = g.tensor("z", (1, 8), "bool")
        g.op("GREATER", [x, y], [z])
        g.mark_outputs(z)
    model = kcases._model(build)
    res = kcases.run_case(harness, workdir, "unsupported", model, [np.zeros((1, 8), np.int16)] * 2)
    assert res.status == 2
    assert res.error.startswith("F 2 GREATER") and "INT16" in res.error


def test_expf_tanhf_equal_host_glibc(tmp_path):
    """The float kernels' expf (SOFTMAX, LOGISTIC) and tanhf (TANH) reproduce the host C library's
    on ~4.3 M inputs spread over all float bit patterns (all 2^32 were checked once); on
    Cortex-M, newlib's own differ (test_rt_bitexact_qemu.py compares the targets' results)."""
    exe = tmp_path / "libm_check"
    src = Path(__file__).resolve().parent / "kernels" / "libm_check.c"
    subprocess.run(["gcc", "-O2", "-std=c11", f"-I{kcases.KERNELS}", str(kcases.KERNELS / "libm_compat.c"),
                    str(src), "-lm", "-o", str(exe)], check=True)
    out = subprocess.run([str(exe), "997"], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("bad 0"), out


def test_supported_ops_doc_is_generated_from_the_kernels():
    """docs/supported-ops.md equals what firmware/tools/gen_supported_ops.py renders now (every
    registered op has an @op support line and vice versa)."""
    r = subprocess.run([sys.executable, str(kcases.ROOT / "firmware" / "tools" / "gen_supported_ops.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr or "docs/supported-ops.md is stale: run firmware/tools/gen_supported_ops.py"


def test_extra_abi_sizes_agree_with_the_estimators_probes():
    """kernels_extra_abi.h (ops missing from tflm-sizes.json) against the sizes the estimator
    engineer probed on the wheel (lp64) or derived from the struct layout (arm-eabi), as compiled
    for both ABIs by gcc (a static_assert per value)."""
    data = json.loads((OP_COSTS.parent / "abi_sizes.json").read_text())["abis"]
    checks = {"SRT_PARAMS_SIZE_UNPACK": "TfLiteUnpackParams", "SRT_PARAMS_SIZE_SPLIT": "TfLiteSplitParams",
              "SRT_PARAMS_SIZE_SPLIT_V": "TfLiteSplitVParams", "SRT_OPDATA_SIZE_RSQRT": "ref_OpDataAbsRsqrt"}
    for abi_macro, abi in (("SRT_ABI_X86_64_WHEEL", "lp64"), ("SRT_ABI_ARM_M4", "arm-eabi")):
        src = "#include \"srt_abi.h\"\n#include \"kernels_extra_abi.h\"\n" + "".join(
            f"_Static_assert({m} == {data[abi][s][0]}, \"{m}\");\n" for m, s in checks.items())
        r = subprocess.run(["gcc", "-std=c11", "-fsyntax-only", f"-D{abi_macro}=1", f"-I{kcases.KERNELS}",
                            f"-I{kcases.RUNTIME}", "-x", "c", "-"], input=src, capture_output=True, text=True)
        assert r.returncode == 0, f"{abi}: {r.stderr}"


def test_the_wheel_uses_double_rounding(tmp_path_factory, workdir):
    """The other MultiplyByQuantizedMultiplier variant (single rounding) is distinguishable on our
    cases: built with it, some int8 outputs differ from the wheel's, so the bit-exact test above
    does pin the variant down. ~8 s."""
    single = kcases.build_harness(tmp_path_factory.mktemp("kh_single") / "harness", ("-DSRT_SINGLE_ROUNDING",))
    differing = []
    for name, model, inputs in CASES:
        if "_int8" not in name:
            continue
        got = kcases.run_case(single, workdir, "sr_" + name, model, inputs)
        if got.status == 0 and list(got.outputs) != [np.ascontiguousarray(a).tobytes()
                                                     for a in kcases.reference(model, inputs)]:
            differing.append(name)
    assert differing, "single rounding gives the same bytes on every case"
