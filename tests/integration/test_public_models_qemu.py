"""The public models of examples/public (provenance in PROVENANCE.json) on the simprof-rt firmware under
QEMU (and the one model of an installed wheel that is not copied there), each on the smallest of nrf51 (Cortex-M0, 16 KiB RAM), stm32f4 (Cortex-M4F, 128 KiB) and
stm32f746 (Cortex-M7, 320 KiB) it fits (what `simprof validate examples/public --platforms
stm32f4,stm32f746,nrf51` reports as fitting):
- the outputs equal TFLM's on the host (the tflite-micro wheel) byte for byte;
- the painted arena head and tail, the runtime's own head and the arena bisected on the firmware
  equal the estimator's arm-eabi figures exactly (0 B).
Runtime: ~1 min (one cached build per core, ~1 s per measurement plus the bisection)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import tflite_micro

from simprof.estimator import estimate
from simprof.rt import runner as runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "kernels"))
import e2e  # noqa: E402

pytestmark = pytest.mark.qemu

PUBLIC = Path(__file__).resolve().parents[2] / "examples" / "public"
PROV = json.loads((PUBLIC / "PROVENANCE.json").read_text())
WHEELS = Path(tflite_micro.__file__).resolve().parents[1]  # site-packages: paths in a wheel start here
PATHS = {**{m["file"]: PUBLIC / m["file"] for src in PROV["sources"] for m in src["models"]},
         **{m["file"]: WHEELS / m["path_in_wheel"] for src in PROV["from_installed_wheels"] for m in src["models"]}}
FILES = list(PATHS)

# Smallest platform each model fits (flash for model + image, RAM for arena + stack + static);
# everything else runs on stm32f4.
NRF51 = {"autoencoder_example.tflite", "autoencoder_example.float32.tflite", "tflite_micro_magic_wand.tflite",
         "sine_float.tflite"}
STM32F746 = {"image_example1.float32.tflite", "rock_paper_scissors.tflite", "visual_wake_words.tflite"}


def _platform(name: str) -> str:
    return "nrf51" if name in NRF51 else "stm32f746" if name in STM32F746 else "stm32f4"


def test_the_platform_lists_name_collected_models():
    assert (NRF51 | STM32F746) <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_public_model_bit_exact_and_arena_exact(name):
    path = PATHS[name]
    mb = path.read_bytes()
    pid = _platform(name)
    m = runtime.measure_model(mb, pid, input=e2e.model_inputs(name, mb), min_arena=True, per_operator=False)
    assert m.outputs_match_reference is True
    e = estimate(mb, pid, runtime="simprof-rt", abi="arm-eabi")
    r = m.runtime
    assert (m.arena_head_bytes, m.arena_tail_bytes) == (e.arena_head_painted_bytes, e.arena_tail_bytes)
    assert (r.head, r.tail) == (e.arena_head_bytes, e.arena_tail_bytes)
    assert m.arena_min_bytes == e.arena_min_bytes
