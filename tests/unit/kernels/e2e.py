"""End-to-end kernel checks through the real simprof-rt interpreter: model inputs, the list of
models (simprof.flows.corpus.opmodels + the single-op models of opcases.py) and the comparison."""
from __future__ import annotations

import zlib

import numpy as np

from simprof.flows.corpus import opmodels
from simprof.model.builder import schema

import opcases

_NP = {0: np.float32, 9: np.int8, 2: np.int32, 7: np.int16, 3: np.uint8, 4: np.int64, 6: np.bool_, 15: np.uint32}


def model_inputs(name: str, model: bytes) -> list[np.ndarray]:
    """Deterministic inputs covering each input type's range (positive for RSQRT: NaN bit
    patterns differ between x86-64 and Arm, and TFLM's int8 RSQRT rejects x < zero point)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    sg = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    out = []
    for k in range(sg.InputsLength()):
        t = sg.Tensors(sg.Inputs(k))
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        dt = _NP[t.Type()]
        if dt == np.float32:
            a = (rng.standard_normal(shape) * 3).astype(np.float32)
        elif dt == np.bool_:
            a = rng.integers(0, 2, shape).astype(np.bool_)
        else:
            info = np.iinfo(dt)
            a = rng.integers(max(info.min, -30000), min(info.max, 30000) + 1, shape).astype(dt)
        out.append(a)
    if "rsqrt" in name:
        out = [np.abs(a) + np.float32(0.01) if a.dtype == np.float32 else a for a in out]
    return out


def all_models() -> dict[str, tuple[bytes, list[np.ndarray]]]:
    """name -> (model, inputs); the single-op models keep opcases' inputs (so the memoised oracle
    results of test_rt_kernels.py are reused)."""
    models = {n: (m, model_inputs(n, m)) for n, m in ((n, opmodels.model(n)) for n in opmodels.names())}
    models.update({f"k_{name}": (model, inputs) for name, model, inputs in opcases.all_cases()})
    return models


def networks() -> dict[str, bytes]:
    """MLPerf-Tiny-style whole networks: the corpus presets (KWS DS-CNN int8/float32, ResNet-8,
    FC autoencoder) and one sampled model per corpus family and type (MobileNet v1/v2, ...)."""
    from simprof.flows.corpus import families, generate

    models = {k: generate.build_preset(k) for k in sorted(generate.PRESETS)}
    for fam in sorted(families.FAMILIES):
        for dt in ("int8", "float32"):
            params = families.FAMILIES[fam].sample(np.random.default_rng(101))
            models[f"{fam}_{dt}"] = families.build_model(fam, params, dt, 101)
    return models


def same_bytes(expected: list[np.ndarray], got: tuple[bytes, ...]) -> str | None:
    """None when equal, else a one-line description of the first difference."""
    if len(expected) != len(got):
        return f"{len(got)} outputs, TFLM has {len(expected)}"
    for k, (ref, out) in enumerate(zip(expected, got)):
        rb = np.ascontiguousarray(ref).tobytes()
        if rb != out:
            if len(rb) != len(out):
                return f"output {k}: {len(out)} bytes, TFLM {len(rb)}"
            a = np.ascontiguousarray(ref).ravel()
            b = np.frombuffer(out, a.dtype)
            idx = np.nonzero(a.view(np.uint8) != np.frombuffer(out, np.uint8))[0] // a.itemsize
            i = int(idx[0])
            return f"output {k}: {len(set(idx.tolist()))} of {a.size} elements differ, first [{i}] {b[i]!r} vs TFLM {a[i]!r}"
    return None
