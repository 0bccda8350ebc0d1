"""simprof-rt's kernels on emulated Cortex-M, bit for bit against TFLM's host interpreter.

Two levels: the kernels alone in a test harness (every op, int8 and float32, below), and the real
simprof-rt firmware image (interpreter + kernels) on every opmodel and on whole networks (KWS
DS-CNN, ResNet-8, autoencoder, MobileNet), as far as they fit each part. Total ~70 s warm.

The kernels and the host harness (tests/unit/kernels/harness.c, built with -DSRT_TARGET) are
compiled with simprof's board support for stm32f4 (Cortex-M4F, hard float) and nrf51 (Cortex-M0,
soft float, 16 KiB RAM) and run under QEMU; the single-op models of tests/unit/kernels/opcases.py
(every op, int8 and float32) are read over semihosting, and each output must equal, byte for byte,
what the tflite-micro wheel's TFLM computes on the host. This is what catches target differences:
float contraction into FMA, newlib's libm, soft-float double arithmetic.
Runtime: ~15 s (two cached firmware builds, ~170 oracle runs, two QEMU runs of < 1 s).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "kernels"))
import kcases  # noqa: E402
import opcases  # noqa: E402

from simprof.model import oracle  # noqa: E402
from simprof.api import load_platform  # noqa: E402
from simprof.sim.build import build_firmware  # noqa: E402

pytestmark = pytest.mark.qemu

# RAM budget of the harness per part (nrf51: 16 KiB in all).
MEMORY = {"stm32f4": {"heap_size": 65536, "stack_size": 8192},
          "nrf51": {"heap_size": 10240, "stack_size": 2048}}


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """Case files 0.bin .. n-1.bin and the oracle's output bytes for each."""
    d = tmp_path_factory.mktemp("qemu_cases")
    items = opcases.all_cases()
    refs = []
    for i, (name, model, inputs) in enumerate(items):
        (d / f"{i}.bin").write_bytes(kcases.case_bytes(model, inputs))
        refs.append((name, [np.ascontiguousarray(a).tobytes() for a in oracle.reference_outputs(model, inputs)]))
    return d, refs


