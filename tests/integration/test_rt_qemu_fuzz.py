"""Fuzzing the Arm build of simprof-rt under QEMU: 240 mutated models (bit flips, truncations,
corrupted words, shifted offsets, corrupted vector lengths, random bytes) of a few corpus models
and six single-op models of the int16/int64/fixed-point kernels (tests/unit/kernels/opcases_types.py),
each run to simprof_done: two in three on stm32f4 (Cortex-M4F), one in three on nrf51 (Cortex-M0,
which faults on any unaligned load). Every run must end in a clean report (ok or an error code
with a message): no HardFault, no hang (10 s each), no run that never finished. ~35 s on 2 cores."""
from __future__ import annotations

import random
import struct
from concurrent.futures import ThreadPoolExecutor

import pytest

from simprof.flows.corpus import opmodels
from simprof.core.errors import EmulatorError
from simprof.platforms import load
from simprof.rt import runner as runtime
from simprof.rt.image import image_for
from simprof.rt.protocol import pack_image

pytestmark = pytest.mark.qemu

SEEDS = ("conv_2d_int8", "depthwise_conv_2d_int8", "fully_connected_int8", "softmax_int8", "mean_int8",
         "add_broadcast_int8", "max_pool_2d_float32", "strided_slice_int8",
         # ops_b kernels: index maps that read shapes, indices and paddings from the model
         "gather_int8", "gather_nd_float32", "embedding_lookup_int8", "mirror_pad_reflect_int8",
         "resize_bilinear_int8", "space_batch_dilated_conv_int8", "depth_to_space_int8", "cumsum_int8",
         "l2_normalization_int8", "transpose_conv_int8", "batch_matmul_adj_x_int8", "svdf_int8", "cnn16x8_int16")
RUNS = 240


def _type_case_models() -> list[bytes]:
    """Seeds for the int16/int64 and fixed-point kernels of issue #10 (tests/unit/kernels/opcases_types.py)."""
    import sys  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "kernels"))
    import opcases_types  # noqa: PLC0415
    from kcases import Cases  # noqa: PLC0415

    c = Cases()
    opcases_types.type_cases(c)
    keep = ("softmax_int16_3", "log_softmax_int8_3", "mean_int16_2", "tanh_int16_1", "logistic_int16_2",
            "maximum_int64_1")
    return [m for n, m, _ in c.items if n in keep]
INTERESTING = (0, 1, 2, 4, 16, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    b = bytearray(data)
    kind = rng.randrange(6)
    words = len(b) // 4
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b), "bit flips"
    if kind == 1:
        return bytes(b[:rng.randrange(len(b))]), "truncation"
    if kind == 2:
        struct.pack_into("<I", b, 4 * rng.randrange(words), rng.choice(INTERESTING))
        return bytes(b), "word"
    if kind == 3:
        at = 4 * rng.randrange(words)
        v = struct.unpack_from("<I", b, at)[0]
        struct.pack_into("<I", b, at, (v + rng.randint(-32, 32)) & 0xFFFFFFFF)
        return bytes(b), "offset shift"
    if kind == 4:
        for _ in range(64):
            at = 4 * rng.randrange(words)
            v = struct.unpack_from("<I", b, at)[0]
            if 0 < v < 4096:
                struct.pack_into("<I", b, at, (v * rng.randint(2, 1000)) & 0xFFFFFFFF)
                break
        return bytes(b), "vector length"
    at = rng.randrange(len(b))
    b[at:at + 16] = bytes(rng.randrange(256) for _ in range(len(b[at:at + 16])))
    return bytes(b), "random bytes"


def test_mutated_models_end_cleanly_on_cortex_m(tmp_path):
    targets = [(p, image_for(p)) for p in (load("stm32f4"), load("nrf51"))]
    seeds = [opmodels.model(n) for n in SEEDS] + _type_case_models()
    rng = random.Random(20261125)
    cases = [mutate(seeds[i % len(seeds)], rng) for i in range(RUNS)]

    def run(i):
        data, kind = cases[i]
        p, fw = targets[0 if i % 3 else 1]
        try:
            rep, _ = runtime.run_bare(fw, [(fw.model_start, pack_image(data))], timeout_s=10)
        except EmulatorError as exc:   # HardFault, timeout (hang), QEMU death
            (tmp_path / f"case-{i}-{p.id}.tflite").write_bytes(data)
            return f"{kind} on {p.id}", exc
        return kind, rep

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(RUNS)))
    failures = [f"{kind}: {r.one_line()}" for kind, r in results if isinstance(r, EmulatorError)]
    assert not failures, f"{len(failures)} runs did not end cleanly (models in {tmp_path}): {failures[:5]}"
    statuses = [rep.status_name for _, rep in results]
    assert len(results) >= 200
    assert "running" not in statuses
    assert all(rep.message for _, rep in results if not rep.ok)
    assert statuses.count("ok") > 10 and statuses.count("model") > 50
