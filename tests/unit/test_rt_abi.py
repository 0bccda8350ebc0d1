"""firmware/runtime/srt_abi.h is generated from firmware/tools/tflm-sizes.json (a copy of the
shared fact file): it must be up to date, and carry the measured sizes for each ABI. <1 s."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from simprof.firmware import SOURCE_DIR

TOOLS = SOURCE_DIR / "tools"


def test_generated_header_is_up_to_date():
    r = subprocess.run([sys.executable, str(TOOLS / "gen_abi.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def _section(text: str, macro: str) -> dict[str, int]:
    body = re.search(rf"defined\({macro}\)\n(.*?)(?=\n#elif|\n#endif)", text, re.S).group(1)
    return {m[0]: int(m[1]) for m in re.findall(r"#define (\w+) (\d+)", body)}


def test_header_values_are_the_measured_sizes():
    data = json.loads((TOOLS / "tflm-sizes.json").read_text())
    text = (SOURCE_DIR / "runtime" / "srt_abi.h").read_text()
    for macro, abi in (("SRT_ABI_ARM_M4", "arm_m4"), ("SRT_ABI_X86_64_WHEEL", "x86_64_host")):
        got = _section(text, macro)
        for name, (size, align) in data["abis"][abi].items():
            want = data["x86_64_wheel_overrides"].get(name, [size])[0] if abi == "x86_64_host" else size
            assert got[f"SRT_SIZEOF_{name}"] == want, (abi, name)
            assert got[f"SRT_ALIGNOF_{name}"] > 0
    wheel = _section(text, "SRT_ABI_X86_64_WHEEL")
    assert (wheel["SRT_PARAMS_SIZE_FULLY_CONNECTED"], wheel["SRT_PARAMS_ALIGN_FULLY_CONNECTED"]) == (32, 8)
    m4 = _section(text, "SRT_ABI_ARM_M4")
    assert (m4["SRT_PARAMS_SIZE_FULLY_CONNECTED"], m4["SRT_OPDATA_SIZE_CONV_2D"]) == (5, 56)
