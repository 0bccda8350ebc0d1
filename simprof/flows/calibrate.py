"""`simprof calibrate`: a platform's stack per kernel path and static RAM, for the estimator.

Driver (`generate`), step by step:
1. build the platform's simprof-rt image for the kernel set (simprof.rt.image.image_for);
2. static bounds from the build's stack-usage files (simprof.rt.stack_analysis.analyse);
3. paint the calibration op-models on it under QEMU, per operator and setup-only
   (simprof.rt.calibration.measure_runs), and derive the measured figures (`derive`);
4. write platforms/calibration/<platform>.json with provenance: command, toolchain, git commit, the
   image's build hash and its source stamp (the estimator compares the stamp, cheaply, to tell a
   stale calibration: simprof.estimator.stack).

    python -m simprof.flows.calibrate --platform stm32f4 [--static-only] [--allow-dirty]
    python -m simprof.flows.calibrate --platform stm32f4 --build-dir DIR   # an existing build
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import subprocess
import sys
from pathlib import Path

from simprof.core.errors import BuildError, SimprofError
from simprof.estimator.stack import CALIBRATION_DIR, SCHEMA_VERSION
from simprof.firmware import SOURCE_DIR as FIRMWARE_DIR
from simprof.rt.stack_analysis import analyse, static_bytes

def _git_head() -> str:
    """HEAD, with "+dirty" when firmware/ has uncommitted changes (the build used them)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=FIRMWARE_DIR, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], capture_output=True, text=True,
                               cwd=FIRMWARE_DIR, timeout=10).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def firmware_dirty() -> bool:
    return _git_head().endswith("+dirty")


