"""Coverage of the tflite-micro wheel's registered builtin operators (docs/supported-ops.md): every
op the wheel's interpreter resolves is run by simprof-rt or listed in
firmware/tools/unsupported_ops.yaml with a reason, and no listed op is in fact supported. ~3 s
(the wheel is asked op by op in forked children)."""
from __future__ import annotations

import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "firmware" / "tools"
sys.path.insert(0, str(TOOLS))
import gen_supported_ops as gen  # noqa: E402
import wheel_ops  # noqa: E402


def test_the_wheel_is_asked_and_answers_with_known_ops():
    ops = wheel_ops.registered_builtin_ops()
    # ops every TFLM build registers, and ops it never does (TFLite-only)
    assert {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "VAR_HANDLE", "CALL_ONCE"} <= set(ops)
    assert not {"LSH_PROJECTION", "NON_MAX_SUPPRESSION_V4", "CUSTOM"} & set(ops)


def test_every_registered_op_is_supported_or_has_a_reason():
    ops, control = gen.registered()
    cov = gen.coverage(ops, control, gen.tested_types())
    assert cov.problems() == []
    done, total = cov.by_op()
    assert done == sum(op in cov.supported for op in cov.wheel) and total == len(cov.wheel) > 90
