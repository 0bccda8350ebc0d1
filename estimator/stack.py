"""Stack and static RAM per platform, from a calibration data file next to the platform:
platforms/calibration/<platform>.json, written by `simprof calibrate` and carrying its provenance.

Format (schema_version 2; version 1 files, without "measured", are still read):
{
  "schema_version": 2,
  "platform": "stm32f4",
  "runtime": "simprof-rt",
  "kernels": "reference",
  "provenance": {"command": "...", "toolchain": "arm-none-eabi-gcc 12.2", "git": "<commit>",
                 "generated": "<UTC time>", "method": "-fstack-usage -fcallgraph-info=su"},
  "static_bytes": 1234,            # .data + .bss of the simprof-rt build, without the arena
  "stack_setup_bytes": 600,        # deepest path through interpreter setup (AllocateTensors)
  "stack_bytes": {"CONV_2D": 512, ...},   # deepest path interpreter entry -> kernel, per op type
  "measured": {"CONV_2D": 520, ...},      # optional: painted measurements, for comparison
  "subgraph_ops": {"own": {"CALL_ONCE": 280}, "nest": {"CALL_ONCE": 64}, "dispatch": 72,
                   "setup_per_nesting_level": 112}
                                   # control-flow ops: own + nest + max over the called subgraph's
                                   # ops of (stack_bytes[x] - dispatch); stack_bytes holds the
                                   # model-agnostic worst case (the deepest kernel nested)
  "measured": {                    # schema 2: painted under QEMU on the calibration models
    "firmware_hash": "<simprof.rt.image.firmware_for(platform, kernels).hash>",
    "source_stamp": "<simprof.rt.image.source_stamp(kernels)>",
    "stack_by_kernel": {"CONV_2D/int8": 360, ...},     # per-operator stack, from the stack top
    "setup_by_depth": {"0": 648, "1": 760},            # setup-only run, by subgraph nesting depth
    "setup_by_kernel": {"CONV_2D/int8": 648, ...},     # setup-only run of models with the kernel
    "control_flow_extra": {"CALL_ONCE": 56},           # CF op minus the deepest kernel it ran
    "invoke_floor": 0, "static_bytes": 3276, ...}      # see calibrate_measure.py
}
The measured figures are used only while `source_stamp` equals the current image sources' stamp
(`measured_state`, given the stamp by the caller: the estimator never builds or hashes firmware);
otherwise the static-analysis figures above, with a note.
No file means both are unknown: the estimate says so instead of guessing.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from simprof.core.errors import PlatformError

CALIBRATION_DIR = Path(__file__).resolve().parent.parent / "platforms" / "calibration"
SCHEMA_VERSION = 2
READABLE_SCHEMAS = (1, 2)


def kernel_key(subgraph, op) -> str:
    """The kernel path an operator takes, as far as its stack depth can differ: op type and the
    dtypes of its first input and first output ("CONV_2D/int8", "QUANTIZE/float32>int8")."""
    def dt(indices):
        i = next((i for i in indices if 0 <= i < len(subgraph.tensors)), None)
        return subgraph.tensors[i].dtype if i is not None else None
    a, b = dt(op.inputs), dt(op.outputs)
    if a is None and b is None:
        return op.opcode
    if a is None or b is None or a == b:
        return f"{op.opcode}/{a or b}"
    return f"{op.opcode}/{a}>{b}"


@dataclass(frozen=True)
class MeasuredStack:
    """Painted stack figures of a calibration (see calibrate_measure.py for the derivation)."""
    firmware_hash: str
    source_stamp: str | None
    stack_by_kernel: dict
    setup_by_depth: dict          # int depth -> bytes
    setup_by_kernel: dict
    control_flow_extra: dict
    invoke_floor: int

    def setup_for(self, depth: int, kernels, per_level: int) -> tuple[int | None, list]:
        """Setup stack of a model of this nesting depth with these kernel keys, and the kernel keys
        without a measured setup figure (the caller bounds those statically)."""
        if not self.setup_by_depth:
            return None, list(kernels)
        known = max(d for d in self.setup_by_depth if d <= depth) if any(
            d <= depth for d in self.setup_by_depth) else min(self.setup_by_depth)
        # deeper nesting than any calibration model: one more static recursion frame per level
        base = self.setup_by_depth[known] + max(0, depth - known) * per_level
        missing = sorted({k for k in kernels if k not in self.setup_by_kernel})
        return max([base] + [self.setup_by_kernel[k] for k in set(kernels) if k in self.setup_by_kernel]), missing


@dataclass(frozen=True)
class Calibration:
    platform: str
    runtime: str
    kernels: str
    static_bytes: int | None
    stack_setup_bytes: int | None
    stack_by_op: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    path: str = ""
    subgraph_ops: dict = field(default_factory=dict)
    measured: MeasuredStack | None = None
    kind: str = "simprof-rt"      # or "firmware": the user's own application (simprof calibrate --elf)
    name: str = ""

    def measured_state(self, image_stamp: str | None = None) -> tuple[str, str | None]:
        """Whether the measured figures belong to today's image, judged by the image's source stamp
        (simprof.rt.image.source_stamp: cheap, no compiler) handed in by the caller:
        ("current", None) when it equals the one the calibration recorded; ("stale", note) when the
        sources changed since; ("unchecked", note) when there is no stamp to compare;
        ("none", None) when the file has no measured figures."""
        if self.measured is None:
            return "none", None
        if self.kind == "firmware":
            return self._firmware_state()
        recorded = self.measured.source_stamp
        if image_stamp is None or recorded is None:
            why = "no source stamp in the calibration file" if recorded is None else "no image stamp given"
            return "unchecked", f"stack from the calibration's measurements; its image was not checked ({why})"
        if image_stamp != recorded:
            return "stale", (f"calibration stale: run simprof calibrate --platform {self.platform} "
                             f"--kernels {self.kernels} (simprof-rt sources {image_stamp[:12]} != calibrated {recorded[:12]}); "
                             "stack from static analysis, static RAM from the old image")
        return "current", None

    def _firmware_state(self) -> tuple[str, str | None]:
        """A user firmware's calibration is current while its ELF is unchanged (or gone)."""
        elf = Path(self.provenance.get("elf", ""))
        if elf.is_file() and hashlib.sha256(elf.read_bytes()).hexdigest() != self.provenance.get("elf_sha256"):
            return "current", (f"{elf} changed since calibration {self.name!r} was made: run "
                               f"simprof calibrate --elf {elf} --platform {self.platform} again")
        return "current", None

    def stack_for(self, opcode: str) -> int | None:
        return self.stack_by_op.get(opcode)

    def setup_stack_for(self, nesting_depth: int) -> int | None:
        """Stack of setup for a model whose subgraphs nest `nesting_depth` levels deep."""
        if self.stack_setup_bytes is None:
            return None
        return self.stack_setup_bytes + nesting_depth * int(self.subgraph_ops.get("setup_per_nesting_level", 0))

    def stack_for_control_flow(self, opcode: str, inner: list) -> int | None:
        """Stack of a control-flow op that runs a subgraph whose operators' stacks are `inner`
        (None when the file has no split figures or an inner stack is unknown)."""
        own = self.subgraph_ops.get("own", {}).get(opcode)
        nest = self.subgraph_ops.get("nest", {}).get(opcode)
        dispatch = self.subgraph_ops.get("dispatch")
        if own is None or nest is None or dispatch is None or any(x is None for x in inner):
            return None
        return own + nest + max([x - dispatch for x in inner] + [0])


