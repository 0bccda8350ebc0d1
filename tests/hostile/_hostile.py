"""Hostile inputs shared by the hostile-input suite: hand-edited models (a real model with one
field made absurd) and the byte-level mutator, and process/temp-file probes."""
from __future__ import annotations

import os
import random
import struct
import tempfile
from pathlib import Path
from typing import Callable

import flatbuffers
import numpy as np

from simprof.flows.corpus import opmodels
from simprof.model.builder import schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kws_dscnn_int8.tflite"
# real models: the bundled keyword-spotting CNN and the corpus's per-operator models
SEED_OPMODELS = ("conv_2d_int8", "depthwise_conv_2d_int8", "fully_connected_int8", "softmax_int8",
                 "add_broadcast_int8", "mean_int8", "max_pool_2d_float32")


# and single-op models of the int16/int64 and fixed-point kernels added for issue #10
SEED_TYPE_CASES = ("softmax_int16_3", "log_softmax_int8_3", "mean_int16_2", "tanh_int16_1", "maximum_int64_1")


def type_case_models(names=SEED_TYPE_CASES) -> list[bytes]:
    """Models of tests/unit/kernels/opcases_types.py, by name."""
    import sys  # noqa: PLC0415
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "kernels"))
    import opcases_types  # noqa: PLC0415
    from kcases import Cases  # noqa: PLC0415

    c = Cases()
    opcases_types.type_cases(c)
    models = {n: m for n, m, _ in c.items}
    return [models[n] for n in names]


def seed_models() -> list[bytes]:
    return [EXAMPLE.read_bytes()] + [opmodels.model(n) for n in SEED_OPMODELS] + type_case_models()


def edited(data: bytes, edit: Callable[[object], None]) -> bytes:
    """`data` unpacked with the schema's object API, changed by `edit(model)`, packed again."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    edit(model)
    b = flatbuffers.Builder(len(data) + 1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def with_shape(data: bytes, tensor: int, shape: tuple[int, ...]) -> bytes:
    def edit(m):
        m.subgraphs[0].tensors[tensor].shape = np.array(shape, np.int32)
    return edited(data, edit)


def fc_model() -> bytes:
    return opmodels.model("fully_connected_int8")


INTERESTING = (0, 1, 2, 4, 16, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One byte-level mutation: bit flips, truncation, an interesting 32-bit word, a shifted
    offset, a multiplied vector length or a run of random bytes."""
    b = bytearray(data)
    kind = rng.randrange(6)
    words = len(b) // 4
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == 1:
        b = b[:rng.randrange(len(b))]
    elif kind == 2:
        struct.pack_into("<I", b, 4 * rng.randrange(words), rng.choice(INTERESTING))
    elif kind == 3:
        at = 4 * rng.randrange(words)
        v = struct.unpack_from("<I", b, at)[0]
        struct.pack_into("<I", b, at, (v + rng.randint(-32, 32)) & 0xFFFFFFFF)
    elif kind == 4:
        for _ in range(64):
            at = 4 * rng.randrange(words)
            v = struct.unpack_from("<I", b, at)[0]
            if 0 < v < 4096:
                struct.pack_into("<I", b, at, (v * rng.randint(2, 1000)) & 0xFFFFFFFF)
                break
    else:
        at = rng.randrange(len(b))
        b[at:at + 16] = bytes(rng.randrange(256) for _ in range(len(b[at:at + 16])))
    return bytes(b)


def descendants_named(root: int, needle: bytes) -> list[int]:
    """Live processes below `root` (any depth, by /proc parent links) or reparented away from it
    whose command line contains `needle`; pass root=0 for every such process on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmd and state != b"Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def temp_leftovers(folder: str | os.PathLike | None = None) -> list[str]:
    """simprof's temporary files and folders in `folder` (default: the temp dir)."""
    d = Path(folder or tempfile.gettempdir())
    return sorted(p.name for p in d.iterdir() if p.name.startswith(("simprof-", "srt-host-")))
