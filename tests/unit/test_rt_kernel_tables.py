"""Constant tables of simprof-rt's kernels (firmware/kernels/*_lut*.h) equal what their generators
give now: the sigmoid table read off the tflite-micro wheel, the int16 SOFTMAX tables computed as
TFLM's LUTPopulate does (their values are checked by the bit-exact SOFTMAX int16 tests). ~2 s."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "firmware" / "tools"


def test_sigmoid_lut_is_the_wheels():
    r = subprocess.run([sys.executable, str(TOOLS / "gen_sigmoid_lut.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr or "firmware/kernels/sigmoid_lut.h is stale: run firmware/tools/gen_sigmoid_lut.py"


def test_softmax_int16_tables_are_regenerated():
    r = subprocess.run([sys.executable, str(TOOLS / "gen_softmax_lut16.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr or "firmware/kernels/softmax_lut16.h is stale: run firmware/tools/gen_softmax_lut16.py"
