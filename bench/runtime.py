"""Guest instructions per multiply-accumulate of simprof-rt's kernels on a conv-heavy model.

Runs the simprof-rt firmware under QEMU twice per model - setup only, then setup + one inference -
with QEMU's translation-block log (`-d in_asm,exec,nochain`): every executed block is logged, and
its instruction count comes from its disassembly. Instructions of the inference = the difference.
MACs are counted from the model (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED). Prints ratios;
asserts nothing (QEMU counts instructions, not cycles).

    .venv/bin/python bench/runtime.py [--platform stm32f4]
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from simprof.model.builder import ModelBuilder, Quant, schema
from simprof.model.reader import read_model
from simprof.platforms import load
from simprof.rt import runner as runtime
from simprof.rt.image import image_for
from simprof.rt.protocol import image_flag, pack_image
from simprof.sim.qemu import QemuSession

_IN = re.compile(r"^IN:.*?\n((?:0x[0-9a-f]+:.*\n)+)", re.M)
_TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/", re.M)


def conv_model(dtype: str, hw: int = 8, cin: int = 8, cout: int = 16, dw: bool = True) -> bytes:
    """CONV_2D 3x3 (+ DEPTHWISE_CONV_2D 3x3 + FULLY_CONNECTED): a small conv-heavy network."""
    m = ModelBuilder(f"bench conv {dtype}")
    g = m.subgraph()
    q = (lambda s, z=0: Quant.per_tensor(s, z)) if dtype == "int8" else (lambda s, z=0: None)
    wdt = np.int8 if dtype == "int8" else np.float32
    rng = np.random.default_rng(0)
    x = g.input("x", (1, hw, hw, cin), dtype, q(0.05, 1))
    w = g.const("w", rng.integers(-50, 50, (cout, 3, 3, cin)).astype(wdt), dtype,
                Quant.per_channel([0.01] * cout, axis=0) if dtype == "int8" else None)
    b = g.const("b", np.zeros(cout, np.int32 if dtype == "int8" else np.float32), "int32" if dtype == "int8" else "float32",
                Quant.per_channel([0.0005] * cout, axis=0) if dtype == "int8" else None)
    y = g.tensor("y", (1, hw, hw, cout), dtype, q(0.1, -3))
    opt = schema.Conv2DOptionsT()
    opt.padding, opt.strideW, opt.strideH = schema.Padding.SAME, 1, 1
    g.op("CONV_2D", [x, w, b], [y], opt)
    if dw:
        dwt = g.const("dw", rng.integers(-50, 50, (1, 3, 3, cout)).astype(wdt), dtype,
                      Quant.per_channel([0.01] * cout, axis=3) if dtype == "int8" else None)
        z = g.tensor("z", (1, hw, hw, cout), dtype, q(0.1, -3))
        o = schema.DepthwiseConv2DOptionsT()
        o.padding, o.strideW, o.strideH, o.depthMultiplier = schema.Padding.SAME, 1, 1, 1
        g.op("DEPTHWISE_CONV_2D", [y, dwt, None], [z], o)
        y = z
    g.mark_outputs(y)
    return m.to_bytes()


def macs(model: bytes) -> int:
    sg = read_model(model).subgraphs[0]
    total = 0
    for op in sg.operators:
        out = sg.tensors[op.outputs[0]]
        w = sg.tensors[op.inputs[1]]
        if op.opcode == "CONV_2D":
            total += math.prod(out.shape) * w.shape[1] * w.shape[2] * w.shape[3]
        elif op.opcode == "DEPTHWISE_CONV_2D":
            total += math.prod(out.shape) * w.shape[1] * w.shape[2]
        elif op.opcode == "FULLY_CONNECTED":
            total += math.prod(out.shape) * w.shape[1]
    return total


def guest_instructions(img, platform, image: bytes) -> int:
    reg = img
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "qemu.log"
        with QemuSession(platform, img.elf, timeout_s=60,
                         extra_args=["-d", "in_asm,exec,nochain", "-D", str(log)]) as s:
            s.gdb.write_memory(reg.model_start, image)
            s.gdb.set_breakpoint(reg.stop)
            s.gdb.cont(120)
        text = log.read_text(errors="replace")
    sizes: dict[int, int] = {}
    for block in _IN.finditer(text):
        lines = block.group(1).splitlines()
        sizes[int(lines[0].split(":")[0], 16)] = len(lines)
    return sum(sizes.get(int(pc, 16), 1) for pc in _TRACE.findall(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platform", default="stm32f4")
    args = ap.parse_args(argv)
    platform = load(args.platform)
    fw = image_for(platform)
    print(f"simprof-rt on {platform.id} ({platform.core}), instructions counted by QEMU's TB log")
    for dtype in ("int8", "float32"):
        model = conv_model(dtype)
        n_mac = macs(model)
        t = time.monotonic()
        setup = guest_instructions(fw, platform, pack_image(model, flags=image_flag("NO_INVOKE")))
        inputs = b"".join(a.tobytes() for a in runtime.default_inputs(model))
        full = guest_instructions(fw, platform, pack_image(model, inputs))
        inv = full - setup
        print(f"  {dtype:8s} MACs {n_mac:9,d}  setup {setup:9,d} instr  inference {inv:11,d} instr  "
              f"{inv / n_mac:6.1f} instr/MAC  ({time.monotonic() - t:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