def user_calibration_dir() -> Path:
    """Where named calibrations of users' firmware live unless --out says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "simprof" / "calibrations"


def named_calibration_path(name: str | Path) -> Path:
    """A calibration given by file path, or by name in the user calibration directory."""
    p = Path(name)
    if p.suffix == ".json" or p.is_file():
        if not p.is_file():
            raise PlatformError(f"calibration file {p} does not exist", fix="check the path")
        return p
    q = user_calibration_dir() / f"{name}.json"
    if not q.is_file():
        known = sorted(x.stem for x in user_calibration_dir().glob("*.json")) if user_calibration_dir().is_dir() else []
        raise PlatformError(f"no calibration named {str(name)!r} in {user_calibration_dir()}",
                            fix=("make it with simprof calibrate --elf app.elf --platform ID --name "
                                 f"{name}" + (f" (known: {', '.join(known)})" if known else "")))
    return q


def calibration_path(platform: str, runtime: str, kernels: str, directory: Path | None = None) -> Path:
    d = directory or CALIBRATION_DIR
    specific = d / f"{platform}.{runtime}.{kernels}.json"
    return specific if specific.exists() else d / f"{platform}.json"


def load_calibration(platform: str, runtime: str = "simprof-rt", kernels: str = "reference",
                     directory: Path | None = None, path: Path | None = None) -> Calibration | None:
    """The platform's calibration for a runtime and kernel set, or the file at `path` (a named
    calibration of the user's firmware)."""
    path = path or calibration_path(platform, runtime, kernels, directory)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PlatformError(f"calibration file {path} is unreadable: {exc}",
                            fix="regenerate it with the command in its provenance") from exc
    if data.get("schema_version") not in READABLE_SCHEMAS:
        raise PlatformError(f"calibration file {path} has schema_version {data.get('schema_version')}",
                            fix=f"regenerate it (expected schema_version {SCHEMA_VERSION})")
    if "provenance" not in data:
        raise PlatformError(f"calibration file {path} has no provenance",
                            fix="regenerate it; every data file records how it was made")
    # other kernel sets than the reference one have their own section (calibrate.merge_kernel_set)
    section = data.get("kernel_sets", {}).get(kernels)
    if section is not None:
        data = {**section, "schema_version": data["schema_version"]}
    elif data.get("kind") != "firmware" and (data.get("kernels", "reference") != "reference"
                                             or "static_bytes" not in data):
        data = {**data, "static_bytes": None, "stack_setup_bytes": None, "stack_bytes": {}, "measured": None}
    return Calibration(data.get("platform", platform), data.get("runtime", runtime), data.get("kernels", kernels),
                       data.get("static_bytes"), data.get("stack_setup_bytes"),
                       dict(data.get("stack_bytes", {})), dict(data["provenance"]), str(path),
                       dict(data.get("subgraph_ops", {})), _measured(data.get("measured")),
                       data.get("kind", "simprof-rt"), data.get("name", ""))


def _measured(m) -> MeasuredStack | None:
    """The schema-2 measured block (version 1 files kept a plain op -> bytes map there: ignored)."""
    if not isinstance(m, dict) or "firmware_hash" not in m:
        return None
    return MeasuredStack(m["firmware_hash"], m.get("source_stamp"), dict(m.get("stack_by_kernel", {})),
                         {int(k): v for k, v in m.get("setup_by_depth", {}).items()},
                         dict(m.get("setup_by_kernel", {})), dict(m.get("control_flow_extra", {})),
                         int(m.get("invoke_floor", 0)))