def _run(platform_id: str, case_dir: Path, count: int) -> dict[int, tuple[int, list[bytes], str]]:
    platform = load_platform(platform_id)
    build = build_firmware(platform, sorted(kcases.KERNELS.glob("*.c")) + [kcases.HARNESS_C],
                           include_dirs=[kcases.KERNELS, kcases.RUNTIME], defines={"SRT_TARGET": 1},
                           name="kernel-harness", arena_size=0, **MEMORY[platform_id])
    proc = subprocess.run(
        ["qemu-system-arm", "-M", platform.qemu_machine, "-nographic", "-monitor", "none", "-serial", "null",
         "-semihosting-config", f"enable=on,target=native,arg=harness,arg={case_dir},arg={count}",
         "-kernel", str(build.elf)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0 and "== done" in proc.stdout, (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    results: dict[int, tuple[int, list[bytes], str]] = {}
    cur, outs, err = -1, [], ""
    for line in proc.stdout.splitlines():
        if line.startswith("== end "):
            results[cur] = (int(line.split()[2]), outs, err)
        elif line.startswith("== ") and line != "== done":
            cur, outs, err = int(line[3:]), [], ""
        elif line.startswith("O "):
            parts = line.split(" ", 2)
            outs.append(bytes.fromhex(parts[2] if len(parts) > 2 else ""))
        elif line.startswith(("F ", "U ")):
            err = line
    return results


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf51"])
def test_kernels_bit_exact_on_cortex_m(cases, platform_id):
    case_dir, refs = cases
    results = _run(platform_id, case_dir, len(refs))
    failures = []
    for i, (name, want) in enumerate(refs):
        status, got, err = results.get(i, (-1, [], "no result"))
        if status != 0:
            failures.append(f"{name}: status {status} {err}")
        elif got != want:
            failures.append(f"{name}: output bytes differ from TFLM")
    assert not failures, f"{len(failures)} of {len(refs)} cases on {platform_id}:\n" + "\n".join(failures[:20])


# ---- the real simprof-rt firmware (firmware/app + runtime + kernels) via simprof/rt/runner.py ----

@pytest.fixture(scope="module")
def fw_models():
    """Every opmodel plus the MLPerf-Tiny-style networks (tests/unit/kernels/e2e.py)."""
    import e2e
    from simprof.flows.corpus import opmodels

    models = {n: opmodels.model(n) for n in opmodels.names()}
    models.update(e2e.networks())
    return models


# Models that must fit the part (so the test cannot pass by skipping everything).
MUST_RUN = {"stm32f4": {"kws_dscnn_int8", "resnet8_int8", "autoencoder_int8", "mobilenet_v1_int8",
                        "conv_2d_int8", "softmax_float32"},
            "nrf51": {"conv_2d_int8", "depthwise_conv_2d_int8", "softmax_float32", "logistic_float32",
                      "mean_int8", "tanh_int8"}}


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf51"])
def test_firmware_outputs_bit_exact(fw_models, platform_id):
    """Each model that fits the part's flash and RAM runs setup + one inference in the simprof-rt
    image under QEMU; the output bytes read back through the gdb stub equal TFLM's on the host.
    ~40 s (stm32f4, 126 models) / ~20 s (nrf51)."""
    import e2e
    from simprof.core.errors import DoesNotFitError
    from simprof.rt import runner as runtime
    from simprof.rt.image import image_for
    from simprof.rt.protocol import pack_image

    platform = load_platform(platform_id)
    img = image_for(platform)
    ran, failures = set(), []
    for name, model in fw_models.items():
        inputs = e2e.model_inputs(name, model)
        blob = b"".join(np.ascontiguousarray(a).tobytes() for a in inputs)
        try:
            runtime.check_flash(img, model, blob)
        except DoesNotFitError:
            continue
        report, outs = runtime.run_bare(img, [(img.model_start, pack_image(model, blob))], read_outputs=True)
        if not report.ok:
            if report.status_name == "arena":
                continue  # activations larger than the part's RAM
            failures.append(f"{name}: {report.status_name}: {report.message}")
            continue
        ran.add(name)
        diff = e2e.same_bytes(oracle.reference_outputs(model, inputs), outs)
        if diff:
            failures.append(f"{name}: {diff}")
    assert not failures, "\n".join(failures[:20])
    assert MUST_RUN[platform_id] <= ran, sorted(MUST_RUN[platform_id] - ran)


@pytest.mark.parametrize("platform_id", ["stm32f4", "nrf51"])
def test_float_libm_equals_host_glibc_on_cortex_m(tmp_path, platform_id):
    """k_expf / k_tanhf computed on the target hash to the same value as the host C library's expf /
    tanhf (what TFLM's float SOFTMAX/LOGISTIC/TANH call in the wheel) over every 65537th float bit
    pattern. With newlib's own functions they did not (expf on both parts, tanhf on the M4F; checked
    when this test was written). ~5 s."""
    src = kcases.HARNESS_C.parent / "libm_check.c"
    host = tmp_path / "libm_hash"
    subprocess.run(["gcc", "-O2", "-std=c11", "-DHASH_ONLY", "-DSTEP=65537", f"-I{kcases.KERNELS}", str(src),
                    str(kcases.KERNELS / "libm_compat.c"), "-lm", "-o", str(host)], check=True)
    want = subprocess.run([str(host)], capture_output=True, text=True, check=True).stdout.strip()
    platform = load_platform(platform_id)
    build = build_firmware(platform, [src, kcases.KERNELS / "libm_compat.c"], include_dirs=[kcases.KERNELS],
                           defines={"HASH_ONLY": 1, "USE_K": 1, "STEP": 65537}, name="libm-hash", arena_size=0)
    proc = subprocess.run(["qemu-system-arm", "-M", platform.qemu_machine, "-nographic", "-monitor", "none",
                           "-serial", "null", "-semihosting-config", "enable=on,target=native", "-kernel",
                           str(build.elf)], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == want
