"""Generates docs/supported-ops.md from simprof-rt's kernel sources.

The op list is registry.c's table; each op's types and limits come from the `@op NAME | types |
limits` lines next to its kernel (firmware/kernels/*.c); the "bit-exact tests" column lists the
tensor types of the test models that contain the op (tests/unit/kernels/opcases.py and
simprof.flows.corpus.opmodels), all of which are compared byte for byte with TFLM's host interpreter.
Fails when a registered op has no @op line or an @op line names an unregistered op.

Coverage: the builtin operators the tflite-micro wheel's interpreter registers (asked from the
wheel itself, firmware/tools/wheel_ops.py), by op and by op x type, the types being those TFLM's
reference kernels evaluate (firmware/tools/tflm_op_types.yaml) and a type counting only when a
bit-exact test covers it; ops not run yet are listed with the reason from
firmware/tools/unsupported_ops.yaml.

    .venv/bin/python firmware/tools/gen_supported_ops.py [--check]
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "firmware" / "kernels"
OUT = ROOT / "docs" / "supported-ops.md"
TOOLS = ROOT / "firmware" / "tools"
UNSUPPORTED = TOOLS / "unsupported_ops.yaml"
TFLM_TYPES = TOOLS / "tflm_op_types.yaml"

_DEF = re.compile(r'(?:const srt_op (srt_op_\w+) = \{[^}]*?\.name = "(\w+)")|'
                  r'(?:^(?:[A-Z]+_)?OP\((srt_op_\w+), \d+, "(\w+)")', re.S | re.M)
_TAG = re.compile(r"^ \* @op (\w+) \| ([^|]*)\|(.*)$", re.M)


def registered() -> tuple[list[str], list[str]]:
    """(kernel op names in registry order, control-op symbols provided by the runtime)."""
    text = (KERNELS / "registry.c").read_text()
    table = text.split("k_ops[] = {", 1)[1].split("};", 1)[0]
    kernel_part, _, control_part = table.partition("#ifdef SRT_HAVE_CONTROL_OPS")
    names = {}
    for src in KERNELS.glob("*.c"):
        for m in _DEF.finditer(src.read_text()):
            sym, name = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            names[sym] = name
    syms = re.findall(r"&(srt_op_\w+)", kernel_part)
    missing = [s for s in syms if s not in names]
    if missing:
        raise SystemExit(f"no srt_op definition found for {missing}")
    return [names[s] for s in syms], re.findall(r"&(srt_op_\w+)", control_part)


def tags() -> dict[str, tuple[str, str]]:
    out = {}
    for src in sorted(KERNELS.glob("*.c")):
        for m in _TAG.finditer(src.read_text()):
            out[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return out


def tested_types() -> dict[str, set[str]]:
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "kernels"))
    import opcases  # noqa: PLC0415
    from simprof.flows.corpus import opmodels  # noqa: PLC0415
    from simprof.model.builder import schema  # noqa: PLC0415

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    types = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    seen: dict[str, set[str]] = {}
    models = [m for _, m, _ in opcases.all_cases()] + [opmodels.model(n) for n in opmodels.names()]
    for data in models:
        model = schema.Model.GetRootAs(data, 0)
        sg = model.Subgraphs(0)
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            oc = model.OperatorCodes(op.OpcodeIndex())
            name = names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "?")
            idx = [int(j) for j in (op.InputsAsNumpy() if op.InputsLength() else []) if j >= 0]
            if name == "SPLIT":
                idx = idx[1:]
            if name == "TRANSPOSE_CONV":  # inputs: output shape, filter, data
                idx = idx[2:]
            if name in ("EMBEDDING_LOOKUP", "SELECT_V2", "FILL"):  # ids/condition/dims, then the data
                idx = idx[1:]
            if not idx:
                continue
            t = sg.Tensors(idx[0]).Type()
            seen.setdefault(name, set()).add(types.get(t, str(t)))
    return seen


def wheel_ops() -> list[str]:
    sys.path.insert(0, str(TOOLS))
    import wheel_ops as w  # noqa: PLC0415

    return w.registered_builtin_ops()


@dataclass(frozen=True)
class Coverage:
    wheel: tuple[str, ...]          # builtin ops the wheel registers
    supported: frozenset            # simprof-rt's ops (kernels and runtime control ops)
    reasons: dict                   # op -> why simprof-rt does not run it
    tflm_types: dict                # op -> types TFLM's reference kernel evaluates
    tested: dict                    # op -> types covered by bit-exact tests

    def covered_types(self, op: str) -> tuple[list[str], list[str]]:
        """(types counted, types covered) of one wheel op; a type-agnostic op counts once."""
        types = self.tflm_types.get(op, [])
        if types == ["any"]:
            return ["any"], (["any"] if op in self.supported else [])
        return types, [t for t in types if op in self.supported and t in self.tested.get(op, set())]

    def by_op(self) -> tuple[int, int]:
        return sum(op in self.supported for op in self.wheel), len(self.wheel)

    def by_type(self) -> tuple[int, int]:
        pairs = [self.covered_types(op) for op in self.wheel]
        return sum(len(c) for _, c in pairs), sum(len(t) for t, _ in pairs)

    def problems(self) -> list[str]:
        out = [f"{op}: registered by the wheel, neither supported nor in {UNSUPPORTED.name}"
               for op in self.wheel if op not in self.supported and op not in self.reasons]
        out += [f"{op}: supported, remove it from {UNSUPPORTED.name}" for op in self.reasons if op in self.supported]
        out += [f"{op}: no entry in {TFLM_TYPES.name}" for op in self.wheel if op not in self.tflm_types]
        return out


def coverage(ops: list[str], control: list[str], tested: dict) -> Coverage:
    supported = frozenset(ops) | {s.removeprefix("srt_op_").upper() for s in control}
    return Coverage(tuple(wheel_ops()), supported, yaml.safe_load(UNSUPPORTED.read_text()) or {},
                    yaml.safe_load(TFLM_TYPES.read_text()) or {}, tested)


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f} %" if b else "-"


def coverage_lines(cov: Coverage) -> list[str]:
    (o, on), (t, tn) = cov.by_op(), cov.by_type()
    lines = ["", "## Coverage of the tflite-micro wheel's builtin operators", "",
             f"The wheel's interpreter registers {on} builtin operators (asked from the wheel: "
             "firmware/tools/wheel_ops.py). simprof-rt runs **{o} of {on} ({p})**; by operator x tensor "
             "type as TFLM's reference kernels evaluate them (firmware/tools/tflm_op_types.yaml; a type "
             "counts only when a bit-exact test covers it): **{t} of {tn} ({q})**.".format(
                 o=o, on=on, p=_pct(o, on), t=t, tn=tn, q=_pct(t, tn)),
             "", "| operator | TFLM types | simprof-rt, bit-exact tested | status |", "|---|---|---|---|"]
    for op in sorted(cov.wheel):
        types, covered = cov.covered_types(op)
        status = "supported" if op in cov.supported else f"not yet: {cov.reasons.get(op, 'no reason given')}"
        lines.append(f"| {op} | {', '.join(types) or '?'} | {', '.join(covered) or '-'} | {status} |")
    return lines


def render() -> str:
    ops, control = registered()
    tg = tags()
    problems = [f"{n} has no @op line" for n in ops if n not in tg] + \
               [f"@op {n} is not registered" for n in tg if n not in ops]
    if problems:
        raise SystemExit("; ".join(problems))
    tested = tested_types()
    cov = coverage(ops, control, tested)
    if cov.problems():
        raise SystemExit("; ".join(cov.problems()))
    lines = [
        "# Operators supported by simprof-rt",
        "",
        "<!-- GENERATED by firmware/tools/gen_supported_ops.py from firmware/kernels; do not edit. -->",
        "",
        "simprof-rt's kernels reproduce TFLite Micro's reference kernels: the same arithmetic (bit-exact",
        "outputs) and the same arena use (Prepare-time temporary tensors, persistent buffers, scratch",
        "requests, OpData and options structs of TFLM's sizes). An operator or tensor type missing here is",
        "reported by name before inference (`SRT_ERR_UNSUPPORTED`).",
        "",
        "Verification: every type listed under *bit-exact tests* is compared byte for byte with the",
        "tflite-micro wheel's TFLM host interpreter - on the host (tests/unit/test_rt_kernels.py, ASan/UBSan",
        "harness; tests/unit/test_rt_kernels_bitexact.py, through the interpreter, with whole KWS DS-CNN,",
        "ResNet-8, autoencoder and MobileNet networks) and under QEMU on Cortex-M4F (stm32f4) and",
        "Cortex-M0 soft float (nrf51) (tests/integration/test_rt_bitexact_qemu.py).",
        "",
        "| operator | types | limits | bit-exact tests |",
        "|---|---|---|---|",
    ]
    for n in ops:
        types, limits = tg[n]
        lines.append(f"| {n} | {types} | {limits or '-'} | {', '.join(sorted(tested.get(n, []))) or 'none'} |")
    if control:
        lines += ["", "Resource-variable and control-flow operators implemented by the runtime "
                  "(firmware/runtime/ops_control.c): " + ", ".join(s.removeprefix("srt_op_").upper() for s in control) + "."]
    lines += ["", "Fused activations: NONE, RELU, RELU_N1_TO_1, RELU6 (TANH and SIGN_BIT are rejected).",
              "Fixed-point rounding: TFLite's double rounding (SaturatingRoundingDoublingHighMul then",
              "RoundingDivideByPOT), which is what the wheel uses. Float expf follows glibc's algorithm on",
              "every target (firmware/kernels/libm_compat.c)."]
    lines += coverage_lines(cov) + [""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if docs/supported-ops.md is out of date")
    args = ap.parse_args()
    text = render()
    if args.check:
        return 0 if OUT.exists() and OUT.read_text() == text else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
