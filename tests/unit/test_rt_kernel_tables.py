"""The int16 SOFTMAX tables of simprof-rt (firmware/kernels/softmax_lut16.h) equal what their
generator computes now, as TFLM's LUTPopulate<int16_t> does (their values are checked by the
bit-exact SOFTMAX int16 tests; the sigmoid table lstm_lut.h is checked by test_rt_lstm.py). ~1 s."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "firmware" / "tools"


def test_softmax_int16_tables_are_regenerated():
    r = subprocess.run([sys.executable, str(TOOLS / "gen_softmax_lut16.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr or "firmware/kernels/softmax_lut16.h is stale: run firmware/tools/gen_softmax_lut16.py"
