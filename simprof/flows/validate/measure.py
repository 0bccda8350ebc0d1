"""The QEMU measurement of `simprof validate`: simprof-rt under QEMU, one image per platform.

Per (model, platform) pair (`measure`):
1. one painted measurement (two paint patterns) of setup + one inference with the whole arena:
   static, stack, heap, painted head/tail, per operator (simprof.rt.runner.paint_model);
2. the minimum arena (simprof.rt.runner.find_min_arena), with the estimate's `arena_min_bytes`
   as the hint when there is one, else the runtime's own figure.

The measured `total_bytes` is static + stack + minimum arena + heap, as in `simprof measure
--min-arena` (simprof.core.results.Measurement.total_bytes); the painted sum stays in
`painted_total_bytes`.

The image is the one the parent built (`FirmwareRef`): its build hash keys the measurement in the
cache, so a firmware edited during a run cannot leak into it.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from simprof.core.errors import FirmwareError
from simprof.rt.image import FirmwareRef, image_for, image_from_ref
from simprof.rt.runner import (check_arena_estimate, check_flash, check_input_room, default_inputs, find_min_arena,
                               input_bytes, paint_model, raise_for, report_hint)


def build_firmware_refs(platform_ids, kernels: str = "reference") -> dict[str, FirmwareRef]:
    """Build (or find in the build cache) simprof-rt for each platform, in the calling process."""
    from simprof.platforms import load
    return {pid: image_for(load(pid), kernels).ref for pid in platform_ids}


def measure(model_path: str, platform: str, *, firmwares: Mapping[str, FirmwareRef],
            estimate: Mapping[str, Any] | None = None, timeout_s: float = 60.0,
            per_operator: bool = False, emulator: str = "qemu") -> dict[str, Any]:
    """Painted measurement + minimum arena of one model on `platform`'s simprof-rt image, as the
    measurement JSON with the validate keys (see the module doc). Under Renode every run of the
    pair shares one Renode process (and a pool worker keeps it for its next pairs)."""
    from simprof.sim.renode import reuse_for

    with reuse_for(emulator):
        return _measure(model_path, platform, firmwares=firmwares, estimate=estimate, timeout_s=timeout_s,
                        per_operator=per_operator, emulator=emulator)


def _measure(model_path: str, platform: str, *, firmwares: Mapping[str, FirmwareRef],
             estimate: Mapping[str, Any] | None, timeout_s: float, per_operator: bool,
             emulator: str) -> dict[str, Any]:
    from simprof.model.reader import load_model_bytes, read_model

    t0 = time.monotonic()
    if platform not in firmwares:
        raise FirmwareError(f"no simprof-rt firmware was built for {platform}", fix="pass it in firmwares")
    img = image_from_ref(firmwares[platform])
    data, name = load_model_bytes(model_path)
    graph = read_model(data, name)
    check_input_room(img, data, graph, before_run=True)     # before any input array is allocated
    inputs = input_bytes(default_inputs(graph))
    # Pairs the part could hold but simprof-rt's image cannot (its stack and heap regions are sized
    # for any model, not for this one) are not measured: `before_run` tells validate it is a fit
    # decision, not a failure. A model the estimate puts inside the arena is always run.
    check_flash(img, data, inputs, before_run=True)
    est_arena = (estimate or {}).get("arena_min_bytes")
    if isinstance(est_arena, int) and est_arena > img.arena_capacity:
        check_arena_estimate(img, data, inputs, est_arena, timeout_s=timeout_s, emulator=emulator)
    m, report, _ = paint_model(img, data, inputs, per_operator=per_operator, timeout_s=timeout_s,
                               emulator=emulator)
    if not report.ok:
        raise_for(report, platform)
    t_paint = time.monotonic() - t0
    hint, floor = report_hint(report)
    check = find_min_arena(img, data, inputs, int(est_arena or hint), floor=floor, timeout_s=timeout_s,
                           emulator=emulator)
    m = replace(m, arena_min_bytes=check.arena_min_bytes)
    out = m.to_json()
    out.update({
        "model": Path(model_path).name,
        "firmware_hash": img.hash,
        "runtime": {"head_bytes": report.head, "tail_bytes": report.tail, "setup_peak_bytes": report.temp_hwm,
                    "need_bytes": report.need},
        "painted_arena_bytes": out["arena_bytes"],
        # One written block from the arena start to its end: head and tail lie closer than the
        # island gap (an almost full arena), so the painted split between them is not observable.
        "arena_blocks_merged": out["arena_tail_bytes"] == 0 and out["arena_head_bytes"] == out.get("arena_size"),
        "arena_min_check": {"hint_bytes": check.hint_bytes, "runs": check.runs, "method": check.method},
        "seconds": {"paint": round(t_paint, 3), "arena_check": round(time.monotonic() - t0 - t_paint, 3)},
    })
    return out
