"""Constant tables of simprof-rt's kernels that are measured on the tflite-micro wheel: the file in
firmware/kernels equals what its generator reads off the wheel now. ~1 s (one oracle run each)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "firmware" / "tools"


def test_sigmoid_lut_is_the_wheels():
    r = subprocess.run([sys.executable, str(TOOLS / "gen_sigmoid_lut.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr or "firmware/kernels/sigmoid_lut.h is stale: run firmware/tools/gen_sigmoid_lut.py"