def generate(platform_id: str, kernels: str = "reference", build_dir: Path | None = None,
             out_dir: Path | None = None, main: Path | None = None, measure: bool = True,
             allow_dirty: bool = False, models: list[str] | None = None, command: str | None = None) -> Path:
    """Write <out_dir>/<platform>.json: static analysis of the platform's simprof-rt image and
    (measure=True) the stack painted under QEMU on the calibration op-models.
    Refuses a dirty firmware tree unless allow_dirty (the provenance then says "+dirty")."""
    from simprof.core.outputs import write_json_atomic
    from simprof.rt.sources import check_kernels, source_stamp

    check_kernels(kernels)
    git = _git_head()
    if git.endswith("+dirty") and not allow_dirty and build_dir is None:
        raise BuildError("firmware/ has uncommitted changes: a calibration must come from committed sources",
                         fix="commit the firmware first, or pass --allow-dirty (the file is then marked +dirty)")
    build = _image_build(platform_id, kernels, build_dir, main)
    result = analyse(build["su"], build["ci"], build["source_dirs"], elf=build["elf"])
    measured, skipped = None, {}
    if measure and build["image"] is not None:
        measured, skipped = _measured(build["image"], models)
    data = {
        "schema_version": SCHEMA_VERSION, "platform": platform_id, "runtime": "simprof-rt", "kernels": kernels,
        "provenance": {
            "command": command or (f"simprof calibrate --platform {platform_id} --kernels {kernels}"
                                   + (f" --build-dir {build_dir}" if build_dir else "")
                                   + (f" --main {main}" if main else "") + ("" if measure else " --static-only")),
            "entry": str(main) if main else (None if build_dir else "firmware/app/main.c (simprof.rt.image)"),
            "method": "static: gcc -fstack-usage -fcallgraph-info=su, deepest path main -> srt_invoke -> dispatch "
                      "-> kernel; measured: painted stack under QEMU on the corpus op-models (per-operator markers "
                      "+ a setup-only run), see simprof/rt/calibration.py",
            "calibration_models": "simprof.flows.corpus.opmodels" if measured else None,
            "toolchain": build["toolchain"], "git": git, "firmware_hash": build["hash"],
            "source_stamp": source_stamp(kernels) if build_dir is None and not main else None,
            "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "static_bytes": static_bytes(build["elf"]) if build["elf"] else None,
        "stack_setup_bytes": result["stack_setup_bytes"],
        "stack_bytes": result["stack_bytes"],
        "stack_bytes_without_error_path": result["stack_bytes_without_error_path"],
        # control-flow ops: stack = own + nest + max over the called subgraph's ops of (stack - dispatch)
        "subgraph_ops": result["subgraph_ops"],
        "measured": measured,
        "notes": _notes(result, measured, skipped),
    }
    out = Path(out_dir or CALIBRATION_DIR) / f"{platform_id}.json"
    write_json_atomic(out, merge_kernel_set(out, data))
    return out


def merge_kernel_set(path: Path, data: dict) -> dict:
    """One file per platform: the reference image's calibration at the top level, every other
    kernel set's under "kernel_sets" (regenerating one keeps the others)."""
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        old = {}
    same = old.get("platform") == data["platform"]
    sets = dict(old.get("kernel_sets", {})) if same else {}
    if data["kernels"] == "reference":
        return {**data, "kernel_sets": sets} if sets else data
    sets[data["kernels"]] = {k: v for k, v in data.items() if k not in ("schema_version", "platform")}
    base = {k: v for k, v in old.items() if k != "kernel_sets"} if same else {
        "schema_version": data["schema_version"], "platform": data["platform"], "runtime": data["runtime"],
        "kernels": "reference", "provenance": {"command": "none: only other kernel sets are calibrated"}}
    return {**base, "kernel_sets": sets}


def _image_build(platform_id: str, kernels: str, build_dir: Path | None, main: Path | None) -> dict:
    """The build to analyse: an existing build folder, an image with another entry, or the image
    simprof measures models with (then also `image`, to paint on)."""
    from simprof.rt.image import firmware_for, load_image, source_dirs
    from simprof.sim.build import build_firmware, compiler, compiler_version

    dirs = [d for d in source_dirs(kernels) if d.name != "app"]
    if build_dir is not None:
        build_dir = Path(build_dir)
        return {"su": sorted(build_dir.glob("*.su")), "ci": sorted(build_dir.glob("*.ci")),
                "elf": next(iter(sorted(build_dir.glob("*.elf"))), None), "toolchain": "as built", "hash": None,
                "image": None, "source_dirs": dirs}
    from simprof.platforms import load
    platform = load(platform_id)
    image = None
    if main:
        fw = build_firmware(platform, sorted(p for d in dirs for p in d.glob("*.c")) + [Path(main)],
                            include_dirs=dirs, name="simprof-rt-entry")
    else:
        fw = firmware_for(platform, kernels)
        image = load_image(platform, kernels, fw.elf, fw.hash)
        dirs = source_dirs(kernels)
    if not fw.stack_usage or not fw.callgraph:
        raise BuildError("the build has no .su/.ci files", fix="compile with -fstack-usage -fcallgraph-info=su")
    return {"su": list(fw.stack_usage), "ci": list(fw.callgraph), "elf": fw.elf,
            "toolchain": compiler_version(compiler()), "hash": fw.hash, "image": image, "source_dirs": dirs}


def _measured(image, models: list[str] | None) -> tuple[dict, dict]:
    """The painted block of the file: every calibration op-model run on the image, derived."""
    from simprof.flows.corpus import opmodels
    from simprof.rt.calibration import derive, measure_runs
    from simprof.rt.sources import source_stamp

    names = models or opmodels.names()
    runs, skipped = measure_runs(image, [(n, opmodels.model(n)) for n in names])
    return dict(firmware_hash=image.hash, source_stamp=source_stamp(image.kernels),
                **derive(runs, static_bytes(image.elf))), skipped


def _notes(result: dict, measured: dict | None, skipped: dict) -> dict:
    notes = dict(result["notes"])
    if measured:
        # static bound per op type minus the deepest painted kernel of that type (>= 0 expected)
        by_op: dict = {}
        for key, v in measured["stack_by_kernel"].items():
            op = key.split("/")[0]
            by_op[op] = max(by_op.get(op, 0), v)
        notes["static_minus_measured"] = {op: result["stack_bytes"][op] - v for op, v in sorted(by_op.items())
                                          if op in result["stack_bytes"]}
        notes["static_setup_minus_measured"] = (result["stack_setup_bytes"] or 0) - measured["setup_by_depth"].get("0", 0)
        notes["calibration_models_not_run"] = skipped
    return notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simprof.flows.calibrate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--platform", required=True)
    ap.add_argument("--kernels", default="reference")
    ap.add_argument("--build-dir", type=Path, help="analyse an existing build (.su, .ci, .elf) instead")
    ap.add_argument("--out-dir", type=Path, help=f"default {CALIBRATION_DIR}")
    ap.add_argument("--main", type=Path, help="the simprof-rt firmware entry (default: found in firmware/)")
    ap.add_argument("--static-only", action="store_true", help="no QEMU measurements (static analysis only)")
    ap.add_argument("--allow-dirty", action="store_true", help="calibrate from uncommitted firmware (marked +dirty)")
    args = ap.parse_args(argv)
    try:
        print(generate(args.platform, args.kernels, args.build_dir, args.out_dir, args.main,
                       not args.static_only, args.allow_dirty))
    except SimprofError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
